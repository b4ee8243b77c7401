//! `/v2/iam/policy`: create, list in pages (cursor), get, update, delete.
//!
//! Policies are kept in creation order. A page cursor names the last policy of the page it
//! follows (by creation sequence), so deleting policies between pages never skips or repeats
//! any. Three read-only policies managed by OVHcloud are seeded, so lists are never empty.

use std::sync::Mutex;

use serde_json::{json, Map, Value};

use super::{
    base64url_decode, base64url_encode, body_object, fnv1a, invalid_type, query_bool, rfc3339,
    ApiError, Flow, FlowRequest, FlowResponse, WallClock,
};

/// Page size when `X-Pagination-Size` is absent.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// Larger sizes are served as this many.
pub const MAX_PAGE_SIZE: usize = 1000;
/// The only schemas version (`X-Schemas-Version`) this emulator knows.
pub const SCHEMAS_VERSION: &str = "1.0";

const CONDITION_OPERATORS: [&str; 4] = ["AND", "MATCH", "NOT", "OR"];
const INVALID_POLICY: &str = "Client::BadRequest::InvalidPolicy";

#[derive(Clone, Debug)]
struct Policy {
    /// Creation order, for cursors.
    seq: u64,
    id: String,
    fields: PolicyFields,
    created_at: String,
    updated_at: Option<String>,
    read_only: bool,
    owner: String,
}

/// What a caller sets (`iam.policy.Creation` / `iam.policy.Update`), validated.
#[derive(Clone, Debug)]
struct PolicyFields {
    name: String,
    description: Option<String>,
    identities: Vec<String>,
    resources: Vec<String>,
    permissions: Value,
    conditions: Option<Value>,
    expired_at: Option<String>,
}

#[derive(Debug)]
struct State {
    policies: Vec<Policy>,
    next_seq: u64,
}

/// The IAM policy flow.
pub struct Iam {
    wall: WallClock,
    state: Mutex<State>,
}

impl Iam {
    pub fn new() -> Self {
        Iam {
            wall: WallClock::new(),
            state: Mutex::new(State {
                policies: seed(),
                next_seq: 4,
            }),
        }
    }
}

impl Default for Iam {
    fn default() -> Self {
        Self::new()
    }
}

fn seed() -> Vec<Policy> {
    let account = "urn:v1:eu:resource:account:xx11111-ovh";
    let policy = |seq: u64,
                  id: &str,
                  name: &str,
                  description: &str,
                  identity: &str,
                  resources: &[&str],
                  actions: &[&str]| {
        Policy {
            seq,
            id: id.to_owned(),
            fields: PolicyFields {
                name: name.to_owned(),
                description: Some(description.to_owned()),
                identities: vec![identity.to_owned()],
                resources: resources.iter().map(|r| r.to_string()).collect(),
                permissions: json!({"allow": actions.iter().map(|a| json!({"action": a})).collect::<Vec<_>>()}),
                conditions: None,
                expired_at: None,
            },
            created_at: "2023-06-01T09:00:00+00:00".to_owned(),
            updated_at: None,
            read_only: true,
            owner: "ovh".to_owned(),
        }
    };
    vec![
        policy(
            1,
            "0b8e4d2a-6c1f-4e3b-9a7d-5f2c8e1b4a60",
            "ovh-default-billing-read",
            "Read bills and payment means (managed by OVHcloud)",
            "urn:v1:eu:identity:group:xx11111-ovh/billing",
            &[account],
            &["account:apiovh:me/bill/get", "account:apiovh:me/get"],
        ),
        policy(
            2,
            "3d9a7f5c-2e8b-4c1d-8f6a-0b4e7c2d9a13",
            "ovh-default-network-read",
            "Read OVHcloud Connect services and vRacks (managed by OVHcloud)",
            "urn:v1:eu:identity:group:xx11111-ovh/network",
            &[
                "urn:v1:eu:resource:ovhCloudConnect:2f6b2c5e-8d3a-4b1f-9c7e-5a4d3e2f1b0a",
                "urn:v1:eu:resource:ovhCloudConnect:7c1e9a4b-3f2d-4e8a-b6c5-0d9e8f7a6b5c",
                "urn:v1:eu:resource:vrack:pn-12345",
            ],
            &["ovhCloudConnect:apiovh:get", "vrack:apiovh:get"],
        ),
        policy(
            3,
            "6f1c3b8e-9d4a-4f2e-b7c5-8a0d3e6f1b29",
            "ovh-default-iam-read",
            "Read IAM policies and resources (managed by OVHcloud)",
            "urn:v1:eu:identity:group:xx11111-ovh/auditors",
            &[account],
            &[
                "account:apiovh:iam/policy/get",
                "account:apiovh:iam/resource/get",
            ],
        ),
    ]
}

