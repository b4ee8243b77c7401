//! What the client costs per request, and how fast it goes over loopback.
//!
//! `cargo bench --features all --bench client`
//!
//! 1. The client's own CPU per request, no network: building and signing a request
//!    (`Client::prepare`), serializing a typed body, decoding typed responses.
//! 2. Throughput against an in-process axum server on 127.0.0.1, sequential and concurrent,
//!    plus one run with the default 20 req/s rate limiter.
//!
//! Plain `main` (harness = false), no benchmark framework: each row is timed over repeated
//! samples and the median is reported.

mod common;

use std::future::Future;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use common::{clock_ticks, percentile, us};
use ovhcloud::models::billing::Bill;
use ovhcloud::models::iam::policy;
use ovhcloud::models::ovhcloudconnect::{pop_config, PopConfig, PopConfigCreate, Task};
use ovhcloud::types::{DateTime, Ipv4Block, Uuid};
use ovhcloud::{Branch, Call, Client, Method, RateLimiter, RetryPolicy};
use serde_json::{json, Value};

/// Samples per row in section 1.
const SAMPLES: usize = 15;
/// Each sample of section 1 times a batch of operations lasting at least this long.
const BATCH_TARGET: Duration = Duration::from_millis(20);
/// Repetitions of each throughput row in section 2.
const RUNS: usize = 5;

const AK: &str = "bench-application-key";
const AS: &str = "bench-application-secret";
const CK: &str = "bench-consumer-key-0123456789abcdef";
const BILL_ID: &str = "FR12345678";
const SERVICE: &str = "5f2b7c0e-2d0b-4c9a-9a57-3f3d8e4b1a20";

// ---------------------------------------------------------------------------------------------
// Fixtures: realistic JSON, checked against the typed models before anything is timed.

fn price(value: f64) -> Value {
    json!({"currencyCode": "EUR", "priceInUcents": (value * 100_000_000.0) as i64,
           "text": format!("{value:.2} €"), "value": value})
}

fn bill_json() -> String {
    json!({
        "billId": BILL_ID,
        "category": "purchase",
        "date": "2024-05-06T07:08:09+02:00",
        "orderId": 212_345_678,
        "password": "abcdEFGH",
        "pdfUrl": "https://www.ovh.com/cgi-bin/order/facture.pdf?reference=FR12345678&passwd=abcdEFGH",
        "priceWithTax": price(143.99),
        "priceWithoutTax": price(119.99),
        "tax": price(24.0),
        "url": "https://www.ovh.com/cgi-bin/order/facture.cgi?reference=FR12345678&passwd=abcdEFGH"
    })
    .to_string()
}

fn pop_config_json() -> String {
    json!({"customerBgpArea": 64512, "id": 7, "interfaceId": 1, "ovhBgpArea": 65001,
           "status": "active", "subnet": "10.0.0.0/30", "type": "l3"})
    .to_string()
}

fn task_json() -> String {
    json!({"function": "addPopConfiguration", "id": 9_876_543, "resourceId": 7, "status": "todo"})
        .to_string()
}

/// One v2 IAM policy as the API returns it: a few identities, actions, resources, a condition.
fn policy_value(i: usize) -> Value {
    json!({
        "id": format!("2d6f3a10-4b1c-4e7a-9c3d-{i:012}"),
        "name": format!("team-{i}-operators"),
        "description": format!("Operators of team {i}: manage servers and read billing"),
        "identities": [
            format!("urn:v1:eu:identity:user:xx1111-ovh/operator-{i}"),
            format!("urn:v1:eu:identity:group:xx1111-ovh/team-{i}"),
        ],
        "owner": "xx1111-ovh",
        "permissions": {
            "allow": [
                {"action": "dedicatedServer:apiovh:get"},
                {"action": "dedicatedServer:apiovh:reboot"},
                {"action": "dedicatedServer:apiovh:task/get"},
                {"action": "account:apiovh:me/bill/get"},
            ],
            "except": [{"action": "dedicatedServer:apiovh:terminate"}]
        },
        "readOnly": false,
        "resources": [
            {"urn": format!("urn:v1:eu:resource:dedicatedServer:ns{}.ip-51-91-0.eu", 1000 + i)},
            {"urn": format!("urn:v1:eu:resource:dedicatedServer:ns{}.ip-51-91-1.eu", 2000 + i)},
            {"urn": "urn:v1:eu:resource:account:xx1111-ovh"},
        ],
        "conditions": {"operator": "AND", "conditions": [
            {"operator": "MATCH", "values": {"date(Europe/Paris).WeekDay.In": "monday,tuesday,wednesday,thursday,friday"}}
        ]},
        "createdAt": "2024-05-06T07:08:09.123456Z",
        "updatedAt": "2024-06-01T10:00:00Z",
        "expiredAt": null
    })
}

