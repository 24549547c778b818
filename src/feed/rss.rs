//! RSS 2.0 (`rss.xml`) with the content, Dublin Core, Atom and Media RSS extensions.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid};

use super::RSS_FILE;
use super::document::{Format, Fragment};
use super::history;
use super::item::{Item, xml_safe};
use super::place::Links;
use super::site::{GENERATOR, Site, VERSION, image_type, link_stylesheet};
use super::xml::{self, find};
use crate::config::Config;
#[cfg(test)]
use crate::content::Article;
use crate::content::DateFormat;
use crate::content::text::escape_html;
use crate::error::{Error, Result};

/// The Media RSS namespace, for hero images.
const MEDIA_NAMESPACE: &str = "http://search.yahoo.com/mrss/";

/// Renders `items` (in the given order) as an RSS 2.0 document.
#[cfg(test)]
pub(crate) fn render(config: &Config, items: &[&Article]) -> Result<String> {
    let site = Site::new(config, items);
    let options = super::stream::Options::of(config, &site.place);
    super::stream::to_string(&Rss::new(config, &site)?, items, options)
}

/// RSS 2.0 for one site, as a [`Format`].
#[derive(Debug)]
pub(crate) struct Rss {
    /// The real channel, without items.
    channel: Channel,
    /// The XSL stylesheet's `href`, when the feed links one.
    stylesheet: Option<String>,
}

impl Rss {
    /// The format for `site`; fails if the feed's URL cannot be made.
    pub(crate) fn new(config: &Config, site: &Site) -> Result<Self> {
        Ok(Rss {
            channel: channel(config, site)?,
            stylesheet: site.stylesheet.clone(),
        })
    }
}

impl Format for Rss {
    fn file(&self) -> &'static str {
        RSS_FILE
    }

    fn document(&self, items: &[Item<'_>]) -> Result<Vec<u8>> {
        let channel = Channel {
            items: items.iter().map(item).collect(),
            ..self.channel.clone()
        };
        let mut xml = String::new();
        push_hex_char_refs(&mut xml, &pretty(&channel, Vec::new())?);
        xml.push('\n');
        Ok(link_stylesheet(
            xml.into_bytes(),
            self.stylesheet.as_deref(),
        ))
    }

    /// The item written by [`write_item`], as the crate writes it in the document.
    fn fragment(&self, one: &Item<'_>) -> Result<Fragment> {
        // The content, and the description when it falls back to the content.
        let mut out = Vec::with_capacity(2 * one.html_len() + one.teaser.len() + 1024);
        write_item(&mut out, one);
        Ok(Fragment::whole(out))
    }
}

/// Appends the `<item>` of `one` exactly as the rss crate pretty-prints [`item`]'s in a
/// channel (from its line break to its `</item>`) and [`push_hex_char_refs`] rewrites
/// it, escaping each text once, straight into `out`.
fn write_item(out: &mut Vec<u8>, one: &Item<'_>) {
    const IN: &str = "      ";
    let text = &xml::HEX_REFS;
    let article = one.article;
    xml::open(out, "    ", "item");
    text.element(out, IN, "title", &one.title);
    text.element(out, IN, "link", article.url.as_str());
    xml::open(out, IN, "description");
    xml::cdata(out, &description(one));
    xml::close(out, "description");
    for tag in &one.tags {
        text.element(out, IN, "category", tag);
    }
    xml::start_tag(out, IN, "guid");
    if !one.id_is_url() {
        text.attribute(out, "isPermaLink", "false");
    }
    out.push(b'>');
    text.text(out, &one.id);
    xml::close(out, "guid");
    text.element(out, IN, "pubDate", &rfc822(article.published));
    if let Some(html) = &one.html {
        xml::open(out, IN, "content:encoded");
        xml::cdata(out, html);
        xml::close(out, "content:encoded");
    }
    if let Some(image) = &article.hero_image {
        // The attributes in the order of [`media`]'s map.
        xml::start_tag(out, IN, "media:content");
        text.attribute(out, "medium", "image");
        if let Some(mime) = image_type(image) {
            text.attribute(out, "type", mime);
        }
        text.attribute(out, "url", image.as_str());
        out.push(b'>');
        xml::close(out, "media:content");
    }
    if let Some(author) = &one.author {
        text.element(out, IN, "dc:creator", author);
    }
    xml::end(out, "    ", "item");
}

