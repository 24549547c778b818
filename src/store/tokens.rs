//! What `herald serve` asks of the subscriber list: finding a subscriber by unsubscribe
//! token through an index, and the two steps of a double opt-in sign-up.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::subscribers::{Status, Subscriber};
use super::{Store, parse_stamp, stamp};
use crate::error::Result;

/// What [`Store::sign_up`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUp {
    /// A new address, recorded as pending: mail it a confirmation link.
    Added,
    /// Known and not active (pending, unsubscribed or bounced): the link's expiry is
    /// recorded and its status kept until the link is used. Mail it the link.
    AwaitingConfirmation,
    /// Already active: nothing changed; no mail needed.
    AlreadyActive,
}

/// What [`Store::confirm`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The subscriber is now active.
    Confirmed,
    /// The subscriber was already active (a second press of the button).
    AlreadyActive,
    /// No link with this expiry is outstanding for the address: used, replaced by a
    /// newer one, or cancelled by an unsubscribe.
    Stale,
}

/// The `meta` key holding which secret the stored tokens were made with.
const TOKEN_KEY: &str = "token_key";

impl Store {
    /// Makes sure every subscriber's `token` column holds `token(email)`: when the
    /// tokens were made with another key (`key_id` differs) every token is remade,
    /// otherwise only rows without one (added by `herald subscribers`) are filled.
    /// Returns how many rows were filled.
    pub fn index_tokens(&mut self, key_id: &str, token: impl Fn(&str) -> String) -> Result<usize> {
        let path = self.path.clone();
        let error = |e| crate::error::Error::store(&path, e);
        let tx = self.conn.transaction().map_err(error)?;
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
    pub fn subscriber_by_token(&self, token: &str) -> Result<Option<Subscriber>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {} FROM subscribers WHERE token = ?1",
                    super::subscribers::COLUMNS
                ),
                [token],
                super::subscribers::row_to_subscriber,
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Records a sign-up of `email` whose confirmation link expires at `expires`. A new
    /// address becomes `pending` with `name` and `token`; a known one keeps its status
    /// (only the link can make it active) and `name` waits for the confirmation.
    pub fn sign_up(
        &mut self,
        email: &str,
        name: Option<&str>,
        token: &str,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<SignUp> {
        let path = self.path.clone();
        let error = |e| crate::error::Error::store(&path, e);
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        let tx = self.conn.transaction().map_err(error)?;
        let status: Option<String> = tx
            .query_row(
                "SELECT status FROM subscribers WHERE email = ?1",
                [email],
                |r| r.get(0),
            )
            .optional()
            .map_err(error)?;
        let outcome = match status.as_deref() {
            None => {
                tx.execute(
                    "INSERT INTO subscribers (email, name, status, added_at, token, confirm_expires)
                     VALUES (?1, ?2, 'pending', ?3, ?4, ?5)",
                    params![email, name, stamp(now), token, stamp(expires)],
                )
                .map_err(error)?;
                SignUp::Added
            }
            Some("active") => SignUp::AlreadyActive,
            Some(_) => {
                tx.execute(
                    "UPDATE subscribers SET confirm_expires = ?2, pending_name = ?3 WHERE email = ?1",
                    params![email, stamp(expires), name],
                )
                .map_err(error)?;
                SignUp::AwaitingConfirmation
            }
        };
        tx.commit().map_err(error)?;
        Ok(outcome)
    }

    /// Uses the confirmation link of `email` that expires at `expires`: when it is the
    /// outstanding one (or an earlier one mailed since), the subscriber becomes active,
    /// its bounce count restarts, the name given at sign-up replaces the old one, and
    /// the link is spent.
    pub fn confirm(&mut self, email: &str, expires: DateTime<Utc>) -> Result<Confirmation> {
        let path = self.path.clone();
        let error = |e| crate::error::Error::store(&path, e);
        let tx = self.conn.transaction().map_err(error)?;
        let row: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT status, confirm_expires FROM subscribers WHERE email = ?1",
                [email],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(error)?;
        let outstanding = match &row {
            Some((_, Some(text))) => Some(parse_stamp(text).map_err(error)?),
            _ => None,
        };
        let outcome = match (row, outstanding) {
            (Some(_), Some(latest)) if expires <= latest => {
                tx.execute(
                    "UPDATE subscribers SET status = 'active', bounces = 0, unsubscribe_reason = NULL,
                         name = COALESCE(pending_name, name), pending_name = NULL,
                         confirm_expires = NULL
                     WHERE email = ?1",
                    [email],
                )
                .map_err(error)?;
                Confirmation::Confirmed
            }
            (Some((status, _)), _) if Status::parse(&status) == Status::Active => {
                Confirmation::AlreadyActive
            }
            _ => Confirmation::Stale,
        };
        tx.commit().map_err(error)?;
        Ok(outcome)
    }
}
