//! The quarterly report (SPEC §7) from the ledger: read the stream once,
//! evaluate every month from January of its first year to the period's end
//! (the history tables need them), and render the report.

use crate::month::{evaluate_month, governing, stream_events, versions, ReplayError};
use slaledger_ledger::event::{Event, StoredEvent};
use slaledger_ledger::store::Ledger;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use slaledger_projections::calendar;
use slaledger_projections::facts::{self, EventRef};
use slaledger_projections::quarterly::{period, quarter_report_json, QuarterInput};
use slaledger_projections::report::Report;
use std::collections::BTreeMap;

/// What to compute.
#[derive(Debug, Clone)]
pub struct QuarterQuery {
    /// Stream.
    pub stream: String,
    /// First month of the three-month period.
    pub first: Month,
    /// Evaluation time; `None`: the `recorded_at` of the last event read.
    pub eval: Option<Instant>,
}

/// The quarterly report of a stream, as the ledger stands at its head.
pub fn quarter_report(ledger: &Ledger, q: &QuarterQuery) -> Result<Report, ReplayError> {
    let read = stream_events(ledger, &q.stream)?;
    let report = quarter_from_events(&read.events, read.head, read.last_recorded, q);
    read.release();
    report
}

/// Whether a `report_comment` period (`YYYY-MM`, `YYYY-MM..YYYY-MM` or
/// `YYYY-Qn`) overlaps `[from, to]`.
fn comment_overlaps(p: &str, from: Month, to: Month) -> bool {
    let (a, b) = if let Some(first) = slaledger_projections::quarterly::parse_quarter(p) {
        (first, period(first)[2])
    } else if let Some((a, b)) = p.split_once("..") {
        match (Month::parse(a), Month::parse(b)) {
            (Some(a), Some(b)) => (a, b),
            _ => return false,
        }
    } else {
        match Month::parse(p) {
            Some(m) => (m, m),
            None => return false,
        }
    };
    a <= to && from <= b
}

/// Computes the quarterly report from a stream's events (ledger order).
pub fn quarter_from_events(
    events: &[(u64, StoredEvent)],
    head: (u64, [u8; 32]),
    last_recorded: Instant,
    q: &QuarterQuery,
) -> Result<Report, ReplayError> {
    if events.is_empty() {
        return Err(ReplayError::UnknownStream(q.stream.clone()));
    }
    let versions = versions(events)?;
    let months = period(q.first);
    let first_governed = versions
        .iter()
        .map(|v| v.reference.effective_from)
        .min()
        .unwrap_or(q.first);
    if governing(&versions, months[0]).is_none() && governing(&versions, months[2]).is_none() {
        return Err(ReplayError::NoRuleSet {
            stream: q.stream.clone(),
            month: months[0],
            first: first_governed,
        });
    }
    let (eval, eval_source) = match q.eval {
        Some(t) => (t, "given"),
        None => (last_recorded, "ledger_head_recorded_at"),
    };
    let facts = facts::current(events, eval);
    let mut results = BTreeMap::new();
    let mut m = Month {
        year: first_governed.year,
        month: 1,
    };
    while m <= months[2] {
        if let Some(v) = governing(&versions, m) {
            if let Some(r) = evaluate_month(&facts, &versions, v, m, eval) {
                results.insert(m, (r, &v.rules));
            }
        }
        m = calendar::next_month(m);
    }
    let mut comments = Vec::new();
    let mut amendments = Vec::new();
    for f in &facts.facts {
        match &*f.event {
            Event::ReportComment(c) if comment_overlaps(&c.period, months[0], months[2]) => {
                comments.push((
                    EventRef {
                        seq: f.seq,
                        id: f.id.to_owned(),
                    },
                    c.period.to_string(),
                    c.text.to_string(),
                ))
            }
            Event::RuleSetAmended(a) => amendments.push((a.effective_from, a.reason.to_string())),
            _ => {}
        }
    }
    let mut rule_sets = Vec::new();
    for m in months {
        if let Some(v) = governing(&versions, m) {
            if !rule_sets.contains(&v.reference) {
                rule_sets.push(v.reference.clone());
            }
        }
    }
    let input = QuarterInput {
        stream: &q.stream,
        first: q.first,
        months: results,
        comments,
        amendments,
        rule_sets,
        head: (head.0, slaledger_ledger::chain::hex(&head.1)),
        eval: (eval, eval_source),
        software_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    Ok(quarter_report_json(&input))
}
