//! herald's integration tests: one binary, one shared harness.

mod cli;
mod faults;
mod ids;
mod support;
