//! `verify`: recompute the whole chain from the segment files and check the
//! index against the log (SPEC §1, issue 2 §6).
//!
//! Verification reads the files directly and never repairs anything: a torn
//! tail that a writer would cut is reported, not cut. It stops at the first
//! broken record and says what is wrong with it.

use crate::chain::{self, ChainHead};
use crate::encoding;
use crate::index::{Index, IndexEntry, GROUP};
use crate::segment::{self, BadFrame, Position, SegmentHeader, FLAG_BATCH_END, HEADER_LEN};
use crate::store::{lock_dir, OpenError};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What is wrong with the first broken record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The record's bytes (or its stored hash) no longer match the chain.
    ContentChanged,
    /// One or more sequence numbers are absent.
    Missing,
    /// Records appear out of order.
    Reordered,
    /// A record appears that the chain does not contain (e.g. a duplicate).
    Inserted,
    /// The record matches its chain hash but does not decode as an event.
    Undecodable,
    /// The frame's checksum fails: its bytes were changed or damaged.
    Damaged,
    /// A segment file does not continue the previous one.
    SegmentBreak,
    /// Bytes after the last complete batch (unacknowledged crash residue, or
    /// damage to the final record).
    IncompleteTail,
    /// The ledger does not hold the head an outside party kept.
    ExpectedHeadMissing,
    /// The index disagrees with the log.
    IndexMismatch,
    /// An event breaks its stream's recording rules: a missing or wrong
    /// signature, or a kind its party may not record (issue 7).
    RecordingRule,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProblemKind::ContentChanged => "content changed",
            ProblemKind::Missing => "record missing",
            ProblemKind::Reordered => "records reordered",
            ProblemKind::Inserted => "record inserted",
            ProblemKind::Undecodable => "record undecodable",
            ProblemKind::Damaged => "frame damaged",
            ProblemKind::SegmentBreak => "segment does not continue the chain",
            ProblemKind::IncompleteTail => "incomplete tail",
            ProblemKind::ExpectedHeadMissing => "expected head not in ledger",
            ProblemKind::IndexMismatch => "index disagrees with log",
            ProblemKind::RecordingRule => "recording rule broken",
        })
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Kind.
    pub kind: ProblemKind,
    /// The seq concerned (expected at that place), if any.
    pub seq: Option<u64>,
    /// Segment file and byte offset, if any.
    pub at: Option<(PathBuf, u64)>,
    /// Detail for a person.
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(s) = self.seq {
            write!(f, " at seq {s}")?;
        }
        if let Some((p, o)) = &self.at {
            write!(f, " ({} byte {o})", p.display())?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// The result of a verification.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// Records whose chain verified.
    pub records: u64,
    /// Segment files read.
    pub segments: usize,
    /// The verified head.
    pub head: Option<ChainHead>,
    /// The first broken record, and other findings (tail, expected head, index).
    pub problems: Vec<Problem>,
    /// Informational notes (e.g. the index lags and will catch up).
    pub notes: Vec<String>,
}

