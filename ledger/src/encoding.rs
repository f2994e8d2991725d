//! The canonical encoding of records (docs/FORMAT.md §Record).
//!
//! A record is one format-version byte followed by the bincode 2.0.1 encoding
//! of a [`StoredEvent`] through serde, with a fixed configuration: little
//! endian, fixed-width integers, at most [`MAX_RECORD`] bytes. bincode is
//! pinned with `=2.0.1` because the project is unmaintained (3.0.0 on the
//! registry is an empty tombstone); this module is the only place that
//! touches it, so the format can be re-implemented from FORMAT.md alone.

use crate::event::StoredEvent;
use bincode::config::{Configuration, Fixint, Limit, LittleEndian};

/// Format-version byte of records written by this build.
pub const RECORD_FORMAT_V1: u8 = 1;

/// Largest record accepted (16 MiB): a bound on every allocation a damaged
/// length field could ask for.
pub const MAX_RECORD: usize = 16 * 1024 * 1024;

type Config = Configuration<LittleEndian, Fixint, Limit<MAX_RECORD>>;

fn config() -> Config {
    bincode::config::standard()
        .with_little_endian()
        .with_fixed_int_encoding()
        .with_limit::<MAX_RECORD>()
}

/// Why record bytes could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Empty record.
    #[error("empty record")]
    Empty,
    /// Unknown format-version byte.
    #[error("unknown record format version {0}")]
    UnknownVersion(u8),
    /// The bincode body does not decode to an event.
    #[error("undecodable record body: {0}")]
    Body(String),
    /// Bytes left over after the event.
    #[error("{0} trailing bytes after the event")]
    Trailing(usize),
    /// Too large to encode.
    #[error("record of {0} bytes exceeds the limit of {MAX_RECORD} bytes")]
    TooLarge(usize),
}

/// Encodes an event as record bytes (version byte + body).
pub fn encode_record(ev: &StoredEvent) -> Result<Vec<u8>, RecordError> {
    let mut out = Vec::with_capacity(256);
    out.push(RECORD_FORMAT_V1);
    bincode::serde::encode_into_std_write(ev, &mut out, config())
        .map_err(|e| RecordError::Body(e.to_string()))?;
    if out.len() > MAX_RECORD {
        return Err(RecordError::TooLarge(out.len()));
    }
    Ok(out)
}

/// Decodes record bytes, strictly: known version, whole body consumed.
///
/// Reads with [`crate::decode`], which accepts exactly what bincode 2.0.1
/// accepts and is several times faster; [`decode_record_with_bincode`] is
/// the reference it is tested against.
pub fn decode_record(bytes: &[u8]) -> Result<StoredEvent, RecordError> {
    let body = record_body(bytes)?;
    let (ev, used): (StoredEvent, usize) =
        crate::decode::decode_prefix(body).map_err(|e| RecordError::Body(e.to_string()))?;
    if used != body.len() {
        return Err(RecordError::Trailing(body.len() - used));
    }
    Ok(ev)
}

/// Decodes record bytes with bincode 2.0.1's own serde decoder, strictly:
/// the reference for [`decode_record`] (equivalence tests, and a second
/// opinion for anyone who doubts the fast path).
pub fn decode_record_with_bincode(bytes: &[u8]) -> Result<StoredEvent, RecordError> {
    let body = record_body(bytes)?;
    let (ev, used): (StoredEvent, usize) = bincode::serde::decode_from_slice(body, config())
        .map_err(|e| RecordError::Body(e.to_string()))?;
    if used != body.len() {
        return Err(RecordError::Trailing(body.len() - used));
    }
    Ok(ev)
}

/// The body of a v1 record (after its version byte).
fn record_body(bytes: &[u8]) -> Result<&[u8], RecordError> {
    let (&version, body) = bytes.split_first().ok_or(RecordError::Empty)?;
    if version != RECORD_FORMAT_V1 {
        return Err(RecordError::UnknownVersion(version));
    }
    Ok(body)
}

