//! The HTTP client: endpoints, `$1$` request signing, sending and decoding.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::Value;
use sha1::{Digest, Sha1};

use crate::call::{Body, Request};
use crate::codec::split_path;
use crate::{Branch, Error, Result};

/// The named endpoints of the official clients, and their API base URLs.
pub const ENDPOINTS: &[(&str, &str)] = &[
    ("ovh-eu", "https://eu.api.ovh.com/1.0"),
    ("ovh-ca", "https://ca.api.ovh.com/1.0"),
    ("ovh-us", "https://api.us.ovhcloud.com/1.0"),
    ("kimsufi-eu", "https://eu.api.kimsufi.com/1.0"),
    ("kimsufi-ca", "https://ca.api.kimsufi.com/1.0"),
    ("soyoustart-eu", "https://eu.api.soyoustart.com/1.0"),
    ("soyoustart-ca", "https://ca.api.soyoustart.com/1.0"),
];

/// Application key, secret and consumer key. `Debug` shows only the application key.
#[derive(Clone)]
struct Credentials {
    application_key: String,
    application_secret: String,
    consumer_key: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("application_key", &self.application_key)
            .field("application_secret", &"***")
            .field("consumer_key", &"***")
            .finish()
    }
}

/// An OVHcloud API client. Cheap to clone; clones share connections and the clock offset.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    /// Scheme and host, without the branch: `https://eu.api.ovh.com`.
    root: String,
    credentials: Option<Credentials>,
    /// Server time minus local time, in seconds, read once from `/auth/time`.
    time_delta: Mutex<Option<i64>>,
}

/// Configures a [`Client`].
#[derive(Debug, Default)]
pub struct ClientBuilder {
    endpoint: Option<String>,
    credentials: Option<Credentials>,
    timeout: Option<Duration>,
}

impl ClientBuilder {
    /// A named endpoint (`ovh-eu`, `ovh-ca`, `ovh-us`, `kimsufi-eu`, …) or a base URL
    /// (`https://eu.api.ovh.com/1.0`, `http://127.0.0.1:8080`).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Signs calls with an application key and secret and a consumer key.
    pub fn application(
        mut self,
        application_key: impl Into<String>,
        application_secret: impl Into<String>,
        consumer_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials {
            application_key: application_key.into(),
            application_secret: application_secret.into(),
            consumer_key: consumer_key.into(),
        });
        self
    }

    /// Limit for a whole request (default 180 s, as python-ovh).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    pub fn build(self) -> Result<Client> {
        let endpoint = self
            .endpoint
            .ok_or_else(|| Error::Config("no endpoint given".into()))?;
        let base = ENDPOINTS
            .iter()
            .find(|(name, _)| *name == endpoint)
            .map_or(endpoint.as_str(), |(_, url)| url);
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            let names: Vec<_> = ENDPOINTS.iter().map(|(n, _)| *n).collect();
            return Err(Error::Config(format!(
                "unknown endpoint {endpoint:?}: use one of {} or a URL",
                names.join(", ")
            )));
        }
        let root = base.trim_end_matches('/');
        let root = ["/1.0", "/v1", "/v2"]
            .iter()
            .find_map(|s| root.strip_suffix(s))
            .unwrap_or(root)
            .to_owned();
        let http = reqwest::Client::builder()
            .timeout(self.timeout.unwrap_or(Duration::from_secs(180)))
            .user_agent(concat!("ovhcloud-rust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                root,
                credentials: self.credentials,
                time_delta: Mutex::new(None),
            }),
        })
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The `$1$` signature: SHA-1 over secret, consumer key, method, full URL, body and timestamp.
pub(crate) fn signature(
    secret: &str,
    consumer_key: &str,
    method: &str,
    url: &str,
    body: &str,
    timestamp: i64,
) -> String {
    let mut hasher = Sha1::new();
    for (i, part) in [
        secret,
        consumer_key,
        method,
        url,
        body,
        &timestamp.to_string(),
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            hasher.update(b"+");
        }
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut out = String::with_capacity(43);
    out.push_str("$1$");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    fn url(&self, request: &Request, extra: &[(&str, String)]) -> String {
        let prefix = match request.branch {
            Branch::V1 => "/1.0",
            Branch::V2 => "/v2",
        };
        let mut url = format!("{}{prefix}{}", self.inner.root, request.path);
        let pairs = request
            .query
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain(extra.iter().map(|(k, v)| (*k, v.as_str())));
        for (i, (k, v)) in pairs.enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.extend(percent_encoding::utf8_percent_encode(k, QUERY));
            url.push('=');
            url.extend(percent_encoding::utf8_percent_encode(v, QUERY));
        }
        url
    }

    async fn timestamp(&self, application_key: &str) -> Result<i64> {
        if let Some(delta) = *self.inner.time_delta.lock().expect("not poisoned") {
            return Ok(now() + delta);
        }
        let url = format!("{}/1.0/auth/time", self.inner.root);
        let operation = "GET /auth/time".to_owned();
        let transport = |source| Error::Transport {
            operation: operation.clone(),
            source,
        };
        let response = self
            .inner
            .http
            .get(&url)
            .header("X-Ovh-Application", application_key)
            .send()
            .await
            .map_err(transport)?;
        let server: i64 = response.json().await.map_err(transport)?;
        let delta = server - now();
        *self.inner.time_delta.lock().expect("not poisoned") = Some(delta);
        Ok(now() + delta)
    }

    async fn send_once(
        &self,
        request: &Request,
        cursor: Option<&str>,
    ) -> Result<(reqwest::header::HeaderMap, String)> {
        let operation = request.operation();
        let url = self.url(request, &[]);
        let body = match &request.body {
            None => String::new(),
            Some(Body::Json(json)) => json.clone(),
            Some(Body::Fields(fields)) => {
                serde_json::to_string(fields).expect("a JSON map serializes")
            }
        };
        let method = match request.method {
            crate::Method::Get => reqwest::Method::GET,
            crate::Method::Post => reqwest::Method::POST,
            crate::Method::Put => reqwest::Method::PUT,
            crate::Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self
            .inner
            .http
            .request(method, &url)
            .header("Accept", "application/json");
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        if let Some(cursor) = cursor {
            builder = builder.header("X-Pagination-Cursor", cursor);
        }
        if let Some(creds) = &self.inner.credentials {
            builder = builder.header("X-Ovh-Application", &creds.application_key);
            if request.authenticated {
                let ts = self.timestamp(&creds.application_key).await?;
                let sig = signature(
                    &creds.application_secret,
                    &creds.consumer_key,
                    request.method.as_str(),
                    &url,
                    &body,
                    ts,
                );
                builder = builder
                    .header("X-Ovh-Consumer", &creds.consumer_key)
                    .header("X-Ovh-Timestamp", ts.to_string())
                    .header("X-Ovh-Signature", sig);
            }
        }
        if !body.is_empty() {
            builder = builder
                .header("Content-Type", "application/json")
                .body(body);
        }
        let transport = |source| Error::Transport {
            operation: operation.clone(),
            source,
        };
        let response = builder.send().await.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.map_err(transport)?;
        if !status.is_success() {
            return Err(api_error(operation, status.as_u16(), &headers, text));
        }
        Ok((headers, text))
    }

    /// Sends a request and decodes the response; for paged operations, every page.
    pub(crate) async fn execute<R: DeserializeOwned>(&self, request: &Request) -> Result<R> {
        let explicit_cursor = request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("X-Pagination-Cursor"));
        if !request.paginated || explicit_cursor {
            let (headers, text) = self.send_once(request, None).await?;
            let text = if text.trim().is_empty() {
                "null"
            } else {
                text.as_str()
            };
            return decode(request, &headers, text);
        }
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let (headers, text) = self.send_once(request, cursor.as_deref()).await?;
            match decode::<Value>(request, &headers, &text)? {
                Value::Array(page) => items.extend(page),
                other => return decode(request, &headers, &other.to_string()),
            }
            cursor = headers
                .get("X-Pagination-Cursor-Next")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            if cursor.is_none() {
                break;
            }
        }
        let all = Value::Array(items).to_string();
        decode(request, &reqwest::header::HeaderMap::new(), &all)
    }
}

