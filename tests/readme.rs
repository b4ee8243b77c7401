//! The README's typed-call example, compiled (not run: it targets the real API).
#![cfg(all(feature = "ovhCloudConnect", feature = "me", feature = "v2_iam"))]
#![allow(dead_code)]

use ovhcloud::models::ovhcloudconnect::{pop_config::TypeEnum, PopConfigCreate};

async fn readme_example() -> Result<(), Box<dyn std::error::Error>> {
    let client = ovhcloud::Client::builder()
        .endpoint("ovh-eu")
        .application("app-key", "app-secret", "consumer-key")
        .build()?;
    let occ = client.ovh_cloud_connect();

    for service in occ.get().await? {
        let interfaces = occ.get_interface(service).await?;
        let mut pop = PopConfigCreate::new(interfaces[0], TypeEnum::L3);
        pop.customer_bgp_area = Some(64512);
        pop.ovh_bgp_area = Some(64513);
        pop.subnet = Some("10.0.0.0/30".parse()?);
        let task = occ.post_config_pop(service, &pop).await?;
        println!("{:?}", task.status);
    }

    let bills = client
        .me()
        .get_bill()
        .date_from("2024-01-01T00:00:00+00:00".parse()?)
        .await?;
    let policies = client.v2_iam().get_policy().await?;
    println!("{} bills, {} policies", bills.len(), policies.len());
    Ok(())
}

/// "When a response differs from its schema" and "Expanded v1 listings".
async fn readme_tolerance_and_listings(
    client: ovhcloud::Client,
    id: String,
) -> Result<(), Box<dyn std::error::Error>> {
    use futures_util::TryStreamExt;
    use ovhcloud::apis::me::fields;
    use ovhcloud::{Filter, Order};

    let me = client.me();
    let (bill, deviations) = me
        .get_bill_by_bill_id(&id)
        .into_call()
        .with_deviations()
        .await?;
    println!("{} ({} deviations)", bill.bill_id, deviations.len());
    println!("{} corrected so far", client.deviations().total());
    let strict = ovhcloud::Client::builder()
        .endpoint("ovh-eu")
        .strict_responses()
        .build()?;
    let _ = strict;
    let _bill = me.get_bill_by_bill_id(&id).into_call().strict().await?;
    let _bill = me.get_bill_by_bill_id(&id).into_call().tolerant().await?;

    let mut bills = client
        .me()
        .get_bill()
        .expanded()
        .filter(
            fields::Bill::Category,
            Filter::is_in(["autorenew", "purchase"]),
        )
        .sort(fields::Bill::Date, Order::Desc)
        .page_size(100)
        .stream();
    while let Some(bill) = bills.try_next().await? {
        println!("{} {}", bill.bill_id, bill.date);
    }
    let page = client.me().get_bill().expanded().page(1).await?;
    println!("{} of {:?}", page.items.len(), page.total);
    Ok(())
}

#[test]
fn readme_example_compiles() {
    let _ = readme_example;
    let _ = readme_tolerance_and_listings;
}
