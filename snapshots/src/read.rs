//! Reading a stream's events from the ledger: every record in a range of
//! positions whose leading bytes name the stream, decoded on all cores, in
//! ledger order. Snapshots start such a read after their own position.

use slaledger_ledger::chain::ChainHead;
use slaledger_ledger::encoding;
use slaledger_ledger::event::StoredEvent;
use slaledger_ledger::store::{Ledger, ReadError};
use slaledger_ledger::time::Instant;

/// A stream's events (ledger order) as read through a ledger position.
#[derive(Debug, Clone)]
pub struct StreamRead {
    /// The stream's events with their seqs (from a snapshot: the events it
    /// kept, then those recorded after it).
    pub events: Vec<(u64, StoredEvent)>,
    /// The last ledger position read: seq and chain hash.
    pub head: (u64, [u8; 32]),
    /// `recorded_at` of the record at that position.
    pub last_recorded: Instant,
    /// The latest `occurred_at` of every event of the stream through the
    /// position, including probe samples a snapshot left out (an as-of
    /// replay's default evaluation time needs it, SPEC §9.2).
    pub latest_occurred: Option<Instant>,
}

impl StreamRead {
    /// Frees the read's events. A read of many events is freed on a
    /// background thread: freeing every decoded event's allocations took
    /// ~8 ms of a 100,000-event month report, and nothing waits for it.
    pub fn release(self) {
        if self.events.len() < 20_000 {
            return;
        }
        // If the thread cannot be started, the events are freed here.
        let _ = std::thread::Builder::new()
            .name("release-read".into())
            .spawn(move || drop(self));
    }

    /// Raises `latest_occurred` to cover `t`.
    pub fn saw_occurred(&mut self, t: Instant) {
        self.latest_occurred = Some(self.latest_occurred.map_or(t, |l| l.max(t)));
    }
}

/// The position a read ends at: the head, or `upto` if earlier, or the
/// last record with `recorded_at ≤ as_of` (SPEC §9.2) within that.
/// `Ok(None)` when nothing was recorded at or before `as_of`.
pub fn end_position(
    ledger: &Ledger,
    as_of: Option<Instant>,
    upto: Option<u64>,
) -> Result<Option<ChainHead>, ReadError> {
    let mut head = ledger.head();
    if let Some(seq) = upto.filter(|s| *s < head.seq) {
        head = ChainHead {
            seq,
            hash: ledger.hash_at(seq)?,
        };
    }
    if let Some(a) = as_of {
        let Some(position) = ledger.position_as_of(a, head.seq)? else {
            return Ok(None);
        };
        head = ChainHead {
            seq: position,
            hash: ledger.hash_at(position)?,
        };
    }
    Ok(Some(head))
}

/// The stream's events with seq in `from..=to.seq`, decoded. Each segment
/// is read once ([`Ledger::scan_segments`]); other streams' records are
/// never decoded. `last_recorded` is that of record `to.seq`.
pub fn stream_events_between(
    ledger: &Ledger,
    stream: &str,
    from: u64,
    to: ChainHead,
) -> Result<StreamRead, ReadError> {
    let mut events: Vec<(u64, StoredEvent)> = Vec::new();
    let mut bad: Option<ReadError> = None;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut spare = Vec::new();
    ledger.scan_segments(from.max(1), to.seq, |records| {
        if bad.is_some() {
            return;
        }
        let mine = |r: &[u8]| encoding::id_and_stream(r).is_some_and(|(_, s)| s == stream);
        let before = events.len();
        if let Err(e) = decode_where_into(records, &mine, threads, &mut events, &mut spare) {
            bad = Some(e);
            return;
        }
        // Room for the rest of the range at this segment's share of the
        // stream, so that a long read does not copy its events on growth
        // (room never used is never touched: address space, not resident memory).
        if let Some((last, _)) = records.last() {
            let kept = (events.len() - before) as u128;
            let left = u128::from(to.seq.saturating_sub(*last));
            let expect = (kept * left / records.len() as u128) as usize;
            if events.capacity() - events.len() < expect {
                events.reserve_exact(expect + expect / 16);
            }
        }
    })?;
    if let Some(e) = bad {
        return Err(e);
    }
    let last_recorded = if to.seq == 0 {
        Instant::from_millis(0)
    } else {
        ledger.recorded_at(to.seq)?
    };
    let latest_occurred = events.iter().map(|(_, e)| e.occurred_at).max();
    Ok(StreamRead {
        events,
        head: (to.seq, to.hash),
        last_recorded,
        latest_occurred,
    })
}

