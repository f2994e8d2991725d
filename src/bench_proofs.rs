//! `slaledger bench --proofs`: issue 7's benchmark. A ledger of N probe
//! samples (5 million by default), its Merkle tree built once from the
//! log, then inclusion and consistency proofs for random records and tree
//! sizes, generated from the stored level-8 subtrees plus one 256-record
//! block of the log, and verified, each timed one by one.

use crate::bench::{rule_set, sample, Rng};
use anyhow::Result;
use slaledger_ledger::merkle;
use slaledger_ledger::store::{Ledger, LedgerOptions};
use slaledger_ledger::tiles::Tree;
use slaledger_ledger::time::Instant;
use std::path::Path;
use std::time::Instant as Clock;

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let p = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
    (p(0.5), p(0.99), v[v.len() - 1])
}

/// Runs the measurement in a scratch ledger under `root`.
pub fn run(root: &Path, events: u64) -> Result<()> {
    let dir = root.join("proofs-bench");
    let now = Instant::parse("2026-01-01T00:00:00Z")?;
    let base = Instant::parse("2025-01-01T00:00:00Z")?.millis();
    eprintln!("appending {events} probe samples in batches of 10,000...");
    let t = Clock::now();
    {
        let (mut ledger, _) = Ledger::create(&dir, LedgerOptions::default())?;
        ledger.append(vec![rule_set(now)?], None, now)?;
        let mut i = 0;
        while i < events {
            let n = 10_000.min(events - i);
            ledger.append((i..i + n).map(|k| sample(k, base)).collect(), None, now)?;
            i += n;
        }
    }
    let append_s = t.elapsed().as_secs_f64();
    let (ledger, _) = Ledger::open(&dir, LedgerOptions::default())?;
    let size = ledger.head().seq;
    let t = Clock::now();
    let tree = Tree::open(&ledger)?;
    let build_s = t.elapsed().as_secs_f64();
    let root_hash = tree.root(size)?;
    drop(tree);
    // The raw limit in the same run: SHA-256 leaf hashing of the same
    // record bytes already in memory (the first segment's records).
    let mut records: Vec<Vec<u8>> = Vec::new();
    ledger.scan_records(1, size.min(250_000), |_, r| records.push(r.to_vec()))?;
    let raw_bytes: usize = records.iter().map(Vec::len).sum();
    let t = Clock::now();
    let mut acc = 0u8;
    for r in &records {
        acc ^= merkle::leaf_hash(r)[0];
    }
    let raw_mb_s = raw_bytes as f64 / 1e6 / t.elapsed().as_secs_f64();
    std::hint::black_box(acc);
    let t = Clock::now();
    let tree = Tree::open(&ledger)?;
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(
        tree.root(size)? == root_hash,
        "root differs after reopening"
    );
    let n = 1000;
    // Two passes over the same 1,000 random records: the first as a fresh
    // process meets them (page cache and index warm from building, blocks
    // cold), the second as a serving process would.
    let mut passes = Vec::new();
    for _ in 0..2 {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut gen, mut ver, mut cgen, mut cver) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let seq = 1 + rng.next(size);
            let t = Clock::now();
            let leaf = tree.leaf(seq)?;
            let path = merkle::inclusion_proof(&tree, seq - 1, size)?.unwrap_or_default();
            gen.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Clock::now();
            let good = merkle::verify_inclusion(seq - 1, size, &leaf, &path, &root_hash);
            ver.push(t.elapsed().as_secs_f64() * 1000.0);
            anyhow::ensure!(good, "inclusion proof of seq {seq} does not verify");
            let old = 1 + rng.next(size);
            let t = Clock::now();
            let old_root = tree.root(old)?;
            let proof = merkle::consistency_proof(&tree, old, size)?.unwrap_or_default();
            cgen.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Clock::now();
            let good = merkle::verify_consistency(old, size, &old_root, &root_hash, &proof);
            cver.push(t.elapsed().as_secs_f64() * 1000.0);
            anyhow::ensure!(good, "consistency proof {old} -> {size} does not verify");
        }
        passes.push((gen, ver, cgen, cver));
    }
    let bytes: u64 = ledger
        .segments()
        .iter()
        .filter_map(|(_, p)| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "slaledger bench --proofs: {size} records ({:.2} GB of log), appended in {append_s:.1} s",
        bytes as f64 / 1e9
    );
    let build_mb_s = bytes as f64 / 1e6 / build_s;
    println!(
        "tree built from the log once: {build_s:.2} s ({build_mb_s:.0} MB/s of log read and hashed = {:.0} % of raw in-memory SHA-256 leaf hashing of the same records, {raw_mb_s:.0} MB/s); reopened from merkle/level8.bin: {open_ms:.1} ms",
        100.0 * build_mb_s / raw_mb_s
    );
    println!("| {n} random proofs, tree of {size} | pass | median (ms) | p99 (ms) | max (ms) |");
    println!("| --- | --- | ---: | ---: | ---: |");
    for (i, (gen, ver, cgen, cver)) in passes.into_iter().enumerate() {
        let pass = if i == 0 { "first" } else { "again" };
        for (what, v) in [
            ("inclusion proof: generate (leaf + path)", gen),
            ("inclusion proof: verify", ver),
            ("consistency proof: generate (old root + path)", cgen),
            ("consistency proof: verify", cver),
        ] {
            let (m, p99, max) = stats(v);
            println!("| {what} | {pass} | {m:.3} | {p99:.3} | {max:.3} |");
        }
    }
    drop(tree);
    drop(ledger);
    evidence_year(root)
}

/// An evidence pack of a year: the issue-3 ledger (2,000 incidents a month
/// in one stream), exported for 2025-01..2025-12 and verified.
fn evidence_year(root: &Path) -> Result<()> {
    use slaledger_ledger::checkpoint::PrivateKey;
    use slaledger_ledger::vocab::Month;
    use slaledger_replay::evidence;
    let dir = root.join("evidence-year");
    let events = crate::bench_report::build_year(&dir, 2000)?;
    let (ledger, _) = Ledger::open(&dir, LedgerOptions::default())?;
    let key = PrivateKey::from_seed("bench.example/exporter", [42; 32])?;
    let req = evidence::ExportRequest {
        stream: crate::bench_report::STREAM,
        from: Month {
            year: 2025,
            month: 1,
        },
        to: Month {
            year: 2025,
            month: 12,
        },
        key: &key,
        origin: "bench.example/evidence",
        eval: Some(Instant::parse("2026-01-15T00:00:00Z")?),
    };
    let out = root.join("evidence-pack");
    let t = Clock::now();
    let e = evidence::export(&ledger, &req, &out)?;
    let export_s = t.elapsed().as_secs_f64();
    let t = Clock::now();
    let rows = evidence::verify(&out, &[key.note_vkey()])?;
    let verify_s = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        rows.iter().all(|r| r.ok),
        "the exported pack does not verify"
    );
    println!(
        "\nevidence pack of a year ({events} events, 12 monthly reports): export {export_s:.1} s ({} records, {} files, {:.1} MB, an inclusion proof per record); evidence verify {verify_s:.1} s ({} checks, all pass)",
        e.records,
        e.files,
        e.bytes as f64 / 1e6,
        rows.len()
    );
    Ok(())
}
