//! The contract calendar (SPEC §3): Europe/Copenhagen wall-clock time with
//! DST, calendar months, Arbejdsdage and closed days, opening hours,
//! deadlines and "started unit" counting.
//!
//! Everything here is a pure function of its inputs. Instants are the
//! ledger's UTC milliseconds; local dates and times are chrono naive values
//! on the Copenhagen wall clock.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use chrono_tz::Europe::Copenhagen;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use std::collections::BTreeSet;

/// Milliseconds per minute.
pub const MINUTE_MS: i64 = 60_000;
/// Milliseconds per hour.
pub const HOUR_MS: i64 = 3_600_000;

/// How far forward a search for an opening or an Arbejdsdag looks before it
/// gives up (a schedule with no opening at all, or a calendar closed for
/// years, is a rule-set error caught at validation).
const SEARCH_DAYS: i64 = 800;

/// Walks the local dates from `t`'s for at most [`SEARCH_DAYS`] days and
/// returns the first opening `on_day` finds (the next-opening search of
/// [`OpeningHours::next_opening`] and its memoised twin).
fn next_opening_by(
    t: Instant,
    mut on_day: impl FnMut(NaiveDate) -> Option<Instant>,
) -> Option<Instant> {
    let mut d = local_date(t);
    for _ in 0..SEARCH_DAYS {
        if let Some(found) = on_day(d) {
            return Some(found);
        }
        d = d.succ_opt()?;
    }
    None
}

/// Opening ranges by local date, for [`OpeningHours::next_opening_memo`].
/// Only looked up, never iterated.
#[derive(Debug, Default)]
pub struct DayRanges(std::cell::RefCell<rustc_hash::FxHashMap<NaiveDate, Vec<(Instant, Instant)>>>);

impl DayRanges {
    /// Calls `f` with the ranges of `d`, computing them with `make` the
    /// first time.
    fn with<R>(
        &self,
        d: NaiveDate,
        make: impl FnOnce() -> Vec<(Instant, Instant)>,
        f: impl FnOnce(&[(Instant, Instant)]) -> R,
    ) -> R {
        if let Some(r) = self.0.borrow().get(&d) {
            return f(r);
        }
        let r = make();
        let out = f(&r);
        self.0.borrow_mut().insert(d, r);
        out
    }
}

// ------------------------------------------------------------------ time zone

/// The local (Copenhagen) date and time of an instant.
pub fn local(t: Instant) -> NaiveDateTime {
    t.to_utc().with_timezone(&Copenhagen).naive_local()
}

/// The local date of an instant.
pub fn local_date(t: Instant) -> NaiveDate {
    local(t).date()
}

/// The instant of a local date and time (SPEC §3.1): a time in the spring
/// gap is moved forward by the gap's length; an ambiguous time in the autumn
/// fold is the earlier of its two instants.
pub fn to_instant(l: NaiveDateTime) -> Instant {
    use chrono::LocalResult;
    let ms = match Copenhagen.from_local_datetime(&l) {
        LocalResult::Single(t) => t.timestamp_millis(),
        LocalResult::Ambiguous(a, b) => a.timestamp_millis().min(b.timestamp_millis()),
        LocalResult::None => {
            // Read the wall time with the offset in force just before the
            // gap: 02:30 at +01:00 is 01:30Z, shown as 03:30 CEST.
            let before = l - Duration::hours(6);
            let off = match Copenhagen.from_local_datetime(&before) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    chrono::Offset::fix(t.offset()).local_minus_utc()
                }
                LocalResult::None => 3600,
            };
            (l.and_utc().timestamp() - i64::from(off)) * 1000
                + i64::from(l.and_utc().timestamp_subsec_millis())
        }
    };
    Instant::from_millis(ms)
}

/// Local midnight at the start of `d`, as an instant.
pub fn start_of_day(d: NaiveDate) -> Instant {
    to_instant(d.and_time(NaiveTime::MIN))
}

