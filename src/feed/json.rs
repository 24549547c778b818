//! JSON Feed 1.1 (`feed.json`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::JSON_FILE;
use super::item::{Item, prepare};
use super::site::{Site, feed_url};
use crate::config::Config;
use crate::content::Article;
use crate::error::{Error, Result};

/// The `version` of the JSON Feed format written.
pub const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// The top-level JSON Feed object.
#[derive(Debug, Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: String,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    items: Vec<JsonItem<'a>>,
}

/// One `items[]` entry.
#[derive(Debug, Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    content_html: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
}

/// An `authors[]` entry.
#[derive(Debug, Serialize)]
struct Author<'a> {
    name: &'a str,
}

/// Renders `items` (in the given order) as a pretty-printed JSON Feed 1.1 document.
pub fn render(config: &Config, items: &[&Article]) -> Result<String> {
    write(config, &prepare(items)?)
}

/// Writes already prepared items; see [`super::render_all`].
pub(crate) fn write(config: &Config, items: &[Item<'_>]) -> Result<String> {
    let site = Site::new(config, items);
    let feed = Feed {
        version: VERSION,
        title: &site.title,
        home_page_url: &site.home,
        feed_url: feed_url(config, JSON_FILE)?.into(),
        description: &site.description,
        language: site.language.as_deref(),
        authors: site.author.as_deref().map(author).into_iter().collect(),
        items: items.iter().map(item).collect(),
    };
    let mut json = serde_json::to_string_pretty(&feed).map_err(|e| Error::Feed {
        file: JSON_FILE,
        source: Box::new(e),
    })?;
    json.push('\n');
    Ok(json)
}

fn item<'a>(item: &'a Item<'_>) -> JsonItem<'a> {
    let article = item.article;
    JsonItem {
        id: &item.id,
        url: article.url.as_str(),
        title: &item.title,
        summary: item.summary.as_deref(),
        content_html: &item.html,
        image: article.hero_image.as_ref().map(url::Url::as_str),
        date_published: rfc3339(article.published),
        date_modified: rfc3339(article.modified()),
        authors: item.author.as_deref().map(author).into_iter().collect(),
        tags: &item.tags,
    }
}

fn author(name: &str) -> Author<'_> {
    Author { name }
}

/// RFC 3339 in UTC with a `Z`: `2024-03-15T09:30:00Z`.
pub fn rfc3339(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Secs, true)
}
