//! Checks a call's path, query and body against the schema before it is applied, and answers
//! what OVH answers for a bad one: `400 Client::BadRequest` with a message naming the
//! parameter.
//!
//! | problem | message |
//! | --- | --- |
//! | a path or query value, or a body member, of the wrong type | `[ttl] Given data (abc) is not valid for type long` |
//! | an enum value the schema does not list | `[fieldType] Given data (XX) does not belong to the domain.zone.RecordTypeEnum enumeration` |
//! | a mandatory query parameter or body member missing (or null) | `[keyName] Property is mandatory` |
//! | body members the operation does not declare | `Received not described parameters: (color) while calling POST:/me/sshKey` |
//!
//! Nested members are named with their path (`[target.ttl]`, `[accessRules[0].method]`).
//! Path and query values are read as OVH reads them: `true`/`false` or `1`/`0` for a boolean,
//! a date (`2024-01-01`) for a datetime too.
//! Query parameters the operation does not declare are ignored (clients add their own), and
//! so is a body sent to an operation that declares none. A `PUT` body sent as the update form
//! of a model has no mandatory member; read-only members are never mandatory.

use std::collections::HashMap;

use ovhcloud_schema::model::{
    BodyShape, EnumValues, Ir, ModelKind, Param, ParamLocation, Property, TypeRef,
};
use ovhcloud_schema::typeexpr::Primitive;
use serde_json::{Map, Value};

use crate::flows::{invalid_type, missing_property, object_body, ApiError};
use crate::schemas::Route;
use crate::shape::{substitute, Walker};

/// Checks every declared parameter of `route` against what the call sends.
pub(crate) fn check_call(
    ir: &Ir,
    route: &Route,
    params: &HashMap<String, String>,
    query: &[(String, String)],
    body: Option<&Value>,
) -> Result<(), ApiError> {
    let checker = Checker { ir };
    for param in route.params.iter() {
        match param.location {
            ParamLocation::Path => {
                if let Some(raw) = params.get(&param.name) {
                    checker.text(&param.name, &param.ty, raw)?;
                }
            }
            ParamLocation::Query => checker.query(param, query)?,
            ParamLocation::Header | ParamLocation::BodyField => {}
        }
    }
    let fields: Vec<&Param> = route
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::BodyField)
        .collect();
    if !fields.is_empty() {
        return checker.fields(route, &fields, body);
    }
    match (&route.body, body) {
        (Some(whole), body) => checker.whole_body(route, &whole.ty, whole.shape, body),
        (None, _) => Ok(()),
    }
}

/// `[name] Given data (value) does not belong to the key enumeration`.
fn not_in_enum(name: &str, value: &Value, key: &str) -> ApiError {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    ApiError::bad_request(format!(
        "[{name}] Given data ({shown}) does not belong to the {key} enumeration"
    ))
}

/// `Received not described parameters: (a, b) while calling POST:/me/sshKey`.
fn not_described(route: &Route, names: &[&String]) -> ApiError {
    let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    ApiError::bad_request(format!(
        "Received not described parameters: ({}) while calling {}:{}",
        names.join(", "),
        route.method,
        route.key.split_once(' ').map_or("", |(_, path)| path)
    ))
}

/// The type as the schemas write it: `long`, `domain.zone.Record`, `string[]`.
fn type_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Unit => "void".to_owned(),
        TypeRef::Primitive(p) => p.name().to_owned(),
        TypeRef::Model { key, .. } => key.clone(),
        TypeRef::Param(name) => name.clone(),
        TypeRef::Array(inner) => format!("{}[]", type_name(inner)),
        TypeRef::Map(_, inner) => format!("map[string]{}", type_name(inner)),
        TypeRef::Alias { name, .. } => name.clone(),
    }
}

/// Generic parameters bound to their arguments.
type Bindings = Vec<(String, TypeRef)>;

/// The members an object (or a field list) lacks, has extra, or has wrong.
struct Checker<'a> {
    ir: &'a Ir,
}

