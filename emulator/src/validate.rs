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

use ovhcloud_schema::model::{Ir, TypeRef};
use ovhcloud_schema::typeexpr::Primitive;
use ovhcloud_schema::validate::{self, type_name, Place, Problem, Rules, Step};
use serde_json::Value;

use crate::flows::{invalid_type, missing_property, ApiError};
use crate::schemas::Route;
use crate::shape::Walker;

/// Checks every declared parameter of `route` against what the call sends (the schema
/// crate's [`validate::check`]); the first problem OVH refuses, as OVH answers it.
pub(crate) fn check_call(
    ir: &Ir,
    route: &Route,
    params: &HashMap<String, String>,
    query: &[(String, String)],
    body: Option<&Value>,
) -> Result<(), ApiError> {
    let walker = Walker { ir };
    let fits = |p: Primitive, raw: &str| {
        walker
            .value_from_text(&TypeRef::Primitive(p), raw)
            .is_some()
    };
    let text_fits = |p: Primitive, raw: &str| lenient_text(Some(p), raw) || fits(p, raw);
    let rules = Rules {
        text_fits: &text_fits,
        json_text_fits: &fits,
        query_list_items: false,
    };
    let path: Vec<(String, String)> = params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let call = validate::Call {
        path: &path,
        query,
        body,
    };
    let problems = validate::check(ir, &route.params, route.body.as_ref(), &call, &rules);
    match problems.iter().find_map(|p| answer(route, p)) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// What OVH answers to `problem`; `None` for what it lets through (query parameters it does
/// not declare, a body sent to an operation that takes none, no body for one that takes one).
fn answer(route: &Route, problem: &Problem) -> Option<ApiError> {
    Some(match problem {
        Problem::WrongType { place, value, ty } => {
            invalid_type(&place.name(), value, &type_name(ty))
        }
        Problem::NotListed {
            place, value, key, ..
        } => not_in_enum(&place.name(), value, key),
        Problem::Missing { place } => missing_property(&place.name()),
        Problem::UnknownMembers { at, names, .. } => {
            let names: Vec<String> = names
                .iter()
                .map(|n| {
                    let mut place = at.clone();
                    place.push(Step::Key(n.clone()));
                    Place::Body(place).name()
                })
                .collect();
            not_described(route, &names)
        }
        Problem::NotAnObject => ApiError::bad_request("Invalid body: a JSON object is expected"),
        Problem::UnknownQuery { .. } | Problem::UnexpectedBody | Problem::MissingBody => {
            return None
        }
    })
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
fn not_described(route: &Route, names: &[String]) -> ApiError {
    ApiError::bad_request(format!(
        "Received not described parameters: ({}) while calling {}:{}",
        names.join(", "),
        route.method,
        route.key.split_once(' ').map_or("", |(_, path)| path)
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
