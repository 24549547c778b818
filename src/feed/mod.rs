//! The feeds: which articles they show ([`select`]) and one file per format
//! ([`rss`], [`atom`], [`json`]).
//!
//! Each article's Markdown is rendered once per build and shared by the three formats
//! ([`render_all`]). Every output is a pure function of the config and the items: the
//! feed's own date is the newest item's, never the clock, so unchanged content gives
//! byte-identical files.
//!
//! ```no_run
//! # fn main() -> herald::Result<()> {
//! use std::path::Path;
//! let config = herald::Config::load(Path::new("herald.yaml"))?;
//! let loaded = herald::content::load(&config)?;
//! let items = herald::feed::select(&loaded.articles, chrono::Utc::now(), config.feeds.limit);
//! let feeds = herald::feed::render_all(&config, &items)?;
//! assert!(feeds.rss.starts_with("<?xml"));
//! # Ok(())
//! # }
//! ```

pub mod atom;
mod html;
mod item;
pub mod json;
pub mod rss;
mod select;
mod site;
pub mod text;

pub use html::content_html;
pub use select::select;

use crate::config::Config;
use crate::content::Article;
use crate::error::Result;

/// The RSS 2.0 file's name, under `output_dir` and under `site.url`.
pub const RSS_FILE: &str = "rss.xml";
/// The Atom 1.0 file's name, under `output_dir` and under `site.url`.
pub const ATOM_FILE: &str = "atom.xml";
/// The JSON Feed 1.1 file's name, under `output_dir` and under `site.url`.
pub const JSON_FILE: &str = "feed.json";

/// The three feed documents for one set of items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feeds {
    /// RSS 2.0, for [`RSS_FILE`].
    pub rss: String,
    /// Atom 1.0, for [`ATOM_FILE`].
    pub atom: String,
    /// JSON Feed 1.1, for [`JSON_FILE`].
    pub json: String,
}

/// Renders the three formats for `items` (in the given order, usually from [`select`]),
/// rendering each article's Markdown once, in parallel.
pub fn render_all(config: &Config, items: &[&Article]) -> Result<Feeds> {
    let prepared = item::prepare(items)?;
    // The three writers only read the prepared items: run them side by side.
    let (rss, (atom, json)) = rayon::join(
        || rss::write(config, &prepared),
        || {
            rayon::join(
                || atom::write(config, &prepared),
                || json::write(config, &prepared),
            )
        },
    );
    Ok(Feeds {
        rss: rss?,
        atom: atom?,
        json: json?,
    })
}
