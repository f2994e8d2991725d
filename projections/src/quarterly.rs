//! The quarterly operations report in the shape of the VDX report (SPEC §7):
//! three months × goals with target, delivered values and method, the
//! Ja / Nej / pending answer, comments, and one history table per year.
//! Canonical JSON (keys in byte order, no floats, report hash as for the
//! monthly report) and a Danish Markdown rendering derived from it.

use crate::bilag6::{Figure, GoalLine, MonthResult, Verdict};
use crate::calendar;
use crate::facts::EventRef;
use crate::report::{percent_2dp, RuleSetRef};
use crate::ruleset::RuleSet;
use serde::Serialize;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use std::collections::BTreeMap;

/// Everything a quarterly report is computed from.
pub struct QuarterInput<'a> {
    /// Stream.
    pub stream: &'a str,
    /// First month of the period; the period is it and the next two.
    pub first: Month,
    /// Every evaluated month from January of the stream's first year to the
    /// period's end, with its result and governing rule set.
    pub months: BTreeMap<Month, (MonthResult, &'a RuleSet)>,
    /// `report_comment` events whose period overlaps the report period.
    pub comments: Vec<(EventRef, String, String)>,
    /// Amendments: (effective from, reason) for history footnotes.
    pub amendments: Vec<(Month, String)>,
    /// Rule-set versions that govern a month of the period.
    pub rule_sets: Vec<RuleSetRef>,
    /// Ledger head read: seq and chain hash (hex).
    pub head: (u64, String),
    /// Evaluation time and how it was chosen.
    pub eval: (Instant, &'static str),
    /// Program version.
    pub software_version: String,
}

/// The three months of a period starting at `first`.
pub fn period(first: Month) -> [Month; 3] {
    let second = calendar::next_month(first);
    [first, second, calendar::next_month(second)]
}

/// Parses `YYYY-Qn` into the first month of that calendar quarter.
pub fn parse_quarter(s: &str) -> Option<Month> {
    let (y, q) = s.split_once("-Q")?;
    let year: u16 = y.parse().ok().filter(|y| (1970..=9999).contains(y))?;
    let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
    Some(Month {
        year,
        month: 3 * (q - 1) + 1,
    })
}

/// A line's delivered value as text (decimal point) and whether it is a
/// percentage.
pub fn value_text(g: &GoalLine) -> (String, bool) {
    match &g.figure {
        Figure::Percent { num, den } if *den == 0 => ("-".into(), true),
        Figure::Percent { num, den } => (percent_2dp(*num, *den), true),
        Figure::Availability(a) => (
            crate::ruleset::Hundredths(crate::availability::hundredths(a)).display(),
            true,
        ),
        Figure::Hundredths(v) => (crate::ruleset::Hundredths(*v).display(), true),
        Figure::Recorded(v) => (v.clone(), false),
        Figure::SenderHours(v) => (format!("{} sender-system hours", v.len()), false),
        Figure::State(s) => ((*s).to_owned(), false),
        Figure::Late(n) => (format!("{n} late"), false),
        Figure::Count(n) => (n.to_string(), false),
        Figure::NotPerformed(v) => (v.iter().map(|(_, n)| n).sum::<i64>().to_string(), false),
        Figure::Average { total_ms, n } => {
            let avg = if *n == 0 { 0 } else { total_ms / n };
            (format!("{}.{:03} s", avg / 1000, avg % 1000), false)
        }
        Figure::Fractile { deciding, unit, .. } => {
            if *unit == "ms" {
                (format!("{} min", deciding / 60_000), false)
            } else {
                (format!("{deciding} {unit}"), false)
            }
        }
    }
}

fn meta(rules: &RuleSet, g: &GoalLine) -> (Option<String>, String) {
    if let Some(id) = g.goal.strip_prefix("vdx.uptime.") {
        if let Some(u) = rules.uptime.iter().find(|u| u.id == id) {
            return (u.group.clone(), u.method.clone());
        }
    }
    if let Some(id) = g.goal.strip_prefix("vdx.counter.") {
        if let Some(c) = rules.counters.iter().find(|c| c.id == id) {
            return (None, c.method.clone());
        }
    }
    (None, g.source.to_owned())
}

fn target_text(g: &GoalLine) -> Option<String> {
    if g.verdict == Verdict::NoTarget {
        return None;
    }
    Some(
        g.target
            .strip_prefix("≥ ")
            .and_then(|t| t.strip_suffix(" %"))
            .map(str::to_owned)
            .unwrap_or_else(|| g.target.clone()),
    )
}

#[derive(Serialize)]
struct RefJ<'a> {
    id: &'a str,
    seq: u64,
}

