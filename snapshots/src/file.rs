//! The snapshot file (docs/FORMAT.md §Snapshot): magic, layout version,
//! metadata in the ledger's canonical encoding, the kept events as the
//! ledger's own record bytes, and a blake3 checksum over all of it.

use serde::{Deserialize, Serialize};
use slaledger_ledger::encoding;
use slaledger_ledger::event::StoredEvent;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;

/// First bytes of every snapshot file.
pub const MAGIC: &[u8; 8] = b"SLSNAP\r\n";

/// Version of the snapshot layout and of what it keeps ([`crate::state`]).
/// A file of another version is ignored and can be pruned; bump it when
/// the pruning rules or the layout change.
pub const STATE_VERSION: u32 = 1;

/// Domain-separation tag of the checksum.
pub const CHECKSUM_TAG: &[u8] = b"slaledger/snapshot/v1\0";

/// What a snapshot is and what it is tied to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Stream.
    pub stream: String,
    /// The first month it serves: months ≥ this one.
    pub month: Month,
    /// Ledger position of the state.
    pub seq: u64,
    /// Chain hash at `seq`: the snapshot is valid only while the ledger
    /// still has it there.
    pub hash: [u8; 32],
    /// Content hash (hex) of the rule-set version governing `month` as of
    /// `seq`; `None` if none did.
    pub rule_set: Option<String>,
    /// Event schema version of the records it holds.
    pub event_schema: u16,
    /// Samples starting at or after this instant are all kept.
    pub cutoff: Instant,
    /// Probe samples of the stream through `seq` that were left out.
    pub left_out: u64,
    /// The latest `occurred_at` among them.
    pub left_out_latest_occurred: Option<Instant>,
}

/// Why snapshot bytes cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Not a snapshot file, or cut short.
    #[error("not a snapshot file (bad magic or too short)")]
    NotASnapshot,
    /// The checksum does not match the bytes.
    #[error("damaged: the checksum does not match its bytes")]
    Checksum,
    /// Written by another layout version.
    #[error("schema version {found}, this build reads {STATE_VERSION}")]
    Version {
        /// The file's version.
        found: u32,
    },
    /// Structure or a record does not decode.
    #[error("damaged: {0}")]
    Body(String),
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], FileError> {
    if bytes.len() < n {
        return Err(FileError::Body("cut short".into()));
    }
    let (a, b) = bytes.split_at(n);
    *bytes = b;
    Ok(a)
}

fn u32_le(bytes: &mut &[u8]) -> Result<u32, FileError> {
    let b: [u8; 4] = take(bytes, 4)?
        .try_into()
        .map_err(|_| FileError::NotASnapshot)?;
    Ok(u32::from_le_bytes(b))
}

fn u64_le(bytes: &mut &[u8]) -> Result<u64, FileError> {
    let b: [u8; 8] = take(bytes, 8)?
        .try_into()
        .map_err(|_| FileError::NotASnapshot)?;
    Ok(u64::from_le_bytes(b))
}

fn checksum(bytes: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(CHECKSUM_TAG);
    h.update(bytes);
    *h.finalize().as_bytes()
}

/// Encodes a snapshot: the same meta and events always give the same bytes.
pub fn encode(meta: &Meta, events: &[(u64, &StoredEvent)]) -> Result<Vec<u8>, FileError> {
    let meta_bytes = encoding::encode_value(meta).map_err(|e| FileError::Body(e.to_string()))?;
    let mut out = Vec::with_capacity(64 + meta_bytes.len() + events.len() * 160);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&STATE_VERSION.to_le_bytes());
    let len =
        u32::try_from(meta_bytes.len()).map_err(|_| FileError::Body("meta too large".into()))?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&meta_bytes);
    out.extend_from_slice(&(events.len() as u64).to_le_bytes());
    for (seq, ev) in events {
        let r = encoding::encode_record(ev).map_err(|e| FileError::Body(e.to_string()))?;
        out.extend_from_slice(&seq.to_le_bytes());
        out.extend_from_slice(&(r.len() as u32).to_le_bytes());
        out.extend_from_slice(&r);
    }
    let sum = checksum(&out);
    out.extend_from_slice(&sum);
    Ok(out)
}

