//! JSON Feed 1.1 (`feed.json`).
//!
//! serde_json writes each document's head and tail (see [`super::document`]); each item
//! is written by hand ([`write_item`]), its strings escaped once, eight bytes at a time,
//! straight into the item's buffer. serde_json stays the authority on every byte: the
//! first item of every document must be found exactly in serde_json's document, and the
//! tests compare the escapes and whole streamed documents with serde_json's.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::JSON_FILE;
use super::document::{Format, Fragment};
use super::item::Item;
use super::site::Site;
use crate::config::Config;
#[cfg(test)]
use crate::content::Article;
use crate::error::{Error, Result};

/// The `version` of the JSON Feed format written.
pub(crate) const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// The top-level JSON Feed object.
#[derive(Debug, Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    /// The next older archive page: following `next_url` from `feed.json` meets every
    /// published article once.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    items: Vec<JsonItem<'a>>,
}

/// A `hubs[]` entry: a WebSub hub.
#[derive(Debug, Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

/// One `items[]` entry.
#[derive(Debug, Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
}

/// An `authors[]` entry.
#[derive(Debug, Serialize)]
struct Author<'a> {
    name: &'a str,
}

/// Renders `items` (in the given order) as a pretty-printed JSON Feed 1.1 document.
#[cfg(test)]
pub(crate) fn render(config: &Config, items: &[&Article]) -> Result<String> {
    let site = Site::new(config, items);
    let options = super::stream::Options::of(config, &site.place);
    super::stream::to_string(&Json::new(config, &site)?, items, options)
}

/// JSON Feed 1.1 for one site, as a [`Format`].
#[derive(Debug)]
pub(crate) struct Json {
    site: Site,
    /// The feed's current document: an archive page names its feed, not itself.
    feed_url: String,
    /// The next older archive page.
    next_url: Option<String>,
}

impl Json {
    /// The format for `site`; fails if the feed's URL cannot be made.
    pub(crate) fn new(config: &Config, site: &Site) -> Result<Self> {
        let links = site.place.links(config, JSON_FILE)?;
        Ok(Json {
            feed_url: links.current.into(),
            next_url: links.prev_archive.map(String::from),
            site: site.clone(),
        })
    }
}

impl Format for Json {
    fn file(&self) -> &'static str {
        JSON_FILE
    }

    fn separator(&self) -> &'static [u8] {
        b","
    }

    fn document(&self, items: &[Item<'_>]) -> Result<Vec<u8>> {
        let site = &self.site;
        let feed = Feed {
            version: VERSION,
            title: &site.title,
            home_page_url: &site.home,
            feed_url: &self.feed_url,
            description: &site.description,
            language: site.language.as_deref(),
            authors: site.author.as_deref().map(author).into_iter().collect(),
            hubs: site
                .hub
                .as_deref()
                .map(|url| Hub {
                    kind: "WebSub",
                    url,
                })
                .into_iter()
                .collect(),
            next_url: self.next_url.as_deref(),
            items: items.iter().map(item).collect(),
        };
        let mut json = serde_json::to_vec_pretty(&feed).map_err(fail)?;
        json.push(b'\n');
        Ok(json)
    }

    /// The item written by [`write_item`], as serde_json writes it in the document.
    fn fragment(&self, one: &Item<'_>) -> Result<Fragment> {
        let mut out =
            Vec::with_capacity(one.html_len() + one.html_len() / 8 + one.teaser.len() + 1024);
        write_item(&mut out, &item(one));
        Ok(Fragment::whole(out))
    }
}

/// Appends `entry` exactly as serde_json pretty-prints it in [`Feed`]'s `items` (from
/// the line break before its `{` to its `}`), escaping each string once, straight
/// into `out`.
fn write_item(out: &mut Vec<u8>, entry: &JsonItem<'_>) {
    out.extend_from_slice(b"\n    {");
    let mut fields = Fields { out, first: true };
    fields.string("id", entry.id);
    fields.string("url", entry.url);
    fields.string("title", entry.title);
    let optional = [
        ("summary", entry.summary),
        ("content_html", entry.content_html),
        ("content_text", entry.content_text),
        ("image", entry.image),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            fields.string(name, value);
        }
    }
    fields.string("date_published", &entry.date_published);
    fields.string("date_modified", &entry.date_modified);
    if !entry.authors.is_empty() {
        let out = fields.key("authors");
        for (n, author) in entry.authors.iter().enumerate() {
            element(out, n, FIELD);
            out.extend_from_slice(b"{\n          \"name\": ");
            string(out, author.name);
            out.extend_from_slice(b"\n        }");
        }
        close(out, FIELD, b']');
    }
    if !entry.tags.is_empty() {
        let out = fields.key("tags");
        for (n, tag) in entry.tags.iter().enumerate() {
            element(out, n, FIELD);
            string(out, tag);
        }
        close(out, FIELD, b']');
    }
    close(fields.out, "    ", b'}');
}

/// The indentation of an item's fields (the item is at depth 2 of the document).
const FIELD: &str = "      ";

/// The fields of one item, written one after the other.
struct Fields<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl Fields<'_> {
    /// Starts the field `name`, after a comma unless it is the first: its line, its
    /// indentation and its key.
    fn key(&mut self, name: &str) -> &mut Vec<u8> {
        let start: &[u8] = if self.first { b"\n" } else { b",\n" };
        self.first = false;
        self.out.extend_from_slice(start);
        self.out.extend_from_slice(FIELD.as_bytes());
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\": ");
        self.out
    }

    /// Appends the field `name` holding the string `value`.
    fn string(&mut self, name: &str, value: &str) {
        let out = self.key(name);
        string(out, value);
    }
}

