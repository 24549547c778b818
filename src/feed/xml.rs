//! The bytes of XML text, attribute values and CDATA sections, for the item writers of
//! [`super::rss`] and [`super::atom`].
//!
//! Each item is written straight into its buffer, escaped once, instead of being copied
//! into the crate's structs and written by `quick-xml`. The crates stay the authority on
//! every byte: a document's head and tail are still cut out of the document the crate
//! writes with the first item, which must contain the hand-written item exactly, and
//! the tests compare every streamed document with the crate's whole document.

/// How a format writes the characters XML escapes, in text and attribute values alike:
/// for each byte, the bytes it becomes (itself, or a reference) padded to [`ENTRY`]
/// bytes, and how many of them count.
#[derive(Debug)]
pub(crate) struct Escapes {
    table: [([u8; ENTRY], u8); 256],
}

/// The bytes of one table entry: more than the longest reference (`&quot;`, six).
const ENTRY: usize = 8;

/// The longest reference a byte becomes.
const LONGEST: usize = 6;

/// Bytes escaped per step of [`Escapes::text`]: the output grows by at most
/// `LONGEST` times a block at once.
const BLOCK: usize = 256;

/// `quick-xml`'s `escape`, as the atom_syndication crate writes text and attributes.
pub(crate) static QUICK_XML: Escapes = Escapes::new(b"&lt;", b"&amp;");

/// RSS: the same with hexadecimal references for `<` and `&` (see
/// [`super::rss`]'s `push_hex_char_refs`, applied to the crate's output).
pub(crate) static HEX_REFS: Escapes = Escapes::new(b"&#x3C;", b"&#x26;");

impl Escapes {
    /// `<`, `>`, `&`, `'` and `"` written as `lt`, `&gt;`, `amp`, `&apos;` and `&quot;`.
    const fn new(lt: &[u8], amp: &[u8]) -> Self {
        let mut table = [([0; ENTRY], 1); 256];
        let mut byte = 0;
        while byte < 256 {
            table[byte].0[0] = byte as u8;
            byte += 1;
        }
        table[b'<' as usize] = entry(lt);
        table[b'>' as usize] = entry(b"&gt;");
        table[b'&' as usize] = entry(amp);
        table[b'\'' as usize] = entry(b"&apos;");
        table[b'"' as usize] = entry(b"&quot;");
        Escapes { table }
    }

    /// Appends `text` to `out` with `<`, `>`, `&`, `'` and `"` escaped.
    ///
    /// Each byte writes its whole table entry and moves on by the entry's length: no
    /// branch per byte, which escapes HTML (a reference every dozen bytes) about twice as
    /// fast as copying the runs between references.
    pub(crate) fn text(&self, out: &mut Vec<u8>, text: &str) {
        for block in text.as_bytes().chunks(BLOCK) {
            let start = out.len();
            out.resize(start + block.len() * LONGEST + ENTRY, 0);
            let mut end = start;
            for &byte in block {
                let (bytes, len) = &self.table[usize::from(byte)];
                out[end..end + ENTRY].copy_from_slice(bytes);
                end += usize::from(*len);
            }
            out.truncate(end);
        }
    }

    /// Appends `<{name}>{text}</{name}>` on a line of its own, indented by `indent`.
    pub(crate) fn element(&self, out: &mut Vec<u8>, indent: &str, name: &str, text: &str) {
        open(out, indent, name);
        self.text(out, text);
        close(out, name);
    }

    /// Appends ` {name}="{value}"`.
    pub(crate) fn attribute(&self, out: &mut Vec<u8>, name: &str, value: &str) {
        out.push(b' ');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        self.text(out, value);
        out.push(b'"');
    }
}

/// A reference padded to a table entry.
const fn entry(reference: &[u8]) -> ([u8; ENTRY], u8) {
    let mut bytes = [0; ENTRY];
    let mut at = 0;
    while at < reference.len() {
        bytes[at] = reference[at];
        at += 1;
    }
    (bytes, reference.len() as u8)
}

/// Appends a line break, `indent` and `<{name}>`.
pub(crate) fn open(out: &mut Vec<u8>, indent: &str, name: &str) {
    start_tag(out, indent, name);
    out.push(b'>');
}

/// Appends a line break, `indent` and `<{name}`, for attributes to follow.
pub(crate) fn start_tag(out: &mut Vec<u8>, indent: &str, name: &str) {
    out.push(b'\n');
    out.extend_from_slice(indent.as_bytes());
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
}

/// Appends a line break, `indent` and `</{name}>`: the end of an element holding others.
pub(crate) fn end(out: &mut Vec<u8>, indent: &str, name: &str) {
    out.push(b'\n');
    out.extend_from_slice(indent.as_bytes());
    close(out, name);
}

