//! Feedback reports (RFC 5965, ARF): a complaint (`abuse`, the older `complaint`, and
//! `fraud`, which a recipient sends about mail they hold to be a fraud: they do not
//! want it either), an opt-out request (`opt-out`, `optout`), or another type that
//! changes nothing (`not-spam`, `auth-failure`, `virus`, `other`, …).

use mail_parser::MessagePart;

use super::super::fields::{self, Block};
use super::{Feedback, Identifiers, Kind, Mail, bare_address, original_tokens, text, verp_tokens};

/// What a `message/feedback-report` part says.
pub(crate) fn read(mail: &Mail<'_>, report: &MessagePart<'_>) -> Kind {
    let blocks = fields::blocks(report.contents());
    let feedback_type = blocks
        .iter()
        .find_map(|b| b.get("Feedback-Type"))
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match feedback(&feedback_type) {
        Some(feedback) => Kind::Complaint {
            who: complainant(mail, &blocks),
            feedback,
        },
        None => Kind::OtherFeedback { feedback_type },
    }
}

/// The feedback a type stands for; `None` for the types that change nothing.
pub(crate) fn feedback(feedback_type: &str) -> Option<Feedback> {
    match feedback_type {
        "abuse" | "complaint" | "fraud" => Some(Feedback::Abuse),
        "opt-out" | "optout" => Some(Feedback::OptOut),
        _ => None,
    }
}

/// Tokens and addresses of whoever complained.
fn complainant(mail: &Mail<'_>, blocks: &[Block]) -> Identifiers {
    let mut who = Identifiers::default();
    let base = mail.addresses.bounce.as_deref();
    verp_tokens(&mail.envelope, base, &mut who);
    let senders: Vec<String> = blocks
        .iter()
        .flat_map(|b| b.all("Original-Mail-From"))
        .filter_map(fields::address)
        .collect();
    verp_tokens(&senders, base, &mut who);
    let original = text::original_headers(mail.message);
    if let Some(original) = &original {
        original_tokens(original, mail.addresses, &mut who);
    }
    for block in blocks {
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
    who
}

/// Microsoft's older complaint format (JMRP without ARF): a `complaint about message
/// from <IP>` with the original attached, its recipient in
/// `X-HmXmrOriginalRecipient`.
pub(crate) fn microsoft(mail: &Mail<'_>) -> Option<Kind> {
    let subject = mail.message.subject()?.trim().to_ascii_lowercase();
    if !subject.starts_with("complaint about message from") {
        return None;
    }
    let original = text::original_headers(mail.message)?;
    let mut who = Identifiers::default();
    verp_tokens(&mail.envelope, mail.addresses.bounce.as_deref(), &mut who);
    original_tokens(&original, mail.addresses, &mut who);
    for value in original.all("X-HmXmrOriginalRecipient") {
        who.address(fields::address(value));
    }
    for value in original.all("To") {
        who.address(bare_address(value));
    }
    Some(Kind::Complaint {
        who,
        feedback: Feedback::Abuse,
    })
}

/// Apple Mail's unsubscribe (`X-Apple-Unsubscribe: true`) sent somewhere other than
/// the unsubscribe address: an opt-out by its sender.
pub(crate) fn apple_unsubscribe(mail: &Mail<'_>) -> Option<Kind> {
    let flag = mail.message.header_raw("X-Apple-Unsubscribe")?;
    if !flag.trim().eq_ignore_ascii_case("true") {
        return None;
    }
    let mut who = Identifiers::default();
    if let Some(from) = mail.message.from().and_then(|f| f.first()) {
        who.address(from.address().and_then(fields::address));
    }
    Some(Kind::Complaint {
        who,
        feedback: Feedback::OptOut,
    })
}
