//! Atom 1.0 (`atom.xml`).

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text, WriteConfig,
};
use chrono::{DateTime, Utc};

use super::ATOM_FILE;
use super::item::{Item, prepare};
use super::site::{GENERATOR, GENERATOR_URI, Site, VERSION, feed_url, image_type};
use crate::config::Config;
use crate::content::Article;
use crate::error::{Error, Result};

/// Renders `items` (in the given order) as an Atom 1.0 document.
pub fn render(config: &Config, items: &[&Article]) -> Result<String> {
    write(config, &prepare(items)?)
}

/// Writes already prepared items; see [`super::render_all`].
pub(crate) fn write(config: &Config, items: &[Item<'_>]) -> Result<String> {
    let feed = feed(config, items)?;
    let write_config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    let bytes = feed
        .write_with_config(Vec::new(), write_config)
        .map_err(|e| fail(Box::new(e)))?;
    let mut xml = String::from_utf8(bytes).map_err(|e| fail(Box::new(e)))?;
    xml.push('\n');
    Ok(xml)
}

fn fail(source: Box<dyn std::error::Error + Send + Sync>) -> Error {
    Error::Feed {
        file: ATOM_FILE,
        source,
    }
}

fn feed(config: &Config, items: &[Item<'_>]) -> Result<Feed> {
    let site = Site::new(config, items);
    let host = config
        .base_url
        .host_str()
        .unwrap_or("localhost")
        .to_string();
    let links = vec![
        link(
            feed_url(config, ATOM_FILE)?.as_str(),
            "self",
            "application/atom+xml",
        ),
        link(&site.home, "alternate", "text/html"),
    ];
    Ok(Feed {
        id: site.home.clone(),
        title: Text::plain(site.title.clone()),
        subtitle: Some(Text::plain(site.description.clone())),
        updated: fixed(site.updated.unwrap_or_else(empty_feed_updated)),
        // Required unless every entry names an author: the site's, else its title.
        authors: vec![person(site.author.as_deref().unwrap_or(&site.title))],
        generator: Some(Generator {
            value: GENERATOR.into(),
            uri: Some(GENERATOR_URI.into()),
            version: Some(VERSION.into()),
        }),
        links,
        lang: site.language.clone(),
        entries: items.iter().map(|item| entry(item, &host)).collect(),
        ..Feed::default()
    })
}

/// Atom requires `updated` even without entries: an empty feed gets this fixed date,
/// 2000-01-01T00:00:00Z (the epoch would be flagged as implausible by validators).
pub fn empty_feed_updated() -> DateTime<Utc> {
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
        summary: item.summary.clone().map(Text::plain),
        content: Some(Content {
            content_type: Some("html".into()),
            value: Some(item.html.clone()),
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
pub fn entry_id(item: &Item<'_>, host: &str) -> String {
    if is_clean_uri(&item.id) {
        return item.id.clone();
    }
    let date = item.article.published.format("%Y-%m-%d");
    let specific: String = url::form_urlencoded::byte_serialize(item.id.as_bytes()).collect();
    format!("tag:{host},{date}:{specific}")
}

/// Whether `id` is an absolute URI written exactly as its normal form (so it has no
/// whitespace or characters a URI cannot hold) with a scheme validators know.
fn is_clean_uri(id: &str) -> bool {
    const SCHEMES: [&str; 5] = ["http", "https", "tag", "urn", "mailto"];
    url::Url::parse(id).is_ok_and(|url| url.as_str() == id && SCHEMES.contains(&url.scheme()))
}

fn link(href: &str, rel: &str, mime_type: &str) -> Link {
    Link {
        href: href.into(),
        rel: rel.into(),
        mime_type: Some(mime_type.into()),
        ..Link::default()
    }
}

fn person(name: &str) -> Person {
    Person {
        name: name.into(),
        ..Person::default()
    }
}

fn fixed(date: DateTime<Utc>) -> FixedDateTime {
    date.fixed_offset()
}
