//! Where messages go: an SMTP relay through a pool of connections, or `.eml` files in
//! an outbox folder when no relay is configured.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};

use super::failure::{AttemptError, SmtpFailure};
use crate::error::{Error, Result};

/// Something that takes a finished message for one recipient.
pub(crate) trait Deliver: Sync {
    /// Hands over one message; `Ok` means accepted (SMTP 250, or written to disk).
    fn deliver(&self, envelope: &Envelope, message: &[u8]) -> Result<(), AttemptError>;

    /// Where messages go, for messages: `smtp://host:port` or the outbox folder. Never
    /// carries credentials.
    fn describe(&self) -> String;
}

/// How to reach the relay. The URL and password are secrets: they are never printed.
#[derive(Clone)]
pub(crate) struct SmtpSettings {
    /// lettre URL form, e.g. `smtp://user@mail.example.com:587?tls=required`.
    pub url: String,
    /// The password (`HERALD_SMTP_PASSWORD`); overrides one in the URL.
    pub password: Option<String>,
    /// Pooled connections.
    pub concurrency: usize,
    /// Seconds to wait for each server reply.
    pub timeout: Duration,
    /// A PEM certificate to trust besides the usual roots (e.g. a private relay's CA).
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("server", &redact(&self.url))
            .field("concurrency", &self.concurrency)
            .field("timeout", &self.timeout)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

/// An SMTP relay reached through a pool of connections.
pub(crate) struct Smtp {
    transport: SmtpTransport,
    server: String,
}

impl Smtp {
    /// Prepares the pool; connections open on first use.
    pub(crate) fn new(settings: &SmtpSettings) -> Result<Smtp> {
        let server = redact(&settings.url);
        let fail = |message: String| Error::Smtp {
            server: server.clone(),
            failure: SmtpFailure::Connection { message },
        };
        let parsed = url::Url::parse(&settings.url).map_err(|e| {
            fail(format!(
                "the SMTP URL is not a URL ({e}); use e.g. smtp://mail.example.com:587?tls=required"
            ))
        })?;
        let mut builder = SmtpTransport::from_url(&settings.url)
            .map_err(|e| fail(format!("the SMTP URL is not usable: {e}")))?;
        if let Some(password) = &settings.password {
            let user = percent_decode(parsed.username());
            if user.is_empty() {
                return Err(fail("HERALD_SMTP_PASSWORD is set but the SMTP URL names no user; use smtp://USER@host:port".into()));
            }
            builder = builder.credentials(Credentials::new(user, password.clone()));
        }
        if let Some(ca_file) = &settings.ca_file {
            builder = builder.tls(tls_with_ca(&parsed, ca_file, &server)?);
        }
        let transport = builder
            .timeout(Some(settings.timeout))
            .pool_config(PoolConfig::new().max_size(settings.concurrency.max(1) as u32))
            .build();
        Ok(Smtp { transport, server })
    }

    /// Opens one connection (EHLO, STARTTLS, AUTH) to check the settings before any
    /// recipient is marked `sending`.
    pub(crate) fn check(&self) -> Result<()> {
        match self.transport.test_connection() {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::Smtp {
                server: self.server.clone(),
                failure: SmtpFailure::Connection {
                    message: "the server did not answer NOOP".into(),
                },
            }),
            Err(e) => Err(Error::Smtp {
                server: self.server.clone(),
                failure: SmtpFailure::from_lettre(&e),
            }),
        }
    }
}

impl Deliver for Smtp {
    fn deliver(&self, envelope: &Envelope, message: &[u8]) -> Result<(), AttemptError> {
        self.transport
            .send_raw(envelope, message)
            .map(|_| ())
            .map_err(|e| SmtpFailure::from_lettre(&e).into())
    }

    fn describe(&self) -> String {
        self.server.clone()
    }
}

