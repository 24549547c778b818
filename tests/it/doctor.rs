//! `herald doctor` run as a binary against a DNS server started here on 127.0.0.1
//! (`dns_server.rs`) and the test SMTP server (`smtp_server.rs`): never the network.

use std::time::{Duration, Instant};

use hickory_resolver::proto::op::ResponseCode;

use crate::dns_server::{DnsServer, Zone};
use crate::smtp_server::{Behaviour, SmtpServer, tls_identity};
use crate::support::{CONFIG, Run, Site};

const RSA_KEY: &str = include_str!("fixtures/dkim-rsa.pem");
const RSA_PUB: &str = include_str!("fixtures/dkim-rsa.pub.b64");
const OTHER_RSA_PUB: &str = include_str!("fixtures/dkim-rsa-other.pub.b64");
const DKIM_NAME: &str = "s1._domainkey.example.com";
const PASSWORD: &str = "hunter2-never-shown";

fn dkim_record(public: &str) -> String {
    format!("v=DKIM1; k=rsa; p={}", public.trim())
}

/// SPF (through an include), the matching DKIM key and a DMARC policy that enforces.
fn good_zone() -> Zone {
    let mut zone = Zone::new();
    let mut add = |name: &str, records: &[&str]| {
        zone.insert(name.into(), records.iter().map(|r| r.to_string()).collect());
    };
    add(
        "example.com",
        &[
            "v=spf1 include:_spf.relay.test -all",
            "site-verification=abc",
        ],
    );
    add("_spf.relay.test", &["v=spf1 ip4:192.0.2.0/24 ~all"]);
    add(DKIM_NAME, &[&dkim_record(RSA_PUB)]);
    add(
        "_dmarc.example.com",
        &["v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"],
    );
    zone
}

/// A site sending from news@example.com, signing with the fixture key, with `extra`
/// appended to herald.yaml.
fn site(extra: &str) -> Site {
    let config = format!(
        "{CONFIG}newsletter:\n  from: \"Test <news@example.com>\"\n  unsubscribe_url: \"https://example.com/u/{{token}}\"\n  \
         dkim:\n    domain: example.com\n    selector: s1\n    private_key_file: dkim.pem\n{extra}"
    );
    let site = Site::with_config(&config);
    site.write("dkim.pem", RSA_KEY);
    site
}

/// A relay with STARTTLS and AUTH, trusted through `smtp.ca_file`.
fn relay() -> (SmtpServer, String) {
    let (tls, pem) = tls_identity();
    let server = SmtpServer::start(Behaviour {
        tls: Some(tls),
        require_tls: true,
        auth: Some(("mailer".into(), PASSWORD.into())),
        ..Behaviour::default()
    });
    (server, pem)
}

fn doctor(site: &Site, dns: &DnsServer, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let address = dns.address.to_string();
    let mut args = vec!["doctor", "--dns", &address, "--timeout", "2"];
    args.extend_from_slice(extra);
    site.herald_with(&args, env)
}

/// Asserts a line of stdout starts with `level` and `check` and contains `needle`.
fn expect_line(run: &Run, level: &str, check: &str, needle: &str) {
    let prefix = format!("{level:<5} {check}: ");
    assert!(
        run.stdout()
            .lines()
            .any(|l| l.starts_with(&prefix) && l.contains(needle)),
        "no `{prefix}…{needle}…` line\n{}",
        run.describe()
    );
}

