//! Retry policy: which failures are retried, and how long to wait.
//!
//! [`RetryPolicy::decide`] is a pure function of the policy, the attempt number, the HTTP
//! method, the caller's opt-in and what went wrong ([`Outcome`]); it answers
//! [`Decision::Retry`] with a delay or [`Decision::GiveUp`]. It neither sleeps nor logs: the
//! client sleeps for the delay and calls [`log_retry`].
//!
//! What is retried, by default up to 3 times (4 attempts in all):
//!
//! | failure | retried? |
//! | --- | --- |
//! | HTTP 429, 502, 503, 504 | yes |
//! | HTTP 500 and every other status | no: OVH's 500s are usually deterministic errors (a bug or an invalid state on their side) that fail the same way again |
//! | connection failed, reset, or no response | yes |
//! | timeout | yes |
//! | anything else (encoding, decoding, configuration…) | no |
//!
//! …and only for methods that may be repeated: `GET`, `PUT` and `DELETE` always, `POST` only
//! when the caller opted in for that call, since a `POST` that timed out or lost its response
//! may have been carried out (an order placed twice, two servers created).
//!
//! Waits use exponential backoff with "full jitter" (AWS architecture blog, *Exponential
//! Backoff And Jitter*): before retry `n` (1 for the first retry) the client waits a uniformly
//! random time in `[0, min(max_delay, base_delay * multiplier^(n-1))]`. A `Retry-After`
//! header replaces that wait with the server's, see [`RetryPolicy::max_retry_after`].

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::Method;

/// How a retry delay is drawn from its ceiling `min(max_delay, base_delay * multiplier^(n-1))`.
#[derive(Clone, Copy, Debug, Default)]
pub enum Jitter {
    /// Uniformly random in `[0, ceiling]` ("full jitter"), from `fastrand`'s thread-local
    /// generator. The default: it spreads out clients that failed at the same moment.
    #[default]
    Full,
    /// Exactly the ceiling: plain exponential backoff.
    None,
    /// A function of the ceiling, for deterministic tests; its result is clamped to
    /// `[0, ceiling]`. Non-capturing closures coerce: `Jitter::Custom(|c| c / 2)`.
    Custom(fn(Duration) -> Duration),
}

/// When and how often failed requests are retried. See the [module docs](self) for what is
/// retried.
///
/// ```
/// use std::time::Duration;
/// use ovhcloud_runtime::retry::RetryPolicy;
///
/// let policy = RetryPolicy::default() // 4 attempts, 200 ms base, 10 s cap, full jitter
///     .max_attempts(6)
///     .base_delay(Duration::from_millis(500));
/// let never = RetryPolicy::none();
/// # let _ = (policy, never);
/// ```
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    multiplier: u32,
    jitter: Jitter,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts (1 try + 3 retries), 200 ms base delay doubling up to 10 s, full jitter,
    /// `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            multiplier: 2,
            jitter: Jitter::Full,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// What went wrong with one attempt, as [`RetryPolicy::decide`] needs to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// The server answered with a non-success status.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The raw `Retry-After` header value, if the response had one.
        retry_after: Option<&'a str>,
    },
    /// Connecting failed, the connection was reset, or no (complete) response came back.
    Connection,
    /// The request timed out.
    Timeout,
    /// A failure that repeating cannot fix (a request that cannot be built, a response that
    /// does not decode, …).
    Other,
}

impl Outcome<'static> {
    /// Classifies a `reqwest` error: a timeout is [`Outcome::Timeout`]; a failure to
    /// connect, to send the request, or to read the response (including its body) is
    /// [`Outcome::Connection`]; a response body that is not valid JSON, a bad URL or a redirect
    /// loop is [`Outcome::Other`].
    pub fn from_reqwest(error: &reqwest::Error) -> Self {
        if error.is_timeout() {
            Outcome::Timeout
        } else if error.is_connect() || error.is_request() || error.is_body() {
            Outcome::Connection
        } else if error.is_decode() && !caused_by_json(error) {
            // `Response::text()`/`bytes()` report an interrupted body read as a decode error.
            Outcome::Connection
        } else {
            Outcome::Other
        }
    }
}

