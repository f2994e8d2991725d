//! Signed events and per-stream recording rules (issue 7).
//!
//! An event may carry its actor's Ed25519 signature in the envelope's
//! `signature` field: `NAME base64(key id || signature)`, the signature
//! made over `slaledger/event-signature/v1\n` followed by the event's
//! content hash computed with no signature (docs/FORMAT.md §Content hash:
//! the canonical record without `recorded_at`), so a writer signs before
//! the ledger stamps the recording time. The key id is that of the party's
//! note key (c2sp.org/signed-note, type 0x01).
//!
//! A stream's rule set may name each party's public keys, the parties whose
//! events must be signed, and which parties alone may record some kinds:
//!
//! ```toml
//! [signatures]
//! required = ["customer"]
//! [signatures.keys]
//! customer = ["kunde.example/kontrol+5dacb265+AQIo..."]
//! [permissions]
//! dispute_settled = ["customer"]
//! ```
//!
//! `append` applies these to every event; `verify` re-checks them all.

use crate::checkpoint::{key_id, PrivateKey, TYPE_ED25519};
use crate::event::{Event, StoredEvent};
use crate::vocab::Party;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, Verifier as _, VerifyingKey};
use std::collections::{BTreeMap, BTreeSet};

/// Domain-separation prefix of event signatures.
pub const EVENT_SIGNATURE_TAG: &[u8] = b"slaledger/event-signature/v1\n";

/// What an event signature signs: the tag and the event's content hash
/// with no signature.
pub fn payload(ev: &StoredEvent) -> Vec<u8> {
    let mut unsigned = ev.clone();
    unsigned.signature = None;
    let mut m = EVENT_SIGNATURE_TAG.to_vec();
    m.extend_from_slice(&crate::encoding::content_hash(&unsigned));
    m
}

/// Signs an event with a party's key: the `signature` field's value.
pub fn sign_event(ev: &StoredEvent, key: &PrivateKey) -> String {
    let sig = key.key.sign(&payload(ev));
    let id = key_id(&key.name, TYPE_ED25519, &key.key.verifying_key().to_bytes());
    let mut raw = id.to_be_bytes().to_vec();
    raw.extend_from_slice(&sig.to_bytes());
    format!("{} {}", key.name, B64.encode(raw))
}

/// A party's public key as the rule set names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyKey {
    /// Key name.
    pub name: String,
    /// Key id (type 0x01).
    pub id: u32,
    /// The Ed25519 key.
    pub key: VerifyingKey,
}

/// A stream's recording rules, read from its rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRules {
    /// Clock tolerance, ms.
    pub tolerance_ms: i64,
    /// Public keys per party.
    pub keys: BTreeMap<Party, Vec<PartyKey>>,
    /// Parties whose every event must be signed.
    pub required: BTreeSet<Party>,
    /// Kinds only some parties may record (on top of SPEC §4.1).
    pub permissions: BTreeMap<String, BTreeSet<Party>>,
}

/// A rule-set key that does not hold: (dotted key, reason).
pub type RuleError = (String, String);

fn party(s: &str, key: &str) -> Result<Party, RuleError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
        (
            key.to_owned(),
            format!("unknown party `{s}` (supplier, customer, monitor, auditor)"),
        )
    })
}

fn strings<'a>(v: &'a serde_json::Value, key: &str) -> Result<Vec<&'a str>, RuleError> {
    v.as_array()
        .ok_or_else(|| (key.to_owned(), "must be a list of strings".to_owned()))?
        .iter()
        .map(|x| {
            x.as_str()
                .ok_or_else(|| (key.to_owned(), "must be a list of strings".to_owned()))
        })
        .collect()
}

/// Parses a verifier key `NAME+KEYID+base64(0x01 || key)`.
pub fn parse_vkey(vkey: &str, key: &str) -> Result<PartyKey, RuleError> {
    let bad = |m: &str| (key.to_owned(), format!("`{vkey}`: {m}"));
    let mut parts = vkey.splitn(3, '+');
    let (name, id, k) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let raw = B64.decode(k).map_err(|_| bad("the key is not base64"))?;
    if raw.first() != Some(&TYPE_ED25519) || raw.len() != 33 {
        return Err(bad("not an Ed25519 note key (type 0x01, 32 bytes)"));
    }
    let public: [u8; 32] = raw[1..].try_into().map_err(|_| bad("not 32 bytes"))?;
    let want = key_id(name, TYPE_ED25519, &public);
    if id.len() != 8 || u32::from_str_radix(id, 16).ok() != Some(want) {
        return Err(bad("the key id does not match the name and key"));
    }
    Ok(PartyKey {
        name: name.to_owned(),
        id: want,
        key: VerifyingKey::from_bytes(&public).map_err(|_| bad("not an Ed25519 key"))?,
    })
}

impl StreamRules {
    /// No keys, no requirements, no restrictions: the rules of a rule set
    /// that sets none (or does not parse; contents are checked before they
    /// are appended).
    pub fn none(tolerance_ms: i64) -> StreamRules {
        StreamRules {
            tolerance_ms,
            keys: BTreeMap::new(),
            required: BTreeSet::new(),
            permissions: BTreeMap::new(),
        }
    }

