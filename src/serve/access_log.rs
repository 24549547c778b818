//! One log line per request through `tracing`: method, path with tokens redacted and
//! without its query, status, latency. No addresses, no secrets. `herald serve` writes
//! these lines through a buffer and writes them out in batches, so a busy server makes
//! one write for many lines, and a stalled stderr never stops it. Their target,
//! `herald::serve::access_log`, is what lets the log batch them.
//!
//! The connection's service ([`super::listen`]) logs each request around the router,
//! rather than a middleware inside it, which would box a future per request.

use std::time::Instant;

use axum::http::{Method, Request, StatusCode, Uri};

/// A request being answered, as its log line will show it.
pub(crate) struct Pending {
    started: Instant,
    method: Method,
    uri: Uri,
}

impl Pending {
    /// `request`, arriving now.
    pub(crate) fn of<B>(request: &Request<B>) -> Pending {
        Pending {
            started: Instant::now(),
            method: request.method().clone(),
            uri: request.uri().clone(),
        }
    }

    /// Logs the request, answered with `status`.
    pub(crate) fn answered(self, status: StatusCode) {
        let Pending {
            started,
            method,
            uri,
        } = self;
        let status = status.as_u16();
        let ms = Tenths::of(started.elapsed());
        let path = redact(uri.path());
        tracing::info!("{method} {path} {status} {ms}ms");
    }
}

/// A duration in milliseconds with one decimal (`12.3`), rounded half up; written with
/// integers, which costs a request less than formatting a float.
struct Tenths(u128);

impl Tenths {
    fn of(elapsed: std::time::Duration) -> Tenths {
        Tenths((elapsed.as_micros() + 50) / 100)
    }
}

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// `/unsubscribe/<token>`, `/preferences/<token>` and `/confirm/<token>` with the
/// token replaced by `…`; other paths cut at 200 characters.
fn redact(path: &str) -> Redacted<'_> {
    for prefix in ["/unsubscribe/", "/preferences/", "/confirm/"] {
        if let Some(rest) = path.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return Redacted::Token(prefix);
        }
    }
    let end = path
        .char_indices()
        .nth(200)
        .map_or(path.len(), |(at, _)| at);
    Redacted::Path(&path[..end])
}

/// A path as logged, without a copy of it.
enum Redacted<'a> {
    /// The path's first 200 characters.
    Path(&'a str),
    /// A token page: its prefix, then `…`.
    Token(&'static str),
}

impl std::fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Redacted::Path(path) => f.write_str(path),
            Redacted::Token(prefix) => write!(f, "{prefix}…"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Tenths, redact};

    #[test]
    fn milliseconds_have_one_decimal() {
        let cases = [
            (Duration::ZERO, "0.0"),
            (Duration::from_micros(49), "0.0"),
            (Duration::from_micros(50), "0.1"),
            (Duration::from_micros(1_949), "1.9"),
            (Duration::from_micros(1_950), "2.0"),
            (Duration::from_millis(12_345), "12345.0"),
        ];
        for (elapsed, want) in cases {
            assert_eq!(Tenths::of(elapsed).to_string(), want, "{elapsed:?}");
        }
    }

    #[test]
    fn tokens_are_redacted() {
        let cases = [
            ("/unsubscribe/abc123", "/unsubscribe/…".to_string()),
            ("/confirm/1.ab.cd", "/confirm/…".to_string()),
            ("/preferences/abc123", "/preferences/…".to_string()),
            ("/unsubscribe/", "/unsubscribe/".to_string()),
            ("/rss.xml", "/rss.xml".to_string()),
            (&"/é".repeat(150), "/é".repeat(100)),
        ];
        for (path, want) in cases {
            assert_eq!(redact(path).to_string(), want, "{path}");
        }
    }
}