fn policies_json(n: usize) -> String {
    Value::Array((0..n).map(policy_value).collect()).to_string()
}

fn pop_config_create() -> PopConfigCreate {
    let mut body = PopConfigCreate::new(1, pop_config::TypeEnum::L3);
    body.customer_bgp_area = Some(64512);
    body.ovh_bgp_area = Some(65001);
    body.subnet = Some("10.0.0.0/30".parse::<Ipv4Block>().expect("a /30"));
    body
}

/// A medium body: a policy with 10 identities, 20 actions and 10 resources.
fn policy_creation() -> policy::Creation {
    let action = policy::Action::new;
    let mut permissions = policy::Permissions::default();
    permissions.allow = Some(
        (0..20)
            .map(|i| action(format!("dedicatedServer:apiovh:action{i}/get")))
            .collect(),
    );
    let mut body = policy::Creation::new(
        (0..10)
            .map(|i| format!("urn:v1:eu:identity:user:xx1111-ovh/operator-{i}"))
            .collect(),
        "operators".to_owned(),
        permissions,
        (0..10)
            .map(|i| {
                policy::Resource::new(format!(
                    "urn:v1:eu:resource:dedicatedServer:ns{i}.ip-51-91-0.eu"
                ))
            })
            .collect(),
    );
    body.description = Some("Operators: manage servers".to_owned());
    body
}

// ---------------------------------------------------------------------------------------------
// Measuring.

struct Row {
    label: String,
    /// Median and min per-operation time over the samples.
    median: Duration,
    min: Duration,
    batch: usize,
    note: String,
}

/// Times `op` in batches: calibrates a batch lasting at least `BATCH_TARGET`, then takes
/// `SAMPLES` samples of one batch each and returns the median and min per operation.
async fn measure<F, Fut, T>(label: &str, note: impl Into<String>, mut op: F) -> Row
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let mut batch = 1usize;
    loop {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(op().await);
        }
        if start.elapsed() >= BATCH_TARGET || batch >= 1 << 22 {
            break;
        }
        batch *= 2;
    }
    let mut per_op = vec![Duration::ZERO; SAMPLES];
    for sample in per_op.iter_mut() {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(op().await);
        }
        *sample = start.elapsed() / batch as u32;
    }
    per_op.sort();
    Row {
        label: label.to_owned(),
        median: per_op[SAMPLES / 2],
        min: per_op[0],
        batch,
        note: note.into(),
    }
}

/// CPU time of the whole process so far (user + system, every thread, dead ones included),
/// from `/proc/self/stat` fields 14 and 15; `None` off Linux.
fn process_cpu(ticks_per_second: f64) -> Option<Duration> {
    common::stat_cpu(Path::new("/proc/self/stat"), ticks_per_second)
}

// ---------------------------------------------------------------------------------------------
// Section 1: client cost per request, no network.

fn offline_client() -> Client {
    Client::builder()
        .endpoint("ovh-eu")
        .application(AK, AS, CK)
        .server_time_offset(0)
        .rate_limit(RateLimiter::unlimited())
        .retry(RetryPolicy::none())
        .build()
        .expect("client")
}

/// `GET /ovhCloudConnect/{serviceName}/incident?pop=…&startDate.from=…`, built the way the
/// generated `get_incident(..).pop(..).start_date_from(..)` builds it (its `Call` is private
/// to the generated wrapper, so it is built here with `Call::new` and the same arguments).
fn incident_call<'a>(
    client: &'a Client,
    service: Uuid,
    pops: &[String],
    from: DateTime,
) -> Call<'a, Vec<i64>> {
    Call::new(
        client.runtime(),
        Branch::V1,
        Method::Get,
        "/ovhCloudConnect/{serviceName}/incident",
    )
    .path(&service)
    .query("pop", pops)
    .query("startDate.from", &from)
}

