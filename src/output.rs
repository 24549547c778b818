//! Atomic, change-aware file writes: a reader never sees half a file, and unchanged
//! bytes leave the file (and its modification time) alone.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// What [`write_if_changed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The file was created or replaced.
    Changed,
    /// The file already held exactly these bytes; it was not touched.
    Unchanged,
}

/// Writes `bytes` to `path` unless it already holds them.
///
/// The bytes go to a temporary file in the same folder, are flushed to disk, and the
/// temporary file is renamed over `path`, so the old file stays intact until the new one
/// is complete.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<Written> {
    let written = write_all_if_changed(&[(path, bytes)])?;
    Ok(written[0])
}

/// Writes a set of files as one: every changed file is first written in full to a
/// temporary file beside it; only when all of them are on disk are they renamed into
/// place. A failure while writing (a full disk, a read-only folder) leaves every old
/// file as it was.
pub fn write_all_if_changed(files: &[(&Path, &[u8])]) -> Result<Vec<Written>> {
    let mut staged = Vec::new();
    let mut written = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        if std::fs::read(path).is_ok_and(|existing| existing == *bytes) {
            written.push(Written::Unchanged);
        } else {
            staged.push((*path, stage(path, bytes)?));
            written.push(Written::Changed);
        }
    }
    for (path, temp) in staged {
        temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    }
    Ok(written)
}

/// Writes `bytes` to a flushed temporary file in `path`'s folder.
fn stage(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".herald-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(|e| Error::io(folder, e))?;
    // Through the inner file: the wrapper's errors repeat the temporary path.
    temp.as_file_mut()
        .write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(path, e))?;
    set_readable(temp.as_file(), path);
    Ok(temp)
}

/// Temporary files are created `0600`; published files should be world-readable like
/// any file a static server hands out, or keep the mode of the file they replace.
#[cfg(unix)]
fn set_readable(file: &std::fs::File, target: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(target)
        .map(|m| m.permissions().mode())
        .unwrap_or(0o644);
    // Best effort: a failure here leaves a private but correct file.
    let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_readable(_: &std::fs::File, _: &Path) {}

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
