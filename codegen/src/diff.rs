//! `diff`: two schema snapshots compared as changes to the generated Rust API, not to JSON text.
//!
//! Each snapshot is read into the resolved model ([`crate::generate`] with no API selected), and
//! its **public surface** is extracted ([`Surface`]): per API (cargo feature) the operations with
//! their method name, positional arguments, setters, body, response and status; per model the
//! Rust path, struct fields, enum variants and request-body variants. Every Rust name and type
//! comes from the emitter's own functions ([`emit::Plan`], [`emit::method_names`],
//! [`emit::rust_type`], [`emit::argument_type`]), so the diff shows what a user of the crate sees.
//!
//! The two surfaces are then compared ([`compare`]) into a list of [`Change`]s, each breaking or
//! not for users of the generated crate, and rendered ([`render`]) as text, a Markdown
//! changelog entry or JSON, ending with the semver bump they imply ([`Bump`]).
//!
//! The classification assumes the generated API is semver-friendly: structs and enums are
//! `#[non_exhaustive]`, enums have an `Unknown(..)` catch-all, required parameters are positional
//! arguments and optional ones builder setters, request bodies are built with `new(required
//! fields)` and public optional fields. Under those rules adding is safe and removing, retyping or
//! making something required is not.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use proc_macro2::TokenStream;
use serde::Serialize;

use crate::emit::{self, ItemPath, Plan};
use crate::model::{
    BodyShape, EnumValues, Ir, Model, ModelKind, Operation, Param, ParamLocation, Property, TypeRef,
};
use crate::naming::{enum_variants, snake, unique};
use crate::reader::{Branch, Stability};
use crate::{Generation, Selection};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum FailOn {
    Breaking,
}

