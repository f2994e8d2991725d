//! # slaledger-snapshots
//!
//! Projection state at a ledger position, tied to the chain head, so that a
//! month of a years-long ledger is computed from its month-start state and
//! the events recorded since, not from the ledger's first record.
//!
//! A snapshot of a stream for month K at position `seq` holds the stream's
//! events through `seq` reduced to what months ≥ K read ([`state`]: every
//! event but the probe samples before K's look-back), in the ledger's own
//! record encoding, with the position's chain hash, the governing rule
//! set's content hash and the layout version ([`file`](mod@file)). It is never
//! trusted blindly: [`load`] ignores, with a [`Warning`], a snapshot whose
//! bytes are damaged, whose version is old, whose chain hash is no longer
//! the ledger's at its position or whose rule set no longer governs its
//! month, and then uses an older snapshot or the whole stream; the result
//! is the same bytes either way (tests: `snapshots/tests/`, `tests/it/snapshots.rs`).
#![deny(missing_docs)]

pub mod file;
pub mod read;
pub mod state;
pub mod store;

use file::{FileError, Meta};
use read::StreamRead;
use slaledger_ledger::chain::{hex, ChainHead};
use slaledger_ledger::event::{StoredEvent, SCHEMA_VERSION};
use slaledger_ledger::store::{Ledger, ReadError};
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use slaledger_projections::calendar;
use state::NotApplicable;
use std::path::PathBuf;
use store::Entry;

/// What a computation needs of a stream.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Stream.
    pub stream: &'a str,
    /// The earliest month the computation evaluates.
    pub month: Month,
    /// As-of replay: only records with `recorded_at` ≤ this exist.
    pub as_of: Option<Instant>,
    /// Read at most through this position.
    pub upto: Option<u64>,
    /// The evaluation time given, if any.
    pub eval: Option<Instant>,
    /// Assumed events (SPEC §9.4), placed after the position in this order.
    pub assumed: &'a [StoredEvent],
    /// Whether snapshots may be used at all.
    pub use_snapshots: bool,
}

impl<'a> Request<'a> {
    /// The stream as it stands at the head, with snapshots.
    pub fn new(stream: &'a str, month: Month) -> Self {
        Request {
            stream,
            month,
            as_of: None,
            upto: None,
            eval: None,
            assumed: &[],
            use_snapshots: true,
        }
    }
}

/// The snapshot a read started from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Used {
    /// Its file.
    pub path: PathBuf,
    /// The first month it serves.
    pub month: Month,
    /// Its position.
    pub seq: u64,
    /// Events it held.
    pub kept: usize,
    /// Events of the stream read from the ledger after it.
    pub read_after: usize,
}

/// Why a snapshot file was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Invalid {
    /// The file could not be read.
    #[error("cannot be read: {0}")]
    Io(String),
    /// Damaged bytes, another layout version, not a snapshot.
    #[error("{0}")]
    File(#[from] FileError),
    /// Its metadata does not match its name.
    #[error("its contents ({stream} {month} at seq {seq}) do not match its name")]
    Misnamed {
        /// Stream in the metadata.
        stream: String,
        /// Month in the metadata.
        month: Month,
        /// Seq in the metadata.
        seq: u64,
    },
    /// It holds records of another event schema version.
    #[error("event schema version {found}, this build writes {SCHEMA_VERSION}")]
    EventSchema {
        /// The file's.
        found: u16,
    },
    /// The ledger is shorter than its position.
    #[error("its position seq {0} is beyond the ledger head")]
    Beyond(u64),
    /// The ledger's chain hash at its position is another.
    #[error(
        "the ledger's chain hash at seq {seq} is {ledger}, the snapshot was taken at {snapshot}"
    )]
    ChainHash {
        /// Position.
        seq: u64,
        /// The ledger's hash there.
        ledger: String,
        /// The snapshot's.
        snapshot: String,
    },
    /// Another rule-set version now governs its month.
    #[error("it was taken under rule set {snapshot}, but {ledger} governs {month} now")]
    RuleSet {
        /// Month.
        month: Month,
        /// Content hash it was taken under.
        snapshot: String,
        /// Content hash that governs now.
        ledger: String,
    },
}

