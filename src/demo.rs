//! `slaledger demo`: the bundled Bilag 6 example month, end to end, in a
//! scratch ledger. It shows what the product does today: init with a rule
//! set, an atomic append of a realistic month, idempotent re-append, a
//! rejected batch that appends nothing, queries, verification, and tamper and
//! truncation detection. It grows with every capability that lands.

use anyhow::{Context, Result};
use slaledger_ledger::event::Actor;
use slaledger_ledger::input;
use slaledger_ledger::segment;
use slaledger_ledger::store::{Ledger, LedgerOptions};
use slaledger_ledger::time::Instant;
use slaledger_ledger::verify;
use slaledger_ledger::vocab::Party;
use std::io::Write;
use std::path::{Path, PathBuf};

const RULES: &str = include_str!("../examples/bilag6/rules.toml");
const JUNE: &str = include_str!("../examples/bilag6/june-2025.jsonl");
const B72A_RULES: &str = include_str!("../examples/bilag7-2a/rules.toml");
const B72A_SPRING: &str = include_str!("../examples/bilag7-2a/spring-2025.jsonl");
const B72A_JUNE: &str = include_str!("../examples/bilag7-2a/june-2025-availability.jsonl");
const VDX_RULES: &str = include_str!("../examples/vdx/rules.toml");
const VDX_2025: &str = include_str!("../examples/vdx/2025.jsonl");
/// A correction recorded after the June report was submitted (SPEC §9.2).
const CORRECTION: &str = r#"{"id":"fix/INC-2025-0606/contact-1","stream":"bilag6-example","actor":{"party":"customer","identity":"driftschef@kunde.dk"},"occurred_at":"2025-08-12T12:00:00+02:00","kind":"correction","data":{"corrects":"INC-2025-0606/contact-1","action":"replace","replacement":{"kind":"incident_reported","data":{"incident_id":"INC-2025-0606","reported_at":"2025-06-11T09:20:00+02:00","channel":"tool","reporter":"Jens Hansen","organisation":"Kunden","environment":"production","areas":["application"],"description":"Henvendelse 1 om INC-2025-0606"}},"reason":"Opkaldet kom kl. 09:20 ifølge telefonsystemets log"}}"#;
/// The customer's claim in a priority dispute (an assumed event, never written).
const PRIORITY_CLAIM: &str = r#"{"id":"claim/INC-J4/priority","stream":"b72a-example","actor":{"party":"customer","identity":"driftschef@kombit.dk"},"occurred_at":"2025-06-25T09:30:00+02:00","kind":"incident_prioritised","data":{"incident_id":"INC-J4","priority":"A","role":"customer_decision","reason":"Hele kommunen kunne ikke sagsbehandle"}}"#;

fn step(n: u32, title: &str) {
    println!("\n== {n}. {title}");
}

