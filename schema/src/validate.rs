//! A call checked against its operation: path and query values, and the body (named body
//! fields, or one whole value, walked into object models). The problems come out structured,
//! in the order they are met (path values, then query values as given, then missing query
//! parameters, then the body); the command line renders them as its messages and refuses the
//! call, the emulator answers the first one it refuses as OVH does (a 400).
//!
//! The rules are OVH's: a mandatory member (required, not read-only, not in the update form of
//! a model) is missing when absent or null; other nulls pass; body members an object model or
//! the operation does not declare are refused; arrays hold values of their item type, maps
//! values of theirs; objects inside arrays or maps are only checked to be objects. Which text
//! a primitive takes (a date, an address, `1` for a boolean) is the caller's ([`Rules`]).

use serde_json::{Map, Value};

use crate::model::{
    BodyShape, EnumValues, Ir, ModelKind, Param, ParamLocation, Property, TypeRef, WholeBody,
};
use crate::typeexpr::Primitive;

/// One step into a JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Where a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Path(String),
    Query(String),
    /// A body member (empty: the whole body).
    Body(Vec<Step>),
}

impl Place {
    /// The name OVH gives it: the parameter, `target.ttl` or `rules[0].method` for a body
    /// member, `body` for the whole body.
    pub fn name(&self) -> String {
        match self {
            Place::Path(name) | Place::Query(name) => name.clone(),
            Place::Body(steps) if steps.is_empty() => "body".to_owned(),
            Place::Body(steps) => {
                let mut name = String::new();
                for step in steps {
                    match step {
                        Step::Key(k) if name.is_empty() => name.push_str(k),
                        Step::Key(k) => {
                            name.push('.');
                            name.push_str(k);
                        }
                        Step::Index(i) => name.push_str(&format!("[{i}]")),
                    }
                }
                name
            }
        }
    }

    /// A body member as a JSON pointer (`/rules/0/method`); empty for anything else.
    pub fn pointer(&self) -> String {
        match self {
            Place::Body(steps) => steps
                .iter()
                .map(|s| match s {
                    Step::Key(k) => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
                    Step::Index(i) => format!("/{i}"),
                })
                .collect(),
            _ => String::new(),
        }
    }
}

/// What is wrong with a call.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// A value not of its type (a path or query value is a JSON string).
    WrongType {
        place: Place,
        value: Value,
        ty: TypeRef,
    },
    /// A value the enum model `key` does not list.
    NotListed {
        place: Place,
        value: Value,
        key: String,
        listed: Vec<String>,
    },
    /// A mandatory query parameter or body member absent (or null).
    Missing { place: Place },
    /// A query parameter the operation does not declare (`known`: those it does).
    UnknownQuery { name: String, known: Vec<String> },
    /// Body members the operation, or the object model at `at`, does not declare.
    UnknownMembers {
        at: Vec<Step>,
        names: Vec<String>,
        known: Vec<String>,
    },
    /// A body sent to an operation that takes none.
    UnexpectedBody,
    /// No body sent to an operation that takes one value (when that value is an object model,
    /// the problems of `{}` follow).
    MissingBody,
    /// Named body fields sent as something else than an object.
    NotAnObject,
}

/// What the caller decides.
pub struct Rules<'r> {
    /// Whether `text` is a value of the primitive: path and query values.
    pub text_fits: &'r dyn Fn(Primitive, &str) -> bool,
    /// Whether a JSON string is a value of the string primitive: body members.
    pub json_text_fits: &'r dyn Fn(Primitive, &str) -> bool,
    /// Whether the values of a list query parameter are checked against its item type.
    pub query_list_items: bool,
}

/// A call as received or about to be sent.
pub struct Call<'a> {
    /// `(name, value)` of each path parameter, decoded.
    pub path: &'a [(String, String)],
    /// `(name, value)` in order; a name may repeat.
    pub query: &'a [(String, String)],
    pub body: Option<&'a Value>,
}

