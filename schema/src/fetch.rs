//! Downloading schemas (feature `fetch`): an endpoint's listings (`/1.0/`, `/v2/`) and the
//! schema files they name, read in full with retries, backoff and a per-request timeout, every
//! body checked to be one complete JSON document.
//!
//! The one implementation both downloads use: `ovhcloud-codegen fetch` (a whole snapshot,
//! staged and locked) and the `ovhcloud` command line (the schema of the API a call needs,
//! kept in a cache directory).

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use ovhcloud_base::ENDPOINTS;
use serde::Deserialize;

use crate::reader::Branch;

// ---------------------------------------------------------------------------------------------
// Endpoint

/// Whether a v2 listing must exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V2 {
    /// The endpoint has a v2 branch: a missing listing is an error.
    Expected,
    /// kimsufi, soyoustart, or a URL: a 404 means v1 only.
    IfServed,
    /// The URL does not end in `/1.0` or `/v1`, so there is nowhere to look.
    Unknown,
}

/// Where the schemas are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// As given (`ovh-eu` or a URL): what the lock records.
    pub given: String,
    /// `https://eu.api.ovh.com/1.0`, no trailing slash.
    pub v1: String,
    /// `https://eu.api.ovh.com/v2`, when it can be derived.
    pub v2: Option<String>,
    pub v2_status: V2,
}

/// Maps a name to its v1 base URL with the runtime's table ([`ENDPOINTS`]), or takes a URL as
/// given (without a trailing slash); v2 lives beside v1: a final `/1.0` or `/v1` becomes `/v2`.
/// The error says which names exist.
pub fn resolve_endpoint(name_or_url: &str) -> Result<Endpoint, String> {
    let (v1, named_v2) = match ENDPOINTS.iter().find(|e| e.name == name_or_url) {
        Some(e) => (e.api.to_owned(), Some(e.v2)),
        None if name_or_url.starts_with("https://") || name_or_url.starts_with("http://") => {
            (name_or_url.trim_end_matches('/').to_owned(), None)
        }
        None => {
            let names: Vec<&str> = ENDPOINTS.iter().map(|e| e.name).collect();
            return Err(format!(
                "unknown endpoint {name_or_url:?}: use one of {} or a URL such as \
                 https://eu.api.ovh.com/1.0",
                names.join(", ")
            ));
        }
    };
    let v2 = ["/1.0", "/v1"]
        .iter()
        .find_map(|suffix| v1.strip_suffix(suffix))
        .map(|root| format!("{root}/v2"));
    let v2_status = match (named_v2, &v2) {
        (Some(true), _) => V2::Expected,
        (_, None) => V2::Unknown,
        _ => V2::IfServed,
    };
    Ok(Endpoint {
        given: name_or_url.to_owned(),
        v1,
        v2,
        v2_status,
    })
}

// ---------------------------------------------------------------------------------------------
// Listings

/// A root listing, as far as a download needs it.
#[derive(Deserialize)]
struct Listing {
    apis: Vec<ListingEntry>,
}

#[derive(Deserialize)]
struct ListingEntry {
    path: String,
}

/// One schema file a listing names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedFile {
    pub branch: Branch,
    /// As listed: `/dedicated/server`.
    pub path: String,
    /// `v1/dedicated_server.json`, relative to a snapshot (or cache) directory: where
    /// [`crate::reader::load_dir`] reads it.
    pub file: String,
    /// `https://eu.api.ovh.com/1.0/dedicated/server.json`.
    pub url: String,
}

/// A listing read and checked: its bytes as served and the files it names.
#[derive(Debug)]
pub struct ReadListing {
    pub branch: Branch,
    pub bytes: Vec<u8>,
    pub files: Vec<ListedFile>,
}

