//! What a snapshot keeps of a stream, and when it may stand in for the
//! stream's whole history.
//!
//! The projections of this workspace are folds over a stream's current
//! facts (`slaledger_projections::facts`): every month is evaluated from the
//! stream's events, so "the state at the start of month K" is those events
//! reduced to what months K and later can still read. Everything that is
//! not a probe sample is small and kept whole (incidents and their clocks,
//! service windows, non-redundant states, problems, RCAs, decisions, rule
//! sets, disputes, corrections). Probe samples are ~99 % of a stream with
//! probes, and a month reads only its own, the look-back before it
//! ([`LOOKBACK_MS`]) and each measuring point's last sample before that
//! (the gap timeline pairs the month's first sample with it). So a snapshot
//! for month K keeps every sample that
//! - started at or after `cutoff` = start of K − [`LOOKBACK_MS`], or
//! - is the target of a correction at or before the snapshot's position
//!   (the report lists every correction applied), or
//! - is a UI or service sample that is its point's latest before `cutoff`,
//!   or its latest that completed with a duration (whichever way the
//!   `failed_sample` policy reads failed samples, the walk back finds the
//!   same one),
//!
//! and leaves out the rest, remembering how many and the latest
//! `occurred_at` among them. [`applicable`] says when the kept events plus
//! the events recorded after the snapshot give exactly the facts of the
//! whole stream for a month ≥ K.

use slaledger_ledger::event::{Event, StoredEvent};
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::{Month, ProbeKind};
use slaledger_projections::calendar;
use std::collections::{BTreeMap, BTreeSet};

pub use slaledger_projections::probes::LOOKBACK_MS;

/// The earliest `started_at` (ms) of the samples a snapshot for month `k`
/// keeps without condition.
pub fn cutoff_ms(k: Month) -> i64 {
    calendar::month_bounds(k)
        .0
        .millis()
        .saturating_sub(LOOKBACK_MS)
}

/// The outcome of [`prune`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Positions (in the input) of the events kept, ascending.
    pub kept: Vec<usize>,
    /// How many probe samples were left out.
    pub left_out: u64,
    /// The latest `occurred_at` of the samples left out.
    pub left_out_latest_occurred: Option<Instant>,
}

/// Reduces a stream's events (ledger order) to what months ≥ `k` read (see
/// the module documentation).
pub fn prune(events: &[(u64, StoredEvent)], k: Month) -> Pruned {
    let cutoff = cutoff_ms(k);
    let corrected = slaledger_projections::facts::corrected_ids(events);
    // Per point: the latest sample before the cutoff, and the latest that
    // completed with a duration, by (started_at, seq) as the probe index
    // orders them.
    // (started_at, seq, position) of the latest and the latest completed.
    type Tail = [Option<(i64, u64, usize)>; 2];
    let mut tails: BTreeMap<&str, Tail> = BTreeMap::new();
    let prunable = |ev: &StoredEvent| match &ev.event {
        Event::ProbeSample(s) => {
            s.started_at.millis() < cutoff && !corrected.contains(ev.id.as_str())
        }
        _ => false,
    };
    for (i, (seq, ev)) in events.iter().enumerate() {
        let Event::ProbeSample(s) = &ev.event else {
            continue;
        };
        if !prunable(ev) || s.probe_kind == ProbeKind::Availability {
            continue;
        }
        let key = (s.started_at.millis(), *seq, i);
        let t = tails.entry(s.point_id.as_str()).or_default();
        if t[0].is_none_or(|old| (old.0, old.1) < (key.0, key.1)) {
            t[0] = Some(key);
        }
        if s.ok && s.duration_ms.is_some() && t[1].is_none_or(|old| (old.0, old.1) < (key.0, key.1))
        {
            t[1] = Some(key);
        }
    }
    let tail_positions: BTreeSet<usize> = tails
        .values()
        .flat_map(|t| t.iter().flatten().map(|k| k.2))
        .collect();
    let mut out = Pruned::default();
    for (i, (_, ev)) in events.iter().enumerate() {
        if prunable(ev) && !tail_positions.contains(&i) {
            out.left_out += 1;
            let o = ev.occurred_at;
            out.left_out_latest_occurred =
                Some(out.left_out_latest_occurred.map_or(o, |l| l.max(o)));
        } else {
            out.kept.push(i);
        }
    }
    out
}

