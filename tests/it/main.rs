//! herald's integration tests: one binary, one shared harness.

mod cli;
mod newsletter;
mod smtp_server;
mod support;
