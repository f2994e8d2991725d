//! The worked examples of SPEC §6.1-6.3 (Bilag 7.2.A incident goals), each
//! with SPEC's numbers.

mod common;

use common::*;
use serde_json::json;
use slaledger_projections::b72a::{fractile_rank, incident_report_deadline, working_days_used};
use slaledger_projections::bilag6::{Figure, Verdict};
use slaledger_projections::calendar::Calendar;
use slaledger_projections::ruleset::{Attribution, NotificationStart, SmallSample, ThirdPartyStop};

const MIN: i64 = 60_000;

fn value(r: &slaledger_projections::bilag6::MonthResult, g: &str) -> Vec<i64> {
    goal(r, g)
        .population
        .iter()
        .map(|m| m.value_ms.unwrap_or(m.units_over))
        .collect()
}

// ------------------------------------------------------------- §6.1.3

fn spec_6_1_3() -> Month6 {
    let mut b = Month6::default();
    b.detect("I", "2025-03-10 10:00", "B", "production")
        .raw(
            "should_have_detected_established",
            "customer",
            json!({"incident_id": "I", "should_have_detected_at": t("2025-03-10 09:00").to_string(),
                   "basis": "monitoring_rule"}),
            Some("2025-03-10 12:00"),
        )
        .reaction("I", "2025-03-10 10:05")
        .resolve("I", "2025-03-10 12:30")
        .prioritise("I", "A", "customer_decision", "2025-03-11 09:00");
    b
}

#[test]
fn should_have_detected_moves_the_start_and_the_decision_sets_a() {
    let r = spec_6_1_3().eval_b72a("2025-03", "2025-04-30 12:00");
    assert_eq!(value(&r, "b72a.reaction.A"), vec![65 * MIN]);
    assert_eq!(value(&r, "b72a.resolution.A"), vec![210 * MIN]);
    assert_eq!(goal(&r, "b72a.reaction.A").verdict, Verdict::NotMet);
    assert_eq!(goal(&r, "b72a.resolution.A").verdict, Verdict::NotMet);
    assert_eq!(
        goal(&r, "b72a.reaction.A").population[0].start,
        t("2025-03-10 09:00")
    );
}

#[test]
fn before_the_customer_decision_the_incident_is_b() {
    let r = spec_6_1_3().eval_b72a("2025-03", "2025-03-10 23:00");
    assert_eq!(value(&r, "b72a.reaction.B"), vec![65 * MIN]);
    assert!(!goal(&r, "b72a.reaction.B").population[0].within);
    assert!(goal(&r, "b72a.resolution.B").population[0].within);
    assert!(goal(&r, "b72a.reaction.A").population.is_empty());
}

#[test]
fn without_should_have_detected_the_reaction_is_5_minutes() {
    let mut b = Month6::default();
    b.detect("I", "2025-03-10 10:00", "B", "production")
        .reaction("I", "2025-03-10 10:05")
        .resolve("I", "2025-03-10 12:30");
    let r = b.eval_b72a("2025-03", "2025-04-30 12:00");
    assert_eq!(value(&r, "b72a.reaction.B"), vec![5 * MIN]);
}

fn floor_case(downgrade_to: Option<&str>) -> slaledger_projections::bilag6::MonthResult {
    let mut b = Month6::default();
    b.raw(
        "incident_detected",
        "supplier",
        json!({"incident_id": "F", "detected_at": t("2025-03-12 09:00").to_string(), "how": "x",
               "environment": "production", "areas": ["application"], "proposed_priority": "C",
               "integrations": ["CPR-opslag"]}),
        None,
    )
    .reaction("F", "2025-03-12 09:10")
    .resolve("F", "2025-03-12 10:00");
    if let Some(to) = downgrade_to {
        b.raw(
            "priority_downgrade_agreed",
            "customer",
            json!({"incident_id": "F", "from": "A", "to": to, "agreement_ref": "mail 12/3"}),
            Some("2025-03-12 09:30"),
        );
    }
    b.eval_b72a("2025-03", "2025-04-30 12:00")
}

#[test]
fn an_uncategorised_integration_is_critical_and_floors_the_priority_at_a() {
    let r = floor_case(None);
    assert_eq!(goal(&r, "b72a.reaction.A").population.len(), 1);
    let r = floor_case(Some("B"));
    assert_eq!(goal(&r, "b72a.reaction.B").population.len(), 1);
    assert!(!r
        .findings
        .iter()
        .any(|f| f.kind == "downgrade_beyond_one_level"));
    // An A incident without a linked problem is a finding of its own (9).
    assert!(r
        .findings
        .iter()
        .any(|f| f.kind == "ab_incident_without_problem"));
    let r = floor_case(Some("C"));
    assert_eq!(goal(&r, "b72a.reaction.C").population.len(), 1);
    assert!(r
        .findings
        .iter()
        .any(|f| f.kind == "downgrade_beyond_one_level"));
}

// ------------------------------------------------------------- §6.1.4

