//! The sign-up worker: one background thread that takes sign-ups off the queue in the
//! state database, lets the subscriber lifecycle decide each (a new or returning
//! address gets a link; an active one gets nothing), and mails the confirmation
//! through the same transport as the newsletter (the SMTP relay, or `.eml` files in
//! `<state folder>/outbox/confirm/`). It also drops sign-ups never confirmed once
//! their link has expired.
//!
//! A sign-up is answered as soon as it is queued, so the answer takes the same work
//! whatever the address's state (and reveals nothing about it), a slow relay never
//! holds a request, and a restart loses no mail: the queue is in the database.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration as StdDuration, Instant, SystemTime};

use askama::Template;
use chrono::{DateTime, Duration, Utc};

use super::app::Clock;
use super::confirm_token;
use super::pages::ConfirmMail;
use crate::config::{Config, Secrets, Topic};
use crate::mail::Deliver;
use crate::mail::compose::{Composed, Letterhead};
use crate::newsletter::lifecycle::{self, Effect, Event, Policy};
use crate::newsletter::transport_for;
use crate::store::{QueuedSignup, Store};

/// Sign-ups waiting past which new ones are refused (503) rather than queued.
pub(crate) const MAX_QUEUED: usize = 1_000;

/// How often the worker looks at the queue without being woken (sign-ups queued
/// before a restart, retries coming due, the hourly cap freeing).
const POLL: StdDuration = StdDuration::from_secs(1);

/// How often pending sign-ups are checked for expired links.
const SWEEP: StdDuration = StdDuration::from_secs(60);

/// Attempts to mail one sign-up before it is given up (logged).
const MAX_ATTEMPTS: u32 = 8;

/// The handle the handlers use to wake the worker.
pub(crate) struct Mailer {
    wake: SyncSender<()>,
}

impl Mailer {
    /// Starts the worker; `letterhead` is the newsletter's (`newsletter.from`,
    /// `reply_to`, `dkim`), so confirmation mails are built and signed as issues are.
    pub(crate) fn start(
        config: &Config,
        secrets: &Secrets,
        letterhead: Letterhead,
        secret: Vec<u8>,
        clock: Clock,
    ) -> Mailer {
        let (wake, woken) = sync_channel(1);
        let (config, secrets) = (config.clone(), secrets.clone());
        std::thread::Builder::new()
            .name("herald-mailer".into())
            .spawn(move || {
                // Built on its own thread: a transport is not `Send`.
                let worker = Worker {
                    policy: Policy::from(&config.newsletter.bounces),
                    config,
                    secrets,
                    letterhead,
                    secret,
                    clock,
                    store: None,
                    transport: None,
                    swept: None,
                };
                worker.run(&woken);
            })
            .expect("spawning the mailer thread");
        Mailer { wake }
    }

    /// Tells the worker a sign-up is queued.
    pub(crate) fn wake(&self) {
        // A full channel already holds a wake-up; the worker reads the whole queue.
        let _ = self.wake.try_send(());
    }
}

/// What the worker did with the head of the queue.
enum Step {
    /// Handled one sign-up; look again.
    Done,
    /// Nothing to do until woken or the next poll.
    Idle,
}

struct Worker {
    config: Config,
    secrets: Secrets,
    letterhead: Letterhead,
    secret: Vec<u8>,
    clock: Clock,
    policy: Policy,
    /// Its own connection, opened on first use and again after a failure.
    store: Option<Store>,
    /// Opened on first use, and again after a failure.
    transport: Option<Box<dyn Deliver>>,
    /// When expired sign-ups were last dropped.
    swept: Option<Instant>,
}

