//! What a received message is: a delivery status notification, a feedback (spam
//! complaint) report, an unsubscribe request, an auto-reply, or something else. Pure:
//! bytes in, a [`Classified`] out, never an error and never a panic.

use mail_parser::{HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use super::fields::{self, Block};
use crate::mail::verp;

/// The addresses herald receives mail at, from `herald.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Addresses {
    /// `newsletter.bounce_address` (VERP base), e.g. `bounces@example.com`.
    pub bounce: Option<String>,
    /// `newsletter.unsubscribe_mailto`, e.g. `unsubscribe@example.com`.
    pub unsubscribe: Option<String>,
}

/// A received message, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// What the message is remembered by: `<Message-ID>`, or `sha256:…` of its bytes
    /// when it has none.
    pub key: String,
    /// What it is.
    pub kind: Kind,
}

/// How a recipient's failure counts against the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// The mailbox or domain does not exist or has moved.
    Hard,
    /// Anything else that failed: counted only.
    Soft,
}

/// One recipient a bounce report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The recipient's address as the report gives it, lowercased.
    pub address: Option<String>,
    /// How it counts.
    pub class: Class,
    /// The enhanced status code (`5.1.1`), when known.
    pub status: Option<String>,
    /// The server's own words, on one line.
    pub words: Option<String>,
}

/// The ARF feedback types that unsubscribe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feedback {
    /// A spam complaint (`abuse`).
    Abuse,
    /// An unsubscribe passed on by the mailbox provider (`opt-out`).
    OptOut,
}

/// What a message is, with what identifies the subscriber it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A report that one or more recipients could not be reached; `failures` is never
    /// empty.
    Bounce {
        /// Tokens and reported addresses of the recipient.
        who: Who,
        /// One entry per failed recipient.
        failures: Vec<Failure>,
    },
    /// An ARF feedback report (RFC 5965) of type `abuse` or `opt-out`.
    Complaint {
        /// Tokens and reported addresses of the complainant.
        who: Who,
        /// Which.
        feedback: Feedback,
    },
    /// A feedback report of another type (`not-spam`, `auth-failure`, …): logged only.
    OtherFeedback {
        /// The `Feedback-Type`.
        feedback_type: String,
    },
    /// A DSN that reports delivered, relayed or expanded, or a delay warning.
    Notice {
        /// The first status given.
        status: Option<String>,
    },
    /// A message to the unsubscribe address.
    Unsubscribe {
        /// The token in the recipient address or subject, and the `From:` address.
        who: Who,
    },
    /// An auto-reply (`Auto-Submitted`, vacation messages).
    AutoReply,
    /// Anything else, including bytes that are not a message.
    Other,
}

impl Kind {
    /// A short name for logs and JSON: `bounce`, `complaint`, `feedback`, `notice`,
    /// `unsubscribe`, `auto-reply`, `other`.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Bounce { .. } => "bounce",
            Kind::Complaint { .. } => "complaint",
            Kind::OtherFeedback { .. } => "feedback",
            Kind::Notice { .. } => "notice",
            Kind::Unsubscribe { .. } => "unsubscribe",
            Kind::AutoReply => "auto-reply",
            Kind::Other => "other",
        }
    }
}

/// What may identify the subscriber a message is about, most certain first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    /// Unsubscribe tokens (VERP, List-Unsubscribe, subject), lowercase, deduplicated.
    pub tokens: Vec<String>,
    /// Addresses the report names, lowercase, deduplicated.
    pub addresses: Vec<String>,
}

impl Who {
    fn token(&mut self, token: String) {
        if !self.tokens.contains(&token) {
            self.tokens.push(token);
        }
    }

    fn address(&mut self, address: Option<String>) {
        if let Some(address) = address
            && !self.addresses.contains(&address)
        {
            self.addresses.push(address);
        }
    }
}

/// Classifies `raw`. `recipients` are envelope recipients known from outside the
/// message (e.g. `--recipient ${recipient}` from a Postfix pipe).
pub fn classify(raw: &[u8], addresses: &Addresses, recipients: &[String]) -> Classified {
    let parsed = MessageParser::new().parse(raw);
    let key = key(parsed.as_ref(), raw);
    let kind = parsed
        .as_ref()
        .filter(|m| !m.headers().is_empty())
        .map_or(Kind::Other, |m| kind(m, addresses, recipients));
    Classified { key, kind }
}

/// `<Message-ID>`, or a hash of the bytes.
fn key(message: Option<&Message<'_>>, raw: &[u8]) -> String {
    match message.and_then(Message::message_id) {
        Some(id) if !id.trim().is_empty() && id.len() <= 998 => format!("<{}>", id.trim()),
        _ => {
            let digest = Sha256::digest(raw);
            format!("sha256:{}", crate::mail::unsubscribe::encode_hex(&digest))
        }
    }
}

