//! The OVHcloud client: configuration, OVH's protocol on the shared [`Pipeline`] (the URL of
//! each branch, signing, the clock, OAuth2, OVH's errors) and decoding.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::{signature, system_clock, Auth, LocalClock, OAuth2, ServerClock};
use crate::call::Request;
use crate::codec::split_path;
use crate::config::{Credentials, ResolvedConfig, Settings};
use crate::deviation::{Deviation, DeviationCounter, ResponseMode};
use crate::endpoint::{self, ResolvedEndpoint};
use crate::pipeline::{
    body_text, header, Exchange, Failure, Pipeline, PipelineDefaults, PipelineOptions,
    PreparedRequest, Protocol, Response, Traffic,
};
use crate::rate_limit::RateLimiter;
use crate::retry::RetryPolicy;
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
    pipeline: Pipeline,
    endpoint: ResolvedEndpoint,
    auth: Auth,
    clock: ServerClock,
    pin_schemas_version: bool,
    response_mode: ResponseMode,
    deviations: DeviationCounter,
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
    pipeline: PipelineOptions,
    pin_schemas_version: bool,
    response_mode: ResponseMode,
    server_time_offset: Option<i64>,
    clock: Option<LocalClock>,
    user_agent: Option<String>,
    use_environment: bool,
    oauth2_token_url: Option<String>,
    product: &'static str,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            settings: Settings::default(),
            pipeline: PipelineOptions::default(),
            pin_schemas_version: false,
            response_mode: ResponseMode::default(),
            server_time_offset: None,
            clock: None,
            user_agent: None,
            use_environment: false,
            oauth2_token_url: None,
            product: concat!("ovhcloud-runtime/", env!("CARGO_PKG_VERSION")),
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
            .field("pipeline", &self.options.pipeline)
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

    /// Limit for one attempt — connecting, sending, and reading the whole answer — (default
    /// 180 s, as python-ovh). A slow answer counts: a body trickled byte by byte ends with
    /// [`Error::Timeout`] when this passes. See [`deadline`](Self::deadline) for the whole call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.pipeline.timeout(timeout);
        self
    }

    /// Limit for a whole call: every attempt, the waits for the rate limiter and between
    /// retries, reading every body (default: none, the attempts' limits and the retry policy
    /// bound it). When it passes, the call ends at once with [`Error::Timeout`], naming the
    /// attempts made and the time spent; a retry that would start after it is not made.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.options.pipeline.deadline(deadline);
        self
    }

    /// The largest answer body accepted, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_SIZE`](crate::pipeline::DEFAULT_MAX_RESPONSE_SIZE), 64 MiB). A
    /// longer answer ends the call with [`Error::TooLarge`] after reading at most this much.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.options.pipeline.max_response_size(bytes);
        self
    }

    /// Limit for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.options.pipeline.connect_timeout(timeout);
        self
    }

    /// Builds the HTTP client from your own `reqwest::ClientBuilder` (proxies, TLS roots,
    /// pools). Its timeouts are kept: the client adds none of its own, unless
    /// [`timeout`](Self::timeout) is set here too; [`connect_timeout`](Self::connect_timeout)
    /// does not apply. Its redirect policy is replaced: redirects are never followed, so that
    /// credentials only ever go to the configured endpoint (see [`Error::Redirect`]).
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.options.pipeline.http_client(builder);
        self
    }

    /// Calls `hook` with each call's request before it is signed, to observe or change it
    /// (add a header, rewrite the query). Called once per call, not per retry.
    pub fn before_send(mut self, hook: impl Fn(&mut Request) + Send + Sync + 'static) -> Self {
        self.options.pipeline.before_send(Arc::new(hook));
        self
    }

    /// Records every operation the client calls into `recorder`, for least-privilege
    /// credentials (see [`AccessRecorder`](crate::AccessRecorder)).
    pub fn record_access(mut self, recorder: &crate::AccessRecorder) -> Self {
        self.options.pipeline.record_access(recorder);
        self
    }

    /// Calls `hook` after every exchange (each attempt, each page), answered or not; an attempt
    /// the call's deadline cuts off is not shown.
    pub fn after_receive(mut self, hook: impl Fn(&Exchange<'_>) + Send + Sync + 'static) -> Self {
        self.options.pipeline.after_receive(Arc::new(hook));
        self
    }

    /// How failed calls are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.pipeline.retry(policy);
        self
    }

    /// Client-side rate limit (default 20 requests per second, OVH's documented limit).
    pub fn rate_limit(mut self, limiter: RateLimiter) -> Self {
        self.options.pipeline.rate_limit(limiter);
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
        let defaults = PipelineDefaults {
            timeout: Duration::from_secs(180),
            limiter: RateLimiter::default(),
            user_agent: agent,
        };
        let pipeline = self
            .pipeline
            .build(&endpoint.root, defaults)
            .map_err(Error::Config)?;
        Ok(Client {
            inner: Arc::new(Inner {
                pipeline,
                endpoint,
                auth,
                clock: ServerClock::new(
                    self.clock.unwrap_or_else(system_clock),
                    self.server_time_offset,
                ),
                pin_schemas_version: self.pin_schemas_version,
                response_mode: self.response_mode,
                deviations: DeviationCounter::default(),
            }),
        })
    }
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
        self.inner.pipeline.traffic()
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
        let operation = "GET /auth/time";
        let prepared = PreparedRequest {
            method: Method::Get,
            url: format!("{}/1.0/auth/time", self.inner.endpoint.root),
            headers: vec![("X-Ovh-Application".into(), application_key.to_owned())],
            body: String::new(),
        };
        let Response {
            status,
            headers,
            body: text,
        } = match self.inner.pipeline.once(&prepared).await {
            Ok(response) => response,
            Err(failure) => return Err(failure_error(operation, failure)),
        };
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
        let body = body_text(request)
            .map(|b| b.into_owned())
            .unwrap_or_default();
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
        let ovh = OvhRequest::of(request);
        let pin = self.inner.pin_schemas_version
            || request.extensions.get::<PinSchemasVersion>().is_some();
        if let (true, Some(version)) = (pin, ovh.schemas_version) {
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
                    let token = oauth
                        .access_token(
                            self.inner.pipeline.http(),
                            self.inner.pipeline.attempt_timeout(),
                        )
                        .await?;
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

    /// One call through the pipeline (see [`crate::pipeline`]), in a `tracing` span
    /// `ovhcloud.call` (method, path template, status, attempts, query id, duration): with a
    /// subscriber, a trace per call.
    pub(crate) async fn send(
        &self,
        request: &Request,
        cursor: Option<&str>,
        started: Instant,
    ) -> Result<Response> {
        self.inner
            .pipeline
            .send(self, request, cursor, started)
            .await
    }

    /// The response to a request; for a paged operation without an explicit cursor, every page
    /// as one JSON list.
    pub(crate) async fn fetch(&self, request: &Request) -> Result<Response> {
        let explicit_cursor = request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("X-Pagination-Cursor"));
        let started = Instant::now();
        if !OvhRequest::of(request).paginated || explicit_cursor {
            return self.send(request, None, started).await;
        }
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            // One deadline for the whole list.
            let response = self.send(request, cursor.as_deref(), started).await?;
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
        started: Instant,
    ) -> Result<(Vec<T>, Option<String>)> {
        let response = self.send(request, cursor, started).await?;
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
        let (value, deviations) =
            crate::codec::decode_body::<R>(&response.body, OvhRequest::of(request).ids_from)
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
        let (value, deviations) =
            crate::codec::decode_value::<R>(value, OvhRequest::of(request).ids_from).map_err(
                |e| decode_error(&request.operation(), &response.headers, &response.body, &e),
            )?;
        Ok((value, self.report(request, response, deviations)?))
    }

    /// Logs and counts the deviations of a decoded answer, and refuses them in strict mode.
    fn report(
        &self,
        request: &Request,
        response: &Response,
        deviations: Vec<Deviation>,
    ) -> Result<Vec<Deviation>> {
        if deviations.is_empty() {
            return Ok(deviations);
        }
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
        if mode == ResponseMode::Strict {
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
    header(&response.headers, "X-Pagination-Cursor-Next").map(str::to_owned)
}

/// The error of a call that ended without a usable answer.
fn failure_error(operation: &str, failure: Failure) -> Error {
    let operation = operation.to_owned();
    match failure {
        Failure::Timeout { attempts, elapsed } => Error::Timeout {
            operation,
            attempts,
            elapsed,
        },
        Failure::Transport(source) => Error::Transport { operation, source },
        Failure::TooLarge { limit } => Error::TooLarge { operation, limit },
        Failure::Redirect { status, location } => Error::Redirect {
            operation,
            status,
            location,
        },
        Failure::OffOrigin { url } => Error::Config(format!(
            "{operation}: {url} is not on the configured endpoint; nothing was sent"
        )),
        Failure::NotUtf8 { valid_up_to, body } => Error::Decode {
            operation,
            path: String::new(),
            message: format!("the answer is not UTF-8 (from byte {valid_up_to})"),
            query_id: None,
            body,
        },
    }
}

/// OVHcloud's part of a request, in its slot of [`Request::extensions`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OvhRequest {
    /// The `X-Schemas-Version` of the schema the operation was generated from (v2).
    pub schemas_version: Option<&'static str>,
    /// The operation takes `X-Pagination-Cursor`: follow `X-Pagination-Cursor-Next`.
    pub paginated: bool,
    /// A v1 list of ids: the member holding the id when the API answers with whole objects.
    pub ids_from: Option<&'static str>,
}

