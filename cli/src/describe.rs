//! `list-apis` and `describe`: what the schemas say.

use std::fmt::Write;

use ovhcloud_schema::model::{Operation, ParamLocation, TypeRef};
use ovhcloud_schema::reader::Branch;

use crate::catalog::Catalog;
use crate::error::Result;
use crate::export::columns::columns;

/// One line per API: branch, path, operation count.
pub fn apis(catalog: &Catalog) -> String {
    let mut out = String::new();
    for api in &catalog.ir.apis {
        let branch = match api.branch {
            Branch::V1 => "v1",
            Branch::V2 => "v2",
        };
        let _ = writeln!(
            out,
            "{branch}  {:<40} {:>5} operations",
            api.name,
            api.operations.len()
        );
    }
    out
}

/// The APIs the endpoint lists (`/1.0/`, `/v2/`).
pub async fn listing(root_url: &str) -> Result<Vec<String>> {
    let fetcher = crate::catalog::fetcher()?;
    let mut out = Vec::new();
    for branch in [Branch::V1, Branch::V2] {
        let url = format!("{}/", crate::catalog::branch_url(root_url, branch));
        let listing = crate::catalog::get_json(&fetcher, &url).await?;
        let branch = branch.dir_name();
        for api in listing["apis"].as_array().into_iter().flatten() {
            let path = api["path"].as_str().unwrap_or_default();
            let description = api["description"].as_str().unwrap_or_default();
            out.push(format!("{branch}  {path:<40} {description}"));
        }
    }
    Ok(out)
}

/// Every operation at `path`: summary, parameters, body, response and its columns.
pub fn operations(catalog: &Catalog, path: &str) -> Result<String> {
    let mut out = String::new();
    for (api, op) in catalog.operations_at(path)? {
        let prefix = match api.branch {
            Branch::V1 => "",
            Branch::V2 => "/v2",
        };
        let _ = writeln!(out, "{} {prefix}{}", op.method.as_str(), op.path);
        if let Some(summary) = &op.description {
            let _ = writeln!(out, "  {summary}");
        }
        let _ = writeln!(
            out,
            "  {:?}{}",
            op.status.stability,
            if op.authenticated {
                ""
            } else {
                ", no authentication"
            }
        );
        describe_params(&mut out, op);
        let _ = writeln!(out, "  response: {}", type_name(&op.response));
        let cols = columns(&catalog.ir, element(&op.response));
        if !cols.is_empty() {
            let _ = writeln!(out, "  columns (ovhcloud export):");
            for c in cols {
                let _ = writeln!(out, "    {:<40} {}", c.name, c.kind.name());
            }
        }
        out.push('\n');
    }
    Ok(out)
}

fn describe_params(out: &mut String, op: &Operation) {
    for p in &op.params {
        let location = match p.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::BodyField => "body",
        };
        let _ = writeln!(
            out,
            "  {location:<6} {:<24} {:<32} {}{}",
            p.name,
            type_name(&p.ty),
            if p.required { "required" } else { "optional" },
            p.description
                .as_deref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default()
        );
    }
    if let Some(body) = &op.body {
        let _ = writeln!(out, "  body   {}", type_name(&body.ty));
    }
}

/// The item type of a list, or the type itself.
pub fn element(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Array(item) => item,
        other => other,
    }
}

pub fn type_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Unit => "void".into(),
        TypeRef::Primitive(p) => p.name().into(),
        TypeRef::Model { key, args } if args.is_empty() => key.clone(),
        TypeRef::Model { key, args } => format!(
            "{key}<{}>",
            args.iter().map(type_name).collect::<Vec<_>>().join(", ")
        ),
        TypeRef::Param(name) => name.clone(),
        TypeRef::Array(item) => format!("{}[]", type_name(item)),
        TypeRef::Map(k, v) => format!("map[{}]{}", type_name(k), type_name(v)),
        TypeRef::Alias { name, .. } => name.clone(),
    }
}
