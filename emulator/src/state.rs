//! Schema-driven state: every collection of the loaded schemas that no flow handles keeps the
//! items created in it.
//!
//! A collection is a `GET P` answering a list (v1: of ids; v2: of objects) with a
//! `GET P/{param}` answering an object model. Each concrete collection
//! (`/domain/zone/example.com/record`, one per value of the parent parameters) is either
//! *unwritten* — it answers schema examples, as every other operation does, and `PUT` or
//! `DELETE` of an example item change nothing — or *written*: from its first `POST` (or a
//! seed, [`Emulator::load_state`](crate::Emulator::load_state)) on, it answers its items only:
//!
//! | operation | answer |
//! | --- | --- |
//! | `POST P` | creates an item: an example of the item type, with the members of the body that the item type declares (same name, a value of its type) and those named like a path parameter; the id is the body's member named like the item parameter (or `id`) when sent, else generated (`long`: 1 + the highest, else a UUID); the item's id member holds it. Answers the response type: the item itself, or an example filled with the item's members of the same name and type, or the id for a scalar of its type. `409 Client::Conflict` for an id taken |
//! | `GET P` | v1: the ids, in creation order; v2: the items. A query parameter named like a scalar member filters on it (`?fieldType=A`) |
//! | `GET P/{id}` | the item; `404 Client::NotFound` `The requested object (id = 7) does not exist` for an unknown id |
//! | `PUT P/{id}` | merges the body's members into the item (not its id member) |
//! | `DELETE P/{id}` | removes the item and the written collections under it |

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

use ovhcloud_schema::examples::{Examples, Flavor};
use ovhcloud_schema::model::TypeRef;
use ovhcloud_schema::reader::Branch;
use ovhcloud_schema::typeexpr::Primitive;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Map, Value};

use crate::flows::{object_not_found, ApiError};
use crate::iceberg::value_text;
use crate::schemas::{Catalog, Match, Resource, ResourceOp, Route};
use crate::shape::{primitive, Prop, Walker};
use crate::sync::lock;

/// What a path value must have encoded to stay one segment of a state path.
const SEGMENT: &AsciiSet = &CONTROLS.add(b'/').add(b'%').add(b'?').add(b'#').add(b' ');

/// Why a state document could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateError(pub String);

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid emulator state: {}", self.0)
    }
}

impl std::error::Error for StateError {}

/// One item of a collection: its id (the path value) and its object.
#[derive(Clone, Debug, PartialEq)]
struct Item {
    id: String,
    object: Value,
}

/// The written collections, by state path (`/1.0/domain/zone/example.com/record`).
#[derive(Default)]
pub(crate) struct Store {
    collections: Mutex<BTreeMap<String, Vec<Item>>>,
}

/// An operation as the state sees it.
pub(crate) struct StateCall<'a> {
    pub route: &'a Route,
    pub params: &'a std::collections::HashMap<String, String>,
    pub query: &'a [(String, String)],
    pub body: Option<&'a Value>,
}

impl Store {
    /// Answers `call` from the state when it works on a collection that is written (or
    /// creates one); `None` lets the example answer it.
    pub fn operate(
        &self,
        catalog: &Catalog,
        call: &StateCall<'_>,
    ) -> Option<Result<Value, ApiError>> {
        let (resource, op) = catalog.resource(call.route)?;
        let list_path = state_path(call.route.branch, &resource.list.template, call.params);
        let cx = Context {
            walker: Walker { ir: &catalog.ir },
            resource,
            call,
        };
        let mut collections = lock(&self.collections);
        if op == ResourceOp::Create {
            let items = collections.entry(list_path).or_default();
            return Some(cx.create(items));
        }
        let items = collections.get_mut(&list_path)?;
        let id = call.params.get(resource.param).cloned().unwrap_or_default();
        let mut removed = None;
        let answer = match op {
            ResourceOp::List => Ok(cx.list(items)),
            ResourceOp::Read => cx.find(items, &id).map(|i| items[i].object.clone()),
            ResourceOp::Update => cx.update(items, &id),
            ResourceOp::Delete => cx.find(items, &id).map(|i| {
                let item = items.remove(i);
                let answer = cx.answer(&item);
                removed = Some(item);
                answer
            }),
            ResourceOp::Create => unreachable!("handled above"),
        };
        // The collections under a deleted item go with it.
        if let Some(item) = removed {
            let under = format!("{list_path}/{}/", encode(&item.id));
            collections.retain(|path, _| !path.starts_with(&under));
        }
        Some(answer)
    }

