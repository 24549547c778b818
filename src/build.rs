//! `herald build` as a library call: load, give stable ids, select, render, write.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{Config, Stylesheet};
use crate::content::{self, ArticleMeta};
use crate::error::{Diagnostic, Error, Result};
use crate::feed;
use crate::ids::{self, Ledger};
use crate::lock::Lock;
use crate::output::{self, Written};

/// The lock file, beside the state database, that keeps two builds from writing at once.
/// It is kept out of the output folder, which is deployed as it is.
pub(crate) const LOCK_FILE: &str = "build.lock";

/// How long a build waits for another one by default.
pub(crate) const DEFAULT_WAIT: Duration = Duration::from_secs(120);

/// How a build treats invalid articles and a build already under way.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct BuildOptions {
    /// Build from the valid articles and report the invalid ones as warnings, instead of
    /// refusing to write anything.
    pub skip_invalid: bool,
    /// How long to wait for another build of the same site before giving up with
    /// [`Error::Locked`]; `None` waits as long as it takes.
    pub wait: Option<Duration>,
    /// Called once, with the lock file and its holder, when another build holds it.
    pub on_wait: fn(&Path, &str),
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            skip_invalid: false,
            wait: Some(DEFAULT_WAIT),
            on_wait: |_, _| {},
        }
    }
}

/// The build lock of `config`'s site: beside the state database.
pub(crate) fn lock_path(config: &Config) -> PathBuf {
    config.beside_state(LOCK_FILE)
}

/// What a build did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct BuildReport {
    /// Files created or replaced.
    pub written: Vec<PathBuf>,
    /// Files that already held the same bytes and were left alone.
    pub unchanged: Vec<PathBuf>,
    /// Feed documents an earlier build wrote and this one no longer does (archive pages
    /// past the last, feeds of tags no article uses any more), removed.
    pub removed: Vec<PathBuf>,
    /// Articles in the site's current feed.
    pub items: usize,
    /// Valid articles found, including drafts and scheduled ones.
    pub articles: usize,
    /// Drafts left out.
    pub drafts: usize,
    /// Articles scheduled after `now`, left out.
    pub scheduled: usize,
    /// Warnings, and with `skip_invalid` the errors of the skipped files.
    pub diagnostics: Vec<Diagnostic>,
    /// What `feeds.max_bytes` took out of each feed file that outgrew it.
    pub(crate) trimmed: Vec<feed::Trimmed>,
    /// Feed documents (a current feed or an archive page: its three formats and their
    /// HTML pages) left as they were without being rendered: nothing they are made of
    /// changed since the build that wrote them. Their files are among `unchanged`.
    pub unrendered: usize,
    /// How many bytes each kind of feed output holds now, written or left as it was.
    pub(crate) bytes: feed::OutputBytes,
}