/// The first day of a month.
pub fn first_day(m: Month) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(m.year), u32::from(m.month), 1).unwrap_or(NaiveDate::MIN)
}

/// The month after `m`.
pub fn next_month(m: Month) -> Month {
    if m.month == 12 {
        Month {
            year: m.year + 1,
            month: 1,
        }
    } else {
        Month {
            year: m.year,
            month: m.month + 1,
        }
    }
}

/// The month before `m`.
pub fn prev_month(m: Month) -> Month {
    if m.month == 1 {
        Month {
            year: m.year - 1,
            month: 12,
        }
    } else {
        Month {
            year: m.year,
            month: m.month - 1,
        }
    }
}

/// The last day of a month.
pub fn last_day(m: Month) -> NaiveDate {
    first_day(next_month(m))
        .pred_opt()
        .unwrap_or(NaiveDate::MIN)
}

/// Month `m` as the half-open interval of instants `[local 00:00 on the 1st,
/// local 00:00 on the 1st of the next month)` (SPEC §3.1).
pub fn month_bounds(m: Month) -> (Instant, Instant) {
    (
        start_of_day(first_day(m)),
        start_of_day(first_day(next_month(m))),
    )
}

/// The month an instant belongs to (by its local date).
pub fn month_of(t: Instant) -> Month {
    month_of_date(local_date(t))
}

/// The month of a local date.
pub fn month_of_date(d: NaiveDate) -> Month {
    Month {
        year: d.year() as u16,
        month: d.month() as u8,
    }
}

// --------------------------------------------------------------- closed days

/// Gregorian Easter Sunday (the anonymous Gregorian / Meeus algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or(NaiveDate::MIN)
}

/// Why a date is closed under the default calendar of SPEC §3.2, if it is.
pub fn default_closed_day(d: NaiveDate) -> Option<&'static str> {
    let fixed = match (d.month(), d.day()) {
        (1, 1) => Some("Nytårsdag"),
        (6, 5) => Some("Grundlovsdag"),
        (12, 24) => Some("Juleaften"),
        (12, 25) => Some("Juledag"),
        (12, 26) => Some("2. Juledag"),
        (12, 31) => Some("Nytårsaftensdag"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let easter = easter_sunday(d.year());
    match (d - easter).num_days() {
        -3 => Some("Skærtorsdag"),
        -2 => Some("Langfredag"),
        0 => Some("Påskedag"),
        1 => Some("2. Påskedag"),
        26 if d.year() <= 2023 => Some("Store Bededag"),
        39 => Some("Kristi Himmelfartsdag"),
        49 => Some("Pinsedag"),
        50 => Some("2. Pinsedag"),
        _ => None,
    }
}

/// Optional closed days a contract may name (SPEC §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NamedDay {
    /// 1 May (Labour Day).
    May1,
    /// Easter Sunday + 40.
    FridayAfterAscension,
}

impl NamedDay {
    /// The rule-set spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NamedDay::May1 => "may_1",
            NamedDay::FridayAfterAscension => "friday_after_ascension",
        }
    }

    /// Parses the rule-set spelling.
    pub fn parse(s: &str) -> Option<NamedDay> {
        match s {
            "may_1" => Some(NamedDay::May1),
            "friday_after_ascension" => Some(NamedDay::FridayAfterAscension),
            _ => None,
        }
    }

    fn matches(self, d: NaiveDate) -> bool {
        match self {
            NamedDay::May1 => d.month() == 5 && d.day() == 1,
            NamedDay::FridayAfterAscension => (d - easter_sunday(d.year())).num_days() == 40,
        }
    }
}

