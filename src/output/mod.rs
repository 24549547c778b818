//! Atomic, change-aware file writes: a reader never sees half a file, and unchanged
//! bytes leave the file (and its modification time) alone.
//!
//! A new version is streamed through a [`ChangeWriter`], which compares it with the
//! existing file block by block and only starts a temporary file at the first
//! difference. Finished writers give [`Staged`] files; [`commit`] renames them all into
//! place, so a set of files is replaced only once every one of them is complete.

mod durable;
mod existing;
mod temp;
mod writer;

use std::fs::File;
use std::path::{Path, PathBuf};

use tempfile::TempPath;

pub(crate) use writer::ChangeWriter;

use crate::error::{Error, Result};

/// What [`write_if_changed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    /// The file was created or replaced.
    Changed,
    /// The file already held exactly these bytes; it was not touched.
    Unchanged,
}

/// A file ready to be published by [`commit`]: either unchanged, or a complete new
/// version in a temporary file beside it. Dropped without a commit, the temporary file
/// is deleted and the old file stays as it was.
#[derive(Debug)]
pub(crate) struct Staged {
    path: PathBuf,
    /// The new version: its temporary file, and that file open, for [`commit`] to
    /// flush it to disk.
    temp: Option<(TempPath, File)>,
    len: u64,
    /// Whether the new version's pages stay in the page cache once committed.
    cached: bool,
}

impl Staged {
    /// `path`, known to hold already what it should (`len` bytes): [`commit`] leaves it
    /// alone.
    pub(crate) fn unchanged(path: PathBuf, len: u64) -> Self {
        Staged {
            path,
            temp: None,
            len,
            cached: true,
        }
    }

    /// This file, to leave the page cache once [`commit`] has flushed it: for files a
    /// build writes in bulk and nothing reads back soon (archive pages). A build then
    /// reuses the same few megabytes of cache for file after file instead of taking
    /// new memory for each, which on this project's virtual machine made the first
    /// build of 100,000 articles steadier and faster (docs/benchmark.md, "Issue 23,
    /// archive pages out of the cache").
    pub(crate) fn uncached(self) -> Self {
        Staged {
            cached: false,
            ..self
        }
    }

    /// The file this replaces.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The size of the new version, in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// What [`commit`] will do with it.
    pub(crate) fn written(&self) -> Written {
        match self.temp {
            Some(_) => Written::Changed,
            None => Written::Unchanged,
        }
    }

    /// Renames the new version into place (if there is one).
    fn publish(self) -> Result<Written> {
        let written = self.written();
        if let Some((temp, _)) = self.temp {
            temp.persist(&self.path)
                .map_err(|e| Error::io(&self.path, e.error))?;
        }
        Ok(written)
    }
}

/// Publishes staged files, in order: flushes every new version to disk, then renames
/// each into place. Call it only once every file of a set is staged: until then, a
/// failure (a full disk, a read-only folder) leaves every old file as it was and no
/// temporary file behind. Committing many files at once costs one flush for all of
/// them (one `syncfs` per filesystem on Linux, instead of an `fsync` per file).
pub(crate) fn commit(files: Vec<Staged>) -> Result<Vec<Written>> {
    durable::flush(files.iter().filter_map(|staged| {
        let (_, file) = staged.temp.as_ref()?;
        Some((staged.path.as_path(), file))
    }))?;
    for staged in files.iter().filter(|staged| !staged.cached) {
        if let Some((_, file)) = &staged.temp {
            durable::let_go(file);
        }
    }
    files.into_iter().map(Staged::publish).collect()
}

/// Stages `bytes` as the new version of `path`; see [`ChangeWriter`].
pub(crate) fn stage(path: &Path, bytes: &[u8]) -> Result<Staged> {
    let mut writer = ChangeWriter::new(path);
    writer.write_all(bytes)?;
    writer.finish()
}

