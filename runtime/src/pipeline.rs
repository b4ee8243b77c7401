//! The one request pipeline of every provider, in named phases (as smithy-rs's orchestrator):
//!
//! 1. **observe**: the access recorder sees the call; `before_send` hooks may change it;
//! 2. **pace**: the rate limiter (each attempt);
//! 3. **prepare**: the provider builds the wire request and authenticates it (each attempt: a
//!    signature carries a timestamp);
//! 4. **exchange**: send and read the answer within the attempt's timeout and the size limit,
//!    from the configured host only (redirects are not followed);
//! 5. **classify**: a 2xx answer is the result; a 3xx is refused; any other status becomes the
//!    provider's typed error;
//! 6. **recover**: the provider repairs what one more attempt at once can fix (OVH: its clock;
//!    OAuth2: the token), at most once per kind and call;
//! 7. **retry**: the [`RetryPolicy`] decides, honouring `Retry-After`, within the deadline.
//!
//! The whole call — every attempt, the waits for the rate limiter and between attempts, reading
//! each body — runs within the call's deadline when one is set: when it passes, the call ends
//! at once with the provider's timeout error naming the attempts made and the time spent.
//!
//! A provider plugs in through [`Protocol`]: OVHcloud's [`Client`](crate::Client) and
//! Scaleway's client are two. Everything else here is written once for both.

use std::borrow::Cow;
use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

use crate::call::Request;
use crate::rate_limit::RateLimiter;
use crate::retry::{log_retry, Decision, Outcome, RetryPolicy};
use crate::{AccessRecorder, Method};

/// The default limit of one answer's body: 64 MiB. The largest real answers, OVH's order
/// catalogs (`/order/catalog/public/…`), are a few MB; the margin is wide.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 64 * 1024 * 1024;

/// What a provider brings to the [`Pipeline`]: how a request goes on the wire and is
/// authenticated, what a refusal means, and what it can repair.
pub trait Protocol: Sync {
    /// The error of a call to this provider.
    type Error: Send;
    /// The provider's name, in the `ovhcloud.call` span (`ovhcloud`, `scaleway`).
    const PROVIDER: &'static str;
    /// The header carrying the API's id of an exchange, to quote to support
    /// (`X-Ovh-QueryID`); recorded in the span.
    const REQUEST_ID: &'static str;

    /// The request as sent: URL, headers and body, authenticated. Called before each attempt.
    fn prepare(
        &self,
        request: &Request,
        cursor: Option<&str>,
    ) -> impl Future<Output = Result<PreparedRequest, Self::Error>> + Send;

    /// The typed error of an answer whose status is neither success nor redirect.
    fn refusal(&self, operation: &str, response: Response) -> Self::Error;

