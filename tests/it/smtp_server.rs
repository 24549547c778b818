//! A small SMTP server for the tests, over std `TcpListener` on 127.0.0.1, that we
//! control: STARTTLS (rustls, self-signed certificate from rcgen), AUTH PLAIN/LOGIN,
//! scripted replies per recipient (451, 550 …), connections dropped at chosen DATA
//! commands, and a delay per message. Every accepted message is kept for inspection.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One message the server accepted (replied 250 to its DATA).
#[derive(Debug, Clone)]
pub struct Received {
    /// `MAIL FROM` address.
    pub from: String,
    /// `RCPT TO` addresses that were accepted.
    pub to: Vec<String>,
    /// The message, dot-unstuffed, without the final `.` line.
    pub data: Vec<u8>,
    /// Whether the session was under TLS.
    pub tls: bool,
    /// The user that authenticated, if any.
    pub user: Option<String>,
}

/// A reply to `RCPT TO:<address>`, given the address and how many times it was seen
/// (1 for the first): `None` accepts, `Some("451 …")` refuses.
pub type RcptScript = dyn Fn(&str, usize) -> Option<String> + Send + Sync;

/// How the server behaves.
#[derive(Clone)]
pub struct Behaviour {
    /// Offer STARTTLS with this certificate and key.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Refuse MAIL before STARTTLS.
    pub require_tls: bool,
    /// Require AUTH with this user and password.
    pub auth: Option<(String, String)>,
    /// Replies to RCPT.
    pub rcpt: Arc<RcptScript>,
    /// Close the connection without replying at these DATA commands (1-based, counted
    /// over all connections).
    pub drop_at_data: Vec<usize>,
    /// Wait this long before replying 250 to each message.
    pub delay: Duration,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            tls: None,
            require_tls: false,
            auth: None,
            rcpt: Arc::new(|_, _| None),
            drop_at_data: Vec::new(),
            delay: Duration::ZERO,
        }
    }
}

/// A running test server; stops accepting when dropped.
pub struct SmtpServer {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    shared: Arc<Shared>,
}

struct Shared {
    behaviour: Behaviour,
    stop: AtomicBool,
    data_commands: AtomicUsize,
    rcpt_seen: Mutex<HashMap<String, usize>>,
    auth_failures: AtomicUsize,
    connections: AtomicUsize,
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub fn start(behaviour: Behaviour) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        SmtpServer::serve(listener, behaviour)
    }

    /// Starts a server on the given listener (e.g. a port reserved earlier).
    pub fn serve(listener: TcpListener, behaviour: Behaviour) -> SmtpServer {
        let port = listener.local_addr().expect("local address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            behaviour,
            stop: AtomicBool::new(false),
            data_commands: AtomicUsize::new(0),
            rcpt_seen: Mutex::new(HashMap::new()),
            auth_failures: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
        });
        let (thread_received, thread_shared) = (received.clone(), shared.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if thread_shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                thread_shared.connections.fetch_add(1, Ordering::SeqCst);
                let (received, shared) = (thread_received.clone(), thread_shared.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    let mut session = Session::new(stream, shared, received);
                    let _ = session.run();
                });
            }
        });
        SmtpServer {
            port,
            received,
            shared,
        }
    }

    /// Every message accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// How many accepted messages were addressed to `email`.
    pub fn count_for(&self, email: &str) -> usize {
        self.received()
            .iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(email)))
            .count()
    }

    /// AUTH attempts that were refused.
    pub fn auth_failures(&self) -> usize {
        self.shared.auth_failures.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// `smtp://127.0.0.1:PORT` plus `suffix` (e.g. `?tls=required`).
    pub fn url(&self, suffix: &str) -> String {
        format!("smtp://127.0.0.1:{}{suffix}", self.port)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A self-signed certificate for 127.0.0.1 and localhost: the server config, and the
/// certificate in PEM for the client to trust.
pub fn tls_identity() -> (Arc<rustls::ServerConfig>, String) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("self-signed certificate");
    let pem = certified.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .expect("server certificate");
    (Arc::new(config), pem)
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
    Closed,
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
            Stream::Closed => Ok(0),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            Stream::Closed => Err(std::io::ErrorKind::NotConnected.into()),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
            Stream::Closed => Ok(()),
        }
    }
}

