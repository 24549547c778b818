//! Articles: reading `*.md` files, typing their front matter, dates and time zones,
//! slugs (of articles and of tags), Markdown to HTML with absolute links, and the
//! text helpers every output shares.
//!
//! Front matter is parsed for every file (it is needed to sort), but only a compact
//! [`ArticleMeta`] of each article is kept; the few articles shown are read again whole
//! (`ArticleMeta::load_full`), and their Markdown is rendered only when a later stage asks
//! for [`Article::render_html`].

mod anchors;
mod article;
mod dates;
pub(crate) mod front_matter;
mod limits;
mod links;
mod load;
pub(crate) mod markdown;
mod parse;
mod plain_join;
mod record;
mod simple_yaml;
mod slug;
pub(crate) mod split;
pub(crate) mod tag_slug;
pub(crate) mod text;

pub use article::Article;
pub use load::{Loaded, load};
pub use record::{ArticleMeta, load_full};
pub(crate) use record::{Keep, load_keeping};

#[cfg(test)]
pub(crate) use article::{Body, Fingerprint};
pub(crate) use dates::{DateFormat, parse as parse_date};
pub(crate) use load::newest_first;
pub(crate) use parse::parse;
pub(crate) use slug::slugify;