impl BuildReport {
    /// The subscription documents this build changed, for WebSub pings: the site's
    /// feeds and each tag's (of [`feed::FILES`], never an archive page), as paths
    /// relative to `output_dir` with `/` between folders, e.g. `tags/rust/atom.xml`.
    pub fn changed_feeds(&self, output_dir: &Path) -> Vec<String> {
        self.written
            .iter()
            .filter(|path| {
                path.file_name()
                    .is_some_and(|name| feed::FILES.iter().any(|file| name == *file))
            })
            .filter_map(|path| path.strip_prefix(output_dir).ok())
            .map(|relative| {
                relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect()
    }
}

/// Every article ready to publish: loaded, checked, with its stable feed id.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// Valid articles, newest first, ids reconciled with the ids file.
    pub articles: Vec<ArticleMeta>,
    /// The ids file with every newly published article recorded.
    pub ledger: Ledger,
    /// Whether `ledger` records anything the ids file did not.
    pub ledger_changed: bool,
    /// Every problem, sorted by path and line.
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads the articles and gives every article published at `now` its stable id; with
/// `feeds.per_tag`, also reports the tags that cannot have a feed. Writes nothing;
/// `herald check` is this plus printing.
pub(crate) fn prepare(config: &Config, now: DateTime<Utc>) -> Result<Prepared> {
    let mut prepared = prepare_articles(config, now)?;
    if config.feeds.per_tag {
        let plan = feed::PublishPlan::new(config, &prepared.articles, now);
        prepared.diagnostics.extend(plan.diagnostics);
        sort_by_place(&mut prepared.diagnostics);
    }
    Ok(prepared)
}

/// [`prepare`] without the tags' diagnostics, which a build takes from its plan.
fn prepare_articles(config: &Config, now: DateTime<Utc>) -> Result<Prepared> {
    // The ids file is read while the content folder is listed and parsed.
    let (loaded, old) = rayon::join(|| content::load(config), || Ledger::load(&config.ids_file));
    let (loaded, old) = (loaded?, old?);
    let mut articles = loaded.articles;
    let title = |record: &ArticleMeta| record.load_full(config).map(|article| article.title);
    let reconciled = ids::reconcile(&mut articles, old, &config.content_dir, now, &title);
    let mut diagnostics = loaded.diagnostics;
    let rejected: Vec<PathBuf> = reconciled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.path.clone())
        .collect();
    articles.retain(|a| !rejected.iter().any(|r| r == a.path()));
    diagnostics.extend(reconciled.diagnostics);
    sort_by_place(&mut diagnostics);
    Ok(Prepared {
        articles,
        ledger: reconciled.ledger,
        ledger_changed: reconciled.changed,
        diagnostics,
    })
}

/// Sorts problems by path and line, as they are shown.
fn sort_by_place(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
}

/// Builds the feeds for the articles visible at `now` (the site's three files, their
/// archive pages with `feeds.archives`, a feed per tag with `feeds.per_tag`) and writes
/// the ones whose bytes changed.
///
/// Nothing is written unless every article and tag is valid (or `skip_invalid` is set).
/// Then each feed document (a current feed or an archive page: its three formats and
/// their HTML pages) is published once its files are complete (archive pages a group
/// at a time), all of them at once, a feed's archive pages before the current document that links to them: a
/// build that fails while rendering (an article unreadable, a full disk) leaves every
/// document either as it was or wholly replaced, never half written. Documents an
/// earlier build wrote and this one does not are removed after the new ones are in
/// place.
pub fn build(config: &Config, now: DateTime<Utc>, options: BuildOptions) -> Result<BuildReport> {
    let _lock = Lock::acquire(
        &lock_path(config),
        "herald build",
        options.wait,
        options.on_wait,
    )?;
    std::fs::create_dir_all(&config.output_dir).map_err(|e| Error::io(&config.output_dir, e))?;
    let Prepared {
        articles,
        ledger,
        ledger_changed,
        mut diagnostics,
    } = prepare_articles(config, now)?;
    // The plan (every document, and which tags can have a feed) is made once; its
    // problems count before anything is written. With `skip_invalid`, tags that cannot
    // have a feed are left out.
    let mut plan = feed::PublishPlan::new(config, &articles, now);
    if !plan.diagnostics.is_empty() {
        diagnostics.append(&mut plan.diagnostics);
        sort_by_place(&mut diagnostics);
    }
    if diagnostics.iter().any(Diagnostic::is_error) && !options.skip_invalid {
        return Err(Error::Content(diagnostics));
    }
    // The ids file is published first, before the feeds that use its ids (an unchanged
    // ledger is not even serialised: it is most of a rebuild's writing work), and the
    // ledger dropped before the feeds are rendered: it would sit beside the rendering,
    // past the memory the 100k benchmark row allows (docs/benchmark.md).
    let mut report = BuildReport {
        items: plan.current_items(config),
        articles: articles.len(),
        drafts: articles.iter().filter(|a| a.draft).count(),
        scheduled: articles
            .iter()
            .filter(|a| !a.draft && a.published > now)
            .count(),
        ..BuildReport::default()
    };
    let ids = (ledger_changed || !config.ids_file.exists())
        .then(|| stage_ids(config, &ledger))
        .transpose()?;
    drop(ledger);
    // The stylesheet the feeds link to, then the feeds, each document published once its
    // files are complete.
    let stylesheet = stage_stylesheet(config)?;
    for file in ids.iter().chain(&stylesheet) {
        match file.written() {
            Written::Changed => report.written.push(file.path().to_path_buf()),
            Written::Unchanged => report.unchanged.push(file.path().to_path_buf()),
        }
    }
    output::commit(ids.into_iter().chain(stylesheet).collect())?;
    let published = plan.publish(config, &config.output_dir)?;
    report.written.extend(published.written);
    report.unchanged.extend(published.unchanged);
    report.bytes = published.bytes;
    // Only once every new document is in place: pages and tag feeds no longer written.
    report.removed = feed::remove_stale(&config.output_dir, &published.feeds)?;
    report.diagnostics = diagnostics;
    report.unrendered = published.skipped;
    if let Err(warning) = feed::record_rendered(config, &config.output_dir, &published.recorded) {
        report.diagnostics.push(warning);
    }
    report.trimmed = published.trimmed;
    Ok(report)
}

/// The ids file with `ledger`'s entries, streamed to a temporary file beside it.
fn stage_ids(config: &Config, ledger: &Ledger) -> Result<output::Staged> {
    let mut writer = output::ChangeWriter::new(&config.ids_file);
    ledger.write_yaml(|chunk| writer.write_all(chunk))?;
    writer.finish()
}

/// `output_dir/feed.xsl`, from herald's stylesheet or the user's file
/// (`feeds.stylesheet`); nothing when the stylesheet is off.
fn stage_stylesheet(config: &Config) -> Result<Option<output::Staged>> {
    let target = config.output_dir.join(feed::STYLESHEET_FILE);
    let bytes = match &config.feeds.stylesheet {
        Stylesheet::Off => return Ok(None),
        Stylesheet::Builtin => feed::BUILTIN_STYLESHEET.as_bytes().to_vec(),
        // Config::load checked that the file is there; failing to read it now is I/O.
        Stylesheet::File(path) => std::fs::read(path).map_err(|e| Error::io(path, e))?,
    };
    output::stage(&target, &bytes).map(Some)
}
