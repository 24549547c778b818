//! The ways one attempt can fail: three from the server (4xx, 5xx, no reply), which call
//! for three different reactions, and a fourth that is ours alone (a local failure).

use crate::error::Error;
pub(crate) use crate::error::SmtpFailure;

/// Why one attempt to hand over a message did not end in its acceptance.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum AttemptError {
    /// What the server said, or that it could not be reached.
    #[error(transparent)]
    Smtp(#[from] SmtpFailure),
    /// A local failure: the message could not be built, or the outbox could not be
    /// written. No subscriber is at fault; the run stops and changes nobody.
    #[error(transparent)]
    Local(#[from] Error),
}

impl SmtpFailure {
    /// Sorts a lettre error into one of the three cases.
    pub(crate) fn from_lettre(error: &lettre::transport::smtp::Error) -> SmtpFailure {
        let message = full_message(error);
        let code = error.status().map(u16::from);
        if error.is_permanent() {
            SmtpFailure::Permanent { code, message }
        } else if error.is_transient() {
            SmtpFailure::Transient {
                code: code.unwrap_or(400),
                message,
            }
        } else if error.is_client() {
            // lettre refused before talking (e.g. a non-ASCII address the server
            // cannot take): retrying cannot help.
            SmtpFailure::Permanent {
                code: None,
                message,
            }
        } else {
            SmtpFailure::Connection { message }
        }
    }
}

/// The error and its causes on one line.
fn full_message(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}
