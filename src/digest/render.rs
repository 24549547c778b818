//! Rendering an issue once with askama (HTML with inlined CSS, and plain text), and
//! personalising the result per recipient with a cheap string replacement.

use askama::Template;

use super::theme::{DARK_CARD, DARK_PAGE, ThemeView};
use crate::config::Theme;
use crate::content::Article;
use crate::content::text::{escape_html, one_line};
use crate::error::{Error, Result};

/// Stands for the recipient's unsubscribe URL in the rendered issue until
/// [`Rendered::personalise`] replaces it. Only letters and dashes, so neither HTML
/// escaping nor CSS inlining changes it.
pub(crate) const UNSUBSCRIBE_PLACEHOLDER: &str = "HERALD-UNSUBSCRIBE-LINK-PLACEHOLDER";

/// Stands for the recipient's preferences URL, as [`UNSUBSCRIBE_PLACEHOLDER`] does for
/// the unsubscribe URL.
pub(crate) const PREFERENCES_PLACEHOLDER: &str = "HERALD-PREFERENCES-LINK-PLACEHOLDER";

/// Mark the footer's preferences link in both parts (the `preferences_start` and
/// `preferences_end` of the templates): [`Rendered::with_preferences`] keeps what is
/// between them when there is a preferences page, and cuts it when there is none.
/// Letters and dashes, like the placeholders.
const PREFERENCES_START: &str = "HERALD-PREFERENCES-START";
const PREFERENCES_END: &str = "HERALD-PREFERENCES-END";

/// What the templates need besides the articles.
#[derive(Debug, Clone)]
pub(crate) struct RenderOptions<'a> {
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
    /// The issue's page in the archive (`newsletter.archive`): a "View in browser" link
    /// to it heads both parts. `None`: no link.
    pub archive_url: Option<&'a str>,
}

/// What the issue's web page in the archive shows besides the issue itself (see
/// [`render_page`]); every URL absolute.
#[derive(Debug, Clone)]
pub(crate) struct PageOptions<'a> {
    /// The page's own address (`<link rel="canonical">`).
    pub(crate) url: &'a str,
    /// When the issue was sent, as shown (`1 January 2026`).
    pub(crate) date: &'a str,
    /// The same instant in RFC 3339, for `<time datetime>`.
    pub(crate) datetime: &'a str,
    /// One line about the issue (`<meta name="description">`).
    pub(crate) description: &'a str,
    /// The sign-up page the footer links to, when there is one.
    pub(crate) signup_url: Option<&'a str>,
    /// The archive's index page.
    pub(crate) index_url: &'a str,
    /// The archive's Atom feed.
    pub(crate) feed_url: &'a str,
    /// The issue's record (JSON-LD), safe to put in a `<script>` element as it is.
    pub(crate) record: &'a str,
}

/// An issue rendered once, shared by every recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendered {
    /// The subject, on one line, without control characters.
    pub subject: String,
    /// The HTML part, CSS inlined, with the unsubscribe placeholder in it.
    pub html: String,
    /// The plain-text part, with the unsubscribe placeholder in it.
    pub text: String,
}

impl Rendered {
    /// The HTML and text parts for one recipient, with their unsubscribe URL and their
    /// preferences URL (`None`: no preferences page, no link).
    pub(crate) fn personalise(
        &self,
        unsubscribe_url: &str,
        preferences_url: Option<&str>,
    ) -> (String, String) {
        let issue = self.with_preferences(preferences_url.is_some());
        let (in_html, in_text) = Rendered::unsubscribe_values(unsubscribe_url);
        let (prefs_html, prefs_text) = Rendered::unsubscribe_values(preferences_url.unwrap_or(""));
        let html = issue
            .html
            .replace(UNSUBSCRIBE_PLACEHOLDER, &in_html)
            .replace(PREFERENCES_PLACEHOLDER, &prefs_html);
        let text = issue
            .text
            .replace(UNSUBSCRIBE_PLACEHOLDER, in_text)
            .replace(PREFERENCES_PLACEHOLDER, prefs_text);
        (html, text)
    }

    /// What takes the place of a link's placeholder in the HTML part (the URL,
    /// escaped) and in the text part (the URL as it is).
    pub(crate) fn unsubscribe_values(unsubscribe_url: &str) -> (String, &str) {
        (escape_html(unsubscribe_url), unsubscribe_url)
    }

    /// The issue with its footer's preferences link (`on`: there is a preferences
    /// page) or without it; done once per issue, before the links are filled in.
    pub(crate) fn with_preferences(&self, on: bool) -> Rendered {
        Rendered {
            subject: self.subject.clone(),
            html: marked_link(&self.html, on),
            text: marked_link(&self.text, on),
        }
    }
}

