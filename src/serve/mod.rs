//! `herald serve`: HTTP for what needs an answer from the web.
//!
//! Placeholder until the `serve` branch's skeleton is merged: only the static files part.

#[allow(dead_code)] // until `herald serve` mounts it
pub(crate) mod files;
