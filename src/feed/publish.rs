//! Every feed document a build writes: the site's feed and, with `feeds.per_tag`, one
//! feed per tag; each a current document plus, with `feeds.archives`, its archive pages
//! (a tag's feed only with `feeds.tag_archives`).
//!
//! Documents are rendered a few at a time (a page holds `feeds.archive_page_size`
//! items): the plan holds only each article's [`ArticleMeta`], and a document's articles
//! are read whole ([`content::load_keeping`]) just before it is rendered and dropped
//! after, so memory grows with a page, not with the archive. An archive page holds its
//! articles' bodies too (each file is read once); a current document leaves them in
//! their files until each is rendered.
//!
//! Documents are published (each one's six files renamed into place together) as they
//! complete, up to [`PAGES_PER_COMMIT`] pages at a time so that their files reach the
//! disk in one flush, a feed's pages before its current document: no staged file waits
//! for the rest of the build.
//!
//! A document whose inputs did not change since the last build is not even rendered
//! ([`super::rendered`]): a rebuild renders only what a change reached (a new article:
//! the current documents and the newest pages of its feeds), not the archive.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::archive::Split;
use super::place::{ARCHIVE_DIR, Page, Place, TAGS_DIR};
use super::rendered::{Document, Key, Rendered};
use super::site::Site;
use super::tags::{self, TagFeed};
use super::{DOCUMENT_FILES, select, stage_document};
use crate::config::Config;
use crate::content::{self, Article, ArticleMeta, Keep};
use crate::error::{Diagnostic, Error, Result};
use crate::output::{self, Staged, Written};

/// The feeds of one build.
#[derive(Debug)]
pub(crate) struct PublishPlan<'a> {
    /// Every published article, newest first: the site's feed.
    published: Vec<&'a ArticleMeta>,
    /// The tags' feeds (empty unless `feeds.per_tag`).
    tags: Vec<TagFeed<'a>>,
    /// Tags that could not get a feed (no slug, or a slug two tags share).
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// One feed: its folder, its tag, its items newest first.
struct Feed<'p, 'a> {
    folder: String,
    tag: Option<&'p str>,
    items: &'p [&'a ArticleMeta],
}

/// How many bytes each kind of feed output holds after a build, written or left as it
/// was (`herald build -v`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OutputBytes {
    /// The site's current documents: `rss.xml`, `atom.xml`, `feed.json`.
    pub current: u64,
    /// Every archive page's three formats: the site's and, with `feeds.tag_archives`,
    /// the tags'.
    pub archive: u64,
    /// The tags' current documents (`tags/{slug}/rss.xml` …).
    pub tags: u64,
    /// The HTML page beside every document (`rss.html` …, see [`super::PAGE_FILES`]).
    pub pages: u64,
}

impl OutputBytes {
    /// Counts `file`, of the document at `place`.
    fn add(&mut self, place: &Place, file: &Staged) {
        let html = file.path().extension().is_some_and(|e| e == "html");
        let kind = if html {
            &mut self.pages
        } else if place.is_archive() {
            &mut self.archive
        } else if place.folder.is_empty() {
            &mut self.current
        } else {
            &mut self.tags
        };
        *kind += file.len();
    }

    /// Every kind together.
    pub(crate) fn total(&self) -> u64 {
        self.current + self.archive + self.tags + self.pages
    }
}

