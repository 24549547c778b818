//! `send`: one run of the newsletter, from choosing the issue to completing it.

use std::path::Path;
use std::time::{Instant, SystemTime};

use chrono::{DateTime, Utc};

use super::editions::{self, Editions, Share};
use super::issues::{IssueTotals, issue_totals};
use super::lifecycle::{self, Bounce, Event, Policy};
use super::plan::{IssuePlan, Next, plan_next};
use super::settings::{composer_for, newsletter_section, transport_for};
use crate::config::{Config, Secrets};
use crate::content::{self, Loaded};
use crate::error::SmtpFailure;
use crate::error::{Error, Result};
use crate::inbound::Class;
use crate::lock::Lock;
use crate::mail::failure::AttemptError;
use crate::mail::send::{Settled, Stopped};
use crate::mail::{Composer, DeliveryLog, Recheck, Recipient, SendOptions, send_all};
use crate::store::{DeliveryOutcome, DeliveryStatus, IssueRow, Store};

/// What `herald send` was asked to do.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SendRequest {
    /// Show what would go to whom; send nothing, record nothing.
    pub dry_run: bool,
    /// Send one copy, subject prefixed `[TEST] `, to this address; record nothing.
    pub to: Option<String>,
    /// Leave recipients that an interrupted run left `sending` alone (counted as
    /// skipped) instead of sending them another copy.
    pub no_retry_unknown: bool,
}

/// The numbers of one run, printed as the JSON summary line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The issue id.
    pub issue: String,
    /// Articles in the issue.
    pub articles: usize,
    /// Messages the server accepted in this run.
    pub sent: usize,
    /// Recipients refused for good in this run.
    pub failed: usize,
    /// Recipients not sent to in this run: paused, or with nothing of the issue in
    /// their topics (recorded `skipped`); already settled by an earlier run; left
    /// `sending` by an interrupted one with `--no-retry-unknown`; or unsubscribed while
    /// the run was under way.
    pub skipped: usize,
    /// Recipients left for the next run (temporary failures, unreachable server).
    pub deferred: usize,
    /// Recipients an interrupted run had left `sending`, sent again in this run.
    pub unknown_retried: usize,
    /// Whether the issue is complete (every recipient sent or permanently failed).
    pub complete: bool,
    /// The issue's numbers over every run so far, this one included.
    pub(crate) issue_totals: IssueTotals,
    /// Wall-clock seconds the run took.
    pub seconds: f64,
    /// Why the run stopped early, when it did (never carries credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a run did.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// No article since the last issue.
    NothingNew {
        /// The last issue's cutoff, if there was an issue.
        since: Option<DateTime<Utc>>,
    },
    /// There is an issue but no active subscriber: nothing sent, nothing recorded.
    NoSubscribers {
        /// The issue that would have gone out.
        issue: String,
    },
    /// `--dry-run`: the issue and who would get it.
    DryRun {
        /// The issue id.
        issue: String,
        /// Titles of its articles, newest first.
        titles: Vec<String>,
        /// The subject.
        subject: String,
        /// Whether an interrupted run had started it.
        resumed: bool,
        /// Recipients that would be sent to.
        recipients: Vec<String>,
        /// Active subscribers who would get no message (paused, or nothing in their
        /// topics), with why.
        not_sent: Vec<(String, String)>,
        /// Recipients an interrupted run left `sending` (sent again unless
        /// `--no-retry-unknown`).
        unknown: Vec<String>,
        /// Recipients already settled for this issue.
        settled: usize,
    },
    /// `--to`: the test copy was accepted.
    Test {
        /// The issue id.
        issue: String,
        /// The address it went to.
        to: String,
    },
    /// A real run.
    Sent {
        /// Its numbers.
        summary: Summary,
        /// Recipients refused for good, with the server's reply.
        failures: Vec<(String, String)>,
        /// Recipients an interrupted run had left `sending`.
        unknown: Vec<String>,
    },
}

/// What a caller hears while [`send`] runs (for a progress bar); every method has a
/// default that does nothing.
pub trait SendProgress {
    /// Another `send` holds the lock at `path`; this one waits for it.
    fn waiting_for_lock(&mut self, _path: &Path) {}
    /// `total` messages are about to be sent.
    fn start(&mut self, _total: usize) {}
    /// One recipient is done with for this run (sent, failed or deferred).
    fn settled(&mut self, _email: &str) {}
}

