//! `herald serve` under fire, driven over real TCP: a request that is never finished
//! (the header-read timeout, the shutdown deadline), a kept-alive connection left idle,
//! a log nobody reads, and the smaller answers: `Retry-After`, which responses carry
//! the page policy, `no-store` on token pages, HSTS, and the `HERALD_SECRET` rule.
//!
//! Every wait is bounded, so a server that hangs fails the test instead of hanging it.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::server::{Reply, Server};
use crate::support::{CONFIG, Run, Site};

/// 64 hex digits, as `openssl rand -hex 32` prints them.
const SECRET: &str = "9b1f0c7e4a2d8f6b3c5e1a7d9f0b2c4e6a8d0f1b3c5e7a9d2f4b6c8e0a1d3f5b";
const ENV: &[(&str, &str)] = &[("HERALD_SECRET", SECRET)];

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

fn address(server: &Server) -> SocketAddr {
    server
        .base
        .trim_start_matches("http://")
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", server.base))
}

fn connect(server: &Server) -> TcpStream {
    let address = address(server);
    TcpStream::connect(address).unwrap_or_else(|e| panic!("connect {address}: {e}"))
}

/// Reads from `stream` until the server closes it (end of file, or a reset); `Err`
/// when `limit` passes first.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Result<(), String> {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("read timeout");
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ok(()),
            Err(e) => return Err(format!("reading: {e}")),
        }
        if started.elapsed() > limit {
            return Err(format!(
                "still open after {limit:?}; received {:?}",
                String::from_utf8_lossy(&received)
            ));
        }
    }
}

/// One response read from a kept-alive connection: its status, headers and body
/// (`Content-Length` bytes).
fn read_response(stream: &mut TcpStream) -> (u16, Vec<(String, String)>, Vec<u8>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    let mut raw = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        let n = stream.read(&mut buffer).expect("reading a response");
        assert!(n > 0, "closed before a whole response: {raw:?}");
        raw.extend_from_slice(&buffer[..n]);
        let mut slots = [httparse::EMPTY_HEADER; 32];
        let mut parsed = httparse::Response::new(&mut slots);
        let httparse::Status::Complete(head) = parsed.parse(&raw).expect("a response head") else {
            continue;
        };
        let headers: Vec<(String, String)> = parsed
            .headers
            .iter()
            .map(|h| {
                let value = String::from_utf8_lossy(h.value).into_owned();
                (h.name.to_ascii_lowercase(), value)
            })
            .collect();
        let status = parsed.code.expect("a status");
        let length: usize = headers
            .iter()
            .find(|(name, _)| name == "content-length")
            .map_or(0, |(_, value)| value.parse().expect("a length"));
        while raw.len() < head + length {
            let n = stream.read(&mut buffer).expect("reading a body");
            assert!(n > 0, "closed in the middle of a body");
            raw.extend_from_slice(&buffer[..n]);
        }
        return (status, headers, raw[head..head + length].to_vec());
    }
}

#[test]
fn sigterm_ends_the_server_within_the_deadline_while_a_request_is_half_sent() {
    // The header-read timeout is long, so only the shutdown deadline can end this.
    let site = site("  shutdown_timeout_seconds: 2\n  header_read_timeout_seconds: 60\n");
    let server = site.serve(ENV);
    let mut half = connect(&server);
    half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .expect("sending half a request");
    // Give the server the time to read those bytes: a connection that sent nothing
    // yet would be closed at once, without the deadline.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.get("/healthz").status, 200);
    // The deadline is 2 s; what is past it here is only margin for a loaded machine.
    let (code, _took, stderr) = server.terminate_within(Duration::from_secs(8));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("shutdown deadline (2 s) passed: closing 1 open connection"),
        "{stderr}"
    );
    closed_within(&mut half, Duration::from_secs(5)).expect("the half-sent connection closed");
}