    /// The rules of a rule set's canonical JSON content; `default_tolerance_ms`
    /// when it sets no `clock_tolerance_minutes`.
    pub fn from_content(
        content: &str,
        default_tolerance_ms: i64,
    ) -> Result<StreamRules, RuleError> {
        let v: serde_json::Value =
            serde_json::from_str(content).map_err(|e| ("(content)".to_owned(), e.to_string()))?;
        let tolerance_ms = v
            .get("clock_tolerance_minutes")
            .and_then(|m| m.as_i64())
            .map_or(default_tolerance_ms, |m| m.saturating_mul(60_000));
        let mut rules = StreamRules {
            tolerance_ms,
            keys: BTreeMap::new(),
            required: BTreeSet::new(),
            permissions: BTreeMap::new(),
        };
        if let Some(s) = v.get("signatures") {
            let obj = s
                .as_object()
                .ok_or_else(|| ("signatures".to_owned(), "must be a table".to_owned()))?;
            for (k, val) in obj {
                match k.as_str() {
                    "required" => {
                        for p in strings(val, "signatures.required")? {
                            rules.required.insert(party(p, "signatures.required")?);
                        }
                    }
                    "keys" => {
                        let keys = val.as_object().ok_or_else(|| {
                            (
                                "signatures.keys".to_owned(),
                                "must be a table of parties".to_owned(),
                            )
                        })?;
                        for (p, list) in keys {
                            let at = format!("signatures.keys.{p}");
                            let pk = party(p, &at)?;
                            for vk in strings(list, &at)? {
                                rules.keys.entry(pk).or_default().push(parse_vkey(vk, &at)?);
                            }
                        }
                    }
                    other => {
                        return Err((
                            format!("signatures.{other}"),
                            "unknown key (required, keys)".to_owned(),
                        ))
                    }
                }
            }
            for p in &rules.required {
                if rules.keys.get(p).is_none_or(Vec::is_empty) {
                    return Err((
                        "signatures.required".to_owned(),
                        format!("the {p} must sign, but signatures.keys names no key of the {p}"),
                    ));
                }
            }
        }
        if let Some(perm) = v.get("permissions") {
            let obj = perm.as_object().ok_or_else(|| {
                (
                    "permissions".to_owned(),
                    "must be a table of event kinds".to_owned(),
                )
            })?;
            for (kind, list) in obj {
                let at = format!("permissions.{kind}");
                if !Event::KIND_NAMES.contains(&kind.as_str()) {
                    return Err((at, format!("unknown event kind `{kind}` (docs/EVENTS.md)")));
                }
                let mut set = BTreeSet::new();
                for p in strings(list, &at)? {
                    set.insert(party(p, &at)?);
                }
                rules.permissions.insert(kind.clone(), set);
            }
        }
        Ok(rules)
    }

    /// Whether an event may be recorded under these rules: its party may
    /// record its kind, and its signature is there where required and
    /// verifies with one of its party's keys. Errors name the field.
    pub fn check(&self, ev: &StoredEvent) -> Result<(), RuleError> {
        let party = ev.actor.party;
        if let Some(allowed) = self.permissions.get(ev.event.kind()) {
            if !allowed.contains(&party) {
                let names: Vec<&str> = allowed.iter().map(|p| p.as_str()).collect();
                return Err((
                    "actor.party".to_owned(),
                    format!(
                        "the stream's rule set lets only {} record {}",
                        names.join(", "),
                        ev.event.kind()
                    ),
                ));
            }
        }
        let keys = self.keys.get(&party).map(Vec::as_slice).unwrap_or_default();
        let Some(sig) = &ev.signature else {
            if self.required.contains(&party) {
                return Err((
                    "signature".to_owned(),
                    format!("the stream's rule set requires every {party} event to be signed"),
                ));
            }
            return Ok(());
        };
        let bad = |m: String| Err(("signature".to_owned(), m));
        if keys.is_empty() {
            return bad(format!(
                "signed, but the stream's rule set names no key of the {party}"
            ));
        }
        let Some((name, b64)) = sig.split_once(' ') else {
            return bad("not `NAME base64(key id || signature)`".into());
        };
        let Ok(raw) = B64.decode(b64) else {
            return bad("the signature is not base64".into());
        };
        if raw.len() != 68 {
            return bad("not a 4-byte key id and a 64-byte Ed25519 signature".into());
        }
        let id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let Some(k) = keys.iter().find(|k| k.name == name && k.id == id) else {
            return bad(format!(
                "signed by `{name}` ({id:08x}), which is not a key of the {party} in the stream's rule set"
            ));
        };
        let Ok(s) = ed25519_dalek::Signature::from_slice(&raw[4..]) else {
            return bad("malformed Ed25519 signature".into());
        };
        if k.key.verify(&payload(ev), &s).is_err() {
            return bad(format!(
                "does not verify with `{name}` ({id:08x}): the event was changed after signing, or signed by another key"
            ));
        }
        Ok(())
    }
}
