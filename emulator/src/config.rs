//! How an emulator is set up: [`EmulatorConfig`] at start, and the fault-injection settings
//! ([`Faults`]) that can also be changed while it runs.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything [`Emulator::start`](crate::Emulator::start) needs. Build it with
/// [`EmulatorConfig::new`] and the setters:
///
/// ```
/// use std::time::Duration;
/// use ovhcloud_emulator::{EmulatorConfig, Faults};
///
/// let config = EmulatorConfig::new("schemas")
///     .task_step(Duration::from_millis(30))
///     .rate_limit_per_sec(None)
///     .faults(Faults { error_rate: 0.1, ..Faults::default() });
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// A directory with `v1/*.json` and/or `v2/*.json` schemas (and optionally the
    /// `_index.json` listings), laid out as the project's `schemas/`.
    pub schemas: PathBuf,
    /// Where to listen; port 0 (the default, `127.0.0.1:0`) picks a free port.
    pub listen: SocketAddr,
    /// Seconds added to the local clock for `/auth/time` and timestamp checks.
    pub clock_skew_secs: i64,
    /// One step of the flows' task clock: tasks are `todo` for a step, `doing` for the next,
    /// then `done`. Default 1 s; tests use a few tens of milliseconds.
    pub task_step: Duration,
    /// Requests per second allowed to one application (or OAuth2 client); `None` = no limit.
    /// Default `Some(50)`.
    pub rate_limit_per_sec: Option<u32>,
    /// How far `X-Ovh-Timestamp` may be from the emulator's clock (plus skew). Default 180 s.
    pub timestamp_window_secs: i64,
    /// Fault injection at start (default: none).
    pub faults: Faults,
    /// Lifetime of OAuth2 access tokens (`expires_in`). Default 3600 s.
    pub oauth2_token_lifetime: Duration,
    /// Seed of the random draws of fault injection, so a run can be replayed. Default 0.
    pub seed: u64,
    /// Whether v1 collections answer `X-Pagination-Mode: CachedObjectList-Pages` (and
    /// `-Cursor`) with their objects, as OVH's "iceberg" listings do (see [`crate::iceberg`]).
    /// `false` makes every collection ignore the header and answer ids, as the OVH endpoints
    /// that do not support it do. Default `true`; also
    /// [`Emulator::set_iceberg`](crate::Emulator::set_iceberg) and `PUT /_emulator/iceberg`.
    pub iceberg: bool,
    /// How many bills `/me/bill` holds, each with one to four details. Default 30 (what the
    /// tests' expectations are written for); benchmarks ask for thousands (more than 45 are
    /// spread over 2023–2025, see [`crate::flows::bills`]).
    pub bill_count: usize,
    /// How many documents `/me/document` holds at start. Default 10.
    pub document_count: usize,
    /// How many AllDom packs `/allDom` holds. Default 3.
    pub alldom_count: usize,
    /// How many domains each AllDom pack has (`/allDom/{serviceName}/domain`). Default 5.
    pub domains_per_alldom: usize,
}

impl EmulatorConfig {
    /// Defaults for everything but the schema directory.
    pub fn new(schemas: impl Into<PathBuf>) -> Self {
        EmulatorConfig {
            schemas: schemas.into(),
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            clock_skew_secs: 0,
            task_step: Duration::from_secs(1),
            rate_limit_per_sec: Some(50),
            timestamp_window_secs: 180,
            faults: Faults::default(),
            oauth2_token_lifetime: Duration::from_secs(3600),
            seed: 0,
            iceberg: true,
            bill_count: 30,
            document_count: 10,
            alldom_count: 3,
            domains_per_alldom: 5,
        }
    }

    pub fn listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    pub fn clock_skew_secs(mut self, secs: i64) -> Self {
        self.clock_skew_secs = secs;
        self
    }

    pub fn task_step(mut self, step: Duration) -> Self {
        self.task_step = step;
        self
    }

