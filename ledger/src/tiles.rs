//! The Merkle tree of a ledger, kept as the hashes of its complete
//! 256-record subtrees (level 8, as C2SP tlog-tiles cut them) in
//! `LEDGER/merkle/level8.bin`, with every higher level rebuilt in memory
//! on open, and the 16 level-4 roots of each block in `merkle/level4.bin`
//! (each block's checked against its level-8 root when read). A proof then
//! reads 16 records of the log (the whole block only for the last, partial
//! one). The files are derived: level 8 is bound to the chain hash of the
//! last record it covers and checksummed, and both are rebuilt from the
//! log whenever that does not hold.

use crate::chain::ChainHead;
use crate::merkle::{self, leaf_hash, node_hash, Hash, Hashes};
use crate::store::{Ledger, ReadError};
use std::cell::RefCell;
use std::path::PathBuf;

/// Leaves per stored subtree: 2^8.
pub const TILE_LEVEL: u32 = 8;
const BLOCK: u64 = 1 << TILE_LEVEL;
const MAGIC: &[u8; 8] = b"SLTILE8\n";
const TAG: &[u8] = b"slaledger/tiles/v1\0";

/// The Merkle tree of an open ledger at its head.
#[derive(Debug)]
pub struct Tree<'l> {
    ledger: &'l Ledger,
    /// `levels[i]`: hashes of the complete subtrees at level 8 + i.
    levels: Vec<Vec<Hash>>,
    /// The blocks last read from the log, most recent first: (block index,
    /// its leaf hashes). Several, because a proof for an incomplete tree
    /// also reads the last, partial block.
    cache: RefCell<Vec<(u64, Vec<Hash>)>>,
    /// Level-4 hashes of recently used blocks, most recent first.
    l4_cache: RefCell<Vec<(u64, Vec<Hash>)>>,
    /// Whether the stored file was missing, stale or damaged and rebuilt.
    pub rebuilt: bool,
    /// Blocks hashed from the log by this open.
    pub hashed_blocks: u64,
}

/// Level-4 subtree roots (16 leaves each), 16 per complete block, in
/// `merkle/level4.bin`: a proof then reads 16 records, not 256. Each
/// block's 16 hashes are checked against its level-8 root when read.
fn level4_of(ledger: &Ledger) -> PathBuf {
    ledger.dir().join("merkle").join("level4.bin")
}

const L4_PER_BLOCK: u64 = 16;

fn file_of(ledger: &Ledger) -> PathBuf {
    ledger.dir().join("merkle").join("level8.bin")
}

/// Reads the stored level-8 hashes if the file is intact and still bound to
/// this ledger's chain; `None` otherwise.
fn load(ledger: &Ledger) -> Option<Vec<Hash>> {
    let bytes = std::fs::read(file_of(ledger)).ok()?;
    if bytes.len() < 8 + 8 + 32 + 32 || &bytes[..8] != MAGIC {
        return None;
    }
    let (body, sum) = bytes.split_at(bytes.len() - 32);
    let mut h = blake3::Hasher::new();
    h.update(TAG);
    h.update(body);
    if h.finalize().as_bytes() != sum {
        return None;
    }
    let n = u64::from_le_bytes(body[8..16].try_into().ok()?);
    let bound: [u8; 32] = body[16..48].try_into().ok()?;
    let hashes = &body[48..];
    if hashes.len() as u64 != n * 32 || n * BLOCK > ledger.head().seq {
        return None;
    }
    if n > 0 && ledger.hash_at(n * BLOCK).ok()? != bound {
        return None;
    }
    Some(
        hashes
            .chunks_exact(32)
            .map(|c| c.try_into().unwrap_or([0; 32]))
            .collect(),
    )
}

