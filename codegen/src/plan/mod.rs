//! Stage 3: every decision about the Rust that will be printed, taken once over the whole model
//! before anything is printed: type names and paths, fields, variants and derives
//! ([`TypeTable`], types known by [`TypeId`]),
//! method names (keeping the [`Lock`] of an earlier generation), module and feature names,
//! argument order and passing, request builders, request and response types, listings.
//! The emitter prints a `(model, plan)` pair and decides nothing; the manifest writes back the
//! names decided here.
//!
//! The stages only read backwards: reader → model → plan → emit. This module never refers to
//! `crate::emit` or `crate::manifest` (`tests/layering.rs` checks it).

mod apis;
mod derives;
mod listings;
mod lock;
mod methods;
mod operations;
mod structs;
mod types;

use std::collections::BTreeSet;

pub use apis::{api_module, ApiPlan};
pub use derives::Derive;
pub use listings::{collection_id_keys, FieldEnum, Listing};
pub use lock::Lock;
pub use methods::{method_names, operation_key};
pub use operations::{
    is_string, parameters, passing, BodyPlan, OperationPlan, ParamPlan, Passing, Verb,
};
pub use structs::{EnumPlan, FieldPlan, StructPlan, TypeShape};
pub use types::{ItemPath, Type, TypeEntry, TypeId, TypeItem, TypeTable};

use crate::model::Ir;

/// The plan of a whole model: every API's (selected or not, so the lock covers them all) and
/// every type's.
#[derive(Debug)]
pub struct Plan {
    pub types: TypeTable,
    /// One per API of the model, at the same index as in [`Ir::apis`].
    pub apis: Vec<ApiPlan>,
}

impl Plan {
    /// Plans `ir`, keeping the names `lock` fixes.
    pub fn new(ir: &Ir, lock: &Lock) -> Plan {
        let types = TypeTable::new(ir, &lock.types);
        let apis = ir
            .apis
            .iter()
            .map(|api| ApiPlan::new(api, ir, &types, lock.methods_of(&api.feature())))
            .collect();
        Plan { types, apis }
    }

    /// The types the APIs at `selected` need (their models, request-body variants and aliases),
    /// each once.
    pub fn types_of(&self, ir: &Ir, selected: &[usize]) -> BTreeSet<TypeId> {
        let apis = || selected.iter().map(|&i| &ir.apis[i]);
        let models = apis()
            .flat_map(|a| &a.models)
            .filter_map(|k| self.types.model(k));
        let shapes = apis()
            .flat_map(|a| &a.body_shapes)
            .filter_map(|(k, shape)| self.types.body_shape(k, *shape));
        let aliases = apis()
            .flat_map(|a| &a.aliases)
            .filter_map(|n| self.types.alias(n));
        models.chain(shapes).chain(aliases).collect()
    }

    /// The first model key or alias name the APIs at `selected` and their types print that the
    /// plan could not resolve (the model stage prunes them; see [`Type::Unresolved`]).
    pub fn unresolved(&self, ir: &Ir, selected: &[usize]) -> Option<&str> {
        let methods = selected.iter().flat_map(|&i| self.apis[i].types());
        let held = self
            .types_of(ir, selected)
            .into_iter()
            .flat_map(|id| self.types.entry(id).shape.types());
        methods.chain(held).find_map(Type::unresolved)
    }
}
