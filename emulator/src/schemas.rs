//! The loaded schemas: the files served as they are, the root listings, and the route table
//! that matches a request path to an operation.
//!
//! Matching is the schema crate's [`Router`] (shared with the command line): percent-decoded
//! segments, literal segments before parameters; a parameter whose type is an IP block may
//! take a value written with a raw `/` (`/ip/1.2.3.0/24/reverse`), as clients that do not
//! encode it send it. Of the templates the path fits, the most specific one with the
//! request's method answers.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use ovhcloud_schema::model::{self, Ir, Param, ParamLocation, TypeRef, WholeBody};
use ovhcloud_schema::reader::{self, Branch, SchemaError};
use ovhcloud_schema::router::{PathTemplate, Router};
use ovhcloud_schema::typeexpr::Primitive;
use serde::{Deserialize, Serialize};

use crate::shape::{primitive, Walker};

/// One operation the emulator answers.
#[derive(Debug)]
pub(crate) struct Route {
    pub branch: Branch,
    /// `GET`, `POST`, …
    pub method: String,
    /// The schema's template, e.g. `/me/bill/{billId}`.
    pub template: String,
    /// `GET /me/bill/{billId}` for v1, `GET /v2/iam/policy` for v2: the key of statistics.
    pub key: String,
    path: PathTemplate,
    pub authenticated: bool,
    pub response: TypeRef,
    /// Path, query, header and named body parameters, as the schema declares them.
    pub params: Vec<Param>,
    /// The whole-body type, when the body is one typed value.
    pub body: Option<WholeBody>,
}

/// A v1 collection (`GET /me/bill`, a list of scalar ids) and the operation answering one of
/// its items (`GET /me/bill/{billId}`, an object model): what an expanded listing
/// ([`crate::iceberg`]) needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Collection<'a> {
    pub item: &'a Route,
    /// The item's path parameter (`billId`).
    pub param: &'a str,
}

/// A collection the schema-driven state ([`crate::state`]) keeps: `GET P` lists it (v1: ids;
/// v2: objects) and `GET P/{param}` reads one of its items, an object model.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resource<'a> {
    /// `GET P`.
    pub list: &'a Route,
    /// `GET P/{param}`.
    pub item: &'a Route,
    /// The item's path parameter (`keyName` of `/me/sshKey/{keyName}`).
    pub param: &'a str,
}

/// What an operation does to a [`Resource`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResourceOp {
    /// `GET P`.
    List,
    /// `POST P`.
    Create,
    /// `GET`, `PUT` or `DELETE P/{param}`.
    Read,
    Update,
    Delete,
}

/// The outcome of matching a request.
#[derive(Debug)]
pub(crate) enum Match<'a> {
    Found {
        route: &'a Route,
        /// Path parameters, percent-decoded.
        params: HashMap<String, String>,
    },
    /// Some template matches the path, none with this method; the methods that exist.
    MethodNotAllowed(Vec<String>),
    NotFound,
}

