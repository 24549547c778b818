//! Reading every `*.md` under the content folder, in parallel, into sorted articles.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::article::Fingerprint;
use super::parse::parse_leaving_body;
use super::record::ArticleMeta;
use crate::config::Config;
use crate::error::{Diagnostic, Error, Result};

/// Every article that parsed, newest first, and every problem found on the way.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Loaded {
    /// Valid articles (drafts and scheduled ones included), newest `published` first,
    /// ties broken by slug. Each is a compact [`ArticleMeta`]; `ArticleMeta::load_full` reads
    /// the rest of an article back for the ones shown.
    pub articles: Vec<ArticleMeta>,
    /// Errors and warnings, sorted by path and line.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Whether any file had an error (its article is then missing from `articles`).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads every `*.md` file below `config.content_dir`.
///
/// Fails only when the folder itself cannot be read; problems in single files are
/// returned as diagnostics so that the caller can print all of them.
pub fn load(config: &Config) -> Result<Loaded> {
    let files = find_markdown(&config.content_dir)?;
    Ok(load_owned(files, config))
}

/// Files parsed per parallel batch: enough to keep both cores busy, few enough that the
/// batch's parsed front matters (a few KB each) stay a few megabytes.
const BATCH: usize = 2048;

/// Reads and parses the given files in parallel, each path moving into its record (a
/// list of 100k paths is not held twice).
///
/// A file that vanished since it was listed (deleted while herald ran) is left out with a
/// warning; any other read error is an error for that file. Files are parsed a batch at
/// a time and each article is kept only as its [`ArticleMeta`], so memory grows with the
/// number of articles by about a hundred bytes each, not with their front matter.
fn load_owned(files: Vec<PathBuf>, config: &Config) -> Loaded {
    let mut loaded = Loaded {
        articles: Vec::with_capacity(files.len()),
        diagnostics: Vec::new(),
    };
    let mut files = files;
    // Batches are taken from the end, and the list shrunk after each: the paths move
    // into their records, and the list does not stay allocated beside them. (Records
    // are sorted afterwards, so the order read does not matter.)
    while !files.is_empty() {
        let batch = files.split_off(files.len().saturating_sub(BATCH));
        files.shrink_to_fit();
        let parsed: Vec<(Option<ArticleMeta>, Vec<Diagnostic>)> = batch
            .into_par_iter()
            .map(|path| load_one(path, config))
            .collect();
        for (record, diagnostics) in parsed {
            loaded.articles.extend(record);
            loaded.diagnostics.extend(diagnostics);
        }
    }
    loaded.articles.shrink_to_fit();
    finish(loaded)
}

/// One file's record (only what selection needs: the rest is read again if shown) and
/// its problems.
fn load_one(path: PathBuf, config: &Config) -> (Option<ArticleMeta>, Vec<Diagnostic>) {
    thread_local! {
        /// Each thread reads every file into the same buffer: 100k reads allocate and
        /// free nothing, which keeps the heap from fragmenting around the records.
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buffer| {
        let loaded = load_into(path, config, buffer);
        if buffer.capacity() > KEEP_BUFFER {
            // One huge file does not keep its size for the rest of the run.
            *buffer = Vec::new();
        }
        loaded
    })
}

/// The largest read buffer a thread keeps between files.
const KEEP_BUFFER: usize = 1 << 20;

