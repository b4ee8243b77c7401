//! Counters of what the emulator received and did, so tests can prove for instance that a
//! `POST` was applied once even though the client sent it twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A snapshot of the counters (also `GET /_emulator/stats`, same names in camelCase).
///
/// Operations are keyed `"METHOD /template"`: `"POST /ovhCloudConnect/{serviceName}/config/pop"`
/// for v1, `"GET /v2/iam/policy"` for v2.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Stats {
    /// Every HTTP request, schema listings and `/_emulator` calls included.
    pub requests: u64,
    /// API requests matched to an operation, whatever happened to them next.
    pub received: BTreeMap<String, u64>,
    /// API requests that passed verification, rate limiting and fault injection and reached
    /// the operation's handler (a flow, the built-in auth operations, or the example answer).
    pub applied: BTreeMap<String, u64>,
    /// Injected faults by kind: `"500"`, `"502"`, `"503"`, `"504"`, `"429"`, `"drop"`,
    /// `"truncate"` (schema documents and listings only), `"breakSchema"`,
    /// `"deviation/<kind>"` (`"deviation/missing"`, see [`Deviation`](crate::Deviation));
    /// latency is not counted.
    pub faults: BTreeMap<String, u64>,
    /// Injected faults by operation.
    pub faults_by_operation: BTreeMap<String, u64>,
    /// Calls refused by the rate limiter (429).
    pub rate_limited: u64,
    /// Calls refused by verification (bad keys, signature, timestamp, rules…).
    pub auth_failures: u64,
    /// API paths that matched no operation (404) or no method of one (405).
    pub unmatched: u64,
    /// Calls refused because their path, query or body breaks the schema (400, see
    /// [`crate::validate`]).
    pub invalid: u64,
}

impl Stats {
    /// How many requests for `operation` (`"METHOD /template"`) were received.
    pub fn received(&self, operation: &str) -> u64 {
        self.received.get(operation).copied().unwrap_or(0)
    }

    /// How many requests for `operation` were applied.
    pub fn applied(&self, operation: &str) -> u64 {
        self.applied.get(operation).copied().unwrap_or(0)
    }

    /// Applied requests over every operation.
    pub fn total_applied(&self) -> u64 {
        self.applied.values().sum()
    }

    /// Received API requests over every operation.
    pub fn total_received(&self) -> u64 {
        self.received.values().sum()
    }

    /// Injected faults of every kind.
    pub fn injected_faults(&self) -> u64 {
        self.faults.values().sum()
    }

    /// 429 answers: the rate limiter's and injected ones.
    pub fn too_many_requests(&self) -> u64 {
        self.rate_limited + self.faults.get("429").copied().unwrap_or(0)
    }
}

pub(crate) fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_owned()).or_insert(0) += 1;
}
