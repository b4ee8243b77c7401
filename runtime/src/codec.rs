//! JSON (de)serialization helpers the generated models call.
//!
//! Generated structs implement `Serialize`/`Deserialize` by hand against these helpers instead
//! of deriving them: the code per model stays a few lines, which keeps compile time of the whole
//! API surface in check. Decoding errors carry the JSON path of the failing value
//! (`.datacenters[2].ovhBgpArea: invalid type: null, expected i64`).
//!
//! Inside [`decode_body`] (what the client uses) decoding is tolerant: what the real API is
//! known to send that differs from the schema is corrected and recorded as a
//! [`Deviation`](crate::Deviation) (see [`crate::deviation`]). Plain serde use of a model
//! (`serde_json::from_str`) stays strict and fails on the first difference.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::de::{
    DeserializeOwned, DeserializeSeed, Error as _, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::deviation::{Deviation, DeviationKind};

/// JSON members an object had that its schema does not declare, kept so that nothing received
/// is lost when a value is sent back (GET, modify, PUT).
pub type UnknownFields = BTreeMap<String, Value>;

/// Writes a JSON object field by field.
///
/// The first error is kept and returned by [`end`](Self::end), and the fields after it are
/// skipped: generated code then writes a model as a flat list of calls, with no `?` per field,
/// which compiles markedly faster over thousands of models.
pub struct ObjectWriter<S: Serializer> {
    map: Result<S::SerializeMap, S::Error>,
}

impl<S: Serializer> ObjectWriter<S> {
    pub fn new(serializer: S) -> Self {
        ObjectWriter {
            map: serializer.serialize_map(None),
        }
    }

    /// Always written; `None` becomes `null`.
    #[inline]
    pub fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        if let Ok(map) = &mut self.map {
            if let Err(error) = map.serialize_entry(key, value) {
                self.map = Err(error);
            }
        }
    }

    /// Left out when unset: request bodies send only what the caller set.
    #[inline]
    pub fn optional<T: Serialize>(&mut self, key: &'static str, value: &Option<T>) {
        if let Some(value) = value {
            self.field(key, value);
        }
    }

    pub fn end(self, unknown: &UnknownFields) -> Result<S::Ok, S::Error> {
        let mut map = self.map?;
        for (k, v) in unknown {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A decoding failure with the path, relative to the value being decoded, where it happened.
#[derive(Debug)]
pub struct PathError {
    path: String,
    message: String,
}

impl PathError {
    fn new(prefix: String, inner: String) -> PathError {
        // Inner errors from nested objects already start with their own path.
        match split_path(&inner) {
            Some((path, message)) => PathError {
                path: prefix + path,
                message: message.to_owned(),
            },
            None => PathError {
                path: prefix,
                message: inner,
            },
        }
    }
}

/// Splits `".a[1].b: message"` into path and message.
pub fn split_path(message: &str) -> Option<(&str, &str)> {
    if !message.starts_with(['.', '[']) {
        return None;
    }
    message.split_once(": ")
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Reads one member of an object, with its key on the path.
fn member<T>(key: &'static str, read: impl FnOnce() -> Result<T, String>) -> Result<T, PathError> {
    within(Segment::Key(key), read).map_err(|e| PathError::new(format!(".{key}"), e))
}

// The correcting pass below is compiled once, not once per model and field type: what depends
// on the type is only an [`Attempt`], a reading into a slot the generic caller holds.

/// Reads a JSON value as the caller's type into the caller's slot (each success overwrites it).
type Attempt<'a> = dyn FnMut(&Value) -> Result<(), String> + 'a;

/// An [`Attempt`] reading as `T` into `slot`.
fn into_slot<T: DeserializeOwned>(
    slot: &mut Option<T>,
) -> impl FnMut(&Value) -> Result<(), String> + '_ {
    move |value| {
        *slot = Some(tracked(value).map_err(|e| e.to_string())?);
        Ok(())
    }
}

/// What an erased reading left in `slot`, if it succeeded.
fn taken<T>(outcome: Result<(), String>, slot: Option<T>) -> Result<T, String> {
    outcome?;
    slot.ok_or_else(|| "no value was read".to_owned())
}

/// A list, each item corrected on its own.
fn list<T: DeserializeOwned>(value: Value) -> Result<Vec<T>, String> {
    let items = match value {
        Value::Array(items) => items,
        other => {
            let error = format!("invalid type: {}, expected a list", kind(&other));
            let mut slot = None;
            let corrected = correct(other, &type_name::<Vec<T>>(), &mut into_slot(&mut slot));
            return corrected.and(slot).ok_or(error);
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            within(Segment::Index(i), || read(item))
                .map_err(|e| PathError::new(format!("[{i}]"), e).to_string())
        })
        .collect()
}

/// A non-null member that is missing: an error, or (correcting) its neutral value.
fn absent<T: DeserializeOwned>() -> Result<T, String> {
    let mut slot = None;
    let outcome = missing(&type_name::<T>(), &mut into_slot(&mut slot));
    taken(outcome, slot)
}

fn missing(expected: &str, attempt: &mut Attempt) -> Result<(), String> {
    if tolerant() && neutral_by(DeviationKind::Missing, expected, None, attempt).is_some() {
        return Ok(());
    }
    Err("missing field".to_owned())
}

/// Reads a present value, correcting what does not match (the correcting pass).
fn read<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    let mut slot = None;
    let outcome = read_value(value, &type_name::<T>(), &mut into_slot(&mut slot));
    taken(outcome, slot)
}

fn read_value(value: Value, expected: &str, attempt: &mut Attempt) -> Result<(), String> {
    match value {
        Value::Array(items) if items.iter().all(is_scalar) => scalar_list(items, expected, attempt),
        Value::Array(_) | Value::Object(_) => {
            // An object, or a list of them, that is not what `T` reads has no other reading.
            let mark = mark();
            attempt(&value).or_else(|e| {
                rollback(mark);
                neutral_by(DeviationKind::Invalid, expected, None, attempt)
                    .map(drop)
                    .ok_or(e)
            })
        }
        scalar => {
            let mark = mark();
            attempt(&scalar).or_else(|e| {
                rollback(mark);
                correct(scalar, expected, attempt).map(drop).ok_or(e)
            })
        }
    }
}

fn is_scalar(value: &Value) -> bool {
    !value.is_array() && !value.is_object()
}

/// A list of scalars (ids, addresses, names): each item that does not read is corrected on its
/// own, so one bad item does not cost the list.
fn scalar_list(items: Vec<Value>, expected: &str, attempt: &mut Attempt) -> Result<(), String> {
    let start = mark();
    if attempt(&Value::Array(items.clone())).is_ok() {
        return Ok(());
    }
    rollback(start);
    let item_expected = format!("item of {expected}");
    // Whether one item reads, tried as a list of one; what it records is recorded again below.
    let mut fits = |item: &Value| {
        let mark = mark();
        let read = attempt(&Value::Array(vec![item.clone()]));
        rollback(mark);
        read
    };
    let mut fixed = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        if fits(&item).is_ok() {
            fixed.push(item);
            continue;
        }
        let item = within(Segment::Index(i), || {
            correct(item, &item_expected, &mut fits)
        })
        .ok_or_else(|| format!("[{i}]: no reading of this item fits {item_expected}"))?;
        fixed.push(item);
    }
    attempt(&Value::Array(fixed))
}

