//! What `herald.yaml` alone tells: the `From:` domain, and the unsubscribe headers
//! Gmail and Yahoo ask bulk senders for.

use super::{Check, Level, Report};
use crate::config::Config;

/// The domain of `newsletter.from`, or an error finding saying how to set it.
pub(super) fn from_domain(config: &Config, report: &mut Report) -> Option<String> {
    let file = config.file.display();
    let Some(from) = config.newsletter.from.as_deref() else {
        report.push(
            Level::Error,
            Check::Config,
            format!("{file}: newsletter.from is not set, so there is no domain to check: add `newsletter:` with `from: \"Site <news@example.com>\"`"),
        );
        return None;
    };
    match from.parse::<lettre::message::Mailbox>() {
        Ok(mailbox) => {
            let domain = mailbox
                .email
                .domain()
                .trim_end_matches('.')
                .to_ascii_lowercase();
            report.push(
                Level::Ok,
                Check::Config,
                format!("mail is sent from {} (domain {domain})", mailbox.email),
            );
            Some(domain)
        }
        Err(e) => {
            report.push(
                Level::Error,
                Check::Config,
                format!("{file}: newsletter.from {from:?} is not a mailbox ({e}): use `Site <news@example.com>` or `news@example.com`"),
            );
            None
        }
    }
}

/// One-click unsubscribe (RFC 8058) needs an https URL; a `mailto:` alone is not enough
/// for Gmail and Yahoo.
pub(super) fn unsubscribe(config: &Config, report: &mut Report) {
    let file = config.file.display();
    match config.unsubscribe_url() {
        Some(url) if url.starts_with("https://") => report.push(
            Level::Ok,
            Check::Config,
            format!("one-click unsubscribe (List-Unsubscribe-Post) at {url}"),
        ),
        Some(url) => report.push(
            Level::Warn,
            Check::Config,
            format!("{file}: the unsubscribe URL {url} is not https, and mailbox providers only honour one-click unsubscribe over https: serve it over https"),
        ),
        None if config.newsletter.unsubscribe_mailto.is_some() => report.push(
            Level::Warn,
            Check::Config,
            format!("{file}: only a mailto: unsubscribe is set; Gmail and Yahoo require one-click unsubscribe from bulk senders: set serve.public_url (herald serve answers it) or newsletter.unsubscribe_url"),
        ),
        None => report.push(
            Level::Error,
            Check::Config,
            format!("{file}: no unsubscribe link is set, so herald send refuses to send: set serve.public_url (herald serve answers it) or newsletter.unsubscribe_url"),
        ),
    }
}