fn load_into(
    path: PathBuf,
    config: &Config,
    buffer: &mut Vec<u8>,
) -> (Option<ArticleMeta>, Vec<Diagnostic>) {
    buffer.clear();
    let read = std::fs::File::open(&path).and_then(|mut file| {
        use std::io::Read;
        file.read_to_end(buffer)
    });
    match read {
        Ok(_) => {
            let bytes: &[u8] = buffer;
            let parsed = parse_leaving_body(&path, bytes, config);
            let record = parsed
                .article
                .as_ref()
                .zip(parsed.body_offset)
                .map(|(article, offset)| ArticleMeta::new(article, offset, Fingerprint::of(bytes)));
            (record, parsed.diagnostics)
        }
        Err(e) => (None, vec![read_failure(&path, &e)]),
    }
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

/// Sorts, checks for duplicate slugs and ids, and sorts the diagnostics.
fn finish(mut loaded: Loaded) -> Loaded {
    sort_newest_first(&mut loaded.articles);
    let duplicates = find_duplicates(&loaded.articles);
    if !duplicates.is_empty() {
        loaded
            .articles
            .retain(|a| !duplicates.iter().any(|d| d.path == a.path()));
        loaded.diagnostics.extend(duplicates);
    }
    loaded
        .diagnostics
        .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    loaded
}

/// Newest `published` first; equal dates by slug, so the order never depends on the disk.
/// (Paths are unique, so the order is total and an unstable sort is deterministic.)
pub(crate) fn sort_newest_first(articles: &mut [ArticleMeta]) {
    articles.sort_unstable_by(newest_first);
}

/// The feeds' order, the one comparison [`sort_newest_first`] and `feed::select` use:
/// newest `published` first, then by slug, then by path.
pub(crate) fn newest_first(a: &ArticleMeta, b: &ArticleMeta) -> std::cmp::Ordering {
    b.published
        .cmp(&a.published)
        .then_with(|| a.slug().cmp(b.slug()))
        .then_with(|| a.path().cmp(b.path()))
}

/// Two articles with one slug or one id would collide in URLs or in feed readers:
/// both are errors. An article whose slug is taken is not checked for its id as well.
///
/// By sorting references (8 bytes an article) rather than hashing the strings, so that a
/// large archive's check costs little memory.
fn find_duplicates(articles: &[ArticleMeta]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut by_slug: Vec<&ArticleMeta> = articles.iter().collect();
    // Stable: within one slug, the articles keep their order.
    by_slug.sort_by(|a, b| a.slug().cmp(b.slug()));
    let mut slug_taken = std::collections::HashSet::new();
    for pair in by_slug.windows(2) {
        let (other, article) = (pair[0], pair[1]);
        if other.slug() == article.slug() {
            problems.push(duplicate(article, other, "slug", article.slug()));
            problems.push(duplicate(other, article, "slug", article.slug()));
            slug_taken.insert(article.path());
        }
    }
    drop(by_slug);
    let mut by_id: Vec<&ArticleMeta> = articles
        .iter()
        .filter(|a| !slug_taken.contains(a.path()))
        .collect();
    by_id.sort_by(|a, b| a.id().cmp(b.id()));
    for pair in by_id.windows(2) {
        let (other, article) = (pair[0], pair[1]);
        if other.id() == article.id() {
            problems.push(duplicate(article, other, "id", article.id()));
            problems.push(duplicate(other, article, "id", article.id()));
        }
    }
    problems
}

fn duplicate(article: &ArticleMeta, other: &ArticleMeta, what: &str, value: &str) -> Diagnostic {
    Diagnostic::error(
        article.path(),
        None,
        format!(
            "{what} {value:?} is also used by {}; give one of them its own `{what}:`",
            other.path().display()
        ),
    )
}

/// Every `*.md` file below `dir`, sorted by path. Symbolic links to files are followed;
/// folders are visited once each, so a link loop cannot recurse forever.
pub(crate) fn find_markdown(dir: &Path) -> Result<Vec<PathBuf>> {
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
    files.shrink_to_fit();
    Ok(files)
}

fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("md") || ext.eq_ignore_ascii_case("markdown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_vanishes_after_listing_is_left_out_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "site:\n  title: T\n  url: https://example.com/\n  description: D\n";
        let config = Config::from_yaml(yaml.as_bytes(), &dir.path().join("herald.yaml")).unwrap();
        std::fs::create_dir(dir.path().join("content")).unwrap();
        std::fs::write(
            dir.path().join("content/kept.md"),
            "---\ntitle: Kept\npublish_date: 2024-01-01\n---\n\nBody of kept.\n",
        )
        .unwrap();
        let mut files = find_markdown(&config.content_dir).unwrap();
        files.push(dir.path().join("content/vanished.md"));
        let loaded = load_owned(files, &config);
        assert_eq!(loaded.articles.len(), 1);
        assert!(!loaded.has_errors());
        let message = loaded.diagnostics[0].to_string();
        assert!(
            message.contains("vanished.md: warning: the file disappeared"),
            "{message}"
        );
    }
}