/// A `value` that `attempt` does not read as it is: read in another form OVH uses, else the
/// neutral value, recorded as a deviation at the current path with the value received. Returns
/// the reading that `attempt` accepted.
fn correct(value: Value, expected: &str, attempt: &mut Attempt) -> Option<Value> {
    for (candidate, kind) in reinterpretations(&value) {
        let mark = mark();
        if attempt(&candidate).is_ok() {
            record(kind, expected, Some(value));
            return Some(candidate);
        }
        // Forget what a reading that failed recorded.
        rollback(mark);
    }
    match value {
        Value::Null => neutral_by(DeviationKind::Null, expected, None, attempt),
        received => neutral_by(DeviationKind::Invalid, expected, Some(received), attempt),
    }
}

/// Other readings of a value, in the forms OVH is known to send.
fn reinterpretations(value: &Value) -> Vec<(Value, DeviationKind)> {
    use DeviationKind::{Reformatted, Retyped};
    let mut out = Vec::new();
    match value {
        Value::String(s) => {
            let s = s.trim();
            if s.len() != value.as_str().map_or(0, str::len) {
                out.push((Value::from(s), Reformatted));
            }
            if let Ok(n) = s.parse::<i64>() {
                out.push((Value::from(n), Retyped));
            } else if let Some(n) = s.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                out.push((Value::Number(n), Retyped));
            }
            if let Ok(b) = s.parse::<bool>() {
                out.push((Value::Bool(b), Retyped));
            }
            out.extend(
                other_time_forms(s)
                    .into_iter()
                    .map(|t| (Value::from(t), Reformatted)),
            );
            // An address given as a host block.
            if let Some((address, "32" | "128")) = s.split_once('/') {
                out.push((Value::from(address), Reformatted));
            }
        }
        Value::Number(n) => out.push((Value::from(n.to_string()), Retyped)),
        Value::Bool(b) => out.push((Value::from(b.to_string()), Retyped)),
        _ => {}
    }
    out
}

/// `2024-01-05 10:00:00`, `2024-01-05T10:00:00` (read as UTC), a date for a date-time, and a
/// date-time for a date.
fn other_time_forms(s: &str) -> Vec<String> {
    let bytes = s.as_bytes();
    let is_date = |b: &[u8]| {
        b.len() >= 10
            && b[..10].iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                _ => c.is_ascii_digit(),
            })
    };
    if !is_date(bytes) {
        return Vec::new();
    }
    // The first ten bytes are ASCII (checked above); what follows may not be.
    let (date, rest) = s.split_at(10);
    let Some(time) = rest.get(1..).filter(|_| rest.is_char_boundary(1)) else {
        return vec![format!("{date}T00:00:00Z")];
    };
    let has_offset = time.ends_with('Z') || time.contains(['+', '-']);
    let joined = format!("{date}T{time}");
    vec![
        date.to_owned(),
        if has_offset { joined } else { joined + "Z" },
    ]
}