/// Entry of a root listing, in the served member order.
#[derive(Debug, Serialize, Deserialize)]
struct ListingEntry {
    path: String,
    schema: String,
    format: Vec<String>,
    description: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Listing {
    apis: Vec<ListingEntry>,
    #[serde(rename = "basePath")]
    base_path: String,
}

/// The authentication operations the emulator implements itself; added to the route table
/// when the schemas do not declare them: (method, template, authenticated).
const BUILTIN_AUTH: [(&str, &str, bool); 4] = [
    ("GET", "/auth/time", false),
    ("POST", "/auth/credential", false),
    ("GET", "/auth/currentCredential", true),
    ("POST", "/auth/logout", true),
];

pub(crate) struct Catalog {
    pub ir: Ir,
    routes: Vec<Route>,
    /// Path templates → indices into `routes`.
    router: Router<usize>,
    /// (branch, resourcePath) → the file's bytes.
    files: HashMap<(Branch, String), Vec<u8>>,
    /// The `_index.json` listing of each branch, when the directory has one.
    listings: HashMap<Branch, Listing>,
    /// Collection route key → (index of its item route, the item's path parameter).
    collections: HashMap<String, (usize, String)>,
    /// (branch, collection template) → (index of `GET P`, index of `GET P/{param}`).
    resources: HashMap<(Branch, String), (usize, usize)>,
}

impl Catalog {
    /// Reads and resolves every schema of `dir`; any problem is an error naming the file and
    /// the JSON pointer.
    pub fn load(dir: &Path) -> Result<Catalog, Vec<SchemaError>> {
        let (schemas, mut errors) = reader::load_dir(dir);
        let ir = model::build(schemas);
        errors.extend(ir.errors.iter().cloned());
        let mut files = HashMap::new();
        for api in &ir.apis {
            match std::fs::read(&api.file) {
                Ok(bytes) => {
                    files.insert((api.branch, api.name.clone()), bytes);
                }
                Err(e) => errors.push(SchemaError {
                    file: api.file.clone(),
                    pointer: String::new(),
                    message: e.to_string(),
                }),
            }
        }
        let mut listings = HashMap::new();
        for branch in [Branch::V1, Branch::V2] {
            let file = dir.join(branch.dir_name()).join("_index.json");
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            match serde_json::from_slice::<Listing>(&bytes) {
                Ok(listing) => {
                    listings.insert(branch, listing);
                }
                Err(e) => errors.push(SchemaError {
                    file,
                    pointer: String::new(),
                    message: format!("not a root listing: {e}"),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut routes = Vec::new();
        for api in &ir.apis {
            for op in &api.operations {
                let mut route = Route::new(
                    api.branch,
                    op.method.as_str(),
                    &op.path,
                    op.authenticated,
                    op.response.clone(),
                );
                route.params = op.params.clone();
                route.body = op.body.clone();
                routes.push(route);
            }
        }
        for (method, template, authenticated) in BUILTIN_AUTH {
            let declared = routes
                .iter()
                .any(|r| r.branch == Branch::V1 && r.method == method && r.template == template);
            if !declared {
                let response = if template == "/auth/time" {
                    TypeRef::Primitive(Primitive::Long)
                } else {
                    TypeRef::Unit
                };
                routes.push(Route::new(
                    Branch::V1,
                    method,
                    template,
                    authenticated,
                    response,
                ));
            }
        }
        let mut router = Router::new();
        for (i, route) in routes.iter().enumerate() {
            router.insert(
                route.branch,
                &route.template,
                |name| route.takes_slash(name),
                i,
            );
        }
        let collections = find_collections(&ir, &routes);
        let resources = find_resources(&ir, &routes);
        Ok(Catalog {
            ir,
            routes,
            router,
            files,
            listings,
            collections,
            resources,
        })
    }

    /// The stateful collection `route` works on, and how (see [`Resource`]).
    pub fn resource(&self, route: &Route) -> Option<(Resource<'_>, ResourceOp)> {
        let found = |template: &str| {
            let (list, item) = self.resources.get(&(route.branch, template.to_owned()))?;
            let item = &self.routes[*item];
            Some(Resource {
                list: &self.routes[*list],
                item,
                param: item.item_param()?,
            })
        };
        let own = || found(&route.template);
        let parent = || {
            found(route.template.rsplit_once('/')?.0)
                .filter(|r| route.item_param() == Some(r.param))
        };
        match route.method.as_str() {
            "GET" => own()
                .map(|r| (r, ResourceOp::List))
                .or_else(|| parent().map(|r| (r, ResourceOp::Read))),
            "POST" => own().map(|r| (r, ResourceOp::Create)),
            "PUT" => parent().map(|r| (r, ResourceOp::Update)),
            "DELETE" => parent().map(|r| (r, ResourceOp::Delete)),
            _ => None,
        }
    }

    /// The item operation of `route` when `route` is a v1 collection (see [`Collection`]).
    pub fn collection(&self, route: &Route) -> Option<Collection<'_>> {
        let (item, param) = self.collections.get(&route.key)?;
        Some(Collection {
            item: &self.routes[*item],
            param,
        })
    }

    /// Matches `METHOD raw_path` (the path below the branch prefix, still percent-encoded, no
    /// query) against the route table of `branch`.
    pub fn find(&self, branch: Branch, method: &str, raw_path: &str) -> Match<'_> {
        let matching = self.router.find(branch, raw_path);
        if matching.is_empty() {
            return Match::NotFound;
        }
        let route = |found: &ovhcloud_schema::router::Found<'_, usize>| &self.routes[*found.value];
        match matching.iter().find(|f| route(f).method == method) {
            Some(found) => Match::Found {
                route: route(found),
                params: found.params.iter().cloned().collect(),
            },
            None => {
                let mut methods: Vec<String> =
                    matching.iter().map(|f| route(f).method.clone()).collect();
                methods.sort();
                methods.dedup();
                Match::MethodNotAllowed(methods)
            }
        }
    }

    /// The schema file of `api` (`/dedicated/server`), byte for byte.
    pub fn file(&self, branch: Branch, api: &str) -> Option<&[u8]> {
        self.files.get(&(branch, api.to_owned())).map(Vec::as_slice)
    }

    /// The root listing of `branch`, with `basePath` set to `base_path` (the emulator's URL
    /// and the branch alias that was requested): from `_index.json` when the directory has
    /// one, else built from the loaded schemas. Compact JSON ending with a newline, as served.
    pub fn listing(&self, branch: Branch, base_path: &str) -> Vec<u8> {
        let apis = match self.listings.get(&branch) {
            Some(listing) => listing
                .apis
                .iter()
                .map(|e| ListingEntry {
                    path: e.path.clone(),
                    schema: e.schema.clone(),
                    format: e.format.clone(),
                    description: e.description.clone(),
                })
                .collect(),
            None => {
                let names: BTreeMap<&str, ()> = self
                    .files
                    .keys()
                    .filter(|(b, _)| *b == branch)
                    .map(|(_, name)| (name.as_str(), ()))
                    .collect();
                names
                    .into_keys()
                    .map(|path| ListingEntry {
                        path: path.to_owned(),
                        schema: "{path}.{format}".to_owned(),
                        format: vec!["json".to_owned(), "yaml".to_owned()],
                        description: String::new(),
                    })
                    .collect()
            }
        };
        let listing = Listing {
            apis,
            base_path: base_path.to_owned(),
        };
        let mut bytes = serde_json::to_vec(&listing).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// Every v1 collection: a `GET P` answering a list of scalars, with a `GET P/{param}`
/// answering an object model. Keyed by the collection's route key.
fn find_collections(ir: &Ir, routes: &[Route]) -> HashMap<String, (usize, String)> {
    let walker = Walker { ir };
    let is_get_v1 = |r: &Route| r.branch == Branch::V1 && r.method == "GET";
    let lists: HashMap<&str, &Route> = routes
        .iter()
        .filter(|r| is_get_v1(r))
        .filter(|r| match r.response.unaliased() {
            TypeRef::Array(inner) => walker.is_scalar(inner),
            _ => false,
        })
        .map(|r| (r.template.as_str(), r))
        .collect();
    let mut collections = HashMap::new();
    for (index, item) in routes.iter().enumerate() {
        let Some(param) = item.item_param().filter(|_| is_get_v1(item)) else {
            continue;
        };
        let Some((parent, _)) = item.template.rsplit_once('/') else {
            continue;
        };
        if let Some(list) = lists.get(parent) {
            if walker.properties(&item.response).is_some() {
                collections.insert(list.key.clone(), (index, param.to_owned()));
            }
        }
    }
    collections
}

/// Every collection with an item operation, v1 and v2: a `GET P` answering a list (v1: of
/// scalar ids; v2: of anything), with a `GET P/{param}` answering an object model.
fn find_resources(ir: &Ir, routes: &[Route]) -> HashMap<(Branch, String), (usize, usize)> {
    let walker = Walker { ir };
    let lists: HashMap<(Branch, &str), usize> = routes
        .iter()
        .enumerate()
        .filter(|(_, r)| r.method == "GET")
        .filter(|(_, r)| match r.response.unaliased() {
            TypeRef::Array(inner) => r.branch == Branch::V2 || walker.is_scalar(inner),
            _ => false,
        })
        .map(|(i, r)| ((r.branch, r.template.as_str()), i))
        .collect();
    let mut resources = HashMap::new();
    for (index, item) in routes.iter().enumerate() {
        if item.method != "GET" || item.item_param().is_none() {
            continue;
        }
        let Some((parent, _)) = item.template.rsplit_once('/') else {
            continue;
        };
        if let Some(list) = lists.get(&(item.branch, parent)) {
            if walker.properties(&item.response).is_some() {
                resources.insert((item.branch, parent.to_owned()), (*list, index));
            }
        }
    }
    resources
}

impl Route {
    /// The last path parameter when the template ends with one (`billId` of
    /// `/me/bill/{billId}`).
    pub fn item_param(&self) -> Option<&str> {
        self.path.item_param()
    }

    fn new(
        branch: Branch,
        method: &str,
        template: &str,
        authenticated: bool,
        response: TypeRef,
    ) -> Route {
        let key = match branch {
            Branch::V1 => format!("{method} {template}"),
            Branch::V2 => format!("{method} /v2{template}"),
        };
        Route {
            branch,
            method: method.to_owned(),
            template: template.to_owned(),
            key,
            path: PathTemplate::parse(template),
            authenticated,
            response,
            params: Vec::new(),
            body: None,
        }
    }

    /// Whether the path parameter `name` may hold a `/`: an IP block.
    fn takes_slash(&self, name: &str) -> bool {
        self.params
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.name == name)
            .and_then(|p| primitive(&p.ty))
            .is_some_and(|p| {
                use ovhcloud_schema::typeexpr::Primitive::{IpBlock, Ipv4Block, Ipv6Block};
                matches!(p, IpBlock | Ipv4Block | Ipv6Block)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures/schemas");
        Catalog::load(&dir).expect("the sample schemas load")
    }

    #[test]
    fn percent_encoded_slash_is_one_segment() {
        let c = catalog();
        let Match::Found { route, params } = c.find(Branch::V1, "GET", "/ip/1.2.3.0%2F24/reverse")
        else {
            panic!("no match")
        };
        assert_eq!(route.template, "/ip/{ip}/reverse");
        assert_eq!(params["ip"], "1.2.3.0/24");
        let Match::Found { route, params } = c.find(Branch::V1, "GET", "/ip/1.2.3.0%2f24/reverse")
        else {
            panic!("no match")
        };
        assert_eq!(
            (route.template.as_str(), params["ip"].as_str()),
            ("/ip/{ip}/reverse", "1.2.3.0/24")
        );
        // A raw `/` inside an IP block, as clients that do not encode it send it.
        let Match::Found { route, params } = c.find(Branch::V1, "GET", "/ip/1.2.3.0/24/reverse")
        else {
            panic!("no match")
        };
        assert_eq!(route.template, "/ip/{ip}/reverse");
        assert_eq!(params["ip"], "1.2.3.0/24");
        assert!(matches!(
            c.find(Branch::V1, "GET", "/me/bill/a/b"),
            Match::NotFound
        ));
    }

    #[test]
    fn literal_segments_win_and_methods_are_checked() {
        let c = catalog();
        let Match::Found { route, .. } = c.find(Branch::V1, "POST", "/ip/service/x/changeContact")
        else {
            panic!()
        };
        assert_eq!(route.template, "/ip/service/{serviceName}/changeContact");
        match c.find(Branch::V1, "PATCH", "/me") {
            Match::MethodNotAllowed(methods) => assert_eq!(methods, ["GET", "PUT"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            c.find(Branch::V1, "GET", "/nope"),
            Match::NotFound
        ));
        assert!(matches!(c.find(Branch::V1, "GET", "/me/"), Match::NotFound));
        let Match::Found { route, .. } = c.find(Branch::V2, "GET", "/iam/policy") else {
            panic!()
        };
        assert_eq!(route.key, "GET /v2/iam/policy");
    }

    #[test]
    fn collections_pair_a_list_of_ids_with_its_item() {
        let c = catalog();
        let find = |path: &str| match c.find(Branch::V1, "GET", path) {
            Match::Found { route, .. } => route,
            other => panic!("{path}: {other:?}"),
        };
        let bills = c.collection(find("/me/bill")).unwrap();
        assert_eq!(bills.item.template, "/me/bill/{billId}");
        assert_eq!(bills.param, "billId");
        let pops = c.collection(find("/ovhCloudConnect/x/config/pop")).unwrap();
        assert_eq!(pops.param, "popId");
        // An object, not a list; a list without an item operation.
        assert!(c.collection(find("/me/bill/FR1")).is_none());
        assert!(c.collection(find("/newAccount/countries")).is_none());
        assert_eq!(find("/me/bill/FR1").item_param(), Some("billId"));
    }

    #[test]
    fn listing_rewrites_base_path_only() {
        let c = catalog();
        let text = String::from_utf8(c.listing(Branch::V1, "http://h/1.0")).unwrap();
        assert!(text.starts_with(r#"{"apis":[{"path":"/auth","schema":"{path}.{format}","format":["json","yaml"],"description":""}"#), "{text}");
        assert!(text.ends_with("\"basePath\":\"http://h/1.0\"}\n"), "{text}");
    }
}
