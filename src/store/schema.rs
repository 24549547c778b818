//! Creating, upgrading and checking the schema.
//!
//! `PRAGMA user_version` holds the schema version. Version 1 is the three tables;
//! version 2 adds what `herald serve` needs: each subscriber's unsubscribe token
//! (indexed, so a token finds its subscriber without a pass over the list), the
//! expiry of the latest confirmation link mailed to them and the name they gave with
//! it, and a `meta` table. Version 3 adds what `herald inbound` needs: why each
//! subscriber left (`unsubscribe_reason`) and an `inbound` table with one row per
//! received message acted on, keyed by its Message-ID, so a message fed twice changes
//! nothing the second time. Version 5 adds the sign-up queue, version 6 the relay
//! webhooks' one-time tokens, version 7 each subscriber's topics and pause. Each step runs in one `BEGIN IMMEDIATE` transaction that
//! re-reads the version, so two processes opening a file at once cannot both apply it.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// The schema version this build writes (`PRAGMA user_version`).
const VERSION: i64 = 7;

/// Version 1: created on a new file, and kept as is for files made by older builds.
const SCHEMA_V1: &str = "
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

/// Version 2: tokens are filled by [`crate::store::Store::index_tokens`], which knows
/// the secret.
const V2: &str = "
ALTER TABLE subscribers ADD COLUMN token TEXT;
ALTER TABLE subscribers ADD COLUMN confirm_expires TEXT;
ALTER TABLE subscribers ADD COLUMN pending_name TEXT;
CREATE INDEX subscribers_token ON subscribers (token);
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// Version 3: the reason for an unsubscribe (`one-click`, `mailto`, `complaint`,
/// `bounced`, `cli`; NULL for older rows), and the messages `herald inbound` acted on.
const V3: &str = "
ALTER TABLE subscribers ADD COLUMN unsubscribe_reason TEXT;
CREATE TABLE inbound (
    message_key TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    email       TEXT COLLATE NOCASE,
    action      TEXT NOT NULL,
    received_at TEXT NOT NULL
);
";

/// Version 4: one subscriber lifecycle. Hard and soft bounces are counted apart
/// (counts from before are soft: herald did not tell them apart then), with the last
/// reported status and words; how and when each subscriber joined, confirmed and left;
/// which confirmation links are spent; the issues soft bounces were reported for (one
/// id per line, in the row: reading them costs no query); and
/// the keyed hashes of forgotten addresses.
const V4: &str = "
ALTER TABLE subscribers ADD COLUMN hard_bounces INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscribers ADD COLUMN soft_bounces INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscribers ADD COLUMN last_bounce_status TEXT;
ALTER TABLE subscribers ADD COLUMN last_bounce_words TEXT;
ALTER TABLE subscribers ADD COLUMN last_bounce_at TEXT;
ALTER TABLE subscribers ADD COLUMN joined_via TEXT;
ALTER TABLE subscribers ADD COLUMN confirmed_at TEXT;
ALTER TABLE subscribers ADD COLUMN left_at TEXT;
ALTER TABLE subscribers ADD COLUMN links_spent_until TEXT;
ALTER TABLE subscribers ADD COLUMN soft_bounce_issues TEXT NOT NULL DEFAULT '';
UPDATE subscribers SET soft_bounces = bounces;
CREATE TABLE forgotten (
    hash         TEXT PRIMARY KEY,
    forgotten_at TEXT NOT NULL
);
CREATE INDEX deliveries_email ON deliveries (email);
CREATE INDEX inbound_email ON inbound (email);
";

/// Version 5: what `herald serve` owes: the sign-ups waiting for the mailer (a
/// durable queue: a restart loses none), and one row per confirmation mail sent in
/// the last hour (the hourly cap).
const V5: &str = "
CREATE TABLE signups (
    id           INTEGER PRIMARY KEY,
    email        TEXT NOT NULL,
    name         TEXT,
    requested_at TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    not_before   TEXT
);
CREATE TABLE confirm_mails (
    sent_at TEXT NOT NULL
);
CREATE INDEX confirm_mails_sent_at ON confirm_mails (sent_at);
";

