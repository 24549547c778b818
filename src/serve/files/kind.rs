//! What a file is, from its name: its `Content-Type`, whether it is a feed (CORS and
//! `Cache-Control`), and whether compressing it is worth trying.

use axum::http::HeaderValue;

/// How a file is served.
#[derive(Debug, Clone)]
pub(crate) struct Kind {
    /// The `Content-Type` header.
    pub(crate) content_type: HeaderValue,
    /// A feed: served with `Access-Control-Allow-Origin: *` and `Cache-Control`.
    pub(crate) feed: bool,
    /// Text-like: gzip and brotli variants are made.
    pub(crate) compressible: bool,
}

/// The feed types, by file name first (herald's own files), then by extension.
const FEEDS: [(&str, &str); 5] = [
    ("rss.xml", "application/rss+xml; charset=utf-8"),
    ("atom.xml", "application/atom+xml; charset=utf-8"),
    ("feed.json", "application/feed+json; charset=utf-8"),
    (".rss", "application/rss+xml; charset=utf-8"),
    (".atom", "application/atom+xml; charset=utf-8"),
];

/// The kind of the file at `relative` (a `/`-separated path).
pub(crate) fn of(relative: &str) -> Kind {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let name = archive_page_of(name).unwrap_or(name);
    let feed = FEEDS.iter().find(|(pattern, _)| {
        if pattern.starts_with('.') {
            name.ends_with(pattern)
        } else {
            name == *pattern
        }
    });
    if let Some((_, content_type)) = feed {
        return Kind {
            content_type: HeaderValue::from_static(content_type),
            feed: true,
            compressible: true,
        };
    }
    let essence = mime_guess::from_path(name)
        .first_raw()
        .unwrap_or("application/octet-stream");
    let textual = is_textual(essence);
    let content_type = if textual && essence != "image/svg+xml" {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_owned()
    };
    Kind {
        content_type: HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        feed: false,
        compressible: textual || COMPRESSIBLE_BINARY.contains(&essence),
    }
}

/// The feed file an archive page (`rss-3.xml`, `atom-3.xml`, `feed-3.json`, see
/// `feed::place`) is a page of.
fn archive_page_of(name: &str) -> Option<&'static str> {
    ["rss.xml", "atom.xml", "feed.json"]
        .into_iter()
        .find(|file| {
            let Some((stem, extension)) = file.split_once('.') else {
                return false;
            };
            let digits = name
                .strip_prefix(stem)
                .and_then(|rest| rest.strip_prefix('-'))
                .and_then(|rest| rest.strip_suffix(extension))
                .and_then(|rest| rest.strip_suffix('.'));
            digits.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// What a feed document of herald's own can be negotiated against: the HTML page the
/// build writes beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Alternative {
    /// The page's path: `rss.xml` → `rss.html`, `archive/feed-3.json` →
    /// `archive/feed-3.html` (see `feed::PAGE_FILES`).
    pub(crate) page: String,
    /// The types the feed itself answers to in `Accept`: its own, then the generic ones
    /// it is also served as.
    pub(crate) feed_types: &'static [&'static str],
}

/// The [`Alternative`] of the file at `relative`, when it is one of herald's feed
/// documents (`rss.xml`, `atom.xml`, `feed.json`, or an archive page of one, in any
/// folder); other files have none.
pub(crate) fn alternative(relative: &str) -> Option<Alternative> {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let feed_types = feed_types(name)?;
    let stem = relative
        .strip_suffix(".xml")
        .or_else(|| relative.strip_suffix(".json"))?;
    Some(Alternative {
        page: format!("{stem}.html"),
        feed_types,
    })
}

/// [`Alternative::feed_types`] of the file named `name` (no folder), when it is one of
/// herald's feed documents; without building the page's path.
pub(crate) fn feed_types(name: &str) -> Option<&'static [&'static str]> {
    let feed = match archive_page_of(name) {
        Some(feed) => feed,
        None => ["rss.xml", "atom.xml", "feed.json"]
            .into_iter()
            .find(|file| *file == name)?,
    };
    Some(match feed {
        "rss.xml" => &["application/rss+xml", "application/xml", "text/xml"],
        "atom.xml" => &["application/atom+xml", "application/xml", "text/xml"],
        _ => &["application/feed+json", "application/json"],
    })
}

/// Text that a browser reads as characters (gets `charset=utf-8`, is compressed).
fn is_textual(essence: &str) -> bool {
    essence.starts_with("text/")
        || essence.ends_with("+xml")
        || essence.ends_with("+json")
        || matches!(
            essence,
            "application/json" | "application/xml" | "application/javascript"
        )
}

/// Binary formats that are not compressed already.
const COMPRESSIBLE_BINARY: [&str; 5] = [
    "application/wasm",
    "font/ttf",
    "font/otf",
    "image/x-icon",
    "image/vnd.microsoft.icon",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn herald_feeds_have_their_page_as_alternative() {
        let cases = [
            ("rss.xml", Some("rss.html")),
            ("atom.xml", Some("atom.html")),
            ("feed.json", Some("feed.html")),
            ("tags/rust/rss.xml", Some("tags/rust/rss.html")),
            ("archive/rss-3.xml", Some("archive/rss-3.html")),
            (
                "tags/a/archive/feed-12.json",
                Some("tags/a/archive/feed-12.html"),
            ),
            ("news.rss", None),
            ("sitemap.xml", None),
            ("rss.html", None),
            ("myrss.xml", None),
        ];
        for (relative, page) in cases {
            assert_eq!(
                alternative(relative).map(|a| a.page),
                page.map(String::from),
                "{relative}"
            );
        }
        let json = alternative("feed.json").unwrap();
        assert_eq!(json.feed_types[0], "application/feed+json");
    }

    #[test]
    fn kinds() {
        let cases = [
            ("rss.xml", "application/rss+xml; charset=utf-8", true, true),
            (
                "atom.xml",
                "application/atom+xml; charset=utf-8",
                true,
                true,
            ),
            (
                "feed.json",
                "application/feed+json; charset=utf-8",
                true,
                true,
            ),
            (
                "blog/rss.xml",
                "application/rss+xml; charset=utf-8",
                true,
                true,
            ),
            ("news.rss", "application/rss+xml; charset=utf-8", true, true),
            (
                "archive/rss-3.xml",
                "application/rss+xml; charset=utf-8",
                true,
                true,
            ),
            (
                "tags/rust/archive/atom-12.xml",
                "application/atom+xml; charset=utf-8",
                true,
                true,
            ),
            (
                "archive/feed-1.json",
                "application/feed+json; charset=utf-8",
                true,
                true,
            ),
            ("rss-.xml", "text/xml; charset=utf-8", false, true),
            ("feed-1.xml", "text/xml; charset=utf-8", false, true),
            ("sitemap.xml", "text/xml; charset=utf-8", false, true),
            ("index.html", "text/html; charset=utf-8", false, true),
            ("style.css", "text/css; charset=utf-8", false, true),
            ("app.js", "text/javascript; charset=utf-8", false, true),
            ("data.json", "application/json; charset=utf-8", false, true),
            ("logo.svg", "image/svg+xml", false, true),
            ("hero.jpg", "image/jpeg", false, false),
            ("hero.png", "image/png", false, false),
            ("font.woff2", "font/woff2", false, false),
            ("no-extension", "application/octet-stream", false, false),
        ];
        for (name, content_type, feed, compressible) in cases {
            let kind = of(name);
            assert_eq!(kind.content_type, content_type, "{name}");
            assert_eq!(kind.feed, feed, "{name} feed");
            assert_eq!(kind.compressible, compressible, "{name} compressible");
        }
    }
}
