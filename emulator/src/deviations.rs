//! Deviations from the schema, as real API backends send them ([`Deviation`]), injected into a
//! successful answer on demand ([`Faults::deviation_rate`](crate::Faults::deviation_rate)).
//!
//! The answer's schema type picks the member: `deviate` changes the first member, in key
//! order, that the kind applies to — among the members of the top-level object (or of the
//! first element of a top-level list, or first value of a map), else, in the same order,
//! inside those members — and returns its path as clients report decode errors
//! (`.date`, `[0].status`, `.priceWithTax.value`). The server sends it in
//! `X-Emulator-Deviation: <kind> <path>`.
//!
//! | kind | applies to a member that is | becomes |
//! | --- | --- | --- |
//! | `missing` | declared non-null, present, not `any` | left out |
//! | `null` | declared non-null, present, not `any` | `null` |
//! | `number-as-string` | a `long` or `double` number | its text, `"42"` |
//! | `reformatted` | a `datetime` / a `date` / an `ipv4` (or `ip` holding IPv4) | `2024-01-05 10:00:00` / `2024-01-05T00:00:00+00:00` / `192.0.2.1/32` |
//! | `invalid` | a `uuid`, `ip`, `ipv4`, `ipv6`, `ipBlock`, `ipv4Block`, `ipv6Block`, `date` or `datetime` string | `"not-a-uuid"`, `"not-a-ip"`… (`not-a-` + the type) |
//! | `unknown-enum` | an enum value | `"value-from-the-future"`, or for an integer enum the largest listed value + 1 |
//!
//! `objects-for-ids` changes the whole answer (a list of ids becomes the objects), so the
//! server carries it out with the expanded listings' machinery ([`crate::iceberg`]).

use chrono::{DateTime, NaiveDate};
use ovhcloud_schema::model::{EnumValues, Ir, TypeRef};
use ovhcloud_schema::typeexpr::Primitive;
use serde_json::Value;

use crate::config::Deviation;
use crate::faults::UNKNOWN_ENUM_VALUE;
use crate::shape::{client_path, is_any, json_pointer, primitive, Prop, Step, Walker};

/// What happens to the chosen member.
#[derive(Clone, Debug, PartialEq)]
enum Change {
    Remove,
    Set(Value),
}

/// Gives `value`, an answer of type `ty`, one deviation of a member kind; returns the path of
/// the member changed, or `None` (and `value` untouched) when no member fits. Always `None`
/// for [`Deviation::ObjectsForIds`], which the server handles.
pub(crate) fn deviate(ir: &Ir, ty: &TypeRef, value: &mut Value, kind: Deviation) -> Option<String> {
    let walker = Walker { ir };
    let mut loc = Vec::new();
    let (target, change) = find(&walker, kind, ty, value, &mut loc)?;
    apply(value, &target, change)?;
    Some(client_path(&target))
}

/// Writes `change` at `target` (a member of an object).
fn apply(value: &mut Value, target: &[Step], change: Change) -> Option<()> {
    let (Step::Key(name), parent) = target.split_last()? else {
        return None;
    };
    let members = value.pointer_mut(&json_pointer(parent))?.as_object_mut()?;
    match change {
        Change::Remove => members.remove(name).map(|_| ()),
        Change::Set(new) => members.insert(name.clone(), new).map(|_| ()),
    }
}

/// The first member `kind` applies to, with what it becomes: direct members of the object
/// (in key order) before the members nested in them.
fn find(
    walker: &Walker<'_>,
    kind: Deviation,
    ty: &TypeRef,
    value: &Value,
    loc: &mut Vec<Step>,
) -> Option<(Vec<Step>, Change)> {
    if let Some((inner, child, step)) = Walker::first_child(ty, value) {
        loc.push(step);
        let found = find(walker, kind, &inner, child, loc);
        loc.pop();
        return found;
    }
    let mut props = walker.properties(ty)?;
    props.sort_by(|a, b| a.name.cmp(&b.name));
    let members = value.as_object()?;
    let present = || {
        props
            .iter()
            .filter_map(|p| members.get(&p.name).map(|v| (p, v)))
    };
    for (prop, member) in present() {
        if let Some(change) = change_for(walker, kind, prop, member) {
            let mut target = loc.clone();
            target.push(Step::Key(prop.name.clone()));
            return Some((target, change));
        }
    }
    for (prop, member) in present() {
        loc.push(Step::Key(prop.name.clone()));
        let found = find(walker, kind, &prop.ty, member, loc);
        loc.pop();
        if found.is_some() {
            return found;
        }
    }
    None
}

