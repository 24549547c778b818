//! `herald serve` serving the built feeds: the real binary on a loopback port, asked
//! over real HTTP by a plain TCP client (`serve_files/client.rs`).

mod client;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use client::{get, request};

use crate::support::Site;

const FEEDS: [(&str, &str); 3] = [
    ("rss.xml", "application/rss+xml; charset=utf-8"),
    ("atom.xml", "application/atom+xml; charset=utf-8"),
    ("feed.json", "application/feed+json; charset=utf-8"),
];

/// A running `herald serve`, killed when dropped.
struct Serving {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Serving {
    /// Starts `herald serve --listen 127.0.0.1:0` in `site` and waits until it listens.
    fn start(site: &Site) -> Serving {
        let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(["--config", "herald.yaml", "--now", "2026-01-01T00:00:00Z"])
            .args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(site.root())
            .env_remove("HERALD_SMTP_URL")
            .env_remove("HERALD_SMTP_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning herald serve");
        let log = Arc::new(Mutex::new(String::new()));
        let (found, address) = mpsc::channel();
        let stderr = child.stderr.take().expect("piped stderr");
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.split("listening on http://").nth(1) {
                    let _ = found.send(at.trim().to_owned());
                }
                let mut log = lines.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = match address.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => addr.parse().expect("a socket address"),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("herald serve did not listen:\n{}", log.lock().unwrap());
            }
        };
        Serving { child, addr, log }
    }

    /// `GET path` with `headers`.
    fn get(&self, path: &str, headers: &[(&str, &str)]) -> client::Response {
        get(self.addr, path, headers)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- herald serve stderr\n{}", self.log.lock().unwrap());
        }
    }
}

/// A built site with enough text in its feeds for compression to matter.
fn built_site() -> Site {
    let site = Site::new();
    for i in 0..8 {
        site.write(
            &format!("content/post-{i}.md"),
            format!(
                "---\ntitle: 'Post {i}'\npublish_date: '2025-0{}-15'\n---\n\n{}",
                i + 1,
                "A paragraph about feeds, served with care. ".repeat(40)
            ),
        );
    }
    site.herald(&["build"]).expect_code(0);
    site
}

fn feed(site: &Site, name: &str) -> Vec<u8> {
    std::fs::read(site.path(&format!("public/{name}"))).expect("a built feed")
}

#[test]
fn feeds_have_their_type_validators_and_cors() {
    let site = built_site();
    let server = Serving::start(&site);
    for (name, content_type) in FEEDS {
        let path = format!("/{name}");
        let response = server.get(&path, &[]);
        assert_eq!(response.status, 200, "{name}");
        assert_eq!(response.expect_header("content-type"), content_type);
        assert_eq!(response.body, feed(&site, name), "{name}");
        assert_eq!(response.expect_header("access-control-allow-origin"), "*");
        assert_eq!(response.expect_header("cache-control"), "max-age=300");
        assert_eq!(response.expect_header("vary"), "accept-encoding");
        let etag = response.expect_header("etag");
        assert!(etag.starts_with('"') && etag.ends_with('"'), "strong: {etag}");
        let modified = std::fs::metadata(site.path(&format!("public/{name}")))
            .unwrap()
            .modified()
            .unwrap();
        let last_modified = response.expect_header("last-modified");
        assert_eq!(last_modified, httpdate::fmt_http_date(modified));

        let again = server.get(&path, &[("if-none-match", etag)]);
        assert_eq!(again.status, 304, "{name}: If-None-Match");
        assert!(again.body.is_empty());
        assert_eq!(again.expect_header("etag"), etag);
        let since = server.get(&path, &[("if-modified-since", last_modified)]);
        assert_eq!(since.status, 304, "{name}: If-Modified-Since");
        let stale = server.get(
            &path,
            &[("if-none-match", "\"stale\""), ("if-modified-since", last_modified)],
        );
        assert_eq!(stale.status, 200, "{name}: If-None-Match takes precedence");

        let head = request(server.addr, "HEAD", &path, &[]);
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty(), "{name}: HEAD has no body");
        assert_eq!(head.expect_header("etag"), etag);
        assert_eq!(head.expect_header("content-type"), content_type);
        assert_eq!(
            head.expect_header("content-length"),
            response.body.len().to_string()
        );
    }
}

