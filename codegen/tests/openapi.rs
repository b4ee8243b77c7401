//! Every stage after the reader is shared: an OpenAPI document (Scaleway's InterLink API, YAML)
//! is modelled, planned and emitted like a native one, and what comes out is Rust that parses.
#![cfg(feature = "format")]

use std::path::Path;

use ovhcloud_codegen::{emit, model, plan};
use ovhcloud_schema::openapi;

#[test]
fn an_openapi_document_is_planned_and_emitted_like_a_native_one() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/scaleway/scaleway.interlink.v1beta1.derived.openapi.yml");
    if !file.is_file() {
        eprintln!("SKIPPED: {} is not there", file.display());
        return;
    }
    let read = openapi::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let ir = model::build(vec![read.schema]);
    let plan = plan::Plan::new(&ir, &plan::Lock::default());
    let files = emit::emit(&ir, &plan, &[0]).unwrap_or_else(|e| panic!("{e}"));
    let api = files
        .iter()
        .find(|f| f.path.starts_with("apis/") && f.path.extension().is_some_and(|x| x == "rs"))
        .expect("an API file");
    for file in &files {
        syn::parse_file(&file.contents)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.path.display()));
    }
    // One method per operation, PATCH ones included, each documented.
    let methods = api.contents.matches("    pub fn ").count();
    assert!(methods >= ir.operation_count(), "{methods} methods");
    assert!(api
        .contents
        .contains("/interlink/v1beta1/regions/{region}/links"));
    assert!(api.contents.contains("crate::Method::Patch"));
    let models: String = files
        .iter()
        .filter(|f| f.path.starts_with("models"))
        .map(|f| f.contents.as_str())
        .collect();
    assert!(models.contains("pub struct Link {"), "the Link model");
    assert!(
        models.contains("pub enum BgpStatus {"),
        "the BgpStatus enum"
    );
}

/// The `scaleway-interlink` crate builds from a JSON copy of the reference YAML
/// (`scaleway/schemas/SOURCES.md`): both must give the same Rust, but for the file's hash.
#[test]
fn the_crate_schema_is_the_reference_document() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let yaml =
        root.join("../shared/reference/scaleway/scaleway.interlink.v1beta1.derived.openapi.yml");
    if !yaml.exists() {
        eprintln!("SKIPPED: {} is not there", yaml.display());
        return;
    }
    let json = root.join("scaleway/schemas/interlink.v1beta1.json");
    let options = ovhcloud_codegen::plan::PlanOptions::scaleway();
    let from_yaml = ovhcloud_codegen::generate_openapi(&yaml, &options).unwrap();
    let from_json = ovhcloud_codegen::generate_openapi(&json, &options).unwrap();
    assert_eq!(from_json.errors().count(), 0);
    assert_eq!(from_json.warnings().count(), 0);
    let without_hash = |g: &ovhcloud_codegen::Generation| -> Vec<(std::path::PathBuf, String)> {
        g.files
            .iter()
            .map(|f| {
                let text: Vec<&str> = f
                    .contents
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("sha256:"))
                    .collect();
                (f.path.clone(), text.join("\n"))
            })
            .collect()
    };
    assert_eq!(without_hash(&from_yaml), without_hash(&from_json));
    // Methods are named after Scaleway's operationIds, as its SDKs name them.
    let api = &from_json.plan.apis[0];
    let names: Vec<&str> = api.operations.iter().map(|o| o.method.as_str()).collect();
    for name in [
        "list_links",
        "create_link",
        "attach_vpc",
        "update_routing_policy",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    // Lists answered by numbered pages stream their items.
    let paged: Vec<&str> = api
        .operations
        .iter()
        .filter_map(|o| o.numbered_pages.as_ref().map(|p| p.items.as_str()))
        .collect();
    assert_eq!(
        paged,
        [
            "connections",
            "links",
            "partners",
            "pops",
            "routing_policies"
        ]
    );
}
