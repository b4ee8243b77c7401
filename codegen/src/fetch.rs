//! `fetch`: downloads a schema snapshot (the `/1.0/` and `/v2/` listings and every schema they
//! list) into a directory, with its lock (`manifest.json`).
//!
//! The steps, one function each: [`resolve_endpoint`] → read the two listings → plan the files
//! (all, or the APIs asked for) → download them (bounded concurrency, retries with backoff, every
//! body checked to be complete JSON) → stage them in a new directory beside the target, with the
//! files of the old snapshot that fetch does not manage → build the lock there → swap the staged
//! directory in. Nothing touches the target before the swap: a failure anywhere leaves the old
//! snapshot and its lock byte for byte as they were, and removes the staging directory.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error as StdError;
use std::ffi::OsString;
use std::fmt;
use std::io::{IsTerminal, Write};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ovhcloud_base::ENDPOINTS;
use serde::Deserialize;

use crate::manifest::{self, Manifest, Source};
use crate::reader::{self, Branch};
use crate::{model, SchemaError};

/// The command line of `ovhcloud-codegen fetch`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct FetchArgs {
    /// `ovh-eu`, `ovh-ca`, `ovh-us`, `kimsufi-eu`, `kimsufi-ca`, `soyoustart-eu`,
    /// `soyoustart-ca`, `ovhcloud-eu`, `ovhcloud-ca`, or the v1 base URL
    /// (`https://eu.api.ovh.com/1.0`; v2 is read beside it, at `/v2`).
    #[cfg_attr(feature = "cli", arg(long))]
    pub endpoint: String,
    /// Only these APIs (as listed: `/me`, `v2:/iam`, or feature names `dedicated_server`,
    /// `v2_iam`); the other files already in DIR are kept. Repeatable.
    #[cfg_attr(feature = "cli", arg(long = "api", value_name = "NAME"))]
    pub apis: Vec<String>,
    /// The snapshot directory to (re)write.
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub out: PathBuf,
    /// Downloads in flight at once.
    #[cfg_attr(feature = "cli", arg(long, value_name = "N", default_value_t = 8))]
    pub concurrency: usize,
    /// Retries of a download that failed in a way worth retrying (429, 5xx, connection error,
    /// timeout, truncated or invalid JSON), with exponential backoff and jitter: the default 3
    /// makes 4 attempts in all.
    #[cfg_attr(feature = "cli", arg(long, value_name = "N", default_value_t = 3))]
    pub retries: u32,
    /// Seconds allowed for one request, the whole answer included.
    #[cfg_attr(feature = "cli", arg(long, value_name = "SECS", default_value_t = 60))]
    pub timeout: u64,
}

impl FetchArgs {
    /// The library options these arguments stand for (no progress reporting).
    pub fn options(&self) -> FetchOptions {
        FetchOptions {
            apis: self.apis.clone(),
            concurrency: self.concurrency,
            attempts: self.retries.saturating_add(1),
            timeout: Duration::from_secs(self.timeout.max(1)),
            ..FetchOptions::new(&self.endpoint, &self.out)
        }
    }
}

/// Called after each schema file is downloaded.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How far a download is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Schema files downloaded (listings not counted).
    pub files_done: usize,
    pub files_total: usize,
    /// Bytes downloaded so far, listings included.
    pub bytes: u64,
}

/// What [`fetch`] does. [`FetchOptions::new`] gives the CLI's defaults.
#[derive(Clone)]
pub struct FetchOptions {
    /// A named endpoint (`ovh-eu`) or a v1 base URL, recorded as given in the lock.
    pub endpoint: String,
    /// Only these APIs (`/me`, `v2:/iam`, `me`, `v2_iam`); empty = every listed API.
    pub apis: Vec<String>,
    /// The snapshot directory.
    pub out: PathBuf,
    /// Downloads in flight at once (at least 1). Default 8.
    pub concurrency: usize,
    /// Attempts per document, the first included (at least 1). Default 4.
    pub attempts: u32,
    /// For one request, the whole answer included. Default 60 s.
    pub timeout: Duration,
    /// The first retry waits up to this long, each next one up to twice as long. Default 200 ms.
    pub retry_delay: Duration,
    /// No retry waits longer, `Retry-After` included. Default 10 s.
    pub max_retry_delay: Duration,
    /// Called after each schema file; `None` = silent.
    pub progress: Option<ProgressFn>,
}

