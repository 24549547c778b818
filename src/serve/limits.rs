//! Fixed-window rate limits kept in memory (per client IP, per address).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries kept before expired windows are swept, so the map cannot grow without bound
/// under a flood of distinct keys.
const SWEEP_AT: usize = 10_000;

/// At most `limit` hits per key in each `window`; a `limit` of 0 means no limit.
pub(crate) struct Limiter<K> {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        Limiter {
            limit,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one hit for `key`; over the limit, `Err` with the time until `key`'s
    /// window ends (what `Retry-After` says).
    pub(crate) fn allow(&self, key: &K) -> Result<(), Duration> {
        self.allow_at(key, Instant::now())
    }

    /// Takes back one hit counted for `key` (a request that failed on the server's side
    /// must not spend the client's quota).
    pub(crate) fn refund(&self, key: &K) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = windows.get_mut(key) {
            entry.1 = entry.1.saturating_sub(1);
        }
    }

    fn allow_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= SWEEP_AT {
            let window = self.window;
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = windows.entry(key.clone()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return Err(self.window - now.duration_since(entry.0));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// `wait` as the whole seconds of a `Retry-After` header, rounded up (and at least 1,
/// since `0` would invite an immediate retry that is still refused).
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_resets_after_the_window() {
        let limiter = Limiter::new(2, Duration::from_secs(60));
        let start = Instant::now();
        let at = |seconds| start + Duration::from_secs(seconds);
        assert_eq!(limiter.allow_at(&"a", start), Ok(()));
        assert_eq!(limiter.allow_at(&"a", start), Ok(()));
        assert_eq!(
            limiter.allow_at(&"a", at(1)),
            Err(Duration::from_secs(59)),
            "refused until the window started at 0 ends"
        );
        assert_eq!(limiter.allow_at(&"a", at(59)), Err(Duration::from_secs(1)));
        assert_eq!(limiter.allow_at(&"b", start), Ok(()));
        assert_eq!(limiter.allow_at(&"a", at(61)), Ok(()));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let cases = [
            (Duration::ZERO, 1),
            (Duration::from_millis(1), 1),
            (Duration::from_secs(1), 1),
            (Duration::from_millis(1001), 2),
            (Duration::from_secs(600), 600),
        ];
        for (wait, seconds) in cases {
            assert_eq!(retry_after_seconds(wait), seconds, "{wait:?}");
        }
    }

    #[test]
    fn a_refunded_hit_is_not_counted() {
        let limiter = Limiter::new(1, Duration::from_secs(60));
        let start = Instant::now();
        assert!(limiter.allow_at(&"a", start).is_ok());
        limiter.refund(&"a");
        assert!(limiter.allow_at(&"a", start).is_ok());
        assert!(limiter.allow_at(&"a", start).is_err());
        limiter.refund(&"unknown");
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = Limiter::new(0, Duration::from_secs(60));
        assert!((0..100).all(|_| limiter.allow(&1).is_ok()));
    }

    #[test]
    fn expired_windows_are_swept() {
        let limiter = Limiter::new(1, Duration::from_secs(1));
        let start = Instant::now();
        for key in 0..SWEEP_AT {
            let _ = limiter.allow_at(&key, start);
        }
        let _ = limiter.allow_at(&usize::MAX, start + Duration::from_secs(2));
        assert_eq!(limiter.windows.lock().unwrap().len(), 1);
    }
}
