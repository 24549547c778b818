//! The SMTP relay: does it answer, does it offer STARTTLS (or complete the TLS
//! handshake on `smtps://`), and does it take the login? Sends no message; the URL's
//! password is never shown (only `host:port`).

use std::time::Duration;

use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use super::{Check, Level, Report};
use crate::config::{Config, Secrets};
use crate::mail::{Smtp, SmtpFailure, SmtpSettings};

/// How the URL asks herald to use TLS (lettre's `smtp://…?tls=` and `smtps://`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `smtp://` without `tls=`: herald never starts TLS.
    Plain,
    /// `?tls=opportunistic`: TLS when offered, clear text when not.
    Opportunistic,
    /// `?tls=required`: STARTTLS or fail.
    Required,
    /// `smtps://`: TLS from the first byte.
    Wrapper,
}

/// The relay as the URL describes it, without credentials.
struct Relay {
    host: String,
    port: u16,
    mode: Mode,
    has_user: bool,
}

impl Relay {
    fn parse(raw: &str) -> Result<Relay, String> {
        let hint = "use e.g. smtp://USER@mail.example.com:587?tls=required";
        let url =
            url::Url::parse(raw).map_err(|e| format!("the SMTP URL is not a URL ({e}); {hint}"))?;
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let mode = match (url.scheme(), tls.as_deref()) {
            ("smtps", _) => Mode::Wrapper,
            ("smtp", None) => Mode::Plain,
            ("smtp", Some("required")) => Mode::Required,
            ("smtp", Some("opportunistic")) => Mode::Opportunistic,
            (scheme, tls) => {
                return Err(format!(
                    "the SMTP URL has scheme {scheme:?} and tls={tls:?}, which herald cannot use; {hint}"
                ));
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("the SMTP URL names no host; {hint}"))?
            .trim_matches(['[', ']'])
            .to_string();
        let port = url.port().unwrap_or(match mode {
            Mode::Wrapper => 465,
            Mode::Plain => 25,
            Mode::Required | Mode::Opportunistic => 587,
        });
        Ok(Relay {
            host,
            port,
            mode,
            has_user: !url.username().is_empty(),
        })
    }

    fn shown(&self) -> String {
        let scheme = if self.mode == Mode::Wrapper {
            "smtps"
        } else {
            "smtp"
        };
        format!("{scheme}://{}:{}", self.host, self.port)
    }

    fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// Checks the relay `herald send` would use.
pub(super) fn check(config: &Config, secrets: &Secrets, timeout: Duration, report: &mut Report) {
    let file = config.file.display();
    let smtp = config.smtp.clone();
    let Some(url) = secrets
        .smtp_url
        .clone()
        .or_else(|| smtp.as_ref().and_then(|s| s.url.clone()))
    else {
        if smtp.is_some() {
            report.push(Level::Error, Check::Smtp, format!("{file}: smtp: has no url and HERALD_SMTP_URL is not set: give one, e.g. HERALD_SMTP_URL=smtp://USER@mail.example.com:587?tls=required"));
        } else {
            report.push(Level::Warn, Check::Smtp, "no SMTP relay is configured, so herald send writes .eml files to .herald/outbox/ instead of sending: set HERALD_SMTP_URL=smtp://USER@mail.example.com:587?tls=required and HERALD_SMTP_PASSWORD");
        }
        return;
    };
    let relay = match Relay::parse(&url) {
        Ok(relay) => relay,
        Err(problem) => return report.push(Level::Error, Check::Smtp, problem),
    };
    let ca_file = smtp.as_ref().and_then(|s| s.ca_file.clone());
    let tls = match tls_parameters(&relay.host, ca_file.as_deref()) {
        Ok(tls) => tls,
        Err(problem) => return report.push(Level::Error, Check::Smtp, problem),
    };
    if !probe(&relay, &tls, timeout, report) {
        return;
    }
    if relay.has_user {
        login(&relay, url, secrets, timeout, ca_file, report);
    }
}

fn tls_parameters(host: &str, ca_file: Option<&std::path::Path>) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("{}: cannot read smtp.ca_file: {e}", path.display()))?;
        let certificate = Certificate::from_pem(&pem).map_err(|e| {
            format!(
                "{}: smtp.ca_file is not a PEM certificate: {e}",
                path.display()
            )
        })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build()
        .map_err(|e| format!("TLS setup for {host}: {e}"))
}

