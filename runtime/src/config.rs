//! Configuration resolution (explicit values, environment, ovh.conf files).
//!
//! [`resolve`] finds the endpoint and the credentials the way python-ovh and go-ovh users expect
//! — explicit values, then `OVH_*` environment variables, then `ovh.conf` files — and fixes
//! two of their bugs:
//!
//! - **The authentication method is resolved as a unit.** The first source that holds *any*
//!   credential decides, and it must hold the whole method there. Values are never combined
//!   across sources, so `OVH_CLIENT_ID` in the environment never pairs with a `client_secret`
//!   from a file, and OAuth2 in the environment simply wins over application keys in a file
//!   (go-ovh#94).
//! - **Files are read only when needed.** If explicit values and the environment settle
//!   everything, an unreadable `./ovh.conf` is never opened (go-ovh#95). A missing file is
//!   skipped.
//!
//! Sources, highest priority first:
//!
//! 1. explicit values ([`Settings`]);
//! 2. `OVH_ENDPOINT`, `OVH_APPLICATION_KEY`, `OVH_APPLICATION_SECRET`, `OVH_CONSUMER_KEY`,
//!    `OVH_CLIENT_ID`, `OVH_CLIENT_SECRET`;
//! 3. `./ovh.conf`, `~/.ovh.conf`, `/etc/ovh.conf` ([`DEFAULT_FILES`]), in that order:
//!
//! ```ini
//! [default]
//! endpoint=ovh-eu
//!
//! [ovh-eu]
//! application_key=...
//! application_secret=...
//! consumer_key=...
//! ```
//!
//! The endpoint and the credentials are resolved separately: the endpoint may come from a file
//! and the credentials from the environment. Credentials in a file are read from the section
//! named after the resolved endpoint, exactly as written (`[ovh-eu]`, or `[https://…]` for a URL).
//!
//! Empty (or blank) values count as absent everywhere. Error messages name the values found and
//! where, never a secret value.
//!
//! ```no_run
//! use ovhcloud_runtime::config::{self, Credentials, Settings};
//!
//! # fn demo() -> Result<(), config::ConfigError> {
//! let config = config::resolve(&Settings::default())?;
//! println!("{config}"); // endpoint ovh-eu (from environment); OAuth2 client … (from ~/.ovh.conf)
//! if let Credentials::Application { consumer_key: None, .. } = &config.credentials {
//!     // Only unauthenticated calls and the consumer-key request flow work.
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::types::Password;

/// The files [`resolve`] reads, highest priority first. `~` is expanded with `$HOME`.
pub const DEFAULT_FILES: &[&str] = &["./ovh.conf", "~/.ovh.conf", "/etc/ovh.conf"];

/// Values given in code. They win over the environment and files; `None` or an empty string
/// means "not given here".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// A known endpoint name (`ovh-eu`, …; see [`crate::ENDPOINTS`]) or an `http(s)://` URL.
    pub endpoint: Option<String>,
    pub application_key: Option<String>,
    pub application_secret: Option<Password>,
    pub consumer_key: Option<Password>,
    pub client_id: Option<String>,
    pub client_secret: Option<Password>,
}

impl Settings {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Application key and secret; add [`Settings::consumer_key`] to sign calls.
    pub fn application(
        mut self,
        application_key: impl Into<String>,
        application_secret: impl Into<Password>,
    ) -> Self {
        self.application_key = Some(application_key.into());
        self.application_secret = Some(application_secret.into());
        self
    }

    pub fn consumer_key(mut self, consumer_key: impl Into<Password>) -> Self {
        self.consumer_key = Some(consumer_key.into());
        self
    }

    /// OAuth2 client credentials (service account).
    pub fn oauth2(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Password>,
    ) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(client_secret.into());
        self
    }
}

/// One whole authentication method. `Debug` never shows a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Credentials {
    /// Nothing configured: only operations marked `noAuthentication` work.
    #[default]
    None,
    /// Application key and secret, with the consumer key when there is one.
    ///
    /// Without a consumer key (`consumer_key: None`) calls cannot be signed: only
    /// unauthenticated calls and the consumer-key request flow (`POST /auth/credential`) work.
    Application {
        application_key: String,
        application_secret: Password,
        consumer_key: Option<Password>,
    },
    /// OAuth2 client credentials.
    OAuth2 {
        client_id: String,
        client_secret: Password,
    },
}

