//! Where one feed document sits among the files herald writes, and the RFC 5005 links
//! that tie a feed's documents together.
//!
//! A *feed* is the site's (`rss.xml`, `atom.xml`, `feed.json` at the root) or a tag's
//! (the same names under `tags/{slug}/`). Each has a current (subscription) document per
//! format and, with archives, pages `archive/rss-1.xml` … (`atom-N.xml`,
//! `feed-N.json`), page 1 the oldest.

use super::site::feed_url;
use crate::config::Config;
use crate::error::Result;

/// The folder of archive pages, inside a feed's folder.
pub(crate) const ARCHIVE_DIR: &str = "archive";

/// The folder of the per-tag feeds, under `output_dir`.
pub(crate) const TAGS_DIR: &str = "tags";

/// Which document of a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Page {
    /// The subscription document: the newest items.
    #[default]
    Current,
    /// Archive page `n`, 1 being the oldest.
    Archive(usize),
}

/// One document's place: its feed's folder, which document it is, and how many archive
/// pages the feed has (for the links).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Place {
    /// The feed's folder under `output_dir` and `site.url`, ending in `/`; empty for the
    /// site's own feed.
    pub(crate) folder: String,
    /// Which document.
    pub(crate) page: Page,
    /// The number of archive pages the feed has.
    pub(crate) pages: usize,
}

/// The URLs a document links to, in one format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Links {
    /// This document (`rel="self"`).
    pub(crate) this: url::Url,
    /// The feed's current document: the one to subscribe to.
    pub(crate) current: url::Url,
    /// The next older archive page (`rel="prev-archive"`; JSON Feed's `next_url`).
    pub(crate) prev_archive: Option<url::Url>,
    /// The next newer archive page (`rel="next-archive"`).
    pub(crate) next_archive: Option<url::Url>,
}

impl Place {
    /// Whether this is an archive page (Atom and RSS mark it with `<fh:archive/>`).
    pub(crate) fn is_archive(&self) -> bool {
        matches!(self.page, Page::Archive(_))
    }

    /// This document's path relative to `output_dir` (and to `site.url`) in the format
    /// whose current file is `file` (`rss.xml`, `atom.xml`, `feed.json`).
    pub(crate) fn path(&self, file: &str) -> String {
        path(&self.folder, self.page, file)
    }

    /// The links of this document in the format of `file`.
    pub(crate) fn links(&self, config: &Config, file: &'static str) -> Result<Links> {
        let url = |page| feed_url(config, file, &path(&self.folder, page, file));
        let archive = |n: usize| (1..=self.pages).contains(&n).then_some(Page::Archive(n));
        let (prev, next) = match self.page {
            Page::Current => (archive(self.pages), None),
            Page::Archive(n) => (archive(n.wrapping_sub(1)), archive(n + 1)),
        };
        Ok(Links {
            this: url(self.page)?,
            current: url(Page::Current)?,
            prev_archive: prev.map(url).transpose()?,
            next_archive: next.map(url).transpose()?,
        })
    }
}

/// The path of `page` of the feed in `folder`, in the format whose current file is
/// `file`: `{folder}{file}`, or `{folder}archive/{stem}-{n}.{extension}`.
pub(crate) fn path(folder: &str, page: Page, file: &str) -> String {
    match page {
        Page::Current => format!("{folder}{file}"),
        Page::Archive(n) => {
            let (stem, extension) = file.rsplit_once('.').unwrap_or((file, ""));
            format!("{folder}{ARCHIVE_DIR}/{stem}-{n}.{extension}")
        }
    }
}

/// The page number of an archive file name in the format of `file` (`rss-3.xml` for
/// `rss.xml` is 3); `None` for any other name.
pub(crate) fn archive_number(name: &str, file: &str) -> Option<usize> {
    let (stem, extension) = file.rsplit_once('.')?;
    let digits = name
        .strip_prefix(stem)?
        .strip_prefix('-')?
        .strip_suffix(extension)?
        .strip_suffix('.')?;
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    canonical.then(|| digits.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config() -> Config {
        let yaml = "site:\n  title: T\n  url: https://example.com/blog/\n  description: D\n";
        Config::from_yaml(yaml.as_bytes(), Path::new("herald.yaml")).unwrap()
    }

    #[test]
    fn paths_of_current_documents_and_archive_pages() {
        assert_eq!(path("", Page::Current, "rss.xml"), "rss.xml");
        assert_eq!(path("", Page::Archive(3), "rss.xml"), "archive/rss-3.xml");
        assert_eq!(
            path("tags/c-sharp/", Page::Archive(12), "feed.json"),
            "tags/c-sharp/archive/feed-12.json"
        );
        assert_eq!(
            path("tags/rust/", Page::Current, "atom.xml"),
            "tags/rust/atom.xml"
        );
    }

    #[test]
    fn archive_numbers_are_read_back_from_names() {
        let cases = [
            ("rss-3.xml", "rss.xml", Some(3)),
            ("rss-12.xml", "rss.xml", Some(12)),
            ("feed-1.json", "feed.json", Some(1)),
            ("atom-1.xml", "rss.xml", None),
            ("rss-01.xml", "rss.xml", None),
            ("rss-0.xml", "rss.xml", None),
            ("rss-.xml", "rss.xml", None),
            ("rss-3.xml.bak", "rss.xml", None),
            ("rss-x.xml", "rss.xml", None),
            ("rss.xml", "rss.xml", None),
        ];
        for (name, file, expected) in cases {
            assert_eq!(archive_number(name, file), expected, "{name}");
        }
    }

    #[test]
    fn links_chain_the_pages_oldest_first() {
        let config = config();
        let at = |page| Place {
            folder: "tags/rust/".into(),
            page,
            pages: 3,
        };
        let base = "https://example.com/blog/tags/rust/";
        let links = at(Page::Current).links(&config, "rss.xml").unwrap();
        assert_eq!(links.this.as_str(), format!("{base}rss.xml"));
        assert_eq!(
            links.prev_archive.unwrap().as_str(),
            format!("{base}archive/rss-3.xml")
        );
        assert_eq!(links.next_archive, None);

        let links = at(Page::Archive(2)).links(&config, "atom.xml").unwrap();
        assert_eq!(links.this.as_str(), format!("{base}archive/atom-2.xml"));
        assert_eq!(links.current.as_str(), format!("{base}atom.xml"));
        assert_eq!(
            links.prev_archive.unwrap().as_str(),
            format!("{base}archive/atom-1.xml")
        );
        assert_eq!(
            links.next_archive.unwrap().as_str(),
            format!("{base}archive/atom-3.xml")
        );

        let oldest = at(Page::Archive(1)).links(&config, "feed.json").unwrap();
        assert_eq!(oldest.prev_archive, None);
        let newest = at(Page::Archive(3)).links(&config, "feed.json").unwrap();
        assert_eq!(newest.next_archive, None);

        let alone = Place::default().links(&config, "rss.xml").unwrap();
        assert_eq!(alone.prev_archive, None);
        assert_eq!(alone.this, alone.current);
    }
}