struct Session {
    stream: Stream,
    buffer: Vec<u8>,
    shared: Arc<Shared>,
    received: Arc<Mutex<Vec<Received>>>,
    tls: bool,
    user: Option<String>,
    from: Option<String>,
    to: Vec<String>,
}

type Step = std::io::Result<bool>;

impl Session {
    fn new(stream: TcpStream, shared: Arc<Shared>, received: Arc<Mutex<Vec<Received>>>) -> Session {
        Session {
            stream: Stream::Plain(stream),
            buffer: Vec::new(),
            shared,
            received,
            tls: false,
            user: None,
            from: None,
            to: Vec::new(),
        }
    }

    fn run(&mut self) -> std::io::Result<()> {
        self.reply("220 test.invalid ESMTP herald-test")?;
        while let Some(line) = self.read_line()? {
            if !self.command(&line)? {
                break;
            }
        }
        Ok(())
    }

    fn behaviour(&self) -> &Behaviour {
        &self.shared.behaviour
    }

    /// Handles one command; false ends the session.
    fn command(&mut self, line: &str) -> Step {
        let upper = line.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or("");
        match verb {
            "EHLO" | "HELO" => self.ehlo(),
            "STARTTLS" => self.starttls(),
            "AUTH" => self.auth(line),
            "MAIL" => self.mail(line),
            "RCPT" => self.rcpt(line),
            "DATA" => self.data(),
            "RSET" => {
                self.from = None;
                self.to.clear();
                self.ok("250 reset")
            }
            "NOOP" => self.ok("250 ok"),
            "QUIT" => {
                self.reply("221 bye")?;
                Ok(false)
            }
            _ => self.ok("502 command not implemented"),
        }
    }

    fn ehlo(&mut self) -> Step {
        let mut lines = vec![
            "250-test.invalid".to_string(),
            "250-8BITMIME".into(),
            "250-SMTPUTF8".into(),
        ];
        if self.behaviour().tls.is_some() && !self.tls {
            lines.push("250-STARTTLS".into());
        }
        if self.behaviour().auth.is_some() && (self.tls || !self.behaviour().require_tls) {
            lines.push("250-AUTH PLAIN LOGIN".into());
        }
        lines.push("250 SIZE 10000000".into());
        self.ok(&lines.join("\r\n"))
    }

    fn starttls(&mut self) -> Step {
        let Some(config) = self.behaviour().tls.clone() else {
            return self.ok("502 no TLS here");
        };
        self.reply("220 go ahead")?;
        let Stream::Plain(tcp) = std::mem::replace(&mut self.stream, Stream::Closed) else {
            return Ok(false);
        };
        let connection = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
        self.stream = Stream::Tls(Box::new(rustls::StreamOwned::new(connection, tcp)));
        self.buffer.clear();
        self.tls = true;
        Ok(true)
    }

