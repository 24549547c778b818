//! The `subscribers` table and its companion `forgotten`: reading a
//! subscriber whole and writing one back. No rule lives here: what a subscriber
//! becomes is decided by `newsletter::lifecycle`, and this module only stores it.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, parse_stamp, stamp};
use crate::error::Result;

/// Where a subscriber stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Receives every issue.
    Active,
    /// Asked to stop, or was removed.
    Unsubscribed,
    /// The address does not take mail (a hard bounce, or soft ones on many issues).
    Bounced,
    /// Signed up but not confirmed yet.
    Pending,
}

impl Status {
    /// The stored (and printed) name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Unsubscribed => "unsubscribed",
            Status::Bounced => "bounced",
            Status::Pending => "pending",
        }
    }

    pub(crate) fn parse(text: &str) -> Status {
        match text {
            "active" => Status::Active,
            "unsubscribed" => Status::Unsubscribed,
            "bounced" => Status::Bounced,
            // The CHECK constraint allows nothing else.
            _ => Status::Pending,
        }
    }
}

/// Why a subscriber left (stored since schema version 3; older rows have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub(crate) enum Reason {
    /// The one-click link (`herald serve`, RFC 8058).
    #[serde(rename = "one-click")]
    OneClick,
    /// A mail to the `List-Unsubscribe` mailto address (`herald inbound`).
    #[serde(rename = "mailto")]
    Mailto,
    /// A spam complaint (an ARF `abuse` report, `herald inbound`).
    #[serde(rename = "complaint")]
    Complaint,
    /// An ARF `opt-out` report: the mailbox provider passed on an unsubscribe.
    #[serde(rename = "opt-out")]
    OptOut,
    /// The address does not take mail.
    #[serde(rename = "bounced")]
    Bounced,
    /// `herald subscribers remove`.
    #[serde(rename = "cli")]
    Cli,
    /// An imported export said the address had left.
    #[serde(rename = "import")]
    Import,
    /// The preferences page (`herald serve`).
    #[serde(rename = "preferences")]
    Preferences,
}

impl Reason {
    /// Every reason, for parsing and tests.
    pub(crate) const ALL: [Reason; 8] = [
        Reason::OneClick,
        Reason::Mailto,
        Reason::Complaint,
        Reason::OptOut,
        Reason::Bounced,
        Reason::Cli,
        Reason::Import,
        Reason::Preferences,
    ];

    /// The stored (and printed) name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Reason::OneClick => "one-click",
            Reason::Mailto => "mailto",
            Reason::Complaint => "complaint",
            Reason::OptOut => "opt-out",
            Reason::Bounced => "bounced",
            Reason::Cli => "cli",
            Reason::Import => "import",
            Reason::Preferences => "preferences",
        }
    }

    fn parse(text: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// How a subscriber joined the list (kept for consent records).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Joined {
    /// From an imported file (its path as given).
    Import(String),
    /// `herald subscribers add`.
    Cli,
    /// The sign-up form (`herald serve`); the confirmation time is kept beside it.
    SignUp,
    /// Added before herald recorded how (schema version 3 and older).
    Unknown,
}

impl Joined {
    /// The stored form: `import:<file>`, `cli`, `sign-up`; NULL for unknown.
    fn to_column(&self) -> Option<String> {
        match self {
            Joined::Import(file) => Some(format!("import:{file}")),
            Joined::Cli => Some("cli".into()),
            Joined::SignUp => Some("sign-up".into()),
            Joined::Unknown => None,
        }
    }

    fn from_column(text: Option<&str>) -> Joined {
        match text {
            Some("cli") => Joined::Cli,
            Some("sign-up") => Joined::SignUp,
            Some(other) => match other.strip_prefix("import:") {
                Some(file) => Joined::Import(file.to_string()),
                None => Joined::Unknown,
            },
            None => Joined::Unknown,
        }
    }
}

impl std::fmt::Display for Joined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Joined::Import(file) => write!(f, "import of {file}"),
            Joined::Cli => f.write_str("herald subscribers add"),
            Joined::SignUp => f.write_str("sign-up form"),
            Joined::Unknown => f.write_str("unknown (added before herald recorded it)"),
        }
    }
}

