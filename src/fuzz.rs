//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz), which reach parsers that
//! are not part of the library's API. [`check`] takes any bytes, runs one parser on
//! them and asserts what must hold of its answer: a fuzz target is one call.
//! Not part of the API: hidden from the documentation, and free to change.

use std::collections::HashSet;
use std::path::Path;

use crate::config::Config;
use crate::content::Article;
use crate::error::Diagnostic;
use crate::inbound::{Addresses, Class, Kind, classify, source};
use crate::serve::webhooks::{Effect, Refusal, mailgun, postmark, sendgrid, ses, sns};

/// One Markdown file's bytes, typed as the loader types them: the article (if its front
/// matter is usable) and every problem found, each naming `path`.
pub fn parse_article(
    path: &Path,
    bytes: &[u8],
    config: &Config,
) -> (Option<Article>, Vec<Diagnostic>) {
    let parsed = crate::content::parse(path, bytes, config);
    (parsed.article, parsed.diagnostics)
}

/// Runs the checks of the fuzz target named `target` (its file name in
/// `fuzz/fuzz_targets/`, e.g. `webhook_ses`) on `data`. Panics when one fails, or when
/// there is no such target.
pub fn check(target: &str, data: &[u8]) {
    match target {
        "csv_import" => check_csv_import(data),
        "inbound" => check_inbound(data),
        "webhook_mailgun" => check_webhook_mailgun(data),
        "webhook_postmark" => check_webhook_postmark(data),
        "webhook_sendgrid" => check_webhook_sendgrid(data),
        "webhook_ses" => check_webhook_ses(data),
        other => panic!("no fuzz target {other:?}"),
    }
}

/// Any bytes as a subscriber export: never a panic; every accepted row is a valid
/// address, appears once (case-insensitively), and names a real line; so does every
/// rejected record; a name has no control character but line breaks and is trimmed.
fn check_csv_import(data: &[u8]) {
    let Ok(report) = crate::newsletter::parse_csv(data) else {
        return;
    };
    let text = std::str::from_utf8(data).expect("accepted input is UTF-8");
    let lines = text.replace("\r\n", "\n").split(['\r', '\n']).count();
    let mut seen = HashSet::new();
    for row in &report.rows {
        assert_eq!(
            crate::address::normalize(&row.email).as_ref(),
            Ok(&row.email)
        );
        assert!(
            seen.insert(crate::address::key(&row.email)),
            "duplicate {}",
            row.email
        );
        assert!(
            row.line >= 2 && row.line <= lines,
            "line {} of {lines}",
            row.line
        );
        assert!(!row.email.contains(['\r', '\n']));
        if let Some(name) = &row.name {
            assert!(!name.is_empty() && name.trim() == name, "{name:?}");
            assert!(!name.contains(crate::name::unwanted), "{name:?}");
        }
    }
    for problem in &report.problems {
        assert!(
            problem.line >= 2 && problem.line <= lines,
            "{problem:?} of {lines}"
        );
    }
}

/// Any bytes as a received message (also as an mbox): never a panic; the key is a
/// Message-ID in brackets or a SHA-256; every token is 32 lowercase hex digits and
/// every address a bare lowercase `x@y`; a hard failure never has a temporary (4.x.x)
/// status, and a bounce names at least one failure.
fn check_inbound(data: &[u8]) {
    let addresses = Addresses {
        bounce: Some("bounces@example.com".into()),
        unsubscribe: Some("unsubscribe@example.com".into()),
    };
    check_message(data, &addresses);
    let mut mbox = source::Mbox::new(data, 4096);
    while let Ok(Some(message)) = mbox.next_message() {
        assert!(message.bytes.len() <= 4096);
        check_message(&message.bytes, &addresses);
    }
}

fn check_message(data: &[u8], addresses: &Addresses) {
    let classified = classify(data, addresses, &[]);
    let key = &classified.key;
    assert!(
        (key.starts_with('<') && key.ends_with('>')) || key.starts_with("sha256:"),
        "{key}"
    );
    let who = match &classified.kind {
        Kind::Bounce { who, failures } => {
            assert!(!failures.is_empty());
            for failure in failures {
                if failure.class == Class::Hard
                    && let Some(code) = &failure.status
                {
                    assert!(!code.starts_with("4."), "{code}");
                }
            }
            Some(who)
        }
        Kind::Complaint { who, .. } | Kind::Unsubscribe { who } => Some(who),
        _ => None,
    };
    if let Some(who) = who {
        for token in &who.tokens {
            assert!(
                token.len() == 32
                    && token
                        .bytes()
                        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
                "{token}"
            );
        }
        for address in &who.addresses {
            assert!(
                address.contains('@') && !address.contains(char::is_whitespace),
                "{address}"
            );
            assert_eq!(address, &address.to_lowercase());
        }
    }
}

