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

/// Which relay webhooks `herald serve` answers, and a warning when mail goes through a
/// relay whose webhook is off (its bounces and complaints are then lost, unless they
/// reach `herald inbound` as mail).
pub(super) fn webhooks(config: &Config, secrets: &crate::config::Secrets, report: &mut Report) {
    let webhooks = match crate::serve::webhooks::Webhooks::of(config, secrets) {
        Ok(webhooks) => webhooks,
        Err(problem) => {
            report.push(Level::Error, Check::Config, problem.to_string());
            return;
        }
    };
    let on = webhooks.on();
    if on.is_empty() {
        report.push(
            Level::Ok,
            Check::Config,
            "no relay webhooks are on (herald serve answers /webhooks/ses, /mailgun, /postmark, /sendgrid once configured: docs/inbound.md)",
        );
    } else {
        report.push(
            Level::Ok,
            Check::Config,
            format!(
                "relay webhooks on in herald serve: POST {}",
                on.join(", POST ")
            ),
        );
    }
    let smtp = secrets
        .smtp_url
        .as_deref()
        .or(config.smtp.as_ref().and_then(|s| s.url.as_deref()))
        .unwrap_or("");
    let host = url::Url::parse(smtp)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    for (relay, part, path, how) in [
        (
            "Amazon SES",
            ".amazonaws.com",
            "/webhooks/ses",
            "list its SNS topic in serve.webhooks.ses_topic_arns",
        ),
        (
            "Mailgun",
            "mailgun.org",
            "/webhooks/mailgun",
            "set HERALD_MAILGUN_SIGNING_KEY",
        ),
        (
            "Postmark",
            "postmarkapp.com",
            "/webhooks/postmark",
            "set HERALD_POSTMARK_WEBHOOK_USER and HERALD_POSTMARK_WEBHOOK_PASSWORD",
        ),
        (
            "SendGrid",
            "sendgrid.net",
            "/webhooks/sendgrid",
            "set HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY",
        ),
    ] {
        if host.ends_with(part) && !on.contains(&path) {
            report.push(
                Level::Warn,
                Check::Config,
                format!("mail goes through {relay} ({host}) but POST {path} is off, so its bounces and complaints are lost unless they reach `herald inbound`: {how} (docs/inbound.md)"),
            );
        }
    }
}
