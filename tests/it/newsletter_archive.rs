//! The archive of issues end to end: the real binary sends to the real SMTP test server
//! (`smtp_server.rs`), and what it published in `public/newsletter/` is read back: the
//! pages, the index, the Atom feed (W3C feed validator and feed-rs), and the links the
//! messages carry to them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use mail_parser::MessageParser;

use crate::newsletter::{config_with, full_article, subscribe, summary};
use crate::smtp_server::{Behaviour, Received, SmtpServer};
use crate::support::pages::{self, Page};
use crate::support::{Run, Site, validate};

const SECRET: &str = "archive-test-secret-5d1c9e0a7b3f4a2e8c61";
/// Where the archive is published: `site.url` of `support::CONFIG` + `newsletter/`.
const ARCHIVE: &str = "https://example.com/blog/newsletter/";
const PAGES: [&str; 3] = ["index.html", "atom.xml", ""];

/// `herald ARGS…` in `site` at the instant `now`, with the secret set.
fn herald_at(site: &Site, now: &str, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command
        .args(["--config", "herald.yaml", "--now", now])
        .args(args)
        .current_dir(site.root())
        .env_remove("HERALD_SMTP_URL")
        .env_remove("HERALD_SMTP_PASSWORD")
        .env("HERALD_SECRET", SECRET);
    Run::of(command)
}

fn smtp(server: &SmtpServer) -> String {
    format!("smtp:\n  url: \"{}\"\n  concurrency: 2\n", server.url(""))
}

/// A site sending through `server`, with `newsletter_extra` lines in `newsletter:`, two
/// articles and `readers` subscribed.
fn site(server: &SmtpServer, newsletter_extra: &str, readers: &[&str]) -> Site {
    let site = Site::with_config(&config_with(newsletter_extra, &smtp(server)));
    full_article(&site, "first", "'First <b> & co'", "2025-12-01");
    full_article(&site, "second", "'Second article'", "2025-12-10");
    subscribe(&site, readers);
    site
}

/// Every file below `dir`, sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(listing) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in listing {
            let path = entry.expect("listing").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The HTML and text parts and the `Archived-At` header of a received message.
fn parts(received: &Received) -> (String, String, Option<String>) {
    let message = MessageParser::default()
        .parse(&received.data)
        .expect("the message parses");
    let html = message.body_html(0).expect("an HTML part").into_owned();
    let text = message.body_text(0).expect("a text part").into_owned();
    let archived_at = message
        .header_raw("Archived-At")
        .map(|value| value.trim().to_string());
    (html, text, archived_at)
}

/// Asserts that `received` links to the page at `url`: `Archived-At: <url>`, and a
/// "View in browser" link above everything else in both parts.
fn assert_links_to(received: &Received, url: &str) {
    let (html, text, archived_at) = parts(received);
    assert_eq!(archived_at.as_deref(), Some(format!("<{url}>").as_str()));
    let mut lines = text.lines();
    assert_eq!(
        (lines.next(), lines.next()),
        (Some(format!("View in browser: {url}").as_str()), Some("")),
        "{text}"
    );
    let link = html
        .find(&format!("<a href=\"{url}\""))
        .unwrap_or_else(|| panic!("no link to {url} in {html}"));
    let label = html[link..].find(">View in browser</a>");
    assert!(label.is_some_and(|at| at < 200), "{html}");
    let masthead = html.find("class=\"masthead\"").expect("a masthead");
    assert!(link < masthead, "the link heads the HTML part: {html}");
}

