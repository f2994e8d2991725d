//! Checkpoints of the ledger's Merkle tree in the C2SP formats, so standard
//! transparency-log tooling and witnesses can check them (issue 7):
//! - a checkpoint (c2sp.org/tlog-checkpoint) is the signed note
//!   `origin \n size \n base64(root) \n` signed with an Ed25519 note key
//!   (c2sp.org/signed-note, type 0x01);
//! - a cosignature (c2sp.org/tlog-cosignature v1) is a note signature of
//!   type 0x04: 8-byte big-endian timestamp followed by an Ed25519
//!   signature over `cosignature/v1 \n time T \n` and the checkpoint text;
//! - an inclusion proof is a c2sp.org/tlog-proof@v1 text whose `extra`
//!   line carries the record bytes; a consistency proof (no C2SP format
//!   exists) is a small JSON document holding both checkpoints verbatim.
//!
//! Notes are parsed, signed and verified by the `signed_note` crate (a
//! port of Go's golang.org/x/mod/sumdb/note); this module adds the
//! checkpoint body, the cosignature key type and the proof files.

use crate::merkle::{self, Hash};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use signed_note::{Note, Signer, StandardSigner, StandardVerifier, Verifier, VerifierList};

/// Signature type byte of Ed25519 note signatures.
pub const TYPE_ED25519: u8 = 0x01;
/// Signature type byte of timestamped Ed25519 cosignatures.
pub const TYPE_COSIGNATURE: u8 = 0x04;

/// Why a key, note, checkpoint or proof is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// A key string or file is malformed.
    #[error("key: {0}")]
    Key(String),
    /// A note does not parse, or no trusted key verifies it.
    #[error("note: {0}")]
    Note(String),
    /// A checkpoint body is malformed.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// A proof file is malformed.
    #[error("proof: {0}")]
    Proof(String),
}

/// The body of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line: names the ledger.
    pub origin: String,
    /// Tree size: the number of records.
    pub size: u64,
    /// Root hash of the tree of that size.
    pub root: Hash,
    /// Extension lines (without their newlines).
    pub extensions: Vec<String>,
}

/// The extension line that makes a checkpoint a month seal.
pub const SEAL_PREFIX: &str = "slaledger-seal ";

impl Checkpoint {
    /// The month this checkpoint seals, if it is a month seal (extension
    /// line `slaledger-seal YYYY-MM`).
    pub fn seal(&self) -> Option<crate::vocab::Month> {
        self.extensions
            .iter()
            .find_map(|e| crate::vocab::Month::parse(e.strip_prefix(SEAL_PREFIX)?))
    }

    /// The note text: origin, size, base64 root, extension lines, each
    /// ending in a newline.
    pub fn text(&self) -> String {
        let mut t = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            t.push_str(e);
            t.push('\n');
        }
        t
    }

    /// Parses a checkpoint note text.
    pub fn parse(text: &str) -> Result<Checkpoint, AuditError> {
        let bad = |m: &str| AuditError::Checkpoint(m.to_owned());
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("text does not end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| bad("no origin line"))?;
        let size_s = lines.next().ok_or_else(|| bad("no tree size line"))?;
        if size_s.is_empty() || (size_s.len() > 1 && size_s.starts_with('0')) {
            return Err(bad("the tree size is not a decimal without leading zeroes"));
        }
        let size: u64 = size_s
            .parse()
            .map_err(|_| bad("the tree size is not a number"))?;
        let root_s = lines.next().ok_or_else(|| bad("no root hash line"))?;
        let root: Hash = B64
            .decode(root_s)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| bad("the root hash is not 32 bytes of base64"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(bad("empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }
}

/// The signed-note key id: SHA-256(name || 0x0A || type || public key)`[:4]`.
pub fn key_id(name: &str, kind: u8, public: &[u8; 32]) -> u32 {
    let mut k = vec![kind];
    k.extend_from_slice(public);
    signed_note::key_id(name, &k)
}

/// A private key: name and Ed25519 key, from the note private-key format
/// `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || 32-byte seed)>`.
#[derive(Debug, Clone)]
pub struct PrivateKey {
    /// Key name.
    pub name: String,
    /// The Ed25519 key.
    pub key: SigningKey,
    text: String,
}

impl PrivateKey {
    /// Parses the note private-key format (checking its key id).
    pub fn parse(skey: &str) -> Result<PrivateKey, AuditError> {
        let skey = skey.trim();
        StandardSigner::new(skey).map_err(|e| AuditError::Key(e.to_string()))?;
        let mut parts = skey.splitn(5, '+');
        let (_, _, name, _, key) = (
            parts.next(),
            parts.next(),
            parts.next().unwrap_or_default(),
            parts.next(),
            parts.next().unwrap_or_default(),
        );
        let bytes = B64
            .decode(key)
            .map_err(|e| AuditError::Key(e.to_string()))?;
        let seed: [u8; 32] = bytes
            .get(1..)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| AuditError::Key("not a 32-byte Ed25519 key".into()))?;
        Ok(PrivateKey {
            name: name.to_owned(),
            key: SigningKey::from_bytes(&seed),
            text: skey.to_owned(),
        })
    }

    /// A new key from 32 random bytes.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<PrivateKey, AuditError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(AuditError::Key(format!(
                "`{name}` is not a valid key name (non-empty, no spaces, no `+`)"
            )));
        }
        let key = SigningKey::from_bytes(&seed);
        let public = key.verifying_key().to_bytes();
        let mut raw = vec![TYPE_ED25519];
        raw.extend_from_slice(&seed);
        let text = format!(
            "PRIVATE+KEY+{name}+{:08x}+{}",
            key_id(name, TYPE_ED25519, &public),
            B64.encode(raw)
        );
        Ok(PrivateKey {
            name: name.to_owned(),
            key,
            text,
        })
    }

    /// The private key in the note format (keep it secret).
    pub fn to_text(&self) -> &str {
        &self.text
    }

    /// The verifier key of checkpoint signatures made with it (type 0x01).
    pub fn note_vkey(&self) -> String {
        vkey(
            &self.name,
            TYPE_ED25519,
            &self.key.verifying_key().to_bytes(),
        )
    }

    /// The verifier key of cosignatures made with it (type 0x04).
    pub fn cosigner_vkey(&self) -> String {
        vkey(
            &self.name,
            TYPE_COSIGNATURE,
            &self.key.verifying_key().to_bytes(),
        )
    }
}