/// Version 6: the one-time tokens of the relays' signed callbacks seen lately
/// (Mailgun's tokens, SNS message ids, SendGrid signatures), so a replayed request is
/// refused. The callbacks' events themselves are
/// remembered in `inbound`, keyed `relay:event-id`.
const V6: &str = "
CREATE TABLE relay_tokens (
    relay   TEXT NOT NULL,
    token   TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (relay, token)
);
CREATE INDEX relay_tokens_seen_at ON relay_tokens (seen_at);
";

/// Version 7: the topics each subscriber chose (article tags, one per line; empty is
/// every article) and the end of a pause they asked for; the topics chosen on the
/// sign-up form, waiting in the queue with the sign-up; and a delivery status
/// `skipped` (the issue held nothing for the recipient, or they were paused; `reply`
/// says which), for which SQLite's CHECK makes the table be rebuilt.
const V7: &str = "
ALTER TABLE subscribers ADD COLUMN topics TEXT NOT NULL DEFAULT '';
ALTER TABLE subscribers ADD COLUMN paused_until TEXT;
ALTER TABLE signups ADD COLUMN topics TEXT NOT NULL DEFAULT '';
CREATE TABLE deliveries_v7 (
    issue      TEXT NOT NULL REFERENCES issues (id),
    email      TEXT NOT NULL COLLATE NOCASE,
    status     TEXT NOT NULL
               CHECK (status IN ('sending', 'sent', 'failed', 'deferred', 'skipped')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    reply      TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (issue, email)
);
INSERT INTO deliveries_v7 (issue, email, status, attempts, reply, updated_at)
    SELECT issue, email, status, attempts, reply, updated_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_v7 RENAME TO deliveries;
CREATE INDEX deliveries_email ON deliveries (email);
";

/// Switches to WAL, then creates or upgrades the schema to [`VERSION`].
pub(super) fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    let sql = |e| Error::store(path, e);
    // Room for every statement the store caches (the default, 16, is fewer).
    conn.set_prepared_statement_cache_capacity(64);
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sql)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(sql)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sql)?;
    // Deleted rows are overwritten with zeros: `herald subscribers forget` leaves no
    // copy of an erased address in free pages.
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(sql)?;
    if check_version(conn, path)? == VERSION {
        return Ok(());
    }
    let tx =
        rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(sql)?;
    let found = check_version(&tx, path)?;
    if found < 1 {
        tx.execute_batch(SCHEMA_V1).map_err(sql)?;
    }
    if found < 2 {
        tx.execute_batch(V2).map_err(sql)?;
    }
    if found < 3 {
        tx.execute_batch(V3).map_err(sql)?;
    }
    if found < 4 {
        tx.execute_batch(V4).map_err(sql)?;
    }
    if found < 5 {
        tx.execute_batch(V5).map_err(sql)?;
    }
    if found < 6 {
        tx.execute_batch(V6).map_err(sql)?;
    }
    if found < 7 {
        tx.execute_batch(V7).map_err(sql)?;
    }
    tx.pragma_update(None, "user_version", VERSION)
        .map_err(sql)?;
    tx.commit().map_err(sql)
}

/// Fails when the file was written by a newer herald; returns its version.
pub(super) fn check_version(conn: &Connection, path: &Path) -> Result<i64> {
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
    Ok(found)
}

/// The old schemas, for upgrade tests.
#[cfg(test)]
pub(super) fn tests_v1() -> &'static str {
    SCHEMA_V1
}

/// See [`tests_v1`].
#[cfg(test)]
pub(super) fn tests_v2() -> &'static str {
    V2
}

/// See [`tests_v1`].
#[cfg(test)]
pub(super) fn tests_v3() -> &'static str {
    V3
}
