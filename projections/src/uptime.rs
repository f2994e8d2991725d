//! Probe-average uptime and counters without targets (SPEC §7.2-7.3): the
//! monthly goal lines of a rule set with annex `uptime` (the VDX style).

use crate::bilag6::{Context, Figure, GoalLine, MonthResult, Verdict};
use crate::calendar;
use crate::facts::{EventRef, Facts};
use crate::intervals::{self, Span};
use crate::ruleset::{Counter, Tenths, UptimeGoal, UptimeMissingProbe};
use slaledger_ledger::event::Event;
use slaledger_ledger::vocab::{Month, ProbeKind};
use std::collections::BTreeMap;

/// The counts behind one uptime figure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UptimeCounts {
    /// Successful probes.
    pub ok: i64,
    /// Failed probes (including missing ones under `failed`).
    pub failed: i64,
    /// Missing probes (expected slots without a probe).
    pub missing: i64,
    /// Probes left out because they lie in agreed service windows.
    pub in_windows: i64,
}

/// Counts the probes of `goal` in month `m` (SPEC §7.2).
pub fn counts(
    facts: &Facts<'_>,
    goal: &UptimeGoal,
    m: Month,
    missing_policy: UptimeMissingProbe,
    windows: &[Span],
) -> UptimeCounts {
    let (ms, me) = calendar::month_bounds(m);
    let (lo, hi) = (ms.millis(), me.millis());
    let interval = i64::from(goal.interval_seconds) * 1000;
    let slots = ((hi - lo) + interval - 1) / interval;
    let in_window = |t: i64| windows.iter().any(|w| w.from <= t && t < w.to);
    let mut c = UptimeCounts::default();
    let mut seen: BTreeMap<&str, Vec<bool>> = goal
        .points
        .iter()
        .map(|p| (p.as_str(), vec![false; slots.max(0) as usize]))
        .collect();
    let mut summarised: Vec<Span> = Vec::new();
    for f in &facts.facts {
        match &*f.event {
            Event::ProbeSample(s) if s.probe_kind == ProbeKind::Availability => {
                let at = s.started_at.millis();
                let Some(slot_marks) = seen.get_mut(s.point_id.as_str()) else {
                    continue;
                };
                if !(lo..hi).contains(&at) {
                    continue;
                }
                if goal.exclude_windows && in_window(at) {
                    c.in_windows += 1;
                    continue;
                }
                slot_marks[((at - lo) / interval) as usize] = true;
                if s.ok {
                    c.ok += 1;
                } else {
                    c.failed += 1;
                }
            }
            Event::AvailabilityProbeSummary(s) if s.service_id == goal.service => {
                let from = s.from.millis();
                if !(lo..hi).contains(&from) {
                    continue;
                }
                summarised.push(Span::new(from, s.to.millis()));
                c.ok += s.ok as i64;
                c.failed += s.failed as i64;
                c.missing += (s.expected as i64 - s.ok as i64 - s.failed as i64).max(0);
            }
            _ => {}
        }
    }
    let summarised = intervals::union(summarised);
    for marks in seen.values() {
        for (i, hit) in marks.iter().enumerate() {
            let t = lo + i as i64 * interval;
            let covered = summarised.iter().any(|s| s.from <= t && t < s.to);
            if !(*hit || covered || goal.exclude_windows && in_window(t)) {
                c.missing += 1;
            }
        }
    }
    if missing_policy == UptimeMissingProbe::Failed {
        c.failed += c.missing;
    }
    c
}

fn agreed_windows(facts: &Facts<'_>) -> Vec<Span> {
    let mut planned: BTreeMap<&str, (Span, bool)> = BTreeMap::new();
    for f in &facts.facts {
        match &*f.event {
            Event::ServiceWindowAnnounced(e) => {
                planned.insert(
                    &e.window_id,
                    (
                        Span::new(e.planned_start.millis(), e.planned_end.millis()),
                        false,
                    ),
                );
            }
            Event::ServiceWindowCancelled(e) => {
                if let Some(w) = planned.get_mut(e.window_id.as_str()) {
                    w.1 |= e.at.millis() < w.0.from;
                }
            }
            _ => {}
        }
    }
    intervals::union(
        planned
            .into_values()
            .filter(|(_, c)| !c)
            .map(|(s, _)| s)
            .collect(),
    )
}

/// The uptime line of one goal.
pub fn uptime_line(g: &UptimeGoal, c: UptimeCounts) -> GoalLine {
    let den = c.ok + c.failed;
    let pct = crate::bilag6::round_half_up(i128::from(c.ok) * 10_000, i128::from(den.max(1)));
    GoalLine::plain(
        format!("vdx.uptime.{}", g.id),
        (g.label.clone(), format!("uptime ({})", g.id)),
        "VDX driftsrapport (SPEC §7.2)",
        Figure::Percent { num: c.ok, den },
        format!("≥ {} %", g.target.display()),
        vec![
            ("n", den),
            ("within", c.ok),
            ("failed", c.failed),
            ("missing", c.missing),
            ("in_windows", c.in_windows),
        ],
        if den == 0 {
            Verdict::Pending
        } else if pct >= g.target.0 {
            Verdict::Met
        } else {
            Verdict::NotMet
        },
    )
}

/// The value recorded for counter `c` in month `m` (the latest recording),
/// with its event.
pub fn counter_value(facts: &Facts<'_>, c: &Counter, m: Month) -> Option<(String, EventRef)> {
    facts
        .facts
        .iter()
        .filter_map(|f| match &*f.event {
            Event::UsageMetricObserved(e) if e.metric_id == c.id && e.month == m => {
                Some((f.seq, e.value.to_string(), f.origin()))
            }
            _ => None,
        })
        .max_by_key(|(seq, _, _)| *seq)
        .map(|(_, v, r)| (v, r))
}

fn counter_line(facts: &Facts<'_>, c: &Counter, m: Month) -> GoalLine {
    let value = counter_value(facts, c, m);
    GoalLine::plain(
        format!("vdx.counter.{}", c.id),
        (c.label.clone(), format!("counter ({})", c.id)),
        "VDX driftsrapport (SPEC §7.3)",
        match &value {
            Some((v, _)) => Figure::Recorded(v.clone()),
            None => Figure::State("not recorded"),
        },
        "Ingen aftalt servicemål".into(),
        Vec::new(),
        Verdict::NoTarget,
    )
}

/// Computes month `m` of an uptime stream; `None` if no rule set governs it.
pub fn evaluate(facts: &Facts<'_>, ctx: &Context<'_>, m: Month) -> Option<MonthResult> {
    let rules = (ctx.rules_for)(m)?;
    let windows = agreed_windows(facts);
    let mut goals: Vec<GoalLine> = rules
        .uptime
        .iter()
        .map(|g| {
            uptime_line(
                g,
                counts(facts, g, m, ctx.policies.uptime_missing_probe, &windows),
            )
        })
        .collect();
    goals.extend(rules.counters.iter().map(|c| counter_line(facts, c, m)));
    let total = crate::bilag6::month_total(facts, ctx, rules, m, Tenths(0), None);
    Some(MonthResult {
        goals,
        open_clocks: Vec::new(),
        findings: Vec::new(),
        total,
    })
}
