//! Creating and checking the schema.

use std::path::Path;

use rusqlite::Connection;

use crate::error::{Error, Result};

/// The schema version this build writes (`PRAGMA user_version`).
const VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS subscribers (
    email     TEXT PRIMARY KEY COLLATE NOCASE,
    name      TEXT,
    status    TEXT NOT NULL DEFAULT 'active'
              CHECK (status IN ('active', 'unsubscribed', 'bounced', 'pending')),
    bounces   INTEGER NOT NULL DEFAULT 0,
    added_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS issues (
    id           TEXT PRIMARY KEY,
    cutoff       TEXT NOT NULL,
    articles     TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    completed_at TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    issue      TEXT NOT NULL REFERENCES issues (id),
    email      TEXT NOT NULL COLLATE NOCASE,
    status     TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'deferred')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    reply      TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (issue, email)
);
";

/// Creates missing tables, switches to WAL and records the schema version.
pub(super) fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    let sql = |e| Error::store(path, e);
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sql)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(sql)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sql)?;
    check_version(conn, path)?;
    conn.execute_batch(SCHEMA).map_err(sql)?;
    conn.pragma_update(None, "user_version", VERSION)
        .map_err(sql)?;
    Ok(())
}

/// Fails when the file was written by a newer herald.
pub(super) fn check_version(conn: &Connection, path: &Path) -> Result<()> {
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| Error::store(path, e))?;
    if found > VERSION {
        return Err(Error::StoreVersion {
            path: path.to_path_buf(),
            found,
            supported: VERSION,
        });
    }
    Ok(())
}
