//! Builds of a throwaway project depending on this crate, against other snapshots.
//!
//! The semver proof: a program written against the client generated from an old snapshot
//! (`codegen/tests/fixtures/semver/old`) is compiled against the client generated from each
//! newer snapshot beside it. Where `ovhcloud-codegen diff` finds nothing breaking (an added enum
//! value, response field, optional parameter or body field, operation, model), the program must
//! still compile; where it reports a breaking change, the program must not.
//!
//! The lock: a snapshot whose files do not match its lock does not build, and the error names
//! the file.
//!
//! Each build is a real `cargo check` of a throwaway project depending on this crate, with
//! `OVHCLOUD_SCHEMAS_DIR` naming the snapshot, in its own target directory
//! (`target/semver-proof`, offline, dependencies from the local cache).

use std::path::{Path, PathBuf};
use std::process::Command;

use ovhcloud_codegen::diff;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    repo().join("codegen/tests/fixtures/semver")
}

/// A project whose `main.rs` is `user.rs`, depending on this crate with the `me` API only.
fn user_project() -> PathBuf {
    project(
        "user",
        &std::fs::read_to_string(fixtures().join("user.rs")).unwrap(),
    )
}

/// A project `name` with this `main.rs`, depending on this crate with the `me` API only.
fn project(name: &str, main: &str) -> PathBuf {
    let dir = repo().join("target/semver-proof").join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = format!(
        r#"[package]
name = "semver-user"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
ovhcloud = {{ path = "{}", default-features = false, features = ["me"] }}

[workspace]
"#,
        repo().display()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

/// `cargo check` of the project against `snapshot`: Ok, or the compiler's errors.
fn check(project: &Path, snapshot: &Path) -> Result<(), String> {
    let output = Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet", "--message-format=short"])
        .current_dir(project)
        .env(
            "CARGO_TARGET_DIR",
            repo().join("target/semver-proof/target"),
        )
        .env("OVHCLOUD_SCHEMAS_DIR", snapshot)
        .output()
        .expect("cargo runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn programs_written_against_an_old_snapshot_compile_where_the_diff_says_non_breaking() {
    let project = user_project();
    let old = fixtures().join("old");
    let old_snapshot = diff::Snapshot::load(&old).expect("old snapshot loads");
    if let Err(errors) = check(&project, &old) {
        panic!("the program does not compile against the snapshot it was written for:\n{errors}");
    }
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "old"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 6, "{cases:?}");
    let mut failures = Vec::new();
    for new in &cases {
        let name = new.file_name().unwrap().to_string_lossy().into_owned();
        let report = diff::compare(
            &old_snapshot,
            &diff::Snapshot::load(new).expect("snapshot loads"),
        );
        let breaking = report.breaking() > 0;
        let text = diff::render(&report, diff::Format::Text);
        if report.changes.is_empty() {
            failures.push(format!("{name}: the diff finds no change"));
        }
        match (breaking, check(&project, new)) {
            (false, Ok(())) => {}
            // A compiler error in the program, not a build that failed for another reason.
            (true, Err(errors)) if errors.contains("src/main.rs") && errors.contains("error[E") => {}
            (true, Err(errors)) => failures.push(format!(
                "{name}: the build failed, but not on the program:\n{errors}"
            )),
            (false, Err(errors)) => failures.push(format!(
                "{name}: the diff says non-breaking, but the old program does not compile:\n{errors}"
            )),
            (true, Ok(())) => failures.push(format!(
                "{name}: the diff says breaking, yet the old program still compiles"
            )),
        }
        if name == "additive" {
            assert!(!breaking, "additive changes are not breaking:\n{text}");
        } else {
            assert!(breaking, "{name} is breaking:\n{text}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_snapshot_that_does_not_match_its_lock_does_not_build() {
    use ovhcloud_codegen::manifest::{Manifest, FILE_NAME};
    use ovhcloud_codegen::{generate, Selection};

    let dir = repo().join("target/semver-proof/tampered");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("v1")).unwrap();
    let me = dir.join("v1/me.json");
    std::fs::copy(fixtures().join("old/v1/me.json"), &me).unwrap();
    let generation = generate(&dir, &Selection::Only(vec![])).unwrap();
    let lock = Manifest::from_ir(&generation.ir, &Default::default(), None);
    std::fs::write(dir.join(FILE_NAME), lock.to_json()).unwrap();

    // Its own project: tests run in parallel, and each rewrites its project's files.
    let project = project(
        "lock",
        &std::fs::read_to_string(fixtures().join("user.rs")).unwrap(),
    );
    if let Err(errors) = check(&project, &dir) {
        panic!("the locked snapshot does not build:\n{errors}");
    }
    // One byte more in a description: same API, different file.
    let text = std::fs::read_to_string(&me).unwrap();
    std::fs::write(
        &me,
        text.replacen("List your widgets", "List your widgets.", 1),
    )
    .unwrap();
    let errors = check(&project, &dir).expect_err("a tampered snapshot must not build");
    assert!(
        errors.contains("me.json") && errors.contains("does not match the lock"),
        "{errors}"
    );
}

/// Types no file defines degrade (a string parameter, a JSON value body or response) and the
/// crate still builds: the degraded methods are there, typed as such.
#[test]
fn a_snapshot_with_unknown_types_builds_degraded() {
    let dir = repo().join("target/semver-proof/degraded");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("v1")).unwrap();
    let text = std::fs::read_to_string(fixtures().join("old/v1/me.json")).unwrap();
    let degraded = text
        .replace(
            r#""dataType": "widget.KindEnum""#,
            r#""dataType": "widget.GoneEnum""#,
        )
        .replace(
            r#""fullType": "widget.KindEnum""#,
            r#""fullType": "widget.GoneEnum""#,
        )
        .replace(
            r#""dataType": "widget.Creation""#,
            r#""dataType": "widget.Gone""#,
        )
        .replace(
            r#""fullType": "widget.Creation""#,
            r#""fullType": "widget.Gone""#,
        );
    assert_ne!(
        degraded, text,
        "the fixture changed shape: update this test"
    );
    std::fs::write(dir.join("v1/me.json"), degraded).unwrap();
    let main = r#"
pub async fn exercise(client: &ovhcloud::Client) -> ovhcloud::Result<()> {
    let me = client.me();
    let _ids: Vec<i64> = me.get_widget().kind("big").await?;
    let body = serde_json::json!({"name": "w", "kind": "big"});
    let _created: ovhcloud::models::widget::Widget = me.post_widget(&body).await?;
    Ok(())
}
fn main() {
    let _ = exercise;
}
"#;
    let project = project("degraded", main);
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    std::fs::write(
        project.join("Cargo.toml"),
        manifest.replace("[workspace]", "serde_json = \"1\"\n\n[workspace]"),
    )
    .unwrap();
    if let Err(errors) = check(&project, &dir) {
        panic!("the degraded snapshot does not build:\n{errors}");
    }
}