impl Worker {
    fn run(mut self, woken: &Receiver<()>) {
        loop {
            self.work();
            match woken.recv_timeout(POLL) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Handles every due sign-up, then drops expired ones when it is time.
    fn work(&mut self) {
        loop {
            match self.step() {
                Ok(Step::Done) => {}
                Ok(Step::Idle) => break,
                Err(e) => {
                    tracing::error!("sign-up queue: {e}");
                    self.store = None;
                    break;
                }
            }
        }
        if self.swept.is_none_or(|at| at.elapsed() >= SWEEP) {
            self.swept = Some(Instant::now());
            if let Err(e) = self.sweep() {
                tracing::error!("dropping expired sign-ups: {e}");
                self.store = None;
            }
        }
    }

    fn store(&mut self) -> crate::error::Result<&mut Store> {
        if self.store.is_none() {
            self.store = Some(Store::open(&self.config.state_file)?);
        }
        let store = self.store.as_mut().expect("opened above");
        store.follow_file()?;
        Ok(store)
    }

    /// Takes the oldest due sign-up, unless the hourly cap is reached.
    fn step(&mut self) -> crate::error::Result<Step> {
        let now = self.clock.now();
        let cap = self.config.serve.confirm_mails_per_hour;
        let expires = now + Duration::hours(i64::from(self.config.serve.confirm_hours));
        let policy = self.policy;
        let configured = self.config.newsletter.topics.clone();
        let store = self.store()?;
        if cap > 0 && store.confirm_mails_in_hour(now)? >= cap as usize {
            return Ok(Step::Idle);
        }
        let Some(job) = store.next_signup(now)? else {
            return Ok(Step::Idle);
        };
        let event = Event::SignedUp {
            name: job.name.clone(),
            link: expires,
        };
        let topics = topics_of(&configured, &job);
        let change = store.transaction(|store| {
            let change = lifecycle::record(store, &job.email, &event, now, policy)?;
            if let (Some(topics), Effect::LinkIssued(_)) = (topics, &change.effect) {
                lifecycle::record(store, &job.email, &Event::ChoseTopics(topics), now, policy)?;
            }
            Ok(change)
        })?;
        match change.effect {
            Effect::LinkIssued(expires) => self.mail(&job, expires, now)?,
            _ => self.store()?.finish_signup(job.id)?,
        }
        Ok(Step::Done)
    }

    /// Mails the link; a failure leaves the sign-up queued for a retry with backoff.
    fn mail(
        &mut self,
        job: &QueuedSignup,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> crate::error::Result<()> {
        match self.send(job, expires, now) {
            Ok(()) => {
                let store = self.store()?;
                store.transaction(|store| {
                    store.finish_signup(job.id)?;
                    store.count_confirm_mail(now)
                })
            }
            Err(e) if job.attempts + 1 >= MAX_ATTEMPTS => {
                // The address stays out of the log.
                tracing::error!(
                    "confirmation mail not sent after {MAX_ATTEMPTS} attempts, given up: {e}"
                );
                self.transport = None;
                self.store()?.finish_signup(job.id)
            }
            Err(e) => {
                tracing::error!("confirmation mail not sent (will retry): {e}");
                self.transport = None;
                let wait = Duration::minutes(1 << job.attempts.min(6));
                self.store()?.retry_signup(job.id, now + wait)
            }
        }
    }

    /// Drops the sign-ups whose link expired before they were confirmed.
    fn sweep(&mut self) -> crate::error::Result<()> {
        let now = self.clock.now();
        let policy = self.policy;
        let store = self.store()?;
        for email in store.pending_expired(now)? {
            lifecycle::record(store, &email, &Event::LinkExpired, now, policy)?;
        }
        Ok(())
    }

    fn send(
        &mut self,
        job: &QueuedSignup,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        let message = self.compose(job, expires, now)?;
        if self.transport.is_none() {
            let transport =
                transport_for(&self.config, &self.secrets, "confirm").map_err(|e| e.to_string())?;
            self.transport = Some(transport);
        }
        let transport = self.transport.as_ref().expect("set above");
        transport
            .deliver(&message.envelope, &message.bytes)
            .map_err(|e| format!("{}: {e}", transport.describe()))
    }

    fn compose(
        &self,
        job: &QueuedSignup,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Composed, String> {
        let hours = self.config.serve.confirm_hours;
        let link = self.link(&job.email, expires);
        let text = ConfirmMail {
            site_title: &self.config.site.title,
            site_url: self.config.base_url.as_str(),
            email: &job.email,
            link: &link,
            hours,
        }
        .render()
        .map_err(|e| format!("rendering the confirmation mail: {e}"))?;
        let subject = format!("Confirm your subscription to {}", self.config.site.title);
        // One Message-ID per link: a retry of the same sign-up is recognisable.
        let key = format!("confirm-{}", expires.format("%Y%m%d%H%M%S"));
        self.letterhead
            .text_message(&key, &job.email, &subject, &text, SystemTime::from(now))
            .map_err(|e| format!("building the confirmation mail: {e}"))
    }

    /// The confirmation link for `email`, expiring at `expires`.
    fn link(&self, email: &str, expires: DateTime<Utc>) -> String {
        let base = self
            .config
            .serve
            .public_url
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('/');
        format!(
            "{base}/confirm/{}",
            confirm_token::issue(&self.secret, email, expires)
        )
    }
}

/// The topics a sign-up records: those ticked on the form that are still
/// configured; `None` when the form offered none (`newsletter.topics` is empty),
/// so that a returning subscriber's earlier choice is kept.
///
/// They are recorded only with a new link (a new, pending or departed address,
/// none of which receives anything until the link is confirmed): anyone can type
/// anyone's address into the form, so an active subscriber's topics change only on
/// their preferences page.
fn topics_of(configured: &[Topic], job: &QueuedSignup) -> Option<Vec<String>> {
    if configured.is_empty() {
        return None;
    }
    let kept = job
        .topics
        .iter()
        .filter(|tag| configured.iter().any(|t| t.tag == **tag))
        .cloned()
        .collect();
    Some(kept)
}