/// The first of [`NEUTRAL_VALUES`] that `attempt` reads, recorded as one deviation (what reading
/// it recorded inside is forgotten: a neutral object is one correction, not one per field).
fn neutral_by(
    kind: DeviationKind,
    expected: &str,
    received: Option<Value>,
    attempt: &mut Attempt,
) -> Option<Value> {
    // A model that holds itself by value has no finite neutral value.
    const MAX_DEPTH: usize = 8;
    // A whole answer is never invented: nothing usable at the root is an error.
    if with_scope(|s| s.path.is_empty())? {
        return None;
    }
    let depth = with_scope(|s| {
        s.neutral_depth += 1;
        s.neutral_depth
    })?;
    let mark = mark();
    let found = (depth <= MAX_DEPTH)
        .then(|| {
            NEUTRAL_VALUES.iter().find_map(|json| {
                let candidate: Value = serde_json::from_str(json).ok()?;
                let read = attempt(&candidate);
                rollback(mark);
                read.ok().map(|()| candidate)
            })
        })
        .flatten();
    with_scope(|s| s.neutral_depth -= 1);
    if found.is_some() {
        record(kind, expected, received);
    }
    found
}

/// Tried in order: the first that `T` accepts is its neutral value.
const NEUTRAL_VALUES: &[&str] = &[
    "null",
    "[]",
    "{}",
    "\"\"",
    "0",
    "false",
    "\"0.0.0.0\"",
    "\"::\"",
    "\"0.0.0.0/0\"",
    "\"::/0\"",
    "\"00000000-0000-0000-0000-000000000000\"",
    "\"1970-01-01\"",
    "\"1970-01-01T00:00:00Z\"",
];

/// A step of the JSON path being decoded.
enum Segment {
    Key(&'static str),
    /// A key of a map (not a declared member).
    Entry(String),
    Index(usize),
}

/// The decoding under way on this thread through [`decode_body`] or [`decode_value`].
#[derive(Default)]
struct Scope {
    /// The correcting pass; otherwise the fast pass, which only notices what it would record.
    correcting: bool,
    /// Fast pass: something was read that the correcting pass records (an unlisted enum value).
    noticed: bool,
    path: Vec<Segment>,
    found: Vec<Deviation>,
    neutral_depth: usize,
}

thread_local! {
    static SCOPE: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

fn with_scope<R>(f: impl FnOnce(&mut Scope) -> R) -> Option<R> {
    SCOPE.with(|scope| scope.borrow_mut().as_mut().map(f))
}

// Inlined into generated code: every object asks (a crate boundary would cost a call each).
#[inline]
fn tolerant() -> bool {
    SCOPE.with(|scope| scope.borrow().as_ref().is_some_and(|s| s.correcting))
}

/// Runs `f` in `scope` (and then the previous one again), returning what `f` returns and the
/// scope as `f` left it.
fn in_scope<T>(scope: Scope, f: impl FnOnce() -> T) -> (T, Scope) {
    let previous = replace_scope(Some(scope));
    let out = f();
    let scope = replace_scope(previous).unwrap_or_default();
    (out, scope)
}

fn replace_scope(scope: Option<Scope>) -> Option<Scope> {
    SCOPE.with(|s| s.replace(scope))
}

fn within<T>(segment: Segment, f: impl FnOnce() -> T) -> T {
    enter(segment);
    let out = f();
    leave();
    out
}

fn enter(segment: Segment) {
    with_scope(|s| s.path.push(segment));
}

fn leave() {
    with_scope(|s| s.path.pop());
}

fn mark() -> usize {
    with_scope(|s| s.found.len()).unwrap_or(0)
}

fn rollback(mark: usize) {
    with_scope(|s| s.found.truncate(mark));
}

fn type_name<T>() -> String {
    short_type_name(std::any::type_name::<T>())
}

fn record(kind: DeviationKind, expected: &str, received: Option<Value>) {
    with_scope(|s| {
        if !s.correcting {
            s.noticed = true;
            return;
        }
        let path = s
            .path
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => format!(".{key}"),
                Segment::Entry(key) => format!(".{key}"),
                Segment::Index(i) => format!("[{i}]"),
            })
            .collect();
        s.found.push(Deviation {
            path,
            kind,
            expected: expected.to_owned(),
            received,
        });
    });
}

/// `value` read as `T` by the correcting pass: from its text, through [`Tracked`], so that a
/// model's decoder is the one the fast pass uses (each generated model is compiled for one
/// deserializer only, serde_json's over text).
fn tracked<T: DeserializeOwned>(value: &Value) -> Result<T, serde_json::Error> {
    let text = value.to_string();
    let mut json = serde_json::Deserializer::from_str(&text);
    // Positions in this excerpt of the body would mislead; paths say where.
    T::deserialize(Tracked(&mut json))
        .map_err(|e| serde_json::Error::custom(without_position(&e.to_string())))
}

