//! The Bilag 7.2.A incident goals (SPEC §6.1-6.3): incident start,
//! effective and goal priority, reaction / escalation / resolution times by
//! the 90 % fractile (Tabel 7), notification N1-N4 (7.9.1) and the incident
//! report (7.10), for one month.
//!
//! The annex defines verdicts, not points: every goal line carries 0 points
//! unless a rule set maps verdicts to points (SPEC §10, not built yet).

use crate::bilag6::{
    Context, Figure, Finding, GoalLine, Limit, Measurement, MonthResult, OpenClock, Verdict,
};
use crate::calendar::{self, Calendar, OpeningHours, HOUR_MS, MINUTE_MS};
use crate::facts::{EventRef, Fact, Facts};
use crate::ruleset::{
    Attribution, Criticality, IncidentTimes, NotificationGoal, NotificationStart,
    OpsUpdateInterval, Policies, RuleSet, SmallSample, Target, Tenths, ThirdPartyStop,
    WorkaroundTime,
};
use slaledger_ledger::event::{Event, Id};
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::{
    DecisionRole, Environment, Month, NotifyChannel, Priority, PriorityRole, Responsible,
};
use std::collections::BTreeMap;

/// Priorities A-D as indices 0-3.
fn pidx(p: Priority) -> usize {
    match p {
        Priority::A => 0,
        Priority::B => 1,
        Priority::C => 2,
        Priority::D => 3,
    }
}

const P: [Priority; 4] = [Priority::A, Priority::B, Priority::C, Priority::D];

/// One incident's facts, grouped by kind (shared with `availability`).
#[derive(Default)]
pub(crate) struct Inc<'a> {
    pub(crate) opened: Option<&'a Fact<'a>>,
    pub(crate) reports: Vec<&'a Fact<'a>>,
    pub(crate) detections: Vec<&'a Fact<'a>>,
    pub(crate) should_have: Vec<&'a Fact<'a>>,
    pub(crate) priorities: Vec<&'a Fact<'a>>,
    pub(crate) downgrades: Vec<&'a Fact<'a>>,
    pub(crate) reactions: Vec<&'a Fact<'a>>,
    pub(crate) escalations: Vec<&'a Fact<'a>>,
    pub(crate) notified: Vec<&'a Fact<'a>>,
    pub(crate) published: Vec<&'a Fact<'a>>,
    pub(crate) workarounds: Vec<&'a Fact<'a>>,
    pub(crate) approvals: Vec<&'a Fact<'a>>,
    pub(crate) impossibility: Vec<&'a Fact<'a>>,
    pub(crate) resolutions: Vec<&'a Fact<'a>>,
    pub(crate) reopenings: Vec<&'a Fact<'a>>,
    pub(crate) responsibility: Vec<&'a Fact<'a>>,
    pub(crate) report_delivered: Vec<&'a Fact<'a>>,
    pub(crate) delays: Vec<&'a Fact<'a>>,
    /// The start moved to a non-redundant state (`non_redundant_start =
    /// incident`, SPEC §6.6.7).
    pub(crate) moved_start: Option<(Instant, &'a Fact<'a>)>,
    /// A failing control measurement this incident was created for (SPEC
    /// §6.9), and the next complete passing one that resolves it.
    pub(crate) control: Option<ControlLink<'a>>,
}

/// The control measurements that start and end an incident (SPEC §6.9).
#[derive(Clone, Copy)]
pub(crate) struct ControlLink<'a> {
    /// The failing measurement.
    pub(crate) failing: &'a Fact<'a>,
    /// The next complete, passing measurement of the same design, if any.
    pub(crate) resolution: Option<&'a Fact<'a>>,
}

fn first<'a>(v: &[&'a Fact<'a>]) -> Option<&'a Fact<'a>> {
    v.iter().min_by_key(|f| (f.at, f.seq)).copied()
}

pub(crate) fn collect<'a>(facts: &'a Facts<'a>) -> BTreeMap<&'a str, Inc<'a>> {
    let mut m: BTreeMap<&'a str, Inc<'a>> = BTreeMap::new();
    for f in &facts.facts {
        let (id, slot): (
            &str,
            for<'x> fn(&'x mut Inc<'a>) -> &'x mut Vec<&'a Fact<'a>>,
        ) = match &*f.event {
            Event::IncidentReported(e) => (&e.incident_id, |i| &mut i.reports),
            Event::IncidentDetected(e) => (&e.incident_id, |i| &mut i.detections),
            Event::ShouldHaveDetectedEstablished(e) => (&e.incident_id, |i| &mut i.should_have),
            Event::IncidentPrioritised(e) => (&e.incident_id, |i| &mut i.priorities),
            Event::PriorityDowngradeAgreed(e) => (&e.incident_id, |i| &mut i.downgrades),
            Event::ReactionRegistered(e) => (&e.incident_id, |i| &mut i.reactions),
            Event::EscalatedToThirdParty(e) => (&e.incident_id, |i| &mut i.escalations),
            Event::CustomerNotified(e) => (&e.incident_id, |i| &mut i.notified),
            Event::StatusPublished(e) => (&e.incident_id, |i| &mut i.published),
            Event::WorkaroundApplied(e) => (&e.incident_id, |i| &mut i.workarounds),
            Event::WorkaroundApproved(e) => (&e.incident_id, |i| &mut i.approvals),
            Event::ImpossibilityDocumented(e) => (&e.incident_id, |i| &mut i.impossibility),
            Event::IncidentResolved(e) => (&e.incident_id, |i| &mut i.resolutions),
            Event::IncidentReopened(e) => (&e.incident_id, |i| &mut i.reopenings),
            Event::IncidentReportDelivered(e) => (&e.incident_id, |i| &mut i.report_delivered),
            Event::SupplierDelayEstablished(e) => (&e.incident_id, |i| &mut i.delays),
            Event::ResponsibilityDecided(e) => match &e.incident_id {
                Some(id) => (id, |i| &mut i.responsibility),
                None => continue,
            },
            _ => continue,
        };
        let inc = m.entry(id).or_default();
        if inc.opened.is_none()
            && matches!(
                &*f.event,
                Event::IncidentReported(_) | Event::IncidentDetected(_)
            )
        {
            inc.opened = Some(f);
        }
        slot(inc).push(f);
    }
    m
}

impl<'a> Inc<'a> {
    /// Incident start (SPEC §6.1.2): the earliest of the first report, the
    /// detection and every should-have-detected instant; with the fact.
    pub(crate) fn start(&self) -> Option<(Instant, &'a Fact<'a>)> {
        let mut best: Option<(Instant, &'a Fact<'a>)> = self.moved_start;
        for f in self.reports.iter().chain(&self.detections) {
            if best.is_none_or(|b| f.at < b.0) {
                best = Some((f.at, f));
            }
        }
        for f in &self.should_have {
            if let Event::ShouldHaveDetectedEstablished(e) = &*f.event {
                if best.is_none_or(|b| e.should_have_detected_at < b.0) {
                    best = Some((e.should_have_detected_at, f));
                }
            }
        }
        best
    }

    pub(crate) fn environment(&self) -> Environment {
        match self.opened.map(|f| &*f.event) {
            Some(Event::IncidentReported(e)) => e.environment,
            Some(Event::IncidentDetected(e)) => e.environment.unwrap_or(Environment::Production),
            _ => Environment::Production,
        }
    }

    fn record_created(&self) -> Option<Instant> {
        self.reports.iter().find_map(|f| match &*f.event {
            Event::IncidentReported(e) => e.record_created_at,
            _ => None,
        })
    }

    /// The category floor of 7.3-7.5 from the integrations and batch jobs
    /// the opening event names; uncategorised ones are critical.
    fn floor(&self, rules: &RuleSet) -> Option<Priority> {
        let (ints, jobs): (&[Id], &[Id]) = match self.opened.map(|f| &*f.event) {
            Some(Event::IncidentReported(e)) => (&e.integrations, &e.batch_jobs),
            Some(Event::IncidentDetected(e)) => (&e.integrations, &e.batch_jobs),
            _ => (&[], &[]),
        };
        let crit = |m: &BTreeMap<String, Criticality>, n: &Id| {
            m.get(n.as_str()).copied().unwrap_or(Criticality::Critical)
        };
        let count = |c: Criticality| {
            (
                ints.iter()
                    .filter(|n| crit(&rules.integrations, n) == c)
                    .count(),
                jobs.iter()
                    .filter(|n| crit(&rules.batch_jobs, n) == c)
                    .count(),
            )
        };
        let (ci, cj) = count(Criticality::Critical);
        let (ii, ij) = count(Criticality::Important);
        let (li, lj) = count(Criticality::LessImportant);
        if ci >= 1 || cj >= 1 || ii >= 3 {
            Some(Priority::A)
        } else if ii >= 1 || ij >= 1 || li >= 3 {
            Some(Priority::B)
        } else if li >= 1 || lj >= 1 {
            Some(Priority::C)
        } else {
            None
        }
    }

