//! How large and how deep front matter may be before the YAML parser sees it.
//!
//! The YAML parser's work per token grows with the nesting depth, so `[[[[…]]]]` nested
//! 100,000 deep took seconds to refuse. Front matter holds flat fields (text, dates, a
//! list of tags), so a cheap byte scan refuses absurd depth and size first, and every
//! input is parsed in time linear in its size.

/// The largest front matter accepted, in bytes.
pub(crate) const MAX_BYTES: usize = 1 << 20;

/// The deepest nesting accepted, counting flow (`[`, `{`) and compact block (`- `, `? `)
/// levels.
pub(crate) const MAX_DEPTH: usize = 64;

/// Front matter over a limit: the 1-based line (within the front matter) and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OverLimit {
    /// Where the limit was crossed.
    pub(crate) line: usize,
    /// What is wrong and what to do.
    pub(crate) message: String,
}

/// Checks that `yaml` is at most [`MAX_BYTES`] long.
pub(crate) fn check_size(yaml: &str) -> Result<(), OverLimit> {
    if yaml.len() <= MAX_BYTES {
        return Ok(());
    }
    Err(OverLimit {
        line: 1,
        message: format!(
            "the front matter is {} KiB, over the 1 MiB limit; front matter holds short fields \
             (text, dates, a list of tags): move long text into the body",
            yaml.len() / 1024
        ),
    })
}

/// Checks that `yaml` nests at most [`MAX_DEPTH`] levels, in one pass over its bytes.
///
/// Brackets inside quoted scalars and comments do not count. The scan errs on the
/// lenient side (a bracket inside a plain scalar counts, so 65 unclosed ones would be
/// refused, which no real title has).
pub(crate) fn check_depth(yaml: &str) -> Result<(), OverLimit> {
    let mut scan = Scan::default();
    for (index, line) in yaml.lines().enumerate() {
        if let Some(depth) = scan.line(line.as_bytes()) {
            return Err(OverLimit {
                line: index + 1,
                message: format!(
                    "front matter nests deeper than {MAX_DEPTH} levels (found {depth}); front \
                     matter holds flat fields (text, dates, a list of tags such as [ai, design])"
                ),
            });
        }
    }
    Ok(())
}

/// The state carried from line to line: open flow collections and an open quote.
#[derive(Default)]
struct Scan {
    flow: usize,
    quote: Option<u8>,
}

impl Scan {
    /// Scans one line; `Some(depth)` once the depth passes [`MAX_DEPTH`].
    fn line(&mut self, line: &[u8]) -> Option<usize> {
        let block = if self.quote.is_none() {
            compact_block_depth(line)
        } else {
            0
        };
        let mut previous = b' ';
        let mut bytes = line.iter().copied();
        while let Some(byte) = bytes.next() {
            match self.quote {
                Some(b'"') if byte == b'\\' => {
                    bytes.next();
                }
                Some(quote) if byte == quote => self.quote = None,
                Some(_) => {}
                None => match byte {
                    b'[' | b'{' => {
                        self.flow += 1;
                        if block + self.flow > MAX_DEPTH {
                            return Some(block + self.flow);
                        }
                    }
                    b']' | b'}' => self.flow = self.flow.saturating_sub(1),
                    // A quote opens a scalar only where a scalar starts.
                    b'"' | b'\''
                        if matches!(previous, b' ' | b'\t' | b'[' | b'{' | b',' | b':') =>
                    {
                        self.quote = Some(byte);
                    }
                    b'#' if matches!(previous, b' ' | b'\t') => break,
                    _ => {}
                },
            }
            previous = byte;
        }
        (block > MAX_DEPTH).then_some(block)
    }
}

/// How many compact block collections open at the start of the line (`- - x`, `? - x`).
fn compact_block_depth(line: &[u8]) -> usize {
    let mut rest = line;
    let mut depth = 0;
    loop {
        rest = trim_blanks(rest);
        match rest {
            [b'-' | b'?', b' ' | b'\t', tail @ ..] => {
                depth += 1;
                rest = tail;
            }
            _ => return depth,
        }
    }
}

fn trim_blanks(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', tail @ ..] = bytes {
        bytes = tail;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_error_line(yaml: &str) -> Option<usize> {
        check_depth(yaml).err().map(|e| e.line)
    }

    #[test]
    fn reasonable_nesting_passes() {
        let cases = [
            "tags: [a, b]\n",
            "extra: {a: {b: [1, [2, [3]]]}}\n",
            "title: 'x [[[[ y'\n",
            "title: \"a \\\" [[[[\"\n",
            "title: a # [[[[[\n",
            "list:\n  - - - a\n",
        ];
        for yaml in cases {
            assert_eq!(depth_error_line(yaml), None, "{yaml:?}");
        }
        let at_limit = format!("x: {}{}\n", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(depth_error_line(&at_limit), None);
    }

    #[test]
    fn absurd_nesting_is_refused_at_its_line() {
        let over = MAX_DEPTH + 1;
        let cases = [
            (format!("title: a\ntags: {}\n", "[".repeat(over)), 2),
            (format!("a: 1\nb: 2\nc: {}\n", "{a: ".repeat(100_000)), 3),
            (format!("x:\n{}a\n", "- ".repeat(over)), 2),
            // Split over lines, and hidden behind a word with an apostrophe.
            (
                format!("x: [don't\n{}\n", "[\n".repeat(over)),
                MAX_DEPTH + 1,
            ),
        ];
        for (yaml, line) in cases {
            assert_eq!(depth_error_line(&yaml), Some(line), "{}", &yaml[..40]);
        }
        let deep = format!("tags: {}", "[".repeat(1_000));
        let message = check_depth(&deep).unwrap_err().message;
        assert!(
            message.starts_with("front matter nests deeper than 64 levels"),
            "{message}"
        );
    }

    #[test]
    fn size_is_capped_at_one_mebibyte() {
        assert!(check_size(&"a".repeat(MAX_BYTES)).is_ok());
        let err = check_size(&"a".repeat(MAX_BYTES + 1)).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(
            err.message.contains("over the 1 MiB limit"),
            "{}",
            err.message
        );
    }
}