/// serde_json's deserializer, putting on the path the index of each item and the key of each
/// entry as serde's own `Vec` and map impls decode them. Structs are handed to serde_json
/// untouched: generated models put their members on the path themselves ([`ObjectReader`]).
///
/// Only ever wraps serde_json's deserializer, whose `deserialize_seq`, `_map`, `_option` and
/// `_newtype_struct` call only the visitor methods [`TrackedVisitor`] forwards.
struct Tracked<D>(D);

macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tracked<D> {
    type Error = D::Error;

    forward! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_unit deserialize_identifier
        deserialize_ignored_any
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_seq(TrackedVisitor(visitor))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(TrackedVisitor(visitor))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_option(TrackedVisitor(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_newtype_struct(name, TrackedVisitor(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, TrackedVisitor(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, TrackedVisitor(visitor))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }
}

struct TrackedVisitor<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for TrackedVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.expecting(f)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(TrackedSeq { seq, index: 0 })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(TrackedMap { map, key: None })
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Tracked(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Tracked(d))
    }
}

/// Hands an item or entry to its seed through [`Tracked`].
struct TrackedSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for TrackedSeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Tracked(d))
    }
}

struct TrackedSeq<A> {
    seq: A,
    index: usize,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for TrackedSeq<A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        let i = self.index;
        self.index += 1;
        within(Segment::Index(i), || {
            self.seq.next_element_seed(TrackedSeed(seed))
        })
        .map_err(|e| prefixed(format!("[{i}]"), e))
    }
}

struct TrackedMap<A> {
    map: A,
    /// The key of the entry whose value comes next.
    key: Option<String>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TrackedMap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key::<String>()? else {
            return Ok(None);
        };
        let decoded = seed.deserialize(key.as_str().into_deserializer())?;
        self.key = Some(key);
        Ok(Some(decoded))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let key = self.key.take().unwrap_or_default();
        let prefix = format!(".{key}");
        within(Segment::Entry(key), || {
            self.map.next_value_seed(TrackedSeed(seed))
        })
        .map_err(|e| prefixed(prefix, e))
    }
}

/// `alloc::vec::Vec<ovhcloud::models::billing::Bill>` → `Vec<Bill>`.
fn short_type_name(full: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in full.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(""));
            word.clear();
            if c != ' ' || !out.is_empty() {
                out.push(c);
            }
        }
    }
    out.trim_end().to_owned()
}

/// Called by generated enums when a value is not one the schema lists.
#[doc(hidden)]
pub fn unknown_enum_value<T>(received: Value) {
    record(
        DeviationKind::UnknownEnumValue,
        &type_name::<T>(),
        Some(received),
    );
}

/// Decodes a JSON value as `T` tolerantly: the value, and every deviation corrected on the
/// way. An error only when nothing usable can be made of it (the root has the wrong shape).
///
/// `ids_from` marks a v1 list of ids, which some backends answer with the objects themselves:
/// the ids are then taken from that member of each object.
pub fn decode_value<T: DeserializeOwned>(
    value: Value,
    ids_from: Option<&str>,
) -> Result<(T, Vec<Deviation>), String> {
    let (value, mut found) = ids_instead_of_objects(value, ids_from);
    let correcting = Scope {
        correcting: true,
        ..Scope::default()
    };
    let (decoded, scope) = in_scope(correcting, || read::<T>(value));
    found.extend(scope.found);
    decoded.map(|v| (v, found))
}

/// For a list of ids answered with objects, the ids, and the deviation saying so.
fn ids_instead_of_objects(value: Value, ids_from: Option<&str>) -> (Value, Vec<Deviation>) {
    match ids_from.and_then(|key| Some((key, ids_of_objects(&value, key)?))) {
        Some((key, ids)) => {
            let deviation = Deviation {
                path: String::new(),
                kind: DeviationKind::ObjectsForIds,
                expected: format!("ids (`{key}` of each object)"),
                received: None,
            };
            (ids, vec![deviation])
        }
        None => (value, Vec::new()),
    }
}

/// Decodes a response body (empty means `null`) tolerantly; see [`decode_value`].
///
/// A body that matches its schema is decoded straight from the text, at the speed of derived
/// impls. Only a body where something differs is decoded again, as a JSON value, by the
/// correcting pass that finds, corrects and records every difference.
pub fn decode_body<T: DeserializeOwned>(
    body: &str,
    ids_from: Option<&str>,
) -> Result<(T, Vec<Deviation>), String> {
    let text = if body.trim().is_empty() { "null" } else { body };
    let (fast, scope) = in_scope(Scope::default(), || serde_json::from_str::<T>(text));
    match fast {
        Ok(value) if !scope.noticed => Ok((value, Vec::new())),
        _ => {
            let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            decode_value(value, ids_from)
        }
    }
}