/// Any bytes as a Mailgun webhook body: never a panic; a parsed callback's report has
/// an id and at most one recipient, and its effect matches the event's name.
fn check_webhook_mailgun(data: &[u8]) {
    let Ok(callback) = mailgun::Callback::parse(data) else {
        return;
    };
    match callback.report() {
        Ok(report) => {
            assert!(!report.id.is_empty());
            assert!(report.recipients.len() <= 1);
            let event = callback.event_data["event"].as_str();
            match report.effect {
                Effect::Hard | Effect::Soft => assert_eq!(event, Some("failed")),
                Effect::Complaint(_) => assert_eq!(event, Some("complained")),
                Effect::Nothing => {}
            }
        }
        Err(Refusal::Unreadable(why)) => assert!(!why.is_empty()),
        Err(Refusal::Unauthorized(_)) => panic!("a parsed callback's event is never unsigned"),
    }
}

/// Any bytes as a Postmark webhook body: never a panic; a readable bounce or complaint
/// has an id and at most one recipient, and only a `Bounce` or `SpamComplaint` record
/// changes anything.
fn check_webhook_postmark(data: &[u8]) {
    let Ok(callback) = postmark::Callback::parse(data) else {
        return;
    };
    if let Ok(report) = callback.report() {
        assert!(report.recipients.len() <= 1);
        if report.effect != Effect::Nothing {
            assert!(!report.id.is_empty());
            assert!(matches!(
                callback.record_type.as_str(),
                "Bounce" | "SpamComplaint"
            ));
        }
    }
}

/// Any bytes as a SendGrid Event Webhook batch: never a panic; each event's report
/// changes something only with an `sg_event_id`, and only for `bounce`, `dropped` or
/// `spamreport`.
fn check_webhook_sendgrid(data: &[u8]) {
    let Ok(events) = sendgrid::parse(data) else {
        return;
    };
    for event in &events {
        let report = event.report();
        assert!(report.recipients.len() <= 1);
        if report.effect != Effect::Nothing {
            assert!(!report.id.is_empty());
            assert!(matches!(
                event.event.as_str(),
                "bounce" | "dropped" | "spamreport"
            ));
        }
    }
}

/// Any bytes as an SNS delivery to `POST /webhooks/ses`, and as the SES notification
/// in its `Message`: never a panic; a readable envelope of a known `Type` has a string
/// to sign that holds its `MessageId` and `TopicArn`; a notification's report has an id,
/// and a status it carries is an enhanced status code.
fn check_webhook_ses(data: &[u8]) {
    if let Ok(envelope) = sns::Envelope::parse(data) {
        if let Ok(text) = envelope.string_to_sign() {
            assert!(text.contains(&format!("MessageId\n{}\n", envelope.message_id)));
            assert!(text.contains(&format!("TopicArn\n{}\n", envelope.topic_arn)));
            assert!(text.ends_with(&format!("Type\n{}\n", envelope.kind)));
        }
        check_ses_notification(&envelope.message, &envelope.message_id);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check_ses_notification(text, "sns-id");
    }
}

fn check_ses_notification(message: &str, sns_id: &str) {
    match ses::report(message, sns_id) {
        Ok(report) => {
            assert!(!report.id.is_empty() || sns_id.is_empty());
            if report.effect == Effect::Nothing {
                return;
            }
            for recipient in &report.recipients {
                if let Some(status) = &recipient.status {
                    assert!(status.split('.').count() == 3, "{status}");
                }
            }
        }
        Err(Refusal::Unreadable(why)) => assert!(!why.is_empty()),
        Err(Refusal::Unauthorized(_)) => panic!("a notification is never refused as unsigned"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in `dir` (relative to the crate), read.
    fn files(dir: &str) -> Vec<Vec<u8>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        assert!(!paths.is_empty(), "no files in {}", dir.display());
        paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    #[test]
    fn the_checks_hold_on_the_test_corpora() {
        for message in files("tests/fixtures/bounces/flufl")
            .into_iter()
            .chain(files("tests/it/fixtures/inbound"))
        {
            check("inbound", &message);
        }
        for export in files("tests/it/fixtures/import") {
            check("csv_import", &export);
        }
        let odd: [&[u8]; 5] = [
            b"",
            b"{}",
            b"[]",
            b"{\"Type\":\"Notification\"}",
            &[0xff, 0, b'{'],
        ];
        for data in odd {
            for target in [
                "webhook_mailgun",
                "webhook_postmark",
                "webhook_sendgrid",
                "webhook_ses",
            ] {
                check(target, data);
            }
        }
    }

    #[test]
    #[should_panic(expected = "no fuzz target \"nope\"")]
    fn an_unknown_target_is_refused() {
        check("nope", b"");
    }
}
