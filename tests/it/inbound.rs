//! `herald inbound` end to end: real-shaped bounces (Postfix, Exim, Gmail, Exchange
//! Online, Amazon SES) and complaint reports (Yahoo/AOL, Microsoft JMRP) fed to the
//! real binary on standard input, from a Maildir and from an mbox, each changing
//! exactly the right subscriber and nobody else. VERP through the SMTP test server.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::{Run, Site};

const SECRET: &str = "inbound-test-secret-d4a1e7b9c2f05836";
const SUBSCRIBERS: [&str; 4] = [
    "ann@example.org",
    "bob@example.net",
    "cat@example.com",
    "dan@example.org",
];

fn token(email: &str) -> String {
    herald::mail::unsubscribe::token(SECRET.as_bytes(), email)
}

/// A site with VERP on and the four subscribers, all active.
fn site() -> Site {
    let site = Site::with_config(&crate::newsletter::config_with(
        "  bounce_address: bounces@example.com\n",
        "",
    ));
    for email in SUBSCRIBERS {
        site.herald(&["subscribers", "add", email]).expect_code(0);
    }
    site
}

/// A fixture with each `{token:EMAIL}` replaced by that address's token.
fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/it/fixtures/inbound/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    while let Some(start) = text.find("{token:") {
        let end = start + text[start..].find('}').expect("closing }");
        let email = text[start + 7..end].to_string();
        text.replace_range(start..=end, &token(&email));
    }
    text.into_bytes()
}

/// Runs `herald inbound ARGS` with `input` on standard input and the secret set.
pub(crate) fn inbound(site: &Site, input: &[u8], args: &[&str]) -> Run {
    inbound_with(site, input, args, &[("HERALD_SECRET", SECRET)])
}

fn inbound_with(site: &Site, input: &[u8], args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command
        .args([
            "--config",
            "herald.yaml",
            "--now",
            "2026-01-02T00:00:00Z",
            "inbound",
        ])
        .args(args)
        .current_dir(site.root())
        .env_remove("HERALD_SECRET")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let line = format!("{command:?}");
    let mut child = command.spawn().expect("spawn herald");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // A writer thread, so a large input cannot dead-lock against the output pipes; a
    // reader that stops early makes the write fail, which is fine.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("wait for herald");
    writer.join().unwrap();
    let run = Run {
        command: line,
        output,
    };
    assert!(!run.stderr().contains("panicked"), "{}", run.describe());
    run
}

/// Every subscriber as `email → (status, bounces, reason)`.
fn list(site: &Site) -> BTreeMap<String, (String, u64, String)> {
    let run = site.herald(&["subscribers", "list", "--json"]);
    run.expect_code(0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&run.stdout()).unwrap();
    rows.into_iter()
        .map(|row| {
            (
                row["email"].as_str().unwrap().to_string(),
                (
                    row["status"].as_str().unwrap().to_string(),
                    row["bounces"].as_u64().unwrap(),
                    row["reason"].as_str().unwrap_or("-").to_string(),
                ),
            )
        })
        .collect()
}

fn active() -> (String, u64, String) {
    ("active".into(), 0, "-".into())
}

/// Asserts that `email` is `expected` and every other subscriber untouched.
fn expect_only(site: &Site, email: Option<&str>, expected: (&str, u64, &str), run: &Run) {
    let list = list(site);
    assert_eq!(list.len(), SUBSCRIBERS.len());
    for (address, row) in &list {
        let want = if Some(address.as_str()) == email {
            (expected.0.to_string(), expected.1, expected.2.to_string())
        } else {
            active()
        };
        assert_eq!(row, &want, "{address}\n{}", run.describe());
    }
}

#[test]
fn each_bounce_format_acts_on_exactly_its_subscriber() {
    let hard = ("bounced", 1, "bounced");
    for (name, email, expected) in [
        // VERP token in Delivered-To and To.
        ("postfix-5.1.1.eml", "ann@example.org", hard),
        // No VERP: X-Failed-Recipients; the mailbox is full, a soft bounce.
        (
            "exim-x-failed-recipients.eml",
            "bob@example.net",
            ("active", 1, "-"),
        ),
        // No VERP: Final-Recipient.
        ("gmail-5.1.1.eml", "cat@example.com", hard),
        // VERP token in To, status 5.1.10 (null MX).
        ("exchange-online-5.1.10.eml", "dan@example.org", hard),
        // The relay's own envelope sender and a forwarding address: only the
        // List-Unsubscribe token of the returned original names the subscriber.
        ("amazon-ses-5.1.1.eml", "bob@example.net", hard),
    ] {
        let site = site();
        let run = inbound(&site, &fixture(name), &[]);
        run.expect_code(0).expect_stdout("stdin: bounce");
        assert!(run.stdout().contains(email), "{name}\n{}", run.describe());
        expect_only(&site, Some(email), expected, &run);
    }
}

