//! The Bilag 6 SLA (SPEC §5): KPI 1-4, measurements not performed, and
//! bodspoint to bod with the monthly and yearly caps, for one month.
//!
//! Input: the stream's current facts ([`crate::facts`]), the rule set in
//! force for each month, the policy values, the month and the evaluation
//! time. Output: a [`MonthResult`] of goal lines, open clocks, findings and
//! the month total, with the event ids behind every item. Integer
//! arithmetic throughout: percentages are exact fractions, points tenths,
//! money øre.

use crate::calendar::{self, Calendar, DayRanges, LocalDeadline, OpeningHours, HOUR_MS, MINUTE_MS};
use crate::facts::{EventRef, Fact, Facts};
use crate::ruleset::{
    Attribution, ClockPolicy, Kpi1Grouping, Kpi2Start, Kpi4Month, Kpi4RejectedReport, Policies,
    RuleSet, ShortfallRounding, Tenths, YesNo,
};
use slaledger_ledger::event::Event;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::{CategoryRole, MissingReason, Month};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A goal's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Met.
    Met,
    /// Not met.
    NotMet,
    /// Cannot yet be decided.
    Pending,
    /// A reported value without a target (e.g. 13.4 user-experienced
    /// availability, KTS without a price-annex target).
    NoTarget,
}

impl Verdict {
    /// Report spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "not met",
            Verdict::Pending => "pending",
            Verdict::NoTarget => "no target",
        }
    }
}

/// How a measurement's limit is expressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// A duration limit in milliseconds, strict (`<`) or inclusive (`≤`).
    Duration {
        /// Milliseconds.
        ms: i64,
        /// `<` when true, `≤` when false.
        strict: bool,
    },
    /// A deadline instant, inclusive.
    Deadline(Instant),
}

/// One measurement of a goal (an element of the report's population).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    /// What was measured: a contact (event id), incident id, RCA request
    /// id or report month.
    pub object: String,
    /// Effective category, where the goal has one.
    pub category: Option<u8>,
    /// Clock start.
    pub start: Instant,
    /// Clock stop (`None`: missing at the evaluation time).
    pub stop: Option<Instant>,
    /// Measured value in milliseconds, for duration goals.
    pub value_ms: Option<i64>,
    /// Limit or deadline.
    pub limit: Limit,
    /// The deadline instant, where one exists.
    pub deadline: Option<Instant>,
    /// Within the limit.
    pub within: bool,
    /// Started units over the limit (hours or Arbejdsdage), 0 if within.
    pub units_over: i64,
    /// The unit of `units_over`.
    pub unit: &'static str,
    /// Points this measurement adds (0 for percentage goals, whose points
    /// belong to the group).
    pub points: Tenths,
    /// The events that fixed its start, stop, category (and corrections).
    pub events: Vec<EventRef>,
    /// Outcome word for goals with more than within / late (KPI 4).
    pub state: Option<&'static str>,
}

/// The figure of a goal line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Figure {
    /// An exact percentage `num / den` (100 % when `den` is 0).
    Percent {
        /// Within.
        num: i64,
        /// Population.
        den: i64,
    },
    /// Number of late measurements.
    Late(i64),
    /// A state word (KPI 4: `on time`, `late`, `missing`, `pending`, `not evaluated`).
    State(&'static str),
    /// Items not registered, per KPI.
    NotPerformed(Vec<(u8, i64)>),
    /// An average: total milliseconds over n items (SPEC §6.5.1 SD3).
    Average {
        /// Sum of the values, ms.
        total_ms: i64,
        /// Items.
        n: i64,
    },
    /// A count of events (SD2 busy signals).
    Count(i64),
    /// An availability figure (SPEC §6.6.2) with every interval behind it.
    Availability(Box<crate::availability::Availability>),
    /// A two-decimal value in hundredths of a percent (KTS, SPEC §6.7.1).
    Hundredths(i64),
    /// A value as recorded (a counter without a target, SPEC §7.3).
    Recorded(String),
    /// Response times per sender system and hour (SPEC §6.8.7):
    /// (sender, hour start, samples, total ms, maximum ms).
    SenderHours(Vec<(String, Instant, i64, i64, i64)>),
    /// The deciding value of a fractile goal (SPEC §6.2.3), in `unit`.
    Fractile {
        /// The k-th smallest value (0 when there are no measurements).
        deciding: i64,
        /// Every value, ascending, with its object (SPEC §8.2).
        sorted: Vec<(i64, String)>,
        /// `ms` or `Arbejdsdage used`.
        unit: &'static str,
    },
}

/// One goal line of the month (SPEC §8.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalLine {
    /// Stable goal id.
    pub goal: Cow<'static, str>,
    /// Danish label.
    pub label_da: Cow<'static, str>,
    /// English label.
    pub label_en: Cow<'static, str>,
    /// Source clause.
    pub source: &'static str,
    /// Figure.
    pub figure: Figure,
    /// Target in words, e.g. `≥ 90 % under 15 min`.
    pub target: String,
    /// Counts: n, needed, within, late, missing... in a fixed key order.
    pub counts: Vec<(&'static str, i64)>,
    /// Verdict.
    pub verdict: Verdict,
    /// Shortfall in percentage points as an exact fraction (KPI 1), and the
    /// counted units under `shortfall_rounding`.
    pub shortfall: Option<(i64, i64, i64)>,
    /// The rule set marks the goal critical (Kritisk Servicemål, 2.4).
    pub critical: bool,
    /// Points of the goal.
    pub points: Tenths,
    /// Every measurement attributed to the month, by start then object.
    pub population: Vec<Measurement>,
}

impl GoalLine {
    /// A line without shortfall, criticality, points or population (those
    /// are set afterwards where a goal has them).
    pub fn plain(
        goal: impl Into<Cow<'static, str>>,
        (label_da, label_en): (impl Into<Cow<'static, str>>, impl Into<Cow<'static, str>>),
        source: &'static str,
        figure: Figure,
        target: String,
        counts: Vec<(&'static str, i64)>,
        verdict: Verdict,
    ) -> GoalLine {
        GoalLine {
            goal: goal.into(),
            label_da: label_da.into(),
            label_en: label_en.into(),
            source,
            figure,
            target,
            counts,
            verdict,
            shortfall: None,
            critical: false,
            points: Tenths(0),
            population: Vec::new(),
        }
    }

    /// Measurements over their limit.
    pub fn breaches(&self) -> impl Iterator<Item = &Measurement> {
        self.population.iter().filter(|m| !m.within)
    }
}

/// A clock running at the month end (SPEC §5.7, §8.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenClock {
    /// Goal id.
    pub goal: Cow<'static, str>,
    /// Object.
    pub object: String,
    /// Category, where the goal has one.
    pub category: Option<u8>,
    /// Clock start.
    pub start: Instant,
    /// Deadline.
    pub deadline: Option<Instant>,
    /// Elapsed at the end of the month (or at the evaluation time, if earlier).
    pub elapsed_month_end_ms: i64,
    /// Elapsed at the evaluation time.
    pub elapsed_eval_ms: i64,
    /// The deadline has passed at the evaluation time.
    pub overdue: bool,
    /// Points it would carry if it stopped at the evaluation time
    /// (informative, not counted).
    pub points_if_stopped_now: Option<Tenths>,
    /// `running` or `pending` (KPI 4 not yet due).
    pub state: &'static str,
    /// Events that started it.
    pub events: Vec<EventRef>,
}

