//! Reading a rule-set file into the `rule_set_defined` event that opens a
//! stream. Issue 2 checks only the envelope keys every rule set needs; the
//! typed rule set with every policy arrives with the rules engine (issue 3).

use anyhow::{bail, Context, Result};
use slaledger_ledger::event::{Actor, Event, RuleSetDefined, StoredEvent, SCHEMA_VERSION};
use slaledger_ledger::input::Draft;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::DocHash;
use slaledger_ledger::vocab::Month;
use std::path::Path;

/// Builds the draft `rule_set_defined` event for a rule-set file. The
/// content is stored as canonical JSON (keys sorted, no whitespace) so that
/// its blake3 hash, the rule-set hash, does not depend on the file's layout.
pub fn rule_set_draft(text: &str, path: &Path, actor: Actor, now: Instant) -> Result<Draft> {
    let value: serde_json::Value = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(text).context("not valid JSON")?
    } else {
        let t: toml::Value = toml::from_str(text).context("not valid TOML")?;
        serde_json::to_value(t).context("TOML value without a JSON form")?
    };
    let obj = value.as_object().context("a rule set is a table of keys")?;
    let get = |k: &str| -> Result<String> {
        match obj.get(k) {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(_) => bail!("key `{k}`: must be a non-empty string"),
            None => bail!("key `{k}`: missing"),
        }
    };
    let stream = get("stream")?;
    let rule_set_id = get("rule_set_id")?;
    let eff = get("effective_from")?;
    let effective_from = Month::parse(&eff)
        .with_context(|| format!("key `effective_from`: `{eff}` is not a month YYYY-MM"))?;
    // serde_json's map is ordered by key, so this is the canonical form.
    let content = serde_json::to_string(&value)?;
    let content_hash = DocHash(*blake3::hash(content.as_bytes()).as_bytes());
    Ok(Draft {
        line: 1,
        event: StoredEvent {
            id: format!("rule-set/{rule_set_id}/v1"),
            stream,
            recorded_at: now,
            occurred_at: now,
            actor,
            schema_version: SCHEMA_VERSION,
            signature: None,
            refs: vec![path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()],
            note: None,
            event: Event::RuleSetDefined(Box::new(RuleSetDefined {
                rule_set_id,
                effective_from,
                content,
                content_hash,
            })),
        },
    })
}
