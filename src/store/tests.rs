//! The store against a real SQLite file in a temporary folder.

use chrono::{TimeZone, Utc};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state/herald.db")).unwrap();
    (dir, store)
}

#[test]
fn merging_subscribers_keeps_unsubscribed_ones_out_unless_reactivated() {
    let (_dir, store) = store();
    assert_eq!(
        store
            .merge_subscriber("a@x.org", Some("A"), false, now())
            .unwrap(),
        Merge::Added
    );
    assert_eq!(
        store
            .merge_subscriber("A@X.org", None, false, now())
            .unwrap(),
        Merge::Unchanged
    );
    assert_eq!(
        store
            .merge_subscriber("a@x.org", Some("Ann"), false, now())
            .unwrap(),
        Merge::Updated
    );
    assert!(store.unsubscribe("a@x.org", Reason::Cli).unwrap());
    assert!(!store.unsubscribe("nobody@x.org", Reason::Cli).unwrap());
    store
        .merge_subscriber("a@x.org", None, false, now())
        .unwrap();
    assert_eq!(
        store.subscriber("a@x.org").unwrap().unwrap().status,
        Status::Unsubscribed
    );
    assert!(store.active_subscribers().unwrap().is_empty());
    store
        .merge_subscriber("a@x.org", None, true, now())
        .unwrap();
    let ann = store.subscriber("a@x.org").unwrap().unwrap();
    assert_eq!(
        (ann.status, ann.name.as_deref()),
        (Status::Active, Some("Ann"))
    );
}

#[test]
fn bounces_count_up_to_the_limit() {
    let (_dir, store) = store();
    store
        .merge_subscriber("a@x.org", None, false, now())
        .unwrap();
    assert_eq!(store.count_bounce("a@x.org", 3).unwrap(), 1);
    assert_eq!(store.count_bounce("a@x.org", 3).unwrap(), 2);
    assert_eq!(
        store.subscriber("a@x.org").unwrap().unwrap().status,
        Status::Active
    );
    assert_eq!(store.count_bounce("a@x.org", 3).unwrap(), 3);
    assert_eq!(
        store.subscriber("a@x.org").unwrap().unwrap().status,
        Status::Bounced
    );
    assert_eq!(store.count_bounce("nobody@x.org", 3).unwrap(), 0);
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
        store.merge_subscriber(email, None, true, now()).unwrap();
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
    store
        .start_issue(&IssueRow {
            id: "i1".into(),
            cutoff: now(),
            articles: vec!["a".into()],
            started_at: now(),
            completed_at: None,
        })
        .unwrap();
    for email in ["a@x.org", "b@x.org"] {
        store.merge_subscriber(email, None, true, now()).unwrap();
    }
    store.unsubscribe("b@x.org", Reason::Cli).unwrap();
    let claimed = store
        .mark_sending("i1", &["A@x.org", "b@x.org", "nobody@x.org"], now())
        .unwrap();
    assert_eq!(claimed, [true, false, false]);
    let rows = store.deliveries("i1").unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows["a@x.org"].status, DeliveryStatus::Sending);
}

#[test]
fn a_version_1_file_is_upgraded_and_tokens_are_indexed_per_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("herald.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE subscribers (email TEXT PRIMARY KEY COLLATE NOCASE, name TEXT,
                 status TEXT NOT NULL DEFAULT 'active', bounces INTEGER NOT NULL DEFAULT 0,
                 added_at TEXT NOT NULL);
             INSERT INTO subscribers (email, name, added_at) VALUES ('Ann@x.org', 'Ann', 'x');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.subscribers().unwrap()[0].name.as_deref(), Some("Ann"));
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
fn a_sign_up_never_activates_and_a_link_is_spent_once() {
    let (_dir, mut store) = store();
    let later = now() + chrono::Duration::hours(48);
    store
        .merge_subscriber("gone@x.org", None, true, now())
        .unwrap();
    store.unsubscribe("gone@x.org", Reason::Cli).unwrap();
    store
        .merge_subscriber("on@x.org", None, true, now())
        .unwrap();
    let sign_up = |store: &mut Store, email| {
        store
            .sign_up(email, Some("New Name"), "t", later, now())
            .unwrap()
    };
    assert_eq!(sign_up(&mut store, "new@x.org"), SignUp::Added);
    assert_eq!(
        sign_up(&mut store, "gone@x.org"),
        SignUp::AwaitingConfirmation
    );
    assert_eq!(sign_up(&mut store, "on@x.org"), SignUp::AlreadyActive);
    let status = |store: &Store, email| store.subscriber(email).unwrap().unwrap().status;
    assert_eq!(status(&store, "new@x.org"), Status::Pending);
    assert_eq!(status(&store, "gone@x.org"), Status::Unsubscribed);
    assert_eq!(status(&store, "on@x.org"), Status::Active);
    // A link later than the one mailed was never issued.
    let too_late = later + chrono::Duration::hours(1);
    assert_eq!(
        store.confirm("gone@x.org", too_late).unwrap(),
        Confirmation::Stale
    );
    assert_eq!(
        store.confirm("GONE@x.org", later).unwrap(),
        Confirmation::Confirmed
    );
    let gone = store.subscriber("gone@x.org").unwrap().unwrap();
    assert_eq!(
        (gone.status, gone.name.as_deref()),
        (Status::Active, Some("New Name"))
    );
    assert_eq!(
        store.confirm("gone@x.org", later).unwrap(),
        Confirmation::AlreadyActive
    );
    store.unsubscribe("gone@x.org", Reason::Cli).unwrap();
    assert_eq!(
        store.confirm("gone@x.org", later).unwrap(),
        Confirmation::Stale
    );
    assert_eq!(
        store.confirm("nobody@x.org", later).unwrap(),
        Confirmation::Stale
    );
}

