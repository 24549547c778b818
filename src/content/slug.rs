//! URL-safe slugs of articles.
//!
//! Tags have a second rule set, `feed::tag_slug`, on purpose: an article's slug is its
//! URL, chosen by the author (the file name or `slug:`), so it keeps non-ASCII letters
//! as they are (`/articles/café/`) and changing the rule would move published URLs.
//! A tag's slug is a folder name derived from free text that many spellings share
//! (`Café`, `cafe`, `CAFÉ`), so it folds case and accents and writes other scripts as
//! code points: ASCII only, the same for every spelling. One rule cannot do both.

/// Lower-cases `text` and keeps letters, digits, `-` and `_`; every other run of
/// characters becomes one `-`. Non-ASCII letters are kept (URLs percent-encode them).
pub(crate) fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c);
        } else {
            pending_dash = true;
        }
    }
    slug
}

/// The slug for a file: its name without the `.md` extension; `index.md` takes its
/// folder's name (`posts/hello/index.md` is `hello`).
pub(super) fn from_path(path: &std::path::Path) -> String {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let name = if stem.eq_ignore_ascii_case("index") {
        path.parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or(stem)
    } else {
        stem
    };
    slugify(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        let cases = [
            ("Hello World", "hello-world"),
            ("  --Rust & You!-- ", "rust-you"),
            ("2024-03-15-launch", "2024-03-15-launch"),
            ("Café déjà vu", "café-déjà-vu"),
            ("snake_case", "snake_case"),
            ("???", ""),
        ];
        for (text, expected) in cases {
            assert_eq!(slugify(text), expected, "{text}");
        }
        assert_eq!(from_path("a/b/My Post.md".as_ref()), "my-post");
        assert_eq!(from_path("a/hello/index.md".as_ref()), "hello");
    }
}