impl ReadListing {
    /// The API `path` (a path within the branch: `/dedicated/server/ns1/ips`) belongs to: the
    /// longest listed path it starts with.
    pub fn api_of(&self, path: &str) -> Option<&ListedFile> {
        self.files
            .iter()
            .filter(|f| {
                path == f.path
                    || path
                        .strip_prefix(f.path.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|f| f.path.len())
    }
}

/// `dedicated_server`: a listed path as a file name (without `.json`).
fn file_stem(path: &str) -> String {
    path.trim_start_matches('/').replace('/', "_")
}

/// Parses a listing of `branch` served at `base` (`https://eu.api.ovh.com/1.0`) and turns every
/// entry into a file to download, refusing paths that could not be saved safely or would
/// collide. The error says why the listing cannot be used.
pub fn read_listing(branch: Branch, base: &str, bytes: Vec<u8>) -> Result<ReadListing, String> {
    let listing: Listing = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    // A full refresh would drop every file of the branch: an empty v1 listing is a broken
    // answer (an empty v2 listing is checked by the caller, which knows whether v2 must exist).
    if listing.apis.is_empty() && branch == Branch::V1 {
        return Err("the listing names no API".to_owned());
    }
    let mut files = Vec::new();
    let mut seen = BTreeMap::new();
    for entry in listing.apis {
        let stem = file_stem(&entry.path);
        let safe = entry.path.starts_with('/')
            && !stem.is_empty()
            && !stem.starts_with(['_', '.'])
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !safe {
            return Err(format!(
                "the path {:?} cannot be saved as a schema file",
                entry.path
            ));
        }
        if let Some(other) = seen.insert(stem.clone(), entry.path.clone()) {
            return Err(format!(
                "{other:?} and {:?} would both be saved as {stem}.json",
                entry.path
            ));
        }
        files.push(ListedFile {
            branch,
            url: format!("{base}{}.json", entry.path),
            file: format!("{}/{stem}.json", branch.dir_name()),
            path: entry.path,
        });
    }
    Ok(ReadListing {
        branch,
        bytes,
        files,
    })
}

// ---------------------------------------------------------------------------------------------
// Downloads

/// Why a URL could not be read.
#[derive(Debug)]
pub enum Failure {
    /// An error status, with OVH's `message` when the body had one.
    Status {
        status: u16,
        message: Option<String>,
    },
    /// 404 on a schema file the listing names.
    NotServed { message: Option<String> },
    /// No answer: refused, reset, closed early, DNS, TLS…
    Connection(String),
    /// No complete answer within the per-request timeout.
    Timeout(Duration),
    /// A 2xx answer whose body is not one complete JSON document.
    InvalidJson {
        line: usize,
        column: usize,
        bytes: usize,
        message: String,
    },
}

impl Failure {
    /// Whether trying again may help: throttling, server errors, transport trouble, and
    /// bodies cut short.
    pub fn is_retryable(&self) -> bool {
        match self {
            Failure::Status { status, .. } => matches!(status, 408 | 429 | 500..=599),
            Failure::NotServed { .. } => false,
            Failure::Connection(_) | Failure::Timeout(_) | Failure::InvalidJson { .. } => true,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status { status, message } => {
                write!(f, "HTTP {}", status_line(*status))?;
                if let Some(m) = message {
                    write!(f, ": {m}")?;
                }
                Ok(())
            }
            Failure::NotServed { message } => {
                write!(
                    f,
                    "HTTP {}: the listing names a file the endpoint does not serve",
                    status_line(404)
                )?;
                if let Some(m) = message {
                    write!(f, " ({m})")?;
                }
                Ok(())
            }
            Failure::Connection(m) => write!(f, "connection error: {m}"),
            Failure::Timeout(t) => write!(f, "no complete answer within {} s", t.as_secs_f64()),
            Failure::InvalidJson {
                line,
                column,
                bytes,
                message,
            } => write!(
                f,
                "truncated or invalid JSON at line {line} column {column} ({bytes} bytes \
                 received: {message})"
            ),
        }
    }
}

/// `503 Service Unavailable`.
pub fn status_line(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    format!("{status} {reason}").trim_end().to_owned()
}

/// A document read in full and checked to be JSON.
#[derive(Debug)]
pub struct Got {
    pub bytes: Vec<u8>,
    /// Requests sent again before this answer.
    pub retries: u32,
    /// RFC 3339, UTC, when the answer was complete.
    pub at: String,
}

/// How hard a [`Fetcher`] tries. [`Policy::default`]: 4 attempts, 60 s each, backoff from
/// 200 ms up to 10 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Attempts per document, the first included (at least 1).
    pub attempts: u32,
    /// For one request, the whole answer included.
    pub timeout: Duration,
    /// The first retry waits up to this long, each next one up to twice as long.
    pub retry_delay: Duration,
    /// No retry waits longer, `Retry-After` included.
    pub max_retry_delay: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            attempts: 4,
            timeout: Duration::from_secs(60),
            retry_delay: Duration::from_millis(200),
            max_retry_delay: Duration::from_secs(10),
        }
    }
}

