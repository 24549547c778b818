//! The relay webhooks through the real `herald serve` over HTTP: Amazon SES through
//! SNS (an RSA signing certificate from a local CA, served over https by
//! `support::sns_host`), Mailgun (HMAC-SHA256), Postmark (basic auth) and SendGrid
//! (ECDSA P-256), with payloads shaped as each relay documents them and signatures
//! made here. Each kind of event changes exactly the right subscriber; a forged, stale,
//! unsigned or replayed request gets 401 and changes nothing; a retried event changes
//! nothing the second time.

use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

use crate::support::Site;
use crate::support::server::{Reply, Server};
use crate::support::sns_host::SnsHost;

const SECRET: &str = "webhook-test-secret-2f4c-8e1a7b9d0c3e5f61";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:ses-bounces";
/// The server's pinned clock, and the same instant in Unix seconds.
const NOW: &str = "2026-01-01T00:00:00Z";
const NOW_UNIX: i64 = 1_767_225_600;
const MAILGUN_KEY: &str = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";

/// A site with a newsletter, VERP bounces and the SES topic; `ann`, `bob`, `cat`,
/// `dan` and `eve` at example.org subscribed.
fn site() -> Site {
    let site = Site::with_config(&format!(
        "{}newsletter:
  from: \"Test Site <news@example.com>\"
  bounce_address: bounces@example.com
serve:
  public_url: \"https://news.example.test\"
  webhooks:
    ses_topic_arns: [\"{TOPIC}\"]
",
        crate::support::CONFIG
    ));
    for name in ["ann", "bob", "cat", "dan", "eve"] {
        site.herald(&["subscribers", "add", &format!("{name}@example.org")])
            .expect_code(0);
    }
    site
}

/// `(status, hard bounces, soft bounces)` of `name@example.org`.
fn row(site: &Site, name: &str) -> (String, i64, i64) {
    site.db()
        .query_row(
            "SELECT status, hard_bounces, soft_bounces FROM subscribers WHERE email = ?1",
            [format!("{name}@example.org")],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("subscriber row")
}

/// Every subscriber's row, to show that a refused request changed nothing.
fn rows(site: &Site) -> Vec<(String, i64, i64)> {
    ["ann", "bob", "cat", "dan", "eve"]
        .iter()
        .map(|name| row(site, name))
        .collect()
}

fn active(site: &Site, name: &str) {
    assert_eq!(row(site, name), ("active".into(), 0, 0), "{name}");
}

fn expect(reply: &Reply, status: u16, server: &Server) {
    crate::serve::expect(reply, status, "", server);
}

/// The VERP envelope sender herald used for `name@example.org`.
fn verp(name: &str) -> String {
    let token = herald::mail::unsubscribe::token(SECRET.as_bytes(), &format!("{name}@example.org"));
    format!("bounces+{token}@example.com")
}

/// The log lines of requests to `path`: one per request, none with an address.
fn log_lines(stderr: &str, path: &str) -> usize {
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(path)).collect();
    for line in &lines {
        assert!(!line.contains('@'), "an address in the log: {line}");
    }
    lines.len()
}

// ---- Amazon SES through SNS ----

/// An SES notification as AWS documents it ("Amazon SES notification examples").
fn ses_bounce(kind: &str, recipient: &str, source: &str, feedback_id: &str) -> Value {
    json!({
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": kind,
            "reportingMTA": "dns; email.example.com",
            "bouncedRecipients": [{
                "emailAddress": recipient,
                "status": if kind == "Permanent" { "5.1.1" } else { "4.2.2" },
                "action": "failed",
                "diagnosticCode": if kind == "Permanent" { "smtp; 550 5.1.1 <x>... User unknown" } else { "smtp; 452 4.2.2 Mailbox full" }
            }],
            "bounceSubType": if kind == "Permanent" { "General" } else { "MailboxFull" },
            "timestamp": "2025-12-31T23:59:00.000Z",
            "feedbackId": feedback_id,
            "remoteMtaIp": "127.0.2.0"
        },
        "mail": ses_mail(recipient, source)
    })
}

fn ses_mail(recipient: &str, source: &str) -> Value {
    json!({
        "timestamp": "2025-12-31T23:58:00.000Z",
        "source": source,
        "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
        "sourceIp": "127.0.3.0",
        "sendingAccountId": "123456789012",
        "messageId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
        "destination": [recipient],
        "headersTruncated": false
    })
}

