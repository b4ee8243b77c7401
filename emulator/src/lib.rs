//! A local emulator of the OVHcloud API: serves schemas, checks signatures as OVH does, keeps
//! state for the flows of OVH's guides, answers every other operation with a schema-valid
//! example, and injects faults on demand.
//!
//! # In-process use (tests)
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ovhcloud_emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::start(EmulatorConfig::new("schemas")).await?;
//! let (application_key, application_secret) = emulator.create_application();
//! let consumer_key = emulator.create_consumer_key(&application_key, &[("GET", "/*")]);
//! // Point any OVH client at emulator.endpoint() ("http://127.0.0.1:PORT/1.0").
//! # let _ = (application_secret, consumer_key);
//! # Ok(()) }
//! ```
//!
//! The server runs on the caller's tokio runtime and stops when the [`Emulator`] is dropped.
//!
//! # What it serves
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /1.0/`, `/v1/`, `/v2/` | the root listing (`v1/_index.json` / `v2/_index.json` when present, else built from the loaded schemas), `basePath` = this emulator's URL + the alias requested |
//! | `GET /1.0/{api}.json`, `/v1/…`, `/v2/{api}.json` | the schema file, byte for byte (`/1.0/dedicated/server.json`) |
//! | `GET /1.0/auth/time` | the emulator's clock (local time + skew), a JSON integer; never faulted, never rate limited |
//! | `POST /1.0/auth/credential` | a pending consumer key `{validationUrl, consumerKey, state:"pendingValidation"}`; needs a known `X-Ovh-Application`, no signature |
//! | `GET /auth/?credentialToken=…` | the validation URL: validates the pending key (the "user approves" step), answers `{"state":"validated"}` |
//! | `GET /1.0/auth/currentCredential` | the caller's credential as `auth.ApiCredential` (`rules`, `allowedIPs`, `applicationId`, `creation`, `expiration`, `lastUse`, `ovhSupport`, `status`, `credentialId`; never the key) |
//! | `POST /1.0/auth/logout` | expires the caller's consumer key |
//! | `POST /auth/oauth2/token` | OAuth2 client credentials (form body or HTTP Basic): `{access_token, token_type:"Bearer", expires_in, scope:"all"}`; bad client → 401 `{"error":"invalid_client"}` |
//! | any other operation of the schemas | verified as OVH does (see below), checked against the schema ([`validate`]: `400 Client::BadRequest` `[ttl] Given data (abc) is not valid for type long`…), then answered by the first [flow](flows) that handles it, else by the [schema-driven state](state) of a written collection, else by a schema-valid example of its response type (for a `GET` of one item, `…/{billId}`, with the member named like the parameter set to the id asked for) |
//! | a v1 collection (`GET /me/bill`) with `X-Pagination-Mode: CachedObjectList-Pages` or `-Cursor` | its objects, filtered, sorted and paged: see [`iceberg`] |
//! | `/_emulator/…` | the administration API (below) |
//!
//! Every answer carries `Content-Type: application/json` and an `X-Ovh-QueryID`
//! (`EU.ext-1.<hex>.<counter>.emulator`).
//!
//! Paths are taken as clients send them: a trailing slash is ignored (`/1.0/domain/zone/` is
//! `/domain/zone`), a value is percent-decoded (`%2F` and `%2f` alike), and an IP block may
//! keep a raw `/` (`/ip/1.2.3.0/24/reverse`). Signatures cover the path and query as sent.
//!
//! # State
//!
//! Beyond the flows, every collection of the loaded schemas (`GET P` listing ids or objects,
//! `GET P/{id}` reading one) keeps what is created in it: `POST P` creates an item (filled
//! from the body, id from the body or generated), `GET P` lists it (v1: ids; v2: objects),
//! `GET`/`PUT`/`DELETE P/{id}` read, merge into and remove it. A collection answers examples
//! until it is written (its first `POST`, or a seed); from then on it answers its items only,
//! `404` for others. See [`state`] for the details.
//!
//! [`Emulator::state`], `GET /_emulator/state` and `--dump-state FILE` (on exit) give the
//! state; [`Emulator::load_state`], `PUT /_emulator/state` and `--state FILE` (at start)
//! replace it. The format is one JSON object, collections keyed by their path (v1 under
//! `/1.0`, v2 under `/v2`; a path value holding `/` is written `%2F`), items in creation order:
//!
//! ```json
//! {"collections": {
//!   "/1.0/me/sshKey": [{"id": "laptop", "object": {"keyName": "laptop", "key": "ssh-ed25519 AAAA…"}}],
//!   "/1.0/domain/zone/example.com/record": [{"id": "1", "object": {"id": 1, "fieldType": "A", "target": "192.0.2.1", …}}],
//!   "/v2/notification/contactMean": [{"id": "6f1c…", "object": {…}}]
//! }}
//! ```
//!
//! On load, `/v1/…` is taken for `/1.0/…`, numbers for ids, each object gets its id member
//! set and the members it lacks filled with examples; a path naming no collection is refused
//! and nothing changes. The flows' data (bills, documents, AllDom, OVHcloud Connect, IAM) is
//! not part of it: it is seeded by the sizes below, the same on every run.
//!
//! # Seeded data
//!
//! Some flows hold data of a size set at start, the same on every run (fixed ids, dates and
//! amounts), consistent between a list, its items and the expanded listing
//! ([`iceberg`]) of the list. An unknown id is a `404 Client::NotFound`
//! `The requested object (billId = FR0) does not exist`.
//!
//! | operations | data | size ([`EmulatorConfig`] setter, binary flag) |
//! | --- | --- | --- |
//! | `GET /me/bill` (`date.from`, `date.to`, `category`, `orderId`), `/me/bill/{billId}` (`billing.Bill`), `…/details`, `…/details/{billDetailId}` (`billing.BillDetail`) | bills from January 2023, each with 1 to 4 details adding up to its price, sorted by date; ids `FR41230001`…, details `<billId>-1`…; see [`flows::bills`] | `bill_count(n)` / `bills(n)`, `--bills N`: default 30 (three weeks apart); more than 45 are spread over 2023–2025 (5,000: one every five hours) |
//! | `GET`/`POST /me/document`, `GET`/`PUT`/`DELETE /me/document/{id}` (`nichandle.document.Document`) | documents with fixed UUIDs, names, sizes, tags; `POST {name, tags?}` creates one (listed last), `PUT` changes `expirationDate`, `DELETE` removes; see [`flows::documents`] | `documents(n)`, `--documents N`: default 10 at start |
//! | `GET /allDom`, `/allDom/{serviceName}` (`allDom.AllDomServiceWithIAM`), `…/serviceInfos` (`services.Service`), `…/domain` (`domain`: a `LIKE` filter), `…/domain/{domain}` (`allDom.Domain`) | packs `lumiere-01`, `cascade-02`…, their domains under the extensions of their type (`lumiere-01.fr`…); see [`flows::alldom`] | `alldoms(n, domains_each)`, `--alldoms N --domains-per-alldom M`: default 3 packs of 5 |
//!
//! # Objects deleted meanwhile
//!
//! [`Emulator::forget`] (or `DELETE /_emulator/objects?path=/me/bill/FR41230001`) makes an
//! object answer `404 Client::NotFound` as if it had been deleted between a list and its
//! fan-out: the object and everything under it (`…/details/…`) is a 404 for every method,
//! while lists of ids still name it (they were taken before the delete) and expanded listings
//! leave it out. [`Emulator::remove`] (or `&listed=false`) drops it from lists of ids too.
//! [`Emulator::restore`], [`Emulator::restore_all`] (or `DELETE
//! /_emulator/objects/forgotten[?path=…]`) bring objects back. See [`forgotten`].
//!
//! # Verification
//!
//! Operations with `noAuthentication` need nothing, but an `X-Ovh-Application` that is sent
//! must be known. `Authorization: Bearer <token>` from the OAuth2 endpoint allows everything
//! while it is valid. Otherwise, in this order: `X-Ovh-Application` known (403 `INVALID_KEY`);
//! `X-Ovh-Consumer` present (401 `NOT_CREDENTIAL`); the consumer key known, validated,
//! unexpired and of that application (403 `INVALID_CREDENTIAL`); `X-Ovh-Timestamp` within the
//! window of the emulator's clock (400 `QUERY_TIME_OUT`); `X-Ovh-Signature` equal to
//! `"$1$" + sha1(AS+"+"+CK+"+"+METHOD+"+"+FULL_URL+"+"+BODY+"+"+TS)` where `FULL_URL` is
//! `http://` (or `https://`, as a client behind a TLS-terminating proxy signs it) + the `Host`
//! header + the raw path and query received (a query string is signed as sent) and `BODY` the raw bytes
//! received (400 `INVALID_SIGNATURE`); an access rule matching the method and the path as
//! OVH shows it — `/me/bill/1` for v1, `/v2/iam/policy/…` for v2, `*` matching anything,
//! `/` included (403 `NOT_GRANTED_CALL`); the caller's IP in `allowedIPs` if set (403
//! `NOT_GRANTED_CALL`). Then the per-application rate limit (429 `Client::TooManyRequests`
//! with `Retry-After: 1`). [`responses`] has the full table of errors.
//!
//! # Administration API (`/_emulator`)
//!
//! JSON in and out, unauthenticated; the same as the [`Emulator`] methods.
//!
//! | request | body | answer |
//! | --- | --- | --- |
//! | `GET /_emulator` | | the list of endpoints |
//! | `GET /_emulator/health` | | `{"status":"ok"}` |
//! | `POST /_emulator/applications` | `{applicationKey?, applicationSecret?}` (random when left out) | `{applicationKey, applicationSecret, applicationId}` |
//! | `POST /_emulator/consumerKeys` | `{applicationKey, accessRules?: [{method, path}] (default: every method on /*), allowedIPs?, consumerKey?, validated?: bool (default true)}` | `{consumerKey, state, validationUrl}` |
//! | `POST /_emulator/consumerKeys/{ck}/validate` | | `{"state":"validated"}`, 404 if unknown or expired |
//! | `POST /_emulator/oauth2Clients` | `{clientId?, clientSecret?}` | `{clientId, clientSecret}` |
//! | `GET`/`PUT /_emulator/clockSkew` | `{seconds}` | `{seconds}` |
//! | `GET`/`PUT /_emulator/faults` | a [`Faults`] as JSON: `{errorRate, errorStatuses, latencyMs, dropRate, truncateRate, breakSchemaRate, breakMode, deviationRate, deviations, onlyPaths, maxFaults}` | the faults now in force |
//! | `GET`/`PUT /_emulator/iceberg` | `{enabled}` | `{enabled}`: whether collections answer `X-Pagination-Mode` with objects |
//! | `GET`/`PUT /_emulator/rateLimit` | `{perSecond: n \| null}` | `{perSecond}` |
//! | `GET /_emulator/stats` | | a [`Stats`] as JSON |
//! | `DELETE /_emulator/stats` | | resets the counters |
//! | `DELETE /_emulator/objects?path=P[&listed=false]` | | `{path, listed}`: `P` (`/me/bill/FR41230001`, `/1.0/…`, `/v2/…`) and what is under it answer 404; lists of ids keep naming it unless `listed=false` (see above); 400 without a path |
//! | `GET /_emulator/objects/forgotten` | | `{forgotten: [{path, listed}]}` |
//! | `DELETE /_emulator/objects/forgotten[?path=P]` | | `{restored: n}`: brings back `P`, or every forgotten object |
//! | `GET /_emulator/state` | | the state (see "State" above) |
//! | `PUT /_emulator/state` | the state | `{loaded: n}`: replaces it; 400 when a path names no collection |
//! | `DELETE /_emulator/state` | | `{}`: every collection answers examples again |
//!
//! # Fault injection
//!
//! See [`Faults`]: error statuses (500/502/503/504/429), latency and dropped connections are
//! decided before the operation is applied, so a faulted call changed nothing
//! ([`Stats::applied`] proves it); broken schemas alter successful answers afterwards and say
//! so in `X-Emulator-Fault` / `X-Emulator-Broken-Path`. Deviations ([`Deviation`]: a member
//! missing or null, a number as text, a date or address in another form, an invalid value, an
//! unknown enum value, objects for ids) alter one member of a successful answer, chosen from
//! the schema, and name it in `X-Emulator-Deviation: <kind> <path>` (`missing .billId`); see
//! [`deviations`].
//!
//! # Scaleway mode (InterLink)
//!
//! [`scaleway::ScalewayEmulator`] (or the binary's `--scaleway`) serves Scaleway's InterLink
//! API, `interlink/v1beta1`, instead: no schemas, Scaleway's authentication and error bodies,
//! and the same fault injection, stats and rate limit. Everything of that mode, what it
//! answers included, is in the module tree `scaleway/` ([`scaleway`]); it shares only the
//! serving, fault injection, stats and rate limit with the OVH side.

