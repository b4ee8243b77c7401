//! The HTTP client: configuration, the request pipeline (rate limit, sign, send, retry) and
//! decoding.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::{signature, system_clock, Auth, LocalClock, OAuth2, ServerClock};
use crate::call::{Body, Request};
use crate::codec::split_path;
use crate::config::{Credentials, ResolvedConfig, Settings};
use crate::deviation::{Deviation, DeviationCounter, ResponseMode};
use crate::endpoint::{self, ResolvedEndpoint};
use crate::rate_limit::RateLimiter;
use crate::retry::{Outcome, RetryPolicy};
use crate::types::Password;

use crate::{Branch, Error, Method, Result};

/// An OVHcloud API client. Cheap to clone: clones share connections, the clock offset, the
/// OAuth2 token and the rate limit.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    endpoint: ResolvedEndpoint,
    auth: Auth,
    clock: ServerClock,
    retry: RetryPolicy,
    limiter: RateLimiter,
    pin_schemas_version: bool,
    response_mode: ResponseMode,
    deviations: DeviationCounter,
    traffic: Traffic,
    /// The limit of one exchange set on the builder for a client the user brought; `None` for
    /// ours, whose own timeout is that limit, and when the user's client has its own.
    request_timeout: Option<Duration>,
    hooks: Hooks,
    recorder: Option<crate::AccessRecorder>,
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

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("before_send", &self.before_send.len())
            .field("after_receive", &self.after_receive.len())
            .finish()
    }
}

/// One exchange, as an [`after_receive`](ClientBuilder::after_receive) hook sees it. Holds no
/// secret: no signature, no consumer key, no token.
#[derive(Debug)]
#[non_exhaustive]
pub struct Exchange<'a> {
    /// `GET /me/bill/{billId}`.
    pub operation: &'a str,
    /// The URL sent, query string included.
    pub url: &'a str,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// `None` when no answer came (connection error, timeout).
    pub status: Option<u16>,
    pub headers: Option<&'a HeaderMap>,
    pub elapsed: Duration,
}

/// Requests sent and retried by a client and its clones, for summaries (`ovhcloud export`).
#[derive(Debug, Default)]
pub struct Traffic {
    sent: std::sync::atomic::AtomicU64,
    retried: std::sync::atomic::AtomicU64,
}

impl Traffic {
    /// Requests sent, retries included.
    pub fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Requests sent again after a failure.
    pub fn retried(&self) -> u64 {
        self.retried.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count(counter: &std::sync::atomic::AtomicU64) {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Configures a [`Client`]. Values given here win over the environment and `ovh.conf`
/// (see [`Client::from_env`]).
///
/// `C` is what [`build`](Self::build) returns: this crate's [`Client`], or the client of a
/// generated crate wrapping it (`ovhcloud::Client`, where the API accessors live).
pub struct ClientBuilder<C = Client> {
    options: Options,
    output: PhantomData<fn() -> C>,
}

/// What a [`ClientBuilder`] was told, whatever client it builds: kept apart so that building is
/// compiled once, not once per client type.
struct Options {
    settings: Settings,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    limiter: Option<RateLimiter>,
    pin_schemas_version: bool,
    response_mode: ResponseMode,
    server_time_offset: Option<i64>,
    clock: Option<LocalClock>,
    user_agent: Option<String>,
    use_environment: bool,
    oauth2_token_url: Option<String>,
    product: &'static str,
    http: Option<reqwest::Client>,
    hooks: Hooks,
    recorder: Option<crate::AccessRecorder>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            settings: Settings::default(),
            timeout: None,
            connect_timeout: None,
            retry: None,
            limiter: None,
            pin_schemas_version: false,
            response_mode: ResponseMode::default(),
            server_time_offset: None,
            clock: None,
            user_agent: None,
            use_environment: false,
            oauth2_token_url: None,
            product: concat!("ovhcloud-runtime/", env!("CARGO_PKG_VERSION")),
            http: None,
            hooks: Hooks::default(),
            recorder: None,
        }
    }
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder {
            options: Options::default(),
            output: PhantomData,
        }
    }
}

impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("settings", &self.options.settings)
            .field("timeout", &self.options.timeout)
            .finish_non_exhaustive()
    }
}

impl<C: From<Client>> ClientBuilder<C> {
    /// The product token the `User-Agent` starts with (`ovhcloud-rust/0.2.0`): the crate users
    /// depend on names itself.
    #[doc(hidden)]
    pub fn product(mut self, product: &'static str) -> Self {
        self.options.product = product;
        self
    }

    /// A named endpoint (`ovh-eu`, `ovh-ca`, `ovh-us`, `kimsufi-eu`, `soyoustart-ca`,
    /// `ovhcloud-eu`, …) or a base URL (`https://eu.api.ovh.com/1.0`, `http://127.0.0.1:8080`).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.options.settings.endpoint = Some(endpoint.into());
        self
    }

    /// Signs calls with an application key and secret and a consumer key.
    pub fn application(
        mut self,
        application_key: impl Into<String>,
        application_secret: impl Into<String>,
        consumer_key: impl Into<String>,
    ) -> Self {
        self.options.settings.application_key = Some(application_key.into());
        self.options.settings.application_secret = Some(Password::new(application_secret));
        self.options.settings.consumer_key = Some(Password::new(consumer_key));
        self
    }

    /// An application without a consumer key yet: for unauthenticated calls and
    /// [`CredentialRequest`](crate::CredentialRequest).
    pub fn application_without_consumer_key(
        mut self,
        application_key: impl Into<String>,
        application_secret: impl Into<String>,
    ) -> Self {
        self.options.settings.application_key = Some(application_key.into());
        self.options.settings.application_secret = Some(Password::new(application_secret));
        self
    }

    /// Authenticates as a service account (OAuth2 client credentials).
    pub fn oauth2(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.options.settings.client_id = Some(client_id.into());
        self.options.settings.client_secret = Some(Password::new(client_secret));
        self
    }

    /// The OAuth2 token URL, for an endpoint given as a URL the table does not know.
    pub fn oauth2_token_url(mut self, url: impl Into<String>) -> Self {
        self.options.oauth2_token_url = Some(url.into());
        self
    }

    /// Also read `OVH_*` variables and `ovh.conf` files for whatever was not given here.
    pub fn from_env(mut self) -> Self {
        self.options.use_environment = true;
        self
    }

    /// Limit for a whole request, retries excluded (default 180 s, as python-ovh).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Limit for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.options.connect_timeout = Some(timeout);
        self
    }

    /// Sends through your own `reqwest::Client` (proxies, TLS roots, pools). Its timeouts are
    /// kept: the client adds none of its own, unless [`timeout`](Self::timeout) is set here
    /// too (then each exchange is limited by it); [`connect_timeout`](Self::connect_timeout)
    /// does not apply.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.options.http = Some(client);
        self
    }

    /// Calls `hook` with each call's request before it is signed, to observe or change it
    /// (add a header, rewrite the query). Called once per call, not per retry.
    pub fn before_send(mut self, hook: impl Fn(&mut Request) + Send + Sync + 'static) -> Self {
        self.options.hooks.before_send.push(Arc::new(hook));
        self
    }

    /// Records every operation the client calls into `recorder`, for least-privilege
    /// credentials (see [`AccessRecorder`](crate::AccessRecorder)).
    pub fn record_access(mut self, recorder: &crate::AccessRecorder) -> Self {
        self.options.recorder = Some(recorder.clone());
        self
    }

    /// Calls `hook` after every exchange (each attempt, each page), answered or not.
    pub fn after_receive(mut self, hook: impl Fn(&Exchange<'_>) + Send + Sync + 'static) -> Self {
        self.options.hooks.after_receive.push(Arc::new(hook));
        self
    }

    /// How failed calls are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    /// Client-side rate limit (default 20 requests per second, OVH's documented limit).
    pub fn rate_limit(mut self, limiter: RateLimiter) -> Self {
        self.options.limiter = Some(limiter);
        self
    }

    /// Sends `X-Schemas-Version` on v2 calls: the version of the schema each API was generated
    /// from, so responses keep the shape the types were made for.
    pub fn pin_schemas_version(mut self) -> Self {
        self.options.pin_schemas_version = true;
        self
    }

    /// The API clock's offset from the local clock, in seconds, when known: `/auth/time` is
    /// then not called.
    /// Fail every call whose response differs from its schema ([`Error::Deviations`]) instead
    /// of correcting and reporting it; for testing a service against its schema. One call can
    /// choose otherwise with [`Call::strict`](crate::Call::strict) /
    /// [`Call::tolerant`](crate::Call::tolerant).
    pub fn strict_responses(mut self) -> Self {
        self.options.response_mode = ResponseMode::Strict;
        self
    }

    pub fn server_time_offset(mut self, seconds: i64) -> Self {
        self.options.server_time_offset = Some(seconds);
        self
    }

    /// Replaces the local clock (seconds since the epoch); for tests.
    #[doc(hidden)]
    pub fn local_clock(mut self, clock: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.options.clock = Some(Arc::new(clock));
        self
    }

    /// Appended to the `User-Agent` (`ovhcloud-rust/0.1.0 (<extra>)`).
    pub fn user_agent_extra(mut self, extra: impl Into<String>) -> Self {
        self.options.user_agent = Some(extra.into());
        self
    }

    pub fn build(self) -> Result<C> {
        self.options.build().map(C::from)
    }
}