#[derive(Serialize)]
struct CommentJ<'a> {
    event: RefJ<'a>,
    period: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct CellJ {
    month: String,
    value: Option<String>,
    verdict: &'static str,
}

#[derive(Serialize)]
struct RowJ {
    counter: bool,
    goal: String,
    group: Option<String>,
    label: String,
    method: String,
    months: Vec<CellJ>,
    percent: bool,
    target: Option<String>,
}

#[derive(Serialize)]
struct HistRowJ {
    goal: String,
    group: Option<String>,
    label: String,
    percent: bool,
    target: Option<String>,
    values: Vec<Option<String>>,
}

#[derive(Serialize)]
struct YearJ {
    footnotes: Vec<String>,
    rows: Vec<HistRowJ>,
    year: u16,
}

#[derive(Serialize)]
struct GoalMonthJ {
    goal: String,
    month: String,
}

#[derive(Serialize)]
struct HeadJ<'a> {
    hash: &'a str,
    seq: u64,
}

#[derive(Serialize)]
struct PeriodJ {
    from: String,
    text: String,
    to: String,
}

#[derive(Serialize)]
struct RuleSetJ<'a> {
    effective_from: String,
    hash: &'a str,
    id: &'a str,
    version: u32,
}

#[derive(Serialize)]
struct QuarterJ<'a> {
    answer: &'static str,
    comments: Vec<CommentJ<'a>>,
    contact: BTreeMap<String, String>,
    evaluation_time: String,
    evaluation_time_source: &'static str,
    goals: Vec<RowJ>,
    history: Vec<YearJ>,
    ledger_head: HeadJ<'a>,
    missing: Vec<GoalMonthJ>,
    not_met: Vec<GoalMonthJ>,
    period: PeriodJ,
    report: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    report_hash: Option<String>,
    responsible_authority: String,
    rule_sets: Vec<RuleSetJ<'a>>,
    software_version: &'a str,
    stream: &'a str,
    system_name: String,
}

