//! `/_emulator/...`: the administration API, JSON in and out, unauthenticated. It does over
//! HTTP what the [`Emulator`](crate::Emulator) methods do in-process (see the crate docs for
//! the list).

use std::sync::atomic::Ordering;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{self, AccessRule};
use crate::config::Faults;
use crate::flows::ApiError;
use crate::responses::{error_response, json_response, HttpResponse};
use crate::shared::{Incoming, Shared};
use crate::sync::lock;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ApplicationBody {
    application_key: Option<String>,
    application_secret: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ConsumerKeyBody {
    application_key: String,
    consumer_key: Option<String>,
    access_rules: Option<Vec<AccessRule>>,
    #[serde(rename = "allowedIPs")]
    allowed_ips: Option<Vec<String>>,
    validated: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct OAuthClientBody {
    client_id: Option<String>,
    client_secret: Option<String>,
}

#[derive(Deserialize)]
struct SkewBody {
    seconds: i64,
}

#[derive(Deserialize)]
struct IcebergBody {
    enabled: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RateLimitBody {
    per_second: Option<u32>,
}

fn parse<T: for<'de> Deserialize<'de> + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| bad_request(&e.to_string()))
}

fn parse_required<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| bad_request(&e.to_string()))
}

/// A query parameter, decoded.
fn query(incoming: &Incoming, name: &str) -> Option<String> {
    let raw = incoming.query.as_deref()?;
    form_urlencoded::parse(raw.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn bad_request(detail: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid admin request: {detail}"))
}

/// What `GET /_emulator` answers: the list of admin endpoints.
fn index() -> Value {
    json!({
        "endpoints": [
            "POST /_emulator/applications {applicationKey?, applicationSecret?} -> {applicationKey, applicationSecret, applicationId}",
            "POST /_emulator/consumerKeys {applicationKey, accessRules?, allowedIPs?, consumerKey?, validated?} -> {consumerKey, state, validationUrl}",
            "POST /_emulator/consumerKeys/{consumerKey}/validate -> {state}",
            "POST /_emulator/oauth2Clients {clientId?, clientSecret?} -> {clientId, clientSecret}",
            "GET|PUT /_emulator/clockSkew {seconds}",
            "GET|PUT /_emulator/faults {errorRate, errorStatuses, latencyMs, dropRate, breakSchemaRate, breakMode, deviationRate, deviations, truncateRate, onlyPaths, maxFaults}",
            "GET|PUT /_emulator/iceberg {enabled}",
            "GET|PUT /_emulator/rateLimit {perSecond: n|null}",
            "GET|DELETE /_emulator/stats",
            "DELETE /_emulator/objects?path=/me/bill/{billId}[&listed=false] -> {path, listed}: that object (and what is under it) answers 404; lists of ids keep naming it unless listed=false",
            "GET /_emulator/objects/forgotten -> {forgotten: [{path, listed}]}",
            "DELETE /_emulator/objects/forgotten[?path=...] -> {restored: n}: brings back that object, or every one",
            "GET /_emulator/state -> {collections: {path: [{id, object}]}}: the schema-driven state",
            "PUT /_emulator/state {collections: {path: [{id, object}]}} -> {loaded: n}: replaces it",
            "DELETE /_emulator/state -> {}: every collection answers examples again",
            "GET /_emulator/health",
        ]
    })
}

pub(crate) fn handle(shared: &Shared, incoming: &Incoming) -> HttpResponse {
    match run(shared, incoming) {
        Ok(value) => json_response(200, &value),
        Err(error) => error_response(&error),
    }
}

fn run(shared: &Shared, incoming: &Incoming) -> Result<Value, ApiError> {
    let path = incoming
        .path
        .strip_prefix("/_emulator")
        .unwrap_or("")
        .trim_end_matches('/');
    let body = &incoming.body[..];
    let ok = Ok;
    match (incoming.method.as_str(), path) {
        ("GET", "") => ok(index()),
        ("GET", "/health") => ok(json!({"status": "ok"})),
        ("POST", "/applications") => {
            let b: ApplicationBody = parse(body)?;
            let key = b.application_key.unwrap_or_else(|| auth::random_token(16));
            let secret = b
                .application_secret
                .unwrap_or_else(|| auth::random_token(32));
            let id = lock(&shared.registry).add_application(&key, &secret);
            ok(json!({"applicationKey": key, "applicationSecret": secret, "applicationId": id}))
        }
        ("POST", "/consumerKeys") => {
            let b: ConsumerKeyBody = parse_required(body)?;
            let key = b.consumer_key.unwrap_or_else(|| auth::random_token(32));
            let validated = b.validated.unwrap_or(true);
            let url = shared.add_consumer_key(
                &incoming.origin,
                &key,
                &b.application_key,
                b.access_rules.unwrap_or_else(auth::full_access),
                b.allowed_ips,
                validated,
            );
            let state = if validated {
                "validated"
            } else {
                "pendingValidation"
            };
            ok(json!({"consumerKey": key, "state": state, "validationUrl": url}))
        }
        ("POST", p) if p.starts_with("/consumerKeys/") && p.ends_with("/validate") => {
            let key = &p["/consumerKeys/".len()..p.len() - "/validate".len()];
            if lock(&shared.registry).validate(key) {
                ok(json!({"state": "validated"}))
            } else {
                Err(ApiError::not_found(
                    "This consumer key is unknown or expired",
                ))
            }
        }
        ("POST", "/oauth2Clients") => {
            let b: OAuthClientBody = parse(body)?;
            let id = b.client_id.unwrap_or_else(|| auth::random_token(16));
            let secret = b.client_secret.unwrap_or_else(|| auth::random_token(32));
            lock(&shared.registry).add_oauth_client(&id, &secret);
            ok(json!({"clientId": id, "clientSecret": secret}))
        }
        ("GET", "/clockSkew") => ok(json!({"seconds": shared.skew.load(Ordering::Relaxed)})),
        ("PUT", "/clockSkew") | ("POST", "/clockSkew") => {
            let b: SkewBody = parse_required(body)?;
            shared.skew.store(b.seconds, Ordering::Relaxed);
            ok(json!({"seconds": b.seconds}))
        }
        ("GET", "/faults") => ok(shared.controls.faults_json()),
        ("PUT", "/faults") | ("POST", "/faults") => {
            let faults: Faults = parse(body)?;
            ok(shared.controls.put_faults(faults))
        }
        ("GET", "/iceberg") => ok(json!({"enabled": shared.iceberg.load(Ordering::Relaxed)})),
        ("PUT", "/iceberg") | ("POST", "/iceberg") => {
            let b: IcebergBody = parse_required(body)?;
            shared.iceberg.store(b.enabled, Ordering::Relaxed);
            ok(json!({"enabled": b.enabled}))
        }
        ("GET", "/rateLimit") => ok(shared.controls.rate_limit_json()),
        ("PUT", "/rateLimit") | ("POST", "/rateLimit") => {
            let b: RateLimitBody = parse_required(body)?;
            ok(shared.controls.put_rate_limit(b.per_second))
        }
        ("GET", "/stats") => ok(shared.controls.stats_json()),
        ("DELETE", "/stats") => {
            shared.controls.reset_stats();
            ok(json!({}))
        }
        ("DELETE", "/objects") => {
            let path = query(incoming, "path")
                .ok_or_else(|| bad_request("the query parameter path is missing"))?;
            let listed = match query(incoming, "listed").as_deref() {
                None | Some("true") | Some("1") => true,
                Some("false") | Some("0") => false,
                Some(other) => return Err(bad_request(&format!("listed={other}: true or false"))),
            };
            let object = shared
                .forgotten
                .add(&path, listed)
                .ok_or_else(|| bad_request(&format!("path {path:?} names no object")))?;
            ok(json!(object))
        }
        ("GET", "/state") => ok(shared.state.dump()),
        ("PUT", "/state") | ("POST", "/state") => {
            let doc: Value = parse_required(body)?;
            let loaded = shared
                .state
                .load(&shared.catalog, &doc)
                .map_err(|e| bad_request(&e.to_string()))?;
            ok(json!({"loaded": loaded}))
        }
        ("DELETE", "/state") => {
            shared.state.clear();
            ok(json!({}))
        }
        ("GET", "/objects/forgotten") => ok(json!({"forgotten": shared.forgotten.list()})),
        ("DELETE", "/objects/forgotten") => {
            let restored = match query(incoming, "path") {
                Some(path) => usize::from(shared.forgotten.restore(&path)),
                None => shared.forgotten.clear(),
            };
            ok(json!({"restored": restored}))
        }
        _ => Err(ApiError::not_found(format!(
            "No admin endpoint {} /_emulator{path}; GET /_emulator lists them",
            incoming.method
        ))),
    }
}
