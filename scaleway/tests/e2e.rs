//! The InterLink equivalent of OVHcloud's "OVHcloud Connect" guide, end to end over HTTP with the
//! emulator's Scaleway mode: a routing policy, a self-hosted link on a dedicated connection,
//! waiting until it is active, a VPC, route propagation, reading it back, tearing it down; then
//! pagination, typed errors, retries and configuration.

use std::time::Duration;

use futures_util::TryStreamExt;
use ovhcloud_emulator::scaleway::{ScalewayConfig, ScalewayEmulator};
use ovhcloud_emulator::Faults;
use scaleway_interlink::interlink::{BgpStatus, LinkStatus};
use scaleway_interlink::wait::WaitOptions;
use scaleway_interlink::{Client, Error, Region, RetryPolicy};

const VPC: &str = "7a1f7e4c-3b1e-4f0e-9a53-0d2b6c1e9f10";

async fn emulator() -> ScalewayEmulator {
    ScalewayEmulator::start(ScalewayConfig::default().step(Duration::from_millis(40)))
        .await
        .expect("the emulator starts")
}

fn client(emu: &ScalewayEmulator, secret: &str) -> Client {
    Client::builder()
        .api_url(emu.base_url())
        .secret_key(secret)
        .default_project_id(emu.default_project_id())
        .default_region("fr-par")
        .retry(RetryPolicy::default().base_delay(Duration::from_millis(5)))
        .build()
        .expect("a client")
}

fn fast() -> WaitOptions {
    WaitOptions::default()
        .interval(Duration::from_millis(20), Duration::from_millis(100))
        .timeout(Duration::from_secs(10))
}

