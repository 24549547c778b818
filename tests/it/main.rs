//! herald's integration tests: one binary, one shared harness, one module per area.

mod cli;
mod content_limits;
mod faults;
mod feeds;
mod ids;
mod properties;
mod regression;
mod support;
