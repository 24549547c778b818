//! What the loader keeps of every article for the whole run: only what ordering,
//! selection, duplicate checks and the ids file need. Everything else (subtitle,
//! description, images, call to action …) is read again, one article at a time, for the
//! few that are shown ([`ArticleMeta::load_full`]).

use std::path::Path;

use chrono::{DateTime, Utc};

use super::article::{Article, Fingerprint};
use super::parse::{parse, parse_leaving_body};
use crate::config::Config;
use crate::error::{Error, Result};

/// One valid article as [`load`](super::load) keeps it: its file, slug, feed id, publish
/// date, draft flag and tags, in about 80 bytes plus two strings. The title is not
/// kept: the ids file needs it only for new articles, and reads it back
/// (`ArticleMeta::load_full`).
///
/// A large archive is held in a tenth of the memory of the full [`Article`]s this way
/// (docs/benchmark.md, "Design measurements"). `ArticleMeta::load_full` reads the rest of the
/// front matter back from the file, checking that the file did not change since.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArticleMeta {
    /// The file's path, then the slug, the id, then each tag followed by `\0` (tags are
    /// cleaned of control characters, so `\0` cannot occur in one). One allocation per
    /// article: a separate path would cost another 30 bytes or so each.
    text: Box<str>,
    /// Where the path, the slug and the id end in `text`.
    ends: [u32; 3],
    /// The path, when it is not UTF-8 and so cannot lead `text` (its part there is
    /// then empty).
    odd_path: Option<Box<Path>>,
    /// When it is (or will be) published, in UTC.
    pub published: DateTime<Utc>,
    /// `draft: true` articles are never published.
    pub draft: bool,
    /// Whether the id is the article's URL (no `id:` in the front matter, or the URL
    /// itself), so that the ids file may give it the id it was first published with.
    id_is_url: bool,
    /// Where the body starts in the file.
    body_offset: u32,
    /// The whole file as it was read at load, to notice an edit before it is read again.
    fingerprint: Fingerprint,
}

impl ArticleMeta {
    /// The record of `article`, loaded from a file whose bytes had `fingerprint` and
    /// whose body starts at `body_offset`.
    ///
    /// # Panics
    /// Never for the loader's input; a path, slug and id longer than 4 GiB together, or
    /// a front matter longer than 4 GiB, would not fit the compact offsets.
    pub(crate) fn new(article: &Article, body_offset: usize, fingerprint: Fingerprint) -> Self {
        let (path, odd_path) = match article.path.to_str() {
            Some(path) => (path, None),
            None => ("", Some(article.path.clone().into_boxed_path())),
        };
        let tags_len: usize = article.tags.iter().map(|t| t.len() + 1).sum();
        let mut text =
            String::with_capacity(path.len() + article.slug.len() + article.id.len() + tags_len);
        let mut ends = [0; 3];
        for (end, part) in ends.iter_mut().zip([path, &article.slug, &article.id]) {
            text.push_str(part);
            *end = u32::try_from(text.len()).expect("path, slug and id under 4 GiB");
        }
        for tag in &article.tags {
            text.push_str(tag);
            text.push('\0');
        }
        ArticleMeta {
            text: text.into_boxed_str(),
            ends,
            odd_path,
            published: article.published,
            draft: article.draft,
            id_is_url: article.id == article.url.as_str(),
            body_offset: u32::try_from(body_offset).expect("front matter under 4 GiB"),
            fingerprint,
        }
    }

    /// The record of an article built in memory (tests, library users): its body is
    /// not in a file, so [`ArticleMeta::load_full`] is for loaded records only.
    #[cfg(test)]
    pub(crate) fn of(article: &Article) -> Self {
        ArticleMeta::new(article, 0, Fingerprint::of(b""))
    }

    /// The Markdown file it came from.
    pub(crate) fn path(&self) -> &Path {
        match &self.odd_path {
            Some(path) => path,
            None => Path::new(&self.text[..self.ends[0] as usize]),
        }
    }

    /// URL-safe name (front matter `slug`, else the file name).
    pub fn slug(&self) -> &str {
        &self.text[self.ends[0] as usize..self.ends[1] as usize]
    }

    /// Stable identity for feed readers (front matter `id`, else the id the ids file
    /// recorded, else the absolute URL).
    pub(crate) fn id(&self) -> &str {
        &self.text[self.ends[1] as usize..self.ends[2] as usize]
    }

    /// Tags, in front-matter order.
    pub(crate) fn tags(&self) -> impl Iterator<Item = &str> {
        let tags = &self.text[self.ends[2] as usize..];
        tags.split_terminator('\0')
    }

