//! The site's own web pages (issue 21): the home page at `/`, and each feed's HTML page,
//! which `herald build` writes beside the feed (`rss.html` beside `rss.xml`) and
//! `herald serve` sends to a request for the feed that prefers HTML. Over real HTTP,
//! then checked as a person sees them (`support/pages.rs`: axe-core, the Nu Html
//! Checker, a 375 px viewport, screenshots).

use crate::serve::{ENV, confirm_path, wait_for_mail};
use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::pages::{self, Page};
use crate::support::server::{Reply, Server};
use crate::support::{CONFIG, Site};

/// The site's feeds: path, the HTML page the build writes beside it, the feed's type.
pub(crate) const SITE_FEEDS: [(&str, &str, &str); 3] = [
    ("/rss.xml", "rss.html", "application/rss+xml; charset=utf-8"),
    (
        "/atom.xml",
        "atom.html",
        "application/atom+xml; charset=utf-8",
    ),
    (
        "/feed.json",
        "feed.html",
        "application/feed+json; charset=utf-8",
    ),
];

/// What Chromium, Firefox and Safari send for a page.
pub(crate) const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
/// What a feed reader sends.
const READER: &str = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8";

/// A site with sign-up on (a newsletter and a public URL), per-tag feeds and an
/// archive page, and `smtp` as relay when given; built.
fn built_site(smtp: Option<&SmtpServer>) -> Site {
    let smtp = smtp
        .map(|s| format!("smtp:\n  url: \"{}\"\n  concurrency: 1\n", s.url("")))
        .unwrap_or_default();
    let site = Site::with_config(&format!(
        "{CONFIG}newsletter:
  from: \"Test Site <news@example.com>\"
serve:
  public_url: \"http://news.example.test/\"
feeds:
  limit: 2
  archives: true
  archive_page_size: 2
  per_tag: true
  tag_archives: true
{smtp}"
    ));
    for (name, title, date, tags) in [
        ("one", "First & <oldest>", "2025-09-01", "[rust]"),
        ("two", "Second", "2025-10-01", "[rust, web]"),
        ("three", "Third", "2025-11-01", "[web]"),
    ] {
        site.write(
            &format!("content/{name}.md"),
            format!(
                "---\ntitle: '{title}'\npublish_date: {date}\ndescription: 'About {name}, \
                 in a sentence long enough to wrap on a phone screen.'\ntags: {tags}\n---\n\
                 Body of {name}.\n"
            ),
        );
    }
    site.herald(&["build"]).expect_code(0);
    site
}

fn vary_has_accept(reply: &Reply) -> bool {
    reply.headers.iter().any(|(name, value)| {
        name == "vary"
            && value
                .split(',')
                .any(|v| v.trim().eq_ignore_ascii_case("accept"))
    })
}

/// `path` with `accept`, then again with its ETag: 200, then 304 with the same tag;
/// both with `Vary: Accept`. Returns the 200 and its tag.
fn fetched_and_revalidated(server: &Server, path: &str, accept: &str) -> (Reply, String) {
    let reply = server.get_with(path, &[("accept", accept)]);
    assert_eq!(
        reply.status,
        200,
        "{path} ({accept}): {}",
        server.describe()
    );
    assert!(
        vary_has_accept(&reply),
        "{path} ({accept}): {:?}",
        reply.headers
    );
    let etag = reply.header("etag").expect("an ETag").to_string();
    let again = server.get_with(path, &[("accept", accept), ("if-none-match", &etag)]);
    assert_eq!(again.status, 304, "{path} ({accept}) repeated");
    assert_eq!(
        again.header("etag"),
        Some(etag.as_str()),
        "{path} ({accept})"
    );
    assert!(vary_has_accept(&again), "{path} 304: {:?}", again.headers);
    assert!(again.body.is_empty());
    (reply, etag)
}

