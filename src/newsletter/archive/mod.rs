//! The archive of issues: every issue `herald send` sends is published as a web page,
//! `output_dir/newsletter/<date>-<slug>/index.html`, beside an index of the issues
//! (`newsletter/index.html`, newest first) and their Atom feed (`newsletter/atom.xml`).
//!
//! - The page is the issue as the email shows it (the same template, `digest.html`, and
//!   look) without anything of one recipient: no unsubscribe link or token, no address.
//!   Its footer links to the sign-up page instead.
//! - It is written when sending starts, before the first message leaves, so the "View in
//!   browser" link of every message works when it is read; a resumed run writes it
//!   again, which changes nothing when its bytes are the same.
//! - The pages are the one source of truth: each carries its record (JSON-LD, see
//!   [`record`]), and the index and the feed are rebuilt from the records found in the
//!   folder. They list exactly what is published, survive a lost state database, and a
//!   page deleted by hand leaves them at the next send.
//! - Every file goes through [`crate::output`]: staged whole, renamed into place, left
//!   alone when its bytes are unchanged. `herald build` never touches the folder.

mod feed;
mod index;
mod record;

use std::io::ErrorKind;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::plan::{Plan, render_options};
use crate::config::Config;
use crate::content::text::one_line;
use crate::digest::Issue;
use crate::digest::render::{PageOptions, render_page};
use crate::error::{Error, Result};
use crate::output;
use record::Record;

/// The archive's folder in `output_dir`, and its path under `site.url`.
pub(crate) const FOLDER: &str = "newsletter";
/// Each issue's page in its folder, and the index in [`FOLDER`].
const PAGE: &str = "index.html";
/// The Atom feed of the issues, in [`FOLDER`].
const FEED: &str = "atom.xml";

/// Where an issue's page goes in the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Its folder in `output_dir/newsletter/`, e.g. `2026-01-15-hello`.
    pub folder: String,
    /// Its public address, e.g. `https://example.com/newsletter/2026-01-15-hello/`: the
    /// "View in browser" link and the `Archived-At:` header.
    pub url: url::Url,
}

/// One published issue, as the index and the feed list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The issue id.
    pub(crate) id: String,
    /// Its subject.
    pub(crate) title: String,
    /// When sending started.
    pub(crate) date: DateTime<Utc>,
    /// Its page's public address.
    pub(crate) url: url::Url,
    /// Its page's folder, relative to `output_dir` with `/` between names and at the
    /// end: `newsletter/2026-01-15-hello/`.
    pub(crate) path: String,
    /// Its articles' titles, on one line.
    pub(crate) summary: String,
    /// Its page's folder in [`FOLDER`].
    folder: String,
}

/// The issues published in `config`'s archive, newest first (ties: the later issue id
/// first). Read from the pages' records: a folder without a page, or whose page has no
/// record, is not an issue and is left out; a record that cannot be read is an error
/// naming its page.
pub(crate) fn entries(config: &Config) -> Result<Vec<Entry>> {
    let dir = config.output_dir.join(FOLDER);
    let listing = match std::fs::read_dir(&dir) {
        Ok(listing) => listing,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(Error::io(&dir, e)),
    };
    let mut entries = Vec::new();
    for item in listing {
        let item = item.map_err(|e| Error::io(&dir, e))?;
        let name = item.file_name();
        let Some(folder) = name.to_str() else {
            continue;
        };
        if folder.starts_with('.') || !item.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let page = dir.join(folder).join(PAGE);
        let html = match std::fs::read_to_string(&page) {
            Ok(html) => html,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&page, e)),
        };
        let Some(read) = Record::read(&html) else {
            continue;
        };
        let record = read.map_err(|e| {
            Error::newsletter(
                &page,
                format!(
                    "the issue's record (the JSON in its <script type=\"application/ld+json\">) cannot be read: {e}; restore the page as herald wrote it, or delete its folder to take the issue out of the archive"
                ),
            )
        })?;
        entries.push(Entry {
            url: page_url(config, folder)?,
            path: format!("{FOLDER}/{folder}/"),
            folder: folder.to_string(),
            id: record.identifier,
            title: record.name,
            date: record.date_published,
            summary: record.description,
        });
    }
    sort(&mut entries);
    Ok(entries)
}

/// Newest first; an issue started at the same instant as another: the later id first.
fn sort(entries: &mut [Entry]) {
    entries.sort_by(|a, b| (b.date, &b.id).cmp(&(a.date, &a.id)));
}

/// Where the page of `issue`, whose sending started at `started_at`, goes; `None` when
/// `newsletter.archive` is off.
///
/// An issue already in the archive keeps its folder (a resumed issue, a rerun).
/// Otherwise the folder is `<date>-<slug>`: the day sending started in `site.timezone`,
/// and the slug of the issue's first article (its id when it has none). When that name
/// holds something else already (another issue's page, a folder of the owner's), the
/// issue id's hash is added to it, so no page is ever written over.
pub(crate) fn place(
    config: &Config,
    issue: &Issue<'_>,
    started_at: DateTime<Utc>,
) -> Result<Option<Place>> {
    if !config.newsletter.archive {
        return Ok(None);
    }
    let folder = match entries(config)?.into_iter().find(|e| e.id == issue.id) {
        Some(entry) => entry.folder,
        None => new_folder(config, issue, started_at)?,
    };
    Ok(Some(Place {
        url: page_url(config, &folder)?,
        folder,
    }))
}