/// Why a snapshot cannot stand in for the history before it, for one
/// computation (the snapshot itself is fine; an older one, or the whole
/// stream, is used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotApplicable {
    /// The evaluation time lies before the samples the snapshot kept.
    EvalBeforeCutoff {
        /// Evaluation time.
        eval: Instant,
        /// The snapshot's cutoff.
        cutoff: Instant,
    },
    /// A later correction targets a sample the snapshot left out, or a
    /// kept sample from before the cutoff (it may change which sample is
    /// a point's last).
    CorrectsOldSample {
        /// The correction's id.
        correction: String,
        /// The corrected id.
        target: String,
    },
}

impl std::fmt::Display for NotApplicable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotApplicable::EvalBeforeCutoff { eval, cutoff } => write!(
                f,
                "the evaluation time {eval} is before the samples it kept (from {cutoff})"
            ),
            NotApplicable::CorrectsOldSample { correction, target } => write!(
                f,
                "correction `{correction}` recorded after it targets `{target}`, a probe sample from before its cutoff"
            ),
        }
    }
}

/// Whether `kept` (a snapshot's events for month `k`) followed by `after`
/// (everything recorded after the snapshot, and assumed events) gives the
/// same facts as the whole stream, for months ≥ `k` evaluated at `eval`
/// (`None`: no evaluation-time cut, as when building a snapshot on one).
pub fn applicable(
    kept: &[(u64, StoredEvent)],
    after: &[(u64, StoredEvent)],
    k: Month,
    eval: Option<Instant>,
) -> Result<(), NotApplicable> {
    let cutoff = cutoff_ms(k);
    if let Some(eval) = eval.filter(|e| e.millis() < cutoff) {
        return Err(NotApplicable::EvalBeforeCutoff {
            eval,
            cutoff: Instant::from_millis(cutoff),
        });
    }
    let mut corrections = after.iter().filter_map(|(_, ev)| match &ev.event {
        Event::Correction(c) => Some((ev.id.as_str(), c.corrects.as_str())),
        _ => None,
    });
    let Some(first) = corrections.next() else {
        return Ok(());
    };
    let after_ids: BTreeSet<&str> = after.iter().map(|(_, e)| e.id.as_str()).collect();
    let kept_ids: BTreeMap<&str, &StoredEvent> =
        kept.iter().map(|(_, e)| (e.id.as_str(), e)).collect();
    for (id, target) in std::iter::once(first).chain(corrections) {
        if after_ids.contains(target) {
            continue;
        }
        let old_sample = match kept_ids.get(target) {
            Some(ev) => {
                matches!(&ev.event, Event::ProbeSample(s) if s.started_at.millis() < cutoff)
            }
            None => true,
        };
        if old_sample {
            return Err(NotApplicable::CorrectsOldSample {
                correction: id.to_owned(),
                target: target.to_owned(),
            });
        }
    }
    Ok(())
}

/// The content hash (hex) of the rule-set version governing month `k`
/// among `events` (SPEC §4.2: the greatest `effective_from` ≤ k, ties to
/// the later event), as a snapshot is bound to it.
pub fn governing_rule_set(events: &[(u64, StoredEvent)], k: Month) -> Option<String> {
    events
        .iter()
        .filter_map(|(seq, ev)| match &ev.event {
            Event::RuleSetDefined(r) => Some((r.effective_from, *seq, &r.content_hash)),
            Event::RuleSetAmended(r) => Some((r.effective_from, *seq, &r.content_hash)),
            _ => None,
        })
        .filter(|(eff, _, _)| *eff <= k)
        .max_by_key(|(eff, seq, _)| (*eff, *seq))
        .map(|(_, _, h)| h.to_hex())
}