    /// Effective priority (SPEC §6.1.3) and the facts that fixed it.
    pub(crate) fn priority(
        &self,
        rules: &RuleSet,
        findings: &mut Vec<Finding>,
        id: &str,
    ) -> (Priority, Vec<EventRef>) {
        // 1. The latest customer decision, settlement or agreed downgrade.
        let mut decided: Option<(u64, Priority, &Fact<'_>)> = None;
        for f in &self.priorities {
            if let Event::IncidentPrioritised(e) = &*f.event {
                if matches!(
                    e.role,
                    PriorityRole::CustomerDecision | PriorityRole::Settlement
                ) && decided.is_none_or(|d| d.0 < f.seq)
                {
                    decided = Some((f.seq, e.priority, f));
                }
            }
        }
        for f in &self.downgrades {
            if let Event::PriorityDowngradeAgreed(e) = &*f.event {
                if decided.is_none_or(|d| d.0 < f.seq) {
                    decided = Some((f.seq, e.to, f));
                }
            }
        }
        let floor = self.floor(rules);
        if let Some((_, p, f)) = decided {
            if let (Some(fl), Event::PriorityDowngradeAgreed(_)) = (floor, &*f.event) {
                if pidx(p) > pidx(fl) + 1 {
                    findings.push(Finding {
                        kind: "downgrade_beyond_one_level",
                        text: format!(
                            "incident `{id}` was downgraded to {} although its category floor is {} (7.4, 7.5 allow one level)",
                            p.as_str(),
                            fl.as_str()
                        ),
                        events: f.refs(),
                    });
                }
            }
            return (p, f.refs());
        }
        // 2. The higher of the supplier's latest proposal and the floor.
        let mut proposed: Option<(u64, Priority, Vec<EventRef>)> = None;
        for f in &self.priorities {
            if let Event::IncidentPrioritised(e) = &*f.event {
                if e.role == PriorityRole::SupplierProposal
                    && proposed.as_ref().is_none_or(|d| d.0 < f.seq)
                {
                    proposed = Some((f.seq, e.priority, f.refs()));
                }
            }
        }
        if proposed.is_none() {
            for f in self.reports.iter().chain(&self.detections) {
                let p = match &*f.event {
                    Event::IncidentReported(e) => e.proposed_priority,
                    Event::IncidentDetected(e) => e.proposed_priority,
                    _ => None,
                };
                if let Some(p) = p {
                    if proposed.as_ref().is_none_or(|d| d.0 < f.seq) {
                        proposed = Some((f.seq, p, f.refs()));
                    }
                }
            }
        }
        match (proposed, floor) {
            (Some((_, p, refs)), Some(fl)) if pidx(fl) < pidx(p) => {
                // The floor wins: the opening event names the integrations
                // and batch jobs; the overruled proposal stays in the trace.
                let mut r = self.opened.map(|f| f.refs()).unwrap_or_default();
                r.extend(refs);
                (fl, r)
            }
            (Some((_, p, refs)), _) => (p, refs),
            (None, Some(fl)) => (fl, self.opened.map(|f| f.refs()).unwrap_or_default()),
            (None, None) => {
                findings.push(Finding {
                    kind: "incident_without_priority",
                    text: format!("incident `{id}` has no priority proposal; it is measured as D"),
                    events: self.opened.map(|f| f.refs()).unwrap_or_default(),
                });
                (Priority::D, Vec::new())
            }
        }
    }

    /// Every priority the incident has held (SPEC §6.4.2): proposals,
    /// decisions, both ends of agreed downgrades, and the category floor.
    fn every_priority(&self, rules: &RuleSet) -> Vec<Priority> {
        let mut v: Vec<Priority> = self.floor(rules).into_iter().collect();
        for f in self
            .priorities
            .iter()
            .chain(&self.downgrades)
            .chain(&self.reports)
            .chain(&self.detections)
        {
            match &*f.event {
                Event::IncidentPrioritised(e) => v.push(e.priority),
                Event::PriorityDowngradeAgreed(e) => v.extend([e.from, e.to]),
                Event::IncidentReported(e) => v.extend(e.proposed_priority),
                Event::IncidentDetected(e) => v.extend(e.proposed_priority),
                _ => {}
            }
        }
        v
    }

    /// The actual resolution: the first resolution after the last reopening
    /// (as for Bilag 6, see `bilag6`).
    pub(crate) fn resolved(&self) -> Option<&'a Fact<'a>> {
        // SPEC §6.9: a failing-measurement incident ends with the next
        // complete passing measurement, whatever "resolved" fact is recorded.
        if let Some(link) = self.control {
            return link.resolution;
        }
        let last_reopen = self.reopenings.iter().map(|f| (f.at, f.seq)).max();
        self.resolutions
            .iter()
            .filter(|f| last_reopen.is_none_or(|r| (f.at, f.seq) > r))
            .min_by_key(|f| (f.at, f.seq))
            .copied()
    }

    /// The third party a responsibility decision (customer decision or
    /// settlement) names, if any; and whether one names the supplier.
    /// The decisions that count (customer decisions and settlements).
    pub(crate) fn responsibility_refs(&self) -> Vec<EventRef> {
        self.responsibility
            .iter()
            .filter(|f| {
                matches!(&*f.event, Event::ResponsibilityDecided(e) if e.role != DecisionRole::Claim)
            })
            .flat_map(|f| f.refs())
            .collect()
    }

    pub(crate) fn responsibility(&self) -> (Option<String>, bool) {
        let mut third = None;
        let mut supplier = false;
        for f in &self.responsibility {
            if let Event::ResponsibilityDecided(e) = &*f.event {
                if e.role == DecisionRole::Claim {
                    continue;
                }
                match e.responsible {
                    Responsible::Supplier => supplier = true,
                    Responsible::OtherSupplier => {
                        third = e.other_supplier.as_ref().map(|s| s.to_string())
                    }
                    _ => {}
                }
            }
        }
        (third, supplier)
    }

    /// The escalation deadline of 7.7.3 (the instant the escalation target
    /// was reached, in the third party's opening hours) and the escalation
    /// instant, for an incident escalated to or decided against a third party.
    pub(crate) fn escalation_deadline(
        &self,
        rules: &RuleSet,
    ) -> Option<(Instant, Option<Instant>)> {
        let times = rules.b72a.incident_times.as_ref()?;
        let (start, _) = self.start()?;
        let (tp_named, _) = self.responsibility();
        let esc = first(&self.escalations);
        let tp_id = esc
            .and_then(|f| match &*f.event {
                Event::EscalatedToThirdParty(e) => Some(e.third_party.to_string()),
                _ => None,
            })
            .or(tp_named)?;
        let default_tp = OpeningHours::weekdays_8_16();
        let hours = rules
            .third_parties
            .get(&tp_id)
            .map(|t| &t.opening_hours)
            .unwrap_or(&default_tp);
        let cal = &rules.calendar;
        let from = hours.next_opening(cal, start).unwrap_or(start);
        let mut scratch = Vec::new();
        let (eff, _) = self.priority(rules, &mut scratch, "");
        let goal_p = if self.environment() != Environment::Production && pidx(eff) <= 1 {
            Priority::C
        } else {
            eff
        };
        let target = times.targets[pidx(goal_p)][1];
        let (_, _, deadline) = measure(target, cal, Some((hours, from)), start, start);
        Some((deadline?, esc.map(|f| f.at)))
    }

    /// The resolution stop (SPEC §6.2.1) with the facts behind it.
    fn resolution_stop(
        &self,
        pol: Policies,
        third_party: bool,
    ) -> Option<(Instant, Vec<EventRef>)> {
        let mut best: Option<(Instant, Vec<EventRef>)> = self.resolved().map(|f| (f.at, f.refs()));
        let mut consider = |t: Instant, refs: Vec<EventRef>| {
            if best.as_ref().is_none_or(|b| t < b.0) {
                best = Some((t, refs));
            }
        };
        // A complete workaround counts only with KOMBIT's approval.
        if let Some(approval) = first(&self.approvals) {
            let complete = self
                .workarounds
                .iter()
                .filter(|f| matches!(&*f.event, Event::WorkaroundApplied(w) if w.complete));
            if let Some(w) = complete.min_by_key(|f| (f.at, f.seq)) {
                let mut refs = w.refs();
                refs.extend(approval.refs());
                match pol.workaround_resolution_time {
                    WorkaroundTime::Applied => consider(w.at, refs),
                    WorkaroundTime::Approved => consider(approval.at, refs),
                }
            }
        }
        if third_party && pol.third_party_resolution_stop == ThirdPartyStop::EarliestMitigation {
            for w in &self.workarounds {
                if let Event::WorkaroundApplied(e) = &*w.event {
                    if let Some(c) = e.communicated_at {
                        consider(c, w.refs());
                    }
                }
            }
            if let Some(d) = first(&self.impossibility) {
                consider(d.at, d.refs());
            }
        }
        best
    }
}

/// The k of the nearest-rank fractile: ⌈percent × n / 100⌉.
pub fn fractile_rank(percent: u32, n: usize) -> usize {
    (percent as usize * n).div_ceil(100)
}

/// Working days used (SPEC §6.2.2): the smallest j ≥ 1 with
/// `stop ≤ start advanced j Arbejdsdage`.
pub fn working_days_used(cal: &Calendar, start: Instant, stop: Instant) -> i64 {
    let d1 = calendar::arbejdsdage_deadline(cal, start, 1);
    if stop <= d1.instant() {
        1
    } else {
        1 + calendar::started_arbejdsdage_late(cal, &d1, stop)
    }
}

/// One measured value against a target, with the deadline it implies.
fn measure(
    target: Target,
    cal: &Calendar,
    hours: Option<(&OpeningHours, Instant)>,
    start: Instant,
    stop: Instant,
) -> (i64, bool, Option<Instant>) {
    match (target, hours) {
        (Target::Duration(ms), None) => {
            let v = (stop.millis() - start.millis()).max(0);
            (v, v <= ms, Some(start.saturating_add_millis(ms)))
        }
        (Target::Duration(ms), Some((h, _))) => {
            let v = h.opening_time(cal, start, stop);
            (v, v <= ms, h.add_opening_time(cal, start, ms))
        }
        (Target::Dage(n), _) => {
            let d = calendar::add_dage(start, n);
            ((stop.millis() - start.millis()).max(0), stop <= d, Some(d))
        }
        (Target::Arbejdsdage(n), hours) => {
            let from = hours.map(|(_, s)| s).unwrap_or(start);
            let j = working_days_used(cal, from, stop);
            let d = calendar::arbejdsdage_deadline(cal, from, n).instant();
            (j, j <= i64::from(n), Some(d))
        }
    }
}

struct Item {
    priority: usize,
    m: Measurement,
}

use crate::bilag6::{all_within_line, attributed_month as month_of};

/// The month a goal family evaluates, shared by all of them.
struct Window<'a> {
    rules: &'a RuleSet,
    facts: &'a Facts<'a>,
    pol: Policies,
    m: Month,
    start: Instant,
    end: Instant,
    eval: Instant,
}

/// What the goal families produce.
struct Out<'o> {
    goals: &'o mut Vec<GoalLine>,
    open: &'o mut Vec<OpenClock>,
    findings: &'o mut Vec<Finding>,
}

/// Computes month `m` of a Bilag 7.2.A stream; `None` if no rule set governs it.
pub fn evaluate(facts: &Facts<'_>, ctx: &Context<'_>, m: Month) -> Option<MonthResult> {
    evaluate_inner(facts, ctx, m, true)
}

