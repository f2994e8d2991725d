//! The monthly report (SPEC §8): its canonical JSON form, its hash, and a
//! Markdown rendering derived from the JSON.
//!
//! Canonical form (SPEC §8.6): UTF-8 JSON, object keys in byte order, no
//! insignificant whitespace, no floating-point numbers; exact fractions as
//! strings `"18/22"`, rounded decimals as fixed-digit strings (`"81.82"`,
//! `"9.0"`), instants as RFC 3339 UTC with milliseconds. The report hash is
//! blake3 over the canonical JSON without the `report_hash` field.

use crate::bilag6::{Figure, Limit, Measurement, MonthResult, OpenClock};
use crate::calendar;
use crate::facts::{AppliedCorrection, EventRef};
use crate::ruleset::{Origin, RuleSet};
use serde::Serialize;
use serde_json::Value;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use std::collections::BTreeMap;

/// The rule-set version a report was computed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetRef {
    /// Rule-set id.
    pub id: String,
    /// Version (1 for `rule_set_defined`).
    pub version: u32,
    /// `effective_from`.
    pub effective_from: Month,
    /// blake3 of the canonical content, hex.
    pub hash: String,
    /// The event that recorded it.
    pub event: EventRef,
}

/// Everything in the report header that does not come from the projection.
#[derive(Debug, Clone)]
pub struct Header {
    /// Stream.
    pub stream: String,
    /// Month.
    pub month: Month,
    /// Rule-set version.
    pub rule_set: RuleSetRef,
    /// Policy values with their origins, in SPEC §5.8 / §6.11 order.
    pub policies: Vec<(&'static str, String, Origin)>,
    /// Ledger head the computation read: seq and chain hash (hex).
    pub head: (u64, String),
    /// Evaluation time, and how it was chosen (`given` or `ledger_head`).
    pub eval: (Instant, &'static str),
    /// Program version.
    pub software_version: String,
    /// Event schema version.
    pub schema_version: u16,
    /// As-of replay: the instant and the seq it resolved to (SPEC §9.2).
    pub as_of: Option<(Instant, u64)>,
    /// Overlay hash of a counterfactual replay (SPEC §9.4).
    pub overlay: Option<String>,
    /// The disputes concerning the month, as recorded through the position
    /// read (SPEC §9.6).
    pub disputes: Vec<DisputeState>,
}

/// A dispute concerning the month (SPEC §9.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeState {
    /// Dispute id.
    pub id: String,
    /// Current stage.
    pub stage: &'static str,
    /// The parties agreed to defer the decision.
    pub deferred: bool,
    /// Settlement: outcome, the instant, the event, and the agreed bod of the
    /// month if one was given; `None` while open.
    pub settled: Option<(&'static str, Instant, EventRef, Option<i64>)>,
}

/// A computed report: canonical JSON and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The canonical JSON text (with `report_hash`).
    pub canonical: String,
    /// blake3 of the canonical JSON without `report_hash`, hex.
    pub hash: String,
}

/// Writes `v` in canonical form: keys sorted by bytes, no whitespace.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write_canonical(&m[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// `num / den` as a percentage rounded half-up to two decimals (`"87.50"`);
/// 100 % when `den` is 0.
pub fn percent_2dp(num: i64, den: i64) -> String {
    if den == 0 {
        return "100.00".into();
    }
    let hundredths = crate::bilag6::round_half_up(i128::from(num) * 10_000, i128::from(den));
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[derive(Serialize)]
struct RefJ<'a> {
    id: &'a str,
    seq: u64,
}

fn refs(v: &[EventRef]) -> Vec<RefJ<'_>> {
    v.iter()
        .map(|r| RefJ {
            id: &r.id,
            seq: r.seq,
        })
        .collect()
}

// Every struct below is serialised by serde_json in field declaration order,
// so its fields are declared in byte order of their names: the output is
// canonical without a second pass (checked by a test).

#[derive(Serialize)]
#[serde(untagged)]
enum LimitJ {
    Duration {
        comparison: &'static str,
        ms: i64,
    },
    Deadline {
        comparison: &'static str,
        deadline: Instant,
    },
}

