//! The sled index: derived data, rebuilt from the log at will (docs/DESIGN.md).
//!
//! sled 0.34 is beta by its maintainers' own words and its flush is no
//! durability guarantee, so nothing here is the truth: after a crash the
//! index may lag the log, and opening the ledger catches it up from the
//! `through` mark. Keys are big-endian so sled's byte order is numeric order.
//!
//! Trees: `ids` (stream, event id → seq, content hash), `pos` (seq → segment,
//! offset), `stream` (stream, seq), `kind` (kind index, seq), `occurred`
//! (occurred-at, seq), `objects` (stream, family, id → opening seq), `rules`
//! (stream → seq of its `rule_set_defined`), `meta` (`through`: head indexed).

use crate::chain::ChainHead;
use crate::event::StoredEvent;
use crate::segment::Position;
use crate::semantics::ObjectFamily;
use crate::time::Instant;
use std::path::Path;

/// Index layout version; a mismatch triggers a rebuild.
pub const INDEX_VERSION: u64 = 1;

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
    /// Its idempotency content hash.
    pub content_hash: [u8; 32],
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

impl Index {
    /// Opens (or creates) the index at `path`.
    pub fn open(path: &Path) -> sled::Result<Self> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(256 * 1024 * 1024)
            .open()?;
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

