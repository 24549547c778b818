//! Topics and pauses end to end: subscribers who chose topics get only the articles in
//! them, from the real binary to a real SMTP server; one for whom an issue holds nothing,
//! or who paused, gets no mail and the ledger says `skipped`, and nothing skipped is
//! sent later.

use mail_parser::MessageParser;

use crate::newsletter::{config_with, herald, herald_at, subscribe, summary};
use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::Site;

const TOPICS: &str = "  topics:
    - tag: Rust
      name: Rust and systems
    - tag: web
      name: The web
      description: Browsers and CSS.
    - tag: ai
      name: AI
";

/// A site with `newsletter.topics` sending to `server`.
fn site(server: &SmtpServer) -> Site {
    let smtp = format!("smtp:\n  url: \"{}\"\n  concurrency: 2\n", server.url(""));
    Site::with_config(&config_with(TOPICS, &smtp))
}

/// An article titled `Title of {slug}` with these tags.
fn article(site: &Site, slug: &str, date: &str, tags: &[&str]) {
    site.write(
        &format!("content/{slug}.md"),
        format!(
            "---\ntitle: 'Title of {slug}'\npublish_date: '{date}'\ntags: [{}]\n---\n\nBody of {slug}.\n",
            tags.join(", ")
        ),
    );
}

/// The titles of the articles in the messages `email` received, message by message
/// (in the order they arrived), read from both parts.
fn titles_received(server: &SmtpServer, email: &str, slugs: &[&str]) -> Vec<Vec<String>> {
    server
        .received()
        .iter()
        .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(email)))
        .map(|raw| {
            let message = MessageParser::default().parse(&raw.data).unwrap();
            let html = message.body_html(0).unwrap().into_owned();
            let text = message.body_text(0).unwrap().into_owned();
            slugs
                .iter()
                .filter(|slug| {
                    let title = format!("Title of {slug}");
                    let (in_html, in_text) = (html.contains(&title), text.contains(&title));
                    assert_eq!(in_html, in_text, "{email}: {slug} in one part only");
                    in_html
                })
                .map(|slug| slug.to_string())
                .collect()
        })
        .collect()
}

