//! The HTML page of a feed document: what a person sees who opens a feed in a browser.
//!
//! Browsers are dropping XSLT, so `feed.xsl` alone will not keep a feed readable: each
//! document gets a page beside it (`rss.html` beside `rss.xml`, `archive/feed-3.html`
//! beside `archive/feed-3.json`), rendered here from the same articles and written with
//! the document. `herald serve` sends that page to a request for the feed that prefers
//! HTML; a static host links to it. This is the only place the page is rendered.
//!
//! The page shows the feed's title and description, the address to copy into a reader
//! (the feed's current document, also from an archive page), and each item's title,
//! date and summary (the front matter's `description`, else its `subtitle`): no
//! Markdown is rendered for it.

use askama::Template;
use chrono_tz::Tz;

use super::place::{Page, Place, path};
use super::site::{Site, feed_url};
use super::{ATOM_FILE, JSON_FILE, RSS_FILE};
use crate::config::Config;
use crate::content::{Article, DateFormat};
use crate::error::{Error, Result};

/// The page of each of [`super::FILES`], in that order.
pub(crate) const PAGE_FILES: [&str; 3] = ["rss.html", "atom.html", "feed.html"];

/// The name of the page of the feed format whose current file is `file`.
pub(crate) fn page_file(file: &str) -> Option<&'static str> {
    let at = super::FILES.iter().position(|f| *f == file)?;
    Some(PAGE_FILES[at])
}

/// One item on the page.
#[derive(Debug)]
struct PageItem<'a> {
    title: &'a str,
    url: &'a str,
    /// `2024-03-15`, for `<time datetime>`.
    datetime: String,
    /// `15 Mar 2024`, in `site.timezone`.
    date: String,
    summary: Option<&'a str>,
}

/// A document's items as its pages list them: the same on all three pages, so
/// rendered once.
#[derive(Template)]
#[template(path = "feed_page_items.html")]
struct Items<'a> {
    items: Vec<PageItem<'a>>,
}

/// The rendered list of a document's items, for [`render`].
#[derive(Debug)]
pub(crate) struct ItemList(String);

impl ItemList {
    /// The list of `articles`, dated in the site's time zone.
    pub(crate) fn new(config: &Config, articles: &[&Article]) -> Result<Self> {
        let items = articles
            .iter()
            .map(|article| item(article, config.timezone))
            .collect();
        let list = Items { items }.render().map_err(|e| Error::Feed {
            file: PAGE_FILES[0],
            source: Box::new(e),
        })?;
        Ok(ItemList(list))
    }
}

#[derive(Template)]
#[template(path = "feed_page.html")]
struct FeedPage<'a> {
    language: &'a str,
    title: &'a str,
    description: &'a str,
    feed_type: &'static str,
    address: &'a str,
    home: &'a str,
    heading: String,
    /// The [`ItemList`], HTML already.
    items: &'a str,
    older: Option<String>,
    newer: Option<String>,
}

/// The page of the document at `site.place` in the format of `file` (`rss.xml`,
/// `atom.xml` or `feed.json`), showing the document's `list`.
pub(crate) fn render(
    config: &Config,
    site: &Site,
    list: &ItemList,
    file: &'static str,
) -> Result<String> {
    let place = &site.place;
    let page_name = page_file(file).unwrap_or(PAGE_FILES[0]);
    let address = place.links(config, file)?.current;
    let archive_page = |n: usize| -> Result<Option<String>> {
        if n == 0 || n > place.pages {
            return Ok(None);
        }
        let relative = path(&place.folder, Page::Archive(n), page_name);
        Ok(Some(feed_url(config, file, &relative)?.to_string()))
    };
    let (older, newer, heading) = match place.page {
        Page::Current => (
            archive_page(place.pages)?,
            None,
            "Recent articles".to_string(),
        ),
        Page::Archive(n) => (
            archive_page(n - 1)?,
            archive_page(n + 1)?.or(Some(current_page(config, place, file, page_name)?)),
            // Not "of N": a page's bytes must not change when newer pages are added
            // (see `rendered`).
            format!("Archive, page {n}"),
        ),
    };
    FeedPage {
        language: site.language.as_deref().unwrap_or("en"),
        title: &site.title,
        description: &site.description,
        feed_type: feed_type(file),
        address: address.as_str(),
        home: &site.home,
        heading,
        items: &list.0,
        older,
        newer,
    }
    .render()
    .map_err(|e| Error::Feed {
        file: page_name,
        source: Box::new(e),
    })
}

