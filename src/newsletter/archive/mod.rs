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

use super::plan::{IssuePlan, render_options};
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
pub(crate) struct Place {
    /// Its folder in `output_dir/newsletter/`, e.g. `2026-01-15-hello`.
    pub folder: String,
    /// Its public address, e.g. `https://example.com/newsletter/2026-01-15-hello/`: the
    /// "View in browser" link and the `Archived-At:` header.
    pub url: url::Url,
}

/// One published issue, as the index and the feed list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArchivedIssue {
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
pub(crate) fn entries(config: &Config) -> Result<Vec<ArchivedIssue>> {
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
        entries.push(ArchivedIssue {
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
fn sort(entries: &mut [ArchivedIssue]) {
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
pub(crate) fn publish(config: &Config, plan: &IssuePlan<'_>) -> Result<()> {
    let Some(place) = &plan.archive else {
        return Ok(());
    };
    let summary = plan
        .articles
        .iter()
        .map(|article| one_line(&article.title))
        .collect::<Vec<_>>()
        .join("; ");
    let entry = ArchivedIssue {
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
fn page(config: &Config, plan: &IssuePlan<'_>, entry: &ArchivedIssue) -> Result<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A site in a temporary folder (in Auckland time), with `extra` config lines.
    fn site(extra: &str) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        let yaml = format!(
            "site:\n  title: Site\n  url: https://example.com/blog/\n  description: D\n  timezone: Pacific/Auckland\n{extra}"
        );
        let config = Config::from_yaml(yaml.as_bytes(), &dir.path().join("herald.yaml")).unwrap();
        (dir, config)
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, day, hour, 0, 0).unwrap()
    }

    /// Writes a page for issue `id` in `folder`, as `publish` would record it.
    fn page(config: &Config, folder: &str, id: &str, date: DateTime<Utc>) {
        let record = Record::new(id, &format!("Issue {id}"), date, "A; B", "", ("Site", ""));
        let dir = config.output_dir.join(FOLDER).join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        let html = format!(
            "<!DOCTYPE html><head><script type=\"application/ld+json\">{}</script></head>",
            record.to_script()
        );
        std::fs::write(dir.join(PAGE), html).unwrap();
    }

    fn issue<'a>(id: &str, articles: Vec<&'a crate::content::ArticleMeta>) -> Issue<'a> {
        Issue {
            id: id.into(),
            cutoff: at(1, 0),
            articles,
        }
    }

    fn article(slug: &str) -> crate::content::ArticleMeta {
        let url = url::Url::parse(&format!("https://example.com/blog/{slug}/")).unwrap();
        crate::content::ArticleMeta::of(&crate::content::Article {
            id: url.to_string(),
            url,
            ..crate::content::Article::for_test(slug, at(1, 0))
        })
    }

    #[test]
    fn entries_are_the_pages_records_newest_first() {
        let (_dir, config) = site("");
        assert_eq!(entries(&config).unwrap(), [], "no folder yet");
        page(&config, "2026-01-01-a", "20251231-aaa", at(1, 9));
        page(&config, "2026-01-08-b", "20260107-bbb", at(8, 9));
        page(&config, "2026-01-08-c", "20260107-ccc", at(8, 9));
        // Not issues: a page without a record, a folder without a page, hidden folders,
        // files beside the folders (the index and the feed).
        let archive = config.output_dir.join(FOLDER);
        std::fs::create_dir_all(archive.join("mine")).unwrap();
        std::fs::write(archive.join("mine/index.html"), "<p>mine</p>").unwrap();
        std::fs::create_dir_all(archive.join("empty")).unwrap();
        std::fs::create_dir_all(archive.join(".hidden")).unwrap();
        std::fs::write(archive.join(PAGE), "<p>index</p>").unwrap();
        let found = entries(&config).unwrap();
        let ids: Vec<&str> = found.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["20260107-ccc", "20260107-bbb", "20251231-aaa"]);
        let last = &found[2];
        assert_eq!(last.title, "Issue 20251231-aaa");
        assert_eq!(last.date, at(1, 9));
        assert_eq!(last.path, "newsletter/2026-01-01-a/");
        assert_eq!(
            last.url.as_str(),
            "https://example.com/blog/newsletter/2026-01-01-a/"
        );
        assert_eq!(last.summary, "A; B");
    }

    #[test]
    fn a_record_that_does_not_read_is_an_error_naming_its_page() {
        let (_dir, config) = site("");
        let dir = config.output_dir.join(FOLDER).join("2026-01-01-a");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(PAGE),
            "<script type=\"application/ld+json\">{\"@type\": \"PublicationIssue\"</script>",
        )
        .unwrap();
        let err = entries(&config).unwrap_err().to_string();
        assert!(err.contains("2026-01-01-a/index.html"), "{err}");
        assert!(err.contains("delete its folder"), "{err}");
    }

    #[test]
    fn a_new_issue_is_named_by_its_day_in_the_sites_zone_and_first_article() {
        let (_dir, config) = site("");
        let (first, second) = (article("first"), article("second"));
        let issue = issue("20260101-abc123", vec![&first, &second]);
        // 20:00 UTC on 1 January is 2 January in Auckland.
        let place = place(&config, &issue, at(1, 20)).unwrap().unwrap();
        assert_eq!(place.folder, "2026-01-02-first");
        assert_eq!(
            place.url.as_str(),
            "https://example.com/blog/newsletter/2026-01-02-first/"
        );
        // No article left (a resumed issue whose articles were deleted): the id.
        let empty = self::issue("20260101-abc123", vec![]);
        let place = super::place(&config, &empty, at(1, 9)).unwrap().unwrap();
        assert_eq!(place.folder, "2026-01-01-20260101-abc123");
    }

    #[test]
    fn an_issue_keeps_its_folder_and_never_takes_anothers() {
        let (_dir, config) = site("");
        let first = article("first");
        // Already published (a resumed issue, a day later): the same folder.
        page(&config, "2026-01-01-first", "20260101-abc123", at(1, 9));
        let same = issue("20260101-abc123", vec![&first]);
        let place = place(&config, &same, at(2, 9)).unwrap().unwrap();
        assert_eq!(place.folder, "2026-01-01-first");
        // Another issue on the same day with the same first slug: the hash keeps them apart.
        let other = issue("20260101-def456", vec![&first]);
        let place = super::place(&config, &other, at(1, 9)).unwrap().unwrap();
        assert_eq!(place.folder, "2026-01-01-first-def456");
        // An empty folder (a send that stopped before its page was in place) is free.
        let archive = config.output_dir.join(FOLDER);
        std::fs::create_dir_all(archive.join("2026-01-03-first")).unwrap();
        let place = super::place(&config, &other, at(3, 9)).unwrap().unwrap();
        assert_eq!(place.folder, "2026-01-03-first");
        // Both names taken by something else: an error, nothing written over.
        std::fs::write(archive.join("2026-01-03-first/notes.txt"), "x").unwrap();
        std::fs::write(archive.join("2026-01-03-first-def456"), "x").unwrap();
        let err = super::place(&config, &other, at(3, 9))
            .unwrap_err()
            .to_string();
        assert!(err.contains("2026-01-03-first"), "{err}");
        assert!(err.contains("move them away"), "{err}");
    }

    #[test]
    fn archive_false_has_no_place() {
        let (_dir, config) = site("newsletter:\n  archive: false\n");
        let first = article("first");
        let issue = issue("20260101-abc123", vec![&first]);
        assert_eq!(place(&config, &issue, at(1, 9)).unwrap(), None);
    }

    #[test]
    fn the_sign_up_page_is_the_serve_form_with_a_public_url() {
        let (_dir, config) = site("");
        assert_eq!(signup_url(&config), None);
        let (_dir, config) = site("serve:\n  public_url: https://news.example.com/\n");
        assert_eq!(
            signup_url(&config).as_deref(),
            Some("https://news.example.com/subscribe")
        );
    }
}
