//! Diffs of two month reports (SPEC §9.5): every goal line whose figure,
//! verdict, counts, points or bod share differ, the measurements that enter,
//! leave or change, the month total, findings and corrections; and the
//! causes: differing policies, rule set, evaluation time, ledger position,
//! events present in one report's traces only (with the goal lines they
//! touch) and corrections applied in one only. Works on the canonical JSON
//! of two reports, so a submitted report file can be compared with a replay.

use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Why two reports cannot be compared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// A file is not a month report.
    #[error("{0} is not a slaledger month report (no header.stream / header.month)")]
    NotAReport(&'static str),
    /// The reports are about different streams or months.
    #[error("the reports are about different months: {0} vs {1}")]
    DifferentMonths(String, String),
}

/// One changed value: its path, A's and B's value (JSON text, `null` when absent).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    /// A's value.
    pub a: String,
    /// Where: `month_total.bod_ore`, `goals[b72a.reaction.A].verdict`, ...
    pub at: String,
    /// B's value.
    pub b: String,
}

/// A cause of the differences (SPEC §9.5 explanation).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Cause {
    /// The goal lines whose traces contain it (empty for header causes).
    pub affects: Vec<String>,
    /// `policy`, `rule_set`, `evaluation_time`, `ledger_position`, `as_of`,
    /// `overlay`, `event_only_in_a`, `event_only_in_b`, `correction_only_in_a`,
    /// `correction_only_in_b`.
    pub kind: &'static str,
    /// What: the policy and its two values, the event `id@seq`, ...
    pub what: String,
}

/// The diff of two month reports; fields in byte order (canonical JSON).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReportDiff {
    /// Bod in øre A → B (`null` while pending).
    pub bod_ore: (Option<i64>, Option<i64>),
    /// The causes.
    pub causes: Vec<Cause>,
    /// Every changed value.
    pub changes: Vec<Change>,
    /// Month.
    pub month: String,
    /// Points A → B, as decimal strings.
    pub points: (String, String),
    /// Stream.
    pub stream: String,
}

impl ReportDiff {
    /// No difference at all.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.causes.is_empty()
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn by_key<'v>(v: &'v Value, list: &str, key: &str) -> BTreeMap<String, &'v Value> {
    v[list]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| (text(&x[key]), x))
        .collect()
}

/// Every `{id, seq}` event reference inside a JSON value.
fn event_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let (Some(Value::String(id)), Some(Value::Number(seq))) = (m.get("id"), m.get("seq"))
            {
                if m.len() == 2 {
                    out.insert(format!("{id}@{seq}"));
                    return;
                }
            }
            for x in m.values() {
                event_refs(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| event_refs(x, out)),
        _ => {}
    }
}

/// The events each goal line's trace names (and the open clocks' and
/// findings' events, under those names).
fn traces(v: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = v["goals"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let mut s = BTreeSet::new();
            event_refs(&g["population"], &mut s);
            event_refs(&g["figure"], &mut s);
            (text(&g["goal"]), s)
        })
        .collect();
    for list in ["open_clocks", "findings"] {
        let mut s = BTreeSet::new();
        event_refs(&v[list], &mut s);
        out.insert(list.to_owned(), s);
    }
    out
}

