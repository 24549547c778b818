//! `herald serve`'s log: lines go to stderr through a bounded queue and a writer thread
//! (tracing-appender's non-blocking writer), so a stalled stderr (a pipe nobody reads, a
//! stuck journal) never blocks a request, and no request holds a lock while a line is
//! written. When the queue is full a line is dropped and counted; the count is logged
//! when it grows, and at exit.

use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_appender::non_blocking::{ErrorCounter, NonBlocking, NonBlockingBuilder, WorkerGuard};

/// Lines the queue holds while stderr does not take them (a few hundred KB at most).
const QUEUE_LINES: usize = 2048;
/// How often the count of dropped lines is looked at.
const COUNT_EVERY: Duration = Duration::from_secs(10);
/// At exit, how long the writer may take to write out what is queued.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

/// The installed log; [`Log::finish`] it before the process exits.
pub(crate) struct Log {
    writer: NonBlocking,
    /// Flushes the queue when dropped; kept for the life of the server.
    guard: WorkerGuard,
    dropped: ErrorCounter,
    counter: Option<Counter>,
}

impl Log {
    /// Installs the log as the `tracing` subscriber; `RUST_LOG` picks the level
    /// (default `info`; `warn` with `--quiet`, `debug` with `--verbose`).
    pub(crate) fn start(quiet: bool, verbose: bool) -> Log {
        let (writer, guard) = NonBlockingBuilder::default()
            .lossy(true)
            .buffered_lines_limit(QUEUE_LINES)
            .thread_name("herald-log")
            .finish(std::io::stderr());
        let default = match (quiet, verbose) {
            (true, _) => "warn",
            (false, true) => "debug",
            (false, false) => "info",
        };
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer.clone())
            .with_ansi(false)
            .try_init();
        let dropped = writer.error_counter();
        Log {
            counter: Counter::start(dropped.clone()),
            writer,
            guard,
            dropped,
        }
    }

    /// Writes `line` as it is (no time, no level), through the queue.
    pub(crate) fn print(&self, line: &str) {
        let _ = self
            .writer
            .clone()
            .write_all(format!("{line}\n").as_bytes());
    }

    /// Logs how many lines were dropped, if any, and lets the writer write out what is
    /// queued for at most [`FLUSH_WAIT`].
    pub(crate) fn finish(self) {
        let Log {
            writer,
            guard,
            dropped,
            counter,
        } = self;
        drop(counter);
        let before = dropped.dropped_lines();
        if before > 0 {
            tracing::warn!("{before} log lines dropped in all (stderr did not keep up)");
        }
        drop(writer);
        if dropped.dropped_lines() > before {
            // That line did not fit either: stderr takes nothing, so waiting for the
            // queue would only hold the exit (and the guard would complain on stdout).
            std::mem::forget(guard);
            return;
        }
        // The guard waits for the writer thread, itself bounded; a thread of its own
        // keeps even that from holding the exit past FLUSH_WAIT.
        let (done, flushed) = mpsc::channel();
        let flushing = std::thread::Builder::new()
            .name("herald-log-flush".into())
            .spawn(move || {
                drop(guard);
                let _ = done.send(());
            });
        if flushing.is_ok() {
            let _ = flushed.recv_timeout(FLUSH_WAIT);
        }
    }
}

/// A thread that logs the count of dropped lines when it grew; stops when dropped.
struct Counter {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Counter {
    fn start(dropped: ErrorCounter) -> Option<Counter> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("herald-log-count".into())
            .spawn(move || {
                let mut counted = 0;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(COUNT_EVERY) {
                    let now = dropped.dropped_lines();
                    if now > counted {
                        tracing::warn!(
                            "the log did not keep up: {} lines dropped since the last count, {now} in all",
                            now - counted
                        );
                        counted = now;
                    }
                }
            })
            .ok()?;
        Some(Counter {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
