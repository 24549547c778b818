//! `herald serve` probed as an attacker and a careless operator would: a state
//! database restored or deleted under it, a mail-bomb of sign-ups, forged form posts,
//! a slow relay and a restart with mail queued, timing that could tell who is
//! subscribed, pending sign-ups left to expire.

use std::time::{Duration, Instant};

use crate::serve::site;
use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::Site;
use crate::support::server::Server;

const SECRET: &str = "serve-fire-secret-0123456789abcdef0123456789";
const ENV: &[(&str, &str)] = &[("HERALD_SECRET", SECRET)];

fn unsubscribe_path(email: &str) -> String {
    let token = herald::mail::unsubscribe::token(SECRET.as_bytes(), email);
    format!("/unsubscribe/{token}")
}

/// `email`'s status in the state database now at its path.
fn status(site: &Site, email: &str) -> String {
    let run = site.herald(&["subscribers", "show", email, "--json"]);
    run.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
    json["subscriber"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn post_ok(server: &Server, path: &str, form: &str) {
    let reply = server.post(path, form);
    assert_eq!(reply.status, 200, "{}\n{}", reply.body, server.describe());
}

#[test]
fn a_restored_backup_is_written_to_not_the_file_it_replaced() {
    let site = site("", None);
    for email in ["ann@example.com", "bo@example.com"] {
        site.herald(&["subscribers", "add", email]).expect_code(0);
    }
    let state = site.path(".herald/herald.db");
    let backup = site.path("backup.db");
    std::fs::copy(&state, &backup).expect("a backup");
    let server = site.serve(ENV);
    post_ok(&server, &unsubscribe_path("bo@example.com"), "");
    assert_eq!(status(&site, "bo@example.com"), "unsubscribed");
    // The operator restores the backup while the server runs: the file moved into
    // place, the old file's write-ahead log removed (docs/serve.md).
    std::fs::rename(&backup, &state).expect("restoring");
    for suffix in ["-wal", "-shm"] {
        let mut log = state.clone().into_os_string();
        log.push(suffix);
        let _ = std::fs::remove_file(log);
    }
    assert_eq!(status(&site, "bo@example.com"), "active");
    assert_eq!(server.get("/healthz").status, 200);
    post_ok(&server, &unsubscribe_path("ann@example.com"), "");
    assert_eq!(
        status(&site, "ann@example.com"),
        "unsubscribed",
        "the unsubscribe went to the restored file\n{}",
        server.describe()
    );
}

#[test]
fn a_deleted_database_fails_health_and_every_write() {
    let site = site("", None);
    site.herald(&["subscribers", "add", "ann@example.com"])
        .expect_code(0);
    let server = site.serve(ENV);
    assert_eq!(server.get("/healthz").status, 200);
    let state = site.path(".herald/herald.db");
    let moved = site.path("moved.db");
    std::fs::rename(&state, &moved).expect("moving the database away");
    let health = server.get("/healthz");
    assert_eq!(health.status, 503, "{}", health.body);
    let reply = server.post(&unsubscribe_path("ann@example.com"), "");
    assert!(
        reply.status >= 500,
        "an unsubscribe that lands nowhere is no success: {} {}",
        reply.status,
        reply.body
    );
    assert!(!state.exists(), "no empty database is made in its place");
    // Put back, everything works again.
    std::fs::rename(&moved, &state).expect("moving it back");
    assert_eq!(server.get("/healthz").status, 200);
    post_ok(&server, &unsubscribe_path("ann@example.com"), "");
    assert_eq!(status(&site, "ann@example.com"), "unsubscribed");
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(30), "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The confirmation mails in the outbox.
fn outbox_mails(site: &Site) -> usize {
    std::fs::read_dir(site.path(".herald/outbox/confirm")).map_or(0, Iterator::count)
}

/// Sign-ups waiting in the state database's queue.
fn queued(site: &Site) -> usize {
    let count: i64 = site
        .db()
        .query_row("SELECT count(*) FROM signups", [], |row| row.get(0))
        .expect("the queue");
    usize::try_from(count).expect("a count")
}

/// Waits until the queue is empty, then until the outbox stops growing.
fn settled_outbox(site: &Site) -> usize {
    wait_until("the queue drains", || queued(site) == 0);
    let mut last = outbox_mails(site);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = outbox_mails(site);
        if now == last {
            return now;
        }
        last = now;
    }
}

#[test]
fn a_mail_bomb_of_plus_variants_from_one_64_writes_at_most_ten_mails() {
    let site = site("  trusted_proxies: [127.0.0.1]\n", None);
    let server = site.serve(ENV);
    let mut answered = 0;
    for n in 0..300 {
        let reply = server.post_with(
            "/subscribe",
            &format!("email=victim%2B{n}%40example.org"),
            &[("X-Forwarded-For", &format!("2001:db8:42:7:{n:x}::1"))],
        );
        assert!(
            [200, 429].contains(&reply.status),
            "{} {}",
            reply.status,
            reply.body
        );
        if reply.status == 429 {
            assert!(reply.body.contains("Too many"), "{}", reply.body);
        }
        answered += usize::from(reply.status == 200);
    }
    // The same mailbox from many networks is one mailbox.
    for n in 0..50 {
        let reply = server.post_with(
            "/subscribe",
            &format!("email=Victim%2Bother{n}%40Example.org"),
            &[("X-Forwarded-For", &format!("2001:db8:{n:x}::1"))],
        );
        assert_eq!(reply.status, 429, "{}", reply.body);
    }
    let mails = settled_outbox(&site);
    assert!(
        mails <= 10,
        "{mails} confirmation mails for one mailbox ({answered} sign-ups answered)\n{}",
        server.describe()
    );
    assert!(mails >= 1, "the first sign-up is mailed");
}

#[test]
fn a_form_posted_from_another_site_is_refused() {
    let site = site("", None);
    let server = site.serve(ENV);
    let forged = server.post_with(
        "/subscribe",
        "email=target%40example.org",
        &[("Origin", "https://evil.example")],
    );
    assert_eq!(forged.status, 403, "{}", forged.body);
    let referred = server.post_with(
        "/subscribe",
        "email=target%40example.org",
        &[("Referer", "https://evil.example/page.html")],
    );
    assert_eq!(referred.status, 403, "{}", referred.body);
    assert_eq!(settled_outbox(&site), 0, "nothing was mailed");
    let own = server.post_with(
        "/subscribe",
        "email=target%40example.org",
        &[("Origin", "http://news.example.test")],
    );
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(settled_outbox(&site), 1);
}

#[test]
fn queued_confirmation_mails_survive_a_slow_relay_and_a_restart() {
    let smtp = SmtpServer::start(Behaviour {
        delay: Duration::from_millis(300),
        ..Behaviour::default()
    });
    let site = site(
        "  trusted_proxies: [127.0.0.1]\n  confirm_mails_per_hour: 0\n",
        Some(&smtp),
    );
    let emails: Vec<String> = (0..12).map(|n| format!("reader{n}@example.org")).collect();
    {
        let server = site.serve(ENV);
        for (n, email) in emails.iter().enumerate() {
            let reply = server.post_with(
                "/subscribe",
                &format!("email={}", email.replace('@', "%40")),
                &[("X-Forwarded-For", &format!("198.51.100.{n}"))],
            );
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        wait_until("the first mail", || !smtp.received().is_empty());
        let (code, stderr) = server.terminate();
        assert_eq!(code, Some(0), "{stderr}");
    }
    assert!(
        smtp.received().len() < emails.len(),
        "the relay was too fast for this test"
    );
    let _server = site.serve(ENV);
    wait_until("every sign-up mailed after the restart", || {
        emails.iter().all(|e| smtp.count_for(e) >= 1)
    });
}

#[test]
fn a_full_queue_says_so_and_drops_nothing() {
    // One mail an hour: every later sign-up waits in the queue.
    let site = site(
        "  trusted_proxies: [127.0.0.1]\n  confirm_mails_per_hour: 1\n",
        None,
    );
    let server = site.serve(ENV);
    let mut accepted = 0;
    let mut refused = None;
    for n in 0..1_100 {
        let reply = server.post_with(
            "/subscribe",
            &format!("email=r{n}%40example.org"),
            &[("X-Forwarded-For", &format!("10.{}.{}.1", n / 250, n % 250))],
        );
        match reply.status {
            200 => accepted += 1,
            503 => {
                assert!(reply.header("retry-after").is_some(), "{:?}", reply.headers);
                refused = Some(n);
                break;
            }
            other => panic!("{other} {}", reply.body),
        }
    }
    let Some(refused) = refused else {
        panic!("a full queue answers 503")
    };
    // Nothing was recorded, so the client's and the mailbox's quotas are not spent.
    let again = server.post_with(
        "/subscribe",
        &format!("email=r{refused}%40example.org"),
        &[(
            "X-Forwarded-For",
            &format!("10.{}.{}.1", refused / 250, refused % 250),
        )],
    );
    assert_eq!(again.status, 503, "{}", again.body);
    wait_until("the first mail", || outbox_mails(&site) == 1);
    // Every sign-up answered 200 is mailed or still waiting: none was dropped.
    assert_eq!(outbox_mails(&site) + queued(&site), accepted);
}

#[test]
fn a_sign_up_does_the_same_work_whatever_the_address_is() {
    // With the hourly cap spent, sign-ups wait in the queue: what the answer did is
    // all there is to see.
    let site = site("  confirm_mails_per_hour: 1\n", None);
    site.herald(&["subscribers", "add", "member@example.com"])
        .expect_code(0);
    let server = site.serve(ENV);
    post_ok(&server, "/subscribe", "email=first%40example.com");
    wait_until("the first mail", || outbox_mails(&site) == 1);
    let member = server.post("/subscribe", "email=member%40example.com");
    let fresh = server.post("/subscribe", "email=fresh%40example.com");
    assert_eq!((member.status, fresh.status), (200, 200));
    assert_eq!(
        member.body.replace("member@example.com", "X"),
        fresh.body.replace("fresh@example.com", "X")
    );
    // Both were queued, and neither decided anything yet.
    assert_eq!(queued(&site), 2);
    let run = site.herald(&["subscribers", "show", "fresh@example.com"]);
    assert_ne!(run.code(), 0, "no row for the new address yet");
    assert_eq!(status(&site, "member@example.com"), "active");
}
