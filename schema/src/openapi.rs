//! Stage 1, second reader: OpenAPI 3.0 and 3.1 documents (JSON; YAML with the `yaml` feature)
//! into the documents the native reader produces ([`SchemaDoc`]), so that every later stage
//! (model, merge, roles, plan, emission, lock, diff) is shared. Not a second generator.
//!
//! What maps one to one: named schemas (objects, enums, `allOf` compositions) become models;
//! `$ref`, arrays, maps (`additionalProperties`), formats, `nullable` and 3.1's
//! `type: [x, "null"]`, `required`, `readOnly`, parameters in path, query and header, JSON
//! request bodies (a named model, or an inline object whose members become body fields, as OVH's
//! "named body parameters"), the first successful response, `deprecated`, and OVH's extensions
//! (`x-iam-actions`, `x-badges`, `x-deprecation-date`, `x-deletion-date`,
//! `x-replacement-route`).
//!
//! What the native model cannot say degrades, each time with a warning naming the file and the
//! JSON pointer: a `oneOf`/`anyOf` of objects becomes one model holding every variant's members,
//! all optional (its discriminator, when there is one, is one of them); other unions, nested
//! arrays and unresolvable references become `any` (JSON values); cookie parameters and bodies
//! that are not JSON are left out; of several successful responses the first is used; a
//! parameter style other than `form` (query) or `simple` is reported, and sent the default way.
//! A `default` goes into the documentation, a `writeOnly` member is absent from responses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use crate::reader::{
    pointer_token, ApiStatusDef, Branch, HttpMethod, IamActionDef, LoadedSchema, ModelDef,
    OperationDef, ParamKind, ParameterDef, PathEntry, PropertyDef, SchemaDoc, SchemaError,
    Stability,
};

/// An OpenAPI document read into a native one, with what had to degrade.
#[derive(Debug)]
pub struct OpenApi {
    pub schema: LoadedSchema,
    pub warnings: Vec<SchemaError>,
    pub locations: Locations,
}

/// Where each part of the native document came from: (native pointer, OpenAPI pointer).
#[derive(Debug, Default)]
pub struct Locations(Vec<(String, String)>);

impl Locations {
    /// An error the model stage reported against the native document this one became, pointed
    /// at the OpenAPI document instead (`/apis/3/operations/2` → `/paths/~1links/patch`).
    pub fn locate(&self, mut error: SchemaError) -> SchemaError {
        let within = |prefix: &str| {
            error.pointer.starts_with(prefix)
                && matches!(
                    error.pointer.as_bytes().get(prefix.len()),
                    None | Some(b'/')
                )
        };
        let found = self
            .0
            .iter()
            .filter(|(native, _)| within(native))
            .max_by_key(|(native, _)| native.len());
        if let Some((native, openapi)) = found {
            error.pointer = format!("{openapi}{}", &error.pointer[native.len()..]);
        }
        error
    }
}

const METHODS: [(&str, HttpMethod); 5] = [
    ("get", HttpMethod::Get),
    ("post", HttpMethod::Post),
    ("put", HttpMethod::Put),
    ("delete", HttpMethod::Delete),
    ("patch", HttpMethod::Patch),
];

const SCHEMAS: &str = "#/components/schemas/";

/// Reads one OpenAPI document: JSON, or (with the `yaml` feature) YAML when the file name ends
/// in `.yml` or `.yaml`.
pub fn read(file: &Path, bytes: &[u8]) -> Result<OpenApi, SchemaError> {
    let error = |pointer: &str, message: String| SchemaError {
        file: file.to_owned(),
        pointer: pointer.to_owned(),
        message,
    };
    let root = parse(file, bytes).map_err(|message| error("", message))?;
    match root.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.") => {}
        Some(v) => {
            return Err(error(
                "/openapi",
                format!("OpenAPI {v} is not supported (3.0 and 3.1 are)"),
            ))
        }
        None => {
            return Err(error(
                "/openapi",
                "not an OpenAPI 3 document: no `openapi` version".into(),
            ))
        }
    }
    let Some(paths) = root.get("paths").and_then(Value::as_object) else {
        return Err(error("/paths", "no `paths` object".into()));
    };
    let server = root
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let branch = match &server {
        Some(url) if url.trim_end_matches('/').ends_with("/v2") => Branch::V2,
        _ => Branch::V1,
    };
    let mut reader = Reader {
        file,
        root: &root,
        models: BTreeMap::new(),
        inlined: BTreeMap::new(),
        inline_sources: BTreeMap::new(),
        warnings: Vec::new(),
        locations: Vec::new(),
    };
    let apis = reader.paths(paths);
    reader.unreferenced_models();
    let doc = SchemaDoc {
        api_version: root
            .pointer("/info/version")
            .and_then(Value::as_str)
            .map(str::to_owned),
        resource_path: resource_path(paths.keys()),
        apis,
        base_path: server,
        models: std::mem::take(&mut reader.models),
        subsections: BTreeMap::new(),
    };
    let warnings = std::mem::take(&mut reader.warnings);
    reader.locations.sort();
    Ok(OpenApi {
        schema: LoadedSchema {
            branch,
            file: file.to_owned(),
            sha256: crate::sha256_hex(bytes),
            size: bytes.len() as u64,
            doc,
        },
        warnings,
        locations: Locations(reader.locations),
    })
}

