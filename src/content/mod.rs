//! Articles: reading `*.md` files, typing their front matter, dates and time zones,
//! slugs (of articles and of tags), Markdown to HTML with absolute links, and the
//! [text helpers](text) every output shares.
//!
//! Front matter is parsed for every file (it is needed to sort), but only a compact
//! [`Record`] of each article is kept; the few articles shown are read again whole
//! ([`Record::load_full`]), and their Markdown is rendered only when a later stage asks
//! for [`Article::render_html`].

mod anchors;
mod article;
mod dates;
pub mod front_matter;
mod limits;
mod links;
mod load;
pub(crate) mod markdown;
mod parse;
mod record;
mod simple_yaml;
mod slug;
pub mod split;
pub(crate) mod tag_slug;
pub mod text;

pub use article::{Article, Body, Fingerprint};
pub use dates::parse as parse_date;
pub(crate) use load::newest_first;
pub use load::{Loaded, assemble, find_markdown, load, load_files, sort_newest_first};
pub use parse::{Parsed, parse, parse_leaving_body};
pub use record::{Record, load_full};
pub use slug::slugify;
pub use text::is_unwanted_char;