impl Credentials {
    /// The method, or `None` for [`Credentials::None`].
    pub fn method(&self) -> Option<AuthMethod> {
        match self {
            Credentials::None => None,
            Credentials::Application { .. } => Some(AuthMethod::Application),
            Credentials::OAuth2 { .. } => Some(AuthMethod::OAuth2),
        }
    }

    /// Whether authenticated calls can be made: OAuth2, or application credentials with a
    /// consumer key.
    pub fn can_authenticate(&self) -> bool {
        match self {
            Credentials::None => false,
            Credentials::Application { consumer_key, .. } => consumer_key.is_some(),
            Credentials::OAuth2 { .. } => true,
        }
    }
}

impl fmt::Display for Credentials {
    /// A summary without secrets, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::None => f.write_str("no credentials"),
            Credentials::Application {
                application_key,
                consumer_key,
                ..
            } => write!(
                f,
                "application key {application_key} {} consumer key",
                if consumer_key.is_some() {
                    "with"
                } else {
                    "without"
                }
            ),
            Credentials::OAuth2 { client_id, .. } => write!(f, "OAuth2 client {client_id}"),
        }
    }
}

/// The two authentication methods of the OVHcloud API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// Application key + application secret (+ consumer key), `$1$` signatures.
    Application,
    /// OAuth2 client id + client secret.
    OAuth2,
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthMethod::Application => "application",
            AuthMethod::OAuth2 => "OAuth2",
        })
    }
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// [`Settings`] given in code.
    Explicit,
    /// `OVH_*` environment variables.
    Environment,
    /// An ini file, with its path as given (`~/.ovh.conf`, not the expanded path).
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Explicit => f.write_str("explicit values"),
            Source::Environment => f.write_str("environment"),
            Source::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The outcome of [`resolve`]. `Debug` and `Display` never show a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedConfig {
    /// A known name or an `http(s)://` URL, as given (validated).
    pub endpoint: String,
    pub endpoint_source: Source,
    pub credentials: Credentials,
    /// `None` when no source had any credential.
    pub credentials_source: Option<Source>,
}

impl ResolvedConfig {
    /// The API base URL: the URL of a known name from [`crate::ENDPOINTS`], or the URL as given.
    pub fn base_url(&self) -> &str {
        crate::ENDPOINTS
            .iter()
            .find(|e| e.name == self.endpoint)
            .map_or(self.endpoint.as_str(), |e| e.api)
    }
}

impl fmt::Display for ResolvedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "endpoint {} (from {}); {}",
            self.endpoint, self.endpoint_source, self.credentials
        )?;
        if let Some(source) = &self.credentials_source {
            write!(f, " (from {source})")?;
        }
        Ok(())
    }
}

/// Why the configuration cannot be resolved. Messages name values and where they were found,
/// never a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No endpoint explicitly, in `OVH_ENDPOINT`, nor under `[default]` in any file.
    #[error(
        "no endpoint configured: pass one explicitly, set OVH_ENDPOINT, or set `endpoint=` under [default] in {} (known endpoints: {})",
        files_list(files),
        known_endpoints()
    )]
    NoEndpoint {
        /// The files searched, as given.
        files: Vec<PathBuf>,
    },
    /// The endpoint is neither a known name nor a URL.
    #[error(
        "unknown endpoint {endpoint:?} in {}: use one of {} or an http(s):// URL",
        endpoint_place(origin),
        known_endpoints()
    )]
    UnknownEndpoint { endpoint: String, origin: Source },
    /// The endpoint looks like a URL but is not a usable `http(s)://host…` URL.
    #[error(
        "invalid endpoint URL {endpoint:?} in {}: {reason}",
        endpoint_place(origin)
    )]
    InvalidEndpointUrl {
        endpoint: String,
        origin: Source,
        reason: String,
    },
    /// The deciding source holds only part of a method.
    #[error("{}", incomplete_message(origin, section.as_deref(), *method, found, missing, ignored))]
    IncompleteCredentials {
        origin: Source,
        /// The file section (`ovh-eu`), for a file.
        section: Option<String>,
        method: AuthMethod,
        /// Names of the values found, as spelled in that source (`OVH_CLIENT_ID`, `client_id`).
        found: Vec<&'static str>,
        /// Names of the required values missing there.
        missing: Vec<&'static str>,
        /// Lower-priority places that do hold a missing value, which is *not* used
        /// (`client_secret in ./ovh.conf [ovh-eu]`). Best effort: files that cannot be read
        /// are not listed.
        ignored: Vec<String>,
    },
    /// The deciding source holds values of both methods.
    #[error(
        "two authentication methods in {}: found {}; keep only one of application key/secret/consumer key or OAuth2 client id/secret",
        place(origin, section.as_deref()),
        found.join(", ")
    )]
    TwoAuthMethods {
        origin: Source,
        section: Option<String>,
        found: Vec<&'static str>,
    },
    /// A file that resolution needs exists but cannot be read.
    #[error("cannot read {}{}: {source}", path.display(), also_resolved(path, resolved))]
    Read {
        /// The path as given (`~/.ovh.conf`).
        path: PathBuf,
        /// The path opened (`/home/me/.ovh.conf`).
        resolved: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A file that resolution needs is not valid ini. The line's content is not shown, as it
    /// may hold a secret.
    #[error("{}{} line {line}: {message}", path.display(), also_resolved(path, resolved))]
    Parse {
        path: PathBuf,
        resolved: PathBuf,
        /// 1-based.
        line: usize,
        message: String,
    },
}

