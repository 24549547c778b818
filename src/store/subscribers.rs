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

/// Why a subscriber left (stored since schema version 3; older rows have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Reason {
    /// The one-click link (`herald serve`, RFC 8058).
    #[serde(rename = "one-click")]
    OneClick,
    /// A mail to the `List-Unsubscribe` mailto address (`herald inbound`).
    #[serde(rename = "mailto")]
    Mailto,
    /// A spam complaint (an ARF feedback report, `herald inbound`).
    #[serde(rename = "complaint")]
    Complaint,
    /// Too many permanent delivery failures.
    #[serde(rename = "bounced")]
    Bounced,
    /// `herald subscribers remove`.
    #[serde(rename = "cli")]
    Cli,
}

impl Reason {
    /// The stored (and printed) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::OneClick => "one-click",
            Reason::Mailto => "mailto",
            Reason::Complaint => "complaint",
            Reason::Bounced => "bounced",
            Reason::Cli => "cli",
        }
    }

    fn parse(text: &str) -> Option<Reason> {
        [
            Reason::OneClick,
            Reason::Mailto,
            Reason::Complaint,
            Reason::Bounced,
            Reason::Cli,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
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
    /// Permanent delivery failures counted (reset when the subscriber is made active
    /// again).
    pub bounces: u32,
    /// Why the subscriber left, when known.
    pub reason: Option<Reason>,
}

/// The columns [`row_to_subscriber`] reads, in its order.
pub(crate) const COLUMNS: &str = "email, name, status, bounces, unsubscribe_reason";

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
        let status = |old| if reactivate { Status::Active } else { old };
        self.upsert(email, name, Status::Active, status, now)
    }

    /// Merges one imported row whose export says `status` (active, unsubscribed or
    /// bounced). A new address gets that status. A known one keeps an unsubscribed or
    /// bounced status whatever the export says (an import never resubscribes anyone),
    /// and takes the export's unsubscribed or bounced otherwise: the export is newer
    /// news of the subscriber's choice, and mailing someone who left is the harm that
    /// cannot be undone (`herald subscribers add` can). A new non-empty name replaces
    /// the old one.
    pub fn import_subscriber(
        &self,
        email: &str,
        name: Option<&str>,
        status: Status,
        now: DateTime<Utc>,
    ) -> Result<Merge> {
        let merged = |old| match (old, status) {
            (Status::Unsubscribed | Status::Bounced, _) => old,
            (_, Status::Unsubscribed | Status::Bounced) => status,
            _ => old,
        };
        self.upsert(email, name, status, merged, now)
    }

    /// Inserts `email` with `new`, or updates its name and sets `status(old status)`.
    fn upsert(
        &self,
        email: &str,
        name: Option<&str>,
        new: Status,
        status: impl FnOnce(Status) -> Status,
        now: DateTime<Utc>,
    ) -> Result<Merge> {
        let existing = self.subscriber(email)?;
        let Some(old) = existing else {
            self.conn
                .execute(
                    "INSERT INTO subscribers (email, name, status, added_at) VALUES (?1, ?2, ?3, ?4)",
                    params![email, name, new.as_str(), stamp(now)],
                )
                .map_err(|e| self.error(e))?;
            return Ok(Merge::Added);
        };
        let name = name
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .or(old.name.clone());
        let status = status(old.status);
        if name == old.name && status == old.status {
            return Ok(Merge::Unchanged);
        }
        self.conn
            .execute(
                "UPDATE subscribers SET name = ?2, status = ?3,
                     bounces = CASE WHEN ?3 = 'active' THEN 0 ELSE bounces END,
                     unsubscribe_reason = CASE WHEN ?3 = 'active' THEN NULL ELSE unsubscribe_reason END
                 WHERE email = ?1",
                params![email, name, status.as_str()],
            )
            .map_err(|e| self.error(e))?;
        Ok(Merge::Updated)
    }

    /// Imports many rows `(email, name, status)` in one transaction; see
    /// [`Store::import_subscriber`].
    pub fn merge_subscribers<'a>(
        &mut self,
        rows: impl IntoIterator<Item = (&'a str, Option<&'a str>, Status)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Merge>> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.error(e))?;
        let mut merges = Vec::new();
        for (email, name, status) in rows {
            merges.push(self.import_subscriber(email, name, status, now)?);
        }
        tx.commit().map_err(|e| self.error(e))?;
        Ok(merges)
    }

    /// The subscriber with this address (case-insensitive), if any.
    pub fn subscriber(&self, email: &str) -> Result<Option<Subscriber>> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM subscribers WHERE email = ?1"),
                [email],
                row_to_subscriber,
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Marks `email` unsubscribed for `reason` (cancelling any confirmation link
    /// outstanding for it); false when the address is unknown. An address already
    /// unsubscribed keeps the reason it first left for.
    pub fn unsubscribe(&self, email: &str, reason: Reason) -> Result<bool> {
        let changed = self
            .conn
            .execute(
                "UPDATE subscribers SET confirm_expires = NULL,
                     unsubscribe_reason = CASE WHEN status = 'unsubscribed'
                         THEN COALESCE(unsubscribe_reason, ?2) ELSE ?2 END,
                     status = 'unsubscribed'
                 WHERE email = ?1",
                params![email, reason.as_str()],
            )
            .map_err(|e| self.error(e))?;
        Ok(changed > 0)
    }

    /// Every subscriber, by address.
    pub fn subscribers(&self) -> Result<Vec<Subscriber>> {
        self.select_subscribers(&format!("SELECT {COLUMNS} FROM subscribers ORDER BY email"))
    }

    /// The active subscribers, by address.
    pub fn active_subscribers(&self) -> Result<Vec<Subscriber>> {
        self.select_subscribers(&format!(
            "SELECT {COLUMNS} FROM subscribers WHERE status = 'active' ORDER BY email"
        ))
    }

    /// Counts one more permanent failure for `email`; at `limit` failures an active
    /// subscriber becomes bounced (reason `bounced`); any other status is kept (a
    /// bounce never turns an unsubscribed or pending address into anything else).
    /// Returns the new count.
    pub fn count_bounce(&self, email: &str, limit: u32) -> Result<u32> {
        self.conn
            .execute(
                "UPDATE subscribers SET bounces = bounces + 1,
                     unsubscribe_reason = CASE WHEN bounces + 1 >= ?2 AND status = 'active'
                         THEN 'bounced' ELSE unsubscribe_reason END,
                     status = CASE WHEN bounces + 1 >= ?2 AND status = 'active'
                         THEN 'bounced' ELSE status END
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
        bounces: row.get(3)?,
        reason: row
            .get::<_, Option<String>>(4)?
            .as_deref()
            .and_then(Reason::parse),
    })
}
