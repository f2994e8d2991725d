//! Response-time probes and control measurements (Bilag 7.2.A 14, SPEC
//! §6.8-6.9): limits per sample, sample packages and their classes, the
//! tolerated packages, package and gap deductions from production
//! application availability, probe triggers and their covering incidents,
//! and the pass / fail verdict of control measurements.

use crate::availability::{Contribution, ProbeDeductions};
use crate::bilag6::{Figure, Finding, GoalLine, Limit, Measurement, Verdict};
use crate::facts::{EventRef, Facts};
use crate::intervals::{self, Span};
use crate::ruleset::{
    FailedSample, PackageDeduction, PayloadAllowance, Policies, ResponseTimeGoal, Tenths,
};
use slaledger_ledger::event::Event;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::{Month, ProbeKind};
use std::collections::BTreeMap;

const MIN_MS: i64 = 60_000;

/// How a sample compares with its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Over {
    /// Within the desired limit.
    None,
    /// Over the desired limit only.
    Desired,
    /// Over the maximum (and so over the desired limit).
    Maximum,
}

/// One UI or service sample with its verdict.
#[derive(Debug, Clone)]
pub struct Sample<'a> {
    /// Measuring point.
    pub point: &'a str,
    /// Small index of the measuring point, equal for equal `point`s within
    /// one [`samples`] result (grouping without comparing strings).
    pub point_ix: usize,
    /// `ui` or `service`.
    pub kind: ProbeKind,
    /// Round id.
    pub round: &'a str,
    /// Small index of the round, equal for equal `round`s within one
    /// [`samples`] result (packages are found without comparing strings).
    pub round_ix: u32,
    /// Started at, ms.
    pub at: i64,
    /// Its comparison with the limits.
    pub over: Over,
    /// Seq of the sample event.
    pub seq: u64,
    /// Id of the sample event.
    pub id: &'a str,
}

impl Sample<'_> {
    /// The sample event as a report cites it.
    pub fn event(&self) -> EventRef {
        EventRef {
            seq: self.seq,
            id: self.id.to_owned(),
        }
    }
}

/// What a sample measured (the fields of `probe_sample` that decide its
/// comparison with the limits).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    /// Measured time, ms (absent when failed).
    pub duration_ms: Option<u64>,
    /// The transaction completed correctly.
    pub ok: bool,
    /// Payload size in bytes (service transactions).
    pub payload_bytes: Option<u64>,
    /// Documented integration time, ms (14.2).
    pub integration_ms: Option<u64>,
    /// Documented excluded delay, ms (14.2).
    pub excluded_ms: Option<u64>,
}

/// The effective time of a sample against its limits (SPEC §6.8.2-6.8.3);
/// `None` when a failed sample is treated as missing.
pub fn classify(
    goal: &ResponseTimeGoal,
    pol: &Policies,
    kind: ProbeKind,
    category: u8,
    s: Timing,
) -> Option<Over> {
    Limits::new(goal, pol).classify(kind, category, s)
}

/// A goal's limits with the two policies that shape a comparison
/// (`failed_sample`, `payload_allowance`) resolved once: a month compares
/// ~160,000 samples, and looking a policy up parses its rule-set spelling.
#[derive(Debug, Clone, Copy)]
pub struct Limits<'g> {
    goal: &'g ResponseTimeGoal,
    failed: FailedSample,
    allowance: PayloadAllowance,
}

impl<'g> Limits<'g> {
    /// The limits of `goal` under `pol`.
    pub fn new(goal: &'g ResponseTimeGoal, pol: &Policies) -> Self {
        Limits {
            goal,
            failed: pol.failed_sample(),
            allowance: pol.payload_allowance(),
        }
    }