impl FetchOptions {
    pub fn new(endpoint: impl Into<String>, out: impl Into<PathBuf>) -> FetchOptions {
        FetchOptions {
            endpoint: endpoint.into(),
            apis: Vec::new(),
            out: out.into(),
            concurrency: 8,
            attempts: 4,
            timeout: Duration::from_secs(60),
            retry_delay: Duration::from_millis(200),
            max_retry_delay: Duration::from_secs(10),
            progress: None,
        }
    }
}

impl fmt::Debug for FetchOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchOptions")
            .field("endpoint", &self.endpoint)
            .field("apis", &self.apis)
            .field("out", &self.out)
            .field("concurrency", &self.concurrency)
            .field("attempts", &self.attempts)
            .field("timeout", &self.timeout)
            .field("retry_delay", &self.retry_delay)
            .field("max_retry_delay", &self.max_retry_delay)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// What a successful [`fetch`] did.
#[derive(Debug)]
pub struct FetchReport {
    pub endpoint: Endpoint,
    /// The snapshot directory, absolute.
    pub out: PathBuf,
    /// APIs downloaded, by branch.
    pub v1_apis: usize,
    pub v2_apis: usize,
    /// Files written: schema files and listings.
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Files kept from the previous snapshot (other APIs on a partial refresh, files fetch
    /// does not manage such as `SOURCES.md`).
    pub kept: usize,
    /// Requests sent again after a failure worth retrying.
    pub retries: u32,
    /// Problems in the fetched schemas (the snapshot is written all the same), and a previous
    /// lock that could not be read.
    pub warnings: Vec<SchemaError>,
    /// Things worth saying that are not problems (an endpoint without v2).
    pub notes: Vec<String>,
    pub elapsed: Duration,
}

impl fmt::Display for FetchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let apis = self.v1_apis + self.v2_apis;
        write!(
            f,
            "{} ({} v1, {} v2) from {}: {}, {} in {:.1} s",
            plural(apis, "API"),
            self.v1_apis,
            self.v2_apis,
            self.endpoint.given,
            plural(self.files, "file"),
            human_bytes(self.bytes),
            self.elapsed.as_secs_f64()
        )?;
        match self.retries {
            0 => {}
            1 => write!(f, ", 1 retry")?,
            n => write!(f, ", {n} retries")?,
        }
        if self.kept > 0 {
            write!(f, ", {} kept", plural(self.kept, "file"))?;
        }
        if !self.warnings.is_empty() {
            write!(f, ", {}", plural(self.warnings.len(), "schema warning"))?;
        }
        write!(f, " → {}", self.out.display())
    }
}