fn vkey(name: &str, kind: u8, public: &[u8; 32]) -> String {
    let mut raw = vec![kind];
    raw.extend_from_slice(public);
    format!(
        "{name}+{:08x}+{}",
        key_id(name, kind, public),
        B64.encode(raw)
    )
}

/// A cosigner: signs `cosignature/v1\ntime T\n` + the checkpoint text.
struct Cosigner<'k> {
    key: &'k PrivateKey,
    id: u32,
    time: u64,
}

fn cosigned_message(time: u64, text: &[u8]) -> Vec<u8> {
    let mut m = format!("cosignature/v1\ntime {time}\n").into_bytes();
    m.extend_from_slice(text);
    m
}

impl Signer for Cosigner<'_> {
    fn name(&self) -> &str {
        &self.key.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        let sig = self.key.key.sign(&cosigned_message(self.time, msg));
        let mut out = self.time.to_be_bytes().to_vec();
        out.extend_from_slice(&sig.to_bytes());
        Ok(out)
    }
}

/// Verifies cosignatures (type 0x04).
struct CosignVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl Verifier for CosignVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        if sig.len() != 72 {
            return false;
        }
        let time = u64::from_be_bytes(sig[..8].try_into().unwrap_or_default());
        if time > i64::MAX as u64 {
            return false;
        }
        let Ok(s) = ed25519_dalek::Signature::from_slice(&sig[8..]) else {
            return false;
        };
        self.key.verify(&cosigned_message(time, msg), &s).is_ok()
    }
}

/// A trusted key: a verifier key string of type 0x01 (checkpoint
/// signatures) or 0x04 (cosignatures).
pub fn verifier(vkey: &str) -> Result<Box<dyn Verifier>, AuditError> {
    let vkey = vkey.trim();
    let bad = |m: &str| AuditError::Key(format!("`{vkey}`: {m}"));
    let mut parts = vkey.splitn(3, '+');
    let (name, id, key) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let raw = B64.decode(key).map_err(|_| bad("the key is not base64"))?;
    match raw.first() {
        Some(&TYPE_ED25519) => Ok(Box::new(
            StandardVerifier::new(vkey).map_err(|e| bad(&e.to_string()))?,
        )),
        Some(&TYPE_COSIGNATURE) => {
            let public: [u8; 32] = raw[1..].try_into().map_err(|_| bad("not 32 bytes"))?;
            let want = key_id(name, TYPE_COSIGNATURE, &public);
            if u32::from_str_radix(id, 16).ok() != Some(want) || id.len() != 8 {
                return Err(bad("the key id does not match the key"));
            }
            Ok(Box::new(CosignVerifier {
                name: name.to_owned(),
                id: want,
                key: VerifyingKey::from_bytes(&public).map_err(|_| bad("not an Ed25519 key"))?,
            }))
        }
        _ => Err(bad(
            "unknown key type (0x01 note keys and 0x04 cosigner keys are known)",
        )),
    }
}