fn evaluate_inner(
    all_facts: &Facts<'_>,
    ctx: &Context<'_>,
    m: Month,
    with_yearly_cap: bool,
) -> Option<MonthResult> {
    // Only the probe rules read samples; every other family reads the lean view.
    let lean = all_facts.without_probe_samples();
    let facts = &lean;
    let rules = (ctx.rules_for)(m)?;
    let pol = ctx.policies;
    let eval = ctx.eval;
    let (m_start, m_end) = calendar::month_bounds(m);
    let cal = &rules.calendar;
    let mut incs = collect(facts);
    if pol.non_redundant_start() == crate::ruleset::NonRedundantStart::Incident {
        crate::availability::move_incident_starts(&mut incs, facts, rules);
    }
    if let Some(g) = &rules.b72a.response_times {
        crate::probes::link_control_measurements(&mut incs, facts, g);
    }
    let incs = incs;
    let mut findings = Vec::new();
    let mut open = Vec::new();
    let mut times: [Vec<Item>; 3] = Default::default();
    let mut notes: [Vec<Measurement>; 4] = Default::default();
    let mut reports = Vec::new();
    let default_tp = OpeningHours::weekdays_8_16();
    for (id, inc) in &incs {
        let Some((start, start_fact)) = inc.start() else {
            continue;
        };
        if start >= m_end {
            continue;
        }
        let (eff, prio_refs) = inc.priority(rules, &mut findings, id);
        let env = inc.environment();
        let goal_p = if env != Environment::Production && pidx(eff) <= 1 {
            Priority::C
        } else {
            eff
        };
        let mut base_refs = start_fact.refs();
        base_refs.extend(prio_refs);
        let (tp_named, supplier_resp) = inc.responsibility();
        // SPEC §8.2: the trace names the responsibility decisions too.
        base_refs.extend(inc.responsibility_refs());
        let resolution = inc.resolution_stop(pol, tp_named.is_some());
        if let Some(t) = &rules.b72a.incident_times {
            // Reaction (7.7.1) and resolution (7.7.2): 24/7.
            let reaction = first(&inc.reactions).map(|f| (f.at, f.refs()));
            for (mi, stop) in [(0usize, reaction), (2, resolution.clone())] {
                let target = t.targets[pidx(goal_p)][mi];
                clock(
                    &mut times[mi],
                    &mut open,
                    target,
                    cal,
                    None,
                    start,
                    stop,
                    &base_refs,
                    id,
                    goal_p,
                    pol.attribution,
                    m,
                    (m_start, m_end),
                    eval,
                    MEASURES[mi],
                );
            }
            // Escalation (7.7.3): within the third party's opening hours.
            let esc = first(&inc.escalations);
            let tp_id = esc
                .and_then(|f| match &*f.event {
                    Event::EscalatedToThirdParty(e) => Some(e.third_party.to_string()),
                    _ => None,
                })
                .or(tp_named.clone());
            let measured =
                (esc.is_some() && !supplier_resp) || (esc.is_none() && tp_named.is_some());
            if measured {
                let hours = tp_id
                    .as_ref()
                    .and_then(|t| rules.third_parties.get(t))
                    .map(|t| &t.opening_hours)
                    .unwrap_or(&default_tp);
                let from = hours.next_opening(cal, start).unwrap_or(start);
                let target = t.targets[pidx(goal_p)][1];
                clock(
                    &mut times[1],
                    &mut open,
                    target,
                    cal,
                    Some((hours, from)),
                    start,
                    esc.map(|f| (f.at, f.refs())),
                    &base_refs,
                    id,
                    goal_p,
                    pol.attribution,
                    m,
                    (m_start, m_end),
                    eval,
                    MEASURES[1],
                );
            }
        }
        if pidx(eff) <= 1 {
            let actual = inc.resolved().map(|f| (f.at, f.refs()));
            if let Some(n) = &rules.b72a.notification {
                notifications(
                    n,
                    inc,
                    pol,
                    start,
                    actual.clone(),
                    &base_refs,
                    id,
                    m,
                    (m_start, m_end),
                    eval,
                    &mut notes,
                    &mut open,
                );
            }
            if let Some(goal) = &rules.b72a.incident_report {
                if let Some((r, r_refs)) = actual {
                    incident_report(
                        cal,
                        goal.dage,
                        inc,
                        r,
                        r_refs,
                        id,
                        pol.attribution,
                        m,
                        (m_start, m_end),
                        eval,
                        &mut reports,
                        &mut open,
                    );
                }
            }
        }
    }
    let mut goals = Vec::new();
    if let Some(t) = &rules.b72a.incident_times {
        for (mi, items) in times.into_iter().enumerate() {
            let mut per: [Vec<Measurement>; 4] = Default::default();
            for it in items {
                per[it.priority].push(it.m);
            }
            for (pi, pop) in per.into_iter().enumerate() {
                goals.push(fractile_line(t, pol.small_sample_max_late, mi, pi, pop));
            }
        }
    }
    if let Some(n) = &rules.b72a.notification {
        for (i, pop) in notes.into_iter().enumerate() {
            goals.push(all_within_line(
                NOTE_GOALS[i],
                notice_target(n, pol, i),
                pop,
            ));
        }
    }
    if let Some(r) = &rules.b72a.incident_report {
        goals.push(all_within_line(
            (
                "b72a.incident_report",
                "Incidentrapport (7.10)",
                "incident report (7.10)",
                "Bilag 7.2.A 7.10",
            ),
            format!(
                "≤ {} Dage after resolution (12:00 next Arbejdsdag after three closed days)",
                r.dage
            ),
            reports,
        ));
    }
    let w = Window {
        rules,
        facts,
        pol,
        m,
        start: m_start,
        end: m_end,
        eval,
    };
    let mut out = Out {
        goals: &mut goals,
        open: &mut open,
        findings: &mut findings,
    };
    if let Some(sd) = &rules.b72a.service_desk {
        service_desk(sd, &w, &mut out);
    }
    if let Some(sr) = &rules.b72a.service_requests {
        service_requests(sr, &w, &mut out);
    }
    operations(&w, &mut out);
    if rules.b72a.problems.is_some() || rules.b72a.rca.is_some() {
        problems(&w, &incs, &mut out);
    }
    if let Some(goal) = &rules.b72a.availability {
        let windows = crate::windows::collect(facts, cal, pol.window_clock());
        out.findings
            .extend(crate::windows::findings(&windows, m_start, m_end, eval));
        let ds = crate::availability::disruptions(&incs, facts, rules, &pol, eval, out.findings);
        let linked: Vec<u64> = incs
            .values()
            .filter_map(|i| i.control.map(|c| c.failing.seq))
            .collect();
        let x = crate::availability::Inputs {
            goal,
            linked: &linked,
            ds: &ds,
            windows: &windows,
            pol: &pol,
            m,
            eval,
            probes: rules
                .b72a
                .response_times
                .as_ref()
                .map(|g| (g, all_facts, facts)),
        };
        let lines = crate::availability::lines(&x, out.findings);
        out.goals.extend(lines);
    }
    open.sort_by(|a, b| (a.start, &a.object, &a.goal).cmp(&(b.start, &b.object, &b.goal)));
    // The penalty mapping (SPEC §10): points for a goal not met this month.
    for g in &mut goals {
        if g.verdict == Verdict::NotMet {
            if let Some(p) = rules.penalties.get(g.goal.as_ref()) {
                g.points = *p;
            }
        }
    }
    let points = Tenths(goals.iter().map(|g| g.points.0).sum());
    let earlier = |mm: Month| evaluate_inner(all_facts, ctx, mm, false).map(|r| r.total.points);
    let total = crate::bilag6::month_total(
        facts,
        ctx,
        rules,
        m,
        points,
        with_yearly_cap.then_some(&earlier as &dyn Fn(Month) -> Option<Tenths>),
    );
    Some(MonthResult {
        goals,
        open_clocks: open,
        findings,
        total,
    })
}

const MEASURES: [&str; 3] = ["reaction", "escalation", "resolution"];

