//! The worked examples of SPEC §6.6.10 and §6.7 (availability, KTS and
//! user-experienced availability), each with SPEC's numbers.

mod common;

use common::*;
use serde_json::json;
use slaledger_projections::availability::Availability;
use slaledger_projections::bilag6::{Figure, MonthResult, Verdict};
use slaledger_projections::ruleset::{Policies, RuleSet};

/// An A/B incident of `env` tagged with `areas`, from `from` to `to`.
fn outage(b: &mut Month6, id: &str, from: &str, to: &str, p: &str, env: &str, areas: &[&str]) {
    b.raw(
        "incident_detected",
        "supplier",
        json!({"incident_id": id, "detected_at": t(from).to_string(), "how": "monitoring",
               "environment": env, "areas": areas, "proposed_priority": p}),
        None,
    )
    .resolve(id, to);
}

fn app(b: &mut Month6, id: &str, from: &str, to: &str, p: &str) {
    outage(b, id, from, to, p, "production", &["application"]);
}

fn avail<'a>(r: &'a MonthResult, id: &str) -> &'a Availability {
    match &goal(r, id).figure {
        Figure::Availability(a) => a,
        f => panic!("{id} has figure {f:?}"),
    }
}

/// (agreed minutes, downtime minutes, percent in hundredths).
fn fig(r: &MonthResult, id: &str) -> (i64, i64, i64) {
    let a = avail(r, id);
    (
        a.agreed_min,
        a.downtime_min,
        slaledger_projections::availability::hundredths(a),
    )
}

const PA: &str = "b72a.availability.production.application";
const PI: &str = "b72a.availability.production.infrastructure";

fn eval_with(b: &Month6, m: &str, edit: impl FnOnce(&mut Policies)) -> MonthResult {
    let r: RuleSet = b72a_rules_with(|_| {});
    let mut p = r.policies;
    edit(&mut p);
    b.eval_b72a_with(&r, p, m, "2026-01-01 00:00")
}

fn eval(b: &Month6, m: &str) -> MonthResult {
    eval_with(b, m, |_| {})
}

#[test]
fn example_1_a_two_minute_disruption_counts_five_minutes() {
    let mut b = Month6::default();
    app(&mut b, "I", "2025-06-17 09:00", "2025-06-17 09:02", "B");
    let r = eval(&b, "2025-06");
    assert_eq!(fig(&r, PA), (43_200, 5, 9999));
    assert_eq!(goal(&r, PA).verdict, Verdict::Met);
}

#[test]
fn example_2_five_minutes_one_second_counts_six_minutes() {
    let mut b = Month6::default();
    app(
        &mut b,
        "I",
        "2025-06-17 09:00:00",
        "2025-06-17 09:05:01",
        "B",
    );
    let r = eval(&b, "2025-06");
    assert_eq!(fig(&r, PA), (43_200, 6, 9999));
}

#[test]
fn minimum_and_started_minutes_at_the_boundaries() {
    for (to, min) in [
        ("2025-06-17 09:04:59", 5),
        ("2025-06-17 09:05:00", 5),
        ("2025-06-17 09:05:01", 6),
    ] {
        let mut b = Month6::default();
        app(&mut b, "I", "2025-06-17 09:00:00", to, "A");
        assert_eq!(fig(&eval(&b, "2025-06"), PA).1, min, "{to}");
    }
}

#[test]
fn example_3_source_example_1_merges_to_87_minutes() {
    // B 29 min, normal operation 20 min, A 38 min.
    let mut b = Month6::default();
    app(&mut b, "B1", "2025-06-17 09:00", "2025-06-17 09:29", "B");
    app(&mut b, "A1", "2025-06-17 09:49", "2025-06-17 10:27", "A");
    let r = eval(&b, "2025-06");
    assert_eq!(fig(&r, PA).1, 87);
    let a = avail(&r, PA);
    assert!(a
        .contributions
        .iter()
        .any(|c| c.kind == "gap" && c.counted_ms == 20 * 60_000));
}

