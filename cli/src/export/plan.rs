//! Each endpoint checked against the schemas and decided once: its operation, where each path
//! parameter's values come from, which query parameters go to it and which to the collections
//! listing its ids, its table's key and columns.

use std::collections::BTreeMap;

use ovhcloud_schema::model::{Ir, ModelKind, Operation, ParamLocation, TypeRef};
use ovhcloud_schema::reader::{Branch, HttpMethod};
use serde_json::Value;

use super::columns::{self, Column, Kind};
use super::config::{EndpointSpec, ParamSpec};
use crate::catalog::{parse_method, split_branch, Catalog};
use crate::error::{CliError, Result};

/// Where a path parameter's values come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// Every id the collection (`/me/bill`, filled with the earlier values) lists.
    Listed {
        collection: String,
    },
    Values(Vec<String>),
    /// The values of a column of an endpoint exported before.
    From {
        endpoint: String,
        column: String,
    },
}

/// What one call answers, as rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One object (or scalar): one row.
    One,
    /// A list: one row per element, keyed by the element (ids) or its position (objects).
    List,
}

#[derive(Debug)]
pub struct Endpoint<'c> {
    pub spec: EndpointSpec,
    pub op: &'c Operation,
    pub branch: Branch,
    /// The path parameters, in path order.
    pub params: Vec<(String, Source)>,
    /// Query parameters of the endpoint's own operation.
    pub query: Vec<(String, Value)>,
    /// Query parameters of the collections that list ids, by collection template.
    pub listing_query: BTreeMap<String, Vec<(String, Value)>>,
    pub shape: Shape,
    /// The table's key: the path parameters, then the element's column for a list.
    pub key: Vec<Column>,
    /// Every column, the key's first.
    pub columns: Vec<Column>,
}

impl Endpoint<'_> {
    pub fn table(&self) -> &str {
        &self.spec.name
    }

    /// Whether every value of its last path parameter can come from its collection's expanded
    /// listing (objects in pages) instead of one call per id.
    pub fn listed_last(&self) -> Option<&str> {
        match (self.op.method, self.shape, self.params.last()) {
            (HttpMethod::Get, Shape::One, Some((_, Source::Listed { collection }))) => {
                Some(collection)
            }
            _ => None,
        }
    }
}

/// Checks and plans every endpoint, in order: a `from` names an endpoint before it.
pub fn plan<'c>(catalog: &'c Catalog, specs: Vec<EndpointSpec>) -> Result<Vec<Endpoint<'c>>> {
    let mut planned: Vec<Endpoint<'c>> = Vec::new();
    for spec in specs {
        let endpoint = plan_one(catalog, spec, &planned)?;
        if planned.iter().any(|e| e.table() == endpoint.table()) {
            return Err(CliError::usage(format!(
                "two endpoints are named `{}`",
                endpoint.table()
            )));
        }
        planned.push(endpoint);
    }
    Ok(planned)
}

fn plan_one<'c>(
    catalog: &'c Catalog,
    spec: EndpointSpec,
    before: &[Endpoint<'c>],
) -> Result<Endpoint<'c>> {
    let fail = |message: String| CliError::usage(format!("endpoint `{}`: {message}", spec.name));
    if !valid_table_name(&spec.name) {
        return Err(fail("a name is letters, digits and `_`".into()));
    }
    let method = parse_method(&spec.method)?;
    let target = catalog
        .resolve(method, &spec.path)
        .map_err(|e| fail(e.to_string()))?;
    let op = target.op;
    let (branch, _) = split_branch(&spec.path);
    let ir = &catalog.ir;
    for name in spec.params.keys() {
        if !op.path.contains(&format!("{{{name}}}")) {
            return Err(fail(format!("{} has no path parameter `{name}`", op.path)));
        }
    }
    let mut params = Vec::new();
    for (name, _) in &target.path_values {
        // The path as written: `{billId}` left to the spec, a value written in the path kept.
        let written = spec
            .path
            .split('/')
            .zip(op.path.split('/'))
            .find(|(_, t)| *t == format!("{{{name}}}"))
            .map(|(w, _)| w.to_owned())
            .unwrap_or_default();
        let source = match (spec.params.get(name), written.starts_with('{')) {
            (Some(ParamSpec::One(v)), _) if v == "*" => listed(catalog, branch, op, name)?,
            (Some(ParamSpec::One(v)), _) => Source::Values(vec![v.clone()]),
            (Some(ParamSpec::Many(v)), _) => Source::Values(v.clone()),
            (Some(ParamSpec::From { from, field }), _) => {
                let parent = before.iter().find(|e| e.table() == from).ok_or_else(|| {
                    fail(format!(
                        "`{name}` is taken from `{from}`, which is not an endpoint before it"
                    ))
                })?;
                let column = field.clone().unwrap_or_else(|| name.clone());
                if !parent.columns.iter().any(|c| c.name == column) {
                    return Err(fail(format!("`{from}` has no column `{column}`")));
                }
                Source::From {
                    endpoint: from.clone(),
                    column,
                }
            }
            (None, true) => listed(catalog, branch, op, name)?,
            (None, false) => Source::Values(vec![written]),
        };
        if let Source::Values(values) = &source {
            let ty = &op
                .params
                .iter()
                .find(|p| &p.name == name)
                .expect("a path parameter")
                .ty;
            for value in values {
                crate::call::check_text(ir, ty, value)
                    .map_err(|e| fail(format!("path parameter `{name}`: {e}")))?;
            }
        }
        params.push((name.clone(), source));
    }
    let (query, listing_query) = split_query(catalog, branch, op, &spec, &params).map_err(fail)?;
    if let Some(body) = spec.body_json() {
        let text = body.to_string();
        let request = crate::call::CallRequest {
            method: spec.method.clone(),
            path: op.path.clone(),
            query: Vec::new(),
            body: Some(text),
            schemas_version: None,
        };
        crate::call::check(catalog, request).map_err(|e| fail(e.to_string()))?;
    }
    let (shape, item) = match &op.response {
        TypeRef::Array(item) => (Shape::List, item.as_ref()),
        other => (Shape::One, other),
    };
    let mut key: Vec<Column> = params
        .iter()
        .map(|(name, _)| {
            let ty = &op
                .params
                .iter()
                .find(|p| &p.name == name)
                .expect("a path parameter")
                .ty;
            key_column(ir, name, ty)
        })
        .collect();
    let mut values = columns::columns(ir, item);
    if shape == Shape::List {
        let element = match (is_object(ir, item), child_parameter(catalog, branch, op)) {
            (true, _) => "_index".to_owned(),
            (false, Some(child)) => child,
            (false, None) => "value".to_owned(),
        };
        if let Some(scalar) = values.iter_mut().find(|c| c.members.is_empty()) {
            scalar.name = element.clone();
        }
        key.push(Column {
            name: element,
            kind: if is_object(ir, item) {
                Kind::Integer
            } else {
                values.first().map_or(Kind::Text, |c| c.kind)
            },
            members: Vec::new(),
        });
    }
    // A member holding a key's value (a bill's `billId`) is the key's column.
    values.retain(|c| !key.iter().any(|k| k.name == c.name));
    let columns = key.iter().cloned().chain(values).collect();
    Ok(Endpoint {
        spec,
        op,
        branch,
        params,
        query,
        listing_query,
        shape,
        key,
        columns,
    })
}

