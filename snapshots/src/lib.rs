//! # slaledger-snapshots
//!
//! Projection state at a ledger position, tied to the chain head (issue 6).
//!
//! A snapshot will hold the state of every projection at the start of a month
//! (open incidents and their clocks, running service windows, probe tails),
//! encoded with the ledger's canonical encoding and keyed by month, and bound
//! to `(seq, chain hash, rule-set hash, schema version)`. A snapshot whose
//! binding no longer matches the ledger is ignored, never trusted.
//!
//! Today it holds only the binding type, so that later code and the on-disk
//! format agree on what a snapshot is tied to.
#![deny(missing_docs)]

use slaledger_ledger::chain::ChainHead;

/// What a snapshot is tied to: it is valid only while the ledger still has
/// this head at this position and the same rule set governs the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotBinding {
    /// Ledger position and chain hash the state was computed at.
    pub head: ChainHead,
    /// blake3 hash of the governing rule-set content.
    pub rule_set_hash: [u8; 32],
    /// Version of the projection state layout.
    pub schema_version: u32,
}

impl SnapshotBinding {
    /// True when the snapshot may be used for a ledger whose record at
    /// `head.seq` has the hash `head.hash`, under the given rule set.
    pub fn matches(&self, head: &ChainHead, rule_set_hash: &[u8; 32], schema: u32) -> bool {
        self.head == *head && self.rule_set_hash == *rule_set_hash && self.schema_version == schema
    }
}