#[test]
fn a_half_sent_request_is_closed_by_the_header_read_timeout() {
    let site = site("  header_read_timeout_seconds: 1\n");
    let server = site.serve(ENV);
    let mut half = connect(&server);
    half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .expect("sending half a request");
    closed_within(&mut half, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("half a request: {e}\n{}", server.describe()));

    // A head sent one line at a time, each in time, still has to be whole in time:
    // the timeout runs from its first byte.
    let mut trickle = connect(&server);
    trickle
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("read timeout");
    trickle
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .expect("sending the start of a request");
    let started = Instant::now();
    let mut closed = false;
    while !closed && started.elapsed() < Duration::from_secs(10) {
        let sent = trickle
            .write_all(b"X-Slow: yes\r\n")
            .and_then(|()| trickle.flush());
        let mut byte = [0; 1];
        closed = sent.is_err()
            || match trickle.read(&mut byte) {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) => e.kind() == ErrorKind::ConnectionReset,
            };
    }
    assert!(
        closed,
        "a head trickled in for 10 s is still being read\n{}",
        server.describe()
    );
    // The server itself is fine.
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn keep_alive_outlasts_the_header_timeout_and_ends_at_the_idle_timeout() {
    let site = site("  header_read_timeout_seconds: 1\n  idle_timeout_seconds: 3\n");
    let server = site.serve(ENV);
    let mut stream = connect(&server);
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    stream.write_all(request).expect("first request");
    let (status, _, body) = read_response(&mut stream);
    assert_eq!((status, body.as_slice()), (200, b"ok\n".as_slice()));
    // Idle for longer than the header-read timeout: waiting for the next request is
    // not reading a slow one, so the connection is still there for it.
    std::thread::sleep(Duration::from_millis(1500));
    stream.write_all(request).expect("second request");
    let (status, _, body) = read_response(&mut stream);
    assert_eq!((status, body.as_slice()), (200, b"ok\n".as_slice()));
    closed_within(&mut stream, Duration::from_secs(15))
        .unwrap_or_else(|e| panic!("an idle kept-alive connection: {e}\n{}", server.describe()));
}

/// Requests sent while nobody reads the server's stderr: their lines (about 160 bytes
/// on average) must overflow the pipe (64 KiB) and the log's own buffer (1 MiB) so that
/// some are dropped and counted.
const FLOOD: usize = 12_000;

#[test]
fn a_log_nobody_reads_never_stops_the_server() {
    let site = site("");
    let mut command = site.command(&["serve", "--listen", "127.0.0.1:0"], ENV);
    command
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let line = format!("{command:?}");
    let mut child = command.spawn().expect("spawning herald serve");
    // Read up to the address, then nothing more: the pipe fills (64 KiB on Linux) and
    // stays full. The reader comes back so that the pipe stays open.
    let (tx, rx) = std::sync::mpsc::channel();
    let mut reader = BufReader::new(child.stderr.take().expect("piped stderr"));
    std::thread::spawn(move || {
        let mut text = String::new();
        while reader.read_line(&mut text).is_ok_and(|n| n > 0) {
            if let Some(at) = text.find("listening on http://") {
                let address = text[at + "listening on http://".len()..].trim().to_string();
                let _ = tx.send((address, reader));
                return;
            }
        }
    });
    let Ok((address, mut reader)) = rx.recv_timeout(Duration::from_secs(30)) else {
        let _ = child.kill();
        panic!("herald serve did not print its address\ncommand: {line}");
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    // Long paths make long log lines; /healthz and the feed are what must not stop.
    let long = "x".repeat(180);
    for k in 0..FLOOD {
        let path = match k % 3 {
            0 => "/healthz".to_string(),
            1 => "/rss.xml".to_string(),
            _ => format!("/missing/{k}/{long}"),
        };
        let expected = if k % 3 == 2 { 404 } else { 200 };
        match agent.get(format!("http://{address}{path}")).call() {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let _ = response.body_mut().read_to_vec();
                assert_eq!(status, expected, "{path}");
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "request {k} ({path}) got no answer: {e}: herald serve stopped answering while nobody read its stderr\ncommand: {line}"
                );
            }
        }
    }
    // Now read the log: the lines that did not fit were dropped and counted.
    let drained = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
        rest
    });
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for herald serve") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("herald serve was still running 20 s after SIGTERM\ncommand: {line}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let log = drained.join().expect("the stderr reader");
    assert_eq!(status.code(), Some(0), "{log}");
    let dropped: usize = log
        .lines()
        .find_map(|l| l.split_once(" log lines dropped in all"))
        .and_then(|(before, _)| before.rsplit(' ').next())
        .unwrap_or_else(|| panic!("no count of dropped lines at exit in:\n{log}"))
        .parse()
        .expect("a count");
    assert!(dropped > 0 && dropped < 2 * FLOOD, "{dropped}");
}

