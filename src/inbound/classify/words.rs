//! What a server's words and status codes mean for the address: the status code
//! (RFC 3463 enhanced code, else the SMTP reply code) and the phrases servers write,
//! judged into a [`Class`]. Words that say the refusal is about policy, spam, size or
//! a full or disabled mailbox win over a "no such user"-looking code, and "no such
//! user" words win over a policy-looking code; a temporary (4xx) code is never
//! [`Class::Hard`].

use std::sync::LazyLock;

use regex::Regex;

use super::Class;

/// The first RFC 3463 enhanced status code in a text: `5.1.1`, `4.4.7`.
static ENHANCED: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(r"(?:^|[^0-9.])([245])\.([0-9]{1,3})\.([0-9]{1,3})(?:[^0-9.]|\.(?:[^0-9]|$)|$)")
});

/// The first SMTP reply code in a text: `550`, `452-`, `#550`.
static REPLY: LazyLock<Regex> =
    LazyLock::new(|| super::compiled(r"(?:^|[\s:(#\[;])([245][0-9][0-9])(?:[\s\-]|$)"));

/// Words that say the mailbox has moved, for [`SURELY_GONE`] and [`MOVED`].
macro_rules! moved_words {
    () => {
        r"\bhas moved\b|\bmoved (?:permanently|to)\b|\bno longer (?:valid|exists|in use|available|active|accepts)"
    };
}

/// Words that say the mailbox does not exist. (A domain that does not exist is
/// [`HOST_GONE`]; a move, [`MOVED`] within [`SURELY_GONE`]: both are judged first.)
static GONE: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(concat!(
        r"(?i)",
        r"\b(?:user|recipient|mailbox|addressee|local[- ]?part|e-?mail address|address|account|alias)",
        r"(?: name)? (?:is )?(?:unknown|not known|not found|not listed|not exists?)\b",
        r"|\bunknown (?:or illegal )?(?:user|recipient|mailbox|local[- ]?part|e-?mail address|address|alias|account)",
        r"|\bno such (?:user|recipient|mailbox|address|person|account|local user|domain|alias|file or directory)",
        r"|\bno (?:user|mailbox|account|recipient)s? (?:here )?(?:by|with|of) th(?:at|is) name",
        r"|\b(?:user|recipient|mailbox|address|account|e-?mail account|destination)\b[^.;:]{0,60}",
        r"\b(?:does not|doesn't|do not|did not|doesnt) exist",
        r"|\b(?:user|recipient|mailbox|address|account)\b[^.;:]{0,40}\b(?:could not|couldn't|can ?not|can't) be found",
        r"|\bnot (?:a )?(?:valid|known) (?:user|recipient|mailbox|address)",
        r"|\binvalid (?:recipient|mailbox|user|address|e-?mail address|destination address)",
        r"|\b(?:recipient|mailbox|user|address) (?:is )?invalid",
        r"|\bmailbox (?:is )?(?:unavailable|not available|not present)",
        r"|\brecipnotfound|recipientnotfound|\bbad (?:destination )?(?:mailbox|recipient|address)",
        r"|\bnon-?existent (?:user|recipient|mailbox|address|account)",
        r"|\bnull mx\b|\bdoes not accept (?:any )?mail\b",
        r"|\b(?:isn't|is not) in my (?:list of allowed rcpthosts|control/locals)",
        r"|\bdoesn't have an? [^ ]+ account\b|\bdoes not have an? [^ ]+ account\b",
        r"|\bnot listed in (?:domino directory|public name & address book)",
        r"|\bno mailbox (?:here|found)|\bmailbox not found|\bno such mailbox",
        r"|\binactive user|\buser unknown|\bunknown user",
        // A recipient refused with no reason given (au/KDDI, at RCPT TO).
        r"|\brecipient address rejected\.?\s*$",
    ))
});

/// Words that say the refusal is about something other than the address existing:
/// policy, spam, reputation, size, a full, disabled or busy mailbox, a timeout.
static NOT_GONE: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(concat!(
        r"(?i)",
        r"\bblock(?:ed|ing|list)?\b|\bblack ?list|\bdeny ?list|\bspam|\bjunk\b|\bpolic(?:y|ies)\b",
        r"|\breputation\b|\b(?:dns)?rbl\b|\bspamhaus|\bspamcop|\bbarracuda|\blisted (?:at|on|in|by)\b",
        r"|\bquota\b|\bmailbox (?:is )?full|\bfull mailbox|\binsufficient (?:storage|disk|space)|\bout of (?:storage|space)",
        r"|\bover (?:the )?(?:limit|quota)|\bexceed|\btoo (?:large|big|many)|\bmessage size|\bsize limit",
        r"|\brate[- ]limit|\btemporar|\btime(?:d)? ?out|\bexpired\b|\bretry\b|\btry again",
        r"|\bsuspended|\bdisabled|\bdeactivated|\blocked\b|\bfrozen|\bon hold\b|\binactive (?:account|mailbox)|\bvirus|\bmalware",
        r"|\bdmarc\b|\bspf\b|\bdkim\b|\bunauthenticated|\bauthentication (?:failed|required)",
        r"|\brelay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited)|\bnot permitted to relay",
        r"|\bptr\b|\breverse (?:dns|lookup)|\bhelo\b|\bgreylist|\bdefer",
        r"|\bcontent (?:rejected|filter)|\bfilter(?:ed)?\b|\bnot accepted for policy|\bprohibited\b",
        r"|\bconnection (?:refused|reset|timed out)|\bnetwork is unreachable|\bprotocol error",
        r"|\brecipient(?:'s)? preferences|\bprivacy settings",
    ))
});

