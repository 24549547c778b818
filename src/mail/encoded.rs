//! A message part encoded once per issue: the text every recipient shares is
//! quoted-printable encoded when the composer is made, and only the text that differs
//! (the unsubscribe and preferences links) is encoded per message.
//!
//! Quoted-printable text may be cut anywhere by a soft line break (`=` at the end of a
//! line), which decodes to nothing. So every piece ends with one, and the pieces join
//! into valid quoted-printable (lines of at most 76 characters) whose decoded text is
//! the pieces' text put together.

use lettre::message::{Body, header::ContentTransferEncoding};

/// Longest encoded line, not counting CRLF (RFC 2045).
const LINE_LIMIT: usize = 76;

/// A text with placeholders, encoded around them.
#[derive(Debug, Clone)]
pub(super) struct EncodedPart {
    /// The encoded text between placeholders; all but the last end with a soft break.
    pieces: Vec<Vec<u8>>,
    /// Which placeholder (an index into those given to [`EncodedPart::new`]) stands
    /// before each piece but the first.
    slots: Vec<usize>,
}

impl EncodedPart {
    /// Encodes `text`, whose line breaks become CRLF, around each of `placeholders`
    /// wherever it occurs.
    pub(super) fn new(text: &str, placeholders: &[&str]) -> Self {
        let text = crlf(text);
        let mut raw = Vec::new();
        let mut slots = Vec::new();
        let mut rest = text.as_str();
        while let Some((at, slot)) = placeholders
            .iter()
            .enumerate()
            .filter_map(|(slot, p)| Some((rest.find(p).filter(|_| !p.is_empty())?, slot)))
            .min()
        {
            raw.push(&rest[..at]);
            slots.push(slot);
            rest = &rest[at + placeholders[slot].len()..];
        }
        raw.push(rest);
        let last = raw.len() - 1;
        let pieces = raw
            .iter()
            .enumerate()
            .map(|(i, piece)| encode(piece, i < last))
            .collect();
        EncodedPart { pieces, slots }
    }

    /// The part with `values[i]` (one line each) in place of every occurrence of the
    /// `i`th placeholder.
    pub(super) fn with(&self, values: &[&str]) -> Body {
        let values: Vec<Vec<u8>> = values.iter().map(|v| encode(v, true)).collect();
        let size = self.pieces.iter().map(Vec::len).sum::<usize>()
            + self.slots.iter().map(|&s| values[s].len()).sum::<usize>();
        let mut bytes = Vec::with_capacity(size);
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                bytes.extend_from_slice(&values[self.slots[i - 1]]);
            }
            bytes.extend_from_slice(piece);
        }
        // With a placeholder at the very end, the value's soft break would end the part:
        // valid, but some decoders reject it, and it carries nothing.
        while bytes.ends_with(b"=\r\n") {
            bytes.truncate(bytes.len() - 3);
        }
        Body::dangerous_pre_encoded(bytes, ContentTransferEncoding::QuotedPrintable)
    }
}

/// Line breaks as CRLF, as a text part must have them.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\r\n");
            }
            '\n' => out.push_str("\r\n"),
            other => out.push(other),
        }
    }
    out
}

/// `text` quoted-printable encoded, ending with a soft line break when `more` follows.
fn encode(text: &str, more: bool) -> Vec<u8> {
    let mut out = quoted_printable::encode(text.as_bytes());
    if more {
        end_with_soft_break(&mut out);
    }
    out
}

/// Appends `=` CRLF, first breaking the last line if the `=` would not fit in it. The
/// break never falls inside an `=XX` escape.
fn end_with_soft_break(out: &mut Vec<u8>) {
    let line_start = out
        .windows(2)
        .rposition(|w| w == b"\r\n")
        .map_or(0, |i| i + 2);
    if out.len() - line_start >= LINE_LIMIT {
        let mut cut = line_start + LINE_LIMIT - 1;
        while cut > line_start && (out[cut - 1] == b'=' || (cut >= 2 && out[cut - 2] == b'=')) {
            cut -= 1;
        }
        out.splice(cut..cut, *b"=\r\n");
    }
    out.extend_from_slice(b"=\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MARK: &str = "@@LINK@@";
    const OTHER: &str = "@@PREFS@@";

    fn decoded(body: &Body) -> String {
        let bytes = quoted_printable::decode(body.as_ref(), quoted_printable::ParseMode::Strict)
            .expect("valid quoted-printable");
        String::from_utf8(bytes).expect("UTF-8")
    }

    fn assert_lines_fit(body: &Body) {
        let text = std::str::from_utf8(body.as_ref()).expect("ASCII");
        for line in text.split("\r\n") {
            assert!(line.len() <= LINE_LIMIT, "{} chars: {line:?}", line.len());
            assert!(line.is_ascii(), "{line:?}");
        }
        assert!(
            !text.replace("\r\n", "").contains(['\r', '\n']),
            "bare line break"
        );
    }

    #[test]
    fn the_value_replaces_every_placeholder() {
        let part = EncodedPart::new(&format!("a {MARK} b\n{MARK}\nc é"), &[MARK]);
        let body = part.with(&["https://example.com/u/abc?e=x%40y"]);
        assert_eq!(
            decoded(&body),
            "a https://example.com/u/abc?e=x%40y b\r\nhttps://example.com/u/abc?e=x%40y\r\nc é"
        );
        assert_lines_fit(&body);
    }

    proptest! {
        #[test]
        fn any_text_and_value_decode_to_the_personalised_text(
            before in "[a-z =é\n]{0,200}",
            after in "[a-z =\t€\n.]{0,200}",
            value in "[!-~]{0,120}",
        ) {
            let text = format!("{before}{MARK}{after}{MARK}");
            let body = EncodedPart::new(&text, &[MARK]).with(&[&value]);
            prop_assert_eq!(decoded(&body), crlf(&text.replace(MARK, &value)));
            assert_lines_fit(&body);
        }

        #[test]
        fn two_placeholders_each_take_their_own_value(
            before in "[a-z =é\n]{0,100}",
            between in "[a-z =\t€\n.]{0,100}",
            unsubscribe in "[!-~]{0,80}",
            preferences in "[!-~]{0,80}",
        ) {
            let text = format!("{before}{OTHER}{MARK}{between}{MARK}{OTHER}");
            let body = EncodedPart::new(&text, &[MARK, OTHER]).with(&[&unsubscribe, &preferences]);
            let expected = text.replace(MARK, &unsubscribe).replace(OTHER, &preferences);
            prop_assert_eq!(decoded(&body), crlf(&expected));
            assert_lines_fit(&body);
        }
    }
}
