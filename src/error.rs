//! The library's error type and the per-file diagnostics that `check` prints.

use std::fmt;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in herald, each variant carrying where it happened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation on `path` failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Another herald run held the lock at `path` for longer than this run would wait.
    #[error("{}: held by {holder}; gave up after waiting {} s (wait longer with --wait SECONDS, or stop that run)", path.display(), waited.as_secs())]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// Who holds it, as written in the lock file (command, pid, since when).
        holder: String,
        /// How long this run waited.
        waited: std::time::Duration,
    },
    /// The configuration file is invalid.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// The 1-based line of the problem, when known.
        line: Option<usize>,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The ids file (`ids_file`, `herald-ids.yaml`) cannot be read as YAML: a content
    /// error (exit 1), not a configuration one.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    IdsFile {
        /// The ids file.
        path: PathBuf,
        /// The 1-based line of the problem, when known.
        line: Option<usize>,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// One or more articles are invalid; each diagnostic names its file and line.
    #[error("{} invalid article(s):\n{}", .0.iter().filter(|d| d.is_error()).count(), render_list(.0))]
    Content(Vec<Diagnostic>),
    /// Writing the feed `file` failed.
    #[error("{file}: {source}")]
    Feed {
        /// The feed file, e.g. `rss.xml`.
        file: &'static str,
        /// The underlying serializer or URL error, or a crate's output no longer laid
        /// out as the streaming writer expects.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Rendering an output failed.
    #[error("rendering {what}: {source}")]
    Render {
        /// Which output.
        what: &'static str,
        /// The template engine's or the CSS inliner's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The state database at `path` could not be opened, read or written.
    #[error("{}: state database: {source}{}", path.display(), store_hint(source))]
    Store {
        /// The SQLite file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// The state database was written by a newer herald.
    #[error("{}: schema version {found} is newer than this herald understands ({supported}); upgrade herald", path.display())]
    StoreVersion {
        /// The SQLite file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this build reads.
        supported: i64,
    },
    /// Talking to the SMTP server failed; `server` never carries credentials.
    #[error("SMTP server {server}: {failure}")]
    Smtp {
        /// The server, as `host:port`, without user or password.
        server: String,
        /// What went wrong: a 4xx reply, a 5xx reply, or no reply at all.
        failure: SmtpFailure,
    },
    /// The newsletter cannot be sent as configured; the message says what to set.
    #[error("{}: {message}", path.display())]
    Newsletter {
        /// The configuration file (or the file) concerned.
        path: PathBuf,
        /// What is missing or wrong, and how to fix it.
        message: String,
    },
    /// `herald serve` could not listen on (or keep serving) `address`.
    #[error("listening on {address}: {source}")]
    Listen {
        /// The address asked for, e.g. `127.0.0.1:8080`.
        address: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `HERALD_SECRET` is missing where it is needed, or too short.
    #[error(transparent)]
    Secret(#[from] SecretProblem),
    /// The page in the archive (`newsletter.archive`) could not be written; the
    /// run stopped before sending anything.
    #[error(
        "{0}\nthe issue's web page could not be written, so this run sent no message: fix the cause and run `herald send` again (it resumes the issue), or set `newsletter.archive: false`"
    )]
    Archive(#[source] Box<Error>),
    /// Building an email message failed.
    #[error("building the message for {recipient}: {message}")]
    Message {
        /// The recipient the message was for.
        recipient: String,
        /// What is wrong, with the underlying error's text.
        message: String,
        /// The underlying error (lettre's, or the address rule's), when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl Error {
    /// A message for `recipient` that cannot be built: `what` is wrong, because of
    /// `source` (kept as the error's source, and its text shown after `what`).
    pub(crate) fn message(
        recipient: impl Into<String>,
        what: &str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Message {
            recipient: recipient.into(),
            message: format!("{what}: {source}"),
            source: Some(Box::new(source)),
        }
    }

    /// Wraps a SQLite error with the database path.
    pub(crate) fn store(path: impl Into<PathBuf>, source: rusqlite::Error) -> Self {
        Error::Store {
            path: path.into(),
            source,
        }
    }

    /// A newsletter configuration problem concerning `path`.
    pub(crate) fn newsletter(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Newsletter {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Why the SMTP server did not accept a message: the three cases that call for three
/// different reactions (`mail::failure` sorts lettre's errors into them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmtpFailure {
    /// A 4xx reply (greylisting, throttling, mailbox busy): try again later.
    #[error("temporary failure, reply {code}: {message}")]
    Transient {
        /// The reply code, 400–499.
        code: u16,
        /// The server's reply text.
        message: String,
    },
    /// A 5xx reply, or a message the server can never take: do not try again.
    #[error("permanent failure{}: {message}", code.map(|c| format!(", reply {c}")).unwrap_or_default())]
    Permanent {
        /// The reply code, 500–599; `None` when refused before any reply (e.g. an
        /// address the server cannot take).
        code: Option<u16>,
        /// The server's reply text or the reason.
        message: String,
    },
    /// No usable reply: connection refused or dropped, TLS failure, timeout.
    #[error("no reply (connection, TLS or timeout): {message}")]
    Connection {
        /// What went wrong.
        message: String,
    },
}

impl SmtpFailure {
    /// Whether trying again may succeed.
    pub(crate) fn is_retryable(&self) -> bool {
        !matches!(self, SmtpFailure::Permanent { .. })
    }
}

/// What is wrong with `HERALD_SECRET`, the key of the unsubscribe and confirmation
/// links (see `Secrets::secret_key`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretProblem {
    /// It is not set, and `needed_by` needs it.
    #[error(
        "HERALD_SECRET is not set; {needed_by}: set it to a random string of at least 32 bytes, e.g. one made by `openssl rand -hex 32`, and keep it the same from run to run"
    )]
    Missing {
        /// What needs it and for what, e.g. "`herald send` needs it to sign the
        /// unsubscribe links".
        needed_by: &'static str,
    },
    /// It is shorter than 32 bytes.
    #[error(
        "HERALD_SECRET is {bytes} byte{} long; it must be at least 32: make a new one with `openssl rand -hex 32` (the links in messages already sent, keyed by the old one, stop working)",
        if *bytes == 1 { "" } else { "s" }
    )]
    TooShort {
        /// Its length in bytes.
        bytes: usize,
    },
    /// A relay webhook's secret is set but cannot be used; `fix` says why and how.
    #[error("{name} {fix}")]
    Webhook {
        /// The environment variable, e.g. `HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY`.
        name: &'static str,
        /// What is wrong with it and what to do.
        fix: String,
    },
}

/// A `Result` with herald's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing; the article is still used.
    Warning,
    /// The article cannot be used.
    Error,
}

