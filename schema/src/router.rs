//! Matching a concrete path (`/me/bill/FR123`) to its schema template (`/me/bill/{billId}`):
//! the one route table of the command line (which operation a call names) and of the emulator
//! (which operation answers a request).
//!
//! A path is split on its raw `/` and each segment is percent-decoded (`%2F` and `%2f` alike),
//! so `1.2.3.0%2F24` is one segment (one `{ip}`). Literal segments must match exactly; a
//! parameter needs a value (`/me/bill/` has no `{billId}`). When several templates match, the
//! one with more literal segments comes first, then the one whose literals come earlier
//! (`/ip/service/{x}` before `/ip/{ip}/reverse` and `/ip/{ip}/{y}`). When no template matches,
//! a parameter declared as taking a raw `/` (an IP block, see [`Router::insert`]) may take a
//! value written with one (`/ip/1.2.3.0/24/reverse`), as clients that do not encode it send
//! it.

use std::collections::HashMap;

use percent_encoding::percent_decode_str;

use crate::reader::Branch;

/// The prefixes a path of each branch is served under, as clients write them.
pub const BRANCH_PREFIXES: [(&str, Branch); 3] = [
    ("/1.0", Branch::V1),
    ("/v1", Branch::V1),
    ("/v2", Branch::V2),
];

/// A path with a branch prefix (`/1.0/me`, `/v1/me`, `/v2/iam/policy`): the prefix as
/// written, the branch and the rest, empty or starting with `/` (`/v2/` → `/`, `/v2` → ``).
/// `None` without one of [`BRANCH_PREFIXES`] (`/me`, `/v2iam`).
pub fn split_prefix(path: &str) -> Option<(&'static str, Branch, &str)> {
    BRANCH_PREFIXES.iter().find_map(|&(prefix, branch)| {
        let rest = path.strip_prefix(prefix)?;
        (rest.is_empty() || rest.starts_with('/')).then_some((prefix, branch, rest))
    })
}

/// One segment of a path template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    /// `{name}`.
    Param(String),
}

/// A schema's path template (`/me/bill/{billId}`), split into segments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathTemplate {
    segments: Vec<Segment>,
}

impl PathTemplate {
    /// Reads `template`; `{name}` is a parameter, anything else (`{a}{b}`, `x{y}`) a literal.
    pub fn parse(template: &str) -> PathTemplate {
        let segments = template
            .strip_prefix('/')
            .unwrap_or(template)
            .split('/')
            .map(
                |s| match s.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
                    Some(name) if !name.contains(['{', '}']) => Segment::Param(name.to_owned()),
                    _ => Segment::Literal(s.to_owned()),
                },
            )
            .collect();
        PathTemplate { segments }
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The last segment's parameter when the template ends with one (`billId` of
    /// `/me/bill/{billId}`).
    pub fn item_param(&self) -> Option<&str> {
        match self.segments.last()? {
            Segment::Param(name) => Some(name),
            Segment::Literal(_) => None,
        }
    }

    /// Whether decoded `segments` fit, one for one.
    fn fits(&self, segments: &[String]) -> bool {
        self.segments.len() == segments.len()
            && self
                .segments
                .iter()
                .zip(segments)
                .all(|(template, given)| match template {
                    Segment::Literal(l) => l == given,
                    Segment::Param(_) => !given.is_empty(),
                })
    }

    /// `(name, value)` of each parameter, in path order.
    fn values(&self, segments: &[String]) -> Vec<(String, String)> {
        self.segments
            .iter()
            .zip(segments)
            .filter_map(|(template, given)| match template {
                Segment::Param(name) => Some((name.clone(), given.clone())),
                Segment::Literal(_) => None,
            })
            .collect()
    }

    /// Which segments are literal, left to right: the order of specificity.
    fn literal_rank(&self) -> Vec<bool> {
        self.segments
            .iter()
            .map(|s| matches!(s, Segment::Literal(_)))
            .collect()
    }
}

struct Entry<T> {
    template: PathTemplate,
    /// Per segment: a parameter that may hold a raw `/`.
    slashed: Vec<bool>,
    value: T,
}

/// Path templates of both branches, each with its value (an operation, a route).
pub struct Router<T> {
    entries: Vec<Entry<T>>,
    /// (branch, number of segments) → indices into `entries`.
    by_shape: HashMap<(Branch, usize), Vec<usize>>,
    /// Entries of each branch with a parameter that may hold a raw `/`.
    slashed: HashMap<Branch, Vec<usize>>,
}