/// A snapshot left aside while loading, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The snapshot is not valid for this ledger: never trusted.
    Ignored {
        /// Its file.
        path: PathBuf,
        /// Why.
        reason: Invalid,
    },
    /// The snapshot is valid but cannot stand in for this computation.
    NotApplicable {
        /// Its file.
        path: PathBuf,
        /// Why.
        reason: NotApplicable,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::Ignored { path, reason } => {
                write!(f, "snapshot {} ignored: {reason}", path.display())
            }
            Warning::NotApplicable { path, reason } => {
                write!(f, "snapshot {} not used: {reason}", path.display())
            }
        }
    }
}

/// A stream read, from a snapshot or from the start.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The events: the snapshot's kept events, those recorded after it and
    /// the assumed ones (seqs after the position), in that order.
    pub read: StreamRead,
    /// Samples of the stream that the snapshot used left out.
    pub left_out: u64,
    /// Their latest `occurred_at`.
    pub left_out_latest_occurred: Option<Instant>,
    /// The snapshot used, if any.
    pub used: Option<Used>,
    /// Snapshots tried and left aside, newest first.
    pub warnings: Vec<Warning>,
}

/// Why a stream cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// Reading the ledger failed.
    #[error("reading the ledger: {0}")]
    Read(#[from] ReadError),
    /// Nothing was recorded at or before the as-of instant.
    #[error("nothing was recorded at or before {0}")]
    NothingAsOf(Instant),
    /// Listing or writing snapshot files failed.
    #[error("snapshot files: {0}")]
    Io(String),
    /// The stream has no events through the position.
    #[error("stream `{stream}` has no events through seq {seq}")]
    NoEvents {
        /// Stream.
        stream: String,
        /// Position.
        seq: u64,
    },
    /// A snapshot could not be encoded.
    #[error("encoding the snapshot: {0}")]
    Encode(FileError),
}

/// The evaluation time of a computation and where it comes from (SPEC §3.1,
/// §9.2): the one given; else, as of an instant, that instant or the latest
/// `occurred_at` read if later; else the `recorded_at` of the position.
pub fn resolve_eval(
    given: Option<Instant>,
    as_of: Option<Instant>,
    latest_occurred: Option<Instant>,
    last_recorded: Instant,
) -> (Instant, &'static str) {
    match (given, as_of) {
        (Some(t), _) => (t, "given"),
        (None, Some(a)) => (a.max(latest_occurred.unwrap_or(a)), "as_of"),
        (None, None) => (last_recorded, "ledger_head_recorded_at"),
    }
}

fn max_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Reads a stream for a computation: from the newest valid snapshot of the
/// stream for a month ≤ `req.month` at a position ≤ the read's end, plus the
/// records after it, or from the start when none applies. The events give
/// the same facts, and so the same report bytes, either way.
pub fn load(ledger: &Ledger, req: &Request<'_>) -> Result<Loaded, LoadError> {
    load_inner(ledger, req, true)
}

fn load_inner(ledger: &Ledger, req: &Request<'_>, eval_cut: bool) -> Result<Loaded, LoadError> {
    let end = read::end_position(ledger, req.as_of, req.upto)?.ok_or(LoadError::NothingAsOf(
        req.as_of.unwrap_or(Instant::from_millis(0)),
    ))?;
    let assumed: Vec<(u64, StoredEvent)> = req
        .assumed
        .iter()
        .filter(|e| e.stream == req.stream)
        .enumerate()
        .map(|(i, e)| (end.seq + 1 + i as u64, e.clone()))
        .collect();
    let mut warnings = Vec::new();
    if req.use_snapshots {
        let mut candidates: Vec<Entry> = store::list(ledger.dir())
            .map_err(|e| LoadError::Io(e.to_string()))?
            .into_iter()
            .filter(|e| e.stream == req.stream && e.month <= req.month && e.seq <= end.seq)
            .collect();
        candidates.sort_by_key(|e| std::cmp::Reverse((e.seq, e.month)));
        for entry in candidates {
            match try_snapshot(ledger, req, &entry, end, &assumed, eval_cut)? {
                Ok(loaded) => return Ok(Loaded { warnings, ..loaded }),
                Err(w) => warnings.push(w),
            }
        }
    }
    let mut read = read::stream_events_between(ledger, req.stream, 1, end)?;
    for (seq, ev) in assumed {
        read.saw_occurred(ev.occurred_at);
        read.events.push((seq, ev));
    }
    Ok(Loaded {
        read,
        left_out: 0,
        left_out_latest_occurred: None,
        used: None,
        warnings,
    })
}