/// `ovhcloud-codegen diff OLD NEW`: prints the report on stdout and the schema problems of either
/// snapshot on stderr (they do not stop the diff). Exit status 1 with `--fail-on breaking` when
/// something breaks, 0 otherwise; an unusable directory is an error.
pub fn run_cli(
    old: &Path,
    new: &Path,
    format: Format,
    fail_on: Option<FailOn>,
) -> Result<ExitCode, Box<dyn Error>> {
    let old = Snapshot::load(old)?;
    let new = Snapshot::load(new)?;
    for (side, snapshot) in [("old", &old), ("new", &new)] {
        for warning in &snapshot.warnings {
            eprintln!(
                "warning: {side} snapshot {}: {warning}",
                snapshot.dir.display()
            );
        }
    }
    let report = compare(&old, &new);
    let output = render(&report, format);
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // `| head` closing the pipe is not an error of the diff.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(match fail_on {
        Some(FailOn::Breaking) if report.breaking() > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

/// One schema directory, read and reduced to its public surface.
#[derive(Debug)]
pub struct Snapshot {
    pub dir: PathBuf,
    /// What changelogs call it: the day of its newest fetch (from the lock), else the
    /// directory's name.
    pub label: String,
    pub surface: Surface,
    /// Every schema problem found (`file: at /pointer: message`); the valid part is still
    /// compared.
    pub warnings: Vec<String>,
    /// Schema files (`v1/me.json`) that could not be read at all.
    pub unreadable: BTreeSet<String>,
}

impl Snapshot {
    /// Reads `dir` like `generate` does, without emitting any API. Only a directory that is not
    /// a schema directory at all is an error; bad files become warnings.
    pub fn load(dir: &Path) -> Result<Snapshot, Box<dyn Error>> {
        if !dir.is_dir() {
            return Err(format!("{}: is not a directory", dir.display()).into());
        }
        if !dir.join("v1").is_dir() && !dir.join("v2").is_dir() {
            return Err(format!("{}: has neither v1/ nor v2/ schemas", dir.display()).into());
        }
        let generation = crate::generate(dir, &Selection::Only(Vec::new()))?;
        Ok(Snapshot::from_generation(dir, &generation))
    }

    /// The surface of an already generated model (`generation.lock` gives the label).
    pub fn from_generation(dir: &Path, generation: &Generation) -> Snapshot {
        let label = generation
            .lock
            .as_ref()
            .and_then(|lock| lock.snapshot_date())
            .map(str::to_owned)
            .unwrap_or_else(|| dir_label(dir));
        let read: BTreeSet<&Path> = generation
            .ir
            .apis
            .iter()
            .map(|a| a.file.as_path())
            .collect();
        let unreadable = generation
            .read_errors
            .iter()
            .filter(|e| !read.contains(e.file.as_path()))
            .filter_map(|e| schema_file_name(&e.file))
            .collect();
        Snapshot {
            dir: dir.to_owned(),
            label,
            surface: Surface::of(&generation.ir),
            warnings: generation.errors().map(|e| e.to_string()).collect(),
            unreadable,
        }
    }
}

fn dir_label(dir: &Path) -> String {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    name(dir)
        .or_else(|| dir.canonicalize().ok().as_deref().and_then(name))
        .unwrap_or_else(|| dir.display().to_string())
}

/// `v1/me.json` for `…/v1/me.json`, the way the lock names files.
fn schema_file_name(file: &Path) -> Option<String> {
    let branch = file.parent()?.file_name()?.to_str()?;
    let name = file.file_name()?.to_str()?;
    (matches!(branch, "v1" | "v2") && name.ends_with(".json")).then(|| format!("{branch}/{name}"))
}

// ---------------------------------------------------------------------------------------------
// Surface extraction
// ---------------------------------------------------------------------------------------------

/// What the generated crate exposes for one snapshot, as comparable strings, keyed by what stays
/// put across snapshots: cargo feature, `METHOD /path`, model key, wire names.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Surface {
    /// By cargo feature.
    pub apis: BTreeMap<String, ApiSurface>,
    /// By model key (`ovhcloudconnect.PopConfig`).
    pub models: BTreeMap<String, ModelSurface>,
    /// By alias name (`coreTypes.AccountId`).
    pub aliases: BTreeMap<String, AliasSurface>,
    /// Models several files define differently: model key → what the merge did.
    pub conflicts: BTreeMap<String, String>,
    /// Schema file (`v1/me.json`) → SHA-256: tells "nothing changed" from "nothing visible".
    pub files: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApiSurface {
    /// `v1 /me`, `v2 /iam`.
    pub title: String,
    /// `v1/me.json`.
    pub file: String,
    /// The accessor (`client.me()`); none for a models-only schema.
    pub accessor: Option<String>,
    /// v2: `SCHEMAS_VERSION`, the `X-Schemas-Version` the API pins.
    pub schemas_version: Option<String>,
    /// By `METHOD /path`.
    pub operations: BTreeMap<String, OperationSurface>,
    pub doc: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OperationSurface {
    pub method: String,
    /// Positional arguments in emitted order; the request body, when there is one, is last.
    pub arguments: Vec<Argument>,
    /// Builder setters, by wire name (`query date.from`).
    pub setters: BTreeMap<String, Setter>,
    pub response: String,
    pub paginated: bool,
    pub authenticated: bool,
    pub status: StatusSurface,
    pub doc: String,
}

/// A positional argument of a method.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Argument {
    /// Where it goes on the wire, the identity kept across snapshots: `path serviceName`,
    /// `query date.from`, `header X-Foo`, `body field name`, or `body` for the whole body.
    pub wire: String,
    pub name: String,
    pub ty: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setter {
    pub name: String,
    pub ty: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusSurface {
    /// `PRODUCTION`, `BETA`, `ALPHA`, `DEPRECATED`.
    pub value: String,
    pub deprecated_since: Option<String>,
    pub deletion_date: Option<String>,
    pub replacement: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelSurface {
    /// Under `ovhcloud::models`: `ovhcloudconnect::PopConfig`, `complex_type::UnitAndValue<T>`.
    pub path: String,
    pub shape: ModelShape,
    pub position: Position,
    /// Request-body variants (`Create`, `Update`) by shape name.
    pub variants: BTreeMap<String, StructSurface>,
    /// Cargo features whose APIs use it.
    pub used_by: BTreeSet<String>,
    pub doc: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ModelShape {
    Struct(StructSurface),
    Enum(EnumSurface),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StructSurface {
    pub path: String,
    /// By Rust field name.
    pub fields: BTreeMap<String, FieldSurface>,
    /// `Some` when callers build the struct (request bodies): the `new(..)` arguments, empty
    /// when it implements `Default` instead. `None` for types only read from responses.
    pub constructor: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldSurface {
    /// The JSON key.
    pub json: String,
    /// With its `Option`: `Option<i64>`, `Vec<String>`.
    pub ty: String,
    /// A `new(..)` argument.
    pub in_constructor: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnumSurface {
    /// Wire value (numbers as decimal text) → variant name.
    pub values: BTreeMap<String, String>,
    pub integers: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AliasSurface {
    pub path: String,
    pub target: String,
    pub used_by: BTreeSet<String>,
}

/// Where a model appears: decides who is hurt by a change (callers build request types, they
/// only read response types).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Position {
    pub request: bool,
    pub response: bool,
}

impl Position {
    pub fn describe(self) -> &'static str {
        match (self.request, self.response) {
            (true, true) => "request and response position",
            (true, false) => "request position",
            (false, true) => "response position",
            (false, false) => "used by no operation",
        }
    }
}

impl Surface {
    /// The surface the generator would emit for every API of `ir`.
    pub fn of(ir: &Ir) -> Surface {
        let plan = Plan::new(ir);
        let types = Types { plan: &plan };
        let (model_users, alias_users) = users(ir);
        let positions = positions(ir);
        let mut apis = BTreeMap::new();
        for api in &ir.apis {
            // Two files claiming one feature cannot both be emitted; the first one is compared.
            apis.entry(api.feature())
                .or_insert_with(|| api_surface(ir, api, &types));
        }
        let models = ir
            .models
            .values()
            .map(|model| {
                let used_by = model_users.get(&model.key).cloned().unwrap_or_default();
                let position = positions.get(&model.key).copied().unwrap_or_default();
                let surface = model_surface(ir, model, &types, position, used_by);
                (model.key.clone(), surface)
            })
            .collect();
        let aliases = ir
            .aliases
            .iter()
            .filter_map(|(name, target)| {
                let path = plan.aliases.get(name)?;
                Some((
                    name.clone(),
                    AliasSurface {
                        path: item_path(path),
                        target: types.rust(target),
                        used_by: alias_users.get(name).cloned().unwrap_or_default(),
                    },
                ))
            })
            .collect();
        Surface {
            apis,
            models,
            aliases,
            conflicts: ir
                .conflicts
                .iter()
                .map(|c| (c.key.clone(), c.details.join("; ")))
                .collect(),
            files: ir
                .apis
                .iter()
                .map(|a| (crate::manifest::relative_file(a), a.sha256.clone()))
                .collect(),
        }
    }
}

/// Rust types as readable strings, through the emitter's renderer.
struct Types<'a> {
    plan: &'a Plan,
}

impl Types<'_> {
    /// The field or return type: `Option<i64>`, `ovhcloudconnect::PopConfig`.
    fn rust(&self, ty: &TypeRef) -> String {
        match self.unresolved(ty) {
            Some(missing) => format!("<unresolved {missing}>"),
            None => readable(&emit::rust_type(ty, self.plan)),
        }
    }

    /// How a method takes it: `&str`, `i64`, `&[String]`, `&ovhcloudconnect::PopConfig`.
    fn argument(&self, ty: &TypeRef) -> String {
        match self.unresolved(ty) {
            Some(missing) => format!("<unresolved {missing}>"),
            None => readable(&emit::argument_type(ty, self.plan).0),
        }
    }

    /// A name the plan does not know: the emitter would panic on it, the diff must not (the
    /// model stage prunes such references, so this is only a guard).
    fn unresolved(&self, ty: &TypeRef) -> Option<String> {
        let mut missing = None;
        ty.visit(&mut |t| match t {
            TypeRef::Model { key, .. } if !self.plan.models.contains_key(key) => {
                missing.get_or_insert_with(|| key.clone());
            }
            TypeRef::Alias { name, .. } if !self.plan.aliases.contains_key(name) => {
                missing.get_or_insert_with(|| name.clone());
            }
            _ => {}
        });
        missing
    }
}

/// Tokens as a user writes the type, relative to `ovhcloud::models`:
/// `crate :: models :: a :: B < i64 >` → `a::B<i64>`.
fn readable(tokens: &TokenStream) -> String {
    let compact: String = tokens
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    compact
        .replace(',', ", ")
        .replace("crate::models::", "")
        .replace("crate::", "ovhcloud::")
}

fn item_path(path: &ItemPath) -> String {
    let mut parts = path.modules.clone();
    parts.push(path.name.clone());
    parts.join("::")
}

/// Cargo features using each model and each alias (the per-API closures of the model stage).
type Users = BTreeMap<String, BTreeSet<String>>;

fn users(ir: &Ir) -> (Users, Users) {
    let (mut models, mut aliases): (Users, Users) = Default::default();
    for api in &ir.apis {
        let feature = api.feature();
        for key in &api.models {
            models
                .entry(key.clone())
                .or_default()
                .insert(feature.clone());
        }
        for name in &api.aliases {
            aliases
                .entry(name.clone())
                .or_default()
                .insert(feature.clone());
        }
    }
    (models, aliases)
}

/// Request and response reachability of every model. [`Ir::roles`] only says "request only";
/// a change report also needs "both".
fn positions(ir: &Ir) -> BTreeMap<String, Position> {
    let (mut responses, mut requests) = (Vec::new(), Vec::new());
    let note = |ty: &TypeRef, into: &mut Vec<String>| {
        ty.visit(&mut |t| {
            if let TypeRef::Model { key, .. } = t {
                into.push(key.clone());
            }
        })
    };
    for op in ir.apis.iter().flat_map(|a| &a.operations) {
        note(&op.response, &mut responses);
        for p in &op.params {
            note(&p.ty, &mut requests);
        }
        if let Some(body) = &op.body {
            note(&body.ty, &mut requests);
        }
    }
    let mut positions: BTreeMap<String, Position> = BTreeMap::new();
    for key in reachable(ir, responses) {
        positions.entry(key).or_default().response = true;
    }
    for key in reachable(ir, requests) {
        positions.entry(key).or_default().request = true;
    }
    positions
}

/// Models reachable from `roots` through properties and generic arguments.
fn reachable(ir: &Ir, roots: Vec<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = roots;
    while let Some(key) = stack.pop() {
        if !seen.insert(key.clone()) {
            continue;
        }
        if let Some(Model {
            kind: ModelKind::Object { properties, .. },
            ..
        }) = ir.models.get(&key)
        {
            for p in properties {
                p.ty.visit(&mut |t| {
                    if let TypeRef::Model { key, .. } = t {
                        stack.push(key.clone());
                    }
                });
            }
        }
    }
    seen
}

fn api_surface(ir: &Ir, api: &crate::model::Api, types: &Types<'_>) -> ApiSurface {
    let names = emit::method_names(api, ir.method_lock.get(&api.feature()));
    let operations = api
        .operations
        .iter()
        .zip(names)
        .map(|(op, name)| (emit::operation_key(op), operation_surface(op, name, types)))
        .collect();
    ApiSurface {
        title: format!("{} {}", api.branch.dir_name(), api.name),
        file: crate::manifest::relative_file(api),
        accessor: (!api.operations.is_empty()).then(|| emit::api_module(api)),
        schemas_version: match api.branch {
            Branch::V2 => api.api_version.clone(),
            Branch::V1 => None,
        },
        operations,
        doc: format!("{:?}", api.subsections),
    }
}

fn wire_name(p: &Param) -> String {
    let location = match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::BodyField => "body field",
    };
    format!("{location} {}", p.name)
}

const BODY_WIRE: &str = "body";
const BODY_FIELD_WIRE: &str = "body field ";

/// One method as `emit/apis.rs` emits it: required parameters are arguments (path, query,
/// header, body fields; path parameters in path order, others by name), then the body;
/// optional parameters are setters named after the parameter.
fn operation_surface(op: &Operation, method: String, types: &Types<'_>) -> OperationSurface {
    let order = |p: &Param| match p.location {
        ParamLocation::Path => 0,
        ParamLocation::Query => 1,
        ParamLocation::Header => 2,
        ParamLocation::BodyField => 3,
    };
    let path_order = crate::model::path_variables(&op.path);
    let mut required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    required.sort_by_key(|p| {
        (
            order(p),
            path_order.iter().position(|v| v == &p.name).unwrap_or(0),
            p.name.clone(),
        )
    });
    let mut taken = BTreeSet::from(["self".to_owned()]);
    let mut arguments: Vec<Argument> = required
        .iter()
        .map(|p| Argument {
            wire: wire_name(p),
            name: unique(snake(&p.name), &mut taken),
            ty: types.argument(&p.ty),
        })
        .collect();
    if let Some(body) = &op.body {
        let ty = match (body.shape, body.ty.direct_model()) {
            (Some(shape), Some(key)) => {
                match types.plan.body_shapes.get(&(key.to_owned(), shape)) {
                    Some(path) => item_path(path),
                    None => format!("<unresolved {key} {shape:?}>"),
                }
            }
            _ => types.rust(&body.ty),
        };
        arguments.push(Argument {
            wire: BODY_WIRE.to_owned(),
            name: unique("body".to_owned(), &mut taken),
            ty: format!("&{ty}"),
        });
    }
    let setters = op
        .params
        .iter()
        .filter(|p| !p.required)
        .map(|p| {
            let setter = Setter {
                name: snake(&p.name),
                ty: types.argument(&p.ty),
            };
            (wire_name(p), setter)
        })
        .collect();
    OperationSurface {
        method,
        arguments,
        setters,
        response: types.rust(&op.response),
        paginated: op.paginated,
        authenticated: op.authenticated,
        status: StatusSurface {
            value: stability_name(op.status.stability).to_owned(),
            deprecated_since: op.status.deprecated_since.clone(),
            deletion_date: op.status.deletion_date.clone(),
            replacement: op.status.replacement.clone(),
        },
        doc: operation_doc(op),
    }
}

fn stability_name(s: Stability) -> &'static str {
    match s {
        Stability::Production => "PRODUCTION",
        Stability::Beta => "BETA",
        Stability::Alpha => "ALPHA",
        Stability::Deprecated => "DEPRECATED",
    }
}

/// Everything that only reaches the method's documentation.
fn operation_doc(op: &Operation) -> String {
    let params: Vec<_> = op
        .params
        .iter()
        .map(|p| (&p.name, &p.description))
        .collect();
    let iam: Vec<_> = op
        .iam_actions
        .iter()
        .map(|a| (&a.name, a.required, &a.description))
        .collect();
    format!(
        "{:?}",
        (
            &op.description,
            &op.long_description,
            &op.path_description,
            &op.operation_id,
            params,
            op.body.as_ref().map(|b| &b.description),
            iam,
            &op.errors,
        )
    )
}

fn model_surface(
    ir: &Ir,
    model: &Model,
    types: &Types<'_>,
    position: Position,
    used_by: BTreeSet<String>,
) -> ModelSurface {
    let Some(plan_path) = types.plan.models.get(&model.key) else {
        // Unreachable for a model of `ir`: the plan names every one.
        return ModelSurface {
            path: format!("<unresolved {}>", model.key),
            shape: ModelShape::Enum(EnumSurface {
                values: BTreeMap::new(),
                integers: false,
            }),
            position,
            variants: BTreeMap::new(),
            used_by,
            doc: String::new(),
        };
    };
    let mut path = item_path(plan_path);
    let (shape, variants, doc) = match &model.kind {
        ModelKind::Enum(values) => (
            ModelShape::Enum(enum_surface(values)),
            BTreeMap::new(),
            format!("{:?}", model.description),
        ),
        ModelKind::Object {
            generics,
            properties,
        } => {
            if !generics.is_empty() {
                path = format!("{path}<{}>", generics.join(", "));
            }
            let fields = struct_surface(ir, model, properties, types, path.clone(), None);
            let variants = [BodyShape::Create, BodyShape::Update]
                .into_iter()
                .filter_map(|shape| {
                    let variant_path = types.plan.body_shapes.get(&(model.key.clone(), shape))?;
                    let mut variant_path = item_path(variant_path);
                    if !generics.is_empty() {
                        variant_path = format!("{variant_path}<{}>", generics.join(", "));
                    }
                    let surface =
                        struct_surface(ir, model, properties, types, variant_path, Some(shape));
                    Some((format!("{shape:?}"), surface))
                })
                .collect();
            let docs: Vec<_> = properties
                .iter()
                .map(|p| (&p.name, &p.description))
                .collect();
            (
                ModelShape::Struct(fields),
                variants,
                format!("{:?}", (&model.description, docs)),
            )
        }
    };
    ModelSurface {
        path,
        shape,
        position,
        variants,
        used_by,
        doc,
    }
}

/// The fields of a model's struct (`shape: None`) or of one of its request-body variants, as
/// `emit/models.rs` declares them: a response model's field is `Option` when the schema says it
/// can be null; a request-only model's when it is not `required`; a variant keeps the writable
/// fields, mandatory only for `Create` and `required`. Names are the snake-cased JSON keys, made
/// unique in property order after `unknown_fields`; a field holding its own type is boxed.
fn struct_surface(
    ir: &Ir,
    model: &Model,
    properties: &[Property],
    types: &Types<'_>,
    path: String,
    shape: Option<BodyShape>,
) -> StructSurface {
    let constructible = ir.constructible(&model.key, shape);
    let mut taken = BTreeSet::from([emit::UNKNOWN_FIELDS.to_owned()]);
    let mut fields = BTreeMap::new();
    let mut constructor = Vec::new();
    for p in properties {
        let required = ir.mandatory(&model.key, p, shape);
        if shape.is_some() && p.read_only {
            continue;
        }
        let name = unique(snake(&p.name), &mut taken);
        let mut ty = types.rust(&p.ty);
        if p.ty
            .direct_model()
            .is_some_and(|m| emit::reaches_directly(ir, m, &model.key))
        {
            ty = format!("Box<{ty}>");
        }
        if !required {
            ty = format!("Option<{ty}>");
        }
        let in_constructor = required && constructible;
        if in_constructor {
            constructor.push(name.clone());
        }
        fields.insert(
            name,
            FieldSurface {
                json: p.name.clone(),
                ty,
                in_constructor,
            },
        );
    }
    StructSurface {
        path,
        fields,
        constructor: constructible.then_some(constructor),
    }
}

fn enum_surface(values: &EnumValues) -> EnumSurface {
    match values {
        EnumValues::Strings(values) => EnumSurface {
            values: values
                .iter()
                .cloned()
                .zip(enum_variants(values.iter().map(String::as_str)))
                .collect(),
            integers: false,
        },
        // Same rule as `emit/models.rs`: `V1`, `Minus1`.
        EnumValues::Integers(values) => EnumSurface {
            values: values
                .iter()
                .map(|v| {
                    let variant = if *v < 0 {
                        format!("Minus{}", v.unsigned_abs())
                    } else {
                        format!("V{}", v.unsigned_abs())
                    };
                    (v.to_string(), variant)
                })
                .collect(),
            integers: true,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Changes
// ---------------------------------------------------------------------------------------------

/// What changed, one variant per rule of the classification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ApiAdded,
    ApiRemoved,
    SchemaVersionChanged,
    OperationAdded,
    OperationRemoved,
    MethodRenamed,
    ArgumentAdded,
    ArgumentRemoved,
    ArgumentRetyped,
    ArgumentsReordered,
    /// A required argument became a setter.
    ArgumentMadeOptional,
    /// A setter became a required argument.
    SetterMadeRequired,
    SetterAdded,
    SetterRemoved,
    SetterRetyped,
    BodyAdded,
    BodyRemoved,
    BodyRetyped,
    /// Named body parameters replaced by one body model (same JSON on the wire).
    BodyFolded,
    /// The reverse: a body model replaced by named body parameters.
    BodyUnfolded,
    ResponseRetyped,
    PaginationAdded,
    PaginationRemoved,
    AuthenticationChanged,
    Deprecated,
    StatusChanged,
    ModelAdded,
    ModelRemoved,
    ModelRenamed,
    ModelKindChanged,
    ConstructorAdded,
    ConstructorRemoved,
    FieldAdded,
    FieldRemoved,
    FieldRetyped,
    VariantAdded,
    VariantRemoved,
    EnumValueAdded,
    EnumValueRemoved,
    EnumVariantRenamed,
    AliasAdded,
    AliasRemoved,
    AliasRetargeted,
    ModelsMerged,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ApiAdded => "api_added",
            Kind::ApiRemoved => "api_removed",
            Kind::SchemaVersionChanged => "schema_version_changed",
            Kind::OperationAdded => "operation_added",
            Kind::OperationRemoved => "operation_removed",
            Kind::MethodRenamed => "method_renamed",
            Kind::ArgumentAdded => "argument_added",
            Kind::ArgumentRemoved => "argument_removed",
            Kind::ArgumentRetyped => "argument_retyped",
            Kind::ArgumentsReordered => "arguments_reordered",
            Kind::ArgumentMadeOptional => "argument_made_optional",
            Kind::SetterMadeRequired => "setter_made_required",
            Kind::SetterAdded => "setter_added",
            Kind::SetterRemoved => "setter_removed",
            Kind::SetterRetyped => "setter_retyped",
            Kind::BodyAdded => "body_added",
            Kind::BodyRemoved => "body_removed",
            Kind::BodyRetyped => "body_retyped",
            Kind::BodyFolded => "body_folded",
            Kind::BodyUnfolded => "body_unfolded",
            Kind::ResponseRetyped => "response_retyped",
            Kind::PaginationAdded => "pagination_added",
            Kind::PaginationRemoved => "pagination_removed",
            Kind::AuthenticationChanged => "authentication_changed",
            Kind::Deprecated => "deprecated",
            Kind::StatusChanged => "status_changed",
            Kind::ModelAdded => "model_added",
            Kind::ModelRemoved => "model_removed",
            Kind::ModelRenamed => "model_renamed",
            Kind::ModelKindChanged => "model_kind_changed",
            Kind::ConstructorAdded => "constructor_added",
            Kind::ConstructorRemoved => "constructor_removed",
            Kind::FieldAdded => "field_added",
            Kind::FieldRemoved => "field_removed",
            Kind::FieldRetyped => "field_retyped",
            Kind::VariantAdded => "variant_added",
            Kind::VariantRemoved => "variant_removed",
            Kind::EnumValueAdded => "enum_value_added",
            Kind::EnumValueRemoved => "enum_value_removed",
            Kind::EnumVariantRenamed => "enum_variant_renamed",
            Kind::AliasAdded => "alias_added",
            Kind::AliasRemoved => "alias_removed",
            Kind::AliasRetargeted => "alias_retargeted",
            Kind::ModelsMerged => "models_merged",
        }
    }

    /// The changelog section of a non-breaking change of this kind.
    fn section(self) -> Section {
        match self {
            Kind::ApiAdded
            | Kind::OperationAdded
            | Kind::SetterAdded
            | Kind::PaginationAdded
            | Kind::ModelAdded
            | Kind::ConstructorAdded
            | Kind::FieldAdded
            | Kind::VariantAdded
            | Kind::EnumValueAdded
            | Kind::AliasAdded => Section::Added,
            Kind::Deprecated => Section::Deprecated,
            _ => Section::Changed,
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The changelog section a change is listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Breaking,
    Added,
    Changed,
    Deprecated,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Breaking,
        Section::Added,
        Section::Changed,
        Section::Deprecated,
    ];

    fn title(self) -> &'static str {
        match self {
            Section::Breaking => "Breaking changes",
            Section::Added => "Added",
            Section::Changed => "Changed",
            Section::Deprecated => "Deprecated",
        }
    }

    /// The prefix of a line of the text report.
    fn tag(self) -> &'static str {
        match self {
            Section::Breaking => "BREAKING",
            Section::Added => "added",
            Section::Changed => "changed",
            Section::Deprecated => "deprecated",
        }
    }
}

/// The version bump a set of changes calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    /// Identical snapshots.
    None,
    /// Documentation only, or schema files that differ without changing the generated API.
    Patch,
    /// Additions (and deprecations): nothing that compiled stops compiling.
    Minor,
    /// Something that compiled may stop compiling.
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// What it means for a crate still at 0.x, where cargo treats the minor number as major.
    pub fn zero_x(self) -> &'static str {
        match self {
            Bump::None => "no new version",
            Bump::Patch | Bump::Minor => "0.x.(y+1)",
            Bump::Major => "0.(x+1).0",
        }
    }

    fn why(self) -> &'static str {
        match self {
            Bump::None => "the snapshots are identical",
            Bump::Patch => "no change to the generated API beyond documentation",
            Bump::Minor => "additions only, nothing that compiled breaks",
            Bump::Major => "breaking changes",
        }
    }
}

