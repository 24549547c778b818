//! Joining the plain relative references articles link with (`../other/`, `/tags/x/`,
//! `img/a.png`, `#notes`) without running the URL parser.
//!
//! [`url::Url::join`] is the way herald resolves a reference; this is a shortcut for the
//! references it would not change: made only of bytes that no part of a URL
//! percent-encodes or reads specially, against an http(s) base. For those, the URL
//! Standard's answer is the base up to its path, then the merged path with its dot
//! segments removed, then the fragment as written, and that is all this builds. Anything
//! else (a query, `//`, `%`, `\`, spaces, non-ASCII …) returns `None` and goes to the
//! parser. A property test holds the shortcut to the parser's answer.
//!
//! It earns its place by the numbers: in the default 10k build, `Url::join` took about
//! 6 % of the CPU (docs/benchmark.md, "Issue 23, plain links joined by hand").

/// Whether the URL parser leaves byte `b` of a path or fragment as it is: ASCII letters
/// and digits, and `-`, `.`, `_`, `~` (the RFC 3986 unreserved set). `/` is handled as
/// the separator.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// `reference` (trimmed, without a scheme) resolved against `base` the way
/// [`url::Url::join`] would, when both are plain enough to do it by hand; `None` means
/// "ask the parser".
pub(super) fn join(reference: &str, base: &url::Url) -> Option<String> {
    if !matches!(base.scheme(), "http" | "https") {
        return None;
    }
    let (path, fragment) = match reference.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (reference, None),
    };
    let plain = |part: &str| part.bytes().all(|b| b == b'/' || is_plain(b));
    if path.starts_with("//") || !plain(path) || !fragment.is_none_or(plain) {
        return None;
    }
    let mut out = String::with_capacity(base.as_str().len() + reference.len() + 1);
    if path.is_empty() {
        // `#notes`: the base, its query kept, with the new fragment.
        out.push_str(&base[..url::Position::AfterQuery]);
    } else {
        out.push_str(&base[..url::Position::BeforePath]);
        let root = out.len();
        let segments = match path.strip_prefix('/') {
            Some(absolute) => absolute,
            None => {
                // The base's path without its last segment; it holds no dot segments
                // (the parser removed them), so it is copied as it is.
                let base_path = base.path();
                out.push_str(&base_path[..base_path.rfind('/').unwrap_or(0)]);
                path
            }
        };
        push_segments(&mut out, root, segments);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    Some(out)
}

/// Appends each `/`-separated segment of `segments` to the path that `out` ends with
/// (from byte `root`, where the origin ends), as the URL Standard's path state does:
/// `..` drops the last segment (never the origin), `.` is dropped, and either one at
/// the end leaves the path ending in `/`.
fn push_segments(out: &mut String, root: usize, segments: &str) {
    let mut rest = segments.split('/').peekable();
    while let Some(segment) = rest.next() {
        let last = rest.peek().is_none();
        match segment {
            ".." => {
                let cut = out[root..].rfind('/').map_or(root, |i| root + i);
                out.truncate(cut);
                if last {
                    out.push('/');
                }
            }
            "." => {
                if last {
                    out.push('/');
                }
            }
            _ => {
                out.push('/');
                out.push_str(segment);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASES: [&str; 6] = [
        "https://example.com/",
        "https://example.com/blog/articles/hello/",
        "http://example.com:8080/a/b.html",
        "https://example.com/a/b/?q=1#top",
        "https://user:pw@example.com/x/y",
        "https://例え.jp/記事/a/",
    ];

    #[test]
    fn plain_references_join_as_the_parser_joins_them() {
        let references = [
            "../other/",
            "/about",
            "img/a.png",
            "#top",
            "#",
            "..",
            ".",
            "./",
            "../../../../..",
            "./a/./b/.",
            "a//b/../c",
            "/..",
            "/.",
            "x#",
            "../p1/#sec-2",
            "~me/.hidden",
        ];
        for base in BASES {
            let base = url::Url::parse(base).unwrap();
            for reference in references {
                let expected = base.join(reference).unwrap();
                assert_eq!(
                    join(reference, &base).as_deref(),
                    Some(expected.as_str()),
                    "{reference:?} against {base}"
                );
            }
        }
    }

    #[test]
    fn anything_else_goes_to_the_parser() {
        let base = url::Url::parse("https://example.com/a/").unwrap();
        for reference in [
            "//other.example/x",
            "a?b=c",
            "a%20b",
            "a\\b",
            "a b",
            "é",
            "#a#b",
            "#a b",
        ] {
            assert_eq!(join(reference, &base), None, "{reference:?}");
        }
        let file = url::Url::parse("file:///c:/a/").unwrap();
        assert_eq!(join("../x", &file), None);
    }

    proptest::proptest! {
        /// Whatever the shortcut answers, the parser answers too.
        #[test]
        fn the_shortcut_is_the_parsers_answer(
            base in 0..BASES.len(),
            reference in "([a./#?%~_-]|\\.\\.|/|é| ){0,14}",
        ) {
            let base = url::Url::parse(BASES[base]).unwrap();
            if let Some(joined) = join(&reference, &base) {
                let expected = base.join(&reference).unwrap();
                proptest::prop_assert_eq!(joined, expected.as_str(), "{:?}", reference);
            }
        }
    }
}
