//! The ledger: segment log + sled index behind one exclusive lock.
//!
//! [`Ledger::open`] takes the directory lock, recovers the log's tail (a torn,
//! unacknowledged batch is moved to `quarantine/` and cut), and catches the
//! index up with the log. [`Ledger::append`] validates a batch against the
//! ledger, writes it with one fdatasync and only then indexes it.

use crate::chain::{self, ChainHead};
use crate::encoding::{self, RecordError};
use crate::event::{Event, StoredEvent};
use crate::index::{id_fingerprint, FingerprintHasher, IdTable, Index, IndexEntry};
use crate::indexer::{Indexer, Job};
use crate::input::Draft;
use crate::segment::{
    self, ActiveSegment, CommitError, Frame, Position, SegmentHeader, TailProblem,
};
use crate::semantics::ObjectRef;
use crate::signing::StreamRules;
use crate::time::Instant;
use crate::vocab::Party;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[cfg(test)]
mod fault_tests;

/// Default clock tolerance: `occurred_at` may be at most this far after
/// `recorded_at` (SPEC §4.1). A rule set may set `clock_tolerance_minutes`.
pub const DEFAULT_CLOCK_TOLERANCE_MS: i64 = 5 * 60_000;

/// Errors opening a ledger.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Another process holds the lock.
    #[error("ledger {dir} is in use by another process{}; wait for it to finish", pid.as_ref().map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Locked {
        /// Ledger directory.
        dir: PathBuf,
        /// Pid written by the holder, if readable.
        pid: Option<String>,
    },
    /// No ledger at the path.
    #[error("no ledger at {0} (create one with `slaledger init`)")]
    NotALedger(PathBuf),
    /// A ledger already exists where one is to be created.
    #[error("a ledger already exists at {0}")]
    Exists(PathBuf),
    /// The log is damaged in a way a crash cannot explain.
    #[error("the log is damaged in {file} at byte {offset}: {reason}; run `slaledger verify` for details. Nothing was changed")]
    Corrupt {
        /// Segment file.
        file: PathBuf,
        /// Offset.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// I/O.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: io::Error,
    },
    /// The sled index could not be opened or rebuilt.
    #[error("index error: {0} (the index is derived data: delete the `index` directory and reopen to rebuild it)")]
    Index(#[from] sled::Error),
    /// A record in the log does not decode.
    #[error("record seq {seq} does not decode: {source}")]
    Record {
        /// Seq.
        seq: u64,
        /// Cause.
        source: RecordError,
    },
}

/// Errors appending a batch. Nothing of the batch is appended when any occurs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// An event is invalid against the ledger.
    #[error("line {line} (event `{id}`): field `{field}`: {reason}")]
    Invalid {
        /// Input line.
        line: usize,
        /// Event id.
        id: String,
        /// Field.
        field: String,
        /// Why.
        reason: String,
    },
    /// The caller's expected head is not the ledger's head.
    #[error(
        "expected ledger head {expected} but the head is {actual}: another writer appended first"
    )]
    HeadMismatch {
        /// Expected.
        expected: ChainHead,
        /// Actual.
        actual: ChainHead,
    },
    /// Writing or syncing the log failed; the batch is not appended.
    #[error("writing the log failed, nothing was appended: {0}")]
    Io(#[from] io::Error),
    /// A previous sync failed; the handle must be reopened.
    #[error("a previous write failed to sync; reopen the ledger before appending again")]
    Poisoned,
    /// The batch is appended durably, but handing it to the indexer failed
    /// (the index catches up from the log on the next open). Unlike every
    /// other variant, the batch **was** appended.
    #[error("batch appended durably up to {head}, but indexing failed: {reason}; reopen the ledger to catch the index up")]
    AppendedButNotIndexed {
        /// The head after the batch.
        head: ChainHead,
        /// Why indexing failed.
        reason: String,
    },
    /// The whole batch was written but its fdatasync failed, and cutting
    /// it back failed too: it is not acknowledged, yet it may be present
    /// once the ledger is reopened. Appending the same batch again after
    /// reopening is safe (events already present are no-ops).
    #[error("writing the log failed and the batch could not be cut back ({0}): it may be present once the ledger is reopened; reopen it, check the head, and append the same batch again (events already present are no-ops)")]
    MaybeAppended(String),
    /// The ledger was opened without its index, which validation needs.
    #[error("this ledger handle was opened without its index; appends need it")]
    IndexDisabled,
    /// The background indexer failed earlier (the log is intact; reopen to
    /// catch the index up).
    #[error("the index could not be written: {0}; the log is intact, reopen the ledger to catch the index up")]
    IndexFailed(String),
    /// Reading back an event the batch depends on failed.
    #[error("reading the ledger failed: {0}")]
    Read(#[from] ReadError),
}

/// Errors reading records.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// I/O.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// Index.
    #[error("index error: {0}")]
    Index(#[from] sled::Error),
    /// The background indexer failed.
    #[error("the index could not be written: {0}; reopen the ledger to catch it up")]
    IndexFailed(String),
    /// No such record.
    #[error("no record with seq {0}")]
    NoSuchSeq(u64),
    /// A frame is damaged.
    #[error("record seq {seq}: {reason}")]
    Damaged {
        /// Seq.
        seq: u64,
        /// Why.
        reason: String,
    },
}

/// What happened at open.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// A torn tail that was cut: (segment file, offset, length, quarantine copy).
    pub cut_tail: Option<(PathBuf, u64, u64, PathBuf)>,
    /// Records the index had to catch up.
    pub indexed: u64,
    /// Whether the index was rebuilt from scratch.
    pub rebuilt_index: bool,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Seqs of the events appended, in input order (duplicates skipped);
    /// they are consecutive.
    pub appended: std::ops::Range<u64>,
    /// Events already in the ledger with the same content: (event id, seq).
    pub duplicates: Vec<(String, u64)>,
    /// The head after the batch.
    pub head: ChainHead,
    /// `recorded_at` of the batch.
    pub recorded_at: Instant,
}

/// Options of [`Ledger::open`].
#[derive(Debug, Clone)]
pub struct LedgerOptions {
    /// Size at which a new segment starts.
    pub segment_limit: u64,
    /// Whether to bring the index up to the log at open. `false` is for
    /// `reindex`, which rebuilds it from scratch anyway; such a handle
    /// refuses appends, because validation reads the index.
    pub index: bool,
}

impl Default for LedgerOptions {
    fn default() -> Self {
        LedgerOptions {
            segment_limit: segment::DEFAULT_SEGMENT_LIMIT,
            index: true,
        }
    }
}

/// An open ledger.
#[derive(Debug)]
pub struct Ledger {
    // Dropped first: the indexer finishes its queue before the lock goes.
    indexer: Indexer,
    dir: PathBuf,
    _lock: File,
    segments: Vec<(u64, PathBuf)>,
    active: ActiveSegment,
    head: ChainHead,
    last_recorded: Instant,
    index: Index,
    opts: LedgerOptions,
    poisoned: bool,
    ids: Option<IdTable>,
    /// Objects opened and streams created by this handle, which the
    /// background indexer may not have written yet; with each new stream its
    /// clock tolerance.
    session_objects: BTreeSet<(String, ObjectRef)>,
    session_streams: BTreeMap<String, Arc<StreamRules>>,
    /// The frame buffer of the last append, emptied, reused by the next:
    /// fresh memory costs a page fault and a zeroed page per 4 KiB.
    frame_buf: Vec<u8>,
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OpenError + '_ {
    move |source| OpenError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Takes the exclusive lock of a ledger directory.
pub fn lock_dir(dir: &Path) -> Result<File, OpenError> {
    let path = dir.join("LOCK");
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io_at(&path))?;
    match f.try_lock() {
        Ok(()) => {
            f.set_len(0).map_err(io_at(&path))?;
            let _ = write!(f, "{}", std::process::id());
            Ok(f)
        }
        Err(fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = File::open(&path).and_then(|mut r| r.read_to_string(&mut pid));
            Err(OpenError::Locked {
                dir: dir.to_owned(),
                pid: Some(pid.trim().to_owned()).filter(|p| !p.is_empty()),
            })
        }
        Err(fs::TryLockError::Error(e)) => Err(OpenError::Io { path, source: e }),
    }
}