/// One change of the generated API.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// The cargo feature it belongs to, or [`SHARED`] for models several APIs use.
    pub api: String,
    pub kind: Kind,
    /// `GET /me/bill/{billId}`, `ovhcloudconnect::PopConfig`, `ovhcloudconnect::PopConfig.subnet`,
    /// `me::StatusEnum::Done`.
    pub item: String,
    pub breaking: bool,
    /// One line saying what changed and why it breaks or not.
    pub reason: String,
}

impl Change {
    pub fn section(&self) -> Section {
        if self.breaking {
            Section::Breaking
        } else {
            self.kind.section()
        }
    }

    /// The bump this change alone calls for.
    pub fn bump(&self) -> Bump {
        match (self.breaking, self.kind) {
            (true, _) => Bump::Major,
            (_, Kind::StatusChanged | Kind::AuthenticationChanged | Kind::ModelsMerged) => {
                Bump::Patch
            }
            _ => Bump::Minor,
        }
    }
}

/// The group of changes to models used by several APIs (or by none).
pub const SHARED: &str = "(shared)";

/// The comparison of two snapshots.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub old_label: String,
    pub new_label: String,
    /// Sorted by API (shared models last), item, kind, reason.
    pub changes: Vec<Change>,
    /// Operations, models and APIs whose documentation text alone changed.
    pub documentation_changes: usize,
    /// Whether any schema file differs at all (added, removed or other bytes).
    pub files_changed: bool,
    /// `v1 /me` by feature, for headings.
    pub titles: BTreeMap<String, String>,
}