fn ses_complaint(recipient: &str, feedback_id: &str) -> Value {
    json!({
        "notificationType": "Complaint",
        "complaint": {
            "userAgent": "AnyCompany Feedback Loop (V0.01)",
            "complainedRecipients": [{ "emailAddress": recipient }],
            "complaintFeedbackType": "abuse",
            "arrivalDate": "2025-12-31T23:59:00.000Z",
            "timestamp": "2025-12-31T23:59:00.000Z",
            "feedbackId": feedback_id
        },
        "mail": ses_mail(recipient, "news@example.com")
    })
}

fn ses_delivery(recipient: &str) -> Value {
    json!({
        "notificationType": "Delivery",
        "mail": ses_mail(recipient, "news@example.com"),
        "delivery": {
            "timestamp": "2025-12-31T23:59:00.000Z",
            "processingTimeMillis": 546,
            "recipients": [recipient],
            "smtpResponse": "250 ok:  Message 64111812 accepted",
            "remoteMtaIp": "127.0.2.0",
            "reportingMTA": "a8-70.smtp-out.amazonses.com"
        }
    })
}

/// An SNS `Notification` carrying `message`, signed with `SignatureVersion`
/// `version` over the string to sign built as SNS documents it.
fn sns_notification(
    host: &SnsHost,
    message: &Value,
    id: &str,
    timestamp: &str,
    version: u8,
) -> Value {
    let message = message.to_string();
    let text = format!(
        "Message\n{message}\nMessageId\n{id}\nTimestamp\n{timestamp}\nTopicArn\n{TOPIC}\nType\nNotification\n"
    );
    json!({
        "Type": "Notification",
        "MessageId": id,
        "TopicArn": TOPIC,
        "Message": message,
        "Timestamp": timestamp,
        "SignatureVersion": version.to_string(),
        "Signature": host.sign(&text, version),
        "SigningCertURL": host.cert_url(),
        "UnsubscribeURL": format!("https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={TOPIC}:c9135db0")
    })
}

fn sns_confirmation(host: &SnsHost, topic: &str) -> Value {
    let token = "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736";
    let message = format!(
        "You have chosen to subscribe to the topic {topic}.\nTo confirm the subscription, visit the SubscribeURL included in this message."
    );
    let url = host.subscribe_url(topic, token);
    let timestamp = "2025-12-31T23:59:30.000Z";
    let id = "165545c9-2a5c-472c-8df2-7ff2be2b3b1b";
    let text = format!(
        "Message\n{message}\nMessageId\n{id}\nSubscribeURL\n{url}\nTimestamp\n{timestamp}\nToken\n{token}\nTopicArn\n{topic}\nType\nSubscriptionConfirmation\n"
    );
    json!({
        "Type": "SubscriptionConfirmation",
        "MessageId": id,
        "Token": token,
        "TopicArn": topic,
        "Message": message,
        "SubscribeURL": url,
        "Timestamp": timestamp,
        "SignatureVersion": "1",
        "Signature": host.sign(&text, 1),
        "SigningCertURL": host.cert_url()
    })
}

fn post_sns(server: &Server, envelope: &Value) -> Reply {
    let kind = envelope["Type"].as_str().unwrap_or("").to_string();
    let id = envelope["MessageId"].as_str().unwrap_or("").to_string();
    server.post_body(
        "/webhooks/ses",
        "text/plain; charset=UTF-8",
        envelope.to_string().as_bytes(),
        &[
            ("x-amz-sns-message-type", &kind),
            ("x-amz-sns-message-id", &id),
            ("x-amz-sns-topic-arn", TOPIC),
        ],
    )
}

