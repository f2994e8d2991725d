//! Crash recovery, index rebuild, atomic and idempotent appends, locking.

mod common;

use common::*;
use slaledger_ledger::segment::{self, parse_frame, HEADER_LEN};
use slaledger_ledger::store::{AppendError, Ledger, LedgerOptions, OpenError};
use slaledger_ledger::verify::{verify_dir, ProblemKind};
use std::path::Path;

fn seg_path(dir: &Path) -> std::path::PathBuf {
    segment::list_segments(&dir.join("log"))
        .unwrap()
        .pop()
        .unwrap()
        .1
}

fn frame_ends(bytes: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut off = HEADER_LEN;
    while off < bytes.len() {
        let (_, len) = parse_frame(&bytes[off..]).unwrap();
        off += len;
        out.push(off);
    }
    out
}

#[test]
fn a_torn_last_batch_is_cut_at_every_truncation_point_and_kept_aside() {
    let tmp = tempfile::tempdir().unwrap();
    let l = ledger_with(tmp.path(), &[2, 3]);
    let full_head = l.head();
    let first_batch_head = {
        let h = l.hash_at(3).unwrap();
        slaledger_ledger::chain::ChainHead { seq: 3, hash: h }
    };
    drop(l);
    let seg = seg_path(tmp.path());
    let bytes = std::fs::read(&seg).unwrap();
    let ends = frame_ends(&bytes);
    let batch1_end = ends[2];
    // Every cut inside the second batch leaves the first batch whole.
    for cut in (batch1_end + 1..bytes.len()).step_by(7) {
        std::fs::write(&seg, &bytes[..cut]).unwrap();
        let rep = verify_dir(tmp.path(), None).unwrap();
        assert_eq!(
            rep.problems[0].kind,
            ProblemKind::IncompleteTail,
            "cut at {cut}"
        );
        let (l, report) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
        assert_eq!(l.head(), first_batch_head, "cut at {cut}");
        let (_, off, len, q) = report.cut_tail.expect("tail reported");
        assert_eq!(
            (off as usize, off as usize + len as usize),
            (batch1_end, cut)
        );
        assert_eq!(std::fs::read(q).unwrap(), &bytes[batch1_end..cut]);
        drop(l);
        assert!(verify_dir(tmp.path(), Some(first_batch_head)).unwrap().ok());
        assert_eq!(std::fs::metadata(&seg).unwrap().len() as usize, batch1_end);
    }
    // The complete file reopens to the full head.
    std::fs::write(&seg, &bytes).unwrap();
    let (l, report) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
    assert_eq!(l.head(), full_head);
    assert_eq!(report.cut_tail, None);
}

#[test]
fn appends_continue_correctly_after_a_cut_tail() {
    let tmp = tempfile::tempdir().unwrap();
    let l = ledger_with(tmp.path(), &[2]);
    drop(l);
    let seg = seg_path(tmp.path());
    let mut f = std::fs::OpenOptions::new().append(true).open(&seg).unwrap();
    std::io::Write::write_all(&mut f, b"\x40\x00\x00\x00garbage from a torn write").unwrap();
    drop(f);
    let (mut l, report) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
    assert!(report.cut_tail.is_some());
    l.append(vec![fee(100)], None, now()).unwrap();
    assert_eq!(l.head().seq, 4);
    drop(l);
    assert!(verify_dir(tmp.path(), None).unwrap().ok());
}

/// A closed ledger of two batches, its head, and the header bytes and path
/// of the segment a next batch would start.
fn ledger_and_next_segment() -> (
    tempfile::TempDir,
    slaledger_ledger::chain::ChainHead,
    [u8; HEADER_LEN],
    std::path::PathBuf,
) {
    let tmp = tempfile::tempdir().unwrap();
    let head = ledger_with(tmp.path(), &[2, 3]).head();
    let header = segment::SegmentHeader {
        first_seq: head.seq + 1,
        prev_hash: head.hash,
    }
    .to_bytes();
    let path = tmp
        .path()
        .join("log")
        .join(segment::segment_file_name(head.seq + 1));
    (tmp, head, header, path)
}

