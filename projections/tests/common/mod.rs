//! Builders for Bilag 6 test months: events written as the JSON Lines input
//! (parsed by the ledger's own parser), times as Copenhagen wall-clock text.
#![allow(dead_code)]

use chrono::NaiveDateTime;
use serde_json::{json, Value};
use slaledger_ledger::event::StoredEvent;
use slaledger_ledger::input::parse_jsonl;
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Month;
use slaledger_projections::bilag6::{evaluate, Context, MonthResult};
use slaledger_projections::calendar::to_instant;
use slaledger_projections::facts::{current, Facts};
use slaledger_projections::ruleset::{Policies, RuleSet};

pub const STREAM: &str = "bilag6-example";

/// A local Copenhagen time `YYYY-MM-DD HH:MM[:SS]` as an instant.
pub fn t(local: &str) -> Instant {
    let fmt = if local.len() > 16 {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M"
    };
    to_instant(NaiveDateTime::parse_from_str(local, fmt).unwrap())
}

pub fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

/// A rule-set file's text with edits applied to its JSON form.
fn rules_from(text: &str, edit: impl FnOnce(&mut Value)) -> RuleSet {
    let tv: toml::Value = toml::from_str(text).unwrap();
    let mut v = serde_json::to_value(tv).unwrap();
    edit(&mut v);
    RuleSet::from_json(&serde_json::to_string(&v).unwrap()).unwrap()
}

/// The example rule set with edits applied to its JSON form.
pub fn rules_with(edit: impl FnOnce(&mut Value)) -> RuleSet {
    rules_from(include_str!("../../../examples/bilag6/rules.toml"), edit)
}

/// The Bilag 7.2.A example rule set with edits.
pub fn b72a_rules_with(edit: impl FnOnce(&mut Value)) -> RuleSet {
    rules_from(include_str!("../../../examples/bilag7-2a/rules.toml"), edit)
}

/// The VDX example rule set with edits.
pub fn vdx_rules_with(edit: impl FnOnce(&mut Value)) -> RuleSet {
    rules_from(include_str!("../../../examples/vdx/rules.toml"), edit)
}

/// A goal line of a result.
pub fn goal<'a>(r: &'a MonthResult, id: &str) -> &'a slaledger_projections::bilag6::GoalLine {
    r.goals
        .iter()
        .find(|g| g.goal == id)
        .unwrap_or_else(|| panic!("no goal {id}"))
}

pub fn rules() -> RuleSet {
    rules_with(|_| {})
}

/// A month's events, built line by line.
#[derive(Default, Clone)]
pub struct Month6 {
    lines: Vec<Value>,
}

impl Month6 {
    fn push(
        &mut self,
        id: String,
        party: &str,
        kind: &str,
        data: Value,
        occurred: Option<Instant>,
    ) {
        let mut v = json!({
            "id": id, "stream": STREAM,
            "actor": {"party": party, "identity": format!("{party}@example")},
            "kind": kind, "data": data,
        });
        if let Some(o) = occurred {
            v["occurred_at"] = o.to_string().into();
        }
        self.lines.push(v);
    }

    /// A contact (incident_reported), optionally with the customer's category.
    pub fn report(&mut self, inc: &str, at: &str, customer_cat: Option<u8>) -> &mut Self {
        let n = self.lines.len();
        let mut data = json!({"incident_id": inc, "reported_at": t(at).to_string(),
            "channel": "tool", "reporter": "r", "environment": "production",
            "areas": ["application"], "description": "d"});
        if let Some(c) = customer_cat {
            data["customer_category"] = c.into();
        }
        self.push(
            format!("{inc}/reported/{n}"),
            "customer",
            "incident_reported",
            data,
            None,
        );
        self
    }

    /// The supplier's categorisation.
    pub fn categorise(&mut self, inc: &str, cat: u8, at: &str) -> &mut Self {
        let n = self.lines.len();
        self.push(
            format!("{inc}/categorised/{n}"),
            "supplier",
            "incident_categorised",
            json!({"incident_id": inc, "category": cat, "role": "supplier"}),
            Some(t(at)),
        );
        self
    }

    /// The customer's re-categorisation.
    pub fn customer_categorise(&mut self, inc: &str, cat: u8, at: &str) -> &mut Self {
        let n = self.lines.len();
        self.push(
            format!("{inc}/customer-categorised/{n}"),
            "customer",
            "incident_categorised",
            json!({"incident_id": inc, "category": cat, "role": "customer", "reason": "saglig begrundelse"}),
            Some(t(at)),
        );
        self
    }

