//! Agreed service windows (Bilag 7.2.A 18.5, SPEC §6.6.3): which time is
//! removed from agreed and available time, which maintenance overran its
//! window, and which windows break the slot, duration, frequency, notice or
//! month-change blackout rules.

use crate::bilag6::Finding;
use crate::calendar::{self, Calendar};
use crate::facts::{EventRef, Facts};
use crate::intervals::Span;
use crate::ruleset::{NonconformingWindow, Policies, WindowClock, WindowRemoval};
use chrono::{Datelike, Duration, Months, NaiveDateTime, NaiveTime, Weekday};
use slaledger_ledger::event::Event;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::{Environment, WindowApproval, WindowKind};
use std::collections::BTreeMap;

/// One announced window with what happened to it.
#[derive(Debug, Clone)]
pub struct ServiceWindow<'a> {
    /// Window id.
    pub id: &'a str,
    /// Environments it names.
    pub environments: &'a [Environment],
    /// Kind (minor, major, restructuring).
    pub kind: WindowKind,
    /// `[planned start, planned end)`.
    pub planned: Span,
    /// When notice was given.
    pub announced_at: Instant,
    /// Announced as extraordinary.
    pub extraordinary: bool,
    /// KOMBIT approved it as extraordinary.
    pub approved_extraordinary: bool,
    /// KOMBIT approved an exception to a blackout period.
    pub approved_blackout: bool,
    /// Cancelled before its start.
    pub cancelled: bool,
    /// Actual start of maintenance.
    pub started: Option<Instant>,
    /// Actual end of maintenance.
    pub ended: Option<Instant>,
    /// Every event about the window.
    pub events: Vec<EventRef>,
    /// The rules it breaks (empty: conforming).
    pub broken: Vec<String>,
}

impl ServiceWindow<'_> {
    /// The window covers environment `e`.
    pub fn covers(&self, e: Environment) -> bool {
        self.environments.contains(&e)
    }

    /// Actual maintenance `[started, ended)`, an open end running to `eval`.
    pub fn maintenance(&self, eval: Instant) -> Option<Span> {
        let s = self.started?;
        let e = self.ended.unwrap_or(eval);
        Some(Span::new(s.millis(), e.millis().max(s.millis())))
    }
}

/// What the windows of one environment contribute to its availability.
#[derive(Debug, Clone, Default)]
pub struct WindowTime {
    /// Time removed from agreed and available time, with the window ids.
    pub removed: Vec<(Span, String)>,
    /// Downtime outside the agreed window (overruns, and the maintenance of
    /// windows that are not agreed under `nonconforming_window = not_agreed`).
    pub overruns: Vec<(Span, String)>,
}

/// Reads every announced window of the stream and checks its conformance.
pub fn collect<'a>(
    facts: &'a Facts<'a>,
    cal: &Calendar,
    clock: WindowClock,
) -> Vec<ServiceWindow<'a>> {
    let mut by_id: BTreeMap<&str, ServiceWindow<'a>> = BTreeMap::new();
    for f in &facts.facts {
        match &*f.event {
            Event::ServiceWindowAnnounced(e) => {
                by_id.entry(&e.window_id).or_insert_with(|| ServiceWindow {
                    id: &e.window_id,
                    environments: &e.environments,
                    kind: e.window_kind,
                    planned: Span::new(e.planned_start.millis(), e.planned_end.millis()),
                    announced_at: e.announced_at,
                    extraordinary: e.extraordinary,
                    approved_extraordinary: false,
                    approved_blackout: false,
                    cancelled: false,
                    started: None,
                    ended: None,
                    events: f.refs(),
                    broken: Vec::new(),
                });
            }
            Event::ServiceWindowApproved(e) => {
                if let Some(w) = by_id.get_mut(e.window_id.as_str()) {
                    match e.approves {
                        WindowApproval::Extraordinary => w.approved_extraordinary = true,
                        WindowApproval::BlackoutException => w.approved_blackout = true,
                    }
                    w.events.extend(f.refs());
                }
            }
            Event::ServiceWindowCancelled(e) => {
                if let Some(w) = by_id.get_mut(e.window_id.as_str()) {
                    if e.at.millis() < w.planned.from {
                        w.cancelled = true;
                    }
                    w.events.extend(f.refs());
                }
            }
            Event::ServiceWindowStarted(e) => {
                if let Some(w) = by_id.get_mut(e.window_id.as_str()) {
                    w.started = Some(w.started.map_or(e.at, |s| s.min(e.at)));
                    w.events.extend(f.refs());
                }
            }
            Event::ServiceWindowEnded(e) => {
                if let Some(w) = by_id.get_mut(e.window_id.as_str()) {
                    w.ended = Some(w.ended.map_or(e.at, |s| s.max(e.at)));
                    w.events.extend(f.refs());
                }
            }
            _ => {}
        }
    }
    let mut windows: Vec<ServiceWindow<'a>> = by_id.into_values().collect();
    windows.sort_by(|a, b| (a.planned, a.id).cmp(&(b.planned, b.id)));
    for i in 0..windows.len() {
        let broken = conformance(&windows[i], &windows[..i], cal, clock);
        windows[i].broken = broken;
    }
    windows
}