#[test]
fn a_crash_right_after_a_new_segment_was_started_reopens_at_the_head() {
    // A batch that starts a segment creates it (header synced) before
    // writing its frames; a crash in between leaves a last segment that
    // holds no record yet.
    let (tmp, head, header, new_seg) = ledger_and_next_segment();
    let log = tmp.path().join("log");
    std::fs::write(new_seg, header).unwrap();
    assert!(verify_dir(tmp.path(), None).unwrap().ok());
    let (mut l, report) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
    assert_eq!(l.head(), head);
    assert!(report.cut_tail.is_none());
    l.append(vec![fee(100)], None, now()).unwrap();
    assert_eq!(l.head().seq, head.seq + 1);
    assert_eq!(segment::list_segments(&log).unwrap().len(), 2);
    drop(l);
    assert!(verify_dir(tmp.path(), None).unwrap().ok());
    let (l, _) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
    assert_eq!(l.head().seq, head.seq + 1);
}

#[test]
fn a_crash_while_a_new_segment_header_was_written_reopens_at_the_head() {
    // Killed after the new segment file was created, before its header
    // was whole: the file holds no acknowledged data and is set aside.
    let (tmp, head, header, new_seg) = ledger_and_next_segment();
    for cut in [0, 1, HEADER_LEN / 2, HEADER_LEN - 1] {
        std::fs::write(&new_seg, &header[..cut]).unwrap();
        let (l, _) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
        assert_eq!(l.head(), head, "header cut at {cut}");
        assert!(!new_seg.exists(), "header cut at {cut}");
        drop(l);
        assert!(verify_dir(tmp.path(), None).unwrap().ok());
    }
}

#[test]
fn damage_before_the_tail_refuses_to_open_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    drop(ledger_with(tmp.path(), &[2, 2]));
    let seg = seg_path(tmp.path());
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[HEADER_LEN + 30] ^= 4;
    std::fs::write(&seg, &bytes).unwrap();
    let err = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap_err();
    assert!(matches!(err, OpenError::Corrupt { .. }), "{err}");
    assert_eq!(std::fs::read(&seg).unwrap(), bytes);
}

#[test]
fn a_deleted_or_damaged_index_is_rebuilt_with_identical_query_results() {
    let tmp = tempfile::tempdir().unwrap();
    let l = ledger_with(tmp.path(), &[3, 4]);
    let q = |l: &Ledger| {
        let idx = l.index().unwrap();
        let stream: Vec<u64> = idx.stream_seqs(STREAM, 0).map(|r| r.unwrap()).collect();
        let fee_kind = slaledger_ledger::event::Event::KIND_NAMES
            .iter()
            .position(|k| *k == "fee_recorded")
            .unwrap() as u16;
        let kind: Vec<u64> = idx.kind_seqs(fee_kind, 0).map(|r| r.unwrap()).collect();
        let ids = l.index().unwrap().load_ids().unwrap().len();
        (stream, kind, ids, idx.through().unwrap())
    };
    let before = q(&l);
    assert_eq!(before.0.len(), 8);
    drop(l);
    std::fs::remove_dir_all(tmp.path().join("index")).unwrap();
    let (l, report) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
    assert_eq!(report.indexed, 8);
    assert_eq!(q(&l), before);
    drop(l);
    // Damage: the index claims a position that is wrong.
    {
        // sled releases its file lock from a background thread after the
        // ledger's handle is dropped (see `Index::open`): wait for it.
        let mut tries = 0;
        let db = loop {
            match sled::open(tmp.path().join("index")) {
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock") && tries < 500 =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                other => break other.unwrap(),
            }
        };
        let pos = db.open_tree("pos").unwrap();
        pos.insert(5u64.to_be_bytes(), &[0u8; 16][..]).unwrap();
        // A stale extra key and a changed posting list are caught too.
        let stream = db.open_tree("stream").unwrap();
        let (k, _) = stream.iter().next().unwrap().unwrap();
        stream.insert(k, &[9u8, 0][..]).unwrap();
        db.flush().unwrap();
    }
    let rep = verify_dir(tmp.path(), None).unwrap();
    assert_eq!(
        rep.problems[0].kind,
        ProblemKind::IndexMismatch,
        "{:?}",
        rep.problems
    );
    let (mut l, _) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
    l.reindex().unwrap();
    assert_eq!(q(&l), before);
    drop(l);
    assert!(verify_dir(tmp.path(), None).unwrap().ok());
}

