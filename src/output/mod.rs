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
}

impl Staged {
    /// `path`, known to hold already what it should (`len` bytes): [`commit`] leaves it
    /// alone.
    pub(crate) fn unchanged(path: PathBuf, len: u64) -> Self {
        Staged {
            path,
            temp: None,
            len,
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
}