impl Options {
    // Not generic: compiled here, not in each crate that wraps the client.
    fn build(self) -> Result<Client> {
        let resolved = if self.use_environment {
            crate::config::resolve(&self.settings)?
        } else {
            crate::config::resolve_with(&self.settings, |_| None, &[])?
        };
        let ResolvedConfig {
            endpoint,
            credentials,
            ..
        } = resolved;
        let mut endpoint = endpoint::resolve(&endpoint).map_err(Error::Config)?;
        if let Some(url) = self.oauth2_token_url {
            endpoint.oauth2_token_url = Some(url);
        }
        let auth = match credentials {
            Credentials::None => Auth::None,
            Credentials::Application {
                application_key,
                application_secret,
                consumer_key,
            } => Auth::Application {
                application_key,
                application_secret,
                consumer_key,
            },
            Credentials::OAuth2 {
                client_id,
                client_secret,
            } => {
                let token_url = endpoint.oauth2_token_url.clone().ok_or_else(|| {
                    Error::Config(format!(
                        "the endpoint {} does not accept OAuth2 service accounts",
                        endpoint.root
                    ))
                })?;
                Auth::OAuth2(OAuth2::new(client_id, client_secret, token_url))
            }
        };
        let mut agent = self.product.to_owned();
        if let Some(extra) = &self.user_agent {
            agent.push_str(&format!(" ({extra})"));
        }
        let (http, request_timeout) = match self.http {
            Some(http) => (http, self.timeout),
            None => {
                let http = reqwest::Client::builder()
                    .timeout(self.timeout.unwrap_or(Duration::from_secs(180)))
                    .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
                    .user_agent(agent)
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
                (http, None)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint,
                auth,
                clock: ServerClock::new(
                    self.clock.unwrap_or_else(system_clock),
                    self.server_time_offset,
                ),
                retry: self.retry.unwrap_or_default(),
                limiter: self.limiter.unwrap_or_default(),
                pin_schemas_version: self.pin_schemas_version,
                response_mode: self.response_mode,
                deviations: DeviationCounter::default(),
                traffic: Traffic::default(),
                request_timeout,
                hooks: self.hooks,
                recorder: self.recorder,
            }),
        })
    }
}

/// A request ready to go: the exact URL, headers and body, signed.
#[derive(Clone)]
pub struct PreparedRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The signature is not a secret, the consumer key and bearer token are.
        let headers: Vec<_> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let secret = k.eq_ignore_ascii_case("X-Ovh-Consumer")
                    || k.eq_ignore_ascii_case("Authorization");
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

