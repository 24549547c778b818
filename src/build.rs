//! `herald build` as a library call: load, select, render, write.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::{Diagnostic, Error, Result};
use crate::lock::Lock;
use crate::output::{Written, write_if_changed};

/// The lock file in the output folder that keeps two builds from writing at once.
pub const LOCK_FILE: &str = ".herald-build.lock";
use crate::{content, feed};

/// How a build treats invalid articles.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Build from the valid articles and report the invalid ones as warnings, instead of
    /// refusing to write anything.
    pub skip_invalid: bool,
    /// Called when another build holds the output folder; the build then waits for it.
    pub on_wait: fn(&std::path::Path),
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            skip_invalid: false,
            on_wait: |_| {},
        }
    }
}

/// What a build did.
#[derive(Debug, Default)]
pub struct BuildReport {
    /// Files created or replaced.
    pub written: Vec<PathBuf>,
    /// Files that already held the same bytes and were left alone.
    pub unchanged: Vec<PathBuf>,
    /// Articles in each feed.
    pub items: usize,
    /// Valid articles found, including drafts and scheduled ones.
    pub articles: usize,
    /// Drafts left out.
    pub drafts: usize,
    /// Articles scheduled after `now`, left out.
    pub scheduled: usize,
    /// Warnings, and with `skip_invalid` the errors of the skipped files.
    pub diagnostics: Vec<Diagnostic>,
}

/// Builds the three feeds for the articles visible at `now` and writes the ones whose
/// bytes changed.
///
/// Nothing is written unless every article is valid (or `skip_invalid` is set) and all
/// three feeds rendered: a failed build leaves the previous files untouched.
pub fn build(config: &Config, now: DateTime<Utc>, options: BuildOptions) -> Result<BuildReport> {
    let loaded = content::load(config)?;
    if loaded.has_errors() && !options.skip_invalid {
        return Err(Error::Content(loaded.diagnostics));
    }
    let items = feed::select(&loaded.articles, now, config.feeds.limit);
    let feeds = feed::render_all(config, &items)?;
    let mut report = BuildReport {
        items: items.len(),
        articles: loaded.articles.len(),
        drafts: loaded.articles.iter().filter(|a| a.draft).count(),
        scheduled: loaded
            .articles
            .iter()
            .filter(|a| !a.draft && a.published > now)
            .count(),
        ..BuildReport::default()
    };
    report.diagnostics = loaded.diagnostics;
    std::fs::create_dir_all(&config.output_dir).map_err(|e| Error::io(&config.output_dir, e))?;
    let _lock = Lock::acquire(&config.output_dir.join(LOCK_FILE), options.on_wait)?;
    for (name, text) in [
        (feed::RSS_FILE, &feeds.rss),
        (feed::ATOM_FILE, &feeds.atom),
        (feed::JSON_FILE, &feeds.json),
    ] {
        let path = config.output_dir.join(name);
        match write_if_changed(&path, text.as_bytes())? {
            Written::Changed => report.written.push(path),
            Written::Unchanged => report.unchanged.push(path),
        }
    }
    Ok(report)
}
