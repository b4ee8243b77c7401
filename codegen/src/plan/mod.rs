//! Stage 3: every decision about the Rust that will be printed, taken once over the whole model
//! before anything is printed: type names and paths, fields, variants and derives
//! ([`TypeTable`], types known by [`TypeId`]), method names (keeping the [`Lock`] of an earlier
//! generation), module and feature names, argument order and passing, request builders,
//! request and response types, listings.
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
mod refs;
mod structs;
mod types;

use std::collections::BTreeSet;

pub use apis::{api_module, ApiPlan};
pub use derives::Derive;
pub use listings::{collection_id_keys, FieldEnum, Listing};
pub use lock::Lock;
pub use methods::{method_names, operation_key, MethodNaming};
pub use operations::{
    is_string, parameters, passing, BodyPlan, CheckedPlan, ClientDefaults, NumberedPages,
    OperationPlan, ParamPlan, Passing, Verb, WaitKind, WaiterPlan,
};
pub use refs::{ItemPath, Type, TypeId, TypeItem};
pub use structs::{EnumPlan, FieldPlan, StructPlan, TypeShape};
pub use types::{TypeEntry, TypeTable};

use crate::model::Ir;

/// A provider's conventions; the defaults are OVH's.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// How methods the lock does not name are named.
    pub naming: MethodNaming,
    /// What the client fills in when the caller does not.
    pub client_defaults: ClientDefaults,
}

impl PlanOptions {
    /// Scaleway's SDKs: methods named after `operationId`s; the region, the zone and the
    /// project come from the client's configuration unless a call sets them.
    pub fn scaleway() -> PlanOptions {
        PlanOptions {
            naming: MethodNaming::OperationIds,
            client_defaults: ClientDefaults(
                ["region", "zone", "project_id"].map(str::to_owned).to_vec(),
            ),
        }
    }
}

/// The plan of a whole model: every API's (selected or not, so the lock covers them all) and
/// every type's.
#[derive(Debug)]
pub struct Plan {
    pub types: TypeTable,
    /// One per API of the model, at the same index as in [`Ir::apis`].
    pub apis: Vec<ApiPlan>,
}

impl Plan {
    /// Plans `ir` as OVH's client is planned, keeping the names `lock` fixes.
    pub fn new(ir: &Ir, lock: &Lock) -> Plan {
        Plan::with_options(ir, lock, &PlanOptions::default())
    }