/// Appends `</{name}>`.
pub(crate) fn close(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

/// Appends `text` as CDATA: one section, split where `text` holds `]]>` (which would end
/// it) as `quick-xml` splits it, `]]` ending one section and `>` opening the next.
pub(crate) fn cdata(out: &mut Vec<u8>, text: &str) {
    const END: &str = "]]>";
    out.extend_from_slice(b"<![CDATA[");
    let mut rest = text;
    while let Some(at) = find(rest, END) {
        out.extend_from_slice(&rest.as_bytes()[..at + 2]);
        out.extend_from_slice(b"]]><![CDATA[");
        rest = &rest[at + 2..];
    }
    out.extend_from_slice(rest.as_bytes());
    out.extend_from_slice(b"]]>");
}

/// Where `needle` (ASCII) first occurs in `text`: a search for its first byte (which
/// the standard library does with `memchr`), then a comparison. Faster than a general
/// substring search on long HTML where the first byte is rare.
pub(crate) fn find(text: &str, needle: &str) -> Option<usize> {
    let first = char::from(*needle.as_bytes().first()?);
    let mut from = 0;
    while let Some(at) = text.get(from..)?.find(first) {
        let at = from + at;
        if text.get(at..)?.starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use quick_xml::events::{BytesCData, BytesStart, BytesText, Event};

    use super::*;

    const SAMPLES: [&str; 8] = [
        "",
        "plain",
        "<a href=\"x?a=1&b='2'\">Tom & Jerry</a>",
        "&amp; &lt; already escaped",
        "]]>",
        "a]]]>b]]>]]>c",
        "é 🦀 > < & ' \"",
        "]]",
    ];

    #[test]
    fn text_is_escaped_as_quick_xml_escapes_it() {
        // Longer than a block, so that blocks join.
        let long = SAMPLES
            .concat()
            .repeat(3 * BLOCK / SAMPLES.concat().len() + 1);
        for sample in SAMPLES.into_iter().chain([long.as_str()]) {
            let mut out = Vec::new();
            QUICK_XML.text(&mut out, sample);
            let expected = quick_xml::escape::escape(Cow::Borrowed(sample));
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{sample:?}");
        }
    }

    #[test]
    fn hex_refs_replace_only_lt_and_amp() {
        let mut out = Vec::new();
        HEX_REFS.text(&mut out, "<a b='c'>&\"</a>");
        assert_eq!(out, b"&#x3C;a b=&apos;c&apos;&gt;&#x26;&quot;&#x3C;/a&gt;");
    }

    #[test]
    fn attributes_are_escaped_as_quick_xml_writes_them() {
        for sample in SAMPLES {
            let mut element = BytesStart::new("e");
            element.push_attribute(("v", sample));
            let mut expected = Vec::new();
            quick_xml::Writer::new(&mut expected)
                .write_event(Event::Empty(element))
                .unwrap();
            let mut out = b"<e".to_vec();
            QUICK_XML.attribute(&mut out, "v", sample);
            out.extend_from_slice(b"/>");
            assert_eq!(out, expected, "{sample:?}");
        }
    }

    #[test]
    fn cdata_is_split_as_quick_xml_splits_it() {
        for sample in SAMPLES {
            let mut expected = Vec::new();
            let mut writer = quick_xml::Writer::new(&mut expected);
            for section in BytesCData::escaped(sample) {
                writer.write_event(Event::CData(section)).unwrap();
            }
            let mut out = Vec::new();
            cdata(&mut out, sample);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{sample:?}"
            );
        }
    }

    #[test]
    fn an_element_is_a_text_element_on_its_own_line() {
        let mut expected = Vec::new();
        let mut writer = quick_xml::Writer::new_with_indent(&mut expected, b' ', 2);
        writer
            .write_event(Event::Start(BytesStart::new("a")))
            .unwrap();
        writer
            .write_event(Event::Start(BytesStart::new("t")))
            .unwrap();
        writer
            .write_event(Event::Text(BytesText::new("x & y")))
            .unwrap();
        writer
            .write_event(Event::End(BytesStart::new("t").to_end()))
            .unwrap();
        let mut out = b"<a>".to_vec();
        QUICK_XML.element(&mut out, "  ", "t", "x & y");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }

    #[test]
    fn find_gives_the_first_occurrence() {
        assert_eq!(find("a]]b]]>c]]>", "]]>"), Some(4));
        assert_eq!(find("é]]>", "]]>"), Some(2));
        assert_eq!(find("]]", "]]>"), None);
        assert_eq!(find("abc", ""), None);
    }
}
