//! Headers for the answers: every one carries `X-Content-Type-Options: nosniff`, no
//! Referer (tokens are in URLs), and HSTS when the server's public URL is https; HTML
//! pages carry a strict Content-Security-Policy (pages need no script, no external
//! style, no frame). A handler that needs a looser policy (the preview's images) sets
//! its own; other answers (feeds, files, 304s) get none: a policy means nothing to a
//! feed reader, and on a 304 it would replace the one a browser stored with the
//! document. The newsletter archive's pages, served from `output_dir`, show the issues'
//! images: they get the preview's policy ([`archive_pages`]).

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of every page.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The preview shows the images, which live on other hosts.
pub(crate) const PREVIEW_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src https: http: data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// `Strict-Transport-Security` when `serve.public_url` is https: browsers use https
/// for a year after any answer (a proxy terminating TLS passes it on).
pub(crate) const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000");

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

/// Middleware giving the HTML pages under `/newsletter/` (the archive of issues that
/// `herald send` writes to `output_dir`) [`PREVIEW_CSP`]: like the preview, an archived
/// issue shows images from other hosts. Layered inside [`harden`], which then leaves the
/// policy alone.
pub(crate) async fn archive_pages(request: Request, next: Next) -> Response {
    let archive = request
        .uri()
        .path()
        .strip_prefix('/')
        .and_then(|path| path.strip_prefix(crate::newsletter::archive::FOLDER))
        .is_some_and(|rest| rest.starts_with('/'));
    let mut response = next.run(request).await;
    if archive && is_html(&response) {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PREVIEW_CSP),
        );
    }
    response
}

/// What [`harden`] adds.
pub(crate) struct Policy {
    /// The pages' Content-Security-Policy (see [`page_csp`]).
    pub(crate) csp: HeaderValue,
    /// Whether the server is reached over https (`serve.public_url`), so answers carry
    /// [`HSTS`].
    pub(crate) https: bool,
}

/// Adds the headers to the answers of `router` that do not set them themselves.
pub(crate) fn harden(router: Router, policy: Policy) -> Router {
    let every: [(HeaderName, HeaderValue); 2] = [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ];
    let router = every.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(name, value))
    });
    let csp = policy.csp;
    let router = router.layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        move |response: &Response| is_html(response).then(|| csp.clone()),
    ));
    if policy.https {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HSTS,
        ))
    } else {
        router
    }
}

/// Whether `response` is an HTML document.
fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("text/html"))
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

    #[test]
    fn only_html_is_html() {
        let cases = [
            (Some("text/html; charset=utf-8"), true),
            (Some("TEXT/HTML"), true),
            (Some("text/html"), true),
            (Some("application/rss+xml; charset=utf-8"), false),
            (Some("application/xml; charset=utf-8"), false),
            (Some("text/plain; charset=utf-8"), false),
            (Some("text/htmlx"), false),
            (None, false),
        ];
        for (content_type, expected) in cases {
            let mut response = Response::new(axum::body::Body::empty());
            if let Some(value) = content_type {
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            }
            assert_eq!(is_html(&response), expected, "{content_type:?}");
        }
    }
}
