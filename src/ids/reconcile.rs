//! Giving each published article its stable id, and recording new ones.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};

use super::ledger::{Entry, Ledger};
use crate::content::Article;
use crate::error::Diagnostic;

/// The outcome of [`reconcile`].
#[derive(Debug)]
pub struct Reconciled {
    /// The ledger with every newly published article recorded.
    pub ledger: Ledger,
    /// Warnings (an id kept after a move or a URL change) and errors (an id taken twice).
    pub diagnostics: Vec<Diagnostic>,
    /// Whether `ledger` differs from the ledger passed in.
    pub changed: bool,
}

/// Sets `article.id` for every article published at `now` from `ledger`, and returns the
/// updated ledger. `content_dir` turns article paths into the ledger's relative keys.
pub fn reconcile(
    articles: &mut [Article],
    ledger: &Ledger,
    content_dir: &Path,
    now: DateTime<Utc>,
) -> Reconciled {
    let keys: Vec<String> = articles.iter().map(|a| key(&a.path, content_dir)).collect();
    let mut state = State::new(ledger, &keys);
    for (article, key) in articles.iter_mut().zip(&keys) {
        if article.is_published(now) {
            state.assign(article, key);
        }
    }
    state.finish()
}

/// The indexes below are built on first use: when every article is already recorded
/// under its path with its id (the usual rebuild), none is needed.
struct State<'a> {
    old: &'a Ledger,
    /// Every article's ledger key.
    keys: &'a [String],
    /// Recorded files that no longer exist: candidates for a move.
    orphans: Option<Vec<&'a Entry>>,
    /// Which ledger path owns each id, including ones assigned in this run.
    owners: Option<HashMap<Cow<'a, str>, Cow<'a, str>>>,
    new_entries: Vec<Entry>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> State<'a> {
    fn new(old: &'a Ledger, keys: &'a [String]) -> Self {
        State {
            old,
            keys,
            orphans: None,
            owners: None,
            new_entries: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    fn orphans(&mut self) -> &mut Vec<&'a Entry> {
        let (old, keys) = (self.old, self.keys);
        self.orphans.get_or_insert_with(|| {
            let present: HashSet<&str> = keys.iter().map(String::as_str).collect();
            old.articles
                .iter()
                .filter(|e| !present.contains(e.path.as_str()))
                .collect()
        })
    }

    fn owners(&mut self) -> &mut HashMap<Cow<'a, str>, Cow<'a, str>> {
        let old = self.old;
        self.owners.get_or_insert_with(|| {
            old.articles
                .iter()
                .map(|e| (Cow::Borrowed(e.id.as_str()), Cow::Borrowed(e.path.as_str())))
                .collect()
        })
    }

    fn assign(&mut self, article: &mut Article, path: &str) {
        let recorded = self.old.by_path(path);
        if recorded.is_some_and(|r| r.id == article.id) {
            // Published before from this file with this id: nothing to do.
            return;
        }
        let explicit = article.id != article.url.as_str();
        if !explicit {
            if let Some(recorded) = recorded {
                self.keep(article, &recorded.id, None);
                return;
            }
            if let Some(twin) = self.take_twin(article) {
                self.keep(article, &twin.id, Some(&twin.path));
                self.record(article, path);
                return;
            }
        }
        let owner = self.owners().get(article.id.as_str()).cloned();
        match owner {
            Some(owner) if owner != path => self.diagnostics.push(Diagnostic::error(
                &article.path,
                None,
                format!(
                    "feed id {:?} was first published by {owner} (see herald-ids.yaml); \
                     readers would take this article for that one: set a new `id:` in the front matter",
                    article.id
                ),
            )),
            Some(_) => {}
            None => self.record(article, path),
        }
    }

    /// A recorded file that disappeared, with the same publish date and title.
    fn take_twin(&mut self, article: &Article) -> Option<&'a Entry> {
        let orphans = self.orphans();
        let index = orphans
            .iter()
            .position(|e| e.published == article.published && e.title == article.title)?;
        Some(orphans.remove(index))
    }

    fn keep(&mut self, article: &mut Article, id: &str, moved_from: Option<&str>) {
        if id != article.id {
            let cause = match moved_from {
                Some(from) => format!("it moved from {from}"),
                None => "its URL changed".to_string(),
            };
            self.diagnostics.push(Diagnostic::warning(
                &article.path,
                None,
                format!(
                    "{cause}; feeds keep its first id {id:?} so readers show no duplicate \
                     (add `id: '{id}'` to the front matter to make this explicit)"
                ),
            ));
            article.id = id.to_string();
        }
    }

    fn record(&mut self, article: &Article, path: &str) {
        self.owners()
            .insert(Cow::Owned(article.id.clone()), Cow::Owned(path.to_string()));
        self.new_entries.push(Entry {
            path: path.to_string(),
            id: article.id.clone(),
            published: article.published,
            title: article.title.clone(),
        });
    }

    fn finish(self) -> Reconciled {
        let mut ledger = self.old.clone();
        let changed = !self.new_entries.is_empty();
        let moved: HashSet<&str> = self
            .new_entries
            .iter()
            .filter_map(|e| {
                self.old
                    .articles
                    .iter()
                    .find(|o| o.id == e.id && o.path != e.path)
            })
            .map(|o| o.path.as_str())
            .collect();
        let renewed: HashSet<&str> = self.new_entries.iter().map(|e| e.path.as_str()).collect();
        ledger
            .articles
            .retain(|e| !moved.contains(e.path.as_str()) && !renewed.contains(e.path.as_str()));
        ledger.articles.extend(self.new_entries);
        ledger.articles.sort_by(|a, b| a.path.cmp(&b.path));
        Reconciled {
            ledger,
            diagnostics: self.diagnostics,
            changed,
        }
    }
}

/// The ledger key of an article: its path under the content folder, `/`-separated.
fn key(path: &Path, content_dir: &Path) -> String {
    let relative = path.strip_prefix(content_dir).unwrap_or(path);
    // The usual case, a plain relative path, is already in that form.
    if let Some(text) = relative.to_str().filter(|t| is_plain_unix_path(t)) {
        return text.to_string();
    }
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `text` is a relative path whose `/`-separated parts are all normal names, so
/// that it reads the same as its components joined by `/`.
fn is_plain_unix_path(text: &str) -> bool {
    cfg!(unix) && text.split('/').all(|part| !matches!(part, "" | "." | ".."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_slash_separated_paths_under_the_content_folder() {
        let content = Path::new("site/content");
        for (path, expected) in [
            ("site/content/a.md", "a.md"),
            ("site/content/2024/03/b.md", "2024/03/b.md"),
            ("site/content/x/./y.md", "x/y.md"),
            ("site/content//x//y.md", "x/y.md"),
            ("elsewhere/c.md", "elsewhere/c.md"),
        ] {
            assert_eq!(key(Path::new(path), content), expected, "{path}");
        }
    }
}
