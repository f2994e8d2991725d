//! The worked examples of SPEC §6.8.8 (response-time probes), §6.9 (control
//! measurements) and the probe packages of §6.7, each with SPEC's numbers.

mod common;

use common::*;
use serde_json::json;
use slaledger_ledger::vocab::ProbeKind;
use slaledger_projections::availability::hundredths;
use slaledger_projections::bilag6::{Figure, MonthResult};
use slaledger_projections::probes::{classify, Over, Timing};
use slaledger_projections::ruleset::{Policies, RuleSet};

const PA: &str = "b72a.availability.production.application";
const UI_POINTS: [(&str, u8); 8] = [
    ("UI-1a", 1),
    ("UI-1b", 1),
    ("UI-2a", 2),
    ("UI-2b", 2),
    ("UI-2c", 2),
    ("UI-3a", 3),
    ("UI-3b", 3),
    ("UI-3c", 3),
];

/// One sample: `ms` response time, or a failed transaction when `None`.
fn sample(
    b: &mut Month6,
    point: &str,
    kind: &str,
    cat: u8,
    round: &str,
    at: &str,
    ms: Option<u64>,
) {
    let mut data = json!({"sample_id": format!("{point}/{round}/{at}"), "point_id": point,
        "probe_kind": kind, "category": cat, "round_id": round,
        "started_at": t(at).to_string(), "ok": ms.is_some(), "client_id": "probe-01"});
    if let Some(ms) = ms {
        data["duration_ms"] = json!(ms);
    }
    b.raw("probe_sample", "monitor", data, None);
}

/// A UI package on all eight points at `at`; the first point's sample takes
/// `first_ms`, the others 500 ms.
fn ui_package(b: &mut Month6, round: &str, at: &str, first_ms: u64) {
    for (i, (p, c)) in UI_POINTS.iter().enumerate() {
        let ms = if i == 0 { first_ms } else { 500 };
        sample(b, p, "ui", *c, round, at, Some(ms));
    }
}

fn local(t0: &str, plus_min: i64) -> String {
    let t = t(t0).saturating_add_millis(plus_min * 60_000);
    slaledger_projections::calendar::local(t)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn eval_with(b: &Month6, m: &str, edit: impl FnOnce(&mut Policies)) -> MonthResult {
    let r: RuleSet = b72a_rules_with(|_| {});
    let mut p = r.policies;
    edit(&mut p);
    b.eval_b72a_with(&r, p, m, "2026-01-01 00:00")
}

fn downtime(r: &MonthResult) -> (i64, i64) {
    match &goal(r, PA).figure {
        Figure::Availability(a) => (a.downtime_min, hundredths(a)),
        f => panic!("{f:?}"),
    }
}

fn count(r: &MonthResult, goal_id: &str, key: &str) -> i64 {
    goal(r, goal_id)
        .counts
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, n)| *n)
        .unwrap()
}

#[test]
fn example_1_ui_six_max_and_52_desired_packages_deduct_80_minutes() {
    let mut b = Month6::default();
    for i in 0..100 {
        let ms = match i {
            0..6 => 2500,  // category 1: over the 2 s maximum
            6..58 => 1500, // over the 1 s desired limit only
            _ => 800,
        };
        ui_package(
            &mut b,
            &format!("R{i}"),
            &local("2025-06-02 00:00", 5 * i),
            ms,
        );
    }
    for policy in ["count", "period"] {
        let r = eval_with(&b, "2025-06", |p| {
            p.set("package_deduction", policy).unwrap()
        });
        assert_eq!(downtime(&r).0, 80, "{policy}");
        assert_eq!(
            count(&r, "b72a.response_times.ui", "packages_deducting"),
            16
        );
        assert_eq!(
            count(&r, "b72a.response_times.ui", "packages_over_maximum"),
            6
        );
        assert_eq!(
            count(&r, "b72a.response_times.ui", "packages_over_desired_only"),
            52
        );
    }
}

/// A package on a point of its own (so no measuring point has a gap).
fn lone_package(b: &mut Month6, kind: &str, cat: u8, round: &str, at: &str, ms: u64) {
    sample(b, &format!("X-{round}"), kind, cat, round, at, Some(ms));
}