    /// Indexes records (in seq order) and then moves `through` to `head`.
    /// Re-indexing the same record writes the same keys, so a crash between
    /// the trees and the mark is repaired by indexing again.
    pub fn index_batch(&self, entries: &[IndexEntry<'_>], head: ChainHead) -> sled::Result<()> {
        let mut ids = sled::Batch::default();
        let mut pos = sled::Batch::default();
        let mut stream = sled::Batch::default();
        let mut kind = sled::Batch::default();
        let mut occurred = sled::Batch::default();
        let mut objects = sled::Batch::default();
        let mut rules = sled::Batch::default();
        for e in entries {
            let ev = e.event;
            let mut v = Vec::with_capacity(40);
            v.extend_from_slice(&be(e.seq));
            v.extend_from_slice(&e.content_hash);
            ids.insert(key2(&ev.stream, ev.id.as_bytes()), v);
            let mut p = Vec::with_capacity(16);
            p.extend_from_slice(&be(e.pos.segment));
            p.extend_from_slice(&be(e.pos.offset));
            pos.insert(&be(e.seq), p);
            stream.insert(key2(&ev.stream, &be(e.seq)), &[]);
            let mut k = (ev.event.kind_index()).to_be_bytes().to_vec();
            k.extend_from_slice(&be(e.seq));
            kind.insert(k, &[]);
            let mut o = instant_key(ev.occurred_at).to_vec();
            o.extend_from_slice(&be(e.seq));
            occurred.insert(o, &[]);
            if let Some(obj) = ev.event.opens() {
                let k = object_key(&ev.stream, obj.family, &obj.id);
                // The first opener wins (incidents may be opened twice).
                if self.objects.get(&k)?.is_none() {
                    objects.insert(k, &be(e.seq));
                }
            }
            if ev.event.kind() == "rule_set_defined" {
                rules.insert(ev.stream.as_bytes(), &be(e.seq));
            }
        }
        self.ids.apply_batch(ids)?;
        self.pos.apply_batch(pos)?;
        self.stream.apply_batch(stream)?;
        self.kind.apply_batch(kind)?;
        self.occurred.apply_batch(occurred)?;
        self.objects.apply_batch(objects)?;
        self.rules.apply_batch(rules)?;
        let mut m = be(head.seq).to_vec();
        m.extend_from_slice(&head.hash);
        self.meta.insert("through", m)?;
        Ok(())
    }

    /// Asks sled to write its state out (not a durability guarantee).
    pub fn flush(&self) -> sled::Result<()> {
        self.db.flush().map(|_| ())
    }

    /// The seq and content hash recorded for an event id in a stream.
    pub fn lookup_id(&self, stream: &str, id: &str) -> sled::Result<Option<(u64, [u8; 32])>> {
        Ok(self.ids.get(key2(stream, id.as_bytes()))?.map(|v| {
            let mut h = [0u8; 32];
            if v.len() == 40 {
                h.copy_from_slice(&v[8..]);
            }
            (read_u64(&v), h)
        }))
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

    /// Where the frame of `seq` is.
    pub fn position(&self, seq: u64) -> sled::Result<Option<Position>> {
        Ok(self.pos.get(be(seq))?.map(|v| Position {
            segment: read_u64(&v),
            offset: read_u64(&v[8..]),
        }))
    }

    /// Seqs of a stream, ascending, from `from_seq` on.
    pub fn stream_seqs(
        &self,
        stream: &str,
        from_seq: u64,
    ) -> impl Iterator<Item = sled::Result<u64>> {
        let prefix = key2(stream, &[]);
        let start = key2(stream, &be(from_seq));
        let mut end = prefix.clone();
        end.extend_from_slice(&[0xff; 9]);
        self.stream
            .range(start..end)
            .map(|r| r.map(|(k, _)| tail_seq(&k)))
    }

    /// Seqs of a kind (by canonical index), ascending.
    pub fn kind_seqs(
        &self,
        kind_index: u16,
        from_seq: u64,
    ) -> impl Iterator<Item = sled::Result<u64>> {
        let mut start = kind_index.to_be_bytes().to_vec();
        start.extend_from_slice(&be(from_seq));
        let end = (kind_index as u32 + 1).to_be_bytes()[2..].to_vec();
        let end = if kind_index == u16::MAX {
            vec![0xff; 11]
        } else {
            end
        };
        self.kind
            .range(start..end)
            .map(|r| r.map(|(k, _)| tail_seq(&k)))
    }

    /// Seqs whose `occurred_at` is in `[from, to)`, in occurred-at order.
    pub fn occurred_seqs(
        &self,
        from: Instant,
        to: Instant,
    ) -> impl Iterator<Item = sled::Result<u64>> {
        self.occurred
            .range(instant_key(from).to_vec()..instant_key(to).to_vec())
            .map(|r| r.map(|(k, _)| tail_seq(&k)))
    }

    /// Number of entries per tree, for verification.
    pub fn counts(&self) -> [(&'static str, usize); 5] {
        [
            ("ids", self.ids.len()),
            ("pos", self.pos.len()),
            ("stream", self.stream.len()),
            ("kind", self.kind.len()),
            ("occurred", self.occurred.len()),
        ]
    }

    /// True when the trees hold exactly the keys of this record.
    pub fn has_entry(&self, e: &IndexEntry<'_>) -> sled::Result<Result<(), String>> {
        let ev = e.event;
        match self.lookup_id(&ev.stream, &ev.id)? {
            Some((s, h)) if s == e.seq && h == e.content_hash => {}
            Some((s, _)) if s != e.seq => {
                return Ok(Err(format!("ids maps `{}` to seq {s}", ev.id)))
            }
            Some(_) => {
                return Ok(Err(format!(
                    "ids holds another content hash for `{}`",
                    ev.id
                )))
            }
            None => return Ok(Err(format!("ids has no entry for `{}`", ev.id))),
        }
        match self.position(e.seq)? {
            Some(p) if p == e.pos => {}
            other => return Ok(Err(format!("pos says {other:?}, the log says {:?}", e.pos))),
        }
        if !self.stream.contains_key(key2(&ev.stream, &be(e.seq)))? {
            return Ok(Err("stream entry missing".into()));
        }
        let mut k = ev.event.kind_index().to_be_bytes().to_vec();
        k.extend_from_slice(&be(e.seq));
        if !self.kind.contains_key(k)? {
            return Ok(Err("kind entry missing".into()));
        }
        let mut o = instant_key(ev.occurred_at).to_vec();
        o.extend_from_slice(&be(e.seq));
        if !self.occurred.contains_key(o)? {
            return Ok(Err("occurred-at entry missing".into()));
        }
        Ok(Ok(()))
    }
}

fn object_key(stream: &str, family: ObjectFamily, id: &str) -> Vec<u8> {
    let mut k = key2(stream, family.as_str().as_bytes());
    k.push(0);
    k.extend_from_slice(id.as_bytes());
    k
}

/// Result type of index operations (sled's), re-exported so callers need not
/// depend on sled.
pub type IndexResult<T> = sled::Result<T>;
