//! `herald inbound`: what comes back. A received message is classified ([`classify`]:
//! a delivery status notification, a spam complaint, an unsubscribe request, an
//! auto-reply, a delivery notice, or anything else) and then acted on (`apply`): a
//! hard bounce (the address does not exist) counts towards the three-strike rule, a
//! complaint or an unsubscribe request unsubscribes, anything else changes nothing. Each message acted on is recorded by
//! its Message-ID, so the same message twice changes nothing the second time.
//!
//! Nothing here sends mail, and nothing makes a subscriber active: a subscriber is
//! touched only when a verified token or a reported address names it.
//!
//! ```
//! use herald::inbound::{Addresses, Class, Kind, classify};
//!
//! let dsn = b"From: MAILER-DAEMON@mx.example.net\r\n\
//! To: bounces@example.com\r\n\
//! Message-ID: <dsn-1@mx.example.net>\r\n\
//! Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
//! --b\r\nContent-Type: text/plain\r\n\r\nIt failed.\r\n\
//! --b\r\nContent-Type: message/delivery-status\r\n\r\n\
//! Reporting-MTA: dns; mx.example.net\r\n\r\n\
//! Final-Recipient: rfc822; ann@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\
//! --b--\r\n";
//! let classified = classify(dsn, &Addresses::default(), &[]);
//! assert_eq!(classified.key, "<dsn-1@mx.example.net>");
//! let Kind::Bounce { who, failures } = classified.kind else { panic!() };
//! assert_eq!(failures[0].class, Class::Hard);
//! assert_eq!(failures[0].status.as_deref(), Some("5.1.1"));
//! assert_eq!(who.addresses, ["ann@example.org"]);
//! ```

mod apply;
mod classify;
mod fields;
pub(crate) mod source;

pub(crate) use apply::{Outcome, apply};
pub use classify::{Addresses, Class, Classified, Failure, Feedback, Identifiers, Kind, classify};
pub(crate) use classify::{feedback, reply_class, status_and_words};
