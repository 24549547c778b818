//! Bounce reports that are not RFC 3464: the plain-text reports of qmail, Exim,
//! Sendmail, Postfix, Exchange, Office 365, Lotus Notes, Courier, the big mailbox
//! providers and mail filters. Each writes the failed recipient on a line of its own
//! (`<a@b>:`, `  a@b`, `a@b... User unknown`, `a@b on <date>`, …) and the server's
//! words under it: every address in the report that is not one of the report's own
//! (its sender, its recipient, the returned original's sender) is a recipient, and
//! the lines from one recipient to the next are its words.

use std::sync::LazyLock;

use mail_parser::{Message, MimeHeaders};
use regex::Regex;

use super::{Failure, Mail, text, words};

/// An address as report texts write it.
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(
        r"[A-Za-z0-9!#$%&*+/?^_`{|}~-][A-Za-z0-9!#$%&'*+/?^_`{|}~.-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}",
    )
});

/// Header-like lines in a report text whose addresses are never the failed recipient.
static HEADER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(concat!(
        r"(?i)^[ \t>]*(?:from|reply-to|return-path|sender|message-id|received|references|",
        r"in-reply-to|subject|date|x-[a-z0-9-]+|reporting-mta|original-envelope-id|",
        r"dkim-signature|list-[a-z]+|errors-to|mail from|envelope-from|x-sender)\s*:",
        r"|(?i)message-id|\bmsgid\b|\bqueue[- ]id\b|mail from:|envelope sender",
    ))
});

/// Words that introduce an address to write to, not a recipient: "please contact
/// <support@…>", "send mail to postmaster@…".
static CONTACT: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(
        r"(?i)(?:contact|send (?:e-?)?mail to|write to|e-?mail us at|reach us at|questions? to|assistance)\W{0,4}(?:us )?(?:at )?[<(\[]?$",
    )
});

/// A quoted `To:` or `Cc:` line.
static ADDRESSEE_LINE: LazyLock<Regex> =
    LazyLock::new(|| super::compiled(r"(?i)^[\s>]*(?:to|cc)\s*:"));

/// A subject that says the message is a delivery failure report.
static SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(concat!(
        r"(?i)undeliver|not (?:be )?delivered|delivery (?:status|fail|notification|problem|report|error)",
        r"|returned mail|mail delivery (?:failed|failure|system|subsystem)|failure notice|non[- ]?deliver",
        r"|delivery to the following|mail (?:system )?error|could not send|permanent error|mail failure",
        r"|returned to sender|delivery has failed|\bbounced?\b|\bndn\b|\bndr\b|rejected|failed delivery",
        r"|delivery incomplete|unable to deliver|message you sent|send mail failed|\bwarning:",
    ))
});

/// Senders that only ever send reports.
static DAEMON: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(
        r"(?i)mailer[-_ ]?daemon|mail[-_ ]?daemon|postmaster|mail delivery (?:system|subsystem)|mail administrator|mdaemon|double-bounce|microsoftexchange",
    )
});

/// A line that carries a server's words: an SMTP or enhanced code, or what a known
/// phrase says.
static DIAGNOSTIC: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(
        r"(?:^|[^0-9.])(?:[245][0-9][0-9](?:[\s-]|$)|[245]\.[0-9]{1,3}\.[0-9]{1,3})|(?i)said:|reason:|error:|because|diagnostic",
    )
});

/// Local parts that are never a failed recipient.
const DAEMON_LOCALS: &[&str] = &[
    "mailer-daemon",
    "mailer_daemon",
    "mailerdaemon",
    "mail-daemon",
    "maildaemon",
    "postmaster",
    "double-bounce",
    "mdaemon",
];

/// How many lines after a recipient's line are read as its words.
const WINDOW: usize = 15;

