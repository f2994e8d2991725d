//! The RFC 6962 / RFC 9162 Merkle tree over the ledger's records, in seq
//! order (issue 7): leaf = SHA-256(0x00 || record bytes), node =
//! SHA-256(0x01 || left || right), tree size = number of records. SHA-256
//! (not blake3, which chains records) because the C2SP checkpoint,
//! cosignature and proof formats fix it, so standard transparency-log
//! tooling can check our checkpoints and proofs.
//!
//! The tree functions work over any [`Hashes`] source: a plain list of
//! leaf hashes (tests, small trees) or the ledger's tile store
//! ([`crate::tiles`]), which keeps every complete subtree of 16 leaves
//! and above, so a proof over millions of records reads at most one
//! level-4 subtree (16 records) of the log.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// SHA-256 of the empty string: the root of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The leaf hash of record bytes: SHA-256(0x00 || record).
pub fn leaf_hash(record: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(record);
    h.finalize().into()
}

/// An interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly less than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Where subtree hashes come from.
pub trait Hashes {
    /// Why a hash could not be had.
    type Error;
    /// The hash of the complete, aligned subtree of `2^level` leaves
    /// starting at leaf `index · 2^level`.
    fn complete(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// The root of leaves `[start, start + len)`, where the range is one of
/// the subtrees the RFC 6962 recursion visits (its left parts are complete
/// and aligned).
pub fn subtree<H: Hashes>(h: &H, start: u64, len: u64) -> Result<Hash, H::Error> {
    if len == 0 {
        return Ok(empty_root());
    }
    if len.is_power_of_two() && start.is_multiple_of(len) {
        let level = len.trailing_zeros();
        return h.complete(level, start >> level);
    }
    let k = split(len);
    Ok(node_hash(
        &subtree(h, start, k)?,
        &subtree(h, start + k, len - k)?,
    ))
}

/// The root of the tree of the first `size` leaves.
pub fn root<H: Hashes>(h: &H, size: u64) -> Result<Hash, H::Error> {
    subtree(h, 0, size)
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC
/// 9162 §2.1.3.1), from the leaf's sibling upwards. `None` if `index ≥ size`.
pub fn inclusion_proof<H: Hashes>(
    h: &H,
    index: u64,
    size: u64,
) -> Result<Option<Vec<Hash>>, H::Error> {
    if index >= size {
        return Ok(None);
    }
    let mut path = Vec::new();
    // Walk down from the root, collecting the other side's hash; reverse.
    let (mut start, mut len, mut m) = (0u64, size, index);
    while len > 1 {
        let k = split(len);
        if m < k {
            path.push(subtree(h, start + k, len - k)?);
            len = k;
        } else {
            path.push(subtree(h, start, k)?);
            start += k;
            len -= k;
            m -= k;
        }
    }
    path.reverse();
    Ok(Some(path))
}

/// The consistency proof between the trees of `old` and `new` leaves (RFC
/// 9162 §2.1.4.1). `None` unless `0 < old ≤ new`.
pub fn consistency_proof<H: Hashes>(
    h: &H,
    old: u64,
    new: u64,
) -> Result<Option<Vec<Hash>>, H::Error> {
    if old == 0 || old > new {
        return Ok(None);
    }
    let mut path = Vec::new();
    let (mut start, mut len, mut m, mut whole) = (0u64, new, old, true);
    loop {
        if m == len {
            if !whole {
                path.push(subtree(h, start, len)?);
            }
            break;
        }
        let k = split(len);
        if m <= k {
            path.push(subtree(h, start + k, len - k)?);
            len = k;
        } else {
            path.push(subtree(h, start, k)?);
            start += k;
            len -= k;
            m -= k;
            whole = false;
        }
    }
    path.reverse();
    Ok(Some(path))
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s, mut r) = (index, size - 1, *leaf);
    for p in path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    path: &[Hash],
) -> bool {
    if old == 0 || old > new {
        return false;
    }
    if old == new {
        return path.is_empty() && old_root == new_root;
    }
    let mut p: Vec<Hash> = Vec::with_capacity(path.len() + 1);
    if old.is_power_of_two() {
        p.push(*old_root);
    }
    p.extend_from_slice(path);
    let Some((first, rest)) = p.split_first() else {
        return false;
    };
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *old_root && sr == *new_root && s == 0
}

/// Leaf hashes in memory: the reference [`Hashes`] source (it computes each
/// complete subtree from its leaves).
#[derive(Debug, Clone, Default)]
pub struct Leaves(pub Vec<Hash>);

impl Hashes for Leaves {
    type Error = std::convert::Infallible;
    fn complete(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        let n = 1usize << level;
        let start = index as usize * n;
        let mut layer: Vec<Hash> = self.0[start..start + n].to_vec();
        while layer.len() > 1 {
            layer = layer.chunks(2).map(|c| node_hash(&c[0], &c[1])).collect();
        }
        Ok(layer[0])
    }
}
