//! The calendar against independent sources and the worked examples of
//! SPEC §3.7.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use slaledger_ledger::time::Instant;
use slaledger_projections::calendar::*;

// Generated from the Python `holidays` package (version 0.109), class Denmark,
// years 2020-2030: Danish official public holidays, an implementation independent
// of this crate (its Easter dates come from python-dateutil).
const OFFICIAL_DK: &[(&str, &str)] = &[
    ("2020-01-01", "New Year's Day"),
    ("2020-04-09", "Maundy Thursday"),
    ("2020-04-10", "Good Friday"),
    ("2020-04-12", "Easter Sunday"),
    ("2020-04-13", "Easter Monday"),
    ("2020-05-08", "Great Prayer Day"),
    ("2020-05-21", "Ascension Day"),
    ("2020-05-31", "Pentecost"),
    ("2020-06-01", "Pentecost Monday"),
    ("2020-12-25", "Christmas Day"),
    ("2020-12-26", "Second Day of Christmas"),
    ("2021-01-01", "New Year's Day"),
    ("2021-04-01", "Maundy Thursday"),
    ("2021-04-02", "Good Friday"),
    ("2021-04-04", "Easter Sunday"),
    ("2021-04-05", "Easter Monday"),
    ("2021-04-30", "Great Prayer Day"),
    ("2021-05-13", "Ascension Day"),
    ("2021-05-23", "Pentecost"),
    ("2021-05-24", "Pentecost Monday"),
    ("2021-12-25", "Christmas Day"),
    ("2021-12-26", "Second Day of Christmas"),
    ("2022-01-01", "New Year's Day"),
    ("2022-04-14", "Maundy Thursday"),
    ("2022-04-15", "Good Friday"),
    ("2022-04-17", "Easter Sunday"),
    ("2022-04-18", "Easter Monday"),
    ("2022-05-13", "Great Prayer Day"),
    ("2022-05-26", "Ascension Day"),
    ("2022-06-05", "Pentecost"),
    ("2022-06-06", "Pentecost Monday"),
    ("2022-12-25", "Christmas Day"),
    ("2022-12-26", "Second Day of Christmas"),
    ("2023-01-01", "New Year's Day"),
    ("2023-04-06", "Maundy Thursday"),
    ("2023-04-07", "Good Friday"),
    ("2023-04-09", "Easter Sunday"),
    ("2023-04-10", "Easter Monday"),
    ("2023-05-05", "Great Prayer Day"),
    ("2023-05-18", "Ascension Day"),
    ("2023-05-28", "Pentecost"),
    ("2023-05-29", "Pentecost Monday"),
    ("2023-12-25", "Christmas Day"),
    ("2023-12-26", "Second Day of Christmas"),
    ("2024-01-01", "New Year's Day"),
    ("2024-03-28", "Maundy Thursday"),
    ("2024-03-29", "Good Friday"),
    ("2024-03-31", "Easter Sunday"),
    ("2024-04-01", "Easter Monday"),
    ("2024-05-09", "Ascension Day"),
    ("2024-05-19", "Pentecost"),
    ("2024-05-20", "Pentecost Monday"),
    ("2024-12-25", "Christmas Day"),
    ("2024-12-26", "Second Day of Christmas"),
    ("2025-01-01", "New Year's Day"),
    ("2025-04-17", "Maundy Thursday"),
    ("2025-04-18", "Good Friday"),
    ("2025-04-20", "Easter Sunday"),
    ("2025-04-21", "Easter Monday"),
    ("2025-05-29", "Ascension Day"),
    ("2025-06-08", "Pentecost"),
    ("2025-06-09", "Pentecost Monday"),
    ("2025-12-25", "Christmas Day"),
    ("2025-12-26", "Second Day of Christmas"),
    ("2026-01-01", "New Year's Day"),
    ("2026-04-02", "Maundy Thursday"),
    ("2026-04-03", "Good Friday"),
    ("2026-04-05", "Easter Sunday"),
    ("2026-04-06", "Easter Monday"),
    ("2026-05-14", "Ascension Day"),
    ("2026-05-24", "Pentecost"),
    ("2026-05-25", "Pentecost Monday"),
    ("2026-12-25", "Christmas Day"),
    ("2026-12-26", "Second Day of Christmas"),
    ("2027-01-01", "New Year's Day"),
    ("2027-03-25", "Maundy Thursday"),
    ("2027-03-26", "Good Friday"),
    ("2027-03-28", "Easter Sunday"),
    ("2027-03-29", "Easter Monday"),
    ("2027-05-06", "Ascension Day"),
    ("2027-05-16", "Pentecost"),
    ("2027-05-17", "Pentecost Monday"),
    ("2027-12-25", "Christmas Day"),
    ("2027-12-26", "Second Day of Christmas"),
    ("2028-01-01", "New Year's Day"),
    ("2028-04-13", "Maundy Thursday"),
    ("2028-04-14", "Good Friday"),
    ("2028-04-16", "Easter Sunday"),
    ("2028-04-17", "Easter Monday"),
    ("2028-05-25", "Ascension Day"),
    ("2028-06-04", "Pentecost"),
    ("2028-06-05", "Pentecost Monday"),
    ("2028-12-25", "Christmas Day"),
    ("2028-12-26", "Second Day of Christmas"),
    ("2029-01-01", "New Year's Day"),
    ("2029-03-29", "Maundy Thursday"),
    ("2029-03-30", "Good Friday"),
    ("2029-04-01", "Easter Sunday"),
    ("2029-04-02", "Easter Monday"),
    ("2029-05-10", "Ascension Day"),
    ("2029-05-20", "Pentecost"),
    ("2029-05-21", "Pentecost Monday"),
    ("2029-12-25", "Christmas Day"),
    ("2029-12-26", "Second Day of Christmas"),
    ("2030-01-01", "New Year's Day"),
    ("2030-04-18", "Maundy Thursday"),
    ("2030-04-19", "Good Friday"),
    ("2030-04-21", "Easter Sunday"),
    ("2030-04-22", "Easter Monday"),
    ("2030-05-30", "Ascension Day"),
    ("2030-06-09", "Pentecost"),
    ("2030-06-10", "Pentecost Monday"),
    ("2030-12-25", "Christmas Day"),
    ("2030-12-26", "Second Day of Christmas"),
];

