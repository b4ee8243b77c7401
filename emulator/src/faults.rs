//! Fault injection: which calls are affected, what they get (latency, a dropped connection, an
//! error status) and how a successful answer is broken against the operation's response type;
//! for schema documents (listings and schema files), also a body cut in half.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, Bytes};
use axum::http::{Response, StatusCode};
use ovhcloud_schema::model::{Ir, TypeRef};
use serde_json::Value;

use crate::config::{BreakMode, Faults};
use crate::responses::HttpResponse;
use crate::shape::{client_path, is_any, json_pointer, Step, Walker};

/// The statuses `error_rate` draws from when `error_statuses` is empty.
pub const DEFAULT_ERROR_STATUSES: [u16; 5] = [500, 502, 503, 504, 429];

/// The string a broken enum gets.
pub const UNKNOWN_ENUM_VALUE: &str = "value-from-the-future";
/// The member a broken object gets.
pub const EXTRA_FIELD: &str = "fieldFromTheFuture";

/// What happens to a call before it is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    Proceed,
    Drop,
    Status(u16),
    /// Schema documents only: serve the first half of the bytes, status 200.
    Truncate,
}

impl Decision {
    /// The kind counted in [`Stats::faults`](crate::Stats::faults) and sent in
    /// `X-Emulator-Fault`; `None` for [`Decision::Proceed`].
    pub(crate) fn kind(self) -> Option<String> {
        match self {
            Decision::Proceed => None,
            Decision::Drop => Some("drop".to_owned()),
            Decision::Status(status) => Some(status.to_string()),
            Decision::Truncate => Some("truncate".to_owned()),
        }
    }
}

/// Whether `faults` concern this call (`only_paths` filter on the raw path or the route key).
pub(crate) fn applies(faults: &Faults, raw_path: &str, key: &str) -> bool {
    match &faults.only_paths {
        None => true,
        Some(filters) => filters
            .iter()
            .any(|f| raw_path.contains(f.as_str()) || key.contains(f.as_str())),
    }
}

/// Counts one injected fault in `used` (faults injected since the faults in force were set);
/// false when the budget of [`Faults::max_faults`] is spent.
pub(crate) fn take_budget(used: &AtomicU64, faults: &Faults) -> bool {
    let before = used.fetch_add(1, Ordering::Relaxed);
    match faults.max_faults {
        Some(max) if before >= max => {
            used.fetch_sub(1, Ordering::Relaxed);
            false
        }
        _ => true,
    }
}

/// Draws the fate of one call.
pub(crate) fn decide(faults: &Faults, rng: &mut fastrand::Rng) -> Decision {
    if faults.drop_rate > 0.0 && rng.f64() < faults.drop_rate {
        return Decision::Drop;
    }
    if faults.error_rate > 0.0 && rng.f64() < faults.error_rate {
        let statuses: &[u16] = if faults.error_statuses.is_empty() {
            &DEFAULT_ERROR_STATUSES
        } else {
            &faults.error_statuses
        };
        return Decision::Status(statuses[rng.usize(..statuses.len())]);
    }
    Decision::Proceed
}

/// Draws the fate of one schema document request: as [`decide`], then, when spared,
/// [`Faults::truncate_rate`].
pub(crate) fn decide_document(faults: &Faults, rng: &mut fastrand::Rng) -> Decision {
    match decide(faults, rng) {
        Decision::Proceed if faults.truncate_rate > 0.0 && rng.f64() < faults.truncate_rate => {
            Decision::Truncate
        }
        other => other,
    }
}

/// The first half of a document: what a connection cut in the middle would have delivered,
/// served as if complete.
pub(crate) fn truncate(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.truncate(bytes.len() / 2);
    bytes
}

/// An answer whose body fails at once: hyper aborts the connection, and the client sees a
/// connection closed without a (complete) answer.
pub(crate) fn dropped_response() -> HttpResponse {
    let failing = futures_util::stream::iter([Err::<Bytes, io::Error>(io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by fault injection",
    ))]);
    let mut response = Response::new(Body::from_stream(failing));
    *response.status_mut() = StatusCode::OK;
    response
}