impl Checker<'_> {
    fn walker(&self) -> Walker<'_> {
        Walker { ir: self.ir }
    }

    /// A path or query value, as text: only scalar types are checked (`true`/`false` and
    /// `1`/`0` are booleans).
    fn text(&self, name: &str, ty: &TypeRef, raw: &str) -> Result<(), ApiError> {
        let walker = self.walker();
        if !walker.is_scalar(ty) {
            return Ok(());
        }
        if lenient_text(crate::shape::primitive(ty), raw) {
            return Ok(());
        }
        if walker.value_from_text(ty, raw).is_some() {
            return Ok(());
        }
        let shown = Value::String(raw.to_owned());
        match ty.direct_model() {
            Some(key) => Err(not_in_enum(name, &shown, key)),
            None => Err(invalid_type(name, &shown, &type_name(ty))),
        }
    }

    fn query(&self, param: &Param, query: &[(String, String)]) -> Result<(), ApiError> {
        let mut seen = false;
        for (_, raw) in query.iter().filter(|(k, _)| k == &param.name) {
            seen = true;
            self.text(&param.name, &param.ty, raw)?;
        }
        if param.required && !seen {
            return Err(missing_property(&param.name));
        }
        Ok(())
    }

    /// Named body parameters: a JSON object with these members.
    fn fields(
        &self,
        route: &Route,
        fields: &[&Param],
        body: Option<&Value>,
    ) -> Result<(), ApiError> {
        let members = object_body(body)?;
        let unknown: Vec<&String> = members
            .keys()
            .filter(|k| !fields.iter().any(|f| &f.name == *k))
            .collect();
        if !unknown.is_empty() {
            return Err(not_described(route, &unknown));
        }
        for field in fields {
            self.member(
                &field.name,
                &field.ty,
                field.required,
                members.get(&field.name),
            )?;
        }
        Ok(())
    }

    /// A body that is one typed value; a missing one counts as `{}` for an object model.
    fn whole_body(
        &self,
        route: &Route,
        ty: &TypeRef,
        shape: Option<BodyShape>,
        body: Option<&Value>,
    ) -> Result<(), ApiError> {
        let empty = Value::Object(Map::new());
        let is_object = self.walker().properties(ty).is_some();
        let body = match body {
            None | Some(Value::Null) if is_object => &empty,
            None => return Ok(()),
            Some(body) => body,
        };
        match (ty.direct_model(), body) {
            (Some(_), Value::Object(members)) if is_object => {
                self.object(route, "", ty, shape, members)
            }
            _ => self.value("body", ty, body),
        }
    }

    /// A member: mandatory ones present and not null, others checked when not null.
    fn member(
        &self,
        name: &str,
        ty: &TypeRef,
        required: bool,
        value: Option<&Value>,
    ) -> Result<(), ApiError> {
        match value {
            None | Some(Value::Null) if required => Err(missing_property(name)),
            None | Some(Value::Null) => Ok(()),
            Some(value) => self.value(name, ty, value),
        }
    }

    /// The members of an object model: `at` is the path of the object (`""` at the top).
    fn object(
        &self,
        route: &Route,
        at: &str,
        ty: &TypeRef,
        shape: Option<BodyShape>,
        members: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        let Some((properties, bindings)) = self.model_properties(ty) else {
            return Ok(());
        };
        let name = |member: &str| {
            if at.is_empty() {
                member.to_owned()
            } else {
                format!("{at}.{member}")
            }
        };
        let unknown: Vec<String> = members
            .keys()
            .filter(|k| !properties.iter().any(|p| &p.name == *k))
            .map(|k| name(k))
            .collect();
        if !unknown.is_empty() {
            return Err(not_described(route, &unknown.iter().collect::<Vec<_>>()));
        }
        for p in properties {
            let required = shape != Some(BodyShape::Update) && p.required && !p.read_only;
            let ty = substitute(&p.ty, &bindings);
            let here = name(&p.name);
            let nested = members.get(&p.name).and_then(Value::as_object);
            match nested.filter(|_| self.model_properties(&ty).is_some()) {
                Some(inner) => self.object(route, &here, &ty, None, inner)?,
                None => self.member(&here, &ty, required, members.get(&p.name))?,
            }
        }
        Ok(())
    }

    /// The declared properties of an object model, with its generic arguments.
    fn model_properties(&self, ty: &TypeRef) -> Option<(&[Property], Bindings)> {
        let TypeRef::Model { key, args } = crate::shape::unalias(ty) else {
            return None;
        };
        match &self.ir.models.get(key)?.kind {
            ModelKind::Object {
                generics,
                properties,
            } => Some((
                properties,
                generics.iter().cloned().zip(args.iter().cloned()).collect(),
            )),
            ModelKind::Enum(_) => None,
        }
    }

    /// A JSON value of type `ty`, named `name` in errors.
    fn value(&self, name: &str, ty: &TypeRef, value: &Value) -> Result<(), ApiError> {
        let wrong = || Err(invalid_type(name, value, &type_name(ty)));
        match ty {
            TypeRef::Unit | TypeRef::Param(_) => Ok(()),
            TypeRef::Alias { target, .. } => self.value(name, target, value),
            TypeRef::Primitive(p) => {
                if primitive_fits(&self.walker(), *p, ty, value) {
                    Ok(())
                } else {
                    wrong()
                }
            }
            TypeRef::Array(inner) => match value.as_array() {
                Some(items) => items
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, item)| self.value(&format!("{name}[{i}]"), inner, item)),
                None => wrong(),
            },
            TypeRef::Map(_, inner) => match value.as_object() {
                Some(members) => members
                    .iter()
                    .try_for_each(|(k, v)| self.value(&format!("{name}.{k}"), inner, v)),
                None => wrong(),
            },
            TypeRef::Model { key, .. } => match self.walker().enum_values(ty) {
                Some(values) => {
                    let listed = match values {
                        EnumValues::Strings(listed) => value
                            .as_str()
                            .is_some_and(|s| listed.iter().any(|v| v == s)),
                        EnumValues::Integers(listed) => {
                            value.as_i64().is_some_and(|n| listed.contains(&n))
                        }
                    };
                    if listed {
                        Ok(())
                    } else {
                        Err(not_in_enum(name, value, key))
                    }
                }
                None if value.is_object() => Ok(()),
                None => wrong(),
            },
        }
    }
}

