//! Rendering an issue once with askama (HTML with inlined CSS, and plain text), and
//! personalising the result per recipient with a cheap string replacement.

use askama::Template;

use super::theme::{DARK_CARD, DARK_PAGE, Look};
use crate::config::Theme;
use crate::content::Article;
use crate::content::text::{escape_html, one_line};
use crate::error::{Error, Result};

/// Stands for the recipient's unsubscribe URL in the rendered issue until
/// [`Rendered::personalise`] replaces it. Only letters and dashes, so neither HTML
/// escaping nor CSS inlining changes it.
pub(crate) const UNSUBSCRIBE_PLACEHOLDER: &str = "HERALD-UNSUBSCRIBE-LINK-PLACEHOLDER";

/// What the templates need besides the articles.
#[derive(Debug, Clone)]
pub struct RenderOptions<'a> {
    /// The site's name.
    pub site_title: &'a str,
    /// The site's home page.
    pub site_url: &'a url::Url,
    /// `<html lang>`; `en` when the site sets none.
    pub language: &'a str,
    /// The subject template: `{site}`, `{first_title}`, `{count}`, `{more}`.
    pub subject: &'a str,
    /// Logo, accent colour, header and footer (`newsletter.theme`, validated).
    pub theme: &'a Theme,
    /// The sender's postal address, shown at the foot of both parts.
    pub postal_address: Option<&'a str>,
}

/// An issue rendered once, shared by every recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject, on one line, without control characters.
    pub subject: String,
    /// The HTML part, CSS inlined, with the unsubscribe placeholder in it.
    pub html: String,
    /// The plain-text part, with the unsubscribe placeholder in it.
    pub text: String,
}

impl Rendered {
    /// The HTML and text parts for one recipient, with their unsubscribe URL.
    pub fn personalise(&self, unsubscribe_url: &str) -> (String, String) {
        let (in_html, in_text) = Rendered::unsubscribe_values(unsubscribe_url);
        let html = self.html.replace(UNSUBSCRIBE_PLACEHOLDER, &in_html);
        let text = self.text.replace(UNSUBSCRIBE_PLACEHOLDER, in_text);
        (html, text)
    }

    /// What takes the place of the unsubscribe placeholder in the HTML part (the URL,
    /// escaped) and in the text part (the URL as it is).
    pub fn unsubscribe_values(unsubscribe_url: &str) -> (String, &str) {
        (escape_html(unsubscribe_url), unsubscribe_url)
    }
}

/// One article as the templates show it.
struct ArticleView<'a> {
    title: &'a str,
    subtitle: Option<&'a str>,
    url: &'a str,
    hero_image: Option<&'a str>,
    meta: String,
    description: Option<&'a str>,
    cta_label: &'a str,
    cta_url: &'a str,
}

#[derive(Template)]
#[template(path = "digest.html")]
struct HtmlDigest<'a> {
    language: &'a str,
    subject: &'a str,
    preheader: &'a str,
    site_title: &'a str,
    site_url: &'a str,
    articles: &'a [ArticleView<'a>],
    unsubscribe_url: &'a str,
    look: &'a Look,
    dark_page: &'a str,
    dark_card: String,
}

#[derive(Template)]
#[template(path = "digest.txt")]
struct TextDigest<'a> {
    site_title: &'a str,
    site_url: &'a str,
    heading: &'a str,
    articles: &'a [ArticleView<'a>],
    unsubscribe_url: &'a str,
    look: &'a Look,
}

/// Renders an issue's articles (read whole, newest first: see [`crate::content::load_full`])
/// into a subject, an HTML part and a text part.
pub fn render(articles: &[Article], options: &RenderOptions<'_>) -> Result<Rendered> {
    let articles: Vec<&Article> = articles.iter().collect();
    let views: Vec<ArticleView<'_>> = articles.iter().map(|a| view(a)).collect();
    let subject = subject(options.subject, options.site_title, &articles);
    let preheader = preheader(&articles);
    let look = Look::new(options.theme, options.postal_address, options.site_url);
    let html = HtmlDigest {
        language: options.language,
        subject: &subject,
        preheader: &preheader,
        site_title: options.site_title,
        site_url: options.site_url.as_str(),
        articles: &views,
        unsubscribe_url: UNSUBSCRIBE_PLACEHOLDER,
        look: &look,
        dark_page: DARK_PAGE,
        dark_card: DARK_CARD.to_string(),
    }
    .render()
    .map_err(|e| render_error("digest.html", e.to_string()))?;
    let html = inline_css(&html)?;
    let html = escape_in_attributes(&html);
    let heading = match articles.len() {
        1 => "1 new article".to_string(),
        n => format!("{n} new articles"),
    };
    let text = TextDigest {
        site_title: options.site_title,
        site_url: options.site_url.as_str(),
        heading: &heading,
        articles: &views,
        unsubscribe_url: UNSUBSCRIBE_PLACEHOLDER,
        look: &look,
    }
    .render()
    .map_err(|e| render_error("digest.txt", e.to_string()))?;
    Ok(Rendered {
        subject,
        html,
        text,
    })
}

/// Moves every rule into `style` attributes; the `@media` blocks (dark mode), which
/// cannot be inlined, stay in one `<style>` element.
fn inline_css(html: &str) -> Result<String> {
    let inliner = css_inline::CSSInliner::options()
        .keep_at_rules(true)
        .build();
    inliner
        .inline(html)
        .map_err(|e| render_error("digest.html", e.to_string()))
}