/// The channel as the crate pretty-prints it into `buffer`.
fn pretty(channel: &Channel, buffer: Vec<u8>) -> Result<String> {
    let bytes = channel
        .pretty_write_to(buffer, b' ', 2)
        .map_err(|e| fail(Box::new(e)))?;
    String::from_utf8(bytes).map_err(|e| fail(Box::new(e)))
}

/// Appends `xml` to `out` with `&amp;` and `&lt;` outside CDATA sections rewritten as
/// `&#x26;` and `&#x3C;`.
///
/// The same characters to an XML parser, but the RSS Best Practices Profile asks for
/// hexadecimal references in plain-text elements such as `title`, so that readers which
/// treat them as HTML do not see markup (the W3C validator warns otherwise). CDATA
/// sections hold HTML and are copied as they are. Applied to pieces of a document cut
/// between elements, it gives the same bytes as applied to the whole.
fn push_hex_char_refs(out: &mut String, xml: &str) {
    out.reserve(xml.len() + xml.len() / 16);
    let mut rest = xml;
    while let Some(start) = find(rest, "<![CDATA[") {
        let (outside, cdata) = rest.split_at(start);
        push_with_hex_refs(out, outside);
        let end = find(cdata, "]]>").map_or(cdata.len(), |end| end + "]]>".len());
        out.push_str(&cdata[..end]);
        rest = &cdata[end..];
    }
    push_with_hex_refs(out, rest);
}

/// Appends `markup` with `&amp;` and `&lt;` rewritten, in one pass.
fn push_with_hex_refs(out: &mut String, markup: &str) {
    let mut rest = markup;
    while let Some(at) = rest.find('&') {
        let (before, entity) = rest.split_at(at);
        out.push_str(before);
        let (replacement, len) = if entity.starts_with("&amp;") {
            ("&#x26;", "&amp;".len())
        } else if entity.starts_with("&lt;") {
            ("&#x3C;", "&lt;".len())
        } else {
            ("&", 1)
        };
        out.push_str(replacement);
        rest = &entity[len..];
    }
    out.push_str(rest);
}

fn fail(source: Box<dyn std::error::Error + Send + Sync>) -> Error {
    Error::Feed {
        file: RSS_FILE,
        source,
    }
}

/// The channel for `site`, without items.
fn channel(config: &Config, site: &Site) -> Result<Channel> {
    let links = site.place.links(config, RSS_FILE)?;
    let archive = site.place.is_archive();
    let site = site.clone();
    Ok(Channel {
        title: site.title,
        link: site.home,
        description: site.description,
        language: site.language,
        last_build_date: site.updated.map(rfc822),
        generator: Some(format!("{GENERATOR} {VERSION}")),
        atom_ext: Some(AtomExtension {
            links: atom_links(&links, site.hub.as_deref()),
        }),
        namespaces: namespaces(archive),
        extensions: if archive {
            history::archive_extension()
        } else {
            ExtensionMap::default()
        },
        ..Channel::default()
    })
}

/// `atom:link`s: `self`, and the RFC 5005 links of an archived feed.
fn atom_links(links: &Links, hub: Option<&str>) -> Vec<Link> {
    let link = |href: &url::Url, rel: &str| Link {
        href: href.to_string(),
        rel: rel.into(),
        mime_type: Some("application/rss+xml".into()),
        ..Link::default()
    };
    let mut all = vec![link(&links.this, "self")];
    if links.this != links.current {
        all.push(link(&links.current, "current"));
    }
    all.extend(
        links
            .prev_archive
            .iter()
            .map(|url| link(url, "prev-archive")),
    );
    all.extend(
        links
            .next_archive
            .iter()
            .map(|url| link(url, "next-archive")),
    );
    all.extend(hub.map(|hub| Link {
        href: hub.to_string(),
        rel: "hub".into(),
        ..Link::default()
    }));
    all
}

/// Every namespace the feed may use, declared once on the root element; an archive
/// page also declares RFC 5005's, for `<fh:archive/>`.
fn namespaces(archive: bool) -> BTreeMap<String, String> {
    let mut namespaces: BTreeMap<String, String> = [
        ("atom", "http://www.w3.org/2005/Atom"),
        ("content", "http://purl.org/rss/1.0/modules/content/"),
        ("dc", "http://purl.org/dc/elements/1.1/"),
        ("media", MEDIA_NAMESPACE),
    ]
    .into_iter()
    .map(|(prefix, uri)| (prefix.to_string(), uri.to_string()))
    .collect();
    if archive {
        namespaces.insert(history::PREFIX.into(), history::NAMESPACE.into());
    }
    namespaces
}

