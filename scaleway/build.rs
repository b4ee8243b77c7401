//! Generates the InterLink API into `OUT_DIR` from `schemas/interlink.v1beta1.json`, Scaleway's
//! OpenAPI 3.1 description, with the generator of the `ovhcloud` crate: same model, plan and
//! emitter; Scaleway's SDK conventions: methods named after `operationId`s, and the region, zone
//! and project filled in from the client's configuration unless a call sets them.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let schema = manifest_dir.join("schemas/interlink.v1beta1.json");
    println!("cargo:rerun-if-changed={}", schema.display());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let options = ovhcloud_codegen::plan::PlanOptions::scaleway();
    let generation = match ovhcloud_codegen::generate_openapi(&schema, &options) {
        Ok(g) => g,
        Err(e) => return fail(&e.to_string()),
    };
    let errors: Vec<String> = generation.errors().map(|e| e.to_string()).collect();
    if !errors.is_empty() {
        return fail(&format!("invalid schema:\n  {}", errors.join("\n  ")));
    }
    // What was degraded to keep the rest is said; none today.
    for warning in generation.warnings() {
        println!("cargo:warning=schema: {warning}");
    }
    match ovhcloud_codegen::write_files(&out_dir, &generation.files) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

fn fail(message: &str) -> ExitCode {
    for line in message.lines() {
        println!("cargo:warning={line}");
    }
    eprintln!("{message}");
    ExitCode::FAILURE
}
