//! The worked examples of SPEC §5 (Bilag 6 SLA), each with SPEC's numbers.

mod common;

use common::*;
use slaledger_projections::bilag6::{Figure, Verdict};
use slaledger_projections::ruleset::{
    Attribution, ClockPolicy, Kpi1Grouping, Kpi4Month, Kpi4RejectedReport, ShortfallRounding, YesNo,
};

// ------------------------------------------------------------------ KPI 1

/// `within` contacts reacted to in 5 minutes and `over` in 40 minutes, all
/// of category `cat`, on Arbejdsdage of June 2025 from the 2nd.
fn contacts(b: &mut Month6, prefix: &str, cat: u8, within: usize, over: usize) {
    for i in 0..within + over {
        let inc = format!("{prefix}-{i}");
        let day = 2 + (i % 4); // Mon 2 - Thu 5 June... Thu 5 is closed; use 2,3,4,6
        let day = if day == 5 { 6 } else { day };
        let at = format!("2025-06-{day:02} 10:{:02}", i % 10);
        b.report(&inc, &at, None);
        let react = if i < within { 5 } else { 40 };
        let stop = format!("2025-06-{day:02} 10:{:02}", i % 10 + react);
        let stop = if i % 10 + react >= 60 {
            format!("2025-06-{day:02} 11:{:02}", i % 10 + react - 60)
        } else {
            stop
        };
        b.react(&inc, cat, &stop);
    }
}

#[test]
fn kpi1_strict_limit_example_2() {
    for (assigned, within) in [
        ("2025-03-10 09:14:59", true),
        ("2025-03-10 09:15:00", false),
    ] {
        let mut b = Month6::default();
        b.report("I1", "2025-03-10 09:00", None)
            .categorise("I1", 1, "2025-03-10 09:07")
            .assign("I1", assigned);
        let r = b.eval("2025-03", "2025-04-30 12:00");
        let g = goal(&r, "bilag6.kpi1.cat12");
        assert_eq!(g.population.len(), 1);
        assert_eq!(g.population[0].within, within, "{assigned}");
    }
}

#[test]
fn kpi1_clock_policy_example_3() {
    let mut b = Month6::default();
    b.report("I3", "2025-03-14 15:20", None)
        .react("I3", 3, "2025-03-17 08:10");
    let rs = rules();
    for (clock, within, minutes) in [
        (ClockPolicy::WallAfterStart, false, 64 * 60 + 50),
        (ClockPolicy::BusinessHours, true, 20),
    ] {
        let mut p = rs.policies;
        p.clock = clock;
        let r = b.eval_with(&rs, p, "2025-03", "2025-04-30 12:00");
        let g = goal(&r, "bilag6.kpi1.cat34");
        let m = &g.population[0];
        assert_eq!(m.within, within);
        assert_eq!(m.value_ms, Some(minutes * 60_000));
    }
}

#[test]
fn kpi1_source_clock_examples_with_a_two_hour_limit() {
    // 3.4.4 illustrates with a 2-hour limit and 08:00-16:00 hours.
    let rs = rules_with(|v| {
        v["goals"]["kpi1"]["limit_minutes_cat12"] = 120.into();
        v["opening_hours"]["service_desk"]["fri"] = serde_json::json!([["08:00", "16:00"]]);
    });
    for clock in [ClockPolicy::WallAfterStart, ClockPolicy::BusinessHours] {
        let mut p = rs.policies;
        p.clock = clock;
        for (assigned, within) in [
            ("2025-03-10 15:05:59", true),
            ("2025-03-10 15:06:00", false),
        ] {
            let mut b = Month6::default();
            b.report("M", "2025-03-10 13:06", None)
                .react("M", 1, assigned);
            let r = b.eval_with(&rs, p, "2025-03", "2025-04-30 12:00");
            assert_eq!(
                r.goals[0].population[0].within, within,
                "{clock:?} {assigned}"
            );
        }
        // Tuesday 18:15: s = Wednesday 08:00, limit reached at 10:00.
        let mut b = Month6::default();
        b.report("T", "2025-03-11 18:15", None)
            .react("T", 1, "2025-03-12 09:59");
        let r = b.eval_with(&rs, p, "2025-03", "2025-04-30 12:00");
        let m = &r.goals[0].population[0];
        assert_eq!(m.start, t("2025-03-12 08:00"));
        assert_eq!(m.deadline, Some(t("2025-03-12 10:00")));
        assert!(m.within);
    }
}

