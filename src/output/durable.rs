//! Making a set of new versions durable before [`super::commit`] renames them into place,
//! with one flush per filesystem rather than one per file.
//!
//! A file renamed over its target before its bytes reach the disk can come back empty
//! after a power cut, so every new version is flushed before the rename. Flushing each
//! file on its own (`fsync`) costs one journal commit and one disk flush per file, which
//! a build writing thousands of archive files pays thousands of times; on Linux one
//! `syncfs` per filesystem flushes all of them in one. Elsewhere each file is flushed.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

/// Flushes every `(target, file)`'s bytes to disk; an error names the target whose file
/// failed.
#[cfg(target_os = "linux")]
pub(super) fn flush<'f>(files: impl IntoIterator<Item = (&'f Path, &'f File)>) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let mut flushed: Vec<u64> = Vec::new();
    for (target, file) in files {
        let device = file.metadata().map_err(|e| Error::io(target, e))?.dev();
        if flushed.contains(&device) {
            continue;
        }
        rustix::fs::syncfs(file).map_err(|e| Error::io(target, e.into()))?;
        flushed.push(device);
    }
    Ok(())
}

/// Flushes every `(target, file)`'s bytes to disk; an error names the target whose file
/// failed.
#[cfg(not(target_os = "linux"))]
pub(super) fn flush<'f>(files: impl IntoIterator<Item = (&'f Path, &'f File)>) -> Result<()> {
    for (target, file) in files {
        file.sync_all().map_err(|e| Error::io(target, e))?;
    }
    Ok(())
}
