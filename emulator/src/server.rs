//! The HTTP side: the request pipeline (its shared state is [`crate::shared`]).
//!
//! Every request goes through [`handle`]. API calls then go through, in order: operation
//! matching, verification (see [`crate::auth`]), the per-application rate limit, fault
//! injection, body parsing (and the pagination headers of an expanded listing, see
//! [`crate::iceberg`]), and only then the operation itself: the built-in `/auth` operations,
//! the stateful flows, or a schema-valid example of the response type (for an expanded
//! listing: the collection, then each of its items). Successful answers may then be given a
//! deviation ([`crate::deviations`]) or, failing that, broken ([`crate::faults`]). Schema
//! documents (root listings and schema files) are served as they are, through fault injection
//! too ([`serve_document`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::Request;
use ovhcloud_schema::examples::{Examples, Flavor};
use ovhcloud_schema::model::TypeRef;
use ovhcloud_schema::reader::Branch;
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

use crate::auth::{self, AccessRule, Identity, SignedRequest};
use crate::config::{Deviation, Faults};
use crate::deviations;
use crate::faults::{self, Decision};
use crate::flows::{ApiError, FlowRequest, FlowResponse};
use crate::forgotten;
use crate::iceberg::{self, Listing};
use crate::responses::{self, error_response, json_response, set_header, HttpResponse};
use crate::schemas::{Collection, Match, Route};
use crate::shape::Walker;
use crate::shared::{Incoming, Shared};
use crate::state::StateCall;
use crate::stats::bump;
use crate::sync::lock;
use crate::validate;

/// Request bodies larger than this are refused.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// The one handler of the router: every request comes here.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request<Body>,
) -> HttpResponse {
    let n = shared.counter.fetch_add(1, Ordering::Relaxed) + 1;
    shared.count(|s| s.requests += 1);
    let mut response = route(&shared, peer, request, n).await;
    set_header(
        &mut response,
        "x-ovh-queryid",
        &format!("{}.{n}.emulator", shared.query_prefix),
    );
    set_header(&mut response, "content-type", "application/json");
    response
}

async fn route(
    shared: &Arc<Shared>,
    peer: SocketAddr,
    request: Request<Body>,
    counter: u64,
) -> HttpResponse {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return error_response(&ApiError::new(
                413,
                "Client::RequestEntityTooLarge",
                "The request body is too large or could not be read",
            ))
        }
    };
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()));
    let origin = match host {
        Some(h) => format!("http://{h}"),
        None => shared.base_url.clone(),
    };
    let incoming = Incoming {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        peer: peer.ip(),
        origin,
        counter,
    };
    let path = incoming.path.as_str();
    if path == "/_emulator" || path.starts_with("/_emulator/") {
        return crate::admin::handle(shared, &incoming);
    }
    if path == "/auth/oauth2/token" {
        return oauth2_token(shared, &incoming);
    }
    if path == "/auth" || path == "/auth/" {
        return validation_page(shared, &incoming);
    }
    let Some((alias, branch, rest)) = ovhcloud_schema::router::split_prefix(path) else {
        shared.count(|s| s.unmatched += 1);
        return error_response(&responses::not_found_url());
    };
    if incoming.method == "GET" {
        if rest.is_empty() || rest == "/" {
            let base_path = format!("{}{alias}", incoming.origin);
            let listing = shared.catalog.listing(branch, &base_path);
            return serve_document(shared, &incoming, listing).await;
        }
        if let Some(api) = rest.strip_suffix(".json") {
            if let Some(bytes) = shared.catalog.file(branch, api) {
                let bytes = bytes.to_vec();
                return serve_document(shared, &incoming, bytes).await;
            }
        }
    }
    // `/domain/zone/` is `/domain/zone`, as OVH answers it.
    let rest = rest.strip_suffix('/').unwrap_or(rest).to_owned();
    api_call(shared, &incoming, branch, &rest).await
}

/// Answers a schema document (a root listing or a schema file) with the faults in force:
/// latency, a dropped connection or an error status as for API calls, else possibly only the
/// first half of the bytes ([`Faults::truncate_rate`]). Faults are counted under the key
/// `GET /1.0/me.json` (the raw path), which `only_paths` can also match.
async fn serve_document(shared: &Shared, incoming: &Incoming, bytes: Vec<u8>) -> HttpResponse {
    let faults = shared.controls.faults();
    let key = format!("GET {}", incoming.path);
    if !faults.is_active() || !faults::applies(&faults, &incoming.path, &key) {
        return responses::bytes_response(200, bytes);
    }
    let Some(decision) = shared
        .controls
        .inject(&faults, &key, faults::decide_document)
        .await
    else {
        return responses::bytes_response(200, bytes);
    };
    fault_response(decision, bytes)
}

