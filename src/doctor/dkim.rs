//! DKIM (RFC 6376, RFC 8463): the public key published at
//! `<selector>._domainkey.<domain>` must be the one that goes with
//! `newsletter.dkim.private_key_file`; the fix is the exact record to publish.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;

use super::{Answer, Check, Dns, Level, Report, tags};
use crate::config::Dkim;
use crate::mail::compose::DkimKey;

/// A DKIM public key, as it goes in the record's `p=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PublicKey {
    /// The RSA modulus and exponent, with the key's size in bits.
    Rsa(rsa::RsaPublicKey),
    /// The 32 bytes of an Ed25519 public key.
    Ed25519([u8; 32]),
}

impl PublicKey {
    /// The public half of a key file herald can sign with: PKCS#1 PEM RSA, or an
    /// Ed25519 key as the base64 of its 32 bytes. `Err` says what is wrong.
    pub(super) fn from_private(text: &str) -> Result<PublicKey, String> {
        if text.contains("-----BEGIN") {
            let key = rsa::RsaPrivateKey::from_pkcs1_pem(text.trim())
                .map_err(|e| format!("not a PKCS#1 RSA key ({e})"))?;
            return Ok(PublicKey::Rsa(key.to_public_key()));
        }
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|e| format!("not base64 ({e})"))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("{} bytes, not 32", b.len()))?;
        let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
        Ok(PublicKey::Ed25519(signing.verifying_key().to_bytes()))
    }

    /// `rsa` or `ed25519`, as in the record's `k=`.
    fn kind(&self) -> &'static str {
        match self {
            PublicKey::Rsa(_) => "rsa",
            PublicKey::Ed25519(_) => "ed25519",
        }
    }

    /// The record to publish: `v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>`.
    pub(super) fn record(&self) -> String {
        let p = match self {
            PublicKey::Rsa(key) => STANDARD.encode(
                key.to_public_key_der()
                    .expect("an RSA public key always encodes")
                    .as_bytes(),
            ),
            PublicKey::Ed25519(bytes) => STANDARD.encode(bytes),
        };
        format!("v=DKIM1; k={}; p={p}", self.kind())
    }

    /// A record's `p=` read as a key of the same kind as `self`.
    fn decode_like(&self, p: &str) -> Result<PublicKey, String> {
        let compact: String = p.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = STANDARD
            .decode(&compact)
            .map_err(|e| format!("p= is not base64 ({e})"))?;
        match self {
            PublicKey::Rsa(_) => rsa::RsaPublicKey::from_public_key_der(&bytes)
                .or_else(|_| rsa::RsaPublicKey::from_pkcs1_der(&bytes))
                .map(PublicKey::Rsa)
                .map_err(|e| format!("p= is not an RSA public key ({e})")),
            PublicKey::Ed25519(_) => bytes
                .try_into()
                .map(PublicKey::Ed25519)
                .map_err(|b: Vec<u8>| format!("p= has {} bytes, an Ed25519 key has 32", b.len())),
        }
    }
}

/// Checks the DKIM record for `settings` against its private key file.
pub(super) fn check(settings: &Dkim, from_domain: &str, dns: &dyn Dns, report: &mut Report) {
    let file = settings.private_key_file.display();
    let key = match read_key(settings) {
        Ok(key) => key,
        Err(problem) => {
            report.push(Level::Error, Check::Dkim, format!("{file}: {problem}"));
            return;
        }
    };
    alignment(settings, from_domain, report);
    strength(&key, &file.to_string(), report);
    let name = format!("{}._domainkey.{}", settings.selector, settings.domain);
    let publish = key.record();
    let records = match dns.txt(&name) {
        Answer::Records(records) => records,
        Answer::Missing => {
            report.push(
                Level::Error,
                Check::Dkim,
                format!("no DKIM record at {name}: publish a TXT record there: `{publish}`"),
            );
            return;
        }
        Answer::Failed(why) => {
            report.push(
                Level::Error,
                Check::Dkim,
                format!("could not look up {name}: {why}"),
            );
            return;
        }
    };
    let level_and_message = judge(&records, &key, &name, &file.to_string(), &publish);
    report.push(level_and_message.0, Check::Dkim, level_and_message.1);
}

/// The private key, read and parsed the way `herald send` does, then its public half.
fn read_key(settings: &Dkim) -> Result<PublicKey, String> {
    let path = &settings.private_key_file;
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!("cannot read dkim.private_key_file ({e}); check the path in herald.yaml")
    })?;
    DkimKey::parse(&settings.domain, &settings.selector, &text, path).map_err(|e| match e {
        crate::Error::Newsletter { message, .. } => message,
        other => other.to_string(),
    })?;
    PublicKey::from_private(&text)
}

/// DMARC passes on DKIM only when `d=` is the `From:` domain or a parent of it (or a
/// subdomain of the same organisation).
fn alignment(settings: &Dkim, from_domain: &str, report: &mut Report) {
    let d = settings.domain.trim_end_matches('.').to_ascii_lowercase();
    let from = from_domain.to_ascii_lowercase();
    let aligned = from == d || from.ends_with(&format!(".{d}")) || d.ends_with(&format!(".{from}"));
    if !aligned {
        report.push(
            Level::Warn,
            Check::Dkim,
            format!("newsletter.dkim.domain is {d} but mail is from {from}: DMARC only counts a signature aligned with the From: domain; sign with domain: {from}"),
        );
    }
}

