//! Reading a rule-set file into the `rule_set_defined` event that opens a
//! stream, and checking rule-set contents that arrive in appended events.
//! The rules themselves are `slaledger_projections::ruleset`; format in
//! `docs/RULES.md`.

use anyhow::{bail, Context, Result};
use slaledger_ledger::event::{Actor, Event, RuleSetDefined, StoredEvent, SCHEMA_VERSION};
use slaledger_ledger::input::Draft;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::DocHash;
use slaledger_projections::ruleset::RuleSet;
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
    // serde_json's map is ordered by key, so this is the canonical form.
    let content = serde_json::to_string(&value)?;
    let rs = RuleSet::from_json(&content)?;
    let (stream, rule_set_id, effective_from) = (rs.stream, rs.rule_set_id, rs.effective_from);
    let content_hash = DocHash(*blake3::hash(content.as_bytes()).as_bytes());
    Ok(Draft {
        line: 1,
        event: StoredEvent {
            id: format!("rule-set/{rule_set_id}/v1").into(),
            stream: stream.into(),
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
                rule_set_id: rule_set_id.into(),
                effective_from,
                content,
                content_hash,
            })),
        },
    })
}

/// Checks the content of every `rule_set_defined` / `rule_set_amended` in a
/// batch (SPEC §10: a bad rule set is rejected when recorded, naming the
/// key); errors name the line and event id.
pub fn check_rule_set_events(drafts: &[Draft]) -> Result<()> {
    for d in drafts {
        let content = match &d.event.event {
            Event::RuleSetDefined(r) => &r.content,
            Event::RuleSetAmended(r) => &r.content,
            _ => continue,
        };
        let at = || {
            format!(
                "line {}: event `{}`: field `data.content`",
                d.line, d.event.id
            )
        };
        let rs = RuleSet::from_json(content).with_context(at)?;
        if rs.stream != d.event.stream {
            bail!(
                "{}: the rule set names stream `{}` but the event is in stream `{}`",
                at(),
                rs.stream,
                d.event.stream
            );
        }
    }
    Ok(())
}
