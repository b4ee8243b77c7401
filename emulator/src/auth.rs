//! Credentials and their verification, as OVH does it: applications (key + secret), consumer
//! keys with access rules and allowed IPs, OAuth2 clients and their bearer tokens, and the
//! `$1$` signature.
//!
//! The signature is computed here with the `sha1` crate, independently of the client's code:
//! `"$1$" + hex(sha1(AS + "+" + CK + "+" + METHOD + "+" + FULL_URL + "+" + BODY + "+" + TS))`,
//! where `FULL_URL` is `http://` + the `Host` header + the raw path and query as received,
//! `BODY` the raw bytes received and `TS` the `X-Ovh-Timestamp` header as sent.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use crate::flows::ApiError;
use crate::responses;

/// One access rule of a consumer key: an HTTP method and a path where `*` matches any run of
/// characters, `/` included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRule {
    pub method: String,
    pub path: String,
}

/// Full access: every method on every path.
pub(crate) fn full_access() -> Vec<AccessRule> {
    ["GET", "POST", "PUT", "DELETE"]
        .iter()
        .map(|m| AccessRule {
            method: (*m).to_owned(),
            path: "/*".to_owned(),
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CredentialState {
    PendingValidation,
    Validated,
    Expired,
}

impl CredentialState {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialState::PendingValidation => "pendingValidation",
            CredentialState::Validated => "validated",
            CredentialState::Expired => "expired",
        }
    }
}

#[derive(Debug)]
struct Application {
    secret: String,
    id: u64,
}

#[derive(Debug)]
struct Credential {
    application_key: String,
    rules: Vec<AccessRule>,
    allowed_ips: Option<Vec<String>>,
    state: CredentialState,
    id: u64,
    creation: DateTime<Utc>,
    expiration: Option<DateTime<Utc>>,
    last_use: Option<DateTime<Utc>>,
}

#[derive(Debug)]
struct OAuthClient {
    secret: String,
    id: u64,
}

#[derive(Debug)]
struct BearerToken {
    client_id: String,
    expires: Instant,
}

/// Who made a call that passed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Identity {
    /// An operation without authentication (the application key, if one was sent and known).
    Anonymous(Option<String>),
    /// A signed call.
    Signed {
        application_key: String,
        consumer_key: String,
    },
    /// A bearer token of this OAuth2 client.
    Bearer { client_id: String },
}

impl Identity {
    /// The key rate limits are counted under.
    pub fn rate_key(&self) -> Option<String> {
        match self {
            Identity::Anonymous(app) => app.as_ref().map(|a| format!("app:{a}")),
            Identity::Signed {
                application_key, ..
            } => Some(format!("app:{application_key}")),
            Identity::Bearer { client_id } => Some(format!("oauth2:{client_id}")),
        }
    }

    /// What flows see as `application_key`: the application of a signed call, the client id
    /// of a bearer call, nothing for an unauthenticated call.
    pub fn application_key(&self) -> Option<&str> {
        match self {
            Identity::Anonymous(_) => None,
            Identity::Signed {
                application_key, ..
            } => Some(application_key),
            Identity::Bearer { client_id } => Some(client_id),
        }
    }
}

/// What verification needs from a request.
pub(crate) struct SignedRequest<'a> {
    pub method: &'a str,
    /// `http://` + Host + raw path and query (its `https://` form is accepted too).
    pub full_url: &'a str,
    /// The path access rules are matched against: `/me/bill/1` (v1), `/v2/iam/policy` (v2).
    pub rule_path: &'a str,
    /// The same, percent-decoded.
    pub rule_path_decoded: &'a str,
    pub body: &'a [u8],
    pub peer: IpAddr,
    pub application: Option<&'a str>,
    pub consumer: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub authorization: Option<&'a str>,
}

/// Every credential the emulator knows.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    applications: HashMap<String, Application>,
    credentials: HashMap<String, Credential>,
    /// Validation token (in the validation URL) → consumer key.
    validation_tokens: HashMap<String, String>,
    oauth_clients: HashMap<String, OAuthClient>,
    tokens: HashMap<String, BearerToken>,
    next_id: u64,
}

pub(crate) fn random_token(len: usize) -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(len)
        .collect()
}