/// A contract calendar: the default closed days plus the contract's
/// additions and removals (SPEC §3.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Dates closed in addition to the default list.
    pub add_dates: BTreeSet<NaiveDate>,
    /// Named optional days closed in addition.
    pub add_named: BTreeSet<NamedDay>,
    /// Dates of the default list (or additions) that are open after all.
    pub remove_dates: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Why `d` is closed, if it is (weekends are not "closed days"; see
    /// [`Calendar::is_arbejdsdag`]).
    pub fn closed_reason(&self, d: NaiveDate) -> Option<&'static str> {
        if self.remove_dates.contains(&d) {
            return None;
        }
        if let Some(r) = default_closed_day(d) {
            return Some(r);
        }
        if self.add_dates.contains(&d) {
            return Some("closed by the contract");
        }
        self.add_named
            .iter()
            .find(|n| n.matches(d))
            .map(|n| n.as_str())
    }

    /// Arbejdsdag: Monday-Friday and not a closed day.
    pub fn is_arbejdsdag(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && self.closed_reason(d).is_none()
    }

    /// The n-th Arbejdsdag after `d` (n ≥ 1; `d` itself never counts).
    pub fn nth_arbejdsdag_after(&self, d: NaiveDate, n: u32) -> NaiveDate {
        self.nth_arbejdsdag(d, n, NaiveDate::succ_opt)
    }

    /// The n-th Arbejdsdag before `d` (n ≥ 1; `d` itself never counts).
    pub fn nth_arbejdsdag_before(&self, d: NaiveDate, n: u32) -> NaiveDate {
        self.nth_arbejdsdag(d, n, NaiveDate::pred_opt)
    }

    fn nth_arbejdsdag(
        &self,
        d: NaiveDate,
        n: u32,
        step: fn(&NaiveDate) -> Option<NaiveDate>,
    ) -> NaiveDate {
        let mut day = d;
        let mut left = n;
        let mut guard = 0i64;
        while left > 0 && guard < SEARCH_DAYS * i64::from(n.max(1)) {
            day = step(&day).unwrap_or(day);
            guard += 1;
            if self.is_arbejdsdag(day) {
                left -= 1;
            }
        }
        day
    }

    /// Number of Arbejdsdage in a month.
    pub fn arbejdsdage_in(&self, m: Month) -> u32 {
        first_day(m)
            .iter_days()
            .take_while(|d| *d <= last_day(m))
            .filter(|d| self.is_arbejdsdag(*d))
            .count() as u32
    }
}

// -------------------------------------------------------------- opening hours

/// A weekly opening-hours schedule (SPEC §3.3): per weekday (Monday first)
/// non-overlapping local ranges `[from, to)` in minutes of the day (`to` may
/// be 1440 = 24:00), and whether it applies on Arbejdsdage only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHours {
    /// Ranges per weekday, Monday = 0, sorted by start.
    pub days: [Vec<(u32, u32)>; 7],
    /// Open only on Arbejdsdage (the default).
    pub arbejdsdage_only: bool,
}

impl OpeningHours {
    /// The Bilag 6 SLA service desk: Mon-Thu 08:00-16:00, Fri 08:00-15:30,
    /// Arbejdsdage only.
    pub fn bilag6_service_desk() -> OpeningHours {
        let day = vec![(8 * 60, 16 * 60)];
        OpeningHours {
            days: [
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![(8 * 60, 15 * 60 + 30)],
                vec![],
                vec![],
            ],
            arbejdsdage_only: true,
        }
    }

