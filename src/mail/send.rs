//! The send loop: a pool of worker threads (one per connection), a shared rate limit,
//! retries with backoff, and a ledger written before and after every SMTP transaction.
//!
//! The loop runs on the calling thread and owns the ledger: before handing a batch of
//! recipients to the workers it records them as `sending` in one transaction; as each
//! reply comes back it records `sent`, `failed` or `deferred`, committing whatever has
//! arrived at once (small groups, never later than the next reply). Only a 250 reply
//! makes a row `sent`, and only a 5xx reply makes it `failed`: a local failure (a
//! message that cannot be built, an outbox that cannot be written) stops the run and
//! leaves its recipient `deferred` for the next one.
//!
//! A claim can be a moment old when its message is ready (the loop claims ahead of
//! the workers), and an unsubscribe can land in that moment. So each worker asks
//! again, on a ledger connection of its own, just before it hands a message over:
//! one who left is not sent to, and their row says why.

use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::compose::{Composer, Recipient};
use super::failure::{AttemptError, SmtpFailure};
use super::rate::RateLimiter;
use super::transport::Deliver;
use crate::error::Result;

/// Tuning of the send loop.
#[derive(Debug, Clone)]
pub(crate) struct SendOptions {
    /// Worker threads, hence at most this many SMTP connections at once.
    pub concurrency: usize,
    /// Messages per second over all connections; 0 means unlimited.
    pub rate_per_second: u32,
    /// SMTP transactions per recipient in this run before it is deferred to the next.
    pub max_attempts: u32,
    /// The first retry waits this long; each further one twice as long (up to 30 s).
    pub backoff: Duration,
    /// This many connection failures in a row, with no reply from the server between
    /// them, and the run stops: the server is unreachable.
    pub give_up_after: u32,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            concurrency: 4,
            rate_per_second: 0,
            max_attempts: 5,
            backoff: Duration::from_millis(500),
            give_up_after: 10,
        }
    }
}

/// Where one recipient stands after an attempt: the three states a delivery row can
/// take after `sending`, each with its reason.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub(crate) enum Settled {
    /// Accepted by the server (250).
    Sent,
    /// Refused for good by the server (5xx).
    Failed(SmtpFailure),
    /// Not delivered yet (a temporary or local failure, or the run stopped): this run
    /// may try again after a pause, else the next run does.
    Deferred(Arc<AttemptError>),
    /// Not sent: the recipient left the list (unsubscribed, bounced) between the claim
    /// and the hand-over. Done with, as `Sent` is.
    Withdrawn,
}

/// The sending ledger (one row per recipient), written by the loop's thread only.
pub(crate) trait DeliveryLog {
    /// Records `emails` as `sending`; must be durable when it returns. Returns, in
    /// order, whether each is still to be sent: one that unsubscribed meanwhile is not
    /// claimed, and the loop skips it.
    fn mark_sending(&mut self, emails: &[&str]) -> Result<Vec<bool>>;
    /// Records finished attempts.
    fn record(&mut self, results: &[(&str, &Settled)]) -> Result<()>;
    /// A check for one worker, asked just before each hand-over, by the same test as
    /// [`DeliveryLog::mark_sending`].
    fn recheck(&self) -> Result<Box<dyn Recheck>>;
}

/// Asks whether a claimed recipient is still to be sent to; one per worker thread.
pub(crate) trait Recheck: Send {
    /// Whether `email` is still to be sent to, as of now.
    fn still_to_send(&mut self, email: &str) -> Result<bool>;
}

/// What the loop did.
#[derive(Debug, Default)]
pub(crate) struct SendReport {
    /// Recipients whose message the server accepted.
    pub sent: usize,
    /// Recipients refused for good, with the reason.
    pub failed: Vec<(String, SmtpFailure)>,
    /// Recipients left for the next run, with the last reason.
    pub deferred: Vec<(String, Arc<AttemptError>)>,
    /// Set when the run stopped early.
    pub aborted: Option<Stopped>,
    /// Recipients the ledger did not claim when their turn came, or who left between
    /// the claim and the hand-over (they unsubscribed during the run): not sent to.
    pub skipped: Vec<String>,
}

