//! End to end with the real typed client (`ovhcloud`, every API enabled): its signing, clock
//! handling, OAuth2, retries and decoding against the emulator, and fault injection as the
//! client experiences it.

mod common;

use std::time::Duration;

use common::Signer;
use ovhcloud::retry::{Jitter, RetryPolicy};
use ovhcloud::{Client, CredentialRequest, DeviationKind, Error, RateLimiter};
use ovhcloud_emulator::{BreakMode, Emulator, EmulatorConfig, Faults};

/// The typed client is generated from the real snapshot: the emulator serves the same schemas.
async fn start() -> Emulator {
    Emulator::start(EmulatorConfig::new(common::snapshot()).task_step(Duration::from_millis(30)))
        .await
        .expect("the emulator starts")
}

const FULL: [(&str, &str); 4] = [
    ("GET", "/*"),
    ("POST", "/*"),
    ("PUT", "/*"),
    ("DELETE", "/*"),
];

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
        .jitter(Jitter::None)
}

fn client(emu: &Emulator, ak: &str, secret: &str, ck: &str) -> Client {
    Client::builder()
        .endpoint(emu.endpoint())
        .application(ak, secret, ck)
        .retry(fast_retries())
        .rate_limit(RateLimiter::unlimited())
        .build()
        .unwrap()
}

async fn signed_client(emu: &Emulator) -> Client {
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &FULL);
    client(emu, &ak, &secret, &ck)
}

/// A POST no flow handles: `POST /ip/{ip}/reverse`.
async fn add_reverse(client: &Client) -> ovhcloud::Result<ovhcloud::models::ip::ReverseIp> {
    let block: ovhcloud::types::IpBlock = "192.0.2.0/24".parse().unwrap();
    client
        .ip()
        .post_reverse(block, "192.0.2.7".parse().unwrap(), "h.example.net.")
        .await
}

async fn add_reverse_retried(client: &Client) -> ovhcloud::Result<ovhcloud::models::ip::ReverseIp> {
    let block: ovhcloud::types::IpBlock = "192.0.2.0/24".parse().unwrap();
    client
        .ip()
        .post_reverse(block, "192.0.2.7".parse().unwrap(), "h.example.net.")
        .allow_retry()
        .await
}

#[tokio::test]
async fn operations_no_flow_handles_decode_in_the_typed_client() {
    let emu = start().await;
    let client = signed_client(&emu).await;
    let infos = client.vrack().get_service_infos("pn-12345").await.unwrap();
    assert_eq!(infos.domain, "example");
    let me = client.me().get().await.unwrap();
    let _ = me;
    let block: ovhcloud::types::IpBlock = "1.2.3.0/24".parse().unwrap();
    client.ip().get_by_ip(block).await.unwrap();
    client.ip().get_reverse(block).await.unwrap();
    let stats = emu.stats();
    assert_eq!(
        stats.applied("GET /ip/{ip}"),
        1,
        "the block went out as one %2F segment"
    );
    assert_eq!(stats.applied("GET /ip/{ip}/reverse"), 1);
    let versions = client
        .v2_managed_cms()
        .get_reference_supported_php_versions(&ovhcloud::models::managed_cms::CmsEnum::Wordpress)
        .await
        .unwrap();
    assert!(!versions.is_empty());
    let contracts = client
        .new_account()
        .get_contracts(
            &ovhcloud::models::nichandle::OvhCompanyEnum::Ovh,
            &ovhcloud::models::nichandle::OvhSubsidiaryEnum::Fr,
        )
        .await
        .unwrap();
    assert!(!contracts.is_empty());
    let time = client.auth().get_time().await.unwrap();
    assert!((time - common::now()).abs() <= 2);
    let current = client.auth().get_current_credential().await.unwrap();
    assert_eq!(current.rules.len(), 4);
}

