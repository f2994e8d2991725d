//! Golden bytes: a record written by format version 1 must decode, and
//! re-encode to the same bytes, in every later version (redb practice).
//! Regenerate only for a deliberate new format: `SLALEDGER_BLESS=1 cargo test
//! -p slaledger-ledger --test golden` (and keep the old fixture decoding).

use slaledger_ledger::chain;
use slaledger_ledger::encoding::{content_hash, decode_record, encode_record};
use slaledger_ledger::input::parse_jsonl;

const LINES: &str = include_str!("fixtures/june-2025-v1.jsonl");
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/june-2025-records-v1.bin"
);

fn records() -> Vec<Vec<u8>> {
    parse_jsonl(LINES)
        .unwrap()
        .into_iter()
        .map(|mut d| {
            d.event.recorded_at =
                slaledger_ledger::time::Instant::parse("2025-07-14T10:00:00Z").unwrap();
            encode_record(&d.event).unwrap()
        })
        .collect()
}

fn pack(rs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rs {
        out.extend_from_slice(&(r.len() as u32).to_le_bytes());
        out.extend_from_slice(r);
    }
    out
}

#[test]
fn version_1_records_keep_decoding_byte_for_byte() {
    let now = pack(&records());
    if std::env::var_os("SLALEDGER_BLESS").is_some() {
        std::fs::write(FIXTURE, &now).unwrap();
    }
    let golden = std::fs::read(FIXTURE).expect("golden fixture is committed");
    let mut off = 0;
    let mut n = 0;
    let mut h = chain::genesis();
    while off < golden.len() {
        let len = u32::from_le_bytes(golden[off..off + 4].try_into().unwrap()) as usize;
        let rec = &golden[off + 4..off + 4 + len];
        let ev = decode_record(rec).unwrap();
        assert_eq!(
            encode_record(&ev).unwrap(),
            rec,
            "record {n} re-encodes differently"
        );
        let _ = content_hash(&ev);
        h = chain::next_hash(&h, n as u64 + 1, rec);
        off += 4 + len;
        n += 1;
    }
    assert_eq!(n, 38);
    assert_eq!(
        golden, now,
        "the encoder no longer produces the version 1 bytes"
    );
    // The chain over the fixture is pinned too, so a change of hashing shows.
    assert_eq!(
        chain::hex(&h),
        include_str!("fixtures/june-2025-chain-v1.txt").trim()
    );
}
