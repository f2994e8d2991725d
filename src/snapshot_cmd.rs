//! `slaledger snapshot ...` and the snapshot side of other commands: print
//! what the snapshots library did, never decide it.

use crate::cli::SnapshotCmd;
use anyhow::{Context, Result};
use slaledger_ledger::chain::{hex, ChainHead};
use slaledger_ledger::store::{Ledger, LedgerOptions};
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use slaledger_projections::calendar;
use slaledger_replay::month::{month_computed, MonthQuery};
use slaledger_snapshots::{self as snapshots, store, Verdict};
use std::path::Path;
use std::process::ExitCode;

/// Computes a month report, printing every snapshot left aside (and why)
/// to stderr, as the CLI's report and replay commands do.
pub fn month_report(
    ledger: &Ledger,
    q: &MonthQuery,
) -> Result<slaledger_projections::report::Report> {
    let c = month_computed(ledger, q)?;
    for w in &c.warnings {
        eprintln!("warning: {w}; reading further back");
    }
    Ok(c.report)
}

/// Runs a `snapshot` subcommand.
pub fn run(dir: &Path, what: SnapshotCmd) -> Result<ExitCode> {
    if let SnapshotCmd::Config { auto } = &what {
        let mut c = snapshots::config(dir)?;
        if let Some(a) = auto {
            c.auto = a == "on";
            snapshots::set_config(dir, c)?;
        }
        println!("auto = {}", if c.auto { "on" } else { "off" });
        return Ok(ExitCode::SUCCESS);
    }
    let (ledger, report) = Ledger::open(dir, LedgerOptions::default())?;
    crate::print_open_report(&report);
    match what {
        SnapshotCmd::Create { month, all, stream } => {
            let streams: Vec<String> = match stream {
                Some(s) => vec![s],
                None => ledger
                    .index()?
                    .streams()?
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect(),
            };
            let plan: Vec<(Month, Option<u64>)> = if all {
                month_starts(&ledger)?
            } else {
                let m = month.unwrap_or_default();
                vec![(
                    Month::parse(&m)
                        .with_context(|| format!("--month `{m}` is not a month YYYY-MM"))?,
                    None,
                )]
            };
            if plan.is_empty() {
                println!("no month has started in ledger time since the first record: nothing to snapshot (use --month M for the state at the head)");
            }
            for stream in &streams {
                for (m, at) in &plan {
                    match snapshots::create(&ledger, stream, *m, *at) {
                        Ok(c) => {
                            for w in &c.warnings {
                                eprintln!("warning: {w}");
                            }
                            println!(
                                "created {}: stream `{stream}`, months from {m}, at {}:{}, {} event(s) kept, {} probe sample(s) left out, {} bytes",
                                c.path.display(),
                                c.meta.seq,
                                hex(&c.meta.hash),
                                c.kept,
                                c.meta.left_out,
                                c.bytes
                            );
                        }
                        Err(snapshots::LoadError::NoEvents { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        SnapshotCmd::List => {
            let c = snapshots::config(dir)?;
            println!("auto = {}", if c.auto { "on" } else { "off" });
            for e in store::list(ledger.dir())? {
                match snapshots::check(&ledger, &e) {
                    Ok(m) => println!(
                        "{}  stream `{}`  months from {}  at {}  rule set {}  {} sample(s) left out  valid",
                        e.path.display(),
                        m.stream,
                        m.month,
                        ChainHead { seq: m.seq, hash: m.hash },
                        m.rule_set.as_deref().map_or("(none)", |h| &h[..16.min(h.len())]),
                        m.left_out
                    ),
                    Err(reason) => println!("{}  INVALID: {reason}", e.path.display()),
                }
            }
        }
        SnapshotCmd::Verify => {
            let mut bad = 0;
            let entries = store::list(ledger.dir())?;
            for e in &entries {
                let (verdict, m) = match snapshots::verify(&ledger, e)? {
                    Verdict::Matches(m) => ("ok", m),
                    Verdict::Differs(m) => ("FAILED", m),
                    Verdict::Invalid(reason) => {
                        bad += 1;
                        println!("INVALID: {}: {reason} (it is never used)", e.path.display());
                        continue;
                    }
                };
                let same = verdict == "ok";
                if !same {
                    bad += 1;
                }
                println!(
                    "{verdict}: {} (stream `{}`, months from {}, seq {}) {} its recomputation from the start",
                    e.path.display(),
                    m.stream,
                    m.month,
                    m.seq,
                    if same { "equals" } else { "differs from" }
                );
            }
            println!("{} snapshot(s), {bad} failed", entries.len());
            if bad > 0 {
                return Ok(ExitCode::from(1));
            }
        }
        SnapshotCmd::Prune { superseded } => {
            let removed = snapshots::prune(&ledger, superseded)?;
            for (e, why) in &removed {
                println!("removed {}: {why}", e.path.display());
            }
            println!("{} snapshot(s) removed", removed.len());
        }
        SnapshotCmd::Config { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// Every month that started in ledger time after the first record, with
/// the last position recorded before it.
fn month_starts(ledger: &Ledger) -> Result<Vec<(Month, Option<u64>)>> {
    let head = ledger.head().seq;
    if head == 0 {
        return Ok(Vec::new());
    }
    let first = calendar::month_of(ledger.recorded_at(1)?);
    let last = calendar::month_of(ledger.recorded_at(head)?);
    let mut out = Vec::new();
    let mut m = calendar::next_month(first);
    while m <= last {
        if let Some(p) = snapshots::month_start_position(ledger, m)? {
            out.push((m, Some(p)));
        }
        m = calendar::next_month(m);
    }
    Ok(out)
}

/// After an append: the automatic snapshots of a new month of ledger time
/// (when `snapshot config --auto` is on). A failure here is a warning: the
/// batch is already durable and snapshots are only a cache.
pub fn after_append(ledger: &Ledger, before: ChainHead, before_recorded: Instant) {
    let dir = ledger.dir().to_owned();
    match snapshots::config(&dir) {
        Ok(c) if !c.auto => return,
        Ok(_) => {}
        Err(e) => {
            eprintln!("warning: {e}; no automatic snapshot");
            return;
        }
    }
    match snapshots::after_append(ledger, before, before_recorded) {
        Ok(created) => {
            for c in created {
                println!(
                    "a new month of ledger time: snapshot of `{}` for {} at seq {} ({})",
                    c.meta.stream,
                    c.meta.month,
                    c.meta.seq,
                    c.path.display()
                );
            }
        }
        Err(e) => eprintln!("warning: automatic snapshot failed ({e}); the append stands"),
    }
}
