//! `retry` and `rate_limit` driven together the way `Client::execute` uses them, against a
//! local server that fails on purpose: one `acquire` per request sent, `decide` after each
//! failure, `log_retry` before each wait.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Response, StatusCode};
use ovhcloud::rate_limit::RateLimiter;
use ovhcloud::retry::{log_retry, Decision, Jitter, Outcome, RetryPolicy};
use ovhcloud::Method;

/// The loop `Client::execute` is meant to run around one HTTP request.
async fn send_with_retries(
    http: &reqwest::Client,
    limiter: &RateLimiter,
    policy: &RetryPolicy,
    method: Method,
    post_opt_in: bool,
    url: &str,
) -> (Result<String, u16>, u32) {
    let mut attempt = 1;
    loop {
        limiter.acquire().await;
        let m = match method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let (outcome_status, retry_after) = match http.request(m, url).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("Retry-After")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let text = response.text().await;
                match text {
                    Ok(text) if (200..300).contains(&status) => return (Ok(text), attempt),
                    Ok(_) => (Some(status), retry_after),
                    Err(e) => {
                        assert_eq!(Outcome::from_reqwest(&e), Outcome::Connection);
                        (None, None)
                    }
                }
            }
            Err(e) => {
                assert_eq!(Outcome::from_reqwest(&e), Outcome::Connection, "{e:?}");
                (None, None)
            }
        };
        let outcome = match outcome_status {
            Some(status) => Outcome::Status {
                status,
                retry_after: retry_after.as_deref(),
            },
            None => Outcome::Connection,
        };
        match policy.decide(attempt, method, post_opt_in, &outcome) {
            Decision::Retry(delay) => {
                log_retry("GET /test", attempt, delay, &outcome.to_string());
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Decision::GiveUp => return (Err(outcome_status.unwrap_or(0)), attempt),
        }
    }
}

/// A server whose answers follow `script`, one per request, then 200 `"ok"` forever.
async fn server(script: Vec<(u16, Option<&'static str>)>) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let step = script.get(n).copied();
        async move {
            let (status, retry_after) = step.unwrap_or((200, None));
            let mut r = Response::builder().status(StatusCode::from_u16(status).unwrap());
            if let Some(v) = retry_after {
                r = r.header("Retry-After", v);
            }
            r.body(Body::from("\"ok\"")).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/x", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(10))
        .jitter(Jitter::None)
}

#[tokio::test]
async fn transient_failures_are_retried_until_success() {
    let (url, hits) = server(vec![(503, Some("0")), (502, None), (429, Some("0"))]).await;
    let http = reqwest::Client::new();
    let limiter = RateLimiter::unlimited();
    let (result, attempts) =
        send_with_retries(&http, &limiter, &policy(), Method::Get, false, &url).await;
    assert_eq!(result, Ok("\"ok\"".to_owned()));
    assert_eq!((attempts, hits.load(Ordering::SeqCst)), (4, 4));
}

#[tokio::test]
async fn retries_stop_after_max_attempts() {
    let (url, hits) = server(vec![(503, None); 10]).await;
    let http = reqwest::Client::new();
    let (result, attempts) = send_with_retries(
        &http,
        &RateLimiter::unlimited(),
        &policy(),
        Method::Delete,
        false,
        &url,
    )
    .await;
    assert_eq!((result, attempts), (Err(503), 4));
    assert_eq!(hits.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn post_and_500_are_not_retried_without_reason() {
    let (url, hits) = server(vec![(503, None), (500, None)]).await;
    let http = reqwest::Client::new();
    let limiter = RateLimiter::unlimited();
    let (result, _) =
        send_with_retries(&http, &limiter, &policy(), Method::Post, false, &url).await;
    assert_eq!(result, Err(503));
    let (result, _) = send_with_retries(&http, &limiter, &policy(), Method::Get, false, &url).await;
    assert_eq!(result, Err(500));
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    // With the opt-in, a POST is retried.
    let (url, hits) = server(vec![(503, None)]).await;
    let (result, attempts) =
        send_with_retries(&http, &limiter, &policy(), Method::Post, true, &url).await;
    assert_eq!((result.is_ok(), attempts), (true, 2));
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    // A raw listener: the first connection is closed without an answer, the second is
    // answered by hand.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/x", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut first, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 1024];
        let _ = first.read(&mut buf).await;
        drop(first);
        let (mut second, _) = listener.accept().await.unwrap();
        let _ = second.read(&mut buf).await;
        second
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\nconnection: close\r\n\r\n\"ok\"")
            .await
            .unwrap();
    });
    let http = reqwest::Client::new();
    let (result, attempts) = send_with_retries(
        &http,
        &RateLimiter::unlimited(),
        &policy(),
        Method::Get,
        false,
        &url,
    )
    .await;
    assert_eq!((result, attempts), (Ok("\"ok\"".to_owned()), 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_go_through_the_shared_rate_limiter() {
    // 8 tasks, each failing once with 503 then succeeding: 16 requests at 50/s, burst 4, must
    // take at least (16 - 4) * 20 ms = 240 ms, however short the backoff.
    let (url, hits) = server(vec![(503, Some("0")); 8]).await;
    let http = reqwest::Client::new();
    let limiter = RateLimiter::new(50, 4);
    let start = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (http, limiter, url) = (http.clone(), limiter.clone(), url.clone());
            tokio::spawn(async move {
                send_with_retries(&http, &limiter, &policy(), Method::Get, false, &url).await
            })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().0.is_ok());
    }
    let elapsed = start.elapsed();
    eprintln!("16 requests through 50/s burst 4: {elapsed:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 16);
    assert!(elapsed >= Duration::from_millis(235), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1200), "{elapsed:?}");
}
