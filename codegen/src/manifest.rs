//! The schema manifest (lock file): which APIs, branches and schema versions a build uses.
//! A schema's version is the SHA-256 of the file as served, since OVH's documents all say
//! `apiVersion: "1.0"`; for v2 the `apiVersion` is also what `X-Schemas-Version` pins.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::Ir;
use crate::reader::Branch;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub apis: Vec<ManifestEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestEntry {
    /// `v1` or `v2`.
    pub branch: String,
    /// `resourcePath`.
    pub api: String,
    pub feature: String,
    /// Relative to the schema directory.
    pub file: String,
    pub sha256: String,
    pub api_version: Option<String>,
    pub base_path: Option<String>,
    pub operations: usize,
    pub models: usize,
    /// `METHOD /path` → generated method name. Kept on regeneration, so a new endpoint never
    /// renames an existing method.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub methods: BTreeMap<String, String>,
}

impl Manifest {
    pub fn from_ir(ir: &Ir) -> Manifest {
        let apis = ir
            .apis
            .iter()
            .map(|api| ManifestEntry {
                branch: api.branch.dir_name().to_owned(),
                api: api.name.clone(),
                feature: api.feature(),
                file: format!(
                    "{}/{}",
                    api.branch.dir_name(),
                    api.file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ),
                sha256: api.sha256.clone(),
                api_version: api.api_version.clone(),
                base_path: api.base_path.clone(),
                operations: api.operations.len(),
                models: api.models.len(),
                methods: api
                    .operations
                    .iter()
                    .map(crate::emit::operation_key)
                    .zip(crate::emit::method_names(
                        api,
                        ir.method_lock.get(&api.feature()),
                    ))
                    .collect(),
            })
            .collect();
        Manifest { apis }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("manifest serializes");
        s.push('\n');
        s
    }

    /// The `[features]` lines of `Cargo.toml` for these APIs, plus `all`.
    pub fn cargo_features(&self) -> String {
        let mut out = String::new();
        let names: Vec<&str> = self.apis.iter().map(|a| a.feature.as_str()).collect();
        out.push_str("all = [\n");
        for n in &names {
            out.push_str(&format!("    \"{n}\",\n"));
        }
        out.push_str("]\n");
        for entry in &self.apis {
            out.push_str(&format!("{} = []\n", entry.feature));
        }
        out
    }
}

/// The file holding the manifest, beside `v1/` and `v2/`.
pub const FILE_NAME: &str = "manifest.json";

/// Reads `dir/manifest.json` if there is one.
pub fn load(dir: &Path) -> Result<Option<Manifest>, crate::SchemaError> {
    let file = dir.join(FILE_NAME);
    let bytes = match std::fs::read(&file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(crate::SchemaError {
                file,
                pointer: String::new(),
                message: e.to_string(),
            })
        }
    };
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(&mut de)
        .map(Some)
        .map_err(|e| crate::SchemaError {
            file,
            pointer: crate::reader::path_to_pointer(e.path()),
            message: e.inner().to_string(),
        })
}

impl Manifest {
    /// Method names by feature, to keep them on regeneration.
    pub fn method_lock(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.apis
            .iter()
            .map(|a| (a.feature.clone(), a.methods.clone()))
            .collect()
    }
}

/// The feature name an API has, from its branch and `resourcePath`.
pub fn feature_name(branch: Branch, resource_path: &str) -> String {
    let base = resource_path.trim_start_matches('/').replace('/', "_");
    match branch {
        Branch::V1 => base,
        Branch::V2 => format!("v2_{base}"),
    }
}