#[test]
fn example_2_service_twelve_max_and_25_desired_packages_deduct_50_minutes() {
    let mut b = Month6::default();
    for i in 0..37 {
        let ms = if i < 12 { 2500 } else { 900 }; // category 1: max 2 s, desired 0.5 s
        lone_package(
            &mut b,
            "service",
            1,
            &format!("S{i}"),
            &local("2025-06-03 00:00", 5 * i),
            ms,
        );
    }
    assert_eq!(downtime(&eval_with(&b, "2025-06", |_| {})).0, 50);
}

#[test]
fn example_3_tolerance_edges() {
    for (n_max, n_desired, expect) in [(2, 0, 0), (3, 0, 5), (0, 40, 0), (0, 41, 5)] {
        let mut b = Month6::default();
        for i in 0..(n_max + n_desired) {
            let ms = if i < n_max { 2500 } else { 1500 };
            lone_package(
                &mut b,
                "ui",
                1,
                &format!("R{i}"),
                &local("2025-06-02 00:00", 5 * i),
                ms,
            );
        }
        assert_eq!(
            downtime(&eval_with(&b, "2025-06", |_| {})).0,
            expect,
            "{n_max} {n_desired}"
        );
    }
    // UI and service with three MAX packages each at different instants.
    let mut b = Month6::default();
    for i in 0..3 {
        lone_package(
            &mut b,
            "ui",
            1,
            &format!("U{i}"),
            &local("2025-06-02 00:00", 5 * i),
            2500,
        );
        lone_package(
            &mut b,
            "service",
            1,
            &format!("S{i}"),
            &local("2025-06-02 02:00", 5 * i),
            2500,
        );
    }
    assert_eq!(downtime(&eval_with(&b, "2025-06", |_| {})).0, 10);
}

/// Two fast samples on measuring point UI-1a at the given local times.
fn two_on_ui_1a(first: &str, second: &str) -> Month6 {
    let mut b = Month6::default();
    sample(&mut b, "UI-1a", "ui", 1, "R1", first, Some(500));
    sample(&mut b, "UI-1a", "ui", 1, "R2", second, Some(500));
    b
}

#[test]
fn example_4_gap_of_six_minutes_versus_six_minutes_one_second() {
    let b = two_on_ui_1a("2025-06-10 10:00:00", "2025-06-10 10:06:00");
    assert_eq!(downtime(&eval_with(&b, "2025-06", |_| {})).0, 0);
    let b = two_on_ui_1a("2025-06-10 10:00:00", "2025-06-10 10:06:01");
    let r = eval_with(&b, "2025-06", |_| {});
    assert_eq!(downtime(&r), (7, 9998));
}

#[test]
fn a_waived_gap_is_not_deducted() {
    let mut b = two_on_ui_1a("2025-06-10 10:00:00", "2025-06-10 10:30:00");
    b.raw(
        "probe_gap_waived",
        "customer",
        json!({"point_id": "UI-1a", "from": t("2025-06-10 10:00").to_string(), "to": t("2025-06-10 10:30").to_string(), "reference": "mail"}),
        Some("2025-06-11 09:00"),
    );
    assert_eq!(downtime(&eval_with(&b, "2025-06", |_| {})).0, 0);
}

fn example_5() -> Month6 {
    let mut b = Month6::default();
    b.raw(
        "incident_detected",
        "supplier",
        json!({"incident_id": "I", "detected_at": t("2025-06-02 14:00").to_string(), "how": "monitoring",
               "environment": "production", "areas": ["application"], "proposed_priority": "A"}),
        None,
    )
    .resolve("I", "2025-06-02 14:40");
    for (i, at) in ["09:00", "11:00", "13:57", "14:10", "16:00"]
        .iter()
        .enumerate()
    {
        lone_package(
            &mut b,
            "ui",
            1,
            &format!("R{i}"),
            &format!("2025-06-02 {at}"),
            2500,
        );
    }
    b
}