    fn auth(&mut self, line: &str) -> Step {
        let Some((user, password)) = self.behaviour().auth.clone() else {
            return self.ok("502 no AUTH here");
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let mechanism = words
            .get(1)
            .map(|m| m.to_ascii_uppercase())
            .unwrap_or_default();
        let (given_user, given_password) = match mechanism.as_str() {
            "PLAIN" => {
                let encoded = match words.get(2) {
                    Some(e) => e.to_string(),
                    None => {
                        self.reply("334 ")?;
                        self.read_line()?.unwrap_or_default()
                    }
                };
                let decoded = decode_base64(&encoded);
                let parts: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
                let text = |i: usize| {
                    String::from_utf8_lossy(parts.get(i).copied().unwrap_or(b"")).into_owned()
                };
                (text(1), text(2))
            }
            "LOGIN" => {
                self.reply("334 VXNlcm5hbWU6")?;
                let u = decode_base64(&self.read_line()?.unwrap_or_default());
                self.reply("334 UGFzc3dvcmQ6")?;
                let p = decode_base64(&self.read_line()?.unwrap_or_default());
                (
                    String::from_utf8_lossy(&u).into_owned(),
                    String::from_utf8_lossy(&p).into_owned(),
                )
            }
            _ => return self.ok("504 unrecognized authentication type"),
        };
        if given_user == user && given_password == password {
            self.user = Some(given_user);
            self.ok("235 2.7.0 authentication successful")
        } else {
            self.shared.auth_failures.fetch_add(1, Ordering::SeqCst);
            self.ok("535 5.7.8 authentication credentials invalid")
        }
    }

    fn mail(&mut self, line: &str) -> Step {
        if self.behaviour().require_tls && !self.tls {
            return self.ok("530 5.7.0 must issue STARTTLS first");
        }
        if self.behaviour().auth.is_some() && self.user.is_none() {
            return self.ok("530 5.7.0 authentication required");
        }
        self.from = Some(address(line));
        self.to.clear();
        self.ok("250 2.1.0 ok")
    }

    fn rcpt(&mut self, line: &str) -> Step {
        let to = address(line);
        let seen = {
            let mut seen = self.shared.rcpt_seen.lock().unwrap();
            let count = seen.entry(to.to_lowercase()).or_insert(0);
            *count += 1;
            *count
        };
        if let Some(reply) = (self.behaviour().rcpt)(&to, seen) {
            return self.ok(&reply);
        }
        self.to.push(to);
        self.ok("250 2.1.5 ok")
    }

    fn data(&mut self) -> Step {
        if self.from.is_none() || self.to.is_empty() {
            return self.ok("503 5.5.1 need MAIL and RCPT first");
        }
        self.reply("354 end with <CRLF>.<CRLF>")?;
        let mut data = Vec::new();
        loop {
            let Some(line) = self.read_raw_line()? else {
                return Ok(false);
            };
            if line == b".\r\n" || line == b".\n" {
                break;
            }
            let line = if line.starts_with(b"..") {
                &line[1..]
            } else {
                &line[..]
            };
            data.extend_from_slice(line);
        }
        let number = self.shared.data_commands.fetch_add(1, Ordering::SeqCst) + 1;
        if self.behaviour().drop_at_data.contains(&number) {
            self.stream = Stream::Closed;
            return Ok(false);
        }
        std::thread::sleep(self.behaviour().delay);
        self.received.lock().unwrap().push(Received {
            from: self.from.take().unwrap_or_default(),
            to: std::mem::take(&mut self.to),
            data,
            tls: self.tls,
            user: self.user.clone(),
        });
        self.ok("250 2.0.0 queued")
    }

    fn ok(&mut self, reply: &str) -> Step {
        self.reply(reply)?;
        Ok(true)
    }

    fn reply(&mut self, text: &str) -> std::io::Result<()> {
        self.stream.write_all(format!("{text}\r\n").as_bytes())?;
        self.stream.flush()
    }

    fn read_line(&mut self) -> std::io::Result<Option<String>> {
        Ok(self
            .read_raw_line()?
            .map(|l| String::from_utf8_lossy(&l).trim_end().to_string()))
    }

    fn read_raw_line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                return Ok(Some(self.buffer.drain(..=end).collect()));
            }
            let mut chunk = [0u8; 8192];
            let n = match self.stream.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
                Err(e) => return Err(e),
            };
            if n == 0 {
                return Ok(None);
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

/// The address between `<` and `>` in `MAIL FROM:<…>` or `RCPT TO:<…>`.
fn address(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line[start..].find('>').map_or(line.len(), |i| start + i);
    line[start..end].to_string()
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut bits = 0u32;
    let mut count = 0;
    for byte in text.trim().bytes() {
        let Some(value) = ALPHABET.iter().position(|a| *a == byte) else {
            continue;
        };
        bits = (bits << 6) | value as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}
