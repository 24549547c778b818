//! The text a report is read from: line ends made uniform, the human-readable part
//! (bounded, and cut where the returned original begins), the returned original's
//! headers, and the one-line form of a server's words.

use std::borrow::Cow;
use std::sync::LazyLock;

use mail_parser::{Message, MimeHeaders, PartType};
use regex::Regex;

use super::super::fields::{self, Block};

/// At most this much of the human-readable part is read.
pub(crate) const READ_LIMIT: usize = 64 * 1024;

/// At most this many characters of a server's words are kept.
const WORDS_LIMIT: usize = 300;

/// Where the returned original (or its headers) begins in a plain-text report.
static ORIGINAL_BEGINS: LazyLock<Regex> = LazyLock::new(|| {
    super::compiled(concat!(
        r"(?im)^[ \t>]*(?:",
        r"-+ ?(?:original message|undelivered message|the header of the original|the original message|",
        r"returned message|unsent message|original mail|message text follows|text of the original|",
        r"copy of the original|headers of the original|forwarded message)",
        r"|-* ?(?:this is a copy of the message|below this line is a copy|message headers? follows?",
        r"|the original message headers|original message headers? follows?|unsent message below",
        r"|(?:included|here) is a copy of|a copy of the (?:original )?message(?: header)?s? (?:follows|is attached|below))",
        r"|-{2,} ?[^\n]{0,40}(?:original|header|copy of|attached|returned|source mail)[^\n]{0,40}-{2,}",
        r"|(?:original message follows|the original message (?:was (?:included|attached)|headers? (?:was|were|are|is))",
        r"|original message headers?:?\s*$|\*\*\* ?attachment|------ ?original message)",
        r"|content-type: message/(?:rfc822|global)",
        r"|return-path: *<[^>]*>\s*$",
        r")",
    ))
});

/// `raw` with CR-only line ends turned into LF (mail-parser splits lines on LF only).
pub(crate) fn normalise(raw: &[u8]) -> Cow<'_, [u8]> {
    let bare_cr = raw
        .windows(2)
        .filter(|w| w[0] == b'\r' && w[1] != b'\n')
        .count()
        + usize::from(raw.last() == Some(&b'\r'));
    let lf = raw.iter().filter(|&&b| b == b'\n').count();
    if bare_cr == 0 || bare_cr < lf {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().peekable();
    while let Some(&b) = bytes.next() {
        if b == b'\r' {
            out.push(b'\n');
            if bytes.peek() == Some(&&b'\n') {
                bytes.next();
            }
        } else {
            out.push(b);
        }
    }
    Cow::Owned(out)
}

/// The human-readable text of a report: its top-level text parts (HTML as text), the
/// report parts and the returned original left out, at most [`READ_LIMIT`] bytes,
/// with LF line ends; and where in it a returned original begins (its length when
/// none does).
pub(crate) fn readable(message: &Message<'_>) -> (String, usize) {
    let mut text = String::new();
    for (index, id) in message.text_body.iter().enumerate() {
        if text.len() >= READ_LIMIT {
            break;
        }
        let Some(part) = message.parts.get(*id as usize) else {
            continue;
        };
        if !is_readable(part) {
            continue;
        }
        if let Some(body) = message.body_text(index) {
            push_bounded(&mut text, &body);
            text.push('\n');
        }
    }
    if text.trim().is_empty() {
        // A report of one part that mail-parser did not take as its text body.
        if let Some(part) = message.parts.first()
            && let PartType::Text(body) = &part.body
        {
            push_bounded(&mut text, body);
        }
    }
    let text = text.replace("\r\n", "\n");
    let cut = ORIGINAL_BEGINS
        .find_iter(&text)
        .map(|found| found.start())
        .find(|&start| start > 0)
        .unwrap_or(text.len());
    (text, cut)
}

/// Whether a text part is human-readable (not `text/rfc822-headers` or a report).
fn is_readable(part: &mail_parser::MessagePart<'_>) -> bool {
    if !matches!(part.body, PartType::Text(_) | PartType::Html(_)) {
        return false;
    }
    part.content_type().is_none_or(|ct| {
        ct.ctype().eq_ignore_ascii_case("text")
            && !ct.subtype().is_some_and(|s| {
                s.eq_ignore_ascii_case("rfc822-headers") || s.eq_ignore_ascii_case("rfc822")
            })
    })
}

/// Appends `more` to `text` up to [`READ_LIMIT`] bytes, on a character boundary.
fn push_bounded(text: &mut String, more: &str) {
    let room = READ_LIMIT.saturating_sub(text.len());
    text.push_str(prefix(more, room));
}

/// The longest prefix of `s` of at most `len` bytes that ends on a character boundary.
pub(crate) fn prefix(s: &str, len: usize) -> &str {
    if s.len() <= len {
        return s;
    }
    let mut end = len;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The longest suffix of `s` of at most `len` bytes that starts on a character
/// boundary.
pub(crate) fn tail(s: &str, len: usize) -> &str {
    if s.len() <= len {
        return s;
    }
    let mut start = s.len() - len;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// `words` on one line, whitespace collapsed, at most about 300 characters; `None`
/// when empty.
pub(crate) fn one_line(words: &str) -> Option<String> {
    let line = fields::unfold(prefix(words, WORDS_LIMIT * 4));
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let cut = line
        .char_indices()
        .nth(WORDS_LIMIT)
        .map_or(line.len(), |(i, _)| i);
    Some(line[..cut].trim_end().to_string())
}

/// The headers of the original message a report returns (`message/rfc822`,
/// `message/global` or `text/rfc822-headers`).
pub(crate) fn original_headers(message: &Message<'_>) -> Option<Block> {
    message.parts.iter().find_map(|part| match &part.body {
        PartType::Message(original) => Some(Block::from_raw(original.headers_raw())),
        PartType::Text(text)
            if part.content_type().is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case("text")
                    && ct
                        .subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
            }) =>
        {
            Some(fields::header_block(text.as_bytes()))
        }
        _ => None,
    })
}