#[allow(clippy::too_many_arguments)]
fn clock(
    out: &mut Vec<Item>,
    open: &mut Vec<OpenClock>,
    target: Target,
    cal: &Calendar,
    hours: Option<(&OpeningHours, Instant)>,
    start: Instant,
    stop: Option<(Instant, Vec<EventRef>)>,
    base_refs: &[EventRef],
    id: &str,
    goal_p: Priority,
    a: Attribution,
    m: Month,
    (_m_start, m_end): (Instant, Instant),
    eval: Instant,
    measure_name: &'static str,
) {
    let goal = goal_id(measure_name, goal_p);
    match stop {
        Some((t, refs)) => {
            if month_of(a, start, t) != m {
                // Still running at the end of m (stop_month)? Then it is open in m.
                if a == Attribution::StopMonth && t >= m_end && start < m_end {
                    let (_, _, d) = measure(target, cal, hours, start, t);
                    open.push(open_clock(
                        goal, id, start, d, m_end, eval, base_refs, cal, hours, target,
                    ));
                }
                return;
            }
            let (v, within, deadline) = measure(target, cal, hours, start, t);
            let mut events = base_refs.to_vec();
            events.extend(refs);
            events.sort();
            events.dedup();
            let (value_ms, units, unit, limit) = match target {
                Target::Duration(ms) => (Some(v), 0, "", Limit::Duration { ms, strict: false }),
                Target::Dage(_) => (Some(v), 0, "", Limit::Deadline(deadline.unwrap_or(start))),
                Target::Arbejdsdage(_) => (
                    None,
                    v,
                    "Arbejdsdage used",
                    Limit::Deadline(deadline.unwrap_or(start)),
                ),
            };
            out.push(Item {
                priority: pidx(goal_p),
                m: Measurement {
                    object: id.to_owned(),
                    category: None,
                    start,
                    stop: Some(t),
                    value_ms,
                    limit,
                    deadline,
                    within,
                    units_over: units,
                    unit,
                    points: Tenths(0),
                    events,
                    state: None,
                },
            });
        }
        None => {
            if start < m_end {
                let (_, _, d) = measure(target, cal, hours, start, start);
                open.push(open_clock(
                    goal, id, start, d, m_end, eval, base_refs, cal, hours, target,
                ));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn open_clock(
    goal: &'static str,
    id: &str,
    start: Instant,
    deadline: Option<Instant>,
    m_end: Instant,
    eval: Instant,
    refs: &[EventRef],
    cal: &Calendar,
    hours: Option<(&OpeningHours, Instant)>,
    target: Target,
) -> OpenClock {
    let elapsed = |t: Instant| match (target, hours) {
        (Target::Duration(_), Some((h, _))) => h.opening_time(cal, start, t),
        _ => (t.millis() - start.millis()).max(0),
    };
    OpenClock {
        goal: goal.into(),
        object: id.to_owned(),
        category: None,
        start,
        deadline,
        elapsed_month_end_ms: elapsed(eval.min(m_end)),
        elapsed_eval_ms: elapsed(eval),
        overdue: deadline.is_some_and(|d| d < eval),
        points_if_stopped_now: None,
        state: "running",
        events: refs.to_vec(),
    }
}

fn goal_id(measure: &str, p: Priority) -> &'static str {
    match (measure, p) {
        ("reaction", Priority::A) => "b72a.reaction.A",
        ("reaction", Priority::B) => "b72a.reaction.B",
        ("reaction", Priority::C) => "b72a.reaction.C",
        ("reaction", Priority::D) => "b72a.reaction.D",
        ("escalation", Priority::A) => "b72a.escalation.A",
        ("escalation", Priority::B) => "b72a.escalation.B",
        ("escalation", Priority::C) => "b72a.escalation.C",
        ("escalation", Priority::D) => "b72a.escalation.D",
        ("resolution", Priority::A) => "b72a.resolution.A",
        ("resolution", Priority::B) => "b72a.resolution.B",
        ("resolution", Priority::C) => "b72a.resolution.C",
        _ => "b72a.resolution.D",
    }
}

fn fractile_line(
    t: &IncidentTimes,
    small: SmallSample,
    mi: usize,
    pi: usize,
    mut pop: Vec<Measurement>,
) -> GoalLine {
    let target = t.targets[pi][mi];
    let value = |m: &Measurement| m.value_ms.unwrap_or(m.units_over);
    pop.sort_by(|a, b| (a.start, &a.object).cmp(&(b.start, &b.object)));
    let mut values: Vec<i64> = pop.iter().map(value).collect();
    values.sort_unstable();
    let n = values.len();
    let k = fractile_rank(t.percent, n);
    let over = pop.iter().filter(|m| !m.within).count();
    let met = match small {
        SmallSample::Below(nn, kk) if (n as u32) < nn => over as u32 <= kk,
        _ => n == 0 || pop_within_at_rank(&pop, &values, k, target),
    };
    let deciding = if n == 0 { 0 } else { values[k - 1] };
    let mut sorted: Vec<(i64, String)> = pop.iter().map(|m| (value(m), m.object.clone())).collect();
    sorted.sort();
    let (label_da, label_en) = TIME_LABELS[mi][pi];
    GoalLine {
        goal: (goal_id(MEASURES[mi], P[pi])).into(),
        label_da: label_da.into(),
        label_en: label_en.into(),
        source: "Bilag 7.2.A 7.7, Tabel 7",
        figure: Figure::Fractile {
            deciding,
            sorted,
            unit: match target {
                Target::Duration(_) | Target::Dage(_) => "ms",
                Target::Arbejdsdage(_) => "Arbejdsdage used",
            },
        },
        target: format!("{} % fractile ≤ {}", t.percent, target.text()),
        counts: vec![("n", n as i64), ("rank", k as i64), ("over", over as i64)],
        verdict: if met { Verdict::Met } else { Verdict::NotMet },
        shortfall: None,
        critical: false,
        points: Tenths(0),
        population: pop,
    }
}

/// Whether the k-th smallest value meets the target (Tabel 7 targets are
/// durations or Arbejdsdage; a rule set cannot give Dage there).
fn pop_within_at_rank(_pop: &[Measurement], values: &[i64], k: usize, target: Target) -> bool {
    let v = values[k - 1];
    match target {
        Target::Duration(ms) => v <= ms,
        Target::Arbejdsdage(n) | Target::Dage(n) => v <= i64::from(n),
    }
}

/// Danish and English labels of the 12 fractile goals, `[measure][priority]`.
const TIME_LABELS: [[(&str, &str); 4]; 3] = [
    [
        ("Reaktionstid, prioritet A", "reaction time, priority A"),
        ("Reaktionstid, prioritet B", "reaction time, priority B"),
        ("Reaktionstid, prioritet C", "reaction time, priority C"),
        ("Reaktionstid, prioritet D", "reaction time, priority D"),
    ],
    [
        ("Eskaleringstid, prioritet A", "escalation time, priority A"),
        ("Eskaleringstid, prioritet B", "escalation time, priority B"),
        ("Eskaleringstid, prioritet C", "escalation time, priority C"),
        ("Eskaleringstid, prioritet D", "escalation time, priority D"),
    ],
    [
        ("Løsningstid, prioritet A", "resolution time, priority A"),
        ("Løsningstid, prioritet B", "resolution time, priority B"),
        ("Løsningstid, prioritet C", "resolution time, priority C"),
        ("Løsningstid, prioritet D", "resolution time, priority D"),
    ],
];

const NOTE_GOALS: [(&str, &str, &str, &str); 4] = [
    (
        "b72a.notify.N1",
        "N1: KOMBITs driftschef orienteret",
        "N1: operations manager notified",
        "Bilag 7.2.A 7.9.1",
    ),
    (
        "b72a.notify.N2",
        "N2: brugere og interessenter orienteret",
        "N2: users and stakeholders informed",
        "Bilag 7.2.A 7.9.1",
    ),
    (
        "b72a.notify.N3",
        "N3: opdatering til driftschef",
        "N3: operations manager updates",
        "Bilag 7.2.A 7.9.1",
    ),
    (
        "b72a.notify.N4",
        "N4: opdatering til brugere og interessenter",
        "N4: user and stakeholder updates",
        "Bilag 7.2.A 7.9.1",
    ),
];

fn notice_target(n: &NotificationGoal, pol: Policies, i: usize) -> String {
    match i {
        0 | 1 => format!("≤ {} min", n.initial_minutes),
        2 if pol.ops_update_interval == OpsUpdateInterval::OneHour => "every interval ≤ 1 h".into(),
        _ => format!("every interval ≤ {} h", n.update_hours),
    }
}

#[allow(clippy::too_many_arguments)]
fn notifications(
    n: &NotificationGoal,
    inc: &Inc<'_>,
    pol: Policies,
    start: Instant,
    resolved: Option<(Instant, Vec<EventRef>)>,
    base: &[EventRef],
    id: &str,
    m: Month,
    (_m_start, m_end): (Instant, Instant),
    eval: Instant,
    out: &mut [Vec<Measurement>; 4],
    open: &mut Vec<OpenClock>,
) {
    let s = match pol.notification_clock_start {
        NotificationStart::IncidentStart => start,
        NotificationStart::RecordCreated => inc.record_created().unwrap_or(start),
    };
    let limit = i64::from(n.initial_minutes) * MINUTE_MS;
    let update_ms = [
        if pol.ops_update_interval == OpsUpdateInterval::OneHour {
            HOUR_MS
        } else {
            i64::from(n.update_hours) * HOUR_MS
        },
        i64::from(n.update_hours) * HOUR_MS,
    ];
    // Successful notices to the operations manager; every status publication.
    let ops: Vec<&Fact<'_>> = inc
        .notified
        .iter()
        .filter(|f| match &*f.event {
            Event::CustomerNotified(e) => e.channel != NotifyChannel::Phone || e.reached,
            _ => false,
        })
        .copied()
        .collect();
    let pubs: Vec<&Fact<'_>> = inc.published.clone();
    for (chain, facts) in [(0usize, ops), (1, pubs)] {
        let mut facts = facts;
        facts.sort_by_key(|f| (f.at, f.seq));
        let initial = facts.first().copied();
        let goal = NOTE_GOALS[chain].0;
        let item = |from: Instant,
                    to: Instant,
                    lim: i64,
                    missing: bool,
                    refs: Vec<EventRef>,
                    what: String| {
            let v = (to.millis() - from.millis()).max(0);
            Measurement {
                object: what,
                category: None,
                start: from,
                stop: Some(to),
                value_ms: Some(v),
                limit: Limit::Duration {
                    ms: lim,
                    strict: false,
                },
                deadline: Some(from.saturating_add_millis(lim)),
                within: !missing && v <= lim,
                units_over: 0,
                unit: "",
                points: Tenths(0),
                events: refs,
                state: missing.then_some("missing"),
            }
        };
        let counts_in = |t: Instant| month_of(pol.attribution, s, t) == m;
        match initial {
            Some(f0) => {
                let mut refs = base.to_vec();
                refs.extend(f0.refs());
                if counts_in(f0.at) {
                    out[chain].push(item(s, f0.at, limit, false, refs, id.to_owned()));
                }
                // The update chain t0, t1..tm (before the resolution), r.
                let Some((r, r_refs)) = resolved.clone() else {
                    continue;
                };
                let mut prev = f0;
                let mut k = 0;
                for f in facts.iter().skip(1).filter(|f| f.at < r) {
                    k += 1;
                    if counts_in(f.at) {
                        out[chain + 2].push(item(
                            prev.at,
                            f.at,
                            update_ms[chain],
                            false,
                            f.refs(),
                            format!("{id} update {k}"),
                        ));
                    }
                    prev = f;
                }
                if counts_in(r) && r > prev.at {
                    out[chain + 2].push(item(
                        prev.at,
                        r,
                        update_ms[chain],
                        false,
                        r_refs,
                        format!("{id} to resolution"),
                    ));
                }
            }
            None => match resolved.clone() {
                // Resolved without any notice: a missing measurement.
                Some((r, refs)) => {
                    if counts_in(r) {
                        out[chain].push(item(s, r, limit, true, refs, id.to_owned()));
                    }
                }
                None => {
                    if s < m_end {
                        open.push(OpenClock {
                            goal: goal.into(),
                            object: id.to_owned(),
                            category: None,
                            start: s,
                            deadline: Some(s.saturating_add_millis(limit)),
                            elapsed_month_end_ms: (eval.min(m_end).millis() - s.millis()).max(0),
                            elapsed_eval_ms: (eval.millis() - s.millis()).max(0),
                            overdue: s.saturating_add_millis(limit) < eval,
                            points_if_stopped_now: None,
                            state: "running",
                            events: base.to_vec(),
                        });
                    }
                }
            },
        }
    }
}

/// The 7.10 deadline (SPEC §6.3.2): 2 Dage after the resolution, or 12:00
/// on the next Arbejdsdag when the resolution day and the two after it are
/// all closed.
pub fn incident_report_deadline(cal: &Calendar, r: Instant, dage: u32) -> Instant {
    let d = calendar::local_date(r);
    let closed = |k: u64| {
        d.checked_add_days(chrono::Days::new(k))
            .is_some_and(|x| !cal.is_arbejdsdag(x))
    };
    if closed(0) && closed(1) && closed(2) {
        let next = cal.nth_arbejdsdag_after(d, 1);
        calendar::to_instant(next.and_hms_opt(12, 0, 0).unwrap_or_default())
    } else {
        calendar::add_dage(r, dage)
    }
}

#[allow(clippy::too_many_arguments)]
fn incident_report(
    cal: &Calendar,
    dage: u32,
    inc: &Inc<'_>,
    r: Instant,
    r_refs: Vec<EventRef>,
    id: &str,
    a: Attribution,
    m: Month,
    (_m_start, m_end): (Instant, Instant),
    eval: Instant,
    out: &mut Vec<Measurement>,
    open: &mut Vec<OpenClock>,
) {
    let deadline = incident_report_deadline(cal, r, dage);
    let pol = Policies {
        attribution: a,
        ..Policies::default()
    };
    let stop = first(&inc.report_delivered).map(|f| (f.at, f.refs()));
    if let Some(x) = settle(
        "b72a.incident_report",
        id,
        r,
        deadline,
        stop,
        r_refs,
        pol,
        m,
        m_end,
        eval,
        open,
    ) {
        out.push(x);
    }
}

// ------------------------------------------------------------- problems

#[derive(Default)]
struct Prob<'a> {
    registered: Option<&'a Fact<'a>>,
    links: Vec<&'a Fact<'a>>,
    priorities: Vec<&'a Fact<'a>>,
    deadline: Vec<&'a Fact<'a>>,
    resolved: Vec<&'a Fact<'a>>,
    rca: Vec<&'a Fact<'a>>,
    plan: Vec<&'a Fact<'a>>,
    responsibility: Vec<&'a Fact<'a>>,
}

fn problems_of<'a>(facts: &'a Facts<'a>) -> BTreeMap<&'a str, Prob<'a>> {
    let mut m: BTreeMap<&'a str, Prob<'a>> = BTreeMap::new();
    for f in &facts.facts {
        match &*f.event {
            Event::ProblemRegistered(e) => {
                let p = m.entry(&e.problem_id).or_default();
                if p.registered.is_none() {
                    p.registered = Some(f);
                }
            }
            Event::ProblemLinked(e) => m.entry(&e.problem_id).or_default().links.push(f),
            Event::ProblemPrioritised(e) => m.entry(&e.problem_id).or_default().priorities.push(f),
            Event::ProblemDeadlineAgreed(e) => m.entry(&e.problem_id).or_default().deadline.push(f),
            Event::ProblemResolved(e) => m.entry(&e.problem_id).or_default().resolved.push(f),
            Event::RcaDelivered(e) => {
                if let Some(id) = &e.problem_id {
                    m.entry(id).or_default().rca.push(f);
                }
            }
            Event::RcaPlanDelivered(e) => m.entry(&e.problem_id).or_default().plan.push(f),
            Event::ResponsibilityDecided(e) => {
                if let Some(id) = &e.problem_id {
                    m.entry(id).or_default().responsibility.push(f);
                }
            }
            _ => {}
        }
    }
    m
}

impl<'a> Prob<'a> {
    fn incidents(&self) -> Vec<&'a str> {
        let mut v: Vec<&'a str> = Vec::new();
        if let Some(Event::ProblemRegistered(e)) = self.registered.map(|f| &*f.event) {
            v.extend(e.incidents.iter().map(Id::as_str));
        }
        for f in &self.links {
            if let Event::ProblemLinked(e) = &*f.event {
                v.push(&e.incident_id);
            }
        }
        v
    }

    /// Not the supplier's: a customer decision or settlement names another party.
    fn not_suppliers(&self) -> bool {
        self.responsibility.iter().any(|f| {
            matches!(&*f.event, Event::ResponsibilityDecided(e)
                if e.role != DecisionRole::Claim && e.responsible != Responsible::Supplier)
        })
    }
}

