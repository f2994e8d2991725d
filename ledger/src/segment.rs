//! The segment log: the record of truth (docs/FORMAT.md §Segments, §Frames).
//!
//! Records live in append-only segment files `log/seg-<first seq>.log`. Each
//! starts with a 48-byte header (magic, first seq, chain hash before it) and
//! holds frames `len | flags | seq | record | chain hash | crc32`. A batch is
//! written with one `write` and made durable with `fdatasync` before the append
//! is acknowledged; its last frame carries the batch-end flag, so recovery can
//! tell a complete batch from a torn one. A batch never spans two segments.

use crate::chain::{self, ChainHead};
use crate::encoding::MAX_RECORD;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Magic bytes at the start of every segment file.
pub const SEGMENT_MAGIC: &[u8; 8] = b"SLALOG01";
/// Size of the segment header: magic, first seq (u64 LE), previous chain hash.
pub const HEADER_LEN: usize = 48;
/// Bytes a frame adds around its record: len 4, flags 1, seq 8, hash 32, crc 4.
pub const FRAME_OVERHEAD: usize = 49;
/// Where a frame's record starts within the frame: after len 4, flags 1, seq 8.
pub const RECORD_OFFSET: usize = 13;
/// Flag bit: this frame is the last record of its batch.
pub const FLAG_BATCH_END: u8 = 1;
/// Default size at which a new segment is started.
pub const DEFAULT_SEGMENT_LIMIT: u64 = 64 * 1024 * 1024;

/// Where a frame starts: segment (by its first seq) and byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// First seq of the segment, which names its file.
    pub segment: u64,
    /// Byte offset of the frame in the file.
    pub offset: u64,
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Sequence number.
    pub seq: u64,
    /// Flags (bit 0: batch end).
    pub flags: u8,
    /// Record bytes.
    pub record: Vec<u8>,
    /// Chain hash after this record, as stored.
    pub hash: [u8; 32],
}

/// Why bytes at an offset are not a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadFrame {
    /// Fewer bytes than the frame needs: the file ends inside it.
    Incomplete,
    /// The length field exceeds the record limit.
    TooLarge(u32),
    /// The checksum does not match the bytes.
    Checksum,
}

impl std::fmt::Display for BadFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadFrame::Incomplete => f.write_str("the file ends inside the frame"),
            BadFrame::TooLarge(n) => write!(f, "length field {n} exceeds the record limit"),
            BadFrame::Checksum => f.write_str("frame checksum (crc32) mismatch"),
        }
    }
}

/// Encodes one frame onto `out`.
pub fn put_frame(out: &mut Vec<u8>, seq: u64, flags: u8, record: &[u8], hash: &[u8; 32]) {
    let start = out.len();
    out.extend_from_slice(&(record.len() as u32).to_le_bytes());
    out.push(flags);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(record);
    out.extend_from_slice(hash);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// A frame borrowed from a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRef<'a> {
    /// Sequence number.
    pub seq: u64,
    /// Flags (bit 0: batch end).
    pub flags: u8,
    /// Record bytes.
    pub record: &'a [u8],
    /// Chain hash after this record, as stored.
    pub hash: &'a [u8; 32],
}

/// Parses the frame at the start of `buf` without copying; returns it and
/// its total length.
pub fn parse_frame_ref(buf: &[u8]) -> Result<(FrameRef<'_>, usize), BadFrame> {
    if buf.len() < FRAME_OVERHEAD {
        return Err(BadFrame::Incomplete);
    }
    let len = u32::from_le_bytes(buf[0..4].try_into().unwrap_or_default());
    if len as usize > MAX_RECORD {
        return Err(BadFrame::TooLarge(len));
    }
    let total = FRAME_OVERHEAD + len as usize;
    if buf.len() < total {
        return Err(BadFrame::Incomplete);
    }
    let crc = u32::from_le_bytes(buf[total - 4..total].try_into().unwrap_or_default());
    if crc32fast::hash(&buf[..total - 4]) != crc {
        return Err(BadFrame::Checksum);
    }
    let flags = buf[4];
    let seq = u64::from_le_bytes(buf[5..13].try_into().unwrap_or_default());
    let record = &buf[RECORD_OFFSET..RECORD_OFFSET + len as usize];
    let hash: &[u8; 32] = buf[RECORD_OFFSET + len as usize..total - 4]
        .try_into()
        .map_err(|_| BadFrame::Incomplete)?;
    Ok((
        FrameRef {
            seq,
            flags,
            record,
            hash,
        },
        total,
    ))
}

