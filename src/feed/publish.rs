//! Every feed document a build writes: the site's feed and, with `feeds.per_tag`, one
//! feed per tag; each a current document plus, with `feeds.archives`, its archive pages.
//!
//! Documents are rendered one at a time (a page holds `feeds.archive_page_size` items):
//! the plan holds only each article's [`Record`], and a document's articles are read
//! whole ([`content::load_full`]) just before it is rendered and dropped after, so
//! memory grows with a page, not with the archive; bodies stay in their files until
//! their page is rendered.
//!
//! A document whose inputs did not change since the last build is not even rendered
//! ([`super::rendered`]): a rebuild renders only what a change reached (a new article:
//! the current documents and the newest pages of its feeds), not the archive.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::archive::Split;
use super::place::{ARCHIVE_DIR, Page, Place, TAGS_DIR};
use super::rendered::{Document, Rendered};
use super::site::Site;
use super::tags::{self, TagFeed};
use super::{DOCUMENT_FILES, select, stage_document};
use crate::config::Config;
use crate::content::{self, Article, Record};
use crate::error::{Diagnostic, Error, Result};
use crate::output::{Staged, Written};

/// The feeds of one build.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    /// Every published article, newest first: the site's feed.
    published: Vec<&'a Record>,
    /// The tags' feeds (empty unless `feeds.per_tag`).
    tags: Vec<TagFeed<'a>>,
    /// Tags that could not get a feed (no slug, or a slug two tags share).
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// One feed: its folder, its tag, its items newest first.
struct Feed<'p, 'a> {
    folder: String,
    tag: Option<&'p str>,
    items: &'p [&'a Record],
}

/// What staging wrote, for the report and for removing stale documents afterwards.
#[derive(Debug, Default)]
pub(crate) struct Staging {
    /// Every staged document.
    pub(crate) files: Vec<Staged>,
    /// What `feeds.max_bytes` took out of the current documents that outgrew it.
    pub(crate) trimmed: Vec<super::Trimmed>,
    /// Each feed's folder and its number of archive pages.
    pub(crate) feeds: Vec<(String, usize)>,
    /// Every document, to record once the files are in place.
    pub(crate) recorded: Vec<Document>,
    /// How many documents were left as they were without being rendered.
    pub(crate) skipped: usize,
    /// Folders created for the documents; removed again (when empty) if the build fails.
    created: Vec<PathBuf>,
}

impl Staging {
    fn add(&mut self, staged: super::StagedFeeds) {
        self.files.extend(staged.files);
        self.files.extend(staged.pages);
        self.trimmed.extend(staged.trimmed);
    }

    /// Keeps the files of the document at `place` (its three formats and their pages)
    /// as they are, unrendered.
    fn skip(&mut self, dir: &Path, place: &Place) {
        let files = DOCUMENT_FILES.map(|file| Staged::unchanged(dir.join(place.path(file))));
        self.files.extend(files);
        self.skipped += 1;
    }
}

impl<'a> Plan<'a> {
    /// The feeds for the articles published at `now`.
    pub(crate) fn new(config: &Config, articles: &'a [Record], now: DateTime<Utc>) -> Self {
        let published = select(articles, now, 0);
        let (tags, diagnostics) = if config.feeds.per_tag {
            tags::group(&published)
        } else {
            Default::default()
        };
        Plan {
            published,
            tags,
            diagnostics,
        }
    }

    /// How many items the site's current feed shows.
    pub(crate) fn current_items(&self, config: &Config) -> usize {
        self.split(config, &self.published).current.len()
    }

    /// Stages every document in `dir` (see [`super::stage`]): nothing is published until
    /// the files are committed, and on error the folders this created are removed.
    pub(crate) fn stage(&self, config: &Config, dir: &Path) -> Result<Staging> {
        let mut staging = Staging::default();
        match self.stage_into(config, dir, &mut staging) {
            Ok(()) => Ok(staging),
            Err(e) => {
                staging.files.clear();
                for folder in staging.created.iter().rev() {
                    let _ = std::fs::remove_dir(folder);
                }
                Err(e)
            }
        }
    }