/// Checks a snapshot file against the ledger (not against a computation).
fn check_file(ledger: &Ledger, entry: &Entry) -> Result<(Meta, Vec<(u64, StoredEvent)>), Invalid> {
    let bytes = std::fs::read(&entry.path).map_err(|e| Invalid::Io(e.to_string()))?;
    let (meta, kept) = file::decode(&bytes)?;
    check_meta(ledger, entry, &meta)?;
    Ok((meta, kept))
}

fn check_meta(ledger: &Ledger, entry: &Entry, meta: &Meta) -> Result<(), Invalid> {
    if meta.stream != entry.stream || meta.month != entry.month || meta.seq != entry.seq {
        return Err(Invalid::Misnamed {
            stream: meta.stream.clone(),
            month: meta.month,
            seq: meta.seq,
        });
    }
    if meta.event_schema != SCHEMA_VERSION {
        return Err(Invalid::EventSchema {
            found: meta.event_schema,
        });
    }
    if meta.seq > ledger.head().seq {
        return Err(Invalid::Beyond(meta.seq));
    }
    let at = ledger
        .hash_at(meta.seq)
        .map_err(|e| Invalid::Io(e.to_string()))?;
    if at != meta.hash {
        return Err(Invalid::ChainHash {
            seq: meta.seq,
            ledger: hex(&at),
            snapshot: hex(&meta.hash),
        });
    }
    Ok(())
}

fn try_snapshot(
    ledger: &Ledger,
    req: &Request<'_>,
    entry: &Entry,
    end: ChainHead,
    assumed: &[(u64, StoredEvent)],
    eval_cut: bool,
) -> Result<Result<Loaded, Warning>, LoadError> {
    let ignored = |reason: Invalid| {
        Ok(Err(Warning::Ignored {
            path: entry.path.clone(),
            reason,
        }))
    };
    let (meta, mut events) = match check_file(ledger, entry) {
        Ok(x) => x,
        Err(reason) => return ignored(reason),
    };
    let kept = events.len();
    let mut after = read::stream_events_between(ledger, req.stream, meta.seq + 1, end)?;
    let read_after = after.events.len();
    events.append(&mut after.events);
    events.extend(assumed.iter().cloned());
    let governing = state::governing_rule_set(&events, meta.month);
    if governing != meta.rule_set {
        return ignored(Invalid::RuleSet {
            month: meta.month,
            snapshot: meta.rule_set.clone().unwrap_or_else(|| "(none)".into()),
            ledger: governing.unwrap_or_else(|| "(none)".into()),
        });
    }
    let latest = max_opt(
        meta.left_out_latest_occurred,
        events.iter().map(|(_, e)| e.occurred_at).max(),
    );
    let eval = eval_cut.then(|| resolve_eval(req.eval, req.as_of, latest, after.last_recorded).0);
    if let Err(reason) = state::applicable(&events[..kept], &events[kept..], meta.month, eval) {
        return Ok(Err(Warning::NotApplicable {
            path: entry.path.clone(),
            reason,
        }));
    }
    Ok(Ok(Loaded {
        read: StreamRead {
            events,
            head: after.head,
            last_recorded: after.last_recorded,
            latest_occurred: latest,
        },
        left_out: meta.left_out,
        left_out_latest_occurred: meta.left_out_latest_occurred,
        used: Some(Used {
            path: entry.path.clone(),
            month: meta.month,
            seq: meta.seq,
            kept,
            read_after,
        }),
        warnings: Vec::new(),
    }))
}

