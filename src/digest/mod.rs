//! The next issue of the email digest: which articles it holds, and rendering it.
//!
//! No sockets and no database here: [`select::next_issue`] takes the articles and what
//! earlier issues held, [`render::render`] turns an issue into HTML and text once, and
//! [`render::Rendered::personalise`] fills in each recipient's unsubscribe link.

pub(crate) mod render;
mod select;
pub(crate) mod theme;

pub(crate) use render::{RenderOptions, Rendered, render};
pub(crate) use select::{History, Issue, next_issue, resume_issue};