/// The slot of a window kind: (start minute of Saturday, end minute, notice).
fn slot(kind: WindowKind) -> (u32, u32, &'static str) {
    match kind {
        WindowKind::Minor => (60, 120, "1 week"),
        WindowKind::Major => (60, 240, "1 month"),
        WindowKind::Restructuring => (0, 480, "2 months"),
    }
}

/// The wall-clock reading of an instant under `window_clock`.
fn wall(t: Instant, clock: WindowClock) -> NaiveDateTime {
    match clock {
        WindowClock::Local => calendar::local(t),
        WindowClock::FixedCet => (t.to_utc() + Duration::hours(1)).naive_utc(),
    }
}

/// The month-change blackout before and after the change into month `m`:
/// `[00:00 of the second-to-last Arbejdsdag of m - 1, 24:00 of the second
/// Arbejdsdag of m)`.
pub fn blackout(cal: &Calendar, m: slaledger_ledger::vocab::Month) -> Span {
    let first = calendar::first_day(m);
    let from = cal.nth_arbejdsdag_before(first, 2);
    let to = cal.nth_arbejdsdag_after(first - Duration::days(1), 2) + Duration::days(1);
    Span::new(
        calendar::start_of_day(from).millis(),
        calendar::start_of_day(to).millis(),
    )
}

