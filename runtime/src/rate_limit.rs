//! Client-side rate limiting.
//!
//! OVHcloud documents a global limit of 20 requests per second per application; going over it
//! earns HTTP 429. A [`RateLimiter`] keeps a client under a configured rate by making
//! [`RateLimiter::acquire`] wait until the next request may go out. Every clone of a limiter
//! (and so every clone of a client holding one, in any task) draws from the same budget.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// A shared limit on how often requests are sent: a GCRA ("generic cell rate algorithm"),
/// which behaves like a token bucket of `burst` tokens refilled at one token per `interval`.
///
/// Semantics, for a limiter with `interval = 1 s / rate` and `burst`:
///
/// - A fresh limiter, or one idle for at least `burst * interval`, lets `burst` requests go
///   at once; after that, one request per `interval`. Idle time earns back one immediate
///   request per `interval` idle, up to `burst`; idle time beyond that is not saved up.
/// - Over any window of length `T`, at most `burst + T / interval` requests are let
///   through (counting the one at each end). With the default (20/s, burst 1), no window
///   shorter than one second ever holds more than 20 requests.
/// - Each [`acquire`](Self::acquire) reserves the next free slot at once, then sleeps until
///   it: callers are served in the order they called, so none starves however many tasks
///   compete. Dropping an `acquire` future before it finishes does not give its slot back
///   (the limiter errs on the slow side).
///
/// Cloning is cheap (an `Arc`); clones share the budget.
///
/// ```
/// # async fn demo() {
/// use ovhcloud_runtime::rate_limit::RateLimiter;
///
/// let limiter = RateLimiter::default(); // 20 requests per second, burst 1
/// let faster = RateLimiter::new(50, 10); // 50 per second, 10 at once after idle time
/// let off = RateLimiter::unlimited();
/// limiter.acquire().await; // now send one request
/// # let _ = (faster, off);
/// # }
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    /// `None`: unlimited.
    gcra: Option<Arc<Gcra>>,
}

struct Gcra {
    /// Time between two requests at the sustained rate.
    interval: Duration,
    burst: u32,
    /// `(burst - 1) * interval`: how far ahead of schedule a request may go.
    tolerance: Duration,
    /// The theoretical arrival time: when the bucket will be full again if nothing else
    /// is reserved. Never held across an await.
    tat: Mutex<Instant>,
}

impl RateLimiter {
    /// `requests_per_second` requests per second, with up to `burst` at once after idle
    /// time (`burst` 0 is taken as 1). For rates below one per second use
    /// [`with_interval`](Self::with_interval).
    ///
    /// # Panics
    ///
    /// If `requests_per_second` is 0; use [`unlimited`](Self::unlimited) to turn limiting
    /// off.
    pub fn new(requests_per_second: u32, burst: u32) -> Self {
        assert!(
            requests_per_second > 0,
            "RateLimiter::new: the rate must be at least 1 request per second \
             (use RateLimiter::unlimited() for no limit)"
        );
        Self::with_interval(Duration::from_secs(1) / requests_per_second, burst)
    }

    /// One request per `interval` at the sustained rate, with up to `burst` at once after
    /// idle time (`burst` 0 is taken as 1). A zero `interval` means unlimited.
    pub fn with_interval(interval: Duration, burst: u32) -> Self {
        if interval.is_zero() {
            return Self::unlimited();
        }
        let burst = burst.max(1);
        let tolerance = interval.saturating_mul(burst - 1);
        RateLimiter {
            gcra: Some(Arc::new(Gcra {
                interval,
                burst,
                tolerance,
                tat: Mutex::new(Instant::now()),
            })),
        }
    }

    /// No limit: [`acquire`](Self::acquire) returns at once.
    pub fn unlimited() -> Self {
        RateLimiter { gcra: None }
    }

    /// Whether this limiter never waits.
    pub fn is_unlimited(&self) -> bool {
        self.gcra.is_none()
    }

    /// Waits until one more request may be sent, and counts it. Call it once per HTTP
    /// request actually sent (each retry and each page included).
    ///
    /// The wait is a `tokio::time::sleep`, so this needs a Tokio runtime with the time
    /// driver enabled (unless the limiter is unlimited).
    pub async fn acquire(&self) {
        self.acquire_before(None).await;
    }

    /// [`acquire`](Self::acquire) for a call that must be sent before `deadline`: when the next
    /// slot is after it, returns `false` at once and reserves nothing, so that a call giving
    /// up does not push back the calls after it.
    pub async fn acquire_before(&self, deadline: Option<Instant>) -> bool {
        let Some(gcra) = &self.gcra else { return true };
        match gcra.reserve(Instant::now(), deadline) {
            Reserved::Now => true,
            Reserved::At(at) => {
                tokio::time::sleep_until(at).await;
                true
            }
            Reserved::TooLate => false,
        }
    }

    /// How long a request asking now would wait, given the slots already reserved: 0 when
    /// it could go out at once. For diagnostics; it does not reserve anything.
    pub fn backlog(&self) -> Duration {
        let Some(gcra) = &self.gcra else {
            return Duration::ZERO;
        };
        let now = Instant::now();
        let tat = *gcra.tat.lock().unwrap_or_else(PoisonError::into_inner);
        tat.saturating_duration_since(now)
            .saturating_sub(gcra.tolerance)
    }
}

