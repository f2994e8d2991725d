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
    /// Evaluation time; `None`: the `recorded_at` of the last event read
    /// (with `as_of`: the as-of instant, or the latest included `occurred_at`
    /// if later), so that the same ledger always gives the same report.
    pub eval: Option<Instant>,
    /// As-of replay (SPEC §9.2): only the events recorded at or before this
    /// instant exist for the computation.
    pub as_of: Option<Instant>,
    /// Policy overrides for this replay only (SPEC §9.4), `(name, value)`.
    pub overrides: Vec<(String, String)>,
    /// Assumed events of a counterfactual overlay (SPEC §9.4), already
    /// validated ([`Ledger::check_assumed`]): placed after the position, in
    /// this order, as if recorded there.
    pub assumed: Vec<StoredEvent>,
    /// Read the ledger only up to this position, whose chain hash must be
    /// this one (re-performing a report, SPEC §9.7).
    pub position: Option<(u64, [u8; 32])>,
    /// Start from the newest valid snapshot (issue 6); `false` reads the
    /// stream from the ledger's first record. The report is the same bytes.
    pub use_snapshots: bool,
}

impl MonthQuery {
    /// The plain report of a month: no as-of, no overrides.
    pub fn new(stream: impl Into<String>, month: Month, eval: Option<Instant>) -> Self {
        MonthQuery {
            stream: stream.into(),
            month,
            eval,
            as_of: None,
            overrides: Vec::new(),
            assumed: Vec::new(),
            position: None,
            use_snapshots: true,
        }
    }

    /// The overlay hash (SPEC §9.4): blake3 over a tag, each assumed
    /// event's content hash (docs/FORMAT.md: the canonical record without
    /// `recorded_at`), in order, and every override `name`, `value` sorted
    /// by name, each NUL-terminated; `None` for an empty overlay.
    pub fn overlay_hash(&self) -> Option<String> {
        if self.overrides.is_empty() && self.assumed.is_empty() {
            return None;
        }
        let mut o = self.overrides.clone();
        o.sort();
        let mut h = blake3::Hasher::new();
        h.update(b"slaledger/overlay/v1\0");
        for ev in &self.assumed {
            // The content hash leaves out `recorded_at`, which the position
            // supplies: the same overlay file always hashes the same.
            h.update(&encoding::content_hash(ev));
        }
        for (n, v) in &o {
            h.update(n.as_bytes());
            h.update(b"\0");
            h.update(v.as_bytes());
            h.update(b"\0");
        }
        Some(h.finalize().to_hex().to_string())
    }
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
    /// A policy override names an unknown policy or value.
    #[error("--policy {0}")]
    BadOverride(String),
    /// The evaluation time of an as-of replay lies before the as-of instant.
    #[error("the evaluation time {eval} is before the as-of instant {as_of}; it may be later, never earlier (SPEC §9.2)")]
    EvalBeforeAsOf {
        /// The evaluation time asked for.
        eval: Instant,
        /// The as-of instant.
        as_of: Instant,
    },
    /// The ledger does not hold the position a report names.
    #[error("the ledger does not hold {seq}:{hash} (its record there has another chain hash, or it is shorter)")]
    PositionNotHeld {
        /// Seq.
        seq: u64,
        /// Chain hash, hex.
        hash: String,
    },
    /// Nothing was recorded at or before the as-of instant.
    #[error("nothing was recorded at or before {0}")]
    NothingAsOf(Instant),
    /// Snapshot files could not be listed or read.
    #[error("snapshots: {0}")]
    Snapshot(String),
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

pub use slaledger_snapshots::read::StreamRead;
use slaledger_snapshots::{LoadError, Used, Warning};

/// The stream's events through the ledger head, from the start (no
/// snapshot): every segment is read once, other streams' records are
/// never decoded, the stream's are decoded on every available core.
pub fn stream_events(ledger: &Ledger, stream: &str) -> Result<StreamRead, ReplayError> {
    Ok(slaledger_snapshots::read::stream_events_between(
        ledger,
        stream,
        1,
        ledger.head(),
    )?)
}

impl From<LoadError> for ReplayError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Read(r) => ReplayError::Read(r),
            LoadError::NothingAsOf(a) => ReplayError::NothingAsOf(a),
            other => ReplayError::Snapshot(other.to_string()),
        }
    }
}

