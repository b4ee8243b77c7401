//! Scaleway's errors, typed: the API answers every failure with a JSON body whose `type` says
//! what went wrong (`invalid_arguments`, `not_found`, `quotas_exceeded`, …), as Scaleway's SDKs
//! read it.

use ovhcloud_runtime::pipeline::Failure;
use serde::Deserialize;
use serde_json::Value;

/// One refused argument of an `invalid_arguments` error.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ArgumentError {
    /// `bandwidth_mbps`, `vlan`, …
    #[serde(default)]
    pub argument_name: String,
    /// `constraint`, `required`, `unknown`, …
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub help_message: String,
}

/// One exceeded quota of a `quotas_exceeded` error.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct QuotaExceeded {
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub quota: u64,
    #[serde(default)]
    pub current: u64,
}

/// One refused action of a `permissions_denied` error.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PermissionDetail {
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub action: String,
}

/// Everything a call can fail with. Messages never contain secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 400 `invalid_arguments`: which arguments, and why.
    #[error("{operation}: invalid argument(s): {}", details.iter().map(|d| format!("{} ({}{})", d.argument_name, d.reason, if d.help_message.is_empty() { String::new() } else { format!(": {}", d.help_message) })).collect::<Vec<_>>().join(", "))]
    InvalidArguments {
        operation: String,
        details: Vec<ArgumentError>,
        body: String,
    },
    /// 404 `not_found`: the resource type and id.
    #[error("{operation}: {resource} {resource_id} not found")]
    NotFound {
        operation: String,
        resource: String,
        resource_id: String,
        body: String,
    },
    /// 403 `quotas_exceeded`.
    #[error("{operation}: quota exceeded: {}", details.iter().map(|d| format!("{} {}/{}", d.resource, d.current, d.quota)).collect::<Vec<_>>().join(", "))]
    QuotasExceeded {
        operation: String,
        details: Vec<QuotaExceeded>,
        body: String,
    },
    /// 403 `permissions_denied`: the key may not do this.
    #[error("{operation}: permission denied: {message}")]
    PermissionDenied {
        operation: String,
        message: String,
        details: Vec<PermissionDetail>,
        body: String,
    },
    /// 401 `denied_authentication`: the secret key is missing, unknown or expired.
    #[error("{operation}: authentication denied ({reason})")]
    Unauthenticated {
        operation: String,
        /// `invalid_argument`, `not_found`, `expired`, …
        reason: String,
        body: String,
    },
    /// 409/412 `precondition_failed`, `transient_state`, `resource_locked`…: the resource is
    /// not in a state that allows the call; `precondition` or the current state says which.
    #[error("{operation}: {kind}: {message}")]
    Conflict {
        operation: String,
        /// The error `type`.
        kind: String,
        /// `precondition` or `current_state`, when the body has one.
        state: Option<String>,
        message: String,
        body: String,
    },
    /// 429: too many requests, after the retries the policy allows.
    #[error("{operation}: too many requests{}", retry_after.map(|d| format!(" (retry after {d:?})")).unwrap_or_default())]
    TooManyRequests {
        operation: String,
        retry_after: Option<std::time::Duration>,
        body: String,
    },
    /// Any other error status.
    #[error("{operation}: HTTP {status}{}: {message}", kind.as_deref().map(|k| format!(" {k}")).unwrap_or_default())]
    Api {
        operation: String,
        status: u16,
        /// The error `type`, if the body had one.
        kind: Option<String>,
        message: String,
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
    /// The answer's body is longer than the limit (`ClientBuilder::max_response_size`); at most
    /// the limit was read.
    #[error("{operation}: the answer is longer than the limit of {limit} bytes")]
    TooLarge { operation: String, limit: u64 },
    /// The server answered with a redirect, which is not followed: the secret key goes to the
    /// configured API URL only.
    #[error("{operation}: HTTP {status} redirect{} not followed (the secret key is sent to the configured API URL only)", location.as_deref().map(|l| format!(" to {l}")).unwrap_or_default())]
    Redirect {
        operation: String,
        status: u16,
        location: Option<String>,
    },
    /// The response does not match the schema.
    #[error("{operation}: response does not match the schema: {message}")]
    Decode {
        operation: String,
        message: String,
        body: String,
    },
    /// A request value could not be encoded.
    #[error("{operation}: cannot encode the request: {message}")]
    Encode { operation: String, message: String },
    /// The client is not configured for this call, or its configuration could not be read.
    #[error("configuration: {0}")]
    Config(String),
    /// A waited-for resource ended in a failure state.
    #[error("{what} failed: {state}")]
    WaitFailed { what: String, state: String },
    /// A waited-for resource did not reach a final state in time.
    #[error("{what} still not done after {waited:?} (last state: {state})")]
    WaitTimeout {
        what: String,
        waited: std::time::Duration,
        state: String,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status of an error the API answered.
    pub fn status(&self) -> Option<u16> {
        Some(match self {
            Error::InvalidArguments { .. } => 400,
            Error::Unauthenticated { .. } => 401,
            Error::PermissionDenied { .. } | Error::QuotasExceeded { .. } => 403,
            Error::NotFound { .. } => 404,
            Error::TooManyRequests { .. } => 429,
            Error::Api { status, .. } => *status,
            _ => return None,
        })
    }

    /// Whether the API said the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// The error of a call that ended without a usable answer.
    pub(crate) fn from_failure(operation: &str, failure: Failure) -> Error {
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
                "{operation}: {url} is not on the configured API URL; nothing was sent"
            )),
            Failure::NotUtf8 { valid_up_to, body } => Error::Decode {
                operation,
                message: format!("the answer is not UTF-8 (from byte {valid_up_to})"),
                body,
            },
        }
    }

    /// The error an error status and its body stand for.
    pub(crate) fn from_response(
        operation: String,
        status: u16,
        retry_after: Option<std::time::Duration>,
        body: String,
    ) -> Error {
        let parsed: ErrorBody = serde_json::from_str(&body).unwrap_or_default();
        let kind = parsed.kind.clone().unwrap_or_default();
        let message = parsed
            .message
            .clone()
            .or_else(|| parsed.help_message.clone())
            .unwrap_or_else(|| body.chars().take(200).collect());
        let details = |value: &Option<Value>| value.clone().unwrap_or(Value::Null);
        match (status, kind.as_str()) {
            (_, "invalid_arguments") => Error::InvalidArguments {
                operation,
                details: serde_json::from_value(details(&parsed.details)).unwrap_or_default(),
                body,
            },
            (_, "not_found") | (404, "") => Error::NotFound {
                operation,
                resource: parsed.resource.unwrap_or_default(),
                resource_id: parsed.resource_id.unwrap_or_default(),
                body,
            },
            (_, "quotas_exceeded") => Error::QuotasExceeded {
                operation,
                details: serde_json::from_value(details(&parsed.details)).unwrap_or_default(),
                body,
            },
            (_, "permissions_denied" | "permission_denied") => Error::PermissionDenied {
                operation,
                details: serde_json::from_value(details(&parsed.details)).unwrap_or_default(),
                message,
                body,
            },
            (_, "denied_authentication") | (401, _) => Error::Unauthenticated {
                operation,
                reason: parsed.reason.unwrap_or_default(),
                body,
            },
            (_, "precondition_failed" | "transient_state" | "resource_locked" | "conflict") => {
                Error::Conflict {
                    operation,
                    state: parsed.precondition.or(parsed.current_state),
                    kind,
                    message,
                    body,
                }
            }
            (429, _) => Error::TooManyRequests {
                operation,
                retry_after,
                body,
            },
            _ => Error::Api {
                operation,
                status,
                kind: parsed.kind,
                message,
                body,
            },
        }
    }
}

