//! Real response bodies (`tests/fixtures/responses/`, recorded from the real API by other
//! projects: VCR cassettes, curl transcripts, test fixtures; see its SOURCES.md) decoded with
//! the generated type of their operation.
//!
//! - In the default (tolerant) mode every body decodes.
//! - What the decoder reports as deviations is exactly what an independent walk of the body
//!   against the schema model finds: every missing or null non-null member, every value its
//!   declared type does not read, every enum value the schema does not list — no more, no less.
//!   Strict mode fails on exactly these (tested over HTTP in tests/client_pipeline.rs).
//!
//! Needs the `all` feature (every API's operations); without it the test says it was skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ovhcloud::{Deviation, DeviationKind};
use ovhcloud_codegen::model::{EnumValues, Ir, ModelKind, TypeRef};
use ovhcloud_codegen::typeexpr::Primitive;
use ovhcloud_codegen::{generate, Selection};
use serde::de::DeserializeOwned;
use serde_json::Value;

type Check = fn(&str) -> Result<Vec<Deviation>, String>;

const CASES: &[(&str, Check)] = include!(concat!(env!("OUT_DIR"), "/response_cases.rs"));

fn check<T: DeserializeOwned>(
    body: &str,
    ids_from: Option<&str>,
) -> Result<Vec<Deviation>, String> {
    ovhcloud::codec::decode_body::<T>(body, ids_from).map(|(_, deviations)| deviations)
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One recorded body.
struct Recorded {
    file: PathBuf,
    operation: String,
    path: String,
    branch: String,
    body: Value,
}

fn corpus() -> Vec<Recorded> {
    let root = repo().join("tests/fixtures/responses");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()).filter(|p| p.is_dir()))
        .flat_map(|dir| std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let json: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let field = |k: &str| {
                json[k]
                    .as_str()
                    .unwrap_or_else(|| panic!("{}: no {k}", file.display()))
                    .to_owned()
            };
            let (method, path, branch) = (field("method"), field("path"), field("branch"));
            let prefix = if branch == "v2" { "/v2" } else { "" };
            Recorded {
                operation: format!("{method} {prefix}{path}"),
                path,
                branch,
                body: json["body"].clone(),
                file,
            }
        })
        .collect()
}

/// What a deviation is, as the independent walk can tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Missing,
    Null,
    /// The value is there but its declared type does not read it as is (retyped, reformatted
    /// or invalid, depending on whether a conversion exists).
    Form,
    UnknownEnumValue,
    ObjectsForIds,
}

fn class(kind: DeviationKind) -> Class {
    match kind {
        DeviationKind::Missing => Class::Missing,
        DeviationKind::Null => Class::Null,
        DeviationKind::UnknownEnumValue => Class::UnknownEnumValue,
        DeviationKind::ObjectsForIds => Class::ObjectsForIds,
        _ => Class::Form,
    }
}

/// Walks a body against the schema model and lists where it differs.
struct Oracle<'a> {
    ir: &'a Ir,
    found: Vec<(String, Class)>,
}

