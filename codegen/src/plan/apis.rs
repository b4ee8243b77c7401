//! What each API becomes: its module, accessor and cargo feature, one method per operation and
//! the field enums of its expanded listings.

use std::collections::BTreeMap;

use crate::model::{Api, Ir};
use crate::naming::{camel, snake};
use crate::reader::{Branch, HttpMethod};

use super::listings::{listings, FieldEnum};
use super::methods::method_names;
use super::operations::{checked, numbered_pages, waiter, OperationPlan};
use super::refs::Type;
use super::types::TypeTable;
use super::PlanOptions;

/// The module and accessor name of an API: `ovh_cloud_connect`, `v2_iam`.
pub fn api_module(api: &Api) -> String {
    let base = snake(&api.name.trim_start_matches('/').replace('/', "_"));
    match api.branch {
        Branch::V1 => base,
        Branch::V2 => format!("v2_{}", base.trim_start_matches('_')),
    }
}

#[derive(Clone, Debug)]
pub struct ApiPlan {
    /// `ovh_cloud_connect`: the file, module and accessor method.
    pub module: String,
    /// `OvhCloudConnect`: the accessor's type.
    pub accessor_type: String,
    /// `ovhCloudConnect`: the cargo feature enabling it.
    pub feature: String,
    /// One per operation, in operation order.
    pub operations: Vec<OperationPlan>,
    /// The `fields` module: one enum per item model of the expanded listings.
    pub field_enums: Vec<FieldEnum>,
}

impl ApiPlan {
    /// Plans `api`, keeping the method names `lock` (its part of the lock) records.
    pub fn new(
        api: &Api,
        ir: &Ir,
        types: &TypeTable,
        lock: Option<&BTreeMap<String, String>>,
        options: &PlanOptions,
    ) -> ApiPlan {
        let module = api_module(api);
        let (mut listings, field_enums) = listings(api, ir, types);
        let operations = api
            .operations
            .iter()
            .zip(method_names(api, lock, options.naming))
            .map(|(op, name)| {
                let listing = match op.method {
                    HttpMethod::Get => listings.remove(op.path.as_str()),
                    _ => None,
                };
                let mut plan =
                    OperationPlan::new(op, name, types, listing, &options.client_defaults);
                plan.numbered_pages = numbered_pages(op, ir, types);
                plan.waiter = waiter(op, ir, types, &plan.setters);
                plan.checked = checked(op, api, &plan, types, ir);
                plan
            })
            .collect();
        ApiPlan {
            accessor_type: camel(&module),
            module,
            feature: api.feature(),
            operations,
            field_enums,
        }
    }

    /// `METHOD /path` → method name, as the lock records them.
    pub fn method_lock(&self) -> BTreeMap<String, String> {
        self.operations
            .iter()
            .map(|op| (op.key.clone(), op.method.clone()))
            .collect()
    }

    /// Every type this API's methods print.
    pub fn types(&self) -> impl Iterator<Item = &Type> {
        self.operations.iter().flat_map(OperationPlan::types)
    }
}
