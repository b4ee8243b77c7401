//! The generator's stages only read backwards: reader → model (crate `ovhcloud-schema`) → plan →
//! emit, with the manifest reading the plan. A stage that reached forward would bring back the
//! circle the plan stage removed (names decided while printing, a lock computed from the
//! printer's naming), so this test reads the sources and fails on any such reference.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// Modules of `ovhcloud-codegen` that files under a path may not name, and why.
const CODEGEN_RULES: &[(&str, &[&str], &str)] = &[
    (
        "codegen/src/plan",
        &["emit", "manifest", "diff", "fetch"],
        "the plan decides before anything is printed or locked",
    ),
    (
        "codegen/src/manifest.rs",
        &["emit", "diff", "fetch"],
        "the lock is written from the plan's names, not from the emitter's",
    ),
    (
        "codegen/src/emit",
        &["manifest", "diff", "fetch"],
        "the emitter prints a model and its plan, nothing else",
    ),
    (
        "codegen/src/naming.rs",
        &["plan", "emit", "manifest", "diff", "fetch"],
        "naming is the plan's toolbox",
    ),
];

/// Modules of `ovhcloud-schema` that files under a path may not name, and why.
const SCHEMA_RULES: &[(&str, &[&str], &str)] = &[
    (
        "schema/src/reader.rs",
        &["model", "examples"],
        "the reader comes before the model",
    ),
    (
        "schema/src/typeexpr.rs",
        &["model", "examples"],
        "type expressions are read before the model",
    ),
    (
        "schema/src/model.rs",
        &["examples"],
        "examples are built from the model",
    ),
];

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let mut files = Vec::new();
    let mut stack = vec![path.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The source without comments (documentation may name any stage).
fn code(source: &str) -> String {
    source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every path starting with `crate::`, including each member of a
/// `crate::{a, b::c}` group: `crate::emit::rust_type` → `emit`.
fn crate_modules(code: &str) -> Vec<String> {
    modules_under(code, "crate::")
}

/// The same for paths starting with `prefix` (`super::`).
fn modules_under(code: &str, prefix: &str) -> Vec<String> {
    let mut modules = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        let rest = &code[at + prefix.len()..];
        match rest.strip_prefix('{') {
            Some(group) => modules.extend(group_members(group)),
            None => modules.push(leading_ident(rest).to_owned()),
        }
    }
    modules
}

/// The first segment of each member of a `{…}` group, `group` starting after the brace.
fn group_members(group: &str) -> Vec<String> {
    let mut members = vec![leading_ident(group.trim_start()).to_owned()];
    let mut depth = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                members.push(leading_ident(group[i + 1..].trim_start()).to_owned())
            }
            _ => {}
        }
    }
    members.retain(|m| !m.is_empty());
    members
}

fn leading_ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

fn violations(rules: &[(&str, &[&str], &str)]) -> Vec<String> {
    let mut found = Vec::new();
    for (under, forbidden, why) in rules {
        for file in rust_files(&repo().join(under)) {
            let source = std::fs::read_to_string(&file).unwrap();
            let code = code(&source);
            for module in crate_modules(&code) {
                if forbidden.contains(&module.as_str()) {
                    found.push(format!("{} names crate::{module}: {why}", file.display()));
                }
            }
            if code.contains("super::super") {
                found.push(format!(
                    "{} reaches out through super::super",
                    file.display()
                ));
            }
        }
    }
    found
}

#[test]
fn codegen_stages_only_read_backwards() {
    let found = violations(CODEGEN_RULES);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn schema_stages_only_read_backwards() {
    let found = violations(SCHEMA_RULES);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The schema crate knows nothing of the generator: no dependency, no reference, and no Rust
/// names of its own to lock.
#[test]
fn the_schema_crate_does_not_know_the_generator() {
    let manifest = std::fs::read_to_string(repo().join("schema/Cargo.toml")).unwrap();
    assert!(
        !manifest.contains("ovhcloud-codegen"),
        "schema/Cargo.toml depends on the generator"
    );
    for file in rust_files(&repo().join("schema/src")) {
        let code = code(&std::fs::read_to_string(&file).unwrap());
        for name in ["ovhcloud_codegen", "method_lock", "type_lock"] {
            assert!(!code.contains(name), "{} mentions {name}", file.display());
        }
    }
}

/// Inside the plan, the type references are at the bottom, the shapes above them, the derives
/// above the shapes, and the table above all three: no circle between them.
#[test]
fn plan_modules_only_read_downwards() {
    let rules: &[(&str, &[&str])] = &[
        ("refs.rs", &["structs", "derives", "types"]),
        ("structs.rs", &["derives", "types"]),
        ("derives.rs", &["types"]),
    ];
    let mut found = Vec::new();
    for (file, forbidden) in rules {
        let path = repo().join("codegen/src/plan").join(file);
        let code = code(&std::fs::read_to_string(&path).unwrap());
        for module in modules_under(&code, "super::") {
            if forbidden.contains(&module.as_str()) {
                found.push(format!("plan/{file} names super::{module}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The scanner itself: grouped imports and nested groups are seen, comments are not.
#[test]
fn the_scanner_sees_grouped_imports() {
    let source = "use crate::{model::Ir, emit::{self, x}};\n// crate::manifest\nlet a = crate::plan::Plan::new();";
    assert_eq!(crate_modules(&code(source)), ["model", "emit", "plan"]);
}
