//! Exit codes: 0 ok, 1 content or runtime error, 2 usage or config error, 75 a
//! temporary failure the caller should retry (`herald inbound`, for the MTA).

use std::process::ExitCode;

/// A command's failure: what to print and which exit code to return.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    /// A content or runtime problem: exit 1.
    pub(crate) fn runtime(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 1,
            error: error.into(),
        }
    }

    /// A usage or configuration problem: exit 2.
    pub(crate) fn config(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 2,
            error: error.into(),
        }
    }

    /// A temporary failure (EX_TEMPFAIL, 75): a mail server piping a message to
    /// `herald inbound` keeps it and tries again later.
    pub(crate) fn temporary(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 75,
            error: error.into(),
        }
    }

    /// The same failure with another exit code.
    pub(crate) fn with_code(self, code: u8) -> Self {
        Failure { code, ..self }
    }

    /// A failure whose message was already printed.
    pub(crate) fn silent(code: u8) -> Self {
        Failure {
            code,
            error: anyhow::Error::msg(""),
        }
    }

    /// Prints the error (with its causes) to stderr and returns the exit code.
    pub(crate) fn report(self) -> ExitCode {
        let message = describe(&self.error);
        if !message.is_empty() {
            super::paint::error(&message);
        }
        ExitCode::from(self.code)
    }
}

/// The error and its causes, `: `-separated, leaving out a cause that only repeats what
/// the message already says (library errors often show their source themselves).
fn describe(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        // "Error code 5: database is locked" adds nothing to "database is locked".
        let last_clause = text.rsplit(": ").next().unwrap_or(&text);
        if !message.contains(last_clause) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
    }
    message
}

impl From<crate::Error> for Failure {
    fn from(error: crate::Error) -> Self {
        match error {
            crate::Error::Config { .. }
            | crate::Error::Newsletter { .. }
            | crate::Error::Secret(_) => Failure::config(error),
            _ => Failure::runtime(error),
        }
    }
}
