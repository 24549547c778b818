//! Acting on a classified message: finding each subscriber it is about with certainty,
//! turning what it says into a lifecycle [`Event`], once per message. What the event
//! does is the lifecycle's to decide ([`crate::newsletter::lifecycle`]).

use chrono::{DateTime, Utc};

use super::classify::{Class, Classified, Failure, Feedback, Identifiers, Kind};
use crate::error::Result;
use crate::mail::unsubscribe;
use crate::newsletter::lifecycle::{self, Bounce, Event, Policy};
use crate::store::{InboundLog, Reason, Store, Subscriber};

/// What handling one message did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Outcome {
    /// The message's key (`<Message-ID>` or `sha256:…`).
    pub message: String,
    /// The kind of message ([`Kind::name`]).
    pub kind: &'static str,
    /// A detail: the status code of a bounce, the feedback type of a report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The (first) subscriber it is about, when one was identified.
    pub email: Option<String>,
    /// What changed, or why nothing did.
    pub action: String,
    /// Whether a subscriber changed.
    pub changed: bool,
    /// For a bounce: each recipient the report names, with what was done.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<Recipient>,
}

/// One recipient of a bounce report, and what was done about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Recipient {
    /// The address the report names, when it names one.
    pub address: Option<String>,
    /// `hard` or `soft`.
    pub class: Class,
    /// The enhanced status code, when known.
    pub status: Option<String>,
    /// The server's words.
    pub words: Option<String>,
    /// The subscriber it was matched to.
    pub email: Option<String>,
    /// What was done.
    pub action: String,
    /// Whether the subscriber changed.
    pub changed: bool,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        // With several recipients the action names each one.
        if let (Some(email), [] | [_]) = (&self.email, self.recipients.as_slice()) {
            write!(f, " {email}")?;
        }
        write!(f, ": {} [{}]", self.action, self.message)
    }
}

/// Handles `message` against `store`. `secret` (`HERALD_SECRET`) lets tokens name
/// their subscriber; without it only reported addresses do. Errors are the store's
/// only.
pub(crate) fn apply(
    store: &Store,
    secret: Option<&[u8]>,
    message: &Classified,
    now: DateTime<Utc>,
    policy: Policy,
) -> Result<Outcome> {
    let mut outcome = Outcome {
        message: message.key.clone(),
        kind: message.kind.name(),
        detail: None,
        email: None,
        action: String::new(),
        changed: false,
        recipients: Vec::new(),
    };
    let reason = match &message.kind {
        Kind::Bounce { who, failures } => {
            outcome.detail = failures.first().and_then(|f| f.status.clone());
            let targets = targets(store, secret, who, failures)?;
            return bounce(store, message, now, policy, &targets, outcome);
        }
        Kind::Complaint { who, feedback } => {
            let (reason, name) = match feedback {
                Feedback::Abuse => (Reason::Complaint, "abuse"),
                Feedback::OptOut => (Reason::OptOut, "opt-out"),
            };
            outcome.detail = Some(name.into());
            (who, reason)
        }
        Kind::Unsubscribe { who } => (who, Reason::Mailto),
        Kind::OtherFeedback { feedback_type } => {
            outcome.detail = Some(feedback_type.clone());
            outcome.action = "not a complaint or opt-out: left alone".into();
            return Ok(outcome);
        }
        Kind::Notice { status } => {
            outcome.detail = status.clone();
            outcome.action = "a delivery notice, not a failure: left alone".into();
            return Ok(outcome);
        }
        Kind::AutoReply => {
            outcome.action = "an auto-reply: left alone".into();
            return Ok(outcome);
        }
        Kind::Other => {
            outcome.action = "not understood: left alone".into();
            return Ok(outcome);
        }
    };
    let (who, reason) = reason;
    let subscribers = identify(store, secret, who)?;
    if subscribers.is_empty() {
        outcome.action = unknown(who.addresses.first().map(String::as_str));
        return Ok(outcome);
    }
    outcome.email = subscribers.first().map(|s| s.email.clone());
    let event = Event::Unsubscribed(reason);
    let done = store.once(&message.key, now, |store| {
        let mut actions = Vec::new();
        let mut changed = false;
        for subscriber in &subscribers {
            let change = lifecycle::record(store, &subscriber.email, &event, now, policy)?;
            changed |= change.write != crate::store::Write::Nothing;
            actions.push((subscriber.email.as_str(), change.effect.to_string()));
        }
        let action = match actions.as_slice() {
            [(_, one)] => one.clone(),
            many => many
                .iter()
                .map(|(email, action)| format!("{email}: {action}"))
                .collect::<Vec<_>>()
                .join("; "),
        };
        let first = subscribers.first().map(|s| s.email.as_str());
        Ok((record(message, first, &action), (action, changed)))
    })?;
    match done {
        Ok((action, changed)) => {
            outcome.changed = changed;
            outcome.action = action;
        }
        Err(earlier) => outcome.action = already(&earlier),
    }
    Ok(outcome)
}