#[test]
fn good_setup_is_all_ok_and_exits_0() {
    let dns = DnsServer::start(good_zone());
    let (server, pem) = relay();
    let site = site("smtp:\n  ca_file: ca.pem\n");
    site.write("ca.pem", &pem);
    let url = server
        .url("?tls=required")
        .replace("smtp://", "smtp://mailer@");
    let run = doctor(
        &site,
        &dns,
        &[],
        &[
            ("HERALD_SMTP_URL", &url),
            ("HERALD_SMTP_PASSWORD", PASSWORD),
        ],
    );
    run.expect_code(0);
    expect_line(&run, "ok", "config", "mail is sent from news@example.com");
    expect_line(&run, "ok", "config", "one-click unsubscribe");
    expect_line(
        &run,
        "ok",
        "spf",
        "example.com: `v=spf1 include:_spf.relay.test -all` (1 DNS lookup of 10)",
    );
    expect_line(
        &run,
        "ok",
        "dkim",
        "DKIM record at s1._domainkey.example.com matches dkim.private_key_file (rsa, 2048 bits)",
    );
    expect_line(
        &run,
        "ok",
        "dmarc",
        "_dmarc.example.com: `v=DMARC1; p=quarantine",
    );
    let shown = format!("relay smtp://127.0.0.1:{}", server.port);
    expect_line(
        &run,
        "ok",
        "smtp",
        &format!("{shown} answers and offers STARTTLS (certificate verified)"),
    );
    expect_line(&run, "ok", "smtp", &format!("{shown} accepted the login"));
    expect_line(&run, "ok", "config", "no relay webhooks are on");
    assert!(
        !run.stdout()
            .lines()
            .any(|l| l.starts_with("error") || l.starts_with("warn")),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout().ends_with("8 ok, 0 warning(s), no errors\n"),
        "{}",
        run.describe()
    );
    assert!(!format!("{}{}", run.stdout(), run.stderr()).contains(PASSWORD));
    assert!(server.received().is_empty(), "doctor sent a message");
    assert!(
        dns.questions() >= 4,
        "the DNS server was asked {} questions",
        dns.questions()
    );
}

#[test]
fn missing_spf_and_dmarc_say_what_to_add_and_exit_1() {
    let mut zone = Zone::new();
    zone.insert(DKIM_NAME.into(), vec![dkim_record(RSA_PUB)]);
    let dns = DnsServer::start(zone);
    let run = doctor(&site(""), &dns, &[], &[]);
    run.expect_code(1);
    expect_line(
        &run,
        "error",
        "spf",
        "no SPF record for example.com: add a TXT record at example.com: `v=spf1 include:<your relay's SPF domain> ~all`",
    );
    expect_line(
        &run,
        "error",
        "dmarc",
        "no DMARC record at _dmarc.example.com: add a TXT record at _dmarc.example.com: `v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com`",
    );
    expect_line(&run, "ok", "dkim", "matches");
    expect_line(
        &run,
        "warn",
        "smtp",
        "no SMTP relay is configured, so herald send writes .eml files to .herald/outbox/",
    );
    run.expect_stderr("2 error(s), 1 warning(s): fix the errors above");
}

#[test]
fn dkim_key_that_does_not_match_prints_the_record_to_publish() {
    let mut zone = good_zone();
    zone.insert(DKIM_NAME.into(), vec![dkim_record(OTHER_RSA_PUB)]);
    let dns = DnsServer::start(zone);
    let site = site("");
    let run = doctor(&site, &dns, &[], &[]);
    run.expect_code(1);
    expect_line(
        &run,
        "error",
        "dkim",
        &format!(
            "DKIM record at s1._domainkey.example.com has a different key than dkim.private_key_file (dkim.pem): publish `{}`",
            dkim_record(RSA_PUB)
        ),
    );
}

