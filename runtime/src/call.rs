//! The seam between generated methods and the runtime. A generated method only describes the
//! request — method, path template and its values, query, headers, body, whether it is signed,
//! whether it pages — and returns a [`Call`]; awaiting it runs the request on its client, a
//! [`Backend`]: this crate's [`Client`] for OVHcloud, another provider's client (Scaleway's) for
//! a crate generated from that provider's OpenAPI description.

use std::borrow::Cow;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::deviation::ResponseMode;
use crate::{Branch, Error, Method, Result};

/// What a generated method asks the client to send.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub branch: Branch,
    /// The path template as in the schema, e.g. `/ovhCloudConnect/{serviceName}`.
    pub template: Cow<'static, str>,
    /// The path with every parameter filled in and percent-encoded.
    pub path: String,
    /// Query parameters, not yet encoded.
    pub query: Vec<(Cow<'static, str>, String)>,
    pub headers: Vec<(Cow<'static, str>, String)>,
    pub body: Option<Body>,
    pub authenticated: bool,
    /// The caller allows retrying this call even though it is a `POST`.
    pub retry_post: bool,
    /// Overrides the client's [`ResponseMode`] for this call.
    pub response_mode: Option<ResponseMode>,
    /// This call's limit for one exchange, instead of the client's.
    pub timeout: Option<std::time::Duration>,
    /// This call's limit for the whole call (every attempt and wait), instead of the client's.
    pub deadline: Option<std::time::Duration>,
    /// This call's limit of an answer's body, in bytes, instead of the client's.
    pub max_response_size: Option<u64>,
    /// This call's retry policy, instead of the client's.
    pub retry: Option<crate::RetryPolicy>,
    /// What the operation needs, when it is a generated one: for an [`AccessRecorder`](crate::AccessRecorder).
    pub access: Option<&'static crate::Access>,
    /// What only some providers read, one typed slot per kind: OVHcloud's
    /// [`OvhRequest`](crate::OvhRequest) (schema version, cursor pages, lists of ids), the
    /// values left to the client's defaults ([`Defaults`]).
    pub extensions: http::Extensions,
}

/// The values of a request left to the client's configuration unless the call sets them (a
/// Scaleway `region` or `project_id`): a slot of [`Request::extensions`]; see
/// [`Request::fill_defaults`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Defaults(pub Vec<Defaulted>);

/// Options of one call, instead of the client's (`.with_options(..)` on any request):
///
/// ```no_run
/// # async fn demo(client: ovhcloud_runtime::Client) -> ovhcloud_runtime::Result<()> {
/// use std::time::Duration;
/// use ovhcloud_runtime::{Branch, Call, CallOptions, Method, RetryPolicy};
/// let options = CallOptions::new()
///     .timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::none())
///     .header("X-Request-Id", "abc")
///     .strict();
/// let me: serde_json::Value = Call::new(&client, Branch::V1, Method::Get, "/me")
///     .with_options(options)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct CallOptions {
    timeout: Option<std::time::Duration>,
    deadline: Option<std::time::Duration>,
    max_response_size: Option<u64>,
    retry: Option<crate::RetryPolicy>,
    headers: Vec<(Cow<'static, str>, String)>,
    response_mode: Option<ResponseMode>,
    /// Slots added to the request's [`Request::extensions`].
    pub(crate) extensions: http::Extensions,
}

impl CallOptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// The longest one exchange may take (each attempt, not the retries together).
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The longest the whole call may take: every attempt, the waits for the rate limiter and
    /// between attempts, reading each body. When it passes the call ends with a timeout error.
    pub fn deadline(mut self, deadline: std::time::Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The largest answer body accepted, in bytes; a longer one ends the call with an error
    /// after reading at most this much.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = Some(bytes);
        self
    }

    pub fn retry(mut self, policy: crate::RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// An extra header (it is signed with the rest).
    pub fn header(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Fails if the response differs from its schema.
    pub fn strict(mut self) -> Self {
        self.response_mode = Some(ResponseMode::Strict);
        self
    }

    /// Corrects and reports what differs from the schema.
    pub fn tolerant(mut self) -> Self {
        self.response_mode = Some(ResponseMode::Tolerant);
        self
    }
}

/// A decoded answer with everything else the API sent: status, headers (`X-Ovh-QueryID`,
/// `X-Pagination-Cursor-Next`, …) and the body as received.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    pub value: T,
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl<T> ApiResponse<T> {
    /// An answer a [`Backend`] received.
    pub fn new(value: T, status: u16, headers: reqwest::header::HeaderMap, body: String) -> Self {
        ApiResponse {
            value,
            status,
            headers,
            body,
        }
    }

    /// `X-Ovh-QueryID`, to quote when contacting OVHcloud support.
    pub fn query_id(&self) -> Option<&str> {
        self.headers.get("X-Ovh-QueryID")?.to_str().ok()
    }

    /// A header's value, if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

/// A value of a request the client fills in when the call did not set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaulted {
    /// The parameter's wire name: the path's `{region}`, the body's `project_id`.
    pub name: &'static str,
    /// In the path (always needed) or a body field.
    pub in_path: bool,
    /// A body field the operation requires.
    pub required: bool,
}

/// A request body.
#[derive(Clone, Debug)]
pub enum Body {
    /// A whole serialized value.
    Json(String),
    /// Named body fields, gathered into one JSON object.
    Fields(serde_json::Map<String, Value>),
}

impl Request {
    /// `METHOD /path/template`, the name errors use.
    pub fn operation(&self) -> String {
        let prefix = match self.branch {
            Branch::V1 => "",
            Branch::V2 => "/v2",
        };
        format!("{} {prefix}{}", self.method.as_str(), self.template)
    }

    /// The filled path and its query string, percent-encoded: what follows the API root.
    pub fn path_and_query(&self) -> String {
        let mut url = self.path.clone();
        for (i, (k, v)) in self.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.extend(percent_encoding::utf8_percent_encode(k, UNRESERVED));
            url.push('=');
            url.extend(percent_encoding::utf8_percent_encode(v, UNRESERVED));
        }
        url
    }

    fn new(branch: Branch, method: Method, template: Cow<'static, str>) -> Self {
        Request {
            method,
            branch,
            path: template.clone().into_owned(),
            template,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            authenticated: true,
            retry_post: false,
            response_mode: None,
            timeout: None,
            deadline: None,
            max_response_size: None,
            retry: None,
            access: None,
            extensions: http::Extensions::new(),
        }
    }

    /// Fills in what the call left to the client: each path parameter still unset, and each
    /// body field the call did not set, from `default` (by wire name). Names a value that is
    /// needed and has no default.
    pub fn fill_defaults(
        &mut self,
        default: impl Fn(&str) -> Option<String>,
    ) -> std::result::Result<(), &'static str> {
        let Some(Defaults(deferred)) = self.extensions.remove::<Defaults>() else {
            return Ok(());
        };
        for deferred in deferred {
            let placeholder = format!("{{{}}}", deferred.name);
            let value = if deferred.in_path {
                if !self.path.contains(&placeholder) {
                    continue;
                }
                default(deferred.name)
            } else {
                let set =
                    matches!(&self.body, Some(Body::Fields(f)) if f.contains_key(deferred.name));
                if set {
                    continue;
                }
                default(deferred.name)
            };
            match (value, deferred.in_path) {
                (Some(value), true) => {
                    let segment = percent_encoding::utf8_percent_encode(&value, UNRESERVED);
                    self.path = self.path.replace(&placeholder, &segment.to_string());
                }
                (Some(value), false) => {
                    let mut error = None;
                    add_body_field(self, &mut error, deferred.name, Ok(Value::String(value)));
                }
                (None, false) if !deferred.required => {}
                (None, _) => return Err(deferred.name),
            }
        }
        Ok(())
    }
}

