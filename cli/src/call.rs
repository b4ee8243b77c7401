//! `ovhcloud call METHOD PATH`: any operation, checked against its schema before anything is
//! sent, signed, and answered as pretty JSON (or the raw body).

use ovhcloud_runtime::{Call, Client};
use ovhcloud_schema::model::{EnumValues, Ir, ModelKind, Param, ParamLocation, TypeRef};

use ovhcloud_schema::typeexpr::Primitive;
use serde_json::Value;

use crate::catalog::{params_at, Catalog, Target};
use crate::error::{CliError, Result};

/// What `call` was asked.
pub struct CallRequest {
    pub method: String,
    pub path: String,
    /// `-q key=value`, in order; a key may repeat (a list).
    pub query: Vec<(String, String)>,
    /// `--body`: JSON text, or `@file`.
    pub body: Option<String>,
    pub schemas_version: Option<String>,
}

/// A call checked against its schema, ready to send.
pub struct Checked<'c> {
    pub target: Target<'c>,
    pub query: Vec<(String, Value)>,
    pub body: Option<String>,
    pub schemas_version: Option<String>,
}

/// Checks `request` against the catalog: the operation exists, every path value, query
/// parameter and body field is known and of its type, the required ones are there.
pub fn check<'c>(catalog: &'c Catalog, request: CallRequest) -> Result<Checked<'c>> {
    let method = crate::catalog::parse_method(&request.method)?;
    let target = catalog.resolve(method, &request.path)?;
    let ir = &catalog.ir;
    let op = target.op;
    let at = |what: &str| format!("{} {}: {what}", op.method.as_str(), op.path);
    for (name, value) in &target.path_values {
        let param = params_at(op, ParamLocation::Path).find(|p| &p.name == name);
        if let Some(param) = param {
            check_text(ir, &param.ty, value)
                .map_err(|e| CliError::usage(at(&format!("path parameter `{name}`: {e}"))))?;
        }
    }
    let mut query = Vec::new();
    for (name, value) in &request.query {
        let Some(param) = params_at(op, ParamLocation::Query).find(|p| &p.name == name) else {
            let known: Vec<&str> = params_at(op, ParamLocation::Query)
                .map(|p| p.name.as_str())
                .collect();
            return Err(CliError::usage(at(&format!(
                "unknown query parameter `{name}` ({})",
                if known.is_empty() {
                    "it takes none".to_owned()
                } else {
                    format!("it takes {}", known.join(", "))
                }
            ))));
        };
        let item = match &param.ty {
            TypeRef::Array(item) => item.as_ref(),
            other => other,
        };
        let typed = check_text(ir, item, value)
            .map_err(|e| CliError::usage(at(&format!("query parameter `{name}`: {e}"))))?;
        query.push((name.clone(), typed));
    }
    if let Some(missing) = params_at(op, ParamLocation::Query)
        .filter(|p| p.required)
        .find(|p| !request.query.iter().any(|(n, _)| *n == p.name))
    {
        return Err(CliError::usage(at(&format!(
            "the query parameter `{}` is required (-q {}=…)",
            missing.name, missing.name
        ))));
    }
    let body = match &request.body {
        Some(text) => Some(read_body(text)?),
        None => None,
    };
    check_body(ir, op, body.as_deref()).map_err(|e| CliError::usage(at(&e)))?;
    Ok(Checked {
        target,
        query,
        body,
        schemas_version: request.schemas_version,
    })
}

/// Sends a checked call; the body of the answer, pretty-printed unless `raw`.
pub async fn send(client: &Client, checked: &Checked<'_>, raw: bool) -> Result<String> {
    let call = build(client, checked);
    if raw {
        return Ok(call.text().await?);
    }
    let value: Value = call.await?;
    Ok(serde_json::to_string_pretty(&value).expect("a JSON value serializes"))
}

/// The runtime call of a checked request.
pub fn build<'a>(client: &'a Client, checked: &Checked<'_>) -> Call<'a, Value> {
    let op = checked.target.op;
    let mut call = Call::new(
        client,
        checked.target.api.branch,
        op.method,
        op.path.clone(),
    );
    for (_, value) in &checked.target.path_values {
        call = call.path(value.as_str());
    }
    for (name, value) in &checked.query {
        call = call.query(name.clone(), value);
    }
    if let Some(body) = &checked.body {
        call = call.raw_body(body.clone());
    }
    if let Some(version) = &checked.schemas_version {
        call = call.header("X-Schemas-Version", version.as_str());
    }
    if !op.authenticated {
        call = call.unauthenticated();
    }
    if op.paginated {
        call = call.paginated();
    }
    call
}

