//! Evidence packs (issue 7): export, verify offline, and every kind of
//! tampering named by `evidence verify`.

use crate::support::{err, ok, out, party_keys, root, run};
use std::path::{Path, PathBuf};
use std::process::Output;

struct Pack {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    pack: PathBuf,
    ledger: PathBuf,
}

/// `evidence export` of May-June into `pack`, signed with `key`.
fn export(ledger: &Path, pack: &Path, key: &Path) -> Output {
    let args = [
        "evidence", "export", "--from", "2025-05", "--to", "2025-06", "--out",
    ];
    let mut args: Vec<&str> = args.to_vec();
    args.extend([pack.to_str().unwrap(), "--key", key.to_str().unwrap()]);
    args.extend(["--at", "2025-07-20T12:00:00+02:00"]);
    run(ledger, &args, None)
}

/// The Bilag 6 June ledger with a cosigned checkpoint, then the worked
/// examples appended, exported for May-June by the supplier.
fn pack() -> Pack {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    let ledger = dir.join("ledger");
    let p = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    let rules = root().join("examples/bilag6/rules.toml");
    ok(&ledger, &["init", "--rules", rules.to_str().unwrap()]);
    let june = root().join("examples/bilag6/june-2025.jsonl");
    ok(&ledger, &["append", june.to_str().unwrap()]);
    party_keys(&ledger, &dir);
    ok(
        &ledger,
        &[
            "checkpoint",
            "create",
            "--key",
            &p("sup.key"),
            "--out",
            &p("c1.note"),
        ],
    );
    ok(
        &ledger,
        &[
            "checkpoint",
            "cosign",
            &p("c1.note"),
            "--key",
            &p("cus.key"),
            "--time",
            "1752480000",
        ],
    );
    let more = root().join("examples/bilag6/worked-examples.jsonl");
    ok(&ledger, &["append", more.to_str().unwrap()]);
    let pack = dir.join("pack");
    let o = export(&ledger, &pack, &dir.join("sup.key"));
    let text = out(&o);
    assert!(o.status.success(), "{text}{}", err(&o));
    assert!(text.contains("monthly reports"), "{text}");
    Pack {
        _tmp: tmp,
        dir,
        pack,
        ledger,
    }
}

impl Pack {
    fn verify(&self) -> (bool, String) {
        let keys = [self.dir.join("sup.key.pub"), self.dir.join("cus.key.pub")];
        let o = run(
            &self.ledger,
            &[
                "evidence",
                "verify",
                self.pack.to_str().unwrap(),
                "--key",
                keys[0].to_str().unwrap(),
                "--key",
                keys[1].to_str().unwrap(),
            ],
            None,
        );
        (o.status.success(), out(&o))
    }
    fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) {
        let path = self.pack.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, f(text)).unwrap();
    }
}

fn failed_items(table: &str) -> Vec<String> {
    table
        .lines()
        .filter(|l| l.contains("| FAIL |"))
        .map(|l| l.split('|').nth(1).unwrap_or_default().trim().to_owned())
        .collect()
}

