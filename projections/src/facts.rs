//! The current facts of a stream: its events with every correction applied
//! (SPEC §4.10, §9.3), in ledger order, cut at the evaluation time (SPEC
//! §3.1: a figure "as of T" never uses what had not happened by T).

use slaledger_ledger::event::{Event, StoredEvent};
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::CorrectionAction;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// A reference to a ledger event, as reports cite it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventRef {
    /// Ledger sequence number.
    pub seq: u64,
    /// Event id.
    pub id: String,
}

/// One fact: an event's current content, borrowed from the events read
/// unless a correction replaced it.
#[derive(Debug, Clone)]
pub struct Fact<'e> {
    /// Seq of the original event (it orders "latest" rules, SPEC §9.3).
    pub seq: u64,
    /// Id of the original event.
    pub id: &'e str,
    /// The corrections that shaped the current content, oldest first.
    pub corrected_by: Vec<EventRef>,
    /// The fact's own instant: the named instant of the current content, else
    /// the original event's `occurred_at`.
    pub at: Instant,
    /// The current content.
    pub event: Cow<'e, Event>,
}

impl Fact<'_> {
    /// The original event as a report cites it.
    pub fn origin(&self) -> EventRef {
        EventRef {
            seq: self.seq,
            id: self.id.to_owned(),
        }
    }

    /// The original event and every correction applied to it.
    pub fn refs(&self) -> Vec<EventRef> {
        let mut v = vec![self.origin()];
        v.extend(self.corrected_by.iter().cloned());
        v
    }
}

/// A correction that changed an input (SPEC §8.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedCorrection {
    /// The corrected (original) event.
    pub corrected: EventRef,
    /// The correction event.
    pub correction: EventRef,
    /// `replace` or `retract`.
    pub action: &'static str,
}

/// The facts of one stream.
#[derive(Debug, Clone, Default)]
pub struct Facts<'e> {
    /// Current facts with instant ≤ the evaluation time, in ledger order of
    /// their original events. Read-only once built: the position indexes
    /// below are built from it (build a new `Facts` instead of editing it).
    pub facts: Vec<Fact<'e>>,
    /// Every correction applied, in ledger order of the corrections.
    pub corrections: Vec<AppliedCorrection>,
    /// Positions in `facts` of the UI and service probe samples, by
    /// `started_at` then position (a month of probes then reads only its
    /// own stretch, see [`Facts::probe_samples`]); filled by [`current`] in
    /// its one pass, or on first use for facts made with [`Facts::new`].
    probe_index: std::sync::OnceLock<Vec<(i64, u32)>>,
    /// Positions of the facts that are not probe samples; filled the same way.
    lean: std::sync::OnceLock<Vec<u32>>,
}

impl<'e> Facts<'e> {
    /// Wraps facts (tests and overlays build them directly).
    pub fn new(facts: Vec<Fact<'e>>, corrections: Vec<AppliedCorrection>) -> Self {
        Facts {
            facts,
            corrections,
            probe_index: std::sync::OnceLock::new(),
            lean: std::sync::OnceLock::new(),
        }
    }

    /// The facts without `probe_sample` events, in the same order: the goal
    /// families that never read samples iterate this (a year of 5-minute
    /// probes is ~99 % of a stream's facts).
    pub fn without_probe_samples(&self) -> Facts<'e> {
        let positions = self.lean.get_or_init(|| {
            self.facts
                .iter()
                .enumerate()
                .filter(|(_, f)| !matches!(&*f.event, Event::ProbeSample(_)))
                .map(|(i, _)| i as u32)
                .collect()
        });
        Facts::new(
            positions
                .iter()
                .map(|i| self.facts[*i as usize].clone())
                .collect(),
            self.corrections.clone(),
        )
    }

    /// The UI and service `probe_sample` facts as (started_at ms, position in
    /// `facts`), ordered by time then position.
    pub fn probe_samples(&self) -> &[(i64, u32)] {
        self.probe_index.get_or_init(|| {
            let mut v: Vec<(i64, u32)> = self
                .facts
                .iter()
                .enumerate()
                .filter_map(|(i, f)| match &*f.event {
                    Event::ProbeSample(s)
                        if !matches!(
                            s.probe_kind,
                            slaledger_ledger::vocab::ProbeKind::Availability
                        ) =>
                    {
                        Some((s.started_at.millis(), i as u32))
                    }
                    _ => None,
                })
                .collect();
            v.sort_unstable();
            v
        })
    }
}