/// The ids of a list of objects, when every object has one in `key`.
fn ids_of_objects(value: &Value, key: &str) -> Option<Value> {
    let items = value.as_array().filter(|items| !items.is_empty())?;
    items
        .iter()
        .map(|item| {
            item.as_object()?
                .get(key)
                .filter(|id| !id.is_object())
                .cloned()
        })
        .collect::<Option<Vec<_>>>()
        .map(Value::Array)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// A generated model read member by member, straight from the deserializer: the members the
/// schema declares go into typed slots, and only the others become JSON values.
pub trait Object: Sized {
    /// The model's name, for error messages.
    const NAME: &'static str;

    fn read<'de, A: MapAccess<'de>>(object: ObjectReader<'de, A>) -> Result<Self, A::Error>;
}

/// Deserializes a generated model (see [`Object`]).
pub fn read_object<'de, D: Deserializer<'de>, T: Object>(deserializer: D) -> Result<T, D::Error> {
    // As a struct, not a map: [`Tracked`] hands structs to serde_json untouched.
    deserializer.deserialize_struct(T::NAME, &[], ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a {} object", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::read(ObjectReader {
            map,
            unknown: UnknownFields::new(),
            tolerant: tolerant(),
            error: None,
            lifetime: PhantomData,
        })
    }
}

/// The members of one JSON object, as a generated model reads them.
///
/// Decoding strictly, each member is decoded in place and an error names its JSON path. Decoding
/// tolerantly (the correcting pass of [`decode_value`]), each member is taken as a JSON value
/// first, so that what does not read can be read again another way.
///
/// The first error is kept: [`next_key`](Self::next_key) then ends the object, and
/// [`required`](Self::required) or [`end`](Self::end) return it. Generated code reads members
/// with plain calls, no `?` per member, which compiles markedly faster over thousands of models.
pub struct ObjectReader<'de, A: MapAccess<'de>> {
    map: A,
    unknown: UnknownFields,
    tolerant: bool,
    error: Option<A::Error>,
    lifetime: PhantomData<&'de ()>,
}

impl<'de, A: MapAccess<'de>> ObjectReader<'de, A> {
    /// The next member's key; `None` at the end of the object, or once a member failed.
    pub fn next_key(&mut self) -> Option<Key<'de>> {
        if self.error.is_some() {
            return None;
        }
        let key = self.map.next_key();
        self.keep(key).flatten()
    }

    // The fast pass reads in place; the correcting pass's branches are out of line (cold), and
    // these are inlined into every generated `read` (measured: nested models decode 0.81× of
    // derive's speed without the hints, 0.87× with).

    /// A member that must not be null (unless `T` is itself an `Option`).
    #[inline]
    pub fn read<T: DeserializeOwned>(&mut self, slot: &mut Option<T>, key: &'static str) {
        let value = if self.tolerant {
            self.correcting(key, read)
        } else {
            self.map.next_value().map_err(|e| at(key, e))
        };
        *slot = self.keep(value);
    }

    /// A member that may be null.
    #[inline]
    pub fn read_optional<T: DeserializeOwned>(&mut self, slot: &mut Option<T>, key: &'static str) {
        let value = if self.tolerant {
            self.correcting_optional(key, read)
        } else {
            self.map.next_value().map_err(|e| at(key, e))
        };
        *slot = self.keep(value).flatten();
    }

    /// Like [`read`](Self::read) for a list, naming the index of a failing item.
    #[inline]
    pub fn read_list<T: DeserializeOwned>(&mut self, slot: &mut Option<Vec<T>>, key: &'static str) {
        let value = if self.tolerant {
            self.correcting(key, list)
        } else {
            self.map
                .next_value_seed(ListSeed(PhantomData))
                .map_err(|e| at(key, e))
        };
        *slot = self.keep(value);
    }

    /// Like [`read_optional`](Self::read_optional) for a list.
    #[inline]
    pub fn read_optional_list<T: DeserializeOwned>(
        &mut self,
        slot: &mut Option<Vec<T>>,
        key: &'static str,
    ) {
        let value = if self.tolerant {
            self.correcting_optional(key, list)
        } else {
            self.map
                .next_value_seed(OptionalSeed(ListSeed(PhantomData)))
                .map_err(|e| at(key, e))
        };
        *slot = self.keep(value).flatten();
    }

    /// The value, or `None` with the error kept.
    #[inline]
    fn keep<T>(&mut self, result: Result<T, A::Error>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.error = Some(error);
                None
            }
        }
    }

    /// The correcting pass's reading of a member: taken as a JSON value, then read by `read`.
    #[cold]
    #[inline(never)]
    fn correcting<T>(
        &mut self,
        key: &'static str,
        read: fn(Value) -> Result<T, String>,
    ) -> Result<T, A::Error> {
        let value: Value = self.map.next_value()?;
        member(key, || read(value)).map_err(A::Error::custom)
    }

    /// Like [`correcting`](Self::correcting) for a member that may be null.
    #[cold]
    #[inline(never)]
    fn correcting_optional<T>(
        &mut self,
        key: &'static str,
        read: fn(Value) -> Result<T, String>,
    ) -> Result<Option<T>, A::Error> {
        match self.map.next_value()? {
            Value::Null => Ok(None),
            value => member(key, || read(value))
                .map(Some)
                .map_err(A::Error::custom),
        }
    }

    /// A member the schema does not declare, kept as received.
    pub fn unknown(&mut self, key: Key<'de>) {
        let value = self.map.next_value();
        if let Some(value) = self.keep(value) {
            self.unknown.insert(key.0.into_owned(), value);
        }
    }

    /// Checks a member that must be present: when it is missing, the error kept, or (decoding
    /// tolerantly) its neutral value put in its slot. After [`end`](Self::end) returned `Ok`,
    /// every required slot is filled.
    #[inline]
    pub fn require<T: DeserializeOwned>(&mut self, slot: &mut Option<T>, key: &'static str) {
        if slot.is_none() && self.error.is_none() {
            *slot = self.keep(missing_member(key));
        }
    }

    /// Whatever members the schema does not declare, or the error of the member that failed.
    pub fn end(self) -> Result<UnknownFields, A::Error> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.unknown),
        }
    }
}

