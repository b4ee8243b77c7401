//! `ovhcloud-codegen` turns OVHcloud's native API schemas into a typed Rust client.
//!
//! The data flows one way through five stages, one module each:
//! [`reader`] (schema documents as served) → [`model`] (resolved, merged intermediate model) →
//! [`plan`] (every Rust name, type and shape, keeping the lock's names) → [`emit`] (Rust
//! tokens printed from model and plan, formatted) → files on disk ([`write_files`]). The
//! [`manifest`] reads the lock the plan takes and writes back the names the plan gave.
//! `build.rs` of the `ovhcloud` crate and the CLI both call [`generate`].

pub mod diff;
pub mod emit;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod manifest;
pub mod naming;
pub mod plan;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// Reading and modelling live in `ovhcloud-schema`; re-exported so paths stay `ovhcloud_codegen::model`.
pub use ovhcloud_schema::{examples, model, reader, typeexpr};

pub use emit::GeneratedFile;
pub use model::Ir;
pub use plan::Plan;
pub use reader::SchemaError;

/// Which APIs to emit.
#[derive(Clone, Debug)]
pub enum Selection {
    All,
    /// By cargo feature name (`ovhCloudConnect`, `dedicated_server`, `v2_iam`) or by
    /// `resourcePath` (`/dedicated/server`, `v2:/iam`).
    Only(Vec<String>),
}

/// The result of one run.
#[derive(Debug)]
pub struct Generation {
    pub ir: Ir,
    /// What every API and type of `ir` is called and how it is shaped, keeping `lock`'s names.
    pub plan: Plan,
    /// Indices into `ir.apis` of the emitted APIs.
    pub selected: Vec<usize>,
    pub files: Vec<GeneratedFile>,
    /// The schema directory's lock, when it has one.
    pub lock: Option<manifest::Manifest>,
    /// Files that could not be read at all, and files that do not match the lock.
    pub read_errors: Vec<SchemaError>,
    pub elapsed: Duration,
}

impl Generation {
    /// Every problem found, unreadable files first; empty when the schemas were all valid.
    pub fn errors(&self) -> impl Iterator<Item = &SchemaError> {
        self.read_errors.iter().chain(&self.ir.errors)
    }

    /// What was degraded to keep the rest (see [`model::Ir::warnings`]); not errors.
    pub fn warnings(&self) -> impl Iterator<Item = &SchemaError> {
        self.ir.warnings.iter()
    }

    pub fn summary(&self) -> Summary {
        let models: BTreeSet<&String> = self
            .selected
            .iter()
            .flat_map(|&i| &self.ir.apis[i].models)
            .collect();
        Summary {
            apis: self.selected.len(),
            operations: self
                .selected
                .iter()
                .map(|&i| self.ir.apis[i].operations.len())
                .sum(),
            models: models.len(),
            conflicts: self.ir.conflicts.len(),
            errors: self.errors().count(),
            warnings: self.warnings().count(),
            files: self.files.len(),
            lines: self.files.iter().map(|f| f.contents.lines().count()).sum(),
            bytes: self.files.iter().map(|f| f.contents.len()).sum(),
            elapsed: self.elapsed,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Summary {
    pub apis: usize,
    pub operations: usize,
    pub models: usize,
    pub conflicts: usize,
    pub errors: usize,
    pub warnings: usize,
    pub files: usize,
    pub lines: usize,
    pub bytes: usize,
    pub elapsed: Duration,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} APIs, {} operations, {} models, {} conflicts merged, {} errors, {} warnings; {} files, {} lines in {} ms",
            self.apis, self.operations, self.models, self.conflicts, self.errors, self.warnings, self.files, self.lines, self.elapsed.as_millis()
        )
    }
}

