//! Expanded ("iceberg") v1 listings over HTTP: `X-Pagination-Mode` on a collection answers its
//! objects — each equal to the item's own answer — filtered, sorted and paged, and nothing
//! changes without the header, on other paths, or with the switch off.

mod common;

use common::{Answer, Signer};
use ovhcloud_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

const PAGES: (&str, &str) = ("X-Pagination-Mode", "CachedObjectList-Pages");
const CURSOR: (&str, &str) = ("X-Pagination-Mode", "CachedObjectList-Cursor");

async fn start_with(config: EmulatorConfig) -> (Emulator, Signer) {
    let emu = Emulator::start(config.rate_limit_per_sec(None))
        .await
        .expect("the emulator starts");
    let signer = signer(&emu);
    (emu, signer)
}

fn signer(emu: &Emulator) -> Signer {
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &[("GET", "/*")]);
    Signer::new(&emu.base_url(), &ak, &secret, &ck)
}

fn list(answer: &Answer) -> Vec<Value> {
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.json().as_array().expect("a JSON list").clone()
}

fn texts(objects: &[Value], member: &str) -> Vec<String> {
    objects
        .iter()
        .map(|o| match &o[member] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Every bill's object, by a plain `GET /me/bill/{id}` for each id of `GET /me/bill`.
async fn bills_one_by_one(s: &Signer) -> Vec<Value> {
    let ids = list(&s.call("GET", "/1.0/me/bill", None).await);
    let mut bills = Vec::new();
    for id in &ids {
        let path = format!("/1.0/me/bill/{}", id.as_str().unwrap());
        let bill = s.call("GET", &path, None).await;
        assert_eq!(bill.status, 200, "{bill:?}");
        bills.push(bill.json());
    }
    bills
}

/// The bills passing `X-Pagination-Filter: clause`, in one page whose total says as many.
async fn filtered(s: &Signer, clause: &str) -> Vec<Value> {
    let page = bills_page(s, &[("X-Pagination-Filter", clause)]).await;
    let objects = list(&page);
    let total = page.header("x-pagination-elements").unwrap();
    assert_eq!(total, objects.len().to_string(), "{clause}");
    objects
}

/// A page of bills with these pagination headers (besides the pages mode).
async fn bills_page(s: &Signer, headers: &[(&str, &str)]) -> Answer {
    let mut all = vec![PAGES];
    all.extend_from_slice(headers);
    s.call_with("GET", "/1.0/me/bill", &all).await
}

#[tokio::test]
async fn bills_come_as_objects_in_pages_of_two_with_the_total() {
    let (_emu, s) = start_with(common::config()).await;
    let expected = bills_one_by_one(&s).await;
    assert_eq!(expected.len(), 30);
    let mut seen = Vec::new();
    for number in 1..=15 {
        let n = number.to_string();
        let page = bills_page(
            &s,
            &[("X-Pagination-Size", "2"), ("X-Pagination-Number", &n)],
        )
        .await;
        assert_eq!(page.header("x-pagination-elements"), Some("30"));
        assert_eq!(page.header("x-pagination-size"), Some("2"));
        assert_eq!(page.header("x-pagination-number"), Some(n.as_str()));
        let objects = list(&page);
        assert_eq!(objects.len(), 2, "page {number}");
        seen.extend(objects);
    }
    // The objects of the ids, in the order of the ids, each equal to its own GET.
    assert_eq!(seen, expected);
    let past = bills_page(
        &s,
        &[("X-Pagination-Size", "2"), ("X-Pagination-Number", "16")],
    )
    .await;
    assert!(list(&past).is_empty());
    assert_eq!(past.header("x-pagination-elements"), Some("30"));
    // Without a size: everything in one page.
    let whole = bills_page(&s, &[]).await;
    assert_eq!(list(&whole), expected);
    assert_eq!(whole.header("x-pagination-number"), Some("1"));
}

#[tokio::test]
async fn filters_eq_in_and_like() {
    let (_emu, s) = start_with(common::config()).await;
    let bills = bills_one_by_one(&s).await;
    let ids = texts(&bills, "billId");
    // eq on a string, and on a number (its JSON text).
    let one = filtered(&s, "billId:eq=FR41231118").await;
    assert_eq!(texts(&one, "billId"), ["FR41231118"]);
    assert!(ids.contains(&"FR41231118".to_owned()));
    let order = bills[3]["orderId"].to_string();
    let by_order = filtered(&s, &format!("orderId:eq={order}")).await;
    assert_eq!(by_order, [bills[3].clone()]);
    // in: any of a comma-separated list.
    let cloud_or_web = filtered(&s, "category:in=purchase-cloud,purchase-web").await;
    let expected: Vec<Value> = bills
        .iter()
        .filter(|b| b["category"] == "purchase-cloud" || b["category"] == "purchase-web")
        .cloned()
        .collect();
    assert!(!expected.is_empty() && expected.len() < 30);
    assert_eq!(cloud_or_web, expected);
    // like: % any run (sent encoded as %25), _ one character; clauses joined with &.
    let like = filtered(&s, "billId:like=FR4123%25&category:eq=autorenew").await;
    let expected: Vec<Value> = bills
        .iter()
        .filter(|b| b["billId"].as_str().unwrap().starts_with("FR4123"))
        .filter(|b| b["category"] == "autorenew")
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(like, expected);
    let underscore = filtered(&s, "billId:like=FR4123111_").await;
    assert_eq!(texts(&underscore, "billId"), ["FR41231118"]);
    assert!(
        filtered(&s, "billId:like=fr%25").await.is_empty(),
        "case-sensitive"
    );
    // A nested member, percent-encoded value.
    let text = bills[0]["priceWithTax"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let encoded = percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC);
    let same_price = filtered(&s, &format!("priceWithTax.text:eq={encoded}")).await;
    assert!(same_price.contains(&bills[0]));
    assert!(same_price
        .iter()
        .all(|b| b["priceWithTax"]["text"] == text.as_str()));
}

#[tokio::test]
async fn sorted_descending_numbers_by_value_and_stable() {
    let (_emu, s) = start_with(common::config()).await;
    let bills = bills_one_by_one(&s).await;
    let page = bills_page(
        &s,
        &[
            ("X-Pagination-Sort", "orderId"),
            ("X-Pagination-Sort-Order", "DESC"),
        ],
    )
    .await;
    let mut expected = bills.clone();
    expected.sort_by_key(|b| std::cmp::Reverse(b["orderId"].as_i64().unwrap()));
    assert_eq!(list(&page), expected);
    // Ascending by default; equal keys keep the collection's order.
    let page = bills_page(
        &s,
        &[
            ("X-Pagination-Sort", "category"),
            ("X-Pagination-Size", "30"),
        ],
    )
    .await;
    let mut expected = bills.clone();
    expected.sort_by(|a, b| a["category"].as_str().cmp(&b["category"].as_str()));
    assert_eq!(list(&page), expected);
    // Sorted, then paged: page 2 of 4 by date, newest first.
    let page = bills_page(
        &s,
        &[
            ("X-Pagination-Sort", "date"),
            ("X-Pagination-Sort-Order", "DESC"),
            ("X-Pagination-Size", "4"),
            ("X-Pagination-Number", "2"),
        ],
    )
    .await;
    let mut by_date = bills.clone();
    by_date.sort_by(|a, b| b["date"].as_str().cmp(&a["date"].as_str()));
    assert_eq!(list(&page), by_date[4..8]);
}

#[tokio::test]
async fn cursor_pages_follow_the_next_cursor() {
    let (_emu, s) = start_with(common::config()).await;
    let bills = bills_one_by_one(&s).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut headers = vec![CURSOR, ("X-Pagination-Size", "7")];
        if let Some(c) = &cursor {
            headers.push(("X-Pagination-Cursor", c));
        }
        let page = s.call_with("GET", "/1.0/me/bill", &headers).await;
        assert_eq!(page.header("x-pagination-elements"), Some("30"));
        let objects = list(&page);
        pages += 1;
        seen.extend(objects.clone());
        match page.header("x-pagination-cursor-next") {
            Some(next) => {
                assert_eq!(objects.len(), 7);
                cursor = Some(next.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(seen, bills);
    let bad = s
        .call_with(
            "GET",
            "/1.0/me/bill",
            &[CURSOR, ("X-Pagination-Cursor", "garbage")],
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn bad_pagination_headers_are_ovh_bad_requests_and_not_applied() {
    let (emu, s) = start_with(common::config()).await;
    for (name, value) in [
        ("X-Pagination-Filter", "nope:eq=1"),
        ("X-Pagination-Filter", "billId:gt=1"),
        ("X-Pagination-Filter", "billId"),
        ("X-Pagination-Sort", "nope"),
        ("X-Pagination-Sort-Order", "SIDEWAYS"),
        ("X-Pagination-Size", "10001"),
        ("X-Pagination-Number", "0"),
    ] {
        let answer = bills_page(&s, &[(name, value), ("X-Pagination-Sort", "date")]).await;
        assert_eq!(answer.status, 400, "{name}: {value}: {answer:?}");
        let body = answer.json();
        assert_eq!(body["class"], "Client::BadRequest", "{body}");
        assert!(body["message"].as_str().unwrap().len() > 5, "{body}");
    }
    let stats = emu.stats();
    assert_eq!(stats.received("GET /me/bill"), 7);
    assert_eq!(stats.applied("GET /me/bill"), 0);
}

#[tokio::test]
async fn the_query_string_still_selects_the_ids() {
    let (_emu, s) = start_with(common::config()).await;
    let ids = list(
        &s.call("GET", "/1.0/me/bill?category=purchase-cloud", None)
            .await,
    );
    let page = s
        .call_with("GET", "/1.0/me/bill?category=purchase-cloud", &[PAGES])
        .await;
    let objects = list(&page);
    let ids: Vec<&str> = ids.iter().map(|id| id.as_str().unwrap()).collect();
    assert!(!ids.is_empty() && ids.len() < 30);
    assert_eq!(texts(&objects, "billId"), ids);
    assert!(objects.iter().all(|b| b["category"] == "purchase-cloud"));
}

#[tokio::test]
async fn example_and_stateful_collections_answer_each_ids_own_object() {
    let (_emu, s) = start_with(common::config()).await;
    for (collection, member) in [
        ("/1.0/ip/192.0.2.0%2F24/reverse", "ipReverse"),
        ("/1.0/ovhCloudConnect", "uuid"),
    ] {
        let ids = list(&s.call("GET", collection, None).await);
        assert!(!ids.is_empty(), "{collection}");
        let objects = list(&s.call_with("GET", collection, &[PAGES]).await);
        assert_eq!(objects.len(), ids.len(), "{collection}");
        for (id, object) in ids.iter().zip(&objects) {
            let id = id.as_str().unwrap();
            let encoded =
                percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC);
            let own = s
                .call("GET", &format!("{collection}/{encoded}"), None)
                .await;
            assert_eq!(&own.json(), object, "{collection}/{id}");
            assert_eq!(object[member], id, "{collection}: the object is the id's");
        }
    }
    // An example item answers for the id asked for, whatever it is.
    let other = s
        .call("GET", "/1.0/ip/192.0.2.0%2F24/reverse/198.51.100.7", None)
        .await;
    assert_eq!(other.json()["ipReverse"], "198.51.100.7");
}

#[tokio::test]
async fn other_paths_and_other_modes_ignore_the_header() {
    let (_emu, s) = start_with(common::config()).await;
    for path in ["/1.0/me", "/1.0/me/bill/FR41230001", "/v2/iam/policy"] {
        let plain = s.call("GET", path, None).await;
        let asked = s.call_with("GET", path, &[PAGES]).await;
        assert_eq!(asked.status, plain.status, "{path}");
        assert_eq!(asked.json(), plain.json(), "{path}");
        assert!(asked.header("x-pagination-elements").is_none(), "{path}");
    }
    let ids = s.call("GET", "/1.0/me/bill", None).await.json();
    let other_mode = s
        .call_with(
            "GET",
            "/1.0/me/bill",
            &[("X-Pagination-Mode", "SomethingElse")],
        )
        .await;
    assert_eq!(other_mode.json(), ids);
}

#[tokio::test]
async fn the_switch_makes_collections_answer_ids() {
    let (emu, s) = start_with(common::config().iceberg(false)).await;
    assert!(!emu.iceberg());
    let ids = s.call("GET", "/1.0/me/bill", None).await.json();
    assert_eq!(ids.as_array().unwrap().len(), 30);
    let asked = bills_page(
        &s,
        &[
            ("X-Pagination-Size", "2"),
            ("X-Pagination-Filter", "nope:eq=1"),
        ],
    )
    .await;
    assert_eq!(asked.status, 200, "headers are not even read: {asked:?}");
    assert_eq!(asked.json(), ids);
    assert!(asked.header("x-pagination-elements").is_none());
    // Over HTTP, and back on.
    let url = format!("{}/_emulator/iceberg", emu.base_url());
    assert_eq!(
        common::get(&url).await.json(),
        serde_json::json!({"enabled": false})
    );
    let http = reqwest::Client::new();
    let put = http
        .put(&url)
        .body(r#"{"enabled":true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    assert!(emu.iceberg());
    let page = bills_page(&s, &[("X-Pagination-Size", "2")]).await;
    assert_eq!(list(&page).len(), 2);
    assert!(list(&page)[0].is_object());
    emu.set_iceberg(false);
    assert_eq!(bills_page(&s, &[]).await.json(), ids);
}

#[tokio::test]
async fn one_listing_is_one_call_for_the_rate_limit_and_the_stats() {
    let emu = Emulator::start(common::config().rate_limit_per_sec(Some(3)))
        .await
        .unwrap();
    let s = signer(&emu);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(bills_page(&s, &[("X-Pagination-Size", "10")]).await.status);
    }
    // Three tokens, each listing of 30 objects takes one; a slow machine may refill one.
    assert!(statuses[..3].iter().all(|s| *s == 200), "{statuses:?}");
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!((3..=4).contains(&ok), "{statuses:?}");
    let stats = emu.stats();
    assert_eq!(stats.received("GET /me/bill"), 5);
    assert_eq!(stats.applied("GET /me/bill") as usize, ok);
    assert_eq!(stats.received("GET /me/bill/{billId}"), 0);
    assert_eq!(stats.applied("GET /me/bill/{billId}"), 0);
}