impl VerifyReport {
    /// True when everything holds.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies the ledger in `dir`. `expect_head` additionally proves that the
/// ledger still contains a head an outside party kept.
pub fn verify_dir(dir: &Path, expect_head: Option<ChainHead>) -> Result<VerifyReport, OpenError> {
    let log_dir = dir.join("log");
    if !log_dir.is_dir() {
        return Err(OpenError::NotALedger(dir.to_owned()));
    }
    let _lock = lock_dir(dir)?;
    let segments = segment::list_segments(&log_dir).map_err(|source| OpenError::Io {
        path: log_dir.clone(),
        source,
    })?;
    let mut rep = VerifyReport {
        segments: segments.len(),
        ..Default::default()
    };
    let mut prev = chain::genesis();
    let mut next = 1u64;
    let mut expect_hash_seen: Option<[u8; 32]> = None;
    let index = if dir.join("index").is_dir() {
        Some(Index::open(&dir.join("index"))?)
    } else {
        None
    };
    let through = match &index {
        Some(i) => i.through()?.map(|h| h.seq).unwrap_or(0),
        None => 0,
    };
    // Decoding and the index check run on a second thread, fed in chunks,
    // while this thread checks checksums, order and the chain.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(8);
    let mut chunk: Vec<Meta> = Vec::with_capacity(4096);
    // Hands the frames gathered so far to the worker; false once it stopped.
    let send = move |chunk: &mut Vec<Meta>, bytes: &Arc<Vec<u8>>, segment: u64, path: &PathBuf| {
        let frames = std::mem::take(chunk);
        tx.send(Chunk {
            bytes: Arc::clone(bytes),
            segment,
            path: path.clone(),
            frames,
        })
        .is_ok()
    };
    let mut committed_seq = 0u64;
    let mut pending_batch = false;
    let (index_problem, tally, violations) = std::thread::scope(|scope| -> Checked {
        let worker = scope.spawn(|| check_records(rx, index.as_ref(), through));
        'segments: for (si, (first, path)) in segments.iter().enumerate() {
            let bytes = Arc::new(segment::read_all(path).map_err(|source| OpenError::Io {
                path: path.clone(),
                source,
            })?);
            let last_segment = si + 1 == segments.len();
            let problem = |kind, seq, off: u64, detail: String| Problem {
                kind,
                seq,
                at: Some((path.clone(), off)),
                detail,
            };
            let Some(h) = SegmentHeader::parse(&bytes) else {
                let kind = if last_segment && bytes.len() < HEADER_LEN {
                    ProblemKind::IncompleteTail
                } else {
                    ProblemKind::SegmentBreak
                };
                rep.problems.push(problem(
                    kind,
                    Some(next),
                    0,
                    "bad or short segment header".into(),
                ));
                break;
            };
            if h.first_seq != next || h.prev_hash != prev || *first != h.first_seq {
                let kind = if h.first_seq > next {
                    ProblemKind::Missing
                } else {
                    ProblemKind::SegmentBreak
                };
                rep.problems.push(problem(
                kind,
                Some(next),
                0,
                format!("segment starts at seq {} (file name says {first}) but the chain continues at seq {next}", h.first_seq),
            ));
                break;
            }
            let mut off = HEADER_LEN;
            while off < bytes.len() {
                let frame = match segment::parse_frame_ref(&bytes[off..]) {
                    Ok((f, len)) => {
                        off += len;
                        f
                    }
                    Err(BadFrame::Incomplete) if last_segment => {
                        rep.problems.push(problem(
                        ProblemKind::IncompleteTail,
                        Some(next),
                        off as u64,
                        format!("{} bytes after the last complete record; a writer cuts this on open (crash residue)", bytes.len() - off),
                    ));
                        break 'segments;
                    }
                    Err(bad) => {
                        rep.problems.push(problem(
                            ProblemKind::Damaged,
                            Some(next),
                            off as u64,
                            format!("{bad}: the record's bytes were changed or damaged"),
                        ));
                        break 'segments;
                    }
                };
                let frame_off = (off - segment::FRAME_OVERHEAD - frame.record.len()) as u64;
                if frame.seq != next {
                    let (kind, detail) =
                        if frame.seq == next + 1 && peek_seq(&bytes[off..]) == Some(next) {
                            (
                                ProblemKind::Reordered,
                                format!("seq {} comes before seq {next}", frame.seq),
                            )
                        } else if frame.seq > next {
                            (
                                ProblemKind::Missing,
                                format!(
                                "found seq {} where seq {next} was expected: {} record(s) missing",
                                frame.seq,
                                frame.seq - next
                            ),
                            )
                        } else {
                            (
                                ProblemKind::Inserted,
                                format!(
                                    "found seq {} again where seq {next} was expected",
                                    frame.seq
                                ),
                            )
                        };
                    rep.problems
                        .push(problem(kind, Some(next), frame_off, detail));
                    break 'segments;
                }
                let computed = chain::next_hash(&prev, frame.seq, frame.record);
                if computed != *frame.hash {
                    rep.problems.push(problem(
                    ProblemKind::ContentChanged,
                    Some(next),
                    frame_off,
                    "the record does not match its chain hash (its content or hash was changed, or a foreign record was inserted)".into(),
                ));
                    break 'segments;
                }
                if expect_head.is_some_and(|e| e.seq == frame.seq) {
                    expect_hash_seen = Some(*frame.hash);
                }
                prev = *frame.hash;
                next += 1;
                pending_batch = frame.flags & FLAG_BATCH_END == 0;
                if !pending_batch {
                    committed_seq = frame.seq;
                    rep.head = Some(ChainHead {
                        seq: frame.seq,
                        hash: *frame.hash,
                    });
                }
                chunk.push(Meta {
                    seq: frame.seq,
                    flags: frame.flags,
                    frame_off,
                    rec_start: frame_off as usize + 13,
                    rec_len: frame.record.len(),
                });
                if chunk.len() >= 4096 && !send(&mut chunk, &bytes, h.first_seq, path) {
                    break 'segments;
                }
            }
            if !chunk.is_empty() && !send(&mut chunk, &bytes, h.first_seq, path) {
                break 'segments;
            }
        }
        drop(send);
        let (worker_problem, tally, violations) = match worker.join() {
            Ok(r) => r?,
            Err(_) => {
                return Err(OpenError::Corrupt {
                    file: log_dir.clone(),
                    offset: 0,
                    reason: "verification worker failed".into(),
                })
            }
        };
        // The first broken record is the earliest, whichever thread found it.
        let mut index_problem = None;
        if let Some(wp) = worker_problem {
            if wp.kind == ProblemKind::IndexMismatch {
                index_problem = Some(wp);
            } else if rep
                .problems
                .first()
                .is_none_or(|p| p.seq.unwrap_or(u64::MAX) > wp.seq.unwrap_or(0))
            {
                next = wp.seq.unwrap_or(1);
                rep.head = None;
                pending_batch = false;
                rep.problems = vec![wp];
            }
        }
        Ok((index_problem, tally, violations))
    })?;
    if rep.problems.is_empty() && pending_batch {
        rep.problems.push(Problem {
            kind: ProblemKind::IncompleteTail,
            seq: Some(committed_seq + 1),
            at: None,
            detail: "records of an unfinished batch follow the last complete batch (crash residue; a writer cuts them on open)".into(),
        });
    }
    rep.records = next - 1;
    if rep.head.is_none() && rep.problems.is_empty() {
        rep.head = Some(ChainHead::empty());
    }
    if let Some(e) = expect_head {
        let ok = if e.seq == 0 {
            e.hash == chain::genesis()
        } else {
            expect_hash_seen == Some(e.hash) && e.seq <= committed_seq
        };
        if !ok {
            let detail = match expect_hash_seen {
                _ if e.seq > committed_seq => format!("the ledger ends at seq {committed_seq}: records up to seq {} were removed (tail truncation)", e.seq),
                Some(h) => format!("seq {} has hash {}, not {}", e.seq, chain::hex(&h), chain::hex(&e.hash)),
                None => "the kept head could not be checked".into(),
            };
            rep.problems.push(Problem {
                kind: ProblemKind::ExpectedHeadMissing,
                seq: Some(e.seq),
                at: None,
                detail,
            });
        }
    }
    rep.problems.extend(violations);
    if let Some(index) = &index {
        match index_problem {
            Some(p) => rep.problems.push(p),
            None => check_index(index, through, committed_seq, &tally, &mut rep),
        }
    }
    Ok(rep)
}

