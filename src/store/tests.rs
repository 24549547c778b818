//! The store against a real SQLite file in a temporary folder.

use chrono::{TimeZone, Utc};

use super::forget::hash as forget_hash;
use super::subscribers::Links;
use super::*;
use rusqlite::params;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state/herald.db")).unwrap();
    (dir, store)
}

/// Writes `subscriber` as the lifecycle would.
fn put(store: &Store, subscriber: Subscriber) {
    let email = subscriber.email.clone();
    store
        .change_subscriber(&email, now(), |_| (Write::Row(subscriber), ()))
        .unwrap();
}

/// Starts issue `i1`, of one article.
fn start_i1(store: &Store) {
    store
        .start_issue(&IssueRow {
            id: "i1".into(),
            cutoff: now(),
            articles: vec!["a".into()],
            started_at: now(),
            completed_at: None,
        })
        .unwrap();
}

fn active(store: &Store, email: &str) {
    put(
        store,
        Subscriber::new(email, Status::Active, Joined::Cli, now()),
    );
}

fn status(store: &Store, email: &str) -> Status {
    store.subscriber(email).unwrap().unwrap().status
}

#[test]
fn a_subscriber_is_read_back_whole() {
    let (_dir, store) = store();
    let mut ann = Subscriber::new(
        "Ann@x.org",
        Status::Bounced,
        Joined::Import("list.csv".into()),
        now(),
    );
    ann.name = Some("Ann".into());
    ann.reason = Some(Reason::OptOut);
    ann.hard_bounces = 1;
    ann.soft_bounces = 4;
    ann.soft_issues = vec!["i2".into(), "i1".into()];
    ann.last_bounce = Some(LastBounce {
        status: Some("5.1.1".into()),
        words: Some("550 5.1.1 user unknown".into()),
        at: now(),
    });
    ann.confirmed_at = Some(now());
    ann.left_at = Some(now());
    ann.links = Links {
        outstanding: Some(now()),
        spent_until: Some(now()),
        pending_name: Some("A".into()),
    };
    put(&store, ann.clone());
    assert_eq!(store.subscriber("ann@X.org").unwrap().as_ref(), Some(&ann));
    assert_eq!(store.known("ann@x.org").unwrap(), Known::Row(ann.clone()));
    assert_eq!(store.known("bo@x.org").unwrap(), Known::New);
    // Fewer soft issues are written back as fewer.
    ann.soft_issues.pop();
    put(&store, ann.clone());
    assert_eq!(store.subscribers().unwrap(), [ann]);
    assert!(store.active_subscribers().unwrap().is_empty());
}

#[test]
fn forgetting_erases_every_row_and_every_byte_and_keeps_a_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let store = Store::open(&path).unwrap();
    let secret = "forget-me@example.org";
    active(&store, secret);
    active(&store, "stays@example.org");
    store
        .start_issue(&IssueRow {
            id: "i1".into(),
            cutoff: now(),
            articles: vec![],
            started_at: now(),
            completed_at: None,
        })
        .unwrap();
    let mut store = store;
    store
        .mark_sending("i1", &[secret, "stays@example.org"], now())
        .unwrap();
    store
        .once("<m@x>", now(), |_| {
            Ok((
                InboundLog {
                    kind: "bounce".into(),
                    email: Some(secret.into()),
                    action: format!("{secret}: soft bounce counted"),
                },
                (),
            ))
        })
        .unwrap()
        .unwrap();
    assert_eq!(store.deliveries_to(secret).unwrap().len(), 1);
    assert_eq!(store.inbound_about(secret).unwrap().len(), 1);
    store
        .change_subscriber(secret, now(), |_| (Write::Forget, ()))
        .unwrap();
    assert!(store.scrub().unwrap());
    assert_eq!(store.known(secret).unwrap(), Known::Forgotten);
    assert_eq!(
        store.known("FORGET-ME@example.org").unwrap(),
        Known::Forgotten
    );
    assert!(store.deliveries_to(secret).unwrap().is_empty());
    assert!(store.inbound_about(secret).unwrap().is_empty());
    assert_eq!(status(&store, "stays@example.org"), Status::Active);
    drop(store);
    for file in std::fs::read_dir(dir.path()).unwrap() {
        let file = file.unwrap().path();
        let bytes = std::fs::read(&file).unwrap();
        let found = bytes
            .windows(secret.len())
            .any(|w| w.eq_ignore_ascii_case(secret.as_bytes()));
        assert!(!found, "{} still holds the address", file.display());
    }
}