/// A month's report and how its stream was read.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The report.
    pub report: Report,
    /// The snapshot the read started from, if any.
    pub used: Option<Used>,
    /// Snapshots left aside, and why (the CLI prints them).
    pub warnings: Vec<Warning>,
}

/// Computes the report of one month from the ledger at its head.
pub fn month_report(ledger: &Ledger, q: &MonthQuery) -> Result<Report, ReplayError> {
    month_computed(ledger, q).map(|c| c.report)
}

/// Computes the report of one month, reading the stream from the newest
/// valid snapshot when `q.use_snapshots` (the same bytes as from the start).
pub fn month_computed(ledger: &Ledger, q: &MonthQuery) -> Result<Computed, ReplayError> {
    if let Some((seq, hash)) = q.position {
        let held = seq <= ledger.head().seq && ledger.hash_at(seq).ok() == Some(hash);
        if !held {
            return Err(ReplayError::PositionNotHeld {
                seq,
                hash: slaledger_ledger::chain::hex(&hash),
            });
        }
    }
    // Assumed events follow every ledger event of the position (SPEC §9.4).
    let req = slaledger_snapshots::Request {
        stream: &q.stream,
        month: q.month,
        as_of: q.as_of,
        upto: q.position.map(|p| p.0),
        eval: q.eval,
        assumed: &q.assumed,
        use_snapshots: q.use_snapshots,
    };
    let loaded = slaledger_snapshots::load(ledger, &req)?;
    let report = report_from_read(&loaded.read, q);
    loaded.read.release();
    Ok(Computed {
        report: report?,
        used: loaded.used,
        warnings: loaded.warnings,
    })
}

/// Computes the report of one month from a stream's events (ledger order)
/// read through the ledger position `head`.
pub fn report_from_events(
    events: &[(u64, StoredEvent)],
    head: (u64, [u8; 32]),
    last_recorded: Instant,
    q: &MonthQuery,
) -> Result<Report, ReplayError> {
    let latest_occurred = events.iter().map(|(_, e)| e.occurred_at).max();
    report_from_parts(events, head, last_recorded, latest_occurred, q)
}

/// Computes the report of one month from a stream read.
pub fn report_from_read(read: &StreamRead, q: &MonthQuery) -> Result<Report, ReplayError> {
    report_from_parts(
        &read.events,
        read.head,
        read.last_recorded,
        read.latest_occurred,
        q,
    )
}

