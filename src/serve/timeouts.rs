//! The clock of each connection: how long it may take to send a request head
//! (`serve.header_read_timeout_seconds`), and how long it may sit idle between requests
//! (`serve.idle_timeout_seconds`).
//!
//! A connection is always in one [`Phase`]: sending a request head (from the moment it
//! opens, or, for a later request, from the head's first byte), being answered (no limit
//! here: that is the handler's own work), or idle after an answer (from its last byte
//! out). [`Phase::next`] is the whole rule, with no I/O. [`Watched`] reports the bytes a
//! connection reads and writes, the service reports each request and answer, and
//! [`Clock::expired`] resolves when the phase's time is up, which closes the connection.
//!
//! hyper's own `header_read_timeout` is not used: it starts as soon as hyper waits for
//! a head, which on a kept-alive connection is the end of the previous answer, so it
//! cannot tell a slow request from an idle connection.

use std::io;
use std::mem::discriminant;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// How long each phase may last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    /// From a head's first byte (or the connection's start) to its end.
    pub(crate) header_read: Duration,
    /// From an answer's last byte out to the next request's first byte in.
    pub(crate) idle: Duration,
}

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// A request head is on its way, since `since`.
    Head { since: Instant },
    /// `requests` requests are being answered (one at a time over HTTP/1.1, but the
    /// count does not rely on it).
    Busy { requests: usize },
    /// Waiting for the next request since `since`.
    Idle { since: Instant },
}

/// What happened on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// Bytes arrived from the client.
    Read,
    /// Bytes went out to the client.
    Wrote,
    /// A request head is complete: its handler starts.
    Request,
    /// A handler returned its answer (which may still be going out).
    Answer,
}

/// Which limit closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expired {
    /// The request head did not arrive whole in time.
    Head,
    /// No request came in time after the last answer.
    Idle,
}

impl Phase {
    /// The phase after `event` at `now`.
    pub(crate) fn next(self, event: Event, now: Instant) -> Phase {
        match (self, event) {
            // A head's time runs from its first byte: more bytes do not extend it.
            (Phase::Head { .. }, Event::Read) => self,
            (Phase::Idle { .. }, Event::Read) => Phase::Head { since: now },
            // A request body, or the next request sent early (pipelining).
            (Phase::Busy { .. }, Event::Read) => self,
            // An answer still going out: the client is reading, the connection is alive.
            (Phase::Idle { .. }, Event::Wrote) => Phase::Idle { since: now },
            (Phase::Head { .. } | Phase::Busy { .. }, Event::Wrote) => self,
            (Phase::Busy { requests }, Event::Request) => Phase::Busy {
                requests: requests + 1,
            },
            (Phase::Head { .. } | Phase::Idle { .. }, Event::Request) => {
                Phase::Busy { requests: 1 }
            }
            (Phase::Busy { requests }, Event::Answer) if requests > 1 => Phase::Busy {
                requests: requests - 1,
            },
            (Phase::Busy { .. } | Phase::Head { .. } | Phase::Idle { .. }, Event::Answer) => {
                Phase::Idle { since: now }
            }
        }
    }

    /// When this phase's time is up, and which limit that is; `None` while busy.
    pub(crate) fn deadline(self, timeouts: Timeouts) -> Option<(Instant, Expired)> {
        match self {
            Phase::Head { since } => Some((since + timeouts.header_read, Expired::Head)),
            Phase::Idle { since } => Some((since + timeouts.idle, Expired::Idle)),
            Phase::Busy { .. } => None,
        }
    }
}

/// One connection's phase, shared by its stream ([`Watched`]), its service and the
/// task that serves it.
#[derive(Debug)]
pub(crate) struct Clock {
    phase: Mutex<Phase>,
    /// Wakes [`Clock::expired`] when the phase becomes another kind (its deadline may
    /// then be earlier than the one it sleeps until).
    changed: Notify,
    timeouts: Timeouts,
}

impl Clock {
    /// The clock of a connection that just opened: its first head is on its way.
    pub(crate) fn start(timeouts: Timeouts) -> Arc<Clock> {
        Arc::new(Clock {
            phase: Mutex::new(Phase::Head {
                since: Instant::now(),
            }),
            changed: Notify::new(),
            timeouts,
        })
    }