/// A template a path fits.
#[derive(Debug)]
pub struct Found<'r, T> {
    pub value: &'r T,
    pub template: &'r PathTemplate,
    /// `(name, value)` of each path parameter, in path order, percent-decoded.
    pub params: Vec<(String, String)>,
}

impl<T> Found<'_, T> {
    /// How many literal segments the template has: templates with more are more specific.
    pub fn literals(&self) -> usize {
        self.template.literal_rank().iter().filter(|l| **l).count()
    }
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router {
            entries: Vec::new(),
            by_shape: HashMap::new(),
            slashed: HashMap::new(),
        }
    }
}

impl<T> Router<T> {
    pub fn new() -> Router<T> {
        Router::default()
    }

    /// Adds `template` of `branch` with its value; `takes_slash(name)` says whether the path
    /// parameter `name` may be written with a raw `/` (an IP block).
    pub fn insert(
        &mut self,
        branch: Branch,
        template: &str,
        takes_slash: impl Fn(&str) -> bool,
        value: T,
    ) {
        let template = PathTemplate::parse(template);
        let slashed: Vec<bool> = template
            .segments
            .iter()
            .map(|s| matches!(s, Segment::Param(name) if takes_slash(name)))
            .collect();
        let index = self.entries.len();
        self.by_shape
            .entry((branch, template.segments.len()))
            .or_default()
            .push(index);
        if slashed.contains(&true) {
            self.slashed.entry(branch).or_default().push(index);
        }
        self.entries.push(Entry {
            template,
            slashed,
            value,
        });
    }

    /// Every template of `branch` that `raw_path` (below the branch prefix, still
    /// percent-encoded, no query) fits, most specific first; templates equally specific stay
    /// in the order they were added.
    pub fn find(&self, branch: Branch, raw_path: &str) -> Vec<Found<'_, T>> {
        let Some(rest) = raw_path.strip_prefix('/') else {
            return Vec::new();
        };
        let segments: Vec<String> = rest
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let exact = self.by_shape.get(&(branch, segments.len()));
        let mut found: Vec<Found<'_, T>> = exact
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i])
            .filter(|e| e.template.fits(&segments))
            .map(|e| e.found(&segments))
            .collect();
        if found.is_empty() {
            found = self.slashed_matches(branch, &segments);
        }
        found.sort_by(|a, b| {
            let (a, b) = (a.template.literal_rank(), b.template.literal_rank());
            let count = |rank: &[bool]| rank.iter().filter(|l| **l).count();
            count(&b).cmp(&count(&a)).then_with(|| b.cmp(&a))
        });
        found
    }

    /// The entries that `segments` fit once the segments of one parameter taking a `/` are
    /// joined back with it (`…/1.2.3.0/24/…` → `1.2.3.0/24`).
    fn slashed_matches(&self, branch: Branch, segments: &[String]) -> Vec<Found<'_, T>> {
        let entries = self.slashed.get(&branch).into_iter().flatten();
        let mut found = Vec::new();
        for entry in entries.map(|&i| &self.entries[i]) {
            let Some(extra) = segments.len().checked_sub(entry.slashed.len()) else {
                continue;
            };
            if extra == 0 {
                continue;
            }
            for (at, _) in entry.slashed.iter().enumerate().filter(|(_, s)| **s) {
                let mut joined = segments[..at].to_vec();
                joined.push(segments[at..=at + extra].join("/"));
                joined.extend_from_slice(&segments[at + extra + 1..]);
                if entry.template.fits(&joined) {
                    found.push(entry.found(&joined));
                    break;
                }
            }
        }
        found
    }
}

impl<T> Entry<T> {
    fn found(&self, segments: &[String]) -> Found<'_, T> {
        Found {
            value: &self.value,
            template: &self.template,
            params: self.template.values(segments),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router<&'static str> {
        let mut r = Router::new();
        let ip = |name: &str| name == "ip";
        let none = |_: &str| false;
        for (branch, template) in [
            (Branch::V1, "/me"),
            (Branch::V1, "/me/bill"),
            (Branch::V1, "/me/bill/{billId}"),
            (Branch::V1, "/ip/{ip}"),
            (Branch::V1, "/ip/{ip}/reverse"),
            (Branch::V1, "/ip/{ip}/{other}"),
            (Branch::V1, "/ip/service/{serviceName}"),
            (Branch::V1, "/ip/{ip}/service"),
            (Branch::V2, "/iam/policy"),
        ] {
            r.insert(
                branch,
                template,
                if template.starts_with("/ip") {
                    ip
                } else {
                    none
                },
                template,
            );
        }
        r
    }