/// Every problem of `call` against an operation's parameters and whole body.
pub fn check(
    ir: &Ir,
    params: &[Param],
    whole: Option<&WholeBody>,
    call: &Call<'_>,
    rules: &Rules<'_>,
) -> Vec<Problem> {
    let mut checker = Checker::new(ir, rules);
    let at = |location| params.iter().filter(move |p| p.location == location);
    for param in at(ParamLocation::Path) {
        if let Some((_, raw)) = call.path.iter().find(|(n, _)| *n == param.name) {
            checker.text(Place::Path(param.name.clone()), &param.ty, raw);
        }
    }
    for (name, raw) in call.query {
        let Some(param) = at(ParamLocation::Query).find(|p| &p.name == name) else {
            checker.problems.push(Problem::UnknownQuery {
                name: name.clone(),
                known: at(ParamLocation::Query).map(|p| p.name.clone()).collect(),
            });
            continue;
        };
        let ty = match param.ty.unaliased() {
            TypeRef::Array(item) if rules.query_list_items => item.as_ref(),
            _ => &param.ty,
        };
        checker.text(Place::Query(name.clone()), ty, raw);
    }
    for param in at(ParamLocation::Query).filter(|p| p.required) {
        if !call.query.iter().any(|(n, _)| *n == param.name) {
            checker.problems.push(Problem::Missing {
                place: Place::Query(param.name.clone()),
            });
        }
    }
    let fields: Vec<&Param> = at(ParamLocation::BodyField).collect();
    if !fields.is_empty() {
        checker.fields(&fields, call.body);
    } else if let Some(whole) = whole {
        checker.whole_body(&whole.ty, whole.shape, call.body);
    } else if call.body.is_some() {
        checker.problems.push(Problem::UnexpectedBody);
    }
    checker.problems
}

/// The problem of one path or query value of type `ty` at `place`, if any (only scalars are
/// checked: primitives but `any`, and enums).
pub fn check_text(
    ir: &Ir,
    place: Place,
    ty: &TypeRef,
    raw: &str,
    rules: &Rules<'_>,
) -> Option<Problem> {
    let mut checker = Checker::new(ir, rules);
    checker.text(place, ty, raw);
    checker.problems.pop()
}

/// The values an enum lists, as text.
fn listed(values: &EnumValues) -> Vec<String> {
    match values {
        EnumValues::Strings(v) => v.clone(),
        EnumValues::Integers(v) => v.iter().map(i64::to_string).collect(),
    }
}

/// Generic parameters bound to their arguments.
type Bindings = Vec<(String, TypeRef)>;

