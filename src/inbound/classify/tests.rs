//! The classifier on small hand-made messages, one per shape; the real-shaped
//! reports are in `tests/it/fixtures/inbound/` and go through the binary.

use super::*;

const TOKEN: &str = "00112233445566778899aabbccddeeff";

fn addresses() -> Addresses {
    Addresses {
        bounce: Some("bounces@example.com".into()),
        unsubscribe: Some("unsubscribe@example.com".into()),
    }
}

fn kind_of(text: &str) -> Kind {
    classify(text.as_bytes(), &addresses(), &[]).kind
}

fn dsn(to: &str, recipient_block: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net\r\nTo: {to}\r\nMessage-ID: <d@mx>\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.example.net\r\n\r\n{recipient_block}\r\n--b--\r\n"
    )
}

/// The kind a DSN with one recipient block is, as (name, class, status).
fn dsn_outcome(block: &str) -> (&'static str, Option<Class>, Option<String>) {
    match kind_of(&dsn("bounces@example.com", block)) {
        Kind::Bounce { who, failures } => {
            assert_eq!(failures.len(), 1, "{block}");
            assert_eq!(who.addresses, ["a@x.org"], "{block}");
            assert_eq!(failures[0].address.as_deref(), Some("a@x.org"));
            (
                "bounce",
                Some(failures[0].class),
                failures[0].status.clone(),
            )
        }
        Kind::Notice { status } => ("notice", None, status),
        other => panic!("{block}: {other:?}"),
    }
}

#[test]
fn dsn_statuses() {
    let cases = [
        (
            "Final-Recipient: rfc822; a@x.org\r\nAction: failed\r\nStatus: 5.1.1",
            ("bounce", Some(Class::Hard), Some("5.1.1")),
        ),
        (
            "Final-Recipient: rfc822; a@x.org\r\nAction: delayed\r\nStatus: 4.4.1",
            ("notice", None, Some("4.4.1")),
        ),
        (
            "Final-Recipient: rfc822; a@x.org\r\nAction: failed",
            ("bounce", Some(Class::Soft), Some("5.0.0")),
        ),
        (
            "Final-Recipient: rfc822; a@x.org\r\nAction: delayed\r\nStatus: junk",
            ("notice", None, None),
        ),
        (
            "Final-Recipient: rfc822; a@x.org\r\nAction: delivered\r\nStatus: 2.0.0",
            ("notice", None, Some("2.0.0")),
        ),
        (
            "Final-Recipient: rfc822; a@x.org\r\nStatus: 5.1",
            ("bounce", Some(Class::Soft), None),
        ),
        (
            "Final-Recipient: rfc822; a@x.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\
             Diagnostic-Code: smtp; 550 5.1.1 blocked using zen.spamhaus.org",
            ("bounce", Some(Class::Soft), Some("5.1.1")),
        ),
        (
            "Final-Recipient: rfc822; a@x.org\r\nAction: failed\r\nStatus: 4.2.2\r\n\
             Diagnostic-Code: smtp; 452 4.2.2 user unknown",
            ("bounce", Some(Class::Soft), Some("4.2.2")),
        ),
    ];
    for (block, (name, class, status)) in cases {
        let (n, c, s) = dsn_outcome(block);
        assert_eq!((n, c, s.as_deref()), (name, class, status), "{block}");
    }
}

#[test]
fn verp_tokens_come_from_the_envelope_recipient() {
    let block = "Final-Recipient: rfc822; a@x.org\r\nStatus: 5.1.1";
    let Kind::Bounce { who, .. } = kind_of(&dsn(&format!("bounces+{TOKEN}@example.com"), block))
    else {
        panic!()
    };
    assert_eq!(who.tokens, [TOKEN]);
    // Given from outside (a Postfix pipe's ${recipient}), in upper case.
    let outside = [format!("BOUNCES+{}@EXAMPLE.COM", TOKEN.to_uppercase())];
    let classified = classify(dsn("x@y.z", block).as_bytes(), &addresses(), &outside);
    let Kind::Bounce { who, .. } = classified.kind else {
        panic!()
    };
    assert_eq!(who.tokens, [TOKEN]);
    // Without a bounce address configured, no address is a VERP address.
    let none = Addresses::default();
    let classified = classify(
        dsn(&format!("bounces+{TOKEN}@example.com"), block).as_bytes(),
        &none,
        &[],
    );
    let Kind::Bounce { who, .. } = classified.kind else {
        panic!()
    };
    assert!(who.tokens.is_empty());
}

