//! Generated methods make real, signed HTTP calls and decode typed responses. A small local
//! server plays OVH: it checks the `$1$` signature over exactly the bytes it received.
#![cfg(all(
    feature = "ovhCloudConnect",
    feature = "ip",
    feature = "me",
    feature = "v2_iam"
))]

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{to_bytes, Body};
use axum::http::{HeaderMap, Request, Response, StatusCode};
use ovhcloud::models::ovhcloudconnect::pop_config::StatusEnum;
use ovhcloud::{Client, DeviationKind, Error};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

const AK: &str = "app-key";
const AS: &str = "app-secret-never-printed";
const CK: &str = "consumer-key-never-printed";
const SKEW: i64 = 37;

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path_and_query: String,
    body: String,
    headers: HeaderMap,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn respond(status: StatusCode, body: Value, extra: &[(&str, &str)]) -> Response<Body> {
    let mut r = Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .header("X-Ovh-QueryID", "EU.ext-1.test");
    for (k, v) in extra {
        r = r.header(*k, *v);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

fn signature_ok(seen: &Seen, base: &str) -> bool {
    let h = |n: &str| {
        seen.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let url = format!("{base}{}", seen.path_and_query);
    let mut sha = Sha1::new();
    sha.update(format!(
        "{AS}+{}+{}+{url}+{}+{}",
        h("X-Ovh-Consumer"),
        seen.method,
        seen.body,
        h("X-Ovh-Timestamp")
    ));
    let expected = format!("$1${:x}", sha.finalize());
    h("X-Ovh-Application") == AK && h("X-Ovh-Consumer") == CK && h("X-Ovh-Signature") == expected
}

fn pop_config() -> Value {
    json!({"customerBgpArea": 64512, "id": 7, "interfaceId": 1, "ovhBgpArea": 65001, "status": "migrating",
           "subnet": "10.0.0.0/30", "type": "l3", "addedLater": {"by": "OVH"}})
}

fn policy(i: usize) -> Value {
    json!({"id": format!("00000000-0000-4000-8000-{i:012}"), "name": format!("p{i}"), "identities": [], "owner": "xx1-ovh",
           "permissions": {"allow": [{"action": "*"}]}, "permissionsGroups": [], "readOnly": false, "resources": [],
           "createdAt": "2024-05-06T07:08:09Z", "description": null, "expiredAt": null, "updatedAt": null, "conditions": null})
}

async fn ovh(
    base: Arc<Mutex<String>>,
    log: Arc<Mutex<Vec<Seen>>>,
    req: Request<Body>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = String::from_utf8(to_bytes(body, 1 << 20).await.unwrap().to_vec()).unwrap();
    let seen = Seen {
        method: parts.method.to_string(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        body,
        headers: parts.headers.clone(),
    };
    log.lock().unwrap().push(seen.clone());
    let path = parts.uri.path();
    if path == "/1.0/auth/time" {
        return respond(StatusCode::OK, json!(now() + SKEW), &[]);
    }
    if !signature_ok(&seen, &base.lock().unwrap()) {
        return respond(
            StatusCode::FORBIDDEN,
            json!({"errorCode": "INVALID_SIGNATURE", "message": "Invalid signature"}),
            &[],
        );
    }
    let cursor = parts
        .headers
        .get("X-Pagination-Cursor")
        .map(|v| v.to_str().unwrap().to_owned());
    match (seen.method.as_str(), path) {
        ("GET", p) if p.ends_with("/config/pop/7") => respond(StatusCode::OK, pop_config(), &[]),
        ("GET", "/1.0/ip/192.0.2.0%2F24/reverse") => {
            respond(StatusCode::OK, json!(["192.0.2.1"]), &[])
        }
        ("POST", "/1.0/ip/192.0.2.0%2F24/reverse") => respond(
            StatusCode::OK,
            json!({"ipReverse": "192.0.2.1", "reverse": "host.example."}),
            &[],
        ),
        ("GET", "/1.0/me/bill") => respond(StatusCode::OK, json!(["FR1", "FR2"]), &[]),
        ("GET", "/1.0/me/bill/FR1") => respond(
            StatusCode::OK,
            json!({"billId": "FR1", "category": "purchase", "date": null}),
            &[],
        ),
        ("GET", "/1.0/me/bill/FR2") => respond(StatusCode::OK, json!("not a bill"), &[]),
        ("GET", "/1.0/me/bill/missing") => respond(
            StatusCode::NOT_FOUND,
            json!({"class": "Client::NotFound", "message": "The requested object (billId = missing) does not exist"}),
            &[],
        ),
        ("GET", "/v2/iam/policy") => match cursor.as_deref() {
            None => respond(
                StatusCode::OK,
                json!([policy(1), policy(2)]),
                &[("X-Pagination-Cursor-Next", "c1")],
            ),
            Some("c1") => respond(
                StatusCode::OK,
                json!([policy(3), policy(4)]),
                &[("X-Pagination-Cursor-Next", "c2")],
            ),
            Some("c2") => respond(StatusCode::OK, json!([policy(5)]), &[]),
            Some(other) => respond(
                StatusCode::BAD_REQUEST,
                json!({"message": format!("bad cursor {other}")}),
                &[],
            ),
        },
        _ => respond(
            StatusCode::NOT_FOUND,
            json!({"message": format!("no route {path}")}),
            &[],
        ),
    }
}

struct Server {
    base: String,
    client: Client,
    log: Arc<Mutex<Vec<Seen>>>,
}

async fn server() -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let shared_base = Arc::new(Mutex::new(base.clone()));
    let (l, b) = (log.clone(), shared_base.clone());
    let app =
        axum::Router::new().fallback(move |req: Request<Body>| ovh(b.clone(), l.clone(), req));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::builder()
        .endpoint(format!("{base}/1.0"))
        .application(AK, AS, CK)
        .build()
        .unwrap();
    Server { base, client, log }
}

#[tokio::test]
async fn typed_call_is_signed_with_the_server_clock_and_decoded() {
    let s = server().await;
    let service = "3f2a8f4e-6b1c-4d2e-9f00-1a2b3c4d5e6f".parse().unwrap();
    let pop = s
        .client
        .ovh_cloud_connect()
        .get_config_pop_by_pop_id(service, 7)
        .await
        .unwrap();
    assert_eq!(pop.customer_bgp_area, Some(64512));
    assert_eq!(pop.subnet.unwrap().to_string(), "10.0.0.0/30");
    assert_eq!(
        pop.status,
        StatusEnum::Unknown("migrating".into()),
        "unlisted values are kept"
    );
    assert_eq!(pop.unknown_fields["addedLater"], json!({"by": "OVH"}));
    let log = s.log.lock().unwrap();
    assert_eq!(
        log[0].path_and_query, "/1.0/auth/time",
        "the clock offset is read first"
    );
    assert!(
        log[0].headers.get("X-Ovh-Signature").is_none(),
        "/auth/time is not signed"
    );
    let ts: i64 = log[1].headers["X-Ovh-Timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (ts - (now() + SKEW)).abs() <= 2,
        "timestamp follows the server clock"
    );
}

#[tokio::test]
async fn clock_offset_is_fetched_once_per_client() {
    let s = server().await;
    for _ in 0..3 {
        s.client.me().get_bill().await.unwrap();
    }
    let time_calls = s
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path_and_query == "/1.0/auth/time")
        .count();
    assert_eq!(time_calls, 1);
}

#[tokio::test]
async fn ip_block_is_one_path_segment_and_body_fields_form_one_object() {
    let s = server().await;
    let block = "192.0.2.0/24".parse().unwrap();
    let made = s
        .client
        .ip()
        .post_reverse(block, "192.0.2.1".parse().unwrap(), "host.example.")
        .await
        .unwrap();
    assert_eq!(made.reverse, "host.example.");
    let log = s.log.lock().unwrap();
    let post = log.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(post.path_and_query, "/1.0/ip/192.0.2.0%2F24/reverse");
    assert_eq!(
        serde_json::from_str::<Value>(&post.body).unwrap(),
        json!({"ipReverse": "192.0.2.1", "reverse": "host.example."})
    );
    assert_eq!(post.headers["Content-Type"], "application/json");
}

#[tokio::test]
async fn optional_query_parameters_are_encoded_and_signed() {
    let s = server().await;
    let from = "2024-05-06T07:08:09+02:00".parse().unwrap();
    let bills = s
        .client
        .me()
        .get_bill()
        .date_from(from)
        .category(&"purchase".into())
        .await
        .unwrap();
    assert_eq!(bills, ["FR1", "FR2"]);
    let log = s.log.lock().unwrap();
    let get = log
        .iter()
        .find(|r| r.path_and_query.starts_with("/1.0/me/bill?"))
        .unwrap();
    assert_eq!(
        get.path_and_query,
        "/1.0/me/bill?date.from=2024-05-06T07%3A08%3A09%2B02%3A00&category=purchase"
    );
}

#[tokio::test]
async fn v2_list_follows_the_pagination_cursor() {
    let s = server().await;
    let policies = s.client.v2_iam().get_policy().await.unwrap();
    let names: Vec<_> = policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["p1", "p2", "p3", "p4", "p5"]);
    let cursors: Vec<_> = s
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path_and_query == "/v2/iam/policy")
        .map(|r| {
            r.headers
                .get("X-Pagination-Cursor")
                .map(|v| v.to_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        cursors,
        [None, Some("c1".to_owned()), Some("c2".to_owned())]
    );
}

#[tokio::test]
async fn api_errors_carry_status_class_and_query_id() {
    let s = server().await;
    let err = s
        .client
        .me()
        .get_bill_by_bill_id("missing")
        .await
        .unwrap_err();
    let Error::Api {
        status,
        class,
        query_id,
        operation,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*status, class.as_deref(), query_id.as_deref()),
        (404, Some("Client::NotFound"), Some("EU.ext-1.test"))
    );
    assert_eq!(operation, "GET /me/bill/{billId}");
    assert!(err.to_string().contains("EU.ext-1.test"), "{err}");
}

#[tokio::test]
async fn a_response_that_drifts_from_the_schema_is_corrected_reported_and_counted() {
    let s = server().await;
    // {"billId": "FR1", "category": "purchase", "date": null}: the other members are missing.
    let (bill, deviations) = s
        .client
        .me()
        .get_bill_by_bill_id("FR1")
        .into_call()
        .with_deviations()
        .await
        .unwrap();
    assert_eq!(bill.bill_id, "FR1");
    assert_eq!(bill.date.timestamp(), 0, "the neutral date-time");
    let found: Vec<(&str, DeviationKind)> = deviations
        .iter()
        .map(|d| (d.path.as_str(), d.kind))
        .collect();
    assert!(found.contains(&(".date", DeviationKind::Null)), "{found:?}");
    assert!(
        found.contains(&(".orderId", DeviationKind::Missing)),
        "{found:?}"
    );
    assert!(!found.iter().any(|(p, _)| *p == ".billId"), "{found:?}");
    assert_eq!(
        s.client.deviations().count(DeviationKind::Null),
        1,
        "the client counts what it corrected"
    );
    let total = s.client.deviations().total();
    assert_eq!(total, deviations.len() as u64);
    // Plain `.await` corrects the same way, and counts again.
    s.client.me().get_bill_by_bill_id("FR1").await.unwrap();
    assert_eq!(s.client.deviations().total(), 2 * total);
}

#[tokio::test]
async fn strict_mode_fails_on_every_deviation_per_call_or_per_client() {
    let s = server().await;
    let strict = |err: Error| match err {
        Error::Deviations {
            operation,
            deviations,
            body,
            ..
        } => {
            assert_eq!(operation, "GET /me/bill/{billId}");
            assert!(body.contains("\"billId\":\"FR1\""), "the raw body is kept");
            deviations
        }
        other => panic!("{other:?}"),
    };
    let (_, tolerant) = s
        .client
        .me()
        .get_bill_by_bill_id("FR1")
        .into_call()
        .with_deviations()
        .await
        .unwrap();
    let per_call = strict(
        s.client
            .me()
            .get_bill_by_bill_id("FR1")
            .into_call()
            .strict()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        per_call, tolerant,
        "strict reports exactly what tolerant corrects"
    );
    let client = Client::builder()
        .endpoint(format!("{}/1.0", s.base))
        .application(AK, AS, CK)
        .strict_responses()
        .build()
        .unwrap();
    let err = client.me().get_bill_by_bill_id("FR1").await.unwrap_err();
    assert!(err.to_string().contains(".date: null"), "{err}");
    assert_eq!(strict(err), tolerant);
    // One call may still choose to be tolerant.
    let bill = client
        .me()
        .get_bill_by_bill_id("FR1")
        .into_call()
        .tolerant()
        .await
        .unwrap();
    assert_eq!(bill.bill_id, "FR1");
}

#[tokio::test]
async fn a_response_nothing_can_be_made_of_names_the_operation_and_json_path() {
    let s = server().await;
    let err = s.client.me().get_bill_by_bill_id("FR2").await.unwrap_err();
    let Error::Decode {
        operation,
        path,
        body,
        message,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(operation, "GET /me/bill/{billId}");
    assert_eq!(path, "");
    assert!(message.contains("expected a Bill object"), "{message}");
    assert_eq!(body, "\"not a bill\"", "the raw body is kept");
}

#[tokio::test]
async fn wrong_secret_is_refused_and_secrets_never_show() {
    let s = server().await;
    let bad = Client::builder()
        .endpoint(format!("{}/1.0", s.base))
        .application(AK, "wrong-secret", CK)
        .build()
        .unwrap();
    let debug = format!("{bad:?}");
    assert!(debug.contains(AK), "{debug}");
    assert!(
        !debug.contains("wrong-secret") && !debug.contains(CK),
        "{debug}"
    );
    let err = bad.me().get_bill().await.unwrap_err();
    let Error::Api {
        status, error_code, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*status, error_code.as_deref()),
        (403, Some("INVALID_SIGNATURE"))
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("wrong-secret") && !shown.contains(CK),
        "{shown}"
    );
}