/// The account a key belongs to, as a NIC handle (`ab12345-ovh`), stable per key.
fn owner_of(application_key: Option<&str>) -> String {
    let Some(key) = application_key else {
        return "xx00000-ovh".to_owned();
    };
    let h = fnv1a(key);
    let letter = |n: u64| (b'a' + (n % 26) as u8) as char;
    format!(
        "{}{}{:05}-ovh",
        letter(h),
        letter(h >> 8),
        (h >> 16) % 100_000
    )
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, INVALID_POLICY, message)
}

fn policy_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "Client::NotFound::PolicyNotFound",
        format!("Policy {id} does not exist"),
    )
}

fn policy_json(p: &Policy) -> Value {
    json!({
        "id": p.id,
        "name": p.fields.name,
        "description": p.fields.description,
        "identities": p.fields.identities,
        "resources": p.fields.resources.iter().map(|urn| json!({"urn": urn})).collect::<Vec<_>>(),
        "permissions": p.fields.permissions,
        "conditions": p.fields.conditions,
        "expiredAt": p.fields.expired_at,
        "createdAt": p.created_at,
        "updatedAt": p.updated_at,
        "readOnly": p.read_only,
        "owner": p.owner,
    })
}

// ---------------------------------------------------------------------------------------------
// Body validation.
// ---------------------------------------------------------------------------------------------

fn urn_list(
    body: &Map<String, Value>,
    key: &str,
    kind: &str,
    nested: bool,
) -> Result<Vec<String>, ApiError> {
    let items = match body.get(key) {
        None | Some(Value::Null) => return Err(invalid(format!("{key} is mandatory"))),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(invalid(format!("{key} must be an array, got {other}"))),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let urn = if nested {
                match item.get("urn") {
                    Some(Value::String(urn)) => urn,
                    _ => {
                        return Err(invalid(format!(
                            "{key}[{i}].urn is mandatory and must be a string"
                        )))
                    }
                }
            } else {
                match item {
                    Value::String(urn) => urn,
                    other => {
                        return Err(invalid(format!("{key}[{i}] must be a string, got {other}")))
                    }
                }
            };
            let well_formed = urn.starts_with("urn:v1:")
                && urn.split(':').count() >= 5
                && urn.contains(&format!(":{kind}:"));
            if well_formed {
                Ok(urn.clone())
            } else {
                Err(invalid(format!(
                    "{key}[{i}]: {urn:?} is not an {kind} URN (urn:v1:{{region}}:{kind}:…)"
                )))
            }
        })
        .collect()
}

fn permissions(body: &Map<String, Value>) -> Result<Value, ApiError> {
    let given = match body.get("permissions") {
        None | Some(Value::Null) => return Err(invalid("permissions is mandatory")),
        Some(Value::Object(p)) => p,
        Some(other) => {
            return Err(invalid(format!(
                "permissions must be an object, got {other}"
            )))
        }
    };
    let mut out = Map::new();
    for list in ["allow", "except", "deny"] {
        match given.get(list) {
            None | Some(Value::Null) => {}
            Some(Value::Array(actions)) => {
                let mut clean = Vec::new();
                for (i, a) in actions.iter().enumerate() {
                    match a.get("action") {
                        Some(Value::String(action)) if !action.trim().is_empty() => clean.push(json!({"action": action})),
                        _ => {
                            return Err(invalid(format!(
                                "permissions.{list}[{i}].action is mandatory and must be a non-empty string"
                            )))
                        }
                    }
                }
                out.insert(list.to_owned(), Value::Array(clean));
            }
            Some(other) => {
                return Err(invalid(format!(
                    "permissions.{list} must be an array, got {other}"
                )))
            }
        }
    }
    Ok(Value::Object(out))
}

