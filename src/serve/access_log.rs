//! One log line per request through `tracing`: method, path with tokens redacted and
//! without its query, status, latency. No addresses, no secrets. `herald serve` writes
//! these lines through a queue that never blocks (a line that does not fit is dropped
//! and counted), so a stalled stderr never holds a request.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Logs the request once its response is ready.
pub(crate) async fn log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = redact(request.uri().path());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!("{method} {path} {status} {ms:.1}ms");
    response
}

/// `/unsubscribe/<token>`, `/preferences/<token>` and `/confirm/<token>` with the
/// token replaced by `…`.
fn redact(path: &str) -> String {
    for prefix in ["/unsubscribe/", "/preferences/", "/confirm/"] {
        if let Some(rest) = path.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return format!("{prefix}…");
        }
    }
    path.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn tokens_are_redacted() {
        assert_eq!(redact("/unsubscribe/abc123"), "/unsubscribe/…");
        assert_eq!(redact("/confirm/1.ab.cd"), "/confirm/…");
        assert_eq!(redact("/preferences/abc123"), "/preferences/…");
        assert_eq!(redact("/unsubscribe/"), "/unsubscribe/");
        assert_eq!(redact("/rss.xml"), "/rss.xml");
    }
}
