//! The CLI end to end: init, append, log, head, verify, reindex, and every
//! kind of bad input named by issue 2 (line, field, reason; non-zero exit;
//! nothing appended).

use crate::support::*;
use std::path::Path;

const REPORTED: &str = r#"{"id":"i1/reported","stream":"bilag6-example","actor":{"party":"customer","identity":"jens"},"kind":"incident_reported","data":{"incident_id":"INC-1","reported_at":"2025-06-02T09:00:00+02:00","channel":"phone","reporter":"Jens","environment":"production","areas":["application"],"description":"login fails"}}"#;
const RESOLVED: &str = r#"{"id":"i1/resolved","stream":"bilag6-example","actor":{"party":"supplier","identity":"sd"},"kind":"incident_resolved","data":{"incident_id":"INC-1","resolved_at":"2025-06-02T11:00:00+02:00","method":"remedy"}}"#;

fn head(dir: &Path) -> String {
    let o = run(dir, &["head"], None);
    assert!(o.status.success(), "{}", err(&o));
    out(&o).lines().next().unwrap_or_default().to_owned()
}

/// Appends `text` expecting rejection; returns stderr and checks nothing changed.
fn rejected(dir: &Path, text: &str) -> String {
    let before = head(dir);
    let o = run(dir, &["append", "-"], Some(text));
    assert!(!o.status.success(), "accepted: {}", out(&o));
    assert_eq!(head(dir), before, "a rejected batch changed the head");
    err(&o)
}

#[test]
fn the_bundled_month_appends_verifies_and_re_appends_as_a_no_op() {
    let tmp = tempfile::tempdir().unwrap();
    init_example(tmp.path());
    let file = root().join("ledger/tests/fixtures/june-2025-v1.jsonl");
    let f = file.to_str().unwrap();
    let o = run(tmp.path(), &["append", f], None);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).starts_with("appended 38 event(s), 0 already present"),
        "{}",
        out(&o)
    );
    let o = run(tmp.path(), &["append", f], None);
    assert!(
        out(&o).starts_with("appended 0 event(s), 38 already present"),
        "{}",
        out(&o)
    );
    let o = run(tmp.path(), &["verify"], None);
    assert!(
        o.status.success() && out(&o).starts_with("ok: 39 record(s)"),
        "{}",
        out(&o)
    );
    let h = head(tmp.path());
    let o = run(tmp.path(), &["verify", "--expect-head", &h], None);
    assert!(o.status.success(), "{}", out(&o));
}