fn condition(value: &Value, at: &str, depth: usize) -> Result<Value, ApiError> {
    if depth > 10 {
        return Err(invalid(format!("{at}: conditions are nested too deeply")));
    }
    let Some(object) = value.as_object() else {
        return Err(invalid(format!("{at} must be an object, got {value}")));
    };
    let operator = match object.get("operator") {
        Some(Value::String(op)) if CONDITION_OPERATORS.contains(&op.as_str()) => op.clone(),
        Some(other) => {
            return Err(invalid(format!(
                "{at}.operator: {other} is not one of {}",
                CONDITION_OPERATORS.join(", ")
            )))
        }
        None => return Err(invalid(format!("{at}.operator is mandatory"))),
    };
    let mut out = Map::new();
    out.insert("operator".to_owned(), json!(operator));
    match object.get("conditions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let nested = items
                .iter()
                .enumerate()
                .map(|(i, c)| condition(c, &format!("{at}.conditions[{i}]"), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            out.insert("conditions".to_owned(), Value::Array(nested));
        }
        Some(other) => {
            return Err(invalid(format!(
                "{at}.conditions must be an array, got {other}"
            )))
        }
    }
    match object.get("values") {
        None | Some(Value::Null) => {}
        Some(Value::Object(values)) if values.values().all(Value::is_string) => {
            out.insert("values".to_owned(), Value::Object(values.clone()));
        }
        Some(other) => {
            return Err(invalid(format!(
                "{at}.values must be an object of strings, got {other}"
            )))
        }
    }
    Ok(Value::Object(out))
}

/// An optional member: `None` when absent, `Some(None)` when null.
fn optional<'b>(body: &'b Map<String, Value>, key: &str) -> Option<Option<&'b Value>> {
    body.get(key)
        .map(|v| if v.is_null() { None } else { Some(v) })
}

/// Validates an `iam.policy.Creation` / `iam.policy.Update` body. Optional members keep the
/// values of `previous` when absent (an update), and are cleared by an explicit null.
fn fields(
    body: &Map<String, Value>,
    previous: Option<&PolicyFields>,
) -> Result<PolicyFields, ApiError> {
    let name = match body.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => n.clone(),
        Some(Value::String(_)) => return Err(invalid("name must not be empty")),
        None | Some(Value::Null) => return Err(invalid("name is mandatory")),
        Some(other) => return Err(invalid(format!("name must be a string, got {other}"))),
    };
    let identities = urn_list(body, "identities", "identity", false)?;
    let resources = urn_list(body, "resources", "resource", true)?;
    let permissions = permissions(body)?;
    let description = match optional(body, "description") {
        None => previous.and_then(|p| p.description.clone()),
        Some(None) => None,
        Some(Some(Value::String(d))) => Some(d.clone()),
        Some(Some(other)) => {
            return Err(invalid(format!(
                "description must be a string, got {other}"
            )))
        }
    };
    let conditions = match optional(body, "conditions") {
        None => previous.and_then(|p| p.conditions.clone()),
        Some(None) => None,
        Some(Some(c)) => Some(condition(c, "conditions", 0)?),
    };
    let expired_at = match optional(body, "expiredAt") {
        None => previous.and_then(|p| p.expired_at.clone()),
        Some(None) => None,
        Some(Some(Value::String(t))) => match chrono::DateTime::parse_from_rfc3339(t.trim()) {
            Ok(t) => Some(rfc3339(&t)),
            Err(_) => return Err(invalid_type("expiredAt", &json!(t), "datetime")),
        },
        Some(Some(other)) => return Err(invalid_type("expiredAt", other, "datetime")),
    };
    Ok(PolicyFields {
        name,
        description,
        identities,
        resources,
        permissions,
        conditions,
        expired_at,
    })
}

// ---------------------------------------------------------------------------------------------
// Requests.
// ---------------------------------------------------------------------------------------------

/// `x-schemas-version`: echoed back when supported (major version 1).
fn schemas_version(request: &FlowRequest<'_>) -> Result<Option<String>, ApiError> {
    let Some(raw) = request.header("x-schemas-version") else {
        return Ok(None);
    };
    let version = raw.trim();
    let mut parts = version.split('.');
    let numeric =
        |p: Option<&str>| p.map(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let valid = numeric(parts.next()) == Some(true)
        && numeric(parts.next()) != Some(false)
        && parts.next().is_none();
    if !valid {
        return Err(ApiError::bad_request(format!(
            "Invalid X-Schemas-Version header {version:?}: the supported version is {SCHEMAS_VERSION}"
        )));
    }
    let major = version
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_start_matches('0');
    if major != "1" {
        return Err(ApiError::bad_request(format!(
            "Unsupported schemas version {version}: the supported version is {SCHEMAS_VERSION}"
        )));
    }
    Ok(Some(version.to_owned()))
}

fn policy_id(request: &FlowRequest<'_>) -> Result<String, ApiError> {
    let raw = request.param("policyId");
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| invalid_type("policyId", &json!(raw), "uuid"))
}