async fn section_cpu() -> (Vec<Row>, Vec<(String, usize)>) {
    let client = offline_client();
    let client = &client;
    let service: Uuid = SERVICE.parse().unwrap();
    let pops = ["PAR1".to_owned()];
    let pops = &pops[..];
    let from: DateTime = DateTime::parse_from_rfc3339("2024-05-01T00:00:00+02:00").unwrap();

    let pop_body = pop_config_create();
    let pop_body = &pop_body;
    let policy_body = policy_creation();
    let policy_body = &policy_body;

    let bill = bill_json();
    let pop = pop_config_json();
    let task = task_json();
    let policies = policies_json(100);
    let (bill, pop, task, policies) = (&bill, &pop, &task, &policies);

    // Check the fixtures and what is signed before timing anything.
    let b: Bill = serde_json::from_str(bill).expect("Bill fixture decodes");
    assert_eq!(b.bill_id, BILL_ID);
    let p: PopConfig = serde_json::from_str(pop).expect("PopConfig fixture decodes");
    assert!(p.unknown_fields.is_empty());
    let _: Task = serde_json::from_str(task).expect("Task fixture decodes");
    let list: Vec<policy::Response> =
        serde_json::from_str(policies).expect("policy list fixture decodes");
    assert_eq!(list.len(), 100);
    assert!(
        list[0].unknown_fields.is_empty(),
        "{:?}",
        list[0].unknown_fields
    );
    let prepared = client
        .prepare(incident_call(client, service, pops, from).request())
        .await
        .expect("prepare");
    assert!(prepared
        .headers
        .iter()
        .any(|(k, v)| k == "X-Ovh-Signature" && v.starts_with("$1$")));
    let get_url = prepared.url.clone();
    let post_body_len = client
        .prepare(
            client
                .ovh_cloud_connect()
                .post_config_pop(service, pop_body)
                .into_call()
                .request(),
        )
        .await
        .unwrap()
        .body
        .len();
    let policy_body_len = serde_json::to_string(policy_body).unwrap().len();

    let sizes = vec![
        ("Bill".to_owned(), bill.len()),
        ("PopConfig".to_owned(), pop.len()),
        ("Task".to_owned(), task.len()),
        ("100 × iam.policy.Response".to_owned(), policies.len()),
        ("PopConfigCreate body".to_owned(), post_body_len),
        ("iam.policy.Creation body".to_owned(), policy_body_len),
    ];

    let mut rows = Vec::new();

    // (a) sign
    rows.push(
        measure(
            "(a) build GET Call: 1 path param + 2 query params",
            "`Call::new(..).path(..).query(..).query(..)`, no signing",
            || async move { incident_call(client, service, pops, from) },
        )
        .await,
    );
    let built = incident_call(client, service, pops, from);
    let built = &built;
    rows.push(
        measure(
            "(a) prepare that GET: URL + headers + `$1$` SHA-1 signature",
            format!("`client.prepare(call.request())`, offset known; `{get_url}`"),
            || async move { client.prepare(built.request()).await.unwrap() },
        )
        .await,
    );
    let sign = measure(
        "(a) **sign** = build + prepare GET",
        "what a GET costs before it hits the wire",
        || async move {
            let call = incident_call(client, service, pops, from);
            client.prepare(call.request()).await.unwrap()
        },
    )
    .await;
    let sign_median = sign.median;
    rows.push(sign);

    // (b) serialize
    let serialize = measure(
        "(b) **serialize** `PopConfigCreate` into a POST Call (`.body(&model)`)",
        format!("typed `post_config_pop(uuid, &body)`, {post_body_len} B JSON, no signing"),
        || async move {
            client
                .ovh_cloud_connect()
                .post_config_pop(service, pop_body)
        },
    )
    .await;
    let serialize_median = serialize.median;
    rows.push(serialize);
    rows.push(
        measure(
            "(b) serialize `PopConfigCreate` + prepare (sign over the body)",
            "build + body + prepare",
            || async move {
                let call = client
                    .ovh_cloud_connect()
                    .post_config_pop(service, pop_body)
                    .into_call();
                client.prepare(call.request()).await.unwrap()
            },
        )
        .await,
    );
    rows.push(
        measure(
            "(b) serialize `iam.policy.Creation` (10 ids, 20 actions, 10 resources) + prepare",
            format!("typed v2 `post_policy(&body)`, {policy_body_len} B JSON"),
            || async move {
                let call = client.v2_iam().post_policy(policy_body).into_call();
                client.prepare(call.request()).await.unwrap()
            },
        )
        .await,
    );

    // (c) parse
    rows.push(
        measure(
            "(c) parse `PopConfig`",
            format!("`serde_json::from_str::<PopConfig>`, {} B", pop.len()),
            || async move { serde_json::from_str::<PopConfig>(pop).unwrap() },
        )
        .await,
    );
    rows.push(
        measure(
            "(c) parse `Task`",
            format!("`serde_json::from_str::<Task>`, {} B", task.len()),
            || async move { serde_json::from_str::<Task>(task).unwrap() },
        )
        .await,
    );
    let parse = measure(
        "(c) **parse** `Bill`",
        format!("`serde_json::from_str::<Bill>`, {} B", bill.len()),
        || async move { serde_json::from_str::<Bill>(bill).unwrap() },
    )
    .await;
    let parse_median = parse.median;
    rows.push(parse);
    rows.push(
        measure(
            "(c) parse 100 v2 IAM policies, direct",
            format!(
                "`from_str::<Vec<iam::policy::Response>>`, {} B (one page, as a non-pager call would)",
                policies.len()
            ),
            || async move { serde_json::from_str::<Vec<policy::Response>>(policies).unwrap() },
        )
        .await,
    );
    rows.push(
        measure(
            "(c) parse 100 v2 IAM policies, pager path",
            "what `get_policy().await` does per page: `from_str::<Vec<Value>>`, then `from_value` of all items",
            || async move {
                let page: Vec<Value> = serde_json::from_str(policies).unwrap();
                serde_json::from_value::<Vec<policy::Response>>(Value::Array(page)).unwrap()
            },
        )
        .await,
    );

    // (d) total
    rows.push(Row {
        label: "(d) **total** = (a) sign + (b) serialize + (c) parse `Bill`".to_owned(),
        median: sign_median + serialize_median + parse_median,
        min: Duration::ZERO,
        batch: 0,
        note: "sum of the three medians above (a POST with a small body and a Bill-sized answer)"
            .to_owned(),
    });
    rows.push(
        measure(
            "(d) measured: typed `GET /me/bill/{billId}`: build + prepare + parse `Bill`",
            "one loop iteration does all three",
            || async move {
                let call = client.me().get_bill_by_bill_id(BILL_ID).into_call();
                let prepared = client.prepare(call.request()).await.unwrap();
                black_box(prepared);
                serde_json::from_str::<Bill>(bill).unwrap()
            },
        )
        .await,
    );
    rows.push(
        measure(
            "(d) measured: typed `POST …/config/pop`: build + serialize + prepare + parse `Task`",
            "one loop iteration does all of it",
            || async move {
                let call = client
                    .ovh_cloud_connect()
                    .post_config_pop(service, pop_body)
                    .into_call();
                let prepared = client.prepare(call.request()).await.unwrap();
                black_box(prepared);
                serde_json::from_str::<Task>(task).unwrap()
            },
        )
        .await,
    );
    (rows, sizes)
}