impl Ledger {
    /// Creates an empty ledger directory and opens it.
    pub fn create(dir: &Path, opts: LedgerOptions) -> Result<(Ledger, OpenReport), OpenError> {
        if dir.join("log").exists() {
            return Err(OpenError::Exists(dir.to_owned()));
        }
        fs::create_dir_all(dir.join("log")).map_err(io_at(dir))?;
        segment::sync_dir(dir).map_err(io_at(dir))?;
        Self::open(dir, opts)
    }

    /// Opens a ledger: lock, tail recovery, index catch-up.
    pub fn open(dir: &Path, opts: LedgerOptions) -> Result<(Ledger, OpenReport), OpenError> {
        let log_dir = dir.join("log");
        if !log_dir.is_dir() {
            return Err(OpenError::NotALedger(dir.to_owned()));
        }
        let lock = lock_dir(dir)?;
        let mut report = OpenReport::default();
        let mut segments = segment::list_segments(&log_dir).map_err(io_at(&log_dir))?;
        // Recover the last segment; a segment whose header never became durable
        // (crash during rotation) holds no acknowledged data and is quarantined.
        let (active, head) = loop {
            let Some((first, path)) = segments.last().cloned() else {
                let a = ActiveSegment::create(
                    &log_dir,
                    SegmentHeader {
                        first_seq: 1,
                        prev_hash: chain::genesis(),
                    },
                )
                .map_err(io_at(&log_dir))?;
                segments.push((1, log_dir.join(segment::segment_file_name(1))));
                break (a, ChainHead::empty());
            };
            let bytes = segment::read_all(&path).map_err(io_at(&path))?;
            let scan = segment::scan_segment(&bytes, Some(first), None);
            match scan.tail {
                Some(TailProblem::Corrupt { offset, reason }) => {
                    return Err(OpenError::Corrupt {
                        file: path,
                        offset,
                        reason,
                    })
                }
                Some(TailProblem::Torn { offset, len }) => {
                    let q = quarantine(dir, &path, offset, &bytes[offset as usize..])
                        .map_err(io_at(dir))?;
                    report.cut_tail = Some((path.clone(), offset, len, q));
                    if scan.header.is_none() {
                        fs::remove_file(&path).map_err(io_at(&path))?;
                        segment::sync_dir(&log_dir).map_err(io_at(&log_dir))?;
                        segments.pop();
                        continue;
                    }
                }
                None => {}
            }
            let header = scan.header.ok_or_else(|| OpenError::Corrupt {
                file: path.clone(),
                offset: 0,
                reason: "bad segment header".into(),
            })?;
            let head = scan.head.unwrap_or(ChainHead {
                seq: header.first_seq - 1,
                hash: header.prev_hash,
            });
            let a = ActiveSegment::open_at(&path, first, scan.valid_end).map_err(io_at(&path))?;
            break (a, head);
        };
        let last_recorded = if head.seq == 0 {
            Instant::from_millis(0)
        } else {
            // Not always the last segment: one started by a batch that
            // then failed (or a crash right after rotation) holds no
            // record yet.
            let path = segments
                .iter()
                .rev()
                .find(|(first, _)| *first <= head.seq)
                .map(|s| s.1.clone())
                .unwrap_or_default();
            last_record_time(&path, head.seq).map_err(|e| match e {
                ReadError::Io(source) => OpenError::Io { path, source },
                other => OpenError::Corrupt {
                    file: path,
                    offset: 0,
                    reason: other.to_string(),
                },
            })?
        };
        let index = Index::open(&dir.join("index"))?;
        let index_for_thread = index.clone();
        let mut ledger = Ledger {
            dir: dir.to_owned(),
            _lock: lock,
            segments,
            active,
            head,
            last_recorded,
            index,
            opts,
            poisoned: false,
            ids: None,
            session_objects: BTreeSet::new(),
            session_streams: BTreeMap::new(),
            frame_buf: Vec::new(),
            // Reads during the catch-up below scan the log; `reset` sets the real mark.
            indexer: Indexer::start(index_for_thread, u64::MAX),
        };
        if ledger.opts.index {
            let (n, rebuilt) = ledger.catch_up_index()?;
            report.indexed = n;
            report.rebuilt_index = rebuilt;
            ledger.indexer.reset(ledger.head.seq);
        } else {
            // Reads never wait on an index this handle does not maintain.
            ledger.indexer.reset(u64::MAX);
        }
        Ok((ledger, report))
    }

    /// The recording rules of a stream: those of its latest recorded
    /// rule-set version (defined or amended), the defaults for an unknown
    /// stream.
    pub fn stream_rules(&self, stream: &str) -> Result<Arc<StreamRules>, ReadError> {
        let Some(defined) = self.index.rule_set_seq(stream)? else {
            return Ok(rules_of("{}"));
        };
        // The latest recorded version: amendments are few, read them all.
        let amended = Event::KIND_NAMES
            .iter()
            .position(|k| *k == "rule_set_amended")
            .unwrap_or(0) as u16;
        let mut latest: Option<(u64, String)> = None;
        for seq in self.index.kind_seqs(amended, defined) {
            let seq = seq?;
            let ev = self.read(seq)?;
            if let (true, Event::RuleSetAmended(r)) = (ev.stream == stream, ev.event) {
                if latest.as_ref().is_none_or(|(s, _)| *s < seq) {
                    latest = Some((seq, r.content));
                }
            }
        }
        if let Some((_, content)) = latest {
            return Ok(rules_of(&content));
        }
        Ok(match self.read(defined)?.event {
            Event::RuleSetDefined(r) => rules_of(&r.content),
            _ => rules_of("{}"),
        })
    }

    /// The current head.
    pub fn head(&self) -> ChainHead {
        self.head
    }

    /// The ledger directory (snapshots live in its `snapshots/` folder).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `recorded_at` of record `seq`, read from its leading bytes.
    pub fn recorded_at(&self, seq: u64) -> Result<Instant, ReadError> {
        let frame = self.frame(seq)?;
        encoding::recorded_at_of_record(&frame.record).ok_or_else(|| ReadError::Damaged {
            seq,
            reason: "record too short to hold recorded_at".into(),
        })
    }