/// Greeting, EHLO, then STARTTLS or the `smtps://` handshake; `true` when the relay
/// answered well enough to try a login.
fn probe(relay: &Relay, tls: &TlsParameters, timeout: Duration, report: &mut Report) -> bool {
    let shown = relay.shown();
    let hello = ClientId::default();
    let wrapper = (relay.mode == Mode::Wrapper).then_some(tls);
    let mut connection = match SmtpConnection::connect(
        (relay.host.as_str(), relay.port),
        Some(timeout),
        &hello,
        wrapper,
        None,
    ) {
        Ok(connection) => connection,
        Err(e) => {
            let why = SmtpFailure::from_lettre(&e);
            let fix = if e.is_tls() {
                "check the relay's certificate; for a private CA set smtp.ca_file"
            } else {
                "check the host and port (587 for STARTTLS, 465 for smtps://) and that this machine may reach it"
            };
            report.push(
                Level::Error,
                Check::Smtp,
                format!("relay {shown} unreachable: {why}; {fix}"),
            );
            return false;
        }
    };
    if relay.mode == Mode::Wrapper {
        report.push(
            Level::Ok,
            Check::Smtp,
            format!("relay {shown} answers over TLS (certificate verified)"),
        );
    } else if connection.can_starttls() {
        starttls(relay, &mut connection, tls, &hello, report);
    } else {
        no_starttls(relay, report);
    }
    let _ = connection.quit();
    true
}

fn starttls(
    relay: &Relay,
    connection: &mut SmtpConnection,
    tls: &TlsParameters,
    hello: &ClientId,
    report: &mut Report,
) {
    let shown = relay.shown();
    if let Err(e) = connection.starttls(tls, hello) {
        let why = SmtpFailure::from_lettre(&e);
        report.push(Level::Error, Check::Smtp, format!("relay {shown} offers STARTTLS but the TLS handshake failed: {why}; check its certificate, or set smtp.ca_file for a private CA"));
        return;
    }
    match relay.mode {
        Mode::Required | Mode::Wrapper => report.push(Level::Ok, Check::Smtp, format!("relay {shown} answers and offers STARTTLS (certificate verified)")),
        Mode::Opportunistic => report.push(Level::Warn, Check::Smtp, format!("relay {shown} offers STARTTLS, but the URL says tls=opportunistic, so anyone who strips it makes herald send in clear text: use ?tls=required")),
        Mode::Plain => report.push(Level::Error, Check::Smtp, format!("relay {shown} offers STARTTLS, but the URL has no ?tls=, so herald sends (and logs in) in clear text: add ?tls=required to the SMTP URL")),
    }
}

fn no_starttls(relay: &Relay, report: &mut Report) {
    let shown = relay.shown();
    if relay.mode == Mode::Required {
        report.push(Level::Error, Check::Smtp, format!("relay {shown} answers but offers no STARTTLS, and the URL says tls=required, so herald send will fail: use the relay's STARTTLS port (587) or smtps:// (465)"));
    } else if relay.is_loopback() {
        report.push(Level::Warn, Check::Smtp, format!("relay {shown} answers but offers no STARTTLS: fine for a mail server on this machine, which must then relay over TLS itself"));
    } else {
        report.push(Level::Error, Check::Smtp, format!("relay {shown} answers but offers no STARTTLS, so mail and password cross the network in clear text: use the relay's STARTTLS port (587) with ?tls=required, or smtps:// (465)"));
    }
}

/// Logs in exactly as `herald send` does (EHLO, STARTTLS, AUTH, NOOP) and quits.
fn login(
    relay: &Relay,
    url: String,
    secrets: &Secrets,
    timeout: Duration,
    ca_file: Option<std::path::PathBuf>,
    report: &mut Report,
) {
    let shown = relay.shown();
    let settings = SmtpSettings {
        url,
        password: secrets.smtp_password.clone(),
        concurrency: 1,
        timeout,
        ca_file,
    };
    match Smtp::new(&settings).and_then(|smtp| smtp.check()) {
        Ok(()) => report.push(
            Level::Ok,
            Check::Smtp,
            format!("relay {shown} accepted the login"),
        ),
        Err(e) => report.push(
            Level::Error,
            Check::Smtp,
            format!("logging in: {e}; check the user in the SMTP URL and HERALD_SMTP_PASSWORD"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_modes_and_default_ports() {
        let cases = [
            (
                "smtp://mail.example.com",
                Mode::Plain,
                25,
                "smtp://mail.example.com:25",
            ),
            (
                "smtp://u:pw@mail.example.com?tls=required",
                Mode::Required,
                587,
                "smtp://mail.example.com:587",
            ),
            (
                "smtp://mail.example.com:2525?tls=opportunistic",
                Mode::Opportunistic,
                2525,
                "smtp://mail.example.com:2525",
            ),
            (
                "smtps://u:hunter2@mail.example.com",
                Mode::Wrapper,
                465,
                "smtps://mail.example.com:465",
            ),
        ];
        for (url, mode, port, shown) in cases {
            let relay = Relay::parse(url).unwrap();
            assert_eq!(
                (relay.mode, relay.port, relay.shown().as_str()),
                (mode, port, shown),
                "{url}"
            );
        }
        for bad in ["http://x", "smtp://x?tls=always", "not a url hunter2"] {
            let problem = Relay::parse(bad).err().unwrap_or_default();
            assert!(
                problem.contains("smtp://USER@mail.example.com:587?tls=required"),
                "{bad}: {problem}"
            );
            assert!(!problem.contains("hunter2"), "{problem}");
        }
    }
}