/// Why a run stopped before every recipient was tried.
#[derive(Debug, Clone)]
pub(crate) enum Stopped {
    /// The server could not be reached, many times in a row.
    Unreachable(SmtpFailure),
    /// A local failure while building or handing over `recipient`'s message.
    Local {
        /// The recipient whose message failed.
        recipient: String,
        /// What failed (an [`AttemptError::Local`]).
        error: Arc<AttemptError>,
    },
}

impl Stopped {
    /// The reason given to the recipients the stop leaves for the next run.
    fn reason(&self) -> Arc<AttemptError> {
        match self {
            Stopped::Unreachable(failure) => Arc::new(AttemptError::Smtp(failure.clone())),
            Stopped::Local { error, .. } => error.clone(),
        }
    }
}

impl SendReport {
    /// Whether every recipient was either sent or permanently failed.
    pub(crate) fn is_complete(&self) -> bool {
        self.deferred.is_empty() && self.aborted.is_none()
    }
}

/// Called on the loop's thread when a recipient is done with for this run (sent,
/// failed, or deferred to the next run); not for an attempt this run retries.
pub(crate) type Progress<'a> = dyn FnMut(&str, &Settled) + 'a;

struct Job {
    recipient: Recipient,
    attempts: u32,
}

struct Done {
    job: Job,
    attempt: Attempt,
}

/// What a worker did with a job.
enum Attempt {
    /// Nothing: the run stopped before the job's turn.
    NotTried,
    /// Nothing: the recipient left after the claim.
    Withdrawn,
    /// Handed over, with the server's answer; or a local failure before that.
    Tried(Result<(), AttemptError>),
}

struct Waiting {
    at: Instant,
    job: Job,
}

impl PartialEq for Waiting {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
    }
}
impl Eq for Waiting {}
impl PartialOrd for Waiting {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiting {
    /// Earliest first in a max-heap.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.at.cmp(&self.at)
    }
}

/// Sends one message to each recipient, built by the composer of its
/// [`Recipient::edition`] in `composers`, records every step in `ledger`, and returns
/// when each is sent, failed or deferred (or the server proved unreachable).
/// One recipient's failure never stops the others.
pub(crate) fn send_all(
    recipients: Vec<Recipient>,
    composers: &[Composer],
    deliver: &dyn Deliver,
    ledger: &mut dyn DeliveryLog,
    options: &SendOptions,
    progress: &mut Progress<'_>,
) -> Result<SendReport> {
    let concurrency = options.concurrency.max(1);
    let limiter = RateLimiter::new(options.rate_per_second);
    let stop = AtomicBool::new(false);
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    let rechecks = (0..concurrency)
        .map(|_| ledger.recheck())
        .collect::<Result<Vec<_>>>()?;
    let hands = Hands {
        composers,
        deliver,
        limiter: &limiter,
    };
    std::thread::scope(|scope| {
        for mut recheck in rechecks {
            let done_tx = done_tx.clone();
            let (job_rx, hands, stop) = (&job_rx, &hands, &stop);
            scope.spawn(move || worker(job_rx, &done_tx, hands, recheck.as_mut(), stop));
        }
        drop(done_tx);
        let mut run = Run {
            fresh: recipients
                .into_iter()
                .map(|recipient| Job {
                    recipient,
                    attempts: 0,
                })
                .collect(),
            waiting: BinaryHeap::new(),
            in_flight: 0,
            connection_failures: 0,
            report: SendReport::default(),
            options,
            window: concurrency * 2,
        };
        let result = run.drive(job_tx, &done_rx, ledger, progress, &stop);
        stop.store(true, Ordering::SeqCst);
        result.map(|()| run.report)
    })
}

/// What every worker shares: the messages' composers, the transport, the rate limit.
struct Hands<'a> {
    composers: &'a [Composer],
    deliver: &'a dyn Deliver,
    limiter: &'a RateLimiter,
}

