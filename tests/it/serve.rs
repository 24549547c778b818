//! `herald serve` over real HTTP on a loopback port: unsubscribe, double opt-in through
//! the real SMTP test server, rate limits, proxies, the preview, security headers, and
//! an unsubscribe that lands while `herald send` runs.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::MessageParser;

use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::server::{Reply, Server};
use crate::support::{CONFIG, Site};

const SECRET: &str = "serve-test-secret-81c2-5e0a9d3b7f14c6e2";
pub(crate) const ENV: &[(&str, &str)] = &[("HERALD_SECRET", SECRET)];

/// A site with a newsletter, `serve:` lines `serve_extra` (indented two spaces) and,
/// when given, the SMTP test server as relay.
pub(crate) fn site(serve_extra: &str, smtp: Option<&SmtpServer>) -> Site {
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

fn token(email: &str) -> String {
    herald::mail::unsubscribe::token(SECRET.as_bytes(), email)
}

/// `email`'s status per `herald subscribers list`.
pub(crate) fn status(site: &Site, email: &str) -> Option<String> {
    let run = site.herald(&["subscribers", "list"]);
    run.expect_code(0);
    run.stdout().lines().find_map(|line| {
        let mut fields = line.split('\t');
        (fields.next() == Some(email)).then(|| fields.next().unwrap_or("").to_string())
    })
}

fn add(site: &Site, email: &str) {
    site.herald(&["subscribers", "add", email]).expect_code(0);
}

pub(crate) fn expect(reply: &Reply, status: u16, needle: &str, server: &Server) {
    assert_eq!(
        reply.status,
        status,
        "{}\n{}",
        reply.body,
        server.describe()
    );
    assert!(
        reply.body.contains(needle),
        "body lacks {needle:?}\n{}",
        reply.body
    );
}

/// Waits until the SMTP server holds `count` messages.
pub(crate) fn wait_for_mail(smtp: &SmtpServer, count: usize) -> Vec<crate::smtp_server::Received> {
    let start = Instant::now();
    while smtp.received().len() < count {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "only {} message(s) arrived",
            smtp.received().len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    smtp.received()
}

/// The `/confirm/…` path in a received confirmation mail.
pub(crate) fn confirm_path(data: &[u8]) -> String {
    let message = MessageParser::default().parse(data).expect("a message");
    let text = message.body_text(0).expect("a text body").into_owned();
    let at = text.find("/confirm/").expect("a confirmation link");
    let link: String = text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert!(
        text.contains(&format!("http://news.example.test{link}")),
        "{text}"
    );
    link
}

#[test]
fn healthz_answers_ok_when_the_database_opens() {
    let site = Site::new();
    let server = site.serve(&[]);
    let reply = server.get("/healthz");
    assert_eq!(reply.status, 200, "{}", server.describe());
    assert_eq!(reply.body.trim(), "ok");
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let site = Site::new();
    let server = site.serve(&[]);
    assert_eq!(server.get("/healthz").status, 200);
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn one_click_post_unsubscribes_and_a_repeat_is_the_same_success() {
    let site = site("", None);
    add(&site, "ann@example.com");
    add(&site, "bob@example.com");
    let server = site.serve(ENV);
    let path = format!("/unsubscribe/{}", token("ann@example.com"));
    for _ in 0..2 {
        let reply = server.post(&path, "List-Unsubscribe=One-Click");
        expect(&reply, 200, "You are unsubscribed", &server);
        assert_eq!(
            status(&site, "ann@example.com").as_deref(),
            Some("unsubscribed")
        );
    }
    assert_eq!(status(&site, "bob@example.com").as_deref(), Some("active"));
    // The page's own button posts a form the same way.
    let bob = format!("/unsubscribe/{}", token("BOB@example.com"));
    let page = server.get(&bob);
    expect(&page, 200, "<form method=\"post\">", &server);
    assert_eq!(
        status(&site, "bob@example.com").as_deref(),
        Some("active"),
        "a GET never unsubscribes"
    );
    expect(
        &server.post(&bob, "List-Unsubscribe=One-Click"),
        200,
        "You are unsubscribed",
        &server,
    );
    assert_eq!(
        status(&site, "bob@example.com").as_deref(),
        Some("unsubscribed")
    );
    // The reason is kept: `herald subscribers list` shows email, status, hard and soft
    // bounces, reason.
    site.herald(&["subscribers", "list"])
        .expect_stdout("ann@example.com\tunsubscribed\thard 0\tsoft 0\tone-click\t");
    let log = server.stderr_with("POST /unsubscribe/… 200");
    assert!(log.contains("POST /unsubscribe/… 200"), "{log}");
    assert!(
        !log.contains(&token("ann@example.com")) && !log.contains("ann@"),
        "{log}"
    );
}

#[test]
fn a_tampered_or_unknown_token_is_400_and_changes_nothing() {
    let site = site("", None);
    add(&site, "ann@example.com");
    let server = site.serve(ENV);
    let good = token("ann@example.com");
    let flipped = format!(
        "{}{}",
        &good[..31],
        if good.ends_with('0') { '1' } else { '0' }
    );
    let other_key = herald::mail::unsubscribe::token(b"another secret", "ann@example.com");
    for bad in [flipped.as_str(), other_key.as_str(), "zz", "0123"] {
        let path = format!("/unsubscribe/{bad}");
        expect(
            &server.post(&path, "List-Unsubscribe=One-Click"),
            400,
            "not valid",
            &server,
        );
        expect(&server.get(&path), 400, "not valid", &server);
    }
    assert_eq!(status(&site, "ann@example.com").as_deref(), Some("active"));
}

#[test]
fn a_subscriber_added_while_the_server_runs_can_unsubscribe() {
    let site = site("", None);
    let server = site.serve(ENV);
    add(&site, "late@example.com");
    let path = format!("/unsubscribe/{}", token("late@example.com"));
    expect(
        &server.post(&path, "List-Unsubscribe=One-Click"),
        200,
        "unsubscribed",
        &server,
    );
    assert_eq!(
        status(&site, "late@example.com").as_deref(),
        Some("unsubscribed")
    );
}

#[test]
fn sign_up_mails_a_link_through_smtp_and_confirming_makes_the_subscriber_active() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site("", Some(&smtp));
    let server = site.serve(ENV);
    expect(&server.get("/subscribe"), 200, "name=\"email\"", &server);
    let reply = server.post("/subscribe", "email=new%40example.com&name=New+Reader");
    expect(&reply, 200, "Check your inbox", &server);
    let mail = wait_for_mail(&smtp, 1);
    assert_eq!(status(&site, "new@example.com").as_deref(), Some("pending"));
    assert_eq!(mail[0].to, ["new@example.com"]);
    let link = confirm_path(&mail[0].data);
    expect(&server.get(&link), 200, "<form method=\"post\">", &server);
    assert_eq!(
        status(&site, "new@example.com").as_deref(),
        Some("pending"),
        "a GET never confirms"
    );
    expect(&server.post(&link, ""), 200, "You are subscribed", &server);
    assert_eq!(status(&site, "new@example.com").as_deref(), Some("active"));
    // A second press says the same; the new subscriber's unsubscribe token works.
    expect(&server.post(&link, ""), 200, "You are subscribed", &server);
    let unsubscribe = format!("/unsubscribe/{}", token("new@example.com"));
    expect(
        &server.post(&unsubscribe, "List-Unsubscribe=One-Click"),
        200,
        "unsubscribed",
        &server,
    );
    // After unsubscribing, the spent link cannot bring the address back.
    expect(&server.post(&link, ""), 400, "already used", &server);
    assert_eq!(
        status(&site, "new@example.com").as_deref(),
        Some("unsubscribed")
    );
    let tampered = link.replacen("/confirm/1", "/confirm/2", 1);
    expect(&server.post(&tampered, ""), 400, "not valid", &server);
}

/// A spent link once made an unsubscribed person active again after any new sign-up
/// of the address: the new link's expiry was later than the spent one's, and "no later
/// than the latest link" was the whole check.
#[test]
fn a_spent_confirmation_link_stays_spent_after_a_new_sign_up() {
    let smtp = SmtpServer::start(Behaviour::default());
    // No wait between two links to one address.
    let site = site("  confirm_mail_interval_minutes: 0\n", Some(&smtp));
    let server = site.serve(ENV);
    server.post("/subscribe", "email=ann%40example.com");
    let first = confirm_path(&wait_for_mail(&smtp, 1)[0].data);
    expect(&server.post(&first, ""), 200, "You are subscribed", &server);
    let unsubscribe = format!("/unsubscribe/{}", token("ann@example.com"));
    server.post(&unsubscribe, "List-Unsubscribe=One-Click");
    assert_eq!(
        status(&site, "ann@example.com").as_deref(),
        Some("unsubscribed")
    );
    // Someone signs the address up again: a new link is mailed, the old one stays spent.
    server.post("/subscribe", "email=ann%40example.com");
    let mail = wait_for_mail(&smtp, 2);
    let second = confirm_path(&mail[1].data);
    assert_ne!(first, second, "a new link, not the spent one again");
    expect(&server.post(&first, ""), 400, "already used", &server);
    assert_eq!(
        status(&site, "ann@example.com").as_deref(),
        Some("unsubscribed")
    );
    // Only the new link, used by its owner, brings the address back; and only once.
    expect(
        &server.post(&second, ""),
        200,
        "You are subscribed",
        &server,
    );
    assert_eq!(status(&site, "ann@example.com").as_deref(), Some("active"));
    server.post(&unsubscribe, "List-Unsubscribe=One-Click");
    expect(&server.post(&second, ""), 400, "already used", &server);
    assert_eq!(
        status(&site, "ann@example.com").as_deref(),
        Some("unsubscribed")
    );
    let shown = site.herald(&["subscribers", "show", "ann@example.com"]);
    shown
        .expect_code(0)
        .expect_stdout("via sign-up form")
        .expect_stdout("reason:       one-click");
}

#[test]
fn the_answer_to_a_sign_up_does_not_reveal_who_is_subscribed() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site("", Some(&smtp));
    add(&site, "member@example.com");
    add(&site, "gone@example.com");
    site.herald(&["subscribers", "remove", "gone@example.com"])
        .expect_code(0);
    let server = site.serve(ENV);
    let fresh = server.post("/subscribe", "email=fresh%40example.com");
    let member = server.post("/subscribe", "email=member%40example.com");
    let gone = server.post("/subscribe", "email=gone%40example.com");
    let strip = |r: &Reply, email: &str| r.body.replace(email, "ADDRESS");
    assert_eq!(fresh.status, member.status);
    assert_eq!(
        strip(&fresh, "fresh@example.com"),
        strip(&member, "member@example.com")
    );
    assert_eq!(
        strip(&fresh, "fresh@example.com"),
        strip(&gone, "gone@example.com")
    );
    // The unsubscribed address gets a link, and stays unsubscribed until it is used.
    let mail = wait_for_mail(&smtp, 2);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        smtp.count_for("member@example.com"),
        0,
        "no mail to an active address"
    );
    assert_eq!(
        status(&site, "gone@example.com").as_deref(),
        Some("unsubscribed")
    );
    let gone_mail = mail
        .iter()
        .find(|m| m.to == ["gone@example.com"])
        .expect("a link for the unsubscribed address");
    expect(
        &server.post(&confirm_path(&gone_mail.data), ""),
        200,
        "subscribed",
        &server,
    );
    assert_eq!(status(&site, "gone@example.com").as_deref(), Some("active"));
}