fn caused_by_json(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if e.is::<serde_json::Error>() {
            return true;
        }
        source = e.source();
    }
    false
}

impl fmt::Display for Outcome<'_> {
    /// A short reason for logs: `HTTP 503`, `connection error`, `timeout`, `error`. Never
    /// includes header values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Status { status, .. } => write!(f, "HTTP {status}"),
            Outcome::Connection => f.write_str("connection error"),
            Outcome::Timeout => f.write_str("timeout"),
            Outcome::Other => f.write_str("error"),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send the request again.
    Retry(Duration),
    /// Return the error to the caller.
    GiveUp,
}

/// Whether a status is worth retrying: 429 (Too Many Requests), 502 (Bad Gateway),
/// 503 (Service Unavailable) and 504 (Gateway Timeout), which all say "not now" rather than
/// "not this". 500 is deliberately left out: OVH answers 500 for errors that are usually
/// deterministic, so repeating the call would only repeat the error, later.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Whether a request with this method may be sent again: `GET`, `PUT` and `DELETE` are
/// idempotent and always may; `POST` and `PATCH` (not idempotent in general, RFC 5789) only
/// when `post_opt_in` (the caller said, for this call, that repeating it is harmless).
pub fn is_retryable_method(method: Method, post_opt_in: bool) -> bool {
    match method {
        Method::Get | Method::Put | Method::Delete => true,
        Method::Post | Method::Patch => post_opt_in,
    }
}

/// Parses a `Retry-After` value into how long to wait from `now`: delta-seconds (`120`) or
/// an HTTP-date in any of the three forms HTTP allows (IMF-fixdate
/// `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`, asctime
/// `Sun Nov  6 08:49:37 1994`). A date in the past means zero. `None` when the value is
/// neither; delta-seconds too large for a `u64` are [`Duration::MAX`].
///
/// The date is compared with the local clock, so a skewed local clock skews the wait.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    let date: SystemTime = chrono::DateTime::parse_from_rfc2822(value)
        .map(|d| d.to_utc())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(value, "%A, %d-%b-%y %H:%M:%S GMT")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%a %b %e %H:%M:%S %Y"))
                .map(|d| d.and_utc())
        })
        .ok()?
        .into();
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

impl RetryPolicy {
    /// Never retries: every failure is returned after the first attempt.
    pub fn none() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Attempts in all, the first one included (default 4: 1 try and 3 retries). `1` turns
    /// retries off; `0` is taken as `1`.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff ceiling before the first retry (default 200 ms).
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The largest backoff ceiling (default 10 s). Does not limit `Retry-After`, which has
    /// its own limit, [`max_retry_after`](Self::max_retry_after).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How much the backoff ceiling grows from one retry to the next (default 2); `0` is
    /// taken as `1` (constant ceiling).
    pub fn multiplier(mut self, multiplier: u32) -> Self {
        self.multiplier = multiplier.max(1);
        self
    }

    /// How the delay is drawn from the backoff ceiling (default [`Jitter::Full`]).
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The longest `Retry-After` that is honoured (default 60 s). A `Retry-After` up to this
    /// is waited exactly, without jitter, even beyond [`max_delay`](Self::max_delay) (the
    /// server knows best when it will be ready); a longer one makes the client give up at
    /// once rather than hang, and the caller gets the 429/503 error. Unparseable values are
    /// ignored: the usual backoff applies.
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// Whether this policy ever retries (`max_attempts > 1`).
    pub fn is_enabled(&self) -> bool {
        self.max_attempts > 1
    }

