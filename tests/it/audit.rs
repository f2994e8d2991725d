//! Checkpoints, cosignatures and proofs through the CLI (issue 7).

use crate::support::{err, ok, out, party_keys, root, run};
use std::path::PathBuf;

const ORIGIN: &str = "leverandor.example/slaledger-bilag6";

struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    ledger: PathBuf,
}

/// The Bilag 6 June ledger, a supplier and a customer key, and checkpoint
/// `c1.note` signed by the supplier and cosigned by the customer.
fn setup(june_text: Option<String>) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    let ledger = dir.join("ledger");
    let rules = root().join("examples/bilag6/rules.toml");
    ok(&ledger, &["init", "--rules", rules.to_str().unwrap()]);
    let june = dir.join("june.jsonl");
    let text = june_text.unwrap_or_else(|| {
        std::fs::read_to_string(root().join("examples/bilag6/june-2025.jsonl")).unwrap()
    });
    std::fs::write(&june, text).unwrap();
    ok(&ledger, &["append", june.to_str().unwrap()]);
    party_keys(&ledger, &dir);
    Setup {
        _tmp: tmp,
        dir,
        ledger,
    }
}

impl Setup {
    fn p(&self, f: &str) -> String {
        self.dir.join(f).to_str().unwrap().to_owned()
    }
    fn checkpoint(&self, name: &str) {
        ok(
            &self.ledger,
            &[
                "checkpoint",
                "create",
                "--key",
                &self.p("sup.key"),
                "--origin",
                ORIGIN,
                "--out",
                &self.p(name),
            ],
        );
        ok(
            &self.ledger,
            &[
                "checkpoint",
                "cosign",
                &self.p(name),
                "--key",
                &self.p("cus.key"),
                "--time",
                "1752480000",
            ],
        );
    }
    /// `prove consistency` from checkpoint file `old` to `new` into `out`.
    fn consistency(&self, old: &str, new: &str, out: &str) {
        ok(
            &self.ledger,
            &[
                "prove",
                "consistency",
                "--old",
                &self.p(old),
                "--new",
                &self.p(new),
                "--out",
                &self.p(out),
            ],
        );
    }
    fn verify(&self, proof: &str) -> (bool, String) {
        let o = run(
            &self.ledger,
            &[
                "verify-proof",
                &self.p(proof),
                "--key",
                &self.p("sup.key.pub"),
                "--key",
                &self.p("cus.key.pub"),
            ],
            None,
        );
        (o.status.success(), out(&o))
    }
}

#[test]
fn an_inclusion_proof_verifies_offline_with_both_parties_keys_and_fails_when_tampered() {
    let s = setup(None);
    s.checkpoint("c1.note");
    let note = std::fs::read_to_string(s.p("c1.note")).unwrap();
    assert!(note.starts_with(&format!("{ORIGIN}\n60\n")), "{note}");
    assert_eq!(note.matches("\n— ").count(), 2, "{note}");
    ok(
        &s.ledger,
        &["prove", "inclusion", "--seq", "7", "--out", &s.p("p7")],
    );
    let (good, text) = s.verify("p7");
    assert!(good, "{text}");
    assert!(text.contains("record seq 7 is included"), "{text}");
    assert!(
        text.contains("signed by leverandor.example/drift"),
        "{text}"
    );
    assert!(text.contains("kunde.example/kontrol"), "{text}");
    let proof = std::fs::read_to_string(s.p("p7")).unwrap();
    // Another record claimed at the same index.
    let mut lines: Vec<String> = proof.lines().map(str::to_owned).collect();
    let other = run(&s.ledger, &["prove", "inclusion", "--seq", "8"], None);
    let other_extra = out(&other).lines().nth(1).unwrap().to_owned();
    lines[1] = other_extra;
    std::fs::write(s.p("swapped"), lines.join("\n") + "\n").unwrap();
    let (good, text) = s.verify("swapped");
    assert!(!good && text.contains("FAILED"), "{text}");
    // A changed path hash.
    let tampered = proof.replacen(&proof.lines().nth(3).unwrap()[..4], "AAAA", 1);
    std::fs::write(s.p("tampered"), tampered).unwrap();
    assert!(!s.verify("tampered").0);
    // A stranger's key alone verifies nothing.
    let o = run(
        &s.ledger,
        &[
            "verify-proof",
            &s.p("p7"),
            "--key",
            "x.example/y+00000000+AQIoGoiMufbuapX29Xmhw5YC4FvJJsKEiQsV0fQrR18v",
        ],
        None,
    );
    assert!(!o.status.success());
}