/// A fact the report shows without a verdict (SPEC §8.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Kind of finding.
    pub kind: &'static str,
    /// Explanation.
    pub text: String,
    /// Events concerned.
    pub events: Vec<EventRef>,
}

/// The yearly-cap state of a month (SPEC §5.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearlyCap {
    /// Cap percent.
    pub percent: u32,
    /// C_m: the cap on the fees of the year so far, øre.
    pub cap_so_far: i64,
    /// Final bod of the earlier months of the year, øre.
    pub used_before: i64,
    /// final_m, øre.
    pub final_bod: i64,
}

/// The month's points and money (SPEC §5.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthTotal {
    /// P_M.
    pub points: Tenths,
    /// F_M, øre (`None`: no fee recorded, bod pending).
    pub fee: Option<i64>,
    /// The fee events.
    pub fee_events: Vec<EventRef>,
    /// Uncapped amount, øre (rounded half-up for display).
    pub uncapped: Option<i64>,
    /// Monthly cap, øre.
    pub monthly_cap: Option<i64>,
    /// bod_M, øre.
    pub bod: Option<i64>,
    /// Yearly cap state, if the rule set has one.
    pub yearly: Option<YearlyCap>,
    /// Which cap bound: `none`, `monthly`, `yearly`.
    pub cap_bound: &'static str,
}

/// Everything computed for one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthResult {
    /// Goal lines in rule-set order.
    pub goals: Vec<GoalLine>,
    /// Open clocks, by start then object.
    pub open_clocks: Vec<OpenClock>,
    /// Findings, in ledger order.
    pub findings: Vec<Finding>,
    /// Month total.
    pub total: MonthTotal,
}

/// Round a non-negative rational half-up to an integer.
pub fn round_half_up(num: i128, den: i128) -> i64 {
    if den <= 0 {
        return 0;
    }
    ((2 * num + den) / (2 * den)) as i64
}

// -------------------------------------------------------------- incidents

/// The kinds of incident facts the Bilag 6 goals read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Reported,
    Detected,
    Categorised,
    Assigned,
    Resolved,
    Reopened,
}

impl Kind {
    /// The kind of an incident fact and the incident it is about.
    fn of(event: &Event) -> Option<(Kind, &str)> {
        Some(match event {
            Event::IncidentReported(e) => (Kind::Reported, e.incident_id.as_str()),
            Event::IncidentDetected(e) => (Kind::Detected, e.incident_id.as_str()),
            Event::IncidentCategorised(e) => (Kind::Categorised, e.incident_id.as_str()),
            Event::IncidentAssigned(e) => (Kind::Assigned, e.incident_id.as_str()),
            Event::IncidentResolved(e) => (Kind::Resolved, e.incident_id.as_str()),
            Event::IncidentReopened(e) => (Kind::Reopened, e.incident_id.as_str()),
            _ => return None,
        })
    }
}

/// One incident: its facts in ledger order, and what the goals derive
/// from them (found once: a report evaluates its month and every earlier
/// month of the year for the yearly cap).
#[derive(Debug, Clone, Copy)]
struct Incident<'a> {
    facts: &'a [&'a Fact<'a>],
    derived: Derived<'a>,
}

/// An incident's effective category, clock stops and receipt.
#[derive(Debug, Default, Clone, Copy)]
struct Derived<'a> {
    category: Option<(u8, &'a Fact<'a>)>,
    reaction_stop: Option<(Instant, &'a Fact<'a>, &'a Fact<'a>)>,
    resolution_stop: Option<&'a Fact<'a>>,
    received: Option<(Instant, &'a Fact<'a>)>,
}

impl<'a> Incident<'a> {
    fn new(facts: &'a [&'a Fact<'a>]) -> Incident<'a> {
        let mut inc = Incident {
            facts,
            derived: Derived::default(),
        };
        inc.derived = Derived {
            category: inc.find_category(),
            reaction_stop: inc.find_reaction_stop(),
            resolution_stop: inc.find_resolution_stop(),
            received: inc.find_received(),
        };
        inc
    }

    /// The incident's facts of one kind, in ledger order.
    fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &'a Fact<'a>> + 'a {
        self.facts
            .iter()
            .copied()
            .filter(move |f| Kind::of(&f.event).is_some_and(|(k, _)| k == kind))
    }