#[derive(Debug)]
pub enum Error {
    /// The requested APIs are not in the schema directory.
    UnknownApis {
        requested: Vec<String>,
        available: Vec<String>,
    },
    /// A generator bug: emitted tokens did not form valid Rust.
    Emit(String),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::UnknownApis {
                requested,
                available,
            } => write!(
                f,
                "no schema for API(s) {}; the schema directory has: {}",
                requested.join(", "),
                available.join(", ")
            ),
            Error::Emit(message) => write!(f, "internal generator error: {message}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

/// Reads `schema_dir`, resolves it and emits the selected APIs. Schema errors do not abort: the
/// valid part is generated and the errors are in [`Generation::errors`].
pub fn generate(schema_dir: &Path, selection: &Selection) -> Result<Generation, Error> {
    generate_selected(schema_dir, |ir| select(ir, selection))
}

/// Like [`generate`], keeping the APIs for which `keep` is true (build.rs keeps the APIs whose
/// cargo feature is enabled).
pub fn generate_where(
    schema_dir: &Path,
    keep: impl Fn(&model::Api) -> bool,
) -> Result<Generation, Error> {
    generate_selected(schema_dir, |ir| {
        Ok((0..ir.apis.len()).filter(|&i| keep(&ir.apis[i])).collect())
    })
}

fn generate_selected(
    schema_dir: &Path,
    select: impl FnOnce(&Ir) -> Result<Vec<usize>, Error>,
) -> Result<Generation, Error> {
    let start = Instant::now();
    let (schemas, mut read_errors) = reader::load_dir(schema_dir);
    let ir = model::build(schemas);
    let lock = match manifest::load(schema_dir) {
        Ok(lock) => lock,
        Err(e) => {
            read_errors.push(e);
            None
        }
    };
    if let Some(lock) = &lock {
        let mismatches = lock.verify(schema_dir, &ir, &read_errors);
        read_errors.extend(mismatches);
    }
    let selected = select(&ir)?;
    let names = lock
        .as_ref()
        .map(manifest::Manifest::names)
        .unwrap_or_default();
    let plan = Plan::new(&ir, &names);
    let files = emit::emit(&ir, &plan, &selected).map_err(Error::Emit)?;
    Ok(Generation {
        ir,
        plan,
        selected,
        files,
        lock,
        read_errors,
        elapsed: start.elapsed(),
    })
}

/// Reads one OpenAPI 3 document (JSON; YAML when `ovhcloud-schema` has its `yaml` feature) and
/// emits every API it describes with a provider's conventions (`PlanOptions::scaleway()`).
/// Errors and warnings point into the OpenAPI document; an unreadable document is an error of
/// the result, as an unreadable native file is.
pub fn generate_openapi(file: &Path, options: &plan::PlanOptions) -> Result<Generation, Error> {
    let start = Instant::now();
    let (ir, read_errors) = match ovhcloud_schema::openapi::load(file) {
        Ok(read) => (openapi_model(read), Vec::new()),
        Err(e) => (model::build(Vec::new()), vec![e]),
    };
    let selected: Vec<usize> = (0..ir.apis.len()).collect();
    let plan = Plan::with_options(&ir, &plan::Lock::default(), options);
    let files = emit::emit(&ir, &plan, &selected).map_err(Error::Emit)?;
    Ok(Generation {
        ir,
        plan,
        selected,
        files,
        lock: None,
        read_errors,
        elapsed: start.elapsed(),
    })
}

/// The model of a read OpenAPI document, with the reader's warnings, every problem pointed at
/// the OpenAPI document.
fn openapi_model(read: ovhcloud_schema::openapi::OpenApi) -> Ir {
    let locations = read.locations;
    let mut ir = model::build(vec![read.schema]);
    let located = |problems: Vec<SchemaError>| -> Vec<SchemaError> {
        problems.into_iter().map(|e| locations.locate(e)).collect()
    };
    ir.errors = located(std::mem::take(&mut ir.errors));
    let mut warnings = read.warnings;
    warnings.extend(located(std::mem::take(&mut ir.warnings)));
    ir.warnings = warnings;
    ir
}

fn select(ir: &Ir, selection: &Selection) -> Result<Vec<usize>, Error> {
    let Selection::Only(names) = selection else {
        return Ok((0..ir.apis.len()).collect());
    };
    let matches = |api: &model::Api, name: &str| {
        let path_name = match api.branch {
            reader::Branch::V1 => api.name.clone(),
            reader::Branch::V2 => format!("v2:{}", api.name),
        };
        api.feature() == name || path_name == name
    };
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| !ir.apis.iter().any(|a| matches(a, n)))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(Error::UnknownApis {
            requested: unknown,
            available: ir.apis.iter().map(|a| a.feature()).collect(),
        });
    }
    Ok((0..ir.apis.len())
        .filter(|&i| names.iter().any(|n| matches(&ir.apis[i], n)))
        .collect())
}

/// Writes `files` under `out_dir`, rewriting only files whose content changed (so cargo does not
/// rebuild for nothing) and removing `.rs` files a previous run left that are no longer generated.
pub fn write_files(out_dir: &Path, files: &[GeneratedFile]) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    let mut keep = BTreeSet::new();
    for file in files {
        let path = out_dir.join(&file.path);
        keep.insert(path.clone());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        if std::fs::read(&path).ok().as_deref() != Some(file.contents.as_bytes()) {
            std::fs::write(&path, &file.contents).map_err(io(&path))?;
        }
    }
    for dir in [
        out_dir.to_owned(),
        out_dir.join("models"),
        out_dir.join("apis"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "rs") && !keep.contains(&path) {
                std::fs::remove_file(&path).map_err(io(&path))?;
            }
        }
    }
    Ok(())
}