fn known_endpoints() -> String {
    crate::ENDPOINTS
        .iter()
        .map(|e| e.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn files_list(files: &[PathBuf]) -> String {
    if files.is_empty() {
        return "an ovh.conf file (none were searched)".into();
    }
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    format!("one of {}", names.join(", "))
}

fn endpoint_place(origin: &Source) -> String {
    match origin {
        Source::Explicit => "explicit values".into(),
        Source::Environment => "OVH_ENDPOINT".into(),
        Source::File(path) => format!("{} [default] endpoint", path.display()),
    }
}

fn place(origin: &Source, section: Option<&str>) -> String {
    match section {
        Some(section) => format!("{origin} [{section}]"),
        None => origin.to_string(),
    }
}

fn also_resolved(path: &Path, resolved: &Path) -> String {
    if path == resolved {
        String::new()
    } else {
        format!(" ({})", resolved.display())
    }
}

fn incomplete_message(
    origin: &Source,
    section: Option<&str>,
    method: AuthMethod,
    found: &[&'static str],
    missing: &[&'static str],
    ignored: &[String],
) -> String {
    let mut message = format!(
        "incomplete {method} credentials in {}: found {}; missing {}",
        place(origin, section),
        found.join(", "),
        missing.join(", ")
    );
    if method == AuthMethod::Application {
        let names = |k: Field| k.name_in(origin);
        message.push_str(&format!(
            " ({} may be left out, but {} and {} must be given together)",
            names(Field::ConsumerKey),
            names(Field::ApplicationKey),
            names(Field::ApplicationSecret)
        ));
    }
    let lower = match origin {
        Source::Explicit => "the environment or ovh.conf files",
        Source::Environment => "ovh.conf files",
        Source::File(_) => "later ovh.conf files",
    };
    message.push_str(&format!(
        ". The first source with any credential must hold the whole method: nothing is taken from {lower}"
    ));
    if !ignored.is_empty() {
        message.push_str(&format!(" (not used: {})", ignored.join(", ")));
    }
    message
}

/// The credential values, in a fixed order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    ApplicationKey,
    ApplicationSecret,
    ConsumerKey,
    ClientId,
    ClientSecret,
}

const FIELDS: [Field; 5] = [
    Field::ApplicationKey,
    Field::ApplicationSecret,
    Field::ConsumerKey,
    Field::ClientId,
    Field::ClientSecret,
];

impl Field {
    fn file_name(self) -> &'static str {
        match self {
            Field::ApplicationKey => "application_key",
            Field::ApplicationSecret => "application_secret",
            Field::ConsumerKey => "consumer_key",
            Field::ClientId => "client_id",
            Field::ClientSecret => "client_secret",
        }
    }

    fn env_name(self) -> &'static str {
        match self {
            Field::ApplicationKey => "OVH_APPLICATION_KEY",
            Field::ApplicationSecret => "OVH_APPLICATION_SECRET",
            Field::ConsumerKey => "OVH_CONSUMER_KEY",
            Field::ClientId => "OVH_CLIENT_ID",
            Field::ClientSecret => "OVH_CLIENT_SECRET",
        }
    }

    /// The name as spelled in `origin`: `OVH_…` for the environment, else the field/ini key.
    fn name_in(self, origin: &Source) -> &'static str {
        match origin {
            Source::Environment => self.env_name(),
            _ => self.file_name(),
        }
    }

    fn method(self) -> AuthMethod {
        match self {
            Field::ClientId | Field::ClientSecret => AuthMethod::OAuth2,
            _ => AuthMethod::Application,
        }
    }

    fn required(method: AuthMethod) -> [Field; 2] {
        match method {
            AuthMethod::Application => [Field::ApplicationKey, Field::ApplicationSecret],
            AuthMethod::OAuth2 => [Field::ClientId, Field::ClientSecret],
        }
    }
}

