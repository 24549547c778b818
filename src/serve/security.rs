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

/// [`CSP`], with the origin of the theme's logo (`newsletter.theme.logo.url`) allowed
/// as an image source so that the pages can show it.
pub(crate) fn page_csp(logo: Option<&str>) -> HeaderValue {
    let origin = logo
        .and_then(|raw| url::Url::parse(raw).ok())
        .map(|url| url.origin().ascii_serialization())
        .filter(|origin| origin != "null");
    let policy = match origin {
        Some(origin) => CSP.replacen("img-src 'self'", &format!("img-src 'self' {origin}"), 1),
        None => CSP.to_string(),
    };
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static(CSP))
}

/// Adds the headers to every response of `router` that does not set them itself;
/// `csp` is the pages' policy (see [`page_csp`]).
pub(crate) fn harden(router: Router, csp: HeaderValue) -> Router {
    let headers: [(HeaderName, HeaderValue); 3] = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ];
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(name, value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logo_origin_is_the_only_image_source_added() {
        assert_eq!(page_csp(None), CSP);
        let csp = page_csp(Some("https://cdn.example.com/img/logo.png?v=1"));
        let csp = csp.to_str().unwrap();
        assert!(
            csp.contains("img-src 'self' https://cdn.example.com;"),
            "{csp}"
        );
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
    }
}
