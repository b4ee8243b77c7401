//! What the schema says about a JSON answer: the properties of the object models it holds
//! (generic parameters substituted), locations inside it, and how a location is written as a
//! JSON pointer and as the path a client reports decode errors at (`.a[0].b`).
//!
//! Shared by the fault injection ([`crate::faults`], [`crate::deviations`]) and the expanded
//! listings ([`crate::iceberg`]).

use ovhcloud_schema::model::{EnumValues, Ir, ModelKind, Role, TypeRef};
use ovhcloud_schema::typeexpr::Primitive;
use serde_json::Value;

/// One step of a location in a JSON document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// A location as a JSON pointer (`/a/0/b`), for [`Value::pointer_mut`].
pub(crate) fn json_pointer(loc: &[Step]) -> String {
    loc.iter()
        .map(|s| match s {
            Step::Key(k) => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => format!("/{i}"),
        })
        .collect()
}

/// A location as clients report decode errors: `.a[0].b`, empty for the whole body.
pub(crate) fn client_path(loc: &[Step]) -> String {
    loc.iter()
        .map(|s| match s {
            Step::Key(k) => format!(".{k}"),
            Step::Index(i) => format!("[{i}]"),
        })
        .collect()
}

/// The primitive a type is (through aliases), if it is one.
pub(crate) fn primitive(ty: &TypeRef) -> Option<Primitive> {
    match ty.unaliased() {
        TypeRef::Primitive(p) => Some(*p),
        _ => None,
    }
}

/// Whether any JSON fits: `any`, or an unbound generic parameter.
pub(crate) fn is_any(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Primitive(Primitive::Any) | TypeRef::Param(_) => true,
        TypeRef::Alias { target, .. } => is_any(target),
        _ => false,
    }
}

/// A property of an object model, with generic parameters substituted.
pub(crate) struct Prop {
    pub name: String,
    pub ty: TypeRef,
    /// The generated type makes it an `Option`.
    pub optional: bool,
}

/// Reads types against the loaded schemas.
pub(crate) struct Walker<'a> {
    pub ir: &'a Ir,
}