    pub fn assign(&mut self, inc: &str, at: &str) -> &mut Self {
        let n = self.lines.len();
        self.push(
            format!("{inc}/assigned/{n}"),
            "supplier",
            "incident_assigned",
            json!({"incident_id": inc, "assignee": "a", "assigned_at": t(at).to_string()}),
            None,
        );
        self
    }

    /// Categorised and assigned at the same instant.
    pub fn react(&mut self, inc: &str, cat: u8, at: &str) -> &mut Self {
        self.categorise(inc, cat, at).assign(inc, at)
    }

    pub fn resolve(&mut self, inc: &str, at: &str) -> &mut Self {
        let n = self.lines.len();
        self.push(
            format!("{inc}/resolved/{n}"),
            "supplier",
            "incident_resolved",
            json!({"incident_id": inc, "resolved_at": t(at).to_string(), "method": "remedy"}),
            None,
        );
        self
    }

    pub fn reopen(&mut self, inc: &str, at: &str) -> &mut Self {
        let n = self.lines.len();
        self.push(
            format!("{inc}/reopened/{n}"),
            "customer",
            "incident_reopened",
            json!({"incident_id": inc, "at": t(at).to_string(), "reason": "r"}),
            None,
        );
        self
    }

    pub fn rca_request(&mut self, req: &str, inc: &str, at: &str) -> &mut Self {
        self.push(
            format!("{req}/requested"),
            "customer",
            "rca_requested",
            json!({"rca_request_id": req, "incident_id": inc, "requested_at": t(at).to_string()}),
            None,
        );
        self
    }

    pub fn rca_deliver(&mut self, req: &str, at: &str) -> &mut Self {
        let n = self.lines.len();
        self.push(
            format!("{req}/delivered/{n}"),
            "supplier",
            "rca_delivered",
            json!({"rca_request_id": req, "delivered_at": t(at).to_string(),
                   "document_hash": "00".repeat(32)}),
            None,
        );
        self
    }

    pub fn report_submitted(&mut self, for_month: &str, at: &str) -> String {
        let n = self.lines.len();
        let id = format!("report-{for_month}/{n}");
        self.push(
            id.clone(),
            "supplier",
            "monthly_report_submitted",
            json!({"month": for_month, "submitted_at": t(at).to_string(),
                   "document_hash": "11".repeat(32)}),
            None,
        );
        id
    }

    pub fn report_rejected(&mut self, for_month: &str, submission: &str, at: &str) -> &mut Self {
        let n = self.lines.len();
        self.push(
            format!("reject-{for_month}/{n}"),
            "customer",
            "monthly_report_rejected",
            json!({"month": for_month, "submission_event_id": submission,
                   "at": t(at).to_string(), "reason": "not the prescribed standard"}),
            None,
        );
        self
    }

    pub fn fee(&mut self, for_month: &str, ore: i64) -> &mut Self {
        let n = self.lines.len();
        self.push(
            format!("fee-{for_month}/{n}"),
            "supplier",
            "fee_recorded",
            json!({"month": for_month, "amount_ore": ore, "fee_kind": "fixed"}),
            Some(crate::common::t(&format!("{for_month}-01 12:00"))),
        );
        self
    }

    pub fn missing(&mut self, kpi: u8, for_month: &str, items: u32, reason: &str) -> &mut Self {
        let n = self.lines.len();
        self.push(
            format!("missing-{kpi}-{for_month}/{n}"),
            "customer",
            "measurement_missing",
            json!({"kpi": kpi, "month": for_month, "items": items, "reason": reason}),
            Some(crate::common::t(&format!("{for_month}-20 12:00"))),
        );
        self
    }

    /// Any event: `kind` with `data`, by `party`, with an explicit
    /// `occurred_at` for kinds without an instant of their own.
    pub fn raw(
        &mut self,
        kind: &str,
        party: &str,
        data: Value,
        occurred: Option<&str>,
    ) -> &mut Self {
        let n = self.lines.len();
        self.push(format!("{kind}/{n}"), party, kind, data, occurred.map(t));
        self
    }

    /// Bilag 7.2.A: the supplier detects an incident (opening it).
    pub fn detect(&mut self, inc: &str, at: &str, priority: &str, env: &str) -> &mut Self {
        self.raw(
            "incident_detected",
            "supplier",
            json!({"incident_id": inc, "detected_at": t(at).to_string(), "how": "monitoring",
                   "environment": env, "areas": ["application"], "proposed_priority": priority}),
            None,
        )
    }