/// The ids some correction among `events` targets.
pub fn corrected_ids(events: &[(u64, StoredEvent)]) -> BTreeSet<&str> {
    events
        .iter()
        .filter_map(|(_, ev)| match &ev.event {
            Event::Correction(c) => Some(c.corrects.as_str()),
            _ => None,
        })
        .collect()
}

/// Builds the current facts from a stream's events in ledger order.
/// Corrections are applied by position (every correction in `events`
/// counts, whatever its time: it says what the fact was); facts whose own
/// instant is after `eval` are left out.
pub fn current(events: &[(u64, StoredEvent)], eval: Instant) -> Facts<'_> {
    // Only corrected events need finding by id; most streams have few.
    let corrected = corrected_ids(events);
    let mut out = Builder::with_capacity(events.len());
    if corrected.is_empty() {
        // Nothing is corrected: every fact is its event as recorded, and
        // a correction event (its target absent) is no fact of its own.
        for (seq, ev) in events {
            if !matches!(ev.event, Event::Correction(_)) {
                out.push(
                    *seq,
                    &ev.id,
                    ev.occurred_at,
                    Cow::Borrowed(&ev.event),
                    Vec::new(),
                    eval,
                );
            }
        }
        return out.finish(Vec::new());
    }
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    type Slot<'e> = (u64, &'e str, Instant, Option<Cow<'e, Event>>, Vec<EventRef>);
    let mut slots: Vec<Slot<'_>> = Vec::with_capacity(events.len());
    let mut corrections = Vec::new();
    for (seq, ev) in events {
        if let Event::Correction(c) = &ev.event {
            let Some(&i) = by_id.get(c.corrects.as_str()) else {
                continue;
            };
            let cref = EventRef {
                seq: *seq,
                id: ev.id.to_string(),
            };
            let slot = &mut slots[i];
            slot.3 = match c.action {
                CorrectionAction::Replace => c.replacement.as_deref().map(Cow::Borrowed),
                CorrectionAction::Retract => None,
            };
            slot.4.push(cref.clone());
            corrections.push(AppliedCorrection {
                corrected: EventRef {
                    seq: slot.0,
                    id: slot.1.to_owned(),
                },
                correction: cref,
                action: c.action.as_str(),
            });
            continue;
        }
        if corrected.contains(ev.id.as_str()) {
            by_id.insert(ev.id.as_str(), slots.len());
        }
        slots.push((
            *seq,
            ev.id.as_str(),
            ev.occurred_at,
            Some(Cow::Borrowed(&ev.event)),
            Vec::new(),
        ));
    }
    for (seq, id, occurred, event, corrected_by) in slots {
        if let Some(event) = event {
            out.push(seq, id, occurred, event, corrected_by, eval);
        }
    }
    out.finish(corrections)
}

/// Collects facts in order and, in the same pass, the positions that
/// [`Facts::probe_samples`] and [`Facts::without_probe_samples`] read
/// (each fact's content is touched once, while it is at hand).
struct Builder<'e> {
    facts: Vec<Fact<'e>>,
    probes: Vec<(i64, u32)>,
    lean: Vec<u32>,
}

impl<'e> Builder<'e> {
    fn with_capacity(n: usize) -> Self {
        Builder {
            facts: Vec::with_capacity(n),
            probes: Vec::new(),
            lean: Vec::new(),
        }
    }

    /// Adds the fact unless its own instant is after `eval`.
    fn push(
        &mut self,
        seq: u64,
        id: &'e str,
        occurred: Instant,
        event: Cow<'e, Event>,
        corrected_by: Vec<EventRef>,
        eval: Instant,
    ) {
        let at = event.named_instant().unwrap_or(occurred);
        if at > eval {
            return;
        }
        let pos = self.facts.len() as u32;
        match &*event {
            Event::ProbeSample(s) => {
                if s.probe_kind != slaledger_ledger::vocab::ProbeKind::Availability {
                    self.probes.push((s.started_at.millis(), pos));
                }
            }
            _ => self.lean.push(pos),
        }
        self.facts.push(Fact {
            seq,
            id,
            corrected_by,
            at,
            event,
        });
    }

    fn finish(mut self, corrections: Vec<AppliedCorrection>) -> Facts<'e> {
        self.probes.sort_unstable();
        Facts {
            facts: self.facts,
            corrections,
            probe_index: std::sync::OnceLock::from(self.probes),
            lean: std::sync::OnceLock::from(self.lean),
        }
    }
}
