//! Finding a subscriber's row by any spelling of its address.
//!
//! Addresses match as [`crate::address::key`] says: the normalized address, lowercased
//! whole. The `email` column is `COLLATE NOCASE`, which folds ASCII letters only, so a
//! look-up first asks the column's index for the address as given, then for its
//! normalized form; when that
//! finds nothing it asks a map of the rows whose stored address holds a non-ASCII
//! character, keyed by `address::key`. Only those rows can match an address the index
//! misses: `ÄNN@example.com` asked for as `änn@example.com`, or a row stored before
//! the address rule as `a@Bücher.de` asked for as `a@xn--bcher-kva.de`.
//!
//! The map is read with one pass over the column when first needed, kept up to date
//! with this connection's own writes, and read again whenever another connection has
//! committed since (`PRAGMA data_version` tells). An entry is only a candidate: the
//! row is then read through the index, so an entry left by a rolled-back write finds
//! nothing.

use std::collections::HashMap;

use rusqlite::OptionalExtension;

use super::Store;
use super::subscribers::{COLUMNS, Subscriber, row_to_subscriber};
use crate::address;
use crate::error::Result;

/// The rows whose stored address holds a non-ASCII character, by address key.
#[derive(Debug, Default)]
pub(super) struct Unusual {
    /// `PRAGMA data_version` when the map was read.
    version: i64,
    /// Each key's stored spellings (more than one only in a database that got two
    /// spellings of one address before the address rule).
    by_key: HashMap<String, Vec<String>>,
}

impl Store {
    /// The subscriber `email` names: any spelling of its address (see the module
    /// documentation), rows stored before the address rule included. The row spelled
    /// as given comes first, then the one spelled as normalized: in a database that got
    /// two spellings of one address before the rule (`a@Bücher.de` and
    /// `a@xn--bcher-kva.de`), each row's own address (its unsubscribe token's) finds it.
    pub(crate) fn subscriber(&self, email: &str) -> Result<Option<Subscriber>> {
        let given = email.trim();
        if let Some(found) = self.subscriber_spelled(given)? {
            return Ok(Some(found));
        }
        let wanted = address::lookup_form(email);
        if wanted != given
            && let Some(found) = self.subscriber_spelled(&wanted)?
        {
            return Ok(Some(found));
        }
        // `address::key(email)`, without normalizing a second time.
        let key = wanted.to_lowercase();
        for stored in self.unusual_spellings(&key)? {
            if let Some(found) = self.subscriber_spelled(&stored)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Every spelling `email` may be stored under: as given, normalized, and those of
    /// the non-ASCII rows with its key. For erasing a person whole.
    pub(super) fn spellings(&self, email: &str) -> Result<Vec<String>> {
        let wanted = address::lookup_form(email);
        let mut spellings = vec![email.trim().to_string(), wanted.clone()];
        spellings.extend(self.unusual_spellings(&wanted.to_lowercase())?);
        Ok(spellings)
    }

    /// The row whose address is `email` as SQLite compares it (ASCII letters without
    /// case).
    fn subscriber_spelled(&self, email: &str) -> Result<Option<Subscriber>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM subscribers WHERE email = ?1"
            ))
            .and_then(|mut s| s.query_row([email], row_to_subscriber).optional())
            .map_err(|e| self.error(e))
    }

    /// The stored spellings of non-ASCII rows whose key is `key`.
    pub(super) fn unusual_spellings(&self, key: &str) -> Result<Vec<String>> {
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut s| s.query_row([], |row| row.get(0)))
            .map_err(|e| self.error(e))?;
        let mut unusual = self.unusual.borrow_mut();
        if unusual.as_ref().is_none_or(|u| u.version != version) {
            *unusual = Some(self.read_unusual(version)?);
        }
        Ok(unusual
            .as_ref()
            .and_then(|u| u.by_key.get(key))
            .cloned()
            .unwrap_or_default())
    }

    /// One pass over the column: the rows whose address is not all ASCII (their
    /// length in characters differs from their length in bytes).
    fn read_unusual(&self, version: i64) -> Result<Unusual> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT email FROM subscribers
                 WHERE length(email) <> length(CAST(email AS BLOB)) ORDER BY email",
            )
            .map_err(|e| self.error(e))?;
        let emails = statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(|e| self.error(e))?;
        let mut map = Unusual {
            version,
            by_key: HashMap::new(),
        };
        for email in emails {
            let email = email.map_err(|e| self.error(e))?;
            map.by_key
                .entry(address::key(&email))
                .or_default()
                .push(email);
        }
        Ok(map)
    }

    /// Keeps the map in step with a row this connection wrote.
    pub(super) fn note_written(&self, email: &str) {
        if email.is_ascii() {
            return;
        }
        if let Some(unusual) = self.unusual.borrow_mut().as_mut() {
            let spellings = unusual.by_key.entry(address::key(email)).or_default();
            if !spellings.iter().any(|s| s == email) {
                spellings.push(email.to_string());
            }
        }
    }

    /// Keeps the map in step with a row this connection deleted.
    pub(super) fn note_erased(&self, email: &str) {
        if let Some(unusual) = self.unusual.borrow_mut().as_mut() {
            let key = address::key(email);
            if let Some(spellings) = unusual.by_key.get_mut(&key) {
                spellings.retain(|s| s != email);
                if spellings.is_empty() {
                    unusual.by_key.remove(&key);
                }
            }
        }
    }
}