/// Whether `message` looks like a delivery failure report: its sender is a mailer
/// daemon, or its subject says so, or it is a `multipart/report`.
pub(crate) fn is_report(message: &Message<'_>) -> bool {
    let from = message.from().and_then(|f| f.first());
    let sender_is_daemon = from.is_some_and(|a| {
        a.address().is_some_and(|x| DAEMON.is_match(x))
            || a.name().is_some_and(|n| DAEMON.is_match(n))
    });
    let subject_says = message.subject().is_some_and(|s| SUBJECT.is_match(s));
    let report = message.root_part().content_type().is_some_and(|ct| {
        ct.subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    sender_is_daemon
        || subject_says
        || report
        || message.header("X-Failed-Recipients").is_some()
        || returns_undelivered(message)
}

/// Words in a report body that say a message was not delivered.
static NOT_DELIVERED: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(
        r"(?i)could not be delivered|couldn't be delivered|was not delivered|undeliverable|delivery (?:has )?failed|permanent error|unable to deliver|not be delivered to",
    )
});

/// Whether `message` returns an original (attached) and its text says it was not
/// delivered: the report of a server with an unusual sender and subject.
fn returns_undelivered(message: &Message<'_>) -> bool {
    let returns = message.parts.iter().any(|part| {
        part.content_type().is_some_and(|ct| {
            let sub = ct.subtype().unwrap_or("");
            (ct.ctype().eq_ignore_ascii_case("message") && sub.eq_ignore_ascii_case("rfc822"))
                || sub.eq_ignore_ascii_case("rfc822-headers")
        })
    });
    returns
        && message.text_body.iter().any(|id| {
            message
                .parts
                .get(*id as usize)
                .and_then(|p| p.text_contents())
                .is_some_and(|t| NOT_DELIVERED.is_match(text::prefix(t, 8 * 1024)))
        })
}

/// The failures a plain-text report names, given recipients first (`X-Failed-Recipients`);
/// `Err` with the status when the report is a delay warning. Never an empty list: a
/// report that names nobody is one failure without an address.
pub(crate) fn read(mail: &Mail<'_>, given: &[String]) -> Result<Vec<Failure>, Option<String>> {
    let (readable, cut) = mail.readable();
    let report = &readable[..cut];
    if given.is_empty() && words::still_trying(report) && !words::says_gone(report) {
        return Err(words::enhanced(report));
    }
    let lines: Vec<&str> = report.lines().collect();
    let mentions = recipients_named(mail, &lines);
    let mut recipients: Vec<String> = given.to_vec();
    if recipients.is_empty() {
        for (_, address) in &mentions {
            if !recipients.contains(address) {
                recipients.push(address.clone());
            }
        }
    }
    if recipients.is_empty() {
        return Ok(vec![failure(None, report, report)]);
    }
    Ok(recipients
        .iter()
        .map(|address| {
            let said = windows(&lines, &mentions, address);
            failure(Some(address.clone()), &said, report)
        })
        .collect())
}

/// Every (line, address) in `lines` that may be a recipient: the report's own
/// addresses and the daemons' left out, or, when that leaves none, only its sender's
/// and herald's, then the daemons' too.
pub(crate) fn recipients_named(mail: &Mail<'_>, lines: &[&str]) -> Vec<(usize, String)> {
    let found = mentions(lines, &mail.ours(false), true);
    // A quoted `To:` or `Cc:` line names the original's recipients, which may be
    // more than the failed ones: it counts only when no other line names anyone.
    let named: Vec<(usize, String)> = found
        .iter()
        .filter(|(line, _)| !ADDRESSEE_LINE.is_match(lines[*line]))
        .cloned()
        .collect();
    if !named.is_empty() {
        return named;
    }
    if !found.is_empty() {
        return found;
    }
    let strong = mail.ours(true);
    let mut found = mentions(lines, &strong, true);
    if found.is_empty() {
        found = mentions(lines, &strong, false);
    }
    found.retain(|(_, a)| !mail.is_herald(a));
    found
}

/// The words near `address` in `report` (all of it when the address is not named).
pub(crate) fn context(report: &str, address: Option<&str>) -> String {
    let Some(address) = address else {
        return report.to_string();
    };
    let lines: Vec<&str> = report.lines().collect();
    let mentions = mentions(&lines, &[], false);
    let said = windows(&lines, &mentions, address);
    if decisive(&said) {
        said
    } else {
        report.to_string()
    }
}

