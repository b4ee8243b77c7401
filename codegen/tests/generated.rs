//! The committed `generated/` directory is exactly what the generator makes of `schemas/`, and
//! the generator's output is deterministic.

use std::path::{Path, PathBuf};

use ovhcloud_codegen::{generate, GeneratedFile, Selection};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn committed_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("generated/ exists") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn generated_dir_is_current() {
    let generation = generate(&repo().join("schemas"), &Selection::All).unwrap();
    assert_eq!(
        generation.errors().count(),
        0,
        "the sample schemas are valid"
    );
    let dir = repo().join("generated");
    let expected: Vec<PathBuf> = generation.files.iter().map(|f| f.path.clone()).collect();
    assert_eq!(
        committed_files(&dir),
        expected,
        "file list differs; run: cargo run -p ovhcloud-codegen -- generate"
    );
    for GeneratedFile { path, contents } in &generation.files {
        let committed = std::fs::read_to_string(dir.join(path)).unwrap();
        assert!(
            committed == *contents,
            "generated/{} is stale; run: cargo run -p ovhcloud-codegen -- generate",
            path.display()
        );
    }
}

#[test]
fn output_is_deterministic() {
    let a = generate(&repo().join("schemas"), &Selection::All).unwrap();
    let b = generate(&repo().join("schemas"), &Selection::All).unwrap();
    assert_eq!(a.files, b.files);
}

#[test]
fn real_mirror_output_is_deterministic() {
    let mirror = repo().join("../shared/ovh-schemas");
    if !mirror.exists() {
        eprintln!("skipped: no mirror at {}", mirror.display());
        return;
    }
    let a = generate(&mirror, &Selection::All).unwrap();
    let b = generate(&mirror, &Selection::All).unwrap();
    assert_eq!(
        a.errors().count(),
        0,
        "{:?}",
        a.errors().take(5).collect::<Vec<_>>()
    );
    assert_eq!(a.summary().apis, 84);
    assert_eq!(a.files, b.files);
}

#[test]
fn one_api_needs_only_its_models() {
    let all = generate(&repo().join("schemas"), &Selection::All).unwrap();
    let one = generate(
        &repo().join("schemas"),
        &Selection::Only(vec!["auth".into()]),
    )
    .unwrap();
    assert_eq!(one.selected.len(), 1);
    assert!(one.summary().models < all.summary().models);
    let models: Vec<_> = one
        .files
        .iter()
        .filter(|f| f.path.starts_with("models/"))
        .map(|f| f.path.display().to_string())
        .collect();
    assert_eq!(models, ["models/auth.rs"]);
    // A shared model has the same shape whichever APIs are selected.
    let me = generate(&repo().join("schemas"), &Selection::Only(vec!["me".into()])).unwrap();
    let nic = |g: &ovhcloud_codegen::Generation| {
        g.files
            .iter()
            .find(|f| f.path.ends_with("models/nichandle.rs"))
            .unwrap()
            .contents
            .clone()
    };
    assert!(
        nic(&me).contains("\"QC\""),
        "values only newAccount lists are merged in even without newAccount"
    );
    assert_eq!(nic(&me).matches("pub enum OvhSubsidiaryEnum").count(), 1);
}

#[test]
fn unknown_api_names_are_refused() {
    let err = generate(
        &repo().join("schemas"),
        &Selection::Only(vec!["nope".into()]),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("nope") && text.contains("ovhCloudConnect"),
        "{text}"
    );
}

#[test]
fn sample_manifest_is_current() {
    let generation = generate(&repo().join("schemas"), &Selection::Only(vec![])).unwrap();
    let manifest = ovhcloud_codegen::manifest::Manifest::from_ir(&generation.ir).to_json();
    let committed = std::fs::read_to_string(repo().join("schemas/manifest.json")).unwrap();
    assert!(committed == manifest, "schemas/manifest.json is stale; run: cargo run -p ovhcloud-codegen -- manifest > schemas/manifest.json");
}