    /// The last position whose `recorded_at` is at or before `t`, at most
    /// `upto` (SPEC §9.2: the as-of prefix); `None` if nothing was recorded
    /// by then. `recorded_at` never decreases along `seq`, so this is a
    /// binary search over a few records, not a scan.
    pub fn position_as_of(&self, t: Instant, upto: u64) -> Result<Option<u64>, ReadError> {
        let (mut lo, mut hi) = (1u64, upto.min(self.head.seq));
        if hi == 0 || self.recorded_at(1)? > t {
            return Ok(None);
        }
        // Invariant: recorded_at(lo) <= t; answer in [lo, hi].
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if self.recorded_at(mid)? <= t {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Ok(Some(lo))
    }

    /// The index (read-only use: queries and verification).
    pub fn index(&self) -> Result<&Index, ReadError> {
        self.indexer
            .wait(self.head.seq)
            .map_err(ReadError::IndexFailed)?;
        Ok(&self.index)
    }

    /// Segment files, by first seq.
    pub fn segments(&self) -> &[(u64, PathBuf)] {
        &self.segments
    }

    /// Brings the index up to the log head. Rebuilds from scratch when the
    /// index claims a head the log does not have (e.g. the log was restored).
    fn catch_up_index(&mut self) -> Result<(u64, bool), OpenError> {
        let through = self.index.through()?;
        let mut rebuilt = false;
        let from = match through {
            Some(h) if h.seq <= self.head.seq && self.hash_at(h.seq).ok() == Some(h.hash) => {
                h.seq + 1
            }
            None => 1,
            Some(_) => {
                self.index.clear()?;
                rebuilt = true;
                1
            }
        };
        let n = self.index_from(from)?;
        Ok((n, rebuilt))
    }

    /// Drops the index and rebuilds it from the log. Returns records indexed.
    pub fn reindex(&mut self) -> Result<u64, OpenError> {
        let _ = self.indexer.wait(self.head.seq);
        self.ids = None;
        self.index.clear()?;
        let n = self.index_from(1)?;
        self.index.flush()?;
        self.indexer.reset(self.head.seq);
        Ok(n)
    }

    fn index_from(&mut self, from: u64) -> Result<u64, OpenError> {
        if from > self.head.seq {
            return Ok(0);
        }
        let mut n = 0u64;
        let mut chunk: Vec<(u64, Position, StoredEvent)> = Vec::new();
        let mut last = ChainHead::empty();
        for item in self.frames_from(from) {
            let (pos, frame) = item.map_err(|e| OpenError::Corrupt {
                file: self.dir.join("log"),
                offset: 0,
                reason: e.to_string(),
            })?;
            if frame.seq > self.head.seq {
                break;
            }
            let ev =
                encoding::decode_record(&frame.record).map_err(|source| OpenError::Record {
                    seq: frame.seq,
                    source,
                })?;
            last = ChainHead {
                seq: frame.seq,
                hash: frame.hash,
            };
            chunk.push((frame.seq, pos, ev));
            // Groups end at a batch end or after GROUP records, exactly as
            // at append time, so the index is the same either way.
            if frame.flags & segment::FLAG_BATCH_END != 0
                || chunk.len() as u64 >= crate::index::GROUP
            {
                n += self.flush_chunk(&mut chunk, last)?;
            }
        }
        n += self.flush_chunk(&mut chunk, last)?;
        Ok(n)
    }

    fn flush_chunk(
        &self,
        chunk: &mut Vec<(u64, Position, StoredEvent)>,
        head: ChainHead,
    ) -> Result<u64, OpenError> {
        if chunk.is_empty() {
            return Ok(0);
        }
        let entries: Vec<IndexEntry<'_>> = chunk
            .iter()
            .map(|(seq, pos, ev)| IndexEntry {
                seq: *seq,
                pos: *pos,
                event: ev,
                fingerprint: id_fingerprint(&ev.stream, &ev.id),
            })
            .collect();
        self.index.index_group(&entries, head)?;
        let n = chunk.len() as u64;
        chunk.clear();
        Ok(n)
    }

    /// The chain hash stored at `seq` (genesis for 0).
    pub fn hash_at(&self, seq: u64) -> Result<[u8; 32], ReadError> {
        if seq == 0 {
            return Ok(chain::genesis());
        }
        Ok(self.frame(seq)?.hash)
    }

    fn segment_for(&self, seq: u64) -> Option<&(u64, PathBuf)> {
        let i = self.segments.partition_point(|(first, _)| *first <= seq);
        i.checked_sub(1).map(|i| &self.segments[i])
    }

    /// The frame of record `seq`, via the index, or by scanning its segment
    /// when the index does not know it.
    pub fn frame(&self, seq: u64) -> Result<Frame, ReadError> {
        if seq == 0 || seq > self.head.seq {
            return Err(ReadError::NoSuchSeq(seq));
        }
        self.indexer.wait(seq).map_err(ReadError::IndexFailed)?;
        if let Some((cseq, pos)) = self.index.checkpoint(seq)? {
            if seq - cseq < crate::index::POS_EVERY {
                if let Some((_, path)) = self.segments.iter().find(|(f, _)| *f == pos.segment) {
                    if let Some(frame) = frame_near(path, pos.offset, (seq - cseq) as usize, seq)? {
                        return Ok(frame);
                    }
                }
            }
        }
        let first = self
            .segment_for(seq)
            .map(|s| s.0)
            .ok_or(ReadError::NoSuchSeq(seq))?;
        for item in self.frames_in_segment_from(first, seq) {
            let (_, frame) = item?;
            if frame.seq == seq {
                return Ok(frame);
            }
        }
        Err(ReadError::NoSuchSeq(seq))
    }

    /// The record bytes of seqs `from..=to` (a short range: Merkle proofs
    /// read one 256-record block). Each run of up to 64 records is read
    /// with one positioned read from the index's nearest position, so a
    /// block costs a few small reads; a record the span misses is read on
    /// its own.
    pub fn records_range(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>, ReadError> {
        use std::os::unix::fs::FileExt;
        let to = to.min(self.head.seq);
        let mut out = Vec::with_capacity(to.saturating_sub(from) as usize + 1);
        let mut seq = from.max(1);
        while seq <= to {
            self.indexer.wait(seq).map_err(ReadError::IndexFailed)?;
            let mut got = 0u64;
            if let Some((cseq, pos)) = self.index.checkpoint(seq)? {
                let path = self.segments.iter().find(|(f, _)| *f == pos.segment);
                if let (true, Some((_, path))) = (seq - cseq < crate::index::POS_EVERY, path) {
                    const SPAN: usize = 64 * 1024;
                    let f = File::open(path)?;
                    let mut buf = vec![0u8; SPAN];
                    let mut n = 0;
                    while n < SPAN {
                        match f.read_at(&mut buf[n..], pos.offset + n as u64) {
                            Ok(0) => break,
                            Ok(k) => n += k,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => return Err(e.into()),
                        }
                    }
                    buf.truncate(n);
                    let mut off = 0usize;
                    let mut at = cseq;
                    while at <= to {
                        let Ok((frame, used)) = segment::parse_frame_ref(&buf[off..]) else {
                            break;
                        };
                        if frame.seq != at {
                            break;
                        }
                        if at >= seq {
                            out.push(frame.record.to_vec());
                            got += 1;
                        }
                        off += used;
                        at += 1;
                    }
                }
            }
            if got == 0 {
                out.push(self.frame(seq)?.record);
                got = 1;
            }
            seq += got;
        }
        Ok(out)
    }

    /// Reads and decodes record `seq`.
    pub fn read(&self, seq: u64) -> Result<StoredEvent, ReadError> {
        let frame = self.frame(seq)?;
        encoding::decode_record(&frame.record).map_err(|e| ReadError::Damaged {
            seq,
            reason: e.to_string(),
        })
    }

    fn frames_in_segment_from(&self, first: u64, from: u64) -> FrameIter {
        FrameIter::new(
            self.segments
                .iter()
                .filter(|s| s.0 == first)
                .cloned()
                .collect(),
            from,
            self.head.seq,
        )
    }

    /// Streams frames with seq ≥ `from` up to the head, segment by segment,
    /// without loading the ledger into memory.
    pub fn frames_from(&self, from: u64) -> FrameIter {
        let start = self.segment_for(from.max(1)).map(|s| s.0).unwrap_or(1);
        FrameIter::new(
            self.segments
                .iter()
                .filter(|s| s.0 >= start)
                .cloned()
                .collect(),
            from,
            self.head.seq,
        )
    }

    /// Calls `f` with the seq and record bytes of every record with seq in
    /// `from..=to`, in ledger order, without copying: each segment is read
    /// whole (at most the segment limit, 64 MiB by default) and its frames
    /// are checked (CRC) in place. The fast path for projections that scan
    /// a stream; [`Ledger::events`] decodes everything.
    pub fn scan_records(
        &self,
        from: u64,
        to: u64,
        mut f: impl FnMut(u64, &[u8]),
    ) -> Result<(), ReadError> {
        self.scan_segments(from, to, |records| {
            for (seq, record) in records {
                f(*seq, record);
            }
        })
    }

    /// Like [`Ledger::scan_records`], but hands out each segment's records
    /// with seq in `[from, to]` at once, as `(seq, record bytes)` borrowed
    /// from the segment read, so a caller can decode them in parallel.
    pub fn scan_segments(
        &self,
        from: u64,
        to: u64,
        mut f: impl FnMut(&[(u64, &[u8])]),
    ) -> Result<(), ReadError> {
        let to = to.min(self.head.seq);
        if from > to {
            return Ok(());
        }
        self.indexer.wait(to).map_err(ReadError::IndexFailed)?;
        let start = self.segment_for(from.max(1)).map(|s| s.0).unwrap_or(1);
        let paths: Vec<&Path> = self
            .segments
            .iter()
            .filter(|s| s.0 >= start)
            .take_while(|s| s.0 <= to)
            .map(|s| s.1.as_path())
            .collect();
        if paths.len() <= 1 {
            return SegmentRead::in_turn(&paths, from, to, &mut f);
        }
        // Several segments: a second thread reads and checks (CRC) the next
        // segment while `f` works on this one (on the availability year's
        // eight segments the read and check alone took ~0.3 s of a ~1.3 s
        // decode). Two buffers go back and forth, so fresh memory is
        // touched for two segments, not for each.
        std::thread::scope(|scope| {
            let (full_tx, full_rx) =
                std::sync::mpsc::sync_channel::<Result<SegmentRead, ReadError>>(0);
            let (empty_tx, empty_rx) = std::sync::mpsc::channel::<SegmentRead>();
            let ahead = paths.clone();
            let reader = std::thread::Builder::new()
                .name("slaledger-scan".into())
                .spawn_scoped(scope, move || {
                    for path in ahead {
                        let mut read = empty_rx.try_recv().unwrap_or_default();
                        let filled = read.fill(path, from, to).map(|()| read);
                        let failed = filled.is_err();
                        if full_tx.send(filled).is_err() || failed {
                            return;
                        }
                    }
                });
            let reader = match reader {
                Ok(h) => h,
                // No thread to be had: read on this one.
                Err(_) => return SegmentRead::in_turn(&paths, from, to, &mut f),
            };
            // The reader ends the channel when it has sent the last segment
            // or an error; an error returned here drops the receiver, which
            // ends the reader at its next send.
            for read in full_rx.iter() {
                let read = read?;
                f(&read.records());
                let _ = empty_tx.send(read);
            }
            reader.join().map_err(|_| ReadError::Damaged {
                seq: 0,
                reason: "the segment reading thread panicked".into(),
            })
        })
    }

    /// Streams decoded events with seq in `[from, to]`.
    pub fn events(
        &self,
        from: u64,
        to: u64,
    ) -> impl Iterator<Item = Result<(u64, [u8; 32], StoredEvent), ReadError>> + '_ {
        self.frames_from(from)
            .take_while(move |r| r.as_ref().map(|(_, f)| f.seq <= to).unwrap_or(true))
            .map(|r| {
                let (_, f) = r?;
                let ev = encoding::decode_record(&f.record).map_err(|e| ReadError::Damaged {
                    seq: f.seq,
                    reason: e.to_string(),
                })?;
                Ok((f.seq, f.hash, ev))
            })
    }

    /// Validates assumed events of a counterfactual overlay (SPEC §9.4)
    /// exactly as [`Ledger::append`] validates a batch, except that a party
    /// may assume an event the other party would record (permissions are
    /// relaxed), and returns them with `recorded_at` set; nothing is written.
    /// An assumed event may not reuse an id the ledger already holds.
    pub fn check_assumed(
        &mut self,
        drafts: Vec<Draft>,
        recorded_at: Instant,
    ) -> Result<Vec<StoredEvent>, AppendError> {
        // A failed write leaves the in-memory state unknown.
        if self.poisoned {
            return Err(AppendError::Poisoned);
        }
        if self.ids.is_none() {
            self.ids = Some(self.index.load_ids().map_err(ReadError::from)?);
        }
        let ids = self.ids.as_ref().ok_or(AppendError::IndexDisabled)?;
        let lines: Vec<usize> = drafts.iter().map(|d| d.line).collect();
        let prepared = prepare(drafts, recorded_at)?;
        let plan = self.validate(ids, &prepared, recorded_at, true)?;
        if let Some((id, seq)) = plan.duplicates.first() {
            return Err(AppendError::Invalid {
                line: lines.first().copied().unwrap_or(0),
                id: id.clone(),
                field: "id".into(),
                reason: format!("the ledger already holds this event (seq {seq}); an assumed event needs an id of its own"),
            });
        }
        Ok(plan.take(prepared).into_iter().map(|p| p.ev).collect())
    }

    /// Appends a batch atomically and durably (SPEC §4.12 checks first).
    ///
    /// `recorded_at` is the caller's clock reading (the CLI reads it once);
    /// it is raised to the previous batch's if the clock went backwards, so
    /// `recorded_at` never decreases along `seq`.
    pub fn append(
        &mut self,
        drafts: Vec<Draft>,
        expected_head: Option<ChainHead>,
        recorded_at: Instant,
    ) -> Result<AppendOutcome, AppendError> {
        if self.poisoned {
            return Err(AppendError::Poisoned);
        }
        if !self.opts.index {
            return Err(AppendError::IndexDisabled);
        }
        self.indexer.error().map_err(AppendError::IndexFailed)?;
        if let Some(expected) = expected_head {
            if expected != self.head {
                return Err(AppendError::HeadMismatch {
                    expected,
                    actual: self.head,
                });
            }
        }
        let recorded_at = recorded_at.max(self.last_recorded);
        if self.ids.is_none() {
            self.ids = Some(self.index.load_ids().map_err(ReadError::from)?);
        }
        let ids = self.ids.as_ref().ok_or(AppendError::IndexDisabled)?;
        let prepared = prepare(drafts, recorded_at)?;
        let n = prepared.len();
        let head = self.head;
        let mut buf = std::mem::take(&mut self.frame_buf);
        let rotates = |len: u64, batch: usize| {
            len > segment::HEADER_LEN as u64 && len + batch as u64 > self.opts.segment_limit
        };
        // The frames (seqs, chain hashes) do not depend on validation unless
        // it drops an event as a duplicate. A large batch has them built on
        // a second thread while this one validates, assuming every event is
        // appended (a bulk import); if validation drops one, they are built
        // again for the events it accepted. Same bytes either way. Unless
        // the batch starts a new segment, that thread also writes its first
        // frames ahead of the durable end and a third starts the disk on
        // them, so that the final fdatasync waits for little more than the
        // last frames; a batch not appended has them cut again.
        let (plan, mut buf, speculated) = if n >= PARALLEL_MIN {
            let all = &prepared;
            let ahead = (!rotates(self.active.len, frames_len(all))).then_some(&self.active);
            let (plan, built) = std::thread::scope(|s| {
                let builder = s.spawn(move || {
                    let (frames, ahead) = build_frames_ahead(&mut buf, head, all, ahead);
                    (buf, frames, ahead)
                });
                let plan = self.validate(ids, all, recorded_at, false);
                (plan, builder.join().ok())
            });
            match built {
                Some((b, frames, ahead)) => (plan, b, Some((frames, ahead))),
                // The builder thread failed: nothing was written ahead
                // that its own error handling did not report; cut to be
                // sure, and frame on this thread below.
                None => {
                    if let Err(e) = self.active.discard_ahead() {
                        self.poisoned = true;
                        return Err(AppendError::Io(e));
                    }
                    (plan, Vec::new(), None)
                }
            }
        } else {
            (self.validate(ids, &prepared, recorded_at, false), buf, None)
        };
        let written = match &speculated {
            Some((_, Ahead { error: Some(_), .. })) => {
                // A write or sync of the frames ahead failed: the page
                // cache state of this file is unknown.
                self.poisoned = true;
                let _ = self.active.discard_ahead();
                let e = speculated
                    .and_then(|(_, a)| a.error)
                    .unwrap_or_else(|| io::Error::other("write ahead failed"));
                return Err(AppendError::Io(e));
            }
            Some((_, a)) => a.written,
            None => 0,
        };
        let all_accepted = plan.as_ref().is_ok_and(|p| p.accepts_all(n));
        if written > 0 && !all_accepted {
            if let Err(e) = self.active.discard_ahead() {
                self.poisoned = true;
                self.keep_frame_buf(buf);
                return Err(AppendError::Io(e));
            }
        }
        let mut plan = match plan {
            Ok(p) => p,
            Err(e) => {
                self.keep_frame_buf(buf);
                return Err(e);
            }
        };
        let mut outcome = AppendOutcome {
            appended: head.seq + 1..head.seq + 1,
            duplicates: std::mem::take(&mut plan.duplicates),
            head,
            recorded_at,
        };
        if plan.accepted.is_empty() {
            self.keep_frame_buf(buf);
            return Ok(outcome);
        }
        let mut records = plan.take(prepared);
        let mut noted = false;
        let appended = match speculated {
            Some((frames, _)) if all_accepted => {
                // Nothing was written ahead when the batch starts a segment.
                if written == 0 && rotates(self.active.len, buf.len()) {
                    if let Err(e) = self.rotate() {
                        self.keep_frame_buf(buf);
                        return Err(e);
                    }
                }
                // The in-memory bookkeeping of the batch runs while the
                // final frames are written and synced; should that fail,
                // the handle is poisoned and the id table dropped below,
                // so nothing acts on it.
                let rest = &buf[written as usize..];
                let active = &mut self.active;
                let offsets = &frames.0;
                let committed = std::thread::scope(|s| {
                    let commit = s.spawn(move || active.commit_ahead(written, rest));
                    note_recorded(
                        &mut self.session_objects,
                        &mut self.session_streams,
                        self.ids.as_mut(),
                        &mut records,
                        offsets,
                    );
                    commit.join()
                });
                noted = true;
                committed
                    .unwrap_or_else(|_| {
                        // Whether it wrote the batch end is unknown.
                        Err(CommitError::MaybeWritten {
                            error: io::Error::other("the batch commit thread failed"),
                            cut: io::Error::other("not attempted"),
                        })
                    })
                    .map(|base| (frames, base))
            }
            _ => {
                let frames = build_frames(&mut buf, head, &records);
                if rotates(self.active.len, buf.len()) {
                    if let Err(e) = self.rotate() {
                        self.keep_frame_buf(buf);
                        return Err(e);
                    }
                }
                self.active.append_durable(&buf).map(|base| (frames, base))
            }
        };
        let ((offsets, new_head), base) = match appended {
            Ok(a) => a,
            Err(e) => {
                self.poisoned = true;
                if noted {
                    // It holds ids of events that are not in the log.
                    self.ids = None;
                }
                return Err(match e {
                    CommitError::NotWritten(e) => AppendError::Io(e),
                    e @ CommitError::MaybeWritten { .. } => {
                        AppendError::MaybeAppended(e.to_string())
                    }
                });
            }
        };
        self.keep_frame_buf(buf);
        // Durable from here on: the batch is acknowledged whatever the index does.
        self.head = new_head;
        let seq = new_head.seq;
        self.last_recorded = recorded_at;
        outcome.head = self.head;
        let segment_first = self.active.first_seq;
        outcome.appended = outcome.appended.start..seq + 1;
        if !noted {
            note_recorded(
                &mut self.session_objects,
                &mut self.session_streams,
                self.ids.as_mut(),
                &mut records,
                &offsets,
            );
        }
        // Index in the background; the batch is already acknowledged by the log.
        let head = self.head;
        let job = Job {
            head,
            records: records.len() as u64,
            work: Box::new(move || {
                let entries: Vec<IndexEntry<'_>> = offsets
                    .iter()
                    .zip(&records)
                    .map(|((s, off), p)| IndexEntry {
                        seq: *s,
                        pos: Position {
                            segment: segment_first,
                            offset: base + off,
                        },
                        event: &p.ev,
                        fingerprint: p.fp,
                    })
                    .collect();
                crate::index::group_bounds(entries.len())
                    .map(|range| crate::index::GroupWrites::of(&entries[range]))
                    .collect()
            }),
        };
        self.indexer
            .submit(job)
            .map_err(|reason| AppendError::AppendedButNotIndexed {
                head: self.head,
                reason,
            })?;
        Ok(outcome)
    }

    /// Keeps an emptied frame buffer for the next append, unless a huge
    /// batch grew it beyond a segment's size.
    fn keep_frame_buf(&mut self, mut buf: Vec<u8>) {
        buf.clear();
        if buf.capacity() as u64 <= segment::DEFAULT_SEGMENT_LIMIT {
            self.frame_buf = buf;
        }
    }

    /// Starts a new segment for the batch about to be written. A failure
    /// may leave the new file behind, with or without its header; the
    /// handle cannot tell which, so it refuses appends until reopened (open
    /// sets a headerless file aside and writes into a header-only one).
    fn rotate(&mut self) -> Result<(), AppendError> {
        let res = self.start_segment();
        if res.is_err() {
            self.poisoned = true;
        }
        res
    }

    fn start_segment(&mut self) -> Result<(), AppendError> {
        let log_dir = self.dir.join("log");
        let header = SegmentHeader {
            first_seq: self.head.seq + 1,
            prev_hash: self.head.hash,
        };
        // The fault tests fail a rotation before the file exists, and after
        // its header is durable (as a failed directory sync would).
        #[cfg(test)]
        if self.active.faults.trips() {
            return Err(AppendError::Io(segment::faults::injected()));
        }
        let next = ActiveSegment::create(&log_dir, header)?;
        // The fault tests follow a batch into the segment it starts.
        #[cfg(test)]
        let next = ActiveSegment {
            faults: self.active.faults.clone(),
            ..next
        };
        #[cfg(test)]
        if next.faults.trips() {
            return Err(AppendError::Io(segment::faults::injected()));
        }
        self.active = next;
        self.segments.push((
            header.first_seq,
            log_dir.join(segment::segment_file_name(header.first_seq)),
        ));
        Ok(())
    }

    /// Finds an event by stream and id through the id table: its seq and
    /// content hash. Each fingerprint match is confirmed by reading the
    /// record, so a collision costs a read, never a wrong answer.
    fn find_id(
        &self,
        ids: &IdTable,
        fp: u64,
        stream: &str,
        id: &str,
    ) -> Result<Option<(u64, [u8; 32])>, ReadError> {
        for seq in ids.candidates(fp) {
            let frame = self.frame(seq)?;
            // The id and stream lead the record: no full decode needed.
            if encoding::id_and_stream(&frame.record) == Some((id, stream)) {
                let hash =
                    encoding::content_hash_of_bytes(&frame.record).ok_or(ReadError::Damaged {
                        seq,
                        reason: "record too short for its id and stream".into(),
                    })?;
                return Ok(Some((seq, hash)));
            }
        }
        Ok(None)
    }

    /// The seq and content hash of the event `id` in `stream`, if recorded.
    pub fn lookup_id(
        &mut self,
        stream: &str,
        id: &str,
    ) -> Result<Option<(u64, [u8; 32])>, ReadError> {
        if self.ids.is_none() {
            self.ids = Some(self.index.load_ids()?);
        }
        match &self.ids {
            Some(ids) => self.find_id(ids, id_fingerprint(stream, id), stream, id),
            None => Ok(None),
        }
    }

    fn validate(
        &self,
        ids: &IdTable,
        prepared: &[Prepared],
        recorded_at: Instant,
        assumed: bool,
    ) -> Result<Plan, AppendError> {
        let mut plan = Plan {
            accepted: Vec::with_capacity(prepared.len()),
            duplicates: Vec::new(),
        };
        // Objects and streams opened earlier in this batch.
        let mut opened: BTreeSet<(String, ObjectRef)> = BTreeSet::new();
        let mut new_streams: BTreeMap<String, Arc<StreamRules>> = BTreeMap::new();
        let mut batch_ids: std::collections::HashMap<u64, usize, FingerprintHasher> =
            std::collections::HashMap::with_capacity_and_hasher(prepared.len(), Default::default());
        let mut known_streams: BTreeMap<String, bool> = BTreeMap::new();
        let mut tolerance: BTreeMap<String, Arc<StreamRules>> = BTreeMap::new();
        let settled: BTreeSet<(String, String)> = prepared
            .iter()
            .filter_map(|p| match &p.ev.event {
                Event::DisputeSettled(s) => {
                    Some((p.ev.stream.to_string(), s.dispute_id.to_string()))
                }
                _ => None,
            })
            .collect();
        for (at, d) in prepared.iter().enumerate() {
            let ev = &d.ev;
            let invalid = |field: &str, reason: String| AppendError::Invalid {
                line: d.line,
                id: ev.id.to_string(),
                field: field.to_owned(),
                reason,
            };
            // Idempotency first: an exact re-append is a no-op even if the
            // ledger has moved on since.
            let fp = d.fp;
            let earlier = match batch_ids.get(&fp) {
                Some(&i) if prepared[i].ev.stream == ev.stream && prepared[i].ev.id == ev.id => {
                    Some(i)
                }
                // A fingerprint collision between two ids: search the batch.
                Some(_) => plan
                    .accepted
                    .iter()
                    .copied()
                    .find(|&i| prepared[i].ev.stream == ev.stream && prepared[i].ev.id == ev.id),
                None => None,
            };
            if let Some(i) = earlier {
                let a = &prepared[i];
                if encoding::content_hash_of_record(&a.record, &a.ev)
                    == encoding::content_hash_of_record(&d.record, ev)
                {
                    continue;
                }
                let prev_line = a.line;
                return Err(invalid("id", format!("id conflict: line {prev_line} of this batch uses the same id with different content")));
            }
            if let Some((seq, stored)) = self.find_id(ids, fp, &ev.stream, &ev.id)? {
                if stored == encoding::content_hash_of_record(&d.record, ev) {
                    plan.duplicates.push((ev.id.to_string(), seq));
                    continue;
                }
                return Err(invalid(
                    "id",
                    format!("id conflict: seq {seq} has this id with different content"),
                ));
            }
            batch_ids.insert(fp, at);
            // Stream and rule set.
            let is_rule_set = matches!(ev.event, Event::RuleSetDefined(_));
            let stream_known = new_streams.contains_key(ev.stream.as_str())
                || self.session_streams.contains_key(ev.stream.as_str())
                || match known_streams.get(ev.stream.as_str()) {
                    Some(k) => *k,
                    None => {
                        let k = self
                            .index
                            .rule_set_seq(ev.stream.as_str())
                            .map_err(ReadError::from)?
                            .is_some();
                        known_streams.insert(ev.stream.to_string(), k);
                        k
                    }
                };
            if is_rule_set && stream_known {
                return Err(invalid(
                    "kind",
                    format!(
                        "stream `{}` already has a rule set; amend it with rule_set_amended",
                        ev.stream
                    ),
                ));
            }
            if !is_rule_set && !stream_known {
                return Err(invalid("stream", format!("unknown stream `{}`: its first event must be rule_set_defined (slaledger init)", ev.stream)));
            }
            // Permissions (SPEC §4.1 defaults).
            let party = ev.actor.party;
            if party == Party::Monitor && ev.actor.operated_by.is_none() {
                return Err(invalid(
                    "actor.operated_by",
                    "a monitor must name the party that operates it".into(),
                ));
            }
            if let Some(dispute) = ev.event.settlement_dispute() {
                let Some(dispute) = dispute else {
                    return Err(invalid(
                        "data.dispute_id",
                        "a settlement must name its dispute".into(),
                    ));
                };
                if !settled.contains(&(ev.stream.to_string(), dispute.to_string())) {
                    return Err(invalid(
                        "data.dispute_id",
                        format!("a settlement of dispute `{dispute}` must be appended in the batch of its dispute_settled"),
                    ));
                }
            }
            if !assumed
                && !matches!(ev.event, Event::Correction(_))
                && !ev.event.allowed_parties().contains(&party)
            {
                return Err(invalid(
                    "actor.party",
                    format!(
                        "a {party} may not record {} (allowed: {})",
                        ev.event.kind(),
                        join(ev.event.allowed_parties())
                    ),
                ));
            }
            ev.event.check_constraints().map_err(|v| {
                let field = if v.field.starts_with("actor") {
                    v.field
                } else {
                    format!("data.{}", v.field)
                };
                invalid(&field, v.reason)
            })?;
            // Clock tolerance.
            if is_rule_set {
                if let Event::RuleSetDefined(r) = &ev.event {
                    new_streams.insert(ev.stream.to_string(), rules_of(&r.content));
                }
            }
            let rules = match new_streams.get(ev.stream.as_str()) {
                Some(t) => t.clone(),
                None => match tolerance
                    .get(ev.stream.as_str())
                    .or(self.session_streams.get(ev.stream.as_str()))
                {
                    Some(t) => t.clone(),
                    None => {
                        // A stream from an earlier session: the index holds its
                        // rule set already (open caught it up).
                        let t = self.stream_rules(ev.stream.as_str())?;
                        tolerance.insert(ev.stream.to_string(), t.clone());
                        t
                    }
                },
            };
            // The stream's own recording rules: who may record what, and
            // signatures (issue 7). Assumed events are claims, not records.
            if !assumed && !is_rule_set {
                rules.check(ev).map_err(|(f, r)| invalid(&f, r))?;
            }
            let tol = rules.tolerance_ms;
            if ev.occurred_at > recorded_at.saturating_add_millis(tol) {
                return Err(invalid(
                    "occurred_at",
                    format!(
                        "{} is later than the recording time {recorded_at} plus the clock tolerance ({} min): the ledger records facts, not plans",
                        ev.occurred_at,
                        tol / 60_000
                    ),
                ));
            }
            // An amendment's rules govern the events recorded after it
            // (key rotation); it is itself checked under the rules before.
            if let Event::RuleSetAmended(r) = &ev.event {
                new_streams.insert(ev.stream.to_string(), rules_of(&r.content));
            }
            // References.
            for r in ev.event.references() {
                let key = (ev.stream.to_string(), r.clone());
                let known = opened.contains(&key)
                    || self.session_objects.contains(&key)
                    || self
                        .index
                        .object_opened(&ev.stream, r.family, &r.id)
                        .map_err(ReadError::from)?
                        .is_some();
                if !known {
                    return Err(invalid(
                        &format!("data.{}", r.family.field()),
                        format!(
                            "unknown {} `{}` in stream `{}`: record the event that opens it first",
                            r.family.as_str(),
                            r.id,
                            ev.stream
                        ),
                    ));
                }
            }
            if let Some(o) = ev.event.opens() {
                let key = (ev.stream.to_string(), o.clone());
                let exists = opened.contains(&key)
                    || self.session_objects.contains(&key)
                    || self
                        .index
                        .object_opened(&ev.stream, o.family, &o.id)
                        .map_err(ReadError::from)?
                        .is_some();
                if exists && !o.family.reopenable() {
                    return Err(invalid(
                        &format!("data.{}", o.family.field()),
                        format!(
                            "{} `{}` already exists in stream `{}`",
                            o.family.as_str(),
                            o.id,
                            ev.stream
                        ),
                    ));
                }
                opened.insert((ev.stream.to_string(), o));
            }
            if let Event::Correction(c) = &ev.event {
                // A target appended earlier in this batch.
                let in_batch = |id: &str| {
                    plan.accepted
                        .iter()
                        .map(|&i| &prepared[i].ev)
                        .find(|e| e.stream == ev.stream && e.id == id)
                };
                self.check_correction(ids, ev, c, &in_batch, &invalid, assumed)?;
            }
            plan.accepted.push(at);
        }
        Ok(plan)
    }

    fn check_correction<'a>(
        &self,
        ids: &IdTable,
        ev: &StoredEvent,
        c: &crate::event::Correction,
        in_batch: &dyn Fn(&str) -> Option<&'a StoredEvent>,
        invalid: &dyn Fn(&str, String) -> AppendError,
        assumed: bool,
    ) -> Result<(), AppendError> {
        let target = match self.find_id(
            ids,
            id_fingerprint(&ev.stream, &c.corrects),
            &ev.stream,
            &c.corrects,
        )? {
            Some((seq, _)) => self.read(seq)?,
            None => match in_batch(&c.corrects) {
                Some(e) => e.clone(),
                None => {
                    return Err(invalid(
                        "data.corrects",
                        format!("no event `{}` in stream `{}`", c.corrects, ev.stream),
                    ))
                }
            },
        };
        if !target.event.correctable() {
            return Err(invalid(
                "data.corrects",
                format!(
                    "`{}` is a {}, which cannot be corrected (SPEC §4.10)",
                    c.corrects,
                    target.event.kind()
                ),
            ));
        }
        if let Some(rep) = &c.replacement {
            if rep.kind() != target.event.kind() {
                return Err(invalid(
                    "data.replacement.kind",
                    format!(
                        "a replacement keeps the kind `{}`, not `{}`",
                        target.event.kind(),
                        rep.kind()
                    ),
                ));
            }
            if rep.identity() != target.event.identity() {
                return Err(invalid(
                    "data.replacement.data",
                    "a replacement may not change the identifying id; retract and record a new event".into(),
                ));
            }
        }
        // An overlay may assume the other party's correction (SPEC §9.4).
        if !assumed && c.dispute_id.is_none() && ev.actor.party != target.actor.party {
            return Err(invalid(
                "actor.party",
                format!(
                    "only the {} that recorded `{}` may correct it; the other party disputes it (SPEC §4.10, §9.6)",
                    target.actor.party, c.corrects
                ),
            ));
        }
        Ok(())
    }
}

