//! `progenitor-bench-gen OUT_DIR NAME=SPEC.json…`: writes `OUT_DIR/NAME.rs`, progenitor's client
//! for each OpenAPI 3 document, with progenitor's default settings.
//!
//! progenitor cannot take OVH's renditions as they are, so each is patched in memory, as little
//! as it takes, and every change is reported, one line each, on stdout:
//!
//! ```text
//! PATCH <tab> NAME <tab> what was changed
//! OK    <tab> NAME <tab> bytes written
//! FAIL  <tab> NAME <tab> why
//! ```
//!
//! The patches: an `operationId` (`{method}_{path}`) for each operation without one; the path
//! parameters an operation leaves undeclared; and, in an enum whose values make the same Rust
//! variant name (`PAYPAL`, `paypal`), all but the first of them. The exit status is non-zero
//! only when the arguments are wrong: a document progenitor still rejects is a `FAIL` line, and
//! the others are generated.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::process::ExitCode;

use proc_macro2::TokenStream;
use serde_json::{Map, Value};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// More enums than that to patch in one document would be another problem than a few odd values.
const MAX_ENUM_PATCHES: usize = 50;

fn main() -> ExitCode {
    // Panics are caught, and patched around or reported as `FAIL` lines: keep stderr quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((out_dir, specs)) = args.split_first() else {
        eprintln!("usage: progenitor-bench-gen OUT_DIR NAME=SPEC.json…");
        return ExitCode::FAILURE;
    };
    for spec in specs {
        let Some((name, path)) = spec.split_once('=') else {
            eprintln!("expected NAME=SPEC.json, got {spec:?}");
            return ExitCode::FAILURE;
        };
        let out = Path::new(out_dir).join(format!("{name}.rs"));
        let mut report = |patch: String| println!("PATCH\t{name}\t{patch}");
        match generate(Path::new(path), &out, &mut report) {
            Ok(bytes) => println!("OK\t{name}\t{bytes}"),
            Err(e) => println!("FAIL\t{name}\t{}", e.replace(['\n', '\t'], " ")),
        }
    }
    ExitCode::SUCCESS
}

/// Reads, patches and generates one document; returns the size of the code written.
fn generate(spec: &Path, out: &Path, report: &mut dyn FnMut(String)) -> Result<usize, String> {
    let text = std::fs::read_to_string(spec).map_err(|e| format!("{}: {e}", spec.display()))?;
    let mut doc: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let added = add_operation_ids(&mut doc);
    if added > 0 {
        report(format!(
            "added operationId {{method}}_{{path}} to {added} operations"
        ));
    }
    for (path, name) in declare_path_parameters(&mut doc) {
        report(format!(
            "declared path parameter {{{name}}} in an operation of {path} that lacked it"
        ));
    }
    // typify rejects such an enum by panicking, one enum at a time: drop the colliding values
    // of the enum it names and try again.
    for _ in 0..MAX_ENUM_PATCHES {
        let panic = match tokens(&doc)? {
            Ok(tokens) => return write(tokens, out),
            Err(panic) => panic,
        };
        let dropped = colliding_enum_values(&panic)
            .map(|values| drop_enum_values(&mut doc, &values))
            .filter(|dropped| !dropped.is_empty())
            .ok_or_else(|| format!("progenitor panicked: {panic}"))?;
        report(format!(
            "dropped enum value(s) {} (typify: {panic})",
            dropped.join(", ")
        ));
    }
    Err(format!(
        "still failing after {MAX_ENUM_PATCHES} enum patches"
    ))
}

/// progenitor's code for the document, or the message of the panic it ended in.
fn tokens(doc: &Value) -> Result<Result<TokenStream, String>, String> {
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(doc.clone()).map_err(|e| format!("not OpenAPI 3: {e}"))?;
    let mut generator = progenitor::Generator::new(&progenitor::GenerationSettings::default());
    match std::panic::catch_unwind(AssertUnwindSafe(|| generator.generate_tokens(&spec))) {
        Ok(result) => result.map(Ok).map_err(|e| format!("progenitor: {e}")),
        Err(panic) => Ok(Err(panic_message(panic))),
    }
}

fn write(tokens: TokenStream, out: &Path) -> Result<usize, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("unparsable output: {e}"))?;
    let code = prettyplease::unparse(&file);
    std::fs::write(out, &code).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(code.len())
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    match panic.downcast::<String>() {
        Ok(message) => *message,
        Err(panic) => panic
            .downcast_ref::<&str>()
            .map_or("(no message)".into(), |s| s.to_string()),
    }
}

