//! Feed documents are left alone, not even rendered, while nothing they are made of
//! changed.
//!
//! Every output is a pure function of the settings and the items (see [`super`]): a
//! document's bytes change only when its items (which articles, their files, their feed
//! ids), its tag's name, its links (the number of archive pages) or the feed settings
//! change, or when herald itself renders differently. A full archive page never gains
//! or loses an item (see [`super::archive`]), so most of an archive is never rendered
//! again. After each build, a record beside the state database (`feed-documents-*`,
//! one per output folder) holds every document: a key over those inputs
//! ([`Rendered::key`]) and the size, modification time and inode of its files (the
//! three formats and their HTML pages) as
//! written. The next build skips a document whose key is the same and whose files are
//! still the ones recorded.
//!
//! The record is only a cache. A missing, unreadable or foreign record, or files
//! changed since, mean the page is rendered (and compared, so unchanged bytes are still
//! not rewritten). And each build renders the first document it could skip anyway (the
//! site's current feed, when nothing changed): if its bytes come out different (a newer
//! herald renders differently), the record is not trusted and every document is
//! rendered.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::place::{Page, Place};
use super::{DOCUMENT_FILES, FILES};
use crate::config::Config;
use crate::content::Record;
use crate::error::Diagnostic;
use crate::output;

/// The start of the record's name, in the state database's folder; a hash of the
/// output folder follows, so that two configs sharing a state folder keep their own.
const RECORD_PREFIX: &str = "feed-documents-";

/// The record's first line: another line means another format, read as empty.
const HEADER: &str = "herald feed documents 2";

/// The files of one document: its three formats and their HTML pages.
const FILE_COUNT: usize = DOCUMENT_FILES.len();

/// A hash of everything a document's bytes are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key([u8; 32]);

/// A file as it lies on disk: enough to notice it was replaced or edited since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Stamp {
    len: u64,
    modified_ns: u128,
    inode: u64,
}

/// A document of this build, for the record: where it is, its key, and the stamps of
/// its files when it was left as it was (they were just checked, so they are not read
/// again).
#[derive(Debug)]
pub(crate) struct Document {
    place: Place,
    key: Key,
    kept: Option<[Stamp; FILE_COUNT]>,
}

impl Document {
    /// A document rendered (and perhaps rewritten) by this build.
    pub(crate) fn rendered(place: Place, key: Key) -> Self {
        Document {
            place,
            key,
            kept: None,
        }
    }

    /// A document left as it was, its files' `stamps` checked by [`Rendered::skips`].
    pub(crate) fn kept(place: Place, key: Key, stamps: [Stamp; FILE_COUNT]) -> Self {
        Document {
            place,
            key,
            kept: Some(stamps),
        }
    }
}

/// One recorded document: its key and its files (in the order of [`DOCUMENT_FILES`]).
#[derive(Debug)]
struct Entry {
    key: Key,
    stamps: [Stamp; FILE_COUNT],
}

/// The previous build's record, and what this build may skip.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// The settings' share of every key.
    settings: [u8; 32],
    /// Recorded documents, by the path of their RSS file.
    known: HashMap<String, Entry>,
    /// Whether a document this record would skip was rendered and came out the same:
    /// `None` until one is tried.
    trusted: Option<bool>,
}

impl Rendered {
    /// The record of the last build of `config`'s site; empty when there is none or it
    /// cannot be read.
    pub(crate) fn load(config: &Config) -> Self {
        let known = std::fs::read_to_string(record_path(config))
            .map(|text| parse(&text))
            .unwrap_or_default();
        Rendered {
            settings: settings(config),
            known,
            trusted: None,
        }
    }

