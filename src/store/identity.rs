//! Which file an open database is: a state database replaced (a backup restored) or
//! deleted under a long-running process is noticed, so that no write lands in a file
//! nobody will read again.

use std::path::Path;

use super::Store;
use crate::error::{Error, Result};

/// The identity of a file on disk: its device and inode (on Unix; elsewhere nothing
/// is compared and every file counts as the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
}

impl FileId {
    /// The identity of the file at `path`, or `None` when there is none.
    pub(crate) fn of(path: &Path) -> Option<FileId> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(FileId {
                dev: meta.dev(),
                ino: meta.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            Some(FileId {})
        }
    }
}

/// Whether the file at a store's path is still the one it opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Liveness {
    /// The same file.
    Live,
    /// Another file is at the path now (e.g. a restored backup).
    Replaced,
    /// No file is at the path.
    Gone,
}

impl Store {
    /// Whether the file at this store's path is still the one it opened.
    pub(crate) fn liveness(&self) -> Liveness {
        match FileId::of(&self.path) {
            None => Liveness::Gone,
            Some(id) if Some(id) == self.file => Liveness::Live,
            Some(_) => Liveness::Replaced,
        }
    }

    /// Makes sure this store reads and writes the file now at its path: reopens it
    /// when another file was put there (and brings its schema up to date); an error
    /// when there is none, rather than creating an empty database in its place.
    pub(crate) fn follow_file(&mut self) -> Result<()> {
        match self.liveness() {
            Liveness::Live => Ok(()),
            Liveness::Replaced => {
                tracing::warn!(
                    "{}: the state database was replaced; reopening it",
                    self.path.display()
                );
                *self = Store::open(&self.path)?;
                Ok(())
            }
            Liveness::Gone => Err(self.gone()),
        }
    }

    /// Fails unless the file at the path is still the one written to: after a write,
    /// so that a write that went to a file replaced meanwhile is not reported done.
    pub(crate) fn confirm_live(&self) -> Result<()> {
        match self.liveness() {
            Liveness::Live => Ok(()),
            Liveness::Replaced => Err(Error::Io {
                path: self.path.clone(),
                source: std::io::Error::other(
                    "the state database was replaced during this change, which went to the \
                     old file; try again",
                ),
            }),
            Liveness::Gone => Err(self.gone()),
        }
    }

    fn gone(&self) -> Error {
        Error::Io {
            path: self.path.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the state database is gone (deleted or moved while this process ran); \
                 put it back, or restart to start an empty one",
            ),
        }
    }
}