impl Oracle<'_> {
    fn walk(
        &mut self,
        ty: &TypeRef,
        value: &Value,
        path: &str,
        params: &BTreeMap<String, TypeRef>,
    ) {
        if value.is_null() && !matches!(ty, TypeRef::Primitive(Primitive::Any) | TypeRef::Unit) {
            self.found.push((path.to_owned(), Class::Null));
            return;
        }
        match ty {
            TypeRef::Unit => {}
            TypeRef::Param(name) => {
                if let Some(actual) = params.get(name) {
                    self.walk(&actual.clone(), value, path, &BTreeMap::new())
                }
            }
            TypeRef::Alias { target, .. } => self.walk(target, value, path, params),
            TypeRef::Primitive(p) => {
                if !reads(*p, value) {
                    self.found.push((path.to_owned(), Class::Form));
                }
            }
            TypeRef::Array(item) => match value.as_array() {
                Some(items) => {
                    for (i, v) in items.iter().enumerate() {
                        self.walk(item, v, &format!("{path}[{i}]"), params);
                    }
                }
                None => self.found.push((path.to_owned(), Class::Form)),
            },
            TypeRef::Map(_, v) => match value.as_object() {
                Some(members) => {
                    for (key, member) in members {
                        self.walk(v, member, &format!("{path}.{key}"), params);
                    }
                }
                None => self.found.push((path.to_owned(), Class::Form)),
            },
            TypeRef::Model { key, args } => self.model(key, args, value, path, params),
        }
    }

    fn model(
        &mut self,
        key: &str,
        args: &[TypeRef],
        value: &Value,
        path: &str,
        params: &BTreeMap<String, TypeRef>,
    ) {
        let model = &self.ir.models[key];
        match &model.kind {
            ModelKind::Enum(values) => {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return self.found.push((path.to_owned(), Class::Form)),
                };
                let listed = match values {
                    EnumValues::Strings(v) => v.contains(&text),
                    EnumValues::Integers(v) => text.parse::<i64>().is_ok_and(|n| v.contains(&n)),
                };
                if !listed {
                    self.found.push((path.to_owned(), Class::UnknownEnumValue));
                }
            }
            ModelKind::Object {
                generics,
                properties,
            } => {
                let Some(members) = value.as_object() else {
                    return self.found.push((path.to_owned(), Class::Form));
                };
                let bound: BTreeMap<String, TypeRef> = generics
                    .iter()
                    .cloned()
                    .zip(args.iter().map(|a| substitute(a, params)))
                    .collect();
                for p in properties {
                    let at = format!("{path}.{}", p.name);
                    let mandatory = self.ir.mandatory(key, p, None);
                    match members.get(&p.name) {
                        None if mandatory => self.found.push((at, Class::Missing)),
                        None => {}
                        Some(Value::Null) if !mandatory => {}
                        Some(v) => self.walk(&p.ty, v, &at, &bound),
                    }
                }
            }
        }
    }
}

fn substitute(ty: &TypeRef, params: &BTreeMap<String, TypeRef>) -> TypeRef {
    match ty {
        TypeRef::Param(name) => params.get(name).cloned().unwrap_or(ty.clone()),
        other => other.clone(),
    }
}

/// Whether the Rust type of a primitive reads this JSON value as it is.
fn reads(p: Primitive, value: &Value) -> bool {
    let text = value.as_str();
    let parses = |ok: fn(&str) -> bool| text.is_some_and(ok);
    match p {
        Primitive::Any => true,
        Primitive::Long => value.is_i64() || value.is_u64() && value.as_i64().is_some(),
        Primitive::Double => value.is_number(),
        Primitive::Boolean => value.is_boolean(),
        Primitive::Uuid => parses(|s| uuid::Uuid::from_str(s).is_ok()),
        Primitive::Date => parses(|s| chrono::NaiveDate::from_str(s).is_ok()),
        Primitive::DateTime => parses(|s| ovhcloud::types::DateTime::from_str(s).is_ok()),
        Primitive::Ip => parses(|s| std::net::IpAddr::from_str(s).is_ok()),
        Primitive::Ipv4 => parses(|s| std::net::Ipv4Addr::from_str(s).is_ok()),
        Primitive::Ipv6 => parses(|s| std::net::Ipv6Addr::from_str(s).is_ok()),
        Primitive::IpBlock => parses(|s| ovhcloud::types::IpBlock::from_str(s).is_ok()),
        Primitive::Ipv4Block => parses(|s| ovhcloud::types::Ipv4Block::from_str(s).is_ok()),
        Primitive::Ipv6Block => parses(|s| ovhcloud::types::Ipv6Block::from_str(s).is_ok()),
        _ => text.is_some(),
    }
}