#[test]
fn a_confirmation_link_expires() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site("  confirm_hours: 24\n", Some(&smtp));
    let link = {
        let server = site.serve_at("2026-01-01T00:00:00Z", ENV);
        expect(
            &server.post("/subscribe", "email=slow%40example.com"),
            200,
            "24 hours",
            &server,
        );
        confirm_path(&wait_for_mail(&smtp, 1)[0].data)
    };
    let server = site.serve_at("2026-01-01T23:59:00Z", ENV);
    expect(&server.get(&link), 200, "Confirm", &server);
    assert_eq!(
        status(&site, "slow@example.com").as_deref(),
        Some("pending")
    );
    drop(server);
    let server = site.serve_at("2026-01-02T00:00:01Z", ENV);
    expect(&server.get(&link), 400, "expired", &server);
    expect(&server.post(&link, ""), 400, "expired", &server);
    // A sign-up never confirmed is dropped once its link has expired.
    let start = Instant::now();
    while status(&site, "slow@example.com").is_some() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the expired sign-up stays\n{}",
            server.describe()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sign_ups_are_rate_limited_per_ip_and_per_address_and_bodies_are_capped() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site("  signups_per_ip_per_minute: 3\n", Some(&smtp));
    let server = site.serve(ENV);
    expect(
        &server.post("/subscribe", "email=a%40example.com"),
        200,
        "Check your inbox",
        &server,
    );
    expect(
        &server.post("/subscribe", "email=A%40example.com"),
        429,
        "Too many",
        &server,
    );
    expect(
        &server.post("/subscribe", "email=b%40example.com"),
        200,
        "Check your inbox",
        &server,
    );
    expect(
        &server.post("/subscribe", "email=c%40example.com"),
        429,
        "Too many",
        &server,
    );
    wait_for_mail(&smtp, 2);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(smtp.count_for("a@example.com"), 1, "one mail per address");
    assert_eq!(status(&site, "c@example.com"), None);

    let other = site_with_limit(&smtp, "  max_body_bytes: 2048\n");
    let server = other.serve(ENV);
    let big = format!("email=x%40example.com&name={}", "n".repeat(4096));
    let reply = server.post("/subscribe", &big);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(status(&other, "x@example.com"), None);
    expect(
        &server.post("/subscribe", "email=not-an-address"),
        400,
        "does not look like",
        &server,
    );
}

