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
//! ([`start`]): by the time of the flush most of the set is on disk, written while the
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

/// Starts writing `file`'s bytes to disk, without waiting for them: [`flush`] then finds
/// them written or on their way.
///
/// On Linux, `POSIX_FADV_DONTNEED` starts the writeback of a file's dirty pages (clean
/// ones it would drop from the cache, but a file just written has none: see
/// [`uncache`]). Best effort: a failure only leaves the writing to the flush.
#[cfg(target_os = "linux")]
pub(super) fn start(file: &File) {
    let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
}

/// Elsewhere [`flush`] writes each file itself.
#[cfg(not(target_os = "linux"))]
pub(super) fn start(_: &File) {}

/// Drops `file`'s pages from the page cache; call it once [`flush`] has written them
/// (dirty pages are not dropped). Best effort: a failure leaves them to the system.
#[cfg(target_os = "linux")]
pub(super) fn uncache(file: &File) {
    let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
}

/// Elsewhere the cache is left to the system.
#[cfg(not(target_os = "linux"))]
pub(super) fn uncache(_: &File) {}
