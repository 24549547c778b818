//! Atom 1.0 (`atom.xml`).

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text, WriteConfig,
};
use chrono::{DateTime, Utc};

use std::collections::BTreeMap;

use super::ATOM_FILE;
use super::document::{Format, Fragment};
use super::history;
use super::item::Item;
use super::site::{GENERATOR, GENERATOR_URI, Site, VERSION, image_type, link_stylesheet};
use super::xml;
use crate::config::Config;
#[cfg(test)]
use crate::content::Article;
use crate::error::{Error, Result};

/// The Atom media type, for the feed's own links.
pub(crate) const ATOM_TYPE: &str = "application/atom+xml";

/// Renders `items` (in the given order) as an Atom 1.0 document.
#[cfg(test)]
pub(crate) fn render(config: &Config, items: &[&Article]) -> Result<String> {
    let site = Site::new(config, items);
    let options = super::stream::Options::of(config, &site.place);
    super::stream::to_string(&Atom::new(config, &site)?, items, options)
}

/// Atom 1.0 for one site, as a [`Format`].
#[derive(Debug)]
pub(crate) struct Atom {
    /// The real feed, without entries.
    feed: Feed,
    /// The site's host, for `tag:` ids.
    host: String,
    /// The XSL stylesheet's `href`, when the feed links one.
    stylesheet: Option<String>,
}

impl Atom {
    /// The format for `site`; fails if the feed's URL cannot be made.
    pub(crate) fn new(config: &Config, site: &Site) -> Result<Self> {
        let host = config
            .base_url
            .host_str()
            .unwrap_or("localhost")
            .to_string();
        Ok(Atom {
            feed: feed(config, site)?,
            host,
            stylesheet: site.stylesheet.clone(),
        })
    }
}

impl Format for Atom {
    fn file(&self) -> &'static str {
        ATOM_FILE
    }

    fn document(&self, items: &[Item<'_>]) -> Result<Vec<u8>> {
        let feed = Feed {
            entries: items.iter().map(|item| entry(item, &self.host)).collect(),
            ..self.feed.clone()
        };
        let mut xml = write(&feed, Vec::new())?;
        xml.push(b'\n');
        Ok(link_stylesheet(xml, self.stylesheet.as_deref()))
    }

    /// The entry written by [`write_entry`], as the crate writes it in the document.
    fn fragment(&self, item: &Item<'_>) -> Result<Fragment> {
        // Escaping makes the HTML longer: `<` and `>` are four bytes each.
        let capacity = item.html_len() + item.html_len() / 2 + item.teaser.len() + 1024;
        let mut out = Vec::with_capacity(capacity);
        write_entry(&mut out, item, &self.host);
        Ok(Fragment::whole(out))
    }
}

/// Appends the `<entry>` of `item` exactly as atom_syndication writes [`entry`]'s in a
/// feed indented by two spaces (from its line break to its `</entry>`), escaping each
/// text once, straight into `out`.
fn write_entry(out: &mut Vec<u8>, item: &Item<'_>, host: &str) {
    const IN: &str = "    ";
    let text = &xml::QUICK_XML;
    let article = item.article;
    xml::open(out, "  ", "entry");
    text.element(out, IN, "title", &item.title);
    text.element(out, IN, "id", &entry_id(item, host));
    text.element(out, IN, "updated", &fixed(article.modified()).to_rfc3339());
    if let Some(author) = &item.author {
        xml::open(out, IN, "author");
        text.element(out, "      ", "name", author);
        xml::end(out, IN, "author");
    }
    for tag in &item.tags {
        xml::start_tag(out, IN, "category");
        text.attribute(out, "term", tag);
        out.extend_from_slice(b"/>");
    }
    let link = |out: &mut Vec<u8>, href: &str, rel: &str, mime_type: Option<&str>| {
        xml::start_tag(out, IN, "link");
        text.attribute(out, "href", href);
        text.attribute(out, "rel", rel);
        if let Some(mime_type) = mime_type {
            text.attribute(out, "type", mime_type);
        }
        out.extend_from_slice(b"/>");
    };
    link(out, article.url.as_str(), "alternate", Some("text/html"));
    if let Some(hero) = &article.hero_image {
        link(out, hero.as_str(), "enclosure", image_type(hero));
    }
    text.element(out, IN, "published", &fixed(article.published).to_rfc3339());
    let summary = match &item.html {
        Some(_) => item.summary.as_deref(),
        None => Some(item.teaser.as_str()),
    };
    if let Some(summary) = summary {
        text.element(out, IN, "summary", summary);
    }
    if let Some(html) = &item.html {
        xml::start_tag(out, IN, "content");
        text.attribute(out, "type", "html");
        out.push(b'>');
        text.text(out, html);
        xml::close(out, "content");
    }
    xml::end(out, "  ", "entry");
}

/// The feed as the crate writes it into `buffer`, indented by two spaces.
fn write(feed: &Feed, buffer: Vec<u8>) -> Result<Vec<u8>> {
    let write_config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    feed.write_with_config(buffer, write_config)
        .map_err(|e| fail(Box::new(e)))
}

fn fail(source: Box<dyn std::error::Error + Send + Sync>) -> Error {
    Error::Feed {
        file: ATOM_FILE,
        source,
    }
}