    /// The reports (contacts) of the incident, in ledger order.
    fn reports(&self) -> impl Iterator<Item = &'a Fact<'a>> + 'a {
        self.of_kind(Kind::Reported)
    }

    /// Effective category: see [`Incident::find_category`].
    fn category(&self) -> Option<(u8, &'a Fact<'a>)> {
        self.derived.category
    }

    /// KPI 1 stop: see [`Incident::find_reaction_stop`].
    fn reaction_stop(&self) -> Option<(Instant, &'a Fact<'a>, &'a Fact<'a>)> {
        self.derived.reaction_stop
    }

    /// KPI 2 stop: see [`Incident::find_resolution_stop`].
    fn resolution_stop(&self) -> Option<&'a Fact<'a>> {
        self.derived.resolution_stop
    }

    /// Receipt: see [`Incident::find_received`].
    fn received(&self) -> Option<(Instant, &'a Fact<'a>)> {
        self.derived.received
    }

    /// Effective category (SPEC §4.3): the latest customer categorisation
    /// (including the category sent with the report), else the latest
    /// supplier one; with the fact that set it.
    fn find_category(&self) -> Option<(u8, &'a Fact<'a>)> {
        let mut customer: Option<(u64, u8, &'a Fact<'a>)> = None;
        let mut supplier: Option<(u64, u8, &'a Fact<'a>)> = None;
        for f in self.reports() {
            if let Event::IncidentReported(r) = &*f.event {
                if let Some(c) = r.customer_category {
                    if customer.is_none_or(|x| x.0 < f.seq) {
                        customer = Some((f.seq, c, f));
                    }
                }
            }
        }
        for f in self.of_kind(Kind::Categorised) {
            if let Event::IncidentCategorised(c) = &*f.event {
                let slot = match c.role {
                    CategoryRole::Customer => &mut customer,
                    CategoryRole::Supplier => &mut supplier,
                };
                if slot.is_none_or(|x| x.0 < f.seq) {
                    *slot = Some((f.seq, c.category, f));
                }
            }
        }
        customer.or(supplier).map(|(_, c, f)| (c, f))
    }

    /// KPI 1 stop: the later of the first supplier categorisation and the
    /// first assignment, with the two facts behind it.
    fn find_reaction_stop(&self) -> Option<(Instant, &'a Fact<'a>, &'a Fact<'a>)> {
        let cat = self
            .of_kind(Kind::Categorised)
            .filter(|f| {
                matches!(&*f.event, Event::IncidentCategorised(c) if c.role == CategoryRole::Supplier)
            })
            .min_by_key(|f| (f.at, f.seq))?;
        let asg = self.of_kind(Kind::Assigned).min_by_key(|f| (f.at, f.seq))?;
        Some((cat.at.max(asg.at), cat, asg))
    }

    /// KPI 2 stop: the first resolution after the last reopening, if no
    /// reopening follows it. SPEC §5.2 says "the last `incident_resolved`
    /// not followed by an `incident_reopened`"; the two readings differ only
    /// when a second resolution arrives without a reopening in between, and
    /// then "last" would let a later month's duplicate resolution move an
    /// earlier month's stop (see the issue note).
    fn find_resolution_stop(&self) -> Option<&'a Fact<'a>> {
        let last_reopen = self.of_kind(Kind::Reopened).map(|f| (f.at, f.seq)).max();
        self.of_kind(Kind::Resolved)
            .filter(|f| last_reopen.is_none_or(|r| (f.at, f.seq) > r))
            .min_by_key(|f| (f.at, f.seq))
    }

    /// The instant the contact was received (first report), else detected.
    fn find_received(&self) -> Option<(Instant, &'a Fact<'a>)> {
        let first_report = self
            .reports()
            .min_by_key(|f| (f.at, f.seq))
            .map(|f| (f.at, f));
        let detected = self.of_kind(Kind::Detected).next();
        first_report.or(detected.map(|f| (f.at, f)))
    }
}

/// A stream's incident facts grouped by incident: the facts of each
/// incident contiguous and in ledger order, incidents in id order.
struct Grouped<'a> {
    ids: Vec<&'a str>,
    facts: Vec<&'a Fact<'a>>,
    /// `facts[bounds[i]..bounds[i + 1]]` are the facts of `ids[i]`.
    bounds: Vec<usize>,
}

impl<'a> Grouped<'a> {
    /// Groups the incident facts by incident id. A hash map finds each
    /// incident while grouping (only looked up, never iterated); the facts
    /// are then placed by counting, in id order, each incident's in ledger
    /// order.
    fn of(facts: &'a Facts<'a>) -> Grouped<'a> {
        let mut at: rustc_hash::FxHashMap<&'a str, u32> = rustc_hash::FxHashMap::default();
        at.reserve(facts.facts.len() / 4);
        let mut ids: Vec<&'a str> = Vec::new();
        let mut put: Vec<(u32, &'a Fact<'a>)> = Vec::with_capacity(facts.facts.len());
        for f in &facts.facts {
            let Some((_, id)) = Kind::of(&f.event) else {
                continue;
            };
            let i = *at.entry(id).or_insert_with(|| {
                ids.push(id);
                (ids.len() - 1) as u32
            });
            put.push((i, f));
        }
        let mut order: Vec<u32> = (0..ids.len() as u32).collect();
        order.sort_unstable_by(|a, b| ids[*a as usize].cmp(ids[*b as usize]));
        // Placed by counting: each incident's facts land in the stretch of
        // its id rank, in ledger order.
        let mut count = vec![0usize; ids.len()];
        for (i, _) in &put {
            count[*i as usize] += 1;
        }
        let mut bounds = Vec::with_capacity(ids.len() + 1);
        let mut next = vec![0usize; ids.len()];
        let mut offset = 0;
        for i in &order {
            bounds.push(offset);
            next[*i as usize] = offset;
            offset += count[*i as usize];
        }
        bounds.push(offset);
        let mut placed: Vec<Option<&'a Fact<'a>>> = vec![None; put.len()];
        for (i, f) in put {
            placed[next[i as usize]] = Some(f);
            next[i as usize] += 1;
        }
        Grouped {
            ids: order.iter().map(|i| ids[*i as usize]).collect(),
            facts: placed.into_iter().flatten().collect(),
            bounds,
        }
    }
}

/// A stream's incidents, in incident-id order.
struct Incidents<'a> {
    list: Vec<(&'a str, Incident<'a>)>,
}

impl<'a> Incidents<'a> {
    fn new(g: &'a Grouped<'a>) -> Incidents<'a> {
        let list = g
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, Incident::new(&g.facts[g.bounds[i]..g.bounds[i + 1]])))
            .collect();
        Incidents { list }
    }

    /// The incident with this id.
    fn get(&self, id: &str) -> Option<&Incident<'a>> {
        self.list
            .binary_search_by(|(k, _)| (*k).cmp(id))
            .ok()
            .map(|i| &self.list[i].1)
    }

    /// Every incident with its id, in id order.
    fn iter(&self) -> impl Iterator<Item = (&'a str, &Incident<'a>)> {
        self.list.iter().map(|(id, inc)| (*id, inc))
    }
}

/// Memo of [`OpeningHours::next_opening`] per (opening hours, calendar,
/// instant), with each date's opening ranges kept per (opening hours,
/// calendar): a month and the earlier months its yearly cap evaluates ask
/// for the same contacts' clock starts. Only looked up, never iterated.
#[derive(Default)]
struct Openings {
    at: std::cell::RefCell<rustc_hash::FxHashMap<(usize, usize, i64), Option<Instant>>>,
    days: std::cell::RefCell<rustc_hash::FxHashMap<(usize, usize), std::rc::Rc<DayRanges>>>,
}

impl Openings {
    fn next(&self, desk: &OpeningHours, cal: &Calendar, at: Instant) -> Option<Instant> {
        let pair = (
            std::ptr::from_ref(desk) as usize,
            std::ptr::from_ref(cal) as usize,
        );
        let key = (pair.0, pair.1, at.millis());
        if let Some(v) = self.at.borrow().get(&key) {
            return *v;
        }
        let days = self.days.borrow_mut().entry(pair).or_default().clone();
        let v = desk.next_opening_memo(cal, at, &days);
        self.at.borrow_mut().insert(key, v);
        v
    }
}

// ------------------------------------------------------------- the month

/// Everything [`evaluate`] reads besides the facts.
pub struct Context<'a> {
    /// The rule set governing a month (`None` before the first version).
    pub rules_for: &'a dyn Fn(Month) -> Option<&'a RuleSet>,
    /// The policy values in force (the rule set's, with any overrides).
    pub policies: Policies,
    /// The evaluation time.
    pub eval: Instant,
}