/// Reads a file from disk (see [`read`]).
pub fn load(file: &Path) -> Result<OpenApi, SchemaError> {
    let bytes = std::fs::read(file).map_err(|e| SchemaError {
        file: file.to_owned(),
        pointer: String::new(),
        message: e.to_string(),
    })?;
    read(file, &bytes)
}

fn parse(file: &Path, bytes: &[u8]) -> Result<Value, String> {
    let yaml = file.extension().is_some_and(|x| x == "yml" || x == "yaml");
    if yaml {
        return parse_yaml(bytes);
    }
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

#[cfg(feature = "yaml")]
fn parse_yaml(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    serde_saphyr::from_str(text).map_err(|e| e.to_string())
}

#[cfg(not(feature = "yaml"))]
fn parse_yaml(_: &[u8]) -> Result<Value, String> {
    Err("YAML documents need ovhcloud-schema's `yaml` feature".into())
}

/// `/ovhCloudConnect` for paths under `/ovhCloudConnect/…`: the first segment they share.
fn resource_path<'a>(paths: impl Iterator<Item = &'a String>) -> String {
    let firsts: BTreeSet<&str> = paths
        .filter_map(|p| p.trim_start_matches('/').split('/').next())
        .collect();
    match firsts.iter().next() {
        Some(first) if firsts.len() == 1 => format!("/{first}"),
        _ => "/".to_owned(),
    }
}

struct Reader<'a> {
    file: &'a Path,
    root: &'a Value,
    /// Named schemas read as models so far (a model being read is already here, so that a
    /// schema referring to itself terminates).
    models: BTreeMap<String, ModelDef>,
    /// Named schemas that are not models (`string`, arrays, maps), as type expressions.
    inlined: BTreeMap<String, String>,
    /// The schema each inline model was read from.
    inline_sources: BTreeMap<String, Value>,
    warnings: Vec<SchemaError>,
    locations: Vec<(String, String)>,
}

/// A schema as a native type expression.
struct Typed {
    expr: String,
    nullable: bool,
}

impl Typed {
    fn of(expr: impl Into<String>) -> Typed {
        Typed {
            expr: expr.into(),
            nullable: false,
        }
    }
}