fn conformance(
    w: &ServiceWindow<'_>,
    earlier: &[ServiceWindow<'_>],
    cal: &Calendar,
    clock: WindowClock,
) -> Vec<String> {
    let mut broken = Vec::new();
    if w.cancelled {
        return broken;
    }
    if w.extraordinary {
        if !w.approved_extraordinary {
            broken.push("extraordinary window without KOMBIT's written approval".into());
        }
        return broken;
    }
    let (from_min, to_min, notice) = slot(w.kind);
    let start = wall(Instant::from_millis(w.planned.from), clock);
    let end = wall(Instant::from_millis(w.planned.to), clock);
    let slot_start = start.date().and_time(NaiveTime::MIN) + Duration::minutes(from_min.into());
    let slot_end = start.date().and_time(NaiveTime::MIN) + Duration::minutes(to_min.into());
    if start.weekday() != Weekday::Sat || start < slot_start || end > slot_end || end <= start {
        broken.push(format!(
            "outside its slot (Saturday {:02}:{:02}-{:02}:{:02}{})",
            from_min / 60,
            from_min % 60,
            to_min / 60,
            to_min % 60,
            if clock == WindowClock::FixedCet {
                " CET"
            } else {
                " local time"
            }
        ));
    }
    if w.planned.len() > i64::from(to_min - from_min) * 60_000 {
        broken.push(format!("longer than {} h", (to_min - from_min) / 60));
    }
    // Frequency among earlier, held, non-extraordinary windows of the kind
    // sharing an environment.
    let period = |t: NaiveDateTime| -> (i32, u32) {
        match w.kind {
            WindowKind::Minor => (t.iso_week().year(), t.iso_week().week()),
            WindowKind::Major => (t.year(), t.month()),
            WindowKind::Restructuring => (t.year(), (t.month() - 1) / 3),
        }
    };
    let mine = period(start);
    if let Some(o) = earlier.iter().find(|o| {
        !o.cancelled
            && !o.extraordinary
            && o.kind == w.kind
            && o.environments.iter().any(|e| w.covers(*e))
            && period(wall(Instant::from_millis(o.planned.from), clock)) == mine
    }) {
        broken.push(format!(
            "frequency: window `{}` of the same kind is already planned in the same {}",
            o.id,
            match w.kind {
                WindowKind::Minor => "ISO week",
                WindowKind::Major => "calendar month",
                WindowKind::Restructuring => "calendar quarter",
            }
        ));
    }
    // Notice: local date and time one week / one or two months earlier.
    let local_start = calendar::local(Instant::from_millis(w.planned.from));
    let due = match w.kind {
        WindowKind::Minor => Some(local_start - Duration::days(7)),
        WindowKind::Major => local_start.checked_sub_months(Months::new(1)),
        WindowKind::Restructuring => local_start.checked_sub_months(Months::new(2)),
    };
    if let Some(due) = due {
        let due = calendar::to_instant(due);
        if w.announced_at > due {
            broken.push(format!("notice: {notice} notice was due by {due}"));
        }
    }
    // Blackouts of the change into the window's month and out of it.
    if !w.approved_blackout {
        let m = calendar::month_of(Instant::from_millis(w.planned.from));
        for b in [blackout(cal, m), blackout(cal, calendar::next_month(m))] {
            if w.planned.from < b.to && b.from < w.planned.to {
                broken.push(format!(
                    "inside the month-change blackout [{}, {}) without a written agreement",
                    Instant::from_millis(b.from),
                    Instant::from_millis(b.to)
                ));
            }
        }
    }
    broken
}

/// The window time of environment `e` under the window policies.
pub fn window_time(
    windows: &[ServiceWindow<'_>],
    e: Environment,
    pol: &Policies,
    eval: Instant,
) -> WindowTime {
    let mut out = WindowTime::default();
    for w in windows.iter().filter(|w| w.covers(e) && !w.cancelled) {
        let agreed =
            w.broken.is_empty() || pol.nonconforming_window() == NonconformingWindow::Finding;
        let maintenance = w.maintenance(eval);
        if !agreed {
            if let Some(m) = maintenance {
                out.overruns.push((m, w.id.to_owned()));
            }
            continue;
        }
        let removed = match pol.window_removal() {
            WindowRemoval::Planned => Some(w.planned),
            WindowRemoval::Used => {
                maintenance.map(|m| Span::new(m.from.max(w.planned.from), m.to.min(w.planned.to)))
            }
        };
        if let Some(r) = removed.filter(|r| !r.is_empty()) {
            out.removed.push((r, w.id.to_owned()));
        }
        if let Some(m) = maintenance {
            for part in crate::intervals::subtract(&[m], &[w.planned]) {
                out.overruns.push((part, w.id.to_owned()));
            }
        }
    }
    out
}

/// Findings about the windows planned in `[from, to)`: broken rules and
/// missing actual ends.
pub fn findings(
    windows: &[ServiceWindow<'_>],
    from: Instant,
    to: Instant,
    eval: Instant,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for w in windows {
        if w.cancelled || w.planned.from >= to.millis() || w.planned.to <= from.millis() {
            continue;
        }
        if !w.broken.is_empty() {
            out.push(Finding {
                kind: "nonconforming_window",
                text: format!(
                    "service window `{}` ({} {}-{}) is not conforming: {}",
                    w.id,
                    w.kind.as_str(),
                    Instant::from_millis(w.planned.from),
                    Instant::from_millis(w.planned.to),
                    w.broken.join("; ")
                ),
                events: w.events.clone(),
            });
        }
        if w.started.is_some() && w.ended.is_none() && w.planned.to <= eval.millis() {
            out.push(Finding {
                kind: "window_without_end",
                text: format!(
                    "service window `{}` has no recorded actual end; its maintenance is counted as running until the evaluation time",
                    w.id
                ),
                events: w.events.clone(),
            });
        }
    }
    out
}