#[test]
fn feedback_reports() {
    let report = |feedback_type: &str| {
        format!(
            "From: fbl@isp.example\r\nTo: fbl@example.com\r\nMessage-ID: <f@isp>\r\n\
             Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: message/feedback-report\r\n\r\n\
             Feedback-Type: {feedback_type}\r\nOriginal-Mail-From: <bounces+{TOKEN}@example.com>\r\n\
             Original-Rcpt-To: <a@x.org>\r\n\
             --b\r\nContent-Type: message/rfc822\r\n\r\n\
             To: Ann <b@x.org>\r\nList-Unsubscribe: <https://e.com/u/{t2}?x=1>\r\n\r\nbody\r\n--b--\r\n",
            t2 = "ffeeddccbbaa99887766554433221100"
        )
    };
    let Kind::Complaint { who, feedback } = kind_of(&report("abuse")) else {
        panic!()
    };
    assert_eq!(feedback, Feedback::Abuse);
    assert_eq!(who.tokens, [TOKEN, "ffeeddccbbaa99887766554433221100"]);
    assert_eq!(who.addresses, ["a@x.org", "b@x.org"]);
    assert!(matches!(
        kind_of(&report("Complaint")),
        Kind::Complaint {
            feedback: Feedback::Abuse,
            ..
        }
    ));
    assert!(matches!(
        kind_of(&report("opt-out")),
        Kind::Complaint {
            feedback: Feedback::OptOut,
            ..
        }
    ));
    assert_eq!(
        kind_of(&report("not-spam")),
        Kind::OtherFeedback {
            feedback_type: "not-spam".into()
        }
    );
}

#[test]
fn unsubscribe_requests_auto_replies_and_the_rest() {
    let mail = |to: &str, subject: &str, extra: &str| {
        format!(
            "From: Ann <Ann@X.org>\r\nTo: {to}\r\nSubject: {subject}\r\n{extra}Message-ID: <m@x>\r\n\r\nbody\r\n"
        )
    };
    let Kind::Unsubscribe { who } = kind_of(&mail(
        "unsubscribe@example.com",
        &format!("unsubscribe {TOKEN}"),
        "",
    )) else {
        panic!()
    };
    assert_eq!(
        (who.tokens.as_slice(), who.addresses.as_slice()),
        (&[TOKEN.to_string()][..], &["ann@x.org".to_string()][..])
    );
    let Kind::Unsubscribe { who } =
        kind_of(&mail(&format!("unsubscribe+{TOKEN}@example.com"), "", ""))
    else {
        panic!()
    };
    assert_eq!(who.tokens, [TOKEN]);
    assert_eq!(
        kind_of(&mail(
            "unsubscribe@example.com",
            "Out of office",
            "Auto-Submitted: auto-replied\r\n"
        )),
        Kind::AutoReply
    );
    assert_eq!(
        kind_of(&mail(
            "unsubscribe@example.com",
            "hi",
            "Auto-Submitted: no\r\n"
        )),
        Kind::Unsubscribe {
            who: Identifiers {
                tokens: vec![],
                addresses: vec!["ann@x.org".into()]
            }
        }
    );
    assert_eq!(
        kind_of(&mail("editor@example.com", "unsubscribe", "")),
        Kind::Other
    );
    let exim = "From: Mailer-Daemon@mx\r\nTo: bounces@example.com\r\nX-Failed-Recipients: a@x.org, b@x.org\r\n\r\nfailed\r\n";
    let Kind::Bounce { who, failures } = kind_of(exim) else {
        panic!()
    };
    assert_eq!(who.addresses, ["a@x.org", "b@x.org"]);
    assert!(failures.iter().all(|f| f.class == Class::Soft));
}

#[test]
fn keys_are_message_ids_or_hashes_and_garbage_is_other() {
    assert_eq!(
        classify(b"Message-ID: <a@b>\r\n\r\n", &addresses(), &[]).key,
        "<a@b>"
    );
    let hashed = classify(b"Subject: x\r\n\r\n", &addresses(), &[]).key;
    assert!(
        hashed.starts_with("sha256:") && hashed.len() == 7 + 64,
        "{hashed}"
    );
    for garbage in [&b""[..], b"\0\0\0", b"\r\n\r\n", &[0xff; 300], b"::::\n\n"] {
        assert_eq!(classify(garbage, &addresses(), &[]).kind, Kind::Other);
    }
}

