//! The subscriber lifecycle: the one function that decides what a subscriber becomes.
//!
//! Every entry point (an import, `herald subscribers add`, `remove` and `forget`, the
//! sign-up form and its confirmation link, the one-click link, a mailto unsubscribe, a
//! complaint, a bounce report, a server's refusal while sending) builds an [`Event`];
//! [`apply`] turns what the store knows of the address and the event into a [`Change`]:
//! what to write, and what happened. It does no I/O, so a table of every (state,
//! event) pair and property tests over random event sequences cover it; the store reads
//! the row and writes the change in one transaction ([`record`]).
//!
//! The promises:
//! - only a confirmation link, or an explicit `herald subscribers add`, makes someone
//!   who left (or never confirmed) active;
//! - a confirmation link works once, ever;
//! - the first reason for leaving is kept until the person is made active again;
//! - a forgotten address never comes back through an import;
//! - a hard bounce (the mailbox or domain does not exist) suppresses the address at the
//!   first report; soft bounces suppress it only after reports on
//!   `soft_limit` distinct issues; neither ever makes anyone active.

use chrono::{DateTime, Duration, Utc};

use crate::config::Topic;
use crate::content::tag_slug;
use crate::error::Result;
use crate::store::{Joined, Known, LastBounce, Reason, Status, Store, Subscriber, Write};

/// The bounce policy (`newsletter.bounces` in `herald.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Soft bounces on this many distinct issues make an active address bounced.
    pub soft_limit: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy::from(&crate::config::Bounces::default())
    }
}

impl From<&crate::config::Bounces> for Policy {
    fn from(bounces: &crate::config::Bounces) -> Self {
        Policy {
            soft_limit: bounces.soft_limit.max(1),
        }
    }
}

/// What a bounce report or a server's refusal said about one address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Bounce {
    /// The enhanced status code (`5.1.1`), when known.
    pub status: Option<String>,
    /// The server's words.
    pub words: Option<String>,
    /// The issue the bounced message belonged to, when known. Soft bounces count
    /// towards the limit once per issue; one without a known issue is counted but
    /// cannot remove anyone.
    pub issue: Option<String>,
}

/// Something that happened to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// A row of an imported export, with the export's own status (active,
    /// unsubscribed or bounced) and the file it came from.
    Imported {
        /// The export's status.
        status: Status,
        /// The name in the export.
        name: Option<String>,
        /// The file, as given.
        file: String,
        /// The topics the export's tags, labels, lists or groups name (only those in
        /// `newsletter.topics`). A new row takes them; a known row takes them only when
        /// it chose none (the subscriber's own choice is newer news than an export).
        topics: Vec<String>,
    },
    /// `herald subscribers add`: the list's owner says this address is subscribed.
    Added {
        /// The name given.
        name: Option<String>,
    },
    /// The sign-up form: a confirmation link expiring at `link` is to be mailed.
    SignedUp {
        /// The name given.
        name: Option<String>,
        /// The link's expiry, which is its identity.
        link: DateTime<Utc>,
    },
    /// A confirmation link was used.
    Confirmed {
        /// The link's expiry, which is its identity.
        link: DateTime<Utc>,
    },
    /// The person left: one-click, mailto, complaint, opt-out or `remove`.
    Unsubscribed(Reason),
    /// The mailbox or domain does not exist or has moved.
    HardBounce(Bounce),
    /// Full, blocked, filtered, too big, rate limited, expired, a system error.
    SoftBounce(Bounce),
    /// `herald subscribers forget`: erase the address, keep only a keyed hash.
    Forgotten,
    /// The sign-up's confirmation link passed its expiry: a pending address that never
    /// confirmed is dropped (nothing is kept of it).
    LinkExpired,
    /// The subscriber (preferences page, sign-up form) or the list's owner (`herald
    /// subscribers topics`) chose these topics: the tags of `newsletter.topics`, as
    /// configured. None chosen means every article.
    ChoseTopics(Vec<String>),
    /// The subscriber asked for no issue before `until`.
    Paused {
        /// When issues start again.
        until: DateTime<Utc>,
    },
    /// The subscriber asked for issues again before their pause ended.
    Resumed,
}

