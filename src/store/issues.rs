//! The `issues` table: one row per digest, open until every recipient is settled.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, parse_stamp, stamp};
use crate::error::Result;

/// One issue as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IssueRow {
    /// Stable id, derived from the cutoff and the article ids.
    pub id: String,
    /// The newest `publish_date` among its articles; the next issue starts after it.
    pub cutoff: DateTime<Utc>,
    /// Its article ids, in the order they are shown.
    pub articles: Vec<String>,
    /// When sending started.
    pub started_at: DateTime<Utc>,
    /// When every recipient was settled; `None` while the issue is open.
    pub completed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, cutoff, articles, started_at, completed_at";

impl Store {
    /// The issue that was started but not completed, if any (the oldest one).
    pub(crate) fn open_issue(&self) -> Result<Option<IssueRow>> {
        self.one_issue(&format!(
            "SELECT {COLUMNS} FROM issues WHERE completed_at IS NULL ORDER BY started_at, id LIMIT 1"
        ))
    }

    /// The completed issue with the latest cutoff, if any.
    pub(crate) fn last_completed_issue(&self) -> Result<Option<IssueRow>> {
        self.one_issue(&format!(
            "SELECT {COLUMNS} FROM issues WHERE completed_at IS NOT NULL ORDER BY cutoff DESC, completed_at DESC LIMIT 1"
        ))
    }

    /// Every issue, oldest first.
    pub(crate) fn issues(&self) -> Result<Vec<IssueRow>> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM issues ORDER BY started_at, id"
            ))
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], row_to_issue)
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }

    /// Every article id that a completed issue held.
    pub(crate) fn issued_article_ids(&self) -> Result<std::collections::HashSet<String>> {
        let mut statement = self
            .conn
            .prepare("SELECT articles FROM issues WHERE completed_at IS NOT NULL")
            .map_err(|e| self.error(e))?;
        let lists = statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(|e| self.error(e))?;
        let mut ids = std::collections::HashSet::new();
        for list in lists {
            let list = list.map_err(|e| self.error(e))?;
            ids.extend(decode_ids(&list).map_err(|e| self.error(e))?);
        }
        Ok(ids)
    }

    /// Records a new open issue; a row with the same id is left as it is.
    pub(crate) fn start_issue(&self, issue: &IssueRow) -> Result<()> {
        let articles = serde_json::to_string(&issue.articles).unwrap_or_else(|_| "[]".into());
        self.conn
            .execute(
                "INSERT OR IGNORE INTO issues (id, cutoff, articles, started_at) VALUES (?1, ?2, ?3, ?4)",
                params![issue.id, stamp(issue.cutoff), articles, stamp(issue.started_at)],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Marks the issue complete at `now`.
    pub(crate) fn complete_issue(&self, id: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE issues SET completed_at = ?2 WHERE id = ?1 AND completed_at IS NULL",
                params![id, stamp(now)],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    fn one_issue(&self, sql: &str) -> Result<Option<IssueRow>> {
        self.conn
            .query_row(sql, [], row_to_issue)
            .optional()
            .map_err(|e| self.error(e))
    }
}

fn row_to_issue(row: &rusqlite::Row<'_>) -> rusqlite::Result<IssueRow> {
    let completed: Option<String> = row.get(4)?;
    Ok(IssueRow {
        id: row.get(0)?,
        cutoff: parse_stamp(&row.get::<_, String>(1)?)?,
        articles: decode_ids(&row.get::<_, String>(2)?)?,
        started_at: parse_stamp(&row.get::<_, String>(3)?)?,
        completed_at: completed.as_deref().map(parse_stamp).transpose()?,
    })
}

fn decode_ids(text: &str) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
    })
}