    /// The key of the document at `place` of the feed of `tag` (`None`: the site's),
    /// holding `items`.
    pub(crate) fn key(&self, place: &Place, tag: Option<&str>, items: &[&Record]) -> Key {
        let mut hash = Sha256::new();
        hash.update(self.settings);
        field(&mut hash, place.path(FILES[0]).as_bytes());
        // The links: to the newest page from the current document, to the neighbours
        // from a page.
        let (prev, next) = match place.page {
            Page::Current => (place.pages, 0),
            Page::Archive(n) => (n - 1, if n < place.pages { n + 1 } else { 0 }),
        };
        hash.update((prev as u64).to_le_bytes());
        hash.update((next as u64).to_le_bytes());
        field(&mut hash, tag.unwrap_or("\0site").as_bytes());
        hash.update((items.len() as u64).to_le_bytes());
        for item in items {
            field(&mut hash, item.path().as_os_str().as_encoded_bytes());
            field(&mut hash, item.id().as_bytes());
            hash.update(item.fingerprint().to_bytes());
        }
        Key(hash.finalize().into())
    }

    /// The stamps of the document at `place` when it may be left as it is without being
    /// rendered: the record holds it with `key`, its files are the ones recorded, and
    /// the record has been checked. Until then, see [`Rendered::would_skip`] and
    /// [`Rendered::checked`].
    pub(crate) fn skips(
        &self,
        dir: &Path,
        place: &Place,
        key: &Key,
    ) -> Option<[Stamp; FILE_COUNT]> {
        if self.trusted != Some(true) {
            return None;
        }
        self.would_skip(dir, place, key)
    }

    /// The stamps of the document at `place` when the record holds it with `key` and
    /// its files are the ones recorded.
    pub(crate) fn would_skip(
        &self,
        dir: &Path,
        place: &Place,
        key: &Key,
    ) -> Option<[Stamp; FILE_COUNT]> {
        let entry = self.known.get(&place.path(FILES[0]))?;
        let same = entry.key == *key
            && DOCUMENT_FILES
                .iter()
                .zip(&entry.stamps)
                .all(|(file, stamp)| Stamp::of(&dir.join(place.path(file))) == Some(*stamp));
        same.then_some(entry.stamps)
    }

    /// Whether the record still needs checking against a rendered page.
    pub(crate) fn unchecked(&self) -> bool {
        self.trusted.is_none()
    }

    /// Takes the outcome of rendering a document the record would have skipped: when its
    /// bytes changed, nothing the record holds is trusted.
    pub(crate) fn checked(&mut self, unchanged: bool) {
        self.trusted = Some(unchanged);
        if !unchanged {
            self.known.clear();
        }
    }
}

/// Writes the record of this build's documents, once they are in `dir`, replacing the
/// last one. The record is only a cache: failing to write it is a warning, which costs
/// the next build time, never correctness.
pub(crate) fn record(
    config: &Config,
    dir: &Path,
    documents: &[Document],
) -> std::result::Result<(), Diagnostic> {
    let mut text = format!("{HEADER}\n");
    for Document { place, key, kept } in documents {
        let stamps = kept.map_or_else(
            || DOCUMENT_FILES.map(|file| Stamp::of(&dir.join(place.path(file)))),
            |stamps| stamps.map(Some),
        );
        let Some(stamps) = stamps.into_iter().collect::<Option<Vec<Stamp>>>() else {
            continue;
        };
        crate::hex::encode_into(&mut text, &key.0);
        for stamp in stamps {
            let _ = write!(
                text,
                "\t{}:{}:{}",
                stamp.len, stamp.modified_ns, stamp.inode
            );
        }
        let _ = writeln!(text, "\t{}", place.path(FILES[0]));
    }
    let path = record_path(config);
    match output::write_if_changed(&path, text.as_bytes()) {
        Ok(_) => Ok(()),
        Err(e) => Err(Diagnostic::warning(
            &path,
            None,
            format!("{e}; the next build renders every feed document again"),
        )),
    }
}

/// The record of `config`'s output folder, beside the state database.
fn record_path(config: &Config) -> PathBuf {
    let mut name = RECORD_PREFIX.to_string();
    let output = Sha256::digest(config.output_dir.as_os_str().as_encoded_bytes());
    crate::hex::encode_into(&mut name, &output[..8]);
    config.beside_state(&name)
}