/// SPEC §3.2 closes these besides the official holidays (contract practice),
/// and drops nothing; Store Bededag is official until 2023 only.
const CONTRACT_EXTRAS: &[(u32, u32, &str)] = &[
    (6, 5, "Grundlovsdag"),
    (12, 24, "Juleaften"),
    (12, 31, "Nytårsaftensdag"),
];

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(s: &str) -> Instant {
    Instant::parse(s).unwrap()
}

#[test]
fn closed_days_2020_to_2030_are_the_official_holidays_plus_the_contract_extras() {
    let mut expected: std::collections::BTreeSet<NaiveDate> =
        OFFICIAL_DK.iter().map(|(d, _)| date(d)).collect();
    for y in 2020..=2030 {
        for (m, d, _) in CONTRACT_EXTRAS {
            expected.insert(NaiveDate::from_ymd_opt(y, *m, *d).unwrap());
        }
    }
    let got: std::collections::BTreeSet<NaiveDate> = date("2020-01-01")
        .iter_days()
        .take_while(|d| d.year() <= 2030)
        .filter(|d| default_closed_day(*d).is_some())
        .collect();
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
}

#[test]
fn store_bededag_is_closed_through_2023_only() {
    for (d, closed) in [
        ("2020-05-08", true),
        ("2021-04-30", true),
        ("2022-05-13", true),
        ("2023-05-05", true),
        ("2024-04-26", false),
        ("2025-05-16", false),
    ] {
        assert_eq!(default_closed_day(date(d)).is_some(), closed, "{d}");
    }
}

#[test]
fn easter_sundays_2020_to_2030_match_spec() {
    let spec = [
        "2020-04-12",
        "2021-04-04",
        "2022-04-17",
        "2023-04-09",
        "2024-03-31",
        "2025-04-20",
        "2026-04-05",
        "2027-03-28",
        "2028-04-16",
        "2029-04-01",
        "2030-04-21",
    ];
    for (i, d) in spec.iter().enumerate() {
        assert_eq!(easter_sunday(2020 + i as i32), date(d));
    }
}

#[test]
fn dst_days_2024_to_2026_change_the_offset_at_01_00_utc() {
    for (spring, autumn) in [
        ("2024-03-31", "2024-10-27"),
        ("2025-03-30", "2025-10-26"),
        ("2026-03-29", "2026-10-25"),
    ] {
        let (s, a) = (date(spring), date(autumn));
        assert_eq!(s.weekday(), Weekday::Sun);
        assert_eq!(a.weekday(), Weekday::Sun);
        // The spring day has 23 hours, the autumn day 25.
        let len = |d: NaiveDate| {
            (start_of_day(d.succ_opt().unwrap()).millis() - start_of_day(d).millis()) / HOUR_MS
        };
        assert_eq!(len(s), 23, "{spring}");
        assert_eq!(len(a), 25, "{autumn}");
        // 00:59:59.999Z is still the old offset, 01:00Z the new one.
        let change = |d: NaiveDate| {
            Instant::from_millis(d.and_hms_opt(1, 0, 0).unwrap().and_utc().timestamp_millis())
        };
        assert_eq!(
            local(change(s)).time(),
            NaiveTime::from_hms_opt(3, 0, 0).unwrap()
        );
        assert_eq!(
            local(change(s).saturating_add_millis(-1)).time(),
            NaiveTime::from_hms_milli_opt(1, 59, 59, 999).unwrap()
        );
        assert_eq!(
            local(change(a)).time(),
            NaiveTime::from_hms_opt(2, 0, 0).unwrap()
        );
        assert_eq!(
            local(change(a).saturating_add_millis(-1)).time(),
            NaiveTime::from_hms_milli_opt(2, 59, 59, 999).unwrap()
        );
    }
}