/// A required member's value, out of the slot that [`ObjectReader::require`] filled once
/// [`ObjectReader::end`] returned `Ok`.
#[inline]
pub fn filled<T>(slot: Option<T>) -> T {
    match slot {
        Some(value) => value,
        None => unfilled(),
    }
}

#[cold]
#[inline(never)]
fn unfilled() -> ! {
    unreachable!("ObjectReader::end reports every required member that is missing")
}

/// An object's key, borrowed from the input when it has no escapes.
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor).map(Key)
    }
}

/// Text borrowed from the input when possible; numbers are accepted as their decimal text
/// (a few enums of the schemas list numbers as strings).
struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

/// A list whose failing item is named by its index.
struct ListSeed<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ListSeed<T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListSeed<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<T>, S::Error> {
        // Bounded: the hint is the input's, not ours to trust.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq
            .next_element()
            .map_err(|e| prefixed(format!("[{}]", items.len()), e))?
        {
            items.push(item);
        }
        Ok(items)
    }
}

/// `null` or what the inner seed reads.
struct OptionalSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for OptionalSeed<S> {
    type Value = Option<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for OptionalSeed<S> {
    type Value = Option<S::Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("null or a value")
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(deserializer).map(Some)
    }
}

/// A required member that is missing: an error, or (correcting) its neutral value.
#[cold]
#[inline(never)]
fn missing_member<T: DeserializeOwned, E: serde::de::Error>(key: &'static str) -> Result<T, E> {
    member(key, absent).map_err(E::custom)
}

/// The error of member `key`, its path prefixed.
#[cold]
#[inline(never)]
fn at<E: serde::de::Error>(key: &'static str, error: E) -> E {
    prefixed(format!(".{key}"), error)
}

/// `error` with `prefix` before its path. serde_json ends a message with the position it
/// stopped at; inner positions are dropped and the outermost is added back by serde_json, at
/// the same place since decoding stops at the first error.
fn prefixed<E: serde::de::Error>(prefix: String, error: E) -> E {
    let message = error.to_string();
    E::custom(PathError::new(
        prefix,
        without_position(&message).to_owned(),
    ))
}

/// `"message at line 1 column 20"` → `"message"`.
fn without_position(message: &str) -> &str {
    let Some((head, position)) = message.rsplit_once(" at line ") else {
        return message;
    };
    let well_formed = position
        .split_once(" column ")
        .is_some_and(|(line, column)| {
            [line, column]
                .iter()
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
    if well_formed {
        head
    } else {
        message
    }
}

/// Comparisons, `Display`, `FromStr`, `From<String>` and serde impls for a generated string
/// enum, from its `as_str` and `From<&str>`. Values compare, hash and order as their wire text.
/// Numbers are accepted too: a few `long` enums list their values as strings.
#[macro_export]
#[doc(hidden)]
macro_rules! __string_enum {
    ($name:ident) => {
        impl ::std::cmp::PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }
        impl ::std::cmp::Eq for $name {}
        impl ::std::hash::Hash for $name {
            fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state)
            }
        }
        impl ::std::cmp::PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<::std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl ::std::cmp::Ord for $name {
            fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }
        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::from(s.as_str())
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let text = $crate::codec::enum_text(deserializer)?;
                let value = Self::from(&*text);
                if let Self::Unknown(_) = &value {
                    $crate::codec::unknown_enum_value::<Self>(text.into());
                }
                Ok(value)
            }
        }
    };
}
pub use crate::__string_enum as string_enum;

/// `Display` and serde impls for a generated integer enum, from its `value` and `From<i64>`.
#[macro_export]
#[doc(hidden)]
macro_rules! __integer_enum {
    ($name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.value())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let number = $crate::codec::enum_integer(deserializer)?;
                let value = Self::from(number);
                if let Self::Unknown(_) = &value {
                    $crate::codec::unknown_enum_value::<Self>(number.into());
                }
                Ok(value)
            }
        }
    };
}
pub use crate::__integer_enum as integer_enum;