#[tokio::test]
async fn self_hosted_link_from_creation_to_teardown() {
    let emu = emulator().await;
    let (_, secret) = emu.create_api_key();
    let client = client(&emu, &secret);
    // The region (fr-par) and the project are the client's defaults.
    let project = client.project_id().unwrap().to_owned();
    let interlink = client.interlink();

    // Reference data: a dedicated connection of the project, in a PoP.
    let connections = interlink.list_dedicated_connections().all().await.unwrap();
    let connection = connections
        .iter()
        .find(|c| c.status.as_str() == "active")
        .expect("an active dedicated connection");
    let pop = interlink.get_pop(&connection.pop_id).await.unwrap();
    assert_eq!(pop.id, connection.pop_id);
    let bandwidth = connection.available_link_bandwidths[0];

    let policy = interlink
        .create_routing_policy("e2e-ipv4")
        .prefix_filter_in(&["10.0.0.0/16".to_owned()])
        .prefix_filter_out(&["192.168.0.0/24".to_owned()])
        .await
        .unwrap();
    assert!(!policy.is_ipv6);

    let link = interlink
        .create_link(bandwidth, "e2e-link", &connection.pop_id)
        .connection_id(&connection.id)
        .project_id(&project)
        .peer_asn(65001)
        .await
        .unwrap();
    assert_eq!(
        link.self_.as_ref().map(|s| s.connection_id.as_str()),
        Some(connection.id.as_str())
    );
    assert_ne!(
        link.status,
        LinkStatus::Active,
        "a new link is not active yet"
    );

    let link = client.wait_for_link(None, &link.id, &fast()).await.unwrap();
    assert_eq!(link.status, LinkStatus::Active);

    interlink.attach_vpc(&link.id, VPC).await.unwrap();
    interlink
        .attach_routing_policy(&link.id, &policy.id)
        .await
        .unwrap();
    interlink.enable_route_propagation(&link.id).await.unwrap();

    let read = interlink.get_link(&link.id).await.unwrap();
    assert_eq!(read.vpc_id.as_deref(), Some(VPC));
    assert_eq!(
        read.routing_policy_v4_id.as_deref(),
        Some(policy.id.as_str())
    );
    assert!(read.enable_route_propagation);
    assert_eq!(read.peer_bgp_config.asn, 65001);
    let listed: Vec<_> = interlink
        .list_links()
        .vpc_id(VPC)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, link.id);
    // Once a policy is attached, BGP comes up.
    let up = client.wait_for_link(None, &link.id, &fast()).await.unwrap();
    assert!(
        matches!(up.bgp_v4_status, BgpStatus::Up | BgpStatus::Down),
        "{:?}",
        up.bgp_v4_status
    );

    interlink.disable_route_propagation(&link.id).await.unwrap();
    interlink
        .detach_routing_policy(&link.id, &policy.id)
        .await
        .unwrap();
    interlink.detach_vpc(&link.id).await.unwrap();
    interlink.delete_link(&link.id).await.unwrap();
    client
        .wait_for_link_deleted(None, &link.id, &fast())
        .await
        .unwrap();
    let gone = interlink.get_link(&link.id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
    interlink.delete_routing_policy(&policy.id).await.unwrap();
    assert!(interlink
        .get_routing_policy(&policy.id)
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn lists_are_read_page_after_page() {
    let emu = emulator().await;
    let (_, secret) = emu.create_api_key();
    let client = client(&emu, &secret);
    // Another region than the client's default one.
    let region = Region::NlAms;
    for i in 0..5 {
        let policy = client
            .interlink()
            .create_routing_policy(&format!("policy-{i}"))
            .region(&region)
            .await
            .unwrap();
        assert_eq!(policy.region, "nl-ams");
    }
    let default_region = client.interlink().list_routing_policies().await.unwrap();
    assert_eq!(default_region.total_count, 0, "nothing in fr-par");
    emu.reset_stats();
    let all = client
        .interlink()
        .list_routing_policies()
        .region(&region)
        .page_size(2)
        .all()
        .await
        .unwrap();
    let mut names: Vec<_> = all.iter().map(|p| p.name.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        ["policy-0", "policy-1", "policy-2", "policy-3", "policy-4"]
    );
    assert_eq!(emu.stats().requests, 3, "pages of 2, 2 and 1");
    // One page, as the API answers it.
    let page = client
        .interlink()
        .list_routing_policies()
        .region(&region)
        .page_size(2)
        .page(3)
        .await
        .unwrap();
    assert_eq!((page.routing_policies.len(), page.total_count), (1, 5));
}

#[tokio::test]
async fn errors_are_typed() {
    let emu = emulator().await;
    let (_, secret) = emu.create_api_key();
    let client = client(&emu, &secret);
    let interlink = client.interlink();

    let err = interlink
        .get_link("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    let Error::NotFound {
        resource,
        resource_id,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(resource, "link");
    assert_eq!(resource_id, "00000000-0000-0000-0000-000000000000");

    // A bandwidth the connection does not offer.
    let connection = interlink
        .list_dedicated_connections()
        .all()
        .await
        .unwrap()
        .remove(0);
    let err = interlink
        .create_link(123, "too-odd", &connection.pop_id)
        .connection_id(&connection.id)
        .project_id(client.project_id().unwrap())
        .await
        .unwrap_err();
    let Error::InvalidArguments { details, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        details.iter().any(|d| d.argument_name == "bandwidth_mbps"),
        "{details:?}"
    );

    // A wrong secret key, and none at all.
    let stranger = self::client(&emu, "11111111-2222-3333-4444-555555555555");
    let err = stranger.interlink().list_pops().await.unwrap_err();
    assert!(matches!(err, Error::Unauthenticated { .. }), "{err:?}");
    assert_eq!(err.status(), Some(401));
    // What a call leaves to the client, and the client does not have.
    let bare = Client::builder()
        .api_url(emu.base_url())
        .secret_key(&secret)
        .build()
        .unwrap();
    let err = bare.interlink().list_pops().await.unwrap_err();
    assert!(err.to_string().contains("SCW_DEFAULT_REGION"), "{err}");
    let err = bare
        .interlink()
        .create_routing_policy("p")
        .region(&Region::FrPar)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("SCW_DEFAULT_PROJECT_ID"), "{err}");
    let keyless = Client::builder()
        .api_url(emu.base_url())
        .default_region("fr-par")
        .build()
        .unwrap();
    let err = keyless.interlink().list_pops().await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("SCW_SECRET_KEY"), "{err}");
    assert!(
        !format!("{err:?}{stranger:?}").contains("5555"),
        "no secret in errors"
    );
}

#[tokio::test]
async fn unavailable_answers_are_retried() {
    let emu = emulator().await;
    let (_, secret) = emu.create_api_key();
    let client = client(&emu, &secret);
    emu.set_faults(Faults {
        error_rate: 1.0,
        error_statuses: vec![503],
        max_faults: Some(2),
        ..Faults::default()
    });
    let pops = client.interlink().list_pops().await.unwrap();
    assert!(pops.total_count > 0);
    let stats = emu.stats();
    assert_eq!(stats.faults.values().sum::<u64>(), 2, "{stats:?}");
}

/// The shared pipeline gives Scaleway's client what OVHcloud's has: hooks before sending and
/// after each exchange, traffic counters.
#[tokio::test]
async fn hooks_and_counters_see_every_exchange() {
    use std::sync::{Arc, Mutex};
    let emu = emulator().await;
    let (_, secret) = emu.create_api_key();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let client = Client::builder()
        .api_url(emu.base_url())
        .secret_key(&secret)
        .default_project_id(emu.default_project_id())
        .default_region("fr-par")
        .retry(RetryPolicy::default().base_delay(Duration::from_millis(5)))
        .before_send(|request| request.headers.push(("X-Team".into(), "net".into())))
        .after_receive(move |exchange| {
            let entry = (
                exchange.operation.to_owned(),
                exchange.attempt,
                exchange.status,
            );
            log.lock().unwrap().push(entry);
        })
        .build()
        .unwrap();
    emu.set_faults(Faults {
        error_rate: 1.0,
        error_statuses: vec![503],
        max_faults: Some(1),
        ..Faults::default()
    });
    client.interlink().list_pops().await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let operation = "GET /interlink/v1beta1/regions/{region}/pops".to_owned();
    assert_eq!(
        seen,
        [(operation.clone(), 1, Some(503)), (operation, 2, Some(200))]
    );
    assert_eq!(
        (client.traffic().sent(), client.traffic().retried()),
        (2, 1)
    );
    assert!(!format!("{seen:?}").contains(&secret));
}
