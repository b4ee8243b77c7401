//! Deviations from the schema injected on demand, one kind at a time, over raw HTTP: the
//! answer shows exactly the change that `X-Emulator-Deviation: <kind> <path>` names, chosen
//! from the schema type of the answer; answers with nothing to change are left alone.

mod common;

use common::{Answer, Signer};
use ovhcloud_emulator::{Deviation, Emulator, EmulatorConfig, Faults};
use serde_json::{json, Value};

const BILL: &str = "/1.0/me/bill/FR41230001";

async fn start_with(config: EmulatorConfig) -> (Emulator, Signer) {
    let emu = Emulator::start(config.rate_limit_per_sec(None))
        .await
        .expect("the emulator starts");
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(&ak, &[("GET", "/*")]);
    let signer = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    (emu, signer)
}

fn only(kind: Deviation) -> Faults {
    Faults {
        deviation_rate: 1.0,
        deviations: vec![kind],
        ..Faults::default()
    }
}

/// `GET path` without faults, then with `kind`: both answers, the second with its
/// `X-Emulator-Deviation` header (which must be there).
async fn plain_and_deviated(
    emu: &Emulator,
    s: &Signer,
    path: &str,
    kind: Deviation,
) -> (Value, Answer) {
    emu.set_faults(Faults::default());
    let plain = s.call("GET", path, None).await;
    assert_eq!(plain.status, 200, "{plain:?}");
    assert!(plain.header("x-emulator-deviation").is_none());
    emu.set_faults(only(kind));
    let deviated = s.call("GET", path, None).await;
    assert_eq!(deviated.status, 200, "{deviated:?}");
    (plain.json(), deviated)
}

/// Asserts the header names `kind` at `path`, and that the deviated body is the plain one
/// with the member at `.name` replaced by `new` (`None`: left out).
fn assert_member_changed(
    plain: &Value,
    deviated: &Answer,
    kind: &str,
    name: &str,
    new: Option<Value>,
) {
    let header = format!("{kind} .{name}");
    assert_eq!(
        deviated.header("x-emulator-deviation"),
        Some(header.as_str())
    );
    let mut expected = plain.clone();
    match new {
        Some(v) => expected[name] = v,
        None => {
            expected.as_object_mut().unwrap().remove(name);
        }
    }
    assert_eq!(deviated.json(), expected, "{kind}");
}

#[tokio::test]
async fn missing_and_null_hit_the_first_non_null_member() {
    let (emu, s) = start_with(common::config()).await;
    let (plain, deviated) = plain_and_deviated(&emu, &s, BILL, Deviation::Missing).await;
    assert_member_changed(&plain, &deviated, "missing", "billId", None);
    let (plain, deviated) = plain_and_deviated(&emu, &s, BILL, Deviation::Null).await;
    assert_member_changed(&plain, &deviated, "null", "billId", Some(Value::Null));
    let stats = emu.stats();
    assert_eq!(stats.faults.get("deviation/missing"), Some(&1));
    assert_eq!(stats.faults.get("deviation/null"), Some(&1));
    assert_eq!(
        stats.faults_by_operation.get("GET /me/bill/{billId}"),
        Some(&2)
    );
}

#[tokio::test]
async fn numbers_come_as_text() {
    let (emu, s) = start_with(common::config()).await;
    let (plain, deviated) = plain_and_deviated(&emu, &s, BILL, Deviation::NumberAsString).await;
    let text = plain["orderId"].as_i64().unwrap().to_string();
    assert_member_changed(
        &plain,
        &deviated,
        "number-as-string",
        "orderId",
        Some(json!(text)),
    );
}