fn valid_table_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_object(ir: &Ir, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Model { key, .. } => matches!(
            ir.models.get(key).map(|m| &m.kind),
            Some(ModelKind::Object { .. })
        ),
        TypeRef::Alias { target, .. } => is_object(ir, target),
        _ => false,
    }
}

fn key_column(ir: &Ir, name: &str, ty: &TypeRef) -> Column {
    let kind = columns::columns(ir, ty)
        .first()
        .map_or(Kind::Text, |c| c.kind);
    // Filled from the call's path values, not from the answer.
    Column {
        name: name.to_owned(),
        kind,
        members: Vec::new(),
    }
}

/// The collection listing `name`'s values: the template up to `/{name}`, which must be a `GET`
/// answering a list.
fn listed(catalog: &Catalog, branch: Branch, op: &Operation, name: &str) -> Result<Source> {
    let marker = format!("/{{{name}}}");
    let cut = op.path.find(&marker).expect("a path parameter");
    let collection = op.path[..cut].to_owned();
    let lists = catalog
        .ir
        .apis
        .iter()
        .filter(|a| a.branch == branch)
        .any(|a| {
            a.operations.iter().any(|o| {
                o.path == collection
                    && o.method == HttpMethod::Get
                    && matches!(o.response, TypeRef::Array(_))
            })
        });
    if !lists {
        return Err(CliError::usage(format!(
            "no GET {collection} lists the values of `{name}`: give them (params = {{ {name} = [\"…\"] }})"
        )));
    }
    Ok(Source::Listed { collection })
}

/// For a list endpoint (`/allDom/{serviceName}/domain`), the parameter its elements are the
/// values of (`domain`, from `/allDom/{serviceName}/domain/{domain}`).
fn child_parameter(catalog: &Catalog, branch: Branch, op: &Operation) -> Option<String> {
    let prefix = format!("{}/{{", op.path);
    catalog
        .ir
        .apis
        .iter()
        .filter(|a| a.branch == branch)
        .flat_map(|a| &a.operations)
        .find_map(|o| {
            let rest = o.path.strip_prefix(&prefix)?;
            let name = rest.strip_suffix('}')?;
            (!name.contains('/')).then(|| name.to_owned())
        })
}

/// Query parameters: those the endpoint's operation takes go to it, the others to the
/// collection that lists ids and takes them (`date.from` of `/me/bill` for `/me/bill/{billId}`).
#[allow(clippy::type_complexity)]
fn split_query(
    catalog: &Catalog,
    branch: Branch,
    op: &Operation,
    spec: &EndpointSpec,
    params: &[(String, Source)],
) -> std::result::Result<(Vec<(String, Value)>, BTreeMap<String, Vec<(String, Value)>>), String> {
    let ir = &catalog.ir;
    let mut own = Vec::new();
    let mut listing: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
    'query: for (name, value) in &spec.query {
        let text = value.text();
        let takes = |o: &Operation| {
            o.params
                .iter()
                .find(|p| &p.name == name && p.location == ParamLocation::Query)
                .map(|p| p.ty.clone())
        };
        if let Some(ty) = takes(op) {
            own.push((
                name.clone(),
                crate::call::check_text(ir, &ty, &text)
                    .map_err(|e| format!("query `{name}`: {e}"))?,
            ));
            continue;
        }
        for (_, source) in params {
            let Source::Listed { collection } = source else {
                continue;
            };
            let collection_op = ir
                .apis
                .iter()
                .filter(|a| a.branch == branch)
                .flat_map(|a| &a.operations)
                .find(|o| &o.path == collection && o.method == HttpMethod::Get);
            if let Some(ty) = collection_op.and_then(takes) {
                let typed = crate::call::check_text(ir, &ty, &text)
                    .map_err(|e| format!("query `{name}`: {e}"))?;
                listing
                    .entry(collection.clone())
                    .or_default()
                    .push((name.clone(), typed));
                continue 'query;
            }
        }
        return Err(format!(
            "unknown query parameter `{name}`: neither {} nor the collections listing its ids take it",
            op.path
        ));
    }
    Ok((own, listing))
}