/// Trimmed; empty means absent.
fn present(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The credential values one source holds.
#[derive(Default)]
struct Values(Vec<(Field, String)>);

impl Values {
    fn collect(mut get: impl FnMut(Field) -> Option<String>) -> Self {
        Values(
            FIELDS
                .iter()
                .filter_map(|&k| get(k).map(|v| (k, v)))
                .collect(),
        )
    }

    fn get(&self, key: Field) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    fn names(&self, origin: &Source) -> Vec<&'static str> {
        self.0.iter().map(|(k, _)| k.name_in(origin)).collect()
    }
}

/// Resolves from the real environment and [`DEFAULT_FILES`].
pub fn resolve(settings: &Settings) -> Result<ResolvedConfig, ConfigError> {
    let files: Vec<PathBuf> = DEFAULT_FILES.iter().map(PathBuf::from).collect();
    // A non-Unicode value is still "set": keep it (lossily) so that it takes precedence and
    // fails visibly, rather than silently falling through to a file.
    let env = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    resolve_with(settings, env, &files)
}

/// Resolves from `settings`, the environment as seen through `env` (also asked for `HOME`, to
/// expand `~`) and `files`, highest priority first. A leading `~` component in a file path is
/// replaced by `HOME` (`USERPROFILE` as a fallback); without either, such files are skipped.
pub fn resolve_with(
    settings: &Settings,
    env: impl Fn(&str) -> Option<String>,
    files: &[PathBuf],
) -> Result<ResolvedConfig, ConfigError> {
    let home = present(env("HOME").as_deref()).or_else(|| present(env("USERPROFILE").as_deref()));
    let mut files = ConfFiles::new(files, home);

    let (endpoint, endpoint_source) = resolve_endpoint(settings, &env, &mut files)?;
    check_endpoint(&endpoint, &endpoint_source)?;
    let (credentials, credentials_source) =
        resolve_credentials(settings, &env, &mut files, &endpoint)?;
    let config = ResolvedConfig {
        endpoint,
        endpoint_source,
        credentials,
        credentials_source,
    };
    tracing::debug!("OVHcloud configuration: {config}");
    Ok(config)
}

fn resolve_endpoint(
    settings: &Settings,
    env: &impl Fn(&str) -> Option<String>,
    files: &mut ConfFiles<'_>,
) -> Result<(String, Source), ConfigError> {
    if let Some(endpoint) = present(settings.endpoint.as_deref()) {
        return Ok((endpoint, Source::Explicit));
    }
    if let Some(endpoint) = present(env("OVH_ENDPOINT").as_deref()) {
        return Ok((endpoint, Source::Environment));
    }
    for i in 0..files.len() {
        if let Some(ini) = files.load(i)? {
            if let Some(endpoint) = present(ini.get("default", "endpoint")) {
                return Ok((endpoint, files.source(i)));
            }
        }
    }
    Err(ConfigError::NoEndpoint {
        files: files.paths.to_vec(),
    })
}

fn check_endpoint(endpoint: &str, origin: &Source) -> Result<(), ConfigError> {
    if crate::ENDPOINTS.iter().any(|e| e.name == endpoint) {
        return Ok(());
    }
    if !endpoint.contains("://") {
        return Err(ConfigError::UnknownEndpoint {
            endpoint: endpoint.to_owned(),
            origin: origin.clone(),
        });
    }
    let invalid = |reason: String| ConfigError::InvalidEndpointUrl {
        endpoint: endpoint.to_owned(),
        origin: origin.clone(),
        reason,
    };
    let url = reqwest::Url::parse(endpoint).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https".into()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL cannot have a query or fragment".into()));
    }
    Ok(())
}

/// What one source says about authentication.
enum Decision {
    Nothing,
    Complete(Credentials),
    Incomplete {
        method: AuthMethod,
        missing: Vec<Field>,
    },
    Both,
}

