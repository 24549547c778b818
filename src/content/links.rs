//! Resolving relative URLs against an article's own URL.

use lol_html::{RewriteStrSettings, element, rewrite_str};

use super::anchors::Anchors;

/// Attributes whose value is a single URL.
const URL_ATTRIBUTES: [&str; 5] = ["href", "src", "poster", "cite", "action"];

/// Resolves `reference` against `base`. Returns `None` when it is already absolute, is
/// empty, or cannot be resolved (it is then left as written).
pub(super) fn resolve(reference: &str, base: &url::Url) -> Option<String> {
    let trimmed = reference.trim();
    if trimmed.is_empty() || url::Url::parse(trimmed).is_ok() {
        return None;
    }
    base.join(trimmed).ok().map(String::from)
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
