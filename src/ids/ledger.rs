//! The ids file: reading it, and writing it deterministically.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One article's recorded identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The article's file, relative to the content folder, with `/` separators.
    pub path: String,
    /// The id feeds give it.
    pub id: String,
    /// Its publish date when first recorded (used to recognise a moved file).
    pub published: DateTime<Utc>,
    /// Its title when first recorded (used to recognise a moved file).
    pub title: String,
}

/// Every recorded identity, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    /// The entries, sorted by path.
    pub articles: Vec<Entry>,
}

const HEADER: &str = "# herald-ids.yaml: the feed id each article was first published with.\n\
# herald keeps using it after a rename so feed readers show no duplicate.\n\
# Commit this file with your content; edit it only to retire an id on purpose.\n";

impl Ledger {
    /// Reads the ids file; a missing file is an empty ledger.
    ///
    /// The layout herald writes is read a line at a time, so the file's text is never
    /// held whole beside its entries (100k entries: about 19 MB of text); any other
    /// layout is read whole and given to the YAML parser.
    pub fn load(path: &Path) -> Result<Ledger> {
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
    pub fn parse(text: &str, path: &Path) -> Result<Ledger> {
        if text
            .lines()
            .all(|l| l.trim().is_empty() || l.starts_with('#'))
        {
            return Ok(Ledger::default());
        }
        if let Some(ledger) = Ledger::parse_one_per_line(text) {
            return Ok(ledger);
        }
        let mut ledger: Ledger = serde_yaml::from_str(text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            line: e.location().map(|l| l.line()),
            message: format!(
                "cannot read the ids file: {e}; restore it from version control, or delete it to start afresh (readers may then see renamed articles again)"
            ),
        })?;
        ledger.articles.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(ledger)
    }

    /// The file's text: a header comment, then the entries sorted by path, one per line.
    ///
    /// Each entry is a YAML flow mapping written with JSON quoting, so the file is plain
    /// YAML for people and tools, and herald reads its own layout back line by line with
    /// a JSON parser (about ten times faster than a YAML parser on 100k entries).
    pub fn to_yaml(&self) -> String {
        let mut sorted: Vec<&Entry> = self.articles.iter().collect();
        sorted.sort_by(|a, b| a.path.cmp(&b.path));
        let mut text = String::with_capacity(HEADER.len() + 160 * sorted.len() + 16);
        text.push_str(HEADER);
        if sorted.is_empty() {
            text.push_str("articles: []\n");
            return text;
        }
        text.push_str("articles:\n");
        let mut bytes = text.into_bytes();
        for entry in sorted {
            bytes.extend_from_slice(b"- ");
            // Serialising plain strings and a date into memory cannot fail.
            let _ = serde_json::to_writer(&mut bytes, entry);
            bytes.push(b'\n');
        }
        // serde_json writes UTF-8.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
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
                    match serde_json::from_str::<Entry>(json) {
                        Ok(entry) => articles.push(entry),
                        Err(_) => return Ok(None),
                    }
                }
            }
        }
        if header.is_none() {
            return Ok(None);
        }
        if !articles.is_sorted_by(|a: &Entry, b: &Entry| a.path < b.path) {
            articles.sort_by(|a, b| a.path.cmp(&b.path));
        }
        articles.shrink_to_fit();
        Ok(Some(Ledger { articles }))
    }

    /// The entry recorded for `path`.
    pub fn by_path(&self, path: &str) -> Option<&Entry> {
        self.articles
            .binary_search_by(|e| e.path.as_str().cmp(path))
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
        let entry = |path: &str| Entry {
            path: path.into(),
            id: format!("https://x/{path}"),
            published: Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
            title: "T: with colon".into(),
        };
        let ledger = Ledger {
            articles: vec![entry("b.md"), entry("a.md")],
        };
        let text = ledger.to_yaml();
        assert!(text.starts_with("# herald-ids.yaml"));
        let back = Ledger::parse(&text, Path::new("ids")).unwrap();
        assert_eq!(back.articles[0].path, "a.md");
        assert_eq!(back.by_path("b.md").unwrap().title, "T: with colon");
        assert_eq!(back.to_yaml(), text);
    }

    #[test]
    fn the_fast_layout_reads_like_yaml() {
        let entry = |path: &str, title: &str| Entry {
            path: path.into(),
            id: format!("https://x/{path}"),
            published: Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
            title: title.into(),
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
            Ledger::parse(edited, Path::new("x")).unwrap().articles[0].id,
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
