//! The one error type of the client.

/// Everything a call can fail with. Messages never contain secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    #[error("{operation}: HTTP {status}{}: {message}{}", error_code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(), query_id.as_deref().map(|q| format!(" (query id {q})")).unwrap_or_default())]
    Api {
        /// `METHOD /path/template`.
        operation: String,
        status: u16,
        /// OVH's `class`, e.g. `Client::NotFound`.
        class: Option<String>,
        /// OVH's `errorCode`, e.g. `NOT_GRANTED_CALL`.
        error_code: Option<String>,
        message: String,
        /// `X-Ovh-QueryID`, to quote when contacting OVHcloud support.
        query_id: Option<String>,
        /// The raw response body.
        body: String,
    },
    /// The request could not be sent or the response not received.
    #[error("{operation}: transport error: {source}")]
    Transport {
        operation: String,
        #[source]
        source: reqwest::Error,
    },
    /// The call's deadline passed, or its last attempt took longer than the attempt timeout
    /// (a slow answer included): how many attempts were made, and the time spent.
    #[error("{operation}: timed out after {attempts} attempt(s) in {:.1} s", elapsed.as_secs_f64())]
    Timeout {
        operation: String,
        attempts: u32,
        elapsed: std::time::Duration,
    },
    /// The answer's body is longer than the limit (see `ClientBuilder::max_response_size`); at
    /// most the limit was read.
    #[error("{operation}: the answer is longer than the limit of {limit} bytes")]
    TooLarge { operation: String, limit: u64 },
    /// The server answered with a redirect, which is not followed: credentials go to the
    /// configured endpoint only.
    #[error("{operation}: HTTP {status} redirect{} not followed (credentials are sent to the configured endpoint only)", location.as_deref().map(|l| format!(" to {l}")).unwrap_or_default())]
    Redirect {
        operation: String,
        status: u16,
        location: Option<String>,
    },
    /// The response does not match the schema.
    #[error("{operation}: response does not match the schema at `{}`: {message}{}", if path.is_empty() { "(root)" } else { path }, query_id.as_deref().map(|q| format!(" (query id {q})")).unwrap_or_default())]
    Decode {
        operation: String,
        /// JSON path of the failing value, like `.datacenters[2].ovhBgpArea`.
        path: String,
        message: String,
        query_id: Option<String>,
        /// The raw response body, to attach to a bug report.
        body: String,
    },
    /// The response differs from its schema and the call was strict (see [`crate::deviation`]).
    #[error("{operation}: response differs from the schema in {} place(s): {}{}", deviations.len(), deviations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "), query_id.as_deref().map(|q| format!(" (query id {q})")).unwrap_or_default())]
    Deviations {
        operation: String,
        /// Every difference, in body order.
        deviations: Vec<crate::Deviation>,
        query_id: Option<String>,
        /// The raw response body.
        body: String,
    },
    /// A request value could not be encoded.
    #[error("{operation}: cannot encode the request: {message}")]
    Encode { operation: String, message: String },
    /// The client is not configured for this call.
    #[error("configuration: {0}")]
    Config(String),
    /// Configuration could not be resolved (explicit values, environment, `ovh.conf`).
    #[error("configuration: {0}")]
    Configuration(#[from] Box<crate::config::ConfigError>),
    /// Credentials were refused or could not be obtained (OAuth2 token endpoint).
    #[error("authentication: {0}")]
    Auth(String),
    /// A waited-for task or resource ended in failure.
    #[error("{what} failed: {state}")]
    TaskFailed { what: String, state: String },
    /// A waited-for task or resource did not finish in time.
    #[error("{what} still not done after {waited:?} (last state: {state})")]
    WaitTimeout {
        what: String,
        waited: std::time::Duration,
        state: String,
    },
}

impl Error {
    pub(crate) fn transport(operation: &str, source: reqwest::Error) -> Error {
        // reqwest's message may name the URL, which holds no secret; headers are never shown.
        Error::Transport {
            operation: operation.to_owned(),
            source,
        }
    }

    /// Whether the API reported the call as not permitted for these credentials.
    pub fn is_not_granted(&self) -> bool {
        matches!(self, Error::Api { error_code: Some(c), .. } if c == "NOT_GRANTED_CALL")
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<crate::config::ConfigError> for Error {
    fn from(e: crate::config::ConfigError) -> Self {
        Error::Configuration(Box::new(e))
    }
}
