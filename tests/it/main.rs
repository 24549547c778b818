//! herald's integration tests: one binary, one shared harness, one module per area.

mod archives;
mod cli;
mod content_limits;
mod faults;
mod feed_validity;
mod feeds;
mod golden;
mod hardening;
mod ids;
mod import;
mod newsletter;
mod newsletter_dkim;
mod properties;
mod regression;
mod serve;
mod serve_files;
mod smtp_server;
mod support;
mod tags;
