//! The file server over real HTTP: the router bound on 127.0.0.1:0 with `axum::serve`,
//! driven by a plain TCP client.

use std::net::SocketAddr;
use std::path::Path;
use std::thread::JoinHandle;

use super::*;

// Shared with the integration tests, where its items are used from other modules.
#[path = "../../../tests/it/serve_files/client.rs"]
#[allow(unreachable_pub)]
mod client;

use client::{get, request};

/// A server on a loopback port, stopped when dropped.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(root: &Path) -> Server {
        Server::with_limits(root, Limits::default())
    }

    fn with_limits(root: &Path, limits: Limits) -> Server {
        let app = axum::Router::new().fallback_service(service_with(root.to_path_buf(), limits));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound, addr) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a loopback port");
                bound.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("serving");
            });
        });
        Server {
            addr: addr.recv().expect("the server's address"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|stop| stop.send(()));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

const FEEDS: [(&str, &str); 3] = [
    ("rss.xml", "application/rss+xml; charset=utf-8"),
    ("atom.xml", "application/atom+xml; charset=utf-8"),
    ("feed.json", "application/feed+json; charset=utf-8"),
];

/// A folder with the three feeds (a few KB each, so that they compress) and a few other
/// files.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, _) in FEEDS {
        std::fs::write(dir.path().join(name), feed_bytes(name, "first")).unwrap();
    }
    std::fs::write(dir.path().join("index.html"), "<!doctype html><p>home</p>").unwrap();
    std::fs::write(
        dir.path().join("hero.png"),
        [0x89, b'P', b'N', b'G', 0, 1, 2],
    )
    .unwrap();
    dir
}

fn feed_bytes(name: &str, edition: &str) -> Vec<u8> {
    (0..200)
        .map(|i| format!("<item><title>{name} {edition} item {i}</title></item>\n"))
        .collect::<String>()
        .into_bytes()
}

/// Replaces `name` the way `herald build` does: a new file renamed over the old one.
fn rebuild(dir: &Path, name: &str, bytes: &[u8]) {
    let temp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&temp, bytes).unwrap();
    std::fs::rename(&temp, dir.join(name)).unwrap();
}

