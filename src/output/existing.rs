//! The file a write may replace, read forward block by block to compare it with the new
//! bytes as they arrive, so that it is never held in memory whole.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// How much of the old file is read at a time.
const BLOCK: usize = 64 * 1024;

/// The file already at the target path, with a read position that follows the new bytes.
pub(super) struct Existing {
    file: File,
    block: Vec<u8>,
    /// The part of `block` read from the file but not compared yet.
    start: usize,
    end: usize,
}

impl Existing {
    /// Opens the file at `path`; `None` when there is none to compare with. A file that
    /// cannot be opened is treated as missing: it will be replaced (or the rename will
    /// fail with an error naming it).
    pub(super) fn open(path: &Path) -> Option<Self> {
        let file = File::open(path).ok()?;
        Some(Existing {
            file,
            block: vec![0; BLOCK],
            start: 0,
            end: 0,
        })
    }

    /// How many leading bytes of `data` equal the file's next bytes; those are consumed.
    /// Stops at the first difference, at the end of the file, or at a read error (an
    /// unreadable file is treated as different).
    pub(super) fn skip_equal(&mut self, data: &[u8]) -> usize {
        let mut equal = 0;
        while equal < data.len() {
            if self.start == self.end && !matches!(self.fill(), Ok(true)) {
                break;
            }
            let ahead = &self.block[self.start..self.end];
            let rest = &data[equal..];
            let len = ahead.len().min(rest.len());
            let same = common_prefix(&ahead[..len], &rest[..len]);
            self.start += same;
            equal += same;
            if same < len {
                break;
            }
        }
        equal
    }

    /// Whether every byte of the file has been consumed. A read error counts as "no":
    /// the file is then replaced.
    pub(super) fn at_end(&mut self) -> bool {
        self.start == self.end && matches!(self.fill(), Ok(false))
    }

    /// Copies the file's first `len` bytes (already found equal) to `out`.
    pub(super) fn copy_start(&mut self, len: u64, out: &mut File) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(0))?;
        let copied = io::copy(&mut (&self.file).take(len), out)?;
        if copied < len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was being compared",
            ));
        }
        Ok(())
    }

    /// Reads the next block; `Ok(false)` at the end of the file.
    fn fill(&mut self) -> io::Result<bool> {
        loop {
            match self.file.read(&mut self.block) {
                Ok(read) => {
                    (self.start, self.end) = (0, read);
                    return Ok(read > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// The length of the longest common prefix of two slices of the same length.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    if a == b {
        return a.len();
    }
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn existing(bytes: &[u8]) -> (tempfile::TempDir, Existing) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old");
        std::fs::write(&path, bytes).unwrap();
        let existing = Existing::open(&path).unwrap();
        (dir, existing)
    }

    #[test]
    fn skips_equal_bytes_across_blocks() {
        let old: Vec<u8> = (0..3 * BLOCK + 17).map(|i| (i % 251) as u8).collect();
        let (_dir, mut file) = existing(&old);
        // Pieces that straddle block boundaries.
        for piece in old.chunks(BLOCK - 5) {
            assert_eq!(file.skip_equal(piece), piece.len());
        }
        assert!(file.at_end());
    }

    #[test]
    fn stops_at_the_first_difference_and_at_the_end() {
        let (_dir, mut file) = existing(b"abcdef");
        assert_eq!(file.skip_equal(b"abX"), 2);
        let (_dir, mut file) = existing(b"abc");
        assert_eq!(file.skip_equal(b"abcdef"), 3);
        assert!(file.at_end());
        let (_dir, mut file) = existing(b"abcdef");
        assert_eq!(file.skip_equal(b"abc"), 3);
        assert!(!file.at_end(), "three bytes are left");
    }

    #[test]
    fn copies_the_start_and_fails_when_the_file_is_shorter() {
        let (dir, mut file) = existing(b"abcdef");
        file.skip_equal(b"abcd");
        let mut out = tempfile::tempfile_in(dir.path()).unwrap();
        file.copy_start(4, &mut out).unwrap();
        out.seek(SeekFrom::Start(0)).unwrap();
        let mut copied = String::new();
        out.read_to_string(&mut copied).unwrap();
        assert_eq!(copied, "abcd");
        let err = file.copy_start(7, &mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_missing_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Existing::open(&dir.path().join("missing")).is_none());
    }
}