/// The last bounce reported for an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastBounce {
    /// The enhanced status code (`5.1.1`), when given.
    pub status: Option<String>,
    /// What the receiving server said.
    pub words: Option<String>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

/// The state of a subscriber's confirmation links. A link is known by its expiry
/// time (signed into it): it works when it expires after `spent_until` and no later
/// than `outstanding`, so each link works once, ever.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Links {
    /// The expiry of the latest link mailed and not yet used or cancelled.
    pub outstanding: Option<DateTime<Utc>>,
    /// Every link expiring at or before this is spent (used or cancelled).
    pub spent_until: Option<DateTime<Utc>>,
    /// The name given with the outstanding sign-up, applied when it is confirmed.
    pub pending_name: Option<String>,
}

/// One subscriber, whole: everything herald holds about the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subscriber {
    /// The address, as stored: normalized by [`crate::address::normalize`] for rows
    /// made since that rule (rows from before keep their spelling). Unique as
    /// [`crate::address::key`] compares addresses.
    pub email: String,
    /// Display name, when known.
    pub name: Option<String>,
    /// Where the subscriber stands.
    pub status: Status,
    /// Why the subscriber left, when known: the first reason, kept until they are
    /// made active again.
    pub reason: Option<Reason>,
    /// Hard bounces reported (mailbox or domain does not exist), since last made active.
    pub hard_bounces: u32,
    /// Soft bounces reported (full, blocked, filtered, expired…), since last made active.
    pub soft_bounces: u32,
    /// The issues soft bounces were reported for, since last made active.
    pub soft_issues: Vec<String>,
    /// The last bounce reported, whatever its kind.
    pub last_bounce: Option<LastBounce>,
    /// How the address joined.
    pub joined: Joined,
    /// When the row was made.
    pub added_at: DateTime<Utc>,
    /// When a sign-up was last confirmed.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When the subscriber last left (unsubscribed or bounced).
    pub left_at: Option<DateTime<Utc>>,
    /// Confirmation links.
    pub links: Links,
    /// The topics (article tags, as configured in `newsletter.topics`) the subscriber
    /// chose, sorted; empty means every article.
    pub topics: Vec<String>,
    /// No issue is sent to the subscriber before this time (a pause they asked for).
    pub paused_until: Option<DateTime<Utc>>,
}

impl Subscriber {
    /// A new row for `email`, made at `now`, with nothing recorded yet.
    pub(crate) fn new(
        email: &str,
        status: Status,
        joined: Joined,
        now: DateTime<Utc>,
    ) -> Subscriber {
        Subscriber {
            email: email.to_string(),
            name: None,
            status,
            reason: None,
            hard_bounces: 0,
            soft_bounces: 0,
            soft_issues: Vec::new(),
            last_bounce: None,
            joined,
            added_at: now,
            confirmed_at: None,
            left_at: None,
            links: Links::default(),
            topics: Vec::new(),
            paused_until: None,
        }
    }

    /// Every bounce counted: hard and soft.
    pub(crate) fn bounces(&self) -> u32 {
        self.hard_bounces + self.soft_bounces
    }
}

/// What the store knows of an address before a change.
// One value per event, moved once: boxing the row would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Known {
    /// Never seen.
    New,
    /// Erased by `herald subscribers forget`: only a keyed hash is left.
    Forgotten,
    /// A subscriber row.
    Row(Subscriber),
}

/// What to write after a change.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Write {
    /// Nothing.
    Nothing,
    /// Insert or replace the row.
    Row(Subscriber),
    /// Erase everything held about the address, keeping a keyed hash of it.
    Forget,
    /// Delete the row, keeping nothing (a sign-up never confirmed).
    Remove,
}

/// The columns [`row_to_subscriber`] reads, in its order.
pub(crate) const COLUMNS: &str = "email, name, status, unsubscribe_reason, hard_bounces, \
     soft_bounces, last_bounce_status, last_bounce_words, last_bounce_at, joined_via, \
     added_at, confirmed_at, left_at, confirm_expires, links_spent_until, pending_name, \
     soft_bounce_issues, topics, paused_until";

