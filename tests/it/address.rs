//! One address rule and one name rule, through the real binary: the sign-up form of
//! `herald serve` (with the SMTP test server), `herald subscribers import`, `add`,
//! `remove`, `show`, `list`, and `herald send`. Issue 19, finding 6.

use crate::newsletter::{config_with, full_article, herald};
use crate::serve::{ENV, confirm_path, expect, site, status, wait_for_mail};
use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::Site;

/// A site with a newsletter and no relay (for the commands that send nothing).
fn plain_site() -> Site {
    Site::with_config(&config_with("", ""))
}

/// Writes a row straight into the state database, as a herald from before the address
/// rule (or a hand edit) could have left it.
fn insert_row(site: &Site, email: &str, name: &str) {
    site.db()
        .execute(
            "INSERT INTO subscribers (email, name, status, added_at)
         VALUES (?1, ?2, 'active', '2025-06-01T00:00:00Z')",
            [email, name],
        )
        .unwrap();
}

/// Every control character that could reach a terminal: C0 (but the line breaks
/// between lines and the tabs between columns), DEL, C1, bidirectional controls.
fn raw_controls(text: &str) -> Vec<char> {
    let bidi = |c: char| matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    text.chars()
        .filter(|&c| (c.is_control() || bidi(c)) && c != '\n' && c != '\t')
        .collect()
}

/// The confirmation link carried the address lowercased (`änn@example.com`) while the
/// row held `ÄNN@Example.com`, and SQLite's `COLLATE NOCASE` folds ASCII letters only:
/// the link found nobody and said "already used or replaced", forever.
#[test]
fn an_address_with_a_non_ascii_capital_signs_up_and_is_confirmed() {
    let smtp = SmtpServer::start(Behaviour::default());
    // No wait between two sign-ups of one address.
    let site = site("  confirm_mail_interval_minutes: 0\n", Some(&smtp));
    let server = site.serve(ENV);
    let reply = server.post("/subscribe", "email=%C3%84NN%40Example.com&name=Ann");
    expect(&reply, 200, "Check your inbox", &server);
    let mail = wait_for_mail(&smtp, 1);
    let link = confirm_path(&mail[0].data);
    expect(&server.post(&link, ""), 200, "You are subscribed", &server);
    // Stored and mailed as typed, the domain case-folded; active.
    assert_eq!(mail[0].to, ["ÄNN@example.com"]);
    assert_eq!(status(&site, "ÄNN@example.com").as_deref(), Some("active"));
    // Any spelling of the address names the same subscriber.
    site.herald(&["subscribers", "show", "änn@EXAMPLE.com"])
        .expect_code(0)
        .expect_stdout("email:        ÄNN@example.com")
        .expect_stdout("status:       active");
    // Signing up again in lower case is the same person, already active: no mail.
    expect(
        &server.post("/subscribe", "email=%C3%A4nn%40example.com"),
        200,
        "Check your inbox",
        &server,
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(smtp.received().len(), 1);
    let list = site.herald(&["subscribers", "list"]);
    assert_eq!(list.stdout().lines().count(), 1, "{}", list.describe());
}

/// `"a b"@example.com` was accepted, then no mail could be built for it: the
/// confirmation was never sent, and `herald send` stopped at it on every run.
#[test]
fn a_quoted_address_is_refused_at_sign_up_import_and_add() {
    let quoted = "\"a b\"@example.com";
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site("", Some(&smtp));
    let server = site.serve(ENV);
    let reply = server.post("/subscribe", "email=%22a+b%22%40example.com&name=Q");
    expect(&reply, 400, "quoted addresses are not accepted", &server);
    assert_eq!(status(&site, quoted), None);

    site.write(
        "list.csv",
        "email,name\nann@example.com,Ann\n\"\"\"a b\"\"@example.com\",Q\n",
    );
    let run = site.herald(&["subscribers", "import", "list.csv"]);
    run.expect_code(1).expect_stderr(
        "list.csv:3: \"\"a b\"@example.com\" is not a valid email address: the part before the @ is quoted",
    );
    assert_eq!(status(&site, "ann@example.com").as_deref(), Some("active"));
    assert_eq!(status(&site, quoted), None);

    site.herald(&["subscribers", "add", quoted])
        .expect_code(2)
        .expect_stderr(
            "\"\"a b\"@example.com\" is not a valid email address: the part before the @ is quoted",
        );
    assert_eq!(status(&site, quoted), None);
    for (address, why) in [
        ("a b@example.com", "a space character (U+0020)"),
        ("ann@example.com\u{1b}[2J", "a control character (U+001B)"),
        ("a@[192.0.2.1]", "address literal"),
        ("a@exam_ple.com", "letters, digits, hyphens and dots only"),
    ] {
        let run = site.herald(&["subscribers", "add", address]);
        run.expect_code(2).expect_stderr(why);
        assert!(raw_controls(&run.stderr()).is_empty(), "{}", run.describe());
    }
}

#[test]
fn an_internationalized_domain_in_three_spellings_is_one_subscriber() {
    let smtp = SmtpServer::start(Behaviour::default());
    let smtp_config = format!("smtp:\n  url: \"{}\"\n  concurrency: 1\n", smtp.url(""));
    let site = Site::with_config(&config_with("", &smtp_config));
    full_article(&site, "one", "One", "2025-12-01");
    site.write("list.csv", "email,name\nann@Bücher.de,Ann\n");
    site.herald(&["subscribers", "import", "list.csv"])
        .expect_code(0)
        .expect_stdout("1 added");
    site.herald(&["subscribers", "add", "ANN@BÜCHER.de", "--name", "Ann B"])
        .expect_code(0)
        .expect_stdout("ANN@xn--bcher-kva.de: updated");
    site.herald(&["subscribers", "show", "ann@xn--bcher-kva.de"])
        .expect_code(0)
        .expect_stdout("name:         Ann B")
        .expect_stdout("via import of list.csv");
    let list = site.herald(&["subscribers", "list"]);
    assert_eq!(
        list.stdout().lines().collect::<Vec<_>>(),
        ["ann@xn--bcher-kva.de\tactive\thard 0\tsoft 0\t-\t-\tAnn B\tevery article"],
        "{}",
        list.describe()
    );
    // Mailed at the A-label: a relay without SMTPUTF8 takes it.
    herald(&site, &["send"], &[]).expect_code(0);
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["ann@xn--bcher-kva.de"]);
    site.herald(&["subscribers", "remove", "ann@bücher.DE"])
        .expect_code(0)
        .expect_stdout("ann@xn--bcher-kva.de: unsubscribed (cli)");
    assert_eq!(
        status(&site, "ann@xn--bcher-kva.de").as_deref(),
        Some("unsubscribed")
    );
}