/// A request being built by a generated method; `.await` it to send it on the client `C`.
#[must_use = "a request does nothing until it is awaited"]
pub struct Call<'a, R, C = crate::Client> {
    pub(crate) client: &'a C,
    pub(crate) request: Request,
    /// The first value that failed to encode; reported when the call is awaited.
    pub(crate) error: Option<String>,
    response: PhantomData<fn() -> R>,
}

impl<R, C> Clone for Call<'_, R, C> {
    fn clone(&self) -> Self {
        Call {
            client: self.client,
            request: self.request.clone(),
            error: self.error.clone(),
            response: PhantomData,
        }
    }
}

/// The future of an awaited [`Call`].
pub type CallFuture<'a, R, E = Error> = Pin<Box<dyn Future<Output = Result<R, E>> + Send + 'a>>;

/// What runs a [`Call`]: a provider's request pipeline (authentication, retries, rate limit,
/// decoding, errors). The request itself is built the same way for every provider.
pub trait Backend: Sync + Sized {
    /// The error of a call on this backend.
    type Error;

    /// Sends `call` and decodes its answer as `R`.
    fn run<'a, R: DeserializeOwned + Send + 'a>(
        call: Call<'a, R, Self>,
    ) -> CallFuture<'a, R, Self::Error>;

    /// Sends `call` once (a paged list: its first page, or the cursor's) and returns the
    /// decoded answer with its status, headers and body.
    fn run_with_response<'a, R: DeserializeOwned + Send + 'a>(
        call: Call<'a, R, Self>,
    ) -> CallFuture<'a, ApiResponse<R>, Self::Error>;
}

