//! The public surface of one snapshot: what the generated crate exposes, as comparable strings,
//! read from the generator's plan and printed with the emitter's type functions.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use serde::Serialize;

use crate::emit;
use crate::model::{
    collect_models, model_closure, BodyShape, EnumValues, Ir, Model, ModelKind, Operation, Param,
    ParamLocation, Property, TypeRef,
};
use crate::plan::{
    ApiPlan, EnumPlan, ItemPath, OperationPlan, ParamPlan, Plan, StructPlan, Type, TypeShape,
};
use crate::reader::{Branch, Stability};

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
    /// The surface the generator would emit for every API of `ir`, planned by `plan`.
    pub fn of(ir: &Ir, plan: &Plan) -> Surface {
        let types = Types { plan };
        let (model_users, alias_users) = users(ir);
        let positions = positions(ir);
        let mut apis = BTreeMap::new();
        for (api, api_plan) in ir.apis.iter().zip(&plan.apis) {
            // Two files claiming one feature cannot both be emitted; the first one is compared.
            apis.entry(api_plan.feature.clone())
                .or_insert_with(|| api_surface(api, api_plan, &types));
        }
        let models = ir
            .models
            .values()
            .map(|model| {
                let used_by = model_users.get(&model.key).cloned().unwrap_or_default();
                let position = positions.get(&model.key).copied().unwrap_or_default();
                let surface = model_surface(model, &types, position, used_by);
                (model.key.clone(), surface)
            })
            .collect();
        let aliases = ir
            .aliases
            .iter()
            .filter_map(|(name, target)| {
                let id = plan.types.alias(name)?;
                Some((
                    name.clone(),
                    AliasSurface {
                        path: item_path(plan.types.path(id)),
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
        self.planned(&self.plan.types.resolve(ty))
    }

    /// A planned type as the emitter prints it, or `<unresolved name>`.
    fn planned(&self, ty: &Type) -> String {
        match ty.unresolved() {
            Some(missing) => format!("<unresolved {missing}>"),
            None => readable(&emit::rust_type(ty, &self.plan.types)),
        }
    }

    /// How a method takes it: `&str`, `i64`, `&[String]`, `&ovhcloudconnect::PopConfig`.
    fn argument(&self, param: &ParamPlan) -> String {
        match param.ty.unresolved() {
            Some(missing) => format!("<unresolved {missing}>"),
            None => readable(&emit::argument_type(
                &param.ty,
                param.passing,
                &self.plan.types,
            )),
        }
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

/// `a::B` with generics `T` → `a::B<T>`.
fn with_generics(path: String, generics: &[String]) -> String {
    if generics.is_empty() {
        path
    } else {
        format!("{path}<{}>", generics.join(", "))
    }
}

/// Cargo features using each model and each alias (the per-API closures of the model stage).
type Users = BTreeMap<String, BTreeSet<String>>;

fn users(ir: &Ir) -> (Users, Users) {
    let (mut models, mut aliases): (Users, Users) = Default::default();
    for api in &ir.apis {
        let feature = api.feature();
        let record = |users: &mut Users, names: &BTreeSet<String>| {
            for name in names {
                users
                    .entry(name.clone())
                    .or_default()
                    .insert(feature.clone());
            }
        };
        record(&mut models, &api.models);
        record(&mut aliases, &api.aliases);
    }
    (models, aliases)
}

/// Request and response reachability of every model. [`Ir::roles`] only says "request only";
/// a change report also needs "both".
fn positions(ir: &Ir) -> BTreeMap<String, Position> {
    let (mut responses, mut requests) = (Vec::new(), Vec::new());
    for op in ir.apis.iter().flat_map(|a| &a.operations) {
        collect_models(&op.response, &mut responses);
        for p in &op.params {
            collect_models(&p.ty, &mut requests);
        }
        if let Some(body) = &op.body {
            collect_models(&body.ty, &mut requests);
        }
    }
    let mut positions: BTreeMap<String, Position> = BTreeMap::new();
    for key in model_closure(ir, responses) {
        positions.entry(key).or_default().response = true;
    }
    for key in model_closure(ir, requests) {
        positions.entry(key).or_default().request = true;
    }
    positions
}

fn api_surface(api: &crate::model::Api, plan: &ApiPlan, types: &Types<'_>) -> ApiSurface {
    let operations = api
        .operations
        .iter()
        .zip(&plan.operations)
        .map(|(op, planned)| (planned.key.clone(), operation_surface(op, planned, types)))
        .collect();
    ApiSurface {
        title: format!("{} {}", api.branch.dir_name(), api.name),
        file: crate::manifest::relative_file(api),
        accessor: (!api.operations.is_empty()).then(|| plan.module.clone()),
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

pub(super) const BODY_WIRE: &str = "body";
pub(super) const BODY_FIELD_WIRE: &str = "body field ";

/// One method as the plan shapes it: required parameters are arguments, then the body;
/// optional parameters are setters.
fn operation_surface(op: &Operation, plan: &OperationPlan, types: &Types<'_>) -> OperationSurface {
    let mut arguments: Vec<Argument> = plan
        .arguments
        .iter()
        .map(|p| Argument {
            wire: wire_name(&op.params[p.param]),
            name: p.name.clone(),
            ty: types.argument(p),
        })
        .collect();
    if let Some(body) = &plan.body {
        arguments.push(Argument {
            wire: BODY_WIRE.to_owned(),
            name: body.name.clone(),
            ty: format!("&{}", types.planned(&body.ty)),
        });
    }
    // The setters are keyed by wire name, so their order does not matter here.
    let setters = plan
        .setters
        .iter()
        .map(|p| {
            let setter = Setter {
                name: p.name.clone(),
                ty: types.argument(p),
            };
            (wire_name(&op.params[p.param]), setter)
        })
        .collect();
    OperationSurface {
        method: plan.method.clone(),
        arguments,
        setters,
        response: types.planned(&plan.response),
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
    model: &Model,
    types: &Types<'_>,
    position: Position,
    used_by: BTreeSet<String>,
) -> ModelSurface {
    let table = &types.plan.types;
    let entry = table.model(&model.key).map(|id| table.entry(id));
    let (shape, variants, doc, path) = match (&model.kind, entry.map(|e| (e, &e.shape))) {
        (ModelKind::Enum(values), Some((entry, TypeShape::Enum(plan)))) => (
            ModelShape::Enum(enum_surface(values, plan)),
            BTreeMap::new(),
            format!("{:?}", model.description),
            item_path(&entry.path),
        ),
        (
            ModelKind::Object {
                generics,
                properties,
            },
            Some((entry, TypeShape::Struct(plan))),
        ) => {
            let path = with_generics(item_path(&entry.path), generics);
            let fields = struct_surface(properties, plan, types, path.clone());
            let variants = [BodyShape::Create, BodyShape::Update]
                .into_iter()
                .filter_map(|shape| {
                    let variant = table.entry(table.body_shape(&model.key, shape)?);
                    let TypeShape::Struct(plan) = &variant.shape else {
                        return None;
                    };
                    let variant_path = with_generics(item_path(&variant.path), generics);
                    let surface = struct_surface(properties, plan, types, variant_path);
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
                path,
            )
        }
        // Unreachable for a model of `ir`: the plan names and shapes every one.
        _ => (
            ModelShape::Enum(EnumSurface {
                values: BTreeMap::new(),
                integers: false,
            }),
            BTreeMap::new(),
            String::new(),
            format!("<unresolved {}>", model.key),
        ),
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

/// The fields of a model's struct or of one of its request-body variants, as the plan declares
/// them: a field holding its own type is boxed, an optional one is an `Option`, and the
/// mandatory ones of a struct callers build are the arguments of `new(..)`.
fn struct_surface(
    properties: &[Property],
    plan: &StructPlan,
    types: &Types<'_>,
    path: String,
) -> StructSurface {
    let mut fields = BTreeMap::new();
    let mut constructor = Vec::new();
    for field in &plan.fields {
        let mut ty = types.planned(&field.ty);
        if field.boxed {
            ty = format!("Box<{ty}>");
        }
        if !field.required {
            ty = format!("Option<{ty}>");
        }
        let in_constructor = field.required && plan.constructible;
        if in_constructor {
            constructor.push(field.name.clone());
        }
        fields.insert(
            field.name.clone(),
            FieldSurface {
                json: properties[field.property].name.clone(),
                ty,
                in_constructor,
            },
        );
    }
    StructSurface {
        path,
        fields,
        constructor: plan.constructible.then_some(constructor),
    }
}

fn enum_surface(values: &EnumValues, plan: &EnumPlan) -> EnumSurface {
    let variants = plan.variants.iter().cloned();
    match values {
        EnumValues::Strings(values) => EnumSurface {
            values: values.iter().cloned().zip(variants).collect(),
            integers: false,
        },
        EnumValues::Integers(values) => EnumSurface {
            values: values.iter().map(|v| v.to_string()).zip(variants).collect(),
            integers: true,
        },
    }
}