#[test]
fn a_hard_bounce_removes_at_once_and_soft_ones_never_from_reports_alone() {
    let site = site();
    let hard = inbound(&site, &fixture("postfix-5.1.1.eml"), &[]);
    hard.expect_code(0)
        .expect_stdout("hard bounce: marked bounced");
    // Five soft reports for one address, none naming an issue herald sent it:
    // counted, and the address stays active.
    let soft = String::from_utf8(fixture("exim-x-failed-recipients.eml")).unwrap();
    for n in 1..=5 {
        let copy = soft.replace("Message-Id: <E1vW9aB", &format!("Message-Id: <{n}-E1vW9aB"));
        inbound(&site, copy.as_bytes(), &[])
            .expect_code(0)
            .expect_stdout("soft bounce counted");
    }
    let run = inbound(&site, b"", &[]);
    let list = list(&site);
    assert_eq!(
        list["ann@example.org"],
        ("bounced".into(), 1, "bounced".into()),
        "{}",
        run.describe()
    );
    assert_eq!(list["bob@example.net"], ("active".into(), 5, "-".into()));
    let plain = site.herald(&["subscribers", "list"]);
    plain.expect_stdout("ann@example.org\tbounced\thard 1\tsoft 0\tbounced\t5.1.1");
    plain.expect_stdout("bob@example.net\tactive\thard 0\tsoft 5\t-\t");
    let json = site.herald(&["subscribers", "list", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json.stdout()).unwrap();
    let bob = rows
        .iter()
        .find(|r| r["email"] == "bob@example.net")
        .unwrap();
    assert_eq!(
        (bob["hard_bounces"].as_u64(), bob["soft_bounces"].as_u64()),
        (Some(0), Some(5))
    );
    assert!(
        bob["last_bounce_words"]
            .as_str()
            .is_some_and(|w| w.contains("mailbox is full")),
        "{bob}"
    );
}

#[test]
fn a_transient_failure_changes_nothing() {
    let site = site();
    let run = inbound(&site, &fixture("postfix-4.4.1-delayed.eml"), &[]);
    run.expect_code(0)
        .expect_stdout("notice (4.4.1)")
        .expect_stdout("left alone");
    expect_only(&site, None, ("active", 0, "-"), &run);
}

#[test]
fn the_same_message_twice_changes_nothing_the_second_time() {
    let site = site();
    let dsn = fixture("postfix-5.1.1.eml");
    inbound(&site, &dsn, &[]).expect_code(0);
    let again = inbound(&site, &dsn, &[]);
    again
        .expect_code(0)
        .expect_stdout("already handled")
        .expect_stdout("nothing changed");
    expect_only(
        &site,
        Some("ann@example.org"),
        ("bounced", 1, "bounced"),
        &again,
    );
    // A message without a Message-ID is remembered by its bytes.
    let no_id = String::from_utf8(dsn).unwrap().replace(
        "Message-Id: <20260101090004.4Zb1Tq0Jm9z9sWc@relay.example.com>\n",
        "",
    );
    inbound(&site, no_id.as_bytes(), &[]).expect_code(0);
    let twice = inbound(&site, no_id.as_bytes(), &[]);
    twice
        .expect_stdout("already handled")
        .expect_stdout("[sha256:");
    expect_only(
        &site,
        Some("ann@example.org"),
        ("bounced", 2, "bounced"),
        &twice,
    );
}

#[test]
fn complaints_unsubscribe_the_complainant_with_the_reason_kept() {
    for (name, email) in [
        // The recipient is redacted; the VERP sender in Original-Mail-From names it.
        ("arf-yahoo-aol.eml", "bob@example.net"),
        // The List-Unsubscribe token of the original names it.
        ("arf-microsoft-jmrp.eml", "cat@example.com"),
    ] {
        let site = site();
        let run = inbound(&site, &fixture(name), &[]);
        run.expect_code(0)
            .expect_stdout("complaint (abuse)")
            .expect_stdout("unsubscribed (complaint)");
        expect_only(&site, Some(email), ("unsubscribed", 0, "complaint"), &run);
    }
}

#[test]
fn a_complaint_about_an_unknown_address_changes_nothing() {
    let site = site();
    let run = inbound(&site, &fixture("arf-unknown-address.eml"), &[]);
    run.expect_code(0)
        .expect_stdout("stranger@example.org is not a subscriber: nothing changed");
    expect_only(&site, None, ("active", 0, "-"), &run);
}

#[test]
fn a_mail_to_the_unsubscribe_address_unsubscribes_its_sender() {
    let site = site();
    let run = inbound(&site, &fixture("mailto-unsubscribe-token.eml"), &[]);
    run.expect_code(0).expect_stdout("unsubscribed (mailto)");
    let run = inbound(&site, &fixture("mailto-unsubscribe-from.eml"), &[]);
    run.expect_code(0)
        .expect_stdout("bob@example.net: unsubscribed (mailto)");
    let list = list(&site);
    for email in ["dan@example.org", "bob@example.net"] {
        assert_eq!(list[email], ("unsubscribed".into(), 0, "mailto".into()));
    }
    for email in ["ann@example.org", "cat@example.com"] {
        assert_eq!(list[email], active());
    }
}

#[test]
fn only_a_known_sender_or_a_valid_token_unsubscribes() {
    let site = site();
    // From a stranger, no token.
    let stranger = "From: eve@evil.example\nTo: unsubscribe@example.com\nSubject: unsubscribe\nMessage-ID: <eve-1@evil.example>\n\nstop\n";
    inbound(&site, stranger.as_bytes(), &[])
        .expect_code(0)
        .expect_stdout("eve@evil.example is not a subscriber: nothing changed");
    // A forged token.
    let forged = format!(
        "From: eve@evil.example\nTo: unsubscribe@example.com\nSubject: unsubscribe {}\nMessage-ID: <eve-2@evil.example>\n\nstop\n",
        "0".repeat(32)
    );
    inbound(&site, forged.as_bytes(), &[]).expect_code(0);
    // A subscriber writing to another address is not asking to leave.
    let elsewhere = "From: ann@example.org\nTo: editors@example.com\nSubject: unsubscribe\nMessage-ID: <ann-3@example.org>\n\nhello\n";
    inbound(&site, elsewhere.as_bytes(), &[])
        .expect_code(0)
        .expect_stdout("other");
    // An out-of-office reply to the unsubscribe address.
    let run = inbound(&site, &fixture("auto-reply.eml"), &[]);
    run.expect_code(0).expect_stdout("auto-reply: left alone");
    expect_only(&site, None, ("active", 0, "-"), &run);
}

#[test]
fn inbound_never_brings_anyone_back_or_changes_why_they_left() {
    let site = site();
    site.herald(&["subscribers", "remove", "bob@example.net"])
        .expect_code(0);
    // A bounce for someone who left is counted, and they stay unsubscribed (cli).
    let exim = fixture("exim-x-failed-recipients.eml");
    inbound(&site, &exim, &[]).expect_code(0);
    // A complaint for someone who left changes nothing.
    let run = inbound(&site, &fixture("arf-yahoo-aol.eml"), &[]);
    run.expect_code(0)
        .expect_stdout("already unsubscribed: nothing changed");
    let list = list(&site);
    assert_eq!(
        list["bob@example.net"],
        ("unsubscribed".into(), 1, "cli".into())
    );
    assert_eq!(list["ann@example.org"], active());
}

#[test]
fn a_maildir_is_handled_and_each_message_moved_to_cur() {
    let site = site();
    let maildir = site.path("Maildir");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    let messages = [
        ("1767258004.M1P1.mx", fixture("postfix-5.1.1.eml")),
        ("1767261600.M2P1.mx", fixture("arf-microsoft-jmrp.eml")),
        ("1767268800.M3P1.mx", b"\x00\x01 not a message".to_vec()),
    ];
    for (name, bytes) in &messages {
        std::fs::write(maildir.join("new").join(name), bytes).unwrap();
    }
    let run = inbound(&site, b"", &["--maildir", "Maildir"]);
    run.expect_code(0);
    assert_eq!(run.stdout().lines().count(), 3, "{}", run.describe());
    assert_eq!(std::fs::read_dir(maildir.join("new")).unwrap().count(), 0);
    for (name, bytes) in &messages {
        let moved = maildir.join("cur").join(format!("{name}:2,S"));
        assert_eq!(
            &std::fs::read(&moved).unwrap(),
            bytes,
            "{}",
            moved.display()
        );
    }
    let list = list(&site);
    assert_eq!(
        list["ann@example.org"],
        ("bounced".into(), 1, "bounced".into())
    );
    assert_eq!(
        list["cat@example.com"],
        ("unsubscribed".into(), 0, "complaint".into())
    );
    // Nothing is left to do on a second run.
    let again = inbound(&site, b"", &["--maildir", "Maildir"]);
    assert_eq!(again.expect_code(0).stdout(), "");
}

#[test]
fn an_mbox_is_split_on_from_lines_and_handled() {
    let site = site();
    let mut mbox = Vec::new();
    for (sender, bytes) in [
        ("MAILER-DAEMON", fixture("gmail-5.1.1.eml")),
        ("dan@example.org", fixture("mailto-unsubscribe-token.eml")),
    ] {
        mbox.extend_from_slice(format!("From {sender} Thu Jan  1 12:00:00 2026\n").as_bytes());
        // mboxrd escapes body lines starting with "From ".
        let text = String::from_utf8(bytes)
            .unwrap()
            .replace("\nFrom ", "\n>From ");
        mbox.extend_from_slice(text.as_bytes());
        mbox.extend_from_slice(b"\n");
    }
    site.write("inbox.mbox", &mbox);
    let run = inbound(&site, b"", &["--mbox", "inbox.mbox", "--json"]);
    run.expect_code(0);
    let lines: Vec<serde_json::Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", run.describe());
    assert_eq!(lines[0]["kind"], "bounce");
    assert_eq!(lines[0]["email"], "cat@example.com");
    assert_eq!(lines[1]["kind"], "unsubscribe");
    assert_eq!(lines[1]["changed"], true);
    let list = list(&site);
    assert_eq!(
        list["cat@example.com"],
        ("bounced".into(), 1, "bounced".into())
    );
    assert_eq!(lines[0]["recipients"][0]["class"], "hard");
    assert_eq!(lines[0]["recipients"][0]["status"], "5.1.1");
    assert_eq!(
        list["dan@example.org"],
        ("unsubscribed".into(), 0, "mailto".into())
    );
    assert_eq!(
        std::fs::read(site.path("inbox.mbox")).unwrap(),
        mbox,
        "unchanged"
    );
}

#[test]
fn an_unusable_state_database_is_a_temporary_failure() {
    let site = site();
    let dsn = fixture("postfix-5.1.1.eml");
    // The database file replaced by a folder.
    let db = site.path(".herald/herald.db");
    std::fs::rename(&db, site.path("saved.db")).unwrap();
    let _ = std::fs::remove_file(site.path(".herald/herald.db-wal"));
    let _ = std::fs::remove_file(site.path(".herald/herald.db-shm"));
    std::fs::create_dir(&db).unwrap();
    inbound(&site, &dsn, &[])
        .expect_code(75)
        .expect_stderr(".herald/herald.db");
    // Back in place, the retried message is handled once.
    std::fs::remove_dir(&db).unwrap();
    std::fs::rename(site.path("saved.db"), &db).unwrap();
    let run = inbound(&site, &dsn, &[]);
    run.expect_code(0);
    expect_only(
        &site,
        Some("ann@example.org"),
        ("bounced", 1, "bounced"),
        &run,
    );
    // A broken configuration keeps the message too.
    site.write("herald.yaml", "site: [\n");
    inbound(&site, &dsn, &[]).expect_code(75);
}

#[test]
fn garbage_huge_and_malformed_input_changes_nothing_and_exits_zero() {
    let site = site();
    let mut huge = fixture("postfix-5.1.1.eml");
    huge.truncate(huge.len() - 200);
    huge.extend(std::iter::repeat_n(b'A', 50 * 1024 * 1024));
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("binary", (0..=255u8).cycle().take(100_000).collect()),
        ("no headers", b"\n\njust a body\n".to_vec()),
        ("malformed report", fixture("malformed-report.eml")),
        (
            "report without parts",
            b"Content-Type: multipart/report; report-type=delivery-status\n\n".to_vec(),
        ),
        ("50 MB without line breaks", vec![b'x'; 50 * 1024 * 1024]),
    ];
    for (what, input) in inputs {
        let run = inbound(&site, &input, &[]);
        run.expect_code(0);
        assert_eq!(
            run.stdout().lines().count(),
            1,
            "{what}\n{}",
            run.describe()
        );
        expect_only(&site, None, ("active", 0, "-"), &run);
    }
    // 50 MB after a real report's headers: its start is still read, and the rest
    // discarded with a warning.
    let run = inbound(&site, &huge, &[]);
    run.expect_code(0).expect_stderr("larger than 10 MiB");
    assert!(!run.stdout().contains("panicked"));
}

