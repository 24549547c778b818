//! Confirmation mails, sent from one background thread through the same transport as
//! the newsletter (the SMTP relay, or `.eml` files in `<state folder>/outbox/confirm/`).
//!
//! A sign-up answers before its mail is sent, so the answer takes the same time
//! whether or not a mail goes out (and reveals nothing about the address), and a slow
//! relay never holds a request.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::SystemTime;

use askama::Template;
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;

use super::pages::ConfirmMail;
use crate::config::{Config, Secrets};
use crate::mail::Deliver;
use crate::newsletter::transport_for;

/// Mails waiting for the thread; past this, sign-ups are answered but not mailed.
const QUEUE: usize = 256;

/// One confirmation to send.
pub(crate) struct Job {
    pub(crate) to: String,
    pub(crate) link: String,
    pub(crate) now: DateTime<Utc>,
}

/// The handle the handlers use.
pub(crate) struct Mailer {
    jobs: SyncSender<Job>,
}

impl Mailer {
    /// Starts the thread; `from` is `newsletter.from`, already checked to parse.
    pub(crate) fn start(config: &Config, secrets: &Secrets, from: Mailbox) -> Mailer {
        let (jobs, queue) = sync_channel(QUEUE);
        let (config, secrets) = (config.clone(), secrets.clone());
        std::thread::Builder::new()
            .name("herald-mailer".into())
            .spawn(move || {
                // Built on its own thread: a transport is not `Send`.
                let worker = Worker {
                    config,
                    secrets,
                    from,
                    transport: None,
                };
                worker.run(queue)
            })
            .expect("spawning the mailer thread");
        Mailer { jobs }
    }

    /// Queues `job`; false when the queue is full (the mail is dropped and logged).
    pub(crate) fn send(&self, job: Job) -> bool {
        match self.jobs.try_send(job) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                tracing::warn!("confirmation mail queue full; one mail dropped");
                false
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!("the mailer thread is gone; one mail dropped");
                false
            }
        }
    }
}

struct Worker {
    config: Config,
    secrets: Secrets,
    from: Mailbox,
    /// Opened on first use, and again after a failure.
    transport: Option<Box<dyn Deliver>>,
}

impl Worker {
    fn run(mut self, queue: Receiver<Job>) {
        while let Ok(job) = queue.recv() {
            if let Err(e) = self.send(&job) {
                // The address stays out of the log.
                tracing::error!("confirmation mail not sent: {e}");
                self.transport = None;
            }
        }
    }

    fn send(&mut self, job: &Job) -> Result<(), String> {
        let message = self.compose(job)?;
        if self.transport.is_none() {
            let transport =
                transport_for(&self.config, &self.secrets, "confirm").map_err(|e| e.to_string())?;
            self.transport = Some(transport);
        }
        let transport = self.transport.as_ref().expect("set above");
        let envelope = message.envelope().clone();
        transport
            .deliver(&envelope, &message.formatted())
            .map_err(|e| format!("{}: {e}", transport.describe()))
    }

    fn compose(&self, job: &Job) -> Result<Message, String> {
        let hours = self.config.serve.confirm_hours;
        let text = ConfirmMail {
            site_title: &self.config.site.title,
            site_url: self.config.base_url.as_str(),
            email: &job.to,
            link: &job.link,
            hours,
        }
        .render()
        .map_err(|e| format!("rendering the confirmation mail: {e}"))?;
        let to: Mailbox = job
            .to
            .parse()
            .map_err(|e| format!("the address is not usable: {e}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!(
                "Confirm your subscription to {}",
                self.config.site.title
            ))
            .date(SystemTime::from(job.now))
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| format!("building the confirmation mail: {e}"))
    }
}