    /// Monday-Friday 08:00-16:00 on Arbejdsdage: the service desk telephone
    /// of Bilag 7.2.A and the default hours of a third party (SPEC §3.3).
    pub fn weekdays_8_16() -> OpeningHours {
        let day = vec![(8 * 60, 16 * 60)];
        OpeningHours {
            days: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![],
                vec![],
            ],
            arbejdsdage_only: true,
        }
    }

    /// Always open (Bilag 7.2.A mail and web form: "hele måleperioden").
    pub fn always() -> OpeningHours {
        let day = vec![(0, 24 * 60)];
        OpeningHours {
            days: std::array::from_fn(|_| day.clone()),
            arbejdsdage_only: false,
        }
    }

    /// The open intervals of date `d` as instants, in order.
    fn ranges_of(
        &self,
        cal: &Calendar,
        d: NaiveDate,
    ) -> impl Iterator<Item = (Instant, Instant)> + '_ {
        // A closed day has no ranges; computed lazily, without allocating.
        let open = !self.arbejdsdage_only || cal.is_arbejdsdag(d);
        let at = move |min: u32| {
            if min >= 24 * 60 {
                start_of_day(d.succ_opt().unwrap_or(d))
            } else {
                to_instant(d.and_time(
                    NaiveTime::from_hms_opt(min / 60, min % 60, 0).unwrap_or(NaiveTime::MIN),
                ))
            }
        };
        let ranges: &[(u32, u32)] = if open {
            &self.days[d.weekday().num_days_from_monday() as usize]
        } else {
            &[]
        };
        ranges
            .iter()
            .map(move |&(f, t)| (at(f), at(t)))
            .filter(|(a, b)| a < b)
    }

    /// True iff `t` is inside the opening hours (the closing minute is outside).
    pub fn is_inside(&self, cal: &Calendar, t: Instant) -> bool {
        self.ranges_of(cal, local_date(t))
            .any(|(a, b)| a <= t && t < b)
    }

    /// The next opening of `t`: `t` itself if inside, else the start of the
    /// first range after it; `None` if the schedule never opens.
    pub fn next_opening(&self, cal: &Calendar, t: Instant) -> Option<Instant> {
        next_opening_by(t, |d| {
            self.ranges_of(cal, d)
                .find(|(_, b)| t < *b)
                .map(|(a, _)| a.max(t))
        })
    }

    /// Like [`OpeningHours::next_opening`], with each local date's opening
    /// ranges computed once and kept in `memo` (which must only ever be used
    /// with this schedule and calendar): a report asks for the clock starts
    /// of thousands of contacts that fall on a few hundred dates.
    pub fn next_opening_memo(
        &self,
        cal: &Calendar,
        t: Instant,
        memo: &DayRanges,
    ) -> Option<Instant> {
        next_opening_by(t, |d| {
            memo.with(
                d,
                || self.ranges_of(cal, d).collect(),
                |ranges| {
                    ranges
                        .iter()
                        .find(|(_, b)| t < *b)
                        .map(|(a, _)| (*a).max(t))
                },
            )
        })
    }

    /// The opening time of `[a, b)` in milliseconds.
    pub fn opening_time(&self, cal: &Calendar, a: Instant, b: Instant) -> i64 {
        if b <= a {
            return 0;
        }
        let mut total = 0;
        let first = local_date(a);
        let mut d = first;
        let last = local_date(b);
        while d <= last {
            // A weekday wholly inside [a, b): its ranges in full. Copenhagen
            // changes its offset only on Sundays (SPEC §3.1), so a weekday's
            // local minutes are real minutes and need no conversion.
            let interior = d != first && d != last && d.weekday() != Weekday::Sun;
            if interior {
                if !self.arbejdsdage_only || cal.is_arbejdsdag(d) {
                    let mins: u32 = self.days[d.weekday().num_days_from_monday() as usize]
                        .iter()
                        .map(|&(f, t)| t - f)
                        .sum();
                    total += i64::from(mins) * MINUTE_MS;
                }
                match d.succ_opt() {
                    Some(n) => d = n,
                    None => break,
                }
                continue;
            }
            for (x, y) in self.ranges_of(cal, d) {
                let lo = x.max(a);
                let hi = y.min(b);
                if lo < hi {
                    total += hi.millis() - lo.millis();
                }
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        total
    }

    /// The earliest instant `d` with opening time of `[s, d)` = `ms` (SPEC
    /// §3.4 rule 2); a deadline that falls on a closing time is that closing
    /// time. `None` if the schedule never opens.
    pub fn add_opening_time(&self, cal: &Calendar, s: Instant, ms: i64) -> Option<Instant> {
        let mut left = ms;
        if left <= 0 {
            return Some(s);
        }
        let mut d = local_date(s);
        for _ in 0..SEARCH_DAYS * (1 + ms / (24 * HOUR_MS)) {
            for (x, y) in self.ranges_of(cal, d) {
                let lo = x.max(s);
                if lo >= y {
                    continue;
                }
                let avail = y.millis() - lo.millis();
                if left <= avail {
                    return Some(lo.saturating_add_millis(left));
                }
                left -= avail;
            }
            d = d.succ_opt()?;
        }
        None
    }
}

// ------------------------------------------------------------------ deadlines

/// The same local time of day on the n-th calendar day after the local date
/// of `s` (SPEC §3.4 rule 3).
pub fn add_dage(s: Instant, n: u32) -> Instant {
    let l = local(s);
    to_instant(l + Duration::days(i64::from(n)))
}

/// A deadline on the wall clock: a local date and a time of day, or the end
/// of the date (24:00) when `time` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalDeadline {
    /// The local date.
    pub date: NaiveDate,
    /// The local time, or `None` for 24:00 (the end of `date`).
    pub time: Option<NaiveTime>,
}