#[test]
fn example_4_source_example_2_does_not_merge_158_minutes() {
    let mut b = Month6::default();
    app(&mut b, "B1", "2025-06-17 09:00", "2025-06-17 11:00", "B");
    app(&mut b, "A1", "2025-06-17 11:40", "2025-06-17 12:18", "A");
    assert_eq!(fig(&eval(&b, "2025-06"), PA).1, 158);
}

#[test]
fn example_5_gap_boundaries() {
    for (gap, later, expect) in [(60, 75, 165), (61, 75, 105), (38, 38, 68)] {
        let mut b = Month6::default();
        app(&mut b, "P", "2025-06-17 09:00", "2025-06-17 09:30", "B");
        let s = chrono::NaiveDateTime::parse_from_str("2025-06-17 09:30", "%Y-%m-%d %H:%M")
            .unwrap()
            + chrono::Duration::minutes(gap);
        let e = s + chrono::Duration::minutes(later);
        let f = |d: chrono::NaiveDateTime| d.format("%Y-%m-%d %H:%M").to_string();
        app(&mut b, "N", &f(s), &f(e), "A");
        assert_eq!(fig(&eval(&b, "2025-06"), PA).1, expect, "gap {gap}");
    }
}

/// The major window of example 6: announced 2025-05-10 for Sat 14 June 01:00-04:00.
fn major_window(b: &mut Month6, end: &str) {
    b.raw(
        "service_window_announced",
        "supplier",
        json!({"window_id": "W", "environments": ["production"], "window_kind": "major",
               "planned_start": t("2025-06-14 01:00").to_string(),
               "planned_end": t("2025-06-14 04:00").to_string(),
               "announced_at": t("2025-05-10 09:00").to_string(), "purpose": "opdatering"}),
        None,
    )
    .raw(
        "service_window_started",
        "supplier",
        json!({"window_id": "W", "at": t("2025-06-14 01:00").to_string()}),
        None,
    )
    .raw(
        "service_window_ended",
        "supplier",
        json!({"window_id": "W", "at": t(end).to_string()}),
        None,
    );
}

#[test]
fn example_6_window_overrun_counts_as_downtime() {
    let mut b = Month6::default();
    major_window(&mut b, "2025-06-14 04:20");
    app(&mut b, "I", "2025-06-17 09:00", "2025-06-17 09:02", "B");
    let r = eval(&b, "2025-06");
    assert_eq!(fig(&r, PA), (43_020, 25, 9994));
    assert!(
        !r.findings.iter().any(|f| f.kind == "nonconforming_window"),
        "{:?}",
        r.findings
    );
    let a = avail(&r, PA);
    let overrun = a
        .contributions
        .iter()
        .find(|c| c.kind == "window_overrun")
        .unwrap();
    assert_eq!(
        (overrun.object.as_str(), overrun.counted_ms),
        ("W", 20 * 60_000)
    );
}

#[test]
fn example_6_window_removal_planned_versus_used() {
    let mut b = Month6::default();
    major_window(&mut b, "2025-06-14 03:00");
    assert_eq!(fig(&eval(&b, "2025-06"), PA).0, 43_020);
    let used = eval_with(&b, "2025-06", |p| p.set("window_removal", "used").unwrap());
    assert_eq!(fig(&used, PA).0, 43_080);
}

#[test]
fn example_6_a_disruption_into_a_window_loses_the_window_part() {
    let mut b = Month6::default();
    major_window(&mut b, "2025-06-14 04:00");
    app(&mut b, "I", "2025-06-14 03:50", "2025-06-14 04:30", "B");
    assert_eq!(fig(&eval(&b, "2025-06"), PA).1, 30);
}

fn example_7() -> Month6 {
    let mut b = Month6::default();
    b.raw(
        "non_redundant_state_began",
        "monitor",
        json!({"state_id": "NR", "environment": "production", "at": t("2025-05-13 02:10").to_string(), "description": "site B"}),
        None,
    );
    b.raw(
        "incident_detected",
        "supplier",
        json!({"incident_id": "I", "detected_at": t("2025-05-13 04:00").to_string(), "how": "monitoring",
               "environment": "production", "areas": ["infrastructure"], "proposed_priority": "A"}),
        None,
    )
    .reaction("I", "2025-05-13 04:10")
    .resolve("I", "2025-05-13 04:30")
    .raw(
        "non_redundant_state_ended",
        "monitor",
        json!({"state_id": "NR", "environment": "production", "at": t("2025-05-13 05:15").to_string(), "description": "site B"}),
        None,
    );
    b
}

