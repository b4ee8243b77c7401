//! The Scaleway client: configuration, and Scaleway's protocol (`X-Auth-Token`, URLs, bodies,
//! errors) on the request pipeline every provider shares (`ovhcloud_runtime::pipeline`: rate
//! limit, attempts, retries, deadlines, size limit, hooks, span, counters).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ovhcloud_runtime::pipeline::{
    body_text, header, Failure, Pipeline, PipelineDefaults, PipelineOptions, PreparedRequest,
    Protocol, Response,
};
use ovhcloud_runtime::retry::parse_retry_after;
use ovhcloud_runtime::types::Password;
use ovhcloud_runtime::{ApiResponse, Backend, Exchange, Method, Request, Traffic};
use serde::de::DeserializeOwned;

use crate::config::{self, Profile};
use crate::{Call, CallFuture, Error, RateLimiter, Region, Result, RetryPolicy};

/// Where Scaleway's API is.
pub const DEFAULT_API_URL: &str = "https://api.scaleway.com";

/// A Scaleway API client. Cheap to clone: clones share connections and the rate limit.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    pipeline: Pipeline,
    api_url: String,
    settings: Profile,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The profile's Debug hides the secret key.
        f.debug_struct("Client")
            .field("api_url", &self.inner.api_url)
            .field("settings", &self.inner.settings)
            .field("pipeline", &self.inner.pipeline)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]; see [`config`](crate::config) for what wins over what.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    explicit: Profile,
    profile: Option<String>,
    use_environment: bool,
    pipeline: PipelineOptions,
    user_agent: Option<String>,
}

impl ClientBuilder {
    /// The secret key sent as `X-Auth-Token`.
    pub fn secret_key(mut self, secret_key: impl Into<String>) -> Self {
        self.explicit.secret_key = Some(Password::new(secret_key));
        self
    }

    /// The access key (`SCW…`): not sent, kept to say which key a client uses.
    pub fn access_key(mut self, access_key: impl Into<String>) -> Self {
        self.explicit.access_key = Some(access_key.into());
        self
    }