/// Each failure's subscriber (`targets`, from [`targets`]) gets a hard or soft bounce,
/// in one transaction with the record of the message.
fn bounce(
    store: &Store,
    message: &Classified,
    now: DateTime<Utc>,
    policy: Policy,
    targets: &[(&Failure, Option<Subscriber>)],
    mut outcome: Outcome,
) -> Result<Outcome> {
    let done = store.once(&message.key, now, |store| {
        let mut recipients = Vec::new();
        for (failure, subscriber) in targets {
            recipients.push(bounce_one(
                store,
                failure,
                subscriber.as_ref(),
                now,
                policy,
            )?);
        }
        let first = recipients.iter().find_map(|r| r.email.clone());
        let action = summary(&recipients);
        Ok((record(message, first.as_deref(), &action), recipients))
    })?;
    match done {
        Ok(recipients) => {
            outcome.email = recipients.iter().find_map(|r| r.email.clone());
            outcome.changed = recipients.iter().any(|r| r.changed);
            outcome.action = summary(&recipients);
            outcome.recipients = recipients;
        }
        Err(earlier) => outcome.action = already(&earlier),
    }
    Ok(outcome)
}

/// The subscriber each failure is about: a verified token names the one recipient of
/// a VERP message (matched to the failure with its address, else to the first); other
/// failures are matched by their address.
fn targets<'f>(
    store: &Store,
    secret: Option<&[u8]>,
    who: &Identifiers,
    failures: &'f [Failure],
) -> Result<Vec<(&'f Failure, Option<Subscriber>)>> {
    let by_token = match secret {
        Some(secret) => token_subscriber(store, secret, who)?,
        None => None,
    };
    let mut targets = Vec::with_capacity(failures.len());
    for failure in failures {
        let found = match &failure.address {
            Some(address) => store.subscriber(address)?,
            None => None,
        };
        targets.push(found);
    }
    // A report about one recipient may name it twice: as delivered to (a forward's
    // `Final-Recipient`) and as sent to (`Original-Recipient`): the subscriber is the
    // one that is on the list.
    if let [None] = targets.as_slice() {
        for address in &who.addresses {
            if let Some(subscriber) = store.subscriber(address)? {
                targets[0] = Some(subscriber);
                break;
            }
        }
    }
    if let Some(named) = by_token {
        let same = |s: &Option<Subscriber>| {
            s.as_ref()
                .is_some_and(|s| s.email.eq_ignore_ascii_case(&named.email))
        };
        if !targets.iter().any(same) {
            // The report's address (if any) was rewritten on the way; the token is sure.
            if let Some(first) = targets.first_mut() {
                *first = Some(named);
            }
        }
    }
    Ok(failures.iter().zip(targets).collect())
}

fn bounce_one(
    store: &Store,
    failure: &Failure,
    subscriber: Option<&Subscriber>,
    now: DateTime<Utc>,
    policy: Policy,
) -> Result<Recipient> {
    let mut recipient = Recipient {
        address: failure.address.clone(),
        class: failure.class,
        status: failure.status.clone(),
        words: failure.words.clone(),
        email: None,
        action: String::new(),
        changed: false,
    };
    let Some(subscriber) = subscriber else {
        recipient.action = unknown(failure.address.as_deref());
        return Ok(recipient);
    };
    let bounce = Bounce {
        status: failure.status.clone(),
        words: failure.words.clone(),
        issue: store.last_issue_to(&subscriber.email)?,
    };
    let event = match failure.class {
        Class::Hard => Event::HardBounce(bounce),
        Class::Soft => Event::SoftBounce(bounce),
    };
    let change = lifecycle::record(store, &subscriber.email, &event, now, policy)?;
    recipient.email = Some(subscriber.email.clone());
    recipient.changed = change.write != crate::store::Write::Nothing;
    recipient.action = match change.after() {
        Some(after) => format!(
            "{} (status {}, hard {}, soft {})",
            change.effect,
            after.status.as_str(),
            after.hard_bounces,
            after.soft_bounces
        ),
        None => change.effect.to_string(),
    };
    Ok(recipient)
}

/// One line for several recipients.
fn summary(recipients: &[Recipient]) -> String {
    match recipients {
        [one] => one.action.clone(),
        many => many
            .iter()
            .map(|r| {
                let who = r.email.as_deref().or(r.address.as_deref()).unwrap_or("?");
                format!("{who}: {}", r.action)
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn record(message: &Classified, email: Option<&str>, action: &str) -> InboundLog {
    InboundLog {
        kind: message.kind.name().to_string(),
        email: email.map(str::to_string),
        action: action.to_string(),
    }
}

fn already(earlier: &crate::store::Handled) -> String {
    format!(
        "already handled at {} ({}): nothing changed",
        earlier.received_at, earlier.action
    )
}

fn unknown(address: Option<&str>) -> String {
    match address {
        Some(address) => format!("{address} is not a subscriber: nothing changed"),
        None => "no subscriber identified: nothing changed".into(),
    }
}

/// The subscriber a verified token names.
fn token_subscriber(store: &Store, secret: &[u8], who: &Identifiers) -> Result<Option<Subscriber>> {
    for token in &who.tokens {
        if let Some(subscriber) = store.subscriber_by_token(token)?
            && unsubscribe::verify(secret, &subscriber.email, token)
        {
            return Ok(Some(subscriber));
        }
    }
    Ok(None)
}

/// The subscriber a verified token names; without one, every reported address that is
/// a subscriber (a report may name several).
fn identify(store: &Store, secret: Option<&[u8]>, who: &Identifiers) -> Result<Vec<Subscriber>> {
    if let Some(secret) = secret
        && let Some(subscriber) = token_subscriber(store, secret, who)?
    {
        return Ok(vec![subscriber]);
    }
    let mut found: Vec<Subscriber> = Vec::new();
    for address in &who.addresses {
        if let Some(subscriber) = store.subscriber(address)?
            && !found
                .iter()
                .any(|f| f.email.eq_ignore_ascii_case(&subscriber.email))
        {
            found.push(subscriber);
        }
    }
    Ok(found)
}