#[test]
fn pre_production_a_incidents_use_the_c_targets() {
    let mut b = Month6::default();
    b.detect("P", "2025-03-10 09:00", "A", "pre_production")
        .reaction("P", "2025-03-10 12:20")
        .resolve("P", "2025-03-12 08:00");
    let r = b.eval_b72a("2025-03", "2025-04-30 12:00");
    let react = goal(&r, "b72a.reaction.C");
    assert_eq!(react.population[0].value_ms, Some(200 * MIN));
    assert!(react.population[0].within);
    let res = goal(&r, "b72a.resolution.C");
    assert_eq!(res.population[0].units_over, 2);
    assert!(res.population[0].within);
    assert!(goal(&r, "b72a.reaction.A").population.is_empty());
}

// ------------------------------------------------------------- §6.2.5

#[test]
fn the_fractile_rank_is_nearest_rank() {
    for (n, k) in [(7, 7), (10, 9), (11, 10), (1, 1), (20, 18), (0, 0)] {
        assert_eq!(fractile_rank(90, n), k, "n = {n}");
        // Oracle: met iff at most ⌊n / 10⌋ exceed.
        assert_eq!(n - k, n / 10, "n = {n}");
    }
}

fn b_resolutions(last_minutes: i64) -> Month6 {
    let mut b = Month6::default();
    for (i, m) in [95, 140, 180, 210, 250, 300, last_minutes]
        .iter()
        .enumerate()
    {
        let id = format!("B{i}");
        let start = format!("2025-04-{:02} 08:00", 1 + i);
        b.detect(&id, &start, "B", "production")
            .reaction(&id, &start);
        let stop = t(&start).saturating_add_millis(m * MIN);
        b.raw(
            "incident_resolved",
            "supplier",
            json!({"incident_id": id, "resolved_at": stop.to_string(), "method": "remedy"}),
            None,
        );
    }
    b
}

#[test]
fn example_1_seven_b_resolution_times() {
    let r = b_resolutions(365).eval_b72a("2025-04", "2025-05-30 12:00");
    let g = goal(&r, "b72a.resolution.B");
    assert_eq!(g.verdict, Verdict::NotMet);
    assert_eq!(g.counts[1], ("rank", 7));
    let sorted: Vec<(i64, String)> = [95, 140, 180, 210, 250, 300, 365]
        .iter()
        .enumerate()
        .map(|(i, m)| (m * MIN, format!("B{i}")))
        .collect();
    assert_eq!(
        g.figure,
        Figure::Fractile {
            deciding: 365 * MIN,
            sorted,
            unit: "ms"
        }
    );
    let r = b_resolutions(360).eval_b72a("2025-04", "2025-05-30 12:00");
    assert_eq!(goal(&r, "b72a.resolution.B").verdict, Verdict::Met);
    let rs = b72a_rules_with(|_| {});
    let mut p = rs.policies;
    p.small_sample_max_late = SmallSample::Below(10, 1);
    let r = b_resolutions(365).eval_b72a_with(&rs, p, "2025-04", "2025-05-30 12:00");
    assert_eq!(goal(&r, "b72a.resolution.B").verdict, Verdict::Met);
}

fn a_reactions(ninth_ms: i64, n: usize) -> Month6 {
    let mut b = Month6::default();
    let mut mins: Vec<i64> = vec![4, 7, 9, 12, 15, 18, 22, 26, 30, 48]
        .into_iter()
        .map(|m| m * MIN)
        .collect();
    mins[8] = ninth_ms;
    if n == 11 {
        mins.push(50 * MIN);
    }
    for (i, ms) in mins.iter().enumerate() {
        let id = format!("A{i}");
        let start = format!("2025-05-{:02} 10:00", 1 + i);
        b.detect(&id, &start, "A", "production");
        b.raw(
            "reaction_registered",
            "supplier",
            json!({"incident_id": id, "at": t(&start).saturating_add_millis(*ms).to_string()}),
            None,
        );
    }
    b
}

#[test]
fn example_2_ten_a_reaction_times() {
    let r = a_reactions(30 * MIN, 10).eval_b72a("2025-05", "2025-06-30 12:00");
    let g = goal(&r, "b72a.reaction.A");
    assert_eq!(g.counts[1], ("rank", 9));
    assert_eq!(g.verdict, Verdict::Met);
    let r = a_reactions(30 * MIN + 1000, 10).eval_b72a("2025-05", "2025-06-30 12:00");
    assert_eq!(goal(&r, "b72a.reaction.A").verdict, Verdict::NotMet);
    let r = a_reactions(30 * MIN, 11).eval_b72a("2025-05", "2025-06-30 12:00");
    assert_eq!(goal(&r, "b72a.reaction.A").counts[1], ("rank", 10));
}

fn escalation(at: &str) -> Month6 {
    let mut b = Month6::default();
    b.detect("E", "2025-03-14 15:30", "B", "production")
        .reaction("E", "2025-03-14 15:35")
        .raw(
            "escalated_to_third_party",
            "supplier",
            json!({"incident_id": "E", "third_party": "cpr-leverandor",
                   "third_party_type": "third_party_software_supplier", "at": t(at).to_string()}),
            None,
        );
    b
}

#[test]
fn example_3_escalation_counts_only_the_third_partys_opening_hours() {
    let r = escalation("2025-03-17 09:10").eval_b72a("2025-03", "2025-04-30 12:00");
    let g = goal(&r, "b72a.escalation.B");
    assert_eq!(g.population[0].value_ms, Some(100 * MIN));
    assert!(g.population[0].within);
    assert_eq!(g.population[0].deadline, Some(t("2025-03-17 09:30")));
    let r = escalation("2025-03-17 09:35").eval_b72a("2025-03", "2025-04-30 12:00");
    let g = goal(&r, "b72a.escalation.B");
    assert_eq!(g.population[0].value_ms, Some(125 * MIN));
    assert!(!g.population[0].within);
}

