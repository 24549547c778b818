//! What every format says about the feed itself, taken from the config and the items.

use chrono::{DateTime, Utc};

use super::item::xml_safe;
use super::place::Place;
use crate::config::{Config, Stylesheet};
use crate::content::Article;
use crate::error::{Error, Result};

/// The `generator` name written in RSS and Atom.
pub(super) const GENERATOR: &str = "herald";

/// Where herald lives, for Atom's `generator uri`.
pub(super) const GENERATOR_URI: &str = "https://github.com/herald-rs/herald";

/// herald's version, for the generator elements.
pub(super) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The feed-level fields shared by the formats, XML-safe.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    /// `site.title`.
    pub title: String,
    /// `site.description`.
    pub description: String,
    /// `site.language`, when set.
    pub language: Option<String>,
    /// `site.author`, when set.
    pub author: Option<String>,
    /// The home page, `site.url`.
    pub home: String,
    /// The newest date among the items (their [`Article::modified`]); `None` for an
    /// empty feed. Never the build clock, so unchanged content gives unchanged files.
    pub updated: Option<DateTime<Utc>>,
    /// `feeds.websub_hub`, announced in every format.
    pub hub: Option<String>,
    /// The `href` of the XSL stylesheet the XML feeds link to, when there is one:
    /// relative to the document, so that it is found from archive pages and tag feeds
    /// as from the site's own feed, and on any host that serves the folder.
    pub stylesheet: Option<String>,
    /// Which document this is: the site's feed or a tag's, current or an archive page.
    pub place: Place,
}

impl Site {
    /// The feed-level fields for `config` and the articles the feed shows, `items`.
    pub(crate) fn new(config: &Config, items: &[&Article]) -> Self {
        Site::at(config, items, Place::default(), None)
    }

    /// The feed-level fields of the document at `place`; a tag's feed (`tag` is its
    /// name) is titled `{site.title}: {tag}`.
    pub(crate) fn at(config: &Config, items: &[&Article], place: Place, tag: Option<&str>) -> Self {
        let site = &config.site;
        let title = match tag {
            Some(tag) => format!("{}: {}", site.title.trim(), tag.trim()),
            None => site.title.trim().to_string(),
        };
        let non_empty = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(xml_safe)
        };
        Site {
            title: xml_safe(&title),
            description: xml_safe(site.description.trim()),
            language: non_empty(&site.language),
            author: non_empty(&site.author),
            home: config.base_url.to_string(),
            updated: items.iter().map(|article| article.modified()).max(),
            hub: config.feeds.websub_hub.clone(),
            stylesheet: match config.feeds.stylesheet {
                Stylesheet::Off => None,
                Stylesheet::Builtin | Stylesheet::File(_) => Some(stylesheet_href(&place)),
            },
            place,
        }
    }
}

/// The stylesheet's `href` from the document at `place`: `feed.xsl` from the site's
/// feed, `../../feed.xsl` from `tags/rust/rss.xml`.
fn stylesheet_href(place: &Place) -> String {
    let depth = place.path(super::RSS_FILE).matches('/').count();
    format!("{}{}", "../".repeat(depth), super::STYLESHEET_FILE)
}

/// `xml` (a document starting with the XML declaration) with an
/// `<?xml-stylesheet?>` processing instruction linking `href` after the declaration.
pub(super) fn link_stylesheet(xml: Vec<u8>, href: Option<&str>) -> Vec<u8> {
    let Some(href) = href else { return xml };
    let declaration_end = if xml.starts_with(b"<?xml") {
        xml.windows(2)
            .position(|w| w == b"?>")
            .map_or(0, |at| at + 2)
    } else {
        0
    };
    let instruction = format!("\n<?xml-stylesheet type=\"text/xsl\" href=\"{href}\"?>");
    let mut out = Vec::with_capacity(xml.len() + instruction.len());
    out.extend_from_slice(&xml[..declaration_end]);
    out.extend_from_slice(instruction.as_bytes());
    if declaration_end == 0 {
        out.push(b'\n');
    }
    out.extend_from_slice(&xml[declaration_end..]);
    out
}

/// The absolute URL of `relative`, a document in the format of `file`, served from
/// the site root.
pub(super) fn feed_url(config: &Config, file: &'static str, relative: &str) -> Result<url::Url> {
    config.base_url.join(relative).map_err(|e| Error::Feed {
        file,
        source: Box::new(e),
    })
}

/// The MIME type of an image, guessed from the extension of its URL's path.
pub(super) fn image_type(url: &url::Url) -> Option<&'static str> {
    let name = url.path().rsplit('/').next().unwrap_or_default();
    let (_, extension) = name.rsplit_once('.')?;
    let mime = match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" | "jpe" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        _ => return None,
    };
    Some(mime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_follows_the_declaration() {
        let xml = b"<?xml version=\"1.0\"?>\n<rss/>".to_vec();
        assert_eq!(
            link_stylesheet(xml.clone(), Some("feed.xsl")),
            b"<?xml version=\"1.0\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"feed.xsl\"?>\n<rss/>"
        );
        assert_eq!(link_stylesheet(xml.clone(), None), xml);
    }

    #[test]
    fn image_types_from_the_extension() {
        let cases = [
            ("https://e.com/a.jpg", Some("image/jpeg")),
            ("https://e.com/a.JPEG?x=1.png", Some("image/jpeg")),
            ("https://e.com/i.d/a.webp", Some("image/webp")),
            ("https://e.com/a.svg", Some("image/svg+xml")),
            ("https://e.com/img.d/photo", None),
            ("https://e.com/", None),
        ];
        for (url, expected) in cases {
            assert_eq!(
                image_type(&url::Url::parse(url).unwrap()),
                expected,
                "{url}"
            );
        }
    }
}
