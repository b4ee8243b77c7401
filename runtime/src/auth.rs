//! Authentication: the `$1$` request signature and the server clock it needs, OAuth2 client
//! credentials, and the consumer-key request flow.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::types::Password;

/// The `$1$` signature: lower-case hex SHA-1 of
/// `secret+consumer_key+METHOD+full_url+body+timestamp`, over exactly the bytes sent.
pub fn signature(
    secret: &str,
    consumer_key: &str,
    method: &str,
    url: &str,
    body: &str,
    timestamp: i64,
) -> String {
    let mut hasher = Sha1::new();
    for (i, part) in [secret, consumer_key, method, url, body]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            hasher.update(b"+");
        }
        hasher.update(part.as_bytes());
    }
    hasher.update(b"+");
    hasher.update(timestamp.to_string().as_bytes());
    let mut out = String::with_capacity(43);
    out.push_str("$1$");
    // By table, not `{:02x}`: formatting twenty bytes was half of signing's cost.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for byte in hasher.finalize() {
        out.push(HEX[usize::from(byte >> 4)] as char);
        out.push(HEX[usize::from(byte & 0xf)] as char);
    }
    out
}

/// Local time in seconds; replaceable in tests.
pub type LocalClock = Arc<dyn Fn() -> f64 + Send + Sync>;

pub(crate) fn system_clock() -> LocalClock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    })
}

/// The API's clock, as an offset from ours, read once from `GET /auth/time`.
pub(crate) struct ServerClock {
    local: LocalClock,
    offset: Mutex<Option<i64>>,
}

impl ServerClock {
    pub fn new(local: LocalClock, known_offset: Option<i64>) -> Self {
        ServerClock {
            local,
            offset: Mutex::new(known_offset),
        }
    }

    /// Whole local seconds, truncated as python-ovh does.
    pub fn local_seconds(&self) -> i64 {
        (self.local)() as i64
    }

    pub fn offset(&self) -> Option<i64> {
        *self.offset.lock().expect("clock lock")
    }

    pub fn set_server_time(&self, server: i64) {
        *self.offset.lock().expect("clock lock") = Some(server - self.local_seconds());
    }

    /// Forgets the offset: the next signed call reads `/auth/time` again.
    pub fn reset(&self) {
        *self.offset.lock().expect("clock lock") = None;
    }

    pub fn timestamp(&self, offset: i64) -> i64 {
        self.local_seconds() + offset
    }
}

impl fmt::Debug for ServerClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerClock")
            .field("offset", &self.offset())
            .finish()
    }
}

/// How calls are authenticated.
pub(crate) enum Auth {
    /// Only operations without authentication can be called.
    None,
    /// Application key and secret, and a consumer key once one was validated.
    Application {
        application_key: String,
        application_secret: Password,
        consumer_key: Option<Password>,
    },
    /// A service account: OAuth2 client credentials, exchanged for bearer tokens.
    OAuth2(OAuth2),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Application {
                application_key,
                consumer_key,
                ..
            } => f
                .debug_struct("Application")
                .field("application_key", application_key)
                .field("application_secret", &"***")
                .field("consumer_key", &consumer_key.as_ref().map(|_| "***"))
                .finish(),
            Auth::OAuth2(o) => o.fmt(f),
        }
    }
}

/// OAuth2 client-credentials state: the token is fetched lazily, cached, and refreshed shortly
/// before it expires.
pub(crate) struct OAuth2 {
    pub client_id: String,
    pub client_secret: Password,
    pub token_url: String,
    token: tokio::sync::Mutex<Option<Token>>,
}

#[derive(Clone)]
pub(crate) struct Token {
    pub access_token: Password,
    pub expires_at: Instant,
}

/// Refresh this long before the token expires, so no call leaves with a dying token.
const REFRESH_MARGIN: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl fmt::Debug for OAuth2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("token_url", &self.token_url)
            .finish()
    }
}

impl OAuth2 {
    pub fn new(client_id: String, client_secret: Password, token_url: String) -> Self {
        OAuth2 {
            client_id,
            client_secret,
            token_url,
            token: tokio::sync::Mutex::new(None),
        }
    }

    /// A valid access token, fetching a new one when none is cached or it expires soon.
    /// Concurrent callers wait for one fetch.
    /// `timeout` limits the token request, as the client's attempt timeout limits its calls.
    pub async fn access_token(
        &self,
        http: &reqwest::Client,
        timeout: Option<Duration>,
    ) -> crate::Result<Password> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref() {
            if token.expires_at > Instant::now() + REFRESH_MARGIN {
                return Ok(token.access_token.clone());
            }
        }
        let token = self.fetch(http, timeout).await?;
        let access = token.access_token.clone();
        *cached = Some(token);
        Ok(access)
    }

    /// Drops the cached token (the API refused it).
    pub async fn invalidate(&self) {
        *self.token.lock().await = None;
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        timeout: Option<Duration>,
    ) -> crate::Result<Token> {
        let operation = format!("POST {}", self.token_url);
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("scope", "all"),
        ];
        let body = form
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(v, crate::call::UNRESERVED)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let response = http
            .post(&self.token_url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(body)
            // A token endpoint that stalls must not hold every call waiting on this lock.
            .timeout(timeout.unwrap_or(Duration::from_secs(60)))
            .send()
            .await
            .map_err(|e| crate::Error::transport(&operation, e))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| crate::Error::transport(&operation, e))?;
        if !(200..300).contains(&status) {
            // The token endpoint's error body names the problem (`invalid_client`), never the secret.
            return Err(crate::Error::Auth(format!(
                "{operation}: HTTP {status}: {}",
                text.chars().take(300).collect::<String>()
            )));
        }
        let parsed: TokenResponse = serde_json::from_str(&text).map_err(|e| {
            crate::Error::Auth(format!("{operation}: unexpected token response: {e}"))
        })?;
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
        Ok(Token {
            access_token: Password::new(parsed.access_token),
            expires_at: Instant::now() + lifetime,
        })
    }
}

