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
//! Recording an event only updates the phase: it wakes nothing and sets no timer, so a
//! request costs the clock a few uncontended locks. [`Clock::expired`] looks at the
//! phase on its own schedule instead, never later than a deadline (see there).
//!
//! hyper's own `header_read_timeout` is not used: it starts as soon as hyper waits for
//! a head, which on a kept-alive connection is the end of the previous answer, so it
//! cannot tell a slow request from an idle connection.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
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
    timeouts: Timeouts,
}

impl Clock {
    /// The clock of a connection that just opened: its first head is on its way.
    pub(crate) fn start(timeouts: Timeouts) -> Arc<Clock> {
        Arc::new(Clock {
            phase: Mutex::new(Phase::Head {
                since: Instant::now(),
            }),
            timeouts,
        })
    }

    /// Records `event`.
    pub(crate) fn on(&self, event: Event) {
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        *phase = phase.next(event, Instant::now());
    }

    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Resolves when the current phase has lasted longer than its limit.
    ///
    /// Nothing wakes it when the phase changes: it looks at the phase at the times
    /// [`next_look`] gives, which is never later than the deadline of any phase that
    /// may begin in the meantime.
    pub(crate) async fn expired(&self) -> Expired {
        let sleep = tokio::time::sleep(Duration::ZERO);
        let mut sleep = std::pin::pin!(sleep);
        loop {
            let now = Instant::now();
            match next_look(self.phase(), self.timeouts, now) {
                Look::Expired(expired) => return expired,
                Look::At(at) => {
                    sleep.as_mut().reset(at);
                    sleep.as_mut().await;
                }
            }
        }
    }
}

/// What [`Clock::expired`] does after looking at the phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    /// The phase's time is up.
    Expired(Expired),
    /// Look again then.
    At(Instant),
}

/// The least a limit can be, so that looking again never spins.
const MIN_LOOK: Duration = Duration::from_millis(10);

/// After looking at `phase` at `now`: expired, or when to look again. That is the
/// phase's deadline, but no later than the shorter limit from now: a phase that begins
/// after `now` (unseen until the next look) starts its time at or after `now`, so its
/// deadline is at least that far away, and a phase already under way only moves its
/// deadline later (more bytes of a head do not; bytes out while idle push it back).
pub(crate) fn next_look(phase: Phase, timeouts: Timeouts, now: Instant) -> Look {
    let shortest = timeouts.header_read.min(timeouts.idle).max(MIN_LOOK);
    match phase.deadline(timeouts) {
        Some((at, expired)) if at <= now => Look::Expired(expired),
        Some((at, _)) => Look::At(at.min(now + shortest)),
        None => Look::At(now + shortest),
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

    /// When the connection's time is up, given its events: the first deadline that
    /// passes before the next event (an event at the deadline itself comes first).
    fn expiry(events: &[(Event, Instant)], start: Instant) -> Option<Instant> {
        let mut phase = Phase::Head { since: start };
        for &(event, at) in events {
            if let Some((deadline, _)) = phase.deadline(TIMEOUTS)
                && deadline < at
            {
                return Some(deadline);
            }
            phase = phase.next(event, at);
        }
        phase.deadline(TIMEOUTS).map(|(deadline, _)| deadline)
    }

    /// When [`Clock::expired`] sees it: it looks at the phase only at the times
    /// [`next_look`] gives, and the events up to a look have happened by then.
    fn seen(events: &[(Event, Instant)], start: Instant) -> Option<Instant> {
        let mut phase = Phase::Head { since: start };
        let mut look = start;
        let mut rest = events.iter().peekable();
        loop {
            while let Some(&&(event, at)) = rest.peek() {
                if at > look {
                    break;
                }
                phase = phase.next(event, at);
                rest.next();
            }
            match next_look(phase, TIMEOUTS, look) {
                Look::Expired(_) => return Some(look),
                Look::At(at) => {
                    assert!(at > look, "{events:?}: looks again at once");
                    if rest.peek().is_none() && phase.deadline(TIMEOUTS).is_none() {
                        return None;
                    }
                    look = at;
                }
            }
        }
    }

    #[test]
    fn looking_now_and_then_sees_each_deadline_exactly_when_it_passes() {
        let t0 = Instant::now();
        let events = [Event::Read, Event::Wrote, Event::Request, Event::Answer];
        let times = [
            0, 5, 9_999, 10_000, 10_001, 20_000, 150_000, 190_000, 200_000,
        ];
        // Every sequence of up to 4 events at those times (in milliseconds), in order.
        let mut sequences: Vec<Vec<(Event, u64)>> = vec![vec![]];
        let mut level = sequences.clone();
        for _ in 0..4 {
            let mut longer = Vec::new();
            for sequence in &level {
                let last = sequence.last().map_or(0, |&(_, t)| t);
                for &event in &events {
                    for &t in times.iter().filter(|&&t| t >= last) {
                        let mut next = sequence.clone();
                        next.push((event, t));
                        longer.push(next);
                    }
                }
            }
            sequences.extend(longer.iter().cloned());
            level = longer;
        }
        for sequence in sequences {
            let events: Vec<_> = sequence
                .iter()
                .map(|&(event, ms)| (event, t0 + Duration::from_millis(ms)))
                .collect();
            assert_eq!(seen(&events, t0), expiry(&events, t0), "{sequence:?}");
        }
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