/// `text` with what stands between the preferences markers kept (`keep`) or cut, and
/// the markers gone.
fn marked_link(text: &str, keep: bool) -> String {
    if keep {
        return text
            .replace(PREFERENCES_START, "")
            .replace(PREFERENCES_END, "");
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(PREFERENCES_START) {
        out.push_str(&rest[..start]);
        let after = &rest[start + PREFERENCES_START.len()..];
        rest = match after.find(PREFERENCES_END) {
            Some(end) => &after[end + PREFERENCES_END.len()..],
            None => after,
        };
    }
    out.push_str(rest);
    out
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
    preferences_url: &'a str,
    preferences_start: &'a str,
    preferences_end: &'a str,
    look: &'a ThemeView,
    dark_page: &'a str,
    dark_card: String,
    /// The "View in browser" link (the email only).
    browser_url: Option<&'a str>,
    /// `Some` for the web page, `None` for the email.
    page: Option<&'a PageOptions<'a>>,
}

#[derive(Template)]
#[template(path = "digest.txt")]
struct TextDigest<'a> {
    site_title: &'a str,
    site_url: &'a str,
    heading: &'a str,
    articles: &'a [ArticleView<'a>],
    unsubscribe_url: &'a str,
    preferences_url: &'a str,
    preferences_start: &'a str,
    preferences_end: &'a str,
    look: &'a ThemeView,
    browser_url: Option<&'a str>,
}

/// Renders an issue's articles (read whole, newest first: see [`crate::content::load_full`])
/// into a subject, an HTML part and a text part.
pub(crate) fn render(articles: &[Article], options: &RenderOptions<'_>) -> Result<Rendered> {
    let articles: Vec<&Article> = articles.iter().collect();
    let views: Vec<ArticleView<'_>> = articles.iter().map(|a| view(a)).collect();
    let subject = subject(options.subject, options.site_title, &articles);
    let look = ThemeView::new(options.theme, options.postal_address, options.site_url);
    let html = html_digest(&articles, &views, &subject, &look, options, None)?;
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
        preferences_url: PREFERENCES_PLACEHOLDER,
        preferences_start: PREFERENCES_START,
        preferences_end: PREFERENCES_END,
        look: &look,
        browser_url: options.archive_url,
    }
    .render()
    .map_err(|e| render_error("digest.txt", e))?;
    Ok(Rendered {
        subject,
        html,
        text,
    })
}

/// The issue as a web page for the archive: the email's template and look, as plain
/// HTML5 (no mail-client markup, CSS left in its `<style>`), with no unsubscribe link
/// and nothing else that belongs to one recipient, and a footer that links to the
/// sign-up page, the archive and its feed.
pub(crate) fn render_page(
    articles: &[Article],
    options: &RenderOptions<'_>,
    page: &PageOptions<'_>,
) -> Result<String> {
    let articles: Vec<&Article> = articles.iter().collect();
    let views: Vec<ArticleView<'_>> = articles.iter().map(|a| view(a)).collect();
    let subject = subject(options.subject, options.site_title, &articles);
    let look = ThemeView::new(options.theme, options.postal_address, options.site_url);
    html_digest(&articles, &views, &subject, &look, options, Some(page))
}

