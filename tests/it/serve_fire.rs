//! `herald serve` probed as an attacker and a careless operator would: a state
//! database restored or deleted under it, a mail-bomb of sign-ups, forged form posts,
//! a slow relay and a restart with mail queued, timing that could tell who is
//! subscribed, pending sign-ups left to expire.

use std::time::{Duration, Instant};

use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::server::Server;
use crate::support::{CONFIG, Site};

const SECRET: &str = "serve-fire-secret-0123456789abcdef0123456789";
const ENV: &[(&str, &str)] = &[("HERALD_SECRET", SECRET)];

fn site(serve_extra: &str, smtp: Option<&SmtpServer>) -> Site {
    let smtp = smtp
        .map(|s| format!("smtp:\n  url: \"{}\"\n  concurrency: 1\n", s.url("")))
        .unwrap_or_default();
    Site::with_config(&format!(
        "{CONFIG}newsletter:
  from: \"Test Site <news@example.com>\"
serve:
  public_url: \"http://news.example.test/\"
{serve_extra}{smtp}"
    ))
}

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

#[allow(dead_code)]
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(20), "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[allow(dead_code)]
fn smtp() -> SmtpServer {
    SmtpServer::start(Behaviour::default())
}