/// Starts the `n`th element of an array whose key is indented by `indent`.
fn element(out: &mut Vec<u8>, n: usize, indent: &str) {
    out.extend_from_slice(if n == 0 { b"[\n" } else { b",\n" });
    out.extend_from_slice(indent.as_bytes());
    out.extend_from_slice(b"  ");
}

/// Ends an array or object whose key is indented by `indent` with `bracket`, on a
/// line of its own.
fn close(out: &mut Vec<u8>, indent: &str, bracket: u8) {
    out.push(b'\n');
    out.extend_from_slice(indent.as_bytes());
    out.push(bracket);
}

/// Appends `text` as a JSON string, quotes included, escaped as serde_json escapes it:
/// `"` and `\` with a backslash, the C0 controls as `\b`, `\t`, `\n`, `\f`, `\r` or
/// `\u00xx`, everything else as it is.
///
/// The text is looked at eight bytes at a time: a word without such a byte (most of
/// an article's HTML, which has a line break or an attribute's quote every few dozen
/// bytes) is passed over in one step, and copied with its neighbours in one run.
fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut run, mut at) = (0, 0);
    while at < bytes.len() {
        let first = match bytes.get(at..at + 8) {
            Some(word) => {
                let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
                match escaped_bytes(word) {
                    0 => {
                        at += 8;
                        continue;
                    }
                    mask => at + mask.trailing_zeros() as usize / 8,
                }
            }
            None if needs_escape(bytes[at]) => at,
            None => {
                at += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[run..first]);
        escape(out, bytes[first]);
        at = first + 1;
        run = at;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Whether a JSON string escapes `byte`.
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// The bytes of `word` (little-endian) that need escaping, each marked by its high
/// bit. Above the first such byte a mark may be false (a borrow carries into the next
/// byte); the lowest mark is always exact, which is all [`string`] reads.
fn escaped_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    below_space | zero(word ^ (ONES * u64::from(b'"'))) | zero(word ^ (ONES * u64::from(b'\\')))
}

/// Appends the escape of `byte`, one that [`needs_escape`].
fn escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x09 => b't',
        0x0A => b'n',
        0x0C => b'f',
        0x0D => b'r',
        _ => {
            let hex = [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xF)]];
            out.extend_from_slice(b"\\u00");
            out.extend_from_slice(&hex);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

fn fail(error: serde_json::Error) -> Error {
    Error::Feed {
        file: JSON_FILE,
        source: Box::new(error),
    }
}

fn item<'a>(item: &'a Item<'_>) -> JsonItem<'a> {
    let article = item.article;
    JsonItem {
        id: &item.id,
        url: article.url.as_str(),
        title: &item.title,
        summary: item.summary.as_deref(),
        content_html: item.html.as_deref(),
        // JSON Feed requires content_html or content_text.
        content_text: item.html.is_none().then_some(item.teaser.as_str()),
        image: article.hero_image.as_ref().map(url::Url::as_str),
        date_published: rfc3339(article.published),
        date_modified: rfc3339(article.modified()),
        authors: item.author.as_deref().map(author).into_iter().collect(),
        tags: &item.tags,
    }
}

fn author(name: &str) -> Author<'_> {
    Author { name }
}

/// RFC 3339 in UTC with a `Z`: `2024-03-15T09:30:00Z`.
pub(crate) fn rfc3339(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json's string, the oracle.
    fn serde(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    fn ours(text: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_ascii_character_is_escaped_as_serde_json_escapes_it() {
        for byte in 0..=0x7F_u8 {
            let c = char::from(byte);
            // Alone, in the tail after a clean word, and inside a word.
            for text in [
                c.to_string(),
                format!("abcdefgh{c}"),
                format!("ab{c}defghijk"),
            ] {
                assert_eq!(ours(&text), serde(&text), "{byte:#04x}");
            }
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let samples = [
            "",
            "plain words, longer than one word of eight bytes",
            "<p class=\"x\">a \\ b</p>\n<p>c</p>\n",
            "\"\"\"\"\"\"\"\"\"",
            "é🦀\u{7F}\u{80}\u{FFFE} and \u{1}\u{1F}\u{0}",
            "\n\r\t\u{8}\u{C}",
            "12345678\"2345678\\",
        ];
        for sample in samples {
            assert_eq!(ours(sample), serde(sample), "{sample:?}");
        }
        // Every offset of one special byte among clean ones, across word boundaries.
        for len in 0..24 {
            for at in 0..len {
                let mut text = "x".repeat(len);
                text.replace_range(at..=at, "\"");
                assert_eq!(ours(&text), serde(&text), "{len} {at}");
            }
        }
    }

    #[test]
    fn the_lowest_mark_of_a_word_is_its_first_byte_to_escape() {
        for (text, first) in [
            (*b"abcdefgh", None),
            (*b"\x1f\"abcdef", Some(0)),
            (*b"ab\"\"\x01\\\x00z", Some(2)),
            (*b"abcdefg\\", Some(7)),
            (*b"\xff\xfe\x80 !#[]", None),
        ] {
            let mask = escaped_bytes(u64::from_le_bytes(text));
            let found = (mask != 0).then(|| mask.trailing_zeros() as usize / 8);
            assert_eq!(found, first, "{text:?}");
        }
    }
}
