//! RFC 3464 delivery status notifications: one `Final-Recipient` block per recipient,
//! each with its `Action`, `Status` and `Diagnostic-Code`. A recipient whose action
//! is `failed` is a failure; `delayed`, `delivered`, `relayed` and `expanded` are
//! notices. When the block gives no diagnostic, the human-readable part's words about
//! the recipient are read instead.

use mail_parser::MessagePart;

use super::super::fields::{self, Block};
use super::{Class, Failure, Mail, plain, text, words};

/// What one recipient block says.
enum Outcome {
    /// The recipient failed.
    Failed(Failure),
    /// Delivered, relayed, expanded or delayed: the status, if any.
    Notice(Option<String>),
}

/// The failures a delivery-status part reports, or `Err` with the first notice status
/// when no recipient failed; `None` when the part names no recipient at all.
pub(crate) fn read(
    mail: &Mail<'_>,
    report: &MessagePart<'_>,
) -> Option<Result<Vec<Failure>, Option<String>>> {
    let blocks = blocks(report);
    let recipients: Vec<&Block> = blocks.iter().filter(|b| is_recipient(b)).collect();
    if recipients.is_empty() {
        return None;
    }
    let mut failures = Vec::new();
    let mut notice = None;
    for block in recipients {
        match outcome(mail, block) {
            Outcome::Failed(failure) => failures.push(failure),
            Outcome::Notice(status) => {
                if notice.is_none() {
                    notice = Some(status);
                }
            }
        }
    }
    if failures.is_empty() {
        return Some(Err(notice.flatten()));
    }
    if let [only] = &mut failures[..]
        && notice.is_none()
    {
        // The report's text is about this one recipient: check the class against it.
        let (readable, cut) = mail.readable();
        only.class = words::checked_against(only.class, &readable[..cut]);
    }
    name_the_unnamed(mail, &mut failures);
    Some(Ok(failures))
}

/// The part's blocks, a recipient's own even where no blank line sets it apart.
fn blocks(report: &MessagePart<'_>) -> Vec<Block> {
    fields::blocks(report.contents())
        .into_iter()
        .flat_map(Block::split_recipients)
        .collect()
}

/// Failures whose block gives no address (`Final-Recipient: rfc822; /var/mail/x`)
/// take the addresses the human-readable part names, in order.
fn name_the_unnamed(mail: &Mail<'_>, failures: &mut [Failure]) {
    if failures.iter().all(|f| f.address.is_some()) {
        return;
    }
    let (readable, cut) = mail.readable();
    let lines: Vec<&str> = readable[..cut].lines().collect();
    let mut named: Vec<String> = Vec::new();
    for (_, address) in plain::recipients_named(mail, &lines) {
        let known = failures
            .iter()
            .any(|f| f.address.as_ref() == Some(&address));
        if !known && !named.contains(&address) {
            named.push(address);
        }
    }
    let mut named = named.into_iter();
    for failure in failures.iter_mut().filter(|f| f.address.is_none()) {
        failure.address = named.next();
    }
}

/// Whether a block is about one recipient (rather than the message).
fn is_recipient(block: &Block) -> bool {
    ["Final-Recipient", "Original-Recipient", "Action"]
        .iter()
        .any(|name| block.get(name).is_some())
}

/// What one recipient block says.
fn outcome(mail: &Mail<'_>, block: &Block) -> Outcome {
    let status = block
        .get("Status")
        .and_then(|s| s.split_whitespace().next())
        .filter(|s| words::valid_status(s));
    let action = block
        .get("Action")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let action = action.split_whitespace().next().unwrap_or("");
    let address = recipient(block);
    let diagnostic = block
        .get("Diagnostic-Code")
        .map(strip_type)
        .filter(|d| !d.trim().is_empty())
        .map(str::to_string);
    let notice = match action {
        "delivered" | "relayed" | "expanded" | "delayed" => true,
        "failed" => false,
        _ => {
            status.is_some_and(|s| s.starts_with('2'))
                || diagnostic.as_deref().is_some_and(words::still_trying)
        }
    };
    if notice {
        return Outcome::Notice(status.map(str::to_string));
    }
    let around = context(mail, address.as_deref());
    let said = diagnostic.unwrap_or_else(|| around.clone());
    let status = status.or_else(|| (action == "failed").then_some("5.0.0"));
    let (mut class, status) = words::judge(status, &said, &around);
    if local_program(block) {
        // A local delivery program (procmail, a filter script) chose the code.
        class = Class::Soft;
    }
    Outcome::Failed(Failure {
        address,
        class,
        status,
        words: text::one_line(&said),
    })
}

/// Whether the diagnostic is a local delivery program's (`X-Unix;`), not a server's.
fn local_program(block: &Block) -> bool {
    block.get("Diagnostic-Code").is_some_and(|d| {
        d.split_once(';')
            .is_some_and(|(kind, _)| kind.trim().eq_ignore_ascii_case("x-unix"))
    })
}

/// The recipient a block is about: `Final-Recipient`, else `Original-Recipient`. (The
/// `Original-Recipient`, the address as herald sent it, is in `Identifiers::addresses` too.)
fn recipient(block: &Block) -> Option<String> {
    [
        "Final-Recipient",
        "Original-Recipient",
        "X-Actual-Recipient",
    ]
    .iter()
    .find_map(|name| block.get(name).and_then(fields::address))
}

/// Every `Original-Recipient` that differs from its block's recipient.
pub(crate) fn original_recipients(report: &MessagePart<'_>) -> Vec<String> {
    blocks(report)
        .iter()
        .filter_map(|b| b.get("Original-Recipient").and_then(fields::address))
        .collect()
}

/// A diagnostic without its type: `smtp; 550 …` → `550 …`.
fn strip_type(value: &str) -> &str {
    match value.split_once(';') {
        Some((kind, rest)) if kind.len() <= 16 && !kind.contains(' ') => rest.trim(),
        _ => value.trim(),
    }
}

/// The human-readable part's words about `address` (or all of it).
fn context(mail: &Mail<'_>, address: Option<&str>) -> String {
    let (readable, cut) = mail.readable();
    plain::context(&readable[..cut], address)
}