fn site_with_limit(smtp: &SmtpServer, extra: &str) -> Site {
    site(extra, Some(smtp))
}

#[test]
fn x_forwarded_for_counts_only_from_a_trusted_proxy() {
    let smtp = SmtpServer::start(Behaviour::default());
    let post = |server: &Server, n: usize, from: &str| {
        server
            .post_with(
                "/subscribe",
                &format!("email=p{n}%40example.com"),
                &[("X-Forwarded-For", from)],
            )
            .status
    };
    let trusted = site(
        "  signups_per_ip_per_minute: 1\n  trusted_proxies: [127.0.0.1]\n",
        Some(&smtp),
    );
    let server = trusted.serve(ENV);
    assert_eq!(post(&server, 1, "198.51.100.1"), 200);
    assert_eq!(post(&server, 2, "198.51.100.2"), 200, "another client");
    assert_eq!(
        post(&server, 3, "198.51.100.1"),
        429,
        "the same client again"
    );

    let untrusted = site(
        "  signups_per_ip_per_minute: 1\n  trusted_proxies: [10.0.0.0/8]\n",
        Some(&smtp),
    );
    let server = untrusted.serve(ENV);
    assert_eq!(post(&server, 4, "198.51.100.1"), 200);
    assert_eq!(
        post(&server, 5, "198.51.100.2"),
        429,
        "the header is ignored"
    );
}

