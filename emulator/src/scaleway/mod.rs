//! The Scaleway mode: a local emulator of Scaleway's InterLink API (`interlink/v1beta1`), for
//! offline tests of Scaleway clients, with the OVH side's fault injection, stats and rate
//! limiting.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ovhcloud_emulator::scaleway::{ScalewayConfig, ScalewayEmulator};
//!
//! let emu = ScalewayEmulator::start(ScalewayConfig::default()).await?;
//! let (access_key, secret_key) = emu.create_api_key();
//! // Point a Scaleway client at emu.base_url() (api_url), with secret_key as X-Auth-Token
//! // and emu.default_project_id() as its default project.
//! # let _ = (access_key, secret_key);
//! # Ok(()) }
//! ```
//!
//! What it serves ([`errors`] has the table of error answers):
//!
//! | request (under `/interlink/v1beta1/regions/{region}`) | answer |
//! | --- | --- |
//! | any call without `X-Auth-Token: <secret key>` of a known key | 401 `denied_authentication` (`reason` `invalid_argument` when missing or not a UUID, `not_found` when unknown) |
//! | a `project_id` / `organization_id` (member or filter) the key does not own | 403 `permissions_denied`; other projects' resources are invisible (404) |
//! | `{region}` not among [`ScalewayConfig::regions`] (fr-par, nl-ams, pl-waw, it-mil) | 400 `invalid_arguments` on `region` |
//! | `GET /pops`, `/pops/{id}`, `/partners`, `/partners/{id}` | fixed reference data per region (TH2, DC3, PA2 in fr-par…; a layer-2 partner at every PoP, a layer-3 one at the first), name-based UUIDs |
//! | `GET /dedicated-connections`, `/…/{id}` | two `active` ports of the caller's project per region: 10 Gbps at the first PoP (VLANs 100–199), 1 Gbps at the second (VLANs 200–299) |
//! | `POST /links` | exactly one of `connection_id` (self-hosted: `configuring` for one step, then `active`) or `partner_id` (hosted: `requested`, `provisioning`, `active`); checks bandwidth (offered, and left on the connection), VLAN (in range, free), `peer_asn` (1–65534), name, policy families, the per-project quota (403 `quotas_exceeded`) |
//! | `GET`/`PATCH`/`DELETE /links/{id}` | the link; `PATCH` name, tags, `peer_asn`; `DELETE` → `deprovisioning` for a step, then 404 |
//! | `POST /links/{id}/attach-vpc`, `detach-vpc`, `attach-routing-policy`, `detach-routing-policy`, `set-routing-policy`, `enable-route-propagation`, `disable-route-propagation` | the link after the change; 409 `transient_state` while configuring, provisioning or deprovisioning; 412 `precondition_failed` for a second VPC or policy of a family, detaching what is not attached, propagation without a VPC. BGP sessions are `disabled` without a policy, `down`, then `up` a step after it is attached |
//! | `GET`/`POST /routing-policies`, `GET`/`PATCH`/`DELETE /routing-policies/{id}` | policies with prefixes of their family; `DELETE` → 204, 412 `resource_still_in_use` while attached |
//! | lists | `page` (≥ 1), `page_size` (1–1000, default 50), `order_by`, the filters of the reference; `{<items>: […], total_count}` |
//! | `/_emulator/…` | `POST /_emulator/apiKeys {project_id?, organization_id?}` → `{access_key, secret_key, project_id, organization_id}`; `GET`/`PUT /_emulator/faults`, `/_emulator/rateLimit`; `GET`/`DELETE /_emulator/stats`; `GET /_emulator/health` |
//!
//! Faults (error statuses with Scaleway-like bodies, latency, drops) are decided before the
//! operation, as for OVH; deviations and broken schemas are OVH-only. Stats key operations as
//! `"POST /interlink/v1beta1/regions/{region}/links"`. The rate limit (off by default) answers
//! 429 `too_many_requests` with `Retry-After: 1`.

pub mod errors;

mod catalog;
mod ops;
mod request;
mod server;
mod state;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::Faults;
use crate::controls::{self, Controls, Serving};
use crate::stats::Stats;
use crate::EmulatorError;

use server::Shared;
use state::{ApiKey, Store};

/// The regions InterLink is offered in.
pub const DEFAULT_REGIONS: [&str; 4] = ["fr-par", "nl-ams", "pl-waw", "it-mil"];