#[test]
fn without_the_secret_only_reported_addresses_count() {
    let site = site();
    // The SES report names a forwarding address; only the token names bob.
    let run = inbound_with(&site, &fixture("amazon-ses-5.1.1.eml"), &[], &[]);
    run.expect_code(0)
        .expect_stderr("HERALD_SECRET is not set")
        .expect_stdout("robert@mail.example.net is not a subscriber");
    expect_only(&site, None, ("active", 0, "-"), &run);
}

#[test]
fn verp_senders_map_back_to_their_recipients() {
    let server = SmtpServer::start(Behaviour::default());
    let site = Site::with_config(&crate::newsletter::config_with(
        "  bounce_address: bounces@example.com\n",
        &format!("smtp:\n  url: \"{}\"\n", server.url("")),
    ));
    for email in SUBSCRIBERS {
        site.herald(&["subscribers", "add", email]).expect_code(0);
    }
    site.article("first", "First", "2025-12-01");
    site.herald_with(&["send"], &[("HERALD_SECRET", SECRET)])
        .expect_code(0);
    let received = server.received();
    assert_eq!(received.len(), SUBSCRIBERS.len());
    for (n, message) in received.iter().enumerate() {
        let recipient = &message.to[0];
        let text = String::from_utf8_lossy(&message.data);
        assert!(
            text.contains("From: \"Test Site\" <news@example.com>\r\n"),
            "{text}"
        );
        assert!(
            !text.contains("bounces+"),
            "the VERP address is envelope only"
        );
        assert_eq!(
            message.from,
            format!("bounces+{}@example.com", token(recipient)),
            "the envelope sender carries the recipient's token (VERP)"
        );
        // A bounce that names nobody but is sent to that envelope sender counts for
        // exactly this recipient.
        let dsn = format!(
            "From: MAILER-DAEMON@mx.example.net\nTo: {from}\nMessage-ID: <verp-{n}@mx.example.net>\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
             --b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n\
             Final-Recipient: rfc822; somebody-else@elsewhere.example\nAction: failed\nStatus: 5.1.1\n--b--\n",
            from = message.from
        );
        let run = inbound(&site, dsn.as_bytes(), &[]);
        run.expect_code(0);
        assert_eq!(list(&site)[recipient.as_str()].1, 1, "{}", run.describe());
    }
    assert!(list(&site).values().all(|row| row.1 == 1));
}

