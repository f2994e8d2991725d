//! The record decoder (`slaledger_ledger::decode`) accepts exactly the
//! bodies bincode 2.0.1 accepts, with the same values: on a record of every
//! event kind, on the golden fixture, and on every single-byte change and
//! every cut of those records, plus random splices.

mod common;

use proptest::prelude::*;
use slaledger_ledger::encoding::{decode_record, decode_record_with_bincode, encode_record};
use slaledger_ledger::time::Instant;

const FIXTURE: &[u8] = include_bytes!("fixtures/june-2025-records-v1.bin");

/// One record of every documented kind (docs/EVENTS.md), then the golden
/// fixture's 38 records.
fn records() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for d in common::documented_examples() {
        let mut ev = d.event;
        ev.recorded_at = Instant::parse("2025-07-14T10:00:00Z").unwrap();
        let what = format!("docs/EVENTS.md line {} ({})", d.line, ev.event.kind());
        out.push((what, encode_record(&ev).unwrap()));
    }
    let mut off = 0;
    while off < FIXTURE.len() {
        let len = u32::from_le_bytes(FIXTURE[off..off + 4].try_into().unwrap()) as usize;
        out.push((
            format!("golden record at byte {off}"),
            FIXTURE[off + 4..off + 4 + len].to_vec(),
        ));
        off += 4 + len;
    }
    out
}

/// Both decoders agree on `bytes`: both refuse, or both give the same event.
fn agree(bytes: &[u8]) -> Result<bool, String> {
    match (decode_record(bytes), decode_record_with_bincode(bytes)) {
        (Ok(a), Ok(b)) if a == b => Ok(true),
        (Ok(a), Ok(b)) => Err(format!("different values:\n{a:?}\n{b:?}")),
        (Err(_), Err(_)) => Ok(false),
        (Ok(_), Err(e)) => Err(format!("ours accepts what bincode refuses ({e})")),
        (Err(e), Ok(_)) => Err(format!("ours refuses what bincode accepts ({e})")),
    }
}

#[test]
fn every_kind_decodes_to_the_value_bincode_gives() {
    let rs = records();
    assert!(rs.len() > 100, "expected every kind plus the fixture");
    for (what, r) in &rs {
        assert_eq!(agree(r), Ok(true), "{what}");
        assert_eq!(
            &encode_record(&decode_record(r).unwrap()).unwrap(),
            r,
            "{what}"
        );
    }
}

#[test]
fn every_single_byte_change_and_every_cut_is_judged_as_bincode_judges_it() {
    let mut accepted_changes = 0;
    for (what, r) in records() {
        for cut in 0..r.len() {
            agree(&r[..cut]).unwrap_or_else(|e| panic!("{what}, cut to {cut} bytes: {e}"));
        }
        let mut m = r.clone();
        for i in 1..r.len() {
            let b = r[i];
            for v in [b ^ 0x01, b ^ 0x80, b.wrapping_add(1), 0x00, 0x02, 0xFF] {
                if v == b {
                    continue;
                }
                m[i] = v;
                if agree(&m).unwrap_or_else(|e| panic!("{what}, byte {i} = {v:#04x}: {e}")) {
                    accepted_changes += 1;
                }
            }
            m[i] = b;
        }
    }
    // Changes inside strings and numbers still decode: the comparison of
    // values is exercised, not only the refusals.
    assert!(accepted_changes > 10_000, "{accepted_changes}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_splices_are_judged_as_bincode_judges_them(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..16,
        insert in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        let rs = records();
        let (what, r) = &rs[which.index(rs.len())];
        let at = at.index(r.len());
        let end = (at + cut).min(r.len());
        let mut m = r[..at].to_vec();
        m.extend_from_slice(&insert);
        m.extend_from_slice(&r[end..]);
        if let Err(e) = agree(&m) {
            prop_assert!(false, "{}: splice at {} (-{}, +{:?}): {}", what, at, cut, insert, e);
        }
    }
}