#[test]
fn a_name_with_control_characters_is_refused_at_sign_up() {
    let smtp = SmtpServer::start(Behaviour::default());
    let site = site("", Some(&smtp));
    let server = site.serve(ENV);
    for name in [
        "Ann%1B%5B31mRed",
        "Ann%0D%0ABcc%3A+x",
        "abc%E2%80%AEfed",
        "Ann%C2%9B31m",
    ] {
        let reply = server.post(
            "/subscribe",
            &format!("email=ann%40example.com&name={name}"),
        );
        expect(
            &reply,
            400,
            "Please check your name: the name holds",
            &server,
        );
        // The form comes back with the address and the name without the character.
        expect(&reply, 400, "value=\"ann@example.com\"", &server);
        assert!(
            raw_controls(&reply.body).is_empty(),
            "{name}: {}",
            reply.body
        );
    }
    assert_eq!(status(&site, "ann@example.com"), None);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(smtp.received().is_empty());
    // Any script, quotes and emoji are names.
    let reply = server.post(
        "/subscribe",
        "email=ann%40example.com&name=Zo%C3%AB+%22Z%22+%E6%9D%8E+%F0%9F%A6%80",
    );
    expect(&reply, 200, "Check your inbox", &server);
}

#[test]
fn a_stored_control_character_is_printed_escaped_by_list_and_show() {
    let site = plain_site();
    let evil = "Eve\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{202e}dlrow\r\nline\tcol";
    insert_row(&site, "eve@example.com", evil);
    let shown = "Eve\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u{202e}dlrow\\r\\nline\\tcol";
    let list = site.herald(&["subscribers", "list"]);
    list.expect_code(0).expect_stdout(&format!(
        "eve@example.com\tactive\thard 0\tsoft 0\t-\t-\t{shown}\tevery article\n"
    ));
    assert!(
        raw_controls(&list.stdout()).is_empty(),
        "{}",
        list.describe()
    );
    let show = site.herald(&["subscribers", "show", "eve@example.com"]);
    show.expect_code(0)
        .expect_stdout(&format!("name:         {shown}\n"));
    assert!(
        raw_controls(&show.stdout()).is_empty(),
        "{}",
        show.describe()
    );
    // JSON: serde_json escapes C0 only; DEL, C1 and bidirectional controls too, and
    // the value reads back the same.
    for args in [
        &["subscribers", "list", "--json"][..],
        &["subscribers", "show", "eve@example.com", "--json"][..],
    ] {
        let run = site.herald(args);
        run.expect_code(0);
        assert!(raw_controls(&run.stdout()).is_empty(), "{}", run.describe());
        let value: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
        let name = value
            .pointer("/0/name")
            .or_else(|| value.pointer("/subscriber/name"))
            .and_then(|n| n.as_str());
        assert_eq!(name, Some(evil));
    }
}

