//! What each operation becomes, decided before anything is printed (progenitor's
//! `OperationMethod`): the method and its request type, the arguments in order and how each is
//! passed, the setters, the body, the response, paging and the expanded listing.

use std::collections::BTreeSet;

use heck::ToUpperCamelCase;

use crate::model::{Ir, ModelKind, Operation, Param, ParamLocation, TypeRef};
use crate::naming::{snake, unique};
use crate::reader::HttpMethod;
use crate::typeexpr::Primitive;

use super::listings::Listing;
use super::methods::operation_key;
use super::refs::Type;
use super::types::TypeTable;

/// The HTTP method the runtime's `crate::Method` sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Delete,
    Patch,
}

impl Verb {
    fn of(method: HttpMethod) -> Verb {
        match method {
            HttpMethod::Get => Verb::Get,
            HttpMethod::Post => Verb::Post,
            HttpMethod::Put => Verb::Put,
            HttpMethod::Delete => Verb::Delete,
            HttpMethod::Patch => Verb::Patch,
        }
    }

    /// Whether the runtime retries it only when the caller allows it (`allow_retry`): the
    /// methods that are not idempotent.
    fn retried_on_request(self) -> bool {
        matches!(self, Verb::Post | Verb::Patch)
    }
}

/// How a method takes a value: `&str` for strings, by value for small `Copy` types, `&[T]` for
/// lists and by reference for the rest. Decided on the type an alias stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passing {
    Str,
    ByValue,
    Slice,
    ByRef,
}

/// How a value of `ty` is passed (see [`Passing`]).
pub fn passing(ty: &Type) -> Passing {
    match ty.without_aliases() {
        Type::Primitive(p) if is_string(*p) => Passing::Str,
        Type::Primitive(p) if is_copy(*p) => Passing::ByValue,
        Type::List(_) => Passing::Slice,
        _ => Passing::ByRef,
    }
}

/// The primitives held as a `String`.
pub fn is_string(p: Primitive) -> bool {
    matches!(
        p,
        Primitive::String
            | Primitive::Text
            | Primitive::PhoneNumber
            | Primitive::InternationalPhoneNumber
            | Primitive::MacAddress
            | Primitive::Duration
            | Primitive::Time
            | Primitive::IpInterface
    )
}

fn is_copy(p: Primitive) -> bool {
    matches!(
        p,
        Primitive::Long
            | Primitive::Double
            | Primitive::Boolean
            | Primitive::Uuid
            | Primitive::Date
            | Primitive::DateTime
            | Primitive::Ip
            | Primitive::Ipv4
            | Primitive::Ipv6
            | Primitive::IpBlock
            | Primitive::Ipv4Block
            | Primitive::Ipv6Block
    )
}

/// One parameter as the method takes it: a positional argument or a setter of the request.
#[derive(Clone, Debug)]
pub struct ParamPlan {
    /// Index into the operation's `params`.
    pub param: usize,
    /// The argument or setter name.
    pub name: String,
    pub ty: Type,
    pub passing: Passing,
    /// The name is not the wire name in snake case (it was made unique).
    pub renamed: bool,
    /// A setter for a value the client fills in when it is not set (see [`ClientDefaults`]).
    pub defaulted: bool,
}

/// Path parameters and body fields, by wire name, that the client fills in from its
/// configuration when the caller does not set them, as the provider's SDKs do (Scaleway's
/// `region`, `zone`, `project_id`): each is a setter instead of an argument, even when required.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientDefaults(pub Vec<String>);

impl ClientDefaults {
    /// Whether the client fills `param` in.
    pub fn covers(&self, param: &Param) -> bool {
        matches!(
            param.location,
            ParamLocation::Path | ParamLocation::BodyField
        ) && self.0.contains(&param.name)
    }
}

/// The whole request body, the last argument.
#[derive(Clone, Debug)]
pub struct BodyPlan {
    pub name: String,
    /// The body's type, or its request-body variant's.
    pub ty: Type,
}

#[derive(Clone, Debug)]
pub struct OperationPlan {
    /// `GET /me/bill/{billId}`: what the lock keys the method name by.
    pub key: String,
    /// `get_bill_by_bill_id`.
    pub method: String,
    /// `GetBillByBillId`: the request type the method returns, `.await`ed by callers.
    pub request: String,
    pub verb: Verb,
    /// Required parameters: path (in path order), query, header, body fields.
    pub arguments: Vec<ParamPlan>,
    pub body: Option<BodyPlan>,
    /// Optional parameters, by kind then name.
    pub setters: Vec<ParamPlan>,
    pub response: Type,
    /// The item type, for a paged list collected page by page.
    pub page_item: Option<Type>,
    /// A `POST`, which may be retried only when the caller allows it.
    pub retry_opt_in: bool,
    /// For a v1 collection: listing its items expanded.
    pub listing: Option<Listing>,
    /// For a list answered one numbered page at a time: where its items are.
    pub numbered_pages: Option<NumberedPages>,
    /// For a `GET` of a task or resource: polling it until it is finished.
    pub waiter: Option<WaiterPlan>,
    /// For a v2 `PUT` taking a `checksum`: the same, read-modify-write, safe against
    /// concurrent changes.
    pub checked: Option<CheckedPlan>,
}