/// Breaks `value`, an answer of type `ty`, as `mode` says. `counter` picks the kind for
/// [`BreakMode::Mixed`]. Returns the kind applied and the path of the broken value (as the
/// client reports decode errors: `.a[0].b`, empty for the whole body), or `None` when the
/// answer has nothing that can be broken that way.
pub(crate) fn break_answer(
    ir: &Ir,
    ty: &TypeRef,
    value: &mut Value,
    mode: BreakMode,
    counter: u64,
) -> Option<(BreakMode, String)> {
    let kinds: Vec<BreakMode> = match mode {
        BreakMode::Mixed => {
            let all = [
                BreakMode::UnknownEnum,
                BreakMode::ExtraField,
                BreakMode::NullRequired,
            ];
            let start = (counter % 3) as usize;
            (0..3).map(|i| all[(start + i) % 3]).collect()
        }
        other => vec![other],
    };
    let walker = Walker { ir };
    for kind in kinds {
        let mut loc = Vec::new();
        let found = match kind {
            BreakMode::UnknownEnum => walker.enum_target(ty, value, &mut loc),
            BreakMode::ExtraField => walker.object_target(ty, value, &mut loc),
            BreakMode::NullRequired => walker
                .null_target(ty, value, &mut loc)
                .or_else(|| (!is_unit(ty) && !value.is_null() && !is_any(ty)).then(Vec::new)),
            BreakMode::Mixed => None,
        };
        let Some(target) = found else {
            continue;
        };
        let pointer = json_pointer(&target);
        let Some(slot) = value.pointer_mut(&pointer) else {
            continue;
        };
        let mut path = client_path(&target);
        match kind {
            BreakMode::UnknownEnum => *slot = Value::String(UNKNOWN_ENUM_VALUE.to_owned()),
            BreakMode::NullRequired => *slot = Value::Null,
            BreakMode::ExtraField => {
                if let Value::Object(members) = slot {
                    members.insert(EXTRA_FIELD.to_owned(), Value::from(1));
                    path.push('.');
                    path.push_str(EXTRA_FIELD);
                }
            }
            BreakMode::Mixed => {}
        }
        return Some((kind, path));
    }
    None
}

fn is_unit(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Unit)
}