/// Signs a checkpoint with a note key: the note text.
pub fn sign(cp: &Checkpoint, key: &PrivateKey) -> Result<String, AuditError> {
    sign_text(&cp.text(), key)
}

/// Signs any note text (ending in a newline) with a note key.
pub fn sign_text(text: &str, key: &PrivateKey) -> Result<String, AuditError> {
    let signer = StandardSigner::new(key.to_text()).map_err(|e| AuditError::Key(e.to_string()))?;
    let mut note = Note::new(text.as_bytes(), &[]).map_err(|e| AuditError::Note(e.to_string()))?;
    note.add_sigs(&[&signer])
        .map_err(|e| AuditError::Note(e.to_string()))?;
    String::from_utf8(note.to_bytes()).map_err(|e| AuditError::Note(e.to_string()))
}

/// Adds a cosignature made at `time` (POSIX seconds) to a signed note.
pub fn cosign(note_text: &str, key: &PrivateKey, time: u64) -> Result<String, AuditError> {
    let mut note =
        Note::from_bytes(note_text.as_bytes()).map_err(|e| AuditError::Note(e.to_string()))?;
    let c = Cosigner {
        key,
        id: key_id(
            &key.name,
            TYPE_COSIGNATURE,
            &key.key.verifying_key().to_bytes(),
        ),
        time,
    };
    note.add_sigs(&[&c])
        .map_err(|e| AuditError::Note(e.to_string()))?;
    String::from_utf8(note.to_bytes()).map_err(|e| AuditError::Note(e.to_string()))
}

/// A checkpoint note opened with trusted keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Names (and key ids) of the trusted keys whose signatures verified.
    pub verified: Vec<(String, u32)>,
    /// Signature lines from keys not given (ignored, as the spec says).
    pub unknown: Vec<(String, u32)>,
}

/// Signers of a note: (name, key id) of the trusted keys whose signatures
/// verified, and of the signature lines by keys not given.
pub type Signers = (Vec<(String, u32)>, Vec<(String, u32)>);

/// Verifies any signed note: every signature by a trusted key must verify
/// and at least one must be there. Returns the note text and its signers.
pub fn open_note(note_text: &str, trusted: &[String]) -> Result<(String, Signers), AuditError> {
    let list: Vec<Box<dyn Verifier>> = trusted
        .iter()
        .map(|k| verifier(k))
        .collect::<Result<_, _>>()?;
    let note =
        Note::from_bytes(note_text.as_bytes()).map_err(|e| AuditError::Note(e.to_string()))?;
    let (ok, unknown) = note
        .verify(&VerifierList::new(list))
        .map_err(|e| AuditError::Note(e.to_string()))?;
    let text = std::str::from_utf8(note.text()).map_err(|e| AuditError::Note(e.to_string()))?;
    let names =
        |v: &[signed_note::Signature]| v.iter().map(|s| (s.name().to_owned(), s.id())).collect();
    Ok((text.to_owned(), (names(&ok), names(&unknown))))
}

/// Verifies a checkpoint note: every signature by a trusted key must
/// verify and at least one must be there.
pub fn open(note_text: &str, trusted: &[String]) -> Result<Opened, AuditError> {
    let (text, (verified, unknown)) = open_note(note_text, trusted)?;
    Ok(Opened {
        checkpoint: Checkpoint::parse(&text)?,
        verified,
        unknown,
    })
}

/// First line of an inclusion proof file.
pub const TLOG_PROOF: &str = "c2sp.org/tlog-proof@v1";

/// An inclusion proof in the c2sp.org/tlog-proof@v1 format, its `extra`
/// line carrying the record bytes.
pub fn inclusion_proof_text(record: &[u8], index: u64, path: &[Hash], note_text: &str) -> String {
    let mut t = format!(
        "{TLOG_PROOF}\nextra {}\nindex {index}\n",
        B64.encode(record)
    );
    for h in path {
        t.push_str(&B64.encode(h));
        t.push('\n');
    }
    t.push('\n');
    t.push_str(note_text);
    t
}

/// A parsed inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The record bytes (the `extra` line).
    pub record: Vec<u8>,
    /// Zero-based leaf index (seq − 1).
    pub index: u64,
    /// The audit path, from the leaf's sibling up.
    pub path: Vec<Hash>,
    /// The checkpoint note, verbatim.
    pub note: String,
}