    /// Bilag 7.2.A: a reaction registered (7.7.1).
    pub fn reaction(&mut self, inc: &str, at: &str) -> &mut Self {
        self.raw(
            "reaction_registered",
            "supplier",
            json!({"incident_id": inc, "at": t(at).to_string()}),
            None,
        )
    }

    /// Bilag 7.2.A: a priority with a role.
    pub fn prioritise(&mut self, inc: &str, p: &str, role: &str, at: &str) -> &mut Self {
        let party = if role == "supplier_proposal" {
            "supplier"
        } else {
            "customer"
        };
        self.raw(
            "incident_prioritised",
            party,
            json!({"incident_id": inc, "priority": p, "role": role, "reason": "r"}),
            Some(at),
        )
    }

    /// Evaluates month `m` under the Bilag 7.2.A example rule set.
    pub fn eval_b72a_with(
        &self,
        rules: &RuleSet,
        policies: Policies,
        m: &str,
        eval: &str,
    ) -> MonthResult {
        self.eval_by(
            slaledger_projections::b72a::evaluate,
            rules,
            policies,
            m,
            eval,
        )
    }

    pub fn eval_b72a(&self, m: &str, eval: &str) -> MonthResult {
        let r = b72a_rules_with(|_| {});
        self.eval_b72a_with(&r, r.policies, m, eval)
    }

    /// The lines of several builders one after the other.
    pub fn concat(parts: &[Month6]) -> Month6 {
        Month6 {
            lines: parts.iter().flat_map(|p| p.lines.iter().cloned()).collect(),
        }
    }

    /// A random interleaving of several builders' lines that keeps each
    /// builder's own order (a deterministic xorshift from `seed`).
    pub fn interleave(parts: &[Month6], seed: u64) -> Month6 {
        let mut x = seed | 1;
        let mut next = vec![0usize; parts.len()];
        let mut lines = Vec::new();
        loop {
            let open: Vec<usize> = (0..parts.len())
                .filter(|&i| next[i] < parts[i].lines.len())
                .collect();
            if open.is_empty() {
                break;
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = open[(x % open.len() as u64) as usize];
            lines.push(parts[i].lines[next[i]].clone());
            next[i] += 1;
        }
        Month6 { lines }
    }

    /// The events in order, each recorded at its own instant.
    pub fn events(&self) -> Vec<(u64, StoredEvent)> {
        let text: String = self.lines.iter().map(|l| format!("{l}\n")).collect();
        parse_jsonl(&text)
            .unwrap()
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                let mut ev = d.event;
                ev.recorded_at = ev.occurred_at;
                (i as u64 + 2, ev)
            })
            .collect()
    }

    /// Evaluates month `m` at `eval` under `rules` with `policies`.
    pub fn eval_with(
        &self,
        rules: &RuleSet,
        policies: Policies,
        m: &str,
        eval: &str,
    ) -> MonthResult {
        self.eval_by(evaluate, rules, policies, m, eval)
    }

    /// Evaluates month `m` at `eval` with an annex's evaluator.
    fn eval_by(
        &self,
        evaluator: fn(&Facts<'_>, &Context<'_>, Month) -> Option<MonthResult>,
        rules: &RuleSet,
        policies: Policies,
        m: &str,
        eval: &str,
    ) -> MonthResult {
        let eval = t(eval);
        let events = self.events();
        let facts = current(&events, eval);
        let rf = |_m: Month| Some(rules);
        let ctx = Context {
            rules_for: &rf,
            policies,
            eval,
        };
        evaluator(&facts, &ctx, month(m)).unwrap()
    }

    /// Evaluates month `m` of an uptime (VDX-style) stream.
    pub fn eval_uptime_with(
        &self,
        rules: &RuleSet,
        policies: Policies,
        m: &str,
        eval: &str,
    ) -> MonthResult {
        self.eval_by(
            slaledger_projections::uptime::evaluate,
            rules,
            policies,
            m,
            eval,
        )
    }

    pub fn eval(&self, m: &str, eval: &str) -> MonthResult {
        let r = rules();
        self.eval_with(&r, r.policies, m, eval)
    }
}

/// Points of a goal line, in tenths.
pub fn points(r: &MonthResult, goal: &str) -> i64 {
    r.goals
        .iter()
        .find(|g| g.goal == goal)
        .unwrap_or_else(|| panic!("no goal {goal}"))
        .points
        .0
}
