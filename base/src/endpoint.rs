//! OVHcloud's API endpoints, as data: the runtime resolves a client's endpoint from this table,
//! the generator's and the command line's schema downloads their listings' URLs.

/// One API endpoint: where the API lives and where OAuth2 tokens come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The name the official clients use (`ovh-eu`).
    pub name: &'static str,
    /// The v1 base URL; v2 lives beside it at `/v2`.
    pub api: &'static str,
    /// The OAuth2 token URL, where service accounts are accepted.
    pub oauth2_token_url: Option<&'static str>,
    /// Whether the API has a v2 branch beside v1 (kimsufi and soyoustart have v1 only).
    pub v2: bool,
}

/// Every named endpoint: the seven of the official clients, their aliases, and the
/// `ovhcloud.com` hosts OVH is moving the EU and CA APIs to.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "ovh-eu",
        api: "https://eu.api.ovh.com/1.0",
        oauth2_token_url: Some("https://www.ovh.com/auth/oauth2/token"),
        v2: true,
    },
    Endpoint {
        name: "ovh-ca",
        api: "https://ca.api.ovh.com/1.0",
        oauth2_token_url: Some("https://ca.ovh.com/auth/oauth2/token"),
        v2: true,
    },
    Endpoint {
        name: "ovh-us",
        api: "https://api.us.ovhcloud.com/1.0",
        oauth2_token_url: Some("https://us.ovhcloud.com/auth/oauth2/token"),
        v2: true,
    },
    Endpoint {
        name: "kimsufi-eu",
        api: "https://eu.api.kimsufi.com/1.0",
        oauth2_token_url: None,
        v2: false,
    },
    Endpoint {
        name: "kimsufi-ca",
        api: "https://ca.api.kimsufi.com/1.0",
        oauth2_token_url: None,
        v2: false,
    },
    Endpoint {
        name: "soyoustart-eu",
        api: "https://eu.api.soyoustart.com/1.0",
        oauth2_token_url: None,
        v2: false,
    },
    Endpoint {
        name: "soyoustart-ca",
        api: "https://ca.api.soyoustart.com/1.0",
        oauth2_token_url: None,
        v2: false,
    },
    Endpoint {
        name: "ovhcloud-eu",
        api: "https://api.eu.ovhcloud.com/1.0",
        oauth2_token_url: Some("https://auth.eu.ovhcloud.com/oauth2/token"),
        v2: true,
    },
    Endpoint {
        name: "ovhcloud-ca",
        api: "https://api.ca.ovhcloud.com/1.0",
        oauth2_token_url: Some("https://auth.ca.ovhcloud.com/oauth2/token"),
        v2: true,
    },
    // node-ovh's aliases.
    Endpoint {
        name: "ks-eu",
        api: "https://eu.api.kimsufi.com/1.0",
        oauth2_token_url: None,
        v2: false,
    },
    Endpoint {
        name: "ks-ca",
        api: "https://ca.api.kimsufi.com/1.0",
        oauth2_token_url: None,
        v2: false,
    },
    Endpoint {
        name: "sys-eu",
        api: "https://eu.api.soyoustart.com/1.0",
        oauth2_token_url: None,
        v2: false,
    },
    Endpoint {
        name: "sys-ca",
        api: "https://ca.api.soyoustart.com/1.0",
        oauth2_token_url: None,
        v2: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seven_official_endpoints_match_the_reference() {
        let expected = [
            ("ovh-eu", "https://eu.api.ovh.com/1.0"),
            ("ovh-ca", "https://ca.api.ovh.com/1.0"),
            ("ovh-us", "https://api.us.ovhcloud.com/1.0"),
            ("kimsufi-eu", "https://eu.api.kimsufi.com/1.0"),
            ("kimsufi-ca", "https://ca.api.kimsufi.com/1.0"),
            ("soyoustart-eu", "https://eu.api.soyoustart.com/1.0"),
            ("soyoustart-ca", "https://ca.api.soyoustart.com/1.0"),
        ];
        for (name, api) in expected {
            assert_eq!(ENDPOINTS.iter().find(|e| e.name == name).unwrap().api, api);
        }
    }

    #[test]
    fn only_kimsufi_and_soyoustart_lack_v2() {
        for e in ENDPOINTS {
            let v1_only = ["kimsufi", "soyoustart", "ks-", "sys-"]
                .iter()
                .any(|p| e.name.starts_with(p));
            assert_eq!(e.v2, !v1_only, "{}", e.name);
        }
    }

    #[test]
    fn aliases_name_the_same_api() {
        for (alias, name) in [
            ("ks-eu", "kimsufi-eu"),
            ("ks-ca", "kimsufi-ca"),
            ("sys-eu", "soyoustart-eu"),
            ("sys-ca", "soyoustart-ca"),
        ] {
            let find = |n: &str| *ENDPOINTS.iter().find(|e| e.name == n).unwrap();
            assert_eq!(
                Endpoint {
                    name: alias,
                    ..find(name)
                },
                find(alias)
            );
        }
    }
}
