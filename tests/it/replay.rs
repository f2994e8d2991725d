//! `slaledger replay` and `slaledger diff` end to end (issue 5, SPEC §9):
//! as-of replay reproduces a submitted report byte for byte, `--check`
//! re-performs a report and fails on any changed byte, and each kind of
//! claim (priority, responsibility, policy reading) is replayed as an
//! overlay with its exact point and øre difference, pinned by insta.

use crate::support::*;
use slaledger_ledger::time::Instant;

fn replay(ledger: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec!["replay"];
    all.extend_from_slice(args);
    let o = run(ledger, &all, None);
    assert!(o.status.success(), "{args:?}: {}", err(&o));
    out(&o)
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

/// Instants from the CLI's clock: the test waits so that an as-of instant
/// lies strictly between two appends.
fn now_between() -> String {
    std::thread::sleep(std::time::Duration::from_millis(20));
    let t = Instant::now().to_string();
    std::thread::sleep(std::time::Duration::from_millis(20));
    t
}

const LATE: &str = r#"{"id":"late/INC-2025-0699/r","stream":"bilag6-example","actor":{"party":"customer","identity":"servicedesk@kunde.dk"},"kind":"incident_reported","data":{"incident_id":"INC-2025-0699","reported_at":"2025-06-20T10:00:00+02:00","channel":"phone","reporter":"Bruger","customer_category":1,"environment":"production","areas":["application"],"description":"Sent registreret henvendelse"}}
{"id":"fix/INC-2025-0606/contact-1","stream":"bilag6-example","actor":{"party":"customer","identity":"driftschef@kunde.dk"},"occurred_at":"2025-07-20T12:00:00+02:00","kind":"correction","data":{"corrects":"INC-2025-0606/contact-1","action":"replace","replacement":{"kind":"incident_reported","data":{"incident_id":"INC-2025-0606","reported_at":"2025-06-11T09:20:00+02:00","channel":"tool","reporter":"Jens Hansen","organisation":"Kunden","environment":"production","areas":["application"],"description":"Henvendelse 1 om INC-2025-0606"}},"reason":"Opkaldet kom kl. 09:20 ifølge telefonsystemets log"}}"#;

#[test]
fn as_of_replay_reproduces_the_submitted_report_and_the_diff_names_what_changed_it() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = bilag6_june(tmp.path());
    let submitted_at = now_between();
    let submitted = replay(&ledger, &["--month", "2025-06", "--as-of", &submitted_at]);
    let file = write(tmp.path(), "submitted.json", &submitted);
    // Later: a late-recorded incident and a correction.
    let late = write(tmp.path(), "late.jsonl", LATE);
    let o = run(&ledger, &["append", &late], None);
    assert!(o.status.success(), "{}", err(&o));
    // As of the submission: byte for byte the submitted report.
    assert_eq!(
        replay(&ledger, &["--month", "2025-06", "--as-of", &submitted_at]),
        submitted
    );
    // Re-performed from the inputs its header names.
    assert!(replay(&ledger, &["--check", &file]).starts_with("ok: "));
    // Now: the diff names the late incident and the correction.
    let d = json(&replay(
        &ledger,
        &["--month", "2025-06", "--against", &file, "--format", "json"],
    ));
    let causes: Vec<(String, String)> = d["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["what"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        causes
            .iter()
            .any(|(k, w)| k == "event_only_in_b" && w.starts_with("late/INC-2025-0699/r@")),
        "{causes:?}"
    );
    assert!(
        causes
            .iter()
            .any(|(k, w)| k == "correction_only_in_b"
                && w.contains("corrects INC-2025-0606/contact-1@")),
        "{causes:?}"
    );
    assert!(causes.iter().any(|(k, _)| k == "ledger_position"));
    // And the figures changed: the corrected contact is within 30 minutes.
    let changed: Vec<&str> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["at"].as_str().unwrap())
        .collect();
    assert!(
        changed.contains(&"goals[bilag6.kpi1.cat34].points"),
        "{changed:?}"
    );
    assert!(changed.contains(&"month_total.points"), "{changed:?}");
}