/// The report of one month from the parts of a stream read (see
/// [`StreamRead`]), borrowed.
fn report_from_parts(
    events: &[(u64, StoredEvent)],
    head: (u64, [u8; 32]),
    last_recorded: Instant,
    latest_occurred: Option<Instant>,
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
    if let (Some(t), Some(a)) = (q.eval, q.as_of) {
        if t < a {
            return Err(ReplayError::EvalBeforeAsOf { eval: t, as_of: a });
        }
    }
    let (eval, eval_source) =
        slaledger_snapshots::resolve_eval(q.eval, q.as_of, latest_occurred, last_recorded);
    // Policy overrides (SPEC §9.4), for this replay only.
    let mut v = v.clone();
    let names: Vec<&'static str> = v
        .rules
        .policies
        .values_for(v.rules.annex)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    // A settlement's policy values apply to its months (SPEC §9.6); a
    // replay's overrides come on top.
    let disputes = crate::dispute::disputes_of(events, q.month);
    let mut settled: Vec<&'static str> = Vec::new();
    for d in &disputes {
        for (name, value) in &d.policies {
            if let Some(n) = names.iter().find(|n| **n == name.as_str()) {
                if v.rules.policies.set(name, value).is_ok() {
                    settled.push(n);
                }
            }
        }
    }
    let mut overridden: Vec<&'static str> = Vec::new();
    for (name, value) in &q.overrides {
        let Some(n) = names.iter().find(|n| **n == name.as_str()) else {
            return Err(ReplayError::BadOverride(format!(
                "{name}={value}: no policy `{name}` applies to this stream's annex (its policies: {})",
                names.join(", ")
            )));
        };
        v.rules
            .policies
            .set(name, value)
            .map_err(|e| ReplayError::BadOverride(format!("{name}={value}: {}", e.reason)))?;
        overridden.push(n);
    }
    let v = &v;
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
            .map(|(n, val)| {
                let origin = if overridden.contains(&n) {
                    slaledger_projections::ruleset::Origin::Override
                } else if settled.contains(&n) {
                    slaledger_projections::ruleset::Origin::Settlement
                } else {
                    v.rules.policy_origin(n)
                };
                (n, val, origin)
            })
            .collect(),
        as_of: q.as_of.map(|a| (a, head.0)),
        overlay: q.overlay_hash(),
        disputes: disputes.into_iter().map(|d| d.state).collect(),
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

/// One step of a stepwise attribution (SPEC §9.5).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    /// Bod after the step, øre (`None` while pending).
    pub bod_ore: Option<i64>,
    /// Change of bod by this step, øre.
    pub change_ore: Option<i64>,
    /// What the step applies: `as recorded`, `policy NAME = VALUE`, `event ID`.
    pub label: String,
    /// Month points after the step.
    pub points: String,
}

/// The stepwise attribution of an overlay (SPEC §9.5): the report without
/// it, then its policy overrides one at a time (sorted by name), then its
/// assumed events one at a time (in order), with the month's points and bod
/// after each step. Effects are not additive: another order may attribute
/// the same total differently.
pub fn stepwise(ledger: &Ledger, q: &MonthQuery) -> Result<Vec<Step>, ReplayError> {
    let mut base = q.clone();
    base.overrides.clear();
    base.assumed.clear();
    let mut overrides = q.overrides.clone();
    overrides.sort();
    let mut steps = Vec::new();
    let mut last: Option<i64> = None;
    let mut run = |cur: &MonthQuery, label: String| -> Result<(), ReplayError> {
        let r = month_report(ledger, cur)?;
        let v: serde_json::Value =
            serde_json::from_str(&r.canonical).unwrap_or(serde_json::Value::Null);
        let bod = v["month_total"]["bod_ore"].as_i64();
        steps.push(Step {
            bod_ore: bod,
            change_ore: match (last, bod) {
                (Some(a), Some(b)) if !steps.is_empty() => Some(b - a),
                _ => None,
            },
            label,
            points: v["month_total"]["points"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        });
        last = bod;
        Ok(())
    };
    run(&base, "as recorded".into())?;
    let mut cur = base;
    for (n, v) in overrides {
        cur.overrides.push((n.clone(), v.clone()));
        run(&cur, format!("policy {n} = {v}"))?;
    }
    for ev in &q.assumed {
        cur.assumed.push(ev.clone());
        run(
            &cur,
            format!("assumed event {} ({})", ev.id, ev.event.kind()),
        )?;
    }
    Ok(steps)
}

/// The steps as a Markdown table.
pub fn steps_markdown(steps: &[Step]) -> String {
    let mut out = String::from(
        "| step | points | bod (øre) | change (øre) |\n| --- | ---: | ---: | ---: |\n",
    );
    for (i, s) in steps.iter().enumerate() {
        out.push_str(&format!(
            "| {}{} | {} | {} | {} |\n",
            if i == 0 {
                String::new()
            } else {
                format!("{i}: ")
            },
            s.label,
            s.points,
            s.bod_ore.map_or("pending".into(), |b| b.to_string()),
            s.change_ore.map_or(String::new(), |c| c.to_string())
        ));
    }
    out
}