#[test]
fn malformed_records_are_errors_that_show_the_record() {
    let mut zone = good_zone();
    zone.insert(
        "example.com".into(),
        vec!["v=spf1 inclde:_spf.relay.test -all".into()],
    );
    zone.insert(
        "_dmarc.example.com".into(),
        vec!["v=DMARC1 p=reject".into()],
    );
    zone.insert(
        DKIM_NAME.into(),
        vec!["v=DKIM1; k=rsa; p=not*base64".into()],
    );
    let dns = DnsServer::start(zone);
    let run = doctor(&site(""), &dns, &["--json"], &[]);
    run.expect_code(1);
    let json: serde_json::Value = serde_json::from_str(run.stdout().trim())
        .unwrap_or_else(|e| panic!("{e}\n{}", run.describe()));
    assert_eq!(json["errors"], 3, "{json:#}");
    let messages: Vec<(String, String, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["level"].as_str().unwrap().into(),
                f["check"].as_str().unwrap().into(),
                f["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    let has = |check: &str, needle: &str| {
        assert!(
            messages
                .iter()
                .any(|(l, c, m)| l == "error" && c == check && m.contains(needle)),
            "no {check} error with {needle:?} in {messages:#?}"
        );
    };
    has(
        "spf",
        "SPF record for example.com is malformed (unknown term `inclde:_spf.relay.test`): `v=spf1 inclde:_spf.relay.test -all`",
    );
    has(
        "dmarc",
        "DMARC record at _dmarc.example.com is malformed (v= must be exactly DMARC1, found `DMARC1 p=reject`)",
    );
    has(
        "dkim",
        "DKIM record at s1._domainkey.example.com is malformed (p= is not base64",
    );
}

#[test]
fn silent_dns_server_is_a_timeout_finding_not_a_hang() {
    let dns = DnsServer::silent();
    let started = Instant::now();
    let run = doctor(&site(""), &dns, &[], &[]);
    let took = started.elapsed();
    run.expect_code(1);
    let needle = format!("DNS server {} did not answer within 2 s", dns.address);
    for check in ["spf", "dkim", "dmarc"] {
        expect_line(&run, "error", check, &needle);
    }
    assert!(dns.questions() > 0, "the resolver never asked");
    assert!(
        took < Duration::from_secs(8),
        "doctor took {took:?}\n{}",
        run.describe()
    );
}

/// A server that answers with an error code (not NXDOMAIN, which means "no record") is
/// an error on every DNS check, naming the server and what it said.
#[test]
fn dns_server_error_codes_are_findings_that_name_the_server_and_the_code() {
    for (code, said) in [
        (ResponseCode::ServFail, "Server Failure"),
        (ResponseCode::Refused, "Query Refused"),
    ] {
        let dns = DnsServer::failing(code);
        let run = doctor(&site(""), &dns, &[], &[]);
        run.expect_code(1);
        let needle = format!("DNS server {} answered {said}", dns.address);
        for check in ["spf", "dkim", "dmarc"] {
            expect_line(&run, "error", check, &needle);
        }
    }
}

#[test]
fn relay_problems_each_have_their_finding() {
    let dns = DnsServer::start(good_zone());
    let plain = SmtpServer::start(Behaviour::default());
    let (with_tls, _) = relay();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let cases = [
        (
            plain.url("?tls=required"),
            "error",
            format!(
                "relay smtp://127.0.0.1:{} answers but offers no STARTTLS, and the URL says tls=required, so herald send will fail",
                plain.port
            ),
        ),
        (
            plain.url(""),
            "warn",
            format!(
                "relay smtp://127.0.0.1:{} answers but offers no STARTTLS: fine for a mail server on this machine",
                plain.port
            ),
        ),
        (
            format!("smtp://127.0.0.1:{closed}?tls=required"),
            "error",
            format!(
                "relay smtp://127.0.0.1:{closed} unreachable: no reply (connection, TLS or timeout)"
            ),
        ),
        (
            // No ca_file: the self-signed certificate is refused.
            with_tls.url("?tls=required"),
            "error",
            format!(
                "relay smtp://127.0.0.1:{} offers STARTTLS but the TLS handshake failed",
                with_tls.port
            ),
        ),
    ];
    for (url, level, needle) in cases {
        let run = doctor(&site(""), &dns, &[], &[("HERALD_SMTP_URL", &url)]);
        expect_line(&run, level, "smtp", &needle);
        run.expect_code(if level == "error" { 1 } else { 0 });
    }
    assert!(plain.received().is_empty() && with_tls.received().is_empty());
}

#[test]
fn without_newsletter_from_there_is_nothing_to_look_up() {
    let dns = DnsServer::start(good_zone());
    let site = Site::with_config(CONFIG);
    let run = doctor(&site, &dns, &[], &[]);
    run.expect_code(1);
    expect_line(
        &run,
        "error",
        "config",
        "newsletter.from is not set, so there is no domain to check",
    );
    assert_eq!(dns.questions(), 0);
}

#[test]
fn doctor_names_the_relay_webhooks_that_are_on_and_an_unusable_key() {
    let dns = DnsServer::start(good_zone());
    let site = site(
        "serve:\n  webhooks:\n    ses_topic_arns: [\"arn:aws:sns:us-east-1:123456789012:ses-bounces\"]\n",
    );
    let run = doctor(
        &site,
        &dns,
        &[],
        &[(
            "HERALD_MAILGUN_SIGNING_KEY",
            "key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
        )],
    );
    expect_line(
        &run,
        "ok",
        "config",
        "relay webhooks on in herald serve: POST /webhooks/ses, POST /webhooks/mailgun",
    );
    let run = doctor(
        &site,
        &dns,
        &[],
        &[("HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY", "bm90IGEga2V5")],
    );
    expect_line(
        &run,
        "error",
        "config",
        "HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY is not a public key",
    );
}