    /// Whether the id is the article's own URL rather than an explicit `id:` (or one the
    /// ids file gave it).
    pub(crate) fn id_is_url(&self) -> bool {
        self.id_is_url
    }

    /// Gives the article another feed id (the one the ids file recorded for it).
    pub(crate) fn set_id(&mut self, id: &str) {
        let [path_end, slug_end, id_end] = self.ends.map(|end| end as usize);
        let mut text = String::with_capacity(self.text.len() - (id_end - slug_end) + id.len());
        text.push_str(&self.text[..slug_end]);
        text.push_str(id);
        text.push_str(&self.text[id_end..]);
        let new_end = u32::try_from(slug_end + id.len()).expect("path, slug and id under 4 GiB");
        self.ends = [path_end as u32, slug_end as u32, new_end];
        self.text = text.into_boxed_str();
        self.id_is_url = false;
    }

    /// The length and CRC-32 of the file as it was loaded.
    pub(crate) fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// Whether the article is visible at `now`: not a draft and not scheduled later.
    pub(crate) fn is_published(&self, now: DateTime<Utc>) -> bool {
        !self.draft && self.published <= now
    }

    /// The whole article: its file read and its front matter parsed again, with the id
    /// this record holds (the one the ids file gave it). The body stays in the file until
    /// [`Article::render_html`].
    ///
    /// Fails when the file changed or vanished since it was loaded: its front matter
    /// might no longer match this record.
    pub(crate) fn load_full(&self, config: &Config) -> Result<Article> {
        self.load(config, Keep::FrontMatter)
    }

    /// [`ArticleMeta::load_full`], keeping the body in memory with [`Keep::Body`].
    fn load(&self, config: &Config, keep: Keep) -> Result<Article> {
        let bytes = std::fs::read(self.path()).map_err(|e| Error::io(self.path(), e))?;
        if Fingerprint::of(&bytes) != self.fingerprint {
            return Err(self.changed());
        }
        let parsed = match keep {
            Keep::FrontMatter => parse_leaving_body(self.path(), &bytes, config),
            Keep::Body => parse(self.path(), &bytes, config),
        };
        let mut article = match parsed.article {
            Some(article) if parsed.body_offset == Some(self.body_offset as usize) => article,
            // Same bytes, other outcome: the config changed under the record.
            _ => return Err(self.changed()),
        };
        if article.id != self.id() {
            article.id = self.id().to_string();
        }
        Ok(article)
    }

    fn changed(&self) -> Error {
        Error::io(
            self.path(),
            std::io::Error::other(
                "the file changed after herald read it, so it no longer matches what was \
                 loaded; run the build again",
            ),
        )
    }
}

/// What of an article's file [`ArticleMeta`]'s loads hold in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// The front matter; the body stays in the file until it is rendered, which reads
    /// the file again. For documents many of which are written at once, or whose size
    /// the archive decides (current feeds, tag feeds, a feed without a limit, a digest).
    FrontMatter,
    /// The body too: the file is read once. For archive pages, a page at a time.
    Body,
}

/// Loads the full [`Article`] of each record, in parallel, in the records' order; the
/// bodies stay in their files until they are rendered.
pub fn load_full(config: &Config, records: &[&ArticleMeta]) -> Result<Vec<Article>> {
    load_keeping(config, records, Keep::FrontMatter)
}

