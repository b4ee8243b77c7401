//! The hand-written runtime of the `ovhcloud` client: the [`Client`] pipeline (rate limit, sign,
//! send, retry, decode), credentials and configuration, the [`Call`] every generated method
//! returns, pagination, errors and the decoding helpers generated models implement.
//!
//! Generated code depends on this crate; users depend on `ovhcloud`, which re-exports all of it
//! next to the generated APIs. Being a crate of its own, it is compiled once, not again each
//! time the set of enabled APIs changes.

// `Error::Api` keeps everything a user needs to act on a failure (status, OVH error class and
// code, query id, raw body); errors are the cold path, so its size is accepted.
#![allow(clippy::result_large_err)]

mod access;
mod auth;
mod call;
pub mod checksum;
mod client;
#[doc(hidden)]
pub mod codec;
pub mod config;
pub mod deviation;
pub mod endpoint;
mod error;
pub mod expanded;
pub mod fanout;
mod ovh_calls;
pub mod pipeline;
pub mod rate_limit;
pub mod retry;
pub mod types;
pub mod wait;

pub use access::{Access, AccessRecorder};
pub use auth::{signature, AccessRule, CredentialRequest, CredentialRequestAnswer};
pub use call::{
    ApiResponse, Backend, Body, Call, CallFuture, CallOptions, Defaulted, Defaults, Request,
};
pub use client::{Client, ClientBuilder, OvhRequest, PinSchemasVersion};
pub use deviation::{Deviation, DeviationCounter, DeviationKind, ResponseMode};
pub use endpoint::{Endpoint, ENDPOINTS};
pub use error::{Error, Result};
pub use expanded::{Expanded, Filter, Order, Page};
pub use ovh_calls::{ItemStream, PageStream};
/// The API branch of an operation and its HTTP method: the same types the schema reader uses.
pub use ovhcloud_base::{Branch, Method};
pub use pipeline::{AfterReceive, BeforeSend, Exchange, PreparedRequest, Traffic};
pub use rate_limit::RateLimiter;
pub use retry::RetryPolicy;

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