#[test]
fn ses_through_sns_bounces_and_complaints_change_the_right_subscriber_once() {
    let site = site();
    let host = SnsHost::start();
    let env: Vec<(&str, String)> = [("HERALD_SECRET", SECRET.to_string())]
        .into_iter()
        .chain(host.env())
        .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = site.serve_at(NOW, &env);
    let at = "2025-12-31T23:59:30.000Z";
    let mut posts = 0;
    let mut post = |envelope: &Value| {
        posts += 1;
        post_sns(&server, envelope)
    };

    // A subscription to a topic that is not configured is not confirmed.
    let other = sns_confirmation(&host, "arn:aws:sns:us-east-1:123456789012:someone-else");
    expect(&post(&other), 401, &server);
    assert!(host.requests().is_empty(), "{:?}", host.requests());
    // The configured topic's is: its SubscribeURL is fetched.
    expect(&post(&sns_confirmation(&host, TOPIC)), 200, &server);
    let requests = host.requests();
    assert!(
        requests.iter().any(|r| r.starts_with(
            "/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:ses-bounces"
        )),
        "{requests:?}"
    );

    // Permanent (SignatureVersion 2): hard. Transient: soft. Complaint (version 1):
    // unsubscribed. Delivery: nothing.
    let ann = sns_notification(
        &host,
        &ses_bounce("Permanent", "ann@example.org", "news@example.com", "fb-ann"),
        "m-ann",
        at,
        2,
    );
    expect(&post(&ann), 200, &server);
    assert_eq!(row(&site, "ann"), ("bounced".into(), 1, 0));
    let bob = sns_notification(
        &host,
        &ses_bounce("Transient", "bob@example.org", "news@example.com", "fb-bob"),
        "m-bob",
        at,
        2,
    );
    expect(&post(&bob), 200, &server);
    assert_eq!(row(&site, "bob"), ("active".into(), 0, 1));
    let cat = sns_notification(
        &host,
        &ses_complaint("cat@example.org", "fb-cat"),
        "m-cat",
        at,
        1,
    );
    expect(&post(&cat), 200, &server);
    assert_eq!(row(&site, "cat").0, "unsubscribed");
    let dan = sns_notification(&host, &ses_delivery("dan@example.org"), "m-dan", at, 1);
    expect(&post(&dan), 200, &server);
    active(&site, "dan");
    // The VERP envelope sender names eve although the report names another address.
    let eve = sns_notification(
        &host,
        &ses_bounce(
            "Permanent",
            "eve.forwarded@elsewhere.example",
            &verp("eve"),
            "fb-eve",
        ),
        "m-eve",
        at,
        2,
    );
    expect(&post(&eve), 200, &server);
    assert_eq!(row(&site, "eve"), ("bounced".into(), 1, 0));

    // The same SNS message sent again (captured, or SNS re-sending one answered 200) is
    // refused and changes nothing; the same SES event published again under a new
    // message id is a retry: 200, and nothing changes the second time.
    let before = rows(&site);
    let reply = post(&bob);
    assert_eq!(reply.status, 401, "{}\n{}", reply.body, server.describe());
    assert_eq!(rows(&site), before);
    let bob_again = sns_notification(
        &host,
        &ses_bounce("Transient", "bob@example.org", "news@example.com", "fb-bob"),
        "m-bob-2",
        at,
        2,
    );
    let reply = post(&bob_again);
    expect(&reply, 200, &server);
    assert!(reply.body.contains("1 handled before"), "{}", reply.body);
    assert_eq!(rows(&site), before);

    // Forged (the message changed after signing), stale, unsigned, a certificate
    // from elsewhere, another topic: 401 and nothing changes.
    let mut forged = sns_notification(&host, &ses_delivery("dan@example.org"), "m-f1", at, 2);
    forged["Message"] =
        json!(ses_bounce("Permanent", "dan@example.org", "news@example.com", "fb-f1").to_string());
    let stale = sns_notification(
        &host,
        &ses_bounce("Permanent", "dan@example.org", "news@example.com", "fb-f2"),
        "m-f2",
        "2025-12-31T22:00:00.000Z",
        2,
    );
    let mut unsigned = sns_notification(
        &host,
        &ses_bounce("Permanent", "dan@example.org", "news@example.com", "fb-f3"),
        "m-f3",
        at,
        2,
    );
    for field in ["Signature", "SignatureVersion", "SigningCertURL"] {
        unsigned.as_object_mut().unwrap().remove(field);
    }
    let mut elsewhere = sns_notification(
        &host,
        &ses_bounce("Permanent", "dan@example.org", "news@example.com", "fb-f4"),
        "m-f4",
        at,
        2,
    );
    elsewhere["SigningCertURL"] = json!(format!(
        "https://sns.us-east-1.amazonaws.com.evil.example/{}",
        "SimpleNotificationService-0.pem"
    ));
    let mut other_topic = sns_notification(
        &host,
        &ses_bounce("Permanent", "dan@example.org", "news@example.com", "fb-f5"),
        "m-f5",
        at,
        2,
    );
    other_topic["TopicArn"] = json!("arn:aws:sns:us-east-1:123456789012:other");
    for (what, envelope) in [
        ("forged", &forged),
        ("stale", &stale),
        ("unsigned", &unsigned),
        ("certificate elsewhere", &elsewhere),
        ("other topic", &other_topic),
    ] {
        let reply = post(envelope);
        assert_eq!(
            reply.status,
            401,
            "{what}: {}\n{}",
            reply.body,
            server.describe()
        );
    }
    assert_eq!(rows(&site), before);
    active(&site, "dan");

    let (_, stderr) = server.terminate();
    assert_eq!(log_lines(&stderr, "POST /webhooks/ses"), posts, "{stderr}");
}

