//! Files in memory, one entry per path, valid while the file's version is unchanged.
//!
//! A feed is rebuilt by cron in place (a new file renamed over the old one), so an entry
//! is checked with one `stat` of the path (at most once per [`Limits::revalidate`] per
//! request path, see [`super::recent`]): the same device, inode, change time,
//! modification time and length mean the same bytes. A new version is read once,
//! hashed once for its ETag, and compressed once per coding, on the first request that
//! asks for that coding; every other request clones the bytes it needs (`Bytes` is
//! reference counted).
//!
//! Each variant carries the headers of its 200 and each version those of its 304s,
//! built once: a request clones a ready header block rather than building one.
//!
//! Memory is bounded by [`Limits`]: a file larger than `max_file` is never cached (it is
//! streamed from disk as it is), and when the entries of the cache (every variant
//! counted) pass `budget`, the least recently used ones are dropped.

use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::header::{self, HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::encoding::Coding;
use super::kind::{self, Kind};

/// How much of `output_dir` is kept in memory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Files larger than this many bytes are streamed from disk, uncompressed.
    pub(crate) max_file: u64,
    /// The cache drops its least recently used entries above this many bytes (the
    /// file's bytes plus its compressed variants).
    pub(crate) budget: usize,
    /// A request path served within this time is served again without looking at the
    /// disk ([`super::recent`]); zero looks at every request.
    pub(crate) revalidate: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file: 8 << 20,
            budget: 64 << 20,
            revalidate: REVALIDATE,
        }
    }
}

/// How long a file served from memory goes unchecked on disk: a rebuilt, new or
/// deleted file is seen within this time (docs/serve.md promises it).
pub(crate) const REVALIDATE: Duration = Duration::from_secs(1);

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Version {
    len: u64,
    modified: SystemTime,
    #[cfg(unix)]
    inode: (u64, u64),
    #[cfg(unix)]
    changed: (i64, i64),
}

