//! Stage 2: the resolved intermediate model. Every type expression becomes a [`TypeRef`] whose
//! model references are checked, models shared by several files are merged into one definition
//! (conflicts are reported, see [`merge_definitions`]), and every operation knows its
//! parameters, body and response. It knows nothing of Rust: the generator's plan names things.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::reader::{
    pointer_token, Branch, HttpMethod, LoadedSchema, ModelDef, OperationDef, ParamKind,
    PropertyDef, SchemaError, Stability,
};
use crate::typeexpr::{self, Primitive, TypeExpr};

/// A resolved type.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    Unit,
    Primitive(Primitive),
    /// An object or enum model, by key (the template key, `a.B<T>`, for generic models).
    Model {
        key: String,
        args: Vec<TypeRef>,
    },
    /// A generic parameter inside a template.
    Param(String),
    Array(Box<TypeRef>),
    Map(Box<TypeRef>, Box<TypeRef>),
    Alias {
        name: String,
        target: Box<TypeRef>,
    },
}

impl TypeRef {
    /// Model keys and alias names this type mentions, at any depth.
    pub fn visit(&self, f: &mut impl FnMut(&TypeRef)) {
        f(self);
        match self {
            TypeRef::Model { args, .. } => args.iter().for_each(|a| a.visit(f)),
            TypeRef::Array(inner) => inner.visit(f),
            TypeRef::Map(k, v) => {
                k.visit(f);
                v.visit(f);
            }
            TypeRef::Alias { target, .. } => target.visit(f),
            TypeRef::Unit | TypeRef::Primitive(_) | TypeRef::Param(_) => {}
        }
    }

    /// The model held directly (not through an array or map), if any.
    pub fn direct_model(&self) -> Option<&str> {
        match self {
            TypeRef::Model { key, .. } => Some(key),
            TypeRef::Alias { target, .. } => target.direct_model(),
            _ => None,
        }
    }

    /// The type an alias stands for (the type itself for anything else).
    pub fn unaliased(&self) -> &TypeRef {
        match self {
            TypeRef::Alias { target, .. } => target.unaliased(),
            other => other,
        }
    }

    /// The type with generic parameters replaced by their arguments (`(name, type)`).
    pub fn substitute(&self, bindings: &[(String, TypeRef)]) -> TypeRef {
        let sub = |t: &TypeRef| Box::new(t.substitute(bindings));
        match self {
            TypeRef::Param(name) => bindings
                .iter()
                .find(|(n, _)| n == name)
                .map_or_else(|| self.clone(), |(_, t)| t.clone()),
            TypeRef::Array(inner) => TypeRef::Array(sub(inner)),
            TypeRef::Map(k, v) => TypeRef::Map(sub(k), sub(v)),
            TypeRef::Model { key, args } => TypeRef::Model {
                key: key.clone(),
                args: args.iter().map(|a| a.substitute(bindings)).collect(),
            },
            TypeRef::Alias { name, target } => TypeRef::Alias {
                name: name.clone(),
                target: sub(target),
            },
            TypeRef::Unit | TypeRef::Primitive(_) => self.clone(),
        }
    }