#[test]
fn an_index_lagging_the_log_catches_up_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    drop(ledger_with(tmp.path(), &[2]));
    // Simulate a crash after the log's fdatasync but before sled wrote the
    // index: put back the index as it was before the append.
    let saved = tmp.path().join("index-before");
    copy_dir(&tmp.path().join("index"), &saved);
    let (mut l, _) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
    l.append(vec![fee(50), fee(51)], None, now()).unwrap();
    drop(l);
    std::fs::remove_dir_all(tmp.path().join("index")).unwrap();
    std::fs::rename(&saved, tmp.path().join("index")).unwrap();
    let rep = verify_dir(tmp.path(), None).unwrap();
    assert!(rep.ok() && !rep.notes.is_empty(), "{rep:?}");
    let (mut l, report) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
    assert_eq!(report.indexed, 2);
    assert_eq!(l.lookup_id(STREAM, "fee-51").unwrap().map(|x| x.0), Some(5));
}

#[test]
fn re_appending_the_same_batch_appends_nothing_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let mut l = ledger_with(tmp.path(), &[]);
    let batch = vec![fee(1), fee(2)];
    let first = l.append(batch.clone(), None, now()).unwrap();
    assert_eq!(first.appended, 2..4);
    let again = l.append(batch, None, now()).unwrap();
    assert!(again.appended.is_empty());
    assert_eq!(
        again.duplicates,
        vec![("fee-1".to_owned(), 2), ("fee-2".to_owned(), 3)]
    );
    assert_eq!(again.head, first.head);
}

#[test]
fn re_appending_in_a_later_process_and_later_time_is_still_a_no_op() {
    let tmp = tempfile::tempdir().unwrap();
    let mut l = ledger_with(tmp.path(), &[]);
    let many: Vec<_> = (1..=300).map(fee).collect();
    let first = l.append(many.clone(), None, now()).unwrap();
    drop(l);
    // A new process loads the id table from the index; the ledger clock has
    // moved on, which must not change the content hash.
    let (mut l, _) = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap();
    let later = now().saturating_add_millis(3_600_000);
    let again = l.append(many, None, later).unwrap();
    assert!(again.appended.is_empty());
    assert_eq!(again.duplicates.len(), 300);
    assert_eq!(
        again.duplicates[299],
        ("fee-300".to_owned(), first.appended.end - 1)
    );
    // A changed event under a recorded id is still refused.
    let mut changed = fee(150);
    if let slaledger_ledger::event::Event::FeeRecorded(f) = &mut changed.event.event {
        f.amount_ore += 1;
    }
    let err = l.append(vec![changed], None, later).unwrap_err();
    assert!(err.to_string().contains("id conflict"), "{err}");
}

