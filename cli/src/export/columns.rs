//! Columns from the schema, never guessed from data: the response model's members flattened
//! (`priceWithTax.value`), each with a type (integer, real, text, boolean, timestamp; lists,
//! maps and free-form values as JSON text).

use std::collections::BTreeMap;

use ovhcloud_schema::model::{Ir, ModelKind, TypeRef};
use ovhcloud_schema::typeexpr::Primitive;
use serde_json::Value;

/// How deep nested models are flattened; deeper ones are one JSON column.
const MAX_DEPTH: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Real,
    Text,
    Boolean,
    Timestamp,
    Json,
}

impl Kind {
    /// The SQLite declared type.
    pub fn sql(self) -> &'static str {
        match self {
            Kind::Integer | Kind::Boolean => "INTEGER",
            Kind::Real => "REAL",
            Kind::Text | Kind::Json => "TEXT",
            Kind::Timestamp => "TIMESTAMP",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Integer => "integer",
            Kind::Real => "real",
            Kind::Text => "text",
            Kind::Boolean => "boolean",
            Kind::Timestamp => "timestamp",
            Kind::Json => "json",
        }
    }
}

/// One column: its name, type, and where its value is in an item.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// `priceWithTax.value`.
    pub name: String,
    pub kind: Kind,
    /// The members leading to the value (`["priceWithTax", "value"]`); empty for the item itself.
    pub members: Vec<String>,
}

/// A cell, typed by its column.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

impl Cell {
    pub fn to_json(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Integer(i) => Value::from(*i),
            Cell::Real(r) => Value::from(*r),
            Cell::Text(t) => Value::String(t.clone()),
        }
    }
}

/// The columns of an item of type `ty`: one `value` column for a scalar, the flattened members
/// of a model.
pub fn columns(ir: &Ir, ty: &TypeRef) -> Vec<Column> {
    let mut out = Vec::new();
    flatten(ir, ty, &BTreeMap::new(), &mut Vec::new(), 0, &mut out);
    if out.len() == 1 && out[0].members.is_empty() {
        out[0].name = "value".to_owned();
    }
    out
}

fn flatten(
    ir: &Ir,
    ty: &TypeRef,
    generics: &BTreeMap<String, TypeRef>,
    members: &mut Vec<String>,
    depth: usize,
    out: &mut Vec<Column>,
) {
    let mut leaf = |kind: Kind, members: &[String]| {
        out.push(Column {
            name: members.join("."),
            kind,
            members: members.to_vec(),
        })
    };
    match ty {
        TypeRef::Param(name) => match generics.get(name) {
            Some(bound) => flatten(ir, &bound.clone(), &BTreeMap::new(), members, depth, out),
            None => leaf(Kind::Json, members),
        },
        TypeRef::Alias { target, .. } => flatten(ir, target, generics, members, depth, out),
        TypeRef::Primitive(p) => leaf(primitive(*p), members),
        TypeRef::Model { key, args } => match ir.models.get(key).map(|m| &m.kind) {
            Some(ModelKind::Enum(_)) => leaf(Kind::Text, members),
            Some(ModelKind::Object {
                generics: names,
                properties,
            }) if depth < MAX_DEPTH => {
                let bound: BTreeMap<String, TypeRef> =
                    names.iter().cloned().zip(args.iter().cloned()).collect();
                for property in properties {
                    members.push(property.name.clone());
                    flatten(ir, &property.ty, &bound, members, depth + 1, out);
                    members.pop();
                }
            }
            _ => leaf(Kind::Json, members),
        },
        TypeRef::Unit => {}
        TypeRef::Array(_) | TypeRef::Map(..) => leaf(Kind::Json, members),
    }
}

fn primitive(p: Primitive) -> Kind {
    match p {
        Primitive::Long => Kind::Integer,
        Primitive::Double => Kind::Real,
        Primitive::Boolean => Kind::Boolean,
        Primitive::Date | Primitive::DateTime => Kind::Timestamp,
        Primitive::Any => Kind::Json,
        _ => Kind::Text,
    }
}

/// The cell of `column` in `item`, converted to its type; a value of another type than the
/// schema says is kept as text rather than lost.
pub fn cell(item: &Value, column: &Column) -> Cell {
    let mut value = item;
    for member in &column.members {
        match value.get(member) {
            Some(v) => value = v,
            None => return Cell::Null,
        }
    }
    match (column.kind, value) {
        (_, Value::Null) => Cell::Null,
        (Kind::Json, v) => Cell::Text(v.to_string()),
        (Kind::Integer, Value::Number(n)) if n.is_i64() => {
            Cell::Integer(n.as_i64().unwrap_or_default())
        }
        (Kind::Integer, Value::String(s)) if s.parse::<i64>().is_ok() => {
            Cell::Integer(s.parse().unwrap_or_default())
        }
        (Kind::Real, Value::Number(n)) => Cell::Real(n.as_f64().unwrap_or_default()),
        (Kind::Real, Value::String(s)) if s.parse::<f64>().is_ok() => {
            Cell::Real(s.parse().unwrap_or_default())
        }
        (Kind::Boolean, Value::Bool(b)) => Cell::Integer(i64::from(*b)),
        (_, Value::String(s)) => Cell::Text(s.clone()),
        (_, v) => Cell::Text(v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ovhcloud_schema::{model, reader};

    #[test]
    fn a_bill_flattens_into_typed_columns() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        let (schemas, _) = reader::load_dir(&dir);
        let ir = model::build(schemas);
        let bill = TypeRef::Model {
            key: "billing.Bill".into(),
            args: vec![],
        };
        let bill_columns = columns(&ir, &bill);
        let kind = |name: &str| bill_columns.iter().find(|c| c.name == name).map(|c| c.kind);
        assert_eq!(kind("billId"), Some(Kind::Text));
        assert_eq!(kind("date"), Some(Kind::Timestamp));
        assert_eq!(kind("orderId"), Some(Kind::Integer));
        assert_eq!(kind("priceWithTax.value"), Some(Kind::Real));
        assert_eq!(kind("priceWithTax.currencyCode"), Some(Kind::Text));
        let item =
            serde_json::json!({"billId": "FR1", "orderId": 7, "priceWithTax": {"value": 1.5}});
        let column = |name: &str| bill_columns.iter().find(|c| c.name == name).unwrap();
        assert_eq!(cell(&item, column("orderId")), Cell::Integer(7));
        assert_eq!(cell(&item, column("priceWithTax.value")), Cell::Real(1.5));
        assert_eq!(cell(&item, column("date")), Cell::Null);
        let ids = columns(&ir, &TypeRef::Primitive(Primitive::Long));
        assert_eq!(
            (ids[0].name.as_str(), ids[0].kind),
            ("value", Kind::Integer)
        );
    }
}