/// One problem found in one file, at a line when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// The file the problem is in.
    pub path: PathBuf,
    /// The 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// Whether the article can still be used.
    pub severity: Severity,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl Diagnostic {
    /// An error at `path` (and `line`, when known).
    pub(crate) fn error(path: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// A warning at `path` (and `line`, when known).
    pub(crate) fn warning(path: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, line, message)
        }
    }

    /// Whether this diagnostic makes its article unusable.
    pub(crate) fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        let kind = match self.severity {
            Severity::Warning => "warning: ",
            Severity::Error => "",
        };
        write!(f, ": {kind}{}", self.message)
    }
}

/// What to do about the state-database failures a user can meet.
fn store_hint(error: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "; another herald (or another program) is using it: run again when it has finished"
        }
        Some(ErrorCode::NotADatabase) => {
            "; it is not a herald state file: restore it from a backup, or move it away to start \
             afresh (subscribers and the delivery ledger live in it)"
        }
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            "; check that the file and its folder exist and are writable by this user"
        }
        _ => "",
    }
}

/// serde_yaml's `message` without the "at line L column C" it ends with: herald prints
/// the line itself, as `path:line:`.
pub(crate) fn strip_location(message: &str) -> &str {
    message
        .find(" at line ")
        .map_or(message, |at| &message[..at])
}

fn render_list(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
