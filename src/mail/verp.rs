//! VERP (variable envelope return path): each message's SMTP `MAIL FROM` is the bounce
//! address with the recipient's unsubscribe token after a `+`, so a bounce names its
//! subscriber even when the report itself is mangled.
//!
//! `bounces@example.com` + token `0f…` → `bounces+0f…@example.com`.

/// Hex digits of a token (see [`super::unsubscribe::token`]).
pub(crate) const TOKEN_LEN: usize = 32;

/// The envelope sender for the recipient whose token is `token`.
pub(crate) fn sender(bounce_address: &str, token: &str) -> String {
    match bounce_address.rsplit_once('@') {
        Some((local, domain)) => format!("{local}+{token}@{domain}"),
        // The config check refuses an address without `@`; keep it usable anyway.
        None => format!("{bounce_address}+{token}"),
    }
}

/// The token in `address` when it is `base`'s local part, `+`, a token, `@` and
/// `base`'s domain (compared without case), else `None`. `base` is e.g.
/// `bounces@example.com` or the unsubscribe address.
pub(crate) fn token_in(address: &str, base: &str) -> Option<String> {
    let (base_local, base_domain) = base.trim().rsplit_once('@')?;
    let (local, domain) = address.trim().rsplit_once('@')?;
    if !domain.eq_ignore_ascii_case(base_domain) {
        return None;
    }
    let (prefix, token) = local.split_once('+')?;
    if !prefix.eq_ignore_ascii_case(base_local) {
        return None;
    }
    is_token(token).then(|| token.to_ascii_lowercase())
}

/// Whether `text` has the shape of a token: 32 hex digits.
pub(crate) fn is_token(text: &str) -> bool {
    text.len() == TOKEN_LEN && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_sender_carries_its_token_back() {
        let address = sender("bounces@example.com", TOKEN);
        assert_eq!(address, format!("bounces+{TOKEN}@example.com"));
        assert_eq!(
            token_in(&address, "bounces@example.com").as_deref(),
            Some(TOKEN)
        );
        // Some relays change the case of the local part or the domain.
        assert_eq!(
            token_in(&address.to_uppercase(), "bounces@example.com").as_deref(),
            Some(TOKEN)
        );
    }

    #[test]
    fn only_the_exact_shape_is_a_token() {
        let base = "bounces@example.com";
        for address in [
            "bounces@example.com",
            "bounces+@example.com",
            &format!("bounces+{TOKEN}@example.org"),
            &format!("other+{TOKEN}@example.com"),
            &format!("bounces+{}@example.com", &TOKEN[1..]),
            &format!("bounces+{}x@example.com", &TOKEN[1..]),
            "not an address",
            "",
        ] {
            assert_eq!(token_in(address, base), None, "{address}");
        }
    }
}