/// In [`Request::extensions`]: send `X-Schemas-Version` for this call whatever the client says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PinSchemasVersion;

impl OvhRequest {
    /// The OVHcloud part of `request` (all unset when it has none).
    pub fn of(request: &Request) -> OvhRequest {
        request.extensions.get().copied().unwrap_or_default()
    }
}

/// OVHcloud's side of the pipeline: its URLs, signing, clock and token repairs, errors.
impl Protocol for Client {
    type Error = Error;
    const PROVIDER: &'static str = "ovhcloud";
    const REQUEST_ID: &'static str = "X-Ovh-QueryID";

    async fn prepare(&self, request: &Request, cursor: Option<&str>) -> Result<PreparedRequest> {
        self.prepare_page(request, cursor).await
    }

    fn refusal(&self, operation: &str, response: Response) -> Error {
        api_error(
            operation.to_owned(),
            response.status,
            &response.headers,
            response.body,
        )
    }

    async fn recover(&self, error: &Error, done: &[&'static str]) -> Option<&'static str> {
        match &self.inner.auth {
            Auth::Application { .. } if is_timestamp_error(error) && !done.contains(&"clock") => {
                // Our clock drifted from the API's: read it again before the next attempt.
                tracing::warn!(%error, "timestamp refused; reading /auth/time again");
                self.inner.clock.reset();
                Some("clock")
            }
            Auth::OAuth2(oauth) if error.status() == Some(401) && !done.contains(&"token") => {
                oauth.invalidate().await;
                Some("token")
            }
            _ => None,
        }
    }

    fn failure(&self, operation: &str, failure: Failure) -> Error {
        failure_error(operation, failure)
    }
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
    header(headers, "X-Ovh-QueryID").map(str::to_owned)
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
