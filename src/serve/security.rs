//! Headers for the answers: every one carries `X-Content-Type-Options: nosniff`, no
//! Referer (tokens are in URLs), and HSTS when the server's public URL is https; HTML
//! pages carry a strict Content-Security-Policy (pages need no script, no external
//! style, no frame). A handler that needs a looser policy (the preview's images) sets
//! its own; other answers (feeds, files, 304s) get none: a policy means nothing to a
//! feed reader, and on a 304 it would replace the one a browser stored with the
//! document. The newsletter archive's pages, served from `output_dir`, show the issues'
//! images: they get the preview's policy ([`archive_page`]).

use axum::http::{HeaderValue, header};
use axum::response::Response;

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

/// Gives `response`, the answer for `path` from `output_dir`, [`PREVIEW_CSP`] when it is
/// one of the HTML pages under `/newsletter/` (the archive of issues that `herald send`
/// writes there): like the preview, an archived issue shows images from other hosts.
/// [`Policy::harden`], later, then leaves the policy alone.
pub(crate) fn archive_page(path: &str, response: &mut Response) {
    let archive = path
        .strip_prefix('/')
        .and_then(|path| path.strip_prefix(crate::newsletter::archive::FOLDER))
        .is_some_and(|rest| rest.starts_with('/'));
    if archive && is_html(response) {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PREVIEW_CSP),
        );
    }
}

/// What [`Policy::harden`] adds.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// The pages' Content-Security-Policy (see [`page_csp`]).
    pub(crate) csp: HeaderValue,
    /// Whether the server is reached over https (`serve.public_url`), so answers carry
    /// [`HSTS`].
    pub(crate) https: bool,
}

impl Policy {
    /// Adds the headers that `response`, any answer of the server, does not set itself
    /// (HSTS whatever it sets). Called once per answer by the connection's service
    /// ([`super::listen`]), rather than as layers of the router, which would box each
    /// answer's future once per layer.
    pub(crate) fn harden(&self, response: &mut Response) {
        let html = is_html(response);
        let headers = response.headers_mut();
        if !headers.contains_key(header::X_CONTENT_TYPE_OPTIONS) {
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
        }
        if !headers.contains_key(header::REFERRER_POLICY) {
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
        }
        if html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(header::CONTENT_SECURITY_POLICY, self.csp.clone());
        }
        if self.https {
            headers.insert(header::STRICT_TRANSPORT_SECURITY, HSTS);
        }
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
    fn only_the_archives_html_pages_get_the_preview_policy() {
        let cases = [
            (
                "/newsletter/2026-01-01-first/",
                "text/html; charset=utf-8",
                true,
            ),
            ("/newsletter/", "text/html", true),
            (
                "/newsletter/atom.xml",
                "application/atom+xml; charset=utf-8",
                false,
            ),
            ("/newsletter", "text/html", false),
            ("/newsletters/", "text/html", false),
            ("/index.html", "text/html", false),
            ("/rss.html", "text/html; charset=utf-8", false),
        ];
        for (path, content_type, preview) in cases {
            let mut response = Response::new(axum::body::Body::empty());
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            archive_page(path, &mut response);
            let policy = response.headers().get(header::CONTENT_SECURITY_POLICY);
            assert_eq!(policy.is_some_and(|p| p == PREVIEW_CSP), preview, "{path}");
            assert_eq!(policy.is_some(), preview, "{path}");
        }
    }

    #[test]
    fn every_answer_is_hardened_without_overriding_what_it_set() {
        let policy = |https| Policy {
            csp: page_csp(None),
            https,
        };
        let answer = |content_type: &'static str, own: &[(header::HeaderName, &'static str)]| {
            let mut response = Response::new(axum::body::Body::empty());
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            for (name, value) in own {
                headers.insert(name.clone(), HeaderValue::from_static(value));
            }
            response
        };
        let get = |response: &Response, name| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };

        let mut page = answer("text/html; charset=utf-8", &[]);
        policy(false).harden(&mut page);
        assert_eq!(
            get(&page, header::X_CONTENT_TYPE_OPTIONS).as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            get(&page, header::REFERRER_POLICY).as_deref(),
            Some("no-referrer")
        );
        assert_eq!(
            get(&page, header::CONTENT_SECURITY_POLICY).as_deref(),
            Some(CSP)
        );
        assert_eq!(get(&page, header::STRICT_TRANSPORT_SECURITY), None);

        let mut preview = answer(
            "text/html",
            &[
                (header::CONTENT_SECURITY_POLICY, PREVIEW_CSP),
                (header::STRICT_TRANSPORT_SECURITY, "max-age=1"),
            ],
        );
        policy(true).harden(&mut preview);
        assert_eq!(
            get(&preview, header::CONTENT_SECURITY_POLICY).as_deref(),
            Some(PREVIEW_CSP)
        );
        assert_eq!(
            get(&preview, header::STRICT_TRANSPORT_SECURITY).as_deref(),
            Some("max-age=31536000"),
            "HSTS is the server's, whatever the handler set"
        );

        let mut feed = answer("application/rss+xml; charset=utf-8", &[]);
        policy(true).harden(&mut feed);
        assert_eq!(get(&feed, header::CONTENT_SECURITY_POLICY), None);
        assert_eq!(
            get(&feed, header::REFERRER_POLICY).as_deref(),
            Some("no-referrer")
        );
        assert_eq!(
            get(&feed, header::STRICT_TRANSPORT_SECURITY).as_deref(),
            Some("max-age=31536000")
        );
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