#[test]
fn a_batch_with_one_bad_event_appends_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut l = ledger_with(tmp.path(), &[1]);
    let head = l.head();
    let mut conflicting = fee(0);
    if let slaledger_ledger::event::Event::FeeRecorded(f) = &mut conflicting.event.event {
        f.amount_ore += 1;
    }
    conflicting.line = 2;
    let err = l
        .append(vec![fee(10), conflicting, fee(11)], None, now())
        .unwrap_err();
    match err {
        AppendError::Invalid {
            line,
            id,
            field,
            reason,
        } => {
            assert_eq!((line, id.as_str(), field.as_str()), (2, "fee-0", "id"));
            assert!(reason.contains("conflict"), "{reason}");
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(l.head(), head);
    assert_eq!(l.lookup_id(STREAM, "fee-10").unwrap(), None);
}

/// The head of a ledger holding the rule set and fees `ids`, appended in
/// batches of 100 (below the size at which frames are built beside
/// validation): the reference for large-batch appends.
fn reference_head(ids: impl Iterator<Item = u64>) -> slaledger_ledger::chain::ChainHead {
    let tmp = tempfile::tempdir().unwrap();
    let mut l = ledger_with(tmp.path(), &[]);
    let all: Vec<_> = ids.map(fee).collect();
    for batch in all.chunks(100) {
        l.append(batch.to_vec(), None, now()).unwrap();
    }
    l.head()
}

#[test]
fn a_large_batch_with_duplicates_appends_the_rest_in_order_on_a_sound_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let mut l = ledger_with(tmp.path(), &[]);
    l.append((0..500).map(fee).collect(), None, now()).unwrap();
    // 3,000 events: the first 500 recorded already, one repeated in the batch.
    let mut big: Vec<_> = (0..3000).map(fee).collect();
    big.insert(2500, fee(1999));
    let out = l.append(big, None, now()).unwrap();
    assert_eq!(out.duplicates.len(), 500);
    assert_eq!(out.appended.end - out.appended.start, 2500);
    assert_eq!(out.head, reference_head(0..3000));
    for i in [500u64, 1999, 2000, 2999] {
        let (seq, _) = l.lookup_id(STREAM, &format!("fee-{i}")).unwrap().unwrap();
        assert_eq!(seq, i + 2, "fee-{i}");
    }
    drop(l);
    let rep = verify_dir(tmp.path(), None).unwrap();
    assert!(rep.ok(), "{:?}", rep.problems);
    assert_eq!(rep.records, 3001);
}

#[test]
fn a_refused_large_batch_appends_nothing_and_the_next_one_is_sound() {
    let tmp = tempfile::tempdir().unwrap();
    let mut l = ledger_with(tmp.path(), &[]);
    let head = l.head();
    let mut big: Vec<_> = (0..2000).map(fee).collect();
    let mut conflicting = fee(7);
    if let slaledger_ledger::event::Event::FeeRecorded(f) = &mut conflicting.event.event {
        f.amount_ore += 1;
    }
    big[1500] = conflicting;
    let len_before = std::fs::metadata(seg_path(tmp.path())).unwrap().len();
    let err = l.append(big, None, now()).unwrap_err();
    assert!(err.to_string().contains("id conflict"), "{err}");
    assert_eq!(l.head(), head);
    // The frames written ahead while the batch was validated are cut again.
    assert_eq!(
        std::fs::metadata(seg_path(tmp.path())).unwrap().len(),
        len_before
    );
    let out = l.append((0..2000).map(fee).collect(), None, now()).unwrap();
    assert_eq!(out.head, reference_head(0..2000));
    drop(l);
    let rep = verify_dir(tmp.path(), None).unwrap();
    assert!(rep.ok(), "{:?}", rep.problems);
}

#[test]
fn large_batches_written_ahead_start_new_segments_whole_and_chain_across_them() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = LedgerOptions {
        segment_limit: 1024 * 1024,
        ..Default::default()
    };
    let (mut l, _) = Ledger::create(tmp.path(), opts.clone()).unwrap();
    l.append(vec![rule_set()], None, now()).unwrap();
    // Batches of 3,000 fees (each several chunks written ahead); the
    // third no longer fits the first segment and starts a new one.
    for b in 0..4u64 {
        l.append((b * 3000..(b + 1) * 3000).map(fee).collect(), None, now())
            .unwrap();
    }
    assert_eq!(l.head(), reference_head(0..12_000));
    drop(l);
    let segments = segment::list_segments(&tmp.path().join("log")).unwrap();
    assert!(segments.len() >= 2, "{segments:?}");
    let (l, _) = Ledger::open(tmp.path(), opts).unwrap();
    assert_eq!(l.head(), reference_head(0..12_000));
    drop(l);
    let rep = verify_dir(tmp.path(), None).unwrap();
    assert!(rep.ok(), "{:?}", rep.problems);
    assert_eq!(rep.records, 12_001);
}

#[test]
fn a_wrong_expected_head_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let mut l = ledger_with(tmp.path(), &[1]);
    let stale = slaledger_ledger::chain::ChainHead::empty();
    let err = l.append(vec![fee(5)], Some(stale), now()).unwrap_err();
    assert!(matches!(err, AppendError::HeadMismatch { .. }), "{err}");
    let head = l.head();
    l.append(vec![fee(5)], Some(head), now()).unwrap();
}