#[test]
fn codes_and_words_judge_the_class() {
    use Class::{Hard, Soft};
    /// The Status field, the server's words, the text around them; the class and status.
    type Case = (
        Option<&'static str>,
        &'static str,
        &'static str,
        Class,
        Option<&'static str>,
    );
    let cases: &[Case] = &[
        (Some("5.1.1"), "", "", Hard, Some("5.1.1")),
        (Some("5.1.2"), "", "", Hard, Some("5.1.2")),
        (Some("5.1.10"), "", "", Hard, Some("5.1.10")),
        (Some("5.1.6"), "", "", Hard, Some("5.1.6")),
        (Some("5.2.2"), "552 mailbox full", "", Soft, Some("5.2.2")),
        (
            Some("5.0.0"),
            "550 5.1.1 <a@x.org>: user unknown",
            "",
            Hard,
            Some("5.1.1"),
        ),
        (
            Some("4.4.7"),
            "retry timeout exceeded",
            "",
            Soft,
            Some("4.4.7"),
        ),
        (None, "452 4.1.1 user unknown", "", Soft, Some("4.1.1")),
        // Words that say policy or spam win over a "no such user" code…
        (
            Some("5.1.1"),
            "550 5.1.1 blocked using zen.spamhaus.org",
            "",
            Soft,
            Some("5.1.1"),
        ),
        (
            Some("5.1.1"),
            "Refused due to recipient preferences",
            "",
            Soft,
            Some("5.1.1"),
        ),
        // …and "no such user" words win over a policy code, at RCPT TO.
        (
            Some("5.7.1"),
            "550 5.7.1 <a@x.org>: Recipient address rejected: User unknown",
            "in reply to RCPT TO command",
            Hard,
            Some("5.7.1"),
        ),
        // The same words after DATA are a filter's, and without the command, unsure.
        (
            None,
            "550 Unknown user a@x.org",
            "in reply to end of DATA command",
            Soft,
            None,
        ),
        (None, "550 Unknown user a@x.org", "", Soft, None),
        // Phrases only said of an address that does not exist, whatever the command:
        // the refusal that quotes the refused address, "Invalid recipient", mail.local.
        (
            Some("5.0.0"),
            "550 <a@x.org>: User unknown",
            "",
            Hard,
            Some("5.0.0"),
        ),
        (
            Some("5.5.0"),
            "550 5.5.0 Adresse destinataire invalide. Invalid recipient. LPN007_416",
            "",
            Hard,
            Some("5.5.0"),
        ),
        (
            None,
            "mail.local: unknown user: ann",
            "",
            Hard,
            Some("5.1.1"),
        ),
        (
            None,
            "<<< 550 <a@x.org>, User Unknown",
            "",
            Hard,
            Some("5.1.1"),
        ),
        // Exim naming a domain that does not exist.
        (
            None,
            "553 mx.example.com does not exist",
            "",
            Hard,
            Some("5.1.2"),
        ),
        (
            Some("5.0.0"),
            "550 : User unknown",
            "RCPT TO",
            Soft,
            Some("5.0.0"),
        ),
        // Phrases that only ever mean the address is gone.
        (
            None,
            "The recipient name is not recognized",
            "",
            Hard,
            Some("5.1.1"),
        ),
        (
            None,
            "Host or domain name not found. Name service error",
            "",
            Hard,
            Some("5.1.2"),
        ),
        (
            None,
            "550 5.1.6 Destination mailbox has moved",
            "",
            Hard,
            Some("5.1.6"),
        ),
        (
            None,
            "DNS lookup failure: host mx.example.net not found",
            "",
            Hard,
            Some("5.1.2"),
        ),
        (
            None,
            "Your message wasn\u{2019}t delivered because the address couldn\u{2019}t be found. Try again",
            "",
            Hard,
            Some("5.1.1"),
        ),
        (
            Some("5.4.1"),
            "550 5.4.1 Recipient address rejected: Access denied",
            "",
            Hard,
            Some("5.4.1"),
        ),
        // The sender's address, not the recipient's.
        (
            None,
            "550 5.1.7 No such domain example.net",
            "",
            Soft,
            Some("5.1.7"),
        ),
        (
            None,
            "550 5.1.8 sender domain does not exist",
            "",
            Soft,
            Some("5.1.8"),
        ),
        (
            None,
            "552 message size exceeds fixed maximum",
            "",
            Soft,
            None,
        ),
        (None, "", "", Soft, None),
        // "Other address status" with only "address rejected": the recipient's…
        (
            Some("5.1.0"),
            "550 #5.1.0 Address rejected.",
            "",
            Hard,
            Some("5.1.0"),
        ),
        // …but the sender's, or a list, is not about the recipient.
        (
            Some("5.1.0"),
            "550 5.1.0 <b@y.org> sender rejected",
            "",
            Soft,
            Some("5.1.0"),
        ),
        (
            Some("5.1.0"),
            "550 5.1.0 MailFrom domain is listed in Spamhaus",
            "",
            Soft,
            Some("5.1.0"),
        ),
        // A bare 550 in RFC 5321's words is Outlook.com's "no such mailbox"; the
        // words without the code are a filter's.
        (
            Some("5.5.0"),
            "550 Requested action not taken: mailbox unavailable (-00:22:-00)",
            "",
            Hard,
            Some("5.5.0"),
        ),
        (
            None,
            "Invalid Address, ERROR_CODE :550, ERROR_CODE :Requested action not taken: mailbox unavailable",
            "",
            Soft,
            None,
        ),
        // A recipient refused at RCPT TO with no reason given.
        (
            Some("5.0.0"),
            "550 <a@x.org>: Recipient address rejected.",
            "in reply to RCPT TO command",
            Hard,
            Some("5.0.0"),
        ),
        (
            Some("5.0.0"),
            "550 <a@x.org>: Recipient address rejected: Greylisted",
            "in reply to RCPT TO command",
            Soft,
            Some("5.0.0"),
        ),
    ];
    for &(status, said, around, class, code) in cases {
        let (c, s) = words::judge(status, said, around);
        assert_eq!(
            (c, s.as_deref()),
            (class, code),
            "{status:?} {said:?} {around:?}"
        );
    }
}

