//! herald publishes a folder of Markdown articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1
//! files, and as an email digest sent over SMTP.
//!
//! It is a library first: the `herald` binary only parses arguments, reads the clock and
//! the environment once, and calls the functions below. Every stage takes plain values
//! and returns plain values. The pipeline inside [`build::build`] and
//! [`newsletter::send`] (most of these stages are private; the public ones are listed
//! under Modules):
//!
//! ```text
//! content/*.md ─▶ content::load ─▶ feed::select ─▶ content::load_full ─▶ feed::stage (streamed) ─▶ output::commit
//!  (a compact record       └──────▶ digest::next_issue ─▶ content::load_full ─▶ digest::render ─▶ mail::send_all ─▶ SMTP
//!   per article)
//! ```
//!
//! # Example: feeds without the command line
//!
//! ```
//! use std::path::Path;
//! use chrono::{TimeZone, Utc};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir(dir.path().join("content"))?;
//! std::fs::write(
//!     dir.path().join("content/hello.md"),
//!     "---\ntitle: Hello\npublish_date: 2024-03-15\nheroImage: images/hello.jpg\n---\n\nFirst post, see [the about page](../about/).\n",
//! )?;
//! let yaml = "site:\n  title: My Blog\n  url: https://example.com/\n  description: Notes\n";
//! let config = herald::Config::from_yaml(yaml.as_bytes(), &dir.path().join("herald.yaml"))?;
//!
//! // Read and type every article; problems come back as `path:line: message` diagnostics.
//! let loaded = herald::content::load(&config)?;
//! assert!(!loaded.has_errors());
//!
//! // The newest 20 articles published by `now`, read whole (the loader keeps only a
//! // compact record of each), rendered in the three formats.
//! let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
//! let items = herald::feed::select(&loaded.articles, now, 20);
//! let items = herald::content::load_full(&config, &items)?;
//! let feeds = herald::feed::render_all(&config, &items.iter().collect::<Vec<_>>())?;
//! assert!(feeds.rss.contains("https://example.com/articles/hello/images/hello.jpg"));
//! assert!(feeds.atom.contains("https://example.com/articles/about/"));
//!
//! // Or all of it at once, writing only files whose bytes changed: the three feeds, the
//! // HTML page of each (rss.html …, what a browser shows), feed.xsl, the stylesheet
//! // for browsers that still apply XSLT, and (on a first build) herald-ids.yaml, the
//! // id each article was first published with.
//! let report = herald::build::build(&config, now, Default::default())?;
//! assert_eq!(report.written.len(), 8);
//! assert!(report.written[0].ends_with("herald-ids.yaml"));
//! # Ok(())
//! # }
//! ```
//!
//! # Example: preview and send an issue
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use herald::newsletter::{self, Next, Outcome, SendRequest};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir(dir.path().join("content"))?;
//! std::fs::write(
//!     dir.path().join("content/hello.md"),
//!     "---\ntitle: Hello\npublish_date: 2024-03-15\ncta: Read on\n---\n\nBody.\n",
//! )?;
//! let yaml = "site:\n  title: My Blog\n  url: https://example.com/\n  description: Notes\n\
//!             newsletter:\n  from: \"My Blog <news@example.com>\"\n  \
//!             unsubscribe_url: \"https://example.com/unsubscribe/{token}\"\n";
//! let config = herald::Config::from_yaml(yaml.as_bytes(), &dir.path().join("herald.yaml"))?;
//! // The CLI reads these from HERALD_SECRET, HERALD_SMTP_URL and HERALD_SMTP_PASSWORD.
//! let mut secrets = herald::config::Secrets::default();
//! secrets.secret = Some("a long random string, kept stable".into());
//! let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
//!
//! // Subscribers live in the state database (`state_file`, `.herald/herald.db`).
//! let store = herald::store::Store::open(config.state_file())?;
//! newsletter::add_subscriber(&store, "ann@example.org", Some("Ann"), now)?;
//!
//! // A preview of the next issue as Ann would get it: nothing is sent or recorded.
//! let loaded = herald::content::load(&config)?;
//! let Next::Issue(plan) = newsletter::plan_next(&config, Some(&store), &loaded.articles, now)?
//! else {
//!     panic!("one article is new")
//! };
//! let (html, text) = newsletter::preview_parts(&config, &secrets, &plan, now, "ann@example.org")?;
//! assert!(html.contains("Hello") && text.contains("Read on"));
//! drop(store);
//!
//! // The real thing: without an `smtp:` section each message is written to
//! // `.herald/outbox/<issue>/`; with one, it goes over SMTP. A rerun resumes, never resends.
//! let outcome = newsletter::send(&config, &secrets, now, &SendRequest::default(), &mut ())?;
//! let Outcome::Sent { summary, .. } = outcome else {
//!     panic!("{outcome:?}")
//! };
//! assert_eq!((summary.sent, summary.complete), (1, true));
//! # Ok(())
//! # }
//! ```
//!
//! # Modules
//!
//! Only what a library user calls is public; `docs/library.md` lists every public item.
//!
//! - [`config`]: `herald.yaml` ([`Config::load`], [`Config::from_yaml`]) and the
//!   [`Secrets`](config::Secrets) the caller passes in.
//! - [`content`]: reading the articles ([`content::load`]), and reading the shown ones
//!   whole ([`content::load_full`]).
//! - [`feed`]: choosing the items ([`feed::select`]) and rendering RSS, Atom and JSON
//!   Feed ([`feed::render_all`]).
//! - [`build`]: the whole `herald build` as one call.
//! - [`newsletter`]: `herald send` as one call, its preview, subscriber imports.
//! - [`mail`]: unsubscribe tokens, to check one in your own endpoint.
//! - [`store`]: the SQLite state (subscribers, issues, the delivery ledger), opened
//!   for the calls above.
//! - [`serve`]: `herald serve`, the HTTP side: feeds, unsubscribe, sign-up, preview.
//! - [`inbound`]: classifying a received bounce, complaint or unsubscribe request.
//! - [`doctor`]: `herald doctor`, SPF, DKIM, DMARC and the SMTP relay checked, with fixes.
//! - [`websub`]: the WebSub publish ping sent after a build changed a feed.
//!
//! # Cargo features
//!
//! None yet: everything is built in.

#![deny(unreachable_pub)]
#![deny(missing_docs)]

mod address;
pub mod build;
mod cli;
pub mod config;
pub mod content;
mod controls;
mod digest;
pub mod doctor;
mod error;
pub mod feed;
#[doc(hidden)]
pub mod fuzz;
pub(crate) mod hex;
mod ids;
pub mod inbound;
mod lock;
pub mod mail;
mod name;
pub mod newsletter;
mod output;
pub mod serve;
pub mod store;
pub mod websub;

pub use config::Config;
pub use error::{Diagnostic, Error, Result, SecretProblem, Severity, SmtpFailure};

/// The `herald` command line: parses the arguments, runs the command, prints its error
/// and returns the exit code. This is what `src/main.rs` calls; it is not part of the
/// library's API (a library user calls the modules above).
#[doc(hidden)]
pub fn run_cli() -> std::process::ExitCode {
    cli::main()
}