/// The feed for `site`, without entries.
fn feed(config: &Config, site: &Site) -> Result<Feed> {
    let place = &site.place;
    let document = place.links(config, ATOM_FILE)?;
    let mut links = vec![link(document.this.as_str(), "self", ATOM_TYPE)];
    if document.this != document.current {
        links.push(link(document.current.as_str(), "current", ATOM_TYPE));
    }
    links.extend(
        document
            .prev_archive
            .iter()
            .map(|url| link(url.as_str(), "prev-archive", ATOM_TYPE)),
    );
    links.extend(
        document
            .next_archive
            .iter()
            .map(|url| link(url.as_str(), "next-archive", ATOM_TYPE)),
    );
    links.push(link(&site.home, "alternate", "text/html"));
    if let Some(hub) = &site.hub {
        links.push(Link {
            href: hub.clone(),
            rel: "hub".into(),
            ..Link::default()
        });
    }
    // The site's feed keeps its home page as id; a tag's feed is its own feed, named
    // by its current document. Archive pages share their feed's id.
    let id = if place.folder.is_empty() {
        site.home.clone()
    } else {
        document.current.to_string()
    };
    let (namespaces, extensions) = if place.is_archive() {
        (
            BTreeMap::from([(history::PREFIX.to_string(), history::NAMESPACE.to_string())]),
            history::atom_archive_extension(),
        )
    } else {
        Default::default()
    };
    Ok(Feed {
        id,
        title: Text::plain(site.title.clone()),
        subtitle: Some(Text::plain(site.description.clone())),
        updated: fixed(site.updated.unwrap_or_else(empty_feed_updated)),
        // Required unless every entry names an author: the site's, else its title.
        authors: vec![person(site.author.as_deref().unwrap_or(&site.title))],
        generator: Some(generator()),
        links,
        lang: site.language.clone(),
        namespaces,
        extensions,
        ..Feed::default()
    })
}

/// Atom requires `updated` even without entries: an empty feed gets this fixed date,
/// 2000-01-01T00:00:00Z (the epoch would be flagged as implausible by validators).
pub(crate) fn empty_feed_updated() -> DateTime<Utc> {
    DateTime::from_timestamp(946_684_800, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

fn entry(item: &Item<'_>, host: &str) -> Entry {
    let article = item.article;
    let mut links = vec![link(article.url.as_str(), "alternate", "text/html")];
    if let Some(hero) = &article.hero_image {
        links.push(Link {
            href: hero.to_string(),
            rel: "enclosure".into(),
            mime_type: image_type(hero).map(String::from),
            ..Link::default()
        });
    }
    Entry {
        id: entry_id(item, host),
        title: Text::plain(item.title.clone()),
        published: Some(fixed(article.published)),
        updated: fixed(article.modified()),
        authors: item.author.as_deref().map(person).into_iter().collect(),
        summary: match &item.html {
            Some(_) => item.summary.clone().map(Text::plain),
            None => Some(Text::plain(item.teaser.clone())),
        },
        content: item.html.as_ref().map(|html| Content {
            content_type: Some("html".into()),
            value: Some(html.clone()),
            ..Content::default()
        }),
        categories: item
            .tags
            .iter()
            .map(|tag| Category {
                term: tag.clone(),
                ..Category::default()
            })
            .collect(),
        links,
        ..Entry::default()
    }
}

/// The `atom:id`, which must be an IRI: the article's `id` when it is already a clean
/// absolute URI of a well-known scheme, else a `tag:` URI (RFC 4151) minted from the
/// site's host, the publish date and the id (percent-encoded).
pub(crate) fn entry_id(item: &Item<'_>, host: &str) -> String {
    if is_article_url(item) || is_clean_uri(&item.id) {
        return item.id.clone();
    }
    let date = item.article.published.format("%Y-%m-%d");
    let specific: String = url::form_urlencoded::byte_serialize(item.id.as_bytes()).collect();
    format!("tag:{host},{date}:{specific}")
}

/// Whether the id is the article's http(s) URL (most are): parsed already, so written
/// in its normal form, without parsing it again.
fn is_article_url(item: &Item<'_>) -> bool {
    item.id_is_url() && matches!(item.article.url.scheme(), "http" | "https")
}

/// Whether `id` is an absolute URI written exactly as its normal form (so it has no
/// whitespace or characters a URI cannot hold) with a scheme validators know.
fn is_clean_uri(id: &str) -> bool {
    const SCHEMES: [&str; 5] = ["http", "https", "tag", "urn", "mailto"];
    url::Url::parse(id).is_ok_and(|url| url.as_str() == id && SCHEMES.contains(&url.scheme()))
}

/// `<generator>`: herald, its home and version.
pub(crate) fn generator() -> Generator {
    Generator {
        value: GENERATOR.into(),
        uri: Some(GENERATOR_URI.into()),
        version: Some(VERSION.into()),
    }
}

/// A `<link>` with its relation and media type.
pub(crate) fn link(href: &str, rel: &str, mime_type: &str) -> Link {
    Link {
        href: href.into(),
        rel: rel.into(),
        mime_type: Some(mime_type.into()),
        ..Link::default()
    }
}

/// A `<author>` with only a name.
pub(crate) fn person(name: &str) -> Person {
    Person {
        name: name.into(),
        ..Person::default()
    }
}

/// An Atom date, in UTC.
pub(crate) fn fixed(date: DateTime<Utc>) -> FixedDateTime {
    date.fixed_offset()
}