impl<'a> Reader<'a> {
    fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.warnings.push(SchemaError {
            file: self.file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    /// Named models no operation refers to, read too: a native document lists every model of
    /// its API, and the model stage decides what each API needs.
    fn unreferenced_models(&mut self) {
        let Some(schemas) = self
            .root
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return;
        };
        for (key, schema) in schemas {
            if is_model(schema) && !self.models.contains_key(key) {
                let pointer = format!("/components/schemas/{}", pointer_token(key));
                self.model(key, schema, &pointer);
            }
        }
    }

    fn paths(&mut self, paths: &Map<String, Value>) -> Vec<PathEntry> {
        let mut entries = Vec::new();
        for (i, (path, item)) in paths.iter().enumerate() {
            let pointer = format!("/paths/{}", pointer_token(path));
            let shared = item.get("parameters").and_then(Value::as_array);
            let mut operations = Vec::new();
            for (name, method) in METHODS {
                if let Some(op) = item.get(name) {
                    let pointer = format!("{pointer}/{name}");
                    let native = format!("/apis/{i}/operations/{}", operations.len());
                    let (operation, parameters) = self.operation(op, method, shared, &pointer);
                    for (k, from) in parameters.into_iter().enumerate() {
                        self.locations
                            .push((format!("{native}/parameters/{k}"), from));
                    }
                    self.locations.push((
                        format!("{native}/responseType"),
                        format!("{pointer}/responses"),
                    ));
                    self.locations.push((native, pointer));
                    operations.push(operation);
                }
            }
            self.locations.push((format!("/apis/{i}"), pointer));
            entries.push(PathEntry {
                path: path.clone(),
                operations,
                description: text(item, "description").or_else(|| text(item, "summary")),
            });
        }
        entries
    }

    fn operation(
        &mut self,
        op: &Value,
        method: HttpMethod,
        shared: Option<&Vec<Value>>,
        pointer: &str,
    ) -> (OperationDef, Vec<String>) {
        let mut parameters = Vec::new();
        let mut from = Vec::new();
        let own = op.get("parameters").and_then(Value::as_array);
        let overridden = |p: &Value| {
            own.is_some_and(|own| {
                own.iter()
                    .any(|o| o.get("name") == p.get("name") && o.get("in") == p.get("in"))
            })
        };
        for (i, param) in shared.into_iter().flatten().enumerate() {
            if !overridden(param) {
                let path = pointer.rsplit_once('/').map_or("", |(p, _)| p);
                let at = format!("{path}/parameters/{i}");
                if let Some(p) = self.parameter(param, &at) {
                    parameters.push(p);
                    from.push(at);
                }
            }
        }
        for (i, param) in own.into_iter().flatten().enumerate() {
            let at = format!("{pointer}/parameters/{i}");
            if let Some(p) = self.parameter(param, &at) {
                parameters.push(p);
                from.push(at);
            }
        }
        if let Some(body) = op.get("requestBody") {
            let at = format!("{pointer}/requestBody");
            for p in self.body(body, &at) {
                parameters.push(p);
                from.push(at.clone());
            }
        }
        let operation = OperationDef {
            api_status: status(op),
            operation_id: text(op, "operationId"),
            http_method: method,
            parameters,
            response_type: self.response(op, pointer),
            no_authentication: !self.secured(op),
            description: text(op, "summary"),
            long_description: text(op, "description"),
            errors: Vec::new(),
            iam_actions: op
                .get("x-iam-actions")
                .and_then(|v| serde_json::from_value::<Vec<IamActionDef>>(v.clone()).ok())
                .unwrap_or_default(),
        };
        (operation, from)
    }

    /// Whether the operation needs credentials: its own `security`, else the document's.
    fn secured(&self, op: &Value) -> bool {
        let security = op.get("security").or_else(|| self.root.get("security"));
        match security.and_then(Value::as_array) {
            Some(requirements) => requirements
                .iter()
                .any(|r| r.as_object().is_some_and(|r| !r.is_empty())),
            None => false,
        }
    }

    fn parameter(&mut self, param: &Value, pointer: &str) -> Option<ParameterDef> {
        let (param, pointer) = self.referenced(param, pointer)?;
        let kind = match param.get("in").and_then(Value::as_str) {
            Some("path") => ParamKind::Path,
            Some("query") => ParamKind::Query,
            Some("header") => ParamKind::Header,
            other => {
                self.warn(
                    &format!("{pointer}/in"),
                    format!(
                        "{} parameters are not supported: left out",
                        other.unwrap_or("unplaced")
                    ),
                );
                return None;
            }
        };
        let Some(name) = text(param, "name") else {
            self.warn(&pointer, "a parameter without a name: left out");
            return None;
        };
        let ty = match param.get("schema") {
            Some(schema) => self.typed(schema, &format!("{pointer}/schema"), &name),
            None => {
                self.warn(&pointer, "a parameter without a schema: read as a string");
                Typed::of("string")
            }
        };
        self.check_style(param, kind, &ty, &pointer);
        Some(ParameterDef {
            name: Some(name),
            data_type: ty.expr,
            param_type: kind,
            full_type: None,
            required: kind == ParamKind::Path || flag(param, "required"),
            description: documentation(param, param.get("schema")),
        })
    }

    /// The runtime sends a list in a query as the parameter repeated (`form`, exploded) and a
    /// path or header value as it is (`simple`); another style is reported, then sent that way.
    fn check_style(&mut self, param: &Value, kind: ParamKind, ty: &Typed, pointer: &str) {
        let default = if kind == ParamKind::Query {
            "form"
        } else {
            "simple"
        };
        let style = param
            .get("style")
            .and_then(Value::as_str)
            .unwrap_or(default);
        let exploded = param
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(style == "form");
        let list = ty.expr.ends_with("[]");
        if style != default || (kind == ParamKind::Query && list && !exploded) {
            self.warn(
                &format!("{pointer}/style"),
                format!(
                    "style {style}{}: sent as {default}{}",
                    if exploded { ", exploded" } else { "" },
                    if kind == ParamKind::Query {
                        ", exploded"
                    } else {
                        ""
                    }
                ),
            );
        }
    }

    /// A `$ref` to `#/components/…`, followed (parameters, request bodies, responses may be
    /// shared); the value itself otherwise.
    fn referenced<'v>(&mut self, value: &'v Value, pointer: &str) -> Option<(&'v Value, String)>
    where
        'a: 'v,
    {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Some((value, pointer.to_owned()));
        };
        match self.target(reference) {
            Some(target) => Some((target, reference.trim_start_matches('#').to_owned())),
            None => {
                self.warn(
                    &format!("{pointer}/$ref"),
                    format!("{reference} is not in this document: left out"),
                );
                None
            }
        }
    }

    /// A JSON request body: a whole-body parameter, or one body field per member of an inline
    /// object (OVH's named body parameters).
    fn body(&mut self, body: &Value, pointer: &str) -> Vec<ParameterDef> {
        let Some((body, pointer)) = self.referenced(body, pointer) else {
            return Vec::new();
        };
        let Some((schema, pointer)) = self.json_schema(body, &pointer) else {
            return Vec::new();
        };
        let required = flag(body, "required");
        let composed = ["$ref", "allOf", "oneOf", "anyOf"]
            .iter()
            .any(|k| schema.get(k).is_some());
        // `{"type": "object"}` and nothing else: a body with nothing to set (Scaleway's
        // `POST …/detach-vpc` takes `{}`), not a map.
        let empty_object = !composed
            && schema.get("type").and_then(Value::as_str) == Some("object")
            && members(schema).next().is_none()
            && schema
                .get("additionalProperties")
                .is_none_or(|a| a == false);
        if empty_object {
            return Vec::new();
        }
        let inline_object = schema.get("$ref").is_none()
            && schema.get("allOf").is_none()
            && schema.get("properties").is_some();
        if inline_object {
            let mandatory = required_members(schema);
            return members(schema)
                .map(|(name, member)| {
                    let member_pointer = format!("{pointer}/properties/{}", pointer_token(name));
                    let ty = self.typed(member, &member_pointer, name);
                    ParameterDef {
                        name: Some(name.clone()),
                        data_type: ty.expr,
                        param_type: ParamKind::Body,
                        full_type: None,
                        required: mandatory.contains(name.as_str()),
                        description: documentation(member, Some(member)),
                    }
                })
                .collect();
        }
        let ty = self.typed(schema, &pointer, "Body");
        vec![ParameterDef {
            name: None,
            data_type: ty.expr,
            param_type: ParamKind::Body,
            full_type: None,
            required,
            description: text(body, "description"),
        }]
    }

