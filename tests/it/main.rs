//! CLI integration tests: one test binary, one module per command family.

mod support;
