//! JSON Feed 1.1 (`feed.json`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::JSON_FILE;
use super::document::{Format, Fragment, layout_error};
use super::item::Item;
use super::site::Site;
use crate::config::Config;
#[cfg(test)]
use crate::content::Article;
use crate::error::{Error, Result};

/// The `version` of the JSON Feed format written.
pub(crate) const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// The top-level JSON Feed object.
#[derive(Debug, Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    /// The next older archive page: following `next_url` from `feed.json` meets every
    /// published article once.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    items: Vec<JsonItem<'a>>,
}

/// A `hubs[]` entry: a WebSub hub.
#[derive(Debug, Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

/// One `items[]` entry.
#[derive(Debug, Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
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

/// What the JSON pretty printer writes around the only item of [`ItemsOnly`].
const ONLY_PREFIX: &[u8] = b"{\n  \"items\": [";
const ONLY_SUFFIX: &[u8] = b"\n  ]\n}";

/// A document holding just `items`, at the depth the items have in [`Feed`].
#[derive(Serialize)]
struct ItemsOnly<'a> {
    items: &'a [JsonItem<'a>],
}

/// Renders `items` (in the given order) as a pretty-printed JSON Feed 1.1 document.
#[cfg(test)]
pub(crate) fn render(config: &Config, items: &[&Article]) -> Result<String> {
    let site = Site::new(config, items);
    let options = super::stream::Options::of(config, &site.place);
    super::stream::to_string(&Json::new(config, &site)?, items, options)
}

/// JSON Feed 1.1 for one site, as a [`Format`].
#[derive(Debug)]
pub(crate) struct Json {
    site: Site,
    /// The feed's current document: an archive page names its feed, not itself.
    feed_url: String,
    /// The next older archive page.
    next_url: Option<String>,
}

impl Json {
    /// The format for `site`; fails if the feed's URL cannot be made.
    pub(crate) fn new(config: &Config, site: &Site) -> Result<Self> {
        let links = site.place.links(config, JSON_FILE)?;
        Ok(Json {
            feed_url: links.current.into(),
            next_url: links.prev_archive.map(String::from),
            site: site.clone(),
        })
    }
}

impl Format for Json {
    fn file(&self) -> &'static str {
        JSON_FILE
    }

    fn separator(&self) -> &'static [u8] {
        b","
    }

    fn document(&self, items: &[Item<'_>]) -> Result<Vec<u8>> {
        let site = &self.site;
        let feed = Feed {
            version: VERSION,
            title: &site.title,
            home_page_url: &site.home,
            feed_url: &self.feed_url,
            description: &site.description,
            language: site.language.as_deref(),
            authors: site.author.as_deref().map(author).into_iter().collect(),
            hubs: site
                .hub
                .as_deref()
                .map(|url| Hub {
                    kind: "WebSub",
                    url,
                })
                .into_iter()
                .collect(),
            next_url: self.next_url.as_deref(),
            items: items.iter().map(item).collect(),
        };
        let mut json = serde_json::to_vec_pretty(&feed).map_err(fail)?;
        json.push(b'\n');
        Ok(json)
    }

    fn fragment(&self, one: &Item<'_>) -> Result<Fragment> {
        let items = [item(one)];
        let mut json =
            Vec::with_capacity(one.html_len() + one.html_len() / 8 + one.teaser.len() + 1024);
        serde_json::to_writer_pretty(&mut json, &ItemsOnly { items: &items }).map_err(fail)?;
        let cut = |json: &[u8]| {
            let inner = json.strip_prefix(ONLY_PREFIX)?.strip_suffix(ONLY_SUFFIX)?;
            Some(ONLY_PREFIX.len()..ONLY_PREFIX.len() + inner.len())
        };
        cut(&json)
            .and_then(|range| Fragment::cut(json, range))
            .ok_or_else(|| layout_error(JSON_FILE, "unexpected layout of a pretty-printed item"))
    }
}

fn fail(error: serde_json::Error) -> Error {
    Error::Feed {
        file: JSON_FILE,
        source: Box::new(error),
    }
}

fn item<'a>(item: &'a Item<'_>) -> JsonItem<'a> {
    let article = item.article;
    JsonItem {
        id: &item.id,
        url: article.url.as_str(),
        title: &item.title,
        summary: item.summary.as_deref(),
        content_html: item.html.as_deref(),
        // JSON Feed requires content_html or content_text.
        content_text: item.html.is_none().then_some(item.teaser.as_str()),
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
pub(crate) fn rfc3339(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Secs, true)
}
