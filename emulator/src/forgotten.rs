//! Objects deleted behind the client's back: [`Emulator::forget`](crate::Emulator::forget),
//! [`Emulator::remove`](crate::Emulator::remove) and `DELETE /_emulator/objects?path=…`.
//!
//! A forgotten path (`/me/bill/FR41230001`) answers `404 Client::NotFound` with OVH's wording
//! (`The requested object (billId = FR41230001) does not exist`), for every method, and so does
//! everything under it (`/me/bill/FR41230001/details/…`). Expanded listings leave it out, as
//! they leave out any item whose object cannot be read. Plain lists of ids either keep naming
//! it (`listed`: the list was taken before the object went away, as a cache would keep it;
//! the default of `forget`) or drop it (`remove`: the object is gone everywhere).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use ovhcloud_schema::reader::Branch;
use percent_encoding::percent_decode_str;
use serde::Serialize;

use crate::flows::{object_not_found, ApiError};
use crate::sync::lock;

/// A forgotten object, as [`Emulator::forgotten`](crate::Emulator::forgotten) lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForgottenObject {
    /// The path as OVH shows it: `/me/bill/FR41230001` (v1), `/v2/iam/policy/…` (v2).
    pub path: String,
    /// Whether lists of ids still name it.
    pub listed: bool,
}

#[derive(Clone, Debug)]
struct Entry {
    branch: Branch,
    /// Percent-decoded segments, without the branch prefix.
    segments: Vec<String>,
    object: ForgottenObject,
}

/// The forgotten objects of an emulator.
#[derive(Debug, Default)]
pub(crate) struct Forgotten {
    entries: Mutex<Vec<Entry>>,
    /// Whether there are entries: the common case (none) takes no lock.
    any: AtomicBool,
}

/// A path as the admin API or the methods take it: `/me/bill/FR1`, `/1.0/me/bill/FR1`,
/// `/v1/…`, `/v2/iam/policy/…`, optionally a whole URL; any query is ignored.
fn parse(path: &str) -> Option<(Branch, Vec<String>)> {
    let mut path = path.trim();
    if let Some(rest) = path
        .strip_prefix("http://")
        .or_else(|| path.strip_prefix("https://"))
    {
        path = rest.find('/').map_or("", |i| &rest[i..]);
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let branch = match segments.first().copied() {
        Some("1.0") | Some("v1") => {
            segments.remove(0);
            Branch::V1
        }
        Some("v2") => {
            segments.remove(0);
            Branch::V2
        }
        _ => Branch::V1,
    };
    let segments: Vec<String> = segments
        .into_iter()
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    (!segments.is_empty()).then_some((branch, segments))
}

fn display(branch: Branch, segments: &[String]) -> String {
    let prefix = match branch {
        Branch::V1 => "",
        Branch::V2 => "/v2",
    };
    format!("{prefix}/{}", segments.join("/"))
}

/// The concrete segments of an operation's path: its template with the parameters put in.
pub(crate) fn concrete(
    template: &str,
    params: &std::collections::HashMap<String, String>,
) -> Vec<String> {
    template
        .split('/')
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => params.get(name).cloned().unwrap_or_default(),
                None => s.to_owned(),
            },
        )
        .collect()
}

impl Forgotten {
    /// Forgets `path`; `None` when it names nothing (empty, or only a branch prefix).
    pub fn add(&self, path: &str, listed: bool) -> Option<ForgottenObject> {
        let (branch, segments) = parse(path)?;
        let object = ForgottenObject {
            path: display(branch, &segments),
            listed,
        };
        let mut entries = lock(&self.entries);
        entries.retain(|e| !(e.branch == branch && e.segments == segments));
        entries.push(Entry {
            branch,
            segments,
            object: object.clone(),
        });
        self.any.store(true, Ordering::Relaxed);
        Some(object)
    }

    /// Brings `path` back; whether it was forgotten.
    pub fn restore(&self, path: &str) -> bool {
        let Some((branch, segments)) = parse(path) else {
            return false;
        };
        let mut entries = lock(&self.entries);
        let before = entries.len();
        entries.retain(|e| !(e.branch == branch && e.segments == segments));
        self.any.store(!entries.is_empty(), Ordering::Relaxed);
        entries.len() < before
    }

    /// Brings every object back; how many there were.
    pub fn clear(&self) -> usize {
        let mut entries = lock(&self.entries);
        let n = entries.len();
        entries.clear();
        self.any.store(false, Ordering::Relaxed);
        n
    }