    fn best(
        r: &Router<&'static str>,
        branch: Branch,
        path: &str,
    ) -> Option<(&'static str, Vec<(String, String)>)> {
        r.find(branch, path)
            .into_iter()
            .next()
            .map(|f| (*f.value, f.params))
    }

    fn values(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let r = router();
        assert_eq!(best(&r, Branch::V1, "/me/bill"), Some(("/me/bill", vec![])));
        assert_eq!(
            best(&r, Branch::V1, "/me/bill/FR123"),
            Some(("/me/bill/{billId}", values(&[("billId", "FR123")])))
        );
        let all: Vec<&str> = r
            .find(Branch::V1, "/ip/1.2.3.4/reverse")
            .iter()
            .map(|f| *f.value)
            .collect();
        assert_eq!(all, ["/ip/{ip}/reverse", "/ip/{ip}/{other}"]);
        // As many literals: the one whose literals come first.
        let all: Vec<&str> = r
            .find(Branch::V1, "/ip/service/service")
            .iter()
            .map(|f| *f.value)
            .collect();
        assert_eq!(
            all,
            [
                "/ip/service/{serviceName}",
                "/ip/{ip}/service",
                "/ip/{ip}/{other}"
            ]
        );
        assert_eq!(r.find(Branch::V1, "/ip/service/x")[0].literals(), 2);
    }

    #[test]
    fn segments_are_percent_decoded_after_splitting() {
        let r = router();
        for path in ["/ip/1.2.3.0%2F24/reverse", "/ip/1.2.3.0%2f24/reverse"] {
            assert_eq!(
                best(&r, Branch::V1, path),
                Some(("/ip/{ip}/reverse", values(&[("ip", "1.2.3.0/24")])))
            );
        }
        assert_eq!(
            best(&r, Branch::V1, "/me/bill/a%20b"),
            Some(("/me/bill/{billId}", values(&[("billId", "a b")])))
        );
    }

    #[test]
    fn a_parameter_taking_a_slash_may_be_written_with_one() {
        let r = router();
        assert_eq!(
            best(&r, Branch::V1, "/ip/1.2.3.0/24/reverse"),
            Some(("/ip/{ip}/reverse", values(&[("ip", "1.2.3.0/24")])))
        );
        // Only where no template fits as written, and only for such parameters.
        assert_eq!(best(&r, Branch::V1, "/me/bill/a/b"), None);
    }

    #[test]
    fn parameters_need_a_value_and_branches_are_apart() {
        let r = router();
        assert_eq!(best(&r, Branch::V1, "/me/"), None);
        assert_eq!(best(&r, Branch::V1, "/me/bill/"), None);
        assert_eq!(best(&r, Branch::V1, "me"), None);
        assert_eq!(best(&r, Branch::V1, "/iam/policy"), None);
        assert_eq!(
            best(&r, Branch::V2, "/iam/policy").map(|b| b.0),
            Some("/iam/policy")
        );
    }

    #[test]
    fn prefixes_name_the_branch() {
        assert_eq!(split_prefix("/1.0/me"), Some(("/1.0", Branch::V1, "/me")));
        assert_eq!(split_prefix("/v1/me"), Some(("/v1", Branch::V1, "/me")));
        assert_eq!(
            split_prefix("/v2/iam/policy"),
            Some(("/v2", Branch::V2, "/iam/policy"))
        );
        assert_eq!(split_prefix("/v2"), Some(("/v2", Branch::V2, "")));
        assert_eq!(split_prefix("/v2iam"), None);
        assert_eq!(split_prefix("/me"), None);
    }

    #[test]
    fn templates_know_their_item_parameter() {
        assert_eq!(
            PathTemplate::parse("/me/bill/{billId}").item_param(),
            Some("billId")
        );
        assert_eq!(PathTemplate::parse("/me/bill").item_param(), None);
        assert_eq!(
            PathTemplate::parse("/a/{x}{y}").segments()[1],
            Segment::Literal("{x}{y}".to_owned())
        );
    }
}
