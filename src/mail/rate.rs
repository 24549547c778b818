//! A rate limit shared by every connection: at most N messages per second.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Spaces message starts `1/N` seconds apart across threads; N = 0 means no limit.
#[derive(Debug)]
pub(super) struct RateLimiter {
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter for `per_second` messages per second (0: unlimited).
    pub(super) fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            interval: (per_second > 0).then(|| Duration::from_secs(1) / per_second),
            next: Mutex::new(None),
        }
    }

    /// Blocks until the caller may start one more message.
    pub(super) fn wait(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            slot
        };
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_starts_across_threads() {
        let limiter = RateLimiter::new(50);
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..5 {
                        limiter.wait();
                    }
                });
            }
        });
        // 10 starts at 50/s: the last one no earlier than 9 × 20 ms.
        assert!(
            start.elapsed() >= Duration::from_millis(180),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RateLimiter::new(0);
        let start = Instant::now();
        for _ in 0..1000 {
            limiter.wait();
        }
        assert!(start.elapsed() < Duration::from_millis(100));
    }
}
