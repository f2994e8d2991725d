//! The sled index: derived data, rebuilt from the log at will (docs/DESIGN.md).
//!
//! sled 0.34 is beta by its maintainers' own words and its flush is no
//! durability guarantee, so nothing here is the truth: after a crash the
//! index may lag the log, and opening the ledger catches it up from the
//! `through` mark.
//!
//! sled sustains some 50k single-key inserts per second on this machine kind,
//! far below the log's rate, so the index holds **one key per group**, never
//! one per record. A group is a run of at most [`GROUP`] records inside one
//! batch (a group ends at its batch's end or after `GROUP` records). Per group:
//!
//! | tree | key | value |
//! | --- | --- | --- |
//! | `ids` | group first seq | per record: id fingerprint u64, seq offset u16, content-hash prefix u64 |
//! | `stream` | stream, 0, group first seq | seq offsets (u16) of the stream's records |
//! | `kind` | kind index u16, group first seq | seq offsets of the kind's records |
//! | `occurred` | hour bucket, group first seq | (occurred-at ms i64, seq offset u16), sorted |
//! | `pos` | seq (group start and every 64th record) | segment, byte offset |
//!
//! plus low-volume per-object keys: `objects` (stream, family, id → opening
//! seq), `rules` (stream → seq of its `rule_set_defined`) and `meta`
//! (`version`, `through`). All keys are big-endian so sled's byte order is
//! numeric order. Idempotency lookups use an in-memory table of id
//! fingerprints ([`IdTable`]), loaded from `ids` on the first append.

use crate::chain::ChainHead;
use crate::event::StoredEvent;
use crate::segment::Position;
use crate::semantics::ObjectFamily;
use crate::time::Instant;
use std::collections::HashMap;
use std::path::Path;

/// Index layout version; a mismatch triggers a rebuild.
pub const INDEX_VERSION: u64 = 4;

/// Most records in one index group.
pub const GROUP: u64 = 4096;

/// A `pos` checkpoint every this many records of a group.
pub const POS_EVERY: u64 = 64;

const HOUR_MS: i64 = 3_600_000;

/// Bytes per record in an `ids` value: fingerprint, seq offset.
const ID_REC: usize = 10;

/// Result type of index operations (sled's), re-exported so callers need not
/// depend on sled.
pub type IndexResult<T> = sled::Result<T>;

/// The open index.
#[derive(Debug, Clone)]
pub struct Index {
    db: sled::Db,
    ids: sled::Tree,
    pos: sled::Tree,
    stream: sled::Tree,
    kind: sled::Tree,
    occurred: sled::Tree,
    objects: sled::Tree,
    rules: sled::Tree,
    meta: sled::Tree,
}

/// One record to index.
#[derive(Debug)]
pub struct IndexEntry<'a> {
    /// Its seq.
    pub seq: u64,
    /// Where its frame is.
    pub pos: Position,
    /// The event.
    pub event: &'a StoredEvent,
    /// Its id fingerprint ([`id_fingerprint`]), computed once by the caller.
    pub fingerprint: u64,
}