#[test]
fn feeds_have_their_type_validators_cors_and_cache_control() {
    let dir = site();
    let server = Server::start(dir.path());
    for (name, content_type) in FEEDS {
        let response = get(server.addr, &format!("/{name}"), &[]);
        assert_eq!(response.status, 200, "{name}");
        assert_eq!(response.expect_header("content-type"), content_type);
        assert_eq!(response.body, std::fs::read(dir.path().join(name)).unwrap());
        assert_eq!(
            response.header("content-encoding"),
            None,
            "{name}: identity"
        );
        let etag = response.expect_header("etag");
        assert!(etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"));
        let modified = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(
            response.expect_header("last-modified"),
            httpdate::fmt_http_date(modified)
        );
        assert_eq!(response.expect_header("access-control-allow-origin"), "*");
        assert_eq!(response.expect_header("cache-control"), "max-age=300");
        assert_eq!(response.expect_header("vary"), "accept-encoding, accept");
    }
}

#[test]
fn other_files_have_their_types_and_no_cors() {
    let dir = site();
    let server = Server::start(dir.path());
    let html = get(server.addr, "/index.html", &[("accept-encoding", "gzip")]);
    assert_eq!(
        html.expect_header("content-type"),
        "text/html; charset=utf-8"
    );
    assert_eq!(html.header("access-control-allow-origin"), None);
    assert_eq!(html.header("cache-control"), None);
    let png = get(server.addr, "/hero.png", &[("accept-encoding", "gzip, br")]);
    assert_eq!(png.expect_header("content-type"), "image/png");
    assert_eq!(
        png.header("content-encoding"),
        None,
        "images are not recompressed"
    );
    assert_eq!(
        png.body,
        std::fs::read(dir.path().join("hero.png")).unwrap()
    );
}

#[test]
fn if_none_match_and_if_modified_since_give_304() {
    let dir = site();
    let server = Server::start(dir.path());
    for (name, _) in FEEDS {
        let path = format!("/{name}");
        let first = get(server.addr, &path, &[]);
        let etag = first.expect_header("etag");
        let last_modified = first.expect_header("last-modified");

        let again = get(server.addr, &path, &[("if-none-match", etag)]);
        assert_eq!(again.status, 304, "{name}: If-None-Match");
        assert!(again.body.is_empty());
        assert_eq!(again.expect_header("etag"), etag);
        assert_eq!(again.expect_header("access-control-allow-origin"), "*");
        assert_eq!(again.expect_header("cache-control"), "max-age=300");

        let weak = format!("\"other\", W/{etag}");
        assert_eq!(
            get(server.addr, &path, &[("if-none-match", &weak)]).status,
            304
        );

        let since = get(server.addr, &path, &[("if-modified-since", last_modified)]);
        assert_eq!(since.status, 304, "{name}: If-Modified-Since");
        assert_eq!(since.expect_header("etag"), etag);

        let old = "Sat, 01 Jan 2000 00:00:00 GMT";
        assert_eq!(
            get(server.addr, &path, &[("if-modified-since", old)]).status,
            200
        );

        // If-None-Match takes precedence: a stale tag gets the file whatever the date.
        let stale = get(
            server.addr,
            &path,
            &[
                ("if-none-match", "\"stale\""),
                ("if-modified-since", last_modified),
            ],
        );
        assert_eq!(stale.status, 200, "{name}: If-None-Match wins");
    }
}

#[test]
fn head_has_the_headers_of_get_and_no_body() {
    let dir = site();
    let server = Server::start(dir.path());
    for (name, _) in FEEDS {
        for encoding in ["identity", "gzip", "br"] {
            let headers = [("accept-encoding", encoding)];
            let got = get(server.addr, &format!("/{name}"), &headers);
            let head = request(server.addr, "HEAD", &format!("/{name}"), &headers);
            assert_eq!(head.status, 200);
            assert!(head.body.is_empty(), "{name} {encoding}: HEAD has no body");
            let without_date = |r: &client::Response| {
                r.headers
                    .iter()
                    .filter(|(n, _)| n != "date")
                    .cloned()
                    .collect::<Vec<_>>()
            };
            assert_eq!(without_date(&head), without_date(&got), "{name} {encoding}");
            assert_eq!(
                head.expect_header("content-length"),
                got.body.len().to_string()
            );
        }
    }
}

#[test]
fn gzip_and_brotli_decode_to_the_file_with_their_own_etags() {
    let dir = site();
    let server = Server::start(dir.path());
    for (name, _) in FEEDS {
        let path = format!("/{name}");
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        let identity = get(server.addr, &path, &[]);
        let gzip = get(server.addr, &path, &[("accept-encoding", "gzip")]);
        let brotli = get(
            server.addr,
            &path,
            &[("accept-encoding", "gzip, deflate, br")],
        );
        assert_eq!(gzip.expect_header("content-encoding"), "gzip", "{name}");
        assert_eq!(brotli.expect_header("content-encoding"), "br", "{name}");
        for response in [&identity, &gzip, &brotli] {
            assert_eq!(response.decoded(), bytes, "{name}");
            assert_eq!(response.expect_header("vary"), "accept-encoding, accept");
        }
        assert!(gzip.body.len() < bytes.len() / 4 && brotli.body.len() < bytes.len() / 4);
        let tags = [&identity, &gzip, &brotli].map(|r| r.expect_header("etag").to_owned());
        assert!(
            tags[1].ends_with("-gz\"") && tags[2].ends_with("-br\""),
            "{tags:?}"
        );
        assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2]);

        // Each tag revalidates, whichever coding is asked for now.
        for tag in &tags {
            let again = get(
                server.addr,
                &path,
                &[("accept-encoding", "br"), ("if-none-match", tag)],
            );
            assert_eq!(again.status, 304, "{name} {tag}");
            assert_eq!(again.expect_header("etag"), tag);
        }
    }
}