/// A snapshot written.
#[derive(Debug, Clone)]
pub struct Created {
    /// Its file.
    pub path: PathBuf,
    /// What it is.
    pub meta: Meta,
    /// Events kept.
    pub kept: usize,
    /// File size, bytes.
    pub bytes: usize,
    /// Warnings from the snapshots tried while building it.
    pub warnings: Vec<Warning>,
}

/// The snapshot bytes of `stream` for month `month` at position `at`, built
/// from the newest usable snapshot (or from the start when
/// `use_snapshots` is false, as `verify` does).
pub fn build(
    ledger: &Ledger,
    stream: &str,
    month: Month,
    at: u64,
    use_snapshots: bool,
) -> Result<(Meta, Vec<u8>, usize, Vec<Warning>), LoadError> {
    let req = Request {
        upto: Some(at),
        use_snapshots,
        ..Request::new(stream, month)
    };
    let loaded = load_inner(ledger, &req, false)?;
    let events = &loaded.read.events;
    if events.is_empty() {
        return Err(LoadError::NoEvents {
            stream: stream.to_owned(),
            seq: at,
        });
    }
    let p = state::prune(events, month);
    let meta = Meta {
        stream: stream.to_owned(),
        month,
        seq: loaded.read.head.0,
        hash: loaded.read.head.1,
        rule_set: state::governing_rule_set(events, month),
        event_schema: SCHEMA_VERSION,
        cutoff: Instant::from_millis(state::cutoff_ms(month)),
        left_out: loaded.left_out + p.left_out,
        left_out_latest_occurred: max_opt(
            loaded.left_out_latest_occurred,
            p.left_out_latest_occurred,
        ),
    };
    let kept: Vec<(u64, &StoredEvent)> = p
        .kept
        .iter()
        .map(|i| (events[*i].0, &events[*i].1))
        .collect();
    let bytes = file::encode(&meta, &kept).map_err(LoadError::Encode)?;
    Ok((meta, bytes, kept.len(), loaded.warnings))
}

/// Creates the snapshot of `stream` for month `month` at position `at`
/// (the head if `None`) and writes it to the ledger's `snapshots/` folder.
pub fn create(
    ledger: &Ledger,
    stream: &str,
    month: Month,
    at: Option<u64>,
) -> Result<Created, LoadError> {
    let at = at.unwrap_or(ledger.head().seq);
    let (meta, bytes, kept, warnings) = build(ledger, stream, month, at, true)?;
    let path = store::write(
        ledger.dir(),
        &store::file_name(stream, month, meta.seq),
        &bytes,
    )
    .map_err(|e| LoadError::Io(e.to_string()))?;
    Ok(Created {
        path,
        meta,
        kept,
        bytes: bytes.len(),
        warnings,
    })
}

/// The position at which month `m` starts in ledger time: the last record
/// with `recorded_at` before the month's first instant (Europe/Copenhagen);
/// `None` if nothing was recorded before it.
pub fn month_start_position(ledger: &Ledger, m: Month) -> Result<Option<u64>, ReadError> {
    let start = calendar::month_bounds(m).0;
    ledger.position_as_of(start.saturating_add_millis(-1), ledger.head().seq)
}

/// What `snapshot verify` found for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Recomputed from the ledger's start: the same bytes.
    Matches(Meta),
    /// Valid binding, but the recomputed bytes differ (a defect: report it).
    Differs(Meta),
    /// Not valid for this ledger.
    Invalid(Invalid),
}

/// Recomputes a snapshot from the start of the ledger and compares bytes.
pub fn verify(ledger: &Ledger, entry: &Entry) -> Result<Verdict, LoadError> {
    let bytes = match std::fs::read(&entry.path) {
        Ok(b) => b,
        Err(e) => return Ok(Verdict::Invalid(Invalid::Io(e.to_string()))),
    };
    let meta = match file::decode_meta(&bytes) {
        Ok(m) => m,
        Err(e) => return Ok(Verdict::Invalid(e.into())),
    };
    if let Err(reason) = check_meta(ledger, entry, &meta) {
        return Ok(Verdict::Invalid(reason));
    }
    let (_, again, _, _) = build(ledger, &meta.stream, meta.month, meta.seq, false)?;
    Ok(if again == bytes {
        Verdict::Matches(meta)
    } else {
        Verdict::Differs(meta)
    })
}

