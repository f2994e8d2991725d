//! Verify detects every single-byte change, deletion, swap and insertion of a
//! record, by rewriting segment bytes directly (issue 2 acceptance).

mod common;

use common::*;
use proptest::prelude::*;
use slaledger_ledger::chain::ChainHead;
use slaledger_ledger::segment::{self, parse_frame, HEADER_LEN};
use slaledger_ledger::verify::{verify_dir, ProblemKind};
use std::path::{Path, PathBuf};

/// Byte ranges of the frames in a segment.
fn frames(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut off = HEADER_LEN;
    while off < bytes.len() {
        let (_, len) = parse_frame(&bytes[off..]).unwrap();
        out.push((off, off + len));
        off += len;
    }
    out
}

fn build(dir: &Path) -> (PathBuf, ChainHead) {
    let l = ledger_with(dir, &[3, 1, 4, 2]);
    let head = l.head();
    drop(l);
    let seg = segment::list_segments(&dir.join("log"))
        .unwrap()
        .remove(0)
        .1;
    // The index is checked separately; here only the log matters.
    std::fs::remove_dir_all(dir.join("index")).unwrap();
    (seg, head)
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, mask: u8 },
    Delete(usize),
    Swap(usize),
    Insert { copy: usize, before: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0usize..4000, 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        (0usize..11).prop_map(Mutation::Delete),
        (0usize..10).prop_map(Mutation::Swap),
        (0usize..11, 0usize..12).prop_map(|(copy, before)| Mutation::Insert { copy, before }),
    ]
}

fn apply(bytes: &[u8], m: &Mutation) -> Vec<u8> {
    let f = frames(bytes);
    let piece = |i: usize| bytes[f[i].0..f[i].1].to_vec();
    let mut out = bytes[..HEADER_LEN].to_vec();
    match m {
        Mutation::Flip { at, mask } => {
            let mut b = bytes.to_vec();
            let at = at % b.len();
            b[at] ^= mask;
            return b;
        }
        Mutation::Delete(k) => (0..f.len())
            .filter(|i| i != k)
            .for_each(|i| out.extend(piece(i))),
        Mutation::Swap(k) => {
            let mut order: Vec<usize> = (0..f.len()).collect();
            order.swap(*k, k + 1);
            order.into_iter().for_each(|i| out.extend(piece(i)));
        }
        Mutation::Insert { copy, before } => {
            for i in 0..f.len() {
                if i == *before {
                    out.extend(piece(*copy));
                }
                out.extend(piece(i));
            }
            if *before >= f.len() {
                out.extend(piece(*copy));
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_single_record_mutation_is_detected(m in mutation()) {
        let tmp = tempfile::tempdir().unwrap();
        let (seg, head) = build(tmp.path());
        let bytes = std::fs::read(&seg).unwrap();
        prop_assert_eq!(frames(&bytes).len(), 11);
        let mutated = apply(&bytes, &m);
        prop_assume!(mutated != bytes);
        std::fs::write(&seg, &mutated).unwrap();
        // The auditor's kept head catches what the chain alone cannot: the
        // loss of a whole final batch.
        let rep = verify_dir(tmp.path(), Some(head)).unwrap();
        prop_assert!(!rep.ok(), "mutation {:?} went undetected", m);
    }
}

fn mutated_report(m: Mutation) -> Vec<ProblemKind> {
    let tmp = tempfile::tempdir().unwrap();
    let (seg, _) = build(tmp.path());
    let bytes = std::fs::read(&seg).unwrap();
    std::fs::write(&seg, apply(&bytes, &m)).unwrap();
    verify_dir(tmp.path(), None)
        .unwrap()
        .problems
        .into_iter()
        .map(|p| p.kind)
        .collect()
}

#[test]
fn verify_names_what_is_wrong() {
    assert_eq!(
        mutated_report(Mutation::Delete(4)),
        vec![ProblemKind::Missing]
    );
    assert_eq!(
        mutated_report(Mutation::Swap(4)),
        vec![ProblemKind::Reordered]
    );
    assert_eq!(
        mutated_report(Mutation::Insert { copy: 2, before: 5 }),
        vec![ProblemKind::Inserted]
    );
    assert_eq!(
        mutated_report(Mutation::Flip {
            at: HEADER_LEN + 20,
            mask: 1
        }),
        vec![ProblemKind::Damaged]
    );
}

#[test]
fn content_changed_with_recomputed_checksum_is_a_chain_break() {
    let tmp = tempfile::tempdir().unwrap();
    let (seg, _) = build(tmp.path());
    let mut bytes = std::fs::read(&seg).unwrap();
    let (start, end) = frames(&bytes)[3];
    // Change a byte of the record and recompute the crc, as a careless forger would.
    bytes[start + 20] ^= 0x20;
    let crc = crc32fast::hash(&bytes[start..end - 4]);
    bytes[end - 4..end].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&seg, &bytes).unwrap();
    let rep = verify_dir(tmp.path(), None).unwrap();
    assert_eq!(rep.problems[0].kind, ProblemKind::ContentChanged);
    assert_eq!(rep.problems[0].seq, Some(4));
    assert_eq!(rep.records, 3);
}

#[test]
fn a_truncated_tail_is_caught_only_with_the_kept_head() {
    let tmp = tempfile::tempdir().unwrap();
    let (seg, head) = build(tmp.path());
    let bytes = std::fs::read(&seg).unwrap();
    let f = frames(&bytes);
    // Drop the last batch (2 records) whole.
    std::fs::write(&seg, &bytes[..f[f.len() - 2].0]).unwrap();
    assert!(verify_dir(tmp.path(), None).unwrap().ok());
    let rep = verify_dir(tmp.path(), Some(head)).unwrap();
    assert_eq!(rep.problems[0].kind, ProblemKind::ExpectedHeadMissing);
}