#[test]
fn a_consistency_proof_shows_the_ledger_only_grew() {
    let s = setup(None);
    s.checkpoint("c1.note");
    let more = root().join("examples/bilag6/worked-examples.jsonl");
    ok(&s.ledger, &["append", more.to_str().unwrap()]);
    s.checkpoint("c2.note");
    s.consistency("c1.note", "c2.note", "c12");
    let (good, text) = s.verify("c12");
    assert!(good, "{text}");
    assert!(
        text.contains("extends the tree of size 60 (append-only)"),
        "{text}"
    );
    let list = ok(&s.ledger, &["checkpoint", "list"]);
    assert_eq!(list.lines().count(), 2, "{list}");
}

#[test]
fn a_ledger_rebuilt_with_one_event_changed_cannot_prove_consistency_with_a_cosigned_checkpoint() {
    let s = setup(None);
    s.checkpoint("c1.note");
    // The supplier rebuilds the ledger with one contact moved by 20 minutes.
    let text = std::fs::read_to_string(root().join("examples/bilag6/june-2025.jsonl")).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("\"reported_at\""))
        .unwrap();
    let changed_line = line.replacen(":00+02:00\"", ":20+02:00\"", 1);
    assert_ne!(line, changed_line);
    let rewritten = setup(Some(text.replacen(line, &changed_line, 1)));
    let more = root().join("examples/bilag6/worked-examples.jsonl");
    ok(&rewritten.ledger, &["append", more.to_str().unwrap()]);
    // Its own checkpoint, with the old keys and the same origin.
    for f in ["sup.key", "sup.key.pub", "cus.key", "cus.key.pub"] {
        std::fs::copy(s.p(f), rewritten.p(&format!("old-{f}"))).unwrap();
    }
    ok(
        &rewritten.ledger,
        &[
            "checkpoint",
            "create",
            "--key",
            &rewritten.p("old-sup.key"),
            "--origin",
            ORIGIN,
            "--out",
            &rewritten.p("c2.note"),
        ],
    );
    std::fs::copy(s.p("c1.note"), rewritten.p("c1.note")).unwrap();
    let o = run(
        &rewritten.ledger,
        &[
            "prove",
            "consistency",
            "--old",
            &rewritten.p("c1.note"),
            "--new",
            &rewritten.p("c2.note"),
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(
        err(&o).contains("cannot prove it extends the older checkpoint"),
        "{}",
        err(&o)
    );
    // A proof forged from the rewritten tree does not verify either.
    let c1 = std::fs::read_to_string(s.p("c1.note")).unwrap();
    let c2 = std::fs::read_to_string(rewritten.p("c2.note")).unwrap();
    let (ledger, _) =
        slaledger_ledger::store::Ledger::open(&rewritten.ledger, Default::default()).unwrap();
    let tree = slaledger_ledger::tiles::Tree::open(&ledger).unwrap();
    let new_size = tree.size();
    let forged = slaledger_ledger::merkle::consistency_proof(&tree, 60, new_size)
        .unwrap()
        .unwrap();
    let doc = serde_json::json!({"format": "slaledger/consistency-proof@v1", "old": c1, "new": c2,
        "proof": forged.iter().map(slaledger_ledger::checkpoint::b64).collect::<Vec<_>>()});
    drop(tree);
    drop(ledger);
    std::fs::write(rewritten.p("forged"), doc.to_string()).unwrap();
    let o = run(
        &rewritten.ledger,
        &[
            "verify-proof",
            &rewritten.p("forged"),
            "--key",
            &rewritten.p("old-sup.key.pub"),
            "--key",
            &rewritten.p("old-cus.key.pub"),
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(out(&o).contains("NOT an extension"), "{}", out(&o));
    // And the customer refuses to cosign a checkpoint its own ledger does not hold.
    let o = run(
        &s.ledger,
        &[
            "checkpoint",
            "cosign",
            &rewritten.p("c2.note"),
            "--key",
            &s.p("cus.key"),
        ],
        None,
    );
    assert!(!o.status.success());
}

#[test]
fn a_report_receipt_binds_the_report_and_its_inputs_and_the_report_replays_byte_for_byte() {
    let s = setup(None);
    let at = "2025-07-14T12:00:00+02:00";
    let o = run(
        &s.ledger,
        &[
            "report",
            "--month",
            "2025-06",
            "--at",
            at,
            "--sign",
            &s.p("sup.key"),
            "--receipt",
            &s.p("r.receipt"),
        ],
        None,
    );
    assert!(o.status.success(), "{}", err(&o));
    std::fs::write(s.p("r.json"), out(&o)).unwrap();
    let receipt = std::fs::read_to_string(s.p("r.receipt")).unwrap();
    for line in [
        "slaledger/report-receipt@v1\n",
        "\ntree 60 ",
        "\nhead 60:",
        "\nmonth 2025-06\n",
        "\npolicy shortfall_rounding=started (rule_set)\n",
        "\nsoftware slaledger ",
    ] {
        assert!(receipt.contains(line), "{line:?} in {receipt}");
    }
    let check = |report: &str, key: &str| {
        run(
            &s.ledger,
            &[
                "verify-proof",
                &s.p("r.receipt"),
                "--key",
                key,
                "--report",
                report,
            ],
            None,
        )
    };
    let o = check(&s.p("r.json"), &s.p("sup.key.pub"));
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("binds"), "{}", out(&o));
    // An altered report fails.
    let altered = out(&run(
        &s.ledger,
        &["report", "--month", "2025-06", "--at", at],
        None,
    ))
    .replacen("\"19.0\"", "\"18.0\"", 1);
    std::fs::write(s.p("altered.json"), altered).unwrap();
    let o = check(&s.p("altered.json"), &s.p("sup.key.pub"));
    assert!(
        !o.status.success() && out(&o).contains("does not match the receipt"),
        "{}",
        out(&o)
    );
    // A receipt re-signed by another key does not verify with the supplier's.
    let body = &receipt[..receipt.rfind("\n\n").unwrap() + 1];
    let other =
        slaledger_ledger::checkpoint::PrivateKey::from_seed("leverandor.example/drift", [3; 32])
            .unwrap();
    std::fs::write(
        s.p("r.receipt"),
        slaledger_ledger::checkpoint::sign_text(body, &other).unwrap(),
    )
    .unwrap();
    let o = check(&s.p("r.json"), &s.p("sup.key.pub"));
    assert!(!o.status.success(), "{}", out(&o));
    // The report re-performs from the inputs its header names.
    let o = run(&s.ledger, &["replay", "--check", &s.p("r.json")], None);
    assert!(
        o.status.success() && out(&o).contains("reproduces byte for byte"),
        "{}",
        out(&o)
    );
}

#[test]
fn a_rule_set_that_demands_signatures_rejects_unsigned_wrongly_signed_and_forbidden_events() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ledger = dir.join("ledger");
    let p = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    party_keys(&ledger, dir);
    let vkey = |f: &str| {
        std::fs::read_to_string(p(f))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    let rules = std::fs::read_to_string(root().join("examples/bilag6/rules.toml")).unwrap()
        + &format!(
            "\n[signatures]\nrequired = [\"customer\"]\n[signatures.keys]\ncustomer = [\"{}\"]\nsupplier = [\"{}\"]\n[permissions]\nincident_categorised = [\"customer\"]\n",
            vkey("cus.key.pub"),
            vkey("sup.key.pub")
        );
    std::fs::write(p("rules.toml"), rules).unwrap();
    ok(&ledger, &["init", "--rules", &p("rules.toml")]);
    let june = std::fs::read_to_string(root().join("examples/bilag6/june-2025.jsonl")).unwrap();
    let lines: Vec<&str> = june.lines().collect();
    let append = |line: &str, sign: Option<&str>| {
        std::fs::write(p("batch.jsonl"), format!("{line}\n")).unwrap();
        let mut args = vec!["append".to_owned(), p("batch.jsonl")];
        if let Some(k) = sign {
            args.extend(["--sign".to_owned(), p(k)]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&ledger, &args, None)
    };
    // The customer's report, unsigned: refused, naming the field.
    let o = append(lines[0], None);
    assert!(!o.status.success());
    assert!(
        err(&o).contains("field `signature`")
            && err(&o).contains("requires every customer event to be signed"),
        "{}",
        err(&o)
    );
    // Signed with the supplier's key: refused.
    let o = append(lines[0], Some("sup.key"));
    assert!(
        !o.status.success() && err(&o).contains("not a key of the customer"),
        "{}",
        err(&o)
    );
    // Signed, then changed: refused.
    let key = slaledger_ledger::checkpoint::PrivateKey::parse(
        &std::fs::read_to_string(p("cus.key")).unwrap(),
    )
    .unwrap();
    let draft = slaledger_ledger::input::parse_jsonl(lines[0])
        .unwrap()
        .remove(0);
    let sig = slaledger_ledger::signing::sign_event(&draft.event, &key);
    let mut v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    v["signature"] = sig.clone().into();
    v["data"]["description"] = "changed after signing".into();
    let o = append(&v.to_string(), None);
    assert!(
        !o.status.success() && err(&o).contains("does not verify"),
        "{}",
        err(&o)
    );
    // Signed by the customer: appended.
    let o = append(lines[0], Some("cus.key"));
    assert!(o.status.success(), "{}", err(&o));
    // The supplier may not categorise under this rule set.
    let o = append(lines[1], None);
    assert!(
        !o.status.success() && err(&o).contains("lets only customer record incident_categorised"),
        "{}",
        err(&o)
    );
    // The supplier's assignment: unsigned is fine, signed must verify.
    assert!(append(lines[2], None).status.success());
    let again = lines[2].replace("INC-2025-0528/assigned", "INC-2025-0528/assigned-2");
    assert!(append(&again, Some("sup.key")).status.success());
    // verify re-checks every signature and permission.
    let o = run(&ledger, &["verify"], None);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    // Key rotation: the customer's amendment (signed with its old key)
    // names a new key; from then on only the new key verifies.
    ok(
        &ledger,
        &[
            "key",
            "generate",
            "--name",
            "kunde.example/kontrol-2026",
            "--out",
            &p("cus2.key"),
        ],
    );
    let rotated = std::fs::read_to_string(p("rules.toml"))
        .unwrap()
        .replace(&vkey("cus.key.pub"), &vkey("cus2.key.pub"));
    std::fs::write(
        p("batch.jsonl"),
        crate::support::rule_set_line(&rotated, 2, "2025-07-01T12:00:00+02:00"),
    )
    .unwrap();
    let o = run(&ledger, &["append", &p("batch.jsonl")], None);
    assert!(
        !o.status.success(),
        "an unsigned amendment by the customer is refused"
    );
    ok(
        &ledger,
        &["append", &p("batch.jsonl"), "--sign", &p("cus.key")],
    );
    let next = lines[0].replace("INC-2025-0528/contact-1", "INC-2025-0528/contact-9");
    let o = append(&next, Some("cus.key"));
    assert!(
        !o.status.success() && err(&o).contains("not a key of the customer"),
        "{}",
        err(&o)
    );
    assert!(append(&next, Some("cus2.key")).status.success());
    let o = run(&ledger, &["verify"], None);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    // A bad [signatures] section is refused when the rule set is recorded.
    let bad = std::fs::read_to_string(p("rules.toml")).unwrap().replace(
        "required = [\"customer\"]",
        "required = [\"customer\", \"monitor\"]",
    );
    std::fs::write(p("bad.toml"), bad).unwrap();
    let o = run(
        &dir.join("other"),
        &["init", "--rules", &p("bad.toml")],
        None,
    );
    assert!(
        !o.status.success() && err(&o).contains("signatures.required"),
        "{}",
        err(&o)
    );
}

#[test]
fn a_month_is_sealed_after_its_grace_period_and_later_facts_about_it_are_listed() {
    let s = setup(None);
    // The ledger's time is the test's "now": the current month is not over.
    let now_month = {
        let o = run(
            &s.ledger,
            &["log", "--seq-from", "1", "--seq-to", "1"],
            None,
        );
        let v: serde_json::Value = serde_json::from_str(out(&o).lines().next().unwrap()).unwrap();
        v["recorded_at"].as_str().unwrap()[..7].to_owned()
    };
    let o = run(
        &s.ledger,
        &[
            "checkpoint",
            "seal",
            "--month",
            &now_month,
            "--key",
            &s.p("sup.key"),
        ],
        None,
    );
    assert!(
        !o.status.success() && err(&o).contains("can be sealed from"),
        "{}",
        err(&o)
    );
    ok(
        &s.ledger,
        &[
            "checkpoint",
            "seal",
            "--month",
            "2025-06",
            "--key",
            &s.p("sup.key"),
            "--out",
            &s.p("seal.note"),
        ],
    );
    let seal = std::fs::read_to_string(s.p("seal.note")).unwrap();
    assert!(seal.contains("\nslaledger-seal 2025-06\n"), "{seal}");
    ok(
        &s.ledger,
        &[
            "checkpoint",
            "cosign",
            &s.p("seal.note"),
            "--key",
            &s.p("cus.key"),
        ],
    );
    let stored = std::fs::read_to_string(s.ledger.join("checkpoints/seal-2025-06.note")).unwrap();
    assert_eq!(stored.matches("\n— ").count(), 2, "{stored}");
    // A June incident reported late, after the seal.
    let june = std::fs::read_to_string(root().join("examples/bilag6/june-2025.jsonl")).unwrap();
    let late = june
        .lines()
        .find(|l| l.contains("\"INC-2025-0601/contact-1\""))
        .unwrap()
        .replace("INC-2025-0601", "INC-2025-0699");
    std::fs::write(s.p("late.jsonl"), format!("{late}\n")).unwrap();
    ok(&s.ledger, &["append", &s.p("late.jsonl")]);
    // Sealing the month again is refused (another tree size or text).
    let o = run(
        &s.ledger,
        &[
            "checkpoint",
            "seal",
            "--month",
            "2025-06",
            "--key",
            &s.p("sup.key"),
        ],
        None,
    );
    assert!(
        !o.status.success() && err(&o).contains("sealed twice"),
        "{}",
        err(&o)
    );
    // The worked examples hold June facts recorded after the seal.
    let status = ok(
        &s.ledger,
        &["checkpoint", "seal-status", "--month", "2025-06"],
    );
    assert!(
        status
            .contains("sealed at tree size 60 by leverandor.example/drift, kunde.example/kontrol"),
        "{status}"
    );
    assert!(status.contains("still holds the sealed tree"), "{status}");
    assert!(
        status.contains("recorded after the seal: seq 61 `INC-2025-0699/contact-1`"),
        "{status}"
    );
    assert!(
        status.contains("1 event(s) about 2025-06 recorded after the seal"),
        "{status}"
    );
    // The sealed history is provably kept: consistency from the seal onwards.
    ok(
        &s.ledger,
        &[
            "checkpoint",
            "create",
            "--key",
            &s.p("sup.key"),
            "--out",
            &s.p("later.note"),
        ],
    );
    s.consistency("seal.note", "later.note", "c");
    let (good, text) = s.verify("c");
    assert!(good, "{text}");
}
