//! Signed events: a forger who rewrites a signed event and recomputes the
//! whole chain passes the chain check, but not the signature re-check.

mod common;

use common::*;
use slaledger_ledger::chain;
use slaledger_ledger::checkpoint::PrivateKey;
use slaledger_ledger::encoding;
use slaledger_ledger::event::Event;
use slaledger_ledger::segment::{self, parse_frame, HEADER_LEN};
use slaledger_ledger::signing::sign_event;
use slaledger_ledger::store::{Ledger, LedgerOptions};
use slaledger_ledger::verify::{verify_dir, ProblemKind};

#[test]
fn verify_reports_a_signed_event_rewritten_under_a_recomputed_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let key = PrivateKey::from_seed("leverandor.example/drift", [8; 32]).unwrap();
    // The minimal rule set of the fixtures, with the supplier's key required.
    let mut rs = rule_set();
    let content = format!(
        r#"{{"effective_from":"2025-01","rule_set_id":"r","signatures":{{"keys":{{"supplier":["{}"]}},"required":["supplier"]}},"stream":"s"}}"#,
        key.note_vkey()
    );
    if let Event::RuleSetDefined(r) = &mut rs.event.event {
        r.content_hash =
            slaledger_ledger::vocab::DocHash(*blake3::hash(content.as_bytes()).as_bytes());
        r.content = content;
    }
    let (mut l, _) = Ledger::create(tmp.path(), LedgerOptions::default()).unwrap();
    l.append(vec![rs], None, now()).unwrap();
    let unsigned = fee(1);
    let err = l
        .append(vec![unsigned], None, now())
        .unwrap_err()
        .to_string();
    assert!(err.contains("signature"), "{err}");
    let mut fees = vec![fee(1), fee(2), fee(3)];
    for d in &mut fees {
        d.event.signature = Some(sign_event(&d.event, &key));
    }
    l.append(fees, None, now()).unwrap();
    drop(l);
    assert!(verify_dir(tmp.path(), None).unwrap().ok());
    // Rewrite seq 3's amount, keep its signature, re-chain every frame.
    std::fs::remove_dir_all(tmp.path().join("index")).unwrap();
    let seg = segment::list_segments(&tmp.path().join("log"))
        .unwrap()
        .remove(0)
        .1;
    let bytes = std::fs::read(&seg).unwrap();
    let mut out = bytes[..HEADER_LEN].to_vec();
    let mut prev = chain::genesis();
    let mut off = HEADER_LEN;
    while off < bytes.len() {
        let (frame, len) = parse_frame(&bytes[off..]).unwrap();
        let mut record = frame.record.clone();
        if frame.seq == 3 {
            let mut ev = encoding::decode_record(&record).unwrap();
            if let Event::FeeRecorded(f) = &mut ev.event {
                f.amount_ore += 1_000_000;
            }
            record = encoding::encode_record(&ev).unwrap();
        }
        let hash = chain::next_hash(&prev, frame.seq, &record);
        let mut f = Vec::new();
        f.extend_from_slice(&(record.len() as u32).to_le_bytes());
        f.push(frame.flags);
        f.extend_from_slice(&frame.seq.to_le_bytes());
        f.extend_from_slice(&record);
        f.extend_from_slice(&hash);
        let crc = crc32fast::hash(&f);
        f.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&f);
        prev = hash;
        off += len;
    }
    std::fs::write(&seg, &out).unwrap();
    let rep = verify_dir(tmp.path(), None).unwrap();
    assert!(!rep.ok());
    let kinds: Vec<ProblemKind> = rep.problems.iter().map(|p| p.kind.clone()).collect();
    assert_eq!(
        kinds,
        vec![ProblemKind::RecordingRule],
        "{:?}",
        rep.problems
    );
    let p = &rep.problems[0];
    assert_eq!(p.seq, Some(3));
    assert!(p.detail.contains("does not verify"), "{}", p.detail);
}
