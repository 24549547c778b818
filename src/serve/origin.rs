//! Forms posted from other sites are refused: a browser names the page a form was
//! posted from in `Origin` (or, when it sends none, `Referer`), and a sign-up or a
//! confirmation counts only from this site's own pages. A request that names neither
//! (not a browser) passes. Unsubscribe is not checked: its token already binds it to
//! one person, and RFC 8058 one-click posts come from mail providers' servers.

use axum::http::{HeaderMap, header};

/// Whether a POST with `headers` came from this site (or from no page at all);
/// `public_url` is `serve.public_url`.
pub(crate) fn same_site(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let named = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .map(|v| v.to_str().unwrap_or("null"));
    let Some(named) = named else {
        return true;
    };
    let Some(origin) = origin_of(named) else {
        return false;
    };
    let ours = public_url.and_then(origin_of);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    ours.as_deref() == Some(origin.as_str())
        || host.is_some_and(|host| origin.split_once("://").is_some_and(|(_, h)| h == host))
}

/// `scheme://host[:port]` of a URL, lowercase; `None` for `null` and non-URLs.
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let origin = parsed.origin();
    origin
        .is_tuple()
        .then(|| origin.ascii_serialization().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn only_this_sites_pages_or_no_page_may_post() {
        let url = Some("https://news.example.com/");
        let check = |pairs: &[(header::HeaderName, &str)]| same_site(&headers(pairs), url);
        assert!(check(&[]), "not a browser");
        assert!(check(&[(header::ORIGIN, "https://news.example.com")]));
        assert!(check(&[(
            header::REFERER,
            "https://news.example.com/subscribe?x=1"
        )]));
        assert!(!check(&[(header::ORIGIN, "https://evil.example")]));
        assert!(!check(&[(header::ORIGIN, "null")]));
        assert!(
            !check(&[(header::ORIGIN, "http://news.example.com")]),
            "scheme"
        );
        assert!(!check(&[(header::REFERER, "https://evil.example/page")]));
        // The Host the request came to counts too (a second name, a proxy).
        assert!(check(&[
            (header::ORIGIN, "http://127.0.0.1:8080"),
            (header::HOST, "127.0.0.1:8080")
        ]));
        assert!(!check(&[
            (header::ORIGIN, "http://127.0.0.1:9999"),
            (header::HOST, "127.0.0.1:8080")
        ]));
    }
}