/// A `…_checked` method: reads the resource at the `PUT`'s path, lets the caller change its
/// `targetSpec` (of type `spec`), writes it back with the checksum it read.
#[derive(Clone, Debug)]
pub struct CheckedPlan {
    pub method: String,
    pub spec: Type,
}

/// The checked form of `op`: a `PUT` whose whole body has `checksum` and `targetSpec`, at a
/// path a `GET` of the same API reads.
pub fn checked(
    op: &Operation,
    api: &crate::model::Api,
    plan: &OperationPlan,
    types: &TypeTable,
    ir: &Ir,
) -> Option<CheckedPlan> {
    let body = plan.body.as_ref()?;
    if op.method != HttpMethod::Put
        || !api
            .operations
            .iter()
            .any(|o| o.method == HttpMethod::Get && o.path == op.path)
    {
        return None;
    }
    let Type::Named { id, .. } = &body.ty else {
        return None;
    };
    let entry = types.entry(*id);
    let key = match &entry.item {
        super::refs::TypeItem::Model(key) | super::refs::TypeItem::BodyShape(key, _) => key,
        _ => return None,
    };
    let ModelKind::Object { properties, .. } = &ir.models.get(key)?.kind else {
        return None;
    };
    let super::structs::TypeShape::Struct(shape) = &entry.shape else {
        return None;
    };
    let field = |name: &str| {
        let index = properties.iter().position(|p| p.name == name)?;
        shape.fields.iter().find(|f| f.property == index)
    };
    field("checksum")?;
    let spec = field("targetSpec")?.ty.clone();
    Some(CheckedPlan {
        method: format!("{}_checked", plan.method),
        spec,
    })
}

/// How a task's or resource's status reads (the runtime's `wait::Progress` classifiers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitKind {
    /// v1 tasks: `todo`, `doing` … `done`, `error`.
    Task,
    /// v2 tasks: `PENDING`, `RUNNING` … `DONE`, `ERROR`.
    V2Task,
    /// v2 resources: `resourceStatus` `CREATING`, `UPDATING` … `READY`, `ERROR`.
    Resource,
}

/// A waiter on a `GET`'s request: `wait_until_done` (tasks) or `wait_until_ready` (resources).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaiterPlan {
    pub method: &'static str,
    pub kind: WaitKind,
    /// The Rust field holding the status, and whether it is an `Option`.
    pub field: String,
    pub optional: bool,
}

/// The waiter of `op`: a `GET` answering a model with a `resourceStatus`, or a `status` whose
/// values are a task's.
pub fn waiter(
    op: &Operation,
    ir: &Ir,
    types: &TypeTable,
    setters: &[ParamPlan],
) -> Option<WaiterPlan> {
    let TypeRef::Model { key, args } = &op.response else {
        return None;
    };
    if op.method != HttpMethod::Get || !args.is_empty() {
        return None;
    }
    let ModelKind::Object { properties, .. } = &ir.models.get(key)?.kind else {
        return None;
    };
    let values = |member: &str| -> Option<(usize, Vec<String>)> {
        let index = properties.iter().position(|p| p.name == member)?;
        let TypeRef::Model { key, .. } = &properties[index].ty else {
            return None;
        };
        match &ir.models.get(key)?.kind {
            ModelKind::Enum(crate::model::EnumValues::Strings(values)) => {
                Some((index, values.clone()))
            }
            _ => None,
        }
    };
    let has =
        |values: &[String], wanted: &[&str]| wanted.iter().all(|w| values.iter().any(|v| v == w));
    let (index, kind) = match (values("resourceStatus"), values("status")) {
        (Some((i, v)), _) if has(&v, &["READY"]) => (i, WaitKind::Resource),
        (_, Some((i, v))) if has(&v, &["done"]) && (has(&v, &["todo"]) || has(&v, &["doing"])) => {
            (i, WaitKind::Task)
        }
        (_, Some((i, v)))
            if has(&v, &["DONE"]) && (has(&v, &["RUNNING"]) || has(&v, &["PENDING"])) =>
        {
            (i, WaitKind::V2Task)
        }
        _ => return None,
    };
    let method = match kind {
        WaitKind::Resource => "wait_until_ready",
        WaitKind::Task | WaitKind::V2Task => "wait_until_done",
    };
    // A setter of the same name (an `wait_until_done` parameter) keeps its name.
    if setters.iter().any(|s| s.name == method) {
        return None;
    }
    let id = types.model(key)?;
    let super::structs::TypeShape::Struct(plan) = &types.entry(id).shape else {
        return None;
    };
    let field = plan.fields.iter().find(|f| f.property == index)?;
    Some(WaiterPlan {
        method,
        kind,
        field: field.name.clone(),
        optional: !field.required,
    })
}

/// A list answered one numbered page at a time, as Scaleway's are: optional `page` and
/// `page_size` query parameters, and an object holding `total_count` and one list of items.
#[derive(Clone, Debug)]
pub struct NumberedPages {
    /// The member holding the items (`links`).
    pub items: String,
    pub item: Type,
}

