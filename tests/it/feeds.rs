//! The feed files read back by independent parsers: `feed-rs` for RSS and Atom,
//! `serde_json` for JSON Feed.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use herald::Config;
use herald::content::Article;
use herald::content::ArticleMeta;
use herald::feed::{self, RenderedFeeds};

/// A site in a temporary folder: `herald.yaml` plus literal articles.
struct Site {
    dir: tempfile::TempDir,
}

const CONFIG: &str = "\
site:
  title: Test & <Site>
  url: https://example.com/blog/
  description: Notes for \"tests\"
  language: en
  author: Site Editors
permalink: /articles/{slug}/
feeds:
  limit: 0
";

impl Site {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("content")).expect("content dir");
        let site = Site { dir };
        site.write("herald.yaml", CONFIG);
        site
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).expect("write file");
    }

    /// Adds `content/{slug}.md` with `front_matter` (YAML lines) and `body`.
    fn article(&self, slug: &str, front_matter: &str, body: &str) -> &Self {
        self.write(
            &format!("content/{slug}.md"),
            &format!("---\n{front_matter}\n---\n{body}"),
        );
        self
    }

    fn config(&self) -> Config {
        Config::load(&self.dir.path().join("herald.yaml")).expect("config loads")
    }

    fn articles(&self, config: &Config) -> Vec<ArticleMeta> {
        let loaded = herald::content::load(config).expect("content loads");
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        loaded.articles
    }

    /// Loads everything and renders the feeds as they are at `now`.
    fn render(&self, now: &str, limit: usize) -> RenderedFeeds {
        let config = self.config();
        let articles = self.articles(&config);
        let items = full(&config, &feed::select(&articles, at(now), limit));
        feed::render_all(&config, &refs(&items)).expect("feeds render")
    }
}

/// The selected records read whole.
fn full(config: &Config, items: &[&ArticleMeta]) -> Vec<Article> {
    herald::content::load_full(config, items).expect("the selected articles load")
}

fn refs(articles: &[Article]) -> Vec<&Article> {
    articles.iter().collect()
}

fn at(date: &str) -> DateTime<Utc> {
    date.parse().expect("test date parses")
}

/// The three files read back: RSS and Atom by feed-rs, JSON by serde_json.
struct ReadBack {
    rss: feed_rs::model::Feed,
    atom: feed_rs::model::Feed,
    json: serde_json::Value,
}

fn read_back(feeds: &RenderedFeeds) -> ReadBack {
    let parse = |xml: &str, name: &str| {
        feed_rs::parser::parse(xml.as_bytes())
            .unwrap_or_else(|e| panic!("{name} does not parse: {e}\n{xml}"))
    };
    ReadBack {
        rss: parse(&feeds.rss, "rss.xml"),
        atom: parse(&feeds.atom, "atom.xml"),
        json: serde_json::from_str(&feeds.json).expect("feed.json parses"),
    }
}

fn json_items(json: &serde_json::Value) -> &Vec<serde_json::Value> {
    json["items"].as_array().expect("items is an array")
}

fn json_str<'a>(value: &'a serde_json::Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {value}"))
}

/// Every format lists the same articles; returns their URLs in feed order.
fn urls_in_order(back: &ReadBack) -> Vec<String> {
    let link = |entry: &feed_rs::model::Entry| entry.links[0].href.clone();
    let rss: Vec<String> = back.rss.entries.iter().map(link).collect();
    let atom: Vec<String> = back.atom.entries.iter().map(link).collect();
    let json: Vec<String> = json_items(&back.json)
        .iter()
        .map(|item| json_str(item, "url").to_string())
        .collect();
    assert_eq!(rss, atom, "RSS and Atom disagree");
    assert_eq!(rss, json, "RSS and JSON disagree");
    rss
}

fn url_of(slug: &str) -> String {
    format!("https://example.com/blog/articles/{slug}/")
}