/// What happened, for messages and callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effect {
    /// A new subscriber row with this status.
    Added(Status),
    /// Made active again (explicit add or confirmation).
    Activated,
    /// Name or other details changed; the status did not.
    Updated,
    /// A confirmation link to mail, with this expiry (the new link's identity).
    LinkIssued(DateTime<Utc>),
    /// A sign-up or a link for an address already active: nothing to do.
    AlreadyActive,
    /// The confirmation link was used, replaced or cancelled before.
    StaleLink,
    /// The person left for this reason.
    Left(Reason),
    /// A bounce was counted; `bounced` when it removed the address.
    Counted {
        /// Hard (`true`) or soft.
        hard: bool,
        /// Whether the address is now bounced.
        bounced: bool,
    },
    /// The address was erased.
    Erased,
    /// A sign-up never confirmed was dropped.
    Expired,
    /// The address is not on the list: nothing changed.
    NotSubscriber,
    /// The address was forgotten: an import does not bring it back.
    KeptOut,
    /// The subscriber's topics are now these (empty: every article).
    TopicsChosen(Vec<String>),
    /// No issue goes to the subscriber before this time.
    Paused(DateTime<Utc>),
    /// The pause ended early.
    Resumed,
    /// Nothing changed, and why.
    Unchanged(&'static str),
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Added(status) => write!(f, "added ({})", status.as_str()),
            Effect::Activated => f.write_str("made active"),
            Effect::Updated => f.write_str("updated"),
            Effect::LinkIssued(_) => f.write_str("confirmation link issued"),
            Effect::AlreadyActive => f.write_str("already active: nothing changed"),
            Effect::StaleLink => f.write_str("link already used or replaced: nothing changed"),
            Effect::Left(reason) => write!(f, "unsubscribed ({})", reason.as_str()),
            Effect::Counted { hard, bounced } => {
                let kind = if *hard { "hard" } else { "soft" };
                if *bounced {
                    write!(f, "{kind} bounce: marked bounced")
                } else {
                    write!(f, "{kind} bounce counted")
                }
            }
            Effect::Erased => f.write_str("forgotten"),
            Effect::Expired => f.write_str("sign-up never confirmed: dropped"),
            Effect::NotSubscriber => f.write_str("not a subscriber: nothing changed"),
            Effect::KeptOut => {
                f.write_str("forgotten: an import does not bring it back: nothing changed")
            }
            Effect::TopicsChosen(topics) if topics.is_empty() => {
                f.write_str("topics: every article")
            }
            Effect::TopicsChosen(topics) => write!(f, "topics: {}", topics.join(", ")),
            Effect::Paused(until) => write!(f, "paused until {}", until.to_rfc3339()),
            Effect::Resumed => f.write_str("resumed"),
            Effect::Unchanged(why) => write!(f, "{why}: nothing changed"),
        }
    }
}

/// What [`apply`] decided: what to write, and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// What the store writes.
    pub write: Write,
    /// What happened.
    pub effect: Effect,
}

impl Change {
    fn row(subscriber: Subscriber, effect: Effect) -> Change {
        Change {
            write: Write::Row(subscriber),
            effect,
        }
    }

    fn unchanged(why: &'static str) -> Change {
        Change {
            write: Write::Nothing,
            effect: Effect::Unchanged(why),
        }
    }

    /// The subscriber after the change, when one is written.
    pub(crate) fn after(&self) -> Option<&Subscriber> {
        match &self.write {
            Write::Row(subscriber) => Some(subscriber),
            Write::Nothing | Write::Forget | Write::Remove => None,
        }
    }
}

