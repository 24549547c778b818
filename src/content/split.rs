//! Splitting a file into its YAML front matter and its Markdown body.

/// A file cut at its `---` fences.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    /// The YAML between the fences.
    pub front_matter: &'a str,
    /// 1-based line of the first YAML line in the file.
    pub front_matter_line: usize,
    /// Everything after the closing fence.
    pub body: &'a str,
}

/// Why a file could not be split; each carries the line and how to fix it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SplitError {
    /// 1-based line of the problem.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// Cuts `text` into front matter and body.
pub(crate) fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(SplitError {
            line: 1,
            message: "the file is empty; an article starts with front matter between `---` lines \
                      (at least title and publish_date), then the Markdown body"
                .into(),
        });
    }
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or_default();
    if first.trim_end() != "---" {
        return Err(SplitError {
            line: 1,
            message: "no front matter: the file must start with a `---` line, then YAML fields \
                      (title, publish_date, …), then a closing `---`"
                .into(),
        });
    }
    let start = first.len();
    let mut offset = start;
    for line in lines {
        if matches!(line.trim_end(), "---" | "...") {
            return Ok(Split {
                front_matter: &text[start..offset],
                front_matter_line: 2,
                body: &text[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err(SplitError {
        line: 1,
        message: "the front matter opened here is never closed; did you forget the closing `---` \
                  line after the last field?"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let cases = [
            ("---\ntitle: a\n---\nbody\n", "title: a\n", "body\n"),
            ("\u{feff}---\ntitle: a\n---\n", "title: a\n", ""),
            ("---\r\ntitle: a\r\n---\r\nbody", "title: a\r\n", "body"),
            ("---\ntitle: a\n...\nbody", "title: a\n", "body"),
            ("---\n---\nbody", "", "body"),
            ("---\ntitle: a\n---", "title: a\n", ""),
        ];
        for (text, front_matter, body) in cases {
            let split = split(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
            assert_eq!(
                (split.front_matter, split.body),
                (front_matter, body),
                "{text:?}"
            );
        }
    }

    #[test]
    fn explains_what_is_missing() {
        let cases = [
            ("", "the file is empty"),
            ("  \n\n", "the file is empty"),
            ("title: a\n", "no front matter"),
            ("# Heading\n---\n", "no front matter"),
            ("---\ntitle: a\nbody\n", "did you forget the closing `---`"),
        ];
        for (text, expected) in cases {
            let err = split(text).unwrap_err();
            assert!(err.message.contains(expected), "{text:?}: {}", err.message);
            assert_eq!(err.line, 1);
        }
    }
}