    /// The schema of the JSON content of a body or response, with its pointer.
    fn json_schema<'v>(&mut self, holder: &'v Value, pointer: &str) -> Option<(&'v Value, String)> {
        let content = holder.get("content").and_then(Value::as_object)?;
        let json = content
            .iter()
            .find(|(media, _)| media.starts_with("application/json") || media.ends_with("+json"));
        match json {
            Some((media, value)) => {
                let pointer = format!("{pointer}/content/{}/schema", pointer_token(media));
                value.get("schema").map(|s| (s, pointer))
            }
            None => {
                let media: Vec<&str> = content.keys().map(String::as_str).collect();
                self.warn(
                    &format!("{pointer}/content"),
                    format!("no JSON content ({}): left out", media.join(", ")),
                );
                None
            }
        }
    }

    /// The type of the first successful response with content; `void` when it has none.
    fn response(&mut self, op: &Value, pointer: &str) -> String {
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            return "void".to_owned();
        };
        let mut successes = responses
            .iter()
            .filter(|(code, _)| code.starts_with('2') || code.as_str() == "default");
        let Some((code, response)) = successes.next() else {
            return "void".to_owned();
        };
        let pointer = format!("{pointer}/responses/{}", pointer_token(code));
        if let Some((other, _)) = successes.find(|(c, _)| c.starts_with('2')) {
            self.warn(
                &format!("{pointer}/../{other}"),
                format!("several successful responses: {code} is used"),
            );
        }
        let Some((response, pointer)) = self.referenced(response, &pointer) else {
            return "any".to_owned();
        };
        if response.get("content").is_none() {
            return "void".to_owned();
        }
        match self.json_schema(response, &pointer) {
            Some((schema, pointer)) => self.typed(schema, &pointer, "Response").expr,
            None => "any".to_owned(),
        }
    }

    /// A schema as a type expression. `name` names an inline object or enum, which becomes a
    /// model of its own (`{owner}.{Name}`).
    fn typed(&mut self, schema: &Value, pointer: &str, name: &str) -> Typed {
        let nullable = flag(schema, "nullable");
        let mut typed = self.typed_inner(schema, pointer, name);
        typed.nullable |= nullable;
        typed
    }

    fn typed_inner(&mut self, schema: &Value, pointer: &str, name: &str) -> Typed {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            return self.named(reference, &format!("{pointer}/$ref"));
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            // OVH wraps a reference in `allOf` to give it a description or `readOnly`.
            if let [only] = parts.as_slice() {
                return self.typed(only, &format!("{pointer}/allOf/0"), name);
            }
            return Typed::of(self.inline_model(schema, pointer, name));
        }
        if union(schema).is_some() {
            return self.union(schema, pointer, name);
        }
        if schema.get("enum").is_some() {
            return Typed::of(self.inline_model(schema, pointer, name));
        }
        let (ty, nullable) = primary_type(schema);
        let expr = match ty {
            Some("array") => self.array(schema, pointer, name),
            Some("object") | None if schema.get("properties").is_some() => {
                self.inline_model(schema, pointer, name)
            }
            Some("object") => self.map(schema, pointer, name),
            Some("string") => string_format(schema).to_owned(),
            Some("integer") => "long".to_owned(),
            Some("number") => "double".to_owned(),
            Some("boolean") => "boolean".to_owned(),
            Some(other) => {
                self.warn(
                    &format!("{pointer}/type"),
                    format!("unknown type {other:?}: read as any"),
                );
                "any".to_owned()
            }
            None => "any".to_owned(),
        };
        Typed { expr, nullable }
    }

    fn array(&mut self, schema: &Value, pointer: &str, name: &str) -> String {
        let Some(items) = schema.get("items") else {
            return "any[]".to_owned();
        };
        let item = self.typed(items, &format!("{pointer}/items"), name);
        if item.expr.ends_with("[]") {
            self.warn(
                &format!("{pointer}/items"),
                "a list of lists: its items are read as any",
            );
            return "any[]".to_owned();
        }
        format!("{}[]", item.expr)
    }

    fn map(&mut self, schema: &Value, pointer: &str, name: &str) -> String {
        match schema.get("additionalProperties") {
            Some(values) if values.is_object() => {
                let value = self.typed(values, &format!("{pointer}/additionalProperties"), name);
                format!("map[string]{}", value.expr)
            }
            _ => "map[string]any".to_owned(),
        }
    }

    /// `oneOf`/`anyOf`: `null` variants make it nullable; one variant left is that variant;
    /// objects merge into one model; anything else is `any`.
    fn union(&mut self, schema: &Value, pointer: &str, name: &str) -> Typed {
        let Some((key, variants)) = union(schema) else {
            return Typed::of("any");
        };
        let at = format!("{pointer}/{key}");
        let kept: Vec<(usize, &Value)> = variants
            .iter()
            .enumerate()
            .filter(|(_, v)| !is_null(v))
            .collect();
        let nullable = kept.len() < variants.len();
        let mut typed = match kept.as_slice() {
            [(i, only)] => self.typed(only, &format!("{at}/{i}"), name),
            _ if kept.iter().all(|(_, v)| self.is_object(v)) => {
                self.warn(
                    &at,
                    format!(
                        "a union of {} objects: read as one model holding every variant's members, all optional",
                        kept.len()
                    ),
                );
                Typed::of(self.inline_model(schema, pointer, name))
            }
            _ => {
                self.warn(&at, "a union of values of different kinds: read as any");
                Typed::of("any")
            }
        };
        typed.nullable |= nullable;
        typed
    }

    /// What a local reference (`#/components/…`) points at.
    fn target(&self, reference: &str) -> Option<&'a Value> {
        reference
            .strip_prefix('#')
            .and_then(|pointer| self.root.pointer(pointer))
    }

    fn is_object(&self, schema: &Value) -> bool {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            return self
                .target(reference)
                .is_some_and(|target| self.is_object(target));
        }
        schema.get("properties").is_some()
            || schema.get("allOf").is_some()
            || primary_type(schema).0 == Some("object")
                && schema.get("additionalProperties").is_none()
    }

    /// A reference to a named schema: the model's key, or what a schema that is not a model
    /// stands for.
    fn named(&mut self, reference: &str, pointer: &str) -> Typed {
        let Some(key) = reference.strip_prefix(SCHEMAS) else {
            self.warn(
                pointer,
                format!("{reference} is not under {SCHEMAS}: read as any"),
            );
            return Typed::of("any");
        };
        if self.models.contains_key(key) {
            return Typed::of(key);
        }
        if let Some(expr) = self.inlined.get(key) {
            return Typed::of(expr.clone());
        }
        let target_pointer = format!("/components/schemas/{}", pointer_token(key));
        let Some(schema) = self.root.pointer(&target_pointer) else {
            self.warn(pointer, format!("{reference} does not exist: read as any"));
            return Typed::of("any");
        };
        if is_model(schema) {
            self.model(key, schema, &target_pointer);
            return Typed::of(key);
        }
        // Guards a schema that refers to itself through arrays or maps only.
        self.inlined.insert(key.to_owned(), "any".to_owned());
        let typed = self.typed(schema, &target_pointer, key);
        self.inlined.insert(key.to_owned(), typed.expr.clone());
        typed
    }

    /// An inline object, composition or enum, read as a model of its own, named after where it
    /// is (`scaleway.interlink.v1beta1.link.Status` for member `status` of `…v1beta1.Link`).
    /// The same inline schema met again (the `region` enum of every operation) is the same
    /// model.
    fn inline_model(&mut self, schema: &Value, pointer: &str, name: &str) -> String {
        let base = self.inline_base(pointer, name);
        let mut key = base.clone();
        let mut n = 1;
        loop {
            match self.inline_sources.get(&key) {
                Some(source) if source == schema => return key,
                None if !self.models.contains_key(&key) => {
                    self.inline_sources.insert(key.clone(), schema.clone());
                    self.model(&key, schema, pointer);
                    return key;
                }
                _ => {
                    n += 1;
                    key = format!("{base}{n}");
                }
            }
        }
    }

    fn inline_base(&self, pointer: &str, name: &str) -> String {
        let owner = pointer
            .strip_prefix("/components/schemas/")
            .and_then(|rest| rest.split('/').next())
            .map(|t| t.replace("~1", "/").replace("~0", "~"));
        let name = pascal(name);
        match owner {
            Some(owner) if owner != name => match owner.rsplit_once('.') {
                Some((namespace, id)) => format!("{namespace}.{}.{name}", lower_first(id)),
                None => format!("{}.{name}", lower_first(&owner)),
            },
            _ => format!("inline.{name}"),
        }
    }

    fn model(&mut self, key: &str, schema: &Value, pointer: &str) {
        self.locations.push((
            format!("/models/{}", pointer_token(key)),
            pointer.to_owned(),
        ));
        let (namespace, id) = match key.rsplit_once('.') {
            Some((namespace, id)) => (Some(namespace.to_owned()), id.to_owned()),
            None => (None, key.to_owned()),
        };
        let mut def = ModelDef {
            id: Some(id),
            namespace,
            description: text(schema, "description").or_else(|| text(schema, "title")),
            properties: None,
            enum_values: None,
            enum_type: None,
            generics: None,
        };
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let integers = primary_type(schema).0 == Some("integer");
            def.enum_type = Some(if integers { "long" } else { "string" }.to_owned());
            def.enum_values = Some(values.iter().filter(|v| !v.is_null()).cloned().collect());
            self.models.insert(key.to_owned(), def);
            return;
        }
        // In before its members are read: a member may refer back to this model.
        self.models.insert(key.to_owned(), def.clone());
        let mut properties = BTreeMap::new();
        self.collect_members(schema, pointer, &mut properties, &mut BTreeSet::new());
        def.properties = Some(properties);
        self.models.insert(key.to_owned(), def);
    }

    /// The members of an object, its `allOf` parts' and (a union read as one model) its
    /// variants', each variant's as optional.
    fn collect_members(
        &mut self,
        schema: &Value,
        pointer: &str,
        out: &mut BTreeMap<String, PropertyDef>,
        seen: &mut BTreeSet<String>,
    ) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            if seen.insert(reference.to_owned()) {
                if let Some((target, at)) = self.referenced(schema, pointer) {
                    self.collect_members(target, &at, out, seen);
                }
            }
            return;
        }
        for (i, part) in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            self.collect_members(part, &format!("{pointer}/allOf/{i}"), out, seen);
        }
        if let Some((key, variants)) = union(schema) {
            for (i, variant) in variants.iter().enumerate() {
                let mut members = BTreeMap::new();
                self.collect_members(variant, &format!("{pointer}/{key}/{i}"), &mut members, seen);
                for (name, mut member) in members {
                    member.required = false;
                    member.can_be_null = true;
                    out.entry(name).or_insert(member);
                }
            }
        }
        let mandatory = required_members(schema);
        for (name, member) in members(schema) {
            let member_pointer = format!("{pointer}/properties/{}", pointer_token(name));
            let mut ty = self.typed(member, &member_pointer, name);
            // Never in a response: an output model holds it as absent.
            ty.nullable |= flag(member, "writeOnly");
            out.insert(
                name.clone(),
                PropertyDef {
                    type_name: ty.expr,
                    full_type: None,
                    can_be_null: ty.nullable,
                    read_only: flag(member, "readOnly"),
                    description: documentation(member, Some(member)),
                    required: mandatory.contains(name.as_str()),
                },
            );
        }
    }
}

