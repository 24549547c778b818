//! The ids file: reading it, and writing it deterministically.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, strip_location};

/// One article's recorded identity: its file, its id, and the publish date and title it
/// was first recorded with.
///
/// The three strings share one allocation, which holds a large ids file in about
/// two thirds of the memory of three `String`s (docs/benchmark.md).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "Fields<'_>")]
pub(crate) struct RecordedId {
    /// The path, the id and the title, one after another.
    text: Box<str>,
    /// Where the path and the id end in `text`.
    ends: [u32; 2],
    /// Its publish date when first recorded (used to recognise a moved file).
    pub published: DateTime<Utc>,
}

/// An entry's fields as the ids file spells them, in this order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields<'a> {
    #[serde(borrow)]
    path: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    published: DateTime<Utc>,
    #[serde(borrow)]
    title: std::borrow::Cow<'a, str>,
}

impl From<Fields<'_>> for RecordedId {
    fn from(fields: Fields<'_>) -> Self {
        RecordedId::new(&fields.path, &fields.id, fields.published, &fields.title)
    }
}

impl Serialize for RecordedId {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        Fields {
            path: self.path().into(),
            id: self.id().into(),
            published: self.published,
            title: self.title().into(),
        }
        .serialize(serializer)
    }
}

impl RecordedId {
    /// The entry of the file at `path` (relative to the content folder, with `/`
    /// separators), published with `id` on `published` under `title`.
    ///
    /// # Panics
    /// When the path and the id together are longer than 4 GiB.
    pub(crate) fn new(path: &str, id: &str, published: DateTime<Utc>, title: &str) -> Self {
        let mut text = String::with_capacity(path.len() + id.len() + title.len());
        text.push_str(path);
        let path_end = text.len();
        text.push_str(id);
        let ends = [path_end, text.len()]
            .map(|end| u32::try_from(end).expect("an ids-file path and id under 4 GiB"));
        text.push_str(title);
        RecordedId {
            text: text.into_boxed_str(),
            ends,
            published,
        }
    }

    /// The article's file, relative to the content folder, with `/` separators.
    pub(crate) fn path(&self) -> &str {
        &self.text[..self.ends[0] as usize]
    }

    /// The id feeds give it.
    pub(crate) fn id(&self) -> &str {
        &self.text[self.ends[0] as usize..self.ends[1] as usize]
    }

    /// Its title when first recorded (used to recognise a moved file).
    pub(crate) fn title(&self) -> &str {
        &self.text[self.ends[1] as usize..]
    }
}

/// Every recorded identity, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Ledger {
    /// The entries, sorted by path.
    pub articles: Vec<RecordedId>,
}

/// Entries of room kept after those read, for new ones.
const SLACK: usize = 64;

const HEADER: &str = "# herald-ids.yaml: the feed id each article was first published with.\n\
# herald keeps using it after a rename so feed readers show no duplicate.\n\
# Commit this file with your content; edit it only to retire an id on purpose.\n";