mod admin;
pub mod auth;
pub mod config;
mod controls;
pub mod deviations;
pub mod faults;
pub mod flows;
pub mod forgotten;
pub mod iceberg;
mod rate_limit;
pub mod responses;
pub mod scaleway;
mod schemas;
mod server;
mod shape;
mod shared;
pub mod state;
pub mod stats;
mod sync;
pub mod validate;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use ovhcloud_schema::reader::SchemaError;

pub use auth::AccessRule;
pub use config::{BreakMode, Deviation, EmulatorConfig, Faults};
pub use forgotten::ForgottenObject;
pub use state::StateError;
pub use stats::Stats;

use controls::Serving;
use shared::Shared;
use sync::lock;

/// Why an emulator could not start.
#[derive(Debug)]
pub enum EmulatorError {
    /// The schema directory has problems: every one, with its file and JSON pointer.
    Schemas {
        dir: PathBuf,
        errors: Vec<SchemaError>,
    },
    /// The listening address could not be bound.
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

impl fmt::Display for EmulatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmulatorError::Schemas { dir, errors } => {
                write!(
                    f,
                    "invalid schemas in {} ({} problem(s)):",
                    dir.display(),
                    errors.len()
                )?;
                for e in errors {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
            EmulatorError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
        }
    }
}

