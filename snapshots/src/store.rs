//! Snapshot files in the ledger directory: `snapshots/STREAM.YYYY-MM.SEQ.snap`
//! (the stream name with every byte outside `[A-Za-z0-9_-]` as `%XX`),
//! written to a temporary file, fsync'd and renamed, so a crash leaves the
//! old set or the new one, never half a file. The name only finds a file;
//! what it holds is read from its metadata and checked.

use slaledger_ledger::vocab::Month;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder of a ledger's snapshots.
pub fn dir_of(ledger_dir: &Path) -> PathBuf {
    ledger_dir.join("snapshots")
}

/// A snapshot file found by its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// Stream (from the name).
    pub stream: String,
    /// First month served (from the name).
    pub month: Month,
    /// Ledger position (from the name).
    pub seq: u64,
    /// The file.
    pub path: PathBuf,
}

fn encode_stream(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode_stream(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The file name of a snapshot.
pub fn file_name(stream: &str, month: Month, seq: u64) -> String {
    format!("{}.{month}.{seq:012}.snap", encode_stream(stream))
}

fn parse_name(name: &str) -> Option<(String, Month, u64)> {
    let stem = name.strip_suffix(".snap")?;
    let mut parts = stem.rsplitn(3, '.');
    let seq = parts.next()?.parse().ok()?;
    let month = Month::parse(parts.next()?)?;
    let stream = decode_stream(parts.next()?)?;
    Some((stream, month, seq))
}

/// Every snapshot file of the ledger, by stream, month and seq.
pub fn list(ledger_dir: &Path) -> std::io::Result<Vec<Entry>> {
    let dir = dir_of(ledger_dir);
    let mut out = Vec::new();
    let rd = match fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for item in rd {
        let item = item?;
        let name = item.file_name();
        let Some((stream, month, seq)) = name.to_str().and_then(parse_name) else {
            continue;
        };
        out.push(Entry {
            stream,
            month,
            seq,
            path: item.path(),
        });
    }
    out.sort();
    Ok(out)
}

/// Writes a snapshot file atomically: temporary file, fsync, rename, fsync
/// of the folder.
pub fn write(ledger_dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let dir = dir_of(ledger_dir);
    fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    let tmp = dir.join(format!("{name}.tmp"));
    {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, &path)?;
    fs::File::open(&dir)?.sync_all()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_for_any_stream() {
        for s in ["b72a-example", "a.b c/ø", "%41"] {
            let m = Month::parse("2025-06").unwrap();
            let n = file_name(s, m, 42);
            assert_eq!(parse_name(&n), Some((s.to_owned(), m, 42)), "{n}");
        }
    }
}