    /// See [`classify`].
    pub fn classify(&self, kind: ProbeKind, category: u8, s: Timing) -> Option<Over> {
        let Timing {
            duration_ms,
            ok,
            payload_bytes,
            integration_ms,
            excluded_ms,
        } = s;
        let measured = match (ok, duration_ms) {
            (true, Some(d)) => d as i64,
            _ => {
                return match self.failed {
                    FailedSample::OverMax => Some(Over::Maximum),
                    FailedSample::Missing => None,
                }
            }
        };
        let effective =
            (measured - integration_ms.unwrap_or(0) as i64 - excluded_ms.unwrap_or(0) as i64)
                .max(0);
        let table = match kind {
            ProbeKind::Service => &self.goal.service_ms,
            _ => &self.goal.ui_ms,
        };
        let (desired, maximum) = table[usize::from(category.clamp(1, 3)) - 1];
        // Compare in ms × 500 so the proportional allowance (+1 ms per 500
        // bytes) stays exact.
        let over_5mb = match kind {
            ProbeKind::Service => payload_bytes.unwrap_or(0).saturating_sub(5_000_000) as i64,
            _ => 0,
        };
        let allowance_x500 = match self.allowance {
            PayloadAllowance::Proportional => over_5mb,
            PayloadAllowance::StartedMb => (over_5mb + 999_999) / 1_000_000 * 2000 * 500,
        };
        let e = i128::from(effective) * 500;
        let lim = |l: i64| i128::from(l) * 500 + i128::from(allowance_x500);
        Some(if e > lim(maximum) {
            Over::Maximum
        } else if e > lim(desired) {
            Over::Desired
        } else {
            Over::None
        })
    }
}

/// How far before a month the samples that judge it are read: the trigger
/// window and episode chaining of SPEC §6.8.6 look back at most this far
/// (an episode of unbroken triggers longer than a day is reported again at
/// the start of the look-back).
pub const LOOKBACK_MS: i64 = 24 * 3_600_000;

/// The UI and service samples that judge `[lo, hi)`: those from `lo` minus
/// [`LOOKBACK_MS`] to `hi`, plus each configured point's last sample before
/// that (the continuous gap timeline pairs a month's first sample with it),
/// in time order (ledger order among equal instants).
pub fn samples<'a>(
    facts: &'a Facts<'a>,
    goal: &ResponseTimeGoal,
    pol: &Policies,
    (lo, hi): (i64, i64),
) -> Vec<Sample<'a>> {
    let from = lo.saturating_sub(LOOKBACK_MS);
    let index = facts.probe_samples();
    // Points and rounds get their small indexes here, while each sample's
    // content is at hand (later passes then compare numbers, not strings
    // in memory long evicted from the caches).
    let (mut points, mut rounds) = (Interner::default(), Interner::default());
    let limits = Limits::new(goal, pol);
    let mut sample = |pos: u32| -> Option<Sample<'a>> {
        let f = &facts.facts[pos as usize];
        let Event::ProbeSample(s) = &*f.event else {
            return None;
        };
        let over = limits.classify(
            s.probe_kind,
            s.category.unwrap_or(1),
            Timing {
                duration_ms: s.duration_ms,
                ok: s.ok,
                payload_bytes: s.payload_bytes,
                integration_ms: s.integration_ms,
                excluded_ms: s.excluded_ms,
            },
        )?;
        Some(Sample {
            point: &s.point_id,
            point_ix: points.ix(&s.point_id) as usize,
            kind: s.probe_kind,
            round: &s.round_id,
            round_ix: rounds.ix(&s.round_id),
            at: s.started_at.millis(),
            over,
            seq: f.seq,
            id: f.id,
        })
    };
    let first = index.partition_point(|(t, _)| *t < from);
    let last = index.partition_point(|(t, _)| *t < hi);
    let mut out: Vec<Sample<'a>> = Vec::with_capacity(last - first + goal.points.len());
    out.extend(
        index[first..last]
            .iter()
            .filter_map(|(_, pos)| sample(*pos)),
    );
    // Each configured point's last sample before the look-back, walking
    // back until every point is found (or the stream's start).
    let mut wanted: Vec<&str> = goal.points.keys().map(String::as_str).collect();
    for (_, pos) in index[..first].iter().rev() {
        if wanted.is_empty() {
            break;
        }
        let Event::ProbeSample(s) = &*facts.facts[*pos as usize].event else {
            continue;
        };
        if let Some(w) = wanted.iter().position(|p| *p == s.point_id) {
            if let Some(x) = sample(*pos) {
                out.push(x);
                wanted.swap_remove(w);
            }
        }
    }
    // Stable: equal instants keep ledger order.
    out.sort_by_key(|s| (s.at, s.seq));
    // Point indexes in order of first appearance in time order (the order
    // `by_point` groups in).
    let mut first_seen = vec![usize::MAX; points.len()];
    let mut seen = 0;
    for s in &mut out {
        let ix = &mut first_seen[s.point_ix];
        if *ix == usize::MAX {
            *ix = seen;
            seen += 1;
        }
        s.point_ix = *ix;
    }
    out
}