/// The answer an injected fault gets, marked with `x-emulator-fault`; `bytes` is what a
/// truncation cuts.
fn fault_response(decision: Decision, bytes: Vec<u8>) -> HttpResponse {
    let mut response = match decision {
        Decision::Status(status) => error_response(&responses::injected(status)),
        Decision::Truncate => responses::bytes_response(200, faults::truncate(bytes)),
        Decision::Drop | Decision::Proceed => faults::dropped_response(),
    };
    if let Some(kind) = decision.kind() {
        set_header(&mut response, "x-emulator-fault", &kind);
    }
    response
}

/// Operations that never get faults: the clock and the consumer-key request.
fn never_faulted(route: &Route) -> bool {
    route.branch == Branch::V1
        && matches!(
            (route.method.as_str(), route.template.as_str()),
            ("GET", "/auth/time") | ("POST", "/auth/credential")
        )
}

async fn api_call(
    shared: &Shared,
    incoming: &Incoming,
    branch: Branch,
    rest: &str,
) -> HttpResponse {
    let (route, params) = match shared.catalog.find(branch, &incoming.method, rest) {
        Match::Found { route, params } => (route, params),
        Match::MethodNotAllowed(methods) => {
            shared.count(|s| s.unmatched += 1);
            let mut response = error_response(&responses::method_not_allowed());
            set_header(&mut response, "allow", &methods.join(", "));
            return response;
        }
        Match::NotFound => {
            shared.count(|s| s.unmatched += 1);
            return error_response(&responses::not_found_url());
        }
    };
    shared.count(|s| bump(&mut s.received, &route.key));
    let is_time = route.branch == Branch::V1 && route.template == "/auth/time";

    // 1. Who is calling.
    let identity = if is_time {
        Ok(Identity::Anonymous(None))
    } else if !route.authenticated {
        lock(&shared.registry).check_anonymous(incoming.header("x-ovh-application"))
    } else {
        let rule_path = match branch {
            Branch::V1 => rest.to_owned(),
            Branch::V2 => format!("/v2{rest}"),
        };
        let decoded = percent_decode_str(&rule_path)
            .decode_utf8_lossy()
            .into_owned();
        let full_url = format!("{}{}", incoming.origin, incoming.path_and_query());
        let request = SignedRequest {
            method: &incoming.method,
            full_url: &full_url,
            rule_path: &rule_path,
            rule_path_decoded: &decoded,
            body: &incoming.body,
            peer: incoming.peer,
            application: incoming.header("x-ovh-application"),
            consumer: incoming.header("x-ovh-consumer"),
            timestamp: incoming.header("x-ovh-timestamp"),
            signature: incoming.header("x-ovh-signature"),
            authorization: incoming.header("authorization"),
        };
        let now = shared.server_time();
        lock(&shared.registry).verify(&request, now, shared.window)
    };
    let identity = match identity {
        Ok(identity) => identity,
        Err(error) => {
            shared.count(|s| s.auth_failures += 1);
            return error_response(&error);
        }
    };

    // 2. Rate limit, per application.
    if !is_time {
        if let Some(key) = identity.rate_key() {
            if shared.controls.over_limit(&key).is_some() {
                return error_response(&responses::too_many_requests());
            }
        }
    }

    // 3. Faults decided before anything is applied.
    let faults = shared.controls.faults();
    let faultable = !never_faulted(route)
        && faults.is_active()
        && faults::applies(&faults, &incoming.path, &route.key);
    if faultable {
        if let Some(decision) = shared
            .controls
            .inject(&faults, &route.key, faults::decide)
            .await
        {
            return fault_response(decision, Vec::new());
        }
    }

    // 4. The body, and the pagination headers of an expanded listing.
    let body = if incoming.body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<Value>(&incoming.body) {
            Ok(v) => Some(v),
            Err(e) => return error_response(&responses::invalid_json(&e.to_string())),
        }
    };
    let query = query_pairs(incoming);
    if let Err(error) =
        validate::check_call(&shared.catalog.ir, route, &params, &query, body.as_ref())
    {
        shared.count(|s| s.invalid += 1);
        return error_response(&error);
    }
    let expanded = match expanded_listing(shared, incoming, route) {
        Ok(expanded) => expanded,
        Err(error) => return error_response(&error),
    };

    // 5. Apply.
    shared.count(|s| bump(&mut s.applied, &route.key));
    let call = Call {
        incoming,
        route,
        params: &params,
        identity: &identity,
    };
    let answer = match &expanded {
        Some((collection, listing)) => expand(shared, &call, body.as_ref(), *collection, listing),
        None => apply(shared, &call, body.as_ref()).map(|(v, h)| (v, h, route.response.clone())),
    };
    let (mut value, extra_headers, answer_type) = match answer {
        Ok(answer) => answer,
        Err(error) => return error_response(&error),
    };
    // 6. Deviations or broken answers, after the fact.
    let mut fault_headers = Vec::new();
    if faultable {
        let plain_ids = expanded.is_none();
        let deviated = deviate(shared, &faults, &call, plain_ids, &answer_type, &mut value);
        match deviated {
            Some(header) => fault_headers.push(header),
            None => fault_headers = break_schema(shared, &faults, &call, &answer_type, &mut value),
        }
    }
    let mut response = json_response(200, &value);
    for (name, v) in extra_headers.iter().chain(&fault_headers) {
        set_header(&mut response, name, v);
    }
    response
}