/// Encodes any serde value with the canonical configuration (the same
/// bincode 2.0.1 settings as records, without the version byte): snapshots
/// (docs/FORMAT.md §Snapshot) store their metadata with it.
pub fn encode_value<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, RecordError> {
    let out =
        bincode::serde::encode_to_vec(v, config()).map_err(|e| RecordError::Body(e.to_string()))?;
    if out.len() > MAX_RECORD {
        return Err(RecordError::TooLarge(out.len()));
    }
    Ok(out)
}

/// Decodes a value written by [`encode_value`], strictly (whole input used).
pub fn decode_value<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, RecordError> {
    let (v, used): (T, usize) = bincode::serde::decode_from_slice(bytes, config())
        .map_err(|e| RecordError::Body(e.to_string()))?;
    if used != bytes.len() {
        return Err(RecordError::Trailing(bytes.len() - used));
    }
    Ok(v)
}

/// Domain-separation tag of content hashes.
pub const CONTENT_TAG: &[u8] = b"slaledger/content/v1\0";

/// Byte offset of `recorded_at` in a v1 record: version byte, then `id` and
/// `stream` as (u64 length, bytes).
pub fn recorded_at_offset(ev: &StoredEvent) -> usize {
    1 + 8 + ev.id.len() + 8 + ev.stream.len()
}

/// The idempotency content hash of an event, given its v1 record bytes:
/// blake3 over [`CONTENT_TAG`] and the record without the 8 bytes of
/// `recorded_at` (the one field the ledger, not the writer, supplies). Same
/// id and same content hash means a re-append is a no-op (SPEC §4.1).
pub fn content_hash_of_record(record: &[u8], ev: &StoredEvent) -> [u8; 32] {
    let off = recorded_at_offset(ev).min(record.len());
    let end = (off + 8).min(record.len());
    let mut h = blake3::Hasher::new();
    h.update(CONTENT_TAG);
    h.update(&record[..off]);
    h.update(&record[end..]);
    *h.finalize().as_bytes()
}

/// The content hash from record bytes alone (the offset of `recorded_at`
/// read from the encoded lengths of `id` and `stream`); `None` when the
/// bytes are too short to hold those fields.
pub fn content_hash_of_bytes(record: &[u8]) -> Option<[u8; 32]> {
    let len_at = |at: usize| -> Option<usize> {
        let b: [u8; 8] = record.get(at..at + 8)?.try_into().ok()?;
        usize::try_from(u64::from_le_bytes(b)).ok()
    };
    let id_len = len_at(1)?;
    let stream_len = len_at(9usize.checked_add(id_len)?)?;
    let off = 17usize.checked_add(id_len)?.checked_add(stream_len)?;
    let rest = record.get(off.checked_add(8)?..)?;
    let mut h = blake3::Hasher::new();
    h.update(CONTENT_TAG);
    h.update(&record[..off]);
    h.update(rest);
    Some(*h.finalize().as_bytes())
}

/// The `id` and `stream` of a v1 record, read from its first fields without
/// decoding the rest; `None` when the bytes are too short or not UTF-8.
pub fn id_and_stream(record: &[u8]) -> Option<(&str, &str)> {
    let len_at = |at: usize| -> Option<usize> {
        let b: [u8; 8] = record.get(at..at + 8)?.try_into().ok()?;
        usize::try_from(u64::from_le_bytes(b)).ok()
    };
    let id_len = len_at(1)?;
    let id = std::str::from_utf8(record.get(9..9usize.checked_add(id_len)?)?).ok()?;
    let s_at = 9 + id_len;
    let stream_len = len_at(s_at)?;
    let stream =
        std::str::from_utf8(record.get(s_at + 8..(s_at + 8).checked_add(stream_len)?)?).ok()?;
    Some((id, stream))
}