/// Every operation of the sample schemas is routed, verified and answered (by a flow or an
/// example): no 401/403/405/5xx, no "invalid URL".
#[tokio::test]
async fn every_sample_operation_is_answered() {
    use ovhcloud_codegen::examples::{Examples, Flavor};
    use ovhcloud_codegen::model::{EnumValues, ModelKind, ParamLocation, TypeRef};
    use ovhcloud_codegen::reader::Branch;
    use ovhcloud_codegen::typeexpr::Primitive;
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

    let emu = Emulator::start(common::config().rate_limit_per_sec(None))
        .await
        .unwrap();
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &FULL);
    let s = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    let (schemas, _) = ovhcloud_codegen::reader::load_dir(&common::schemas());
    let ir = ovhcloud_codegen::model::build(schemas);
    let examples = Examples::new(&ir, Flavor::Typical);
    const SET: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let mut count = 0;
    for api in &ir.apis {
        for op in &api.operations {
            let mut path = op.path.clone();
            let mut fields = serde_json::Map::new();
            for p in &op.params {
                let value = match (&p.ty, p.location.clone()) {
                    (TypeRef::Primitive(Primitive::Uuid), _) => {
                        serde_json::json!("3f2a8f4e-6b1c-4d2e-9f00-1a2b3c4d5e6f")
                    }
                    (TypeRef::Model { key, .. }, _)
                        if matches!(
                            ir.models.get(key).map(|m| &m.kind),
                            Some(ModelKind::Enum(EnumValues::Strings(_)))
                        ) =>
                    {
                        examples.of(&p.ty)
                    }
                    (ty, _) => examples.of(ty),
                };
                match p.location {
                    ParamLocation::Path => {
                        let text = value
                            .as_str()
                            .map_or_else(|| value.to_string(), str::to_owned);
                        path = path.replace(
                            &format!("{{{}}}", p.name),
                            &utf8_percent_encode(&text, SET).to_string(),
                        );
                    }
                    ParamLocation::BodyField => {
                        fields.insert(p.name.clone(), value);
                    }
                    ParamLocation::Query | ParamLocation::Header => {}
                }
            }
            let body = match (&op.body, fields.is_empty()) {
                (Some(b), _) => Some(match (b.shape, b.ty.direct_model()) {
                    (Some(shape), Some(key)) => examples.of_body_shape(key, shape),
                    _ => examples.of(&b.ty),
                }),
                (None, false) => Some(serde_json::Value::Object(fields)),
                (None, true) => None,
            };
            let prefix = match api.branch {
                Branch::V1 => "/1.0",
                Branch::V2 => "/v2",
            };
            if op.path == "/auth/logout" {
                continue; // it would expire the key; tested on its own
            }
            let body_text = body.map(|b| b.to_string());
            let a = s
                .call(
                    op.method.as_str(),
                    &format!("{prefix}{path}"),
                    body_text.as_deref(),
                )
                .await;
            let what = format!(
                "{} {prefix}{path}: {} {}",
                op.method.as_str(),
                a.status,
                a.text
            );
            assert!(
                ![401, 403, 405].contains(&a.status) && a.status < 500,
                "{what}"
            );
            assert_ne!(
                a.json()["message"],
                "Got an invalid (or empty) URL",
                "{what}"
            );
            count += 1;
        }
    }
    assert_eq!(count + 1, ir.operation_count());
    assert!(count > 70);
}

#[tokio::test]
async fn credential_request_flow_with_the_typed_client() {
    let emu = start().await;
    let (ak, secret) = emu.create_application();
    let anonymous = Client::builder()
        .endpoint(emu.endpoint())
        .application_without_consumer_key(&ak, &secret)
        .build()
        .unwrap();
    let answer = CredentialRequest::new()
        .allow_recursive("GET", "/me")
        .redirection("https://example.com/done")
        .send(&anonymous)
        .await
        .unwrap();
    assert_eq!(answer.state, "pendingValidation");
    let ck = answer.consumer_key.expose_secret().to_owned();
    let client = client(&emu, &ak, &secret, &ck);
    let err = client.me().get().await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 403, error_code: Some(c), .. } if c == "INVALID_CREDENTIAL"),
        "{err}"
    );
    assert!(emu.validate_consumer_key(&ck));
    client.me().get().await.unwrap();
    client.me().get_bill().await.unwrap();
    let err = client.vrack().get().await.unwrap_err();
    assert!(err.is_not_granted(), "{err}");
}

#[tokio::test]
async fn the_client_resyncs_its_clock_once() {
    let emu = start().await;
    emu.set_clock_skew(5000);
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &FULL);
    // A fresh client reads /auth/time first.
    client(&emu, &ak, &secret, &ck).me().get().await.unwrap();
    // A client that believes in a stale offset gets QUERY_TIME_OUT, re-reads the clock, retries.
    emu.reset_stats();
    let stale = Client::builder()
        .endpoint(emu.endpoint())
        .application(&ak, &secret, &ck)
        .server_time_offset(0)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    stale.me().get().await.unwrap();
    let stats = emu.stats();
    assert_eq!(stats.received("GET /me"), 2, "{stats:?}");
    assert_eq!(stats.applied("GET /me"), 1);
    assert_eq!(stats.received("GET /auth/time"), 1);
}

