//! `Accept-Encoding` negotiation (RFC 9110 §12.5.3) between brotli, gzip and identity.

use axum::http::header::{ACCEPT_ENCODING, HeaderMap};

/// A content coding herald can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    /// No compression.
    Identity,
    /// `Content-Encoding: gzip`.
    Gzip,
    /// `Content-Encoding: br`.
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` token, `None` for identity.
    pub(crate) fn token(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }
}

/// The compressed codings the client accepts, best first (brotli wins a tie, being
/// smaller); identity is always the fallback.
pub(crate) fn ranked(headers: &HeaderMap) -> [Option<Coding>; 2] {
    let (mut br, mut gzip, mut any) = (None::<u16>, None::<u16>, None::<u16>);
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for element in value.split(',') {
            let Some((token, q)) = parse_element(element) else {
                continue;
            };
            let slot = if token.eq_ignore_ascii_case("br") {
                &mut br
            } else if token.eq_ignore_ascii_case("gzip") || token.eq_ignore_ascii_case("x-gzip") {
                &mut gzip
            } else if token == "*" {
                &mut any
            } else {
                continue;
            };
            // Listed twice: the more generous one counts.
            *slot = Some(slot.map_or(q, |old| old.max(q)));
        }
    }
    let br = br.or(any).unwrap_or(0);
    let gzip = gzip.or(any).unwrap_or(0);
    let first = |coding, q| (q > 0).then_some(coding);
    if gzip > br {
        [first(Coding::Gzip, gzip), first(Coding::Brotli, br)]
    } else {
        [first(Coding::Brotli, br), first(Coding::Gzip, gzip)]
    }
}

/// `token[;q=value]` with the q-value in thousandths; `None` when malformed.
fn parse_element(element: &str) -> Option<(&str, u16)> {
    let mut parts = element.split(';');
    let token = parts.next()?.trim();
    if token.is_empty() {
        return None;
    }
    let mut q = 1000;
    for parameter in parts {
        let (name, value) = parameter.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            q = parse_qvalue(value.trim())?;
        }
    }
    Some((token, q))
}

/// `0`, `0.5`, `1.000` … as thousandths (RFC 9110 §12.4.2).
pub(super) fn parse_qvalue(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coding::{Brotli, Gzip};

    fn rank(values: &[&str]) -> [Option<Coding>; 2] {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(ACCEPT_ENCODING, value.parse().unwrap());
        }
        ranked(&headers)
    }

    #[test]
    fn negotiation() {
        let cases: [(&[&str], [Option<Coding>; 2]); 18] = [
            (&[], [None, None]),
            (&[""], [None, None]),
            (&["identity"], [None, None]),
            (&["gzip"], [Some(Gzip), None]),
            (&["x-gzip"], [Some(Gzip), None]),
            (&["GZIP"], [Some(Gzip), None]),
            (&["br"], [Some(Brotli), None]),
            (&["gzip, deflate, br"], [Some(Brotli), Some(Gzip)]),
            (&["gzip, deflate, br, zstd"], [Some(Brotli), Some(Gzip)]),
            (&["gzip;q=1.0, br;q=0.5"], [Some(Gzip), Some(Brotli)]),
            (&["br;q=0, gzip"], [Some(Gzip), None]),
            (&["gzip;q=0, br;q=0"], [None, None]),
            (&["*"], [Some(Brotli), Some(Gzip)]),
            (&["*;q=0.1, gzip;q=0.2"], [Some(Gzip), Some(Brotli)]),
            (&["*;q=0"], [None, None]),
            (&["gzip", "br"], [Some(Brotli), Some(Gzip)]),
            (&["gzip;q=2, br;q=abc"], [None, None]),
            (&["gzip ; q=0.001"], [Some(Gzip), None]),
        ];
        for (values, want) in cases {
            assert_eq!(rank(values), want, "{values:?}");
        }
    }

    #[test]
    fn qvalues() {
        let cases = [
            ("0", Some(0)),
            ("0.5", Some(500)),
            ("0.05", Some(50)),
            ("0.123", Some(123)),
            ("1", Some(1000)),
            ("1.000", Some(1000)),
            ("1.5", None),
            ("0.1234", None),
            ("2", None),
            ("", None),
            ("-1", None),
            ("0.x", None),
        ];
        for (value, want) in cases {
            assert_eq!(parse_qvalue(value), want, "{value:?}");
        }
    }
}