impl Ledger {
    /// Reads the ids file; a missing file is an empty ledger.
    ///
    /// The layout herald writes is read a line at a time, so the file's text is never
    /// held whole beside its entries; any other
    /// layout is read whole and given to the YAML parser.
    pub(crate) fn load(path: &Path) -> Result<Ledger> {
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ledger::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        // A read error (or invalid UTF-8) is reported by the whole-file read below.
        let reader = std::io::BufReader::with_capacity(64 * 1024, file);
        if let Ok(Some(ledger)) = Ledger::read_one_per_line(reader) {
            return Ok(ledger);
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Ledger::parse(&text, path)
    }

    /// Parses the ids file's text (`path` is for messages).
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Ledger> {
        if text
            .lines()
            .all(|l| l.trim().is_empty() || l.starts_with('#'))
        {
            return Ok(Ledger::default());
        }
        if let Some(ledger) = Ledger::parse_one_per_line(text) {
            return Ok(ledger);
        }
        let mut ledger: Ledger = serde_yaml::from_str(text).map_err(|e| Error::IdsFile {
            path: path.to_path_buf(),
            line: e.location().map(|l| l.line()),
            message: format!(
                "cannot read the ids file: {}; restore it from version control, or delete it to start afresh (readers may then see renamed articles again)",
                strip_location(&e.to_string())
            ),
        })?;
        ledger.articles.sort_by(|a, b| a.path().cmp(b.path()));
        Ok(ledger)
    }

    /// The file's text: a header comment, then the entries sorted by path, one per line.
    ///
    /// Each entry is a YAML flow mapping written with JSON quoting, so the file is plain
    /// YAML for people and tools, and herald reads its own layout back line by line with
    /// a JSON parser, much faster than a YAML parser on a large file (docs/benchmark.md).
    #[cfg(test)]
    pub(crate) fn to_yaml(&self) -> String {
        let mut bytes = Vec::with_capacity(HEADER.len() + 160 * self.articles.len() + 16);
        // Appending to memory cannot fail.
        let _ = self.write_yaml(|chunk| {
            bytes.extend_from_slice(chunk);
            Ok(())
        });
        // serde_json writes UTF-8.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// [`Ledger::to_yaml`]'s text, handed to `write` a chunk of about 64 KB at a time,
    /// so that a large ids file is never held whole; stops at `write`'s first error.
    pub(crate) fn write_yaml(&self, mut write: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
        const CHUNK: usize = 64 * 1024;
        let mut sorted: Vec<&RecordedId> = self.articles.iter().collect();
        // Kept sorted by path already, except by a library user's hand.
        if !sorted.is_sorted_by(|a, b| a.path() <= b.path()) {
            sorted.sort_by(|a, b| a.path().cmp(b.path()));
        }
        let mut bytes = Vec::with_capacity(CHUNK + 1024);
        bytes.extend_from_slice(HEADER.as_bytes());
        if sorted.is_empty() {
            bytes.extend_from_slice(b"articles: []\n");
            return write(&bytes);
        }
        bytes.extend_from_slice(b"articles:\n");
        for entry in sorted {
            bytes.extend_from_slice(b"- ");
            // Serialising plain strings and a date into memory cannot fail.
            let _ = serde_json::to_writer(&mut bytes, entry);
            bytes.push(b'\n');
            if bytes.len() >= CHUNK {
                write(&bytes)?;
                bytes.clear();
            }
        }
        write(&bytes)
    }

    /// Reads the layout [`Ledger::to_yaml`] writes; `None` when the file has been edited
    /// into any other (valid or not) YAML shape, which the YAML parser then handles.
    fn parse_one_per_line(text: &str) -> Option<Ledger> {
        Ledger::read_one_per_line(text.as_bytes()).ok().flatten()
    }

    /// [`Ledger::parse_one_per_line`] from a reader, a line at a time.
    fn read_one_per_line(mut reader: impl std::io::BufRead) -> std::io::Result<Option<Ledger>> {
        let mut line = String::new();
        let mut header = None;
        let mut articles = Vec::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                break;
            }
            // As `str::lines` splits: at `\n`, without a `\r` before it.
            let text = line.strip_suffix('\n').unwrap_or(&line);
            let text = text.strip_suffix('\r').unwrap_or(text);
            if text.trim().is_empty() || text.starts_with('#') {
                continue;
            }
            match header {
                None => match text.trim_end() {
                    "articles: []" => header = Some(false),
                    "articles:" => header = Some(true),
                    _ => return Ok(None),
                },
                // Anything after `articles: []` is another layout.
                Some(false) => return Ok(None),
                Some(true) => {
                    let Some(json) = text.strip_prefix("- ").filter(|j| j.starts_with('{')) else {
                        return Ok(None);
                    };
                    match serde_json::from_str::<RecordedId>(json) {
                        Ok(entry) => articles.push(entry),
                        Err(_) => return Ok(None),
                    }
                }
            }
        }
        if header.is_none() {
            return Ok(None);
        }
        if !articles.is_sorted_by(|a: &RecordedId, b: &RecordedId| a.path() < b.path()) {
            articles.sort_by(|a, b| a.path().cmp(b.path()));
        }
        // Room for a build's few new articles: growing a long list by one
        // would copy it, holding it twice for a moment.
        articles.shrink_to(articles.len() + SLACK);
        Ok(Some(Ledger { articles }))
    }

    /// The entry recorded for `path`.
    pub(crate) fn by_path(&self, path: &str) -> Option<&RecordedId> {
        self.articles
            .binary_search_by(|e| e.path().cmp(path))
            .ok()
            .map(|i| &self.articles[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn round_trips_sorted_with_a_header() {
        let entry = |path: &str| {
            RecordedId::new(
                path,
                &format!("https://x/{path}"),
                Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
                "T: with colon",
            )
        };
        let ledger = Ledger {
            articles: vec![entry("b.md"), entry("a.md")],
        };
        let text = ledger.to_yaml();
        assert!(text.starts_with("# herald-ids.yaml"));
        let back = Ledger::parse(&text, Path::new("ids")).unwrap();
        assert_eq!(back.articles[0].path(), "a.md");
        assert_eq!(back.by_path("b.md").unwrap().title(), "T: with colon");
        assert_eq!(back.to_yaml(), text);
    }

    #[test]
    fn the_fast_layout_reads_like_yaml() {
        let entry = |path: &str, title: &str| {
            RecordedId::new(
                path,
                &format!("https://x/{path}"),
                Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
                title,
            )
        };
        let ledger = Ledger {
            articles: vec![
                entry("a.md", "Quote \" and: colon # hash"),
                entry("b.md", "émoji 🎉 'x'"),
            ],
        };
        let text = ledger.to_yaml();
        let by_yaml: Ledger = serde_yaml::from_str(&text).unwrap();
        assert_eq!(by_yaml, ledger, "{text}");
        assert_eq!(Ledger::parse_one_per_line(&text).unwrap(), ledger);
        let empty = Ledger::default().to_yaml();
        assert_eq!(
            Ledger::parse(&empty, Path::new("x")).unwrap(),
            Ledger::default()
        );
        // A hand-edited block layout still reads, through the YAML parser.
        let edited = "articles:\n  - path: a.md\n    id: x\n    published: 2024-01-02T03:04:05Z\n    title: T\n";
        assert!(Ledger::parse_one_per_line(edited).is_none());
        assert_eq!(
            Ledger::parse(edited, Path::new("x")).unwrap().articles[0].id(),
            "x"
        );
    }

    #[test]
    fn a_damaged_file_is_an_error_naming_it() {
        let err = Ledger::parse("articles: [{path: 1}]", Path::new("herald-ids.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("herald-ids.yaml"), "{err}");
        assert!(err.contains("restore it"), "{err}");
    }
}