/// Runs the demo in `dir` (or a temporary directory).
pub fn run(dir: Option<&Path>) -> Result<()> {
    let tmp;
    let root: PathBuf = match dir {
        Some(d) => d.to_owned(),
        None => {
            tmp = tempfile::tempdir().context("creating a scratch directory")?;
            tmp.path().to_owned()
        }
    };
    let ledger_dir = root.join("ledger");
    // The demo records "now" as the July day the June figures are compiled,
    // so the example's July events are not in the future; a real run uses the
    // clock (`Instant::now()`), read once per command.
    let now = Instant::parse("2025-07-14T10:00:00Z")?;

    step(
        1,
        "init: record the Bilag 6 rule set as the stream's first event",
    );
    let (mut ledger, _) = Ledger::create(&ledger_dir, LedgerOptions::default())?;
    let actor = Actor {
        party: Party::Customer,
        identity: "driftschef@kunde.dk".into(),
        operated_by: None,
    };
    let draft =
        crate::rules::rule_set_draft(RULES, Path::new("examples/bilag6/rules.toml"), actor, now)?;
    if let slaledger_ledger::event::Event::RuleSetDefined(r) = &draft.event.event {
        println!(
            "rule set `{}` effective {}, rule-set hash {}",
            r.rule_set_id,
            r.effective_from,
            r.content_hash.to_hex()
        );
    }
    let out = ledger.append(vec![draft], None, now)?;
    println!("head {}", out.head);

    step(
        2,
        "append: June 2025 of stream `bilag6-example` as one atomic, fdatasync'd batch",
    );
    let drafts = input::parse_jsonl(JUNE)?;
    let kinds: std::collections::BTreeSet<&str> =
        drafts.iter().map(|d| d.event.event.kind()).collect();
    println!(
        "{} events of {} kinds: {}",
        drafts.len(),
        kinds.len(),
        kinds.into_iter().collect::<Vec<_>>().join(", ")
    );
    let out = ledger.append(drafts.clone(), Some(ledger.head()), now)?;
    println!(
        "appended {} events (seq {}..={}), head {}",
        out.appended.end - out.appended.start,
        out.appended.start,
        out.head.seq,
        out.head
    );
    let kept_head = out.head;
    let june_batch_head = out.head;

    step(3, "idempotency: appending the same file again is a no-op");
    let again = ledger.append(drafts, None, now)?;
    println!(
        "appended {}, already present {} (same id, same content); head unchanged: {}",
        again.appended.end - again.appended.start,
        again.duplicates.len(),
        again.head == kept_head
    );

    step(4, "bad input: a batch with one bad line appends nothing");
    let bad = format!(
        "{}\n{}",
        r#"{"id":"late-fee","stream":"bilag6-example","actor":{"party":"supplier","identity":"sd"},"occurred_at":"2025-07-14T09:00:00Z","kind":"fee_recorded","data":{"month":"2025-06","amount_ore":120000,"fee_kind":"hourly"}}"#,
        r#"{"id":"ghost","stream":"bilag6-example","actor":{"party":"supplier","identity":"sd"},"kind":"incident_resolved","data":{"incident_id":"INC-9999","resolved_at":"2025-06-30T12:00:00+02:00","method":"remedy"}}"#
    );
    let err = ledger
        .append(input::parse_jsonl(&bad)?, None, now)
        .expect_err("the demo's bad batch must be rejected");
    println!("rejected: {err}");
    println!("head unchanged: {}", ledger.head() == kept_head);
    let err = input::parse_jsonl(r#"{"id":"x","stream":"bilag6-example","actor":{"party":"supplier","identity":"sd"},"kind":"incident_resolved","data":{"incident_id":"INC-1","resolved_at":"2025-06-30T12:00:00","method":"remedy"}}"#)
        .expect_err("a local time without offset must be rejected");
    println!("rejected: {err}");

    step(5, "log: the resolutions of June, from the kind index");
    let kind = slaledger_ledger::event::Event::KIND_NAMES
        .iter()
        .position(|k| *k == "incident_resolved")
        .unwrap_or(0) as u16;
    for seq in ledger.index()?.kind_seqs(kind, 0).take(3) {
        let seq = seq?;
        let ev = ledger.read(seq)?;
        println!("{}", input::to_json_line(seq, &ledger.hash_at(seq)?, &ev));
    }
    println!("...");

    step(
        6,
        "report: June 2025 under the Bilag 6 SLA, evaluated at the ledger head (SPEC §8.7)",
    );
    let q = slaledger_replay::month::MonthQuery::new(
        "bilag6-example",
        slaledger_ledger::vocab::Month::parse("2025-06").context("month")?,
        None,
    );
    let report = slaledger_replay::month::month_report(&ledger, &q)?;
    let md = slaledger_projections::report::to_markdown(&report);
    // The summary: header, goal table, month total and open clocks; the
    // JSON (`slaledger report --month 2025-06`) holds every measurement.
    for section in md.split("\n## ") {
        if section.starts_with("Breaches") || section.starts_with("Policies") {
            continue;
        }
        let section = section.trim_end();
        if section.starts_with('#') {
            println!("{section}");
        } else {
            println!("\n## {section}");
        }
    }
    println!(
        "\ncanonical JSON: {} bytes, report hash {} (byte-identical on every run)",
        report.canonical.len(),
        report.hash
    );

    step(
        7,
        "a second stream under the Bilag 7.2.A operations annex: March 2025 (SPEC §6)",
    );
    let kombit = Actor {
        party: Party::Customer,
        identity: "driftschef@kombit.dk".into(),
        operated_by: None,
    };
    let draft = crate::rules::rule_set_draft(
        B72A_RULES,
        Path::new("examples/bilag7-2a/rules.toml"),
        kombit,
        now,
    )?;
    ledger.append(vec![draft], None, now)?;
    let spring = input::parse_jsonl(B72A_SPRING)?;
    let out = ledger.append(spring, None, now)?;
    println!(
        "appended {} events of stream `b72a-example`; head {}",
        out.appended.end - out.appended.start,
        out.head
    );
    let q = slaledger_replay::month::MonthQuery::new(
        "b72a-example",
        slaledger_ledger::vocab::Month::parse("2025-03").context("month")?,
        Some(Instant::parse("2025-05-30T10:00:00Z")?),
    );
    let report = slaledger_replay::month::month_report(&ledger, &q)?;
    let md = slaledger_projections::report::to_markdown(&report);
    // The goals that were not met, and the findings: Tabel 7 by the 90 %
    // fractile, notification, service desk, problems.
    println!(
        "goals not met in March 2025 (of {}):",
        md.lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| goal"))
            .count()
    );
    for l in md.lines().filter(|l| l.contains("| not met")) {
        println!("{l}");
    }
    if let Some(f) = md.split("\n## Findings\n\n").nth(1) {
        println!("findings:");
        for l in f
            .lines()
            .take_while(|l| !l.starts_with('#'))
            .filter(|l| !l.is_empty())
        {
            println!("{l}");
        }
    }
    if let Some(total) = md.lines().find(|l| l.starts_with("**Month total:**")) {
        println!("{total}  (the rule set maps missed goals to points, SPEC §10)");
    }
    println!("report hash {}", report.hash);

    step(
        8,
        "availability in June 2025: a window overrun, a non-redundant state, a third party's outage, probes and control measurements (SPEC §6.6-6.9)",
    );
    let out = ledger.append(input::parse_jsonl(B72A_JUNE)?, None, now)?;
    println!(
        "appended {} events of stream `b72a-example`; head {}",
        out.appended.end - out.appended.start,
        out.head
    );
    let q = slaledger_replay::month::MonthQuery::new(
        "b72a-example",
        slaledger_ledger::vocab::Month::parse("2025-06").context("month")?,
        Some(Instant::parse("2025-07-15T10:00:00Z")?),
    );
    let report = slaledger_replay::month::month_report(&ledger, &q)?;
    let md = slaledger_projections::report::to_markdown(&report);
    for l in md.lines().filter(|l| {
        (l.starts_with("| availability") && l.contains(", production |"))
            || l.starts_with("| KTS")
            || l.starts_with("| user-experienced availability, combined, production")
            || l.starts_with("| control measurements")
    }) {
        println!("{l}");
    }
    if let Some(d) = md.split("\n## Downtime, exclusions and windows\n\n").nth(1) {
        println!("where the production application minutes come from:");
        for l in d.lines().skip(2).take_while(|l| l.starts_with("- ")) {
            println!("{l}");
        }
    }
    for l in md.lines().filter(|l| {
        l.starts_with("- probe_trigger_without_incident") || l.starts_with("- failing_control")
    }) {
        println!("{l}");
    }

    step(
        9,
        "a third stream: the VDX quarterly report for May-July 2025 (SPEC §7)",
    );
    let medcom = Actor {
        party: Party::Supplier,
        identity: "drift@medcom.example".into(),
        operated_by: None,
    };
    let draft =
        crate::rules::rule_set_draft(VDX_RULES, Path::new("examples/vdx/rules.toml"), medcom, now)?;
    // The VDX events run to the end of July: recorded in August.
    let august = Instant::parse("2025-08-10T10:00:00Z")?;
    let before = ledger.head();
    let before_recorded = ledger.recorded_at(before.seq)?;
    ledger.append(vec![draft], None, august)?;
    let out = ledger.append(input::parse_jsonl(VDX_2025)?, None, august)?;
    println!(
        "appended {} events of stream `vdx` (daily probe summaries, counters, a comment); head {}",
        out.appended.end - out.appended.start,
        out.head
    );
    // As `append` does: the first append of August snapshots every stream
    // at the month's start (issue 6).
    crate::snapshot_cmd::after_append(&ledger, before, before_recorded);
    let q = slaledger_replay::quarter::QuarterQuery {
        stream: "vdx".into(),
        first: slaledger_ledger::vocab::Month::parse("2025-05").context("month")?,
        eval: Some(Instant::parse("2025-08-10T10:00:00Z")?),
    };
    let quarter = slaledger_replay::quarter::quarter_report(&ledger, &q)?;
    let md = slaledger_projections::quarterly::to_markdown(&quarter);
    for l in md
        .lines()
        .skip_while(|l| !l.starts_with("## Afrapportering"))
        .take_while(|l| !l.starts_with("## Historiske"))
        .filter(|l| !l.is_empty())
    {
        println!("{l}");
    }
    println!("report hash {}", quarter.hash);

    step(
        10,
        "as-of replay: June's Bilag 6 report as submitted on 14 July, and now, after a correction recorded on 12 August (SPEC §9.2, §9.5)",
    );
    let submitted_at = Instant::parse("2025-07-14T12:00:00+02:00")?;
    let june_m = slaledger_ledger::vocab::Month::parse("2025-06").context("month")?;
    let mut june =
        slaledger_replay::month::MonthQuery::new("bilag6-example", june_m, Some(submitted_at));
    june.as_of = Some(submitted_at);
    let as_submitted = slaledger_replay::month::month_report(&ledger, &june)?;
    let august12 = Instant::parse("2025-08-12T12:00:00+02:00")?;
    let out = ledger.append(input::parse_jsonl(CORRECTION)?, None, august12)?;
    let correction_seq = out.head.seq;
    println!(
        "appended a correction on 12 August: contact `INC-2025-0606/contact-1` came in at 09:20, not 09:00; head {}",
        out.head
    );

    let again = slaledger_replay::month::month_report(&ledger, &june)?;
    println!(
        "replayed as of {submitted_at}: report hash {}, the same bytes as submitted: {}",
        again.hash,
        again.canonical == as_submitted.canonical
    );
    // Now, judged at the same evaluation time: only the ledger differs.
    let now_q =
        slaledger_replay::month::MonthQuery::new("bilag6-example", june_m, Some(submitted_at));
    let now_r = slaledger_replay::month::month_report(&ledger, &now_q)?;
    let d = slaledger_replay::diff::diff(
        &serde_json::from_str(&as_submitted.canonical)?,
        &serde_json::from_str(&now_r.canonical)?,
    )?;
    print!("{}", slaledger_replay::diff::to_markdown(&d));

    step(
        11,
        "a dispute claim as an overlay: the customer says the C incident INC-J4 of June was priority A (SPEC §9.4)",
    );
    let mut plain = slaledger_replay::month::MonthQuery::new(
        "b72a-example",
        slaledger_ledger::vocab::Month::parse("2025-06").context("month")?,
        Some(Instant::parse("2025-07-15T10:00:00Z")?),
    );
    let before = slaledger_replay::month::month_report(&ledger, &plain)?;
    plain.assumed = ledger.check_assumed(input::parse_jsonl(PRIORITY_CLAIM)?, august12)?;
    let claimed = slaledger_replay::month::month_report(&ledger, &plain)?;
    let d = slaledger_replay::diff::diff(
        &serde_json::from_str(&before.canonical)?,
        &serde_json::from_str(&claimed.canonical)?,
    )?;
    let md = slaledger_replay::diff::to_markdown(&d);
    for l in md.lines().filter(|l| {
        l.starts_with("Points")
            || l.contains("].verdict")
            || l.contains("].points")
            || l.starts_with("- ")
    }) {
        println!("{l}");
    }
    let last_batch = out.appended.end - out.appended.start;
    let kept_head = ledger.head();

    step(
        12,
        "snapshots: June's state, the same reports from it, and a damaged snapshot that is ignored (issue 6)",
    );
    for stream in ["bilag6-example", "b72a-example"] {
        let c = slaledger_snapshots::create(&ledger, stream, june_m, None)?;
        println!(
            "snapshot of `{stream}` for months from 2025-06 at seq {}: {} events kept, {} probe samples left out, {} bytes",
            c.meta.seq, c.kept, c.meta.left_out, c.bytes
        );
    }
    let mut q =
        slaledger_replay::month::MonthQuery::new("bilag6-example", june_m, Some(submitted_at));
    let from_snapshot = slaledger_replay::month::month_computed(&ledger, &q)?;
    q.use_snapshots = false;
    let from_start = slaledger_replay::month::month_computed(&ledger, &q)?;
    println!(
        "June Bilag 6 report from the snapshot (seq {}, {} events read after it): hash {}; from the ledger's start: hash {}; same bytes: {}",
        from_snapshot.used.as_ref().map_or(0, |u| u.seq),
        from_snapshot.used.as_ref().map_or(0, |u| u.read_after),
        from_snapshot.report.hash,
        from_start.report.hash,
        from_snapshot.report.canonical == from_start.report.canonical
    );
    let damaged = slaledger_snapshots::store::list(ledger.dir())?
        .into_iter()
        .find(|e| e.stream == "b72a-example" && e.month == june_m)
        .context("the b72a snapshot")?;
    let mut bytes = std::fs::read(&damaged.path)?;
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&damaged.path, &bytes)?;
    println!("changed one byte of {}", damaged.path.display());
    let mut q =
        slaledger_replay::month::MonthQuery::new("b72a-example", june_m, Some(submitted_at));
    let r = crate::snapshot_cmd::month_report(&ledger, &q)?;
    q.use_snapshots = false;
    println!(
        "June Bilag 7.2.A report: hash {}, the same bytes as from the start: {}",
        r.hash,
        r.canonical == slaledger_replay::month::month_report(&ledger, &q)?.canonical
    );
    for e in slaledger_snapshots::store::list(ledger.dir())? {
        let verdict = match slaledger_snapshots::verify(&ledger, &e)? {
            slaledger_snapshots::Verdict::Matches(_) => {
                "recomputed from the start: same bytes".to_owned()
            }
            slaledger_snapshots::Verdict::Differs(_) => "DIFFERS from its recomputation".to_owned(),
            slaledger_snapshots::Verdict::Invalid(why) => {
                format!("invalid ({why}): never used; `snapshot prune` removes it")
            }
        };
        println!(
            "snapshot verify {}: {verdict}",
            e.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
    }
    step(
        13,
        "audit: checkpoints signed by the supplier and cosigned by the customer (C2SP), an inclusion proof of the August correction and a consistency proof, checked offline (issue 7)",
    );
    audit(&ledger, june_batch_head.seq, correction_seq)?;
    drop(ledger);

    step(14, "verify: recompute the whole chain and check the index");
    let rep = verify::verify_dir(&ledger_dir, Some(kept_head))?;
    crate::print_verify(&rep);
    println!("an auditor keeps the head {kept_head} and later proves the ledger still holds it with `verify --expect-head`");

    step(
        15,
        "tamper detection: a copy of the ledger with one byte changed",
    );
    let copy = root.join("tampered");
    copy_ledger(&ledger_dir, &copy)?;
    let seg = first_segment(&copy)?;
    let mut bytes = std::fs::read(&seg)?;
    let at = find(&bytes, b"09:40")
        .or_else(|| find(&bytes, b"Mette"))
        .unwrap_or(bytes.len() / 2);
    bytes[at] ^= 0x01;
    std::fs::write(&seg, &bytes)?;
    println!("changed byte {at} of {}", seg.display());
    crate::print_verify(&verify::verify_dir(&copy, None)?);

    step(16, "truncation detection: a copy that lost its last batch still verifies alone, but not against the kept head");
    let copy2 = root.join("truncated");
    copy_ledger(&ledger_dir, &copy2)?;
    let seg = first_segment(&copy2)?;
    let keep_len = {
        let (l, _) = Ledger::open(
            &copy2,
            LedgerOptions {
                index: false,
                ..Default::default()
            },
        )?;
        let seq = l.head().seq - last_batch;
        let mut it = l.frames_from(seq + 1);
        let (pos, _) = it.next().context("no records")??;
        pos.offset
    };
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)?
        .set_len(keep_len)?;
    let _ = std::fs::remove_dir_all(copy2.join("index"));
    print!("without the kept head:  ");
    crate::print_verify(&verify::verify_dir(&copy2, None)?);
    print!("with --expect-head:     ");
    crate::print_verify(&verify::verify_dir(&copy2, Some(kept_head))?);

    step(17, "crash recovery: a copy whose last append was torn mid-write (a power loss): open cuts the partial batch and keeps its bytes aside, every acknowledged batch is there, and the same file goes in whole");
    torn_append(&ledger_dir, &root)?;

    println!(
        "\nDone. The README's \"Using it\" section has the command behind each step (key, checkpoint, prove, verify-proof, evidence, snapshot, replay, diff, dispute)."
    );
    Ok(())
}