impl Version {
    /// The version `meta` describes.
    pub(crate) fn of(meta: &Metadata) -> Version {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Version {
            len: meta.len(),
            modified: meta.modified().unwrap_or(UNIX_EPOCH),
            #[cfg(unix)]
            inode: (meta.dev(), meta.ino()),
            #[cfg(unix)]
            changed: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// The modification time.
    pub(crate) fn modified(&self) -> SystemTime {
        self.modified
    }

    /// The length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

/// One representation of a version: its bytes and the headers of its 200.
#[derive(Debug)]
pub(crate) struct Variant {
    /// Which coding the bytes are in.
    pub(crate) coding: Coding,
    /// The body.
    pub(crate) bytes: Bytes,
    /// The headers of a 200 with these bytes (or of a `HEAD`): the file's
    /// ([`super::describe`]), the entity tag, `Content-Length`, `Content-Encoding`.
    pub(crate) headers: HeaderMap,
}

impl Variant {
    fn new(coding: Coding, bytes: Bytes, tag: &str, described: &HeaderMap) -> Variant {
        let mut headers = described.clone();
        headers.insert(header::ETAG, tag_value(tag));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        if let Some(token) = coding.token() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
        }
        Variant {
            coding,
            bytes,
            headers,
        }
    }

    /// Which of [`CachedFile::tags`] is this variant's.
    pub(crate) fn tag_index(&self) -> usize {
        match self.coding {
            Coding::Identity => 0,
            Coding::Gzip => 1,
            Coding::Brotli => 2,
        }
    }
}

fn tag_value(tag: &str) -> HeaderValue {
    HeaderValue::from_str(tag).expect("hex digits and quotes")
}

/// One version of one file, in memory.
#[derive(Debug)]
pub(crate) struct CachedFile {
    /// The version these bytes were read from.
    pub(crate) version: Version,
    /// Type, feed or not, compressible or not.
    pub(crate) kind: Kind,
    /// The headers every answer about this version carries, 200 or 304
    /// ([`super::describe`]).
    described: HeaderMap,
    /// The file's bytes as they are.
    pub(crate) identity: Variant,
    /// The entity tags of the identity, gzip and brotli variants, in that order.
    tags: [String; 3],
    /// The headers of a 304 naming each of [`CachedFile::tags`].
    not_modified: [HeaderMap; 3],
    gzip: OnceCell<Option<Variant>>,
    brotli: OnceCell<Option<Variant>>,
    cost: AtomicUsize,
    last_used: AtomicU64,
}

impl CachedFile {
    fn new(relative: &str, version: Version, bytes: Vec<u8>) -> CachedFile {
        let digest = Sha256::digest(&bytes);
        let hex = crate::hex::encode(&digest[..16]);
        let tags = [
            format!("\"{hex}\""),
            format!("\"{hex}-gz\""),
            format!("\"{hex}-br\""),
        ];
        let cost = bytes.len();
        let kind = kind::of(relative);
        let mut described = HeaderMap::new();
        super::describe(&mut described, &kind, http_date(version.modified));
        let not_modified = tags.each_ref().map(|tag| {
            let mut headers = described.clone();
            headers.remove(header::CONTENT_TYPE);
            headers.insert(header::ETAG, tag_value(tag));
            headers
        });
        CachedFile {
            version,
            identity: Variant::new(Coding::Identity, Bytes::from(bytes), &tags[0], &described),
            kind,
            described,
            tags,
            not_modified,
            gzip: OnceCell::new(),
            brotli: OnceCell::new(),
            cost: AtomicUsize::new(cost),
            last_used: AtomicU64::new(0),
        }
    }

    /// The entity tags of every variant this version can have: identity, gzip, brotli.
    pub(crate) fn tags(&self) -> [&str; 3] {
        [&self.tags[0], &self.tags[1], &self.tags[2]]
    }

    /// The headers of a 304 naming the tag at `index` of [`CachedFile::tags`].
    pub(crate) fn not_modified(&self, index: usize) -> &HeaderMap {
        &self.not_modified[index]
    }
}

/// `Last-Modified` for `time`.
pub(crate) fn http_date(time: SystemTime) -> HeaderValue {
    HeaderValue::from_str(&httpdate::fmt_http_date(time)).expect("an HTTP date is ASCII")
}

/// What reading a path gave.
pub(crate) enum Loaded {
    /// A version small enough to cache.
    Cached(Arc<CachedFile>),
    /// A file over [`Limits::max_file`], open, with its metadata: stream it.
    Large(File, Metadata),
}

/// Why a path could not be read.
#[derive(Debug)]
pub(crate) enum LoadError {
    /// The path resolves (through a symlink) outside `output_dir`.
    Outside,
    /// Not a regular file.
    NotAFile,
    /// The file system said no.
    Io(io::Error),
}

impl From<io::Error> for LoadError {
    fn from(error: io::Error) -> LoadError {
        LoadError::Io(error)
    }
}

/// The files of one `output_dir` in memory.
#[derive(Debug)]
pub(crate) struct Cache {
    limits: Limits,
    entries: RwLock<HashMap<String, Arc<CachedFile>>>,
    clock: AtomicU64,
}

impl Cache {
    /// An empty cache.
    pub(crate) fn new(limits: Limits) -> Cache {
        Cache {
            limits,
            entries: RwLock::new(HashMap::new()),
            clock: AtomicU64::new(0),
        }
    }

    /// The entry of `relative` when it holds `version`.
    pub(crate) fn get(&self, relative: &str, version: Version) -> Option<Arc<CachedFile>> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get(relative).filter(|e| e.version == version)?;
        self.touch(entry);
        Some(Arc::clone(entry))
    }

    /// Drops the entry of a file that is gone.
    pub(crate) fn forget(&self, relative: &str) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        entries.remove(relative);
    }