/// Batches of at least this many events are prepared, and framed beside
/// validation, on two threads (the machine kind has two cores).
const PARALLEL_MIN: usize = 1024;

/// Replaces `buf`'s contents with the frames of `records` following `head`:
/// seqs from `head.seq + 1`, the chain hash of each, the batch-end flag on
/// the last.
/// Returns each frame's (seq, offset in `buf`) and the head after them.
fn build_frames(
    buf: &mut Vec<u8>,
    head: ChainHead,
    records: &[Prepared],
) -> (Vec<(u64, u64)>, ChainHead) {
    build_frames_with(buf, head, records, |_, _| {})
}

/// [`build_frames`], calling `after(buf, last)` after each frame is put.
fn build_frames_with(
    buf: &mut Vec<u8>,
    head: ChainHead,
    records: &[Prepared],
    mut after: impl FnMut(&[u8], bool),
) -> (Vec<(u64, u64)>, ChainHead) {
    buf.clear();
    buf.reserve(frames_len(records));
    let mut prev = head.hash;
    let mut seq = head.seq;
    let mut offsets = Vec::with_capacity(records.len());
    let n = records.len();
    for (i, p) in records.iter().enumerate() {
        seq += 1;
        let h = chain::next_hash(&prev, seq, &p.record);
        offsets.push((seq, buf.len() as u64));
        let last = i + 1 == n;
        let flags = if last { segment::FLAG_BATCH_END } else { 0 };
        segment::put_frame(buf, seq, flags, &p.record, &h);
        prev = h;
        after(buf, last);
    }
    (offsets, ChainHead { seq, hash: prev })
}