/// Everything but RFC 3986's unreserved characters is percent-encoded: in path segments (which
/// may hold `/`, as an `ipBlock` like `1.2.3.0/24` does), query strings and forms alike.
pub(crate) const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The text form of a parameter value: strings as they are, other scalars as JSON text,
/// anything else (maps, objects) as compact JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl<'a, R, C> Call<'a, R, C> {
    /// A call of `method` on `template` (a `&'static str`, or a `String` built at run time).
    pub fn new(
        client: &'a C,
        branch: Branch,
        method: Method,
        template: impl Into<Cow<'static, str>>,
    ) -> Self {
        Call {
            client,
            request: Request::new(branch, method, template.into()),
            error: None,
            response: PhantomData,
        }
    }

    /// The request as it stands.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The client, the request, and the first value that failed to encode while it was built
    /// (for a [`Backend`] to report).
    pub fn into_parts(self) -> (&'a C, Request, Option<String>) {
        (self.client, self.request, self.error)
    }

    /// Fills the next `{parameter}` of the path.
    pub fn path<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        fill_path(
            &mut self.request,
            &mut self.error,
            serde_json::to_value(value),
        );
        self
    }

    /// Adds a query parameter; a list adds the name once per item.
    pub fn query<T: Serialize + ?Sized>(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: &T,
    ) -> Self {
        add_query(
            &mut self.request,
            &mut self.error,
            name.into(),
            serde_json::to_value(value),
        );
        self
    }

    pub fn header<T: Serialize + ?Sized>(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: &T,
    ) -> Self {
        let name = name.into();
        if let Some(v) = encoded(&mut self.error, &name, serde_json::to_value(value)) {
            self.request.headers.push((name, text(&v)));
        }
        self
    }

    /// Sets the whole body.
    pub fn body<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(json) => self.request.body = Some(Body::Json(json)),
            Err(e) => {
                self.error.get_or_insert_with(|| format!("body: {e}"));
            }
        }
        self
    }

    /// Sets one field of an object body.
    pub fn body_field<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Self {
        add_body_field(
            &mut self.request,
            &mut self.error,
            name,
            serde_json::to_value(value),
        );
        self
    }

    /// Options for this call only: timeout, retry policy, extra headers, schema version pin,
    /// strict or tolerant decoding.
    pub fn with_options(mut self, options: CallOptions) -> Self {
        let request = &mut self.request;
        request.timeout = options.timeout.or(request.timeout);
        request.deadline = options.deadline.or(request.deadline);
        request.max_response_size = options.max_response_size.or(request.max_response_size);
        request.retry = options.retry.or(request.retry.take());
        request.headers.extend(options.headers);
        request.extensions.extend(options.extensions);
        request.response_mode = options.response_mode.or(request.response_mode);
        self
    }

    /// Names the operation this call is (generated requests do), for
    /// [`AccessRecorder`](crate::AccessRecorder).
    pub fn access(mut self, access: &'static crate::Access) -> Self {
        self.request.access = Some(access);
        self
    }

    /// Leaves the path parameter `name` to the client's default unless
    /// [`path_named`](Self::path_named) sets it.
    pub fn path_default(mut self, name: &'static str) -> Self {
        self.defer(Defaulted {
            name,
            in_path: true,
            required: true,
        });
        self
    }

    /// Fills the path parameter `{name}`.
    pub fn path_named<T: Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Self {
        if let Some(v) = encoded(&mut self.error, name, serde_json::to_value(value)) {
            let segment = percent_encoding::utf8_percent_encode(&text(&v), UNRESERVED).to_string();
            self.request.path = self.request.path.replace(&format!("{{{name}}}"), &segment);
        }
        self
    }

    /// Leaves the body field `name` to the client's default unless the call sets it.
    pub fn body_default(mut self, name: &'static str, required: bool) -> Self {
        self.defer(Defaulted {
            name,
            in_path: false,
            required,
        });
        self
    }

    fn defer(&mut self, value: Defaulted) {
        let slot = &mut self.request.extensions;
        match slot.get_mut::<Defaults>() {
            Some(Defaults(values)) => values.push(value),
            None => {
                slot.insert(Defaults(vec![value]));
            }
        }
    }

    /// The request's slot of type `T`, made when it has none yet: for a provider's own
    /// builder methods.
    pub fn slot<T: Clone + Default + Send + Sync + 'static>(&mut self) -> &mut T {
        self.request.extensions.get_or_insert_default::<T>()
    }

    /// Sent without a signature (`noAuthentication` in the schema).
    pub fn unauthenticated(mut self) -> Self {
        self.request.authenticated = false;
        self
    }

    /// Allows retrying this call on 429, 502, 503, 504 and connection errors even though it is
    /// a `POST`: only for calls you know are safe to repeat. `GET`, `PUT` and `DELETE` are
    /// always retried.
    pub fn allow_retry(mut self) -> Self {
        self.request.retry_post = true;
        self
    }

    /// Fails this call if the response differs from its schema ([`Error::Deviations`]), whatever
    /// the client's mode.
    pub fn strict(mut self) -> Self {
        self.request.response_mode = Some(ResponseMode::Strict);
        self
    }

    /// Corrects and reports what differs from the schema in this call's response, whatever the
    /// client's mode.
    pub fn tolerant(mut self) -> Self {
        self.request.response_mode = Some(ResponseMode::Tolerant);
        self
    }

    /// Sends `json` as the body, byte for byte (for calls the schemas do not describe).
    pub fn raw_body(mut self, json: impl Into<String>) -> Self {
        self.request.body = Some(Body::Json(json.into()));
        self
    }
}

