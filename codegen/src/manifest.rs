//! The schema manifest (lock file): which APIs, branches and schema versions a build uses.
//! A schema's version is the SHA-256 of the file as served, since OVH's documents all say
//! `apiVersion: "1.0"`; for v2 the `apiVersion` is also what `X-Schemas-Version` pins.

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

/// The feature name an API has, from its branch and `resourcePath`.
pub fn feature_name(branch: Branch, resource_path: &str) -> String {
    let base = resource_path.trim_start_matches('/').replace('/', "_");
    match branch {
        Branch::V1 => base,
        Branch::V2 => format!("v2_{base}"),
    }
}