/// What `kind` makes of the member `prop` holding `member`; `None` when it does not apply.
fn change_for(walker: &Walker<'_>, kind: Deviation, prop: &Prop, member: &Value) -> Option<Change> {
    let required = !prop.optional && !member.is_null() && !is_any(&prop.ty);
    match kind {
        Deviation::Missing => required.then_some(Change::Remove),
        Deviation::Null => required.then_some(Change::Set(Value::Null)),
        Deviation::NumberAsString => number_as_string(&prop.ty, member),
        Deviation::Reformatted => reformatted(primitive(&prop.ty)?, member.as_str()?),
        Deviation::Invalid => invalid(primitive(&prop.ty)?, member),
        Deviation::UnknownEnum => unknown_enum(walker.enum_values(&prop.ty)?, member),
        Deviation::ObjectsForIds => None,
    }
}

fn number_as_string(ty: &TypeRef, member: &Value) -> Option<Change> {
    let numeric = matches!(primitive(ty)?, Primitive::Long | Primitive::Double);
    (numeric && member.is_number()).then(|| Change::Set(Value::String(member.to_string())))
}

/// The other form OVH sends a datetime, date or IPv4 address in.
fn reformatted(p: Primitive, text: &str) -> Option<Change> {
    let new = match p {
        Primitive::DateTime => DateTime::parse_from_rfc3339(text)
            .ok()?
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        Primitive::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()?
            .format("%Y-%m-%dT00:00:00+00:00")
            .to_string(),
        Primitive::Ipv4 | Primitive::Ip => {
            format!("{}/32", text.parse::<std::net::Ipv4Addr>().ok()?)
        }
        _ => return None,
    };
    Some(Change::Set(Value::String(new)))
}

/// `"not-a-<type>"` for a string of a checked format.
fn invalid(p: Primitive, member: &Value) -> Option<Change> {
    let checked = matches!(
        p,
        Primitive::Uuid
            | Primitive::Ip
            | Primitive::Ipv4
            | Primitive::Ipv6
            | Primitive::IpBlock
            | Primitive::Ipv4Block
            | Primitive::Ipv6Block
            | Primitive::Date
            | Primitive::DateTime
    );
    (checked && member.is_string())
        .then(|| Change::Set(Value::String(format!("not-a-{}", p.name()))))
}