/// How a [`ScalewayEmulator`] is set up. `ScalewayConfig::default()` suits tests; the setters
/// change one thing:
///
/// ```
/// use std::time::Duration;
/// use ovhcloud_emulator::scaleway::ScalewayConfig;
///
/// let config = ScalewayConfig::default().step(Duration::ZERO).link_quota(3);
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct ScalewayConfig {
    /// Where to listen; port 0 (the default, `127.0.0.1:0`) picks a free port.
    pub listen: SocketAddr,
    /// How long a link stays in each transient status (`configuring`; `requested`, then
    /// `provisioning`; `deprovisioning`) and how long a BGP session takes to come up after a
    /// routing policy is attached. Default 300 ms; `Duration::ZERO` makes everything
    /// immediate.
    pub step: Duration,
    /// The regions answered; others get `invalid_arguments` on `region`. Default
    /// [`DEFAULT_REGIONS`].
    pub regions: Vec<String>,
    /// Requests per second per API key; `None` (the default) = no limit.
    pub rate_limit_per_sec: Option<u32>,
    /// Links a project may have per region before `quotas_exceeded`. Default 10.
    pub link_quota: usize,
    /// Fault injection at start (default: none).
    pub faults: Faults,
    /// Seed of the fault-injection draws. Default 0.
    pub seed: u64,
}

impl Default for ScalewayConfig {
    fn default() -> Self {
        ScalewayConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            step: Duration::from_millis(300),
            regions: DEFAULT_REGIONS.iter().map(|r| (*r).to_owned()).collect(),
            rate_limit_per_sec: None,
            link_quota: 10,
            faults: Faults::default(),
            seed: 0,
        }
    }
}

impl ScalewayConfig {
    pub fn listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    pub fn step(mut self, step: Duration) -> Self {
        self.step = step;
        self
    }

    pub fn regions(mut self, regions: &[&str]) -> Self {
        self.regions = regions.iter().map(|r| (*r).to_owned()).collect();
        self
    }

    /// `None` (or `Some(0)`) turns rate limiting off.
    pub fn rate_limit_per_sec(mut self, limit: Option<u32>) -> Self {
        self.rate_limit_per_sec = limit;
        self
    }

    pub fn link_quota(mut self, quota: usize) -> Self {
        self.link_quota = quota;
        self
    }

    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// A running InterLink emulator. Dropping it stops the server.
pub struct ScalewayEmulator {
    shared: Arc<Shared>,
    base_url: String,
    server: Serving,
}

impl fmt::Debug for ScalewayEmulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScalewayEmulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ScalewayEmulator {
    /// Binds the address and starts serving on the current tokio runtime.
    pub async fn start(config: ScalewayConfig) -> Result<ScalewayEmulator, EmulatorError> {
        let (listener, mut addr) = controls::bind(config.listen).await?;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::default()),
            regions: config.regions,
            step: config.step,
            link_quota: config.link_quota,
            default_project_id: uuid::Uuid::new_v4().to_string(),
            default_organization_id: uuid::Uuid::new_v4().to_string(),
            controls: Controls::new(config.faults, config.rate_limit_per_sec, config.seed),
        });
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(shared.clone());
        let server = Serving::spawn(listener, addr, app, "ovhcloud-emulator (scaleway)");
        Ok(ScalewayEmulator {
            shared,
            base_url: format!("http://{addr}"),
            server,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// `http://127.0.0.1:PORT`: a client's `api_url` (it appends `/interlink/v1beta1/…`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The project every key of [`create_api_key`](Self::create_api_key) owns (a UUID).
    pub fn default_project_id(&self) -> String {
        self.shared.default_project_id.clone()
    }

    /// The organization of the default project (a UUID).
    pub fn default_organization_id(&self) -> String {
        self.shared.default_organization_id.clone()
    }

    /// A new API key of the default project: `(access_key, secret_key)`, an `SCW…` access
    /// key and a UUID secret (what `X-Auth-Token` carries).
    pub fn create_api_key(&self) -> (String, String) {
        let key = self.shared.create_api_key(None, None);
        (key.access_key, key.secret_key)
    }

    /// A new API key of another project, in the default organization: it sees none of the
    /// default project's links and policies, and may not act on that project.
    pub fn create_api_key_for_project(&self, project_id: &str) -> (String, String) {
        let key = self
            .shared
            .create_api_key(Some(project_id.to_owned()), None);
        (key.access_key, key.secret_key)
    }

    /// Registers a known key of the default project (the binary's `--scaleway-api-key`).
    pub fn register_api_key(&self, access_key: &str, secret_key: &str) {
        self.shared.register(ApiKey {
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            project_id: self.shared.default_project_id.clone(),
            organization_id: self.shared.default_organization_id.clone(),
        });
    }

    /// Replaces the faults in force (error statuses, latency and drops apply; deviations and
    /// broken schemas are OVH-only).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.controls.set_faults(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.controls.faults()
    }

    /// Requests per second per API key; `None` (or 0) turns the limit off.
    pub fn set_rate_limit(&self, per_sec: Option<u32>) {
        self.shared.controls.set_rate_limit(per_sec);
    }

    /// A snapshot of the counters; operations are keyed
    /// `"POST /interlink/v1beta1/regions/{region}/links"`.
    pub fn stats(&self) -> Stats {
        self.shared.controls.stats()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        self.shared.controls.reset_stats();
    }

    /// Stops the server and waits for its accept loop to end.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
