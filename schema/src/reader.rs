//! Stage 1: reads OVH's native schema documents (`/1.0/{api}.json`, `/v2/{api}.json`) as they
//! are served, into plain structs. Nothing is resolved here; every problem is reported with the
//! file and the JSON pointer where it was found.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

/// API branch a schema belongs to: `/1.0` (alias `/v1`) or `/v2`; the runtime's own.
pub use ovhcloud_base::Branch;
/// An operation's HTTP method, read as written (`"GET"`): the runtime's `Method`.
pub use ovhcloud_base::Method as HttpMethod;

/// A problem in one schema file, located by JSON pointer (RFC 6901).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    pub file: PathBuf,
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "(document root)"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{}: at {}: {}",
            self.file.display(),
            pointer,
            self.message
        )
    }
}

impl std::error::Error for SchemaError {}

/// One per-API schema document, as served.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaDoc {
    #[serde(default)]
    pub api_version: Option<String>,
    /// Absent in documents that only carry models (`/products`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub apis: Vec<PathEntry>,
    pub resource_path: String,
    #[serde(default)]
    pub base_path: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub models: BTreeMap<String, ModelDef>,
    /// v2 only: section title → description.
    #[serde(default, deserialize_with = "null_as_default")]
    pub subsections: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct PathEntry {
    pub path: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub operations: Vec<OperationDef>,
    #[serde(default, deserialize_with = "documentation")]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationDef {
    pub api_status: ApiStatusDef,
    #[serde(default)]
    pub operation_id: Option<String>,
    pub http_method: HttpMethod,
    #[serde(default, deserialize_with = "null_as_default")]
    pub parameters: Vec<ParameterDef>,
    pub response_type: String,
    #[serde(default, deserialize_with = "flag")]
    pub no_authentication: bool,
    #[serde(default, deserialize_with = "documentation")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "documentation")]
    pub long_description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub errors: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub iam_actions: Vec<IamActionDef>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Stability {
    Production,
    Beta,
    Alpha,
    Deprecated,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStatusDef {
    #[serde(default, deserialize_with = "documentation")]
    pub description: Option<String>,
    pub value: Stability,
    #[serde(default, deserialize_with = "documentation")]
    pub deletion_date: Option<String>,
    #[serde(default, deserialize_with = "documentation")]
    pub deprecated_date: Option<String>,
    #[serde(default, deserialize_with = "documentation")]
    pub replacement: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ParamKind {
    Path,
    Query,
    Body,
    Header,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParameterDef {
    /// Missing (or `null` on legacy servers) for the whole-body parameter.
    #[serde(default)]
    pub name: Option<String>,
    pub data_type: String,
    pub param_type: ParamKind,
    #[serde(default)]
    pub full_type: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub required: bool,
    #[serde(default, deserialize_with = "documentation")]
    pub description: Option<String>,
}

impl ParameterDef {
    /// `fullType` carries alias information; it is absent on a few parameters.
    pub fn type_expr(&self) -> &str {
        self.full_type.as_deref().unwrap_or(&self.data_type)
    }
}

/// An IAM action an operation needs. Files from before 2023-06 list plain names (`"vps:apiovh:get"`,
/// all required); later ones list objects.
#[derive(Clone, Debug, Deserialize)]
#[serde(from = "IamActionRepr")]
pub struct IamActionDef {
    pub name: String,
    pub required: bool,
    #[serde(default, deserialize_with = "documentation")]
    pub description: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IamActionRepr {
    Name(String),
    Object {
        name: String,
        #[serde(default, deserialize_with = "flag")]
        required: bool,
        #[serde(default, deserialize_with = "documentation")]
        description: Option<String>,
    },
}

impl From<IamActionRepr> for IamActionDef {
    fn from(repr: IamActionRepr) -> Self {
        match repr {
            IamActionRepr::Name(name) => IamActionDef {
                name,
                required: true,
                description: None,
            },
            IamActionRepr::Object {
                name,
                required,
                description,
            } => IamActionDef {
                name,
                required,
                description,
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelDef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default, deserialize_with = "documentation")]
    pub description: Option<String>,
    #[serde(default)]
    pub properties: Option<BTreeMap<String, PropertyDef>>,
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub enum_type: Option<String>,
    #[serde(default)]
    pub generics: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyDef {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default)]
    pub full_type: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub can_be_null: bool,
    #[serde(default, deserialize_with = "flag")]
    pub read_only: bool,
    #[serde(default, deserialize_with = "documentation")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub required: bool,
}

impl PropertyDef {
    pub fn type_expr(&self) -> &str {
        self.full_type.as_deref().unwrap_or(&self.type_name)
    }
}

/// Legacy servers write `null` where others omit a key.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Text that only documents (descriptions, dates of the status, a replacement's name): a value
/// that is not a string is ignored, never a reason to reject the file.
fn documentation<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    })
}

/// A yes/no attribute: `true`/`false`, or as files before 2017 write it, `1`/`0` (also as text);
/// `null` is no.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    use serde::de::Error;
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(false),
        Some(serde_json::Value::Bool(b)) => Ok(b),
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(0) => Ok(false),
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(1) => Ok(true),
        Some(serde_json::Value::String(s)) if matches!(s.as_str(), "true" | "1") => Ok(true),
        Some(serde_json::Value::String(s)) if matches!(s.as_str(), "false" | "0") => Ok(false),
        Some(other) => Err(D::Error::custom(format!(
            "invalid value: {other}, expected true, false, 1 or 0"
        ))),
    }
}