/// Cargo.toml must declare one feature per API of OVH's listings (and of the samples).
#[test]
fn cargo_features_cover_every_api() {
    let cargo_toml = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let mut dirs = vec![repo().join("schemas")];
    let mirror = repo().join("../shared/ovh-schemas");
    if mirror.exists() {
        dirs.push(mirror);
    }
    for dir in dirs {
        let generation = generate(&dir, &Selection::Only(vec![])).unwrap();
        for api in &generation.ir.apis {
            let feature = api.feature();
            assert!(
                cargo_toml.contains(&format!("\n{feature} = []")),
                "Cargo.toml lacks feature `{feature}` ({})",
                api.name
            );
            assert!(
                cargo_toml.contains(&format!("    \"{feature}\",\n")),
                "`all` lacks `{feature}`"
            );
        }
    }
}

/// A new endpoint whose name collides with an existing one does not rename it when the manifest
/// of the previous generation sits beside the schemas.
#[test]
fn the_manifest_keeps_method_names_when_endpoints_are_added() {
    use ovhcloud_codegen::manifest::Manifest;
    let op = |path: &str, params: &str| {
        format!(
            r#"{{"path":"{path}","operations":[{{"apiStatus":{{"value":"PRODUCTION"}},"httpMethod":"GET",
            "parameters":[{params}],"responseType":"string[]","noAuthentication":false}}],"description":""}}"#
        )
    };
    let x = r#"{"name":"x","dataType":"string","paramType":"path","fullType":"string","required":true}"#;
    let schema = |apis: &[String]| {
        format!(
            r#"{{"apiVersion":"1.0","apis":[{}],"resourcePath":"/a","models":{{}}}}"#,
            apis.join(",")
        )
    };
    let dir = std::env::temp_dir().join(format!("ovhcloud-lock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("v1")).unwrap();
    let names = |g: &ovhcloud_codegen::Generation| Manifest::from_ir(&g.ir).apis[0].methods.clone();

    std::fs::write(dir.join("v1/a.json"), schema(&[op("/a/{x}/loc", x)])).unwrap();
    let first = generate(&dir, &Selection::All).unwrap();
    assert_eq!(names(&first)["GET /a/{x}/loc"], "get_loc");

    // Without a lock, the colliding pair both get parameter names.
    std::fs::write(
        dir.join("v1/a.json"),
        schema(&[op("/a/loc", ""), op("/a/{x}/loc", x)]),
    )
    .unwrap();
    let unlocked = generate(&dir, &Selection::All).unwrap();
    assert_eq!(names(&unlocked)["GET /a/{x}/loc"], "get_by_x_loc");

    // With the first generation's manifest, the existing method keeps its name.
    std::fs::write(
        dir.join("manifest.json"),
        Manifest::from_ir(&first.ir).to_json(),
    )
    .unwrap();
    let locked = generate(&dir, &Selection::All).unwrap();
    assert_eq!(locked.errors().count(), 0);
    let locked_names = names(&locked);
    assert_eq!(locked_names["GET /a/{x}/loc"], "get_loc");
    assert_eq!(locked_names["GET /a/loc"], "get_loc2");
    let api = locked
        .files
        .iter()
        .find(|f| f.path.ends_with("apis/a.rs"))
        .unwrap();
    assert!(api.contents.contains("pub fn get_loc(") && api.contents.contains("pub fn get_loc2("));

    // A broken manifest is reported with its file and pointer, not ignored.
    std::fs::write(dir.join("manifest.json"), r#"{"apis":[{"branch":1}]}"#).unwrap();
    let broken = generate(&dir, &Selection::All).unwrap();
    let error = broken.errors().next().expect("an error").to_string();
    assert!(
        error.contains("manifest.json: at /apis/0/branch"),
        "{error}"
    );
}