/// Problem priority (SPEC §6.4.2).
fn problem_priority(p: &Prob<'_>, incs: &BTreeMap<&str, Inc<'_>>, rules: &RuleSet) -> Priority {
    let decided = p
        .priorities
        .iter()
        .max_by_key(|f| f.seq)
        .and_then(|f| match &*f.event {
            Event::ProblemPrioritised(e) => Some(e.priority),
            _ => None,
        });
    if let Some(d) = decided {
        return d;
    }
    let mut best = match p.registered.map(|f| &*f.event) {
        Some(Event::ProblemRegistered(e)) => e.priority,
        _ => Priority::D,
    };
    for id in p.incidents() {
        if let Some(inc) = incs.get(id) {
            for q in inc.every_priority(rules) {
                if pidx(q) < pidx(best) {
                    best = q;
                }
            }
        }
    }
    best
}

fn problems(w: &Window<'_>, incs: &BTreeMap<&str, Inc<'_>>, out: &mut Out<'_>) {
    let (rules, facts, pol, m, m_start, m_end, eval) =
        (w.rules, w.facts, w.pol, w.m, w.start, w.end, w.eval);
    let (goals, open, findings) = (&mut *out.goals, &mut *out.open, &mut *out.findings);
    let cal = &rules.calendar;
    let probs = problems_of(facts);
    // Findings: A/B incidents without a problem; > 12 selected problems a year.
    let linked: std::collections::BTreeSet<&str> =
        probs.values().flat_map(|p| p.incidents()).collect();
    for (id, inc) in incs {
        let Some((start, f)) = inc.start() else {
            continue;
        };
        if !(m_start..m_end).contains(&start) {
            continue;
        }
        if inc.every_priority(rules).iter().any(|p| pidx(*p) <= 1) && !linked.contains(id) {
            findings.push(Finding {
                kind: "ab_incident_without_problem",
                text: format!(
                    "incident `{id}` is or was priority A or B but no problem is linked to it (9)"
                ),
                events: f.refs(),
            });
        }
    }
    let selected = probs
        .values()
        .filter_map(|p| p.registered)
        .filter(|f| matches!(&*f.event, Event::ProblemRegistered(e) if e.selected_by_customer))
        .filter(|f| calendar::month_of(f.at).year == m.year)
        .count();
    if selected > 12 {
        findings.push(Finding {
            kind: "more_than_12_selected_problems",
            text: format!(
                "{selected} problems selected by KOMBIT in {} (at most 12 a year, 9)",
                m.year
            ),
            events: Vec::new(),
        });
    }
    let mut resolution: [Vec<Measurement>; 4] = Default::default();
    let mut rca = Vec::new();
    for (id, p) in &probs {
        let Some(reg) = p.registered else { continue };
        let Event::ProblemRegistered(r) = &*reg.event else {
            continue;
        };
        let prio = problem_priority(p, incs, rules);
        // 9.3.1 resolution.
        if let (Some(g), false) = (&rules.b72a.problems, p.not_suppliers()) {
            let start = r.reported_at;
            let agreed = p.deadline.iter().max_by_key(|f| f.seq);
            let deadline = match agreed.map(|f| &*f.event) {
                Some(Event::ProblemDeadlineAgreed(e)) => e.deadline,
                _ => {
                    calendar::arbejdsdage_deadline(cal, start, g.arbejdsdage[pidx(prio)]).instant()
                }
            };
            let mut events = reg.refs();
            if let Some(a) = agreed {
                events.extend(a.refs());
            }
            let stop = first(&p.resolved).map(|f| (f.at, f.refs()));
            if let Some(x) = settle(
                problem_goal(prio),
                id,
                start,
                deadline,
                stop,
                events,
                pol,
                m,
                m_end,
                eval,
                open,
            ) {
                resolution[pidx(prio)].push(x);
            }
        }
        // 9.5 RCA for A/B problems.
        if let (Some(g), true) = (&rules.b72a.rca, pidx(prio) <= 1) {
            let mut established = (r.reported_at.min(r.record_created_at), reg.refs());
            for iid in p.incidents() {
                let Some(inc) = incs.get(iid) else { continue };
                let Some((s, sf)) = inc.start() else { continue };
                let end = inc
                    .resolution_stop(pol, inc.responsibility().0.is_some())
                    .map(|x| x.0);
                let long = match end {
                    Some(e) => e.millis() - s.millis() > 48 * HOUR_MS,
                    None => eval.millis() - s.millis() > 48 * HOUR_MS,
                };
                if long {
                    let two = calendar::add_dage(s, 2);
                    if two < established.0 {
                        established = (two, sf.refs());
                    }
                }
            }
            let deadline =
                calendar::arbejdsdage_deadline(cal, established.0, g.arbejdsdage).instant();
            let excused = p.not_suppliers();
            let stop = match (first(&p.rca), excused.then(|| first(&p.plan)).flatten()) {
                (Some(a), Some(b)) => Some(if (b.at, b.seq) < (a.at, a.seq) { b } else { a }),
                (a, b) => a.or(b),
            };
            let state = stop.map(|f| match &*f.event {
                Event::RcaPlanDelivered(_) => "plan (third-party exception)",
                _ => "rca",
            });
            let stop = stop.map(|f| (f.at, f.refs()));
            if let Some(mut x) = settle(
                "b72a.rca",
                id,
                established.0,
                deadline,
                stop,
                established.1,
                pol,
                m,
                m_end,
                eval,
                open,
            ) {
                x.state = state;
                rca.push(x);
            }
        }
    }
    if let Some(g) = &rules.b72a.problems {
        for (i, pop) in resolution.into_iter().enumerate() {
            let (goal, da, en) = PROBLEM_GOALS[i];
            let mut line = all_within_line(
                (goal, da, en, "Bilag 7.2.A 9.3.1, Tabel 9"),
                format!("≤ {} Arbejdsdage from reporting", g.arbejdsdage[i]),
                pop,
            );
            line.critical = i <= 1;
            goals.push(line);
        }
    }
    if let Some(g) = &rules.b72a.rca {
        rca.sort_by(|a, b| (a.start, &a.object).cmp(&(b.start, &b.object)));
        let n = rca.len() as i64;
        let on_time = rca.iter().filter(|x| x.within).count() as i64;
        let pct = i64::from(g.percent);
        let met = 100 * on_time >= pct * n;
        goals.push(GoalLine {
            goal: ("b72a.rca").into(),
            label_da: ("Root Cause Analyse for prioritet A og B Problems").into(),
            label_en: ("root cause analysis of A and B problems").into(),
            source: "Bilag 7.2.A 9.5",
            figure: Figure::Percent {
                num: on_time,
                den: n,
            },
            target: format!(
                "≥ {} % within {} Arbejdsdage of being established",
                g.percent, g.arbejdsdage
            ),
            counts: vec![
                ("n", n),
                ("needed", (pct * n + 99) / 100),
                ("within", on_time),
                ("late", n - on_time),
            ],
            verdict: if met { Verdict::Met } else { Verdict::NotMet },
            shortfall: None,
            critical: false,
            points: Tenths(0),
            population: rca,
        });
    }
}

