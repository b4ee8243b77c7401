//! Which standard traits each generated type derives. As typify's `type_entry.rs` does, the plan
//! decides from what a type holds, but only from what stays true when OVH adds to a schema:
//! losing a derive is a breaking change, and an addition must never be one.
//!
//! - Every struct and enum: `Clone`, `Debug`, `PartialEq`.
//! - Enums also `Eq`, `Hash`, `PartialOrd`, `Ord`: their values, the catch-all's included, are
//!   strings or integers whatever values OVH adds; integer enums are also `Copy`. String enums
//!   derive only `Clone` and `Debug`: `codec::string_enum!` implements the comparisons on the
//!   wire value, one line each instead of five expansions over every variant (about 2,000
//!   enums; measured 2.3 s of checking the whole API surface).
//! - Structs never `Eq` or `Hash`: a `double` field OVH adds later would take them away, and
//!   every struct keeps its undeclared members as JSON values, which are not `Hash`.
//! - Structs callers build (see [`StructPlan::constructible`]) derive `Default` when no field is
//!   mandatory; with one they get `new(mandatory fields)` instead.
//! - The field enums of expanded listings: `Copy`, `Eq`, `Hash` (unit variants only), no order.

use super::structs::{StructPlan, TypeShape};

/// A standard trait a generated type derives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Derive {
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
}

impl Derive {
    /// The trait's name, as written in `#[derive(…)]`.
    pub fn name(self) -> &'static str {
        match self {
            Derive::Clone => "Clone",
            Derive::Copy => "Copy",
            Derive::Debug => "Debug",
            Derive::PartialEq => "PartialEq",
            Derive::Eq => "Eq",
            Derive::Hash => "Hash",
            Derive::PartialOrd => "PartialOrd",
            Derive::Ord => "Ord",
            Derive::Default => "Default",
        }
    }
}

/// The derives of a type of this shape (none for an alias: it is not a type of its own).
pub fn of(shape: &TypeShape) -> Vec<Derive> {
    match shape {
        TypeShape::Struct(plan) => of_struct(plan),
        TypeShape::Enum(plan) => of_enum(plan.integers),
        TypeShape::Alias(_) | TypeShape::Missing => Vec::new(),
    }
}

fn of_struct(plan: &StructPlan) -> Vec<Derive> {
    let mut derives = vec![Derive::Clone, Derive::Debug, Derive::PartialEq];
    if plan.constructible && plan.fields.iter().all(|f| !f.required) {
        derives.push(Derive::Default);
    }
    derives
}

fn of_enum(integers: bool) -> Vec<Derive> {
    use Derive::*;
    if integers {
        vec![Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord]
    } else {
        vec![Clone, Debug]
    }
}

/// The derives of a listing's field enum.
pub fn of_field_enum() -> Vec<Derive> {
    use Derive::*;
    vec![Clone, Copy, Debug, PartialEq, Eq, Hash]
}