/// The TLS mode the URL asks for, with `ca_file` trusted as well.
fn tls_with_ca(url: &url::Url, ca_file: &Path, server: &str) -> Result<Tls> {
    let pem = std::fs::read(ca_file).map_err(|e| Error::io(ca_file, e))?;
    let certificate = Certificate::from_pem(&pem)
        .map_err(|e| Error::newsletter(ca_file, format!("not a PEM certificate: {e}")))?;
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_string();
    let parameters = TlsParameters::builder(host)
        .add_root_certificate(certificate)
        .build()
        .map_err(|e| Error::Smtp {
            server: server.to_string(),
            failure: SmtpFailure::Connection {
                message: format!("TLS setup: {e}"),
            },
        })?;
    let mode = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    Ok(match (url.scheme(), mode.as_deref()) {
        ("smtps", _) => Tls::Wrapper(parameters),
        (_, Some("required")) => Tls::Required(parameters),
        (_, Some("opportunistic")) => Tls::Opportunistic(parameters),
        _ => Tls::None,
    })
}

/// `smtp://host:port` from a URL that may carry a user and password.
pub(crate) fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(url) => {
            let host = url.host_str().unwrap_or("?");
            match url.port() {
                Some(port) => format!("{}://{host}:{port}", url.scheme()),
                None => format!("{}://{host}", url.scheme()),
            }
        }
        Err(_) => "<SMTP URL>".to_string(),
    }
}

/// The SMTP URL's user name as written before percent-encoding (`ann%40example.com` is
/// `ann@example.com`); a `%` not followed by two hex digits stays as it is.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Writes each message as `<folder>/<address>.eml`: the default when no relay is
/// configured, and a way to look at exactly what would be sent.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    dir: PathBuf,
    envelope: bool,
}

impl Outbox {
    /// An outbox writing into `dir` (created on first use).
    pub(crate) fn new(dir: impl Into<PathBuf>) -> Outbox {
        Outbox {
            dir: dir.into(),
            envelope: false,
        }
    }

    /// With `true`, each file starts with `Return-Path: <MAIL FROM>`, as a receiving
    /// server would write it: how the outbox shows a VERP envelope sender.
    pub(crate) fn recording_envelope(self, envelope: bool) -> Outbox {
        Outbox { envelope, ..self }
    }

    /// Writes `message` to `path` through a temporary file in the outbox; on failure,
    /// the path that failed and why.
    fn write(&self, path: &Path, message: &[u8]) -> Result<(), (PathBuf, std::io::Error)> {
        let in_dir = |e| (self.dir.clone(), e);
        std::fs::create_dir_all(&self.dir).map_err(in_dir)?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir).map_err(in_dir)?;
        std::io::Write::write_all(&mut file, message)
            .map_err(|e| (file.path().to_path_buf(), e))?;
        file.persist(path)
            .map_err(|e| (path.to_path_buf(), e.error))?;
        Ok(())
    }

    /// The file a recipient's message is written to.
    pub(crate) fn file_for(&self, recipient: &str) -> PathBuf {
        let safe: String = recipient
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-' | '_' | '+') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{safe}.eml"))
    }
}

impl Deliver for Outbox {
    /// A write that fails is a local failure: an I/O error carrying its path.
    fn deliver(&self, envelope: &Envelope, message: &[u8]) -> Result<(), AttemptError> {
        let recipient = envelope
            .to()
            .first()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let path = self.file_for(&recipient);
        let written = if self.envelope {
            let sender = envelope.from().map(|a| a.to_string()).unwrap_or_default();
            let mut bytes = format!("Return-Path: <{sender}>\r\n").into_bytes();
            bytes.extend_from_slice(message);
            self.write(&path, &bytes)
        } else {
            self.write(&path, message)
        };
        written.map_err(|(at, e)| Error::io(at, e).into())
    }

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_drops_user_and_password() {
        let shown = redact("smtp://user:hunter2@mail.example.com:587?tls=required");
        assert_eq!(shown, "smtp://mail.example.com:587");
        assert_eq!(redact("not a url hunter2"), "<SMTP URL>");
    }

    #[test]
    fn percent_decoding_of_user_names() {
        assert_eq!(percent_decode("ann%40example.com"), "ann@example.com");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
