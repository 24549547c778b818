//! `feeds.max_bytes`: a feed that would outgrow it loses full content from its oldest
//! items first, then its oldest items; the build says so; `0` turns the budget off.

use crate::support::{Site, validate};

const BASE: &str = "https://example.com/";

/// A site of five articles (a newest first: `five` … `one`), each with a description
/// and a body of about `body` bytes, and `feeds:` options `feeds`.
fn site(body: usize, feeds: &str) -> Site {
    let config = format!(
        "site:\n  title: Budget\n  url: {BASE}\n  description: Sizes\n  author: Ann\n\
         feeds:\n  limit: 0\n{feeds}"
    );
    let site = Site::with_config(&config);
    let paragraph = "Words of a long article body that readers like. ";
    let text = paragraph.repeat(body / paragraph.len() + 1);
    for (day, name) in ["one", "two", "three", "four", "five"].iter().enumerate() {
        site.write(
            &format!("content/{name}.md"),
            format!(
                "---\ntitle: {name}\ndescription: The {name} summary.\n\
                 publish_date: 2025-01-0{}\n---\n{text}\n",
                day + 1
            ),
        );
    }
    site
}

const NEWEST_FIRST: [&str; 5] = ["five", "four", "three", "two", "one"];

/// Each file's size after a build with `feeds`.
fn sizes(body: usize, feeds: &str) -> [u64; 3] {
    let site = site(body, feeds);
    site.herald(&["build"]).expect_code(0);
    ["rss.xml", "atom.xml", "feed.json"].map(|f| {
        std::fs::metadata(site.path(&format!("public/{f}")))
            .expect("file")
            .len()
    })
}

/// Per file, the item titles in order and whether each has full content.
fn items(site: &Site) -> Vec<(&'static str, Vec<(String, bool)>)> {
    let feeds = validate::feeds(&site.path("public"), BASE);
    let xml = |feed: &feed_rs::model::Feed| -> Vec<(String, bool)> {
        feed.entries
            .iter()
            .map(|e| {
                let title = e
                    .title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default();
                (title, e.content.is_some())
            })
            .collect()
    };
    let json: serde_json::Value =
        serde_json::from_str(&site.read("public/feed.json")).expect("feed.json");
    let json_items = json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            let title = item["title"].as_str().unwrap_or_default().to_string();
            (title, item.get("content_html").is_some())
        })
        .collect();
    vec![
        ("rss.xml", xml(&feeds.rss)),
        ("atom.xml", xml(&feeds.atom)),
        ("feed.json", json_items),
    ]
}

fn assert_within(site: &Site, max: u64) {
    for file in ["rss.xml", "atom.xml", "feed.json"] {
        let size = std::fs::metadata(site.path(&format!("public/{file}")))
            .expect("file")
            .len();
        assert!(size <= max, "{file} is {size} bytes, over {max}");
    }
}

#[test]
fn content_goes_first_from_the_oldest_item() {
    let full = sizes(20_000, "  max_bytes: 0\n");
    let max = full.iter().min().copied().unwrap_or_default() - 1_000;
    assert!(
        full.iter().max().copied().unwrap_or_default() - max < 15_000,
        "{full:?}"
    );
    let site = site(20_000, &format!("  max_bytes: {max}\n"));
    let run = site.herald(&["build"]);
    run.expect_code(0);
    assert_within(&site, max);
    for (file, items) in items(&site) {
        let expected: Vec<(String, bool)> = NEWEST_FIRST
            .iter()
            .map(|name| (name.to_string(), *name != "one"))
            .collect();
        assert_eq!(items, expected, "{file}");
        run.expect_stderr(&format!(
            "warning: {file} is over feeds.max_bytes ({max} bytes): full content dropped from the 1 oldest item(s), 0 oldest item(s) left out"
        ))
        .expect_stdout(&format!("trimmed {file} to "));
    }
    run.expect_stdout("(1 summarized, 0 dropped)");
}

#[test]
fn whole_items_go_once_no_item_has_content_left() {
    let summaries = sizes(20_000, "  content: summary\n  max_bytes: 0\n");
    let max = summaries.iter().min().copied().unwrap_or_default() - 10;
    let site = site(20_000, &format!("  max_bytes: {max}\n"));
    let run = site.herald(&["build"]);
    run.expect_code(0);
    assert_within(&site, max);
    for (file, items) in items(&site) {
        assert!(items.len() < 5 && !items.is_empty(), "{file}: {items:?}");
        for (index, (title, content)) in items.iter().enumerate() {
            assert_eq!(title, NEWEST_FIRST[index], "{file}: newest kept");
            assert!(!content, "{file}: {title} kept its content");
        }
        let dropped = 5 - items.len();
        run.expect_stderr(&format!(
            "{file} is over feeds.max_bytes ({max} bytes): full content dropped from the {} oldest item(s), {dropped} oldest item(s) left out",
            items.len()
        ));
    }
}

#[test]
fn summary_mode_over_budget_drops_items_and_reports_no_content_dropped() {
    let summaries = sizes(100, "  content: summary\n  max_bytes: 0\n");
    let max = summaries.iter().min().copied().unwrap_or_default() - 10;
    let site = site(100, &format!("  content: summary\n  max_bytes: {max}\n"));
    let run = site.herald(&["build"]);
    run.expect_code(0);
    assert_within(&site, max);
    run.expect_stderr("full content dropped from the 0 oldest item(s)");
    for (file, items) in items(&site) {
        assert!(items.len() < 5, "{file}: {items:?}");
    }
}

#[test]
fn the_default_budget_is_one_megabyte_and_zero_turns_it_off() {
    // 5 × 250 kB of content: over the default 1 MB.
    let site = site(250_000, "");
    site.herald(&["build"])
        .expect_code(0)
        .expect_stderr("is over feeds.max_bytes (1000000 bytes)");
    assert_within(&site, 1_000_000);
    let off = self::site(250_000, "  max_bytes: 0\n");
    let run = off.herald(&["build"]);
    run.expect_code(0);
    assert!(!run.stderr().contains("max_bytes"), "{}", run.describe());
    assert!(!run.stdout().contains("trimmed"), "{}", run.describe());
    for (file, items) in items(&off) {
        assert!(items.iter().all(|(_, content)| *content), "{file}");
        assert_eq!(items.len(), 5, "{file}");
    }
}

#[test]
fn an_unchanged_trimmed_build_writes_nothing() {
    let full = sizes(20_000, "  max_bytes: 0\n");
    let max = full.iter().min().copied().unwrap_or_default() - 1_000;
    let site = site(20_000, &format!("  max_bytes: {max}\n"));
    site.herald(&["build"]).expect_code(0);
    let before = site.identity("public/rss.xml");
    site.herald(&["build"])
        .expect_code(0)
        .expect_stdout("unchanged");
    assert_eq!(site.identity("public/rss.xml"), before);
}
