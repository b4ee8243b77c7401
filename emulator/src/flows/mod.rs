//! Stateful behaviour for the flows users run, from OVH's own guides. Every other operation is
//! answered with a schema-valid example by the server.
//!
//! A flow sees requests that already passed authentication, rate limiting and fault
//! injection, matched to an operation of the loaded schemas.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod bills;
pub mod iam;
pub mod occ;

/// A request matched to a schema operation.
#[derive(Debug)]
pub struct FlowRequest<'a> {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    pub method: &'a str,
    /// `v1` or `v2`.
    pub branch: &'a str,
    /// The schema's path template, e.g. `/ovhCloudConnect/{serviceName}/config/pop/{popId}`.
    pub template: &'a str,
    /// Path parameters, percent-decoded, by name.
    pub params: &'a HashMap<String, String>,
    /// Query parameters, decoded, in order (a name may repeat).
    pub query: &'a [(String, String)],
    /// Request headers, names lower-cased.
    pub headers: &'a HashMap<String, String>,
    /// The JSON body, if any.
    pub body: Option<&'a Value>,
    /// The application key that signed the call (None for unauthenticated calls).
    pub application_key: Option<&'a str>,
    /// When the request arrived.
    pub now: Instant,
}

impl FlowRequest<'_> {
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

/// An OVH-style error answer.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    /// e.g. `Client::BadRequest`, `Client::NotFound`, `Client::Conflict`.
    pub class: String,
    pub message: String,
    /// e.g. `NOT_GRANTED_CALL` (only some errors have one).
    pub error_code: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, class: &str, message: impl Into<String>) -> Self {
        ApiError { status, class: class.to_owned(), message: message.into(), error_code: None }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "Client::BadRequest", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "Client::NotFound", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "Client::Conflict", message)
    }
}

/// What a flow answers.
#[derive(Debug)]
pub enum FlowResponse {
    /// 200 with this JSON body (`Value::Null` for `void`), plus response headers.
    Json(Value, Vec<(String, String)>),
    Error(ApiError),
    /// Not this flow's operation: the server answers with a schema example.
    NotHandled,
}

impl FlowResponse {
    pub fn ok(body: Value) -> Self {
        FlowResponse::Json(body, Vec::new())
    }
}

/// A stateful part of the emulator. Implementations keep their state behind a `Mutex`.
pub trait Flow: Send + Sync {
    fn handle(&self, request: &FlowRequest<'_>) -> FlowResponse;
}

/// How asynchronous work (OVH tasks) progresses: `todo` for one step, `doing` for the next,
/// then `done`.
#[derive(Clone, Copy, Debug)]
pub struct TaskClock {
    pub step: Duration,
}

impl TaskClock {
    /// The status of a task created at `created`, as OVHcloud Connect tasks report it.
    pub fn status(&self, created: Instant, now: Instant) -> &'static str {
        let elapsed = now.saturating_duration_since(created);
        if elapsed < self.step {
            "todo"
        } else if elapsed < self.step * 2 {
            "doing"
        } else {
            "done"
        }
    }

    /// Whether work started at `created` has finished.
    pub fn is_done(&self, created: Instant, now: Instant) -> bool {
        self.status(created, now) == "done"
    }
}

/// Every flow, in the order they are asked.
pub fn all(clock: TaskClock) -> Vec<Box<dyn Flow>> {
    vec![Box::new(occ::Occ::new(clock)), Box::new(bills::Bills::new()), Box::new(iam::Iam::new())]
}
