//! Resolving relative URLs against an article's own URL.

use lol_html::{RewriteStrSettings, element, rewrite_str};

use super::anchors::Anchors;

/// Attributes whose value is a single URL.
const URL_ATTRIBUTES: [&str; 5] = ["href", "src", "poster", "cite", "action"];

/// Resolves `reference` against `base`. Returns `None` when it is already absolute (it
/// starts with a scheme), is empty, or cannot be resolved (it is then left as written).
pub(super) fn resolve(reference: &str, base: &url::Url) -> Option<String> {
    let trimmed = reference.trim();
    if trimmed.is_empty() || has_scheme(trimmed) {
        return None;
    }
    super::plain_join::join(trimmed, base).or_else(|| base.join(trimmed).ok().map(String::from))
}

/// Whether `reference` starts with a scheme (`https:`, `mailto:` …) as the URL Standard
/// reads one: after leading control characters and spaces, ignoring tabs and line
/// breaks, a letter, then letters, digits, `+`, `-` or `.`, then `:`. Only such a
/// reference can parse without a base, so anything else is relative; one with a scheme
/// is left as its author wrote it, without parsing it whole.
fn has_scheme(reference: &str) -> bool {
    let mut bytes = reference
        .bytes()
        .filter(|b| !matches!(b, b'\t' | b'\n' | b'\r'))
        .skip_while(|b| *b <= b' ');
    if !bytes.next().is_some_and(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    for b in bytes {
        match b {
            b':' => return true,
            b'+' | b'-' | b'.' => {}
            _ if b.is_ascii_alphanumeric() => {}
            _ => return false,
        }
    }
    false
}

/// What the Markdown pass noticed about an article's raw HTML.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RawHtml {
    /// The article holds raw HTML (which pulldown-cmark passes through untouched).
    pub(crate) present: bool,
    /// That raw HTML may declare ids (`id=`, `name=`): same-document links are then
    /// scoped to the article along with the ids.
    pub(crate) declares_ids: bool,
}

/// Rewrites the raw HTML's attributes in one pass: every URL attribute (and `srcset`)
/// made absolute, every author's `id` (and `<a name>`) scoped with `anchors`, and, when
/// the raw HTML declares ids, every same-document `#fragment` link (raw, or Markdown
/// already made absolute) scoped the same way. Ids and links already scoped (footnotes)
/// are kept as they are.
pub(crate) fn rewrite_html(
    html: &str,
    base: &url::Url,
    anchors: Anchors<'_>,
    raw: RawHtml,
) -> String {
    let selector = "[href], [src], [poster], [cite], [action], [srcset], [id], a[name]";
    let handler = element!(selector, |el| {
        for name in ["id", "name"] {
            if name == "name" && el.tag_name() != "a" {
                continue;
            }
            if let Some(value) = el.get_attribute(name)
                && let Some(scoped) = anchors.scoped(&value)
            {
                el.set_attribute(name, &scoped)?;
            }
        }
        for name in URL_ATTRIBUTES {
            if let Some(value) = el.get_attribute(name)
                && let Some(rewritten) = fragment(&value, base)
                    .and_then(|id| scoped_link(id, anchors, raw))
                    .or_else(|| resolve(&value, base))
            {
                el.set_attribute(name, &rewritten)?;
            }
        }
        if let Some(srcset) = el.get_attribute("srcset") {
            el.set_attribute("srcset", &resolve_srcset(&srcset, base))?;
        }
        Ok(())
    });
    let settings = RewriteStrSettings::new()
        .with_strict(false)
        .with_enable_esi_tags(false)
        .append_element_content_handler(handler);
    // The rewriter only fails on its own memory limits or handler errors; in that case
    // keep the fragment as rendered rather than dropping the article.
    rewrite_str(html, settings).unwrap_or_else(|_| html.to_string())
}