/// A [`SendProgress`] that ignores everything.
impl SendProgress for () {}

/// Sends the next issue (or resumes the open one) to every active subscriber.
///
/// Before the first message of a run leaves, the issue's web page, the archive's index
/// and its feed are written to `output_dir/newsletter/` (unless `newsletter.archive` is
/// off); when they cannot be, the run stops with [`Error::Archive`] having sent nothing.
///
/// Two runs on one state file never overlap: a run holds a lock on
/// `<state folder>/send.lock` from before it chooses the issue until it returns, so a
/// second run waits and then finds the issue complete.
pub fn send(
    config: &Config,
    secrets: &Secrets,
    now: DateTime<Utc>,
    request: &SendRequest,
    progress: &mut dyn SendProgress,
) -> Result<Outcome> {
    let started = Instant::now();
    newsletter_section(config)?;
    let loaded = load_articles(config)?;
    if request.dry_run || request.to.is_some() {
        let store = Store::open_read_only(&config.state_file)?;
        return look_only(config, secrets, now, request, store.as_ref(), &loaded);
    }
    let lock_path = config.beside_state("send.lock");
    let _lock = Lock::acquire(&lock_path, "herald send", None, |path, _| {
        progress.waiting_for_lock(path)
    })?;
    let mut store = Store::open(&config.state_file)?;
    let plan = match plan_next(config, Some(&store), &loaded.articles, now)? {
        Next::Nothing { since } => return Ok(Outcome::NothingNew { since }),
        Next::Issue(plan) => plan,
    };
    let audience = Audience::of(Some(&store), config, &plan, now)?;
    let composers = composers_for(config, secrets, &plan, &audience, now, "")?;
    if audience.is_empty() && !plan.resumed {
        return Ok(Outcome::NoSubscribers {
            issue: plan.issue.id.clone(),
        });
    }
    let deliver = transport_for(config, secrets, &plan.issue.id)?;
    store.start_issue(&IssueRow {
        id: plan.issue.id.clone(),
        cutoff: plan.issue.cutoff,
        articles: plan
            .issue
            .articles
            .iter()
            .map(|a| a.id().to_string())
            .collect(),
        started_at: plan.started_at,
        completed_at: None,
    })?;
    // The issue's web page, before the first message that links to it leaves; a
    // resumed run writes it again (unchanged bytes leave the files alone). A failure
    // stops the run here, with no message sent by it and no subscriber changed.
    super::archive::publish(config, &plan).map_err(|e| Error::Archive(Box::new(e)))?;
    // Those who get nothing of this issue are done with before anyone is sent to: a
    // resumed run finds them settled.
    store.record_skipped(&plan.issue.id, &audience.skip, now)?;
    let chose_not = audience.skip.len();
    let unknown: Vec<String> = audience.unknown.iter().map(|r| r.email.clone()).collect();
    let (todo, retried, skipped) = audience.into_batch(request.no_retry_unknown);
    progress.start(todo.len());
    let mut ledger = StoreLog {
        store: &mut store,
        issue: &plan.issue.id,
        now,
        policy: Policy::from(&config.newsletter.bounces),
    };
    let options = send_options(config);
    let mut on_each = |email: &str, _: &Settled| progress.settled(email);
    let report = send_all(
        todo,
        &composers,
        deliver.as_ref(),
        &mut ledger,
        &options,
        &mut on_each,
    )?;
    if report.is_complete() {
        store.complete_issue(&plan.issue.id, now)?;
    }
    let issue_totals = issue_totals(&store, &plan.issue.id, report.is_complete())?;
    let summary = Summary {
        issue: plan.issue.id.clone(),
        articles: plan.issue.articles.len(),
        sent: report.sent,
        failed: report.failed.len(),
        skipped: chose_not + skipped + report.skipped.len(),
        deferred: report.deferred.len(),
        unknown_retried: retried,
        complete: report.is_complete(),
        issue_totals,
        seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        error: report
            .aborted
            .as_ref()
            .map(|stopped| stop_message(stopped, &deliver.describe())),
    };
    Ok(Outcome::Sent {
        summary,
        failures: report
            .failed
            .into_iter()
            .map(|(email, failure)| (email, failure.to_string()))
            .collect(),
        unknown,
    })
}

