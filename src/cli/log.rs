//! `herald serve`'s log: lines go to stderr through a bounded buffer and a writer
//! thread, so no request holds a lock while a line is written: a request only copies
//! its line into the buffer. The access log's lines (one per request) are written in
//! batches, at most [`FLUSH_EVERY`] after they were logged, or as soon as
//! [`BATCH_LINES`] wait; any other line wakes the writer at once.
//!
//! A full buffer (the writer has not kept up) makes the line wait for room while
//! stderr takes what the writer gives it: a busy server's log slows it down rather
//! than lose lines. Only a stalled stderr (a pipe nobody reads, a stuck journal: one
//! write has not returned for [`STALLED`]) drops lines, so that it never stops the
//! server; they are counted, and the count is logged when it grows, and at exit, after
//! what is buffered has been written out.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing_subscriber::fmt::MakeWriter;

mod line;

/// Bytes the buffer holds before a line waits for room (about 10,000 access-log lines).
const QUEUE_BYTES: usize = 1 << 20;
/// A write to stderr that has not returned for this long means stderr takes nothing:
/// a line that finds the buffer full is dropped rather than held.
const STALLED: Duration = Duration::from_millis(100);
/// The longest a line waits for room (the writer thread may not get a core at once on
/// a loaded machine); then it is dropped.
const MAX_WAIT: Duration = Duration::from_secs(1);
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
        if writer.is_none() {
            // Nobody will make room: a full buffer drops lines at once.
            buffer.close();
        }
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
            .event_format(line::Lines::default())
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
    /// Wakes the writer.
    wake: Condvar,
    /// Wakes the lines waiting for room.
    room: Condvar,
    dropped: AtomicU64,
}

#[derive(Default)]
struct Waiting {
    bytes: Vec<u8>,
    lines: usize,
    /// The writer was woken and has not taken the lines yet.
    woken: bool,
    closed: bool,
    /// Since when the writer's current write to stderr has been under way.
    writing_since: Option<Instant>,
    /// Lines waiting for room.
    held: usize,
}

impl Buffer {
    /// Copies `line` (one whole line) in, after waiting for room when the buffer is
    /// full (see the module documentation), or counts it as dropped; wakes the writer
    /// when `urgent` or when a batch is waiting.
    fn push(&self, line: &[u8], urgent: bool) {
        let mut waiting = self.lock();
        let mut since = None;
        while waiting.bytes.len() + line.len() > QUEUE_BYTES && !waiting.bytes.is_empty() {
            let waited = since.get_or_insert_with(Instant::now).elapsed();
            let stalled = waiting
                .writing_since
                .is_some_and(|started| started.elapsed() >= STALLED);
            if waiting.closed || stalled || waited >= MAX_WAIT {
                drop(waiting);
                self.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            if !waiting.woken {
                waiting.woken = true;
                self.wake.notify_one();
            }
            waiting.held += 1;
            waiting = self
                .room
                .wait_timeout(waiting, STALLED.min(MAX_WAIT - waited))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            waiting.held -= 1;
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
                if waiting.held > 0 {
                    self.room.notify_all();
                }
                if !batch.is_empty() {
                    waiting.writing_since = Some(Instant::now());
                }
                waiting.closed
            };
            if !batch.is_empty() {
                // Nowhere to report a failing stderr: its lines are lost.
                let _ = out.write_all(&batch).and_then(|()| out.flush());
                batch.clear();
                self.lock().writing_since = None;
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

    /// A stderr that takes every line, `pause` per write.
    struct Slow {
        pause: Duration,
        out: Vec<u8>,
    }

    impl Write for Slow {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            std::thread::sleep(self.pause);
            self.out.extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Starts the writer thread on `out`; joining it gives `out` back.
    fn writer<W: Write + Send + 'static>(buffer: &Arc<Buffer>, mut out: W) -> JoinHandle<W> {
        let buffer = Arc::clone(buffer);
        std::thread::spawn(move || {
            buffer.write_out(&mut out);
            out
        })
    }

    #[test]
    fn a_stderr_slower_than_the_requests_loses_no_line() {
        let buffer = Arc::new(Buffer::default());
        let writer = writer(
            &buffer,
            Slow {
                pause: Duration::from_millis(20),
                out: Vec::new(),
            },
        );
        // Four request threads log five times what the buffer holds, as fast as they can.
        let per_thread = 5 * QUEUE_BYTES / 4 / 50;
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let buffer = Arc::clone(&buffer);
                std::thread::spawn(move || {
                    for k in 0..per_thread {
                        let line = format!("GET /rss.xml 200 thread {t} line {k:>10}\n");
                        buffer.push(line.as_bytes(), false);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("a request thread");
        }
        buffer.close();
        let out = String::from_utf8(writer.join().expect("the writer").out).unwrap();
        assert_eq!(buffer.dropped(), 0);
        for t in 0..4 {
            let theirs: Vec<usize> = out
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("GET /rss.xml 200 thread {t} line ")))
                .map(|k| k.trim().parse().unwrap())
                .collect();
            assert_eq!(theirs, (0..per_thread).collect::<Vec<_>>(), "thread {t}");
        }
    }

    /// A stderr that takes nothing until `release` says so.
    struct Stalled {
        release: mpsc::Receiver<()>,
        out: Vec<u8>,
    }

    impl Write for Stalled {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let _ = self.release.recv();
            self.out.extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_stalled_stderr_drops_and_counts_lines_without_holding_the_requests() {
        let buffer = Arc::new(Buffer::default());
        let (release, released) = mpsc::channel();
        let writer = writer(
            &buffer,
            Stalled {
                release: released,
                out: Vec::new(),
            },
        );
        // Three times what the buffer holds: the writer may take a full buffer before
        // it stalls, the buffer fills again, and at least the rest is dropped.
        let lines: Vec<String> = (0..3 * QUEUE_BYTES / 33)
            .map(|k| format!("GET /rss.xml 200 line {k:>10}\n"))
            .collect();
        let started = Instant::now();
        for line in &lines {
            // Urgent: the writer takes the first line at once and stalls on it.
            buffer.push(line.as_bytes(), true);
        }
        let took = started.elapsed();
        // Waiting MAX_WAIT for each line would take hours.
        assert!(
            took < 3 * MAX_WAIT,
            "a stalled stderr held the requests for {took:?}"
        );
        let dropped = usize::try_from(buffer.dropped()).unwrap();
        assert!(dropped >= lines.len() / 4, "{dropped} of {}", lines.len());
        // stderr takes lines again: everything buffered goes out, the first lines.
        drop(release);
        buffer.close();
        let out = String::from_utf8(writer.join().expect("the writer").out).unwrap();
        assert_eq!(out, lines[..lines.len() - dropped].concat());
    }
}