#[test]
fn two_sends_make_two_pages_listed_newest_first_in_the_index_and_the_feed() {
    let server = SmtpServer::start(Behaviour::default());
    let site = site(&server, "", &["ann@example.org", "bob@example.org"]);
    let first = herald_at(&site, "2026-01-01T09:00:00Z", &["send"]);
    first.expect_code(0);
    full_article(&site, "third", "'Third one'", "2025-12-20");
    let second = herald_at(&site, "2026-01-08T09:00:00Z", &["send"]);
    second.expect_code(0);
    assert_eq!(summary(&second)["articles"], 1, "{}", second.describe());

    let one = format!("{ARCHIVE}2026-01-01-second/");
    let two = format!("{ARCHIVE}2026-01-08-third/");
    let page_one = site.read("public/newsletter/2026-01-01-second/index.html");
    let page_two = site.read("public/newsletter/2026-01-08-third/index.html");
    // The issue as the email shows it: its subject, every article, the same look.
    assert!(page_one.contains("<title>Test Site: Second article and 1 more</title>"));
    for slug in ["first", "second"] {
        assert!(
            page_one.contains(&format!("Subtitle of {slug}")),
            "{page_one}"
        );
        assert!(page_one.contains(&format!("https://cdn.example.com/img/{slug}.jpg")));
        assert!(page_one.contains(&format!("https://example.com/cta/{slug}")));
    }
    assert!(page_two.contains("Third one") && !page_two.contains("Second article"));
    assert!(page_one.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page_one.contains(&format!("<link rel=\"canonical\" href=\"{one}\">")));

    // Every message of each issue links to its own page.
    let received = server.received();
    assert_eq!(received.len(), 4);
    for message in &received[..2] {
        assert_links_to(message, &one);
    }
    for message in &received[2..] {
        assert_links_to(message, &two);
    }

    // The index: both issues, newest first, linked.
    let index = site.read("public/newsletter/index.html");
    let at_two = index.find(&format!("href=\"{two}\"")).expect("issue two");
    let at_one = index.find(&format!("href=\"{one}\"")).expect("issue one");
    assert!(at_two < at_one, "newest first: {index}");
    assert!(index.contains("Test Site: Third one and 0 more"));
    assert!(index.contains("<time datetime=\"2026-01-08T09:00:00Z\">8 January 2026</time>"));

    // The feed: valid, both issues newest first, each entry its page.
    let feed_path = site.path("public/newsletter/atom.xml");
    validate::no_errors(&[&feed_path], ARCHIVE);
    let feed = validate::read_back(&feed_path);
    let entries: Vec<(String, String)> = feed
        .entries
        .iter()
        .map(|entry| {
            let title = entry.title.as_ref().map(|t| t.content.clone());
            (title.unwrap_or_default(), entry.links[0].href.clone())
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("Test Site: Third one and 0 more".to_string(), two.clone()),
            (
                "Test Site: Second article and 1 more".to_string(),
                one.clone()
            ),
        ]
    );
    assert_eq!(
        feed.updated.map(|d| d.to_rfc3339()),
        Some("2026-01-08T09:00:00+00:00".into())
    );
}

#[test]
fn no_archive_page_holds_a_token_an_address_or_a_verp_token() {
    let server = SmtpServer::start(Behaviour::default());
    let readers = [
        "ann.reader@example.org",
        "Bob.Mixed@Example.org",
        "carol+news@example.net",
    ];
    let site = site(
        &server,
        "  bounce_address: \"bounces@example.com\"\n",
        &readers,
    );
    herald_at(&site, "2026-01-01T09:00:00Z", &["send"]).expect_code(0);
    assert_eq!(server.received().len(), readers.len());

    // Everything personal the messages carried, and what the store holds of each
    // subscriber.
    let mut secrets: Vec<String> = Vec::new();
    for received in server.received() {
        secrets.push(received.from.clone()); // the VERP sender: bounces+token@…
        secrets.extend(received.to.iter().cloned());
        let message = MessageParser::default().parse(&received.data).unwrap();
        let list_unsubscribe = message.header_raw("List-Unsubscribe").unwrap().to_string();
        for url in list_unsubscribe.split(',') {
            secrets.push(url.trim().trim_matches(['<', '>']).to_string());
        }
    }
    let db = site.db();
    let mut rows = db
        .prepare("SELECT email, name, token FROM subscribers")
        .unwrap();
    let subscribers: Vec<(String, Option<String>, Option<String>)> = rows
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(subscribers.len(), readers.len());
    for (email, name, token) in subscribers {
        let token =
            token.unwrap_or_else(|| herald::mail::unsubscribe::token(SECRET.as_bytes(), &email));
        secrets.extend([email.clone(), token]);
        secrets.extend(name);
    }
    assert!(
        secrets.iter().any(|s| s.starts_with("bounces+")),
        "{secrets:?}"
    );

    let files = files_below(&site.path("public/newsletter"));
    assert_eq!(files.len(), 3, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for secret in &secrets {
            assert!(
                !text.contains(&secret.to_lowercase()),
                "{} holds {secret:?}",
                file.display()
            );
        }
        assert!(!text.contains("unsubscribe"), "{}", file.display());
    }
}

