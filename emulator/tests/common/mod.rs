//! Helpers shared by the integration tests: starting an emulator on the sample schemas (or on the
//! real snapshot, for the typed client generated from it), and a
//! signer of our own (sha1 over the exact bytes sent), independent of the `ovhcloud` client.
#![allow(dead_code)]

pub mod external;
pub mod python;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ovhcloud_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;
use sha1::{Digest, Sha1};

pub fn schemas() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/fixtures/schemas")
}

/// The repo's real snapshot, which the `ovhcloud` crate (the typed client) is generated from.
pub fn snapshot() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

pub fn config() -> EmulatorConfig {
    EmulatorConfig::new(schemas()).task_step(Duration::from_millis(30))
}

pub async fn start() -> Emulator {
    Emulator::start(config())
        .await
        .expect("the emulator starts")
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `$1$` + hex sha1 of `AS+CK+METHOD+URL+BODY+TS`, written here from the reference, not taken
/// from the client or the emulator.
pub fn sign(secret: &str, ck: &str, method: &str, url: &str, body: &str, ts: i64) -> String {
    let text = format!("{secret}+{ck}+{method}+{url}+{body}+{ts}");
    let digest = Sha1::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("$1${hex}")
}

/// Credentials and a way to send signed requests with them.
#[derive(Clone)]
pub struct Signer {
    pub base: String,
    pub ak: String,
    pub secret: String,
    pub ck: String,
    pub http: reqwest::Client,
}

/// What came back: status, headers and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn error_code(&self) -> String {
        self.json()["errorCode"].as_str().unwrap_or("").to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a complete body");
    let answer = Answer {
        status,
        headers,
        text,
    };
    assert!(
        answer
            .header("x-ovh-queryid")
            .is_some_and(|q| q.starts_with("EU.ext-1.") && q.ends_with(".emulator")),
        "no X-Ovh-QueryID: {answer:?}"
    );
    assert_eq!(
        answer.header("content-type"),
        Some("application/json"),
        "{answer:?}"
    );
    answer
}

impl Signer {
    pub fn new(base: &str, ak: &str, secret: &str, ck: &str) -> Signer {
        Signer {
            base: base.to_owned(),
            ak: ak.to_owned(),
            secret: secret.to_owned(),
            ck: ck.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// Signs and sends `METHOD base+path` (path with `/1.0`, `/v1` or `/v2` and any query).
    pub async fn call(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        self.call_at(method, path, body, now()).await
    }

    pub async fn call_at(&self, method: &str, path: &str, body: Option<&str>, ts: i64) -> Answer {
        self.send(method, path, body, ts, &[]).await
    }

    /// Signs and sends `METHOD base+path` with extra request headers.
    pub async fn call_with(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(method, path, None, now(), headers).await
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        ts: i64,
        headers: &[(&str, &str)],
    ) -> Answer {
        let url = format!("{}{path}", self.base);
        let body = body.unwrap_or("");
        let signature = sign(&self.secret, &self.ck, method, &url, body, ts);
        let mut request = self
            .http
            .request(method.parse().unwrap(), &url)
            .header("X-Ovh-Application", &self.ak)
            .header("X-Ovh-Consumer", &self.ck)
            .header("X-Ovh-Timestamp", ts.to_string())
            .header("X-Ovh-Signature", signature);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if !body.is_empty() {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_owned());
        }
        answer(request.send().await.expect("the emulator answers")).await
    }
}

pub async fn get(url: &str) -> Answer {
    answer(reqwest::get(url).await.expect("the emulator answers")).await
}