/// Builds the quarterly report (canonical JSON and hash).
pub fn quarter_report_json(q: &QuarterInput<'_>) -> crate::report::Report {
    let months = period(q.first);
    // Rows of the period: goals in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    for m in &months {
        if let Some((r, _)) = q.months.get(m) {
            for g in &r.goals {
                if !order.iter().any(|o| *o == g.goal) {
                    order.push(g.goal.to_string());
                }
            }
        }
    }
    let (mut not_met, mut missing) = (Vec::new(), Vec::new());
    let mut goals = Vec::new();
    for id in &order {
        let mut row: Option<RowJ> = None;
        let mut cells = Vec::new();
        for m in &months {
            let line = q
                .months
                .get(m)
                .and_then(|(r, rules)| r.goals.iter().find(|g| g.goal == *id).map(|g| (g, *rules)));
            match line {
                Some((g, rules)) => {
                    let (value, percent) = value_text(g);
                    let (group, method) = meta(rules, g);
                    let target = target_text(g);
                    row = Some(RowJ {
                        counter: target.is_none(),
                        goal: id.clone(),
                        group,
                        label: g.label_da.to_string(),
                        method,
                        months: Vec::new(),
                        percent,
                        target,
                    });
                    match g.verdict {
                        Verdict::NotMet => not_met.push(GoalMonthJ {
                            goal: id.clone(),
                            month: m.to_string(),
                        }),
                        Verdict::Pending => missing.push(GoalMonthJ {
                            goal: id.clone(),
                            month: m.to_string(),
                        }),
                        _ => {}
                    }
                    cells.push(CellJ {
                        month: m.to_string(),
                        value: Some(value),
                        verdict: g.verdict.as_str(),
                    });
                }
                None => cells.push(CellJ {
                    month: m.to_string(),
                    value: None,
                    verdict: "not evaluated",
                }),
            }
        }
        if let Some(mut r) = row {
            r.months = cells;
            goals.push(r);
        }
    }
    let answer = if !not_met.is_empty() {
        "Nej"
    } else if !missing.is_empty() {
        "pending"
    } else {
        "Ja"
    };
    // History: one table per year up to the period's end.
    let last = months[2];
    let mut history = Vec::new();
    let first_year = q.months.keys().next().map_or(last.year, |m| m.year);
    for year in first_year..=last.year {
        let mut rows: Vec<HistRowJ> = Vec::new();
        for month in 1..=12u8 {
            let m = Month { year, month };
            if m > last {
                break;
            }
            let Some((r, rules)) = q.months.get(&m) else {
                continue;
            };
            for g in &r.goals {
                let (value, percent) = value_text(g);
                let i = match rows.iter().position(|x| x.goal == g.goal) {
                    Some(i) => i,
                    None => {
                        rows.push(HistRowJ {
                            goal: g.goal.to_string(),
                            group: None,
                            label: String::new(),
                            percent,
                            target: None,
                            values: vec![None; 12],
                        });
                        rows.len() - 1
                    }
                };
                let row = &mut rows[i];
                row.group = meta(rules, g).0;
                row.label = g.label_da.to_string();
                row.target = target_text(g);
                row.values[usize::from(month) - 1] = Some(value);
            }
        }
        let footnotes = q
            .amendments
            .iter()
            .filter(|(eff, _)| eff.year == year)
            .map(|(eff, reason)| {
                format!("{reason} (pr. {})", danish_date(calendar::first_day(*eff)))
            })
            .collect();
        history.push(YearJ {
            footnotes,
            rows,
            year,
        });
    }
    let info = months
        .iter()
        .rev()
        .find_map(|m| q.months.get(m).and_then(|(_, r)| r.report.clone()))
        .unwrap_or_default();
    let (p_from, p_to) = (
        calendar::first_day(months[0]),
        calendar::last_day(months[2]),
    );
    let mut report = QuarterJ {
        answer,
        comments: q
            .comments
            .iter()
            .map(|(r, p, t)| CommentJ {
                event: RefJ {
                    id: &r.id,
                    seq: r.seq,
                },
                period: p,
                text: t,
            })
            .collect(),
        contact: info.contact.iter().cloned().collect(),
        evaluation_time: q.eval.0.to_string(),
        evaluation_time_source: q.eval.1,
        goals,
        history,
        ledger_head: HeadJ {
            hash: &q.head.1,
            seq: q.head.0,
        },
        missing,
        not_met,
        period: PeriodJ {
            from: months[0].to_string(),
            text: format!("{} - {}", danish_date(p_from), danish_date(p_to)),
            to: months[2].to_string(),
        },
        report: "slaledger quarterly operations report",
        report_hash: None,
        responsible_authority: info.responsible_authority,
        rule_sets: q
            .rule_sets
            .iter()
            .map(|r| RuleSetJ {
                effective_from: r.effective_from.to_string(),
                hash: &r.hash,
                id: &r.id,
                version: r.version,
            })
            .collect(),
        software_version: &q.software_version,
        stream: q.stream,
        system_name: if info.system_name.is_empty() {
            q.stream.to_owned()
        } else {
            info.system_name
        },
    };
    let without = serde_json::to_string(&report).unwrap_or_default();
    let hash = blake3::hash(without.as_bytes()).to_hex().to_string();
    report.report_hash = Some(hash.clone());
    crate::report::Report {
        canonical: serde_json::to_string(&report).unwrap_or_default(),
        hash,
    }
}

fn danish_date(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%y").to_string()
}

const MONTHS_DA: [&str; 12] = [
    "Januar",
    "Februar",
    "Marts",
    "April",
    "Maj",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "December",
];
const MONTHS_SHORT_DA: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "Maj", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dec",
];

fn comma(s: &str) -> String {
    s.replace('.', ",")
}