impl Report {
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }

    pub fn bump(&self) -> Bump {
        let changes = self.changes.iter().map(Change::bump).max();
        match changes {
            Some(bump) => bump,
            None if self.documentation_changes > 0 || self.files_changed => Bump::Patch,
            None => Bump::None,
        }
    }

    pub fn count(&self, section: Section) -> usize {
        self.changes
            .iter()
            .filter(|c| c.section() == section)
            .count()
    }

    pub fn by_kind(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for change in &self.changes {
            *counts.entry(change.kind.as_str()).or_default() += 1;
        }
        counts
    }
}

/// Compares two snapshots' surfaces.
pub fn compare(old: &Snapshot, new: &Snapshot) -> Report {
    let mut diff = Differ::new(&old.surface, &new.surface);
    diff.apis(&old.unreadable, &new.unreadable);
    diff.models();
    diff.aliases();
    diff.conflicts();
    let mut changes = diff.changes;
    changes.sort_by(|a, b| {
        (a.api == SHARED, &a.api, &a.item, a.kind, &a.reason).cmp(&(
            b.api == SHARED,
            &b.api,
            &b.item,
            b.kind,
            &b.reason,
        ))
    });
    changes.dedup();
    let mut titles = BTreeMap::new();
    for surface in [&old.surface, &new.surface] {
        for (feature, api) in &surface.apis {
            titles.insert(feature.clone(), api.title.clone());
        }
    }
    Report {
        old_label: old.label.clone(),
        new_label: new.label.clone(),
        changes,
        documentation_changes: diff.documentation,
        files_changed: old.surface.files != new.surface.files,
        titles,
    }
}