fn query_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get("X-Ovh-QueryID")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn decode<R: DeserializeOwned>(
    request: &Request,
    headers: &reqwest::header::HeaderMap,
    text: &str,
) -> Result<R> {
    serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        // serde_json appends the position; the JSON path is what a reader needs.
        let message = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(m, _)| m);
        let (path, message) = split_path(message).unwrap_or(("", message));
        Error::Decode {
            operation: request.operation(),
            path: path.to_owned(),
            message: message.to_owned(),
            query_id: query_id(headers),
            body: text.to_owned(),
        }
    })
}

fn api_error(
    operation: String,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: String,
) -> Error {
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Error::Api {
        operation,
        status,
        class: field("class"),
        error_code: field("errorCode"),
        message: field("message").unwrap_or_else(|| body.chars().take(200).collect()),
        query_id: query_id(headers),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_ovh_signature_vectors() {
        let (secret, ck, ts) = (
            "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk",
            "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY",
            1457018875,
        );
        let url = "https://eu.api.ovh.com/1.0/auth";
        assert_eq!(
            signature(secret, ck, "GET", url, "", ts),
            "$1$e9556054b6309771395efa467c22e627407461ad"
        );
        assert_eq!(
            signature(secret, ck, "POST", url, r#"{"a":"b","c":"d"}"#, ts),
            "$1$ec2fb5c7a81f64723c77d2e5b609ae6f58a84fc1"
        );
    }

    #[test]
    fn endpoints_resolve_to_a_root_without_branch() {
        let c = Client::builder().endpoint("ovh-eu").build().unwrap();
        assert_eq!(c.inner.root, "https://eu.api.ovh.com");
        let c = Client::builder()
            .endpoint("http://127.0.0.1:8080/v1/")
            .build()
            .unwrap();
        assert_eq!(c.inner.root, "http://127.0.0.1:8080");
        assert!(matches!(
            Client::builder().endpoint("ovh-mars").build(),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let c = Client::builder()
            .endpoint("ovh-eu")
            .application("AK", "very-secret", "consumer-secret")
            .build()
            .unwrap();
        let debug = format!("{c:?}");
        assert!(debug.contains("AK"));
        assert!(
            !debug.contains("very-secret") && !debug.contains("consumer-secret"),
            "{debug}"
        );
    }
}
