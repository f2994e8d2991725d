//! `slaledger bench --snapshots`: issue 6's benchmark. Three years of
//! response-time probes every 5 minutes on 9 measuring points, recorded
//! day by day as a monitoring feed would (each day's batch stamped just
//! after its last round), 20 incidents a month, with the automatic
//! month-start snapshots an append makes. Then the last month's report
//! from the start of the ledger and from its snapshot.

use crate::bench::{status_kib, Rng};
use crate::bench_availability::{incident_lines, probe_round, rules, POINTS, STREAM};
use anyhow::{Context, Result};
use slaledger_ledger::input;
use slaledger_ledger::store::{Ledger, LedgerOptions};
use slaledger_ledger::vocab::Month;
use slaledger_projections::calendar;
use slaledger_replay::month::{month_computed, MonthQuery};
use std::path::Path;
use std::time::Instant as Clock;

const ROUNDS_PER_DAY: i64 = 288;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn min(v: &[f64]) -> f64 {
    v.iter().cloned().fold(f64::INFINITY, f64::min)
}

/// Builds the ledger; returns (events, seconds spent in automatic
/// snapshots, how many were made).
fn build(dir: &Path, months: &[Month]) -> Result<(usize, Vec<f64>)> {
    let first = months[0];
    let t0 = calendar::month_bounds(first)
        .0
        .saturating_add_millis(-3_600_000);

    // Nine UI measuring points; the rule set governs from the first month.
    let text: String = rules()
        .lines()
        .filter(|l| !l.starts_with("\"SV-"))
        .map(|l| {
            if l.starts_with("effective_from") {
                format!("effective_from = \"{first}\"\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let mut ledger = crate::bench::ledger_with_rules(dir, &text, t0)?;
    let points: Vec<(&str, &str, u8)> = POINTS.iter().copied().filter(|p| p.1 == "ui").collect();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut total, mut snap_secs) = (0, Vec::new());
    for m in months {
        let (start, end) = calendar::month_bounds(*m);
        let rounds = (end.millis() - start.millis()) / 300_000;
        let mut r = 0;
        while r < rounds {
            let last = (r + ROUNDS_PER_DAY).min(rounds);
            let mut text = String::new();
            for k in r..last {
                let at = start.saturating_add_millis(k * 300_000);
                probe_round(&mut text, &format!("{m}/{k}"), at, &points, &mut rng);
            }
            if last == rounds {
                incident_lines(&mut text, *m, 20, &mut rng);
            }
            let recorded = start.saturating_add_millis(last * 300_000 + 60_000);
            let drafts = input::parse_jsonl(&text).with_context(|| format!("generated {m}"))?;
            total += drafts.len();
            let before = ledger.head();
            let before_recorded = ledger.recorded_at(before.seq)?;
            ledger.append(drafts, None, recorded)?;
            let t = Clock::now();
            let made = slaledger_snapshots::after_append(&ledger, before, before_recorded)?;
            if !made.is_empty() {
                snap_secs.push(t.elapsed().as_secs_f64());
            }
            r = last;
        }
    }
    Ok((total, snap_secs))
}

/// Runs the measurement in a scratch ledger under `root`.
pub fn run(root: &Path, years: u16) -> Result<()> {
    let years = years.clamp(1, 10);
    let last_year = 2025u16;
    let months: Vec<Month> = (last_year + 1 - years..=last_year)
        .flat_map(|year| (1..=12).map(move |month| Month { year, month }))
        .collect();
    let dir = root.join("snapshots-bench");
    eprintln!("building {years} year(s) of 5-minute probes on 9 points, day by day...");
    let t = Clock::now();
    let (total, mut snap_secs) = build(&dir, &months)?;
    let build_s = t.elapsed().as_secs_f64();
    let (ledger, _) = Ledger::open(&dir, LedgerOptions::default())?;
    let month = *months.last().unwrap_or(&Month {
        year: last_year,
        month: 12,
    });
    let mut q = MonthQuery::new(STREAM, month, None);
    // With the snapshot first, so its peak memory is its own; an untimed
    // run first each way (the page cache then holds what it reads).
    let snap = month_computed(&ledger, &q)?;
    let used = snap.used.clone().context("no snapshot was used")?;
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let mut with = Vec::new();
    for _ in 0..5 {
        let t = Clock::now();
        let c = month_computed(&ledger, &q)?;
        with.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(
            c.report.canonical == snap.report.canonical,
            "report differs"
        );
    }
    let peak_with = status_kib("VmHWM:");
    q.use_snapshots = false;
    let plain = month_computed(&ledger, &q)?;
    anyhow::ensure!(
        plain.report.canonical == snap.report.canonical,
        "the report from the snapshot differs from the report from the start"
    );
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let mut without = Vec::new();
    for _ in 0..3 {
        let t = Clock::now();
        let c = month_computed(&ledger, &q)?;
        without.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(
            c.report.canonical == plain.report.canonical,
            "report differs"
        );
    }
    let peak_without = status_kib("VmHWM:");
    let snap_bytes = std::fs::metadata(&used.path).map(|m| m.len()).unwrap_or(0);
    let (wm, wom) = (min(&with), min(&without));
    let (wmed, womed) = (median(&mut with), median(&mut without));
    println!(
        "slaledger bench --snapshots: {total} events over {years} year(s) ({} months), 9 UI points every 5 minutes and 20 incidents a month, appended day by day ({build_s:.0} s including {} automatic month-start snapshots, median {:.0} ms each)",
        months.len(),
        snap_secs.len(),
        if snap_secs.is_empty() { 0.0 } else { median(&mut snap_secs) * 1000.0 }
    );
    println!(
        "report of {month} at the head ({}): from its month-start snapshot (seq {}, {} events kept, {snap_bytes} bytes) plus {} events recorded after it",
        ledger.head(),
        used.seq,
        used.kept,
        used.read_after
    );
    println!("| {month} report | median (ms) | min (ms) | runs |");
    println!("| --- | ---: | ---: | ---: |");
    println!("| from the ledger's start (`--no-snapshots`) | {womed:.1} | {wom:.1} | 3 |");
    println!("| from the snapshot | {wmed:.1} | {wm:.1} | 5 |");
    println!(
        "speed-up (median): {:.1}x; the same report bytes both ways; peak RSS {} MiB with the snapshot, {} MiB from the start",
        womed / wmed,
        peak_with.map(|k| k / 1024).unwrap_or(0),
        peak_without.map(|k| k / 1024).unwrap_or(0)
    );
    Ok(())
}
