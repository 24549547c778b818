//! One test per bug found, named after what broke.

use crate::newsletter::{config_with, full_article, herald, subscribe, summary};
use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::Site;

/// Found by validating random sites with the W3C validator: an explicit `id:` holding
/// whitespace or an unknown scheme was copied into `atom:id`, which must be a clean IRI.
#[test]
fn atom_id_from_a_messy_explicit_id_is_a_clean_tag_uri() {
    let site = Site::new();
    site.write(
        "content/a.md",
        "---\ntitle: A\npublish_date: 2024-01-01\nid: \"javascript:x]]>\\\\T\\tline\"\n---\n",
    );
    site.write(
        "content/b.md",
        "---\ntitle: B\npublish_date: 2024-01-02\nid: urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66\n---\n",
    );
    site.herald(&["build"]).expect_code(0);
    let atom = site.read("public/atom.xml");
    let feed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids[0], "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66");
    assert!(ids[1].starts_with("tag:example.com,2024-01-01:"), "{ids:?}");
    assert!(!ids[1].contains(char::is_whitespace), "{ids:?}");
    // RSS and JSON keep the author's id as written.
    assert!(
        site.read("public/feed.json")
            .contains(r#""id": "javascript:x]]>\\T\tline""#)
    );
}

/// Found the same way: CommonMark turns NUL into U+FFFD, which validators flag.
#[test]
fn control_characters_in_a_body_are_dropped_from_the_feeds() {
    let site = Site::new();
    site.write(
        "content/a.md",
        "---\ntitle: A\npublish_date: 2024-01-01\n---\nbefore\u{0}\u{1}\u{85}after\n",
    );
    site.herald(&["build"]).expect_code(0);
    for feed in ["rss.xml", "atom.xml", "feed.json"] {
        let text = site.read(&format!("public/{feed}"));
        assert!(text.contains("beforeafter"), "{feed}: {text}");
        assert!(!text.contains('\u{fffd}'), "{feed}");
    }
}

/// The state of one subscriber row: (status, bounces).
fn subscriber_row(db: &rusqlite::Connection, email: &str) -> (String, u32) {
    db.query_row(
        "SELECT status, bounces FROM subscribers WHERE email = ?1",
        [email],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .unwrap_or_else(|e| panic!("{email}: {e}"))
}

/// A message that could not be built was recorded as the server's permanent refusal
/// (`failed`) and counted as a bounce: a local bug could mark real subscribers bounced.
/// The store takes any text as an address (another program writing the state file, or
/// an older herald, can leave one that lettre cannot parse); composing fails for it.
/// Now the run stops naming the recipient, and neither the subscriber nor the
/// delivery row's final state changes: fixed, the next run sends to it.
#[test]
fn a_message_that_cannot_be_built_is_not_counted_as_a_bounce() {
    let server = SmtpServer::start(Behaviour::default());
    let smtp = format!("smtp:\n  url: \"{}\"\n  concurrency: 1\n", server.url(""));
    let site = Site::with_config(&config_with("", &smtp));
    full_article(&site, "one", "'One'", "2025-12-01");
    subscribe(&site, &["a@example.org", "b@example.org"]);
    let bad = "zz not an address";
    let db = rusqlite::Connection::open(site.path(".herald/herald.db")).unwrap();
    db.execute(
        "INSERT INTO subscribers (email, status, added_at) VALUES (?1, 'active', '2025-01-01T00:00:00Z')",
        [bad],
    )
    .unwrap();

    let run = herald(&site, &["send"], &[]);
    run.expect_code(1).expect_stderr(bad);
    assert!(
        !run.stderr().contains("permanent failure"),
        "not the server's refusal\n{}",
        run.describe()
    );
    assert_eq!(subscriber_row(&db, bad), ("active".to_string(), 0));
    let row: String = db
        .query_row(
            "SELECT status FROM deliveries WHERE email = ?1",
            [bad],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(row, "deferred", "left for the next run, not `failed`");
    assert_eq!(server.count_for("a@example.org"), 1);

    // The address is corrected; the next run sends to it and completes the issue.
    db.execute(
        "UPDATE subscribers SET email = 'zz@example.org' WHERE email = ?1",
        [bad],
    )
    .unwrap();
    let run = herald(&site, &["send"], &[]);
    run.expect_code(0);
    assert_eq!(summary(&run)["complete"], true, "{}", run.describe());
    for email in ["a@example.org", "b@example.org", "zz@example.org"] {
        assert_eq!(server.count_for(email), 1, "{email}");
    }
}

/// An outbox folder that could not be written was reported as "no reply (connection,
/// TLS or timeout)" and retried as if a server were down. It is a local I/O error that
/// names its path: the run stops, no subscriber changes, and once the folder can be
/// written the next run completes the issue.
#[test]
fn an_outbox_that_cannot_be_written_is_an_io_error_not_a_connection_failure() {
    let site = Site::with_config(&config_with("", ""));
    full_article(&site, "one", "'One'", "2025-12-01");
    subscribe(&site, &["a@example.org", "b@example.org"]);
    // A regular file where the outbox folder goes: not even root can create folders in it.
    site.write(".herald/outbox", "not a folder");

    let run = herald(&site, &["send"], &[]);
    run.expect_code(1).expect_stderr(".herald/outbox");
    assert!(
        !run.stderr().contains("no reply"),
        "a local I/O error, not a connection failure\n{}",
        run.describe()
    );
    let db = rusqlite::Connection::open(site.path(".herald/herald.db")).unwrap();
    for email in ["a@example.org", "b@example.org"] {
        assert_eq!(subscriber_row(&db, email), ("active".to_string(), 0));
    }
    let failed: u32 = db
        .query_row(
            "SELECT COUNT(*) FROM deliveries WHERE status IN ('sent', 'failed')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(failed, 0, "no delivery row is settled");

    std::fs::remove_file(site.path(".herald/outbox")).unwrap();
    let run = herald(&site, &["send"], &[]);
    run.expect_code(0);
    let summary = summary(&run);
    assert_eq!(summary["complete"], true, "{}", run.describe());
    let issue = summary["issue"].as_str().unwrap().to_string();
    for email in ["a@example.org", "b@example.org"] {
        assert!(
            site.path(&format!(".herald/outbox/{issue}/{email}.eml"))
                .is_file(),
            "{email}"
        );
    }
}
