//! Sign-up confirmation tokens: `<expiry>.<address hex>.<mac>`, where the MAC is the
//! first 128 bits of HMAC-SHA256(HERALD_SECRET, "confirm" · address · expiry), checked
//! in constant time. A token names its address and its expiry (Unix seconds), so it
//! needs no storage to check; the store keeps the expiry of the latest link mailed to
//! each address so that a used or replaced link no longer works.
//!
//! The address is carried as signed up (normalized, not lowercased): the store finds
//! the subscriber by any spelling of it. Links issued by older versions carry it
//! lowercased, which the store finds too.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::hex::{decode as decode_hex, encode as encode_hex};

/// Bytes of the MAC kept (128 bits).
const MAC_BYTES: usize = 16;

/// Longest address a token may carry (RFC 5321 path limit).
const MAX_ADDRESS: usize = 254;

/// The token for `email` valid until `expires`.
pub(crate) fn issue(secret: &[u8], email: &str, expires: DateTime<Utc>) -> String {
    let email = email.trim();
    let expiry = expires.timestamp();
    let tag = mac(secret, email, expiry).finalize().into_bytes();
    format!(
        "{expiry}.{}.{}",
        encode_hex(email.as_bytes()),
        encode_hex(&tag[..MAC_BYTES])
    )
}

/// What a token says, once its MAC is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claim {
    /// The address, as the link was issued for.
    pub(crate) email: String,
    /// When the link stops working.
    pub(crate) expires: DateTime<Utc>,
}

/// Why a token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Malformed, tampered, or made with another secret.
    Invalid,
    /// Genuine but past its expiry.
    Expired,
}

/// Checks `token`'s MAC and expiry at `now`.
pub(crate) fn check(secret: &[u8], token: &str, now: DateTime<Utc>) -> Result<Claim, Refusal> {
    let mut parts = token.split('.');
    let (Some(expiry), Some(address), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Invalid);
    };
    let expiry: i64 = expiry.parse().map_err(|_| Refusal::Invalid)?;
    if address.len() > MAX_ADDRESS * 2 {
        return Err(Refusal::Invalid);
    }
    let email = decode_hex(address)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(Refusal::Invalid)?;
    let tag = decode_hex(tag).filter(|t| t.len() == MAC_BYTES);
    let genuine = tag.is_some_and(|tag| {
        mac(secret, &email, expiry)
            .verify_truncated_left(&tag)
            .is_ok()
    });
    if !genuine {
        return Err(Refusal::Invalid);
    }
    let expires = DateTime::from_timestamp(expiry, 0).ok_or(Refusal::Invalid)?;
    if now >= expires {
        return Err(Refusal::Expired);
    }
    Ok(Claim { email, expires })
}

fn mac(secret: &[u8], email: &str, expiry: i64) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    // Domain-separated from unsubscribe tokens, which MAC the bare address.
    mac.update(b"herald confirm\0");
    mac.update(email.as_bytes());
    mac.update(b"\0");
    mac.update(expiry.to_string().as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, hour, 0, 0).unwrap()
    }

    #[test]
    fn round_trip_until_expiry() {
        let token = issue(b"k", " ÄNN@example.com ", at(10));
        let claim = check(b"k", &token, at(9)).unwrap();
        assert_eq!(claim.email, "ÄNN@example.com");
        assert_eq!(claim.expires, at(10));
        assert_eq!(check(b"k", &token, at(10)), Err(Refusal::Expired));
    }

    #[test]
    fn tampering_is_refused() {
        let token = issue(b"k", "ann@example.com", at(10));
        let later = token.replacen(
            &at(10).timestamp().to_string(),
            &at(11).timestamp().to_string(),
            1,
        );
        let other = token.replace(&encode_hex(b"ann"), &encode_hex(b"bob"));
        let cases = [
            later.as_str(),
            other.as_str(),
            "",
            "1.2",
            "1.zz.00",
            "1.61.00.00",
        ];
        for case in cases {
            assert_eq!(check(b"k", case, at(9)), Err(Refusal::Invalid), "{case}");
        }
        assert_eq!(check(b"other", &token, at(9)), Err(Refusal::Invalid));
    }

    #[test]
    fn not_an_unsubscribe_token() {
        let token = issue(b"k", "ann@example.com", at(10));
        let tag = token.rsplit('.').next().unwrap();
        assert_ne!(
            tag,
            crate::mail::unsubscribe::token(b"k", "ann@example.com")
        );
    }
}
