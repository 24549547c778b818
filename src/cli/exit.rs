//! Exit codes: 0 ok, 1 content or runtime error, 2 usage or config error.

use std::process::ExitCode;

/// A command's failure: what to print and which exit code to return.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    /// A content or runtime problem: exit 1.
    pub fn runtime(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 1,
            error: error.into(),
        }
    }

    /// A usage or configuration problem: exit 2.
    pub fn config(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 2,
            error: error.into(),
        }
    }

    /// A failure whose message was already printed.
    pub fn silent(code: u8) -> Self {
        Failure {
            code,
            error: anyhow::Error::msg(""),
        }
    }

    /// Prints the error (with its causes) to stderr and returns the exit code.
    pub fn report(self) -> ExitCode {
        let message = format!("{:#}", self.error);
        if !message.is_empty() {
            eprintln!("error: {message}");
        }
        ExitCode::from(self.code)
    }
}

impl From<herald::Error> for Failure {
    fn from(error: herald::Error) -> Self {
        match error {
            herald::Error::Config { .. } | herald::Error::Newsletter { .. } => {
                Failure::config(error)
            }
            _ => Failure::runtime(error),
        }
    }
}
