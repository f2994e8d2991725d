//! Evidence packs (issue 7, ISAE 3402): a directory an auditor can check
//! offline, without trusting whoever runs the ledger.
//!
//! `export` writes, for one stream and a period of months:
//! - `records.jsonl`: every event the period's reports read (the stream's
//!   events through the export position, less the probe samples no month of
//!   the period reads, `slaledger_snapshots::state::prune`), as
//!   `{"seq", "record": base64(record bytes)}`; `events.jsonl` and
//!   `events.csv` the same events for people;
//! - `reports/YYYY-MM.json|md`: each month's report at the export position;
//! - `rules/`: every rule-set version's content;
//! - `checkpoints/export.note`: the Merkle tree at the export position, signed
//!   by the exporter; `checkpoints/SIZE.note`: the ledger's stored
//!   checkpoints up to it (cosigned ones among them);
//! - `proofs/inclusion.jsonl`: an inclusion proof of every record in the
//!   export checkpoint; `proofs/consistency-A-B.json`: a consistency proof
//!   chain from the oldest stored checkpoint to the export one;
//! - `manifest.json` (blake3 of every file, the position, the evaluation
//!   time) and `manifest.note` (the exporter's signature over its hash);
//! - `README.md`: how to check it.
//!
//! `verify` checks every hash, signature and proof and recomputes every
//! report from the included records, and returns one row per check.

use crate::month::{report_from_read, MonthQuery, StreamRead};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use slaledger_ledger::checkpoint::{self, Checkpoint, ConsistencyProof, PrivateKey};
use slaledger_ledger::encoding;
use slaledger_ledger::event::{Event, StoredEvent};
use slaledger_ledger::input;
use slaledger_ledger::merkle;
use slaledger_ledger::store::Ledger;
use slaledger_ledger::tiles::Tree;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use slaledger_projections::calendar;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Format tag of the manifest.
pub const FORMAT: &str = "slaledger/evidence@v1";
/// First line of the manifest signature note.
pub const MANIFEST_NOTE: &str = "slaledger/evidence-manifest@v1";

