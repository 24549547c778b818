//! `GET /`: what a visitor who lands on the server finds: the site's title and
//! description, the sign-up form when sign-up is on, the feeds that are built (the
//! site's and each tag's) with their addresses to copy into a reader, and the
//! newsletter's past issues with a link to their archive when it is built.

use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::app::App;
use super::pages::{self, FeedLink, HomePage, PastIssue};
use crate::feed::{ATOM_FILE, JSON_FILE, RSS_FILE};

/// The folder of the tags' feeds under `output_dir` (see `feed::place`).
const TAGS_DIR: &str = "tags";

/// The newsletter's archive index under `output_dir`, and its folder under `site.url`.
const ARCHIVE_INDEX: &str = "newsletter/index.html";
const ARCHIVE_FOLDER: &str = "newsletter/";

/// How many past issues the home page lists; the archive's index has them all.
const PAST_ISSUES: usize = 10;

/// The home page.
pub(crate) async fn home(State(app): State<Arc<App>>) -> Response {
    let reader = Arc::clone(&app);
    let issues = tokio::task::spawn_blocking(move || past_issues(&reader))
        .await
        .unwrap_or_default();
    page(&app, &issues)
}

/// The newest [`PAST_ISSUES`] issues of the newsletter's archive, dated in
/// `site.timezone`; none when the archive is off, not built, or cannot be read (the
/// page still answers, and the log says why).
fn past_issues(app: &App) -> Vec<PastIssue> {
    if !app.config.newsletter.archive {
        return Vec::new();
    }
    match crate::newsletter::archive::entries(&app.config) {
        Ok(entries) => entries
            .into_iter()
            .take(PAST_ISSUES)
            .map(|entry| PastIssue {
                title: entry.title,
                date: entry.date.with_timezone(&app.config.timezone).date_naive(),
                url: entry.url.to_string(),
            })
            .collect(),
        Err(e) => {
            tracing::warn!("home page: the newsletter archive: {e}");
            Vec::new()
        }
    }
}

/// The home page listing `issues` (newest first) as the newsletter's past issues.
pub(crate) fn page(app: &App, issues: &[PastIssue]) -> Response {
    let output_dir = &app.config.output_dir;
    let feeds = feeds(app);
    let tags = tag_feeds(app);
    let topics = super::topics::choices(&app.config.newsletter.topics, &[]);
    let archive = output_dir
        .join(ARCHIVE_INDEX)
        .is_file()
        .then(|| app.config.base_url.join(ARCHIVE_FOLDER).ok())
        .flatten()
        .map(|url| url.to_string());
    pages::html(
        StatusCode::OK,
        &HomePage {
            page: &app.frame,
            description: &app.config.site.description,
            signup: app.mailer.is_some(),
            topics: &topics,
            feeds: &feeds,
            tags: &tags,
            issues,
            archive: archive.as_deref(),
        },
    )
}

/// The site's feeds that exist in `output_dir`, at their public addresses.
fn feeds(app: &App) -> Vec<FeedLink> {
    [
        ("RSS 2.0", RSS_FILE),
        ("Atom 1.0", ATOM_FILE),
        ("JSON Feed 1.1", JSON_FILE),
    ]
    .into_iter()
    .filter_map(|(name, file)| link(app, name.to_string(), file))
    .collect()
}

/// The RSS feed of each tag that has one in `output_dir` (`tags/{slug}/rss.xml`), by
/// slug.
fn tag_feeds(app: &App) -> Vec<FeedLink> {
    let Ok(entries) = std::fs::read_dir(app.config.output_dir.join(TAGS_DIR)) else {
        return Vec::new();
    };
    let mut slugs: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|slug| !slug.starts_with('.'))
        .collect();
    slugs.sort();
    slugs
        .into_iter()
        .filter_map(|slug| {
            let file = format!("{TAGS_DIR}/{slug}/{RSS_FILE}");
            link(app, slug, &file)
        })
        .collect()
}

/// `file` (relative to `output_dir`) named `name`, when it exists.
fn link(app: &App, name: String, file: &str) -> Option<FeedLink> {
    if !app.config.output_dir.join(Path::new(file)).is_file() {
        return None;
    }
    let url = app.config.base_url.join(file).ok()?;
    Some(FeedLink {
        name,
        url: url.to_string(),
    })
}
