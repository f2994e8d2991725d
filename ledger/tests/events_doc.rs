//! Every example in docs/EVENTS.md parses, and every kind has one.

mod common;

use slaledger_ledger::event::Event;
use std::collections::BTreeSet;

#[test]
fn every_kind_has_a_documented_example_that_parses() {
    let mut seen = BTreeSet::new();
    for d in common::documented_examples() {
        d.event
            .event
            .check_constraints()
            .unwrap_or_else(|e| panic!("docs/EVENTS.md line {}: {e:?}", d.line));
        seen.insert(d.event.event.kind());
    }
    let all: BTreeSet<&str> = Event::KIND_NAMES.iter().copied().collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "kinds without an example in docs/EVENTS.md: {missing:?}"
    );
}
