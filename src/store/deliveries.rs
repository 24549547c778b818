//! The `deliveries` table: the sending ledger, one row per issue and recipient.
//!
//! A row is `sending` before its SMTP transaction starts and `sent` only after the
//! server's 250 reply, so a crash can leave a row `sending` (delivered or not: unknown)
//! but never `sent` for a message that was not accepted.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{named_params, params};

use super::{Store, stamp};
use crate::error::{Error, Result};

/// The rows of `subscribers` that make `:email` one to send to: the one test of
/// [`Store::mark_sending`] and [`Store::still_to_send`] (a macro, so that both
/// statements are whole at compile time: the second runs once per message).
macro_rules! still_to_send {
    () => {
        "SELECT 1 FROM subscribers WHERE email = :email AND status = 'active'"
    };
}

/// Where one recipient's copy of one issue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DeliveryStatus {
    /// The SMTP transaction started; whether it ended is unknown after a crash.
    Sending,
    /// The server accepted the message (250).
    Sent,
    /// The server refused it for good (5xx).
    Failed,
    /// A temporary problem (4xx, connection) or a local failure (a message that could
    /// not be built or written); the next run tries again.
    Deferred,
    /// Not sent, by the subscriber's own choice: paused, nothing in the issue was in
    /// their topics, or they left the list while it was being sent. Done with, as
    /// `sent` is; `reply` says why.
    Skipped,
}

impl DeliveryStatus {
    /// The stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Deferred => "deferred",
            DeliveryStatus::Skipped => "skipped",
        }
    }

    /// Whether the recipient needs nothing more for this issue.
    pub(crate) fn is_settled(self) -> bool {
        matches!(
            self,
            DeliveryStatus::Sent | DeliveryStatus::Failed | DeliveryStatus::Skipped
        )
    }

    fn parse(text: &str) -> DeliveryStatus {
        match text {
            "sending" => DeliveryStatus::Sending,
            "sent" => DeliveryStatus::Sent,
            "failed" => DeliveryStatus::Failed,
            "skipped" => DeliveryStatus::Skipped,
            _ => DeliveryStatus::Deferred,
        }
    }
}

/// One row of `deliveries`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delivery {
    /// Where it stands.
    pub status: DeliveryStatus,
    /// SMTP transactions started for it, over every run.
    pub attempts: u32,
    /// The server's last reply, for failures.
    pub reply: Option<String>,
}

/// The result of one attempt, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeliveryOutcome {
    /// The recipient.
    pub email: String,
    /// The new status: `Sent`, `Failed` or `Deferred`.
    pub status: DeliveryStatus,
    /// The server's reply or the error, for failures.
    pub reply: Option<String>,
}

/// How many rows of one issue are in each final state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DeliveryCounts {
    /// Rows `sent`.
    pub sent: u32,
    /// Rows `failed`.
    pub failed: u32,
    /// Rows `skipped`.
    pub skipped: u32,
}

