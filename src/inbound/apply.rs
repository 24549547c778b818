//! Acting on a classified message: finding its subscriber with certainty, then
//! counting a bounce or unsubscribing, once per message. Never makes anyone active.

use chrono::{DateTime, Utc};

use super::classify::{Class, Classified, Failure, Feedback, Kind, Who};
use crate::error::Result;
use crate::mail::unsubscribe;
use crate::newsletter::BOUNCE_LIMIT;
use crate::store::{Reason, Record, Status, Store, Subscriber};

/// What handling one message did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// The message's key (`<Message-ID>` or `sha256:…`).
    pub message: String,
    /// The kind of message ([`Kind::name`]).
    pub kind: &'static str,
    /// A detail: the status code of a bounce, the feedback type of a report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The subscriber it is about, when one was identified.
    pub email: Option<String>,
    /// What changed, or why nothing did.
    pub action: String,
    /// Whether a subscriber changed.
    pub changed: bool,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        if let Some(email) = &self.email {
            write!(f, " {email}")?;
        }
        write!(f, ": {} [{}]", self.action, self.message)
    }
}

/// Handles `message` against `store`. `secret` (`HERALD_SECRET`) lets tokens name
/// their subscriber; without it only reported addresses do. Errors are the store's
/// only.
pub fn apply(
    store: &Store,
    secret: Option<&[u8]>,
    message: &Classified,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let outcome = |detail: Option<String>, email: Option<String>, action: &str| Outcome {
        message: message.key.clone(),
        kind: message.kind.name(),
        detail,
        email,
        action: action.to_string(),
        changed: false,
    };
    match &message.kind {
        Kind::Bounce { who, failures } => {
            let hard: Vec<&Failure> = failures.iter().filter(|f| f.class == Class::Hard).collect();
            let Some(first) = hard.first() else {
                let status = failures.iter().find_map(|f| f.status.clone());
                return Ok(outcome(
                    status,
                    None,
                    "not a permanent failure: nothing changed",
                ));
            };
            // Only the hard failures' addresses (and the tokens) name whom to count.
            let who = Who {
                tokens: who.tokens.clone(),
                addresses: hard.iter().filter_map(|f| f.address.clone()).collect(),
            };
            let code = first.status.clone().unwrap_or_else(|| "5.0.0".into());
            act(store, secret, message, now, &who, Some(code), bounce)
        }
        Kind::Complaint { who, feedback } => {
            let detail = match feedback {
                Feedback::Abuse => "abuse",
                Feedback::OptOut => "opt-out",
            };
            act(
                store,
                secret,
                message,
                now,
                who,
                Some(detail.into()),
                |store, s| leave(store, s, Reason::Complaint),
            )
        }
        Kind::Notice { status } => Ok(outcome(status.clone(), None, "a notice: left alone")),
        Kind::Unsubscribe { who } => act(store, secret, message, now, who, None, |store, s| {
            leave(store, s, Reason::Mailto)
        }),
        Kind::OtherFeedback { feedback_type } => Ok(outcome(
            Some(feedback_type.clone()),
            None,
            "not a complaint: left alone",
        )),
        Kind::AutoReply => Ok(outcome(None, None, "left alone")),
        Kind::Other => Ok(outcome(None, None, "not understood: left alone")),
    }
}

/// Finds the subscriber and, unless the message was handled before, runs `change`
/// on it and records the message.
fn act(
    store: &Store,
    secret: Option<&[u8]>,
    message: &Classified,
    now: DateTime<Utc>,
    who: &Who,
    detail: Option<String>,
    change: impl FnOnce(&Store, &Subscriber) -> Result<(String, bool)>,
) -> Result<Outcome> {
    let kind = message.kind.name();
    let mut outcome = Outcome {
        message: message.key.clone(),
        kind,
        detail,
        email: None,
        action: String::new(),
        changed: false,
    };
    let Some(subscriber) = identify(store, secret, who)? else {
        outcome.action = match who.addresses.first() {
            Some(address) => format!("{address} is not a subscriber: nothing changed"),
            None => "no subscriber identified: nothing changed".into(),
        };
        return Ok(outcome);
    };
    outcome.email = Some(subscriber.email.clone());
    let done = store.once(&message.key, now, |store| {
        // Read again inside the transaction: what is changed is what is stored now.
        let current = store
            .subscriber(&subscriber.email)?
            .unwrap_or_else(|| subscriber.clone());
        let (action, changed) = change(store, &current)?;
        let record = Record {
            kind: kind.to_string(),
            email: Some(subscriber.email.clone()),
            action: action.clone(),
        };
        Ok((record, (action, changed)))
    })?;
    match done {
        Ok((action, changed)) => {
            outcome.action = action;
            outcome.changed = changed;
        }
        Err(earlier) => {
            outcome.action = format!(
                "already handled at {} ({}): nothing changed",
                earlier.received_at, earlier.action
            );
        }
    }
    Ok(outcome)
}

/// The subscriber a token names (checked against the secret), else the first reported
/// address that is a subscriber.
fn identify(store: &Store, secret: Option<&[u8]>, who: &Who) -> Result<Option<Subscriber>> {
    if let Some(secret) = secret {
        for token in &who.tokens {
            if let Some(subscriber) = store.subscriber_by_token(token)?
                && unsubscribe::verify(secret, &subscriber.email, token)
            {
                return Ok(Some(subscriber));
            }
        }
    }
    for address in &who.addresses {
        if let Some(subscriber) = store.subscriber(address)? {
            return Ok(Some(subscriber));
        }
    }
    Ok(None)
}

/// One more permanent failure; the third makes an active subscriber bounced.
fn bounce(store: &Store, subscriber: &Subscriber) -> Result<(String, bool)> {
    let count = store.count_bounce(&subscriber.email, BOUNCE_LIMIT)?;
    let now_bounced = subscriber.status == Status::Active && count >= BOUNCE_LIMIT;
    let action = if now_bounced {
        format!("bounce {count} of {BOUNCE_LIMIT}: marked bounced")
    } else {
        format!(
            "bounce {count} of {BOUNCE_LIMIT} counted (status {})",
            subscriber.status.as_str()
        )
    };
    Ok((action, true))
}

/// Unsubscribes an active or pending subscriber for `reason`; anyone else is left as
/// they are.
fn leave(store: &Store, subscriber: &Subscriber, reason: Reason) -> Result<(String, bool)> {
    if !matches!(subscriber.status, Status::Active | Status::Pending) {
        return Ok((
            format!("already {}: nothing changed", subscriber.status.as_str()),
            false,
        ));
    }
    store.unsubscribe(&subscriber.email, reason)?;
    Ok((format!("unsubscribed ({})", reason.as_str()), true))
}
