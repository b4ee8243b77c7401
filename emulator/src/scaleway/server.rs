//! The HTTP side of the Scaleway mode: every request goes through [`handle`]. InterLink calls
//! then go, in order, through operation matching (404), authentication (401), the per-key
//! rate limit (429), fault injection, the region check, body parsing, and only then the
//! operation, under the store's lock. The `/_emulator` administration API is answered here
//! too.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::errors::{self, invalid_argument, Reason, ScwError};
use super::ops::{self, Ctx, Op, PREFIX};
use super::request::{Body as JsonBody, Query};
use super::state::{ApiKey, Store};
use crate::controls::Controls;
use crate::faults::{self, Decision};
use crate::responses::{bytes_response, json_response, set_header, HttpResponse};
use crate::stats::{bump, Stats};
use crate::sync::lock;

/// Request bodies larger than this are refused.
const MAX_BODY: usize = 1024 * 1024;

/// Everything the handlers share.
pub(crate) struct Shared {
    pub store: Mutex<Store>,
    pub regions: Vec<String>,
    pub step: Duration,
    pub link_quota: usize,
    pub default_project_id: String,
    pub default_organization_id: String,
    /// Faults, rate limit (per API key) and stats.
    pub controls: Controls,
}

impl Shared {
    /// A new key of `project_id` (default: the default project) in `organization_id`
    /// (default: the default organization).
    pub fn create_api_key(
        &self,
        project_id: Option<String>,
        organization_id: Option<String>,
    ) -> ApiKey {
        let access_key = format!(
            "SCW{}",
            std::iter::repeat_with(|| {
                let i = fastrand::usize(..36);
                char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[i])
            })
            .take(17)
            .collect::<String>()
        );
        let key = ApiKey {
            access_key,
            secret_key: uuid::Uuid::new_v4().to_string(),
            project_id: project_id.unwrap_or_else(|| self.default_project_id.clone()),
            organization_id: organization_id
                .unwrap_or_else(|| self.default_organization_id.clone()),
        };
        self.register(key.clone());
        key
    }

    /// Adds a key (replacing one with the same secret).
    pub fn register(&self, key: ApiKey) {
        let mut store = lock(&self.store);
        store.keys.retain(|k| k.secret_key != key.secret_key);
        store.keys.push(key);
    }

    fn count(&self, f: impl FnOnce(&mut Stats)) {
        self.controls.count(f);
    }
}

/// The one handler of the router.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    request: Request<Body>,
) -> HttpResponse {
    shared.count(|s| s.requests += 1);
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return invalid_argument("body", Reason::Constraint, "the request body is too large")
            .response();
    };
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let mut response = if path == "/_emulator" || path.starts_with("/_emulator/") {
        admin(&shared, method, path, &body)
    } else {
        let call = Call {
            method,
            path,
            query: parts.uri.query(),
            token: parts
                .headers
                .get("x-auth-token")
                .and_then(|v| v.to_str().ok()),
            body: &body,
        };
        match api_call(&shared, &call).await {
            Ok(response) => response,
            Err(error) => error.response(),
        }
    };
    if response.status() != 204 {
        set_header(&mut response, "content-type", "application/json");
    }
    response
}

/// One InterLink request, as received.
struct Call<'a> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    token: Option<&'a str>,
    body: &'a [u8],
}

async fn api_call(shared: &Shared, call: &Call<'_>) -> Result<HttpResponse, ScwError> {
    let parsed = call
        .path
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(region, rest)| Some((region, Op::parse(call.method, rest)?)));
    let Some((region, (op, key))) = parsed else {
        shared.count(|s| s.unmatched += 1);
        return Err(errors::unknown_route(call.method, call.path));
    };
    shared.count(|s| bump(&mut s.received, &key));

    // 1. Who calls.
    let api_key =
        authenticate(shared, call.token).inspect_err(|_| shared.count(|s| s.auth_failures += 1))?;

    // 2. Rate limit, per key.
    if let Some(per_sec) = shared.controls.over_limit(&api_key.access_key) {
        return Err(errors::too_many_requests(per_sec));
    }

    // 3. Faults, decided before anything is applied.
    if let Some(response) = inject_fault(shared, call.path, &key).await {
        return Ok(response);
    }

    // 4. Region and body.
    if !shared.regions.iter().any(|r| r == region) {
        return Err(invalid_argument(
            "region",
            Reason::Constraint,
            format!(
                "unknown region {region:?}; this API is in {}",
                shared.regions.join(", ")
            ),
        ));
    }
    let body = parse_body(call)?;

    // 5. Apply.
    shared.count(|s| bump(&mut s.applied, &key));
    let ctx = Ctx {
        region,
        key: &api_key,
        now: Instant::now(),
        step: shared.step,
        link_quota: shared.link_quota,
    };
    let query = Query::parse(call.query);
    let answer = ops::apply(
        &mut lock(&shared.store),
        &ctx,
        &op,
        &query,
        &JsonBody(&body),
    )?;
    Ok(match answer {
        Some(value) => json_response(200, &value),
        None => bytes_response(204, Vec::new()),
    })
}