/// An HTTP client with the retry policy: reads JSON documents (listings, schemas) in full.
#[derive(Clone, Debug)]
pub struct Fetcher {
    http: reqwest::Client,
    attempts: u32,
    timeout: Duration,
    retry_delay: Duration,
    max_retry_delay: Duration,
}

impl Fetcher {
    /// A fetcher sending `user_agent` (`ovhcloud-codegen/0.1.0 fetch`); the error says why
    /// HTTP could not be set up.
    pub fn new(policy: Policy, user_agent: &str) -> Result<Fetcher, String> {
        let http = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .user_agent(user_agent)
            .build()
            .map_err(|e| format!("cannot set up HTTP: {e}"))?;
        Ok(Fetcher {
            http,
            attempts: policy.attempts.max(1),
            timeout: policy.timeout,
            retry_delay: policy.retry_delay,
            max_retry_delay: policy.max_retry_delay,
        })
    }

    /// Reads `url` until it answers a complete JSON document, a failure not worth retrying
    /// happens, or the attempts are spent. The error carries the attempts made.
    pub async fn get(&self, url: &str) -> Result<Got, (Failure, u32)> {
        let mut attempt = 1;
        loop {
            let (failure, retry_after) = match self.once(url).await {
                Ok(bytes) => {
                    return Ok(Got {
                        bytes,
                        retries: attempt - 1,
                        at: now_rfc3339(),
                    })
                }
                Err(e) => e,
            };
            if !failure.is_retryable() || attempt >= self.attempts {
                return Err((failure, attempt));
            }
            tokio::time::sleep(self.backoff(attempt, retry_after)).await;
            attempt += 1;
        }
    }

    /// One request; on failure, also the server's `Retry-After`.
    async fn once(&self, url: &str) -> Result<Vec<u8>, (Failure, Option<Duration>)> {
        let transport = |e: reqwest::Error| {
            let failure = if e.is_timeout() {
                Failure::Timeout(self.timeout)
            } else {
                Failure::Connection(error_chain(&e))
            };
            (failure, None)
        };
        let response = self.http.get(url).send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            let failure = Failure::Status {
                status,
                message: ovh_message(&body),
            };
            return Err((failure, retry_after));
        }
        // The whole body must be one JSON document: a cut connection that still looks like a
        // complete answer is caught here.
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
            let message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let failure = Failure::InvalidJson {
                line: e.line(),
                column: e.column(),
                bytes: body.len(),
                message: message.strip_suffix(&suffix).unwrap_or(&message).to_owned(),
            };
            return Err((failure, None));
        }
        Ok(body.to_vec())
    }

    /// Exponential backoff with full jitter (`retry_delay` doubling, at most `max_retry_delay`),
    /// but never sooner than the server's `Retry-After` (itself capped).
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let ceiling = self
            .retry_delay
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(self.max_retry_delay);
        let jittered = ceiling.mul_f64(fastrand::f64());
        match retry_after {
            Some(wait) => jittered.max(wait.min(self.max_retry_delay)),
            None => jittered,
        }
    }
}