    /// The API's root URL (default `https://api.scaleway.com`).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.explicit.api_url = Some(url.into());
        self
    }

    pub fn default_region(mut self, region: impl Into<String>) -> Self {
        self.explicit.default_region = Some(region.into());
        self
    }

    pub fn default_zone(mut self, zone: impl Into<String>) -> Self {
        self.explicit.default_zone = Some(zone.into());
        self
    }

    pub fn default_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.explicit.default_project_id = Some(project_id.into());
        self
    }

    pub fn default_organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.explicit.default_organization_id = Some(organization_id.into());
        self
    }

    /// Also reads `SCW_*` variables and Scaleway's configuration file.
    pub fn from_env(mut self) -> Self {
        self.use_environment = true;
        self
    }

    /// The profile of the configuration file to read (implies [`from_env`](Self::from_env)).
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self.use_environment = true;
        self
    }

    /// The longest one attempt may take — connecting, sending, reading the whole answer —
    /// (default 60 s). See [`deadline`](Self::deadline) for the whole call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.pipeline.timeout(timeout);
        self
    }

    /// The longest a whole call may take: every attempt, the waits for the rate limiter and
    /// between retries, reading every body (default: none). When it passes the call ends at
    /// once with [`Error::Timeout`].
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.pipeline.deadline(deadline);
        self
    }

    /// The largest answer body accepted, in bytes (default 64 MiB); a longer one ends the call
    /// with [`Error::TooLarge`] after reading at most this much.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.pipeline.max_response_size(bytes);
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.pipeline.connect_timeout(timeout);
        self
    }

    /// Builds the HTTP client from your own `reqwest::ClientBuilder` (proxies, TLS roots). Its
    /// timeouts are kept unless [`timeout`](Self::timeout) is set too; its redirect policy is
    /// replaced: redirects are never followed, so the secret key only goes to the API URL.
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.pipeline.http_client(builder);
        self
    }

    /// How failed calls are retried (default: `RetryPolicy::default()`, as `ovhcloud`).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.pipeline.retry(policy);
        self
    }

    /// Paces requests on this client and its clones (default: unlimited).
    pub fn rate_limit(mut self, limiter: RateLimiter) -> Self {
        self.pipeline.rate_limit(limiter);
        self
    }

    /// Calls `hook` with each call's request before it is sent (once per call, not per retry).
    pub fn before_send(mut self, hook: impl Fn(&mut Request) + Send + Sync + 'static) -> Self {
        self.pipeline.before_send(Arc::new(hook));
        self
    }

    /// Calls `hook` after every exchange (each attempt, each page), answered or not; an attempt
    /// the call's deadline cuts off is not shown.
    pub fn after_receive(mut self, hook: impl Fn(&Exchange<'_>) + Send + Sync + 'static) -> Self {
        self.pipeline.after_receive(Arc::new(hook));
        self
    }

    /// Appended to the `User-Agent`.
    pub fn user_agent_extra(mut self, extra: impl Into<String>) -> Self {
        self.user_agent = Some(extra.into());
        self
    }

    pub fn build(self) -> Result<Client> {
        let settings = self.resolved(|name| std::env::var(name).ok())?;
        let mut user_agent =
            concat!("scaleway-interlink-rust/", env!("CARGO_PKG_VERSION")).to_owned();
        if let Some(extra) = &self.user_agent {
            user_agent = format!("{user_agent} {extra}");
        }
        let api_url = settings
            .api_url
            .clone()
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned())
            .trim_end_matches('/')
            .to_owned();
        let defaults = PipelineDefaults {
            timeout: Duration::from_secs(60),
            limiter: RateLimiter::unlimited(),
            user_agent,
        };
        let pipeline = self
            .pipeline
            .build(&api_url, defaults)
            .map_err(Error::Config)?;
        Ok(Client {
            inner: Arc::new(Inner {
                pipeline,
                api_url,
                settings,
            }),
        })
    }

    /// The settings: explicit ones, then (with [`from_env`](Self::from_env)) variables, then the
    /// configuration file's profile.
    fn resolved(&self, var: impl Fn(&str) -> Option<String>) -> Result<Profile> {
        if !self.use_environment {
            return Ok(self.explicit.clone());
        }
        let profile = self.profile.clone().or_else(|| var("SCW_PROFILE"));
        let file = match config::file_path(&var) {
            Some(path) => config::read_file(&path, profile.as_deref()).map_err(Error::Config)?,
            None => Profile::default(),
        };
        Ok(self
            .explicit
            .clone()
            .or(Profile::from_variables(&var))
            .or(file))
    }
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `SCW_*` variables and Scaleway's configuration file.
    pub fn from_env() -> Result<Client> {
        Client::builder().from_env().build()
    }

    /// The API's root URL.
    pub fn api_url(&self) -> &str {
        &self.inner.api_url
    }

    /// The configured default region (`SCW_DEFAULT_REGION`, `default_region`).
    pub fn region(&self) -> Option<Region> {
        self.inner
            .settings
            .default_region
            .as_deref()
            .map(Region::from)
    }

    /// The configured default zone.
    pub fn zone(&self) -> Option<&str> {
        self.inner.settings.default_zone.as_deref()
    }

    /// The configured default project, or a configuration error naming the setting.
    pub fn project_id(&self) -> Result<&str> {
        self.inner
            .settings
            .default_project_id
            .as_deref()
            .ok_or_else(|| {
                Error::Config(
                    "no default project: set SCW_DEFAULT_PROJECT_ID, `default_project_id` or \
                     ClientBuilder::default_project_id"
                        .into(),
                )
            })
    }

    /// The configured default organization.
    pub fn organization_id(&self) -> Option<&str> {
        self.inner.settings.default_organization_id.as_deref()
    }

    /// Requests sent and retried since the client was built (shared by its clones).
    pub fn traffic(&self) -> &Traffic {
        self.inner.pipeline.traffic()
    }

    /// One call through the shared pipeline; a successful answer.
    pub(crate) async fn answer(&self, request: &Request) -> Result<Response> {
        let started = Instant::now();
        self.inner.pipeline.send(self, request, None, started).await
    }

    /// Decodes an answer as `R`, correcting and logging what differs from the schema.
    pub(crate) fn decode<R: DeserializeOwned>(&self, request: &Request, body: &str) -> Result<R> {
        let decoded = ovhcloud_runtime::codec::decode_body::<R>(body, None);
        reported(request, body, decoded)
    }

    /// [`decode`](Self::decode) for a value already parsed (a page's items); `body` is the
    /// answer it came from, for the error.
    pub(crate) fn decode_value<R: DeserializeOwned>(
        &self,
        request: &Request,
        body: &str,
        value: serde_json::Value,
    ) -> Result<R> {
        let decoded = ovhcloud_runtime::codec::decode_value::<R>(value, None);
        reported(request, body, decoded)
    }
}

/// A decoded value with what differed from the schema logged, or the decoding error.
fn reported<R>(
    request: &Request,
    body: &str,
    decoded: std::result::Result<(R, Vec<ovhcloud_runtime::Deviation>), String>,
) -> Result<R> {
    let operation = request.operation();
    let (value, deviations) = decoded.map_err(|message| Error::Decode {
        operation: operation.clone(),
        message,
        body: body.to_owned(),
    })?;
    for deviation in &deviations {
        tracing::warn!(
            target: "scaleway_interlink::deviation",
            operation = %operation,
            path = %deviation.path,
            kind = %deviation.kind,
            expected = %deviation.expected,
            "response differs from the schema"
        );
    }
    Ok(value)
}