/// Decides what `event` does to `email`, given what the store `known`s of it.
pub(crate) fn apply(
    email: &str,
    known: &Known,
    event: &Event,
    now: DateTime<Utc>,
    policy: Policy,
) -> Change {
    use Status::{Active, Bounced, Pending, Unsubscribed};
    match (known, event) {
        (
            Known::New,
            Event::Imported {
                status,
                name,
                file,
                topics,
            },
        ) => imported_new(email, *status, name, file, topics, now),
        (Known::Forgotten, Event::Imported { .. }) => Change {
            write: Write::Nothing,
            effect: Effect::KeptOut,
        },
        (
            Known::Row(s),
            Event::Imported {
                status,
                name,
                topics,
                ..
            },
        ) => imported(s, *status, name, topics, now),

        (Known::New | Known::Forgotten, Event::Added { name }) => {
            let mut s = Subscriber::new(email, Active, Joined::Cli, now);
            s.name = clean(name);
            Change::row(s, Effect::Added(Active))
        }
        (Known::Row(s), Event::Added { name }) => match s.status {
            Active => renamed(s, name),
            Pending | Unsubscribed | Bounced => Change::row(activate(s, name), Effect::Activated),
        },

        (Known::New | Known::Forgotten, Event::SignedUp { name, link }) => {
            let mut s = Subscriber::new(email, Pending, Joined::SignUp, now);
            s.name = clean(name);
            s.links.outstanding = Some(*link);
            Change::row(s, Effect::LinkIssued(*link))
        }
        (Known::Row(s), Event::SignedUp { name, link }) => match s.status {
            Active => Change {
                write: Write::Nothing,
                effect: Effect::AlreadyActive,
            },
            Pending | Unsubscribed | Bounced => issue_link(s, name, *link),
        },

        (Known::New | Known::Forgotten, Event::Confirmed { .. }) => Change {
            write: Write::Nothing,
            effect: Effect::StaleLink,
        },
        (Known::Row(s), Event::Confirmed { link }) => confirm(s, *link, now),

        (Known::New | Known::Forgotten, Event::Unsubscribed(_)) => Change {
            write: Write::Nothing,
            effect: Effect::NotSubscriber,
        },
        (Known::Row(s), Event::Unsubscribed(reason)) => match s.status {
            Active | Pending => Change::row(leave(s, *reason, now), Effect::Left(*reason)),
            Unsubscribed | Bounced => cancel_links(s),
        },

        (Known::New | Known::Forgotten, Event::HardBounce(_) | Event::SoftBounce(_)) => Change {
            write: Write::Nothing,
            effect: Effect::NotSubscriber,
        },
        (Known::Row(s), Event::HardBounce(b)) => bounce(s, b, true, now, policy),
        (Known::Row(s), Event::SoftBounce(b)) => bounce(s, b, false, now, policy),

        (Known::New | Known::Forgotten, Event::LinkExpired) => Change {
            write: Write::Nothing,
            effect: Effect::NotSubscriber,
        },
        (Known::Row(s), Event::LinkExpired) => match s.status {
            Pending if s.links.outstanding.is_some_and(|link| link < now) => Change {
                write: Write::Remove,
                effect: Effect::Expired,
            },
            Pending => Change::unchanged("its link has not expired"),
            Active | Unsubscribed | Bounced => Change::unchanged("not a pending sign-up"),
        },

        (
            Known::New | Known::Forgotten,
            Event::ChoseTopics(_) | Event::Paused { .. } | Event::Resumed,
        ) => Change {
            write: Write::Nothing,
            effect: Effect::NotSubscriber,
        },
        (Known::Row(s), Event::ChoseTopics(topics)) => choose_topics(s, topics),
        (Known::Row(s), Event::Paused { until }) => pause(s, *until, now),
        (Known::Row(s), Event::Resumed) => resume(s, now),

        (Known::Forgotten, Event::Forgotten) => Change::unchanged("already forgotten"),
        (Known::New | Known::Row(_), Event::Forgotten) => Change {
            write: Write::Forget,
            effect: Effect::Erased,
        },
    }
}