impl Registry {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Registers an application (replacing the secret of a known key); returns its id.
    pub fn add_application(&mut self, key: &str, secret: &str) -> u64 {
        let id = match self.applications.get(key) {
            Some(app) => app.id,
            None => 1000 + self.next_id(),
        };
        self.applications.insert(
            key.to_owned(),
            Application {
                secret: secret.to_owned(),
                id,
            },
        );
        id
    }

    /// Adds a consumer key; returns the validation token of its validation URL.
    pub fn add_consumer_key(
        &mut self,
        consumer_key: &str,
        application_key: &str,
        rules: Vec<AccessRule>,
        allowed_ips: Option<Vec<String>>,
        validated: bool,
    ) -> String {
        let id = self.next_id();
        let token = random_token(32);
        self.credentials.insert(
            consumer_key.to_owned(),
            Credential {
                application_key: application_key.to_owned(),
                rules,
                allowed_ips,
                state: if validated {
                    CredentialState::Validated
                } else {
                    CredentialState::PendingValidation
                },
                id,
                creation: Utc::now(),
                expiration: None,
                last_use: None,
            },
        );
        self.validation_tokens
            .insert(token.clone(), consumer_key.to_owned());
        token
    }

    /// The "user approves" step. False for an unknown or expired key.
    pub fn validate(&mut self, consumer_key: &str) -> bool {
        match self.credentials.get_mut(consumer_key) {
            Some(c) if c.state != CredentialState::Expired => {
                c.state = CredentialState::Validated;
                true
            }
            _ => false,
        }
    }

    /// Validates the key a validation URL's token stands for.
    pub fn validate_token(&mut self, token: &str) -> Option<CredentialState> {
        let key = self.validation_tokens.get(token)?.clone();
        self.validate(&key);
        self.credentials.get(&key).map(|c| c.state)
    }

    /// Expires a consumer key (`POST /auth/logout`).
    pub fn expire(&mut self, consumer_key: &str) {
        if let Some(c) = self.credentials.get_mut(consumer_key) {
            c.state = CredentialState::Expired;
            c.expiration = Some(Utc::now());
        }
    }

    pub fn add_oauth_client(&mut self, id: &str, secret: &str) {
        let numeric = match self.oauth_clients.get(id) {
            Some(c) => c.id,
            None => 5000 + self.next_id(),
        };
        self.oauth_clients.insert(
            id.to_owned(),
            OAuthClient {
                secret: secret.to_owned(),
                id: numeric,
            },
        );
    }

    /// Client-credentials grant: a new access token, or `None` for a bad client.
    pub fn issue_token(&mut self, id: &str, secret: &str, lifetime: Duration) -> Option<String> {
        let client = self.oauth_clients.get(id)?;
        if !constant_time_eq(client.secret.as_bytes(), secret.as_bytes()) {
            return None;
        }
        let token = format!("eyJ{}", random_token(48));
        let now = Instant::now();
        self.tokens.retain(|_, t| t.expires > now);
        self.tokens.insert(
            token.clone(),
            BearerToken {
                client_id: id.to_owned(),
                expires: now + lifetime,
            },
        );
        Some(token)
    }

    /// Checks an unauthenticated call: only an application key that was sent must be known.
    pub fn check_anonymous(&self, application: Option<&str>) -> Result<Identity, ApiError> {
        match application {
            None => Ok(Identity::Anonymous(None)),
            Some(app) if self.applications.contains_key(app) => {
                Ok(Identity::Anonymous(Some(app.to_owned())))
            }
            Some(_) => Err(responses::invalid_key()),
        }
    }

