//! Availability (driftseffektivitet) of Bilag 7.2.A 13.1-13.4 (SPEC §6.6-6.7):
//! per environment and area the supplier figure with its target, KTS, and
//! the user-experienced figures.
//!
//! The computation follows SPEC §6.6.9 step by step on the continuous
//! timeline: disruption intervals of A/B incidents, minus excluded time,
//! plus supplier delays, union, the gap rule, the 5-minute minimum and
//! started minutes, then overruns and probe deductions, the month clip and
//! the removal of agreed window time. Every contributing interval is kept
//! with its source so the report can list what each one added.

use crate::b72a::Inc;
use crate::bilag6::Finding;
use crate::calendar;
use crate::facts::{EventRef, Facts};
use crate::intervals::{self, Span};
use crate::ruleset::{Policies, ResponseTimeExclusion, RuleSet, SupplierDelay};
use slaledger_ledger::event::Event;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::{
    Area, Cause, DecisionRole, DetectionBasis, Environment, Month, Priority, Responsible,
};
use std::collections::BTreeMap;

const MIN_MS: i64 = 60_000;
/// The minimum counted length of a disruption block (SPEC §6.6.8).
const MINIMUM_MS: i64 = 5 * MIN_MS;
/// The longest gap the gap rule adds (SPEC §6.6.8).
const GAP_MAX_MS: i64 = 60 * MIN_MS;

/// ⌈a / b⌉ for a ≥ 0, b > 0.
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

/// The three environments in report order.
pub const ENVIRONMENTS: [Environment; 3] = [
    Environment::Production,
    Environment::PreProduction,
    Environment::ExternalTest,
];

/// One interval that adds downtime, is excluded, or is removed as window
/// time, with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// `incident`, `supplier_delay`, `gap`, `minimum`, `window_overrun`,
    /// `probe_package`, `probe_gap`, `excluded`, `window`.
    pub kind: &'static str,
    /// Incident id, window id, probe package or measuring point.
    pub object: String,
    /// The interval on the continuous timeline.
    pub span: Span,
    /// Milliseconds it adds to the month after the union, the clip and the
    /// window removal (each millisecond is credited to the first source in
    /// (start, kind, object) order). For `excluded` and `window`: its length
    /// inside the month.
    pub counted_ms: i64,
    /// The events behind it.
    pub events: Vec<EventRef>,
}

/// A probe deduction entering step 7 or the count of SPEC §6.8.5.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeDeductions {
    /// Intervals unioned with the other downtime (packages under `period`,
    /// and gaps).
    pub intervals: Vec<Contribution>,
    /// Minutes added after step 9 without union (packages under `count`).
    pub count_minutes: i64,
    /// Every deducting package, and every package over a limit ignored
    /// because it lies in excluded time: `[first sample, last sample]`, its
    /// samples, and the minutes it deducts (SPEC §6.8.5).
    pub packages: Vec<Contribution>,
}

/// An availability figure of one month (SPEC §6.6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    /// Agreed minutes A.
    pub agreed_min: i64,
    /// Downtime in milliseconds T after all steps (before the count-mode
    /// package minutes).
    pub downtime_ms: i64,
    /// Downtime minutes D = ⌈T / 60 s⌉ + package minutes, at most A.
    pub downtime_min: i64,
    /// Package minutes of `package_deduction = count` included in D.
    pub package_min: i64,
    /// The union of the counted incident intervals (and supplier delays) in
    /// the month, before the gap rule and the minimum, ms (steps 1-4).
    pub incident_ms: i64,
    /// Every interval that added downtime.
    pub contributions: Vec<Contribution>,
    /// Every excluded interval (SPEC §6.6.5) with the decision behind it.
    pub excluded: Vec<Contribution>,
    /// Agreed window time removed from the month.
    pub windows: Vec<Contribution>,
    /// Probe packages that deduct or were ignored (production application).
    pub packages: Vec<Contribution>,
}

impl Availability {
    /// Available minutes A − D.
    pub fn available_min(&self) -> i64 {
        self.agreed_min - self.downtime_min
    }
}

