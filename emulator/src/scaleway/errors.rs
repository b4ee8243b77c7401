//! Scaleway's error answers: a JSON body `{"type": …, "message": …, …}` whose `type` the
//! official SDKs map to typed errors (Go `scw/errors.go`, JS `error-parser.ts`; the Python SDK
//! raises `ScalewayException` with the response). The shapes below are the ones those parsers
//! read.
//!
//! | situation | status | body |
//! | --- | --- | --- |
//! | `X-Auth-Token` missing or not a UUID | 401 | `{"type":"denied_authentication","method":"api_key","reason":"invalid_argument","message":"authentication is denied"}` |
//! | `X-Auth-Token` unknown | 401 | same, `"reason":"not_found"` |
//! | project of another key | 403 | `{"type":"permissions_denied","message":"insufficient permissions","details":[{"resource":"link","action":"write"}]}` |
//! | bad argument | 400 | `{"type":"invalid_arguments","message":"invalid argument(s)","details":[{"argument_name","reason","help_message"}]}` |
//! | unknown resource | 404 | `{"type":"not_found","message":"resource is not found","resource":"link","resource_id":"…"}` |
//! | link in a transient status | 409 | `{"type":"transient_state","message":"resource is in a transient state","resource":"link","resource_id","current_state"}` |
//! | precondition (policy in use, VPC already attached…) | 412 | `{"type":"precondition_failed","message":"precondition failed","precondition":"resource_still_in_use"\|"attribute_must_be_set","help_message"}` |
//! | too many links | 403 | `{"type":"quotas_exceeded","message":"quota(s) exceeded for this resource","details":[{"resource":"links","quota":N,"current":N}]}` |
//! | rate limit (or injected 429) | 429 | `{"type":"too_many_requests","message":"too many requests","help_message","limit":{"quota","window_seconds"},"reset_seconds","reset_at"}` + `Retry-After` |
//! | injected 5xx | 5xx | `{"message":"internal error"}`-like, no `type` (the SDKs fall back to a generic error) |

use serde_json::{json, Value};

use crate::responses::{json_response, set_header, HttpResponse};

/// An error answer: its status and Scaleway body.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ScwError {
    pub status: u16,
    pub body: Value,
}

impl ScwError {
    fn new(status: u16, body: Value) -> ScwError {
        ScwError { status, body }
    }

    /// The HTTP answer; a 429 also says when to retry.
    pub fn response(&self) -> HttpResponse {
        let mut response = json_response(self.status, &self.body);
        if self.status == 429 {
            set_header(&mut response, "retry-after", "1");
        }
        response
    }
}

/// Why an argument was refused, as Scaleway names it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Reason {
    Required,
    Format,
    Constraint,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Required => "required",
            Reason::Format => "format",
            Reason::Constraint => "constraint",
        }
    }
}

/// 400 `invalid_arguments` about one argument.
pub(crate) fn invalid_argument(
    argument: &str,
    reason: Reason,
    help: impl Into<String>,
) -> ScwError {
    ScwError::new(
        400,
        json!({
            "type": "invalid_arguments",
            "message": "invalid argument(s)",
            "details": [{
                "argument_name": argument,
                "reason": reason.as_str(),
                "help_message": help.into(),
            }],
        }),
    )
}

/// 401: no usable `X-Auth-Token`. `reason` is `invalid_argument` (missing, not a UUID) or
/// `not_found` (no such key).
pub(crate) fn denied_authentication(reason: &str) -> ScwError {
    ScwError::new(
        401,
        json!({
            "type": "denied_authentication",
            "method": "api_key",
            "reason": reason,
            "message": "authentication is denied",
        }),
    )
}

/// 403: the key may not act on that project.
pub(crate) fn permissions_denied(resource: &str, action: &str) -> ScwError {
    ScwError::new(
        403,
        json!({
            "type": "permissions_denied",
            "message": "insufficient permissions",
            "details": [{"resource": resource, "action": action}],
        }),
    )
}

/// 404 for a resource that does not exist (or that the caller cannot see).
pub(crate) fn not_found(resource: &str, id: &str) -> ScwError {
    ScwError::new(
        404,
        json!({
            "type": "not_found",
            "message": "resource is not found",
            "resource": resource,
            "resource_id": id,
        }),
    )
}

/// 404 for a path that is no InterLink operation.
pub(crate) fn unknown_route(method: &str, path: &str) -> ScwError {
    ScwError::new(
        404,
        json!({
            "type": "not_found",
            "message": format!("no such operation: {method} {path}"),
        }),
    )
}

/// 409: the link is configuring, provisioning or deprovisioning.
pub(crate) fn transient_state(resource: &str, id: &str, state: &str) -> ScwError {
    ScwError::new(
        409,
        json!({
            "type": "transient_state",
            "message": "resource is in a transient state",
            "resource": resource,
            "resource_id": id,
            "current_state": state,
        }),
    )
}

/// 412 `precondition_failed`; `precondition` is `resource_still_in_use` or
/// `attribute_must_be_set`.
pub(crate) fn precondition_failed(precondition: &str, help: impl Into<String>) -> ScwError {
    ScwError::new(
        412,
        json!({
            "type": "precondition_failed",
            "message": "precondition failed",
            "precondition": precondition,
            "help_message": help.into(),
        }),
    )
}

/// 403: `resource` has reached its quota.
pub(crate) fn quotas_exceeded(resource: &str, quota: usize, current: usize) -> ScwError {
    ScwError::new(
        403,
        json!({
            "type": "quotas_exceeded",
            "message": "quota(s) exceeded for this resource",
            "details": [{"resource": resource, "quota": quota, "current": current}],
        }),
    )
}

/// 429, as the JS SDK models `too_many_requests`; `per_sec` is the limit in force (0 for an
/// injected fault).
pub(crate) fn too_many_requests(per_sec: u32) -> ScwError {
    let reset_at = chrono::Utc::now() + chrono::Duration::seconds(1);
    ScwError::new(
        429,
        json!({
            "type": "too_many_requests",
            "message": "too many requests",
            "help_message": "rate limit exceeded, retry after the reset time",
            "limit": {"quota": per_sec, "window_seconds": 1},
            "reset_seconds": 1,
            "reset_at": super::state::rfc3339(reset_at),
        }),
    )
}

/// The answer of an injected error status.
pub(crate) fn injected(status: u16) -> ScwError {
    let message = match status {
        429 => return too_many_requests(0),
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        s if s >= 500 => "internal error",
        _ => "injected error",
    };
    ScwError::new(status, json!({"message": message}))
}
