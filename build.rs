//! Generates the typed API modules into `OUT_DIR` for the enabled cargo features.
//!
//! Schemas come from `schemas/` (the project's samples) unless `OVHCLOUD_SCHEMAS_DIR` names
//! another directory, such as a mirror of OVH's real schemas. All schemas are read, so that a
//! model shared by several APIs has the same shape whichever of them are enabled; only the
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
    let errors: Vec<String> = generation.errors().map(|e| e.to_string()).collect();
    if !errors.is_empty() {
        return fail(&format!(
            "invalid schemas in {}:\n  {}",
            schemas.display(),
            errors.join("\n  ")
        ));
    }
    if let Err(e) = write_files(&out_dir, &generation.files) {
        return fail(&e.to_string());
    }
    // Read by tests/round_trip.rs only; a list of names, cheap to write.
    let cases = ovhcloud_codegen::emit::round_trip_cases(&generation.ir, &generation.selected);
    if let Err(e) = std::fs::write(out_dir.join("round_trip_cases.rs"), cases) {
        return fail(&format!("{}: {e}", out_dir.display()));
    }
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("ovhcloud build: {message}");
    ExitCode::FAILURE
}
