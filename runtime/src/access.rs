//! Least privilege: what each operation needs (its access rule and IAM actions), and a recorder
//! that collects what a program really calls, ready for a consumer key or an IAM policy.
//!
//! ```no_run
//! # async fn demo(client_builder: ovhcloud_runtime::ClientBuilder) -> ovhcloud_runtime::Result<()> {
//! use ovhcloud_runtime::AccessRecorder;
//! let recorder = AccessRecorder::new();
//! let client = client_builder.record_access(&recorder).build()?;
//! // … run the program, or its tests, with `client` …
//! for rule in recorder.rules() {
//!     println!("{} {}", rule.method, rule.path); // GET /me/bill/*
//! }
//! let request = recorder.credential_request(); // exactly those rules
//! # let _ = (client, request); Ok(()) }
//! ```

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use crate::{AccessRule, Branch, CredentialRequest, Method, Request};

/// What calling an operation needs. Every generated operation has one
/// (`<operations::GetBill as Operation>::ACCESS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub method: Method,
    pub branch: Branch,
    /// The path template, `/me/bill/{billId}`.
    pub template: &'static str,
    /// The IAM actions the schema lists (`account:apiovh:me/bill/get`).
    pub iam_actions: &'static [&'static str],
}

impl Access {
    pub const fn new(
        method: Method,
        branch: Branch,
        template: &'static str,
        iam_actions: &'static [&'static str],
    ) -> Access {
        Access {
            method,
            branch,
            template,
            iam_actions,
        }
    }

    /// The consumer-key rule allowing exactly this operation: each `{parameter}` is `*`, a v2
    /// path starts with `/v2` (`GET /me/bill/*`, `GET /v2/iam/policy/*`).
    pub fn rule(&self) -> AccessRule {
        rule(self.method, self.branch, self.template)
    }
}

fn rule(method: Method, branch: Branch, template: &str) -> AccessRule {
    let path: Vec<&str> = template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "*"
            } else {
                segment
            }
        })
        .collect();
    let prefix = match branch {
        Branch::V1 => "",
        Branch::V2 => "/v2",
    };
    AccessRule {
        method: method.as_str().to_owned(),
        path: format!("{prefix}{}", path.join("/")),
    }
}

impl CredentialRequest {
    /// Allows exactly the operation `access` describes.
    pub fn allow_access(self, access: &Access) -> Self {
        let rule = access.rule();
        self.allow(&rule.method, &rule.path)
    }
}

/// Collects the operations a client calls (give it to
/// [`ClientBuilder::record_access`](crate::ClientBuilder::record_access)); clones share what
/// they collected.
#[derive(Clone, Debug, Default)]
pub struct AccessRecorder(Arc<Mutex<Recorded>>);

#[derive(Debug, Default)]
struct Recorded {
    rules: BTreeSet<(String, String)>,
    iam_actions: BTreeSet<&'static str>,
}

impl AccessRecorder {
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn record(&self, request: &Request) {
        let rule = rule(request.method, request.branch, &request.template);
        let mut recorded = self.0.lock().unwrap_or_else(|e| e.into_inner());
        recorded.rules.insert((rule.path, rule.method));
        if let Some(access) = request.access {
            recorded.iam_actions.extend(access.iam_actions);
        }
    }

    /// One rule per operation called, by path then method: no wildcard beyond the path
    /// parameters.
    pub fn rules(&self) -> Vec<AccessRule> {
        let recorded = self.0.lock().unwrap_or_else(|e| e.into_inner());
        recorded
            .rules
            .iter()
            .map(|(path, method)| AccessRule {
                method: method.clone(),
                path: path.clone(),
            })
            .collect()
    }

    /// The IAM actions of the operations called, for an IAM policy.
    pub fn iam_actions(&self) -> Vec<String> {
        let recorded = self.0.lock().unwrap_or_else(|e| e.into_inner());
        recorded
            .iam_actions
            .iter()
            .map(|a| (*a).to_owned())
            .collect()
    }

    /// A consumer-key request for exactly [`rules`](Self::rules).
    pub fn credential_request(&self) -> CredentialRequest {
        self.rules()
            .iter()
            .fold(CredentialRequest::new(), |r, rule| {
                r.allow(&rule.method, &rule.path)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_have_a_star_per_parameter() {
        let a = Access::new(Method::Get, Branch::V1, "/me/bill/{billId}/details", &[]);
        assert_eq!(a.rule().path, "/me/bill/*/details");
        let a = Access::new(
            Method::Delete,
            Branch::V2,
            "/iam/policy/{policyId}",
            &["iam:apiovh:policy/delete"],
        );
        let rule = a.rule();
        assert_eq!(
            (rule.method.as_str(), rule.path.as_str()),
            ("DELETE", "/v2/iam/policy/*")
        );
        let request = CredentialRequest::new().allow_access(&a);
        assert_eq!(request.access_rules, [rule]);
    }
}