#[test]
fn a_version_3_file_keeps_its_counts_as_soft_bounces() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "{}{}{}
             INSERT INTO subscribers (email, status, bounces, added_at, unsubscribe_reason)
                 VALUES ('gone@x.org', 'bounced', 3, '2025-01-01T00:00:00Z', 'bounced'),
                        ('on@x.org', 'active', 1, '2025-01-01T00:00:00Z', NULL);
             PRAGMA user_version = 3;",
            schema::tests_v1(),
            schema::tests_v2(),
            schema::tests_v3()
        ))
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let gone = store.subscriber("gone@x.org").unwrap().unwrap();
    assert_eq!(
        (
            gone.status,
            gone.hard_bounces,
            gone.soft_bounces,
            gone.bounces(),
            gone.reason,
            gone.joined
        ),
        (
            Status::Bounced,
            0,
            3,
            3,
            Some(Reason::Bounced),
            Joined::Unknown
        )
    );
    let on = store.subscriber("on@x.org").unwrap().unwrap();
    assert_eq!((on.status, on.soft_bounces), (Status::Active, 1));
}

#[test]
fn the_ledger_goes_sending_then_sent_failed_or_deferred() {
    let (_dir, mut store) = store();
    let issue = IssueRow {
        id: "i1".into(),
        cutoff: now(),
        articles: vec!["a".into(), "b".into()],
        started_at: now(),
        completed_at: None,
    };
    store.start_issue(&issue).unwrap();
    store.start_issue(&issue).unwrap();
    assert_eq!(store.open_issue().unwrap(), Some(issue.clone()));
    for email in ["a@x.org", "b@x.org", "c@x.org"] {
        active(&store, email);
    }
    store
        .mark_sending("i1", &["a@x.org", "b@x.org", "c@x.org"], now())
        .unwrap();
    let outcome = |email: &str, status, reply: Option<&str>| DeliveryOutcome {
        email: email.into(),
        status,
        reply: reply.map(str::to_string),
    };
    store
        .record_outcomes(
            "i1",
            &[
                outcome("a@x.org", DeliveryStatus::Sent, None),
                outcome("b@x.org", DeliveryStatus::Failed, Some("550 no")),
            ],
            now(),
        )
        .unwrap();
    store.mark_sending("i1", &["b@x.org"], now()).unwrap();
    let rows = store.deliveries("i1").unwrap();
    assert_eq!(rows["a@x.org"].status, DeliveryStatus::Sent);
    assert_eq!(rows["b@x.org"].status, DeliveryStatus::Sending);
    assert_eq!(rows["b@x.org"].attempts, 2);
    assert_eq!(
        rows["c@x.org"].status,
        DeliveryStatus::Sending,
        "unknown after a crash"
    );
    assert!(store.last_completed_issue().unwrap().is_none());
    store.complete_issue("i1", now()).unwrap();
    assert!(store.open_issue().unwrap().is_none());
    assert_eq!(store.last_completed_issue().unwrap().unwrap().cutoff, now());
    assert_eq!(
        store.issued_article_ids().unwrap(),
        ["a".to_string(), "b".to_string()].into()
    );
}

#[test]
fn a_skipped_row_is_settled_with_its_reason_and_never_overwrites_a_sent_one() {
    let (_dir, mut store) = store();
    start_i1(&store);
    for email in ["a@x.org", "b@x.org", "c@x.org"] {
        active(&store, email);
    }
    store
        .mark_sending("i1", &["a@x.org", "c@x.org"], now())
        .unwrap();
    store
        .record_outcomes(
            "i1",
            &[DeliveryOutcome {
                email: "a@x.org".into(),
                status: DeliveryStatus::Sent,
                reply: None,
            }],
            now(),
        )
        .unwrap();
    let why = |email: &str| (email.to_string(), "nothing in their topics".to_string());
    store
        .record_skipped(
            "i1",
            &[why("a@x.org"), why("b@x.org"), why("c@x.org")],
            now(),
        )
        .unwrap();
    let rows = store.deliveries("i1").unwrap();
    assert_eq!(rows["a@x.org"].status, DeliveryStatus::Sent);
    for email in ["b@x.org", "c@x.org"] {
        assert_eq!(rows[email].status, DeliveryStatus::Skipped);
        assert!(rows[email].status.is_settled());
        assert_eq!(
            rows[email].reply.as_deref(),
            Some("nothing in their topics")
        );
    }
    let counts = store.delivery_counts("i1").unwrap();
    assert_eq!((counts.sent, counts.skipped), (1, 2));
    assert_eq!(store.active_without_final_row("i1").unwrap(), 0);
}

