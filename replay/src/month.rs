//! Rebuilding one month's report from the ledger (SPEC §8, §9.1): read the
//! stream's events up to a position, pick the rule-set version governing
//! the month, apply corrections, evaluate, and render the canonical report.

use slaledger_ledger::encoding;
use slaledger_ledger::event::{Event, StoredEvent, SCHEMA_VERSION};
use slaledger_ledger::store::{Ledger, ReadError};
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use slaledger_projections::bilag6::{self, Context, MonthResult};
use slaledger_projections::facts::{self, EventRef};
use slaledger_projections::report::{self, Header, Report, RuleSetRef};
use slaledger_projections::ruleset::{Annex, RuleSet, RuleSetError};

/// What to compute.
#[derive(Debug, Clone)]
pub struct MonthQuery {
    /// Stream.
    pub stream: String,
    /// Month.
    pub month: Month,
    /// Evaluation time; `None`: the `recorded_at` of the last event read,
    /// so that the same ledger always gives the same report.
    pub eval: Option<Instant>,
}

/// Why a month cannot be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// Reading the ledger failed.
    #[error("reading the ledger: {0}")]
    Read(#[from] ReadError),
    /// The stream has no events.
    #[error("stream `{0}` has no events in this ledger")]
    UnknownStream(String),
    /// No rule-set version governs the month.
    #[error("no rule set of stream `{stream}` governs {month} (the first takes effect {first})")]
    NoRuleSet {
        /// Stream.
        stream: String,
        /// Month asked for.
        month: Month,
        /// First `effective_from`.
        first: Month,
    },
    /// A recorded rule set does not parse (recorded without the CLI's check).
    #[error("the rule set recorded at seq {seq} is not valid: {source}")]
    BadRuleSet {
        /// Seq of the rule-set event.
        seq: u64,
        /// Why.
        source: RuleSetError,
    },
}

/// One recorded rule-set version.
#[derive(Debug, Clone)]
pub struct Version {
    /// The parsed rules.
    pub rules: RuleSet,
    /// Its reference for the report header.
    pub reference: RuleSetRef,
}

/// The rule-set versions of a stream, in ledger order.
pub fn versions(events: &[(u64, StoredEvent)]) -> Result<Vec<Version>, ReplayError> {
    let mut out = Vec::new();
    for (seq, ev) in events {
        let (content, hash, version, id, eff) = match &ev.event {
            Event::RuleSetDefined(r) => (
                &r.content,
                &r.content_hash,
                1,
                &r.rule_set_id,
                r.effective_from,
            ),
            Event::RuleSetAmended(r) => (
                &r.content,
                &r.content_hash,
                r.version,
                &r.rule_set_id,
                r.effective_from,
            ),
            _ => continue,
        };
        let rules = RuleSet::from_json(content)
            .map_err(|source| ReplayError::BadRuleSet { seq: *seq, source })?;
        out.push(Version {
            rules,
            reference: RuleSetRef {
                id: id.to_string(),
                version,
                effective_from: eff,
                hash: hash.to_hex(),
                event: EventRef {
                    seq: *seq,
                    id: ev.id.to_string(),
                },
            },
        });
    }
    Ok(out)
}

/// The version governing month `m` (SPEC §4.2): the greatest
/// `effective_from` ≤ m, ties to the later event.
pub fn governing(versions: &[Version], m: Month) -> Option<&Version> {
    versions
        .iter()
        .filter(|v| v.reference.effective_from <= m)
        .max_by_key(|v| (v.reference.effective_from, v.reference.event.seq))
}

/// Decodes records in order, splitting them over `threads` scoped threads
/// (decoding allocates every string of an event; the allocator has an arena
/// per thread, so this scales with the cores).
fn decode_all(
    records: &[(u64, &[u8])],
    threads: usize,
) -> Result<Vec<(u64, StoredEvent)>, ReadError> {
    let decode = |part: &[(u64, &[u8])], capacity: usize| {
        let mut out = Vec::with_capacity(capacity);
        for (seq, r) in part {
            match encoding::decode_record(r) {
                Ok(ev) => out.push((*seq, ev)),
                Err(e) => {
                    return Err(ReadError::Damaged {
                        seq: *seq,
                        reason: e.to_string(),
                    })
                }
            }
        }
        Ok(out)
    };
    if threads <= 1 || records.len() < 20_000 {
        return decode(records, records.len());
    }
    let chunk = records.len().div_ceil(threads);
    let parts: Vec<&[(u64, &[u8])]> = records.chunks(chunk).collect();
    let results: Vec<Result<Vec<(u64, StoredEvent)>, ReadError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                // The first part gets room for all, so the others move in.
                let cap = if i == 0 { records.len() } else { part.len() };
                scope.spawn(move || decode(part, cap))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ReadError::Damaged {
                        seq: 0,
                        reason: "a decoding thread panicked".into(),
                    })
                })
            })
            .collect()
    });
    let mut out: Vec<(u64, StoredEvent)> = Vec::new();
    for r in results {
        let mut part = r?;
        if out.is_empty() {
            out = part;
        } else {
            out.append(&mut part);
        }
    }
    Ok(out)
}