/// One failure: judged on its own words when they decide, else on the whole report.
fn failure(address: Option<String>, said: &str, report: &str) -> Failure {
    let judged = if decisive(said) { said } else { report };
    // The server's own lines are judged; the rest tells at which command it refused.
    let diagnostic = diagnostic(judged);
    let (class, status) = words::judge(None, diagnostic, judged);
    Failure {
        address,
        class,
        status,
        words: text::one_line(diagnostic),
    }
}

/// Whether `said` holds a code or a phrase to judge by.
fn decisive(said: &str) -> bool {
    DIAGNOSTIC.is_match(said) || words::says_gone(said)
}

/// The first lines of `said` that carry a code or phrase, up to a blank line.
fn diagnostic(said: &str) -> &str {
    let Some(found) = said
        .lines()
        .position(|l| DIAGNOSTIC.is_match(l) || words::says_gone(l))
    else {
        return said.trim();
    };
    let start = said
        .lines()
        .take(found)
        .map(|l| l.len() + 1)
        .sum::<usize>()
        .min(said.len());
    let rest = &said[start..];
    let mut end = rest.find("\n\n").unwrap_or(rest.len());
    // "because:", "Reason:": the words are in the next paragraph.
    if rest[..end].trim().len() < 40 {
        let after = rest[end..].trim_start_matches('\n');
        let skipped = rest.len() - after.len();
        end = skipped + after.find("\n\n").unwrap_or(after.len());
    }
    rest[..end].trim()
}

/// Every (line, address) in `lines` that may be a recipient, in order: not in `ours`,
/// nor a daemon's when `daemons` are left out too.
fn mentions(lines: &[&str], ours: &[String], daemons: bool) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if HEADER_LINE.is_match(line) {
            continue;
        }
        for m in ADDRESS.find_iter(line) {
            let before = line[..m.start()].chars().next_back();
            if matches!(before, Some('/' | '.' | '@')) {
                continue;
            }
            if CONTACT.is_match(text::tail(&line[..m.start()], 48)) {
                continue;
            }
            let address = m.as_str().trim_end_matches('.').to_ascii_lowercase();
            if ours.contains(&address) || (daemons && is_daemon(&address)) {
                continue;
            }
            found.push((index, address));
        }
    }
    found
}

/// Whether `address` is a mailer daemon's or a postmaster's.
fn is_daemon(address: &str) -> bool {
    let local = address.rsplit_once('@').map_or(address, |(l, _)| l);
    DAEMON_LOCALS.contains(&local)
}

/// The lines from each mention of `address` to the next mention of another address.
fn windows(lines: &[&str], mentions: &[(usize, String)], address: &str) -> String {
    let mut said = String::new();
    let mut last_end = 0;
    for (at, (line, _)) in mentions
        .iter()
        .enumerate()
        .filter(|(_, (_, a))| a == address)
    {
        let next_other = mentions[at + 1..]
            .iter()
            .find(|(l, a)| a != address && *l > *line)
            .map_or(lines.len(), |(l, _)| *l);
        let start = (*line).max(last_end);
        let end = next_other.min(line + WINDOW).min(lines.len()).max(start);
        for l in &lines[start..end] {
            said.push_str(l);
            said.push('\n');
        }
        last_end = end;
    }
    said
}

/// The addresses in the `From`, `Sender`, `Reply-To` and `Return-Path` lines of a
/// returned original that a report quotes inline.
pub(crate) fn quoted_senders(quoted: &str) -> Vec<String> {
    static SENDER_LINE: LazyLock<Regex> = LazyLock::new(|| {
        super::compiled(r"(?im)^[ \t>]*(?:from|sender|reply-to|return-path):[ \t]*(.*)$")
    });
    SENDER_LINE
        .captures_iter(text::prefix(quoted, 16 * 1024))
        .filter_map(|c| c.get(1))
        .flat_map(|value| ADDRESS.find_iter(value.as_str()))
        .map(|m| m.as_str().to_ascii_lowercase())
        .collect()
}

/// Every address in `value`, lowercase.
pub(crate) fn addresses_in(value: &str) -> Vec<String> {
    ADDRESS
        .find_iter(text::prefix(value, 4096))
        .map(|m| m.as_str().to_ascii_lowercase())
        .collect()
}
