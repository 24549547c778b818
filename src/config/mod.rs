//! `herald.yaml`: the schema, its defaults, and paths resolved against the file's folder.
//!
//! Every struct denies unknown keys, so a typo is an error with its line and column.
//! Nothing here reads the environment: secrets such as `HERALD_SMTP_URL` are passed in by
//! the caller (see [`Secrets`]).

mod colour;
mod load;
mod schema;
mod theme;

pub use load::Secrets;
pub use schema::Config;

pub(crate) use colour::Colour;
pub(crate) use load::DEFAULT_FILE;
pub(crate) use schema::{
    Bounces, Dkim, FeedContent, FeedSettings, Newsletter, Serve, Site, Stylesheet, Topic,
};
pub(crate) use theme::Theme;
