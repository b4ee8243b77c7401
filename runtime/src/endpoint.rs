//! OVHcloud's API endpoints: the table (defined once, in `ovhcloud-base`) and how a client's
//! endpoint is resolved from it.

pub use ovhcloud_base::endpoint::{Endpoint, ENDPOINTS};

/// Resolves a named endpoint (`ovh-eu`) or a URL. A URL of a known host keeps that endpoint's
/// token URL; `api.ovh.com` is the legacy name of the EU host.
pub fn resolve(name_or_url: &str) -> Result<ResolvedEndpoint, String> {
    if let Some(e) = ENDPOINTS.iter().find(|e| e.name == name_or_url) {
        return Ok(ResolvedEndpoint::from_base(
            e.api,
            e.oauth2_token_url.map(str::to_owned),
        ));
    }
    if !(name_or_url.starts_with("https://") || name_or_url.starts_with("http://")) {
        let names: Vec<&str> = ENDPOINTS.iter().map(|e| e.name).collect();
        return Err(format!(
            "unknown endpoint {name_or_url:?}: use one of {} or a URL",
            names.join(", ")
        ));
    }
    let resolved = ResolvedEndpoint::from_base(name_or_url, None);
    let known = ENDPOINTS
        .iter()
        .find(|e| ResolvedEndpoint::from_base(e.api, None).root == resolved.root)
        .or_else(|| (resolved.root == "https://api.ovh.com").then_some(&ENDPOINTS[0]));
    Ok(ResolvedEndpoint {
        oauth2_token_url: known.and_then(|e| e.oauth2_token_url.map(str::to_owned)),
        ..resolved
    })
}

/// An endpoint ready for use: its scheme and host, and its token URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedEndpoint {
    /// Scheme, host and port, without a branch: `https://eu.api.ovh.com`.
    pub root: String,
    pub oauth2_token_url: Option<String>,
}

impl ResolvedEndpoint {
    fn from_base(base: &str, oauth2_token_url: Option<String>) -> Self {
        let trimmed = base.trim_end_matches('/');
        let root = ["/1.0", "/v1", "/v2"]
            .iter()
            .find_map(|s| trimmed.strip_suffix(s))
            .unwrap_or(trimmed);
        ResolvedEndpoint {
            root: root.to_owned(),
            oauth2_token_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_urls_and_new_hosts() {
        let eu = resolve("ovh-eu").unwrap();
        assert_eq!(eu.root, "https://eu.api.ovh.com");
        assert_eq!(
            eu.oauth2_token_url.as_deref(),
            Some("https://www.ovh.com/auth/oauth2/token")
        );
        assert_eq!(resolve("kimsufi-ca").unwrap().oauth2_token_url, None);
        let new = resolve("https://api.eu.ovhcloud.com/v1").unwrap();
        assert_eq!(new.root, "https://api.eu.ovhcloud.com");
        assert_eq!(
            new.oauth2_token_url.as_deref(),
            Some("https://auth.eu.ovhcloud.com/oauth2/token")
        );
        assert_eq!(
            resolve("https://api.ovh.com/1.0")
                .unwrap()
                .oauth2_token_url
                .as_deref(),
            Some("https://www.ovh.com/auth/oauth2/token")
        );
        assert_eq!(
            resolve("http://127.0.0.1:8080/").unwrap(),
            ResolvedEndpoint {
                root: "http://127.0.0.1:8080".into(),
                oauth2_token_url: None
            }
        );
        assert!(resolve("ovh-mars").unwrap_err().contains("ovh-eu"));
    }
}
