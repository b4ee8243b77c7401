//! Per-application rate limiting: a token bucket per application key (or OAuth2 client) that
//! holds one second of requests and refills continuously.

use std::collections::HashMap;
use std::time::Instant;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    /// Takes one request from `key`'s bucket; false when it is empty. `per_sec` 0 = no limit.
    pub fn allow(&mut self, key: &str, per_sec: u32, now: Instant) -> bool {
        if per_sec == 0 {
            return true;
        }
        let capacity = f64::from(per_sec);
        let bucket = self.buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * capacity).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_second_of_burst_then_refill() {
        let mut r = RateLimiter::default();
        let t = Instant::now();
        assert!((0..5).all(|_| r.allow("a", 5, t)));
        assert!(!r.allow("a", 5, t));
        assert!(r.allow("b", 5, t), "buckets are per key");
        assert!(r.allow("a", 5, t + Duration::from_millis(200)));
        assert!(!r.allow("a", 5, t + Duration::from_millis(200)));
        assert!((0..100).all(|_| r.allow("a", 0, t)));
    }
}
