//! `slaledger bench`: throughput of durable append and of verify, each beside
//! the raw limit measured in the same run on the same bytes:
//! - append vs writing the same frame bytes to a plain file with one
//!   fdatasync per batch;
//! - verify vs blake3 chaining of the same record bytes in memory.
//!
//! Numbers are wall-clock on this machine; the README records a run.

use crate::cli::BenchArgs;
use anyhow::{Context, Result};
use slaledger_ledger::chain;
use slaledger_ledger::event::*;
use slaledger_ledger::input::Draft;
use slaledger_ledger::store::{Ledger, LedgerOptions};
use slaledger_ledger::time::Instant;
use slaledger_ledger::verify;
use slaledger_ledger::vocab::*;
use std::io::Write;
use std::path::Path;
use std::time::Instant as Clock;

const STREAM: &str = "bench";

fn actor() -> Actor {
    Actor {
        party: Party::Monitor,
        identity: "probe-01.kunde.dk".into(),
        operated_by: Some(Party::Customer),
    }
}

/// A realistic probe sample (the most numerous event of a real ledger).
pub(crate) fn sample(i: u64, base: i64) -> Draft {
    let started = Instant::from_millis(base + i as i64 * 1000);
    Draft {
        line: i as usize + 1,
        event: StoredEvent {
            id: format!("probe/{i:010}").into(),
            stream: STREAM.into(),
            recorded_at: started,
            occurred_at: started,
            actor: actor(),
            schema_version: SCHEMA_VERSION,
            signature: None,
            refs: vec![],
            note: None,
            event: Event::ProbeSample(Box::new(ProbeSample {
                sample_id: format!("S-{i:010}").into(),
                point_id: format!("MP-{:02}", i % 9).into(),
                probe_kind: if i.is_multiple_of(3) {
                    ProbeKind::Service
                } else {
                    ProbeKind::Ui
                },
                category: Some((i % 3) as u8 + 1),
                round_id: format!("R-{:08}", i / 9).into(),
                started_at: started,
                duration_ms: Some(180 + (i * 7919) % 2500),
                ok: !i.is_multiple_of(997),
                error: None,
                payload_bytes: Some(4096 + (i % 50) * 1024),
                integration_ms: None,
                excluded_ms: None,
                sender_system: None,
                client_id: "probe-01".into(),
            })),
        },
    }
}

/// A new ledger in `dir` whose first event records the rule-set text
/// `rules` at `at` (the benchmarks' common start).
pub(crate) fn ledger_with_rules(dir: &Path, rules: &str, at: Instant) -> Result<Ledger> {
    let (mut ledger, _) = Ledger::create(dir, LedgerOptions::default())?;
    let actor = Actor {
        party: Party::Customer,
        identity: "bench".into(),
        operated_by: None,
    };
    let draft = crate::rules::rule_set_draft(rules, Path::new("bench.toml"), actor, at)?;
    ledger.append(vec![draft], None, at)?;
    Ok(ledger)
}

pub(crate) fn rule_set(now: Instant) -> Result<Draft> {
    let text = format!(
        "stream = \"{STREAM}\"\nrule_set_id = \"bench\"\neffective_from = \"2025-01\"\n\
         annex = \"bilag6\"\nclock_tolerance_minutes = 100000000\n\
         [goals.not_performed]\npoints_per_item = \"1.0\"\n"
    );
    let a = Actor {
        party: Party::Customer,
        identity: "bench".into(),
        operated_by: None,
    };
    crate::rules::rule_set_draft(&text, Path::new("bench.toml"), a, now)
}

struct Row {
    what: String,
    events: u64,
    secs: f64,
    raw_secs: f64,
    raw_what: &'static str,
    /// Events the raw limit processed (the ledger also holds its rule set).
    raw_events: u64,
    /// CPU time of the whole process (every thread) during the measurement.
    cpu_secs: Option<f64>,
}

/// Events measured at a batch size: small batches are bounded by fdatasync
/// latency, so a sample is enough.
fn count_for(batch: u64, n: u64) -> u64 {
    match batch {
        1..=9 => 2_000u64.min(n),
        10..=999 => 100_000.min(n),
        _ => n,
    }
}

/// A deterministic pseudo-random sequence (xorshift64).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// CPU seconds (user + system) this process has used so far, every thread
/// counted, dead ones included: `/proc/self/stat` fields 14 and 15, in the
/// kernel's fixed user-visible tick of 1/100 s. `None` off Linux.
pub(crate) fn process_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; fields after it follow `)`.
    let rest = &s[s.rfind(')')? + 1..];
    let mut f = rest.split_whitespace().skip(11);
    let utime: u64 = f.next()?.parse().ok()?;
    let stime: u64 = f.next()?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// A `/proc/self/status` field in KiB (`VmHWM`: peak RSS, `VmRSS`: now).
