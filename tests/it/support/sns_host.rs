//! A local stand-in for SNS's https host: a CA made here, an RSA signing certificate
//! it issued (what `SigningCertURL` names), and a TLS server on 127.0.0.1, with a
//! certificate from the same CA, that answers GET of the signing certificate and of a
//! `SubscribeURL` and records each request. `herald serve` is pointed at it with the
//! test-only `HERALD_TEST_SNS_HOST` and `HERALD_TEST_SNS_CA`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use base64::Engine;
use rsa::pkcs8::EncodePrivateKey;

/// Where the signing certificate is served.
const CERT_PATH: &str = "/SimpleNotificationService-0000000000000000000000.pem";

/// The running host.
pub struct SnsHost {
    /// `127.0.0.1:PORT`.
    pub authority: String,
    /// The CA certificate, PEM.
    pub ca_file: PathBuf,
    signing_key: rsa::RsaPrivateKey,
    requests: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

/// DER `DigestInfo` prefixes (RFC 8017, 9.2) of SHA-1 and SHA-256.
const SHA1_PREFIX: &[u8] = &[
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];
const SHA256_PREFIX: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

impl SnsHost {
    /// Makes the CA, the RSA signing certificate and the TLS certificate, and starts
    /// serving.
    pub fn start() -> SnsHost {
        let dir = tempfile::tempdir().expect("temporary folder");
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "herald test CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();

        // The signing certificate: RSA 2048, as SNS's.
        let signing_key =
            rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key");
        let pkcs8 = signing_key.to_pkcs8_der().expect("PKCS #8");
        let signing_pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &pkcs8.as_bytes().into(),
            &rcgen::PKCS_RSA_SHA256,
        )
        .expect("RSA key pair");
        let mut signing_params =
            rcgen::CertificateParams::new(vec!["sns.amazonaws.com".to_string()]).unwrap();
        signing_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "sns.amazonaws.com");
        let signing_cert = signing_params
            .signed_by(&signing_pair, &ca)
            .expect("signing certificate");

        let tls_key = rcgen::KeyPair::generate().expect("TLS key");
        let tls_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        let tls_cert = tls_params
            .signed_by(&tls_key, &ca)
            .expect("TLS certificate");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![tls_cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(tls_key.serialize_der().into()),
        )
        .expect("TLS config");
        let config = Arc::new(config);

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let pem = signing_cert.pem();
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let config = Arc::clone(&config);
                let pem = pem.clone();
                let log = Arc::clone(&log);
                std::thread::spawn(move || answer(stream, config, &pem, &log));
            }
        });
        SnsHost {
            authority,
            ca_file,
            signing_key,
            requests,
            _dir: dir,
        }
    }

    /// The `SigningCertURL`.
    pub fn cert_url(&self) -> String {
        format!("https://{}{CERT_PATH}", self.authority)
    }

    /// A `SubscribeURL` on this host for `topic`.
    pub fn subscribe_url(&self, topic: &str, token: &str) -> String {
        format!(
            "https://{}/?Action=ConfirmSubscription&TopicArn={topic}&Token={token}",
            self.authority
        )
    }

    /// The environment that points `herald serve` here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("HERALD_TEST_SNS_HOST", self.authority.clone()),
            (
                "HERALD_TEST_SNS_CA",
                self.ca_file.to_string_lossy().into_owned(),
            ),
        ]
    }

    /// Base64 of the RSA PKCS #1 v1.5 signature of `text`: SHA-1 for `SignatureVersion`
    /// 1, SHA-256 for 2.
    pub fn sign(&self, text: &str, version: u8) -> String {
        let (prefix, algorithm) = match version {
            1 => (SHA1_PREFIX, &ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
            _ => (SHA256_PREFIX, &ring::digest::SHA256),
        };
        let digest = ring::digest::digest(algorithm, text.as_bytes());
        let mut info = prefix.to_vec();
        info.extend_from_slice(digest.as_ref());
        let signature = self
            .signing_key
            .sign(rsa::Pkcs1v15Sign::new_unprefixed(), &info)
            .expect("RSA signature");
        base64::engine::general_purpose::STANDARD.encode(signature)
    }

    /// The paths (with queries) requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// One connection: one GET, answered and closed.
fn answer(
    stream: std::net::TcpStream,
    config: Arc<rustls::ServerConfig>,
    pem: &str,
    log: &Mutex<Vec<String>>,
) {
    let Ok(connection) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(connection, stream);
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split_whitespace().nth(1).unwrap_or("").to_string();
    log.lock().unwrap().push(path.clone());
    let (status, body) = if path == CERT_PATH {
        ("200 OK", pem.to_string())
    } else if path.starts_with("/?Action=ConfirmSubscription") {
        ("200 OK", "<ConfirmSubscriptionResponse/>".to_string())
    } else {
        ("404 Not Found", String::new())
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tls.write_all(reply.as_bytes());
    tls.conn.send_close_notify();
    let _ = tls.flush();
}
