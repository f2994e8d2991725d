//! `slaledger key`, `checkpoint`, `prove` and `verify-proof` (issue 7): the
//! CLI edge of `slaledger_ledger::{merkle, tiles, checkpoint}`.

use crate::cli::{CheckpointCmd, EvidenceCmd, KeyCmd, ProveCmd};
use anyhow::{bail, Context, Result};
use slaledger_ledger::checkpoint::{self, store, Checkpoint, ConsistencyProof, PrivateKey};
use slaledger_ledger::merkle;
use slaledger_ledger::store::{Ledger, LedgerOptions};
use slaledger_ledger::tiles::Tree;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn read_key(path: &Path) -> Result<PrivateKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading key {}", path.display()))?;
    PrivateKey::parse(&text).with_context(|| format!("key {}", path.display()))
}

fn write_out(out: Option<&PathBuf>, text: &str) -> Result<()> {
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Signs every unsigned draft with the key (`append --sign`).
pub fn sign_drafts(drafts: &mut [slaledger_ledger::input::Draft], key: &Path) -> Result<()> {
    let key = read_key(key)?;
    for d in drafts.iter_mut().filter(|d| d.event.signature.is_none()) {
        d.event.signature = Some(slaledger_ledger::signing::sign_event(&d.event, &key));
    }
    Ok(())
}

/// `key generate`.
pub fn key(what: KeyCmd) -> Result<ExitCode> {
    let KeyCmd::Generate { name, out } = what;
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    let key = PrivateKey::from_seed(&name, seed)?;
    if out.exists() {
        bail!("{} exists: a key is never overwritten", out.display());
    }
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&out)
            .with_context(|| format!("creating {}", out.display()))?;
        writeln!(f, "{}", key.to_text())?;
        f.sync_all()?;
    }
    let public = format!("{}\n{}\n", key.note_vkey(), key.cosigner_vkey());
    let pub_path = PathBuf::from(format!("{}.pub", out.display()));
    std::fs::write(&pub_path, &public)?;
    println!("private key: {} (keep it secret)", out.display());
    println!("verifier keys ({}):", pub_path.display());
    println!("  checkpoints: {}", key.note_vkey());
    println!("  cosignatures: {}", key.cosigner_vkey());
    Ok(ExitCode::SUCCESS)
}

/// The origin line of this ledger's checkpoints: the one stored with its
/// first checkpoint, or the one given, or `slaledger/` and the first 16 hex
/// digits of the chain hash of record 1.
fn origin(ledger: &Ledger, given: Option<String>) -> Result<String> {
    let path = store::dir(ledger.dir()).join("origin");
    if let Ok(o) = std::fs::read_to_string(&path) {
        let o = o.trim().to_owned();
        if let Some(g) = given.filter(|g| *g != o) {
            bail!("this ledger's checkpoints have the origin `{o}`, not `{g}`");
        }
        return Ok(o);
    }
    let o = match given {
        Some(g) => g,
        None => format!(
            "slaledger/{}",
            &slaledger_ledger::chain::hex(&ledger.hash_at(1)?)[..16]
        ),
    };
    if o.is_empty() || o.contains('\n') {
        bail!("--origin must be one non-empty line");
    }
    std::fs::create_dir_all(store::dir(ledger.dir()))?;
    std::fs::write(&path, format!("{o}\n"))?;
    Ok(o)
}

