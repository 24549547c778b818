//! The `relay_tokens` table: the one-time tokens of the relays' signed callbacks seen
//! lately (Mailgun's tokens, SNS message ids, SendGrid signatures), so a captured request sent again is refused. A token older
//! than the window its timestamp is accepted in is forgotten: the signature check
//! refuses such a request anyway.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, stamp};
use crate::error::Result;

impl Store {
    /// Records `token` of `relay` as seen at `now`, forgetting the tokens seen before
    /// `forget_before`, in one `BEGIN IMMEDIATE` transaction. `false` when the token
    /// was seen already (a replay).
    pub(crate) fn first_relay_token(
        &self,
        relay: &str,
        token: &str,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<bool> {
        self.transaction(|store| {
            let run = |sql: &str, values: &[&dyn rusqlite::ToSql]| {
                store
                    .conn
                    .prepare_cached(sql)
                    .and_then(|mut statement| statement.execute(values))
                    .map_err(|e| store.error(e))
            };
            run(
                "DELETE FROM relay_tokens WHERE seen_at < ?1",
                params![stamp(forget_before)],
            )?;
            let added = run(
                "INSERT OR IGNORE INTO relay_tokens (relay, token, seen_at) VALUES (?1, ?2, ?3)",
                params![relay, token, stamp(now)],
            )?;
            Ok(added == 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use crate::store::Store;

    #[test]
    fn a_token_counts_once_until_it_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.db")).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let window = Duration::minutes(10);
        assert!(
            store
                .first_relay_token("mailgun", "t1", now, now - window)
                .unwrap()
        );
        assert!(
            !store
                .first_relay_token("mailgun", "t1", now, now - window)
                .unwrap()
        );
        // Another relay's token of the same text is another token.
        assert!(
            store
                .first_relay_token("other", "t1", now, now - window)
                .unwrap()
        );
        let later = now + Duration::minutes(11);
        assert!(
            store
                .first_relay_token("mailgun", "t1", later, later - window)
                .unwrap()
        );
    }
}
