//! The schemas the command line checks calls against and types columns from: a snapshot
//! directory (`--schemas`), or the schemas the endpoint itself serves, fetched once per API and
//! kept in a cache directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use ovhcloud_schema::fetch::{read_listing, Fetcher, Policy};
use ovhcloud_schema::model::{self, Api, Ir, Operation, Param, ParamLocation};
use ovhcloud_schema::reader::{self, Branch, HttpMethod};
use ovhcloud_schema::router::{self, Router};
use serde_json::Value;

use crate::error::{CliError, Result};

/// A fetched schema is read again after this long.
const CACHE_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Every operation and model of the schemas read.
pub struct Catalog {
    pub ir: Ir,
    /// Every operation's path template → (index of its API, index of the operation).
    router: Router<(usize, usize)>,
}

/// A call's operation, and the path values the path gave.
#[derive(Debug)]
pub struct Target<'c> {
    pub api: &'c Api,
    pub op: &'c Operation,
    /// `(name, value)` of each path parameter, in path order, percent-decoded.
    pub path_values: Vec<(String, String)>,
}

/// A path as given (`/me/bill/FR1`, `/v2/iam/policy`, `/1.0/me`): its branch and the path
/// within it.
pub fn split_branch(path: &str) -> (Branch, &str) {
    let path = path.split('?').next().unwrap_or(path);
    match router::split_prefix(path) {
        Some((_, branch, rest)) if rest.starts_with('/') => (branch, rest),
        _ => (Branch::V1, path),
    }
}

pub fn parse_method(method: &str) -> Result<HttpMethod> {
    let name = method.to_ascii_uppercase();
    HttpMethod::from_name(&name).ok_or_else(|| {
        CliError::usage(format!(
            "unknown method `{name}`: GET, POST, PUT, DELETE or PATCH"
        ))
    })
}

impl Catalog {
    /// Reads a snapshot directory (`v1/*.json`, `v2/*.json`). Files that cannot be read are
    /// reported on stderr and left out; a directory with none is an error.
    pub fn load(dir: &Path) -> Result<Catalog> {
        let (schemas, errors) = reader::load_dir(dir);
        for error in &errors {
            eprintln!("warning: {error}");
        }
        if schemas.is_empty() {
            return Err(CliError::usage(format!(
                "no schema could be read from {}",
                dir.display()
            )));
        }
        let ir = model::build(schemas);
        let mut router = Router::new();
        for (a, api) in ir.apis.iter().enumerate() {
            for (o, op) in api.operations.iter().enumerate() {
                router.insert(api.branch, &op.path, |_| false, (a, o));
            }
        }
        Ok(Catalog { ir, router })
    }

    /// The operation `method path` calls: the template with the most literal segments among
    /// those the path fits. An unknown path or method is an error that says what exists.
    pub fn resolve(&self, method: HttpMethod, path: &str) -> Result<Target<'_>> {
        let (branch, path) = split_branch(path);
        let matches = self.matching(branch, path);
        let Some(best) = matches.first().map(|m| m.score) else {
            return Err(CliError::usage(format!(
                "unknown path {path}{}{}",
                match branch {
                    Branch::V1 => "",
                    Branch::V2 => " (v2)",
                },
                self.suggestion(branch, path)
            )));
        };
        let at_best: Vec<&Match> = matches.iter().filter(|m| m.score == best).collect();
        match at_best.iter().find(|m| m.op.method == method) {
            Some(m) => Ok(Target {
                api: m.api,
                op: m.op,
                path_values: m.values.clone(),
            }),
            None => {
                let methods: Vec<&str> = at_best.iter().map(|m| m.op.method.as_str()).collect();
                Err(CliError::usage(format!(
                    "{} {} is not an operation: {} takes {}",
                    method.as_str(),
                    at_best[0].op.path,
                    at_best[0].op.path,
                    methods.join(", ")
                )))
            }
        }
    }

    /// Every operation of the template `path` fits best, for `describe`.
    pub fn operations_at(&self, path: &str) -> Result<Vec<(&Api, &Operation)>> {
        let (branch, path) = split_branch(path);
        let matches = self.matching(branch, path);
        let Some(best) = matches.first().map(|m| m.score) else {
            return Err(CliError::usage(format!(
                "unknown path {path}{}",
                self.suggestion(branch, path)
            )));
        };
        Ok(matches
            .iter()
            .filter(|m| m.score == best)
            .map(|m| (m.api, m.op))
            .collect())
    }

    /// The operations whose template `path` fits, most literal segments first (a trailing
    /// `/` is left out).
    fn matching(&self, branch: Branch, path: &str) -> Vec<Match<'_>> {
        self.router
            .find(branch, path.trim_end_matches('/'))
            .into_iter()
            .map(|found| {
                let (a, o) = *found.value;
                let api = &self.ir.apis[a];
                Match {
                    api,
                    op: &api.operations[o],
                    score: found.literals(),
                    values: found.params,
                }
            })
            .collect()
    }

    /// `; did you mean …`: the templates whose first differing segment is closest to the
    /// path's (`/me/bil` → `/me/bill`).
    fn suggestion(&self, branch: Branch, path: &str) -> String {
        let given: Vec<&str> = path.split('/').collect();
        let distance = |template: &str| {
            let segments: Vec<&str> = template.split('/').collect();
            let same = segments
                .iter()
                .zip(&given)
                .take_while(|(t, g)| t == g || t.starts_with('{'))
                .count();
            let differing = (segments.get(same), given.get(same));
            let closeness = match differing {
                (Some(t), Some(g)) => strsim::levenshtein(t, g),
                _ => usize::MAX,
            };
            (std::cmp::Reverse(same), closeness)
        };
        let mut candidates: Vec<((std::cmp::Reverse<usize>, usize), &str)> = self
            .ir
            .apis
            .iter()
            .filter(|api| api.branch == branch)
            .flat_map(|api| api.operations.iter().map(|op| op.path.as_str()))
            .map(|t| (distance(t), t))
            .filter(|((_, closeness), _)| *closeness <= 3)
            .collect();
        candidates.sort();
        candidates.dedup_by(|a, b| a.1 == b.1);
        if candidates.is_empty() {
            return String::new();
        }
        let names: Vec<&str> = candidates.iter().take(5).map(|(_, t)| *t).collect();
        format!("; did you mean {}", names.join(", "))
    }
}

