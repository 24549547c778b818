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
//! let mut secrets = herald::config::Secrets::default();
//! secrets.smtp_password = std::env::var("HERALD_SMTP_PASSWORD").ok();
//! let report = herald::doctor::run(&config, &secrets, &Default::default());
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
#[non_exhaustive]
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
    setup::webhooks(config, secrets, &mut report);
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
    // With VERP the envelope sender is the bounce address: receivers check SPF there.
    if let Some(bounce_domain) = bounce_domain(config).filter(|d| d != from_domain) {
        spf::check(&bounce_domain, dns, report);
        if !aligned(&bounce_domain, from_domain) {
            report.push(
                Level::Warn,
                Check::Spf,
                format!("newsletter.bounce_address is at {bounce_domain}, which does not align with the From: domain {from_domain}: SPF cannot carry DMARC, so DKIM must (sign with d={from_domain}), or use a bounce address under {from_domain}"),
            );
        }
    }
    match &config.newsletter.dkim {
        Some(settings) => dkim::check(settings, from_domain, dns, report),
        None => dkim::not_configured(from_domain, report),
    }
    dmarc::check(from_domain, dns, report);
}

/// The lowercased domain of `newsletter.bounce_address`, when one is set.
fn bounce_domain(config: &Config) -> Option<String> {
    let address = config.newsletter.bounce_address.as_deref()?;
    let (_, domain) = address.trim().rsplit_once('@')?;
    Some(domain.trim_end_matches('>').to_ascii_lowercase())
}

/// Relaxed DMARC alignment, approximated without the public suffix list: one domain is
/// the other or a subdomain of it.
fn aligned(a: &str, b: &str) -> bool {
    let sub = |x: &str, y: &str| x == y || x.ends_with(&format!(".{y}"));
    sub(a, b) || sub(b, a)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::testing::Zone;
    use super::*;

    fn config(bounce: &str) -> Config {
        let yaml = format!(
            "site:\n  title: T\n  url: https://example.com/\n  description: D\nnewsletter:\n  from: news@example.com\n  bounce_address: {bounce}\n"
        );
        Config::from_yaml(yaml.as_bytes(), Path::new("herald.yaml")).unwrap()
    }

    fn spf_lines(report: &Report) -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.check == Check::Spf)
            .map(|f| f.message.clone())
            .collect()
    }

    #[test]
    fn the_bounce_domain_gets_its_own_spf_check_and_an_alignment_warning() {
        let zone = Zone::default().with("example.com", &["v=spf1 -all"]);
        let mut report = Report::default();
        check_dns(
            &config("bounces@mail.example.net"),
            "example.com",
            &zone,
            &mut report,
        );
        let lines = spf_lines(&report);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("no SPF record for mail.example.net")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("does not align")),
            "{lines:?}"
        );
    }

    #[test]
    fn a_bounce_subdomain_is_aligned_and_checked() {
        let zone = Zone::default()
            .with("example.com", &["v=spf1 -all"])
            .with("bounce.example.com", &["v=spf1 -all"]);
        let mut report = Report::default();
        check_dns(
            &config("b@bounce.example.com"),
            "example.com",
            &zone,
            &mut report,
        );
        let lines = spf_lines(&report);
        assert!(
            !lines.iter().any(|l| l.contains("does not align")),
            "{lines:?}"
        );
        assert!(
            !lines.iter().any(|l| l.contains("no SPF record")),
            "{lines:?}"
        );
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use std::collections::HashMap;

    use super::{Answer, Dns, Level, Report};

    /// Each finding of `report` as its level and message, for assertions.
    pub(crate) fn findings(report: Report) -> Vec<(Level, String)> {
        report
            .findings
            .into_iter()
            .map(|f| (f.level, f.message))
            .collect()
    }

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
