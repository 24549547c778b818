//! What a relay's callback reports, in one shape for every relay: one event about
//! one or more recipients, with the relay's own id for it.

use crate::inbound::{Feedback, status_and_words};

/// What an event does to its recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// The mailbox or domain does not exist (or the relay gave up on it for good).
    Hard,
    /// A failure that is only counted: full, blocked, deferred past retries.
    Soft,
    /// The recipient reported the message as spam, or asked to leave.
    Complaint(Feedback),
    /// A delivery, an open, a click, or any other event: nothing.
    Nothing,
}

/// One event of a relay's callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    /// The relay's id of the event (SES `feedbackId`, Mailgun `event-data.id`, Postmark
    /// `ID`, SendGrid `sg_event_id`): with the relay's name, what makes it once.
    pub id: String,
    /// What it does.
    pub effect: Effect,
    /// The recipients it is about.
    pub recipients: Vec<Recipient>,
    /// The envelope sender of the original message, when the relay passes it (SES,
    /// Mailgun): with VERP it carries the recipient's token.
    pub envelope_sender: Option<String>,
}

/// One recipient of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recipient {
    /// The address as the relay gives it.
    pub address: String,
    /// The enhanced status code (`5.1.1`), when the relay gives one.
    pub status: Option<String>,
    /// The receiving server's (or the relay's) words, on one line.
    pub words: Option<String>,
}

impl Recipient {
    /// `address` with the `status` field the relay gives (used when it is an enhanced
    /// status code) and the server's words `said` (where a status is looked for
    /// otherwise).
    pub(crate) fn new(address: &str, status: Option<&str>, said: &str) -> Recipient {
        let (status, words) = status_and_words(status, said);
        Recipient {
            address: address.to_string(),
            status,
            words,
        }
    }
}

/// Why a callback is refused before anything is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Unsigned, forged, stale or replayed, or the wrong credentials: 401.
    Unauthorized(&'static str),
    /// Authentic but not understood (not JSON, a field of the wrong type): 400.
    Unreadable(String),
}

impl Refusal {
    /// A body that is not the JSON the relay sends.
    pub(crate) fn json(relay: &str, error: &serde_json::Error) -> Refusal {
        Refusal::Unreadable(format!(
            "not {relay}'s webhook JSON ({error}); point only {relay}'s webhook at this URL"
        ))
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Unauthorized(why) => write!(f, "unauthorized: {why}"),
            Refusal::Unreadable(why) => write!(f, "unreadable: {why}"),
        }
    }
}

/// How far a signed time may be from the server's clock, in seconds: at most `age`
/// before `now`, at most `ahead` after it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub(crate) age: i64,
    pub(crate) ahead: i64,
}

impl Window {
    /// `seconds` either way.
    pub(crate) const fn either_way(seconds: i64) -> Window {
        Window {
            age: seconds,
            ahead: seconds,
        }
    }

    /// Whether `signed` (Unix seconds) is inside the window around `now`.
    pub(crate) fn holds(self, signed: i64, now: chrono::DateTime<chrono::Utc>) -> bool {
        (-self.ahead..=self.age).contains(&(now.timestamp() - signed))
    }
}