#[test]
fn a_resumed_issue_keeps_its_page_and_leaves_the_files_alone() {
    // ann is refused for the whole first run (4xx, retried, then left for the next).
    let server = SmtpServer::start(Behaviour {
        rcpt: Arc::new(|to, seen| {
            (to.starts_with("ann") && seen <= 5).then(|| "451 4.7.1 try again later".into())
        }),
        ..Behaviour::default()
    });
    let site = site(&server, "", &["ann@example.org", "bob@example.org"]);
    let first = herald_at(&site, "2026-01-01T09:00:00Z", &["send"]);
    first.expect_code(1);
    assert_eq!(summary(&first)["deferred"], 1, "{}", first.describe());
    let folder = "public/newsletter/2026-01-01-second/";
    let files = PAGES.map(|name| {
        if name.is_empty() {
            format!("{folder}index.html")
        } else {
            format!("public/newsletter/{name}")
        }
    });
    let before = files
        .clone()
        .map(|file| (site.identity(&file), site.read(&file)));

    // The next run, a day later, resumes the issue: same page, files untouched.
    let resumed = herald_at(&site, "2026-01-02T09:00:00Z", &["send"]);
    resumed.expect_code(0);
    assert_eq!(summary(&resumed)["sent"], 1, "{}", resumed.describe());
    let after = files
        .clone()
        .map(|file| (site.identity(&file), site.read(&file)));
    assert_eq!(before, after, "a resumed run rewrites nothing");
    assert!(!site.path("public/newsletter/2026-01-02-second").exists());
    let url = format!("{ARCHIVE}2026-01-01-second/");
    for received in server.received() {
        assert_links_to(&received, &url);
    }

    // A rerun with nothing new, and a build of the site's feeds, leave the archive be.
    herald_at(&site, "2026-01-03T09:00:00Z", &["send"])
        .expect_code(0)
        .expect_stdout("nothing new");
    herald_at(&site, "2026-01-03T09:00:00Z", &["build"]).expect_code(0);
    let rebuilt = files
        .clone()
        .map(|file| (site.identity(&file), site.read(&file)));
    assert_eq!(before, rebuilt, "herald build leaves newsletter/ alone");
    assert!(site.path("public/rss.xml").is_file());
}

#[test]
fn archive_false_writes_nothing_and_adds_no_link_or_header() {
    let server = SmtpServer::start(Behaviour::default());
    let site = site(&server, "  archive: false\n", &["ann@example.org"]);
    let digest = herald_at(&site, "2026-01-01T09:00:00Z", &["digest"]);
    digest.expect_code(0);
    assert!(
        !digest.stdout().contains("web page"),
        "{}",
        digest.describe()
    );
    herald_at(&site, "2026-01-01T09:00:00Z", &["send"]).expect_code(0);
    assert!(!site.path("public/newsletter").exists());
    let received = server.received();
    assert_eq!(received.len(), 1);
    let (html, text, archived_at) = parts(&received[0]);
    assert_eq!(archived_at, None);
    assert!(!html.contains("View in browser") && !text.contains("View in browser"));
    assert!(!html.contains("/newsletter/"));
}

#[test]
fn an_archive_that_cannot_be_written_stops_the_run_before_any_message() {
    let server = SmtpServer::start(Behaviour::default());
    let site = site(&server, "", &["ann@example.org", "bob@example.org"]);
    // A file where the archive's folder must go.
    site.write("public/newsletter", "not a folder");
    let run = herald_at(&site, "2026-01-01T09:00:00Z", &["send"]);
    run.expect_code(1)
        .expect_stderr("public/newsletter/2026-01-01-second")
        .expect_stderr("this run sent no message");
    assert_eq!(site.read("public/newsletter"), "not a folder");
    assert_eq!(server.received().len(), 0, "nothing left before the page");

    // Once the way is clear, the next run resumes the issue: every reader gets one copy.
    std::fs::remove_file(site.path("public/newsletter")).unwrap();
    let run = herald_at(&site, "2026-01-01T10:00:00Z", &["send"]);
    run.expect_code(0);
    assert_eq!(summary(&run)["sent"], 2, "{}", run.describe());
    assert_eq!(server.count_for("ann@example.org"), 1);
    assert_eq!(server.count_for("bob@example.org"), 1);
    let page = site.read("public/newsletter/2026-01-01-second/index.html");
    assert!(page.contains("Second article"));
}