#[test]
fn a_browser_gets_a_feeds_html_page_and_a_reader_the_feed_each_revalidating_with_its_own_etag() {
    let site = built_site(None);
    let server = site.serve(ENV);
    let others = [
        (
            "/tags/rust/rss.xml",
            "tags/rust/rss.html",
            "application/rss+xml; charset=utf-8",
        ),
        (
            "/archive/atom-1.xml",
            "archive/atom-1.html",
            "application/atom+xml; charset=utf-8",
        ),
    ];
    for (path, page, feed_type) in SITE_FEEDS.into_iter().chain(others) {
        let (html, html_tag) = fetched_and_revalidated(&server, path, BROWSER);
        assert_eq!(
            html.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert!(
            html.body.contains("This is a web feed."),
            "{path}: {}",
            html.body
        );
        assert!(html.header("content-security-policy").is_some(), "{path}");
        // One renderer: what serve sends is the page the build wrote.
        assert_eq!(html.body, site.read(&format!("public/{page}")), "{path}");

        let (feed, feed_tag) = fetched_and_revalidated(&server, path, READER);
        assert_eq!(feed.header("content-type"), Some(feed_type), "{path}");
        assert_ne!(html_tag, feed_tag, "{path}: one tag per representation");
        // Each tag is its own representation's: the page's tag does not make the feed
        // a 304.
        let crossed = server.get_with(path, &[("accept", READER), ("if-none-match", &html_tag)]);
        assert_eq!(crossed.status, 200, "{path}");
        assert_eq!(crossed.header("content-type"), Some(feed_type), "{path}");

        for plain in [None, Some("*/*")] {
            let headers: Vec<(&str, &str)> = plain.map(|a| ("accept", a)).into_iter().collect();
            let reply = server.get_with(path, &headers);
            assert_eq!(
                reply.header("content-type"),
                Some(feed_type),
                "{path} {plain:?}"
            );
            assert!(vary_has_accept(&reply), "{path} {plain:?}");
        }
    }
    // curl -H 'Accept: text/html'
    let curl = server.get_with("/rss.xml", &[("accept", "text/html")]);
    assert_eq!(
        curl.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    // Every item of the site's current feed is on its page, escaped.
    let rss = site.read("public/rss.html");
    for needle in [
        "Third",
        "Second",
        "value=\"https://example.com/blog/rss.xml\"",
    ] {
        assert!(rss.contains(needle), "{needle} in\n{rss}");
    }
    let archive = site.read("public/archive/rss-1.html");
    assert!(
        archive.contains("First &#38; &#60;oldest&#62;"),
        "{archive}"
    );
}

#[test]
fn the_build_writes_each_page_once_and_removes_it_with_its_feed() {
    let site = built_site(None);
    let before = site.identity("public/rss.html");
    site.herald(&["build"]).expect_code(0);
    assert_eq!(
        site.identity("public/rss.html"),
        before,
        "unchanged bytes, untouched"
    );
    // The tag `web` goes: its feed and its pages go with it.
    site.write(
        "content/three.md",
        "---\ntitle: Third\npublish_date: 2025-11-01\n---\nBody.\n",
    );
    site.write(
        "content/two.md",
        "---\ntitle: Second\npublish_date: 2025-10-01\ntags: [rust]\n---\nBody.\n",
    );
    site.herald(&["build"]).expect_code(0);
    assert!(!site.path("public/tags/web").exists());
    assert!(site.path("public/tags/rust/rss.html").is_file());
    assert_ne!(
        site.identity("public/rss.html"),
        before,
        "the page follows its feed"
    );
}

#[test]
fn the_home_page_has_the_form_the_feeds_to_copy_and_the_tags() {
    let site = built_site(None);
    let server = site.serve(ENV);
    let home = server.get("/");
    assert_eq!(home.status, 200, "{}", server.describe());
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(home.header("content-security-policy").is_some());
    for needle in [
        "<h1>Test Site</h1>",
        "A site for tests",
        "<form method=\"post\" action=\"/subscribe\">",
        "<code>https://example.com/blog/rss.xml</code>",
        "<code>https://example.com/blog/atom.xml</code>",
        "<code>https://example.com/blog/feed.json</code>",
        "<code>https://example.com/blog/tags/rust/rss.xml</code>",
        "<code>https://example.com/blog/tags/web/rss.xml</code>",
    ] {
        assert!(home.body.contains(needle), "{needle} in\n{}", home.body);
    }
    assert!(!home.body.contains("Past issues"), "no archive yet");
    assert!(!home.body.contains("<script"));
    // With an archive index built, a link to it.
    site.write(
        "public/newsletter/index.html",
        "<!DOCTYPE html><title>Issues</title>",
    );
    let home = server.get("/");
    assert!(home.body.contains("<h2>Past issues</h2>"), "{}", home.body);
    assert!(
        home.body
            .contains("href=\"https://example.com/blog/newsletter/\""),
        "{}",
        home.body
    );

    // Sign-up off (no newsletter): the page, without the form.
    let plain = Site::with_config(CONFIG);
    plain.herald(&["build"]).expect_code(0);
    let server = plain.serve(ENV);
    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert!(!home.body.contains("<form"), "{}", home.body);
    assert!(
        home.body.contains("https://example.com/blog/rss.xml"),
        "{}",
        home.body
    );
}

#[test]
fn the_new_pages_pass_axe_the_nu_checker_and_fit_a_phone() {
    let site = built_site(None);
    let server = site.serve(ENV);
    let plain = Site::with_config(CONFIG);
    plain.article("hello", "Hello", "2025-12-01");
    plain.herald(&["build"]).expect_code(0);
    let plain_server = plain.serve(ENV);
    let at = |server: &Server, path: &str| format!("{}{path}", server.base);
    // Chromium sends its own Accept, which prefers HTML: /rss.xml is the served page.
    pages::check(
        "the home page and the feeds' HTML pages",
        &[
            Page::url("home-signup", &at(&server, "/")),
            Page::url("home-no-signup", &at(&plain_server, "/")),
            Page::url("feed-page-served", &at(&server, "/rss.xml")),
            Page::url("feed-page-archive", &at(&server, "/archive/rss-1.xml")),
            Page::url("feed-page-tag", &at(&server, "/tags/rust/feed.json")),
            Page::file("feed-page-static", &site.path("public/atom.html")),
        ],
    );
}

#[test]
fn the_sign_up_confirm_and_unsubscribe_pages_pass_the_same_checks() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = built_site(Some(&smtp));
    let server = site.serve(ENV);
    let sent = server.post("/subscribe", "email=new%40example.com&name=New");
    assert_eq!(sent.status, 200, "{}", server.describe());
    let mail = wait_for_mail(&smtp, 1);
    let confirm = confirm_path(&mail[0].data);
    site.herald(&["subscribers", "add", "old@example.com"])
        .expect_code(0);
    let secret = ENV[0].1;
    let unsubscribe = format!(
        "/unsubscribe/{}",
        herald::mail::unsubscribe::token(secret.as_bytes(), "old@example.com")
    );
    let at = |path: &str| format!("{}{path}", server.base);
    pages::check(
        "the sign-up, confirm and unsubscribe pages",
        &[
            Page::url("subscribe", &at("/subscribe")),
            Page::url("confirm", &at(&confirm)),
            Page::url("unsubscribe", &at(&unsubscribe)),
        ],
    );
}
