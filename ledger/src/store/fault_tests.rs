//! What an append does when the disk fails under it. Every write and
//! fdatasync of a batch is made to fail in turn (the test-only hooks of
//! [`crate::segment::faults`]); after each failure the batch must be absent
//! from the file, the handle must refuse further appends, and a reopened
//! ledger must hold exactly the batches acknowledged before, verify clean,
//! know none of the failed batch's ids, and take the same batch again.

use super::*;
use crate::input::parse_jsonl;
use crate::verify::verify_dir;

fn now() -> Instant {
    Instant::parse("2025-07-01T00:00:00Z").unwrap()
}

/// The stream's rule set, from its documented JSON Lines form.
fn rule_set() -> Draft {
    let content = r#"{"effective_from":"2025-01","rule_set_id":"r","stream":"s"}"#;
    let line = serde_json::json!({
        "id": "rule-set/r/v1",
        "stream": "s",
        "actor": {"party": "customer", "identity": "c"},
        "occurred_at": "2025-07-01T00:00:00Z",
        "kind": "rule_set_defined",
        "data": {
            "rule_set_id": "r",
            "effective_from": "2025-01",
            "content": content,
            "content_hash": blake3::hash(content.as_bytes()).to_hex().to_string(),
        },
    });
    parse_jsonl(&line.to_string()).unwrap().pop().unwrap()
}

/// `n` fee events with ids `fee-{from}`..: no references needed.
fn fees(from: u64, n: u64) -> Vec<Draft> {
    let text: String = (from..from + n)
        .map(|i| {
            format!(
                r#"{{"id":"fee-{i}","stream":"s","actor":{{"party":"supplier","identity":"sd"}},"occurred_at":"2025-06-30T12:00:00Z","kind":"fee_recorded","data":{{"month":"2025-06","amount_ore":{},"fee_kind":"hourly"}}}}"#,
                1000 + i
            ) + "\n"
        })
        .collect();
    parse_jsonl(&text).unwrap()
}

/// A ledger holding the rule set and one acknowledged batch of 50 fees.
fn ledger(dir: &Path, segment_limit: u64) -> Ledger {
    let opts = LedgerOptions {
        segment_limit,
        ..LedgerOptions::default()
    };
    let (mut l, _) = Ledger::create(dir, opts).unwrap();
    l.append(vec![rule_set()], None, now()).unwrap();
    l.append(fees(0, 50), None, now()).unwrap();
    l
}

fn files_len(dir: &Path) -> Vec<(u64, u64)> {
    segment::list_segments(&dir.join("log"))
        .unwrap()
        .into_iter()
        .map(|(first, p)| (first, fs::metadata(p).unwrap().len()))
        .collect()
}

/// Fails the `k`-th I/O operation (and every later one) of appending a
/// batch of `n` fees; returns `false` once `k` is past the batch's last
/// operation (the append succeeded), after checking what a failure must
/// leave behind.
fn fail_op(k: u64, n: u64, segment_limit: u64) -> bool {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut l = ledger(dir, segment_limit);
    let before = l.head();
    let segments_before = l.segments.len();
    let len_before = l.active.len;
    l.active.faults.fail_from(k);
    let res = l.append(fees(1000, n), None, now());
    let ops = l.active.faults.count();
    match res {
        Ok(out) => {
            assert_eq!(out.appended.count() as u64, n, "op {k}");
            assert!(ops <= k, "op {k} of {ops} failed, yet the append succeeded");
            drop(l);
            assert!(verify_dir(dir, None).unwrap().problems.is_empty());
            return false;
        }
        Err(AppendError::Io(e)) => assert!(e.to_string().contains("injected"), "op {k}: {e}"),
        Err(e) => panic!("op {k}: {e}"),
    }
    // Nothing of the batch stays in the file behind the durable end (of
    // the segment it started, if it started one).
    assert_eq!(l.head(), before, "op {k}");
    let expected_len = if l.segments.len() > segments_before {
        segment::HEADER_LEN as u64
    } else {
        len_before
    };
    assert_eq!(l.active.len, expected_len, "op {k}");
    // A rotation that failed may leave a later file holding only a header.
    for (first, len) in files_len(dir) {
        match first.cmp(&l.active.first_seq) {
            std::cmp::Ordering::Equal => assert_eq!(len, expected_len, "op {k}"),
            std::cmp::Ordering::Greater => {
                assert_eq!(len, segment::HEADER_LEN as u64, "op {k}")
            }
            std::cmp::Ordering::Less => {}
        }
    }
    // The handle's state is unknown after a failed write: it refuses more,
    // and forgot the ids it may have noted for the batch while the final
    // write ran.
    l.active.faults.fail_from(u64::MAX);
    assert_eq!(l.lookup_id("s", "fee-1000").unwrap(), None, "op {k}");
    assert!(
        matches!(
            l.append(fees(5000, 1), None, now()),
            Err(AppendError::Poisoned)
        ),
        "op {k}"
    );
    drop(l);
    assert!(verify_dir(dir, None).unwrap().problems.is_empty(), "op {k}");
    let (mut l, report) = Ledger::open(dir, LedgerOptions::default()).unwrap();
    assert_eq!(l.head(), before, "op {k}");
    assert!(report.cut_tail.is_none(), "op {k}: {:?}", report.cut_tail);
    assert!(l.segments.len() >= segments_before);
    for id in ["fee-1000", &format!("fee-{}", 1000 + n - 1)] {
        assert_eq!(l.lookup_id("s", id).unwrap(), None, "op {k}: {id}");
    }
    assert!(l.lookup_id("s", "fee-49").unwrap().is_some());
    // The same batch goes in whole on the reopened ledger.
    let out = l.append(fees(1000, n), None, now()).unwrap();
    assert_eq!(out.appended.count() as u64, n, "op {k}");
    assert!(out.duplicates.is_empty());
    drop(l);
    assert!(verify_dir(dir, None).unwrap().problems.is_empty(), "op {k}");
    true
}