#[test]
fn q_values_choose_the_coding() {
    let dir = site();
    let server = Server::start(dir.path());
    let cases = [
        ("gzip;q=1.0, br;q=0.5", Some("gzip")),
        ("br;q=0, gzip", Some("gzip")),
        ("gzip;q=0, br;q=0", None),
        ("identity", None),
        ("*", Some("br")),
        ("deflate", None),
    ];
    for (accept, want) in cases {
        let response = get(server.addr, "/rss.xml", &[("accept-encoding", accept)]);
        assert_eq!(response.header("content-encoding"), want, "{accept}");
        assert_eq!(
            response.decoded(),
            std::fs::read(dir.path().join("rss.xml")).unwrap()
        );
    }
}

/// The answers to `path` in each coding.
fn each_coding(server: &Server, path: &str) -> Vec<client::Response> {
    ["identity", "gzip", "br"]
        .map(|coding| get(server.addr, path, &[("accept-encoding", coding)]))
        .into()
}

#[test]
fn a_rebuilt_feed_is_served_new_within_the_revalidation_interval() {
    let dir = site();
    let server = Server::start(dir.path());
    let before: Vec<_> = FEEDS
        .iter()
        .map(|(name, _)| each_coding(&server, &format!("/{name}")))
        .collect();
    for (name, _) in FEEDS {
        rebuild(dir.path(), name, &feed_bytes(name, "second"));
    }
    // Each path was last checked on disk before the rebuild: a request one interval
    // later checks again.
    std::thread::sleep(cache::REVALIDATE);
    for ((name, _), before) in FEEDS.iter().zip(&before) {
        let path = format!("/{name}");
        let new = feed_bytes(name, "second");
        for (coding, old) in ["identity", "gzip", "br"].iter().zip(before) {
            let after = get(server.addr, &path, &[("accept-encoding", coding)]);
            assert_eq!(after.decoded(), new, "{name} {coding}: new bytes");
            assert_ne!(
                after.expect_header("etag"),
                old.expect_header("etag"),
                "{name} {coding}: new tag"
            );
            let old_tag = [("if-none-match", old.expect_header("etag"))];
            assert_eq!(
                get(server.addr, &path, &old_tag).status,
                200,
                "{name} {coding}"
            );
        }
    }
}

#[test]
fn nothing_outside_the_folder_is_served() {
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join("secret.txt"), "SECRET").unwrap();
    let root = outer.path().join("public");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("rss.xml"), "<rss/>").unwrap();
    std::fs::write(root.join(".herald-build.lock"), "").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outer.path().join("secret.txt"), root.join("out.txt")).unwrap();
        std::os::unix::fs::symlink(outer.path(), root.join("up")).unwrap();
        std::os::unix::fs::symlink(root.join("rss.xml"), root.join("alias.xml")).unwrap();
    }
    let server = Server::start(&root);
    let attempts = [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/x/../../secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/out.txt",
        "/up/secret.txt",
        "/.herald-build.lock",
        "/rss.xml%00",
    ];
    for target in attempts {
        let response = get(server.addr, target, &[]);
        assert!(
            matches!(response.status, 400 | 404),
            "{target}: {}",
            response.status
        );
        assert!(
            !String::from_utf8_lossy(&response.body).contains("SECRET"),
            "{target}"
        );
    }
    #[cfg(unix)]
    assert_eq!(
        get(server.addr, "/alias.xml", &[]).body,
        b"<rss/>",
        "a symlink inside"
    );
}