#[tokio::test]
async fn datetimes_dates_and_addresses_are_reformatted() {
    let (emu, s) = start_with(common::config()).await;
    // A datetime without its offset, with a space.
    let (plain, deviated) = plain_and_deviated(&emu, &s, BILL, Deviation::Reformatted).await;
    let date = plain["date"].as_str().unwrap();
    let reformatted = format!("{} {}", &date[..10], &date[11..19]);
    assert_member_changed(
        &plain,
        &deviated,
        "reformatted",
        "date",
        Some(json!(reformatted)),
    );
    // A date as a datetime.
    let infos = "/1.0/vrack/pn-1/serviceInfos";
    let (plain, deviated) = plain_and_deviated(&emu, &s, infos, Deviation::Reformatted).await;
    let day = plain["creation"].as_str().unwrap();
    let as_datetime = json!(format!("{day}T00:00:00+00:00"));
    assert_member_changed(
        &plain,
        &deviated,
        "reformatted",
        "creation",
        Some(as_datetime),
    );
    // An address with a prefix length.
    let reverse = "/1.0/ip/192.0.2.0%2F24/reverse/192.0.2.7";
    let (plain, deviated) = plain_and_deviated(&emu, &s, reverse, Deviation::Reformatted).await;
    let block = json!("192.0.2.7/32");
    assert_member_changed(&plain, &deviated, "reformatted", "ipReverse", Some(block));
}

#[tokio::test]
async fn uuids_addresses_and_dates_are_invalid() {
    let (emu, s) = start_with(common::config()).await;
    let services = s.call("GET", "/1.0/ovhCloudConnect", None).await.json();
    let service = format!("/1.0/ovhCloudConnect/{}", services[0].as_str().unwrap());
    let (plain, deviated) = plain_and_deviated(&emu, &s, &service, Deviation::Invalid).await;
    assert_member_changed(
        &plain,
        &deviated,
        "invalid",
        "uuid",
        Some(json!("not-a-uuid")),
    );
    let reverse = "/1.0/ip/192.0.2.0%2F24/reverse/192.0.2.7";
    let (plain, deviated) = plain_and_deviated(&emu, &s, reverse, Deviation::Invalid).await;
    assert_member_changed(
        &plain,
        &deviated,
        "invalid",
        "ipReverse",
        Some(json!("not-a-ip")),
    );
    let (plain, deviated) = plain_and_deviated(&emu, &s, BILL, Deviation::Invalid).await;
    assert_member_changed(
        &plain,
        &deviated,
        "invalid",
        "date",
        Some(json!("not-a-datetime")),
    );
}

#[tokio::test]
async fn enums_get_a_value_the_schema_does_not_list() {
    let (emu, s) = start_with(common::config()).await;
    let (plain, deviated) = plain_and_deviated(&emu, &s, BILL, Deviation::UnknownEnum).await;
    let unlisted = json!("value-from-the-future");
    assert_member_changed(
        &plain,
        &deviated,
        "unknown-enum",
        "category",
        Some(unlisted),
    );
}

