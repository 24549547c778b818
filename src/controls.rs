//! Control characters in text that came from outside (a subscriber's name, an address
//! from a report, a server's reply): which characters they are, and showing such text
//! with them escaped.
//!
//! A stored name holding `ESC [ 2 J` would clear the terminal of whoever runs
//! `herald subscribers list`; one holding U+202E (right-to-left override) would show
//! the rest of its line reversed. Names are refused or cleaned when they enter
//! (`crate::name`), but a database may hold text from before, and replies come from
//! other people's servers: everything herald prints from the store goes through
//! [`escape`] (text) or [`to_json`] (JSON).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is a character that controls a terminal or the direction of text
/// rather than showing as itself: C0 (U+0000 to U+001F, tab and line breaks
/// included), DEL, C1 (U+0080 to U+009F; U+009B is a one-character CSI on many
/// terminals), the bidirectional formatting characters (U+061C, U+200E, U+200F,
/// U+202A to U+202E, U+2066 to U+2069) and the line and paragraph separators U+2028
/// and U+2029.
pub(crate) fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// What kind of [control character](is_control) `c` is, for messages: "a control
/// character (U+001B)", "a bidirectional text control (U+202E)", "a line break
/// (U+000A)".
pub(crate) fn describe(c: char) -> String {
    let kind = match c {
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => "a line break",
        '\t' => "a tab",
        c if c.is_control() => "a control character",
        c if c.is_whitespace() => "a space character",
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' => "an invisible character",
        c if is_control(c) => "a bidirectional text control",
        _ => "the character",
    };
    format!("{kind} (U+{:04X})", u32::from(c))
}

/// `text` with every [control character](is_control) written as an escape: `\t`,
/// `\n`, `\r`, `\x1b` for the others up to U+00FF, `\u{202e}` above; borrowed when
/// there is none. What every command prints from the store goes through it, so
/// stored text can never reach a terminal raw.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_control(c) && u32::from(c) <= 0xFF => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_control(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text from outside in a message: in double quotes, its control characters
/// [escaped](escape).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quoted<'a>(pub &'a str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", escape(self.0))
    }
}

/// `value` as JSON (indented when `pretty`) with every [control
/// character](is_control) in a string written as a `\uXXXX` escape. serde_json escapes
/// only U+0000 to U+001F; DEL, C1 and the bidirectional controls would otherwise
/// reach the terminal raw. The JSON means the same either way.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(
    value: &T,
    pretty: bool,
) -> serde_json::Result<String> {
    let mut bytes = Vec::new();
    if pretty {
        let formatter = Escaping(serde_json::ser::PrettyFormatter::new());
        value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut bytes, formatter,
        ))?;
    } else {
        let formatter = Escaping(serde_json::ser::CompactFormatter);
        value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut bytes, formatter,
        ))?;
    }
    // The serializer writes UTF-8 only.
    Ok(String::from_utf8(bytes).expect("serde_json writes UTF-8"))
}

/// A serde_json formatter that escapes what [`is_control`] names inside strings and
/// otherwise writes as the formatter it wraps.
struct Escaping<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_control(c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            // Every control character is in the Basic Multilingual Plane.
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_shows_every_control_character_and_nothing_else() {
        let cases = [
            ("Ann Lee", "Ann Lee"),
            ("Zoë \"Z\" 李 🦀 \\x", "Zoë \"Z\" 李 🦀 \\x"),
            ("\u{1b}[2J", "\\x1b[2J"),
            ("a\tb\nc\rd", "a\\tb\\nc\\rd"),
            ("del\u{7f} csi\u{9b}31m", "del\\x7f csi\\x9b31m"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            (
                "\u{2066}x\u{2069}\u{200f}\u{61c}",
                "\\u{2066}x\\u{2069}\\u{200f}\\u{61c}",
            ),
            ("line\u{2028}sep", "line\\u{2028}sep"),
            // Not controls: no-break space, zero-width joiner (needed in some scripts).
            ("a\u{a0}b\u{200d}c", "a\u{a0}b\u{200d}c"),
        ];
        for (text, shown) in cases {
            assert_eq!(escape(text), shown, "{text:?}");
        }
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_escapes_what_serde_json_leaves_raw_and_reads_back_the_same() {
        let value = serde_json::json!({"name": "a\u{1b}b\u{7f}c\u{9b}d\u{202e}e \"q\" é"});
        for pretty in [false, true] {
            let text = to_json(&value, pretty).unwrap();
            assert!(!text.chars().any(is_control) || pretty, "{text}");
            let shown: String = text.chars().filter(|&c| c != '\n').collect();
            assert!(!shown.chars().any(is_control), "{text}");
            assert!(text.contains("a\\u001bb\\u007fc\\u009bd\\u202ee"), "{text}");
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, value);
        }
        assert_eq!(
            to_json(&serde_json::json!([1, {"a": null}]), true).unwrap(),
            serde_json::to_string_pretty(&serde_json::json!([1, {"a": null}])).unwrap()
        );
    }

    proptest::proptest! {
        /// Escaped text holds no control character, and text without one is unchanged.
        #[test]
        fn escaped_text_has_no_control_character(text in "\\PC*|[\\x00-\\x{a0}\u{202a}-\u{202e}a-z]*") {
            let shown = escape(&text);
            proptest::prop_assert!(!shown.chars().any(is_control));
            if !text.chars().any(is_control) {
                proptest::prop_assert_eq!(shown.as_ref(), text.as_str());
            }
        }
    }
}