    /// Repairs what makes `error` worth one more attempt at once, unless a repair of that kind
    /// is in `done` already; the kind repaired (`"clock"`, `"token"`), or `None`.
    fn recover(
        &self,
        error: &Self::Error,
        done: &[&'static str],
    ) -> impl Future<Output = Option<&'static str>> + Send;

    /// The error of a call that ended without a usable answer.
    fn failure(&self, operation: &str, failure: Failure) -> Self::Error;
}

/// A request ready to go: the exact URL, headers and body, signed.
#[derive(Clone)]
pub struct PreparedRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Headers whose values are secrets, hidden from `Debug`.
const SECRET_HEADERS: [&str; 3] = ["X-Ovh-Consumer", "Authorization", "X-Auth-Token"];

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The signature is not a secret; the consumer key and the tokens are.
        let headers: Vec<_> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let secret = SECRET_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s));
                (k.as_str(), if secret { "***" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("PreparedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

/// An answer: status, headers and body.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

/// How a call ended without a usable answer, whatever the provider; each provider's
/// [`Protocol::failure`] makes it its own error. Exhaustive on purpose: a new kind must be
/// given its place in every provider's error.
#[derive(Debug)]
pub enum Failure {
    /// The call's deadline passed, or its last attempt ran out of time.
    Timeout { attempts: u32, elapsed: Duration },
    /// The request could not be sent or the answer not read (connection refused or reset,
    /// body cut short).
    Transport(reqwest::Error),
    /// The answer's body is longer than the limit; at most the limit was read.
    TooLarge { limit: u64 },
    /// The server answered with a redirect (`status`, to `location`), which is not followed:
    /// credentials go to the configured endpoint only.
    Redirect {
        status: u16,
        location: Option<String>,
    },
    /// A success body that is not UTF-8 (JSON must be): where it stops being UTF-8, and the
    /// body with the bad bytes replaced, for the report.
    NotUtf8 { valid_up_to: usize, body: String },
    /// The request's URL is not on the configured endpoint (a path or hook that changed the
    /// host); nothing was sent.
    OffOrigin { url: String },
}

/// Called before each call is signed, with its request to observe or change.
pub type BeforeSend = Arc<dyn Fn(&mut Request) + Send + Sync>;
/// Called after each exchange, successful or not.
pub type AfterReceive = Arc<dyn Fn(&Exchange<'_>) + Send + Sync>;

#[derive(Clone, Default)]
struct Hooks {
    before_send: Vec<BeforeSend>,
    after_receive: Vec<AfterReceive>,
}

/// One exchange, as an `after_receive` hook sees it. Holds no secret: no signature, no
/// consumer key, no token.
#[derive(Debug)]
#[non_exhaustive]
pub struct Exchange<'a> {
    /// `GET /me/bill/{billId}`.
    pub operation: &'a str,
    /// The URL sent, query string included.
    pub url: &'a str,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// `None` when no answer came (connection error, timeout, answer too large).
    pub status: Option<u16>,
    pub headers: Option<&'a HeaderMap>,
    pub elapsed: Duration,
}

/// Requests sent and retried by a client and its clones, for summaries (`ovhcloud export`).
#[derive(Debug, Default)]
pub struct Traffic {
    sent: AtomicU64,
    retried: AtomicU64,
}

impl Traffic {
    /// Requests sent, retries included.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Requests sent again after a failure.
    pub fn retried(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }
}

/// What a client builder was told about the pipeline; every provider's builder keeps one.
#[derive(Default)]
pub struct PipelineOptions {
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    deadline: Option<Duration>,
    max_response_size: Option<u64>,
    retry: Option<RetryPolicy>,
    limiter: Option<RateLimiter>,
    http: Option<reqwest::ClientBuilder>,
    hooks: Hooks,
    recorder: Option<AccessRecorder>,
}

impl std::fmt::Debug for PipelineOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineOptions")
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("max_response_size", &self.max_response_size)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// A provider's defaults, where its builder was told nothing.
#[derive(Clone, Debug)]
pub struct PipelineDefaults {
    /// Each attempt's limit (OVHcloud: 180 s, as python-ovh; Scaleway: 60 s).
    pub timeout: Duration,
    pub limiter: RateLimiter,
    pub user_agent: String,
}

impl PipelineOptions {
    /// The limit of one attempt: connecting, sending and reading the whole answer.
    pub fn timeout(&mut self, timeout: Duration) {
        self.timeout = Some(timeout);
    }

    pub fn connect_timeout(&mut self, timeout: Duration) {
        self.connect_timeout = Some(timeout);
    }

    /// The limit of a whole call: every attempt and every wait.
    pub fn deadline(&mut self, deadline: Duration) {
        self.deadline = Some(deadline);
    }

    /// The largest answer body accepted, in bytes.
    pub fn max_response_size(&mut self, bytes: u64) {
        self.max_response_size = Some(bytes);
    }

    pub fn retry(&mut self, policy: RetryPolicy) {
        self.retry = Some(policy);
    }

    pub fn rate_limit(&mut self, limiter: RateLimiter) {
        self.limiter = Some(limiter);
    }

    /// Builds the HTTP client from the caller's `reqwest::ClientBuilder` instead of a new one.
    pub fn http_client(&mut self, builder: reqwest::ClientBuilder) {
        self.http = Some(builder);
    }

    pub fn before_send(&mut self, hook: BeforeSend) {
        self.hooks.before_send.push(hook);
    }

    pub fn after_receive(&mut self, hook: AfterReceive) {
        self.hooks.after_receive.push(hook);
    }

    pub fn record_access(&mut self, recorder: &AccessRecorder) {
        self.recorder = Some(recorder.clone());
    }

    /// The pipeline calling `origin` (`https://eu.api.ovh.com`), or what is wrong with the
    /// options.
    pub fn build(self, origin: &str, defaults: PipelineDefaults) -> Result<Pipeline, String> {
        for (name, value) in [
            ("timeout", self.timeout),
            ("connect timeout", self.connect_timeout),
            ("deadline", self.deadline),
        ] {
            if value == Some(Duration::ZERO) {
                return Err(format!("the {name} must be longer than zero"));
            }
        }
        if self.max_response_size == Some(0) {
            return Err("the response size limit must be more than zero bytes".into());
        }
        let origin =
            reqwest::Url::parse(origin).map_err(|e| format!("endpoint `{origin}`: {e}"))?;
        // A client the caller built keeps its own timeouts unless one is set here; ours has
        // the provider's.
        let (http, attempt_timeout) = match self.http {
            Some(builder) => (builder, self.timeout),
            None => (
                reqwest::Client::builder()
                    .user_agent(defaults.user_agent)
                    .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10))),
                Some(self.timeout.unwrap_or(defaults.timeout)),
            ),
        };
        // Redirects are never followed: reqwest would send OVH's and Scaleway's credential
        // headers to the new host (it strips only `Authorization` and cookies).
        let http = http
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Pipeline {
            http,
            origin,
            retry: self.retry.unwrap_or_default(),
            limiter: self.limiter.unwrap_or(defaults.limiter),
            attempt_timeout,
            deadline: self.deadline,
            max_response_size: self.max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
            hooks: self.hooks,
            traffic: Traffic::default(),
            recorder: self.recorder,
        })
    }
}