    /// Reads the file `full` (the path `relative` below `root`) and caches it, unless it
    /// is too large; blocking, so run it off the async threads.
    pub(crate) fn load(
        &self,
        root: &Path,
        relative: &str,
        full: &Path,
    ) -> Result<Loaded, LoadError> {
        let real = full.canonicalize()?;
        if !real.starts_with(root.canonicalize()?) {
            return Err(LoadError::Outside);
        }
        let mut file = File::open(&real)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(LoadError::NotAFile);
        }
        if meta.len() > self.limits.max_file {
            return Ok(Loaded::Large(file, meta));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes)?;
        let version = Version::of(&file.metadata()?);
        if version != Version::of(&meta) || bytes.len() as u64 != version.len {
            // Written in place while we read: herald renames, so this is someone else;
            // the next request reads it again.
            return Err(LoadError::Io(io::Error::new(
                io::ErrorKind::Interrupted,
                "the file changed while it was read",
            )));
        }
        Ok(Loaded::Cached(self.insert(
            relative,
            CachedFile::new(relative, version, bytes),
        )))
    }

    fn insert(&self, relative: &str, entry: CachedFile) -> Arc<CachedFile> {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = entries.get(relative).filter(|e| e.version == entry.version) {
            // Another request read the same version first: share its variants.
            self.touch(existing);
            return Arc::clone(existing);
        }
        let entry = Arc::new(entry);
        self.touch(&entry);
        entries.insert(relative.to_owned(), Arc::clone(&entry));
        self.trim(&mut entries, &entry);
        entry
    }

    /// The variant of `entry` in `coding`, compressed on first use; `None` when the
    /// file's type is not worth compressing or compressing did not make it smaller.
    pub(crate) async fn variant<'e>(
        &self,
        entry: &'e CachedFile,
        coding: Coding,
    ) -> Option<&'e Variant> {
        let (cell, tag) = match coding {
            Coding::Identity => return Some(&entry.identity),
            Coding::Gzip => (&entry.gzip, &entry.tags[1]),
            Coding::Brotli => (&entry.brotli, &entry.tags[2]),
        };
        if !entry.kind.compressible {
            return None;
        }
        let made = cell
            .get_or_init(|| async {
                let bytes = entry.identity.bytes.clone();
                let compressed = tokio::task::spawn_blocking(move || compress(coding, &bytes))
                    .await
                    .ok()
                    .flatten()?;
                entry.cost.fetch_add(compressed.len(), Ordering::Relaxed);
                self.trim_to_budget(entry);
                Some(Variant::new(
                    coding,
                    Bytes::from(compressed),
                    tag,
                    &entry.described,
                ))
            })
            .await;
        made.as_ref()
    }

    /// Marks `entry` as used now (the least recently used go first).
    pub(crate) fn touch(&self, entry: &CachedFile) {
        let now = self.clock.fetch_add(1, Ordering::Relaxed);
        entry.last_used.store(now, Ordering::Relaxed);
    }

    fn trim_to_budget(&self, keep: &CachedFile) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        self.trim(&mut entries, keep);
    }

    /// Drops the least recently used entries, never `keep`, until the total fits.
    fn trim(&self, entries: &mut HashMap<String, Arc<CachedFile>>, keep: &CachedFile) {
        let cost = |e: &CachedFile| e.cost.load(Ordering::Relaxed);
        let mut used: usize = entries.values().map(|e| cost(e)).sum();
        if used <= self.limits.budget {
            return;
        }
        let mut by_age: Vec<(u64, String)> = entries
            .iter()
            .filter(|(_, e)| !std::ptr::eq(&***e, keep))
            .map(|(key, e)| (e.last_used.load(Ordering::Relaxed), key.clone()))
            .collect();
        by_age.sort_unstable();
        for (_, key) in by_age {
            if used <= self.limits.budget {
                break;
            }
            if let Some(dropped) = entries.remove(&key) {
                used -= cost(&dropped);
            }
        }
    }

    /// How many bytes the cached entries hold (for tests).
    #[cfg(test)]
    pub(crate) fn used(&self) -> usize {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .values()
            .map(|e| e.cost.load(Ordering::Relaxed))
            .sum()
    }

    /// Whether `relative` has an entry (for tests).
    #[cfg(test)]
    pub(crate) fn holds(&self, relative: &str) -> bool {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries.contains_key(relative)
    }
}