fn kind(message: &Message<'_>, addresses: &Addresses, recipients: &[String]) -> Kind {
    let envelope = envelope_recipients(message, recipients);
    if let Some(report) = part_of_type(message, &["delivery-status", "global-delivery-status"]) {
        return dsn(message, report, addresses, &envelope);
    }
    if let Some(report) = part_of_type(message, &["feedback-report"]) {
        return feedback(message, report, addresses, &envelope);
    }
    if let Some(failed) = message.header_raw("X-Failed-Recipients") {
        return exim(failed, addresses, &envelope);
    }
    if auto_reply(message) {
        return Kind::AutoReply;
    }
    match unsubscribe(message, addresses, &envelope) {
        Some(who) => Kind::Unsubscribe { who },
        None => Kind::Other,
    }
}

/// The addresses a message was delivered to: given from outside, then `Delivered-To`,
/// `X-Original-To`, `Envelope-To`, `X-Envelope-To`, `To` and `Cc`, lowercase.
fn envelope_recipients(message: &Message<'_>, recipients: &[String]) -> Vec<String> {
    let mut found: Vec<String> = recipients
        .iter()
        .filter_map(|r| fields::address(r))
        .collect();
    let headers = Block::from_raw(message.headers_raw());
    for name in [
        "Delivered-To",
        "X-Original-To",
        "Envelope-To",
        "X-Envelope-To",
    ] {
        for value in headers.all(name) {
            found.extend(value.split(',').filter_map(fields::address));
        }
    }
    for address in [message.to(), message.cc()].into_iter().flatten() {
        found.extend(
            address
                .iter()
                .filter_map(|a| a.address())
                .filter_map(fields::address),
        );
    }
    found
}

/// The first top-level `message/<subtype>` part with one of `subtypes`.
fn part_of_type<'a>(message: &'a Message<'a>, subtypes: &[&str]) -> Option<&'a MessagePart<'a>> {
    message.parts.iter().find(|part| {
        part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct
                    .subtype()
                    .is_some_and(|s| subtypes.iter().any(|t| s.eq_ignore_ascii_case(t)))
        })
    })
}

/// VERP tokens among `envelope` addresses.
fn verp_tokens(envelope: &[String], base: Option<&str>, who: &mut Who) {
    let Some(base) = base else { return };
    for address in envelope {
        if let Some(token) = verp::token_in(address, base) {
            who.token(token);
        }
    }
}

fn dsn(
    message: &Message<'_>,
    report: &MessagePart<'_>,
    addresses: &Addresses,
    envelope: &[String],
) -> Kind {
    let mut who = Who::default();
    verp_tokens(envelope, addresses.bounce.as_deref(), &mut who);
    let blocks = fields::blocks(report.contents());
    let mut failures = Vec::new();
    let mut status = None;
    // The first block is about the message; the others, one per recipient.
    for block in blocks.iter().skip(1) {
        let code = recipient_status(block);
        if let Some(code) = &code {
            status.get_or_insert_with(|| code.clone());
        }
        if code.as_deref().is_some_and(|c| c.starts_with('5')) {
            let address = block
                .get("Final-Recipient")
                .and_then(fields::address)
                .or_else(|| block.get("Original-Recipient").and_then(fields::address));
            who.address(address.clone());
            let hard = code
                .as_deref()
                .is_some_and(|c| ["5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10"].contains(&c));
            failures.push(Failure {
                address,
                class: if hard { Class::Hard } else { Class::Soft },
                status: code,
                words: block.get("Diagnostic-Code").map(str::to_string),
            });
        }
    }
    // The original's headers may carry the VERP sender or the List-Unsubscribe token.
    if let Some(original) = original_headers(message) {
        original_tokens(&original, addresses, &mut who);
    }
    if failures.is_empty() {
        return Kind::Notice { status };
    }
    Kind::Bounce { who, failures }
}