/// A site with two articles on one day, an older one, a draft and a scheduled one.
fn mixed_site() -> Site {
    let site = Site::new();
    site.article("old", "title: Old\npublish_date: 2024-01-10", "Old body.\n")
        .article("tie-b", "title: Tie B\npublish_date: 2024-02-01", "B.\n")
        .article("tie-a", "title: Tie A\npublish_date: 2024-02-01", "A.\n")
        .article(
            "draft",
            "title: Draft\npublish_date: 2024-01-20\ndraft: true",
            "Not yet.\n",
        )
        .article(
            "scheduled",
            "title: Scheduled\npublish_date: 2024-06-01T08:00:00Z",
            "Later.\n",
        );
    site
}

#[test]
fn newest_first_ties_by_slug_without_drafts_or_future_articles() {
    let back = read_back(&mixed_site().render("2024-05-01T00:00:00Z", 0));
    assert_eq!(
        urls_in_order(&back),
        [url_of("tie-a"), url_of("tie-b"), url_of("old")]
    );
}

#[test]
fn scheduled_article_appears_once_its_time_has_come() {
    let site = mixed_site();
    let before = read_back(&site.render("2024-06-01T07:59:59Z", 0));
    let after = read_back(&site.render("2024-06-01T08:00:00Z", 0));
    assert_eq!(urls_in_order(&before).len(), 3);
    assert_eq!(urls_in_order(&after)[0], url_of("scheduled"));
}

#[test]
fn limit_keeps_the_newest_and_zero_means_all() {
    let site = mixed_site();
    let cases = [
        (1, vec![url_of("tie-a")]),
        (2, vec![url_of("tie-a"), url_of("tie-b")]),
        (3, vec![url_of("tie-a"), url_of("tie-b"), url_of("old")]),
        (0, vec![url_of("tie-a"), url_of("tie-b"), url_of("old")]),
        (50, vec![url_of("tie-a"), url_of("tie-b"), url_of("old")]),
    ];
    for (limit, expected) in cases {
        let back = read_back(&site.render("2024-05-01T00:00:00Z", limit));
        assert_eq!(urls_in_order(&back), expected, "limit {limit}");
    }
}

#[test]
fn select_sorts_any_input_and_skips_what_is_not_visible() {
    let site = mixed_site();
    let config = site.config();
    let mut articles = site.articles(&config);
    articles.reverse();
    let slugs: Vec<&str> = feed::select(&articles, at("2024-05-01T00:00:00Z"), 0)
        .iter()
        .map(|a| a.slug())
        .collect();
    assert_eq!(slugs, ["tie-a", "tie-b", "old"]);
}

#[test]
fn dates_use_publish_and_updated_dates_never_created_or_the_clock() {
    let site = Site::new();
    site.article(
        "edited",
        "title: Edited\npublish_date: 2024-03-15T09:30:00+01:00\n\
         updated_date: 2024-04-02T10:00:00Z\ncreated_date: 2023-01-01",
        "Body.\n",
    )
    .article(
        "plain",
        "title: Plain\npublish_date: 2024-03-01\ncreated_date: 2025-12-31",
        "Body.\n",
    );
    let feeds = site.render("2025-01-01T00:00:00Z", 0);
    let back = read_back(&feeds);

    let published = at("2024-03-15T08:30:00Z");
    let updated = at("2024-04-02T10:00:00Z");
    let plain = at("2024-03-01T00:00:00Z");
    assert_eq!(back.rss.entries[0].published, Some(published));
    assert_eq!(back.rss.entries[1].published, Some(plain));
    assert_eq!(back.atom.entries[0].published, Some(published));
    assert_eq!(back.atom.entries[0].updated, Some(updated));
    assert_eq!(back.atom.entries[1].updated, Some(plain));
    // The feed's own date is the newest item date, not the build time.
    assert_eq!(back.atom.updated, Some(updated));
    assert_eq!(back.rss.updated, Some(updated));
    assert!(
        feeds
            .rss
            .contains("<pubDate>Fri, 15 Mar 2024 08:30:00 GMT</pubDate>")
    );
    assert!(
        feeds
            .rss
            .contains("<lastBuildDate>Tue, 02 Apr 2024 10:00:00 GMT</lastBuildDate>")
    );

    let items = json_items(&back.json);
    assert_eq!(
        json_str(&items[0], "date_published"),
        "2024-03-15T08:30:00Z"
    );
    assert_eq!(json_str(&items[0], "date_modified"), "2024-04-02T10:00:00Z");
    assert_eq!(json_str(&items[1], "date_modified"), "2024-03-01T00:00:00Z");
    for text in [&feeds.rss, &feeds.atom, &feeds.json] {
        assert!(!text.contains("2023-01-01") && !text.contains("2025-12-31"));
    }
}