    /// The state document: `{"collections": {path: [{id, object}]}}` (see the crate docs).
    pub fn dump(&self) -> Value {
        let collections: Map<String, Value> = lock(&self.collections)
            .iter()
            .map(|(path, items)| {
                let items = items
                    .iter()
                    .map(|i| json!({"id": i.id, "object": i.object}))
                    .collect();
                (path.clone(), Value::Array(items))
            })
            .collect();
        json!({ "collections": collections })
    }

    /// Replaces the state with a document of [`Store::dump`]'s format. Paths are checked
    /// against the schemas (`/1.0/…`, `/v1/…`, `/v2/…`, naming a collection); each object gets
    /// its id member set and the members it lacks filled with examples. Nothing changes on
    /// error.
    pub fn load(&self, catalog: &Catalog, doc: &Value) -> Result<usize, StateError> {
        let err = |message: String| StateError(message);
        let collections = match doc.get("collections") {
            Some(Value::Object(c)) => c,
            None | Some(Value::Null) => &Map::new(),
            Some(_) => return Err(err("`collections` must be an object".to_owned())),
        };
        let mut loaded = BTreeMap::new();
        let mut count = 0;
        for (path, items) in collections {
            let (key, resource) = resolve(catalog, path).map_err(err)?;
            let Value::Array(items) = items else {
                return Err(err(format!("{path}: a list of {{id, object}} is expected")));
            };
            let walker = Walker { ir: &catalog.ir };
            let mut parsed: Vec<Item> = Vec::with_capacity(items.len());
            for item in items {
                let item =
                    seed_item(&walker, resource, item).map_err(|e| err(format!("{path}: {e}")))?;
                if parsed.iter().any(|i| i.id == item.id) {
                    return Err(err(format!("{path}: id {} appears twice", item.id)));
                }
                parsed.push(item);
            }
            count += parsed.len();
            loaded.insert(key, parsed);
        }
        *lock(&self.collections) = loaded;
        Ok(count)
    }

    /// Forgets every written collection: they answer examples again.
    pub fn clear(&self) {
        lock(&self.collections).clear();
    }
}

/// The state path of a collection and the resource it is, from a path as a client writes it.
fn resolve<'c>(catalog: &'c Catalog, path: &str) -> Result<(String, Resource<'c>), String> {
    let (branch, rest) = [
        ("/1.0", Branch::V1),
        ("/v1", Branch::V1),
        ("/v2", Branch::V2),
    ]
    .iter()
    .find_map(|(alias, branch)| {
        let rest = path.strip_prefix(alias)?;
        rest.starts_with('/').then_some((*branch, rest))
    })
    .ok_or_else(|| format!("{path}: a path starts with /1.0/, /v1/ or /v2/"))?;
    let rest = rest
        .strip_suffix('/')
        .filter(|r| !r.is_empty())
        .unwrap_or(rest);
    match catalog.find(branch, "GET", rest) {
        Match::Found { route, params } => match catalog.resource(route) {
            Some((resource, ResourceOp::List)) => Ok((
                state_path(branch, &resource.list.template, &params),
                resource,
            )),
            _ => Err(format!(
                "{path}: not a collection with items ({})",
                route.key
            )),
        },
        _ => Err(format!("{path}: no such operation in the loaded schemas")),
    }
}

/// An item of a seed: `{id, object}`, the object completed.
fn seed_item(walker: &Walker<'_>, resource: Resource<'_>, item: &Value) -> Result<Item, String> {
    let id = match item.get("id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(n @ Value::Number(_)) => n.to_string(),
        _ => {
            return Err(format!(
                "item {item}: `id` must be a non-empty string or a number"
            ))
        }
    };
    let mut object = match item.get("object") {
        Some(Value::Object(o)) => Value::Object(o.clone()),
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(other) => {
            return Err(format!(
                "item {id}: `object` must be an object, got {other}"
            ))
        }
    };
    let item_ty = &resource.item.response;
    set_id(walker, item_ty, resource.param, &id, &mut object);
    Examples::new(walker.ir, Flavor::Typical).complete(item_ty, &mut object);
    Ok(Item { id, object })
}