#[test]
fn preview_is_off_without_a_token_and_on_with_it() {
    let site = site("", None);
    site.article("hello", "Hello Preview", "2025-12-01");
    let server = site.serve(ENV);
    assert_eq!(server.get("/preview").status, 404);
    drop(server);

    let token = "preview-token-0123456789";
    let site = self::site(&format!("  preview_token: \"{token}\"\n"), None);
    site.article("hello", "Hello Preview", "2025-12-01");
    let expected = {
        site.herald_with(&["digest", "--html", "expected.html"], ENV)
            .expect_code(0);
        site.read("expected.html")
    };
    let server = site.serve(ENV);
    assert_eq!(server.get("/preview").status, 404);
    assert_eq!(
        server.get("/preview?token=wrong-token-0123456789").status,
        404
    );
    let by_query = server.get(&format!("/preview?token={token}"));
    assert_eq!(by_query.status, 200, "{}", by_query.body);
    assert_eq!(by_query.body, expected);
    let bearer = format!("Bearer {token}");
    let by_header = server.get_with("/preview", &[("Authorization", &bearer)]);
    assert_eq!(by_header.body, expected);
    let log = server.stderr();
    assert!(!log.contains(token), "{log}");
}

#[test]
fn every_page_carries_a_strict_policy() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site("", Some(&smtp));
    add(&site, "ann@example.com");
    let server = site.serve(ENV);
    let unsubscribe = format!("/unsubscribe/{}", token("ann@example.com"));
    let replies = [
        server.get("/subscribe"),
        server.post("/subscribe", "email=csp%40example.com"),
        server.post("/subscribe", "email=broken"),
        server.get(&unsubscribe),
        server.get("/unsubscribe/bad"),
        server.get("/confirm/bad"),
        server.get("/preview"),
        server.post(&unsubscribe, "List-Unsubscribe=One-Click"),
    ];
    for reply in &replies {
        let csp = reply.header("content-security-policy").unwrap_or("");
        for part in [
            "default-src 'none'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{} lacks {part}: {csp:?}", reply.status);
        }
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
        assert!(!reply.body.contains("<script"));
        assert!(reply.body.contains("Test Site"), "{}", reply.body);
    }
}