/// Gives every operation without one an `operationId` from its method and path, unique in the
/// document (the existing ones included) once progenitor has turned it into a snake-case name.
fn add_operation_ids(doc: &mut Value) -> usize {
    let mut operations: Vec<(String, &mut Map<String, Value>)> = operations(doc)
        .map(|(path, method, op)| (snake_case(&format!("{method}_{path}")), op))
        .collect();
    let mut taken: HashSet<String> = operations
        .iter()
        .filter_map(|(_, op)| op.get("operationId")?.as_str().map(snake_case))
        .collect();
    let mut added = 0;
    for (base, operation) in &mut operations {
        if operation.contains_key("operationId") {
            continue;
        }
        let id = (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}_{n}")
                }
            })
            .find(|id| !taken.contains(id))
            .expect("an unbounded range has a free suffix");
        taken.insert(id.clone());
        operation.insert("operationId".into(), Value::String(id));
        added += 1;
    }
    added
}

/// Declares the `{name}`s of a path that one of its operations leaves undeclared (progenitor
/// panics on them), copying the declaration of another operation of the path when there is
/// one; returns (path, name) for each.
fn declare_path_parameters(doc: &mut Value) -> Vec<(String, String)> {
    let mut declared = Vec::new();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return declared;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for name in template_names(path) {
            let declaration = item
                .values()
                .flat_map(path_parameters)
                .find(|p| p["name"] == name.as_str())
                .cloned()
                .unwrap_or_else(|| {
                    serde_json::json!({
                        "in": "path", "name": name, "required": true,
                        "schema": { "type": "string" }
                    })
                });
            for (method, operation) in item.iter_mut() {
                if !METHODS.contains(&method.as_str())
                    || path_parameters(operation).any(|p| p["name"] == name.as_str())
                {
                    continue;
                }
                let parameters = operation
                    .as_object_mut()
                    .map(|op| {
                        op.entry("parameters")
                            .or_insert_with(|| Value::Array(vec![]))
                    })
                    .and_then(Value::as_array_mut);
                if let Some(parameters) = parameters {
                    parameters.push(declaration.clone());
                    declared.push((path.clone(), name.clone()));
                }
            }
        }
    }
    declared
}

/// `Failed to make unique variant names for [PAYPAL,paypal]` → `["PAYPAL", "paypal"]`.
fn colliding_enum_values(panic: &str) -> Option<Vec<String>> {
    let list = panic
        .strip_prefix("Failed to make unique variant names for [")?
        .strip_suffix(']')?;
    Some(list.split(',').map(str::to_owned).collect())
}

/// In every string `enum` holding all of `values`, keeps the first of each group of them that
/// differ only in case and punctuation (`PAYPAL`, `paypal`) and drops the others; returns those.
fn drop_enum_values(doc: &mut Value, values: &[String]) -> Vec<String> {
    let mut dropped = Vec::new();
    for_each_enum(doc, &mut |variants| {
        let holds_all = values
            .iter()
            .all(|v| variants.iter().any(|x| x.as_str() == Some(v)));
        if !holds_all {
            return;
        }
        let mut kept_keys = Vec::new();
        variants.retain(|variant| {
            let Some(text) = variant.as_str().filter(|t| values.iter().any(|v| v == t)) else {
                return true;
            };
            let key = variant_key(text);
            if kept_keys.contains(&key) {
                dropped.push(text.to_owned());
                false
            } else {
                kept_keys.push(key);
                true
            }
        });
    });
    dropped.sort();
    dropped.dedup();
    dropped
}

/// What a variant name keeps of a value: its letters and digits, case aside.
fn variant_key(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn for_each_enum(value: &mut Value, visit: &mut dyn FnMut(&mut Vec<Value>)) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Array(variants)) = object.get_mut("enum") {
                visit(variants);
            }
            for child in object.values_mut() {
                for_each_enum(child, visit);
            }
        }
        Value::Array(items) => {
            for child in items {
                for_each_enum(child, visit);
            }
        }
        _ => {}
    }
}

/// Every operation of the document, as (path, method, operation).
fn operations(
    doc: &mut Value,
) -> impl Iterator<Item = (&String, &String, &mut Map<String, Value>)> {
    doc.get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.iter_mut())
        .filter_map(|(path, item)| Some((path, item.as_object_mut()?)))
        .flat_map(|(path, item)| {
            item.iter_mut()
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .filter_map(move |(method, op)| Some((path, method, op.as_object_mut()?)))
        })
}

/// The inline `in: path` parameters of an operation.
fn path_parameters(operation: &Value) -> impl Iterator<Item = &Value> {
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "path")
}

/// `/a/{b}/c/{d}` → `b`, `d`.
fn template_names(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// `get_/dedicated/server/{serviceName}` → `get_dedicated_server_service_name`.
fn snake_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    out.split('_')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}