/// The response type and id member of an operation, from the schema model.
fn response_of<'a>(ir: &'a Ir, recorded: &Recorded) -> (&'a TypeRef, Option<String>) {
    let api = ir
        .apis
        .iter()
        .filter(|a| format!("{:?}", a.branch).eq_ignore_ascii_case(&recorded.branch))
        .flat_map(|a| a.operations.iter().map(move |op| (a, op)))
        .find(|(_, op)| {
            op.path == recorded.path
                && recorded
                    .operation
                    .starts_with(&format!("{} ", op.method.as_str()))
        });
    let (api, op) = api.unwrap_or_else(|| {
        panic!(
            "{}: no operation {}",
            recorded.file.display(),
            recorded.operation
        )
    });
    let id_key = match op.method.as_str() {
        "GET" => ovhcloud_codegen::plan::collection_id_keys(api, ir).remove(&op.path),
        _ => None,
    };
    (&op.response, id_key)
}

fn expected(ir: &Ir, recorded: &Recorded) -> Vec<(String, Class)> {
    let (response, ids_from) = response_of(ir, recorded);
    if let (Some(key), Some(items)) = (&ids_from, recorded.body.as_array()) {
        let all_objects = !items.is_empty()
            && items
                .iter()
                .all(|i| i.get(key).is_some_and(|id| !id.is_object()));
        if all_objects {
            let ids = Value::Array(items.iter().map(|i| i[key].clone()).collect());
            let mut oracle = Oracle {
                ir,
                found: vec![(String::new(), Class::ObjectsForIds)],
            };
            oracle.walk(response, &ids, "", &BTreeMap::new());
            return oracle.found;
        }
    }
    let mut oracle = Oracle {
        ir,
        found: Vec::new(),
    };
    oracle.walk(response, &recorded.body, "", &BTreeMap::new());
    oracle.found
}

fn relative(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_recorded_body_decodes_and_reports_exactly_its_deviations() {
    let cases: BTreeMap<&str, Check> = CASES.iter().copied().collect();
    let recorded = corpus();
    assert!(recorded.len() >= 60, "{} bodies", recorded.len());
    if recorded
        .iter()
        .any(|r| !cases.contains_key(r.operation.as_str()))
    {
        eprintln!("skipped: build with `--features all` (every API) to check the response corpus");
        return;
    }
    let generation = generate(&repo().join("schemas"), &Selection::All).expect("schemas load");
    let ir = &generation.ir;
    let mut failures = Vec::new();
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut deviating = 0;
    for r in &recorded {
        let body = serde_json::to_string(&r.body).unwrap();
        let found = match cases[r.operation.as_str()](&body) {
            Ok(found) => found,
            Err(e) => {
                failures.push(format!(
                    "{}: {}: does not decode: {e}",
                    relative(&r.file),
                    r.operation
                ));
                continue;
            }
        };
        deviating += usize::from(!found.is_empty());
        for d in &found {
            *by_kind.entry(d.kind.to_string()).or_default() += 1;
        }
        let reported: BTreeSet<(String, Class)> = found
            .iter()
            .map(|d| (d.path.clone(), class(d.kind)))
            .collect();
        let expected: BTreeSet<(String, Class)> = expected(ir, r).into_iter().collect();
        if reported != expected {
            failures.push(format!(
                "{}: {}:\n  reported but not expected: {:?}\n  expected but not reported: {:?}",
                relative(&r.file),
                r.operation,
                reported.difference(&expected).collect::<Vec<_>>(),
                expected.difference(&reported).collect::<Vec<_>>()
            ));
        }
    }
    eprintln!(
        "{} recorded bodies, {} with deviations; by kind: {by_kind:?}",
        recorded.len(),
        deviating
    );
    assert!(
        failures.is_empty(),
        "{} of {}:\n{}",
        failures.len(),
        recorded.len(),
        failures.join("\n")
    );
    // The corpus does hold drift: a test that found none would prove nothing.
    assert!(deviating > 0);
}
