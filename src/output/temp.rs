//! The temporary file that becomes the new version of a file: created beside it, written
//! through a buffer, and left for [`super::commit`] to flush to disk and rename into
//! place. Dropped before that, it is deleted.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use tempfile::TempPath;

use crate::error::{Error, Result};

/// Bytes gathered before a write to the temporary file.
const BUFFER: usize = 64 * 1024;

/// A temporary file being written in the target's folder.
pub(super) struct Temp {
    out: BufWriter<File>,
    path: TempPath,
}

impl Temp {
    /// Creates `.herald-*.tmp` in `target`'s folder; an error names the folder.
    pub(super) fn create(target: &Path) -> Result<Self> {
        let folder = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let temp = tempfile::Builder::new()
            .prefix(".herald-")
            .suffix(".tmp")
            .tempfile_in(folder)
            .map_err(|e| Error::io(folder, e))?;
        // Through the bare file: the wrapper's errors would repeat the temporary path.
        let (file, path) = temp.into_parts();
        Ok(Temp {
            out: BufWriter::with_capacity(BUFFER, file),
            path,
        })
    }

    /// Appends `bytes`.
    pub(super) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    /// The file itself, with everything written so far flushed to it.
    pub(super) fn file(&mut self) -> io::Result<&mut File> {
        self.out.flush()?;
        Ok(self.out.get_mut())
    }

    /// Hands everything written to the file, gives it the permissions `target` should
    /// have, and starts writing it to disk; errors name `target`. The bytes are not yet
    /// known to be on disk: [`super::commit`] makes a whole set durable at once before
    /// renaming it (see [`super::durable`]).
    pub(super) fn finish(self, target: &Path) -> Result<(TempPath, File)> {
        let file = self
            .out
            .into_inner()
            .map_err(|e| Error::io(target, e.into_error()))?;
        set_readable(&file, target);
        super::durable::let_go(&file);
        Ok((self.path, file))
    }
}

/// Temporary files are created `0600`; published files should be world-readable like
/// any file a static server hands out, or keep the mode of the file they replace.
#[cfg(unix)]
fn set_readable(file: &File, target: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(target)
        .map(|m| m.permissions().mode())
        .unwrap_or(0o644);
    // Best effort: a failure here leaves a private but correct file.
    let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_readable(_: &File, _: &Path) {}
