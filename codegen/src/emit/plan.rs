//! Where every generated item lives and what it is called. Computed once over the whole model
//! (not only the enabled APIs), so a name never depends on the cargo features in use.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{template_base, BodyShape, Ir};
use crate::naming::{camel, snake, unique};

/// A path under `crate::models`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemPath {
    pub modules: Vec<String>,
    pub name: String,
}

impl ItemPath {
    /// `crate::models::a::b::Name`.
    pub fn tokens(&self) -> TokenStream {
        self.tokens_in(quote!(crate))
    }

    /// `{krate}::models::a::b::Name`, to name the type from outside the crate.
    pub fn tokens_in(&self, krate: TokenStream) -> TokenStream {
        let modules = self.modules.iter().map(|m| format_ident!("{}", m));
        let name = format_ident!("{}", self.name);
        quote!(#krate::models:: #(#modules::)* #name)
    }
}

/// What an [`ItemPath`] holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    Model(String),
    Alias(String),
}

impl Item {
    /// Its key in the lock's type names.
    fn lock_key(&self) -> String {
        match self {
            Item::Model(key) | Item::Alias(key) => key.clone(),
        }
    }
}

fn shape_suffix(shape: BodyShape) -> &'static str {
    match shape {
        BodyShape::Create => "Create",
        BodyShape::Update => "Update",
    }
}

/// `ovhcloudconnect.PopConfig#Create`: a request-body variant's key in the lock.
fn shape_lock_key(key: &str, shape: BodyShape) -> String {
    format!("{key}#{}", shape_suffix(shape))
}

/// A lock entry is only trusted if it is a plain type identifier that shadows nothing.
fn is_type_ident(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED_TYPES.contains(&name)
}

#[derive(Debug, Default)]
pub struct Plan {
    pub models: BTreeMap<String, ItemPath>,
    pub aliases: BTreeMap<String, ItemPath>,
    pub body_shapes: BTreeMap<(String, BodyShape), ItemPath>,
}

/// Names generated code uses unqualified: a model may not shadow them.
const RESERVED_TYPES: &[&str] = &[
    "Option", "Result", "Vec", "String", "Box", "From", "Default", "Self",
];
/// Crates generated code names by path: a module may not shadow them.
const RESERVED_MODULES: &[&str] = &["std", "core", "alloc", "serde", "serde_json", "crate"];

fn module_name(segment: &str) -> String {
    let name = snake(segment);
    if RESERVED_MODULES.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// A model's type name: `Option` becomes `Option_`, as keywords do.
fn type_name(last: &str) -> String {
    let name = camel(last);
    if RESERVED_TYPES.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

fn split_key(key: &str) -> (Vec<String>, &str) {
    let base = template_base(key);
    match base.rsplit_once('.') {
        Some((namespace, last)) => (namespace.split('.').map(module_name).collect(), last),
        None => (Vec::new(), base),
    }
}

impl Plan {
    /// Every type name, keyed as the lock keeps them (see [`Ir::type_lock`]).
    pub fn type_names(&self) -> BTreeMap<String, String> {
        let models = self.models.iter().map(|(k, p)| (k.clone(), p.name.clone()));
        let aliases = self
            .aliases
            .iter()
            .map(|(k, p)| (k.clone(), p.name.clone()));
        let shapes = self
            .body_shapes
            .iter()
            .map(|((k, shape), p)| (shape_lock_key(k, *shape), p.name.clone()));
        models.chain(aliases).chain(shapes).collect()
    }

    pub fn new(ir: &Ir) -> Plan {
        // Wanted names per module; keys sorted so collisions resolve the same way every time.
        let mut wanted: BTreeMap<Vec<String>, Vec<(String, Item)>> = BTreeMap::new();
        for key in ir.models.keys() {
            let (modules, last) = split_key(key);
            wanted
                .entry(modules)
                .or_default()
                .push((type_name(last), Item::Model(key.clone())));
        }
        for name in ir.aliases.keys() {
            let (modules, last) = split_key(name);
            wanted
                .entry(modules)
                .or_default()
                .push((type_name(last), Item::Alias(name.clone())));
        }
        let shapes: BTreeSet<(String, BodyShape)> = ir
            .apis
            .iter()
            .flat_map(|a| a.body_shapes.iter().cloned())
            .collect();
        let mut plan = Plan::default();
        for (modules, mut items) in wanted {
            // Plain model names first, so a body shape never takes a model's name.
            items.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
            // Locked names first: a type keeps the name an earlier generation gave it.
            let mut taken = BTreeSet::new();
            let mut names: BTreeMap<String, String> = BTreeMap::new();
            let mut lock_keys: Vec<(String, String)> = Vec::new();
            for (name, item) in &items {
                lock_keys.push((item.lock_key(), name.clone()));
            }
            for (name, item) in &items {
                if let Item::Model(key) = item {
                    for shape in [BodyShape::Create, BodyShape::Update] {
                        if shapes.contains(&(key.clone(), shape)) {
                            let wanted =
                                format!("{}{}", name.trim_end_matches('_'), shape_suffix(shape));
                            lock_keys.push((shape_lock_key(key, shape), wanted));
                        }
                    }
                }
            }
            for (lock_key, _) in &lock_keys {
                if let Some(locked) = ir.type_lock.get(lock_key) {
                    if is_type_ident(locked) && taken.insert(locked.clone()) {
                        names.insert(lock_key.clone(), locked.clone());
                    }
                }
            }
            for (lock_key, wanted) in &lock_keys {
                if !names.contains_key(lock_key) {
                    names.insert(lock_key.clone(), unique(wanted.clone(), &mut taken));
                }
            }
            for (_, item) in &items {
                let path = ItemPath {
                    modules: modules.clone(),
                    name: names[&item.lock_key()].clone(),
                };
                match item {
                    Item::Model(key) => {
                        for shape in [BodyShape::Create, BodyShape::Update] {
                            if let Some(name) = names.get(&shape_lock_key(key, shape)) {
                                plan.body_shapes.insert(
                                    (key.clone(), shape),
                                    ItemPath {
                                        modules: modules.clone(),
                                        name: name.clone(),
                                    },
                                );
                            }
                        }
                        plan.models.insert(key.clone(), path);
                    }
                    Item::Alias(alias) => {
                        plan.aliases.insert(alias.clone(), path);
                    }
                }
            }
        }
        plan
    }
}
