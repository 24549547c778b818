//! The sign-ups `herald serve` has answered and not yet mailed: a queue in the
//! database, so that a restart or a slow relay loses none; and the confirmation mails
//! sent in the last hour, for the hourly cap.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, parse_stamp, stamp};
use crate::error::Result;

/// A sign-up waiting for the mailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueuedSignup {
    /// Its place in the queue.
    pub id: i64,
    /// The address, as given.
    pub email: String,
    /// The name given, if any.
    pub name: Option<String>,
    /// The topics ticked on the form (tags of `newsletter.topics`; empty: none ticked).
    pub topics: Vec<String>,
    /// When the form was posted.
    pub requested_at: DateTime<Utc>,
    /// Failed attempts to mail it so far.
    pub attempts: u32,
}

impl Store {
    /// Queues a sign-up with the topics ticked on the form, unless `limit` are waiting
    /// already; returns whether it was queued.
    pub(crate) fn queue_signup(
        &self,
        email: &str,
        name: Option<&str>,
        topics: &[String],
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<bool> {
        self.transaction(|store| {
            if store.queued_signups()? >= limit {
                return Ok(false);
            }
            store
                .conn
                .prepare_cached(
                    "INSERT INTO signups (email, name, requested_at, topics)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .and_then(|mut s| s.execute(params![email, name, stamp(now), topics.join("\n")]))
                .map_err(|e| store.error(e))?;
            Ok(true)
        })
    }

    /// How many sign-ups are waiting.
    pub(crate) fn queued_signups(&self) -> Result<usize> {
        self.conn
            .prepare_cached("SELECT count(*) FROM signups")
            .and_then(|mut s| s.query_row([], |row| row.get::<_, i64>(0)))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|e| self.error(e))
    }

    /// The oldest sign-up due at `now` (not waiting out a retry).
    pub(crate) fn next_signup(&self, now: DateTime<Utc>) -> Result<Option<QueuedSignup>> {
        self.conn
            .prepare_cached(
                "SELECT id, email, name, requested_at, attempts, topics FROM signups
                 WHERE not_before IS NULL OR not_before <= ?1 ORDER BY id LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row([stamp(now)], |row| {
                    Ok(QueuedSignup {
                        id: row.get(0)?,
                        email: row.get(1)?,
                        name: row.get(2)?,
                        requested_at: parse_stamp(&row.get::<_, String>(3)?)?,
                        attempts: row.get(4)?,
                        topics: super::subscribers::lines(&row.get::<_, String>(5)?),
                    })
                })
                .optional()
            })
            .map_err(|e| self.error(e))
    }

    /// Takes a sign-up off the queue.
    pub(crate) fn finish_signup(&self, id: i64) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM signups WHERE id = ?1")
            .and_then(|mut s| s.execute([id]))
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// Counts a failed attempt; the sign-up waits until `not_before`.
    pub(crate) fn retry_signup(&self, id: i64, not_before: DateTime<Utc>) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE signups SET attempts = attempts + 1, not_before = ?2 WHERE id = ?1",
            )
            .and_then(|mut s| s.execute(params![id, stamp(not_before)]))
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// Records a confirmation mail sent at `now`, forgetting those over an hour old.
    pub(crate) fn count_confirm_mail(&self, now: DateTime<Utc>) -> Result<()> {
        self.transaction(|store| {
            let run = |sql: &str, at: DateTime<Utc>| {
                store
                    .conn
                    .prepare_cached(sql)
                    .and_then(|mut s| s.execute([stamp(at)]))
                    .map(drop)
                    .map_err(|e| store.error(e))
            };
            run(
                "DELETE FROM confirm_mails WHERE sent_at < ?1",
                now - Duration::hours(1),
            )?;
            run("INSERT INTO confirm_mails (sent_at) VALUES (?1)", now)
        })
    }

    /// Confirmation mails sent in the hour before `now`.
    pub(crate) fn confirm_mails_in_hour(&self, now: DateTime<Utc>) -> Result<usize> {
        self.conn
            .prepare_cached("SELECT count(*) FROM confirm_mails WHERE sent_at >= ?1")
            .and_then(|mut s| {
                s.query_row([stamp(now - Duration::hours(1))], |row| {
                    row.get::<_, i64>(0)
                })
            })
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|e| self.error(e))
    }

    /// Addresses whose confirmation link expired before `now` while they were still
    /// `pending` (never confirmed): for the lifecycle to decide on.
    pub(crate) fn pending_expired(&self, now: DateTime<Utc>) -> Result<Vec<String>> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT email FROM subscribers
                 WHERE status = 'pending' AND confirm_expires IS NOT NULL AND confirm_expires < ?1",
            )
            .map_err(|e| self.error(e))?;
        statement
            .query_map([stamp(now)], |row| row.get(0))
            .and_then(Iterator::collect)
            .map_err(|e| self.error(e))
    }
}