/// The comparison state: both surfaces, what is known about added and removed APIs, and the
/// changes found so far.
struct Differ<'a> {
    old: &'a Surface,
    new: &'a Surface,
    added_apis: BTreeSet<&'a str>,
    removed_apis: BTreeSet<&'a str>,
    changes: Vec<Change>,
    documentation: usize,
}

fn code(text: &str) -> String {
    format!("`{text}`")
}

/// The group of a model-level change: the one API using the item, else [`SHARED`].
fn group(used_by: &BTreeSet<String>) -> String {
    match used_by.iter().next() {
        Some(only) if used_by.len() == 1 => only.clone(),
        _ => SHARED.to_owned(),
    }
}

fn signature(op: &OperationSurface) -> String {
    let args: Vec<String> = op
        .arguments
        .iter()
        .map(|a| format!("{}: {}", a.name, a.ty))
        .collect();
    format!("{}({}) -> {}", op.method, args.join(", "), op.response)
}

/// `made nullable` / `made non-null` when only the `Option` changed, else the two types.
fn type_change(old: &str, new: &str) -> String {
    let strip = |t: &str| {
        t.strip_prefix("Option<")
            .and_then(|t| t.strip_suffix('>'))
            .map(str::to_owned)
    };
    if strip(new).as_deref() == Some(old) {
        format!("made nullable: {} → {}", code(old), code(new))
    } else if strip(old).as_deref() == Some(new) {
        format!("made non-null: {} → {}", code(old), code(new))
    } else {
        format!("type changed from {} to {}", code(old), code(new))
    }
}

/// Wire name → index in `op.arguments`.
fn positions_by_wire(op: &OperationSurface) -> BTreeMap<&str, usize> {
    op.arguments
        .iter()
        .enumerate()
        .map(|(i, a)| (a.wire.as_str(), i))
        .collect()
}

/// A parameter as the method shows it.
#[derive(Clone, Copy)]
enum Parameter<'a> {
    Argument(&'a Argument),
    Setter(&'a Setter),
}

impl Parameter<'_> {
    fn show(self) -> String {
        match self {
            Parameter::Argument(a) => code(&format!("{}: {}", a.name, a.ty)),
            Parameter::Setter(s) => code(&format!(".{}({})", s.name, s.ty)),
        }
    }
}

/// The rules for one parameter (by wire name) of one operation: anything a caller must write
/// differently breaks; only a new setter does not.
fn parameter_change(
    wire: &str,
    old: Option<Parameter<'_>>,
    new: Option<Parameter<'_>>,
) -> Option<(Kind, bool, String)> {
    use Parameter::{Argument as Arg, Setter as Set};
    let body = wire == BODY_WIRE;
    Some(match (old, new) {
        (Some(Arg(o)), Some(Arg(n))) if o.ty != n.ty => {
            let (kind, what) = if body {
                (Kind::BodyRetyped, "body type")
            } else {
                (Kind::ArgumentRetyped, "argument")
            };
            let reason = format!(
                "{what} {} changed from {} to {}",
                code(&n.name),
                code(&o.ty),
                code(&n.ty)
            );
            (kind, true, reason)
        }
        (Some(Set(o)), Some(Set(n))) if o.ty != n.ty => (
            Kind::SetterRetyped,
            true,
            format!(
                "optional setter {} changed type from {} to {}",
                code(&format!(".{}()", n.name)),
                code(&o.ty),
                code(&n.ty)
            ),
        ),
        (Some(o @ Arg(_)), Some(n @ Set(_))) => (
            Kind::ArgumentMadeOptional,
            true,
            format!(
                "required argument {} is now the optional setter {}",
                o.show(),
                n.show()
            ),
        ),
        (Some(o @ Set(_)), Some(n @ Arg(_))) => (
            Kind::SetterMadeRequired,
            true,
            format!(
                "optional setter {} is now the required argument {}",
                o.show(),
                n.show()
            ),
        ),
        (Some(o @ Arg(_)), None) if body => (
            Kind::BodyRemoved,
            true,
            format!("body argument {} removed", o.show()),
        ),
        (Some(o @ Arg(_)), None) => (
            Kind::ArgumentRemoved,
            true,
            format!("required argument {} removed", o.show()),
        ),
        (None, Some(n @ Arg(_))) if body => (
            Kind::BodyAdded,
            true,
            format!("new body argument {}", n.show()),
        ),
        (None, Some(n @ Arg(_))) => (
            Kind::ArgumentAdded,
            true,
            format!("new required argument {}", n.show()),
        ),
        (Some(o @ Set(_)), None) => (
            Kind::SetterRemoved,
            true,
            format!("optional setter {} removed", o.show()),
        ),
        (None, Some(n @ Set(_))) => (
            Kind::SetterAdded,
            false,
            format!("new optional setter {}", n.show()),
        ),
        _ => return None,
    })
}