/// `--body`: JSON text, or `@file` for a file's.
fn read_body(text: &str) -> Result<String> {
    let json = match text.strip_prefix('@') {
        Some(file) => std::fs::read_to_string(file)
            .map_err(|e| CliError::usage(format!("--body @{file}: {e}")))?,
        None => text.to_owned(),
    };
    serde_json::from_str::<Value>(&json)
        .map_err(|e| CliError::usage(format!("--body is not JSON: {e}")))?;
    Ok(json)
}

/// The body against the operation's: named body fields (known, typed, required ones there) or
/// one whole value.
fn check_body(
    ir: &Ir,
    op: &ovhcloud_schema::model::Operation,
    body: Option<&str>,
) -> std::result::Result<(), String> {
    let fields: Vec<&Param> = params_at(op, ParamLocation::BodyField).collect();
    let value: Option<Value> = body.map(|b| serde_json::from_str(b).expect("checked JSON"));
    match (&op.body, fields.is_empty(), value) {
        (None, true, None) => Ok(()),
        (None, true, Some(_)) => Err("it takes no body".into()),
        (Some(whole), _, Some(value)) => check_json(ir, &whole.ty, &value, ""),
        (Some(_), _, None) => Err("it needs a body (--body JSON or --body @file)".into()),
        (None, false, value) => {
            let empty = serde_json::Map::new();
            let object = match &value {
                Some(Value::Object(o)) => o,
                None => &empty,
                Some(_) => return Err("the body must be a JSON object".into()),
            };
            for (key, v) in object {
                let Some(field) = fields.iter().find(|f| &f.name == key) else {
                    let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                    return Err(format!(
                        "unknown body field `{key}` (it takes {})",
                        known.join(", ")
                    ));
                };
                check_json(ir, &field.ty, v, &format!("/{key}"))?;
            }
            match fields
                .iter()
                .find(|f| f.required && !object.contains_key(&f.name))
            {
                Some(f) => Err(format!("the body field `{}` is required", f.name)),
                None => Ok(()),
            }
        }
    }
}

/// A JSON value against a type, shallowly for models (an object), fully for scalars, enums and
/// lists. `at` is the JSON pointer, for the message.
fn check_json(ir: &Ir, ty: &TypeRef, value: &Value, at: &str) -> std::result::Result<(), String> {
    let wrong = |expected: &str| {
        Err(format!(
            "body{}: expected {expected}, got {value}",
            if at.is_empty() {
                String::new()
            } else {
                format!(" {at}")
            }
        ))
    };
    if value.is_null() {
        return Ok(());
    }
    match ty {
        TypeRef::Alias { target, .. } => check_json(ir, target, value, at),
        TypeRef::Array(item) => match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| check_json(ir, item, v, &format!("{at}/{i}"))),
            _ => wrong("a list"),
        },
        TypeRef::Primitive(p) => match (p, value) {
            (Primitive::Long, v) if v.is_i64() || v.is_u64() => Ok(()),
            (Primitive::Long, _) => wrong("an integer"),
            (Primitive::Double, v) if v.is_number() => Ok(()),
            (Primitive::Double, _) => wrong("a number"),
            (Primitive::Boolean, Value::Bool(_)) => Ok(()),
            (Primitive::Boolean, _) => wrong("true or false"),
            (Primitive::Any, _) => Ok(()),
            (p, Value::String(s)) => check_primitive(*p, s).map_err(|e| format!("body {at}: {e}")),
            (_, _) => wrong("a string"),
        },
        TypeRef::Model { key, .. } => match ir.models.get(key).map(|m| &m.kind) {
            Some(ModelKind::Enum(values)) => check_enum(
                values,
                &value
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| value.to_string()),
            )
            .map_err(|e| format!("body {at}: {e}")),
            Some(ModelKind::Object { .. }) if !value.is_object() => wrong("an object"),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// A value given as text (path, query) against its type; the JSON value to send.