/// `/1.0` or `/v2`, then the template with its parameters, each encoded as one segment.
fn state_path(
    branch: Branch,
    template: &str,
    params: &std::collections::HashMap<String, String>,
) -> String {
    let alias = match branch {
        Branch::V1 => "/1.0",
        Branch::V2 => "/v2",
    };
    let segments: Vec<String> = template
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
                Some(name) => encode(params.get(name).map_or("", String::as_str)),
                None => s.to_owned(),
            },
        )
        .collect();
    format!("{alias}{}", segments.join("/"))
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// The member of the item type holding the id: the one named like the path parameter, else
/// `id`.
fn id_member(walker: &Walker<'_>, item_ty: &TypeRef, param: &str) -> Option<Prop> {
    let props = walker.properties(item_ty)?;
    let position = props
        .iter()
        .position(|p| p.name == param)
        .or_else(|| props.iter().position(|p| p.name == "id"))?;
    props.into_iter().nth(position)
}

/// Sets the id member of `object` to `id` (as a value of its type), when there is one.
fn set_id(walker: &Walker<'_>, item_ty: &TypeRef, param: &str, id: &str, object: &mut Value) {
    let Some(member) = id_member(walker, item_ty, param) else {
        return;
    };
    let value = walker
        .value_from_text(&member.ty, id)
        .unwrap_or_else(|| id.into());
    if let Some(members) = object.as_object_mut() {
        members.insert(member.name, value);
    }
}

/// One call on one resource.
struct Context<'a> {
    walker: Walker<'a>,
    resource: Resource<'a>,
    call: &'a StateCall<'a>,
}

impl Context<'_> {
    fn item_type(&self) -> &TypeRef {
        &self.resource.item.response
    }

    fn body(&self) -> Option<&Map<String, Value>> {
        self.call.body.and_then(Value::as_object)
    }

    /// The index of item `id`, or OVH's 404.
    fn find(&self, items: &[Item], id: &str) -> Result<usize, ApiError> {
        items
            .iter()
            .position(|i| i.id == id)
            .ok_or_else(|| object_not_found(self.resource.param, id))
    }

    fn create(&self, items: &mut Vec<Item>) -> Result<Value, ApiError> {
        let ir = self.walker.ir;
        let mut object = Examples::new(ir, Flavor::Typical).of(self.item_type());
        let id_member = id_member(&self.walker, self.item_type(), self.resource.param);
        let from_path: Map<String, Value> = self
            .call
            .params
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        self.merge(&mut object, &from_path, None);
        if let Some(body) = self.body() {
            self.merge(&mut object, body, None);
        }
        let sent = self.body().and_then(|b| {
            b.get(self.resource.param)
                .or_else(|| id_member.as_ref().and_then(|m| b.get(&m.name)))
        });
        let id = match sent.map(value_text) {
            Some(id) if !id.is_empty() => id,
            _ => new_id(id_member.as_ref().map(|m| &m.ty), items),
        };
        if items.iter().any(|i| i.id == id) {
            return Err(ApiError::conflict(format!(
                "The object ({} = {id}) already exists",
                self.resource.param
            )));
        }
        set_id(
            &self.walker,
            self.item_type(),
            self.resource.param,
            &id,
            &mut object,
        );
        let item = Item { id, object };
        let answer = self.answer(&item);
        items.push(item);
        Ok(answer)
    }

    fn update(&self, items: &mut [Item], id: &str) -> Result<Value, ApiError> {
        let index = self.find(items, id)?;
        let keep = id_member(&self.walker, self.item_type(), self.resource.param).map(|m| m.name);
        if let Some(body) = self.body() {
            self.merge(&mut items[index].object, body, keep.as_deref());
        }
        Ok(self.answer(&items[index]))
    }

    /// Copies into `object` the members of `from` that the item type declares, when the value
    /// is one of the member's type (text of a scalar type counts: path values are text);
    /// `keep` is left alone.
    fn merge(&self, object: &mut Value, from: &Map<String, Value>, keep: Option<&str>) {
        let (Some(props), Some(members)) = (
            self.walker.properties(self.item_type()),
            object.as_object_mut(),
        ) else {
            return;
        };
        for prop in props.iter().filter(|p| Some(p.name.as_str()) != keep) {
            let Some(value) = from.get(&prop.name) else {
                continue;
            };
            let fitted = match value {
                Value::Null if prop.optional => Some(Value::Null),
                Value::String(text) if self.walker.is_scalar(&prop.ty) => {
                    self.walker.value_from_text(&prop.ty, text)
                }
                other if fits(&self.walker, &prop.ty, other) => Some(other.clone()),
                _ => None,
            };
            if let Some(value) = fitted {
                members.insert(prop.name.clone(), value);
            }
        }
    }

    /// The list: v1 ids (as values of the list's type), v2 objects; filtered by the query
    /// parameters named like a scalar member.
    fn list(&self, items: &[Item]) -> Value {
        let kept = items.iter().filter(|i| self.matches_query(&i.object));
        let element = match self.resource.list.response.unaliased() {
            TypeRef::Array(inner) => (**inner).clone(),
            other => other.clone(),
        };
        let values = match self.call.route.branch {
            Branch::V2 => kept.map(|i| i.object.clone()).collect(),
            Branch::V1 => kept
                .map(|i| {
                    self.walker
                        .value_from_text(&element, &i.id)
                        .unwrap_or_else(|| i.id.clone().into())
                })
                .collect(),
        };
        Value::Array(values)
    }

    fn matches_query(&self, object: &Value) -> bool {
        self.call
            .query
            .iter()
            .all(|(name, wanted)| match object.get(name) {
                Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
                    &value_text(v) == wanted
                }
                _ => true,
            })
    }

    /// What the operation answers about `item`: nothing (`void`), the item (its own type),
    /// the id (a scalar of the id's type), or an example of the response type filled with
    /// the item's members of the same name and type.
    fn answer(&self, item: &Item) -> Value {
        let ty = &self.call.route.response;
        if matches!(ty.unaliased(), TypeRef::Unit) {
            return Value::Null;
        }
        if ty.unaliased() == self.item_type().unaliased() {
            return item.object.clone();
        }
        let example = Examples::new(self.walker.ir, Flavor::Typical).of(ty);
        if self.walker.is_scalar(ty) {
            return self.walker.value_from_text(ty, &item.id).unwrap_or(example);
        }
        let (Some(props), Some(item_props)) = (
            self.walker.properties(ty),
            self.walker.properties(self.item_type()),
        ) else {
            return example;
        };
        let mut example = example;
        if let (Some(members), Some(source)) = (example.as_object_mut(), item.object.as_object()) {
            for prop in props {
                let same = item_props
                    .iter()
                    .any(|p| p.name == prop.name && p.ty == prop.ty);
                if let (true, Some(v)) = (same, source.get(&prop.name)) {
                    members.insert(prop.name, v.clone());
                }
            }
        }
        example
    }
}

