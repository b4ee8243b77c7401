//! Schema-valid example JSON for any type of the model: used by the round-trip tests of the
//! generated code and by anything that must answer like the API would.

use serde_json::{json, Map, Value};

use crate::model::{BodyShape, EnumValues, Ir, ModelKind, Role, TypeRef};
use crate::typeexpr::Primitive;

/// Which example to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Every field set, every enum with its first listed value.
    Typical,
    /// What a newer API might send: optional fields null (or left out of request bodies), enum
    /// values the schema does not list, and members the schema does not declare.
    Unusual,
}

/// The JSON member every `Unusual` object carries beyond its schema.
pub const UNDECLARED_MEMBER: &str = "memberFromTheFuture";
/// The string enum value every `Unusual` example uses.
pub const UNLISTED_VALUE: &str = "value-from-the-future";
/// The integer enum value every `Unusual` example uses.
pub const UNLISTED_INTEGER: i64 = 987_654;

/// Deeper than this, recursive models stop: optional fields are left empty, lists are empty.
const MAX_DEPTH: usize = 4;

pub struct Examples<'a> {
    ir: &'a Ir,
    flavor: Flavor,
}

impl<'a> Examples<'a> {
    pub fn new(ir: &'a Ir, flavor: Flavor) -> Self {
        Examples { ir, flavor }
    }

    /// An example of `ty`, with generic parameters standing for `"example"`.
    pub fn of(&self, ty: &TypeRef) -> Value {
        self.value(ty, &[], 0)
    }

    /// An example of a model sent through a request-body variant.
    pub fn of_body_shape(&self, key: &str, shape: BodyShape) -> Value {
        self.object(key, &[], 0, Some(shape))
    }

    /// Fills in, with example values, every member `value` (an answer of type `ty`) lacks that
    /// the schema declares non-null for a response. Hand-written answers (the emulator's flows)
    /// model only the members their scenario needs; completed, they decode with the client
    /// generated from whichever schemas are loaded. Members present are never changed.
    pub fn complete(&self, ty: &TypeRef, value: &mut Value) {
        self.complete_in(ty, &[], value, 0);
    }