/// Decodes records in order, splitting them over `threads` scoped threads
/// (decoding allocates every string of an event; the allocator has an arena
/// per thread, so this scales with the cores).
pub fn decode_all(
    records: &[(u64, &[u8])],
    threads: usize,
) -> Result<Vec<(u64, StoredEvent)>, ReadError> {
    decode_where(records, &|_| true, threads)
}

/// Like [`decode_all`], but only the records `keep` accepts; each thread
/// tests its own part, so the test runs on every core too.
pub fn decode_where(
    records: &[(u64, &[u8])],
    keep: &(dyn Fn(&[u8]) -> bool + Sync),
    threads: usize,
) -> Result<Vec<(u64, StoredEvent)>, ReadError> {
    let mut out = Vec::with_capacity(records.len());
    decode_where_into(records, keep, threads, &mut out, &mut Vec::new())?;
    Ok(out)
}

/// Like [`decode_where`], but appends to `out`: the calling thread decodes
/// the first part straight into it and the other threads decode into the
/// buffers of `spare`, which keep their memory for the next call (a read
/// of many segments then writes each decoded event into fresh memory once,
/// not twice: fresh pages are costly, see docs/DESIGN.md). On error `out`
/// is left as it was.
pub fn decode_where_into(
    records: &[(u64, &[u8])],
    keep: &(dyn Fn(&[u8]) -> bool + Sync),
    threads: usize,
    out: &mut Vec<(u64, StoredEvent)>,
    spare: &mut Vec<Vec<(u64, StoredEvent)>>,
) -> Result<(), ReadError> {
    let decode = |part: &[(u64, &[u8])], out: &mut Vec<(u64, StoredEvent)>| {
        for (seq, r) in part {
            if !keep(r) {
                continue;
            }
            match encoding::decode_record(r) {
                Ok(ev) => out.push((*seq, ev)),
                Err(e) => {
                    return Err(ReadError::Damaged {
                        seq: *seq,
                        reason: e.to_string(),
                    })
                }
            }
        }
        Ok(())
    };
    let start = out.len();
    // Room for every record of its part up front, so that no buffer is
    // copied as it grows (a month's segment of 156,000 probe samples copied
    // ~30 MB in reallocations); records `keep` refuses leave room that is
    // never touched. Appending the other threads' parts may grow `out` once
    // more: reserving for all of them here measured no faster (2026-12-03,
    // the availability month read, three interleaved pairs).
    let result = if threads <= 1 || records.len() < 20_000 {
        out.reserve(records.len());
        decode(records, out)
    } else {
        let chunk = records.len().div_ceil(threads);
        let parts: Vec<&[(u64, &[u8])]> = records.chunks(chunk).collect();
        spare.resize_with(parts.len() - 1, Vec::new);
        out.reserve(parts[0].len());
        let (first, rest) = std::thread::scope(|scope| {
            let handles: Vec<_> = parts[1..]
                .iter()
                .zip(spare.iter_mut())
                .map(|(part, buf)| {
                    buf.clear();
                    buf.reserve(part.len());
                    let decode = &decode;
                    scope.spawn(move || decode(part, buf))
                })
                .collect();
            let first = decode(parts[0], out);
            let rest: Vec<Result<(), ReadError>> = handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(ReadError::Damaged {
                            seq: 0,
                            reason: "a decoding thread panicked".into(),
                        })
                    })
                })
                .collect();
            (first, rest)
        });
        first
            .and_then(|()| rest.into_iter().collect::<Result<(), ReadError>>())
            .map(|()| {
                for buf in spare.iter_mut() {
                    out.append(buf);
                }
            })
    };
    if result.is_err() {
        out.truncate(start);
    }
    result
}