#[test]
fn example_5_a_package_inside_an_incident_is_ignored() {
    let b = example_5();
    let period = eval_with(&b, "2025-06", |p| {
        p.set("package_deduction", "period").unwrap()
    });
    assert_eq!(downtime(&period), (48, 9989));
    let counted = eval_with(&b, "2025-06", |_| {});
    assert_eq!(downtime(&counted), (50, 9988));
    assert_eq!(
        count(&counted, "b72a.response_times.ui", "packages_ignored"),
        1
    );
    // Each deducting and each ignored package is listed with its samples.
    let Figure::Availability(a) = &goal(&counted, PA).figure else {
        panic!("not an availability figure")
    };
    let listed: Vec<(&str, i64, i64)> = a
        .packages
        .iter()
        .map(|c| (c.kind, c.span.from, c.counted_ms))
        .collect();
    assert_eq!(
        listed,
        vec![
            (
                "deducting_package",
                t("2025-06-02 13:57").millis(),
                5 * 60_000
            ),
            ("ignored_package", t("2025-06-02 14:10").millis(), 0),
            (
                "deducting_package",
                t("2025-06-02 16:00").millis(),
                5 * 60_000
            ),
        ]
    );
    assert_eq!(a.packages[0].events.len(), 1);
}

fn trigger_findings(r: &MonthResult) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.kind == "probe_trigger_without_incident")
        .map(|f| f.text.clone())
        .collect()
}

#[test]
fn example_6_source_trigger_examples() {
    let mut b = Month6::default();
    // UI: 13:04 category 1 over 1 s; 13:19 category 2 over 3 s.
    sample(&mut b, "X1", "ui", 1, "U1", "2025-06-10 13:04", Some(1200));
    sample(&mut b, "X2", "ui", 2, "U2", "2025-06-10 13:19", Some(3200));
    // Service: 10:55 category 1 over 0.5 s; 11:50 category 2 over 3.5 s.
    sample(
        &mut b,
        "X3",
        "service",
        1,
        "S1",
        "2025-06-11 10:55",
        Some(600),
    );
    sample(
        &mut b,
        "X4",
        "service",
        2,
        "S2",
        "2025-06-11 11:50",
        Some(3600),
    );
    let f = trigger_findings(&eval_with(&b, "2025-06", |_| {}));
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(
        f[0].starts_with("UI probes meet the priority B condition at 2025-06-10T11:19:00.000Z"),
        "{f:?}"
    );
    assert!(
        f[1].starts_with(
            "service probes meet the priority B condition at 2025-06-11T09:50:00.000Z"
        ),
        "{f:?}"
    );
}

#[test]
fn example_7_trigger_boundaries() {
    let at =
        |b: &mut Month6, p: &str, time: &str, ms: u64| sample(b, p, "ui", 1, time, time, Some(ms));
    let mut b = Month6::default();
    at(&mut b, "X1", "2025-06-10 10:00:00", 2500);
    at(&mut b, "X2", "2025-06-10 11:00:00", 2500);
    let f = trigger_findings(&eval_with(&b, "2025-06", |_| {}));
    assert_eq!(f.len(), 2, "A and B: {f:?}");
    assert!(f
        .iter()
        .any(|x| x.contains("priority A condition at 2025-06-10T09:00:00.000Z")));
    let mut b = Month6::default();
    at(&mut b, "X1", "2025-06-10 10:00:00", 2500);
    at(&mut b, "X2", "2025-06-10 11:00:01", 2500);
    assert!(trigger_findings(&eval_with(&b, "2025-06", |_| {})).is_empty());
    // The 14-minute gap trigger on one point.
    let mut b = Month6::default();
    at(&mut b, "UI-1a", "2025-06-10 10:00:00", 500);
    at(&mut b, "UI-1a", "2025-06-10 10:14:00", 500);
    assert!(trigger_findings(&eval_with(&b, "2025-06", |_| {})).is_empty());
    let mut b = Month6::default();
    at(&mut b, "UI-1a", "2025-06-10 10:00:00", 500);
    at(&mut b, "UI-1a", "2025-06-10 10:14:01", 500);
    let f = trigger_findings(&eval_with(&b, "2025-06", |_| {}));
    assert_eq!(f.len(), 1);
    assert!(
        f[0].contains("priority B condition at 2025-06-10T08:14:00.000Z"),
        "{f:?}"
    );
}

#[test]
fn an_open_incident_covers_a_trigger_episode() {
    let mut b = Month6::default();
    sample(&mut b, "X1", "ui", 1, "U1", "2025-06-10 13:04", Some(1200));
    sample(&mut b, "X2", "ui", 1, "U2", "2025-06-10 13:19", Some(1200));
    b.raw(
        "incident_detected",
        "supplier",
        json!({"incident_id": "I", "detected_at": t("2025-06-10 13:40").to_string(), "how": "probe trigger",
               "environment": "production", "areas": ["application"], "proposed_priority": "B", "cause": "response_time"}),
        None,
    )
    .resolve("I", "2025-06-10 15:00");
    assert!(trigger_findings(&eval_with(&b, "2025-06", |_| {})).is_empty());
}