/// What publishing wrote, for the report and for removing stale documents afterwards.
#[derive(Debug, Default)]
pub(crate) struct Published {
    /// Files created or replaced.
    pub(crate) written: Vec<PathBuf>,
    /// Files that already held their bytes, left alone.
    pub(crate) unchanged: Vec<PathBuf>,
    /// How many bytes each kind of output holds.
    pub(crate) bytes: OutputBytes,
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

/// Archive pages staged at once: enough that writing one overlaps rendering another on
/// two cores, few enough that their articles and temporary files stay a few megabytes.
const PAGES_AT_ONCE: usize = 4;

/// One document's files, staged and waiting to be committed together.
struct Staging {
    place: Place,
    files: Vec<Staged>,
}

/// Archive pages committed together: the new files of one commit reach the disk in one
/// flush (see [`output::commit`]), and a flush per page would cost more than rendering
/// it; few enough that the staged files waiting for it stay a few megabytes.
const PAGES_PER_COMMIT: usize = 16;

impl Published {
    /// Renames the files of each document into place, a document after the one before
    /// it, and counts them. The new files are flushed to disk together first, so a
    /// failure then leaves every document as it was.
    fn commit(&mut self, documents: Vec<Staging>) -> Result<()> {
        let mut files = Vec::new();
        for staging in documents {
            for file in &staging.files {
                self.bytes.add(&staging.place, file);
                match file.written() {
                    Written::Changed => self.written.push(file.path().to_path_buf()),
                    Written::Unchanged => self.unchanged.push(file.path().to_path_buf()),
                }
            }
            // Archive pages are most of a first build's bytes, and nothing reads them
            // back soon: they leave the page cache once on disk.
            let archive = staging.place.is_archive();
            files.extend(
                (staging.files.into_iter())
                    .map(|file| if archive { file.uncached() } else { file }),
            );
        }
        output::commit(files)?;
        Ok(())
    }
}

impl<'a> PublishPlan<'a> {
    /// The feeds for the articles published at `now`.
    pub(crate) fn new(config: &Config, articles: &'a [ArticleMeta], now: DateTime<Utc>) -> Self {
        let published = select(articles, now, 0);
        let (tags, diagnostics) = if config.feeds.per_tag {
            tags::group(&published)
        } else {
            Default::default()
        };
        PublishPlan {
            published,
            tags,
            diagnostics,
        }
    }

    /// How many items the site's current feed shows.
    pub(crate) fn current_items(&self, config: &Config) -> usize {
        split(config, None, &self.published).current.len()
    }

    /// Renders every document into `dir` and publishes them as they complete (see
    /// [`super::stage`]), a few pages at a time: a document's files are renamed into place
    /// together, a feed's archive pages before the current document that links to them.
    /// On error, the documents not yet published are as they were, no temporary file is
    /// left, and the folders this created are removed when empty.
    pub(crate) fn publish(&self, config: &Config, dir: &Path) -> Result<Published> {
        let mut published = Published::default();
        match self.publish_into(config, dir, &mut published) {
            Ok(()) => Ok(published),
            Err(e) => {
                for folder in published.created.iter().rev() {
                    let _ = std::fs::remove_dir(folder);
                }
                Err(e)
            }
        }
    }