pub(crate) fn check_text(ir: &Ir, ty: &TypeRef, text: &str) -> std::result::Result<Value, String> {
    match ty {
        TypeRef::Alias { target, .. } => check_text(ir, target, text),
        TypeRef::Primitive(Primitive::Long) => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{text}` is not an integer")),
        TypeRef::Primitive(Primitive::Double) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{text}` is not a number")),
        TypeRef::Primitive(Primitive::Boolean) => match text {
            "true" | "false" => Ok(Value::Bool(text == "true")),
            _ => Err(format!("`{text}` is not true or false")),
        },
        TypeRef::Primitive(p) => check_primitive(*p, text).map(|()| Value::String(text.into())),
        TypeRef::Model { key, .. } => match ir.models.get(key).map(|m| &m.kind) {
            Some(ModelKind::Enum(values)) => {
                check_enum(values, text).map(|()| Value::String(text.into()))
            }
            _ => Ok(Value::String(text.into())),
        },
        _ => Ok(Value::String(text.into())),
    }
}

fn check_enum(values: &EnumValues, text: &str) -> std::result::Result<(), String> {
    let listed: Vec<String> = match values {
        EnumValues::Strings(v) => v.clone(),
        EnumValues::Integers(v) => v.iter().map(i64::to_string).collect(),
    };
    if listed.iter().any(|v| v == text) {
        Ok(())
    } else {
        Err(format!("`{text}` is not one of {}", listed.join(", ")))
    }
}

/// The text forms the schema's string primitives take.
fn check_primitive(p: Primitive, text: &str) -> std::result::Result<(), String> {
    use ovhcloud_runtime::types::{Date, DateTime, IpBlock, Ipv4Block, Ipv6Block, Uuid};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    // OVH takes a plain date, or a date and time without offset, where a datetime goes.
    let date_first = |text: &str| {
        Date::parse_and_remainder(text, "%Y-%m-%d")
            .is_ok_and(|(_, rest)| rest.is_empty() || rest.starts_with(['T', ' ']))
    };
    let ok = match p {
        Primitive::Date => Date::parse_from_str(text, "%Y-%m-%d").is_ok(),
        Primitive::DateTime => DateTime::parse_from_rfc3339(text).is_ok() || date_first(text),
        Primitive::Ip => text.parse::<IpAddr>().is_ok(),
        Primitive::Ipv4 => text.parse::<Ipv4Addr>().is_ok(),
        Primitive::Ipv6 => text.parse::<Ipv6Addr>().is_ok(),
        Primitive::IpBlock => text.parse::<IpBlock>().is_ok(),
        Primitive::Ipv4Block => text.parse::<Ipv4Block>().is_ok(),
        Primitive::Ipv6Block => text.parse::<Ipv6Block>().is_ok(),
        Primitive::Uuid => Uuid::parse_str(text).is_ok(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("`{text}` is not a valid {}", p.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")).unwrap()
    }

    fn request(
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&str>,
    ) -> CallRequest {
        CallRequest {
            method: method.into(),
            path: path.into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.map(str::to_owned),
            schemas_version: None,
        }
    }

    #[test]
    fn good_calls_pass_and_are_typed() {
        let c = catalog();
        let checked = check(
            &c,
            request("GET", "/me/bill", &[("date.from", "2024-01-01")], None),
        )
        .unwrap();
        assert_eq!(
            checked.query,
            [("date.from".to_owned(), Value::String("2024-01-01".into()))]
        );
        let checked = check(
            &c,
            request("POST", "/me/document", &[], Some(r#"{"name":"a.pdf"}"#)),
        )
        .unwrap();
        assert_eq!(checked.body.as_deref(), Some(r#"{"name":"a.pdf"}"#));
    }

    #[test]
    fn bad_calls_say_what_is_wrong() {
        let c = catalog();
        let err = |r| check(&c, r).err().unwrap().to_string();
        assert_eq!(
            err(request(
                "GET",
                "/me/bill",
                &[("date.from", "yesterday")],
                None
            )),
            "GET /me/bill: query parameter `date.from`: `yesterday` is not a valid datetime"
        );
        assert!(err(request("GET", "/me/bill", &[("colour", "red")], None))
            .starts_with("GET /me/bill: unknown query parameter `colour` (it takes "));
        assert_eq!(
            err(request(
                "POST",
                "/me/document",
                &[],
                Some(r#"{"colour":1}"#)
            )),
            "POST /me/document: unknown body field `colour` (it takes name, tags)"
        );
        assert_eq!(
            err(request("POST", "/me/document", &[], Some("{}"))),
            "POST /me/document: the body field `name` is required"
        );
        assert_eq!(
            err(request("GET", "/me/bill", &[], Some("{}"))),
            "GET /me/bill: it takes no body"
        );
        assert!(err(request("GET", "/me/bill", &[], Some("{"))).starts_with("--body is not JSON"));
    }
}
