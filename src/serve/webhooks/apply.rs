//! A relay's event acted on as `herald inbound` acts on a bounce or complaint mail:
//! made into the same [`Classified`] message (a hard or soft bounce, a complaint),
//! its subscriber found by the VERP token in the envelope sender when the relay passes
//! it, else by address, and applied once under the key `relay:event-id`
//! ([`crate::inbound::apply`], [`crate::store::Store::once`]).

use chrono::{DateTime, Utc};

use super::report::{Effect, Report};
use crate::error::Result;
use crate::inbound::{self, Class, Classified, Failure, Identifiers, Kind};
use crate::mail::verp;
use crate::newsletter::lifecycle::Policy;
use crate::store::Store;

/// What acting on events needs besides the store.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    /// `HERALD_SECRET`: verifies a VERP token against its subscriber.
    pub(crate) secret: Option<&'a [u8]>,
    /// `newsletter.bounce_address`: the VERP base.
    pub(crate) bounce_address: Option<&'a str>,
    /// The bounce policy.
    pub(crate) policy: Policy,
}

/// How many events of a callback did what.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Events that changed a subscriber.
    pub(crate) changed: usize,
    /// Events handled before (a retry): nothing done.
    pub(crate) already: usize,
    /// Everything else: deliveries and opens, unknown recipients, no change needed.
    pub(crate) unchanged: usize,
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} changed, {} handled before, {} without change",
            self.changed, self.already, self.unchanged
        )
    }
}

/// Applies each of `reports` of `relay`, each event in its own `BEGIN IMMEDIATE`
/// transaction with its record.
pub(crate) fn apply_all(
    store: &Store,
    context: Context<'_>,
    relay: &str,
    reports: &[Report],
    now: DateTime<Utc>,
) -> Result<Tally> {
    let mut tally = Tally::default();
    for report in reports {
        let Some(message) = classified(relay, report, context.bounce_address) else {
            tally.unchanged += 1;
            continue;
        };
        if store.handled(&message.key)?.is_some() {
            tally.already += 1;
            continue;
        }
        let outcome = inbound::apply(store, context.secret, &message, now, context.policy)?;
        if outcome.changed {
            tally.changed += 1;
        } else {
            tally.unchanged += 1;
        }
    }
    Ok(tally)
}

/// `report` as the message `herald inbound` would have read, keyed `relay:id`; `None`
/// for an event that does nothing.
pub(crate) fn classified(relay: &str, report: &Report, bounce: Option<&str>) -> Option<Classified> {
    let mut who = Identifiers::default();
    if let (Some(sender), Some(base)) = (&report.envelope_sender, bounce)
        && let Some(token) = verp::token_in(sender, base)
    {
        who.tokens.push(token);
    }
    for recipient in &report.recipients {
        let address = recipient.address.trim().to_lowercase();
        if !address.is_empty() && !who.addresses.contains(&address) {
            who.addresses.push(address);
        }
    }
    let class = match report.effect {
        Effect::Hard => Class::Hard,
        Effect::Soft => Class::Soft,
        Effect::Complaint(feedback) => {
            let kind = Kind::Complaint { who, feedback };
            return Some(message(relay, report, kind));
        }
        Effect::Nothing => return None,
    };
    let mut failures: Vec<Failure> = report
        .recipients
        .iter()
        .map(|r| Failure {
            address: Some(r.address.trim().to_lowercase()).filter(|a| !a.is_empty()),
            class,
            status: r.status.clone(),
            words: r.words.clone(),
        })
        .collect();
    if failures.is_empty() {
        // Only the token names the recipient.
        failures.push(Failure {
            address: None,
            class,
            status: None,
            words: None,
        });
    }
    Some(message(relay, report, Kind::Bounce { who, failures }))
}

fn message(relay: &str, report: &Report, kind: Kind) -> Classified {
    Classified {
        key: format!("{relay}:{}", report.id),
        kind,
    }
}