#[test]
fn gzip_and_brotli_bodies_decode_to_the_feed() {
    let site = built_site();
    let server = Serving::start(&site);
    for (name, _) in FEEDS {
        let path = format!("/{name}");
        let bytes = feed(&site, name);
        let identity = server.get(&path, &[]);
        let gzip = server.get(&path, &[("accept-encoding", "gzip")]);
        let brotli = server.get(&path, &[("accept-encoding", "gzip, deflate, br")]);
        let preferred = server.get(&path, &[("accept-encoding", "br;q=0.5, gzip")]);
        assert_eq!(gzip.expect_header("content-encoding"), "gzip", "{name}");
        assert_eq!(brotli.expect_header("content-encoding"), "br", "{name}");
        assert_eq!(preferred.expect_header("content-encoding"), "gzip", "{name}");
        for response in [&gzip, &brotli] {
            assert_eq!(response.decoded(), bytes, "{name}");
            assert!(response.body.len() < bytes.len() / 2, "{name}: compressed");
            assert_ne!(
                response.expect_header("etag"),
                identity.expect_header("etag"),
                "{name}: a compressed variant has its own tag"
            );
            let tag = response.expect_header("etag");
            let revalidated = server.get(
                &path,
                &[
                    ("accept-encoding", response.expect_header("content-encoding")),
                    ("if-none-match", tag),
                ],
            );
            assert_eq!(revalidated.status, 304, "{name}: {tag}");
        }
    }
}

#[test]
fn a_rebuilt_feed_gets_new_bytes_and_a_new_etag_at_once() {
    let site = built_site();
    let server = Serving::start(&site);
    let before: Vec<_> = FEEDS
        .iter()
        .map(|(name, _)| server.get(&format!("/{name}"), &[("accept-encoding", "br")]))
        .collect();
    site.article("newest", "The newest post", "2025-12-01");
    site.herald(&["build"]).expect_code(0);
    for ((name, _), old) in FEEDS.iter().zip(&before) {
        let path = format!("/{name}");
        let after = server.get(&path, &[("accept-encoding", "br")]);
        let bytes = feed(&site, name);
        assert_ne!(old.decoded(), bytes, "{name}: the build changed it");
        assert_eq!(after.decoded(), bytes, "{name}: served new at once");
        assert_ne!(after.expect_header("etag"), old.expect_header("etag"));
        let old_tag = [("if-none-match", old.expect_header("etag"))];
        assert_eq!(server.get(&path, &old_tag).status, 200, "{name}");
        assert!(String::from_utf8_lossy(&after.decoded()).contains("The newest post"));
    }
}

#[test]
fn nothing_outside_output_dir_is_served() {
    let site = built_site();
    // herald.yaml sits just above public/: the obvious target.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(site.path("herald.yaml"), site.path("public/config.txt"))
            .unwrap();
        std::os::unix::fs::symlink(site.root(), site.path("public/site")).unwrap();
    }
    let server = Serving::start(&site);
    let attempts = [
        "/../herald.yaml",
        "/%2e%2e/herald.yaml",
        "/%2E%2e/herald.yaml",
        "/.%2e/herald.yaml",
        "/public/../../herald.yaml",
        "/..%2fherald.yaml",
        "/..%5cherald.yaml",
        "/%2e%2e%2fherald.yaml",
        "/config.txt",
        "/site/herald.yaml",
        "/.herald-build.lock",
    ];
    for target in attempts {
        let response = server.get(target, &[]);
        assert!(
            matches!(response.status, 400 | 404),
            "{target}: {}",
            response.status
        );
        let body = String::from_utf8_lossy(&response.body);
        assert!(!body.contains("site:") && !body.contains("title"), "{target}: {body}");
    }
    assert_eq!(server.get("/missing.xml", &[]).status, 404);
    assert_eq!(server.get("/", &[]).status, 404, "no listing, no index.html");
}