/// An A/B incident as a disruption (SPEC §6.6.4).
pub(crate) struct Disruption<'a> {
    pub(crate) id: &'a str,
    pub(crate) env: Environment,
    pub(crate) priority: Priority,
    pub(crate) app: bool,
    pub(crate) infra: bool,
    cause: Cause,
    probe_triggered: bool,
    /// `[start, resolved₁)`, `[reopened₁, resolved₂)`, …, canonical.
    pub(crate) spans: Vec<Span>,
    /// The same for production infrastructure, with the non-redundant start.
    infra_spans: Vec<Span>,
    /// Time decided to be another party's (canonical, unclipped).
    excluded: Vec<Span>,
    excluded_refs: Vec<EventRef>,
    /// Supplier delay intervals with their facts.
    delays: Vec<(Span, Vec<EventRef>)>,
    refs: Vec<EventRef>,
}

/// A recorded non-redundant state (SPEC §6.6.7).
pub(crate) struct NrState<'f> {
    env: Environment,
    began: Option<(Instant, &'f crate::facts::Fact<'f>)>,
    ended: Option<Instant>,
    refs: Vec<EventRef>,
}

/// Every non-redundant state of the stream, read once per evaluation.
pub(crate) fn nr_states<'f>(facts: &'f Facts<'f>) -> Vec<NrState<'f>> {
    let mut states: BTreeMap<(&str, u8), NrState<'f>> = BTreeMap::new();
    for f in &facts.facts {
        let (e, began) = match &*f.event {
            Event::NonRedundantStateBegan(e) => (e, true),
            Event::NonRedundantStateEnded(e) => (e, false),
            _ => continue,
        };
        let s = states
            .entry((&e.state_id, e.environment as u8))
            .or_insert(NrState {
                env: e.environment,
                began: None,
                ended: None,
                refs: Vec::new(),
            });
        if began && s.began.is_none_or(|(x, _)| e.at < x) {
            s.began = Some((e.at, f));
        }
        if !began {
            s.ended = Some(s.ended.map_or(e.at, |x| x.max(e.at)));
        }
        s.refs.extend(f.refs());
    }
    states.into_values().collect()
}

/// The earliest non-redundant state of `env` that began before `t` and had
/// not ended before `t` (SPEC §6.6.7): its beginning, the fact that began
/// it, and every fact about it.
pub(crate) fn non_redundant_start<'s, 'f>(
    states: &'s [NrState<'f>],
    env: Environment,
    t: Instant,
) -> Option<(Instant, &'f crate::facts::Fact<'f>, &'s [EventRef])> {
    states
        .iter()
        .filter(|s| s.env == env)
        .filter_map(|s| {
            let (b, f) = s.began?;
            (b < t && s.ended.is_none_or(|e| e >= t)).then_some((b, f, s.refs.as_slice()))
        })
        .min_by_key(|(b, _, _)| *b)
}

/// Under `non_redundant_start = incident` (SPEC §6.6.7) the start of every
/// production A/B incident tagged infrastructure moves to the non-redundant
/// state before it, for all its goals.
pub(crate) fn move_incident_starts<'a>(
    incs: &mut BTreeMap<&'a str, Inc<'a>>,
    facts: &'a Facts<'a>,
    rules: &RuleSet,
) {
    let mut scratch = Vec::new();
    let states = nr_states(facts);
    for (id, inc) in incs.iter_mut() {
        let Some((start, _)) = inc.start() else {
            continue;
        };
        let (areas, _, _) = descriptive(inc);
        if inc.environment() != Environment::Production
            || !(areas.contains(&Area::Infrastructure) || areas.is_empty())
        {
            continue;
        }
        let (eff, _) = inc.priority(rules, &mut scratch, id);
        if !matches!(eff, Priority::A | Priority::B) {
            continue;
        }
        if let Some((b, f, _)) = non_redundant_start(&states, Environment::Production, start) {
            inc.moved_start = Some((b, f));
        }
    }
}