#[test]
fn example_7_non_redundant_state_moves_the_infrastructure_disruption_start() {
    let b = example_7();
    let r = eval(&b, "2025-05");
    assert_eq!(fig(&r, PI), (44_640, 140, 9969));
    // The incident's own times are unchanged under `disruption`.
    assert_eq!(
        goal(&r, "b72a.reaction.A").population[0].value_ms,
        Some(10 * 60_000)
    );
    assert_eq!(
        goal(&r, "b72a.resolution.A").population[0].value_ms,
        Some(30 * 60_000)
    );
}

#[test]
fn example_7_under_incident_the_incident_start_moves_too() {
    let b = example_7();
    let r = eval_with(&b, "2025-05", |p| {
        p.set("non_redundant_start", "incident").unwrap()
    });
    assert_eq!(fig(&r, PI), (44_640, 140, 9969));
    assert_eq!(
        goal(&r, "b72a.reaction.A").population[0].value_ms,
        Some(120 * 60_000)
    );
    assert_eq!(
        goal(&r, "b72a.resolution.A").population[0].value_ms,
        Some(140 * 60_000)
    );
}

#[test]
fn example_7_without_the_state_30_minutes() {
    let mut b = Month6::default();
    outage(
        &mut b,
        "I",
        "2025-05-13 04:00",
        "2025-05-13 04:30",
        "A",
        "production",
        &["infrastructure"],
    );
    assert_eq!(fig(&eval(&b, "2025-05"), PI), (44_640, 30, 9993));
}

#[test]
fn example_8_adding_a_disruption_can_lower_downtime() {
    let mut b = Month6::default();
    app(&mut b, "X", "2025-06-17 00:00", "2025-06-17 00:30", "B");
    app(&mut b, "Y", "2025-06-17 00:50", "2025-06-17 01:40", "B");
    assert_eq!(fig(&eval(&b, "2025-06"), PA).1, 100);
    app(&mut b, "Z", "2025-06-17 00:35", "2025-06-17 00:37", "B");
    assert_eq!(fig(&eval(&b, "2025-06"), PA).1, 95);
}

fn example_9() -> Month6 {
    let mut b = Month6::default();
    app(&mut b, "I", "2025-05-20 10:00", "2025-05-20 12:40", "A");
    b.raw(
        "escalated_to_third_party",
        "supplier",
        json!({"incident_id": "I", "third_party": "cpr-leverandor", "third_party_type": "user_system_supplier", "at": t("2025-05-20 11:25").to_string()}),
        None,
    )
    .raw(
        "responsibility_decided",
        "customer",
        json!({"incident_id": "I", "responsible": "other_supplier", "other_supplier": "cpr-leverandor", "role": "decision"}),
        Some("2025-05-21 10:00"),
    );
    b
}

#[test]
fn example_9_third_party_outage_with_supplier_delay() {
    let b = example_9();
    let r = eval_with(&b, "2025-05", |p| {
        p.set("supplier_delay", "escalation_and_recorded").unwrap()
    });
    assert_eq!(fig(&r, PA), (44_640, 25, 9994));
    let a = avail(&r, PA);
    assert_eq!(a.excluded.len(), 1);
    assert_eq!(a.excluded[0].counted_ms, 160 * 60_000);
    assert!(a.contributions.iter().any(|c| c.kind == "supplier_delay"));
    // User-experienced: the whole 160 minutes.
    assert_eq!(
        fig(&r, "b72a.user_availability.production.application"),
        (44_640, 160, 9964)
    );
}

#[test]
fn example_9_recorded_only_gives_100_percent() {
    let r = eval(&example_9(), "2025-05");
    assert_eq!(fig(&r, PA), (44_640, 0, 10_000));
}