    /// `None` (or `Some(0)`) turns rate limiting off.
    pub fn rate_limit_per_sec(mut self, limit: Option<u32>) -> Self {
        self.rate_limit_per_sec = limit;
        self
    }

    pub fn timestamp_window_secs(mut self, secs: i64) -> Self {
        self.timestamp_window_secs = secs;
        self
    }

    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    pub fn oauth2_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.oauth2_token_lifetime = lifetime;
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// `false`: collections ignore `X-Pagination-Mode` and answer ids.
    pub fn iceberg(mut self, enabled: bool) -> Self {
        self.iceberg = enabled;
        self
    }

    /// How many bills `/me/bill` holds (default 30).
    pub fn bill_count(mut self, count: usize) -> Self {
        self.bill_count = count;
        self
    }

    /// The same as [`bill_count`](EmulatorConfig::bill_count).
    pub fn bills(self, count: usize) -> Self {
        self.bill_count(count)
    }

    /// How many documents `/me/document` holds at start (default 10).
    pub fn documents(mut self, count: usize) -> Self {
        self.document_count = count;
        self
    }

    /// How many AllDom packs `/allDom` holds (default 3), and how many domains each has
    /// (default 5).
    pub fn alldoms(mut self, count: usize, domains_each: usize) -> Self {
        self.alldom_count = count;
        self.domains_per_alldom = domains_each;
        self
    }

    /// The sizes of the seeded data, as the flows take them.
    pub fn sizes(&self) -> crate::flows::Sizes {
        crate::flows::Sizes {
            bills: self.bill_count,
            documents: self.document_count,
            alldoms: self.alldom_count,
            domains_per_alldom: self.domains_per_alldom,
        }
    }
}

/// Faults to inject into API calls and schema downloads. `Faults::default()` injects none.
///
/// Faults apply to every API operation except `GET /auth/time`, `POST /auth/credential` and
/// the OAuth2 token endpoint, and to the schema documents: the root listings (`GET /1.0/`,
/// `/v1/`, `/v2/`) and the schema files (`GET /1.0/{api}.json`, `/v2/{api}.json`), so that a
/// schema fetcher's retries can be tested. `/_emulator` is never touched.
/// Latency, dropped connections and error statuses are decided **before** the operation is
/// applied, so a call that got one of them changed nothing. Deviations and broken schemas
/// alter the body of a successful answer, after the operation was applied. Truncated bodies
/// ([`truncate_rate`](Faults::truncate_rate)) only concern schema documents.
///
/// For schema documents, [`only_paths`](Faults::only_paths) matches the raw path
/// (`/1.0/me.json`) or the key `GET /1.0/me.json`, the key their faults are counted under in
/// [`Stats::faults_by_operation`](crate::Stats::faults_by_operation).
///
/// Over HTTP (`PUT /_emulator/faults`) the same settings are a JSON object with camelCase
/// names and the latency in milliseconds:
/// `{"errorRate":0.2,"errorStatuses":[503],"latencyMs":50,"dropRate":0,"breakSchemaRate":0,
/// "breakMode":"nullRequired","truncateRate":0,"deviationRate":1,"deviations":["missing"],
/// "onlyPaths":["/ovhCloudConnect"],"maxFaults":null}` (every member optional).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Fraction (0–1) of calls answered with an error status instead of being applied.
    pub error_rate: f64,
    /// The statuses drawn from (uniformly) for `error_rate`; empty = 500, 502, 503, 504 and
    /// 429 (the 429 with `Retry-After: 1`).
    pub error_statuses: Vec<u16>,
    /// Added before every affected call is answered.
    #[serde(rename = "latencyMs", with = "duration_ms")]
    pub latency: Duration,
    /// Fraction (0–1) of calls whose connection is closed without an answer (not applied).
    pub drop_rate: f64,
    /// Fraction (0–1) of successful JSON answers altered so they no longer match the schema.
    pub break_schema_rate: f64,
    /// How answers are broken, see [`BreakMode`].
    pub break_mode: BreakMode,
    /// Fraction (0–1) of successful answers given one [`Deviation`] from their schema, of a
    /// kind taken from [`deviations`](Faults::deviations), as real API backends send them.
    /// The answer says what was changed in `X-Emulator-Deviation: <kind> <path>`
    /// (`missing .billId`, `objects-for-ids [0]`); an answer with nothing the kind applies to
    /// is left alone, without the header. An answer given a deviation is not also broken by
    /// [`break_schema_rate`](Faults::break_schema_rate). See [`crate::deviations`].
    pub deviation_rate: f64,
    /// The kinds [`deviation_rate`](Faults::deviation_rate) injects; empty = every kind. With
    /// several, the kind tried first rotates with the request counter, falling back to the
    /// next kind in this list that applies to the answer.
    pub deviations: Vec<Deviation>,
    /// Fraction (0–1) of schema listings and schema files answered `200` with only the first
    /// half of their bytes (a consistent `Content-Length`, so the client sees a complete answer
    /// whose JSON is cut short), marked `X-Emulator-Fault: truncate`. Drawn after
    /// `drop_rate` and `error_rate` spared the request; API calls are never truncated.
    pub truncate_rate: f64,
    /// Only calls whose raw path, or `METHOD /template` key, contains one of these substrings
    /// get faults; `None` = every call.
    pub only_paths: Option<Vec<String>>,
    /// Inject at most this many faults (errors, drops, broken answers, truncations) from the
    /// moment these faults are set, then none: "fail the next call only" is `error_rate: 1.0,
    /// max_faults: Some(1)`. `None` = no limit.
    pub max_faults: Option<u64>,
}