impl<'a> Differ<'a> {
    fn new(old: &'a Surface, new: &'a Surface) -> Differ<'a> {
        let added_apis = new
            .apis
            .keys()
            .filter(|f| !old.apis.contains_key(*f))
            .map(String::as_str)
            .collect();
        let removed_apis = old
            .apis
            .keys()
            .filter(|f| !new.apis.contains_key(*f))
            .map(String::as_str)
            .collect();
        Differ {
            old,
            new,
            added_apis,
            removed_apis,
            changes: Vec::new(),
            documentation: 0,
        }
    }

    fn push(&mut self, api: &str, kind: Kind, item: &str, breaking: bool, reason: String) {
        self.changes.push(Change {
            api: api.to_owned(),
            kind,
            item: item.to_owned(),
            breaking,
            reason,
        });
    }

    /// Items used only by APIs that appear (or disappear) with them are part of that API's
    /// change, not listed one by one.
    fn only_in(used_by: &BTreeSet<String>, apis: &BTreeSet<&str>) -> bool {
        !used_by.is_empty() && used_by.iter().all(|f| apis.contains(f.as_str()))
    }

    fn models_only_used_by(surface: &Surface, feature: &str, gone_from: &Surface) -> usize {
        surface
            .models
            .iter()
            .filter(|(key, m)| {
                !gone_from.models.contains_key(*key)
                    && m.used_by.len() == 1
                    && m.used_by.contains(feature)
            })
            .count()
    }

    /// APIs appearing or disappearing; a file the other snapshot could not read is said so,
    /// since that, not OVH, may be the cause.
    fn apis(&mut self, unreadable_in_old: &BTreeSet<String>, unreadable_in_new: &BTreeSet<String>) {
        let (old, new) = (self.old, self.new);
        for (feature, api) in &new.apis {
            if old.apis.contains_key(feature) {
                continue;
            }
            let models = Self::models_only_used_by(new, feature, old);
            let accessor = match &api.accessor {
                Some(a) => format!(", accessor {}", code(&format!("client.{a}()"))),
                None => String::new(),
            };
            let mut reason = format!(
                "new API {} (cargo feature {}{accessor}): {} operation(s), {} new model(s) only it uses",
                code(&api.title),
                code(feature),
                api.operations.len(),
                models
            );
            if unreadable_in_old.contains(&api.file) {
                reason.push_str(&format!(
                    " ({} could not be read in the old snapshot: see the warnings)",
                    api.file
                ));
            }
            self.push(feature, Kind::ApiAdded, &api.title, false, reason);
        }
        for (feature, api) in &old.apis {
            let Some(new_api) = new.apis.get(feature) else {
                let models = Self::models_only_used_by(old, feature, new);
                let mut reason = format!(
                    "cargo feature {} removed with its {} operation(s) and {} model(s) only it used",
                    code(feature),
                    api.operations.len(),
                    models
                );
                if unreadable_in_new.contains(&api.file) {
                    reason.push_str(&format!(
                        " ({} could not be read in the new snapshot: see the warnings)",
                        api.file
                    ));
                }
                self.push(feature, Kind::ApiRemoved, &api.title, true, reason);
                continue;
            };
            self.api(feature, api, new_api);
        }
    }

    fn api(&mut self, feature: &str, old: &ApiSurface, new: &ApiSurface) {
        if old.doc != new.doc {
            self.documentation += 1;
        }
        if old.schemas_version != new.schemas_version {
            let (breaking, reason) = schema_version_change(
                old.schemas_version.as_deref(),
                new.schemas_version.as_deref(),
            );
            self.push(
                feature,
                Kind::SchemaVersionChanged,
                &new.title,
                breaking,
                reason,
            );
        }
        for (key, op) in &new.operations {
            if !old.operations.contains_key(key) {
                let reason = format!("new method {}", code(&signature(op)));
                self.push(feature, Kind::OperationAdded, key, false, reason);
            }
        }
        for (key, op) in &old.operations {
            match new.operations.get(key) {
                None => {
                    let reason = format!("method {} removed", code(&op.method));
                    self.push(feature, Kind::OperationRemoved, key, true, reason);
                }
                Some(new_op) => self.operation(feature, key, op, new_op),
            }
        }
    }

    fn operation(&mut self, api: &str, key: &str, old: &OperationSurface, new: &OperationSurface) {
        let before = self.changes.len();
        if old.method != new.method {
            let reason = format!(
                "method renamed from {} to {}",
                code(&old.method),
                code(&new.method)
            );
            self.push(api, Kind::MethodRenamed, key, true, reason);
        }
        self.parameters(api, key, old, new);
        if old.response != new.response {
            let reason = format!(
                "response type changed from {} to {}",
                code(&old.response),
                code(&new.response)
            );
            self.push(api, Kind::ResponseRetyped, key, true, reason);
        }
        match (old.paginated, new.paginated) {
            (false, true) => self.push(
                api,
                Kind::PaginationAdded,
                key,
                false,
                "now paginated: `.await` follows the cursor; `.stream()` and `.pages()` added"
                    .into(),
            ),
            (true, false) => self.push(
                api,
                Kind::PaginationRemoved,
                key,
                true,
                "no longer paginated: `.stream()` and `.pages()` removed".into(),
            ),
            _ => {}
        }
        if old.authenticated != new.authenticated {
            let reason = if new.authenticated {
                "now requires authentication (the call is signed)"
            } else {
                "now sent without authentication"
            };
            self.push(api, Kind::AuthenticationChanged, key, false, reason.into());
        }
        self.status(api, key, &old.status, &new.status);
        self.count_documentation(before, &old.doc, &new.doc);
    }

    /// A documentation change counts only for an item that did not change otherwise (its
    /// other changes already say more).
    fn count_documentation(&mut self, changes_before: usize, old: &str, new: &str) {
        if old != new && self.changes.len() == changes_before {
            self.documentation += 1;
        }
    }

    fn status(&mut self, api: &str, key: &str, old: &StatusSurface, new: &StatusSurface) {
        if old == new {
            return;
        }
        let deprecated = "DEPRECATED";
        if new.value == deprecated && old.value != deprecated {
            let mut reason = String::from("deprecated by OVHcloud");
            if let Some(since) = &new.deprecated_since {
                reason.push_str(&format!(" since {since}"));
            }
            if let Some(deletion) = &new.deletion_date {
                reason.push_str(&format!(", removal planned on {deletion}"));
            }
            if let Some(replacement) = &new.replacement {
                reason.push_str(&format!("; use {} instead", code(replacement)));
            }
            reason.push_str(" (`#[deprecated]` warns, still compiles)");
            self.push(api, Kind::Deprecated, key, false, reason);
        } else if old.value != new.value {
            let reason = format!("API status {} → {}", old.value, new.value);
            self.push(api, Kind::StatusChanged, key, false, reason);
        } else {
            let show = |s: &StatusSurface| {
                format!(
                    "since {}, removal {}, replacement {}",
                    s.deprecated_since.as_deref().unwrap_or("-"),
                    s.deletion_date.as_deref().unwrap_or("-"),
                    s.replacement.as_deref().unwrap_or("-")
                )
            };
            let reason = format!(
                "{} details changed: {} → {}",
                new.value.to_lowercase(),
                show(old),
                show(new)
            );
            self.push(api, Kind::StatusChanged, key, false, reason);
        }
    }

    /// Arguments and setters, matched by wire name: positions matter for arguments, names do
    /// not (a renamed positional argument breaks nobody).
    fn parameters(&mut self, api: &str, key: &str, old: &OperationSurface, new: &OperationSurface) {
        let folded = self.folding(api, key, old, new);
        // Once a folding is reported, its body fields and body are not listed one by one.
        let skip = |wire: &str| folded && (wire == BODY_WIRE || wire.starts_with(BODY_FIELD_WIRE));
        let (old_args, new_args) = (positions_by_wire(old), positions_by_wire(new));
        let mut wires: BTreeSet<&str> = old_args.keys().chain(new_args.keys()).copied().collect();
        wires.extend(
            old.setters
                .keys()
                .chain(new.setters.keys())
                .map(String::as_str),
        );
        for wire in wires.into_iter().filter(|w| !skip(w)) {
            let old_param = match (old_args.get(wire), old.setters.get(wire)) {
                (Some(&i), _) => Some(Parameter::Argument(&old.arguments[i])),
                (None, Some(s)) => Some(Parameter::Setter(s)),
                (None, None) => None,
            };
            let new_param = match (new_args.get(wire), new.setters.get(wire)) {
                (Some(&i), _) => Some(Parameter::Argument(&new.arguments[i])),
                (None, Some(s)) => Some(Parameter::Setter(s)),
                (None, None) => None,
            };
            if let Some((kind, breaking, reason)) = parameter_change(wire, old_param, new_param) {
                self.push(api, kind, key, breaking, reason);
            }
        }
        // Arguments present on both sides must keep their relative order.
        let kept = |op: &'_ OperationSurface, other: &BTreeMap<&str, usize>| -> Vec<String> {
            op.arguments
                .iter()
                .filter(|a| other.contains_key(a.wire.as_str()) && !skip(&a.wire))
                .map(|a| a.wire.clone())
                .collect()
        };
        let (old_kept, new_kept) = (kept(old, &new_args), kept(new, &old_args));
        if old_kept != new_kept {
            let names = |op: &OperationSurface, wires: &[String]| {
                wires
                    .iter()
                    .filter_map(|w| op.arguments.iter().find(|a| &a.wire == w))
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let reason = format!(
                "arguments reordered: ({}) → ({})",
                names(old, &old_kept),
                names(new, &new_kept)
            );
            self.push(api, Kind::ArgumentsReordered, key, true, reason);
        }
    }

    /// Named body parameters replaced by one body model (or the reverse): one change, since the
    /// JSON sent stays the same and only the signature moves. Returns whether it happened.
    fn folding(
        &mut self,
        api: &str,
        key: &str,
        old: &OperationSurface,
        new: &OperationSurface,
    ) -> bool {
        let is_field = |w: &str| w.starts_with(BODY_FIELD_WIRE);
        let has_fields = |op: &OperationSurface| {
            op.arguments.iter().any(|a| is_field(&a.wire)) || op.setters.keys().any(|w| is_field(w))
        };
        let body =
            |op: &OperationSurface| op.arguments.iter().find(|a| a.wire == BODY_WIRE).cloned();
        let folded = has_fields(old) && !has_fields(new) && body(old).is_none();
        let unfolded = has_fields(new) && !has_fields(old) && body(new).is_none();
        let (kind, fields_side, body_side) = match (folded, unfolded) {
            (true, _) => (Kind::BodyFolded, old, new),
            (_, true) => (Kind::BodyUnfolded, new, old),
            _ => return false,
        };
        let Some(body) = body(body_side) else {
            return false;
        };
        let mut named: Vec<String> = fields_side
            .arguments
            .iter()
            .filter(|a| is_field(&a.wire))
            .map(|a| code(&a.name))
            .collect();
        named.extend(
            fields_side
                .setters
                .iter()
                .filter(|(w, _)| is_field(w))
                .map(|(_, s)| format!("{} (setter)", code(&format!(".{}()", s.name)))),
        );
        let body = code(&format!("{}: {}", body.name, body.ty));
        let reason = if kind == Kind::BodyFolded {
            format!(
                "named body parameters {} folded into one body argument {body}: same JSON on the wire, new signature",
                named.join(", ")
            )
        } else {
            format!(
                "body argument {body} unfolded into named body parameters {}: same JSON on the wire, new signature",
                named.join(", ")
            )
        };
        self.push(api, kind, key, true, reason);
        true
    }

    fn models(&mut self) {
        let (old, new) = (self.old, self.new);
        for (key, model) in &new.models {
            if old.models.contains_key(key) || Self::only_in(&model.used_by, &self.added_apis) {
                continue;
            }
            let what = match &model.shape {
                ModelShape::Struct(_) => "struct",
                ModelShape::Enum(_) => "enum",
            };
            let reason = format!(
                "new {what} (schema model {}, {})",
                code(key),
                model.position.describe()
            );
            self.push(
                &group(&model.used_by),
                Kind::ModelAdded,
                &model.path,
                false,
                reason,
            );
        }
        for (key, model) in &old.models {
            match new.models.get(key) {
                None if Self::only_in(&model.used_by, &self.removed_apis) => {}
                None => {
                    let reason = format!("type removed (schema model {})", code(key));
                    self.push(
                        &group(&model.used_by),
                        Kind::ModelRemoved,
                        &model.path,
                        true,
                        reason,
                    );
                }
                Some(new_model) => self.model(key, model, new_model),
            }
        }
    }

    fn model(&mut self, key: &str, old: &ModelSurface, new: &ModelSurface) {
        let before = self.changes.len();
        let api = group(&new.used_by);
        if old.path != new.path {
            let reason = format!(
                "type renamed from {} to {} (schema model {})",
                code(&old.path),
                code(&new.path),
                code(key)
            );
            self.push(&api, Kind::ModelRenamed, &old.path, true, reason);
        }
        match (&old.shape, &new.shape) {
            (ModelShape::Struct(o), ModelShape::Struct(n)) => {
                self.structure(&api, o, n, new.position);
            }
            (ModelShape::Enum(o), ModelShape::Enum(n)) if o.integers == n.integers => {
                self.enumeration(&api, &new.path, o, n, old.position, new.position);
            }
            (o, n) => {
                let describe = |s: &ModelShape| match s {
                    ModelShape::Struct(_) => "a struct",
                    ModelShape::Enum(EnumSurface { integers: true, .. }) => "an integer enum",
                    ModelShape::Enum(_) => "a string enum",
                };
                let reason = format!("was {}, is now {}", describe(o), describe(n));
                self.push(&api, Kind::ModelKindChanged, &new.path, true, reason);
            }
        }
        for (shape, variant) in &new.variants {
            if !old.variants.contains_key(shape) {
                let reason = format!(
                    "new request-body type {} (a {} body)",
                    code(&variant.path),
                    if shape == "Create" { "POST" } else { "PUT" }
                );
                self.push(&api, Kind::VariantAdded, &variant.path, false, reason);
            }
        }
        for (shape, variant) in &old.variants {
            match new.variants.get(shape) {
                None => {
                    let reason = format!(
                        "request-body type {} removed (no operation sends it any more)",
                        code(&variant.path)
                    );
                    self.push(&api, Kind::VariantRemoved, &variant.path, true, reason);
                }
                Some(new_variant) => {
                    let position = Position {
                        request: true,
                        response: false,
                    };
                    self.structure(&api, variant, new_variant, position);
                }
            }
        }
        self.count_documentation(before, &old.doc, &new.doc);
    }

    /// Fields by Rust name. Who builds the struct decides: a new field of a type users only
    /// read breaks nothing; a new `new(..)` argument breaks every caller.
    fn structure(
        &mut self,
        api: &str,
        old: &StructSurface,
        new: &StructSurface,
        position: Position,
    ) {
        let path = &new.path;
        match (&old.constructor, &new.constructor) {
            (None, Some(args)) => {
                let how = if args.is_empty() {
                    "`Default`".to_owned()
                } else {
                    code(&format!("new({})", args.join(", ")))
                };
                let reason =
                    format!("callers can now build it with {how} (a request sends it now)");
                self.push(api, Kind::ConstructorAdded, path, false, reason);
            }
            (Some(args), None) => {
                let how = if args.is_empty() {
                    "`Default`".to_owned()
                } else {
                    code(&format!("new({})", args.join(", ")))
                };
                let reason = if position.request || position.response {
                    format!("{how} removed: no request sends the type any more, it is only read")
                } else {
                    format!("{how} removed: no operation uses the type any more, so it is generated like a response type")
                };
                self.push(api, Kind::ConstructorRemoved, path, true, reason);
            }
            _ => {}
        }
        for (name, field) in &new.fields {
            if old.fields.contains_key(name) {
                continue;
            }
            let item = format!("{path}.{name}");
            let declared = code(&format!("{name}: {}", field.ty));
            let (breaking, reason) = if field.in_constructor {
                (
                    true,
                    format!("new required field {declared}: `new(..)` takes one more argument"),
                )
            } else if new.constructor.is_none() {
                (
                    false,
                    format!("new field {declared} in a type users only read (#[non_exhaustive])"),
                )
            } else {
                (
                    false,
                    format!("new optional field {declared} (starts as `None`)"),
                )
            };
            self.push(api, Kind::FieldAdded, &item, breaking, reason);
        }
        for (name, field) in &old.fields {
            let item = format!("{path}.{name}");
            match new.fields.get(name) {
                None => {
                    let reason =
                        format!("field {} removed", code(&format!("{name}: {}", field.ty)));
                    self.push(api, Kind::FieldRemoved, &item, true, reason);
                }
                Some(new_field) if new_field.ty != field.ty => {
                    let mut reason = type_change(&field.ty, &new_field.ty);
                    match (field.in_constructor, new_field.in_constructor) {
                        (false, true) => reason.push_str(" (now a `new(..)` argument)"),
                        (true, false) => reason.push_str(" (no longer a `new(..)` argument)"),
                        _ => {}
                    }
                    self.push(api, Kind::FieldRetyped, &item, true, reason);
                }
                Some(_) => {}
            }
        }
    }

    /// Values by wire value. With `Unknown(..)` and `#[non_exhaustive]`, a new value breaks no
    /// `match`; a removed one deletes a variant someone may name.
    fn enumeration(
        &mut self,
        api: &str,
        path: &str,
        old: &EnumSurface,
        new: &EnumSurface,
        old_position: Position,
        position: Position,
    ) {
        let quoted = |value: &str| {
            if new.integers {
                value.to_owned()
            } else {
                format!("{value:?}")
            }
        };
        for (value, variant) in &new.values {
            match old.values.get(value) {
                None => {
                    let reason = format!(
                        "new value {} as variant {} ({})",
                        quoted(value),
                        code(variant),
                        position.describe()
                    );
                    let item = format!("{path}::{variant}");
                    self.push(api, Kind::EnumValueAdded, &item, false, reason);
                }
                Some(old_variant) if old_variant != variant => {
                    let reason = format!(
                        "value {} is now variant {} (was {})",
                        quoted(value),
                        code(variant),
                        code(old_variant)
                    );
                    let item = format!("{path}::{old_variant}");
                    self.push(api, Kind::EnumVariantRenamed, &item, true, reason);
                }
                Some(_) => {}
            }
        }
        for (value, variant) in &old.values {
            if !new.values.contains_key(value) {
                let reason = format!(
                    "value {} removed: variant {} disappears ({})",
                    quoted(value),
                    code(variant),
                    old_position.describe()
                );
                let item = format!("{path}::{variant}");
                self.push(api, Kind::EnumValueRemoved, &item, true, reason);
            }
        }
    }

    fn aliases(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, alias) in &new.aliases {
            if old.aliases.contains_key(name) || Self::only_in(&alias.used_by, &self.added_apis) {
                continue;
            }
            let reason = format!(
                "new type alias {} = {}",
                code(&alias.path),
                code(&alias.target)
            );
            self.push(
                &group(&alias.used_by),
                Kind::AliasAdded,
                &alias.path,
                false,
                reason,
            );
        }
        for (name, alias) in &old.aliases {
            match new.aliases.get(name) {
                None if Self::only_in(&alias.used_by, &self.removed_apis) => {}
                None => {
                    let reason = format!("type alias {} removed", code(&alias.path));
                    self.push(
                        &group(&alias.used_by),
                        Kind::AliasRemoved,
                        &alias.path,
                        true,
                        reason,
                    );
                }
                Some(n) if n.path != alias.path || n.target != alias.target => {
                    let reason = format!(
                        "type alias {} = {} is now {} = {}",
                        code(&alias.path),
                        code(&alias.target),
                        code(&n.path),
                        code(&n.target)
                    );
                    self.push(
                        &group(&n.used_by),
                        Kind::AliasRetargeted,
                        &alias.path,
                        true,
                        reason,
                    );
                }
                Some(_) => {}
            }
        }
    }

    /// New or different merges of a model defined differently by several files: informational,
    /// the merged definition's own changes are reported with the model.
    fn conflicts(&mut self) {
        let (old, new) = (self.old, self.new);
        for (key, details) in &new.conflicts {
            if old.conflicts.get(key) == Some(details) {
                continue;
            }
            let Some(model) = new.models.get(key) else {
                continue;
            };
            let reason = format!("several schema files define it differently; merged: {details}");
            self.push(
                &group(&model.used_by),
                Kind::ModelsMerged,
                &model.path,
                false,
                reason,
            );
        }
    }
}

