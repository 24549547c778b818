//! herald's integration tests: one binary, one shared harness.

mod cli;
mod content_limits;
mod faults;
mod ids;
mod properties;
mod support;
