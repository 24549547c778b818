//! `herald serve` while `herald send` writes to the same state database: every
//! sign-up, confirmation and one-click unsubscribe is answered 2xx, and nobody gets a
//! copy written after their unsubscribe was answered.
//!
//! [`choices_made_during_a_send_all_land`] runs a small load on every `cargo test`; the
//! load check of the benchmark ([`load_check`], ignored, run by `bench/run.sh`) runs
//! the full one: a send to 20,000 subscribers with 300 of each at the same time.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::support::server::Server;
use crate::support::{CONFIG, Site};

const SECRET: &str = "serve-load-secret-0123456789abcdef0123456789";
const ENV: &[(&str, &str)] = &[("HERALD_SECRET", SECRET)];

/// Clients sending each kind of request at the same time.
const CLIENTS: usize = 4;

/// How big a load to run.
struct Load {
    /// Subscribers imported before the send starts.
    subscribers: usize,
    /// One-click unsubscribes, sign-ups and confirmations, each.
    each: usize,
}

fn site() -> Site {
    let site = Site::with_config(&format!(
        "{CONFIG}newsletter:
  from: \"Test Site <news@example.com>\"
serve:
  public_url: \"http://news.example.test/\"
  trusted_proxies: [127.0.0.1]
  confirm_mails_per_hour: 0
"
    ));
    site.article("hello", "Hello", "2025-12-01");
    site
}

fn import(site: &Site, name: &str, emails: impl Iterator<Item = String>) {
    let mut csv = String::from("email,name\n");
    for email in emails {
        csv.push_str(&email);
        csv.push_str(",Reader\n");
    }
    site.write(name, csv);
    site.herald(&["subscribers", "import", name]).expect_code(0);
}

