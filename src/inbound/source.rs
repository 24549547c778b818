//! Where received messages come from: one on a reader (standard input), every message
//! in a Maildir's `new/`, or every message in an mbox file. Every read is capped, so
//! no input, however large, is held in memory whole.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The most of one message kept (10 MiB); the rest is read and discarded. Reports and
/// unsubscribe requests are far smaller, and their headers come first.
pub(crate) const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// One message read with the cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Capped {
    /// Its first [`MAX_MESSAGE_BYTES`] (or the given cap) bytes.
    pub bytes: Vec<u8>,
    /// Whether bytes were discarded.
    pub truncated: bool,
}

/// Reads everything from `reader`, keeping at most `cap` bytes.
pub(crate) fn read_capped(mut reader: impl Read, cap: usize) -> std::io::Result<Capped> {
    let mut bytes = Vec::new();
    (&mut reader).take(cap as u64).read_to_end(&mut bytes)?;
    let rest = std::io::copy(&mut reader, &mut std::io::sink())?;
    Ok(Capped {
        bytes,
        truncated: rest > 0,
    })
}

/// The messages waiting in a Maildir's `new/` folder, oldest name first.
pub(crate) fn maildir_new(dir: &Path) -> Result<Vec<PathBuf>> {
    let new = dir.join("new");
    let entries = std::fs::read_dir(&new).map_err(|e| Error::io(&new, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&new, e))?;
        let name = entry.file_name();
        // Dot files are not messages (Maildir++ keeps its own files so).
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type().map_err(|e| Error::io(&new, e))?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Moves a handled message from `new/` to `cur/`, marked seen (`:2,S`).
pub(crate) fn maildir_done(dir: &Path, file: &Path) -> Result<PathBuf> {
    let cur = dir.join("cur");
    std::fs::create_dir_all(&cur).map_err(|e| Error::io(&cur, e))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = name.split(':').next().unwrap_or(&name);
    let target = cur.join(format!("{base}:2,S"));
    std::fs::rename(file, &target).map_err(|e| Error::io(file, e))?;
    Ok(target)
}

/// Splits an mbox into messages: each starts at a `From ` line (at the start of the
/// file or after a blank line); `>From ` lines lose one `>` (mboxrd, which also
/// undoes mboxo's escaping). Each message is capped at `cap` bytes, and a line is
/// never held whole beyond that, so a file of any size is read in bounded memory.
pub(crate) struct Mbox<R> {
    reader: R,
    cap: usize,
    line: Vec<u8>,
    pending: bool,
    done: bool,
}

impl<R: BufRead> Mbox<R> {
    /// Reads messages from `reader`.
    pub(crate) fn new(reader: R, cap: usize) -> Mbox<R> {
        Mbox {
            reader,
            cap,
            line: Vec::new(),
            pending: false,
            done: false,
        }
    }

    /// The next message, or `None` at the end.
    pub(crate) fn next_message(&mut self) -> std::io::Result<Option<Capped>> {
        let mut message = Capped {
            bytes: Vec::new(),
            truncated: false,
        };
        let mut started = false;
        let mut previous_blank = true;
        loop {
            if !self.pending && (self.done || !self.next_line()?) {
                self.done = true;
                return Ok(started.then(|| finish(message)));
            }
            self.pending = false;
            let is_from = previous_blank && self.line.starts_with(b"From ");
            if is_from {
                if started {
                    // The next message starts here: keep the line for it.
                    self.pending = true;
                    return Ok(Some(finish(message)));
                }
                started = true;
                previous_blank = false;
                continue;
            }
            if !started {
                // Text before the first `From ` line is not a message.
                previous_blank = is_blank(&self.line);
                continue;
            }
            previous_blank = is_blank(&self.line);
            let line = unescape(&self.line);
            let room = self.cap.saturating_sub(message.bytes.len());
            if line.len() > room || self.line_truncated() {
                message.truncated = true;
            }
            message
                .bytes
                .extend_from_slice(&line[..line.len().min(room)]);
        }
    }

    /// Whether the current line was longer than what was kept of it.
    fn line_truncated(&self) -> bool {
        self.line.len() >= self.line_cap() && !self.line.ends_with(b"\n")
    }

    fn line_cap(&self) -> usize {
        self.cap.max(1024)
    }

    /// Reads one line into `self.line`, keeping at most [`Self::line_cap`] bytes of it;
    /// false at the end of the input.
    fn next_line(&mut self) -> std::io::Result<bool> {
        self.line.clear();
        let keep = self.line_cap();
        let mut any = false;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(any);
            }
            any = true;
            let (length, end) = match available.iter().position(|&b| b == b'\n') {
                Some(at) => (at + 1, true),
                None => (available.len(), false),
            };
            let room = keep.saturating_sub(self.line.len());
            self.line.extend_from_slice(&available[..length.min(room)]);
            self.reader.consume(length);
            if end {
                return Ok(true);
            }
        }
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b'\r' | b'\n'))
}

/// `>From ` → `From `, `>>From ` → `>From ` (mboxrd).
fn unescape(line: &[u8]) -> &[u8] {
    let quotes = line.iter().take_while(|&&b| b == b'>').count();
    if quotes > 0 && line[quotes..].starts_with(b"From ") {
        &line[1..]
    } else {
        line
    }
}

/// Drops the blank line mbox writers put before the next `From ` line.
fn finish(mut message: Capped) -> Capped {
    if message.bytes.ends_with(b"\r\n\r\n") {
        message.bytes.truncate(message.bytes.len() - 2);
    } else if message.bytes.ends_with(b"\n\n") {
        message.bytes.pop();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &[u8], cap: usize) -> Vec<Capped> {
        let mut mbox = Mbox::new(std::io::BufReader::with_capacity(7, text), cap);
        let mut all = Vec::new();
        while let Some(message) = mbox.next_message().unwrap() {
            all.push(message);
        }
        all
    }

    #[test]
    fn an_mbox_splits_on_from_lines_and_unescapes() {
        let text = b"From a@x Mon Jan  1 00:00:00 2026\nSubject: one\n\n>From here\n>>From there\nFrom the middle\n\nFrom b@x Mon Jan  1 00:00:00 2026\nSubject: two\n\nbody\n";
        let messages = split(text, 1 << 20);
        assert_eq!(messages.len(), 2);
        assert_eq!(
            messages[0].bytes,
            b"Subject: one\n\nFrom here\n>From there\nFrom the middle\n"
        );
        assert_eq!(messages[1].bytes, b"Subject: two\n\nbody\n");
        assert!(messages.iter().all(|m| !m.truncated));
        assert!(split(b"", 10).is_empty());
        assert!(split(b"no from line\n", 10).is_empty());
    }

    #[test]
    fn caps_hold_for_messages_and_long_lines() {
        let mut text = b"From a@x\nSubject: big\n\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 5000));
        text.extend_from_slice(b"\n\nFrom b@x\nSubject: small\n\nok\n");
        let messages = split(&text, 100);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].bytes.len(), 100);
        assert!(messages[0].truncated);
        assert_eq!(messages[1].bytes, b"Subject: small\n\nok\n");
        let capped = read_capped(&text[..], 10).unwrap();
        assert_eq!((capped.bytes.len(), capped.truncated), (10, true));
        let whole = read_capped(&text[..], text.len()).unwrap();
        assert!(!whole.truncated);
    }
}