/// RSA under 1024 bits is ignored by receivers; 1024 is weak.
fn strength(key: &PublicKey, file: &str, report: &mut Report) {
    if let PublicKey::Rsa(rsa) = key {
        let bits = rsa.n().bits();
        let fix = "generate a 2048-bit key (`openssl genrsa -traditional -out dkim.pem 2048`) and publish its record";
        if bits < 1024 {
            report.push(
                Level::Error,
                Check::Dkim,
                format!("{file}: a {bits}-bit RSA key, which receivers ignore: {fix}"),
            );
        } else if bits < 2048 {
            report.push(
                Level::Warn,
                Check::Dkim,
                format!("{file}: a {bits}-bit RSA key is weak: {fix}"),
            );
        }
    }
}

/// The finding for the TXT records at `name`, given the key they should hold.
fn judge(
    records: &[String],
    key: &PublicKey,
    name: &str,
    file: &str,
    publish: &str,
) -> (Level, String) {
    let candidates: Vec<&String> = records
        .iter()
        .filter(|r| {
            let lower = r.to_ascii_lowercase();
            lower.contains("p=") || lower.trim_start().starts_with("v=dkim1")
        })
        .collect();
    let record = match candidates.as_slice() {
        [] => {
            return (
                Level::Error,
                format!("no DKIM record at {name} (only other TXT records): publish `{publish}`"),
            );
        }
        [one] => one.as_str(),
        _ => {
            return (
                Level::Error,
                format!(
                    "{} DKIM records at {name}, receivers may pick either: keep only `{publish}`",
                    candidates.len()
                ),
            );
        }
    };
    let malformed = |problem: String| {
        (
            Level::Error,
            format!(
                "DKIM record at {name} is malformed ({problem}): `{record}`; publish `{publish}`"
            ),
        )
    };
    let tags = match tags::parse(record) {
        Ok(tags) => tags,
        Err(problem) => return malformed(problem),
    };
    if let Some(v) = tags::get(&tags, "v")
        && (v != "DKIM1" || tags[0].0 != "v")
    {
        return malformed(format!("v= must come first and be DKIM1, found `{v}`"));
    }
    let kind = tags::get(&tags, "k").unwrap_or("rsa");
    let Some(p) = tags::get(&tags, "p") else {
        return malformed("no p= tag".into());
    };
    if p.is_empty() {
        return (
            Level::Error,
            format!("DKIM record at {name} is revoked (empty p=): publish `{publish}`"),
        );
    }
    if !kind.eq_ignore_ascii_case(key.kind()) {
        return (
            Level::Error,
            format!(
                "DKIM record at {name} holds a k={kind} key but dkim.private_key_file ({file}) is {}: publish `{publish}`",
                key.kind()
            ),
        );
    }
    if let Some(h) = tags::get(&tags, "h")
        && !h
            .split(':')
            .any(|a| a.trim().eq_ignore_ascii_case("sha256"))
    {
        return (
            Level::Error,
            format!(
                "DKIM record at {name} allows h={h} but herald signs with sha256: publish `{publish}`"
            ),
        );
    }
    let published = match key.decode_like(p) {
        Ok(published) => published,
        Err(problem) => return malformed(problem),
    };
    if published != *key {
        return (
            Level::Error,
            format!(
                "DKIM record at {name} has a different key than dkim.private_key_file ({file}): publish `{publish}`"
            ),
        );
    }
    let testing = tags::get(&tags, "t").is_some_and(|t| t.split(':').any(|f| f.trim() == "y"));
    if testing {
        return (
            Level::Warn,
            format!(
                "DKIM record at {name} matches {file} but has t=y (testing), so receivers may treat signatures as unsigned: remove t=y once mail verifies"
            ),
        );
    }
    (
        Level::Ok,
        format!(
            "DKIM record at {name} matches dkim.private_key_file ({}{})",
            key.kind(),
            bits(key)
        ),
    )
}

fn bits(key: &PublicKey) -> String {
    match key {
        PublicKey::Rsa(rsa) => format!(", {} bits", rsa.n().bits()),
        PublicKey::Ed25519(_) => String::new(),
    }
}