/// Writes `bytes` to `path` unless it already holds them.
///
/// The bytes go to a temporary file in the same folder, are flushed to disk, and the
/// temporary file is renamed over `path`, so the old file stays intact until the new one
/// is complete.
#[cfg(test)]
pub(crate) fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<Written> {
    let written = commit(vec![stage(path, bytes)?])?;
    Ok(written[0])
}

/// Writes a set of files as one: every changed file is first written in full to a
/// temporary file beside it; only when all of them are on disk are they renamed into
/// place. A failure while writing (a full disk, a read-only folder) leaves every old
/// file as it was.
#[cfg(test)]
pub(crate) fn write_all_if_changed(files: &[(&Path, &[u8])]) -> Result<Vec<Written>> {
    let staged = files
        .iter()
        .map(|(path, bytes)| stage(path, bytes))
        .collect::<Result<Vec<_>>>()?;
    commit(staged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_then_skips_identical_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.xml");
        assert_eq!(write_if_changed(&path, b"one").unwrap(), Written::Changed);
        assert_eq!(write_if_changed(&path, b"one").unwrap(), Written::Unchanged);
        assert_eq!(write_if_changed(&path, b"two").unwrap(), Written::Changed);
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_world_readable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.xml");
        write_if_changed(&path, b"x").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/feed.xml");
        let err = write_if_changed(&path, b"x").unwrap_err().to_string();
        assert!(err.contains("missing"), "{err}");
    }

    /// How many of the file's pages are in the page cache.
    #[cfg(target_os = "linux")]
    fn resident_pages(path: &Path) -> usize {
        use std::os::fd::AsRawFd;
        let file = File::open(path).unwrap();
        let len = file.metadata().unwrap().len() as usize;
        let page = page_size();
        let mut resident = vec![0u8; len.div_ceil(page)];
        // SAFETY: a read-only shared mapping of a file no one changes while it is mapped,
        // unmapped before it is dropped; mincore writes one byte per page into a buffer
        // of that many bytes.
        unsafe {
            let map = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            );
            assert_ne!(map, libc::MAP_FAILED);
            assert_eq!(libc::mincore(map, len, resident.as_mut_ptr()), 0);
            libc::munmap(map, len);
        }
        resident.iter().filter(|&&b| b & 1 == 1).count()
    }

    /// The system's memory page size.
    #[cfg(target_os = "linux")]
    fn page_size() -> usize {
        // SAFETY: sysconf reads a constant of the system.
        usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap()
    }

    /// An uncached file's pages leave the cache once committed; a file staged as usual
    /// keeps them. Under the target folder: a tmpfs (as `/tmp` may be) has no disk to
    /// drop its pages to.
    #[cfg(target_os = "linux")]
    #[test]
    fn uncached_files_leave_the_page_cache_once_committed() {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        std::fs::create_dir_all(&target).unwrap();
        let dir = tempfile::tempdir_in(&target).unwrap();
        let bytes = vec![b'x'; 1 << 20];
        let kept = dir.path().join("rss.xml");
        let dropped = dir.path().join("rss-1.xml");
        let staged = vec![
            stage(&kept, &bytes).unwrap(),
            stage(&dropped, &bytes).unwrap().uncached(),
        ];
        assert_eq!(
            commit(staged).unwrap(),
            [Written::Changed, Written::Changed]
        );
        assert_eq!(std::fs::read(&dropped).unwrap(), bytes);
        let pages = bytes.len().div_ceil(page_size());
        let tmpfs = rustix::fs::statfs(dir.path()).unwrap().f_type == libc::TMPFS_MAGIC;
        if tmpfs {
            eprintln!(
                "{}: a tmpfs keeps every page; not judged",
                dir.path().display()
            );
            return;
        }
        assert_eq!(
            resident_pages(&kept),
            pages,
            "the usual file keeps its pages"
        );
        // Reading it back above brought pages in again: commit another and look first.
        let again = dir.path().join("rss-2.xml");
        commit(vec![stage(&again, &bytes).unwrap().uncached()]).unwrap();
        assert_eq!(
            resident_pages(&again),
            0,
            "the uncached file left the cache"
        );
    }
}
