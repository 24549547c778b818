//! Choosing the articles of the next issue, and its stable id.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use crate::content::ArticleMeta;

/// One issue of the digest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Issue<'a> {
    /// Stable id derived from the cutoff and the article ids: a rerun after a crash
    /// computes the same id and resumes the same issue.
    pub id: String,
    /// The newest `publish_date` among the articles; the next issue starts after it.
    pub cutoff: DateTime<Utc>,
    /// The articles, newest first (read them whole with [`crate::content::load_full`]
    /// to render the issue).
    pub articles: Vec<&'a ArticleMeta>,
}

/// What earlier, completed issues held.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    /// The cutoff of the latest completed issue; `None` before the first issue.
    pub last_cutoff: Option<DateTime<Utc>>,
    /// Every article id a completed issue held (so that an article published exactly
    /// at the cutoff is neither lost nor sent twice).
    pub issued: HashSet<String>,
}

/// The next issue, or `None` when nothing new was published.
///
/// `articles` must be newest first (as [`crate::content::load`] returns them). The first
/// issue holds the newest `max_articles` published articles. Later issues hold the
/// published articles after the previous cutoff, oldest first up to `max_articles`, so
/// that the rest wait for the next issue instead of being skipped.
pub(crate) fn next_issue<'a>(
    articles: &'a [ArticleMeta],
    history: &History,
    now: DateTime<Utc>,
    max_articles: usize,
) -> Option<Issue<'a>> {
    let max_articles = max_articles.max(1);
    let published = articles.iter().filter(|a| a.is_published(now));
    let mut chosen: Vec<&ArticleMeta> = match history.last_cutoff {
        None => published.take(max_articles).collect(),
        Some(cutoff) => {
            let mut newer: Vec<&ArticleMeta> = published
                .filter(|a| a.published >= cutoff && !history.issued.contains(a.id()))
                .collect();
            newer.reverse();
            newer.truncate(max_articles);
            newer.reverse();
            newer
        }
    };
    chosen.dedup_by(|a, b| a.id() == b.id());
    let cutoff = chosen.iter().map(|a| a.published).max()?;
    Some(Issue {
        id: issue_id(cutoff, chosen.iter().map(|a| a.id())),
        cutoff,
        articles: chosen,
    })
}

/// Rebuilds an issue that was started earlier from its stored article ids; ids whose
/// article no longer exists are returned apart.
pub(crate) fn resume_issue<'a>(
    id: &str,
    cutoff: DateTime<Utc>,
    ids: &[String],
    articles: &'a [ArticleMeta],
) -> (Issue<'a>, Vec<String>) {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for wanted in ids {
        match articles.iter().find(|a| a.id() == wanted) {
            Some(article) => found.push(article),
            None => missing.push(wanted.clone()),
        }
    }
    let issue = Issue {
        id: id.to_string(),
        cutoff,
        articles: found,
    };
    (issue, missing)
}

/// `YYYYMMDD-` and 12 hex digits of SHA-256 over the cutoff and the article ids.
pub(crate) fn issue_id<'i>(
    cutoff: DateTime<Utc>,
    ids: impl IntoIterator<Item = &'i str>,
) -> String {
    let mut hash = Sha256::new();
    hash.update(cutoff.to_rfc3339_opts(SecondsFormat::Secs, true).as_bytes());
    for id in ids {
        hash.update(b"\n");
        hash.update(id.as_bytes());
    }
    let digest = hash.finalize();
    let hex = crate::hex::encode(&digest[..6]);
    format!("{}-{hex}", cutoff.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn article(slug: &str, day: u32, draft: bool) -> ArticleMeta {
        let published = Utc.with_ymd_and_hms(2026, 1, day, 9, 0, 0).unwrap();
        ArticleMeta::of(&crate::content::Article {
            title: slug.to_uppercase(),
            draft,
            ..crate::content::Article::for_test(slug, published)
        })
    }

    fn slugs(issue: &Issue<'_>) -> Vec<String> {
        issue
            .articles
            .iter()
            .map(|a| a.slug().to_string())
            .collect()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 20, 0, 0, 0).unwrap()
    }

    /// Newest first, as content::load returns them.
    fn archive() -> Vec<ArticleMeta> {
        vec![
            article("future", 25, false),
            article("e", 15, false),
            article("draft", 14, true),
            article("d", 12, false),
            article("c", 10, false),
            article("b", 5, false),
            article("a", 1, false),
        ]
    }

    #[test]
    fn first_issue_holds_the_newest_published_articles() {
        let articles = archive();
        let issue = next_issue(&articles, &History::default(), now(), 3).unwrap();
        assert_eq!(slugs(&issue), ["e", "d", "c"]);
        assert_eq!(issue.cutoff, articles[1].published);
    }

    #[test]
    fn later_issues_hold_the_oldest_new_articles_first_and_the_rest_wait() {
        let articles = archive();
        let history = History {
            last_cutoff: Some(articles[5].published),
            issued: [articles[5].id().to_string()].into(),
        };
        let issue = next_issue(&articles, &history, now(), 2).unwrap();
        assert_eq!(slugs(&issue), ["d", "c"]);
        let history = History {
            last_cutoff: Some(issue.cutoff),
            issued: issue.articles.iter().map(|a| a.id().to_string()).collect(),
        };
        let issue = next_issue(&articles, &history, now(), 2).unwrap();
        assert_eq!(slugs(&issue), ["e"]);
    }

    #[test]
    fn nothing_new_gives_no_issue() {
        let articles = archive();
        let history = History {
            last_cutoff: Some(articles[1].published),
            issued: [articles[1].id().to_string()].into(),
        };
        assert_eq!(next_issue(&articles, &history, now(), 10), None);
        assert_eq!(next_issue(&[], &History::default(), now(), 10), None);
    }

    #[test]
    fn an_article_at_the_cutoff_that_was_not_issued_is_kept() {
        let mut articles = archive();
        articles[4].published = articles[3].published;
        let history = History {
            last_cutoff: Some(articles[3].published),
            issued: [articles[3].id().to_string()].into(),
        };
        let issue = next_issue(&articles, &history, now(), 10).unwrap();
        assert_eq!(slugs(&issue), ["e", "c"]);
    }

    #[test]
    fn the_id_is_stable_and_depends_on_cutoff_and_articles() {
        let articles = archive();
        let one = next_issue(&articles, &History::default(), now(), 3).unwrap();
        let two = next_issue(&articles, &History::default(), now(), 3).unwrap();
        let other = next_issue(&articles, &History::default(), now(), 2).unwrap();
        assert_eq!(one.id, two.id);
        assert_ne!(one.id, other.id);
        assert!(one.id.starts_with("20260115-"), "{}", one.id);
    }

    #[test]
    fn resume_finds_articles_by_id_and_reports_missing_ones() {
        let articles = archive();
        let ids = vec![articles[1].id().to_string(), "gone".to_string()];
        let (issue, missing) = resume_issue("x", articles[1].published, &ids, &articles);
        assert_eq!(slugs(&issue), ["e"]);
        assert_eq!(missing, ["gone"]);
    }
}
