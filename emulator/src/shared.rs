//! What the OVH emulator's handlers share ([`Shared`]: the schemas, the flows, the registry of
//! keys, the controls and the state) and one request as the pipeline reads it ([`Incoming`]).
//! Below both the pipeline ([`crate::server`]) and the administration API ([`crate::admin`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::HeaderMap;
use ovhcloud_schema::examples::{Examples, Flavor};
use serde_json::Value;

use crate::auth::{AccessRule, Registry};
use crate::config::Faults;
use crate::controls::Controls;
use crate::flows::Flow;
use crate::forgotten::Forgotten;
use crate::schemas::{Catalog, Route};
use crate::shape::Walker;
use crate::state::Store;
use crate::stats::Stats;
use crate::sync::lock;

/// Everything the handlers share.
pub(crate) struct Shared {
    pub catalog: Catalog,
    pub flows: Vec<Box<dyn Flow>>,
    pub registry: Mutex<Registry>,
    /// Faults, rate limit (per application) and stats.
    pub controls: Controls,
    pub skew: AtomicI64,
    /// Requests seen; numbers query ids and rotates [`BreakMode::Mixed`](crate::BreakMode::Mixed)
    /// and the kinds of [`Faults::deviations`].
    pub counter: AtomicU64,
    /// `EU.ext-1.<hex>`: the query id before its counter.
    pub query_prefix: String,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    pub window: i64,
    pub token_lifetime: Duration,
    /// Whether collections answer `X-Pagination-Mode` with objects ([`crate::iceberg`]).
    pub iceberg: AtomicBool,
    /// Objects deleted behind the client's back ([`crate::forgotten`]).
    pub forgotten: Forgotten,
    /// The collections written through the API or seeded ([`crate::state`]).
    pub state: Store,
    /// Example answers by route key, built on first use.
    examples: Mutex<HashMap<String, Value>>,
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        catalog: Catalog,
        flows: Vec<Box<dyn Flow>>,
        faults: Faults,
        skew: i64,
        rate_limit: Option<u32>,
        window: i64,
        token_lifetime: Duration,
        seed: u64,
        base_url: String,
        iceberg: bool,
    ) -> Shared {
        Shared {
            catalog,
            flows,
            registry: Mutex::new(Registry::default()),
            controls: Controls::new(faults, rate_limit, seed),
            skew: AtomicI64::new(skew),
            counter: AtomicU64::new(0),
            query_prefix: format!("EU.ext-1.{:08x}", fastrand::u32(..)),
            base_url,
            window,
            token_lifetime,
            iceberg: AtomicBool::new(iceberg),
            forgotten: Forgotten::default(),
            state: Store::default(),
            examples: Mutex::new(HashMap::new()),
        }
    }

    /// The API clock: local Unix time plus the configured skew.
    pub fn server_time(&self) -> i64 {
        let local = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        local + self.skew.load(Ordering::Relaxed)
    }

    /// Registers a consumer key; returns its validation URL on `origin`.
    pub fn add_consumer_key(
        &self,
        origin: &str,
        consumer_key: &str,
        application_key: &str,
        rules: Vec<AccessRule>,
        allowed_ips: Option<Vec<String>>,
        validated: bool,
    ) -> String {
        let token = lock(&self.registry).add_consumer_key(
            consumer_key,
            application_key,
            rules,
            allowed_ips,
            validated,
        );
        validation_url(origin, &token)
    }

    pub fn count(&self, f: impl FnOnce(&mut Stats)) {
        self.controls.count(f);
    }

    pub fn example(&self, route: &Route) -> Value {
        if let Some(v) = lock(&self.examples).get(&route.key) {
            return v.clone();
        }
        let value = Examples::new(&self.catalog.ir, Flavor::Typical).of(&route.response);
        lock(&self.examples).insert(route.key.clone(), value.clone());
        value
    }

    /// The example answer of an operation. For a `GET` of one item (`…/{billId}`), the
    /// member named like that parameter holds the id asked for (when the model has such a
    /// member and the id is a value of its type), so that each item answers for its id.
    pub fn example_for(&self, route: &Route, params: &HashMap<String, String>) -> Value {
        let mut value = self.example(route);
        let Some(param) = route.item_param().filter(|_| route.method == "GET") else {
            return value;
        };
        let walker = Walker {
            ir: &self.catalog.ir,
        };
        let id = walker
            .member_type(&route.response, param)
            .zip(params.get(param))
            .and_then(|(ty, raw)| walker.value_from_text(&ty, raw));
        if let (Some(id), Some(members)) = (id, value.as_object_mut()) {
            members.insert(param.to_owned(), id);
        }
        value
    }
}

pub(crate) fn validation_url(origin: &str, token: &str) -> String {
    format!("{origin}/auth/?credentialToken={token}")
}

/// One request, split into what the pipeline needs.
pub(crate) struct Incoming {
    pub method: String,
    /// Raw path, as received (still percent-encoded).
    pub path: String,
    /// Raw query, without `?`.
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub peer: IpAddr,
    /// `http://` + the Host header: the URL the client used.
    pub origin: String,
    pub counter: u64,
}

impl Incoming {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Path and query exactly as received.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }
}