/// The text of an enum value: a JSON string, or a number written as text.
pub fn enum_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cow<'de, str>, D::Error> {
    deserializer.deserialize_any(TextVisitor)
}

/// The value of an integer enum: a JSON integer, or an integer written as a string.
pub fn enum_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(IntegerVisitor)
}

struct IntegerVisitor;

impl Visitor<'_> for IntegerVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an enum value (integer)")
    }

    fn visit_i64<E>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom(format!("enum value {v} is not an integer")))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
        Err(E::custom(format!("enum value {v} is not an integer")))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<i64, E> {
        v.parse()
            .map_err(|_| E::custom(format!("enum value {v:?} is not an integer")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Inner {
        asn: i64,
    }

    // As generated code writes them.
    impl Object for Inner {
        const NAME: &'static str = "Inner";

        fn read<'de, A: MapAccess<'de>>(
            mut object: ObjectReader<'de, A>,
        ) -> Result<Self, A::Error> {
            let mut asn = None;
            while let Some(key) = object.next_key() {
                match key.as_str() {
                    "asn" => object.read(&mut asn, "asn"),
                    _ => object.unknown(key),
                }
            }
            object.require(&mut asn, "asn");
            object.end()?;
            Ok(Inner { asn: filled(asn) })
        }
    }

    impl<'de> Deserialize<'de> for Inner {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            read_object(d)
        }
    }

    #[derive(Debug, PartialEq)]
    struct Outer {
        items: Vec<Inner>,
        name: Option<String>,
        tags: Option<Vec<String>>,
        unknown: UnknownFields,
    }

    impl Object for Outer {
        const NAME: &'static str = "Outer";

        fn read<'de, A: MapAccess<'de>>(
            mut object: ObjectReader<'de, A>,
        ) -> Result<Self, A::Error> {
            let (mut items, mut name, mut tags) = (None, None, None);
            while let Some(key) = object.next_key() {
                match key.as_str() {
                    "items" => object.read_list(&mut items, "items"),
                    "name" => object.read_optional(&mut name, "name"),
                    "tags" => object.read_optional_list(&mut tags, "tags"),
                    _ => object.unknown(key),
                }
            }
            object.require(&mut items, "items");
            let unknown = object.end()?;
            Ok(Outer {
                items: filled(items),
                name,
                tags,
                unknown,
            })
        }
    }

    impl<'de> Deserialize<'de> for Outer {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            read_object(d)
        }
    }

    /// The message of a strict decoding error, checked to end with one position only.
    fn strict_error<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        let message = serde_json::from_str::<T>(json).unwrap_err().to_string();
        assert_eq!(message.matches(" at line ").count(), 1, "{message}");
        without_position(&message).to_owned()
    }

    #[test]
    fn nested_errors_name_the_json_path() {
        assert_eq!(
            strict_error::<Outer>(r#"{"items":[{"asn":1},{"asn":null}]}"#),
            ".items[1].asn: invalid type: null, expected i64"
        );
        assert_eq!(
            strict_error::<Outer>(r#"{"items":[{}]}"#),
            ".items[0].asn: missing field"
        );
        assert_eq!(
            strict_error::<Outer>(r#"{"items":{}}"#),
            ".items: invalid type: map, expected a list"
        );
        assert_eq!(
            strict_error::<Outer>(r#"{"items":[],"tags":["a",1]}"#),
            ".tags[1]: invalid type: integer `1`, expected a string"
        );
        assert_eq!(
            strict_error::<Outer>("[]"),
            "invalid type: sequence, expected a Outer object"
        );
        // The same paths when decoding from a JSON value, which has no positions.
        let value = serde_json::json!({"items": [{"asn": "x"}]});
        assert_eq!(
            Outer::deserialize(value).unwrap_err().to_string(),
            r#".items[0].asn: invalid type: string "x", expected i64"#
        );
    }

    #[test]
    fn a_body_that_matches_is_decoded_once_and_one_that_differs_is_corrected() {
        let (v, found) = tolerant::<Outer>(r#"{"items":[{"asn":1}],"tags":null,"x":[1]}"#);
        assert_eq!((v.items.len(), v.tags, found.len()), (1, None, 0));
        assert_eq!(v.unknown["x"], serde_json::json!([1]));
        let (v, found) = tolerant::<Outer>(r#"{"items":[{"asn":1},{"asn":"2"}],"tags":["a",3]}"#);
        assert_eq!(v.items[1].asn, 2);
        assert_eq!(v.tags.unwrap(), ["a", "3"]);
        assert_eq!(
            found,
            [
                (".items[1].asn".to_owned(), K::Retyped),
                (".tags[1]".to_owned(), K::Retyped)
            ]
        );
    }

    #[test]
    fn unknown_members_are_kept_and_nulls_are_none() {
        let v: Outer = serde_json::from_str(r#"{"items":[],"name":null,"extra":{"a":1}}"#).unwrap();
        assert_eq!(v.name, None);
        assert_eq!(v.unknown["extra"], serde_json::json!({"a": 1}));
    }

    use crate::deviation::DeviationKind as K;

    fn tolerant<T: DeserializeOwned>(json: &str) -> (T, Vec<(String, K)>) {
        let (value, found) = decode_body::<T>(json, None).unwrap();
        (value, found.into_iter().map(|d| (d.path, d.kind)).collect())
    }

    #[test]
    fn missing_and_null_fields_get_neutral_values_and_are_reported() {
        let (v, found) = tolerant::<Outer>(r#"{"items":[{"asn":null},{}]}"#);
        assert_eq!(v.items, [Inner { asn: 0 }, Inner { asn: 0 }]);
        assert_eq!(
            found,
            [
                (".items[0].asn".to_owned(), K::Null),
                (".items[1].asn".to_owned(), K::Missing)
            ]
        );
        let (v, found) = tolerant::<Outer>(r#"{"name":"x"}"#);
        assert_eq!((v.items, v.name.as_deref()), (vec![], Some("x")));
        assert_eq!(found, [(".items".to_owned(), K::Missing)]);
    }

    #[test]
    fn other_forms_are_converted_and_reported_with_the_value_received() {
        let (v, found) = tolerant::<Outer>(r#"{"items":[{"asn":"64512"}],"name":42}"#);
        assert_eq!((v.items[0].asn, v.name.as_deref()), (64512, Some("42")));
        assert_eq!(
            found,
            [
                (".items[0].asn".to_owned(), K::Retyped),
                (".name".to_owned(), K::Retyped)
            ]
        );
        let (d, found) = tolerant::<crate::types::DateTime>(r#""2024-01-05 10:00:00""#);
        assert_eq!(d.to_rfc3339(), "2024-01-05T10:00:00+00:00");
        assert_eq!(found, [(String::new(), K::Reformatted)]);
        let (d, _) = tolerant::<crate::types::Date>(r#""2024-01-05T10:00:00+01:00""#);
        assert_eq!(d.to_string(), "2024-01-05");
        let (d, _) = tolerant::<crate::types::DateTime>(r#""2024-01-05""#);
        assert_eq!(d.to_rfc3339(), "2024-01-05T00:00:00+00:00");
        // Not a date after all, whatever follows the first ten bytes.
        assert!(decode_body::<crate::types::Date>(r#""2024-01-05é…""#, None).is_err());
        let (ip, _) = tolerant::<std::net::Ipv4Addr>(r#""192.0.2.1/32""#);
        assert_eq!(ip.to_string(), "192.0.2.1");
        let (ips, found) = tolerant::<Vec<std::net::Ipv4Addr>>(r#"["192.0.2.1", "nope"]"#);
        assert_eq!(
            ips,
            [[192, 0, 2, 1].into(), std::net::Ipv4Addr::UNSPECIFIED]
        );
        assert_eq!(found, [("[1]".to_owned(), K::Invalid)]);
        let (_, all) = decode_body::<Vec<Uuid>>(r#"["nope"]"#, None).unwrap();
        assert_eq!(all[0].received, Some(Value::from("nope")));
    }

    #[test]
    fn what_cannot_be_read_at_the_root_is_an_error() {
        assert!(decode_body::<Outer>("not json", None).is_err());
        assert!(decode_body::<Outer>(r#""a string""#, None).is_err());
        assert!(decode_body::<Uuid>(r#""nope""#, None).is_err());
        let err =
            decode_body::<Outer>(r#"{"items":{"a":1}}"#, None).map(|(v, f)| (v.items, f.len()));
        assert_eq!(err.unwrap(), (vec![], 1));
    }

    #[test]
    fn a_list_of_ids_answered_with_objects_gives_the_ids() {
        let body = r#"[{"billId":"FR1","price":1},{"billId":"FR2"}]"#;
        let (ids, found) = decode_body::<Vec<String>>(body, Some("billId")).unwrap();
        assert_eq!(ids, ["FR1", "FR2"]);
        assert_eq!(found[0].kind, K::ObjectsForIds);
        let (ids, found) = decode_body::<Vec<String>>(r#"["FR1"]"#, Some("billId")).unwrap();
        assert_eq!((ids.len(), found.len()), (1, 0));
    }

    #[test]
    fn plain_serde_stays_strict() {
        assert!(serde_json::from_str::<Outer>(r#"{"items":[{"asn":"1"}]}"#).is_err());
        assert!(serde_json::from_str::<Outer>(r#"{}"#).is_err());
    }

    use uuid::Uuid;

    #[test]
    fn enum_values_accept_numbers_as_text_and_text_as_numbers() {
        let text = enum_text(&mut serde_json::Deserializer::from_str("3600")).unwrap();
        assert_eq!(text, "3600");
        let n = enum_integer(&mut serde_json::Deserializer::from_str("\"64\"")).unwrap();
        assert_eq!(n, 64);
        assert!(enum_integer(&mut serde_json::Deserializer::from_str("true")).is_err());
    }
}
