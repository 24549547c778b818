//! A small authoritative DNS server for tests, on 127.0.0.1 over UDP and TCP (the same
//! port): it answers TXT questions from a fixed zone, NXDOMAIN for any other name; it
//! can instead answer every question with one error code, or stay silent to test
//! timeouts. Messages are parsed and built with
//! hickory-proto, the library the resolver under test uses too.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::TXT;
use hickory_resolver::proto::rr::{RData, Record, RecordType};

/// TXT records by name (lower case, no trailing dot).
pub type Zone = HashMap<String, Vec<String>>;

/// How the server answers.
enum Replies {
    /// TXT records from the zone, NXDOMAIN for a name outside it.
    Zone(Zone),
    /// This response code and no records, whatever the question.
    Code(ResponseCode),
}

/// A running server; dropped, it stops.
pub struct DnsServer {
    /// The address to give `herald doctor --dns`.
    pub address: SocketAddr,
    stop: Arc<AtomicBool>,
    questions: Arc<AtomicUsize>,
    threads: Vec<JoinHandle<()>>,
}

impl DnsServer {
    /// Serves `zone`.
    pub fn start(zone: Zone) -> DnsServer {
        DnsServer::spawn(Some(Arc::new(Replies::Zone(zone))))
    }

    /// Answers every question with `code` (SERVFAIL, REFUSED …).
    pub fn failing(code: ResponseCode) -> DnsServer {
        DnsServer::spawn(Some(Arc::new(Replies::Code(code))))
    }

    /// Reads every question and answers none.
    pub fn silent() -> DnsServer {
        DnsServer::spawn(None)
    }

    /// How many questions arrived (over UDP and TCP).
    pub fn questions(&self) -> usize {
        self.questions.load(Ordering::SeqCst)
    }

    fn spawn(replies: Option<Arc<Replies>>) -> DnsServer {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        let address = udp.local_addr().expect("UDP address");
        let tcp = TcpListener::bind(address).expect("bind TCP on the UDP port");
        udp.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        tcp.set_nonblocking(true).expect("non-blocking accept");
        let stop = Arc::new(AtomicBool::new(false));
        let questions = Arc::new(AtomicUsize::new(0));
        let (s, q, r) = (stop.clone(), questions.clone(), replies.clone());
        let udp_thread = std::thread::spawn(move || serve_udp(&udp, &s, &q, r.as_deref()));
        let (s, q) = (stop.clone(), questions.clone());
        let tcp_thread = std::thread::spawn(move || serve_tcp(&tcp, &s, &q, replies.as_deref()));
        DnsServer {
            address,
            stop,
            questions,
            threads: vec![udp_thread, tcp_thread],
        }
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn serve_udp(
    socket: &UdpSocket,
    stop: &AtomicBool,
    questions: &AtomicUsize,
    replies: Option<&Replies>,
) {
    let mut buffer = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        let Ok((len, peer)) = socket.recv_from(&mut buffer) else {
            continue;
        };
        questions.fetch_add(1, Ordering::SeqCst);
        if let Some(reply) = replies.and_then(|replies| answer(&buffer[..len], replies)) {
            let _ = socket.send_to(&reply, peer);
        }
    }
}

fn serve_tcp(
    listener: &TcpListener,
    stop: &AtomicBool,
    questions: &AtomicUsize,
    replies: Option<&Replies>,
) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                questions.fetch_add(1, Ordering::SeqCst);
                if let Some(replies) = replies {
                    let _ = serve_connection(stream, replies);
                }
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// DNS over TCP: each message preceded by its length in two bytes.
fn serve_connection(mut stream: TcpStream, replies: &Replies) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    loop {
        let mut length = [0u8; 2];
        stream.read_exact(&mut length)?;
        let mut query = vec![0u8; u16::from_be_bytes(length) as usize];
        stream.read_exact(&mut query)?;
        let Some(reply) = answer(&query, replies) else {
            return Ok(());
        };
        stream.write_all(&(reply.len() as u16).to_be_bytes())?;
        stream.write_all(&reply)?;
    }
}

/// The reply to one query: the TXT records at the name (each split into strings of at
/// most 255 bytes, as real zones hold long DKIM keys), NXDOMAIN, or the error code.
fn answer(query: &[u8], replies: &Replies) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    response.metadata.authoritative = true;
    response.add_queries(request.queries.clone());
    response.edns = request.edns.clone();
    let question = request.queries.first()?;
    let zone = match replies {
        Replies::Zone(zone) => zone,
        Replies::Code(code) => {
            response.metadata.response_code = *code;
            return response.to_vec().ok();
        }
    };
    let name = question
        .name()
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    match zone.get(&name) {
        None => {
            response.metadata.response_code = ResponseCode::NXDomain;
        }
        Some(records) if question.query_type() == RecordType::TXT => {
            for record in records {
                let strings = record
                    .as_bytes()
                    .chunks(255)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect();
                response.add_answer(Record::from_rdata(
                    question.name().clone(),
                    300,
                    RData::TXT(TXT::new(strings)),
                ));
            }
        }
        Some(_) => {}
    }
    response.to_vec().ok()
}
