//! The quarterly report (SPEC §7) from the ledger: read the stream once,
//! evaluate every month from January of its first year to the period's end
//! (the history tables need them), and render the report.

use crate::month::{evaluate_month, governing, stream_events, versions, ReplayError, Version};
use slaledger_ledger::event::{Event, StoredEvent};
use slaledger_ledger::store::Ledger;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use slaledger_projections::bilag6::MonthResult;
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

/// A month evaluated under its governing version.
type Evaluated<'v> = (Month, MonthResult, &'v Version);

/// Evaluates every `(month, governing version)` of `todo`, on up to
/// `threads` threads: each month is a pure function of the facts, so the
/// months are independent; the results come back in `todo`'s order, the
/// same whatever the number of threads. A year of 5-minute probes is
/// ~1.9 M facts and each month's evaluation reads its own stretch of them.
fn evaluate_months<'v>(
    facts: &facts::Facts<'_>,
    versions: &[Version],
    todo: &[(Month, &'v Version)],
    eval: Instant,
    threads: usize,
) -> Vec<Evaluated<'v>> {
    let one = |(m, v): &(Month, &'v Version)| {
        evaluate_month(facts, versions, v, *m, eval).map(|r| (*m, r, *v))
    };
    let threads = threads.min(todo.len());
    if threads <= 1 {
        return todo.iter().filter_map(one).collect();
    }
    // Months interleaved over the threads (later months are not heavier
    // than earlier ones, so each thread gets a like share); results keyed
    // by their place in `todo`.
    let mut placed: Vec<(usize, Option<Evaluated<'v>>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let one = &one;
                scope.spawn(move || {
                    (t..todo.len())
                        .step_by(threads)
                        .map(|i| (i, one(&todo[i])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    placed.sort_unstable_by_key(|(i, _)| *i);
    placed.into_iter().filter_map(|(_, r)| r).collect()
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
    let mut todo = Vec::new();
    let mut m = Month {
        year: first_governed.year,
        month: 1,
    };
    while m <= months[2] {
        if let Some(v) = governing(&versions, m) {
            todo.push((m, v));
        }
        m = calendar::next_month(m);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let results: BTreeMap<_, _> = evaluate_months(&facts, &versions, &todo, eval, threads)
        .into_iter()
        .map(|(m, r, v)| (m, (r, &v.rules)))
        .collect();
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