/// `--dry-run` and `--to`: nothing is written to the store.
fn look_only(
    config: &Config,
    secrets: &Secrets,
    now: DateTime<Utc>,
    request: &SendRequest,
    store: Option<&Store>,
    loaded: &Loaded,
) -> Result<Outcome> {
    let plan = match plan_next(config, store, &loaded.articles, now)? {
        Next::Nothing { since } => return Ok(Outcome::NothingNew { since }),
        Next::Issue(plan) => plan,
    };
    if let Some(to) = &request.to {
        let date = SystemTime::from(now);
        let composer = composer_for(
            config,
            secrets,
            &plan,
            &plan.rendered,
            date,
            "[TEST] ",
            false,
        )?;
        return send_test(config, secrets, &plan, &composer, to);
    }
    let audience = Audience::of(store, config, &plan, now)?;
    let composers = composers_for(config, secrets, &plan, &audience, now, "")?;
    let subject = composers
        .first()
        .map_or(plan.rendered.subject.as_str(), Composer::subject)
        .to_string();
    let emails = |list: &[Recipient]| list.iter().map(|r| r.email.clone()).collect::<Vec<_>>();
    Ok(Outcome::DryRun {
        issue: plan.issue.id.clone(),
        titles: plan.articles.iter().map(|a| a.title.clone()).collect(),
        subject,
        resumed: plan.resumed,
        recipients: [emails(&audience.todo), emails(&audience.unknown)].concat(),
        not_sent: audience.skip.clone(),
        unknown: emails(&audience.unknown),
        settled: audience.settled,
    })
}

/// The active subscribers, sorted by where they stand for one issue.
struct Audience {
    /// Not attempted yet, or deferred by an earlier run.
    todo: Vec<Recipient>,
    /// Left `sending` by an interrupted run: delivered or not, nobody knows.
    unknown: Vec<Recipient>,
    /// Already sent, permanently failed or skipped.
    settled: usize,
    /// Getting nothing of this issue (paused, or nothing in their topics), with why.
    skip: Vec<(String, String)>,
    /// Each edition's articles; every recipient's `edition` is an index into it.
    editions: Vec<Vec<usize>>,
}

impl Audience {
    fn of(
        store: Option<&Store>,
        config: &Config,
        plan: &IssuePlan<'_>,
        now: DateTime<Utc>,
    ) -> Result<Audience> {
        let mut audience = Audience {
            todo: Vec::new(),
            unknown: Vec::new(),
            settled: 0,
            skip: Vec::new(),
            editions: Vec::new(),
        };
        let Some(store) = store else {
            return Ok(audience);
        };
        let deliveries = store.deliveries(&plan.issue.id)?;
        let mut editions = Editions::new(&plan.articles, &config.newsletter.topics);
        for subscriber in store.active_subscribers()? {
            let status = deliveries
                .get(&subscriber.email.to_lowercase())
                .map(|d| d.status);
            if status.is_some_and(DeliveryStatus::is_settled) {
                audience.settled += 1;
                continue;
            }
            let edition = match editions.share(&subscriber, now) {
                Share::Edition(edition) => edition,
                Share::Skipped(why) => {
                    audience.skip.push((subscriber.email, why));
                    continue;
                }
            };
            let recipient = Recipient {
                email: subscriber.email,
                name: subscriber.name,
                edition,
            };
            match status {
                Some(DeliveryStatus::Sending) => audience.unknown.push(recipient),
                _ => audience.todo.push(recipient),
            }
        }
        audience.editions = editions.sets().to_vec();
        Ok(audience)
    }

    fn is_empty(&self) -> bool {
        self.todo.is_empty() && self.unknown.is_empty() && self.settled == 0 && self.skip.is_empty()
    }

    /// Who to send to now, how many of them were `unknown`, and how many are skipped.
    fn into_batch(self, no_retry_unknown: bool) -> (Vec<Recipient>, usize, usize) {
        if no_retry_unknown {
            (self.todo, 0, self.settled + self.unknown.len())
        } else {
            let retried = self.unknown.len();
            ([self.todo, self.unknown].concat(), retried, self.settled)
        }
    }
}