#[test]
fn limits_with_payload_allowance_and_integration_time() {
    let g = b72a_rules_with(|_| {}).b72a.response_times.unwrap();
    let p = b72a_rules_with(|_| {}).policies;
    let svc = |ms, bytes, pol: &Policies| {
        classify(
            &g,
            pol,
            ProbeKind::Service,
            3,
            Timing {
                duration_ms: Some(ms),
                ok: true,
                payload_bytes: Some(bytes),
                ..Default::default()
            },
        )
    };
    // Service category 3, output 7.5 MB: proportional → 8 s / 13 s.
    assert_eq!(svc(12_900, 7_500_000, &p), Some(Over::Desired));
    assert_eq!(svc(13_001, 7_500_000, &p), Some(Over::Maximum));
    let mut started = p;
    started.set("payload_allowance", "started_mb").unwrap();
    assert_eq!(svc(13_900, 7_500_000, &started), Some(Over::Desired));
    assert_eq!(svc(14_001, 7_500_000, &started), Some(Over::Maximum));
    // 14.2: 2.6 s measured, 0.9 s documented integration time.
    let ui = |int| {
        classify(
            &g,
            &p,
            ProbeKind::Ui,
            1,
            Timing {
                duration_ms: Some(2600),
                ok: true,
                integration_ms: int,
                ..Default::default()
            },
        )
    };
    assert_eq!(ui(Some(900)), Some(Over::Desired));
    assert_eq!(ui(None), Some(Over::Maximum));
    // Exactly on the limit is not over it.
    assert_eq!(
        classify(
            &g,
            &p,
            ProbeKind::Ui,
            1,
            Timing {
                duration_ms: Some(2000),
                ok: true,
                ..Default::default()
            }
        ),
        Some(Over::Desired)
    );
    // A failed sample: over the maximum, or missing.
    assert_eq!(
        classify(&g, &p, ProbeKind::Ui, 1, Timing::default()),
        Some(Over::Maximum)
    );
    let mut missing = p;
    missing.set("failed_sample", "missing").unwrap();
    assert_eq!(
        classify(&g, &missing, ProbeKind::Ui, 1, Timing::default()),
        None
    );
}

fn control(b: &mut Month6, id: &str, done: &str, ui: (u64, u64, u64), svc: (u64, u64, u64)) {
    let points: Vec<_> = b72a_rules_with(|_| {})
        .b72a
        .response_times
        .unwrap()
        .points
        .keys()
        .map(|p| json!([p, 300]))
        .collect();
    b.raw(
        "control_measurement",
        "supplier",
        json!({"measurement_id": id, "design_id": "KM-1", "started_at": t(done).saturating_add_millis(-3_600_000).to_string(),
               "completed_at": t(done).to_string(),
               "per_kind": [{"probe_kind": "ui", "count": ui.0, "over_maximum": ui.1, "over_desired": ui.2},
                            {"probe_kind": "service", "count": svc.0, "over_maximum": svc.1, "over_desired": svc.2}],
               "per_point": points}),
        None,
    );
}

#[test]
fn spec_6_9_control_measurement_passes_and_fails_exactly() {
    let mut b = Month6::default();
    control(
        &mut b,
        "OK",
        "2025-05-12 10:40",
        (2000, 2, 25),
        (3000, 0, 43),
    );
    control(
        &mut b,
        "BAD",
        "2025-05-13 10:40",
        (2000, 3, 25),
        (3000, 0, 43),
    );
    let r = eval_with(&b, "2025-05", |_| {});
    let line = goal(&r, "b72a.control_measurement");
    let states: Vec<_> = line
        .population
        .iter()
        .map(|m| (m.object.as_str(), m.state))
        .collect();
    assert_eq!(states, vec![("OK", Some("passes")), ("BAD", Some("fails"))]);
    assert!(r
        .findings
        .iter()
        .any(|f| f.kind == "failing_control_measurement_without_incident"
            && f.text.contains("`BAD`")));
    assert!(!r
        .findings
        .iter()
        .any(|f| f.kind == "incomplete_control_measurement"));
}