#[test]
fn unsubscribe_reasons_are_recorded_kept_and_cleared_on_return() {
    let (_dir, store) = store();
    store
        .merge_subscriber("a@x.org", None, false, now())
        .unwrap();
    assert_eq!(store.subscriber("a@x.org").unwrap().unwrap().reason, None);
    store.unsubscribe("a@x.org", Reason::Mailto).unwrap();
    // A second unsubscribe (a second click) keeps the first reason.
    store.unsubscribe("a@x.org", Reason::OneClick).unwrap();
    let a = store.subscriber("a@x.org").unwrap().unwrap();
    assert_eq!(
        (a.status, a.reason),
        (Status::Unsubscribed, Some(Reason::Mailto))
    );
    // Made active again (by `subscribers add`), the reason goes.
    store
        .merge_subscriber("a@x.org", None, true, now())
        .unwrap();
    let a = store.subscriber("a@x.org").unwrap().unwrap();
    assert_eq!((a.status, a.reason, a.bounces), (Status::Active, None, 0));
}

#[test]
fn bounces_change_only_an_active_status() {
    let (_dir, store) = store();
    for email in ["on@x.org", "gone@x.org"] {
        store.merge_subscriber(email, None, false, now()).unwrap();
    }
    store.unsubscribe("gone@x.org", Reason::Cli).unwrap();
    for _ in 0..3 {
        store.count_bounce("on@x.org", 3).unwrap();
        store.count_bounce("gone@x.org", 3).unwrap();
    }
    let on = store.subscriber("on@x.org").unwrap().unwrap();
    assert_eq!(
        (on.status, on.bounces, on.reason),
        (Status::Bounced, 3, Some(Reason::Bounced))
    );
    let gone = store.subscriber("gone@x.org").unwrap().unwrap();
    assert_eq!(
        (gone.status, gone.bounces, gone.reason),
        (Status::Unsubscribed, 3, Some(Reason::Cli))
    );
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
                 VALUES ('gone@x.org', 'unsubscribed', 2, 'x');
             PRAGMA user_version = 2;",
            schema::tests_v1(),
            schema::tests_v2()
        ))
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let gone = store.subscriber("gone@x.org").unwrap().unwrap();
    assert_eq!(
        (gone.status, gone.bounces, gone.reason),
        (Status::Unsubscribed, 2, None)
    );
    assert_eq!(store.handled("<m@x>").unwrap(), None);
}

#[test]
fn a_received_message_is_acted_on_once() {
    let (_dir, store) = store();
    store
        .merge_subscriber("a@x.org", None, false, now())
        .unwrap();
    let record = || Record {
        kind: "bounce".into(),
        email: Some("a@x.org".into()),
        action: "counted".into(),
    };
    let first = store
        .once("<m@x>", now(), |store| {
            Ok((record(), store.count_bounce("a@x.org", 3)?))
        })
        .unwrap();
    assert_eq!(first, Ok(1));
    let second = store
        .once("<m@x>", now(), |store| {
            Ok((record(), store.count_bounce("a@x.org", 3)?))
        })
        .unwrap();
    let earlier = second.unwrap_err();
    assert_eq!(
        (earlier.kind.as_str(), earlier.action.as_str()),
        ("bounce", "counted")
    );
    assert_eq!(store.subscriber("a@x.org").unwrap().unwrap().bounces, 1);
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
