//! DKIM: messages signed by herald (RSA and Ed25519 keys) pass an independent
//! verifier, the `mail-auth` crate, given the public key as its DNS record; a message
//! changed after signing fails, so the check can fail. Issues (`herald send`) and
//! `herald serve`'s sign-up confirmation mails alike.

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::Mutex;

use mail_auth::common::parse::TxtRecordParser;

use mail_auth::common::verify::DomainKey;
use mail_auth::hickory_resolver::config::{ResolverConfig, ResolverOpts};
use mail_auth::{
    AuthenticatedMessage, DkimResult, MessageAuthenticator, Parameters, ResolverCache, Txt,
};

use crate::newsletter::{config_with, full_article, herald, subscribe};
use crate::serve::{ENV, confirm_path, expect, wait_for_mail};
use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::Site;

/// A TXT cache holding the one DKIM record, so the verifier asks no DNS server (with
/// mail-auth's "test" feature, a name missing from the cache is NXDOMAIN, never a query).
struct Records(Mutex<std::collections::HashMap<Box<str>, Txt>>);

impl ResolverCache<Box<str>, Txt> for Records {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().get(name).cloned()
    }

    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().remove(name)
    }

    fn insert(&self, key: Box<str>, value: Txt, _: std::time::Instant) {
        self.0.lock().unwrap().insert(key, value);
    }
}

/// The DKIM results mail-auth gives `message` with `record` at s1._domainkey.example.com.
fn verify(message: &[u8], record: &str) -> Vec<DkimResult> {
    let records = Records(Mutex::new(
        [(
            "s1._domainkey.example.com.".into(),
            Txt::from(DomainKey::parse(record.as_bytes()).expect("DKIM record parses")),
        )]
        .into(),
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let authenticator = MessageAuthenticator::new(
            ResolverConfig::from_name_servers(Vec::new()),
            ResolverOpts::default(),
        )
        .expect("resolver without servers");
        let message = AuthenticatedMessage::parse(message).expect("mail-auth parses the message");
        let parameters = Parameters::new(&message).with_txt_cache(&records);
        authenticator
            .verify_dkim(parameters)
            .await
            .into_iter()
            .map(|output| output.result().clone())
            .collect()
    })
}

fn signed_message(key_file: &str, key: &str) -> Vec<u8> {
    let server = SmtpServer::start(Behaviour::default());
    let smtp = format!("smtp:\n  url: \"{}\"\n", server.url(""));
    let dkim = format!(
        "  dkim:\n    domain: example.com\n    selector: s1\n    private_key_file: {key_file}\n"
    );
    let site = Site::with_config(&config_with(&dkim, &smtp));
    site.write(key_file, key);
    full_article(&site, "one", "'One: signed'", "2025-12-01");
    subscribe(&site, &["reader@example.org"]);
    herald(&site, &["send"], &[]).expect_code(0);
    let received = server.received();
    assert_eq!(received.len(), 1);
    received[0].data.clone()
}

#[test]
fn dkim_signatures_verify_with_an_independent_verifier() {
    let cases = [
        (
            "dkim-rsa.pem",
            include_str!("fixtures/dkim-rsa.pem"),
            format!(
                "v=DKIM1; k=rsa; p={}",
                include_str!("fixtures/dkim-rsa.pub.b64").trim()
            ),
        ),
        (
            "dkim-ed25519.key",
            include_str!("fixtures/dkim-ed25519.key"),
            format!(
                "v=DKIM1; k=ed25519; p={}",
                include_str!("fixtures/dkim-ed25519.pub.b64").trim()
            ),
        ),
    ];
    for (file, key, record) in cases {
        let message = signed_message(file, key);
        let text = String::from_utf8_lossy(&message);
        assert!(
            text.contains("DKIM-Signature:"),
            "{file}: not signed\n{text}"
        );
        assert_eq!(verify(&message, &record), [DkimResult::Pass], "{file}");

        let tampered = text.replacen("One: signed", "One: forged", 1);
        assert_ne!(tampered, text, "the title is in the signed headers");
        let results = verify(tampered.as_bytes(), &record);
        assert!(
            results.iter().all(|r| *r != DkimResult::Pass),
            "{file}: a changed message still passes: {results:?}"
        );
    }
}

/// The confirmation mail `herald serve` sends for a sign-up, with `newsletter_extra`
/// (DKIM or nothing) in the config.
fn confirmation_mail(newsletter_extra: &str, key: Option<(&str, &str)>) -> Vec<u8> {
    let smtp = SmtpServer::start(Behaviour::default());
    let rest = format!(
        "serve:\n  public_url: \"http://news.example.test/\"\nsmtp:\n  url: \"{}\"\n",
        smtp.url("")
    );
    let site = Site::with_config(&config_with(newsletter_extra, &rest));
    if let Some((file, key)) = key {
        site.write(file, key);
    }
    let server = site.serve(ENV);
    let reply = server.post("/subscribe", "email=new%40example.org&name=New+Reader");
    expect(&reply, 200, "Check your inbox", &server);
    let mail = wait_for_mail(&smtp, 1);
    assert_eq!(mail[0].to, ["new@example.org"]);
    assert_eq!(mail[0].from, "news@example.com");
    let data = mail[0].data.clone();
    // The link is there and works as before.
    confirm_path(&data);
    data
}

/// Confirmation mails were once built apart from the issues' composer, and so never
/// signed: now they carry the same headers and the same DKIM signature.
#[test]
fn confirmation_mails_are_dkim_signed_when_dkim_is_on() {
    let record = format!(
        "v=DKIM1; k=rsa; p={}",
        include_str!("fixtures/dkim-rsa.pub.b64").trim()
    );
    let dkim =
        "  dkim:\n    domain: example.com\n    selector: s1\n    private_key_file: dkim-rsa.pem\n";
    let message = confirmation_mail(
        dkim,
        Some(("dkim-rsa.pem", include_str!("fixtures/dkim-rsa.pem"))),
    );
    let text = String::from_utf8_lossy(&message).into_owned();
    let headers = text.split("\r\n\r\n").next().unwrap_or_default();
    assert!(headers.contains("DKIM-Signature:"), "not signed\n{text}");
    assert!(
        headers.contains("Message-ID: <confirm-") && headers.contains("@example.com>"),
        "the Message-ID is herald's, on the From domain\n{headers}"
    );
    assert!(
        headers.contains("Reply-To: editors@example.com"),
        "{headers}"
    );
    assert!(
        headers.contains("Content-Transfer-Encoding: quoted-printable"),
        "{headers}"
    );
    assert!(
        !headers.contains("List-Unsubscribe"),
        "the address is on no list yet\n{headers}"
    );
    assert_eq!(verify(&message, &record), [DkimResult::Pass], "{text}");

    let tampered = text.replacen("Confirm your subscription to", "Confirm your order at", 1);
    assert_ne!(tampered, text, "the subject is in the signed headers");
    let results = verify(tampered.as_bytes(), &record);
    assert!(
        results.iter().all(|r| *r != DkimResult::Pass),
        "a changed message still passes: {results:?}"
    );

    let unsigned = confirmation_mail("", None);
    let text = String::from_utf8_lossy(&unsigned);
    assert!(!text.contains("DKIM-Signature:"), "{text}");
    assert!(text.contains("Message-ID: <confirm-"), "{text}");
}
