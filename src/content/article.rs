//! The typed article that every later stage works from.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// One published-or-not article, with every URL already absolute.
///
/// Only the front matter has been processed; the Markdown body is kept as source and
/// rendered on demand by [`Article::render_html`], so an archive of 100k articles costs
/// a Markdown pass only for the ones a feed or digest includes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Article {
    /// The Markdown file it came from.
    pub path: PathBuf,
    /// URL-safe name (front matter `slug`, else the file name).
    pub slug: String,
    /// Stable identity for feed readers (front matter `id`, else the absolute URL).
    pub id: String,
    /// The article's absolute URL (`site.url` + `permalink`).
    pub url: url::Url,
    /// Title (required).
    pub title: String,
    /// Optional subtitle.
    pub subtitle: Option<String>,
    /// One-paragraph summary.
    pub description: Option<String>,
    /// Author name: the article's, else `site.author`.
    pub author: Option<String>,
    /// Free-form read time, e.g. `8 mins`.
    pub read_time: Option<String>,
    /// When it is (or will be) published, in UTC.
    pub published: DateTime<Utc>,
    /// Last meaningful update (`updated_date`), in UTC.
    pub updated: Option<DateTime<Utc>>,
    /// When the file was first drafted (`created_date`); never used as a feed date.
    pub created: Option<DateTime<Utc>>,
    /// Absolute URL of the hero image.
    pub hero_image: Option<url::Url>,
    /// Call-to-action text.
    pub cta: Option<String>,
    /// Where the call to action points (absolute); the article URL when unset.
    pub cta_url: Option<url::Url>,
    /// Tags, in front-matter order.
    pub tags: Vec<String>,
    /// `draft: true` articles are never published.
    pub draft: bool,
    /// The Markdown body, unrendered: in memory, or left in the file until rendered.
    pub(crate) body: Body,
}

/// Where an article's Markdown body is.
///
/// The loader leaves bodies in their files ([`Body::InFile`]) so that a large archive
/// costs memory only for its front matter; [`Article::render_html`] reads the few it
/// shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    /// The Markdown text itself.
    Text(String),
    /// The body starts at this byte of [`Article::path`] and runs to the end.
    InFile {
        /// Byte offset of the first body byte.
        offset: usize,
        /// The whole file as it was read at load, to notice an edit before rendering.
        fingerprint: Fingerprint,
    },
}

/// A file's length and CRC-32, taken from the bytes the loader read: if the file is
/// edited before its body is rendered (even keeping its size and modification time), the
/// body read then no longer belongs to the front matter read at load, and the build
/// stops instead of mixing the two. CRC-32 runs at memory speed, so loading a large
/// archive barely notices it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    len: u64,
    crc32: u32,
}

impl Fingerprint {
    /// The fingerprint of a file's whole contents.
    pub(crate) fn of(bytes: &[u8]) -> Self {
        Fingerprint {
            len: bytes.len() as u64,
            crc32: crc32fast::hash(bytes),
        }
    }

    /// The length then the CRC-32, little-endian: what a key built over files holds.
    pub(crate) fn to_bytes(self) -> [u8; 12] {
        let mut bytes = [0; 12];
        bytes[..8].copy_from_slice(&self.len.to_le_bytes());
        bytes[8..].copy_from_slice(&self.crc32.to_le_bytes());
        bytes
    }
}

impl Article {
    /// `updated_date` if set, else the publish date.
    pub(crate) fn modified(&self) -> DateTime<Utc> {
        self.updated.unwrap_or(self.published).max(self.published)
    }

    /// Where the call to action leads: `cta_url`, else the article itself.
    pub(crate) fn cta_target(&self) -> &url::Url {
        self.cta_url.as_ref().unwrap_or(&self.url)
    }

    /// Renders the Markdown body to HTML with every `href`/`src` made absolute against
    /// the article's URL. A body left in its file is read now; that fails if the file
    /// changed (its `Fingerprint` differs) or vanished since it was loaded.
    pub fn render_html(&self) -> Result<String> {
        let mut html = String::new();
        self.render_html_into(&mut html)?;
        Ok(html)
    }

    /// [`Article::render_html`], appending to `out`.
    pub(crate) fn render_html_into(&self, out: &mut String) -> Result<()> {
        let bytes;
        let markdown = match &self.body {
            Body::Text(text) => text.as_str(),
            Body::InFile {
                offset,
                fingerprint,
            } => {
                bytes = std::fs::read(&self.path).map_err(|e| Error::io(&self.path, e))?;
                if Fingerprint::of(&bytes) != *fingerprint {
                    return Err(self.changed());
                }
                bytes
                    .get(*offset..)
                    .and_then(|body| std::str::from_utf8(body).ok())
                    .ok_or_else(|| self.changed())?
            }
        };
        super::markdown::render_into(out, markdown, &self.url, &self.slug);
        Ok(())
    }

    /// Replaces an in-memory body by its place in the file (`offset` bytes into `file`,
    /// the file's contents as read now).
    #[cfg(test)]
    pub(crate) fn leave_body_in_file(&mut self, offset: usize, file: &[u8]) {
        self.body = Body::InFile {
            offset,
            fingerprint: Fingerprint::of(file),
        };
    }

    /// The error for a body that no longer lies where the loader found it.
    fn changed(&self) -> Error {
        Error::io(
            &self.path,
            std::io::Error::other(
                "the file changed after herald read it, so its body no longer matches its \
                 front matter; run the build again",
            ),
        )
    }
}

#[cfg(test)]
impl Article {
    /// A published article at `https://example.com/{slug}/` (its id too), with no
    /// optional field, no tags and an empty body: the one test article, each test
    /// changing what it needs with `Article { field, ..Article::for_test(…) }`.
    pub(crate) fn for_test(slug: &str, published: DateTime<Utc>) -> Article {
        let url = url::Url::parse(&format!("https://example.com/{slug}/")).expect("a URL");
        Article {
            path: format!("content/{slug}.md").into(),
            slug: slug.into(),
            id: url.to_string(),
            url,
            title: slug.into(),
            subtitle: None,
            description: None,
            author: None,
            read_time: None,
            published,
            updated: None,
            created: None,
            hero_image: None,
            cta: None,
            cta_url: None,
            tags: vec![],
            draft: false,
            body: Body::Text(String::new()),
        }
    }
}