#[test]
fn spec_6_7_probe_packages_join_the_supplier_figure_and_kts() {
    let mut b = Month6::default();
    let inc = |b: &mut Month6, id: &str, from: &str, to: &str, p: &str, area: &str| {
        b.raw(
            "incident_detected",
            "supplier",
            json!({"incident_id": id, "detected_at": t(from).to_string(), "how": "monitoring",
                   "environment": "production", "areas": [area], "proposed_priority": p}),
            None,
        )
        .resolve(id, to);
    };
    inc(
        &mut b,
        "A1",
        "2025-04-08 10:00",
        "2025-04-08 10:40",
        "A",
        "application",
    );
    inc(
        &mut b,
        "B1",
        "2025-04-17 14:00",
        "2025-04-17 15:00",
        "B",
        "application",
    );
    b.raw(
        "responsibility_decided",
        "customer",
        json!({"incident_id": "B1", "responsible": "other_supplier", "other_supplier": "cpr-leverandor", "role": "decision"}),
        Some("2025-04-18 10:00"),
    );
    inc(
        &mut b,
        "I1",
        "2025-04-08 10:30",
        "2025-04-08 11:00",
        "A",
        "infrastructure",
    );
    // Two tolerated MAX packages, then three deducting ones on 22-23 April.
    for (i, at) in [
        "2025-04-21 09:00",
        "2025-04-21 12:00",
        "2025-04-22 09:00",
        "2025-04-22 15:00",
        "2025-04-23 09:00",
    ]
    .iter()
    .enumerate()
    {
        lone_package(&mut b, "ui", 1, &format!("R{i}"), at, 2500);
    }
    let r = eval_with(&b, "2025-04", |_| {});
    assert_eq!(downtime(&r), (55, 9987));
    assert!(matches!(
        goal(&r, "b72a.kts").figure,
        Figure::Hundredths(9980)
    ));
    match &goal(&r, "b72a.user_availability.production.application").figure {
        Figure::Availability(a) => assert_eq!(a.downtime_min, 100),
        f => panic!("{f:?}"),
    }
}

#[test]
fn spec_6_9_a_failing_measurement_incident_runs_until_the_next_passing_one() {
    let mut b = Month6::default();
    control(
        &mut b,
        "KM-F",
        "2025-05-13 10:40",
        (2000, 3, 25),
        (3000, 0, 43),
    );
    b.raw(
        "incident_detected",
        "supplier",
        json!({"incident_id": "R", "detected_at": t("2025-05-13 11:00").to_string(),
               "how": "control measurement KM-F failed", "environment": "production",
               "areas": ["application"], "proposed_priority": "B", "cause": "response_time"}),
        None,
    )
    // A recorded resolution does not end it (14.5).
    .resolve("R", "2025-05-13 12:00");
    control(
        &mut b,
        "KM-P",
        "2025-05-14 15:10",
        (2000, 0, 10),
        (3000, 0, 10),
    );
    let flagged = eval_with(&b, "2025-05", |_| {});
    // 1,710 minutes; as a B incident over its 360-minute resolution goal.
    let res = goal(&flagged, "b72a.resolution.B");
    assert_eq!(res.population[0].value_ms, Some(1_710 * 60_000));
    assert!(!res.population[0].within);
    assert!(!flagged
        .findings
        .iter()
        .any(|f| f.kind == "failing_control_measurement_without_incident"));
    // Availability: excluded under `flagged`, 96.17 % under `probe_triggered_only`.
    let avail = |r: &MonthResult| match &goal(r, PA).figure {
        Figure::Availability(a) => (a.downtime_min, hundredths(a)),
        f => panic!("{f:?}"),
    };
    assert_eq!(avail(&flagged), (0, 10_000));
    let strict = eval_with(&b, "2025-05", |p| {
        p.set("response_time_exclusion", "probe_triggered_only")
            .unwrap()
    });
    assert_eq!(avail(&strict), (1_710, 9617));
}