/// Evaluates month `m` under version `v` (the one governing it), with the
/// annex's evaluator; `None` if no rule set governs the month.
pub fn evaluate_month(
    facts: &facts::Facts<'_>,
    versions: &[Version],
    v: &Version,
    m: Month,
    eval: Instant,
) -> Option<MonthResult> {
    let rules_for = |m: Month| governing(versions, m).map(|v| &v.rules);
    let ctx = Context {
        rules_for: &rules_for,
        policies: v.rules.policies,
        eval,
    };
    match v.rules.annex {
        Annex::Bilag6 => bilag6::evaluate(facts, &ctx, m),
        Annex::Bilag72a => slaledger_projections::b72a::evaluate(facts, &ctx, m),
        Annex::Uptime => slaledger_projections::uptime::evaluate(facts, &ctx, m),
    }
}

/// A stream's events (ledger order) as read through a ledger position.
#[derive(Debug, Clone)]
pub struct StreamRead {
    /// The stream's events with their seqs.
    pub events: Vec<(u64, StoredEvent)>,
    /// The last ledger position read: seq and chain hash.
    pub head: (u64, [u8; 32]),
    /// `recorded_at` of the event at that position.
    pub last_recorded: Instant,
}

/// The stream's events through the ledger head. Each segment is read once
/// ([`Ledger::scan_segments`]); its records are filtered by the stream named
/// in their leading bytes (other streams' records are never decoded) and the
/// stream's records are decoded on every available core, in ledger order.
pub fn stream_events(ledger: &Ledger, stream: &str) -> Result<StreamRead, ReplayError> {
    let head = ledger.head();
    let mut events: Vec<(u64, StoredEvent)> = Vec::new();
    let mut last_record: Option<Vec<u8>> = None;
    let mut bad: Option<ReadError> = None;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    ledger.scan_segments(1, head.seq, |records| {
        if let Some((seq, r)) = records.last() {
            if *seq == head.seq {
                last_record = Some(r.to_vec());
            }
        }
        if bad.is_some() {
            return;
        }
        let mine: Vec<(u64, &[u8])> = records
            .iter()
            .filter(|(_, r)| encoding::id_and_stream(r).is_some_and(|(_, s)| s == stream))
            .copied()
            .collect();
        match decode_all(&mine, threads) {
            Ok(mut decoded) => {
                if events.is_empty() {
                    events = decoded;
                } else {
                    events.append(&mut decoded);
                }
            }
            Err(e) => bad = Some(e),
        }
    })?;
    if let Some(e) = bad {
        return Err(e.into());
    }
    let mut last_recorded = Instant::from_millis(0);
    if let Some(r) = last_record {
        last_recorded = encoding::decode_record(&r)
            .map_err(|e| ReadError::Damaged {
                seq: head.seq,
                reason: e.to_string(),
            })?
            .recorded_at;
    }
    Ok(StreamRead {
        events,
        head: (head.seq, head.hash),
        last_recorded,
    })
}

/// Computes the report of one month from the ledger at its head.
pub fn month_report(ledger: &Ledger, q: &MonthQuery) -> Result<Report, ReplayError> {
    let read = stream_events(ledger, &q.stream)?;
    report_from_events(&read.events, read.head, read.last_recorded, q)
}

/// Computes the report of one month from a stream's events (ledger order)
/// read through the ledger position `head`.
pub fn report_from_events(
    events: &[(u64, StoredEvent)],
    head: (u64, [u8; 32]),
    last_recorded: Instant,
    q: &MonthQuery,
) -> Result<Report, ReplayError> {
    if events.is_empty() {
        return Err(ReplayError::UnknownStream(q.stream.clone()));
    }
    let versions = versions(events)?;
    let Some(v) = governing(&versions, q.month) else {
        let first = versions
            .iter()
            .map(|v| v.reference.effective_from)
            .min()
            .unwrap_or(q.month);
        return Err(ReplayError::NoRuleSet {
            stream: q.stream.clone(),
            month: q.month,
            first,
        });
    };
    let (eval, eval_source) = match q.eval {
        Some(t) => (t, "given"),
        None => (last_recorded, "ledger_head_recorded_at"),
    };
    let facts = facts::current(events, eval);
    let result =
        evaluate_month(&facts, &versions, v, q.month, eval).ok_or(ReplayError::NoRuleSet {
            stream: q.stream.clone(),
            month: q.month,
            first: v.reference.effective_from,
        })?;
    let header = Header {
        stream: q.stream.clone(),
        month: q.month,
        rule_set: v.reference.clone(),
        policies: v
            .rules
            .policies
            .values_for(v.rules.annex)
            .into_iter()
            .map(|(n, val)| (n, val, v.rules.policy_origin(n)))
            .collect(),
        head: (head.0, slaledger_ledger::chain::hex(&head.1)),
        eval: (eval, eval_source),
        software_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version: SCHEMA_VERSION,
    };
    Ok(report::month_report_json(
        &header,
        &v.rules,
        &result,
        &facts.corrections,
    ))
}