/// Every `href="…"` and `src="…"` value in an HTML fragment.
fn html_links(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attribute in ["href=\"", "src=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            let end = rest.find('"').expect("closed attribute");
            links.push(rest[..end].replace("&amp;", "&"));
        }
    }
    links
}

fn assert_absolute(link: &str, context: &str) {
    let parsed = url::Url::parse(link);
    assert!(
        parsed.is_ok_and(|u| u.has_host()),
        "{context}: {link:?} is not absolute"
    );
}

#[test]
fn every_link_is_absolute_including_content_and_hero_image() {
    let site = Site::new();
    site.article(
        "relative",
        "title: Relative\npublish_date: 2024-03-01\nheroImage: images/hero.jpg\n\
         cta: Read more\ndescription: About links",
        "See [the other](../other/) and [about](/about/) and ![pic](pic.png).\n\n\
         <p><a href=\"notes/x.txt\">raw</a> <img src='/i/raw.gif' alt=\"\"></p>\n",
    );
    let feeds = site.render("2025-01-01T00:00:00Z", 0);
    let back = read_back(&feeds);
    let hero = "https://example.com/blog/articles/relative/images/hero.jpg";

    let rss_content = back.rss.entries[0]
        .content
        .as_ref()
        .and_then(|c| c.body.clone());
    let atom_content = back.atom.entries[0]
        .content
        .as_ref()
        .and_then(|c| c.body.clone());
    let json_content = json_str(&json_items(&back.json)[0], "content_html").to_string();
    for (format, html) in [
        ("rss", rss_content.expect("rss content")),
        ("atom", atom_content.expect("atom content")),
        ("json", json_content),
    ] {
        let links = html_links(&html);
        assert!(links.len() >= 6, "{format}: {links:?}");
        for link in &links {
            assert_absolute(link, format);
        }
        for expected in [
            hero,
            "https://example.com/blog/articles/other/",
            "https://example.com/about/",
            "https://example.com/blog/articles/relative/pic.png",
            "https://example.com/blog/articles/relative/notes/x.txt",
            "https://example.com/i/raw.gif",
        ] {
            assert!(
                links.iter().any(|l| l == expected),
                "{format}: {expected} in {links:?}"
            );
        }
    }

    let media = &back.rss.entries[0].media[0].content[0];
    assert_eq!(media.url.as_ref().map(url::Url::as_str), Some(hero));
    let enclosure = back.atom.entries[0]
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("enclosure"));
    assert_eq!(enclosure.map(|l| l.href.as_str()), Some(hero));
    assert_eq!(
        enclosure.and_then(|l| l.media_type.as_deref()),
        Some("image/jpeg")
    );
    assert_eq!(json_str(&json_items(&back.json)[0], "image"), hero);

    for feed in [&back.rss, &back.atom] {
        for link in &feed.links {
            assert_absolute(&link.href, "feed link");
        }
    }
    assert_eq!(
        json_str(&back.json, "feed_url"),
        "https://example.com/blog/feed.json"
    );
    assert_eq!(
        json_str(&back.json, "home_page_url"),
        "https://example.com/blog/"
    );
    assert!(
        feeds
            .rss
            .contains(r#"href="https://example.com/blog/rss.xml" rel="self""#)
    );
    assert!(
        feeds
            .atom
            .contains(r#"href="https://example.com/blog/atom.xml" rel="self""#)
    );
}

const TRICKY_TITLE: &str = "Tom & Jerry's <\"quoted\"> café 🎉";

#[test]
fn markup_quotes_and_emoji_survive_the_round_trip() {
    let site = Site::new();
    site.article(
        "tricky",
        "title: \"Tom & Jerry's <\\\"quoted\\\"> café 🎉\"\npublish_date: 2024-03-01\n\
         description: \"Less < more & 'so on' ]]>\"\nauthor: \"O'Brien & <Sons>\"\n\
         tags: [\"c++ & <rust>\"]\ncta: \"Go <now> & win\"\nheroImage: /img/a.png",
        "Text with ]]> in it.\n\n<div>raw ]]> here</div>\n\n```\nif a < b && c ]]> d {}\n```\n",
    );
    let feeds = site.render("2025-01-01T00:00:00Z", 0);
    let back = read_back(&feeds);

    for (format, feed) in [("rss", &back.rss), ("atom", &back.atom)] {
        let entry = &feed.entries[0];
        let title = entry.title.as_ref().map(|t| t.content.as_str());
        assert_eq!(title, Some(TRICKY_TITLE), "{format}");
        let summary = entry.summary.as_ref().map(|t| t.content.as_str());
        // RSS `description` is HTML; Atom `summary` is plain text.
        let expected = match format {
            "rss" => "Less &lt; more &amp; &#39;so on&#39; ]]&gt;",
            _ => "Less < more & 'so on' ]]>",
        };
        assert_eq!(summary, Some(expected), "{format}");
        let author = entry.authors.first().map(|p| p.name.as_str());
        assert_eq!(author, Some("O'Brien & <Sons>"), "{format}");
        assert_eq!(entry.categories[0].term, "c++ & <rust>", "{format}");
        let content = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .unwrap_or_default();
        assert!(
            content.contains("<div>raw ]]> here</div>"),
            "{format}: {content}"
        );
        assert!(
            content.contains("Text with ]]&gt; in it."),
            "{format}: {content}"
        );
        assert!(
            content.contains("if a &lt; b &amp;&amp; c ]]&gt; d"),
            "{format}: {content}"
        );
        let alt = "alt=\"Tom &amp; Jerry&#39;s &lt;&quot;quoted&quot;&gt; café 🎉\"";
        assert!(content.contains(alt), "{format}: {content}");
        assert!(
            content.contains(">Go &lt;now&gt; &amp; win</a>"),
            "{format}: {content}"
        );
        let site_title = feed.title.as_ref().map(|t| t.content.as_str());
        assert_eq!(site_title, Some("Test & <Site>"), "{format}");
    }
    let item = &json_items(&back.json)[0];
    assert_eq!(json_str(item, "title"), TRICKY_TITLE);
    assert_eq!(json_str(item, "summary"), "Less < more & 'so on' ]]>");
    assert_eq!(item["tags"][0], "c++ & <rust>");
    assert!(json_str(item, "content_html").contains("<div>raw ]]> here</div>"));
}

/// Characters XML 1.0 forbids (and the discouraged C1 controls).
fn is_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}')
}

