//! Schema-driven state over HTTP, on the real snapshot: collections without a hand-written flow
//! keep what is created in them, calls are validated against the schema, paths are accepted as
//! clients send them, and the state can be seeded and dumped.

mod common;

use common::{answer, Answer, Signer};
use ovhcloud_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};

const FULL: [(&str, &str); 4] = [
    ("GET", "/*"),
    ("POST", "/*"),
    ("PUT", "/*"),
    ("DELETE", "/*"),
];

const RECORDS: &str = "/1.0/domain/zone/example.com/record";

async fn start() -> (Emulator, Signer) {
    let emu = Emulator::start(EmulatorConfig::new(common::snapshot()).rate_limit_per_sec(None))
        .await
        .expect("the emulator starts on the snapshot");
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &FULL);
    let signer = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    (emu, signer)
}

/// The JSON of a 200 answer; panics on anything else.
fn ok(answer: &Answer) -> Value {
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.json()
}

/// The message of a `400 Client::BadRequest`; panics on anything else.
fn bad_request(answer: &Answer) -> String {
    assert_eq!(answer.status, 400, "{answer:?}");
    let body = answer.json();
    assert_eq!(body["class"], "Client::BadRequest", "{body}");
    body["message"].as_str().unwrap().to_owned()
}

async fn create_record(signer: &Signer, sub: &str, ty: &str, target: &str) -> Value {
    let body = json!({"fieldType": ty, "subDomain": sub, "target": target, "ttl": 60});
    ok(&signer.call("POST", RECORDS, Some(&body.to_string())).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_collection_without_flow_is_created_listed_read_updated_and_deleted() {
    let (emu, signer) = start().await;
    let www = create_record(&signer, "www", "A", "192.0.2.1").await;
    assert_eq!(www["id"], 1, "{www}");
    assert_eq!(
        (
            &www["fieldType"],
            &www["subDomain"],
            &www["target"],
            &www["ttl"]
        ),
        (&json!("A"), &json!("www"), &json!("192.0.2.1"), &json!(60))
    );
    let mail = create_record(&signer, "mail", "MX", "10 mx.example.com.").await;
    assert_eq!(mail["id"], 2, "{mail}");

    assert_eq!(ok(&signer.call("GET", RECORDS, None).await), json!([1, 2]));
    // A query parameter named like a member filters; the signature covers the query sent.
    let only_a = signer
        .call("GET", &format!("{RECORDS}?fieldType=A"), None)
        .await;
    assert_eq!(ok(&only_a), json!([1]));
    let read = ok(&signer.call("GET", &format!("{RECORDS}/1"), None).await);
    assert_eq!(read, www, "the item reads as it was created");

    let put = r#"{"target":"192.0.2.2"}"#;
    let updated = signer.call("PUT", &format!("{RECORDS}/1"), Some(put)).await;
    assert_eq!(ok(&updated), Value::Null, "PUT answers void");
    let read = ok(&signer.call("GET", &format!("{RECORDS}/1"), None).await);
    assert_eq!(
        (&read["target"], &read["id"]),
        (&json!("192.0.2.2"), &json!(1))
    );
    assert_eq!(read["subDomain"], "www", "members not sent stay");

    assert_eq!(
        ok(&signer.call("DELETE", &format!("{RECORDS}/1"), None).await),
        Value::Null
    );
    let gone = signer.call("GET", &format!("{RECORDS}/1"), None).await;
    assert_eq!(gone.status, 404, "{gone:?}");
    assert_eq!(
        gone.json()["message"],
        "The requested object (id = 1) does not exist"
    );
    let again = signer.call("DELETE", &format!("{RECORDS}/1"), None).await;
    assert_eq!(again.status, 404, "{again:?}");
    assert_eq!(ok(&signer.call("GET", RECORDS, None).await), json!([2]));

    // Another zone is another collection: never written, it answers examples.
    let other = ok(&signer
        .call("GET", "/1.0/domain/zone/other.example/record", None)
        .await);
    assert!(other.is_array(), "{other}");
    let stats = emu.stats();
    assert_eq!(stats.applied("POST /domain/zone/{zoneName}/record"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn ids_come_from_the_body_when_it_names_them() {
    let (_emu, signer) = start().await;
    let body = r#"{"key":"ssh-ed25519 AAAAC3Nz laptop","keyName":"laptop"}"#;
    let created = signer.call("POST", "/1.0/me/sshKey", Some(body)).await;
    assert_eq!(ok(&created), Value::Null, "POST /me/sshKey answers void");
    assert_eq!(
        ok(&signer.call("GET", "/1.0/me/sshKey", None).await),
        json!(["laptop"])
    );
    let key = ok(&signer.call("GET", "/1.0/me/sshKey/laptop", None).await);
    assert_eq!(
        key,
        json!({"keyName": "laptop", "key": "ssh-ed25519 AAAAC3Nz laptop"})
    );
    let twice = signer.call("POST", "/1.0/me/sshKey", Some(body)).await;
    assert_eq!(twice.status, 409, "{twice:?}");
    assert_eq!(twice.json()["class"], "Client::Conflict");
}

#[tokio::test(flavor = "multi_thread")]
async fn v2_collections_list_objects_with_generated_uuids() {
    let (_emu, signer) = start().await;
    let path = "/v2/notification/contactMean";
    let body = r#"{"type":"EMAIL","email":"ops@example.com","description":"ops"}"#;
    let created = ok(&signer.call("POST", path, Some(body)).await);
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(uuid_like(&id), "{created}");
    assert_eq!(created["email"], "ops@example.com");
    assert_eq!(ok(&signer.call("GET", path, None).await), json!([created]));
    let put = r#"{"description":"on call"}"#;
    let updated = ok(&signer.call("PUT", &format!("{path}/{id}"), Some(put)).await);
    assert_eq!(
        (&updated["description"], &updated["id"]),
        (&json!("on call"), &json!(id))
    );
    let deleted = signer.call("DELETE", &format!("{path}/{id}"), None).await;
    assert_eq!(ok(&deleted), Value::Null);
    assert_eq!(ok(&signer.call("GET", path, None).await), json!([]));
}

fn uuid_like(text: &str) -> bool {
    text.len() == 36 && text.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_breaking_the_schema_get_ovh_400s() {
    let (emu, signer) = start().await;
    let post = |body: &'static str| signer.call("POST", "/1.0/me/sshKey", Some(body));
    assert_eq!(
        bad_request(&post(r#"{"keyName":"k"}"#).await),
        "[key] Property is mandatory"
    );
    assert_eq!(
        bad_request(&post(r#"{"keyName":"k","key":7}"#).await),
        "[key] Given data (7) is not valid for type string"
    );
    assert_eq!(
        bad_request(&post(r#"{"keyName":"k","key":"x","color":"red"}"#).await),
        "Received not described parameters: (color) while calling POST:/me/sshKey"
    );
    let record = r#"{"fieldType":"XX","target":"192.0.2.1"}"#;
    assert_eq!(
        bad_request(&signer.call("POST", RECORDS, Some(record)).await),
        "[fieldType] Given data (XX) does not belong to the domain.zone.RecordTypeEnum enumeration"
    );
    let ttl = r#"{"fieldType":"A","target":"192.0.2.1","ttl":"soon"}"#;
    assert_eq!(
        bad_request(&signer.call("POST", RECORDS, Some(ttl)).await),
        "[ttl] Given data (soon) is not valid for type long"
    );
    assert_eq!(
        bad_request(
            &signer
                .call("GET", &format!("{RECORDS}?fieldType=XX"), None)
                .await
        ),
        "[fieldType] Given data (XX) does not belong to the domain.zone.RecordTypeEnum enumeration"
    );
    assert_eq!(
        bad_request(&signer.call("GET", &format!("{RECORDS}/abc"), None).await),
        "[id] Given data (abc) is not valid for type long"
    );
    let stats = emu.stats();
    assert_eq!(stats.invalid, 7, "{stats:?}");
    assert_eq!(
        stats.applied("POST /me/sshKey"),
        0,
        "nothing invalid was applied"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_are_taken_as_clients_send_them() {
    let (_emu, signer) = start().await;
    // A trailing slash is the same collection.
    let zones = ok(&signer.call("GET", "/1.0/domain/zone/", None).await);
    assert_eq!(
        zones,
        ok(&signer.call("GET", "/1.0/domain/zone", None).await)
    );
    create_record(&signer, "www", "A", "192.0.2.1").await;
    assert_eq!(
        ok(&signer.call("GET", &format!("{RECORDS}/"), None).await),
        json!([1])
    );
    // An IP block encoded as %2F, %2f or not at all is one value, one collection.
    let reverse = r#"{"ipReverse":"192.0.2.7","reverse":"host.example.net."}"#;
    let created = signer
        .call("POST", "/1.0/ip/192.0.2.0%2F24/reverse", Some(reverse))
        .await;
    assert_eq!(ok(&created)["ipReverse"], "192.0.2.7");
    for spelling in ["192.0.2.0%2F24", "192.0.2.0%2f24", "192.0.2.0/24"] {
        let list = signer
            .call("GET", &format!("/1.0/ip/{spelling}/reverse"), None)
            .await;
        assert_eq!(ok(&list), json!(["192.0.2.7"]), "{spelling}");
        let item = signer
            .call(
                "GET",
                &format!("/1.0/ip/{spelling}/reverse/192.0.2.7"),
                None,
            )
            .await;
        assert_eq!(ok(&item)["reverse"], "host.example.net.", "{spelling}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn state_is_seeded_and_dumped() {
    let (emu, signer) = start().await;
    let seed = json!({"collections": {
        "/1.0/me/sshKey": [{"id": "ci", "object": {"key": "ssh-ed25519 AAAA ci"}}],
        "/1.0/domain/zone/example.com/record/": [
            {"id": 5, "object": {"fieldType": "A", "target": "192.0.2.5"}}
        ],
    }});
    let http = reqwest::Client::new();
    let admin = format!("{}/_emulator/state", emu.base_url());
    let put = answer(
        http.put(&admin)
            .body(seed.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ok(&put), json!({"loaded": 2}));
    assert_eq!(
        ok(&signer.call("GET", "/1.0/me/sshKey/ci", None).await),
        json!({"keyName": "ci", "key": "ssh-ed25519 AAAA ci"}),
        "the id member is the id; the object is taken as given"
    );
    let record = ok(&signer.call("GET", &format!("{RECORDS}/5"), None).await);
    assert_eq!(
        (&record["id"], &record["target"]),
        (&json!(5), &json!("192.0.2.5"))
    );
    assert!(
        record["zone"].is_string(),
        "completed with examples: {record}"
    );
    // The next id follows the seeded ones.
    assert_eq!(create_record(&signer, "", "A", "192.0.2.6").await["id"], 6);

    let dumped = ok(&answer(http.get(&admin).send().await.unwrap()).await);
    assert_eq!(dumped, emu.state());
    let records = dumped["collections"][RECORDS].as_array().unwrap();
    assert_eq!(records.len(), 2, "{dumped}");
    assert_eq!(dumped["collections"]["/1.0/me/sshKey"][0]["id"], "ci");

    // The dump loads into another emulator as it is.
    let (other, _) = start().await;
    assert_eq!(other.load_state(&dumped), Ok(3));
    assert_eq!(other.state(), dumped);

    // A bad document changes nothing.
    let bad = json!({"collections": {"/1.0/me": []}});
    let refused = answer(http.put(&admin).body(bad.to_string()).send().await.unwrap()).await;
    assert!(
        bad_request(&refused).contains("not a collection"),
        "{refused:?}"
    );
    assert!(other
        .load_state(&json!({"collections": {"/nope": []}}))
        .is_err());
    assert_eq!(emu.state(), dumped);

    let cleared = answer(http.delete(&admin).send().await.unwrap()).await;
    assert_eq!(ok(&cleared), json!({}));
    assert_eq!(emu.state(), json!({"collections": {}}));
}
