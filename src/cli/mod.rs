//! Argument parsing, reading the clock and environment once, printing, exit codes.

mod browser;
mod build;
mod check;
mod completions;
mod doctor;
mod exit;
mod inbound;
mod init;
mod log;
mod man;
mod new;
mod newsletter;
mod paint;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

pub(crate) use exit::Failure;

/// Publish Markdown articles as RSS, Atom and JSON feeds, and as an email digest.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about, propagate_version = true)]
pub(crate) struct Cli {
    /// The configuration file; relative paths inside it are relative to it.
    #[arg(long, global = true, value_name = "PATH", default_value = crate::config::DEFAULT_FILE)]
    pub config: PathBuf,
    /// Pretend the time is this RFC 3339 instant (for tests and previews).
    #[arg(long, global = true, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more: each file written, timings, debug logs of `serve`.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Set up a new site: a commented herald.yaml, an example article and a .gitignore.
    Init(init::Args),
    /// Write a new draft article, content/<slug>.md, with every front-matter field.
    New(new::Args),
    /// Write rss.xml, atom.xml and feed.json to the output folder.
    Build(build::Args),
    /// Read every article and report every problem; write nothing.
    Check(check::Args),
    /// Manage the newsletter's subscribers.
    Subscribers(newsletter::SubscribersArgs),
    /// Render the next newsletter issue for preview; send nothing, change nothing.
    Digest(newsletter::DigestArgs),
    /// Send the next newsletter issue to every active subscriber (resumes an
    /// interrupted one).
    Send(newsletter::SendArgs),
    /// List every newsletter issue with its numbers over every run: sent, failed,
    /// pending, and whether it is complete.
    Issues(newsletter::IssuesArgs),
    /// Serve the feeds, unsubscribe and sign-up pages over HTTP.
    Serve(serve::Args),
    /// Check SPF, DKIM and DMARC for the From: domain and the SMTP relay; say what to fix.
    Doctor(doctor::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::Args),
    /// Print the manual page (roff), or write one page per command with --out DIR.
    Man(man::Args),
    /// Read bounces, spam complaints and mailed unsubscribe requests (one message on
    /// standard input, a Maildir or an mbox) and update the subscribers.
    Inbound(inbound::Args),
}

/// Everything a command needs from the outside world, read once.
pub(crate) struct Context {
    /// The configuration file given (or the default).
    pub config_path: PathBuf,
    /// The current time, or `--now`.
    pub now: DateTime<Utc>,
    /// `--now`, when given: a long-running command (`serve`) keeps the clock pinned.
    pub pinned_now: Option<DateTime<Utc>>,
    /// `--quiet`.
    pub quiet: bool,
    /// `--verbose`.
    pub verbose: bool,
    /// `HERALD_SMTP_URL`, `HERALD_SMTP_PASSWORD`, `HERALD_SECRET`.
    pub secrets: crate::config::Secrets,
}

impl Context {
    /// Loads the configuration, mapping its errors to the usage exit code.
    pub(crate) fn config(&self) -> Result<crate::Config, Failure> {
        if !self.config_path.exists() {
            return Err(Failure::config(anyhow::anyhow!(
                "{}: no such file; run `herald init` to create a site here (or pass --config PATH)",
                self.config_path.display()
            )));
        }
        crate::Config::load(&self.config_path).map_err(Failure::config)
    }
}

fn parse_now(raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}; use e.g. 2024-03-15T09:30:00Z"))
}

/// Parses the arguments, runs the command, prints its error and picks the exit code.
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    let context = Context {
        config_path: cli.config,
        now: cli.now.unwrap_or_else(Utc::now),
        pinned_now: cli.now,
        quiet: cli.quiet,
        verbose: cli.verbose,
        secrets: crate::config::Secrets::from_env(),
    };
    let result = match cli.command {
        Command::Init(args) => init::run(&context, args),
        Command::New(args) => new::run(&context, args),
        Command::Build(args) => build::run(&context, args),
        Command::Check(args) => check::run(&context, args),
        Command::Subscribers(args) => newsletter::run_subscribers(&context, args),
        Command::Digest(args) => newsletter::run_digest(&context, args),
        Command::Send(args) => newsletter::run_send(&context, args),
        Command::Issues(args) => newsletter::run_issues(&context, args),
        Command::Serve(args) => serve::run(&context, args),
        Command::Doctor(args) => doctor::run(&context, args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(&context, args),
        Command::Inbound(args) => inbound::run(&context, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