#[test]
fn control_characters_are_stripped_from_every_field() {
    let site = Site::new();
    site.article(
        "controls",
        "title: \"Bell\\a and\\x01 tab\\tok\\uFFFE\"\npublish_date: 2024-03-01\n\
         subtitle: \"sub\\x0Btitle\"\ndescription: \"desc\\x1Fription\\x85\"\n\
         author: \"Au\\x0Cthor\"\ntags: [\"t\\x02ag\"]\ncta: \"c\\x10ta\"\nid: \"id\\x03-1\"",
        "Body \u{1} with \u{B} controls \u{FFFF} and \u{7F}del.\n\n<p title=\"a\u{2}b\">raw\u{1B}</p>\n",
    );
    let feeds = site.render("2025-01-01T00:00:00Z", 0);
    for (name, text) in [
        ("rss", &feeds.rss),
        ("atom", &feeds.atom),
        ("json", &feeds.json),
    ] {
        let found: Vec<char> = text.chars().filter(|&c| is_forbidden(c)).collect();
        assert!(found.is_empty(), "{name} contains {found:?}");
        assert!(
            !text.contains("\\u000"),
            "{name} has an escaped control character"
        );
    }
    let back = read_back(&feeds);
    for feed in [&back.rss, &back.atom] {
        let entry = &feed.entries[0];
        assert_eq!(
            entry.title.as_ref().map(|t| t.content.as_str()),
            Some("Bell and tab\tok")
        );
        assert_eq!(
            entry.summary.as_ref().map(|t| t.content.as_str()),
            Some("description")
        );
        assert_eq!(entry.authors[0].name, "Author");
        assert_eq!(entry.categories[0].term, "tag");
        let content = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .unwrap_or_default();
        assert!(
            content.contains("subtitle") && content.contains(">cta</a>"),
            "{content}"
        );
        assert!(
            content.contains("Body  with  controls  and del."),
            "{content}"
        );
    }
    assert_eq!(back.rss.entries[0].id, "id-1");
    assert_eq!(json_str(&json_items(&back.json)[0], "id"), "id-1");
}

