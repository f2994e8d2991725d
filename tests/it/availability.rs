//! Availability, probes and the quarterly report end to end (issue 4): the
//! example files appended through the CLI, reported, and pinned by insta
//! snapshots; the figures SPEC's worked examples give are asserted.

use crate::support::*;

fn pin(text: &str, v: &serde_json::Value, head: &serde_json::Value) -> String {
    text.replace(v["report_hash"].as_str().unwrap(), "<report hash>")
        .replace(head["hash"].as_str().unwrap(), "<head hash>")
}

#[test]
fn june_availability_reports_the_window_overrun_and_the_non_redundant_state() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = b72a_june(tmp.path());
    let at = "2025-07-15T12:00:00+02:00";
    let json = report(&ledger, &["--month", "2025-06", "--at", at]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // SPEC §6.6.10 example 6: agreed 43,020, downtime 20 + 5 → 99.94 %.
    let app = &goal_of(&v, "b72a.availability.production.application")["figure"];
    assert_eq!(app["percent"], "99.94");
    assert_eq!(app["agreed_minutes"], 43_020);
    assert_eq!(app["downtime_minutes"], 25);
    // Example 7 in June: 140 min from the non-redundant state, plus the
    // same overrun (the window covers both areas).
    let infra = &goal_of(&v, "b72a.availability.production.infrastructure")["figure"];
    assert_eq!(infra["downtime_minutes"], 160);
    // The third party's hour is excluded for the supplier, kept for users.
    assert_eq!(app["excluded"][0]["object"], "INC-J3");
    let user = &goal_of(&v, "b72a.user_availability.production.application")["figure"];
    assert_eq!(user["downtime_minutes"], 235);
    let combined = &goal_of(&v, "b72a.user_availability.production.combined")["figure"];
    assert_eq!(combined["downtime_minutes"], 375);
    // KTS from the two reported values: 99.94 + 99.63 − 100.
    assert_eq!(goal_of(&v, "b72a.kts")["figure"]["value"], "99.57");
    // §6.9: KM-1 passes exactly on the limit, KM-2 fails.
    let cm = goal_of(&v, "b72a.control_measurement");
    assert_eq!(cm["population"][0]["state"], "passes");
    assert_eq!(cm["population"][1]["state"], "fails");
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"probe_trigger_without_incident"));
    assert!(kinds.contains(&"failing_control_measurement_without_incident"));
    // Byte-identical on a second run.
    assert_eq!(json, report(&ledger, &["--month", "2025-06", "--at", at]));
    let head = v["header"]["ledger_head"].clone();
    let md = report(
        &ledger,
        &["--month", "2025-06", "--at", at, "--format", "md"],
    );
    insta::assert_snapshot!("june_2025_availability_md", pin(&md, &v, &head));
}

fn vdx(dir: &std::path::Path) -> std::path::PathBuf {
    let ledger = dir.join("vdx");
    example_ledger(
        &ledger,
        "vdx",
        "supplier:drift@medcom.example",
        &["2025.jsonl"],
    );
    ledger
}

#[test]
fn the_vdx_quarter_may_to_july_2025_answers_ja_with_spec_7_6_values() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = vdx(tmp.path());
    let at = "2025-08-10T12:00:00+02:00";
    let json = report(&ledger, &["--period-from", "2025-05", "--at", at]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["answer"], "Ja");
    assert_eq!(v["period"]["text"], "01.05.25 - 31.07.25");
    let row = |id: &str| -> Vec<String> {
        v["goals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["goal"] == id)
            .unwrap()["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        row("vdx.uptime.infrastructure"),
        ["100.00", "99.99", "100.00"]
    );
    assert_eq!(row("vdx.uptime.api"), ["100.00", "99.95", "100.00"]);
    assert_eq!(
        row("vdx.counter.video_quality"),
        ["98.69", "98.63", "98.54"]
    );
    assert_eq!(
        v["comments"][0]["text"],
        "Driften har været stabil i perioden."
    );
    let h = &v["history"][0];
    assert_eq!(h["year"], 2025);
    let quality = h["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["goal"] == "vdx.counter.video_quality")
        .unwrap();
    assert_eq!(quality["values"][3], "98.7");
    assert!(quality["values"][7].is_null(), "August is not reached");
    // The same answer by calendar quarter Q2 (April-June).
    let q2: serde_json::Value =
        serde_json::from_str(&report(&ledger, &["--quarter", "2025-Q2", "--at", at])).unwrap();
    assert_eq!(q2["period"]["text"], "01.04.25 - 30.06.25");
    assert_eq!(q2["answer"], "Ja");
    let head = v["ledger_head"].clone();
    let md = report(
        &ledger,
        &["--period-from", "2025-05", "--at", at, "--format", "md"],
    );
    insta::assert_snapshot!("vdx_may_july_2025_md", pin(&md, &v, &head));
}

#[test]
fn a_quarter_with_an_uptime_below_target_answers_nej_and_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = vdx(tmp.path());
    // 230 failed pings on 2 July: 99.47 % for July's infrastructure.
    let line = r#"{"id":"sum/extra","stream":"vdx","actor":{"party":"monitor","identity":"probe-vdx","operated_by":"supplier"},"kind":"availability_probe_summary","data":{"service_id":"vdx-infrastruktur","from":"2025-07-02T00:00:00+02:00","to":"2025-07-02T04:00:00+02:00","expected":240,"ok":10,"failed":230}}"#;
    let o = run(&ledger, &["append", "-"], Some(line));
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&report(
        &ledger,
        &[
            "--period-from",
            "2025-05",
            "--at",
            "2025-08-10T12:00:00+02:00",
        ],
    ))
    .unwrap();
    assert_eq!(v["answer"], "Nej");
    assert_eq!(v["not_met"][0]["goal"], "vdx.uptime.infrastructure");
    assert_eq!(v["not_met"][0]["month"], "2025-07");
}

#[test]
fn report_rejects_a_bad_quarter_and_conflicting_periods() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = vdx(tmp.path());
    for (args, msg) in [
        (vec!["--quarter", "2025-Q5"], "is not a quarter YYYY-Qn"),
        (vec!["--period-from", "2025-13"], "is not a month YYYY-MM"),
        (
            vec!["--quarter", "2025-Q2", "--month", "2025-05"],
            "cannot be used with",
        ),
    ] {
        let mut all = vec!["report"];
        all.extend(args.iter().copied());
        let o = run(&ledger, &all, None);
        assert!(!o.status.success(), "{args:?}");
        assert!(err(&o).contains(msg), "{args:?}: {}", err(&o));
    }
}
