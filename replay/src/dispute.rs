//! Disputes about months (SPEC §9.6): their stage and settlement as recorded
//! through a ledger position, the policy values a settlement fixes, and each
//! party's latest claim as a replay overlay.

use slaledger_ledger::event::{Event, StoredEvent};
use slaledger_ledger::vocab::{Month, Party, SettlementOutcome};
use slaledger_projections::facts::EventRef;
use slaledger_projections::report::DisputeState;

/// A dispute concerning a month, with what its settlement fixes.
#[derive(Debug, Clone)]
pub struct Dispute {
    /// Stage, deferral and settlement, as the report header shows them.
    pub state: DisputeState,
    /// Policy values the settlement fixes for its months.
    pub policies: Vec<(String, String)>,
    /// Each party's latest claim: (party, overlay text, the claim event).
    pub claims: Vec<(Party, String, EventRef)>,
    /// Every event of the dispute, in ledger order.
    pub events: Vec<EventRef>,
}

fn outcome(o: SettlementOutcome) -> &'static str {
    o.as_str()
}

/// The disputes naming month `m`, in ledger order of their opening.
pub fn disputes_of(events: &[(u64, StoredEvent)], m: Month) -> Vec<Dispute> {
    let mut out: Vec<Dispute> = Vec::new();
    for (seq, ev) in events {
        // Only dispute events need a reference (most events are not).
        let r = || EventRef {
            seq: *seq,
            id: ev.id.to_string(),
        };
        match &ev.event {
            Event::DisputeOpened(d) if d.months.contains(&m) => out.push(Dispute {
                state: DisputeState {
                    id: d.dispute_id.to_string(),
                    stage: "negotiation",
                    deferred: false,
                    settled: None,
                },
                policies: Vec::new(),
                claims: Vec::new(),
                events: vec![r()],
            }),
            Event::DisputeStageChanged(d) => {
                if let Some(x) = out.iter_mut().find(|x| x.state.id == d.dispute_id.as_str()) {
                    x.state.stage = d.to.as_str();
                    x.state.deferred = d.deferred;
                    x.events.push(r());
                }
            }
            Event::DisputeClaimSubmitted(d) => {
                if let Some(x) = out.iter_mut().find(|x| x.state.id == d.dispute_id.as_str()) {
                    // A later claim of the same party replaces its earlier one.
                    x.claims.retain(|(p, _, _)| *p != d.party);
                    x.claims.push((d.party, d.overlay.to_string(), r()));
                    x.events.push(r());
                }
            }
            Event::DisputeSettled(d) => {
                if let Some(x) = out.iter_mut().find(|x| x.state.id == d.dispute_id.as_str()) {
                    let agreed = d
                        .agreed_bod
                        .iter()
                        .find(|(mm, _)| *mm == m)
                        .map(|(_, b)| *b);
                    x.state.settled = Some((outcome(d.outcome), ev.occurred_at, r(), agreed));
                    if d.months.contains(&m) && d.outcome != SettlementOutcome::Withdrawn {
                        x.policies = d.policies.clone();
                    }
                    x.events.push(r());
                }
            }
            _ => {}
        }
    }
    out
}

/// A claim's overlay text as (policy overrides, assumed events in JSON
/// Lines): lines `policy NAME=VALUE` are overrides, every other non-empty
/// line is an assumed event.
pub fn parse_claim(overlay: &str) -> (Vec<(String, String)>, String) {
    let mut overrides = Vec::new();
    let mut events = String::new();
    for line in overlay.lines() {
        let l = line.trim();
        if let Some(p) = l.strip_prefix("policy ") {
            if let Some((n, v)) = p.split_once('=') {
                overrides.push((n.trim().to_owned(), v.trim().to_owned()));
                continue;
            }
        }
        if !l.is_empty() {
            events.push_str(l);
            events.push('\n');
        }
    }
    (overrides, events)
}
