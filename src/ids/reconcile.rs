//! Giving each published article its stable id, and recording new ones.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::ledger::{Ledger, RecordedId};
use crate::content::ArticleMeta;
use crate::error::{Diagnostic, Result};

/// The outcome of [`reconcile`].
#[derive(Debug)]
pub(crate) struct Reconciled {
    /// The ledger with every newly published article recorded.
    pub ledger: Ledger,
    /// Warnings (an id kept after a move or a URL change) and errors (an id taken twice).
    pub diagnostics: Vec<Diagnostic>,
    /// Whether `ledger` differs from the ledger passed in.
    pub changed: bool,
}

/// Sets the id of every article published at `now` from `ledger`, and returns the
/// updated ledger (the one passed in, changed in place: a large ids file is never held
/// twice). `content_dir` turns article paths into the ledger's relative keys; `title`
/// reads an article's title back (records do not keep it), which only new articles
/// need, e.g. `|r| r.load_full(&config).map(|a| a.title)`.
pub(crate) fn reconcile(
    articles: &mut [ArticleMeta],
    ledger: Ledger,
    content_dir: &Path,
    now: DateTime<Utc>,
    title: &(dyn Fn(&ArticleMeta) -> Result<String> + Sync),
) -> Reconciled {
    let (changes, diagnostics) = {
        // The usual rebuild has every published article recorded under its path with its
        // id: nothing to do, and no index built. The lookups run in parallel.
        let lookups: Vec<(bool, bool)> = articles
            .par_iter()
            .map(|a| {
                let recorded = ledger.by_path(&key(a.path(), content_dir));
                let pending = a.is_published(now) && recorded.is_none_or(|r| r.id() != a.id());
                (pending, recorded.is_some())
            })
            .collect();
        let pending: Vec<usize> = (0..articles.len()).filter(|&i| lookups[i].0).collect();
        // Paths are distinct on both sides: when every recorded path has its article,
        // no recorded file disappeared, so nothing can have moved (the usual case for a
        // new article: no search for orphans).
        let recorded_present = lookups.iter().filter(|l| l.1).count();
        let may_have_moved = recorded_present < ledger.articles.len()
            && pending.iter().any(|&i| {
                let article = &articles[i];
                article.id_is_url() && !lookups[i].1
            });
        drop(lookups);
        let orphans = may_have_moved.then(|| orphans(&ledger, articles, content_dir));
        let mut state = State::new(&ledger, orphans, title);
        for i in pending {
            let article = &mut articles[i];
            let key = key(article.path(), content_dir).into_owned();
            state.assign(article, &key);
        }
        state.finish()
    };
    let changed = !changes.new_entries.is_empty();
    let ledger = changes.apply(ledger);
    Reconciled {
        ledger,
        diagnostics,
        changed,
    }
}

/// Up to this many new entries are inserted one by one; more are appended and sorted.
const INSERT_AT_MOST: usize = 64;

/// What a run adds to the ledger, and the entries it replaces.
struct Changes {
    new_entries: Vec<RecordedId>,
    /// Paths whose entries give way: a file now recorded afresh, or the old path of a
    /// moved file (its id now belongs to the new path).
    retired: HashSet<String>,
}

impl Changes {
    fn apply(self, mut ledger: Ledger) -> Ledger {
        if self.new_entries.is_empty() {
            return ledger;
        }
        ledger.articles.retain(|e| !self.retired.contains(e.path()));
        let mut new_entries = self.new_entries;
        new_entries.sort_unstable_by(|a, b| a.path().cmp(b.path()));
        // Exactly: growing by doubling would hold twice the ledger for one new entry.
        ledger.articles.reserve_exact(new_entries.len());
        if new_entries.len() <= INSERT_AT_MOST {
            // A few new articles (the usual build): each goes in its place, which
            // moves part of the list rather than sorting every path again.
            for entry in new_entries {
                let at = ledger.articles.partition_point(|e| e.path() < entry.path());
                ledger.articles.insert(at, entry);
            }
        } else {
            ledger.articles.extend(new_entries);
            // Paths are distinct: an unstable sort is as good, and needs no buffer.
            ledger
                .articles
                .sort_unstable_by(|a, b| a.path().cmp(b.path()));
        }
        ledger
    }
}

