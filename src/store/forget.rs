//! Erasing one person: their subscriber row, their rows in the delivery ledger and
//! the inbound log, and the bytes of all of it in the database file. What is kept is
//! a keyed hash of the address (HMAC-SHA-256 with a random key made for this
//! database), so that an import can recognise the address without herald holding it.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rusqlite::{OptionalExtension, params};
use sha2::Sha256;

use super::{Store, stamp};
use crate::error::Result;

/// The `meta` key holding the hash key.
const KEY: &str = "forget_key";

impl Store {
    /// Whether `email` (any spelling of it) was forgotten.
    pub(crate) fn is_forgotten(&self, email: &str) -> Result<bool> {
        // No key yet means nobody was ever forgotten: no key is made for a look-up.
        let Some(key) = self.forget_key(false)? else {
            return Ok(false);
        };
        let mut statement = self
            .conn
            .prepare_cached("SELECT 1 FROM forgotten WHERE hash = ?1")
            .map_err(|e| self.error(e))?;
        for spelling in hashed_spellings(email) {
            if statement
                .exists([hash(&key, &spelling)])
                .map_err(|e| self.error(e))?
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Deletes every row about `email` in every spelling it may be stored under (see
    /// `Store::spellings`; `stored` is its subscriber row's, when it has one) and
    /// records the hash of its normalized form. Runs inside the caller's transaction;
    /// [`Store::scrub`] then clears the freed bytes from the WAL.
    pub(crate) fn erase(
        &self,
        email: &str,
        stored: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let key = self.forget_key(true)?.unwrap_or_default();
        let mut spellings = self.spellings(email)?;
        spellings.extend(stored.map(str::to_string));
        spellings.sort();
        spellings.dedup();
        for spelling in &spellings {
            for sql in [
                "DELETE FROM subscribers WHERE email = ?1",
                "DELETE FROM deliveries WHERE email = ?1",
                "DELETE FROM inbound WHERE email = ?1 OR instr(lower(action), lower(?1)) > 0",
            ] {
                self.conn
                    .execute(sql, [spelling])
                    .map_err(|e| self.error(e))?;
            }
            self.note_erased(spelling);
        }
        let wanted = crate::address::lookup_form(email);
        self.conn
            .execute(
                "INSERT OR IGNORE INTO forgotten (hash, forgotten_at) VALUES (?1, ?2)",
                params![hash(&key, &wanted), stamp(now)],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Moves every committed page into the database file and empties the WAL, so that
    /// erased rows (overwritten with zeros by `secure_delete`) leave no copy behind.
    /// Returns false when a reader kept the checkpoint from finishing.
    pub(crate) fn scrub(&self) -> Result<bool> {
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
            .map_err(|e| self.error(e))?;
        Ok(busy == 0)
    }

    /// The hash key, made (32 random bytes) when `make` and there is none yet.
    pub(super) fn forget_key(&self, make: bool) -> Result<Option<Vec<u8>>> {
        // Cached: an import asks once for every address new to the list.
        let stored: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .and_then(|mut s| s.query_row([KEY], |r| r.get(0)).optional())
            .map_err(|e| self.error(e))?;
        if let Some(text) = stored {
            return Ok(Some(text.into_bytes()));
        }
        if !make {
            return Ok(None);
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            crate::error::Error::io(&self.path, std::io::Error::other(e.to_string()))
        })?;
        let text = crate::hex::encode(&bytes);
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![KEY, text],
            )
            .map_err(|e| self.error(e))?;
        Ok(Some(text.into_bytes()))
    }
}

/// The spellings of `email` whose hashes may stand for it: its normalized form (what
/// is hashed since the address rule), and what herald hashed before it, the address
/// as given, which for an internationalized domain may have been its Unicode form.
fn hashed_spellings(email: &str) -> Vec<String> {
    let wanted = crate::address::lookup_form(email);
    let mut spellings = vec![wanted.clone()];
    spellings.extend(crate::address::unicode_spelling(&wanted));
    let given = email.trim();
    if given != wanted {
        spellings.push(given.to_string());
    }
    spellings
}

/// HMAC-SHA-256 of the lowercased address, in hex (lowercased whole: for a
/// normalized address, its [`crate::address::key`]).
pub(super) fn hash(key: &[u8], email: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(email.trim().to_lowercase().as_bytes());
    crate::hex::encode(&mac.finalize().into_bytes())
}
