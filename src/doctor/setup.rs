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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Secrets;

    fn findings(smtp_url: &str, secrets: Secrets) -> Vec<(Level, String)> {
        let yaml = "site:\n  title: T\n  url: https://example.com/\n  description: D\n";
        let config = Config::from_yaml(yaml.as_bytes(), Path::new("herald.yaml")).unwrap();
        let secrets = Secrets {
            smtp_url: Some(smtp_url.into()),
            ..secrets
        };
        let mut report = Report::default();
        webhooks(&config, &secrets, &mut report);
        report
            .findings
            .iter()
            .map(|f| (f.level, f.message.clone()))
            .collect()
    }

    #[test]
    fn a_relay_whose_webhook_is_off_is_a_warning() {
        for (url, relay) in [
            (
                "smtp://email-smtp.us-east-1.amazonaws.com:587",
                "Amazon SES",
            ),
            ("smtp://smtp.mailgun.org:587", "Mailgun"),
            ("smtp://smtp.postmarkapp.com:587", "Postmark"),
            ("smtp://smtp.sendgrid.net:587", "SendGrid"),
        ] {
            let found = findings(url, Secrets::default());
            assert!(
                found
                    .iter()
                    .any(|(level, m)| *level == Level::Warn && m.contains(relay)),
                "{url}: {found:?}"
            );
        }
        let on = Secrets {
            mailgun_signing_key: Some("key".into()),
            ..Secrets::default()
        };
        let found = findings("smtp://smtp.mailgun.org:587", on);
        assert!(
            found.iter().all(|(level, _)| *level == Level::Ok),
            "{found:?}"
        );
        let found = findings("smtp://mail.example.com:587", Secrets::default());
        assert!(
            found.iter().all(|(level, _)| *level == Level::Ok),
            "{found:?}"
        );
    }
}