// ---- Mailgun ----

/// A Mailgun webhook body as Mailgun documents it, signed with `key`.
fn mailgun(event: Value, token: &str, timestamp: i64, key: &str) -> String {
    let timestamp = timestamp.to_string();
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(token.as_bytes());
    let signature: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    json!({
        "signature": { "timestamp": timestamp, "token": token, "signature": signature },
        "event-data": event
    })
    .to_string()
}

fn mailgun_event(
    event: &str,
    severity: Option<&str>,
    id: &str,
    recipient: &str,
    sender: &str,
) -> Value {
    let mut data = json!({
        "event": event,
        "timestamp": 1767225590.375624,
        "id": id,
        "log-level": if event == "failed" { "error" } else { "info" },
        "recipient": recipient,
        "recipient-domain": recipient.rsplit('@').next(),
        "envelope": { "sender": sender, "transport": "smtp", "targets": recipient },
        "message": {
            "headers": {
                "to": recipient,
                "message-id": "20260101000000.1.abc@mg.example.com",
                "from": "Test Site <news@example.com>",
                "subject": "Test Site: news"
            },
            "attachments": [],
            "size": 111
        },
        "flags": { "is-routed": false, "is-authenticated": true, "is-system-test": false, "is-test-mode": false },
        "tags": [],
        "user-variables": {},
        "campaigns": []
    });
    if let Some(severity) = severity {
        data["severity"] = json!(severity);
        data["reason"] = json!("bounce");
        data["delivery-status"] = if severity == "permanent" {
            json!({ "attempt-no": 1, "message": "550 5.1.1 The email account that you tried to reach does not exist", "code": 550, "description": "", "session-seconds": 0.1 })
        } else {
            json!({ "attempt-no": 8, "message": "452 4.2.2 The email account that you tried to reach is over quota", "code": 452, "description": "", "session-seconds": 0.1 })
        };
    }
    data
}

fn post_json(server: &Server, path: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
    server.post_body(path, "application/json", body.as_bytes(), headers)
}

#[test]
fn mailgun_events_are_verified_and_applied_once() {
    let site = site();
    let server = site.serve_at(
        NOW,
        &[
            ("HERALD_SECRET", SECRET),
            ("HERALD_MAILGUN_SIGNING_KEY", MAILGUN_KEY),
        ],
    );
    let post = |body: &str| post_json(&server, "/webhooks/mailgun", body, &[]);
    let send = |event: Value, token: &str| post(&mailgun(event, token, NOW_UNIX - 10, MAILGUN_KEY));

    expect(
        &send(
            mailgun_event(
                "failed",
                Some("permanent"),
                "ev-ann",
                "ann@example.org",
                "news@example.com",
            ),
            "tok-1",
        ),
        200,
        &server,
    );
    assert_eq!(row(&site, "ann"), ("bounced".into(), 1, 0));
    let bob = mailgun(
        mailgun_event(
            "failed",
            Some("temporary"),
            "ev-bob",
            "bob@example.org",
            "news@example.com",
        ),
        "tok-2",
        NOW_UNIX - 10,
        MAILGUN_KEY,
    );
    expect(&post(&bob), 200, &server);
    assert_eq!(row(&site, "bob"), ("active".into(), 0, 1));
    expect(
        &send(
            mailgun_event(
                "complained",
                None,
                "ev-cat",
                "cat@example.org",
                "news@example.com",
            ),
            "tok-3",
        ),
        200,
        &server,
    );
    assert_eq!(row(&site, "cat").0, "unsubscribed");
    expect(
        &send(
            mailgun_event(
                "delivered",
                None,
                "ev-dan",
                "dan@example.org",
                "news@example.com",
            ),
            "tok-4",
        ),
        200,
        &server,
    );
    active(&site, "dan");
    // The envelope sender's VERP token names eve.
    expect(
        &send(
            mailgun_event(
                "failed",
                Some("permanent"),
                "ev-eve",
                "eve.old@elsewhere.example",
                &verp("eve"),
            ),
            "tok-5",
        ),
        200,
        &server,
    );
    assert_eq!(row(&site, "eve"), ("bounced".into(), 1, 0));

    let before = rows(&site);
    // Replayed (the same request, its token seen before): 401.
    let reply = post(&bob);
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert!(reply.body.contains("used before"), "{}", reply.body);
    // Forged (another key), stale (11 minutes old), unsigned: 401.
    let dan = || {
        mailgun_event(
            "failed",
            Some("permanent"),
            "ev-dan-2",
            "dan@example.org",
            "news@example.com",
        )
    };
    let forged = mailgun(dan(), "tok-6", NOW_UNIX, "key-not-the-right-one");
    let stale = mailgun(dan(), "tok-7", NOW_UNIX - 660, MAILGUN_KEY);
    let unsigned = json!({ "event-data": dan() }).to_string();
    let mut tampered: Value = serde_json::from_str(&mailgun(
        mailgun_event(
            "delivered",
            None,
            "ev-dan-3",
            "dan@example.org",
            "x@example.com",
        ),
        "tok-8",
        NOW_UNIX,
        MAILGUN_KEY,
    ))
    .unwrap();
    tampered["signature"]["timestamp"] = json!((NOW_UNIX + 1).to_string());
    for (what, body) in [
        ("forged", forged),
        ("stale", stale),
        ("unsigned", unsigned),
        ("tampered", tampered.to_string()),
    ] {
        let reply = post(&body);
        assert_eq!(
            reply.status,
            401,
            "{what}: {}\n{}",
            reply.body,
            server.describe()
        );
    }
    // Mailgun retrying the event (a new request, a new token): nothing changes.
    let reply = send(
        mailgun_event(
            "failed",
            Some("temporary"),
            "ev-bob",
            "bob@example.org",
            "news@example.com",
        ),
        "tok-9",
    );
    expect(&reply, 200, &server);
    assert!(reply.body.contains("1 handled before"), "{}", reply.body);
    assert_eq!(rows(&site), before);

    let (_, stderr) = server.terminate();
    assert_eq!(log_lines(&stderr, "POST /webhooks/mailgun"), 11, "{stderr}");
}

