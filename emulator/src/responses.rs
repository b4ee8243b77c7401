//! OVH-style answers: the JSON error bodies with their classes and error codes, and the
//! headers every answer carries.
//!
//! | situation | status | class | errorCode | message |
//! | --- | --- | --- | --- | --- |
//! | unknown path | 404 | `Client::NotFound` | – | `Got an invalid (or empty) URL` |
//! | known path, other method | 405 | `Client::MethodNotAllowed` | – | `Got an invalid (or empty) URL` (+ `Allow`) |
//! | unknown or missing application key | 403 | `Client::Forbidden` | `INVALID_KEY` | `This application key is invalid` |
//! | no consumer key | 401 | `Client::Unauthorized` | `NOT_CREDENTIAL` | `You must login first` |
//! | consumer key unknown, not validated, expired, or of another application | 403 | `Client::Forbidden` | `INVALID_CREDENTIAL` | `This credential is not valid` |
//! | bearer token unknown or expired | 401 | `Client::Unauthorized` | `INVALID_CREDENTIAL` | `This credential is not valid` |
//! | timestamp missing or out of the window | 400 | `Client::BadRequest` | `QUERY_TIME_OUT` | `Query out of time` |
//! | signature missing or wrong | 400 | `Client::BadRequest` | `INVALID_SIGNATURE` | `Invalid signature` |
//! | no access rule matches | 403 | `Client::Forbidden` | `NOT_GRANTED_CALL` | `This call has not been granted` |
//! | caller's IP not in `allowedIPs` | 403 | `Client::Forbidden` | `NOT_GRANTED_CALL` | `This call has not been granted from this IP address` |
//! | body is not JSON | 400 | `Client::BadRequest` | – | `Invalid JSON in the request body: …` |
//! | path, query or body breaks the schema ([`crate::validate`]) | 400 | `Client::BadRequest` | – | `[ttl] Given data (abc) is not valid for type long`, `[fieldType] Given data (XX) does not belong to the … enumeration`, `[key] Property is mandatory`, `Received not described parameters: (color) while calling POST:/me/sshKey` |
//! | item of a written collection unknown ([`crate::state`]) | 404 | `Client::NotFound` | – | `The requested object (id = 7) does not exist` |
//! | item created with an id taken | 409 | `Client::Conflict` | – | `The object (keyName = laptop) already exists` |
//! | rate limit (or injected 429) | 429 | `Client::TooManyRequests` | – | `Too many requests` (+ `Retry-After: 1`) |
//! | injected 500/502/503/504 | 5xx | `Server::InternalServerError`, `Server::BadGateway`, `Server::ServiceUnavailable`, `Server::GatewayTimeout` | – | |
//! | OAuth2 token endpoint, bad client | 401 | – | – | `{"error":"invalid_client",…}` |

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

use crate::flows::ApiError;

pub(crate) type HttpResponse = Response<Body>;

/// `403 Forbidden`, as OVH writes `httpCode`.
pub(crate) fn http_code(status: u16) -> String {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    format!("{status} {reason}")
}

/// The JSON body of an error: `class`, `message`, `errorCode` (when there is one), `httpCode`.
pub(crate) fn error_body(error: &ApiError) -> Value {
    let mut body = json!({
        "class": error.class,
        "message": error.message,
        "httpCode": http_code(error.status),
    });
    if let Some(code) = &error.error_code {
        body["errorCode"] = json!(code);
    }
    body
}

pub(crate) fn error_response(error: &ApiError) -> HttpResponse {
    let mut response = json_response(error.status, &error_body(error));
    if error.status == 429 {
        set_header(&mut response, "retry-after", "1");
    }
    response
}

pub(crate) fn json_response(status: u16, body: &Value) -> HttpResponse {
    bytes_response(status, body.to_string().into_bytes())
}

pub(crate) fn bytes_response(status: u16, body: Vec<u8>) -> HttpResponse {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response
}

/// Sets a header, ignoring names or values HTTP cannot carry.
pub(crate) fn set_header(response: &mut HttpResponse, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        response.headers_mut().insert(name, value);
    }
}

fn coded(status: u16, class: &str, code: &str, message: &str) -> ApiError {
    ApiError {
        status,
        class: class.to_owned(),
        message: message.to_owned(),
        error_code: Some(code.to_owned()),
    }
}

pub(crate) fn not_found_url() -> ApiError {
    ApiError::new(404, "Client::NotFound", "Got an invalid (or empty) URL")
}

pub(crate) fn method_not_allowed() -> ApiError {
    ApiError::new(
        405,
        "Client::MethodNotAllowed",
        "Got an invalid (or empty) URL",
    )
}

pub(crate) fn invalid_key() -> ApiError {
    coded(
        403,
        "Client::Forbidden",
        "INVALID_KEY",
        "This application key is invalid",
    )
}

pub(crate) fn not_credential() -> ApiError {
    coded(
        401,
        "Client::Unauthorized",
        "NOT_CREDENTIAL",
        "You must login first",
    )
}

pub(crate) fn invalid_credential() -> ApiError {
    coded(
        403,
        "Client::Forbidden",
        "INVALID_CREDENTIAL",
        "This credential is not valid",
    )
}

pub(crate) fn invalid_bearer() -> ApiError {
    coded(
        401,
        "Client::Unauthorized",
        "INVALID_CREDENTIAL",
        "This credential is not valid",
    )
}

pub(crate) fn query_time_out() -> ApiError {
    coded(
        400,
        "Client::BadRequest",
        "QUERY_TIME_OUT",
        "Query out of time",
    )
}

pub(crate) fn invalid_signature() -> ApiError {
    coded(
        400,
        "Client::BadRequest",
        "INVALID_SIGNATURE",
        "Invalid signature",
    )
}

pub(crate) fn not_granted() -> ApiError {
    coded(
        403,
        "Client::Forbidden",
        "NOT_GRANTED_CALL",
        "This call has not been granted",
    )
}

pub(crate) fn not_granted_ip() -> ApiError {
    coded(
        403,
        "Client::Forbidden",
        "NOT_GRANTED_CALL",
        "This call has not been granted from this IP address",
    )
}

pub(crate) fn invalid_json(detail: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid JSON in the request body: {detail}"))
}

pub(crate) fn too_many_requests() -> ApiError {
    ApiError::new(429, "Client::TooManyRequests", "Too many requests")
}

/// The answer of an injected error status.
pub(crate) fn injected(status: u16) -> ApiError {
    match status {
        429 => too_many_requests(),
        502 => ApiError::new(502, "Server::BadGateway", "Bad gateway"),
        503 => ApiError::new(
            503,
            "Server::ServiceUnavailable",
            "The service is temporarily unavailable",
        ),
        504 => ApiError::new(504, "Server::GatewayTimeout", "Gateway timeout"),
        500 => ApiError::new(500, "Server::InternalServerError", "Internal server error"),
        other if other >= 500 => {
            ApiError::new(other, "Server::InternalServerError", "Server error")
        }
        other => ApiError::new(other, "Client::BadRequest", "Injected error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_carry_http_code_and_error_code_only_when_set() {
        let body = error_body(&not_granted());
        assert_eq!(
            body,
            json!({"class":"Client::Forbidden","message":"This call has not been granted",
                "errorCode":"NOT_GRANTED_CALL","httpCode":"403 Forbidden"})
        );
        let body = error_body(&not_found_url());
        assert!(body.get("errorCode").is_none());
        assert_eq!(body["httpCode"], "404 Not Found");
        assert_eq!(http_code(429), "429 Too Many Requests");
    }
}