#[test]
fn a_second_opener_gets_a_clear_error_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let _l = ledger_with(tmp.path(), &[]);
    let err = Ledger::open(tmp.path(), LedgerOptions::default()).unwrap_err();
    assert!(matches!(err, OpenError::Locked { .. }));
    assert!(
        err.to_string().contains("in use by another process"),
        "{err}"
    );
}

/// A ledger of 2 KiB segments: the rule set and 40 batches of two fees
/// (81 records over many segments), with the options to reopen it.
fn small_segments_ledger(dir: &Path) -> (Ledger, LedgerOptions) {
    let opts = LedgerOptions {
        segment_limit: 2048,
        ..Default::default()
    };
    let (mut l, _) = Ledger::create(dir, opts.clone()).unwrap();
    l.append(vec![rule_set()], None, now()).unwrap();
    for i in 0..40 {
        l.append(vec![fee(i * 2), fee(i * 2 + 1)], None, now())
            .unwrap();
    }
    (l, opts)
}

#[test]
fn segments_rotate_and_the_chain_continues_across_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (l, opts) = small_segments_ledger(tmp.path());
    assert!(l.segments().len() > 5, "{}", l.segments().len());
    let all: Vec<u64> = l.events(1, u64::MAX).map(|r| r.unwrap().0).collect();
    assert_eq!(all, (1..=81).collect::<Vec<_>>());
    assert_eq!(l.read(40).unwrap().id, "fee-38");
    // The in-place scan sees the same records as the decoding iterator,
    // across segment boundaries, and honours its range.
    let mut scanned = Vec::new();
    l.scan_records(7, 60, |seq, rec| scanned.push((seq, rec.to_vec())))
        .unwrap();
    let expected: Vec<(u64, Vec<u8>)> = (7..=60).map(|s| (s, l.frame(s).unwrap().record)).collect();
    assert_eq!(scanned, expected);
    drop(l);
    assert!(verify_dir(tmp.path(), None).unwrap().ok());
    let (l, _) = Ledger::open(tmp.path(), opts).unwrap();
    assert_eq!(l.head().seq, 81);
}

#[test]
fn a_segment_scan_hands_out_records_in_order_and_names_a_damaged_segment() {
    let tmp = tempfile::tempdir().unwrap();
    let (l, opts) = small_segments_ledger(tmp.path());
    let segments = l.segments().len();
    assert!(segments > 5, "{segments}");
    // Segments are read ahead on a second thread: the calls still get the
    // records in ledger order, within the range.
    let mut calls: Vec<Vec<u64>> = Vec::new();
    l.scan_segments(5, 70, |recs| calls.push(recs.iter().map(|r| r.0).collect()))
        .unwrap();
    assert!(calls.len() > 3, "{}", calls.len());
    let flat: Vec<u64> = calls.concat();
    assert_eq!(flat, (5..=70).collect::<Vec<_>>());
    drop(l);
    // Damage a record in the third segment (not the active one, which
    // open re-checks): the scan fails with the file named, and hands out
    // nothing of that segment or after it.
    let mut files: Vec<_> = std::fs::read_dir(tmp.path().join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let third = files[2].clone();
    let mut bytes = std::fs::read(&third).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&third, &bytes).unwrap();
    let (l, _) = Ledger::open(tmp.path(), opts).unwrap();
    let mut seen = Vec::new();
    let err = l
        .scan_segments(1, u64::MAX, |recs| seen.extend(recs.iter().map(|r| r.0)))
        .unwrap_err();
    let name = third.file_name().unwrap().to_string_lossy().to_string();
    assert!(err.to_string().contains(&name), "{err}");
    let first_of_third: u64 = name
        .trim_start_matches("seg-")
        .trim_end_matches(".log")
        .parse()
        .unwrap();
    assert_eq!(seen, (1..first_of_third).collect::<Vec<_>>());
}