fn decide(values: &Values) -> Decision {
    let methods = |m: AuthMethod| values.0.iter().any(|(k, _)| k.method() == m);
    let method = match (
        methods(AuthMethod::Application),
        methods(AuthMethod::OAuth2),
    ) {
        (false, false) => return Decision::Nothing,
        (true, true) => return Decision::Both,
        (true, false) => AuthMethod::Application,
        (false, true) => AuthMethod::OAuth2,
    };
    let missing: Vec<Field> = Field::required(method)
        .into_iter()
        .filter(|&k| values.get(k).is_none())
        .collect();
    if !missing.is_empty() {
        return Decision::Incomplete { method, missing };
    }
    let owned = |k: Field| values.get(k).map(str::to_owned);
    let secret = |k: Field| owned(k).map(Password::new);
    Decision::Complete(match method {
        AuthMethod::Application => Credentials::Application {
            application_key: owned(Field::ApplicationKey).expect("checked"),
            application_secret: secret(Field::ApplicationSecret).expect("checked"),
            consumer_key: secret(Field::ConsumerKey),
        },
        AuthMethod::OAuth2 => Credentials::OAuth2 {
            client_id: owned(Field::ClientId).expect("checked"),
            client_secret: secret(Field::ClientSecret).expect("checked"),
        },
    })
}

/// Sources of credentials, in priority order: explicit, environment, then each file.
#[derive(Clone, Copy)]
enum Slot {
    Explicit,
    Environment,
    File(usize),
}

fn resolve_credentials(
    settings: &Settings,
    env: &impl Fn(&str) -> Option<String>,
    files: &mut ConfFiles<'_>,
    endpoint: &str,
) -> Result<(Credentials, Option<Source>), ConfigError> {
    let explicit = || {
        Values::collect(|k| match k {
            Field::ApplicationKey => present(settings.application_key.as_deref()),
            Field::ApplicationSecret => present(
                settings
                    .application_secret
                    .as_ref()
                    .map(Password::expose_secret),
            ),
            Field::ConsumerKey => {
                present(settings.consumer_key.as_ref().map(Password::expose_secret))
            }
            Field::ClientId => present(settings.client_id.as_deref()),
            Field::ClientSecret => {
                present(settings.client_secret.as_ref().map(Password::expose_secret))
            }
        })
    };
    let environment = || Values::collect(|k| present(env(k.env_name()).as_deref()));
    let from_file = |ini: &Ini| Values::collect(|k| present(ini.get(endpoint, k.file_name())));

    let slots: Vec<Slot> = [Slot::Explicit, Slot::Environment]
        .into_iter()
        .chain((0..files.len()).map(Slot::File))
        .collect();
    for (position, &slot) in slots.iter().enumerate() {
        let (values, origin, section) = match slot {
            Slot::Explicit => (explicit(), Source::Explicit, None),
            Slot::Environment => (environment(), Source::Environment, None),
            Slot::File(i) => match files.load(i)? {
                Some(ini) => (from_file(ini), files.source(i), Some(endpoint.to_owned())),
                None => continue,
            },
        };
        match decide(&values) {
            Decision::Nothing => continue,
            Decision::Complete(credentials) => return Ok((credentials, Some(origin))),
            Decision::Both => {
                return Err(ConfigError::TwoAuthMethods {
                    found: values.names(&origin),
                    origin,
                    section,
                })
            }
            Decision::Incomplete { method, missing } => {
                // Best effort: say where the missing values are, and that they are not used.
                let mut ignored = Vec::new();
                for &later in &slots[position + 1..] {
                    let (values, origin, section) = match later {
                        Slot::Explicit => continue,
                        Slot::Environment => (environment(), Source::Environment, None),
                        Slot::File(i) => match files.load_quietly(i) {
                            Some(ini) => (from_file(ini), files.source(i), Some(endpoint)),
                            None => continue,
                        },
                    };
                    for &key in &missing {
                        if values.get(key).is_some() {
                            ignored.push(format!(
                                "{} in {}",
                                key.name_in(&origin),
                                place(&origin, section)
                            ));
                        }
                    }
                }
                return Err(ConfigError::IncompleteCredentials {
                    found: values.names(&origin),
                    missing: missing.iter().map(|k| k.name_in(&origin)).collect(),
                    origin,
                    section,
                    method,
                    ignored,
                });
            }
        }
    }
    Ok((Credentials::None, None))
}

