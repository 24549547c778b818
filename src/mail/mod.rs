//! Email: building each message, the transports (SMTP or an `.eml` outbox), and the
//! send loop with its connection pool, rate limit and retries.
//!
//! Nothing here decides what goes in an issue: the loop is handed a rendered issue,
//! the recipients and a [`send::DeliveryLog`] to record each attempt in.

pub mod compose;
pub mod encoded;
pub mod failure;
pub mod rate;
pub mod send;
pub mod transport;
pub mod unsubscribe;

pub use compose::{Composer, Recipient};
pub use failure::{AttemptError, SmtpFailure};
pub use send::{DeliveryLog, Progress, SendOptions, SendReport, Stopped, send_all};
pub use transport::{Deliver, Outbox, Smtp, SmtpSettings};
