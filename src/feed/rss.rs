//! RSS 2.0 (`rss.xml`) with the content, Dublin Core, Atom and Media RSS extensions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid};

use super::RSS_FILE;
use super::item::{Item, clean, prepare};
use super::site::{GENERATOR, Site, VERSION, feed_url, image_type};
use super::text::escape_html;
use crate::config::Config;
use crate::content::Article;
use crate::error::{Error, Result};

/// The Media RSS namespace, for hero images.
const MEDIA_NAMESPACE: &str = "http://search.yahoo.com/mrss/";

/// Renders `items` (in the given order) as an RSS 2.0 document.
pub fn render(config: &Config, items: &[&Article]) -> Result<String> {
    write(config, &prepare(items)?)
}

/// Writes already prepared items; see [`super::render_all`].
pub(crate) fn write(config: &Config, items: &[Item<'_>]) -> Result<String> {
    let channel = channel(config, items)?;
    let bytes = channel
        .pretty_write_to(Vec::new(), b' ', 2)
        .map_err(|e| fail(Box::new(e)))?;
    let xml = String::from_utf8(bytes).map_err(|e| fail(Box::new(e)))?;
    let mut xml = hex_char_refs(&xml);
    xml.push('\n');
    Ok(xml)
}

/// Rewrites `&amp;` and `&lt;` outside CDATA sections as `&#x26;` and `&#x3C;`.
///
/// The same characters to an XML parser, but the RSS Best Practices Profile asks for
/// hexadecimal references in plain-text elements such as `title`, so that readers which
/// treat them as HTML do not see markup (the W3C validator warns otherwise). CDATA
/// sections hold HTML and are copied as they are.
fn hex_char_refs(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() + xml.len() / 16);
    let mut rest = xml;
    while let Some(start) = rest.find("<![CDATA[") {
        let (outside, cdata) = rest.split_at(start);
        push_with_hex_refs(&mut out, outside);
        let end = cdata
            .find("]]>")
            .map_or(cdata.len(), |end| end + "]]>".len());
        out.push_str(&cdata[..end]);
        rest = &cdata[end..];
    }
    push_with_hex_refs(&mut out, rest);
    out
}

fn push_with_hex_refs(out: &mut String, markup: &str) {
    out.push_str(&markup.replace("&amp;", "&#x26;").replace("&lt;", "&#x3C;"));
}

fn fail(source: Box<dyn std::error::Error + Send + Sync>) -> Error {
    Error::Feed {
        file: RSS_FILE,
        source,
    }
}

fn channel(config: &Config, items: &[Item<'_>]) -> Result<Channel> {
    let site = Site::new(config, items);
    let self_link = Link {
        href: feed_url(config, RSS_FILE)?.into(),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Link::default()
    };
    Ok(Channel {
        title: site.title,
        link: site.home,
        description: site.description,
        language: site.language,
        last_build_date: site.updated.map(rfc822),
        generator: Some(format!("{GENERATOR} {VERSION}")),
        atom_ext: Some(AtomExtension {
            links: vec![self_link],
        }),
        namespaces: namespaces(),
        items: items.iter().map(item).collect(),
        ..Channel::default()
    })
}

/// Every namespace the feed may use, declared once on the root element.
fn namespaces() -> BTreeMap<String, String> {
    [
        ("atom", "http://www.w3.org/2005/Atom"),
        ("content", "http://purl.org/rss/1.0/modules/content/"),
        ("dc", "http://purl.org/dc/elements/1.1/"),
        ("media", MEDIA_NAMESPACE),
    ]
    .into_iter()
    .map(|(prefix, uri)| (prefix.to_string(), uri.to_string()))
    .collect()
}

fn item(item: &Item<'_>) -> rss::Item {
    let article = item.article;
    rss::Item {
        title: Some(item.title.clone()),
        link: Some(article.url.to_string()),
        description: Some(description(item)),
        categories: item
            .tags
            .iter()
            .map(|tag| Category {
                name: tag.clone(),
                domain: None,
            })
            .collect(),
        guid: Some(Guid {
            permalink: item.id == article.url.as_str(),
            value: item.id.clone(),
        }),
        pub_date: Some(rfc822(article.published)),
        content: Some(item.html.clone()),
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
/// `content:encoded` without a `description` trips up readers (and the validator).
fn description(item: &Item<'_>) -> String {
    let plain = item.summary.as_deref().or(item.article.subtitle.as_deref());
    match plain {
        Some(text) => escape_html(&clean(text)),
        None => item.html.clone(),
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
pub fn rfc822(date: DateTime<Utc>) -> String {
    date.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
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
            assert_eq!(hex_char_refs(xml), expected, "{xml}");
        }
    }

    #[test]
    fn rfc822_dates_are_in_gmt() {
        let date = Utc.with_ymd_and_hms(2024, 3, 5, 9, 7, 0).unwrap();
        assert_eq!(rfc822(date), "Tue, 05 Mar 2024 09:07:00 GMT");
    }
}