/// The ini files, read lazily and at most once each.
struct ConfFiles<'a> {
    paths: &'a [PathBuf],
    home: Option<String>,
    /// `None`: not read yet; `Some(None)`: missing.
    loaded: Vec<Option<Option<Ini>>>,
}

impl<'a> ConfFiles<'a> {
    fn new(paths: &'a [PathBuf], home: Option<String>) -> Self {
        ConfFiles {
            paths,
            home,
            loaded: paths.iter().map(|_| None).collect(),
        }
    }

    fn len(&self) -> usize {
        self.paths.len()
    }

    fn source(&self, i: usize) -> Source {
        Source::File(self.paths[i].clone())
    }

    /// The parsed file, `None` if it does not exist; an error if it exists but cannot be used.
    fn load(&mut self, i: usize) -> Result<Option<&Ini>, ConfigError> {
        if self.loaded[i].is_none() {
            self.loaded[i] = Some(read_ini(&self.paths[i], self.home.as_deref())?);
        }
        Ok(self.loaded[i].as_ref().and_then(Option::as_ref))
    }

    /// Like [`ConfFiles::load`], with errors ignored (only for hints in error messages).
    fn load_quietly(&mut self, i: usize) -> Option<&Ini> {
        self.load(i).ok().flatten()
    }
}

/// `~` or `~/rest` with the home directory; other paths unchanged. `None`: `~` but no home.
fn expand_home(path: &Path, home: Option<&str>) -> Option<PathBuf> {
    match path.strip_prefix("~") {
        Ok(rest) => home.map(|home| Path::new(home).join(rest)),
        Err(_) => Some(path.to_owned()),
    }
}

fn read_ini(path: &Path, home: Option<&str>) -> Result<Option<Ini>, ConfigError> {
    let Some(resolved) = expand_home(path, home) else {
        tracing::debug!("skipping {}: HOME is not set", path.display());
        return Ok(None);
    };
    let bytes = match std::fs::read(&resolved) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            tracing::trace!("no {}", resolved.display());
            return Ok(None);
        }
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_owned(),
                resolved,
                source,
            })
        }
    };
    match Ini::parse(&bytes) {
        Ok(ini) => Ok(Some(ini)),
        Err((line, message)) => Err(ConfigError::Parse {
            path: path.to_owned(),
            resolved,
            line,
            message: message.to_owned(),
        }),
    }
}

/// The ini dialect of python-ovh (configparser) and go-ovh: `[section]` headers, `key = value`
/// or `key: value` (keys case-insensitive, sections case-sensitive), full-line `;`/`#`
/// comments, blank lines, surrounding quotes stripped. No inline comments, no continuation
/// lines, no duplicate key in one section.
#[derive(Debug, Default)]
struct Ini {
    sections: HashMap<String, HashMap<String, String>>,
}

