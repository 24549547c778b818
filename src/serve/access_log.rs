//! One log line per request through `tracing`: method, path with tokens redacted and
//! without its query, status, latency. No addresses, no secrets. `herald serve` writes
//! these lines through a buffer that never blocks (a line that does not fit is dropped
//! and counted) and writes them out in batches, so a stalled stderr never holds a
//! request, and a busy server makes one write for many lines. Their target,
//! `herald::serve::access_log`, is what lets the log batch them.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Logs the request once its response is ready.
pub(crate) async fn log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let path = redact(uri.path());
    tracing::info!("{method} {path} {status} {ms:.1}ms");
    response
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
    use super::redact;

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