/// A goal met iff every measurement of the month is within its limit; its
/// points are the sum of the measurements' points. Sorts the population by
/// start, then object.
pub(crate) fn all_within_line(
    (goal, da, en, source): (&'static str, &'static str, &'static str, &'static str),
    target: String,
    mut pop: Vec<Measurement>,
) -> GoalLine {
    pop.sort_by(|a, b| (a.start, &a.object).cmp(&(b.start, &b.object)));
    let n = pop.len() as i64;
    let late = pop.iter().filter(|m| !m.within).count() as i64;
    GoalLine {
        goal: goal.into(),
        label_da: da.into(),
        label_en: en.into(),
        source,
        figure: Figure::Late(late),
        target,
        counts: vec![("n", n), ("within", n - late), ("late", late)],
        verdict: if late == 0 {
            Verdict::Met
        } else {
            Verdict::NotMet
        },
        shortfall: None,
        critical: false,
        points: Tenths(pop.iter().map(|m| m.points.0).sum()),
        population: pop,
    }
}

/// The month a stopped clock counts in (SPEC §5.7 `attribution`).
pub(crate) fn attributed_month(a: Attribution, start: Instant, stop: Instant) -> Month {
    match a {
        Attribution::StopMonth => calendar::month_of(stop),
        Attribution::StartMonth => calendar::month_of(start),
    }
}

/// Whether a clock that started before the end of `m` is listed as open in
/// `m` (SPEC §5.7): under `stop_month`, still running at the end of `m`;
/// under `start_month`, not stopped by the evaluation time.
fn listed_open(a: Attribution, start: Instant, stop: Option<Instant>, m_end: Instant) -> bool {
    if start >= m_end {
        return false;
    }
    match a {
        Attribution::StopMonth => stop.is_none_or(|s| s >= m_end),
        Attribution::StartMonth => stop.is_none(),
    }
}

/// True when a clock started at `s` and stopped at `stop` can neither be
/// counted in the month `[m_start, m_end)` nor listed open in it: a cheap
/// test before any deadline or trace is built.
fn skip_early(
    a: Attribution,
    s: Instant,
    stop: Option<Instant>,
    m_start: Instant,
    m_end: Instant,
) -> bool {
    if s >= m_end {
        return true;
    }
    match (a, stop) {
        (Attribution::StopMonth, Some(t)) => t < m_start,
        (Attribution::StartMonth, Some(_)) => s < m_start,
        (_, None) => false,
    }
}

fn elapsed(start: Instant, until: Instant) -> i64 {
    (until.millis() - start.millis()).max(0)
}

/// Computes month `m` of a Bilag 6 stream; `None` if no rule set governs it.
pub fn evaluate(facts: &Facts<'_>, ctx: &Context<'_>, m: Month) -> Option<MonthResult> {
    // Built once: the yearly cap evaluates every earlier month of the year
    // over the same incidents and their clocks' starts.
    let grouped = Grouped::of(facts);
    let incs = Incidents::new(&grouped);
    let openings = Openings::default();
    evaluate_inner(facts, &incs, &openings, ctx, m, true)
}

