//! Faults and attacks around sending and the state file: a stalled server, a corrupt or
//! locked database, overlapping builds, forged tokens, hostile HTML, leaked secrets.

use std::io::Read;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{CONFIG, Run, Site};

const SECRET: &str = "hardening-secret-3a7f0c9e5b1d8264";
const PASSWORD: &str = "pa55-w0rd-that-must-not-leak";

fn newsletter_config(smtp: &str) -> String {
    format!(
        "{CONFIG}newsletter:\n  from: \"Test Site <news@example.com>\"\n  unsubscribe_url: \"https://example.com/u/{{token}}\"\n{smtp}"
    )
}

fn herald(site: &Site, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut env = env.to_vec();
    env.push(("HERALD_SECRET", SECRET));
    site.herald_with(args, &env)
}

fn assert_no_secret(run: &Run) {
    for secret in [PASSWORD, SECRET] {
        assert!(
            !run.stdout().contains(secret) && !run.stderr().contains(secret),
            "a secret leaked\n{}",
            run.describe()
        );
    }
}

#[test]
fn a_server_that_accepts_and_stalls_times_out_instead_of_hanging() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept every connection and never say a word.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let smtp = format!(
        "smtp:\n  url: \"smtp://127.0.0.1:{port}\"\n  concurrency: 1\n  timeout_seconds: 1\n"
    );
    let site = Site::with_config(&newsletter_config(&smtp));
    site.article("a", "A", "2025-06-01");
    herald(&site, &["subscribers", "add", "reader@example.org"], &[]).expect_code(0);
    let started = Instant::now();
    let run = herald(&site, &["send"], &[]);
    let elapsed = started.elapsed();
    run.expect_code(1);
    assert!(
        elapsed < Duration::from_secs(60),
        "took {elapsed:?}\n{}",
        run.describe()
    );
    let all = format!("{}{}", run.stdout(), run.stderr()).to_lowercase();
    assert!(
        all.contains("timed out") || all.contains("timeout"),
        "{}",
        run.describe()
    );
}

#[test]
fn a_corrupt_state_file_is_a_clear_error_naming_it() {
    let site = Site::with_config(&newsletter_config(""));
    site.article("a", "A", "2025-06-01");
    site.write(
        ".herald/herald.db",
        "this is not a database, just text".repeat(200),
    );
    for args in [&["subscribers", "list"][..], &["send"][..]] {
        let run = herald(&site, args, &[]);
        run.expect_code(1).expect_stderr(".herald/herald.db");
    }
    let kept = site.read(".herald/herald.db");
    assert!(
        kept.starts_with("this is not a database"),
        "the file was left as it was"
    );
}

#[test]
fn a_locked_state_file_waits_or_fails_clearly_never_half_done() {
    let site = Site::with_config(&newsletter_config(""));
    site.article("a", "A", "2025-06-01");
    herald(&site, &["subscribers", "add", "one@example.org"], &[]).expect_code(0);
    let holder = rusqlite::Connection::open(site.path(".herald/herald.db")).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let run = herald(&site, &["subscribers", "add", "two@example.org"], &[]);
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    if run.code() == 0 {
        // It waited for the lock: the write must then be complete.
        let list = herald(&site, &["subscribers", "list"], &[]);
        list.expect_stdout("two@example.org");
    } else {
        run.expect_code(1).expect_stderr(".herald/herald.db");
        let list = herald(&site, &["subscribers", "list"], &[]);
        assert!(
            !list.stdout().contains("two@example.org"),
            "{}",
            list.describe()
        );
    }
}