impl LocalDeadline {
    /// The instant of this deadline.
    pub fn instant(&self) -> Instant {
        match self.time {
            Some(t) => to_instant(self.date.and_time(t)),
            None => start_of_day(self.date.succ_opt().unwrap_or(self.date)),
        }
    }

    /// The deadline advanced by k Arbejdsdage (SPEC §3.4 rule 6).
    pub fn advanced(&self, cal: &Calendar, k: u32) -> LocalDeadline {
        LocalDeadline {
            date: cal.nth_arbejdsdag_after(self.date, k),
            time: self.time,
        }
    }
}

/// N Arbejdsdage from `s`: the same local time on the n-th Arbejdsdag after
/// the local date of `s` (SPEC §3.4 rule 4).
pub fn arbejdsdage_deadline(cal: &Calendar, s: Instant, n: u32) -> LocalDeadline {
    let l = local(s);
    LocalDeadline {
        date: cal.nth_arbejdsdag_after(l.date(), n),
        time: Some(l.time()),
    }
}

/// The end (24:00) of the n-th Arbejdsdag after `reference` (SPEC §3.4 rule 5).
pub fn end_of_nth_arbejdsdag(cal: &Calendar, reference: NaiveDate, n: u32) -> LocalDeadline {
    LocalDeadline {
        date: cal.nth_arbejdsdag_after(reference, n),
        time: None,
    }
}

/// The same local time on the n-th Arbejdsdag before the local date of `t`
/// (SPEC §3.4 rule 7).
pub fn arbejdsdage_before(cal: &Calendar, t: Instant, n: u32) -> Instant {
    let l = local(t);
    to_instant(cal.nth_arbejdsdag_before(l.date(), n).and_time(l.time()))
}

// -------------------------------------------------------------- started units

/// Started units of `unit_ms` in an excess of `excess_ms` (SPEC §3.5): 0 for
/// no excess, otherwise ⌈excess / unit⌉.
pub fn started_units(excess_ms: i64, unit_ms: i64) -> i64 {
    if excess_ms <= 0 || unit_ms <= 0 {
        0
    } else {
        (excess_ms + unit_ms - 1) / unit_ms
    }
}

