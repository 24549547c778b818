//! `herald doctor`: is this setup likely to reach inboxes? SPF, DKIM and DMARC for the
//! `From:` domain, one-click unsubscribe, and the SMTP relay, one finding per line, each
//! with its level and the fix.
//!
//! The checks in `spf`, `dkim` and `dmarc` are pure: they take what DNS answered through
//! a small `Dns` trait, so they are unit-tested with literal records. `resolver` is the
//! one real DNS client (hickory), `relay` the one SMTP probe (lettre).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = herald::Config::load(std::path::Path::new("herald.yaml"))?;
//! let report = herald::doctor::run(&config, &herald::config::Secrets::from_env(), &Default::default());
//! for finding in &report.findings {
//!     println!("{finding}"); // e.g. "error dmarc: no DMARC record at _dmarc.example.com: add …"
//! }
//! std::process::exit(i32::from(report.has_errors()));
//! # }
//! ```

mod dkim;
mod dmarc;
mod finding;
mod relay;
mod resolver;
mod setup;
mod spf;
mod tags;

use std::net::SocketAddr;
use std::time::Duration;

use crate::config::{Config, Secrets};

pub use finding::{Check, Finding, Level, Report};
use resolver::Resolver;

/// What DNS answered for the TXT records at one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The TXT records, each one string (a record split into several strings is joined).
    Records(Vec<String>),
    /// The name does not exist, or has no TXT record.
    Missing,
    /// No usable answer: timeout, SERVFAIL, refused, no server reachable.
    Failed(String),
}

/// Looks up TXT records; the real one is [`Resolver`], tests pass a map.
pub(crate) trait Dns {
    /// The TXT records at `name` (a domain name without the trailing dot).
    fn txt(&self, name: &str) -> Answer;
}

/// How `herald doctor` reaches the outside world.
#[derive(Debug, Clone)]
pub struct Options {
    /// The DNS server to ask (`--dns`); `None` means the system resolver.
    pub dns_server: Option<SocketAddr>,
    /// How long to wait for each DNS answer and for the relay.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dns_server: None,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Runs every check: the configuration, DNS (SPF, DKIM, DMARC) and the relay. Never
/// fails: what cannot be checked is itself a finding.
pub fn run(config: &Config, secrets: &Secrets, options: &Options) -> Report {
    let mut report = Report::default();
    let from_domain = setup::from_domain(config, &mut report);
    setup::unsubscribe(config, &mut report);
    if let Some(domain) = &from_domain {
        let dns = Resolver::new(options.dns_server, options.timeout);
        check_dns(config, domain, &dns, &mut report);
    }
    relay::check(config, secrets, options.timeout, &mut report);
    report
}

/// The DNS checks for mail from `from_domain`, against any [`Dns`].
pub(crate) fn check_dns(config: &Config, from_domain: &str, dns: &dyn Dns, report: &mut Report) {
    spf::check(from_domain, dns, report);
    match &config.newsletter.dkim {
        Some(settings) => dkim::check(settings, from_domain, dns, report),
        None => dkim::not_configured(from_domain, report),
    }
    dmarc::check(from_domain, dns, report);
}

#[cfg(test)]
pub(crate) mod testing {
    use std::collections::HashMap;

    use super::{Answer, Dns};

    /// A fixed set of TXT records; a name absent from it is [`Answer::Missing`].
    #[derive(Default)]
    pub(crate) struct Zone(pub HashMap<String, Answer>);

    impl Zone {
        pub(crate) fn with(mut self, name: &str, records: &[&str]) -> Zone {
            let records = records.iter().map(|r| r.to_string()).collect();
            self.0.insert(name.to_string(), Answer::Records(records));
            self
        }

        pub(crate) fn failing(mut self, name: &str, why: &str) -> Zone {
            self.0.insert(name.to_string(), Answer::Failed(why.into()));
            self
        }
    }

    impl Dns for Zone {
        fn txt(&self, name: &str) -> Answer {
            self.0.get(name).cloned().unwrap_or(Answer::Missing)
        }
    }
}