    /// The backoff ceiling before retry `retry` (1-based), without jitter:
    /// `min(max_delay, base_delay * multiplier^(retry-1))`, saturating.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1);
        self.multiplier
            .checked_pow(exponent)
            .and_then(|factor| self.base_delay.checked_mul(factor))
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    /// The backoff delay before retry `retry` (1-based): [`backoff_ceiling`](Self::backoff_ceiling)
    /// with the jitter applied.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        match self.jitter {
            Jitter::None => ceiling,
            Jitter::Full => {
                // Nanoseconds fit a u64 for any ceiling under 584 years.
                let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
                Duration::from_nanos(fastrand::u64(0..=nanos))
            }
            Jitter::Custom(f) => f(ceiling).min(ceiling),
        }
    }

    /// What to do after attempt number `attempt` (1-based: `1` is the first try) of a
    /// `method` request failed with `outcome`. `post_opt_in` is the caller's per-call
    /// permission to repeat a `POST`.
    ///
    /// Gives up when `attempt` reached [`max_attempts`](Self::max_attempts), when the method
    /// may not be repeated ([`is_retryable_method`]), or when the outcome is not retryable
    /// ([`is_retryable_status`], [`Outcome::Other`]) or carries a `Retry-After` above
    /// [`max_retry_after`](Self::max_retry_after). Otherwise retries after the `Retry-After`
    /// wait if the response had a valid one, else after [`backoff(attempt)`](Self::backoff).
    /// Does not log or sleep.
    pub fn decide(
        &self,
        attempt: u32,
        method: Method,
        post_opt_in: bool,
        outcome: &Outcome<'_>,
    ) -> Decision {
        let attempt = attempt.max(1);
        if attempt >= self.max_attempts || !is_retryable_method(method, post_opt_in) {
            return Decision::GiveUp;
        }
        match *outcome {
            Outcome::Status {
                status,
                retry_after,
            } if is_retryable_status(status) => {
                match retry_after.and_then(|v| parse_retry_after(v, SystemTime::now())) {
                    Some(wait) if wait > self.max_retry_after => Decision::GiveUp,
                    Some(wait) => Decision::Retry(wait),
                    None => Decision::Retry(self.backoff(attempt)),
                }
            }
            Outcome::Connection | Outcome::Timeout => Decision::Retry(self.backoff(attempt)),
            Outcome::Status { .. } | Outcome::Other => Decision::GiveUp,
        }
    }
}

impl RetryPolicy {
    /// After attempt `attempt` of `request` failed with `outcome`: when the policy retries it,
    /// logs the retry ([`log_retry`]), sleeps and returns `true`; otherwise returns `false` at
    /// once. The retry loop of every provider's client.
    pub async fn pause(
        &self,
        attempt: u32,
        request: &crate::Request,
        operation: &str,
        outcome: &Outcome<'_>,
    ) -> bool {
        match self.decide(attempt, request.method, request.retry_post, outcome) {
            Decision::Retry(delay) => {
                log_retry(operation, attempt, delay, &outcome.to_string());
                tokio::time::sleep(delay).await;
                true
            }
            Decision::GiveUp => false,
        }
    }
}