#[derive(Serialize)]
struct MeasJ<'a> {
    category: Option<u8>,
    deadline: Option<Instant>,
    events: Vec<RefJ<'a>>,
    limit: LimitJ,
    object: &'a str,
    points: String,
    start: Instant,
    state: Option<&'static str>,
    stop: Option<Instant>,
    unit: &'static str,
    units_over: i64,
    value_ms: Option<i64>,
    within: bool,
}

fn measurement(m: &Measurement) -> MeasJ<'_> {
    MeasJ {
        category: m.category,
        deadline: m.deadline,
        events: refs(&m.events),
        limit: match &m.limit {
            Limit::Duration { ms, strict } => LimitJ::Duration {
                comparison: if *strict { "<" } else { "≤" },
                ms: *ms,
            },
            Limit::Deadline(d) => LimitJ::Deadline {
                comparison: "≤",
                deadline: *d,
            },
        },
        object: &m.object,
        points: m.points.display(),
        start: m.start,
        state: m.state,
        stop: m.stop,
        unit: m.unit,
        units_over: m.units_over,
        value_ms: m.value_ms,
        within: m.within,
    }
}

#[derive(Serialize)]
struct OpenJ<'a> {
    category: Option<u8>,
    deadline: Option<Instant>,
    elapsed_at_evaluation_ms: i64,
    elapsed_at_month_end_ms: i64,
    events: Vec<RefJ<'a>>,
    goal: &'a str,
    object: &'a str,
    overdue: bool,
    points_if_stopped_at_evaluation: Option<String>,
    start: Instant,
    state: &'static str,
}

fn open_clock(c: &OpenClock) -> OpenJ<'_> {
    OpenJ {
        category: c.category,
        deadline: c.deadline,
        elapsed_at_evaluation_ms: c.elapsed_eval_ms,
        elapsed_at_month_end_ms: c.elapsed_month_end_ms,
        events: refs(&c.events),
        goal: &c.goal,
        object: &c.object,
        overdue: c.overdue,
        points_if_stopped_at_evaluation: c.points_if_stopped_now.map(|p| p.display()),
        start: c.start,
        state: c.state,
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum FigureJ<'a> {
    Percent {
        fraction: String,
        percent: String,
    },
    Late {
        late: i64,
    },
    State {
        state: &'static str,
    },
    Counts(BTreeMap<String, i64>),
    Fractile {
        deciding: i64,
        sorted: Vec<SortedJ<'a>>,
        unit: &'static str,
    },
    Average {
        average_seconds: String,
        n: i64,
        total_ms: i64,
    },
    Count {
        count: i64,
    },
    Availability {
        agreed_minutes: i64,
        available_minutes: i64,
        contributions: Vec<SpanJ<'a>>,
        downtime_minutes: i64,
        downtime_ms: i64,
        excluded: Vec<SpanJ<'a>>,
        fraction: String,
        incident_ms: i64,
        package_minutes: i64,
        packages: Vec<SpanJ<'a>>,
        percent: String,
        windows: Vec<SpanJ<'a>>,
    },
    Value {
        value: String,
    },
    SenderHours {
        sender_hours: Vec<SenderHourJ<'a>>,
    },
}

/// One sender system's hour (SPEC §6.8.7); keys in byte order.
#[derive(Serialize)]
struct SenderHourJ<'a> {
    average_ms: i64,
    hour: String,
    maximum_ms: i64,
    samples: i64,
    sender: &'a str,
}

/// An interval of an availability figure; keys in byte order.
#[derive(Serialize)]
struct SpanJ<'a> {
    counted_ms: i64,
    events: Vec<RefJ<'a>>,
    from: String,
    kind: &'static str,
    object: &'a str,
    to: String,
}

fn span_j(c: &crate::availability::Contribution) -> SpanJ<'_> {
    SpanJ {
        counted_ms: c.counted_ms,
        events: refs(&c.events),
        from: Instant::from_millis(c.span.from).to_string(),
        kind: c.kind,
        object: &c.object,
        to: Instant::from_millis(c.span.to).to_string(),
    }
}

#[derive(Serialize)]
struct SortedJ<'a> {
    object: &'a str,
    value: i64,
}

#[derive(Serialize)]
struct ShortfallJ {
    counted: i64,
    percentage_points: String,
}

