//! DKIM: messages signed by herald (RSA and Ed25519 keys) pass an independent
//! verifier, the `mail-auth` crate, given the public key as its DNS record; a message
//! changed after signing fails, so the check can fail.

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
use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::Site;

/// A TXT cache holding the one DKIM record, so the verifier asks no DNS server.
struct Records(Mutex<std::collections::HashMap<String, Txt>>);

impl ResolverCache<String, Txt> for Records {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().get(name).cloned()
    }

    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().remove(name)
    }

    fn insert(&self, key: String, value: Txt, _: std::time::Instant) {
        self.0.lock().unwrap().insert(key, value);
    }
}

/// The DKIM results mail-auth gives `message` with `record` at s1._domainkey.example.com.
fn verify(message: &[u8], record: &str) -> Vec<DkimResult> {
    let records = Records(Mutex::new(
        [(
            "s1._domainkey.example.com.".to_string(),
            Txt::from(DomainKey::parse(record.as_bytes()).expect("DKIM record parses")),
        )]
        .into(),
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let authenticator =
            MessageAuthenticator::new(ResolverConfig::default(), ResolverOpts::default())
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
