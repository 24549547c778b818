//! The text helpers every output shares: which characters no output can carry, HTML
//! escaping, and one-line header text. Feeds, the digest and email all import them from
//! here, so they agree.

use std::borrow::Cow;

/// Whether `c` is a character no output can carry: a control character other than tab,
/// line feed and carriage return (C0, DEL, C1), or the noncharacters U+FFFE and U+FFFF.
/// XML 1.0 forbids or discourages them (feed readers show them as garbage), CommonMark
/// turns NUL into U+FFFD, and in email they are noise. Content, Markdown and feeds all
/// drop exactly this set.
pub(crate) fn is_unwanted_char(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// `text` without [unwanted characters](is_unwanted_char), borrowed when it has none.
/// It is also what an XML 1.0 document may contain, so every feed is well-formed
/// whatever the articles hold (even articles built by hand, not loaded).
pub(crate) fn without_unwanted(text: &str) -> Cow<'_, str> {
    if has_unwanted(text) {
        Cow::Owned(text.chars().filter(|&c| !is_unwanted_char(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Removes [unwanted characters](is_unwanted_char), then trims. Content does it once, at
/// load, which keeps feeds and email in agreement.
pub(crate) fn clean(text: &str) -> String {
    without_unwanted(text).trim().to_string()
}

/// [`clean`] for an owned value, which is kept as it is when already clean.
pub(crate) fn clean_owned(text: String) -> String {
    if text.len() == text.trim().len() && !has_unwanted(&text) {
        text
    } else {
        clean(&text)
    }
}

/// [`without_unwanted`] for an owned value (not trimmed), kept as it is when it has no
/// unwanted character.
pub(crate) fn without_unwanted_owned(text: String) -> String {
    if has_unwanted(&text) {
        without_unwanted(&text).into_owned()
    } else {
        text
    }
}

/// Whether `text` holds a character that [`is_unwanted_char`] accepts.
///
/// Every such character starts with a byte that [`may_start_unwanted`]: the scan looks
/// at bytes a block at a time (which the compiler vectorizes) and decodes a character
/// only where one of those bytes is, instead of decoding all of them.
fn has_unwanted(text: &str) -> bool {
    let mut start = 0;
    for block in text.as_bytes().chunks(64) {
        let suspect = block
            .iter()
            .fold(false, |any, &byte| any | may_start_unwanted(byte));
        if suspect {
            let unwanted = block.iter().enumerate().any(|(i, &byte)| {
                may_start_unwanted(byte)
                    && text
                        .get(start + i..)
                        .and_then(|rest| rest.chars().next())
                        .is_some_and(is_unwanted_char)
            });
            if unwanted {
                return true;
            }
        }
        start += block.len();
    }
    false
}

/// Whether `byte` can be the first byte of a character [`is_unwanted_char`] accepts: a C0
/// control other than tab, line feed and carriage return, DEL, or the UTF-8 lead byte
/// of U+0080–U+00BF (`0xC2`, for the C1 controls) or of U+F000–U+FFFF (`0xEF`, for
/// U+FFFE and U+FFFF). Such a byte always starts a character.
fn may_start_unwanted(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t' && byte != b'\n' && byte != b'\r')
        | (byte == 0x7F)
        | (byte == 0xC2)
        | (byte == 0xEF)
}

/// Escapes `text` for HTML element content and for quoted attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// Replaces every control character (CR and LF included) by a space and collapses
/// runs of whitespace, so a value can never start a new header line.
pub(crate) fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_unwanted_strips_forbidden_characters_only() {
        let cases = [
            ("plain text", "plain text"),
            ("tab\tnew\nline\r", "tab\tnew\nline\r"),
            ("a\u{0}b\u{8}c", "abc"),
            ("a\u{B}\u{C}b", "ab"),
            ("\u{E}x\u{1F}", "x"),
            ("del\u{7F} c1\u{85}\u{9F}", "del c1"),
            ("end\u{FFFE}\u{FFFF}", "end"),
            (
                "kept \u{FFFD} \u{A0} \u{10FFFF} 🦀 é",
                "kept \u{FFFD} \u{A0} \u{10FFFF} 🦀 é",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(without_unwanted(input), expected, "{input:?}");
        }
    }

    #[test]
    fn the_byte_scan_agrees_with_the_character_rule() {
        let chars = (0..0x3000u32)
            .chain(0xD000..0xD800)
            .chain(0xE000..0x1_0000)
            .chain([0x1_0000, 0x1_F980, 0x10_FFFF])
            .filter_map(char::from_u32);
        for c in chars {
            // Around the edge of a 64-byte block, and with a character on either side.
            for pad in [0, 1, 61, 62, 63, 64, 65] {
                let text = format!("{}{c}é", "a".repeat(pad));
                assert_eq!(
                    has_unwanted(&text),
                    is_unwanted_char(c),
                    "{c:?} after {pad}"
                );
            }
        }
        assert!(!has_unwanted(""));
    }

    #[test]
    fn without_unwanted_borrows_clean_text() {
        assert!(matches!(without_unwanted("clean"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_html_escapes_markup_and_quotes() {
        let cases = [
            ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
            (r#"say "hi" it's"#, "say &quot;hi&quot; it&#39;s"),
            ("&amp;", "&amp;amp;"),
            ("émoji 🎉", "émoji 🎉"),
        ];
        for (input, expected) in cases {
            assert_eq!(escape_html(input), expected, "{input:?}");
        }
    }

    #[test]
    fn one_line_drops_line_breaks() {
        assert_eq!(one_line("a\r\nBcc: x\t y\u{0}z"), "a Bcc: x y z");
    }

    #[test]
    fn clean_drops_unwanted_characters_then_trims() {
        assert_eq!(clean(" a\u{0}b\u{85} \u{1b}"), "ab");
        assert_eq!(clean("\tkept\n"), "kept");
    }
}
