//! Email: building each message (with VERP envelope senders), the transports (SMTP or an `.eml` outbox), and the
//! send loop with its connection pool, rate limit and retries.
//!
//! Nothing here decides what goes in an issue: the loop is handed a rendered issue,
//! the recipients and a delivery log to record each attempt in.

pub(crate) mod compose;
mod encoded;
pub(crate) mod failure;
mod rate;
pub(crate) mod send;
pub(crate) mod transport;
pub mod unsubscribe;
pub(crate) mod verp;

pub(crate) use failure::SmtpFailure;

pub(crate) use compose::{Composer, Recipient};
pub(crate) use send::{DeliveryLog, Recheck, SendOptions, send_all};
pub(crate) use transport::{Deliver, Outbox, Smtp, SmtpSettings};