    pub fn list(&self) -> Vec<ForgottenObject> {
        lock(&self.entries)
            .iter()
            .map(|e| e.object.clone())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        !self.any.load(Ordering::Relaxed)
    }

    /// The 404 of an operation on a forgotten object (or under one): `template` and
    /// `concrete` are the operation's path template and its concrete segments.
    pub fn hiding(&self, branch: Branch, template: &str, concrete: &[String]) -> Option<ApiError> {
        if self.is_empty() {
            return None;
        }
        let entries = lock(&self.entries);
        let entry = entries.iter().find(|e| {
            e.branch == branch
                && e.segments.len() <= concrete.len()
                && e.segments[..] == concrete[..e.segments.len()]
        })?;
        let at = entry.segments.len() - 1;
        let last = &entry.segments[at];
        let name = template
            .split('/')
            .filter(|s| !s.is_empty())
            .nth(at)
            .and_then(|s| s.strip_prefix('{')?.strip_suffix('}'));
        Some(match name {
            Some(name) => object_not_found(name, last),
            None => ApiError::not_found(format!(
                "The requested object ({}) does not exist",
                entry.object.path
            )),
        })
    }

    /// The ids to drop from the list of ids answered at `concrete`: the last segments of the
    /// objects forgotten with `listed: false` right under it.
    pub fn unlisted_under(&self, branch: Branch, concrete: &[String]) -> HashSet<String> {
        if self.is_empty() {
            return HashSet::new();
        }
        lock(&self.entries)
            .iter()
            .filter(|e| {
                !e.object.listed
                    && e.branch == branch
                    && e.segments.len() == concrete.len() + 1
                    && e.segments[..concrete.len()] == concrete[..]
            })
            .filter_map(|e| e.segments.last().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn segs(path: &str) -> Vec<String> {
        parse(path).unwrap().1
    }

    #[test]
    fn paths_are_read_in_every_form() {
        assert_eq!(segs("/me/bill/FR1"), ["me", "bill", "FR1"]);
        assert_eq!(segs("/1.0/me/bill/FR1/"), ["me", "bill", "FR1"]);
        assert_eq!(
            segs("http://127.0.0.1:1/v1/me/bill/FR1?x=1"),
            ["me", "bill", "FR1"]
        );
        assert_eq!(
            segs("/allDom/a/domain/b%2Ec"),
            ["allDom", "a", "domain", "b.c"]
        );
        assert_eq!(parse("/v2/iam/policy/p").unwrap().0, Branch::V2);
        assert!(parse("/").is_none() && parse("/1.0").is_none() && parse("").is_none());
        let params = HashMap::from([("billId".to_owned(), "FR1".to_owned())]);
        assert_eq!(
            concrete("/me/bill/{billId}/details", &params),
            ["me", "bill", "FR1", "details"]
        );
    }

    #[test]
    fn forgotten_objects_and_what_is_under_them_are_404() {
        let f = Forgotten::default();
        let template = "/me/bill/{billId}/details/{billDetailId}";
        let under = segs("/me/bill/FR1/details/FR1-1");
        assert!(f.hiding(Branch::V1, template, &under).is_none());
        f.add("/me/bill/FR1", true).unwrap();
        let e = f.hiding(Branch::V1, template, &under).unwrap();
        assert_eq!(
            e.message,
            "The requested object (billId = FR1) does not exist"
        );
        assert!(f.hiding(Branch::V2, template, &under).is_none());
        assert!(f
            .hiding(Branch::V1, "/me/bill", &segs("/me/bill"))
            .is_none());
        // Listed: lists keep it.
        assert!(f.unlisted_under(Branch::V1, &segs("/me/bill")).is_empty());
        f.add("/1.0/me/bill/FR1", false).unwrap();
        assert_eq!(f.list().len(), 1, "the same path replaces its entry");
        assert_eq!(
            f.unlisted_under(Branch::V1, &segs("/me/bill")),
            HashSet::from(["FR1".to_owned()])
        );
        assert!(f.restore("/me/bill/FR1"));
        assert!(f.is_empty());
        f.add("/me/bill", true).unwrap();
        let e = f.hiding(Branch::V1, "/me/bill", &segs("/me/bill")).unwrap();
        assert_eq!(e.message, "The requested object (/me/bill) does not exist");
        assert_eq!(f.clear(), 1);
    }
}