/// [`load_full`], keeping what `keep` says in memory.
pub(crate) fn load_keeping(
    config: &Config,
    records: &[&ArticleMeta],
    keep: Keep,
) -> Result<Vec<Article>> {
    use rayon::prelude::*;
    records.par_iter().map(|r| r.load(config, keep)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> Article {
        Article {
            title: "A & B".into(),
            subtitle: Some("sub".into()),
            tags: vec!["rust".into(), "web tools".into()],
            ..Article::for_test("a-b", chrono::DateTime::UNIX_EPOCH)
        }
    }

    #[test]
    fn a_record_gives_back_the_fields_it_keeps() {
        let mut record = ArticleMeta::of(&article());
        assert_eq!(record.path(), Path::new("content/a-b.md"));
        assert!(record.odd_path.is_none());
        assert_eq!(record.slug(), "a-b");
        assert_eq!(record.id(), "https://example.com/a-b/");
        assert!(record.id_is_url());
        assert_eq!(record.tags().collect::<Vec<_>>(), ["rust", "web tools"]);
        record.set_id("tag:example.com,2024:1");
        assert_eq!(record.id(), "tag:example.com,2024:1");
        assert!(!record.id_is_url());
        assert_eq!(record.slug(), "a-b");
        assert_eq!(record.tags().collect::<Vec<_>>(), ["rust", "web tools"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_path_that_is_not_utf8_is_kept_whole() {
        use std::os::unix::ffi::OsStrExt;
        let mut odd = article();
        odd.path = std::ffi::OsStr::from_bytes(b"content/caf\xe9.md").into();
        let mut record = ArticleMeta::of(&odd);
        assert_eq!(record.path(), odd.path.as_path());
        record.set_id("tag:x");
        assert_eq!(record.path(), odd.path.as_path());
        assert_eq!((record.slug(), record.id()), ("a-b", "tag:x"));
        assert_eq!(record.tags().collect::<Vec<_>>(), ["rust", "web tools"]);
    }

    #[test]
    fn an_article_without_tags_has_none() {
        let mut plain = article();
        plain.tags.clear();
        assert_eq!(ArticleMeta::of(&plain).tags().count(), 0);
    }

    /// The memory of a 100k-article archive is mostly this record: it must stay small
    /// (bench/run.sh's 100k row holds the whole build to its memory target).
    #[test]
    fn the_record_stays_small() {
        assert!(
            std::mem::size_of::<ArticleMeta>() <= 88,
            "ArticleMeta is {} bytes",
            std::mem::size_of::<ArticleMeta>()
        );
        // One string for path, slug, id and tags.
        let record = ArticleMeta::of(&article());
        let text = "content/a-b.md".len() + "a-b".len() + "https://example.com/a-b/".len() + 15;
        assert!(record.odd_path.is_none());
        assert_eq!(record.text.len(), text);
    }

    #[test]
    fn articles_read_whole_still_leave_their_bodies_in_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "site:\n  title: T\n  url: https://example.com/\n  description: D\n";
        let config = Config::from_yaml(yaml.as_bytes(), &dir.path().join("herald.yaml")).unwrap();
        std::fs::create_dir(dir.path().join("content")).unwrap();
        for (name, date) in [("kept", "2024-01-01"), ("gone", "2024-01-02")] {
            std::fs::write(
                dir.path().join(format!("content/{name}.md")),
                format!("---\ntitle: {name}\npublish_date: {date}\n---\n\nBody of {name}.\n"),
            )
            .unwrap();
        }
        let loaded = crate::content::load(&config).unwrap();
        let records: Vec<&ArticleMeta> = loaded.articles.iter().collect();
        let full = load_full(&config, &records).unwrap();
        assert_eq!(full.len(), 2);
        assert!(
            full.iter()
                .all(|a| matches!(a.body, crate::content::article::Body::InFile { .. })),
            "the loader keeps no body in memory"
        );
        let kept = load_keeping(&config, &records, Keep::Body).unwrap();
        let texts: Vec<&str> = kept
            .iter()
            .map(|a| match &a.body {
                crate::content::article::Body::Text(text) => text.as_str(),
                other => panic!("{}: body left as {other:?}", a.path.display()),
            })
            .collect();
        assert_eq!(texts, ["\nBody of gone.\n", "\nBody of kept.\n"]);
        for (whole, kept) in full.iter().zip(&kept) {
            assert_eq!(whole.render_html().unwrap(), kept.render_html().unwrap());
            assert_eq!((&whole.title, &whole.id), (&kept.title, &kept.id));
        }
    }

    #[test]
    fn a_file_edited_since_it_was_loaded_is_refused_either_way() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "site:\n  title: T\n  url: https://example.com/\n  description: D\n";
        let config = Config::from_yaml(yaml.as_bytes(), &dir.path().join("herald.yaml")).unwrap();
        std::fs::create_dir(dir.path().join("content")).unwrap();
        let file = dir.path().join("content/a.md");
        std::fs::write(
            &file,
            "---\ntitle: A\npublish_date: 2024-01-01\n---\nOne.\n",
        )
        .unwrap();
        let loaded = crate::content::load(&config).unwrap();
        let records: Vec<&ArticleMeta> = loaded.articles.iter().collect();
        std::fs::write(
            &file,
            "---\ntitle: A\npublish_date: 2024-01-01\n---\nTwo.\n",
        )
        .unwrap();
        for keep in [Keep::FrontMatter, Keep::Body] {
            let error = load_keeping(&config, &records, keep)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("a.md") && error.contains("changed"),
                "{keep:?}: {error}"
            );
        }
    }
}
