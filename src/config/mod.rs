//! `herald.yaml`: the schema, its defaults, and paths resolved against the file's folder.
//!
//! Every struct denies unknown keys, so a typo is an error with its line and column.
//! Nothing here reads the environment: secrets such as `HERALD_SMTP_URL` are passed in by
//! the caller (see [`Secrets`]).

mod colour;
mod load;
mod schema;
mod theme;

pub use colour::Colour;
pub use load::{DEFAULT_FILE, MIN_SECRET_BYTES, Secrets};
pub use schema::{
    Bounces, Config, Dkim, FeedContent, Feeds, Newsletter, Serve, Site, Smtp, Stylesheet, Topic,
    Webhooks,
};
pub use theme::{Logo, Theme};