impl Store {
    /// How many of `issue`'s rows are `sent`, `failed` and `skipped`.
    pub(crate) fn delivery_counts(&self, issue: &str) -> Result<DeliveryCounts> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FILTER (WHERE status = 'sent'),
                        COUNT(*) FILTER (WHERE status = 'failed'),
                        COUNT(*) FILTER (WHERE status = 'skipped')
                 FROM deliveries WHERE issue = ?1",
                [issue],
                |row| {
                    Ok(DeliveryCounts {
                        sent: row.get(0)?,
                        failed: row.get(1)?,
                        skipped: row.get(2)?,
                    })
                },
            )
            .map_err(|e| self.error(e))
    }

    /// Active subscribers with no `sent`, `failed` or `skipped` row for `issue`.
    pub(crate) fn active_without_final_row(&self, issue: &str) -> Result<u32> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM subscribers s
                 WHERE s.status = 'active' AND NOT EXISTS (
                     SELECT 1 FROM deliveries d
                     WHERE d.issue = ?1 AND d.email = s.email AND d.status IN ('sent', 'failed', 'skipped'))",
                [issue],
                |row| row.get(0),
            )
            .map_err(|e| self.error(e))
    }

    /// Every delivery row of `issue`, by address.
    pub(crate) fn deliveries(&self, issue: &str) -> Result<HashMap<String, Delivery>> {
        let mut statement = self
            .conn
            .prepare("SELECT email, status, attempts, reply FROM deliveries WHERE issue = ?1")
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([issue], |row| {
                Ok((
                    row.get::<_, String>(0)?.to_lowercase(),
                    Delivery {
                        status: DeliveryStatus::parse(&row.get::<_, String>(1)?),
                        attempts: row.get(2)?,
                        reply: row.get(3)?,
                    },
                ))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }

    /// Claims the addresses of `emails` that are still active subscribers: marks each
    /// `sending` (one more attempt), in one transaction committed before this returns.
    /// Returns, in order, whether each was claimed; one that unsubscribed (or bounced)
    /// since the run began is not, and must not be sent to.
    pub(crate) fn mark_sending(
        &mut self,
        issue: &str,
        emails: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::store(&self.path, e))?;
        let mut claimed = Vec::with_capacity(emails.len());
        {
            // Cached: the send loop runs these once per batch, thousands of times.
            let mut statement = tx
                .prepare_cached(concat!(
                    "INSERT INTO deliveries (issue, email, status, attempts, updated_at)
                     SELECT :issue, :email, 'sending', 1, :now
                     WHERE EXISTS (",
                    still_to_send!(),
                    ") ON CONFLICT (issue, email) DO UPDATE
                     SET status = 'sending', attempts = attempts + 1, updated_at = :now",
                ))
                .map_err(|e| Error::store(&self.path, e))?;
            let now = stamp(now);
            for email in emails {
                let changed = statement
                    .execute(named_params! {":issue": issue, ":email": email, ":now": now})
                    .map_err(|e| Error::store(&self.path, e))?;
                claimed.push(changed > 0);
            }
        }
        tx.commit().map_err(|e| Error::store(&self.path, e))?;
        Ok(claimed)
    }

    /// Whether `email` is still to be sent to, by the test [`Store::mark_sending`]
    /// claims with: asked again just before its message is handed over, on a
    /// connection of the sending worker's own.
    pub(crate) fn still_to_send(&self, email: &str) -> Result<bool> {
        self.conn
            .prepare_cached(concat!("SELECT EXISTS (", still_to_send!(), ")"))
            .and_then(|mut statement| {
                statement.query_row(named_params! {":email": email}, |row| row.get(0))
            })
            .map_err(|e| Error::store(&self.path, e))
    }

    /// Records `skipped` (each with its reason) for recipients the run does not send
    /// to, in one transaction committed before this returns; a row already `sent` or
    /// `failed` stays as it is.
    pub(crate) fn record_skipped(
        &mut self,
        issue: &str,
        skipped: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::store(&self.path, e))?;
        {
            let mut statement = tx
                .prepare_cached(
                    "INSERT INTO deliveries (issue, email, status, attempts, reply, updated_at)
                     VALUES (?1, ?2, 'skipped', 0, ?3, ?4)
                     ON CONFLICT (issue, email) DO UPDATE
                     SET status = 'skipped', reply = ?3, updated_at = ?4
                     WHERE status NOT IN ('sent', 'failed')",
                )
                .map_err(|e| Error::store(&self.path, e))?;
            let now = stamp(now);
            for (email, why) in skipped {
                statement
                    .execute(params![issue, email, why, now])
                    .map_err(|e| Error::store(&self.path, e))?;
            }
        }
        tx.commit().map_err(|e| Error::store(&self.path, e))
    }

    /// Records the outcomes of finished attempts, in one transaction.
    pub(crate) fn record_outcomes(
        &mut self,
        issue: &str,
        outcomes: &[DeliveryOutcome],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::store(&self.path, e))?;
        {
            // Cached: the send loop runs these once per batch, thousands of times.
            let mut statement = tx
                .prepare_cached(
                    "UPDATE deliveries SET status = ?3, reply = ?4, updated_at = ?5
                     WHERE issue = ?1 AND email = ?2",
                )
                .map_err(|e| Error::store(&self.path, e))?;
            let now = stamp(now);
            for outcome in outcomes {
                statement
                    .execute(params![
                        issue,
                        outcome.email,
                        outcome.status.as_str(),
                        outcome.reply,
                        now
                    ])
                    .map_err(|e| Error::store(&self.path, e))?;
            }
        }
        tx.commit().map_err(|e| Error::store(&self.path, e))
    }
}