impl From<ovhcloud_runtime::wait::WaitError> for Error {
    fn from(e: ovhcloud_runtime::wait::WaitError) -> Self {
        use ovhcloud_runtime::wait::WaitError;
        match e {
            WaitError::Failed { what, state } => Error::WaitFailed { what, state },
            WaitError::Timeout {
                what,
                waited,
                state,
            } => Error::WaitTimeout {
                what,
                waited,
                state,
            },
        }
    }
}

/// Every member Scaleway's error bodies use; which are present depends on `type`.
#[derive(Default, Deserialize)]
struct ErrorBody {
    #[serde(rename = "type")]
    kind: Option<String>,
    message: Option<String>,
    help_message: Option<String>,
    details: Option<Value>,
    resource: Option<String>,
    resource_id: Option<String>,
    precondition: Option<String>,
    current_state: Option<String>,
    reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: u16, body: &str) -> Error {
        Error::from_response("GET /x".into(), status, None, body.into())
    }

    #[test]
    fn bodies_become_typed_errors() {
        let e = error(
            400,
            r#"{"type":"invalid_arguments","message":"invalid argument(s)","details":[{"argument_name":"vlan","reason":"constraint","help_message":"already used"}]}"#,
        );
        let Error::InvalidArguments { details, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(details[0].argument_name, "vlan");
        assert_eq!(
            e.to_string(),
            "GET /x: invalid argument(s): vlan (constraint: already used)"
        );
        let e = error(
            404,
            r#"{"type":"not_found","resource":"link","resource_id":"abc","message":"resource is not found"}"#,
        );
        assert!(e.is_not_found());
        assert_eq!(e.to_string(), "GET /x: link abc not found");
        let e = error(
            403,
            r#"{"type":"quotas_exceeded","message":"quota(s) exceeded","details":[{"resource":"links","quota":10,"current":10}]}"#,
        );
        assert_eq!(e.to_string(), "GET /x: quota exceeded: links 10/10");
        let e = error(
            409,
            r#"{"type":"precondition_failed","precondition":"resource_still_in_use","help_message":"detach it first"}"#,
        );
        let Error::Conflict { state, message, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (state.as_deref(), message.as_str()),
            (Some("resource_still_in_use"), "detach it first")
        );
        assert!(matches!(
            error(
                401,
                r#"{"type":"denied_authentication","method":"api_key","reason":"invalid_argument"}"#
            ),
            Error::Unauthenticated { reason, .. } if reason == "invalid_argument"
        ));
        // Not JSON at all: the status and the start of the text.
        let e = error(502, "<html>bad gateway</html>");
        assert_eq!(e.status(), Some(502));
        assert!(e.to_string().contains("bad gateway"), "{e}");
    }
}