#[test]
fn log_filters_by_stream_kind_time_and_seq() {
    let tmp = tempfile::tempdir().unwrap();
    init_example(tmp.path());
    let file = root().join("ledger/tests/fixtures/june-2025-v1.jsonl");
    assert!(run(tmp.path(), &["append", file.to_str().unwrap()], None)
        .status
        .success());
    let lines = |args: &[&str]| -> Vec<serde_json::Value> {
        let o = run(tmp.path(), args, None);
        assert!(o.status.success(), "{}", err(&o));
        out(&o)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_eq!(lines(&["log"]).len(), 39);
    assert_eq!(lines(&["log", "--stream", "bilag6-example"]).len(), 39);
    let resolved = lines(&["log", "--kind", "incident_resolved"]);
    assert_eq!(resolved.len(), 7);
    assert!(resolved.iter().all(|v| v["kind"] == "incident_resolved"));
    let early = lines(&[
        "log",
        "--from",
        "2025-06-02T00:00:00+02:00",
        "--to",
        "2025-06-03T00:00:00+02:00",
    ]);
    assert_eq!(early.len(), 4, "{early:?}");
    let range = lines(&["log", "--seq-from", "5", "--seq-to", "7"]);
    assert_eq!(
        range
            .iter()
            .map(|v| v["seq"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        vec![5, 6, 7]
    );
    // Output lines are valid input lines once the ledger's own fields are removed.
    let mut first = lines(&["log", "--seq-from", "2", "--seq-to", "2"]).remove(0);
    for k in ["seq", "hash", "recorded_at", "schema_version"] {
        first.as_object_mut().unwrap().remove(k);
    }
    let o = run(tmp.path(), &["append", "-"], Some(&first.to_string()));
    assert!(
        out(&o).contains("1 already present"),
        "{} {}",
        out(&o),
        err(&o)
    );
}

#[test]
fn each_kind_of_bad_input_names_line_field_and_reason_and_appends_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    init_example(tmp.path());
    let d = tmp.path();
    assert!(run(d, &["append", "-"], Some(REPORTED)).status.success());

    let other_incident = RESOLVED.replace("INC-1", "INC-404").replace("i1/", "i404/");
    // (what is wrong, the batch, what the error must name)
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "malformed JSON",
            format!("{RESOLVED}\n{{\"id\": oops"),
            &["line 2", "malformed JSON"],
        ),
        (
            "unknown kind",
            RESOLVED.replace("incident_resolved", "incident_vanished"),
            &["line 1", "field `kind`", "unknown event kind"],
        ),
        (
            "missing field",
            RESOLVED.replace(",\"method\":\"remedy\"", ""),
            &["line 1", "missing field `method`"],
        ),
        (
            "unknown data field",
            RESOLVED.replace("\"method\"", "\"mood\":\"calm\",\"method\""),
            &["unknown field `mood`"],
        ),
        (
            "unknown envelope field",
            RESOLVED.replace("\"kind\"", "\"colour\":\"red\",\"kind\""),
            &["field `colour`", "unknown field"],
        ),
        (
            "time without offset",
            RESOLVED.replace("11:00:00+02:00", "11:00:00"),
            &["field `data.resolved_at`", "RFC 3339"],
        ),
        (
            "sub-millisecond time",
            RESOLVED.replace("11:00:00+02:00", "11:00:00.0001+02:00"),
            &["finer than milliseconds"],
        ),
        (
            "unknown incident",
            format!("{RESOLVED}\n{other_incident}"),
            &["line 2", "data.incident_id", "unknown incident `INC-404`"],
        ),
        (
            "id conflict",
            REPORTED.replace("login fails", "something else"),
            &["field `id`", "id conflict"],
        ),
        (
            "no permission",
            RESOLVED.replace("\"party\":\"supplier\"", "\"party\":\"customer\""),
            &["actor.party", "may not record incident_resolved"],
        ),
        (
            "beyond clock tolerance",
            RESOLVED.replace("2025-06-02T11:00", "2099-06-02T11:00"),
            &["field `occurred_at`", "clock tolerance"],
        ),
    ];
    for (what, batch, expected) in cases {
        let e = rejected(d, &batch);
        for needle in expected {
            assert!(e.contains(needle), "{what}: `{needle}` not in: {e}");
        }
    }

    let o = run(
        d,
        &[
            "append",
            "-",
            "--expect-head",
            &format!("1:{}", "0".repeat(64)),
        ],
        Some(RESOLVED),
    );
    assert!(
        !o.status.success() && err(&o).contains("expected ledger head"),
        "{}",
        err(&o)
    );

    // And the good line still appends afterwards.
    let h = head(d);
    let o = run(d, &["append", "-", "--expect-head", &h], Some(RESOLVED));
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn bad_rule_sets_are_rejected_at_init_naming_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(root().join("examples/bilag6/rules.toml")).unwrap();
    let rules = tmp.path().join("r.toml");
    let ledger = tmp.path().join("l");
    for (what, from, to, key) in [
        (
            "unknown policy",
            "clock = \"wall_after_start\"",
            "clock = \"wall_after_start\"\nspeed = \"fast\"",
            "key `policies.speed`: unknown policy",
        ),
        (
            "unknown policy value",
            "attribution = \"stop_month\"",
            "attribution = \"first_month\"",
            "key `policies.attribution`",
        ),
        (
            "missing target",
            "cat3_arbejdsdage = 5\n",
            "",
            "key `goals.kpi2.cat3_arbejdsdage`: missing",
        ),
        (
            "negative fee",
            "monthly_cap_percent = 50",
            "monthly_cap_percent = -50",
            "key `fee.monthly_cap_percent`: -50 is negative",
        ),
        (
            "overlapping opening hours",
            "tue = [[\"08:00\", \"16:00\"]]",
            "tue = [[\"08:00\", \"12:00\"], [\"11:00\", \"16:00\"]]",
            "key `opening_hours.service_desk.tue`: ranges 08:00-12:00 and 11:00-16:00 overlap",
        ),
        (
            "bad month",
            "effective_from = \"2025-01\"",
            "effective_from = \"2025-13\"",
            "key `effective_from`",
        ),
        (
            "missing stream",
            "stream = \"bilag6-example\"\n",
            "",
            "key `stream`: missing",
        ),
    ] {
        assert!(example.contains(from), "{what}: example lacks {from:?}");
        std::fs::write(&rules, example.replacen(from, to, 1)).unwrap();
        let o = run(&ledger, &["init", "--rules", rules.to_str().unwrap()], None);
        assert!(
            !o.status.success() && err(&o).contains(key),
            "{what}: {}",
            err(&o)
        );
        assert!(!ledger.exists(), "{what}: init wrote a ledger");
    }
}