/// What came back from one successful exchange.
pub(crate) struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `OVH_*` environment variables and `ovh.conf` files.
    pub fn from_env() -> Result<Client> {
        Client::builder().from_env().build()
    }

    /// How many requests were sent and retried since the client was built (shared by its
    /// clones).
    pub fn traffic(&self) -> &Traffic {
        &self.inner.traffic
    }

    /// How many responses differed from their schema, by kind, since the client was built
    /// (shared by its clones); see [`crate::deviation`].
    pub fn deviations(&self) -> &DeviationCounter {
        &self.inner.deviations
    }

    /// `https://eu.api.ovh.com`: scheme and host of the API.
    pub fn root_url(&self) -> &str {
        &self.inner.endpoint.root
    }

    fn url(&self, request: &Request) -> String {
        let prefix = match request.branch {
            Branch::V1 => "/1.0",
            Branch::V2 => "/v2",
        };
        format!(
            "{}{prefix}{}",
            self.inner.endpoint.root,
            request.path_and_query()
        )
    }

    /// Reads the API clock once (`GET /auth/time`, unauthenticated) and returns the offset.
    async fn server_offset(&self, application_key: &str) -> Result<i64> {
        if let Some(offset) = self.inner.clock.offset() {
            return Ok(offset);
        }
        let url = format!("{}/1.0/auth/time", self.inner.endpoint.root);
        let operation = "GET /auth/time";
        self.inner.limiter.acquire().await;
        let response = self
            .inner
            .http
            .get(&url)
            .header("X-Ovh-Application", application_key)
            .send()
            .await
            .map_err(|e| Error::transport(operation, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response
            .text()
            .await
            .map_err(|e| Error::transport(operation, e))?;
        if status != 200 {
            return Err(api_error(operation.to_owned(), status, &headers, text));
        }
        let server: i64 = serde_json::from_str(text.trim())
            .map_err(|e| decode_error(operation, &headers, &text, &e.to_string()))?;
        self.inner.clock.set_server_time(server);
        Ok(self.inner.clock.offset().unwrap_or_default())
    }

    /// Builds the exact request a [`Call`](crate::Call) sends — URL, headers, body — signing it
    /// when it needs authentication. Useful to inspect or replay a call.
    pub async fn prepare(&self, request: &Request) -> Result<PreparedRequest> {
        self.prepare_page(request, None).await
    }

    async fn prepare_page(
        &self,
        request: &Request,
        cursor: Option<&str>,
    ) -> Result<PreparedRequest> {
        let url = self.url(request);
        let body = match &request.body {
            None => String::new(),
            Some(Body::Json(json)) => json.clone(),
            Some(Body::Fields(fields)) => {
                serde_json::to_string(fields).expect("a JSON map serializes")
            }
        };
        let mut headers: Vec<(String, String)> = vec![("Accept".into(), "application/json".into())];
        if !body.is_empty() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        // A cursor from the pager replaces one the caller set for the first page.
        let replaced = |k: &str| cursor.is_some() && k.eq_ignore_ascii_case("X-Pagination-Cursor");
        headers.extend(
            request
                .headers
                .iter()
                .filter(|(k, _)| !replaced(k))
                .map(|(k, v)| (k.to_string(), v.clone())),
        );
        if let Some(cursor) = cursor {
            headers.push(("X-Pagination-Cursor".into(), cursor.to_owned()));
        }
        let pin = self.inner.pin_schemas_version || request.pin_schemas_version;
        if let (true, Some(version)) = (pin, request.schemas_version) {
            headers.push(("X-Schemas-Version".into(), version.to_owned()));
        }
        match &self.inner.auth {
            Auth::None => {
                if request.authenticated {
                    return Err(Error::Config(format!(
                        "{} needs authentication, and the client has no credentials",
                        request.operation()
                    )));
                }
            }
            Auth::Application {
                application_key,
                application_secret,
                consumer_key,
            } => {
                headers.push(("X-Ovh-Application".into(), application_key.clone()));
                if request.authenticated {
                    let consumer_key = consumer_key.as_ref().ok_or_else(|| {
                        Error::Config(format!(
                            "{} needs a consumer key; request one with CredentialRequest",
                            request.operation()
                        ))
                    })?;
                    let offset = self.server_offset(application_key).await?;
                    let ts = self.inner.clock.timestamp(offset);
                    let sig = signature(
                        application_secret.expose_secret(),
                        consumer_key.expose_secret(),
                        request.method.as_str(),
                        &url,
                        &body,
                        ts,
                    );
                    headers.push((
                        "X-Ovh-Consumer".into(),
                        consumer_key.expose_secret().to_owned(),
                    ));
                    headers.push(("X-Ovh-Timestamp".into(), ts.to_string()));
                    headers.push(("X-Ovh-Signature".into(), sig));
                }
            }
            Auth::OAuth2(oauth) => {
                if request.authenticated {
                    let token = oauth.access_token(&self.inner.http).await?;
                    headers.push((
                        "Authorization".into(),
                        format!("Bearer {}", token.expose_secret()),
                    ));
                }
            }
        }
        Ok(PreparedRequest {
            method: request.method,
            url,
            headers,
            body,
        })
    }

    async fn send_prepared(
        &self,
        prepared: &PreparedRequest,
        timeout: Option<Duration>,
    ) -> std::result::Result<(u16, HeaderMap, String), reqwest::Error> {
        let mut builder = self
            .inner
            .http
            .request(prepared.method.to_http(), &prepared.url);
        if let Some(timeout) = timeout {
            builder = builder.timeout(timeout);
        }
        for (k, v) in &prepared.headers {
            builder = builder.header(k, v);
        }
        if !prepared.body.is_empty() {
            builder = builder.body(prepared.body.clone());
        }
        crate::receive(builder).await
    }

    /// One exchange with the API, through the hooks, the rate limiter, re-signing and retrying
    /// as the policy allows, in a `tracing` span `ovhcloud.call` (method, path template, status,
    /// attempts, query id, duration): with a subscriber, a trace per call.
    pub(crate) async fn send(&self, request: &Request, cursor: Option<&str>) -> Result<Response> {
        use tracing::field::Empty;
        use tracing::Instrument;
        let span = tracing::info_span!(
            "ovhcloud.call",
            method = request.method.as_str(),
            path = request.template,
            status = Empty,
            attempts = Empty,
            query_id = Empty,
            duration_ms = Empty,
        );
        let start = std::time::Instant::now();
        if let Some(recorder) = &self.inner.recorder {
            recorder.record(request);
        }
        let hooked;
        let request = if self.inner.hooks.before_send.is_empty() {
            request
        } else {
            let mut changed = request.clone();
            for hook in &self.inner.hooks.before_send {
                hook(&mut changed);
            }
            hooked = changed;
            &hooked
        };
        let result = self
            .attempts(request, cursor, &span)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", start.elapsed().as_millis() as u64);
        result
    }

    async fn attempts(
        &self,
        request: &Request,
        cursor: Option<&str>,
        span: &tracing::Span,
    ) -> Result<Response> {
        let operation = request.operation();
        let policy = request.retry.as_ref().unwrap_or(&self.inner.retry);
        let timeout = request.timeout.or(self.inner.request_timeout);
        let mut attempt = 0;
        let mut clock_resynced = false;
        let mut token_refreshed = false;
        loop {
            attempt += 1;
            span.record("attempts", attempt);
            self.inner.limiter.acquire().await;
            let prepared = self.prepare_page(request, cursor).await?;
            Traffic::count(&self.inner.traffic.sent);
            let sent_at = std::time::Instant::now();
            let answer = self.send_prepared(&prepared, timeout).await;
            self.observe(&operation, &prepared, attempt, &answer, sent_at, span);
            let (outcome, error) = match answer {
                Ok((status, headers, body)) if (200..300).contains(&status) => {
                    return Ok(Response {
                        status,
                        headers,
                        body,
                    })
                }
                Ok((status, headers, body)) => {
                    let retry_after = headers
                        .get("Retry-After")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let error = api_error(operation.clone(), status, &headers, body);
                    if !clock_resynced
                        && is_timestamp_error(&error)
                        && matches!(self.inner.auth, Auth::Application { .. })
                    {
                        // Our clock drifted from the API's: read it again, then retry once.
                        clock_resynced = true;
                        self.inner.clock.reset();
                        tracing::warn!(operation = %operation, "timestamp refused; reading /auth/time again");
                        continue;
                    }
                    if let (Auth::OAuth2(oauth), 401, false) =
                        (&self.inner.auth, status, token_refreshed)
                    {
                        token_refreshed = true;
                        oauth.invalidate().await;
                        continue;
                    }
                    (Failure::Status(status, retry_after), error)
                }
                Err(e) => (
                    Failure::Transport(Outcome::from_reqwest(&e)),
                    Error::transport(&operation, e),
                ),
            };
            let outcome = match &outcome {
                Failure::Status(status, retry_after) => Outcome::Status {
                    status: *status,
                    retry_after: retry_after.as_deref(),
                },
                Failure::Transport(outcome) => *outcome,
            };
            if !policy.pause(attempt, request, &operation, &outcome).await {
                return Err(error);
            }
            Traffic::count(&self.inner.traffic.retried);
        }
    }

    /// Records an exchange in the call's span and shows it to the `after_receive` hooks.
    fn observe(
        &self,
        operation: &str,
        prepared: &PreparedRequest,
        attempt: u32,
        answer: &std::result::Result<(u16, HeaderMap, String), reqwest::Error>,
        sent_at: std::time::Instant,
        span: &tracing::Span,
    ) {
        let (status, headers) = match answer {
            Ok((status, headers, _)) => (Some(*status), Some(headers)),
            Err(_) => (None, None),
        };
        if let Some(status) = status {
            span.record("status", status);
        }
        if let Some(id) = headers.and_then(query_id) {
            span.record("query_id", id.as_str());
        }
        let exchange = Exchange {
            operation,
            url: &prepared.url,
            attempt,
            status,
            headers,
            elapsed: sent_at.elapsed(),
        };
        for hook in &self.inner.hooks.after_receive {
            hook(&exchange);
        }
    }

    /// The response to a request; for a paged operation without an explicit cursor, every page
    /// as one JSON list.
    pub(crate) async fn fetch(&self, request: &Request) -> Result<Response> {
        let explicit_cursor = request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("X-Pagination-Cursor"));
        if !request.paginated || explicit_cursor {
            return self.send(request, None).await;
        }
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let response = self.send(request, cursor.as_deref()).await?;
            // Each page must be a list; its items are decoded with the others.
            self.decode::<Vec<serde::de::IgnoredAny>>(request, &response)?;
            cursor = next_cursor(&response);
            pages.push(response.body);
            if cursor.is_none() {
                break;
            }
        }
        // Decoded once as one list, so that paths index the whole list.
        Ok(Response {
            status: 200,
            headers: HeaderMap::new(),
            body: joined_lists(&pages),
        })
    }

    /// One page of a v2 list, and the cursor of the next page if there is one.
    pub(crate) async fn page<T: DeserializeOwned>(
        &self,
        request: &Request,
        cursor: Option<&str>,
    ) -> Result<(Vec<T>, Option<String>)> {
        let response = self.send(request, cursor).await?;
        let (page, _) = self.decode(request, &response)?;
        Ok((page, next_cursor(&response)))
    }

    /// Decodes a response body as its operation's type, tolerantly or strictly as the call and
    /// client say; every deviation is logged and counted.
    pub(crate) fn decode<R: DeserializeOwned>(
        &self,
        request: &Request,
        response: &Response,
    ) -> Result<(R, Vec<Deviation>)> {
        let (value, deviations) = crate::codec::decode_body::<R>(&response.body, request.ids_from)
            .map_err(|e| {
                decode_error(&request.operation(), &response.headers, &response.body, &e)
            })?;
        Ok((value, self.report(request, response, deviations)?))
    }

    /// Like [`decode`](Self::decode), for items already parsed (a page of an expanded listing made
    /// here from items fetched one by one).
    pub(crate) fn check<R: DeserializeOwned>(
        &self,
        request: &Request,
        response: &Response,
        value: Value,
    ) -> Result<(R, Vec<Deviation>)> {
        let (value, deviations) = crate::codec::decode_value::<R>(value, request.ids_from)
            .map_err(|e| {
                decode_error(&request.operation(), &response.headers, &response.body, &e)
            })?;
        Ok((value, self.report(request, response, deviations)?))
    }

    /// Logs and counts the deviations of a decoded answer, and refuses them in strict mode.
    fn report(
        &self,
        request: &Request,
        response: &Response,
        deviations: Vec<Deviation>,
    ) -> Result<Vec<Deviation>> {
        let operation = request.operation();
        for deviation in &deviations {
            self.inner.deviations.record(deviation.kind);
            tracing::warn!(
                target: "ovhcloud::deviation",
                operation = %operation,
                path = %deviation.path,
                kind = %deviation.kind,
                expected = %deviation.expected,
                "response differs from the schema"
            );
        }
        let mode = request.response_mode.unwrap_or(self.inner.response_mode);
        if mode == ResponseMode::Strict && !deviations.is_empty() {
            return Err(Error::Deviations {
                operation,
                deviations,
                query_id: query_id(&response.headers),
                body: response.body.clone(),
            });
        }
        Ok(deviations)
    }
}