const PROBLEM_GOALS: [(&str, &str, &str); 4] = [
    (
        "b72a.problem.A",
        "Afhjælpning af prioritet A Problems",
        "problem resolution, priority A",
    ),
    (
        "b72a.problem.B",
        "Afhjælpning af prioritet B Problems",
        "problem resolution, priority B",
    ),
    (
        "b72a.problem.C",
        "Afhjælpning af prioritet C Problems",
        "problem resolution, priority C",
    ),
    (
        "b72a.problem.D",
        "Afhjælpning af prioritet D Problems",
        "problem resolution, priority D",
    ),
];

fn problem_goal(p: Priority) -> &'static str {
    PROBLEM_GOALS[pidx(p)].0
}

/// Settles one item measured against a deadline for month `m` (SPEC §5.7):
/// returns the measurement when its stop is attributed to `m`; lists the
/// item as an open clock when it started before the end of `m` and is not
/// counted in `m` or earlier (still running at the end of `m` under
/// `stop_month`, not stopped by the evaluation time under `start_month`).
#[allow(clippy::too_many_arguments)]
fn settle(
    goal: &str,
    object: &str,
    start: Instant,
    deadline: Instant,
    stop: Option<(Instant, Vec<EventRef>)>,
    mut events: Vec<EventRef>,
    pol: Policies,
    m: Month,
    m_end: Instant,
    eval: Instant,
    open: &mut Vec<OpenClock>,
) -> Option<Measurement> {
    let running = match &stop {
        None => start < m_end,
        Some((t, _)) => pol.attribution == Attribution::StopMonth && *t >= m_end && start < m_end,
    };
    if running {
        let mut c = simple_open("", object, start, deadline, m_end, eval, events);
        c.goal = goal.to_owned().into();
        open.push(c);
        return None;
    }
    let (t, refs) = stop?;
    if month_of(pol.attribution, start, t) != m {
        return None;
    }
    events.extend(refs);
    Some(Measurement {
        object: object.to_owned(),
        category: None,
        start,
        stop: Some(t),
        value_ms: None,
        limit: Limit::Deadline(deadline),
        deadline: Some(deadline),
        within: t <= deadline,
        units_over: 0,
        unit: "",
        points: Tenths(0),
        events,
        state: None,
    })
}

fn simple_open(
    goal: &'static str,
    id: &str,
    start: Instant,
    deadline: Instant,
    m_end: Instant,
    eval: Instant,
    events: Vec<EventRef>,
) -> OpenClock {
    OpenClock {
        goal: goal.into(),
        object: id.to_owned(),
        category: None,
        start,
        deadline: Some(deadline),
        elapsed_month_end_ms: (eval.min(m_end).millis() - start.millis()).max(0),
        elapsed_eval_ms: (eval.millis() - start.millis()).max(0),
        overdue: deadline < eval,
        points_if_stopped_now: None,
        state: "running",
        events,
    }
}

// ---------------------------------------------------------- service desk

fn item(
    object: String,
    start: Instant,
    stop: Instant,
    limit_ms: i64,
    refs: Vec<EventRef>,
) -> Measurement {
    let v = (stop.millis() - start.millis()).max(0);
    Measurement {
        object,
        category: None,
        start,
        stop: Some(stop),
        value_ms: Some(v),
        limit: Limit::Duration {
            ms: limit_ms,
            strict: false,
        },
        deadline: Some(start.saturating_add_millis(limit_ms)),
        within: v <= limit_ms,
        units_over: 0,
        unit: "",
        points: Tenths(0),
        events: refs,
        state: None,
    }
}

fn service_desk(g: &crate::ruleset::ServiceDeskGoal, w: &Window<'_>, out: &mut Out<'_>) {
    let (rules, facts, pol, m, m_start, m_end, eval) =
        (w.rules, w.facts, w.pol, w.m, w.start, w.end, w.eval);
    let (goals, open, findings) = (&mut *out.goals, &mut *out.open, &mut *out.findings);
    let cal = &rules.calendar;
    let phone = if g.phone_24_7 {
        OpeningHours::always()
    } else {
        OpeningHours::weekdays_8_16()
    };
    let in_month = |t: Instant| (m_start..m_end).contains(&t);
    let exclude_abandoned = pol.pending_value("abandoned_calls") == "exclude";
    let mut busy = Vec::new();
    let mut busy_count = 0i64;
    let mut calls = Vec::new();
    let mut waits_total = 0i64;
    let mut waits_n = 0i64;
    let mut received: BTreeMap<&str, &Fact<'_>> = BTreeMap::new();
    let mut reacted: BTreeMap<&str, &Fact<'_>> = BTreeMap::new();
    let mut first_closed: BTreeMap<&str, &Fact<'_>> = BTreeMap::new();
    let mut info_req: BTreeMap<&str, &Fact<'_>> = BTreeMap::new();
    let mut info_done: BTreeMap<&str, &Fact<'_>> = BTreeMap::new();
    for f in &facts.facts {
        match &*f.event {
            Event::BusySignal(e) if in_month(e.at) => {
                busy_count += i64::from(e.count.max(1));
                busy.push(Measurement {
                    object: format!("{} busy signal(s)", e.count.max(1)),
                    category: None,
                    start: e.at,
                    stop: Some(e.at),
                    value_ms: None,
                    limit: Limit::Deadline(e.at),
                    deadline: None,
                    within: false,
                    units_over: i64::from(e.count.max(1)),
                    unit: "busy signal",
                    points: Tenths(0),
                    events: f.refs(),
                    state: Some("busy"),
                });
            }
            Event::PhoneCall(e) => {
                if !phone.is_inside(cal, e.connected_at) {
                    continue;
                }
                let (end, abandoned) = match (e.answered_at, e.abandoned_at) {
                    (Some(a), _) => (a, false),
                    (None, Some(a)) => (a, true),
                    (None, None) => continue,
                };
                if abandoned && exclude_abandoned {
                    continue;
                }
                let wait = (end.millis() - e.connected_at.millis()).max(0);
                // SD3 by the month of the call.
                if in_month(e.connected_at) {
                    waits_total += wait;
                    waits_n += 1;
                }
                // SD4 per call, by attribution.
                if month_of(pol.attribution, e.connected_at, end) == m {
                    let mut x = item(
                        e.call_id.to_string(),
                        e.connected_at,
                        end,
                        i64::from(g.max_wait_seconds) * 1000,
                        f.refs(),
                    );
                    x.state = abandoned.then_some("abandoned");
                    calls.push(x);
                }
            }
            Event::ContactReceived(e) => {
                received.entry(&e.contact_id).or_insert(f);
            }
            Event::ContactReacted(e) => {
                let x = reacted.entry(&e.contact_id).or_insert(f);
                if (f.at, f.seq) < (x.at, x.seq) {
                    *x = f;
                }
            }
            Event::ContactClosed(e) if e.at_first_contact => {
                first_closed.entry(&e.contact_id).or_insert(f);
            }
            Event::InformationRequested(e) => {
                info_req.entry(&e.request_id).or_insert(f);
            }
            Event::InformationDelivered(e) => {
                info_done.entry(&e.request_id).or_insert(f);
            }
            _ => {}
        }
    }
    // SD5: mail and web contacts, personal reaction within the limit, 24/7.
    let limit = i64::from(g.mail_web_reaction_hours) * HOUR_MS;
    let mut sd5 = Vec::new();
    let mut n_contacts = 0i64;
    let mut first = 0i64;
    for (id, f) in &received {
        let Event::ContactReceived(e) = &*f.event else {
            continue;
        };
        if in_month(e.received_at) {
            n_contacts += 1;
            if first_closed.contains_key(id) {
                first += 1;
            }
        }
        if e.channel == slaledger_ledger::vocab::ContactChannel::Phone {
            continue;
        }
        let due = e.received_at.saturating_add_millis(limit);
        let stop = reacted.get(id).map(|r| (r.at, r.refs()));
        if let Some(mut x) = settle(
            "b72a.sd.reaction",
            id,
            e.received_at,
            due,
            stop,
            f.refs(),
            pol,
            m,
            m_end,
            eval,
            open,
        ) {
            let v = x.stop.map_or(0, |t| t.millis() - e.received_at.millis());
            x.value_ms = Some(v);
            x.limit = Limit::Duration {
                ms: limit,
                strict: false,
            };
            sd5.push(x);
        }
    }
    // 10.2: information requests, listed as findings when late.
    for (id, f) in &info_req {
        let Event::InformationRequested(e) = &*f.event else {
            continue;
        };
        if !in_month(e.at) {
            continue;
        }
        let days = match e.information_kind {
            slaledger_ledger::vocab::InformationKind::Access => g.information_access_arbejdsdage,
            slaledger_ledger::vocab::InformationKind::Extract => g.information_extract_arbejdsdage,
        };
        let due = calendar::arbejdsdage_deadline(cal, e.at, days).instant();
        let done = info_done.get(id).map(|d| d.at);
        if done.is_none_or(|d| d > due) && (done.is_some() || eval > due) {
            let mut refs = f.refs();
            if let Some(d) = info_done.get(id) {
                refs.extend(d.refs());
            }
            findings.push(Finding {
                kind: "late_information_request",
                text: format!(
                    "{} request `{id}` due {due} ({days} Arbejdsdage): {}",
                    e.information_kind.as_str(),
                    match done {
                        Some(d) => format!("delivered {d}"),
                        None => "not delivered".into(),
                    }
                ),
                events: refs,
            });
        }
    }
    let src = "Bilag 7.2.A 10.4, Tabel 11";
    goals.push(GoalLine {
        goal: ("b72a.sd.busy").into(),
        label_da: ("SD2: ingen optagettone").into(),
        label_en: ("SD2: no busy tone").into(),
        source: src,
        figure: Figure::Count(busy_count),
        target: "no busy signal".into(),
        counts: vec![("events", busy.len() as i64)],
        verdict: if busy.is_empty() {
            Verdict::Met
        } else {
            Verdict::NotMet
        },
        shortfall: None,
        critical: false,
        points: Tenths(0),
        population: busy,
    });
    let avg_limit = i64::from(g.average_wait_seconds) * 1000;
    goals.push(GoalLine {
        goal: ("b72a.sd.average_wait").into(),
        label_da: ("SD3: gennemsnitlig telefonventetid").into(),
        label_en: ("SD3: average phone wait").into(),
        source: src,
        figure: Figure::Average {
            total_ms: waits_total,
            n: waits_n,
        },
        target: format!("average ≤ {} s", g.average_wait_seconds),
        counts: vec![("n", waits_n)],
        verdict: if waits_total <= avg_limit * waits_n {
            Verdict::Met
        } else {
            Verdict::NotMet
        },
        shortfall: None,
        critical: false,
        points: Tenths(0),
        population: Vec::new(),
    });
    goals.push(all_within_line(
        (
            "b72a.sd.max_wait",
            "SD4: telefonventetid pr. opkald",
            "SD4: each call's wait",
            src,
        ),
        format!("every call ≤ {} s", g.max_wait_seconds),
        calls,
    ));
    goals.push(all_within_line(
        (
            "b72a.sd.reaction",
            "SD5: reaktion på mail og webformular",
            "SD5: mail / web reaction",
            src,
        ),
        format!("≤ {} h, 24/7", g.mail_web_reaction_hours),
        sd5,
    ));
    let pct = i64::from(g.first_contact_percent);
    goals.push(GoalLine {
        goal: ("b72a.sd.first_contact").into(),
        label_da: ("SD6: afsluttet ved første henvendelse").into(),
        label_en: ("SD6: first-contact resolution").into(),
        source: src,
        figure: Figure::Percent {
            num: first,
            den: n_contacts,
        },
        target: format!("≥ {pct} % closed at the first contact"),
        counts: vec![
            ("n", n_contacts),
            ("needed", (pct * n_contacts + 99) / 100),
            ("within", first),
        ],
        verdict: if 100 * first >= pct * n_contacts {
            Verdict::Met
        } else {
            Verdict::NotMet
        },
        shortfall: None,
        critical: false,
        points: Tenths(0),
        population: Vec::new(),
    });
}