fn page_size(request: &FlowRequest<'_>) -> Result<usize, ApiError> {
    match request.header("x-pagination-size") {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(raw) => match raw.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok((n as usize).min(MAX_PAGE_SIZE)),
            _ => Err(ApiError::bad_request(format!(
                "Invalid X-Pagination-Size header {raw:?}: a positive integer is expected"
            ))),
        },
    }
}

fn encode_cursor(seq: u64) -> String {
    base64url_encode(format!("policy:{seq}").as_bytes())
}

fn decode_cursor(raw: &str) -> Result<u64, ApiError> {
    let bad = || ApiError::bad_request(format!("Invalid X-Pagination-Cursor header {raw:?}"));
    let bytes = base64url_decode(raw.trim()).ok_or_else(bad)?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let seq = text.strip_prefix("policy:").ok_or_else(bad)?;
    if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    seq.parse().map_err(|_| bad())
}

/// Whether a policy action (with `*` wildcards) covers `wanted`.
fn action_matches(pattern: &str, wanted: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == wanted;
    }
    let mut rest = wanted;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn query_all<'q>(request: &FlowRequest<'q>, name: &str) -> Vec<&'q str> {
    request
        .query
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

impl Iam {
    fn list(
        &self,
        state: &State,
        request: &FlowRequest<'_>,
        headers: &mut Vec<(String, String)>,
    ) -> Result<Value, ApiError> {
        let size = page_size(request)?;
        let after = request
            .header("x-pagination-cursor")
            .filter(|c| !c.trim().is_empty())
            .map(decode_cursor)
            .transpose()?;
        let read_only = query_bool(request, "readOnly")?;
        query_bool(request, "details")?;
        let identities = query_all(request, "identity");
        let resources = query_all(request, "resourceURN");
        let actions = query_all(request, "action");
        let matching: Vec<&Policy> = state
            .policies
            .iter()
            .filter(|p| after.into_iter().all(|seq| p.seq > seq))
            .filter(|p| read_only.into_iter().all(|r| p.read_only == r))
            .filter(|p| {
                identities.is_empty()
                    || p.fields
                        .identities
                        .iter()
                        .any(|i| identities.contains(&i.as_str()))
            })
            .filter(|p| {
                resources.is_empty()
                    || p.fields
                        .resources
                        .iter()
                        .any(|r| resources.contains(&r.as_str()))
            })
            .filter(|p| {
                actions.is_empty()
                    || p.fields.permissions["allow"]
                        .as_array()
                        .is_some_and(|allowed| {
                            allowed
                                .iter()
                                .filter_map(|a| a["action"].as_str())
                                .any(|pattern| {
                                    actions.iter().any(|wanted| action_matches(pattern, wanted))
                                })
                        })
            })
            .collect();
        let page = &matching[..size.min(matching.len())];
        if matching.len() > page.len() {
            if let Some(last) = page.last() {
                headers.push((
                    "X-Pagination-Cursor-Next".to_owned(),
                    encode_cursor(last.seq),
                ));
            }
        }
        Ok(Value::Array(page.iter().map(|p| policy_json(p)).collect()))
    }

    fn create(&self, state: &mut State, request: &FlowRequest<'_>) -> Result<Value, ApiError> {
        let body = body_object(request)?;
        let fields = fields(&body, None)?;
        check_name(state, &fields.name, None)?;
        let policy = Policy {
            seq: state.next_seq,
            id: uuid::Uuid::new_v4().hyphenated().to_string(),
            fields,
            created_at: rfc3339(&self.wall.at(request.now)),
            updated_at: None,
            read_only: false,
            owner: owner_of(request.application_key),
        };
        state.next_seq += 1;
        let body = policy_json(&policy);
        state.policies.push(policy);
        Ok(body)
    }

    fn update(&self, state: &mut State, request: &FlowRequest<'_>) -> Result<Value, ApiError> {
        let id = policy_id(request)?;
        let index = state
            .policies
            .iter()
            .position(|p| p.id == id)
            .ok_or_else(|| policy_not_found(&id))?;
        if state.policies[index].read_only {
            return Err(read_only(&id));
        }
        let body = body_object(request)?;
        let fields = fields(&body, Some(&state.policies[index].fields))?;
        check_name(state, &fields.name, Some(&id))?;
        let policy = &mut state.policies[index];
        policy.fields = fields;
        policy.updated_at = Some(rfc3339(&self.wall.at(request.now)));
        Ok(policy_json(policy))
    }
}

fn read_only(id: &str) -> ApiError {
    ApiError::new(
        403,
        "Client::Forbidden::ReadOnlyPolicy",
        format!("Policy {id} is managed by OVHcloud and cannot be changed or deleted"),
    )
}