fn store(ledger: &Ledger, level8: &[Hash]) -> Result<(), ReadError> {
    let n = level8.len() as u64;
    let bound = if n == 0 {
        [0; 32]
    } else {
        ledger.hash_at(n * BLOCK)?
    };
    let mut body = Vec::with_capacity(48 + level8.len() * 32 + 32);
    body.extend_from_slice(MAGIC);
    body.extend_from_slice(&n.to_le_bytes());
    body.extend_from_slice(&bound);
    for h in level8 {
        body.extend_from_slice(h);
    }
    let mut h = blake3::Hasher::new();
    h.update(TAG);
    h.update(&body);
    body.extend_from_slice(h.finalize().as_bytes());
    let path = file_of(ledger);
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join("level8.bin.tmp");
    std::fs::write(&tmp, &body)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

impl<'l> Tree<'l> {
    /// Opens the tree of `ledger` at its head: loads the stored level-8
    /// hashes (or starts over if they are missing, damaged or from another
    /// chain), hashes the complete blocks recorded since, stores them, and
    /// builds the higher levels.
    pub fn open(ledger: &'l Ledger) -> Result<Tree<'l>, ReadError> {
        let stored = load(ledger);
        let rebuilt = stored.is_none() && file_of(ledger).exists();
        let mut level8 = stored.unwrap_or_default();
        // The level-4 file must hold 16 hashes for every stored block, or
        // everything is hashed again.
        let l4_path = level4_of(ledger);
        let l4_len = std::fs::metadata(&l4_path).map(|m| m.len()).unwrap_or(0);
        if l4_len != level8.len() as u64 * L4_PER_BLOCK * 32 {
            level8.clear();
        }
        let complete = ledger.head().seq / BLOCK;
        let have = level8.len() as u64;
        if complete > have {
            let from = have * BLOCK + 1;
            let to = complete * BLOCK;
            let mut leaves: Vec<Hash> = Vec::with_capacity(BLOCK as usize);
            let mut level4: Vec<u8> = Vec::new();
            ledger.scan_records(from, to, |_, record| {
                leaves.push(leaf_hash(record));
                if leaves.len() as u64 == BLOCK {
                    let l4: Vec<Hash> = leaves.chunks(1 << 4).map(fold).collect();
                    level8.push(fold(&l4));
                    for h in &l4 {
                        level4.extend_from_slice(h);
                    }
                    leaves.clear();
                }
            })?;
            if let Some(d) = l4_path.parent() {
                std::fs::create_dir_all(d)?;
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(&l4_path)?;
            f.set_len(have * L4_PER_BLOCK * 32)?;
            use std::io::{Seek, Write};
            f.seek(std::io::SeekFrom::End(0))?;
            f.write_all(&level4)?;
            f.sync_all()?;
            store(ledger, &level8)?;
        }
        let hashed_blocks = complete.saturating_sub(have);
        let mut levels = vec![level8];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let up: Vec<Hash> = below
                .chunks_exact(2)
                .map(|c| node_hash(&c[0], &c[1]))
                .collect();
            levels.push(up);
        }
        Ok(Tree {
            ledger,
            levels,
            cache: RefCell::new(Vec::new()),
            l4_cache: RefCell::new(Vec::new()),
            rebuilt,
            hashed_blocks,
        })
    }

    /// Number of leaves: the ledger's records.
    pub fn size(&self) -> u64 {
        self.ledger.head().seq
    }

    /// The ledger head the tree is at.
    pub fn head(&self) -> ChainHead {
        self.ledger.head()
    }

    /// Runs `f` on the leaf hashes of block `b` (up to the head).
    fn with_block<R>(&self, b: u64, f: impl FnOnce(&[Hash]) -> R) -> Result<R, ReadError> {
        const KEEP: usize = 4;
        let mut cache = self.cache.borrow_mut();
        if let Some(i) = cache.iter().position(|(cb, _)| *cb == b) {
            let hit = cache.remove(i);
            cache.insert(0, hit);
        } else {
            let from = b * BLOCK + 1;
            let to = (from + BLOCK - 1).min(self.size());
            let leaves: Vec<Hash> = self
                .ledger
                .records_range(from, to)?
                .iter()
                .map(|r| leaf_hash(r))
                .collect();
            cache.insert(0, (b, leaves));
            cache.truncate(KEEP);
        }
        Ok(f(&cache[0].1))
    }

    /// The 16 level-4 hashes of a complete, stored block, checked against
    /// its level-8 root; `None` for the last, partial block or when the
    /// level-4 file does not match (the block is then read whole).
    fn level4(&self, block: u64) -> Result<Option<Vec<Hash>>, ReadError> {
        use std::os::unix::fs::FileExt;
        let Some(root8) = self.levels.first().and_then(|l| l.get(block as usize)) else {
            return Ok(None);
        };
        if let Some((_, l4)) = self.l4_cache.borrow().iter().find(|(b, _)| *b == block) {
            return Ok(Some(l4.clone()));
        }
        let Ok(f) = std::fs::File::open(level4_of(self.ledger)) else {
            return Ok(None);
        };
        let mut buf = [0u8; 16 * 32];
        if f.read_exact_at(&mut buf, block * L4_PER_BLOCK * 32)
            .is_err()
        {
            return Ok(None);
        }
        let l4: Vec<Hash> = buf
            .chunks_exact(32)
            .map(|c| c.try_into().unwrap_or([0; 32]))
            .collect();
        if fold(&l4) != *root8 {
            return Ok(None);
        }
        let mut cache = self.l4_cache.borrow_mut();
        cache.insert(0, (block, l4.clone()));
        cache.truncate(4);
        Ok(Some(l4))
    }

    /// Leaf hashes of records `from..=to`.
    fn leaves(&self, from: u64, to: u64) -> Result<Vec<Hash>, ReadError> {
        Ok(self
            .ledger
            .records_range(from, to)?
            .iter()
            .map(|r| leaf_hash(r))
            .collect())
    }

    /// The leaf hash of record `seq`.
    pub fn leaf(&self, seq: u64) -> Result<Hash, ReadError> {
        let i = seq.checked_sub(1).ok_or(ReadError::NoSuchSeq(seq))?;
        let sub = i & !15;
        let leaves = self.leaves(sub + 1, (sub + 16).min(self.size()))?;
        leaves
            .get((i - sub) as usize)
            .copied()
            .ok_or(ReadError::NoSuchSeq(seq))
    }

    /// The root of the first `size` records (the head's by default).
    pub fn root(&self, size: u64) -> Result<Hash, ReadError> {
        merkle::root(self, size)
    }
}

fn fold(leaves: &[Hash]) -> Hash {
    let mut layer = leaves.to_vec();
    while layer.len() > 1 {
        layer = layer.chunks(2).map(|c| node_hash(&c[0], &c[1])).collect();
    }
    layer[0]
}

impl Hashes for Tree<'_> {
    type Error = ReadError;
    fn complete(&self, level: u32, index: u64) -> Result<Hash, ReadError> {
        if level >= TILE_LEVEL {
            return self
                .levels
                .get((level - TILE_LEVEL) as usize)
                .and_then(|l| l.get(index as usize))
                .copied()
                .ok_or(ReadError::NoSuchSeq((index + 1) << level));
        }
        let first = index << level;
        let block = first / BLOCK;
        if let Some(l4) = self.level4(block)? {
            let at = (first % BLOCK) as usize;
            if level >= 4 {
                let from = at >> 4;
                return Ok(fold(&l4[from..from + (1usize << (level - 4))]));
            }
            // Below level 4: the 16 records of one level-4 subtree.
            let sub = first & !15;
            let leaves = self.leaves(sub + 1, sub + 16)?;
            let off = (first - sub) as usize;
            return leaves
                .get(off..off + (1usize << level))
                .map(fold)
                .ok_or(ReadError::NoSuchSeq(first + (1 << level)));
        }
        let at = (first % BLOCK) as usize;
        self.with_block(block, |b| b.get(at..at + (1usize << level)).map(fold))?
            .ok_or(ReadError::NoSuchSeq(first + (1 << level)))
    }
}