/// Reads the meta only, after checking magic, checksum and version.
pub fn decode_meta(bytes: &[u8]) -> Result<Meta, FileError> {
    Ok(split(bytes)?.0)
}

/// Records as (seq, record bytes), borrowed from the file.
type Records<'a> = Vec<(u64, &'a [u8])>;

/// Checks a file and splits it into its meta and its records.
fn split(bytes: &[u8]) -> Result<(Meta, Records<'_>), FileError> {
    if bytes.len() < MAGIC.len() + 4 + 32 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(FileError::NotASnapshot);
    }
    let (body, sum) = bytes.split_at(bytes.len() - 32);
    if checksum(body) != sum {
        return Err(FileError::Checksum);
    }
    let mut rest = &body[MAGIC.len()..];
    let version = u32_le(&mut rest)?;
    if version != STATE_VERSION {
        return Err(FileError::Version { found: version });
    }
    let meta_len = u32_le(&mut rest)? as usize;
    let meta: Meta = encoding::decode_value(take(&mut rest, meta_len)?)
        .map_err(|e| FileError::Body(format!("meta: {e}")))?;
    let n = u64_le(&mut rest)?;
    let mut records = Vec::with_capacity(usize::try_from(n.min(1 << 24)).unwrap_or(0));
    for _ in 0..n {
        let seq = u64_le(&mut rest)?;
        let len = u32_le(&mut rest)? as usize;
        records.push((seq, take(&mut rest, len)?));
    }
    if !rest.is_empty() {
        return Err(FileError::Body(format!("{} trailing bytes", rest.len())));
    }
    Ok((meta, records))
}

/// Decodes a whole snapshot: meta and kept events, in ledger order.
pub fn decode(bytes: &[u8]) -> Result<(Meta, Vec<(u64, StoredEvent)>), FileError> {
    let (meta, records) = split(bytes)?;
    if records.windows(2).any(|w| w[0].0 >= w[1].0)
        || records.last().is_some_and(|r| r.0 > meta.seq)
    {
        return Err(FileError::Body("events out of ledger order".into()));
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let events =
        crate::read::decode_all(&records, threads).map_err(|e| FileError::Body(e.to_string()))?;
    Ok((meta, events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use slaledger_ledger::input;

    fn one() -> (Meta, Vec<(u64, StoredEvent)>) {
        let line = r#"{"id":"x","stream":"s","actor":{"party":"monitor","identity":"p"},"kind":"probe_sample","data":{"sample_id":"x","point_id":"A","probe_kind":"ui","category":1,"round_id":"r","started_at":"2025-06-01T10:00:00Z","duration_ms":900,"ok":true,"client_id":"p"}}"#;
        let ev = input::parse_jsonl(line).unwrap().remove(0).event;
        let meta = Meta {
            stream: "s".into(),
            month: Month::parse("2025-06").unwrap(),
            seq: 7,
            hash: [3; 32],
            rule_set: Some("ab".into()),
            event_schema: 1,
            cutoff: Instant::from_millis(5),
            left_out: 2,
            left_out_latest_occurred: None,
        };
        (meta, vec![(7, ev)])
    }

    #[test]
    fn a_snapshot_decodes_to_what_was_encoded() {
        let (meta, ev) = one();
        let refs: Vec<(u64, &StoredEvent)> = ev.iter().map(|(s, e)| (*s, e)).collect();
        let bytes = encode(&meta, &refs).unwrap();
        let (m, back) = decode(&bytes).unwrap();
        assert_eq!(m, meta);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].1.id, ev[0].1.id);
        assert_eq!(encode(&m, &refs).unwrap(), bytes, "deterministic");
    }

    #[test]
    fn every_changed_byte_and_every_cut_is_caught() {
        let (meta, ev) = one();
        let refs: Vec<(u64, &StoredEvent)> = ev.iter().map(|(s, e)| (*s, e)).collect();
        let bytes = encode(&meta, &refs).unwrap();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            assert!(decode(&b).is_err(), "byte {i}");
        }
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "cut at {n}");
        }
    }
}
