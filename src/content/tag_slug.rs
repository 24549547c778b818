//! A tag's folder name under `tags/`: stable, URL-safe, and the same for every spelling
//! of one tag.
//!
//! The rules, applied in this order (so the slug of a tag never changes between
//! versions: Unicode normalization is stable by Unicode's own policy):
//!
//! 1. Letters are lower-cased, then decomposed (NFKD) and their accents and other
//!    combining marks dropped: `Café` → `cafe`, `ＲＵＳＴ` → `rust`. So every spelling
//!    of one tag ([`fold`]) has the same slug.
//! 2. ASCII letters and digits are kept; `+` is `plus`, `#` is `sharp`, `&` is `and`,
//!    `@` is `at`, each a word of its own: `C++` → `c-plus-plus`, `C#` → `c-sharp`.
//! 3. Any other character that is not ASCII (another script, an emoji) is written as
//!    `u-` and its code points in lower-case hex, one run per word: `数据` →
//!    `u-6570-636e`.
//! 4. Everything else (spaces, `.`, `/`, `-`, `_` …) separates words; words are joined
//!    by one `-`.
//!
//! The result holds only `a-z`, `0-9` and single inner `-`, so it can never be `.`,
//! `..`, empty-looking or a path with a separator. A tag with nothing to keep (`/`, `.`,
//! `---`) has no slug: [`slug`] returns `None` and the caller reports it.
//!
//! Articles' slugs follow another rule, on purpose: see `content::slug`.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The slug of `tag`, or `None` when it holds nothing to name a folder with.
pub(crate) fn slug(tag: &str) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    let mut word = Word::None;
    let lower = tag.chars().flat_map(char::to_lowercase);
    for c in lower.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_ascii_alphanumeric() {
            word.push_ascii(c.to_ascii_lowercase(), &mut words);
        } else if let Some(name) = symbol_word(c) {
            word.end(&mut words);
            words.push(name.to_string());
        } else if c.is_ascii() || c.is_whitespace() {
            word.end(&mut words);
        } else {
            word.push_code_point(c, &mut words);
        }
    }
    word.end(&mut words);
    (!words.is_empty()).then(|| words.join("-"))
}

/// The key under which spellings of one tag are the same tag: the tag lower-cased, in
/// canonical composition (NFC), with runs of white space as one space and none at the
/// ends. `Rust`, `rust` and ` RUST ` are one tag; `Café` and `Cafe` are two (which
/// share a slug, so using both is reported).
pub(crate) fn fold(tag: &str) -> String {
    let lower: String = tag.nfc().flat_map(char::to_lowercase).collect();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The word written for a symbol that carries meaning in tag names.
fn symbol_word(c: char) -> Option<&'static str> {
    Some(match c {
        '+' => "plus",
        '#' => "sharp",
        '&' => "and",
        '@' => "at",
        _ => return None,
    })
}

/// The word being built.
enum Word {
    /// Between words.
    None,
    /// ASCII letters and digits.
    Ascii(String),
    /// Code points of other characters, each already written as hex.
    CodePoints(Vec<String>),
}

impl Word {
    fn push_ascii(&mut self, c: char, words: &mut Vec<String>) {
        if !matches!(self, Word::Ascii(_)) {
            self.end(words);
            *self = Word::Ascii(String::new());
        }
        if let Word::Ascii(text) = self {
            text.push(c);
        }
    }

    fn push_code_point(&mut self, c: char, words: &mut Vec<String>) {
        if !matches!(self, Word::CodePoints(_)) {
            self.end(words);
            *self = Word::CodePoints(Vec::new());
        }
        if let Word::CodePoints(points) = self {
            points.push(format!("{:x}", u32::from(c)));
        }
    }

    fn end(&mut self, words: &mut Vec<String>) {
        match std::mem::replace(self, Word::None) {
            Word::None => {}
            Word::Ascii(text) => words.push(text),
            Word::CodePoints(points) => words.push(format!("u-{}", points.join("-"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe_and_distinct() {
        let cases = [
            ("Rust", Some("rust")),
            ("rust", Some("rust")),
            ("C++", Some("c-plus-plus")),
            ("C#", Some("c-sharp")),
            ("C", Some("c")),
            ("Café", Some("cafe")),
            ("déjà vu", Some("deja-vu")),
            ("数据", Some("u-6570-636e")),
            ("Rust数据", Some("rust-u-6570-636e")),
            ("数据 科学", Some("u-6570-636e-u-79d1-5b66")),
            ("🦀", Some("u-1f980")),
            ("ＲＵＳＴ", Some("rust")),
            ("Ærø", Some("u-e6-r-u-f8")),
            ("R&D", Some("r-and-d")),
            ("web dev", Some("web-dev")),
            ("web--dev_", Some("web-dev")),
            (".NET", Some("net")),
            ("../x", Some("x")),
            ("../../etc/passwd", Some("etc-passwd")),
            ("a/b\\c", Some("a-b-c")),
            ("/", None),
            (".", None),
            ("..", None),
            ("", None),
            ("   ", None),
            ("-_-", None),
        ];
        for (tag, expected) in cases {
            assert_eq!(slug(tag).as_deref(), expected, "{tag:?}");
        }
    }

    #[test]
    fn a_slug_is_one_safe_path_component() {
        let tags = [
            "x", "../..", "a/../b", "\u{0}", "a\u{0}b", "ä̈", "١٢", "Ⅻ", "ß",
        ];
        for tag in tags {
            if let Some(slug) = slug(tag) {
                assert!(
                    slug.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                    "{tag:?} → {slug:?}"
                );
                assert!(!slug.starts_with('-') && !slug.ends_with('-'), "{slug}");
                assert!(!slug.contains("--"), "{slug}");
            }
        }
    }

    #[test]
    fn spellings_fold_to_one_tag() {
        assert_eq!(fold("Rust"), fold("rust"));
        assert_eq!(fold("  Web   Dev "), "web dev");
        // NFC: a precomposed é and e + combining acute are one tag.
        assert_eq!(fold("Caf\u{e9}"), fold("Cafe\u{301}"));
        assert_ne!(fold("Café"), fold("Cafe"));
        assert_ne!(fold("C++"), fold("C#"));
    }
}
