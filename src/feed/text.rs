//! Text made safe for the outputs: XML-forbidden characters removed, HTML escaped.

use std::borrow::Cow;

/// Whether `c` may appear in a feed. XML 1.0 forbids C0 controls other than tab, line
/// feed and carriage return, and U+FFFE/U+FFFF; it discourages DEL and the C1 controls,
/// which feed readers show as garbage. That is the set content loading already drops
/// ([`crate::content::is_unwanted_char`]); this keeps every feed well-formed even for
/// articles built by hand.
fn is_xml_char(c: char) -> bool {
    !crate::content::is_unwanted_char(c)
}

/// `text` without the characters an XML 1.0 document cannot (or should not) contain,
/// so that every feed is well-formed whatever the articles hold.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| is_xml_char(c)).collect())
    }
}

/// Escapes `text` for HTML element content and for quoted attribute values.
pub fn escape_html(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_safe_strips_forbidden_characters_only() {
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
            assert_eq!(xml_safe(input), expected, "{input:?}");
        }
    }

    #[test]
    fn xml_safe_borrows_clean_text() {
        assert!(matches!(xml_safe("clean"), Cow::Borrowed(_)));
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
}