// ------------------------------------------------------ service requests

fn service_requests(g: &crate::ruleset::ServiceRequestGoal, w: &Window<'_>, out: &mut Out<'_>) {
    let (rules, facts, pol, m, m_end, eval) = (w.rules, w.facts, w.pol, w.m, w.end, w.eval);
    let (goals, open) = (&mut *out.goals, &mut *out.open);
    let cal = &rules.calendar;
    #[derive(Default)]
    struct Req<'a> {
        ordered: Option<&'a Fact<'a>>,
        reacted: Option<&'a Fact<'a>>,
        delivered: Option<&'a Fact<'a>>,
    }
    let mut reqs: BTreeMap<&str, Req<'_>> = BTreeMap::new();
    for f in &facts.facts {
        let (which, e) = match &*f.event {
            Event::ServiceRequestOrdered(e) => (0, e),
            Event::ServiceRequestReacted(e) => (1, e),
            Event::ServiceRequestDelivered(e) => (2, e),
            _ => continue,
        };
        let r = reqs.entry(&e.request_id).or_default();
        let x = match which {
            0 => &mut r.ordered,
            1 => &mut r.reacted,
            _ => &mut r.delivered,
        };
        if x.is_none_or(|y| (f.at, f.seq) < (y.at, y.seq)) {
            *x = Some(f);
        }
    }
    // Per catalogue item and measure: the month's measurements.
    let mut lines: BTreeMap<(String, usize), (Target, Vec<Measurement>)> = BTreeMap::new();
    for (item, (reaction, resolution)) in &g.catalogue {
        if let Some(t) = reaction {
            lines.insert((item.clone(), 0), (*t, Vec::new()));
        }
        lines.insert((item.clone(), 1), (*resolution, Vec::new()));
    }
    for (id, r) in &reqs {
        let Some(o) = r.ordered else { continue };
        let Event::ServiceRequestOrdered(e) = &*o.event else {
            continue;
        };
        let item = e.catalogue_item.as_str();
        let (reaction, resolution) = g
            .catalogue
            .get(item)
            .cloned()
            .unwrap_or((None, g.default_resolution));
        for (mi, target, stop) in [
            (0usize, reaction, r.reacted),
            (1, Some(resolution), r.delivered),
        ] {
            let Some(target) = target else { continue };
            let goal = format!("b72a.sr.{item}.{}", ["reaction", "resolution"][mi]);
            let (_, _, deadline) = measure(target, cal, None, o.at, o.at);
            let deadline = deadline.unwrap_or(o.at);
            let stop = stop.map(|f| (f.at, f.refs()));
            if let Some(mut x) = settle(
                &goal,
                id,
                o.at,
                deadline,
                stop,
                o.refs(),
                pol,
                m,
                m_end,
                eval,
                open,
            ) {
                let t = x.stop.unwrap_or(o.at);
                let (v, within, _) = measure(target, cal, None, o.at, t);
                x.within = within;
                match target {
                    Target::Arbejdsdage(_) => {
                        x.units_over = v;
                        x.unit = "Arbejdsdage used";
                    }
                    _ => x.value_ms = Some(v),
                }
                lines
                    .entry((item.to_owned(), mi))
                    .or_insert_with(|| (target, Vec::new()))
                    .1
                    .push(x);
            }
        }
    }
    for ((item, mi), (target, pop)) in lines {
        let measure = ["reaction", "resolution"][mi];
        let mut line = all_within_line(
            ("", "", "", "Bilag 7.2.A 11.2"),
            format!("≤ {}", target.text()),
            pop,
        );
        line.goal = format!("b72a.sr.{item}.{measure}").into();
        line.label_da = format!(
            "Servicebestilling {item}: {}",
            ["reaktionstid", "løsningstid"][mi]
        )
        .into();
        line.label_en = format!("service request {item}: {measure} time").into();
        goals.push(line);
    }
}

// ------------------------------------- batch runs, changes, patches (§6.10)

fn percent_line(
    (goal, da, en, source): (&'static str, &'static str, &'static str, &'static str),
    percent: u32,
    mut pop: Vec<Measurement>,
) -> GoalLine {
    pop.sort_by(|a, b| (a.start, &a.object).cmp(&(b.start, &b.object)));
    let n = pop.len() as i64;
    let ok = pop.iter().filter(|m| m.within).count() as i64;
    let p = i64::from(percent);
    GoalLine {
        goal: goal.into(),
        label_da: da.into(),
        label_en: en.into(),
        source,
        figure: Figure::Percent { num: ok, den: n },
        target: format!("≥ {percent} % successful"),
        counts: vec![
            ("n", n),
            ("needed", (p * n + 99) / 100),
            ("within", ok),
            ("over", n - ok),
        ],
        verdict: if 100 * ok >= p * n {
            Verdict::Met
        } else {
            Verdict::NotMet
        },
        shortfall: None,
        critical: false,
        points: Tenths(0),
        population: pop,
    }
}

const BATCH_GOALS: [(&str, &str, &str, &str); 3] = [
    (
        "b72a.batch.critical",
        "Kritiske Batchkørsler",
        "critical batch runs",
        "Bilag 7.2.A 5, Tabel 2",
    ),
    (
        "b72a.batch.important",
        "Vigtige Batchkørsler",
        "important batch runs",
        "Bilag 7.2.A 5, Tabel 2",
    ),
    (
        "b72a.batch.less_important",
        "Mindre vigtige Batchkørsler",
        "less important batch runs",
        "Bilag 7.2.A 5, Tabel 2",
    ),
];

const PATCH_GOALS: [(&str, &str, &str, &str); 4] = [
    (
        "b72a.patch.critical_security",
        "Kritisk Sikkerhedsmæssig Patch",
        "critical security patches",
        "Bilag 7.2.A 19.1, Tabel 18",
    ),
    (
        "b72a.patch.important_security",
        "Vigtig Sikkerhedsmæssig Patch",
        "important security patches",
        "Bilag 7.2.A 19.1, Tabel 18",
    ),
    (
        "b72a.patch.moderate",
        "Moderat Patch",
        "moderate patches",
        "Bilag 7.2.A 19.1, Tabel 18",
    ),
    (
        "b72a.patch.other",
        "Øvrig Patch",
        "other patches",
        "Bilag 7.2.A 19.1, Tabel 18",
    ),
];

fn patch_index(t: slaledger_ledger::vocab::PatchType) -> usize {
    use slaledger_ledger::vocab::PatchType as T;
    match t {
        T::CriticalSecurity => 0,
        T::ImportantSecurity => 1,
        T::Moderate => 2,
        T::Other => 3,
    }
}