/// Parses a c2sp.org/tlog-proof@v1 text.
pub fn parse_inclusion_proof(text: &str) -> Result<InclusionProof, AuditError> {
    let bad = |m: &str| AuditError::Proof(m.to_owned());
    let (head, note) = text
        .split_once("\n\n")
        .ok_or_else(|| bad("no blank line before the checkpoint"))?;
    let mut lines = head.split('\n');
    if lines.next() != Some(TLOG_PROOF) {
        return Err(bad("the first line is not c2sp.org/tlog-proof@v1"));
    }
    let mut line = lines.next().ok_or_else(|| bad("no index line"))?;
    let mut record = Vec::new();
    if let Some(e) = line.strip_prefix("extra ") {
        record = B64
            .decode(e)
            .map_err(|_| bad("the extra line is not base64"))?;
        line = lines.next().ok_or_else(|| bad("no index line"))?;
    }
    let idx = line
        .strip_prefix("index ")
        .ok_or_else(|| bad("no index line"))?;
    if idx.is_empty() || (idx.len() > 1 && idx.starts_with('0')) {
        return Err(bad("the index is not a decimal without leading zeroes"));
    }
    let index = idx.parse().map_err(|_| bad("the index is not a number"))?;
    let path = lines
        .map(|l| {
            B64.decode(l)
                .ok()
                .and_then(|v| <Hash>::try_from(v).ok())
                .ok_or_else(|| bad("a proof line is not a base64 SHA-256 hash"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(InclusionProof {
        record,
        index,
        path,
        note: note.to_owned(),
    })
}

/// First field of a consistency proof document.
pub const CONSISTENCY_FORMAT: &str = "slaledger/consistency-proof@v1";

/// A consistency proof between two checkpoints (JSON).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProof {
    /// Always [`CONSISTENCY_FORMAT`].
    pub format: String,
    /// The older checkpoint note, verbatim.
    pub old: String,
    /// The newer checkpoint note, verbatim.
    pub new: String,
    /// The proof hashes, base64, as RFC 9162 §2.1.4 orders them.
    pub proof: Vec<String>,
}

impl ConsistencyProof {
    /// The proof hashes.
    pub fn hashes(&self) -> Result<Vec<Hash>, AuditError> {
        self.proof
            .iter()
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|v| <Hash>::try_from(v).ok())
                    .ok_or_else(|| {
                        AuditError::Proof("a proof entry is not a base64 SHA-256 hash".into())
                    })
            })
            .collect()
    }
}

/// Base64 of a hash (proof files).
pub fn b64(h: &Hash) -> String {
    B64.encode(h)
}

/// What an offline check of a proof found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The checkpoint(s) and who signed them.
    pub opened: Vec<Opened>,
    /// One line saying what holds.
    pub summary: String,
}

/// Checks an inclusion proof offline: the checkpoint's signatures with the
/// trusted keys, then the record's leaf hash up the path to its root.
pub fn check_inclusion(text: &str, trusted: &[String]) -> Result<Checked, AuditError> {
    let p = parse_inclusion_proof(text)?;
    let opened = open(&p.note, trusted)?;
    let cp = &opened.checkpoint;
    let leaf = merkle::leaf_hash(&p.record);
    if !merkle::verify_inclusion(p.index, cp.size, &leaf, &p.path, &cp.root) {
        return Err(AuditError::Proof(format!(
            "the record at index {} does not lead to the root of the checkpoint of size {} ({}): it is not that record, or not in that tree",
            p.index,
            cp.size,
            b64(&cp.root)
        )));
    }
    Ok(Checked {
        summary: format!(
            "record seq {} is included in `{}` at tree size {} (root {})",
            p.index + 1,
            cp.origin,
            cp.size,
            b64(&cp.root)
        ),
        opened: vec![opened],
    })
}

