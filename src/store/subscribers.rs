//! The `subscribers` table.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, stamp};
use crate::error::Result;

/// Where a subscriber stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Receives every issue.
    Active,
    /// Asked to stop, or was removed.
    Unsubscribed,
    /// Too many permanent delivery failures.
    Bounced,
    /// Signed up but not confirmed yet.
    Pending,
}

impl Status {
    /// The stored (and printed) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Unsubscribed => "unsubscribed",
            Status::Bounced => "bounced",
            Status::Pending => "pending",
        }
    }

    pub(crate) fn parse(text: &str) -> Status {
        match text {
            "active" => Status::Active,
            "unsubscribed" => Status::Unsubscribed,
            "bounced" => Status::Bounced,
            // The CHECK constraint allows nothing else.
            _ => Status::Pending,
        }
    }
}

/// One row of `subscribers`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Subscriber {
    /// The address (unique, compared without case).
    pub email: String,
    /// Display name, when known.
    pub name: Option<String>,
    /// Where the subscriber stands.
    pub status: Status,
}

/// What [`Store::merge_subscriber`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// A new row.
    Added,
    /// The address was known; its name (or status) changed.
    Updated,
    /// The address was known and nothing changed.
    Unchanged,
}

impl Store {
    /// Adds `email`, or merges it into the existing row: a new non-empty name replaces
    /// the old one; with `reactivate` the status becomes active again, otherwise an
    /// unsubscribed or bounced address stays so (an import never resubscribes anyone).
    pub fn merge_subscriber(
        &self,
        email: &str,
        name: Option<&str>,
        reactivate: bool,
        now: DateTime<Utc>,
    ) -> Result<Merge> {
        let existing = self.subscriber(email)?;
        let Some(old) = existing else {
            self.conn
                .execute(
                    "INSERT INTO subscribers (email, name, status, added_at) VALUES (?1, ?2, 'active', ?3)",
                    params![email, name, stamp(now)],
                )
                .map_err(|e| self.error(e))?;
            return Ok(Merge::Added);
        };
        let name = name
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .or(old.name.clone());
        let status = if reactivate {
            Status::Active
        } else {
            old.status
        };
        if name == old.name && status == old.status {
            return Ok(Merge::Unchanged);
        }
        self.conn
            .execute(
                "UPDATE subscribers SET name = ?2, status = ?3, bounces = CASE WHEN ?3 = 'active' THEN 0 ELSE bounces END WHERE email = ?1",
                params![email, name, status.as_str()],
            )
            .map_err(|e| self.error(e))?;
        Ok(Merge::Updated)
    }

    /// Merges many subscribers in one transaction; see [`Store::merge_subscriber`].
    pub fn merge_subscribers<'a>(
        &mut self,
        rows: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Merge>> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.error(e))?;
        let mut merges = Vec::new();
        for (email, name) in rows {
            merges.push(self.merge_subscriber(email, name, false, now)?);
        }
        tx.commit().map_err(|e| self.error(e))?;
        Ok(merges)
    }

    /// The subscriber with this address (case-insensitive), if any.
    pub fn subscriber(&self, email: &str) -> Result<Option<Subscriber>> {
        self.conn
            .query_row(
                "SELECT email, name, status FROM subscribers WHERE email = ?1",
                [email],
                row_to_subscriber,
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Marks `email` unsubscribed (cancelling any confirmation link outstanding for
    /// it); false when the address is unknown.
    pub fn unsubscribe(&self, email: &str) -> Result<bool> {
        let changed = self
            .conn
            .execute(
                "UPDATE subscribers SET status = 'unsubscribed', confirm_expires = NULL WHERE email = ?1",
                [email],
            )
            .map_err(|e| self.error(e))?;
        Ok(changed > 0)
    }

    /// Every subscriber, by address.
    pub fn subscribers(&self) -> Result<Vec<Subscriber>> {
        self.select_subscribers("SELECT email, name, status FROM subscribers ORDER BY email")
    }

    /// The active subscribers, by address.
    pub fn active_subscribers(&self) -> Result<Vec<Subscriber>> {
        self.select_subscribers(
            "SELECT email, name, status FROM subscribers WHERE status = 'active' ORDER BY email",
        )
    }

    /// Counts one more permanent failure for `email`; at `limit` failures the subscriber
    /// becomes bounced. Returns the new count.
    pub fn count_bounce(&self, email: &str, limit: u32) -> Result<u32> {
        self.conn
            .execute(
                "UPDATE subscribers SET bounces = bounces + 1,
                     status = CASE WHEN bounces + 1 >= ?2 THEN 'bounced' ELSE status END
                 WHERE email = ?1",
                params![email, limit],
            )
            .map_err(|e| self.error(e))?;
        self.conn
            .query_row(
                "SELECT bounces FROM subscribers WHERE email = ?1",
                [email],
                |row| row.get(0),
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.error(e))
    }

    fn select_subscribers(&self, sql: &str) -> Result<Vec<Subscriber>> {
        let mut statement = self.conn.prepare(sql).map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], row_to_subscriber)
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }
}

pub(crate) fn row_to_subscriber(row: &rusqlite::Row<'_>) -> rusqlite::Result<Subscriber> {
    Ok(Subscriber {
        email: row.get(0)?,
        name: row.get(1)?,
        status: Status::parse(&row.get::<_, String>(2)?),
    })
}
