//! How a line of the log is formatted: as `tracing-subscriber`'s default format does
//! (`2026-12-02T22:42:01.603431Z  INFO herald::serve::access_log: GET /rss.xml 200 0.1ms`),
//! with a shorter way for the access log's lines, one per request: their date and time
//! to the second are formatted once per second per thread, and their message is written
//! as it is. A test holds the two ways to the same bytes.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::SystemTime as Clock;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use super::ACCESS_LOG;

/// The log's event format.
#[derive(Default)]
pub(super) struct Lines {
    full: Format<Full, Clock>,
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        // Only a message, outside any span, without colours: what the access log logs.
        let plain = meta.target() == ACCESS_LOG
            && meta.fields().len() == 1
            && !writer.has_ansi_escapes()
            && ctx.event_scope().is_none();
        if !plain {
            return self.full.format_event(ctx, writer, event);
        }
        write_now(&mut writer)?;
        write!(writer, "{} {}: ", level(meta.level()), meta.target())?;
        let mut message = Message {
            writer: &mut writer,
            result: Ok(()),
        };
        event.record(&mut message);
        message.result?;
        writeln!(writer)
    }
}

/// The level as the default format pads it.
fn level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => " INFO",
        Level::WARN => " WARN",
        _ => "ERROR",
    }
}

thread_local! {
    /// The second last formatted on this thread, and its text up to the `.`.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((0, String::new())) };
}

/// The time now, as the default format writes it (UTC, to the microsecond), and a
/// space.
fn write_now(writer: &mut impl fmt::Write) -> fmt::Result {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != now.as_secs() || text.is_empty() {
            text.clear();
            let at = i64::try_from(now.as_secs())
                .ok()
                .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
                .unwrap_or_default();
            write!(text, "{}", at.format("%Y-%m-%dT%H:%M:%S"))?;
            *second = now.as_secs();
        }
        write!(writer, "{text}.{:06}Z ", now.subsec_micros())
    })
}

/// Writes an event's message.
struct Message<'w, 'a> {
    writer: &'w mut Writer<'a>,
    result: fmt::Result,
}

impl Visit for Message<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" && self.result.is_ok() {
            self.result = write!(self.writer, "{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What a subscriber wrote.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// The lines the same events make through `format`.
    fn log_with<F>(format: F) -> String
    where
        F: FormatEvent<
                tracing_subscriber::Registry,
                tracing_subscriber::fmt::format::DefaultFields,
            > + Send
            + Sync
            + 'static,
    {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(Level::TRACE)
            .event_format(format)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let (method, path, status, ms) = ("GET", "/rss.xml", 200, 0.123);
            tracing::info!(target: ACCESS_LOG, "{method} {path} {status} {ms:.1}ms");
            tracing::info!(target: ACCESS_LOG, "POST /unsubscribe/… 200 12.0ms");
            tracing::warn!(target: ACCESS_LOG, "GET /x 404 0.0ms");
            tracing::info!(target: ACCESS_LOG, path = "/rss.xml", "with a field");
            tracing::warn!("the log did not keep up: 3 lines dropped");
            tracing::info!("listening on \u{1b}[31mred");
        });
        out.text()
    }

    /// Each line without its time, and the time.
    fn split(text: &str) -> (Vec<&str>, Vec<&str>) {
        text.lines()
            .map(|line| {
                let (time, rest) = line.split_once(' ').unwrap();
                (rest, time)
            })
            .unzip()
    }

    #[test]
    fn lines_are_the_default_formats_to_the_byte() {
        let ours = log_with(Lines::default());
        let theirs = log_with(Format::<Full, Clock>::default());
        let (our_lines, our_times) = split(&ours);
        let (their_lines, their_times) = split(&theirs);
        assert_eq!(our_lines, their_lines, "\n{ours}\n{theirs}");
        assert_eq!(our_lines.len(), 6);
        for (ours, theirs) in our_times.iter().zip(&their_times) {
            let ours = chrono::DateTime::parse_from_rfc3339(ours).expect(ours);
            let theirs = chrono::DateTime::parse_from_rfc3339(theirs).expect(theirs);
            assert!(
                (ours - theirs).abs() < chrono::TimeDelta::seconds(5),
                "{ours} {theirs}"
            );
        }
        for (ours, theirs) in our_times.iter().zip(&their_times) {
            assert_eq!(ours.len(), theirs.len(), "{ours} {theirs}");
        }
    }
}