/// Small indexes for strings, in order of first request; the last string
/// is compared first (a round's samples come one after another).
#[derive(Default)]
struct Interner<'a> {
    last: Option<(&'a str, u32)>,
    // Only looked up, never iterated: no order reaches an output.
    map: rustc_hash::FxHashMap<&'a str, u32>,
}

impl<'a> Interner<'a> {
    fn ix(&mut self, k: &'a str) -> u32 {
        if let Some((l, i)) = self.last {
            if l == k {
                return i;
            }
        }
        let n = self.map.len() as u32;
        let i = *self.map.entry(k).or_insert(n);
        self.last = Some((k, i));
        i
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

/// The samples grouped by measuring point (by `point_ix`), each in time order.
fn by_point<'s, 'a>(samples: impl Iterator<Item = &'s Sample<'a>>) -> Vec<Vec<&'s Sample<'a>>>
where
    'a: 's,
{
    let mut out: Vec<Vec<&Sample<'a>>> = Vec::new();
    for s in samples {
        if out.len() <= s.point_ix {
            out.resize_with(s.point_ix + 1, Vec::new);
        }
        out[s.point_ix].push(s);
    }
    out
}

/// A sample package (Stikprøvepakke) of one kind and round.
#[derive(Debug, Clone)]
pub struct Package<'a> {
    /// Kind.
    pub kind: ProbeKind,
    /// Round id.
    pub round: &'a str,
    /// Its samples' [`Sample::round_ix`].
    pub round_ix: u32,
    /// Its instant: the earliest sample.
    pub at: i64,
    /// The latest sample's instant.
    pub last: i64,
    /// Positions of its samples in the slice it was built from.
    pub members: Vec<u32>,
    /// Its class: the worst sample.
    pub over: Over,
    /// Samples in it.
    pub samples: usize,
    /// Samples over the maximum / over the desired limit only.
    pub over_counts: (usize, usize),
}

/// The packages of `samples`, ordered by instant, kind and round.
fn packages<'a>(samples: &[&Sample<'a>]) -> Vec<Package<'a>> {
    // A round's samples are adjacent in time order, so most samples belong
    // to the package of the sample before them; the map finds the others.
    // It only locates packages: the result is sorted, so its iteration
    // order never reaches an output.
    let mut v: Vec<Package<'a>> = Vec::with_capacity(samples.len() / 4 + 1);
    let mut at: rustc_hash::FxHashMap<(ProbeKind, u32), usize> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(samples.len() / 4 + 1, Default::default());
    let mut last: Option<usize> = None;
    for (i, s) in samples.iter().enumerate() {
        let same = last.filter(|&j| v[j].kind == s.kind && v[j].round_ix == s.round_ix);
        let j = match same {
            Some(j) => j,
            None => *at.entry((s.kind, s.round_ix)).or_insert_with(|| {
                v.push(Package {
                    kind: s.kind,
                    round: s.round,
                    round_ix: s.round_ix,
                    at: s.at,
                    last: s.at,
                    members: Vec::new(),
                    over: Over::None,
                    samples: 0,
                    over_counts: (0, 0),
                });
                v.len() - 1
            }),
        };
        last = Some(j);
        let p = &mut v[j];
        p.members.push(i as u32);
        p.at = p.at.min(s.at);
        p.last = p.last.max(s.at);
        p.over = p.over.max(s.over);
        p.samples += 1;
        match s.over {
            Over::Maximum => p.over_counts.0 += 1,
            Over::Desired => p.over_counts.1 += 1,
            Over::None => {}
        }
    }
    v.sort_unstable_by(|a, b| (a.at, a.kind as u8, a.round).cmp(&(b.at, b.kind as u8, b.round)));
    v
}