fn month_of_22() -> Month6 {
    // SPEC §5.1 example 5: group 1+2 n = 8, w = 7; group 3+4 n = 14, w = 11.
    let mut b = Month6::default();
    contacts(&mut b, "A", 1, 7, 1);
    contacts(&mut b, "B", 3, 11, 3);
    b
}

#[test]
fn kpi1_month_examples_4_and_5_under_every_rounding_and_grouping() {
    let b = month_of_22();
    let rs = rules();
    for (rounding, sep12, sep34, combined) in [
        (ShortfallRounding::Started, 30, 120, 90),
        (ShortfallRounding::Nearest, 30, 110, 80),
        (ShortfallRounding::Floor, 20, 110, 80),
    ] {
        let mut p = rs.policies;
        p.shortfall_rounding = rounding;
        let r = b.eval_with(&rs, p, "2025-06", "2025-07-14 12:00");
        assert_eq!(points(&r, "bilag6.kpi1.cat12"), sep12, "{rounding:?}");
        assert_eq!(points(&r, "bilag6.kpi1.cat34"), sep34, "{rounding:?}");
        let g = goal(&r, "bilag6.kpi1.cat34");
        assert_eq!(g.figure, Figure::Percent { num: 11, den: 14 });
        assert_eq!(g.counts[1], ("needed", 13));
        assert_eq!(g.verdict, Verdict::NotMet);
        p.kpi1_grouping = Kpi1Grouping::Combined;
        let r = b.eval_with(&rs, p, "2025-06", "2025-07-14 12:00");
        assert_eq!(points(&r, "bilag6.kpi1"), combined, "{rounding:?} combined");
        let g = goal(&r, "bilag6.kpi1");
        assert_eq!(g.counts[1], ("needed", 20));
    }
}

#[test]
fn kpi1_rounding_edges_example_6() {
    let rs = rules();
    for (w, n, started, nearest, floor) in [
        (16, 19, 60, 60, 50),
        (169, 200, 60, 60, 50),
        (18, 20, 0, 0, 0),
        (17, 20, 50, 50, 50),
        (0, 0, 0, 0, 0),
    ] {
        let mut b = Month6::default();
        contacts(&mut b, "E", 1, w, n - w);
        for (rounding, expect) in [
            (ShortfallRounding::Started, started),
            (ShortfallRounding::Nearest, nearest),
            (ShortfallRounding::Floor, floor),
        ] {
            let mut p = rs.policies;
            p.shortfall_rounding = rounding;
            let r = b.eval_with(&rs, p, "2025-06", "2025-07-14 12:00");
            assert_eq!(
                points(&r, "bilag6.kpi1.cat12"),
                expect,
                "{w}/{n} {rounding:?}"
            );
        }
    }
}

// ------------------------------------------------------------------ KPI 2

#[test]
fn kpi2_source_deadline_examples_1() {
    let rs = rules();
    // Tuesday 15:00, category 1: at the latest 23:00 the same day (wall).
    let mut b = Month6::default();
    b.report("X", "2025-03-11 15:00", Some(1))
        .resolve("X", "2025-03-11 23:00");
    let r = b.eval("2025-03", "2025-04-30 12:00");
    let m = &goal(&r, "bilag6.kpi2.cat1").population[0];
    assert_eq!(m.deadline, Some(t("2025-03-11 23:00")));
    assert!(m.within);
    let mut p = rs.policies;
    p.clock = ClockPolicy::BusinessHours;
    let r = b.eval_with(&rs, p, "2025-03", "2025-04-30 12:00");
    let m = &goal(&r, "bilag6.kpi2.cat1").population[0];
    assert_eq!(m.deadline, Some(t("2025-03-12 15:00")));
    // Wednesday 17:30: s = Thursday 08:00, due Thursday 16:00 under both.
    // Under wall_after_start 16:00:01 is 1 started hour late = 2.0 points.
    // Under business_hours the same stop is late (stop > d, SPEC §5.2 table)
    // but its value is still 8 h of opening time, so it carries 0 points:
    // SPEC's "2.0 points" for this example holds for the default policy only.
    for (resolved, clock, within, pts) in [
        ("2025-03-13 16:00:00", ClockPolicy::WallAfterStart, true, 0),
        (
            "2025-03-13 16:00:01",
            ClockPolicy::WallAfterStart,
            false,
            20,
        ),
        ("2025-03-13 16:00:00", ClockPolicy::BusinessHours, true, 0),
        ("2025-03-13 16:00:01", ClockPolicy::BusinessHours, false, 0),
    ] {
        let mut b = Month6::default();
        b.report("Y", "2025-03-12 17:30", Some(1))
            .resolve("Y", resolved);
        let mut p = rs.policies;
        p.clock = clock;
        let r = b.eval_with(&rs, p, "2025-03", "2025-04-30 12:00");
        let g = goal(&r, "bilag6.kpi2.cat1");
        assert_eq!(g.population[0].deadline, Some(t("2025-03-13 16:00")));
        assert_eq!(g.population[0].within, within, "{resolved} {clock:?}");
        assert_eq!(g.points.0, pts, "{resolved} {clock:?}");
    }
}