#[derive(Serialize)]
struct GoalJ<'a> {
    bod_share_ore: Option<i64>,
    breaches: Vec<MeasJ<'a>>,
    counts: BTreeMap<&'static str, i64>,
    critical: bool,
    figure: FigureJ<'a>,
    goal: &'a str,
    label_da: &'a str,
    label_en: &'a str,
    points: String,
    population: Vec<MeasJ<'a>>,
    shortfall: Option<ShortfallJ>,
    source: &'static str,
    target: &'a str,
    verdict: &'static str,
}

#[derive(Serialize)]
struct YearlyJ {
    cap_so_far_ore: i64,
    final_ore: i64,
    percent: u32,
    used_before_ore: i64,
}

#[derive(Serialize)]
struct TotalJ<'a> {
    bod_ore: Option<i64>,
    bod_state: String,
    cap_bound: &'static str,
    computed_bod_ore: Option<i64>,
    fee_events: Vec<RefJ<'a>>,
    fee_ore: Option<i64>,
    monthly_cap_ore: Option<i64>,
    points: String,
    uncapped_ore: Option<i64>,
    yearly_cap: Option<YearlyJ>,
}

#[derive(Serialize)]
struct FindingJ<'a> {
    events: Vec<RefJ<'a>>,
    kind: &'static str,
    text: &'a str,
}

#[derive(Serialize)]
struct CorrectionJ<'a> {
    action: &'static str,
    corrected: RefJ<'a>,
    correction: RefJ<'a>,
}

#[derive(Serialize)]
struct HeadJ<'a> {
    hash: &'a str,
    seq: u64,
}

#[derive(Serialize)]
struct PolicyJ<'a> {
    origin: &'static str,
    policy: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
struct RuleSetJ<'a> {
    effective_from: String,
    event: RefJ<'a>,
    hash: &'a str,
    id: &'a str,
    version: u32,
}

#[derive(Serialize)]
struct SoftwareJ<'a> {
    program: &'static str,
    schema_version: u16,
    version: &'a str,
}

#[derive(Serialize)]
struct HeaderJ<'a> {
    as_of: Option<AsOfJ>,
    counterfactual: bool,
    disputes: Vec<DisputeJ>,
    evaluation_time: String,
    evaluation_time_source: &'static str,
    ledger_head: HeadJ<'a>,
    month: String,
    month_end: String,
    month_start: String,
    overlay: Option<String>,
    policies: Vec<PolicyJ<'a>>,
    rule_set: RuleSetJ<'a>,
    software: SoftwareJ<'a>,
    stream: &'a str,
}

#[derive(Serialize)]
struct DisputeJ {
    agreed_bod_ore: Option<i64>,
    deferred: bool,
    id: String,
    outcome: Option<&'static str>,
    settled_at: Option<String>,
    settlement_event: Option<String>,
    stage: &'static str,
    state: &'static str,
}

#[derive(Serialize)]
struct AsOfJ {
    instant: String,
    seq: u64,
}

#[derive(Serialize)]
struct CalendarJ {
    add_closed: Vec<String>,
    remove_closed: Vec<String>,
}

#[derive(Serialize)]
struct FeeJ {
    monthly_cap_percent: u32,
    percent_per_point: u32,
    yearly_cap_percent: Option<u32>,
}

#[derive(Serialize)]
struct TargetJ<'a> {
    goal: &'a str,
    target: &'a str,
}

#[derive(Serialize)]
struct ParamsJ<'a> {
    calendar: CalendarJ,
    fee: FeeJ,
    targets: Vec<TargetJ<'a>>,
}

#[derive(Serialize)]
struct ReportJ<'a> {
    corrections: Vec<CorrectionJ<'a>>,
    findings: Vec<FindingJ<'a>>,
    goals: Vec<GoalJ<'a>>,
    header: HeaderJ<'a>,
    month_total: TotalJ<'a>,
    open_clocks: Vec<OpenJ<'a>>,
    parameters: ParamsJ<'a>,
    report: &'static str,
    /// Must stay the last field: `month_report_json` appends it as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    report_hash: Option<String>,
}

fn share(fee: Option<i64>, tenths: i64, pct: u32) -> Option<i64> {
    fee.map(|f| {
        crate::bilag6::round_half_up(i128::from(f) * i128::from(tenths) * i128::from(pct), 1000)
    })
}