/// Bytes the frames of `records` take.
fn frames_len(records: &[Prepared]) -> usize {
    records
        .iter()
        .map(|p| p.record.len() + segment::FRAME_OVERHEAD)
        .sum()
}

/// Bytes of frames written ahead at a time (see [`build_frames_ahead`]).
const AHEAD_CHUNK: usize = 256 * 1024;

/// What [`build_frames_ahead`] wrote ahead of the durable end.
struct Ahead {
    /// Bytes from the start of the batch's frames, all before its last frame.
    written: u64,
    /// The first write or sync error, if any (the batch must then fail).
    error: Option<io::Error>,
}

/// [`build_frames`], and when `seg` is given, the frames written ahead of
/// its durable end every [`AHEAD_CHUNK`] bytes while the rest are chained,
/// each chunk followed by an fdatasync on a third thread that merges
/// requests it has not started yet. The last frame (the batch end) is never
/// written here: the batch is committed only by
/// [`ActiveSegment::commit_ahead`], after validation. Returns when the
/// frames are built and every write and sync requested has finished.
fn build_frames_ahead(
    buf: &mut Vec<u8>,
    head: ChainHead,
    records: &[Prepared],
    seg: Option<&ActiveSegment>,
) -> ((Vec<(u64, u64)>, ChainHead), Ahead) {
    let Some(seg) = seg else {
        let frames = build_frames(buf, head, records);
        return (
            frames,
            Ahead {
                written: 0,
                error: None,
            },
        );
    };
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let flusher = s.spawn(move || {
            while rx.recv().is_ok() {
                // Requests that came in meanwhile are served by this sync.
                while rx.try_recv().is_ok() {}
                seg.sync_ahead()?;
            }
            Ok::<(), io::Error>(())
        });
        let mut written = 0usize;
        let mut error = None;
        let frames = build_frames_with(buf, head, records, |buf, last| {
            if error.is_none() && !last && buf.len() - written >= AHEAD_CHUNK {
                match seg.write_ahead(written as u64, &buf[written..]) {
                    Ok(()) => {
                        written = buf.len();
                        let _ = tx.send(());
                    }
                    Err(e) => error = Some(e),
                }
            }
        });
        drop(tx);
        let synced = flusher
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the fdatasync thread panicked")));
        let error = error.or(synced.err());
        (
            frames,
            Ahead {
                written: written as u64,
                error,
            },
        )
    })
}