#[test]
fn plain_reports_name_their_recipients() {
    let report = |from: &str, subject: &str, body: &str| {
        format!(
            "From: {from}\r\nTo: bounces@example.com\r\nSubject: {subject}\r\nMessage-ID: <p@mx>\r\n\r\n{body}"
        )
    };
    let cases = [
        // qmail
        (
            "MAILER-DAEMON@mx.example.net",
            "failure notice",
            "Hi. This is the qmail-send program at mx.example.net.\r\nI'm afraid I wasn't able to deliver your message to the following addresses.\r\n\r\n<ann@example.org>:\r\n192.0.2.1 does not like recipient.\r\nRemote host said: 550 5.1.1 <ann@example.org>: user unknown\r\n\r\n--- Below this line is a copy of the message.\r\n\r\nFrom: news@example.com\r\n",
            vec![("ann@example.org", Class::Hard)],
        ),
        // Postfix, two recipients, one full.
        (
            "MAILER-DAEMON@mx.example.net",
            "Undelivered Mail Returned to Sender",
            "<ann@example.org>: host mx said: 550 5.1.1 <ann@example.org>: Recipient\r\n    address rejected: User unknown (in reply to RCPT TO command)\r\n\r\n<bo@example.org>: host mx said: 552 5.2.2 Mailbox full (in reply to RCPT TO command)\r\n",
            vec![
                ("ann@example.org", Class::Hard),
                ("bo@example.org", Class::Soft),
            ],
        ),
        // Sendmail, after DATA: a filter's "user unknown".
        (
            "Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>",
            "Returned mail: see transcript for details",
            "   ----- The following addresses had permanent fatal errors -----\r\n<ann@example.org>\r\n    (reason: 550 Unknown user ann@example.org)\r\n\r\n   ----- Transcript of session follows -----\r\n>>> DATA\r\n<<< 550 Unknown user ann@example.org\r\n",
            vec![("ann@example.org", Class::Soft)],
        ),
    ];
    for (from, subject, body, want) in cases {
        let Kind::Bounce { failures, who } = kind_of(&report(from, subject, body)) else {
            panic!("{subject}")
        };
        let got: Vec<(&str, Class)> = failures
            .iter()
            .map(|f| (f.address.as_deref().unwrap_or(""), f.class))
            .collect();
        assert_eq!(got, want, "{subject}");
        assert!(
            !who.addresses.iter().any(|a| a.contains("example.com")),
            "{who:?}"
        );
    }
}