/// Step 17: the bytes a large batch writes, half of them put at the end of
/// a fresh copy of the ledger as a power loss before its fdatasync would
/// leave them (never acknowledged, never indexed); then reopen, append the
/// same batch again and verify.
fn torn_append(ledger_dir: &Path, root: &Path) -> Result<()> {
    let text: String = (0..2000)
        .map(|i| {
            format!(
                r#"{{"id":"demo-import/fee-{i:04}","stream":"bilag6-example","actor":{{"party":"supplier","identity":"fakturering@leverandor.dk"}},"occurred_at":"2025-08-12T11:00:00+02:00","kind":"fee_recorded","data":{{"month":"2025-07","amount_ore":{},"fee_kind":"hourly","invoice_ref":"timeregistrering 2025-07 linje {i}"}}}}"#,
                50_000 + i
            ) + "\n"
        })
        .collect();
    let drafts = input::parse_jsonl(&text)?;
    // The batch's bytes, from a scratch copy that appends it whole.
    let scratch = root.join("torn-scratch");
    copy_ledger(ledger_dir, &scratch)?;
    let (mut l, _) = Ledger::open(&scratch, LedgerOptions::default())?;
    let before = l.head();
    let at = l.recorded_at(before.seq)?;
    let whole = l.append(drafts.clone(), None, at)?.head;
    let (pos, _) = l
        .frames_from(before.seq + 1)
        .next()
        .context("no records")??;
    drop(l);
    let seg_name = segment::segment_file_name(pos.segment);
    let bytes = std::fs::read(scratch.join("log").join(&seg_name))?;
    let batch = &bytes[pos.offset as usize..];
    // The torn copy: the ledger as it was, plus the first half of them.
    let copy = root.join("torn");
    copy_ledger(ledger_dir, &copy)?;
    let seg = copy.join("log").join(&seg_name);
    let half = &batch[..batch.len() / 2];
    std::fs::OpenOptions::new()
        .append(true)
        .open(&seg)?
        .write_all(half)?;
    println!(
        "a batch of {} fee events (an invoice import, {} bytes) was being written when the power failed: {} of its bytes reached {}, its fdatasync never returned",
        drafts.len(),
        batch.len(),
        half.len(),
        seg.display()
    );
    let (mut l, report) = Ledger::open(&copy, LedgerOptions::default())?;
    let (_, offset, len, kept) = report
        .cut_tail
        .as_ref()
        .context("open did not cut the torn batch")?;
    println!(
        "open: cut the incomplete tail ({len} bytes at offset {offset}), kept in {}; head {} (as before the batch: {})",
        kept.display(),
        l.head(),
        l.head() == before
    );
    let again = l.append(drafts, None, at)?;
    println!(
        "the same file appended again: {} events, head {} (the very head the torn write would have given: {})",
        again.appended.count(),
        again.head,
        again.head == whole
    );
    drop(l);
    crate::print_verify(&verify::verify_dir(&copy, Some(whole))?);
    Ok(())
}

