//! The `inbound` table: every received message `herald inbound` acted on, by its
//! Message-ID (or a hash of it), so the same message fed twice changes nothing.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, stamp};
use crate::error::Result;

/// What was recorded for a message handled earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Handled {
    /// The kind of message (`bounce`, `complaint`, `unsubscribe`).
    pub kind: String,
    /// The subscriber it was about, if one was found.
    pub email: Option<String>,
    /// What was done.
    pub action: String,
    /// When.
    pub received_at: String,
}

/// What [`Store::once`] is asked to record beside the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InboundLog {
    /// The kind of message.
    pub kind: String,
    /// The subscriber it was about.
    pub email: Option<String>,
    /// What was done, for the log.
    pub action: String,
}

impl Store {
    /// When the message `key` was handled before, what was recorded; otherwise runs
    /// `act` (which changes subscribers through this store) and records its
    /// [`InboundLog`], in one `BEGIN IMMEDIATE` transaction, so two deliveries of one
    /// message at once cannot both act. `Ok(Err(earlier))` means nothing was done.
    pub(crate) fn once<T>(
        &self,
        key: &str,
        now: DateTime<Utc>,
        act: impl FnOnce(&Store) -> Result<(InboundLog, T)>,
    ) -> Result<std::result::Result<T, Handled>> {
        self.transaction(|store| {
            if let Some(earlier) = store.handled(key)? {
                return Ok(Err(earlier));
            }
            let (record, value) = act(store)?;
            store
                .conn
                .prepare_cached(
                    "INSERT INTO inbound (message_key, kind, email, action, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        key,
                        record.kind,
                        record.email,
                        record.action,
                        stamp(now)
                    ])
                })
                .map_err(|e| store.error(e))?;
            Ok(Ok(value))
        })
    }

    /// What was recorded for the message `key`, if it was handled.
    pub(crate) fn handled(&self, key: &str) -> Result<Option<Handled>> {
        self.conn
            .prepare_cached(
                "SELECT kind, email, action, received_at FROM inbound WHERE message_key = ?1",
            )
            .and_then(|mut statement| {
                statement
                    .query_row([key], |row| {
                        Ok(Handled {
                            kind: row.get(0)?,
                            email: row.get(1)?,
                            action: row.get(2)?,
                            received_at: row.get(3)?,
                        })
                    })
                    .optional()
            })
            .map_err(|e| self.error(e))
    }
}