// ---------------------------------------------------------------------------------------------
// Section 2: throughput over loopback.

async fn serve() -> String {
    let bill: &'static str = Box::leak(bill_json().into_boxed_str());
    let app = axum::Router::new()
        .route(
            "/1.0/me/bill/{id}",
            get(move || async move { ([(CONTENT_TYPE, "application/json")], bill) }),
        )
        .route(
            "/1.0/auth/time",
            get(|| async {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                ([(CONTENT_TYPE, "application/json")], now.to_string())
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn loopback_client(base: &str, limiter: Option<RateLimiter>) -> Client {
    let mut builder = Client::builder()
        .endpoint(base)
        .application(AK, AS, CK)
        .retry(RetryPolicy::none());
    if let Some(limiter) = limiter {
        builder = builder.rate_limit(limiter);
    }
    builder.build().expect("client")
}

struct Throughput {
    label: String,
    calls_per_run: usize,
    runs: usize,
    /// Requests per second of each run, sorted.
    rates: Vec<f64>,
    /// Every call's latency over all runs, sorted.
    latencies: Vec<Duration>,
    cpu_per_call: Option<Duration>,
    /// Process CPU time over the row, all runs.
    cpu_total: Option<Duration>,
}

/// `concurrency` tasks, each making `calls / concurrency` typed calls one after the other.
async fn run_once(client: &Client, calls: usize, concurrency: usize) -> (Duration, Vec<Duration>) {
    let per_task = calls / concurrency;
    let start = Instant::now();
    let mut handles = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                let t = Instant::now();
                let bill = client
                    .me()
                    .get_bill_by_bill_id(BILL_ID)
                    .await
                    .expect("call");
                latencies.push(t.elapsed());
                black_box(bill);
            }
            latencies
        }));
    }
    let mut all = Vec::with_capacity(calls);
    for h in handles {
        all.extend(h.await.unwrap());
    }
    (start.elapsed(), all)
}

