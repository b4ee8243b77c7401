//! What to export: endpoints from a TOML file, from flags, or a ready-made example.
//!
//! ```toml
//! [[endpoints]]
//! name = "bills"                    # the table
//! path = "/me/bill/{billId}"        # method GET unless `method` says otherwise
//! query = { "date.from" = "2024-01-01" }
//! params = { billId = "*" }         # every id /me/bill lists (the default for a path parameter)
//!
//! [[endpoints]]
//! name = "bill_details"
//! path = "/me/bill/{billId}/details/{billDetailId}"
//! params = { billId = { from = "bills", field = "billId" } }   # the ids of another table
//! ```
//!
//! A parameter is `"*"` (every id its collection lists), a value, a list of values, or
//! `{ from = "<endpoint name>", field = "<column>" }` (the values of an endpoint exported
//! before it).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{CliError, Result};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportFile {
    pub endpoints: Vec<EndpointSpec>,
}

/// One endpoint, as written.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    /// The table's name.
    pub name: String,
    #[serde(default = "get")]
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub params: BTreeMap<String, ParamSpec>,
    #[serde(default)]
    pub query: BTreeMap<String, QueryValue>,
    /// The JSON body of a `POST`/`PUT`.
    #[serde(default)]
    pub body: Option<toml::Value>,
}

fn get() -> String {
    "GET".to_owned()
}

/// Where a path parameter's values come from.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ParamSpec {
    /// `"*"` (every id listed), or one value.
    One(String),
    Many(Vec<String>),
    From {
        from: String,
        field: Option<String>,
    },
}

/// A query value: text, a number or a boolean (written as TOML has it).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum QueryValue {
    Text(String),
    Integer(i64),
    Boolean(bool),
}

impl QueryValue {
    pub fn text(&self) -> String {
        match self {
            QueryValue::Text(t) => t.clone(),
            QueryValue::Integer(i) => i.to_string(),
            QueryValue::Boolean(b) => b.to_string(),
        }
    }
}

impl EndpointSpec {
    /// The body as JSON.
    pub fn body_json(&self) -> Option<Value> {
        self.body
            .as_ref()
            .map(|b| serde_json::to_value(b).expect("TOML values are JSON values"))
    }
}

/// Reads a configuration file; a mistake names the file and where in it.
pub fn read(path: &Path) -> Result<Vec<EndpointSpec>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let file: ExportFile =
        toml::from_str(&text).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    if file.endpoints.is_empty() {
        return Err(CliError::usage(format!(
            "{}: no [[endpoints]]",
            path.display()
        )));
    }
    Ok(file.endpoints)
}

/// The ready-made examples (`--example`), as the OVHcloud API data connectors document them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Example {
    /// `GET /me/bill/{billId}`: every bill.
    Bills,
    /// `GET /me/bill/{billId}/details`, then each detail: every line of every bill.
    BillDetails,
    /// `POST /me/document`: creates a document (name `export.txt`) and stores the answer.
    Documents,
    /// `GET /allDom/{serviceName}/domain`: the domains of every allDom pack.
    Alldom,
}

impl Example {
    pub fn endpoints(self) -> Vec<EndpointSpec> {
        let spec = |name: &str, method: &str, path: &str| EndpointSpec {
            name: name.to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            params: BTreeMap::new(),
            query: BTreeMap::new(),
            body: None,
        };
        match self {
            Example::Bills => vec![spec("bills", "GET", "/me/bill/{billId}")],
            Example::BillDetails => vec![
                spec("bill_detail_ids", "GET", "/me/bill/{billId}/details"),
                spec(
                    "bill_details",
                    "GET",
                    "/me/bill/{billId}/details/{billDetailId}",
                ),
            ],
            Example::Documents => vec![EndpointSpec {
                body: Some(toml::Value::Table(
                    [("name".to_owned(), toml::Value::String("export.txt".into()))]
                        .into_iter()
                        .collect(),
                )),
                ..spec("documents", "POST", "/me/document")
            }],
            Example::Alldom => vec![spec(
                "alldom_domains",
                "GET",
                "/allDom/{serviceName}/domain",
            )],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_every_kind_of_parameter() {
        let text = r#"
[[endpoints]]
name = "bills"
path = "/me/bill/{billId}"
query = { "date.from" = "2024-01-01", orderId = 7 }

[[endpoints]]
name = "details"
path = "/me/bill/{billId}/details/{billDetailId}"
params = { billId = { from = "bills", field = "billId" }, billDetailId = "*" }
"#;
        let file: ExportFile = toml::from_str(text).unwrap();
        assert_eq!(file.endpoints[0].method, "GET");
        assert_eq!(file.endpoints[0].query["orderId"].text(), "7");
        assert_eq!(
            file.endpoints[1].params["billId"],
            ParamSpec::From {
                from: "bills".into(),
                field: Some("billId".into())
            }
        );
        assert_eq!(
            file.endpoints[1].params["billDetailId"],
            ParamSpec::One("*".into())
        );
        let err = toml::from_str::<ExportFile>("[[endpoints]]\nname = 1\npath = \"/x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("name"), "{err}");
    }
}