/// Started Arbejdsdage late (SPEC §3.5): 0 if `stop ≤ deadline`, else the
/// smallest k ≥ 1 with `stop ≤ deadline advanced k Arbejdsdage`. One pass
/// over the days between the two, so a far evaluation time costs time in
/// proportion to the span, never more.
pub fn started_arbejdsdage_late(cal: &Calendar, deadline: &LocalDeadline, stop: Instant) -> i64 {
    if stop <= deadline.instant() {
        return 0;
    }
    let mut k: i64 = 0;
    let mut date = deadline.date;
    loop {
        date = cal.nth_arbejdsdag_after(date, 1);
        k += 1;
        let candidate = LocalDeadline {
            date,
            time: deadline.time,
        };
        if stop <= candidate.instant() || date == NaiveDate::MAX {
            return k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Instant {
        Instant::parse(s).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ldt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn spring_gap_moves_forward_and_autumn_fold_takes_the_earlier_instant() {
        assert_eq!(
            to_instant(ldt("2025-03-30 02:30")),
            at("2025-03-30T03:30:00+02:00")
        );
        assert_eq!(
            to_instant(ldt("2025-10-26 02:30")),
            at("2025-10-26T00:30:00Z")
        );
    }

    #[test]
    fn months_are_local_and_have_real_lengths() {
        let m = |s: &str| Month::parse(s).unwrap();
        assert_eq!(
            month_bounds(m("2025-04")),
            (at("2025-03-31T22:00:00Z"), at("2025-04-30T22:00:00Z"))
        );
        assert_eq!(
            month_bounds(m("2025-01")),
            (at("2024-12-31T23:00:00Z"), at("2025-01-31T23:00:00Z"))
        );
        let minutes = |s: &str| {
            let (a, b) = month_bounds(m(s));
            (b.millis() - a.millis()) / MINUTE_MS
        };
        assert_eq!(minutes("2025-03"), 44_580);
        assert_eq!(minutes("2025-10"), 44_700);
        assert_eq!(minutes("2025-06"), 30 * 1440);
        assert_eq!(month_of(at("2025-03-31T22:00:00Z")), m("2025-04"));
        assert_eq!(month_of(at("2025-03-31T21:59:59.999Z")), m("2025-03"));
    }

    #[test]
    fn the_arbejdsdage_of_2025_per_month_match_spec() {
        let cal = Calendar::default();
        let got: Vec<u32> = (1..=12)
            .map(|mo| {
                cal.arbejdsdage_in(Month {
                    year: 2025,
                    month: mo,
                })
            })
            .collect();
        assert_eq!(got, vec![22, 20, 21, 19, 21, 19, 23, 21, 22, 23, 20, 19]);
    }

    #[test]
    fn named_optional_days_close_only_when_the_contract_names_them() {
        let mut cal = Calendar::default();
        assert!(cal.is_arbejdsdag(date("2025-05-01")));
        assert!(cal.is_arbejdsdag(date("2025-05-30")));
        cal.add_named.insert(NamedDay::May1);
        cal.add_named.insert(NamedDay::FridayAfterAscension);
        assert!(!cal.is_arbejdsdag(date("2025-05-01")));
        assert!(!cal.is_arbejdsdag(date("2025-05-30")));
        cal.remove_dates.insert(date("2025-12-31"));
        assert!(cal.is_arbejdsdag(date("2025-12-31")));
    }

    #[test]
    fn started_units_count_any_part_as_whole() {
        assert_eq!(started_units(HOUR_MS, HOUR_MS), 1);
        assert_eq!(started_units(HOUR_MS + 1, HOUR_MS), 2);
        assert_eq!(started_units(HOUR_MS + 42 * MINUTE_MS, HOUR_MS), 2);
        assert_eq!(started_units(0, HOUR_MS), 0);
        assert_eq!(started_units(-5, HOUR_MS), 0);
    }

    #[test]
    fn a_stop_on_a_closed_day_counts_up_to_the_next_arbejdsdag() {
        let cal = Calendar::default();
        let d = LocalDeadline {
            date: date("2025-03-14"),
            time: NaiveTime::from_hms_opt(10, 0, 0),
        };
        assert_eq!(
            started_arbejdsdage_late(&cal, &d, at("2025-03-15T09:00:00+01:00")),
            1
        );
        // Far beyond the deadline: the jump ahead agrees with stepping.
        let stop = at("2025-09-01T09:00:00+02:00");
        let k = started_arbejdsdage_late(&cal, &d, stop);
        assert!(stop <= d.advanced(&cal, k as u32).instant());
        assert!(stop > d.advanced(&cal, k as u32 - 1).instant());
    }
}
