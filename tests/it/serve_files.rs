//! `herald serve` serving the built feeds: the real binary on a loopback port, asked
//! over real HTTP by a plain TCP client (`serve_files/client.rs`) that sends request
//! targets exactly as written and decodes gzip and brotli bodies.

mod client;

use std::net::SocketAddr;

use client::{get, request};

use crate::support::Site;
use crate::support::server::Server;

const FEEDS: [(&str, &str); 3] = [
    ("rss.xml", "application/rss+xml; charset=utf-8"),
    ("atom.xml", "application/atom+xml; charset=utf-8"),
    ("feed.json", "application/feed+json; charset=utf-8"),
];

/// `herald serve` on `site` (the shared harness), and the address the raw client
/// talks to.
fn serve(site: &Site) -> (Server, SocketAddr) {
    let server = site.serve(&[]);
    let addr = server
        .base
        .trim_start_matches("http://")
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", server.base));
    (server, addr)
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
    let (_server, addr) = serve(&site);
    for (name, content_type) in FEEDS {
        let path = format!("/{name}");
        let response = get(addr, &path, &[]);
        assert_eq!(response.status, 200, "{name}");
        assert_eq!(response.expect_header("content-type"), content_type);
        assert_eq!(response.body, feed(&site, name), "{name}");
        assert_eq!(response.expect_header("access-control-allow-origin"), "*");
        assert_eq!(response.expect_header("cache-control"), "max-age=300");
        // The feed or its HTML page, by `Accept`.
        assert_eq!(response.expect_header("vary"), "accept-encoding, accept");
        let etag = response.expect_header("etag");
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "strong: {etag}"
        );
        let modified = std::fs::metadata(site.path(&format!("public/{name}")))
            .unwrap()
            .modified()
            .unwrap();
        let last_modified = response.expect_header("last-modified");
        assert_eq!(last_modified, httpdate::fmt_http_date(modified));

        let again = get(addr, &path, &[("if-none-match", etag)]);
        assert_eq!(again.status, 304, "{name}: If-None-Match");
        assert!(again.body.is_empty());
        assert_eq!(again.expect_header("etag"), etag);
        let since = get(addr, &path, &[("if-modified-since", last_modified)]);
        assert_eq!(since.status, 304, "{name}: If-Modified-Since");
        let stale = get(
            addr,
            &path,
            &[
                ("if-none-match", "\"stale\""),
                ("if-modified-since", last_modified),
            ],
        );
        assert_eq!(stale.status, 200, "{name}: If-None-Match takes precedence");

        let head = request(addr, "HEAD", &path, &[]);
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
    let (_server, addr) = serve(&site);
    for (name, _) in FEEDS {
        let path = format!("/{name}");
        let bytes = feed(&site, name);
        let identity = get(addr, &path, &[]);
        let gzip = get(addr, &path, &[("accept-encoding", "gzip")]);
        let brotli = get(addr, &path, &[("accept-encoding", "gzip, deflate, br")]);
        let preferred = get(addr, &path, &[("accept-encoding", "br;q=0.5, gzip")]);
        assert_eq!(gzip.expect_header("content-encoding"), "gzip", "{name}");
        assert_eq!(brotli.expect_header("content-encoding"), "br", "{name}");
        assert_eq!(
            preferred.expect_header("content-encoding"),
            "gzip",
            "{name}"
        );
        for response in [&gzip, &brotli] {
            assert_eq!(response.decoded(), bytes, "{name}");
            assert!(response.body.len() < bytes.len() / 2, "{name}: compressed");
            assert_ne!(
                response.expect_header("etag"),
                identity.expect_header("etag"),
                "{name}: a compressed variant has its own tag"
            );
            let tag = response.expect_header("etag");
            let revalidated = get(
                addr,
                &path,
                &[
                    (
                        "accept-encoding",
                        response.expect_header("content-encoding"),
                    ),
                    ("if-none-match", tag),
                ],
            );
            assert_eq!(revalidated.status, 304, "{name}: {tag}");
        }
    }
}

/// How soon a rebuilt file is served, as docs/serve.md promises.
const REVALIDATE: std::time::Duration = std::time::Duration::from_secs(1);

#[test]
fn a_rebuilt_feed_gets_new_bytes_and_a_new_etag_within_a_second() {
    let site = built_site();
    let (_server, addr) = serve(&site);
    let before: Vec<_> = FEEDS
        .iter()
        .map(|(name, _)| get(addr, &format!("/{name}"), &[("accept-encoding", "br")]))
        .collect();
    site.article("newest", "The newest post", "2025-12-01");
    site.herald(&["build"]).expect_code(0);
    // The served files were last looked at before the build: one interval on, every
    // request looks again.
    std::thread::sleep(REVALIDATE);
    for ((name, _), old) in FEEDS.iter().zip(&before) {
        let path = format!("/{name}");
        let after = get(addr, &path, &[("accept-encoding", "br")]);
        let bytes = feed(&site, name);
        assert_ne!(old.decoded(), bytes, "{name}: the build changed it");
        assert_eq!(after.decoded(), bytes, "{name}: served new within a second");
        assert_ne!(after.expect_header("etag"), old.expect_header("etag"));
        let old_tag = [("if-none-match", old.expect_header("etag"))];
        assert_eq!(get(addr, &path, &old_tag).status, 200, "{name}");
        assert!(String::from_utf8_lossy(&after.decoded()).contains("The newest post"));
    }
}

#[test]
fn every_request_is_in_the_access_log_after_a_graceful_shutdown() {
    // Fewer than a batch: the writer is not woken early, so most lines are still in
    // the buffer when SIGTERM comes.
    const REQUESTS: usize = 200;
    let site = built_site();
    let (server, addr) = serve(&site);
    for k in 0..REQUESTS {
        let reply = get(addr, &format!("/rss.xml?k={k}"), &[]);
        assert_eq!(reply.status, 200);
    }
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    let logged = stderr
        .lines()
        .filter(|line| line.contains(" GET /rss.xml 200 "))
        .count();
    assert_eq!(logged, REQUESTS, "{stderr}");
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
    let (_server, addr) = serve(&site);
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
        let response = get(addr, target, &[]);
        assert!(
            matches!(response.status, 400 | 404),
            "{target}: {}",
            response.status
        );
        let body = String::from_utf8_lossy(&response.body);
        assert!(
            !body.contains("site:") && !body.contains("title"),
            "{target}: {body}"
        );
    }
    assert_eq!(get(addr, "/missing.xml", &[]).status, 404);
    // `/` is the home page (tests/it/serve_fire.rs), never a listing of the folder.
    let home = get(addr, "/", &[]);
    let body = String::from_utf8_lossy(&home.body);
    assert!(
        !body.contains("config.txt") && !body.contains("herald.yaml"),
        "{body}"
    );
}