#[test]
fn check_fails_on_any_changed_byte_and_shows_the_difference() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = bilag6_june(tmp.path());
    let report = replay(
        &ledger,
        &["--month", "2025-06", "--at", "2025-07-14T12:00:00+02:00"],
    );
    let good = write(tmp.path(), "good.json", &report);
    assert!(replay(&ledger, &["--check", &good]).starts_with("ok: "));
    let v = json(&report);
    let changed = report.replacen(
        &format!(
            "\"points\":\"{}\"",
            v["month_total"]["points"].as_str().unwrap()
        ),
        "\"points\":\"0.0\"",
        1,
    );
    assert_ne!(changed, report);
    let bad = write(tmp.path(), "bad.json", &changed);
    let o = run(&ledger, &["replay", "--check", &bad], None);
    assert!(!o.status.success());
    assert!(out(&o).contains("FAILED"), "{}", out(&o));
    assert!(out(&o).contains("month_total.points"), "{}", out(&o));
}

/// The diff from the plain June report to the same month under an overlay,
/// as (points A, points B, bod A, bod B) and its Markdown.
fn claim(
    ledger: &std::path::Path,
    dir: &std::path::Path,
    args: &[&str],
) -> ((String, String, i64, i64), String) {
    let at = "2025-07-15T12:00:00+02:00";
    let plain = replay(ledger, &["--month", "2025-06", "--at", at]);
    let a = write(dir, "plain.json", &plain);
    let mut all = vec!["--month", "2025-06", "--at", at, "--against", &a];
    all.extend_from_slice(args);
    let mut with_json = all.clone();
    with_json.extend(["--format", "json"]);
    let d = json(&replay(ledger, &with_json));
    let key = (
        d["points"][0].as_str().unwrap().to_owned(),
        d["points"][1].as_str().unwrap().to_owned(),
        d["bod_ore"][0].as_i64().unwrap(),
        d["bod_ore"][1].as_i64().unwrap(),
    );
    let mut with_md = all;
    with_md.extend(["--format", "md"]);
    (key, replay(ledger, &with_md))
}

#[test]
fn priority_claim_the_customer_says_a_c_incident_was_priority_a() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = b72a_june(tmp.path());
    let overlay = write(
        tmp.path(),
        "priority.jsonl",
        r#"{"id":"claim/INC-J4/priority","stream":"b72a-example","actor":{"party":"customer","identity":"driftschef@kombit.dk"},"occurred_at":"2025-06-25T09:30:00+02:00","kind":"incident_prioritised","data":{"incident_id":"INC-J4","priority":"A","role":"customer_decision","reason":"Hele kommunen kunne ikke sagsbehandle"}}"#,
    );
    let (key, md) = claim(&ledger, tmp.path(), &["--assume", &overlay]);
    // As A: resolution 3 h 40 min > 3 h (5.0 points) and 240 min of
    // production application downtime: 99.38 % < 99.50 % (10.0 points).
    assert_eq!(key, ("0.0".into(), "15.0".into(), 0, 1_500_000));
    insta::assert_snapshot!("claim_priority_md", md);
}

#[test]
fn responsibility_claim_the_outage_was_the_suppliers_not_a_third_partys() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = b72a_june(tmp.path());
    let overlay = write(
        tmp.path(),
        "responsibility.jsonl",
        r#"{"id":"claim/INC-J3/responsibility","stream":"b72a-example","actor":{"party":"customer","identity":"driftschef@kombit.dk"},"occurred_at":"2025-06-24T09:00:00+02:00","kind":"responsibility_decided","data":{"incident_id":"INC-J3","responsible":"supplier","role":"decision"}}"#,
    );
    let (key, md) = claim(&ledger, tmp.path(), &["--assume", &overlay]);
    // 210 more minutes for the supplier: 235 of 43,020 → 99.45 % (10.0 points).
    assert_eq!(key, ("0.0".into(), "10.0".into(), 0, 1_000_000));
    insta::assert_snapshot!("claim_responsibility_md", md);
}

