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
            let mut taken = BTreeSet::new();
            for (name, item) in &items {
                let path = ItemPath {
                    modules: modules.clone(),
                    name: unique(name.clone(), &mut taken),
                };
                match item {
                    Item::Model(key) => {
                        plan.models.insert(key.clone(), path);
                    }
                    Item::Alias(alias) => {
                        plan.aliases.insert(alias.clone(), path);
                    }
                }
            }
            for (name, item) in &items {
                let Item::Model(key) = item else { continue };
                for shape in [BodyShape::Create, BodyShape::Update] {
                    if shapes.contains(&(key.clone(), shape)) {
                        let suffix = match shape {
                            BodyShape::Create => "Create",
                            BodyShape::Update => "Update",
                        };
                        let name = unique(
                            format!("{}{suffix}", name.trim_end_matches('_')),
                            &mut taken,
                        );
                        plan.body_shapes.insert(
                            (key.clone(), shape),
                            ItemPath {
                                modules: modules.clone(),
                                name,
                            },
                        );
                    }
                }
            }
        }
        plan
    }
}