/// A verified call, as the operation and the fault injection see it.
struct Call<'a> {
    incoming: &'a Incoming,
    route: &'a Route,
    params: &'a HashMap<String, String>,
    identity: &'a Identity,
}

/// The collection and the pagination headers when this call asks for an expanded listing
/// that the emulator gives ([`crate::iceberg`]); an error for bad pagination headers.
fn expanded_listing<'s>(
    shared: &'s Shared,
    incoming: &Incoming,
    route: &Route,
) -> Result<Option<(Collection<'s>, Listing)>, ApiError> {
    if !shared.iceberg.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let Some(collection) = shared.catalog.collection(route) else {
        return Ok(None);
    };
    let Some(listing) = Listing::from_headers(|name| incoming.header(name))? else {
        return Ok(None);
    };
    let walker = Walker {
        ir: &shared.catalog.ir,
    };
    listing.check_fields(&walker, &collection.item.response)?;
    Ok(Some((collection, listing)))
}

/// An expanded listing: the ids as the collection answers them, each item's object, then the
/// page asked for. The answer's type is a list of items.
fn expand(
    shared: &Shared,
    call: &Call<'_>,
    body: Option<&Value>,
    collection: Collection<'_>,
    listing: &Listing,
) -> TypedAnswer {
    let (ids, _) = apply(shared, call, body)?;
    let item_list = TypeRef::Array(Box::new(collection.item.response.clone()));
    // Without filter nor sort, only the page's objects are read, so that paging through
    // thousands of items costs each page its own size, not the whole list's. This is exact
    // as long as every id's object can be read, which holds for the flows (their lists and
    // items agree) and the examples; forgotten objects cannot be read, and a page with an
    // unreadable item falls back to reading them all.
    if let (true, true, Some(all)) = (
        listing.is_plain(),
        shared.forgotten.is_empty(),
        ids.as_array(),
    ) {
        let window = listing.window(all.len());
        let wanted = Value::Array(all[window.clone()].to_vec());
        let objects = item_objects(shared, call, collection, &wanted);
        if objects.len() == window.len() {
            let (page, headers) = listing.cut_page(objects, all.len());
            return Ok((page, headers, item_list));
        }
    }
    let objects = item_objects(shared, call, collection, &ids);
    let (page, headers) = listing.page(objects);
    Ok((page, headers, item_list))
}

/// The object of each id of `ids` (a JSON list), as `GET P/{id}` answers it; ids whose object
/// cannot be read (an error answer) are left out.
fn item_objects(
    shared: &Shared,
    call: &Call<'_>,
    collection: Collection<'_>,
    ids: &Value,
) -> Vec<Value> {
    let headers = request_headers(call.incoming);
    let ids = ids.as_array().map(Vec::as_slice).unwrap_or_default();
    ids.iter()
        .filter_map(|id| {
            let mut params = call.params.clone();
            params.insert(collection.param.to_owned(), iceberg::value_text(id));
            let item = Operation {
                route: collection.item,
                params: &params,
                query: &[],
                headers: &headers,
                identity: call.identity,
                body: None,
            };
            operate(shared, &item).ok().map(|(object, _)| object)
        })
        .collect()
}