/// Why an export could not be made or a pack not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// Reading the ledger or computing a report failed.
    #[error("{0}")]
    Replay(#[from] crate::month::ReplayError),
    /// Reading the ledger failed.
    #[error("reading the ledger: {0}")]
    Read(#[from] slaledger_ledger::store::ReadError),
    /// Signing or a proof failed.
    #[error("{0}")]
    Audit(#[from] checkpoint::AuditError),
    /// File system.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The request cannot be met.
    #[error("{0}")]
    Invalid(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EvidenceError + '_ {
    move |e| EvidenceError::Io {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportRequest<'a> {
    /// Stream.
    pub stream: &'a str,
    /// First month.
    pub from: Month,
    /// Last month.
    pub to: Month,
    /// The exporter's key (signs the export checkpoint and the manifest).
    pub key: &'a PrivateKey,
    /// The ledger's checkpoint origin.
    pub origin: &'a str,
    /// Evaluation time of the reports (default: `recorded_at` of the head).
    pub eval: Option<Instant>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// Records included.
    pub records: usize,
    /// Monthly reports.
    pub reports: usize,
    /// Files written.
    pub files: usize,
    /// Their total size, bytes.
    pub bytes: u64,
    /// The export position.
    pub head: (u64, [u8; 32]),
}

fn months(from: Month, to: Month) -> Vec<Month> {
    let mut v = Vec::new();
    let mut m = from;
    while m <= to {
        v.push(m);
        m = calendar::next_month(m);
    }
    v
}

/// The directory a pack is written into before it is moved to its place;
/// removed again unless [`Staging::finish`] moved it.
struct Staging {
    dir: PathBuf,
    done: bool,
}

impl Staging {
    fn new(out: &Path) -> Result<Self, EvidenceError> {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "pack".into());
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        Ok(Staging { dir, done: false })
    }

    /// Moves the finished pack to `out` (absent, or an empty directory).
    fn finish(mut self, out: &Path) -> Result<(), EvidenceError> {
        if out.exists() {
            std::fs::remove_dir(out).map_err(io(out))?;
        }
        std::fs::rename(&self.dir, out).map_err(io(out))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

struct Writer {
    dir: PathBuf,
    files: BTreeMap<String, String>,
    bytes: u64,
}

impl Writer {
    fn put(&mut self, rel: &str, content: &[u8]) -> Result<(), EvidenceError> {
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(io(p))?;
        }
        std::fs::write(&path, content).map_err(io(&path))?;
        self.files
            .insert(rel.to_owned(), blake3::hash(content).to_hex().to_string());
        self.bytes += content.len() as u64;
        Ok(())
    }
}

fn csv_of(events: &[(u64, StoredEvent)]) -> Result<Vec<u8>, EvidenceError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let bad = |e: csv::Error| EvidenceError::Invalid(format!("events.csv: {e}"));
    w.write_record([
        "seq",
        "id",
        "stream",
        "kind",
        "occurred_at",
        "recorded_at",
        "party",
        "identity",
    ])
    .map_err(bad)?;
    for (seq, ev) in events {
        w.write_record([
            seq.to_string(),
            ev.id.to_string(),
            ev.stream.to_string(),
            ev.event.kind().to_owned(),
            ev.occurred_at.to_string(),
            ev.recorded_at.to_string(),
            ev.actor.party.as_str().to_owned(),
            ev.actor.identity.to_string(),
        ])
        .map_err(bad)?;
    }
    w.into_inner()
        .map_err(|e| EvidenceError::Invalid(format!("events.csv: {e}")))
}

/// The reports of the period from a set of records, as `verify` recomputes
/// them: `(month, canonical JSON, Markdown)` for every month a rule set governs.
fn reports_of(
    events: &[(u64, StoredEvent)],
    stream: &str,
    period: &[Month],
    head: (u64, [u8; 32]),
    eval: Instant,
) -> Result<Vec<(Month, String, String)>, EvidenceError> {
    let read = StreamRead {
        events: events.to_vec(),
        head,
        last_recorded: eval,
        latest_occurred: events.iter().map(|(_, e)| e.occurred_at).max(),
    };
    let mut out = Vec::new();
    for m in period {
        match report_from_read(&read, &MonthQuery::new(stream, *m, Some(eval))) {
            Ok(r) => {
                let md = slaledger_projections::report::to_markdown(&r);
                out.push((*m, r.canonical, md));
            }
            Err(crate::month::ReplayError::NoRuleSet { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// Writes an evidence pack to `out` (which must not exist or be empty).
pub fn export(
    ledger: &Ledger,
    req: &ExportRequest<'_>,
    out: &Path,
) -> Result<Exported, EvidenceError> {
    if req.from > req.to {
        return Err(EvidenceError::Invalid(format!(
            "--from {} is after --to {}",
            req.from, req.to
        )));
    }
    if out.exists() && std::fs::read_dir(out).map_err(io(out))?.next().is_some() {
        return Err(EvidenceError::Invalid(format!(
            "{} exists and is not empty",
            out.display()
        )));
    }
    let head = ledger.head();
    let read = crate::month::stream_events(ledger, req.stream)?;
    if read.events.is_empty() {
        return Err(EvidenceError::Invalid(format!(
            "stream `{}` has no events",
            req.stream
        )));
    }
    let eval = req.eval.unwrap_or(read.last_recorded);
    let period = months(req.from, req.to);
    let kept = slaledger_snapshots::state::prune(&read.events, req.from);
    let events: Vec<(u64, StoredEvent)> =
        kept.kept.iter().map(|i| read.events[*i].clone()).collect();
    // The reports from the exported records must be the ledger's reports.
    let reports = reports_of(&events, req.stream, &period, (head.seq, head.hash), eval)?;
    let full = reports_of(
        &read.events,
        req.stream,
        &period,
        (head.seq, head.hash),
        eval,
    )?;
    if reports != full {
        return Err(EvidenceError::Invalid(
            "the exported records do not reproduce the ledger's reports (a defect: please report it)".into(),
        ));
    }
    // Written into a staging directory beside `out` and moved into place
    // whole at the end: an export that fails leaves no partial pack.
    let staging = Staging::new(out)?;
    let mut w = Writer {
        dir: staging.dir.clone(),
        files: BTreeMap::new(),
        bytes: 0,
    };
    // Records, events, proofs.
    let tree = Tree::open(ledger)?;
    let size = head.seq;
    let root = tree.root(size)?;
    let (mut records, mut lines, mut proofs) = (String::new(), String::new(), String::new());
    // One sequential pass over the log for the kept records' bytes and hashes.
    let mut frames = ledger.frames_from(events.first().map_or(1, |e| e.0));
    for (seq, ev) in &events {
        let frame = loop {
            match frames.next() {
                Some(Ok((_, f))) if f.seq == *seq => break f,
                Some(Ok((_, f))) if f.seq < *seq => continue,
                Some(Err(e)) => return Err(e.into()),
                _ => {
                    return Err(EvidenceError::Invalid(format!(
                        "record {seq} not found in the log"
                    )))
                }
            }
        };
        records.push_str(
            &serde_json::json!({"seq": seq, "record": B64.encode(&frame.record)}).to_string(),
        );
        records.push('\n');
        lines.push_str(&input::to_json_line(*seq, &frame.hash, ev));
        lines.push('\n');
        let path = merkle::inclusion_proof(&tree, seq - 1, size)?.unwrap_or_default();
        let path: Vec<String> = path.iter().map(checkpoint::b64).collect();
        proofs.push_str(&serde_json::json!({"seq": seq, "proof": path}).to_string());
        proofs.push('\n');
    }
    w.put("records.jsonl", records.as_bytes())?;
    w.put("events.jsonl", lines.as_bytes())?;
    w.put("events.csv", &csv_of(&events)?)?;
    w.put("proofs/inclusion.jsonl", proofs.as_bytes())?;
    for (m, json, md) in &reports {
        w.put(&format!("reports/{m}.json"), format!("{json}\n").as_bytes())?;
        w.put(&format!("reports/{m}.md"), md.as_bytes())?;
    }
    for (seq, ev) in &events {
        let (id, version, content) = match &ev.event {
            Event::RuleSetDefined(r) => (&r.rule_set_id, 1, &r.content),
            Event::RuleSetAmended(r) => (&r.rule_set_id, r.version, &r.content),
            _ => continue,
        };
        w.put(
            &format!("rules/{id}-v{version}-seq{seq}.json"),
            content.as_bytes(),
        )?;
    }
    // Checkpoints: the export's own, and the stored ones up to it.
    let cp = Checkpoint {
        origin: req.origin.to_owned(),
        size,
        root,
        extensions: Vec::new(),
    };
    let export_note = checkpoint::sign(&cp, req.key)?;
    w.put("checkpoints/export.note", export_note.as_bytes())?;
    let mut chain: Vec<(u64, String)> = Vec::new();
    for (s, path) in checkpoint::store::list(ledger.dir()) {
        if s > size {
            continue;
        }
        let note = std::fs::read_to_string(&path).map_err(io(&path))?;
        w.put(&format!("checkpoints/{s:012}.note"), note.as_bytes())?;
        chain.push((s, note));
    }
    for (m, path) in checkpoint::store::seals(ledger.dir()) {
        if m < req.from || m > req.to {
            continue;
        }
        let note = std::fs::read_to_string(&path).map_err(io(&path))?;
        if Checkpoint::parse(&note[..note.rfind("\n\n").map_or(0, |i| i + 1)])
            .is_ok_and(|c| c.size <= size)
        {
            w.put(&format!("checkpoints/seal-{m}.note"), note.as_bytes())?;
        }
    }
    chain.push((size, export_note));
    for pair in chain.windows(2) {
        let ((a, na), (b, nb)) = (&pair[0], &pair[1]);
        if a == b {
            continue;
        }
        let proof = merkle::consistency_proof(&tree, *a, *b)?.unwrap_or_default();
        let doc = ConsistencyProof {
            format: checkpoint::CONSISTENCY_FORMAT.into(),
            old: na.clone(),
            new: nb.clone(),
            proof: proof.iter().map(checkpoint::b64).collect(),
        };
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| EvidenceError::Invalid(e.to_string()))?;
        w.put(
            &format!("proofs/consistency-{a}-{b}.json"),
            format!("{text}\n").as_bytes(),
        )?;
    }
    w.put("README.md", readme(req, size, &reports).as_bytes())?;
    // The manifest, and the exporter's signature over its hash.
    let manifest = serde_json::json!({
        "format": FORMAT,
        "stream": req.stream,
        "from": req.from.to_string(),
        "to": req.to.to_string(),
        "head": {"seq": head.seq, "hash": slaledger_ledger::chain::hex(&head.hash)},
        "evaluation_time": eval.to_string(),
        "records": events.len(),
        "left_out_probe_samples": kept.left_out,
        "software": {"program": "slaledger", "version": env!("CARGO_PKG_VERSION")},
        "files": w.files,
    });
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&manifest)
            .map_err(|e| EvidenceError::Invalid(e.to_string()))?
    );
    let mpath = staging.dir.join("manifest.json");
    std::fs::write(&mpath, &text).map_err(io(&mpath))?;
    let note = checkpoint::sign_text(
        &format!(
            "{MANIFEST_NOTE}\nblake3 {}\n",
            blake3::hash(text.as_bytes()).to_hex()
        ),
        req.key,
    )?;
    let npath = staging.dir.join("manifest.note");
    std::fs::write(&npath, &note).map_err(io(&npath))?;
    staging.finish(out)?;
    Ok(Exported {
        records: events.len(),
        reports: reports.len(),
        files: w.files.len() + 2,
        bytes: w.bytes + text.len() as u64 + note.len() as u64,
        head: (head.seq, head.hash),
    })
}

fn readme(req: &ExportRequest<'_>, size: u64, reports: &[(Month, String, String)]) -> String {
    format!(
        "# Evidence pack: stream `{stream}`, {from} to {to}\n\n\
         Exported from a slaledger ledger at tree size {size} (origin `{origin}`), signed by `{signer}`.\n\
         {n} monthly report(s) in `reports/`.\n\n\
         ## Checking it\n\n\
         With slaledger: `slaledger evidence verify THIS_DIR --key SIGNER.pub [--key OTHER_PARTY.pub]`\n\
         checks every file hash against the signed manifest, every checkpoint signature, every\n\
         inclusion and consistency proof, and recomputes every report from `records.jsonl`.\n\n\
         Without slaledger (docs/FORMAT.md of the source describes every byte):\n\n\
         1. `manifest.note` is a C2SP signed note; its text names the blake3 of `manifest.json`,\n   \
            which lists the blake3 of every other file.\n\
         2. `checkpoints/export.note` is a C2SP tlog-checkpoint of the RFC 6962 Merkle tree of the\n   \
            ledger's records (leaf = SHA-256(0x00 || record bytes), leaf index = seq - 1).\n\
         3. `records.jsonl` holds each record's bytes (base64); `proofs/inclusion.jsonl` its\n   \
            audit path to the export checkpoint's root (RFC 9162 §2.1.3.2).\n\
         4. `proofs/consistency-A-B.json` prove that each later checkpoint extends the earlier\n   \
            one (RFC 9162 §2.1.4.2): the history the parties signed was not rewritten.\n\
         5. Records decode as docs/FORMAT.md §Records says; `events.jsonl` and `events.csv` are\n   \
            the same events for reading.\n",
        stream = req.stream,
        from = req.from,
        to = req.to,
        origin = req.origin,
        signer = req.key.name,
        n = reports.len(),
    )
}

/// One check of `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// What was checked.
    pub item: String,
    /// Whether it holds.
    pub ok: bool,
    /// What was found.
    pub detail: String,
}

fn row(item: impl Into<String>, r: Result<String, String>) -> Row {
    match r {
        Ok(d) => Row {
            item: item.into(),
            ok: true,
            detail: d,
        },
        Err(d) => Row {
            item: item.into(),
            ok: false,
            detail: d,
        },
    }
}

/// "tree size N, signed by A, B" of an opened checkpoint.
fn signed_by(o: &checkpoint::Opened) -> String {
    let names: Vec<&str> = o.verified.iter().map(|(n, _)| n.as_str()).collect();
    format!(
        "tree size {}, signed by {}",
        o.checkpoint.size,
        names.join(", ")
    )
}

/// Checks an evidence pack offline with the trusted verifier keys; one row
/// per check, every row must hold.
pub fn verify(dir: &Path, trusted: &[String]) -> Result<Vec<Row>, EvidenceError> {
    let mut rows = Vec::new();
    let read = |rel: &str| -> Result<String, String> {
        std::fs::read_to_string(dir.join(rel)).map_err(|e| format!("{rel}: {e}"))
    };
    // 1. The manifest and its signature.
    let manifest_text = read("manifest.json").map_err(EvidenceError::Invalid)?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest_text)
        .map_err(|e| EvidenceError::Invalid(format!("manifest.json: {e}")))?;
    rows.push(row(
        "manifest.note (signature over manifest.json)",
        read("manifest.note").and_then(|n| {
            let (text, (ok, _)) = checkpoint::open_note(&n, trusted).map_err(|e| e.to_string())?;
            let want = format!(
                "{MANIFEST_NOTE}\nblake3 {}\n",
                blake3::hash(manifest_text.as_bytes()).to_hex()
            );
            if text != want {
                return Err("the signed hash is not manifest.json's".into());
            }
            Ok(format!(
                "signed by {}",
                ok.iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }),
    ));
    // 2. Every file's hash; no file missing or added.
    let files: BTreeMap<String, String> = manifest["files"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut on_disk = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(io(&d))?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                on_disk.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    for f in &on_disk {
        if !files.contains_key(f) && f != "manifest.json" && f != "manifest.note" {
            rows.push(row(
                f.clone(),
                Err("a file the manifest does not list".into()),
            ));
        }
    }
    for (f, want) in &files {
        let got = std::fs::read(dir.join(f)).map(|b| blake3::hash(&b).to_hex().to_string());
        rows.push(row(
            format!("{f} (hash)"),
            match got {
                Ok(h) if &h == want => Ok("hash as in the manifest".into()),
                Ok(_) => Err("its blake3 differs from the manifest's: the file was changed".into()),
                Err(e) => Err(format!("missing ({e})")),
            },
        ));
    }
    // 3. Checkpoints.
    let export = read("checkpoints/export.note")
        .and_then(|n| checkpoint::open(&n, trusted).map_err(|e| e.to_string()));
    let head_seq = manifest["head"]["seq"].as_u64().unwrap_or(0);
    rows.push(row(
        "checkpoints/export.note (signatures)",
        export.clone().and_then(|o| {
            if o.checkpoint.size != head_seq {
                return Err(format!(
                    "tree size {} is not the manifest's position {head_seq}",
                    o.checkpoint.size
                ));
            }
            Ok(signed_by(&o))
        }),
    ));
    for f in files
        .keys()
        .filter(|f| f.starts_with("checkpoints/") && f.as_str() != "checkpoints/export.note")
    {
        rows.push(row(
            format!("{f} (signatures)"),
            read(f)
                .and_then(|n| checkpoint::open(&n, trusted).map_err(|e| e.to_string()))
                .map(|o| signed_by(&o)),
        ));
    }
    // 4. Records and their inclusion proofs.
    let stream = manifest["stream"].as_str().unwrap_or_default().to_owned();
    let mut events: Vec<(u64, StoredEvent)> = Vec::new();
    let mut raw: Vec<(u64, Vec<u8>)> = Vec::new();
    let records = read("records.jsonl").and_then(|t| {
        let mut last = 0u64;
        for (i, l) in t.lines().enumerate() {
            let v: serde_json::Value =
                serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1))?;
            let seq = v["seq"]
                .as_u64()
                .ok_or_else(|| format!("line {}: no seq", i + 1))?;
            if seq <= last {
                return Err(format!(
                    "line {}: seq {seq} out of order (after {last})",
                    i + 1
                ));
            }
            last = seq;
            let bytes = B64
                .decode(v["record"].as_str().unwrap_or_default())
                .map_err(|e| format!("seq {seq}: {e}"))?;
            let ev = encoding::decode_record(&bytes).map_err(|e| format!("seq {seq}: {e}"))?;
            if ev.stream != stream.as_str() {
                return Err(format!("seq {seq}: stream `{}`, not `{stream}`", ev.stream));
            }
            events.push((seq, ev));
            raw.push((seq, bytes));
        }
        if Some(events.len() as u64) != manifest["records"].as_u64() {
            return Err(format!(
                "{} records, the manifest says {}",
                events.len(),
                manifest["records"]
            ));
        }
        Ok(format!("{} records decode, in ledger order", events.len()))
    });
    rows.push(row("records.jsonl (records)", records));
    rows.push(row(
        "proofs/inclusion.jsonl (proofs)",
        export.clone().and_then(|o| {
            let cp = o.checkpoint;
            let t = read("proofs/inclusion.jsonl")?;
            let lines: Vec<&str> = t.lines().collect();
            if lines.len() != raw.len() {
                return Err(format!("{} proofs for {} records", lines.len(), raw.len()));
            }
            for ((seq, bytes), l) in raw.iter().zip(lines) {
                let v: serde_json::Value = serde_json::from_str(l).map_err(|e| e.to_string())?;
                if v["seq"].as_u64() != Some(*seq) {
                    return Err(format!("the proof for seq {seq} is missing"));
                }
                let path: Vec<merkle::Hash> = v["proof"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|h| B64.decode(h.as_str().unwrap_or_default()).ok()?.try_into().ok())
                    .collect();
                if !merkle::verify_inclusion(seq - 1, cp.size, &merkle::leaf_hash(bytes), &path, &cp.root) {
                    return Err(format!("record seq {seq} is not in the export checkpoint's tree: it was changed or never logged there"));
                }
            }
            Ok(format!("all {} records are in the tree of size {}", raw.len(), cp.size))
        }),
    ));
    // 5. The readable copies say what the records say.
    rows.push(row(
        "events.jsonl (content)",
        read("events.jsonl").and_then(|t| {
            let lines: Vec<&str> = t.lines().collect();
            if lines.len() != events.len() {
                return Err(format!(
                    "{} lines for {} records",
                    lines.len(),
                    events.len()
                ));
            }
            for ((seq, ev), l) in events.iter().zip(lines) {
                let v: serde_json::Value = serde_json::from_str(l).map_err(|e| e.to_string())?;
                let hash =
                    slaledger_ledger::chain::parse_hex32(v["hash"].as_str().unwrap_or_default())
                        .ok_or_else(|| format!("seq {seq}: no chain hash"))?;
                if input::to_json_line(*seq, &hash, ev) != l {
                    return Err(format!(
                        "seq {seq}: the line does not say what the record says"
                    ));
                }
            }
            Ok("every line is its record".into())
        }),
    ));
    rows.push(row(
        "events.csv (content)",
        std::fs::read(dir.join("events.csv"))
            .map_err(|e| e.to_string())
            .and_then(|b| {
                let want = csv_of(&events).map_err(|e| e.to_string())?;
                if b == want {
                    Ok("every row is its record".into())
                } else {
                    Err("the rows do not say what the records say".into())
                }
            }),
    ));
    // 6. Consistency chain.
    for f in files
        .keys()
        .filter(|f| f.starts_with("proofs/consistency-"))
    {
        rows.push(row(
            format!("{f} (proof)"),
            read(f).and_then(|t| {
                checkpoint::check_consistency(&t, trusted)
                    .map(|c| c.summary)
                    .map_err(|e| e.to_string())
            }),
        ));
    }
    // 7. Every report, recomputed from the records.
    let eval = manifest["evaluation_time"]
        .as_str()
        .and_then(|t| Instant::parse(t).ok());
    let head_hash = manifest["head"]["hash"]
        .as_str()
        .and_then(slaledger_ledger::chain::parse_hex32);
    let (Some(from), Some(to)) = (
        manifest["from"].as_str().and_then(Month::parse),
        manifest["to"].as_str().and_then(Month::parse),
    ) else {
        return Err(EvidenceError::Invalid(
            "manifest.json names no period".into(),
        ));
    };
    match (eval, head_hash) {
        (Some(eval), Some(hash)) => {
            let again = reports_of(&events, &stream, &months(from, to), (head_seq, hash), eval);
            match again {
                Ok(again) => {
                    let listed: Vec<&String> = files
                        .keys()
                        .filter(|f| f.starts_with("reports/") && f.ends_with(".json"))
                        .collect();
                    if listed.len() != again.len() {
                        rows.push(row(
                            "reports/",
                            Err(format!(
                                "{} reports, the records give {}",
                                listed.len(),
                                again.len()
                            )),
                        ));
                    }
                    for (m, json, md) in again {
                        let jf = format!("reports/{m}.json");
                        rows.push(row(
                            format!("{jf} (recomputed)"),
                            read(&jf).and_then(|t| if t.trim_end() == json { Ok("recomputed from records.jsonl: the same bytes".into()) } else { Err("recomputed from records.jsonl, it differs: the report was changed or the records were".into()) }),
                        ));
                        let mf = format!("reports/{m}.md");
                        rows.push(row(
                            format!("{mf} (rendered)"),
                            read(&mf).and_then(|t| {
                                if t == md {
                                    Ok("rendered from the recomputed report".into())
                                } else {
                                    Err("differs from the recomputed report".into())
                                }
                            }),
                        ));
                    }
                }
                Err(e) => rows.push(row("reports/", Err(format!("cannot recompute: {e}")))),
            }
        }
        _ => rows.push(row(
            "manifest.json",
            Err("no evaluation time or head hash".into()),
        )),
    }
    // 8. Rule sets as recorded.
    for f in files.keys().filter(|f| f.starts_with("rules/")) {
        let item = format!("{f} (content)");
        let seq: Option<u64> = f
            .rsplit("-seq")
            .next()
            .and_then(|s| s.strip_suffix(".json"))
            .and_then(|s| s.parse().ok());
        let content = events
            .iter()
            .find(|(s, _)| Some(*s) == seq)
            .and_then(|(_, e)| match &e.event {
                Event::RuleSetDefined(r) => Some(r.content.clone()),
                Event::RuleSetAmended(r) => Some(r.content.clone()),
                _ => None,
            });
        rows.push(row(
            item,
            match (read(f), content) {
                (Ok(t), Some(c)) if t == c => Ok("the content of its rule-set event".into()),
                (Ok(_), Some(_)) => Err("differs from its rule-set event".into()),
                (Ok(_), None) => Err("names no rule-set event of the records".into()),
                (Err(e), _) => Err(e),
            },
        ));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::Staging;

    #[test]
    fn a_pack_that_fails_midway_leaves_neither_staging_nor_pack() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("pack");
        {
            let staging = Staging::new(&out).unwrap();
            std::fs::write(staging.dir.join("records.jsonl"), "half").unwrap();
            // An error before `finish` drops it.
        }
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_finished_pack_replaces_an_empty_target_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("pack");
        std::fs::create_dir(&out).unwrap();
        let staging = Staging::new(&out).unwrap();
        std::fs::write(staging.dir.join("manifest.json"), "{}").unwrap();
        staging.finish(&out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("manifest.json")).unwrap(),
            "{}"
        );
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
