//! Giving each published article its stable id, and recording new ones.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};

use super::ledger::{Entry, Ledger};
use crate::content::Record;
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

/// Sets the id of every article published at `now` from `ledger`, and returns the
/// updated ledger (the one passed in, changed in place: a large ids file is never held
/// twice). `content_dir` turns article paths into the ledger's relative keys.
pub fn reconcile(
    articles: &mut [Record],
    ledger: Ledger,
    content_dir: &Path,
    now: DateTime<Utc>,
) -> Reconciled {
    let (changes, diagnostics) = {
        // The usual rebuild has every published article recorded under its path with its
        // id: nothing to do, and no index built.
        let pending: Vec<usize> = articles
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.is_published(now)
                    && ledger
                        .by_path(&key(a.path(), content_dir))
                        .is_none_or(|r| r.id != a.id())
            })
            .map(|(i, _)| i)
            .collect();
        let may_have_moved = pending.iter().any(|&i| {
            let article = &articles[i];
            article.id_is_url() && ledger.by_path(&key(article.path(), content_dir)).is_none()
        });
        let orphans = may_have_moved.then(|| orphans(&ledger, articles, content_dir));
        let mut state = State::new(&ledger, orphans);
        for i in pending {
            let article = &mut articles[i];
            let key = key(article.path(), content_dir).into_owned();
            state.assign(article, &key);
        }
        state.finish()
    };
    let changed = !changes.new_entries.is_empty();
    Reconciled {
        ledger: changes.apply(ledger),
        diagnostics,
        changed,
    }
}

/// What a run adds to the ledger, and the entries it replaces.
struct Changes {
    new_entries: Vec<Entry>,
    /// Paths whose entries give way: a file now recorded afresh, or the old path of a
    /// moved file (its id now belongs to the new path).
    retired: HashSet<String>,
}

impl Changes {
    fn apply(self, mut ledger: Ledger) -> Ledger {
        if self.new_entries.is_empty() {
            return ledger;
        }
        ledger
            .articles
            .retain(|e| !self.retired.contains(e.path.as_str()));
        ledger.articles.extend(self.new_entries);
        ledger.articles.sort_by(|a, b| a.path.cmp(&b.path));
        ledger
    }
}

/// The indexes below are built on first use: when every article is already recorded
/// under its path with its id (the usual rebuild), none is needed.
struct State<'a> {
    old: &'a Ledger,
    /// Recorded files that no longer exist: candidates for a move (`None` when no
    /// article may have moved).
    orphans: Option<Vec<&'a Entry>>,
    /// Which ledger path owns each id, including ones assigned in this run.
    owners: Option<HashMap<Cow<'a, str>, Cow<'a, str>>>,
    new_entries: Vec<Entry>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> State<'a> {
    fn new(old: &'a Ledger, orphans: Option<Vec<&'a Entry>>) -> Self {
        State {
            old,
            orphans,
            owners: None,
            new_entries: Vec::new(),
            diagnostics: Vec::new(),
        }
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

    fn assign(&mut self, article: &mut Record, path: &str) {
        let recorded = self.old.by_path(path);
        if recorded.is_some_and(|r| r.id == article.id()) {
            // Published before from this file with this id: nothing to do.
            return;
        }
        let explicit = !article.id_is_url();
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
        let owner = self.owners().get(article.id()).cloned();
        match owner {
            Some(owner) if owner != path => self.diagnostics.push(Diagnostic::error(
                article.path(),
                None,
                format!(
                    "feed id {:?} was first published by {owner} (see herald-ids.yaml); \
                     readers would take this article for that one: set a new `id:` in the front matter",
                    article.id()
                ),
            )),
            Some(_) => {}
            None => self.record(article, path),
        }
    }

    /// A recorded file that disappeared, with the same publish date and title.
    fn take_twin(&mut self, article: &Record) -> Option<&'a Entry> {
        let orphans = self.orphans.as_mut()?;
        let index = orphans
            .iter()
            .position(|e| e.published == article.published && e.title == article.title())?;
        Some(orphans.remove(index))
    }

    fn keep(&mut self, article: &mut Record, id: &str, moved_from: Option<&str>) {
        if id != article.id() {
            let cause = match moved_from {
                Some(from) => format!("it moved from {from}"),
                None => "its URL changed".to_string(),
            };
            self.diagnostics.push(Diagnostic::warning(
                article.path(),
                None,
                format!(
                    "{cause}; feeds keep its first id {id:?} so readers show no duplicate \
                     (add `id: '{id}'` to the front matter to make this explicit)"
                ),
            ));
            article.set_id(id);
        }
    }

    fn record(&mut self, article: &Record, path: &str) {
        self.owners().insert(
            Cow::Owned(article.id().to_string()),
            Cow::Owned(path.to_string()),
        );
        self.new_entries.push(Entry {
            path: path.to_string(),
            id: article.id().to_string(),
            published: article.published,
            title: article.title().to_string(),
        });
    }

    fn finish(self) -> (Changes, Vec<Diagnostic>) {
        let mut retired: HashSet<String> = HashSet::new();
        if !self.new_entries.is_empty() {
            let new_ids: HashMap<&str, &str> = self
                .new_entries
                .iter()
                .map(|e| (e.id.as_str(), e.path.as_str()))
                .collect();
            // The old path of a moved file (the first one recorded with its id): the id
            // now belongs to the new path.
            let mut moved: HashSet<&str> = HashSet::new();
            for old in &self.old.articles {
                let id = old.id.as_str();
                if new_ids.get(id).is_some_and(|&p| p != old.path) && moved.insert(id) {
                    retired.insert(old.path.clone());
                }
            }
            retired.extend(self.new_entries.iter().map(|e| e.path.clone()));
        }
        let changes = Changes {
            new_entries: self.new_entries,
            retired,
        };
        (changes, self.diagnostics)
    }
}

/// Recorded files that no longer exist, in the ledger's order. The articles' keys are
/// sorted references into their paths, not a set of copies.
fn orphans<'a>(ledger: &'a Ledger, articles: &[Record], content_dir: &Path) -> Vec<&'a Entry> {
    let mut present: Vec<Cow<'_, str>> = articles
        .iter()
        .map(|a| key(a.path(), content_dir))
        .collect();
    present.sort_unstable();
    ledger
        .articles
        .iter()
        .filter(|e| {
            present
                .binary_search_by(|k| k.as_ref().cmp(e.path.as_str()))
                .is_err()
        })
        .collect()
}

/// The ledger key of an article: its path under the content folder, `/`-separated.
fn key<'p>(path: &'p Path, content_dir: &Path) -> Cow<'p, str> {
    let relative = path.strip_prefix(content_dir).unwrap_or(path);
    // The usual case, a plain relative path, is already in that form.
    if let Some(text) = relative.to_str().filter(|t| is_plain_unix_path(t)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
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