/// Draws [`Faults::deviation_rate`] and gives `value` one deviation: the kinds configured,
/// starting from the one the request counter picks, the first that applies. Returns the
/// `X-Emulator-Deviation` header. `plain_ids`: the answer is what the operation declares (not
/// an expanded listing), so `objects-for-ids` may apply.
fn deviate(
    shared: &Shared,
    faults: &Faults,
    call: &Call<'_>,
    plain_ids: bool,
    ty: &TypeRef,
    value: &mut Value,
) -> Option<(String, String)> {
    if faults.deviation_rate <= 0.0 || shared.controls.rng().f64() >= faults.deviation_rate {
        return None;
    }
    let kinds: &[Deviation] = if faults.deviations.is_empty() {
        &Deviation::ALL
    } else {
        &faults.deviations
    };
    let start = (call.incoming.counter % kinds.len() as u64) as usize;
    for kind in kinds.iter().cycle().skip(start).take(kinds.len()) {
        let mut changed = value.clone();
        let path = match kind {
            Deviation::ObjectsForIds if plain_ids => objects_for_ids(shared, call, &mut changed),
            Deviation::ObjectsForIds => None,
            member_kind => deviations::deviate(&shared.catalog.ir, ty, &mut changed, *member_kind),
        };
        let Some(path) = path else {
            continue;
        };
        if !shared.controls.take_fault(faults) {
            return None;
        }
        *value = changed;
        shared.count(|s| {
            bump(&mut s.faults, &format!("deviation/{kind}"));
            bump(&mut s.faults_by_operation, &call.route.key);
        });
        return Some(("x-emulator-deviation".to_owned(), format!("{kind} {path}")));
    }
    None
}

/// [`Deviation::ObjectsForIds`]: a non-empty list of ids of a collection becomes the items'
/// objects; the path is `[0]`, the first value that is no longer an id.
fn objects_for_ids(shared: &Shared, call: &Call<'_>, value: &mut Value) -> Option<String> {
    let collection = shared.catalog.collection(call.route)?;
    let objects = item_objects(shared, call, collection, value);
    if objects.is_empty() {
        return None;
    }
    *value = Value::Array(objects);
    Some("[0]".to_owned())
}

/// Draws [`Faults::break_schema_rate`] and breaks `value` as [`Faults::break_mode`] says;
/// returns the `X-Emulator-Fault` and `X-Emulator-Broken-Path` headers.
fn break_schema(
    shared: &Shared,
    faults: &Faults,
    call: &Call<'_>,
    ty: &TypeRef,
    value: &mut Value,
) -> Vec<(String, String)> {
    if faults.break_schema_rate <= 0.0 || shared.controls.rng().f64() >= faults.break_schema_rate {
        return Vec::new();
    }
    let mut broken = value.clone();
    let ir = &shared.catalog.ir;
    let counter = call.incoming.counter;
    let done = faults::break_answer(ir, ty, &mut broken, faults.break_mode, counter);
    let Some((kind, path)) = done.filter(|_| shared.controls.take_fault(faults)) else {
        return Vec::new();
    };
    *value = broken;
    shared.count(|s| {
        bump(&mut s.faults, "breakSchema");
        bump(&mut s.faults_by_operation, &call.route.key);
    });
    let mode = serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    vec![
        ("x-emulator-fault".to_owned(), format!("breakSchema/{mode}")),
        ("x-emulator-broken-path".to_owned(), path),
    ]
}

/// Response headers, by name.
type Headers = Vec<(String, String)>;
/// An operation's answer: its JSON and response headers.
type Answer = Result<(Value, Headers), ApiError>;
/// An answer with the type it has (the operation's, or a list of items for an expanded
/// listing).
type TypedAnswer = Result<(Value, Headers, TypeRef), ApiError>;