/// As [`fail_op`], but cutting the batch back fails too, so whatever the
/// failed write left stays in the file for open to judge: the batch must
/// then be absent or present whole, and once present exactly once.
fn fail_op_and_cut(k: u64, n: u64, segment_limit: u64) -> Option<bool> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut l = ledger(dir, segment_limit);
    let before = l.head();
    l.active.faults.fail_from(k);
    l.active.faults.fail_cuts(true);
    let maybe = match l.append(fees(1000, n), None, now()) {
        Ok(_) => return None,
        Err(AppendError::Io(_)) => false,
        Err(AppendError::MaybeAppended(reason)) => {
            assert!(reason.contains("injected"), "op {k}: {reason}");
            true
        }
        Err(e) => panic!("op {k}: {e}"),
    };
    assert_eq!(l.head(), before, "op {k}");
    assert!(matches!(
        l.append(fees(5000, 1), None, now()),
        Err(AppendError::Poisoned)
    ));
    drop(l);
    let (l, _) = Ledger::open(dir, LedgerOptions::default()).unwrap();
    let present = l.head() != before;
    if present {
        // Only a write that reached the batch end may leave the batch.
        assert!(maybe, "op {k}: reported not written, yet present");
        assert_eq!(l.head().seq, before.seq + n, "op {k}");
    } else {
        assert_eq!(l.head(), before, "op {k}");
    }
    drop(l);
    assert!(verify_dir(dir, None).unwrap().problems.is_empty(), "op {k}");
    let (mut l, _) = Ledger::open(dir, LedgerOptions::default()).unwrap();
    // Appending the same batch again is what the error tells the user.
    let out = l.append(fees(1000, n), None, now()).unwrap();
    let (appended, dups) = (out.appended.count() as u64, out.duplicates.len() as u64);
    if present {
        assert_eq!((appended, dups), (0, n), "op {k}");
    } else {
        assert_eq!((appended, dups), (n, 0), "op {k}");
    }
    assert_eq!(l.head().seq, before.seq + n, "op {k}");
    drop(l);
    assert!(verify_dir(dir, None).unwrap().problems.is_empty(), "op {k}");
    Some(present)
}

/// Fails each operation of the batch in turn; returns how many failed.
fn sweep(n: u64, segment_limit: u64) -> u64 {
    let mut k = 0;
    while fail_op(k, n, segment_limit) {
        k += 1;
        assert!(k < 100, "the batch never succeeded");
    }
    k
}

/// Fails each operation of the batch in turn with a failing cut; returns
/// how many failed, and after how many of those the batch was present.
fn sweep_uncut(n: u64, segment_limit: u64) -> (u64, u64) {
    let (mut k, mut present) = (0, 0);
    while let Some(p) = fail_op_and_cut(k, n, segment_limit) {
        present += u64::from(p);
        k += 1;
        assert!(k < 100, "the batch never succeeded");
    }
    (k, present)
}

#[test]
fn a_batch_that_cannot_be_cut_back_is_reported_as_perhaps_appended_and_is_never_half_present() {
    for (n, limit) in [
        (10, segment::DEFAULT_SEGMENT_LIMIT),
        (3 * PARALLEL_MIN as u64, segment::DEFAULT_SEGMENT_LIMIT),
        (3 * PARALLEL_MIN as u64, 64 * 1024),
    ] {
        // The final fdatasync's failure leaves the whole batch behind.
        let (failed, present) = sweep_uncut(n, limit);
        assert!(failed >= 2, "{n} events, segments of {limit}");
        assert_eq!(present, 1, "{n} events, segments of {limit}");
    }
}

#[test]
fn a_failed_write_or_fdatasync_of_a_small_batch_appends_nothing() {
    // One write and one fdatasync.
    assert_eq!(sweep(10, segment::DEFAULT_SEGMENT_LIMIT), 2);
}

#[test]
fn a_failure_at_any_write_or_fdatasync_of_a_large_batch_written_ahead_appends_nothing() {
    // ~3,000 fees: frames written ahead in chunks and synced while the
    // rest are chained, then the final commit (write + fdatasync) while
    // the batch's ids are noted; every one of those is failed in turn.
    let n = 3 * PARALLEL_MIN as u64;
    let failed = sweep(n, segment::DEFAULT_SEGMENT_LIMIT);
    assert!(
        failed >= 4,
        "only {failed} operations: nothing was written ahead"
    );
}

#[test]
fn a_failure_in_a_large_batch_that_starts_a_segment_appends_nothing() {
    // A small segment limit: the batch opens a new segment, so nothing is
    // written ahead and the whole batch is the final commit. Four
    // operations: the rotation (failed before the new file exists, and
    // after its header is durable), the write, the fdatasync.
    let failed = sweep(3 * PARALLEL_MIN as u64, 64 * 1024);
    assert_eq!(failed, 4);
}
