//! How the plan refers to a generated type: its [`TypeId`] in the table, what it stands for in
//! the model ([`TypeItem`]), where it lives ([`ItemPath`]), and a schema type with every model and
//! alias replaced by its id ([`Type`]). The bottom of the plan's modules: the shapes
//! (`structs`), the derives and the table (`types`) all build on it.

use crate::model::BodyShape;
use crate::typeexpr::Primitive;

/// A type of the plan's table; only the table hands them out, so indexing with one never fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub(super) usize);

/// A path under `crate::models`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemPath {
    pub modules: Vec<String>,
    pub name: String,
}

/// What a generated type stands for in the model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeItem {
    /// A model (struct or enum), by key.
    Model(String),
    /// The request-body variant of an output model.
    BodyShape(String, BodyShape),
    /// An alias (`coreTypes.AccountId`), by name.
    Alias(String),
}

impl TypeItem {
    /// Its key in the lock's type names: the model key, the alias name, or `key#Create`.
    pub fn lock_key(&self) -> String {
        match self {
            TypeItem::Model(key) | TypeItem::Alias(key) => key.clone(),
            TypeItem::BodyShape(key, shape) => format!("{key}#{}", shape_suffix(*shape)),
        }
    }
}

/// A schema type with every model and alias replaced by its [`TypeId`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Unit,
    Primitive(Primitive),
    /// A generic parameter inside a template.
    Param(String),
    List(Box<Type>),
    Map(Box<Type>, Box<Type>),
    Named {
        id: TypeId,
        args: Vec<Type>,
    },
    /// Printed as the alias; `target` is what it stands for (arguments are passed as that).
    Alias {
        id: TypeId,
        target: Box<Type>,
    },
    /// A model key or alias name the table does not know: the model stage prunes such
    /// references, so this is only a guard (the emitter refuses a plan holding one).
    Unresolved(String),
}

impl Type {
    /// The first unresolved name, at any depth.
    pub fn unresolved(&self) -> Option<&str> {
        match self {
            Type::Unresolved(name) => Some(name),
            Type::List(inner) => inner.unresolved(),
            Type::Map(k, v) => k.unresolved().or_else(|| v.unresolved()),
            Type::Named { args, .. } => args.iter().find_map(Type::unresolved),
            Type::Alias { target, .. } => target.unresolved(),
            Type::Unit | Type::Primitive(_) | Type::Param(_) => None,
        }
    }

    /// What an alias stands for, through any number of aliases.
    pub fn without_aliases(&self) -> &Type {
        match self {
            Type::Alias { target, .. } => target.without_aliases(),
            other => other,
        }
    }
}

pub(super) fn shape_suffix(shape: BodyShape) -> &'static str {
    match shape {
        BodyShape::Create => "Create",
        BodyShape::Update => "Update",
    }
}