/// One access rule of a consumer key: an HTTP method and a path, `*` matching anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRule {
    pub method: String,
    pub path: String,
}

/// The answer to a consumer-key request: send the user to `validation_url`, then use
/// `consumer_key`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRequestAnswer {
    pub validation_url: String,
    pub consumer_key: Password,
    pub state: String,
}

/// Builds a `POST /auth/credential` request: access rules, allowed IPs, redirection.
///
/// ```no_run
/// # async fn demo(client: ovhcloud_runtime::Client) -> ovhcloud_runtime::Result<()> {
/// let answer = ovhcloud_runtime::CredentialRequest::new()
///     .allow("GET", "/me")
///     .allow_recursive("GET", "/ovhCloudConnect")
///     .allowed_ip("203.0.113.0/24")
///     .redirection("https://example.com/done")
///     .send(&client)
///     .await?;
/// println!("validate at {}", answer.validation_url);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialRequest {
    pub access_rules: Vec<AccessRule>,
    pub allowed_ips: Option<Vec<String>>,
    pub redirection: Option<String>,
}

impl CredentialRequest {
    pub fn new() -> Self {
        Self::default()
    }

    /// Allows `method` on exactly `path` (`*` in a path matches any segment run).
    pub fn allow(mut self, method: &str, path: &str) -> Self {
        self.access_rules.push(AccessRule {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
        });
        self
    }

    /// Allows `method` on `path` and everything below it (`path` and `path/*`).
    pub fn allow_recursive(self, method: &str, path: &str) -> Self {
        let base = path.trim_end_matches(['/', '*']);
        let base = if base.is_empty() { "/" } else { base };
        let below = format!("{}/*", base.trim_end_matches('/'));
        self.allow(method, base).allow(method, &below)
    }

    /// GET on everything (python-ovh's `API_READ_ONLY`).
    pub fn read_only(self) -> Self {
        self.allow("GET", "/*")
    }

    /// Every method on everything (python-ovh's `API_READ_WRITE`).
    pub fn read_write(self) -> Self {
        ["GET", "POST", "PUT", "DELETE"]
            .iter()
            .fold(self, |r, m| r.allow(m, "/*"))
    }

    /// Restricts the key to calls from this address or block.
    pub fn allowed_ip(mut self, ip_or_block: &str) -> Self {
        self.allowed_ips
            .get_or_insert_with(Vec::new)
            .push(ip_or_block.to_owned());
        self
    }

    /// Where OVH sends the user after validation.
    pub fn redirection(mut self, url: &str) -> Self {
        self.redirection = Some(url.to_owned());
        self
    }

    /// The JSON body, as OVH expects it (`allowedIPs` is `null` when not restricted).
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({
            "accessRules": self.access_rules,
            "redirection": self.redirection,
            "allowedIPs": self.allowed_ips,
        })
    }

    /// Sends the request: unauthenticated, with only the application key.
    pub async fn send(&self, client: &crate::Client) -> crate::Result<CredentialRequestAnswer> {
        crate::Call::new(
            client,
            crate::Branch::V1,
            crate::Method::Post,
            "/auth/credential",
        )
        .body(&self.body())
        .unauthenticated()
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recursive_rules_cover_the_path_and_below() {
        let r = CredentialRequest::new().allow_recursive("get", "/ovhCloudConnect/");
        assert_eq!(
            r.access_rules,
            [
                AccessRule {
                    method: "GET".into(),
                    path: "/ovhCloudConnect".into()
                },
                AccessRule {
                    method: "GET".into(),
                    path: "/ovhCloudConnect/*".into()
                }
            ]
        );
        assert_eq!(CredentialRequest::new().read_write().access_rules.len(), 4);
    }

    #[test]
    fn body_sends_null_allowed_ips_when_unrestricted() {
        let body = CredentialRequest::new().allow("GET", "/me").body();
        assert_eq!(
            body,
            serde_json::json!({"accessRules": [{"method": "GET", "path": "/me"}], "redirection": null, "allowedIPs": null})
        );
    }

    #[test]
    fn server_clock_offset_truncates_local_time() {
        let clock = ServerClock::new(Arc::new(|| 1704067200.75), None);
        clock.set_server_time(1704067203);
        assert_eq!(clock.offset(), Some(3));
        assert_eq!(clock.timestamp(3), 1704067203);
    }
}