/// The searches of [`break_answer`]; the walker itself is [`crate::shape`]'s.
impl Walker<'_> {
    /// The first string-enum value, direct properties before nested ones.
    fn enum_target(&self, ty: &TypeRef, value: &Value, loc: &mut Vec<Step>) -> Option<Vec<Step>> {
        if self.is_string_enum(ty) && value.is_string() {
            return Some(loc.clone());
        }
        if let Some((inner, child, step)) = Self::first_child(ty, value) {
            loc.push(step);
            let found = self.enum_target(&inner, child, loc);
            loc.pop();
            return found;
        }
        let props = self.properties(ty)?;
        let members = value.as_object()?;
        for p in &props {
            if self.is_string_enum(&p.ty) && members.get(&p.name).is_some_and(Value::is_string) {
                let mut found = loc.clone();
                found.push(Step::Key(p.name.clone()));
                return Some(found);
            }
        }
        for p in &props {
            let Some(child) = members.get(&p.name) else {
                continue;
            };
            loc.push(Step::Key(p.name.clone()));
            let found = self.enum_target(&p.ty, child, loc);
            loc.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// The first JSON object that is an object model.
    fn object_target(&self, ty: &TypeRef, value: &Value, loc: &mut Vec<Step>) -> Option<Vec<Step>> {
        if self.properties(ty).is_some() && value.is_object() {
            return Some(loc.clone());
        }
        let (inner, child, step) = Self::first_child(ty, value)?;
        loc.push(step);
        let found = self.object_target(&inner, child, loc);
        loc.pop();
        found
    }

    /// The first value that cannot be null: a non-optional property of an object (direct
    /// properties first), else inside nested values, else an array element or map value.
    fn null_target(&self, ty: &TypeRef, value: &Value, loc: &mut Vec<Step>) -> Option<Vec<Step>> {
        if let Some((inner, child, step)) = Self::first_child(ty, value) {
            loc.push(step);
            let found = self
                .null_target(&inner, child, loc)
                .or_else(|| (!child.is_null() && !is_any(&inner)).then(|| loc.clone()));
            loc.pop();
            return found;
        }
        let props = self.properties(ty)?;
        let members = value.as_object()?;
        for p in &props {
            let present = members.get(&p.name).is_some_and(|v| !v.is_null());
            if !p.optional && present && !is_any(&p.ty) {
                let mut found = loc.clone();
                found.push(Step::Key(p.name.clone()));
                return Some(found);
            }
        }
        for p in &props {
            let Some(child) = members.get(&p.name).filter(|v| !v.is_null()) else {
                continue;
            };
            loc.push(Step::Key(p.name.clone()));
            let found = self.null_target(&p.ty, child, loc);
            loc.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ovhcloud_schema::examples::{Examples, Flavor};
    use ovhcloud_schema::model::build;
    use ovhcloud_schema::reader::load_dir;
    use ovhcloud_schema::typeexpr::Primitive;
    use std::path::Path;

    fn ir() -> Ir {
        let (schemas, errors) = load_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures/schemas"),
        );
        assert!(errors.is_empty());
        build(schemas)
    }

    fn model(key: &str) -> TypeRef {
        TypeRef::Model {
            key: key.to_owned(),
            args: vec![],
        }
    }

    #[test]
    fn null_required_nulls_a_non_nullable_property() {
        let ir = ir();
        let ty = model("services.NonExpiringService");
        let mut value = Examples::new(&ir, Flavor::Typical).of(&ty);
        let (kind, path) = break_answer(&ir, &ty, &mut value, BreakMode::NullRequired, 0).unwrap();
        assert_eq!(kind, BreakMode::NullRequired);
        let key = path.strip_prefix('.').unwrap();
        assert!(value[key].is_null(), "{path}: {value}");
    }

    #[test]
    fn arrays_and_scalars_are_broken_too() {
        let ir = ir();
        let ty = TypeRef::Array(Box::new(TypeRef::Primitive(Primitive::String)));
        let mut value = serde_json::json!(["a", "b"]);
        let (_, path) = break_answer(&ir, &ty, &mut value, BreakMode::NullRequired, 0).unwrap();
        assert_eq!(path, "[0]");
        assert_eq!(value, serde_json::json!([null, "b"]));
        let ty = TypeRef::Primitive(Primitive::Long);
        let mut value = serde_json::json!(7);
        let (_, path) = break_answer(&ir, &ty, &mut value, BreakMode::NullRequired, 0).unwrap();
        assert_eq!(path, "");
        assert!(value.is_null());
        assert!(break_answer(&ir, &TypeRef::Unit, &mut Value::Null, BreakMode::Mixed, 0).is_none());
    }

    #[test]
    fn unknown_enum_and_extra_field() {
        let ir = ir();
        let ty = model("ovhcloudconnect.Task");
        let mut value = Examples::new(&ir, Flavor::Typical).of(&ty);
        let (_, path) = break_answer(&ir, &ty, &mut value, BreakMode::UnknownEnum, 0).unwrap();
        assert_eq!(value[path.strip_prefix('.').unwrap()], UNKNOWN_ENUM_VALUE);
        let (_, path) = break_answer(&ir, &ty, &mut value, BreakMode::ExtraField, 0).unwrap();
        assert_eq!(path, ".fieldFromTheFuture");
        assert_eq!(value[EXTRA_FIELD], 1);
    }

    #[test]
    fn decisions_follow_the_rates() {
        let mut rng = fastrand::Rng::with_seed(1);
        let all = Faults {
            error_rate: 1.0,
            ..Faults::default()
        };
        for _ in 0..50 {
            match decide(&all, &mut rng) {
                Decision::Status(s) => assert!(DEFAULT_ERROR_STATUSES.contains(&s)),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(decide(&Faults::default(), &mut rng), Decision::Proceed);
        let drop = Faults {
            drop_rate: 1.0,
            ..Faults::default()
        };
        assert_eq!(decide(&drop, &mut rng), Decision::Drop);
        let only = Faults {
            only_paths: Some(vec!["/me".into()]),
            ..Faults::default()
        };
        assert!(applies(&only, "/1.0/me/bill", "GET /me/bill"));
        assert!(!applies(&only, "/1.0/vrack", "GET /vrack"));
    }

    #[test]
    fn documents_can_be_truncated() {
        let mut rng = fastrand::Rng::with_seed(1);
        let truncating = Faults {
            truncate_rate: 1.0,
            ..Faults::default()
        };
        assert_eq!(decide(&truncating, &mut rng), Decision::Proceed);
        assert_eq!(decide_document(&truncating, &mut rng), Decision::Truncate);
        assert_eq!(
            decide_document(&Faults::default(), &mut rng),
            Decision::Proceed
        );
        let both = Faults {
            error_rate: 1.0,
            error_statuses: vec![503],
            ..truncating
        };
        assert_eq!(decide_document(&both, &mut rng), Decision::Status(503));
        assert_eq!(truncate(b"0123456789".to_vec()), b"01234");
        assert_eq!(Decision::Truncate.kind().as_deref(), Some("truncate"));
    }
}