/// Logs one retry as a `tracing` WARN event with the fields `operation`, `attempt` (the
/// attempt that failed, 1-based), `delay_ms` and `reason`. Pass only non-secret text: the
/// operation name (`GET /me`) and a short reason such as an [`Outcome`]'s `Display`
/// (`HTTP 503`) — never header values, URLs with query strings or bodies.
pub fn log_retry(operation: &str, attempt: u32, delay: Duration, reason: &str) {
    let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    tracing::warn!(
        operation,
        attempt,
        delay_ms,
        reason,
        "OVHcloud API call failed, retrying"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn exact() -> RetryPolicy {
        RetryPolicy::default().jitter(Jitter::None)
    }

    fn status(status: u16) -> Outcome<'static> {
        Outcome::Status {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn defaults() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 4);
        assert_eq!(p.base_delay, MS(200));
        assert_eq!(p.max_delay, Duration::from_secs(10));
        assert_eq!(p.multiplier, 2);
        assert!(matches!(p.jitter, Jitter::Full));
        assert_eq!(p.max_retry_after, Duration::from_secs(60));
        assert!(p.is_enabled());
        assert!(!RetryPolicy::none().is_enabled());
    }

    #[test]
    fn backoff_grows_exponentially_then_caps() {
        let p = exact();
        let delays: Vec<_> = (1..=9).map(|n| p.backoff(n)).collect();
        assert_eq!(
            delays,
            [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000].map(MS)
        );
        // No overflow panic for absurd retry numbers or factors.
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(10));
        let p = exact().multiplier(u32::MAX).max_delay(Duration::MAX);
        assert_eq!(p.backoff(3), Duration::MAX);
        let p = exact()
            .multiplier(3)
            .base_delay(MS(100))
            .max_delay(MS(1000));
        assert_eq!(
            [1, 2, 3, 4].map(|n| p.backoff(n)),
            [100, 300, 900, 1000].map(MS)
        );
        let p = exact().multiplier(0);
        assert_eq!(p.backoff(5), MS(200));
    }

    #[test]
    fn custom_jitter_is_deterministic_and_clamped() {
        let p = RetryPolicy::default().jitter(Jitter::Custom(|c| c / 2));
        assert_eq!([1, 2, 3].map(|n| p.backoff(n)), [100, 200, 400].map(MS));
        let p = RetryPolicy::default().jitter(Jitter::Custom(|c| c * 10));
        assert_eq!(p.backoff(1), MS(200));
    }

    #[test]
    fn full_jitter_stays_within_bounds_and_spreads() {
        fastrand::seed(42);
        let p = RetryPolicy::default();
        for retry in 1..=8 {
            let ceiling = p.backoff_ceiling(retry);
            let samples: Vec<_> = (0..2000).map(|_| p.backoff(retry)).collect();
            assert!(samples.iter().all(|d| *d <= ceiling), "retry {retry}");
            let low = samples.iter().filter(|d| **d < ceiling / 10).count();
            let high = samples.iter().filter(|d| **d > ceiling * 9 / 10).count();
            // Uniform: ~10% each; far from 0 and from 100%.
            assert!((100..400).contains(&low), "retry {retry}: {low} low");
            assert!((100..400).contains(&high), "retry {retry}: {high} high");
            let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
            assert!(
                mean > ceiling * 45 / 100 && mean < ceiling * 55 / 100,
                "retry {retry}: mean {mean:?} of ceiling {ceiling:?}"
            );
        }
    }

    #[test]
    fn full_jitter_with_a_seed_repeats() {
        let p = RetryPolicy::default();
        fastrand::seed(7);
        let a: Vec<_> = (1..=4).map(|n| p.backoff(n)).collect();
        fastrand::seed(7);
        let b: Vec<_> = (1..=4).map(|n| p.backoff(n)).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 502, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 409, 460, 500, 501, 505] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn decide_retries_retryable_failures_of_idempotent_methods() {
        let p = exact();
        for method in [Method::Get, Method::Put, Method::Delete] {
            for outcome in [status(429), status(502), status(503), status(504)]
                .into_iter()
                .chain([Outcome::Connection, Outcome::Timeout])
            {
                assert_eq!(
                    p.decide(1, method, false, &outcome),
                    Decision::Retry(MS(200)),
                    "{method:?} {outcome}"
                );
                assert_eq!(
                    p.decide(3, method, false, &outcome),
                    Decision::Retry(MS(800))
                );
            }
        }
    }

    #[test]
    fn decide_never_retries_other_errors() {
        let p = exact();
        for outcome in [
            status(500),
            status(400),
            status(404),
            status(403),
            Outcome::Other,
        ] {
            for method in [Method::Get, Method::Put, Method::Delete, Method::Post] {
                for opt_in in [false, true] {
                    assert_eq!(p.decide(1, method, opt_in, &outcome), Decision::GiveUp);
                }
            }
        }
        // Even with a Retry-After.
        let outcome = Outcome::Status {
            status: 500,
            retry_after: Some("1"),
        };
        assert_eq!(p.decide(1, Method::Get, false, &outcome), Decision::GiveUp);
    }

    #[test]
    fn post_is_retried_only_with_opt_in() {
        let p = exact();
        for outcome in [
            status(429),
            status(503),
            Outcome::Connection,
            Outcome::Timeout,
        ] {
            assert_eq!(p.decide(1, Method::Post, false, &outcome), Decision::GiveUp);
            assert_eq!(
                p.decide(1, Method::Post, true, &outcome),
                Decision::Retry(MS(200))
            );
        }
        assert!(!is_retryable_method(Method::Post, false));
        assert!(is_retryable_method(Method::Post, true));
        assert!(!is_retryable_method(Method::Patch, false));
        assert!(is_retryable_method(Method::Patch, true));
        assert!(is_retryable_method(Method::Get, false));
    }

    #[test]
    fn attempts_run_out() {
        let p = exact();
        let o = Outcome::Connection;
        assert!(matches!(
            p.decide(3, Method::Get, false, &o),
            Decision::Retry(_)
        ));
        assert_eq!(p.decide(4, Method::Get, false, &o), Decision::GiveUp);
        assert_eq!(p.decide(5, Method::Get, false, &o), Decision::GiveUp);
        // Attempt 0 is read as 1.
        assert_eq!(
            p.decide(0, Method::Get, false, &o),
            Decision::Retry(MS(200))
        );
        let p = exact().max_attempts(2);
        assert_eq!(
            p.decide(1, Method::Get, false, &o),
            Decision::Retry(MS(200))
        );
        assert_eq!(p.decide(2, Method::Get, false, &o), Decision::GiveUp);
        for p in [RetryPolicy::none(), exact().max_attempts(0)] {
            assert_eq!(p.decide(1, Method::Get, false, &o), Decision::GiveUp);
            assert_eq!(
                p.decide(1, Method::Get, false, &status(503)),
                Decision::GiveUp
            );
        }
    }

    #[test]
    fn retry_after_seconds_are_honoured_up_to_the_limit() {
        let p = exact();
        let o = |v| Outcome::Status {
            status: 429,
            retry_after: Some(v),
        };
        assert_eq!(
            p.decide(1, Method::Get, false, &o("3")),
            Decision::Retry(Duration::from_secs(3))
        );
        assert_eq!(
            p.decide(1, Method::Get, false, &o(" 0 ")),
            Decision::Retry(Duration::ZERO)
        );
        // Above max_delay but within max_retry_after: waited exactly.
        assert_eq!(
            p.decide(1, Method::Get, false, &o("45")),
            Decision::Retry(Duration::from_secs(45))
        );
        assert_eq!(
            p.decide(1, Method::Get, false, &o("60")),
            Decision::Retry(Duration::from_secs(60))
        );
        // Above max_retry_after: give up rather than hang.
        assert_eq!(p.decide(1, Method::Get, false, &o("61")), Decision::GiveUp);
        assert_eq!(
            p.decide(1, Method::Get, false, &o("99999999999999999999999")),
            Decision::GiveUp
        );
        let p = exact().max_retry_after(Duration::from_secs(120));
        assert_eq!(
            p.decide(1, Method::Get, false, &o("61")),
            Decision::Retry(Duration::from_secs(61))
        );
        // Garbage is ignored: plain backoff.
        for v in ["soon", "-1", "1.5", ""] {
            assert_eq!(
                p.decide(1, Method::Get, false, &o(v)),
                Decision::Retry(MS(200)),
                "{v:?}"
            );
        }
        // Attempts still run out.
        assert_eq!(p.decide(4, Method::Get, false, &o("1")), Decision::GiveUp);
    }

    #[test]
    fn retry_after_dates() {
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .to_utc()
                .into()
        };
        let now: SystemTime = at("1994-11-06T08:49:30Z");
        for v in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                parse_retry_after(v, now),
                Some(Duration::from_secs(7)),
                "{v}"
            );
        }
        // In the past: no wait.
        let later: SystemTime = at("1994-11-06T09:00:00Z");
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", now),
            None
        );
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
    }

    #[test]
    fn decide_honours_a_retry_after_date() {
        let p = exact();
        let when =
            chrono::DateTime::<chrono::Utc>::from(SystemTime::now() + Duration::from_secs(30));
        let value = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let o = Outcome::Status {
            status: 503,
            retry_after: Some(&value),
        };
        match p.decide(1, Method::Delete, false, &o) {
            Decision::Retry(d) => assert!(
                d > Duration::from_secs(28) && d <= Duration::from_secs(30),
                "{d:?}"
            ),
            other => panic!("{other:?}"),
        }
        let when =
            chrono::DateTime::<chrono::Utc>::from(SystemTime::now() + Duration::from_secs(3600));
        let value = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let o = Outcome::Status {
            status: 503,
            retry_after: Some(&value),
        };
        assert_eq!(p.decide(1, Method::Get, false, &o), Decision::GiveUp);
    }

    #[test]
    fn outcome_reasons_carry_no_header_values() {
        let o = Outcome::Status {
            status: 429,
            retry_after: Some("secret-ish"),
        };
        assert_eq!(o.to_string(), "HTTP 429");
        assert_eq!(Outcome::Connection.to_string(), "connection error");
        assert_eq!(Outcome::Timeout.to_string(), "timeout");
        assert_eq!(Outcome::Other.to_string(), "error");
    }

    #[tokio::test]
    async fn reqwest_errors_are_classified() {
        // Nothing listens on port 9 of localhost: connection refused.
        let http = reqwest::Client::new();
        let e = http.get("http://127.0.0.1:9/").send().await.unwrap_err();
        assert_eq!(Outcome::from_reqwest(&e), Outcome::Connection, "{e:?}");
        // A listener that accepts and never answers: timeout.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hold = tokio::spawn(async move {
            let mut kept = Vec::new();
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                kept.push(socket);
            }
        });
        let e = http
            .get(format!("http://{addr}/"))
            .timeout(Duration::from_millis(100))
            .send()
            .await
            .unwrap_err();
        assert_eq!(Outcome::from_reqwest(&e), Outcome::Timeout, "{e:?}");
        hold.abort();
        // A bad URL: not retryable.
        let e = http.get("not a url").send().await.unwrap_err();
        assert_eq!(Outcome::from_reqwest(&e), Outcome::Other, "{e:?}");
    }

    /// A minimal `tracing` subscriber that records every event's fields as text.
    mod capture {
        use std::sync::{Arc, Mutex};
        use tracing::field::{Field, Visit};
        use tracing::span::{Attributes, Id, Record};
        use tracing::{Event, Metadata, Subscriber};

        /// Level and `(field, value)` pairs of one event.
        pub type Recorded = (String, Vec<(String, String)>);

        #[derive(Clone, Default)]
        pub struct Capture(pub Arc<Mutex<Vec<Recorded>>>);

        struct Fields(Vec<(String, String)>);
        impl Visit for Fields {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                self.0.push((field.name().to_owned(), format!("{value:?}")));
            }
            fn record_str(&mut self, field: &Field, value: &str) {
                self.0.push((field.name().to_owned(), value.to_owned()));
            }
        }

        impl Subscriber for Capture {
            fn enabled(&self, _: &Metadata<'_>) -> bool {
                true
            }
            fn new_span(&self, _: &Attributes<'_>) -> Id {
                Id::from_u64(1)
            }
            fn record(&self, _: &Id, _: &Record<'_>) {}
            fn record_follows_from(&self, _: &Id, _: &Id) {}
            fn event(&self, event: &Event<'_>) {
                let mut fields = Fields(Vec::new());
                event.record(&mut fields);
                let level = event.metadata().level().to_string();
                self.0.lock().unwrap().push((level, fields.0));
            }
            fn enter(&self, _: &Id) {}
            fn exit(&self, _: &Id) {}
        }
    }

    #[test]
    fn log_retry_emits_one_structured_warning() {
        let capture = capture::Capture::default();
        tracing::subscriber::with_default(capture.clone(), || {
            log_retry("GET /me", 2, Duration::from_millis(1500), "HTTP 503");
        });
        let events = capture.0.lock().unwrap();
        assert_eq!(events.len(), 1);
        let (level, fields) = &events[0];
        assert_eq!(level, "WARN");
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("operation"), Some("GET /me"));
        assert_eq!(get("attempt"), Some("2"));
        assert_eq!(get("delay_ms"), Some("1500"));
        assert_eq!(get("reason"), Some("HTTP 503"));
        assert_eq!(get("message"), Some("OVHcloud API call failed, retrying"));
        assert_eq!(fields.len(), 5, "{fields:?}");
    }
}