/// Compares report `a` with report `b`.
pub fn diff(a: &Value, b: &Value) -> Result<ReportDiff, DiffError> {
    let (ha, hb) = (&a["header"], &b["header"]);
    if ha["stream"].is_null() || ha["month"].is_null() {
        return Err(DiffError::NotAReport("A"));
    }
    if hb["stream"].is_null() || hb["month"].is_null() {
        return Err(DiffError::NotAReport("B"));
    }
    let (ka, kb) = (
        format!("{} {}", text(&ha["stream"]), text(&ha["month"])),
        format!("{} {}", text(&hb["stream"]), text(&hb["month"])),
    );
    if ka != kb {
        return Err(DiffError::DifferentMonths(ka, kb));
    }
    let mut changes = Vec::new();
    let mut change = |at: String, x: &Value, y: &Value| {
        if x != y {
            changes.push(Change {
                at,
                a: text(x),
                b: text(y),
            });
        }
    };
    // Goal lines.
    let (ga, gb) = (by_key(a, "goals", "goal"), by_key(b, "goals", "goal"));
    let goals: BTreeSet<&String> = ga.keys().chain(gb.keys()).collect();
    for g in goals {
        let (x, y) = (
            ga.get(g).copied().unwrap_or(&Value::Null),
            gb.get(g).copied().unwrap_or(&Value::Null),
        );
        if x.is_null() || y.is_null() {
            change(format!("goals[{g}]"), &x["verdict"], &y["verdict"]);
            continue;
        }
        for k in ["verdict", "points", "bod_share_ore", "counts", "target"] {
            change(format!("goals[{g}].{k}"), &x[k], &y[k]);
        }
        // The figure, without the interval lists (their changes show below
        // as measurements and causes).
        let strip = |f: &Value| -> Value {
            let mut f = f.clone();
            if let Some(m) = f.as_object_mut() {
                for k in ["contributions", "excluded", "windows", "packages", "sorted"] {
                    m.remove(k);
                }
            }
            f
        };
        change(
            format!("goals[{g}].figure"),
            &strip(&x["figure"]),
            &strip(&y["figure"]),
        );
        let (pa, pb) = (
            by_key(x, "population", "object"),
            by_key(y, "population", "object"),
        );
        let objects: BTreeSet<&String> = pa.keys().chain(pb.keys()).collect();
        for o in objects {
            match (pa.get(o), pb.get(o)) {
                (Some(p), Some(q)) => {
                    for k in [
                        "stop",
                        "value_ms",
                        "within",
                        "units_over",
                        "points",
                        "state",
                    ] {
                        change(format!("goals[{g}].population[{o}].{k}"), &p[k], &q[k]);
                    }
                }
                (p, q) => change(
                    format!("goals[{g}].population[{o}]"),
                    &p.map_or(Value::Null, |_| Value::String("present".into())),
                    &q.map_or(Value::Null, |_| Value::String("present".into())),
                ),
            }
        }
    }
    for k in [
        "points",
        "fee_ore",
        "uncapped_ore",
        "bod_ore",
        "bod_state",
        "cap_bound",
    ] {
        change(
            format!("month_total.{k}"),
            &a["month_total"][k],
            &b["month_total"][k],
        );
    }
    let set = |v: &Value, list: &str, f: &dyn Fn(&Value) -> String| -> BTreeSet<String> {
        v[list].as_array().into_iter().flatten().map(f).collect()
    };
    let finding = |f: &Value| format!("{}: {}", text(&f["kind"]), text(&f["text"]));
    let clock = |c: &Value| format!("{} {}", text(&c["goal"]), text(&c["object"]));
    for (list, f) in [
        ("findings", &finding as &dyn Fn(&Value) -> String),
        ("open_clocks", &clock),
    ] {
        let (x, y) = (set(a, list, f), set(b, list, f));
        for only in x.difference(&y) {
            change(list.to_string(), &Value::String(only.clone()), &Value::Null);
        }
        for only in y.difference(&x) {
            change(list.to_string(), &Value::Null, &Value::String(only.clone()));
        }
    }
    // Causes.
    let mut causes = Vec::new();
    let (pa, pb) = (
        by_key(ha, "policies", "policy"),
        by_key(hb, "policies", "policy"),
    );
    for (name, p) in &pa {
        let q = pb.get(name).map(|q| text(&q["value"])).unwrap_or_default();
        if text(&p["value"]) != q {
            causes.push(Cause {
                affects: Vec::new(),
                kind: "policy",
                what: format!("{name}: {} → {q}", text(&p["value"])),
            });
        }
    }
    for (kind, x, y) in [
        ("rule_set", &ha["rule_set"]["hash"], &hb["rule_set"]["hash"]),
        (
            "evaluation_time",
            &ha["evaluation_time"],
            &hb["evaluation_time"],
        ),
        ("ledger_position", &ha["ledger_head"], &hb["ledger_head"]),
        ("as_of", &ha["as_of"], &hb["as_of"]),
        ("overlay", &ha["overlay"], &hb["overlay"]),
    ] {
        if x != y {
            causes.push(Cause {
                affects: Vec::new(),
                kind,
                what: format!("{} → {}", text(x), text(y)),
            });
        }
    }
    let (ta, tb) = (traces(a), traces(b));
    let all = |t: &BTreeMap<String, BTreeSet<String>>| -> BTreeSet<String> {
        t.values().flatten().cloned().collect()
    };
    let (ea, eb) = (all(&ta), all(&tb));
    let affects = |e: &String| -> Vec<String> {
        let mut v: Vec<String> = ta
            .iter()
            .chain(tb.iter())
            .filter(|(_, s)| s.contains(e))
            .map(|(g, _)| g.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let seq_of = |e: &String| -> u64 {
        e.rsplit('@')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    let mut only: Vec<(&'static str, &String)> = ea
        .difference(&eb)
        .map(|e| ("event_only_in_a", e))
        .chain(eb.difference(&ea).map(|e| ("event_only_in_b", e)))
        .collect();
    only.sort_by_key(|(k, e)| (seq_of(e), *k));
    for (kind, e) in only {
        causes.push(Cause {
            affects: affects(e),
            kind,
            what: e.clone(),
        });
    }
    let corr = |v: &Value| -> BTreeSet<String> {
        v["corrections"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{}@{} corrects {}@{} ({})",
                    text(&c["correction"]["id"]),
                    text(&c["correction"]["seq"]),
                    text(&c["corrected"]["id"]),
                    text(&c["corrected"]["seq"]),
                    text(&c["action"])
                )
            })
            .collect()
    };
    let (ca, cb) = (corr(a), corr(b));
    for (kind, x, y) in [
        ("correction_only_in_a", &ca, &cb),
        ("correction_only_in_b", &cb, &ca),
    ] {
        for c in x.difference(y) {
            let corrected = c
                .split(" corrects ")
                .nth(1)
                .and_then(|r| r.split(' ').next())
                .unwrap_or_default()
                .to_owned();
            causes.push(Cause {
                affects: affects(&corrected),
                kind,
                what: c.clone(),
            });
        }
    }
    Ok(ReportDiff {
        bod_ore: (
            a["month_total"]["bod_ore"].as_i64(),
            b["month_total"]["bod_ore"].as_i64(),
        ),
        causes,
        changes,
        month: text(&ha["month"]),
        points: (
            text(&a["month_total"]["points"]),
            text(&b["month_total"]["points"]),
        ),
        stream: text(&ha["stream"]),
    })
}

/// The diff for people.
pub fn to_markdown(d: &ReportDiff) -> String {
    let mut out = format!(
        "# Diff of {} {}\n\nPoints {} → {}; bod {} → {} øre.\n",
        d.stream,
        d.month,
        d.points.0,
        d.points.1,
        d.bod_ore.0.map_or("pending".into(), |o| o.to_string()),
        d.bod_ore.1.map_or("pending".into(), |o| o.to_string()),
    );
    if d.is_empty() {
        out.push_str("\nThe reports agree.\n");
        return out;
    }
    out.push_str("\n## What differs\n\n| where | A | B |\n| --- | --- | --- |\n");
    for c in &d.changes {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            c.at.replace('|', "\\|"),
            c.a.replace('|', "\\|"),
            c.b.replace('|', "\\|")
        ));
    }
    out.push_str("\n## Why\n\n");
    for c in &d.causes {
        out.push_str(&format!("- {}: {}", c.kind, c.what));
        if !c.affects.is_empty() {
            out.push_str(&format!(" (in {})", c.affects.join(", ")));
        }
        out.push('\n');
    }
    out
}
