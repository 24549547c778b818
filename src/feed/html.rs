//! The HTML every format carries for an article: a small header, the body, the call to
//! action.

use crate::content::Article;
use crate::content::text::escape_html;
use crate::error::Result;

/// The article's rendered Markdown (see [`Article::render_html`]) between its header
/// (subtitle, author · read time, hero image) and its call to action, in one buffer.
///
/// All front-matter text is escaped; the hero image and the call-to-action link are the
/// article's absolute URLs, so the result has no relative `href` or `src`.
pub(crate) fn content_html(article: &Article) -> Result<String> {
    let mut html = header(article);
    let body = html.len();
    article.render_html_into(&mut html)?;
    if html.len() > body && !html.ends_with('\n') {
        html.push('\n');
    }
    html.push_str(&call_to_action(article));
    Ok(html)
}

/// Subtitle, byline and hero image, one paragraph each; empty when the article has none.
pub(super) fn header(article: &Article) -> String {
    let mut html = String::new();
    if let Some(subtitle) = &article.subtitle {
        html.push_str(&format!("<p><em>{}</em></p>\n", escape_html(subtitle)));
    }
    let byline: Vec<String> = [&article.author, &article.read_time]
        .into_iter()
        .flatten()
        .map(|part| escape_html(part))
        .collect();
    if !byline.is_empty() {
        html.push_str(&format!("<p>{}</p>\n", byline.join(" · ")));
    }
    if let Some(hero) = &article.hero_image {
        html.push_str(&format!(
            "<p><img src=\"{}\" alt=\"{}\"></p>\n",
            escape_html(hero.as_str()),
            escape_html(&article.title)
        ));
    }
    html
}

/// The call to action as a link to [`Article::cta_target`]; empty without a `cta`.
pub(super) fn call_to_action(article: &Article) -> String {
    match &article.cta {
        Some(cta) => format!(
            "<p><a href=\"{}\">{}</a></p>\n",
            escape_html(article.cta_target().as_str()),
            escape_html(cta)
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn article() -> Article {
        let url = url::Url::parse("https://example.com/articles/a/").unwrap();
        Article {
            path: "content/a.md".into(),
            slug: "a".into(),
            id: url.to_string(),
            url,
            title: "Tom & \"Jerry\" <3".into(),
            subtitle: Some("A <b>bold</b> claim".into()),
            description: None,
            author: Some("Ann O'Neil".into()),
            read_time: Some("5 mins".into()),
            published: Utc.with_ymd_and_hms(2024, 3, 15, 0, 0, 0).unwrap(),
            updated: None,
            created: None,
            hero_image: Some(url::Url::parse("https://example.com/i/a.jpg?w=1&h=2").unwrap()),
            cta: Some("Join <us> & friends".into()),
            cta_url: None,
            tags: Vec::new(),
            draft: false,
            body: crate::content::Body::Text(String::new()),
        }
    }

    #[test]
    fn header_escapes_every_field() {
        assert_eq!(
            header(&article()),
            "<p><em>A &lt;b&gt;bold&lt;/b&gt; claim</em></p>\n\
             <p>Ann O&#39;Neil · 5 mins</p>\n\
             <p><img src=\"https://example.com/i/a.jpg?w=1&amp;h=2\" \
             alt=\"Tom &amp; &quot;Jerry&quot; &lt;3\"></p>\n"
        );
    }

    /// Changes one article field for a table-driven case.
    type Change = fn(&mut Article);

    #[test]
    fn header_parts_are_optional() {
        let cases: [(Change, &str); 4] = [
            (
                |a| a.subtitle = None,
                "<p>Ann O&#39;Neil · 5 mins</p>\n<p><img",
            ),
            (|a| a.author = None, "</em></p>\n<p>5 mins</p>\n"),
            (|a| a.read_time = None, "</em></p>\n<p>Ann O&#39;Neil</p>\n"),
            (|a| a.hero_image = None, "5 mins</p>\n"),
        ];
        for (change, expected) in cases {
            let mut article = article();
            change(&mut article);
            let html = header(&article);
            assert!(html.contains(expected), "{html}");
            assert_eq!(
                html.contains("<img"),
                article.hero_image.is_some(),
                "{html}"
            );
        }
        let mut bare = article();
        (bare.subtitle, bare.author, bare.read_time, bare.hero_image) = (None, None, None, None);
        assert_eq!(header(&bare), "");
    }

    #[test]
    fn call_to_action_links_to_cta_url_else_the_article() {
        let mut article = article();
        assert_eq!(
            call_to_action(&article),
            "<p><a href=\"https://example.com/articles/a/\">Join &lt;us&gt; &amp; friends</a></p>\n"
        );
        article.cta_url = Some(url::Url::parse("https://example.com/join").unwrap());
        assert!(call_to_action(&article).contains("href=\"https://example.com/join\""));
        article.cta = None;
        assert_eq!(call_to_action(&article), "");
    }

    #[test]
    fn content_puts_header_body_and_cta_in_order() {
        let mut article = article();
        article.body = crate::content::Body::Text("body".into());
        let html = content_html(&article).unwrap();
        let header_at = html.find("<img").unwrap();
        let body_at = html.find("<p>body</p>\n").unwrap();
        let cta_at = html.find("Join").unwrap();
        assert!(header_at < body_at && body_at < cta_at, "{html}");
    }
}
