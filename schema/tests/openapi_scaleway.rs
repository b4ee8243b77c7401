//! Scaleway's own OpenAPI documents (`../shared/reference/scaleway/`: InterLink, VPC v1 and v2,
//! Instance) read into the model: every operation and model is kept or its loss is reported
//! with the file and JSON pointer.
#![cfg(feature = "yaml")]

use std::path::Path;

use ovhcloud_schema::{model, openapi};

#[test]
fn scaleway_documents_read_into_the_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/scaleway");
    if !dir.is_dir() {
        eprintln!("SKIPPED: {} is not there", dir.display());
        return;
    }
    for name in [
        "scaleway.interlink.v1beta1.derived.openapi.yml",
        "scaleway.vpc.v1.Api.yml",
        "scaleway.vpc.v2.Api.yml",
        "scaleway.instance.v1.Api.yml",
    ] {
        let read = openapi::load(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
        let paths: usize = read
            .schema
            .doc
            .apis
            .iter()
            .map(|p| p.operations.len())
            .sum();
        let openapi::OpenApi {
            schema,
            warnings,
            locations: _,
        } = read;
        let ir = model::build(vec![schema]);
        // Every operation is kept, PATCH ones included.
        assert_eq!(ir.operation_count(), paths, "{name}");
        assert!(ir.errors.is_empty(), "{name}: {:?}", ir.errors);
        assert!(ir.warnings.is_empty(), "{name}: {:?}", ir.warnings);
        // Only the Instance API's `text/plain` user data body is not JSON.
        for warning in &warnings {
            assert!(warning.message.starts_with("no JSON content"), "{warning}");
        }
        assert!(!ir.models.is_empty(), "{name}");
        if name.contains("interlink") {
            // Every named schema of InterLink is a model, and the one `region` enum of its 23
            // operations is one model, not one per operation.
            for model in [
                "Link",
                "LinkStatus",
                "RoutingPolicy",
                "DedicatedConnection",
                "Pop",
                "Partner",
            ] {
                let key = format!("scaleway.interlink.v1beta1.{model}");
                assert!(ir.models.contains_key(&key), "{key}");
            }
            let regions = ir
                .models
                .keys()
                .filter(|k| k.starts_with("inline.Region"))
                .count();
            assert_eq!(regions, 1, "{:?}", ir.models.keys().collect::<Vec<_>>());
        }
    }
}