impl Walker<'_> {
    /// The properties of an object model, in schema order, or `None` for anything else.
    pub fn properties(&self, ty: &TypeRef) -> Option<Vec<Prop>> {
        let TypeRef::Model { key, args } = ty.unaliased() else {
            return None;
        };
        let Some(ModelKind::Object {
            generics,
            properties,
        }) = self.ir.models.get(key).map(|m| &m.kind)
        else {
            return None;
        };
        let bindings: Vec<(String, TypeRef)> =
            generics.iter().cloned().zip(args.iter().cloned()).collect();
        let role = self.ir.role(key);
        Some(
            properties
                .iter()
                .map(|p| Prop {
                    name: p.name.clone(),
                    ty: p.ty.substitute(&bindings),
                    optional: match role {
                        Role::Output => p.nullable,
                        Role::Input => !p.required,
                    },
                })
                .collect(),
        )
    }

    /// The values of an enum model (through aliases), or `None` for anything else.
    pub fn enum_values(&self, ty: &TypeRef) -> Option<&EnumValues> {
        match ty.unaliased() {
            TypeRef::Model { key, .. } => match self.ir.models.get(key).map(|m| &m.kind) {
                Some(ModelKind::Enum(values)) => Some(values),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn is_string_enum(&self, ty: &TypeRef) -> bool {
        matches!(self.enum_values(ty), Some(EnumValues::Strings(_)))
    }

    /// Whether values of `ty` are scalars: a primitive other than `any`, or an enum.
    pub fn is_scalar(&self, ty: &TypeRef) -> bool {
        match primitive(ty) {
            Some(p) => p != Primitive::Any,
            None => self.enum_values(ty).is_some(),
        }
    }

    /// Descends into the first element of an array or the first value of a map.
    pub fn first_child<'v>(ty: &TypeRef, value: &'v Value) -> Option<(TypeRef, &'v Value, Step)> {
        match ty.unaliased() {
            TypeRef::Array(inner) => value
                .as_array()
                .and_then(|a| a.first())
                .map(|v| ((**inner).clone(), v, Step::Index(0))),
            TypeRef::Map(_, inner) => value
                .as_object()
                .and_then(|m| m.iter().next())
                .map(|(k, v)| ((**inner).clone(), v, Step::Key(k.clone()))),
            _ => None,
        }
    }

    /// `raw`, a path parameter, as a JSON value of type `ty` (`"42"` → `42` for a `long`);
    /// `None` when it is not one (an enum value the schema does not list, an invalid uuid or
    /// address, a non-scalar type).
    pub fn value_from_text(&self, ty: &TypeRef, raw: &str) -> Option<Value> {
        if let Some(values) = self.enum_values(ty) {
            return match values {
                EnumValues::Strings(listed) => listed.iter().any(|v| v == raw).then(|| raw.into()),
                EnumValues::Integers(listed) => raw
                    .parse::<i64>()
                    .ok()
                    .filter(|n| listed.contains(n))
                    .map(Value::from),
            };
        }
        let valid = match primitive(ty)? {
            Primitive::Long => return raw.parse::<i64>().ok().map(Value::from),
            Primitive::Double => return raw.parse::<f64>().ok().map(Value::from),
            Primitive::Boolean => return raw.parse::<bool>().ok().map(Value::from),
            Primitive::Any => false,
            Primitive::Uuid => uuid::Uuid::parse_str(raw).is_ok(),
            Primitive::Ip => raw.parse::<std::net::IpAddr>().is_ok(),
            Primitive::Ipv4 => raw.parse::<std::net::Ipv4Addr>().is_ok(),
            Primitive::Ipv6 => raw.parse::<std::net::Ipv6Addr>().is_ok(),
            Primitive::Date => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok(),
            Primitive::DateTime => chrono::DateTime::parse_from_rfc3339(raw).is_ok(),
            _ => true,
        };
        valid.then(|| raw.into())
    }

    /// The type of the member at a dotted path (`priceWithTax.value`) of an object model,
    /// following object properties; `None` when some name is not a property.
    pub fn member_type(&self, ty: &TypeRef, dotted: &str) -> Option<TypeRef> {
        dotted.split('.').try_fold(ty.clone(), |ty, name| {
            self.properties(&ty)?
                .into_iter()
                .find(|p| p.name == name)
                .map(|p| p.ty)
        })
    }
}

/// The member at a dotted path (`priceWithTax.value`) of a JSON object.
pub(crate) fn member<'v>(value: &'v Value, dotted: &str) -> Option<&'v Value> {
    dotted
        .split('.')
        .try_fold(value, |value, name| value.as_object()?.get(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_pointers() {
        let loc = [
            Step::Index(0),
            Step::Key("a/b".into()),
            Step::Key("c".into()),
        ];
        assert_eq!(json_pointer(&loc), "/0/a~1b/c");
        assert_eq!(client_path(&loc), "[0].a/b.c");
        let v = serde_json::json!({"a": {"b": 1}});
        assert_eq!(member(&v, "a.b"), Some(&Value::from(1)));
        assert_eq!(member(&v, "a.c"), None);
    }

    #[test]
    fn path_parameters_become_values_of_their_type() {
        let walker = Walker {
            ir: crate::flows::testing::schemas(),
        };
        let long = TypeRef::Primitive(Primitive::Long);
        assert_eq!(walker.value_from_text(&long, "42"), Some(Value::from(42)));
        assert_eq!(walker.value_from_text(&long, "x"), None);
        let uuid = TypeRef::Primitive(Primitive::Uuid);
        assert_eq!(walker.value_from_text(&uuid, "not-a-uuid"), None);
        let string = TypeRef::Primitive(Primitive::String);
        assert_eq!(walker.value_from_text(&string, "a b"), Some("a b".into()));
        let category = TypeRef::Model {
            key: "billing.CategoryEnum".into(),
            args: vec![],
        };
        assert_eq!(
            walker.value_from_text(&category, "autorenew"),
            Some("autorenew".into())
        );
        assert_eq!(walker.value_from_text(&category, "nope"), None);
        assert_eq!(
            walker
                .member_type(
                    &TypeRef::Model {
                        key: "billing.Bill".into(),
                        args: vec![]
                    },
                    "priceWithTax.value"
                )
                .and_then(|t| primitive(&t)),
            Some(Primitive::Double)
        );
    }
}
