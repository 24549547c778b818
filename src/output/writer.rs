//! [`ChangeWriter`]: a file written as a stream, compared with the file it may replace
//! as the bytes arrive, so that neither version is ever held in memory whole.

use std::fmt;
use std::path::PathBuf;

use super::Staged;
use super::existing::Existing;
use super::temp::Temp;
use crate::error::{Error, Result};

/// Writes a new version of one file, touching the disk only if its bytes differ.
///
/// While the bytes written so far equal the start of the existing file, nothing is
/// written. At the first difference a temporary file is created beside the target, the
/// equal start is copied into it from the existing file, and everything else goes there.
/// [`finish`](Self::finish) then gives a [`Staged`] file for [`super::commit`]; dropping
/// the writer (or the staged file) instead deletes the temporary file.
pub(crate) struct ChangeWriter {
    path: PathBuf,
    /// The file being replaced, while every byte so far matched it.
    existing: Option<Existing>,
    /// How many bytes matched the existing file before `temp` was created.
    same: u64,
    /// The new version, once it differs.
    temp: Option<Temp>,
    /// Bytes written so far.
    len: u64,
}

impl ChangeWriter {
    /// Starts a new version of the file at `path`. Nothing is created yet.
    pub(crate) fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        ChangeWriter {
            existing: Existing::open(&path),
            path,
            same: 0,
            temp: None,
            len: 0,
        }
    }

    /// Appends `bytes` to the new version; errors name the file.
    pub(crate) fn write_all(&mut self, mut bytes: &[u8]) -> Result<()> {
        self.len += bytes.len() as u64;
        if self.temp.is_none() {
            let equal = self.existing.as_mut().map_or(0, |e| e.skip_equal(bytes));
            self.same += equal as u64;
            bytes = &bytes[equal..];
            if bytes.is_empty() {
                return Ok(());
            }
        }
        self.temp()?
            .write_all(bytes)
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Ends the new version: [`Written::Unchanged`](super::Written::Unchanged) when it
    /// equals the existing file, else a complete temporary file flushed to disk.
    pub(crate) fn finish(mut self) -> Result<Staged> {
        let temp = match self.temp.take() {
            Some(temp) => Some(temp),
            None if self.existing.as_mut().is_some_and(Existing::at_end) => None,
            // Missing, longer, or unreadable at the end: write the new version anyway.
            None => Some(self.start_temp()?),
        };
        let temp = temp.map(|t| t.finish(&self.path)).transpose()?;
        Ok(Staged {
            path: self.path,
            temp,
            len: self.len,
            cached: true,
        })
    }

    /// The temporary file, created (with the equal start copied in) on first use.
    fn temp(&mut self) -> Result<&mut Temp> {
        let temp = match self.temp.take() {
            Some(temp) => temp,
            None => self.start_temp()?,
        };
        Ok(self.temp.insert(temp))
    }

    fn start_temp(&mut self) -> Result<Temp> {
        let mut temp = Temp::create(&self.path)?;
        if let Some(mut existing) = self.existing.take()
            && self.same > 0
        {
            temp.file()
                .and_then(|file| existing.copy_start(self.same, file))
                .map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(temp)
    }
}

impl fmt::Debug for ChangeWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeWriter")
            .field("path", &self.path)
            .field("same", &self.same)
            .field("changed", &self.temp.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Written, commit};
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    /// Old contents longer than a few comparison blocks, with no repeating period that
    /// would hide a misplaced block.
    fn old_bytes() -> Vec<u8> {
        (0..200_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect()
    }

    /// A folder holding `feed.xml` with `old` (unless `None`), its mtime set in the past.
    fn folder(old: Option<&[u8]>) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.xml");
        if let Some(old) = old {
            std::fs::write(&path, old).unwrap();
            let past = SystemTime::now() - Duration::from_secs(3600);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(past)
                .unwrap();
        }
        (dir, path)
    }

    /// Streams `new` in uneven pieces that straddle the comparison blocks, then commits.
    fn stream(path: &Path, new: &[u8]) -> Written {
        let mut writer = ChangeWriter::new(path);
        let mut rest = new;
        for size in [1, 4_000, 70_000, 3, 65_536].into_iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (piece, tail) = rest.split_at(size.min(rest.len()));
            writer.write_all(piece).unwrap();
            rest = tail;
        }
        commit(vec![writer.finish().unwrap()]).unwrap()[0]
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[cfg(unix)]
    fn identity(path: &Path) -> (u64, SystemTime) {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).unwrap();
        (meta.ino(), meta.modified().unwrap())
    }

    #[cfg(unix)]
    #[test]
    fn equal_bytes_leave_the_file_untouched() {
        let old = old_bytes();
        let (dir, path) = folder(Some(&old));
        let before = identity(&path);
        assert_eq!(stream(&path, &old), Written::Unchanged);
        assert_eq!(identity(&path), before, "same inode, same mtime");
        assert_eq!(entries(dir.path()), ["feed.xml"]);
        let (_dir, path) = folder(Some(b""));
        assert_eq!(stream(&path, b""), Written::Unchanged);
    }

    /// A case name, the existing file (if any) and the new bytes.
    type Case<'a> = (&'a str, Option<&'a [u8]>, Vec<u8>);

    #[test]
    fn any_difference_replaces_the_file() {
        let old = old_bytes();
        let flip = |at: usize| {
            let mut new = old.clone();
            new[at] ^= 0xFF;
            new
        };
        let longer = [old.as_slice(), b"more"].concat();
        let cases: [Case<'_>; 9] = [
            ("differs at the start", Some(&old), flip(0)),
            ("differs in the middle", Some(&old), flip(old.len() / 2)),
            ("differs on a block edge", Some(&old), flip(64 * 1024)),
            ("differs at the end", Some(&old), flip(old.len() - 1)),
            (
                "existing is longer",
                Some(&old),
                old[..old.len() - 10].to_vec(),
            ),
            ("existing is shorter", Some(&old), longer),
            ("new is empty", Some(&old), Vec::new()),
            ("existing is empty", Some(b""), old.clone()),
            ("no existing file", None, old.clone()),
        ];
        for (case, existing, new) in cases {
            let (dir, path) = folder(existing);
            assert_eq!(stream(&path, &new), Written::Changed, "{case}");
            assert!(std::fs::read(&path).unwrap() == new, "{case}: wrong bytes");
            assert_eq!(entries(dir.path()), ["feed.xml"], "{case}: a file was left");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, path) = folder(Some(b"old"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(stream(&path, b"new"), Written::Changed);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[test]
    fn nothing_is_created_while_the_bytes_match() {
        let old = old_bytes();
        let (dir, path) = folder(Some(&old));
        let mut writer = ChangeWriter::new(&path);
        writer.write_all(&old[..150_000]).unwrap();
        assert_eq!(entries(dir.path()), ["feed.xml"]);
        writer.write_all(b"different").unwrap();
        assert_eq!(
            entries(dir.path()).len(),
            2,
            "the temporary file exists now"
        );
    }

    #[test]
    fn an_abandoned_write_leaves_the_old_file_and_no_temporary_file() {
        let old = old_bytes();
        let (dir, path) = folder(Some(&old));
        let mut writer = ChangeWriter::new(&path);
        writer.write_all(&old[..100_000]).unwrap();
        writer.write_all(b"a rendering error comes next").unwrap();
        drop(writer);
        assert_eq!(entries(dir.path()), ["feed.xml"]);
        assert!(std::fs::read(&path).unwrap() == old);

        // Finished but never committed: the same.
        let mut writer = ChangeWriter::new(&path);
        writer.write_all(b"new").unwrap();
        let staged = writer.finish().unwrap();
        assert_eq!(staged.written(), Written::Changed);
        drop(staged);
        assert_eq!(entries(dir.path()), ["feed.xml"]);
        assert!(std::fs::read(&path).unwrap() == old);
    }

    #[test]
    fn a_failing_file_in_a_set_leaves_every_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("rss.xml");
        std::fs::write(&first, "old").unwrap();
        let second = dir.path().join("missing/atom.xml");
        let files: [(&Path, &[u8]); 2] = [(&first, b"new"), (&second, b"new")];
        let err = crate::output::write_all_if_changed(&files).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "old");
        assert_eq!(entries(dir.path()), ["rss.xml"]);
    }
}