#[test]
fn a_429_says_when_to_try_again() {
    let site = site("  signups_per_ip_per_minute: 1\n");
    let server = site.serve(ENV);
    let first = server.post("/subscribe", "email=a%40example.com");
    assert_eq!(first.status, 200, "{}", server.describe());
    let over = server.post("/subscribe", "email=b%40example.com");
    assert_eq!(over.status, 429, "{}", over.body);
    let wait: u64 = over
        .header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", over.headers))
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    drop(server);

    // The limit per address has its own window (10 minutes here).
    let site = self::site("  signups_per_ip_per_minute: 0\n  confirm_mail_interval_minutes: 10\n");
    let server = site.serve(ENV);
    assert_eq!(
        server.post("/subscribe", "email=a%40example.com").status,
        200
    );
    let over = server.post("/subscribe", "email=A%40example.com");
    assert_eq!(over.status, 429, "{}", over.body);
    let wait: u64 = over
        .header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", over.headers))
        .parse()
        .expect("Retry-After in seconds");
    assert!((541..=600).contains(&wait), "{wait}");
}

/// Whether `reply` carries the policy of the server's own HTML pages.
fn page_policy(reply: &Reply) -> bool {
    reply
        .header("content-security-policy")
        .is_some_and(|policy| policy.contains("form-action 'self'"))
}

#[test]
fn only_html_pages_carry_the_page_policy() {
    let site = site("");
    site.write("public/robots.txt", "User-agent: *\n");
    let server = site.serve(ENV);
    for page in [
        server.get("/subscribe"),
        server.get("/unsubscribe/bad"),
        server.post("/subscribe", "email=broken"),
    ] {
        assert!(page_policy(&page), "{} {:?}", page.status, page.headers);
    }
    for feed in ["/feed.json", "/rss.xml", "/atom.xml"] {
        let full = server.get(feed);
        assert_eq!(full.status, 200, "{feed}");
        assert_eq!(full.header("content-security-policy"), None, "{feed}");
        let etag = full.header("etag").expect("an ETag");
        let again = server.get_with(feed, &[("if-none-match", etag)]);
        assert_eq!(again.status, 304, "{feed}");
        assert_eq!(
            again.header("content-security-policy"),
            None,
            "{feed}: a 304 updates the headers a browser stored with the feed"
        );
    }
    // A browser opening a feed gets its HTML page, a page like the others.
    let accept = [("accept", "text/html,*/*;q=0.8")];
    let page = server.get_with("/rss.xml", &accept);
    assert!(page_policy(&page), "{:?}", page.headers);
    // Without that page, the XML gets the policy of the page its feed.xsl makes of
    // it, not the policy of the server's own pages.
    std::fs::remove_file(site.path("public/rss.html")).expect("remove rss.html");
    // A deleted file is seen within a second (docs/serve.md).
    std::thread::sleep(std::time::Duration::from_secs(1));
    let browser = server.get_with("/rss.xml", &accept);
    let policy = browser.header("content-security-policy").unwrap_or("");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!page_policy(&browser), "{policy}");
    for other in ["/robots.txt", "/no-such-file"] {
        let reply = server.get(other);
        assert_eq!(reply.header("content-security-policy"), None, "{other}");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    }
}

