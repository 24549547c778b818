//! The feeds: which articles they show ([`select`]) and one file per format
//! (`rss`, `atom`, `json`).
//!
//! Each article's Markdown is rendered once per build and shared by the three formats.
//! The documents are streamed: items are rendered a chunk at a time, in parallel, and
//! written in order, so memory holds a few chunks rather than whole documents.
//! [`crate::build::build`] streams them into the output files (comparing with the
//! files already there), [`render_all`] into strings. Every output is a pure function of the config and the
//! items: the feed's own date is the newest item's, never the clock, so unchanged
//! content gives byte-identical files.
//!
//! ```no_run
//! # fn main() -> herald::Result<()> {
//! use std::path::Path;
//! let config = herald::Config::load(Path::new("herald.yaml"))?;
//! let loaded = herald::content::load(&config)?;
//! let items = herald::feed::select(&loaded.articles, chrono::Utc::now(), config.feed_limit());
//! let items = herald::content::load_full(&config, &items)?;
//! let feeds = herald::feed::render_all(&config, &items.iter().collect::<Vec<_>>())?;
//! assert!(feeds.rss.starts_with("<?xml"));
//! # Ok(())
//! # }
//! ```

mod archive;
pub(crate) mod atom;
mod budget;
mod document;
mod history;
mod html;
mod item;
pub(crate) mod json;
mod page;
mod place;
mod publish;
mod rendered;
pub(crate) mod rss;
mod select;
mod site;
mod stale;
mod stream;
mod tags;
mod xml;

pub use select::select;

pub(crate) use budget::Trimmed;
pub(crate) use page::PAGE_FILES;
pub(crate) use publish::OutputBytes;
pub(crate) use publish::PublishPlan;
pub(crate) use rendered::record as record_rendered;
pub(crate) use stale::remove as remove_stale;

use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;

use document::Format;
use site::Site;
use stream::Sink;

use crate::config::Config;
use crate::content::Article;
use crate::error::Result;
#[cfg(test)]
use crate::output::{self, Written};
use crate::output::{ChangeWriter, Staged};

/// The RSS 2.0 file's name, under `output_dir` and under `site.url`.
pub(crate) const RSS_FILE: &str = "rss.xml";
/// The Atom 1.0 file's name, under `output_dir` and under `site.url`.
pub(crate) const ATOM_FILE: &str = "atom.xml";
/// The JSON Feed 1.1 file's name, under `output_dir` and under `site.url`.
pub(crate) const JSON_FILE: &str = "feed.json";
/// The three file names: RSS, Atom, JSON Feed.
pub const FILES: [&str; 3] = [RSS_FILE, ATOM_FILE, JSON_FILE];
/// Every file of one feed document: the three formats ([`FILES`]), then their HTML
/// pages ([`PAGE_FILES`]).
pub(crate) const DOCUMENT_FILES: [&str; 6] = [
    RSS_FILE,
    ATOM_FILE,
    JSON_FILE,
    PAGE_FILES[0],
    PAGE_FILES[1],
    PAGE_FILES[2],
];
/// The XSL stylesheet's name, under `output_dir` and under `site.url`, beside the feeds
/// (`feeds.stylesheet`).
pub(crate) const STYLESHEET_FILE: &str = "feed.xsl";
/// herald's own stylesheet, `templates/feed.xsl`.
pub(crate) const BUILTIN_STYLESHEET: &str = include_str!("../../templates/feed.xsl");

/// The three feed documents for one set of items.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenderedFeeds {
    /// RSS 2.0, for `rss.xml`.
    pub rss: String,
    /// Atom 1.0, for `atom.xml`.
    pub atom: String,
    /// JSON Feed 1.1, for `feed.json`.
    pub json: String,
}

/// Renders the three formats for `items` (in the given order, usually from [`select`]),
/// rendering each article's Markdown once, in parallel, within `feeds.max_bytes`.
///
/// The documents are streamed into memory, so they are held whole; to write files,
/// [`crate::build::build`] holds only a few items at a time.
pub fn render_all(config: &Config, items: &[&Article]) -> Result<RenderedFeeds> {
    let mut documents: [Vec<u8>; 3] = Default::default();
    let (formats, _) = stream_to(config, &Site::new(config, items), items, &mut documents)?;
    let [rss, atom, json] = documents;
    Ok(RenderedFeeds {
        rss: stream::into_string(&formats.rss, rss)?,
        atom: stream::into_string(&formats.atom, atom)?,
        json: stream::into_string(&formats.json, json)?,
    })
}

/// The three feed files of [`stage`] and their HTML pages, waiting for
/// [`output::commit`].
#[derive(Debug)]
pub(crate) struct StagedFeeds {
    /// RSS, Atom and JSON, in the order of [`FILES`].
    pub files: [Staged; 3],
    /// The HTML page of each ([`PAGE_FILES`]: `rss.html`, `atom.html`, `feed.html`),
    /// what a browser shows of the feed.
    pub pages: [Staged; 3],
    /// What `feeds.max_bytes` took out of each file that outgrew it.
    pub trimmed: Vec<Trimmed>,
}