/// An event ready to append: its record bytes, content hash and id
/// fingerprint computed once.
struct Prepared {
    line: usize,
    ev: StoredEvent,
    record: Vec<u8>,
    fp: u64,
}

/// One segment read into memory, with the place of each frame's record
/// whose seq is in the range asked for (CRCs checked).
#[derive(Default)]
struct SegmentRead {
    bytes: Vec<u8>,
    /// `(seq, offset of the record in bytes, record length)`.
    frames: Vec<(u64, usize, usize)>,
}

impl SegmentRead {
    /// Reads `paths` one after the other on this thread, handing each
    /// segment's records in `[from, to]` to `f`.
    fn in_turn(
        paths: &[&Path],
        from: u64,
        to: u64,
        f: &mut impl FnMut(&[(u64, &[u8])]),
    ) -> Result<(), ReadError> {
        let mut read = SegmentRead::default();
        for path in paths {
            read.fill(path, from, to)?;
            f(&read.records());
        }
        Ok(())
    }

    /// The records found, as `(seq, record bytes)` borrowed from the read.
    fn records(&self) -> Vec<(u64, &[u8])> {
        self.frames
            .iter()
            .map(|&(seq, at, len)| (seq, &self.bytes[at..at + len]))
            .collect()
    }

    /// Reads the segment at `path` into this buffer (its memory reused)
    /// and finds its frames with seq in `[from, to]`.
    fn fill(&mut self, path: &Path, from: u64, to: u64) -> Result<(), ReadError> {
        segment::read_all_into(path, &mut self.bytes)?;
        self.frames.clear();
        let mut off = segment::HEADER_LEN;
        while off < self.bytes.len() {
            let (frame, total) =
                segment::parse_frame_ref(&self.bytes[off..]).map_err(|b| ReadError::Damaged {
                    seq: 0,
                    reason: format!("{}: frame at offset {off}: {b}", path.display()),
                })?;
            if frame.seq > to {
                break;
            }
            if frame.seq >= from {
                // The record starts after the length, flags and seq.
                self.frames
                    .push((frame.seq, off + segment::RECORD_OFFSET, frame.record.len()));
            }
            off += total;
        }
        Ok(())
    }
}

