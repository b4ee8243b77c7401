//! Where every generated type lives, what it is called, what it holds and derives: a table of
//! types, each known by its [`TypeId`]. Computed once over the whole model (not only the enabled APIs), so a name never
//! depends on the cargo features in use. Everything after this stage refers to a type by its id:
//! a reference the table does not know is found once, here ([`Type::Unresolved`]), never by a
//! failed lookup while printing.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{template_base, BodyShape, Ir, TypeRef};
use crate::naming::{camel, snake, unique};

use super::derives::{self, Derive};
use super::refs::{shape_suffix, ItemPath, Type, TypeId, TypeItem};
use super::structs::{shape_of, TypeShape};

#[derive(Clone, Debug)]
pub struct TypeEntry {
    pub path: ItemPath,
    pub item: TypeItem,
    pub shape: TypeShape,
    /// In `#[derive(…)]` order.
    pub derives: Vec<Derive>,
}

/// Every generated type, by id, with the indexes to find one from the model.
#[derive(Debug, Default)]
pub struct TypeTable {
    entries: Vec<TypeEntry>,
    models: BTreeMap<String, TypeId>,
    aliases: BTreeMap<String, TypeId>,
    body_shapes: BTreeMap<(String, BodyShape), TypeId>,
}

/// Names generated code uses unqualified: a model may not shadow them.
const RESERVED_TYPES: &[&str] = &[
    "Option", "Result", "Vec", "String", "Box", "From", "Default", "Self",
];
/// Crates generated code names by path: a module may not shadow them.
const RESERVED_MODULES: &[&str] = &["std", "core", "alloc", "serde", "serde_json", "crate"];

/// A lock entry is only trusted if it is a plain type identifier that shadows nothing.
fn is_type_ident(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED_TYPES.contains(&name)
}

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

/// The items of one module with the name each wants, in the order names are handed out:
/// models before aliases, by key; a model's request-body variants after every plain item, so
/// a body shape never takes a model's name.
fn wanted_names(
    items: &[(String, TypeItem)],
    shapes: &BTreeSet<(String, BodyShape)>,
) -> Vec<(String, TypeItem)> {
    let mut wanted = items.to_vec();
    for (name, item) in items {
        let TypeItem::Model(key) = item else { continue };
        for shape in [BodyShape::Create, BodyShape::Update] {
            if shapes.contains(&(key.clone(), shape)) {
                let name = format!("{}{}", name.trim_end_matches('_'), shape_suffix(shape));
                wanted.push((name, TypeItem::BodyShape(key.clone(), shape)));
            }
        }
    }
    wanted
}

/// Final names for one module's items, by lock key: locked names first, so a type keeps the
/// name an earlier generation gave it; then the wanted names, made unique in order.
fn module_names(
    wanted: &[(String, TypeItem)],
    lock: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut taken = BTreeSet::new();
    let mut names = BTreeMap::new();
    for (_, item) in wanted {
        let key = item.lock_key();
        if let Some(locked) = lock.get(&key) {
            if is_type_ident(locked) && taken.insert(locked.clone()) {
                names.insert(key, locked.clone());
            }
        }
    }
    for (name, item) in wanted {
        names
            .entry(item.lock_key())
            .or_insert_with(|| unique(name.clone(), &mut taken));
    }
    names
}

impl TypeTable {
    /// Names every model, alias and request-body variant of `ir`, keeping `lock`'s names.
    pub fn new(ir: &Ir, lock: &BTreeMap<String, String>) -> TypeTable {
        // Wanted names per module; keys sorted so collisions resolve the same way every time.
        let mut modules: BTreeMap<Vec<String>, Vec<(String, TypeItem)>> = BTreeMap::new();
        let models = ir.models.keys().map(|k| (k, TypeItem::Model(k.clone())));
        let aliases = ir.aliases.keys().map(|k| (k, TypeItem::Alias(k.clone())));
        for (key, item) in models.chain(aliases) {
            let (path, last) = split_key(key);
            modules
                .entry(path)
                .or_default()
                .push((type_name(last), item));
        }
        let shapes: BTreeSet<(String, BodyShape)> = ir
            .apis
            .iter()
            .flat_map(|a| a.body_shapes.iter().cloned())
            .collect();
        let mut table = TypeTable::default();
        for (path, mut items) in modules {
            items.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
            let wanted = wanted_names(&items, &shapes);
            let names = module_names(&wanted, lock);
            let mut ordered: Vec<TypeItem> = wanted.into_iter().map(|(_, item)| item).collect();
            ordered.sort();
            for item in ordered {
                let name = names[&item.lock_key()].clone();
                let path = ItemPath {
                    modules: path.clone(),
                    name,
                };
                table.push(path, item);
            }
        }
        table.plan_shapes(ir);
        table
    }

    /// Fills in what each type holds, once every type has its id.
    fn plan_shapes(&mut self, ir: &Ir) {
        let shapes: Vec<TypeShape> = self
            .entries
            .iter()
            .map(|e| shape_of(ir, &e.item, &|ty| self.resolve(ty)))
            .collect();
        for (entry, shape) in self.entries.iter_mut().zip(shapes) {
            entry.derives = derives::of(&shape);
            entry.shape = shape;
        }
    }

    fn push(&mut self, path: ItemPath, item: TypeItem) {
        let id = TypeId(self.entries.len());
        match &item {
            TypeItem::Model(key) => self.models.insert(key.clone(), id),
            TypeItem::Alias(name) => self.aliases.insert(name.clone(), id),
            TypeItem::BodyShape(key, shape) => self.body_shapes.insert((key.clone(), *shape), id),
        };
        self.entries.push(TypeEntry {
            path,
            item,
            shape: TypeShape::Missing,
            derives: Vec::new(),
        });
    }

    pub fn entry(&self, id: TypeId) -> &TypeEntry {
        &self.entries[id.0]
    }

    pub fn path(&self, id: TypeId) -> &ItemPath {
        &self.entry(id).path
    }

    pub fn model(&self, key: &str) -> Option<TypeId> {
        self.models.get(key).copied()
    }

    pub fn alias(&self, name: &str) -> Option<TypeId> {
        self.aliases.get(name).copied()
    }

    pub fn body_shape(&self, key: &str, shape: BodyShape) -> Option<TypeId> {
        self.body_shapes.get(&(key.to_owned(), shape)).copied()
    }

    /// `ty` with its models and aliases replaced by their ids.
    pub fn resolve(&self, ty: &TypeRef) -> Type {
        let boxed = |t: &TypeRef| Box::new(self.resolve(t));
        match ty {
            TypeRef::Unit => Type::Unit,
            TypeRef::Primitive(p) => Type::Primitive(*p),
            TypeRef::Param(name) => Type::Param(name.clone()),
            TypeRef::Array(inner) => Type::List(boxed(inner)),
            TypeRef::Map(k, v) => Type::Map(boxed(k), boxed(v)),
            TypeRef::Model { key, args } => match self.model(key) {
                Some(id) => Type::Named {
                    id,
                    args: args.iter().map(|a| self.resolve(a)).collect(),
                },
                None => Type::Unresolved(key.clone()),
            },
            TypeRef::Alias { name, target } => match self.alias(name) {
                Some(id) => Type::Alias {
                    id,
                    target: boxed(target),
                },
                None => Type::Unresolved(name.clone()),
            },
        }
    }

    /// Every type name, keyed as the lock keeps them (see [`super::Lock::types`]).
    pub fn lock_names(&self) -> BTreeMap<String, String> {
        self.entries
            .iter()
            .map(|e| (e.item.lock_key(), e.path.name.clone()))
            .collect()
    }
}
