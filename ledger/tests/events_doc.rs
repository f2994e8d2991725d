//! Every example in docs/EVENTS.md parses, and every kind has one.

use slaledger_ledger::event::Event;
use slaledger_ledger::input::parse_line;
use std::collections::BTreeSet;

#[test]
fn every_kind_has_a_documented_example_that_parses() {
    let doc = include_str!("../../docs/EVENTS.md");
    let mut seen = BTreeSet::new();
    let mut in_block = false;
    for (n, line) in doc.lines().enumerate() {
        if line.starts_with("```json") {
            in_block = true;
            continue;
        }
        if line.starts_with("```") {
            in_block = false;
            continue;
        }
        if !in_block {
            continue;
        }
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        // Hashes over content are written as placeholders in the doc.
        for (hash, of) in [("content_hash", "content"), ("overlay_hash", "overlay")] {
            if v["data"][hash].as_str().is_some_and(|s| s.starts_with('<')) {
                let content = v["data"][of].as_str().unwrap().to_owned();
                v["data"][hash] = blake3::hash(content.as_bytes()).to_hex().to_string().into();
            }
        }
        let d = parse_line(n + 1, &v.to_string()).unwrap_or_else(|e| panic!("docs/EVENTS.md: {e}"));
        d.event
            .event
            .check_constraints()
            .unwrap_or_else(|e| panic!("docs/EVENTS.md line {}: {e:?}", n + 1));
        seen.insert(d.event.event.kind());
    }
    let all: BTreeSet<&str> = Event::KIND_NAMES.iter().copied().collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "kinds without an example in docs/EVENTS.md: {missing:?}"
    );
}