/// A v2 API's `SCHEMAS_VERSION` moving: a new major schema version may change anything.
fn schema_version_change(old: Option<&str>, new: Option<&str>) -> (bool, String) {
    let major = |v: &str| v.split('.').next()?.trim().parse::<u64>().ok();
    match (old, new) {
        (Some(o), Some(n)) => match (major(o), major(n)) {
            (Some(a), Some(b)) if a != b => (
                true,
                format!("schema version (`SCHEMAS_VERSION`, X-Schemas-Version) {o} → {n}: new major version"),
            ),
            (Some(_), Some(_)) => (
                false,
                format!("schema version (`SCHEMAS_VERSION`, X-Schemas-Version) {o} → {n}: same major version"),
            ),
            _ => (
                true,
                format!("schema version (`SCHEMAS_VERSION`, X-Schemas-Version) {o} → {n}: not comparable as numbers, assumed major"),
            ),
        },
        (None, Some(n)) => (
            false,
            format!("now declares schema version {n} (`SCHEMAS_VERSION` added)"),
        ),
        (Some(o), None) => (
            true,
            format!("no longer declares a schema version (was {o}): `SCHEMAS_VERSION` removed"),
        ),
        (None, None) => (false, String::new()),
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/// The report in the requested format; the same report always gives the same bytes.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => render_text(report),
        Format::Markdown => render_markdown(report),
        Format::Json => render_json(report),
    }
}

