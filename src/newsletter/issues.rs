//! Where each issue stands: what was sent, refused and is still to go, over every run.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::store::{IssueRow, Store};

/// An issue's numbers over every run so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub(crate) struct IssueTotals {
    /// Recipients whose copy the server accepted.
    pub sent: u32,
    /// Recipients refused for good.
    pub failed: u32,
    /// Recipients not sent to by their own choice (paused, or nothing in their topics).
    pub skipped: u32,
    /// Active subscribers still to be sent to (0 once the issue is complete).
    pub pending: u32,
}

/// One line of `herald issues`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct IssueStatus {
    /// The issue id.
    pub id: String,
    /// When its first run started.
    pub started_at: DateTime<Utc>,
    /// When it was completed; `None` while open.
    pub completed_at: Option<DateTime<Utc>>,
    /// Articles in it.
    pub articles: usize,
    /// Its numbers over every run.
    #[serde(flatten)]
    pub totals: IssueTotals,
    /// Whether every recipient is sent or refused for good.
    pub complete: bool,
}

/// `issue`'s totals so far; `complete` says whether it is done.
pub(crate) fn issue_totals(store: &Store, issue: &str, complete: bool) -> Result<IssueTotals> {
    let counts = store.delivery_counts(issue)?;
    let pending = if complete {
        0
    } else {
        store.active_without_final_row(issue)?
    };
    Ok(IssueTotals {
        sent: counts.sent,
        failed: counts.failed,
        skipped: counts.skipped,
        pending,
    })
}

/// Every issue in `store`, oldest first, with its totals.
pub(crate) fn issues(store: &Store) -> Result<Vec<IssueStatus>> {
    store
        .issues()?
        .into_iter()
        .map(|row| status_of(store, row))
        .collect()
}

fn status_of(store: &Store, row: IssueRow) -> Result<IssueStatus> {
    let complete = row.completed_at.is_some();
    Ok(IssueStatus {
        totals: issue_totals(store, &row.id, complete)?,
        id: row.id,
        started_at: row.started_at,
        completed_at: row.completed_at,
        articles: row.articles.len(),
        complete,
    })
}
