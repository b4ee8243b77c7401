//! Expanded listings: a v1 collection (`GET /me/bill`, ids) whose items (`GET /me/bill/{billId}`,
//! an object) can be listed as the objects themselves, and the field enums they filter on.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Api, Ir, Model, ModelKind, Operation, TypeRef};
use crate::naming::{camel, enum_variants, unique};
use crate::reader::{Branch, HttpMethod};

use super::derives::{self, Derive};
use super::refs::{Type, TypeId};
use super::types::TypeTable;

/// `.expanded()` on a collection's request.
#[derive(Clone, Debug)]
pub struct Listing {
    /// The item operation's path template: `/me/bill/{billId}`.
    pub item_path: String,
    /// What the item operation answers.
    pub item: Type,
    /// The member of an item that holds its id (see [`Collection::id_key`]).
    pub id_key: Option<String>,
    /// The item model's enum in the API's `fields` module.
    pub fields: String,
}

/// `fields::{name}`: the filterable fields of one item model.
#[derive(Clone, Debug)]
pub struct FieldEnum {
    pub name: String,
    pub model: TypeId,
    /// JSON keys, in declaration order, with their variant names.
    pub keys: Vec<String>,
    pub variants: Vec<String>,
    pub derives: Vec<Derive>,
}

/// A v1 collection whose items can be listed expanded.
pub struct Collection<'a> {
    item: &'a Operation,
    model: &'a Model,
    /// The member of an item that holds its id, when the item model has one named like the
    /// path parameter, or else `id`, or else `name` (a service's name is its id).
    pub id_key: Option<&'a str>,
}

/// The expandable collections of an API, by collection path.
pub fn collections<'a>(api: &'a Api, ir: &'a Ir) -> BTreeMap<&'a str, Collection<'a>> {
    if api.branch != Branch::V1 {
        return BTreeMap::new();
    }
    let gets = || {
        api.operations
            .iter()
            .filter(|op| op.method == HttpMethod::Get)
    };
    let mut found = BTreeMap::new();
    for list in gets() {
        let TypeRef::Array(id) = &list.response else {
            continue;
        };
        if list.paginated || id.direct_model().is_some_and(|k| is_object(ir, k)) {
            continue;
        }
        for item in gets() {
            if let Some(collection) = collection_item(list, item, ir) {
                found.insert(list.path.as_str(), collection);
            }
        }
    }
    found
}

/// `item` as the item of the collection `list`: a `GET` one parameter below it answering an
/// object.
fn collection_item<'a>(
    list: &Operation,
    item: &'a Operation,
    ir: &'a Ir,
) -> Option<Collection<'a>> {
    let param = item
        .path
        .strip_prefix(list.path.as_str())
        .and_then(|rest| rest.strip_prefix("/{")?.strip_suffix('}'))
        .filter(|p| !p.contains(['/', '{']))?;
    let TypeRef::Model { key, args } = &item.response else {
        return None;
    };
    let model = ir.models.get(key).filter(|_| args.is_empty())?;
    let ModelKind::Object { properties, .. } = &model.kind else {
        return None;
    };
    let id_key = [param, "id", "name"]
        .into_iter()
        .find(|k| properties.iter().any(|p| p.name == *k));
    Some(Collection {
        item,
        model,
        id_key,
    })
}

/// For each v1 collection of an API (`GET /me/bill`), the member holding its items' id
/// (`billId`), for the backends that answer such a list with the objects themselves.
pub fn collection_id_keys(api: &Api, ir: &Ir) -> BTreeMap<String, String> {
    collections(api, ir)
        .into_iter()
        .filter_map(|(path, c)| Some((path.to_owned(), c.id_key?.to_owned())))
        .collect()
}

fn is_object(ir: &Ir, key: &str) -> bool {
    ir.models
        .get(key)
        .is_some_and(|m| matches!(m.kind, ModelKind::Object { .. }))
}

/// The listings of an API by collection path, and the field enums they use (one per item
/// model, named after the model's type, unique within the API).
pub fn listings(
    api: &Api,
    ir: &Ir,
    types: &TypeTable,
) -> (BTreeMap<String, Listing>, Vec<FieldEnum>) {
    let mut taken = BTreeSet::new();
    let mut enums: BTreeMap<&str, FieldEnum> = BTreeMap::new();
    let mut order = Vec::new();
    let mut listings = BTreeMap::new();
    for (path, c) in collections(api, ir) {
        let Some(model) = types.model(&c.model.key) else {
            continue;
        };
        if !enums.contains_key(c.model.key.as_str()) {
            order.push(c.model.key.as_str());
            let field_enum = field_enum(ir, c.model, model, types, &mut taken);
            enums.insert(c.model.key.as_str(), field_enum);
        }
        let listing = Listing {
            item_path: c.item.path.clone(),
            item: types.resolve(&c.item.response),
            id_key: c.id_key.map(str::to_owned),
            fields: enums[c.model.key.as_str()].name.clone(),
        };
        listings.insert(path.to_owned(), listing);
    }
    let enums = order.into_iter().filter_map(|k| enums.remove(k)).collect();
    (listings, enums)
}

fn field_enum(
    ir: &Ir,
    model: &Model,
    id: TypeId,
    types: &TypeTable,
    taken: &mut BTreeSet<String>,
) -> FieldEnum {
    let mut name = types.path(id).name.clone();
    if taken.contains(&name) {
        name = camel(&model.key.replace('.', "_"));
    }
    let keys = scalar_fields(ir, model);
    FieldEnum {
        name: unique(name, taken),
        model: id,
        variants: enum_variants(keys.iter().map(String::as_str)),
        keys,
        derives: derives::of_field_enum(),
    }
}

/// Filterable fields of an item model: those holding one value (not lists, maps or objects).
fn scalar_fields(ir: &Ir, model: &Model) -> Vec<String> {
    let ModelKind::Object { properties, .. } = &model.kind else {
        return Vec::new();
    };
    properties
        .iter()
        .filter(|p| {
            !p.ty.is_array()
                && !matches!(p.ty, TypeRef::Map(..))
                && !p.ty.direct_model().is_some_and(|k| is_object(ir, k))
        })
        .map(|p| p.name.clone())
        .collect()
}
