//! Issue 22, the web half: the preferences page of `herald serve` (a GET changes
//! nothing; only a same-site POST changes the topics, pauses, resumes or unsubscribes,
//! each through the lifecycle), the topics on the sign-up form carried through the
//! sign-up queue to the confirmed subscriber, and the Preferences link in every
//! message's footer. Over real HTTP, the real binary and the real SMTP test server;
//! what is stored is read back with `herald subscribers list --json`.

use mail_parser::MessageParser;
use serde_json::{Value, json};

use crate::serve::{ENV, confirm_path, expect, wait_for_mail};
use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::pages::{self, Page};
use crate::support::server::Server;
use crate::support::{CONFIG, Site};

/// The two topics every test offers.
const TOPICS: &str = "  topics:
    - { tag: rust, name: \"Rust and systems\", description: \"Compilers, memory, speed.\" }
    - { tag: web, name: \"The web\" }
";

/// A site with a newsletter offering `topics` (lines of the `newsletter:` section), a
/// public URL, and `smtp` as relay when given.
fn site(topics: &str, smtp: Option<&SmtpServer>) -> Site {
    let smtp = smtp
        .map(|s| format!("smtp:\n  url: \"{}\"\n  concurrency: 1\n", s.url("")))
        .unwrap_or_default();
    Site::with_config(&format!(
        "{CONFIG}newsletter:
  from: \"Test Site <news@example.com>\"
{topics}serve:
  public_url: \"http://news.example.test/\"
{smtp}"
    ))
}

fn path(email: &str) -> String {
    let token = herald::mail::unsubscribe::token(ENV[0].1.as_bytes(), email);
    format!("/preferences/{token}")
}

/// Every subscriber as `herald subscribers list --json` gives them.
fn list(site: &Site) -> Value {
    let run = site.herald(&["subscribers", "list", "--json"]);
    run.expect_code(0);
    serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}\n{}", run.describe()))
}

/// `email`'s row of [`list`].
fn row(site: &Site, email: &str) -> Value {
    list(site)
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == email)
        .unwrap_or_else(|| panic!("{email} is not listed"))
        .clone()
}

fn add(site: &Site, email: &str) {
    site.herald(&["subscribers", "add", email]).expect_code(0);
}

