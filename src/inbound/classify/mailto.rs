//! A message to the unsubscribe address (RFC 2369 `mailto:` unsubscribe).

use mail_parser::Message;

use super::super::fields;
use super::{Addresses, Identifiers, hex_runs};
use crate::mail::verp;

/// A message to the unsubscribe address (or `local+TOKEN@` of it): the token from
/// that address or from the subject, and the sender's address.
pub(crate) fn read(
    message: &Message<'_>,
    addresses: &Addresses,
    envelope: &[String],
) -> Option<Identifiers> {
    let base = addresses.unsubscribe.as_deref()?;
    let to_us = envelope
        .iter()
        .any(|a| a.eq_ignore_ascii_case(base.trim()) || verp::token_in(a, base).is_some());
    if !to_us {
        return None;
    }
    let mut who = Identifiers::default();
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
