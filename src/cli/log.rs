//! `herald serve`'s log: lines go to stderr through a bounded buffer and a writer
//! thread, so a stalled stderr (a pipe nobody reads, a stuck journal) never blocks a
//! request, and no request holds a lock while a line is written: a request only copies
//! its line into the buffer. The access log's lines (one per request) are written in
//! batches, at most [`FLUSH_EVERY`] after they were logged, or as soon as
//! [`BATCH_LINES`] wait; any other line wakes the writer at once. When the buffer is
//! full a line is dropped and counted; the count is logged when it grows, and at exit,
//! after what is buffered has been written out.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// Lines the buffer holds while stderr does not take them (a few hundred KB at most).
const QUEUE_LINES: usize = 2048;
/// The access log's lines wait at most this long before they are written.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// This many waiting lines wake the writer before [`FLUSH_EVERY`].
const BATCH_LINES: usize = 256;
/// How often the count of dropped lines is looked at.
const COUNT_EVERY: Duration = Duration::from_secs(10);
/// At exit, how long the writer may take to write out what is buffered.
const FLUSH_WAIT: Duration = Duration::from_secs(2);
/// The target of the access log's lines (`serve::access_log`), which may wait for a
/// batch.
const ACCESS_LOG: &str = "herald::serve::access_log";

/// The installed log; [`Log::finish`] it before the process exits.
pub(crate) struct Log {
    buffer: Arc<Buffer>,
    writer: Option<JoinHandle<()>>,
    counter: Option<Counter>,
}

impl Log {
    /// Installs the log as the `tracing` subscriber; `RUST_LOG` picks the level
    /// (default `info`; `warn` with `--quiet`, `debug` with `--verbose`).
    pub(crate) fn start(quiet: bool, verbose: bool) -> Log {
        let buffer = Arc::new(Buffer::default());
        let writer = {
            let buffer = Arc::clone(&buffer);
            std::thread::Builder::new()
                .name("herald-log".into())
                .spawn(move || buffer.write_out(&mut io::stderr()))
                .ok()
        };
        let default = match (quiet, verbose) {
            (true, _) => "warn",
            (false, true) => "debug",
            (false, false) => "info",
        };
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(Lines(Arc::clone(&buffer)))
            .with_ansi(false)
            .try_init();
        Log {
            counter: Counter::start(Arc::clone(&buffer)),
            buffer,
            writer,
        }
    }

    /// Writes `line` as it is (no time, no level), through the buffer, at once.
    pub(crate) fn print(&self, line: &str) {
        self.buffer.push(format!("{line}\n").as_bytes(), true);
    }

    /// Logs how many lines were dropped, if any, and lets the writer write out what is
    /// buffered for at most [`FLUSH_WAIT`].
    pub(crate) fn finish(self) {
        let Log {
            buffer,
            writer,
            counter,
        } = self;
        drop(counter);
        let before = buffer.dropped();
        if before > 0 {
            tracing::warn!("{before} log lines dropped in all (stderr did not keep up)");
        }
        buffer.close();
        let Some(writer) = writer else { return };
        if buffer.dropped() > before {
            // That line did not fit either: stderr takes nothing, so waiting for the
            // writer would only hold the exit.
            return;
        }
        // The writer may be stuck on a stderr that takes nothing: a thread of its own
        // waits for it, so that even that does not hold the exit past FLUSH_WAIT.
        let (done, flushed) = mpsc::channel();
        let waiting = std::thread::Builder::new()
            .name("herald-log-flush".into())
            .spawn(move || {
                let _ = writer.join();
                let _ = done.send(());
            });
        if waiting.is_ok() {
            let _ = flushed.recv_timeout(FLUSH_WAIT);
        }
    }
}

/// The lines waiting for the writer thread, and the count of those dropped.
#[derive(Default)]
struct Buffer {
    waiting: Mutex<Waiting>,
    wake: Condvar,
    dropped: AtomicU64,
}