fn worker(
    jobs: &Mutex<mpsc::Receiver<Job>>,
    done: &mpsc::Sender<Done>,
    hands: &Hands<'_>,
    recheck: &mut dyn Recheck,
    stop: &AtomicBool,
) {
    loop {
        let job = {
            let jobs = jobs.lock().unwrap_or_else(|e| e.into_inner());
            jobs.recv()
        };
        let Ok(job) = job else { return };
        let attempt = if stop.load(Ordering::SeqCst) {
            Attempt::NotTried
        } else {
            hands.limiter.wait();
            attempt(&job.recipient, hands, recheck)
        };
        if done.send(Done { job, attempt }).is_err() {
            return;
        }
    }
}

/// Builds `recipient`'s message and hands it over, if they are still to be sent to
/// once it is built.
fn attempt(recipient: &Recipient, hands: &Hands<'_>, recheck: &mut dyn Recheck) -> Attempt {
    let composed = match hands.composers.get(recipient.edition) {
        Some(composer) => composer.compose(recipient),
        None => Err(crate::error::Error::Message {
            recipient: recipient.email.clone(),
            message: format!("no edition {} in this run", recipient.edition),
            source: None,
        }),
    };
    let message = match composed {
        Ok(message) => message,
        Err(e) => return Attempt::Tried(Err(e.into())),
    };
    match recheck.still_to_send(&recipient.email) {
        Ok(true) => Attempt::Tried(hands.deliver.deliver(&message.envelope, &message.bytes)),
        Ok(false) => Attempt::Withdrawn,
        Err(e) => Attempt::Tried(Err(e.into())),
    }
}

/// The loop's state.
struct Run<'o> {
    fresh: VecDeque<Job>,
    waiting: BinaryHeap<Waiting>,
    in_flight: usize,
    connection_failures: u32,
    report: SendReport,
    options: &'o SendOptions,
    window: usize,
}