impl Gcra {
    /// Reserves the next slot unless it is at or after `deadline`. The lock is held only for
    /// this arithmetic, never across an await.
    fn reserve(&self, now: Instant, deadline: Option<Instant>) -> Reserved {
        let mut tat = self.tat.lock().unwrap_or_else(PoisonError::into_inner);
        let start = (*tat).max(now);
        // The bucket empties from `start`; this request may go `tolerance` ahead of it.
        let slot = start.checked_sub(self.tolerance).unwrap_or(now);
        if deadline.is_some_and(|deadline| slot >= deadline) {
            return Reserved::TooLate;
        }
        *tat = start.checked_add(self.interval).unwrap_or(start);
        drop(tat);
        if slot > now {
            Reserved::At(slot)
        } else {
            Reserved::Now
        }
    }
}

/// What [`Gcra::reserve`] reserved.
#[derive(Debug, PartialEq, Eq)]
enum Reserved {
    Now,
    At(Instant),
    /// Nothing: the slot is after the deadline.
    TooLate,
}

impl Default for RateLimiter {
    /// 20 requests per second, burst 1: OVHcloud's documented global limit, with no
    /// one-second window ever holding more than 20 requests.
    fn default() -> Self {
        Self::new(20, 1)
    }
}

impl fmt::Debug for RateLimiter {
    /// `RateLimiter { interval: 50ms, burst: 1, backlog: 0ns }` or
    /// `RateLimiter { unlimited }`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.gcra {
            None => f.write_str("RateLimiter { unlimited }"),
            Some(gcra) => f
                .debug_struct("RateLimiter")
                .field("interval", &gcra.interval)
                .field("burst", &gcra.burst)
                .field("backlog", &self.backlog())
                .finish(),
        }
    }
}

