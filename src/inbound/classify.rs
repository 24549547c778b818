//! What a received message is: a bounce report (RFC 3464 delivery status
//! notifications and the plain-text reports of the common mail servers), a feedback
//! (spam complaint) report, a delivery notice, an unsubscribe request, an
//! auto-reply, or something else. Pure: bytes in, a [`Classified`] out, never an
//! error and never a panic.
//!
//! Parts: [`dsn`] reads RFC 3464 reports, [`plain`] the plain-text ones, [`arf`]
//! feedback reports, [`words`] judges a server's codes and words into a [`Class`],
//! [`auto_reply`] and [`mailto`] the rest; [`text`] finds what to read.

use std::cell::OnceCell;

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders};
use sha2::{Digest, Sha256};

use super::fields::{self, Block};
use crate::mail::verp;

mod arf;
mod auto_reply;
mod dsn;
mod mailto;
mod plain;
mod ses;
mod text;
mod words;

pub(crate) use arf::feedback;

/// The addresses herald receives mail at, from `herald.yaml`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Addresses {
    /// `newsletter.bounce_address` (VERP base), e.g. `bounces@example.com`.
    pub bounce: Option<String>,
    /// `newsletter.unsubscribe_mailto`, e.g. `unsubscribe@example.com`.
    pub unsubscribe: Option<String>,
}

/// A received message, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
pub enum Class {
    /// The mailbox or domain does not exist or has moved (5.1.1, 5.1.2, 5.1.3, 5.1.6,
    /// 5.1.10, and the same meaning in words: "user unknown", "no such user",
    /// "mailbox unavailable", "does not exist", "host not found", …): the address is
    /// suppressed at the first report.
    Hard,
    /// Anything else that failed: mailbox full, message too big, blocked or filtered
    /// by policy or as spam, rate limited, expired / retry timeout, system error,
    /// mailbox disabled or suspended, unknown reason: counted only.
    Soft,
}

/// One recipient a bounce report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// The recipient's address as the report gives it, lowercased (`None` when the
    /// report names none).
    pub address: Option<String>,
    /// How the failure counts.
    pub class: Class,
    /// The enhanced status code (RFC 3463) such as `5.1.1`, given or inferred from
    /// the words or the SMTP reply; `None` when unknown.
    pub status: Option<String>,
    /// The server's own words (the diagnostic or SMTP reply), one line, whitespace
    /// collapsed, at most about 300 characters.
    pub words: Option<String>,
}

/// What a complaint asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Feedback {
    /// The recipient reported the message as spam (`abuse`, the non-standard
    /// `complaint`) or as a fraud (`fraud`).
    Abuse,
    /// The recipient asked to be taken off the list (`opt-out`).
    OptOut,
}

/// What a message is, with what identifies the subscriber it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A report that one or more recipients could not be reached (RFC 3464, or the
    /// plain-text report of a mail server or filter).
    Bounce {
        /// Tokens of the recipient, and the failures' addresses.
        who: Identifiers,
        /// One entry per failed recipient; never empty.
        failures: Vec<Failure>,
    },
    /// An ARF feedback report (RFC 5965) of type `abuse` (also the non-standard
    /// `complaint`), `fraud` (counted as abuse) or `opt-out`.
    Complaint {
        /// Tokens and reported addresses of the complainant.
        who: Identifiers,
        /// What the complaint asks for.
        feedback: Feedback,
    },
    /// A feedback report of any other type (`not-spam`, `auth-failure`, `virus`,
    /// `other`, …): nothing is done.
    OtherFeedback {
        /// The `Feedback-Type`, lowercase.
        feedback_type: String,
    },
    /// A delivery status notification that reports delivered, relayed or expanded
    /// recipients, or a delay warning while the server is still trying: nothing is
    /// done.
    Notice {
        /// The first status given, if any.
        status: Option<String>,
    },
    /// A message to the unsubscribe address.
    Unsubscribe {
        /// The token in the recipient address or subject, and the `From:` address.
        who: Identifiers,
    },
    /// An RFC 3834 auto-reply, a vacation or out-of-office message.
    AutoReply,
    /// Anything else, including bytes that are not a message.
    Other,
}