    pub fn is_array(&self) -> bool {
        match self {
            TypeRef::Array(_) => true,
            TypeRef::Alias { target, .. } => target.is_array(),
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    /// The JSON key.
    pub name: String,
    pub ty: TypeRef,
    pub nullable: bool,
    pub read_only: bool,
    pub required: bool,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EnumValues {
    /// String values, as listed.
    Strings(Vec<String>),
    /// `enumType: long` with JSON number values.
    Integers(Vec<i64>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ModelKind {
    Object {
        generics: Vec<String>,
        properties: Vec<Property>,
    },
    Enum(EnumValues),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub key: String,
    pub description: Option<String>,
    pub kind: ModelKind,
    /// Which APIs define it (by index into [`Ir::apis`]).
    pub defined_in: Vec<usize>,
}

/// How a model is used across every loaded API: decides which fields are optional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Reachable from some response: fields follow `canBeNull`.
    Output,
    /// Only ever sent: fields follow `required`.
    Input,
}

/// A request-body variant of an output model, so callers never fill read-only fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BodyShape {
    /// `POST`: writable fields, `required` ones mandatory.
    Create,
    /// `PUT`: writable fields, all optional (send only what changes).
    Update,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    /// One field of a JSON object body (the "named body parameters" style).
    BodyField,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub location: ParamLocation,
    pub ty: TypeRef,
    pub required: bool,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WholeBody {
    pub ty: TypeRef,
    /// Set when the body type is an output model sent through a request-body variant.
    pub shape: Option<BodyShape>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub stability: Stability,
    pub deprecated_since: Option<String>,
    pub deletion_date: Option<String>,
    pub replacement: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IamAction {
    pub name: String,
    pub required: bool,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub method: HttpMethod,
    pub path: String,
    pub params: Vec<Param>,
    pub body: Option<WholeBody>,
    pub response: TypeRef,
    pub status: Status,
    pub authenticated: bool,
    pub description: Option<String>,
    pub long_description: Option<String>,
    pub path_description: Option<String>,
    pub iam_actions: Vec<IamAction>,
    pub errors: Vec<String>,
    pub operation_id: Option<String>,
    /// Accepts the v2 cursor pagination headers.
    pub paginated: bool,
}

#[derive(Clone, Debug)]
pub struct Api {
    pub branch: Branch,
    /// `resourcePath`, e.g. `/dedicated/server`.
    pub name: String,
    pub file: PathBuf,
    pub sha256: String,
    /// Size of the file in bytes.
    pub size: u64,
    pub api_version: Option<String>,
    pub base_path: Option<String>,
    pub operations: Vec<Operation>,
    pub subsections: BTreeMap<String, String>,
    /// Every model this API's operations need, transitively (template keys for generics).
    pub models: BTreeSet<String>,
    pub aliases: BTreeSet<String>,
    /// Output models this API sends through a request-body variant.
    pub body_shapes: BTreeSet<(String, BodyShape)>,
}

impl Api {
    /// The cargo feature: `dedicated_server` for v1, `v2_iam` for v2.
    pub fn feature(&self) -> String {
        crate::feature_name(self.branch, &self.name)
    }
}

/// Two files define one model key differently; see [`merge_definitions`].
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    pub key: String,
    pub files: Vec<PathBuf>,
    pub details: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Ir {
    pub apis: Vec<Api>,
    pub models: BTreeMap<String, Model>,
    /// Alias name (`coreTypes.AccountId`) → the type it names.
    pub aliases: BTreeMap<String, TypeRef>,
    pub roles: BTreeMap<String, Role>,
    /// Models some request reaches (bodies, parameters, and what their fields hold): callers
    /// build these, response models among them included.
    pub sent: BTreeSet<String>,
    pub conflicts: Vec<Conflict>,
    /// Problems that made the generator drop an operation or a model.
    pub errors: Vec<SchemaError>,
    /// Irregularities the generator worked around by degrading the smallest part affected (an
    /// unknown type becomes a string parameter or a JSON value); everything else is generated.
    pub warnings: Vec<SchemaError>,
}

impl Ir {
    pub fn operation_count(&self) -> usize {
        self.apis.iter().map(|a| a.operations.len()).sum()
    }

    pub fn role(&self, key: &str) -> Role {
        self.roles.get(key).copied().unwrap_or(Role::Output)
    }

    /// Whether callers build values of this model (or of its request-body variant `shape`):
    /// then it gets `new(mandatory fields)`, or `Default` when none is mandatory. Response
    /// models nothing sends are only read, and `#[non_exhaustive]` keeps them unbuildable.
    pub fn constructible(&self, key: &str, shape: Option<BodyShape>) -> bool {
        shape.is_some() || self.role(key) == Role::Input || self.sent.contains(key)
    }

    /// Whether a property is a plain (not `Option`) field of the model's struct, or of its
    /// request-body variant `shape`: a response model follows `canBeNull`, a request-only
    /// model and `Create` follow `required`, `Update` makes every field optional.
    pub fn mandatory(&self, key: &str, property: &Property, shape: Option<BodyShape>) -> bool {
        match shape {
            Some(BodyShape::Create) => property.required,
            Some(BodyShape::Update) => false,
            None if self.role(key) == Role::Output => !property.nullable,
            None => property.required,
        }
    }
}

/// Builds the intermediate model from loaded schemas. Never fails as a whole: each problem is
/// recorded in [`Ir::errors`] and only the offending item is dropped.
pub fn build(schemas: Vec<LoadedSchema>) -> Ir {
    let mut ir = Ir::default();
    let defs = collect_definitions(&schemas);
    for (key, sources) in &defs {
        if let Some(model) = resolve_model(key, sources, &schemas, &defs, &mut ir) {
            ir.models.insert(key.clone(), model);
        }
    }
    for (index, schema) in schemas.into_iter().enumerate() {
        let api = build_api(index, schema, &defs, &mut ir);
        ir.apis.push(api);
    }
    prune_dangling(&mut ir);
    assign_roles(&mut ir);
    compute_closures(&mut ir);
    ir
}

/// Drops whatever refers to a model that was itself dropped for an error, so the emitted code
/// never names a type that does not exist. Each drop is reported.
fn prune_dangling(ir: &mut Ir) {
    let missing = |ir: &Ir, ty: &TypeRef| {
        let mut found = None;
        ty.visit(&mut |t| {
            if let TypeRef::Model { key, .. } = t {
                if found.is_none() && !ir.models.contains_key(key) {
                    found = Some(key.clone());
                }
            }
        });
        found
    };
    loop {
        let mut dropped = Vec::new();
        for (key, model) in &ir.models {
            if let ModelKind::Object { properties, .. } = &model.kind {
                if let Some(gone) = properties.iter().find_map(|p| missing(ir, &p.ty)) {
                    dropped.push((key.clone(), gone));
                }
            }
        }
        if dropped.is_empty() {
            break;
        }
        for (key, gone) in dropped {
            let model = ir.models.remove(&key).expect("listed above");
            let file = ir_file(ir, model.defined_in[0]);
            ir.errors.push(SchemaError {
                file,
                pointer: model_pointer(&key),
                message: format!("dropped: uses `{gone}`, which has errors"),
            });
        }
    }
    for i in 0..ir.apis.len() {
        let mut kept = Vec::new();
        for op in std::mem::take(&mut ir.apis[i].operations) {
            let types = std::iter::once(&op.response)
                .chain(op.params.iter().map(|p| &p.ty))
                .chain(op.body.iter().map(|b| &b.ty));
            match types.into_iter().find_map(|t| missing(ir, t)) {
                None => kept.push(op),
                Some(gone) => ir.errors.push(SchemaError {
                    file: ir.apis[i].file.clone(),
                    pointer: String::new(),
                    message: format!(
                        "dropped {} {}: uses `{gone}`, which has errors",
                        op.method.as_str(),
                        op.path
                    ),
                }),
            }
        }
        ir.apis[i].operations = kept;
    }
}

fn ir_file(ir: &Ir, api: usize) -> PathBuf {
    ir.apis.get(api).map(|a| a.file.clone()).unwrap_or_default()
}

/// Model key → (api index, definition) for every file defining it, in file order. Copies of
/// generic instantiations (`complexType.UnitAndValue<long>` in 2026 files) are skipped: an
/// instantiation is resolved by substituting the template.
type Definitions = BTreeMap<String, Vec<(usize, ModelDef)>>;

fn collect_definitions(schemas: &[LoadedSchema]) -> Definitions {
    let mut defs: Definitions = BTreeMap::new();
    for (index, schema) in schemas.iter().enumerate() {
        for (key, def) in &schema.doc.models {
            if is_instantiation_copy(key, def) {
                continue;
            }
            defs.entry(key.clone())
                .or_default()
                .push((index, def.clone()));
        }
    }
    defs
}

fn is_instantiation_copy(key: &str, def: &ModelDef) -> bool {
    match (key.find('<'), &def.generics) {
        (Some(open), Some(params)) => key[open..] != format!("<{}>", params.join(",")),
        (Some(_), None) => true,
        _ => false,
    }
}

/// The name part of a template key: `complexType.UnitAndValue<T>` → `complexType.UnitAndValue`.
pub fn template_base(key: &str) -> &str {
    key.split('<').next().unwrap_or(key)
}

struct Resolver<'a> {
    defs: &'a Definitions,
    generics: &'a [String],
    aliases: &'a mut BTreeMap<String, TypeRef>,
}

impl Resolver<'_> {
    fn resolve(&mut self, expr: &TypeExpr) -> Result<TypeRef, String> {
        Ok(match expr {
            TypeExpr::Void => TypeRef::Unit,
            TypeExpr::Primitive(p) => TypeRef::Primitive(*p),
            TypeExpr::Array(inner) => TypeRef::Array(Box::new(self.resolve(inner)?)),
            TypeExpr::Map(k, v) => {
                TypeRef::Map(Box::new(self.resolve(k)?), Box::new(self.resolve(v)?))
            }
            TypeExpr::Alias { name, target } => {
                let target = self.resolve(target)?;
                self.aliases
                    .entry(name.clone())
                    .or_insert_with(|| target.clone());
                TypeRef::Alias {
                    name: name.clone(),
                    target: Box::new(target),
                }
            }
            TypeExpr::Named { name, args } if args.is_empty() && self.generics.contains(name) => {
                TypeRef::Param(name.clone())
            }
            TypeExpr::Named { name, args } if args.is_empty() => {
                if !self.defs.contains_key(name) {
                    return Err(format!(
                        "unknown type `{name}` (not a primitive, nor a model of this file)"
                    ));
                }
                TypeRef::Model {
                    key: name.clone(),
                    args: vec![],
                }
            }
            TypeExpr::Named { name, args } => {
                let key = self.template_key(name, args.len())?;
                let args = args
                    .iter()
                    .map(|a| self.resolve(a))
                    .collect::<Result<_, _>>()?;
                TypeRef::Model { key, args }
            }
        })
    }

    fn template_key(&self, base: &str, arity: usize) -> Result<String, String> {
        let prefix = format!("{base}<");
        self.defs
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .find(|(_, defs)| {
                defs.iter()
                    .any(|(_, d)| d.generics.as_ref().is_some_and(|g| g.len() == arity))
            })
            .map(|(k, _)| k.clone())
            .ok_or_else(|| format!("unknown generic model `{base}` with {arity} type argument(s)"))
    }

    fn resolve_str(&mut self, expr: &str) -> Result<TypeRef, String> {
        let parsed = typeexpr::parse(expr).map_err(|e| e.to_string())?;
        self.resolve(&parsed)
    }

    /// Resolves `expr`, or degrades to `fallback` when it names what no file defines (or does
    /// not parse): a whole API is never lost to one bad reference. The message says what was
    /// degraded, for a warning.
    fn resolve_or(&mut self, expr: &str, fallback: Primitive) -> (TypeRef, Option<String>) {
        match self.resolve_str(expr) {
            Ok(ty) => (ty, None),
            Err(message) => (
                TypeRef::Primitive(fallback),
                Some(format!(
                    "{message}; degraded to {}",
                    match fallback {
                        Primitive::Any => "a JSON value",
                        _ => "a string",
                    }
                )),
            ),
        }
    }
}

fn model_pointer(key: &str) -> String {
    format!("/models/{}", pointer_token(key))
}

fn resolve_model(
    key: &str,
    sources: &[(usize, ModelDef)],
    schemas: &[LoadedSchema],
    defs: &Definitions,
    ir: &mut Ir,
) -> Option<Model> {
    // Each file's definition is checked on its own, even where the merge keeps another's: an
    // unknown property type is reported where it is written, and the property becomes a JSON
    // value (the rest of the model stays typed).
    for (index, def) in sources {
        let generics = def.generics.clone().unwrap_or_default();
        let mut resolver = Resolver {
            defs,
            generics: &generics,
            aliases: &mut ir.aliases,
        };
        for (name, prop) in def.properties.iter().flatten() {
            if let (_, Some(message)) = resolver.resolve_or(prop.type_expr(), Primitive::Any) {
                let field = if prop.full_type.is_some() {
                    "fullType"
                } else {
                    "type"
                };
                let pointer = format!(
                    "{}/properties/{}/{field}",
                    model_pointer(key),
                    pointer_token(name)
                );
                ir.warnings.push(SchemaError {
                    file: schemas[*index].file.clone(),
                    pointer,
                    message,
                });
            }
        }
    }
    let (merged, conflict) = merge_definitions(key, sources, schemas);
    if let Some(conflict) = conflict {
        ir.conflicts.push(conflict);
    }
    let (first_index, _) = sources[0];
    let file = &schemas[first_index].file;
    let error = |pointer: String, message: String| SchemaError {
        file: file.clone(),
        pointer,
        message,
    };
    let kind = if let Some(values) = &merged.enum_values {
        match enum_values(values, merged.enum_type.as_deref()) {
            Ok(v) => ModelKind::Enum(v),
            Err(message) => {
                ir.errors
                    .push(error(format!("{}/enum", model_pointer(key)), message));
                return None;
            }
        }
    } else {
        let generics = merged.generics.clone().unwrap_or_default();
        let mut properties = Vec::new();
        let mut resolver = Resolver {
            defs,
            generics: &generics,
            aliases: &mut ir.aliases,
        };
        for (name, prop) in merged.properties.iter().flatten() {
            // Degraded (and warned about) above, per file.
            let (ty, _) = resolver.resolve_or(prop.type_expr(), Primitive::Any);
            properties.push(Property {
                name: name.clone(),
                ty,
                nullable: prop.can_be_null,
                read_only: prop.read_only,
                required: prop.required,
                description: prop.description.clone().filter(|d| !d.trim().is_empty()),
            });
        }
        ModelKind::Object {
            generics,
            properties,
        }
    };
    Some(Model {
        key: key.to_owned(),
        description: merged.description.clone().filter(|d| !d.trim().is_empty()),
        kind,
        defined_in: sources.iter().map(|(i, _)| *i).collect(),
    })
}

fn enum_values(
    values: &[serde_json::Value],
    enum_type: Option<&str>,
) -> Result<EnumValues, String> {
    let numeric = values.iter().any(|v| v.is_number());
    if numeric {
        if enum_type != Some("long") {
            return Err(format!(
                "numeric enum values need enumType \"long\", found {enum_type:?}"
            ));
        }
        let ints = values
            .iter()
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| format!("enum value {v} is not a 64-bit integer"))
            })
            .collect::<Result<_, _>>()?;
        return Ok(EnumValues::Integers(ints));
    }
    let strings = values
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("enum value {v} is neither a string nor a number"))
        })
        .collect::<Result<_, _>>()?;
    Ok(EnumValues::Strings(strings))
}

