//! The accept loop: each connection goes to the next of the [`Workers`] and is served
//! there over HTTP/1.1 (keep-alive on) by hyper with the app's router, under its own
//! [`Clock`] (the header-read and idle timeouts); a request whose path no route can
//! match goes to the files without the router
//! ([`super::may_be_a_route`]); each answer gets the headers of the [`Policy`], and each
//! request is logged ([`access_log`]).
//! When `shutdown` resolves (SIGTERM or Ctrl-C), it stops accepting, lets the requests
//! under way finish and closes idle connections, and returns at the latest after the
//! shutdown deadline, logging how many connections were still open; the caller then
//! stops the workers, which closes them.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use super::access_log;
use super::files;
use super::security::Policy;
use super::timeouts::{Clock, Event, Expired, Timeouts, Watched};
use super::workers::Workers;

/// What answers the requests.
#[derive(Clone)]
pub(crate) struct Answer {
    /// The app's routes, with the files as their fallback.
    pub(crate) router: Router,
    /// The files, for the paths that no route can match.
    pub(crate) files: files::Service,
    /// The headers every answer gets.
    pub(crate) policy: Policy,
}

/// How long the connections may take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Per connection.
    pub(crate) timeouts: Timeouts,
    /// From the shutdown signal to closing whatever is still open.
    pub(crate) shutdown: Duration,
}

impl Limits {
    /// `serve.header_read_timeout_seconds`, `serve.idle_timeout_seconds` and
    /// `serve.shutdown_timeout_seconds`.
    pub(crate) fn of(serve: &crate::config::Serve) -> Limits {
        Limits {
            timeouts: Timeouts {
                header_read: Duration::from_secs(serve.header_read_timeout_seconds),
                idle: Duration::from_secs(serve.idle_timeout_seconds),
            },
            shutdown: Duration::from_secs(serve.shutdown_timeout_seconds),
        }
    }
}

/// After an error accepting that is not one connection's (out of file descriptors),
/// wait this long before trying again, rather than spin.
const ACCEPT_RETRY: Duration = Duration::from_secs(1);

/// Serves `listener` with `answer` until `shutdown` resolves, then shuts down as the
/// module documentation says.
pub(crate) async fn run(
    listener: TcpListener,
    answer: Answer,
    workers: &Workers,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let answer = Arc::new(answer);
    let open = Arc::new(AtomicUsize::new(0));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, peer)) => {
                let connection = Connection {
                    answer: Arc::clone(&answer),
                    timeouts: limits.timeouts,
                    open: Open::count(&open),
                };
                workers.spawn(stream, |stream| connection.serve(stream, peer, &graceful));
            }
            Err(e) if per_connection(&e) => {}
            Err(e) => {
                tracing::error!("accepting a connection: {e}; trying again in 1 s");
                tokio::select! {
                    () = tokio::time::sleep(ACCEPT_RETRY) => {}
                    () = &mut shutdown => break,
                }
            }
        }
    }
    drop(listener);
    tracing::info!(
        "shutting down: {} open connection(s), waiting at most {} s for their requests",
        open.load(Ordering::Relaxed),
        limits.shutdown.as_secs()
    );
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown) => {
            let still = open.load(Ordering::Relaxed);
            tracing::warn!(
                "shutdown deadline ({} s) passed: closing {still} open connection{}",
                limits.shutdown.as_secs(),
                if still == 1 { "" } else { "s" }
            );
        }
    }
}

/// Errors of one connection that `accept` passes on (the client gave up before it was
/// accepted); the listener itself is fine.
fn per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    )
}

/// One accepted connection, before it is served.
struct Connection {
    answer: Arc<Answer>,
    timeouts: Timeouts,
    open: Open,
}

impl Connection {
    /// Serves the connection until the client closes it, a timeout closes it, or the
    /// graceful shutdown ends it (the caller's runtime drops it at the deadline).
    fn serve(
        self,
        stream: TcpStream,
        peer: SocketAddr,
        graceful: &GracefulShutdown,
    ) -> impl Future<Output = ()> + Send + 'static {
        // An answer goes out in one write: nothing is gained by holding its last
        // segment back until the client acknowledges the others (Nagle).
        let _ = stream.set_nodelay(true);
        let clock = Clock::start(self.timeouts);
        let io = TokioIo::new(Watched::new(stream, Arc::clone(&clock)));
        let service = {
            let clock = Arc::clone(&clock);
            let answer = self.answer;
            hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                clock.on(Event::Request);
                let logged = access_log::Pending::of(&request);
                let (clock, answer) = (Arc::clone(&clock), Arc::clone(&answer));
                async move {
                    let mut response = if super::may_be_a_route(request.uri().path()) {
                        // What `ConnectInfo<SocketAddr>` extracts (the handlers use it).
                        request.extensions_mut().insert(ConnectInfo(peer));
                        let answered = answer.router.clone().oneshot(request).await;
                        answered.unwrap_or_else(|never| match never {})
                    } else {
                        answer.files.handle(request).await
                    };
                    clock.on(Event::Answer);
                    answer.policy.harden(&mut response);
                    logged.answered(response.status());
                    Ok::<_, Infallible>(response)
                }
            })
        };
        let connection = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            // The clock does it (see `timeouts`): hyper's would count idle time too.
            .header_read_timeout(None)
            .serve_connection(io, service);
        let connection = graceful.watch(connection);
        let (open, timeouts) = (self.open, self.timeouts);
        async move {
            let _open = open;
            tokio::select! {
                served = connection => {
                    if let Err(e) = served {
                        tracing::debug!("a connection ended: {e}");
                    }
                }
                expired = clock.expired() => match expired {
                    Expired::Head => tracing::debug!(
                        "closing a connection: no whole request head within {} s",
                        timeouts.header_read.as_secs()
                    ),
                    Expired::Idle => tracing::debug!(
                        "closing a connection idle for {} s",
                        timeouts.idle.as_secs()
                    ),
                },
            }
        }
    }
}

/// Counts a connection as open while it lives.
struct Open(Arc<AtomicUsize>);

impl Open {
    fn count(open: &Arc<AtomicUsize>) -> Open {
        open.fetch_add(1, Ordering::Relaxed);
        Open(Arc::clone(open))
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
