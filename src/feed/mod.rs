//! TEMPORARY local stub (not committed) so the build orchestration compiles.
use crate::{Article, Config, Result};
use chrono::{DateTime, Utc};
pub const RSS_FILE: &str = "rss.xml";
pub const ATOM_FILE: &str = "atom.xml";
pub const JSON_FILE: &str = "feed.json";
pub struct Feeds {
    pub rss: String,
    pub atom: String,
    pub json: String,
}
pub fn select(articles: &[Article], now: DateTime<Utc>, limit: usize) -> Vec<&Article> {
    let it = articles.iter().filter(|a| a.is_published(now));
    if limit == 0 {
        it.collect()
    } else {
        it.take(limit).collect()
    }
}
pub fn render_all(_config: &Config, items: &[&Article]) -> Result<Feeds> {
    let t: Vec<_> = items.iter().map(|a| a.title.clone()).collect();
    Ok(Feeds {
        rss: t.join("\n"),
        atom: String::new(),
        json: String::new(),
    })
}