fn item(item: &Item<'_>) -> rss::Item {
    let article = item.article;
    rss::Item {
        title: Some(item.title.clone()),
        link: Some(article.url.to_string()),
        description: Some(description(item).into_owned()),
        categories: item
            .tags
            .iter()
            .map(|tag| Category {
                name: tag.clone(),
                domain: None,
            })
            .collect(),
        guid: Some(Guid {
            permalink: item.id_is_url(),
            value: item.id.clone(),
        }),
        pub_date: Some(rfc822(article.published)),
        content: item.html.clone(),
        dublin_core_ext: item.author.as_ref().map(|author| DublinCoreExtension {
            creators: vec![author.clone()],
            ..DublinCoreExtension::default()
        }),
        extensions: article.hero_image.as_ref().map(media).unwrap_or_default(),
        ..rss::Item::default()
    }
}

/// The item `description`, which RSS defines as HTML: the front-matter description,
/// else the subtitle (both escaped), else the whole content, because a
/// `content:encoded` without a `description` trips up readers (and the validator). A
/// summary-only item has its teaser, escaped.
fn description<'i>(item: &'i Item<'_>) -> Cow<'i, str> {
    let Some(html) = &item.html else {
        return Cow::Owned(escape_html(&item.teaser));
    };
    let plain = item.summary.as_deref().or(item.article.subtitle.as_deref());
    match plain {
        Some(text) => Cow::Owned(escape_html(&xml_safe(text))),
        None => Cow::Borrowed(html),
    }
}

/// `<media:content url="…" medium="image" type="…"/>` for the hero image.
fn media(image: &url::Url) -> ExtensionMap {
    let mut attrs = BTreeMap::from([
        ("url".to_string(), image.to_string()),
        ("medium".to_string(), "image".to_string()),
    ]);
    if let Some(mime) = image_type(image) {
        attrs.insert("type".into(), mime.into());
    }
    let content = Extension {
        name: "media:content".into(),
        // An empty text keeps the pretty-printer from putting a line break inside.
        value: Some(String::new()),
        attrs,
        ..Extension::default()
    };
    let by_name = BTreeMap::from([("content".to_string(), vec![content])]);
    BTreeMap::from([("media".to_string(), by_name)])
}

/// RFC 822 (as updated by RFC 1123), in GMT: `Fri, 15 Mar 2024 09:30:00 GMT`.
pub(crate) fn rfc822(date: DateTime<Utc>) -> String {
    static RFC822: DateFormat = DateFormat::new("%a, %d %b %Y %H:%M:%S GMT");
    RFC822.format(&date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn hex_char_refs_outside_cdata_only() {
        let cases = [
            ("<t>a &amp; &lt;b&gt;</t>", "<t>a &#x26; &#x3C;b&gt;</t>"),
            (
                "<t>&amp;lt;</t><![CDATA[a &amp; <b>]]><![CDATA[]]]]><![CDATA[>]]><u>&lt;</u>",
                "<t>&#x26;lt;</t><![CDATA[a &amp; <b>]]><![CDATA[]]]]><![CDATA[>]]><u>&#x3C;</u>",
            ),
            ("<![CDATA[never closed &amp;", "<![CDATA[never closed &amp;"),
            ("", ""),
        ];
        for (xml, expected) in cases {
            let mut out = String::new();
            push_hex_char_refs(&mut out, xml);
            assert_eq!(out, expected, "{xml}");
        }
    }

    #[test]
    fn hex_refs_rewrite_only_amp_and_lt_entities() {
        let mut out = String::new();
        push_with_hex_refs(&mut out, "a & b &&lt; &amp &gt; &amp;amp;");
        assert_eq!(out, "a & b &&#x3C; &amp &gt; &#x26;amp;");
    }

    #[test]
    fn rfc822_dates_are_in_gmt() {
        let date = Utc.with_ymd_and_hms(2024, 3, 5, 9, 7, 0).unwrap();
        assert_eq!(rfc822(date), "Tue, 05 Mar 2024 09:07:00 GMT");
    }
}
