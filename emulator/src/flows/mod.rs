//! Stateful behaviour for the flows users run, from OVH's own guides. Every other operation is
//! answered with a schema-valid example by the server.
//!
//! A flow sees requests that already passed authentication, rate limiting and fault
//! injection, matched to an operation of the loaded schemas.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod alldom;
pub mod bills;
pub mod documents;
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
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
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
        ApiError {
            status,
            class: class.to_owned(),
            message: message.into(),
            error_code: None,
        }
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

/// How much seeded data the flows hold (see [`EmulatorConfig`](crate::EmulatorConfig)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Bills of `/me/bill`.
    pub bills: usize,
    /// Documents of `/me/document` at start.
    pub documents: usize,
    /// AllDom packs of `/allDom`.
    pub alldoms: usize,
    /// Domains of each pack (`/allDom/{serviceName}/domain`).
    pub domains_per_alldom: usize,
}

impl Default for Sizes {
    /// 30 bills, 10 documents, 3 AllDom packs of 5 domains.
    fn default() -> Self {
        Sizes {
            bills: 30,
            documents: 10,
            alldoms: 3,
            domains_per_alldom: 5,
        }
    }
}

/// Every flow, in the order they are asked.
pub fn all(clock: TaskClock, sizes: Sizes) -> Vec<Box<dyn Flow>> {
    vec![
        Box::new(occ::Occ::new(clock)),
        Box::new(bills::Bills::with_count(sizes.bills)),
        Box::new(documents::Documents::with_count(sizes.documents)),
        Box::new(alldom::AllDom::with_counts(
            sizes.alldoms,
            sizes.domains_per_alldom,
        )),
        Box::new(iam::Iam::new()),
    ]
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the flows.
// ---------------------------------------------------------------------------------------------

/// `The requested object (name = value) does not exist`, as OVH words its 404s.
pub fn object_not_found(name: &str, value: impl std::fmt::Display) -> ApiError {
    ApiError::not_found(format!(
        "The requested object ({name} = {value}) does not exist"
    ))
}

/// `[name] Given data (value) is not valid for type ty`, as OVH words a badly typed parameter.
pub fn invalid_type(name: &str, value: &Value, ty: &str) -> ApiError {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    ApiError::bad_request(format!(
        "[{name}] Given data ({shown}) is not valid for type {ty}"
    ))
}

/// `[name] Property is mandatory`.
pub fn missing_property(name: &str) -> ApiError {
    ApiError::bad_request(format!("[{name}] Property is mandatory"))
}

/// The request body as a JSON object (a missing body counts as `{}`).
pub fn body_object<'a>(
    request: &FlowRequest<'a>,
) -> Result<std::borrow::Cow<'a, serde_json::Map<String, Value>>, ApiError> {
    object_body(request.body)
}

/// A JSON body as an object (a missing or null body counts as `{}`).
pub fn object_body(
    body: Option<&Value>,
) -> Result<std::borrow::Cow<'_, serde_json::Map<String, Value>>, ApiError> {
    match body {
        None | Some(Value::Null) => Ok(std::borrow::Cow::Owned(serde_json::Map::new())),
        Some(Value::Object(map)) => Ok(std::borrow::Cow::Borrowed(map)),
        Some(_) => Err(ApiError::bad_request(
            "Invalid body: a JSON object is expected",
        )),
    }
}

/// A member that must be an integer when present and not null.
pub fn opt_long(body: &serde_json::Map<String, Value>, key: &str) -> Result<Option<i64>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| invalid_type(key, v, "long")),
    }
}

/// A mandatory integer member.
pub fn req_long(body: &serde_json::Map<String, Value>, key: &str) -> Result<i64, ApiError> {
    opt_long(body, key)?.ok_or_else(|| missing_property(key))
}

/// A member that must be a string when present and not null.
pub fn opt_str<'b>(
    body: &'b serde_json::Map<String, Value>,
    key: &str,
    ty: &str,
) -> Result<Option<&'b str>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(invalid_type(key, v, ty)),
    }
}

/// A path parameter of type `long`.
pub fn path_long(request: &FlowRequest<'_>, name: &str) -> Result<i64, ApiError> {
    let raw = request.param(name);
    raw.trim()
        .parse::<i64>()
        .map_err(|_| invalid_type(name, &Value::String(raw.to_owned()), "long"))
}

