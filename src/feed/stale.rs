//! Removing the feed documents an earlier build wrote and this one no longer does:
//! archive pages past the last one (articles were deleted, the page size grew, archives
//! were turned off) and the feeds of tags no article uses any more.
//!
//! The output folder is deployed as it is, so a stale page would go on being served
//! with articles that are gone. Only names herald writes are removed: `rss.xml`,
//! `atom.xml`, `feed.json`, their pages `rss.html`, `atom.html`, `feed.html`, and
//! `archive/{rss,atom,feed}-N.*` (`.xml`, `.json`, `.html`) in a feed's folder, and
//! under `tags/` only folders whose names are slugs. A folder left empty is removed;
//! anything else in it is left alone. The newsletter's archive of issues
//! (`newsletter/`, written by `herald send`) is never looked at.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::DOCUMENT_FILES;
use super::place::{ARCHIVE_DIR, TAGS_DIR, archive_number};
use crate::error::{Error, Result};

/// Removes from `dir` the documents not written by a build whose feeds were `feeds`
/// (each feed's folder and number of archive pages); returns the files removed.
pub(crate) fn remove(dir: &Path, feeds: &[(String, usize)]) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let kept: BTreeMap<&str, usize> = feeds.iter().map(|(f, n)| (f.as_str(), *n)).collect();
    prune_archive(
        &dir.join(ARCHIVE_DIR),
        kept.get("").copied().unwrap_or(0),
        &mut removed,
    )?;
    let tags = dir.join(TAGS_DIR);
    for slug in folders(&tags)? {
        let folder = tags.join(&slug);
        match kept.get(format!("{TAGS_DIR}/{slug}/").as_str()) {
            Some(&pages) => prune_archive(&folder.join(ARCHIVE_DIR), pages, &mut removed)?,
            None => {
                let mut files = DOCUMENT_FILES;
                files.sort_unstable();
                for file in files {
                    remove_file(&folder.join(file), &mut removed)?;
                }
                prune_archive(&folder.join(ARCHIVE_DIR), 0, &mut removed)?;
                remove_if_empty(&folder)?;
            }
        }
    }
    remove_if_empty(&tags)?;
    Ok(removed)
}

/// Removes the archive pages numbered above `keep` in `folder`, then the folder if
/// that leaves it empty.
fn prune_archive(folder: &Path, keep: usize, removed: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(folder, e)),
    };
    let mut stale = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(folder, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if DOCUMENT_FILES
            .iter()
            .filter_map(|file| archive_number(name, file))
            .any(|n| n > keep)
        {
            stale.push(entry.path());
        }
    }
    // In name order, so that the report is the same on every system.
    stale.sort();
    for path in stale {
        remove_file(&path, removed)?;
    }
    remove_if_empty(folder)
}

/// The names of the folders in `tags` that herald could have written: slugs.
fn folders(tags: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(tags) {
        Ok(entries) => entries,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(Error::io(tags, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(tags, e))?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if let Some(name) = entry.file_name().to_str()
            && is_dir
            && is_slug(name)
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// Whether `name` is something [`crate::content::tag_slug::slug`] can return.
fn is_slug(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn remove_file(path: &Path, removed: &mut Vec<PathBuf>) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {
            removed.push(path.to_path_buf());
            Ok(())
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Removes `folder` if it exists and is empty.
fn remove_if_empty(folder: &Path) -> Result<()> {
    let empty = match std::fs::read_dir(folder) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => false,
    };
    if empty {
        std::fs::remove_dir(folder).map_err(|e| Error::io(folder, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        dir
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut all = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(folder) = stack.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                let relative = path.strip_prefix(dir).unwrap().display().to_string();
                if path.is_dir() {
                    all.push(format!("{relative}/"));
                    stack.push(path);
                } else {
                    all.push(relative);
                }
            }
        }
        all.sort();
        all
    }

    /// The newsletter archive (`newsletter/`, written by `herald send`) is among what
    /// a build never removes.
    #[test]
    fn removes_only_herald_documents_no_longer_written() {
        let dir = tree(&[
            "rss.xml",
            "archive/rss-1.xml",
            "archive/atom-2.xml",
            "archive/feed-3.json",
            "archive/notes.txt",
            "archive/rss-03.xml",
            "tags/rust/rss.xml",
            "tags/rust/archive/rss-1.xml",
            "tags/rust/archive/rss-2.xml",
            "tags/gone/rss.xml",
            "tags/gone/atom.xml",
            "tags/gone/feed.json",
            "tags/gone/archive/feed-1.json",
            "tags/mixed/feed.json",
            "tags/mixed/index.html",
            "tags/Not-A-Slug/rss.xml",
            "newsletter/index.html",
            "newsletter/atom.xml",
            "newsletter/2026-01-01-a/index.html",
        ]);
        let feeds = [(String::new(), 1), ("tags/rust/".to_string(), 1)];
        let removed = remove(dir.path(), &feeds).unwrap();
        assert_eq!(removed.len(), 8, "{removed:?}");
        assert_eq!(
            listing(dir.path()),
            [
                "archive/",
                "archive/notes.txt",
                "archive/rss-03.xml",
                "archive/rss-1.xml",
                "newsletter/",
                "newsletter/2026-01-01-a/",
                "newsletter/2026-01-01-a/index.html",
                "newsletter/atom.xml",
                "newsletter/index.html",
                "rss.xml",
                "tags/",
                "tags/Not-A-Slug/",
                "tags/Not-A-Slug/rss.xml",
                "tags/mixed/",
                "tags/mixed/index.html",
                "tags/rust/",
                "tags/rust/archive/",
                "tags/rust/archive/rss-1.xml",
                "tags/rust/rss.xml",
            ]
        );
    }

    #[test]
    fn empty_folders_go_and_nothing_to_do_is_fine() {
        let dir = tree(&["archive/rss-1.xml", "tags/old/atom.xml"]);
        remove(dir.path(), &[(String::new(), 0)]).unwrap();
        assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
        remove(dir.path(), &[]).unwrap();
    }

    #[test]
    fn slugs_are_recognised() {
        for name in ["rust", "c-plus-plus", "u-6570-636e", "2024"] {
            assert!(is_slug(name), "{name}");
        }
        for name in ["", "-a", "a-", "a--b", "Rust", "a_b", ".", "..", "a.b"] {
            assert!(!is_slug(name), "{name}");
        }
    }
}