// ---- Postmark ----

/// A Postmark bounce webhook body as Postmark documents it.
fn postmark(record_type: &str, kind: &str, id: u64, email: &str) -> String {
    json!({
        "RecordType": record_type,
        "MessageStream": "outbound",
        "ID": id,
        "Type": kind,
        "TypeCode": match kind { "HardBounce" => 1, "SoftBounce" => 4096, "SpamComplaint" => 512, _ => 2 },
        "Name": kind,
        "Tag": "digest",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": if kind == "HardBounce" { "smtp;550 5.1.1 The email account that you tried to reach does not exist." } else { "Test details" },
        "Email": email,
        "From": "news@example.com",
        "BouncedAt": "2025-12-31T23:59:54.9070259Z",
        "DumpAvailable": true,
        "Inactive": kind != "SoftBounce",
        "CanActivate": true,
        "Subject": "Test Site: news",
        "Content": "<Full dump of bounce>"
    })
    .to_string()
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[test]
fn postmark_bounces_and_complaints_need_the_basic_auth_and_apply_once() {
    let site = site();
    let server = site.serve_at(
        NOW,
        &[
            ("HERALD_SECRET", SECRET),
            ("HERALD_POSTMARK_WEBHOOK_USER", "postmark"),
            ("HERALD_POSTMARK_WEBHOOK_PASSWORD", "s3cret-pass-phrase"),
        ],
    );
    let auth = basic("postmark", "s3cret-pass-phrase");
    let post = |body: &str| {
        post_json(
            &server,
            "/webhooks/postmark",
            body,
            &[("Authorization", &auth)],
        )
    };

    expect(
        &post(&postmark(
            "Bounce",
            "HardBounce",
            4_323_372_036_854_775_807,
            "ann@example.org",
        )),
        200,
        &server,
    );
    assert_eq!(row(&site, "ann"), ("bounced".into(), 1, 0));
    let bob = postmark("Bounce", "SoftBounce", 2, "bob@example.org");
    expect(&post(&bob), 200, &server);
    assert_eq!(row(&site, "bob"), ("active".into(), 0, 1));
    expect(
        &post(&postmark(
            "SpamComplaint",
            "SpamComplaint",
            3,
            "cat@example.org",
        )),
        200,
        &server,
    );
    assert_eq!(row(&site, "cat").0, "unsubscribed");
    let delivery = json!({
        "RecordType": "Delivery", "ServerID": 23, "MessageStream": "outbound",
        "MessageID": "00000000-0000-0000-0000-000000000000", "Recipient": "dan@example.org",
        "Tag": "digest", "DeliveredAt": "2025-12-31T23:59:54Z", "Details": "Test delivery webhook details", "Metadata": {}
    });
    expect(&post(&delivery.to_string()), 200, &server);
    expect(
        &post(&postmark("Bounce", "AutoResponder", 5, "dan@example.org")),
        200,
        &server,
    );
    active(&site, "dan");
    expect(
        &post(&postmark("Bounce", "BadEmailAddress", 6, "eve@example.org")),
        200,
        &server,
    );
    assert_eq!(row(&site, "eve"), ("bounced".into(), 1, 0));

    let before = rows(&site);
    let dan = postmark("Bounce", "HardBounce", 7, "dan@example.org");
    for (what, headers) in [
        ("no auth", vec![]),
        (
            "wrong password",
            vec![("Authorization", basic("postmark", "guess"))],
        ),
        (
            "wrong user",
            vec![("Authorization", basic("admin", "s3cret-pass-phrase"))],
        ),
    ] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let reply = post_json(&server, "/webhooks/postmark", &dan, &headers);
        assert_eq!(reply.status, 401, "{what}: {}", reply.body);
    }
    // Stale (taken 13 hours ago) or from the future: 401.
    for (what, at) in [
        ("stale", "2025-12-31T11:00:00Z"),
        ("ahead", "2026-01-01T00:30:00Z"),
    ] {
        let body = dan.replace("2025-12-31T23:59:54.9070259Z", at);
        assert_ne!(body, dan);
        let reply = post(&body);
        assert_eq!(reply.status, 401, "{what}: {}", reply.body);
    }
    // The same bounce sent again (captured, or Postmark re-sending one answered 200):
    // 401, and nothing changes.
    let reply = post(&bob);
    assert_eq!(reply.status, 401, "{}\n{}", reply.body, server.describe());
    assert_eq!(rows(&site), before);
    active(&site, "dan");
}

