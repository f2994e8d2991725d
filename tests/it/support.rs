//! Helpers: run the built `slaledger` binary against a scratch ledger.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Path of the binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_slaledger"))
}

/// The repository root (for bundled examples).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `slaledger --ledger DIR ARGS...`, optionally with stdin.
pub fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(bin());
    c.arg("--ledger")
        .arg(dir)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn slaledger");
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

/// Stdout as text.
pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A ledger initialised with the bundled Bilag 6 rule set.
pub fn init_example(dir: &Path) {
    let rules = root().join("examples/bilag6/rules.toml");
    let o = run(dir, &["init", "--rules", rules.to_str().unwrap()], None);
    assert!(o.status.success(), "init failed: {}", err(&o));
}

/// A ledger initialised with an example rule set (`examples/<dir>/rules.toml`)
/// by `actor`, with the example events files appended, each as one batch.
pub fn example_ledger(ledger: &Path, example: &str, actor: &str, files: &[&str]) {
    let rules = root().join(format!("examples/{example}/rules.toml"));
    let o = run(
        ledger,
        &["init", "--rules", rules.to_str().unwrap(), "--actor", actor],
        None,
    );
    assert!(o.status.success(), "init failed: {}", err(&o));
    for f in files {
        let file = root().join(format!("examples/{example}/{f}"));
        let o = run(ledger, &["append", file.to_str().unwrap()], None);
        assert!(o.status.success(), "append {f} failed: {}", err(&o));
    }
}

/// `slaledger report ARGS` on `ledger`, which must succeed; its stdout.
pub fn report(ledger: &Path, args: &[&str]) -> String {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let o = run(ledger, &all, None);
    assert!(o.status.success(), "{}", err(&o));
    out(&o)
}

/// A ledger in `dir` with the Bilag 6 rule set and the SPEC §8.7 June.
pub fn bilag6_june(dir: &Path) -> PathBuf {
    let ledger = dir.join("l");
    example_ledger(
        &ledger,
        "bilag6",
        "customer:driftschef@kunde.dk",
        &["june-2025.jsonl"],
    );
    ledger
}

/// A ledger in `dir` with the Bilag 7.2.A rule set and the June
/// availability example.
pub fn b72a_june(dir: &Path) -> PathBuf {
    let ledger = dir.join("l72");
    example_ledger(
        &ledger,
        "bilag7-2a",
        "customer:driftschef@kombit.dk",
        &["june-2025-availability.jsonl"],
    );
    ledger
}

/// A goal line of a report's JSON.
pub fn goal_of<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["goals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["goal"] == id)
        .unwrap_or_else(|| panic!("no goal {id}"))
}

/// A `rule_set_defined` (or, with `version` > 1, `rule_set_amended`) JSON
/// line for a TOML rule-set text, as `init` records it: canonical JSON
/// content and its blake3 hash.
pub fn rule_set_line(text: &str, version: u32, occurred_at: &str) -> String {
    let t: toml::Value = toml::from_str(text).expect("rule set TOML");
    let stream = t["stream"].as_str().expect("stream").to_owned();
    let id = t["rule_set_id"].as_str().expect("rule_set_id").to_owned();
    let eff = t["effective_from"]
        .as_str()
        .expect("effective_from")
        .to_owned();
    let content = serde_json::to_string(&serde_json::to_value(t).unwrap()).unwrap();
    let hash = blake3::hash(content.as_bytes()).to_hex().to_string();
    let mut data = serde_json::json!({"rule_set_id": id, "effective_from": eff,
        "content": content, "content_hash": hash});
    let kind = if version > 1 {
        data["version"] = version.into();
        data["reason"] = "amendment".into();
        data["agreement_ref"] = "tillæg".into();
        "rule_set_amended"
    } else {
        "rule_set_defined"
    };
    let line = serde_json::json!({"id": format!("rule-set/{id}/v{version}"), "stream": stream,
        "occurred_at": occurred_at,
        "actor": {"party": "customer", "identity": "kontrakt@kunde.dk"},
        "kind": kind, "data": data});
    format!("{line}\n")
}

/// Runs a command that must succeed; its stdout.
pub fn ok(ledger: &Path, args: &[&str]) -> String {
    let o = run(ledger, args, None);
    assert!(o.status.success(), "{args:?}: {}{}", out(&o), err(&o));
    out(&o)
}

/// Generates the supplier's (`DIR/sup.key`) and the customer's
/// (`DIR/cus.key`) keys, verifier keys beside them in `.pub` files.
pub fn party_keys(ledger: &Path, dir: &Path) {
    for (name, f) in [
        ("leverandor.example/drift", "sup.key"),
        ("kunde.example/kontrol", "cus.key"),
    ] {
        let k = dir.join(f);
        ok(
            ledger,
            &[
                "key",
                "generate",
                "--name",
                name,
                "--out",
                k.to_str().unwrap(),
            ],
        );
    }
}