#[test]
fn a_recorded_supplier_delay_counts_inside_excluded_time() {
    let mut b = example_9();
    b.raw(
        "supplier_delay_established",
        "customer",
        json!({"incident_id": "I", "should_have_acted": t("2025-05-20 10:30").to_string(), "acted": t("2025-05-20 10:50").to_string()}),
        Some("2025-05-22 10:00"),
    );
    assert_eq!(fig(&eval(&b, "2025-05"), PA).1, 20);
}

/// Minor windows on the given Saturdays of a month, announced 14 days before.
fn minor_windows(b: &mut Month6, days: &[&str]) {
    for d in days {
        let start = t(&format!("{d} 01:00"));
        b.raw(
            "service_window_announced",
            "supplier",
            json!({"window_id": format!("W{d}"), "environments": ["production"], "window_kind": "minor",
                   "planned_start": start.to_string(),
                   "planned_end": t(&format!("{d} 02:00")).to_string(),
                   "announced_at": start.saturating_add_millis(-14 * 86_400_000).to_string(), "purpose": "patch"}),
            None,
        );
    }
}

#[test]
fn example_10_dst_months_agreed_minutes_with_minor_windows() {
    let mut b = Month6::default();
    minor_windows(&mut b, &["2025-03-08", "2025-03-15", "2025-03-22"]);
    minor_windows(
        &mut b,
        &["2025-10-04", "2025-10-11", "2025-10-18", "2025-10-25"],
    );
    app(
        &mut b,
        "M",
        "2025-03-12 10:00:00",
        "2025-03-12 10:37:20",
        "A",
    );
    app(
        &mut b,
        "O",
        "2025-10-15 10:00:00",
        "2025-10-15 10:37:20",
        "A",
    );
    let march = eval(&b, "2025-03");
    let october = eval(&b, "2025-10");
    assert_eq!(fig(&march, PA), (44_400, 38, 9991));
    assert_eq!(fig(&october, PA), (44_460, 38, 9991));
    for r in [&march, &october] {
        assert!(
            !r.findings.iter().any(|f| f.kind == "nonconforming_window"),
            "{:?}",
            r.findings
        );
    }
}

#[test]
fn example_10_windows_in_the_blackout_are_findings() {
    let mut b = Month6::default();
    minor_windows(&mut b, &["2025-03-01", "2025-03-29"]);
    let r = eval(&b, "2025-03");
    let blackout: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == "nonconforming_window" && f.text.contains("blackout"))
        .collect();
    assert_eq!(blackout.len(), 2, "{:?}", r.findings);
    // Policy `finding`: still agreed; `not_agreed`: nothing removed.
    assert_eq!(fig(&r, PA).0, 44_580 - 120);
    let strict = eval_with(&b, "2025-03", |p| {
        p.set("nonconforming_window", "not_agreed").unwrap()
    });
    assert_eq!(fig(&strict, PA).0, 44_580);
}

#[test]
fn example_10_most_downtime_that_still_meets_99_50() {
    let cases = [
        ("2025-03", 44_580, 225),
        ("2025-10", 44_700, 225),
        ("2025-06", 43_200, 218),
        ("2025-05", 44_640, 225),
    ];
    for (m, agreed, most) in cases {
        for (d, met) in [(most, true), (most + 1, false)] {
            let mut b = Month6::default();
            let from = format!("{m}-10 08:00");
            let to_t = t(&from).saturating_add_millis(d * 60_000);
            let to = slaledger_projections::calendar::local(to_t)
                .format("%Y-%m-%d %H:%M")
                .to_string();
            app(&mut b, "I", &from, &to, "A");
            let r = eval(&b, m);
            assert_eq!(fig(&r, PA).0, agreed);
            assert_eq!(goal(&r, PA).verdict == Verdict::Met, met, "{m} {d}");
        }
    }
}

#[test]
fn example_11_a_disruption_across_a_month_change_is_split_after_the_minimum() {
    let mut b = Month6::default();
    app(
        &mut b,
        "I",
        "2025-01-31 23:58:30",
        "2025-02-01 00:01:30",
        "A",
    );
    assert_eq!(fig(&eval(&b, "2025-01"), PA).1, 2);
    assert_eq!(fig(&eval(&b, "2025-02"), PA).1, 4);
}