#[test]
fn example_4_working_days_over_easter() {
    let cal = Calendar::default();
    let start = t("2025-04-16 11:00");
    assert_eq!(working_days_used(&cal, start, t("2025-04-24 11:00")), 3);
    assert_eq!(working_days_used(&cal, start, t("2025-04-25 09:00")), 4);
    let mut b = Month6::default();
    b.detect("C", "2025-04-16 11:00", "C", "production")
        .reaction("C", "2025-04-16 15:00")
        .resolve("C", "2025-04-25 09:00");
    let r = b.eval_b72a("2025-04", "2025-05-30 12:00");
    let g = goal(&r, "b72a.resolution.C");
    assert_eq!(g.population[0].deadline, Some(t("2025-04-24 11:00")));
    assert_eq!(g.population[0].units_over, 4);
    assert!(!g.population[0].within);
    let g = goal(&r, "b72a.reaction.C");
    assert_eq!(g.population[0].deadline, Some(t("2025-04-16 16:00")));
}

#[test]
fn example_5_third_party_resolution_stops_at_the_earliest_mitigation() {
    let mut b = Month6::default();
    b.detect("T", "2025-03-11 08:00", "B", "production")
        .reaction("T", "2025-03-11 08:10")
        .raw(
            "responsibility_decided",
            "customer",
            json!({"incident_id": "T", "responsible": "other_supplier", "other_supplier": "db-leverandor",
                   "sole_cause": false, "role": "decision"}),
            Some("2025-03-11 12:00"),
        )
        .raw(
            "workaround_applied",
            "supplier",
            json!({"incident_id": "T", "applied_at": t("2025-03-11 12:45").to_string(), "complete": false,
                   "communicated_at": t("2025-03-11 13:00").to_string(), "description": "omgåelse"}),
            None,
        )
        .resolve("T", "2025-03-12 10:00");
    let r = b.eval_b72a("2025-03", "2025-04-30 12:00");
    assert_eq!(value(&r, "b72a.resolution.B"), vec![300 * MIN]);
    assert!(goal(&r, "b72a.resolution.B").population[0].within);
    let rs = b72a_rules_with(|_| {});
    let mut p = rs.policies;
    p.third_party_resolution_stop = ThirdPartyStop::Resolved;
    let r = b.eval_b72a_with(&rs, p, "2025-03", "2025-04-30 12:00");
    assert_eq!(value(&r, "b72a.resolution.B"), vec![1560 * MIN]);
    assert!(!goal(&r, "b72a.resolution.B").population[0].within);
}

#[test]
fn example_6_month_attribution() {
    let mut b = Month6::default();
    b.detect("M", "2025-03-31 23:50", "A", "production")
        .reaction("M", "2025-04-01 00:20");
    let apr = b.eval_b72a("2025-04", "2025-05-30 12:00");
    assert_eq!(value(&apr, "b72a.reaction.A"), vec![30 * MIN]);
    let mar = b.eval_b72a("2025-03", "2025-05-30 12:00");
    assert!(goal(&mar, "b72a.reaction.A").population.is_empty());
    let rs = b72a_rules_with(|_| {});
    let mut p = rs.policies;
    p.attribution = Attribution::StartMonth;
    let mar = b.eval_b72a_with(&rs, p, "2025-03", "2025-05-30 12:00");
    assert_eq!(value(&mar, "b72a.reaction.A"), vec![30 * MIN]);
}

// ------------------------------------------------------------- §6.3

fn notified(b: &mut Month6, at: &str, seq: &str) {
    b.raw(
        "customer_notified",
        "supplier",
        json!({"incident_id": "N", "at": t(at).to_string(), "channel": "phone", "reached": true,
               "sequence": seq}),
        None,
    );
}

fn published(b: &mut Month6, at: &str, seq: &str) {
    b.raw(
        "status_published",
        "supplier",
        json!({"incident_id": "N", "at": t(at).to_string(), "channel": "website",
               "audience": "brugere", "sequence": seq}),
        None,
    );
}

fn spec_6_3_1() -> Month6 {
    let mut b = Month6::default();
    b.raw(
        "incident_reported",
        "customer",
        json!({"incident_id": "N", "reported_at": t("2025-05-06 10:00").to_string(), "channel": "phone",
               "reporter": "r", "environment": "production", "areas": ["application"],
               "proposed_priority": "B", "record_created_at": t("2025-05-06 10:12").to_string(),
               "description": "d"}),
        None,
    )
    .reaction("N", "2025-05-06 10:20");
    // An unanswered call attempt first: it does not stop N1.
    b.raw(
        "customer_notified",
        "supplier",
        json!({"incident_id": "N", "at": t("2025-05-06 10:15").to_string(), "channel": "phone",
               "reached": false, "sequence": "initial"}),
        None,
    );
    notified(&mut b, "2025-05-06 10:25", "initial");
    published(&mut b, "2025-05-06 10:35", "initial");
    notified(&mut b, "2025-05-06 12:20", "update");
    published(&mut b, "2025-05-06 12:30", "update");
    published(&mut b, "2025-05-06 14:20", "update");
    notified(&mut b, "2025-05-06 14:25", "update");
    b.resolve("N", "2025-05-06 15:10");
    b
}