#[cfg(test)]
mod tests {
    use super::*;
    use slaledger_ledger::input;

    fn sample(id: &str, point: &str, at: &str, ok: bool) -> String {
        let d = if ok { r#""duration_ms":900,"# } else { "" };
        format!(
            r#"{{"id":"{id}","stream":"s","actor":{{"party":"monitor","identity":"p"}},"kind":"probe_sample","data":{{"sample_id":"{id}","point_id":"{point}","probe_kind":"ui","category":1,"round_id":"{id}","started_at":"{at}",{d}"ok":{ok},"client_id":"p"}}}}"#
        )
    }

    fn events(lines: &[String]) -> Vec<(u64, StoredEvent)> {
        input::parse_jsonl(&lines.join("\n"))
            .unwrap()
            .into_iter()
            .enumerate()
            .map(|(i, d)| (i as u64 + 1, d.event))
            .collect()
    }

    fn kept_ids(ev: &[(u64, StoredEvent)], p: &Pruned) -> Vec<String> {
        p.kept.iter().map(|i| ev[*i].1.id.to_string()).collect()
    }

    #[test]
    fn samples_before_the_look_back_go_except_each_points_last_and_last_completed() {
        // June 2025 starts 2025-05-31T22:00Z; the cutoff is a day earlier.
        let ev = events(&[
            sample("a1", "A", "2025-05-01T10:00:00Z", true),
            sample("a2", "A", "2025-05-20T10:00:00Z", true),
            sample("a3", "A", "2025-05-25T10:00:00Z", false),
            sample("b1", "B", "2025-05-02T10:00:00Z", true),
            sample("a4", "A", "2025-05-30T23:00:00Z", true), // inside the look-back
            sample("b2", "B", "2025-06-05T10:00:00Z", true),
        ]);
        let p = prune(&ev, Month::parse("2025-06").unwrap());
        assert_eq!(kept_ids(&ev, &p), ["a2", "a3", "b1", "a4", "b2"]);
        assert_eq!(p.left_out, 1);
    }

    #[test]
    fn corrected_samples_are_kept_and_a_later_correction_of_an_old_one_makes_the_snapshot_inapplicable(
    ) {
        let fix = |id: &str, target: &str| {
            format!(
                r#"{{"id":"{id}","stream":"s","actor":{{"party":"monitor","identity":"p"}},"occurred_at":"2025-06-10T00:00:00Z","kind":"correction","data":{{"corrects":"{target}","action":"retract","reason":"x"}}}}"#
            )
        };
        let ev = events(&[
            sample("a1", "A", "2025-05-01T10:00:00Z", true),
            sample("a2", "A", "2025-05-02T10:00:00Z", true),
            sample("a3", "A", "2025-05-03T10:00:00Z", true),
            fix("f1", "a1"),
        ]);
        let m = Month::parse("2025-06").unwrap();
        let p = prune(&ev, m);
        assert_eq!(kept_ids(&ev, &p), ["a1", "a3", "f1"]);
        let kept: Vec<(u64, StoredEvent)> = p.kept.iter().map(|i| ev[*i].clone()).collect();
        let later = |target: &str| {
            let mut e = events(&[fix("f2", target)]);
            e[0].0 = 10;
            e
        };
        // a2 was left out; a3 is A's last before the cutoff.
        for target in ["a2", "a3"] {
            assert!(matches!(
                applicable(&kept, &later(target), m, None),
                Err(NotApplicable::CorrectsOldSample { .. })
            ));
        }
        assert_eq!(applicable(&kept, &[], m, None), Ok(()));
        let eval = Instant::parse("2025-05-20T00:00:00Z").unwrap();
        assert!(matches!(
            applicable(&kept, &[], m, Some(eval)),
            Err(NotApplicable::EvalBeforeCutoff { .. })
        ));
    }
}