fn unknown_enum(values: &EnumValues, member: &Value) -> Option<Change> {
    let new = match values {
        EnumValues::Strings(_) if member.is_string() => Value::from(UNKNOWN_ENUM_VALUE),
        EnumValues::Integers(listed) if member.is_number() => {
            Value::from(listed.iter().max().copied().unwrap_or(0).saturating_add(1))
        }
        _ => return None,
    };
    Some(Change::Set(new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ovhcloud_schema::examples::{Examples, Flavor};
    use serde_json::json;

    fn ir() -> &'static Ir {
        crate::flows::testing::schemas()
    }

    fn model(key: &str) -> TypeRef {
        TypeRef::Model {
            key: key.to_owned(),
            args: vec![],
        }
    }

    fn bill() -> Value {
        json!({"billId": "FR1", "category": "autorenew", "date": "2024-01-05T10:00:00+01:00",
            "orderId": 42, "password": "p", "pdfUrl": "u", "url": "u",
            "priceWithTax": {"currencyCode": "EUR", "text": "1.00 €", "value": 1.0},
            "priceWithoutTax": {"currencyCode": "EUR", "text": "1.00 €", "value": 1.0},
            "tax": {"currencyCode": "EUR", "text": "0.00 €", "value": 0.0}})
    }

    fn deviated(ty: &TypeRef, value: &Value, kind: Deviation) -> (Option<String>, Value) {
        let mut changed = value.clone();
        let path = deviate(ir(), ty, &mut changed, kind);
        (path, changed)
    }

    #[test]
    fn each_member_kind_changes_the_first_member_it_applies_to() {
        let ty = model("billing.Bill");
        let (path, v) = deviated(&ty, &bill(), Deviation::Missing);
        assert_eq!(path.as_deref(), Some(".billId"));
        assert!(v.get("billId").is_none());
        let (path, v) = deviated(&ty, &bill(), Deviation::Null);
        assert_eq!(path.as_deref(), Some(".billId"));
        assert!(v["billId"].is_null());
        let (path, v) = deviated(&ty, &bill(), Deviation::NumberAsString);
        assert_eq!(path.as_deref(), Some(".orderId"));
        assert_eq!(v["orderId"], "42");
        let (path, v) = deviated(&ty, &bill(), Deviation::Reformatted);
        assert_eq!(path.as_deref(), Some(".date"));
        assert_eq!(v["date"], "2024-01-05 10:00:00");
        let (path, v) = deviated(&ty, &bill(), Deviation::Invalid);
        assert_eq!(path.as_deref(), Some(".date"));
        assert_eq!(v["date"], "not-a-datetime");
        let (path, v) = deviated(&ty, &bill(), Deviation::UnknownEnum);
        assert_eq!(path.as_deref(), Some(".category"));
        assert_eq!(v["category"], UNKNOWN_ENUM_VALUE);
        let (path, v) = deviated(&ty, &bill(), Deviation::ObjectsForIds);
        assert_eq!((path, v), (None, bill()));
    }

    #[test]
    fn lists_use_their_first_item_and_nested_members_come_after_direct_ones() {
        let ty = TypeRef::Array(Box::new(model("billing.Bill")));
        let mut with_nested_number = bill();
        with_nested_number["orderId"] = json!(null);
        let list = json!([with_nested_number, bill()]);
        let (path, v) = deviated(&ty, &list, Deviation::NumberAsString);
        assert_eq!(path.as_deref(), Some("[0].priceWithTax.value"));
        assert_eq!(v[0]["priceWithTax"]["value"], "1.0");
        assert_eq!(v[1], bill());
    }

    #[test]
    fn nothing_applicable_leaves_the_answer_alone() {
        let ids = TypeRef::Array(Box::new(TypeRef::Primitive(Primitive::String)));
        for kind in Deviation::ALL {
            assert_eq!(deviated(&ids, &json!(["a"]), kind).0, None, "{kind}");
        }
        let ty = model("billing.Bill");
        assert_eq!(deviated(&ty, &json!({}), Deviation::Missing).0, None);
        let task = model("vrack.Task");
        let mut value = Examples::new(ir(), Flavor::Typical).of(&task);
        value["lastUpdate"] = json!(null);
        value["todoDate"] = json!("2024-05-06T07:08:09+02:00");
        let (path, v) = deviated(&task, &value, Deviation::Reformatted);
        assert_eq!(path.as_deref(), Some(".todoDate"));
        assert_eq!(v["todoDate"], "2024-05-06 07:08:09");
    }

    #[test]
    fn dates_and_addresses_are_reformatted() {
        assert_eq!(
            reformatted(Primitive::Date, "2024-01-05"),
            Some(Change::Set(json!("2024-01-05T00:00:00+00:00")))
        );
        assert_eq!(
            reformatted(Primitive::Ipv4, "192.0.2.1"),
            Some(Change::Set(json!("192.0.2.1/32")))
        );
        assert_eq!(reformatted(Primitive::Ip, "2001:db8::1"), None);
        assert_eq!(reformatted(Primitive::String, "x"), None);
        assert_eq!(
            unknown_enum(&EnumValues::Integers(vec![1, 7]), &json!(1)),
            Some(Change::Set(json!(8)))
        );
    }
}