/// The `recorded_at` of a v1 record, read after its `id` and `stream`
/// without decoding the rest (as-of replays find their position with it).
pub fn recorded_at_of_record(record: &[u8]) -> Option<crate::time::Instant> {
    let (id, stream) = id_and_stream(record)?;
    let off = 17 + id.len() + stream.len();
    let b: [u8; 8] = record.get(off..off + 8)?.try_into().ok()?;
    Some(crate::time::Instant::from_millis(i64::from_le_bytes(b)))
}

/// The content hash of an event (encodes it first; see
/// [`content_hash_of_record`]).
pub fn content_hash(ev: &StoredEvent) -> [u8; 32] {
    match encode_record(ev) {
        Ok(bytes) => content_hash_of_record(&bytes, ev),
        // Unencodable content never reaches the log; give it a hash no real
        // record can have.
        Err(_) => *blake3::hash(b"slaledger/unencodable").as_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::*;
    use crate::time::Instant;
    use crate::vocab::*;

    pub(crate) fn sample() -> StoredEvent {
        StoredEvent {
            id: "e1".into(),
            stream: "s".into(),
            recorded_at: Instant::from_millis(1_700_000_000_000),
            occurred_at: Instant::from_millis(1_700_000_000_000),
            actor: Actor {
                party: Party::Supplier,
                identity: "sd".into(),
                operated_by: None,
            },
            schema_version: SCHEMA_VERSION,
            signature: None,
            refs: vec!["TICKET-1".into()],
            note: None,
            event: Event::Correction(Box::new(Correction {
                corrects: "e0".into(),
                action: CorrectionAction::Replace,
                replacement: Some(Box::new(Event::IncidentAssigned(Box::new(
                    IncidentAssigned {
                        incident_id: "INC-1".into(),
                        assignee: "Mette".into(),
                        assigned_at: Instant::from_millis(5),
                    },
                )))),
                reason: "typo".into(),
                dispute_id: None,
            })),
        }
    }

    #[test]
    fn record_round_trips_byte_exact() {
        let ev = sample();
        let bytes = encode_record(&ev).unwrap();
        assert_eq!(bytes[0], RECORD_FORMAT_V1);
        let back = decode_record(&bytes).unwrap();
        assert_eq!(back, ev);
        assert_eq!(encode_record(&back).unwrap(), bytes);
    }

    #[test]
    fn trailing_bytes_and_unknown_versions_are_rejected() {
        let mut bytes = encode_record(&sample()).unwrap();
        bytes.push(0);
        assert!(matches!(
            decode_record(&bytes),
            Err(RecordError::Trailing(1))
        ));
        bytes[0] = 9;
        assert!(matches!(
            decode_record(&bytes),
            Err(RecordError::UnknownVersion(9))
        ));
    }

    #[test]
    fn recorded_at_is_read_from_record_bytes() {
        let ev = sample();
        let bytes = encode_record(&ev).unwrap();
        assert_eq!(recorded_at_of_record(&bytes), Some(ev.recorded_at));
        assert_eq!(recorded_at_of_record(&bytes[..10]), None);
    }

    #[test]
    fn recorded_at_sits_where_the_format_says() {
        let ev = sample();
        let bytes = encode_record(&ev).unwrap();
        let off = recorded_at_offset(&ev);
        assert_eq!(bytes[off..off + 8], ev.recorded_at.millis().to_le_bytes());
        assert_eq!(content_hash_of_bytes(&bytes), Some(content_hash(&ev)));
        assert_eq!(
            id_and_stream(&bytes),
            Some((ev.id.as_str(), ev.stream.as_str()))
        );
    }

    #[test]
    fn content_hash_ignores_recorded_at_only() {
        let a = sample();
        let mut b = a.clone();
        b.recorded_at = Instant::from_millis(1);
        assert_eq!(content_hash(&a), content_hash(&b));
        b.note = Some("x".into());
        assert_ne!(content_hash(&a), content_hash(&b));
    }
}
