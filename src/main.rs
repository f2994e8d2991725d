//! `slaledger`: the command-line edge. It parses arguments, reads the clock
//! once per command, calls the libraries and prints; it owns argv, stdout,
//! stderr and exit codes. No domain logic lives here.

mod audit_cmd;
mod bench;
mod bench_availability;
mod bench_proofs;
mod bench_report;
mod bench_snapshots;
mod cli;
mod demo;
mod rules;
mod snapshot_cmd;

use anyhow::{Context, Result};
use clap::Parser;
use cli::{Cli, Command};
use slaledger_ledger::chain::ChainHead;
use slaledger_ledger::event::Event;
use slaledger_ledger::input;
use slaledger_ledger::store::{AppendError, Ledger, LedgerOptions, OpenReport};
use slaledger_ledger::time::Instant;
use slaledger_ledger::verify;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a year's report decodes ~2 M
/// events of several small allocations each, and glibc's malloc/free and
/// its fresh-page faults were ~40 % of that time (see docs/DESIGN.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Writing to a closed pipe (`slaledger report ... | head`) ends the
    // process quietly, as it does for other Unix tools, instead of
    // `println!` panicking with "failed printing to stdout". Nothing is at
    // risk: every append is durable before anything is printed about it.
    sigpipe::reset();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let dir = cli.ledger.clone();
    match cli.command {
        Command::Init { rules, actor } => {
            let actor = cli::parse_actor(&actor)?;
            let text = std::fs::read_to_string(&rules)
                .with_context(|| format!("reading rule set {}", rules.display()))?;
            let draft = rules::rule_set_draft(&text, &rules, actor, Instant::now())
                .with_context(|| format!("rule set {}", rules.display()))?;
            let stream = draft.event.stream.clone();
            let (mut ledger, report) = match Ledger::open(&dir, LedgerOptions::default()) {
                Ok(ok) => ok,
                Err(slaledger_ledger::store::OpenError::NotALedger(_)) => {
                    Ledger::create(&dir, LedgerOptions::default())?
                }
                Err(e) => return Err(e.into()),
            };
            print_open_report(&report);
            let out = ledger.append(vec![draft], None, Instant::now())?;
            println!(
                "initialised stream `{stream}` in {} at head {}",
                dir.display(),
                out.head
            );
        }
        Command::Append {
            file,
            expect_head,
            sign,
        } => {
            let expect = expect_head.map(|h| h.parse::<ChainHead>()).transpose()?;
            let text = read_input(&file)?;
            let mut drafts = input::parse_jsonl(&text)
                .with_context(|| format!("rejected {} (nothing appended)", file.display()))?;
            if let Some(key) = &sign {
                audit_cmd::sign_drafts(&mut drafts, key)?;
            }
            rules::check_rule_set_events(&drafts)
                .with_context(|| format!("rejected {} (nothing appended)", file.display()))?;
            let (mut ledger, report) = Ledger::open(&dir, LedgerOptions::default())?;
            print_open_report(&report);
            let before = ledger.head();
            let before_recorded = match before.seq {
                0 => Instant::from_millis(0),
                seq => ledger.recorded_at(seq)?,
            };
            let out = match ledger.append(drafts, expect, Instant::now()) {
                Ok(out) => out,
                // The batch is durable; only the index lags (it catches up on open).
                Err(e @ AppendError::AppendedButNotIndexed { .. }) => return Err(e.into()),
                // Not acknowledged, yet perhaps present after reopening.
                Err(e @ AppendError::MaybeAppended(_)) => return Err(e.into()),
                Err(e) => {
                    return Err(anyhow::Error::new(e)
                        .context(format!("rejected {} (nothing appended)", file.display())))
                }
            };
            println!(
                "appended {} event(s), {} already present (same id and content: no-op); head {}",
                out.appended.end - out.appended.start,
                out.duplicates.len(),
                out.head
            );
            for (id, seq) in &out.duplicates {
                println!("  already present: `{id}` at seq {seq}");
            }
            snapshot_cmd::after_append(&ledger, before, before_recorded);
        }
        Command::Log(f) => {
            let (ledger, report) = Ledger::open(&dir, LedgerOptions::default())?;
            print_open_report(&report);
            let filter = f.validate()?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for item in filter.run(&ledger)? {
                let (seq, hash, ev) = item?;
                if writeln!(out, "{}", input::to_json_line(seq, &hash, &ev)).is_err() {
                    break; // a closed pipe (`| head`) ends the listing quietly
                }
            }
            let _ = out.flush();
        }
        Command::Head => {
            let (ledger, report) = Ledger::open(&dir, LedgerOptions::default())?;
            print_open_report(&report);
            println!("{}", ledger.head());
            for (stream, seq) in ledger.index()?.streams()? {
                let n = ledger.index()?.stream_seqs(&stream, 0).count();
                println!("  stream `{stream}`: {n} event(s), rule set at seq {seq}");
            }
        }
        Command::Report(a) => {
            let (ledger, report) = Ledger::open(&dir, LedgerOptions::default())?;
            print_open_report(&report);
            let eval =
                a.at.as_deref()
                    .map(Instant::parse)
                    .transpose()
                    .context("--at")?;
            let stream = resolve_stream(&ledger, a.stream)?;
            let quarter_first = match (&a.quarter, &a.period_from) {
                (Some(qs), _) => Some(
                    slaledger_projections::quarterly::parse_quarter(qs)
                        .with_context(|| format!("--quarter `{qs}` is not a quarter YYYY-Qn"))?,
                ),
                (None, Some(p)) => Some(
                    slaledger_ledger::vocab::Month::parse(p)
                        .with_context(|| format!("--period-from `{p}` is not a month YYYY-MM"))?,
                ),
                (None, None) => None,
            };
            if let Some(first) = quarter_first {
                let q = slaledger_replay::quarter::QuarterQuery {
                    stream,
                    first,
                    eval,
                };
                let r = slaledger_replay::quarter::quarter_report(&ledger, &q)?;
                match a.format {
                    cli::ReportFormat::Json => println!("{}", r.canonical),
                    cli::ReportFormat::Md => {
                        print!("{}", slaledger_projections::quarterly::to_markdown(&r))
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            let m = a.month.unwrap_or_default();
            let month = slaledger_ledger::vocab::Month::parse(&m)
                .with_context(|| format!("--month `{m}` is not a month YYYY-MM"))?;
            let mut q = slaledger_replay::month::MonthQuery::new(stream, month, eval);
            q.use_snapshots = !a.output.no_snapshots;
            let r = snapshot_cmd::month_report(&ledger, &q)?;
            if let (Some(key), Some(out)) = (&a.output.sign, &a.output.receipt) {
                audit_cmd::write_receipt(&ledger, &r, key, out)?;
            }
            match a.format {
                cli::ReportFormat::Json => println!("{}", r.canonical),
                cli::ReportFormat::Md => {
                    print!("{}", slaledger_projections::report::to_markdown(&r))
                }
            }
        }
        Command::Replay(a) => {
            let (mut ledger, report) = Ledger::open(&dir, LedgerOptions::default())?;
            print_open_report(&report);
            if let Some(path) = &a.check {
                let (text, v) = read_report(path)?;
                let mut q = slaledger_replay::check::query_from_report(&v)
                    .with_context(|| format!("{} does not name its inputs", path.display()))?;
                if let Some(file) = &a.assume {
                    q.assumed = assumed_events(&mut ledger, file, &q)?;
                }
                q.use_snapshots = !a.output.no_snapshots;
                let r = snapshot_cmd::month_report(&ledger, &q)?;
                if r.canonical == text.trim_end() {
                    println!(
                        "ok: {} reproduces byte for byte (report hash {})",
                        path.display(),
                        r.hash
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                let now: serde_json::Value = serde_json::from_str(&r.canonical)?;
                println!(
                    "FAILED: {} does not reproduce; recomputed from the inputs its header names:",
                    path.display()
                );
                if v["header"]["software"] != now["header"]["software"] {
                    println!(
                        "note: the report was made by another software version ({})",
                        v["header"]["software"]
                    );
                }
                print_diff(&slaledger_replay::diff::diff(&v, &now)?, a.format)?;
                return Ok(ExitCode::from(1));
            }
            let m = a.month.clone().unwrap_or_default();
            let month = slaledger_ledger::vocab::Month::parse(&m)
                .with_context(|| format!("--month `{m}` is not a month YYYY-MM"))?;
            let parse = |s: &Option<String>, what: &str| -> Result<Option<Instant>> {
                s.as_deref()
                    .map(Instant::parse)
                    .transpose()
                    .with_context(|| what.to_owned())
            };
            let mut q = slaledger_replay::month::MonthQuery::new(
                resolve_stream(&ledger, a.stream.clone())?,
                month,
                parse(&a.at, "--at")?,
            );
            q.as_of = parse(&a.as_of, "--as-of")?;
            q.use_snapshots = !a.output.no_snapshots;
            if let Some(file) = &a.assume {
                q.assumed = assumed_events(&mut ledger, file, &q)?;
            }
            for p in &a.policies {
                let (n, v) = p
                    .split_once('=')
                    .with_context(|| format!("--policy `{p}` is not NAME=VALUE"))?;
                q.overrides.push((n.trim().to_owned(), v.trim().to_owned()));
            }
            if a.stepwise {
                let steps = slaledger_replay::month::stepwise(&ledger, &q)?;
                match a.format {
                    cli::ReportFormat::Json => println!("{}", serde_json::to_string(&steps)?),
                    cli::ReportFormat::Md => {
                        print!("{}", slaledger_replay::month::steps_markdown(&steps))
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            let r = snapshot_cmd::month_report(&ledger, &q)?;
            if let (Some(key), Some(out)) = (&a.output.sign, &a.output.receipt) {
                audit_cmd::write_receipt(&ledger, &r, key, out)?;
            }
            if let Some(path) = &a.against {
                let (_, before) = read_report(path)?;
                let now: serde_json::Value = serde_json::from_str(&r.canonical)?;
                print_diff(&slaledger_replay::diff::diff(&before, &now)?, a.format)?;
                return Ok(ExitCode::SUCCESS);
            }
            match a.format {
                cli::ReportFormat::Json => println!("{}", r.canonical),
                cli::ReportFormat::Md => {
                    print!("{}", slaledger_projections::report::to_markdown(&r))
                }
            }
        }
        Command::Dispute {
            what: cli::DisputeCmd::Show { month, stream, at },
        } => {
            let (mut ledger, report) = Ledger::open(&dir, LedgerOptions::default())?;
            print_open_report(&report);
            let month = slaledger_ledger::vocab::Month::parse(&month)
                .with_context(|| format!("`{month}` is not a month YYYY-MM"))?;
            let stream = resolve_stream(&ledger, stream)?;
            let eval = at
                .as_deref()
                .map(Instant::parse)
                .transpose()
                .context("--at")?;
            print!("{}", dispute_show(&mut ledger, &stream, month, eval)?);
        }
        Command::Diff { a, b, format } => {
            let (_, x) = read_report(&a)?;
            let (_, y) = read_report(&b)?;
            print_diff(&slaledger_replay::diff::diff(&x, &y)?, format)?;
        }
        Command::Verify { expect_head } => {
            let expect = expect_head.map(|h| h.parse::<ChainHead>()).transpose()?;
            let rep = verify::verify_dir(&dir, expect)?;
            return Ok(print_verify(&rep));
        }
        Command::Reindex => {
            let (mut ledger, report) = Ledger::open(
                &dir,
                LedgerOptions {
                    index: false,
                    ..Default::default()
                },
            )?;
            print_open_report(&report);
            let n = ledger.reindex()?;
            println!(
                "rebuilt the index from the log: {n} record(s), head {}",
                ledger.head()
            );
        }
        Command::Snapshot { what } => return snapshot_cmd::run(&dir, what),
        Command::Key { what } => return audit_cmd::key(what),
        Command::Checkpoint { what } => return audit_cmd::checkpoint_cmd(&dir, what),
        Command::Prove { what } => return audit_cmd::prove(&dir, what),
        Command::Evidence { what } => return audit_cmd::evidence(&dir, what),
        Command::VerifyProof { file, keys, report } => {
            return audit_cmd::verify_proof(&file, &keys, report.as_deref())
        }
        Command::Demo { dir: demo_dir } => demo::run(demo_dir.as_deref())?,
        Command::Bench(args) => bench::run(&args)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The stream a command names, or the ledger's only stream.
pub(crate) fn resolve_stream(ledger: &Ledger, stream: Option<String>) -> Result<String> {
    if let Some(s) = stream {
        return Ok(s);
    }
    let streams = ledger.index()?.streams()?;
    match streams.as_slice() {
        [(only, _)] => Ok(only.clone()),
        [] => anyhow::bail!("the ledger has no streams yet (slaledger init)"),
        many => anyhow::bail!(
            "the ledger has {} streams ({}); choose one with --stream",
            many.len(),
            many.iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Reads, parses and validates an overlay's assumed events, as if recorded
/// at the query's position (its as-of instant, or the `recorded_at` there).
fn assumed_events(
    ledger: &mut Ledger,
    file: &Path,
    q: &slaledger_replay::month::MonthQuery,
) -> Result<Vec<slaledger_ledger::event::StoredEvent>> {
    let text = read_input(file)?;
    let rejected = || format!("rejected overlay {} (replay not run)", file.display());
    let drafts = input::parse_jsonl(&text).with_context(rejected)?;
    rules::check_rule_set_events(&drafts).with_context(rejected)?;
    let at = match (q.as_of, q.position) {
        (Some(t), _) => t,
        (None, Some((seq, _))) => ledger.read(seq)?.recorded_at,
        (None, None) => ledger.read(ledger.head().seq)?.recorded_at,
    };
    ledger.check_assumed(drafts, at).with_context(rejected)
}

/// The history of a month's disputes (SPEC §9.6): for each, its events,
/// the figures as reported when it was opened, each party's latest claim
/// replayed as an overlay, the current (settled or disputed) report, and
/// the diffs from the reported figures.
fn dispute_show(
    ledger: &mut Ledger,
    stream: &str,
    month: slaledger_ledger::vocab::Month,
    eval: Option<Instant>,
) -> Result<String> {
    use slaledger_replay::month::{month_report, stream_events, MonthQuery};
    use std::fmt::Write as _;
    let read = stream_events(ledger, stream)?;
    let disputes = slaledger_replay::dispute::disputes_of(&read.events, month);
    let mut out = format!("# Disputes about {stream} {month}\n");
    if disputes.is_empty() {
        out.push_str("\nNo dispute names this month.\n");
        return Ok(out);
    }
    let summary = |r: &slaledger_projections::report::Report| -> Result<String> {
        let v: serde_json::Value = serde_json::from_str(&r.canonical)?;
        let t = &v["month_total"];
        Ok(format!(
            "{} points, bod {} ({}), report hash {}",
            t["points"].as_str().unwrap_or_default(),
            t["bod_ore"],
            t["bod_state"].as_str().unwrap_or_default(),
            r.hash
        ))
    };
    let diff_md = |a: &slaledger_projections::report::Report,
                   b: &slaledger_projections::report::Report|
     -> Result<String> {
        let d = slaledger_replay::diff::diff(
            &serde_json::from_str(&a.canonical)?,
            &serde_json::from_str(&b.canonical)?,
        )?;
        Ok(slaledger_replay::diff::to_markdown(&d)
            .replacen("# ", "#### ", 1)
            .replace("\n## ", "\n##### "))
    };
    for d in &disputes {
        let s = &d.state;
        let _ = writeln!(
            out,
            "\n## Dispute {} ({}, stage {}{})\n",
            s.id,
            if s.settled.is_some() {
                "settled"
            } else {
                "open"
            },
            s.stage,
            if s.deferred { ", deferred" } else { "" }
        );
        for e in &d.events {
            let ev = ledger.read(e.seq)?;
            let _ = writeln!(
                out,
                "- {}@{}: {} by {} (recorded {})",
                e.id,
                e.seq,
                ev.event.kind(),
                ev.actor.party.as_str(),
                ev.recorded_at
            );
        }
        // The ledger as it stood just before the dispute was opened.
        let before = d.events[0].seq.saturating_sub(1);
        let mut reported_q = MonthQuery::new(stream, month, eval);
        reported_q.position = Some((before, ledger.hash_at(before)?));
        let reported = month_report(ledger, &reported_q)?;
        let _ = writeln!(
            out,
            "\n### As reported before the dispute was opened (ledger through seq {before})\n\n{}",
            summary(&reported)?
        );
        for (party, overlay, claim) in &d.claims {
            let (overrides, assumed) = slaledger_replay::dispute::parse_claim(overlay);
            // Replayed on the ledger as it stood when the claim was made.
            let mut q = MonthQuery::new(stream, month, eval);
            q.overrides = overrides;
            q.position = Some((claim.seq, ledger.hash_at(claim.seq)?));
            let at = ledger.read(claim.seq)?.recorded_at;
            q.assumed = ledger
                .check_assumed(input::parse_jsonl(&assumed)?, at)
                .with_context(|| format!("the claim {}@{} does not replay", claim.id, claim.seq))?;
            let r = month_report(ledger, &q)?;
            let _ = writeln!(
                out,
                "\n### The {}'s claim ({}@{})\n\n{}\n\n{}",
                party.as_str(),
                claim.id,
                claim.seq,
                summary(&r)?,
                diff_md(&reported, &r)?
            );
        }
        let now = month_report(ledger, &MonthQuery::new(stream, month, eval))?;
        let _ = writeln!(
            out,
            "\n### {} report\n\n{}\n\n{}",
            if s.settled.is_some() {
                "The settled"
            } else {
                "The current (disputed)"
            },
            summary(&now)?,
            diff_md(&reported, &now)?
        );
    }
    Ok(out)
}

/// Reads a report JSON file.
fn read_report(path: &Path) -> Result<(String, serde_json::Value)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    Ok((text, v))
}

fn print_diff(d: &slaledger_replay::diff::ReportDiff, format: cli::ReportFormat) -> Result<()> {
    match format {
        cli::ReportFormat::Json => println!("{}", serde_json::to_string(d)?),
        cli::ReportFormat::Md => print!("{}", slaledger_replay::diff::to_markdown(d)),
    }
    Ok(())
}

fn read_input(file: &Path) -> Result<String> {
    let mut text = String::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
    } else {
        text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    }
    Ok(text)
}

/// Tells the user what opening the ledger repaired.
pub fn print_open_report(r: &OpenReport) {
    if let Some((seg, off, len, q)) = &r.cut_tail {
        eprintln!(
            "note: cut an incomplete tail of {len} byte(s) at byte {off} of {} (an unacknowledged write interrupted by a crash); the bytes are kept in {}",
            seg.display(),
            q.display()
        );
    }
    if r.rebuilt_index {
        eprintln!("note: the index did not match the log and was rebuilt");
    }
    if r.indexed > 0 {
        eprintln!(
            "note: the index caught up with the log ({} record(s))",
            r.indexed
        );
    }
}

/// Prints a verification report; exit 0 only when everything holds.
pub fn print_verify(rep: &verify::VerifyReport) -> ExitCode {
    for n in &rep.notes {
        println!("note: {n}");
    }
    if rep.ok() {
        let head = rep.head.map(|h| h.to_string()).unwrap_or_default();
        println!(
            "ok: {} record(s) in {} segment(s) verify; head {head}",
            rep.records, rep.segments
        );
        ExitCode::SUCCESS
    } else {
        println!("FAILED after {} verified record(s):", rep.records);
        for p in &rep.problems {
            println!("  {p}");
        }
        ExitCode::from(2)
    }
}

/// Kind names for `--kind` validation.
pub fn known_kind(k: &str) -> bool {
    Event::KIND_NAMES.contains(&k)
}
