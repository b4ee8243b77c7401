//! `ovhcloud call METHOD PATH`: any operation, checked against its schema before anything is
//! sent, signed, and answered as pretty JSON (or the raw body).

use ovhcloud_runtime::{Call, Client};
use ovhcloud_schema::model::{Ir, ParamLocation, TypeRef};
use ovhcloud_schema::typeexpr::Primitive;
use ovhcloud_schema::validate::{self, Place, Problem};
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
    let body = match &request.body {
        Some(text) => Some(read_body(text)?),
        None => None,
    };
    let value: Option<Value> = body
        .as_deref()
        .map(|b| serde_json::from_str(b).expect("checked JSON"));
    let call = validate::Call {
        path: &target.path_values,
        query: &request.query,
        body: value.as_ref(),
    };
    let problems = validate::check(ir, &op.params, op.body.as_ref(), &call, &RULES);
    if let Some(problem) = problems.first() {
        return Err(CliError::usage(format!(
            "{} {}: {}",
            op.method.as_str(),
            op.path,
            message(problem)
        )));
    }
    let query = request
        .query
        .iter()
        .map(|(name, text)| {
            let ty = params_at(op, ParamLocation::Query)
                .find(|p| &p.name == name)
                .map(|p| match &p.ty {
                    TypeRef::Array(item) => item.as_ref(),
                    other => other,
                });
            (
                name.clone(),
                ty.map_or_else(|| text.as_str().into(), |ty| typed(ty, text)),
            )
        })
        .collect();
    Ok(Checked {
        target,
        query,
        body,
        schemas_version: request.schemas_version,
    })
}

/// The command line's reading of values: the runtime's types for dates, addresses and UUIDs;
/// list query parameters are checked item by item.
const RULES: validate::Rules<'static> = validate::Rules {
    text_fits: &text_fits,
    json_text_fits: &|p, text| check_primitive(p, text).is_ok(),
    query_list_items: true,
};

fn text_fits(p: Primitive, text: &str) -> bool {
    match p {
        Primitive::Long => text.parse::<i64>().is_ok(),
        Primitive::Double => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .is_some(),
        Primitive::Boolean => matches!(text, "true" | "false"),
        p => check_primitive(p, text).is_ok(),
    }
}

/// A problem as the command line says it.
fn message(problem: &Problem) -> String {
    let shown = |value: &Value| match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let param = |place: &Place| match place {
        Place::Path(name) => format!("path parameter `{name}`: "),
        Place::Query(name) => format!("query parameter `{name}`: "),
        Place::Body(_) => format!("body {}: ", place.pointer()),
    };
    match problem {
        Problem::WrongType { place, value, ty } => {
            let primitive = match ty.unaliased() {
                TypeRef::Primitive(p) => Some(*p),
                _ => None,
            };
            if let (Place::Body(_), false) = (place, value.is_string() && primitive.is_some()) {
                let expected = match ty.unaliased() {
                    TypeRef::Primitive(Primitive::Long) => "an integer",
                    TypeRef::Primitive(Primitive::Double) => "a number",
                    TypeRef::Primitive(Primitive::Boolean) => "true or false",
                    TypeRef::Primitive(_) => "a string",
                    TypeRef::Array(_) => "a list",
                    TypeRef::Map(..) | TypeRef::Model { .. } => "an object",
                    _ => "another value",
                };
                let at = place.pointer();
                let at = if at.is_empty() { at } else { format!(" {at}") };
                return format!("body{at}: expected {expected}, got {value}");
            }
            let text = shown(value);
            let what = match primitive {
                Some(Primitive::Long) => "an integer".to_owned(),
                Some(Primitive::Double) => "a number".to_owned(),
                Some(Primitive::Boolean) => "true or false".to_owned(),
                Some(p) => format!("a valid {}", p.name()),
                None => format!("a {}", validate::type_name(ty)),
            };
            format!("{}`{text}` is not {what}", param(place))
        }
        Problem::NotListed {
            place,
            value,
            listed,
            ..
        } => format!(
            "{}`{}` is not one of {}",
            param(place),
            shown(value),
            listed.join(", ")
        ),
        Problem::Missing {
            place: Place::Query(name),
        } => format!("the query parameter `{name}` is required (-q {name}=…)"),
        Problem::Missing { place } => format!("the body field `{}` is required", place.name()),
        Problem::UnknownQuery { name, known } => format!(
            "unknown query parameter `{name}` ({})",
            if known.is_empty() {
                "it takes none".to_owned()
            } else {
                format!("it takes {}", known.join(", "))
            }
        ),
        Problem::UnknownMembers { at, names, known } => {
            let mut place = at.clone();
            place.push(validate::Step::Key(names[0].clone()));
            format!(
                "unknown body field `{}` (it takes {})",
                Place::Body(place).name(),
                known.join(", ")
            )
        }
        Problem::UnexpectedBody => "it takes no body".to_owned(),
        Problem::MissingBody => "it needs a body (--body JSON or --body @file)".to_owned(),
        Problem::NotAnObject => "the body must be a JSON object".to_owned(),
    }
}

/// A checked text value as the JSON value to send: numbers and booleans as such.
fn typed(ty: &TypeRef, text: &str) -> Value {
    match ty.unaliased() {
        TypeRef::Primitive(Primitive::Long) => text
            .parse::<i64>()
            .map_or_else(|_| text.into(), Value::from),
        TypeRef::Primitive(Primitive::Double) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| text.into(), Value::Number),
        TypeRef::Primitive(Primitive::Boolean) => Value::Bool(text == "true"),
        _ => text.into(),
    }
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

/// A value given as text (path, query) against its type; the JSON value to send.
pub(crate) fn check_text(ir: &Ir, ty: &TypeRef, text: &str) -> std::result::Result<Value, String> {
    let place = Place::Query(String::new());
    match validate::check_text(ir, place, ty, text, &RULES) {
        Some(problem) => Err(message(&problem)
            .trim_start_matches("query parameter ``: ")
            .to_owned()),
        None => Ok(typed(ty, text)),
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
