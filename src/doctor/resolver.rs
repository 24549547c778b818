//! The real [`Dns`]: hickory's resolver, on the system's name servers or on one given
//! server, with short timeouts reported as [`Answer::Failed`].

use std::cell::RefCell;
use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError, NoRecords};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RData;

use super::{Answer, Dns};

/// A resolver with its own single-threaded runtime. Once a server has not answered,
/// later questions fail at once with the same reason, so a dead server costs one
/// timeout, not one per record.
pub(crate) struct Resolver {
    state: Result<(tokio::runtime::Runtime, TokioResolver), String>,
    timeout: Duration,
    server: String,
    dead: RefCell<Option<String>>,
}

impl Resolver {
    /// Asks `server`, or the system's name servers when `None`.
    pub(crate) fn new(server: Option<SocketAddr>, timeout: Duration) -> Resolver {
        let described = match server {
            Some(address) => format!("DNS server {address}"),
            None => "the system's DNS resolver".to_string(),
        };
        Resolver {
            state: build(server, timeout),
            timeout,
            server: described,
            dead: RefCell::new(None),
        }
    }
}

fn build(
    server: Option<SocketAddr>,
    timeout: Duration,
) -> Result<(tokio::runtime::Runtime, TokioResolver), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the DNS client: {e}"))?;
    let provider = TokioRuntimeProvider::default();
    let mut builder = match server {
        Some(address) => TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(vec![name_server(address)]),
            provider,
        ),
        None => TokioResolver::builder(provider).map_err(|e| {
            format!(
                "cannot read the system's DNS configuration ({e}); give a server with --dns 1.1.1.1"
            )
        })?,
    };
    let options = builder.options_mut();
    options.timeout = timeout / 2;
    options.attempts = 2;
    options.edns0 = true;
    let resolver = builder
        .build()
        .map_err(|e| format!("cannot start the DNS client: {e}"))?;
    Ok((runtime, resolver))
}

/// `address` over UDP, and TCP for long answers, both on its port.
fn name_server(address: SocketAddr) -> NameServerConfig {
    let mut config = NameServerConfig::udp_and_tcp(address.ip());
    for connection in &mut config.connections {
        connection.port = address.port();
    }
    config
}

impl Dns for Resolver {
    fn txt(&self, name: &str) -> Answer {
        let (runtime, resolver) = match &self.state {
            Ok(state) => state,
            Err(why) => return Answer::Failed(why.clone()),
        };
        if let Some(why) = self.dead.borrow().clone() {
            return Answer::Failed(why);
        }
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let lookup = runtime.block_on(async {
            tokio::time::timeout(self.timeout, resolver.txt_lookup(fqdn.as_str())).await
        });
        let answer = match lookup {
            Ok(Ok(found)) => Answer::Records(
                found
                    .answers()
                    .iter()
                    .filter_map(|record| match &record.data {
                        RData::TXT(txt) => Some(
                            txt.txt_data
                                .iter()
                                .map(|part| String::from_utf8_lossy(part))
                                .collect::<String>(),
                        ),
                        _ => None,
                    })
                    .collect(),
            ),
            Ok(Err(error)) => self.classify(&error),
            Err(_) => Answer::Failed(self.no_answer()),
        };
        if let Answer::Failed(why) = &answer
            && why.contains("did not answer")
        {
            *self.dead.borrow_mut() = Some(why.clone());
        }
        answer
    }
}

impl Resolver {
    fn no_answer(&self) -> String {
        format!(
            "{} did not answer within {} s; check the network, or try another server with --dns 1.1.1.1",
            self.server,
            self.timeout.as_secs_f32()
        )
    }

    fn answered(&self, code: ResponseCode) -> String {
        format!(
            "{} answered {code} (the domain's name servers may be broken)",
            self.server
        )
    }

    /// NXDOMAIN and "no TXT record" are [`Answer::Missing`]; the rest are failures.
    fn classify(&self, error: &NetError) -> Answer {
        match error {
            NetError::Dns(DnsError::NoRecordsFound(NoRecords {
                response_code: ResponseCode::NoError | ResponseCode::NXDomain,
                ..
            })) => Answer::Missing,
            NetError::Dns(
                DnsError::ResponseCode(code)
                | DnsError::NoRecordsFound(NoRecords {
                    response_code: code,
                    ..
                }),
            ) => Answer::Failed(self.answered(*code)),
            NetError::Timeout => Answer::Failed(self.no_answer()),
            _ if error.to_string().to_ascii_lowercase().contains("timed out") => {
                Answer::Failed(self.no_answer())
            }
            _ => Answer::Failed(format!("{}: {error}", self.server)),
        }
    }
}