fn evaluate_inner(
    facts: &Facts<'_>,
    incs: &Incidents<'_>,
    openings: &Openings,
    ctx: &Context<'_>,
    m: Month,
    with_yearly_cap: bool,
) -> Option<MonthResult> {
    let rules = (ctx.rules_for)(m)?;
    let pol = ctx.policies;
    let (m_start, m_end) = calendar::month_bounds(m);
    let mut goals = Vec::new();
    let mut open = Vec::new();
    let mut findings = Vec::new();
    let cal = &rules.calendar;
    let desk = rules.opening_hours.get("service_desk");

    // Findings: incidents without a category.
    for (id, inc) in incs.iter() {
        if inc.category().is_none() {
            if let Some((_, f)) = inc.received() {
                let counted = inc.resolution_stop().is_some() || inc.reaction_stop().is_some();
                if counted {
                    findings.push(Finding {
                        kind: "incident_without_category",
                        text: format!(
                            "incident `{id}` has no category; it is measured as category 1 (SPEC §5)"
                        ),
                        events: f.refs(),
                    });
                }
            }
        }
    }

    if let (Some(k1), Some(desk)) = (&rules.bilag6.kpi1, desk) {
        kpi1(
            k1,
            desk,
            cal,
            incs,
            openings,
            pol,
            ctx.eval,
            m,
            (m_start, m_end),
            &mut goals,
            &mut open,
        );
    }
    if let (Some(k2), Some(desk)) = (&rules.bilag6.kpi2, desk) {
        kpi2(
            k2,
            desk,
            cal,
            incs,
            openings,
            pol,
            ctx.eval,
            m,
            (m_start, m_end),
            &mut goals,
            &mut open,
        );
    }
    if let Some(k3) = &rules.bilag6.kpi3 {
        kpi3(
            k3,
            cal,
            facts,
            incs,
            pol,
            ctx.eval,
            m,
            m_end,
            &mut goals,
            &mut open,
            &mut findings,
        );
    }
    if let Some(k4) = &rules.bilag6.kpi4 {
        kpi4(k4, ctx, facts, pol, m, &mut goals, &mut open);
    }
    if let Some(np) = &rules.bilag6.not_performed {
        not_performed(np.points_per_item, facts, pol, m, &mut goals);
    }
    open.sort_by(|a, b| (a.start, &a.object, &a.goal).cmp(&(b.start, &b.object, &b.goal)));

    let points = Tenths(goals.iter().map(|g| g.points.0).sum());
    // The points of earlier months never depend on later ones, so the
    // yearly cap's recursion ends at January.
    let earlier =
        |mm: Month| evaluate_inner(facts, incs, openings, ctx, mm, false).map(|r| r.total.points);
    let total = month_total(
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

/// F_M: the sum of the current `fee_recorded` events of month `m` and the
/// events behind it (`None` when no fee is recorded).
pub(crate) fn fee_of(facts: &Facts<'_>, m: Month) -> (Option<i64>, Vec<EventRef>) {
    let mut sum: Option<i64> = None;
    let mut refs = Vec::new();
    for f in &facts.facts {
        if let Event::FeeRecorded(e) = &*f.event {
            if e.month == m {
                sum = Some(sum.unwrap_or(0).saturating_add(e.amount_ore));
                refs.extend(f.refs());
            }
        }
    }
    (sum, refs)
}

fn month_bod(fee: i64, points: Tenths, rules: &RuleSet) -> (i64, i64, i64, bool) {
    let f = i128::from(fee);
    let pct = i128::from(rules.fee.percent_per_point);
    // F × P(tenths) × pct / 1000, and F × cap / 100, as rationals over 1000.
    let uncapped_num = f * i128::from(points.0) * pct;
    let cap_num = f * i128::from(rules.fee.monthly_cap_percent) * 10;
    let capped = cap_num < uncapped_num;
    let bod = round_half_up(uncapped_num.min(cap_num), 1000);
    (
        round_half_up(uncapped_num, 1000),
        round_half_up(cap_num, 1000),
        bod,
        capped,
    )
}

/// P_M, F_M and bod_M with the monthly cap and, when `earlier` is given,
/// the yearly cap (SPEC §5.6). `earlier` computes the points of an earlier
/// month of the year (each annex evaluates its own months).
pub(crate) fn month_total(
    facts: &Facts<'_>,
    ctx: &Context<'_>,
    rules: &RuleSet,
    m: Month,
    points: Tenths,
    earlier: Option<&dyn Fn(Month) -> Option<Tenths>>,
) -> MonthTotal {
    let (fee, fee_events) = fee_of(facts, m);
    let Some(fee) = fee else {
        return MonthTotal {
            points,
            fee: None,
            fee_events,
            uncapped: None,
            monthly_cap: None,
            bod: None,
            yearly: None,
            cap_bound: "none",
        };
    };
    let fee = fee.max(0);
    let (uncapped, cap, bod, monthly_bound) = month_bod(fee, points, rules);
    let mut cap_bound = if monthly_bound { "monthly" } else { "none" };
    let yearly_pct = rules.fee.yearly_cap_percent.filter(|_| earlier.is_some());
    let yearly = yearly_pct.map(|pct| {
        let mut fees_so_far: i64 = 0;
        let mut used: i64 = 0;
        let mut mm = Month {
            year: m.year,
            month: 1,
        };
        while mm < m {
            let p = earlier.and_then(|f| f(mm));
            if let Some((p, f)) = p.map(|p| (p, fee_of(facts, mm).0)) {
                let f = f.unwrap_or(0).max(0);
                fees_so_far += f;
                let rules_mm = (ctx.rules_for)(mm).unwrap_or(rules);
                let (_, _, bod_mm, _) = month_bod(f, p, rules_mm);
                let c = round_half_up(i128::from(pct) * i128::from(fees_so_far), 100);
                used += bod_mm.min((c - used).max(0));
            }
            mm = calendar::next_month(mm);
        }
        fees_so_far += fee;
        let c = round_half_up(i128::from(pct) * i128::from(fees_so_far), 100);
        let final_bod = bod.min((c - used).max(0));
        YearlyCap {
            percent: pct,
            cap_so_far: c,
            used_before: used,
            final_bod,
        }
    });
    let bod = match &yearly {
        Some(y) => {
            if y.final_bod < bod {
                cap_bound = "yearly";
            }
            y.final_bod
        }
        None => bod,
    };
    MonthTotal {
        points,
        fee: Some(fee),
        fee_events,
        uncapped: Some(uncapped),
        monthly_cap: Some(cap),
        bod: Some(bod),
        yearly,
        cap_bound,
    }
}

// ------------------------------------------------------------------ KPI 1

fn duration_text(ms: i64) -> String {
    if ms % HOUR_MS == 0 {
        format!("{} h", ms / HOUR_MS)
    } else {
        format!("{} min", ms / MINUTE_MS)
    }
}

/// Counted percentage points of a shortfall `x = percent − 100 w / n`
/// under a rounding policy, from the exact fraction `num / n`.
fn shortfall_units(num: i64, n: i64, r: ShortfallRounding) -> i64 {
    if num <= 0 || n <= 0 {
        return 0;
    }
    match r {
        ShortfallRounding::Started => (num + n - 1) / n,
        ShortfallRounding::Nearest => (2 * num + n) / (2 * n),
        ShortfallRounding::Floor => num / n,
    }
}

#[allow(clippy::too_many_arguments)]
fn kpi1(
    k: &crate::ruleset::Kpi1,
    desk: &OpeningHours,
    cal: &Calendar,
    incs: &Incidents<'_>,
    openings: &Openings,
    pol: Policies,
    eval: Instant,
    m: Month,
    (m_start, m_end): (Instant, Instant),
    goals: &mut Vec<GoalLine>,
    open: &mut Vec<OpenClock>,
) {
    let limit = |cat: u8| -> i64 {
        i64::from(if cat <= 2 {
            k.limit_minutes_cat12
        } else {
            k.limit_minutes_cat34
        }) * MINUTE_MS
    };
    let mut items: Vec<(u8, Measurement)> = Vec::new();
    for (_, inc) in incs.iter() {
        let cat_fact = inc.category();
        let cat = cat_fact.map(|c| c.0).unwrap_or(1);
        let stop = inc.reaction_stop();
        for report in inc.reports() {
            if report.at >= m_end {
                continue; // its clock starts after the month: not in it, not open in it
            }
            let Some(s) = openings.next(desk, cal, report.at) else {
                continue;
            };
            // A contact received after its incident was already categorised
            // and assigned is reacted to on receipt: its own stop is never
            // before its start (so a later contact never lands in an
            // earlier month).
            let stop = stop.map(|(t, cat, asg)| (t.max(s), cat, asg));
            if skip_early(
                pol.attribution,
                s,
                stop.as_ref().map(|x| x.0),
                m_start,
                m_end,
            ) {
                continue;
            }
            let l = limit(cat);
            let deadline = match pol.clock {
                ClockPolicy::WallAfterStart => Some(s.saturating_add_millis(l)),
                ClockPolicy::BusinessHours => desk.add_opening_time(cal, s, l),
            };
            let mut events = report.refs();
            if let Some((_, f)) = cat_fact {
                events.extend(f.refs());
            }
            let value_at = |t: Instant| match pol.clock {
                ClockPolicy::WallAfterStart => elapsed(s, t),
                ClockPolicy::BusinessHours => desk.opening_time(cal, s, t),
            };
            let object = format!("{} (contact {})", incident_id(report), report.id);
            let stop_at = stop.as_ref().map(|x| x.0);
            if listed_open(pol.attribution, s, stop_at.filter(|t| *t <= eval), m_end) {
                let until = eval.min(m_end);
                open.push(OpenClock {
                    goal: (kpi1_goal(pol, cat)).into(),
                    object: object.clone(),
                    category: Some(cat),
                    start: s,
                    deadline,
                    elapsed_month_end_ms: value_at(until),
                    elapsed_eval_ms: value_at(eval),
                    overdue: deadline.is_some_and(|d| d <= eval),
                    points_if_stopped_now: None,
                    state: "running",
                    events: events.clone(),
                });
            }
            let Some((stop_at, stop_cat, stop_asg)) = stop else {
                continue;
            };
            if attributed_month(pol.attribution, s, stop_at) != m {
                continue;
            }
            let r = value_at(stop_at);
            events.extend(stop_cat.refs());
            events.extend(stop_asg.refs());
            events.sort();
            events.dedup();
            items.push((
                cat,
                Measurement {
                    object,
                    category: Some(cat),
                    start: s,
                    stop: Some(stop_at),
                    value_ms: Some(r),
                    limit: Limit::Duration {
                        ms: l,
                        strict: true,
                    },
                    deadline,
                    within: r < l,
                    units_over: 0,
                    unit: "",
                    points: Tenths(0),
                    events,
                    state: None,
                },
            ));
        }
    }
    items.sort_by(|a, b| (a.1.start, &a.1.object).cmp(&(b.1.start, &b.1.object)));
    let groups: Vec<(
        &'static str,
        &'static str,
        &'static str,
        String,
        Vec<Measurement>,
    )> = match pol.kpi1_grouping {
        Kpi1Grouping::Separate => {
            let (a, b): (Vec<_>, Vec<_>) = items.into_iter().partition(|(c, _)| *c <= 2);
            vec![
                (
                    "bilag6.kpi1.cat12",
                    "KPI 1: Service Desk tilgængelighed, kategori 1 og 2",
                    "KPI 1: service desk reaction time, categories 1 and 2",
                    format!("≥ {} % under {}", k.percent, duration_text(limit(1))),
                    a.into_iter().map(|x| x.1).collect(),
                ),
                (
                    "bilag6.kpi1.cat34",
                    "KPI 1: Service Desk tilgængelighed, kategori 3 og 4",
                    "KPI 1: service desk reaction time, categories 3 and 4",
                    format!("≥ {} % under {}", k.percent, duration_text(limit(3))),
                    b.into_iter().map(|x| x.1).collect(),
                ),
            ]
        }
        Kpi1Grouping::Combined => vec![(
            "bilag6.kpi1",
            "KPI 1: Service Desk tilgængelighed",
            "KPI 1: service desk reaction time",
            format!(
                "≥ {} % under {} (categories 1-2) / {} (categories 3-4)",
                k.percent,
                duration_text(limit(1)),
                duration_text(limit(3))
            ),
            items.into_iter().map(|x| x.1).collect(),
        )],
    };
    for (goal, da, en, target, population) in groups {
        let n = population.len() as i64;
        let w = population.iter().filter(|x| x.within).count() as i64;
        let pct = i64::from(k.percent);
        let met = 100 * w >= pct * n;
        let needed = (pct * n + 99) / 100;
        let num = pct * n - 100 * w;
        let units = if met {
            0
        } else {
            shortfall_units(num, n, pol.shortfall_rounding)
        };
        let points = Tenths(units * k.points_per_percentage_point.0);
        goals.push(GoalLine {
            goal: goal.into(),
            label_da: (da).into(),
            label_en: (en).into(),
            source: "Bilag 6 3.4.4",
            figure: Figure::Percent { num: w, den: n },
            target,
            counts: vec![("n", n), ("needed", needed), ("within", w), ("over", n - w)],
            verdict: if met { Verdict::Met } else { Verdict::NotMet },
            shortfall: (!met).then_some((num.max(0), n, units)),
            critical: false,
            points,
            population,
        });
    }
}

fn kpi1_goal(pol: Policies, cat: u8) -> &'static str {
    match (pol.kpi1_grouping, cat) {
        (Kpi1Grouping::Combined, _) => "bilag6.kpi1",
        (_, 1 | 2) => "bilag6.kpi1.cat12",
        _ => "bilag6.kpi1.cat34",
    }
}

fn incident_id<'a>(f: &'a Fact<'_>) -> &'a str {
    match &*f.event {
        Event::IncidentReported(e) => &e.incident_id,
        Event::IncidentDetected(e) => &e.incident_id,
        _ => f.id,
    }
}

// ------------------------------------------------------------------ KPI 2

#[allow(clippy::too_many_arguments)]
fn kpi2(
    k: &crate::ruleset::Kpi2,
    desk: &OpeningHours,
    cal: &Calendar,
    incs: &Incidents<'_>,
    openings: &Openings,
    pol: Policies,
    eval: Instant,
    m: Month,
    (m_start, m_end): (Instant, Instant),
    goals: &mut Vec<GoalLine>,
    open: &mut Vec<OpenClock>,
) {
    let mut per_cat: [Vec<Measurement>; 4] = Default::default();
    for (id, inc) in incs.iter() {
        let Some((received, first)) = inc.received() else {
            continue;
        };
        let registered = inc.reports().find_map(|f| match &*f.event {
            Event::IncidentReported(r) => r.record_created_at,
            _ => None,
        });
        let from = match (pol.kpi2_start, registered) {
            (Kpi2Start::Registered, Some(r)) => r,
            _ => received,
        };
        if from >= m_end {
            continue;
        }
        let Some(s) = openings.next(desk, cal, from) else {
            continue;
        };
        if skip_early(
            pol.attribution,
            s,
            inc.resolution_stop().map(|f| f.at),
            m_start,
            m_end,
        ) {
            continue;
        }
        let cat_fact = inc.category();
        let cat = cat_fact.map(|c| c.0).unwrap_or(1).clamp(1, 4);
        let mut events = first.refs();
        if let Some((_, f)) = cat_fact {
            events.extend(f.refs());
        }
        // What a stop at `t` would mean: (value, deadline, within, units, points).
        let judge = |t: Instant| -> (
            Option<i64>,
            Option<Instant>,
            bool,
            i64,
            Tenths,
            Limit,
            &'static str,
        ) {
            match cat {
                1 | 2 => {
                    let (hours, rate) = if cat == 1 {
                        (k.cat1_hours, k.cat1_points_per_started_hour)
                    } else {
                        (k.cat2_hours, k.cat2_points_per_started_hour)
                    };
                    let target = i64::from(hours) * HOUR_MS;
                    let (value, deadline) = match pol.clock {
                        ClockPolicy::WallAfterStart => {
                            (elapsed(s, t), Some(s.saturating_add_millis(target)))
                        }
                        ClockPolicy::BusinessHours => (
                            desk.opening_time(cal, s, t),
                            desk.add_opening_time(cal, s, target),
                        ),
                    };
                    let units = calendar::started_units(value - target, HOUR_MS);
                    // SPEC §5.2: within iff stop ≤ d ("senest"); points count
                    // started hours of value − target. Under business_hours a
                    // stop after a closing-time deadline is late with 0 points
                    // until opening time runs again (noted in the issue).
                    let within = deadline.map_or(value <= target, |d| t <= d);
                    (
                        Some(value),
                        deadline,
                        within,
                        units,
                        Tenths(units * rate.0),
                        Limit::Duration {
                            ms: target,
                            strict: false,
                        },
                        "started hour",
                    )
                }
                _ => {
                    let (days, rate) = if cat == 3 {
                        (k.cat3_arbejdsdage, k.cat3_points_per_started_arbejdsdag)
                    } else {
                        (k.cat4_arbejdsdage, k.cat4_points_per_started_arbejdsdag)
                    };
                    let d = calendar::arbejdsdage_deadline(cal, s, days);
                    let units = calendar::started_arbejdsdage_late(cal, &d, t);
                    (
                        None,
                        Some(d.instant()),
                        units == 0,
                        units,
                        Tenths(units * rate.0),
                        Limit::Deadline(d.instant()),
                        "started Arbejdsdag",
                    )
                }
            }
        };
        let stop = inc.resolution_stop();
        let stop_at = stop.map(|f| f.at);
        if listed_open(pol.attribution, s, stop_at, m_end) {
            let (_, deadline, _, _, pts, _, _) = judge(eval);
            let value_at = |t: Instant| match pol.clock {
                ClockPolicy::BusinessHours if cat <= 2 => desk.opening_time(cal, s, t),
                _ => elapsed(s, t),
            };
            open.push(OpenClock {
                goal: (kpi2_goal(cat).0).into(),
                object: (*id).to_owned(),
                category: Some(cat),
                start: s,
                deadline,
                elapsed_month_end_ms: value_at(eval.min(m_end)),
                elapsed_eval_ms: value_at(eval),
                overdue: deadline.is_some_and(|d| d < eval),
                points_if_stopped_now: Some(pts),
                state: "running",
                events: events.clone(),
            });
        }
        let Some(stop) = stop else {
            continue;
        };
        if attributed_month(pol.attribution, s, stop.at) != m {
            continue;
        }
        let (value, deadline, within, units, points, limit, unit) = judge(stop.at);
        events.extend(stop.refs());
        events.sort();
        events.dedup();
        per_cat[usize::from(cat - 1)].push(Measurement {
            object: (*id).to_owned(),
            category: Some(cat),
            start: s,
            stop: Some(stop.at),
            value_ms: value,
            limit,
            deadline,
            within,
            units_over: units,
            unit,
            points,
            events,
            state: None,
        });
    }
    for (i, population) in per_cat.into_iter().enumerate() {
        let cat = i as u8 + 1;
        let (goal, da, en) = kpi2_goal(cat);
        let target = match cat {
            1 => format!("≤ {} h", k.cat1_hours),
            2 => format!("≤ {} h", k.cat2_hours),
            3 => format!("≤ {} Arbejdsdage", k.cat3_arbejdsdage),
            _ => format!("≤ {} Arbejdsdage", k.cat4_arbejdsdage),
        };
        goals.push(all_within_line(
            (goal, da, en, "Bilag 6 3.4.5"),
            target,
            population,
        ));
    }
}

fn kpi2_goal(cat: u8) -> (&'static str, &'static str, &'static str) {
    match cat {
        1 => (
            "bilag6.kpi2.cat1",
            "KPI 2: Løsningstid, Alvorlig Fejl (kategori 1)",
            "KPI 2: resolution time, category 1",
        ),
        2 => (
            "bilag6.kpi2.cat2",
            "KPI 2: Løsningstid, Betydelig Fejl (kategori 2)",
            "KPI 2: resolution time, category 2",
        ),
        3 => (
            "bilag6.kpi2.cat3",
            "KPI 2: Løsningstid, Normal Fejl (kategori 3)",
            "KPI 2: resolution time, category 3",
        ),
        _ => (
            "bilag6.kpi2.cat4",
            "KPI 2: Løsningstid, Mindre betydelig Fejl (kategori 4)",
            "KPI 2: resolution time, category 4",
        ),
    }
}

// ------------------------------------------------------------------ KPI 3

#[allow(clippy::too_many_arguments)]
fn kpi3(
    k: &crate::ruleset::Kpi3,
    cal: &Calendar,
    facts: &Facts<'_>,
    incs: &Incidents<'_>,
    pol: Policies,
    eval: Instant,
    m: Month,
    m_end: Instant,
    goals: &mut Vec<GoalLine>,
    open: &mut Vec<OpenClock>,
    findings: &mut Vec<Finding>,
) {
    let mut deliveries: BTreeMap<&str, &Fact<'_>> = BTreeMap::new();
    for f in &facts.facts {
        if let Event::RcaDelivered(d) = &*f.event {
            if let Some(id) = &d.rca_request_id {
                let e = deliveries.entry(id.as_str()).or_insert(f);
                if (f.at, f.seq) < (e.at, e.seq) {
                    *e = f;
                }
            }
        }
    }
    let mut population = Vec::new();
    for f in &facts.facts {
        let Event::RcaRequested(r) = &*f.event else {
            continue;
        };
        let cat = incs
            .get(r.incident_id.as_str())
            .and_then(|i| i.category())
            .map(|c| c.0)
            .unwrap_or(1);
        if cat > 2 {
            findings.push(Finding {
                kind: "rca_for_category_3_or_4",
                text: format!(
                    "RCA request `{}` concerns incident `{}` of category {cat}; only categories 1 and 2 are measured (SPEC §5.3)",
                    r.rca_request_id, r.incident_id
                ),
                events: f.refs(),
            });
            continue;
        }
        let s = r.requested_at;
        let d: LocalDeadline = calendar::arbejdsdage_deadline(cal, s, k.arbejdsdage);
        let stop = deliveries.get(r.rca_request_id.as_str()).copied();
        let stop_at = stop.map(|x| x.at);
        let mut events = f.refs();
        if listed_open(pol.attribution, s, stop_at, m_end) {
            let units = calendar::started_arbejdsdage_late(cal, &d, eval);
            open.push(OpenClock {
                goal: ("bilag6.kpi3").into(),
                object: r.rca_request_id.to_string(),
                category: Some(cat),
                start: s,
                deadline: Some(d.instant()),
                elapsed_month_end_ms: elapsed(s, eval.min(m_end)),
                elapsed_eval_ms: elapsed(s, eval),
                overdue: d.instant() < eval,
                points_if_stopped_now: Some(Tenths(units * k.points_per_started_arbejdsdag.0)),
                state: "running",
                events: events.clone(),
            });
        }
        let Some(stop) = stop else {
            continue;
        };
        if attributed_month(pol.attribution, s, stop.at) != m {
            continue;
        }
        let units = calendar::started_arbejdsdage_late(cal, &d, stop.at);
        events.extend(stop.refs());
        population.push(Measurement {
            object: r.rca_request_id.to_string(),
            category: Some(cat),
            start: s,
            stop: Some(stop.at),
            value_ms: None,
            limit: Limit::Deadline(d.instant()),
            deadline: Some(d.instant()),
            within: units == 0,
            units_over: units,
            unit: "started Arbejdsdag",
            points: Tenths(units * k.points_per_started_arbejdsdag.0),
            events,
            state: None,
        });
    }
    goals.push(all_within_line(
        (
            "bilag6.kpi3",
            "KPI 3: Løsningstid for Root Cause Analysis",
            "KPI 3: root cause analysis delivery",
            "Bilag 6 3.5.2",
        ),
        format!("≤ {} Arbejdsdage", k.arbejdsdage),
        population,
    ));
}

// ------------------------------------------------------------------ KPI 4

fn kpi4(
    k: &crate::ruleset::Kpi4,
    ctx: &Context<'_>,
    facts: &Facts<'_>,
    pol: Policies,
    m: Month,
    goals: &mut Vec<GoalLine>,
    open: &mut Vec<OpenClock>,
) {
    // The report month whose outcome belongs to m.
    let r = match pol.kpi4_month {
        Kpi4Month::ReportMonth => m,
        Kpi4Month::DeadlineMonth => calendar::prev_month(m),
    };
    let eval = ctx.eval;
    let mut line = GoalLine {
        goal: ("bilag6.kpi4").into(),
        label_da: ("KPI 4: Månedlig statusrapport").into(),
        label_en: ("KPI 4: monthly status report").into(),
        source: "Bilag 6 3.6.1",
        figure: Figure::State("not evaluated"),
        target: format!(
            "≤ end of the {}th Arbejdsdag after the month",
            k.arbejdsdage_after_month
        ),
        counts: vec![("n", 0)],
        verdict: Verdict::Met,
        shortfall: None,
        critical: false,
        points: Tenths(0),
        population: Vec::new(),
    };
    // Only months the Bilag 6 rule set governs are measured.
    let Some(rules_r) = (ctx.rules_for)(r).filter(|rs| rs.bilag6.kpi4.is_some()) else {
        goals.push(line);
        return;
    };
    let cal = &rules_r.calendar;
    let deadline =
        calendar::end_of_nth_arbejdsdag(cal, calendar::last_day(r), k.arbejdsdage_after_month);
    let d_at = deadline.instant();
    let rejected: Vec<&str> = facts
        .facts
        .iter()
        .filter_map(|f| match &*f.event {
            Event::MonthlyReportRejected(x) if x.month == r => Some(x.submission_event_id.as_str()),
            _ => None,
        })
        .collect();
    let mut rejected_refs = Vec::new();
    let submission = facts
        .facts
        .iter()
        .filter(|f| matches!(&*f.event, Event::MonthlyReportSubmitted(x) if x.month == r))
        .filter(|f| {
            let is_rejected = rejected.contains(&f.id);
            if is_rejected {
                rejected_refs.extend(f.refs());
            }
            !(is_rejected && pol.kpi4_rejected_report == Kpi4RejectedReport::DoesNotCount)
        })
        .min_by_key(|f| (f.at, f.seq));
    let object = format!("report for {r}");
    let (state, stop, units, points) = match submission {
        Some(f) if f.at <= d_at => ("on time", Some(f.at), 0, Tenths(0)),
        Some(f) => {
            let u = calendar::started_arbejdsdage_late(cal, &deadline, f.at);
            (
                "late",
                Some(f.at),
                u,
                Tenths(u * k.points_per_started_arbejdsdag.0),
            )
        }
        None if eval > d_at => {
            let u = calendar::started_arbejdsdage_late(cal, &deadline, eval);
            (
                "missing",
                None,
                u,
                Tenths(k.missing_points.0 + u * k.points_per_started_arbejdsdag.0),
            )
        }
        None => ("pending", None, 0, Tenths(0)),
    };
    if state == "pending" {
        open.push(OpenClock {
            goal: ("bilag6.kpi4").into(),
            object: object.clone(),
            category: None,
            start: calendar::month_bounds(r).1,
            deadline: Some(d_at),
            elapsed_month_end_ms: 0,
            elapsed_eval_ms: elapsed(calendar::month_bounds(r).1, eval),
            overdue: false,
            points_if_stopped_now: None,
            state: "pending",
            events: Vec::new(),
        });
        line.figure = Figure::State("pending");
        line.verdict = Verdict::Pending;
        goals.push(line);
        return;
    }
    let mut events = submission.map(|f| f.refs()).unwrap_or_default();
    events.extend(rejected_refs);
    line.figure = Figure::State(state);
    line.counts = vec![
        ("n", 1),
        ("late", i64::from(state == "late")),
        ("missing", i64::from(state == "missing")),
    ];
    line.verdict = if state == "on time" {
        Verdict::Met
    } else {
        Verdict::NotMet
    };
    line.points = points;
    line.population.push(Measurement {
        object,
        category: None,
        start: calendar::month_bounds(r).1,
        stop,
        value_ms: None,
        limit: Limit::Deadline(d_at),
        deadline: Some(d_at),
        within: state == "on time",
        units_over: units,
        unit: "started Arbejdsdag",
        points,
        events,
        state: Some(state),
    });
    goals.push(line);
}

// ----------------------------------------------------- not performed (§5.5)

fn not_performed(
    rate: Tenths,
    facts: &Facts<'_>,
    pol: Policies,
    m: Month,
    goals: &mut Vec<GoalLine>,
) {
    let mut per_kpi: BTreeMap<u8, i64> = BTreeMap::new();
    let mut population = Vec::new();
    for f in &facts.facts {
        let Event::MeasurementMissing(e) = &*f.event else {
            continue;
        };
        if e.month != m {
            continue;
        }
        let counts = match e.reason {
            MissingReason::Supplier => true,
            MissingReason::Dispute => pol.unmeasured_dispute_points == YesNo::Yes,
        };
        let items = i64::from(e.items);
        let points = if counts {
            Tenths(items * rate.0)
        } else {
            Tenths(0)
        };
        if counts {
            *per_kpi.entry(e.kpi).or_default() += items;
        }
        population.push(Measurement {
            object: format!(
                "KPI {}: {} item(s) not registered ({})",
                e.kpi,
                items,
                e.reason.as_str()
            ),
            category: None,
            start: f.at,
            stop: None,
            value_ms: None,
            limit: Limit::Deadline(f.at),
            deadline: None,
            within: !counts,
            units_over: if counts { items } else { 0 },
            unit: "item",
            points,
            events: f.refs(),
            state: Some(if counts {
                "counted"
            } else {
                "not counted (dispute)"
            }),
        });
    }
    let points = Tenths(population.iter().map(|x| x.points.0).sum());
    goals.push(GoalLine {
        goal: ("bilag6.not_performed").into(),
        label_da: ("Måling ikke udført").into(),
        label_en: ("measurements not performed").into(),
        source: "Bilag 6 3.4.4, 3.4.5, 3.6.1",
        figure: Figure::NotPerformed(per_kpi.into_iter().collect()),
        target: "none".into(),
        counts: vec![("events", population.len() as i64)],
        verdict: if points.0 == 0 {
            Verdict::Met
        } else {
            Verdict::NotMet
        },
        shortfall: None,
        critical: false,
        points,
        population,
    });
}