    /// Verifies an authenticated call, in OVH's order: bearer token; else application key,
    /// consumer key present, consumer key valid for that application, timestamp, signature,
    /// access rules, allowed IPs.
    pub fn verify(
        &mut self,
        req: &SignedRequest<'_>,
        server_time: i64,
        window: i64,
    ) -> Result<Identity, ApiError> {
        if let Some(token) = req.authorization.and_then(|a| {
            a.strip_prefix("Bearer ")
                .or_else(|| a.strip_prefix("bearer "))
        }) {
            let token = token.trim();
            return match self.tokens.get(token) {
                Some(t) if t.expires > Instant::now() => Ok(Identity::Bearer {
                    client_id: t.client_id.clone(),
                }),
                _ => Err(responses::invalid_bearer()),
            };
        }
        let app_key = req.application.ok_or_else(responses::invalid_key)?;
        let secret = match self.applications.get(app_key) {
            Some(app) => app.secret.clone(),
            None => return Err(responses::invalid_key()),
        };
        let consumer = match req.consumer {
            Some(c) if !c.is_empty() => c,
            _ => return Err(responses::not_credential()),
        };
        let now = Utc::now();
        let credential = match self.credentials.get(consumer) {
            Some(c)
                if c.application_key == app_key
                    && c.state == CredentialState::Validated
                    && !matches!(c.expiration, Some(e) if e <= now) =>
            {
                c
            }
            _ => return Err(responses::invalid_credential()),
        };
        let timestamp = req.timestamp.unwrap_or("").trim();
        match timestamp.parse::<i64>() {
            Ok(ts) if (ts - server_time).abs() <= window => {}
            _ => return Err(responses::query_time_out()),
        }
        let given = req.signature.unwrap_or("").trim();
        let signs = |url: &str| {
            let expected = signature(&secret, consumer, req.method, url, req.body, timestamp);
            constant_time_eq(expected.as_bytes(), given.as_bytes())
        };
        // A client reaching the emulator through a TLS-terminating proxy (or one that only
        // knows HTTPS endpoints, as node-ovh 2) signs the `https://` form of the same URL.
        let https = req
            .full_url
            .strip_prefix("http://")
            .map(|rest| format!("https://{rest}"));
        if !signs(req.full_url) && !https.as_deref().is_some_and(signs) {
            return Err(responses::invalid_signature());
        }
        let granted = credential.rules.iter().any(|rule| {
            rule.method.eq_ignore_ascii_case(req.method)
                && (glob_match(&rule.path, req.rule_path)
                    || glob_match(&rule.path, req.rule_path_decoded))
        });
        if !granted {
            return Err(responses::not_granted());
        }
        if let Some(ips) = &credential.allowed_ips {
            if !ips.iter().any(|block| ip_in_block(req.peer, block)) {
                return Err(responses::not_granted_ip());
            }
        }
        let identity = Identity::Signed {
            application_key: app_key.to_owned(),
            consumer_key: consumer.to_owned(),
        };
        if let Some(c) = self.credentials.get_mut(consumer) {
            c.last_use = Some(now);
        }
        Ok(identity)
    }