/// Notes an appended batch in the in-memory state the next batch is
/// validated against: objects and streams it opened (not yet in the sled
/// index, which is written in the background) and its ids. Also frees
/// each record's bytes, which are framed by now and not needed by the
/// index job that takes the events next.
fn note_recorded(
    session_objects: &mut BTreeSet<(String, ObjectRef)>,
    session_streams: &mut BTreeMap<String, Arc<StreamRules>>,
    ids: Option<&mut IdTable>,
    records: &mut [Prepared],
    offsets: &[(u64, u64)],
) {
    for p in records.iter_mut() {
        // The record bytes are framed and written: free them here rather
        // than on the index thread, so that the next batch reuses this
        // thread's memory instead of faulting in fresh pages.
        p.record = Vec::new();
        if let Some(o) = p.ev.event.opens() {
            session_objects.insert((p.ev.stream.to_string(), o));
        }
        let content = match &p.ev.event {
            Event::RuleSetDefined(r) => Some(&r.content),
            Event::RuleSetAmended(r) => Some(&r.content),
            _ => None,
        };
        if let Some(c) = content {
            session_streams.insert(p.ev.stream.to_string(), rules_of(c));
        }
    }
    if let Some(ids) = ids {
        ids.reserve(records.len());
        for ((s, _), p) in offsets.iter().zip(records.iter()) {
            ids.insert(p.fp, *s);
        }
    }
}