#[test]
fn the_outbox_records_the_verp_envelope_sender() {
    let site = site();
    site.article("first", "First", "2025-12-01");
    site.herald_with(&["send"], &[("HERALD_SECRET", SECRET)])
        .expect_code(0);
    let issue = std::fs::read_dir(site.path(".herald/outbox"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let eml = std::fs::read_to_string(issue.join("ann@example.org.eml")).unwrap();
    assert!(
        eml.starts_with(&format!(
            "Return-Path: <bounces+{}@example.com>\r\n",
            token("ann@example.org")
        )),
        "{}",
        &eml[..200]
    );
    assert!(eml.contains("\r\nFrom: \"Test Site\" <news@example.com>\r\n"));
}

#[test]
fn a_bad_bounce_address_is_refused_with_the_fix() {
    let site = Site::with_config(&crate::newsletter::config_with(
        "  bounce_address: bounces+x@example.com\n",
        "",
    ));
    site.herald(&["subscribers", "list"])
        .expect_code(2)
        .expect_stderr("newsletter.bounce_address")
        .expect_stderr("bounces@example.com");
}

#[test]
fn a_forwarded_recipient_is_found_by_the_address_it_was_sent_to() {
    let site = site();
    // Delivered to a forward (Final-Recipient) that is not on the list; sent to
    // cat@example.com (Original-Recipient), who is.
    let dsn = "From: MAILER-DAEMON@mx.example.net\r\nTo: news@example.com\r\n\
        Message-ID: <fwd-1@mx.example.net>\r\n\
        Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n\
        --b\r\nContent-Type: message/delivery-status\r\n\r\n\
        Reporting-MTA: dns; mx.example.net\r\n\r\n\
        Final-Recipient: rfc822; cat.forward@elsewhere.example\r\n\
        Original-Recipient: rfc822; cat@example.com\r\n\
        Action: failed\r\nStatus: 5.1.1\r\n\
        Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n--b--\r\n";
    let run = inbound(&site, dsn.as_bytes(), &["--json"]);
    run.expect_code(0);
    let line: serde_json::Value = serde_json::from_str(run.stdout().trim()).unwrap();
    assert_eq!(
        line["recipients"][0]["email"],
        "cat@example.com",
        "{}",
        run.describe()
    );
    expect_only(
        &site,
        Some("cat@example.com"),
        ("bounced", 1, "bounced"),
        &run,
    );
}
