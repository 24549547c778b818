//! herald publishes a folder of Markdown articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1
//! files, and as an email digest sent over SMTP.
//!
//! It is a library first: the `herald` binary only parses arguments, reads the clock and
//! the environment once, and calls the functions below. Every stage takes plain values
//! and returns plain values, so each can be used (and tested) on its own:
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
//! use herald::newsletter::lifecycle::{self, Event, Policy};
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
//! let secrets = herald::config::Secrets {
//!     secret: Some("a long random string, kept stable".into()),
//!     ..Default::default()
//! };
//! let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
//!
//! // Subscribers live in the state database (`state_file`, `.herald/herald.db`); every
//! // change to one is an event that the lifecycle decides.
//! let store = herald::store::Store::open(&config.state_file)?;
//! let added = Event::Added { name: Some("Ann".into()) };
//! lifecycle::record(&store, "ann@example.org", &added, now, Policy::default())?;
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
//! - [`config`]: `herald.yaml`, its defaults, and paths relative to the file.
//! - [`content`]: articles, front matter, dates, slugs, Markdown with absolute links.
//! - [`feed`]: choosing the items and writing RSS, Atom and JSON Feed.
//! - [`ids`]: stable feed ids that survive renames (`herald-ids.yaml`).
//! - [`output`]: atomic writes that skip unchanged files.
//! - [`lock`]: advisory locks so that two runs never write the same folder at once.
//! - [`build`]: the whole `herald build` as one call.
//! - [`digest`]: which articles go in the next issue, and rendering it (askama).
//! - [`mail`]: building each message, transports (SMTP or `.eml` outbox), the send loop.
//! - [`address`]: the one rule for subscriber addresses, and when two are the same.
//! - [`name`]: which subscriber names are accepted, and cleaning an export's.
//! - [`controls`]: control characters in outside text, escaped for terminals and JSON.
//! - [`store`]: the SQLite state: subscribers, issues, the delivery ledger.
//! - [`newsletter`]: `herald send` as one call, tying digest, mail and store together,
//!   and publishing each issue sent as a web page (the archive of issues).
//! - [`serve`]: `herald serve`, the HTTP side: feeds, unsubscribe, sign-up, preview.
//! - [`doctor`]: `herald doctor`, SPF, DKIM, DMARC and the SMTP relay checked, with fixes.
//! - [`websub`]: the WebSub publish ping sent after a build changed a feed.
//! - [`inbound`]: `herald inbound`: bounces, spam complaints and mailed unsubscribes.
//!
//! # Cargo features
//!
//! None yet: everything is built in.

#![warn(unreachable_pub)]
#![deny(missing_docs)]

pub mod address;
pub mod build;
pub mod config;
pub mod content;
pub mod controls;
pub mod digest;
pub mod doctor;
pub mod error;
pub mod feed;
pub(crate) mod hex;
pub mod ids;
pub mod inbound;
pub mod lock;
pub mod mail;
pub mod name;
pub mod newsletter;
pub mod output;
pub mod serve;
pub mod store;
pub mod websub;

pub use config::Config;
pub use content::Article;
pub use error::{Diagnostic, Error, Result, SecretProblem, Severity};