#[test]
fn kpi2_source_month_example_2_gives_9_points() {
    let mut b = Month6::default();
    // Clock starts Mon 2025-03-10 09:00; values 2:26, 9:42, 20:20, 7:30.
    b.report("F1", "2025-03-10 09:00", Some(1))
        .resolve("F1", "2025-03-10 11:26");
    b.report("F2", "2025-03-10 09:00", Some(1))
        .resolve("F2", "2025-03-10 18:42");
    b.report("F3", "2025-03-10 09:00", Some(2))
        .resolve("F3", "2025-03-11 05:20");
    b.report("F4", "2025-03-10 09:00", Some(2))
        .resolve("F4", "2025-03-10 16:30");
    let r = b.eval("2025-03", "2025-04-30 12:00");
    assert_eq!(points(&r, "bilag6.kpi2.cat1"), 40);
    assert_eq!(points(&r, "bilag6.kpi2.cat2"), 50);
    let cat1 = goal(&r, "bilag6.kpi2.cat1");
    let f2 = cat1.population.iter().find(|m| m.object == "F2").unwrap();
    assert_eq!(f2.units_over, 2);
}

#[test]
fn kpi2_category_1_after_friday_hours_example_3() {
    let rs = rules();
    let mut b = Month6::default();
    b.report("Z", "2025-03-14 15:10", Some(1))
        .resolve("Z", "2025-03-15 01:00");
    let r = b.eval("2025-03", "2025-04-30 12:00");
    assert_eq!(points(&r, "bilag6.kpi2.cat1"), 40);
    let m = &goal(&r, "bilag6.kpi2.cat1").population[0];
    assert_eq!(m.deadline, Some(t("2025-03-14 23:10")));
    let mut p = rs.policies;
    p.clock = ClockPolicy::BusinessHours;
    let r = b.eval_with(&rs, p, "2025-03", "2025-04-30 12:00");
    assert_eq!(points(&r, "bilag6.kpi2.cat1"), 0);
}

#[test]
fn kpi2_category_3_over_holidays_example_4() {
    let mut b = Month6::default();
    b.report("H", "2025-05-28 17:10", Some(3))
        .resolve("H", "2025-06-11 14:00");
    let r = b.eval("2025-06", "2025-07-14 12:00");
    let m = &goal(&r, "bilag6.kpi2.cat3").population[0];
    assert_eq!(m.start, t("2025-05-30 08:00"));
    assert_eq!(m.deadline, Some(t("2025-06-10 08:00")));
    assert_eq!(m.units_over, 2);
    assert_eq!(points(&r, "bilag6.kpi2.cat3"), 20);
    // Not in May's figures (attribution = stop month).
    let may = b.eval("2025-05", "2025-07-14 12:00");
    assert_eq!(points(&may, "bilag6.kpi2.cat3"), 0);
    // With friday_after_ascension closed: s = Mon 2 June, d = Wed 11 June 08:00.
    let rs =
        rules_with(|v| v["calendar"]["add_closed"] = serde_json::json!(["friday_after_ascension"]));
    let r = b.eval_with(&rs, rs.policies, "2025-06", "2025-07-14 12:00");
    let m = &goal(&r, "bilag6.kpi2.cat3").population[0];
    assert_eq!(m.start, t("2025-06-02 08:00"));
    assert_eq!(m.deadline, Some(t("2025-06-11 08:00")));
    assert_eq!(points(&r, "bilag6.kpi2.cat3"), 10);
}

#[test]
fn kpi2_category_2_at_the_limit_example_5() {
    for (resolved, pts) in [
        ("2025-03-11 01:00:00", 0),
        ("2025-03-11 01:00:01", 10),
        ("2025-03-11 02:00:01", 20),
    ] {
        let mut b = Month6::default();
        b.report("L", "2025-03-10 09:00", Some(2))
            .resolve("L", resolved);
        let r = b.eval("2025-03", "2025-04-30 12:00");
        assert_eq!(points(&r, "bilag6.kpi2.cat2"), pts, "{resolved}");
    }
}

