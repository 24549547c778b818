//! Every feed `herald build` writes passes the W3C feedvalidator (when installed, see
//! `support::validate`) and is read back by feed-rs, whatever the feed options.

use crate::support::{Site, validate};

/// The site's URL of [`varied_site`], under which the feeds are validated.
const BASE: &str = "https://example.com/blog/";

/// A site with every optional front-matter field, characters each format escapes, a
/// hero image, tags, an article without description and a long one.
pub(crate) fn varied_site(feeds: &str) -> Site {
    let config = format!(
        "site:\n  title: Test & <Site>\n  url: {BASE}\n  description: Notes for \"tests\"\n  \
         language: en\n  author: Site Editors\nfeeds:\n  limit: 0\n{feeds}"
    );
    let site = Site::with_config(&config);
    site.write(
        "content/caching.md",
        "---\ntitle: 'Caching & <Cache> \"Busting\"'\nsubtitle: 'Why & how'\n\
         description: 'A & B < C ]]> D'\nauthor: Ann\nread_time: 6 mins\n\
         publish_date: 2025-11-03\nheroImage: images/a.jpg\ncta: 'Go & see'\n\
         tags: [web, 'a&b']\n---\nText with ]]> and &amp; and <b>bold</b>, \
         a [link](../other/) and `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    );
    site.write(
        "content/bare.md",
        "---\ntitle: Bare\npublish_date: 2024-01-01\n---\nJust a body, no description.\n",
    );
    site.write(
        "content/own-id.md",
        "---\ntitle: Own id\nid: 'post 42/x'\npublish_date: 2024-02-01T10:00:00Z\n\
         updated_date: 2024-03-01\nheroImage: https://cdn.example.com/i.png\n---\n\
         # Heading\n\nA control \u{7} character and an emoji 🦀.\n",
    );
    site.write(
        "content/long.md",
        format!(
            "---\ntitle: Long\ndescription: A long one\npublish_date: 2023-05-05\n---\n{}",
            "A paragraph of the long article, repeated.\n\n".repeat(200)
        ),
    );
    site
}

/// Builds `site` and checks its three feeds; returns them read back.
pub(crate) fn build_and_check(site: &Site) -> validate::Feeds {
    site.herald(&["build"]).expect_code(0);
    validate::feeds(&site.path("public"), BASE)
}

#[test]
fn default_build_passes_the_validator_and_reads_back() {
    let site = varied_site("");
    let feeds = build_and_check(&site);
    assert_eq!(feeds.rss.entries.len(), 4);
    assert_eq!(
        feeds.atom.entries[0]
            .title
            .as_ref()
            .map(|t| t.content.as_str()),
        Some("Caching & <Cache> \"Busting\"")
    );
}

#[test]
fn the_validator_reports_errors_it_is_given() {
    // The harness must be able to fail: a broken date is an error.
    let site = varied_site("");
    site.herald(&["build"]).expect_code(0);
    let rss = site.read("public/rss.xml");
    let broken = regex_free_replace_pub_dates(&rss);
    site.write("public/broken.xml", broken);
    if let Some(report) = validate::run(&[&site.path("public/broken.xml")], BASE) {
        assert!(
            report.errors.iter().any(|e| e.contains("pubDate")),
            "{}",
            report.output
        );
    }
}

/// Replaces the text of every `<pubDate>` with `yesterday`.
fn regex_free_replace_pub_dates(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(at) = rest.find("<pubDate>") {
        let open = at + "<pubDate>".len();
        out.push_str(&rest[..open]);
        out.push_str("yesterday");
        let close = rest[open..].find("</pubDate>").expect("closed") + open;
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}
