//! Decoding speed and memory of the generated models against `#[derive(Deserialize)]` structs
//! of the same shape (what progenitor-style code gets), on three real-shaped bodies:
//!
//! * a large list of a flat model: 20,000 `billing.Bill` (`GET /me/bill/{billId}` each);
//! * a list of a deeply nested model: 2,000 `me.consumption.Transaction` (elements → details →
//!   prices, `GET /me/consumption/usage/history`);
//! * a v2 page: 5,000 `iam.policy.Response` (`GET /v2/iam/policy`).
//!
//! ```text
//! cargo bench --bench decode --features me,v2_iam
//! BENCH_SAMPLES=21 cargo bench --bench decode --features me,v2_iam
//! ```
//!
//! Each row is the median of `BENCH_SAMPLES` (default 11) decodes of the same text, after one
//! untimed decode; "peak" is the most memory the decode held at once beyond the text itself.
//! "ours, client path" is `codec::decode_body`, what the client runs on every answer (tolerant
//! mode: a body that matches its schema is decoded once, straight from the text). Target: ours
//! at ≥ 0.8× derive's throughput on each body.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// Counts live bytes and their peak, to measure what a decode holds at once.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Structs written as a person would with serde_derive: same fields, same types, enums with a
/// catch-all variant; members the struct does not declare are skipped.
// Fields are decoded, never read: decoding is what is measured.
#[allow(dead_code)]
mod derived {
    use serde::Deserialize;

    pub type DateTime = chrono::DateTime<chrono::FixedOffset>;