#[test]
fn read_only_open_creates_nothing_and_newer_schemas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    assert!(Store::open_read_only(&path).unwrap().is_none());
    assert!(!path.exists());
    drop(Store::open(&path).unwrap());
    assert!(Store::open_read_only(&path).unwrap().is_some());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("schema version 99") && err.contains("herald.db"),
        "{err}"
    );
}

#[test]
fn mark_sending_claims_only_active_subscribers() {
    let (_dir, mut store) = store();
    start_i1(&store);
    active(&store, "a@x.org");
    put(
        &store,
        Subscriber::new("b@x.org", Status::Unsubscribed, Joined::Cli, now()),
    );
    let claimed = store
        .mark_sending("i1", &["A@x.org", "b@x.org", "nobody@x.org"], now())
        .unwrap();
    assert_eq!(claimed, [true, false, false]);
    let rows = store.deliveries("i1").unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows["a@x.org"].status, DeliveryStatus::Sending);
}

#[test]
fn a_reader_asks_the_claims_test_and_sees_each_later_commit() {
    let (_dir, mut store) = store();
    start_i1(&store);
    active(&store, "a@x.org");
    active(&store, "b@x.org");
    let mut reader = store.reader().unwrap();
    let claimed = store
        .mark_sending("i1", &["a@x.org", "b@x.org"], now())
        .unwrap();
    assert_eq!(claimed, [true, true]);
    assert!(reader.still_to_send("A@x.org").unwrap());
    // Another process's unsubscribe, committed after the claim.
    let other = Store::open(store.path()).unwrap();
    put(
        &other,
        Subscriber::new("a@x.org", Status::Unsubscribed, Joined::Cli, now()),
    );
    put(
        &other,
        Subscriber::new("b@x.org", Status::Bounced, Joined::Cli, now()),
    );
    assert!(!reader.still_to_send("a@x.org").unwrap());
    assert!(!reader.still_to_send("b@x.org").unwrap());
    assert!(!reader.still_to_send("nobody@x.org").unwrap());
    // The reader writes nothing.
    assert!(reader.mark_sending("i1", &["a@x.org"], now()).is_err());
}

#[test]
fn a_version_1_file_is_upgraded_and_tokens_are_indexed_per_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "{}
             INSERT INTO subscribers (email, name, added_at) VALUES ('Ann@x.org', 'Ann', '2025-01-01T00:00:00Z');
             INSERT INTO issues (id, cutoff, articles, started_at)
                 VALUES ('i1', '2025-01-01T00:00:00Z', 'a', '2025-01-01T00:00:00Z');
             INSERT INTO deliveries (issue, email, status, attempts, reply, updated_at)
                 VALUES ('i1', 'Ann@x.org', 'sent', 1, '250 ok', '2025-01-01T00:00:00Z');
             PRAGMA user_version = 1;",
            schema::tests_v1()
        ))
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.subscribers().unwrap()[0].name.as_deref(), Some("Ann"));
    assert!(store.subscribers().unwrap()[0].topics.is_empty());
    // Version 7 rebuilds the deliveries table: every row survives.
    let rows = store.deliveries("i1").unwrap();
    assert_eq!(rows["ann@x.org"].status, DeliveryStatus::Sent);
    let token = |key: &'static str| move |email: &str| format!("{key}:{}", email.to_lowercase());
    assert_eq!(store.index_tokens("k1", token("k1")).unwrap(), 1);
    assert_eq!(store.index_tokens("k1", token("k1")).unwrap(), 0);
    let found = store.subscriber_by_token("k1:ann@x.org").unwrap().unwrap();
    assert_eq!(found.email, "Ann@x.org");
    // Another secret remakes every token.
    assert_eq!(store.index_tokens("k2", token("k2")).unwrap(), 1);
    assert!(store.subscriber_by_token("k1:ann@x.org").unwrap().is_none());
    assert!(store.subscriber_by_token("k2:ann@x.org").unwrap().is_some());
}