#[test]
fn an_imported_name_with_control_characters_is_cleaned_and_reported_by_line() {
    let site = plain_site();
    site.write(
        "list.csv",
        "email,name\nann@example.com,Ann\neve@example.com,\"Eve\u{1b}[31m\r\nRed\u{202e}\"\n",
    );
    let run = site.herald(&["subscribers", "import", "list.csv"]);
    run.expect_code(0).expect_stderr(
        "list.csv:3: warning: the name \"Eve\\x1b[31m\\r\\nRed\\u{202e}\" holds control characters; imported as \"Eve[31m Red\"",
    );
    assert!(raw_controls(&run.stderr()).is_empty(), "{}", run.describe());
    site.herald(&["subscribers", "show", "eve@example.com"])
        .expect_code(0)
        .expect_stdout("name:         Eve[31m Red\n");
}

/// Rows from before the rule are not rewritten, and stay reachable: one spelled with a
/// Unicode domain is found by its A-label; one the rule refuses can still be shown,
/// removed and forgotten by the address as stored.
#[test]
fn rows_stored_before_the_rule_are_still_found() {
    let site = plain_site();
    insert_row(&site, "Zoë@BÜCHER.de", "Zoë");
    insert_row(&site, "\"a b\"@example.com", "Q");
    site.herald(&["subscribers", "show", "zoë@xn--bcher-kva.de"])
        .expect_code(0)
        .expect_stdout("email:        Zoë@BÜCHER.de");
    site.herald(&["subscribers", "remove", "ZOË@bücher.de"])
        .expect_code(0)
        .expect_stdout("ZOË@xn--bcher-kva.de: unsubscribed (cli)");
    assert_eq!(
        status(&site, "Zoë@BÜCHER.de").as_deref(),
        Some("unsubscribed")
    );
    site.herald(&["subscribers", "show", "\"a b\"@example.com"])
        .expect_code(0)
        .expect_stdout("name:         Q");
    site.herald(&["subscribers", "forget", "\"a b\"@example.com"])
        .expect_code(0)
        .expect_stdout("forgotten");
    assert_eq!(status(&site, "\"a b\"@example.com"), None);
    // An address the rule refuses and nobody holds is refused, saying why.
    site.herald(&["subscribers", "show", "\"c d\"@example.com"])
        .expect_code(2)
        .expect_stderr("the part before the @ is quoted");
}

/// A report's own text (here its Message-ID, which `herald inbound` prints) reached the
/// terminal raw.
#[test]
fn an_inbound_report_is_printed_escaped() {
    let site = plain_site();
    let report = "From: MAILER-DAEMON@example.org\r\nTo: bounces@example.com\r\n\
                  Subject: Undelivered Mail\r\n\
                  Message-ID: <\u{1b}[2Jevil\u{202e}x@example.org>\r\n\r\nhello\r\n";
    for args in [&[][..], &["--json"][..]] {
        let run = crate::inbound::inbound(&site, report.as_bytes(), args);
        run.expect_code(0);
        assert!(raw_controls(&run.stdout()).is_empty(), "{}", run.describe());
        assert!(!run.stdout().is_empty(), "{}", run.describe());
    }
    let run = crate::inbound::inbound(&site, report.as_bytes(), &[]);
    run.expect_stdout("<\\x1b[2Jevil\\u{202e}x@example.org>");
}