struct Match<'c> {
    api: &'c Api,
    op: &'c Operation,
    values: Vec<(String, String)>,
    score: usize,
}

/// The parameters of `op` at `location`.
pub fn params_at(op: &Operation, location: ParamLocation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(move |p| p.location == location)
}

/// Where fetched schemas are kept: `$XDG_CACHE_HOME/ovhcloud/schemas/<host>`, else
/// `~/.cache/ovhcloud/schemas/<host>`.
pub fn cache_dir(root_url: &str) -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let host: String = root_url
        .split("://")
        .last()
        .unwrap_or(root_url)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    base.join("ovhcloud").join("schemas").join(host)
}

/// The downloads of the command line: the schema crate's, with its retries, backoff,
/// per-request timeout (60 s) and complete-JSON checks.
pub fn fetcher() -> Result<Fetcher> {
    let user_agent = concat!("ovhcloud-cli/", env!("CARGO_PKG_VERSION"));
    Fetcher::new(Policy::default(), user_agent).map_err(CliError::Config)
}

/// Makes sure `cache` holds the schema of the API `path` belongs to, fetched from `root_url`
/// (`https://eu.api.ovh.com`) when missing or old: the listing (`/1.0/`, `/v2/`) names the
/// APIs, the longest one `path` starts with is fetched (`/1.0/dedicated/server.json`) and kept
/// where a snapshot keeps it (`v1/dedicated_server.json`).
pub async fn fetch_for(fetcher: &Fetcher, root_url: &str, cache: &Path, path: &str) -> Result<()> {
    let (branch, path) = split_branch(path);
    let base = branch_url(root_url, branch);
    let url = format!("{base}/");
    let bytes = get(fetcher, "the listing", &url).await?;
    let listing = read_listing(branch, &base, bytes)
        .map_err(|e| CliError::Config(format!("the listing {url} is not usable: {e}")))?;
    let api = listing.api_of(path).ok_or_else(|| {
        CliError::usage(format!("unknown path {path}: no API of {url} serves it"))
    })?;
    let file = cache.join(&api.file);
    let fresh = std::fs::metadata(&file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age < CACHE_LIFETIME);
    if fresh {
        return Ok(());
    }
    let body = get(fetcher, "the schema", &api.url).await?;
    reader::parse_schema(&file, &body)
        .map_err(|e| CliError::Config(format!("{}: {e}", api.url)))?;
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(CliError::output)?;
    }
    std::fs::write(&file, &body).map_err(CliError::output)?;
    Ok(())
}

/// `https://eu.api.ovh.com/1.0`, `…/v2`: where a branch of the endpoint at `root_url` lives.
pub fn branch_url(root_url: &str, branch: Branch) -> String {
    match branch {
        Branch::V1 => format!("{root_url}/1.0"),
        Branch::V2 => format!("{root_url}/v2"),
    }
}

/// The JSON document at `url`, read in full (retried as [`fetcher`] does).
pub async fn get_json(fetcher: &Fetcher, url: &str) -> Result<Value> {
    let bytes = get(fetcher, "", url).await?;
    serde_json::from_slice(&bytes).map_err(|e| CliError::Config(format!("cannot read {url}: {e}")))
}

/// The body at `url`; the error names `what` was read and why it failed.
async fn get(fetcher: &Fetcher, what: &str, url: &str) -> Result<Vec<u8>> {
    match fetcher.get(url).await {
        Ok(got) => Ok(got.bytes),
        Err((failure, attempts)) => {
            let what = if what.is_empty() {
                String::new()
            } else {
                format!("{what} ")
            };
            let after = if attempts > 1 {
                format!(" (after {attempts} attempts)")
            } else {
                String::new()
            };
            Err(CliError::Config(format!(
                "cannot read {what}{url}: {failure}{after}"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")).unwrap()
    }

    #[test]
    fn paths_find_their_operation() {
        let c = catalog();
        let t = c.resolve(HttpMethod::Get, "/me/bill/FR123").unwrap();
        assert_eq!(t.op.path, "/me/bill/{billId}");
        assert_eq!(t.path_values, [("billId".to_owned(), "FR123".to_owned())]);
        // A literal segment wins over a parameter.
        let t = c.resolve(HttpMethod::Get, "/me/bill").unwrap();
        assert_eq!(t.op.path, "/me/bill");
        let t = c.resolve(HttpMethod::Get, "/v2/iam/policy").unwrap();
        assert_eq!(
            (t.api.branch, t.op.path.as_str()),
            (Branch::V2, "/iam/policy")
        );
        let t = c.resolve(HttpMethod::Get, "/ip/1.2.3.0%2F24").unwrap();
        assert_eq!(t.path_values[0].1, "1.2.3.0/24");
    }

    #[test]
    fn unknown_paths_and_methods_say_what_exists() {
        let c = catalog();
        let e = c
            .resolve(HttpMethod::Get, "/me/bil")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("unknown path /me/bil; did you mean /me/"),
            "{e}"
        );
        let e = c
            .resolve(HttpMethod::Delete, "/me/bill/FR1")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "DELETE /me/bill/{billId} is not an operation: /me/bill/{billId} takes GET"
        );
    }
}