#[test]
fn notification_example_n1_to_n4() {
    let r = spec_6_3_1().eval_b72a("2025-05", "2025-06-30 12:00");
    assert_eq!(value(&r, "b72a.notify.N1"), vec![25 * MIN]);
    assert_eq!(goal(&r, "b72a.notify.N1").verdict, Verdict::Met);
    assert_eq!(value(&r, "b72a.notify.N2"), vec![35 * MIN]);
    assert_eq!(goal(&r, "b72a.notify.N2").verdict, Verdict::NotMet);
    assert_eq!(
        value(&r, "b72a.notify.N3"),
        vec![115 * MIN, 125 * MIN, 45 * MIN]
    );
    assert_eq!(goal(&r, "b72a.notify.N3").verdict, Verdict::NotMet);
    assert_eq!(
        value(&r, "b72a.notify.N4"),
        vec![115 * MIN, 110 * MIN, 50 * MIN]
    );
    assert_eq!(goal(&r, "b72a.notify.N4").verdict, Verdict::Met);
    let rs = b72a_rules_with(|_| {});
    let mut p = rs.policies;
    p.notification_clock_start = NotificationStart::RecordCreated;
    let r = spec_6_3_1().eval_b72a_with(&rs, p, "2025-05", "2025-06-30 12:00");
    assert_eq!(value(&r, "b72a.notify.N1"), vec![13 * MIN]);
    assert_eq!(value(&r, "b72a.notify.N2"), vec![23 * MIN]);
}

#[test]
fn an_incident_resolved_without_notice_has_a_missing_measurement() {
    let mut b = Month6::default();
    b.detect("Q", "2025-05-07 10:00", "A", "production")
        .reaction("Q", "2025-05-07 10:05")
        .resolve("Q", "2025-05-07 11:00");
    let r = b.eval_b72a("2025-05", "2025-06-30 12:00");
    let g = goal(&r, "b72a.notify.N1");
    assert_eq!(g.verdict, Verdict::NotMet);
    assert_eq!(g.population[0].state, Some("missing"));
}

#[test]
fn incident_report_deadlines_table() {
    let cal = Calendar::default();
    for (resolved, due) in [
        ("2025-03-11 14:20", "2025-03-13 14:20"),
        ("2025-03-15 09:00", "2025-03-17 09:00"),
        ("2025-03-16 09:00", "2025-03-18 09:00"),
        ("2025-03-28 10:00", "2025-03-30 10:00"),
        ("2025-12-24 10:00", "2025-12-29 12:00"),
        ("2025-04-18 16:00", "2025-04-22 12:00"),
    ] {
        assert_eq!(
            incident_report_deadline(&cal, t(resolved), 2),
            t(due),
            "{resolved}"
        );
    }
    // 47 real hours across the March DST change.
    let r = t("2025-03-28 10:00");
    assert_eq!(
        (incident_report_deadline(&cal, r, 2).millis() - r.millis()) / 3_600_000,
        47
    );
}

#[test]
fn an_incident_report_after_its_deadline_is_late_and_a_missing_one_is_open() {
    let mut b = Month6::default();
    b.detect("R", "2025-03-11 09:00", "A", "production")
        .reaction("R", "2025-03-11 09:10")
        .resolve("R", "2025-03-11 14:20")
        .raw(
            "incident_report_delivered",
            "supplier",
            json!({"incident_id": "R", "at": t("2025-03-13 14:21").to_string(),
                   "document_hash": "22".repeat(32)}),
            None,
        );
    b.detect("S", "2025-03-20 09:00", "B", "production")
        .reaction("S", "2025-03-20 09:10")
        .resolve("S", "2025-03-20 10:00");
    let r = b.eval_b72a("2025-03", "2025-03-31 12:00");
    let g = goal(&r, "b72a.incident_report");
    assert_eq!(g.verdict, Verdict::NotMet);
    assert_eq!(g.population.len(), 1);
    assert!(r
        .open_clocks
        .iter()
        .any(|c| c.goal == "b72a.incident_report" && c.object == "S" && c.overdue));
}

// ------------------------------------------------------------- §6.4

fn problem(b: &mut Month6, id: &str, reported: &str, incidents: &[&str], prio: &str) {
    b.raw(
        "problem_registered",
        "supplier",
        json!({"problem_id": id, "reported_at": t(reported).to_string(),
               "record_created_at": t(reported).to_string(), "incidents": incidents,
               "priority": prio, "selected_by_customer": false}),
        None,
    );
}

fn problem_resolved(b: &mut Month6, id: &str, at: &str) {
    b.raw(
        "problem_resolved",
        "supplier",
        json!({"problem_id": id, "at": t(at).to_string()}),
        None,
    );
}

fn rca(b: &mut Month6, id: &str, at: &str) {
    b.raw(
        "rca_delivered",
        "supplier",
        json!({"problem_id": id, "delivered_at": t(at).to_string(), "document_hash": "44".repeat(32)}),
        None,
    );
}

