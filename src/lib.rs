//! herald publishes a folder of Markdown articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1
//! files, and as an email digest sent over SMTP.

pub mod config;
pub mod content;
pub mod error;

pub use config::Config;
pub use content::Article;
pub use error::{Diagnostic, Error, Result, Severity};
pub mod build;
pub mod digest;
pub mod feed;
pub mod mail;
pub mod newsletter;
pub mod output;
pub mod store;
