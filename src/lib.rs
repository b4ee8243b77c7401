//! Typed async client for the OVHcloud API.
//!
//! Every operation of OVH's v1 and v2 APIs is a method, generated from OVH's own schemas by
//! `ovhcloud-codegen` when this crate is built; pick APIs with cargo features (one per API,
//! `all` for every one). The runtime here — client, signing, the `Call` every method returns,
//! errors and JSON helpers — is hand-written and small.
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

mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
mod call;
mod client;
#[doc(hidden)]
pub mod codec;
pub mod config;
pub mod deviation;
pub mod endpoint;
mod error;
pub mod expanded;
pub mod fanout;
pub mod rate_limit;
pub mod retry;
pub mod types;
pub mod wait;

pub use auth::{signature, AccessRule, CredentialRequest, CredentialRequestAnswer};
pub use call::{Body, Call, CallFuture, ItemStream, PageStream, Request};
pub use client::{Client, ClientBuilder, PreparedRequest};
pub use deviation::{Deviation, DeviationCounter, DeviationKind, ResponseMode};
pub use endpoint::{Endpoint, ENDPOINTS};
pub use error::{Error, Result};
pub use expanded::{Expanded, Filter, Order, Page};
pub use rate_limit::RateLimiter;
pub use retry::RetryPolicy;

/// HTTP methods the OVH API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// The API branch an operation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Branch {
    /// `/1.0` (alias `/v1`).
    V1,
    /// `/v2`.
    V2,
}

/// The day the schema snapshot this crate was built from was fetched (`2026-08-04`), from the
/// snapshot's lock; `None` when built from a directory without one. The crate version's build
/// metadata says the same (`0.2.0+ovh.2026-08-04`).
pub const SNAPSHOT: Option<&str> = option_env!("OVHCLOUD_SNAPSHOT");

/// One schema the generated code came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaSource {
    /// `resourcePath`, e.g. `/ovhCloudConnect`.
    pub api: &'static str,
    pub feature: &'static str,
    pub branch: Branch,
    /// The schema's `apiVersion`; for v2, what `X-Schemas-Version` pins.
    pub api_version: &'static str,
    /// SHA-256 of the schema file.
    pub sha256: &'static str,
}

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
