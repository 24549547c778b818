//! Headers every response carries: a strict Content-Security-Policy (pages need no
//! script, no external style, no frame), no MIME sniffing, and no Referer (tokens are in
//! URLs). A handler that needs a looser policy (the preview's images) sets its own.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of every page.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The preview shows the images, which live on other hosts.
pub(crate) const PREVIEW_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src https: http: data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Adds the headers to every response of `router` that does not set them itself.
pub(crate) fn harden(router: Router) -> Router {
    let headers: [(HeaderName, &'static str); 3] = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    })
}
