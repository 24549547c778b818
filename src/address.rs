//! Subscriber addresses: the one rule for what herald accepts ([`normalize`]) and the
//! one rule for when two addresses are the same ([`key`]).
//!
//! Every address that enters herald goes through [`normalize`]: a row of an imported
//! export, the argument of `herald subscribers add`, `remove`, `show` and `forget`, the
//! sign-up form, `herald send --to`. It
//! - trims the address;
//! - writes the domain as UTS 46 ("IDNA") says, case-folded and with each
//!   internationalized label as its punycode A-label, so `a@Bücher.de`, `a@BÜCHER.de`
//!   and `a@xn--bcher-kva.de` all become `a@xn--bcher-kva.de` (mail to it needs no
//!   SMTPUTF8 unless the local part needs it);
//! - keeps the local part (before the `@`) as given, in Unicode normalization form C
//!   (RFC 6532 asks for NFC; a Mac and a PC typing `Ä` then give the same bytes);
//! - accepts only what the mailer can send: the result parses as a lettre address
//!   and as a mailbox (the confirmation mail parses it so), a message built the way
//!   `herald send` builds one is addressed to exactly it, and it holds at most 254
//!   bytes (64 before the `@`). Quoted local parts (`"a b"@example.com`), spaces,
//!   control and bidirectional characters, address literals (`a@[192.0.2.1]`) and
//!   whatever lettre refuses are refused with a message saying why.
//!
//! # How addresses match
//!
//! Two addresses are the same subscriber when their [`key`]s are equal: the normalized
//! address, lowercased as a whole with Unicode's case mapping. So `ÄNN@Example.com`
//! and `änn@example.com` are one subscriber, as `Ann@example.com` and
//! `ann@example.com` always were. RFC 5321 lets a mail server tell local parts apart
//! by case, but no mailbox provider does, for ASCII or any other script; two copies of
//! every issue (or a confirmation link that finds nobody) are the real risk. The
//! address is stored and mailed as its owner typed it (normalized), never lowercased.
//!
//! The store compares addresses this way everywhere (`store::Store::subscriber`):
//! SQLite's `COLLATE NOCASE` column folds ASCII letters only, so rows holding any
//! other character are also found through their key. The unsubscribe token, the
//! Message-ID, the keyed hash of a forgotten address and the merging of repeated rows
//! in an import all use the same lowercase form.
//!
//! Rows stored before this rule are not rewritten: a row holding `a@Bücher.de` keeps
//! that spelling (and its unsubscribe token), is found by any spelling of the address,
//! and is mailed at its A-label form.

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use lettre::address::Envelope;
use lettre::message::header::{self, Headers};
use lettre::message::{Mailbox, Mailboxes};
use unicode_normalization::UnicodeNormalization;

use crate::controls;

/// Longest address, in bytes (RFC 5321 §4.5.3.1.3: a path of 256 with its `<>`).
pub(crate) const MAX_BYTES: usize = 254;

/// Longest local part, in bytes (RFC 5321 §4.5.3.1.1).
pub(crate) const MAX_LOCAL_BYTES: usize = 64;

/// Input longer than this is refused before any work is done on it (an address
/// normalizes to fewer bytes, never to a quarter of them).
const MAX_INPUT_BYTES: usize = 4 * MAX_BYTES;