/// Carries out a verified call: the built-in `/auth` operations, else [`operate`].
fn apply(shared: &Shared, call: &Call<'_>, body: Option<&Value>) -> Answer {
    let (incoming, route, identity) = (call.incoming, call.route, call.identity);
    if route.branch == Branch::V1 {
        match (route.method.as_str(), route.template.as_str()) {
            ("GET", "/auth/time") => return Ok((json!(shared.server_time()), Vec::new())),
            ("POST", "/auth/credential") => {
                return credential_request(shared, incoming, identity, body)
                    .map(|v| (v, Vec::new()))
            }
            ("GET", "/auth/currentCredential") => {
                let value = lock(&shared.registry).current_credential(identity);
                return Ok((value, Vec::new()));
            }
            ("POST", "/auth/logout") => {
                if let Identity::Signed { consumer_key, .. } = identity {
                    lock(&shared.registry).expire(consumer_key);
                }
                return Ok((Value::Null, Vec::new()));
            }
            _ => {}
        }
    }
    let query = query_pairs(incoming);
    let headers = request_headers(incoming);
    operate(
        shared,
        &Operation {
            route,
            params: call.params,
            query: &query,
            headers: &headers,
            identity,
            body,
        },
    )
}

/// The query parameters, decoded, in order.
fn query_pairs(incoming: &Incoming) -> Vec<(String, String)> {
    incoming
        .query
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// The request headers as flows see them: names lower-cased, repeated ones joined with `, `.
fn request_headers(incoming: &Incoming) -> HashMap<String, String> {
    let mut headers: HashMap<String, String> = HashMap::new();
    for (name, value) in &incoming.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_ascii_lowercase())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    headers
}

/// One operation answered by the flows or an example: a call, or one item of an expanded
/// listing.
struct Operation<'a> {
    route: &'a Route,
    params: &'a HashMap<String, String>,
    query: &'a [(String, String)],
    headers: &'a HashMap<String, String>,
    identity: &'a Identity,
    body: Option<&'a Value>,
}

/// The first flow that handles the operation, else the schema-driven state of a written
/// collection ([`crate::state`]), else an example of its response type; a
/// forgotten object ([`crate::forgotten`]) is a 404, and a list of ids leaves out those
/// removed from lists.
fn operate(shared: &Shared, op: &Operation<'_>) -> Answer {
    if shared.forgotten.is_empty() {
        return operate_live(shared, op);
    }
    let route = op.route;
    let path = forgotten::concrete(&route.template, op.params);
    if let Some(error) = shared
        .forgotten
        .hiding(route.branch, &route.template, &path)
    {
        return Err(error);
    }
    let (mut value, headers) = operate_live(shared, op)?;
    if shared.catalog.collection(route).is_some() {
        let dropped = shared.forgotten.unlisted_under(route.branch, &path);
        if let (false, Value::Array(ids)) = (dropped.is_empty(), &mut value) {
            ids.retain(|id| !dropped.contains(&iceberg::value_text(id)));
        }
    }
    Ok((value, headers))
}

/// [`operate`] without the forgotten objects.
fn operate_live(shared: &Shared, op: &Operation<'_>) -> Answer {
    let route = op.route;
    let request = FlowRequest {
        method: &route.method,
        branch: match route.branch {
            Branch::V1 => "v1",
            Branch::V2 => "v2",
        },
        template: &route.template,
        params: op.params,
        query: op.query,
        headers: op.headers,
        body: op.body,
        application_key: op.identity.application_key(),
        now: Instant::now(),
    };
    for flow in &shared.flows {
        match flow.handle(&request) {
            FlowResponse::NotHandled => continue,
            FlowResponse::Json(mut value, headers) => {
                // Flows model what their scenario needs; the loaded schema may declare more
                // (example answers are complete already).
                Examples::new(&shared.catalog.ir, Flavor::Typical)
                    .complete(&route.response, &mut value);
                return Ok((value, headers));
            }
            FlowResponse::Error(error) => return Err(error),
        }
    }
    let call = StateCall {
        route,
        params: op.params,
        query: op.query,
        body: op.body,
    };
    if let Some(answer) = shared.state.operate(&shared.catalog, &call) {
        return answer.map(|value| (value, Vec::new()));
    }
    Ok((shared.example_for(route, op.params), Vec::new()))
}

