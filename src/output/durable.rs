//! Making a set of new versions durable before [`super::commit`] renames them into place,
//! with one flush per filesystem rather than one per file.
//!
//! A file renamed over its target before its bytes reach the disk can come back empty
//! after a power cut, so every new version is flushed before the rename. Flushing each
//! file on its own (`fsync`) costs one journal commit and one disk flush per file, which
//! a build writing thousands of archive files pays thousands of times; on Linux one
//! `syncfs` per filesystem flushes all of them in one. Elsewhere each file is flushed.
//!
//! That flush waits for every byte of the set to be written, while the build's threads
//! wait for the flush. So each file's writing starts as soon as it is complete
//! ([`let_go`]): by the time of the flush most of the set is on disk, written while the
//! next documents were being rendered (docs/benchmark.md, "Issue 23, early writeback
//! and JSON items").

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

/// Lets go of `file`'s pages: on Linux, `POSIX_FADV_DONTNEED` starts the writeback of
/// the dirty ones, without waiting for it, and drops the clean ones from the page cache.
///
/// Called twice in a file's life: as soon as it is complete ([`super::temp`]), so that
/// [`flush`] finds its bytes written or on their way; and, for a file staged
/// [`uncached`](super::Staged::uncached), once the flush has written every page, which
/// leaves none of them in the cache. Best effort: a failure leaves the writing to the
/// flush and the pages to the system.
#[cfg(target_os = "linux")]
pub(super) fn let_go(file: &File) {
    let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
}

/// Elsewhere [`flush`] writes each file itself and the cache is left to the system.
#[cfg(not(target_os = "linux"))]
pub(super) fn let_go(_: &File) {}
