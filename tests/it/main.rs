//! CLI integration tests: one test binary, one module per concern.

mod audit;
mod availability;
mod cli;
mod crash;
mod evidence;
mod month_snapshots;
mod replay;
mod report;
mod support;
