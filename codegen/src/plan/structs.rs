//! What each generated type holds: a struct's fields (named, mandatory or not, boxed or not,
//! typed), an enum's variants, an alias's target.

use std::collections::BTreeSet;

use crate::model::{BodyShape, EnumValues, Ir, Model, ModelKind, Role, TypeRef};
use crate::naming::{enum_variants, field_names, integer_variant, unique};

use super::refs::{Type, TypeItem};

/// What a generated type is, beyond its name.
#[derive(Clone, Debug)]
pub enum TypeShape {
    Struct(StructPlan),
    Enum(EnumPlan),
    /// What the alias stands for.
    Alias(Type),
    /// A key the model no longer has (never after the model stage's pruning): nothing printed.
    Missing,
}

impl TypeShape {
    /// The types it holds: its fields' or its target.
    pub fn types(&self) -> Vec<&Type> {
        match self {
            TypeShape::Struct(plan) => plan.fields.iter().map(|f| &f.ty).collect(),
            TypeShape::Alias(target) => vec![target],
            TypeShape::Enum(_) | TypeShape::Missing => Vec::new(),
        }
    }
}

/// A model's enum: one variant per value, plus the catch-all.
#[derive(Clone, Debug)]
pub struct EnumPlan {
    /// Variant names, in the schema's order of values.
    pub variants: Vec<String>,
    /// Integer values (`enumType: long`), not strings.
    pub integers: bool,
}

/// A model's struct, or its request-body variant's.
#[derive(Clone, Debug)]
pub struct StructPlan {
    /// In declaration order.
    pub fields: Vec<FieldPlan>,
    /// Read from responses: an unset field is written as `null`, not left out.
    pub output: bool,
    /// Callers build it: it gets `new(mandatory fields)`, or `Default` when none is mandatory.
    pub constructible: bool,
}

impl StructPlan {
    /// Whether it gets `new(mandatory fields)`.
    pub fn has_constructor(&self) -> bool {
        self.constructible && self.fields.iter().any(|f| f.required)
    }

    /// The names of the decoder's own locals (the reader, the key being read), apart from the
    /// fields' names, which are its other locals.
    pub fn decoder_locals(&self) -> (String, String) {
        let mut taken = self.fields.iter().map(|f| f.name.clone()).collect();
        let reader = unique("object".to_owned(), &mut taken);
        let key = unique("key".to_owned(), &mut taken);
        (reader, key)
    }
}

#[derive(Clone, Debug)]
pub struct FieldPlan {
    /// Index into the model's properties.
    pub property: usize,
    /// The Rust field name.
    pub name: String,
    /// A plain field, not an `Option`.
    pub required: bool,
    /// Holds its own struct by value, so it is boxed.
    pub boxed: bool,
    /// The property's type (inside the `Option` and the `Box`).
    pub ty: Type,
}

/// The shape of the type standing for `item`; `resolve` gives the plan's types.
pub fn shape_of(ir: &Ir, item: &TypeItem, resolve: &impl Fn(&TypeRef) -> Type) -> TypeShape {
    match item {
        TypeItem::Model(key) => match ir.models.get(key) {
            Some(model) => model_shape(ir, model, None, resolve),
            None => TypeShape::Missing,
        },
        TypeItem::BodyShape(key, shape) => match ir.models.get(key) {
            Some(model) => model_shape(ir, model, Some(*shape), resolve),
            None => TypeShape::Missing,
        },
        TypeItem::Alias(name) => match ir.aliases.get(name) {
            Some(target) => TypeShape::Alias(resolve(target)),
            None => TypeShape::Missing,
        },
    }
}

/// A model's shape, or (`shape` set) its request-body variant's: writable fields only.
fn model_shape(
    ir: &Ir,
    model: &Model,
    shape: Option<BodyShape>,
    resolve: &impl Fn(&TypeRef) -> Type,
) -> TypeShape {
    let properties = match &model.kind {
        ModelKind::Enum(EnumValues::Strings(values)) => {
            return TypeShape::Enum(EnumPlan {
                variants: enum_variants(values.iter().map(String::as_str)),
                integers: false,
            })
        }
        ModelKind::Enum(EnumValues::Integers(values)) => {
            return TypeShape::Enum(EnumPlan {
                variants: values.iter().map(|v| integer_variant(*v)).collect(),
                integers: true,
            })
        }
        ModelKind::Object { properties, .. } => properties,
    };
    let declared: Vec<usize> = (0..properties.len())
        .filter(|&i| shape.is_none() || !properties[i].read_only)
        .collect();
    let names = field_names(declared.iter().map(|&i| properties[i].name.as_str()));
    let fields = declared
        .into_iter()
        .zip(names)
        .map(|(i, name)| {
            let p = &properties[i];
            FieldPlan {
                property: i,
                name,
                required: ir.mandatory(&model.key, p, shape),
                boxed: p
                    .ty
                    .direct_model()
                    .is_some_and(|m| reaches_directly(ir, m, &model.key)),
                ty: resolve(&p.ty),
            }
        })
        .collect();
    TypeShape::Struct(StructPlan {
        fields,
        output: shape.is_none() && ir.role(&model.key) == Role::Output,
        constructible: ir.constructible(&model.key, shape),
    })
}

/// Whether `from` contains `to` by value (not through a list or map): such a field needs a Box.
fn reaches_directly(ir: &Ir, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(key) = stack.pop() {
        if key == to {
            return true;
        }
        if !seen.insert(key) {
            continue;
        }
        if let Some(Model {
            kind: ModelKind::Object { properties, .. },
            ..
        }) = ir.models.get(key)
        {
            stack.extend(properties.iter().filter_map(|p| p.ty.direct_model()));
        }
    }
    false
}
