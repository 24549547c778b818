//! Auto-replies (RFC 3834): `Auto-Submitted` other than `no`, the headers vacation
//! programs and Exchange set, and the subjects out-of-office replies carry.

use std::sync::LazyLock;

use mail_parser::{HeaderValue, Message};
use regex::Regex;

/// Subjects of vacation and out-of-office replies.
static SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(concat!(
        r"(?i)^\s*(?:auto(?:matic)?[- ]?(?:reply|response|antwort|risposta|respuesta)|auto:|autoreply|",
        r"out of (?:the )?office|vacation|on vacation|away from|abwesenheit|r[ée]ponse automatique|",
        r"absence|i am away|i'm away|fuera de la oficina)",
    ))
});

/// Whether `message` is an auto-reply.
pub(crate) fn is_auto_reply(message: &Message<'_>) -> bool {
    let text = |name: &str| {
        message
            .header(name)
            .and_then(HeaderValue::as_text)
            .map(|t| t.trim().to_ascii_lowercase())
    };
    text("Auto-Submitted").is_some_and(|v| v != "no")
        || message.header("X-Autoreply").is_some()
        || message.header("X-Autorespond").is_some()
        || message.header("X-Autoresponder").is_some()
        || text("X-Auto-Response-Suppress").is_some_and(|v| v.contains("oof") || v == "all")
        || text("Precedence").is_some_and(|v| v == "auto_reply")
        || message.subject().is_some_and(|s| SUBJECT.is_match(s))
}
