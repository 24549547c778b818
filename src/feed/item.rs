//! What every format shows of one article: its text made XML-safe, and its content HTML
//! rendered once and shared by the formats.

use super::html::content_html;
use crate::config::FeedContent;
use crate::content::Article;
use crate::content::text::{without_unwanted, without_unwanted_owned};
use crate::error::Result;

/// Characters of the article's text shown as a summary when it has no description and
/// no subtitle.
const EXCERPT_CHARS: usize = 280;

/// One article ready to be written in any format.
#[derive(Debug, Clone)]
pub(crate) struct Item<'a> {
    /// The article (for its dates and URLs, which are always XML-safe).
    pub article: &'a Article,
    /// The article's `id`.
    pub id: String,
    /// The title.
    pub title: String,
    /// The front-matter `description`.
    pub summary: Option<String>,
    /// The author's name.
    pub author: Option<String>,
    /// The tags, in front-matter order.
    pub tags: Vec<String>,
    /// Header, rendered Markdown body and call to action; `None` when the item shows
    /// its summary only.
    pub html: Option<String>,
    /// What a summary-only item shows (plain text): the description, else the subtitle,
    /// else the start of the article's text. Empty when the item has its `html`.
    pub teaser: String,
}

impl<'a> Item<'a> {
    /// Copies `article`'s text without XML-forbidden characters and, for
    /// [`FeedContent::Full`], renders its Markdown. A summary-only item renders the
    /// Markdown only when it needs the start of the text.
    pub(crate) fn new(article: &'a Article, content: FeedContent) -> Result<Self> {
        let (html, teaser) = match content {
            FeedContent::Full => {
                let html = content_html(article)?;
                (Some(without_unwanted_owned(html)), String::new())
            }
            FeedContent::Summary => (None, teaser(article)?),
        };
        Ok(Item {
            article,
            id: xml_safe(&article.id),
            title: xml_safe(&article.title),
            summary: article.description.as_deref().map(xml_safe),
            author: article.author.as_deref().map(xml_safe),
            tags: article.tags.iter().map(|t| xml_safe(t)).collect(),
            html,
            teaser,
        })
    }

    /// Whether the item's id is the article's URL (the default, and most ids): RSS
    /// marks its `guid` a permalink, Atom takes it as it is.
    pub(crate) fn id_is_url(&self) -> bool {
        self.id == self.article.url.as_str()
    }

    /// The HTML content's length, for buffer sizes.
    pub(crate) fn html_len(&self) -> usize {
        self.html.as_ref().map_or(0, String::len)
    }
}

/// The description, else the subtitle, else the start of the text.
fn teaser(article: &Article) -> Result<String> {
    let given = [&article.description, &article.subtitle]
        .into_iter()
        .flatten()
        .map(|text| text.trim())
        .find(|text| !text.is_empty());
    match given {
        Some(text) => Ok(xml_safe(text)),
        None => Ok(xml_safe(&excerpt(&article.render_html()?, EXCERPT_CHARS))),
    }
}

/// The text of `html` (tags removed, the common entities decoded, whitespace
/// collapsed), cut after at most `max` characters at a word boundary, with `…` when cut.
pub(super) fn excerpt(html: &str, max: usize) -> String {
    let text = decode_entities(&strip_tags(html, 8 * max));
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if chars + len + 1 > max {
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
            chars += 1;
        }
        out.push_str(word);
        chars += len;
    }
    out
}

/// The text between the tags of `html` (each tag becomes a space), stopping after
/// about `max` bytes.
fn strip_tags(html: &str, max: usize) -> String {
    let mut text = String::with_capacity(html.len().min(max + 64));
    let mut rest = html;
    loop {
        let Some(open) = rest.find('<') else {
            text.push_str(rest);
            return text;
        };
        text.push_str(&rest[..open]);
        text.push(' ');
        if text.len() > max {
            return text;
        }
        let tag = &rest[open..];
        rest = match tag.find('>') {
            Some(close) => &tag[close + 1..],
            None => "",
        };
    }
}

/// Decodes the entities pulldown-cmark writes (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`).
fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// `text` without XML-forbidden characters, as an owned string (not trimmed, unlike
/// [`crate::content::text::clean`]).
pub(super) fn xml_safe(text: &str) -> String {
    without_unwanted(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_the_text_cut_at_a_word() {
        let html = "<h1>Title</h1>\n<p>One &amp; <em>two</em> &lt;three&gt;</p>";
        assert_eq!(excerpt(html, 100), "Title One & two <three>");
        assert_eq!(excerpt(html, 12), "Title One &…");
        assert_eq!(excerpt("", 10), "");
        assert_eq!(excerpt("<p>unclosed <b", 20), "unclosed");
    }
}