#[test]
fn kpi2_time_between_a_resolution_and_a_reopening_counts() {
    let mut b = Month6::default();
    b.report("R", "2025-03-10 09:00", Some(2))
        .resolve("R", "2025-03-10 10:00")
        .reopen("R", "2025-03-10 12:00")
        .resolve("R", "2025-03-11 02:00");
    let r = b.eval("2025-03", "2025-04-30 12:00");
    assert_eq!(points(&r, "bilag6.kpi2.cat2"), 10);
}

#[test]
fn the_customer_category_wins_over_the_supplier_category() {
    let mut b = Month6::default();
    b.report("C", "2025-03-10 09:00", None)
        .react("C", 3, "2025-03-10 09:05")
        .customer_categorise("C", 1, "2025-03-10 12:00")
        .resolve("C", "2025-03-10 18:00");
    let r = b.eval("2025-03", "2025-04-30 12:00");
    // Category 1: 9 h against 8 h = 1 started hour = 2.0 points.
    assert_eq!(points(&r, "bilag6.kpi2.cat1"), 20);
}

// ------------------------------------------------------------------ KPI 3

#[test]
fn kpi3_two_days_late_over_easter() {
    for (delivered, pts) in [
        ("2025-04-28 11:00:00", 0),
        ("2025-04-28 11:00:01", 20),
        ("2025-04-30 09:30", 40),
        ("2025-04-30 11:00", 40),
        ("2025-04-30 11:01", 60),
    ] {
        let mut b = Month6::default();
        b.report("P", "2025-04-07 09:00", Some(1))
            .rca_request("RCA-1", "P", "2025-04-09 11:00")
            .rca_deliver("RCA-1", delivered);
        let r = b.eval("2025-04", "2025-05-30 12:00");
        assert_eq!(points(&r, "bilag6.kpi3"), pts, "{delivered}");
        let g = goal(&r, "bilag6.kpi3");
        assert_eq!(g.population[0].deadline, Some(t("2025-04-28 11:00")));
    }
}

#[test]
fn kpi3_requests_for_category_3_are_findings_not_measurements() {
    let mut b = Month6::default();
    b.report("Q", "2025-04-07 09:00", Some(3))
        .rca_request("RCA-2", "Q", "2025-04-09 11:00")
        .rca_deliver("RCA-2", "2025-05-20 11:00");
    let r = b.eval("2025-05", "2025-05-30 12:00");
    let g = goal(&r, "bilag6.kpi3");
    assert!(g.population.is_empty());
    assert!(r
        .findings
        .iter()
        .any(|f| f.kind == "rca_for_category_3_or_4"));
}

// ------------------------------------------------------------------ KPI 4

#[test]
fn kpi4_late_example_1() {
    let rs = rules();
    for (at, pts) in [
        ("2025-04-15 00:00:00", 0),
        ("2025-04-15 00:00:01", 10),
        ("2025-04-16 10:00", 20),
    ] {
        let mut b = Month6::default();
        b.report_submitted("2025-03", at);
        let r = b.eval("2025-03", "2025-05-30 12:00");
        assert_eq!(points(&r, "bilag6.kpi4"), pts, "{at}");
        // Under deadline_month the points move to April.
        let mut p = rs.policies;
        p.kpi4_month = Kpi4Month::DeadlineMonth;
        let apr = b.eval_with(&rs, p, "2025-04", "2025-05-30 12:00");
        assert_eq!(points(&apr, "bilag6.kpi4"), pts, "{at} deadline_month");
    }
}

#[test]
fn kpi4_calendar_data_example_2() {
    let mut b = Month6::default();
    b.report_submitted("2025-04", "2025-05-19 09:00");
    let r = b.eval("2025-04", "2025-05-30 12:00");
    assert_eq!(points(&r, "bilag6.kpi4"), 30);
    let rs = rules_with(|v| v["calendar"]["add_closed"] = serde_json::json!(["may_1"]));
    let r = b.eval_with(&rs, rs.policies, "2025-04", "2025-05-30 12:00");
    assert_eq!(points(&r, "bilag6.kpi4"), 20);
}