/// Where one verified frame's record is.
struct Meta {
    seq: u64,
    flags: u8,
    frame_off: u64,
    rec_start: usize,
    rec_len: usize,
}

/// Frames of one segment, passed to the decoding thread.
struct Chunk {
    bytes: Arc<Vec<u8>>,
    segment: u64,
    path: PathBuf,
    frames: Vec<Meta>,
}

/// What the decoding thread found: the first index problem, the per-tree
/// tallies, and recording-rule violations.
type Found = (Option<Problem>, [usize; 5], Vec<Problem>);
type Checked = Result<Found, OpenError>;

/// Decodes every record and checks the index group by group; stops at the
/// first problem.
fn check_records(
    rx: std::sync::mpsc::Receiver<Chunk>,
    index: Option<&Index>,
    through: u64,
) -> Checked {
    let mut tally = [0usize; 5];
    let mut violations = Vec::new();
    let mut rules: std::collections::BTreeMap<String, Arc<crate::signing::StreamRules>> =
        std::collections::BTreeMap::new();
    let mut group: Vec<(u64, Position, crate::event::StoredEvent)> = Vec::new();
    let mut index_problem: Option<Problem> = None;
    for chunk in rx {
        for m in &chunk.frames {
            let rec = &chunk.bytes[m.rec_start..m.rec_start + m.rec_len];
            let ev = match encoding::decode_record(rec) {
                Ok(ev) => ev,
                Err(e) => {
                    let p = Problem {
                        kind: ProblemKind::Undecodable,
                        seq: Some(m.seq),
                        at: Some((chunk.path.clone(), m.frame_off)),
                        detail: e.to_string(),
                    };
                    return Ok((Some(p), tally, violations));
                }
            };
            // Signatures and permissions, under the stream's rule set.
            if let crate::event::Event::RuleSetDefined(r) = &ev.event {
                rules.insert(ev.stream.to_string(), crate::store::rules_of(&r.content));
            } else if let Some(r) = rules.get(ev.stream.as_str()) {
                if let Err((field, why)) = r.check(&ev) {
                    violations.push(Problem {
                        kind: ProblemKind::RecordingRule,
                        seq: Some(m.seq),
                        at: Some((chunk.path.clone(), m.frame_off)),
                        detail: format!("event `{}`: field `{field}`: {why}", ev.id),
                    });
                }
                // An amendment governs what is recorded after it.
                if let crate::event::Event::RuleSetAmended(a) = &ev.event {
                    rules.insert(ev.stream.to_string(), crate::store::rules_of(&a.content));
                }
            }
            let (Some(index), None) = (index, &index_problem) else {
                continue;
            };
            if m.seq > through {
                continue;
            }
            let pos = Position {
                segment: chunk.segment,
                offset: m.frame_off,
            };
            group.push((m.seq, pos, ev));
            if m.flags & FLAG_BATCH_END != 0 || group.len() as u64 >= GROUP {
                let entries: Vec<IndexEntry<'_>> = group
                    .iter()
                    .map(|(seq, pos, ev)| IndexEntry {
                        seq: *seq,
                        pos: *pos,
                        event: ev,
                        fingerprint: crate::index::id_fingerprint(&ev.stream, &ev.id),
                    })
                    .collect();
                if let Err(why) = index.check_group(&entries, &mut tally)? {
                    index_problem = Some(Problem {
                        kind: ProblemKind::IndexMismatch,
                        seq: Some(group[0].0),
                        at: None,
                        detail: format!("{why}; run `slaledger reindex`"),
                    });
                }
                group.clear();
            }
        }
    }
    Ok((index_problem, tally, violations))
}

fn peek_seq(rest: &[u8]) -> Option<u64> {
    segment::parse_frame(rest).ok().map(|(f, _)| f.seq)
}

fn check_index(
    index: &Index,
    through: u64,
    committed: u64,
    tally: &[usize; 5],
    rep: &mut VerifyReport,
) {
    if through > committed {
        rep.problems.push(Problem {
            kind: ProblemKind::IndexMismatch,
            seq: Some(through),
            at: None,
            detail: format!("the index claims records up to seq {through} but the log ends at seq {committed}; run `slaledger reindex`"),
        });
        return;
    }
    if through < committed {
        rep.notes.push(format!(
            "the index lags the log (through seq {through} of {committed}); it catches up when the ledger is next opened"
        ));
    }
    for (tree, n) in index.key_counts() {
        if n != tally[tree as usize] {
            rep.problems.push(Problem {
                kind: ProblemKind::IndexMismatch,
                seq: None,
                at: None,
                detail: format!(
                    "tree {tree:?} has {n} keys where the log implies {}; run `slaledger reindex`",
                    tally[tree as usize]
                ),
            });
            return;
        }
    }
}