/// Merges the definitions one model key has in different files.
///
/// The rule, chosen so that every response any of the APIs sends still decodes:
/// - enums: the union of the values (first file's order, new values appended);
/// - objects: the union of the properties; a property is nullable if it is nullable in any
///   definition or missing from one, read-only only if read-only in all, required only if
///   required in all; when the types differ, the first file's type is kept;
/// - descriptions: the first non-empty one;
/// - an enum in one file and an object in another: the first file's definition is kept.
///
/// Every difference is returned as a [`Conflict`] so the generator can report it.
pub fn merge_definitions(
    key: &str,
    sources: &[(usize, ModelDef)],
    schemas: &[LoadedSchema],
) -> (ModelDef, Option<Conflict>) {
    let mut merged = sources[0].1.clone();
    let mut details = Vec::new();
    let mut files = vec![schemas[sources[0].0].file.clone()];
    for (index, def) in &sources[1..] {
        if *def == merged || def == &sources[0].1 {
            continue;
        }
        let file_name = schemas[*index]
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut differs = false;
        if merged
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
            && def.description.is_some()
        {
            merged.description = def.description.clone();
        }
        match (
            &mut merged.enum_values,
            &def.enum_values,
            &mut merged.properties,
            &def.properties,
        ) {
            (Some(values), Some(more), _, _) => {
                let added: Vec<_> = more
                    .iter()
                    .filter(|v| !values.contains(v))
                    .cloned()
                    .collect();
                if !added.is_empty() {
                    details.push(format!(
                        "{file_name} adds enum values {}",
                        join_values(&added)
                    ));
                    values.extend(added);
                    differs = true;
                }
                let missing = values.iter().filter(|v| !more.contains(v)).count();
                if missing > 0 && !differs {
                    details.push(format!("{file_name} lists {missing} value(s) fewer"));
                    differs = true;
                }
                if merged.enum_type != def.enum_type {
                    details.push(format!(
                        "{file_name} has enumType {:?}, kept {:?}",
                        def.enum_type, merged.enum_type
                    ));
                    differs = true;
                }
            }
            (None, None, Some(props), Some(other)) => {
                for (name, theirs) in other {
                    match props.get_mut(name) {
                        None => {
                            let mut added = theirs.clone();
                            added.can_be_null = true;
                            added.required = false;
                            props.insert(name.clone(), added);
                            details.push(format!(
                                "{file_name} adds property `{name}` (made nullable)"
                            ));
                            differs = true;
                        }
                        Some(ours) => {
                            differs |= merge_property(name, ours, theirs, &file_name, &mut details)
                        }
                    }
                }
                for (name, ours) in props.iter_mut() {
                    if !other.contains_key(name) && !ours.can_be_null {
                        ours.can_be_null = true;
                        ours.required = false;
                        details.push(format!(
                            "{file_name} lacks property `{name}` (made nullable)"
                        ));
                        differs = true;
                    }
                }
            }
            (None, None, None, Some(other)) => {
                merged.properties = Some(other.clone());
                differs = true;
            }
            _ => {
                if (merged.enum_values.is_some()) != (def.enum_values.is_some()) {
                    details.push(format!(
                        "{file_name} defines it as a different kind of model; kept the first"
                    ));
                    differs = true;
                }
            }
        }
        if differs {
            files.push(schemas[*index].file.clone());
        }
    }
    let conflict = (!details.is_empty()).then(|| Conflict {
        key: key.to_owned(),
        files,
        details,
    });
    (merged, conflict)
}

