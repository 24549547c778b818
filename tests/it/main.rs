//! herald's integration tests: one binary, one shared harness, one module per area.

mod browser;
mod cli;
mod content_limits;
mod dns_server;
mod doctor;
mod faults;
mod feed_browser;
mod feed_budget;
mod feed_validity;
mod feed_view;
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
mod theme;
mod websub;
