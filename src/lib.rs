//! Typed async client for the OVHcloud API.
//!
//! Every operation of OVH's v1 and v2 APIs is a method, generated from OVH's own schemas by
//! `ovhcloud-codegen` when this crate is built; pick APIs with cargo features (one per API,
//! `all` for every one). The runtime — client pipeline, signing, the `Call` every method
//! returns, errors and decoding helpers — is the hand-written `ovhcloud-runtime` crate,
//! re-exported here whole: it is compiled once, whichever APIs are enabled.
//!
//! ```no_run
//! # #[cfg(feature = "ovhCloudConnect")]
//! # async fn demo() -> ovhcloud::Result<()> {
//! let client = ovhcloud::Client::builder()
//!     .endpoint("ovh-eu")
//!     .application("app-key", "app-secret", "consumer-key")
//!     .build()?;
//! for service in client.ovh_cloud_connect().get().await? {
//!     let details = client.ovh_cloud_connect().get_by_service_name(service).await?;
//!     println!("{service}: {:?}", details.status);
//! }
//! # Ok(())
//! # }
//! ```

// `Error::Api` keeps everything a user needs to act on a failure (status, OVH error class and
// code, query id, raw body); errors are the cold path, so its size is accepted.
#![allow(clippy::result_large_err)]

use std::ops::Deref;

// Everything but `Client` and `ClientBuilder`, which this crate wraps so that the generated
// API accessors can be methods of its client.
pub use ovhcloud_runtime::*;

#[cfg(feature = "blocking")]
pub mod blocking;

/// An OVHcloud API client: one accessor per enabled API (`client.ovh_cloud_connect()`), and
/// through [`Deref`] everything [`ovhcloud_runtime::Client`] does (raw calls, deviations,
/// prepared requests). Cheap to clone: clones share connections, the clock offset, the OAuth2
/// token and the rate limit.
#[derive(Clone)]
pub struct Client(ovhcloud_runtime::Client);

/// Configures a [`Client`]. Values given here win over the environment and `ovh.conf`
/// (see [`Client::from_env`]).
pub type ClientBuilder = ovhcloud_runtime::ClientBuilder<Client>;

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default().product(concat!("ovhcloud-rust/", env!("CARGO_PKG_VERSION")))
    }

    /// A client configured from `OVH_*` environment variables and `ovh.conf` files.
    pub fn from_env() -> Result<Client> {
        Client::builder().from_env().build()
    }

    /// The runtime client this one wraps.
    pub fn runtime(&self) -> &ovhcloud_runtime::Client {
        &self.0
    }
}

impl From<ovhcloud_runtime::Client> for Client {
    fn from(client: ovhcloud_runtime::Client) -> Self {
        Client(client)
    }
}

impl Deref for Client {
    type Target = ovhcloud_runtime::Client;

    fn deref(&self) -> &ovhcloud_runtime::Client {
        &self.0
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The day the schema snapshot this crate was built from was fetched (`2026-08-04`), from the
/// snapshot's lock; `None` when built from a directory without one. The crate version's build
/// metadata says the same (`0.2.0+ovh.2026-08-04`).
pub const SNAPSHOT: Option<&str> = option_env!("OVHCLOUD_SNAPSHOT");

/// Schema models of every enabled API, one module per namespace (`models::ovhcloudconnect`).
#[allow(clippy::all)]
pub mod models {
    include!(concat!(env!("OUT_DIR"), "/models.rs"));
}

/// One module per enabled API, each with an accessor on [`Client`] (`client.ovh_cloud_connect()`).
#[allow(clippy::all)]
pub mod apis {
    include!(concat!(env!("OUT_DIR"), "/apis.rs"));
}
