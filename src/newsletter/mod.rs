//! The newsletter as a whole: choosing or resuming the next issue, sending it to every
//! active subscriber with a ledger in the store, previews, and subscriber imports.
//!
//! This is the layer the `herald digest`, `herald send` and `herald subscribers`
//! commands call; it joins `crate::digest`, [`crate::mail`] and [`crate::store`] and
//! holds the rules between them (when an issue completes, and, in `lifecycle`, what a
//! subscriber becomes after anything that happens to them). It reads no clock and no environment: `now` and [`crate::config::Secrets`]
//! are passed in. Every issue sent is also published as a web page (`archive`).

pub(crate) mod archive;
mod editions;
pub(crate) mod import;
mod issues;
pub(crate) mod lifecycle;
mod plan;
mod run;
mod settings;

pub use import::{CsvRow, ImportError, ImportReport, parse_csv};
pub use lifecycle::add_subscriber;
pub use plan::{IssuePlan, Next, plan_next};
pub use run::{Outcome, SendProgress, SendRequest, Summary, preview_parts, send};
pub use settings::outbox_dir;

pub(crate) use issues::issues;
pub(crate) use run::{preview_message, preview_recipient};
pub(crate) use settings::{letterhead, transport_for};