/// Whether a named schema becomes a model (an object, a composition or an enum) rather than
/// standing for a primitive, list or map where it is used.
fn is_model(schema: &Value) -> bool {
    schema.get("enum").is_some()
        || schema.get("properties").is_some()
        || schema
            .get("allOf")
            .is_some_and(|a| a.as_array().is_some_and(|a| a.len() > 1))
        || union(schema)
            .is_some_and(|(_, variants)| variants.iter().filter(|v| !is_null(v)).count() > 1)
}

/// A `{"type": "null"}` variant of a union.
fn is_null(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

fn union(schema: &Value) -> Option<(&'static str, &[Value])> {
    ["oneOf", "anyOf"].into_iter().find_map(|key| {
        schema
            .get(key)
            .and_then(Value::as_array)
            .map(|v| (key, v.as_slice()))
    })
}

/// The type, and whether `null` is allowed: 3.0's `type: x`, 3.1's `type: [x, "null"]`.
fn primary_type(schema: &Value) -> (Option<&str>, bool) {
    match schema.get("type") {
        Some(Value::String(t)) => (Some(t.as_str()), false),
        Some(Value::Array(types)) => {
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            let nullable = names.contains(&"null");
            (names.into_iter().find(|t| *t != "null"), nullable)
        }
        _ => (None, false),
    }
}

/// The native primitive a string `format` stands for (OVH's renditions use the native names in
/// kebab case: `ip-block`, `phone-number`).
fn string_format(schema: &Value) -> &'static str {
    match schema.get("format").and_then(Value::as_str).unwrap_or("") {
        "date-time" => "datetime",
        "date" => "date",
        "time" => "time",
        "duration" => "duration",
        "uuid" => "uuid",
        "password" => "password",
        "ip" => "ip",
        "ipv4" => "ipv4",
        "ipv6" => "ipv6",
        "ip-block" => "ipBlock",
        "ipv4-block" => "ipv4Block",
        "ipv6-block" => "ipv6Block",
        "mac-address" => "macAddress",
        "phone-number" => "phoneNumber",
        _ => "string",
    }
}