/// The call's client and request with the client's defaults filled in; or the encoding error
/// the call kept while it was built, or the default it needs and the client does not have.
pub(crate) fn ready<'a, R>(call: Call<'a, R>) -> Result<(&'a Client, Request)> {
    let (client, mut request, error) = call.into_parts();
    if let Some(message) = error {
        return Err(Error::Encode {
            operation: request.operation(),
            message,
        });
    }
    let settings = &client.inner.settings;
    let filled = request.fill_defaults(|name| match name {
        "region" => settings.default_region.clone(),
        "zone" => settings.default_zone.clone(),
        "project_id" => settings.default_project_id.clone(),
        _ => None,
    });
    match filled {
        Ok(()) => Ok((client, request)),
        Err(name) => Err(Error::Config(format!(
            "{}: no `{name}` given, and no default: set it on the call, or SCW_DEFAULT_{} \
             (`default_{name}` in the configuration file)",
            request.operation(),
            name.to_uppercase(),
        ))),
    }
}

/// Scaleway's side of the pipeline: URLs, `X-Auth-Token`, bodies, typed errors.
impl Protocol for Client {
    type Error = Error;
    const PROVIDER: &'static str = "scaleway";
    const REQUEST_ID: &'static str = "X-Request-Id";

    async fn prepare(&self, request: &Request, _cursor: Option<&str>) -> Result<PreparedRequest> {
        let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
        match (&self.inner.settings.secret_key, request.authenticated) {
            (Some(secret), _) => {
                headers.push(("X-Auth-Token".into(), secret.expose_secret().to_owned()))
            }
            (None, false) => {}
            (None, true) => {
                return Err(Error::Config(format!(
                    "{} needs a secret key: set SCW_SECRET_KEY, `secret_key` or \
                     ClientBuilder::secret_key",
                    request.operation()
                )))
            }
        }
        headers.extend(
            request
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.clone())),
        );
        // A method that sends a body sends one even with nothing to set, as Scaleway's SDKs do
        // (`POST …/detach-vpc` with `{}`).
        let body = match body_text(request) {
            Some(body) => body.into_owned(),
            None if matches!(request.method, Method::Post | Method::Put | Method::Patch) => {
                "{}".to_owned()
            }
            None => String::new(),
        };
        if !body.is_empty() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        Ok(PreparedRequest {
            method: request.method,
            url: format!("{}{}", self.inner.api_url, request.path_and_query()),
            headers,
            body,
        })
    }

    fn refusal(&self, operation: &str, response: Response) -> Error {
        let wait = header(&response.headers, "Retry-After")
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        Error::from_response(operation.to_owned(), response.status, wait, response.body)
    }

    async fn recover(&self, _error: &Error, _done: &[&'static str]) -> Option<&'static str> {
        None
    }

    fn failure(&self, operation: &str, failure: Failure) -> Error {
        Error::from_failure(operation, failure)
    }
}

impl Backend for Client {
    type Error = Error;

    fn run<'a, R: DeserializeOwned + Send + 'a>(call: Call<'a, R>) -> CallFuture<'a, R> {
        Box::pin(async move {
            let (client, request) = ready(call)?;
            let response = client.answer(&request).await?;
            client.decode(&request, &response.body)
        })
    }

    fn run_with_response<'a, R: DeserializeOwned + Send + 'a>(
        call: Call<'a, R>,
    ) -> CallFuture<'a, ApiResponse<R>> {
        Box::pin(async move {
            let (client, request) = ready(call)?;
            let Response {
                status,
                headers,
                body,
            } = client.answer(&request).await?;
            let value = client.decode(&request, &body)?;
            Ok(ApiResponse::new(value, status, headers, body))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_settings_win_and_debug_hides_the_secret() {
        let builder = Client::builder()
            .secret_key("11111111-aaaa-bbbb-cccc-222222222222")
            .default_region("nl-ams");
        let vars = |k: &str| match k {
            "SCW_DEFAULT_REGION" => Some("pl-waw".to_owned()),
            "SCW_DEFAULT_PROJECT_ID" => Some("p".to_owned()),
            "SCW_CONFIG_PATH" => Some("/nonexistent/config.yaml".to_owned()),
            _ => None,
        };
        let settings = builder.from_env().resolved(vars).unwrap();
        assert_eq!(settings.default_region.as_deref(), Some("nl-ams"));
        assert_eq!(settings.default_project_id.as_deref(), Some("p"));
        let client = Client::builder()
            .secret_key("11111111-aaaa-bbbb-cccc-222222222222")
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("2222"), "{debug}");
        assert!(client.project_id().is_err());
        assert_eq!(client.api_url(), DEFAULT_API_URL);
    }
}
