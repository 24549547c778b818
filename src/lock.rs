//! Advisory locks so that two herald runs never work on the same folder or state at once.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// An exclusive lock on a lock file, released when dropped (or when the process dies,
/// so a crash never leaves a stale lock).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    path: PathBuf,
}

impl Lock {
    /// Takes the lock at `path`, creating the file. When another process holds it,
    /// `on_wait` is called once and the call blocks until the lock is free.
    pub fn acquire(path: &Path, on_wait: impl FnOnce(&Path)) -> Result<Lock> {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                on_wait(path);
                file.lock().map_err(|e| Error::io(path, e))?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
        }
        Ok(Lock {
            _file: file,
            path: path.to_path_buf(),
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/.lock");
        let first = Lock::acquire(&path, |_| panic!("the first must not wait")).unwrap();
        let (waited, waited_rx) = mpsc::channel();
        let (done, done_rx) = mpsc::channel();
        let second_path = path.clone();
        let handle = std::thread::spawn(move || {
            let lock = Lock::acquire(&second_path, |_| waited.send(()).unwrap()).unwrap();
            done.send(()).unwrap();
            drop(lock);
        });
        waited_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the second waits");
        assert!(
            done_rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "still waiting"
        );
        drop(first);
        done_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the second gets it");
        handle.join().unwrap();
    }
}