/// POSTs `form` to `email`'s page and expects the 303 back to it with `done`.
fn change(server: &Server, email: &str, form: &str, done: &str) {
    let reply = server.post(&path(email), form);
    assert_eq!(
        reply.status,
        303,
        "{form}: {}\n{}",
        reply.body,
        server.describe()
    );
    assert_eq!(
        reply.header("location"),
        Some(format!("?done={done}").as_str()),
        "{form}"
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[test]
fn a_get_changes_nothing_and_shows_the_choices_masked_and_uncached() {
    let site = site(TOPICS, None);
    add(&site, "ann@example.com");
    let server = site.serve(ENV);
    change(
        &server,
        "ann@example.com",
        "action=topics&topic=web",
        "topics",
    );
    let before = list(&site);
    for query in [
        "",
        "?done=topics",
        "?done=unsubscribed",
        "?action=unsubscribe",
    ] {
        let page = server.get(&format!("{}{query}", path("ann@example.com")));
        expect(&page, 200, "<h1>Your preferences</h1>", &server);
        assert_eq!(page.header("cache-control"), Some("no-store"));
        assert!(page.header("content-security-policy").is_some());
        assert!(page.body.contains("a…@example.com"), "{}", page.body);
        assert!(!page.body.contains("ann@"), "the address is masked");
        assert!(
            page.body.contains("name=\"topic\" value=\"web\"")
                && page
                    .body
                    .contains("value=\"web\" aria-describedby=\"topics-hint\" checked"),
            "{}",
            page.body
        );
        assert!(
            !page
                .body
                .contains("value=\"rust\" aria-describedby=\"topic-1-about topics-hint\" checked")
        );
        assert!(page.body.contains("Compilers, memory, speed."));
        assert!(page.body.contains("value=\"unsubscribe\""));
        assert!(page.body.contains("value=\"pause\""));
    }
    let page = server.get(&format!("{}?done=topics", path("ann@example.com")));
    assert!(page.body.contains("Your topics are saved"), "{}", page.body);
    assert_eq!(list(&site), before, "a GET changes nothing");
    // The log names the route, never the token.
    let log = server.stderr_with("GET /preferences/… 200");
    assert!(log.contains("GET /preferences/… 200"), "{log}");
    assert!(!log.contains(&path("ann@example.com")), "{log}");
}

#[test]
fn a_tampered_or_unknown_token_gets_400_and_changes_nothing() {
    let site = site(TOPICS, None);
    add(&site, "ann@example.com");
    let server = site.serve(ENV);
    let good = path("ann@example.com");
    // One byte changed: the last hex digit.
    let flipped = format!(
        "{}{}",
        &good[..good.len() - 1],
        if good.ends_with('0') { '1' } else { '0' }
    );
    let other_key = format!(
        "/preferences/{}",
        herald::mail::unsubscribe::token(b"another secret", "ann@example.com")
    );
    let before = list(&site);
    for bad in [flipped.as_str(), other_key.as_str(), "/preferences/zz"] {
        expect(&server.get(bad), 400, "not valid", &server);
        for form in [
            "action=unsubscribe",
            "action=topics&topic=rust",
            "action=pause&pause=1m",
        ] {
            let reply = server.post(bad, form);
            expect(&reply, 400, "not valid", &server);
            assert_eq!(reply.header("cache-control"), Some("no-store"));
        }
    }
    assert_eq!(list(&site), before);
}

#[test]
fn a_post_changes_topics_pauses_resumes_and_unsubscribes_through_the_lifecycle() {
    let site = site(TOPICS, None);
    add(&site, "ann@example.com");
    add(&site, "bob@example.com");
    let server = site.serve(ENV);
    let ann = "ann@example.com";

    change(&server, ann, "topic=web&action=topics&topic=rust", "topics");
    assert_eq!(row(&site, ann)["topics"], json!(["rust", "web"]));
    change(&server, ann, "action=topics&topic=rust", "topics");
    assert_eq!(row(&site, ann)["topics"], json!(["rust"]));
    change(&server, ann, "action=topics&topic=rust", "unchanged");
    // None ticked: every article again.
    change(&server, ann, "action=topics", "topics");
    assert_eq!(row(&site, ann)["topics"], json!([]));
    // A tag that is not offered is refused, and nothing changes.
    let before = list(&site);
    let refused = server.post(&path(ann), "action=topics&topic=rust&topic=cobol");
    expect(&refused, 400, "cobol", &server);
    expect(
        &server.post(&path(ann), "action=pause&pause=10y"),
        400,
        "1 month",
        &server,
    );
    expect(
        &server.post(&path(ann), "action=drop"),
        400,
        "Nothing was changed",
        &server,
    );
    assert_eq!(list(&site), before);

    // The clock is pinned at 2026-01-01T00:00:00Z.
    change(&server, ann, "action=pause&pause=1m", "paused");
    assert_eq!(row(&site, ann)["paused_until"], "2026-02-01T00:00:00Z");
    let page = server.get(&path(ann));
    expect(
        &page,
        200,
        "Paused: no issue is sent to you before 1 February 2026",
        &server,
    );
    assert!(page.body.contains("value=\"resume\""), "{}", page.body);
    change(&server, ann, "action=pause&pause=1w", "paused");
    assert_eq!(row(&site, ann)["paused_until"], "2026-01-08T00:00:00Z");
    change(&server, ann, "action=resume", "resumed");
    assert_eq!(row(&site, ann)["paused_until"], Value::Null);
    change(&server, ann, "action=resume", "unchanged");

    change(&server, ann, "action=unsubscribe", "unsubscribed");
    let left = row(&site, ann);
    assert_eq!(
        (&left["status"], &left["reason"]),
        (&json!("unsubscribed"), &json!("preferences"))
    );
    let page = server.get(&path(ann));
    expect(&page, 200, "You are unsubscribed", &server);
    assert!(!page.body.contains("<form"), "no forms once unsubscribed");
    // A pause cannot make anyone a recipient again.
    change(&server, ann, "action=pause&pause=1m", "unchanged");
    assert_eq!(row(&site, ann)["status"], "unsubscribed");
    assert_eq!(row(&site, "bob@example.com")["status"], "active");
    assert_eq!(row(&site, "bob@example.com")["topics"], json!([]));
}

#[test]
fn a_cross_site_post_is_refused_and_a_same_site_one_taken() {
    let site = site(TOPICS, None);
    add(&site, "ann@example.com");
    let server = site.serve(ENV);
    let before = list(&site);
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("referer", "https://evil.example/page"),
    ] {
        let reply = server.post_with(
            &path("ann@example.com"),
            "action=unsubscribe",
            &[(name, value)],
        );
        expect(&reply, 403, "another site", &server);
    }
    assert_eq!(list(&site), before);
    let reply = server.post_with(
        &path("ann@example.com"),
        "action=topics&topic=rust",
        &[("origin", "http://news.example.test")],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(row(&site, "ann@example.com")["topics"], json!(["rust"]));
}

#[test]
fn without_topics_the_page_offers_pause_and_unsubscribe() {
    let site = site("", None);
    add(&site, "ann@example.com");
    let server = site.serve(ENV);
    let page = server.get(&path("ann@example.com"));
    expect(&page, 200, "value=\"pause\"", &server);
    assert!(page.body.contains("value=\"unsubscribe\""));
    assert!(!page.body.contains("name=\"topic\""), "{}", page.body);
    expect(
        &server.post(&path("ann@example.com"), "action=topics&topic=rust"),
        400,
        "no topics",
        &server,
    );
    change(
        &server,
        "ann@example.com",
        "action=pause&pause=3m",
        "paused",
    );
    assert_eq!(
        row(&site, "ann@example.com")["paused_until"],
        "2026-04-01T00:00:00Z"
    );
}

#[test]
fn the_sign_up_form_offers_the_topics_and_the_confirmed_subscriber_has_them() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site(TOPICS, Some(&smtp));
    add(&site, "old@example.com");
    let server = site.serve(ENV);
    for form in [server.get("/subscribe"), server.get("/")] {
        expect(&form, 200, "<legend>The topics you want</legend>", &server);
        assert!(
            form.body
                .contains("<label for=\"topic-1\">Rust and systems")
        );
        assert!(
            !form.body.contains(" checked"),
            "none ticked: every article"
        );
    }
    // A tag that is not offered: 400, the form back with what was ticked, nothing queued.
    let refused = server.post(
        "/subscribe",
        "email=new%40example.com&topic=rust&topic=cobol",
    );
    expect(&refused, 400, "cobol", &server);
    assert!(
        refused.body.contains("value=\"new@example.com\""),
        "{}",
        refused.body
    );
    let reply = server.post(
        "/subscribe",
        "email=new%40example.com&name=New&topic=web&topic=rust",
    );
    expect(&reply, 200, "Check your inbox", &server);
    let mail = wait_for_mail(&smtp, 1);
    let link = confirm_path(&mail[0].data);
    assert_eq!(row(&site, "new@example.com")["status"], "pending");
    // The confirmation page says what confirming subscribes to.
    expect(
        &server.get(&link),
        200,
        "You will receive the articles about: Rust and systems, The web.",
        &server,
    );
    expect(&server.post(&link, ""), 200, "You are subscribed", &server);
    let new = row(&site, "new@example.com");
    assert_eq!(
        (&new["status"], &new["topics"]),
        (&json!("active"), &json!(["rust", "web"]))
    );
    let page = server.get(&path("new@example.com"));
    assert!(
        page.body
            .contains("value=\"rust\" aria-describedby=\"topic-1-about topics-hint\" checked")
            && page
                .body
                .contains("value=\"web\" aria-describedby=\"topics-hint\" checked"),
        "{}",
        page.body
    );

    // Anyone can type anyone's address into the form: an active subscriber's topics
    // do not change through it (no mail goes either).
    change(
        &server,
        "old@example.com",
        "action=topics&topic=rust",
        "topics",
    );
    let reply = server.post("/subscribe", "email=old%40example.com&topic=web");
    expect(&reply, 200, "Check your inbox", &server);
    // The queue is handled in order: a later sign-up's mail shows the earlier is done.
    let reply = server.post("/subscribe", "email=later%40example.com");
    expect(&reply, 200, "Check your inbox", &server);
    let mail = wait_for_mail(&smtp, 2);
    assert_eq!(mail.len(), 2, "no mail to the active address");
    assert_eq!(row(&site, "old@example.com")["topics"], json!(["rust"]));
    assert_eq!(row(&site, "later@example.com")["topics"], json!([]));
}

#[test]
fn every_message_links_its_preferences_page_and_the_archive_copy_holds_no_token() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site(TOPICS, Some(&smtp));
    site.article("hello", "Hello", "2025-12-01");
    add(&site, "ann@example.com");
    site.herald_with(&["send"], ENV).expect_code(0);
    let mail = wait_for_mail(&smtp, 1);
    let message = MessageParser::default().parse(&mail[0].data).unwrap();
    let link = format!("http://news.example.test{}", path("ann@example.com"));
    let text = message.body_text(0).unwrap();
    assert!(text.contains(&format!("\nPreferences: {link}")), "{text}");
    let html = message.body_html(0).unwrap();
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    assert!(
        html.contains(">Unsubscribe</a> · <a"),
        "beside Unsubscribe: {html}"
    );
    // The link opens the page.
    let server = site.serve(ENV);
    expect(
        &server.get(&path("ann@example.com")),
        200,
        "Your preferences",
        &server,
    );
    // The archived web copy links to sign-up only.
    let archived: Vec<_> = walk(&site.path("public/newsletter"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    assert!(!archived.is_empty());
    for page in archived {
        let body = std::fs::read_to_string(&page).unwrap();
        assert!(!body.contains("/preferences/"), "{}", page.display());
        assert!(!body.contains("Preferences"), "{}", page.display());
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_preferences_and_sign_up_pages_with_topics_pass_axe_the_nu_checker_and_fit_a_phone() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site(TOPICS, Some(&smtp));
    add(&site, "ann@example.com");
    add(&site, "bob@example.com");
    add(&site, "cy@example.com");
    let plain = site_without_topics();
    add(&plain, "dee@example.com");
    let server = site.serve(ENV);
    let plain_server = plain.serve(ENV);
    change(
        &server,
        "bob@example.com",
        "action=topics&topic=rust",
        "topics",
    );
    change(
        &server,
        "bob@example.com",
        "action=pause&pause=1m",
        "paused",
    );
    change(
        &server,
        "cy@example.com",
        "action=unsubscribe",
        "unsubscribed",
    );
    let reply = server.post("/subscribe", "email=new%40example.com&topic=rust");
    expect(&reply, 200, "Check your inbox", &server);
    let confirm = confirm_path(&wait_for_mail(&smtp, 1)[0].data);
    let at = |server: &Server, path: &str| format!("{}{path}", server.base);
    pages::check(
        "the preferences page and the sign-up form with topics",
        &[
            Page::url("preferences", &at(&server, &path("ann@example.com"))),
            Page::url(
                "preferences-paused",
                &at(&server, &format!("{}?done=paused", path("bob@example.com"))),
            ),
            Page::url("preferences-left", &at(&server, &path("cy@example.com"))),
            Page::url(
                "preferences-no-topics",
                &at(&plain_server, &path("dee@example.com")),
            ),
            Page::url("subscribe-topics", &at(&server, "/subscribe")),
            Page::url("confirm-topics", &at(&server, &confirm)),
            Page::url("home-topics", &at(&server, "/")),
        ],
    );
}

fn site_without_topics() -> Site {
    site("", None)
}

/// An article dated `date`, tagged `tags`, titled `Title of {slug}`.
fn tagged(site: &Site, slug: &str, date: &str, tags: &str) {
    site.write(
        &format!("content/{slug}.md"),
        format!("---\ntitle: 'Title of {slug}'\npublish_date: '{date}'\ntags: [{tags}]\n---\n\nBody of {slug}.\n"),
    );
}

#[test]
fn a_preferences_post_changes_what_the_next_issue_holds() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site(TOPICS, Some(&smtp));
    let ann = "ann@example.com";
    add(&site, ann);
    tagged(&site, "first", "2025-12-01", "rust");
    site.herald_with(&["send"], ENV).expect_code(0);
    let first = wait_for_mail(&smtp, 1);
    let body = |raw: &crate::smtp_server::Received| {
        let message = MessageParser::default().parse(&raw.data).unwrap();
        message.body_text(0).unwrap().into_owned()
    };
    assert!(
        body(&first[0]).contains("Title of first"),
        "{}",
        body(&first[0])
    );

    // Ann chooses the web only, on her page.
    let server = site.serve(ENV);
    change(&server, ann, "action=topics&topic=web", "topics");
    drop(server);

    tagged(&site, "borrowing", "2025-12-02", "rust");
    tagged(&site, "grid", "2025-12-03", "web, css");
    site.herald_with(&["send"], ENV).expect_code(0);
    let both = wait_for_mail(&smtp, 2);
    let second = body(&both[1]);
    assert!(second.contains("Title of grid"), "{second}");
    assert!(!second.contains("Title of borrowing"), "{second}");
    assert!(!second.contains("Title of first"), "{second}");
}
