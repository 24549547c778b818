//! Advisory locks so that two herald runs never work on the same folder or state at once.
//!
//! The lock files live beside the state database (`.herald/` by default), never in the
//! output folder: that folder is deployed as it is.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How often a bounded wait tries the lock again.
const POLL: Duration = Duration::from_millis(100);

/// An exclusive lock on a lock file, released when dropped (or when the process dies,
/// so a crash never leaves a stale lock).
#[derive(Debug)]
pub(crate) struct Lock {
    _file: File,
}

impl Lock {
    /// Takes the lock at `path`, creating the file and its folder, and writes `holder`
    /// (what this run is, e.g. `herald build`) with the process id into it, so that a
    /// run kept waiting can say who holds it.
    ///
    /// When another process holds the lock, `on_wait` is called once with the current
    /// holder's description; the call then waits for the lock, at most `wait` when it is
    /// given, after which it fails with [`Error::Locked`].
    pub(crate) fn acquire(
        path: &Path,
        holder: &str,
        wait: Option<Duration>,
        on_wait: impl FnOnce(&Path, &str),
    ) -> Result<Lock> {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                on_wait(path, &current_holder(path));
                wait_for(&file, path, wait)?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
        }
        write_holder(&mut file, holder).map_err(|e| Error::io(path, e))?;
        Ok(Lock { _file: file })
    }
}

/// Blocks until `file` is locked, giving up after `wait` when it is given.
fn wait_for(file: &File, path: &Path, wait: Option<Duration>) -> Result<()> {
    let Some(wait) = wait else {
        return file.lock().map_err(|e| Error::io(path, e));
    };
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(POLL.min(deadline - Instant::now()));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Locked {
                    path: path.to_path_buf(),
                    holder: current_holder(path),
                    waited: wait,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
        }
    }
}

fn write_holder(file: &mut File, holder: &str) -> std::io::Result<()> {
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    file.set_len(0)?;
    let line = format!("{holder} (pid {}) since {since}\n", std::process::id());
    file.write_all(line.as_bytes())
}

/// What the lock file says about its holder, for messages.
fn current_holder(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => text.trim().to_string(),
        _ => "another herald run".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/.lock");
        let first = Lock::acquire(&path, "first", None, |_, _| panic!("no wait")).unwrap();
        let (waited, waited_rx) = mpsc::channel();
        let (done, done_rx) = mpsc::channel();
        let second_path = path.clone();
        let handle = std::thread::spawn(move || {
            let lock = Lock::acquire(&second_path, "second", None, |_, holder| {
                waited.send(holder.to_string()).unwrap()
            })
            .unwrap();
            done.send(()).unwrap();
            drop(lock);
        });
        let holder = waited_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the second waits");
        assert!(holder.starts_with("first (pid "), "{holder}");
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

    #[test]
    fn a_bounded_wait_gives_up_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build.lock");
        let _first = Lock::acquire(&path, "herald build", None, |_, _| {}).unwrap();
        let error = Lock::acquire(&path, "other", Some(Duration::from_millis(300)), |_, _| {})
            .expect_err("gives up");
        let message = error.to_string();
        assert!(message.contains("herald build (pid "), "{message}");
        assert!(message.contains("build.lock"), "{message}");
    }
}
