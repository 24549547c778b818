//! `newsletter/index.html`: the issues, newest first, in the look of the `serve` pages.

use askama::Template;
use chrono::SecondsFormat;

use super::{ArchivedIssue, FEED, archive_url, shown_date};
use crate::config::Config;
use crate::digest::theme::PageFrame;
use crate::error::{Error, Result};

/// The index page.
#[derive(Template)]
#[template(path = "newsletter/index.html")]
struct IndexPage<'a> {
    page: &'a PageFrame,
    issues: &'a [IssueLink],
    signup_url: Option<&'a str>,
    feed_url: &'a str,
}

/// One issue on the index.
struct IssueLink {
    title: String,
    url: String,
    date: String,
    datetime: String,
}

/// The index of `entries` (newest first); its sign-up link goes to `signup_url`.
pub(super) fn render(
    config: &Config,
    entries: &[ArchivedIssue],
    signup_url: Option<&str>,
) -> Result<String> {
    let issues: Vec<IssueLink> = entries
        .iter()
        .map(|entry| IssueLink {
            title: entry.title.clone(),
            url: entry.url.to_string(),
            date: shown_date(config, entry.date),
            datetime: entry.date.to_rfc3339_opts(SecondsFormat::Secs, true),
        })
        .collect();
    let feed_url = archive_url(config, FEED)?;
    IndexPage {
        page: &PageFrame::of(config),
        issues: &issues,
        signup_url,
        feed_url: feed_url.as_str(),
    }
    .render()
    .map_err(|e| Error::Render {
        what: "newsletter/index.html",
        source: Box::new(e),
    })
}