impl Kind {
    /// A short name for logs and JSON: `bounce`, `complaint`, `feedback`, `notice`,
    /// `unsubscribe`, `auto-reply`, `other`.
    pub(crate) fn name(&self) -> &'static str {
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
#[non_exhaustive]
pub struct Identifiers {
    /// Unsubscribe tokens (VERP, List-Unsubscribe, subject), lowercase, deduplicated.
    pub tokens: Vec<String>,
    /// Addresses the report names, lowercase, deduplicated.
    pub addresses: Vec<String>,
}

impl Identifiers {
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
    let normal = text::normalise(raw);
    let parsed = MessageParser::new().parse(normal.as_ref());
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
            format!("sha256:{}", crate::hex::encode(&digest))
        }
    }
}

/// A message being classified, with what its parts share.
pub(crate) struct Mail<'a> {
    /// The parsed message.
    message: &'a Message<'a>,
    /// herald's own addresses.
    addresses: &'a Addresses,
    /// Its envelope recipients.
    envelope: Vec<String>,
    /// Its human-readable text and where a returned original begins in it, read once.
    readable: OnceCell<(String, usize)>,
}

impl<'a> Mail<'a> {
    fn new(message: &'a Message<'a>, addresses: &'a Addresses, recipients: &[String]) -> Self {
        Mail {
            message,
            addresses,
            envelope: envelope_recipients(message, recipients),
            readable: OnceCell::new(),
        }
    }

    /// The human-readable text, and where the returned original begins in it.
    fn readable(&self) -> (&str, usize) {
        let (text, cut) = self.readable.get_or_init(|| text::readable(self.message));
        (text.as_str(), *cut)
    }

    /// The addresses that are the report's own and never a failed recipient: its
    /// sender and herald's own addresses (`strong`), then, unless `strong` only, its
    /// recipients and the returned original's senders too.
    fn ours(&self, strong: bool) -> Vec<String> {
        let mut ours = Vec::new();
        let names: &[&str] = if strong {
            &["From", "Sender", "Return-Path"]
        } else {
            &[
                "From",
                "Sender",
                "Return-Path",
                "Reply-To",
                "To",
                "Cc",
                "Delivered-To",
            ]
        };
        for name in names {
            for (_, value) in self
                .message
                .headers_raw()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                ours.extend(plain::addresses_in(value));
            }
        }
        ours.extend(
            self.addresses
                .bounce
                .iter()
                .filter_map(|a| fields::address(a)),
        );
        ours.extend(
            self.addresses
                .unsubscribe
                .iter()
                .filter_map(|a| fields::address(a)),
        );
        if strong {
            return ours;
        }
        if let Some(original) = text::original_headers(self.message) {
            for name in ["From", "Sender", "Reply-To", "Return-Path"] {
                for value in original.all(name) {
                    ours.extend(plain::addresses_in(value));
                }
            }
        }
        let (readable, cut) = self.readable();
        ours.extend(plain::quoted_senders(&readable[cut..]));
        ours
    }

    /// Whether `address` is one of herald's own (its bounce or unsubscribe address, or
    /// a VERP form of either).
    fn is_herald(&self, address: &str) -> bool {
        [&self.addresses.bounce, &self.addresses.unsubscribe]
            .into_iter()
            .flatten()
            .any(|base| {
                base.trim().eq_ignore_ascii_case(address) || verp::token_in(address, base).is_some()
            })
    }
}

fn kind(message: &Message<'_>, addresses: &Addresses, recipients: &[String]) -> Kind {
    let mail = Mail::new(message, addresses, recipients);
    if let Some(report) = part_of_type(message, &["delivery-status", "global-delivery-status"]) {
        match dsn::read(&mail, report) {
            Some(Ok(failures)) => return bounce(&mail, failures, dsn::original_recipients(report)),
            Some(Err(status)) => return Kind::Notice { status },
            None => {}
        }
    }
    if let Some(inner) = forwarded_report(message) {
        // Delivered to herald: the outer message's envelope is the one that counts.
        return kind(inner, addresses, &mail.envelope);
    }
    if let Some(report) = part_of_type(message, &["feedback-report"]) {
        return arf::read(&mail, report);
    }
    if let Some(kind) = arf::microsoft(&mail).or_else(|| ses::read(&mail)) {
        return kind;
    }
    let failed: Vec<String> = message
        .header_raw("X-Failed-Recipients")
        .map(|v| v.split(',').filter_map(fields::address).collect())
        .unwrap_or_default();
    if !failed.is_empty() || plain::is_report(message) {
        return match plain::read(&mail, &failed) {
            Ok(failures) => bounce(&mail, failures, Vec::new()),
            Err(status) => Kind::Notice { status },
        };
    }
    let unsubscribe = mailto::read(message, addresses, &mail.envelope);
    // Apple Mail's unsubscribe says Auto-Submitted, and is no auto-reply.
    if let Some(kind) = arf::apple_unsubscribe(&mail) {
        return unsubscribe.map_or(kind, |who| Kind::Unsubscribe { who });
    }
    if auto_reply::is_auto_reply(message) {
        return Kind::AutoReply;
    }
    unsubscribe.map_or(Kind::Other, |who| Kind::Unsubscribe { who })
}