#[test]
fn an_appended_rule_set_amendment_with_a_bad_content_is_rejected_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("l");
    init_example(&ledger);
    let content = serde_json::json!({"stream": "bilag6-example", "rule_set_id": "bilag6-sla",
        "effective_from": "2025-07", "annex": "bilag6", "policies": {"clock": "lunar"}})
    .to_string();
    let hash = blake3::hash(content.as_bytes()).to_hex().to_string();
    let line = serde_json::json!({"id": "amend-1", "stream": "bilag6-example",
        "occurred_at": "2025-07-01T08:00:00Z",
        "actor": {"party": "customer", "identity": "kunde"},
        "kind": "rule_set_amended",
        "data": {"rule_set_id": "bilag6-sla", "version": 2, "effective_from": "2025-07",
                 "content": content, "content_hash": hash, "reason": "test",
                 "agreement_ref": "x"}});
    let o = run(&ledger, &["append", "-"], Some(&format!("\n{line}\n")));
    let e = err(&o);
    assert!(!o.status.success(), "{e}");
    assert!(
        e.contains("line 2") && e.contains("amend-1") && e.contains("policies.clock"),
        "{e}"
    );
}

#[test]
fn a_second_init_of_the_same_stream_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    init_example(tmp.path());
    let rules = root().join("examples/bilag6/rules.toml");
    let o = run(
        tmp.path(),
        &["init", "--rules", rules.to_str().unwrap()],
        None,
    );
    assert!(!o.status.success(), "{}", out(&o));
}

#[test]
fn reindex_rebuilds_and_verify_passes() {
    let tmp = tempfile::tempdir().unwrap();
    init_example(tmp.path());
    assert!(run(tmp.path(), &["append", "-"], Some(REPORTED))
        .status
        .success());
    let o = run(tmp.path(), &["reindex"], None);
    assert!(
        o.status.success() && out(&o).contains("2 record(s)"),
        "{}",
        out(&o)
    );
    assert!(run(tmp.path(), &["verify"], None).status.success());
}

#[test]
fn demo_runs_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(
        tmp.path(),
        &["demo", "--dir", tmp.path().join("d").to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    assert!(text.contains("appended 59 events"), "{text}");
    assert!(
        text.contains("**bod 47.500,00 kr (4750000 øre)**"),
        "{text}"
    );
    assert!(text.contains("frame damaged"), "{text}");
    assert!(text.contains("tail truncation"), "{text}");
    // Step 17: the torn import is cut, and the same file gives the same head.
    assert!(text.contains("(as before the batch: true)"), "{text}");
    assert!(
        text.contains("the very head the torn write would have given: true"),
        "{text}"
    );
}

#[test]
fn a_second_process_gets_a_clear_error_while_the_ledger_is_in_use() {
    let tmp = tempfile::tempdir().unwrap();
    init_example(tmp.path());
    let opts = slaledger_ledger::store::LedgerOptions::default();
    let (_held, _) = slaledger_ledger::store::Ledger::open(tmp.path(), opts).unwrap();
    let start = std::time::Instant::now();
    let o = run(tmp.path(), &["append", "-"], Some(REPORTED));
    assert!(!o.status.success());
    assert!(err(&o).contains("in use by another process"), "{}", err(&o));
    assert!(
        err(&o).contains(&format!("pid {}", std::process::id())),
        "{}",
        err(&o)
    );
    // An error, not a hang: well under the time a wait for the lock would take.
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

/// A reader that stops early (`slaledger report ... | head`) ends the
/// process by SIGPIPE, quietly, as other Unix tools end: no panic message.
#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_the_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let ledger = bilag6_june(dir.path());
    let mut child = Command::new(bin())
        .arg("--ledger")
        .arg(&ledger)
        .args(["report", "--month", "2025-06"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the report is written.
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let stderr = err(&o);
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert_eq!(o.status.signal(), Some(13), "status {:?}", o.status);
}
