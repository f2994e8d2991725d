//! Report receipts (issue 7): a signed note (c2sp.org/signed-note) that
//! binds a report to the ledger it was computed from: the Merkle tree
//! (origin, size, root) at the report's ledger position, the chain head,
//! the rule-set hash, every policy value with its origin, the software
//! version, the report's own hash and the blake3 of its exact bytes. With
//! the report file, anyone holding the signer's public key can check that
//! this report is the one signed; `replay --check` then re-performs it.

use slaledger_ledger::checkpoint::{self, AuditError, PrivateKey, Signers};
use slaledger_ledger::merkle::Hash;
use slaledger_projections::report::Report;

/// First line of a receipt.
pub const RECEIPT: &str = "slaledger/report-receipt@v1";

fn field<'a>(v: &'a serde_json::Value, path: &[&str]) -> Result<&'a serde_json::Value, AuditError> {
    let mut cur = v;
    for p in path {
        cur = cur
            .get(*p)
            .ok_or_else(|| AuditError::Proof(format!("the report has no `{}`", path.join("."))))?;
    }
    Ok(cur)
}

fn s(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(x) => x.clone(),
        other => other.to_string(),
    }
}

/// The receipt lines a report implies (without origin and tree).
fn report_lines(canonical: &str) -> Result<Vec<String>, AuditError> {
    let v: serde_json::Value = serde_json::from_str(canonical)
        .map_err(|e| AuditError::Proof(format!("not a report: {e}")))?;
    let h = field(&v, &["header"])?;
    let mut out = vec![
        format!(
            "head {}:{}",
            s(field(h, &["ledger_head", "seq"])?),
            s(field(h, &["ledger_head", "hash"])?)
        ),
        format!("stream {}", s(field(h, &["stream"])?)),
        format!("month {}", s(field(h, &["month"])?)),
        format!("rule_set {}", s(field(h, &["rule_set", "hash"])?)),
    ];
    for p in field(h, &["policies"])?.as_array().into_iter().flatten() {
        out.push(format!(
            "policy {}={} ({})",
            s(field(p, &["policy"])?),
            s(field(p, &["value"])?),
            s(field(p, &["origin"])?)
        ));
    }
    out.push(format!(
        "software {} {} schema {}",
        s(field(h, &["software", "program"])?),
        s(field(h, &["software", "version"])?),
        s(field(h, &["software", "schema_version"])?)
    ));
    out.push(format!("report_hash {}", s(field(&v, &["report_hash"])?)));
    out.push(format!(
        "report_blake3 {}",
        blake3::hash(canonical.trim_end().as_bytes()).to_hex()
    ));
    Ok(out)
}

/// The ledger position (seq) a report was computed at.
pub fn report_position(report: &Report) -> Result<u64, AuditError> {
    let v: serde_json::Value = serde_json::from_str(&report.canonical)
        .map_err(|e| AuditError::Proof(format!("not a report: {e}")))?;
    field(&v, &["header", "ledger_head", "seq"])?
        .as_u64()
        .ok_or_else(|| AuditError::Proof("the report's ledger_head.seq is not a number".into()))
}

/// The signed receipt of `report`, whose ledger position has the Merkle
/// root `root` in the log `origin`.
pub fn sign(
    report: &Report,
    origin: &str,
    root: &Hash,
    key: &PrivateKey,
) -> Result<String, AuditError> {
    let size = report_position(report)?;
    let mut text = format!(
        "{RECEIPT}\norigin {origin}\ntree {size} {}\n",
        checkpoint::b64(root)
    );
    for l in report_lines(&report.canonical)? {
        text.push_str(&l);
        text.push('\n');
    }
    checkpoint::sign_text(&text, key)
}

/// A receipt checked offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedReceipt {
    /// The receipt's text lines.
    pub lines: Vec<String>,
    /// Who signed it.
    pub signers: Signers,
    /// Whether a report file was compared with it.
    pub report_matched: bool,
}

/// Checks a receipt's signature with trusted keys and, given the report
/// file's text, that every binding line matches that report (any changed
/// byte of the report changes `report_blake3`).
pub fn check(
    note: &str,
    trusted: &[String],
    report_text: Option<&str>,
) -> Result<CheckedReceipt, AuditError> {
    let (text, signers) = checkpoint::open_note(note, trusted)?;
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.first().map(String::as_str) != Some(RECEIPT) {
        return Err(AuditError::Proof("not a report receipt".into()));
    }
    if let Some(r) = report_text {
        let want = report_lines(r)?;
        let have: Vec<&String> = lines.iter().skip(3).collect();
        for (i, w) in want.iter().enumerate() {
            if have.get(i).map(|h| h.as_str()) != Some(w.as_str()) {
                return Err(AuditError::Proof(format!(
                    "the report does not match the receipt: it says `{w}`, the receipt `{}`",
                    have.get(i).map(|h| h.as_str()).unwrap_or("(nothing)")
                )));
            }
        }
        if have.len() != want.len() {
            return Err(AuditError::Proof(
                "the receipt binds other policies than the report names".into(),
            ));
        }
    }
    Ok(CheckedReceipt {
        lines,
        signers,
        report_matched: report_text.is_some(),
    })
}
