//! Finding a subscriber by unsubscribe token through an index.

use rusqlite::{OptionalExtension, params};

use super::Store;
use super::subscribers::Subscriber;
use crate::error::Result;

/// The `meta` key holding which secret the stored tokens were made with.
const TOKEN_KEY: &str = "token_key";

impl Store {
    /// Makes sure every subscriber's `token` column holds `token(email)`: when the
    /// tokens were made with another key (`key_id` differs) every token is remade,
    /// otherwise only rows without one (added by `herald subscribers`) are filled.
    /// Returns how many rows were filled.
    pub(crate) fn index_tokens(
        &mut self,
        key_id: &str,
        token: impl Fn(&str) -> String,
    ) -> Result<usize> {
        let path = self.path.clone();
        let error = |e| crate::error::Error::store(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(error)?;
        let stored: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [TOKEN_KEY], |r| {
                r.get(0)
            })
            .optional()
            .map_err(error)?;
        if stored.as_deref() != Some(key_id) {
            tx.execute("UPDATE subscribers SET token = NULL", [])
                .map_err(error)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![TOKEN_KEY, key_id],
            )
            .map_err(error)?;
        }
        let mut select = tx
            .prepare("SELECT email FROM subscribers WHERE token IS NULL")
            .map_err(error)?;
        let missing: Vec<String> = select
            .query_map([], |r| r.get(0))
            .map_err(error)?
            .collect::<rusqlite::Result<_>>()
            .map_err(error)?;
        drop(select);
        {
            let mut update = tx
                .prepare("UPDATE subscribers SET token = ?2 WHERE email = ?1")
                .map_err(error)?;
            for email in &missing {
                update
                    .execute(params![email, token(email)])
                    .map_err(error)?;
            }
        }
        tx.commit().map_err(error)?;
        Ok(missing.len())
    }

    /// The subscriber whose indexed token is `token`, if any.
    pub(crate) fn subscriber_by_token(&self, token: &str) -> Result<Option<Subscriber>> {
        let email: Option<String> = self
            .conn
            .prepare_cached("SELECT email FROM subscribers WHERE token = ?1")
            .and_then(|mut s| s.query_row([token], |row| row.get(0)).optional())
            .map_err(|e| self.error(e))?;
        match email {
            Some(email) => self.subscriber(&email),
            None => Ok(None),
        }
    }
}