/// Without `newsletter.dkim`, herald does not sign: fine only if the relay signs for
/// the domain.
pub(super) fn not_configured(from_domain: &str, report: &mut Report) {
    report.push(
        Level::Warn,
        Check::Dkim,
        format!("newsletter.dkim is not set, so herald does not sign: Gmail and Yahoo require DKIM aligned with {from_domain}; add a `dkim:` section (see docs/deliverability.md), unless your relay signs with d={from_domain}"),
    );
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::doctor::testing::{Zone, findings};

    const RSA: &str = include_str!("../../tests/it/fixtures/dkim-rsa.pem");
    const RSA_PUB: &str = include_str!("../../tests/it/fixtures/dkim-rsa.pub.b64");
    const ED: &str = include_str!("../../tests/it/fixtures/dkim-ed25519.key");
    const ED_PUB: &str = include_str!("../../tests/it/fixtures/dkim-ed25519.pub.b64");

    #[test]
    fn public_keys_derived_from_the_private_key_files() {
        let rsa = PublicKey::from_private(RSA).unwrap();
        assert_eq!(
            rsa.record(),
            format!("v=DKIM1; k=rsa; p={}", RSA_PUB.trim())
        );
        let ed = PublicKey::from_private(ED).unwrap();
        assert_eq!(
            ed.record(),
            format!("v=DKIM1; k=ed25519; p={}", ED_PUB.trim())
        );
    }

    fn run(key: &str, zone: Zone) -> Vec<(Level, String)> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dkim.key");
        std::fs::write(&file, key).unwrap();
        let settings = Dkim {
            domain: "example.com".into(),
            selector: "s1".into(),
            private_key_file: file,
        };
        let mut report = Report::default();
        check(&settings, "example.com", &zone, &mut report);
        findings(report)
    }

    #[test]
    fn records_judged_against_the_key() {
        let name = "s1._domainkey.example.com";
        let rsa_record = format!("v=DKIM1; k=rsa; p={}", RSA_PUB.trim());
        let ed_record = format!("v=DKIM1; k=ed25519; p={}", ED_PUB.trim());
        // A record split over several strings and lines, without v= and k=, still matches.
        let other_ed = format!("v=DKIM1; k=ed25519; p={}", STANDARD.encode([7u8; 32]));
        let loose = format!("p={} {}", &RSA_PUB.trim()[..100], &RSA_PUB.trim()[100..]);
        let cases: Vec<(&str, Zone, Level, String)> = vec![
            (
                RSA,
                Zone::default().with(name, &[&rsa_record]),
                Level::Ok,
                "matches dkim.private_key_file (rsa, 2048 bits)".into(),
            ),
            (
                RSA,
                Zone::default().with(name, &[&loose]),
                Level::Ok,
                "matches".into(),
            ),
            (
                ED,
                Zone::default().with(name, &[&ed_record]),
                Level::Ok,
                "matches dkim.private_key_file (ed25519)".into(),
            ),
            (
                RSA,
                Zone::default(),
                Level::Error,
                format!("no DKIM record at {name}: publish a TXT record there: `{rsa_record}`"),
            ),
            (
                RSA,
                Zone::default().with(name, &[&ed_record]),
                Level::Error,
                "holds a k=ed25519 key".into(),
            ),
            (
                ED,
                Zone::default().with(name, &[&other_ed]),
                Level::Error,
                "has a different key than dkim.private_key_file (".into(),
            ),
            (
                RSA,
                Zone::default().with(name, &["v=DKIM1; k=rsa; p=###"]),
                Level::Error,
                "is malformed (p= is not base64".into(),
            ),
            (
                RSA,
                Zone::default().with(name, &["v=DKIM1; k=rsa; p"]),
                Level::Error,
                "is malformed (`p` is not name=value)".into(),
            ),
            (
                RSA,
                Zone::default().with(name, &["k=rsa; v=DKIM1; p=AAAA"]),
                Level::Error,
                "v= must come first".into(),
            ),
            (
                RSA,
                Zone::default().with(name, &["v=DKIM1; p="]),
                Level::Error,
                "revoked".into(),
            ),
            (
                RSA,
                Zone::default().with(name, &[&format!("{rsa_record}; t=y")]),
                Level::Warn,
                "t=y".into(),
            ),
            (
                RSA,
                Zone::default().with(name, &[&format!("{rsa_record}; h=sha1")]),
                Level::Error,
                "h=sha1".into(),
            ),
            (
                RSA,
                Zone::default().failing(name, "timed out"),
                Level::Error,
                format!("could not look up {name}: timed out"),
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                Zone::default(),
                Level::Error,
                "not PKCS#1 RSA".into(),
            ),
        ];
        for (key, zone, level, needle) in cases {
            let found = run(key, zone);
            assert!(
                found
                    .iter()
                    .any(|(l, m)| *l == level && m.contains(&needle)),
                "{needle:?} at {level:?} not in {found:#?}"
            );
        }
        // The mismatch names the record to publish.
        let other = run(
            RSA,
            Zone::default().with(name, &[&ed_record.replace("ed25519", "rsa")]),
        );
        assert!(
            other.iter().any(|(_, m)| m.contains(&rsa_record)),
            "{other:#?}"
        );
    }

    #[test]
    fn misaligned_domain_is_a_warning() {
        let mut report = Report::default();
        let settings = Dkim {
            domain: "mail.other.net".into(),
            selector: "s".into(),
            private_key_file: PathBuf::new(),
        };
        alignment(&settings, "example.com", &mut report);
        assert_eq!(report.count(Level::Warn), 1);
        let mut aligned = Report::default();
        alignment(
            &Dkim {
                domain: "example.com".into(),
                ..settings
            },
            "news.example.com",
            &mut aligned,
        );
        assert!(aligned.findings.is_empty());
    }
}