/// A query parameter of type `boolean` (`true`/`false`, also `1`/`0`).
pub fn query_bool(request: &FlowRequest<'_>, name: &str) -> Result<Option<bool>, ApiError> {
    match request.query_value(name) {
        None => Ok(None),
        Some("true") | Some("1") => Ok(Some(true)),
        Some("false") | Some("0") => Ok(Some(false)),
        Some(other) => Err(invalid_type(
            name,
            &Value::String(other.to_owned()),
            "boolean",
        )),
    }
}

/// Whether `asn` is a private AS number (RFC 6996: 64512–65534, 4200000000–4294967294).
pub fn is_private_asn(asn: i64) -> bool {
    (64_512..=65_534).contains(&asn) || (4_200_000_000..=4_294_967_294).contains(&asn)
}

/// An IPv4 address from its dotted form.
pub fn parse_ipv4(s: &str) -> Option<u32> {
    s.trim().parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

/// Dotted form of an IPv4 address.
pub fn format_ipv4(addr: u32) -> String {
    std::net::Ipv4Addr::from(addr).to_string()
}

/// An IPv4 CIDR block (`ipv4Block`): `a.b.c.d/len`, or a bare address as a /32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Cidr {
    pub addr: u32,
    pub prefix: u8,
}

impl Ipv4Cidr {
    pub fn parse(s: &str) -> Option<Ipv4Cidr> {
        let s = s.trim();
        match s.split_once('/') {
            None => parse_ipv4(s).map(|addr| Ipv4Cidr { addr, prefix: 32 }),
            Some((addr, len)) => {
                if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 2 {
                    return None;
                }
                let prefix: u8 = len.parse().ok()?;
                if prefix > 32 {
                    return None;
                }
                Some(Ipv4Cidr {
                    addr: parse_ipv4(addr)?,
                    prefix,
                })
            }
        }
    }

    pub fn mask(&self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix))
        }
    }

    /// The first address of the block.
    pub fn network(&self) -> u32 {
        self.addr & self.mask()
    }

    /// The last address of the block.
    pub fn broadcast(&self) -> u32 {
        self.network() | !self.mask()
    }

    /// Whether the address part has no host bits set (`10.0.0.0/30`, not `10.0.0.1/30`).
    pub fn is_network_address(&self) -> bool {
        self.addr == self.network()
    }

    /// The same block written from its network address.
    pub fn normalized(&self) -> Ipv4Cidr {
        Ipv4Cidr {
            addr: self.network(),
            prefix: self.prefix,
        }
    }

    pub fn contains(&self, addr: u32) -> bool {
        addr & self.mask() == self.network()
    }

    pub fn overlaps(&self, other: &Ipv4Cidr) -> bool {
        self.contains(other.network()) || other.contains(self.network())
    }
}

impl std::fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", std::net::Ipv4Addr::from(self.addr), self.prefix)
    }
}

/// Maps request instants to wall-clock times, so that dates move with the `now` the flows are
/// given (tests advance it by hand).
#[derive(Clone, Copy, Debug)]
pub struct WallClock {
    instant: Instant,
    time: chrono::DateTime<chrono::Utc>,
}

impl WallClock {
    pub fn new() -> Self {
        WallClock {
            instant: Instant::now(),
            time: chrono::Utc::now(),
        }
    }

    pub fn at(&self, now: Instant) -> chrono::DateTime<chrono::Utc> {
        let delta = |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero());
        if now >= self.instant {
            self.time + delta(now - self.instant)
        } else {
            self.time - delta(self.instant - now)
        }
    }
}

impl Default for WallClock {
    fn default() -> Self {
        Self::new()
    }
}

