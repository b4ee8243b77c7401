//! Method names: what each operation is called on its API's accessor, keeping the lock's names.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Api, Operation};
use crate::naming::{method_name, method_name_with_params, snake, unique};

/// The key of an operation in a method-name lock: `GET /me/bill/{billId}`.
pub fn operation_key(op: &Operation) -> String {
    format!("{} {}", op.method.as_str(), op.path)
}

/// What an operation's method is called when the lock has no name for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MethodNaming {
    /// After its method and path ([`method_name`]): OVH's operations mostly have no
    /// `operationId`, and its users know them by path.
    #[default]
    Paths,
    /// After its `operationId` in snake case (`ListLinks` → `list_links`), as the provider's own
    /// SDKs name them (Scaleway's); by path when it has none.
    OperationIds,
}

/// Method names for every operation of an API, in operation order.
///
/// Names recorded in `lock` (the manifest of a previous generation) are kept, so a new endpoint
/// never renames an existing method. Other operations are named by `naming`; a name that
/// several operations (or a locked name) would share falls back to
/// [`method_name_with_params`], then to a numeric suffix.
pub fn method_names(
    api: &Api,
    lock: Option<&BTreeMap<String, String>>,
    naming: MethodNaming,
) -> Vec<String> {
    let locked: Vec<Option<&String>> = api
        .operations
        .iter()
        .map(|op| {
            lock.and_then(|l| l.get(&operation_key(op)))
                .filter(|n| is_method_ident(n))
        })
        .collect();
    let mut taken: BTreeSet<String> = locked.iter().flatten().map(|n| (*n).clone()).collect();
    let plain: Vec<String> = api
        .operations
        .iter()
        .map(|op| match (naming, &op.operation_id) {
            (MethodNaming::OperationIds, Some(id)) if !snake(id).is_empty() => snake(id),
            _ => method_name(op.method, &api.name, &op.path),
        })
        .collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, locked) in plain.iter().zip(&locked) {
        if locked.is_none() {
            *count.entry(name).or_default() += 1;
        }
    }
    api.operations
        .iter()
        .zip(plain.iter().zip(&locked))
        .map(|(op, (name, locked))| match locked {
            Some(locked) => (*locked).clone(),
            None if count[name.as_str()] > 1 || taken.contains(name) => unique(
                method_name_with_params(op.method, &api.name, &op.path),
                &mut taken,
            ),
            None => unique(name.clone(), &mut taken),
        })
        .collect()
}

/// A lock entry is only trusted if it is a plain method identifier.
fn is_method_ident(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name == snake(name)
}