impl Ini {
    fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.sections.get(section)?.get(key).map(String::as_str)
    }

    /// An error is the 1-based line and a description that never includes the line's content.
    fn parse(bytes: &[u8]) -> Result<Ini, (usize, &'static str)> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut ini = Ini::default();
        let mut current: Option<String> = None;
        for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let number = index + 1;
            let line = std::str::from_utf8(raw)
                .map_err(|_| (number, "not valid UTF-8"))?
                .trim();
            if line.is_empty() || line.starts_with(['#', ';']) {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let close = rest
                    .rfind(']')
                    .ok_or((number, "section header without a closing `]`"))?;
                let after = rest[close + 1..].trim();
                if !after.is_empty() && !after.starts_with(['#', ';']) {
                    return Err((number, "unexpected text after a section header"));
                }
                let name = rest[..close].trim();
                if name.is_empty() {
                    return Err((number, "empty section name"));
                }
                ini.sections.entry(name.to_owned()).or_default();
                current = Some(name.to_owned());
                continue;
            }
            let Some(at) = line.find(['=', ':']) else {
                return Err((
                    number,
                    "expected `key = value`, a `[section]` header or a comment",
                ));
            };
            let key = line[..at].trim().to_ascii_lowercase();
            if key.is_empty() {
                return Err((number, "no key before `=`"));
            }
            let section = current
                .as_ref()
                .ok_or((number, "`key = value` before any `[section]` header"))?;
            let value = unquote(line[at + 1..].trim()).to_owned();
            let entries = ini
                .sections
                .get_mut(section)
                .expect("created with the header");
            if entries.insert(key, value).is_some() {
                return Err((number, "duplicate key in the same section"));
            }
        }
        Ok(ini)
    }
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_parses_the_official_format_and_tolerances() {
        let text = "\u{feff}; comment\r\n# another\r\n\r\n[default]\r\n  endpoint = ovh-ca  \r\n\
                    [ovh-ca] ; trailing comment\nApplication_Key: AK\napplication_secret=\"S=cret\"\n\
                    consumer_key=\nurl = https://x.example/1.0\n";
        let ini = Ini::parse(text.as_bytes()).unwrap();
        assert_eq!(ini.get("default", "endpoint"), Some("ovh-ca"));
        assert_eq!(ini.get("ovh-ca", "application_key"), Some("AK"));
        assert_eq!(ini.get("ovh-ca", "application_secret"), Some("S=cret"));
        assert_eq!(ini.get("ovh-ca", "consumer_key"), Some(""));
        assert_eq!(ini.get("ovh-ca", "url"), Some("https://x.example/1.0"));
        assert_eq!(ini.get("OVH-CA", "application_key"), None);
    }

    #[test]
    fn ini_errors_give_the_line_and_never_the_content() {
        let cases: &[(&str, usize)] = &[
            ("[default]\nendpoint=ovh-eu\nsecretvalue123\n", 3),
            ("key=value\n", 1),
            ("[ovh-eu\n", 1),
            ("[]\n", 1),
            ("[a] junk\n", 1),
            ("[a]\n=x\n", 2),
            ("[a]\nk=1\n\n[a]\nk=2\n", 5),
        ];
        for (text, line) in cases {
            let (got, message) = Ini::parse(text.as_bytes()).unwrap_err();
            assert_eq!(got, *line, "{text:?}");
            assert!(!message.contains("secretvalue123"));
        }
        let (line, message) = Ini::parse(b"[a]\nk=1\nk=\xff\xfe\n").unwrap_err();
        assert_eq!((line, message), (3, "not valid UTF-8"));
    }

    #[test]
    fn home_expansion() {
        let home = Some("/home/me");
        assert_eq!(
            expand_home(Path::new("~/.ovh.conf"), home),
            Some(PathBuf::from("/home/me/.ovh.conf"))
        );
        assert_eq!(
            expand_home(Path::new("~"), home),
            Some(PathBuf::from("/home/me"))
        );
        assert_eq!(
            expand_home(Path::new("~other/x"), home),
            Some(PathBuf::from("~other/x"))
        );
        assert_eq!(
            expand_home(Path::new("/etc/ovh.conf"), None),
            Some(PathBuf::from("/etc/ovh.conf"))
        );
        assert_eq!(expand_home(Path::new("~/.ovh.conf"), None), None);
    }

    #[test]
    fn endpoint_validation() {
        let ok = |e: &str| check_endpoint(e, &Source::Explicit).is_ok();
        assert!(ok("ovh-eu") && ok("soyoustart-ca") && ok("https://eu.api.ovh.com/1.0"));
        assert!(ok("http://127.0.0.1:8080"));
        assert!(!ok("ovh-mars") && !ok("OVH-EU") && !ok("ftp://x.example") && !ok("https://"));
        assert!(!ok("https://x.example/1.0?a=b"));
        let message = check_endpoint("ovh-mars", &Source::Environment)
            .unwrap_err()
            .to_string();
        assert!(message.contains("OVH_ENDPOINT"), "{message}");
        for e in crate::ENDPOINTS {
            assert!(message.contains(e.name), "{message}");
        }
    }

    #[test]
    fn displays_never_show_secrets() {
        let credentials = Credentials::Application {
            application_key: "AK".into(),
            application_secret: Password::new("top-secret"),
            consumer_key: Some(Password::new("ck-secret")),
        };
        let config = ResolvedConfig {
            endpoint: "ovh-eu".into(),
            endpoint_source: Source::File("~/.ovh.conf".into()),
            credentials,
            credentials_source: Some(Source::Environment),
        };
        for text in [format!("{config:?}"), config.to_string()] {
            assert!(
                !text.contains("top-secret") && !text.contains("ck-secret"),
                "{text}"
            );
        }
        assert_eq!(
            config.to_string(),
            "endpoint ovh-eu (from ~/.ovh.conf); application key AK with consumer key (from environment)"
        );
        assert_eq!(config.base_url(), "https://eu.api.ovh.com/1.0");
    }
}