fn merge_property(
    name: &str,
    ours: &mut PropertyDef,
    theirs: &PropertyDef,
    file: &str,
    details: &mut Vec<String>,
) -> bool {
    let mut differs = false;
    if ours.type_expr() != theirs.type_expr() {
        details.push(format!(
            "{file} types property `{name}` as `{}`, kept `{}`",
            theirs.type_expr(),
            ours.type_expr()
        ));
        differs = true;
    }
    if theirs.can_be_null && !ours.can_be_null {
        ours.can_be_null = true;
        details.push(format!("{file} makes property `{name}` nullable"));
        differs = true;
    }
    if ours.read_only && !theirs.read_only {
        ours.read_only = false;
        details.push(format!("{file} makes property `{name}` writable"));
        differs = true;
    }
    if ours.required && !theirs.required {
        ours.required = false;
        details.push(format!("{file} makes property `{name}` optional"));
        differs = true;
    }
    if ours.description.is_none() && theirs.description.is_some() {
        ours.description = theirs.description.clone();
    }
    differs
}

fn join_values(values: &[serde_json::Value]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn build_api(index: usize, schema: LoadedSchema, defs: &Definitions, ir: &mut Ir) -> Api {
    let LoadedSchema {
        branch,
        file,
        sha256,
        size,
        doc,
    } = schema;
    let mut operations = Vec::new();
    let mut seen = BTreeSet::new();
    let mut resolver = Resolver {
        defs,
        generics: &[],
        aliases: &mut ir.aliases,
    };
    for (pi, entry) in doc.apis.iter().enumerate() {
        for (oi, op) in entry.operations.iter().enumerate() {
            let pointer = format!("/apis/{pi}/operations/{oi}");
            if !seen.insert((entry.path.clone(), op.http_method)) {
                ir.errors.push(SchemaError {
                    file: file.clone(),
                    pointer,
                    message: format!(
                        "duplicate operation {} {}",
                        op.http_method.as_str(),
                        entry.path
                    ),
                });
                continue;
            }
            let mut warnings = Vec::new();
            let built = build_operation(
                &entry.path,
                entry.description.as_deref(),
                op,
                &mut resolver,
                &pointer,
                &mut warnings,
            );
            ir.warnings
                .extend(warnings.into_iter().map(|(pointer, message)| SchemaError {
                    file: file.clone(),
                    pointer,
                    message,
                }));
            match built {
                Ok(op) => operations.push(op),
                Err(e) => ir.errors.push(SchemaError {
                    file: file.clone(),
                    pointer: e.0,
                    message: e.1,
                }),
            }
        }
    }
    let _ = index;
    Api {
        branch,
        name: doc.resource_path,
        file,
        sha256,
        size,
        api_version: doc.api_version,
        base_path: doc.base_path,
        operations,
        subsections: doc.subsections,
        models: BTreeSet::new(),
        aliases: BTreeSet::new(),
        body_shapes: BTreeSet::new(),
    }
}

fn build_operation(
    path: &str,
    path_description: Option<&str>,
    op: &OperationDef,
    resolver: &mut Resolver<'_>,
    pointer: &str,
    warnings: &mut Vec<(String, String)>,
) -> Result<Operation, (String, String)> {
    let (response, degraded) = resolver.resolve_or(&op.response_type, Primitive::Any);
    if let Some(message) = degraded {
        warnings.push((format!("{pointer}/responseType"), message));
    }
    let template_vars = path_variables(path);
    let mut params = Vec::new();
    let mut body = None;
    for (i, p) in op.parameters.iter().enumerate() {
        let at = format!("{pointer}/parameters/{i}");
        // What still works for an unknown type: a string in the URL or a header, any JSON in
        // a body.
        let fallback = match p.param_type {
            ParamKind::Body => Primitive::Any,
            ParamKind::Path | ParamKind::Query | ParamKind::Header => Primitive::String,
        };
        let (ty, degraded) = resolver.resolve_or(p.type_expr(), fallback);
        if let Some(message) = degraded {
            let key = if p.full_type.is_some() {
                "fullType"
            } else {
                "dataType"
            };
            warnings.push((format!("{at}/{key}"), message));
        }
        let description = p.description.clone().filter(|d| !d.trim().is_empty());
        let location = match (p.param_type, &p.name) {
            (ParamKind::Body, None) => {
                if body.is_some() {
                    return Err((at, "a second unnamed body parameter".into()));
                }
                body = Some(WholeBody {
                    ty,
                    shape: None,
                    description,
                });
                continue;
            }
            (_, None) => {
                return Err((
                    format!("{at}/name"),
                    "only the body parameter may be unnamed".into(),
                ))
            }
            (ParamKind::Body, Some(_)) => ParamLocation::BodyField,
            (ParamKind::Path, Some(name)) => {
                if !template_vars.contains(name) {
                    return Err((
                        format!("{at}/name"),
                        format!("path parameter `{name}` is not in the path {path}"),
                    ));
                }
                ParamLocation::Path
            }
            (ParamKind::Query, Some(_)) => ParamLocation::Query,
            (ParamKind::Header, Some(_)) => ParamLocation::Header,
        };
        let name = p.name.clone().unwrap_or_default();
        if params
            .iter()
            .any(|q: &Param| q.name == name && q.location == location)
        {
            return Err((
                format!("{at}/name"),
                format!("duplicate parameter `{name}`"),
            ));
        }
        let required = p.required || location == ParamLocation::Path;
        params.push(Param {
            name,
            location,
            ty,
            required,
            description,
        });
    }
    if body.is_some()
        && params
            .iter()
            .any(|p| p.location == ParamLocation::BodyField)
    {
        return Err((
            format!("{pointer}/parameters"),
            "mixes an unnamed body with named body fields".into(),
        ));
    }
    // Two telephony operations use `{queueId}` without declaring it: still callable.
    for var in &template_vars {
        if !params
            .iter()
            .any(|p| p.location == ParamLocation::Path && &p.name == var)
        {
            params.push(Param {
                name: var.clone(),
                location: ParamLocation::Path,
                ty: TypeRef::Primitive(Primitive::String),
                required: true,
                description: Some(
                    "Path parameter used by the path but not declared by the schema".into(),
                ),
            });
        }
    }
    let has = |name: &str| {
        params
            .iter()
            .any(|p| p.location == ParamLocation::Header && p.name.eq_ignore_ascii_case(name))
    };
    let paginated = has("X-Pagination-Cursor") && response.is_array();
    let status = Status {
        stability: op.api_status.value,
        deprecated_since: op.api_status.deprecated_date.clone(),
        deletion_date: op.api_status.deletion_date.clone(),
        replacement: op.api_status.replacement.clone(),
    };
    Ok(Operation {
        method: op.http_method,
        path: path.to_owned(),
        params,
        body,
        response,
        status,
        authenticated: !op.no_authentication,
        description: op.description.clone().filter(|d| !d.trim().is_empty()),
        long_description: op.long_description.clone().filter(|d| !d.trim().is_empty()),
        path_description: path_description
            .map(str::to_owned)
            .filter(|d| !d.trim().is_empty()),
        iam_actions: op
            .iam_actions
            .iter()
            .map(|a| IamAction {
                name: a.name.clone(),
                required: a.required,
                description: a.description.clone(),
            })
            .collect(),
        errors: op.errors.clone(),
        operation_id: op.operation_id.clone(),
        paginated,
    })
}

/// `{var}` names of a path template, in order.
pub fn path_variables(path: &str) -> Vec<String> {
    let mut vars = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        vars.push(rest[open + 1..open + close].to_owned());
        rest = &rest[open + close + 1..];
    }
    vars
}