/// The 64-bit fingerprint of an event id within its stream: FNV-1a over
/// `stream`, a zero byte and `id`.
///
/// A fingerprint only narrows the search: every match is confirmed by
/// reading the record, so collisions (accidental or crafted) cost a read,
/// never a wrong answer. FNV-1a is fixed by its definition, unlike std's
/// hasher, which may change between Rust releases; the fingerprints are
/// stored in the index.
pub fn id_fingerprint(stream: &str, id: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for b in stream.bytes().chain([0]).chain(id.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

fn key2(a: &str, b: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(a.len() + 1 + b.len());
    k.extend_from_slice(a.as_bytes());
    k.push(0);
    k.extend_from_slice(b);
    k
}

/// Sortable big-endian form of an instant (sign bit flipped).
pub fn instant_key(t: Instant) -> [u8; 8] {
    ((t.millis() as u64) ^ (1 << 63)).to_be_bytes()
}

fn bucket_key(ms: i64) -> [u8; 8] {
    ((ms.div_euclid(HOUR_MS) as u64) ^ (1 << 63)).to_be_bytes()
}

fn be(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

fn read_u64(v: &[u8]) -> u64 {
    v.get(..8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0)
}

fn tail_seq(k: &[u8]) -> u64 {
    k.len()
        .checked_sub(8)
        .map(|i| read_u64(&k[i..]))
        .unwrap_or(0)
}

fn offsets(v: &[u8], first: u64) -> impl Iterator<Item = u64> + '_ {
    v.chunks_exact(2)
        .map(move |c| first + u16::from_le_bytes([c[0], c[1]]) as u64)
}

/// Everything one group writes, computed without touching sled, so that
/// the indexer thread can merge many small batches into one sled write.
#[derive(Debug, Default)]
pub struct GroupWrites {
    ops: Vec<(TreeId, Vec<u8>, Vec<u8>)>,
    openers: Vec<(Vec<u8>, u64)>,
    rule_sets: Vec<(String, u64)>,
}

impl GroupWrites {
    /// The writes of one group (see [`group_bounds`]).
    pub fn of(group: &[IndexEntry<'_>]) -> GroupWrites {
        let mut w = GroupWrites {
            ops: group_ops(group),
            ..Default::default()
        };
        for e in group {
            let ev = e.event;
            if let Some(obj) = ev.event.opens() {
                w.openers
                    .push((object_key(&ev.stream, obj.family, &obj.id), e.seq));
            }
            if ev.event.kind() == "rule_set_defined" {
                w.rule_sets.push((ev.stream.to_string(), e.seq));
            }
        }
        w
    }
}

/// Which tree a derived key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TreeId {
    /// `ids`.
    Ids,
    /// `pos`.
    Pos,
    /// `stream`.
    Stream,
    /// `kind`.
    Kind,
    /// `occurred`.
    Occurred,
}

/// Splits records of one batch into index groups (by seq, from the batch start).
pub fn group_bounds(len: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..len)
        .step_by(GROUP as usize)
        .map(move |s| s..(s + GROUP as usize).min(len))
}

/// The keys and values one group of records contributes (everything but
/// `objects`, `rules` and `meta`). A pure function of the log, used both to
/// write the index and to verify it.
pub fn group_ops(group: &[IndexEntry<'_>]) -> Vec<(TreeId, Vec<u8>, Vec<u8>)> {
    let Some(first) = group.first().map(|e| e.seq) else {
        return Vec::new();
    };
    let fk = be(first);
    let mut ops = Vec::new();
    let mut ids = Vec::with_capacity(group.len() * ID_REC);
    let mut streams: std::collections::BTreeMap<&str, Vec<u8>> = Default::default();
    let mut kinds: std::collections::BTreeMap<u16, Vec<u8>> = Default::default();
    let mut hours: std::collections::BTreeMap<[u8; 8], Vec<(i64, u16)>> = Default::default();
    for e in group {
        let off = (e.seq - first) as u16;
        let ob = off.to_le_bytes();
        ids.extend_from_slice(&e.fingerprint.to_le_bytes());
        ids.extend_from_slice(&ob);
        streams
            .entry(&e.event.stream)
            .or_default()
            .extend_from_slice(&ob);
        kinds
            .entry(e.event.event.kind_index())
            .or_default()
            .extend_from_slice(&ob);
        let t = e.event.occurred_at.millis();
        hours.entry(bucket_key(t)).or_default().push((t, off));
        if (e.seq - first) % POS_EVERY == 0 {
            let mut p = Vec::with_capacity(16);
            p.extend_from_slice(&be(e.pos.segment));
            p.extend_from_slice(&be(e.pos.offset));
            ops.push((TreeId::Pos, be(e.seq).to_vec(), p));
        }
    }
    ops.push((TreeId::Ids, fk.to_vec(), ids));
    for (s, v) in streams {
        ops.push((TreeId::Stream, key2(s, &fk), v));
    }
    for (k, v) in kinds {
        let mut key = k.to_be_bytes().to_vec();
        key.extend_from_slice(&fk);
        ops.push((TreeId::Kind, key, v));
    }
    for (b, mut list) in hours {
        list.sort_unstable();
        let mut key = b.to_vec();
        key.extend_from_slice(&fk);
        let mut v = Vec::with_capacity(list.len() * 10);
        for (t, off) in list {
            v.extend_from_slice(&t.to_le_bytes());
            v.extend_from_slice(&off.to_le_bytes());
        }
        ops.push((TreeId::Occurred, key, v));
    }
    ops
}

impl Index {
    /// Opens (or creates) the index at `path`.
    pub fn open(path: &Path) -> sled::Result<Self> {
        // The caller holds the ledger's LOCK file, so no other process can
        // hold sled's own lock; but sled releases it from a background thread
        // after a handle of this process is dropped. Wait for that briefly.
        let mut tries = 0;
        let db = loop {
            match sled::Config::new()
                .path(path)
                .cache_capacity(64 * 1024 * 1024)
                .open()
            {
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock") && tries < 500 =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                other => break other?,
            }
        };
        let t = |n: &str| db.open_tree(n);
        let idx = Index {
            ids: t("ids")?,
            pos: t("pos")?,
            stream: t("stream")?,
            kind: t("kind")?,
            occurred: t("occurred")?,
            objects: t("objects")?,
            rules: t("rules")?,
            meta: t("meta")?,
            db,
        };
        let version = idx.meta.get("version")?.map(|v| read_u64(&v));
        if version != Some(INDEX_VERSION) {
            idx.clear()?;
        }
        Ok(idx)
    }

    fn tree(&self, t: TreeId) -> &sled::Tree {
        match t {
            TreeId::Ids => &self.ids,
            TreeId::Pos => &self.pos,
            TreeId::Stream => &self.stream,
            TreeId::Kind => &self.kind,
            TreeId::Occurred => &self.occurred,
        }
    }

    /// Removes every entry (before a rebuild).
    pub fn clear(&self) -> sled::Result<()> {
        for t in [
            &self.ids,
            &self.pos,
            &self.stream,
            &self.kind,
            &self.occurred,
            &self.objects,
            &self.rules,
            &self.meta,
        ] {
            t.clear()?;
        }
        self.meta.insert("version", &be(INDEX_VERSION))?;
        Ok(())
    }

    /// The head the index is complete through (`None`: nothing indexed).
    pub fn through(&self) -> sled::Result<Option<ChainHead>> {
        Ok(self.meta.get("through")?.and_then(|v| {
            let mut hash = [0u8; 32];
            (v.len() == 40).then(|| {
                hash.copy_from_slice(&v[8..]);
                ChainHead {
                    seq: read_u64(&v),
                    hash,
                }
            })
        }))
    }

    /// Indexes one group of records (see [`group_bounds`]) and then moves
    /// `through` to `head`, the chain head after the group's last record.
    /// Indexing the same group again writes the same keys, so a crash between
    /// the trees and the mark is repaired by indexing again.
    pub fn index_group(&self, group: &[IndexEntry<'_>], head: ChainHead) -> sled::Result<()> {
        self.apply(vec![GroupWrites::of(group)], head)
    }

    /// Applies the writes of several groups, in seq order, with one sled
    /// batch per tree, then moves `through` to `head`.
    pub fn apply(&self, groups: Vec<GroupWrites>, head: ChainHead) -> sled::Result<()> {
        let mut batches: [sled::Batch; 5] = Default::default();
        let mut objects = sled::Batch::default();
        let mut rules = sled::Batch::default();
        let mut opened_here = std::collections::BTreeSet::new();
        for g in groups {
            for (t, k, v) in g.ops {
                batches[t as usize].insert(k, v);
            }
            for (k, seq) in g.openers {
                // The first opener wins (incidents may be opened twice).
                if !opened_here.contains(&k) && self.objects.get(&k)?.is_none() {
                    objects.insert(k.clone(), &be(seq));
                    opened_here.insert(k);
                }
            }
            for (stream, seq) in g.rule_sets {
                rules.insert(stream.as_bytes(), &be(seq));
            }
        }
        for (i, b) in batches.into_iter().enumerate() {
            let t = [
                TreeId::Ids,
                TreeId::Pos,
                TreeId::Stream,
                TreeId::Kind,
                TreeId::Occurred,
            ][i];
            self.tree(t).apply_batch(b)?;
        }
        self.objects.apply_batch(objects)?;
        self.rules.apply_batch(rules)?;
        let mut m = be(head.seq).to_vec();
        m.extend_from_slice(&head.hash);
        self.meta.insert("through", m)?;
        Ok(())
    }

    /// Checks that the index holds exactly what [`Index::index_group`]
    /// writes for this group. `Ok(Err(why))` names the first difference.
    /// `tally` counts the group's keys per tree, for the caller's comparison
    /// with [`Index::key_counts`].
    pub fn check_group(
        &self,
        group: &[IndexEntry<'_>],
        tally: &mut [usize; 5],
    ) -> sled::Result<Result<(), String>> {
        let ops = group_ops(group);
        for (t, _, _) in &ops {
            tally[*t as usize] += 1;
        }
        for (t, k, v) in ops {
            match self.tree(t).get(&k)? {
                Some(found) if found.as_ref() == v.as_slice() => {}
                Some(_) => {
                    return Ok(Err(format!(
                        "{t:?} entry for seq {} differs from the log",
                        group[0].seq
                    )))
                }
                None => {
                    return Ok(Err(format!(
                        "{t:?} entry for seq {} is missing",
                        group[0].seq
                    )))
                }
            }
        }
        for e in group {
            if let Some(obj) = e.event.event.opens() {
                match self.object_opened(&e.event.stream, obj.family, &obj.id)? {
                    Some(s) if s <= e.seq => {}
                    other => {
                        return Ok(Err(format!(
                            "objects: {} `{}` opened at seq {} but the index says {other:?}",
                            obj.family.as_str(),
                            obj.id,
                            e.seq
                        )))
                    }
                }
            }
        }
        Ok(Ok(()))
    }

    /// Number of keys the group trees should hold for `groups` groups is not
    /// fixed, so verification compares these counts with its own tally.
    pub fn key_counts(&self) -> [(TreeId, usize); 5] {
        [
            TreeId::Ids,
            TreeId::Pos,
            TreeId::Stream,
            TreeId::Kind,
            TreeId::Occurred,
        ]
        .map(|t| (t, self.tree(t).len()))
    }

    /// Asks sled to write its state out (not a durability guarantee).
    pub fn flush(&self) -> sled::Result<()> {
        self.db.flush().map(|_| ())
    }

    /// Loads the id table (fingerprint → seq).
    pub fn load_ids(&self) -> sled::Result<IdTable> {
        let mut t = IdTable::default();
        for r in self.ids.iter() {
            let (k, v) = r?;
            let first = read_u64(&k);
            for rec in v.chunks_exact(ID_REC) {
                let fp = u64::from_le_bytes(rec[..8].try_into().unwrap_or_default());
                let seq = first + u16::from_le_bytes([rec[8], rec[9]]) as u64;
                t.insert(fp, seq);
            }
        }
        Ok(t)
    }

    /// The seq of the event that opened an object, if any.
    pub fn object_opened(
        &self,
        stream: &str,
        family: ObjectFamily,
        id: &str,
    ) -> sled::Result<Option<u64>> {
        Ok(self
            .objects
            .get(object_key(stream, family, id))?
            .map(|v| read_u64(&v)))
    }

    /// The seq of a stream's `rule_set_defined`, if the stream exists.
    pub fn rule_set_seq(&self, stream: &str) -> sled::Result<Option<u64>> {
        Ok(self.rules.get(stream.as_bytes())?.map(|v| read_u64(&v)))
    }

    /// Every stream with its `rule_set_defined` seq, by stream name.
    pub fn streams(&self) -> sled::Result<Vec<(String, u64)>> {
        self.rules
            .iter()
            .map(|r| r.map(|(k, v)| (String::from_utf8_lossy(&k).into_owned(), read_u64(&v))))
            .collect()
    }

    /// The nearest `pos` checkpoint at or before `seq`: (its seq, position).
    pub fn checkpoint(&self, seq: u64) -> sled::Result<Option<(u64, Position)>> {
        Ok(self
            .pos
            .range(..=be(seq).to_vec())
            .next_back()
            .transpose()?
            .map(|(k, v)| {
                (
                    read_u64(&k),
                    Position {
                        segment: read_u64(&v),
                        offset: read_u64(v.get(8..).unwrap_or_default()),
                    },
                )
            }))
    }

    /// Seqs of a stream, ascending, from `from_seq` on.
    pub fn stream_seqs(
        &self,
        stream: &str,
        from_seq: u64,
    ) -> impl Iterator<Item = sled::Result<u64>> {
        let start = key2(stream, &be(from_seq.saturating_sub(GROUP - 1)));
        let mut end = key2(stream, &[]);
        end.extend_from_slice(&[0xff; 9]);
        flatten(self.stream.range(start..end), from_seq)
    }

    /// Seqs of a kind (by canonical index), ascending, from `from_seq` on.
    pub fn kind_seqs(
        &self,
        kind_index: u16,
        from_seq: u64,
    ) -> impl Iterator<Item = sled::Result<u64>> {
        let mut start = kind_index.to_be_bytes().to_vec();
        start.extend_from_slice(&be(from_seq.saturating_sub(GROUP - 1)));
        let mut end = kind_index.to_be_bytes().to_vec();
        end.extend_from_slice(&[0xff; 9]);
        flatten(self.kind.range(start..end), from_seq)
    }

    /// Seqs whose `occurred_at` is in `[from, to)`, in (occurred-at, seq)
    /// order. Reads one hour bucket at a time.
    pub fn occurred_seqs(
        &self,
        from: Instant,
        to: Instant,
    ) -> impl Iterator<Item = sled::Result<u64>> {
        let (f, t) = (from.millis(), to.millis());
        let start = bucket_key(f).to_vec();
        let mut end = bucket_key(t.saturating_sub(1)).to_vec();
        end.extend_from_slice(&[0xff; 9]);
        let mut keys = self.occurred.range(start..end).peekable();
        let mut pending: std::vec::IntoIter<(i64, u64)> = Vec::new().into_iter();
        std::iter::from_fn(move || loop {
            if let Some((_, s)) = pending.next() {
                return Some(Ok(s));
            }
            // Gather every group of the next hour bucket, then sort.
            let (k, v) = match keys.next()? {
                Ok(kv) => kv,
                Err(e) => return Some(Err(e)),
            };
            let bucket = k.get(..8).unwrap_or_default().to_vec();
            let mut list = Vec::new();
            let mut push = |k: &[u8], v: &[u8]| {
                let first = tail_seq(k);
                for c in v.chunks_exact(10) {
                    let ms = i64::from_le_bytes(c[..8].try_into().unwrap_or_default());
                    let seq = first + u16::from_le_bytes([c[8], c[9]]) as u64;
                    if ms >= f && ms < t {
                        list.push((ms, seq));
                    }
                }
            };
            push(&k, &v);
            while let Some(Ok((k2, _))) = keys.peek() {
                if k2.get(..8) != Some(&bucket[..]) {
                    break;
                }
                match keys.next() {
                    Some(Ok((k2, v2))) => push(&k2, &v2),
                    Some(Err(e)) => return Some(Err(e)),
                    None => break,
                }
            }
            list.sort_unstable();
            pending = list.into_iter();
        })
    }
}

fn flatten(iter: sled::Iter, from_seq: u64) -> impl Iterator<Item = sled::Result<u64>> {
    iter.flat_map(move |r| -> Box<dyn Iterator<Item = sled::Result<u64>>> {
        match r {
            Ok((k, v)) => {
                let first = tail_seq(&k);
                let seqs: Vec<u64> = offsets(&v, first).filter(|s| *s >= from_seq).collect();
                Box::new(seqs.into_iter().map(Ok))
            }
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    })
}

fn object_key(stream: &str, family: ObjectFamily, id: &str) -> Vec<u8> {
    let mut k = key2(stream, family.as_str().as_bytes());
    k.push(0);
    k.extend_from_slice(id.as_bytes());
    k
}

/// In-memory idempotency table: id fingerprint → seq. Every match is only a
/// candidate, settled by reading the record; most appends carry new ids and
/// never read. Lookups only: its iteration order never reaches an output.
#[derive(Debug, Default, Clone)]
pub struct IdTable {
    main: HashMap<u64, u64, FingerprintHasher>,
    /// Further seqs of fingerprints already in `main` (collisions), by
    /// fingerprint.
    overflow: HashMap<u64, Vec<u64>, FingerprintHasher>,
}

/// Hasher for maps keyed by [`id_fingerprint`]s: the key is already a hash,
/// so one multiply-xorshift round (the finaliser of splitmix64) spreads it
/// over the table instead of SipHash's full rounds.
pub type FingerprintHasher = std::hash::BuildHasherDefault<FingerprintMix>;

/// See [`FingerprintHasher`].
#[derive(Debug, Default, Clone, Copy)]
pub struct FingerprintMix(u64);

impl std::hash::Hasher for FingerprintMix {
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed here; fold anything else in FNV style.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

impl IdTable {
    /// Adds an entry.
    pub fn insert(&mut self, fp: u64, seq: u64) {
        if let Some(prev) = self.main.insert(fp, seq) {
            // Keep both: a fingerprint collision between two ids.
            self.overflow.entry(fp).or_default().push(prev);
        }
    }

    /// Every seq with this fingerprint, newest first.
    pub fn candidates(&self, fp: u64) -> impl Iterator<Item = u64> + '_ {
        let first = self.main.get(&fp).copied();
        let more = match first {
            Some(_) if !self.overflow.is_empty() => self.overflow.get(&fp),
            _ => None,
        };
        first
            .into_iter()
            .chain(more.into_iter().flat_map(|v| v.iter().rev().copied()))
    }

    /// Reserves room for `n` more entries.
    pub fn reserve(&mut self, n: usize) {
        self.main.reserve(n);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.main.len() + self.overflow.values().map(Vec::len).sum::<usize>()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_table_keeps_every_seq_of_a_colliding_fingerprint() {
        let mut t = IdTable::default();
        t.insert(7, 10);
        t.insert(8, 11);
        t.insert(7, 12);
        t.insert(7, 13);
        assert_eq!(t.candidates(7).collect::<Vec<_>>(), vec![13, 12, 10]);
        assert_eq!(t.candidates(8).collect::<Vec<_>>(), vec![11]);
        assert_eq!(t.candidates(9).count(), 0);
        assert_eq!(t.len(), 4);
    }

    #[test]
    fn id_fingerprint_is_fnv1a_of_stream_zero_id() {
        // Fixed by the FNV-1a definition (checked with an independent
        // implementation), so fingerprints stored in an index never change.
        assert_eq!(id_fingerprint("a", "b"), 0xe5d2_9919_0426_66b2);
        assert_ne!(id_fingerprint("s", "x"), id_fingerprint("t", "x"));
        assert_ne!(id_fingerprint("a", "b"), id_fingerprint("a\0b", ""));
    }
}
