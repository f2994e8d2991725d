//! # slaledger-replay
//!
//! Rebuilds any month as the ledger stood at any moment, under overlays, and
//! diffs two results (issue 5, SPEC §9).
//!
//! It will hold: as-of position resolution (`recorded_at ≤ A` is a prefix of
//! the ledger), application of corrections from their own position,
//! counterfactual overlays (assumed events and policy overrides, never written
//! to the ledger), stepwise diffs and `--check` re-performance.
//!
//! Today it holds the as-of position rule, which the ledger's append-time
//! invariant (non-decreasing `recorded_at`) makes a binary search.
#![deny(missing_docs)]

pub mod check;
pub mod diff;
pub mod dispute;
pub mod evidence;
pub mod month;
pub mod quarter;
pub mod receipt;

use slaledger_ledger::time::Instant;

/// Returns the as-of position for instant `as_of`: the number of leading
/// entries of `recorded` (ledger order, non-decreasing) that were recorded at
/// or before `as_of`. Position 0 means "nothing recorded yet".
pub fn as_of_position(recorded: &[Instant], as_of: Instant) -> usize {
    recorded.partition_point(|r| *r <= as_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_position_counts_the_recorded_prefix() {
        let r: Vec<Instant> = [10, 20, 20, 30]
            .into_iter()
            .map(Instant::from_millis)
            .collect();
        assert_eq!(as_of_position(&r, Instant::from_millis(5)), 0);
        assert_eq!(as_of_position(&r, Instant::from_millis(20)), 3);
        assert_eq!(as_of_position(&r, Instant::from_millis(99)), 4);
    }
}
