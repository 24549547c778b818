//! Unsubscribe tokens (an HMAC of the address) and the links built from them.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Bytes of the HMAC kept in a token (128 bits, 32 hex digits).
const TOKEN_BYTES: usize = 16;

/// The token for `email`: the first 128 bits of HMAC-SHA256 over the lowercased
/// address, as lowercase hex.
pub fn token(secret: &[u8], email: &str) -> String {
    let bytes = mac(secret, email).finalize().into_bytes();
    crate::hex::encode(&bytes[..TOKEN_BYTES])
}

/// Whether `token` is the token of `email`, compared in constant time. For the web
/// endpoint that receives the one-click unsubscribe POST.
pub fn verify(secret: &[u8], email: &str, token: &str) -> bool {
    let Some(bytes) = crate::hex::decode(token) else {
        return false;
    };
    bytes.len() == TOKEN_BYTES && mac(secret, email).verify_truncated_left(&bytes).is_ok()
}

/// Fills the store's token index for `secret` (remaking every token when the secret
/// changed); returns how many rows it filled.
pub(crate) fn index(store: &mut crate::store::Store, secret: &[u8]) -> crate::error::Result<usize> {
    store.index_tokens(&key_id(secret), |email| token(secret, email))
}

/// Names the secret without revealing it: the token of a fixed string.
fn key_id(secret: &[u8]) -> String {
    token(secret, "herald token index")
}

fn mac(secret: &[u8], email: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(email.trim().to_lowercase().as_bytes());
    mac
}

/// How subscribers unsubscribe: an https URL template, a mailto address, or both.
#[derive(Clone)]
pub(crate) struct Unsubscribe {
    /// `https://…/{token}`; `{email}` is replaced by the percent-encoded address.
    pub url: Option<String>,
    /// The address for `mailto:` unsubscribes.
    pub mailto: Option<String>,
    /// The preferences page, `https://…/{token}`, linked beside the unsubscribe link.
    pub preferences: Option<String>,
    /// The HMAC key (`HERALD_SECRET`).
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for Unsubscribe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unsubscribe")
            .field("url", &self.url)
            .field("mailto", &self.mailto)
            .field("preferences", &self.preferences)
            .field("secret", &"<hidden>")
            .finish()
    }
}

/// One recipient's unsubscribe links, and their preferences page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Links {
    /// The one-click https URL, when configured.
    pub https: Option<String>,
    /// The `mailto:` URL, when configured.
    pub mailto: Option<String>,
    /// The preferences page, when there is one.
    pub preferences: Option<String>,
}

impl Unsubscribe {
    /// The links for `email`.
    pub(crate) fn links(&self, email: &str) -> Links {
        let token = token(&self.secret, email);
        let fill = |template: &String| {
            template
                .replace("{token}", &token)
                .replace("{email}", &percent_encode(email))
        };
        let https = self.url.as_ref().map(fill);
        let preferences = self.preferences.as_ref().map(fill);
        let mailto = self
            .mailto
            .as_ref()
            .map(|address| format!("mailto:{address}?subject=unsubscribe%20{token}"));
        Links {
            https,
            mailto,
            preferences,
        }
    }
}

impl Links {
    /// The link for the footer: the https one, else the mailto one.
    pub(crate) fn footer(&self) -> &str {
        self.https
            .as_deref()
            .or(self.mailto.as_deref())
            .unwrap_or("")
    }

    /// The `List-Unsubscribe` value, e.g. `<https://…>, <mailto:…>` (RFC 2369), or
    /// `None` when neither link is configured.
    pub(crate) fn header(&self) -> Option<String> {
        let parts: Vec<String> = [&self.https, &self.mailto]
            .into_iter()
            .flatten()
            .map(|link| format!("<{link}>"))
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// Whether `List-Unsubscribe-Post: List-Unsubscribe=One-Click` applies (RFC 8058:
    /// only with an https URL).
    pub(crate) fn one_click(&self) -> bool {
        self.https
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// Everything but RFC 3986's unreserved characters (letters, digits, `-._~`).
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_stable_case_insensitive_and_keyed() {
        let a = token(b"k1", "Ann@Example.com");
        assert_eq!(a, token(b"k1", "ann@example.com"));
        assert_ne!(a, token(b"k2", "ann@example.com"));
        assert_ne!(a, token(b"k1", "bob@example.com"));
        assert_eq!(a.len(), 32);
        assert!(verify(b"k1", "ann@example.com", &a));
        assert!(!verify(b"k2", "ann@example.com", &a));
        assert!(!verify(b"k1", "ann@example.com", "zz"));
        assert!(!verify(b"k1", "ann@example.com", "é"));
    }

    #[test]
    fn links_and_headers() {
        let unsubscribe = Unsubscribe {
            url: Some("https://example.com/u/{token}?e={email}".into()),
            mailto: Some("off@example.com".into()),
            preferences: Some("https://example.com/p/{token}".into()),
            secret: b"s".to_vec(),
        };
        let links = unsubscribe.links("a+b@example.com");
        let token = token(b"s", "a+b@example.com");
        assert_eq!(
            links.https.as_deref(),
            Some(format!("https://example.com/u/{token}?e=a%2Bb%40example.com").as_str())
        );
        assert_eq!(
            links.header().unwrap(),
            format!(
                "<https://example.com/u/{token}?e=a%2Bb%40example.com>, <mailto:off@example.com?subject=unsubscribe%20{token}>"
            )
        );
        assert!(links.one_click());
        assert_eq!(
            links.preferences.as_deref(),
            Some(format!("https://example.com/p/{token}").as_str())
        );
        let mailto_only = Unsubscribe {
            url: None,
            ..unsubscribe
        }
        .links("a@example.com");
        assert!(!mailto_only.one_click());
        assert!(mailto_only.footer().starts_with("mailto:off@example.com"));
    }
}
