//! Rule-set parsing: the shipped example is valid; every kind of bad rule
//! set named by the issue is rejected with the offending key.

use slaledger_projections::ruleset::*;

fn example_json() -> serde_json::Value {
    let text = include_str!("../../examples/bilag6/rules.toml");
    let t: toml::Value = toml::from_str(text).unwrap();
    serde_json::to_value(t).unwrap()
}

fn parse(v: &serde_json::Value) -> Result<RuleSet, RuleSetError> {
    RuleSet::from_json(&serde_json::to_string(v).unwrap())
}

#[test]
fn the_bilag6_example_parses_with_every_goal_and_default_policies() {
    let rs = parse(&example_json()).unwrap();
    assert_eq!(rs.annex, Annex::Bilag6);
    assert_eq!(rs.policies, Policies::default());
    assert_eq!(rs.fee.monthly_cap_percent, 50);
    assert_eq!(rs.fee.yearly_cap_percent, None);
    let k2 = rs.bilag6.kpi2.clone().unwrap();
    assert_eq!(k2.cat1_points_per_started_hour, Tenths(20));
    assert_eq!(rs.bilag6.kpi4.as_ref().unwrap().missing_points, Tenths(30));
    assert_eq!(rs.policy_origin("clock"), Origin::RuleSet);
}

fn rejected(edit: impl FnOnce(&mut serde_json::Value)) -> RuleSetError {
    let mut v = example_json();
    edit(&mut v);
    parse(&v).unwrap_err()
}

#[test]
fn bad_rule_sets_are_rejected_naming_the_key() {
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "unknown policy",
            Box::new(|v| v["policies"]["speed"] = "fast".into()),
            "policies.speed",
        ),
        (
            "unknown policy value",
            Box::new(|v| v["policies"]["clock"] = "lunar".into()),
            "policies.clock",
        ),
        (
            "missing target",
            Box::new(|v| {
                v["goals"]["kpi2"]
                    .as_object_mut()
                    .unwrap()
                    .remove("cat3_arbejdsdage");
            }),
            "goals.kpi2.cat3_arbejdsdage",
        ),
        (
            "negative fee parameter",
            Box::new(|v| v["fee"]["monthly_cap_percent"] = (-5).into()),
            "fee.monthly_cap_percent",
        ),
        (
            "overlapping opening hours",
            Box::new(|v| {
                v["opening_hours"]["service_desk"]["mon"] =
                    serde_json::json!([["08:00", "12:00"], ["11:30", "16:00"]])
            }),
            "opening_hours.service_desk.mon",
        ),
        (
            "float points",
            Box::new(|v| v["goals"]["kpi3"]["points_per_started_arbejdsdag"] = 2.0.into()),
            "goals.kpi3.points_per_started_arbejdsdag",
        ),
        (
            "unknown goal key",
            Box::new(|v| v["goals"]["kpi1"]["percnt"] = 90.into()),
            "goals.kpi1.percnt",
        ),
        (
            "unknown top-level key",
            Box::new(|v| v["colour"] = "blue".into()),
            "colour",
        ),
        (
            "bad closed date",
            Box::new(|v| v["calendar"]["add_closed"] = serde_json::json!(["2025-02-30"])),
            "calendar.add_closed[0]",
        ),
        (
            "missing stream",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("stream");
            }),
            "stream",
        ),
        (
            "unknown annex",
            Box::new(|v| v["annex"] = "bilag9".into()),
            "annex",
        ),
    ];
    for (what, edit, key) in cases {
        let e = rejected(edit);
        assert_eq!(e.key, key, "{what}: {e}");
        assert!(!e.reason.is_empty(), "{what}");
    }
}

#[test]
fn points_are_decimal_strings_with_one_digit() {
    assert_eq!(Tenths::parse("2.0"), Some(Tenths(20)));
    assert_eq!(Tenths::parse("0.5"), Some(Tenths(5)));
    assert_eq!(Tenths::parse("3"), Some(Tenths(30)));
    assert_eq!(Tenths::parse("1.25"), None);
    assert_eq!(Tenths::parse("-1.0"), None);
    assert_eq!(Tenths(190).display(), "19.0");
}

#[test]
fn the_bilag_7_2_a_example_parses_with_its_categorisations_and_policies() {
    let text = include_str!("../../examples/bilag7-2a/rules.toml");
    let t: toml::Value = toml::from_str(text).unwrap();
    let rs = parse(&serde_json::to_value(t).unwrap()).unwrap();
    assert_eq!(rs.annex, Annex::Bilag72a);
    let times = rs.b72a.incident_times.as_ref().unwrap();
    assert_eq!(times.targets[0][0], Target::Duration(30 * 60_000));
    assert_eq!(times.targets[2][1], Target::Arbejdsdage(1));
    assert_eq!(times.targets[3][2], Target::Arbejdsdage(15));
    assert_eq!(rs.integrations["Digital Post"], Criticality::Important);
    assert_eq!(rs.third_parties.len(), 2);
    assert_eq!(rs.policies.values_for(Annex::Bilag72a).len(), 21);
    assert_eq!(rs.policy_origin("window_clock"), Origin::RuleSet);
}

#[test]
fn bad_bilag_7_2_a_values_are_rejected_naming_the_key() {
    let text = include_str!("../../examples/bilag7-2a/rules.toml");
    let t: toml::Value = toml::from_str(text).unwrap();
    let base = serde_json::to_value(t).unwrap();
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|v| v["policies"]["window_clock"] = "utc".into()),
            "policies.window_clock",
        ),
        (
            Box::new(|v| v["policies"]["small_sample_max_late"] = "ten".into()),
            "policies.small_sample_max_late",
        ),
        (
            Box::new(|v| v["goals"]["incident_times"]["B"]["resolution"] = "6 hours".into()),
            "goals.incident_times.B.resolution",
        ),
        (
            Box::new(|v| {
                v["goals"]["incident_times"]
                    .as_object_mut()
                    .unwrap()
                    .remove("D");
            }),
            "goals.incident_times.D",
        ),
        (
            Box::new(|v| v["integrations"]["Digital Post"] = "vital".into()),
            "integrations.Digital Post",
        ),
        (
            Box::new(|v| v["third_parties"]["db-leverandor"]["opening_hours"] = "nope".into()),
            "third_parties.db-leverandor.opening_hours",
        ),
    ];
    for (edit, key) in cases {
        let mut v = base.clone();
        edit(&mut v);
        let e = parse(&v).unwrap_err();
        assert_eq!(e.key, key, "{e}");
    }
}

#[test]
fn a_penalty_mapping_only_applies_to_bilag_7_2_a_goals() {
    let mut v = example_json();
    v["penalties"] = serde_json::json!({"bilag6.kpi1.cat12": "5.0"});
    assert_eq!(parse(&v).unwrap_err().key, "penalties.bilag6.kpi1.cat12");
}
