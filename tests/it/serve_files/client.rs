//! A small blocking HTTP/1.1 client for the file server's tests: it sends the request
//! target exactly as given (`/../x`, `%2e%2e` and all, which URL-normalising clients
//! would rewrite), parses the answer with `httparse`, and decodes gzip and brotli
//! bodies with the flate2 and brotli crates.
//!
//! Shared by the unit tests in `src/serve/files/tests.rs` and the integration tests.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A complete response.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Every header, names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The body as received (still compressed).
    pub body: Vec<u8>,
}

impl Response {
    /// The value of the header `name`, when present once or more (the first).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, which must be present.
    pub fn expect_header(&self, name: &str) -> &str {
        self.header(name)
            .unwrap_or_else(|| panic!("no {name} header in {self:?}"))
    }

    /// The body decoded according to `Content-Encoding`.
    pub fn decoded(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self.header("content-encoding") {
            None => out.extend_from_slice(&self.body),
            Some("gzip") => {
                flate2::read::GzDecoder::new(&self.body[..])
                    .read_to_end(&mut out)
                    .expect("a valid gzip body");
            }
            Some("br") => {
                brotli::Decompressor::new(&self.body[..], 4096)
                    .read_to_end(&mut out)
                    .expect("a valid brotli body");
            }
            Some(other) => panic!("unexpected Content-Encoding {other}"),
        }
        out
    }
}

/// Sends `method target` with `headers` to `addr` over a fresh connection and reads the
/// whole response.
pub fn request(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send the request");
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("{method} {target}: reading the response: {e}"));
    parse(&raw, method == "HEAD").unwrap_or_else(|why| {
        panic!(
            "{method} {target}: {why}\n{}",
            String::from_utf8_lossy(&raw)
        )
    })
}

/// `GET target` with `headers`.
pub fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Response {
    request(addr, "GET", target, headers)
}

fn parse(raw: &[u8], head: bool) -> Result<Response, String> {
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut slots);
    let length = match parsed.parse(raw).map_err(|e| e.to_string())? {
        httparse::Status::Complete(length) => length,
        httparse::Status::Partial => return Err("incomplete response head".into()),
    };
    let status = parsed.code.ok_or("no status")?;
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let response = Response {
        status,
        headers,
        body: raw[length..].to_vec(),
    };
    if response.header("transfer-encoding").is_some() {
        return Err("a chunked body: the server should have sent Content-Length".into());
    }
    let declared = response
        .header("content-length")
        .map(|v| v.parse::<usize>());
    match declared {
        Some(Ok(n)) if !head && status != 304 && n != response.body.len() => Err(format!(
            "Content-Length {n} but {} body bytes",
            response.body.len()
        )),
        Some(Err(e)) => Err(format!("bad Content-Length: {e}")),
        _ => Ok(response),
    }
}