#[test]
fn a_version_2_file_is_upgraded_and_old_rows_have_no_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "{}{}
             INSERT INTO subscribers (email, status, bounces, added_at)
                 VALUES ('gone@x.org', 'unsubscribed', 2, '2025-01-01T00:00:00Z');
             PRAGMA user_version = 2;",
            schema::tests_v1(),
            schema::tests_v2()
        ))
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let gone = store.subscriber("gone@x.org").unwrap().unwrap();
    assert_eq!(
        (gone.status, gone.bounces(), gone.reason),
        (Status::Unsubscribed, 2, None)
    );
    assert_eq!(store.handled("<m@x>").unwrap(), None);
}

#[test]
fn a_received_message_is_acted_on_once() {
    let (_dir, store) = store();
    active(&store, "a@x.org");
    let count = |store: &Store| {
        let mut s = store.subscriber("a@x.org")?.unwrap();
        s.soft_bounces += 1;
        let count = s.soft_bounces;
        store.change_subscriber("a@x.org", now(), |_| (Write::Row(s), count))
    };
    let record = || InboundLog {
        kind: "bounce".into(),
        email: Some("a@x.org".into()),
        action: "counted".into(),
    };
    let first = store
        .once("<m@x>", now(), |store| Ok((record(), count(store)?)))
        .unwrap();
    assert_eq!(first, Ok(1));
    let second = store
        .once("<m@x>", now(), |store| Ok((record(), count(store)?)))
        .unwrap();
    let earlier = second.unwrap_err();
    assert_eq!(
        (earlier.kind.as_str(), earlier.action.as_str()),
        ("bounce", "counted")
    );
    assert_eq!(
        store.subscriber("a@x.org").unwrap().unwrap().soft_bounces,
        1
    );
    // A failed action records nothing, so the message can be retried.
    let failed: Result<std::result::Result<(), Handled>> = store.once("<n@x>", now(), |_| {
        Err(crate::error::Error::store(
            std::path::Path::new("x"),
            rusqlite::Error::InvalidQuery,
        ))
    });
    assert!(failed.is_err());
    assert_eq!(store.handled("<n@x>").unwrap(), None);
}

/// A row as a herald from before the address rule wrote it: the address as given.
fn put_raw(store: &Store, email: &str) {
    store
        .conn
        .execute(
            "INSERT INTO subscribers (email, status, added_at) VALUES (?1, 'active', ?2)",
            params![email, stamp(now())],
        )
        .unwrap();
}

/// `ÄNN@Example.com` signed up could never be confirmed: the link carried the address
/// lowercased (`änn@example.com`) and `COLLATE NOCASE` folds ASCII letters only.
#[test]
fn any_spelling_of_an_address_finds_its_row() {
    let (_dir, store) = store();
    active(&store, "ÄNN@example.com");
    active(&store, "a@xn--bcher-kva.de");
    let found = |email: &str| store.subscriber(email).unwrap().map(|s| s.email);
    for spelling in [
        "ÄNN@example.com",
        "änn@EXAMPLE.com",
        "A\u{308}nn@example.com",
        " ÄnN@Example.com ",
    ] {
        assert_eq!(
            found(spelling).as_deref(),
            Some("ÄNN@example.com"),
            "{spelling}"
        );
    }
    for spelling in ["a@Bücher.de", "A@BÜCHER.DE", "a@xn--bcher-kva.de"] {
        assert_eq!(
            found(spelling).as_deref(),
            Some("a@xn--bcher-kva.de"),
            "{spelling}"
        );
    }
    assert_eq!(found("onn@example.com"), None);
    assert_eq!(found("a@bucher.de"), None);
}