/// Step 13: two checkpoints (after the June batch, and now), each signed by
/// the supplier and cosigned by the customer; proofs checked with their
/// public keys only. The demo keys come from fixed seeds: never use them.
fn audit(ledger: &Ledger, june_size: u64, correction_seq: u64) -> Result<()> {
    use slaledger_ledger::checkpoint::{self, Checkpoint, PrivateKey};
    use slaledger_ledger::merkle;
    let supplier = PrivateKey::from_seed(
        "leverandor.example/drift",
        *b"demo supplier key: never use it!",
    )?;
    let customer = PrivateKey::from_seed(
        "kunde.example/kontrol",
        *b"demo customer key: never use it!",
    )?;
    let trusted = [supplier.note_vkey(), customer.cosigner_vkey()];
    let tree = slaledger_ledger::tiles::Tree::open(ledger)?;
    let sealed = |size: u64, time: u64| -> Result<String> {
        let cp = Checkpoint {
            origin: "leverandor.example/slaledger-demo".into(),
            size,
            root: tree.root(size)?,
            extensions: Vec::new(),
        };
        let note = checkpoint::cosign(&checkpoint::sign(&cp, &supplier)?, &customer, time)?;
        checkpoint::store::save(ledger.dir(), &checkpoint::store::file_name(&cp), &note)?;
        Ok(note)
    };
    // 14 July 2025 and 31 August 2025, 12:00 UTC.
    let july = sealed(june_size, 1_752_494_400)?;
    let now = sealed(tree.size(), 1_756_641_600)?;
    print!("{now}");
    let record = ledger.frame(correction_seq)?.record;
    let path = merkle::inclusion_proof(&tree, correction_seq - 1, tree.size())?.context("proof")?;
    let proof = checkpoint::inclusion_proof_text(&record, correction_seq - 1, &path, &now);
    println!(
        "inclusion proof of seq {correction_seq} (c2sp.org/tlog-proof@v1, {} hashes): {}",
        path.len(),
        checkpoint::check_inclusion(&proof, &trusted)?.summary
    );
    let consistency = checkpoint::ConsistencyProof {
        format: checkpoint::CONSISTENCY_FORMAT.into(),
        old: july,
        new: now,
        proof: merkle::consistency_proof(&tree, june_size, tree.size())?
            .context("proof")?
            .iter()
            .map(checkpoint::b64)
            .collect(),
    };
    let text = serde_json::to_string(&consistency)?;
    println!(
        "consistency proof: {}",
        checkpoint::check_consistency(&text, &trusted)?.summary
    );
    // The same record and path, claimed at the previous position.
    let forged = proof.replacen(
        &format!("\nindex {}\n", correction_seq - 1),
        &format!("\nindex {}\n", correction_seq - 2),
        1,
    );
    match checkpoint::check_inclusion(&forged, &trusted) {
        Ok(_) => println!(
            "the same proof claiming seq {}: ACCEPTED (defect)",
            correction_seq - 1
        ),
        Err(e) => println!(
            "the same proof claiming seq {}: rejected ({e})",
            correction_seq - 1
        ),
    }
    Ok(())
}

fn copy_ledger(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to.join("log"))?;
    for e in std::fs::read_dir(from.join("log"))? {
        let e = e?;
        std::fs::copy(e.path(), to.join("log").join(e.file_name()))?;
    }
    Ok(())
}

fn first_segment(dir: &Path) -> Result<PathBuf> {
    slaledger_ledger::segment::list_segments(&dir.join("log"))?
        .into_iter()
        .next()
        .map(|s| s.1)
        .context("no segment")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
