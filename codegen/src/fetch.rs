//! `fetch`: downloads a schema snapshot (the `/1.0/` and `/v2/` listings and every schema they
//! list) into a directory, with its lock (`manifest.json`).
//!
//! Reading and downloading (endpoints, listings, retries, complete-JSON checks) is the schema
//! crate's [`ovhcloud_schema::fetch`], which the command line uses too; the snapshot is this
//! module's.
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
use ovhcloud_schema::fetch::{read_listing, Fetcher, Got, ListedFile, Policy, ReadListing};

use crate::manifest::{self, Manifest, Source};
use crate::reader::{self, Branch};
use crate::{model, SchemaError};

pub use ovhcloud_schema::fetch::{Endpoint, Failure, V2};

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
    /// How hard each download tries.
    pub fn policy(&self) -> Policy {
        Policy {
            attempts: self.attempts,
            timeout: self.timeout,
            retry_delay: self.retry_delay,
            max_retry_delay: self.max_retry_delay,
        }
    }

    pub fn new(endpoint: impl Into<String>, out: impl Into<PathBuf>) -> FetchOptions {
        let policy = Policy::default();
        FetchOptions {
            endpoint: endpoint.into(),
            apis: Vec::new(),
            out: out.into(),
            concurrency: 8,
            attempts: policy.attempts,
            timeout: policy.timeout,
            retry_delay: policy.retry_delay,
            max_retry_delay: policy.max_retry_delay,
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

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError {
    let path = path.to_owned();
    move |source| FetchError::Io { path, source }
}

// ---------------------------------------------------------------------------------------------
// Endpoint

/// [`ovhcloud_schema::fetch::resolve_endpoint`], its error a [`FetchError::Endpoint`].
pub fn resolve_endpoint(name_or_url: &str) -> Result<Endpoint, FetchError> {
    ovhcloud_schema::fetch::resolve_endpoint(name_or_url).map_err(FetchError::Endpoint)
}

/// [`read_listing`] of the listing served at `url`, its error a [`FetchError::Listing`].
fn listing_at(
    branch: Branch,
    base: &str,
    url: &str,
    bytes: Vec<u8>,
) -> Result<ReadListing, FetchError> {
    read_listing(branch, base, bytes).map_err(|message| FetchError::Listing {
        url: url.to_owned(),
        message,
    })
}
// ---------------------------------------------------------------------------------------------
// Listings and the plan

/// The files to download: every listed one, or those of the APIs asked for (by listed path,
/// `v2:` path, or feature name).
fn plan(listings: &[ReadListing], wanted: &[String]) -> Result<Vec<ListedFile>, FetchError> {
    let all = listings.iter().flat_map(|l| &l.files);
    if wanted.is_empty() {
        return Ok(all.cloned().collect());
    }
    let matches = |file: &ListedFile, name: &str| {
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
    let mut listings = vec![listing_at(Branch::V1, &endpoint.v1, &v1_url, v1.bytes)?];
    let mut note = None;
    match (v2, &endpoint.v2, &v2_url) {
        (Some(Ok(got)), Some(base), Some(url)) => {
            retries += got.retries;
            let listing = listing_at(Branch::V2, base, url, got.bytes)?;
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
    files: &[ListedFile],
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
    let user_agent = concat!("ovhcloud-codegen/", env!("CARGO_PKG_VERSION"), " fetch");
    let fetcher = Fetcher::new(opts.policy(), user_agent).map_err(FetchError::Endpoint)?;

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

    fn listing(branch: Branch, paths: &[&str]) -> ReadListing {
        let apis: Vec<String> = paths
            .iter()
            .map(|p| format!(r#"{{"path":"{p}","schema":"{{path}}.{{format}}","format":["json"],"description":""}}"#))
            .collect();
        let json = format!(r#"{{"apis":[{}],"basePath":"x"}}"#, apis.join(","));
        read_listing(branch, "https://h/1.0", json.into_bytes()).unwrap()
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
    fn endpoint_and_listing_errors_name_what_failed() {
        let err = resolve_endpoint("ovh-mars").unwrap_err();
        assert!(
            matches!(&err, FetchError::Endpoint(m) if m.contains("ovh-eu")),
            "{err}"
        );
        let err = listing_at(Branch::V1, "b", "https://h/1.0/", b"{}".to_vec()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the listing https://h/1.0/ is not usable: missing field `apis`"),
            "{err}"
        );
        let options = FetchOptions::new("ovh-eu", "x");
        assert_eq!(options.policy(), Policy::default());
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(3_400_000), "3.4 MB");
    }
}