/// Streams the three formats for `items` into [`FILES`] in `dir`, and writes the HTML
/// page of each beside it ([`PAGE_FILES`]), comparing with the files already there: a
/// file whose bytes do not change is never written, and the others wait in temporary
/// files for [`output::commit`]. On error, nothing is left behind and the old files are
/// as they were.
#[cfg(test)]
pub(crate) fn stage(config: &Config, items: &[&Article], dir: &Path) -> Result<StagedFeeds> {
    stage_document(config, &Site::new(config, items), items, dir)
}

/// Streams the three formats of the document `site.place` for `items` into `dir`, as
/// [`stage`] does.
fn stage_document(
    config: &Config,
    site: &Site,
    items: &[&Article],
    dir: &Path,
) -> Result<StagedFeeds> {
    // The pages render (they need no Markdown) while the feeds stream.
    let (feeds, pages) = rayon::join(
        || stage_feeds(config, site, items, dir),
        || stage_pages(config, site, items, dir),
    );
    let (files, trimmed) = feeds?;
    Ok(StagedFeeds {
        files,
        pages: pages?,
        trimmed,
    })
}

/// Streams the three formats of the document `site.place` into `dir`.
fn stage_feeds(
    config: &Config,
    site: &Site,
    items: &[&Article],
    dir: &Path,
) -> Result<([Staged; 3], Vec<Trimmed>)> {
    let mut writers = FILES.map(|file| ChangeWriter::new(dir.join(site.place.path(file))));
    let (_, trimmed) = stream_to(config, site, items, &mut writers)?;
    let [rss, atom, json] = writers;
    // Each finish writes out its file's buffer (the flush to disk is output::commit's):
    // let the three overlap.
    let (rss, (atom, json)) = rayon::join(
        || rss.finish(),
        || rayon::join(|| atom.finish(), || json.finish()),
    );
    Ok(([rss?, atom?, json?], trimmed))
}

/// Writes the HTML page of the document `site.place` in each format (see [`page`]).
fn stage_pages(
    config: &Config,
    site: &Site,
    items: &[&Article],
    dir: &Path,
) -> Result<[Staged; 3]> {
    let list = page::ItemList::new(config, items)?;
    let [rss, atom, json] = FILES.map(|file| -> Result<Staged> {
        let html = page::render(config, site, &list, file)?;
        let name = page::page_file(file).unwrap_or(PAGE_FILES[0]);
        let mut writer = ChangeWriter::new(dir.join(site.place.path(name)));
        writer.write_all(html.as_bytes())?;
        writer.finish()
    });
    Ok([rss?, atom?, json?])
}

/// Streams the three formats for `items` into `sinks` (RSS, Atom, JSON, in that order).
fn stream_to<S: Sink>(
    config: &Config,
    site: &Site,
    items: &[&Article],
    sinks: &mut [S; 3],
) -> Result<(Formats, Vec<Trimmed>)> {
    let formats = Formats::new(config, site)?;
    let trimmed = stream::stream(
        formats.all(),
        items,
        sinks.each_mut().map(|s| s as &mut dyn Sink),
        stream::Options::of(config, &site.place),
    )?;
    let trimmed = trimmed
        .into_iter()
        .flatten()
        .map(|t| Trimmed {
            file: site.place.path(t.file.as_str()),
            ..t
        })
        .collect();
    Ok((formats, trimmed))
}

/// [`stage`], then publishes the three files and their HTML pages together with
/// [`output::commit`]; says for each feed file whether it changed.
#[cfg(test)]
pub(crate) fn write_all(
    config: &Config,
    items: &[&Article],
    dir: &Path,
) -> Result<[(PathBuf, Written); 3]> {
    let StagedFeeds { files, pages, .. } = stage(config, items, dir)?;
    let outcomes = files
        .each_ref()
        .map(|file| (file.path().to_path_buf(), file.written()));
    output::commit(files.into_iter().chain(pages).collect())?;
    Ok(outcomes)
}

/// The three formats for one set of items.
struct Formats {
    rss: rss::Rss,
    atom: atom::Atom,
    json: json::Json,
}

impl Formats {
    fn new(config: &Config, site: &Site) -> Result<Self> {
        Ok(Formats {
            rss: rss::Rss::new(config, site)?,
            atom: atom::Atom::new(config, site)?,
            json: json::Json::new(config, site)?,
        })
    }

    /// In the order of [`FILES`].
    fn all(&self) -> [&dyn Format; 3] {
        [&self.rss, &self.atom, &self.json]
    }
}

#[cfg(test)]
mod tests;