pub(crate) fn encode_error(request: &Request, message: String) -> Error {
    Error::Encode {
        operation: request.operation(),
        message,
    }
}

// What the builder methods of `Call` do, apart from serializing their value: compiled once,
// not once per response type.

/// An encoded value, or `None` after keeping the first encoding error in `error`.
fn encoded(
    error: &mut Option<String>,
    what: &str,
    value: serde_json::Result<Value>,
) -> Option<Value> {
    value
        .map_err(|e| {
            error.get_or_insert_with(|| format!("{what}: {e}"));
        })
        .ok()
}

fn fill_path(request: &mut Request, error: &mut Option<String>, value: serde_json::Result<Value>) {
    let Some(v) = encoded(error, "path parameter", value) else {
        return;
    };
    let segment = percent_encoding::utf8_percent_encode(&text(&v), UNRESERVED).to_string();
    // The first `{parameter}` not left to the client's defaults.
    let deferred = |name: &str| {
        let defaults = request.extensions.get::<Defaults>();
        defaults.is_some_and(|Defaults(d)| d.iter().any(|d| d.in_path && d.name == name))
    };
    let path = &mut request.path;
    let mut from = 0;
    while let Some(open) = path[from..].find('{').map(|i| from + i) {
        let Some(close) = path[open..].find('}').map(|i| open + i) else {
            break;
        };
        if !deferred(&path[open + 1..close]) {
            path.replace_range(open..=close, &segment);
            return;
        }
        from = close + 1;
    }
    error.get_or_insert_with(|| "more path values than path parameters".to_owned());
}

fn add_query(
    request: &mut Request,
    error: &mut Option<String>,
    name: Cow<'static, str>,
    value: serde_json::Result<Value>,
) {
    match encoded(error, &name, value) {
        Some(Value::Array(items)) => request
            .query
            .extend(items.iter().map(|i| (name.clone(), text(i)))),
        Some(Value::Null) | None => {}
        Some(v) => request.query.push((name, text(&v))),
    }
}