#[tokio::test]
async fn oauth2_service_account_with_the_typed_client() {
    let emu = start().await;
    let (id, secret) = emu.create_oauth2_client();
    let client = Client::builder()
        .endpoint(emu.endpoint())
        .oauth2(&id, &secret)
        .oauth2_token_url(emu.oauth2_token_url())
        .build()
        .unwrap();
    client.me().get().await.unwrap();
    client.v2_iam().get_policy().await.unwrap();
    let bad = Client::builder()
        .endpoint(emu.endpoint())
        .oauth2(&id, "wrong")
        .oauth2_token_url(emu.oauth2_token_url())
        .build()
        .unwrap();
    let err = bad.me().get().await.unwrap_err();
    assert!(
        matches!(&err, Error::Auth(m) if m.contains("401") && m.contains("invalid_client")),
        "{err}"
    );
}

#[tokio::test]
async fn injected_errors_are_never_applied() {
    let emu = start().await;
    let client = signed_client(&emu).await;
    let post = "POST /ip/{ip}/reverse";
    emu.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    for _ in 0..5 {
        let err = add_reverse(&client).await.unwrap_err();
        let status = err.status().unwrap_or(0);
        assert!([500, 502, 503, 504, 429].contains(&status), "{err}");
    }
    let err = client.me().get().await.unwrap_err();
    assert!(err.status().is_some(), "{err}");
    let stats = emu.stats();
    assert_eq!(stats.received(post), 5, "a POST is not retried: {stats:?}");
    assert_eq!(stats.applied(post), 0);
    assert_eq!(stats.applied("GET /me"), 0);
    assert!(stats.received("GET /me") >= 1);
    assert_eq!(
        stats.injected_faults(),
        stats.received(post) + stats.received("GET /me")
    );
    assert_eq!(stats.total_applied(), 1, "only the clock: {stats:?}");

    // One 503, then nothing: a POST the caller allows to be retried is applied exactly once.
    emu.reset_stats();
    emu.set_faults(Faults {
        error_rate: 1.0,
        error_statuses: vec![503],
        max_faults: Some(1),
        ..Faults::default()
    });
    add_reverse_retried(&client).await.unwrap();
    let stats = emu.stats();
    assert_eq!(
        (stats.received(post), stats.applied(post)),
        (2, 1),
        "{stats:?}"
    );
    assert_eq!(stats.faults.get("503"), Some(&1));

    // Faults limited to some paths leave the others alone.
    emu.set_faults(Faults {
        error_rate: 1.0,
        only_paths: Some(vec!["/vrack".into()]),
        ..Faults::default()
    });
    client.me().get().await.unwrap();
    assert!(client.vrack().get().await.is_err());
    emu.set_faults(Faults::default());
    client.vrack().get().await.unwrap();
}

#[tokio::test]
async fn latency_is_added() {
    let emu = start().await;
    let client = signed_client(&emu).await;
    client.me().get().await.unwrap();
    emu.set_faults(Faults {
        latency: Duration::from_millis(150),
        ..Faults::default()
    });
    let t = std::time::Instant::now();
    client.me().get().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));
    assert_eq!(
        emu.stats().injected_faults(),
        0,
        "latency is not counted as a fault"
    );
}

#[tokio::test]
async fn dropped_connections_are_transport_errors_and_retried() {
    let emu = start().await;
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &FULL);
    let client = client(&emu, &ak, &secret, &ck);
    client.me().get().await.unwrap();
    emu.reset_stats();
    emu.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    });
    let err = client.me().get().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    let stats = emu.stats();
    assert_eq!(
        stats.received("GET /me"),
        3,
        "retried up to the policy's 3 attempts: {stats:?}"
    );
    assert_eq!(stats.applied("GET /me"), 0);
    assert_eq!(stats.faults.get("drop"), Some(&3));

    // What a plain reqwest client sees.
    let s = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    let url = format!("{}/me", emu.endpoint());
    let ts = emu.server_time();
    let result = reqwest::Client::new()
        .get(&url)
        .header("X-Ovh-Application", &s.ak)
        .header("X-Ovh-Consumer", &s.ck)
        .header("X-Ovh-Timestamp", ts.to_string())
        .header(
            "X-Ovh-Signature",
            common::sign(&s.secret, &s.ck, "GET", &url, "", ts),
        )
        .send()
        .await;
    let err = match result {
        Err(e) => e,
        Ok(response) => response.text().await.expect_err("the body cannot be read"),
    };
    assert!(
        err.is_request() || err.is_body() || err.is_decode(),
        "{err:?}"
    );

    // A dropped POST was not applied either; one drop then the retry (allowed) goes through.
    emu.reset_stats();
    emu.set_faults(Faults {
        drop_rate: 1.0,
        max_faults: Some(1),
        ..Faults::default()
    });
    add_reverse_retried(&client).await.unwrap();
    let post = "POST /ip/{ip}/reverse";
    assert_eq!(
        (emu.stats().received(post), emu.stats().applied(post)),
        (2, 1)
    );
}