/// Appends the key of every model `ty` names (generic arguments included).
pub fn collect_models(ty: &TypeRef, out: &mut Vec<String>) {
    ty.visit(&mut |t| {
        if let TypeRef::Model { key, .. } = t {
            out.push(key.clone());
        }
    });
}

/// Everything reachable from `roots` through properties (and generic arguments).
pub fn model_closure(ir: &Ir, roots: Vec<String>) -> BTreeSet<String> {
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
                collect_models(&p.ty, &mut stack);
            }
        }
    }
    seen.retain(|k| ir.models.contains_key(k));
    seen
}

/// A model is an input model if only requests reach it (bodies, parameters); every other model,
/// including one no operation uses, is an output model. Computed over every loaded API, so a
/// type's shape never depends on which cargo features are enabled.
fn assign_roles(ir: &mut Ir) {
    let (mut outputs, mut inputs) = (Vec::new(), Vec::new());
    for op in ir.apis.iter().flat_map(|a| &a.operations) {
        collect_models(&op.response, &mut outputs);
        op.params
            .iter()
            .for_each(|p| collect_models(&p.ty, &mut inputs));
        op.body
            .iter()
            .for_each(|b| collect_models(&b.ty, &mut inputs));
    }
    let outputs = model_closure(ir, outputs);
    let inputs = model_closure(ir, inputs);
    ir.roles = ir
        .models
        .keys()
        .map(|k| {
            (
                k.clone(),
                if inputs.contains(k) && !outputs.contains(k) {
                    Role::Input
                } else {
                    Role::Output
                },
            )
        })
        .collect();
    let roles = ir.roles.clone();
    for op in ir.apis.iter_mut().flat_map(|a| &mut a.operations) {
        let method = op.method;
        if let Some(body) = &mut op.body {
            if let TypeRef::Model { key, args } = &body.ty {
                if args.is_empty() && roles.get(key) == Some(&Role::Output) {
                    body.shape = Some(if matches!(method, HttpMethod::Put | HttpMethod::Patch) {
                        BodyShape::Update
                    } else {
                        BodyShape::Create
                    });
                }
            }
        }
    }
    ir.sent = sent_models(ir);
}