/// Why an address is refused. The message says what is wrong and, where it can, how
/// to fix it; it does not repeat the address (callers show it, escaped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum AddressError {
    /// Nothing but spaces.
    #[error("no email address")]
    Empty,
    /// More than [`MAX_BYTES`].
    #[error("it is {bytes} bytes long; an address has at most {MAX_BYTES}")]
    TooLong {
        /// Its length, as normalized (or as given, when far too long).
        bytes: usize,
    },
    /// A character no address may hold anywhere.
    #[error("it holds {}; type the address again without it", controls::describe(*.0))]
    Character(char),
    /// No `@`.
    #[error("it has no @; an address looks like name@example.com")]
    NoAt,
    /// Nothing before the `@`.
    #[error("there is nothing before the @")]
    NoLocal,
    /// Nothing after the `@`.
    #[error("there is nothing after the @")]
    NoDomain,
    /// `"a b"@example.com`.
    #[error(
        "the part before the @ is quoted; quoted addresses are not accepted (few mail \
         systems deliver to them): use one without quotes"
    )]
    Quoted,
    /// A dot at the start or end of the local part, or two in a row.
    #[error("the part before the @ starts or ends with a dot, or has two dots in a row")]
    Dots,
    /// A character that an unquoted local part cannot hold.
    #[error("the part before the @ holds {0:?}, which an address cannot hold")]
    LocalCharacter(char),
    /// More than [`MAX_LOCAL_BYTES`] before the `@`.
    #[error("the part before the @ is {bytes} bytes long; it has at most {MAX_LOCAL_BYTES}")]
    LocalTooLong {
        /// Its length.
        bytes: usize,
    },
    /// `a@[192.0.2.1]`.
    #[error("the domain is an address literal; herald sends only to domain names")]
    Literal,
    /// A domain name that is not one, even as an internationalized name.
    #[error("the domain {} is not a domain name: {why}", controls::Quoted(domain))]
    Domain {
        /// The domain as given.
        domain: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// lettre, which sends herald's mail, refuses the normalized address.
    #[error("the mail library refuses it ({0})")]
    Lettre(#[source] lettre::address::AddressError),
    /// A message built the way `herald send` builds one does not reach the address.
    #[error("a message to it cannot be built: {0}")]
    Unsendable(&'static str),
}

/// The address as herald stores and mails it, or why it cannot be used. See the
/// [module documentation](self) for the rule (examples in its tests).
pub(crate) fn normalize(input: &str) -> Result<String, AddressError> {
    let address = canonical(input)?;
    sendable(&address)?;
    Ok(address)
}

/// Every step of [`normalize`] but the mailer's own check: what look-ups compare.
fn canonical(input: &str) -> Result<String, AddressError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(AddressError::Empty);
    }
    if text.len() > MAX_INPUT_BYTES {
        return Err(AddressError::TooLong { bytes: text.len() });
    }
    if text.starts_with('"') {
        return Err(AddressError::Quoted);
    }
    if let Some(c) = text.chars().find(|&c| forbidden(c)) {
        return Err(AddressError::Character(c));
    }
    let (local, domain) = text.rsplit_once('@').ok_or(AddressError::NoAt)?;
    if local.is_empty() {
        return Err(AddressError::NoLocal);
    }
    if domain.is_empty() {
        return Err(AddressError::NoDomain);
    }
    let local = check_local(local)?;
    let domain = check_domain(domain)?;
    let address = format!("{local}@{domain}");
    if address.len() > MAX_BYTES {
        return Err(AddressError::TooLong {
            bytes: address.len(),
        });
    }
    Ok(address)
}

/// What two addresses are compared by: equal keys are one subscriber. The
/// [normalized](normalize) address lowercased whole; an address the rule refuses
/// (a row stored before it) is compared trimmed and lowercased.
pub(crate) fn key(address: &str) -> String {
    lookup_form(address).to_lowercase()
}

/// The form to look `address` up by: [normalized](normalize) (without the mailer's
/// own check, which changes nothing it accepts), or trimmed when the rule refuses it,
/// so that a row stored before the rule can still be named, shown, removed and
/// forgotten.
pub(crate) fn lookup_form(address: &str) -> String {
    canonical(address).unwrap_or_else(|_| address.trim().to_string())
}

/// The other spelling a row stored before this rule may have for `normalized`: the
/// address with its domain in Unicode (`a@bücher.de` for `a@xn--bcher-kva.de`), when
/// the domain has an A-label. For the keyed hashes of forgotten addresses, which were
/// made from the address as given.
pub(crate) fn unicode_spelling(normalized: &str) -> Option<String> {
    let (local, domain) = normalized.rsplit_once('@')?;
    let has_a_label = domain
        .split('.')
        .any(|label| label.len() > 4 && label[..4].eq_ignore_ascii_case("xn--"));
    if !has_a_label {
        return None;
    }
    let (unicode, result) = idna::domain_to_unicode(domain);
    result.ok()?;
    Some(format!("{local}@{unicode}"))
}