fn kind_name(k: ProbeKind) -> &'static str {
    match k {
        ProbeKind::Ui => "ui",
        ProbeKind::Service => "service",
        ProbeKind::Availability => "availability",
    }
}

/// Per kind: package counts of the month by class (SPEC §8.2 population).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// Samples in the month.
    pub samples: i64,
    /// Samples within the maximum / within the desired limit.
    pub within: (i64, i64),
    /// Packages: over maximum, desired only, ok, ignored (excluded time), deducting.
    pub packages: [i64; 5],
}

/// The probe deductions of a month (SPEC §6.8.5) from the month's samples
/// `all` (`facts` need not hold the samples: only waivers are read from
/// it), given the time excluded
/// for probes (`busy`: counted downtime and overruns; `windows`: agreed
/// window time), the per-kind counts, and findings.
#[allow(clippy::too_many_arguments)]
pub(crate) fn deductions(
    facts: &Facts<'_>,
    all: &[Sample<'_>],
    goal: &ResponseTimeGoal,
    pol: &Policies,
    m: Month,
    eval: Instant,
    busy: &[Span],
    windows: &[Span],
) -> (ProbeDeductions, [KindCounts; 2], Vec<Finding>) {
    let (ms, me) = crate::calendar::month_bounds(m);
    let (lo, hi) = (ms.millis(), me.millis());
    let package_deduction = pol.package_deduction();
    let excluded = intervals::union([busy, windows].concat());
    let inside = |t: i64| {
        let i = excluded.partition_point(|s| s.to <= t);
        i < excluded.len() && excluded[i].from <= t
    };
    let mut out = ProbeDeductions::default();
    let mut counts: [KindCounts; 2] = Default::default();
    let mut findings = Vec::new();
    let mut deducting_instants = Vec::new();
    for (ki, kind) in [ProbeKind::Ui, ProbeKind::Service].into_iter().enumerate() {
        let of_kind: Vec<&Sample<'_>> = all.iter().filter(|s| s.kind == kind).collect();
        let c = &mut counts[ki];
        for s in of_kind.iter().filter(|s| (lo..hi).contains(&s.at)) {
            c.samples += 1;
            c.within.0 += i64::from(s.over != Over::Maximum);
            c.within.1 += i64::from(s.over == Over::None);
        }
        let (mut max_seen, mut desired_seen) = (0u32, 0u32);
        for p in packages(&of_kind)
            .into_iter()
            .filter(|p| (lo..hi).contains(&p.at))
        {
            let describe = |what: &'static str, minutes: i64| Contribution {
                kind: what,
                object: format!(
                    "{} round {}: {} samples, {} over maximum, {} over desired only",
                    kind_name(kind),
                    p.round,
                    p.samples,
                    p.over_counts.0,
                    p.over_counts.1
                ),
                span: Span::new(p.at, p.last),
                counted_ms: minutes * MIN_MS,
                events: p
                    .members
                    .iter()
                    .map(|i| of_kind[*i as usize].event())
                    .collect(),
            };
            if inside(p.at) {
                c.packages[3] += 1;
                if p.over != Over::None {
                    out.packages.push(describe("ignored_package", 0));
                }
                continue;
            }
            let tolerated = match p.over {
                Over::None => {
                    c.packages[2] += 1;
                    continue;
                }
                Over::Maximum => {
                    c.packages[0] += 1;
                    max_seen += 1;
                    max_seen <= goal.max_tolerated
                }
                Over::Desired => {
                    c.packages[1] += 1;
                    desired_seen += 1;
                    desired_seen <= goal.desired_tolerated
                }
            };
            if tolerated {
                continue;
            }
            c.packages[4] += 1;
            // Under `period` its time is the `probe_package` interval instead.
            let minutes = match package_deduction {
                PackageDeduction::Count => i64::from(goal.package_minutes),
                PackageDeduction::Period => 0,
            };
            out.packages.push(describe("deducting_package", minutes));
            deducting_instants.push(p.at);
            if package_deduction == PackageDeduction::Period {
                out.intervals.push(Contribution {
                    kind: "probe_package",
                    object: format!(
                        "{} round {} ({} samples; {} over maximum, {} over desired only)",
                        kind_name(kind),
                        p.round,
                        p.samples,
                        p.over_counts.0,
                        p.over_counts.1
                    ),
                    span: Span::new(p.at, p.at + i64::from(goal.package_minutes) * MIN_MS),
                    counted_ms: 0,
                    events: Vec::new(),
                });
            }
        }
    }
    if package_deduction == PackageDeduction::Count {
        deducting_instants.sort_unstable();
        deducting_instants.dedup();
        out.count_minutes = deducting_instants.len() as i64 * i64::from(goal.package_minutes);
    }
    // Gaps per configured measuring point on the continuous timeline.
    let waivers = waivers(facts);
    let groups = by_point(all.iter());
    let mut by_name: BTreeMap<&str, &[&Sample<'_>]> = BTreeMap::new();
    for g in &groups {
        if let Some(first) = g.first() {
            by_name.insert(first.point, g.as_slice());
        }
    }
    let gap_ms = i64::from(goal.gap_seconds) * 1000;
    for (point, cfg) in &goal.points {
        if !cfg.active_in(m) {
            continue;
        }
        let list: &[&Sample<'_>] = by_name.get(point.as_str()).copied().unwrap_or(&[]);
        for w in list.windows(2) {
            let (a, b) = (w[0], w[1]);
            if b.at - a.at <= gap_ms || b.at <= lo || a.at >= hi {
                continue;
            }
            let waived = waivers
                .get(point.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let cut = intervals::union([excluded.clone(), waived.to_vec()].concat());
            // The time between the samples, `t₂ − t₁` (SPEC §6.8.8 ex. 4: 361 s).
            for s in intervals::subtract(&[Span::new(a.at, b.at)], &cut) {
                out.intervals.push(Contribution {
                    kind: "probe_gap",
                    object: point.clone(),
                    span: s,
                    counted_ms: 0,
                    events: vec![a.event(), b.event()],
                });
            }
        }
        if let Some(last) = list.last() {
            let now = eval.millis();
            if (lo..hi).contains(&now) && now - last.at > gap_ms {
                findings.push(Finding {
                    kind: "measuring_point_silent",
                    text: format!(
                        "measuring point `{point}` silent since {}",
                        Instant::from_millis(last.at)
                    ),
                    events: vec![last.event()],
                });
            }
        }
    }
    (out, counts, findings)
}

fn waivers<'a>(facts: &'a Facts<'a>) -> BTreeMap<&'a str, Vec<Span>> {
    let mut m: BTreeMap<&str, Vec<Span>> = BTreeMap::new();
    for f in &facts.facts {
        if let Event::ProbeGapWaived(e) = &*f.event {
            m.entry(&e.point_id)
                .or_default()
                .push(Span::new(e.from.millis(), e.to.millis()));
        }
    }
    m
}

/// A probe-trigger episode (SPEC §6.8.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Episode {
    /// `ui` or `service`.
    pub kind: ProbeKind,
    /// `A` or `B`.
    pub priority: char,
    /// Its instant: the first trigger.
    pub at: i64,
    /// Triggers in it.
    pub triggers: usize,
    /// The samples behind it.
    pub events: Vec<EventRef>,
}

/// The trigger episodes of one kind whose instant lies in `[lo, hi)`;
/// triggers in agreed windows are ignored.
pub fn episodes(
    samples: &[Sample<'_>],
    goal: &ResponseTimeGoal,
    kind: ProbeKind,
    windows: &[Span],
    (lo, hi): (i64, i64),
) -> Vec<Episode> {
    let window = i64::from(goal.trigger_window_minutes) * MIN_MS;
    let of_kind: Vec<&Sample<'_>> = samples.iter().filter(|s| s.kind == kind).collect();
    let in_window = |t: i64| windows.iter().any(|w| w.from <= t && t < w.to);
    let mut out = Vec::new();
    for (prio, level) in [('A', Over::Maximum), ('B', Over::Desired)] {
        let over: Vec<&&Sample<'_>> = of_kind.iter().filter(|s| s.over >= level).collect();
        let mut triggers: Vec<(i64, Vec<EventRef>)> = Vec::new();
        for (i, s) in over.iter().enumerate() {
            // Another such sample at the same instant or up to 60 min earlier.
            let partner = over[..i]
                .iter()
                .rev()
                .take_while(|o| s.at - o.at <= window)
                .next()
                .or_else(|| over[i + 1..].iter().find(|o| o.at == s.at));
            if let Some(o) = partner {
                triggers.push((s.at, vec![o.event(), s.event()]));
            }
        }
        if prio == 'B' {
            let gap = i64::from(goal.trigger_gap_minutes) * MIN_MS;
            for list in by_point(of_kind.iter().copied()).iter() {
                for w in list.windows(2) {
                    if w[1].at - w[0].at > gap {
                        triggers.push((w[0].at + gap, vec![w[0].event(), w[1].event()]));
                    }
                }
            }
        }
        triggers.retain(|(t, _)| !in_window(*t));
        triggers.sort();
        let mut current: Option<Episode> = None;
        let mut last = i64::MIN;
        for (t, ev) in triggers {
            match &mut current {
                Some(e) if t - last <= window => {
                    e.triggers += 1;
                    e.events.extend(ev);
                }
                _ => {
                    if let Some(e) = current.take() {
                        out.push(e);
                    }
                    current = Some(Episode {
                        kind,
                        priority: prio,
                        at: t,
                        triggers: 1,
                        events: ev,
                    });
                }
            }
            last = t;
        }
        out.extend(current);
    }
    out.retain(|e| (lo..hi).contains(&e.at));
    for e in &mut out {
        e.events.sort();
        e.events.dedup();
    }
    out.sort_by_key(|e| (e.at, e.priority));
    out
}

/// The informative per-kind lines of SPEC §6.8.4.
pub(crate) fn kind_lines(counts: &[KindCounts; 2]) -> Vec<GoalLine> {
    let mut out = Vec::new();
    for (i, (k, da, en, src)) in [
        (
            "ui",
            "Svartider, brugergrænseflade",
            "response times, UI transactions",
            "Bilag 7.2.A 14.3",
        ),
        (
            "service",
            "Svartider, servicetransaktioner",
            "response times, service transactions",
            "Bilag 7.2.A 14.4",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let c = &counts[i];
        out.push(GoalLine::plain(
format!("b72a.response_times.{k}"),
(da, en),
src,
Figure::Percent {
                num: c.within.1,
                den: c.samples,
            },
"information: share within the desired limit (98 % and 99.9 % apply through the deductions, SPEC §6.8.4)".into(),
vec![
                ("n", c.samples),
                ("within", c.within.1),
                ("within_maximum", c.within.0),
                ("packages_over_maximum", c.packages[0]),
                ("packages_over_desired_only", c.packages[1]),
                ("packages_ok", c.packages[2]),
                ("packages_ignored", c.packages[3]),
                ("packages_deducting", c.packages[4]),
            ],
Verdict::NoTarget,
));
    }
    out
}

/// Control measurements completed in the month (SPEC §6.9): one line, one
/// measurement per row (`passes` / `fails`), no monthly verdict. `linked`
/// holds the seqs of failing measurements an incident was created for.
pub(crate) fn control_line(
    facts: &Facts<'_>,
    goal: &ResponseTimeGoal,
    m: Month,
    linked: &[u64],
    findings: &mut Vec<Finding>,
) -> Option<GoalLine> {
    let (ms, me) = crate::calendar::month_bounds(m);
    let mut pop = Vec::new();
    for f in &facts.facts {
        let Event::ControlMeasurement(c) = &*f.event else {
            continue;
        };
        if !(ms..me).contains(&c.completed_at) {
            continue;
        }
        let pass = passes(c);
        let short: Vec<String> = goal
            .points
            .iter()
            .filter(|(_, p)| p.active_in(m))
            .filter_map(|(id, _)| {
                let n = c
                    .per_point
                    .iter()
                    .find(|(p, _)| p == id)
                    .map_or(0, |(_, n)| *n);
                (n < u64::from(goal.control_min_per_point)).then(|| format!("{id} ({n})"))
            })
            .collect();
        if !short.is_empty() {
            findings.push(Finding {
                kind: "incomplete_control_measurement",
                text: format!(
                    "control measurement `{}` has fewer than {} measurements for {}",
                    c.measurement_id,
                    goal.control_min_per_point,
                    short.join(", ")
                ),
                events: f.refs(),
            });
        }
        if !pass && !linked.contains(&f.seq) {
            findings.push(Finding {
                kind: "failing_control_measurement_without_incident",
                text: format!(
                    "control measurement `{}` failed and no incident was created for it (14.5: an incident from {} until a corresponding measurement passes)",
                    c.measurement_id,
                    measurement_start(c)
                ),
                events: f.refs(),
            });
        }
        pop.push(Measurement {
            object: c.measurement_id.to_string(),
            category: None,
            start: c.started_at,
            stop: Some(c.completed_at),
            value_ms: None,
            limit: Limit::Deadline(c.completed_at),
            deadline: None,
            within: pass,
            units_over: 0,
            unit: "",
            points: Tenths(0),
            events: f.refs(),
            state: Some(if pass { "passes" } else { "fails" }),
        });
    }
    if pop.is_empty() {
        return None;
    }
    let failed = pop.iter().filter(|m| !m.within).count() as i64;
    let n = pop.len() as i64;
    Some(GoalLine {
        goal: "b72a.control_measurement".into(),
        label_da: "Kontrolmåling (14.5)".into(),
        label_en: "control measurements (14.5)".into(),
        source: "Bilag 7.2.A 14.5",
        figure: Figure::Count(failed),
        target: "failed measurements; each passes iff all four goals: ≥ 99.9 % within maximum and ≥ 98 % within desired, UI and service".into(),
        counts: vec![("n", n), ("within", n - failed), ("failed", failed)],
        // SPEC §6.9: no monthly verdict; each measurement passes or fails.
        verdict: Verdict::NoTarget,
        shortfall: None,
        critical: false,
        points: Tenths(0),
        population: pop,
    })
}

/// The start of a failing-measurement incident: the earlier of the
/// measurement's completion and its should-have-been-performed instant.
fn measurement_start(c: &slaledger_ledger::event::ControlMeasurement) -> Instant {
    match c.requested_at {
        Some(r) if r < c.completed_at => r,
        _ => c.completed_at,
    }
}

/// A control measurement passes all four goals (SPEC §6.9), exactly.
fn passes(c: &slaledger_ledger::event::ControlMeasurement) -> bool {
    c.per_kind.iter().all(|k| {
        let n = i128::from(k.count);
        1000 * (n - i128::from(k.over_maximum)) >= 999 * n
            && 100 * (n - i128::from(k.over_desired)) >= 98 * n
    })
}

/// Every configured measuring point has its minimum of measurements.
fn complete(
    c: &slaledger_ledger::event::ControlMeasurement,
    goal: &ResponseTimeGoal,
    m: Month,
) -> bool {
    goal.points
        .iter()
        .filter(|(_, p)| p.active_in(m))
        .all(|(id, _)| {
            c.per_point
                .iter()
                .find(|(p, _)| p == id)
                .is_some_and(|(_, n)| *n >= u64::from(goal.control_min_per_point))
        })
}

/// Links incidents created for a failing control measurement (SPEC §6.9):
/// a production incident with cause `response_time` that is marked as
/// coming from a control measurement (a should-have-detected finding of
/// basis `control_measurement`, or `incident_detected.how` naming a control
/// measurement / kontrolmåling) is linked to the latest failing measurement
/// completed at or before its start. Its start becomes the measurement's
/// start and its resolution the next complete passing measurement of the
/// same design.
pub(crate) fn link_control_measurements<'a>(
    incs: &mut BTreeMap<&'a str, crate::b72a::Inc<'a>>,
    facts: &'a Facts<'a>,
    goal: &ResponseTimeGoal,
) {
    let measurements: Vec<(
        &'a crate::facts::Fact<'a>,
        &'a slaledger_ledger::event::ControlMeasurement,
    )> = facts
        .facts
        .iter()
        .filter_map(|f| match &*f.event {
            Event::ControlMeasurement(c) => Some((f, &**c)),
            _ => None,
        })
        .collect();
    if measurements.is_empty() {
        return;
    }
    for inc in incs.values_mut() {
        let from_control = inc.should_have.iter().any(|f| {
            matches!(&*f.event, Event::ShouldHaveDetectedEstablished(e)
                if e.basis == slaledger_ledger::vocab::DetectionBasis::ControlMeasurement)
        }) || matches!(inc.opened.map(|f| &*f.event), Some(Event::IncidentDetected(e)) if {
            let h = e.how.to_lowercase();
            h.contains("control measurement") || h.contains("kontrolmåling")
        });
        let response_time = match inc.opened.map(|f| &*f.event) {
            Some(Event::IncidentReported(e)) => {
                e.cause == slaledger_ledger::vocab::Cause::ResponseTime
            }
            Some(Event::IncidentDetected(e)) => {
                e.cause == Some(slaledger_ledger::vocab::Cause::ResponseTime)
            }
            _ => false,
        };
        if !from_control
            || !response_time
            || inc.environment() != slaledger_ledger::vocab::Environment::Production
        {
            continue;
        }
        let Some((start, _)) = inc.start() else {
            continue;
        };
        let failing = measurements
            .iter()
            .filter(|(_, c)| c.completed_at <= start && !passes(c))
            .max_by_key(|(f, c)| (c.completed_at, f.seq));
        let Some(&(ff, fc)) = failing else {
            continue;
        };
        let resolution = measurements
            .iter()
            .filter(|(_, c)| {
                c.completed_at > fc.completed_at
                    && c.design_id == fc.design_id
                    && passes(c)
                    && complete(c, goal, crate::calendar::month_of(c.completed_at))
            })
            .min_by_key(|(f, c)| (c.completed_at, f.seq))
            .map(|(f, _)| *f);
        let s = measurement_start(fc);
        if inc.moved_start.is_none_or(|(t, _)| s < t) {
            inc.moved_start = Some((s, ff));
        }
        inc.control = Some(crate::b72a::ControlLink {
            failing: ff,
            resolution,
        });
    }
}

/// Response times per sender system and hour of the month (SPEC §6.8.7):
/// count, average (integer ms, rounded down) and maximum of the samples
/// that name a sender system. No target, no verdict; `None` when no sample
/// of the month names one.
pub(crate) fn sender_line(facts: &Facts<'_>, m: Month) -> Option<GoalLine> {
    let (ms, me) = crate::calendar::month_bounds(m);
    let mut hours: BTreeMap<(&str, i64), (i64, i64, i64)> = BTreeMap::new();
    let index = facts.probe_samples();
    let first = index.partition_point(|(t, _)| *t < ms.millis());
    let last = index.partition_point(|(t, _)| *t < me.millis());
    for &(at, pos) in &index[first..last] {
        let Event::ProbeSample(s) = &*facts.facts[pos as usize].event else {
            continue;
        };
        let (Some(sender), Some(d)) = (&s.sender_system, s.duration_ms) else {
            continue;
        };
        let hour = at - at.rem_euclid(3_600_000);
        let e = hours.entry((sender.as_str(), hour)).or_insert((0, 0, 0));
        e.0 += 1;
        e.1 += d as i64;
        e.2 = e.2.max(d as i64);
    }
    if hours.is_empty() {
        return None;
    }
    let n: i64 = hours.values().map(|h| h.0).sum();
    Some(GoalLine::plain(
        "b72a.sender_systems",
        (
            "Svartider pr. afsendersystem og time (14.6)",
            "response times per sender system and hour (14.6)",
        ),
        "Bilag 7.2.A 14.6",
        Figure::SenderHours(
            hours
                .into_iter()
                .map(|((s, h), (c, t, mx))| (s.to_owned(), Instant::from_millis(h), c, t, mx))
                .collect(),
        ),
        "information: count, average and maximum per hour (no target)".into(),
        vec![("n", n)],
        Verdict::NoTarget,
    ))
}