#[test]
fn a_scan_of_a_big_segment_sees_exactly_what_the_decoding_iterator_sees() {
    // ~11 MB of fees and one 9 MiB record in one segment: the in-place scan
    // must see exactly what the decoding iterator sees, over the whole
    // ledger and over ranges that start and end inside the segment.
    let tmp = tempfile::tempdir().unwrap();
    let (mut l, _) = Ledger::create(tmp.path(), LedgerOptions::default()).unwrap();
    l.append(vec![rule_set()], None, now()).unwrap();
    let mut i = 0;
    for _ in 0..3 {
        l.append((i..i + 20_000).map(fee).collect(), None, now())
            .unwrap();
        i += 20_000;
    }
    let mut big = fee(i);
    big.event.note = Some("x".repeat(9 * 1024 * 1024));
    l.append(vec![big], None, now()).unwrap();
    i += 1;
    l.append((i..i + 20_000).map(fee).collect(), None, now())
        .unwrap();
    assert_eq!(l.segments().len(), 1);
    let head = l.head().seq;
    let decoded: Vec<(u64, Vec<u8>)> = l
        .events(1, head)
        .map(|r| {
            let (seq, _, ev) = r.unwrap();
            (seq, slaledger_ledger::encoding::encode_record(&ev).unwrap())
        })
        .collect();
    for (from, to) in [(1, head), (7, head - 3), (30_000, 60_003), (60_002, 60_002)] {
        let mut scanned = Vec::new();
        l.scan_segments(from, to, |recs| {
            scanned.extend(recs.iter().map(|(s, r)| (*s, r.to_vec())));
        })
        .unwrap();
        let want = &decoded[from as usize - 1..to as usize];
        assert_eq!(scanned.len(), want.len(), "{from}..={to}");
        assert!(
            scanned.iter().zip(want).all(|(a, b)| a == b),
            "{from}..={to}"
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn queries_span_index_groups_and_match_a_plain_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut l, _) = Ledger::create(tmp.path(), LedgerOptions::default()).unwrap();
    l.append(vec![rule_set()], None, now()).unwrap();
    // One batch larger than two index groups, with occurred-at spread over
    // many hours and out of seq order.
    let batch: Vec<_> = (0..9000u64)
        .map(|i| {
            let mut d = fee(i);
            let t = 1_748_736_000_000i64 + ((i * 7919) % 9000) as i64 * 60_000;
            d.event.occurred_at = slaledger_ledger::time::Instant::from_millis(t);
            d
        })
        .collect();
    l.append(batch, None, now()).unwrap();
    l.append(vec![fee(20_000)], None, now()).unwrap();
    let all: Vec<_> = l.events(1, u64::MAX).map(|r| r.unwrap()).collect();
    assert_eq!(all.len(), 9002);
    let idx = l.index().unwrap();
    let by_stream: Vec<u64> = idx.stream_seqs(STREAM, 4000).map(|r| r.unwrap()).collect();
    assert_eq!(by_stream, (4000..=9002).collect::<Vec<_>>());
    let fee_kind = slaledger_ledger::event::Event::KIND_NAMES
        .iter()
        .position(|k| *k == "fee_recorded")
        .unwrap() as u16;
    assert_eq!(idx.kind_seqs(fee_kind, 0).count(), 9001);
    let (from, to) = (all[100].2.occurred_at, all[5000].2.occurred_at);
    let (from, to) = (from.min(to), from.max(to));
    let mut expected: Vec<(i64, u64)> = all
        .iter()
        .filter(|(_, _, e)| e.occurred_at >= from && e.occurred_at < to)
        .map(|(s, _, e)| (e.occurred_at.millis(), *s))
        .collect();
    expected.sort();
    let got: Vec<u64> = idx.occurred_seqs(from, to).map(|r| r.unwrap()).collect();
    assert_eq!(got, expected.into_iter().map(|x| x.1).collect::<Vec<_>>());
    for seq in [1, 2, 64, 65, 4097, 4098, 8193, 9001, 9002] {
        assert_eq!(l.read(seq).unwrap(), all[seq as usize - 1].2, "seq {seq}");
    }
    assert_eq!(
        l.lookup_id(STREAM, "fee-7777").unwrap().map(|x| x.0),
        Some(7779)
    );
    drop(l);
    assert!(verify_dir(tmp.path(), None).unwrap().ok());
}
