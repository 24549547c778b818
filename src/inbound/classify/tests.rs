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
            who: Who {
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
