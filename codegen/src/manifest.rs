//! The lock file (`manifest.json` beside `v1/` and `v2/`): exactly which schema files a snapshot
//! holds (path, SHA-256, size), where and when each was fetched, the `apiVersion` and, for v2,
//! the schema versions, and the method name of every operation, which regeneration keeps.
//! The names are the plan's: a lock is read into the [`Lock`] a [`Plan`] keeps, and written
//! from the names a plan gave.
//!
//! A schema's version is the SHA-256 of the file as served, since OVH's documents all say
//! `apiVersion: "1.0"`; for v2 the `apiVersion` is also what `X-Schemas-Version` pins.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{Api, Ir};
use crate::plan::{Lock, Plan};
use crate::reader::Branch;
use crate::SchemaError;

/// The lock format this generator writes; older locks (without a format) still load.
pub const FORMAT: u32 = 2;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub format: u32,
    pub apis: Vec<ManifestEntry>,
    /// Rust type names by model key (`key#Create`, `key#Update` for request-body variants):
    /// kept on regeneration, so a new model never renames an existing type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub types: BTreeMap<String, String>,
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
    /// Bytes.
    #[serde(default)]
    pub size: u64,
    pub api_version: Option<String>,
    pub base_path: Option<String>,
    /// Where and when the file was fetched; absent for hand-written fixtures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// v2 only: the schema versions the API declares (`X-Schemas-Version` values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_versions: Vec<String>,
    pub operations: usize,
    pub models: usize,
    /// `METHOD /path` → generated method name. Kept on regeneration, so a new endpoint never
    /// renames an existing method.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub methods: BTreeMap<String, String>,
}

/// Provenance of one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// The endpoint as given to `fetch` (`ovh-eu`, or a URL).
    pub endpoint: String,
    /// The URL the file was read from.
    pub url: String,
    /// RFC 3339, UTC.
    pub fetched_at: String,
}

impl Manifest {
    /// The lock of `ir`'s schemas, keeping the names and sources `previous` recorded.
    /// `sources` gives provenance by file (`v1/me.json`); files without one keep the source
    /// `previous` recorded for the same bytes, if any.
    pub fn from_ir(
        ir: &Ir,
        sources: &BTreeMap<String, Source>,
        previous: Option<&Manifest>,
    ) -> Manifest {
        let names = previous.map(Manifest::names).unwrap_or_default();
        Manifest::from_plan(ir, &Plan::new(ir, &names), sources, previous)
    }

    /// The lock of `ir`'s schemas with the names `plan` (a plan of `ir`) gave; sources as for
    /// [`Manifest::from_ir`].
    pub fn from_plan(
        ir: &Ir,
        plan: &Plan,
        sources: &BTreeMap<String, Source>,
        previous: Option<&Manifest>,
    ) -> Manifest {
        let apis = ir
            .apis
            .iter()
            .zip(&plan.apis)
            .map(|(api, api_plan)| {
                let file = relative_file(api);
                let source = sources.get(&file).cloned().or_else(|| {
                    previous?
                        .apis
                        .iter()
                        .find(|e| e.file == file && e.sha256 == api.sha256)?
                        .source
                        .clone()
                });
                ManifestEntry {
                    branch: api.branch.dir_name().to_owned(),
                    api: api.name.clone(),
                    feature: api_plan.feature.clone(),
                    sha256: api.sha256.clone(),
                    size: api.size,
                    api_version: api.api_version.clone(),
                    base_path: api.base_path.clone(),
                    source,
                    schema_versions: match api.branch {
                        Branch::V2 => api.api_version.iter().cloned().collect(),
                        Branch::V1 => Vec::new(),
                    },
                    operations: api.operations.len(),
                    models: api.models.len(),
                    methods: api_plan.method_lock(),
                    file,
                }
            })
            .collect();
        Manifest {
            format: FORMAT,
            apis,
            types: plan.types.lock_names(),
        }
    }