#[test]
fn kpi4_missing_then_late_example_3() {
    let mut b = Month6::default();
    b.report_submitted("2025-05", "2025-06-26 10:00");
    // As of 25 June 12:00 the submission has not happened: missing, 9.0.
    let r = b.eval("2025-05", "2025-06-25 12:00");
    assert_eq!(points(&r, "bilag6.kpi4"), 90);
    assert_eq!(goal(&r, "bilag6.kpi4").figure, Figure::State("missing"));
    // After the submission: late by 7 started Arbejdsdage.
    let r = b.eval("2025-05", "2025-06-30 12:00");
    assert_eq!(points(&r, "bilag6.kpi4"), 70);
}

#[test]
fn kpi4_a_rejected_report_does_not_stop_the_clock_by_default() {
    let rs = rules();
    let mut b = Month6::default();
    let first = b.report_submitted("2025-03", "2025-04-10 10:00");
    b.report_rejected("2025-03", &first, "2025-04-11 10:00");
    b.report_submitted("2025-03", "2025-04-16 10:00");
    let r = b.eval("2025-03", "2025-05-30 12:00");
    assert_eq!(points(&r, "bilag6.kpi4"), 20);
    let mut p = rs.policies;
    p.kpi4_rejected_report = Kpi4RejectedReport::Counts;
    let r = b.eval_with(&rs, p, "2025-03", "2025-05-30 12:00");
    assert_eq!(points(&r, "bilag6.kpi4"), 0);
}

#[test]
fn kpi4_not_yet_due_is_pending_and_listed_open() {
    let b = Month6::default();
    let r = b.eval("2025-06", "2025-07-14 12:00");
    let g = goal(&r, "bilag6.kpi4");
    assert_eq!(g.verdict, Verdict::Pending);
    assert!(r
        .open_clocks
        .iter()
        .any(|c| c.goal == "bilag6.kpi4" && c.state == "pending"));
}

// ------------------------------------------------- §5.5, §5.6, §5.7

#[test]
fn measurements_not_performed_example() {
    let rs = rules();
    let mut b = Month6::default();
    b.missing(1, "2025-06", 3, "supplier")
        .missing(2, "2025-06", 3, "supplier")
        .missing(4, "2025-06", 1, "supplier");
    let r = b.eval("2025-06", "2025-07-14 12:00");
    assert_eq!(points(&r, "bilag6.not_performed"), 70);
    // A dispute reason counts only under unmeasured_dispute_points = yes.
    let mut b = Month6::default();
    b.missing(1, "2025-06", 2, "dispute");
    assert_eq!(
        points(
            &b.eval("2025-06", "2025-07-14 12:00"),
            "bilag6.not_performed"
        ),
        20
    );
    let mut p = rs.policies;
    p.unmeasured_dispute_points = YesNo::No;
    let r = b.eval_with(&rs, p, "2025-06", "2025-07-14 12:00");
    assert_eq!(points(&r, "bilag6.not_performed"), 0);
}

fn bod_of(
    fee: i64,
    items: u32,
    edit: impl FnOnce(&mut serde_json::Value),
) -> (Option<i64>, Option<i64>, Option<i64>) {
    let mut b = Month6::default();
    b.fee("2025-06", fee)
        .missing(1, "2025-06", items, "supplier");
    let rs = rules_with(edit);
    let r = b.eval_with(&rs, rs.policies, "2025-06", "2025-07-14 12:00");
    (r.total.uncapped, r.total.monthly_cap, r.total.bod)
}

#[test]
fn bod_examples_1_to_3() {
    // F = 25,000,000 øre; other goals add nothing in an empty month except
    // KPI 4 (pending) and KPI 1-3 (no measurements).
    assert_eq!(bod_of(25_000_000, 9, |_| {}).2, Some(2_250_000));
    assert_eq!(bod_of(25_000_000, 57, |_| {}).2, Some(12_500_000));
    assert_eq!(
        bod_of(25_000_000, 57, |v| v["fee"]["monthly_cap_percent"] =
            30.into())
        .2,
        Some(7_500_000)
    );
    assert_eq!(bod_of(12_345_678, 9, |_| {}).2, Some(1_111_111));
    assert_eq!(bod_of(12_345_650, 9, |_| {}).2, Some(1_111_109));
    let (_, cap, bod) = bod_of(12_345_679, 60, |_| {});
    assert_eq!((cap, bod), (Some(6_172_840), Some(6_172_840)));
}

#[test]
fn no_fee_means_bod_pending() {
    let mut b = Month6::default();
    b.missing(1, "2025-06", 3, "supplier");
    let r = b.eval("2025-06", "2025-07-14 12:00");
    assert_eq!(r.total.points.0, 30);
    assert_eq!(r.total.bod, None);
}