#[test]
fn a_problem_takes_the_highest_priority_its_incident_ever_held() {
    let mut b = Month6::default();
    b.detect("I", "2025-05-05 09:00", "A", "production")
        .prioritise("I", "B", "customer_decision", "2025-05-05 09:30")
        .raw(
            "priority_downgrade_agreed",
            "customer",
            json!({"incident_id": "I", "from": "B", "to": "C", "agreement_ref": "x"}),
            Some("2025-05-05 10:00"),
        );
    problem(&mut b, "PR", "2025-05-05 10:00", &["I"], "C");
    problem_resolved(&mut b, "PR", "2025-05-20 10:00");
    let r = b.eval_b72a("2025-05", "2025-06-30 12:00");
    let g = goal(&r, "b72a.problem.A");
    assert_eq!(g.population.len(), 1);
    assert!(g.critical);
    assert!(!goal(&r, "b72a.problem.C").critical);
}

#[test]
fn problem_resolution_deadlines_in_arbejdsdage() {
    let mut b = Month6::default();
    problem(&mut b, "PA", "2025-05-05 10:00", &[], "A");
    problem(&mut b, "PB", "2025-05-05 10:00", &[], "B");
    let r = b.eval_b72a("2025-05", "2025-05-30 12:00");
    let due = |id: &str| {
        r.open_clocks
            .iter()
            .find(|c| c.object == id && c.goal.starts_with("b72a.problem"))
            .unwrap()
            .deadline
    };
    assert_eq!(due("PA"), Some(t("2025-05-26 10:00")));
    assert_eq!(due("PB"), Some(t("2025-06-19 10:00")));
}

#[test]
fn rca_established_by_the_48_hour_rule() {
    for (delivered, within) in [("2025-03-12 08:00", true), ("2025-03-12 08:01", false)] {
        let mut b = Month6::default();
        b.detect("L", "2025-03-03 08:00", "A", "production")
            .reaction("L", "2025-03-03 08:10")
            .resolve("L", "2025-03-05 20:00");
        problem(&mut b, "P48", "2025-03-06 09:00", &["L"], "A");
        rca(&mut b, "P48", delivered);
        let r = b.eval_b72a("2025-03", "2025-04-30 12:00");
        let g = goal(&r, "b72a.rca");
        assert_eq!(g.population[0].start, t("2025-03-05 08:00"), "{delivered}");
        assert_eq!(g.population[0].deadline, Some(t("2025-03-12 08:00")));
        assert_eq!(g.population[0].within, within, "{delivered}");
    }
}

#[test]
fn rca_needs_95_percent_on_time() {
    for (n, on_time, met) in [
        (19, 18, false),
        (20, 19, true),
        (40, 38, true),
        (39, 37, false),
    ] {
        let mut b = Month6::default();
        for i in 0..n {
            let id = format!("P{i}");
            let day = 3 + (i % 3);
            let reported = format!("2025-03-{day:02} 09:00");
            problem(&mut b, &id, &reported, &[], "B");
            let delivered = if i < on_time {
                format!("2025-03-{:02} 09:00", day + 1)
            } else {
                "2025-03-28 09:00".to_owned()
            };
            rca(&mut b, &id, &delivered);
        }
        let r = b.eval_b72a("2025-03", "2025-04-30 12:00");
        let g = goal(&r, "b72a.rca");
        assert_eq!(g.counts[0], ("n", n), "{n}");
        assert_eq!(g.verdict == Verdict::Met, met, "{on_time}/{n}");
    }
}

// ------------------------------------------------------------- §6.5

fn call(b: &mut Month6, id: &str, at: &str, wait_s: i64) {
    let c = t(at);
    b.raw(
        "phone_call",
        "supplier",
        json!({"call_id": id, "connected_at": c.to_string(),
               "answered_at": c.saturating_add_millis(wait_s * 1000).to_string()}),
        None,
    );
}

#[test]
fn service_desk_phone_waits_sd3_and_sd4() {
    let mut b = Month6::default();
    for (i, w) in [60, 120, 400, 200].iter().enumerate() {
        call(
            &mut b,
            &format!("C{i}"),
            &format!("2025-03-{:02} 10:00", 10 + i),
            *w,
        );
    }
    // A call outside the phone's opening hours is not measured.
    call(&mut b, "night", "2025-03-14 22:00", 900);
    let r = b.eval_b72a("2025-03", "2025-04-30 12:00");
    let sd3 = goal(&r, "b72a.sd.average_wait");
    assert_eq!(
        sd3.figure,
        Figure::Average {
            total_ms: 780_000,
            n: 4
        }
    );
    assert_eq!(sd3.verdict, Verdict::NotMet);
    let sd4 = goal(&r, "b72a.sd.max_wait");
    assert_eq!(sd4.population.len(), 4);
    assert_eq!(sd4.verdict, Verdict::Met);
}

#[test]
fn service_desk_first_contact_resolution_sd6() {
    for (closed, met) in [(130, true), (129, false)] {
        let mut b = Month6::default();
        for i in 0..200 {
            let at = format!("2025-03-{:02} 09:{:02}", 3 + i % 20, i % 60);
            b.raw(
                "contact_received",
                "supplier",
                json!({"contact_id": format!("K{i}"), "channel": "phone", "received_at": t(&at).to_string()}),
                None,
            );
            b.raw(
                "contact_closed",
                "supplier",
                json!({"contact_id": format!("K{i}"), "at": t(&at).saturating_add_millis(60_000).to_string(),
                       "at_first_contact": i < closed}),
                None,
            );
        }
        let r = b.eval_b72a("2025-03", "2025-04-30 12:00");
        let g = goal(&r, "b72a.sd.first_contact");
        assert_eq!(
            g.figure,
            Figure::Percent {
                num: closed,
                den: 200
            }
        );
        assert_eq!(g.verdict == Verdict::Met, met, "{closed}");
    }
}

