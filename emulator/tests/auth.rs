//! Authentication as OVH does it, checked with a signer written in the test (not the client's,
//! not the emulator's): the consumer-key flow, every refusal in order, OAuth2, rate limits.

mod common;

use common::{answer, get, now, start, Signer};
use serde_json::json;

fn full() -> [(&'static str, &'static str); 4] {
    [
        ("GET", "/*"),
        ("POST", "/*"),
        ("PUT", "/*"),
        ("DELETE", "/*"),
    ]
}

#[tokio::test]
async fn auth_time_follows_the_skew() {
    let emu = start().await;
    let t = get(&format!("{}/auth/time", emu.endpoint())).await;
    assert_eq!(t.status, 200);
    assert!(
        (t.json().as_i64().unwrap() - now()).abs() <= 2,
        "{}",
        t.text
    );
    emu.set_clock_skew(-3600);
    let t = get(&format!("{}/v1/auth/time", emu.base_url())).await;
    assert!(
        (t.json().as_i64().unwrap() - (now() - 3600)).abs() <= 2,
        "{}",
        t.text
    );
    assert_eq!(emu.server_time() - now(), -3600);
}

#[tokio::test]
async fn credential_request_then_validation_then_signed_call() {
    let emu = start().await;
    let (ak, secret) = emu.create_application();
    let http = reqwest::Client::new();
    let body = json!({
        "accessRules": [{"method": "GET", "path": "/me"}, {"method": "GET", "path": "/me/*"}],
        "redirection": "https://example.com/done",
        "allowedIPs": null,
    });
    let requested = answer(
        http.post(format!("{}/auth/credential", emu.endpoint()))
            .header("X-Ovh-Application", &ak)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(requested.status, 200, "{}", requested.text);
    let requested = requested.json();
    assert_eq!(requested["state"], "pendingValidation");
    let ck = requested["consumerKey"].as_str().unwrap().to_owned();
    let validation_url = requested["validationUrl"].as_str().unwrap().to_owned();
    assert!(
        validation_url.starts_with(&emu.base_url()),
        "{validation_url}"
    );

    let signer = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    let before = signer.call("GET", "/1.0/me", None).await;
    assert_eq!(
        (before.status, before.error_code()),
        (403, "INVALID_CREDENTIAL".to_owned())
    );
    assert_eq!(before.json()["message"], "This credential is not valid");
    assert_eq!(before.json()["httpCode"], "403 Forbidden");

    let validated = get(&validation_url).await;
    assert_eq!(
        (validated.status, validated.json()),
        (200, json!({"state": "validated"}))
    );

    let me = signer.call("GET", "/1.0/me", None).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert!(me.json().is_object());
    let bill = signer
        .call("GET", "/1.0/me/bill?category=autorenew", None)
        .await;
    assert_eq!(bill.status, 200, "{}", bill.text);

    let current = signer
        .call("GET", "/1.0/auth/currentCredential", None)
        .await;
    assert_eq!(
        current.status, 403,
        "not granted by the rules: {}",
        current.text
    );
    assert_eq!(current.error_code(), "NOT_GRANTED_CALL");

    // Without the application key, a credential request is refused.
    let refused = answer(
        http.post(format!("{}/auth/credential", emu.endpoint()))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (403, "INVALID_KEY".to_owned())
    );
}

#[tokio::test]
async fn current_credential_and_logout() {
    let emu = start().await;
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(
        &ak,
        &[("GET", "/auth/*"), ("POST", "/auth/logout"), ("GET", "/me")],
    );
    let signer = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    let current = signer
        .call("GET", "/1.0/auth/currentCredential", None)
        .await;
    assert_eq!(current.status, 200, "{}", current.text);
    let c = current.json();
    assert_eq!(c["status"], "validated");
    assert_eq!(c["ovhSupport"], false);
    assert!(c["applicationId"].is_i64() && c["credentialId"].is_i64());
    assert_eq!(c["rules"][0], json!({"method": "GET", "path": "/auth/*"}));
    assert!(
        !current.text.contains(&ck),
        "the consumer key is never echoed"
    );
    assert!(!current.text.contains(&secret));
    assert!(c["lastUse"].is_string() && c["creation"].is_string());

    let out = signer.call("POST", "/1.0/auth/logout", None).await;
    assert_eq!((out.status, out.text.as_str()), (200, "null"));
    let after = signer.call("GET", "/1.0/me", None).await;
    assert_eq!(
        (after.status, after.error_code()),
        (403, "INVALID_CREDENTIAL".to_owned())
    );
}

#[tokio::test]
async fn every_refusal_in_order() {
    let emu = start().await;
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &[("GET", "/me"), ("GET", "/ip/*")]);
    let ok = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    assert_eq!(ok.call("GET", "/1.0/me", None).await.status, 200);

    let unknown_app = Signer {
        ak: "nope".into(),
        ..ok.clone()
    }
    .call("GET", "/1.0/me", None)
    .await;
    assert_eq!(
        (unknown_app.status, unknown_app.error_code()),
        (403, "INVALID_KEY".into())
    );
    assert_eq!(
        unknown_app.json()["message"],
        "This application key is invalid"
    );

    let no_ck = answer(
        reqwest::Client::new()
            .get(format!("{}/me", emu.endpoint()))
            .header("X-Ovh-Application", &ak)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (no_ck.status, no_ck.error_code()),
        (401, "NOT_CREDENTIAL".into())
    );
    assert_eq!(no_ck.json()["message"], "You must login first");

    let unknown_ck = Signer {
        ck: "nope".into(),
        ..ok.clone()
    }
    .call("GET", "/1.0/me", None)
    .await;
    assert_eq!(
        (unknown_ck.status, unknown_ck.error_code()),
        (403, "INVALID_CREDENTIAL".into())
    );

    let (other_ak, other_secret) = emu.create_application();
    let foreign = Signer {
        ak: other_ak,
        secret: other_secret,
        ..ok.clone()
    }
    .call("GET", "/1.0/me", None)
    .await;
    assert_eq!(
        foreign.error_code(),
        "INVALID_CREDENTIAL",
        "a key of another application"
    );

    let stale = ok.call_at("GET", "/1.0/me", None, now() - 1000).await;
    assert_eq!(
        (stale.status, stale.error_code()),
        (400, "QUERY_TIME_OUT".into())
    );
    assert_eq!(stale.json()["message"], "Query out of time");
    let within = ok.call_at("GET", "/1.0/me", None, now() - 100).await;
    assert_eq!(within.status, 200, "inside the 180 s window");

    let wrong_secret = Signer {
        secret: "wrong".into(),
        ..ok.clone()
    }
    .call("GET", "/1.0/me", None)
    .await;
    assert_eq!(
        (wrong_secret.status, wrong_secret.error_code()),
        (400, "INVALID_SIGNATURE".into())
    );
    assert_eq!(wrong_secret.json()["message"], "Invalid signature");

    let outside = ok.call("GET", "/1.0/vrack", None).await;
    assert_eq!(
        (outside.status, outside.error_code()),
        (403, "NOT_GRANTED_CALL".into())
    );
    assert_eq!(outside.json()["message"], "This call has not been granted");
    assert_eq!(outside.json()["class"], "Client::Forbidden");
    let wrong_method = ok.call("PUT", "/1.0/me", Some("{}")).await;
    assert_eq!(wrong_method.error_code(), "NOT_GRANTED_CALL");

    // The emulator's clock decides: a skewed emulator refuses our local timestamps.
    emu.set_clock_skew(600);
    assert_eq!(
        ok.call("GET", "/1.0/me", None).await.error_code(),
        "QUERY_TIME_OUT"
    );
    assert_eq!(
        ok.call_at("GET", "/1.0/me", None, now() + 600).await.status,
        200
    );
    emu.set_clock_skew(0);

    let stats = emu.stats();
    assert_eq!(stats.auth_failures, 9, "{stats:?}");
}

