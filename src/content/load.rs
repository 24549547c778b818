//! Reading every `*.md` under the content folder, in parallel, into sorted articles.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::article::Article;
use super::parse::{Parsed, parse_leaving_body};
use crate::config::Config;
use crate::error::{Diagnostic, Error, Result};

/// Every article that parsed, newest first, and every problem found on the way.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Valid articles (drafts and scheduled ones included), newest `published` first,
    /// ties broken by slug.
    pub articles: Vec<Article>,
    /// Errors and warnings, sorted by path and line.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Whether any file had an error (its article is then missing from `articles`).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The articles visible at `now`: no drafts, nothing scheduled later. Newest first.
    pub fn published(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Article> {
        self.articles.iter().filter(move |a| a.is_published(now))
    }
}

/// Reads every `*.md` file below `config.content_dir`.
///
/// Fails only when the folder itself cannot be read; problems in single files are
/// returned as diagnostics so that the caller can print all of them.
pub fn load(config: &Config) -> Result<Loaded> {
    let files = find_markdown(&config.content_dir)?;
    Ok(load_files(&files, config))
}

/// Reads and parses the given files in parallel.
///
/// A file that vanished since it was listed (deleted while herald ran) is left out with a
/// warning; any other read error is an error for that file.
pub fn load_files(files: &[PathBuf], config: &Config) -> Loaded {
    let parsed: Vec<Parsed> = files
        .par_iter()
        .map(|path| match std::fs::read(path) {
            // Keep only the front matter in memory; the body is read again if shown.
            Ok(bytes) => parse_leaving_body(path, &bytes, config),
            Err(e) => Parsed {
                article: None,
                body_offset: None,
                diagnostics: vec![read_failure(path, &e)],
            },
        })
        .collect();
    assemble(parsed)
}

fn read_failure(path: &Path, error: &std::io::Error) -> Diagnostic {
    if error.kind() == std::io::ErrorKind::NotFound {
        Diagnostic::warning(
            path,
            None,
            "the file disappeared while herald was reading; left out",
        )
    } else {
        Diagnostic::error(path, None, format!("cannot read the file: {error}"))
    }
}

/// Sorts, checks for duplicate slugs and ids, and gathers diagnostics.
pub fn assemble(parsed: Vec<Parsed>) -> Loaded {
    let mut loaded = Loaded::default();
    for file in parsed {
        loaded.diagnostics.extend(file.diagnostics);
        loaded.articles.extend(file.article);
    }
    sort_newest_first(&mut loaded.articles);
    let duplicates = find_duplicates(&loaded.articles);
    if !duplicates.is_empty() {
        loaded
            .articles
            .retain(|a| !duplicates.iter().any(|d| d.path == a.path));
        loaded.diagnostics.extend(duplicates);
    }
    loaded
        .diagnostics
        .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    loaded
}

/// Newest `published` first; equal dates by slug, so the order never depends on the disk.
/// (Paths are unique, so the order is total and an unstable sort is deterministic.)
pub fn sort_newest_first(articles: &mut [Article]) {
    articles.sort_unstable_by(|a, b| {
        b.published
            .cmp(&a.published)
            .then_with(|| a.slug.cmp(&b.slug))
            .then_with(|| a.path.cmp(&b.path))
    });
}

/// Two articles with one slug or one id would collide in URLs or in feed readers:
/// both are errors.
fn find_duplicates(articles: &[Article]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut by_slug: std::collections::HashMap<&str, &Article> = Default::default();
    let mut by_id: std::collections::HashMap<&str, &Article> = Default::default();
    for article in articles {
        if let Some(other) = by_slug.insert(&article.slug, article) {
            problems.push(duplicate(article, other, "slug", &article.slug));
            problems.push(duplicate(other, article, "slug", &article.slug));
        } else if let Some(other) = by_id.insert(&article.id, article) {
            problems.push(duplicate(article, other, "id", &article.id));
            problems.push(duplicate(other, article, "id", &article.id));
        }
    }
    problems
}

fn duplicate(article: &Article, other: &Article, what: &str, value: &str) -> Diagnostic {
    Diagnostic::error(
        &article.path,
        None,
        format!(
            "{what} {value:?} is also used by {}; give one of them its own `{what}:`",
            other.path.display()
        ),
    )
}

/// Every `*.md` file below `dir`, sorted by path. Symbolic links to files are followed;
/// folders are visited once each, so a link loop cannot recurse forever.
pub fn find_markdown(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let canonical = folder.canonicalize().map_err(|e| Error::io(&folder, e))?;
        if !seen.insert(canonical) {
            continue;
        }
        let entries = std::fs::read_dir(&folder).map_err(|e| Error::io(&folder, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&folder, e))?;
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if hidden {
                continue;
            }
            // The entry's own type costs no system call; only links need following.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let (is_dir, is_file) = if kind.is_symlink() {
                match std::fs::metadata(&path) {
                    Ok(meta) => (meta.is_dir(), meta.is_file()),
                    // A broken link is not an article.
                    Err(_) => continue,
                }
            } else {
                (kind.is_dir(), kind.is_file())
            };
            if is_dir {
                stack.push(path);
            } else if is_file && is_markdown(&path) {
                files.push(path);
            }
        }
    }
    // By bytes: the same order on every run, and far cheaper than comparing components.
    files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    Ok(files)
}

fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("md") || ext.eq_ignore_ascii_case("markdown"))
}