    fn stage_into(&self, config: &Config, dir: &Path, staging: &mut Staging) -> Result<()> {
        let mut rendered = Rendered::load(config);
        for feed in self.feeds() {
            let split = self.split(config, feed.items);
            let pages = split.pages();
            let folder = dir.join(&feed.folder);
            create_dir(&folder, &mut staging.created)?;
            if pages > 0 {
                create_dir(&folder.join(ARCHIVE_DIR), &mut staging.created)?;
            }
            let documents = std::iter::once((Page::Current, split.current))
                .chain((1..=pages).map(|n| (Page::Archive(n), split.page(n))));
            for (page, items) in documents {
                let place = Place {
                    folder: feed.folder.clone(),
                    page,
                    pages,
                };
                stage_one(config, dir, &feed, place, items, &mut rendered, staging)?;
            }
            staging.feeds.push((feed.folder, pages));
        }
        Ok(())
    }

    /// The site's feed, then each tag's.
    fn feeds(&self) -> impl Iterator<Item = Feed<'_, 'a>> {
        let site = Feed {
            folder: String::new(),
            tag: None,
            items: &self.published,
        };
        let tags = self.tags.iter().map(|tag| Feed {
            folder: format!("{TAGS_DIR}/{}/", tag.slug),
            tag: Some(&tag.name),
            items: &tag.items,
        });
        std::iter::once(site).chain(tags)
    }

    fn split<'s>(&self, config: &Config, items: &'s [&'a Record]) -> Split<'s, 'a> {
        let feeds = &config.feeds;
        Split::new(
            items,
            feeds.limit,
            feeds.archives,
            feeds.archive_page_size.get(),
        )
    }
}

/// Stages the document at `place` holding `items`, unless `rendered` says it is on disk
/// as this build would write it; records its key either way, unless `feeds.max_bytes`
/// trimmed it (what was trimmed is reported by rendering, so it is rendered each time).
fn stage_one(
    config: &Config,
    dir: &Path,
    feed: &Feed<'_, '_>,
    place: Place,
    items: &[&Record],
    rendered: &mut Rendered,
    staging: &mut Staging,
) -> Result<()> {
    let key = rendered.key(&place, feed.tag, items);
    if let Some(stamps) = rendered.skips(dir, &place, &key) {
        staging.skip(dir, &place);
        staging.recorded.push(Document::kept(place, key, stamps));
        return Ok(());
    }
    let check = rendered.unchecked() && rendered.would_skip(dir, &place, &key).is_some();
    // Only this document's articles are held whole, and only while it is written.
    let articles = content::load_full(config, items)?;
    let articles: Vec<&Article> = articles.iter().collect();
    let site = Site::at(config, &articles, place.clone(), feed.tag);
    let staged = stage_document(config, &site, &articles, dir)?;
    if check {
        let same = staged
            .files
            .iter()
            .chain(&staged.pages)
            .all(|f| f.written() == Written::Unchanged);
        rendered.checked(same);
    }
    let trimmed = !staged.trimmed.is_empty();
    staging.add(staged);
    if !trimmed {
        staging.recorded.push(Document::rendered(place, key));
    }
    Ok(())
}

/// Creates `folder` (and its parents) if missing, recording each one created.
fn create_dir(folder: &Path, created: &mut Vec<PathBuf>) -> Result<()> {
    let mut missing = Vec::new();
    let mut at = Some(folder);
    while let Some(path) = at.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        missing.push(path.to_path_buf());
        at = path.parent();
    }
    for path in missing.into_iter().rev() {
        std::fs::create_dir(&path).map_err(|e| Error::io(&path, e))?;
        created.push(path);
    }
    Ok(())
}