#[test]
fn sender_systems_get_count_average_and_maximum_per_hour() {
    let mut b = Month6::default();
    for (i, (at, ms)) in [
        ("2025-06-10 10:05", 800),
        ("2025-06-10 10:35", 1400),
        ("2025-06-10 11:10", 500),
    ]
    .into_iter()
    .enumerate()
    {
        b.raw(
            "probe_sample",
            "monitor",
            json!({"sample_id": format!("S{i}"), "point_id": "SV-1a", "probe_kind": "service", "category": 1,
                   "round_id": format!("R{i}"), "started_at": t(at).to_string(), "duration_ms": ms,
                   "ok": true, "sender_system": "KMD-SAG", "client_id": "probe-01"}),
            None,
        );
    }
    let r = eval_with(&b, "2025-06", |_| {});
    let Figure::SenderHours(h) = &goal(&r, "b72a.sender_systems").figure else {
        panic!("no sender-system figure")
    };
    let got: Vec<(&str, i64, i64, i64, i64)> = h
        .iter()
        .map(|(s, hour, n, total, max)| (s.as_str(), hour.millis(), *n, *total, *max))
        .collect();
    assert_eq!(
        got,
        vec![
            ("KMD-SAG", t("2025-06-10 10:00").millis(), 2, 2200, 1400),
            ("KMD-SAG", t("2025-06-10 11:00").millis(), 1, 500, 500),
        ]
    );
}

/// The position indexes `facts::current` fills in its one pass (probe
/// samples by time, the facts that are not samples) are the ones built on
/// first use from the same facts: with no correction (its fast path) and
/// with a retracted and a replaced sample, and with facts after the
/// evaluation time left out.
#[test]
fn indexes_filled_while_building_facts_equal_those_built_on_first_use() {
    use slaledger_projections::facts::{current, Facts};
    let mut plain = Month6::default();
    plain.detect("INC-1", "2025-06-03 09:00", "B", "production");
    // Out of time order in the ledger, two kinds, and an availability
    // sample (not in the probe index).
    sample(
        &mut plain,
        "SV-1a",
        "service",
        1,
        "R2",
        "2025-06-03 10:10",
        Some(900),
    );
    sample(
        &mut plain,
        "UI-1a",
        "ui",
        1,
        "R1",
        "2025-06-03 10:05",
        Some(700),
    );
    sample(&mut plain, "UI-1b", "ui", 1, "R1", "2025-06-03 10:05", None);
    sample(
        &mut plain,
        "AV-1",
        "availability",
        1,
        "R3",
        "2025-06-03 10:15",
        Some(10),
    );
    plain.resolve("INC-1", "2025-06-03 11:00");
    sample(
        &mut plain,
        "UI-1a",
        "ui",
        1,
        "R4",
        "2025-06-20 10:05",
        Some(800),
    );
    let mut corrected = plain.clone();
    corrected.raw(
        "correction",
        "monitor",
        json!({"corrects": "probe_sample/2", "action": "retract", "reason": "test"}),
        Some("2025-06-04 08:00"),
    );
    corrected.raw(
        "correction",
        "monitor",
        json!({"corrects": "probe_sample/1", "action": "replace", "reason": "test",
               "replacement": {"kind": "probe_sample", "data": {"sample_id": "SV-1a/R2/x",
               "point_id": "SV-1a", "probe_kind": "service", "category": 1, "round_id": "R2",
               "started_at": t("2025-06-03 09:55").to_string(), "ok": true,
               "duration_ms": 400, "client_id": "probe-01"}}}),
        Some("2025-06-04 08:01"),
    );
    // UI and service samples in the index, at each evaluation time: the
    // retraction removes one, the sample of 20 June is after 10 June.
    for (b, corrections, counts) in [(&plain, 0, [4, 3]), (&corrected, 2, [3, 2])] {
        let events = b.events();
        for (eval, count) in ["2025-06-30 23:00", "2025-06-10 00:00"]
            .into_iter()
            .zip(counts)
        {
            let built = current(&events, t(eval));
            assert_eq!(built.corrections.len(), corrections);
            assert_eq!(built.probe_samples().len(), count, "eval {eval}");
            // Incident detected and resolved (a correction is no fact).
            assert_eq!(built.without_probe_samples().facts.len(), 2);
            let lazy = Facts::new(built.facts.clone(), built.corrections.clone());
            assert_eq!(built.probe_samples(), lazy.probe_samples(), "eval {eval}");
            assert!(built.probe_samples().windows(2).all(|w| w[0] <= w[1]));
            let seqs = |f: &Facts<'_>| -> Vec<u64> { f.facts.iter().map(|x| x.seq).collect() };
            assert_eq!(
                seqs(&built.without_probe_samples()),
                seqs(&lazy.without_probe_samples()),
                "eval {eval}"
            );
        }
    }
}