/// `v1 /me` → "`me` (v1 `/me`)"; the shared group gets a sentence.
fn group_title(report: &Report, api: &str, markdown: bool) -> String {
    if api == SHARED {
        return "models shared by several APIs".to_owned();
    }
    let title = report.titles.get(api).cloned().unwrap_or_default();
    let (branch, path) = title.split_once(' ').unwrap_or(("", &title));
    if markdown {
        format!("`{api}` ({branch} `{path}`)")
    } else {
        format!("{api} ({branch} {path})")
    }
}

fn totals_line(report: &Report) -> String {
    format!(
        "{} change(s): {} breaking, {} added, {} changed, {} deprecated; {} documentation-only change(s)",
        report.changes.len(),
        report.breaking(),
        report.count(Section::Added),
        report.count(Section::Changed),
        report.count(Section::Deprecated),
        report.documentation_changes
    )
}

fn bump_line(report: &Report) -> String {
    let bump = report.bump();
    format!(
        "semver: {} ({}); for a 0.x crate: {}",
        bump.as_str(),
        bump.why(),
        bump.zero_x()
    )
}

fn render_text(report: &Report) -> String {
    let mut out = format!("{} → {}\n", report.old_label, report.new_label);
    let mut current: Option<&str> = None;
    for change in &report.changes {
        if current != Some(change.api.as_str()) {
            out.push_str(&format!("\n{}\n", group_title(report, &change.api, false)));
            current = Some(&change.api);
        }
        out.push_str(&format!(
            "  {:<10} {}: {}\n",
            change.section().tag(),
            change.item,
            change.reason
        ));
    }
    if report.changes.is_empty() {
        out.push_str("\nno change to the generated API\n");
    }
    out.push('\n');
    out.push_str(&totals_line(report));
    out.push('\n');
    let kinds: Vec<String> = report
        .by_kind()
        .into_iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    if !kinds.is_empty() {
        out.push_str(&format!("by kind: {}\n", kinds.join(", ")));
    }
    out.push_str(&bump_line(report));
    out.push('\n');
    out
}

fn render_markdown(report: &Report) -> String {
    let mut out = format!("## {}\n\n", report.new_label);
    out.push_str(&format!(
        "Generated API compared with {}: {}.\n",
        report.old_label,
        totals_line(report)
    ));
    for section in Section::ALL {
        let changes: Vec<&Change> = report
            .changes
            .iter()
            .filter(|c| c.section() == section)
            .collect();
        if changes.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {}\n", section.title()));
        let mut current: Option<&str> = None;
        for change in changes {
            if current != Some(change.api.as_str()) {
                out.push_str(&format!(
                    "\n#### {}\n\n",
                    group_title(report, &change.api, true)
                ));
                current = Some(&change.api);
            }
            out.push_str(&format!("- `{}`: {}\n", change.item, change.reason));
        }
    }
    if report.changes.is_empty() {
        out.push_str("\nNo change to the generated API.\n");
    }
    let bump = report.bump();
    out.push_str(&format!(
        "\n**Semver:** {} ({}); for a 0.x crate: {}.\n",
        bump.as_str(),
        bump.why(),
        bump.zero_x()
    ));
    out
}

/// `bump` is the bare level (`major`, `minor`, `patch`, `none`): scripts/release.sh reads it.
#[derive(Serialize)]
struct JsonReport<'a> {
    old: &'a str,
    new: &'a str,
    changes: Vec<JsonChange<'a>>,
    totals: JsonTotals,
    bump: Bump,
    bump_reason: &'static str,
    /// What the bump means for a 0.x crate: `0.(x+1).0` or `0.x.(y+1)`.
    bump_zero_x: &'static str,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    api: &'a str,
    kind: Kind,
    item: &'a str,
    breaking: bool,
    section: Section,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonTotals {
    changes: usize,
    breaking: usize,
    non_breaking: usize,
    added: usize,
    changed: usize,
    deprecated: usize,
    documentation_only: usize,
    files_changed: bool,
    by_kind: BTreeMap<&'static str, usize>,
}

fn render_json(report: &Report) -> String {
    let bump = report.bump();
    let json = JsonReport {
        old: &report.old_label,
        new: &report.new_label,
        changes: report
            .changes
            .iter()
            .map(|c| JsonChange {
                api: &c.api,
                kind: c.kind,
                item: &c.item,
                breaking: c.breaking,
                section: c.section(),
                reason: &c.reason,
            })
            .collect(),
        totals: JsonTotals {
            changes: report.changes.len(),
            breaking: report.breaking(),
            non_breaking: report.changes.len() - report.breaking(),
            added: report.count(Section::Added),
            changed: report.count(Section::Changed),
            deprecated: report.count(Section::Deprecated),
            documentation_only: report.documentation_changes,
            files_changed: report.files_changed,
            by_kind: report.by_kind(),
        },
        bump,
        bump_reason: bump.why(),
        bump_zero_x: bump.zero_x(),
    };
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_else(|e| {
        // Plain data always serializes; keep the promise of no panics anyway.
        format!("{{\"error\": {:?}}}", e.to_string())
    });
    text.push('\n');
    text
}
