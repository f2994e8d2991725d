//! # slaledger-ledger
//!
//! The record of truth of slaledger: the event model of SPEC §4, its canonical
//! encoding, the append-only, fdatasync'd segment log with its blake3 hash
//! chain, the rebuildable sled index, JSON Lines input and verification.
//!
//! **Invariant:** an append that returned `Ok` is on disk (fdatasync) and
//! survives a crash; a batch is appended whole or not at all; nothing is ever
//! rewritten except an unacknowledged torn tail, which is moved aside, not
//! deleted. See `docs/FORMAT.md` and `docs/DESIGN.md`.
#![deny(missing_docs)]

pub mod chain;
pub mod checkpoint;
pub mod decode;
pub mod encoding;
pub mod event;
pub mod index;
mod indexer;
pub mod input;
pub mod merkle;
pub mod segment;
pub mod semantics;
pub mod signing;
pub mod store;
pub mod tiles;
pub mod time;
pub mod verify;
pub mod vocab;
