//! `slaledger bench --report`: the time and memory of `report` for one month
//! with 2,000 incidents and their state changes, within a ledger holding a
//! whole year of such months (issue 3's benchmark).

use crate::bench::{status_kib, Rng};
use anyhow::{Context, Result};
use slaledger_ledger::input;
use slaledger_ledger::store::{Ledger, LedgerOptions};
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use slaledger_replay::month::{month_report, report_from_events, stream_events, MonthQuery};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant as Clock;

pub(crate) const STREAM: &str = "bench-bilag6";

fn rules() -> String {
    include_str!("../examples/bilag6/rules.toml")
        .replace(
            "stream = \"bilag6-example\"",
            &format!("stream = \"{STREAM}\""),
        )
        .replace(
            "clock_tolerance_minutes = 5",
            "clock_tolerance_minutes = 1000000",
        )
}

/// One month of events as JSON Lines: `per_month` incidents, each reported
/// (10 % with a second contact), categorised, assigned and resolved (a few
/// late or still open), plus the month's fee and report.
fn month_lines(m: Month, per_month: u32, rng: &mut Rng) -> String {
    let mut out = String::new();
    let days = calendar_days(m);
    let actor = |p: &str| format!(r#"{{"party":"{p}","identity":"{p}@bench"}}"#);
    let at = |min: u64| -> String {
        let (start, _) = slaledger_projections::calendar::month_bounds(m);
        start.saturating_add_millis(min as i64 * 60_000).to_string()
    };
    for i in 0..per_month {
        let id = format!("INC-{m}-{i:05}");
        let start = rng.next(u64::from(days) * 24 * 60 - 24 * 60);
        let cat = 1 + rng.next(4);
        let _ = writeln!(
            out,
            r#"{{"id":"{id}/r","stream":"{STREAM}","actor":{},"kind":"incident_reported","data":{{"incident_id":"{id}","reported_at":"{}","channel":"tool","reporter":"r","environment":"production","areas":["application"],"description":"bench incident"}}}}"#,
            actor("customer"),
            at(start)
        );
        if rng.next(10) == 0 {
            let _ = writeln!(
                out,
                r#"{{"id":"{id}/r2","stream":"{STREAM}","actor":{},"kind":"incident_reported","data":{{"incident_id":"{id}","reported_at":"{}","channel":"phone","reporter":"r","environment":"production","areas":["application"],"description":"second contact"}}}}"#,
                actor("customer"),
                at(start + 3)
            );
        }
        let react = start + 5 + rng.next(40);
        let _ = writeln!(
            out,
            r#"{{"id":"{id}/c","stream":"{STREAM}","actor":{},"occurred_at":"{}","kind":"incident_categorised","data":{{"incident_id":"{id}","category":{cat},"role":"supplier"}}}}"#,
            actor("supplier"),
            at(react)
        );
        let _ = writeln!(
            out,
            r#"{{"id":"{id}/a","stream":"{STREAM}","actor":{},"kind":"incident_assigned","data":{{"incident_id":"{id}","assignee":"a","assigned_at":"{}"}}}}"#,
            actor("supplier"),
            at(react)
        );
        if rng.next(50) != 0 {
            let typical = match cat {
                1 => 7 * 60,
                2 => 14 * 60,
                3 => 5 * 24 * 60,
                _ => 10 * 24 * 60,
            };
            let resolve = react + rng.next(typical + typical / 5);
            let _ = writeln!(
                out,
                r#"{{"id":"{id}/s","stream":"{STREAM}","actor":{},"kind":"incident_resolved","data":{{"incident_id":"{id}","resolved_at":"{}","method":"remedy"}}}}"#,
                actor("supplier"),
                at(resolve)
            );
        }
    }
    let _ = writeln!(
        out,
        r#"{{"id":"fee/{m}","stream":"{STREAM}","actor":{},"occurred_at":"{}","kind":"fee_recorded","data":{{"month":"{m}","amount_ore":25000000,"fee_kind":"fixed"}}}}"#,
        actor("supplier"),
        at(60)
    );
    out
}

fn calendar_days(m: Month) -> u32 {
    let (a, b) = slaledger_projections::calendar::month_bounds(m);
    ((b.millis() - a.millis()) / 86_400_000) as u32
}

/// Builds a year (2025) of `per_month` incidents a month in `dir`; returns
/// the number of events.
pub(crate) fn build_year(dir: &Path, per_month: u32) -> Result<usize> {
    let now = Instant::parse("2026-01-15T00:00:00Z")?;
    let mut ledger = crate::bench::ledger_with_rules(dir, &rules(), now)?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut total = 0usize;
    for mo in 1..=12u8 {
        let m = Month {
            year: 2025,
            month: mo,
        };
        let drafts = input::parse_jsonl(&month_lines(m, per_month, &mut rng))
            .with_context(|| format!("generated events of {m}"))?;
        total += drafts.len();
        ledger.append(drafts, None, now)?;
    }
    Ok(total)
}

/// Builds the year ledger in `root` and times the June report.
pub fn run(root: &Path, per_month: u32) -> Result<()> {
    let dir = root.join("report-year");
    let total = build_year(&dir, per_month)?;
    let (ledger, _) = Ledger::open(&dir, LedgerOptions::default())?;
    let month = Month {
        year: 2025,
        month: 6,
    };
    let q = MonthQuery::new(STREAM, month, Some(Instant::parse("2025-07-15T10:00:00Z")?));
    // Warm the page cache once, as a second `report` on the same ledger would.
    let first = month_report(&ledger, &q)?;
    let mut times = Vec::new();
    let mut read_times = Vec::new();
    let mut eval_times = Vec::new();
    let rss_before = status_kib("VmRSS:");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    for _ in 0..5 {
        let t = Clock::now();
        let r = month_report(&ledger, &q)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(
            r.canonical == first.canonical,
            "report differs between runs"
        );
        let t = Clock::now();
        let read = stream_events(&ledger, STREAM)?;
        let t_read = t.elapsed().as_secs_f64() * 1000.0;
        let t = Clock::now();
        let _ = report_from_events(&read.events, read.head, read.last_recorded, &q)?;
        eval_times.push(t.elapsed().as_secs_f64() * 1000.0);
        read_times.push(t_read);
    }
    let peak = status_kib("VmHWM:");
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let v: serde_json::Value = serde_json::from_str(&first.canonical)?;
    let n_kpi2: i64 = v["goals"]
        .as_array()
        .map(|g| {
            g.iter()
                .filter(|g| {
                    g["goal"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("bilag6.kpi2"))
                })
                .map(|g| g["counts"]["n"].as_i64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0);
    println!(
        "slaledger bench --report: a year of {per_month} incidents/month ({total} events + rule set) in one stream; report of {month}"
    );
    println!("| measurement | median of 5 (ms) | min (ms) |");
    println!("| --- | ---: | ---: |");
    let min = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
    let (t_min, r_min, e_min) = (min(&times), min(&read_times), min(&eval_times));
    println!(
        "| report {month} (read the ledger + evaluate + canonical JSON) | {:.1} | {:.1} |",
        median(&mut times),
        t_min
    );
    println!(
        "| of which: read and decode the stream's events | {:.1} | {:.1} |",
        median(&mut read_times),
        r_min
    );
    println!(
        "| of which: evaluate and render | {:.1} | {:.1} |",
        median(&mut eval_times),
        e_min
    );
    println!(
        "June 2025: {n_kpi2} incidents resolved in the month; report {} bytes; process RSS before {} MiB, peak during the runs {} MiB",
        first.canonical.len(),
        rss_before.map(|k| k / 1024).unwrap_or(0),
        peak.map(|k| k / 1024).unwrap_or(0)
    );
    Ok(())
}
