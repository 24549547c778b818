//! An issue's editions: the distinct sets of its articles that its recipients get,
//! each rendered once.
//!
//! A subscriber who chose topics gets only the issue's articles in them
//! ([`lifecycle::articles_for`]); one who is paused, or for whom the issue holds
//! nothing, gets no message ([`Share::Skipped`], recorded `skipped` with the reason).
//! Recipients with the same set share one edition, so an issue is rendered once per
//! distinct set, never once per subscriber.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};

use super::lifecycle;
use super::plan::{IssuePlan, render_options};
use crate::config::{Config, Topic};
use crate::content::Article;
use crate::digest::{self, Rendered};
use crate::error::Result;
use crate::store::Subscriber;

/// What one subscriber gets of an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Share {
    /// The edition with this index (see [`Editions::sets`]).
    Edition(usize),
    /// No message, and why (the delivery row's `reply`).
    Skipped(String),
}

/// The editions of one issue, found as subscribers are shared out.
pub(super) struct Editions<'a> {
    topics: &'a [Topic],
    /// Each article's tags, in the issue's order.
    tags: Vec<&'a [String]>,
    /// Each edition's articles, as indices into the issue's articles.
    sets: Vec<Vec<usize>>,
    by_set: HashMap<Vec<usize>, usize>,
    /// What each distinct choice of topics gets (subscribers share few choices).
    by_topics: HashMap<Vec<String>, Option<usize>>,
}

impl<'a> Editions<'a> {
    /// No edition yet, for an issue of `articles`, with `newsletter.topics` `topics`.
    pub(super) fn new(articles: &'a [Article], topics: &'a [Topic]) -> Editions<'a> {
        Editions {
            topics,
            tags: articles.iter().map(|a| a.tags.as_slice()).collect(),
            sets: Vec::new(),
            by_set: HashMap::new(),
            by_topics: HashMap::new(),
        }
    }

    /// What `subscriber` (active) gets of an issue sent at `now`.
    pub(super) fn share(&mut self, subscriber: &Subscriber, now: DateTime<Utc>) -> Share {
        if !lifecycle::receives(subscriber, now) {
            return Share::Skipped(match subscriber.paused_until {
                Some(until) => format!(
                    "paused until {}",
                    until.to_rfc3339_opts(SecondsFormat::Secs, true)
                ),
                None => "not an active subscriber".into(),
            });
        }
        let edition = match self.by_topics.get(&subscriber.topics) {
            Some(edition) => *edition,
            None => {
                let set = lifecycle::articles_for(&subscriber.topics, self.topics, &self.tags);
                let edition = (!set.is_empty()).then(|| self.edition_of(set));
                self.by_topics.insert(subscriber.topics.clone(), edition);
                edition
            }
        };
        match edition {
            Some(edition) => Share::Edition(edition),
            None => Share::Skipped("nothing in their topics".into()),
        }
    }

    fn edition_of(&mut self, set: Vec<usize>) -> usize {
        if let Some(edition) = self.by_set.get(&set) {
            return *edition;
        }
        self.sets.push(set.clone());
        self.by_set.insert(set, self.sets.len() - 1);
        self.sets.len() - 1
    }

    /// Each edition's articles, as indices into the issue's articles.
    pub(super) fn sets(&self) -> &[Vec<usize>] {
        &self.sets
    }
}

/// Each of `sets` rendered once, in order: the issue's own rendering for the whole
/// issue, else its articles alone (their own subject, e.g. `{first_title}`). Each links
/// to the whole issue's page in the archive.
pub(super) fn render(
    config: &Config,
    plan: &IssuePlan<'_>,
    sets: &[Vec<usize>],
) -> Result<Vec<Rendered>> {
    let archive_url = plan.archive.as_ref().map(|place| place.url.as_str());
    sets.iter()
        .map(|set| {
            if set.len() == plan.articles.len() {
                return Ok(plan.rendered.clone());
            }
            let articles: Vec<Article> = set.iter().map(|&i| plan.articles[i].clone()).collect();
            digest::render(&articles, &render_options(config, archive_url))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Joined, Status};
    use chrono::TimeZone;

    fn article(slug: &str, tags: &[&str]) -> Article {
        let published = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
        Article {
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..Article::for_test(slug, published)
        }
    }

    fn topic(tag: &str) -> Topic {
        Topic {
            tag: tag.into(),
            name: tag.into(),
            description: None,
        }
    }

    fn subscriber(email: &str, topics: &[&str]) -> Subscriber {
        let mut s = Subscriber::new(email, Status::Active, Joined::Cli, now());
        s.topics = topics.iter().map(|t| t.to_string()).collect();
        s
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn subscribers_with_one_set_share_one_edition() {
        let articles = [
            article("a", &["rust"]),
            article("b", &["web"]),
            article("c", &["rust", "web"]),
        ];
        let topics = [topic("rust"), topic("web"), topic("ai")];
        let mut editions = Editions::new(&articles, &topics);
        let shares: Vec<Share> = [
            subscriber("all@x.org", &[]),
            subscriber("rust@x.org", &["rust"]),
            subscriber("both@x.org", &["rust", "web"]),
            subscriber("rust2@x.org", &["Rust"]),
            subscriber("ai@x.org", &["ai"]),
            subscriber("gone@x.org", &["gone"]),
        ]
        .iter()
        .map(|s| editions.share(s, now()))
        .collect();
        assert_eq!(
            shares,
            [
                Share::Edition(0),
                Share::Edition(1),
                Share::Edition(0),
                Share::Edition(1),
                Share::Skipped("nothing in their topics".into()),
                Share::Edition(0),
            ]
        );
        assert_eq!(editions.sets(), [vec![0, 1, 2], vec![0, 2]]);
    }

    #[test]
    fn a_paused_subscriber_is_skipped_until_the_pause_ends() {
        let articles = [article("a", &[])];
        let mut editions = Editions::new(&articles, &[]);
        let mut paused = subscriber("p@x.org", &[]);
        paused.paused_until = Some(now() + chrono::Duration::days(30));
        assert_eq!(
            editions.share(&paused, now()),
            Share::Skipped("paused until 2026-03-03T00:00:00Z".into())
        );
        let later = now() + chrono::Duration::days(31);
        assert_eq!(editions.share(&paused, later), Share::Edition(0));
    }
}
