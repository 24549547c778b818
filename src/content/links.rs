//! Resolving relative URLs against an article's own URL.

use lol_html::{RewriteStrSettings, element, rewrite_str};

/// Attributes whose value is a single URL.
const URL_ATTRIBUTES: [&str; 5] = ["href", "src", "poster", "cite", "action"];

/// Resolves `reference` against `base`. Returns `None` when it is already absolute, is
/// empty, or cannot be resolved (it is then left as written).
pub fn resolve(reference: &str, base: &url::Url) -> Option<String> {
    let trimmed = reference.trim();
    if trimmed.is_empty() || url::Url::parse(trimmed).is_ok() {
        return None;
    }
    base.join(trimmed).ok().map(String::from)
}

/// Rewrites every URL attribute (and `srcset`) in an HTML fragment to be absolute.
///
/// Used for raw HTML inside Markdown, which pulldown-cmark passes through untouched.
pub fn absolutize_html(html: &str, base: &url::Url) -> String {
    let selector = "[href], [src], [poster], [cite], [action], [srcset]";
    let handler = element!(selector, |el| {
        for name in URL_ATTRIBUTES {
            if let Some(value) = el.get_attribute(name)
                && let Some(resolved) = resolve(&value, base)
            {
                el.set_attribute(name, &resolved)?;
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
        let html = absolutize_html(r#"<img srcset="x.png 1x, /y.png 2x" src="x.png">"#, &base);
        assert!(
            html.contains(
                r#"srcset="https://example.com/a/x.png 1x, https://example.com/y.png 2x""#
            ),
            "{html}"
        );
    }
}
