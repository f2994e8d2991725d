//! JSON Lines input (docs/EVENTS.md): one event per line, envelope fields
//! plus `kind` and `data`. Parsing checks syntax, kinds, fields and instants;
//! the ledger checks the rest (references, ids, permissions) at append.

use crate::event::{kind_data, Actor, StoredEvent, SCHEMA_VERSION};
use crate::time::Instant;
use serde_json::{Map, Value};

/// An event read from input, not yet appended: `recorded_at` is set by the
/// ledger at append time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// 1-based input line number (for error messages).
    pub line: usize,
    /// The event; `recorded_at` is a placeholder until appended.
    pub event: StoredEvent,
}

/// A line of input that is not a valid event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: field `{field}`: {reason}", id.as_ref().map(|i| format!(" (event `{i}`)")).unwrap_or_default())]
pub struct InputError {
    /// 1-based line number.
    pub line: usize,
    /// Event id, when it could be read.
    pub id: Option<String>,
    /// Field path (`data.reported_at`, `actor.party`, `kind`, or `line` for
    /// syntax errors).
    pub field: String,
    /// Why.
    pub reason: String,
}

const ENVELOPE_KEYS: &[&str] = &[
    "id",
    "stream",
    "actor",
    "occurred_at",
    "schema_version",
    "signature",
    "refs",
    "note",
    "kind",
    "data",
];

/// Parses a whole JSON Lines text. Blank lines are skipped. The first error
/// stops parsing: a batch with any bad line is rejected whole.
pub fn parse_jsonl(text: &str) -> Result<Vec<Draft>, InputError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(parse_line(i + 1, line)?);
    }
    Ok(out)
}

/// Parses one line.
pub fn parse_line(line_no: usize, line: &str) -> Result<Draft, InputError> {
    let err = |id: Option<&str>, field: &str, reason: String| InputError {
        line: line_no,
        id: id.map(str::to_owned),
        field: field.to_owned(),
        reason,
    };
    let value: Value = serde_json::from_str(line)
        .map_err(|e| err(None, "line", format!("malformed JSON: {e}")))?;
    let Value::Object(mut obj) = value else {
        return Err(err(
            None,
            "line",
            "an event line must be a JSON object".into(),
        ));
    };
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(_) => return Err(err(None, "id", "must be a non-empty string".into())),
        None => {
            return Err(err(
                None,
                "id",
                "missing field (every event needs a writer-chosen id)".into(),
            ))
        }
    };
    let id_ref = Some(id.as_str());
    if let Some(k) = obj.keys().find(|k| !ENVELOPE_KEYS.contains(&k.as_str())) {
        return Err(err(
            id_ref,
            k,
            format!(
                "unknown field; an event line has {}",
                ENVELOPE_KEYS.join(", ")
            ),
        ));
    }
    let stream = take_string(&mut obj, "stream").map_err(|r| err(id_ref, "stream", r))?;
    let actor_v = obj
        .remove("actor")
        .ok_or_else(|| err(id_ref, "actor", "missing field".into()))?;
    let actor: Actor = serde_path_to_error::deserialize(actor_v).map_err(|e| {
        let p = e.path().to_string();
        let field = if p == "." {
            "actor".to_owned()
        } else {
            format!("actor.{p}")
        };
        err(id_ref, &field, e.into_inner().to_string())
    })?;
    if actor.identity.trim().is_empty() {
        return Err(err(id_ref, "actor.identity", "must not be empty".into()));
    }
    let occurred_explicit = match obj.remove("occurred_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            Some(Instant::parse(&s).map_err(|e| err(id_ref, "occurred_at", e.to_string()))?)
        }
        Some(_) => {
            return Err(err(
                id_ref,
                "occurred_at",
                "must be an RFC 3339 string".into(),
            ))
        }
    };
    let schema_version = match obj.remove("schema_version") {
        None => SCHEMA_VERSION,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if (1..=SCHEMA_VERSION as u64).contains(&v) => v as u16,
            _ => {
                return Err(err(
                    id_ref,
                    "schema_version",
                    format!("unsupported; this build reads 1..={SCHEMA_VERSION}"),
                ))
            }
        },
        Some(_) => return Err(err(id_ref, "schema_version", "must be an integer".into())),
    };
    let signature = match obj.remove("signature") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err(err(id_ref, "signature", "must be a string".into())),
    };
    let refs = match obj.remove("refs") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(err(id_ref, "refs", "must be a list of strings".into())),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(err(id_ref, "refs", "must be a list of strings".into())),
    };
    let note = match obj.remove("note") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err(err(id_ref, "note", "must be a string".into())),
    };
    let kind = take_string(&mut obj, "kind").map_err(|r| err(id_ref, "kind", r))?;
    let data = obj
        .remove("data")
        .ok_or_else(|| err(id_ref, "data", "missing field".into()))?;
    let event = kind_data::from_parts(&kind, data).map_err(|(f, r)| err(id_ref, &f, r))?;
    let occurred_at = match (event.named_instant(), occurred_explicit) {
        (Some(named), Some(given)) if named != given => {
            return Err(err(
                id_ref,
                "occurred_at",
                format!("{given} differs from the kind's own instant {named}; omit occurred_at"),
            ))
        }
        (Some(named), _) => named,
        (None, Some(given)) => given,
        (None, None) => {
            return Err(err(
                id_ref,
                "occurred_at",
                format!("missing field: `{kind}` has no instant of its own, so the writer must give occurred_at"),
            ))
        }
    };
    Ok(Draft {
        line: line_no,
        event: StoredEvent {
            id: id.into(),
            stream: stream.into(),
            recorded_at: Instant::from_millis(0),
            occurred_at,
            actor,
            schema_version,
            signature,
            refs,
            note,
            event,
        },
    })
}

