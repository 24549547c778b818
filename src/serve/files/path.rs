//! From a request's URI path to a path relative to `output_dir`, refusing every way out.
//!
//! Each `/`-separated segment is percent-decoded on its own, so `%2e%2e` is `..` and
//! `%2f` can never smuggle a separator in. What is left can only name something below
//! the root; symlinks are checked against the real root when a file is first read
//! (see `cache::load`).

use percent_encoding::percent_decode_str;

/// A request path that may name something below `output_dir`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RequestPath {
    /// The decoded segments joined with `/`, without a leading or trailing one; empty
    /// for the root.
    pub(crate) relative: String,
    /// Whether the request path ended with `/` (or was `/`): it asks for a folder.
    pub(crate) trailing_slash: bool,
}

/// Why a request path is refused.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) enum Refused {
    /// A `.` or `..` segment (plain or encoded), an encoded separator or NUL, or bytes
    /// that are not UTF-8: 400.
    BadRequest,
    /// A hidden file (the build lock, a temporary file being written): 404, as if it
    /// were not there.
    Hidden,
}

/// The one dotted folder a web root legitimately serves (ACME challenges, WebFinger).
const WELL_KNOWN: &str = ".well-known";

/// Parses the path part of a request target (`/a/b%20c.xml`).
pub(crate) fn parse(raw: &str) -> Result<RequestPath, Refused> {
    let rest = raw.strip_prefix('/').ok_or(Refused::BadRequest)?;
    let mut relative = String::with_capacity(rest.len());
    for segment in rest.split('/').filter(|s| !s.is_empty()) {
        let decoded = percent_decode_str(segment)
            .decode_utf8()
            .map_err(|_| Refused::BadRequest)?;
        check_segment(&decoded)?;
        if !relative.is_empty() {
            relative.push('/');
        }
        relative.push_str(&decoded);
    }
    Ok(RequestPath {
        relative,
        trailing_slash: rest.is_empty() || rest.ends_with('/'),
    })
}

/// The decoded last segment of a request path (`rss.xml` for `/tags/a/rss.xml`), what
/// says whether it asks for a feed document; `None` when there is none or it is not
/// UTF-8. Borrowed unless it was percent-encoded.
pub(crate) fn file_name(raw: &str) -> Option<std::borrow::Cow<'_, str>> {
    let last = raw.split('/').rfind(|s| !s.is_empty())?;
    percent_decode_str(last).decode_utf8().ok()
}

fn check_segment(segment: &str) -> Result<(), Refused> {
    if segment == "." || segment == ".." {
        return Err(Refused::BadRequest);
    }
    let separators: &[char] = if cfg!(windows) {
        &['/', '\\', '\0', ':']
    } else {
        &['/', '\\', '\0']
    };
    if segment.contains(separators) {
        return Err(Refused::BadRequest);
    }
    if segment.starts_with('.') && segment != WELL_KNOWN {
        return Err(Refused::Hidden);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(relative: &str, trailing_slash: bool) -> Result<RequestPath, Refused> {
        Ok(RequestPath {
            relative: relative.to_owned(),
            trailing_slash,
        })
    }

    #[test]
    fn request_paths() {
        let cases = [
            ("/", ok("", true)),
            ("/rss.xml", ok("rss.xml", false)),
            ("/blog/", ok("blog", true)),
            ("//blog//feed.json", ok("blog/feed.json", false)),
            ("/a%20b/c%C3%A9.xml", ok("a b/cé.xml", false)),
            ("/.well-known/x", ok(".well-known/x", false)),
            ("/..", Err(Refused::BadRequest)),
            ("/../etc/passwd", Err(Refused::BadRequest)),
            ("/a/../../etc/passwd", Err(Refused::BadRequest)),
            ("/%2e%2e/etc/passwd", Err(Refused::BadRequest)),
            ("/%2E%2E/etc/passwd", Err(Refused::BadRequest)),
            ("/.%2e/x", Err(Refused::BadRequest)),
            ("/./rss.xml", Err(Refused::BadRequest)),
            ("/a%2f..%2f..%2fetc", Err(Refused::BadRequest)),
            ("/..%5c..%5cetc", Err(Refused::BadRequest)),
            ("/rss.xml%00.html", Err(Refused::BadRequest)),
            ("/%ff", Err(Refused::BadRequest)),
            ("rss.xml", Err(Refused::BadRequest)),
            ("*", Err(Refused::BadRequest)),
            ("/.herald-build.lock", Err(Refused::Hidden)),
            ("/sub/.rss.xml.tmp123", Err(Refused::Hidden)),
            ("/%2eherald-build.lock", Err(Refused::Hidden)),
        ];
        for (raw, want) in cases {
            assert_eq!(parse(raw), want, "{raw}");
        }
    }
}