#[tokio::test]
async fn lists_of_ids_come_as_objects() {
    let (emu, s) = start_with(common::config()).await;
    let (ids, deviated) =
        plain_and_deviated(&emu, &s, "/1.0/me/bill", Deviation::ObjectsForIds).await;
    assert_eq!(
        deviated.header("x-emulator-deviation"),
        Some("objects-for-ids [0]")
    );
    assert!(deviated.header("x-pagination-elements").is_none());
    emu.set_faults(Faults::default());
    let objects = deviated.json();
    let objects = objects.as_array().unwrap();
    let ids = ids.as_array().unwrap();
    assert_eq!(objects.len(), ids.len());
    for (id, object) in ids.iter().zip(objects) {
        let own = s
            .call(
                "GET",
                &format!("/1.0/me/bill/{}", id.as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(&own.json(), object);
    }
}

#[tokio::test]
async fn nothing_to_change_means_no_change_and_no_header() {
    let (emu, s) = start_with(common::config()).await;
    let cases: [(&str, Deviation); 4] = [
        // A list of enum values: no member, and not a collection.
        ("/1.0/newAccount/countries", Deviation::Missing),
        ("/1.0/newAccount/countries", Deviation::ObjectsForIds),
        // An object: not a list of ids.
        (BILL, Deviation::ObjectsForIds),
        // No number in a list of strings.
        ("/1.0/me/bill", Deviation::NumberAsString),
    ];
    for (path, kind) in cases {
        emu.set_faults(Faults::default());
        let plain = s.call("GET", path, None).await.json();
        emu.set_faults(only(kind));
        let answer = s.call("GET", path, None).await;
        assert_eq!(answer.json(), plain, "{path} {kind}");
        assert!(
            answer.header("x-emulator-deviation").is_none(),
            "{path} {kind}"
        );
    }
    assert_eq!(emu.stats().injected_faults(), 0);
}

#[tokio::test]
async fn expanded_listings_deviate_in_their_first_item() {
    let (emu, s) = start_with(common::config()).await;
    emu.set_faults(only(Deviation::Missing));
    let pages = [
        ("X-Pagination-Mode", "CachedObjectList-Pages"),
        ("X-Pagination-Size", "3"),
    ];
    let page = s.call_with("GET", "/1.0/me/bill", &pages).await;
    assert_eq!(
        page.header("x-emulator-deviation"),
        Some("missing [0].billId")
    );
    let items = page.json();
    assert!(items[0].get("billId").is_none());
    assert!(items[1]["billId"].is_string());
    // Already objects: objects-for-ids does not apply.
    emu.set_faults(only(Deviation::ObjectsForIds));
    let page = s.call_with("GET", "/1.0/me/bill", &pages).await;
    assert!(page.header("x-emulator-deviation").is_none());
}

#[tokio::test]
async fn several_kinds_rotate_and_the_budget_is_kept() {
    let (emu, s) = start_with(common::config()).await;
    emu.set_faults(Faults {
        deviation_rate: 1.0,
        deviations: vec![Deviation::Missing, Deviation::NumberAsString],
        ..Faults::default()
    });
    let mut headers = Vec::new();
    for _ in 0..4 {
        let answer = s.call("GET", BILL, None).await;
        headers.push(answer.header("x-emulator-deviation").unwrap().to_owned());
    }
    for expected in ["missing .billId", "number-as-string .orderId"] {
        assert!(headers.iter().any(|h| h == expected), "{headers:?}");
    }
    // Every kind (an empty list), at most one fault.
    emu.set_faults(Faults {
        deviation_rate: 1.0,
        max_faults: Some(1),
        ..Faults::default()
    });
    let first = s.call("GET", BILL, None).await;
    assert!(first.header("x-emulator-deviation").is_some());
    let second = s.call("GET", BILL, None).await;
    assert!(second.header("x-emulator-deviation").is_none());
}

#[tokio::test]
async fn deviations_are_set_over_http_too() {
    let (emu, s) = start_with(common::config()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/_emulator/faults", emu.base_url());
    let body = r#"{"deviationRate":1,"deviations":["number-as-string"],"onlyPaths":["/me/bill"]}"#;
    let put = http.put(&url).body(body).send().await.unwrap();
    assert_eq!(put.status(), 200);
    assert_eq!(emu.faults().deviations, [Deviation::NumberAsString]);
    let answer = s.call("GET", BILL, None).await;
    assert_eq!(
        answer.header("x-emulator-deviation"),
        Some("number-as-string .orderId")
    );
    let me = s.call("GET", "/1.0/me", None).await;
    assert!(
        me.header("x-emulator-deviation").is_none(),
        "onlyPaths applies"
    );
    let bad = http
        .put(&url)
        .body(r#"{"deviations":["sideways"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

/// The real snapshot: an `ipv4` member (`ip.FirewallIp.ipOnFirewall`), and a collection of
/// IPv4 addresses answered with objects.
#[tokio::test]
async fn on_the_snapshot_schemas() {
    let (emu, s) = start_with(EmulatorConfig::new(common::snapshot())).await;
    let firewall = "/1.0/ip/192.0.2.0%2F24/firewall/192.0.2.9";
    let (plain, deviated) = plain_and_deviated(&emu, &s, firewall, Deviation::Reformatted).await;
    assert_eq!(
        plain["ipOnFirewall"], "192.0.2.9",
        "the item answers for its id"
    );
    let block = json!("192.0.2.9/32");
    assert_member_changed(
        &plain,
        &deviated,
        "reformatted",
        "ipOnFirewall",
        Some(block),
    );
    let (plain, deviated) = plain_and_deviated(&emu, &s, firewall, Deviation::Invalid).await;
    assert_member_changed(
        &plain,
        &deviated,
        "invalid",
        "ipOnFirewall",
        Some(json!("not-a-ipv4")),
    );
    let list = "/1.0/ip/192.0.2.0%2F24/firewall";
    let (ids, deviated) = plain_and_deviated(&emu, &s, list, Deviation::ObjectsForIds).await;
    assert_eq!(
        deviated.header("x-emulator-deviation"),
        Some("objects-for-ids [0]")
    );
    let objects = deviated.json();
    assert_eq!(objects[0]["ipOnFirewall"], ids[0]);
}
