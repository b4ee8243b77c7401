//! The names an earlier generation gave, which this one keeps: the plan's only input besides
//! the model. The manifest reads it from `manifest.json` and writes back what the plan decided.

use std::collections::BTreeMap;

/// Names fixed by a previous generation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lock {
    /// Method names by cargo feature, then by `METHOD /path` ([`super::operation_key`]).
    pub methods: BTreeMap<String, BTreeMap<String, String>>,
    /// Type names by model key, alias name, or `key#Create` / `key#Update` for request-body
    /// variants.
    pub types: BTreeMap<String, String>,
}

impl Lock {
    /// The locked method names of one API (by its cargo feature), if any.
    pub fn methods_of(&self, feature: &str) -> Option<&BTreeMap<String, String>> {
        self.methods.get(feature)
    }
}
