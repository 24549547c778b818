//! herald's integration tests: one binary, one shared harness, one module per area.

mod cli;
mod content_limits;
mod faults;
mod feeds;
mod golden;
mod hardening;
mod ids;
mod import;
mod inbound;
mod newsletter;
mod newsletter_dkim;
mod properties;
mod regression;
mod serve;
mod serve_files;
mod smtp_server;
mod support;