/// `POST /auth/credential`: a pending consumer key for a known application.
fn credential_request(
    shared: &Shared,
    incoming: &Incoming,
    identity: &Identity,
    body: Option<&Value>,
) -> Result<Value, ApiError> {
    let Identity::Anonymous(Some(application_key)) = identity else {
        return Err(responses::invalid_key());
    };
    let body = crate::flows::object_body(body)?;
    let rules = match body.get("accessRules") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let method = item.get("method").and_then(Value::as_str);
                let path = item.get("path").and_then(Value::as_str);
                match (method, path) {
                    (Some(m), Some(p))
                        if ["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&m) =>
                    {
                        Ok(AccessRule {
                            method: m.to_owned(),
                            path: p.to_owned(),
                        })
                    }
                    _ => Err(ApiError::bad_request(format!(
                        "[accessRules] Given data ({item}) is not valid for type auth.AccessRule"
                    ))),
                }
            })
            .collect::<Result<Vec<_>, _>>()?,
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request("[accessRules] Property is mandatory"))
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "[accessRules] Given data ({other}) is not valid for type auth.AccessRule[]"
            )))
        }
    };
    let allowed_ips = match body.get("allowedIPs") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "[allowedIPs] Given data ({v}) is not valid for type ipBlock"
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "[allowedIPs] Given data ({other}) is not valid for type ipBlock[]"
            )))
        }
    };
    let consumer_key = auth::random_token(32);
    let url = shared.add_consumer_key(
        &incoming.origin,
        &consumer_key,
        application_key,
        rules,
        allowed_ips,
        false,
    );
    Ok(json!({
        "validationUrl": url,
        "consumerKey": consumer_key,
        "state": "pendingValidation",
    }))
}

/// `GET /auth/?credentialToken=…`: the page where the user approves a consumer key.
fn validation_page(shared: &Shared, incoming: &Incoming) -> HttpResponse {
    if incoming.method != "GET" && incoming.method != "POST" {
        return error_response(&responses::method_not_allowed());
    }
    let token = incoming.query.as_deref().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "credentialToken")
            .map(|(_, v)| v.into_owned())
    });
    let Some(token) = token else {
        return error_response(&ApiError::bad_request("credentialToken is missing"));
    };
    match lock(&shared.registry).validate_token(&token) {
        Some(state) => json_response(200, &json!({"state": state.as_str()})),
        None => error_response(&ApiError::not_found("This credential token is not valid")),
    }
}

/// `POST /auth/oauth2/token`: the client-credentials grant (form body, client id and secret
/// in the form or in HTTP Basic authentication).
fn oauth2_token(shared: &Shared, incoming: &Incoming) -> HttpResponse {
    let oauth_error = |status: u16, error: &str, description: &str| {
        json_response(
            status,
            &json!({"error": error, "error_description": description}),
        )
    };
    if incoming.method != "POST" {
        let mut r = oauth_error(405, "invalid_request", "use POST");
        set_header(&mut r, "allow", "POST");
        return r;
    }
    let form: HashMap<String, String> = form_urlencoded::parse(&incoming.body)
        .into_owned()
        .collect();
    let (mut id, mut secret) = (
        form.get("client_id").cloned(),
        form.get("client_secret").cloned(),
    );
    if let Some((basic_id, basic_secret)) = incoming
        .header("authorization")
        .and_then(|a| {
            a.strip_prefix("Basic ")
                .or_else(|| a.strip_prefix("basic "))
        })
        .and_then(|b| base64_decode(b.trim()))
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| {
            s.split_once(':').map(|(a, b)| {
                let decode = |x: &str| {
                    percent_decode_str(&x.replace('+', " "))
                        .decode_utf8_lossy()
                        .into_owned()
                };
                (decode(a), decode(b))
            })
        })
    {
        id.get_or_insert(basic_id);
        secret.get_or_insert(basic_secret);
    }
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "only client_credentials is supported",
            )
        }
        None => return oauth_error(400, "invalid_request", "grant_type is missing"),
    }
    let (Some(id), Some(secret)) = (id, secret) else {
        return oauth_error(401, "invalid_client", "client authentication failed");
    };
    let token = lock(&shared.registry).issue_token(&id, &secret, shared.token_lifetime);
    match token {
        Some(token) => json_response(
            200,
            &json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": shared.token_lifetime.as_secs(),
                "scope": "all",
            }),
        ),
        None => oauth_error(401, "invalid_client", "client authentication failed"),
    }
}

/// Standard base64 (with or without padding), for HTTP Basic credentials.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BreakMode;

    #[test]
    fn basic_credentials_decode() {
        assert_eq!(base64_decode("aWQ6c2VjcmV0").unwrap(), b"id:secret");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert!(base64_decode("!!").is_none());
    }

    #[test]
    fn break_mode_names() {
        assert_eq!(
            serde_json::to_value(BreakMode::NullRequired).unwrap(),
            "nullRequired"
        );
    }
}