/// A folder name for an issue the archive does not hold yet.
fn new_folder(config: &Config, issue: &Issue<'_>, started_at: DateTime<Utc>) -> Result<String> {
    let day = started_at
        .with_timezone(&config.timezone)
        .format("%Y-%m-%d");
    let name = issue
        .articles
        .first()
        .map_or(issue.id.as_str(), |article| article.slug());
    let plain = format!("{day}-{name}");
    let hash = issue.id.rsplit('-').next().unwrap_or(&issue.id);
    let dir = config.output_dir.join(FOLDER);
    let candidates = [plain.clone(), format!("{plain}-{hash}")];
    candidates
        .into_iter()
        .find(|folder| is_free(&dir.join(folder)))
        .ok_or_else(|| {
            Error::newsletter(
                dir.join(&plain),
                format!(
                    "the issue {}'s page would go here or in {plain}-{hash}/, and both hold something else already: move them away (herald never writes over them)",
                    issue.id
                ),
            )
        })
}

/// Whether `folder` can take a new page: nothing is there, or an empty folder (a send
/// that stopped before its page was in place). When it cannot even be looked at (a
/// parent that is a file), writing the page will say why.
fn is_free(folder: &Path) -> bool {
    match std::fs::symlink_metadata(folder) {
        Ok(meta) => {
            meta.is_dir() && std::fs::read_dir(folder).is_ok_and(|mut l| l.next().is_none())
        }
        Err(_) => true,
    }
}

/// Characters of a folder name written as they are in its URL.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// The public address of the page in `folder`.
fn page_url(config: &Config, folder: &str) -> Result<url::Url> {
    let segment = utf8_percent_encode(folder, SEGMENT);
    archive_url(config, &format!("{segment}/"))
}

/// `relative` in the archive, under `site.url`.
fn archive_url(config: &Config, relative: &str) -> Result<url::Url> {
    config
        .base_url
        .join(&format!("{FOLDER}/{relative}"))
        .map_err(|e| {
            Error::newsletter(
                &config.file,
                format!("site.url: cannot make the address of {FOLDER}/{relative} ({e})"),
            )
        })
}

/// The sign-up page of `herald serve`, when it has one: `{serve.public_url}/subscribe`.
fn signup_url(config: &Config) -> Option<String> {
    let base = config.serve.public_url.as_deref()?;
    Some(format!("{}/subscribe", base.trim_end_matches('/')))
}

/// Writes the page of `plan`'s issue, and the index and the feed with it; each file only
/// if its bytes changed. All three are staged in full before any is renamed into place.
/// Nothing when `newsletter.archive` is off.
pub(crate) fn publish(config: &Config, plan: &Plan<'_>) -> Result<()> {
    let Some(place) = &plan.archive else {
        return Ok(());
    };
    let summary = plan
        .articles
        .iter()
        .map(|article| one_line(&article.title))
        .collect::<Vec<_>>()
        .join("; ");
    let entry = Entry {
        id: plan.issue.id.clone(),
        title: plan.rendered.subject.clone(),
        date: plan.started_at,
        url: place.url.clone(),
        path: format!("{FOLDER}/{}/", place.folder),
        folder: place.folder.clone(),
        summary,
    };
    let page = page(config, plan, &entry)?;
    let mut all = entries(config)?;
    all.retain(|e| e.id != entry.id);
    all.push(entry);
    sort(&mut all);
    let index = index::render(config, &all, signup_url(config).as_deref())?;
    let feed = feed::render(config, &all)?;
    let dir = config.output_dir.join(FOLDER);
    let folder = dir.join(&place.folder);
    std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
    let staged = vec![
        output::stage(&folder.join(PAGE), page.as_bytes())?,
        output::stage(&dir.join(PAGE), index.as_bytes())?,
        output::stage(&dir.join(FEED), &feed)?,
    ];
    output::commit(staged)?;
    Ok(())
}

/// The issue's web page.
fn page(config: &Config, plan: &Plan<'_>, entry: &Entry) -> Result<String> {
    let record = Record::new(
        &entry.id,
        &entry.title,
        entry.date,
        &entry.summary,
        entry.url.as_str(),
        (&config.site.title, config.base_url.as_str()),
    )
    .to_script();
    let signup = signup_url(config);
    let index_url = archive_url(config, "")?;
    let feed_url = archive_url(config, FEED)?;
    let options = PageOptions {
        url: entry.url.as_str(),
        date: &shown_date(config, entry.date),
        datetime: &entry.date.to_rfc3339_opts(SecondsFormat::Secs, true),
        description: &entry.summary,
        signup_url: signup.as_deref(),
        index_url: index_url.as_str(),
        feed_url: feed_url.as_str(),
        record: &record,
    };
    let url = Some(entry.url.as_str());
    render_page(&plan.articles, &render_options(config, url), &options)
}

/// `date` as pages show it: `15 January 2026`, in `site.timezone`.
fn shown_date(config: &Config, date: DateTime<Utc>) -> String {
    date.with_timezone(&config.timezone)
        .format("%-d %B %Y")
        .to_string()
}