/// The key whose secret the `X-Auth-Token` header carries.
fn authenticate(shared: &Shared, token: Option<&str>) -> Result<ApiKey, ScwError> {
    let token = token.map(str::trim).unwrap_or_default();
    if uuid::Uuid::parse_str(token).is_err() {
        return Err(errors::denied_authentication("invalid_argument"));
    }
    lock(&shared.store)
        .key(token)
        .cloned()
        .ok_or_else(|| errors::denied_authentication("not_found"))
}

/// Draws the faults in force for this call; the answer when one was injected.
async fn inject_fault(shared: &Shared, path: &str, key: &str) -> Option<HttpResponse> {
    let faults = shared.controls.faults();
    if !faults.is_active() || !faults::applies(&faults, path, key) {
        return None;
    }
    let decision = shared.controls.inject(&faults, key, faults::decide).await?;
    let mut response = match decision {
        Decision::Status(status) => errors::injected(status).response(),
        _ => faults::dropped_response(),
    };
    if let Some(kind) = decision.kind() {
        set_header(&mut response, "x-emulator-fault", &kind);
    }
    Some(response)
}

/// The JSON object of a `POST` or `PATCH` (empty = `{}`); other methods' bodies are ignored,
/// as the Python SDK sends `{}` with every request.
fn parse_body(call: &Call<'_>) -> Result<Map<String, Value>, ScwError> {
    let has_body = matches!(call.method, "POST" | "PATCH" | "PUT");
    if !has_body || call.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(call.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid_argument(
            "body",
            Reason::Format,
            "a JSON object is expected",
        )),
        Err(e) => Err(invalid_argument(
            "body",
            Reason::Format,
            format!("invalid JSON: {e}"),
        )),
    }
}

// ---- /_emulator ------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApiKeyBody {
    project_id: Option<String>,
    organization_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RateLimitBody {
    per_second: Option<u32>,
}

fn admin(shared: &Shared, method: &str, path: &str, body: &[u8]) -> HttpResponse {
    match admin_call(shared, method, path, body) {
        Ok(value) => json_response(200, &value),
        Err(error) => error.response(),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ScwError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| invalid_argument("body", Reason::Format, e.to_string()))
}

fn admin_call(shared: &Shared, method: &str, path: &str, body: &[u8]) -> Result<Value, ScwError> {
    let path = path
        .strip_prefix("/_emulator")
        .unwrap_or("")
        .trim_end_matches('/');
    match (method, path) {
        ("GET", "") => Ok(json!({
            "provider": "scaleway",
            "endpoints": [
                "POST /_emulator/apiKeys {project_id?, organization_id?} -> {access_key, secret_key, project_id, organization_id}",
                "GET|PUT /_emulator/faults {errorRate, errorStatuses, latencyMs, dropRate, onlyPaths, maxFaults}",
                "GET|PUT /_emulator/rateLimit {perSecond: n|null}",
                "GET|DELETE /_emulator/stats",
                "GET /_emulator/health",
            ],
        })),
        ("GET", "/health") => Ok(json!({"status": "ok"})),
        ("POST", "/apiKeys") => {
            let b: ApiKeyBody = parse(body)?;
            for (name, id) in [
                ("project_id", &b.project_id),
                ("organization_id", &b.organization_id),
            ] {
                if id
                    .as_deref()
                    .is_some_and(|v| uuid::Uuid::parse_str(v).is_err())
                {
                    return Err(invalid_argument(name, Reason::Format, "must be a UUID"));
                }
            }
            let key = shared.create_api_key(b.project_id, b.organization_id);
            Ok(json!({
                "access_key": key.access_key,
                "secret_key": key.secret_key,
                "project_id": key.project_id,
                "organization_id": key.organization_id,
            }))
        }
        ("GET", "/faults") => Ok(shared.controls.faults_json()),
        ("PUT" | "POST", "/faults") => Ok(shared.controls.put_faults(parse(body)?)),
        ("GET", "/rateLimit") => Ok(shared.controls.rate_limit_json()),
        ("PUT" | "POST", "/rateLimit") => {
            let b: RateLimitBody = parse(body)?;
            Ok(shared.controls.put_rate_limit(b.per_second))
        }
        ("GET", "/stats") => Ok(shared.controls.stats_json()),
        ("DELETE", "/stats") => {
            shared.controls.reset_stats();
            Ok(json!({}))
        }
        _ => Err(errors::unknown_route(method, &format!("/_emulator{path}"))),
    }
}