/// A recipient block's status: `Status:` (`5.1.1`), or from `Action:` when the status
/// is missing or malformed (`failed` → `5.0.0`, `delayed` → `4.0.0`).
fn recipient_status(block: &Block) -> Option<String> {
    let status = block
        .get("Status")
        .and_then(|s| s.split_whitespace().next())
        .filter(|s| {
            let mut parts = s.split('.');
            matches!(parts.next(), Some("2" | "4" | "5"))
                && parts.clone().count() == 2
                && parts
                    .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(str::to_string);
    status.or_else(
        || match block.get("Action")?.to_ascii_lowercase().as_str() {
            "failed" => Some("5.0.0".into()),
            "delayed" => Some("4.0.0".into()),
            _ => None,
        },
    )
}

fn feedback(
    message: &Message<'_>,
    report: &MessagePart<'_>,
    addresses: &Addresses,
    envelope: &[String],
) -> Kind {
    let blocks = fields::blocks(report.contents());
    let first = blocks.first().cloned().unwrap_or_default();
    let feedback_type = first
        .get("Feedback-Type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let feedback = match feedback_type.as_str() {
        "abuse" | "complaint" => Feedback::Abuse,
        "opt-out" => Feedback::OptOut,
        _ => return Kind::OtherFeedback { feedback_type },
    };
    let mut who = Who::default();
    verp_tokens(envelope, addresses.bounce.as_deref(), &mut who);
    let mut senders = Vec::new();
    for block in &blocks {
        senders.extend(block.all("Original-Mail-From").filter_map(fields::address));
    }
    verp_tokens(&senders, addresses.bounce.as_deref(), &mut who);
    let original = original_headers(message);
    if let Some(original) = &original {
        original_tokens(original, addresses, &mut who);
    }
    for block in &blocks {
        for name in ["Original-Rcpt-To", "Removal-Recipient"] {
            for value in block.all(name) {
                who.address(fields::address(value));
            }
        }
    }
    if let Some(original) = &original {
        for value in original.all("To") {
            who.address(bare_address(value));
        }
    }
    Kind::Complaint { who, feedback }
}

/// Exim's bounces name the failed recipients in `X-Failed-Recipients`; Exim sends the
/// header only when delivery failed for good.
fn exim(failed: &str, addresses: &Addresses, envelope: &[String]) -> Kind {
    let mut who = Who::default();
    verp_tokens(envelope, addresses.bounce.as_deref(), &mut who);
    let mut failures = Vec::new();
    for address in failed.split(',') {
        let address = fields::address(address);
        who.address(address.clone());
        failures.push(Failure {
            address,
            class: Class::Soft,
            status: None,
            words: None,
        });
    }
    Kind::Bounce { who, failures }
}

/// The headers of the original message a report returns (`message/rfc822`,
/// `message/global` or `text/rfc822-headers`).
fn original_headers(message: &Message<'_>) -> Option<Block> {
    message.parts.iter().find_map(|part| match &part.body {
        PartType::Message(original) => Some(Block::from_raw(original.headers_raw())),
        PartType::Text(text)
            if part.content_type().is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case("text")
                    && ct
                        .subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
            }) =>
        {
            Some(fields::header_block(text.as_bytes()))
        }
        _ => None,
    })
}

/// Tokens in the original message's headers: its VERP `Return-Path`, and any token in
/// its `List-Unsubscribe` links.
fn original_tokens(original: &Block, addresses: &Addresses, who: &mut Who) {
    let senders: Vec<String> = original
        .all("Return-Path")
        .filter_map(fields::address)
        .collect();
    verp_tokens(&senders, addresses.bounce.as_deref(), who);
    for value in original.all("List-Unsubscribe") {
        for token in hex_runs(value) {
            who.token(token);
        }
    }
}

/// Every run of exactly 32 hex digits in `text`, lowercase.
fn hex_runs(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|run| verp::is_token(run))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The address in a `To:`-like value: `Name <a@b>` or `a@b`.
fn bare_address(value: &str) -> Option<String> {
    match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => fields::address(&value[open + 1..close]),
        _ => fields::address(value),
    }
}

/// RFC 3834 `Auto-Submitted` (anything but `no`), and the headers vacation programs
/// and Exchange set.
fn auto_reply(message: &Message<'_>) -> bool {
    let text = |name: &str| {
        message
            .header(name)
            .and_then(HeaderValue::as_text)
            .map(|t| t.trim().to_ascii_lowercase())
    };
    text("Auto-Submitted").is_some_and(|v| v != "no")
        || message.header("X-Autoreply").is_some()
        || message.header("X-Autorespond").is_some()
        || text("X-Auto-Response-Suppress").is_some_and(|v| v.contains("oof") || v == "all")
        || text("Precedence").is_some_and(|v| v == "auto_reply")
}

/// A message to the unsubscribe address (or `local+TOKEN@` of it): the token from
/// that address or from the subject, and the sender's address.
fn unsubscribe(message: &Message<'_>, addresses: &Addresses, envelope: &[String]) -> Option<Who> {
    let base = addresses.unsubscribe.as_deref()?;
    let to_us = envelope
        .iter()
        .any(|a| a.eq_ignore_ascii_case(base.trim()) || verp::token_in(a, base).is_some());
    if !to_us {
        return None;
    }
    let mut who = Who::default();
    for address in envelope {
        if let Some(token) = verp::token_in(address, base) {
            who.token(token);
        }
    }
    for token in hex_runs(message.subject().unwrap_or("")) {
        who.token(token);
    }
    if let Some(from) = message.from().and_then(|f| f.first()) {
        who.address(from.address().and_then(fields::address));
    }
    Some(who)
}

#[cfg(test)]
mod tests;

/// The class and enhanced status code of a server's SMTP reply during sending.
pub(crate) fn reply_class(code: u16, text: &str) -> (Class, Option<String>) {
    let status = text
        .split_whitespace()
        .find(|w| w.starts_with(['4', '5']) && w.matches('.').count() == 2)
        .map(|w| w.trim_end_matches([',', ';', ':']).to_string());
    let hard = code >= 500
        && status
            .as_deref()
            .is_some_and(|c| ["5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10"].contains(&c));
    (if hard { Class::Hard } else { Class::Soft }, status)
}