    #[derive(Deserialize)]
    #[allow(clippy::upper_case_acronyms)]
    pub enum Currency {
        AUD,
        CAD,
        CZK,
        EUR,
        GBP,
        INR,
        LTL,
        MAD,
        #[serde(rename = "N/A")]
        NA,
        PLN,
        SGD,
        TND,
        USD,
        XOF,
        #[serde(rename = "points")]
        Points,
        #[serde(other)]
        Unknown,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum Category {
        Autorenew,
        Earlyrenewal,
        Purchase,
        PurchaseCloud,
        PurchaseServers,
        PurchaseTelecom,
        PurchaseWeb,
        #[serde(other)]
        Unknown,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub enum EInvoicingStatus {
        Accepted,
        Error,
        Ignored,
        Invalid,
        New,
        Ok,
        Processing,
        ReadyToSubmit,
        Rejected,
        Submitted,
        #[serde(other)]
        Unknown,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Price {
        pub currency_code: Currency,
        pub price_in_ucents: Option<i64>,
        pub text: String,
        pub value: f64,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Bill {
        pub bill_id: String,
        pub category: Category,
        pub date: DateTime,
        pub e_invoicing_id: Option<String>,
        pub e_invoicing_status: Option<EInvoicingStatus>,
        pub order_id: i64,
        pub password: String,
        pub pdf_url: String,
        pub price_with_tax: Price,
        pub price_without_tax: Price,
        pub tax: Price,
        pub url: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ConsumptionPrice {
        pub currency_code: Currency,
        pub text: String,
        pub value: f64,
        pub value_in_ucents: i64,
    }

    #[derive(Deserialize)]
    pub struct Detail {
        pub price: ConsumptionPrice,
        pub quantity: i64,
        pub unique_id: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Element {
        pub details: Vec<Detail>,
        pub plan_code: String,
        pub plan_family: String,
        pub price: ConsumptionPrice,
        pub quantity: i64,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Transaction {
        pub begin_date: DateTime,
        pub creation_date: Option<DateTime>,
        pub elements: Vec<Element>,
        pub end_date: Option<DateTime>,
        pub id: Option<i64>,
        pub last_update: Option<DateTime>,
        pub price: ConsumptionPrice,
        pub service_id: i64,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum Operator {
        And,
        Match,
        Not,
        Or,
        #[serde(other)]
        Unknown,
    }

    #[derive(Deserialize)]
    pub struct Condition {
        pub conditions: Option<Vec<Condition>>,
        pub operator: Operator,
        pub values: Option<std::collections::BTreeMap<String, String>>,
    }

    #[derive(Deserialize)]
    pub struct Action {
        pub action: String,
    }

    #[derive(Deserialize)]
    pub struct Permissions {
        pub allow: Option<Vec<Action>>,
        pub deny: Option<Vec<Action>>,
        pub except: Option<Vec<Action>>,
    }

    #[derive(Deserialize)]
    pub struct PermissionsGroup {
        pub name: Option<String>,
        pub owner: Option<String>,
        pub permissions: Option<Permissions>,
        pub urn: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Group {
        pub id: uuid::Uuid,
        pub name: String,
        pub read_only: bool,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SingleResource {
        pub display_name: String,
        pub id: uuid::Uuid,
        pub name: String,
        pub owner: String,
        pub tags: Option<std::collections::BTreeMap<String, String>>,
        #[serde(rename = "type")]
        pub kind: String,
    }

    #[derive(Deserialize)]
    pub struct Resource {
        pub group: Option<Group>,
        pub resource: Option<SingleResource>,
        pub urn: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Policy {
        pub conditions: Option<Condition>,
        pub created_at: DateTime,
        pub description: Option<String>,
        pub expired_at: Option<DateTime>,
        pub id: uuid::Uuid,
        pub identities: Vec<String>,
        pub name: String,
        pub owner: String,
        pub permissions: Permissions,
        pub permissions_groups: Vec<PermissionsGroup>,
        pub read_only: bool,
        pub resources: Vec<Resource>,
        pub updated_at: Option<DateTime>,
    }
}

const CURRENCIES: [&str; 4] = ["EUR", "USD", "CAD", "GBP"];
const CATEGORIES: [&str; 3] = ["autorenew", "purchase-cloud", "earlyrenewal"];

fn price(i: usize, ucents_key: &str) -> Value {
    let value = (i % 9973) as f64 / 100.0;
    json!({
        "currencyCode": CURRENCIES[i % CURRENCIES.len()],
        ucents_key: (i % 9973) as i64 * 1_000_000,
        "text": format!("{value:.2} €"),
        "value": value,
    })
}

fn date(i: usize) -> String {
    format!(
        "20{:02}-{:02}-{:02}T{:02}:{:02}:00+0{}:00",
        15 + i % 10,
        1 + i % 12,
        1 + i % 28,
        i % 24,
        i % 60,
        i % 3
    )
}

fn bills(n: usize) -> Value {
    (0..n)
        .map(|i| {
            json!({
                "billId": format!("FR{:08}", 40_000_000 + i),
                "category": CATEGORIES[i % CATEGORIES.len()],
                "date": date(i),
                "eInvoicingId": if i % 4 == 0 { Value::from(format!("EI-{i}")) } else { Value::Null },
                "eInvoicingStatus": if i % 4 == 0 { Value::from("submitted") } else { Value::Null },
                "orderId": 120_000_000 + i as i64,
                "password": format!("{:06}", i * 7919 % 1_000_000),
                "pdfUrl": format!("https://www.ovh.com/cgi-bin/order/facture.pdf?reference=FR{:08}&passwd=abc{i}", 40_000_000 + i),
                "priceWithTax": price(i * 12, "priceInUcents"),
                "priceWithoutTax": price(i * 10, "priceInUcents"),
                "tax": price(i * 2, "priceInUcents"),
                "url": format!("https://www.ovh.com/cgi-bin/order/facture.cgi?reference=FR{:08}", 40_000_000 + i),
            })
        })
        .collect()
}

fn consumption_price(i: usize) -> Value {
    price(i, "valueInUcents")
}

fn transactions(n: usize) -> Value {
    (0..n)
        .map(|i| {
            let elements: Vec<Value> = (0..5)
                .map(|e| {
                    let details: Vec<Value> = (0..4)
                        .map(|d| {
                            json!({
                                "price": consumption_price(i + e + d),
                                "quantity": (d + 1) as i64 * 3600,
                                "unique_id": if d % 2 == 0 { Value::from(format!("instance-{i}-{e}-{d}")) } else { Value::Null },
                            })
                        })
                        .collect();
                    json!({
                        "details": details,
                        "planCode": format!("b2-{}.consumption", 7 * (e + 1)),
                        "planFamily": "instance",
                        "price": consumption_price(i * 5 + e),
                        "quantity": 720,
                    })
                })
                .collect();
            json!({
                "beginDate": date(i),
                "creationDate": date(i + 1),
                "elements": elements,
                "endDate": if i % 3 == 0 { Value::Null } else { Value::from(date(i + 2)) },
                "id": i as i64,
                "lastUpdate": date(i + 3),
                "price": consumption_price(i),
                "serviceId": 100_000 + i as i64,
            })
        })
        .collect()
}

fn uuid(i: usize) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", i, i * 2654435761)
}

fn policies(n: usize) -> Value {
    (0..n)
        .map(|i| {
            let actions = |verbs: &[&str]| -> Value {
                verbs
                    .iter()
                    .map(|v| json!({"action": format!("vps:apiovh:{v}")}))
                    .collect()
            };
            json!({
                "conditions": if i % 2 == 0 {
                    json!({"operator": "AND", "conditions": [
                        {"operator": "MATCH", "values": {"resource.Tag(env)": "prod"}},
                        {"operator": "NOT", "conditions": [{"operator": "MATCH", "values": {"date(Europe/Paris).WeekDay.In": "saturday,sunday"}}]}
                    ]})
                } else { Value::Null },
                "createdAt": date(i),
                "description": format!("Access for team {}", i % 40),
                "expiredAt": Value::Null,
                "id": uuid(i),
                "identities": [format!("urn:v1:eu:identity:user:xx1111-ovh/user{}", i % 100), "urn:v1:eu:identity:group:xx1111-ovh/admins"],
                "name": format!("policy-{i}"),
                "owner": "xx1111-ovh",
                "permissions": {"allow": actions(&["get", "reboot", "snapshot/create"]), "deny": Value::Null, "except": actions(&["delete"])},
                "permissionsGroups": [{"urn": "urn:v1:eu:permissionsGroup:ovh:readOnly", "name": "readOnly", "owner": "ovh", "permissions": {"allow": actions(&["get"]), "deny": Value::Null, "except": Value::Null}}],
                "readOnly": false,
                "resources": (0..3).map(|r| json!({
                    "urn": format!("urn:v1:eu:resource:vps:vps-{i}-{r}.vps.ovh.net"),
                    "group": Value::Null,
                    "resource": {"displayName": format!("vps-{i}-{r}"), "id": uuid(i * 3 + r), "name": format!("vps-{i}-{r}.vps.ovh.net"), "owner": "xx1111-ovh", "tags": {"env": "prod"}, "type": "vps"},
                })).collect::<Vec<_>>(),
                "updatedAt": date(i + 7),
            })
        })
        .collect()
}

/// Median time and peak extra memory of decoding `text` as `T`.
fn measure<T>(text: &str, samples: usize, decode: impl Fn(&str) -> T) -> (Duration, usize) {
    drop(decode(text));
    let mut times = Vec::with_capacity(samples);
    let mut peaks = Vec::with_capacity(samples);
    for _ in 0..samples {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let start = Instant::now();
        let value = decode(text);
        times.push(start.elapsed());
        peaks.push(PEAK.load(Ordering::Relaxed) - base);
        drop(value);
    }
    times.sort();
    peaks.sort();
    (times[samples / 2], peaks[samples / 2])
}

struct Row {
    body: &'static str,
    how: &'static str,
    time: Duration,
    peak: usize,
    ratio: Option<f64>,
}

/// The three decodes of one body: derived structs, our models through serde, and the client's
/// path.
fn compare<Ours: DeserializeOwned, Derived: DeserializeOwned>(
    body: &'static str,
    text: &str,
    samples: usize,
    rows: &mut Vec<Row>,
) {
    let strict = |t: &str| serde_json::from_str::<Vec<Ours>>(t).expect("ours decode");
    let client = |t: &str| {
        let (v, deviations) =
            ovhcloud::codec::decode_body::<Vec<Ours>>(t, None).expect("ours decode");
        assert!(deviations.is_empty(), "{body}: {deviations:?}");
        v
    };
    let derived = |t: &str| serde_json::from_str::<Vec<Derived>>(t).expect("derived decode");
    let (base_time, base_peak) = measure(text, samples, derived);
    rows.push(Row {
        body,
        how: "#[derive(Deserialize)]",
        time: base_time,
        peak: base_peak,
        ratio: None,
    });
    for (how, (time, peak)) in [
        ("ours, serde_json::from_str", measure(text, samples, strict)),
        ("ours, client path", measure(text, samples, client)),
    ] {
        rows.push(Row {
            body,
            how,
            time,
            peak,
            ratio: Some(base_time.as_secs_f64() / time.as_secs_f64()),
        });
    }
}

fn main() {
    let samples = std::env::var("BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(11usize)
        .max(1);
    let bodies = [
        ("20,000 bills (flat)", bills(20_000).to_string()),
        (
            "2,000 transactions (nested)",
            transactions(2_000).to_string(),
        ),
        ("5,000 policies (v2 page)", policies(5_000).to_string()),
    ];
    let mut rows = Vec::new();
    use ovhcloud::models::{billing, iam, me};
    compare::<billing::Bill, derived::Bill>(bodies[0].0, &bodies[0].1, samples, &mut rows);
    compare::<me::consumption::Transaction, derived::Transaction>(
        bodies[1].0,
        &bodies[1].1,
        samples,
        &mut rows,
    );
    compare::<iam::policy::Response, derived::Policy>(
        bodies[2].0,
        &bodies[2].1,
        samples,
        &mut rows,
    );

    println!("decode, median of {samples} (throughput of the JSON text; peak: memory held at once beyond the text)\n");
    println!(
        "| {:<28} | {:>7} | {:<28} | {:>9} | {:>8} | {:>9} | {:>18} |",
        "body", "MB", "decoded by", "median", "MB/s", "peak MB", "vs derive (≥ 0.8×)"
    );
    println!(
        "|{:-<30}|{:->9}|{:-<30}|{:->11}|{:->10}|{:->11}|{:->20}|",
        "", "", "", "", "", "", ""
    );
    let sizes: std::collections::BTreeMap<&str, usize> = bodies
        .iter()
        .map(|(name, text)| (*name, text.len()))
        .collect();
    for row in &rows {
        let mb = sizes[row.body] as f64 / 1e6;
        let verdict = match row.ratio {
            None => "1.00×".to_owned(),
            Some(r) => format!("{r:.2}× {}", if r >= 0.8 { "met" } else { "MISSED" }),
        };
        println!(
            "| {:<28} | {:>7.1} | {:<28} | {:>7.1}ms | {:>8.0} | {:>9.1} | {:>18} |",
            row.body,
            mb,
            row.how,
            row.time.as_secs_f64() * 1e3,
            mb / row.time.as_secs_f64(),
            row.peak as f64 / 1e6,
            verdict
        );
    }
}
