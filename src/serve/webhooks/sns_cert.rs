//! SNS's signing certificates and subscription confirmations: fetched only over https
//! from `sns.<region>.amazonaws.com` (the TLS certificate of that host checked against
//! the Mozilla roots, no redirect followed), and each certificate kept by its URL.
//!
//! Tests point herald at a local CA and host instead: `HERALD_TEST_SNS_HOST` (a
//! `host:port` allowed besides SNS's) and `HERALD_TEST_SNS_CA` (a PEM file trusted
//! besides the roots). The switch exists only in builds with debug assertions (the
//! test builds); a release build reads neither variable.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// The most certificates kept; past it the cache starts over.
const CACHE_LIMIT: usize = 32;

/// The largest certificate file read.
const CERT_LIMIT: u64 = 64 * 1024;

/// How long a fetch may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A signing certificate's RSA public key and when it expires.
#[derive(Debug, Clone)]
pub(crate) struct SigningKey {
    /// PKCS #1 `RSAPublicKey` DER.
    pub(crate) key: Vec<u8>,
    /// The certificate's `notAfter`.
    pub(crate) not_after: DateTime<Utc>,
}

/// Why a certificate or a confirmation could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// The URL is not https on an SNS host: the message is not trusted.
    Untrusted,
    /// The certificate is not an RSA certificate valid now.
    BadCertificate(String),
    /// SNS could not be reached, or answered with an error.
    Unreachable(String),
}

/// The certificates fetched so far, by URL, and the HTTP agent.
pub(crate) struct Certificates {
    cache: Mutex<HashMap<String, Arc<SigningKey>>>,
    agent: ureq::Agent,
}

impl Certificates {
    pub(crate) fn new() -> Certificates {
        let tls = match test_ca() {
            Some(ca) => ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![ca])))
                .build(),
            None => ureq::tls::TlsConfig::default(),
        };
        let agent = ureq::Agent::config_builder()
            .https_only(true)
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .tls_config(tls)
            .user_agent(concat!("herald/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Certificates {
            cache: Mutex::new(HashMap::new()),
            agent,
        }
    }

    /// The key of the certificate at `url` when it is in the cache and still valid.
    pub(crate) fn cached(&self, url: &str, now: DateTime<Utc>) -> Option<Arc<SigningKey>> {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(url)
            .filter(|k| k.not_after > now)
            .cloned()
    }

    /// The key of the certificate at `url`, from the cache or fetched (blocking).
    pub(crate) fn key(&self, url: &str, now: DateTime<Utc>) -> Result<Arc<SigningKey>, FetchError> {
        if let Some(key) = self.cached(url, now) {
            return Ok(key);
        }
        let parsed = trusted(url).ok_or(FetchError::Untrusted)?;
        let pem = self.get(&parsed, CERT_LIMIT)?;
        let key = Arc::new(signing_key(&pem, now)?);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(url.to_string(), Arc::clone(&key));
        Ok(key)
    }

    /// Confirms a subscription: GET of its `SubscribeURL` (blocking).
    pub(crate) fn confirm(&self, subscribe_url: &str) -> Result<(), FetchError> {
        let url = trusted(subscribe_url).ok_or(FetchError::Untrusted)?;
        self.get(&url, CERT_LIMIT).map(drop)
    }

    fn get(&self, url: &url::Url, limit: u64) -> Result<Vec<u8>, FetchError> {
        let unreachable = |e: ureq::Error| FetchError::Unreachable(e.to_string());
        let mut response = self.agent.get(url.as_str()).call().map_err(unreachable)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(FetchError::Unreachable(format!(
                "SNS answered HTTP {status}"
            )));
        }
        response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(unreachable)
    }
}

/// `url` parsed, when it is https on `sns.<region>.amazonaws.com` (default port, no
/// user, no fragment), or on the test host in a test build.
pub(crate) fn trusted(url: &str) -> Option<url::Url> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if parsed.scheme() != "https"
        || !parsed.username().is_empty()
        || parsed.password().is_some()
        || parsed.fragment().is_some()
    {
        return None;
    }
    let host = parsed.host_str()?;
    let sns = parsed.port().is_none()
        && host
            .strip_prefix("sns.")
            .and_then(|rest| rest.strip_suffix(".amazonaws.com"))
            .is_some_and(is_region);
    let authority = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    (sns || test_host().is_some_and(|allowed| allowed == authority)).then_some(parsed)
}

/// An AWS region name: `us-east-1`, `ap-southeast-2`, `us-gov-west-1`.
fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// The RSA key of the first certificate in `pem`, when it is valid at `now`.
fn signing_key(pem: &[u8], now: DateTime<Utc>) -> Result<SigningKey, FetchError> {
    let bad = |why: &str| FetchError::BadCertificate(why.to_string());
    let der = ureq::tls::parse_pem(pem)
        .find_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert.der().to_vec()),
            _ => None,
        })
        .ok_or_else(|| bad("no PEM certificate at SigningCertURL"))?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| FetchError::BadCertificate(format!("not an X.509 certificate ({e})")))?;
    let validity = cert.validity();
    let (from, until) = (
        validity.not_before.timestamp(),
        validity.not_after.timestamp(),
    );
    if now.timestamp() < from || now.timestamp() > until {
        return Err(bad("the signing certificate is expired or not yet valid"));
    }
    let spki = cert.public_key();
    if spki.algorithm.algorithm != x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION {
        return Err(bad("the signing certificate's key is not RSA"));
    }
    Ok(SigningKey {
        key: spki.subject_public_key.data.to_vec(),
        not_after: DateTime::from_timestamp(until, 0).unwrap_or(now),
    })
}

/// `HERALD_TEST_SNS_HOST`, in a test build.
#[cfg(debug_assertions)]
fn test_host() -> Option<String> {
    std::env::var("HERALD_TEST_SNS_HOST").ok()
}

/// A release build allows SNS's hosts only.
#[cfg(not(debug_assertions))]
fn test_host() -> Option<String> {
    None
}

/// The certificate in the PEM file `HERALD_TEST_SNS_CA`, in a test build.
#[cfg(debug_assertions)]
fn test_ca() -> Option<ureq::tls::Certificate<'static>> {
    let path = std::env::var_os("HERALD_TEST_SNS_CA")?;
    let pem = std::fs::read(&path).ok()?;
    ureq::tls::Certificate::from_pem(&pem).ok()
}

/// A release build trusts the Mozilla roots only.
#[cfg(not(debug_assertions))]
fn test_ca() -> Option<ureq::tls::Certificate<'static>> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_on_an_sns_host_is_trusted() {
        for url in [
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
            "https://sns.ap-southeast-2.amazonaws.com/x.pem",
            "https://sns.us-gov-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=t",
        ] {
            assert!(trusted(url).is_some(), "{url}");
        }
        for url in [
            "http://sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com.evil.example/x.pem",
            "https://evil.example/sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com:8443/x.pem",
            "https://user@sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.amazonaws.com/x.pem",
            "https://sns.evil.amazonaws.com/x.pem",
            "https://xsns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.evil.amazonaws.com/x.pem",
            "https://s3.amazonaws.com/sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com/x.pem#frag",
            "not a url",
        ] {
            assert!(trusted(url).is_none(), "{url}");
        }
    }
}