    fn complete_in(
        &self,
        ty: &TypeRef,
        args: &[(String, TypeRef)],
        value: &mut Value,
        depth: usize,
    ) {
        if depth > MAX_DEPTH * 4 {
            return;
        }
        match (ty, value) {
            (TypeRef::Alias { target, .. }, value) => self.complete_in(target, args, value, depth),
            (TypeRef::Param(name), value) => {
                if let Some((_, arg)) = args.iter().find(|(n, _)| n == name) {
                    self.complete_in(arg, &[], value, depth);
                }
            }
            (TypeRef::Array(inner), Value::Array(items)) => {
                for item in items {
                    self.complete_in(inner, args, item, depth + 1);
                }
            }
            (TypeRef::Map(_, inner), Value::Object(members)) => {
                for item in members.values_mut() {
                    self.complete_in(inner, args, item, depth + 1);
                }
            }
            (
                TypeRef::Model {
                    key,
                    args: model_args,
                },
                Value::Object(members),
            ) => {
                let Some(ModelKind::Object {
                    generics,
                    properties,
                }) = self.ir.models.get(key).map(|m| &m.kind)
                else {
                    return;
                };
                let bound: Vec<(String, TypeRef)> = generics
                    .iter()
                    .cloned()
                    .zip(model_args.iter().map(|a| a.substitute(args)))
                    .collect();
                for p in properties {
                    match members.get_mut(&p.name) {
                        Some(member) => self.complete_in(&p.ty, &bound, member, depth + 1),
                        None if !p.nullable => {
                            members.insert(p.name.clone(), self.value(&p.ty, &bound, depth + 1));
                        }
                        None => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn value(&self, ty: &TypeRef, args: &[(String, TypeRef)], depth: usize) -> Value {
        match ty {
            TypeRef::Unit => Value::Null,
            TypeRef::Primitive(p) => primitive(*p),
            TypeRef::Param(name) => match args.iter().find(|(n, _)| n == name) {
                Some((_, arg)) => self.value(arg, &[], depth),
                None => json!("example"),
            },
            TypeRef::Alias { target, .. } => self.value(target, args, depth),
            TypeRef::Array(_) if depth >= MAX_DEPTH => json!([]),
            TypeRef::Array(inner) => json!([self.value(inner, args, depth + 1)]),
            TypeRef::Map(k, v) => {
                let key = match self.value(k, args, depth + 1) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let mut map = Map::new();
                if depth < MAX_DEPTH {
                    map.insert(key, self.value(v, args, depth + 1));
                }
                Value::Object(map)
            }
            TypeRef::Model {
                key,
                args: model_args,
            } => {
                let resolved: Vec<TypeRef> =
                    model_args.iter().map(|a| a.substitute(args)).collect();
                match self.ir.models.get(key).map(|m| &m.kind) {
                    Some(ModelKind::Enum(values)) => self.enum_value(values),
                    Some(ModelKind::Object { generics, .. }) => {
                        let bound: Vec<(String, TypeRef)> =
                            generics.iter().cloned().zip(resolved).collect();
                        self.object(key, &bound, depth, None)
                    }
                    None => Value::Null,
                }
            }
        }
    }

    fn enum_value(&self, values: &EnumValues) -> Value {
        match (self.flavor, values) {
            (Flavor::Unusual, EnumValues::Strings(_)) => json!(UNLISTED_VALUE),
            (Flavor::Unusual, EnumValues::Integers(_)) => json!(UNLISTED_INTEGER),
            (Flavor::Typical, EnumValues::Strings(v)) => {
                v.first().map_or(json!(UNLISTED_VALUE), |s| json!(s))
            }
            (Flavor::Typical, EnumValues::Integers(v)) => {
                v.first().map_or(json!(UNLISTED_INTEGER), |n| json!(n))
            }
        }
    }

    fn object(
        &self,
        key: &str,
        args: &[(String, TypeRef)],
        depth: usize,
        shape: Option<BodyShape>,
    ) -> Value {
        let Some(ModelKind::Object { properties, .. }) = self.ir.models.get(key).map(|m| &m.kind)
        else {
            return Value::Null;
        };
        let role = if shape.is_some() {
            Role::Input
        } else {
            self.ir.role(key)
        };
        let mut members = Map::new();
        for p in properties {
            if shape.is_some() && p.read_only {
                continue;
            }
            // Which fields the generated type makes optional, as the emitter decides.
            let optional = match (shape, role) {
                (Some(BodyShape::Update), _) => true,
                (Some(BodyShape::Create), _) | (None, Role::Input) => !p.required,
                (None, Role::Output) => p.nullable,
            };
            let leave_empty = optional && (self.flavor == Flavor::Unusual || depth >= MAX_DEPTH);
            if leave_empty {
                if role == Role::Output && shape.is_none() {
                    members.insert(p.name.clone(), Value::Null);
                }
                continue;
            }
            members.insert(p.name.clone(), self.value(&p.ty, args, depth + 1));
        }
        if self.flavor == Flavor::Unusual {
            members.insert(
                UNDECLARED_MEMBER.to_owned(),
                json!({"kept": ["as", 1, "received"]}),
            );
        }
        Value::Object(members)
    }
}

/// A value of a primitive type, in the canonical text form its Rust type writes back.
pub fn primitive(p: Primitive) -> Value {
    match p {
        Primitive::String | Primitive::IpInterface => json!("example"),
        Primitive::Text => json!("Some longer text.\nOn two lines."),
        Primitive::Password => json!("s3cret-value"),
        Primitive::PhoneNumber | Primitive::InternationalPhoneNumber => json!("+33.972101007"),
        Primitive::MacAddress => json!("00:11:22:33:44:55"),
        Primitive::Duration => json!("P1DT2H"),
        Primitive::Time => json!("07:08:09"),
        Primitive::Long => json!(42),
        Primitive::Double => json!(2.5),
        Primitive::Boolean => json!(true),
        Primitive::Uuid => json!("3f2a8f4e-6b1c-4d2e-9f00-1a2b3c4d5e6f"),
        Primitive::Date => json!("2024-05-06"),
        Primitive::DateTime => json!("2024-05-06T07:08:09+02:00"),
        Primitive::Ip | Primitive::Ipv4 => json!("192.0.2.10"),
        Primitive::Ipv6 => json!("2001:db8::10"),
        Primitive::IpBlock => json!("192.0.2.0/24"),
        Primitive::Ipv4Block => json!("198.51.100.0/30"),
        Primitive::Ipv6Block => json!("2001:db8::/56"),
        Primitive::Any => json!({"any": ["json", 1]}),
    }
}