#[test]
fn a_folder_of_the_owners_is_never_written_over() {
    let server = SmtpServer::start(Behaviour::default());
    let site = site(&server, "", &["ann@example.org"]);
    site.write(
        "public/newsletter/2026-01-01-second/index.html",
        "<p>mine</p>",
    );
    let digest = herald_at(&site, "2026-01-01T09:00:00Z", &["digest"]);
    digest.expect_code(0);
    herald_at(&site, "2026-01-01T09:00:00Z", &["send"]).expect_code(0);
    assert_eq!(
        site.read("public/newsletter/2026-01-01-second/index.html"),
        "<p>mine</p>"
    );
    let mut folders: Vec<String> = std::fs::read_dir(site.path("public/newsletter"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().into_string().unwrap())
        .collect();
    folders.sort();
    assert_eq!(folders.len(), 2, "{folders:?}");
    let folder = folders[1].as_str();
    assert_eq!(folders[0], "2026-01-01-second");
    assert!(folder.starts_with("2026-01-01-second-"), "{folder}");
    assert!(
        site.read(&format!("public/newsletter/{folder}/index.html"))
            .contains("Second article")
    );
    let url = format!("{ARCHIVE}{folder}/");
    // `herald digest` named the same page before the send.
    assert!(digest.stdout().contains(&url), "{}", digest.describe());
    assert_links_to(&server.received()[0], &url);
    let index = site.read("public/newsletter/index.html");
    assert!(index.contains(&url) && !index.contains(&format!("{ARCHIVE}2026-01-01-second/\"")));
}

#[test]
fn herald_serve_serves_the_archive_with_the_issues_images_allowed() {
    let server = SmtpServer::start(Behaviour::default());
    let site = site(&server, "", &["ann@example.org"]);
    herald_at(&site, "2026-01-01T09:00:00Z", &["send"]).expect_code(0);
    let http = site.serve(&[("HERALD_SECRET", SECRET)]);
    for path in ["/newsletter/", "/newsletter/2026-01-01-second/"] {
        let reply = http.get(path);
        assert_eq!(reply.status, 200, "{path}: {}", http.describe());
        assert!(reply.body.contains("Second article"), "{path}");
        let csp = reply.header("content-security-policy").unwrap_or("");
        assert!(csp.contains("img-src https:"), "{path}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
    }
    let feed = http.get("/newsletter/atom.xml");
    assert_eq!(feed.status, 200);
    assert!(
        feed.header("content-type")
            .is_some_and(|t| t.starts_with("application/atom+xml")),
        "{:?}",
        feed.headers
    );
    // Every other page keeps the strict policy.
    let signup = http.get("/subscribe");
    let csp = signup.header("content-security-policy").unwrap_or("");
    assert!(
        csp.contains("img-src 'self'") && !csp.contains("https:"),
        "{csp}"
    );
    // The home page lists the issue, linked to its page, and the archive.
    let home = http.get("/");
    assert_eq!(home.status, 200);
    let page = format!("{ARCHIVE}2026-01-01-second/");
    assert!(
        home.body.contains(&format!("href=\"{page}\"")),
        "{}",
        home.body
    );
    assert!(
        home.body.contains(&format!("href=\"{ARCHIVE}\"")),
        "{}",
        home.body
    );
    // As a person sees them: axe-core, the Nu Html Checker, nothing wider than 375 px,
    // screenshots at 375 and 1000 px.
    let at = |path: &str| format!("{}{path}", http.base);
    pages::check(
        "the archive's index, an issue's page and the home page listing them",
        &[
            Page::url("archive-index", &at("/newsletter/")),
            Page::url("archive-issue", &at("/newsletter/2026-01-01-second/")),
            Page::url("home-with-issues", &at("/")),
        ],
    );
}