/// The id a same-document link points at: `#id` as written, or `base#id` (a Markdown
/// link, made absolute already). `None` for any other URL, and for a bare `#`.
fn fragment<'v>(value: &'v str, base: &url::Url) -> Option<&'v str> {
    let value = value.trim();
    let id = match value.strip_prefix('#') {
        Some(id) => id,
        None => value.strip_prefix(base.as_str())?.strip_prefix('#')?,
    };
    (!id.is_empty()).then_some(id)
}

/// Where a same-document link to `id` should point when it stays in the item: kept when
/// the id is scoped already (a footnote), scoped when the raw HTML declares ids. `None`
/// otherwise: the link then points at the article's page, like any relative link.
fn scoped_link(id: &str, anchors: Anchors<'_>, raw: RawHtml) -> Option<String> {
    if anchors.owns(id) {
        Some(format!("#{id}"))
    } else if raw.declares_ids {
        Some(format!("#{}", anchors.id(id)))
    } else {
        None
    }
}

/// `srcset` is a comma-separated list of `URL [descriptor]` candidates.
fn resolve_srcset(srcset: &str, base: &url::Url) -> String {
    srcset
        .split(',')
        .map(|candidate| {
            let candidate = candidate.trim();
            let (url, descriptor) = candidate.split_once(' ').unwrap_or((candidate, ""));
            let url = resolve(url, base).unwrap_or_else(|| url.to_string());
            if descriptor.is_empty() {
                url
            } else {
                format!("{url} {}", descriptor.trim())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheme_is_read_as_the_url_parser_reads_it() {
        let absolute = [
            "https://example.com/x",
            "mailto:me@example.com",
            "HTTP://EXAMPLE.COM",
            "c:/x",
            "a+b-c.d:rest",
            "\u{1} https://example.com",
            "ht\ttp\ns:x",
        ];
        let relative = [
            "/x", "../x", "#x", "x", "a b:c", "1a:b", ":x", "-a:b", "a/b:c", "é:x", "",
        ];
        for reference in absolute {
            assert!(has_scheme(reference), "{reference:?}");
            assert!(url::Url::parse(reference).is_ok(), "{reference:?}");
        }
        for reference in relative {
            assert!(!has_scheme(reference), "{reference:?}");
            assert!(url::Url::parse(reference).is_err(), "{reference:?}");
        }
    }

    proptest::proptest! {
        /// What has no scheme cannot parse without a base: it is always resolved.
        #[test]
        fn without_a_scheme_nothing_parses_alone(reference in "[ \\t\\na-zA-Z0-9+.:/#?é\u{1}-]{0,12}") {
            if !has_scheme(&reference) {
                proptest::prop_assert!(url::Url::parse(&reference).is_err(), "{:?}", reference);
            }
        }
    }

    #[test]
    fn relative_references_resolve_against_the_article() {
        let base = url::Url::parse("https://example.com/blog/articles/hello/").unwrap();
        let cases = [
            ("../other/", "https://example.com/blog/articles/other/"),
            ("/about", "https://example.com/about"),
            (
                "img/a.png",
                "https://example.com/blog/articles/hello/img/a.png",
            ),
            ("#top", "https://example.com/blog/articles/hello/#top"),
            ("../../../../..", "https://example.com/"),
            ("./a/./b/.", "https://example.com/blog/articles/hello/a/b/"),
        ];
        for (reference, expected) in cases {
            assert_eq!(resolve(reference, &base).as_deref(), Some(expected));
        }
    }

    #[test]
    fn srcset_candidates_each_resolve() {
        let base = url::Url::parse("https://example.com/a/").unwrap();
        let raw = RawHtml {
            present: true,
            declares_ids: false,
        };
        let html = rewrite_html(
            r#"<img srcset="x.png 1x, /y.png 2x" src="x.png">"#,
            &base,
            Anchors::new("a"),
            raw,
        );
        assert!(
            html.contains(
                r#"srcset="https://example.com/a/x.png 1x, https://example.com/y.png 2x""#
            ),
            "{html}"
        );
    }
}