#[test]
fn spec_3_7_next_openings() {
    let cal = Calendar::default();
    let desk = OpeningHours::bilag6_service_desk();
    for (t, expected) in [
        ("2025-03-14T15:40:00+01:00", "2025-03-17T07:00:00Z"),
        ("2025-03-21T15:30:00+01:00", "2025-03-24T08:00:00+01:00"),
        ("2025-03-21T15:29:00+01:00", "2025-03-21T15:29:00+01:00"),
        ("2025-03-17T16:00:00+01:00", "2025-03-18T08:00:00+01:00"),
        ("2023-05-04T16:30:00+02:00", "2023-05-08T08:00:00+02:00"),
        ("2024-04-25T16:30:00+02:00", "2024-04-26T08:00:00+02:00"),
        ("2024-03-27T16:10:00+01:00", "2024-04-02T06:00:00Z"),
        ("2024-12-23T16:05:00+01:00", "2024-12-27T08:00:00+01:00"),
    ] {
        assert_eq!(desk.next_opening(&cal, at(t)), Some(at(expected)), "{t}");
    }
    // Closing minute outside, the millisecond before inside.
    assert!(!desk.is_inside(&cal, at("2025-03-17T16:00:00+01:00")));
    assert!(desk.is_inside(&cal, at("2025-03-17T15:59:59.999+01:00")));
}

#[test]
fn spec_3_7_deadlines() {
    let cal = Calendar::default();
    // 5 Arbejdsdage over Ascension, Grundlovsdag and Whitsun.
    let d = arbejdsdage_deadline(&cal, at("2025-05-30T08:00:00+02:00"), 5);
    assert_eq!(d.instant(), at("2025-06-10T08:00:00+02:00"));
    // 1 Arbejdsdag across the March DST change: 71 real hours.
    let s = at("2025-03-28T10:00:00+01:00");
    let d = arbejdsdage_deadline(&cal, s, 1).instant();
    assert_eq!(d, at("2025-03-31T10:00:00+02:00"));
    assert_eq!((d.millis() - s.millis()) / HOUR_MS, 71);
    // 1 Dag into the spring gap.
    assert_eq!(
        add_dage(at("2025-03-29T02:30:00+01:00"), 1),
        at("2025-03-30T03:30:00+02:00")
    );
    // Wall clock vs opening hours, 30 minutes from Friday 15:20.
    let desk = OpeningHours::bilag6_service_desk();
    let s = at("2025-03-14T15:20:00+01:00");
    assert_eq!(
        s.saturating_add_millis(30 * MINUTE_MS),
        at("2025-03-14T15:50:00+01:00")
    );
    assert_eq!(
        desk.add_opening_time(&cal, s, 30 * MINUTE_MS),
        Some(at("2025-03-17T08:20:00+01:00"))
    );
    assert_eq!(
        desk.opening_time(&cal, s, at("2025-03-17T08:20:00+01:00")),
        30 * MINUTE_MS
    );
    // A deadline that falls on a closing time is the closing time itself.
    assert_eq!(
        desk.add_opening_time(&cal, s, 10 * MINUTE_MS),
        Some(at("2025-03-14T15:30:00+01:00"))
    );
}

#[test]
fn spec_3_4_rules_5_to_8() {
    let cal = Calendar::default();
    // Rule 5: end of the 10th Arbejdsdag after 31 March 2025 = Mon 14 April 24:00.
    let d = end_of_nth_arbejdsdag(&cal, date("2025-03-31"), 10);
    assert_eq!(d.instant(), at("2025-04-14T22:00:00Z"));
    // Rule 6 on a 24:00 deadline: advanced by 1 is Tue 15 April 24:00.
    assert_eq!(d.advanced(&cal, 1).instant(), at("2025-04-15T22:00:00Z"));
    // Rule 7: 3 Arbejdsdage before Tue 2025-06-10 10:00: Fri 6, Wed 4, Tue 3
    // June (Mon 9 2. Pinsedag and Thu 5 Grundlovsdag are closed).
    assert_eq!(
        arbejdsdage_before(&cal, at("2025-06-10T10:00:00+02:00"), 3),
        at("2025-06-03T10:00:00+02:00")
    );
    // Rule 8 is not needed by the Bilag 6 goals; it arrives with service
    // windows (issue 4).
}

#[test]
fn opening_time_over_long_spans_matches_day_by_day_sums() {
    // The fast path for weekdays inside the interval agrees with summing
    // each day's opening time on its own, across DST changes and holidays.
    let cal = Calendar::default();
    for hours in [OpeningHours::bilag6_service_desk(), OpeningHours::always()] {
        let a = at("2024-12-20T13:17:00+01:00");
        let b = at("2026-04-02T09:05:00+02:00");
        let fast = hours.opening_time(&cal, a, b);
        let mut slow = 0;
        let mut t = a;
        while t < b {
            let next = start_of_day(local_date(t).succ_opt().unwrap()).min(b);
            slow += hours.opening_time(&cal, t, next);
            t = next;
        }
        assert_eq!(fast, slow);
    }
}