/// Parses the frame at the start of `buf`; returns it and its total length.
pub fn parse_frame(buf: &[u8]) -> Result<(Frame, usize), BadFrame> {
    let (f, total) = parse_frame_ref(buf)?;
    Ok((
        Frame {
            seq: f.seq,
            flags: f.flags,
            record: f.record.to_vec(),
            hash: *f.hash,
        },
        total,
    ))
}

/// A segment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentHeader {
    /// Seq of the first record in the segment.
    pub first_seq: u64,
    /// Chain hash before the first record.
    pub prev_hash: [u8; 32],
}

impl SegmentHeader {
    /// The 48 header bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..8].copy_from_slice(SEGMENT_MAGIC);
        b[8..16].copy_from_slice(&self.first_seq.to_le_bytes());
        b[16..].copy_from_slice(&self.prev_hash);
        b
    }

    /// Parses header bytes; `None` when the magic is wrong or bytes are short.
    pub fn parse(b: &[u8]) -> Option<Self> {
        if b.len() < HEADER_LEN || &b[..8] != SEGMENT_MAGIC {
            return None;
        }
        let first_seq = u64::from_le_bytes(b[8..16].try_into().ok()?);
        let mut prev_hash = [0u8; 32];
        prev_hash.copy_from_slice(&b[16..48]);
        Some(SegmentHeader {
            first_seq,
            prev_hash,
        })
    }
}

/// File name of the segment whose first record is `first_seq`.
pub fn segment_file_name(first_seq: u64) -> String {
    format!("seg-{first_seq:020}.log")
}