/// A new id for an item whose id member has type `ty`: 1 + the highest numeric id for a
/// `long`, else a UUID (v2 ids and most string ids look like one).
fn new_id(ty: Option<&TypeRef>, items: &[Item]) -> String {
    let numeric = ty.is_none() || ty.and_then(primitive) == Some(Primitive::Long);
    if numeric {
        let highest = items.iter().filter_map(|i| i.id.parse::<i64>().ok()).max();
        return (highest.unwrap_or(0) + 1).to_string();
    }
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// Whether a JSON value is one of `ty`, shallowly: the right JSON kind, listed enum values,
/// scalars in their text form.
fn fits(walker: &Walker<'_>, ty: &TypeRef, value: &Value) -> bool {
    if let Some(p) = primitive(ty) {
        return match (p, value) {
            (Primitive::Any, _) => true,
            (Primitive::Long, v) => v.is_i64() || v.is_u64(),
            (Primitive::Double, v) => v.is_number(),
            (Primitive::Boolean, v) => v.is_boolean(),
            (_, Value::String(s)) => walker.value_from_text(ty, s).is_some(),
            _ => false,
        };
    }
    if walker.enum_values(ty).is_some() {
        return match value {
            Value::String(s) => walker.value_from_text(ty, s).is_some(),
            Value::Number(n) => walker.value_from_text(ty, &n.to_string()).is_some(),
            _ => false,
        };
    }
    match ty.unaliased() {
        TypeRef::Array(_) => value.is_array(),
        TypeRef::Map(..) | TypeRef::Model { .. } => value.is_object(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_paths_keep_one_segment_per_value() {
        let params = [("ip".to_owned(), "1.2.3.0/24".to_owned())].into();
        assert_eq!(
            state_path(Branch::V1, "/ip/{ip}/reverse", &params),
            "/1.0/ip/1.2.3.0%2F24/reverse"
        );
        assert_eq!(
            state_path(Branch::V2, "/iam/policy", &params),
            "/v2/iam/policy"
        );
    }

    #[test]
    fn new_ids_count_up_or_are_uuids() {
        let item = |id: &str| Item {
            id: id.to_owned(),
            object: Value::Null,
        };
        let long = TypeRef::Primitive(Primitive::Long);
        assert_eq!(new_id(Some(&long), &[]), "1");
        assert_eq!(new_id(Some(&long), &[item("7"), item("x"), item("3")]), "8");
        let string = TypeRef::Primitive(Primitive::String);
        assert!(uuid::Uuid::parse_str(&new_id(Some(&string), &[])).is_ok());
    }
}