/// `digest.html` for the email (`page` is `None`, before its CSS is inlined) or for
/// the web page.
fn html_digest(
    articles: &[&Article],
    views: &[ArticleView<'_>],
    subject: &str,
    look: &ThemeView,
    options: &RenderOptions<'_>,
    page: Option<&PageOptions<'_>>,
) -> Result<String> {
    HtmlDigest {
        language: options.language,
        subject,
        preheader: &preheader(articles),
        site_title: options.site_title,
        site_url: options.site_url.as_str(),
        articles: views,
        // The web page has no unsubscribe or preferences link; the placeholders are
        // never shown there.
        unsubscribe_url: UNSUBSCRIBE_PLACEHOLDER,
        preferences_url: PREFERENCES_PLACEHOLDER,
        preferences_start: PREFERENCES_START,
        preferences_end: PREFERENCES_END,
        look,
        dark_page: DARK_PAGE,
        dark_card: DARK_CARD.to_string(),
        browser_url: options.archive_url.filter(|_| page.is_none()),
        page,
    }
    .render()
    .map_err(|e| render_error("digest.html", e))
}

/// Moves every rule into `style` attributes; the `@media` blocks (dark mode), which
/// cannot be inlined, stay in one `<style>` element.
fn inline_css(html: &str) -> Result<String> {
    let inliner = css_inline::CSSInliner::options()
        .keep_at_rules(true)
        .build();
    inliner
        .inline(html)
        .map_err(|e| render_error("digest.html", e))
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

fn render_error(
    what: &'static str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::Render {
        what,
        source: Box::new(source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn article(title: &str, cta: Option<&str>) -> Article {
        let published = chrono::Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
        Article {
            title: title.into(),
            subtitle: Some("Sub & title".into()),
            description: Some("About <things>.".into()),
            author: Some("Ann".into()),
            read_time: Some("3 mins".into()),
            hero_image: Some(url::Url::parse("https://cdn.example.com/a.jpg").unwrap()),
            cta: cta.map(str::to_string),
            ..Article::for_test("a", published)
        }
    }

    const PAGE_URL: &str = "https://example.com/newsletter/2026-01-02-a/";

    fn options<'a>(site: &'a url::Url, theme: &'a Theme) -> RenderOptions<'a> {
        RenderOptions {
            site_title: "Site",
            site_url: site,
            language: "en",
            subject: "{site}: {first_title} ({count}, {more} more)",
            theme,
            postal_address: None,
            archive_url: Some(PAGE_URL),
        }
    }

    fn render_one(article: &Article) -> Rendered {
        let site = url::Url::parse("https://example.com/").unwrap();
        let theme = Theme::default();
        render(std::slice::from_ref(article), &options(&site, &theme)).unwrap()
    }

    fn page_one(article: &Article) -> String {
        let site = url::Url::parse("https://example.com/").unwrap();
        let theme = Theme::default();
        let page = PageOptions {
            url: PAGE_URL,
            date: "2 January 2026",
            datetime: "2026-01-02T09:00:00Z",
            description: "Snapshot title",
            signup_url: Some("https://news.example.com/subscribe"),
            index_url: "https://example.com/newsletter/",
            feed_url: "https://example.com/newsletter/atom.xml",
            record: r#"{"@type":"PublicationIssue"}"#,
        };
        render_page(
            std::slice::from_ref(article),
            &options(&site, &theme),
            &page,
        )
        .unwrap()
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
        let (html, text) = rendered.personalise(
            "https://example.com/u?a=1&b=2",
            Some("https://example.com/p/t?x=<y>"),
        );
        assert!(
            html.contains("href=\"https://example.com/u?a=1&amp;b=2\""),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://example.com/p/t?x=&lt;y&gt;\""),
            "{html}"
        );
        assert!(text.contains(
            "Unsubscribe: https://example.com/u?a=1&b=2\nPreferences: https://example.com/p/t?x=<y>"
        ));
        for part in [&html, &text] {
            assert!(!part.contains("HERALD-"), "{part}");
        }
        // No preferences page: no link, nothing of it left.
        let (html, text) = rendered.personalise("https://example.com/u", None);
        assert!(
            text.ends_with("Unsubscribe: https://example.com/u"),
            "{text}"
        );
        for part in [&html, &text] {
            assert!(!part.contains("HERALD-"), "{part}");
            assert!(!part.contains("Preferences"), "{part}");
        }
    }

    #[test]
    fn both_parts_open_with_the_link_to_the_web_page() {
        let rendered = render_one(&article("T", None));
        assert!(
            rendered
                .text
                .starts_with(&format!("View in browser: {PAGE_URL}\n\nSite\n")),
            "{}",
            rendered.text
        );
        let link = format!("<a href=\"{PAGE_URL}\"");
        let at = rendered.html.find(&link).expect("the link is in the HTML");
        assert!(at < rendered.html.find("class=\"masthead\"").unwrap());
        let site = url::Url::parse("https://example.com/").unwrap();
        let theme = Theme::default();
        let without = RenderOptions {
            archive_url: None,
            ..options(&site, &theme)
        };
        let rendered = render(&[article("T", None)], &without).unwrap();
        assert!(!rendered.text.contains("View in browser"));
        assert!(!rendered.html.contains("View in browser"));
    }

    #[test]
    fn the_web_page_is_plain_html5_with_nothing_of_a_recipient() {
        let page = page_one(&article("A <b>", None));
        assert!(
            page.starts_with(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
            )
        );
        for mail_only in [
            UNSUBSCRIBE_PLACEHOLDER,
            PREFERENCES_PLACEHOLDER,
            "HERALD-",
            "Preferences",
            "Unsubscribe",
            "View in browser",
            "xmlns",
            "cellpadding",
            "cellspacing",
            "bgcolor",
            "align=",
            "border=",
            "[if mso]",
            "x-apple",
            "supported-color-schemes",
            "style=\"display: none",
        ] {
            assert!(!page.contains(mail_only), "{mail_only}\n{page}");
        }
        assert!(page.contains("<h1 class=\"site-name\">"), "{page}");
        assert!(page.contains("<h2 class=\"title\">"), "{page}");
        assert!(
            page.contains("A &#60;b&#62;") || page.contains("A &lt;b&gt;"),
            "{page}"
        );
        assert!(page.contains("href=\"https://news.example.com/subscribe\">Subscribe</a>"));
        assert!(page.contains("<main>") && page.contains("</main>"));
    }

    #[test]
    fn digest_snapshot() {
        let rendered = render_one(&article("Snapshot title", Some("Join us")));
        insta::assert_snapshot!("digest_text", rendered.text);
        insta::assert_snapshot!("digest_html", rendered.html);
        insta::assert_snapshot!(
            "digest_page",
            page_one(&article("Snapshot title", Some("Join us")))
        );
    }
}