fn take_string(obj: &mut Map<String, Value>, key: &str) -> Result<String, String> {
    match obj.remove(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err("must be a non-empty string".into()),
        None => Err("missing field".into()),
    }
}

/// Renders a stored event as one JSON line for `log` (same shape as input,
/// plus `seq`, `recorded_at` and the chain `hash`).
pub fn to_json_line(seq: u64, hash: &[u8; 32], ev: &StoredEvent) -> String {
    let kd = kind_data::to_value(&ev.event).unwrap_or(Value::Null);
    let mut m = Map::new();
    m.insert("seq".into(), seq.into());
    m.insert("hash".into(), crate::chain::hex(hash).into());
    m.insert("id".into(), ev.id.as_str().into());
    m.insert("stream".into(), ev.stream.as_str().into());
    m.insert("recorded_at".into(), ev.recorded_at.to_string().into());
    m.insert("occurred_at".into(), ev.occurred_at.to_string().into());
    m.insert(
        "actor".into(),
        serde_json::to_value(&ev.actor).unwrap_or(Value::Null),
    );
    m.insert("schema_version".into(), ev.schema_version.into());
    if let Some(s) = &ev.signature {
        m.insert("signature".into(), s.clone().into());
    }
    if !ev.refs.is_empty() {
        m.insert("refs".into(), ev.refs.clone().into());
    }
    if let Some(n) = &ev.note {
        m.insert("note".into(), n.clone().into());
    }
    if let Value::Object(kd) = kd {
        m.extend(kd);
    }
    Value::Object(m).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"id":"e1","stream":"s","actor":{"party":"customer","identity":"jens"},"kind":"incident_reported","data":{"incident_id":"INC-1","reported_at":"2025-06-02T09:00:00+02:00","channel":"phone","reporter":"Jens","environment":"production","areas":["application"],"description":"login fails"}}"#;

    #[test]
    fn a_valid_line_takes_its_occurred_at_from_the_kind() {
        let d = parse_line(1, OK).unwrap();
        assert_eq!(d.event.occurred_at.to_string(), "2025-06-02T07:00:00.000Z");
    }

    #[test]
    fn errors_name_line_field_and_reason() {
        let bad = OK.replace("\"channel\":\"phone\",", "");
        let e = parse_line(7, &bad).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (7, "data"));
        assert!(e.reason.contains("missing field `channel`"), "{e}");

        let extra = OK.replace("\"reporter\"", "\"colour\":1,\"reporter\"");
        let e = parse_line(2, &extra).unwrap_err();
        assert!(e.reason.contains("unknown field `colour`"), "{e}");

        let time = OK.replace("09:00:00+02:00", "09:00:00");
        let e = parse_line(3, &time).unwrap_err();
        assert_eq!(e.field, "data.reported_at");

        let kind = OK.replace("incident_reported", "incident_exploded");
        assert_eq!(parse_line(4, &kind).unwrap_err().field, "kind");
        assert_eq!(parse_line(5, "{not json").unwrap_err().field, "line");
    }
}
