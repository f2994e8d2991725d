//! Shared fixtures for the ledger's integration tests.
#![allow(dead_code)]

use slaledger_ledger::event::*;
use slaledger_ledger::input::{parse_jsonl, Draft};
use slaledger_ledger::store::{Ledger, LedgerOptions};
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::*;
use std::path::Path;

pub const STREAM: &str = "s";

pub fn now() -> Instant {
    Instant::parse("2025-07-01T00:00:00Z").unwrap()
}

pub fn rule_set() -> Draft {
    let content = r#"{"effective_from":"2025-01","rule_set_id":"r","stream":"s"}"#.to_owned();
    Draft {
        line: 1,
        event: StoredEvent {
            id: "rule-set/r/v1".into(),
            stream: STREAM.into(),
            recorded_at: now(),
            occurred_at: now(),
            actor: Actor {
                party: Party::Customer,
                identity: "c".into(),
                operated_by: None,
            },
            schema_version: SCHEMA_VERSION,
            signature: None,
            refs: vec![],
            note: None,
            event: Event::RuleSetDefined(Box::new(RuleSetDefined {
                rule_set_id: "r".into(),
                effective_from: Month::parse("2025-01").unwrap(),
                content_hash: DocHash(*blake3::hash(content.as_bytes()).as_bytes()),
                content,
            })),
        },
    }
}

/// A fee event with a unique id (no references needed).
pub fn fee(i: u64) -> Draft {
    let line = format!(
        r#"{{"id":"fee-{i}","stream":"s","actor":{{"party":"supplier","identity":"sd"}},"occurred_at":"2025-06-30T12:00:00Z","kind":"fee_recorded","data":{{"month":"2025-06","amount_ore":{},"fee_kind":"hourly"}}}}"#,
        1000 + i
    );
    let mut d = parse_jsonl(&line).unwrap();
    d.pop().unwrap()
}

/// A fresh ledger with the rule set and `batches` batches of fees.
pub fn ledger_with(dir: &Path, batches: &[u64]) -> Ledger {
    let (mut l, _) = Ledger::create(dir, LedgerOptions::default()).unwrap();
    l.append(vec![rule_set()], None, now()).unwrap();
    let mut i = 0;
    for n in batches {
        let batch: Vec<Draft> = (0..*n).map(|k| fee(i + k)).collect();
        i += n;
        l.append(batch, None, now()).unwrap();
    }
    l
}

/// Every JSON example line of docs/EVENTS.md (one or more per event kind),
/// parsed; the doc writes content hashes as `<...>` placeholders, which are
/// filled in here.
pub fn documented_examples() -> Vec<Draft> {
    let doc = include_str!("../../../docs/EVENTS.md");
    let mut out = Vec::new();
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
        for (hash, of) in [("content_hash", "content"), ("overlay_hash", "overlay")] {
            if v["data"][hash].as_str().is_some_and(|s| s.starts_with('<')) {
                let content = v["data"][of].as_str().unwrap().to_owned();
                v["data"][hash] = blake3::hash(content.as_bytes()).to_hex().to_string().into();
            }
        }
        let d = slaledger_ledger::input::parse_line(n + 1, &v.to_string())
            .unwrap_or_else(|e| panic!("docs/EVENTS.md: {e}"));
        out.push(d);
    }
    out
}