/// The composer of a preview: the whole issue, dated `now`, with a placeholder key
/// when `HERALD_SECRET` is unset.
fn preview_composer(
    config: &Config,
    secrets: &Secrets,
    plan: &IssuePlan<'_>,
    now: DateTime<Utc>,
) -> Result<Composer> {
    composer_for(
        config,
        secrets,
        plan,
        &plan.rendered,
        SystemTime::from(now),
        "",
        true,
    )
}

/// The HTML and text parts of `plan` as `recipient` would get them, unsubscribe link
/// included (built from the configured template; without `HERALD_SECRET`, from a
/// placeholder key).
pub fn preview_parts(
    config: &Config,
    secrets: &Secrets,
    plan: &IssuePlan<'_>,
    now: DateTime<Utc>,
    recipient: &str,
) -> Result<(String, String)> {
    let composer = preview_composer(config, secrets, plan, now)?;
    Ok(composer.parts(recipient))
}

/// Whose copy a preview shows: the sender's own address (with its own unsubscribe
/// link), or a placeholder when `newsletter.from` is not a mailbox yet.
pub(crate) fn preview_recipient(config: &Config) -> String {
    config
        .newsletter
        .from
        .as_deref()
        .and_then(|from| from.parse::<lettre::message::Mailbox>().ok())
        .map(|m| m.email.to_string())
        .unwrap_or_else(|| "preview@example.com".into())
}

/// The complete message one recipient would get, for `herald digest --eml`.
pub(crate) fn preview_message(
    config: &Config,
    secrets: &Secrets,
    plan: &IssuePlan<'_>,
    now: DateTime<Utc>,
    recipient: &str,
) -> Result<Vec<u8>> {
    let composer = preview_composer(config, secrets, plan, now)?;
    let composed = composer.compose(&Recipient {
        email: recipient.to_string(),
        name: None,
        edition: 0,
    })?;
    Ok(composed.bytes)
}

fn send_test(
    config: &Config,
    secrets: &Secrets,
    plan: &IssuePlan<'_>,
    composer: &Composer,
    to: &str,
) -> Result<Outcome> {
    let to = crate::address::normalize(to).map_err(|reason| {
        Error::message(
            crate::controls::escape(to),
            "--to is not a valid email address",
            reason,
        )
    })?;
    let deliver = transport_for(config, secrets, &format!("{}-test", plan.issue.id))?;
    let composed = composer.compose(&Recipient {
        email: to.clone(),
        name: None,
        edition: 0,
    })?;
    deliver
        .deliver(&composed.envelope, &composed.bytes)
        .map_err(|failure| match failure {
            AttemptError::Smtp(failure) => Error::Smtp {
                server: deliver.describe(),
                failure,
            },
            AttemptError::Local(error) => error,
        })?;
    Ok(Outcome::Test {
        issue: plan.issue.id.clone(),
        to,
    })
}

/// One composer per edition of `audience`, each edition rendered once.
fn composers_for(
    config: &Config,
    secrets: &Secrets,
    plan: &IssuePlan<'_>,
    audience: &Audience,
    now: DateTime<Utc>,
    prefix: &str,
) -> Result<Vec<Composer>> {
    let date = SystemTime::from(now);
    editions::render(config, plan, &audience.editions)?
        .iter()
        .map(|rendered| composer_for(config, secrets, plan, rendered, date, prefix, false))
        .collect()
}

/// Why the run stopped early, for the summary line (never carries credentials).
fn stop_message(stopped: &Stopped, server: &str) -> String {
    match stopped {
        Stopped::Unreachable(failure) => format!("SMTP server {server}: {failure}"),
        Stopped::Local { recipient, error } => format!(
            "stopped at {recipient} by a local failure, not the server's (no subscriber was changed; fix it and run again): {error}"
        ),
    }
}

/// Reads the articles; any invalid article stops the run (fix it, then send).
fn load_articles(config: &Config) -> Result<Loaded> {
    let loaded = content::load(config)?;
    if loaded.has_errors() {
        return Err(Error::Content(loaded.diagnostics));
    }
    Ok(loaded)
}

fn send_options(config: &Config) -> SendOptions {
    let defaults = SendOptions::default();
    match &config.smtp {
        Some(smtp) => SendOptions {
            concurrency: smtp.concurrency,
            rate_per_second: smtp.rate_per_second,
            ..defaults
        },
        None => SendOptions {
            concurrency: 1,
            ..defaults
        },
    }
}