impl Store {
    /// What is known of `email`: its row, that it was forgotten, or nothing.
    pub(crate) fn known(&self, email: &str) -> Result<Known> {
        if let Some(subscriber) = self.subscriber(email)? {
            return Ok(Known::Row(subscriber));
        }
        if self.is_forgotten(email)? {
            return Ok(Known::Forgotten);
        }
        Ok(Known::New)
    }

    /// Reads what is known of `email` (any spelling of it, see [`Store::subscriber`]),
    /// lets `decide` say what to write (and what to return), and writes it, in one
    /// `BEGIN IMMEDIATE` transaction (or inside the caller's, when one is open). A new
    /// row holds `email` as given: entry points pass it through
    /// [`crate::address::normalize`] first.
    pub(crate) fn change_subscriber<T>(
        &self,
        email: &str,
        now: DateTime<Utc>,
        decide: impl FnOnce(&Known) -> (Write, T),
    ) -> Result<T> {
        self.transaction(|store| {
            let known = store.known(email)?;
            let (write, value) = decide(&known);
            let stored = match &known {
                Known::Row(row) => Some(row.email.as_str()),
                Known::New | Known::Forgotten => None,
            };
            store.write_subscriber(email, stored, write, now)?;
            Ok(value)
        })
    }

    /// Writes `write` for `email`, whose row (when it has one) is spelled `stored`.
    fn write_subscriber(
        &self,
        email: &str,
        stored: Option<&str>,
        write: Write,
        now: DateTime<Utc>,
    ) -> Result<()> {
        match write {
            Write::Nothing => Ok(()),
            Write::Row(subscriber) => self.put_subscriber(&subscriber),
            Write::Forget => self.erase(email, stored, now),
            Write::Remove => self.remove_row(stored.unwrap_or(email)),
        }
    }

    /// Deletes the row spelled `stored`, keeping nothing.
    fn remove_row(&self, stored: &str) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM subscribers WHERE email = ?1")
            .and_then(|mut s| s.execute([stored]))
            .map_err(|e| self.error(e))?;
        self.note_erased(stored);
        Ok(())
    }

    /// Inserts or updates the row, and its soft-bounce issues when they changed.
    fn put_subscriber(&self, s: &Subscriber) -> Result<()> {
        let bounce = s.last_bounce.as_ref();
        self.conn
            .prepare_cached(
                "INSERT INTO subscribers (email, name, status, unsubscribe_reason, hard_bounces,
                     soft_bounces, bounces, last_bounce_status, last_bounce_words, last_bounce_at,
                     joined_via, added_at, confirmed_at, left_at, confirm_expires,
                     links_spent_until, pending_name, soft_bounce_issues, topics, paused_until)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5 + ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, ?18, ?19)
                 ON CONFLICT (email) DO UPDATE SET name = ?2, status = ?3,
                     unsubscribe_reason = ?4, hard_bounces = ?5, soft_bounces = ?6,
                     bounces = ?5 + ?6, last_bounce_status = ?7, last_bounce_words = ?8,
                     last_bounce_at = ?9, joined_via = ?10, added_at = ?11, confirmed_at = ?12,
                     left_at = ?13, confirm_expires = ?14, links_spent_until = ?15,
                     pending_name = ?16, soft_bounce_issues = ?17, topics = ?18,
                     paused_until = ?19",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    s.email,
                    s.name,
                    s.status.as_str(),
                    s.reason.map(Reason::as_str),
                    s.hard_bounces,
                    s.soft_bounces,
                    bounce.and_then(|b| b.status.as_deref()),
                    bounce.and_then(|b| b.words.as_deref()),
                    bounce.map(|b| stamp(b.at)),
                    s.joined.to_column(),
                    stamp(s.added_at),
                    s.confirmed_at.map(stamp),
                    s.left_at.map(stamp),
                    s.links.outstanding.map(stamp),
                    s.links.spent_until.map(stamp),
                    s.links.pending_name,
                    s.soft_issues.join("\n"),
                    s.topics.join("\n"),
                    s.paused_until.map(stamp),
                ])
            })
            .map_err(|e| self.error(e))?;
        self.note_written(&s.email);
        Ok(())
    }

    /// Every subscriber, by address.
    pub(crate) fn subscribers(&self) -> Result<Vec<Subscriber>> {
        self.select_subscribers(&format!("SELECT {COLUMNS} FROM subscribers ORDER BY email"))
    }

    /// The addresses that receive issues, by address.
    pub(crate) fn active_subscribers(&self) -> Result<Vec<Subscriber>> {
        self.select_subscribers(&format!(
            "SELECT {COLUMNS} FROM subscribers WHERE status = 'active' ORDER BY email"
        ))
    }

    fn select_subscribers(&self, sql: &str) -> Result<Vec<Subscriber>> {
        let mut statement = self.conn.prepare(sql).map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], row_to_subscriber)
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }
}

