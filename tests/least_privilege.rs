//! Least-privilege credentials: the access rules recorded while the OVHcloud Connect example
//! runs let it run again with a key holding only those rules, and refuse a call outside them.
#![cfg(all(feature = "ovhCloudConnect", feature = "vrack"))]
// The example's `main` is not called here.

use std::time::Duration;

use ovhcloud::{AccessRecorder, Client, CredentialRequest};
use ovhcloud_emulator::{Emulator, EmulatorConfig};

#[allow(dead_code)]
#[path = "../examples/ovhcloud_connect.rs"]
mod example;

async fn emulator() -> Emulator {
    let config = EmulatorConfig::new(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas"))
        .task_step(Duration::from_millis(20));
    Emulator::start(config).await.expect("emulator starts")
}

fn client(emu: &Emulator, rules: &[(&str, &str)], recorder: Option<&AccessRecorder>) -> Client {
    let (key, secret) = emu.create_application();
    let consumer = emu.create_consumer_key(&key, rules);
    let builder = Client::builder()
        .endpoint(emu.endpoint())
        .application(key, secret, consumer);
    match recorder {
        Some(recorder) => builder.record_access(recorder).build().unwrap(),
        None => builder.build().unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_recorded_rules_run_the_guide_and_nothing_else() {
    let everything = [
        ("GET", "/*"),
        ("POST", "/*"),
        ("PUT", "/*"),
        ("DELETE", "/*"),
    ];
    let recorder = AccessRecorder::new();
    let emu = emulator().await;
    example::guide(&client(&emu, &everything, Some(&recorder)), true)
        .await
        .unwrap();
    let rules = recorder.rules();
    let paths: Vec<String> = rules
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        paths.contains(&"POST /ovhCloudConnect/*/config/pop".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"GET /ovhCloudConnect/*/task/*".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.iter().all(|p| !p.ends_with("/*/*") && p != "GET /*"),
        "no wildcard beyond parameters: {paths:?}"
    );
    assert!(!recorder.iam_actions().is_empty());
    // The same rules through a consumer-key request, as a user would ask for them.
    let asked = recorder.credential_request();
    assert_eq!(asked.access_rules, rules);
    let by_operation = CredentialRequest::new().allow_access(
        <ovhcloud::apis::ovh_cloud_connect::operations::PostConfigPop as ovhcloud::apis::Operation>::ACCESS,
    );
    assert!(
        rules.contains(&by_operation.access_rules[0]),
        "{:?}",
        by_operation.access_rules
    );

    // Sufficient: a key with only these rules runs the guide on a new account.
    let emu = emulator().await;
    let pairs: Vec<(&str, &str)> = rules
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    let narrow = client(&emu, &pairs, None);
    example::guide(&narrow, true).await.unwrap();
    // Tight: another method, or another API, is refused. (OVH's `*` matches `/` too: the rule
    // for `GET /ovhCloudConnect/{serviceName}` also lets `GET` go deeper; no rule can say less.)
    let service = *narrow
        .ovh_cloud_connect()
        .get()
        .await
        .unwrap()
        .first()
        .unwrap();
    let update: ovhcloud::Call<'_, serde_json::Value> = ovhcloud::Call::new(
        narrow.runtime(),
        ovhcloud::Branch::V1,
        ovhcloud::Method::Put,
        "/ovhCloudConnect/{serviceName}",
    )
    .path(&service)
    .raw_body(r#"{"description":"mine"}"#);
    let err = update.await.unwrap_err();
    assert!(err.is_not_granted(), "{err}");
    let err = narrow
        .vrack()
        .get_by_service_name("pn-1")
        .await
        .unwrap_err();
    assert!(err.is_not_granted(), "{err}");
}
