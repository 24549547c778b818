//! What each request path led to lately, so that a request for a file already seen
//! within [`Limits::revalidate`](super::cache::Limits) goes straight to its cached
//! entry: no path parsing, no `stat`.
//!
//! Past that interval the next request for the path takes the whole way again (parse,
//! `stat`, the page beside a feed, the cache), and what it finds replaces what is
//! remembered here. So a file rebuilt, added or deleted is seen within the interval.
//! The entry is held weakly: one the cache dropped (its memory budget) is not kept
//! alive here, and its path simply takes the whole way. A path is remembered as the
//! request spelled it; past [`MAX_PATHS`] paths (many spellings of many files) the
//! memory is cleared and starts again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use super::cache::CachedFile;

/// At most this many request paths are remembered, per answer kind.
const MAX_PATHS: usize = 4096;

/// Where request paths led, for feeds' pages (`wants_html`) and for everything else.
#[derive(Debug)]
pub(crate) struct Recent {
    revalidate: Duration,
    started: Instant,
    /// Indexed by `wants_html`.
    paths: [RwLock<HashMap<Box<str>, Seen>>; 2],
}

/// One path's entry, and when its file was last checked on disk.
#[derive(Debug)]
struct Seen {
    entry: Weak<CachedFile>,
    /// Milliseconds since [`Recent::started`].
    checked: AtomicU64,
}

impl Recent {
    /// Remembers nothing yet; trusts what it remembers for `revalidate`.
    pub(crate) fn new(revalidate: Duration) -> Recent {
        Recent {
            revalidate,
            started: Instant::now(),
            paths: Default::default(),
        }
    }

    /// The entry `path` led to, when its file was checked on disk within the interval.
    pub(crate) fn get(&self, path: &str, wants_html: bool) -> Option<Arc<CachedFile>> {
        if self.revalidate.is_zero() {
            return None;
        }
        let paths = self.paths[usize::from(wants_html)]
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let seen = paths.get(path)?;
        let age = self
            .now()
            .saturating_sub(seen.checked.load(Ordering::Relaxed));
        if u128::from(age) >= self.revalidate.as_millis() {
            return None;
        }
        seen.entry.upgrade()
    }

    /// `path` led to `entry`, just checked on disk.
    pub(crate) fn remember(&self, path: &str, wants_html: bool, entry: &Arc<CachedFile>) {
        if self.revalidate.is_zero() {
            return;
        }
        let now = self.now();
        let mut paths = self.paths[usize::from(wants_html)]
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(seen) = paths.get_mut(path) {
            seen.entry = Arc::downgrade(entry);
            seen.checked.store(now, Ordering::Relaxed);
            return;
        }
        if paths.len() >= MAX_PATHS {
            paths.clear();
        }
        paths.insert(
            path.into(),
            Seen {
                entry: Arc::downgrade(entry),
                checked: AtomicU64::new(now),
            },
        );
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}