/// The request pipeline of one client and its clones: connections, rate limit, retries,
/// limits, hooks and counters.
pub struct Pipeline {
    http: reqwest::Client,
    /// Scheme, host and port of the configured endpoint: the only one answers are taken from.
    origin: reqwest::Url,
    retry: RetryPolicy,
    limiter: RateLimiter,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    max_response_size: u64,
    hooks: Hooks,
    traffic: Traffic,
    recorder: Option<AccessRecorder>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("origin", &self.origin.as_str())
            .field("retry", &self.retry)
            .field("limiter", &self.limiter)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("deadline", &self.deadline)
            .field("max_response_size", &self.max_response_size)
            .field("before_send", &self.hooks.before_send.len())
            .field("after_receive", &self.hooks.after_receive.len())
            .finish_non_exhaustive()
    }
}

/// How one exchange went wrong, before the retry decision.
enum Fault {
    /// The attempt's own timeout passed.
    AttemptTimeout,
    Failure(Failure),
}

impl Fault {
    fn outcome(&self) -> Outcome<'static> {
        match self {
            Fault::AttemptTimeout => Outcome::Timeout,
            Fault::Failure(Failure::Transport(e)) => Outcome::from_reqwest(e),
            Fault::Failure(_) => Outcome::Other,
        }
    }
}