#[test]
fn yearly_cap_example_4() {
    let mut b = Month6::default();
    for (m, pts) in [("01", 40), ("02", 10), ("03", 0), ("04", 60), ("05", 5)] {
        let month = format!("2025-{m}");
        b.fee(&month, 10_000_000);
        if pts > 0 {
            b.missing(1, &month, pts, "supplier");
        }
    }
    // KPI 4 would add points for the missing reports of Jan-May; switch it
    // off so that the months carry exactly the example's points.
    let rs = rules_with(|v| {
        v["fee"]["yearly_cap_percent"] = 15.into();
        v["goals"].as_object_mut().unwrap().remove("kpi4");
    });
    for (m, cap, used, fin) in [
        ("2025-01", 1_500_000, 0, 1_500_000),
        ("2025-02", 3_000_000, 1_500_000, 1_000_000),
        ("2025-03", 4_500_000, 2_500_000, 0),
        ("2025-04", 6_000_000, 2_500_000, 3_500_000),
        ("2025-05", 7_500_000, 6_000_000, 500_000),
    ] {
        let r = b.eval_with(&rs, rs.policies, m, "2025-12-31 12:00");
        let y = r.total.yearly.clone().unwrap();
        assert_eq!(
            (y.cap_so_far, y.used_before, y.final_bod),
            (cap, used, fin),
            "{m}"
        );
        assert_eq!(r.total.bod, Some(fin), "{m}");
    }
}

#[test]
fn attribution_and_open_clock_example_5_7() {
    let rs = rules();
    let mut b = Month6::default();
    b.report("O", "2025-02-28 15:00", Some(1))
        .resolve("O", "2025-03-03 09:00");
    // stop_month: March, 66 h → 58 started hours over → 116.0 points.
    let mar = b.eval("2025-03", "2025-04-30 12:00");
    assert_eq!(points(&mar, "bilag6.kpi2.cat1"), 1160);
    let feb = b.eval("2025-02", "2025-04-30 12:00");
    assert_eq!(points(&feb, "bilag6.kpi2.cat1"), 0);
    // start_month: February.
    let mut p = rs.policies;
    p.attribution = Attribution::StartMonth;
    let feb = b.eval_with(&rs, p, "2025-02", "2025-04-30 12:00");
    assert_eq!(points(&feb, "bilag6.kpi2.cat1"), 1160);
    // February evaluated at Sat 2025-03-01 10:00 lists it as open.
    let feb = b.eval("2025-02", "2025-03-01 10:00");
    let c = feb
        .open_clocks
        .iter()
        .find(|c| c.goal == "bilag6.kpi2.cat1")
        .unwrap();
    assert_eq!(c.elapsed_month_end_ms, 9 * 3_600_000);
    assert_eq!(c.elapsed_eval_ms, 19 * 3_600_000);
    assert_eq!(c.deadline, Some(t("2025-02-28 23:00")));
    assert!(c.overdue);
    assert_eq!(c.points_if_stopped_now.unwrap().0, 220);
    assert_eq!(points(&feb, "bilag6.kpi2.cat1"), 0);
}

#[test]
fn a_contact_after_the_reaction_counts_in_its_own_month_with_zero_reaction_time() {
    let mut b = Month6::default();
    b.report("S", "2025-06-27 10:00", None)
        .react("S", 1, "2025-06-27 10:05")
        .report("S", "2025-07-02 09:00", None);
    let june = b.eval("2025-06", "2025-07-14 12:00");
    let g = june
        .goals
        .iter()
        .find(|g| g.goal == "bilag6.kpi1.cat12")
        .unwrap();
    assert_eq!(g.population.len(), 1);
    let july = b.eval("2025-07", "2025-07-14 12:00");
    let g = july
        .goals
        .iter()
        .find(|g| g.goal == "bilag6.kpi1.cat12")
        .unwrap();
    assert_eq!(g.population.len(), 1);
    assert_eq!(g.population[0].value_ms, Some(0));
    assert!(g.population[0].within);
}

#[test]
fn a_far_evaluation_time_is_computed_in_one_pass() {
    // A missing report evaluated centuries later: started Arbejdsdage are
    // counted in one pass over the days (this used to take minutes).
    let b = Month6::default();
    let r = b.eval("2025-06", "2999-01-01 00:00");
    let g = goal(&r, "bilag6.kpi4");
    assert_eq!(g.figure, Figure::State("missing"));
    assert!(g.points.0 > 2_000_000);
}