    fn publish_into(&self, config: &Config, dir: &Path, published: &mut Published) -> Result<()> {
        let mut rendered = Rendered::load(config);
        for feed in self.feeds() {
            let split = split(config, feed.tag, feed.items);
            let pages = split.pages();
            let folder = dir.join(&feed.folder);
            create_dir(&folder, &mut published.created)?;
            if pages > 0 {
                create_dir(&folder.join(ARCHIVE_DIR), &mut published.created)?;
            }
            let place = |page| Place {
                folder: feed.folder.clone(),
                page,
                pages,
            };
            // The current document is rendered first (it is the one a build checks the
            // record with) and published last, once the pages it links to are in place.
            let current = place(Page::Current);
            let key = rendered.key(&current, feed.tag, split.current);
            let current = stage_one(config, dir, &feed, current, split.current, key, &rendered)?;
            let current = published.take(current, &mut rendered);
            // Pages render a few at a time, so that one page's writing overlaps the next
            // one's rendering; they are published in order, a group at a time.
            let numbers: Vec<usize> = (1..=pages).collect();
            let mut waiting = Vec::new();
            let stage = |n: usize, key: Key, rendered: &Rendered| {
                let place = place(Page::Archive(n));
                stage_one(config, dir, &feed, place, split.page(n), key, rendered)
            };
            for batch in numbers.chunks(PAGES_AT_ONCE) {
                let keys: Vec<Key> = batch
                    .par_iter()
                    .map(|&n| rendered.key(&place(Page::Archive(n)), feed.tag, split.page(n)))
                    .collect();
                // While the record is unchecked, a page of the batch it would skip is
                // rendered alone first, to check it: the others then follow its verdict
                // rather than each being rendered (and its old files read) to check it
                // again.
                let would_skip = |(&n, key): (&usize, &Key)| {
                    rendered
                        .would_skip(dir, &place(Page::Archive(n)), key)
                        .is_some()
                };
                let probe = if rendered.unchecked() {
                    batch.iter().zip(&keys).position(would_skip)
                } else {
                    None
                };
                let mut probed = None;
                if let Some(at) = probe {
                    let outcome = stage(batch[at], keys[at], &rendered)?;
                    if let Some(same) = outcome.checked {
                        rendered.checked(same);
                    }
                    probed = Some(outcome);
                }
                let mut outcomes: Vec<Option<Result<Outcome>>> = (batch.par_iter().zip(&keys))
                    .enumerate()
                    .map(|(at, (&n, &key))| (probe != Some(at)).then(|| stage(n, key, &rendered)))
                    .collect();
                if let (Some(at), Some(outcome)) = (probe, probed) {
                    outcomes[at] = Some(Ok(outcome));
                }
                for outcome in outcomes.into_iter().flatten() {
                    waiting.push(published.take(outcome?, &mut rendered));
                }
                if waiting.len() >= PAGES_PER_COMMIT {
                    published.commit(std::mem::take(&mut waiting))?;
                }
            }
            waiting.push(current);
            published.commit(waiting)?;
            published.feeds.push((feed.folder, pages));
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
}

/// How the feed of `tag` (`None`: the site's) shares `items` between its current
/// document and its archive pages: a tag's feed has pages only with
/// `feeds.tag_archives`.
fn split<'s, 'a>(
    config: &Config,
    tag: Option<&str>,
    items: &'s [&'a ArticleMeta],
) -> Split<'s, 'a> {
    let feeds = &config.feeds;
    let archives = feeds.archives && (tag.is_none() || feeds.tag_archives);
    Split::new(items, feeds.limit, archives, feeds.archive_page_size.get())
}

/// What staging one document gave: its files, and what the build learns from it.
struct Outcome {
    staging: Staging,
    /// Its record, unless `feeds.max_bytes` trimmed it.
    document: Option<Document>,
    /// Whether it was left as it was, unrendered.
    skipped: bool,
    /// What `feeds.max_bytes` took out of it.
    trimmed: Vec<super::Trimmed>,
    /// Whether it came out the same, when it was rendered to check the record.
    checked: Option<bool>,
}

impl Published {
    /// Takes in what staging a document gave, and gives its files to commit.
    fn take(&mut self, outcome: Outcome, rendered: &mut Rendered) -> Staging {
        if let Some(same) = outcome.checked {
            rendered.checked(same);
        }
        self.skipped += usize::from(outcome.skipped);
        self.recorded.extend(outcome.document);
        self.trimmed.extend(outcome.trimmed);
        outcome.staging
    }
}

/// Stages the document at `place` holding `items`, unless `rendered` says it is on disk
/// as this build would write it; records its `key` ([`Rendered::key`]) either way, unless `feeds.max_bytes`
/// trimmed it (what was trimmed is reported by rendering, so it is rendered each time).
fn stage_one(
    config: &Config,
    dir: &Path,
    feed: &Feed<'_, '_>,
    place: Place,
    items: &[&ArticleMeta],
    key: Key,
    rendered: &Rendered,
) -> Result<Outcome> {
    if let Some(stamps) = rendered.skips(dir, &place, &key) {
        let files = DOCUMENT_FILES
            .iter()
            .zip(stamps)
            .map(|(file, stamp)| Staged::unchanged(dir.join(place.path(file)), stamp.len()))
            .collect();
        return Ok(Outcome {
            document: Some(Document::kept(place.clone(), key, stamps)),
            staging: Staging { place, files },
            skipped: true,
            trimmed: Vec::new(),
            checked: None,
        });
    }
    let check = rendered.unchecked() && rendered.would_skip(dir, &place, &key).is_some();
    // Only this document's articles are held whole, and only while it is written: an
    // archive page's with their bodies (each file read once). Current documents, which
    // every cron build rewrites many of at once, leave bodies in their files: holding
    // them raised the 100k cron build's peak memory past its row (docs/benchmark.md).
    let keep = if place.is_archive() {
        Keep::Body
    } else {
        Keep::FrontMatter
    };
    let articles = content::load_keeping(config, items, keep)?;
    let articles: Vec<&Article> = articles.iter().collect();
    let site = Site::at(config, &articles, place.clone(), feed.tag);
    let staged = stage_document(config, &site, &articles, dir)?;
    let checked = check.then(|| {
        staged
            .files
            .iter()
            .chain(&staged.pages)
            .all(|f| f.written() == Written::Unchanged)
    });
    let document = staged
        .trimmed
        .is_empty()
        .then(|| Document::rendered(place.clone(), key));
    let files = staged.files.into_iter().chain(staged.pages).collect();
    Ok(Outcome {
        staging: Staging { place, files },
        document,
        skipped: false,
        trimmed: staged.trimmed,
        checked,
    })
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
