//! The generated `…_checked` update of a v2 resource: read, change the target specification,
//! write with the checksum read; read again when someone changed it in between. A small local
//! server plays the API and changes the resource once between our read and our write.
#![cfg(feature = "v2_vrackServices")]

use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::http::{Request, Response, StatusCode};
use ovhcloud::models::vrack_services::TargetSubnet;
use ovhcloud::Client;
use serde_json::{json, Value};

/// The resource as the server holds it, and what it saw.
#[derive(Default)]
struct Resource {
    version: u32,
    subnets: Value,
    reads: u32,
    writes: Vec<Value>,
}

fn resource(r: &Resource) -> Value {
    json!({"id": "vrs-1", "checksum": format!("c{}", r.version), "resourceStatus": "READY",
           "createdAt": "2024-05-06T07:08:09Z", "updatedAt": "2024-05-06T07:08:09Z",
           "currentState": {}, "currentTasks": [], "targetSpec": {"subnets": r.subnets}})
}

async fn api(state: Arc<Mutex<Resource>>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, 1 << 20).await.unwrap();
    let json = |status: StatusCode, value: Value| {
        Response::builder()
            .status(status)
            .header("Content-Type", "application/json")
            .body(Body::from(value.to_string()))
            .unwrap()
    };
    if parts.uri.path() == "/1.0/auth/time" {
        return json(StatusCode::OK, json!(1_700_000_000));
    }
    let mut r = state.lock().unwrap();
    match parts.method.as_str() {
        "GET" => {
            r.reads += 1;
            let answer = resource(&r);
            // Someone else changes it right after our first read.
            if r.reads == 1 {
                r.version += 1;
            }
            json(StatusCode::OK, answer)
        }
        "PUT" => {
            let sent: Value = serde_json::from_slice(&body).unwrap();
            r.writes.push(sent.clone());
            if sent["checksum"] != json!(format!("c{}", r.version)) {
                return json(
                    StatusCode::CONFLICT,
                    json!({"class": "Client::Conflict", "message": "checksum mismatch"}),
                );
            }
            r.subnets = sent["targetSpec"]["subnets"].clone();
            r.version += 1;
            json(StatusCode::OK, resource(&r))
        }
        _ => json(StatusCode::NOT_FOUND, json!({"message": "no"})),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_concurrent_change_is_read_again_then_written() {
    let state = Arc::new(Mutex::new(Resource {
        subnets: json!([]),
        ..Resource::default()
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shared = state.clone();
    let app = axum::Router::new().fallback(move |req: Request<Body>| api(shared.clone(), req));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::builder()
        .endpoint(format!("http://{address}/1.0"))
        .application("ak", "as", "ck")
        .build()
        .unwrap();
    let mut changes = 0;
    let updated = client
        .v2_vrack_services()
        .put_resource_by_vrack_services_id_checked("vrs-1", |spec| {
            changes += 1;
            let subnet: TargetSubnet = serde_json::from_value(json!({
                "cidr": "10.0.0.0/24", "displayName": "mine", "serviceRange": {"cidr": "10.0.0.0/27"},
                "vlan": 30, "serviceEndpoints": []
            }))
            .unwrap();
            spec.subnets.push(subnet);
        })
        .await
        .unwrap();
    assert_eq!(changes, 2, "read again after the conflict");
    assert_eq!(updated.target_spec.subnets.len(), 1);
    let r = state.lock().unwrap();
    assert_eq!(r.reads, 2);
    let checksums: Vec<&Value> = r.writes.iter().map(|w| &w["checksum"]).collect();
    assert_eq!(checksums, [&json!("c0"), &json!("c1")]);
    assert_eq!(r.subnets[0]["cidr"], "10.0.0.0/24");
}