/// A bounce of `failures`: the VERP tokens, the original's tokens, the failures'
/// addresses and then any other address the report gives for them.
fn bounce(mail: &Mail<'_>, failures: Vec<Failure>, also: Vec<String>) -> Kind {
    let mut who = Identifiers::default();
    let base = mail.addresses.bounce.as_deref();
    verp_tokens(&mail.envelope, base, &mut who);
    if let Some(original) = text::original_headers(mail.message) {
        original_tokens(&original, mail.addresses, &mut who);
    } else {
        let (readable, cut) = mail.readable();
        verp_tokens(&plain::quoted_senders(&readable[cut..]), base, &mut who);
    }
    let failures = distinct(failures);
    for failure in &failures {
        who.address(failure.address.clone());
    }
    for address in also {
        who.address(Some(address));
    }
    Kind::Bounce { who, failures }
}

/// `failures` with one entry per address: the first, Soft when any other is.
fn distinct(failures: Vec<Failure>) -> Vec<Failure> {
    let mut kept: Vec<Failure> = Vec::with_capacity(failures.len());
    for failure in failures {
        let same = kept
            .iter_mut()
            .find(|k| k.address.is_some() && k.address == failure.address);
        match same {
            Some(first) if failure.class == Class::Soft => first.class = Class::Soft,
            Some(_) => {}
            None => kept.push(failure),
        }
    }
    kept
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

/// A delivery report forwarded whole inside `message` (a filter's notice wrapped
/// around the server's own report), when `message` has none of its own.
fn forwarded_report<'a>(message: &'a Message<'a>) -> Option<&'a Message<'a>> {
    const REPORTS: [&str; 2] = ["delivery-status", "global-delivery-status"];
    if part_of_type(message, &REPORTS).is_some() {
        return None;
    }
    message
        .parts
        .iter()
        .filter_map(MessagePart::message)
        .find(|inner| part_of_type(inner, &REPORTS).is_some())
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

/// A pattern of the classifier, compiled once (from a `LazyLock`). Word boundaries are
/// ASCII ones: report texts are mostly ASCII, and Unicode word boundaries keep the
/// regex engine off its fast path for every non-ASCII byte.
fn compiled(pattern: &str) -> regex::Regex {
    let ascii = pattern.replace(r"\b", r"(?-u:\b)");
    match regex::Regex::new(&ascii) {
        Ok(regex) => regex,
        // The patterns are constants: the unit tests compile every one of them.
        Err(e) => panic!("classifier pattern {pattern:?}: {e}"),
    }
}

/// VERP tokens among `envelope` addresses.
fn verp_tokens(envelope: &[String], base: Option<&str>, who: &mut Identifiers) {
    let Some(base) = base else { return };
    for address in envelope {
        if let Some(token) = verp::token_in(address, base) {
            who.token(token);
        }
    }
}

/// Tokens in the original message's headers: its VERP `Return-Path`, and any token in
/// its `List-Unsubscribe` links.
fn original_tokens(original: &Block, addresses: &Addresses, who: &mut Identifiers) {
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

/// The class and enhanced status code of a server's SMTP reply during sending (`code`
/// and its text), by the same rules as a bounce report's words.
pub(crate) fn reply_class(code: u16, text: &str) -> (Class, Option<String>) {
    let words = format!("{code} {text}");
    words::judge(None, &words, "in reply to RCPT TO")
}

/// A failure's status and words as a report that is not mail gives them (a relay's
/// webhook): the `status` field when it is an enhanced status code, else the first one
/// in `said`; and `said` on one line, at most about 300 characters.
pub(crate) fn status_and_words(
    status: Option<&str>,
    said: &str,
) -> (Option<String>, Option<String>) {
    let status = status
        .map(str::trim)
        .filter(|s| words::valid_status(s))
        .map(str::to_string)
        .or_else(|| words::enhanced(said));
    (status, text::one_line(said))
}

#[cfg(test)]
mod tests;
