//! The feed options: the browser stylesheet, WebSub hub links and summary-only items;
//! every variant passes the validator and reads back (see `feed_validity`).

use crate::feed_validity::{build_and_check, varied_site};

#[test]
fn stylesheet_on_by_default_is_linked_copied_and_valid() {
    let site = varied_site("");
    build_and_check(&site);
    for file in ["rss.xml", "atom.xml"] {
        let xml = site.read(&format!("public/{file}"));
        let second = xml.lines().nth(1).unwrap_or_default();
        assert_eq!(
            second, r#"<?xml-stylesheet type="text/xsl" href="feed.xsl"?>"#,
            "{file}"
        );
    }
    assert!(!site.read("public/feed.json").contains("feed.xsl"));
    assert_eq!(
        site.read("public/feed.xsl"),
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/feed.xsl"))
            .expect("templates/feed.xsl")
    );
}

#[test]
fn stylesheet_false_links_nothing_and_writes_nothing() {
    let site = varied_site("  stylesheet: false\n");
    build_and_check(&site);
    assert!(!site.read("public/rss.xml").contains("xml-stylesheet"));
    assert!(!site.read("public/atom.xml").contains("xml-stylesheet"));
    assert!(!site.path("public/feed.xsl").exists());
}

#[test]
fn a_stylesheet_of_your_own_is_copied_in_place_of_herald_s() {
    let site = varied_site("  stylesheet: style/mine.xsl\n");
    let mine = "<?xml version=\"1.0\"?>\n<xsl:stylesheet version=\"1.0\" \
                xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"/>\n";
    site.write("style/mine.xsl", mine);
    build_and_check(&site);
    assert_eq!(site.read("public/feed.xsl"), mine);
    assert!(site.read("public/rss.xml").contains("href=\"feed.xsl\""));
}

#[test]
fn a_missing_stylesheet_file_names_the_key_and_the_path() {
    let site = varied_site("  stylesheet: nowhere.xsl\n");
    site.herald(&["build"])
        .expect_code(2)
        .expect_stderr("feeds.stylesheet")
        .expect_stderr("nowhere.xsl");
    assert!(!site.path("public/rss.xml").exists());
}

#[test]
fn websub_hub_is_announced_in_every_format_and_valid() {
    let site = varied_site("  websub_hub: http://127.0.0.1:9/hub\n");
    build_and_check(&site);
    let hub = r#"<atom:link href="http://127.0.0.1:9/hub" rel="hub"/>"#;
    assert!(site.read("public/rss.xml").contains(hub), "rss.xml");
    assert!(
        site.read("public/atom.xml")
            .contains(r#"<link href="http://127.0.0.1:9/hub" rel="hub"/>"#),
        "atom.xml"
    );
    let json: serde_json::Value =
        serde_json::from_str(&site.read("public/feed.json")).expect("feed.json");
    assert_eq!(
        json["hubs"],
        serde_json::json!([{"type": "WebSub", "url": "http://127.0.0.1:9/hub"}])
    );
}

#[test]
fn summary_mode_has_no_full_content_in_any_format() {
    let site = varied_site("  content: summary\n");
    let feeds = build_and_check(&site);
    let rss = site.read("public/rss.xml");
    let atom = site.read("public/atom.xml");
    let json: serde_json::Value =
        serde_json::from_str(&site.read("public/feed.json")).expect("feed.json");
    assert!(!rss.contains("content:encoded"), "{rss}");
    assert!(!atom.contains("<content"), "{atom}");
    for item in json["items"].as_array().expect("items") {
        assert!(item.get("content_html").is_none(), "{item}");
        assert!(item["content_text"].is_string(), "{item}");
    }
    assert!(!rss.contains("A paragraph of the long article, repeated. A paragraph"));
    // Description, else subtitle, else the start of the text.
    let summary = |title: &str| {
        feeds
            .atom
            .entries
            .iter()
            .find(|e| e.title.as_ref().is_some_and(|t| t.content == title))
            .and_then(|e| e.summary.as_ref())
            .map(|s| s.content.clone())
            .unwrap_or_default()
    };
    assert_eq!(summary("Caching & <Cache> \"Busting\""), "A & B < C ]]> D");
    assert_eq!(summary("Bare"), "Just a body, no description.");
    assert_eq!(summary("Long"), "A long one");
    assert!(
        summary("Own id").starts_with("Heading A control"),
        "{}",
        summary("Own id")
    );
}

#[test]
fn full_mode_is_the_default_and_carries_content() {
    let site = varied_site("");
    build_and_check(&site);
    assert!(site.read("public/rss.xml").contains("<content:encoded>"));
    assert!(
        site.read("public/atom.xml")
            .contains("<content type=\"html\">")
    );
    assert!(site.read("public/feed.json").contains("\"content_html\""));
}

#[test]
fn an_unknown_content_mode_is_a_config_error_with_its_line() {
    let site = varied_site("  content: excerpts\n");
    site.herald(&["build"])
        .expect_code(2)
        .expect_stderr("herald.yaml")
        .expect_stderr("full");
}