    /// Plans `ir`, keeping the names `lock` fixes, with a provider's conventions.
    pub fn with_options(ir: &Ir, lock: &Lock, options: &PlanOptions) -> Plan {
        let types = TypeTable::new(ir, &lock.types);
        let apis = ir
            .apis
            .iter()
            .map(|api| ApiPlan::new(api, ir, &types, lock.methods_of(&api.feature()), options))
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::model::{build, TypeRef};
    use crate::reader::{parse_schema, Branch, LoadedSchema};

    const DOC: &str = r#"{"resourcePath":"/a","apis":[
        {"path":"/a/{id}","operations":[{"apiStatus":{"value":"PRODUCTION"},"httpMethod":"GET",
          "parameters":[
            {"name":"id","dataType":"string","paramType":"path","fullType":"string","required":true},
            {"name":"x","dataType":"long","paramType":"query","fullType":"long","required":false}],
          "responseType":"a.Thing"}]},
        {"path":"/a","operations":[{"apiStatus":{"value":"PRODUCTION"},"httpMethod":"POST",
          "parameters":[{"dataType":"a.In","paramType":"body","fullType":"a.In","required":true}],
          "responseType":"void"}]}],
        "models":{
          "a.Thing":{"id":"Thing","namespace":"a","properties":{
            "n":{"type":"double","canBeNull":false},"kind":{"type":"a.Kind","canBeNull":true}}},
          "a.In":{"id":"In","namespace":"a","properties":{
            "opt":{"type":"string","canBeNull":true,"required":false}}},
          "a.Kind":{"id":"Kind","namespace":"a","enum":["x"],"enumType":"string"}}}"#;

    fn ir() -> Ir {
        let doc = parse_schema(Path::new("a.json"), DOC.as_bytes()).unwrap();
        build(vec![LoadedSchema {
            branch: Branch::V1,
            file: PathBuf::from("a.json"),
            sha256: String::new(),
            size: 0,
            doc,
        }])
    }

    fn entry<'a>(plan: &'a Plan, key: &str) -> &'a TypeEntry {
        plan.types.entry(plan.types.model(key).expect("planned"))
    }

    #[test]
    fn operations_are_planned_before_printing() {
        let ir = ir();
        let plan = Plan::new(&ir, &Lock::default());
        let [get, post] = &plan.apis[0].operations[..] else {
            panic!("two operations")
        };
        assert_eq!(
            (get.method.as_str(), get.request.as_str()),
            ("get_by_id", "GetById")
        );
        assert_eq!(get.verb, Verb::Get);
        assert_eq!(get.arguments[0].name, "id");
        assert_eq!(get.arguments[0].passing, Passing::Str);
        assert_eq!(get.setters[0].name, "x");
        assert_eq!(get.setters[0].passing, Passing::ByValue);
        let thing = plan.types.model("a.Thing").unwrap();
        assert_eq!(
            get.response,
            Type::Named {
                id: thing,
                args: vec![]
            }
        );
        assert!(post.retry_opt_in && post.verb == Verb::Post);
        let body = post.body.as_ref().expect("a body argument");
        let input = plan.types.model("a.In").unwrap();
        assert_eq!(
            (body.name.as_str(), &body.ty),
            (
                "body",
                &Type::Named {
                    id: input,
                    args: vec![]
                }
            )
        );
    }

    #[test]
    fn derives_follow_what_types_hold() {
        let ir = ir();
        let plan = Plan::new(&ir, &Lock::default());
        // Built by callers, nothing mandatory: Default.
        assert!(entry(&plan, "a.In").derives.contains(&Derive::Default));
        // Only read from responses: no Default, and never Eq for a struct.
        let thing = &entry(&plan, "a.Thing").derives;
        assert_eq!(thing, &[Derive::Clone, Derive::Debug, Derive::PartialEq]);
        // A string enum derives only these: the codec's macro compares wire values.
        assert_eq!(
            entry(&plan, "a.Kind").derives,
            [Derive::Clone, Derive::Debug]
        );
        let TypeShape::Struct(thing) = &entry(&plan, "a.Thing").shape else {
            panic!("a struct")
        };
        let field = |name: &str| thing.fields.iter().find(|f| f.name == name).unwrap();
        let kind = plan.types.model("a.Kind").unwrap();
        assert_eq!(
            field("kind").ty,
            Type::Named {
                id: kind,
                args: vec![]
            }
        );
        assert!(field("n").required && !field("kind").required);
    }

    #[test]
    fn the_lock_keeps_names() {
        let ir = ir();
        let feature = ir.apis[0].feature();
        let lock = Lock {
            methods: [(
                feature,
                [("GET /a/{id}".to_owned(), "fetch".to_owned())].into(),
            )]
            .into(),
            types: [("a.Thing".to_owned(), "Renamed".to_owned())].into(),
        };
        let plan = Plan::new(&ir, &lock);
        assert_eq!(plan.apis[0].operations[0].method, "fetch");
        assert_eq!(entry(&plan, "a.Thing").path.name, "Renamed");
        assert_eq!(plan.types.lock_names()["a.Thing"], "Renamed");
        assert_eq!(plan.apis[0].method_lock()["GET /a/{id}"], "fetch");
    }

    /// A reference the model stage failed to prune is found once, by the plan, not by a lookup
    /// that panics while printing.
    #[test]
    fn an_unknown_reference_is_found_by_the_plan() {
        let mut ir = ir();
        ir.apis[0].operations[0].response = TypeRef::Model {
            key: "a.Gone".to_owned(),
            args: vec![],
        };
        let plan = Plan::new(&ir, &Lock::default());
        assert_eq!(
            plan.apis[0].operations[0].response,
            Type::Unresolved("a.Gone".to_owned())
        );
        assert_eq!(plan.unresolved(&ir, &[0]), Some("a.Gone"));
    }
}
