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