/// RFC 3339 with a numeric offset and whole seconds (`2024-05-06T07:08:09+00:00`).
pub fn rfc3339<Tz: chrono::TimeZone>(time: &chrono::DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(BASE64URL[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Inverse of [`base64url_encode`]; `None` for anything it could not have produced.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = BASE64URL.iter().position(|b| b == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    // Canonical form only: re-encoding gives the same text.
    (base64url_encode(&out) == text).then_some(out)
}

/// SQL `LIKE`, case-sensitive, over characters: `%` any run, `_` exactly one.
pub(crate) fn like(pattern: &str, text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    // matched[j]: the pattern read so far matches the first j characters.
    let mut matched = vec![false; text.len() + 1];
    matched[0] = true;
    for p in pattern.chars() {
        matched = match p {
            '%' => matched
                .iter()
                .scan(false, |any, &m| {
                    *any |= m;
                    Some(*any)
                })
                .collect(),
            _ => (0..=text.len())
                .map(|j| j > 0 && matched[j - 1] && (p == '_' || p == text[j - 1]))
                .collect(),
        };
    }
    matched[text.len()]
}

/// A small, stable, non-cryptographic hash (FNV-1a), for values derived from inputs.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A UUID (version 4 form, lower-case, hyphenated) derived from `text`: the same text gives
/// the same UUID on every run.
pub fn stable_uuid(text: &str) -> String {
    let a = fnv1a(&format!("{text}#0")).to_be_bytes();
    let b = fnv1a(&format!("{text}#1")).to_be_bytes();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a);
    bytes[8..].copy_from_slice(&b);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// Test helpers: hand-built requests, and a checker of answers against the schemas.
#[cfg(test)]
pub(crate) mod testing {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    use std::time::Instant;

    use ovhcloud_schema::model::{EnumValues, Ir, ModelKind, TypeRef};
    use ovhcloud_schema::reader::Branch;
    use ovhcloud_schema::typeexpr::Primitive;
    use serde_json::Value;

    use super::{ApiError, Flow, FlowRequest, FlowResponse, Ipv4Cidr};

    /// An owned request; [`Req::send`] lends it to a flow and checks any JSON answer against
    /// the schema of the operation.
    #[derive(Clone, Debug)]
    pub struct Req {
        pub method: String,
        pub branch: String,
        pub template: String,
        pub params: HashMap<String, String>,
        pub query: Vec<(String, String)>,
        pub headers: HashMap<String, String>,
        pub body: Option<Value>,
        pub application_key: Option<String>,
        pub now: Instant,
    }

    impl Req {
        pub fn new(method: &str, template: &str) -> Req {
            Req {
                method: method.to_owned(),
                branch: "v1".to_owned(),
                template: template.to_owned(),
                params: HashMap::new(),
                query: Vec::new(),
                headers: HashMap::new(),
                body: None,
                application_key: Some("test-application-key".to_owned()),
                now: Instant::now(),
            }
        }

        pub fn get(template: &str) -> Req {
            Req::new("GET", template)
        }
        pub fn post(template: &str) -> Req {
            Req::new("POST", template)
        }
        pub fn put(template: &str) -> Req {
            Req::new("PUT", template)
        }
        pub fn delete(template: &str) -> Req {
            Req::new("DELETE", template)
        }

        pub fn v2(mut self) -> Req {
            self.branch = "v2".to_owned();
            self
        }
        pub fn param(mut self, name: &str, value: impl ToString) -> Req {
            self.params.insert(name.to_owned(), value.to_string());
            self
        }
        pub fn query(mut self, name: &str, value: impl ToString) -> Req {
            self.query.push((name.to_owned(), value.to_string()));
            self
        }
        pub fn header(mut self, name: &str, value: impl ToString) -> Req {
            self.headers
                .insert(name.to_ascii_lowercase(), value.to_string());
            self
        }
        pub fn body(mut self, body: Value) -> Req {
            self.body = Some(body);
            self
        }
        pub fn key(mut self, key: &str) -> Req {
            self.application_key = Some(key.to_owned());
            self
        }
        pub fn at(mut self, now: Instant) -> Req {
            self.now = now;
            self
        }

        /// Hands the request to `flow`; a JSON answer must match the operation's schema.
        pub fn send(&self, flow: &dyn Flow) -> FlowResponse {
            let request = FlowRequest {
                method: &self.method,
                branch: &self.branch,
                template: &self.template,
                params: &self.params,
                query: &self.query,
                headers: &self.headers,
                body: self.body.as_ref(),
                application_key: self.application_key.as_deref(),
                now: self.now,
            };
            let response = flow.handle(&request);
            if let FlowResponse::Json(body, _) = &response {
                if let Err(problems) =
                    check_response(&self.branch, &self.method, &self.template, body)
                {
                    panic!(
                        "{} {} {}: the answer breaks the schema:\n  {}\n{}",
                        self.branch,
                        self.method,
                        self.template,
                        problems.join("\n  "),
                        serde_json::to_string_pretty(body).unwrap_or_default()
                    );
                }
            }
            response
        }

        /// The JSON answer; panics on anything else.
        pub fn ok(&self, flow: &dyn Flow) -> Value {
            self.ok_with_headers(flow).0
        }

        pub fn ok_with_headers(&self, flow: &dyn Flow) -> (Value, Vec<(String, String)>) {
            match self.send(flow) {
                FlowResponse::Json(body, headers) => (body, headers),
                other => {
                    panic!(
                        "{} {}: expected an answer, got {other:?}",
                        self.method, self.template
                    )
                }
            }
        }

        /// The error answer; panics on anything else.
        pub fn err(&self, flow: &dyn Flow) -> ApiError {
            match self.send(flow) {
                FlowResponse::Error(e) => e,
                other => {
                    panic!(
                        "{} {}: expected an error, got {other:?}",
                        self.method, self.template
                    )
                }
            }
        }
    }

    /// A response header by name, case-insensitively.
    pub fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The repo's sample schemas, resolved once.
    pub fn schemas() -> &'static Ir {
        static IR: OnceLock<Ir> = OnceLock::new();
        IR.get_or_init(|| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../codegen/tests/fixtures/schemas");
            let (loaded, errors) = ovhcloud_schema::reader::load_dir(&dir);
            assert!(errors.is_empty(), "schemas unreadable: {errors:?}");
            ovhcloud_schema::model::build(loaded)
        })
    }

    /// The operations the sample schemas lack (`/me/document`, `/allDom`), from the repo's
    /// snapshot (`schemas/v1/me.json` and `allDom.json` only), resolved once.
    pub fn snapshot_schemas() -> &'static Ir {
        static IR: OnceLock<Ir> = OnceLock::new();
        IR.get_or_init(|| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/v1");
            let loaded = ["me.json", "allDom.json"]
                .iter()
                .map(|name| {
                    let file = dir.join(name);
                    let bytes = std::fs::read(&file).expect("the snapshot is readable");
                    let doc = ovhcloud_schema::reader::parse_schema(&file, &bytes)
                        .expect("the snapshot parses");
                    ovhcloud_schema::reader::LoadedSchema {
                        branch: Branch::V1,
                        file,
                        sha256: String::new(),
                        size: bytes.len() as u64,
                        doc,
                    }
                })
                .collect();
            ovhcloud_schema::model::build(loaded)
        })
    }

    /// Checks `body` against the response type of an operation, the way the generated client
    /// decodes it: every non-nullable property present and not null, primitives in their wire
    /// format, enum values from the schema's list, no undeclared members (a typo would make the
    /// client lose a field silently).
    pub fn check_response(
        branch: &str,
        method: &str,
        template: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let wanted = if branch == "v2" {
            Branch::V2
        } else {
            Branch::V1
        };
        let find = |ir: &'static Ir| {
            ir.apis
                .iter()
                .filter(|a| a.branch == wanted)
                .flat_map(|a| &a.operations)
                .find(|o| o.method.as_str() == method && o.path == template)
                .map(|o| (ir, o))
        };
        let (ir, operation) = find(schemas())
            .or_else(|| find(snapshot_schemas()))
            .unwrap_or_else(|| panic!("no operation {branch} {method} {template} in the schemas"));
        let mut problems = Vec::new();
        check(ir, &operation.response, &[], body, "$", &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Checks `body` against a model (by key).
    pub fn check_model(key: &str, body: &Value) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        let ty = TypeRef::Model {
            key: key.to_owned(),
            args: Vec::new(),
        };
        check(schemas(), &ty, &[], body, "$", &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    fn check(
        ir: &Ir,
        ty: &TypeRef,
        bound: &[(String, TypeRef)],
        value: &Value,
        at: &str,
        problems: &mut Vec<String>,
    ) {
        match ty {
            TypeRef::Unit => {
                if !value.is_null() {
                    problems.push(format!("{at}: void operation answers {value}"));
                }
            }
            TypeRef::Primitive(p) => {
                if let Err(e) = primitive(*p, value) {
                    problems.push(format!("{at}: {e}"));
                }
            }
            TypeRef::Param(name) => {
                if let Some((_, t)) = bound.iter().find(|(n, _)| n == name) {
                    check(ir, t, &[], value, at, problems);
                }
            }
            TypeRef::Alias { target, .. } => check(ir, target, bound, value, at, problems),
            TypeRef::Array(inner) => match value.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        check(ir, inner, bound, item, &format!("{at}[{i}]"), problems);
                    }
                }
                None => problems.push(format!("{at}: expected an array, got {value}")),
            },
            TypeRef::Map(_, inner) => match value.as_object() {
                Some(members) => {
                    for (k, v) in members {
                        check(ir, inner, bound, v, &format!("{at}.{k}"), problems);
                    }
                }
                None => problems.push(format!("{at}: expected an object (map), got {value}")),
            },
            TypeRef::Model { key, args } => {
                let Some(model) = ir.models.get(key) else {
                    problems.push(format!("{at}: unknown model {key}"));
                    return;
                };
                match &model.kind {
                    ModelKind::Enum(EnumValues::Strings(values)) => match value.as_str() {
                        Some(s) if values.iter().any(|v| v == s) => {}
                        _ => problems.push(format!("{at}: {value} is not one of {key} {values:?}")),
                    },
                    ModelKind::Enum(EnumValues::Integers(values)) => match value.as_i64() {
                        Some(n) if values.contains(&n) => {}
                        _ => problems.push(format!("{at}: {value} is not one of {key} {values:?}")),
                    },
                    ModelKind::Object {
                        generics,
                        properties,
                    } => {
                        let Some(members) = value.as_object() else {
                            problems.push(format!("{at}: expected a {key} object, got {value}"));
                            return;
                        };
                        let resolved: Vec<(String, TypeRef)> = generics
                            .iter()
                            .cloned()
                            .zip(args.iter().map(|a| resolve(a, bound)))
                            .collect();
                        for p in properties {
                            let here = format!("{at}.{}", p.name);
                            match members.get(&p.name) {
                                None | Some(Value::Null) if p.nullable => {}
                                None => {
                                    problems.push(format!("{here}: missing (required by {key})"))
                                }
                                Some(Value::Null) => {
                                    problems.push(format!("{here}: null (not nullable in {key})"))
                                }
                                Some(v) => check(ir, &p.ty, &resolved, v, &here, problems),
                            }
                        }
                        for name in members.keys() {
                            if !properties.iter().any(|p| &p.name == name) {
                                problems.push(format!("{at}.{name}: not declared by {key}"));
                            }
                        }
                    }
                }
            }
        }
    }

    fn resolve(ty: &TypeRef, bound: &[(String, TypeRef)]) -> TypeRef {
        match ty {
            TypeRef::Param(name) => bound
                .iter()
                .find(|(n, _)| n == name)
                .map_or_else(|| ty.clone(), |(_, t)| t.clone()),
            other => other.clone(),
        }
    }

    fn primitive(p: Primitive, value: &Value) -> Result<(), String> {
        let string = || {
            value
                .as_str()
                .ok_or_else(|| format!("expected a string ({}), got {value}", p.name()))
        };
        match p {
            Primitive::Any => Ok(()),
            Primitive::Long => value
                .as_i64()
                .map(|_| ())
                .ok_or_else(|| format!("expected a long, got {value}")),
            Primitive::Double => value
                .as_f64()
                .map(|_| ())
                .ok_or_else(|| format!("expected a double, got {value}")),
            Primitive::Boolean => value
                .as_bool()
                .map(|_| ())
                .ok_or_else(|| format!("expected a boolean, got {value}")),
            Primitive::Uuid => {
                let s = string()?;
                match uuid::Uuid::parse_str(s) {
                    Ok(u) if u.hyphenated().to_string() == s => Ok(()),
                    _ => Err(format!("{s:?} is not a lower-case hyphenated uuid")),
                }
            }
            Primitive::Date => {
                let s = string()?;
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(|_| ())
                    .map_err(|e| format!("{s:?} is not a date: {e}"))
            }
            Primitive::DateTime => {
                let s = string()?;
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|_| ())
                    .map_err(|e| format!("{s:?} is not an RFC 3339 datetime: {e}"))
            }
            Primitive::Ipv4 => {
                let s = string()?;
                s.parse::<std::net::Ipv4Addr>()
                    .map(|_| ())
                    .map_err(|_| format!("{s:?} is not an IPv4 address"))
            }
            Primitive::Ip => {
                let s = string()?;
                s.parse::<std::net::IpAddr>()
                    .map(|_| ())
                    .map_err(|_| format!("{s:?} is not an IP address"))
            }
            Primitive::Ipv4Block => {
                let s = string()?;
                Ipv4Cidr::parse(s)
                    .map(|_| ())
                    .ok_or_else(|| format!("{s:?} is not an IPv4 block"))
            }
            _ => string().map(|_| ()),
        }
    }

    #[test]
    fn the_checker_catches_what_the_client_would_refuse() {
        let task =
            serde_json::json!({"id": 1, "function": "addVrack", "resourceId": 2, "status": "todo"});
        assert!(check_model("ovhcloudconnect.Task", &task).is_ok());
        let bad = serde_json::json!({"id": 1, "function": "addL3Pop", "status": null, "extra": 1});
        let problems = check_model("ovhcloudconnect.Task", &bad).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        let pop = serde_json::json!({"id": 1, "interfaceId": 2, "type": "l2", "status": "init",
            "customerBgpArea": null, "ovhBgpArea": null, "subnet": "10.0.0.0/33"});
        assert_eq!(
            check_model("ovhcloudconnect.PopConfig", &pop)
                .unwrap_err()
                .len(),
            1
        );
    }
}