#[test]
fn a_web_form_contact_on_saturday_night_needs_a_reaction_within_3_hours() {
    let mut b = Month6::default();
    b.raw(
        "contact_received",
        "supplier",
        json!({"contact_id": "W", "channel": "web", "received_at": t("2025-03-08 22:30").to_string()}),
        None,
    );
    let r = b.eval_b72a("2025-03", "2025-03-09 12:00");
    let c = r
        .open_clocks
        .iter()
        .find(|c| c.goal == "b72a.sd.reaction")
        .unwrap();
    assert_eq!(c.deadline, Some(t("2025-03-09 01:30")));
    assert!(c.overdue);
    b.raw(
        "contact_reacted",
        "supplier",
        json!({"contact_id": "W", "at": t("2025-03-09 01:30").to_string()}),
        None,
    );
    let r = b.eval_b72a("2025-03", "2025-03-09 12:00");
    assert_eq!(goal(&r, "b72a.sd.reaction").verdict, Verdict::Met);
    let mut b2 = Month6::default();
    b2.raw(
        "busy_signal",
        "monitor",
        json!({"at": t("2025-03-10 10:00").to_string(), "count": 2}),
        None,
    );
    let r = b2.eval_b72a("2025-03", "2025-03-31 12:00");
    assert_eq!(goal(&r, "b72a.sd.busy").verdict, Verdict::NotMet);
    assert_eq!(goal(&r, "b72a.sd.busy").figure, Figure::Count(2));
}

fn order(b: &mut Month6, id: &str, item: &str, at: &str) {
    b.raw(
        "service_request_ordered",
        "customer",
        json!({"request_id": id, "catalogue_item": item, "at": t(at).to_string()}),
        None,
    );
}

#[test]
fn service_request_deadlines_by_catalogue_item() {
    let mut b = Month6::default();
    order(&mut b, "SR-1", "kopi af logfil", "2025-05-30 15:00");
    order(&mut b, "SR-2", "11.2.4 integration", "2025-05-30 15:00");
    order(&mut b, "SR-3", "11.2.1 ISAE 3402", "2025-05-30 15:00");
    let r = b.eval_b72a("2025-05", "2025-05-31 12:00");
    let due = |goal: &str| {
        r.open_clocks
            .iter()
            .find(|c| c.goal == goal)
            .unwrap_or_else(|| panic!("no open clock {goal}"))
            .deadline
    };
    assert_eq!(
        due("b72a.sr.kopi af logfil.resolution"),
        Some(t("2025-06-04 15:00"))
    );
    assert_eq!(
        due("b72a.sr.11.2.4 integration.reaction"),
        Some(t("2025-06-10 15:00"))
    );
    assert_eq!(
        due("b72a.sr.11.2.1 ISAE 3402.resolution"),
        Some(t("2025-08-28 15:00"))
    );
    // No reaction goal for an item without a catalogue target.
    assert!(r
        .open_clocks
        .iter()
        .all(|c| c.goal != "b72a.sr.kopi af logfil.reaction"));
    // Delivered late: the item's resolution goal is not met in June.
    b.raw(
        "service_request_delivered",
        "supplier",
        json!({"request_id": "SR-1", "catalogue_item": "kopi af logfil", "at": t("2025-06-04 15:01").to_string()}),
        None,
    );
    let r = b.eval_b72a("2025-06", "2025-06-30 12:00");
    let g = goal(&r, "b72a.sr.kopi af logfil.resolution");
    assert_eq!(g.verdict, Verdict::NotMet);
    assert_eq!(g.population[0].units_over, 4);
}

// ------------------------------------------------------------- §6.10

fn run(
    b: &mut Month6,
    id: &str,
    job: &str,
    scheduled: &str,
    started: &str,
    finished: &str,
    outcome: &str,
) {
    b.raw(
        "batch_run",
        "monitor",
        json!({"run_id": id, "job_id": job, "scheduled_start": t(scheduled).to_string(),
               "started_at": t(started).to_string(), "finished_at": t(finished).to_string(),
               "outcome": outcome}),
        None,
    );
}

#[test]
fn batch_run_time_counts_from_the_scheduled_start_by_default() {
    // "natlig-afstemning" is an important, medium job in the example rule set.
    let mut b = Month6::default();
    run(
        &mut b,
        "R1",
        "natlig-afstemning",
        "2025-06-03 02:00",
        "2025-06-03 02:20",
        "2025-06-03 05:05",
        "ok",
    );
    let r = b.eval_b72a("2025-06", "2025-06-30 12:00");
    let g = goal(&r, "b72a.batch.important");
    assert!(!g.population[0].within);
    assert_eq!(g.population[0].value_ms, Some(185 * MIN));
    let rs = b72a_rules_with(|v| v["policies"]["batch_time_from"] = "started".into());
    let r = b.eval_b72a_with(&rs, rs.policies, "2025-06", "2025-06-30 12:00");
    assert!(goal(&r, "b72a.batch.important").population[0].within);
    // Exactly 3:00:00 fails either way ("< 3 timer").
    let mut b = Month6::default();
    run(
        &mut b,
        "R2",
        "natlig-afstemning",
        "2025-06-03 02:00",
        "2025-06-03 02:00",
        "2025-06-03 05:00",
        "ok",
    );
    let r = b.eval_b72a_with(&rs, rs.policies, "2025-06", "2025-06-30 12:00");
    assert!(!goal(&r, "b72a.batch.important").population[0].within);
}