/// `checkpoint ...`.
pub fn checkpoint_cmd(dir: &Path, what: CheckpointCmd) -> Result<ExitCode> {
    let (ledger, report) = Ledger::open(dir, LedgerOptions::default())?;
    crate::print_open_report(&report);
    match what {
        CheckpointCmd::Create {
            key,
            origin: o,
            out,
        } => {
            let key = read_key(&key)?;
            if ledger.head().seq == 0 {
                bail!("the ledger is empty: nothing to checkpoint");
            }
            let tree = Tree::open(&ledger)?;
            let cp = Checkpoint {
                origin: origin(&ledger, o)?,
                size: tree.size(),
                root: tree.root(tree.size())?,
                extensions: Vec::new(),
            };
            let note = checkpoint::sign(&cp, &key)?;
            let (path, note) = store::save(ledger.dir(), &store::file_name(&cp), &note)?;
            eprintln!("stored {}", path.display());
            write_out(out.as_ref(), &note)?;
        }
        CheckpointCmd::Cosign {
            note,
            key,
            time,
            out,
        } => {
            let key = read_key(&key)?;
            let text = std::fs::read_to_string(&note)
                .with_context(|| format!("reading {}", note.display()))?;
            let body = text
                .rfind("\n\n")
                .map(|i| &text[..i + 1])
                .context("not a signed note (no blank line before its signatures)")?;
            let cp = Checkpoint::parse(body)?;
            // Cosign only what this ledger holds: the same root at that size.
            if cp.size > ledger.head().seq {
                bail!(
                    "the checkpoint is of tree size {}, this ledger holds only {} records: not cosigned",
                    cp.size,
                    ledger.head().seq
                );
            }
            let tree = Tree::open(&ledger)?;
            let mine = tree.root(cp.size)?;
            if mine != cp.root {
                bail!(
                    "this ledger's tree of size {} has root {}, the checkpoint says {}: not cosigned",
                    cp.size,
                    checkpoint::b64(&mine),
                    checkpoint::b64(&cp.root)
                );
            }
            let time = match time {
                Some(t) => t,
                None => std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)?
                    .as_secs(),
            };
            let cosigned = checkpoint::cosign(&text, &key, time)?;
            let (path, merged) = store::save(ledger.dir(), &store::file_name(&cp), &cosigned)?;
            eprintln!("stored {}", path.display());
            write_out(Some(out.as_ref().unwrap_or(&note)), &merged)?;
            println!(
                "cosigned tree size {} as `{}` at time {time}",
                cp.size, key.name
            );
        }
        CheckpointCmd::Seal {
            month,
            key,
            grace_days,
            out,
        } => {
            let key = read_key(&key)?;
            let m = slaledger_ledger::vocab::Month::parse(&month)
                .with_context(|| format!("--month `{month}` is not a month YYYY-MM"))?;
            let head = ledger.head();
            if head.seq == 0 {
                bail!("the ledger is empty: nothing to seal");
            }
            let now = ledger.recorded_at(head.seq)?;
            let end = slaledger_projections::calendar::month_bounds(m).1;
            let open_until = end.saturating_add_millis(i64::from(grace_days) * 86_400_000);
            if now < open_until {
                bail!(
                    "{m} can be sealed from {open_until} (its end {end} plus {grace_days} days of grace); the ledger's time is {now}"
                );
            }
            let tree = Tree::open(&ledger)?;
            let cp = Checkpoint {
                origin: origin(&ledger, None)?,
                size: tree.size(),
                root: tree.root(tree.size())?,
                extensions: vec![format!("{}{m}", checkpoint::SEAL_PREFIX)],
            };
            let note = checkpoint::sign(&cp, &key)?;
            let (path, note) = store::save(ledger.dir(), &store::file_name(&cp), &note)?;
            eprintln!(
                "stored {} (the other party cosigns it with `checkpoint cosign`)",
                path.display()
            );
            write_out(out.as_ref(), &note)?;
        }
        CheckpointCmd::SealStatus { month, stream } => {
            let m = slaledger_ledger::vocab::Month::parse(&month)
                .with_context(|| format!("--month `{month}` is not a month YYYY-MM"))?;
            let Some((_, path)) = store::seals(ledger.dir())
                .into_iter()
                .find(|(s, _)| *s == m)
            else {
                println!("{m} is not sealed");
                return Ok(ExitCode::SUCCESS);
            };
            let note = std::fs::read_to_string(&path)?;
            let cp = body_of(&note)?;
            let signers: Vec<&str> = note
                .rsplit_once("\n\n")
                .map(|(_, s)| s.lines().filter_map(|l| l.split(' ').nth(1)).collect())
                .unwrap_or_default();
            println!(
                "{m} sealed at tree size {} by {} ({})",
                cp.size,
                signers.join(", "),
                path.display()
            );
            let tree = Tree::open(&ledger)?;
            check_root(&tree, &cp).context("this ledger no longer holds the sealed history")?;
            println!(
                "this ledger still holds the sealed tree (same root at size {})",
                cp.size
            );
            let (from, to) = slaledger_projections::calendar::month_bounds(m);
            let mut later = 0;
            for item in ledger.events(cp.size + 1, ledger.head().seq) {
                let (seq, _, ev) = item?;
                if stream.as_ref().is_some_and(|s| ev.stream != s.as_str()) {
                    continue;
                }
                if ev.occurred_at >= from && ev.occurred_at < to {
                    later += 1;
                    println!(
                        "  recorded after the seal: seq {seq} `{}` ({}, stream `{}`, occurred {}, recorded {})",
                        ev.id,
                        ev.event.kind(),
                        ev.stream,
                        ev.occurred_at,
                        ev.recorded_at
                    );
                }
            }
            println!("{later} event(s) about {m} recorded after the seal");
        }
        CheckpointCmd::List => {
            let seals = store::seals(ledger.dir())
                .into_iter()
                .map(|(m, p)| (format!("seal of {m}"), p));
            let plain = store::list(ledger.dir())
                .into_iter()
                .map(|(s, p)| (format!("size {s}"), p));
            for (size, path) in plain.chain(seals) {
                let text = std::fs::read_to_string(&path)?;
                let sigs: Vec<&str> = text
                    .rsplit_once("\n\n")
                    .map(|(_, s)| s.lines().filter_map(|l| l.split(' ').nth(1)).collect())
                    .unwrap_or_default();
                println!(
                    "{}  size {size}  signed by {}",
                    path.display(),
                    sigs.join(", ")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The stored checkpoint note of the smallest tree size ≥ `size`.
fn stored_covering(ledger: &Ledger, size: u64) -> Result<String> {
    let (_, path) = store::list(ledger.dir())
        .into_iter()
        .find(|(s, _)| *s >= size)
        .with_context(|| format!("no stored checkpoint covers seq {size}: run `slaledger checkpoint create` first, or give --checkpoint"))?;
    Ok(std::fs::read_to_string(path)?)
}

fn body_of(note: &str) -> Result<Checkpoint> {
    let body = note
        .rfind("\n\n")
        .map(|i| &note[..i + 1])
        .context("not a signed note")?;
    Ok(Checkpoint::parse(body)?)
}

/// `prove ...`.
pub fn prove(dir: &Path, what: ProveCmd) -> Result<ExitCode> {
    let (ledger, report) = Ledger::open(dir, LedgerOptions::default())?;
    crate::print_open_report(&report);
    let tree = Tree::open(&ledger)?;
    match what {
        ProveCmd::Inclusion {
            seq,
            checkpoint: c,
            out,
        } => {
            if seq == 0 || seq > ledger.head().seq {
                bail!(
                    "--seq {seq}: the ledger holds records 1..={}",
                    ledger.head().seq
                );
            }
            let note = match c {
                Some(p) => std::fs::read_to_string(&p)
                    .with_context(|| format!("reading {}", p.display()))?,
                None => stored_covering(&ledger, seq)?,
            };
            let cp = body_of(&note)?;
            check_root(&tree, &cp)?;
            if seq > cp.size {
                bail!(
                    "seq {seq} is not in the checkpoint's tree of size {}",
                    cp.size
                );
            }
            let path = merkle::inclusion_proof(&tree, seq - 1, cp.size)?
                .context("index outside the tree")?;
            let record = ledger.frame(seq)?.record;
            write_out(
                out.as_ref(),
                &checkpoint::inclusion_proof_text(&record, seq - 1, &path, &note),
            )?;
        }
        ProveCmd::Consistency { old, new, out } => {
            let (a, b) = (
                std::fs::read_to_string(&old)?,
                std::fs::read_to_string(&new)?,
            );
            let (ca, cb) = (body_of(&a)?, body_of(&b)?);
            if ca.size > cb.size {
                bail!(
                    "--old is of tree size {}, --new of {}: give the older first",
                    ca.size,
                    cb.size
                );
            }
            check_root(&tree, &cb)?;
            check_root(&tree, &ca).context(
                "this ledger cannot prove it extends the older checkpoint: its history up to that size is not what was signed",
            )?;
            let proof =
                merkle::consistency_proof(&tree, ca.size, cb.size)?.context("empty old tree")?;
            let doc = ConsistencyProof {
                format: checkpoint::CONSISTENCY_FORMAT.into(),
                old: a,
                new: b,
                proof: proof.iter().map(checkpoint::b64).collect(),
            };
            write_out(
                out.as_ref(),
                &format!("{}\n", serde_json::to_string_pretty(&doc)?),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn check_root(tree: &Tree<'_>, cp: &Checkpoint) -> Result<()> {
    if cp.size > tree.size() {
        bail!(
            "the checkpoint is of tree size {}, the ledger holds {} records",
            cp.size,
            tree.size()
        );
    }
    let mine = tree.root(cp.size)?;
    if mine != cp.root {
        bail!(
            "this ledger's tree of size {} has root {}, the checkpoint says {}",
            cp.size,
            checkpoint::b64(&mine),
            checkpoint::b64(&cp.root)
        );
    }
    Ok(())
}

/// Signs a receipt for `report` (the tree root at its ledger position) and
/// writes it to `out`.
pub fn write_receipt(
    ledger: &Ledger,
    report: &slaledger_projections::report::Report,
    key: &Path,
    out: &Path,
) -> Result<()> {
    let key = read_key(key)?;
    let size = slaledger_replay::receipt::report_position(report)?;
    let tree = Tree::open(ledger)?;
    let root = tree.root(size)?;
    let note = slaledger_replay::receipt::sign(report, &origin(ledger, None)?, &root, &key)?;
    std::fs::write(out, note).with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "signed receipt written to {} (as `{}`)",
        out.display(),
        key.name
    );
    Ok(())
}

/// Trusted keys from `--key` arguments: verifier keys, or files of them.
fn trusted_keys(keys: &[String]) -> Result<Vec<String>> {
    let mut trusted = Vec::new();
    for k in keys {
        let p = Path::new(k);
        if p.is_file() {
            let t = std::fs::read_to_string(p)?;
            trusted.extend(
                t.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_owned),
            );
        } else {
            trusted.push(k.clone());
        }
    }
    if trusted.is_empty() {
        bail!("give at least one trusted verifier key (--key VKEY or a .pub file)");
    }
    Ok(trusted)
}

/// `evidence export | verify`.
pub fn evidence(dir: &Path, what: EvidenceCmd) -> Result<ExitCode> {
    use slaledger_ledger::vocab::Month;
    use slaledger_replay::evidence;
    match what {
        EvidenceCmd::Export {
            from,
            to,
            out,
            key,
            stream,
            at,
        } => {
            let (ledger, report) = Ledger::open(dir, LedgerOptions::default())?;
            crate::print_open_report(&report);
            let key = read_key(&key)?;
            let month = |m: &str, flag: &str| {
                Month::parse(m).with_context(|| format!("--{flag} `{m}` is not a month YYYY-MM"))
            };
            let stream = crate::resolve_stream(&ledger, stream)?;
            let origin = origin(&ledger, None)?;
            let req = evidence::ExportRequest {
                stream: &stream,
                from: month(&from, "from")?,
                to: month(&to, "to")?,
                key: &key,
                origin: &origin,
                eval: at
                    .as_deref()
                    .map(slaledger_ledger::time::Instant::parse)
                    .transpose()
                    .context("--at")?,
            };
            let e = evidence::export(&ledger, &req, &out)?;
            println!(
                "wrote {}: {} records, {} monthly reports, {} files, {} bytes, at tree size {}",
                out.display(),
                e.records,
                e.reports,
                e.files,
                e.bytes,
                e.head.0
            );
        }
        EvidenceCmd::Verify { dir: pack, keys } => {
            let rows = evidence::verify(&pack, &trusted_keys(&keys)?)?;
            let failed = rows.iter().filter(|r| !r.ok).count();
            println!("| item | result | detail |\n| --- | --- | --- |");
            for r in &rows {
                println!(
                    "| {} | {} | {} |",
                    r.item,
                    if r.ok { "pass" } else { "FAIL" },
                    r.detail
                );
            }
            println!("{} check(s), {failed} failed", rows.len());
            if failed > 0 {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `verify-proof FILE --key K...`: offline, from the file and the keys.
pub fn verify_proof(file: &Path, keys: &[String], report: Option<&Path>) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let trusted = trusted_keys(keys)?;
    if text.starts_with(slaledger_replay::receipt::RECEIPT) {
        let report_text = report
            .map(|p| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display())))
            .transpose()?;
        return Ok(
            match slaledger_replay::receipt::check(&text, &trusted, report_text.as_deref()) {
                Ok(c) => {
                    let names: Vec<String> = c
                        .signers
                        .0
                        .iter()
                        .map(|(n, id)| format!("{n} ({id:08x})"))
                        .collect();
                    println!(
                        "ok: a report receipt signed by {}{}",
                        names.join(", "),
                        if c.report_matched {
                            format!(
                                "; it binds {} byte for byte",
                                report.map(|p| p.display().to_string()).unwrap_or_default()
                            )
                        } else {
                            " (no report file given: only the signature was checked)".into()
                        }
                    );
                    for l in &c.lines[1..] {
                        println!("  {l}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    println!("FAILED: {e}");
                    ExitCode::from(1)
                }
            },
        );
    }
    let result = if text.starts_with(checkpoint::TLOG_PROOF) {
        checkpoint::check_inclusion(&text, &trusted).map(|c| {
            let p = checkpoint::parse_inclusion_proof(&text).ok();
            let what = p
                .and_then(|p| slaledger_ledger::encoding::decode_record(&p.record).ok())
                .map(|ev| {
                    format!(
                        " — `{}` ({}, stream `{}`)",
                        ev.id,
                        ev.event.kind(),
                        ev.stream
                    )
                })
                .unwrap_or_default();
            (c, what)
        })
    } else {
        checkpoint::check_consistency(&text, &trusted).map(|c| (c, String::new()))
    };
    match result {
        Ok((c, what)) => {
            println!("ok: {}{what}", c.summary);
            for o in &c.opened {
                let names: Vec<String> = o
                    .verified
                    .iter()
                    .map(|(n, id)| format!("{n} ({id:08x})"))
                    .collect();
                println!(
                    "  checkpoint of size {} signed by {}{}",
                    o.checkpoint.size,
                    names.join(", "),
                    if o.unknown.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; {} signature(s) by keys not given were ignored",
                            o.unknown.len()
                        )
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("FAILED: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