/// Words about the state of a mailbox that exists (disabled, suspended, full). When
/// the report's own text says so, a "no such user" code or phrase beside it is not
/// trusted: evidence that conflicts is read as soft.
static MAILBOX_STATE: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(concat!(
        r"(?i)\baccount (?:is |has been )?(?:disabled|suspended|deactivated|locked)",
        r"|\bnot enough (?:disk )?space|\bmailbox (?:is )?full|\bover ?quota|\bquota exceeded",
        r"|\binsufficient (?:disk |storage )?space",
    ))
});

/// Words that say delivery is still being tried (a delay warning, not a failure).
static STILL_TRYING: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(
        r"(?i)\b(?:will (?:continue|keep) (?:trying|to try)|still (?:trying|being retried)|delivery (?:has been |is )?delayed|not yet been delivered|warning: message .* delayed|no action is required on your part|will be retried for|warning message only|you do not need to resend)",
    )
});

/// Words that say the domain does not exist (said before any SMTP command).
static HOST_GONE: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(concat!(
        r"(?i)\b(?:host|domain)(?: name)? (?:not found|unknown|lookup failed|does not exist|doesn't exist)",
        r"|\bunknown (?:host|domain)|\bno such domain|\bhost or domain name not found|\billegal host/domain",
        r"|\bdomain (?:name )?(?:not found|does not exist|doesn't exist|is not valid)|\binvalid domain",
        r"|\bunrout(?:e)?able (?:address|domain|mail domain)|all relevant mx records point to non-existent hosts",
        r"|all host address lookups failed permanently",
        r"|\b(?:host|domain) [a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,} (?:not found|does not exist)",
        r"|\b5[0-9][0-9] [a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,} does not exist",
    ))
});

/// Phrases only ever written about an address that does not exist, whatever the
/// SMTP command.
static SURELY_GONE: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(concat!(
        r"(?i)recipient name is not recognized|not listed in (?:the )?(?:domino directory|public name & address book)",
        r"|invalid final delivery userid|recipnotfound|recipientnotfound|address couldn.t be found",
        r"|recipient address rejected: access denied|delivery error: dd this user doesn't have|\b000c05a6\b",
        r"|remote server returned unknown recipient|domain is not reachable",
        // "Invalid recipient" (La Poste, Orange), mail.local's "unknown user: name", and
        // the refusal that quotes the address it refuses: "550 <a@b>: User unknown"
        // (filters that refuse a sender leave the address out: FILTER_UNKNOWN).
        r"|invalid recipient|unknown user: ",
        // The RFC 5321 text of a bare 550 as Outlook.com and Hotmail reply to an
        // address they do not have (the text alone, without the code, is also a
        // filter's: Zoho's).
        r"|\b550[ -]requested action not taken: mailbox unavailable",
        // Verizon's MMS gateway, for a number it does not have.
        r"|no valid recipients for this mm\b",
        r"|\b5[0-9][0-9]:? <<>>[:,]? user unknown",
        r"|host unknown \(authoritative answer from name server\)",
        r"|(?:isn't|is not) in my list of allowed rcpthosts|no mailbox here by that name|",
        moved_words!(),
    ))
});

/// The reply au/ezweb's filter gives for a sender the recipient does not accept:
/// `550 : User unknown`, the address left out.
static FILTER_UNKNOWN: LazyLock<Regex> =
    LazyLock::new(|| super::compiled(r"(?i)\b5[0-9][0-9]:? : user unknown"));

/// The bare refusal of an address, for an x.1.0 code.
static ADDRESS_REJECTED: LazyLock<Regex> =
    LazyLock::new(|| super::compiled(r"(?i)\b(?:recipient )?address rejected\b"));

/// Words about the sender's side of the envelope.
static SENDER: LazyLock<Regex> =
    LazyLock::new(|| super::compiled(r"(?i)\b(?:sender|mail ?from|from:)"));

/// A refusal at the `RCPT TO` command: the address itself was refused.
static AT_RCPT: LazyLock<Regex> =
    LazyLock::new(|| super::compiled(r"(?i)rcpt[ _]to|\brcpt\b|does not like recipient"));

/// A refusal after the `DATA` command: the address was accepted, the message was not.
static AFTER_DATA: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(
        r"(?i)end of data|after data|in reply to data|>>> data|data command|after end of",
    )
});

