//! Generates the typed API modules into `OUT_DIR` for the enabled cargo features.
//!
//! Schemas come from `schemas/` (OVH's real schemas, the snapshot this crate version carries)
//! unless `OVHCLOUD_SCHEMAS_DIR` names another directory. The snapshot must match its lock
//! (`schemas/manifest.json`: every file's size and SHA-256), so a build always says what it was
//! built from; a directory without a lock builds with a warning. All schemas are read, so that
//! a model shared by several APIs has the same shape whichever of them are enabled; only the
//! enabled APIs and the models they need are emitted.

use std::path::PathBuf;
use std::process::ExitCode;

use ovhcloud_codegen::{generate_where, write_files};

fn main() -> ExitCode {
    println!("cargo:rerun-if-env-changed=OVHCLOUD_SCHEMAS_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let schemas = match std::env::var_os("OVHCLOUD_SCHEMAS_DIR") {
        Some(dir) => manifest_dir.join(dir),
        None => manifest_dir.join("schemas"),
    };
    println!("cargo:rerun-if-changed={}", schemas.display());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));

    let enabled = |feature: &str| {
        std::env::var_os(format!(
            "CARGO_FEATURE_{}",
            feature.to_uppercase().replace('-', "_")
        ))
        .is_some()
    };
    let all = enabled("all");
    let generation = match generate_where(&schemas, |api| all || enabled(&api.feature())) {
        Ok(g) => g,
        Err(e) => return fail(&format!("{e}")),
    };
    if generation.lock.is_none() {
        println!(
            "cargo:warning={} has no lock ({}): the build cannot say which schemas it used",
            schemas.display(),
            ovhcloud_codegen::manifest::FILE_NAME
        );
    }
    // `ovhcloud::SNAPSHOT`: the day the carried schemas were fetched.
    if let Some(date) = generation.lock.as_ref().and_then(|l| l.snapshot_date()) {
        println!("cargo:rustc-env=OVHCLOUD_SNAPSHOT={date}");
    }
    let errors: Vec<String> = generation.errors().map(|e| e.to_string()).collect();
    if !errors.is_empty() {
        return fail(&format!(
            "invalid schemas in {}:\n  {}",
            schemas.display(),
            errors.join("\n  ")
        ));
    }
    // Degraded parts build; they are said, briefly (`ovhcloud-codegen list` shows them all).
    let warnings: Vec<String> = generation.warnings().map(|w| w.to_string()).collect();
    for warning in warnings.iter().take(5) {
        println!("cargo:warning=schema: {warning}");
    }
    if warnings.len() > 5 {
        println!(
            "cargo:warning=schema: {} more degraded part(s); `ovhcloud-codegen list --schemas {}` lists them",
            warnings.len() - 5,
            schemas.display()
        );
    }
    if let Err(e) = write_files(&out_dir, &generation.files) {
        return fail(&e.to_string());
    }
    // Read by tests/round_trip.rs and tests/response_corpus.rs only; lists of names, cheap to
    // write.
    let cases = [
        (
            "round_trip_cases.rs",
            ovhcloud_codegen::emit::round_trip_cases(
                &generation.ir,
                &generation.plan,
                &generation.selected,
            ),
        ),
        (
            "response_cases.rs",
            ovhcloud_codegen::emit::response_cases(
                &generation.ir,
                &generation.plan,
                &generation.selected,
            ),
        ),
    ];
    for (name, source) in cases {
        if let Err(e) = std::fs::write(out_dir.join(name), source) {
            return fail(&format!("{}: {e}", out_dir.display()));
        }
    }
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("ovhcloud build: {message}");
    ExitCode::FAILURE
}