#[tokio::test]
async fn signature_covers_raw_path_query_and_body() {
    let emu = start().await;
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &full());
    let s = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    // An ipBlock path parameter: %2F keeps the block in one segment, and is signed as sent.
    let ip = s.call("GET", "/1.0/ip/1.2.3.0%2F24", None).await;
    assert_eq!(ip.status, 200, "{}", ip.text);
    assert!(ip.json().is_object());
    let reverse = s
        .call(
            "POST",
            "/1.0/ip/1.2.3.0%2F24/reverse",
            Some(r#"{"ipReverse":"1.2.3.4","reverse":"h.example.net."}"#),
        )
        .await;
    assert_eq!(reverse.status, 200, "{}", reverse.text);
    assert_eq!(emu.stats().applied("POST /ip/{ip}/reverse"), 1);
    // Unencoded, the slash goes back into the IP block, which `{ip}` may hold.
    let raw = s.call("GET", "/1.0/ip/1.2.3.0/24", None).await;
    assert_eq!((raw.status, &raw.json()["ip"]), (200, &ip.json()["ip"]));
    // Elsewhere it still splits the segment: no such operation.
    assert_eq!(s.call("GET", "/1.0/me/bill/FR1/2", None).await.status, 404);
    // Query strings are part of what is signed.
    let q = s
        .call(
            "GET",
            "/1.0/me/bill?date.from=2024-01-01T00%3A00%3A00%2B01%3A00",
            None,
        )
        .await;
    assert_eq!(q.status, 200, "{}", q.text);
    // The /v1 alias is signed with /v1 in the URL.
    assert_eq!(s.call("GET", "/v1/me", None).await.status, 200);
    // v2.
    let v2 = s
        .call("GET", "/v2/managedCMS/reference/supportedPHPVersions", None)
        .await;
    assert_eq!(v2.status, 200, "{}", v2.text);
    assert!(v2.json().is_array());
}

