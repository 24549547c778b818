//! herald's integration tests: one binary, one shared harness.

mod cli;
mod newsletter;
mod newsletter_dkim;
mod smtp_server;
mod support;