struct Checker<'a> {
    ir: &'a Ir,
    rules: &'a Rules<'a>,
    problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn new(ir: &'a Ir, rules: &'a Rules<'a>) -> Checker<'a> {
        Checker {
            ir,
            rules,
            problems: Vec::new(),
        }
    }

    fn enum_values(&self, ty: &TypeRef) -> Option<&'a EnumValues> {
        match ty.unaliased() {
            TypeRef::Model { key, .. } => match &self.ir.models.get(key)?.kind {
                ModelKind::Enum(values) => Some(values),
                ModelKind::Object { .. } => None,
            },
            _ => None,
        }
    }

    /// The declared properties of an object model, with its generic arguments.
    fn properties(&self, ty: &TypeRef) -> Option<(&'a [Property], Bindings)> {
        let TypeRef::Model { key, args } = ty.unaliased() else {
            return None;
        };
        match &self.ir.models.get(key)?.kind {
            ModelKind::Object {
                generics,
                properties,
            } => Some((
                properties,
                generics.iter().cloned().zip(args.iter().cloned()).collect(),
            )),
            ModelKind::Enum(_) => None,
        }
    }

    fn not_listed(&mut self, place: Place, value: Value, ty: &TypeRef) {
        let key = ty.direct_model().unwrap_or_default().to_owned();
        let listed = self.enum_values(ty).map(listed).unwrap_or_default();
        self.problems.push(Problem::NotListed {
            place,
            value,
            key,
            listed,
        });
    }

    fn wrong(&mut self, place: Place, value: &Value, ty: &TypeRef) {
        self.problems.push(Problem::WrongType {
            place,
            value: value.clone(),
            ty: ty.clone(),
        });
    }

    /// A path or query value: only scalars (primitives but `any`, enums) are checked.
    fn text(&mut self, place: Place, ty: &TypeRef, raw: &str) {
        if let Some(values) = self.enum_values(ty) {
            let fits = match values {
                EnumValues::Strings(listed) => listed.iter().any(|v| v == raw),
                EnumValues::Integers(listed) => {
                    raw.parse::<i64>().is_ok_and(|n| listed.contains(&n))
                }
            };
            if !fits {
                self.not_listed(place, Value::String(raw.to_owned()), ty);
            }
            return;
        }
        match ty.unaliased() {
            TypeRef::Primitive(Primitive::Any) => {}
            TypeRef::Primitive(p) if !(self.rules.text_fits)(*p, raw) => {
                self.wrong(place, &Value::String(raw.to_owned()), ty)
            }
            _ => {}
        }
    }

    /// Named body fields: a JSON object with these members (a missing or null body is `{}`).
    fn fields(&mut self, fields: &[&Param], body: Option<&Value>) {
        let empty = Map::new();
        let members = match body {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(members)) => members,
            Some(_) => return self.problems.push(Problem::NotAnObject),
        };
        let known: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
        self.unknown_members(Vec::new(), members, known);
        for field in fields {
            let at = vec![Step::Key(field.name.clone())];
            self.member(at, &field.ty, field.required, members.get(&field.name));
        }
    }

    /// The members of the object at `at` not among `known`, if any.
    fn unknown_members(&mut self, at: Vec<Step>, members: &Map<String, Value>, known: Vec<String>) {
        let names: Vec<String> = members
            .keys()
            .filter(|k| !known.contains(k))
            .cloned()
            .collect();
        if !names.is_empty() {
            self.problems
                .push(Problem::UnknownMembers { at, names, known });
        }
    }

    /// A body that is one typed value; a missing one counts as `{}` for an object model.
    fn whole_body(&mut self, ty: &TypeRef, shape: Option<BodyShape>, body: Option<&Value>) {
        if body.is_none() {
            self.problems.push(Problem::MissingBody);
        }
        let empty = Value::Object(Map::new());
        let is_object = self.properties(ty).is_some();
        let body = match body {
            None | Some(Value::Null) if is_object => &empty,
            None => return,
            Some(body) => body,
        };
        match (ty.direct_model(), body) {
            (Some(_), Value::Object(members)) if is_object => {
                self.object(Vec::new(), ty, shape, members)
            }
            _ => self.value(Vec::new(), ty, body),
        }
    }

    /// A member: mandatory ones present and not null, others checked when not null.
    fn member(&mut self, at: Vec<Step>, ty: &TypeRef, required: bool, value: Option<&Value>) {
        match value {
            None | Some(Value::Null) if required => self.problems.push(Problem::Missing {
                place: Place::Body(at),
            }),
            None | Some(Value::Null) => {}
            Some(value) => self.value(at, ty, value),
        }
    }

    /// The members of an object model at `at`.
    fn object(
        &mut self,
        at: Vec<Step>,
        ty: &TypeRef,
        shape: Option<BodyShape>,
        members: &Map<String, Value>,
    ) {
        let Some((properties, bindings)) = self.properties(ty) else {
            return;
        };
        let known: Vec<String> = properties.iter().map(|p| p.name.clone()).collect();
        self.unknown_members(at.clone(), members, known);
        for p in properties {
            let required = shape != Some(BodyShape::Update) && p.required && !p.read_only;
            let ty = p.ty.substitute(&bindings);
            let mut here = at.clone();
            here.push(Step::Key(p.name.clone()));
            let nested = members.get(&p.name).and_then(Value::as_object);
            match nested.filter(|_| self.properties(&ty).is_some()) {
                Some(inner) => self.object(here, &ty, None, inner),
                None => self.member(here, &ty, required, members.get(&p.name)),
            }
        }
    }

    /// A JSON value of type `ty`.
    fn value(&mut self, at: Vec<Step>, ty: &TypeRef, value: &Value) {
        match ty {
            TypeRef::Unit | TypeRef::Param(_) => {}
            TypeRef::Alias { target, .. } => self.value(at, target, value),
            TypeRef::Primitive(p) => {
                let fits = match p {
                    Primitive::Any => true,
                    Primitive::Long => value.is_i64() || value.is_u64(),
                    Primitive::Double => value.is_number(),
                    Primitive::Boolean => value.is_boolean(),
                    _ => value
                        .as_str()
                        .is_some_and(|s| (self.rules.json_text_fits)(*p, s)),
                };
                if !fits {
                    self.wrong(Place::Body(at), value, ty);
                }
            }
            TypeRef::Array(inner) => match value.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let mut here = at.clone();
                        here.push(Step::Index(i));
                        self.value(here, inner, item);
                    }
                }
                None => self.wrong(Place::Body(at), value, ty),
            },
            TypeRef::Map(_, inner) => match value.as_object() {
                Some(members) => {
                    for (k, v) in members {
                        let mut here = at.clone();
                        here.push(Step::Key(k.clone()));
                        self.value(here, inner, v);
                    }
                }
                None => self.wrong(Place::Body(at), value, ty),
            },
            TypeRef::Model { .. } => match self.enum_values(ty) {
                Some(values) => {
                    let fits = match values {
                        EnumValues::Strings(listed) => value
                            .as_str()
                            .is_some_and(|s| listed.iter().any(|v| v == s)),
                        EnumValues::Integers(listed) => {
                            value.as_i64().is_some_and(|n| listed.contains(&n))
                        }
                    };
                    if !fits {
                        self.not_listed(Place::Body(at), value.clone(), ty);
                    }
                }
                None if value.is_object() => {}
                None => self.wrong(Place::Body(at), value, ty),
            },
        }
    }
}