impl Faults {
    /// Whether any fault can be injected.
    pub fn is_active(&self) -> bool {
        self.error_rate > 0.0
            || self.drop_rate > 0.0
            || self.break_schema_rate > 0.0
            || self.deviation_rate > 0.0
            || self.truncate_rate > 0.0
            || !self.latency.is_zero()
    }
}

/// How a successful answer is made schema-invalid (see [`Faults::break_schema_rate`]). The
/// emulator says what it did in the `X-Emulator-Fault` and `X-Emulator-Broken-Path` headers
/// (the path as the client reports decode errors: `.status`, `[0].datacenters[0].id`, or empty
/// for the whole body).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BreakMode {
    /// One of the three below, rotating with the request counter (falling back to the next
    /// when the answer has nothing to break that way).
    #[default]
    Mixed,
    /// A string enum value set to `"value-from-the-future"`.
    UnknownEnum,
    /// `"fieldFromTheFuture": 1` added to an object.
    ExtraField,
    /// `null` in a property the schema says cannot be null (the first such property, searched
    /// from the top of the answer), or in an array element, or the whole body: a typed client
    /// must fail to decode, at the path given in `X-Emulator-Broken-Path`.
    NullRequired,
}

/// A way a real API answer differs from its schema, injected on demand
/// ([`Faults::deviation_rate`]). Names (JSON, CLI and the `X-Emulator-Deviation` header) are
/// kebab-case: `missing`, `null`, `number-as-string`, `reformatted`, `invalid`,
/// `unknown-enum`, `objects-for-ids`.
///
/// Member kinds change one member of an object of the answer: the first member, in key order,
/// whose schema type the kind applies to, among the members of the top-level object (or of
/// the first element of a top-level list or map), else, in the same order, inside them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deviation {
    /// A member the schema declares non-null (not `canBeNull`) is left out.
    Missing,
    /// A member the schema declares non-null is `null`.
    Null,
    /// A `long` or `double` member comes as its text: `"42"`.
    #[serde(alias = "numberAsString")]
    NumberAsString,
    /// A value in another form OVH uses: a `datetime` as `2024-01-05 10:00:00` (a space, no
    /// offset), a `date` as a datetime (`2024-01-05T00:00:00+00:00`), an `ipv4` (or an `ip`
    /// holding an IPv4 address) as `a.b.c.d/32`.
    Reformatted,
    /// A `uuid`, address, block, `date` or `datetime` member is a string that is none:
    /// `"not-a-uuid"`, `"not-a-ipv4"`, `"not-a-date"`…
    Invalid,
    /// An enum member is a value the schema does not list: `"value-from-the-future"` for a
    /// string enum, one more than the largest listed for an integer enum.
    #[serde(alias = "unknownEnum")]
    UnknownEnum,
    /// A v1 list of ids (`GET /me/bill`) is answered with the objects themselves, as an
    /// expanded listing would (see [`crate::iceberg`]); reported at `[0]`.
    #[serde(alias = "objectsForIds")]
    ObjectsForIds,
}

