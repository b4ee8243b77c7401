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
    /// A request value could not be encoded.
    #[error("{operation}: cannot encode the request: {message}")]
    Encode { operation: String, message: String },
    /// The client is not configured for this call.
    #[error("configuration: {0}")]
    Config(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