impl std::error::Error for EmulatorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EmulatorError::Bind { source, .. } => Some(source),
            EmulatorError::Schemas { .. } => None,
        }
    }
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    shared: Arc<Shared>,
    server: Serving,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Loads the schemas, binds the address and starts serving on the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> Result<Emulator, EmulatorError> {
        let dir = config.schemas.clone();
        let loaded = tokio::task::spawn_blocking(move || schemas::Catalog::load(&dir)).await;
        let catalog = match loaded {
            Ok(Ok(catalog)) => catalog,
            Ok(Err(errors)) => {
                return Err(EmulatorError::Schemas {
                    dir: config.schemas,
                    errors,
                })
            }
            Err(join) => {
                return Err(EmulatorError::Schemas {
                    dir: config.schemas.clone(),
                    errors: vec![SchemaError {
                        file: config.schemas,
                        pointer: String::new(),
                        message: format!("loading failed: {join}"),
                    }],
                })
            }
        };
        let (listener, mut addr) = controls::bind(config.listen).await?;
        if addr.ip().is_unspecified() {
            addr.set_ip(if addr.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        let base_url = format!("http://{addr}");
        let flows = flows::all(
            flows::TaskClock {
                step: config.task_step,
            },
            config.sizes(),
        );
        let shared = Arc::new(Shared::new(
            catalog,
            flows,
            config.faults,
            config.clock_skew_secs,
            config.rate_limit_per_sec,
            config.timestamp_window_secs,
            config.oauth2_token_lifetime,
            config.seed,
            base_url,
            config.iceberg,
        ));
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(shared.clone());
        let server = Serving::spawn(listener, addr, app, "ovhcloud-emulator");
        Ok(Emulator { shared, server })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/1.0`: what a client is configured with.
    pub fn endpoint(&self) -> String {
        format!("{}/1.0", self.shared.base_url)
    }

    /// `http://127.0.0.1:PORT/v2`.
    pub fn v2_endpoint(&self) -> String {
        format!("{}/v2", self.shared.base_url)
    }

    /// `http://127.0.0.1:PORT/auth/oauth2/token`.
    pub fn oauth2_token_url(&self) -> String {
        format!("{}/auth/oauth2/token", self.shared.base_url)
    }

    /// Registers a new application; returns its key and secret.
    pub fn create_application(&self) -> (String, String) {
        let key = auth::random_token(16);
        let secret = auth::random_token(32);
        self.register_application(&key, &secret);
        (key, secret)
    }

    /// Registers an application with a known key and secret (replacing the secret of a known
    /// key).
    pub fn register_application(&self, key: &str, secret: &str) {
        lock(&self.shared.registry).add_application(key, secret);
    }

    /// A new consumer key of `application_key`, already validated, with these
    /// `(method, path)` access rules. The application should exist: calls with a key of an
    /// unknown application fail with `INVALID_KEY`.
    pub fn create_consumer_key(&self, application_key: &str, rules: &[(&str, &str)]) -> String {
        let key = auth::random_token(32);
        self.register_consumer_key(application_key, &key, rules);
        key
    }

    /// Registers a known consumer key, already validated.
    pub fn register_consumer_key(
        &self,
        application_key: &str,
        consumer_key: &str,
        rules: &[(&str, &str)],
    ) {
        self.add_key(application_key, consumer_key, rules, None, true);
    }

    /// A new consumer key waiting for validation (as `POST /auth/credential` makes them);
    /// returns the key and its validation URL.
    pub fn create_pending_consumer_key(
        &self,
        application_key: &str,
        rules: &[(&str, &str)],
    ) -> (String, String) {
        let key = auth::random_token(32);
        let url = self.add_key(application_key, &key, rules, None, false);
        (key, url)
    }

    /// A validated consumer key usable only from these IPs or blocks (`127.0.0.1`,
    /// `10.0.0.0/8`).
    pub fn create_consumer_key_with_ips(
        &self,
        application_key: &str,
        rules: &[(&str, &str)],
        allowed_ips: &[&str],
    ) -> String {
        let key = auth::random_token(32);
        let ips = allowed_ips.iter().map(|s| (*s).to_owned()).collect();
        self.add_key(application_key, &key, rules, Some(ips), true);
        key
    }

    fn add_key(
        &self,
        application_key: &str,
        consumer_key: &str,
        rules: &[(&str, &str)],
        allowed_ips: Option<Vec<String>>,
        validated: bool,
    ) -> String {
        let rules = rules
            .iter()
            .map(|(method, path)| AccessRule {
                method: method.to_ascii_uppercase(),
                path: (*path).to_owned(),
            })
            .collect();
        self.shared.add_consumer_key(
            &self.shared.base_url,
            consumer_key,
            application_key,
            rules,
            allowed_ips,
            validated,
        )
    }

    /// The "user approves" step; false for an unknown or expired key.
    pub fn validate_consumer_key(&self, consumer_key: &str) -> bool {
        lock(&self.shared.registry).validate(consumer_key)
    }

    /// Expires a consumer key, as `POST /auth/logout` does.
    pub fn expire_consumer_key(&self, consumer_key: &str) {
        lock(&self.shared.registry).expire(consumer_key);
    }

    /// Registers a new OAuth2 client (service account); returns its id and secret.
    pub fn create_oauth2_client(&self) -> (String, String) {
        let id = auth::random_token(16);
        let secret = auth::random_token(32);
        self.register_oauth2_client(&id, &secret);
        (id, secret)
    }

    /// Registers an OAuth2 client with a known id and secret.
    pub fn register_oauth2_client(&self, client_id: &str, client_secret: &str) {
        lock(&self.shared.registry).add_oauth_client(client_id, client_secret);
    }

    /// Moves the emulator's clock `secs` seconds away from the local clock.
    pub fn set_clock_skew(&self, secs: i64) {
        self.shared.skew.store(secs, Ordering::Relaxed);
    }

    /// The emulator's clock, as `GET /auth/time` answers it.
    pub fn server_time(&self) -> i64 {
        self.shared.server_time()
    }

    /// Replaces the faults in force.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.controls.set_faults(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.controls.faults()
    }

    /// Whether v1 collections answer `X-Pagination-Mode` with their objects
    /// ([`iceberg`]); `false` makes them answer ids, as OVH endpoints without it do.
    pub fn set_iceberg(&self, enabled: bool) {
        self.shared.iceberg.store(enabled, Ordering::Relaxed);
    }

    /// Whether expanded listings are answered (see [`Emulator::set_iceberg`]).
    pub fn iceberg(&self) -> bool {
        self.shared.iceberg.load(Ordering::Relaxed)
    }

    /// Deletes an object behind the client's back, as if it had been deleted meanwhile: `path`
    /// (`/me/bill/FR41230001`, `/1.0/…`, `/v2/…`) and everything under it answer
    /// `404 Client::NotFound` (`The requested object (billId = FR41230001) does not exist`)
    /// for every method, while lists of ids still name it (they were "taken before the
    /// delete"); expanded listings leave it out. See [`forgotten`]. Returns what was forgotten,
    /// `None` for a path naming nothing (`/`).
    pub fn forget(&self, path: &str) -> Option<ForgottenObject> {
        self.shared.forgotten.add(path, true)
    }

    /// Like [`Emulator::forget`], but lists of ids drop it too: the object is gone everywhere.
    pub fn remove(&self, path: &str) -> Option<ForgottenObject> {
        self.shared.forgotten.add(path, false)
    }

    /// Brings back an object of [`Emulator::forget`] or [`Emulator::remove`]; whether it was
    /// forgotten.
    pub fn restore(&self, path: &str) -> bool {
        self.shared.forgotten.restore(path)
    }

    /// Brings back every forgotten object; how many there were.
    pub fn restore_all(&self) -> usize {
        self.shared.forgotten.clear()
    }

    /// The objects forgotten now, oldest first.
    pub fn forgotten(&self) -> Vec<ForgottenObject> {
        self.shared.forgotten.list()
    }

    /// The schema-driven state as a JSON document (see "State" in the crate docs):
    /// `{"collections": {"/1.0/me/sshKey": [{"id": "laptop", "object": {…}}]}}`.
    pub fn state(&self) -> serde_json::Value {
        self.shared.state.dump()
    }

    /// Replaces the schema-driven state with a document of [`Emulator::state`]'s format;
    /// returns how many items were loaded. On error nothing changes.
    pub fn load_state(&self, state: &serde_json::Value) -> Result<usize, StateError> {
        self.shared.state.load(&self.shared.catalog, state)
    }

    /// Forgets every written collection: they answer examples again.
    pub fn clear_state(&self) {
        self.shared.state.clear();
    }

    /// Requests per second per application; `None` (or 0) turns the limit off.
    pub fn set_rate_limit(&self, per_sec: Option<u32>) {
        self.shared.controls.set_rate_limit(per_sec);
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.shared.controls.stats()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        self.shared.controls.reset_stats();
    }

    /// Stops the server and waits for its accept loop to end (in-flight requests finish).
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