#[test]
fn two_builds_at_once_both_succeed_and_leave_whole_feeds() {
    let site = Site::new();
    for i in 0..300 {
        site.write(
            &format!("content/post-{i}.md"),
            format!(
                "---\ntitle: Post {i}\npublish_date: 2024-01-01T00:{:02}:{:02}Z\n---\n{}\n",
                i / 60,
                i % 60,
                "Text. ".repeat(400)
            ),
        );
    }
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_herald"))
            .args([
                "--config",
                "herald.yaml",
                "--now",
                "2026-01-01T00:00:00Z",
                "build",
            ])
            .current_dir(site.root())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for feed in ["rss.xml", "atom.xml"] {
        let text = site.read(&format!("public/{feed}"));
        let parsed = feed_rs::parser::parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.entries.len(), 20, "{feed}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(site.path("public"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn an_unsubscribe_token_cannot_be_forged_or_moved_to_another_address() {
    use herald::mail::unsubscribe::{token, verify};
    let secret = SECRET.as_bytes();
    let good = token(secret, "ann@example.org");
    assert!(verify(secret, "ann@example.org", &good));
    assert!(
        verify(secret, "ANN@example.org", &good),
        "addresses are case-insensitive"
    );
    assert!(
        !verify(secret, "bob@example.org", &good),
        "reused for another address"
    );
    assert!(
        !verify(b"another-secret", "ann@example.org", &good),
        "made with another key"
    );
    for (i, c) in good.char_indices() {
        let flipped = if c == '0' { '1' } else { '0' };
        let mut tampered = good.clone();
        tampered.replace_range(i..i + 1, &flipped.to_string());
        assert!(
            !verify(secret, "ann@example.org", &tampered),
            "tampered at {i}"
        );
    }
    for bad in [
        "",
        &good[..30],
        &format!("{good}00"),
        &good.to_uppercase().replace('A', "G"),
    ] {
        assert!(!verify(secret, "ann@example.org", bad), "{bad:?}");
    }
}

#[test]
fn scripts_handlers_and_javascript_urls_never_reach_the_email() {
    let site = Site::with_config(&newsletter_config(""));
    site.write(
        "content/evil.md",
        "---\ntitle: \"<script>alert(1)</script> Evil\"\nsubtitle: '<img src=x onerror=alert(2)>'\n\
         description: '<a href=\"javascript:alert(3)\" onclick=\"x()\">click</a>'\n\
         cta: '<b onmouseover=alert(4)>Go</b>'\npublish_date: 2025-06-01\n---\n\
         <script>alert(5)</script>\n\n<p onclick=\"alert(6)\">body</p> [link](javascript:alert(7))\n",
    );
    herald(
        &site,
        &["digest", "--html", "issue.html", "--text", "issue.txt"],
        &[],
    )
    .expect_code(0);
    let html = site.read("issue.html").to_lowercase();
    for tag in tags(&html) {
        let name = tag.split_whitespace().next().unwrap_or_default();
        assert!(
            !matches!(name, "script" | "/script"),
            "a script tag: <{tag}>"
        );
        assert!(!tag.contains("javascript:"), "a javascript: URL: <{tag}>");
        let handler = tag
            .split_whitespace()
            .skip(1)
            .any(|attribute| attribute.starts_with("on") && attribute.contains('='));
        assert!(!handler, "an event handler: <{tag}>");
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; evil"),
        "the title is shown as text"
    );
    // Feeds keep the author's raw HTML in the body, as written.
    herald(&site, &["build"], &[]).expect_code(0);
    assert!(
        site.read("public/feed.json")
            .contains("<p onclick=\\\"alert(6)\\\">body</p>")
    );
}

/// The inside of every tag of an HTML document (escaped text holds no `<`).
fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag))
        .filter(|tag| !tag.starts_with('!'))
        .collect()
}

#[test]
fn smtp_credentials_never_appear_in_output_even_on_failure() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("smtp://mailer:{PASSWORD}@127.0.0.1:{port}");
    let site = Site::with_config(&newsletter_config(
        "smtp:\n  concurrency: 1\n  timeout_seconds: 1\n",
    ));
    site.article("a", "A", "2025-06-01");
    herald(&site, &["subscribers", "add", "reader@example.org"], &[]).expect_code(0);
    let env = [
        ("HERALD_SMTP_URL", url.as_str()),
        ("HERALD_SMTP_PASSWORD", PASSWORD),
    ];
    for args in [
        &["send", "--dry-run"][..],
        &["send"][..],
        &["send", "--to", "me@example.org"][..],
        &["digest", "--eml", "x.eml"][..],
    ] {
        let run = herald(&site, args, &env);
        assert_no_secret(&run);
    }
    let mut eml = String::new();
    std::fs::File::open(site.path("x.eml"))
        .unwrap()
        .read_to_string(&mut eml)
        .unwrap();
    assert!(!eml.contains(PASSWORD) && !eml.contains(SECRET));
}