#[test]
fn infra_production_target_policy_switches_the_target() {
    let mut b = Month6::default();
    outage(
        &mut b,
        "I",
        "2025-06-10 08:00",
        "2025-06-10 09:00",
        "A",
        "production",
        &["infrastructure"],
    );
    let r = eval(&b, "2025-06");
    assert_eq!(fig(&r, PI).2, 9986);
    assert_eq!(goal(&r, PI).verdict, Verdict::Met);
    let strict = eval_with(&b, "2025-06", |p| {
        p.set("infra_production_target", "99.9").unwrap()
    });
    assert_eq!(goal(&strict, PI).verdict, Verdict::NotMet);
}

#[test]
fn spec_6_7_kts_and_user_experienced_availability() {
    // April 2025; the probe packages of SPEC's table are tested with the probes.
    let mut b = Month6::default();
    app(&mut b, "A1", "2025-04-08 10:00", "2025-04-08 10:40", "A");
    app(&mut b, "B1", "2025-04-17 14:00", "2025-04-17 15:00", "B");
    b.raw(
        "responsibility_decided",
        "customer",
        json!({"incident_id": "B1", "responsible": "other_supplier", "other_supplier": "cpr-leverandor", "role": "decision"}),
        Some("2025-04-18 10:00"),
    );
    outage(
        &mut b,
        "I1",
        "2025-04-08 10:30",
        "2025-04-08 11:00",
        "A",
        "production",
        &["infrastructure"],
    );
    let r = eval(&b, "2025-04");
    assert_eq!(fig(&r, PA), (43_200, 40, 9991));
    assert_eq!(fig(&r, PI), (43_200, 30, 9993));
    assert!(matches!(
        goal(&r, "b72a.kts").figure,
        Figure::Hundredths(9984)
    ));
    assert_eq!(
        fig(&r, "b72a.user_availability.production.application"),
        (43_200, 100, 9977)
    );
    assert_eq!(
        fig(&r, "b72a.user_availability.production.infrastructure"),
        (43_200, 30, 9993)
    );
    assert_eq!(
        fig(&r, "b72a.user_availability.production.combined"),
        (43_200, 120, 9972)
    );
    assert_eq!(
        goal(&r, "b72a.user_availability.production.combined").verdict,
        Verdict::NoTarget
    );
}

#[test]
fn response_time_incidents_follow_the_exclusion_policy() {
    let mut b = Month6::default();
    b.raw(
        "incident_reported",
        "customer",
        json!({"incident_id": "R", "reported_at": t("2025-05-13 10:40").to_string(), "channel": "phone",
               "reporter": "bruger", "environment": "production", "areas": ["application"],
               "proposed_priority": "B", "cause": "response_time", "description": "langsom"}),
        None,
    )
    .resolve("R", "2025-05-14 15:10");
    let flagged = eval(&b, "2025-05");
    assert_eq!(fig(&flagged, PA).1, 0);
    let user_reported = eval_with(&b, "2025-05", |p| {
        p.set("response_time_exclusion", "probe_triggered_only")
            .unwrap()
    });
    // SPEC §6.9's failing example: 1,710 min → 96.17 %.
    assert_eq!(fig(&user_reported, PA), (44_640, 1_710, 9617));
    // The user-experienced figure always counts it.
    assert_eq!(
        fig(&flagged, "b72a.user_availability.production.application").1,
        1_710
    );
}

#[test]
fn excluded_time_is_never_bridged_by_the_gap_rule() {
    // Two supplier disruptions with a third party's outage in between.
    let mut b = Month6::default();
    app(&mut b, "X", "2025-06-17 09:00", "2025-06-17 09:30", "B");
    app(&mut b, "T", "2025-06-17 09:35", "2025-06-17 09:40", "B");
    app(&mut b, "Y", "2025-06-17 09:45", "2025-06-17 10:45", "B");
    b.raw(
        "responsibility_decided",
        "customer",
        json!({"incident_id": "T", "responsible": "external", "role": "decision"}),
        Some("2025-06-18 10:00"),
    );
    let r = eval(&b, "2025-06");
    // Without the exclusion one block 09:00-10:45; with it, 30 + 60.
    assert_eq!(fig(&r, PA).1, 90);
}
