//! The hostile-server suite: both providers' clients — OVHcloud's (`ovhcloud_runtime::Client`)
//! and Scaleway's — against a server that misbehaves on purpose, over real sockets. Every
//! scenario must end with the right typed error within its deadline, without a panic, and
//! without a credential reaching any other host. It lives here because this crate sees both
//! clients; both run on the one pipeline of `ovhcloud_runtime::pipeline`.

mod hostile;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hostile::{Hostile, Script};
use ovhcloud_runtime::{Branch, Call, Method, RetryPolicy};
use serde_json::Value;

/// The attempt timeout and the call's deadline the scenarios run with.
const ATTEMPT: Duration = Duration::from_millis(400);
const DEADLINE: Duration = Duration::from_millis(1000);
/// How late after its deadline a call may end: scheduling on a loaded 2-core CI machine.
const SLACK: Duration = Duration::from_millis(300);
/// The size limit of the scenarios.
const LIMIT: u64 = 64 * 1024;

const SECRETS: [&str; 3] = [
    "OVH-CONSUMER-SECRET",
    "OVH-APPLICATION-SECRET",
    "11111111-aaaa-bbbb-cccc-222222222222",
];

/// How a call ended, in the words both providers' errors share.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    Ok,
    Timeout { attempts: u32 },
    TooLarge,
    Decode(String),
    Redirect(u16),
    Transport,
    Status(u16),
    Other(String),
}

fn ovh_ended(result: Result<Value, ovhcloud_runtime::Error>) -> Ended {
    use ovhcloud_runtime::Error as E;
    match result {
        Ok(_) => Ended::Ok,
        Err(E::Timeout { attempts, .. }) => Ended::Timeout { attempts },
        Err(E::TooLarge { .. }) => Ended::TooLarge,
        Err(E::Decode { message, .. }) => Ended::Decode(message),
        Err(E::Redirect { status, .. }) => Ended::Redirect(status),
        Err(E::Transport { .. }) => Ended::Transport,
        Err(E::Api { status, .. }) => Ended::Status(status),
        Err(other) => Ended::Other(other.to_string()),
    }
}

fn scaleway_ended(result: Result<Value, scaleway_interlink::Error>) -> Ended {
    use scaleway_interlink::Error as E;
    match result {
        Ok(_) => Ended::Ok,
        Err(E::Timeout { attempts, .. }) => Ended::Timeout { attempts },
        Err(E::TooLarge { .. }) => Ended::TooLarge,
        Err(E::Decode { message, .. }) => Ended::Decode(message),
        Err(E::Redirect { status, .. }) => Ended::Redirect(status),
        Err(E::Transport { .. }) => Ended::Transport,
        Err(e) => match e.status() {
            Some(status) => Ended::Status(status),
            None => Ended::Other(e.to_string()),
        },
    }
}

/// Fast retries, so that the deadline, not the backoff, is what a scenario meets.
fn retry() -> RetryPolicy {
    RetryPolicy::default().base_delay(Duration::from_millis(10))
}

/// The OVHcloud client's call on `url`: a signed GET, each attempt limited to [`ATTEMPT`], the
/// whole call to [`DEADLINE`], answers to [`LIMIT`] bytes. `http`: the caller's own client.
async fn ovh_call(url: &str, http: Option<reqwest::ClientBuilder>) -> (Ended, Duration) {
    let mut builder = ovhcloud_runtime::Client::builder()
        .endpoint(url)
        .application("AK", SECRETS[1], SECRETS[0])
        .server_time_offset(0)
        .rate_limit(ovhcloud_runtime::RateLimiter::unlimited())
        .retry(retry())
        .timeout(ATTEMPT)
        .deadline(DEADLINE)
        .max_response_size(LIMIT);
    if let Some(http) = http {
        builder = builder.http_client(http);
    }
    let client = builder.build().unwrap();
    let started = Instant::now();
    let result = Call::<Value>::new(&client, Branch::V1, Method::Get, "/me/bill").await;
    (ovh_ended(result), started.elapsed())
}