#[test]
fn an_export_moves_the_finished_pack_into_place_and_leaves_no_staging_behind() {
    let p = pack();
    let left: Vec<String> = std::fs::read_dir(&p.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(p.pack.join("manifest.note").is_file());
    // A second export into the non-empty pack is refused before writing.
    let o = export(&p.ledger, &p.pack, &p.dir.join("sup.key"));
    assert!(!o.status.success());
    assert!(err(&o).contains("is not empty"), "{}", err(&o));
    assert!(p.verify().0);
}

#[test]
fn an_exported_pack_verifies_offline_with_every_check_passing() {
    let p = pack();
    let (good, table) = p.verify();
    assert!(good, "{table}");
    for item in [
        "manifest.note (signature over manifest.json)",
        "checkpoints/export.note (signatures)",
        "records.jsonl (records)",
        "proofs/inclusion.jsonl (proofs)",
        "events.csv (content)",
        "reports/2025-06.json (recomputed)",
        "reports/2025-05.json (recomputed)",
    ] {
        assert!(
            table.contains(&format!("| {item} | pass |")),
            "{item} in {table}"
        );
    }
    assert!(
        table.contains("(proof) | pass | `"),
        "a consistency chain: {table}"
    );
    assert!(p.pack.join("README.md").exists());
}

#[test]
fn a_changed_event_fails_and_is_named() {
    let p = pack();
    // Re-encode one record with another reporter: a well-formed record
    // that was never logged.
    p.edit("records.jsonl", |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
        let i = lines
            .iter()
            .position(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let bytes = base64_decode(v["record"].as_str().unwrap());
                String::from_utf8_lossy(&bytes).contains("Jens Hansen")
            })
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&lines[i]).unwrap();
        let bytes = base64_decode(v["record"].as_str().unwrap());
        let mut ev = slaledger_ledger::encoding::decode_record(&bytes).unwrap();
        ev.note = Some("rewritten".into());
        let changed = slaledger_ledger::encoding::encode_record(&ev).unwrap();
        lines[i] =
            serde_json::json!({"seq": v["seq"], "record": base64_encode(&changed)}).to_string();
        lines.join("\n") + "\n"
    });
    let (good, table) = p.verify();
    assert!(!good);
    let failed = failed_items(&table);
    assert!(
        failed.contains(&"records.jsonl (hash)".to_owned()),
        "{table}"
    );
    assert!(
        failed.contains(&"proofs/inclusion.jsonl (proofs)".to_owned()),
        "{table}"
    );
    assert!(
        table.contains("is not in the export checkpoint's tree"),
        "{table}"
    );
}

#[test]
fn a_dropped_event_fails_and_is_named() {
    let p = pack();
    p.edit("records.jsonl", |t| {
        let mut lines: Vec<&str> = t.lines().collect();
        lines.remove(5);
        lines.join("\n") + "\n"
    });
    let (good, table) = p.verify();
    assert!(!good);
    assert!(
        failed_items(&table).contains(&"records.jsonl (records)".to_owned()),
        "{table}"
    );
}

#[test]
fn two_reordered_events_fail_and_are_named() {
    let p = pack();
    p.edit("records.jsonl", |t| {
        let mut lines: Vec<&str> = t.lines().collect();
        lines.swap(3, 4);
        lines.join("\n") + "\n"
    });
    let (good, table) = p.verify();
    assert!(!good);
    assert!(table.contains("out of order"), "{table}");
}

#[test]
fn an_altered_report_fails_and_is_named() {
    let p = pack();
    p.edit("reports/2025-06.json", |t| {
        let changed = if t.contains("\"verdict\":\"not met\"") {
            t.replacen("\"verdict\":\"not met\"", "\"verdict\":\"met\"", 1)
        } else {
            t.replacen("\"verdict\":\"met\"", "\"verdict\":\"not met\"", 1)
        };
        assert_ne!(changed, t);
        changed
    });
    let (good, table) = p.verify();
    assert!(!good);
    let failed = failed_items(&table);
    assert!(
        failed.contains(&"reports/2025-06.json (hash)".to_owned()),
        "{table}"
    );
    assert!(
        failed.contains(&"reports/2025-06.json (recomputed)".to_owned()),
        "{table}"
    );
}

#[test]
fn a_swapped_signature_fails_and_is_named() {
    let p = pack();
    let other =
        slaledger_ledger::checkpoint::PrivateKey::from_seed("leverandor.example/drift", [4; 32])
            .unwrap();
    p.edit("checkpoints/export.note", |t| {
        let body = &t[..t.rfind("\n\n").unwrap() + 1];
        slaledger_ledger::checkpoint::sign_text(body, &other).unwrap()
    });
    let (good, table) = p.verify();
    assert!(!good);
    let failed = failed_items(&table);
    assert!(
        failed.contains(&"checkpoints/export.note (signatures)".to_owned()),
        "{table}"
    );
    // Re-signing the manifest with an untrusted key does not help.
    p.edit("manifest.note", |t| {
        let body = &t[..t.rfind("\n\n").unwrap() + 1];
        slaledger_ledger::checkpoint::sign_text(body, &other).unwrap()
    });
    let (_, table) = p.verify();
    assert!(
        failed_items(&table).contains(&"manifest.note (signature over manifest.json)".to_owned()),
        "{table}"
    );
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}