#[cfg(test)]
impl Reserved {
    /// When the reserved slot is, `None` for now.
    fn at(self) -> Option<Instant> {
        match self {
            Reserved::At(at) => Some(at),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant as StdInstant;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn acquire_is_send_and_the_limiter_is_send_sync() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<RateLimiter>();
        let limiter = RateLimiter::default();
        let fut = limiter.acquire();
        assert_send(&fut);
    }

    #[test]
    fn reservations_follow_the_gcra_schedule() {
        // Deterministic: drive `reserve` with a fixed clock.
        let limiter = RateLimiter::new(50, 5);
        let gcra = limiter.gcra.as_ref().unwrap();
        let t0 = Instant::now() + Duration::from_secs(1);
        let ms = |n| Duration::from_millis(n);
        // Burst of 5 goes at once, then one per 20 ms.
        let slots: Vec<_> = (0..8)
            .map(|_| {
                gcra.reserve(t0, None)
                    .at()
                    .map_or(Duration::ZERO, |s| s - t0)
            })
            .collect();
        assert_eq!(slots, [0, 0, 0, 0, 0, 20, 40, 60].map(ms));
        // The next free slot after those: 80 ms. At t0+80 ms it is free at once.
        assert_eq!(gcra.reserve(t0 + ms(80), None).at(), None);
        // Idle for 40 ms past the schedule earns back 2 immediate requests, not more.
        let t1 = t0 + ms(100 + 40);
        assert_eq!(gcra.reserve(t1, None).at(), None);
        assert_eq!(gcra.reserve(t1, None).at(), None);
        assert_eq!(gcra.reserve(t1, None).at(), None);
        assert_eq!(gcra.reserve(t1, None).at(), Some(t1 + ms(20)));
        // Long idle: the full burst, no more.
        let t2 = t1 + Duration::from_secs(10);
        for _ in 0..5 {
            assert_eq!(gcra.reserve(t2, None).at(), None);
        }
        assert_eq!(gcra.reserve(t2, None).at(), Some(t2 + ms(20)));
    }

    #[test]
    fn burst_one_spaces_every_request() {
        let limiter = RateLimiter::default();
        let gcra = limiter.gcra.as_ref().unwrap();
        let t0 = Instant::now() + Duration::from_secs(1);
        assert_eq!(gcra.reserve(t0, None).at(), None);
        assert_eq!(
            gcra.reserve(t0, None).at(),
            Some(t0 + Duration::from_millis(50))
        );
        assert_eq!(
            gcra.reserve(t0, None).at(),
            Some(t0 + Duration::from_millis(100))
        );
    }

    #[test]
    fn constructors() {
        assert!(RateLimiter::unlimited().is_unlimited());
        assert!(RateLimiter::with_interval(Duration::ZERO, 3).is_unlimited());
        let l = RateLimiter::new(4, 0);
        let g = l.gcra.as_ref().unwrap();
        assert_eq!((g.interval, g.burst), (Duration::from_millis(250), 1));
        let l = RateLimiter::with_interval(Duration::from_secs(2), 3);
        let g = l.gcra.as_ref().unwrap();
        assert_eq!(g.tolerance, Duration::from_secs(4));
    }

    #[test]
    #[should_panic(expected = "at least 1 request per second")]
    fn zero_rate_panics() {
        let _ = RateLimiter::new(0, 1);
    }

    #[test]
    fn debug_shows_the_configuration() {
        assert_eq!(
            format!("{:?}", RateLimiter::unlimited()),
            "RateLimiter { unlimited }"
        );
        let d = format!("{:?}", RateLimiter::default());
        assert!(
            d.starts_with("RateLimiter { interval: 50ms, burst: 1, backlog: "),
            "{d}"
        );
    }

    #[tokio::test]
    async fn backlog_reports_the_queue() {
        let limiter = RateLimiter::new(10, 1);
        assert_eq!(limiter.backlog(), Duration::ZERO);
        limiter.acquire().await; // immediate; the next slot is 100 ms away
        let gcra = limiter.gcra.as_ref().unwrap();
        // Three more reserved at 100, 200 and 300 ms: a fourth would wait 400 ms.
        for _ in 0..3 {
            gcra.reserve(Instant::now(), None).at();
        }
        let b = limiter.backlog();
        assert!(
            b > Duration::from_millis(300) && b <= Duration::from_millis(400),
            "{b:?}"
        );
    }

    /// Runs `per_task` acquisitions in each of `tasks` tasks, each task using its own clone
    /// of `limiters[i % len]`; returns the elapsed time.
    async fn run(limiters: &[RateLimiter], tasks: usize, per_task: usize) -> Duration {
        let start = StdInstant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|i| {
                let l = limiters[i % limiters.len()].clone();
                tokio::spawn(async move {
                    for _ in 0..per_task {
                        l.acquire().await;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        start.elapsed()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_tasks_keep_to_the_rate() {
        // 30 acquisitions at 50/s with burst 5: the last slot is (30 - 5) * 20 ms = 500 ms in.
        let elapsed = run(&[RateLimiter::new(50, 5)], 6, 5).await;
        eprintln!("30 acquisitions, 6 tasks, 50/s burst 5: {elapsed:?}");
        assert!(elapsed >= Duration::from_millis(490), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn clones_share_the_budget() {
        let shared = RateLimiter::new(50, 5);
        let elapsed = run(&[shared.clone(), shared], 2, 15).await;
        eprintln!("2 clones x 15 at 50/s burst 5: {elapsed:?}");
        assert!(elapsed >= Duration::from_millis(490), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
        // Two independent limiters: each needs only (15 - 5) * 20 ms = 200 ms.
        let separate = [RateLimiter::new(50, 5), RateLimiter::new(50, 5)];
        let elapsed = run(&separate, 2, 15).await;
        eprintln!("2 separate limiters x 15 at 50/s burst 5: {elapsed:?}");
        assert!(elapsed >= Duration::from_millis(190), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(450), "{elapsed:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_late_caller_is_not_starved_by_a_busy_one() {
        let limiter = RateLimiter::new(50, 1);
        let busy = limiter.clone();
        let greedy = tokio::spawn(async move {
            for _ in 0..40 {
                busy.acquire().await; // 40 slots: 780 ms
            }
            StdInstant::now()
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let asked = StdInstant::now();
        limiter.acquire().await;
        let served = StdInstant::now();
        let greedy_done = greedy.await.unwrap();
        let waited = served - asked;
        eprintln!("late caller waited {waited:?}");
        // Served within about one interval, long before the busy task is done.
        assert!(waited < Duration::from_millis(250), "{waited:?}");
        assert!(served < greedy_done);
    }

    #[tokio::test]
    async fn unlimited_never_waits() {
        let limiter = RateLimiter::unlimited();
        let start = StdInstant::now();
        for _ in 0..10_000 {
            limiter.acquire().await;
        }
        let elapsed = start.elapsed();
        eprintln!("10000 unlimited acquisitions: {elapsed:?}");
        assert!(elapsed < Duration::from_millis(200), "{elapsed:?}");
        assert_eq!(limiter.backlog(), Duration::ZERO);
    }

    #[tokio::test]
    async fn the_first_burst_is_immediate() {
        let limiter = RateLimiter::new(1, 10);
        let start = StdInstant::now();
        for _ in 0..10 {
            limiter.acquire().await;
        }
        let elapsed = start.elapsed();
        assert!(elapsed < Duration::from_millis(100), "{elapsed:?}");
    }

    #[test]
    fn a_slot_after_the_deadline_is_not_reserved() {
        let ms = Duration::from_millis;
        let limiter = RateLimiter::new(10, 1);
        let gcra = limiter.gcra.as_ref().unwrap();
        let t0 = Instant::now();
        assert_eq!(gcra.reserve(t0, None), Reserved::Now);
        // The next slot is 100 ms later: not before a deadline at 50 ms, and nothing is taken.
        assert_eq!(gcra.reserve(t0, Some(t0 + ms(50))), Reserved::TooLate);
        assert_eq!(
            gcra.reserve(t0, Some(t0 + ms(150))),
            Reserved::At(t0 + ms(100))
        );
    }
}