async fn throughput(
    label: &str,
    client: &Client,
    calls: usize,
    concurrency: usize,
    runs: usize,
    ticks: f64,
) -> Throughput {
    let cpu_before = process_cpu(ticks);
    let mut rates = Vec::new();
    let mut latencies = Vec::new();
    for _ in 0..runs {
        let (wall, lat) = run_once(client, calls, concurrency).await;
        rates.push(lat.len() as f64 / wall.as_secs_f64());
        latencies.extend(lat);
    }
    let cpu_after = process_cpu(ticks);
    rates.sort_by(f64::total_cmp);
    latencies.sort();
    let cpu_total = match (cpu_before, cpu_after) {
        (Some(b), Some(a)) => Some(a - b),
        _ => None,
    };
    let cpu_per_call = cpu_total.map(|c| c / latencies.len() as u32);
    Throughput {
        label: label.to_owned(),
        calls_per_run: calls,
        runs,
        rates,
        latencies,
        cpu_per_call,
        cpu_total,
    }
}

async fn section_loopback(ticks: f64) -> Vec<Throughput> {
    let base = serve().await;
    let client = loopback_client(&base, Some(RateLimiter::unlimited()));
    // Warm-up: reads /auth/time once, opens connections, checks the answer decodes.
    let bill = client
        .me()
        .get_bill_by_bill_id(BILL_ID)
        .await
        .expect("warm-up call");
    assert_eq!(bill.bill_id, BILL_ID);
    run_once(&client, 640, 64).await;
    run_once(&client, 500, 1).await;

    let mut rows = Vec::new();
    rows.push(throughput("sequential, unlimited", &client, 2_000, 1, RUNS, ticks).await);
    rows.push(
        throughput(
            "16 concurrent callers, unlimited",
            &client,
            4_000,
            16,
            RUNS,
            ticks,
        )
        .await,
    );
    rows.push(
        throughput(
            "64 concurrent callers, unlimited",
            &client,
            4_000,
            64,
            RUNS,
            ticks,
        )
        .await,
    );

    // The default limiter (20 req/s, burst 1). Its first slot goes to /auth/time, read on the
    // first call; 16 callers compete for the 40 slots.
    let limited = loopback_client(&base, None);
    rows.push(
        throughput(
            "16 concurrent callers, default limiter (20/s)",
            &limited,
            40,
            16,
            1,
            ticks,
        )
        .await,
    );
    rows
}

// ---------------------------------------------------------------------------------------------