fn descriptive<'a>(inc: &Inc<'a>) -> (&'a [Area], Cause, bool) {
    let how_probe = |how: &str| {
        let h = how.to_ascii_lowercase();
        h.contains("probe") && h.contains("trigger")
    };
    let basis_probe = inc.should_have.iter().any(|f| {
        matches!(&*f.event, Event::ShouldHaveDetectedEstablished(e) if e.basis == DetectionBasis::ProbeTrigger)
    });
    match inc.opened.map(|f| &*f.event) {
        Some(Event::IncidentReported(e)) => (&e.areas, e.cause, basis_probe),
        Some(Event::IncidentDetected(e)) => (
            &e.areas,
            e.cause.unwrap_or(Cause::Ordinary),
            basis_probe || how_probe(&e.how),
        ),
        _ => (&[], Cause::Ordinary, basis_probe),
    }
}

/// The disruptions of every A/B incident known at `eval`.
pub(crate) fn disruptions<'a>(
    incs: &BTreeMap<&'a str, Inc<'a>>,
    facts: &Facts<'_>,
    rules: &RuleSet,
    pol: &Policies,
    eval: Instant,
    findings: &mut Vec<Finding>,
) -> Vec<Disruption<'a>> {
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    let states = nr_states(facts);
    for (id, inc) in incs {
        let Some((start, start_fact)) = inc.start() else {
            continue;
        };
        if start > eval {
            continue;
        }
        let (eff, prio_refs) = inc.priority(rules, &mut scratch, id);
        if !matches!(eff, Priority::A | Priority::B) {
            continue;
        }
        let env = inc.environment();
        let (areas, cause, probe_triggered) = descriptive(inc);
        let (mut app, mut infra) = (
            areas.contains(&Area::Application),
            areas.contains(&Area::Infrastructure),
        );
        let mut refs = start_fact.refs();
        refs.extend(prio_refs);
        if !app && !infra {
            findings.push(Finding {
                kind: "incident_without_area",
                text: format!(
                    "A/B incident `{id}` names no area; it is counted as a disruption of both application and infrastructure operation"
                ),
                events: refs.clone(),
            });
            app = true;
            infra = true;
        }
        // [start, resolved₁), [reopened₁, resolved₂), …; open ones run to eval.
        let mut marks: Vec<(Instant, u64, bool)> = match inc.control {
            // SPEC §6.9: from the failing measurement to the next passing one.
            Some(link) => link
                .resolution
                .map(|f| (f.at, f.seq, false))
                .into_iter()
                .collect(),
            None => inc
                .resolutions
                .iter()
                .map(|f| (f.at, f.seq, false))
                .chain(inc.reopenings.iter().map(|f| (f.at, f.seq, true)))
                .collect(),
        };
        marks.sort();
        let mut spans = Vec::new();
        let mut open_from = Some(start);
        for (at, _, reopen) in marks {
            match (open_from, reopen) {
                (Some(s), false) => {
                    spans.push(Span::new(s.millis(), at.millis().max(s.millis())));
                    open_from = None;
                }
                (None, true) => open_from = Some(at.max(start)),
                _ => {}
            }
        }
        if let Some(s) = open_from {
            spans.push(Span::new(s.millis(), eval.millis().max(s.millis())));
        }
        match inc.control {
            Some(link) => {
                refs.extend(link.failing.refs());
                refs.extend(link.resolution.into_iter().flat_map(|f| f.refs()));
            }
            None => {
                for f in inc.resolutions.iter().chain(&inc.reopenings) {
                    refs.extend(f.refs());
                }
            }
        }
        let spans = intervals::union(spans);
        // Non-redundant state: production infrastructure starts earlier.
        let mut infra_spans = spans.clone();
        if env == Environment::Production && infra {
            if let Some((nr, _, nr_refs)) = non_redundant_start(&states, env, start) {
                if let Some(first) = infra_spans.first_mut() {
                    first.from = first.from.min(nr.millis());
                }
                infra_spans = intervals::union(infra_spans);
                refs.extend(nr_refs.iter().cloned());
            }
        }
        // Responsibility decisions (customer decisions and settlements), in
        // ledger order: another party adds excluded time, the supplier
        // takes it back.
        let mut excluded: Vec<Span> = Vec::new();
        let mut excluded_refs = Vec::new();
        let mut decisions: Vec<_> = inc.responsibility.iter().collect();
        decisions.sort_by_key(|f| f.seq);
        for f in decisions {
            let Event::ResponsibilityDecided(e) = &*f.event else {
                continue;
            };
            if e.role == DecisionRole::Claim {
                continue;
            }
            let span = Span::new(
                e.from.map_or(i64::MIN / 4, |t| t.millis()),
                e.to.map_or(i64::MAX / 4, |t| t.millis()),
            );
            match e.responsible {
                Responsible::Supplier => excluded = intervals::subtract(&excluded, &[span]),
                Responsible::Customer if !e.sole_cause => {
                    findings.push(Finding {
                        kind: "customer_responsibility_without_sole_cause",
                        text: format!(
                            "the decision naming the customer for incident `{id}` does not assert sole cause; its time stays the supplier's (13.1.2)"
                        ),
                        events: f.refs(),
                    });
                }
                _ => {
                    excluded = intervals::union([excluded, vec![span]].concat());
                    excluded_refs.extend(f.refs());
                }
            }
        }
        // Supplier delays (SPEC §6.6.6).
        let mut delays = Vec::new();
        for f in &inc.delays {
            if let Event::SupplierDelayEstablished(e) = &*f.event {
                delays.push((
                    Span::new(e.should_have_acted.millis(), e.acted.millis()),
                    f.refs(),
                ));
            }
        }
        if pol.supplier_delay() == SupplierDelay::EscalationAndRecorded && !excluded.is_empty() {
            let (third, _) = inc.responsibility();
            if third.is_some() {
                if let Some((deadline, esc)) = inc.escalation_deadline(rules) {
                    let until = esc.unwrap_or(eval);
                    if until > deadline {
                        let mut r: Vec<EventRef> =
                            inc.escalations.iter().flat_map(|f| f.refs()).collect();
                        r.extend(excluded_refs.iter().cloned());
                        delays.push((Span::new(deadline.millis(), until.millis()), r));
                    }
                }
            }
        }
        // The trace names every responsibility decision that counts, also
        // one naming the supplier (SPEC §8.2).
        refs.extend(inc.responsibility_refs());
        refs.sort();
        refs.dedup();
        out.push(Disruption {
            id,
            env,
            priority: eff,
            app,
            infra,
            cause,
            probe_triggered,
            spans,
            infra_spans,
            excluded,
            excluded_refs,
            delays,
            refs,
        });
    }
    out
}

