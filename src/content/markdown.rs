//! Markdown to HTML, with every link made absolute and every id scoped to the article
//! (prefixed with its slug, so that ids never collide across a feed's items).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

use super::anchors::{self, Anchors};
use super::{links, text};

/// The Markdown extensions herald turns on: tables, footnotes, strikethrough.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// Renders `markdown` to HTML; relative `href`/`src` (in Markdown links and images and in
/// raw HTML alike) are resolved against `base`, the article's own URL.
///
/// Every id the HTML carries (footnotes, headings, raw HTML `id`/`name`) is prefixed
/// with `slug`, and so are the `#fragment` links to them, so that the ids of many
/// articles in one feed never collide: `[^1]` becomes `id="{slug}-fn-1"`, linked from
/// `href="#{slug}-fn-1"`. An article without ids renders as if there were no such rule.
pub(super) fn render(markdown: &str, base: &url::Url, slug: &str) -> String {
    // CommonMark would turn NUL into U+FFFD, and no output can carry the others.
    let markdown = text::without_unwanted(markdown);
    let markdown = markdown.as_ref();
    let anchors = Anchors::new(slug);
    let mut raw_html = links::RawHtml::default();
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
        Event::Start(Tag::Heading {
            level,
            id: Some(id),
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level,
            id: Some(anchors.scoped(&id).map_or(id, CowStr::from)),
            classes,
            attrs,
        }),
        Event::FootnoteReference(name) => Event::FootnoteReference(anchors.footnote(&name).into()),
        Event::Start(Tag::FootnoteDefinition(name)) => {
            Event::Start(Tag::FootnoteDefinition(anchors.footnote(&name).into()))
        }
        Event::Html(ref html) | Event::InlineHtml(ref html) => {
            raw_html.present = true;
            raw_html.declares_ids |= anchors::may_declare_id(html);
            event
        }
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    if raw_html.present {
        links::rewrite_html(&html, base, anchors, raw_html)
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
            let html = render(markdown, &base(), "hello");
            assert!(html.contains(expected), "{markdown} -> {html}");
        }
    }

    #[test]
    fn control_characters_are_dropped_not_replaced() {
        let html = render("a\u{0}b\u{1b}c\u{85}d\te", &base(), "hello");
        assert_eq!(html, "<p>abcd\te</p>\n");
    }

    #[test]
    fn extensions_are_on() {
        let html = render(
            "|a|b|\n|-|-|\n|1|2|\n\n~~x~~ y[^1]\n\n[^1]: note\n",
            &base(),
            "hello",
        );
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>x</del>"), "{html}");
        assert!(html.contains("footnote"), "{html}");
    }

    #[test]
    fn ids_and_their_links_are_scoped_to_the_article() {
        let cases = [
            // Footnotes: references and definitions, in Markdown-only and raw-HTML articles.
            (
                "a[^1]\n\n[^1]: note\n",
                &[r##"href="#hello-fn-1""##, r#"id="hello-fn-1""#][..],
            ),
            (
                "a[^n] <b>b</b>\n\n[^n]: note\n",
                &[r##"href="#hello-fn-n""##, r#"id="hello-fn-n""#],
            ),
            // Raw ids and the same-document links to them, raw and Markdown alike.
            (
                "<h2 id=\"intro\">I</h2>\n\n<a href=\"#intro\">up</a> [up](#intro)\n",
                &[
                    r#"id="hello-intro""#,
                    r##"<a href="#hello-intro">up</a> <a href="#hello-intro">up</a>"##,
                ],
            ),
            ("<a name=\"old\"></a>\n", &[r#"name="hello-old""#]),
            // Without ids, a fragment link keeps pointing at the article's page.
            (
                "<b>x</b> <a href=\"#top\">t</a>\n",
                &[r#"href="https://example.com/blog/articles/hello/#top""#],
            ),
        ];
        for (markdown, expected) in cases {
            let html = render(markdown, &base(), "hello");
            for expected in expected {
                assert!(html.contains(expected), "{markdown:?} -> {html}");
            }
        }
    }

    #[test]
    fn two_articles_with_the_same_footnote_have_different_ids() {
        let a = render("x[^1]\n\n[^1]: a\n", &base(), "a");
        let b = render("x[^1]\n\n[^1]: b\n", &base(), "b");
        assert!(
            a.contains(r#"id="a-fn-1""#) && b.contains(r#"id="b-fn-1""#),
            "{a}\n{b}"
        );
    }
}
