//! What each model's struct (or request-body variant) holds: its fields, which are mandatory,
//! which are boxed.

use std::collections::BTreeSet;

use crate::model::{Ir, Model, ModelKind};

/// Whether `from` contains `to` by value (not through a list or map): such a field needs a Box.
pub fn reaches_directly(ir: &Ir, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(key) = stack.pop() {
        if key == to {
            return true;
        }
        if !seen.insert(key) {
            continue;
        }
        if let Some(Model {
            kind: ModelKind::Object { properties, .. },
            ..
        }) = ir.models.get(key)
        {
            stack.extend(properties.iter().filter_map(|p| p.ty.direct_model()));
        }
    }
    false
}