fn view(article: &Article) -> ArticleView<'_> {
    let meta = [article.author.as_deref(), article.read_time.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    ArticleView {
        title: &article.title,
        subtitle: article.subtitle.as_deref(),
        url: article.url.as_str(),
        hero_image: article.hero_image.as_ref().map(url::Url::as_str),
        meta,
        description: article.description.as_deref(),
        cta_label: article.cta.as_deref().unwrap_or("Read the article"),
        cta_url: article.cta_target().as_str(),
    }
}

/// Fills the subject template and flattens it to one safe line.
pub(crate) fn subject(template: &str, site: &str, articles: &[&Article]) -> String {
    let first = articles.first().map(|a| a.title.as_str()).unwrap_or("");
    let count = articles.len();
    let filled = template
        .replace("{site}", site)
        .replace("{first_title}", first)
        .replace("{count}", &count.to_string())
        .replace("{more}", &count.saturating_sub(1).to_string());
    one_line(&filled)
}

/// The hidden preview line: the first article's subtitle, else its description.
fn preheader(articles: &[&Article]) -> String {
    let first = articles.first();
    let text = first
        .and_then(|a| a.subtitle.as_deref().or(a.description.as_deref()))
        .or(first.map(|a| a.title.as_str()))
        .unwrap_or("");
    one_line(text)
}

/// Escapes `<` and `>` inside double-quoted attribute values. The CSS inliner
/// re-serializes the document the HTML5 way, which leaves them bare in attributes
/// (legal, but some mail clients mis-parse it); text nodes are already escaped.
fn escape_in_attributes(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let (mut in_tag, mut in_value) = (false, false);
    for c in html.chars() {
        match (in_tag, in_value, c) {
            (false, _, '<') => {
                in_tag = true;
                out.push(c);
            }
            (true, false, '>') => {
                in_tag = false;
                out.push(c);
            }
            (true, _, '"') => {
                in_value = !in_value;
                out.push(c);
            }
            (true, true, '<') => out.push_str("&lt;"),
            (true, true, '>') => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

fn render_error(what: &'static str, message: String) -> Error {
    Error::Render { what, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn article(title: &str, cta: Option<&str>) -> Article {
        let url = url::Url::parse("https://example.com/a/").unwrap();
        Article {
            path: "content/a.md".into(),
            slug: "a".into(),
            id: url.to_string(),
            url,
            title: title.into(),
            subtitle: Some("Sub & title".into()),
            description: Some("About <things>.".into()),
            author: Some("Ann".into()),
            read_time: Some("3 mins".into()),
            published: chrono::Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap(),
            updated: None,
            created: None,
            hero_image: Some(url::Url::parse("https://cdn.example.com/a.jpg").unwrap()),
            cta: cta.map(str::to_string),
            cta_url: None,
            tags: vec![],
            draft: false,
            body: crate::content::Body::Text(String::new()),
        }
    }

    fn render_one(article: &Article) -> Rendered {
        let site = url::Url::parse("https://example.com/").unwrap();
        let options = RenderOptions {
            site_title: "Site",
            site_url: &site,
            language: "en",
            subject: "{site}: {first_title} ({count}, {more} more)",
            theme: &Theme::default(),
            postal_address: None,
        };
        render(std::slice::from_ref(article), &options).unwrap()
    }

    #[test]
    fn fields_are_escaped_everywhere_in_html_and_plain_in_text() {
        let rendered = render_one(&article("A <b> & \"c\"", None));
        assert!(
            rendered.html.contains("A &lt;b&gt; &amp;"),
            "{}",
            rendered.html
        );
        assert!(!rendered.html.contains("A <b>"), "{}", rendered.html);
        assert!(rendered.html.contains("About &lt;things&gt;."));
        assert!(rendered.text.contains("A <b> & \"c\""));
        assert!(rendered.text.contains("About <things>."));
        assert_eq!(rendered.subject, "Site: A <b> & \"c\" (1, 0 more)");
    }

    #[test]
    fn the_cta_falls_back_to_the_article() {
        let rendered = render_one(&article("T", None));
        assert!(rendered.html.contains("Read the article"));
        assert!(
            rendered
                .text
                .contains("Read the article\nhttps://example.com/a/")
        );
        let rendered = render_one(&article("T", Some("Join us")));
        assert!(rendered.html.contains(">Join us</a>"));
    }

    #[test]
    fn personalise_fills_the_unsubscribe_link_escaped() {
        let rendered = render_one(&article("T", None));
        let (html, text) = rendered.personalise("https://example.com/u?a=1&b=2");
        assert!(
            html.contains("href=\"https://example.com/u?a=1&amp;b=2\""),
            "{html}"
        );
        assert!(text.contains("Unsubscribe: https://example.com/u?a=1&b=2"));
        assert!(!html.contains(UNSUBSCRIBE_PLACEHOLDER));
    }

    #[test]
    fn digest_snapshot() {
        let rendered = render_one(&article("Snapshot title", Some("Join us")));
        insta::assert_snapshot!("digest_text", rendered.text);
        insta::assert_snapshot!("digest_html", rendered.html);
    }
}
