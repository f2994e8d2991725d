//! The blake3 hash chain over records (docs/FORMAT.md §Chain).
//!
//! `hash[n] = blake3(CHAIN_TAG || hash[n-1] || seq_n as u64 LE || record_n)`,
//! with `hash[0] = GENESIS` for the empty ledger (seq 0). The first record has
//! seq 1. The domain-separation tag keeps these hashes from ever being
//! confused with other blake3 hashes of the same bytes (content hashes).

use std::fmt;
use std::str::FromStr;

/// Domain-separation tag of a chain step.
pub const CHAIN_TAG: &[u8] = b"slaledger/chain/v1\0";

/// Input of the genesis hash: `GENESIS = blake3(GENESIS_INPUT)`.
pub const GENESIS_INPUT: &[u8] = b"slaledger/genesis/v1";

/// The chain hash of the empty ledger.
pub fn genesis() -> [u8; 32] {
    *blake3::hash(GENESIS_INPUT).as_bytes()
}

/// One chain step: the hash of record `seq` given the previous hash.
pub fn next_hash(prev: &[u8; 32], seq: u64, record: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(CHAIN_TAG);
    h.update(prev);
    h.update(&seq.to_le_bytes());
    h.update(record);
    *h.finalize().as_bytes()
}

/// A position in the ledger and the chain hash there. `seq` 0 with the
/// genesis hash is the empty ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// Sequence number of the last record (0 = empty).
    pub seq: u64,
    /// Chain hash after that record.
    pub hash: [u8; 32],
}

impl ChainHead {
    /// The head of an empty ledger.
    pub fn empty() -> Self {
        ChainHead {
            seq: 0,
            hash: genesis(),
        }
    }
}

impl fmt::Display for ChainHead {
    /// `SEQ:HEX`, the form `--expect-head` takes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, hex(&self.hash))
    }
}

/// Why a `SEQ:HASH` text is not a head.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a ledger head SEQ:HASH (a number, a colon, 64 lowercase hex digits)")]
pub struct HeadParseError(pub String);

impl FromStr for ChainHead {
    type Err = HeadParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || HeadParseError(s.to_owned());
        let (seq, hash) = s.split_once(':').ok_or_else(err)?;
        let seq = seq.parse().map_err(|_| err())?;
        let hash = parse_hex32(hash).ok_or_else(err)?;
        Ok(ChainHead { seq, hash })
    }
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// Parses exactly 64 lowercase hex digits.
pub fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (nib(b[2 * i])? << 4) | nib(b[2 * i + 1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_round_trips_through_its_text_form() {
        let h = ChainHead {
            seq: 42,
            hash: next_hash(&genesis(), 1, b"x"),
        };
        assert_eq!(h.to_string().parse::<ChainHead>().unwrap(), h);
        assert!("42:ABC".parse::<ChainHead>().is_err());
    }

    #[test]
    fn chain_step_binds_seq_and_previous_hash() {
        let g = genesis();
        assert_ne!(next_hash(&g, 1, b"r"), next_hash(&g, 2, b"r"));
        assert_ne!(next_hash(&g, 1, b"r"), next_hash(&[0; 32], 1, b"r"));
    }
}