pub(crate) fn row_to_subscriber(row: &rusqlite::Row<'_>) -> rusqlite::Result<Subscriber> {
    let time = |index: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        row.get::<_, Option<String>>(index)?
            .as_deref()
            .map(parse_stamp)
            .transpose()
    };
    let last_bounce = time(8)?.map(|at| -> rusqlite::Result<LastBounce> {
        Ok(LastBounce {
            status: row.get(6)?,
            words: row.get(7)?,
            at,
        })
    });
    Ok(Subscriber {
        email: row.get(0)?,
        name: row.get(1)?,
        status: Status::parse(&row.get::<_, String>(2)?),
        reason: row
            .get::<_, Option<String>>(3)?
            .as_deref()
            .and_then(Reason::parse),
        hard_bounces: row.get(4)?,
        soft_bounces: row.get(5)?,
        soft_issues: lines(&row.get::<_, String>(16)?),
        last_bounce: last_bounce.transpose()?,
        joined: Joined::from_column(row.get::<_, Option<String>>(9)?.as_deref()),
        added_at: parse_stamp(&row.get::<_, String>(10)?)?,
        confirmed_at: time(11)?,
        left_at: time(12)?,
        links: Links {
            outstanding: time(13)?,
            spent_until: time(14)?,
            pending_name: row.get(15)?,
        },
        topics: lines(&row.get::<_, String>(17)?),
        paused_until: time(18)?,
    })
}

/// A column holding one value per line.
pub(super) fn lines(column: &str) -> Vec<String> {
    column
        .split('\n')
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

/// The JSON form (`herald subscribers list --json`): `bounces` is the total, beside
/// `hard_bounces` and `soft_bounces`; the last bounce's code and words are flat.
impl serde::Serialize for Subscriber {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let bounce = self.last_bounce.as_ref();
        let (joined_via, joined_file) = match &self.joined {
            Joined::Import(file) => ("import", Some(file.as_str())),
            Joined::Cli => ("cli", None),
            Joined::SignUp => ("sign-up", None),
            Joined::Unknown => ("unknown", None),
        };
        let mut s = serializer.serialize_struct("Subscriber", 19)?;
        s.serialize_field("email", &self.email)?;
        s.serialize_field("name", &self.name)?;
        s.serialize_field("status", &self.status)?;
        s.serialize_field("reason", &self.reason)?;
        s.serialize_field("bounces", &self.bounces())?;
        s.serialize_field("hard_bounces", &self.hard_bounces)?;
        s.serialize_field("soft_bounces", &self.soft_bounces)?;
        s.serialize_field("soft_bounce_issues", &self.soft_issues)?;
        s.serialize_field(
            "last_bounce_status",
            &bounce.and_then(|b| b.status.as_ref()),
        )?;
        s.serialize_field("last_bounce_words", &bounce.and_then(|b| b.words.as_ref()))?;
        s.serialize_field("last_bounce_at", &bounce.map(|b| b.at))?;
        s.serialize_field("joined_via", joined_via)?;
        s.serialize_field("joined_file", &joined_file)?;
        s.serialize_field("added_at", &self.added_at)?;
        s.serialize_field("confirmed_at", &self.confirmed_at)?;
        s.serialize_field("left_at", &self.left_at)?;
        s.serialize_field("confirmation_link_expires", &self.links.outstanding)?;
        s.serialize_field("topics", &self.topics)?;
        s.serialize_field("paused_until", &self.paused_until)?;
        s.end()
    }
}