#[test]
fn policy_claim_kpi1_rounding_nearest_instead_of_started() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = bilag6_june(tmp.path());
    let at = "2025-07-14T12:00:00+02:00";
    let plain = replay(&ledger, &["--month", "2025-06", "--at", at]);
    let a = write(tmp.path(), "plain.json", &plain);
    let args = [
        "--month",
        "2025-06",
        "--at",
        at,
        "--policy",
        "shortfall_rounding=nearest",
        "--against",
        &a,
    ];
    let d = json(&replay(
        &ledger,
        &[&args[..], &["--format", "json"]].concat(),
    ));
    let md = replay(&ledger, &[&args[..], &["--format", "md"]].concat());
    let key = (
        d["points"][0].as_str().unwrap().to_owned(),
        d["points"][1].as_str().unwrap().to_owned(),
        d["bod_ore"][0].as_i64().unwrap(),
        d["bod_ore"][1].as_i64().unwrap(),
    );
    insta::assert_snapshot!("claim_policy_md", format!("{key:?}\n\n{md}"));
    assert!(d["causes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["kind"] == "policy" && c["what"] == "shortfall_rounding: started → nearest"));
    // The counterfactual report says so in its header.
    let cf = json(&replay(
        &ledger,
        &[
            "--month",
            "2025-06",
            "--at",
            at,
            "--policy",
            "shortfall_rounding=nearest",
        ],
    ));
    assert_eq!(cf["header"]["counterfactual"], true);
    assert!(cf["header"]["overlay"].is_string());
    let p = cf["header"]["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["policy"] == "shortfall_rounding")
        .unwrap()
        .clone();
    assert_eq!(p["origin"], "override");
}

#[test]
fn an_empty_overlay_gives_the_plain_report_and_bad_overlays_are_rejected_like_append() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = b72a_june(tmp.path());
    let at = "2025-07-15T12:00:00+02:00";
    let plain = replay(&ledger, &["--month", "2025-06", "--at", at]);
    let empty = write(tmp.path(), "empty.jsonl", "");
    assert_eq!(
        replay(
            &ledger,
            &["--month", "2025-06", "--at", at, "--assume", &empty]
        ),
        plain
    );
    for (text, msg) in [
        (
            r#"{"id":"x","stream":"b72a-example","actor":{"party":"customer","identity":"k"},"occurred_at":"2025-06-24T09:00:00+02:00","kind":"responsibility_decided","data":{"incident_id":"INC-NOPE","responsible":"supplier","role":"decision"}}"#,
            "unknown incident `INC-NOPE`",
        ),
        (r#"{"id":"y","stream":"b72a-example"}"#, "line 1"),
        (
            r#"{"id":"INC-J4/reaction","stream":"b72a-example","actor":{"party":"supplier","identity":"drift@leverandor.dk"},"kind":"reaction_registered","data":{"incident_id":"INC-J4","at":"2025-06-25T09:20:00+02:00"}}"#,
            "already holds this event",
        ),
    ] {
        let f = write(tmp.path(), "bad.jsonl", text);
        let o = run(
            &ledger,
            &["replay", "--month", "2025-06", "--at", at, "--assume", &f],
            None,
        );
        assert!(!o.status.success(), "{text}");
        let e = err(&o);
        assert!(
            e.contains("rejected overlay") && e.contains(msg),
            "{msg}: {e}"
        );
    }
    let o = run(
        &ledger,
        &[
            "replay",
            "--month",
            "2025-06",
            "--policy",
            "no_such_policy=x",
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(
        err(&o).contains("no policy `no_such_policy`"),
        "{}",
        err(&o)
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// Both properties share the fixture's ledger, whose lock admits one
    /// process at a time: each case holds this while it runs commands.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// One ledger and its report for every case (building a ledger per case
    /// would dominate the run).
    fn fixture() -> &'static (tempfile::TempDir, std::path::PathBuf, String) {
        static F: OnceLock<(tempfile::TempDir, std::path::PathBuf, String)> = OnceLock::new();
        F.get_or_init(|| {
            let tmp = tempfile::tempdir().unwrap();
            let ledger = bilag6_june(tmp.path());
            let report = replay(
                &ledger,
                &["--month", "2025-06", "--at", "2025-07-14T12:00:00+02:00"],
            );
            (tmp, ledger, report)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

        #[test]
        fn check_fails_on_any_changed_byte(pos in any::<prop::sample::Index>(), byte in 0x20u8..0x7f) {
            let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
            let (tmp, ledger, report) = fixture();
            let mut bytes = report.trim_end().as_bytes().to_vec();
            let i = pos.index(bytes.len());
            prop_assume!(bytes[i] != byte);
            bytes[i] = byte;
            let name = format!("changed-{i}-{byte}.json");
            let path = tmp.path().join(&name);
            std::fs::write(&path, &bytes).unwrap();
            let o = run(ledger, &["replay", "--check", path.to_str().unwrap()], None);
            prop_assert!(!o.status.success(), "byte {} set to {:?} still passed", i, byte as char);
            prop_assert!(!err(&o).contains("in use by another process"), "{}", err(&o));
        }

        #[test]
        fn replaying_the_same_inputs_twice_is_byte_identical_and_an_empty_overlay_changes_nothing(
            policy in prop::sample::select(vec!["shortfall_rounding=started", "shortfall_rounding=nearest", "kpi1_grouping=combined"]),
        ) {
            let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
            let (tmp, ledger, report) = fixture();
            let at = "2025-07-14T12:00:00+02:00";
            let args = ["--month", "2025-06", "--at", at, "--policy", policy];
            prop_assert_eq!(replay(ledger, &args), replay(ledger, &args));
            let empty = tmp.path().join("empty.jsonl");
            std::fs::write(&empty, "").unwrap();
            let plain = replay(ledger, &["--month", "2025-06", "--at", at, "--assume", empty.to_str().unwrap()]);
            prop_assert_eq!(&plain, report);
        }
    }
}

const HASH: &str = "9f2c4b1e0d3a5f6e7c8b9a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f";

#[test]
fn a_dispute_marks_the_month_until_its_settlement_fixes_the_policy_and_the_bod() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = bilag6_june(tmp.path());
    let at = "2025-07-14T12:00:00+02:00";
    let claim_hash = blake3::hash(b"policy shortfall_rounding=nearest").to_hex();
    let opened = format!(
        r#"{{"id":"D-1/opened","stream":"bilag6-example","actor":{{"party":"supplier","identity":"servicedesk@leverandor.dk"}},"occurred_at":"2025-07-15T09:00:00+02:00","kind":"dispute_opened","data":{{"dispute_id":"D-1","months":["2025-06"],"subject":"bodspoint","goals":["bilag6.kpi1.cat34"],"statement":"Vi bestrider afrundingen"}}}}
{{"id":"D-1/claim-supplier","stream":"bilag6-example","actor":{{"party":"supplier","identity":"servicedesk@leverandor.dk"}},"occurred_at":"2025-07-15T09:05:00+02:00","kind":"dispute_claim_submitted","data":{{"dispute_id":"D-1","party":"supplier","overlay":"policy shortfall_rounding=nearest","overlay_hash":"{claim_hash}","statement":"Leverandørens læsning"}}}}"#
    );
    let f = write(tmp.path(), "opened.jsonl", &opened);
    assert!(run(&ledger, &["append", &f], None).status.success());
    let open = json(&replay(&ledger, &["--month", "2025-06", "--at", at]));
    assert_eq!(open["header"]["disputes"][0]["state"], "open");
    assert_eq!(open["month_total"]["bod_state"], "disputed (D-1)");
    assert_eq!(open["month_total"]["bod_ore"], 4_750_000);
    let before_settlement = now_between();
    let settled = format!(
        r#"{{"id":"D-1/settled","stream":"bilag6-example","actor":{{"party":"customer","identity":"driftschef@kunde.dk"}},"occurred_at":"2025-08-01T12:00:00+02:00","kind":"dispute_settled","data":{{"dispute_id":"D-1","outcome":"agreement","months":["2025-06"],"policies":[["shortfall_rounding","nearest"]],"agreed_bod":[["2025-06",4400000]],"document_hash":"{HASH}"}}}}"#
    );
    let f = write(tmp.path(), "settled.jsonl", &settled);
    let o = run(&ledger, &["append", &f], None);
    assert!(o.status.success(), "{}", err(&o));
    let now = json(&replay(&ledger, &["--month", "2025-06", "--at", at]));
    let d = &now["header"]["disputes"][0];
    assert_eq!(
        (d["state"].as_str(), d["outcome"].as_str()),
        (Some("settled"), Some("agreement"))
    );
    // The agreed bod is the month's bod; the computed one (under the
    // settled policy: 18.0 points) stands beside it.
    assert_eq!(now["month_total"]["bod_ore"], 4_400_000);
    assert_eq!(now["month_total"]["computed_bod_ore"], 4_500_000);
    assert_eq!(now["month_total"]["points"], "18.0");
    assert!(now["month_total"]["bod_state"]
        .as_str()
        .unwrap()
        .starts_with("settled by dispute D-1 (agreement"));
    let origin = now["header"]["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["policy"] == "shortfall_rounding")
        .unwrap()["origin"]
        .clone();
    assert_eq!(origin, "settlement");
    // As of before the settlement the month is still disputed.
    let then = json(&replay(
        &ledger,
        &[
            "--month",
            "2025-06",
            "--as-of",
            &before_settlement,
            "--at",
            &Instant::now().to_string(),
        ],
    ));
    assert_eq!(then["header"]["disputes"][0]["state"], "open");
    // The history: reported, the supplier's claim, the settlement.
    let o = run(&ledger, &["dispute", "show", "2025-06", "--at", at], None);
    assert!(o.status.success(), "{}", err(&o));
    let show = out(&o);
    assert!(
        show.contains("## Dispute D-1 (settled, stage negotiation)"),
        "{show}"
    );
    assert!(
        show.contains("### The supplier's claim (D-1/claim-supplier@"),
        "{show}"
    );
    assert!(show.contains("Points 19.0 → 18.0"), "{show}");
    assert!(show.contains("### The settled report"), "{show}");
}

#[test]
fn stepwise_attribution_applies_policies_then_assumed_events_as_in_spec_9_9() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = bilag6_june(tmp.path());
    // The supplier's claim: its reading of the rounding, and that a late
    // category 3 contact came in at 09:20, not 09:00 (an assumed correction
    // of the customer's event: overlays relax the permission).
    let claim = write(
        tmp.path(),
        "claim.jsonl",
        r#"{"id":"claim/INC-2025-0606/contact-1","stream":"bilag6-example","actor":{"party":"supplier","identity":"servicedesk@leverandor.dk"},"occurred_at":"2025-07-15T09:00:00+02:00","kind":"correction","data":{"corrects":"INC-2025-0606/contact-1","action":"replace","replacement":{"kind":"incident_reported","data":{"incident_id":"INC-2025-0606","reported_at":"2025-06-11T09:20:00+02:00","channel":"tool","reporter":"Jens Hansen","organisation":"Kunden","environment":"production","areas":["application"],"description":"Henvendelse 1 om INC-2025-0606"}},"reason":"Opkaldet kom kl. 09:20"}}"#,
    );
    let args = [
        "--month",
        "2025-06",
        "--at",
        "2025-07-14T12:00:00+02:00",
        "--policy",
        "shortfall_rounding=nearest",
        "--assume",
        &claim,
        "--stepwise",
    ];
    let steps = json(&replay(
        &ledger,
        &[&args[..], &["--format", "json"]].concat(),
    ));
    let got: Vec<(String, Option<i64>)> = steps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["points"].as_str().unwrap().to_owned(),
                s["change_ore"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("19.0".into(), None),
            ("18.0".into(), Some(-250_000)),
            ("11.0".into(), Some(-1_750_000)),
        ]
    );
    insta::assert_snapshot!(
        "stepwise_md",
        replay(&ledger, &[&args[..], &["--format", "md"]].concat())
    );
}