impl Run<'_> {
    fn drive(
        &mut self,
        jobs: mpsc::Sender<Job>,
        done: &mpsc::Receiver<Done>,
        ledger: &mut dyn DeliveryLog,
        progress: &mut Progress<'_>,
        stop: &AtomicBool,
    ) -> Result<()> {
        loop {
            if self.report.aborted.is_none() {
                self.dispatch(&jobs, ledger)?;
            }
            if self.in_flight == 0 {
                if self.report.aborted.is_some()
                    || (self.fresh.is_empty() && self.waiting.is_empty())
                {
                    break;
                }
                std::thread::sleep(self.until_next_retry());
                continue;
            }
            let first = match done.recv_timeout(self.until_next_retry()) {
                Ok(first) => first,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            let batch: Vec<Done> = std::iter::once(first).chain(done.try_iter()).collect();
            self.in_flight -= batch.len();
            self.settle(batch, ledger, progress)?;
            if self.report.aborted.is_some() {
                stop.store(true, Ordering::SeqCst);
                self.abandon_queued(ledger, progress)?;
            }
        }
        Ok(())
    }

    /// Hands ready jobs to the workers, after recording them `sending`.
    fn dispatch(&mut self, jobs: &mpsc::Sender<Job>, ledger: &mut dyn DeliveryLog) -> Result<()> {
        let now = Instant::now();
        let mut batch = Vec::new();
        while self.in_flight + batch.len() < self.window {
            if self.waiting.peek().is_some_and(|w| w.at <= now) {
                batch.extend(self.waiting.pop().map(|w| w.job));
            } else if let Some(job) = self.fresh.pop_front() {
                batch.push(job);
            } else {
                break;
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        let emails: Vec<&str> = batch.iter().map(|j| j.recipient.email.as_str()).collect();
        let claimed = ledger.mark_sending(&emails)?;
        for (mut job, claimed) in batch.into_iter().zip(claimed) {
            if !claimed {
                self.report.skipped.push(job.recipient.email);
                continue;
            }
            job.attempts += 1;
            self.in_flight += 1;
            if let Err(mpsc::SendError(job)) = jobs.send(job) {
                // Every worker is gone; cannot happen while the scope lives.
                self.in_flight -= 1;
                self.fresh.push_front(job);
                break;
            }
        }
        Ok(())
    }

    fn settle(
        &mut self,
        batch: Vec<Done>,
        ledger: &mut dyn DeliveryLog,
        progress: &mut Progress<'_>,
    ) -> Result<()> {
        let mut settled = Vec::with_capacity(batch.len());
        for Done { job, attempt } in batch {
            let (state, retry) = self.judge(&job, attempt);
            settled.push((job, state, retry));
        }
        let rows: Vec<(&str, &Settled)> = settled
            .iter()
            .map(|(job, state, _)| (job.recipient.email.as_str(), state))
            .collect();
        ledger.record(&rows)?;
        for (job, state, retry) in settled {
            if retry {
                self.retry_later(job);
            } else {
                progress(&job.recipient.email, &state);
                self.count(job, state);
            }
        }
        Ok(())
    }

    /// Why recipients not reached in this run are deferred: the failure that stopped it.
    fn stop_reason(&self) -> Arc<AttemptError> {
        match &self.report.aborted {
            Some(stopped) => stopped.reason(),
            None => Arc::new(AttemptError::Smtp(SmtpFailure::Connection {
                message: "the run stopped".into(),
            })),
        }
    }

    /// Decides what an attempt's result means for its recipient, and whether this run
    /// tries it again.
    fn judge(&mut self, job: &Job, attempt: Attempt) -> (Settled, bool) {
        let failure = match attempt {
            Attempt::NotTried => {
                return (Settled::Deferred(self.stop_reason()), false);
            }
            Attempt::Withdrawn => return (Settled::Withdrawn, false),
            Attempt::Tried(Ok(())) => {
                self.connection_failures = 0;
                return (Settled::Sent, false);
            }
            Attempt::Tried(Err(local @ AttemptError::Local(_))) => {
                // Ours, not the recipient's: stop, and leave it for the next run.
                let error = Arc::new(local);
                self.report.aborted.get_or_insert_with(|| Stopped::Local {
                    recipient: job.recipient.email.clone(),
                    error: error.clone(),
                });
                return (Settled::Deferred(error), false);
            }
            Attempt::Tried(Err(AttemptError::Smtp(failure))) => failure,
        };
        match &failure {
            SmtpFailure::Connection { .. } => {
                self.connection_failures += 1;
                if self.connection_failures >= self.options.give_up_after {
                    self.report
                        .aborted
                        .get_or_insert_with(|| Stopped::Unreachable(failure.clone()));
                }
            }
            _ => self.connection_failures = 0,
        }
        if !failure.is_retryable() {
            (Settled::Failed(failure), false)
        } else {
            let retry = job.attempts < self.options.max_attempts && self.report.aborted.is_none();
            (Settled::Deferred(Arc::new(failure.into())), retry)
        }
    }

    fn count(&mut self, job: Job, state: Settled) {
        let email = job.recipient.email.clone();
        match state {
            Settled::Sent => self.report.sent += 1,
            Settled::Failed(failure) => self.report.failed.push((email, failure)),
            Settled::Deferred(failure) => self.report.deferred.push((email, failure)),
            Settled::Withdrawn => self.report.skipped.push(email),
        }
    }

    /// Queues `job` again after a pause that doubles with each attempt.
    fn retry_later(&mut self, job: Job) {
        let exponent = job.attempts.saturating_sub(1).min(6);
        let pause = (self.options.backoff * 2u32.pow(exponent)).min(Duration::from_secs(30));
        self.waiting.push(Waiting {
            at: Instant::now() + pause,
            job,
        });
    }

    /// After an abort: everything not yet attempted is deferred to the next run.
    fn abandon_queued(
        &mut self,
        ledger: &mut dyn DeliveryLog,
        progress: &mut Progress<'_>,
    ) -> Result<()> {
        let reason = self.stop_reason();
        let retrying: Vec<Job> = std::mem::take(&mut self.waiting)
            .into_iter()
            .map(|w| w.job)
            .collect();
        let fresh: Vec<Job> = std::mem::take(&mut self.fresh).into();
        let state = Settled::Deferred(reason);
        // Retrying jobs have a ledger row; fresh ones were never marked and need none.
        let rows: Vec<(&str, &Settled)> = retrying
            .iter()
            .map(|j| (j.recipient.email.as_str(), &state))
            .collect();
        ledger.record(&rows)?;
        for job in retrying.into_iter().chain(fresh) {
            progress(&job.recipient.email, &state);
            self.count(job, state.clone());
        }
        Ok(())
    }

    fn until_next_retry(&self) -> Duration {
        self.waiting
            .peek()
            .map(|w| w.at.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_secs(1))
            .max(Duration::from_millis(1))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;
    use crate::digest::Rendered;
    use crate::mail::compose::ComposerSettings;
    use crate::mail::unsubscribe::Unsubscribe;
    use lettre::address::Envelope;

    /// Replies scripted per recipient, one per attempt; accepts once the script runs out.
    /// Also checks that the ledger says `sending` whenever a message is handed over.
    struct Fake {
        script: Mutex<HashMap<String, Vec<SmtpFailure>>>,
        ledger: std::sync::Arc<Mutex<HashMap<String, String>>>,
        handed: Mutex<Vec<String>>,
        /// Each recipient's last message.
        messages: Mutex<HashMap<String, String>>,
    }

    impl Deliver for Fake {
        fn deliver(&self, envelope: &Envelope, bytes: &[u8]) -> Result<(), AttemptError> {
            let to = envelope.to()[0].to_string();
            let state = self.ledger.lock().unwrap().get(&to).cloned();
            assert_eq!(
                state.as_deref(),
                Some("sending"),
                "{to} handed over before `sending`"
            );
            self.handed.lock().unwrap().push(to.clone());
            self.messages
                .lock()
                .unwrap()
                .insert(to.clone(), String::from_utf8_lossy(bytes).into_owned());
            let mut script = self.script.lock().unwrap();
            match script.get_mut(&to).filter(|s| !s.is_empty()) {
                Some(replies) => Err(replies.remove(0).into()),
                None => Ok(()),
            }
        }
        fn describe(&self) -> String {
            "fake".into()
        }
    }

    /// Claims everyone; each worker rechecks with a copy of `check`.
    struct MapLog {
        states: std::sync::Arc<Mutex<HashMap<String, String>>>,
        check: ListCheck,
    }

    /// `left` are those who leave just after their claim; the recheck of `unreadable`
    /// fails.
    #[derive(Clone, Default)]
    struct ListCheck {
        left: Vec<String>,
        unreadable: Vec<String>,
    }

    impl Recheck for ListCheck {
        fn still_to_send(&mut self, email: &str) -> Result<bool> {
            if self.unreadable.iter().any(|e| e == email) {
                return Err(crate::error::Error::io(
                    std::path::Path::new("state.db"),
                    std::io::Error::other("disk I/O error"),
                ));
            }
            Ok(!self.left.iter().any(|e| e == email))
        }
    }

    impl DeliveryLog for MapLog {
        fn recheck(&self) -> Result<Box<dyn Recheck>> {
            Ok(Box::new(self.check.clone()))
        }
        fn mark_sending(&mut self, emails: &[&str]) -> Result<Vec<bool>> {
            let mut map = self.states.lock().unwrap();
            for email in emails {
                map.insert(email.to_string(), "sending".into());
            }
            Ok(vec![true; emails.len()])
        }
        fn record(&mut self, results: &[(&str, &Settled)]) -> Result<()> {
            let mut map = self.states.lock().unwrap();
            for (email, state) in results {
                let name = match state {
                    Settled::Sent => "sent",
                    Settled::Failed(_) => "failed",
                    Settled::Deferred(_) => "deferred",
                    Settled::Withdrawn => "skipped",
                };
                map.insert(email.to_string(), name.into());
            }
            Ok(())
        }
    }

    fn composer(subject: &str) -> Composer {
        let settings = ComposerSettings {
            issue: "20260101-abc",
            from: "Site <news@example.com>",
            reply_to: None,
            site_title: "Site",
            unsubscribe: Unsubscribe {
                url: Some("https://example.com/u/{token}".into()),
                mailto: None,
                preferences: None,
                secret: b"k".to_vec(),
            },
            dkim: None,
            date: std::time::SystemTime::UNIX_EPOCH,
            subject_prefix: "",
            bounce_address: None,
            archived_at: None,
        };
        let rendered = Rendered {
            subject: subject.into(),
            html: "<p>h</p>".into(),
            text: "t".into(),
        };
        Composer::new(settings, rendered, std::path::Path::new("herald.yaml")).unwrap()
    }

    fn transient() -> SmtpFailure {
        SmtpFailure::Transient {
            code: 451,
            message: "later".into(),
        }
    }

    fn connection() -> SmtpFailure {
        SmtpFailure::Connection {
            message: "refused".into(),
        }
    }

    fn recipients(emails: &[&str]) -> Vec<Recipient> {
        emails
            .iter()
            .map(|e| Recipient {
                email: e.to_string(),
                name: None,
                edition: 0,
            })
            .collect()
    }

    fn run(
        script: &[(&str, Vec<SmtpFailure>)],
        emails: &[&str],
    ) -> (SendReport, Fake, HashMap<String, String>) {
        run_editions(script, recipients(emails), &[composer("S")])
    }

    fn run_editions(
        script: &[(&str, Vec<SmtpFailure>)],
        recipients: Vec<Recipient>,
        composers: &[Composer],
    ) -> (SendReport, Fake, HashMap<String, String>) {
        let ledger = MapLog {
            states: Default::default(),
            check: ListCheck::default(),
        };
        run_with(script, recipients, composers, ledger)
    }

    fn run_with(
        script: &[(&str, Vec<SmtpFailure>)],
        recipients: Vec<Recipient>,
        composers: &[Composer],
        mut log: MapLog,
    ) -> (SendReport, Fake, HashMap<String, String>) {
        let count = recipients.len();
        let ledger = log.states.clone();
        let fake = Fake {
            script: Mutex::new(
                script
                    .iter()
                    .map(|(e, s)| (e.to_string(), s.clone()))
                    .collect(),
            ),
            ledger: ledger.clone(),
            handed: Mutex::new(Vec::new()),
            messages: Mutex::new(HashMap::new()),
        };
        let options = SendOptions {
            concurrency: 3,
            backoff: Duration::from_millis(1),
            give_up_after: 4,
            ..SendOptions::default()
        };
        let mut seen = 0;
        let report = send_all(
            recipients,
            composers,
            &fake,
            &mut log,
            &options,
            &mut |_, _| seen += 1,
        )
        .unwrap();
        assert!(seen >= count);
        let states = ledger.lock().unwrap().clone();
        (report, fake, states)
    }

    #[test]
    fn each_recipient_gets_the_message_of_its_edition() {
        let recipient = |email: &str, edition| Recipient {
            email: email.into(),
            name: None,
            edition,
        };
        let recipients = vec![
            recipient("a@x.org", 0),
            recipient("b@x.org", 1),
            recipient("c@x.org", 0),
        ];
        let composers = [composer("All of it"), composer("Part of it")];
        let (report, fake, _) = run_editions(&[], recipients, &composers);
        let messages = fake.messages.lock().unwrap();
        for (email, subject) in [
            ("a@x.org", "Subject: All of it"),
            ("b@x.org", "Subject: Part of it"),
            ("c@x.org", "Subject: All of it"),
        ] {
            assert!(
                messages[email].contains(subject),
                "{email}: {}",
                messages[email]
            );
        }
        assert_eq!(report.sent, 3);
        // An edition the run does not have is a local failure: the run stops there and
        // nothing is handed over for it.
        let (report, fake, _) = run_editions(&[], vec![recipient("d@x.org", 7)], &composers);
        assert!(fake.messages.lock().unwrap().is_empty());
        assert!(matches!(report.aborted, Some(Stopped::Local { .. })));
    }

    #[test]
    fn each_reply_class_gets_its_own_treatment() {
        let emails = [
            "ok@x.org",
            "grey@x.org",
            "gone@x.org",
            "busy@x.org",
            "drop@x.org",
        ];
        let gone = SmtpFailure::Permanent {
            code: Some(550),
            message: "no such user".into(),
        };
        let script = [
            ("grey@x.org", vec![transient(), transient()]),
            ("gone@x.org", vec![gone.clone()]),
            ("busy@x.org", vec![transient(); 9]),
            ("drop@x.org", vec![connection()]),
        ];
        let (report, fake, states) = run(&script, &emails);
        assert_eq!(
            report.sent, 3,
            "ok, grey after two 451s, drop after a reconnect"
        );
        assert_eq!(report.failed, [("gone@x.org".to_string(), gone)]);
        assert_eq!(
            report.deferred.len(),
            1,
            "busy: 451 five times, left for the next run"
        );
        assert_eq!(report.deferred[0].0, "busy@x.org");
        assert!(!report.is_complete());
        let handed = fake.handed.lock().unwrap();
        let count = |e: &str| handed.iter().filter(|h| *h == e).count();
        assert_eq!(
            (count("ok@x.org"), count("grey@x.org"), count("gone@x.org")),
            (1, 3, 1)
        );
        assert_eq!((count("busy@x.org"), count("drop@x.org")), (5, 2));
        assert_eq!(states["ok@x.org"], "sent");
        assert_eq!(states["gone@x.org"], "failed");
        assert_eq!(states["busy@x.org"], "deferred");
    }

    #[test]
    fn an_unreachable_server_stops_the_run_and_defers_everyone_left() {
        let emails: Vec<String> = (0..30).map(|i| format!("r{i}@x.org")).collect();
        let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
        let script: Vec<(&str, Vec<SmtpFailure>)> =
            refs.iter().map(|e| (*e, vec![connection(); 10])).collect();
        let (report, fake, states) = run(&script, &refs);
        assert!(report.aborted.is_some());
        assert_eq!(report.sent, 0);
        assert_eq!(report.deferred.len(), 30);
        assert!(fake.handed.lock().unwrap().len() < 12, "stopped early");
        assert!(states.values().all(|s| s == "deferred"), "{states:?}");
    }

    #[test]
    fn a_local_failure_stops_the_run_and_fails_nobody() {
        let emails: Vec<String> = (0..20).map(|i| format!("r{i:02}@x.org")).collect();
        let mut refs: Vec<&str> = emails.iter().map(String::as_str).collect();
        refs.insert(1, "not an address");
        let (report, fake, states) = run(&[], &refs);
        assert!(report.failed.is_empty());
        assert!(
            matches!(&report.aborted, Some(Stopped::Local { recipient, .. }) if recipient == "not an address"),
            "{:?}",
            report.aborted
        );
        assert!(!report.is_complete());
        assert_eq!(states["not an address"], "deferred");
        assert!(fake.handed.lock().unwrap().len() < 20, "stopped early");
        assert_eq!(report.sent + report.deferred.len(), 21);
    }

    #[test]
    fn one_who_leaves_after_the_claim_is_not_sent_to() {
        let log = MapLog {
            states: Default::default(),
            check: ListCheck {
                left: vec!["b@x.org".into()],
                unreadable: Vec::new(),
            },
        };
        let emails = ["a@x.org", "b@x.org", "c@x.org"];
        let (report, fake, states) = run_with(&[], recipients(&emails), &[composer("S")], log);
        assert_eq!(report.sent, 2);
        assert_eq!(report.skipped, ["b@x.org"]);
        assert!(report.is_complete());
        let handed = fake.handed.lock().unwrap();
        assert!(!handed.iter().any(|h| h == "b@x.org"), "{handed:?}");
        assert_eq!(states["b@x.org"], "skipped");
        assert_eq!(states["c@x.org"], "sent");
    }

    #[test]
    fn a_recheck_that_fails_stops_the_run_before_the_hand_over() {
        let log = MapLog {
            states: Default::default(),
            check: ListCheck {
                left: Vec::new(),
                unreadable: vec!["b@x.org".into()],
            },
        };
        let emails = ["a@x.org", "b@x.org", "c@x.org"];
        let (report, fake, states) = run_with(&[], recipients(&emails), &[composer("S")], log);
        assert!(
            matches!(&report.aborted, Some(Stopped::Local { recipient, .. }) if recipient == "b@x.org"),
            "{:?}",
            report.aborted
        );
        assert!(report.failed.is_empty());
        assert!(!fake.handed.lock().unwrap().iter().any(|h| h == "b@x.org"));
        assert_eq!(states["b@x.org"], "deferred");
    }

    #[test]
    fn nothing_to_send_is_complete() {
        let (report, _, _) = run(&[], &[]);
        assert!(report.is_complete());
        assert_eq!(report.sent, 0);
    }
}