/// `reqwest`'s error and its causes, which say what actually happened (`connection refused`).
fn error_chain(e: &dyn StdError) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// OVH's error `message`, or the start of a body that is not OVH's error format.
fn ovh_message(body: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(m) = value.get("message").and_then(|m| m.as_str()) {
            return Some(m.to_owned());
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().take(200).collect())
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_resolve_like_the_runtime() {
        let eu = resolve_endpoint("ovh-eu").unwrap();
        assert_eq!(eu.v1, "https://eu.api.ovh.com/1.0");
        assert_eq!(eu.v2.as_deref(), Some("https://eu.api.ovh.com/v2"));
        assert_eq!(eu.v2_status, V2::Expected);
        let ks = resolve_endpoint("kimsufi-ca").unwrap();
        assert_eq!(ks.v1, "https://ca.api.kimsufi.com/1.0");
        assert_eq!(ks.v2_status, V2::IfServed);
        let url = resolve_endpoint("http://127.0.0.1:8080/v1/").unwrap();
        assert_eq!(url.v1, "http://127.0.0.1:8080/v1");
        assert_eq!(url.v2.as_deref(), Some("http://127.0.0.1:8080/v2"));
        assert_eq!(url.given, "http://127.0.0.1:8080/v1/");
        let bare = resolve_endpoint("https://example.com/api").unwrap();
        assert_eq!((bare.v2, bare.v2_status), (None, V2::Unknown));
        let err = resolve_endpoint("ovh-mars").unwrap_err();
        assert!(
            err.contains("ovh-eu") && err.contains("soyoustart-ca"),
            "{err}"
        );
    }

    #[test]
    fn unsafe_or_colliding_listing_paths_are_refused() {
        for paths in [
            &["/../etc"][..],
            &["me"],
            &["/"],
            &["/a/b", "/a_b"],
            &["/_index"],
        ] {
            let apis: Vec<String> = paths
                .iter()
                .map(|p| format!(r#"{{"path":"{p}"}}"#))
                .collect();
            let json = format!(r#"{{"apis":[{}]}}"#, apis.join(","));
            assert!(
                read_listing(Branch::V1, "b", json.into_bytes()).is_err(),
                "{paths:?}"
            );
        }
    }

    #[test]
    fn a_path_belongs_to_the_longest_api_it_starts_with() {
        let json =
            r#"{"apis":[{"path":"/dedicated"},{"path":"/dedicated/server"},{"path":"/me"}]}"#;
        let listing = read_listing(Branch::V1, "https://h/1.0", json.into()).unwrap();
        let api = |path| listing.api_of(path).map(|f| f.file.as_str());
        assert_eq!(
            api("/dedicated/server/ns1/ips"),
            Some("v1/dedicated_server.json")
        );
        assert_eq!(api("/dedicated/server"), Some("v1/dedicated_server.json"));
        assert_eq!(api("/dedicated/housing"), Some("v1/dedicated.json"));
        assert_eq!(api("/me/bill"), Some("v1/me.json"));
        assert_eq!(api("/meow"), None);
        assert_eq!(
            listing.api_of("/dedicated/server").unwrap().url,
            "https://h/1.0/dedicated/server.json"
        );
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let policy = Policy {
            retry_delay: Duration::from_millis(100),
            max_retry_delay: Duration::from_millis(350),
            ..Policy::default()
        };
        let fetcher = Fetcher::new(policy, "test").unwrap();
        for _ in 0..50 {
            assert!(fetcher.backoff(1, None) <= Duration::from_millis(100));
            assert!(fetcher.backoff(9, None) <= Duration::from_millis(350));
            let wait = fetcher.backoff(1, Some(Duration::from_secs(1)));
            assert_eq!(wait, Duration::from_millis(350));
        }
    }

    #[test]
    fn failures_say_what_happened() {
        let cut = Failure::InvalidJson {
            line: 1,
            column: 9,
            bytes: 9,
            message: "EOF while parsing an object".into(),
        };
        assert!(cut.is_retryable());
        assert!(cut
            .to_string()
            .starts_with("truncated or invalid JSON at line 1 column 9"));
        assert!(!Failure::NotServed { message: None }.is_retryable());
        let gone = Failure::Status {
            status: 503,
            message: Some("Service unavailable".into()),
        };
        assert!(gone.is_retryable());
        assert_eq!(
            gone.to_string(),
            "HTTP 503 Service Unavailable: Service unavailable"
        );
        assert!(!Failure::Status {
            status: 403,
            message: None
        }
        .is_retryable());
    }
}
