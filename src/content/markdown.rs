//! Markdown to HTML, with every link made absolute.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

use super::{links, text};

/// The Markdown extensions herald turns on: tables, footnotes, strikethrough.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// Renders `markdown` to HTML; relative `href`/`src` (in Markdown links and images and in
/// raw HTML alike) are resolved against `base`, the article's own URL.
pub fn render(markdown: &str, base: &url::Url) -> String {
    // CommonMark would turn NUL into U+FFFD, and no output can carry the others.
    let markdown = text::without_unwanted(markdown);
    let markdown = markdown.as_ref();
    let mut has_raw_html = false;
    let events = Parser::new_ext(markdown, options()).map(|event| match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: absolute(dest_url, base),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: absolute(dest_url, base),
            title,
            id,
        }),
        Event::Html(_) | Event::InlineHtml(_) => {
            has_raw_html = true;
            event
        }
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    if has_raw_html {
        links::absolutize_html(&html, base)
    } else {
        html
    }
}

fn absolute<'a>(dest: CowStr<'a>, base: &url::Url) -> CowStr<'a> {
    match links::resolve(&dest, base) {
        Some(resolved) => CowStr::from(resolved),
        None => dest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        url::Url::parse("https://example.com/blog/articles/hello/").unwrap()
    }

    #[test]
    fn links_and_images_become_absolute() {
        let cases = [
            (
                "[a](../other/)",
                r#"href="https://example.com/blog/articles/other/""#,
            ),
            ("[a](/about)", r#"href="https://example.com/about""#),
            (
                "![x](img/a.png)",
                r#"src="https://example.com/blog/articles/hello/img/a.png""#,
            ),
            (
                "[a](#top)",
                r#"href="https://example.com/blog/articles/hello/#top""#,
            ),
            ("[a](https://other.org/x)", r#"href="https://other.org/x""#),
            (
                "[a](mailto:me@example.com)",
                r#"href="mailto:me@example.com""#,
            ),
            (
                "<a href=\"rel/x\">x</a>",
                r#"href="https://example.com/blog/articles/hello/rel/x""#,
            ),
            (
                "<p><img src='/i.png' alt=\"\"></p>",
                r#"src="https://example.com/i.png""#,
            ),
        ];
        for (markdown, expected) in cases {
            let html = render(markdown, &base());
            assert!(html.contains(expected), "{markdown} -> {html}");
        }
    }

    #[test]
    fn control_characters_are_dropped_not_replaced() {
        let html = render("a\u{0}b\u{1b}c\u{85}d\te", &base());
        assert_eq!(html, "<p>abcd\te</p>\n");
    }

    #[test]
    fn extensions_are_on() {
        let html = render(
            "|a|b|\n|-|-|\n|1|2|\n\n~~x~~ y[^1]\n\n[^1]: note\n",
            &base(),
        );
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>x</del>"), "{html}");
        assert!(html.contains("footnote"), "{html}");
    }
}