    /// `GET /auth/currentCredential`, shaped as `auth.ApiCredential` (never the key itself).
    pub fn current_credential(&self, identity: &Identity) -> Value {
        match identity {
            Identity::Signed {
                application_key,
                consumer_key,
            } => {
                let app_id = self.applications.get(application_key).map_or(0, |a| a.id);
                let Some(c) = self.credentials.get(consumer_key) else {
                    return Value::Null;
                };
                json!({
                    "allowedIPs": c.allowed_ips,
                    "applicationId": app_id,
                    "creation": rfc3339(c.creation),
                    "credentialId": c.id,
                    "expiration": c.expiration.map(rfc3339),
                    "lastUse": c.last_use.map(rfc3339),
                    "ovhSupport": false,
                    "rules": c.rules,
                    "status": c.state.as_str(),
                })
            }
            Identity::Bearer { client_id } => {
                let id = self.oauth_clients.get(client_id).map_or(0, |c| c.id);
                json!({
                    "allowedIPs": null,
                    "applicationId": id,
                    "creation": rfc3339(Utc::now()),
                    "credentialId": id,
                    "expiration": null,
                    "lastUse": rfc3339(Utc::now()),
                    "ovhSupport": false,
                    "rules": full_access(),
                    "status": "validated",
                })
            }
            Identity::Anonymous(_) => Value::Null,
        }
    }
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// `$1$` + lower-case hex SHA-1 of `secret+consumer+METHOD+url+body+timestamp`.
pub fn signature(
    secret: &str,
    consumer_key: &str,
    method: &str,
    full_url: &str,
    body: &[u8],
    timestamp: &str,
) -> String {
    let mut sha = Sha1::new();
    sha.update(secret.as_bytes());
    for part in [
        consumer_key.as_bytes(),
        method.as_bytes(),
        full_url.as_bytes(),
        body,
        timestamp.as_bytes(),
    ] {
        sha.update(b"+");
        sha.update(part);
    }
    let digest = sha.finalize();
    let mut out = String::from("$1$");
    for byte in digest {
        out.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    out
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters (`/` included)
/// and everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether `ip` is `block` (an address) or inside it (`a.b.c.d/n`, `x::/n`).
pub fn ip_in_block(ip: IpAddr, block: &str) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let (addr, prefix) = match block.trim().split_once('/') {
        Some((a, p)) => match p.parse::<u32>() {
            Ok(p) => (a, Some(p)),
            Err(_) => return false,
        },
        None => (block.trim(), None),
    };
    let Ok(net) = addr.parse::<IpAddr>() else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let bits = prefix.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let bits = prefix.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_ovh_known_answers() {
        // python-ovh's own test constants (see the client survey).
        let (a, c) = (
            "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk",
            "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY",
        );
        let url = "https://eu.api.ovh.com/1.0/auth";
        assert_eq!(
            signature(a, c, "GET", url, b"", "1457018875"),
            "$1$e9556054b6309771395efa467c22e627407461ad"
        );
        assert_eq!(
            signature(a, c, "POST", url, br#"{"a":"b","c":"d"}"#, "1457018875"),
            "$1$ec2fb5c7a81f64723c77d2e5b609ae6f58a84fc1"
        );
    }

    #[test]
    fn globs() {
        assert!(glob_match("/*", "/me"));
        assert!(glob_match("/me/*", "/me/bill/1/details"));
        assert!(!glob_match("/me/*", "/me"));
        assert!(glob_match("/me", "/me"));
        assert!(!glob_match("/me", "/me/bill"));
        assert!(glob_match("/ip/*/reverse", "/ip/1.2.3.0%2F24/reverse"));
        assert!(glob_match("/v2/iam/*", "/v2/iam/policy/x"));
        assert!(glob_match("*a*b", "xxaxxb"));
        assert!(!glob_match("*a*b", "xxaxxbc"));
    }

    #[test]
    fn ip_blocks() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(ip_in_block(ip, "127.0.0.0/8"));
        assert!(ip_in_block(ip, "127.0.0.1"));
        assert!(!ip_in_block(ip, "10.0.0.0/8"));
        assert!(ip_in_block(ip, "0.0.0.0/0"));
        assert!(!ip_in_block(ip, "garbage"));
        assert!(ip_in_block(
            "::ffff:127.0.0.1".parse().unwrap(),
            "127.0.0.1/32"
        ));
        assert!(ip_in_block("2001:db8::1".parse().unwrap(), "2001:db8::/32"));
    }

    #[test]
    fn verification_order() {
        let mut r = Registry::default();
        r.add_application("AK", "AS");
        r.add_consumer_key(
            "CK",
            "AK",
            vec![AccessRule {
                method: "GET".into(),
                path: "/me".into(),
            }],
            None,
            true,
        );
        let url = "http://h/1.0/me";
        let sig = signature("AS", "CK", "GET", url, b"", "100");
        let base = SignedRequest {
            method: "GET",
            full_url: url,
            rule_path: "/me",
            rule_path_decoded: "/me",
            body: b"",
            peer: "127.0.0.1".parse().unwrap(),
            application: Some("AK"),
            consumer: Some("CK"),
            timestamp: Some("100"),
            signature: Some(&sig),
            authorization: None,
        };
        assert!(r.verify(&base, 100, 180).is_ok());
        let code = |r: &mut Registry, req: &SignedRequest<'_>, now| {
            r.verify(req, now, 180).unwrap_err().error_code.unwrap()
        };
        assert_eq!(
            code(
                &mut r,
                &SignedRequest {
                    application: Some("x"),
                    ..base
                },
                100
            ),
            "INVALID_KEY"
        );
        assert_eq!(
            code(
                &mut r,
                &SignedRequest {
                    consumer: None,
                    ..base
                },
                100
            ),
            "NOT_CREDENTIAL"
        );
        assert_eq!(
            code(
                &mut r,
                &SignedRequest {
                    consumer: Some("x"),
                    ..base
                },
                100
            ),
            "INVALID_CREDENTIAL"
        );
        assert_eq!(code(&mut r, &base, 1000), "QUERY_TIME_OUT");
        assert_eq!(
            code(&mut r, &SignedRequest { body: b"x", ..base }, 100),
            "INVALID_SIGNATURE"
        );
        let sig2 = signature("AS", "CK", "POST", url, b"", "100");
        let post = SignedRequest {
            method: "POST",
            signature: Some(&sig2),
            ..base
        };
        assert_eq!(code(&mut r, &post, 100), "NOT_GRANTED_CALL");
        r.expire("CK");
        assert_eq!(code(&mut r, &base, 100), "INVALID_CREDENTIAL");
    }
}
