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
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::place::{Page, Place};
use super::{DOCUMENT_FILES, FILES};
use crate::config::{Config, FeedContent, FeedSettings, Site, Stylesheet};
use crate::content::ArticleMeta;
use crate::error::{Diagnostic, Result};
use crate::output::ChangeWriter;

/// The start of the record's name, in the state database's folder; a hash of the
/// output folder follows, so that two configs sharing a state folder keep their own.
const RECORD_PREFIX: &str = "feed-documents-";

/// What the record's first line says it is: another first line (an older format, such
/// as version 2's tab-separated text) means nothing is known.
const FORMAT: &str = "herald feed documents";

/// The version of the record's lines, in its first line.
const VERSION: u32 = 3;

/// The files of one document: its three formats and their HTML pages.
const FILE_COUNT: usize = DOCUMENT_FILES.len();

/// A hash of everything a document's bytes are made of ([`Inputs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key([u8; 32]);

/// A file as it lies on disk: enough to notice it was replaced or edited since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct Stamp {
    len: u64,
    modified_ns: u64,
    inode: u64,
}

impl Stamp {
    /// The file's size in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

/// The settings that shape a document's bytes, with herald's version (a newer herald
/// may write differently). Built by destructuring [`Site`] and [`FeedSettings`] field by
/// field: a field added to either does not compile until it is placed here or named as
/// shaping no document.
#[derive(Debug, Serialize)]
struct Settings<'a> {
    herald: &'static str,
    title: &'a str,
    url: &'a str,
    description: &'a str,
    language: Option<&'a str>,
    author: Option<&'a str>,
    /// Dates on the HTML pages, and date-only `publish_date`s.
    timezone: &'a str,
    /// Every article's URL.
    permalink: &'a str,
    content: FeedContent,
    /// Whether the XML formats link `feed.xsl` (the same name whichever file it is).
    stylesheet: bool,
    websub_hub: Option<&'a str>,
    max_bytes: usize,
}

impl<'a> Settings<'a> {
    fn of(config: &'a Config) -> Self {
        let Site {
            title,
            url,
            description,
            language,
            author,
            timezone,
        } = &config.site;
        let FeedSettings {
            content,
            stylesheet,
            websub_hub,
            max_bytes,
            // Which items and links a document has, which every key holds itself.
            limit: _,
            archives: _,
            archive_page_size: _,
            // Which documents there are, not what one holds.
            per_tag: _,
            tag_archives: _,
            // The ping after a build.
            websub_timeout_seconds: _,
        } = &config.feeds;
        Settings {
            herald: env!("CARGO_PKG_VERSION"),
            title,
            url,
            description,
            language: language.as_deref(),
            author: author.as_deref(),
            timezone,
            permalink: &config.permalink,
            content: *content,
            stylesheet: *stylesheet != Stylesheet::Off,
            websub_hub: websub_hub.as_deref(),
            max_bytes: *max_bytes,
        }
    }
}

/// Everything one document is made of; its hash is the document's [`Key`].
#[derive(Debug, Serialize)]
struct Inputs<'a> {
    /// The hash of [`Settings`], the same for every document of a build.
    settings: &'a str,
    /// The document's RSS file, relative to the output folder.
    document: &'a str,
    /// The archive pages it links to: the newest page from the current document, the
    /// neighbours from a page (0: none).
    prev_archive: usize,
    next_archive: usize,
    /// The tag whose feed it belongs to (its name is in the title); none for the site's.
    tag: Option<&'a str>,
    items: Vec<ItemInputs<'a>>,
}

/// What a document shows of one article: its file (path, length and CRC-32) and its
/// feed id, which is not in the file when it comes from the ids file.
#[derive(Debug, Serialize)]
struct ItemInputs<'a> {
    path: std::borrow::Cow<'a, str>,
    id: &'a str,
    fingerprint: [u8; 12],
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

/// The record's first line.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Header {
    format: String,
    version: u32,
}

/// One line of the record: a document, its key and its files (in the order of
/// [`DOCUMENT_FILES`]).
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    /// The path of its RSS file.
    document: String,
    /// The key, in hexadecimal.
    key: String,
    files: [Stamp; FILE_COUNT],
}

/// One recorded document: its key and its files.
#[derive(Debug)]
struct DocumentStamps {
    key: Key,
    stamps: [Stamp; FILE_COUNT],
}

/// The previous build's record, and what this build may skip.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// The hash of the settings, in hexadecimal: every key's first input.
    settings: String,
    /// Recorded documents, by the path of their RSS file.
    known: HashMap<String, DocumentStamps>,
    /// Whether a document this record would skip was rendered and came out the same:
    /// `None` until one is tried.
    trusted: Option<bool>,
}

