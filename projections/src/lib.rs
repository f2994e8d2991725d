//! # slaledger-projections
//!
//! Pure, deterministic folds over the events of a [`slaledger_ledger`] ledger.
//!
//! This crate will hold (issues 3 and 4): the Europe/Copenhagen contract
//! calendar (Arbejdsdage, closed days, opening hours, deadlines, started units),
//! rule sets as typed data with every policy of SPEC §5.8 and §6.11, and one
//! module per service goal (Bilag 6 KPI 1-4, Bilag 7.2.A fractiles,
//! availability, probes), producing the monthly report of SPEC §8.
//!
//! **Invariant:** nothing in this crate does I/O, reads the system clock, uses
//! randomness or lets `HashMap` iteration order reach an output. The evaluation
//! time is always an input.
//!
//! Today it holds only the seam the later issues build on: a fold over events
//! that the storage layer can feed without the projection knowing about sled.
#![deny(missing_docs)]

pub mod availability;
pub mod b72a;
pub mod bilag6;
pub mod calendar;
pub mod facts;
pub mod intervals;
pub mod probes;
pub mod quarterly;
pub mod report;
pub mod ruleset;
pub mod uptime;
pub mod windows;

use slaledger_ledger::event::StoredEvent;

/// A deterministic fold over ledger events in ledger order.
///
/// Every projection implements this; the storage layer (or a test's in-memory
/// list) feeds it events by ascending `seq`. Implementations must not read the
/// clock or do I/O, so that the same events always give the same state.
pub trait Projection {
    /// Applies one event, in ledger order.
    fn apply(&mut self, seq: u64, event: &StoredEvent);
}

/// Counts events per kind: the smallest useful projection, used by the CLI's
/// `head` summary and as the reference example of the [`Projection`] contract.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct KindCounts {
    /// Number of events per kind name, in byte order of the name.
    pub counts: std::collections::BTreeMap<&'static str, u64>,
}

impl Projection for KindCounts {
    fn apply(&mut self, _seq: u64, event: &StoredEvent) {
        *self.counts.entry(event.event.kind()).or_default() += 1;
    }
}
