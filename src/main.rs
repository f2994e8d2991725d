//! `slaledger`: the command-line edge. It parses arguments, reads the clock
//! once per command, calls the libraries and prints; it owns argv, stdout,
//! stderr and exit codes. No domain logic lives here.

mod bench;
mod bench_availability;
mod bench_report;
mod cli;
mod demo;
mod rules;

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

fn main() -> ExitCode {
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
        Command::Append { file, expect_head } => {
            let expect = expect_head.map(|h| h.parse::<ChainHead>()).transpose()?;
            let text = read_input(&file)?;
            let drafts = input::parse_jsonl(&text)
                .with_context(|| format!("rejected {} (nothing appended)", file.display()))?;
            rules::check_rule_set_events(&drafts)
                .with_context(|| format!("rejected {} (nothing appended)", file.display()))?;
            let (mut ledger, report) = Ledger::open(&dir, LedgerOptions::default())?;
            print_open_report(&report);
            let out = match ledger.append(drafts, expect, Instant::now()) {
                Ok(out) => out,
                // The batch is durable; only the index lags (it catches up on open).
                Err(e @ AppendError::AppendedButNotIndexed { .. }) => return Err(e.into()),
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
            let q = slaledger_replay::month::MonthQuery::new(stream, month, eval);
            let r = slaledger_replay::month::month_report(&ledger, &q)?;
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
                let r = slaledger_replay::month::month_report(&ledger, &q)?;
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
            if let Some(file) = &a.assume {
                q.assumed = assumed_events(&mut ledger, file, &q)?;
            }
            for p in &a.policies {
                let (n, v) = p
                    .split_once('=')
                    .with_context(|| format!("--policy `{p}` is not NAME=VALUE"))?;
                q.overrides.push((n.trim().to_owned(), v.trim().to_owned()));
            }
            let r = slaledger_replay::month::month_report(&ledger, &q)?;
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
        Command::Demo { dir: demo_dir } => demo::run(demo_dir.as_deref())?,
        Command::Bench(args) => bench::run(&args)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The stream a command names, or the ledger's only stream.
fn resolve_stream(ledger: &Ledger, stream: Option<String>) -> Result<String> {
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