fn operations(w: &Window<'_>, out: &mut Out<'_>) {
    let (rules, facts, pol, m, m_start, m_end, eval) =
        (w.rules, w.facts, w.pol, w.m, w.start, w.end, w.eval);
    let (goals, open, findings) = (&mut *out.goals, &mut *out.open, &mut *out.findings);
    let cal = &rules.calendar;
    let in_month = |t: Instant| (m_start..m_end).contains(&t);
    // 6.10.1 batch runs, by the month of the scheduled start.
    if let Some(g) = &rules.b72a.batch_runs {
        let from_started = pol.pending_value("batch_time_from") == "started";
        let mut per: [Vec<Measurement>; 3] = Default::default();
        for f in &facts.facts {
            let Event::BatchRun(e) = &*f.event else {
                continue;
            };
            if !in_month(e.scheduled_start) {
                continue;
            }
            let cat = rules
                .batch_jobs
                .get(e.job_id.as_str())
                .copied()
                .unwrap_or(Criticality::Critical);
            let complexity = rules
                .batch_complexity
                .get(e.job_id.as_str())
                .map(String::as_str);
            if complexity.is_none() {
                findings.push(Finding {
                    kind: "batch_job_without_complexity",
                    text: format!("batch job `{}` has no complexity in the rule set; measured as simple (5.1)", e.job_id),
                    events: f.refs(),
                });
            }
            let ci = match complexity {
                Some("medium") => 1,
                Some("complex") => 2,
                _ => 0,
            };
            let limit = i64::from(g.limit_minutes[ci]) * MINUTE_MS;
            let from = if from_started {
                e.started_at
            } else {
                e.scheduled_start
            };
            let took = (e.finished_at.millis() - from.millis()).max(0);
            let ok = e.outcome == slaledger_ledger::vocab::BatchOutcome::Ok && took < limit;
            if let Some(stated) = e.category {
                let stated_c = match stated {
                    slaledger_ledger::vocab::BatchCategory::Critical => Criticality::Critical,
                    slaledger_ledger::vocab::BatchCategory::Important => Criticality::Important,
                    slaledger_ledger::vocab::BatchCategory::LessImportant => {
                        Criticality::LessImportant
                    }
                };
                if stated_c != cat {
                    findings.push(Finding {
                        kind: "batch_category_differs",
                        text: format!("run `{}` of job `{}` states a category that differs from the rule set's", e.run_id, e.job_id),
                        events: f.refs(),
                    });
                }
            }
            if !ok && e.incident_id.is_none() {
                findings.push(Finding {
                    kind: "unsuccessful_batch_run_without_incident",
                    text: format!(
                        "run `{}` of job `{}` was not successful ({}) and names no incident (5, 7.5)",
                        e.run_id,
                        e.job_id,
                        e.outcome.as_str()
                    ),
                    events: f.refs(),
                });
            }
            let ci_cat = match cat {
                Criticality::Critical => 0,
                Criticality::Important => 1,
                Criticality::LessImportant => 2,
            };
            per[ci_cat].push(Measurement {
                object: format!("{} ({})", e.run_id, e.job_id),
                category: None,
                start: from,
                stop: Some(e.finished_at),
                value_ms: Some(took),
                limit: Limit::Duration {
                    ms: limit,
                    strict: true,
                },
                deadline: Some(from.saturating_add_millis(limit)),
                within: ok,
                units_over: 0,
                unit: "",
                points: Tenths(0),
                events: f.refs(),
                state: Some(e.outcome.as_str()),
            });
        }
        for (i, pop) in per.into_iter().enumerate() {
            goals.push(percent_line(BATCH_GOALS[i], g.percent[i], pop));
        }
    }
    // 6.10.2 changes, by the month of the planned execution.
    if let Some(g) = &rules.b72a.changes {
        let mut executed: BTreeMap<&str, &Fact<'_>> = BTreeMap::new();
        for f in &facts.facts {
            if let Event::ChangeExecuted(e) = &*f.event {
                executed.entry(&e.change_id).or_insert(f);
            }
        }
        let mut pop = Vec::new();
        for f in &facts.facts {
            let Event::ChangePlanned(e) = &*f.event else {
                continue;
            };
            if e.emergency || !in_month(e.from) {
                continue;
            }
            let done = executed.get(e.change_id.as_str());
            let ok = done.is_some_and(|d| {
                matches!(&*d.event, Event::ChangeExecuted(x)
                    if x.outcome == slaledger_ledger::vocab::ChangeOutcome::Success && x.to <= e.to)
            });
            if done.is_none() && eval < e.to {
                continue; // its slot has not ended yet: not decided
            }
            let mut events = f.refs();
            if let Some(d) = done {
                events.extend(d.refs());
            }
            pop.push(Measurement {
                object: e.change_id.to_string(),
                category: None,
                start: e.from,
                stop: done.map(|d| d.at),
                value_ms: None,
                limit: Limit::Deadline(e.to),
                deadline: Some(e.to),
                within: ok,
                units_over: 0,
                unit: "",
                points: Tenths(0),
                events,
                state: Some(match done.map(|d| &*d.event) {
                    Some(Event::ChangeExecuted(x)) => x.outcome.as_str(),
                    _ => "not executed",
                }),
            });
        }
        goals.push(percent_line(
            (
                "b72a.changes",
                "Succesfuldt gennemførte Changes",
                "successful changes",
                "Bilag 7.2.A 16.1",
            ),
            g.percent,
            pop,
        ));
    }
    // 6.10.3 patches, by the month of installation.
    if let Some(g) = &rules.b72a.patches {
        let mut installed: BTreeMap<&str, &Fact<'_>> = BTreeMap::new();
        let mut typed: BTreeMap<&str, &Fact<'_>> = BTreeMap::new();
        let mut contact: BTreeMap<&str, &Fact<'_>> = BTreeMap::new();
        for f in &facts.facts {
            match &*f.event {
                Event::PatchInstalled(e) => {
                    let x = installed.entry(&e.patch_id).or_insert(f);
                    if f.at < x.at {
                        *x = f;
                    }
                }
                Event::PatchTypeEstablished(e) | Event::PatchTypeDowngraded(e) => {
                    let x = typed.entry(&e.patch_id).or_insert(f);
                    if f.seq > x.seq {
                        *x = f;
                    }
                }
                Event::CriticalPatchContact(e) => {
                    contact.entry(&e.patch_id).or_insert(f);
                }
                _ => {}
            }
        }
        let mut per: [Vec<Measurement>; 4] = Default::default();
        let mut contacts = Vec::new();
        let missed_patch_incidents: Vec<Instant> = facts
            .facts
            .iter()
            .filter(|f| match &*f.event {
                Event::IncidentReported(e) => {
                    e.cause == slaledger_ledger::vocab::Cause::MissedPatch
                }
                Event::IncidentDetected(e) => {
                    e.cause == Some(slaledger_ledger::vocab::Cause::MissedPatch)
                }
                _ => false,
            })
            .map(|f| f.at)
            .collect();
        for f in &facts.facts {
            let Event::PatchReleased(e) = &*f.event else {
                continue;
            };
            let set = typed.get(e.patch_id.as_str());
            let ptype = match set.map(|x| &*x.event) {
                Some(Event::PatchTypeEstablished(t) | Event::PatchTypeDowngraded(t)) => {
                    t.patch_type
                }
                _ => e.patch_type,
            };
            let i = patch_index(ptype);
            let deadline = match (i, g.deadlines[i]) {
                (3, cap) => {
                    let (_, _, c) = measure(cap, cal, None, e.released_at, e.released_at);
                    let c = c.unwrap_or(e.released_at);
                    e.agreed_deadline.map_or(c, |a| a.min(c))
                }
                (_, t) => measure(t, cal, None, e.released_at, e.released_at)
                    .2
                    .unwrap_or(e.released_at),
            };
            let mut events = f.refs();
            if let Some(x) = set {
                events.extend(x.refs());
            }
            // 19.1.1: a missed critical or important security patch should
            // have a priority A incident with cause `missed_patch` starting
            // at the missed deadline; no event links the two, so an incident
            // of that cause starting within a day of the deadline counts.
            let installed_at = installed.get(e.patch_id.as_str()).map(|f| f.at);
            let missed = i <= 1
                && in_month(deadline)
                && installed_at.map_or(deadline < eval, |t| t > deadline);
            if missed
                && !missed_patch_incidents
                    .iter()
                    .any(|t| (t.millis() - deadline.millis()).abs() <= 24 * HOUR_MS)
            {
                findings.push(Finding {
                    kind: "missed_patch_without_incident",
                    text: format!(
                        "patch `{}` missed its deadline {deadline}; 19.1.1 requires a priority A incident with cause missed_patch",
                        e.patch_id
                    ),
                    events: f.refs(),
                });
            }
            let stop = installed.get(e.patch_id.as_str()).map(|f| (f.at, f.refs()));
            if let Some(x) = settle(
                PATCH_GOALS[i].0,
                &e.patch_id,
                e.released_at,
                deadline,
                stop,
                events,
                pol,
                m,
                m_end,
                eval,
                open,
            ) {
                per[i].push(x);
            }
            // The critical-patch contact: within 30 minutes of the type being established.
            if i == 0 {
                if let Some(est) = set {
                    let limit = i64::from(g.critical_contact_minutes) * MINUTE_MS;
                    if let Some(c) = contact.get(e.patch_id.as_str()) {
                        if month_of(pol.attribution, est.at, c.at) == m {
                            let mut refs = est.refs();
                            refs.extend(c.refs());
                            contacts.push(item(e.patch_id.to_string(), est.at, c.at, limit, refs));
                        }
                    } else if est.at < m_end {
                        open.push(simple_open(
                            "b72a.patch.critical_contact",
                            &e.patch_id,
                            est.at,
                            est.at.saturating_add_millis(limit),
                            m_end,
                            eval,
                            est.refs(),
                        ));
                    }
                }
            }
        }
        for (i, pop) in per.into_iter().enumerate() {
            let (goal, da, en, src) = PATCH_GOALS[i];
            let target = if i == 3 {
                format!("as agreed, at most {}", g.deadlines[3].text())
            } else {
                format!("≤ {} from release", g.deadlines[i].text())
            };
            goals.push(all_within_line((goal, da, en, src), target, pop));
        }
        goals.push(all_within_line(
            (
                "b72a.patch.critical_contact",
                "Kontakt om kritisk patch",
                "critical patch contact",
                "Bilag 7.2.A 19.1",
            ),
            format!(
                "≤ {} min after the type is established",
                g.critical_contact_minutes
            ),
            contacts,
        ));
    }
}