    /// Records `event`.
    pub(crate) fn on(&self, event: Event) {
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        let before = *phase;
        *phase = before.next(event, Instant::now());
        if discriminant(&before) != discriminant(&*phase) {
            self.changed.notify_one();
        }
    }

    fn deadline(&self) -> Option<(Instant, Expired)> {
        let phase = *self.phase.lock().unwrap_or_else(|e| e.into_inner());
        phase.deadline(self.timeouts)
    }

    /// Resolves when the current phase has lasted longer than its limit.
    pub(crate) async fn expired(&self) -> Expired {
        loop {
            match self.deadline() {
                None => self.changed.notified().await,
                Some((at, expired)) if at <= Instant::now() => return expired,
                // Past `at` the phase is read again: a refreshed one sleeps on.
                Some((at, _)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = self.changed.notified() => {}
                    }
                }
            }
        }
    }
}

/// A connection's stream, reporting the bytes it reads and writes to its [`Clock`].
pub(crate) struct Watched<S> {
    inner: S,
    clock: Arc<Clock>,
}

impl<S> Watched<S> {
    pub(crate) fn new(inner: S, clock: Arc<Clock>) -> Self {
        Watched { inner, clock }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.clock.on(Event::Read);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(&polled);
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S> Watched<S> {
    fn wrote(&self, polled: &Poll<io::Result<usize>>) {
        if matches!(polled, Poll::Ready(Ok(n)) if *n > 0) {
            self.clock.on(Event::Wrote);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUTS: Timeouts = Timeouts {
        header_read: Duration::from_secs(10),
        idle: Duration::from_secs(180),
    };

    #[test]
    fn each_phase_and_event() {
        let t0 = Instant::now();
        let now = t0 + Duration::from_secs(5);
        let head = Phase::Head { since: t0 };
        let idle = Phase::Idle { since: t0 };
        let busy = |requests| Phase::Busy { requests };
        let cases = [
            (head, Event::Read, head),
            (head, Event::Wrote, head),
            (head, Event::Request, busy(1)),
            (head, Event::Answer, Phase::Idle { since: now }),
            (idle, Event::Read, Phase::Head { since: now }),
            (idle, Event::Wrote, Phase::Idle { since: now }),
            (idle, Event::Request, busy(1)),
            (idle, Event::Answer, Phase::Idle { since: now }),
            (busy(1), Event::Read, busy(1)),
            (busy(1), Event::Wrote, busy(1)),
            (busy(1), Event::Request, busy(2)),
            (busy(2), Event::Answer, busy(1)),
            (busy(1), Event::Answer, Phase::Idle { since: now }),
        ];
        for (phase, event, expected) in cases {
            assert_eq!(phase.next(event, now), expected, "{phase:?} {event:?}");
        }
    }

    #[test]
    fn deadlines() {
        let t0 = Instant::now();
        assert_eq!(
            Phase::Head { since: t0 }.deadline(TIMEOUTS),
            Some((t0 + Duration::from_secs(10), Expired::Head))
        );
        assert_eq!(
            Phase::Idle { since: t0 }.deadline(TIMEOUTS),
            Some((t0 + Duration::from_secs(180), Expired::Idle))
        );
        assert_eq!(Phase::Busy { requests: 1 }.deadline(TIMEOUTS), None);
    }

    #[test]
    fn a_trickled_head_is_timed_from_its_first_byte_and_idle_from_the_last_byte_out() {
        let t0 = Instant::now();
        let at = |seconds| t0 + Duration::from_secs(seconds);
        // A kept-alive connection answers, writes for a while, then waits.
        let mut phase = Phase::Busy { requests: 1 }.next(Event::Answer, at(0));
        phase = phase.next(Event::Wrote, at(3));
        assert_eq!(phase.deadline(TIMEOUTS), Some((at(183), Expired::Idle)));
        // The next head starts at 100 and trickles in: its deadline stays at 110.
        for second in 100..120 {
            phase = phase.next(Event::Read, at(second));
        }
        assert_eq!(phase.deadline(TIMEOUTS), Some((at(110), Expired::Head)));
    }
}