#[cfg(test)]
mod helper_tests {
    use super::*;

    #[test]
    fn like_is_sql_like() {
        assert!(like("%bill%", "my bill 1"));
        assert!(like("FR_", "FR1"));
        assert!(!like("FR_", "FR12"));
        assert!(like("%", ""));
        assert!(!like("a%", "ba"));
        assert!(like("é_%", "éxy"));
        assert!(!like("A%", "abc"));
    }

    #[test]
    fn cidr_parsing_and_arithmetic() {
        let c = Ipv4Cidr::parse("10.0.0.4/30").unwrap();
        assert_eq!(c.to_string(), "10.0.0.4/30");
        assert!(c.is_network_address());
        assert_eq!(format_ipv4(c.broadcast()), "10.0.0.7");
        assert!(!Ipv4Cidr::parse("10.0.0.5/30").unwrap().is_network_address());
        assert_eq!(
            Ipv4Cidr::parse("10.0.0.5/30")
                .unwrap()
                .normalized()
                .to_string(),
            "10.0.0.4/30"
        );
        assert_eq!(Ipv4Cidr::parse("192.0.2.1").unwrap().prefix, 32);
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0/30",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "2001:db8::/64",
            "x/30",
        ] {
            assert!(Ipv4Cidr::parse(bad).is_none(), "{bad}");
        }
        let a = Ipv4Cidr::parse("10.0.0.0/24").unwrap();
        assert!(a.overlaps(&Ipv4Cidr::parse("10.0.0.128/28").unwrap()));
        assert!(!a.overlaps(&Ipv4Cidr::parse("10.0.1.0/28").unwrap()));
        assert_eq!(Ipv4Cidr::parse("0.0.0.0/0").unwrap().mask(), 0);
    }

    #[test]
    fn base64url_round_trips_and_rejects_garbage() {
        for text in ["", "a", "ab", "abc", "abcd", "p1:12345"] {
            let encoded = base64url_encode(text.as_bytes());
            assert_eq!(base64url_decode(&encoded).unwrap(), text.as_bytes());
        }
        assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
        assert!(base64url_decode("!!!!").is_none());
        assert!(base64url_decode("a").is_none());
        assert!(base64url_decode("Zm9=").is_none());
    }

    #[test]
    fn private_asns() {
        assert!(is_private_asn(64512) && is_private_asn(65534) && is_private_asn(4_200_000_000));
        assert!(!is_private_asn(65535) && !is_private_asn(16276) && !is_private_asn(4_294_967_295));
    }
}
