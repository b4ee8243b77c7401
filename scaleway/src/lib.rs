//! Typed async client for Scaleway InterLink: BGP links between your routers and Scaleway VPCs
//! through PoPs, hosted by partners or self-hosted on dedicated connections.
//!
//! Every operation of Scaleway's OpenAPI description (`schemas/interlink.v1beta1.json`) is a
//! method, generated when this crate is built by `ovhcloud-codegen`, the generator of the
//! `ovhcloud` crate; methods are named after Scaleway's `operationId`s, as its SDKs name them
//! (`ListLinks` → `list_links`), and the region, zone and project a call does not set are the
//! client's defaults, as in Scaleway's SDKs. The request pipeline is shared with `ovhcloud`
//! (`ovhcloud-runtime`: request building, retries, rate limit, decoding, waiting); what is
//! Scaleway's own is here: the `X-Auth-Token` secret key, configuration from `SCW_*` variables
//! and Scaleway's configuration file, numbered pages, errors and waiters.
//!
//! ```no_run
//! # async fn demo() -> scaleway_interlink::Result<()> {
//! use futures_util::TryStreamExt;
//! use scaleway_interlink::{Client, Region};
//!
//! // SCW_SECRET_KEY, SCW_DEFAULT_REGION, SCW_DEFAULT_PROJECT_ID, … or ~/.config/scw/config.yaml
//! let client = Client::from_env()?;
//! // In the client's default region…
//! let mut links = client.interlink().list_links().page_size(100).stream();
//! while let Some(link) = links.try_next().await? {
//!     println!("{} {} {}", link.id, link.name, link.status.as_str());
//! }
//! // …or another one.
//! let pops = client.interlink().list_pops().region(&Region::NlAms).all().await?;
//! # let _ = pops;
//! # Ok(()) }
//! ```

// `Error::Api` keeps everything a user needs to act on a failure (status, type, message,
// details, raw body); errors are the cold path, so its size is accepted.
#![allow(clippy::result_large_err)]

mod client;
pub mod config;
mod error;
pub mod paging;
pub mod wait;

pub use client::{Client, ClientBuilder};
pub use error::{ArgumentError, Error, PermissionDetail, QuotaExceeded, Result};
pub use models::inline::Region;
pub use ovhcloud_runtime::{ApiResponse, CallOptions, RateLimiter, RetryPolicy};

// What the generated code names at the crate root, shared with `ovhcloud`.
pub use ovhcloud_runtime::types;
#[doc(hidden)]
pub use ovhcloud_runtime::{codec, Access, Backend, Branch, Method, SchemaSource};

/// A request being built by a generated method; `.await` it to send it.
pub type Call<'a, R> = ovhcloud_runtime::Call<'a, R, Client>;
/// The future of an awaited [`Call`].
pub type CallFuture<'a, R> = ovhcloud_runtime::CallFuture<'a, R, Error>;
/// Items of a list, page after page (see [`paging`]).
pub type ItemStream<'a, T> =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<T>> + Send + 'a>>;

/// The schema models of InterLink (`models::scaleway::interlink::v1beta1::Link`).
#[allow(clippy::all)]
pub mod models {
    include!(concat!(env!("OUT_DIR"), "/models.rs"));
}

/// The InterLink API: `client.interlink()`, one method per operation.
#[allow(clippy::all)]
pub mod apis {
    include!(concat!(env!("OUT_DIR"), "/apis.rs"));
}

/// The InterLink models, by their short names.
pub mod interlink {
    pub use crate::apis::interlink::*;
    pub use crate::models::scaleway::interlink::v1beta1::*;
}