/// A schema file read from disk, with where it came from.
#[derive(Debug)]
pub struct LoadedSchema {
    pub branch: Branch,
    pub file: PathBuf,
    /// SHA-256 of the file's bytes: the version recorded in the manifest.
    pub sha256: String,
    /// Size of the file in bytes.
    pub size: u64,
    pub doc: SchemaDoc,
}

/// Parses one document. The fast path is plain serde_json; only a failing document is parsed a
/// second time with path tracking, so that the error names a JSON pointer.
pub fn parse_schema(file: &Path, bytes: &[u8]) -> Result<SchemaDoc, SchemaError> {
    match serde_json::from_slice::<SchemaDoc>(bytes) {
        Ok(doc) => Ok(doc),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let (pointer, message) = match serde_path_to_error::deserialize::<_, SchemaDoc>(&mut de)
            {
                Ok(_) => (String::new(), first.to_string()),
                Err(e) => (path_to_pointer(e.path()), e.inner().to_string()),
            };
            Err(SchemaError {
                file: file.to_owned(),
                pointer,
                message,
            })
        }
    }
}

/// A `serde_path_to_error` path as a JSON pointer: `/apis/0/operations/1/httpMethod`.
pub fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

/// Escapes one reference token of a JSON pointer.
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Reads every `v1/*.json` and `v2/*.json` under `dir` (except the `_index.json` listings),
/// sorted by branch then file name. Returns the documents that parsed and one error per file
/// that did not: a bad file never hides the others.
pub fn load_dir(dir: &Path) -> (Vec<LoadedSchema>, Vec<SchemaError>) {
    let mut schemas = Vec::new();
    let mut errors = Vec::new();
    if !dir.join("v1").is_dir() && !dir.join("v2").is_dir() {
        let message = if dir.is_dir() {
            "has neither v1/ nor v2/ schemas"
        } else {
            "is not a directory"
        };
        errors.push(SchemaError {
            file: dir.to_owned(),
            pointer: String::new(),
            message: message.to_owned(),
        });
    }
    for branch in [Branch::V1, Branch::V2] {
        let sub = dir.join(branch.dir_name());
        let entries = match std::fs::read_dir(&sub) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                errors.push(SchemaError {
                    file: sub,
                    pointer: String::new(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('_'))
            })
            .collect();
        files.sort();
        for file in files {
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => {
                    errors.push(SchemaError {
                        file,
                        pointer: String::new(),
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            match parse_schema(&file, &bytes) {
                Ok(doc) => {
                    let sha256 = crate::sha256_hex(&bytes);
                    schemas.push(LoadedSchema {
                        branch,
                        file,
                        sha256,
                        size: bytes.len() as u64,
                        doc,
                    });
                }
                Err(e) => errors.push(e),
            }
        }
    }
    (schemas, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both shapes OVH has served: objects (2023-06 on) and plain names (earlier, all required).
    #[test]
    fn iam_actions_in_both_shapes() {
        let doc = r#"{"resourcePath":"/a","apis":[{"path":"/a","operations":[
            {"httpMethod":"GET","responseType":"void","apiStatus":{"value":"PRODUCTION"},"iamActions":["a:apiovh:get"]},
            {"httpMethod":"PUT","responseType":"void","apiStatus":{"value":"PRODUCTION"},
             "iamActions":[{"name":"a:apiovh:edit","required":false,"description":"Edit"}]}]}]}"#;
        let doc = parse_schema(Path::new("a.json"), doc.as_bytes()).unwrap();
        let ops = &doc.apis[0].operations;
        assert_eq!(ops[0].iam_actions[0].name, "a:apiovh:get");
        assert!(ops[0].iam_actions[0].required);
        assert_eq!(ops[1].iam_actions[0].name, "a:apiovh:edit");
        assert!(!ops[1].iam_actions[0].required);
        assert_eq!(ops[1].iam_actions[0].description.as_deref(), Some("Edit"));
    }

    #[test]
    fn bad_field_is_reported_with_pointer() {
        let json = br#"{"apis":[{"path":"/x","operations":[{"apiStatus":{"value":"PRODUCTION"},
            "httpMethod":"GET","parameters":[],"responseType":7}],"description":""}],
            "resourcePath":"/x","basePath":"https://eu.api.ovh.com/1.0","models":{}}"#;
        let err = parse_schema(Path::new("x.json"), json).unwrap_err();
        assert_eq!(err.pointer, "/apis/0/operations/0/responseType");
        assert!(err.message.contains("expected a string"), "{}", err.message);
        assert!(err
            .to_string()
            .starts_with("x.json: at /apis/0/operations/0/responseType:"));
    }

    #[test]
    fn unknown_http_method_is_an_error() {
        let json = br#"{"apis":[{"path":"/x","operations":[{"apiStatus":{"value":"PRODUCTION"},
            "httpMethod":"TRACE","parameters":[],"responseType":"void"}]}],
            "resourcePath":"/x","models":{}}"#;
        let err = parse_schema(Path::new("x.json"), json).unwrap_err();
        assert_eq!(err.pointer, "/apis/0/operations/0/httpMethod");
        assert!(err.message.contains("TRACE"), "{}", err.message);
    }

    #[test]
    fn flags_written_as_numbers_and_documentation_of_any_type_are_accepted() {
        // As files of 2014-2016 write them; a description that is not text is ignored.
        let json = br#"{"resourcePath":"/p","models":{"a.B":{"id":"B","namespace":"a",
            "description":42,"properties":{"x":{"type":"long","canBeNull":1,"readOnly":0,
            "description":["not","text"]}}}}}"#;
        let doc = parse_schema(Path::new("p.json"), json).unwrap();
        let model = &doc.models["a.B"];
        assert_eq!(model.description, None);
        let prop = &model.properties.as_ref().unwrap()["x"];
        assert!(prop.can_be_null && !prop.read_only);
        let json = br#"{"resourcePath":"/p","models":{"a.B":{"id":"B","namespace":"a",
            "properties":{"x":{"type":"long","canBeNull":2}}}}}"#;
        let err = parse_schema(Path::new("p.json"), json).unwrap_err();
        assert_eq!(err.pointer, "/models/a.B/properties/x/canBeNull");
    }

    #[test]
    fn legacy_nulls_and_missing_apis_are_accepted() {
        let json = br#"{"resourcePath":"/products","models":{"a.B":{"id":"B","namespace":"a",
            "description":null,"properties":{"x":{"type":"long","canBeNull":false,
            "readOnly":null,"description":null}}}}}"#;
        let doc = parse_schema(Path::new("p.json"), json).unwrap();
        assert!(doc.apis.is_empty());
        let prop = &doc.models["a.B"].properties.as_ref().unwrap()["x"];
        assert!(!prop.read_only && !prop.required);
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(pointer_token("/a~b"), "~1a~0b");
    }
}