#[test]
fn batch_percentages_per_category() {
    for (job, goal_id, n, bad, met) in [
        ("natlig-afstemning", "b72a.batch.important", 20, 1, true),
        ("natlig-afstemning", "b72a.batch.important", 20, 2, false),
        ("ukendt-job", "b72a.batch.critical", 30, 1, false),
        ("månedsstatistik", "b72a.batch.less_important", 10, 1, true),
    ] {
        let mut b = Month6::default();
        for i in 0..n {
            let day = 2 + i % 20;
            let s = format!("2025-06-{day:02} 02:00");
            let outcome = if i < bad { "failed" } else { "ok" };
            run(
                &mut b,
                &format!("{job}-{i}"),
                job,
                &s,
                &s,
                &format!("2025-06-{day:02} 02:30"),
                outcome,
            );
        }
        let r = b.eval_b72a("2025-06", "2025-06-30 12:00");
        assert_eq!(
            goal(&r, goal_id).verdict == Verdict::Met,
            met,
            "{job} {bad}/{n}"
        );
    }
}

#[test]
fn changes_need_95_percent() {
    for (n, ok, met) in [(19, 18, false), (20, 19, true)] {
        let mut b = Month6::default();
        for i in 0..n {
            let from = t(&format!("2025-06-{:02} 20:00", 2 + i % 25));
            let to = from.saturating_add_millis(2 * 3_600_000);
            b.raw(
                "change_planned",
                "supplier",
                json!({"change_id": format!("CH{i}"), "from": from.to_string(), "to": to.to_string(),
                       "description": "d", "emergency": false}),
                Some("2025-05-30 10:00"),
            );
            b.raw(
                "change_executed",
                "supplier",
                json!({"change_id": format!("CH{i}"), "from": from.to_string(), "to": to.to_string(),
                       "outcome": if i < ok { "success" } else { "rolled_back" }}),
                None,
            );
        }
        let r = b.eval_b72a("2025-06", "2025-07-15 12:00");
        assert_eq!(
            goal(&r, "b72a.changes").verdict == Verdict::Met,
            met,
            "{ok}/{n}"
        );
    }
}

fn patch(b: &mut Month6, id: &str, released: &str, kind: &str) {
    b.raw(
        "patch_released",
        "supplier",
        json!({"patch_id": id, "vendor": "v", "released_at": t(released).to_string(), "patch_type": kind}),
        None,
    );
}

#[test]
fn patch_deadlines_from_release() {
    let mut b = Month6::default();
    patch(&mut b, "CRIT", "2025-06-12 09:00", "critical_security");
    b.raw(
        "patch_installed",
        "supplier",
        json!({"patch_id": "CRIT", "environment": "production", "installed_at": t("2025-06-12 14:30").to_string()}),
        None,
    );
    patch(&mut b, "IMP", "2025-06-02 10:00", "important_security");
    patch(&mut b, "MOD", "2025-06-02 10:00", "moderate");
    patch(&mut b, "OTH", "2025-06-02 10:00", "other");
    let r = b.eval_b72a("2025-06", "2025-06-30 12:00");
    let crit = goal(&r, "b72a.patch.critical_security");
    assert_eq!(crit.population[0].deadline, Some(t("2025-06-12 12:00")));
    assert_eq!(crit.verdict, Verdict::NotMet);
    let due = |id: &str| {
        r.open_clocks
            .iter()
            .find(|c| c.object == id)
            .unwrap()
            .deadline
    };
    assert_eq!(due("IMP"), Some(t("2025-06-18 10:00")));
    assert_eq!(due("MOD"), Some(t("2025-07-02 10:00")));
    assert_eq!(due("OTH"), Some(t("2025-08-31 10:00")));
}

#[test]
fn an_unsuccessful_batch_run_without_an_incident_is_a_finding() {
    let mut b = Month6::default();
    run(
        &mut b,
        "RX",
        "natlig-afstemning",
        "2025-06-03 02:00",
        "2025-06-03 02:00",
        "2025-06-03 02:30",
        "failed",
    );
    let r = b.eval_b72a("2025-06", "2025-06-30 12:00");
    assert!(r
        .findings
        .iter()
        .any(|f| f.kind == "unsuccessful_batch_run_without_incident"));
}

