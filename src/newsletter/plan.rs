//! Which issue comes next: the open one (resumed), else a new one, else nothing.

use chrono::{DateTime, Utc};

use super::archive::{self, Place};
use crate::config::Config;
use crate::content::{self, Article, ArticleMeta};
use crate::digest::{self, History, Issue, RenderOptions, Rendered};
use crate::error::Result;
use crate::store::Store;

/// The issue to send next, rendered.
#[derive(Debug)]
pub struct IssuePlan<'a> {
    /// Its articles, id and cutoff.
    pub(crate) issue: Issue<'a>,
    /// The issue's articles read whole, in the issue's order.
    pub(crate) articles: Vec<Article>,
    /// Whether it was started by an earlier run that did not complete it.
    pub(crate) resumed: bool,
    /// Article ids the open issue held that no longer exist (shown without them).
    pub(crate) missing: Vec<String>,
    /// When sending started: the stored start of a resumed issue, else `now`. The
    /// issue's page in the archive is dated by it.
    pub(crate) started_at: DateTime<Utc>,
    /// Where the issue's page goes in the archive; `None` with `newsletter.archive: false`.
    pub(crate) archive: Option<Place>,
    /// The subject and both parts, shared by every recipient.
    pub(crate) rendered: Rendered,
}

/// What [`plan_next`] found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Next<'a> {
    /// Nothing was published since the last issue's cutoff (`None`: no issue yet).
    Nothing {
        /// The cutoff of the last completed issue.
        since: Option<DateTime<Utc>>,
    },
    /// An issue to send.
    Issue(Box<IssuePlan<'a>>),
}

/// The open issue if an earlier run left one, else the next one from `articles`
/// (newest first). `store` is `None` before the first run.
pub fn plan_next<'a>(
    config: &Config,
    store: Option<&Store>,
    articles: &'a [ArticleMeta],
    now: DateTime<Utc>,
) -> Result<Next<'a>> {
    let max_articles = config.newsletter.max_articles;
    let open = match store {
        Some(store) => store.open_issue()?,
        None => None,
    };
    let started_at = open.as_ref().map_or(now, |row| row.started_at);
    let (issue, resumed, missing) = match open {
        Some(row) => {
            let (issue, missing) =
                digest::resume_issue(&row.id, row.cutoff, &row.articles, articles);
            (issue, true, missing)
        }
        None => {
            let history = match store {
                Some(store) => History {
                    last_cutoff: store.last_completed_issue()?.map(|i| i.cutoff),
                    issued: store.issued_article_ids()?,
                },
                None => History::default(),
            };
            match digest::next_issue(articles, &history, now, max_articles) {
                Some(issue) => (issue, false, Vec::new()),
                None => {
                    return Ok(Next::Nothing {
                        since: history.last_cutoff,
                    });
                }
            }
        }
    };
    let full = content::load_full(config, &issue.articles)?;
    let archive = archive::place(config, &issue, started_at)?;
    let archive_url = archive.as_ref().map(|place| place.url.as_str());
    let rendered = digest::render(&full, &render_options(config, archive_url))?;
    Ok(Next::Issue(Box::new(IssuePlan {
        issue,
        articles: full,
        resumed,
        missing,
        started_at,
        archive,
        rendered,
    })))
}

/// How `config` renders an issue; `archive_url` is its page in the archive.
pub(super) fn render_options<'c>(
    config: &'c Config,
    archive_url: Option<&'c str>,
) -> RenderOptions<'c> {
    RenderOptions {
        site_title: &config.site.title,
        site_url: &config.base_url,
        language: config.site.language.as_deref().unwrap_or("en"),
        subject: &config.newsletter.subject,
        theme: &config.newsletter.theme,
        postal_address: config.newsletter.postal_address.as_deref(),
        archive_url,
    }
}