#[test]
fn sign_up_is_off_without_public_url_and_unsubscribe_without_the_secret() {
    let site = Site::new();
    let server = site.serve(&[]);
    assert_eq!(server.get("/subscribe").status, 404);
    assert_eq!(
        server
            .post("/unsubscribe/00", "List-Unsubscribe=One-Click")
            .status,
        404
    );
    assert!(
        server.stderr().contains("HERALD_SECRET is not set"),
        "{}",
        server.describe()
    );
    let with_secret = site.serve(ENV);
    assert_eq!(with_secret.get("/subscribe").status, 404);
    assert!(
        with_secret.stderr().contains("set serve.public_url"),
        "{}",
        with_secret.describe()
    );
}

#[test]
fn an_unsubscribe_during_a_send_stops_that_copy_if_it_has_not_gone() {
    let smtp = SmtpServer::start(Behaviour {
        delay: Duration::from_millis(600),
        ..Behaviour::default()
    });
    let site = site("", Some(&smtp));
    site.article("hello", "Hello", "2025-12-01");
    let emails = [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
        "e@example.com",
    ];
    for email in emails {
        add(&site, email);
    }
    let server = site.serve(ENV);
    let send = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args([
            "--config",
            "herald.yaml",
            "--now",
            "2026-01-01T00:00:00Z",
            "send",
        ])
        .current_dir(site.root())
        .env_remove("HERALD_SMTP_URL")
        .env_remove("HERALD_SMTP_PASSWORD")
        .env("HERALD_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning herald send");
    wait_for_mail(&smtp, 1);
    let path = format!("/unsubscribe/{}", token("e@example.com"));
    expect(
        &server.post(&path, "List-Unsubscribe=One-Click"),
        200,
        "unsubscribed",
        &server,
    );
    let output = send.wait_with_output().expect("herald send");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for email in &emails[..4] {
        assert_eq!(smtp.count_for(email), 1, "{email}");
    }
    assert_eq!(
        smtp.count_for("e@example.com"),
        0,
        "unsubscribed before its turn"
    );
    assert!(stdout.contains("\"skipped\":1"), "{stdout}");
    assert!(stdout.contains("\"complete\":true"), "{stdout}");
}