fn s(v: &serde_json::Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// The Danish Markdown rendering of a quarterly report, derived from its
/// canonical JSON.
pub fn to_markdown(r: &crate::report::Report) -> String {
    let v: serde_json::Value = serde_json::from_str(&r.canonical).unwrap_or_default();
    let mut out = String::new();
    out.push_str(&format!(
        "# Driftsrapport: {} ({})\n\n",
        s(&v["system_name"]),
        s(&v["stream"])
    ));
    if let Some(c) = v["contact"].as_object().filter(|c| !c.is_empty()) {
        out.push_str("## Kontaktoplysninger\n\n");
        for (k, val) in c {
            out.push_str(&format!("- {k}: {}\n", s(val)));
        }
        out.push('\n');
    }
    out.push_str("## Afrapportering - seneste kvartal\n\n");
    out.push_str(&format!(
        "- Systemnavn: {}\n- Systemansvarlige myndighed: {}\n- Periode: {}\n- Overholder målingerne i perioden det aftalte serviceniveau? **{}**\n",
        s(&v["system_name"]),
        s(&v["responsible_authority"]),
        s(&v["period"]["text"]),
        s(&v["answer"])
    ));
    for (key, what) in [("not_met", "ikke opfyldt"), ("missing", "afventer")] {
        for x in v[key].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "  - {} {}: {what}\n",
                s(&x["goal"]),
                s(&x["month"])
            ));
        }
    }
    let months: Vec<String> = v["goals"][0]["months"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let m = s(&c["month"]);
            let i: usize = m.get(5..7).and_then(|x| x.parse().ok()).unwrap_or(1);
            MONTHS_DA[i - 1].to_owned()
        })
        .collect();
    out.push_str(&format!(
        "\n| Servicemål | Aftalt servicemål | {} | Opgørelse af servicemål |\n| --- | --- |{} --- |\n",
        months.join(" | "),
        " ---: |".repeat(months.len())
    ));
    for g in v["goals"].as_array().into_iter().flatten() {
        let cells: Vec<String> = g["months"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let val = c["value"].as_str().map(comma).unwrap_or_default();
                if c["verdict"] == "not met" {
                    format!("**{val}**")
                } else {
                    val
                }
            })
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            s(&g["label"]).replace('|', "\\|"),
            g["target"]
                .as_str()
                .map(comma)
                .unwrap_or_else(|| "Ingen aftalt servicemål".into()),
            cells.join(" | "),
            s(&g["method"]).replace('|', "\\|")
        ));
    }
    out.push_str("\n## Evt. kommentarer til perioden\n\n");
    let comments = v["comments"].as_array().cloned().unwrap_or_default();
    if comments.is_empty() {
        out.push_str("(ingen)\n");
    }
    for c in comments {
        out.push_str(&format!("- {}\n", s(&c["text"])));
    }
    out.push_str("\n## Historiske servicetal\n");
    for y in v["history"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "\n### {}\n\n| Servicemål gruppe | Servicemål | Servicekrav | {} |\n| --- | --- | --- |{}\n",
            y["year"],
            MONTHS_SHORT_DA.join(" | "),
            " ---: |".repeat(12)
        ));
        for row in y["rows"].as_array().into_iter().flatten() {
            let pct = row["percent"] == true;
            let unit = |x: String| if pct { format!("{x} %") } else { x };
            let vals: Vec<String> = row["values"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| x.as_str().map(|t| unit(comma(t))).unwrap_or_default())
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                s(&row["group"]),
                s(&row["label"]).replace('|', "\\|"),
                row["target"]
                    .as_str()
                    .map(|t| unit(comma(t)))
                    .unwrap_or_default(),
                vals.join(" | ")
            ));
        }
        for (i, f) in y["footnotes"].as_array().into_iter().flatten().enumerate() {
            out.push_str(&format!("\n{} {}\n", "*".repeat(i + 1), s(f)));
        }
    }
    out.push_str(&format!(
        "\nLedger head seq {} `{}`; evaluation time {}; report hash `{}`.\n",
        v["ledger_head"]["seq"],
        s(&v["ledger_head"]["hash"]),
        s(&v["evaluation_time"]),
        r.hash
    ));
    out
}
