//! The request pipeline over real sockets: retries (and never a POST twice), `Retry-After`,
//! clock re-sync, OAuth2 tokens, the shared rate limit, v2 page streams and task waiting.
#![cfg(all(
    feature = "me",
    feature = "ip",
    feature = "v2_iam",
    feature = "ovhCloudConnect"
))]

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{to_bytes, Body};
use axum::http::{Request, Response, StatusCode};
use futures_util::{StreamExt, TryStreamExt};
use ovhcloud::wait::{until, Progress, WaitOptions};
use ovhcloud::{Client, Error, RateLimiter, RetryPolicy};
use serde_json::{json, Value};

#[derive(Default)]
struct State {
    hits: Mutex<HashMap<String, usize>>,
    /// Seconds the fake API's clock is ahead of ours.
    skew: AtomicI64,
    tokens_issued: AtomicI64,
    revoked_token: Mutex<Option<String>>,
}

impl State {
    fn hit(&self, key: &str) -> usize {
        let mut hits = self.hits.lock().unwrap();
        let n = hits.entry(key.to_owned()).or_default();
        *n += 1;
        *n
    }

    fn hits(&self, key: &str) -> usize {
        self.hits.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn reply(status: u16, body: Value, headers: &[(&str, &str)]) -> Response<Body> {
    let mut r = Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("X-Ovh-QueryID", "EU.test.1");
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

fn policy(i: usize) -> Value {
    json!({"id": format!("00000000-0000-4000-8000-{i:012}"), "name": format!("p{i}"), "identities": [], "owner": "o",
           "permissions": {}, "permissionsGroups": [], "readOnly": false, "resources": [], "createdAt": "2024-05-06T07:08:09Z"})
}

async fn handle(state: Arc<State>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = String::from_utf8(to_bytes(body, 1 << 20).await.unwrap().to_vec()).unwrap();
    let path = parts.uri.path().to_owned();
    let key = format!("{} {path}", parts.method);
    let n = state.hit(&key);
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match key.as_str() {
        "GET /1.0/auth/time" => reply(200, json!(now() + state.skew.load(Ordering::SeqCst)), &[]),
        "POST /oauth2/token" => {
            assert!(
                body.contains("grant_type=client_credentials") && body.contains("client_id=sa-1"),
                "{body}"
            );
            let id = state.tokens_issued.fetch_add(1, Ordering::SeqCst) + 1;
            reply(
                200,
                json!({"access_token": format!("tok-{id}"), "token_type": "Bearer", "expires_in": 3600}),
                &[],
            )
        }
        "GET /1.0/me/bill" => match n {
            1 => reply(503, json!({"message": "busy"}), &[]),
            2 => reply(
                429,
                json!({"message": "slow down"}),
                &[("Retry-After", "1")],
            ),
            _ => reply(200, json!(["FR1"]), &[]),
        },
        "POST /1.0/ip/192.0.2.0%2F24/reverse" => reply(503, json!({"message": "unavailable"}), &[]),
        "GET /1.0/me/bill/FR1" => {
            // Checks the signed timestamp against the API clock, as OVH does.
            let ts: i64 = header("X-Ovh-Timestamp")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            if (ts - (now() + state.skew.load(Ordering::SeqCst))).abs() > 2 {
                return reply(
                    400,
                    json!({"errorCode": "INVALID_TIMESTAMP", "message": "Invalid timestamp"}),
                    &[],
                );
            }
            reply(
                404,
                json!({"class": "Client::NotFound", "message": "no bill"}),
                &[],
            )
        }
        "GET /1.0/me" => {
            let auth = header("Authorization").unwrap_or_default();
            if Some(auth.trim_start_matches("Bearer ").to_owned())
                == *state.revoked_token.lock().unwrap()
            {
                return reply(401, json!({"message": "token revoked"}), &[]);
            }
            reply(
                403,
                json!({"errorCode": "NOT_GRANTED_CALL", "message": format!("seen {auth}")}),
                &[],
            )
        }
        "GET /v2/iam/policy" => match header("X-Pagination-Cursor").as_deref() {
            None => reply(
                200,
                json!([policy(1), policy(2)]),
                &[("X-Pagination-Cursor-Next", "c1")],
            ),
            Some("c1") => reply(
                200,
                json!([policy(3)]),
                &[("X-Pagination-Cursor-Next", "c2")],
            ),
            Some("c2") => reply(200, json!([policy(4), policy(5)]), &[]),
            Some(_) => reply(400, json!({"message": "bad cursor"}), &[]),
        },
        k if k.starts_with("GET /1.0/ovhCloudConnect/") && k.contains("/task/") => {
            let status = ["todo", "doing", "doing", "done"][(n - 1).min(3)];
            reply(
                200,
                json!({"function": "addPop", "id": 42, "resourceId": 7, "status": status}),
                &[],
            )
        }
        _ => reply(404, json!({"message": format!("no route {key}")}), &[]),
    }
}

async fn serve() -> (String, Arc<State>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(State::default());
    let s = state.clone();
    let app = axum::Router::new().fallback(move |req: Request<Body>| handle(s.clone(), req));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, state)
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

fn app_client(base: &str) -> Client {
    Client::builder()
        .endpoint(base)
        .application("ak", "as", "ck")
        .retry(fast_retries())
        .build()
        .unwrap()
}

#[tokio::test]
async fn idempotent_calls_are_retried_and_retry_after_is_honoured() {
    let (base, state) = serve().await;
    let start = Instant::now();
    let bills = app_client(&base).me().get_bill().await.unwrap();
    assert_eq!(bills, ["FR1"]);
    assert_eq!(state.hits("GET /1.0/me/bill"), 3);
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was waited: {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_post_is_never_sent_twice_unless_allowed() {
    let (base, state) = serve().await;
    let c = app_client(&base);
    let block = "192.0.2.0/24".parse().unwrap();
    let err = c
        .ip()
        .post_reverse(block, "192.0.2.1".parse().unwrap(), "h.example.")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(state.hits("POST /1.0/ip/192.0.2.0%2F24/reverse"), 1);
    let err = c
        .ip()
        .post_reverse(block, "192.0.2.1".parse().unwrap(), "h.example.")
        .allow_retry()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        state.hits("POST /1.0/ip/192.0.2.0%2F24/reverse"),
        1 + 4,
        "the default policy makes 4 attempts"
    );
}

#[tokio::test]
async fn a_refused_timestamp_resyncs_the_clock_once() {
    let (base, state) = serve().await;
    let c = app_client(&base);
    // Learn the offset, then let the API clock jump 5 minutes.
    let _ = c.me().get_bill_by_bill_id("FR1").await;
    state.skew.store(300, Ordering::SeqCst);
    let err = c.me().get_bill_by_bill_id("FR1").await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(404),
        "the retry after re-sync reached the handler: {err}"
    );
    assert_eq!(state.hits("GET /1.0/auth/time"), 2);
}

#[tokio::test]
async fn oauth2_tokens_are_fetched_once_cached_and_renewed_when_refused() {
    let (base, state) = serve().await;
    let c = Client::builder()
        .endpoint(&base)
        .oauth2("sa-1", "sa-secret")
        .oauth2_token_url(format!("{base}/oauth2/token"))
        .retry(fast_retries())
        .build()
        .unwrap();
    for _ in 0..3 {
        let err = c.me().get().await.unwrap_err();
        assert!(err.is_not_granted());
        assert!(err.to_string().contains("seen Bearer tok-1"), "{err}");
    }
    assert_eq!(state.tokens_issued.load(Ordering::SeqCst), 1, "cached");
    *state.revoked_token.lock().unwrap() = Some("tok-1".into());
    let err = c.me().get().await.unwrap_err();
    assert!(
        err.to_string().contains("seen Bearer tok-2"),
        "a refused token is replaced: {err}"
    );
    assert!(!format!("{c:?}").contains("sa-secret"));
}

#[tokio::test]
async fn clones_share_one_rate_limit() {
    let (base, _state) = serve().await;
    let c = Client::builder()
        .endpoint(&base)
        .application("ak", "as", "ck")
        .rate_limit(RateLimiter::new(20, 1))
        .build()
        .unwrap();
    let start = Instant::now();
    let calls = (0..10).map(|_| {
        let c = c.clone();
        tokio::spawn(async move {
            c.v2_iam()
                .get_policy_by_policy_id("00000000-0000-4000-8000-000000000001".parse().unwrap())
                .await
        })
    });
    for call in calls {
        let _ = call.await.unwrap();
    }
    // 10 calls + 1 /auth/time at 20 per second, burst 1.
    assert!(
        start.elapsed() >= Duration::from_millis(450),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn v2_lists_stream_page_by_page() {
    let (base, state) = serve().await;
    let c = app_client(&base);
    let pages: Vec<Vec<_>> = c.v2_iam().get_policy().pages().try_collect().await.unwrap();
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1, 2]);
    let first_two: Vec<_> = c
        .v2_iam()
        .get_policy()
        .stream()
        .take(2)
        .map(|p| p.unwrap().name)
        .collect()
        .await;
    assert_eq!(first_two, ["p1", "p2"]);
    assert_eq!(
        state.hits("GET /v2/iam/policy"),
        3 + 1,
        "a stream stops fetching when the caller stops reading"
    );
}

#[tokio::test]
async fn waiting_for_a_task_returns_its_final_state() {
    let (base, state) = serve().await;
    let c = app_client(&base);
    let occ = c.ovh_cloud_connect();
    let service = "3f2a8f4e-6b1c-4d2e-9f00-1a2b3c4d5e6f".parse().unwrap();
    let options =
        WaitOptions::default().interval(Duration::from_millis(10), Duration::from_millis(40));
    let task = until("task 42", &options, || async {
        Ok(Progress::of_task(
            occ.get_task_by_id(service, 42).await?,
            |t| t.status.as_str(),
        ))
    })
    .await
    .unwrap();
    assert_eq!(task.status.as_str(), "done");
    assert_eq!(
        state.hits(&format!("GET /1.0/ovhCloudConnect/{service}/task/42")),
        4
    );
    let err = until(
        "task 42",
        &options.clone().timeout(Duration::from_millis(1)),
        || async { Ok(Progress::of_task((), |_| "doing")) },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::WaitTimeout { .. }), "{err}");
}
