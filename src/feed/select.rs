//! Which articles a feed shows.

use chrono::{DateTime, Utc};

use crate::content::ArticleMeta;

/// The articles a feed shows at `now`: no drafts, nothing scheduled after `now`, newest
/// `published` first (ties by slug), at most `limit` of them (`0` means all).
///
/// The records hold what selection needs; read the chosen ones whole with
/// [`crate::content::load_full`].
pub fn select(articles: &[ArticleMeta], now: DateTime<Utc>, limit: usize) -> Vec<&ArticleMeta> {
    let mut visible: Vec<&ArticleMeta> = articles.iter().filter(|a| a.is_published(now)).collect();
    // `content::load` already sorts; sorting again keeps `select` right for any input.
    visible.sort_by(|a, b| crate::content::newest_first(a, b));
    if limit > 0 {
        visible.truncate(limit);
    }
    visible
}