/// A trimmed, non-empty name.
fn clean(name: &Option<String>) -> Option<String> {
    name.as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

fn imported_new(
    email: &str,
    status: Status,
    name: &Option<String>,
    file: &str,
    topics: &[String],
    now: DateTime<Utc>,
) -> Change {
    let mut s = Subscriber::new(email, Status::Active, Joined::Import(file.to_string()), now);
    s.name = clean(name);
    s.topics = topic_set(topics);
    match status {
        Status::Unsubscribed => s = leave(&s, Reason::Import, now),
        Status::Bounced => s = bounce_out(&s, now),
        // An export's pending sign-up is not a confirmation here: it stays pending.
        Status::Pending => s.status = Status::Pending,
        Status::Active => {}
    }
    let status = s.status;
    Change::row(s, Effect::Added(status))
}

/// An export's row for a known address: a new name is taken, and its topics when the
/// subscriber chose none; its unsubscribed or bounced is taken by an active or pending
/// address (the export is newer news of the person's choice); nothing in it makes
/// anyone active.
fn imported(
    s: &Subscriber,
    status: Status,
    name: &Option<String>,
    topics: &[String],
    now: DateTime<Utc>,
) -> Change {
    let mut after = match (s.status, status) {
        (Status::Active | Status::Pending, Status::Unsubscribed) => leave(s, Reason::Import, now),
        (Status::Active | Status::Pending, Status::Bounced) => bounce_out(s, now),
        (Status::Active | Status::Pending, Status::Active | Status::Pending)
        | (Status::Unsubscribed | Status::Bounced, _) => {
            return kept_with_export(s, name, topics);
        }
    };
    after.name = clean(name).or(after.name);
    after = with_export_topics(&after, topics);
    let reason = after.reason.unwrap_or(Reason::Import);
    Change::row(after, Effect::Left(reason))
}

/// A new non-empty name replaces the old one; nothing else changes.
fn renamed(s: &Subscriber, name: &Option<String>) -> Change {
    match clean(name) {
        Some(name) if s.name.as_deref() != Some(name.as_str()) => {
            let mut after = s.clone();
            after.name = Some(name);
            Change::row(after, Effect::Updated)
        }
        _ => Change::unchanged("already on the list"),
    }
}

/// `s` with an export's topics, when it chose none itself.
fn with_export_topics(s: &Subscriber, topics: &[String]) -> Subscriber {
    let mut after = s.clone();
    if after.topics.is_empty() {
        after.topics = topic_set(topics);
    }
    after
}

/// An export's row that changes no status: its name and (when the subscriber chose
/// none) its topics.
fn kept_with_export(s: &Subscriber, name: &Option<String>, topics: &[String]) -> Change {
    let after = with_export_topics(s, topics);
    let change = renamed(&after, name);
    match change.write {
        Write::Nothing if after != *s => Change::row(after, Effect::Updated),
        _ => change,
    }
}

/// A topic list as stored: trimmed, without empties or repeats, sorted.
fn topic_set(topics: &[String]) -> Vec<String> {
    let mut set: Vec<String> = topics
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    set.sort();
    set.dedup();
    set
}

fn choose_topics(s: &Subscriber, topics: &[String]) -> Change {
    let topics = topic_set(topics);
    if topics == s.topics {
        return Change::unchanged("the same topics");
    }
    let mut after = s.clone();
    after.topics = topics.clone();
    Change::row(after, Effect::TopicsChosen(topics))
}

/// Only an active subscriber pauses; a later pause replaces an earlier one.
fn pause(s: &Subscriber, until: DateTime<Utc>, now: DateTime<Utc>) -> Change {
    if s.status != Status::Active {
        return Change::unchanged("not an active subscriber");
    }
    if until <= now {
        return resume(s, now);
    }
    let mut after = s.clone();
    after.paused_until = Some(until);
    Change::row(after, Effect::Paused(until))
}

fn resume(s: &Subscriber, now: DateTime<Utc>) -> Change {
    if !is_paused(s, now) {
        return Change::unchanged("not paused");
    }
    let mut after = s.clone();
    after.paused_until = None;
    Change::row(after, Effect::Resumed)
}

fn is_paused(s: &Subscriber, now: DateTime<Utc>) -> bool {
    s.paused_until.is_some_and(|until| until > now)
}

/// Whether an issue sent at `now` goes to `s`: active, and not paused.
pub(crate) fn receives(s: &Subscriber, now: DateTime<Utc>) -> bool {
    s.status == Status::Active && !is_paused(s, now)
}

/// Which of an issue's articles go to a subscriber who chose `topics`: indices into
/// `articles` (each article's tags), in order.
///
/// No topic chosen: every article. Otherwise the articles with at least one tag whose
/// slug is the slug of a chosen topic (tags are matched as per-tag feeds match them:
/// `Rust` and `rust` are one tag). A chosen topic that is no longer in
/// `newsletter.topics` (`configured`) is ignored; when none of the chosen topics is
/// configured any more, the subscriber gets every article again, as one who chose none.
pub(crate) fn articles_for(
    topics: &[String],
    configured: &[Topic],
    articles: &[&[String]],
) -> Vec<usize> {
    let offered: Vec<String> = configured
        .iter()
        .filter_map(|topic| tag_slug::slug(&topic.tag))
        .collect();
    let wanted: Vec<String> = topics
        .iter()
        .filter_map(|tag| tag_slug::slug(tag))
        .filter(|slug| offered.contains(slug))
        .collect();
    (0..articles.len())
        .filter(|&i| {
            wanted.is_empty()
                || articles[i]
                    .iter()
                    .filter_map(|tag| tag_slug::slug(tag))
                    .any(|slug| wanted.contains(&slug))
        })
        .collect()
}

/// Active again: counts restart, the reason is cleared, every outstanding link is spent.
fn activate(s: &Subscriber, name: &Option<String>) -> Subscriber {
    let mut after = spend_links(s);
    after.status = Status::Active;
    after.reason = None;
    after.left_at = None;
    after.hard_bounces = 0;
    after.soft_bounces = 0;
    after.soft_issues.clear();
    after.paused_until = None;
    after.name = clean(name)
        .or_else(|| s.links.pending_name.clone())
        .or(after.name);
    after
}

/// Every link mailed so far is spent; none is outstanding.
fn spend_links(s: &Subscriber) -> Subscriber {
    let mut after = s.clone();
    after.links.spent_until = after.links.outstanding.max(after.links.spent_until);
    after.links.outstanding = None;
    after.links.pending_name = None;
    after
}

fn cancel_links(s: &Subscriber) -> Change {
    if s.links.outstanding.is_none() {
        return Change::unchanged(match s.status {
            Status::Bounced => "already bounced",
            Status::Active | Status::Pending | Status::Unsubscribed => "already unsubscribed",
        });
    }
    Change::row(spend_links(s), Effect::Updated)
}

/// Records a new link; a link whose expiry is not after every spent one would be
/// born spent, so its expiry moves one second past them.
fn issue_link(s: &Subscriber, name: &Option<String>, link: DateTime<Utc>) -> Change {
    let link = match s.links.spent_until {
        Some(spent) if link <= spent => spent + Duration::seconds(1),
        _ => link,
    };
    let mut after = s.clone();
    after.links.outstanding = Some(link.max(s.links.outstanding.unwrap_or(link)));
    after.links.pending_name = clean(name);
    Change::row(after, Effect::LinkIssued(link))
}

/// A link works when it expires after every spent link and no later than the
/// outstanding one.
fn link_works(s: &Subscriber, link: DateTime<Utc>) -> bool {
    let after_spent = s.links.spent_until.is_none_or(|spent| link > spent);
    let issued = s.links.outstanding.is_some_and(|latest| link <= latest);
    after_spent && issued
}

fn confirm(s: &Subscriber, link: DateTime<Utc>, now: DateTime<Utc>) -> Change {
    if !link_works(s, link) {
        let effect = match s.status {
            Status::Active => Effect::AlreadyActive,
            Status::Pending | Status::Unsubscribed | Status::Bounced => Effect::StaleLink,
        };
        return Change {
            write: Write::Nothing,
            effect,
        };
    }
    let mut after = activate(s, &None);
    after.confirmed_at = Some(now);
    let effect = match s.status {
        Status::Active => Effect::AlreadyActive,
        Status::Pending | Status::Unsubscribed | Status::Bounced => Effect::Activated,
    };
    Change::row(after, effect)
}

/// Leaves (unsubscribed) for `reason`; the first reason is kept while they stay away.
fn leave(s: &Subscriber, reason: Reason, now: DateTime<Utc>) -> Subscriber {
    depart(s, Status::Unsubscribed, reason, now)
}

/// The address does not take mail.
fn bounce_out(s: &Subscriber, now: DateTime<Utc>) -> Subscriber {
    depart(s, Status::Bounced, Reason::Bounced, now)
}

fn depart(s: &Subscriber, status: Status, reason: Reason, now: DateTime<Utc>) -> Subscriber {
    let mut after = spend_links(s);
    after.status = status;
    after.reason = Some(s.reason.unwrap_or(reason));
    after.left_at = Some(now);
    after
}

fn note_bounce(s: &Subscriber, bounce: &Bounce, now: DateTime<Utc>) -> Subscriber {
    let mut after = s.clone();
    after.last_bounce = Some(LastBounce {
        status: bounce.status.clone(),
        words: bounce.words.clone(),
        at: now,
    });
    after
}

/// Counts a hard or soft bounce. An active address becomes bounced at a hard one, or
/// when soft ones were reported on `policy.soft_limit` distinct issues; anyone else keeps
/// their status.
fn bounce(
    s: &Subscriber,
    bounce: &Bounce,
    hard: bool,
    now: DateTime<Utc>,
    policy: Policy,
) -> Change {
    let mut after = note_bounce(s, bounce, now);
    let active = s.status == Status::Active;
    let bounced = if hard {
        after.hard_bounces += 1;
        active
    } else {
        after.soft_bounces += 1;
        if let Some(issue) = &bounce.issue
            && active
            && !after.soft_issues.contains(issue)
        {
            after.soft_issues.push(issue.clone());
        }
        active && after.soft_issues.len() >= usize::try_from(policy.soft_limit.max(1)).unwrap_or(1)
    };
    if bounced {
        after = bounce_out(&after, now);
    }
    Change::row(after, Effect::Counted { hard, bounced })
}

/// Applies `event` to `email` in the store, in one transaction: reads what is known,
/// decides with [`apply`], writes the change. Returns the change. `email` is found in
/// any spelling (see [`crate::address`]); a new row holds it as given, so entry points
/// pass it through [`crate::address::normalize`] first (or pass a stored row's address).
pub(crate) fn record(
    store: &Store,
    email: &str,
    event: &Event,
    now: DateTime<Utc>,
    policy: Policy,
) -> Result<Change> {
    store.change_subscriber(email, now, |known| {
        let change = apply(email, known, event, now, policy);
        (change.write.clone(), change)
    })
}

/// Adds `email` as an active subscriber, as `herald subscribers add` does: the list's
/// owner says this address is subscribed, so an address that had left (unsubscribed,
/// bounced) or never confirmed a sign-up is made active again. The address must be one
/// herald accepts, and `name`, when given, one without control or invisible characters;
/// otherwise the error names the state database and the address.
pub fn add_subscriber(
    store: &Store,
    email: &str,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let refused = |why: String| {
        crate::error::Error::newsletter(
            store.path(),
            format!("{}: {why}", crate::controls::Quoted(email)),
        )
    };
    let email = crate::address::normalize(email).map_err(|e| refused(e.to_string()))?;
    let name = match name.map(crate::name::check).transpose() {
        Ok(name) => name.flatten(),
        Err(e) => return Err(refused(e.to_string())),
    };
    record(
        store,
        &email,
        &Event::Added { name },
        now,
        Policy::default(),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests;