/// Which figure a pipeline computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// The supplier figure of 13.1.2 / 13.2.2.
    Supplier,
    /// The user-experienced figure of 13.4.
    User,
}

/// Steps 1-6 of SPEC §6.6.9 for one environment and area: the counted
/// intervals (after the gap rule and the minimum), with their sources, and
/// the excluded time.
pub(crate) struct Counted {
    /// The union of the incident and delay intervals (step 4).
    pub(crate) raw: Vec<Span>,
    pub(crate) counted: Vec<Span>,
    pub(crate) sources: Vec<Contribution>,
    pub(crate) excluded: Vec<Contribution>,
}

pub(crate) fn counted(
    ds: &[Disruption<'_>],
    env: Environment,
    area: Area,
    reading: Reading,
    pol: &Policies,
) -> Counted {
    let mut parts: Vec<Span> = Vec::new();
    let mut sources = Vec::new();
    let mut uncounted: Vec<Span> = Vec::new();
    let mut excluded_out = Vec::new();
    for d in ds.iter().filter(|d| d.env == env) {
        let tagged = match area {
            Area::Application => d.app,
            Area::Infrastructure => d.infra,
        };
        if !tagged {
            continue;
        }
        let spans = if area == Area::Infrastructure {
            &d.infra_spans
        } else {
            &d.spans
        };
        // Step 1: incidents left out.
        let left_out = (d.cause == Cause::MissedPatch && !pol.patch_incident_downtime())
            || (reading == Reading::Supplier
                && area == Area::Application
                && d.cause == Cause::ResponseTime
                && (pol.response_time_exclusion() == ResponseTimeExclusion::Flagged
                    || d.probe_triggered));
        if left_out {
            uncounted.extend(spans.iter().copied());
            continue;
        }
        let mut own = spans.clone();
        if reading == Reading::Supplier {
            // Step 2: excluded time.
            let ex = intervals::intersect(spans, &d.excluded);
            if !ex.is_empty() {
                for s in &ex {
                    excluded_out.push(Contribution {
                        kind: "excluded",
                        object: d.id.to_owned(),
                        span: *s,
                        counted_ms: 0,
                        events: d.excluded_refs.clone(),
                    });
                }
                uncounted.extend(ex.iter().copied());
                own = intervals::subtract(&own, &ex);
            }
            // Step 3: supplier delays inside the disruption.
            for (delay, refs) in &d.delays {
                for s in intervals::intersect(spans, &[*delay]) {
                    parts.push(s);
                    sources.push(Contribution {
                        kind: "supplier_delay",
                        object: d.id.to_owned(),
                        span: s,
                        counted_ms: 0,
                        events: refs.clone(),
                    });
                }
            }
        }
        for s in own {
            parts.push(s);
            sources.push(Contribution {
                kind: "incident",
                object: d.id.to_owned(),
                span: s,
                counted_ms: 0,
                events: d.refs.clone(),
            });
        }
    }
    let uncounted = intervals::union(uncounted);
    // Step 4: blocks. Step 5: gaps judged on the unmerged blocks.
    let blocks = intervals::union(parts);
    let blocks_out = blocks.clone();
    let mut merged = blocks.clone();
    for w in blocks.windows(2) {
        let (p, n) = (w[0], w[1]);
        let gap = Span::new(p.to, n.from);
        if gap.len() < n.len()
            && gap.len() <= GAP_MAX_MS
            && intervals::intersect(&[gap], &uncounted).is_empty()
        {
            merged.push(gap);
            sources.push(Contribution {
                kind: "gap",
                object: String::new(),
                span: gap,
                counted_ms: 0,
                events: Vec::new(),
            });
        }
    }
    let merged = intervals::union(merged);
    // Step 6: the minimum and started minutes per merged block.
    let mut counted = Vec::with_capacity(merged.len());
    for b in merged {
        let len = ceil_div(b.len().max(MINIMUM_MS), MIN_MS) * MIN_MS;
        let ext = Span::new(b.from, b.from + len);
        if ext.to > b.to {
            sources.push(Contribution {
                kind: "minimum",
                object: String::new(),
                span: Span::new(b.to, ext.to),
                counted_ms: 0,
                events: Vec::new(),
            });
        }
        counted.push(ext);
    }
    Counted {
        raw: blocks_out,
        counted: intervals::union(counted),
        sources,
        excluded: excluded_out,
    }
}

fn kind_rank(kind: &str) -> u8 {
    match kind {
        "incident" => 0,
        "supplier_delay" => 1,
        "gap" => 2,
        "minimum" => 3,
        "window_overrun" => 4,
        "probe_package" => 5,
        _ => 6,
    }
}

/// Steps 7-9: adds `extra` downtime (overruns, probe intervals) to the
/// counted intervals, clips to the month, removes window time, and credits
/// every millisecond to one source.
#[allow(clippy::too_many_arguments)]
pub(crate) fn month_figure(
    m: Month,
    raw: &[Span],
    counted: &[Span],
    mut sources: Vec<Contribution>,
    extra: Vec<Contribution>,
    windows: &[(Span, String)],
    excluded: Vec<Contribution>,
    package_min: i64,
) -> Availability {
    let (ms, me) = calendar::month_bounds(m);
    let (lo, hi) = (ms.millis(), me.millis());
    let window_set = intervals::union(windows.iter().map(|(s, _)| *s).collect());
    let window_in_month = intervals::clip(&window_set, lo, hi);
    let mut all: Vec<Span> = counted.to_vec();
    all.extend(extra.iter().map(|c| c.span));
    sources.extend(extra);
    let final_set = intervals::subtract(
        &intervals::clip(&intervals::union(all), lo, hi),
        &window_in_month,
    );
    // Credit each millisecond to the first source that covers it.
    sources.sort_by(|a, b| {
        (a.span.from, kind_rank(a.kind), &a.object, a.span.to).cmp(&(
            b.span.from,
            kind_rank(b.kind),
            &b.object,
            b.span.to,
        ))
    });
    sources.dedup_by(|a, b| a.kind == b.kind && a.object == b.object && a.span == b.span);
    let mut covered: Vec<Span> = Vec::new();
    let mut contributions = Vec::new();
    for mut c in sources {
        let mine = intervals::intersect(&[c.span], &final_set);
        let new = intervals::subtract(&mine, &covered);
        c.counted_ms = intervals::total(&new);
        if c.counted_ms > 0 {
            covered = intervals::union([covered, new].concat());
            contributions.push(c);
        }
    }
    let t = intervals::total(&final_set);
    let agreed_min = (hi - lo - intervals::total(&window_in_month)) / MIN_MS;
    let downtime_min = (ceil_div(t, MIN_MS) + package_min).min(agreed_min);
    let windows_out = windows
        .iter()
        .filter_map(|(s, id)| {
            let inside = intervals::total(&intervals::clip(&[*s], lo, hi));
            (inside > 0).then(|| Contribution {
                kind: "window",
                object: id.clone(),
                span: *s,
                counted_ms: inside,
                events: Vec::new(),
            })
        })
        .collect();
    let excluded = excluded
        .into_iter()
        .filter_map(|mut c| {
            c.counted_ms = intervals::total(&intervals::clip(&[c.span], lo, hi));
            (c.counted_ms > 0).then_some(c)
        })
        .collect();
    let incident_ms = intervals::total(&intervals::subtract(
        &intervals::clip(raw, lo, hi),
        &window_in_month,
    ));
    Availability {
        agreed_min,
        downtime_ms: t,
        downtime_min,
        package_min,
        incident_ms,
        contributions,
        excluded,
        windows: windows_out,
        packages: Vec::new(),
    }
}

/// The percentage in hundredths, half-up (SPEC §6.6.2); 100.00 when A = 0.
pub fn hundredths(a: &Availability) -> i64 {
    if a.agreed_min <= 0 {
        return 10_000;
    }
    crate::bilag6::round_half_up(
        i128::from(a.available_min()) * 10_000,
        i128::from(a.agreed_min),
    )
}

fn env_key(e: Environment) -> (&'static str, &'static str, &'static str) {
    match e {
        Environment::Production => ("production", "Produktionsmiljø", "production"),
        Environment::PreProduction => ("pre_production", "Præproduktionsmiljø", "pre-production"),
        Environment::ExternalTest => ("external_test", "Eksternt testmiljø", "external test"),
    }
}

fn area_key(a: Area) -> (&'static str, &'static str, &'static str, &'static str) {
    match a {
        Area::Application => (
            "application",
            "Applikationsdrift",
            "application operation",
            "Bilag 7.2.A 13.1",
        ),
        Area::Infrastructure => (
            "infrastructure",
            "Infrastrukturdrift",
            "infrastructure operation",
            "Bilag 7.2.A 13.2",
        ),
    }
}

/// Everything one month's availability evaluation needs.
pub(crate) struct Inputs<'x, 'a> {
    pub(crate) goal: &'x crate::ruleset::AvailabilityGoal,
    pub(crate) ds: &'x [Disruption<'a>],
    pub(crate) windows: &'x [crate::windows::ServiceWindow<'x>],
    pub(crate) pol: &'x Policies,
    pub(crate) m: Month,
    pub(crate) eval: Instant,
    /// The response-time goal and the facts its samples come from.
    /// Seqs of the failing control measurements an incident is linked to.
    pub(crate) linked: &'x [u64],
    /// (all facts, the facts without probe samples).
    pub(crate) probes: Option<(
        &'x crate::ruleset::ResponseTimeGoal,
        &'x Facts<'x>,
        &'x Facts<'x>,
    )>,
}