/// Builds the report of a month (Bilag 6 or Bilag 7.2.A goal lines).
pub fn month_report_json(
    h: &Header,
    rules: &RuleSet,
    r: &MonthResult,
    corrections: &[AppliedCorrection],
) -> Report {
    let (from, to) = calendar::month_bounds(h.month);
    let goals = r
        .goals
        .iter()
        .map(|g| GoalJ {
            bod_share_ore: share(r.total.fee, g.points.0, rules.fee.percent_per_point),
            breaches: g.breaches().map(measurement).collect(),
            counts: g.counts.iter().copied().collect(),
            critical: g.critical,
            figure: match &g.figure {
                Figure::Percent { num, den } => FigureJ::Percent {
                    fraction: format!("{num}/{den}"),
                    percent: percent_2dp(*num, *den),
                },
                Figure::Late(n) => FigureJ::Late { late: *n },
                Figure::State(s) => FigureJ::State { state: s },
                Figure::NotPerformed(v) => {
                    FigureJ::Counts(v.iter().map(|(k, n)| (format!("kpi{k}"), *n)).collect())
                }
                Figure::Average { total_ms, n } => FigureJ::Average {
                    average_seconds: if *n == 0 {
                        "0.00".into()
                    } else {
                        let hundredths = crate::bilag6::round_half_up(
                            i128::from(*total_ms) / 10,
                            i128::from(*n),
                        );
                        format!("{}.{:02}", hundredths / 100, hundredths % 100)
                    },
                    n: *n,
                    total_ms: *total_ms,
                },
                Figure::Count(c) => FigureJ::Count { count: *c },
                Figure::Availability(a) => FigureJ::Availability {
                    agreed_minutes: a.agreed_min,
                    available_minutes: a.available_min(),
                    contributions: a.contributions.iter().map(span_j).collect(),
                    downtime_minutes: a.downtime_min,
                    downtime_ms: a.downtime_ms,
                    excluded: a.excluded.iter().map(span_j).collect(),
                    fraction: format!("{}/{}", a.available_min(), a.agreed_min),
                    incident_ms: a.incident_ms,
                    package_minutes: a.package_min,
                    packages: a.packages.iter().map(span_j).collect(),
                    percent: crate::ruleset::Hundredths(crate::availability::hundredths(a))
                        .display(),
                    windows: a.windows.iter().map(span_j).collect(),
                },
                Figure::Hundredths(v) => FigureJ::Value {
                    value: crate::ruleset::Hundredths(*v).display(),
                },
                Figure::Recorded(v) => FigureJ::Value { value: v.clone() },
                Figure::SenderHours(v) => FigureJ::SenderHours {
                    sender_hours: v
                        .iter()
                        .map(|(sender, hour, n, total, max)| SenderHourJ {
                            average_ms: if *n == 0 { 0 } else { total / n },
                            hour: hour.to_string(),
                            maximum_ms: *max,
                            samples: *n,
                            sender,
                        })
                        .collect(),
                },
                Figure::Fractile {
                    deciding,
                    sorted,
                    unit,
                } => FigureJ::Fractile {
                    deciding: *deciding,
                    sorted: sorted
                        .iter()
                        .map(|(v, o)| SortedJ {
                            object: o,
                            value: *v,
                        })
                        .collect(),
                    unit,
                },
            },
            goal: &g.goal,
            label_da: &g.label_da,
            label_en: &g.label_en,
            points: g.points.display(),
            population: g.population.iter().map(measurement).collect(),
            shortfall: g.shortfall.map(|(num, den, units)| ShortfallJ {
                counted: units,
                percentage_points: format!("{num}/{den}"),
            }),
            source: g.source,
            target: &g.target,
            verdict: g.verdict.as_str(),
        })
        .collect();
    let t = &r.total;
    // SPEC §9.6: an agreed bod becomes the month's bod (the computed one is
    // shown beside it); an open dispute marks the bod disputed.
    let agreed = h
        .disputes
        .iter()
        .find_map(|d| d.settled.as_ref().and_then(|s| s.3).map(|b| (d, b)));
    let open_disputes: Vec<&str> = h
        .disputes
        .iter()
        .filter(|d| d.settled.is_none())
        .map(|d| d.id.as_str())
        .collect();
    let cal = &rules.calendar;
    let mut report = ReportJ {
        corrections: corrections
            .iter()
            .map(|c| CorrectionJ {
                action: c.action,
                corrected: RefJ {
                    id: &c.corrected.id,
                    seq: c.corrected.seq,
                },
                correction: RefJ {
                    id: &c.correction.id,
                    seq: c.correction.seq,
                },
            })
            .collect(),
        findings: r
            .findings
            .iter()
            .map(|f| FindingJ {
                events: refs(&f.events),
                kind: f.kind,
                text: &f.text,
            })
            .collect(),
        goals,
        header: HeaderJ {
            as_of: h.as_of.map(|(t, seq)| AsOfJ {
                instant: t.to_string(),
                seq,
            }),
            counterfactual: h.overlay.is_some(),
            disputes: h
                .disputes
                .iter()
                .map(|d| DisputeJ {
                    agreed_bod_ore: d.settled.as_ref().and_then(|s| s.3),
                    deferred: d.deferred,
                    id: d.id.clone(),
                    outcome: d.settled.as_ref().map(|s| s.0),
                    settled_at: d.settled.as_ref().map(|s| s.1.to_string()),
                    settlement_event: d
                        .settled
                        .as_ref()
                        .map(|s| format!("{}@{}", s.2.id, s.2.seq)),
                    stage: d.stage,
                    state: if d.settled.is_some() {
                        "settled"
                    } else {
                        "open"
                    },
                })
                .collect(),
            evaluation_time: h.eval.0.to_string(),
            evaluation_time_source: h.eval.1,
            ledger_head: HeadJ {
                hash: &h.head.1,
                seq: h.head.0,
            },
            month: h.month.to_string(),
            month_end: to.to_string(),
            month_start: from.to_string(),
            overlay: h.overlay.clone(),
            policies: h
                .policies
                .iter()
                .map(|(n, v, o)| PolicyJ {
                    origin: o.as_str(),
                    policy: n,
                    value: v,
                })
                .collect(),
            rule_set: RuleSetJ {
                effective_from: h.rule_set.effective_from.to_string(),
                event: RefJ {
                    id: &h.rule_set.event.id,
                    seq: h.rule_set.event.seq,
                },
                hash: &h.rule_set.hash,
                id: &h.rule_set.id,
                version: h.rule_set.version,
            },
            software: SoftwareJ {
                program: "slaledger",
                schema_version: h.schema_version,
                version: &h.software_version,
            },
            stream: &h.stream,
        },
        month_total: TotalJ {
            bod_ore: agreed.map(|(_, b)| b).or(t.bod),
            bod_state: match (agreed, open_disputes.is_empty()) {
                (Some((d, _)), _) => format!(
                    "settled by dispute {} ({}, {})",
                    d.id,
                    d.settled.as_ref().map_or("", |s| s.0),
                    d.settled
                        .as_ref()
                        .map(|s| s.1.to_string())
                        .unwrap_or_default()
                ),
                (None, false) => format!("disputed ({})", open_disputes.join(", ")),
                (None, true) if t.bod.is_some() => "computed".into(),
                (None, true) => "pending (no fee recorded)".into(),
            },
            cap_bound: t.cap_bound,
            computed_bod_ore: agreed.and(t.bod),
            fee_events: refs(&t.fee_events),
            fee_ore: t.fee,
            monthly_cap_ore: t.monthly_cap,
            points: t.points.display(),
            uncapped_ore: t.uncapped,
            yearly_cap: t.yearly.as_ref().map(|y| YearlyJ {
                cap_so_far_ore: y.cap_so_far,
                final_ore: y.final_bod,
                percent: y.percent,
                used_before_ore: y.used_before,
            }),
        },
        open_clocks: r.open_clocks.iter().map(open_clock).collect(),
        parameters: ParamsJ {
            calendar: CalendarJ {
                add_closed: cal
                    .add_dates
                    .iter()
                    .map(|d| d.to_string())
                    .chain(cal.add_named.iter().map(|n| n.as_str().to_owned()))
                    .collect(),
                remove_closed: cal.remove_dates.iter().map(|d| d.to_string()).collect(),
            },
            fee: FeeJ {
                monthly_cap_percent: rules.fee.monthly_cap_percent,
                percent_per_point: rules.fee.percent_per_point,
                yearly_cap_percent: rules.fee.yearly_cap_percent,
            },
            targets: r
                .goals
                .iter()
                .map(|g| TargetJ {
                    goal: &g.goal,
                    target: &g.target,
                })
                .collect(),
        },
        report: "slaledger monthly report",
        report_hash: None,
    };
    // serde_json never fails on these types (string keys, no floats).
    let without = serde_json::to_string(&report).unwrap_or_default();
    let hash = blake3::hash(without.as_bytes()).to_hex().to_string();
    // `report_hash` is the last field of `ReportJ` (keys in byte order), so
    // the canonical text is `without` with it appended: the same bytes as
    // serialising the report again with the hash set, at half the cost.
    let canonical = match without.strip_suffix('}') {
        Some(body) => format!("{body},\"report_hash\":\"{hash}\"}}"),
        None => {
            report.report_hash = Some(hash.clone());
            serde_json::to_string(&report).unwrap_or_default()
        }
    };
    Report { canonical, hash }
}