#[tokio::test]
async fn rules_use_the_paths_ovh_shows() {
    let emu = start().await;
    let (ak, secret) = emu.create_application();
    let v1_only =
        emu.create_consumer_key(&ak, &[("GET", "/managedCMS/*"), ("GET", "/ip/1.2.3.0/24")]);
    let s = Signer::new(&emu.base_url(), &ak, &secret, &v1_only);
    let v2 = s
        .call("GET", "/v2/managedCMS/reference/supportedPHPVersions", None)
        .await;
    assert_eq!(
        v2.error_code(),
        "NOT_GRANTED_CALL",
        "v2 rules start with /v2"
    );
    assert_eq!(
        s.call("GET", "/1.0/ip/1.2.3.0%2F24", None).await.status,
        200,
        "decoded path matches"
    );
    let v2_rule = emu.create_consumer_key(&ak, &[("GET", "/v2/managedCMS/*")]);
    let s = Signer { ck: v2_rule, ..s };
    assert_eq!(
        s.call("GET", "/v2/managedCMS/reference/supportedPHPVersions", None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn allowed_ips_are_enforced() {
    let emu = start().await;
    let (ak, secret) = emu.create_application();
    let here = emu.create_consumer_key_with_ips(&ak, &full(), &["127.0.0.0/8"]);
    let elsewhere = emu.create_consumer_key_with_ips(&ak, &full(), &["203.0.113.0/24"]);
    let s = Signer::new(&emu.base_url(), &ak, &secret, &here);
    assert_eq!(s.call("GET", "/1.0/me", None).await.status, 200);
    let refused = Signer { ck: elsewhere, ..s }
        .call("GET", "/1.0/me", None)
        .await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (403, "NOT_GRANTED_CALL".into())
    );
}

#[tokio::test]
async fn unknown_paths_methods_and_bodies() {
    let emu = start().await;
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &full());
    let s = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    let missing = s.call("GET", "/1.0/nothing/here", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["message"], "Got an invalid (or empty) URL");
    assert_eq!(missing.json()["class"], "Client::NotFound");
    let outside = get(&format!("{}/elsewhere", emu.base_url())).await;
    assert_eq!(outside.status, 404);
    let method = s.call("DELETE", "/1.0/me", None).await;
    assert_eq!(method.status, 405);
    assert_eq!(method.header("allow"), Some("GET, PUT"));
    let bad = s.call("PUT", "/1.0/me", Some("{not json")).await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(bad.json()["class"], "Client::BadRequest");
    assert_eq!(emu.stats().applied("PUT /me"), 0);
    // Unauthenticated operations need no signature, but a sent application key must be known.
    let contracts = get(&format!(
        "{}/newAccount/contracts?company=ovh&subsidiary=FR",
        emu.endpoint()
    ))
    .await;
    assert_eq!(contracts.status, 200, "{}", contracts.text);
    let unknown = answer(
        reqwest::Client::new()
            .get(format!("{}/newAccount/countries", emu.endpoint()))
            .header("X-Ovh-Application", "unknown")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(unknown.error_code(), "INVALID_KEY");
    // Garbage headers are refusals, not crashes.
    let garbage = answer(
        reqwest::Client::new()
            .get(format!("{}/me", emu.endpoint()))
            .header("X-Ovh-Application", &ak)
            .header("X-Ovh-Consumer", &ck)
            .header("X-Ovh-Timestamp", "soon")
            .header("X-Ovh-Signature", "$1$zz")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(garbage.error_code(), "QUERY_TIME_OUT");
}

#[tokio::test]
async fn oauth2_bearer_tokens() {
    let emu = start().await;
    let (id, secret) = emu.create_oauth2_client();
    let http = reqwest::Client::new();
    let token = answer(
        http.post(emu.oauth2_token_url())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("scope", "all"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(token.status, 200, "{}", token.text);
    let t = token.json();
    assert_eq!(
        (
            t["token_type"].as_str(),
            t["expires_in"].as_u64(),
            t["scope"].as_str()
        ),
        (Some("Bearer"), Some(3600), Some("all"))
    );
    let access = t["access_token"].as_str().unwrap();
    let me = answer(
        http.get(format!("{}/me", emu.endpoint()))
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me.status, 200, "{}", me.text);
    let v2 = answer(
        http.get(format!("{}/iam/policy", emu.v2_endpoint()))
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v2.status, 200, "{}", v2.text);

    // HTTP Basic client authentication, as requests-oauthlib sends it.
    let basic = answer(
        http.post(emu.oauth2_token_url())
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials"), ("scope", "all")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(basic.status, 200, "{}", basic.text);

    let bad = answer(
        http.post(emu.oauth2_token_url())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", "wrong"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json()["error"], "invalid_client");

    let forged = answer(
        http.get(format!("{}/me", emu.endpoint()))
            .bearer_auth("forged")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (forged.status, forged.error_code()),
        (401, "INVALID_CREDENTIAL".into())
    );
}

#[tokio::test]
async fn expired_bearer_tokens_are_refused() {
    let emu = ovhcloud_emulator::Emulator::start(
        common::config().oauth2_token_lifetime(std::time::Duration::from_millis(50)),
    )
    .await
    .unwrap();
    let (id, secret) = emu.create_oauth2_client();
    let http = reqwest::Client::new();
    let t = answer(
        http.post(emu.oauth2_token_url())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await
    .json();
    let access = t["access_token"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(80)).await;
    let me = answer(
        http.get(format!("{}/me", emu.endpoint()))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (me.status, me.error_code()),
        (401, "INVALID_CREDENTIAL".into())
    );
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let emu = ovhcloud_emulator::Emulator::start(common::config().rate_limit_per_sec(Some(5)))
        .await
        .unwrap();
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &full());
    let s = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let a = s.call("GET", "/1.0/me", None).await;
        if a.status == 429 {
            assert_eq!(a.header("retry-after"), Some("1"));
            assert_eq!(a.json()["class"], "Client::TooManyRequests");
            assert_eq!(a.json()["message"], "Too many requests");
        }
        statuses.push(a.status);
    }
    // A second of budget (5), then refusals; a slow machine may see one token refilled.
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!(statuses[..5].iter().all(|s| *s == 200), "{statuses:?}");
    assert!((5..=6).contains(&ok), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 8 - ok);
    // Another application has its own budget; /auth/time is never limited.
    let (ak2, secret2) = emu.create_application();
    let ck2 = emu.create_consumer_key(&ak2, &full());
    assert_eq!(
        Signer::new(&emu.base_url(), &ak2, &secret2, &ck2)
            .call("GET", "/1.0/me", None)
            .await
            .status,
        200
    );
    for _ in 0..10 {
        assert_eq!(
            get(&format!("{}/auth/time", emu.endpoint())).await.status,
            200
        );
    }
    let stats = emu.stats();
    assert_eq!(stats.rate_limited as usize, 8 - ok);
    assert_eq!(stats.received("GET /me"), 9);
    assert_eq!(stats.applied("GET /me") as usize, ok + 1);
    // The limit refills.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(s.call("GET", "/1.0/me", None).await.status, 200);
    emu.set_rate_limit(None);
    for _ in 0..10 {
        assert_eq!(s.call("GET", "/1.0/me", None).await.status, 200);
    }
}

#[tokio::test]
async fn admin_api_over_http() {
    let emu = start().await;
    let http = reqwest::Client::new();
    let admin = |path: &str| format!("{}/_emulator{path}", emu.base_url());
    let index = get(&admin("")).await;
    assert!(index.json()["endpoints"].as_array().unwrap().len() >= 8);
    let app = answer(
        http.post(admin("/applications"))
            .json(&json!({"applicationKey": "AK1", "applicationSecret": "AS1"}))
            .send()
            .await
            .unwrap(),
    )
    .await
    .json();
    assert_eq!(
        (
            app["applicationKey"].as_str(),
            app["applicationSecret"].as_str()
        ),
        (Some("AK1"), Some("AS1"))
    );
    let random_app = answer(http.post(admin("/applications")).send().await.unwrap())
        .await
        .json();
    assert_eq!(random_app["applicationKey"].as_str().unwrap().len(), 16);
    let pending = answer(
        http.post(admin("/consumerKeys"))
            .json(&json!({"applicationKey": "AK1", "consumerKey": "CK1", "accessRules": [{"method": "GET", "path": "/me"}], "validated": false}))
            .send()
            .await
            .unwrap(),
    )
    .await
    .json();
    assert_eq!(pending["state"], "pendingValidation");
    let s = Signer::new(&emu.base_url(), "AK1", "AS1", "CK1");
    assert_eq!(
        s.call("GET", "/1.0/me", None).await.error_code(),
        "INVALID_CREDENTIAL"
    );
    let v = answer(
        http.post(admin("/consumerKeys/CK1/validate"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v.json(), json!({"state": "validated"}));
    assert_eq!(s.call("GET", "/1.0/me", None).await.status, 200);
    assert_eq!(
        answer(
            http.post(admin("/consumerKeys/nope/validate"))
                .send()
                .await
                .unwrap()
        )
        .await
        .status,
        404
    );

    let client = answer(
        http.post(admin("/oauth2Clients"))
            .json(&json!({"clientId": "cid", "clientSecret": "csec"}))
            .send()
            .await
            .unwrap(),
    )
    .await
    .json();
    assert_eq!(client, json!({"clientId": "cid", "clientSecret": "csec"}));

    let skew = answer(
        http.put(admin("/clockSkew"))
            .json(&json!({"seconds": 42}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(skew.json(), json!({"seconds": 42}));
    assert_eq!(emu.server_time() - now(), 42);
    assert_eq!(
        get(&admin("/clockSkew")).await.json(),
        json!({"seconds": 42})
    );

    let faults = answer(
        http.put(admin("/faults"))
            .json(&json!({"errorRate": 1.0, "errorStatuses": [503], "onlyPaths": ["/vrack"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(faults.status, 200, "{}", faults.text);
    assert_eq!(emu.faults().error_statuses, vec![503]);
    assert_eq!(get(&admin("/faults")).await.json()["errorRate"], 1.0);
    let bad = answer(
        http.put(admin("/faults"))
            .body("{\"errorRate\": \"lots\"}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bad.status, 400);

    let limit = answer(
        http.put(admin("/rateLimit"))
            .json(&json!({"perSecond": 7}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(limit.json(), json!({"perSecond": 7}));

    let stats = get(&admin("/stats")).await.json();
    assert_eq!(stats["received"]["GET /me"], 2);
    assert_eq!(stats["applied"]["GET /me"], 1);
    assert!(stats["requests"].as_u64().unwrap() >= 10);
    answer(http.delete(admin("/stats")).send().await.unwrap()).await;
    assert_eq!(emu.stats().received("GET /me"), 0);
    assert_eq!(get(&admin("/nothing")).await.status, 404);
}
