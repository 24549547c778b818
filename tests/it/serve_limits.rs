//! `herald serve` under fire, driven as a real process: the `HERALD_SECRET` rule.
//!
//! Every wait is bounded, so a server that hangs fails the test instead of hanging it.

use std::time::Duration;

use crate::support::{CONFIG, Run, Site};

/// 64 hex digits, as `openssl rand -hex 32` prints them.
const SECRET: &str = "9b1f0c7e4a2d8f6b3c5e1a7d9f0b2c4e6a8d0f1b3c5e7a9d2f4b6c8e0a1d3f5b";

/// A built site with a newsletter and `serve:` lines `serve_extra` (indented two
/// spaces) after an http `public_url`.
fn site(serve_extra: &str) -> Site {
    site_at("http://news.example.test/", serve_extra)
}

fn site_at(public_url: &str, serve_extra: &str) -> Site {
    let site = Site::with_config(&format!(
        "{CONFIG}newsletter:
  from: \"Test Site <news@example.com>\"
serve:
  public_url: \"{public_url}\"
{serve_extra}"
    ));
    site.article("hello", "Hello", "2025-12-01");
    site.herald(&["build"]).expect_code(0);
    site
}

/// `herald serve` run for at most 20 s: it should refuse to start.
fn serve_refused(site: &Site, secret: Option<&str>) -> Run {
    let mut command = site.command(&["serve", "--listen", "127.0.0.1:0"], &[]);
    command.env_remove("HERALD_SECRET");
    if let Some(secret) = secret {
        command.env("HERALD_SECRET", secret);
    }
    Run::of_within(command, Duration::from_secs(20))
}

#[test]
fn a_secret_shorter_than_32_bytes_is_refused_wherever_it_is_read() {
    let site = site("");
    let short = &SECRET[..31];
    let expect_refusal = |run: &Run, code: i32| {
        run.expect_code(code)
            .expect_stderr("HERALD_SECRET is 31 bytes long; it must be at least 32")
            .expect_stderr("openssl rand -hex 32");
        assert!(!run.stderr().contains(short), "{}", run.describe());
    };
    expect_refusal(&serve_refused(&site, Some(short)), 2);
    site.herald(&["subscribers", "add", "ann@example.com"])
        .expect_code(0);
    let env = [("HERALD_SECRET", short)];
    expect_refusal(&site.herald_with(&["send"], &env), 2);
    expect_refusal(
        &site.herald_with(&["digest", "--html", "issue.html"], &env),
        2,
    );
    // `herald inbound` asks its mail server to keep the message and try later.
    expect_refusal(
        &Run::of_within(site.command(&["inbound"], &env), Duration::from_secs(20)),
        75,
    );
    // 32 bytes are enough.
    let server = site.serve(&[("HERALD_SECRET", &SECRET[..32])]);
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn no_secret_with_a_newsletter_refuses_to_start() {
    let site = site("");
    serve_refused(&site, None)
        .expect_code(2)
        .expect_stderr("HERALD_SECRET is not set")
        .expect_stderr("openssl rand -hex 32");
}