fn main() {
    let wall = Instant::now();
    let ticks = clock_ticks();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");

    let (cpu_rows, sizes) = runtime.block_on(section_cpu());
    println!("## 1. Client cost per request, no network (CPU)\n");
    println!("| operation | median µs/op | min µs/op | batch | notes |");
    println!("|---|---:|---:|---:|---|");
    for r in &cpu_rows {
        let (min, batch) = if r.batch == 0 {
            ("—".to_owned(), "—".to_owned())
        } else {
            (format!("{:.2}", us(r.min)), r.batch.to_string())
        };
        println!(
            "| {} | {:.2} | {} | {} | {} |",
            r.label,
            us(r.median),
            min,
            batch,
            r.note
        );
    }
    println!();
    println!(
        "JSON sizes: {}.",
        sizes
            .iter()
            .map(|(k, v)| format!("{k} {v} B"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();

    let loop_rows = runtime.block_on(section_loopback(ticks));
    println!("## 2. Throughput over loopback (typed `GET /1.0/me/bill/{{billId}}` → `Bill`)\n");
    println!("| callers | calls/run × runs | req/s median | req/s min–max | latency p50 µs | latency p99 µs | latency max µs | CPU µs/req |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &loop_rows {
        let median_rate = r.rates[r.rates.len() / 2];
        let cpu = match (r.cpu_per_call, r.cpu_total) {
            // Under ~20 clock ticks in all, the figure is mostly rounding.
            (Some(per), Some(total)) if total.as_secs_f64() * ticks < 20.0 => format!(
                "≈{:.0} (only {:.0} ms CPU in all: below resolution)",
                us(per),
                total.as_secs_f64() * 1e3
            ),
            (Some(per), Some(_)) => format!("{:.0}", us(per)),
            _ => "n/a".to_owned(),
        };
        println!(
            "| {} | {} × {} | {:.0} | {:.0}–{:.0} | {:.0} | {:.0} | {:.0} | {} |",
            r.label,
            r.calls_per_run,
            r.runs,
            median_rate,
            r.rates[0],
            r.rates[r.rates.len() - 1],
            us(percentile(&r.latencies, 0.5)),
            us(percentile(&r.latencies, 0.99)),
            us(*r.latencies.last().unwrap()),
            cpu
        );
    }
    println!();

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("## How measured\n");
    println!(
        "- Section 1: each row calibrates a batch of operations lasting ≥ {} ms, then times {} \
         batches; the table shows the median and the minimum of the per-operation time over those \
         samples. Everything runs on one task of a 2-worker tokio runtime; `prepare` never waits \
         (`server_time_offset(0)`, so no `/auth/time`). The GET is the generated \
         `get_incident(..).pop(..).start_date_from(..)` request rebuilt with `Call::new` \
         (the typed builder keeps its `Call` private). Parsing is `serde_json::from_str::<T>` on \
         the body text, as the client decodes a plain response; v2 lists the client pages through \
         are decoded as `Vec<Value>` per page and then converted, shown as the pager path. \
         Row (d) \"total\" is the sum of the (a), (b) and `Bill` (c) medians; the two \"measured\" \
         rows time the same steps in one loop.",
        BATCH_TARGET.as_millis(),
        SAMPLES
    );
    println!(
        "- Section 2: an axum 0.8 server on 127.0.0.1:0 in the same process and the same \
         2-worker runtime answers a fixed {}-byte `Bill` and `/1.0/auth/time`; the client \
         (`RateLimiter::unlimited()`, `RetryPolicy::none()`, HTTP/1.1 keep-alive via reqwest) \
         signs every call and decodes the `Bill`. Client and server share the 2 worker threads \
         (machine: {} CPU(s)), so the numbers are for both together. After warm-up (clock read, \
         connections opened), each unlimited row is repeated {} times: req/s is per run (median and \
         min–max); latencies are per call, pooled over the runs. N callers = N tokio tasks making \
         calls one after another.",
        bill_json().len(),
        cores,
        RUNS
    );
    println!(
        "- The rate-limited row uses a fresh client with the default limiter (20 req/s, burst 1), \
         whose first slot goes to its one `/auth/time` read: 40 calls + 1 clock read take \
         ≈ 40 × 50 ms, so ≈ 20 req/s is the expected answer; latency there is mostly queueing \
         in the limiter."
    );
    println!(
        "- CPU µs/req: user + system time of the whole process (client, server, runtime) from \
         `/proc/self/stat` fields 14 + 15 at {} ticks/s (10 ms resolution at 100), over all runs \
         of a row, divided by the calls. It counts the server's work too.",
        ticks
    );
    println!("- Total run time: {:.1} s.", wall.elapsed().as_secs_f64());
}