    /// The method and type names this lock records, for a plan to keep.
    pub fn names(&self) -> Lock {
        Lock {
            methods: self
                .apis
                .iter()
                .map(|a| (a.feature.clone(), a.methods.clone()))
                .collect(),
            types: self.types.clone(),
        }
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

    /// The day of the newest fetch (`2026-08-04`), the snapshot's name in versions and
    /// changelogs; `None` when no file records a source.
    pub fn snapshot_date(&self) -> Option<&str> {
        self.apis
            .iter()
            .filter_map(|a| a.source.as_ref())
            .map(|s| s.fetched_at.get(..10).unwrap_or(&s.fetched_at))
            .max()
    }

    /// Checks that the schema files read from `dir` are exactly the locked ones: same set of
    /// files, same sizes and SHA-256. `read` lists what was read (`Ir::apis`), `unreadable` the
    /// files that could not be parsed (they are checked by their bytes on disk).
    pub fn verify(&self, dir: &Path, ir: &Ir, unreadable: &[SchemaError]) -> Vec<SchemaError> {
        let mut errors = Vec::new();
        let lock_file = dir.join(FILE_NAME);
        let read: BTreeMap<String, &Api> = ir.apis.iter().map(|a| (relative_file(a), a)).collect();
        for (i, entry) in self.apis.iter().enumerate() {
            let pointer = format!("/apis/{i}");
            let path = dir.join(&entry.file);
            let (sha256, size) = match read.get(&entry.file) {
                Some(api) => (api.sha256.clone(), api.size),
                None if unreadable.iter().any(|e| e.file == path) => match std::fs::read(&path) {
                    Ok(bytes) => (sha256_hex(&bytes), bytes.len() as u64),
                    Err(_) => continue,
                },
                None => {
                    errors.push(SchemaError {
                        file: path,
                        pointer: String::new(),
                        message: format!(
                            "missing: the lock {} lists it ({pointer})",
                            lock_file.display()
                        ),
                    });
                    continue;
                }
            };
            // Locks of format 1 did not record sizes: their SHA-256 is the check.
            let size_differs = self.format >= 2 && size != entry.size;
            if sha256 != entry.sha256 || size_differs {
                errors.push(SchemaError {
                    file: path,
                    pointer: String::new(),
                    message: format!(
                        "does not match the lock {} at {pointer}: {size} bytes with SHA-256 {sha256}, \
                         the lock says {} bytes with SHA-256 {}",
                        lock_file.display(),
                        entry.size,
                        entry.sha256
                    ),
                });
            }
        }
        for (file, api) in &read {
            if !self.apis.iter().any(|e| &e.file == file) {
                errors.push(SchemaError {
                    file: api.file.clone(),
                    pointer: String::new(),
                    message: format!("not in the lock {}", lock_file.display()),
                });
            }
        }
        errors
    }
}

/// `v1/me.json`: the file of an API relative to its schema directory.
pub fn relative_file(api: &Api) -> String {
    format!(
        "{}/{}",
        api.branch.dir_name(),
        api.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    )
}

pub use ovhcloud_schema::sha256_hex;

/// The file holding the manifest, beside `v1/` and `v2/`.
pub const FILE_NAME: &str = "manifest.json";

/// Reads `dir/manifest.json` if there is one.
pub fn load(dir: &Path) -> Result<Option<Manifest>, SchemaError> {
    let file = dir.join(FILE_NAME);
    let bytes = match std::fs::read(&file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SchemaError {
                file,
                pointer: String::new(),
                message: e.to_string(),
            })
        }
    };
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let lock: Manifest = serde_path_to_error::deserialize(&mut de).map_err(|e| SchemaError {
        file: file.clone(),
        pointer: crate::reader::path_to_pointer(e.path()),
        message: e.inner().to_string(),
    })?;
    if lock.format > FORMAT {
        return Err(SchemaError {
            file,
            pointer: "/format".to_owned(),
            message: format!(
                "lock format {} is newer than this generator's ({FORMAT}): update ovhcloud-codegen",
                lock.format
            ),
        });
    }
    Ok(Some(lock))
}

pub use ovhcloud_schema::feature_name;