/// What callers build: parameter and body types, except that a body sent through a
/// request-body variant contributes the types of its writable fields, not itself.
fn sent_models(ir: &Ir) -> BTreeSet<String> {
    let mut roots = Vec::new();
    for op in ir.apis.iter().flat_map(|a| &a.operations) {
        op.params
            .iter()
            .for_each(|p| collect_models(&p.ty, &mut roots));
        let Some(body) = &op.body else { continue };
        match (
            body.shape,
            body.ty.direct_model().and_then(|k| ir.models.get(k)),
        ) {
            (
                Some(_),
                Some(Model {
                    kind: ModelKind::Object { properties, .. },
                    ..
                }),
            ) => properties
                .iter()
                .filter(|p| !p.read_only)
                .for_each(|p| collect_models(&p.ty, &mut roots)),
            _ => collect_models(&body.ty, &mut roots),
        }
    }
    model_closure(ir, roots)
}

fn compute_closures(ir: &mut Ir) {
    for i in 0..ir.apis.len() {
        // Every model the file defines belongs to its API, used by an operation or not.
        let mut roots: Vec<String> = ir
            .models
            .values()
            .filter(|m| m.defined_in.contains(&i))
            .map(|m| m.key.clone())
            .collect();
        let mut shapes = BTreeSet::new();
        for op in &ir.apis[i].operations {
            collect_models(&op.response, &mut roots);
            for p in &op.params {
                collect_models(&p.ty, &mut roots);
            }
            if let Some(body) = &op.body {
                collect_models(&body.ty, &mut roots);
                if let (Some(shape), Some(key)) = (body.shape, body.ty.direct_model()) {
                    shapes.insert((key.to_owned(), shape));
                }
            }
        }
        let models = model_closure(ir, roots);
        let mut aliases = BTreeSet::new();
        let mut note_aliases = |t: &TypeRef| {
            if let TypeRef::Alias { name, .. } = t {
                aliases.insert(name.clone());
            }
        };
        for op in &ir.apis[i].operations {
            op.response.visit(&mut note_aliases);
            op.params.iter().for_each(|p| p.ty.visit(&mut note_aliases));
            if let Some(b) = &op.body {
                b.ty.visit(&mut note_aliases);
            }
        }
        for key in &models {
            if let Some(Model {
                kind: ModelKind::Object { properties, .. },
                ..
            }) = ir.models.get(key)
            {
                properties
                    .iter()
                    .for_each(|p| p.ty.visit(&mut note_aliases));
            }
        }
        let api = &mut ir.apis[i];
        api.models = models;
        api.aliases = aliases;
        api.body_shapes = shapes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::parse_schema;
    use std::path::Path;

    fn load(name: &str, json: &str) -> LoadedSchema {
        let file = PathBuf::from(name);
        let doc = parse_schema(Path::new(name), json.as_bytes()).unwrap();
        LoadedSchema {
            branch: Branch::V1,
            file,
            sha256: String::new(),
            size: 0,
            doc,
        }
    }

    fn enum_doc(api: &str, values: &str) -> String {
        format!(
            r#"{{"resourcePath":"/{api}","apis":[{{"path":"/{api}","operations":[{{"apiStatus":{{"value":"PRODUCTION"}},
            "httpMethod":"GET","parameters":[],"responseType":"nichandle.Sub[]","noAuthentication":false}}]}}],
            "models":{{"nichandle.Sub":{{"id":"Sub","namespace":"nichandle","enum":{values},"enumType":"string"}},
            "a.Obj":{{"id":"Obj","namespace":"a","properties":{{"x":{{"type":"long","canBeNull":false,"readOnly":true}}}}}}}}}}"#
        )
    }

    #[test]
    fn conflicting_enums_are_merged_into_the_union_and_reported() {
        let ir = build(vec![
            load("me.json", &enum_doc("me", r#"["FR","GB"]"#)),
            load("new.json", &enum_doc("new", r#"["FR","IE"]"#)),
        ]);
        let ModelKind::Enum(EnumValues::Strings(values)) = &ir.models["nichandle.Sub"].kind else {
            panic!()
        };
        assert_eq!(values, &["FR", "GB", "IE"]);
        assert_eq!(ir.conflicts.len(), 1);
        assert_eq!(ir.conflicts[0].key, "nichandle.Sub");
        assert!(
            ir.conflicts[0].details[0].contains("\"IE\""),
            "{:?}",
            ir.conflicts[0].details
        );
        assert_eq!(ir.models["nichandle.Sub"].defined_in, vec![0, 1]);
    }

    #[test]
    fn identical_definitions_are_not_conflicts() {
        let ir = build(vec![
            load("a.json", &enum_doc("a", r#"["X"]"#)),
            load("b.json", &enum_doc("b", r#"["X"]"#)),
        ]);
        assert!(ir.conflicts.is_empty());
    }

    #[test]
    fn object_merge_takes_the_permissive_side() {
        let a = r#"{"resourcePath":"/a","models":{"m.O":{"id":"O","namespace":"m","properties":{
            "x":{"type":"long","canBeNull":false,"readOnly":true,"required":true},
            "y":{"type":"string","canBeNull":false,"readOnly":false}}}}}"#;
        let b = r#"{"resourcePath":"/b","models":{"m.O":{"id":"O","namespace":"m","properties":{
            "x":{"type":"long","canBeNull":true,"readOnly":false,"required":false},
            "z":{"type":"boolean","canBeNull":false,"readOnly":false}}}}}"#;
        let ir = build(vec![load("a.json", a), load("b.json", b)]);
        let ModelKind::Object { properties, .. } = &ir.models["m.O"].kind else {
            panic!()
        };
        let get = |n: &str| properties.iter().find(|p| p.name == n).unwrap();
        assert!(get("x").nullable && !get("x").read_only && !get("x").required);
        assert!(get("y").nullable, "missing from b.json");
        assert!(get("z").nullable, "missing from a.json");
        assert_eq!(
            ir.conflicts[0].details.len(),
            5,
            "{:?}",
            ir.conflicts[0].details
        );
    }

    /// Real files name types no file defines (hundreds of enums in one `price` file): the
    /// reference degrades — a string in the URL, a JSON value in bodies, responses and
    /// properties — with a warning at its pointer, and nothing else is lost.
    #[test]
    fn unknown_types_degrade_with_warnings_at_their_pointers() {
        let doc = r#"{"resourcePath":"/a","apis":[{"path":"/a/{id}","operations":[
            {"apiStatus":{"value":"PRODUCTION"},"httpMethod":"GET","parameters":[
              {"name":"id","dataType":"a.IdEnum","paramType":"path","fullType":"a.IdEnum","required":true},
              {"name":"q","dataType":"a.QEnum","paramType":"query","required":false}],
             "responseType":"a.Missing"},
            {"apiStatus":{"value":"PRODUCTION"},"httpMethod":"PUT","parameters":[
              {"name":"id","dataType":"long","paramType":"path","fullType":"long","required":true},
              {"dataType":"a.Gone","paramType":"body","fullType":"a.Gone","required":true}],
             "responseType":"a.Bad"}]}],
            "models":{"a.Bad":{"id":"Bad","namespace":"a","properties":{
              "p":{"type":"int","canBeNull":false},"ok":{"type":"long","canBeNull":false}}}}}"#;
        let ir = build(vec![load("a.json", doc)]);
        assert!(ir.errors.is_empty(), "{:?}", ir.errors);
        let pointers: Vec<_> = ir.warnings.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/models/a.Bad/properties/p/type",
                "/apis/0/operations/0/responseType",
                "/apis/0/operations/0/parameters/0/fullType",
                "/apis/0/operations/0/parameters/1/dataType",
                "/apis/0/operations/1/parameters/1/fullType",
            ]
        );
        assert!(ir.warnings[0].message.contains("unknown type `int`"));
        assert!(ir.warnings[0].message.ends_with("degraded to a JSON value"));
        assert!(ir.warnings[2].message.ends_with("degraded to a string"));
        let get = &ir.apis[0].operations[0];
        assert_eq!(get.response, TypeRef::Primitive(Primitive::Any));
        assert!(get
            .params
            .iter()
            .all(|p| p.ty == TypeRef::Primitive(Primitive::String)));
        let put = &ir.apis[0].operations[1];
        assert_eq!(
            put.body.as_ref().unwrap().ty,
            TypeRef::Primitive(Primitive::Any)
        );
        let ModelKind::Object { properties, .. } = &ir.models["a.Bad"].kind else {
            panic!("a.Bad is an object")
        };
        assert_eq!(properties.len(), 2, "the model keeps every property");
        assert_eq!(properties[1].ty, TypeRef::Primitive(Primitive::Any));
        assert_eq!(properties[0].ty, TypeRef::Primitive(Primitive::Long));
    }

    #[test]
    fn output_models_sent_as_bodies_get_a_body_shape() {
        let doc = r#"{"resourcePath":"/a","apis":[{"path":"/a","operations":[
            {"apiStatus":{"value":"PRODUCTION"},"httpMethod":"GET","parameters":[],"responseType":"a.R"},
            {"apiStatus":{"value":"PRODUCTION"},"httpMethod":"PUT","parameters":[
              {"dataType":"a.R","paramType":"body","fullType":"a.R","required":true}],"responseType":"void"},
            {"apiStatus":{"value":"PRODUCTION"},"httpMethod":"POST","parameters":[
              {"dataType":"a.In","paramType":"body","fullType":"a.In","required":true}],"responseType":"void"}]}],
            "models":{"a.R":{"id":"R","namespace":"a","properties":{}},"a.In":{"id":"In","namespace":"a","properties":{}}}}"#;
        let ir = build(vec![load("a.json", doc)]);
        assert_eq!(ir.role("a.R"), Role::Output);
        assert_eq!(ir.role("a.In"), Role::Input);
        let ops = &ir.apis[0].operations;
        assert_eq!(ops[1].body.as_ref().unwrap().shape, Some(BodyShape::Update));
        assert_eq!(ops[2].body.as_ref().unwrap().shape, None);
        assert!(ir.apis[0]
            .body_shapes
            .contains(&("a.R".to_owned(), BodyShape::Update)));
    }

    #[test]
    fn undeclared_path_variables_become_string_parameters() {
        let doc = r#"{"resourcePath":"/t","apis":[{"path":"/t/{a}/q/{queueId}","operations":[
            {"apiStatus":{"value":"PRODUCTION"},"httpMethod":"POST","parameters":[
              {"name":"a","dataType":"string","paramType":"path","fullType":"string","required":true}],
             "responseType":"void"}]}],"models":{}}"#;
        let ir = build(vec![load("t.json", doc)]);
        let names: Vec<_> = ir.apis[0].operations[0]
            .params
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["a", "queueId"]);
    }

    #[test]
    fn path_variables_in_order() {
        assert_eq!(path_variables("/a/{x}/b/{y}"), ["x", "y"]);
        assert!(path_variables("/a").is_empty());
    }
}