/// Text OVH takes for a primitive beyond its strict form: `1`/`0` for a boolean, a date or a
/// date and time without offset for a datetime (`date.from=2024-01-01`).
fn lenient_text(p: Option<Primitive>, raw: &str) -> bool {
    match p {
        Some(Primitive::Boolean) => matches!(raw, "1" | "0"),
        Some(Primitive::DateTime) => {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok()
                || chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").is_ok()
        }
        _ => false,
    }
}

/// Whether `value` is a JSON value of primitive `p` (`ty`): numbers for `long` and `double`,
/// booleans, and strings in the primitive's text form (an address, a date…).
fn primitive_fits(walker: &Walker<'_>, p: Primitive, ty: &TypeRef, value: &Value) -> bool {
    match p {
        Primitive::Any => true,
        Primitive::Long => value.is_i64() || value.is_u64(),
        Primitive::Double => value.is_number(),
        Primitive::Boolean => value.is_boolean(),
        _ => value
            .as_str()
            .is_some_and(|s| walker.value_from_text(ty, s).is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_written_as_the_schemas_write_them() {
        let long = TypeRef::Primitive(Primitive::Long);
        assert_eq!(type_name(&long), "long");
        assert_eq!(type_name(&TypeRef::Array(Box::new(long.clone()))), "long[]");
        let map = TypeRef::Map(
            Box::new(TypeRef::Primitive(Primitive::String)),
            Box::new(long),
        );
        assert_eq!(type_name(&map), "map[string]long");
    }

    #[test]
    fn query_text_may_be_lenient() {
        assert!(lenient_text(Some(Primitive::DateTime), "2024-01-01"));
        assert!(lenient_text(
            Some(Primitive::DateTime),
            "2024-01-01T10:00:00"
        ));
        assert!(!lenient_text(Some(Primitive::DateTime), "yesterday"));
        assert!(lenient_text(Some(Primitive::Boolean), "1"));
        assert!(!lenient_text(Some(Primitive::Long), "1.5"));
    }

    #[test]
    fn primitives_fit_their_wire_form() {
        let walker = Walker {
            ir: crate::flows::testing::schemas(),
        };
        let fits = |p: Primitive, v: Value| primitive_fits(&walker, p, &TypeRef::Primitive(p), &v);
        assert!(fits(Primitive::Long, 42.into()));
        assert!(!fits(Primitive::Long, "42".into()));
        assert!(!fits(Primitive::Long, 4.2.into()));
        assert!(fits(Primitive::Double, 4.2.into()));
        assert!(fits(Primitive::Ip, "192.0.2.1".into()));
        assert!(!fits(Primitive::Ip, "nope".into()));
        assert!(!fits(Primitive::String, 1.into()));
        assert!(fits(Primitive::Any, Value::Null));
    }
}