fn check_name(state: &State, name: &str, except: Option<&str>) -> Result<(), ApiError> {
    match state
        .policies
        .iter()
        .find(|p| p.fields.name == name && Some(p.id.as_str()) != except)
    {
        Some(other) => Err(ApiError::new(
            409,
            "Client::Conflict::PolicyNameAlreadyExists",
            format!("A policy named {name:?} already exists ({})", other.id),
        )),
        None => Ok(()),
    }
}

impl Flow for Iam {
    fn handle(&self, request: &FlowRequest<'_>) -> FlowResponse {
        if request.branch != "v2" {
            return FlowResponse::NotHandled;
        }
        let known = matches!(
            (request.method, request.template),
            ("GET" | "POST", "/iam/policy") | ("GET" | "PUT" | "DELETE", "/iam/policy/{policyId}")
        );
        if !known {
            return FlowResponse::NotHandled;
        }
        let version = match schemas_version(request) {
            Ok(v) => v,
            Err(e) => return FlowResponse::Error(e),
        };
        let mut headers = Vec::new();
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let answer = match (request.method, request.template) {
            ("GET", "/iam/policy") => self.list(&state, request, &mut headers),
            ("POST", "/iam/policy") => self.create(&mut state, request),
            ("GET", _) => query_bool(request, "details").and_then(|_| {
                let id = policy_id(request)?;
                state
                    .policies
                    .iter()
                    .find(|p| p.id == id)
                    .map(policy_json)
                    .ok_or_else(|| policy_not_found(&id))
            }),
            ("PUT", _) => self.update(&mut state, request),
            _ => policy_id(request).and_then(|id| {
                let index = state
                    .policies
                    .iter()
                    .position(|p| p.id == id)
                    .ok_or_else(|| policy_not_found(&id))?;
                if state.policies[index].read_only {
                    return Err(read_only(&id));
                }
                state.policies.remove(index);
                Ok(Value::Null)
            }),
        };
        match answer {
            Ok(body) => {
                if let Some(v) = version {
                    headers.push(("X-Schemas-Version".to_owned(), v));
                }
                FlowResponse::Json(body, headers)
            }
            Err(error) => FlowResponse::Error(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::testing::{header, Req};

    const LIST: &str = "/iam/policy";
    const ONE: &str = "/iam/policy/{policyId}";

    fn creation(name: &str) -> Value {
        json!({
            "name": name,
            "description": format!("policy {name}"),
            "identities": ["urn:v1:eu:identity:user:xx11111-ovh/alice"],
            "resources": [{"urn": "urn:v1:eu:resource:vrack:pn-12345"}],
            "permissions": {"allow": [{"action": "vrack:apiovh:*"}]},
        })
    }

    fn create(iam: &Iam, name: &str) -> Value {
        Req::post(LIST).v2().body(creation(name)).ok(iam)
    }

    #[test]
    fn seeded_policies_are_read_only() {
        let iam = Iam::new();
        let list = Req::get(LIST).v2().ok(&iam);
        assert_eq!(list.as_array().unwrap().len(), 3);
        assert!(list
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["readOnly"] == true && p["owner"] == "ovh"));
        let id = list[0]["id"].as_str().unwrap();
        let e = Req::delete(ONE).v2().param("policyId", id).err(&iam);
        assert_eq!(
            (e.status, e.class.as_str()),
            (403, "Client::Forbidden::ReadOnlyPolicy")
        );
        let e = Req::put(ONE)
            .v2()
            .param("policyId", id)
            .body(creation("x"))
            .err(&iam);
        assert_eq!(e.status, 403);
        assert!(
            matches!(Req::get(LIST).send(&iam), FlowResponse::NotHandled),
            "v1 is not ours"
        );
        assert!(matches!(
            Req::get("/iam/resource").v2().send(&iam),
            FlowResponse::NotHandled
        ));
    }

    #[test]
    fn create_get_update_delete() {
        let iam = Iam::new();
        let t0 = std::time::Instant::now();
        let created = Req::post(LIST)
            .v2()
            .key("my-app-key")
            .at(t0)
            .body(creation("ops"))
            .ok(&iam);
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        assert_eq!(
            (created["readOnly"].as_bool(), created["updatedAt"].clone()),
            (Some(false), Value::Null)
        );
        assert_eq!(created["owner"], owner_of(Some("my-app-key")));
        assert!(created["owner"].as_str().unwrap().ends_with("-ovh"));
        assert_ne!(owner_of(Some("my-app-key")), owner_of(Some("other-key")));
        assert_eq!(
            created["permissions"],
            json!({"allow": [{"action": "vrack:apiovh:*"}]})
        );
        let got = Req::get(ONE)
            .v2()
            .param("policyId", &id)
            .query("details", "true")
            .ok(&iam);
        assert_eq!(got, created);
        // The upper-case form of the id finds it too.
        assert_eq!(
            Req::get(ONE)
                .v2()
                .param("policyId", id.to_uppercase())
                .ok(&iam)["id"],
            id.as_str()
        );

        let mut change = creation("ops-renamed");
        change["identities"] = json!(["urn:v1:eu:identity:group:xx11111-ovh/ops"]);
        change["expiredAt"] = json!("2030-01-01T00:00:00Z");
        change.as_object_mut().unwrap().remove("description");
        let later = t0 + std::time::Duration::from_secs(90);
        let updated = Req::put(ONE)
            .v2()
            .param("policyId", &id)
            .at(later)
            .body(change)
            .ok(&iam);
        assert_eq!(updated["name"], "ops-renamed");
        assert_eq!(
            updated["identities"],
            json!(["urn:v1:eu:identity:group:xx11111-ovh/ops"])
        );
        assert_eq!(
            updated["description"], "policy ops",
            "absent optional members are kept"
        );
        assert_eq!(updated["expiredAt"], "2030-01-01T00:00:00+00:00");
        assert_eq!(updated["createdAt"], created["createdAt"]);
        let created_at =
            chrono::DateTime::parse_from_rfc3339(created["createdAt"].as_str().unwrap()).unwrap();
        let updated_at =
            chrono::DateTime::parse_from_rfc3339(updated["updatedAt"].as_str().unwrap()).unwrap();
        assert_eq!((updated_at - created_at).num_seconds(), 90);
        let mut clear = creation("ops-renamed");
        clear["description"] = Value::Null;
        assert_eq!(
            Req::put(ONE)
                .v2()
                .param("policyId", &id)
                .body(clear)
                .ok(&iam)["description"],
            Value::Null
        );

        let gone = Req::delete(ONE).v2().param("policyId", &id).ok(&iam);
        assert_eq!(gone, Value::Null);
        let e = Req::get(ONE).v2().param("policyId", &id).err(&iam);
        assert_eq!(
            (e.status, e.class.as_str()),
            (404, "Client::NotFound::PolicyNotFound")
        );
        assert_eq!(
            Req::delete(ONE)
                .v2()
                .param("policyId", &id)
                .err(&iam)
                .status,
            404
        );
        assert_eq!(
            Req::put(ONE)
                .v2()
                .param("policyId", &id)
                .body(creation("y"))
                .err(&iam)
                .status,
            404
        );
        let e = Req::get(ONE).v2().param("policyId", "not-a-uuid").err(&iam);
        assert_eq!(
            (e.status, e.message.as_str()),
            (
                400,
                "[policyId] Given data (not-a-uuid) is not valid for type uuid"
            )
        );
    }

    #[test]
    fn creation_is_validated() {
        let iam = Iam::new();
        let with = |change: Value| {
            let mut body = creation("p");
            for (k, v) in change.as_object().unwrap() {
                if v == "REMOVE" {
                    body.as_object_mut().unwrap().remove(k);
                } else {
                    body[k] = v.clone();
                }
            }
            Req::post(LIST).v2().body(body).err(&iam)
        };
        let cases = [
            (json!({"name": "REMOVE"}), "name is mandatory"),
            (json!({"name": "  "}), "name must not be empty"),
            (json!({"name": 3}), "name must be a string, got 3"),
            (json!({"identities": "REMOVE"}), "identities is mandatory"),
            (
                json!({"identities": "urn:v1:eu:identity:user:a"}),
                "identities must be an array",
            ),
            (
                json!({"identities": ["alice"]}),
                "identities[0]: \"alice\" is not an identity URN",
            ),
            (json!({"resources": "REMOVE"}), "resources is mandatory"),
            (
                json!({"resources": ["urn:v1:eu:resource:vrack:pn-1"]}),
                "resources[0].urn is mandatory",
            ),
            (
                json!({"resources": [{"urn": "urn:v1:eu:identity:user:a"}]}),
                "is not an resource URN",
            ),
            (json!({"permissions": "REMOVE"}), "permissions is mandatory"),
            (
                json!({"permissions": {"allow": [{"verb": "x"}]}}),
                "permissions.allow[0].action is mandatory",
            ),
            (
                json!({"permissions": {"deny": "x"}}),
                "permissions.deny must be an array",
            ),
            (
                json!({"conditions": {"operator": "XOR"}}),
                "conditions.operator: \"XOR\" is not one of AND, MATCH, NOT, OR",
            ),
            (
                json!({"conditions": {"operator": "AND", "conditions": [{"values": {}}]}}),
                "conditions.conditions[0].operator is mandatory",
            ),
            (
                json!({"conditions": {"operator": "MATCH", "values": {"a": 1}}}),
                "conditions.values must be an object of strings",
            ),
            (
                json!({"expiredAt": "tomorrow"}),
                "[expiredAt] Given data (tomorrow) is not valid for type datetime",
            ),
            (json!({"description": 5}), "description must be a string"),
        ];
        for (change, message) in cases {
            let e = with(change.clone());
            assert_eq!(e.status, 400, "{change}");
            assert!(e.message.contains(message), "{change}: {}", e.message);
        }
        assert_eq!(
            with(json!({"name": "REMOVE"})).class,
            "Client::BadRequest::InvalidPolicy"
        );
        assert_eq!(Req::post(LIST).v2().body(json!("x")).err(&iam).status, 400);
        // Conditions and every permission list come back as sent.
        let mut full = creation("full");
        full["permissions"] = json!({"allow": [{"action": "*"}], "except": [{"action": "account:apiovh:me/delete"}], "deny": [{"action": "vrack:apiovh:delete"}]});
        full["conditions"] = json!({"operator": "AND", "conditions": [{"operator": "MATCH", "values": {"resource.Tag(env)": "prod"}}]});
        let p = Req::post(LIST).v2().body(full.clone()).ok(&iam);
        assert_eq!(
            (&p["permissions"], &p["conditions"]),
            (&full["permissions"], &full["conditions"])
        );
        // Names are unique.
        create(&iam, "dup");
        let e = Req::post(LIST).v2().body(creation("dup")).err(&iam);
        assert_eq!(
            (e.status, e.class.as_str()),
            (409, "Client::Conflict::PolicyNameAlreadyExists")
        );
        let other = create(&iam, "other");
        let e = Req::put(ONE)
            .v2()
            .param("policyId", other["id"].as_str().unwrap())
            .body(creation("dup"))
            .err(&iam);
        assert_eq!(e.status, 409);
        // Renaming a policy to its own name is fine.
        Req::put(ONE)
            .v2()
            .param("policyId", other["id"].as_str().unwrap())
            .body(creation("other"))
            .ok(&iam);
    }

    #[test]
    fn pages_of_fifty_with_cursors() {
        let iam = Iam::new();
        for i in 0..120 {
            create(&iam, &format!("policy-{i:03}"));
        }
        let mut sizes = Vec::new();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut r = Req::get(LIST).v2().header("X-Pagination-Size", 50);
            if let Some(c) = &cursor {
                r = r.header("X-Pagination-Cursor", c);
            }
            let (page, headers) = r.ok_with_headers(&iam);
            let page = page.as_array().unwrap().clone();
            sizes.push(page.len());
            seen.extend(page.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
            match header(&headers, "X-Pagination-Cursor-Next") {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(sizes, vec![50, 50, 23]);
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 123);
        // The default page holds 50; the size is capped at 1000; a whole list has no next cursor.
        let (page, headers) = Req::get(LIST).v2().ok_with_headers(&iam);
        assert_eq!(page.as_array().unwrap().len(), DEFAULT_PAGE_SIZE);
        assert!(header(&headers, "X-Pagination-Cursor-Next").is_some());
        let (page, headers) = Req::get(LIST)
            .v2()
            .header("X-Pagination-Size", 5000)
            .ok_with_headers(&iam);
        assert_eq!(page.as_array().unwrap().len(), 123);
        assert_eq!(header(&headers, "X-Pagination-Cursor-Next"), None);
        // Deleting between pages skips nothing.
        let (first, headers) = Req::get(LIST)
            .v2()
            .header("X-Pagination-Size", 10)
            .ok_with_headers(&iam);
        let next = header(&headers, "X-Pagination-Cursor-Next")
            .unwrap()
            .to_owned();
        Req::delete(ONE)
            .v2()
            .param("policyId", first[9]["id"].as_str().unwrap())
            .ok(&iam);
        let second = Req::get(LIST)
            .v2()
            .header("X-Pagination-Size", 10)
            .header("X-Pagination-Cursor", &next)
            .ok(&iam);
        assert_eq!(second[0]["id"], seen[10].as_str());
        // Bad cursors and sizes.
        for bad in ["garbage!", "cG9saWN5Ong", "Zm9vOjE", "cG9saWN5Oi0x"] {
            let e = Req::get(LIST)
                .v2()
                .header("X-Pagination-Cursor", bad)
                .err(&iam);
            assert_eq!(e.status, 400, "{bad}");
            assert!(
                e.message.starts_with("Invalid X-Pagination-Cursor header"),
                "{}",
                e.message
            );
        }
        for bad in ["0", "-1", "ten"] {
            let e = Req::get(LIST)
                .v2()
                .header("X-Pagination-Size", bad)
                .err(&iam);
            assert_eq!(e.status, 400, "{bad}");
        }
    }

    #[test]
    fn list_filters() {
        let iam = Iam::new();
        let mut body = creation("mine");
        body["identities"] = json!(["urn:v1:eu:identity:user:xx11111-ovh/bob"]);
        body["resources"] = json!([{"urn": "urn:v1:eu:resource:ovhCloudConnect:2f6b2c5e-8d3a-4b1f-9c7e-5a4d3e2f1b0a"}]);
        body["permissions"] =
            json!({"allow": [{"action": "ovhCloudConnect:apiovh:config/*/create"}]});
        Req::post(LIST).v2().body(body).ok(&iam);
        let names = |r: Req| -> Vec<String> {
            r.v2()
                .ok(&iam)
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            names(Req::get(LIST).query("readOnly", "false")),
            vec!["mine"]
        );
        assert_eq!(names(Req::get(LIST).query("readOnly", "true")).len(), 3);
        assert_eq!(
            names(Req::get(LIST).query("identity", "urn:v1:eu:identity:user:xx11111-ovh/bob")),
            vec!["mine"]
        );
        assert_eq!(
            names(Req::get(LIST).query(
                "resourceURN",
                "urn:v1:eu:resource:ovhCloudConnect:2f6b2c5e-8d3a-4b1f-9c7e-5a4d3e2f1b0a"
            )),
            vec!["ovh-default-network-read", "mine"]
        );
        assert_eq!(
            names(Req::get(LIST).query("action", "ovhCloudConnect:apiovh:config/pop/create")),
            vec!["mine"]
        );
        assert_eq!(
            names(
                Req::get(LIST)
                    .query("action", "vrack:apiovh:get")
                    .query("action", "account:apiovh:me/get")
            )
            .len(),
            2
        );
        assert!(names(Req::get(LIST).query("action", "nothing")).is_empty());
        assert_eq!(
            Req::get(LIST)
                .v2()
                .query("readOnly", "maybe")
                .err(&iam)
                .status,
            400
        );
        assert_eq!(
            Req::get(LIST)
                .v2()
                .query("details", "maybe")
                .err(&iam)
                .status,
            400
        );
        assert!(
            action_matches("*", "anything")
                && action_matches("a:*:c", "a:b:c")
                && !action_matches("a:*:c", "a:b:d")
        );
        assert!(action_matches("a*", "a") && !action_matches("a", "ab"));
    }

    #[test]
    fn schemas_version_is_echoed_or_refused() {
        let iam = Iam::new();
        let (_, headers) = Req::get(LIST)
            .v2()
            .header("X-Schemas-Version", "1.0")
            .ok_with_headers(&iam);
        assert_eq!(header(&headers, "X-Schemas-Version"), Some("1.0"));
        let (_, headers) = Req::post(LIST)
            .v2()
            .header("x-schemas-version", "1")
            .body(creation("v"))
            .ok_with_headers(&iam);
        assert_eq!(header(&headers, "X-Schemas-Version"), Some("1"));
        let (_, headers) = Req::get(LIST).v2().ok_with_headers(&iam);
        assert_eq!(header(&headers, "X-Schemas-Version"), None);
        let e = Req::get(LIST)
            .v2()
            .header("X-Schemas-Version", "2.0")
            .err(&iam);
        assert_eq!(
            (e.status, e.message.as_str()),
            (
                400,
                "Unsupported schemas version 2.0: the supported version is 1.0"
            )
        );
        for bad in ["latest", "1.x", "", "1.0.0"] {
            let e = Req::get(LIST)
                .v2()
                .header("X-Schemas-Version", bad)
                .err(&iam);
            assert_eq!(e.status, 400, "{bad:?}");
            assert!(
                e.message.ends_with("the supported version is 1.0"),
                "{}",
                e.message
            );
        }
    }
}
