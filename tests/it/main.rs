//! CLI integration tests: one test binary, one module per concern.

mod availability;
mod cli;
mod crash;
mod replay;
mod report;
mod support;
