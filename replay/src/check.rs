//! Re-performance of a report (SPEC §9.7): the inputs a report's header
//! names, as a query that recomputes it.

use crate::month::MonthQuery;
use serde_json::Value;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;

/// Why a report's header does not name its inputs.
#[derive(Debug, thiserror::Error)]
#[error("header field `{field}`: {reason}")]
pub struct HeaderError {
    /// The field.
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

fn err(field: &'static str, reason: impl Into<String>) -> HeaderError {
    HeaderError {
        field,
        reason: reason.into(),
    }
}

fn hash32(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The query that recomputes the report `v`: its stream and month, the
/// ledger position and chain hash it read, its as-of instant, its
/// evaluation time (unless it was derived) and its policy overrides.
pub fn query_from_report(v: &Value) -> Result<MonthQuery, HeaderError> {
    let h = &v["header"];
    let s = |field: &'static str, x: &Value| -> Result<String, HeaderError> {
        x.as_str()
            .map(str::to_owned)
            .ok_or_else(|| err(field, "missing or not a string"))
    };
    let stream = s("stream", &h["stream"])?;
    let month =
        Month::parse(&s("month", &h["month"])?).ok_or_else(|| err("month", "not YYYY-MM"))?;
    let seq = h["ledger_head"]["seq"]
        .as_u64()
        .ok_or_else(|| err("ledger_head.seq", "missing"))?;
    let hash = hash32(&s("ledger_head.hash", &h["ledger_head"]["hash"])?)
        .ok_or_else(|| err("ledger_head.hash", "not 64 hex digits"))?;
    let instant = |field: &'static str, x: &Value| -> Result<Instant, HeaderError> {
        Instant::parse(&s(field, x)?).map_err(|e| err(field, e.to_string()))
    };
    let eval = match h["evaluation_time_source"].as_str() {
        Some("given") => Some(instant("evaluation_time", &h["evaluation_time"])?),
        Some(_) => None,
        None => return Err(err("evaluation_time_source", "missing")),
    };
    let mut q = MonthQuery::new(stream, month, eval);
    if !h["as_of"].is_null() {
        q.as_of = Some(instant("as_of.instant", &h["as_of"]["instant"])?);
    }
    for p in h["policies"].as_array().into_iter().flatten() {
        if p["origin"] == "override" {
            q.overrides.push((
                s("policies.policy", &p["policy"])?,
                s("policies.value", &p["value"])?,
            ));
        }
    }
    q.position = Some((seq, hash));
    Ok(q)
}
