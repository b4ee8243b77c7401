//! JSON → Rust → JSON is lossless for every generated model and request-body variant of the
//! schemas the crate was built from (the samples by default): typical values, and values from
//! a newer API (unlisted enum values, undeclared members, nulls).

use std::path::PathBuf;

use ovhcloud_codegen::examples::{Examples, Flavor, UNDECLARED_MEMBER};
use ovhcloud_codegen::model::{BodyShape, ModelKind, TypeRef};
use ovhcloud_codegen::{generate, Selection};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

type Case = (
    &'static str,
    Option<BodyShape>,
    fn(Value) -> Result<Value, String>,
);

const CASES: &[Case] = include!(concat!(env!("OUT_DIR"), "/round_trip_cases.rs"));

fn round_trip<T: DeserializeOwned + Serialize>(json: Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(json).map_err(|e| format!("decode: {e}"))?;
    serde_json::to_value(&typed).map_err(|e| format!("encode: {e}"))
}

fn schema_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match option_env!("OVHCLOUD_SCHEMAS_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("schemas"),
    }
}

#[test]
fn every_model_round_trips_losslessly() {
    let generation = generate(&schema_dir(), &Selection::All).expect("schemas load");
    let ir = &generation.ir;
    assert!(
        CASES.len() >= ir.models.len(),
        "{} cases for {} models: is the `all` feature on?",
        CASES.len(),
        ir.models.len()
    );
    let mut failures = Vec::new();
    let mut unusual_members = 0;
    for flavor in [Flavor::Typical, Flavor::Unusual] {
        let examples = Examples::new(ir, flavor);
        for (key, shape, round_trip) in CASES {
            let json = match shape {
                Some(shape) => examples.of_body_shape(key, *shape),
                None => {
                    let args = match &ir.models[*key].kind {
                        ModelKind::Object { generics, .. } => {
                            generics.iter().map(|g| TypeRef::Param(g.clone())).collect()
                        }
                        ModelKind::Enum(_) => vec![],
                    };
                    examples.of(&TypeRef::Model {
                        key: key.to_string(),
                        args,
                    })
                }
            };
            unusual_members += usize::from(json.get(UNDECLARED_MEMBER).is_some());
            match round_trip(json.clone()) {
                Ok(back) if back == json => {}
                Ok(back) => failures.push(format!(
                    "{key} {shape:?} {flavor:?}:\n  sent {json}\n  back {back}"
                )),
                Err(e) => failures.push(format!("{key} {shape:?} {flavor:?}: {e}\n  sent {json}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} round trips lost data:\n{}",
        failures.len(),
        CASES.len() * 2,
        failures.join("\n")
    );
    assert!(
        unusual_members > 0,
        "the unusual examples carry undeclared members"
    );
}

#[cfg(feature = "ovhCloudConnect")]
#[test]
fn string_enums_compare_hash_and_order_by_their_wire_value() {
    use ovhcloud::models::ovhcloudconnect::incident::TypeEnum;
    use std::collections::HashSet;

    let mut values = [
        TypeEnum::from("outage"),
        TypeEnum::Maintenance,
        TypeEnum::from("a-new-value"),
        TypeEnum::Incident,
    ];
    values.sort();
    let texts: Vec<&str> = values.iter().map(TypeEnum::as_str).collect();
    assert_eq!(texts, ["a-new-value", "incident", "maintenance", "outage"]);

    // A listed value is equal to, and hashes like, the same text however it was built.
    assert_eq!(TypeEnum::Incident, TypeEnum::Unknown("incident".into()));
    let set: HashSet<TypeEnum> = [
        TypeEnum::Incident,
        TypeEnum::from("incident"),
        TypeEnum::Unknown("incident".into()),
    ]
    .into_iter()
    .collect();
    assert_eq!(set.len(), 1);
    assert_ne!(TypeEnum::Incident, TypeEnum::from("outage"));
}