/// Characters no part of an address may hold: [controls](controls::is_control),
/// spaces of any kind, and the invisible zero-width space, word joiner and byte
/// order mark.
fn forbidden(c: char) -> bool {
    controls::is_control(c)
        || c.is_whitespace()
        || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// The local part in NFC, or why it cannot be used: an unquoted dot-atom (RFC 5322
/// `atext`, plus any non-ASCII character as RFC 6531 allows).
fn check_local(local: &str) -> Result<String, AddressError> {
    if local.starts_with('"') {
        return Err(AddressError::Quoted);
    }
    let local: String = local.nfc().collect();
    if let Some(c) = local.chars().find(|&c| !atext(c) && c != '.') {
        return Err(if c == '"' {
            AddressError::Quoted
        } else {
            AddressError::LocalCharacter(c)
        });
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(AddressError::Dots);
    }
    if local.len() > MAX_LOCAL_BYTES {
        return Err(AddressError::LocalTooLong { bytes: local.len() });
    }
    Ok(local)
}

/// RFC 5322 `atext`, with every non-ASCII character (RFC 6531 `UTF8-non-ascii`).
fn atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
}

/// The domain as UTS 46 ToASCII writes it (nontransitional, STD3 rules, DNS lengths).
fn check_domain(domain: &str) -> Result<String, AddressError> {
    let refused = |why| AddressError::Domain {
        domain: domain.to_string(),
        why,
    };
    if domain.starts_with('[') {
        return Err(AddressError::Literal);
    }
    if domain
        .chars()
        .any(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return Err(refused(
            "a domain name holds letters, digits, hyphens and dots only",
        ));
    }
    let ascii = Uts46::new()
        .to_ascii(
            domain.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::Allow,
            DnsLength::Ignore,
        )
        .map_err(|_| {
            refused("it is not a valid internationalized domain name (UTS 46 refuses it)")
        })?;
    if ascii.ends_with('.') {
        return Err(refused("it ends with a dot"));
    }
    if ascii.split('.').any(str::is_empty) {
        return Err(refused(
            "it has an empty label (two dots in a row, or one first)",
        ));
    }
    if ascii.split('.').any(|label| label.len() > 63) {
        return Err(refused(
            "a label (between dots) is longer than 63 characters",
        ));
    }
    if ascii.len() > 253 {
        return Err(refused("it is longer than 253 characters"));
    }
    Ok(ascii.into_owned())
}

/// Whether the mailer can send to `address`, checked the ways it uses one: lettre
/// parses it as an address and as a mailbox (the confirmation mail parses it so), and
/// the envelope of a message addressed to it (`To:` the mailbox, as `herald send`
/// builds it) names exactly it. The envelope is derived as lettre's message builder
/// derives it, from the headers: the `To` header is written, then read back.
fn sendable(address: &str) -> Result<(), AddressError> {
    let parsed: lettre::Address = address.parse().map_err(AddressError::Lettre)?;
    if AsRef::<str>::as_ref(&parsed) != address {
        return Err(AddressError::Unsendable("lettre reads it differently"));
    }
    let mailbox: Mailbox = address
        .parse()
        .map_err(|_| AddressError::Unsendable("it does not read as a mailbox"))?;
    if mailbox.email != parsed || mailbox.name.is_some() {
        return Err(AddressError::Unsendable("it reads as a different mailbox"));
    }
    let mut headers = Headers::new();
    headers.set(header::From::from(Mailboxes::from(Mailbox::new(
        None,
        lettre::Address::new_dangerous("check", "example.com"),
    ))));
    headers.set(header::To::from(Mailboxes::from(Mailbox::new(
        None,
        parsed.clone(),
    ))));
    let envelope = Envelope::try_from(&headers)
        .map_err(|_| AddressError::Unsendable("its To header does not read back"))?;
    if envelope.to() != [parsed] {
        return Err(AddressError::Unsendable("the envelope does not name it"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