#[test]
fn rss_uses_hex_references_in_plain_text_and_html_in_description() {
    let site = Site::new();
    site.article(
        "described",
        "title: \"A <b> & c\"\npublish_date: 2024-03-03\ndescription: x < y",
        "Body.\n",
    )
    .article(
        "subtitled",
        "title: Subtitled\npublish_date: 2024-03-02\nsubtitle: Sub & more",
        "Body.\n",
    )
    .article(
        "bare",
        "title: Bare\npublish_date: 2024-03-01",
        "Only *body*.\n",
    );
    let feeds = site.render("2025-01-01T00:00:00Z", 0);
    assert!(
        feeds
            .rss
            .contains("<title>Test &#x26; &#x3C;Site&gt;</title>"),
        "{}",
        feeds.rss
    );
    assert!(feeds.rss.contains("<title>A &#x3C;b&gt; &#x26; c</title>"));
    let descriptions: Vec<String> = read_back(&feeds)
        .rss
        .entries
        .iter()
        .map(|e| {
            e.summary
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(descriptions[0], "x &lt; y");
    assert_eq!(descriptions[1], "Sub &amp; more");
    assert_eq!(
        descriptions[2],
        "<p>Site Editors</p>\n<p>Only <em>body</em>.</p>"
    );
}

#[test]
fn ids_that_are_not_urls_become_tag_uris_in_atom_only() {
    let site = Site::new();
    site.article(
        "custom",
        "title: Custom\npublish_date: 2024-03-01\nid: post 42/x",
        "B.\n",
    )
    .article(
        "default",
        "title: Default\npublish_date: 2024-02-01",
        "B.\n",
    );
    let feeds = site.render("2025-01-01T00:00:00Z", 0);
    let back = read_back(&feeds);
    assert!(
        feeds
            .rss
            .contains(r#"<guid isPermaLink="false">post 42/x</guid>"#),
        "{}",
        feeds.rss
    );
    assert!(
        feeds
            .rss
            .contains(&format!("<guid>{}</guid>", url_of("default")))
    );
    assert_eq!(
        back.atom.entries[0].id,
        "tag:example.com,2024-03-01:post+42%2Fx"
    );
    assert_eq!(back.atom.entries[1].id, url_of("default"));
    assert_eq!(json_str(&json_items(&back.json)[0], "id"), "post 42/x");
}

#[test]
fn output_is_byte_identical_whatever_the_clock() {
    let site = mixed_site();
    let first = site.render("2024-05-01T00:00:00Z", 0);
    let again = site.render("2024-05-01T00:00:00Z", 0);
    let later = site.render("2024-05-31T23:59:59Z", 0);
    assert_eq!(first, again);
    assert_eq!(first, later);
}

#[test]
fn empty_feed_is_valid_and_dated_by_a_fixed_rule() {
    let site = Site::new();
    let feeds = site.render("2025-01-01T00:00:00Z", 0);
    let back = read_back(&feeds);
    assert!(back.rss.entries.is_empty() && back.atom.entries.is_empty());
    assert!(!feeds.rss.contains("lastBuildDate"), "{}", feeds.rss);
    assert!(
        feeds
            .atom
            .contains("<updated>2000-01-01T00:00:00+00:00</updated>")
    );
    assert_eq!(json_items(&back.json).len(), 0);
}

#[test]
fn json_feed_has_the_1_1_shape() {
    let site = Site::new();
    site.article(
        "full",
        "title: Full\nsubtitle: Sub\ndescription: Desc\nauthor: Ann\nread_time: 3 mins\n\
         publish_date: 2024-03-01\nhero_image: https://cdn.example.com/a.png\ncta: Join\n\
         cta_url: /join/\ntags: [a, b]",
        "Body.\n",
    );
    let feeds = site.render("2025-01-01T00:00:00Z", 0);
    assert!(feeds.json.ends_with("}\n"), "trailing newline");
    assert!(feeds.json.starts_with("{\n  \"version\""), "pretty-printed");
    let json: serde_json::Value = serde_json::from_str(&feeds.json).expect("json");
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["title"], "Test & <Site>");
    assert_eq!(json["description"], "Notes for \"tests\"");
    assert_eq!(json["language"], "en");
    assert_eq!(json["authors"][0]["name"], "Site Editors");
    let item = &json["items"][0];
    assert_eq!(item["id"], url_of("full"));
    assert_eq!(item["url"], url_of("full"));
    assert_eq!(item["summary"], "Desc");
    assert_eq!(item["image"], "https://cdn.example.com/a.png");
    assert_eq!(item["authors"][0]["name"], "Ann");
    assert_eq!(item["tags"], serde_json::json!(["a", "b"]));
    let html = json_str(item, "content_html");
    assert!(
        html.starts_with("<p><em>Sub</em></p>\n<p>Ann · 3 mins</p>\n"),
        "{html}"
    );
    assert!(
        html.contains("<img src=\"https://cdn.example.com/a.png\" alt=\"Full\">"),
        "{html}"
    );
    assert!(
        html.ends_with("<p><a href=\"https://example.com/join/\">Join</a></p>\n"),
        "{html}"
    );
    let keys: Vec<&String> = item.as_object().expect("object").keys().collect();
    for key in &keys {
        assert!(
            [
                "id",
                "url",
                "title",
                "summary",
                "content_html",
                "image",
                "date_published",
                "date_modified",
                "authors",
                "tags"
            ]
            .contains(&key.as_str()),
            "unexpected item key {key}"
        );
    }
}

/// The shipped `herald.yaml` and `content/`, as a reader sees them on 2026-01-01.
fn shipped_feeds() -> RenderedFeeds {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("herald.yaml")).expect("herald.yaml loads");
    let loaded = herald::content::load(&config).expect("content/ loads");
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let items = feed::select(
        &loaded.articles,
        at("2026-01-01T00:00:00Z"),
        config.feed_limit(),
    );
    feed::render_all(&config, &refs(&full(&config, &items))).expect("feeds render")
}

#[test]
fn shipped_content_snapshots() {
    let feeds = shipped_feeds();
    insta::assert_snapshot!("rss.xml", feeds.rss);
    insta::assert_snapshot!("atom.xml", feeds.atom);
    insta::assert_snapshot!("feed.json", feeds.json);
}

#[test]
fn shipped_content_leaves_out_the_draft_and_the_scheduled_article() {
    let back = read_back(&shipped_feeds());
    let urls = urls_in_order(&back);
    assert_eq!(
        urls,
        [
            "https://magick.ai/articles/caching-static-sites/",
            "https://magick.ai/articles/home-network-audit/",
            "https://magick.ai/articles/field-notebook/",
        ]
    );
}