/// The page of the feed's current document, the newest page of its archive.
fn current_page(
    config: &Config,
    place: &Place,
    file: &'static str,
    page_name: &str,
) -> Result<String> {
    let relative = path(&place.folder, Page::Current, page_name);
    Ok(feed_url(config, file, &relative)?.to_string())
}

/// An item's date, for its `<time datetime>` and as shown.
static DATETIME: DateFormat = DateFormat::new("%Y-%m-%d");
static DATE: DateFormat = DateFormat::new("%-d %b %Y");

fn item(article: &Article, timezone: Tz) -> PageItem<'_> {
    let local = article.published.with_timezone(&timezone);
    PageItem {
        title: &article.title,
        url: article.url.as_str(),
        datetime: DATETIME.format(&local),
        date: DATE.format(&local),
        summary: article
            .description
            .as_deref()
            .or(article.subtitle.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    }
}

/// The media type of the feed format of `file`.
fn feed_type(file: &str) -> &'static str {
    match file {
        RSS_FILE => "application/rss+xml",
        ATOM_FILE => "application/atom+xml",
        JSON_FILE => "application/feed+json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config() -> Config {
        let yaml = "site:\n  title: Tom & <Jerry>\n  url: https://example.com/blog/\n  \
                    description: Notes & \"quotes\"\n  language: fr\n";
        Config::from_yaml(yaml.as_bytes(), Path::new("herald.yaml")).unwrap()
    }

    fn list(config: &Config, articles: &[&Article]) -> ItemList {
        ItemList::new(config, articles).unwrap()
    }

    fn article(config: &Config, front: &str) -> Article {
        let text = format!("---\n{front}\n---\nBody <b>never</b> shown.\n");
        crate::content::parse(Path::new("content/a.md"), text.as_bytes(), config)
            .article
            .unwrap()
    }

    #[test]
    fn the_page_shows_the_feed_its_address_and_each_item_escaped() {
        let config = config();
        let a = article(
            &config,
            "title: 'A <b> & c'\npublish_date: 2024-03-15\ndescription: 'x < y'",
        );
        let site = Site::new(&config, &[&a]);
        let html = render(&config, &site, &list(&config, &[&a]), ATOM_FILE).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(html.contains("<html lang=\"fr\">"), "{html}");
        assert!(
            html.contains("<h1>Tom &#38; &#60;Jerry&#62;</h1>"),
            "{html}"
        );
        assert!(
            html.contains("value=\"https://example.com/blog/atom.xml\""),
            "{html}"
        );
        assert!(html.contains("A &#60;b&#62; &#38; c</a>"), "{html}");
        assert!(html.contains("<p>x &#60; y</p>"), "{html}");
        assert!(
            html.contains("datetime=\"2024-03-15\">15 Mar 2024<"),
            "{html}"
        );
        assert!(!html.contains("never"), "no body: {html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn archive_pages_link_their_neighbours_and_name_the_current_address() {
        let config = config();
        let a = article(&config, "title: A\npublish_date: 2024-03-15");
        let place = Place {
            folder: "tags/rust/".into(),
            page: Page::Archive(2),
            pages: 3,
        };
        let site = Site::at(&config, &[&a], place, Some("Rust"));
        let html = render(&config, &site, &list(&config, &[&a]), RSS_FILE).unwrap();
        let base = "https://example.com/blog/tags/rust/";
        assert!(html.contains(&format!("value=\"{base}rss.xml\"")), "{html}");
        assert!(
            html.contains(&format!("href=\"{base}archive/rss-1.html\">Older")),
            "{html}"
        );
        assert!(
            html.contains(&format!("href=\"{base}archive/rss-3.html\">Newer")),
            "{html}"
        );
        assert!(html.contains("Archive, page 2<"), "{html}");
    }

    #[test]
    fn an_empty_feed_says_so() {
        let config = config();
        let site = Site::new(&config, &[]);
        let html = render(&config, &site, &list(&config, &[]), JSON_FILE).unwrap();
        assert!(html.contains("No articles yet."), "{html}");
        assert!(html.contains("value=\"https://example.com/blog/feed.json\""));
    }
}
