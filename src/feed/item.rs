//! What every format shows of one article: its text made XML-safe, and its content HTML
//! rendered once and shared by the formats.

use std::borrow::Cow;

use super::html::content_html;
use crate::content::Article;
use crate::content::text::without_unwanted;
use crate::error::Result;

/// One article ready to be written in any format.
#[derive(Debug, Clone)]
pub struct Item<'a> {
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
    /// Header, rendered Markdown body and call to action.
    pub html: String,
}

impl<'a> Item<'a> {
    /// Renders `article`'s Markdown and copies its text, without XML-forbidden characters.
    pub fn new(article: &'a Article) -> Result<Self> {
        let html = content_html(article, &article.render_html()?);
        Ok(Item {
            article,
            id: clean(&article.id),
            title: clean(&article.title),
            summary: article.description.as_deref().map(clean),
            author: article.author.as_deref().map(clean),
            tags: article.tags.iter().map(|t| clean(t)).collect(),
            html: clean_owned(html),
        })
    }
}

/// `text` without XML-forbidden characters, as an owned string.
pub(super) fn clean(text: &str) -> String {
    without_unwanted(text).into_owned()
}

/// `text` without XML-forbidden characters, keeping its buffer when it has none.
fn clean_owned(text: String) -> String {
    match without_unwanted(&text) {
        Cow::Borrowed(_) => None,
        Cow::Owned(cleaned) => Some(cleaned),
    }
    .unwrap_or(text)
}
