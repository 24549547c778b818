//! The `Name: value` field blocks of a delivery-status (RFC 3464) or feedback-report
//! (RFC 5965) part: one block per message and one per recipient, separated by blank
//! lines. Each block is read by mail-parser's header parser.

use mail_parser::MessageParser;

/// One block: its fields in order, names as written, values unfolded and trimmed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    fields: Vec<(String, String)>,
}

impl Block {
    /// The first value of `name` (compared without case).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` (compared without case).
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits `body` into its blocks; a block without any field is left out.
pub(crate) fn blocks(body: &[u8]) -> Vec<Block> {
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    let mut blocks = Vec::new();
    let mut current = String::new();
    for line in text.split('\n') {
        if line.trim().is_empty() {
            push_block(&mut blocks, &current);
            current.clear();
        } else {
            current.push_str(line);
            current.push_str("\r\n");
        }
    }
    push_block(&mut blocks, &current);
    blocks
}

fn push_block(blocks: &mut Vec<Block>, text: &str) {
    if text.is_empty() {
        return;
    }
    let block = header_block(format!("{text}\r\n").as_bytes());
    if !block.fields.is_empty() {
        blocks.push(block);
    }
}

/// The fields of one header block (e.g. `text/rfc822-headers`).
pub(crate) fn header_block(bytes: &[u8]) -> Block {
    match MessageParser::new().parse_headers(bytes) {
        Some(parsed) => Block::from_raw(parsed.headers_raw()),
        None => Block::default(),
    }
}

impl Block {
    /// This block split where a new recipient begins without the blank line before it:
    /// at a second `Final-Recipient` or `Original-Recipient` (AOL writes its
    /// recipients so).
    pub(crate) fn split_recipients(self) -> Vec<Block> {
        const NAMES: [&str; 2] = ["Final-Recipient", "Original-Recipient"];
        let mut blocks = vec![Block::default()];
        for (name, value) in self.fields {
            let current = blocks.last_mut().expect("never empty");
            let again =
                NAMES.iter().any(|n| name.eq_ignore_ascii_case(n)) && current.get(&name).is_some();
            if again {
                blocks.push(Block::default());
            }
            blocks
                .last_mut()
                .expect("never empty")
                .fields
                .push((name, value));
        }
        blocks
    }

    /// A block of raw `(name, value)` header pairs, as mail-parser gives them.
    pub(crate) fn from_raw<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Block {
        let fields = pairs
            .map(|(name, value)| (name.to_string(), unfold(value)))
            .collect();
        Block { fields }
    }
}

/// A field value on one line, spaces collapsed.
pub(crate) fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The address in a typed field such as `rfc822; ann@example.org` or
/// `<ann@example.org>`, lowercased; `None` when it does not look like one.
pub(crate) fn address(value: &str) -> Option<String> {
    let value = match value.split_once(';') {
        Some((_, rest)) => rest,
        None => value,
    };
    let value = value.trim().trim_start_matches('<').trim_end_matches('>');
    plausible(value).then(|| value.to_ascii_lowercase())
}

/// Whether `text` looks like one bare address: `x@y`, no spaces or brackets; the
/// local part may be quoted (`"a..b"@y`).
pub(crate) fn plausible(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local = match local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        Some(quoted) if !quoted.is_empty() => quoted,
        _ => local,
    };
    let bare = |part: &str| {
        !part.is_empty()
            && !part
                .contains(|c: char| c.is_whitespace() || c.is_control() || "<>,;\"()@".contains(c))
    };
    bare(local) && bare(domain) && text.len() <= 320
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_without_a_blank_line_between_them_are_split() {
        let body = b"Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.2.2\nFinal-Recipient: rfc822; b@example.org\nOriginal-Recipient: rfc822;b@example.org\nAction: failed\nStatus: 5.1.1\n";
        let split: Vec<Block> = blocks(body)
            .into_iter()
            .flat_map(Block::split_recipients)
            .collect();
        assert_eq!(split.len(), 2);
        assert_eq!(split[0].get("Status"), Some("5.2.2"));
        assert_eq!(
            split[1].get("final-recipient"),
            Some("rfc822; b@example.org")
        );
        assert_eq!(
            split[1].get("Original-Recipient"),
            Some("rfc822;b@example.org")
        );
        assert_eq!(split[1].get("Status"), Some("5.1.1"));
        let original_first = b"Original-Recipient: rfc822;a@example.org\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nOriginal-Recipient: rfc822;b@example.org\nFinal-Recipient: rfc822; b@example.org\nAction: delayed\n";
        let split = blocks(original_first).remove(0).split_recipients();
        assert_eq!(split.len(), 2);
        assert_eq!(
            split[1].get("Original-Recipient"),
            Some("rfc822;b@example.org")
        );
        assert_eq!(split[1].get("Action"), Some("delayed"));
        for one in [
            &b"Action: failed\nStatus: 5.0.0\nFinal-Recipient: rfc822; a@example.org\n"[..],
            b"Action: failed\nFinal-Recipient: rfc822; a@example.org\nOriginal-Recipient: rfc822; a@example.org\n",
        ] {
            assert_eq!(blocks(one).remove(0).split_recipients().len(), 1);
        }
    }

    #[test]
    fn blocks_split_on_blank_lines_and_unfold() {
        let body = b"Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822;\r\n  Ann@Example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\r\nFinal-Recipient: rfc822; bo@example.org\nStatus: 4.2.2\n";
        let blocks = blocks(body);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].get("reporting-mta"), Some("dns; mx.example.net"));
        assert_eq!(
            blocks[1]
                .get("Final-Recipient")
                .and_then(address)
                .as_deref(),
            Some("ann@example.org")
        );
        assert_eq!(blocks[1].get("status"), Some("5.1.1"));
        assert_eq!(blocks[2].get("STATUS"), Some("4.2.2"));
    }

    #[test]
    fn addresses_are_checked() {
        assert_eq!(address("rfc822; <a@b.c>").as_deref(), Some("a@b.c"));
        assert_eq!(address("a@b.c").as_deref(), Some("a@b.c"));
        for bad in ["rfc822; ", "x", "a b@c.d", "@b.c", "a@"] {
            assert_eq!(address(bad), None, "{bad}");
        }
    }
}