/// `bytes` in `coding`, when that is smaller.
fn compress(coding: Coding, bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let compressed = match coding {
        Coding::Identity => return None,
        Coding::Gzip => {
            let out = Vec::with_capacity(bytes.len() / 4);
            let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::best());
            encoder.write_all(bytes).ok()?;
            encoder.finish().ok()?
        }
        Coding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                // The best ratio costs about 1 s per MB, once per version; larger
                // files take a faster setting.
                quality: if bytes.len() <= 1 << 20 { 11 } else { 9 },
                lgwin: 22,
                ..Default::default()
            };
            let mut out = Vec::with_capacity(bytes.len() / 4);
            brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).ok()?;
            out
        }
    };
    (compressed.len() < bytes.len()).then_some(compressed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(relative: &str, bytes: &[u8], tick: u64) -> CachedFile {
        let version = Version {
            len: bytes.len() as u64,
            modified: UNIX_EPOCH + std::time::Duration::from_secs(tick),
            #[cfg(unix)]
            inode: (1, tick),
            #[cfg(unix)]
            changed: (0, 0),
        };
        CachedFile::new(relative, version, bytes.to_vec())
    }

    #[test]
    fn entity_tags_differ_per_variant_and_follow_the_bytes() {
        let a = entry("rss.xml", b"<rss/>", 1);
        let same = entry("rss.xml", b"<rss/>", 2);
        let b = entry("rss.xml", b"<rss />", 1);
        let [identity, gzip, brotli] = a.tags();
        assert!(identity.starts_with('"') && identity.ends_with('"') && identity.len() == 34);
        assert_eq!(gzip, format!("{}-gz\"", &identity[..33]));
        assert_eq!(brotli, format!("{}-br\"", &identity[..33]));
        assert_eq!(a.tags(), same.tags(), "same bytes, same tags");
        assert_ne!(a.tags()[0], b.tags()[0], "other bytes, other tag");
    }

    #[test]
    fn compression_is_kept_only_when_smaller() {
        let text = "<item>hello</item>".repeat(100);
        for coding in [Coding::Gzip, Coding::Brotli] {
            let small = compress(coding, text.as_bytes()).expect("text compresses");
            assert!(small.len() < text.len() / 5, "{coding:?}");
            assert_eq!(compress(coding, b"x"), None, "{coding:?}: one byte grows");
        }
    }

    #[test]
    fn the_least_recently_used_entries_go_first_when_over_budget() {
        let cache = Cache::new(Limits {
            max_file: 100,
            budget: 250,
            revalidate: Duration::ZERO,
        });
        for (name, tick) in [("a", 1), ("b", 2), ("c", 3)] {
            cache.insert(name, entry(name, &[b'x'; 100], tick));
            if name == "b" {
                // `a` is used again: `b` is now the oldest.
                assert!(
                    cache
                        .get("a", entry("a", &[b'x'; 100], 1).version)
                        .is_some()
                );
            }
        }
        assert!(cache.holds("a") && !cache.holds("b") && cache.holds("c"));
        assert_eq!(cache.used(), 200);
    }

    #[test]
    fn another_version_is_a_miss() {
        let cache = Cache::new(Limits::default());
        cache.insert("rss.xml", entry("rss.xml", b"one", 1));
        assert!(
            cache
                .get("rss.xml", entry("rss.xml", b"one", 1).version)
                .is_some()
        );
        assert!(
            cache
                .get("rss.xml", entry("rss.xml", b"two", 2).version)
                .is_none()
        );
        cache.forget("rss.xml");
        assert!(!cache.holds("rss.xml"));
    }
}