/// Lists segment files of `log_dir` by first seq (from their names), ascending.
pub fn list_segments(log_dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(log_dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(num) = name
            .strip_prefix("seg-")
            .and_then(|n| n.strip_suffix(".log"))
        {
            if let Ok(first) = num.parse::<u64>() {
                out.push((first, entry.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// fsyncs a directory so that a created or renamed entry survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// What scanning a segment's bytes found.
#[derive(Debug, Clone)]
pub struct SegmentScan {
    /// The header, if valid.
    pub header: Option<SegmentHeader>,
    /// Head after the last complete, valid batch (`None` if none).
    pub head: Option<ChainHead>,
    /// Byte offset just after that batch (or after the header).
    pub valid_end: u64,
    /// Number of records in complete batches.
    pub records: u64,
    /// What follows `valid_end`, if anything.
    pub tail: Option<TailProblem>,
}

/// Bytes after the last complete batch of a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailProblem {
    /// An unacknowledged torn write: incomplete frames, a checksum-damaged
    /// final frame, or valid frames of a batch that never got its end flag.
    Torn {
        /// Offset where the tail starts.
        offset: u64,
        /// Its length in bytes.
        len: u64,
    },
    /// Damage that a crash cannot explain: a complete frame that fails its
    /// checksum or chain and is followed by more data, or a seq out of order.
    Corrupt {
        /// Offset of the first bad frame.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
}

/// Scans a whole segment held in memory, checking checksums, seq order and
/// the chain. `expect_first` and `expect_prev` come from the previous segment
/// (or the empty ledger) when known.
pub fn scan_segment(
    bytes: &[u8],
    expect_first: Option<u64>,
    expect_prev: Option<[u8; 32]>,
) -> SegmentScan {
    let header = SegmentHeader::parse(bytes);
    let Some(h) = header else {
        return SegmentScan {
            header: None,
            head: None,
            valid_end: 0,
            records: 0,
            tail: Some(if bytes.len() < HEADER_LEN {
                TailProblem::Torn {
                    offset: 0,
                    len: bytes.len() as u64,
                }
            } else {
                TailProblem::Corrupt {
                    offset: 0,
                    reason: "bad segment header".into(),
                }
            }),
        };
    };
    if expect_first.is_some_and(|f| f != h.first_seq)
        || expect_prev.is_some_and(|p| p != h.prev_hash)
    {
        return SegmentScan {
            header,
            head: None,
            valid_end: HEADER_LEN as u64,
            records: 0,
            tail: Some(TailProblem::Corrupt {
                offset: 0,
                reason: "segment header does not continue the previous segment".into(),
            }),
        };
    }
    // Frames first (lengths, CRCs: a cheap serial walk), then every frame's
    // chain hash checked against the stored hash of the frame before it:
    // those checks are independent of each other, so they run on two
    // threads; the first broken frame is the one a walk in order would
    // stop at. Then the walk in order over the frames that hold.
    let mut frames: Vec<(usize, FrameRef<'_>)> = Vec::new();
    let mut off = HEADER_LEN;
    let mut stop = None;
    while off < bytes.len() {
        match parse_frame_ref(&bytes[off..]) {
            Ok((frame, len)) => {
                frames.push((off, frame));
                off += len;
            }
            Err(bad) => {
                stop = Some((off, bad));
                break;
            }
        }
    }
    let broken = first_broken(&frames, h.first_seq, &h.prev_hash);
    let mut committed = (HEADER_LEN as u64, None, 0u64);
    let mut in_batch = 0u64;
    for (i, (off, frame)) in frames.iter().enumerate() {
        if broken == Some(i) {
            let next_seq = h.first_seq + i as u64;
            let reason = if frame.seq != next_seq {
                format!("seq {} where {} was expected", frame.seq, next_seq)
            } else {
                format!("chain hash mismatch at seq {}", frame.seq)
            };
            return SegmentScan {
                header,
                head: committed.1,
                valid_end: committed.0,
                records: committed.2,
                tail: Some(TailProblem::Corrupt {
                    offset: *off as u64,
                    reason,
                }),
            };
        }
        in_batch += 1;
        if frame.flags & FLAG_BATCH_END != 0 {
            committed = (
                (off + FRAME_OVERHEAD + frame.record.len()) as u64,
                Some(ChainHead {
                    seq: frame.seq,
                    hash: *frame.hash,
                }),
                committed.2 + in_batch,
            );
            in_batch = 0;
        }
    }
    if let Some((off, bad)) = stop {
        let next_seq = h.first_seq + frames.len() as u64;
        let frame_end = match bad {
            BadFrame::Checksum => {
                let len =
                    u32::from_le_bytes(bytes[off..off + 4].try_into().unwrap_or_default()) as usize;
                off + FRAME_OVERHEAD + len
            }
            _ => bytes.len(),
        };
        let torn = frame_end >= bytes.len() && !matches!(bad, BadFrame::TooLarge(_));
        let tail = if torn {
            TailProblem::Torn {
                offset: committed.0,
                len: bytes.len() as u64 - committed.0,
            }
        } else {
            TailProblem::Corrupt {
                offset: off as u64,
                reason: format!("frame at seq {next_seq}: {bad}"),
            }
        };
        return SegmentScan {
            header,
            head: committed.1,
            valid_end: committed.0,
            records: committed.2,
            tail: Some(tail),
        };
    }
    let tail = (committed.0 < bytes.len() as u64).then(|| TailProblem::Torn {
        offset: committed.0,
        len: bytes.len() as u64 - committed.0,
    });
    SegmentScan {
        header,
        head: committed.1,
        valid_end: committed.0,
        records: committed.2,
        tail,
    }
}

/// The first of `frames` whose seq does not follow `first_seq` in order or
/// whose stored chain hash is not the hash of its record after the stored
/// hash of the frame before it (`prev` for the first). A long segment's
/// checks are split over two threads (each frame's check needs only stored
/// bytes); if no thread can be started they run here.
fn first_broken(
    frames: &[(usize, FrameRef<'_>)],
    first_seq: u64,
    prev: &[u8; 32],
) -> Option<usize> {
    let check = |from: usize, to: usize| -> Option<usize> {
        (from..to).find(|&i| {
            let f = &frames[i].1;
            let before = if i == 0 { prev } else { frames[i - 1].1.hash };
            f.seq != first_seq + i as u64 || *f.hash != chain::next_hash(before, f.seq, f.record)
        })
    };
    let n = frames.len();
    if n < 4096 {
        return check(0, n);
    }
    let mid = n / 2;
    std::thread::scope(|scope| {
        let later = std::thread::Builder::new()
            .name("slaledger-chain".into())
            .spawn_scoped(scope, move || check(mid, n));
        let early = check(0, mid);
        match later {
            // The later half's result matters only if the early half holds.
            Ok(h) => early.or_else(|| h.join().unwrap_or_else(|_| check(mid, n))),
            Err(_) => early.or_else(|| check(mid, n)),
        }
    })
}

/// The open, writable end of the log.
#[derive(Debug)]
pub struct ActiveSegment {
    /// First seq of the segment (its name).
    pub first_seq: u64,
    /// The file, positioned at its end.
    pub file: File,
    /// Its length in bytes (all durable).
    pub len: u64,
    /// Test-only: writes and syncs that fail on demand.
    #[cfg(test)]
    pub(crate) faults: std::sync::Arc<faults::Faults>,
}

impl ActiveSegment {
    /// Creates a new segment file, writes and syncs its header, and syncs the
    /// directory so the file itself survives a crash.
    pub fn create(log_dir: &Path, header: SegmentHeader) -> io::Result<Self> {
        let path = log_dir.join(segment_file_name(header.first_seq));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.write_all(&header.to_bytes())?;
        file.sync_all()?;
        sync_dir(log_dir)?;
        Ok(ActiveSegment {
            first_seq: header.first_seq,
            file,
            len: HEADER_LEN as u64,
            #[cfg(test)]
            faults: Default::default(),
        })
    }

    /// Opens an existing segment for appending at `len`, cutting anything
    /// beyond (the caller has quarantined it).
    pub fn open_at(path: &Path, first_seq: u64, len: u64) -> io::Result<Self> {
        let mut file = OpenOptions::new().read(true).write(true).open(path)?;
        if file.metadata()?.len() != len {
            file.set_len(len)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::Start(len))?;
        Ok(ActiveSegment {
            first_seq,
            file,
            len,
            #[cfg(test)]
            faults: Default::default(),
        })
    }

    /// Writes `frames` (complete frames of one batch) and fdatasyncs, as
    /// [`ActiveSegment::commit_ahead`] with nothing written ahead.
    pub fn append_durable(&mut self, frames: &[u8]) -> Result<u64, CommitError> {
        self.commit_ahead(0, frames)
    }

    /// Writes `frames` at `ahead` bytes past the end, neither syncing nor
    /// moving the end: the first frames of a large batch, written while the
    /// batch is still being validated and chained so that the disk works
    /// while the CPU does. They never carry the batch-end flag, so until
    /// [`ActiveSegment::commit_ahead`] they are a tail without a batch end,
    /// which a crash leaves for open to cut and
    /// [`ActiveSegment::discard_ahead`] cuts when the batch is not appended.
    pub fn write_ahead(&self, ahead: u64, frames: &[u8]) -> io::Result<()> {
        self.write_at(frames, self.len + ahead)
    }

    /// fdatasyncs the file without moving the end: starts the disk on frames
    /// written ahead. Acknowledges nothing.
    pub fn sync_ahead(&self) -> io::Result<()> {
        self.sync()
    }

    /// Completes a batch whose first `ahead` bytes were written ahead:
    /// writes `rest` (which ends with the batch-end frame) after them,
    /// fdatasyncs, and moves the end past the batch. Returns where the batch
    /// starts. On any error the file is cut back to its durable end, so no
    /// partial batch stays in front of later appends; the caller must treat
    /// a failure as fatal for this handle (after a failed fdatasync the page
    /// cache state is unknown).
    pub fn commit_ahead(&mut self, ahead: u64, rest: &[u8]) -> Result<u64, CommitError> {
        let at = self.len;
        let end = at + ahead + rest.len() as u64;
        let written = self.write_at(rest, at + ahead);
        let whole = written.is_ok();
        let res = written
            .and_then(|_| self.sync())
            .and_then(|_| self.file.seek(SeekFrom::Start(end)));
        match res {
            Ok(end) => {
                self.len = end;
                Ok(at)
            }
            Err(error) => match self.discard_ahead() {
                Ok(()) => Err(CommitError::NotWritten(error)),
                // A write that failed never reached the batch-end frame
                // (it is written last), so open cuts what it left.
                Err(_) if !whole => Err(CommitError::NotWritten(error)),
                Err(cut) => Err(CommitError::MaybeWritten { error, cut }),
            },
        }
    }

    /// Cuts whatever was written ahead of the end (a batch not appended).
    pub fn discard_ahead(&mut self) -> io::Result<()> {
        #[cfg(test)]
        if self.faults.cut_fails() {
            return Err(faults::injected());
        }
        self.file.set_len(self.len)?;
        self.file.seek(SeekFrom::Start(self.len))?;
        Ok(())
    }

    /// Writes `bytes` at `offset` (every write of a batch goes through here).
    fn write_at(&self, bytes: &[u8], offset: u64) -> io::Result<()> {
        #[cfg(test)]
        if self.faults.trips() {
            // A full disk may take part of a write before it fails.
            self.file.write_all_at(&bytes[..bytes.len() / 2], offset)?;
            return Err(faults::injected());
        }
        self.file.write_all_at(bytes, offset)
    }

    /// fdatasyncs the file (every sync of a batch goes through here).
    fn sync(&self) -> io::Result<()> {
        #[cfg(test)]
        if self.faults.trips() {
            return Err(faults::injected());
        }
        self.file.sync_data()
    }
}

/// Test-only fault injection. A local disk cannot be made to fail on
/// demand, yet what an append does when a write or an fdatasync fails
/// decides what an acknowledged batch means; the store's fault tests arm
/// these to fail every I/O operation of a batch in turn.
#[cfg(test)]
pub(crate) mod faults {
    use std::io;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    /// Counts a segment's writes and fdatasyncs, together, in the order
    /// they are issued; from the `fail_from`-th (0-based) on, each fails.
    /// Cutting a batch back (`set_len`) fails while `fail_cut` is set.
    #[derive(Debug)]
    pub(crate) struct Faults {
        ops: AtomicU64,
        fail_from: AtomicU64,
        fail_cut: AtomicBool,
    }

    impl Default for Faults {
        fn default() -> Self {
            Faults {
                ops: AtomicU64::new(0),
                fail_from: AtomicU64::new(u64::MAX),
                fail_cut: AtomicBool::new(false),
            }
        }
    }

    impl Faults {
        /// Makes every cut back to the durable end fail (or succeed again).
        pub(crate) fn fail_cuts(&self, on: bool) {
            self.fail_cut.store(on, Ordering::SeqCst);
        }

        /// True if a cut is to fail.
        pub(crate) fn cut_fails(&self) -> bool {
            self.fail_cut.load(Ordering::SeqCst)
        }

        /// Fails the `n`-th operation from now and every later one.
        pub(crate) fn fail_from(&self, n: u64) {
            self.ops.store(0, Ordering::SeqCst);
            self.fail_from.store(n, Ordering::SeqCst);
        }

        /// Counts an operation; true if it is to fail.
        pub(crate) fn trips(&self) -> bool {
            self.ops.fetch_add(1, Ordering::SeqCst) >= self.fail_from.load(Ordering::SeqCst)
        }

        /// Operations counted since the last [`Faults::fail_from`].
        pub(crate) fn count(&self) -> u64 {
            self.ops.load(Ordering::SeqCst)
        }
    }

    /// The error an injected fault returns.
    pub(crate) fn injected() -> io::Error {
        io::Error::other("injected fault: no space left on device")
    }
}

/// How completing a batch failed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The batch is not in the log: its write failed before the batch-end
    /// frame, or the file was cut back to its durable end afterwards.
    #[error("{0}")]
    NotWritten(io::Error),
    /// The whole batch was written but not synced, and cutting it back
    /// failed: not acknowledged, yet it may be present (whole) once the
    /// ledger is reopened.
    #[error("{error}; cutting the batch back failed too: {cut}")]
    MaybeWritten {
        /// The failed sync (or seek).
        error: io::Error,
        /// The failed cut.
        cut: io::Error,
    },
}

/// Reads the frame at `offset` of the segment file `path`.
pub fn read_frame_at(file: &File, offset: u64) -> io::Result<Result<Frame, BadFrame>> {
    let mut head = [0u8; 4];
    file.read_exact_at(&mut head, offset)?;
    let len = u32::from_le_bytes(head) as usize;
    if len > MAX_RECORD {
        return Ok(Err(BadFrame::TooLarge(len as u32)));
    }
    let mut buf = vec![0u8; FRAME_OVERHEAD + len];
    match file.read_exact_at(&mut buf, offset) {
        Ok(()) => Ok(parse_frame(&buf).map(|(f, _)| f)),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(Err(BadFrame::Incomplete)),
        Err(e) => Err(e),
    }
}

/// Reads a whole file.
pub fn read_all(path: &Path) -> io::Result<Vec<u8>> {
    let mut v = Vec::new();
    read_all_into(path, &mut v)?;
    Ok(v)
}

/// Reads a whole file into `buf`, replacing its contents. Scans that read
/// segment after segment reuse one buffer: on this machine kind, touching
/// fresh memory (a page fault and a zeroed page per 4 KiB) cost more than
/// reading the bytes.
pub fn read_all_into(path: &Path, buf: &mut Vec<u8>) -> io::Result<()> {
    let mut f = File::open(path)?;
    buf.clear();
    let len = f.metadata()?.len();
    buf.reserve(usize::try_from(len).unwrap_or(0));
    f.read_to_end(buf)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(records: &[&[u8]], batch_ends: &[bool]) -> Vec<u8> {
        let mut out = SegmentHeader {
            first_seq: 1,
            prev_hash: chain::genesis(),
        }
        .to_bytes()
        .to_vec();
        let mut prev = chain::genesis();
        for (i, r) in records.iter().enumerate() {
            let seq = i as u64 + 1;
            let h = chain::next_hash(&prev, seq, r);
            put_frame(
                &mut out,
                seq,
                if batch_ends[i] { FLAG_BATCH_END } else { 0 },
                r,
                &h,
            );
            prev = h;
        }
        out
    }

    #[test]
    fn complete_batches_scan_clean() {
        let s = seg(&[b"a", b"bb", b"ccc"], &[false, true, true]);
        let scan = scan_segment(&s, Some(1), Some(chain::genesis()));
        assert_eq!(scan.tail, None);
        assert_eq!(scan.records, 3);
        assert_eq!(scan.head.unwrap().seq, 3);
    }

    #[test]
    fn unfinished_batch_is_a_torn_tail() {
        let s = seg(&[b"a", b"bb", b"ccc"], &[true, false, false]);
        let scan = scan_segment(&s, None, None);
        assert_eq!(scan.head.unwrap().seq, 1);
        assert!(matches!(scan.tail, Some(TailProblem::Torn { .. })));
    }

    #[test]
    fn truncated_final_frame_is_torn_but_damaged_middle_frame_is_corrupt() {
        let s = seg(&[b"a", b"bb", b"ccc"], &[true, true, true]);
        let cut = &s[..s.len() - 3];
        assert!(matches!(
            scan_segment(cut, None, None).tail,
            Some(TailProblem::Torn { .. })
        ));
        let mut flipped = s.clone();
        flipped[HEADER_LEN + 14] ^= 1; // inside the first record
        assert!(matches!(
            scan_segment(&flipped, None, None).tail,
            Some(TailProblem::Corrupt { .. })
        ));
    }

    /// A frame's position and how its seq and stored hash are changed.
    type Change = (usize, fn(&mut u64, &mut [u8; 32]));

    /// A 10,000-record segment (records of 4, 8 or 12 bytes, a batch end
    /// every 7th and at the last) with each frame named in `changes`
    /// rewritten, its CRC recomputed so that only the chain (or the seq) is
    /// wrong; returns the bytes and every frame's offset.
    fn long_segment(changes: &[Change]) -> (Vec<u8>, Vec<usize>) {
        let records: Vec<Vec<u8>> = (0..10_000u32)
            .map(|i| i.to_le_bytes().repeat(1 + (i % 3) as usize))
            .collect();
        let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let ends: Vec<bool> = (0..records.len())
            .map(|i| i % 7 == 6 || i + 1 == records.len())
            .collect();
        let clean = seg(&refs, &ends);
        let mut offsets = Vec::new();
        let mut out = clean[..HEADER_LEN].to_vec();
        let mut off = HEADER_LEN;
        let mut i = 0;
        while off < clean.len() {
            let (f, len) = parse_frame_ref(&clean[off..]).expect("a clean frame");
            let (mut seq, mut hash) = (f.seq, *f.hash);
            for (k, change) in changes {
                if *k == i {
                    change(&mut seq, &mut hash);
                }
            }
            offsets.push(out.len());
            put_frame(&mut out, seq, f.flags, f.record, &hash);
            off += len;
            i += 1;
        }
        (out, offsets)
    }

    #[test]
    fn a_long_segment_scan_stops_at_the_first_broken_frame_in_either_half() {
        let wrong_hash: fn(&mut u64, &mut [u8; 32]) = |_, h| h[0] ^= 1;
        let wrong_seq: fn(&mut u64, &mut [u8; 32]) = |s, _| *s += 1;
        let (clean, _) = long_segment(&[]);
        let scan = scan_segment(&clean, Some(1), Some(chain::genesis()));
        assert_eq!(scan.tail, None);
        assert_eq!(scan.records, 10_000);
        // (frames changed, the first broken one, whether its seq is what is wrong)
        let cases: [(&[Change], usize, bool); 7] = [
            (&[(0, wrong_hash)], 0, false),
            (&[(4_999, wrong_hash)], 4_999, false),
            (&[(5_000, wrong_hash)], 5_000, false),
            (&[(9_999, wrong_hash)], 9_999, false),
            (&[(7_001, wrong_seq)], 7_001, true),
            (&[(3_000, wrong_hash), (7_000, wrong_hash)], 3_000, false),
            (&[(6_000, wrong_seq), (8_000, wrong_hash)], 6_000, true),
        ];
        for (changes, k, seq_wrong) in cases {
            let (bytes, offsets) = long_segment(changes);
            let seq = k as u64 + 1;
            let reason = if seq_wrong {
                format!("seq {} where {seq} was expected", seq + 1)
            } else {
                format!("chain hash mismatch at seq {seq}")
            };
            let scan = scan_segment(&bytes, Some(1), Some(chain::genesis()));
            assert_eq!(
                scan.tail,
                Some(TailProblem::Corrupt {
                    offset: offsets[k] as u64,
                    reason
                }),
                "frame {k}"
            );
            // Everything up to the last batch end before frame k holds.
            let kept = k / 7 * 7;
            assert_eq!(scan.records, kept as u64, "frame {k}");
            assert_eq!(scan.head.map(|h| h.seq), (kept > 0).then_some(kept as u64));
            let end = if kept == 0 { HEADER_LEN } else { offsets[kept] };
            assert_eq!(scan.valid_end, end as u64, "frame {k}");
        }
    }
}