// ---- SendGrid ----

/// A P-256 key pair and the base64 DER public key SendGrid shows for it.
fn sendgrid_key() -> (ring::signature::EcdsaKeyPair, String) {
    let rng = ring::rand::SystemRandom::new();
    let alg = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
    let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
    let pair = ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
    // SubjectPublicKeyInfo: id-ecPublicKey, prime256v1, then the uncompressed point.
    let mut spki = hex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
    spki.extend_from_slice(ring::signature::KeyPair::public_key(&pair).as_ref());
    (pair, base64::engine::general_purpose::STANDARD.encode(spki))
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The signature headers of `body` signed at `timestamp`.
fn sendgrid_sign(
    pair: &ring::signature::EcdsaKeyPair,
    body: &str,
    timestamp: i64,
) -> (String, String) {
    let timestamp = timestamp.to_string();
    let signed = format!("{timestamp}{body}");
    let signature = pair
        .sign(&ring::rand::SystemRandom::new(), signed.as_bytes())
        .unwrap();
    (
        base64::engine::general_purpose::STANDARD.encode(signature.as_ref()),
        timestamp,
    )
}

/// An Event Webhook batch as SendGrid documents it.
fn sendgrid_batch() -> String {
    let common = |email: &str, event: &str, id: &str| {
        json!({
            "email": email,
            "timestamp": NOW_UNIX - 20,
            "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
            "event": event,
            "category": ["digest"],
            "sg_event_id": id,
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"
        })
    };
    let mut ann = common("ann@example.org", "bounce", "sg-ann-bounce");
    ann["reason"] = json!("550 5.1.1 The email account that you tried to reach does not exist");
    ann["status"] = json!("5.1.1");
    ann["type"] = json!("bounce");
    ann["bounce_classification"] = json!("Invalid Address");
    let mut bob = common("bob@example.org", "bounce", "sg-bob-blocked");
    bob["reason"] = json!("550 5.7.1 Message rejected due to local policy");
    bob["status"] = json!("5.7.1");
    bob["type"] = json!("blocked");
    bob["bounce_classification"] = json!("Reputation");
    let cat = common("cat@example.org", "spamreport", "sg-cat-spam");
    let mut dan = common("dan@example.org", "delivered", "sg-dan-delivered");
    dan["response"] = json!("250 OK");
    let dan_open = common("dan@example.org", "open", "sg-dan-open");
    let mut eve = common("eve@example.org", "dropped", "sg-eve-dropped");
    eve["reason"] = json!("Bounced Address");
    eve["status"] = json!("5.0.0");
    json!([ann, bob, cat, dan, dan_open, eve]).to_string()
}

#[test]
fn sendgrid_batches_are_verified_and_each_event_applied_once() {
    let site = site();
    let (pair, public) = sendgrid_key();
    let server = site.serve_at(
        NOW,
        &[
            ("HERALD_SECRET", SECRET),
            ("HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY", &public),
        ],
    );
    let post = |body: &str, signature: &str, timestamp: &str| {
        post_json(
            &server,
            "/webhooks/sendgrid",
            body,
            &[
                ("X-Twilio-Email-Event-Webhook-Signature", signature),
                ("X-Twilio-Email-Event-Webhook-Timestamp", timestamp),
            ],
        )
    };
    let batch = sendgrid_batch();
    let (signature, timestamp) = sendgrid_sign(&pair, &batch, NOW_UNIX - 5);
    let reply = post(&batch, &signature, &timestamp);
    expect(&reply, 200, &server);
    assert_eq!(row(&site, "ann"), ("bounced".into(), 1, 0));
    assert_eq!(row(&site, "bob"), ("active".into(), 0, 1));
    assert_eq!(row(&site, "cat").0, "unsubscribed");
    active(&site, "dan");
    assert_eq!(row(&site, "eve"), ("bounced".into(), 1, 0));

    let before = rows(&site);
    // The same signed request again (a replay): 401, nothing changes.
    let reply = post(&batch, &signature, &timestamp);
    assert_eq!(reply.status, 401, "{}\n{}", reply.body, server.describe());
    assert_eq!(rows(&site), before);
    let dan = json!([{ "email": "dan@example.org", "timestamp": NOW_UNIX, "event": "bounce", "sg_event_id": "sg-dan-bounce", "type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 unknown" }]).to_string();
    let (good, at) = sendgrid_sign(&pair, &dan, NOW_UNIX);
    let (other_pair, _) = sendgrid_key();
    let (forged, _) = sendgrid_sign(&other_pair, &dan, NOW_UNIX);
    let (stale, stale_at) = sendgrid_sign(&pair, &dan, NOW_UNIX - 600);
    let tampered = dan.replace("dan@", "ann@");
    for (what, reply) in [
        ("forged", post(&dan, &forged, &at)),
        ("stale", post(&dan, &stale, &stale_at)),
        ("tampered body", post(&tampered, &good, &at)),
        (
            "another timestamp",
            post(&dan, &good, &(NOW_UNIX - 1).to_string()),
        ),
        (
            "unsigned",
            post_json(&server, "/webhooks/sendgrid", &dan, &[]),
        ),
    ] {
        assert_eq!(
            reply.status,
            401,
            "{what}: {}\n{}",
            reply.body,
            server.describe()
        );
    }
    // SendGrid retrying the batch (signed again): nothing changes.
    let (signature, timestamp) = sendgrid_sign(&pair, &batch, NOW_UNIX);
    let reply = post(&batch, &signature, &timestamp);
    expect(&reply, 200, &server);
    assert!(reply.body.contains("4 handled before"), "{}", reply.body);
    assert_eq!(rows(&site), before);
}

// ---- all four ----

#[test]
fn webhooks_are_off_until_configured_and_bodies_are_capped() {
    let site = Site::with_config(crate::support::CONFIG);
    let server = site.serve(&[]);
    for relay in ["ses", "mailgun", "postmark", "sendgrid"] {
        let reply = post_json(&server, &format!("/webhooks/{relay}"), "{}", &[]);
        assert_eq!(reply.status, 404, "{relay}: {}", reply.body);
    }
    drop(server);
    let server = site.serve(&[("HERALD_MAILGUN_SIGNING_KEY", MAILGUN_KEY)]);
    // A body over the 1 MiB cap is refused before it is read whole.
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let reply = post_json(&server, "/webhooks/mailgun", &big, &[]);
    assert_eq!(reply.status, 413, "{}", reply.body);
    // A SendGrid batch bigger than serve.max_body_bytes (16 KiB) is under the cap:
    // it reaches the signature check.
    let batch = format!("[{}]", vec!["{\"event\":\"open\"}"; 2000].join(","));
    let reply = post_json(&server, "/webhooks/mailgun", &batch, &[]);
    assert_eq!(reply.status, 401, "{}", reply.body);
}

#[test]
fn a_webhook_secret_that_cannot_work_stops_the_server_with_the_fix() {
    let site = Site::with_config(crate::support::CONFIG);
    let run = site.herald_with(
        &["serve", "--listen", "127.0.0.1:0"],
        &[("HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY", "not a key")],
    );
    run.expect_code(2);
    run.expect_stderr("HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY is not base64");
    let run = site.herald_with(
        &["serve", "--listen", "127.0.0.1:0"],
        &[("HERALD_POSTMARK_WEBHOOK_USER", "u")],
    );
    run.expect_stderr("HERALD_POSTMARK_WEBHOOK_PASSWORD go together");
}

// ---- the benchmark row (bench/run.sh ONLY=webhooks) ----

/// 10,000 (`WEBHOOKS_N`) signed SES bounce notifications, each for its own
/// subscriber, posted in 8 concurrent streams to a real `herald serve`: every one is
/// answered 200, applied exactly once (the store holds one record and one hard bounce
/// per notification), at `WEBHOOKS_MIN_RATE` (1,000) a second or more. Run by
/// `bench/run.sh` in the `bench-webhooks` profile (release with debug assertions, for
/// the test-only SNS host); ignored otherwise.
#[test]
#[ignore = "a benchmark: bench/run.sh ONLY=webhooks"]
fn ses_notifications_at_rate() {
    let var = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n = var("WEBHOOKS_N", 10_000);
    let streams = 8;
    let min_rate = var("WEBHOOKS_MIN_RATE", 1_000) as f64;
    let site = Site::with_config(&format!(
        "{}newsletter:
  from: \"Test Site <news@example.com>\"
  bounce_address: bounces@example.com
serve:
  webhooks:
    ses_topic_arns: [\"{TOPIC}\"]
",
        crate::support::CONFIG
    ));
    let address = |i: usize| format!("reader{i}@example.org");
    let mut csv = String::from("email,name\n");
    for i in 0..n {
        csv.push_str(&format!("{},\n", address(i)));
    }
    site.write("list.csv", csv);
    site.herald_with(
        &["subscribers", "import", "list.csv"],
        &[("HERALD_SECRET", SECRET)],
    )
    .expect_code(0);
    let host = SnsHost::start();
    let at = "2025-12-31T23:59:30.000Z";
    // Signed before the clock starts, on every core.
    let bodies: Vec<String> = std::thread::scope(|scope| {
        let host = &host;
        let workers: Vec<_> = (0..streams)
            .map(|w| {
                scope.spawn(move || {
                    (w..n)
                        .step_by(streams)
                        .map(|i| {
                            let message = ses_bounce(
                                "Permanent",
                                &address(i),
                                "news@example.com",
                                &format!("fb-{i}"),
                            );
                            sns_notification(host, &message, &format!("m-{i}"), at, 2).to_string()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let env: Vec<(&str, String)> = [("HERALD_SECRET", SECRET.to_string())]
        .into_iter()
        .chain(host.env())
        .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = site.serve_at(NOW, &env);
    let url = format!("{}/webhooks/ses", server.base);
    let started = std::time::Instant::now();
    let failures: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = bodies
            .chunks(n.div_ceil(streams))
            .map(|chunk| {
                let url = url.clone();
                scope.spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .build()
                        .into();
                    let mut failures = 0;
                    for body in chunk {
                        let status = agent
                            .post(&url)
                            .header("Content-Type", "text/plain; charset=UTF-8")
                            .header("x-amz-sns-message-type", "Notification")
                            .send(body.as_bytes())
                            .map(|r| r.status().as_u16())
                            .unwrap_or(0);
                        if status != 200 {
                            failures += 1;
                        }
                    }
                    failures
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    let seconds = started.elapsed().as_secs_f64();
    let rate = n as f64 / seconds;
    let db = site.db();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    let recorded = count("SELECT count(*) FROM inbound WHERE message_key LIKE 'ses:fb-%'");
    let bounced =
        count("SELECT count(*) FROM subscribers WHERE status = 'bounced' AND hard_bounces = 1");
    let hard = count("SELECT coalesce(sum(hard_bounces), 0) FROM subscribers");
    println!(
        "webhooks: {n} signed SES notifications in {streams} streams in {seconds:.2} s: {rate:.0}/s; {failures} not 200; {recorded} recorded, {bounced} bounced once, {hard} hard bounces"
    );
    assert_eq!(failures, 0, "{}", server.describe());
    assert_eq!((recorded, bounced, hard), (n as i64, n as i64, n as i64));
    assert!(rate >= min_rate, "{rate:.0}/s is under {min_rate}/s");
}
