//! Properties of the Bilag 6 month (issue 3 acceptance): later months never
//! change an earlier month under the default attribution; the order in which
//! independent facts were appended does not matter; percentages stay in
//! [0, 100]; bod never exceeds the monthly cap.

mod common;

use common::*;
use proptest::prelude::*;
use slaledger_projections::bilag6::{Figure, MonthResult};

/// One generated incident: day of June (Arbejdsdage and others), start
/// minute of the day, category, reaction delay, resolution delay.
#[derive(Debug, Clone)]
struct Inc {
    day: u32,
    minute: u32,
    cat: u8,
    react_min: Option<u32>,
    resolve_min: Option<u32>,
    second_contact_min: Option<u32>,
}

fn inc() -> impl Strategy<Value = Inc> {
    (
        1u32..=28,
        0u32..24 * 60,
        1u8..=4,
        proptest::option::of(0u32..120),
        proptest::option::of(0u32..20 * 24 * 60),
        proptest::option::of(1u32..10 * 24 * 60),
    )
        .prop_map(
            |(day, minute, cat, react_min, resolve_min, second_contact_min)| Inc {
                day,
                minute,
                cat,
                react_min,
                resolve_min,
                second_contact_min,
            },
        )
}

fn local(base_month: u32, day: u32, minute: u32) -> String {
    format!(
        "2025-{base_month:02}-{day:02} {:02}:{:02}",
        minute / 60,
        minute % 60
    )
}

fn plus(base: &str, minutes: u32) -> String {
    let t0 = chrono::NaiveDateTime::parse_from_str(base, "%Y-%m-%d %H:%M").unwrap();
    (t0 + chrono::Duration::minutes(i64::from(minutes)))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The events of one incident, in their own order.
fn incident_events(b: &mut Month6, id: &str, i: &Inc, month: u32) {
    let at = local(month, i.day, i.minute);
    b.report(id, &at, None);
    if let Some(r) = i.react_min {
        b.react(id, i.cat, &plus(&at, r));
    }
    if let Some(r) = i.resolve_min {
        b.resolve(id, &plus(&at, r.max(1)));
    }
    // A second contact about the same incident, possibly after its
    // reaction (and possibly in a later month).
    if let Some(c) = i.second_contact_min {
        b.report(id, &plus(&at, c), None);
    }
}

/// The figures of a month without event seqs (which depend on order).
fn figures(r: &MonthResult) -> String {
    let mut out = String::new();
    for g in &r.goals {
        out.push_str(&format!(
            "{} {:?} {:?} {:?} {}\n",
            g.goal, g.figure, g.counts, g.verdict, g.points.0
        ));
        for m in &g.population {
            out.push_str(&format!(
                "  {} {:?} {:?} {:?} {} {}\n",
                m.object, m.start, m.stop, m.value_ms, m.within, m.points.0
            ));
        }
    }
    out.push_str(&format!(
        "{:?} {:?} {:?} {:?}\n",
        r.total.points, r.total.fee, r.total.bod, r.total.cap_bound
    ));
    out
}

const EVAL: &str = "2025-09-30 12:00";

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn later_months_never_change_an_earlier_month(
        june in proptest::collection::vec(inc(), 0..25),
        july in proptest::collection::vec(inc(), 0..25),
        late_resolutions in proptest::collection::vec(0u32..27, 0..10),
    ) {
        let mut base = Month6::default();
        for (k, i) in june.iter().enumerate() {
            // Keep every June fact inside June: reaction and resolution by
            // the month end, or not at all (resolved later below).
            let mut i = i.clone();
            i.resolve_min = i.resolve_min.filter(|r| {
                i.day * 24 * 60 + i.minute + r < 30 * 24 * 60 - 200
            });
            i.react_min = i.react_min.filter(|_| i.day < 30);
            i.second_contact_min = i.second_contact_min.filter(|c| {
                i.day * 24 * 60 + i.minute + c < 30 * 24 * 60 - 200
            });
            incident_events(&mut base, &format!("J{k}"), &i, 6);
        }
        base.fee("2025-06", 10_000_000);
        let before = base.eval("2025-06", EVAL);
        let mut more = base.clone();
        for (k, i) in july.iter().enumerate() {
            incident_events(&mut more, &format!("L{k}"), i, 7);
        }
        // Resolutions in July of June incidents (also of resolved ones: a
        // duplicate resolution must not move June's stop). Reopenings are
        // left out: a July reopening of a June resolution un-stops the clock,
        // which changes June by design (SPEC §5.2: the time in between counts).
        for (k, d) in late_resolutions.iter().enumerate() {
            if k < june.len() {
                more.resolve(&format!("J{k}"), &format!("2025-07-{:02} 10:00", d + 1));
            }
        }
        more.fee("2025-07", 5_000_000).missing(1, "2025-07", 2, "supplier");
        let after = more.eval("2025-06", EVAL);
        prop_assert_eq!(figures(&before), figures(&after));
    }

    #[test]
    fn the_order_of_independent_facts_does_not_change_the_report(
        incs in proptest::collection::vec(inc(), 1..20),
        seed in any::<u64>(),
    ) {
        // Per-incident event lists, then two interleavings.
        let per: Vec<Month6> = incs
            .iter()
            .enumerate()
            .map(|(k, i)| {
                let mut b = Month6::default();
                incident_events(&mut b, &format!("I{k}"), i, 6);
                b
            })
            .collect();
        let in_order = Month6::concat(&per);
        let shuffled = Month6::interleave(&per, seed);
        prop_assert_eq!(
            figures(&in_order.eval("2025-06", EVAL)),
            figures(&shuffled.eval("2025-06", EVAL))
        );
    }

    #[test]
    fn percentages_stay_within_0_and_100_and_bod_within_the_cap(
        incs in proptest::collection::vec(inc(), 0..30),
        fee in 0i64..100_000_000,
        missing in 0u32..200,
    ) {
        let mut b = Month6::default();
        for (k, i) in incs.iter().enumerate() {
            incident_events(&mut b, &format!("P{k}"), i, 6);
        }
        b.fee("2025-06", fee);
        if missing > 0 {
            b.missing(2, "2025-06", missing, "supplier");
        }
        let r = b.eval("2025-06", EVAL);
        for g in &r.goals {
            if let Figure::Percent { num, den } = g.figure {
                prop_assert!(0 <= num && num <= den || den == 0);
                let pct = slaledger_projections::report::percent_2dp(num, den);
                let hundredths: i64 = pct.replace('.', "").parse().unwrap();
                prop_assert!((0..=10_000).contains(&hundredths), "{}", pct);
            }
        }
        let cap = r.total.monthly_cap.unwrap();
        prop_assert!(r.total.bod.unwrap() <= cap);
        prop_assert_eq!(cap, (fee * 50 + 50) / 100);
    }
}
