//! What users of every OVH client keep asking for, over real HTTP against the emulator: the
//! answer's status, headers and raw body; options for one call; their own `reqwest::Client`;
//! hooks before sending and after receiving; a `tracing` span per call.
#![cfg(all(feature = "me", feature = "v2_iam"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ovhcloud::{CallOptions, Client, ClientBuilder, Error, RetryPolicy};
use ovhcloud_emulator::{Emulator, EmulatorConfig, Faults};

async fn emulator() -> Emulator {
    let config = EmulatorConfig::new(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas")).bill_count(5);
    Emulator::start(config).await.expect("emulator starts")
}

fn builder(emu: &Emulator) -> ClientBuilder {
    let (key, secret) = emu.create_application();
    let consumer = emu.create_consumer_key(&key, &[("GET", "/*"), ("POST", "/*")]);
    Client::builder()
        .endpoint(emu.endpoint())
        .application(key, secret, consumer)
        .retry(RetryPolicy::default().base_delay(Duration::from_millis(5)))
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_come_with_status_headers_and_body() {
    let emu = emulator().await;
    let client = builder(&emu).build().unwrap();
    let answer = client.me().get_bill().with_response().await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.value.len(), 5);
    assert!(
        answer.query_id().is_some_and(|q| q.ends_with(".emulator")),
        "{:?}",
        answer.headers
    );
    let raw: Vec<String> = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(raw, answer.value);
    // A v2 list: one exchange, one page, its headers readable.
    let page = client
        .v2_iam()
        .get_policy()
        .with_options(CallOptions::new().header("X-Pagination-Size", "1"))
        .with_response()
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    assert!(
        page.value.len() <= 1,
        "one page of one: {}",
        page.value.len()
    );
    assert!(page.header("X-Ovh-QueryID").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn options_for_one_call() {
    let emu = emulator().await;
    let client = builder(&emu).build().unwrap();
    emu.set_faults(Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    });
    // This call's timeout, not the client's 180 s.
    let err = client
        .me()
        .get_bill()
        .with_options(
            CallOptions::new()
                .timeout(Duration::from_millis(50))
                .retry(RetryPolicy::none()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 1, .. }), "{err:?}");
    // The next call is the client's again.
    assert_eq!(client.me().get_bill().await.unwrap().len(), 5);
    // This call's retry policy: none, where the client's would retry the 503.
    emu.set_faults(Faults {
        error_rate: 1.0,
        error_statuses: vec![503],
        max_faults: Some(1),
        ..Faults::default()
    });
    let err = client
        .me()
        .get_bill()
        .with_options(CallOptions::new().retry(RetryPolicy::none()))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    emu.set_faults(Faults {
        error_rate: 1.0,
        error_statuses: vec![503],
        max_faults: Some(1),
        ..Faults::default()
    });
    assert_eq!(
        client.me().get_bill().await.unwrap().len(),
        5,
        "the client's policy retries"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn your_own_http_client_keeps_its_timeouts() {
    let emu = emulator().await;
    emu.set_faults(Faults {
        latency: Duration::from_millis(400),
        ..Faults::default()
    });
    // Yours times out at 100 ms: not overridden by ours (180 s).
    let http = reqwest::Client::builder().timeout(Duration::from_millis(100));
    let client = builder(&emu)
        .http_client(http)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.me().get_bill().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 1, .. }), "{err:?}");
    // A timeout set for the call replaces yours.
    let slow = CallOptions::new().timeout(Duration::from_secs(5));
    assert_eq!(
        client
            .me()
            .get_bill()
            .with_options(slow)
            .await
            .unwrap()
            .len(),
        5
    );
    // Yours has none: the slow answer arrives.
    let client = builder(&emu)
        .http_client(reqwest::Client::builder())
        .build()
        .unwrap();
    assert_eq!(client.me().get_bill().await.unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn hooks_see_and_change_requests_and_see_every_answer() {
    let emu = emulator().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answers = seen.clone();
    let client = builder(&emu)
        .before_send(|request| {
            // Only bills from 2024 on, whatever the call asked.
            request
                .query
                .push(("date.from".into(), "2024-01-01".to_owned()));
        })
        .after_receive(move |exchange| {
            answers.lock().unwrap().push((
                exchange.operation.to_owned(),
                exchange.attempt,
                exchange.status,
            ));
        })
        .build()
        .unwrap();
    let all = builder(&emu)
        .build()
        .unwrap()
        .me()
        .get_bill()
        .await
        .unwrap();
    emu.set_faults(Faults {
        error_rate: 1.0,
        error_statuses: vec![502],
        max_faults: Some(1),
        ..Faults::default()
    });
    let filtered = client.me().get_bill().await.unwrap();
    // The hook's query was sent, and signed: the emulator accepted and applied it.
    assert!(filtered.len() < all.len(), "{filtered:?} of {all:?}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            ("GET /me/bill".to_owned(), 1, Some(502)),
            ("GET /me/bill".to_owned(), 2, Some(200))
        ]
    );
}

/// A span's fields, `(name, value)`, in the order they were recorded.
type Fieldset = Vec<(String, String)>;

/// A subscriber keeping the fields of every span.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Fieldset>>>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl tracing::Subscriber for Spans {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut spans = self.0.lock().unwrap();
        let mut fields = vec![("name".to_owned(), span.metadata().name().to_owned())];
        span.record(&mut Fields(&mut fields));
        spans.push(fields);
        tracing::span::Id::from_u64(spans.len() as u64)
    }
    fn record(&self, id: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.0.lock().unwrap();
        if let Some(fields) = spans.get_mut(id.into_u64() as usize - 1) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn every_call_has_a_span() {
    let emu = emulator().await;
    let client = builder(&emu).build().unwrap();
    let spans = Spans::default();
    let _guard = tracing::subscriber::set_default(spans.clone());
    client.me().get_bill().await.unwrap();
    let _ = client.me().get_bill_by_bill_id("NOPE").await.unwrap_err();
    let spans = spans.0.lock().unwrap().clone();
    let calls: Vec<_> = spans
        .iter()
        .filter(|s| s.iter().any(|(k, v)| k == "name" && v == "ovhcloud.call"))
        .collect();
    assert_eq!(calls.len(), 2, "{spans:?}");
    let field = |span: &Vec<(String, String)>, name: &str| {
        span.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field(calls[0], "method").as_deref(), Some("GET"));
    assert_eq!(field(calls[0], "path").as_deref(), Some("/me/bill"));
    assert_eq!(field(calls[0], "status").as_deref(), Some("200"));
    assert_eq!(field(calls[0], "attempts").as_deref(), Some("1"));
    assert!(field(calls[0], "query_id").is_some_and(|q| q.contains("emulator")));
    assert!(field(calls[0], "duration_ms").is_some());
    assert_eq!(
        field(calls[1], "path").as_deref(),
        Some("/me/bill/{billId}")
    );
    assert_eq!(field(calls[1], "status").as_deref(), Some("404"));
}