fn members(schema: &Value) -> impl Iterator<Item = (&String, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn required_members(schema: &Value) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A description, with the default value the schema gives (the native format has no place for
/// it, the generated docs do).
fn documentation(holder: &Value, schema: Option<&Value>) -> Option<String> {
    let description = text(holder, "description");
    let default = schema.and_then(|s| s.get("default")).map(|d| match d {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    });
    match (description, default) {
        (Some(text), Some(default)) => Some(format!("{text}\n\nDefault: {default}.")),
        (None, Some(default)) => Some(format!("Default: {default}.")),
        (text, None) => text,
    }
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The native status: `deprecated` with OVH's dates and replacement, else OVH's badge.
fn status(op: &Value) -> ApiStatusDef {
    let badge = op
        .get("x-badges")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("label").and_then(Value::as_str))
        .next()
        .unwrap_or("");
    let value = if flag(op, "deprecated") || badge.starts_with("Deprecated") {
        Stability::Deprecated
    } else if badge.starts_with("Beta") {
        Stability::Beta
    } else if badge.starts_with("Alpha") {
        Stability::Alpha
    } else {
        Stability::Production
    };
    ApiStatusDef {
        description: (!badge.is_empty()).then(|| badge.to_owned()),
        value,
        deletion_date: text(op, "x-deletion-date"),
        deprecated_date: text(op, "x-deprecation-date"),
        replacement: text(op, "x-replacement-route"),
    }
}

/// `status` → `Status`, `bgp_config` → `BgpConfig`.
fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{self, ModelKind, ParamLocation, TypeRef};
    use serde_json::json;

    fn read_json(doc: Value) -> OpenApi {
        read(Path::new("api.json"), doc.to_string().as_bytes()).unwrap()
    }

    fn document() -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "Links", "version": "v1beta1"},
            "servers": [{"url": "https://api.example.com"}],
            "security": [{"token": []}],
            "paths": {
                "/links/{region}/links": {
                    "parameters": [{"name": "region", "in": "path", "required": true,
                                    "schema": {"type": "string", "enum": ["fr-par", "nl-ams"]}}],
                    "get": {
                        "summary": "List links",
                        "parameters": [
                            {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                            {"name": "page_size", "in": "query", "schema": {"type": "integer", "format": "uint32"}},
                            {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                            {"name": "session", "in": "cookie", "schema": {"type": "string"}}
                        ],
                        "responses": {"200": {"description": "ok", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/ListLinksResponse"}}}}}
                    },
                    "post": {
                        "summary": "Create a link",
                        "deprecated": true,
                        "security": [],
                        "requestBody": {"required": true, "content": {"application/json": {"schema": {
                            "type": "object", "required": ["name"],
                            "properties": {"name": {"type": "string"},
                                           "bandwidth_mbps": {"type": "integer", "format": "uint64"}}}}}},
                        "responses": {
                            "200": {"description": "ok", "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/Link"}}}},
                            "201": {"description": "also ok"}
                        }
                    },
                    "delete": {"responses": {"204": {"description": "gone"}}}
                }
            },
            "components": {"schemas": {
                "ListLinksResponse": {"type": "object", "properties": {
                    "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
                    "total_count": {"type": "integer", "format": "uint64"}}},
                "Link": {"type": "object", "required": ["id"], "properties": {
                    "id": {"type": "string", "format": "uuid", "readOnly": true},
                    "created_at": {"type": ["string", "null"], "format": "date-time"},
                    "status": {"type": "string", "enum": ["configuring", "active"]},
                    "peer": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/Peer"}]},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "grid": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
                    "target": {"oneOf": [{"$ref": "#/components/schemas/Vpc"}, {"$ref": "#/components/schemas/Peer"}]},
                    "anything": {},
                    "missing": {"$ref": "#/components/schemas/Nowhere"}}},
                "Peer": {"type": "object", "properties": {"asn": {"type": "integer"}, "ip": {"type": "string", "format": "ipv4"}}},
                "Vpc": {"type": "object", "properties": {"vpc_id": {"type": "string"}}},
                "Tree": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}}
            }}
        })
    }

    #[test]
    fn a_document_reads_into_native_models_and_operations() {
        let read = read_json(document());
        let doc = &read.schema.doc;
        assert_eq!(doc.resource_path, "/links");
        assert_eq!(doc.api_version.as_deref(), Some("v1beta1"));
        assert_eq!(read.schema.branch, Branch::V1);
        let link = &doc.models["Link"];
        let props = link.properties.as_ref().unwrap();
        assert_eq!(props["id"].type_name, "uuid");
        assert!(props["id"].required && props["id"].read_only);
        assert_eq!(props["created_at"].type_name, "datetime");
        assert!(props["created_at"].can_be_null);
        assert_eq!(props["status"].type_name, "link.Status");
        assert_eq!(
            doc.models["link.Status"]
                .enum_values
                .as_ref()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(props["peer"].type_name, "Peer");
        assert!(props["peer"].can_be_null);
        assert_eq!(props["labels"].type_name, "map[string]string");
        assert_eq!(props["grid"].type_name, "any[]");
        assert_eq!(props["anything"].type_name, "any");
        assert_eq!(props["missing"].type_name, "any");
        // The union of two objects: one model with both variants' members, all optional.
        let target = doc.models[&props["target"].type_name]
            .properties
            .as_ref()
            .unwrap();
        assert!(target.contains_key("vpc_id") && target.contains_key("asn"));
        assert!(target.values().all(|p| !p.required && p.can_be_null));
        assert_eq!(
            doc.models["Tree"].properties.as_ref().unwrap()["children"].type_name,
            "Tree[]"
        );

        let ops = &doc.apis[0].operations;
        let (list, create, delete) = (&ops[0], &ops[1], &ops[2]);
        assert_eq!(list.http_method, HttpMethod::Get);
        assert_eq!(list.response_type, "ListLinksResponse");
        assert!(!list.no_authentication);
        let names: Vec<_> = list
            .parameters
            .iter()
            .map(|p| p.name.clone().unwrap())
            .collect();
        assert_eq!(names, ["region", "tags", "page_size", "X-Trace"]);
        assert_eq!(list.parameters[0].data_type, "inline.Region");
        assert_eq!(list.parameters[1].data_type, "string[]");
        assert_eq!(list.parameters[3].param_type, ParamKind::Header);
        assert!(create.no_authentication);
        assert_eq!(create.api_status.value, Stability::Deprecated);
        assert_eq!(create.response_type, "Link");
        let body: Vec<_> = create
            .parameters
            .iter()
            .filter(|p| p.param_type == ParamKind::Body)
            .collect();
        assert_eq!(body.len(), 2);
        assert!(body
            .iter()
            .any(|p| p.name.as_deref() == Some("name") && p.required));
        assert_eq!(delete.response_type, "void");

        let pointers: Vec<&str> = read.warnings.iter().map(|w| w.pointer.as_str()).collect();
        assert!(
            pointers.contains(&"/paths/~1links~1{region}~1links/get/parameters/3/in"),
            "{pointers:?}"
        );
        assert!(pointers.contains(&"/components/schemas/Link/properties/grid/items"));
        assert!(pointers.contains(&"/components/schemas/Link/properties/target/oneOf"));
        assert!(pointers.contains(&"/components/schemas/Link/properties/missing/$ref"));
        assert!(pointers
            .iter()
            .any(|p| p.starts_with("/paths/~1links~1{region}~1links/post/responses")));
    }

    #[test]
    fn the_model_stage_accepts_what_the_reader_produced() {
        let read = read_json(document());
        let ir = model::build(vec![read.schema]);
        let api = &ir.apis[0];
        // DELETE, GET, POST: nothing dropped.
        assert_eq!(api.operations.len(), 3, "{:?}", ir.errors);
        let list = api
            .operations
            .iter()
            .find(|o| o.method == HttpMethod::Get)
            .unwrap();
        assert_eq!(list.params[0].location, ParamLocation::Path);
        assert!(matches!(&list.response, TypeRef::Model { key, .. } if key == "ListLinksResponse"));
        let create = api
            .operations
            .iter()
            .find(|o| o.method == HttpMethod::Post)
            .unwrap();
        assert!(create
            .params
            .iter()
            .any(|p| p.location == ParamLocation::BodyField));
        assert!(matches!(ir.models["link.Status"].kind, ModelKind::Enum(_)));
    }

    #[test]
    fn openapi_3_0_nullable_and_v2_servers() {
        let read = read_json(json!({
            "openapi": "3.0.1",
            "info": {"version": "1.0"},
            "servers": [{"url": "https://eu.api.ovh.com/v2"}],
            "paths": {"/iam/policy": {"get": {"responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"type": "array",
                    "items": {"$ref": "#/components/schemas/iam.Policy"}}}}}}}}},
            "components": {"schemas": {"iam.Policy": {"type": "object", "properties": {
                "name": {"type": "string", "nullable": true},
                "kind": {"$ref": "#/components/schemas/iam.KindEnum"}}},
                "iam.KindEnum": {"type": "integer", "enum": [1, 2]}}}
        }));
        assert_eq!(read.schema.branch, Branch::V2);
        let policy = &read.schema.doc.models["iam.Policy"];
        assert_eq!(policy.id.as_deref(), Some("Policy"));
        assert_eq!(policy.namespace.as_deref(), Some("iam"));
        assert!(policy.properties.as_ref().unwrap()["name"].can_be_null);
        assert_eq!(
            read.schema.doc.models["iam.KindEnum"].enum_type.as_deref(),
            Some("long")
        );
        assert_eq!(
            read.schema.doc.apis[0].operations[0].response_type,
            "iam.Policy[]"
        );
        assert!(read.schema.doc.apis[0].operations[0].no_authentication);
    }

    #[test]
    fn styles_defaults_and_write_only_members() {
        let read = read_json(json!({
            "openapi": "3.0.3",
            "paths": {"/a": {"get": {
                "parameters": [
                    {"name": "filter", "in": "query", "style": "deepObject",
                     "schema": {"type": "object", "additionalProperties": {"type": "string"}}},
                    {"name": "ids", "in": "query", "explode": false,
                     "schema": {"type": "array", "items": {"type": "integer"}}},
                    {"name": "page_size", "in": "query", "description": "Page size",
                     "schema": {"type": "integer", "default": 50}}
                ],
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Account"}}}}}}}},
            "components": {"schemas": {"Account": {"type": "object", "required": ["secret"],
                "properties": {"secret": {"type": "string", "writeOnly": true},
                               "kind": {"type": "string", "default": "user"}}}}}
        }));
        let pointers: Vec<&str> = read.warnings.iter().map(|w| w.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/paths/~1a/get/parameters/0/style",
                "/paths/~1a/get/parameters/1/style"
            ]
        );
        let op = &read.schema.doc.apis[0].operations[0];
        assert_eq!(
            op.parameters[2].description.as_deref(),
            Some("Page size\n\nDefault: `50`.")
        );
        let account = read.schema.doc.models["Account"]
            .properties
            .as_ref()
            .unwrap();
        assert!(account["secret"].can_be_null && account["secret"].required);
        assert_eq!(
            account["kind"].description.as_deref(),
            Some("Default: `user`.")
        );
    }

    #[test]
    fn what_is_not_openapi_3_is_an_error_at_its_pointer() {
        let err = read(Path::new("s.json"), br#"{"swagger":"2.0","paths":{}}"#).unwrap_err();
        assert_eq!(err.pointer, "/openapi");
        let err = read(Path::new("s.json"), br#"{"openapi":"2.0","paths":{}}"#).unwrap_err();
        assert!(err.message.contains("2.0"), "{}", err.message);
        let err = read(Path::new("s.json"), br#"{"openapi":"3.0.0"}"#).unwrap_err();
        assert_eq!(err.pointer, "/paths");
        let err = read(Path::new("s.json"), b"{not json").unwrap_err();
        assert_eq!(err.pointer, "");
    }

    #[cfg(feature = "yaml")]
    #[test]
    fn yaml_documents_read_like_json_ones() {
        let yaml = "openapi: 3.1.0\ninfo:\n  version: v1\npaths:\n  /a/{id}:\n    get:\n      parameters:\n      - name: id\n        in: path\n        required: true\n        schema:\n          type: string\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: boolean\n";
        let read = read(Path::new("a.yml"), yaml.as_bytes()).unwrap();
        let op = &read.schema.doc.apis[0].operations[0];
        assert_eq!(op.response_type, "boolean");
        assert_eq!(op.parameters[0].name.as_deref(), Some("id"));
    }
}
