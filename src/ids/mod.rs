//! Stable feed identities: the id each article was first published with, kept after a
//! rename so that feed readers never show a moved article twice.
//!
//! The record is a small YAML file kept beside `herald.yaml` (`herald-ids.yaml` by
//! default) and meant to be committed with the content, like a lock file: feeds are often
//! built on a fresh machine (CI, a container) where herald's state database does not
//! exist, and the ids must travel with the articles.
//!
//! Rules, in order, for each published article:
//! 1. an explicit front-matter `id:` always wins;
//! 2. a file recorded before keeps its recorded id, even when its slug or URL changed;
//! 3. a new file whose recorded twin is gone (same publish date and title) is a move and
//!    inherits the twin's id;
//! 4. anything else is new: its id is its URL, recorded now.
//!
//! An id that already belongs to another recorded file is an error: reusing it would
//! make readers treat a new article as an old one.

mod ledger;
mod reconcile;

pub(crate) use ledger::Ledger;
pub(crate) use reconcile::reconcile;