#[test]
fn token_pages_are_never_stored() {
    let site = site("  preview_token: \"preview-token-0123456789\"\n");
    site.herald(&["subscribers", "add", "ann@example.com"])
        .expect_code(0);
    let server = site.serve(ENV);
    server.post("/subscribe", "email=new%40example.com");
    let confirm = wait_for_confirm_link(&site);
    let unsubscribe = format!(
        "/unsubscribe/{}",
        herald::mail::unsubscribe::token(SECRET.as_bytes(), "ann@example.com")
    );
    let replies = [
        ("GET confirm", server.get(&confirm)),
        ("POST confirm", server.post(&confirm, "")),
        ("GET bad confirm", server.get("/confirm/bad")),
        ("POST bad confirm", server.post("/confirm/bad", "")),
        ("GET unsubscribe", server.get(&unsubscribe)),
        (
            "POST unsubscribe",
            server.post(&unsubscribe, "List-Unsubscribe=One-Click"),
        ),
        ("GET bad unsubscribe", server.get("/unsubscribe/bad")),
        (
            "GET preview",
            server.get("/preview?token=preview-token-0123456789"),
        ),
        ("GET preview, no token", server.get("/preview")),
    ];
    for (what, reply) in &replies {
        assert_eq!(
            reply.header("cache-control"),
            Some("no-store"),
            "{what}: {} {:?}",
            reply.status,
            reply.headers
        );
    }
    assert_eq!(replies[1].1.status, 200, "{}", replies[1].1.body);
    assert_eq!(replies[5].1.status, 200, "{}", replies[5].1.body);
}

/// The `/confirm/…` path of the confirmation mail written to the outbox.
fn wait_for_confirm_link(site: &Site) -> String {
    let folder = site.path(".herald/outbox/confirm");
    let started = Instant::now();
    loop {
        let mail = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .find_map(|entry| std::fs::read_to_string(entry.path()).ok());
        if let Some(text) = mail.filter(|t| t.contains("/confirm/")) {
            let message = mail_parser::MessageParser::default()
                .parse(text.as_bytes())
                .expect("a message");
            let body = message.body_text(0).expect("a text body").into_owned();
            let at = body.find("/confirm/").expect("a link");
            return body[at..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no confirmation mail in {}",
            folder.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn hsts_goes_with_an_https_public_url_only() {
    let https = site_at("https://news.example.com", "");
    let server = https.serve(ENV);
    for path in ["/healthz", "/rss.xml", "/subscribe", "/no-such-file"] {
        let reply = server.get(path);
        assert_eq!(
            reply.header("strict-transport-security"),
            Some("max-age=31536000"),
            "{path}: {:?}",
            reply.headers
        );
    }
    let http = site("");
    let server = http.serve(ENV);
    for path in ["/healthz", "/rss.xml", "/subscribe"] {
        let reply = server.get(path);
        assert_eq!(reply.header("strict-transport-security"), None, "{path}");
    }
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

/// Sends `head` (a POST's head announcing `body`), then `body` in a write of its own a
/// moment later (as a client does whose body is not in the head's segment), reads the
/// answer, and asks once more on the same connection. The connection must carry the
/// second request, unless the first answer said `Connection: close`.
fn post_in_two_writes_then_again(server: &Server, path: &str, body: &str) {
    let mut stream = connect(server);
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("the head");
    std::thread::sleep(Duration::from_millis(200));
    stream.write_all(body.as_bytes()).expect("the body");
    let (status, headers, _) = read_response(&mut stream);
    assert_eq!(
        status,
        200,
        "POST {path}: {headers:?}\n{}",
        server.describe()
    );
    let closing = headers
        .iter()
        .any(|(name, value)| name == "connection" && value.eq_ignore_ascii_case("close"));
    assert!(!closing, "POST {path} closes its connection: {headers:?}");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("the next request");
    let (status, _, body) = read_response(&mut stream);
    assert_eq!(
        (status, body.as_slice()),
        (200, b"ok\n".as_slice()),
        "after POST {path}"
    );
}

#[test]
fn a_kept_alive_connection_carries_the_next_request_after_each_form_post() {
    let site = site("");
    site.herald(&["subscribers", "add", "ann@example.com"])
        .expect_code(0);
    let server = site.serve(ENV);
    post_in_two_writes_then_again(&server, "/subscribe", "email=new%40example.com");
    let confirm = wait_for_confirm_link(&site);
    post_in_two_writes_then_again(&server, &confirm, "confirm=yes");
    let unsubscribe = format!(
        "/unsubscribe/{}",
        herald::mail::unsubscribe::token(SECRET.as_bytes(), "ann@example.com")
    );
    post_in_two_writes_then_again(&server, &unsubscribe, "List-Unsubscribe=One-Click");
}