/// Checks a consistency proof offline: both checkpoints' signatures, the
/// same origin, then the proof from the old root to the new.
pub fn check_consistency(text: &str, trusted: &[String]) -> Result<Checked, AuditError> {
    let p: ConsistencyProof = serde_json::from_str(text)
        .map_err(|e| AuditError::Proof(format!("not a consistency proof: {e}")))?;
    if p.format != CONSISTENCY_FORMAT {
        return Err(AuditError::Proof(format!("unknown format `{}`", p.format)));
    }
    let old = open(&p.old, trusted)?;
    let new = open(&p.new, trusted)?;
    let (a, b) = (&old.checkpoint, &new.checkpoint);
    if a.origin != b.origin {
        return Err(AuditError::Proof(format!(
            "the checkpoints are of different logs (`{}`, `{}`)",
            a.origin, b.origin
        )));
    }
    if !merkle::verify_consistency(a.size, b.size, &a.root, &b.root, &p.hashes()?) {
        return Err(AuditError::Proof(format!(
            "the tree of size {} is NOT an extension of the tree of size {}: the history the older checkpoint signed was changed",
            b.size, a.size
        )));
    }
    Ok(Checked {
        summary: format!(
            "`{}`: the tree of size {} extends the tree of size {} (append-only)",
            a.origin, b.size, a.size
        ),
        opened: vec![old, new],
    })
}

/// Checkpoints the ledger issued or received: `LEDGER/checkpoints/SIZE.note`
/// (SIZE with 12 digits), one file per tree size; cosignatures of the same
/// checkpoint are merged into its file.
pub mod store {
    use super::AuditError;
    use std::path::{Path, PathBuf};

    /// The folder.
    pub fn dir(ledger_dir: &Path) -> PathBuf {
        ledger_dir.join("checkpoints")
    }

    /// The note text (before the blank line) and its signature lines.
    fn split(note: &str) -> Option<(&str, Vec<&str>)> {
        let i = note.rfind("\n\n")?;
        let sigs = note[i + 2..].lines().filter(|l| !l.is_empty()).collect();
        Some((&note[..i + 1], sigs))
    }

    /// The file name of a checkpoint: `SIZE.note`, or `seal-YYYY-MM.note`
    /// for a month seal.
    pub fn file_name(cp: &super::Checkpoint) -> String {
        match cp.seal() {
            Some(m) => format!("seal-{m}.note"),
            None => format!("{:012}.note", cp.size),
        }
    }

    /// Saves a checkpoint note, merging its signatures into a stored note
    /// of the same name (which must have the same text). Returns the file
    /// and the merged note.
    pub fn save(
        ledger_dir: &Path,
        name: &str,
        note: &str,
    ) -> Result<(PathBuf, String), AuditError> {
        let d = dir(ledger_dir);
        std::fs::create_dir_all(&d).map_err(|e| AuditError::Note(e.to_string()))?;
        let path = d.join(name);
        let merged = match std::fs::read_to_string(&path) {
            Ok(old) => {
                let (t0, mut s0) = split(&old)
                    .ok_or_else(|| AuditError::Note("stored note is malformed".into()))?;
                let (t1, s1) =
                    split(note).ok_or_else(|| AuditError::Note("note is malformed".into()))?;
                if t0 != t1 {
                    return Err(AuditError::Note(format!(
                        "a different checkpoint is already stored as {name} ({}): two roots for one tree size, or a month sealed twice",
                        path.display()
                    )));
                }
                for s in s1 {
                    if !s0.contains(&s) {
                        s0.push(s);
                    }
                }
                let mut m = format!("{t0}\n");
                for s in s0 {
                    m.push_str(s);
                    m.push('\n');
                }
                m
            }
            Err(_) => note.to_owned(),
        };
        // A stored checkpoint carries the other party's signature, which
        // cannot be made again: synced before it replaces the old file, and
        // the directory after, so a crash leaves the old or the new note.
        let tmp = d.join(format!("{name}.tmp"));
        let durable = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            std::io::Write::write_all(&mut f, merged.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            crate::segment::sync_dir(&d)
        };
        durable().map_err(|e| AuditError::Note(format!("storing {}: {e}", path.display())))?;
        Ok((path, merged))
    }

    /// Stored month seals as (month, file), ascending.
    pub fn seals(ledger_dir: &Path) -> Vec<(crate::vocab::Month, PathBuf)> {
        let mut v: Vec<(crate::vocab::Month, PathBuf)> = std::fs::read_dir(dir(ledger_dir))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let m =
                    crate::vocab::Month::parse(name.strip_prefix("seal-")?.strip_suffix(".note")?)?;
                Some((m, e.path()))
            })
            .collect();
        v.sort();
        v
    }

    /// Stored checkpoints as (tree size, file), ascending.
    pub fn list(ledger_dir: &Path) -> Vec<(u64, PathBuf)> {
        let mut v: Vec<(u64, PathBuf)> = std::fs::read_dir(dir(ledger_dir))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let size = name.strip_suffix(".note")?.parse().ok()?;
                Some((size, e.path()))
            })
            .collect();
        v.sort();
        v
    }
}
