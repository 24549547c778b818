//! WebSub publish pings against a hub on 127.0.0.1 that records what it receives: one
//! ping per changed feed, none for an unchanged build, and a hub that fails, refuses or
//! hangs gives a warning and a successful build.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::Site;

/// How the test hub answers.
#[derive(Clone, Copy)]
enum Answer {
    /// With this status and no body.
    Status(u16),
    /// Never: it reads the request and keeps the connection open for a while.
    Hang,
}

/// One request the hub received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    content_type: String,
    form: Vec<(String, String)>,
}

/// A hub on a loopback port, stopped when dropped.
struct Hub {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

impl Hub {
    fn start(answer: Answer) -> Hub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the hub");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopped) = (Arc::clone(&received), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let log = Arc::clone(&log);
                        std::thread::spawn(move || serve(stream, answer, &log));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Hub {
            addr,
            received,
            stop,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/hub", self.addr)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads one request, records it and answers.
fn serve(mut stream: TcpStream, answer: Answer, log: &Mutex<Vec<Received>>) {
    stream.set_nonblocking(false).ok();
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| {
                let (n, v) = line.split_once(':')?;
                n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().unwrap_or(0);
    while raw.len() < head_end + length {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
        }
    }
    let body = &raw[head_end..raw.len().min(head_end + length)];
    let mut words = head.split_whitespace();
    log.lock().expect("log").push(Received {
        method: words.next().unwrap_or_default().to_string(),
        path: words.next().unwrap_or_default().to_string(),
        content_type: header("content-type"),
        form: url::form_urlencoded::parse(body).into_owned().collect(),
    });
    match answer {
        Answer::Status(status) => {
            let reply =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = stream.write_all(reply.as_bytes());
        }
        Answer::Hang => std::thread::sleep(Duration::from_secs(6)),
    }
}

fn site_with_hub(hub: &str, timeout: u64) -> Site {
    let config = format!(
        "site:\n  title: Hub\n  url: https://example.com/\n  description: Pings\n\
         feeds:\n  websub_hub: {hub}\n  websub_timeout_seconds: {timeout}\n"
    );
    let site = Site::with_config(&config);
    site.article("first", "First", "2025-01-01");
    site
}

fn pinged_urls(received: &[Received]) -> Vec<String> {
    let mut urls: Vec<String> = received
        .iter()
        .map(|r| {
            assert_eq!(r.method, "POST");
            assert_eq!(r.path, "/hub");
            assert!(
                r.content_type
                    .starts_with("application/x-www-form-urlencoded"),
                "{r:?}"
            );
            let value = |key: &str| {
                r.form
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            assert_eq!(value("hub.mode"), "publish", "{r:?}");
            value("hub.url")
        })
        .collect();
    urls.sort();
    urls
}

const ALL_FEEDS: [&str; 3] = [
    "https://example.com/atom.xml",
    "https://example.com/feed.json",
    "https://example.com/rss.xml",
];

#[test]
fn a_changed_build_pings_each_changed_feed_once_and_an_unchanged_one_nothing() {
    let hub = Hub::start(Answer::Status(204));
    let site = site_with_hub(&hub.url(), 5);
    let run = site.herald(&["build"]);
    run.expect_code(0);
    assert!(!run.stderr().contains("WebSub"), "{}", run.describe());
    assert_eq!(pinged_urls(&hub.received()), ALL_FEEDS);

    site.herald(&["build"])
        .expect_code(0)
        .expect_stdout("unchanged");
    assert_eq!(hub.received().len(), 3, "an unchanged build pinged");

    site.article("second", "Second", "2025-02-01");
    site.herald(&["build"]).expect_code(0);
    let received = hub.received();
    assert_eq!(pinged_urls(&received[3..]), ALL_FEEDS);
}

#[test]
fn a_hub_answering_500_is_tried_twice_then_a_warning() {
    let hub = Hub::start(Answer::Status(500));
    let site = site_with_hub(&hub.url(), 5);
    site.herald(&["build"])
        .expect_code(0)
        .expect_stderr("warning: WebSub ping to")
        .expect_stderr("HTTP 500");
    assert!(site.path("public/rss.xml").exists());
    let urls = pinged_urls(&hub.received());
    assert_eq!(urls.len(), 6, "{urls:?}");
}

#[test]
fn a_closed_port_is_a_warning_not_a_failed_build() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let site = site_with_hub(&format!("http://127.0.0.1:{port}/hub"), 2);
    site.herald(&["build"])
        .expect_code(0)
        .expect_stderr("warning: WebSub ping to");
}

#[test]
fn a_hub_that_hangs_is_given_up_after_the_timeout() {
    let hub = Hub::start(Answer::Hang);
    let site = site_with_hub(&hub.url(), 1);
    let started = Instant::now();
    site.herald(&["build"])
        .expect_code(0)
        .expect_stderr("warning: WebSub ping to");
    // Three feeds, two tries of at most 1 s each.
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hub.received().len(), 6);
}

#[test]
fn a_hub_that_is_not_an_http_url_is_a_config_error() {
    let site = site_with_hub("ftp://hub.example.com/", 5);
    site.herald(&["build"])
        .expect_code(2)
        .expect_stderr("feeds.websub_hub");
}
