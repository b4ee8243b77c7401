//! OVHcloud API schemas, read and resolved: the native schema documents as served
//! (`/1.0/{api}.json`, `/v2/{api}.json`) into one model of every API, operation and type, with
//! errors and degradations named by file and JSON pointer; and schema-valid example values.
//!
//! Shared by the code generator (`ovhcloud-codegen`, which plans and emits Rust from the
//! model), the emulator (`ovhcloud-emulator`, which answers from it) and the command line
//! (`ovhcloud-cli`, which checks calls against it): none drags the others' dependencies along.
//!
//! Stages: [`reader`] (documents, as served; [`openapi`] reads OpenAPI 3 into the same
//! documents) → [`model`] (resolved, merged across files, roles
//! and per-API closures) → [`examples`] (values for tests and emulated answers). [`router`]
//! matches concrete paths to the model's path templates, [`validate`] checks calls against
//! their operation.

pub mod examples;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod model;
pub mod openapi;
pub mod reader;
pub mod router;
pub mod typeexpr;
pub mod validate;

pub use model::Ir;
pub use reader::SchemaError;

/// Lower-case hexadecimal SHA-256 of a file's bytes, as locks record it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The cargo feature of an API: its `resourcePath` with `/` → `_` (`dedicated_server`), with
/// `v2_` before it for v2 (`v2_iam`).
pub fn feature_name(branch: reader::Branch, resource_path: &str) -> String {
    let base = resource_path.trim_start_matches('/').replace('/', "_");
    match branch {
        reader::Branch::V1 => base,
        reader::Branch::V2 => format!("v2_{base}"),
    }
}