impl Pipeline {
    /// The HTTP client, for a provider's own side exchanges (an OAuth2 token).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The limit of one attempt, when there is one.
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// Requests sent and retried since the client was built.
    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    /// One call: `request` (with `cursor`, a page of a cursor-paged list) sent through every
    /// phase until an answer succeeds or the policy gives up. `started` is when the call began:
    /// the deadline counts from it (a list read page after page shares one).
    pub async fn send<P: Protocol>(
        &self,
        protocol: &P,
        request: &Request,
        cursor: Option<&str>,
        started: Instant,
    ) -> Result<Response, P::Error> {
        use tracing::field::Empty;
        use tracing::Instrument;
        let span = tracing::info_span!(
            "ovhcloud.call",
            provider = P::PROVIDER,
            method = request.method.as_str(),
            path = &*request.template,
            status = Empty,
            attempts = Empty,
            query_id = Empty,
            duration_ms = Empty,
        );
        if let Some(recorder) = &self.recorder {
            recorder.record(request);
        }
        let hooked;
        let request = if self.hooks.before_send.is_empty() {
            request
        } else {
            let mut changed = request.clone();
            for hook in &self.hooks.before_send {
                hook(&mut changed);
            }
            hooked = changed;
            &hooked
        };
        let attempts = AtomicU32::new(0);
        let limit = request.deadline.or(self.deadline);
        // A deadline too far to represent is none.
        let deadline = limit.and_then(|limit| started.checked_add(limit));
        let run = self
            .attempts(protocol, request, cursor, &span, &attempts, deadline)
            .instrument(span.clone());
        let result = match deadline {
            Some(at) => match tokio::time::timeout_at(at.into(), run).await {
                Ok(result) => result,
                Err(_) => {
                    let attempts = attempts.load(Ordering::Relaxed);
                    let operation = request.operation();
                    tracing::warn!(parent: &span, operation = %operation, attempts, "deadline passed");
                    let elapsed = started.elapsed();
                    Err(protocol.failure(&operation, Failure::Timeout { attempts, elapsed }))
                }
            },
            None => run.await,
        };
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn attempts<P: Protocol>(
        &self,
        protocol: &P,
        request: &Request,
        cursor: Option<&str>,
        span: &tracing::Span,
        attempts: &AtomicU32,
        deadline: Option<Instant>,
    ) -> Result<Response, P::Error> {
        let policy = request.retry.as_ref().unwrap_or(&self.retry);
        let timeout = request.timeout.or(self.attempt_timeout);
        let limit = request.max_response_size.unwrap_or(self.max_response_size);
        let first = Instant::now();
        // `METHOD /template`, formatted only where an error, a retry or a hook needs it.
        let operation = || request.operation();
        let mut repaired: Vec<&'static str> = Vec::new();
        loop {
            let before = deadline.map(tokio::time::Instant::from_std);
            if !self.limiter.acquire_before(before).await {
                // The rate limit's next slot is after the deadline: give up now.
                let attempts = attempts.load(Ordering::Relaxed);
                let elapsed = first.elapsed();
                return Err(protocol.failure(&operation(), Failure::Timeout { attempts, elapsed }));
            }
            let prepared = protocol.prepare(request, cursor).await?;
            // Counted when sent: a deadline passing before names only attempts made.
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            span.record("attempts", attempt);
            self.traffic.sent.fetch_add(1, Ordering::Relaxed);
            let sent_at = Instant::now();
            let answer = self.exchange(&prepared, timeout, limit).await;
            self.observe::<P>(request, &prepared, attempt, &answer, sent_at, span);
            let (error, retry_after, outcome) = match answer {
                Ok(response) if (200..300).contains(&response.status) => return Ok(response),
                Ok(response) => {
                    if let Some(failure) = redirect(&response) {
                        return Err(protocol.failure(&operation(), failure));
                    }
                    let status = response.status;
                    let retry_after = header(&response.headers, "Retry-After").map(str::to_owned);
                    let error = protocol.refusal(&operation(), response);
                    if let Some(kind) = protocol.recover(&error, &repaired).await {
                        repaired.push(kind);
                        continue;
                    }
                    let outcome = Outcome::Status {
                        status,
                        retry_after: None,
                    };
                    (error, retry_after, outcome)
                }
                Err(fault) => {
                    let outcome = fault.outcome();
                    let failure = match fault {
                        Fault::AttemptTimeout => Failure::Timeout {
                            attempts: attempt,
                            elapsed: first.elapsed(),
                        },
                        Fault::Failure(failure) => failure,
                    };
                    (protocol.failure(&operation(), failure), None, outcome)
                }
            };
            let outcome = match outcome {
                Outcome::Status { status, .. } => Outcome::Status {
                    status,
                    retry_after: retry_after.as_deref(),
                },
                other => other,
            };
            match policy.decide(attempt, request.method, request.retry_post, &outcome) {
                Decision::Retry(delay)
                    if self
                        .wait(&operation(), attempt, delay, &outcome, deadline)
                        .await => {}
                _ => return Err(error),
            }
        }
    }

    /// Waits `delay` before the next attempt and counts it; `false` at once, without waiting,
    /// when the next attempt would start after the deadline (the last error is then worth
    /// more than a timeout).
    async fn wait(
        &self,
        operation: &str,
        attempt: u32,
        delay: Duration,
        outcome: &Outcome<'_>,
        deadline: Option<Instant>,
    ) -> bool {
        let resumes = Instant::now().checked_add(delay);
        if deadline.is_some_and(|at| resumes.is_none_or(|resumes| resumes >= at)) {
            tracing::warn!(operation, attempt, delay_ms = delay.as_millis() as u64, reason = %outcome, "no retry: it would start after the deadline");
            return false;
        }
        log_retry(operation, attempt, delay, &outcome.to_string());
        tokio::time::sleep(delay).await;
        self.traffic.retried.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Sends `prepared` and reads its answer, within `timeout` and `limit` bytes.
    async fn exchange(
        &self,
        prepared: &PreparedRequest,
        timeout: Option<Duration>,
        limit: u64,
    ) -> Result<Response, Fault> {
        let exchange = self.read(prepared, timeout, limit);
        match timeout {
            Some(timeout) => tokio::time::timeout(timeout, exchange)
                .await
                .unwrap_or(Err(Fault::AttemptTimeout)),
            None => exchange.await,
        }
    }

    /// One attempt outside a call's loop (OVH's clock read), within the client's limits.
    pub(crate) async fn once(&self, prepared: &PreparedRequest) -> Result<Response, Failure> {
        let timeout = self.attempt_timeout;
        let started = Instant::now();
        self.limiter.acquire().await;
        match self
            .exchange(prepared, timeout, self.max_response_size)
            .await
        {
            Ok(response) => match redirect(&response) {
                Some(failure) => Err(failure),
                None => Ok(response),
            },
            Err(Fault::Failure(failure)) => Err(failure),
            Err(Fault::AttemptTimeout) => Err(Failure::Timeout {
                attempts: 1,
                elapsed: started.elapsed(),
            }),
        }
    }

    /// One exchange without a time limit: sending, then the body chunk by chunk, never more
    /// than `limit` bytes of it.
    async fn read(
        &self,
        prepared: &PreparedRequest,
        timeout: Option<Duration>,
        limit: u64,
    ) -> Result<Response, Fault> {
        // Checked before anything is sent: credentials go to the configured endpoint only.
        // Parsed once, here: reqwest takes the parsed URL as it is.
        let url = match reqwest::Url::parse(&prepared.url) {
            Ok(url) if self.is_origin(&url) => url,
            _ => {
                let url = prepared.url.clone();
                return Err(Fault::Failure(Failure::OffOrigin { url }));
            }
        };
        // A timeout of the caller's own reqwest client is the attempt's timeout.
        let transport = |e: reqwest::Error| match e.is_timeout() {
            true => Fault::AttemptTimeout,
            false => Fault::Failure(Failure::Transport(e)),
        };
        let mut builder = self.http.request(prepared.method.to_http(), url);
        for (name, value) in &prepared.headers {
            builder = builder.header(name, value);
        }
        if !prepared.body.is_empty() {
            builder = builder.body(prepared.body.clone());
        }
        // Replaces a timeout of the caller's own client for this request, as documented.
        if let Some(timeout) = timeout {
            builder = builder.timeout(timeout);
        }
        let mut response = builder.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let too_large = Fault::Failure(Failure::TooLarge { limit });
        let declared = response.content_length();
        if declared.is_some_and(|length| length > limit) {
            return Err(too_large);
        }
        let headers = std::mem::take(response.headers_mut());
        // Not all of a declared length at once: a server may declare much and send little.
        let mut body = Vec::with_capacity(declared.unwrap_or(0).min(1 << 20) as usize);
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        let body = match String::from_utf8(body) {
            Ok(text) => text,
            // An error's text is shown as it can be; a success body is data, reported.
            Err(e) if (200..300).contains(&status) => {
                let valid_up_to = e.utf8_error().valid_up_to();
                let body = String::from_utf8_lossy(e.as_bytes()).into_owned();
                return Err(Fault::Failure(Failure::NotUtf8 { valid_up_to, body }));
            }
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// Whether `url` is on the configured endpoint's scheme, host and port.
    fn is_origin(&self, url: &reqwest::Url) -> bool {
        url.scheme() == self.origin.scheme()
            && url.host_str() == self.origin.host_str()
            && url.port_or_known_default() == self.origin.port_or_known_default()
    }

    /// Records an exchange in the call's span and shows it to the `after_receive` hooks.
    fn observe<P: Protocol>(
        &self,
        request: &Request,
        prepared: &PreparedRequest,
        attempt: u32,
        answer: &Result<Response, Fault>,
        sent_at: Instant,
        span: &tracing::Span,
    ) {
        let answered = answer.as_ref().ok();
        if let Some(response) = answered {
            span.record("status", response.status);
            if let Some(id) = header(&response.headers, P::REQUEST_ID) {
                span.record("query_id", id);
            }
        }
        if self.hooks.after_receive.is_empty() {
            return;
        }
        let operation = request.operation();
        let exchange = Exchange {
            operation: &operation,
            url: &prepared.url,
            attempt,
            status: answered.map(|r| r.status),
            headers: answered.map(|r| &r.headers),
            elapsed: sent_at.elapsed(),
        };
        for hook in &self.hooks.after_receive {
            hook(&exchange);
        }
    }
}

/// The refusal of an answer that is a redirect (never followed).
fn redirect(response: &Response) -> Option<Failure> {
    (300..400)
        .contains(&response.status)
        .then(|| Failure::Redirect {
            status: response.status,
            location: header(&response.headers, "Location").map(str::to_owned),
        })
}

/// A header's value, if it is text.
pub fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name)?.to_str().ok()
}

/// A request's body as sent: a whole JSON text, or its fields gathered into one object.
pub fn body_text(request: &Request) -> Option<Cow<'_, str>> {
    match &request.body {
        None => None,
        Some(crate::Body::Json(json)) => Some(Cow::Borrowed(json)),
        Some(crate::Body::Fields(fields)) => Some(Cow::Owned(
            serde_json::to_string(fields).expect("a JSON map serializes"),
        )),
    }
}
