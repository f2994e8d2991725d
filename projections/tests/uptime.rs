//! Probe-average uptime and counters (SPEC §7.2-7.3): the illustration of
//! §7.2 with its exact boundaries, missing probes under both policies, and
//! the quarterly answer of §7.4.

mod common;

use common::*;
use serde_json::json;
use slaledger_projections::bilag6::{Figure, MonthResult, Verdict};
use slaledger_projections::ruleset::RuleSet;

const INFRA: &str = "vdx.uptime.infrastructure";

/// One summary for the whole of June 2025 on the infrastructure service:
/// 43,200 one-minute probes of which `failed` failed.
fn june(failed: u64) -> Month6 {
    let mut b = Month6::default();
    b.raw(
        "availability_probe_summary",
        "monitor",
        json!({"service_id": "vdx-infrastruktur", "from": t("2025-06-01 00:00").to_string(),
               "to": t("2025-07-01 00:00").to_string(), "expected": 43_200, "ok": 43_200 - failed, "failed": failed}),
        None,
    );
    b
}

fn eval(b: &Month6, rules: &RuleSet, m: &str) -> MonthResult {
    b.eval_uptime_with(rules, rules.policies, m, "2025-08-01 00:00")
}

fn shown(r: &MonthResult, id: &str) -> (String, Verdict) {
    let g = goal(r, id);
    let p = match g.figure {
        Figure::Percent { num, den } => slaledger_projections::report::percent_2dp(num, den),
        ref f => panic!("{f:?}"),
    };
    (p, g.verdict)
}

#[test]
fn spec_7_2_illustration_boundaries() {
    let rules = vdx_rules_with(|_| {});
    for (failed, value, verdict) in [
        (0, "100.00", Verdict::Met),
        (2, "100.00", Verdict::Met),
        (3, "99.99", Verdict::Met),
        (6, "99.99", Verdict::Met),
        (20, "99.95", Verdict::Met),
        (23, "99.95", Verdict::Met),
        (216, "99.50", Verdict::Met),
        (218, "99.50", Verdict::Met),
        (219, "99.49", Verdict::NotMet),
    ] {
        let r = eval(&june(failed), &rules, "2025-06");
        assert_eq!(
            shown(&r, INFRA),
            (value.to_owned(), verdict),
            "{failed} failed"
        );
    }
}

/// Hourly probes on `ping-1` (interval 3600 s) on 1 June 2025 at the given
/// hours, all answered.
fn hourly(hours: &[u32]) -> (Month6, RuleSet) {
    let rules = vdx_rules_with(|v| {
        v["goals"]["uptime"][0]["interval_seconds"] = json!(3600);
    });
    let mut b = Month6::default();
    for h in hours {
        b.raw(
            "probe_sample",
            "monitor",
            json!({"sample_id": format!("p{h}"), "point_id": "ping-1", "probe_kind": "availability",
                   "round_id": format!("r{h}"), "started_at": t(&format!("2025-06-01 {h:02}:00")).to_string(),
                   "duration_ms": 3, "ok": true, "client_id": "probe-vdx"}),
            None,
        );
    }
    (b, rules)
}

#[test]
fn missing_probes_count_as_failed_or_are_left_out() {
    // 24 probes on 1 June, none on the other 29 days (720 hourly slots).
    let (b, rules) = hourly(&(0..24).collect::<Vec<_>>());
    let r = eval(&b, &rules, "2025-06");
    let g = goal(&r, INFRA);
    assert_eq!(
        g.counts.iter().find(|(k, _)| *k == "missing").unwrap().1,
        720 - 24
    );
    assert_eq!(g.figure, Figure::Percent { num: 24, den: 720 });
    assert_eq!(g.verdict, Verdict::NotMet);
    let mut p = rules.policies;
    p.set("uptime_missing_probe", "excluded").unwrap();
    let r = b.eval_uptime_with(&rules, p, "2025-06", "2025-08-01 00:00");
    assert_eq!(goal(&r, INFRA).figure, Figure::Percent { num: 24, den: 24 });
    assert_eq!(goal(&r, INFRA).verdict, Verdict::Met);
}

#[test]
fn a_month_without_probes_is_pending_and_counters_show_the_recorded_value() {
    let mut b = Month6::default();
    b.raw(
        "usage_metric_observed",
        "supplier",
        json!({"metric_id": "video_quality", "month": "2025-04", "value": "98.7"}),
        Some("2025-05-03 09:00"),
    );
    let rules = vdx_rules_with(|v| {
        v["goals"]["uptime"][0]["points"] = json!(["ping-unused"]);
        v["goals"]["uptime"][0]["service"] = json!("none");
    });
    let mut p = rules.policies;
    p.set("uptime_missing_probe", "excluded").unwrap();
    let r = b.eval_uptime_with(&rules, p, "2025-04", "2025-08-01 00:00");
    assert_eq!(goal(&r, INFRA).verdict, Verdict::Pending);
    let q = goal(&r, "vdx.counter.video_quality");
    assert_eq!(q.figure, Figure::Recorded("98.7".into()));
    assert_eq!(q.verdict, Verdict::NoTarget);
}