/// A sending worker's own read-only connection to the store ([`Store::reader`]).
impl Recheck for Store {
    fn still_to_send(&mut self, email: &str) -> Result<bool> {
        Store::still_to_send(self, email)
    }
}

/// The ledger kept in the store; a receiving server's refusal is a bounce event.
struct StoreLog<'s> {
    store: &'s mut Store,
    issue: &'s str,
    now: DateTime<Utc>,
    policy: Policy,
}

impl DeliveryLog for StoreLog<'_> {
    fn mark_sending(&mut self, emails: &[&str]) -> Result<Vec<bool>> {
        self.store.mark_sending(self.issue, emails, self.now)
    }

    fn recheck(&self) -> Result<Box<dyn Recheck>> {
        Ok(Box::new(self.store.reader()?))
    }

    fn record(&mut self, results: &[(&str, &Settled)]) -> Result<()> {
        let rows: Vec<DeliveryOutcome> = results
            .iter()
            .map(|(email, state)| {
                let (status, reply) = match state {
                    Settled::Sent => (DeliveryStatus::Sent, None),
                    Settled::Failed(f) => (DeliveryStatus::Failed, Some(f.to_string())),
                    Settled::Deferred(f) => (DeliveryStatus::Deferred, Some(f.to_string())),
                    Settled::Withdrawn => (
                        DeliveryStatus::Skipped,
                        Some("left the list during the send".into()),
                    ),
                };
                DeliveryOutcome {
                    email: email.to_string(),
                    status,
                    reply,
                }
            })
            .collect();
        self.store.record_outcomes(self.issue, &rows, self.now)?;
        for (email, state) in results {
            // Only a receiving server's 5xx counts: a refusal by our own client before
            // any reply (lettre's, e.g. an address this relay cannot take) is not the
            // subscriber's fault.
            if let Settled::Failed(SmtpFailure::Permanent {
                code: Some(code),
                message,
            }) = state
            {
                let (class, status) = crate::inbound::reply_class(*code, message);
                let bounce = Bounce {
                    status,
                    words: Some(message.clone()),
                    issue: Some(self.issue.to_string()),
                };
                let event = match class {
                    Class::Hard => Event::HardBounce(bounce),
                    Class::Soft => Event::SoftBounce(bounce),
                };
                lifecycle::record(self.store, email, &event, self.now, self.policy)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Status;

    /// Three refusals of one kind for one subscriber, one per issue; returns its
    /// status after them.
    fn status_after_three(failure: SmtpFailure) -> Status {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("state.db")).unwrap();
        let now = Utc::now();
        lifecycle::record(
            &store,
            "ann@example.org",
            &Event::Added { name: None },
            now,
            Policy::default(),
        )
        .unwrap();
        for issue in ["i1", "i2", "i3"] {
            store
                .start_issue(&IssueRow {
                    id: issue.into(),
                    cutoff: now,
                    articles: Vec::new(),
                    started_at: now,
                    completed_at: None,
                })
                .unwrap();
            let mut ledger = StoreLog {
                store: &mut store,
                issue,
                now,
                policy: Policy { soft_limit: 3 },
            };
            ledger.mark_sending(&["ann@example.org"]).unwrap();
            let failed = Settled::Failed(failure.clone());
            ledger.record(&[("ann@example.org", &failed)]).unwrap();
        }
        store.subscriber("ann@example.org").unwrap().unwrap().status
    }

    #[test]
    fn only_a_servers_refusal_counts_as_a_bounce() {
        let unknown = SmtpFailure::Permanent {
            code: Some(550),
            message: "5.1.1 <ann@example.org>: Recipient address rejected: User unknown".into(),
        };
        assert_eq!(status_after_three(unknown), Status::Bounced);
        // Soft refusals on three distinct issues reach the test's limit of three.
        let full = SmtpFailure::Permanent {
            code: Some(552),
            message: "5.2.2 mailbox full".into(),
        };
        assert_eq!(status_after_three(full), Status::Bounced);
        let client = SmtpFailure::Permanent {
            code: None,
            message: "the relay does not offer SMTPUTF8".into(),
        };
        assert_eq!(status_after_three(client), Status::Active);
    }
}