pub(crate) fn status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Runs the benchmarks and prints a table.
pub fn run(args: &BenchArgs) -> Result<()> {
    let tmp;
    let root = match &args.dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_owned()
        }
    };
    if args.availability {
        let incidents = if args.incidents == 2000 {
            300
        } else {
            args.incidents
        };
        return crate::bench_availability::run(&root, incidents);
    }
    if args.report {
        return crate::bench_report::run(&root, args.incidents);
    }
    if args.snapshots {
        return crate::bench_snapshots::run(&root, args.years);
    }
    if args.proofs {
        let n = if args.events == 1_000_000 {
            5_000_000
        } else {
            args.events
        };
        return crate::bench_proofs::run(&root, n);
    }
    let now = Instant::parse("2026-01-01T00:00:00Z")?;
    let base = Instant::parse("2025-01-01T00:00:00Z")?.millis();
    let n = args.events.max(1000);
    eprintln!("generating {n} probe-sample events...");
    let drafts: Vec<Draft> = (0..n).map(|i| sample(i, base)).collect();
    let mut records = Vec::with_capacity(n as usize);
    for d in &drafts {
        let mut ev = d.event.clone();
        ev.recorded_at = now;
        records.push(slaledger_ledger::encoding::encode_record(&ev)?);
    }
    let avg = records.iter().map(|r| r.len()).sum::<usize>() as f64 / records.len() as f64;
    let mut rows = Vec::new();

    let mut batches = args.batches.clone();
    batches.sort_unstable();
    batches.dedup();
    anyhow::ensure!(
        batches.first().is_some_and(|b| *b >= 1),
        "--batches needs sizes of at least 1"
    );
    let verify_batch = *batches.last().unwrap_or(&1);
    let mut redo = None;
    for batch in batches {
        let count = count_for(batch, n);
        let dir = root.join(format!("append-{batch}"));
        let (mut ledger, _) = Ledger::create(&dir, LedgerOptions::default())?;
        ledger.append(vec![rule_set(now)?], None, now)?;
        // Batches are built before the clock starts: the caller owns parsed
        // events, as the CLI does after reading a file.
        let batches: Vec<Vec<Draft>> = drafts[..count as usize]
            .chunks(batch as usize)
            .map(|c| c.to_vec())
            .collect();
        let cpu0 = process_cpu_secs();
        let t = Clock::now();
        for b in batches {
            ledger.append(b, None, now)?;
        }
        // Closing the ledger waits for the background indexer, so the time
        // includes every index write, not only the acknowledged log writes.
        drop(ledger);
        let secs = t.elapsed().as_secs_f64();
        let cpu_secs = process_cpu_secs().zip(cpu0).map(|(b, a)| b - a);
        if batch == verify_batch {
            // Idempotency: the same events again are all duplicates, each
            // settled by reading and hashing the stored record.
            let again = count.min(100_000);
            let (mut ledger, _) = Ledger::open(&dir, LedgerOptions::default())?;
            let batches: Vec<Vec<Draft>> = drafts[..again as usize]
                .chunks(batch as usize)
                .map(|c| c.to_vec())
                .collect();
            let t = Clock::now();
            let mut dups = 0;
            for b in batches {
                dups += ledger.append(b, None, now)?.duplicates.len();
            }
            let resecs = t.elapsed().as_secs_f64();
            anyhow::ensure!(
                dups as u64 == again,
                "re-append found {dups} of {again} duplicates"
            );
            redo = Some((again, resecs));
        }
        let raw_path = root.join(format!("raw-{batch}"));
        let raw_secs = raw_write(&raw_path, &records[..count as usize], batch as usize, false)?;
        rows.push(Row {
            what: format!("durable append + index, batch {batch}"),
            events: count,
            secs,
            raw_secs,
            raw_what: "plain write+fdatasync",
            raw_events: count,
            cpu_secs,
        });
        if batch >= 1000 {
            // The least any hash-chained log must do: chain, frame, write,
            // fdatasync, on one thread; beside the plain write so that the
            // chain's share of the gap shows.
            let chained = raw_write(&raw_path, &records[..count as usize], batch as usize, true)?;
            rows.push(Row {
                what: format!("(same append, batch {batch})"),
                events: count,
                secs,
                raw_secs: chained,
                raw_what: "blake3 chain + write+fdatasync",
                raw_events: count,
                cpu_secs: None,
            });
        }
        if batch != verify_batch {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    // Verify the ledger of the largest batch (all its events + the rule set).
    let dir = root.join(format!("append-{verify_batch}"));
    let vcount = count_for(verify_batch, n) as usize;
    // Median of three runs: the first follows the appends directly (sled
    // recovers the index it just wrote), the others read a settled ledger.
    let mut times = Vec::new();
    let mut rep = verify::verify_dir(&dir, None)?;
    for i in 0..3 {
        let t = Clock::now();
        rep = verify::verify_dir(&dir, None)?;
        times.push(t.elapsed().as_secs_f64());
        anyhow::ensure!(
            rep.ok(),
            "bench ledger failed to verify (run {i}): {:?}",
            rep.problems
        );
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let secs = times[1];
    // The raw limit: the same record bytes chained in memory, laid out one
    // after the other as verify finds them in a segment; median of three
    // like verify itself.
    let mut flat = Vec::new();
    let mut ends = Vec::with_capacity(vcount);
    for r in &records[..vcount] {
        flat.extend_from_slice(r);
        ends.push(flat.len());
    }
    let mut raw_times = Vec::new();
    for _ in 0..3 {
        let t = Clock::now();
        let mut h = chain::genesis();
        let mut start = 0;
        for (i, end) in ends.iter().enumerate() {
            h = chain::next_hash(&h, i as u64 + 2, &flat[start..*end]);
            start = *end;
        }
        std::hint::black_box(h);
        raw_times.push(t.elapsed().as_secs_f64());
    }
    raw_times.sort_by(|a, b| a.total_cmp(b));
    let raw_secs = raw_times[1];
    drop(flat);
    rows.push(Row {
        what: "verify (chain + decode + index check)".into(),
        events: rep.records,
        secs,
        raw_secs,
        raw_what: "blake3 chaining in memory",
        raw_events: vcount as u64,
        cpu_secs: None,
    });

    let rep_noindex = {
        let _ = std::fs::remove_dir_all(dir.join("index"));
        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Clock::now();
            let rep = verify::verify_dir(&dir, None)?;
            anyhow::ensure!(rep.ok(), "bench ledger failed to verify");
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(|a, b| a.total_cmp(b));
        times[1]
    };
    rows.push(Row {
        what: "verify (chain + decode, no index)".into(),
        events: rep.records,
        secs: rep_noindex,
        raw_secs,
        raw_what: "blake3 chaining in memory",
        raw_events: vcount as u64,
        cpu_secs: None,
    });

    println!(
        "slaledger bench: {n} probe-sample events, mean record {avg:.0} bytes (+{} bytes framing)",
        slaledger_ledger::segment::FRAME_OVERHEAD
    );
    println!("| measurement | events | seconds | events/s | raw limit (same bytes, same run) | raw events/s | ratio | CPU µs/event (cores busy) |");
    println!("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
    for r in rows {
        let eps = r.events as f64 / r.secs;
        let raw = r.raw_events as f64 / r.raw_secs;
        let cpu = match r.cpu_secs {
            Some(c) => format!("{:.2} ({:.2})", 1e6 * c / r.events as f64, c / r.secs),
            None => "-".into(),
        };
        println!(
            "| {} | {} | {:.3} | {:.0} | {} | {:.0} | {:.0} % | {cpu} |",
            r.what,
            r.events,
            r.secs,
            eps,
            r.raw_what,
            raw,
            100.0 * eps / raw
        );
    }
    if let Some((again, resecs)) = redo {
        println!(
            "re-append of {again} recorded events (all duplicates, batch {verify_batch}): {resecs:.3} s, {:.0} events/s",
            again as f64 / resecs
        );
    }
    Ok(())
}

/// Writes the frames of `records` to a plain file, one write + fdatasync
/// per batch; with `chained`, each frame carries the real chain hash,
/// computed in the timed loop.
fn raw_write(path: &Path, records: &[Vec<u8>], batch: usize, chained: bool) -> Result<f64> {
    let mut f =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    f.sync_all()?;
    let mut hash = [7u8; 32];
    let t = Clock::now();
    let mut buf = Vec::new();
    for (c, chunk) in records.chunks(batch).enumerate() {
        buf.clear();
        for (i, r) in chunk.iter().enumerate() {
            let seq = (c * batch + i) as u64;
            if chained {
                hash = chain::next_hash(&hash, seq, r);
            }
            slaledger_ledger::segment::put_frame(&mut buf, seq, 0, r, &hash);
        }
        f.write_all(&buf)?;
        f.sync_data()?;
    }
    let secs = t.elapsed().as_secs_f64();
    drop(f);
    let _ = std::fs::remove_file(path);
    Ok(secs)
}