#[tokio::test]
async fn a_null_required_member_is_corrected_by_default_and_refused_when_strict() {
    let emu = start().await;
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &FULL);
    let client = client(&emu, &ak, &secret, &ck);
    emu.set_faults(Faults {
        break_schema_rate: 1.0,
        break_mode: BreakMode::NullRequired,
        ..Faults::default()
    });
    // The emulator says where it broke the answer.
    let raw = Signer::new(&emu.base_url(), &ak, &secret, &ck)
        .call("GET", "/1.0/vrack/pn-1/serviceInfos", None)
        .await;
    assert_eq!(
        raw.header("x-emulator-fault"),
        Some("breakSchema/nullRequired")
    );
    let broken = raw.header("x-emulator-broken-path").unwrap().to_owned();
    assert_eq!(broken, ".contactAdmin");
    assert!(raw.json()["contactAdmin"].is_null());
    // Tolerant (the default): the call succeeds and reports exactly that member.
    let (infos, deviations) = client
        .vrack()
        .get_service_infos("pn-1")
        .into_call()
        .with_deviations()
        .await
        .unwrap();
    assert_eq!(infos.contact_admin, "");
    let found: Vec<_> = deviations
        .iter()
        .map(|d| (d.path.as_str(), d.kind))
        .collect();
    assert_eq!(found, [(broken.as_str(), DeviationKind::Null)]);
    // Strict: the same deviation is the error.
    let err = client
        .vrack()
        .get_service_infos("pn-1")
        .into_call()
        .strict()
        .await
        .unwrap_err();
    let Error::Deviations {
        operation,
        deviations: refused,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(operation, "GET /vrack/{serviceName}/serviceInfos");
    assert_eq!(refused, &deviations);
    // Lists of ids: the null element is corrected on its own, at its index.
    let raw = Signer::new(&emu.base_url(), &ak, &secret, &ck)
        .call("GET", "/1.0/ip/1.2.3.0%2F24/reverse", None)
        .await;
    assert_eq!(raw.header("x-emulator-broken-path"), Some("[0]"));
    assert!(raw.json()[0].is_null());
    let (_, deviations) = client
        .ip()
        .get_reverse("1.2.3.0/24".parse().unwrap())
        .into_call()
        .with_deviations()
        .await
        .unwrap();
    assert_eq!(deviations[0].path, "[0]");
    assert_eq!(deviations[0].kind, DeviationKind::Null);
    // A whole answer is never invented: a null scalar answer is a decode error.
    let err = client
        .vrack()
        .post_confirm_termination("pn-1", "token")
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Decode { .. }), "{err}");
    assert_eq!(emu.stats().faults.get("breakSchema"), Some(&6));
}

#[tokio::test]
async fn unknown_enums_and_extra_fields_are_tolerated_by_the_typed_client() {
    let emu = start().await;
    let client = signed_client(&emu).await;
    emu.set_faults(Faults {
        break_schema_rate: 1.0,
        break_mode: BreakMode::UnknownEnum,
        ..Faults::default()
    });
    let infos = client.vrack().get_service_infos("pn-1").await.unwrap();
    assert_eq!(infos.status.as_str(), "value-from-the-future");
    emu.set_faults(Faults {
        break_schema_rate: 1.0,
        break_mode: BreakMode::ExtraField,
        ..Faults::default()
    });
    let infos = client.vrack().get_service_infos("pn-1").await.unwrap();
    assert_eq!(
        infos.unknown_fields.get("fieldFromTheFuture"),
        Some(&serde_json::json!(1))
    );
    emu.set_faults(Faults {
        break_schema_rate: 1.0,
        ..Faults::default()
    });
    for _ in 0..6 {
        let _ = client.vrack().get_service_infos("pn-1").await;
    }
    assert_eq!(emu.stats().faults.get("breakSchema"), Some(&8));
}