/// The JSON lists `pages` (each checked to be one) as one list.
fn joined_lists(pages: &[String]) -> String {
    let items = pages.iter().filter_map(|page| {
        let inner = page.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
        (!inner.is_empty()).then_some(inner)
    });
    format!("[{}]", items.collect::<Vec<_>>().join(","))
}

fn next_cursor(response: &Response) -> Option<String> {
    response
        .headers
        .get("X-Pagination-Cursor-Next")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Why one attempt failed, kept for the retry decision.
enum Failure {
    Status(u16, Option<String>),
    Transport(Outcome<'static>),
}

/// OVH answers a signature made with a stale clock with an error naming the timestamp.
fn is_timestamp_error(error: &Error) -> bool {
    match error {
        Error::Api {
            status: 400..=403,
            error_code,
            message,
            ..
        } => {
            error_code
                .as_deref()
                .is_some_and(|c| c.contains("TIMESTAMP") || c == "QUERY_TIME_OUT")
                || message.to_ascii_lowercase().contains("timestamp")
        }
        _ => false,
    }
}

fn query_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("X-Ovh-QueryID")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn decode_error(operation: &str, headers: &HeaderMap, body: &str, full: &str) -> Error {
    // serde_json appends the position; the JSON path is what a reader needs.
    let message = full.rsplit_once(" at line ").map_or(full, |(m, _)| m);
    let (path, message) = split_path(message).unwrap_or(("", message));
    Error::Decode {
        operation: operation.to_owned(),
        path: path.to_owned(),
        message: message.to_owned(),
        query_id: query_id(headers),
        body: body.to_owned(),
    }
}

fn api_error(operation: String, status: u16, headers: &HeaderMap, body: String) -> Error {
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Error::Api {
        operation,
        status,
        class: field("class"),
        error_code: field("errorCode"),
        message: field("message").unwrap_or_else(|| body.chars().take(200).collect()),
        query_id: query_id(headers),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug() {
        let c = Client::builder()
            .endpoint("ovh-eu")
            .application("AK", "very-secret", "consumer-secret")
            .build()
            .unwrap();
        let debug = format!("{c:?}");
        assert!(debug.contains("AK"));
        assert!(
            !debug.contains("very-secret") && !debug.contains("consumer-secret"),
            "{debug}"
        );
        let c = Client::builder()
            .endpoint("ovh-ca")
            .oauth2("id", "oauth-secret")
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("oauth-secret"));
    }

    #[test]
    fn oauth2_needs_an_endpoint_that_accepts_it() {
        let err = Client::builder()
            .endpoint("kimsufi-eu")
            .oauth2("id", "secret")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("OAuth2"), "{err}");
    }

    #[test]
    fn timestamp_errors_are_recognised() {
        let e = api_error(
            "GET /me".into(),
            400,
            &HeaderMap::new(),
            r#"{"message":"Invalid timestamp"}"#.into(),
        );
        assert!(is_timestamp_error(&e));
        let e = api_error(
            "GET /me".into(),
            403,
            &HeaderMap::new(),
            r#"{"errorCode":"INVALID_SIGNATURE","message":"Invalid signature"}"#.into(),
        );
        assert!(!is_timestamp_error(&e));
    }
}