#[test]
fn the_report_text_overrules_a_hard_code_that_it_contradicts() {
    let report = |text: &str, blocks: &str| {
        format!(
            "From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@example.com\r\nMessage-ID: <c@mx>\r\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\n{text}\r\n\
             --b\r\nContent-Type: message/delivery-status\r\n\r\n\
             Reporting-MTA: dns; mx.example.net\r\n\r\n{blocks}\r\n--b--\r\n"
        )
    };
    let unknown = "Final-Recipient: rfc822; a@x.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\
                   Diagnostic-Code: smtp; 550 5.1.1 <a@x.org>... User Unknown";
    let classes = |message: &str| match kind_of(message) {
        Kind::Bounce { failures, .. } => failures
            .iter()
            .map(|f| (f.address.clone().unwrap_or_default(), f.class))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    // One recipient, and the text says the mailbox exists but is full or disabled:
    // conflicting evidence is soft.
    for text in [
        "Your message was automatically rejected:\r\nNot enough disk space",
        "The user(s) account is disabled.",
    ] {
        assert_eq!(
            classes(&report(text, unknown)),
            [("a@x.org".to_string(), Class::Soft)],
            "{text}"
        );
    }
    assert_eq!(
        classes(&report("Delivery failed.", unknown)),
        [("a@x.org".to_string(), Class::Hard)]
    );
    // Two recipients: the text's "mailbox full" may be the other one's.
    let two = format!(
        "{unknown}\r\n\r\nFinal-Recipient: rfc822; b@x.org\r\nAction: failed\r\nStatus: 5.2.2\r\n\
         Diagnostic-Code: smtp; 552 5.2.2 <b@x.org>... Mailbox Full"
    );
    assert_eq!(
        classes(&report("<b@x.org>... Mailbox Full", &two)),
        [
            ("a@x.org".to_string(), Class::Hard),
            ("b@x.org".to_string(), Class::Soft)
        ]
    );
    // AOL's recipients with no blank line between them are two recipients.
    let joined = two.replace(
        "\r\n\r\nFinal-Recipient: rfc822; b",
        "\r\nFinal-Recipient: rfc822; b",
    );
    assert_eq!(
        classes(&report("Delivery failed.", &joined)),
        [
            ("a@x.org".to_string(), Class::Hard),
            ("b@x.org".to_string(), Class::Soft)
        ]
    );
}

#[test]
fn a_report_forwarded_inside_a_filters_notice_is_read() {
    let inner = dsn(
        "sender@example.com",
        "Final-Recipient: rfc822; a@x.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 User unknown",
    );
    let wrapper = format!(
        "From: MAILER-DAEMON@filter.example.net\r\nTo: bounces+{TOKEN}@example.com\r\n\
         Subject: Returned mail: User unknown\r\nMessage-ID: <w@filter>\r\n\
         Content-Type: multipart/mixed; boundary=\"w\"\r\n\r\n\
         --w\r\nContent-Type: text/plain\r\n\r\n\
         ----- The following addresses had permanent delivery errors -----\r\n\
         --w\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--w--\r\n"
    );
    let Kind::Bounce { who, failures } = kind_of(&wrapper) else {
        panic!("not a bounce")
    };
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].address.as_deref(), Some("a@x.org"));
    assert_eq!(failures[0].class, Class::Hard);
    // The outer envelope (VERP) still names the subscriber.
    assert_eq!(who.tokens, [TOKEN]);
}

#[test]
fn a_quoted_local_part_is_an_address() {
    let block = "Final-Recipient: rfc822; \"a..b\"@x.org\r\nOriginal-Recipient: rfc822; a..b@x.org\r\n\
                 Action: failed\r\nStatus: 5.1.1";
    let Kind::Bounce { who, failures } = kind_of(&dsn("bounces@example.com", block)) else {
        panic!("not a bounce")
    };
    assert_eq!(failures[0].address.as_deref(), Some("\"a..b\"@x.org"));
    assert!(who.addresses.contains(&"a..b@x.org".to_string()), "{who:?}");
    assert!(!fields::plausible("\"a b\"@x.org"));
    assert!(!fields::plausible("a@b@x.org"));
}
