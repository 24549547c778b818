//! Markdown to HTML, with every link made absolute and every id scoped to the article
//! (prefixed with its slug, so that ids never collide across a feed's items).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

use super::anchors::{self, Anchors};
use super::{links, text};

/// The Markdown extensions herald turns on: tables, footnotes, strikethrough.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// Renders `markdown` to HTML, appended to `out`; relative `href`/`src` (in Markdown
/// links and images and in raw HTML alike) are resolved against `base`, the article's
/// own URL.
///
/// Every id the HTML carries (footnotes, headings, raw HTML `id`/`name`) is prefixed
/// with `slug`, and so are the `#fragment` links to them, so that the ids of many
/// articles in one feed never collide: `[^1]` becomes `id="{slug}-fn-1"`, linked from
/// `href="#{slug}-fn-1"`. An article without ids renders as if there were no such rule.
pub(super) fn render_into(out: &mut String, markdown: &str, base: &url::Url, slug: &str) {
    // CommonMark would turn NUL into U+FFFD, and no output can carry the others.
    let markdown = text::without_unwanted(markdown);
    let markdown = markdown.as_ref();
    let anchors = Anchors::new(slug);
    let mut raw_html = links::RawHtml::default();
    let events = Parser::new_ext(markdown, options()).map(|event| match event {
        link @ Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
            absolute_destination(link, base)
        }
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
    let start = out.len();
    out.reserve(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(out, events);
    if raw_html.present {
        let rewritten = links::rewrite_html(&out[start..], base, anchors, raw_html);
        out.truncate(start);
        out.push_str(&rewritten);
    }
}

/// Renders a short piece of Markdown the site's owner wrote (the digest's header and
/// footer) the way article text is rendered (same extensions, unwanted characters
/// dropped, links and images resolved against `base`), except that raw HTML is shown
/// as text: such a snippet sits inside the digest's table layout, which a stray tag
/// would break.
pub(crate) fn render_snippet(markdown: &str, base: &url::Url) -> String {
    let markdown = text::without_unwanted(markdown);
    let events = Parser::new_ext(&markdown, options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => absolute_destination(other, base),
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The plain-text form of [`render_snippet`]'s input, for the text part: the words as
/// written, a link's absolute URL after its text (`text <url>`), one blank line between
/// paragraphs, `- ` before list items.
pub(crate) fn snippet_text(markdown: &str, base: &url::Url) -> String {
    use pulldown_cmark::TagEnd;
    let markdown = text::without_unwanted(markdown);
    let mut out = String::with_capacity(markdown.len());
    // Each open link: its absolute URL and where its text starts in `out`.
    let mut links: Vec<(String, usize)> = Vec::new();
    for event in Parser::new_ext(&markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => {
                links.push((absolute(dest_url, base).into_string(), out.len()))
            }
            Event::End(TagEnd::Link) => {
                if let Some((url, start)) = links.pop()
                    && out[start..].trim() != url
                    && !url.starts_with('#')
                {
                    let shown = url.strip_prefix("mailto:").unwrap_or(&url);
                    out.push_str(&format!(" <{shown}>"));
                }
            }
            Event::Start(Tag::Item) => out.push_str("- "),
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::List(_) | TagEnd::BlockQuote(_),
            ) => {
                if !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push('\n');
            }
            _ => {}
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// A link or image with its destination resolved against `base`; any other event as is.
fn absolute_destination<'a>(event: Event<'a>, base: &url::Url) -> Event<'a> {
    match event {
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
        other => other,
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

    fn render(markdown: &str, base: &url::Url, slug: &str) -> String {
        let mut html = String::new();
        render_into(&mut html, markdown, base, slug);
        html
    }

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
    fn snippets_resolve_links_and_show_raw_html_as_text() {
        let site = url::Url::parse("https://example.com/blog/").unwrap();
        let html = render_snippet(
            "Hello *you*, see [the archive](archive/) <b onclick=\"x()\">hi</b>\u{0}\n\n<script>alert(1)</script>\n",
            &site,
        );
        assert!(
            html.contains(r#"<a href="https://example.com/blog/archive/">the archive</a>"#),
            "{html}"
        );
        assert!(html.contains("<em>you</em>"), "{html}");
        assert!(
            html.contains("&lt;b onclick=\"x()\"&gt;hi&lt;/b&gt;"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script") && !html.contains("<b "), "{html}");
        assert!(!html.contains('\u{0}'), "{html}");
    }

    #[test]
    fn snippet_text_keeps_words_and_shows_link_targets() {
        let site = url::Url::parse("https://example.com/blog/").unwrap();
        let text = snippet_text(
            "Hello *you*, see [the archive](archive/).\nNext line <https://x.org/>\n\n- one\n- [mail](mailto:a@b.org)\n",
            &site,
        );
        assert_eq!(
            text,
            "Hello you, see the archive <https://example.com/blog/archive/>.\nNext line https://x.org/\n\n- one\n- mail <a@b.org>"
        );
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