/// `email`'s delivery rows, as `subscribers show --json` gives them: (status, reply).
fn ledger(site: &Site, email: &str) -> Vec<(String, String)> {
    let run = herald(site, &["subscribers", "show", email, "--json"], &[]);
    run.expect_code(0);
    let value: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    value["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["status"].as_str().unwrap().to_string(),
                d["reply"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn set_topics(site: &Site, email: &str, tags: &[&str]) {
    let args = [&["subscribers", "topics", email][..], tags].concat();
    herald(site, &args, &[]).expect_code(0);
}

#[test]
fn each_subscriber_gets_exactly_the_articles_in_their_topics() {
    let server = SmtpServer::start(Behaviour::default());
    let site = site(&server);
    article(&site, "borrowing", "2025-12-01", &["rust"]);
    article(&site, "grid", "2025-12-02", &["Web", "css"]);
    article(&site, "wasm", "2025-12-03", &["RUST", "web"]);
    article(&site, "untagged", "2025-12-04", &[]);
    let all = [
        "borrowing",
        "grid",
        "wasm",
        "untagged",
        "agents",
        "lifetimes",
    ];
    subscribe(
        &site,
        &[
            "rust@example.org",
            "web@example.org",
            "everything@example.org",
            "ai@example.org",
        ],
    );
    set_topics(&site, "rust@example.org", &["rust"]);
    set_topics(&site, "web@example.org", &["WEB"]);
    set_topics(&site, "ai@example.org", &["ai"]);
    // A tag that is not a topic is refused, naming those there are.
    herald(
        &site,
        &["subscribers", "topics", "rust@example.org", "python"],
        &[],
    )
    .expect_code(2)
    .expect_stderr("\"python\" is not one of `newsletter.topics`; choose among: Rust (Rust and systems), web (The web), ai (AI)");
    herald(&site, &["subscribers", "topics", "rust@example.org"], &[])
        .expect_code(0)
        .expect_stdout("Rust (Rust and systems)");
    herald(
        &site,
        &["subscribers", "topics", "everything@example.org"],
        &[],
    )
    .expect_code(0)
    .expect_stdout("every article");
    herald(&site, &["subscribers", "list"], &[])
        .expect_code(0)
        .expect_stdout("\ttopics web\n")
        .expect_stdout("\tevery article\n");

    let run = herald(&site, &["send"], &[]);
    run.expect_code(0);
    let first = summary(&run);
    assert_eq!(first["articles"], 4, "{}", run.describe());
    assert_eq!(first["sent"], 3, "{}", run.describe());
    assert_eq!(first["skipped"], 1);
    assert_eq!(first["complete"], true);
    assert_eq!(first["issue_totals"]["skipped"], 1);
    assert_eq!(
        titles_received(&server, "rust@example.org", &all),
        [["borrowing", "wasm"]]
    );
    assert_eq!(
        titles_received(&server, "web@example.org", &all),
        [["grid", "wasm"]]
    );
    assert_eq!(
        titles_received(&server, "everything@example.org", &all),
        [["borrowing", "grid", "wasm", "untagged"]]
    );
    assert_eq!(
        server.count_for("ai@example.org"),
        0,
        "nothing in their topics"
    );
    assert_eq!(
        ledger(&site, "ai@example.org"),
        [("skipped".to_string(), "nothing in their topics".to_string())]
    );

    // The next issue: new articles only; a topics change counts from it, and nothing
    // an earlier issue skipped comes back.
    set_topics(&site, "web@example.org", &["ai"]);
    article(&site, "agents", "2025-12-10", &["ai"]);
    article(&site, "lifetimes", "2025-12-11", &["rust"]);
    let run = herald(&site, &["send"], &[]);
    run.expect_code(0);
    let second = summary(&run);
    assert_eq!(
        (second["articles"].as_u64(), second["sent"].as_u64()),
        (Some(2), Some(4))
    );
    assert_eq!(second["skipped"], 0, "{}", run.describe());
    assert_eq!(
        titles_received(&server, "ai@example.org", &all),
        [["agents"]],
        "the articles of the issue that held nothing for them are not sent later"
    );
    assert_eq!(
        titles_received(&server, "web@example.org", &all),
        [vec!["grid", "wasm"], vec!["agents"]]
    );
    assert_eq!(
        titles_received(&server, "rust@example.org", &all),
        [vec!["borrowing", "wasm"], vec!["lifetimes"]]
    );
    assert_eq!(
        titles_received(&server, "everything@example.org", &all)[1],
        ["agents", "lifetimes"]
    );

    // --all: every article again.
    herald(
        &site,
        &["subscribers", "topics", "web@example.org", "--all"],
        &[],
    )
    .expect_code(0)
    .expect_stdout("topics: every article");
    let list = herald(&site, &["subscribers", "list", "--json"], &[]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout()).unwrap();
    let topics = |email: &str| {
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["email"] == email);
        row.unwrap()["topics"].clone()
    };
    // Stored as `newsletter.topics` spells them, whatever the spelling given.
    assert_eq!(topics("rust@example.org"), serde_json::json!(["Rust"]));
    assert_eq!(topics("web@example.org"), serde_json::json!([]));
}

#[test]
fn a_paused_subscriber_gets_nothing_until_the_pause_ends() {
    let server = SmtpServer::start(Behaviour::default());
    let site = site(&server);
    article(&site, "one", "2025-12-01", &[]);
    subscribe(
        &site,
        &[
            "paused@example.org",
            "back@example.org",
            "reader@example.org",
        ],
    );
    for email in ["paused@example.org", "back@example.org"] {
        herald(
            &site,
            &["subscribers", "pause", email, "--until", "2026-02-01"],
            &[],
        )
        .expect_code(0)
        .expect_stdout("paused until 2026-02-01T00:00:00+00:00");
    }
    herald(&site, &["subscribers", "resume", "back@example.org"], &[])
        .expect_code(0)
        .expect_stdout("resumed");
    herald(&site, &["subscribers", "list"], &[])
        .expect_code(0)
        .expect_stdout("every article, paused until 2026-02-01T00:00:00+00:00");
    herald(
        &site,
        &[
            "subscribers",
            "pause",
            "reader@example.org",
            "--until",
            "soon",
        ],
        &[],
    )
    .expect_code(2)
    .expect_stderr("--until \"soon\" is not a date");

    let run = herald_at(&site, "2026-01-02T00:00:00Z", &["send"]);
    run.expect_code(0);
    assert_eq!(summary(&run)["skipped"], 1, "{}", run.describe());
    assert_eq!(server.count_for("paused@example.org"), 0);
    assert_eq!(server.count_for("back@example.org"), 1, "resumed early");
    assert_eq!(
        ledger(&site, "paused@example.org"),
        [(
            "skipped".to_string(),
            "paused until 2026-02-01T00:00:00Z".to_string()
        )]
    );

    // Still paused for the next issue.
    article(&site, "two", "2026-01-10", &[]);
    herald_at(&site, "2026-01-15T00:00:00Z", &["send"]).expect_code(0);
    assert_eq!(server.count_for("paused@example.org"), 0);
    assert_eq!(server.count_for("reader@example.org"), 2);

    // After the pause: a recipient again from the next issue, which holds only what is
    // new; what was sent while they were paused is not sent later.
    article(&site, "three", "2026-02-05", &[]);
    let run = herald_at(&site, "2026-02-10T00:00:00Z", &["send"]);
    run.expect_code(0);
    assert_eq!(summary(&run)["sent"], 3, "{}", run.describe());
    assert_eq!(
        titles_received(&server, "paused@example.org", &["one", "two", "three"]),
        [["three"]]
    );
}

#[test]
fn completions_offer_the_topics_pause_and_resume_commands() {
    let site = Site::new();
    let run = herald(&site, &["completions", "bash"], &[]);
    run.expect_code(0);
    for word in ["topics", "pause", "resume", "--until", "--all"] {
        assert!(
            run.stdout().contains(word),
            "{word} missing from the bash completions"
        );
    }
}