/// The indexes below are built on first use: when every article is already recorded
/// under its path with its id (the usual rebuild), none is needed.
struct State<'a> {
    old: &'a Ledger,
    /// Reads an article's title back from its file.
    title: &'a (dyn Fn(&ArticleMeta) -> Result<String> + Sync),
    /// Recorded files that no longer exist: candidates for a move (`None` when no
    /// article may have moved).
    orphans: Option<Vec<&'a RecordedId>>,
    /// Which entry of the old ledger owns each id (the last one by path, when an edited
    /// file gives one id to two paths): its index rather than its path, half the memory.
    owners: Option<HashMap<&'a str, usize>>,
    /// Ids assigned in this run, and their paths.
    assigned: HashMap<String, String>,
    new_entries: Vec<RecordedId>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> State<'a> {
    fn new(
        old: &'a Ledger,
        orphans: Option<Vec<&'a RecordedId>>,
        title: &'a (dyn Fn(&ArticleMeta) -> Result<String> + Sync),
    ) -> Self {
        State {
            old,
            title,
            orphans,
            owners: None,
            assigned: HashMap::new(),
            new_entries: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// The path that owns `id`: assigned in this run, else recorded in the old ledger.
    fn owner(&mut self, id: &str) -> Option<String> {
        if let Some(path) = self.assigned.get(id) {
            return Some(path.clone());
        }
        let old = self.old;
        let owners = self.owners.get_or_insert_with(|| {
            old.articles
                .iter()
                .enumerate()
                .map(|(i, e)| (e.id(), i))
                .collect()
        });
        owners.get(id).map(|&i| old.articles[i].path().to_string())
    }

    fn assign(&mut self, article: &mut ArticleMeta, path: &str) {
        let recorded = self.old.by_path(path);
        if recorded.is_some_and(|r| r.id() == article.id()) {
            // Published before from this file with this id: nothing to do.
            return;
        }
        let explicit = !article.id_is_url();
        if !explicit && let Some(recorded) = recorded {
            self.keep(article, recorded.id(), None);
            return;
        }
        // A new entry, or a move recognised by its title: the title is read back.
        let title = match (self.title)(article) {
            Ok(title) => title,
            Err(e) => {
                self.diagnostics.push(Diagnostic::error(
                    article.path(),
                    None,
                    format!("cannot read its title again for the ids file: {e}"),
                ));
                return;
            }
        };
        if !explicit && let Some(twin) = self.take_twin(article, &title) {
            self.keep(article, twin.id(), Some(twin.path()));
            self.record(article, path, &title);
            return;
        }
        let owner = self.owner(article.id());
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
            None => self.record(article, path, &title),
        }
    }

    /// A recorded file that disappeared, with the same publish date and title.
    fn take_twin(&mut self, article: &ArticleMeta, title: &str) -> Option<&'a RecordedId> {
        let orphans = self.orphans.as_mut()?;
        let index = orphans
            .iter()
            .position(|e| e.published == article.published && e.title() == title)?;
        Some(orphans.remove(index))
    }

    fn keep(&mut self, article: &mut ArticleMeta, id: &str, moved_from: Option<&str>) {
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

    fn record(&mut self, article: &ArticleMeta, path: &str, title: &str) {
        self.assigned
            .insert(article.id().to_string(), path.to_string());
        self.new_entries.push(RecordedId::new(
            path,
            article.id(),
            article.published,
            title,
        ));
    }

    fn finish(self) -> (Changes, Vec<Diagnostic>) {
        let mut retired: HashSet<String> = HashSet::new();
        if !self.new_entries.is_empty() {
            let new_ids: HashMap<&str, &str> = self
                .new_entries
                .iter()
                .map(|e| (e.id(), e.path()))
                .collect();
            // The old path of a moved file (the first one recorded with its id): the id
            // now belongs to the new path.
            let mut moved: HashSet<&str> = HashSet::new();
            for old in &self.old.articles {
                let id = old.id();
                if new_ids.get(id).is_some_and(|&p| p != old.path()) && moved.insert(id) {
                    retired.insert(old.path().to_string());
                }
            }
            retired.extend(self.new_entries.iter().map(|e| e.path().to_string()));
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
fn orphans<'a>(
    ledger: &'a Ledger,
    articles: &[ArticleMeta],
    content_dir: &Path,
) -> Vec<&'a RecordedId> {
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
                .binary_search_by(|k| k.as_ref().cmp(e.path()))
                .is_err()
        })
        .collect()
}

/// The ledger key of an article: its path under the content folder, `/`-separated.
fn key<'p>(path: &'p Path, content_dir: &Path) -> Cow<'p, str> {
    // The usual case, byte for byte (comparing components is most of a lookup's cost).
    let under = path
        .as_os_str()
        .as_encoded_bytes()
        .strip_prefix(content_dir.as_os_str().as_encoded_bytes())
        .and_then(|rest| rest.strip_prefix(b"/"))
        .and_then(|rest| std::str::from_utf8(rest).ok());
    if let Some(text) = under.filter(|t| is_plain_unix_path(t)) {
        return Cow::Borrowed(text);
    }
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
    fn new_entries_land_in_path_order_one_by_one_or_sorted() {
        let entry = |n: usize| {
            RecordedId::new(
                &format!("{n:04}.md"),
                &format!("id-{n}"),
                DateTime::UNIX_EPOCH,
                "T",
            )
        };
        for count in [1, 2, INSERT_AT_MOST, INSERT_AT_MOST + 1, 200] {
            let old = Ledger {
                articles: (0..400).step_by(2).map(entry).collect(),
            };
            // Odd numbers, newest first: they interleave with the old ones.
            let new: Vec<RecordedId> = (0..count).rev().map(|k| entry(2 * k + 1)).collect();
            let changes = Changes {
                new_entries: new.clone(),
                retired: HashSet::new(),
            };
            let applied = changes.apply(old.clone());
            let mut expected: Vec<RecordedId> = old.articles.into_iter().chain(new).collect();
            expected.sort_by(|a, b| a.path().cmp(b.path()));
            assert_eq!(applied.articles, expected, "{count} new entries");
        }
    }

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