/// The same call from Scaleway's client, with its `X-Auth-Token`.
async fn scaleway_call(url: &str, http: Option<reqwest::ClientBuilder>) -> (Ended, Duration) {
    let mut builder = scaleway_interlink::Client::builder()
        .api_url(url)
        .secret_key(SECRETS[2])
        .retry(retry())
        .timeout(ATTEMPT)
        .deadline(DEADLINE)
        .max_response_size(LIMIT);
    if let Some(http) = http {
        builder = builder.http_client(http);
    }
    let client = builder.build().unwrap();
    let started = Instant::now();
    let template = "/interlink/v1beta1/regions/fr-par/pops";
    let result =
        scaleway_interlink::Call::<Value>::new(&client, Branch::V1, Method::Get, template).await;
    (scaleway_ended(result), started.elapsed())
}

/// Runs `script` against both clients and checks how each call ended, and that it ended in
/// time.
async fn both(script: Script, expected: impl Fn(&Ended) -> bool) -> [Hostile; 2] {
    let mut servers = Vec::new();
    for provider in ["ovhcloud", "scaleway"] {
        let server = Hostile::start(script, None).await;
        let (ended, elapsed) = match provider {
            "ovhcloud" => ovh_call(&server.url, None).await,
            _ => scaleway_call(&server.url, None).await,
        };
        assert!(
            expected(&ended),
            "{provider}, {script:?}: ended with {ended:?}"
        );
        assert!(
            elapsed <= DEADLINE + SLACK,
            "{provider}, {script:?}: took {elapsed:?}, the deadline is {DEADLINE:?}"
        );
        servers.push(server);
    }
    servers.try_into().ok().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_headers_end_at_the_deadline_with_a_timeout() {
    for server in both(
        Script::StallHeaders,
        |e| matches!(e, Ended::Timeout { attempts } if *attempts >= 2),
    )
    .await
    {
        assert!(server.connections.load(Ordering::SeqCst) >= 2, "retried");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_a_timeout_not_a_decode_error() {
    both(Script::StallBody, |e| matches!(e, Ended::Timeout { .. })).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_counts_against_the_deadline() {
    both(Script::Trickle, |e| matches!(e, Ended::Timeout { .. })).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_ends_after_reading_at_most_the_limit() {
    for script in [Script::HugeDeclared, Script::HugeChunked] {
        for server in both(script, |e| *e == Ended::TooLarge).await {
            // Not retried: the same answer would come again.
            assert_eq!(server.connections.load(Ordering::SeqCst), 1, "{script:?}");
            // The socket buffers hold some more than the client read; not the 16 MiB.
            let written = server.written.load(Ordering::SeqCst);
            assert!(written < 8 << 20, "{script:?}: {written} bytes written");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_exactly_the_limit_is_accepted() {
    both(Script::SizedString(LIMIT as usize), |e| *e == Ended::Ok).await;
    both(Script::SizedString(LIMIT as usize + 1), |e| {
        *e == Ended::TooLarge
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_that_names_another_host_is_not_sent() {
    let elsewhere = Hostile::start(Script::Html, None).await;
    let server = Hostile::start(Script::Html, None).await;
    let client = scaleway_interlink::Client::builder()
        .api_url(server.url.as_str())
        .secret_key(SECRETS[2])
        .build()
        .unwrap();
    // `http://127.0.0.1:A` + `@127.0.0.1:B/x` is a URL of host B.
    let template = format!("@{}/x", elsewhere.url.trim_start_matches("http://"));
    let result =
        scaleway_interlink::Call::<Value>::new(&client, Branch::V1, Method::Get, template).await;
    let ended = scaleway_ended(result);
    assert!(
        matches!(&ended, Ended::Other(m) if m.contains("not on the configured API URL")),
        "{ended:?}"
    );
    assert_eq!(elsewhere.connections.load(Ordering::SeqCst), 0);
    assert_eq!(server.connections.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_and_mis_sized_bodies_are_errors() {
    both(Script::Truncated, |e| *e == Ended::Transport).await;
    both(Script::MisSized, |e| matches!(e, Ended::Decode(_))).await;
    both(Script::ResetMidBody, |e| *e == Ended::Transport).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_and_html_are_reported_not_replaced() {
    both(
        Script::NotUtf8,
        |e| matches!(e, Ended::Decode(m) if m.contains("not UTF-8")),
    )
    .await;
    both(Script::Html, |e| matches!(e, Ended::Decode(_))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed() {
    for server in both(Script::EndlessRedirect, |e| *e == Ended::Redirect(302)).await {
        assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_reaches_another_host_even_with_a_client_that_follows_redirects() {
    for provider in ["ovhcloud", "scaleway"] {
        for own_client in [false, true] {
            let elsewhere = Hostile::start(Script::Html, None).await;
            let server =
                Hostile::start(Script::RedirectElsewhere, Some(elsewhere.url.clone())).await;
            // A client of the caller's that would follow ten redirects.
            let http = own_client.then(|| {
                reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(10))
            });
            let (ended, _) = match provider {
                "ovhcloud" => ovh_call(&server.url, http).await,
                _ => scaleway_call(&server.url, http).await,
            };
            assert_eq!(
                ended,
                Ended::Redirect(307),
                "{provider}, own client {own_client}"
            );
            assert_eq!(
                elsewhere.connections.load(Ordering::SeqCst),
                0,
                "{provider}: the other host was contacted: {}",
                elsewhere.received()
            );
            // The configured endpoint did receive the credentials: they work there.
            let received = server.received();
            let sent = match provider {
                "ovhcloud" => "x-ovh-consumer: OVH-CONSUMER-SECRET",
                _ => "x-auth-token: 11111111",
            };
            assert!(
                received.to_lowercase().contains(&sent.to_lowercase()),
                "{received}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_retry_after_gives_up_at_once() {
    for server in both(Script::HugeRetryAfter, |e| *e == Ended::Status(429)).await {
        assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_debug_output_hold_no_secret() {
    let server = Hostile::start(Script::NotUtf8, None).await;
    let ovh = ovhcloud_runtime::Client::builder()
        .endpoint(server.url.as_str())
        .application("AK", SECRETS[1], SECRETS[0])
        .server_time_offset(0)
        .max_response_size(LIMIT)
        .build()
        .unwrap();
    let scw = scaleway_interlink::Client::builder()
        .api_url(server.url.as_str())
        .secret_key(SECRETS[2])
        .build()
        .unwrap();
    let e1 = Call::<Value>::new(&ovh, Branch::V1, Method::Get, "/me")
        .await
        .unwrap_err();
    let e2 = scaleway_interlink::Call::<Value>::new(&scw, Branch::V1, Method::Get, "/x")
        .await
        .unwrap_err();
    let shown = format!("{e1} {e1:?} {e2} {e2:?} {ovh:?} {scw:?}");
    for secret in SECRETS {
        assert!(!shown.contains(secret), "{secret} shown in {shown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_slot_after_the_deadline_ends_the_call_at_once() {
    let server = Hostile::start(Script::SizedString(10), None).await;
    let client = ovhcloud_runtime::Client::builder()
        .endpoint(server.url.as_str())
        .application("AK", SECRETS[1], SECRETS[0])
        .server_time_offset(0)
        .rate_limit(ovhcloud_runtime::RateLimiter::new(1, 1))
        .deadline(Duration::from_millis(500))
        .build()
        .unwrap();
    let call = || Call::<Value>::new(&client, Branch::V1, Method::Get, "/me");
    call().await.unwrap();
    // The next slot is a second away, after the deadline: no waiting for nothing.
    for _ in 0..3 {
        let started = Instant::now();
        let ended = ovh_ended(call().await);
        assert_eq!(ended, Ended::Timeout { attempts: 0 });
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "{:?}",
            started.elapsed()
        );
    }
    // Calls that gave up took no slot: the next one goes at the first free slot.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let started = Instant::now();
    call().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "one kept-alive connection"
    );
}
