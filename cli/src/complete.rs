//! Completion of paths and query parameter names in the shell, from the schemas
//! (`source <(COMPLETE=bash ovhcloud)`): clap's dynamic completion calls back into the binary,
//! which reads the snapshot (`OVHCLOUD_SCHEMAS`) or the schemas fetched into its cache.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap_complete::CompletionCandidate;
use ovhcloud_schema::reader::{self, Branch, LoadedSchema, ParamKind};

/// The schema directories to read: the snapshot, else every endpoint's cache.
fn schema_dirs() -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os("OVHCLOUD_SCHEMAS") {
        return vec![PathBuf::from(dir)];
    }
    let root = crate::catalog::cache_dir("x").parent().map(PathBuf::from);
    root.and_then(|r| std::fs::read_dir(r).ok())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect()
}

fn schemas() -> Vec<LoadedSchema> {
    schema_dirs()
        .iter()
        .flat_map(|dir| reader::load_dir(dir).0)
        .collect()
}

fn shown(schema: &LoadedSchema, path: &str) -> String {
    match schema.branch {
        Branch::V1 => path.to_owned(),
        Branch::V2 => format!("/v2{path}"),
    }
}

/// The path templates starting with what was typed.
pub fn paths(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    let mut found: Vec<(String, Option<String>)> = schemas()
        .iter()
        .flat_map(|s| {
            s.doc
                .apis
                .iter()
                .map(move |e| (shown(s, &e.path), e.description.clone()))
        })
        .filter(|(p, _)| p.starts_with(typed.as_ref()))
        .collect();
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    found
        .into_iter()
        .map(|(p, help)| CompletionCandidate::new(p).help(help.map(Into::into)))
        .collect()
}

/// `name=` for each query parameter of the path on the command line.
pub fn query_keys(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.iter().rev().find(|a| a.starts_with('/')) else {
        return Vec::new();
    };
    let (branch, path) = crate::catalog::split_branch(path);
    let given: Vec<&str> = path.split('/').collect();
    let fits = |template: &str| {
        let t: Vec<&str> = template.split('/').collect();
        t.len() == given.len()
            && t.iter()
                .zip(&given)
                .all(|(t, g)| t == g || t.starts_with('{'))
    };
    let mut names: Vec<String> = schemas()
        .iter()
        .filter(|s| s.branch == branch)
        .flat_map(|s| &s.doc.apis)
        .filter(|e| fits(&e.path))
        .flat_map(|e| &e.operations)
        .flat_map(|o| &o.parameters)
        .filter(|p| p.param_type == ParamKind::Query)
        .filter_map(|p| p.name.clone())
        .map(|n| format!("{n}="))
        .filter(|n| n.starts_with(typed.as_ref()))
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().map(CompletionCandidate::new).collect()
}