#[test]
fn rows_stored_before_the_address_rule_are_found_by_every_spelling() {
    let (_dir, store) = store();
    put_raw(&store, "Zoë@BÜCHER.de");
    put_raw(&store, "\"a b\"@example.com");
    put_raw(&store, "ann@ＥＸＡＭＰＬＥ.com");
    let found = |email: &str| store.subscriber(email).unwrap().map(|s| s.email);
    for spelling in ["zoë@xn--bcher-kva.de", "ZOË@bücher.de", "Zoë@BÜCHER.de"] {
        assert_eq!(
            found(spelling).as_deref(),
            Some("Zoë@BÜCHER.de"),
            "{spelling}"
        );
    }
    // An address the rule refuses is found as it was stored.
    assert_eq!(
        found(" \"a b\"@example.com").as_deref(),
        Some("\"a b\"@example.com")
    );
    assert_eq!(
        found("ann@example.com").as_deref(),
        Some("ann@ＥＸＡＭＰＬＥ.com")
    );
    // Changing such a row keeps its spelling (and so its unsubscribe token).
    store
        .change_subscriber("zoë@xn--bcher-kva.de", now(), |known| {
            let Known::Row(row) = known else {
                panic!("{known:?}")
            };
            let mut row = row.clone();
            row.status = Status::Unsubscribed;
            (Write::Row(row), ())
        })
        .unwrap();
    assert_eq!(status(&store, "ZOË@BÜCHER.DE"), Status::Unsubscribed);
    assert_eq!(store.subscribers().unwrap().len(), 3);
}

#[test]
fn rows_written_since_the_first_look_up_are_found_by_this_and_other_connections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    let mine = Store::open(&path).unwrap();
    let other = Store::open(&path).unwrap();
    // The first miss reads the map of non-ASCII rows (none yet).
    assert!(mine.subscriber("ö@x.de").unwrap().is_none());
    assert!(other.subscriber("ö@x.de").unwrap().is_none());
    // Written by this connection: kept in step.
    active(&mine, "Ö@x.de");
    assert!(mine.subscriber("ö@x.de").unwrap().is_some());
    // Written by another one: read again.
    assert!(other.subscriber("ö@x.de").unwrap().is_some());
    put_raw(&other, "Ü@Bücher.de");
    assert!(mine.subscriber("ü@xn--bcher-kva.de").unwrap().is_some());
    // Forgotten through this connection, by another spelling: gone for both.
    mine.change_subscriber("ü@BÜCHER.de", now(), |_| (Write::Forget, ()))
        .unwrap();
    assert!(mine.subscriber("Ü@Bücher.de").unwrap().is_none());
    assert!(other.subscriber("ü@xn--bcher-kva.de").unwrap().is_none());
    assert_eq!(mine.known("Ü@Bücher.de").unwrap(), Known::Forgotten);
    assert_eq!(other.known("ü@xn--bcher-kva.de").unwrap(), Known::Forgotten);
}

#[test]
fn an_address_forgotten_before_the_rule_stays_forgotten_in_any_spelling() {
    let (_dir, store) = store();
    // What a herald from before the rule recorded for `forget a@Bücher.de`: the hash
    // of the address as given, lowercased.
    let key = store.forget_key(true).unwrap().unwrap();
    store
        .conn
        .execute(
            "INSERT INTO forgotten (hash, forgotten_at) VALUES (?1, ?2)",
            params![forget_hash(&key, "a@Bücher.de"), stamp(now())],
        )
        .unwrap();
    for spelling in ["a@Bücher.de", "a@xn--bcher-kva.de", "A@BÜCHER.DE"] {
        assert_eq!(
            store.known(spelling).unwrap(),
            Known::Forgotten,
            "{spelling}"
        );
    }
    assert_eq!(store.known("b@xn--bcher-kva.de").unwrap(), Known::New);
}

/// A database that got two spellings of one address before the rule: each row's own
/// address (what its unsubscribe token was made from) finds that row; forgetting the
/// person erases both.
#[test]
fn two_rows_for_one_address_from_before_the_rule_each_find_themselves() {
    let (_dir, store) = store();
    put_raw(&store, "a@Bücher.de");
    put_raw(&store, "a@xn--bcher-kva.de");
    put_raw(&store, "ÄNN@example.com");
    put_raw(&store, "änn@example.com");
    let found = |email: &str| store.subscriber(email).unwrap().map(|s| s.email);
    for spelling in [
        "a@Bücher.de",
        "a@xn--bcher-kva.de",
        "ÄNN@example.com",
        "änn@example.com",
    ] {
        assert_eq!(found(spelling).as_deref(), Some(spelling));
    }
    store
        .change_subscriber("a@BÜCHER.de", now(), |_| (Write::Forget, ()))
        .unwrap();
    store
        .change_subscriber("Änn@example.com", now(), |_| (Write::Forget, ()))
        .unwrap();
    assert!(store.subscribers().unwrap().is_empty());
}