/// How a failure with status field `status` (if any) and the server's `words` counts;
/// `around` is the text around them (a transcript, the report's text) that tells at
/// which SMTP command the server refused. Returns the class and the status code,
/// given or inferred.
pub(crate) fn judge(status: Option<&str>, words: &str, around: &str) -> (Class, Option<String>) {
    let given = status.filter(|s| valid_status(s)).map(str::to_string);
    let said = enhanced(words);
    let code = match (given, said) {
        // A generic field ("5.0.0") says less than the server's own code.
        (Some(g), Some(s)) if g.ends_with(".0.0") && s.starts_with(&g[..1]) => Some(s),
        (Some(g), _) => Some(g),
        (None, s) => s,
    };
    let class = class(code.as_deref(), words, around);
    let code = match (class, code) {
        (Class::Hard, None) => Some(gone_code(words).to_string()),
        (_, code) => code,
    };
    (class, code)
}

/// An address or a link's fragment, which are no words of the server's:
/// `filtered@example.org`, `#spam` in `https://example.org/reason/#spam`.
static ADDRESS: LazyLock<Regex> =
    LazyLock::new(|| super::compiled(r"[^\s<>()\[\]:;,]+@[^\s<>()\[\]:;,]+|/#[^\s<>]*"));

/// The class of a failure (see [`judge`]).
fn class(code: Option<&str>, words: &str, around: &str) -> Class {
    let words = &*ADDRESS.replace_all(words, "<>");
    let temporary = match code {
        Some(c) => c.starts_with('4'),
        None => reply_code(words).is_some_and(|r| r / 100 == 4),
    };
    // x.1.7 and x.1.8 are about the sender's address, not the recipient's.
    let about_sender = code.is_some_and(|c| c.ends_with(".1.7") || c.ends_with(".1.8"));
    if temporary || about_sender || FILTER_UNKNOWN.is_match(words) {
        return Class::Soft;
    }
    if SURELY_GONE.is_match(words) {
        return Class::Hard;
    }
    if NOT_GONE.is_match(words) {
        return Class::Soft;
    }
    if HOST_GONE.is_match(words) {
        return Class::Hard;
    }
    if code.is_some_and(hard_code) {
        return Class::Hard;
    }
    // x.1.0 is "other address status": with nothing but "address rejected" beside it
    // (Google's "550 #5.1.0 Address rejected"), the recipient's address was refused.
    let other_address = code.is_some_and(|c| c.ends_with(".1.0"));
    if other_address && ADDRESS_REJECTED.is_match(words) && !SENDER.is_match(words) {
        return Class::Hard;
    }
    let at_rcpt = AT_RCPT.is_match(words) || AT_RCPT.is_match(around);
    let after_data = AFTER_DATA.is_match(words) || AFTER_DATA.is_match(around);
    if GONE.is_match(words) && at_rcpt && !after_data {
        return Class::Hard;
    }
    Class::Soft
}

/// A class judged from a report's machine-readable part, checked against the report's
/// human-readable `text`: a "no such user" is read as soft when the text says the
/// mailbox exists but is disabled or full (conflicting evidence never removes).
pub(crate) fn checked_against(class: Class, text: &str) -> Class {
    match class {
        Class::Hard if MAILBOX_STATE.is_match(text) => Class::Soft,
        class => class,
    }
}

/// Whether `words` say the server is still trying (a delay warning).
pub(crate) fn still_trying(words: &str) -> bool {
    STILL_TRYING.is_match(words)
}

/// Whether `words` say the address does not exist (without a code).
pub(crate) fn says_gone(words: &str) -> bool {
    GONE.is_match(words) || HOST_GONE.is_match(words) || SURELY_GONE.is_match(words)
}

/// The code a "gone" phrase stands for: 5.1.2 for a host or domain, 5.1.6 for a move,
/// else 5.1.1.
fn gone_code(words: &str) -> &'static str {
    if MOVED.is_match(words) {
        "5.1.6"
    } else if HOST_GONE.is_match(words) {
        "5.1.2"
    } else {
        "5.1.1"
    }
}

/// Words that say the mailbox has moved.
static MOVED: LazyLock<Regex> = LazyLock::new(|| super::compiled(concat!(r"(?i)", moved_words!())));

/// The permanent codes that mean the mailbox or domain does not exist or has moved.
pub(crate) fn hard_code(code: &str) -> bool {
    matches!(
        code,
        "5.1.1" | "5.1.2" | "5.1.3" | "5.1.6" | "5.1.10" | "5.1.01"
    )
}

/// Whether `s` is an enhanced status code: class 2, 4 or 5, then two numbers.
pub(crate) fn valid_status(s: &str) -> bool {
    let mut parts = s.split('.');
    matches!(parts.next(), Some("2" | "4" | "5"))
        && parts.clone().count() == 2
        && parts.all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The first enhanced status code in `text`.
pub(crate) fn enhanced(text: &str) -> Option<String> {
    let caps = ENHANCED.captures(text)?;
    Some(format!("{}.{}.{}", &caps[1], &caps[2], &caps[3]))
}

/// The first SMTP reply code in `text`.
pub(crate) fn reply_code(text: &str) -> Option<u16> {
    REPLY.captures(text)?.get(1)?.as_str().parse().ok()
}
