//! End to end against the emulator, for what the real API does that its schema does not say:
//!
//! - every kind of deviation the emulator injects (the kinds real responses show) is survived
//!   by the default client, reported at exactly the path the emulator says it changed, counted,
//!   and refused by strict mode;
//! - v1 collections listed expanded (`X-Pagination-Mode: CachedObjectList-Pages`): the same
//!   objects as listing ids and fetching each, in a few calls, filtered and sorted by the API —
//!   and the same again from an endpoint that ignores the mode (the client falls back).
#![cfg(feature = "me")]

use std::time::Duration;

use futures_util::TryStreamExt;
use ovhcloud::apis::me::fields;
use ovhcloud::models::billing::Bill;
use ovhcloud::{Client, DeviationKind, Error, Filter, Order, RateLimiter};
use ovhcloud_emulator::{Deviation, Emulator, EmulatorConfig, Faults};

async fn emulator() -> Emulator {
    let config = EmulatorConfig::new(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas"))
        .task_step(Duration::from_millis(40));
    Emulator::start(config).await.expect("emulator starts")
}

fn client(emu: &Emulator) -> Client {
    let (key, secret) = emu.create_application();
    let consumer = emu.create_consumer_key(&key, &[("GET", "/*")]);
    Client::builder()
        .endpoint(emu.endpoint())
        .application(key, secret, consumer)
        .rate_limit(RateLimiter::unlimited())
        .build()
        .unwrap()
}

/// What the emulator says it changed in the answer to this exact request
/// (`X-Emulator-Deviation: <kind> <path>`), read with a signed request of our own.
async fn injected(client: &Client, request: &ovhcloud::Request) -> Option<(String, String)> {
    let prepared = client.prepare(request).await.unwrap();
    let mut raw = reqwest::Client::new().get(&prepared.url);
    for (name, value) in &prepared.headers {
        raw = raw.header(name, value);
    }
    let response = raw.send().await.unwrap();
    let header = response
        .headers()
        .get("X-Emulator-Deviation")?
        .to_str()
        .ok()?;
    let (kind, path) = header.split_once(' ')?;
    Some((kind.to_owned(), path.to_owned()))
}

/// The client's name for what the emulator injects.
fn reported_as(deviation: Deviation) -> DeviationKind {
    match deviation {
        Deviation::Missing => DeviationKind::Missing,
        Deviation::Null => DeviationKind::Null,
        Deviation::NumberAsString => DeviationKind::Retyped,
        Deviation::Reformatted => DeviationKind::Reformatted,
        Deviation::Invalid => DeviationKind::Invalid,
        Deviation::UnknownEnum => DeviationKind::UnknownEnumValue,
        Deviation::ObjectsForIds => DeviationKind::ObjectsForIds,
    }
}

#[tokio::test]
async fn every_injected_deviation_is_survived_reported_at_its_path_and_refused_when_strict() {
    let emu = emulator().await;
    let c = client(&emu);
    let me = c.me();
    let id = me.get_bill().await.unwrap().remove(0);
    for deviation in Deviation::ALL {
        emu.set_faults(Faults {
            deviation_rate: 1.0,
            deviations: vec![deviation],
            ..Faults::default()
        });
        // A list of ids for the objects-for-ids kind, one bill for the others.
        let (request, found, strict) = if deviation == Deviation::ObjectsForIds {
            let call = me.get_bill().into_call();
            let request = call.request().clone();
            let (ids, found) = call.with_deviations().await.unwrap();
            assert!(
                ids.contains(&id),
                "{deviation:?}: the ids are taken from the objects"
            );
            let strict = me.get_bill().into_call().strict().await.map(drop);
            (request, found, strict)
        } else {
            let call = me.get_bill_by_bill_id(&id).into_call();
            let request = call.request().clone();
            let (_bill, found) = call.with_deviations().await.unwrap();
            let strict = me
                .get_bill_by_bill_id(&id)
                .into_call()
                .strict()
                .await
                .map(drop);
            (request, found, strict)
        };
        let (kind, path) = injected(&c, &request)
            .await
            .unwrap_or_else(|| panic!("{deviation:?}: the emulator changed nothing"));
        let path = if deviation == Deviation::ObjectsForIds {
            // The emulator names the first object; the client, the whole list.
            assert_eq!(path, "[0]");
            String::new()
        } else {
            path
        };
        let reported: Vec<_> = found.iter().map(|d| (d.path.clone(), d.kind)).collect();
        assert_eq!(
            reported,
            [(path, reported_as(deviation))],
            "{deviation:?} (emulator: {kind})"
        );
        match strict {
            Err(Error::Deviations { deviations, .. }) => assert_eq!(deviations, found),
            other => panic!("{deviation:?}: strict mode gave {other:?}"),
        }
    }
    // Each kind corrected twice (default and with_deviations are the same call here, strict
    // counts too): the counter saw every one.
    for deviation in Deviation::ALL {
        assert_eq!(
            c.deviations().count(reported_as(deviation)),
            2,
            "{deviation:?}"
        );
    }
}

/// Every bill, the long way: the ids, then one call per bill.
async fn bills_one_by_one(c: &Client) -> Vec<Bill> {
    let me = c.me();
    let ids = me.get_bill().await.unwrap();
    ovhcloud::fanout::try_fetch_each(
        ids,
        8,
        |id| async move { me.get_bill_by_bill_id(&id).await },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn expanded_listing_gives_the_same_bills_in_a_few_calls_filtered_and_sorted() {
    let emu = emulator().await;
    let c = client(&emu);
    let mut expected = bills_one_by_one(&c).await;
    assert!(expected.len() >= 5, "{} bills", expected.len());
    let before = emu.stats().total_applied();

    let pages: Vec<_> = c
        .me()
        .get_bill()
        .expanded()
        .page_size(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        emu.stats().total_applied() - before,
        pages.len() as u64,
        "one call per page"
    );
    assert_eq!(pages.len(), expected.len().div_ceil(2));
    assert_eq!(pages[0].total, Some(expected.len() as u64));
    let mut listed: Vec<Bill> = pages.into_iter().flat_map(|p| p.items).collect();
    let by_id = |a: &Bill, b: &Bill| a.bill_id.cmp(&b.bill_id);
    listed.sort_by(by_id);
    expected.sort_by(by_id);
    assert_eq!(listed, expected, "the same objects as one by one");

    // Filtered and sorted by the API.
    let category = expected[0].category.clone();
    let sorted: Vec<Bill> = c
        .me()
        .get_bill()
        .expanded()
        .filter(fields::Bill::Category, Filter::eq(&category))
        .sort(fields::Bill::Date, Order::Desc)
        .await
        .unwrap();
    let mut wanted: Vec<&Bill> = expected.iter().filter(|b| b.category == category).collect();
    wanted.sort_by_key(|b| std::cmp::Reverse(b.date));
    assert_eq!(sorted.iter().collect::<Vec<_>>(), wanted);

    let like: Vec<Bill> = c
        .me()
        .get_bill()
        .expanded()
        .filter(
            fields::Bill::BillId,
            Filter::like(format!("{}%", &expected[0].bill_id[..3])),
        )
        .await
        .unwrap();
    assert!(like.iter().any(|b| b.bill_id == expected[0].bill_id));
    assert!(like
        .iter()
        .all(|b| b.bill_id.starts_with(&expected[0].bill_id[..3])));
}

#[tokio::test]
async fn an_endpoint_that_answers_ids_gets_the_same_listing_item_by_item() {
    let emu = emulator().await;
    let c = client(&emu);
    let expected = bills_one_by_one(&c).await;
    let category = expected[0].category.clone();
    let listing = || {
        c.me()
            .get_bill()
            .expanded()
            .page_size(2)
            .filter(fields::Bill::Category, Filter::eq(&category))
            .sort(fields::Bill::Date, Order::Asc)
    };
    let expanded: Vec<Bill> = listing().await.unwrap();
    let first_page = listing().page(1).await.unwrap();
    emu.set_iceberg(false);
    let before = emu.stats().total_applied();
    let fallback: Vec<Bill> = listing().await.unwrap();
    assert_eq!(fallback, expanded, "same items, same order");
    assert!(
        emu.stats().total_applied() - before > expected.len() as u64,
        "the fallback fetched each bill"
    );
    let fallback_page = listing().page(1).await.unwrap();
    assert_eq!(fallback_page, first_page, "same first page and total");
}