/// `1 file`, `2 files`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

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
    fn is_retryable(&self) -> bool {
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

/// Why [`fetch`] failed. In every case the snapshot directory was left as it was.
#[derive(Debug)]
pub enum FetchError {
    /// Neither a known endpoint name nor an http(s) URL.
    Endpoint(String),
    /// `--api` names that the listings do not have.
    UnknownApis {
        requested: Vec<String>,
        available: Vec<String>,
    },
    /// A document could not be read.
    Download {
        /// `the v1 listing`, `a schema file`…
        what: &'static str,
        url: String,
        attempts: u32,
        failure: Failure,
    },
    /// A listing that cannot be used as one.
    Listing { url: String, message: String },
    /// The target directory is unusable (`--out .`, a file…).
    Out { path: PathBuf, message: String },
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Endpoint(m) => f.write_str(m),
            FetchError::UnknownApis {
                requested,
                available,
            } => write!(
                f,
                "no API {} at this endpoint; it lists: {}",
                requested.join(", "),
                available.join(", ")
            ),
            FetchError::Download {
                what,
                url,
                attempts,
                failure,
            } => {
                write!(f, "cannot read {what} {url}: {failure}")?;
                if *attempts > 1 {
                    write!(f, " (after {attempts} attempts)")?;
                }
                Ok(())
            }
            FetchError::Listing { url, message } => {
                write!(f, "the listing {url} is not usable: {message}")
            }
            FetchError::Out { path, message } => write!(f, "{}: {message}", path.display()),
            FetchError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl StdError for FetchError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            FetchError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `503 Service Unavailable`.
fn status_line(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    format!("{status} {reason}").trim_end().to_owned()
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError {
    let path = path.to_owned();
    move |source| FetchError::Io { path, source }
}

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

/// Maps a name to its v1 base URL with the runtime's table (`ovhcloud_base::ENDPOINTS`), or
/// takes a URL as given (without a
/// trailing slash); v2 lives beside v1: a final `/1.0` or `/v1` becomes `/v2`.
pub fn resolve_endpoint(name_or_url: &str) -> Result<Endpoint, FetchError> {
    let (v1, named_v2) = match ENDPOINTS.iter().find(|e| e.name == name_or_url) {
        Some(e) => (e.api.to_owned(), Some(e.v2)),
        None if name_or_url.starts_with("https://") || name_or_url.starts_with("http://") => {
            (name_or_url.trim_end_matches('/').to_owned(), None)
        }
        None => {
            let names: Vec<&str> = ENDPOINTS.iter().map(|e| e.name).collect();
            return Err(FetchError::Endpoint(format!(
                "unknown endpoint {name_or_url:?}: use one of {} or a URL such as \
                 https://eu.api.ovh.com/1.0",
                names.join(", ")
            )));
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
// Listings and the plan

/// A root listing, as far as fetch needs it.
#[derive(Deserialize)]
struct Listing {
    apis: Vec<ListingEntry>,
}

#[derive(Deserialize)]
struct ListingEntry {
    path: String,
}

/// One schema file to download.
#[derive(Clone, Debug)]
struct Planned {
    branch: Branch,
    /// As listed: `/dedicated/server`.
    path: String,
    /// `v1/dedicated_server.json`, relative to the snapshot.
    file: String,
    url: String,
}

/// A listing read and checked: its bytes as served and the files it names.
struct ReadListing {
    branch: Branch,
    bytes: Vec<u8>,
    files: Vec<Planned>,
}

/// `dedicated_server`: a listed path as a file name (without `.json`).
fn file_stem(path: &str) -> String {
    path.trim_start_matches('/').replace('/', "_")
}

/// Parses a listing and turns every entry into a file to download, refusing paths that could
/// not be saved safely or would collide.
fn read_listing(
    branch: Branch,
    base: &str,
    url: &str,
    bytes: Vec<u8>,
) -> Result<ReadListing, FetchError> {
    let bad = |message: String| FetchError::Listing {
        url: url.to_owned(),
        message,
    };
    let listing: Listing = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    // A full refresh would drop every file of the branch: an empty v1 listing is a broken
    // answer (an empty v2 listing is checked by the caller, which knows whether v2 must exist).
    if listing.apis.is_empty() && branch == Branch::V1 {
        return Err(bad("the listing names no API".to_owned()));
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
            return Err(bad(format!(
                "the path {:?} cannot be saved as a schema file",
                entry.path
            )));
        }
        if let Some(other) = seen.insert(stem.clone(), entry.path.clone()) {
            return Err(bad(format!(
                "{other:?} and {:?} would both be saved as {stem}.json",
                entry.path
            )));
        }
        files.push(Planned {
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

/// The files to download: every listed one, or those of the APIs asked for (by listed path,
/// `v2:` path, or feature name).
fn plan(listings: &[ReadListing], wanted: &[String]) -> Result<Vec<Planned>, FetchError> {
    let all = listings.iter().flat_map(|l| &l.files);
    if wanted.is_empty() {
        return Ok(all.cloned().collect());
    }
    let matches = |file: &Planned, name: &str| {
        let listed = match file.branch {
            Branch::V1 => file.path.clone(),
            Branch::V2 => format!("v2:{}", file.path),
        };
        name == listed || name == manifest::feature_name(file.branch, &file.path)
    };
    let unknown: Vec<String> = wanted
        .iter()
        .filter(|name| !all.clone().any(|f| matches(f, name)))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(FetchError::UnknownApis {
            requested: unknown,
            available: all
                .map(|f| manifest::feature_name(f.branch, &f.path))
                .collect(),
        });
    }
    Ok(all
        .filter(|f| wanted.iter().any(|name| matches(f, name)))
        .cloned()
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Downloads

/// A document read in full and checked to be JSON.
struct Got {
    bytes: Vec<u8>,
    retries: u32,
    /// RFC 3339, UTC, when the answer was complete.
    at: String,
}

/// An HTTP client with the retry policy.
struct Fetcher {
    http: reqwest::Client,
    attempts: u32,
    timeout: Duration,
    retry_delay: Duration,
    max_retry_delay: Duration,
}

impl Fetcher {
    fn new(opts: &FetchOptions) -> Result<Fetcher, FetchError> {
        let http = reqwest::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!(
                "ovhcloud-codegen/",
                env!("CARGO_PKG_VERSION"),
                " fetch"
            ))
            .build()
            .map_err(|e| FetchError::Endpoint(format!("cannot set up HTTP: {e}")))?;
        Ok(Fetcher {
            http,
            attempts: opts.attempts.max(1),
            timeout: opts.timeout,
            retry_delay: opts.retry_delay,
            max_retry_delay: opts.max_retry_delay,
        })
    }

    /// Reads `url` until it answers a complete JSON document, a failure not worth retrying
    /// happens, or the attempts are spent. The error carries the attempts made.
    async fn get(&self, url: &str) -> Result<Got, (Failure, u32)> {
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
    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
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

/// Reads both listings at once. A v2 listing that is not there (404) is not an error when
/// the endpoint may have no v2; then the returned note says so.
async fn read_listings(
    fetcher: &Fetcher,
    endpoint: &Endpoint,
) -> Result<(Vec<ReadListing>, u32, Option<String>), FetchError> {
    let v1_url = format!("{}/", endpoint.v1);
    let v2_url = endpoint.v2.as_ref().map(|base| format!("{base}/"));
    let (v1, v2) = futures_util::future::join(fetcher.get(&v1_url), async {
        match &v2_url {
            Some(url) => Some(fetcher.get(url).await),
            None => None,
        }
    })
    .await;
    let download_error = |what, url: &str, (failure, attempts)| FetchError::Download {
        what,
        url: url.to_owned(),
        attempts,
        failure,
    };
    let v1 = v1.map_err(|e| download_error("the v1 listing", &v1_url, e))?;
    let mut retries = v1.retries;
    let mut listings = vec![read_listing(Branch::V1, &endpoint.v1, &v1_url, v1.bytes)?];
    let mut note = None;
    match (v2, &endpoint.v2, &v2_url) {
        (Some(Ok(got)), Some(base), Some(url)) => {
            retries += got.retries;
            let listing = read_listing(Branch::V2, base, url, got.bytes)?;
            if listing.files.is_empty() && endpoint.v2_status == V2::Expected {
                return Err(FetchError::Listing {
                    url: url.clone(),
                    message: "the listing names no API, and this endpoint has a v2 API".to_owned(),
                });
            }
            listings.push(listing);
        }
        (Some(Err((Failure::Status { status: 404, .. }, _))), _, Some(url))
            if endpoint.v2_status != V2::Expected =>
        {
            note = Some(format!(
                "no v2 listing at {url} (404): this endpoint has no v2 API, v1 only"
            ));
        }
        (Some(Err(e)), _, Some(url)) => return Err(download_error("the v2 listing", url, e)),
        _ => {
            note = Some(format!(
                "{} does not end in /1.0 or /v1, so there is no v2 beside it: v1 only",
                endpoint.v1
            ));
        }
    }
    Ok((listings, retries, note))
}

/// Downloads the planned files, `concurrency` at a time, reporting progress. The first file
/// that cannot be read stops everything (requests in flight are dropped).
async fn download_all(
    fetcher: &Fetcher,
    files: &[Planned],
    opts: &FetchOptions,
    mut bytes: u64,
) -> Result<(Vec<Got>, u32), FetchError> {
    let mut results = futures_util::stream::iter(files.iter().enumerate())
        .map(|(i, file)| async move { (i, fetcher.get(&file.url).await) })
        .buffer_unordered(opts.concurrency.max(1));
    let mut got: Vec<Option<Got>> = files.iter().map(|_| None).collect();
    let (mut done, mut retries) = (0, 0);
    while let Some((i, result)) = results.next().await {
        let document = result.map_err(|(failure, attempts)| FetchError::Download {
            what: "a schema file",
            url: files[i].url.clone(),
            attempts,
            failure: match failure {
                Failure::Status {
                    status: 404,
                    message,
                } => Failure::NotServed { message },
                other => other,
            },
        })?;
        done += 1;
        bytes += document.bytes.len() as u64;
        retries += document.retries;
        got[i] = Some(document);
        if let Some(progress) = &opts.progress {
            progress(&Progress {
                files_done: done,
                files_total: files.len(),
                bytes,
            });
        }
    }
    Ok((got.into_iter().flatten().collect(), retries))
}

// ---------------------------------------------------------------------------------------------
// Staging and the swap

/// The snapshot directory, made absolute, with its parent and name.
struct Target {
    path: PathBuf,
    parent: PathBuf,
    name: OsString,
}

impl Target {
    fn new(out: &Path) -> Result<Target, FetchError> {
        let path = std::path::absolute(out).map_err(io_error(out))?;
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(FetchError::Out {
                path: out.to_owned(),
                message: "must name a directory (not `.`, `..` or `/`)".to_owned(),
            });
        };
        let refuse = |message: &str| {
            Err(FetchError::Out {
                path: out.to_owned(),
                message: message.to_owned(),
            })
        };
        // The swap replaces the whole directory: never one that holds the working directory
        // (`.`, `..`, `~` from inside it), never one that is not a snapshot.
        let cwd = std::env::current_dir().map_err(io_error(out))?;
        if out
            .components()
            .any(|c| matches!(c, Component::CurDir | Component::ParentDir))
            || cwd.starts_with(&path)
        {
            return refuse("must name the snapshot directory itself, not `.`, `..` or a directory holding the current one");
        }
        if path.exists() && !path.is_dir() {
            return refuse("exists and is not a directory");
        }
        let is_snapshot = ["v1", "v2", crate::manifest::FILE_NAME]
            .iter()
            .any(|name| path.join(name).exists());
        let is_empty = std::fs::read_dir(&path).map_or(true, |mut d| d.next().is_none());
        if path.is_dir() && !is_snapshot && !is_empty {
            return refuse(
                "is not a schema snapshot (no v1/, v2/ or manifest.json) and not empty: fetch replaces the whole directory",
            );
        }
        Ok(Target {
            parent: parent.to_owned(),
            name: name.to_owned(),
            path,
        })
    }

    /// `.NAME.fetch-PID-N` (or `old`) beside the target: the same file system, so that the
    /// swap is two renames, and unique even for fetches running in one process.
    fn sibling(&self, kind: &str) -> PathBuf {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = OsString::from(".");
        name.push(&self.name);
        name.push(format!(".{kind}-{}-{n}", std::process::id()));
        self.parent.join(name)
    }
}

/// The directory a new snapshot is assembled in. Dropped without [`Staging::swap_into`], it
/// is removed: whatever went wrong, nothing is left behind.
struct Staging {
    path: PathBuf,
    done: bool,
}

impl Staging {
    fn create(target: &Target) -> Result<Staging, FetchError> {
        std::fs::create_dir_all(&target.parent).map_err(io_error(&target.parent))?;
        let path = target.sibling("fetch");
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(io_error(&path))?;
        }
        std::fs::create_dir(&path).map_err(io_error(&path))?;
        Ok(Staging { path, done: false })
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> Result<(), FetchError> {
        let path = self.path.join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        }
        std::fs::write(&path, bytes).map_err(io_error(&path))
    }

    /// Replaces the target by the staged directory: the old one is renamed aside, the staged
    /// one renamed in, then the old one deleted. If the second rename fails the old one is put
    /// back. Returns a note when the old snapshot could not be deleted.
    fn swap_into(mut self, target: &Target) -> Result<Option<String>, FetchError> {
        if std::fs::symlink_metadata(&target.path).is_err() {
            std::fs::rename(&self.path, &target.path).map_err(io_error(&target.path))?;
            self.done = true;
            return Ok(None);
        }
        let old = target.sibling("old");
        std::fs::rename(&target.path, &old).map_err(io_error(&target.path))?;
        if let Err(e) = std::fs::rename(&self.path, &target.path) {
            let _ = std::fs::rename(&old, &target.path);
            return Err(io_error(&target.path)(e));
        }
        self.done = true;
        Ok(std::fs::remove_dir_all(&old).err().map(|e| {
            format!(
                "the previous snapshot, moved to {}, could not be deleted: {e}",
                old.display()
            )
        }))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Whether fetch writes `relative` (a path inside the snapshot) itself, so the previous copy
/// is not carried over: the lock, the listings read, and the schema files: all of them on a
/// full refresh, only the downloaded ones on a partial one.
fn managed(relative: &Path, partial: bool, listed: &[Branch], fetched: &BTreeSet<String>) -> bool {
    let parts: Vec<&str> = relative.iter().filter_map(|p| p.to_str()).collect();
    match parts.as_slice() {
        [file] => *file == manifest::FILE_NAME,
        [dir @ ("v1" | "v2"), file] if file.ends_with(".json") => {
            if !partial {
                return true;
            }
            let listing_read = listed.iter().any(|b| b.dir_name() == *dir);
            (*file == "_index.json" && listing_read) || fetched.contains(&format!("{dir}/{file}"))
        }
        _ => false,
    }
}

/// Copies every file of `from` that `keep` accepts into `to` (same relative path; symbolic
/// links stay links). Returns how many were copied.
fn copy_tree(
    from: &Path,
    to: &Path,
    relative: &Path,
    keep: &dyn Fn(&Path) -> bool,
) -> Result<usize, FetchError> {
    let dir = from.join(relative);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_error(&dir)(e)),
    };
    let mut copied = 0;
    for entry in entries {
        let entry = entry.map_err(io_error(&dir))?;
        let rel = relative.join(entry.file_name());
        let source = from.join(&rel);
        let dest = to.join(&rel);
        let kind = entry.file_type().map_err(io_error(&source))?;
        if kind.is_dir() {
            copied += copy_tree(from, to, &rel, keep)?;
            continue;
        }
        if !keep(&rel) {
            continue;
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        #[cfg(unix)]
        if kind.is_symlink() {
            let link = std::fs::read_link(&source).map_err(io_error(&source))?;
            std::os::unix::fs::symlink(link, &dest).map_err(io_error(&dest))?;
            copied += 1;
            continue;
        }
        std::fs::copy(&source, &dest).map_err(io_error(&source))?;
        copied += 1;
    }
    Ok(copied)
}

/// Builds the lock of the staged snapshot: method names kept from the previous lock, sources
/// for the downloaded files, and (through [`Manifest::from_ir`]) the previous sources of kept
/// files that did not change. Schema problems are returned as warnings, with paths as they
/// will be once swapped in.
fn write_lock(
    staging: &Staging,
    target: &Target,
    sources: &BTreeMap<String, Source>,
) -> Result<Vec<SchemaError>, FetchError> {
    let (schemas, mut warnings) = reader::load_dir(&staging.path);
    let ir = model::build(schemas);
    let previous = match manifest::load(&target.path) {
        Ok(previous) => previous,
        Err(e) => {
            warnings.push(SchemaError {
                message: format!(
                    "the previous lock cannot be read, so method and type names are not kept: {}",
                    e.message
                ),
                ..e
            });
            None
        }
    };
    warnings.extend(ir.errors.iter().chain(&ir.warnings).cloned());
    let lock = Manifest::from_ir(&ir, sources, previous.as_ref());
    staging.write(manifest::FILE_NAME, lock.to_json().as_bytes())?;
    for warning in &mut warnings {
        if let Ok(rel) = warning.file.strip_prefix(&staging.path) {
            warning.file = target.path.join(rel);
        }
    }
    Ok(warnings)
}

// ---------------------------------------------------------------------------------------------
// The whole

/// Downloads a snapshot into `opts.out` and writes its lock, replacing the directory only once
/// everything was read and checked. On error the directory is as it was.
pub async fn fetch(opts: &FetchOptions) -> Result<FetchReport, FetchError> {
    let start = Instant::now();
    let endpoint = resolve_endpoint(&opts.endpoint)?;
    let target = Target::new(&opts.out)?;
    let fetcher = Fetcher::new(opts)?;

    let (listings, mut retries, note) = read_listings(&fetcher, &endpoint).await?;
    let mut notes: Vec<String> = note.into_iter().collect();
    let files = plan(&listings, &opts.apis)?;
    let listing_bytes: u64 = listings.iter().map(|l| l.bytes.len() as u64).sum();
    let (documents, file_retries) = download_all(&fetcher, &files, opts, listing_bytes).await?;
    retries += file_retries;

    let staging = Staging::create(&target)?;
    let partial = !opts.apis.is_empty();
    let listed: Vec<Branch> = listings.iter().map(|l| l.branch).collect();
    let fetched: BTreeSet<String> = files.iter().map(|f| f.file.clone()).collect();
    let kept = copy_tree(&target.path, &staging.path, Path::new(""), &|rel| {
        !managed(rel, partial, &listed, &fetched)
    })?;
    let mut bytes = 0;
    for listing in &listings {
        let file = format!("{}/_index.json", listing.branch.dir_name());
        staging.write(&file, &listing.bytes)?;
        bytes += listing.bytes.len() as u64;
    }
    let mut sources = BTreeMap::new();
    for (file, document) in files.iter().zip(&documents) {
        staging.write(&file.file, &document.bytes)?;
        bytes += document.bytes.len() as u64;
        sources.insert(
            file.file.clone(),
            Source {
                endpoint: endpoint.given.clone(),
                url: file.url.clone(),
                fetched_at: document.at.clone(),
            },
        );
    }
    let warnings = write_lock(&staging, &target, &sources)?;
    notes.extend(staging.swap_into(&target)?);

    let count = |branch| files.iter().filter(|f| f.branch == branch).count();
    Ok(FetchReport {
        v1_apis: count(Branch::V1),
        v2_apis: count(Branch::V2),
        files: files.len() + listings.len(),
        bytes,
        kept,
        retries,
        warnings,
        notes,
        elapsed: start.elapsed(),
        out: target.path,
        endpoint,
    })
}

/// [`fetch`] on a runtime of its own, for callers that are not async.
pub fn fetch_blocking(opts: &FetchOptions) -> Result<FetchReport, FetchError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io_error(Path::new("(tokio runtime)")))?;
    runtime.block_on(fetch(opts))
}

// ---------------------------------------------------------------------------------------------
// The command line

/// `1.5 MB`: decimal units, as download tools print them.
pub fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes < 1000 {
        format!("{bytes} B")
    } else if b < 1e6 {
        format!("{:.1} kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.1} GB", b / 1e9)
    }
}

/// `ovhcloud-codegen fetch`: exit status 0 with a summary on stdout, or 1 with `error: …` on
/// stderr; progress on stderr.
pub fn run_cli(args: &FetchArgs) -> Result<ExitCode, Box<dyn StdError>> {
    let terminal = std::io::stderr().is_terminal();
    let stderr: Arc<Mutex<dyn Write + Send>> = Arc::new(Mutex::new(std::io::stderr()));
    Ok(run_cli_with(args, &mut std::io::stdout(), stderr, terminal))
}

/// [`run_cli`] writing to the given streams; `terminal` says whether `stderr` is one (progress
/// is then one line rewritten in place, else a line every 10 files).
pub fn run_cli_with(
    args: &FetchArgs,
    stdout: &mut dyn Write,
    stderr: Arc<Mutex<dyn Write + Send>>,
    terminal: bool,
) -> ExitCode {
    let open_line = Arc::new(AtomicBool::new(false));
    let progress: ProgressFn = {
        let (stderr, open_line) = (stderr.clone(), open_line.clone());
        Arc::new(move |p: &Progress| {
            let line = format!(
                "fetched {}/{} files, {}",
                p.files_done,
                p.files_total,
                human_bytes(p.bytes)
            );
            let mut err = stderr.lock().unwrap_or_else(|e| e.into_inner());
            if terminal {
                let _ = write!(err, "\r{line}\x1b[K");
                open_line.store(p.files_done < p.files_total, Ordering::Relaxed);
                if p.files_done == p.files_total {
                    let _ = writeln!(err);
                }
            } else if p.files_done % 10 == 0 || p.files_done == p.files_total {
                let _ = writeln!(err, "{line}");
            }
            let _ = err.flush();
        })
    };
    let opts = FetchOptions {
        progress: Some(progress),
        ..args.options()
    };
    let result = fetch_blocking(&opts);
    let mut err = stderr.lock().unwrap_or_else(|e| e.into_inner());
    if open_line.load(Ordering::Relaxed) {
        let _ = writeln!(err);
    }
    match result {
        Ok(report) => {
            for note in &report.notes {
                let _ = writeln!(err, "note: {note}");
            }
            for warning in &report.warnings {
                let _ = writeln!(err, "warning: {warning}");
            }
            let _ = writeln!(stdout, "fetched {report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitCode::FAILURE
        }
    }
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
        let err = resolve_endpoint("ovh-mars").unwrap_err().to_string();
        assert!(
            err.contains("ovh-eu") && err.contains("soyoustart-ca"),
            "{err}"
        );
    }

    fn listing(branch: Branch, paths: &[&str]) -> ReadListing {
        let apis: Vec<String> = paths
            .iter()
            .map(|p| format!(r#"{{"path":"{p}","schema":"{{path}}.{{format}}","format":["json"],"description":""}}"#))
            .collect();
        let json = format!(r#"{{"apis":[{}],"basePath":"x"}}"#, apis.join(","));
        read_listing(branch, "https://h/1.0", "https://h/1.0/", json.into_bytes()).unwrap()
    }

    #[test]
    fn listings_become_files_and_names_select_them() {
        let listings = [
            listing(Branch::V1, &["/me", "/dedicated/server"]),
            listing(Branch::V2, &["/iam"]),
        ];
        let all = plan(&listings, &[]).unwrap();
        let files: Vec<&str> = all.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(
            files,
            ["v1/me.json", "v1/dedicated_server.json", "v2/iam.json"]
        );
        assert_eq!(all[1].url, "https://h/1.0/dedicated/server.json");
        for names in [
            vec!["/dedicated/server", "v2:/iam"],
            vec!["dedicated_server", "v2_iam"],
        ] {
            let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
            let some = plan(&listings, &names).unwrap();
            let files: Vec<&str> = some.iter().map(|f| f.file.as_str()).collect();
            assert_eq!(files, ["v1/dedicated_server.json", "v2/iam.json"]);
        }
        let err = plan(&listings, &["/iam".to_owned()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("/iam") && err.contains("v2_iam"), "{err}");
        assert!(err.contains("dedicated_server"), "{err}");
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
                read_listing(Branch::V1, "b", "u", json.into_bytes()).is_err(),
                "{paths:?}"
            );
        }
    }

    #[test]
    fn managed_files_are_not_carried_over() {
        let fetched: BTreeSet<String> = ["v1/me.json".to_owned()].into();
        let listed = [Branch::V1];
        let m = |p: &str, partial| managed(Path::new(p), partial, &listed, &fetched);
        assert!(m("manifest.json", false) && m("manifest.json", true));
        assert!(m("v1/ip.json", false) && !m("v1/ip.json", true));
        assert!(m("v1/me.json", true) && m("v1/_index.json", true));
        assert!(!m("v2/_index.json", true) && m("v2/_index.json", false));
        assert!(!m("SOURCES.md", false) && !m("v1/notes.txt", false) && !m("x/v1/a.json", false));
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let fetcher = Fetcher::new(&FetchOptions {
            retry_delay: Duration::from_millis(100),
            max_retry_delay: Duration::from_millis(350),
            ..FetchOptions::new("ovh-eu", "x")
        })
        .unwrap();
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
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(3_400_000), "3.4 MB");
    }
}