/// The type as the schemas write it: `long`, `domain.zone.Record`, `string[]`.
pub fn type_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Unit => "void".to_owned(),
        TypeRef::Primitive(p) => p.name().to_owned(),
        TypeRef::Model { key, .. } => key.clone(),
        TypeRef::Param(name) => name.clone(),
        TypeRef::Array(inner) => format!("{}[]", type_name(inner)),
        TypeRef::Map(_, inner) => format!("map[string]{}", type_name(inner)),
        TypeRef::Alias { name, .. } => name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_written_as_the_schemas_write_them() {
        let long = TypeRef::Primitive(Primitive::Long);
        assert_eq!(type_name(&long), "long");
        assert_eq!(type_name(&TypeRef::Array(Box::new(long.clone()))), "long[]");
        let map = TypeRef::Map(
            Box::new(TypeRef::Primitive(Primitive::String)),
            Box::new(long),
        );
        assert_eq!(type_name(&map), "map[string]long");
    }

    fn problems(
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Vec<Problem> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../codegen/tests/fixtures/schemas");
        let ir = crate::model::build(crate::reader::load_dir(&dir).0);
        let op = ir
            .apis
            .iter()
            .flat_map(|a| &a.operations)
            .find(|o| o.method.as_str() == method && o.path == path)
            .expect("the operation");
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let call = Call {
            path: &[],
            query: &query,
            body: body.as_ref(),
        };
        let rules = Rules {
            text_fits: &|p, text| p != Primitive::Long || text.parse::<i64>().is_ok(),
            json_text_fits: &|_, _| true,
            query_list_items: true,
        };
        check(&ir, &op.params, op.body.as_ref(), &call, &rules)
    }

    #[test]
    fn query_values_are_checked_and_unknown_ones_said() {
        let found = problems(
            "GET",
            "/me/bill",
            &[("orderId", "x"), ("category", "nope"), ("colour", "red")],
            None,
        );
        assert!(
            matches!(&found[0], Problem::WrongType { place: Place::Query(n), .. } if n == "orderId")
        );
        assert!(
            matches!(&found[1], Problem::NotListed { place: Place::Query(n), key, .. } if n == "category" && key == "billing.CategoryEnum")
        );
        assert!(
            matches!(&found[2], Problem::UnknownQuery { name, known } if name == "colour" && known.len() == 4)
        );
        assert_eq!(found.len(), 3);
        assert!(problems("GET", "/me/bill", &[("orderId", "42")], None).is_empty());
        assert_eq!(
            problems("GET", "/me/bill", &[], Some(serde_json::json!({}))),
            [Problem::UnexpectedBody]
        );
    }

    #[test]
    fn a_whole_body_is_walked_into_its_model() {
        let found = problems("PUT", "/me", &[], Some(serde_json::json!({"colour": 1})));
        assert!(
            matches!(&found[0], Problem::UnknownMembers { at, names, .. } if at.is_empty() && names == &["colour"]),
            "{found:?}"
        );
        let found = problems("PUT", "/me", &[], None);
        assert_eq!(found.first(), Some(&Problem::MissingBody));
    }

    #[test]
    fn places_are_named_as_ovh_and_as_pointers() {
        let place = Place::Body(vec![
            Step::Key("rules".into()),
            Step::Index(0),
            Step::Key("a/b".into()),
        ]);
        assert_eq!(place.name(), "rules[0].a/b");
        assert_eq!(place.pointer(), "/rules/0/a~1b");
        assert_eq!(Place::Body(vec![]).name(), "body");
        assert_eq!(Place::Query("x".into()).name(), "x");
    }
}
