//! One finding: its level, which check it comes from, and what to do.

use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Level {
    /// Set up correctly.
    Ok,
    /// Works, but costs deliverability or will stop working; the message says why.
    Warn,
    /// Mail will be refused, junked, or not sent at all until this is fixed.
    Error,
}

impl Level {
    /// `ok`, `warn` or `error`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Which part of the setup a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// `herald.yaml` itself (`newsletter.from`, unsubscribe settings).
    Config,
    /// The SPF record of the sending domain.
    Spf,
    /// The DKIM key in DNS against `newsletter.dkim`.
    Dkim,
    /// The DMARC policy of the `From:` domain.
    Dmarc,
    /// The SMTP relay.
    Smtp,
}

impl Check {
    /// `config`, `spf`, `dkim`, `dmarc` or `smtp`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Check::Config => "config",
            Check::Spf => "spf",
            Check::Dkim => "dkim",
            Check::Dmarc => "dmarc",
            Check::Smtp => "smtp",
        }
    }
}

/// One line of the doctor's report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// How serious it is.
    pub level: Level,
    /// What it is about.
    pub check: Check,
    /// What was found and, unless it is fine, how to fix it.
    pub message: String,
}

impl fmt::Display for Finding {
    /// `error dkim: no DKIM record at …: publish …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<5} {}: {}",
            self.level.as_str(),
            self.check.as_str(),
            self.message
        )
    }
}

/// Every finding, in the order the checks ran.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Report {
    pub(crate) fn push(&mut self, level: Level, check: Check, message: impl Into<String>) {
        self.findings.push(Finding {
            level,
            check,
            message: message.into(),
        });
    }

    /// How many findings have `level`.
    pub(crate) fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }

    /// Whether anything must be fixed (`herald doctor` then exits 1).
    pub fn has_errors(&self) -> bool {
        self.count(Level::Error) > 0
    }
}
