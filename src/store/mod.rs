//! The SQLite state database: its schema and every query, and no business rules.
//!
//! The tables: `subscribers` (and `forgotten`, keyed hashes of erased addresses), `issues` (one row
//! per digest, with its cutoff and its article ids), `deliveries` (one row per issue
//! and recipient, the sending ledger) and `inbound` (each received message acted on),
//! `relay_tokens` (the relay webhooks' one-time tokens seen lately), and `meta` for the store's own bookkeeping. What a subscriber becomes is decided by
//! `newsletter::lifecycle`; this module reads and writes rows.
//! Timestamps are stored as RFC 3339 UTC text with second precision, so they sort.
//! Addresses are compared as `crate::address::key` says, whatever their spelling
//! (`lookup`).

mod deliveries;
mod forget;
mod history;
mod identity;
mod inbound;
mod issues;
mod lookup;
mod relay;
mod schema;
mod signups;
mod subscribers;
mod tokens;

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags};

pub(crate) use deliveries::{DeliveryOutcome, DeliveryStatus};
pub(crate) use inbound::{Handled, InboundLog};
pub(crate) use issues::IssueRow;
pub(crate) use signups::QueuedSignup;
pub(crate) use subscribers::{Joined, Known, LastBounce, Reason, Status, Subscriber, Write};

use crate::error::{Error, Result};

/// An open state database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The file opened (see [`Store::liveness`]).
    file: Option<identity::FileId>,
    /// The rows a look-up by index can miss (see `lookup`), read when first needed.
    unusual: std::cell::RefCell<Option<lookup::Unusual>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating it and its folder when missing) the database at `path` and
    /// brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let conn = Connection::open(path).map_err(|e| Error::store(path, e))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
            file: None,
            unusual: Default::default(),
        };
        schema::migrate(&store.conn, path)?;
        let store = Store {
            file: identity::FileId::of(path),
            ..store
        };
        Ok(store)
    }

    /// Opens an existing database without writing to it, or `None` when there is none
    /// yet (a preview on a fresh site must not create one).
    pub(crate) fn open_read_only(path: &Path) -> Result<Option<Store>> {
        if !path.exists() {
            return Ok(None);
        }
        let store = Store::read_only_at(path, identity::FileId::of(path))?;
        schema::check_version(&store.conn, path)?;
        Ok(Some(store))
    }

    /// A read-only connection to the database at `path`, whose file is `file`.
    fn read_only_at(path: &Path, file: Option<identity::FileId>) -> Result<Store> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| Error::store(path, e))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            file,
            unusual: Default::default(),
        })
    }

    /// A second connection to this database, read-only, for another thread (a
    /// connection is not shared between threads): it sees every change committed
    /// before each of its reads, and waits, as this one does, while the file is busy.
    pub(crate) fn reader(&self) -> Result<Store> {
        let reader = Store::read_only_at(&self.path, self.file)?;
        reader
            .conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| reader.error(e))?;
        Ok(reader)
    }

    /// Reads from the database once: for health checks.
    pub(crate) fn check(&self) -> Result<()> {
        self.conn
            .query_row("SELECT count(*) FROM subscribers WHERE 0", [], |_| Ok(()))
            .map_err(|e| self.error(e))
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction, committed when it returns
    /// `Ok` and rolled back when it fails; inside a transaction already open, simply
    /// runs it (the outer one commits). Every change the store makes is atomic on its
    /// own; this groups many (e.g. a Maildir of reports) into one commit.
    pub(crate) fn transaction<T>(&self, work: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return work(self);
        }
        // Cached statements: `herald inbound` runs one transaction per message.
        self.run_cached("BEGIN IMMEDIATE")?;
        match work(self) {
            Ok(value) => {
                self.run_cached("COMMIT")?;
                Ok(value)
            }
            Err(e) => {
                // The work's error is the one to report; a failed rollback leaves the
                // transaction to be rolled back when the connection closes.
                let _ = self.run_cached("ROLLBACK");
                Err(e)
            }
        }
    }

    fn run_cached(&self, sql: &str) -> Result<()> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute([]))
            .map(drop)
            .map_err(|e| self.error(e))
    }

    fn error(&self, source: rusqlite::Error) -> Error {
        Error::store(&self.path, source)
    }
}

/// The stored form of a timestamp.
fn stamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads a stored timestamp back.
fn parse_stamp(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

#[cfg(test)]
mod tests;
