//! herald's integration tests: one binary, one shared harness.

mod cli;
mod ids;
mod support;