/// The `/confirm/…` paths in the confirmation mails of the outbox, by address.
fn confirm_links(site: &Site, want: usize) -> HashMap<String, String> {
    let folder = site.path(".herald/outbox/confirm");
    let start = Instant::now();
    loop {
        let mut links = HashMap::new();
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let text = text.replace("=\r\n", "").replace("=\n", "");
            let to = text
                .lines()
                .find_map(|l| l.strip_prefix("To: "))
                .map(|t| t.trim().trim_matches(['<', '>']).to_string());
            let link = text
                .split("http://news.example.test")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_string);
            if let (Some(to), Some(link)) = (to, link) {
                links.insert(to, link);
            }
        }
        if links.len() >= want {
            return links;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "only {} of {want} confirmation mails in {}",
            links.len(),
            folder.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the send has written `count` copies to the outbox.
fn wait_for_copies(site: &Site, count: usize) {
    let start = Instant::now();
    loop {
        let written: usize = std::fs::read_dir(site.path(".herald/outbox"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir() && !e.path().ends_with("confirm"))
            .map(|e| std::fs::read_dir(e.path()).map_or(0, Iterator::count))
            .sum();
        if written >= count {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the send wrote {written} copies in a minute"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn spawn_send(site: &Site) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_herald"))
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
        .expect("spawning herald send")
}

/// What one request got: its path, status and when its answer arrived.
struct Answer {
    what: String,
    status: u16,
    at: SystemTime,
}

fn run(load: &Load) {
    let site = site();
    import(
        &site,
        "before.csv",
        (0..load.subscribers).map(|n| format!("reader{n}@example.com")),
    );
    let server = site.serve(ENV);
    // Links to confirm during the send: signed up before it.
    for n in 0..load.each {
        let reply = server.post_with(
            "/subscribe",
            &format!("email=early{n}%40example.org"),
            &[("X-Forwarded-For", &format!("10.1.{}.{}", n / 200, n % 200))],
        );
        assert_eq!(reply.status, 200, "{}\n{}", reply.body, server.describe());
    }
    let links = confirm_links(&site, load.each);
    // Half the unsubscribes are for people imported after the server started.
    let late: Vec<String> = (0..load.each / 2)
        .map(|n| format!("late{n}@example.com"))
        .collect();
    import(&site, "after.csv", late.iter().cloned());
    let leaving: Vec<String> = late
        .iter()
        .cloned()
        .chain((0..load.each - late.len()).map(|n| format!("reader{}@example.com", n * 7)))
        .collect();

    let send = spawn_send(&site);
    wait_for_copies(&site, 50);
    let answers = Mutex::new(Vec::new());
    let record = |what: String, status: u16| {
        answers.lock().unwrap().push(Answer {
            what,
            status,
            at: SystemTime::now(),
        });
    };
    std::thread::scope(|scope| {
        let server: &Server = &server;
        let record = &record;
        // Each kind of request from several clients at once.
        for client in 0..CLIENTS {
            let mine = move |n: &usize| n % CLIENTS == client;
            let leaving: Vec<&String> = leaving
                .iter()
                .enumerate()
                .filter(|(n, _)| mine(n))
                .map(|(_, e)| e)
                .collect();
            scope.spawn(move || {
                for email in leaving {
                    let token = herald::mail::unsubscribe::token(SECRET.as_bytes(), email);
                    let reply = server.post(
                        &format!("/unsubscribe/{token}"),
                        "List-Unsubscribe=One-Click",
                    );
                    record(format!("unsubscribe {email}"), reply.status);
                }
            });
            scope.spawn(move || {
                for n in (0..load.each).filter(mine) {
                    let reply = server.post_with(
                        "/subscribe",
                        &format!("email=new{n}%40example.org"),
                        &[("X-Forwarded-For", &format!("10.2.{}.{}", n / 200, n % 200))],
                    );
                    record(format!("sign-up new{n}"), reply.status);
                }
            });
            let links: Vec<(&String, &String)> = links
                .iter()
                .enumerate()
                .filter(|(n, _)| mine(n))
                .map(|(_, l)| l)
                .collect();
            scope.spawn(move || {
                for (email, link) in links {
                    let reply = server.post(link, "");
                    record(format!("confirm {email}"), reply.status);
                }
            });
        }
    });
    let output = send.wait_with_output().expect("herald send");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let answers = answers.into_inner().unwrap();
    let failed: Vec<String> = answers
        .iter()
        .filter(|a| !(200..300).contains(&a.status))
        .map(|a| format!("{} → {}", a.what, a.status))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} answers were not 2xx: {:?}\n{}",
        failed.len(),
        answers.len(),
        &failed[..failed.len().min(10)],
        server.describe()
    );
    // Nobody's copy was written after their unsubscribe was answered.
    let issue_folder = std::fs::read_dir(site.path(".herald/outbox"))
        .expect("the outbox")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir() && !p.ends_with("confirm"))
        .expect("the issue's outbox folder");
    let mut late_copies = Vec::new();
    for answer in &answers {
        let Some(email) = answer.what.strip_prefix("unsubscribe ") else {
            continue;
        };
        let copy = issue_folder.join(format!("{email}.eml"));
        if let Ok(meta) = std::fs::metadata(&copy)
            && meta.modified().expect("mtime") > answer.at
        {
            late_copies.push(email.to_string());
        }
    }
    assert!(
        late_copies.is_empty(),
        "copies written after the unsubscribe was answered: {late_copies:?}"
    );
    for email in &leaving {
        let run = site.herald(&["subscribers", "show", email, "--json"]);
        run.expect_code(0)
            .expect_stdout("\"status\": \"unsubscribed\"");
    }
    for email in links.keys() {
        let run = site.herald(&["subscribers", "show", email, "--json"]);
        run.expect_code(0).expect_stdout("\"status\": \"active\"");
    }
}

#[test]
fn choices_made_during_a_send_all_land() {
    run(&Load {
        subscribers: 3_000,
        each: 60,
    });
}

/// The benchmark's load check (`bench/run.sh`): `cargo test --release --test it --
/// --ignored load_check`.
#[test]
#[ignore = "the load check of bench/run.sh: minutes in a debug build"]
fn load_check() {
    run(&Load {
        subscribers: 20_000,
        each: 300,
    });
}