fn add_body_field(
    request: &mut Request,
    error: &mut Option<String>,
    name: &'static str,
    value: serde_json::Result<Value>,
) {
    let Some(v) = encoded(error, name, value) else {
        return;
    };
    if !matches!(request.body, Some(Body::Fields(_))) {
        request.body = Some(Body::Fields(Default::default()));
    }
    if let Some(Body::Fields(fields)) = &mut request.body {
        fields.insert(name.to_owned(), v);
    }
}

impl<'a, R: DeserializeOwned + Send + 'a, C: Backend> Call<'a, R, C> {
    /// The decoded answer with its status, headers and raw body. One exchange: a paged list
    /// answers its first page (or the page of the cursor set), with `X-Pagination-Cursor-Next`.
    pub fn with_response(self) -> CallFuture<'a, ApiResponse<R>, C::Error> {
        C::run_with_response(self)
    }
}

impl<'a, R: DeserializeOwned + Send + 'a, C: Backend> IntoFuture for Call<'a, R, C> {
    type Output = Result<R, C::Error>;
    type IntoFuture = CallFuture<'a, R, C::Error>;

    fn into_future(self) -> Self::IntoFuture {
        C::run(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Client;

    fn client() -> Client {
        Client::builder()
            .endpoint("http://127.0.0.1:9")
            .build()
            .unwrap()
    }

    #[test]
    fn path_values_are_filled_in_order_and_encoded() {
        let c = client();
        let call: Call<'_, ()> =
            Call::new(&c, Branch::V1, Method::Get, "/ip/{ip}/reverse/{ipReverse}")
                .path("1.2.3.0/24")
                .path(&"a b");
        assert_eq!(call.request().path, "/ip/1.2.3.0%2F24/reverse/a%20b");
        assert_eq!(
            call.request().operation(),
            "GET /ip/{ip}/reverse/{ipReverse}"
        );
    }

    #[test]
    fn query_lists_repeat_and_none_is_left_out() {
        let c = client();
        let call: Call<'_, ()> = Call::new(&c, Branch::V2, Method::Get, "/iam/policy")
            .query("a", &["x", "y"])
            .query("b", &Option::<i64>::None)
            .query("c", &true)
            .query("d", &serde_json::json!({"k": [1]}));
        let q: Vec<_> = call
            .request()
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(q, ["a=x", "a=y", "c=true", "d={\"k\":[1]}"]);
    }

    #[test]
    fn defaults_fill_what_the_call_left() {
        let c = client();
        let template = "/x/regions/{region}/links/{link_id}";
        let call: Call<'_, ()> = Call::new(&c, Branch::V1, Method::Post, template)
            .path_default("region")
            .body_default("project_id", true)
            .path("a/b");
        assert_eq!(call.request().path, "/x/regions/{region}/links/a%2Fb");
        let mut request = call.request().clone();
        let defaults = |name: &str| match name {
            "region" => Some("fr-par".to_owned()),
            "project_id" => Some("p1".to_owned()),
            _ => None,
        };
        request.fill_defaults(defaults).unwrap();
        assert_eq!(request.path, "/x/regions/fr-par/links/a%2Fb");
        let Some(Body::Fields(f)) = &request.body else {
            panic!()
        };
        assert_eq!(f["project_id"], "p1");

        // What the call set wins; a needed value without a default is named.
        let call: Call<'_, ()> = Call::new(&c, Branch::V1, Method::Post, template)
            .path_default("region")
            .body_default("project_id", true)
            .path("l")
            .path_named("region", "nl-ams")
            .body_field("project_id", "p2");
        let mut request = call.request().clone();
        request.fill_defaults(|_| None).unwrap();
        assert_eq!(request.path, "/x/regions/nl-ams/links/l");
        let Some(Body::Fields(f)) = &request.body else {
            panic!()
        };
        assert_eq!(f["project_id"], "p2");
        let mut request = Call::<()>::new(&c, Branch::V1, Method::Get, template)
            .path_default("region")
            .body_default("optional", false)
            .path("l")
            .request()
            .clone();
        assert_eq!(request.fill_defaults(|_| None), Err("region"));
    }

    #[test]
    fn body_fields_gather_into_one_object() {
        let c = client();
        let call: Call<'_, ()> = Call::new(&c, Branch::V1, Method::Post, "/x")
            .body_field("b", &1)
            .body_field("a", "s");
        let Some(Body::Fields(f)) = &call.request().body else {
            panic!()
        };
        assert_eq!(serde_json::to_string(f).unwrap(), r#"{"a":"s","b":1}"#);
    }
}