fn minutes(ms: i64) -> String {
    let (h, m, sec) = (ms / 3_600_000, (ms / 60_000) % 60, (ms / 1000) % 60);
    match (h, sec) {
        (0, 0) => format!("{m} min"),
        (_, 0) => format!("{h} h {m} min"),
        _ => format!("{h} h {m} min {sec} s"),
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn ore(v: &Value) -> String {
    match v.as_i64() {
        Some(n) => {
            let kr = n / 100;
            let rest = (n % 100).abs();
            let digits = kr.abs().to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push('.');
                }
                grouped.push(c);
            }
            format!(
                "{}{grouped},{rest:02} kr ({n} øre)",
                if n < 0 { "-" } else { "" }
            )
        }
        None => "pending".into(),
    }
}

/// Renders the report as Markdown (breaches only; the JSON holds the full
/// population). Carries the report hash; never hashed itself.
pub fn to_markdown(r: &Report) -> String {
    let parsed: Value = serde_json::from_str(&r.canonical).unwrap_or(Value::Null);
    let v = &parsed;
    let h = &v["header"];
    let s = |x: &Value| {
        x.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| x.to_string())
    };
    let mut out = String::new();
    out.push_str(&format!(
        "# Monthly report {} — stream `{}`\n\n",
        s(&h["month"]),
        s(&h["stream"])
    ));
    out.push_str(&format!(
        "- month: {} to {} (UTC, half-open)\n- rule set: `{}` v{} (effective {}), hash `{}`\n- ledger head: {}:{}\n- evaluation time: {} ({})\n- report hash: `{}`\n\n",
        s(&h["month_start"]),
        s(&h["month_end"]),
        s(&h["rule_set"]["id"]),
        h["rule_set"]["version"],
        s(&h["rule_set"]["effective_from"]),
        s(&h["rule_set"]["hash"]),
        h["ledger_head"]["seq"],
        s(&h["ledger_head"]["hash"]),
        s(&h["evaluation_time"]),
        s(&h["evaluation_time_source"]),
        r.hash
    ));
    // Replay provenance and disputes (SPEC §8.1), only when present.
    let mut extra = String::new();
    if !h["as_of"].is_null() {
        extra.push_str(&format!(
            "- as-of replay: {} (seq {})\n",
            s(&h["as_of"]["instant"]),
            h["as_of"]["seq"]
        ));
    }
    if h["counterfactual"] == true {
        extra.push_str(&format!(
            "- **counterfactual**: overlay `{}`\n",
            s(&h["overlay"])
        ));
    }
    for d in h["disputes"].as_array().into_iter().flatten() {
        extra.push_str(&format!(
            "- dispute {}: {}, stage {}{}\n",
            s(&d["id"]),
            s(&d["state"]),
            s(&d["stage"]),
            d["outcome"]
                .as_str()
                .map(|o| format!(", {o} at {}", s(&d["settled_at"])))
                .unwrap_or_default()
        ));
    }
    if !extra.is_empty() {
        out.push_str(&extra);
        out.push('\n');
    }
    out.push_str("| goal | figure | target | counts | verdict | points | bod share |\n");
    out.push_str("| --- | --- | --- | --- | --- | ---: | ---: |\n");
    for g in v["goals"].as_array().into_iter().flatten() {
        let f = &g["figure"];
        let figure = if let Some(p) = f.get("percent") {
            format!("{} % ({})", s(p), s(&f["fraction"]))
        } else if let Some(l) = f.get("late") {
            format!("{l} late")
        } else if let Some(st) = f.get("state") {
            s(st)
        } else if let Some(a) = f.get("average_seconds") {
            format!("average {} s", s(a))
        } else if let Some(c) = f.get("count") {
            format!("{c}")
        } else if let Some(v) = f.get("value") {
            format!("{} %", s(v))
        } else if let Some(h) = f.get("sender_hours").and_then(|h| h.as_array()) {
            format!("{} sender-system hours (in the JSON)", h.len())
        } else if g["counts"]["n"] == 0 && f.get("deciding").is_some() {
            "no measurements".to_owned()
        } else if let Some(d) = f.get("deciding") {
            match (d.as_i64(), f["unit"].as_str()) {
                (Some(ms), Some("ms")) => format!("fractile {}", minutes(ms)),
                (Some(n), _) => format!("fractile {n} Arbejdsdage"),
                _ => String::new(),
            }
        } else {
            match f.as_object() {
                Some(m) if !m.is_empty() => m
                    .iter()
                    .map(|(k, n)| format!("{k}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => "none".to_owned(),
            }
        };
        let counts = [
            "n",
            "needed",
            "rank",
            "within",
            "over",
            "late",
            "missing",
            "events",
            "failed",
            "agreed_minutes",
            "downtime_minutes",
        ]
        .iter()
        .filter_map(|k| g["counts"].get(*k).map(|n| format!("{k} {n}")))
        .collect::<Vec<_>>()
        .join(", ");
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            md_escape(&s(&g["label_en"])),
            md_escape(&figure),
            md_escape(&s(&g["target"])),
            counts,
            if g["critical"] == true {
                format!("{} (critical)", s(&g["verdict"]))
            } else {
                s(&g["verdict"])
            },
            s(&g["points"]),
            if g["bod_share_ore"].is_null() {
                if g["points"] == "0.0" {
                    "-".into()
                } else {
                    "pending".into()
                }
            } else {
                ore(&g["bod_share_ore"])
            }
        ));
    }
    let t = &v["month_total"];
    out.push_str(&format!(
        "\n**Month total:** {} points; fee {}; uncapped {}; monthly cap {}; **bod {}**; cap bound: {}.\n",
        s(&t["points"]),
        ore(&t["fee_ore"]),
        ore(&t["uncapped_ore"]),
        ore(&t["monthly_cap_ore"]),
        ore(&t["bod_ore"]),
        s(&t["cap_bound"])
    ));
    if let Some(y) = t["yearly_cap"].as_object() {
        out.push_str(&format!(
            "Yearly cap {} %: cap so far {}, used before {}, final {}.\n",
            y["percent"],
            ore(&y["cap_so_far_ore"]),
            ore(&y["used_before_ore"]),
            ore(&y["final_ore"])
        ));
    }
    out.push_str("\n## Breaches\n\n");
    let mut any = false;
    for g in v["goals"].as_array().into_iter().flatten() {
        for b in g["breaches"].as_array().into_iter().flatten() {
            any = true;
            let ids: Vec<String> = b["events"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| format!("{}@{}", s(&e["id"]), e["seq"]))
                .collect();
            let what = if let Some(ms) = b["value_ms"].as_i64() {
                format!(
                    "start {}, stop {}: {} against {} {}",
                    s(&b["start"]),
                    s(&b["stop"]),
                    minutes(ms),
                    s(&b["limit"]["comparison"]),
                    minutes(b["limit"]["ms"].as_i64().unwrap_or(0)),
                )
            } else if b["deadline"].is_string() {
                format!(
                    "start {}, stop {}, deadline {}",
                    s(&b["start"]),
                    if b["stop"].is_null() {
                        "none".into()
                    } else {
                        s(&b["stop"])
                    },
                    s(&b["deadline"]),
                )
            } else {
                s(&b["state"])
            };
            let units = match (b["units_over"].as_i64(), b["unit"].as_str()) {
                (Some(n), Some(u)) if n > 0 && !u.is_empty() && u != "item" => {
                    format!(", {n} {u}(s) over")
                }
                _ => String::new(),
            };
            out.push_str(&format!(
                "- `{}` {}: {}{}; {} points; events: {}\n",
                s(&g["goal"]),
                md_escape(&s(&b["object"])),
                what,
                units,
                s(&b["points"]),
                ids.join(", ")
            ));
        }
    }
    if !any {
        out.push_str("None.\n");
    }
    // Availability: every interval that added downtime, was excluded or
    // removed as window time (SPEC §6.6.9), with its source.
    let mut first = true;
    for g in v["goals"].as_array().into_iter().flatten() {
        let f = &g["figure"];
        let lists = [
            ("contributions", "adds"),
            ("excluded", "excluded"),
            ("windows", "window removed"),
            ("packages", "deducts"),
        ];
        if lists
            .iter()
            .all(|(k, _)| f[*k].as_array().is_none_or(|a| a.is_empty()))
        {
            continue;
        }
        if first {
            out.push_str("\n## Downtime, exclusions and windows\n");
            first = false;
        }
        out.push_str(&format!(
            "\n`{}`: {} downtime minutes of {} agreed{}\n\n",
            s(&g["goal"]),
            f["downtime_minutes"],
            f["agreed_minutes"],
            if f["package_minutes"].as_i64().unwrap_or(0) > 0 {
                format!(
                    " (of which {} min for deducting probe packages)",
                    f["package_minutes"]
                )
            } else {
                String::new()
            }
        ));
        for (key, verb) in lists {
            for c in f[key].as_array().into_iter().flatten() {
                let ids: Vec<String> = c["events"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| format!("{}@{}", s(&e["id"]), e["seq"]))
                    .collect();
                let ms = c["counted_ms"].as_i64().unwrap_or(0);
                let object = s(&c["object"]);
                let amount = if ms % 60_000 == 0 {
                    format!(" {} min", ms / 60_000)
                } else {
                    format!(" {}.{:03} s", ms / 1000, ms % 1000)
                };
                let (verb, amount) = match s(&c["kind"]).as_str() {
                    "ignored_package" => ("ignored (in excluded time)", String::new()),
                    "deducting_package" if ms == 0 => {
                        ("deducts through its probe_package interval", String::new())
                    }
                    _ => (verb, amount),
                };
                out.push_str(&format!(
                    "- {}{}: {} to {}, {verb}{amount}{}\n",
                    s(&c["kind"]),
                    if object.is_empty() {
                        String::new()
                    } else {
                        format!(" `{object}`")
                    },
                    s(&c["from"]),
                    s(&c["to"]),
                    if ids.is_empty() {
                        String::new()
                    } else {
                        format!("; events: {}", ids.join(", "))
                    }
                ));
            }
        }
    }
    out.push_str("\n## Open clocks at month end\n\n");
    let open = v["open_clocks"].as_array().cloned().unwrap_or_default();
    if open.is_empty() {
        out.push_str("None.\n");
    }
    for c in &open {
        out.push_str(&format!(
            "- {}: {} ({}) — start {}, deadline {}, elapsed {} h at month end / {} h at evaluation{}{}\n",
            s(&c["goal"]),
            md_escape(&s(&c["object"])),
            s(&c["state"]),
            s(&c["start"]),
            s(&c["deadline"]),
            c["elapsed_at_month_end_ms"].as_i64().unwrap_or(0) / 3_600_000,
            c["elapsed_at_evaluation_ms"].as_i64().unwrap_or(0) / 3_600_000,
            if c["overdue"].as_bool() == Some(true) { ", overdue" } else { "" },
            if c["points_if_stopped_at_evaluation"].is_null() {
                String::new()
            } else {
                format!(
                    ", {} points if stopped at evaluation (not counted)",
                    s(&c["points_if_stopped_at_evaluation"])
                )
            }
        ));
    }
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    if !findings.is_empty() {
        out.push_str("\n## Findings\n\n");
        for f in &findings {
            out.push_str(&format!(
                "- {}: {}\n",
                s(&f["kind"]),
                md_escape(&s(&f["text"]))
            ));
        }
    }
    let corrections = v["corrections"].as_array().cloned().unwrap_or_default();
    if !corrections.is_empty() {
        out.push_str("\n## Corrections applied\n\n");
        for c in &corrections {
            out.push_str(&format!(
                "- {} of `{}` (seq {}) by `{}` (seq {})\n",
                s(&c["action"]),
                s(&c["corrected"]["id"]),
                c["corrected"]["seq"],
                s(&c["correction"]["id"]),
                c["correction"]["seq"]
            ));
        }
    }
    out.push_str("\n## Policies used\n\n| policy | value | origin |\n| --- | --- | --- |\n");
    for p in h["policies"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            s(&p["policy"]),
            s(&p["value"]),
            s(&p["origin"])
        ));
    }
    out
}