impl Rendered {
    /// The record of the last build of `config`'s site; empty when there is none or it
    /// cannot be read.
    pub(crate) fn load(config: &Config) -> Self {
        let known = std::fs::File::open(record_path(config))
            .map(|file| parse(BufReader::new(file)))
            .unwrap_or_default();
        Rendered {
            settings: crate::hex::encode(&hash(&Settings::of(config))),
            known,
            trusted: None,
        }
    }

    /// The key of the document at `place` of the feed of `tag` (`None`: the site's),
    /// holding `items`.
    pub(crate) fn key(&self, place: &Place, tag: Option<&str>, items: &[&ArticleMeta]) -> Key {
        let (prev_archive, next_archive) = match place.page {
            Page::Current => (place.pages, 0),
            Page::Archive(n) => (n - 1, if n < place.pages { n + 1 } else { 0 }),
        };
        let inputs = Inputs {
            settings: &self.settings,
            document: &place.path(FILES[0]),
            prev_archive,
            next_archive,
            tag,
            items: items
                .iter()
                .map(|item| ItemInputs {
                    path: item.path().to_string_lossy(),
                    id: item.id(),
                    fingerprint: item.fingerprint().to_bytes(),
                })
                .collect(),
        };
        Key(hash(&inputs))
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
    /// bytes changed, nothing the record holds is trusted (whatever other documents,
    /// rendered at the same time, said).
    pub(crate) fn checked(&mut self, unchanged: bool) {
        if !unchanged {
            self.trusted = Some(false);
            self.known.clear();
        } else if self.trusted.is_none() {
            self.trusted = Some(true);
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
    let path = record_path(config);
    write_record(&path, dir, documents).map_err(|e| {
        Diagnostic::warning(
            &path,
            None,
            format!("{e}; the next build renders every feed document again"),
        )
    })
}

/// Streams the record to `path`: a header line, then one JSON line per document whose
/// files are all there.
fn write_record(path: &Path, dir: &Path, documents: &[Document]) -> Result<()> {
    let mut writer = ChangeWriter::new(path);
    let header = Header {
        format: FORMAT.to_string(),
        version: VERSION,
    };
    write_line(&mut writer, path, &header)?;
    for Document { place, key, kept } in documents {
        let stamps = kept.map_or_else(
            || DOCUMENT_FILES.map(|file| Stamp::of(&dir.join(place.path(file)))),
            |stamps| stamps.map(Some),
        );
        let Some(files) = stamps.into_iter().collect::<Option<Vec<Stamp>>>() else {
            continue;
        };
        let Ok(files) = <[Stamp; FILE_COUNT]>::try_from(files) else {
            continue;
        };
        let line = Line {
            document: place.path(FILES[0]),
            key: crate::hex::encode(&key.0),
            files,
        };
        write_line(&mut writer, path, &line)?;
    }
    crate::output::commit(vec![writer.finish()?])?;
    Ok(())
}

/// Appends `value` as one JSON line.
fn write_line(writer: &mut ChangeWriter, path: &Path, value: &impl Serialize) -> Result<()> {
    let mut line = serde_json::to_vec(value)
        .map_err(|e| crate::error::Error::io(path, std::io::Error::other(e)))?;
    line.push(b'\n');
    writer.write_all(&line)
}

/// The record of `config`'s output folder, beside the state database.
fn record_path(config: &Config) -> PathBuf {
    let output = Sha256::digest(config.output_dir.as_os_str().as_encoded_bytes());
    let name = format!("{RECORD_PREFIX}{}", crate::hex::encode(&output[..8]));
    config.beside_state(&name)
}

/// The SHA-256 of `value`'s JSON form, streamed into the hash.
fn hash(value: &impl Serialize) -> [u8; 32] {
    let mut hasher = HashWriter(Sha256::new());
    // Writing into a hash cannot fail, and these types always serialize.
    let _ = serde_json::to_writer(&mut hasher, value);
    hasher.0.finalize().into()
}

/// A [`Sha256`] fed through [`std::io::Write`].
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn parse_key(hex: &str) -> Option<Key> {
    crate::hex::decode(hex)?.try_into().ok().map(Key)
}

/// The record's documents. Another first line (an older format, another program's
/// file) gives nothing; lines that do not parse are left out.
fn parse(reader: impl BufRead) -> HashMap<String, DocumentStamps> {
    let mut lines = reader.lines();
    let header = lines
        .next()
        .and_then(|line| line.ok())
        .and_then(|line| serde_json::from_str::<Header>(&line).ok());
    if header.is_none_or(|h| h.format != FORMAT || h.version != VERSION) {
        return HashMap::new();
    }
    lines
        .map_while(|line| line.ok())
        .filter_map(|line| serde_json::from_str::<Line>(&line).ok())
        .filter_map(|line| {
            let key = parse_key(&line.key)?;
            Some((
                line.document,
                DocumentStamps {
                    key,
                    stamps: line.files,
                },
            ))
        })
        .collect()
}

impl Stamp {
    /// The stamp of the file at `path`; `None` when it is missing or not a file.
    pub(crate) fn of(path: &Path) -> Option<Stamp> {
        let metadata = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
        let modified = metadata.modified().ok()?;
        let modified_ns = modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        Some(Stamp {
            len: metadata.len(),
            modified_ns: u64::try_from(modified_ns).ok()?,
            inode: inode(&metadata),
        })
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

    fn loaded(body: &str) -> ArticleMeta {
        let text = format!("---\ntitle: A\npublish_date: 2024-01-01\n---\n{body}");
        let parsed =
            crate::content::parse(Path::new("content/a.md"), text.as_bytes(), &config("T"));
        let article: Article = parsed.article.unwrap();
        let offset = text.find(body).unwrap();
        ArticleMeta::new(
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
            settings: crate::hex::encode(&hash(&Settings::of(&config("T")))),
            known: HashMap::new(),
            trusted: None,
        };
        let (a, b) = (loaded("one"), loaded("two"));
        let key = |place: &Place, tag, items: &[&ArticleMeta]| rendered.key(place, tag, items);
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
        let other = |config: Config| Rendered {
            settings: crate::hex::encode(&hash(&Settings::of(&config))),
            known: HashMap::new(),
            trusted: None,
        };
        assert_ne!(
            base,
            other(config("Other")).key(&page(1, 3), None, &[&a]),
            "other settings"
        );
        let mut summary = config("T");
        summary.feeds.content = FeedContent::Summary;
        assert_ne!(base, other(summary).key(&page(1, 3), None, &[&a]));
        let mut stylesheet = config("T");
        stylesheet.feeds.stylesheet = Stylesheet::Off;
        assert_ne!(base, other(stylesheet).key(&page(1, 3), None, &[&a]));
        // Settings that shape no document keep every key.
        let mut ping = config("T");
        ping.feeds.websub_timeout_seconds = 99;
        ping.feeds.tag_archives = true;
        assert_eq!(base, other(ping).key(&page(1, 3), None, &[&a]));
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

        // A check that fails forgets the record, even after one that passed.
        let mut rendered = Rendered::load(&config);
        rendered.checked(true);
        rendered.checked(false);
        assert!(rendered.known.is_empty() && !rendered.unchecked());
        rendered.checked(true);
        assert!(rendered.skips(&out, &page(1, 2), &key).is_none());
    }

    #[test]
    fn a_damaged_record_is_read_as_far_as_it_parses() {
        let key = "ab".repeat(32);
        let stamp = r#"{"len":1,"modified_ns":2,"inode":3}"#;
        let files = [stamp; FILE_COUNT].join(",");
        let good = format!(r#"{{"document":"archive/rss-1.xml","key":"{key}","files":[{files}]}}"#);
        let header = format!(r#"{{"format":"{FORMAT}","version":{VERSION}}}"#);
        let five = [stamp; FILE_COUNT - 1].join(",");
        let text = format!(
            "{header}\n{good}\nnonsense\n\
             {{\"document\":\"x\",\"key\":\"{key}\",\"files\":[{five}]}}\n\
             {{\"document\":\"y\",\"key\":\"short\",\"files\":[{files}]}}\n{}\n",
            good.replace("rss-1", "rss-2")
        );
        let known = parse(text.as_bytes());
        let mut paths: Vec<&String> = known.keys().collect();
        paths.sort();
        assert_eq!(paths, ["archive/rss-1.xml", "archive/rss-2.xml"]);
        assert_eq!(known["archive/rss-1.xml"].stamps[0].len(), 1);
        let other = header.replace(&format!(":{VERSION}}}"), ":99}");
        assert!(parse(format!("{other}\n{good}\n").as_bytes()).is_empty());
        assert!(parse(&b""[..]).is_empty());
    }

    /// The record herald wrote up to version 2: tab-separated text.
    #[test]
    fn a_record_of_the_old_format_is_read_as_nothing_known() {
        let key = "ab".repeat(32);
        let stamps = "1:2:3\t4:5:6\t7:8:9\t1:2:3\t4:5:6\t7:8:9";
        let old = format!("herald feed documents 2\n{key}\t{stamps}\tarchive/rss-1.xml\n");
        assert!(parse(old.as_bytes()).is_empty());
    }
}