/// The numbered pages `op` answers, if it is such a list.
pub fn numbered_pages(op: &Operation, ir: &Ir, types: &TypeTable) -> Option<NumberedPages> {
    let takes = |name: &str| {
        op.params
            .iter()
            .any(|p| p.name == name && p.location == ParamLocation::Query && !p.required)
    };
    if op.method != HttpMethod::Get || !takes("page") || !takes("page_size") {
        return None;
    }
    let TypeRef::Model { key, args } = &op.response else {
        return None;
    };
    let ModelKind::Object { properties, .. } = &ir.models.get(key)?.kind else {
        return None;
    };
    if !args.is_empty() || !properties.iter().any(|p| p.name == "total_count") {
        return None;
    }
    let mut lists = properties.iter().filter_map(|p| match &p.ty {
        TypeRef::Array(item) => Some((p, item)),
        _ => None,
    });
    let (member, item) = lists.next()?;
    lists.next().is_none().then(|| NumberedPages {
        items: member.name.clone(),
        item: types.resolve(item),
    })
}

impl OperationPlan {
    pub fn new(
        op: &Operation,
        method: String,
        types: &TypeTable,
        listing: Option<Listing>,
        defaults: &ClientDefaults,
    ) -> OperationPlan {
        let (mut required, mut optional) = parameters(op);
        // What the client fills in is set, if at all, like an optional parameter.
        let defaulted = |i: &usize| defaults.covers(&op.params[*i]);
        let moved: Vec<usize> = required.iter().copied().filter(defaulted).collect();
        required.retain(|i| !defaulted(i));
        optional.extend(moved);
        optional.sort_by_key(|&i| (location_rank(&op.params[i]), op.params[i].name.clone()));
        let mut taken = BTreeSet::from(["self".to_owned()]);
        let arguments = required
            .into_iter()
            .map(|i| param_plan(op, i, unique(snake(&op.params[i].name), &mut taken), types))
            .collect();
        let body = op.body.as_ref().map(|body| BodyPlan {
            name: unique("body".to_owned(), &mut taken),
            ty: match (body.shape, body.ty.direct_model()) {
                (Some(shape), Some(key)) => match types.body_shape(key, shape) {
                    Some(id) => Type::Named { id, args: vec![] },
                    None => Type::Unresolved(format!("{key}#{shape:?}")),
                },
                _ => types.resolve(&body.ty),
            },
        });
        let setters = optional
            .into_iter()
            .map(|i| ParamPlan {
                defaulted: defaults.covers(&op.params[i]),
                ..param_plan(op, i, snake(&op.params[i].name), types)
            })
            .collect();
        let page_item = match (&op.response, op.paginated) {
            (TypeRef::Array(item), true) => Some(types.resolve(item)),
            _ => None,
        };
        OperationPlan {
            key: operation_key(op),
            request: method.to_upper_camel_case(),
            method,
            verb: Verb::of(op.method),
            arguments,
            body,
            setters,
            response: types.resolve(&op.response),
            page_item,
            retry_opt_in: Verb::of(op.method).retried_on_request(),
            listing,
            numbered_pages: None,
            waiter: None,
            checked: None,
        }
    }

    /// Every type this operation prints, to find one the table does not know.
    pub fn types(&self) -> impl Iterator<Item = &Type> {
        let params = self.arguments.iter().chain(&self.setters).map(|p| &p.ty);
        params
            .chain(self.body.iter().map(|b| &b.ty))
            .chain(std::iter::once(&self.response))
            .chain(self.listing.iter().map(|l| &l.item))
            .chain(self.numbered_pages.iter().map(|n| &n.item))
    }
}

fn param_plan(op: &Operation, param: usize, name: String, types: &TypeTable) -> ParamPlan {
    let ty = types.resolve(&op.params[param].ty);
    ParamPlan {
        param,
        renamed: name != snake(&op.params[param].name),
        name,
        passing: passing(&ty),
        ty,
        defaulted: false,
    }
}

/// Path, query, header, body field: the order of arguments and setters.
fn location_rank(p: &Param) -> u8 {
    match p.location {
        ParamLocation::Path => 0,
        ParamLocation::Query => 1,
        ParamLocation::Header => 2,
        ParamLocation::BodyField => 3,
    }
}

/// An operation's parameters (indices into its `params`) as its method takes them: the
/// required ones as arguments, in path order then by kind (path, query, header, body field);
/// the optional ones as setters, by kind then name.
pub fn parameters(op: &Operation) -> (Vec<usize>, Vec<usize>) {
    let order = location_rank;
    let path_order: Vec<String> = crate::model::path_variables(&op.path);
    let (mut required, mut optional): (Vec<usize>, Vec<usize>) =
        (0..op.params.len()).partition(|&i| op.params[i].required);
    required.sort_by_key(|&i| {
        let p = &op.params[i];
        (
            order(p),
            path_order.iter().position(|v| v == &p.name).unwrap_or(0),
            p.name.clone(),
        )
    });
    optional.sort_by_key(|&i| (order(&op.params[i]), op.params[i].name.clone()));
    (required, optional)
}