/// The settings a document's bytes depend on, hashed with herald's version.
fn settings(config: &Config) -> [u8; 32] {
    let mut hash = Sha256::new();
    field(&mut hash, env!("CARGO_PKG_VERSION").as_bytes());
    let settings = format!(
        "{:?}\n{:?}\n{}\n{}\n{}",
        config.site, config.feeds, config.permalink, config.base_url, config.timezone
    );
    field(&mut hash, settings.as_bytes());
    hash.finalize().into()
}

/// Hashes `bytes` with their length first, so that fields cannot run into each other.
fn field(hash: &mut Sha256, bytes: &[u8]) {
    hash.update((bytes.len() as u64).to_le_bytes());
    hash.update(bytes);
}

/// The record's pages; lines that do not parse are left out.
fn parse(text: &str) -> HashMap<String, Entry> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return HashMap::new();
    }
    lines.filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<(String, Entry)> {
    let mut fields = line.split('\t');
    let key = parse_key(fields.next()?)?;
    let mut stamps = [Stamp::default(); FILE_COUNT];
    for stamp in &mut stamps {
        *stamp = Stamp::parse(fields.next()?)?;
    }
    let path = fields.next()?;
    if fields.next().is_some() {
        return None;
    }
    Some((path.to_string(), Entry { key, stamps }))
}

fn parse_key(hex: &str) -> Option<Key> {
    crate::hex::decode(hex)?.try_into().ok().map(Key)
}

impl Stamp {
    /// The stamp of the file at `path`; `None` when it is missing or not a file.
    fn of(path: &Path) -> Option<Stamp> {
        let metadata = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
        let modified = metadata.modified().ok()?;
        let modified_ns = modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        Some(Stamp {
            len: metadata.len(),
            modified_ns,
            inode: inode(&metadata),
        })
    }