#[test]
fn an_approved_complete_workaround_stops_the_resolution_clock() {
    let mut b = Month6::default();
    b.detect("W", "2025-03-11 08:00", "B", "production")
        .reaction("W", "2025-03-11 08:10")
        .raw(
            "workaround_applied",
            "supplier",
            json!({"incident_id": "W", "applied_at": t("2025-03-11 11:00").to_string(), "complete": true,
                   "description": "omgåelse"}),
            None,
        )
        .raw(
            "workaround_approved",
            "customer",
            json!({"incident_id": "W", "at": t("2025-03-11 15:00").to_string()}),
            None,
        )
        .resolve("W", "2025-03-13 10:00");
    let r = b.eval_b72a("2025-03", "2025-04-30 12:00");
    assert_eq!(value(&r, "b72a.resolution.B"), vec![180 * MIN]);
    let rs = b72a_rules_with(|_| {});
    let mut p = rs.policies;
    p.workaround_resolution_time = slaledger_projections::ruleset::WorkaroundTime::Approved;
    let r = b.eval_b72a_with(&rs, p, "2025-03", "2025-04-30 12:00");
    assert_eq!(value(&r, "b72a.resolution.B"), vec![420 * MIN]);
    // Without the approval the workaround does not count.
    let mut b2 = Month6::default();
    b2.detect("W", "2025-03-11 08:00", "B", "production")
        .raw(
            "workaround_applied",
            "supplier",
            json!({"incident_id": "W", "applied_at": t("2025-03-11 11:00").to_string(), "complete": true,
                   "description": "omgåelse"}),
            None,
        )
        .resolve("W", "2025-03-11 16:00");
    let r = b2.eval_b72a("2025-03", "2025-04-30 12:00");
    assert_eq!(value(&r, "b72a.resolution.B"), vec![480 * MIN]);
}

#[test]
fn ops_update_interval_of_one_hour_applies_to_n3_only() {
    let rs = b72a_rules_with(|v| v["policies"]["ops_update_interval"] = "1h".into());
    let r = spec_6_3_1().eval_b72a_with(&rs, rs.policies, "2025-05", "2025-06-30 12:00");
    // 115, 125 and 45 minutes: two intervals over 1 h.
    assert_eq!(goal(&r, "b72a.notify.N3").counts[2], ("late", 2));
    assert_eq!(goal(&r, "b72a.notify.N4").verdict, Verdict::Met);
}

#[test]
fn a_report_delivered_after_the_month_end_is_open_in_the_month_of_the_resolution() {
    let mut b = Month6::default();
    b.detect("Z", "2025-03-31 10:00", "A", "production")
        .reaction("Z", "2025-03-31 10:05")
        .resolve("Z", "2025-03-31 12:00")
        .raw(
            "incident_report_delivered",
            "supplier",
            json!({"incident_id": "Z", "at": t("2025-04-02 11:00").to_string(),
                   "document_hash": "22".repeat(32)}),
            None,
        );
    let mar = b.eval_b72a("2025-03", "2025-04-30 12:00");
    let c = mar
        .open_clocks
        .iter()
        .find(|c| c.goal == "b72a.incident_report")
        .unwrap();
    assert_eq!(c.deadline, Some(t("2025-04-02 12:00")));
    assert!(goal(&mar, "b72a.incident_report").population.is_empty());
    let apr = b.eval_b72a("2025-04", "2025-04-30 12:00");
    assert!(goal(&apr, "b72a.incident_report").population[0].within);
}

#[test]
fn a_missed_security_patch_needs_a_missed_patch_incident() {
    let mut b = Month6::default();
    patch(&mut b, "CRIT", "2025-06-12 09:00", "critical_security");
    b.raw(
        "patch_installed",
        "supplier",
        json!({"patch_id": "CRIT", "environment": "production", "installed_at": t("2025-06-12 14:30").to_string()}),
        None,
    );
    let r = b.eval_b72a("2025-06", "2025-06-30 12:00");
    assert!(r
        .findings
        .iter()
        .any(|f| f.kind == "missed_patch_without_incident"));
    b.raw(
        "incident_detected",
        "supplier",
        json!({"incident_id": "PATCH-INC", "detected_at": t("2025-06-12 12:00").to_string(), "how": "19.1.1",
               "environment": "production", "areas": ["infrastructure"], "proposed_priority": "A",
               "cause": "missed_patch"}),
        None,
    );
    let r = b.eval_b72a("2025-06", "2025-06-30 12:00");
    assert!(!r
        .findings
        .iter()
        .any(|f| f.kind == "missed_patch_without_incident"));
}

#[test]
fn a_penalty_mapping_turns_missed_7_2_a_goals_into_points_and_bod() {
    // SPEC §10: 5.0 points for each month the A reaction goal is not met;
    // bod follows §5.6 (1 % of the fee per point, monthly cap 30 %).
    let rs = b72a_rules_with(|v| {
        v["penalties"] = json!({"b72a.reaction.A": "5.0", "b72a.resolution.A": "10.0"});
    });
    let mut b = spec_6_1_3();
    b.fee("2025-03", 10_000_000);
    let r = b.eval_b72a_with(&rs, rs.policies, "2025-03", "2025-04-30 12:00");
    assert_eq!(goal(&r, "b72a.reaction.A").points.0, 50);
    assert_eq!(goal(&r, "b72a.resolution.A").points.0, 100);
    assert_eq!(r.total.points.0, 150);
    assert_eq!(r.total.bod, Some(1_500_000));
    // Without a mapping a verdict carries no points.
    let rs = b72a_rules_with(|v| {
        v.as_object_mut().unwrap().remove("penalties");
    });
    let r = b.eval_b72a_with(&rs, rs.policies, "2025-03", "2025-04-30 12:00");
    assert_eq!(r.total.points.0, 0);
    assert_eq!(r.total.bod, Some(0));
}