/// Stamps `recorded_at` and computes each event's record bytes and id
/// fingerprint: pure per-event work, spread over two threads for
/// large batches (the machine kind has two cores).
fn prepare(mut drafts: Vec<Draft>, recorded_at: Instant) -> Result<Vec<Prepared>, AppendError> {
    fn one(d: Draft) -> Result<Prepared, AppendError> {
        let record = encoding::encode_record(&d.event).map_err(|e| AppendError::Invalid {
            line: d.line,
            id: d.event.id.to_string(),
            field: "line".into(),
            reason: e.to_string(),
        })?;
        let fp = id_fingerprint(&d.event.stream, &d.event.id);
        Ok(Prepared {
            line: d.line,
            ev: d.event,
            record,
            fp,
        })
    }
    for d in &mut drafts {
        d.event.recorded_at = recorded_at;
    }
    fn all(drafts: Vec<Draft>, extra: usize) -> Result<Vec<Prepared>, AppendError> {
        let mut out = Vec::with_capacity(drafts.len() + extra);
        for d in drafts {
            out.push(one(d)?);
        }
        Ok(out)
    }
    if drafts.len() < PARALLEL_MIN {
        return all(drafts, 0);
    }
    let second = drafts.split_off(drafts.len() / 2);
    let n2 = second.len();
    let (a, b) = std::thread::scope(|s| {
        let h = s.spawn(move || all(second, 0));
        let a = all(drafts, n2);
        (a, h.join())
    });
    let mut a = a?;
    match b {
        Ok(b) => a.extend(b?),
        Err(_) => {
            return Err(AppendError::Io(io::Error::other(
                "event preparation thread failed",
            )))
        }
    }
    Ok(a)
}

/// What validation decided for a batch.
#[derive(Default)]
struct Plan {
    /// Positions in the batch of the events to append, in order.
    accepted: Vec<usize>,
    /// Events the ledger holds already (id, seq): no-ops.
    duplicates: Vec<(String, u64)>,
}

impl Plan {
    /// True when every event of a batch of `n` is to be appended.
    fn accepts_all(&self, n: usize) -> bool {
        self.accepted.len() == n
    }

    /// The accepted events of `prepared`, in order.
    fn take(&self, prepared: Vec<Prepared>) -> Vec<Prepared> {
        if self.accepts_all(prepared.len()) {
            return prepared;
        }
        let mut keep = self.accepted.iter().copied().peekable();
        prepared
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep.next_if_eq(i).is_some())
            .map(|(_, p)| p)
            .collect()
    }
}

fn join(p: &[Party]) -> String {
    p.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
}

/// The recording rules of a rule-set content (the defaults when it does
/// not parse: rule-set content is checked before it is appended).
pub(crate) fn rules_of(content: &str) -> Arc<StreamRules> {
    Arc::new(
        StreamRules::from_content(content, DEFAULT_CLOCK_TOLERANCE_MS)
            .unwrap_or_else(|_| StreamRules::none(DEFAULT_CLOCK_TOLERANCE_MS)),
    )
}

fn last_record_time(path: &Path, seq: u64) -> Result<Instant, ReadError> {
    let it = FrameIter::new(vec![(0, path.to_owned())], 0, seq);
    let mut last = None;
    for item in it {
        let (_, f) = item?;
        if f.seq == seq {
            last = Some(f);
        }
    }
    let f = last.ok_or(ReadError::NoSuchSeq(seq))?;
    encoding::decode_record(&f.record)
        .map(|e| e.recorded_at)
        .map_err(|e| ReadError::Damaged {
            seq,
            reason: e.to_string(),
        })
}

/// The frame `skip` frames after the one at `offset` in the segment at
/// `path`, if it has seq `seq`: one read of the span a checkpoint covers
/// (a checkpoint every [`crate::index::POS_EVERY`] records), walking the
/// frame lengths in memory; `None` if the frames there do not lead to it.
fn frame_near(path: &Path, offset: u64, skip: usize, seq: u64) -> Result<Option<Frame>, ReadError> {
    use std::os::unix::fs::FileExt;
    const SPAN: usize = 64 * 1024;
    let f = File::open(path)?;
    let mut buf = vec![0u8; SPAN];
    let mut got = 0;
    while got < SPAN {
        match f.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    buf.truncate(got);
    let mut off = 0usize;
    for i in 0..=skip {
        let Some(len) = buf.get(off..off + 4) else {
            break;
        };
        let len = u32::from_le_bytes(len.try_into().unwrap_or_default()) as usize;
        let total = segment::FRAME_OVERHEAD.saturating_add(len);
        if i < skip {
            off = off.saturating_add(total);
            continue;
        }
        let frame = match buf.get(off..off.saturating_add(total)) {
            Some(bytes) => segment::parse_frame(bytes).map(|(f, _)| f),
            // A large record runs past the span: read it on its own.
            None => segment::read_frame_at(&f, offset + off as u64)?,
        };
        return Ok(frame.ok().filter(|fr| fr.seq == seq));
    }
    Ok(None)
}

fn quarantine(dir: &Path, seg: &Path, offset: u64, bytes: &[u8]) -> io::Result<PathBuf> {
    let qdir = dir.join("quarantine");
    fs::create_dir_all(&qdir)?;
    let name = seg
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut i = 0;
    let path = loop {
        let p = qdir.join(format!("{name}.tail-at-{offset}.{i}"));
        if !p.exists() {
            break p;
        }
        i += 1;
    };
    let mut f = File::create(&path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    segment::sync_dir(&qdir)?;
    Ok(path)
}

/// Streams frames across segment files with a buffered reader.
#[derive(Debug)]
pub struct FrameIter {
    segments: std::vec::IntoIter<(u64, PathBuf)>,
    current: Option<(u64, io::BufReader<File>, u64)>,
    from: u64,
    to: u64,
    done: bool,
}

impl FrameIter {
    fn new(segments: Vec<(u64, PathBuf)>, from: u64, to: u64) -> Self {
        FrameIter {
            segments: segments.into_iter(),
            current: None,
            from,
            to,
            done: false,
        }
    }

    fn next_frame(&mut self) -> Result<Option<(Position, Frame)>, ReadError> {
        loop {
            if self.current.is_none() {
                let Some((first, path)) = self.segments.next() else {
                    return Ok(None);
                };
                let mut r = io::BufReader::with_capacity(1 << 20, File::open(&path)?);
                let mut h = [0u8; segment::HEADER_LEN];
                r.read_exact(&mut h)?;
                self.current = Some((first, r, segment::HEADER_LEN as u64));
            }
            let Some((first, r, off)) = self.current.as_mut() else {
                continue;
            };
            let mut lenb = [0u8; 4];
            match r.read_exact(&mut lenb) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    self.current = None;
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
            let len = u32::from_le_bytes(lenb) as usize;
            if len > encoding::MAX_RECORD {
                return Err(ReadError::Damaged {
                    seq: 0,
                    reason: format!("frame at offset {off}: length {len} too large"),
                });
            }
            let mut buf = vec![0u8; segment::FRAME_OVERHEAD + len];
            buf[..4].copy_from_slice(&lenb);
            match r.read_exact(&mut buf[4..]) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    self.current = None;
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
            let pos = Position {
                segment: *first,
                offset: *off,
            };
            *off += buf.len() as u64;
            let (frame, _) = segment::parse_frame(&buf).map_err(|b| ReadError::Damaged {
                seq: 0,
                reason: format!("frame at offset {}: {b}", pos.offset),
            })?;
            return Ok(Some((pos, frame)));
        }
    }
}

impl Iterator for FrameIter {
    type Item = Result<(Position, Frame), ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.next_frame() {
                Ok(Some((p, f))) => {
                    if f.seq > self.to {
                        self.done = true;
                        return None;
                    }
                    if f.seq >= self.from {
                        return Some(Ok((p, f)));
                    }
                }
                Ok(None) => {
                    self.done = true;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}