    fn parse(text: &str) -> Option<Stamp> {
        let mut parts = text.split(':');
        let stamp = Stamp {
            len: parts.next()?.parse().ok()?,
            modified_ns: parts.next()?.parse().ok()?,
            inode: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(stamp)
    }
}

#[cfg(unix)]
fn inode(metadata: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(metadata)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Article;

    fn config(title: &str) -> Config {
        let yaml = format!(
            "site:\n  title: {title}\n  url: https://example.com/\n  description: D\nfeeds:\n  limit: 1\n  archives: true\n"
        );
        Config::from_yaml(yaml.as_bytes(), Path::new("/site/herald.yaml")).unwrap()
    }

    fn loaded(body: &str) -> Record {
        let text = format!("---\ntitle: A\npublish_date: 2024-01-01\n---\n{body}");
        let parsed =
            crate::content::parse(Path::new("content/a.md"), text.as_bytes(), &config("T"));
        let article: Article = parsed.article.unwrap();
        let offset = text.find(body).unwrap();
        Record::new(
            &article,
            offset,
            crate::content::Fingerprint::of(text.as_bytes()),
        )
    }

    fn page(n: usize, pages: usize) -> Place {
        Place {
            folder: String::new(),
            page: Page::Archive(n),
            pages,
        }
    }

    #[test]
    fn the_key_follows_every_input_of_a_page() {
        let rendered = Rendered {
            settings: settings(&config("T")),
            known: HashMap::new(),
            trusted: None,
        };
        let (a, b) = (loaded("one"), loaded("two"));
        let key = |place: &Place, tag, items: &[&Record]| rendered.key(place, tag, items);
        let base = key(&page(1, 3), None, &[&a]);
        assert_eq!(base, key(&page(1, 3), None, &[&a]), "deterministic");
        // Page 2 of 3 and page 2 of 2 differ by their next-archive link; page 1 of 3
        // and of 4 do not.
        assert_eq!(base, key(&page(1, 4), None, &[&a]));
        assert_ne!(key(&page(2, 3), None, &[&a]), key(&page(2, 2), None, &[&a]));
        assert_ne!(base, key(&page(2, 3), None, &[&a]), "another page");
        let current = |pages| Place {
            folder: String::new(),
            page: Page::Current,
            pages,
        };
        assert_ne!(
            key(&current(3), None, &[&a]),
            key(&current(4), None, &[&a]),
            "the current document links to the newest page"
        );
        assert_ne!(
            key(&current(3), None, &[&a]),
            key(&current(3), None, &[&a, &a])
        );
        assert_ne!(base, key(&page(1, 3), Some("rust"), &[&a]), "a tag's page");
        assert_ne!(
            key(&page(1, 3), Some("rust"), &[&a]),
            key(&page(1, 3), Some("Rust"), &[&a]),
            "the tag's name is in its title"
        );
        assert_ne!(base, key(&page(1, 3), None, &[&b]), "another file");
        let mut renamed = a.clone();
        renamed.set_id("tag:example.com,2024:a");
        assert_ne!(base, key(&page(1, 3), None, &[&renamed]), "another id");
        let other = Rendered {
            settings: settings(&config("Other")),
            ..rendered
        };
        assert_ne!(base, other.key(&page(1, 3), None, &[&a]), "other settings");
    }

    #[test]
    fn the_record_reads_back_and_skips_only_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config("T");
        config.state_file = dir.path().join(".herald/herald.db");
        std::fs::create_dir_all(dir.path().join(".herald")).unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir_all(out.join("archive")).unwrap();
        for file in [
            "rss-1.xml",
            "atom-1.xml",
            "feed-1.json",
            "rss-1.html",
            "atom-1.html",
            "feed-1.html",
        ] {
            std::fs::write(out.join("archive").join(file), file).unwrap();
        }
        let a = loaded("one");
        let rendered = Rendered::load(&config);
        let key = rendered.key(&page(1, 2), None, &[&a]);
        assert!(
            rendered.would_skip(&out, &page(1, 2), &key).is_none(),
            "nothing recorded"
        );
        super::record(
            &config,
            &out,
            &[
                Document::rendered(page(1, 2), key),
                Document::rendered(page(2, 2), key),
            ],
        )
        .unwrap();

        let mut rendered = Rendered::load(&config);
        assert_eq!(rendered.known.len(), 1, "page 2 has no files, so no line");
        assert!(rendered.would_skip(&out, &page(1, 2), &key).is_some());
        assert!(
            rendered.skips(&out, &page(1, 2), &key).is_none(),
            "not checked yet"
        );
        rendered.checked(true);
        assert!(rendered.skips(&out, &page(1, 2), &key).is_some());
        let other = rendered.key(&page(1, 2), None, &[&loaded("two")]);
        assert!(rendered.skips(&out, &page(1, 2), &other).is_none());

        // A file replaced since is rendered again.
        std::fs::write(out.join("archive/atom-1.xml"), "edited").unwrap();
        assert!(rendered.skips(&out, &page(1, 2), &key).is_none());

        // A check that fails forgets the record.
        let mut rendered = Rendered::load(&config);
        rendered.checked(false);
        assert!(rendered.known.is_empty() && !rendered.unchecked());
    }

    #[test]
    fn a_damaged_record_is_read_as_far_as_it_parses() {
        let key = "ab".repeat(32);
        let stamps = "1:2:3\t4:5:6\t7:8:9\t1:2:3\t4:5:6\t7:8:9";
        let good = format!("{key}\t{stamps}\tarchive/rss-1.xml");
        let text = format!(
            "{HEADER}\n{good}\nnonsense\n{key}\t1:2\t4:5:6\t7:8:9\t1:2:3\t4:5:6\t7:8:9\tx\n\
             {key}\t1:2:3\t4:5:6\t7:8:9\tthree-stamps-of-version-1\n{}\n",
            good.replace("rss-1", "rss-2")
        );
        let known = parse(&text);
        let mut paths: Vec<&String> = known.keys().collect();
        paths.sort();
        assert_eq!(paths, ["archive/rss-1.xml", "archive/rss-2.xml"]);
        assert!(parse(&format!("herald feed documents 1\n{good}\n")).is_empty());
        assert!(parse("").is_empty());
    }
}