#[test]
fn folders_serve_their_index_and_are_never_listed() {
    let dir = site();
    std::fs::create_dir_all(dir.path().join("blog/empty")).unwrap();
    std::fs::write(dir.path().join("blog/index.html"), "blog home").unwrap();
    std::fs::write(dir.path().join("blog/empty/a.txt"), "a").unwrap();
    let server = Server::start(dir.path());
    assert_eq!(
        get(server.addr, "/", &[]).body,
        b"<!doctype html><p>home</p>"
    );
    assert_eq!(get(server.addr, "/blog/", &[]).body, b"blog home");
    let redirect = get(server.addr, "/blog?x=1", &[]);
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.expect_header("location"), "/blog/?x=1");
    let listing = get(server.addr, "/blog/empty/", &[]);
    assert_eq!(listing.status, 404);
    assert!(!String::from_utf8_lossy(&listing.body).contains("a.txt"));
    assert_eq!(get(server.addr, "/rss.xml/", &[]).status, 404);
}

#[test]
fn missing_files_and_other_methods() {
    let dir = site();
    let server = Server::start(dir.path());
    assert_eq!(get(server.addr, "/nope.xml", &[]).status, 404);
    assert_eq!(get(server.addr, "/nope/rss.xml", &[]).status, 404);
    assert_eq!(get(server.addr, "/rss.xml/x", &[]).status, 404);
    let post = request(server.addr, "POST", "/rss.xml", &[("content-length", "0")]);
    assert_eq!(post.status, 405);
    assert_eq!(post.expect_header("allow"), "GET, HEAD, OPTIONS");
    let preflight = request(server.addr, "OPTIONS", "/feed.json", &[]);
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.expect_header("access-control-allow-origin"), "*");
}

#[test]
fn a_deleted_file_is_404_within_the_revalidation_interval_even_when_it_was_cached() {
    let dir = site();
    let server = Server::start(dir.path());
    assert_eq!(get(server.addr, "/atom.xml", &[]).status, 200);
    std::fs::remove_file(dir.path().join("atom.xml")).unwrap();
    std::thread::sleep(cache::REVALIDATE);
    assert_eq!(get(server.addr, "/atom.xml", &[]).status, 404);
}

#[test]
fn with_no_revalidation_interval_every_request_looks_at_the_disk() {
    let dir = site();
    let limits = Limits {
        revalidate: std::time::Duration::ZERO,
        ..Limits::default()
    };
    let server = Server::with_limits(dir.path(), limits);
    let before = get(server.addr, "/rss.xml", &[]);
    rebuild(dir.path(), "rss.xml", &feed_bytes("rss.xml", "second"));
    let after = get(server.addr, "/rss.xml", &[]);
    assert_eq!(after.body, feed_bytes("rss.xml", "second"));
    assert_ne!(after.expect_header("etag"), before.expect_header("etag"));
    std::fs::remove_file(dir.path().join("rss.xml")).unwrap();
    assert_eq!(get(server.addr, "/rss.xml", &[]).status, 404);
}

#[test]
fn files_over_the_size_limit_are_streamed_whole() {
    let dir = site();
    let big = feed_bytes("big", "only").repeat(40);
    std::fs::write(dir.path().join("rss.xml"), &big).unwrap();
    let limits = Limits {
        max_file: 64 << 10,
        budget: 256 << 10,
        ..Limits::default()
    };
    let server = Server::with_limits(dir.path(), limits);
    let response = get(server.addr, "/rss.xml", &[("accept-encoding", "gzip, br")]);
    assert_eq!(response.status, 200);
    assert!(big.len() > 4 * STREAM_CHUNK, "several chunks");
    assert_eq!(
        response.header("content-encoding"),
        None,
        "streamed as it is"
    );
    assert_eq!(response.body, big);
    assert_eq!(
        response.expect_header("content-type"),
        "application/rss+xml; charset=utf-8"
    );
    let etag = response.expect_header("etag");
    let again = get(server.addr, "/rss.xml", &[("if-none-match", etag)]);
    assert_eq!(again.status, 304);
    let head = request(server.addr, "HEAD", "/rss.xml", &[]);
    assert_eq!(head.expect_header("content-length"), big.len().to_string());
    assert!(head.body.is_empty());
    // The smaller feeds are still cached and compressed.
    let small = get(server.addr, "/atom.xml", &[("accept-encoding", "gzip")]);
    assert_eq!(small.expect_header("content-encoding"), "gzip");
}