#[derive(Default)]
struct Waiting {
    bytes: Vec<u8>,
    lines: usize,
    /// The writer was woken and has not taken the lines yet.
    woken: bool,
    closed: bool,
}

impl Buffer {
    /// Copies `line` (one whole line) in, or counts it as dropped when the buffer is
    /// full; wakes the writer when `urgent` or when a batch is waiting.
    fn push(&self, line: &[u8], urgent: bool) {
        let mut waiting = self.lock();
        if waiting.lines >= QUEUE_LINES {
            drop(waiting);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        waiting.bytes.extend_from_slice(line);
        waiting.lines += 1;
        if !waiting.woken && (urgent || waiting.lines >= BATCH_LINES) {
            waiting.woken = true;
            self.wake.notify_one();
        }
    }

    /// Lines dropped so far.
    fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Lets the writer write out what is buffered, then stop.
    fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
    }

    /// The writer thread: takes what is buffered when woken or every [`FLUSH_EVERY`],
    /// and writes it to `out` without holding the lock, until closed and empty.
    fn write_out(&self, out: &mut impl Write) {
        let mut batch = Vec::new();
        loop {
            let closed = {
                let mut waiting = self.lock();
                if !waiting.woken && !waiting.closed {
                    waiting = self
                        .wake
                        .wait_timeout(waiting, FLUSH_EVERY)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                std::mem::swap(&mut batch, &mut waiting.bytes);
                waiting.lines = 0;
                waiting.woken = false;
                waiting.closed
            };
            if !batch.is_empty() {
                // Nowhere to report a failing stderr: its lines are lost.
                let _ = out.write_all(&batch).and_then(|()| out.flush());
                batch.clear();
            }
            if closed && self.lock().bytes.is_empty() {
                return;
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What `tracing` writes its formatted lines with: into the [`Buffer`].
struct Lines(Arc<Buffer>);

/// One line on its way into the buffer; `tracing` writes each line whole.
struct Line<'a> {
    buffer: &'a Buffer,
    urgent: bool,
}

impl<'a> MakeWriter<'a> for Lines {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line {
            buffer: &self.0,
            urgent: true,
        }
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Line<'a> {
        Line {
            buffer: &self.0,
            urgent: meta.target() != ACCESS_LOG,
        }
    }
}

impl Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.push(bytes, self.urgent);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A thread that logs the count of dropped lines when it grew; stops when dropped.
struct Counter {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Counter {
    fn start(buffer: Arc<Buffer>) -> Option<Counter> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("herald-log-count".into())
            .spawn(move || {
                let mut counted = 0;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(COUNT_EVERY) {
                    let now = buffer.dropped();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_written_in_order_by_the_time_the_writer_stops() {
        let buffer = Arc::new(Buffer::default());
        let writer = {
            let buffer = Arc::clone(&buffer);
            std::thread::spawn(move || {
                let mut out = Vec::new();
                buffer.write_out(&mut out);
                out
            })
        };
        let mut want = Vec::new();
        for k in 0..1000 {
            let line = format!("GET /rss.xml 200 0.{k}ms\n");
            buffer.push(line.as_bytes(), k % 100 == 0);
            want.extend_from_slice(line.as_bytes());
        }
        buffer.close();
        let out = writer.join().expect("the writer");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(want).unwrap()
        );
        assert_eq!(buffer.dropped(), 0);
    }

    #[test]
    fn a_full_buffer_drops_and_counts_lines_and_keeps_the_first() {
        let buffer = Buffer::default();
        for k in 0..QUEUE_LINES + 5 {
            buffer.push(format!("line {k}\n").as_bytes(), false);
        }
        assert_eq!(buffer.dropped(), 5);
        buffer.close();
        let mut out = Vec::new();
        buffer.write_out(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), QUEUE_LINES);
        assert_eq!(
            text.lines().last(),
            Some(format!("line {}", QUEUE_LINES - 1).as_str())
        );
    }
}
