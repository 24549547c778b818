//! One address's history: its rows in the delivery ledger and the inbound log, for
//! `herald subscribers show`.

use rusqlite::params;

use super::Store;
use crate::error::Result;

/// One issue's delivery to an address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct DeliveryRecord {
    /// The issue.
    pub issue: String,
    /// `sending`, `sent`, `failed` or `deferred`.
    pub status: String,
    /// SMTP transactions started.
    pub attempts: u32,
    /// The server's last reply, for failures.
    pub reply: Option<String>,
    /// When the row last changed (RFC 3339).
    pub updated_at: String,
}

/// One received message about an address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct InboundRecord {
    /// Its key (`<Message-ID>` or `sha256:…`).
    pub message: String,
    /// `bounce`, `complaint`, `unsubscribe`, …
    pub kind: String,
    /// What was done.
    pub action: String,
    /// When (RFC 3339).
    pub received_at: String,
}

impl Store {
    /// Every delivery to `email`, oldest first.
    pub(crate) fn deliveries_to(&self, email: &str) -> Result<Vec<DeliveryRecord>> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT issue, status, attempts, reply, updated_at FROM deliveries
                 WHERE email = ?1 ORDER BY updated_at, issue",
            )
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map(params![email], |row| {
                Ok(DeliveryRecord {
                    issue: row.get(0)?,
                    status: row.get(1)?,
                    attempts: row.get(2)?,
                    reply: row.get(3)?,
                    updated_at: row.get(4)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }

    /// Every received message recorded about `email`, oldest first.
    pub(crate) fn inbound_about(&self, email: &str) -> Result<Vec<InboundRecord>> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT message_key, kind, action, received_at FROM inbound
                 WHERE email = ?1 ORDER BY received_at, rowid",
            )
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map(params![email], |row| {
                Ok(InboundRecord {
                    message: row.get(0)?,
                    kind: row.get(1)?,
                    action: row.get(2)?,
                    received_at: row.get(3)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }
}

impl Store {
    /// The issue most recently sent (or being sent) to `email`, among the three newest
    /// issues: what a bounce report that does not say which issue it is about is taken
    /// to be about (reports come within days). Looked up by the ledger's primary key, so
    /// that the statement's plan never depends on the address.
    pub(crate) fn last_issue_to(&self, email: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        let newest: Vec<String> = self
            .conn
            .prepare_cached("SELECT id FROM issues ORDER BY started_at DESC, id DESC LIMIT 3")
            .and_then(|mut s| {
                s.query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(|e| self.error(e))?;
        let mut sent = self
            .conn
            .prepare_cached(
                "SELECT 1 FROM deliveries WHERE issue = ?1 AND email = ?2
                 AND status IN ('sent', 'sending')",
            )
            .map_err(|e| self.error(e))?;
        for issue in newest {
            let found = sent
                .query_row(params![issue, email], |_| Ok(()))
                .optional()
                .map_err(|e| self.error(e))?;
            if found.is_some() {
                return Ok(Some(issue));
            }
        }
        Ok(None)
    }
}