/// The availability goal lines of the month (SPEC §6.6-6.7): six supplier
/// figures, KTS and nine user-experienced figures.
pub(crate) fn lines(
    x: &Inputs<'_, '_>,
    findings: &mut Vec<Finding>,
) -> Vec<crate::bilag6::GoalLine> {
    use crate::bilag6::{Figure, GoalLine, Verdict};
    use crate::ruleset::ProbeExclusionScope;
    let mut out = Vec::new();
    let mut supplier_pct = [[0i64; 2]; 3];
    let mut user: Vec<GoalLine> = Vec::new();
    let mut probe_lines: Vec<GoalLine> = Vec::new();
    let mut control: Option<GoalLine> = None;
    let mut senders: Option<GoalLine> = None;
    for (ei, env) in ENVIRONMENTS.into_iter().enumerate() {
        let wt = crate::windows::window_time(x.windows, env, x.pol, x.eval);
        let overruns: Vec<Contribution> = wt
            .overruns
            .iter()
            .map(|(s, id)| Contribution {
                kind: "window_overrun",
                object: id.clone(),
                span: *s,
                counted_ms: 0,
                events: window_refs(x.windows, id),
            })
            .collect();
        let (ek, eda, een) = env_key(env);
        let mut user_counted: Vec<Span> = Vec::new();
        let mut user_raw: Vec<Span> = Vec::new();
        let mut user_sources: Vec<Contribution> = Vec::new();
        for (ai, area) in [Area::Application, Area::Infrastructure]
            .into_iter()
            .enumerate()
        {
            let (ak, ada, aen, source) = area_key(area);
            // Supplier figure.
            let c = counted(x.ds, env, area, Reading::Supplier, x.pol);
            let mut extra = overruns.clone();
            let mut package_min = 0;
            let mut packages = Vec::new();
            if env == Environment::Production && area == Area::Application {
                // Excluded time for probes: counted downtime, windows and
                // overruns (and excluded incident time under `all_ab_incidents`).
                let mut busy: Vec<Span> = c.counted.clone();
                busy.extend(wt.overruns.iter().map(|(s, _)| *s));
                if x.pol.probe_exclusion_scope() == ProbeExclusionScope::AllAbIncidents {
                    busy.extend(c.excluded.iter().map(|e| e.span));
                }
                let busy = intervals::union(busy);
                let windows = intervals::union(wt.removed.iter().map(|(s, _)| *s).collect());
                if let Some((goal, facts, lean)) = x.probes {
                    let (lo, hi) = (
                        calendar::month_bounds(x.m).0.millis(),
                        calendar::month_bounds(x.m).1.millis(),
                    );
                    let all = crate::probes::samples(facts, goal, x.pol, (lo, hi));
                    let (p, counts, f) = crate::probes::deductions(
                        lean, &all, goal, x.pol, x.m, x.eval, &busy, &windows,
                    );
                    findings.extend(f);
                    extra.extend(p.intervals);
                    package_min = p.count_minutes;
                    packages = p.packages;
                    probe_lines = crate::probes::kind_lines(&counts);
                    let match_ms = i64::from(goal.trigger_match_window_minutes) * MIN_MS;
                    let open_at = |from: i64, to: i64, need_a: bool| {
                        x.ds.iter().any(|d| {
                            d.env == Environment::Production
                                && d.app
                                && (!need_a || d.priority == Priority::A)
                                && d.spans.iter().any(|s| s.from <= to && from < s.to)
                        })
                    };
                    for kind in [
                        slaledger_ledger::vocab::ProbeKind::Ui,
                        slaledger_ledger::vocab::ProbeKind::Service,
                    ] {
                        for e in crate::probes::episodes(&all, goal, kind, &windows, (lo, hi)) {
                            if !open_at(e.at, e.at + match_ms, e.priority == 'A') {
                                findings.push(Finding {
                                    kind: "probe_trigger_without_incident",
                                    text: format!(
                                        "{} probes meet the priority {} condition at {} ({} trigger(s)); no production application incident of priority {} or higher is open within {} min: incident should exist (14.3.5 / 14.4.5)",
                                        if kind == slaledger_ledger::vocab::ProbeKind::Ui { "UI" } else { "service" },
                                        e.priority,
                                        Instant::from_millis(e.at),
                                        e.triggers,
                                        e.priority,
                                        goal.trigger_match_window_minutes
                                    ),
                                    events: e.events,
                                });
                            }
                        }
                    }
                    control = crate::probes::control_line(lean, goal, x.m, x.linked, findings);
                    senders = crate::probes::sender_line(facts, x.m);
                }
            }
            let mut a = month_figure(
                x.m,
                &c.raw,
                &c.counted,
                c.sources,
                extra,
                &wt.removed,
                c.excluded,
                package_min,
            );
            a.packages = packages;
            let target = x.goal.targets[ei][ai].unwrap_or_else(|| x.pol.infra_production_target());
            let pct = hundredths(&a);
            supplier_pct[ei][ai] = pct;
            let verdict = if pct >= target.0 {
                Verdict::Met
            } else {
                Verdict::NotMet
            };
            out.push(availability_line(
                format!("b72a.availability.{ek}.{ak}"),
                (
                    format!("Driftseffektivitet, {ada}, {eda}"),
                    format!("availability, {aen}, {een}"),
                ),
                source,
                format!("≥ {} %", target.display()),
                verdict,
                a,
            ));
            // User-experienced figure (13.4).
            let cu = counted(x.ds, env, area, Reading::User, x.pol);
            user_counted.extend(cu.counted.iter().copied());
            user_raw.extend(cu.raw.iter().copied());
            user_sources.extend(cu.sources.iter().cloned());
            let au = month_figure(
                x.m,
                &cu.raw,
                &cu.counted,
                cu.sources,
                overruns.clone(),
                &wt.removed,
                Vec::new(),
                0,
            );
            user.push(user_line(
                format!("b72a.user_availability.{ek}.{ak}"),
                format!("Brugeroplevet driftseffektivitet, {ada}, {eda}"),
                format!("user-experienced availability, {aen}, {een}"),
                au,
            ));
        }
        let combined = month_figure(
            x.m,
            &intervals::union(user_raw),
            &intervals::union(user_counted),
            user_sources,
            overruns,
            &wt.removed,
            Vec::new(),
            0,
        );
        user.push(user_line(
            format!("b72a.user_availability.{ek}.combined"),
            format!("Brugeroplevet driftseffektivitet, samlet, {eda}"),
            format!("user-experienced availability, combined, {een}"),
            combined,
        ));
    }
    // KTS (13.3): production, from the two reported two-decimal values.
    let kts = supplier_pct[0][0] + supplier_pct[0][1] - 10_000;
    out.push(GoalLine::plain(
        "b72a.kts",
        (
            "KTS, Produktionsmiljø",
            "KTS (combined availability), production",
        ),
        "Bilag 7.2.A 13.3",
        Figure::Hundredths(kts),
        match x.goal.kts_target {
            Some(t) => format!("≥ {} %", t.display()),
            None => "no target (13.3: bilag 7.2.B punkt 9)".into(),
        },
        Vec::new(),
        match x.goal.kts_target {
            Some(t) if kts >= t.0 => Verdict::Met,
            Some(_) => Verdict::NotMet,
            None => Verdict::NoTarget,
        },
    ));
    out.extend(user);
    out.extend(probe_lines);
    out.extend(senders);
    out.extend(control);
    out
}

fn user_line(goal: String, da: String, en: String, a: Availability) -> crate::bilag6::GoalLine {
    availability_line(
        goal,
        (da, en),
        "Bilag 7.2.A 13.4",
        "no target (13.4)".into(),
        crate::bilag6::Verdict::NoTarget,
        a,
    )
}

/// A goal line whose figure is an availability figure, with its minutes as counts.
fn availability_line(
    goal: String,
    labels: (String, String),
    source: &'static str,
    target: String,
    verdict: crate::bilag6::Verdict,
    a: Availability,
) -> crate::bilag6::GoalLine {
    let counts = vec![
        ("agreed_minutes", a.agreed_min),
        ("downtime_minutes", a.downtime_min),
        ("available_minutes", a.available_min()),
    ];
    crate::bilag6::GoalLine::plain(
        goal,
        labels,
        source,
        crate::bilag6::Figure::Availability(Box::new(a)),
        target,
        counts,
        verdict,
    )
}

fn window_refs(windows: &[crate::windows::ServiceWindow<'_>], id: &str) -> Vec<EventRef> {
    windows
        .iter()
        .find(|w| w.id == id)
        .map(|w| w.events.clone())
        .unwrap_or_default()
}