impl Deviation {
    /// Every kind, in the order `deviations: []` uses.
    pub const ALL: [Deviation; 7] = [
        Deviation::Missing,
        Deviation::Null,
        Deviation::NumberAsString,
        Deviation::Reformatted,
        Deviation::Invalid,
        Deviation::UnknownEnum,
        Deviation::ObjectsForIds,
    ];

    /// The kebab-case name, as in `X-Emulator-Deviation`.
    pub fn name(self) -> &'static str {
        match self {
            Deviation::Missing => "missing",
            Deviation::Null => "null",
            Deviation::NumberAsString => "number-as-string",
            Deviation::Reformatted => "reformatted",
            Deviation::Invalid => "invalid",
            Deviation::UnknownEnum => "unknown-enum",
            Deviation::ObjectsForIds => "objects-for-ids",
        }
    }
}

impl std::fmt::Display for Deviation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Deviation {
    type Err = String;

    /// A name in kebab-case, camelCase or snake_case, any case: `number-as-string`,
    /// `numberAsString`, `NUMBER_AS_STRING`.
    fn from_str(s: &str) -> Result<Self, String> {
        let wanted = s.replace(['-', '_'], "").to_ascii_lowercase();
        Deviation::ALL
            .into_iter()
            .find(|d| d.name().replace('-', "") == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Deviation::ALL.iter().map(|d| d.name()).collect();
                format!("unknown deviation {s:?}: use {} or all", names.join(", "))
            })
    }
}

mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis().min(u128::from(u64::MAX)) as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_json_uses_camel_case_and_milliseconds() {
        let f: Faults = serde_json::from_str(
            r#"{"errorRate":0.5,"latencyMs":20,"breakMode":"nullRequired","onlyPaths":["/me"]}"#,
        )
        .unwrap();
        assert_eq!(f.error_rate, 0.5);
        assert_eq!(f.latency, Duration::from_millis(20));
        assert_eq!(f.break_mode, BreakMode::NullRequired);
        assert_eq!(f.only_paths, Some(vec!["/me".to_owned()]));
        let back = serde_json::to_value(&f).unwrap();
        assert_eq!(back["latencyMs"], 20);
        assert_eq!(back["truncateRate"], 0.0);
        assert!(!Faults::default().is_active());
        let t: Faults = serde_json::from_str(r#"{"truncateRate":0.5}"#).unwrap();
        assert_eq!(t.truncate_rate, 0.5);
        assert!(t.is_active());
    }

    #[test]
    fn deviations_have_one_kebab_case_name_everywhere() {
        let f: Faults = serde_json::from_str(
            r#"{"deviationRate":1,"deviations":["number-as-string","objectsForIds"]}"#,
        )
        .unwrap();
        assert_eq!(
            f.deviations,
            [Deviation::NumberAsString, Deviation::ObjectsForIds]
        );
        assert!(f.is_active());
        let back = serde_json::to_value(&f).unwrap();
        assert_eq!(
            back["deviations"],
            serde_json::json!(["number-as-string", "objects-for-ids"])
        );
        for d in Deviation::ALL {
            assert_eq!(d.name().parse::<Deviation>(), Ok(d));
            assert_eq!(serde_json::to_value(d).unwrap(), d.name());
        }
        assert_eq!("UNKNOWN_ENUM".parse(), Ok(Deviation::UnknownEnum));
        assert!("extra".parse::<Deviation>().is_err());
    }
}