#[test]
fn over_the_memory_budget_every_file_is_still_served_right() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..12).map(|i| format!("f{i}.xml")).collect();
    for name in &names {
        std::fs::write(dir.path().join(name), feed_bytes(name, "one")).unwrap();
    }
    let limits = Limits {
        max_file: 16 << 10,
        budget: 40 << 10,
        ..Limits::default()
    };
    let server = Server::with_limits(dir.path(), limits);
    for _ in 0..2 {
        for name in &names {
            let response = get(
                server.addr,
                &format!("/{name}"),
                &[("accept-encoding", "br")],
            );
            assert_eq!(response.decoded(), feed_bytes(name, "one"), "{name}");
        }
    }
}

#[test]
fn many_clients_at_once_get_the_same_bytes() {
    let dir = site();
    let server = Server::start(dir.path());
    let bytes = std::fs::read(dir.path().join("rss.xml")).unwrap();
    let addr = server.addr;
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let coding = ["gzip", "br", "identity"][i % 3];
            std::thread::spawn(move || get(addr, "/rss.xml", &[("accept-encoding", coding)]))
        })
        .collect();
    let tags: std::collections::HashSet<String> = threads
        .into_iter()
        .map(|t| {
            let response = t.join().unwrap();
            assert_eq!(response.decoded(), bytes);
            response.expect_header("etag").to_owned()
        })
        .collect();
    assert_eq!(tags.len(), 3, "one tag per coding: {tags:?}");
}

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[test]
fn a_browser_gets_the_feeds_page_compressed_with_its_own_etags_and_304s() {
    let dir = site();
    let page = "<!DOCTYPE html><title>feed</title>".repeat(100);
    std::fs::write(dir.path().join("rss.html"), &page).unwrap();
    let server = Server::start(dir.path());
    let feed = get(server.addr, "/rss.xml", &[("accept-encoding", "br")]);
    let mut tags = vec![feed.expect_header("etag").to_owned()];
    for coding in ["identity", "gzip", "br"] {
        let headers = [("accept", BROWSER), ("accept-encoding", coding)];
        let response = get(server.addr, "/rss.xml", &headers);
        assert_eq!(response.status, 200, "{coding}");
        assert_eq!(
            response.expect_header("content-type"),
            "text/html; charset=utf-8"
        );
        assert_eq!(response.decoded(), page.as_bytes(), "{coding}");
        assert_eq!(response.expect_header("vary"), "accept-encoding, accept");
        assert_eq!(response.header("access-control-allow-origin"), None);
        let etag = response.expect_header("etag").to_owned();
        let again = get(
            server.addr,
            "/rss.xml",
            &[
                ("accept", BROWSER),
                ("accept-encoding", coding),
                ("if-none-match", &etag),
            ],
        );
        assert_eq!(again.status, 304, "{coding}");
        assert_eq!(again.expect_header("etag"), etag);
        assert_eq!(again.expect_header("vary"), "accept-encoding, accept");
        tags.push(etag);
    }
    let mut unique = tags.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        tags.len(),
        "one tag per representation: {tags:?}"
    );
    // atom.xml has no page: the browser gets the XML, as `application/xml`.
    let atom = get(server.addr, "/atom.xml", &[("accept", BROWSER)]);
    assert_eq!(
        atom.expect_header("content-type"),
        "application/xml; charset=utf-8"
    );
    assert_eq!(atom.expect_header("vary"), "accept-encoding, accept");
}