/// The validity of a snapshot file for this ledger (without recomputing).
pub fn check(ledger: &Ledger, entry: &Entry) -> Result<Meta, Invalid> {
    let bytes = std::fs::read(&entry.path).map_err(|e| Invalid::Io(e.to_string()))?;
    let meta = file::decode_meta(&bytes)?;
    check_meta(ledger, entry, &meta)?;
    Ok(meta)
}

/// Removes the snapshot files that are not valid for this ledger and, with
/// `superseded`, every valid one but the newest per stream and month (an
/// as-of replay before the newest then reads from an older one or the
/// start). Returns the files removed and why.
pub fn prune(ledger: &Ledger, superseded: bool) -> Result<Vec<(Entry, String)>, LoadError> {
    let entries = store::list(ledger.dir()).map_err(|e| LoadError::Io(e.to_string()))?;
    let mut removed = Vec::new();
    let mut valid: Vec<Entry> = Vec::new();
    for e in entries {
        match check(ledger, &e) {
            Ok(_) => valid.push(e),
            Err(reason) => removed.push((e, reason.to_string())),
        }
    }
    if superseded {
        // `list` sorts by stream, month, seq: the newest of each group is last.
        for w in valid.windows(2) {
            if w[0].stream == w[1].stream && w[0].month == w[1].month {
                removed.push((w[0].clone(), format!("superseded by seq {}", w[1].seq)));
            }
        }
    }
    for (e, _) in &removed {
        std::fs::remove_file(&e.path)
            .map_err(|err| LoadError::Io(format!("{}: {err}", e.path.display())))?;
    }
    Ok(removed)
}

/// The snapshot settings of a ledger (`snapshots/config.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Create snapshots automatically when an append starts a new month of
    /// ledger time (default on).
    #[serde(default = "yes")]
    pub auto: bool,
}

fn yes() -> bool {
    true
}

impl Default for Config {
    fn default() -> Self {
        Config { auto: true }
    }
}

/// Reads the ledger's snapshot settings (defaults when there is no file).
pub fn config(ledger_dir: &std::path::Path) -> Result<Config, LoadError> {
    let path = store::dir_of(ledger_dir).join("config.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).map_err(|e| LoadError::Io(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(LoadError::Io(format!("{}: {e}", path.display()))),
    }
}

/// Writes the ledger's snapshot settings.
pub fn set_config(ledger_dir: &std::path::Path, c: Config) -> Result<(), LoadError> {
    let text = toml::to_string(&c).map_err(|e| LoadError::Io(e.to_string()))?;
    store::write(ledger_dir, "config.toml", text.as_bytes())
        .map(|_| ())
        .map_err(|e| LoadError::Io(e.to_string()))
}

/// After an append moved ledger time from `before_recorded` (with the head
/// `before`) into a later month, snapshots every stream that existed
/// before it for that month, at `before`: the state at the month's start.
/// Nothing when the month did not change or the ledger was empty.
pub fn after_append(
    ledger: &Ledger,
    before: ChainHead,
    before_recorded: Instant,
) -> Result<Vec<Created>, LoadError> {
    if before.seq == 0 || before.seq >= ledger.head().seq {
        return Ok(Vec::new());
    }
    let now = ledger.recorded_at(ledger.head().seq)?;
    let month = calendar::month_of(now);
    if month <= calendar::month_of(before_recorded) {
        return Ok(Vec::new());
    }
    let existing = store::list(ledger.dir()).map_err(|e| LoadError::Io(e.to_string()))?;
    let mut out = Vec::new();
    let streams = ledger.index()?.streams().map_err(ReadError::from)?;
    for (stream, first) in streams {
        let have = existing
            .iter()
            .any(|e| e.stream == stream && e.month == month && e.seq == before.seq);
        if first > before.seq || have {
            continue;
        }
        out.push(create(ledger, &stream, month, Some(before.seq))?);
    }
    Ok(out)
}
