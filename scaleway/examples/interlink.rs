//! Scaleway InterLink, self-hosted, with the typed client: create an IPv4 routing policy, create a
//! link on a dedicated connection in a PoP, wait until it is active, attach a VPC and the policy,
//! enable route propagation, read it back, then tear it all down.
//!
//! ```sh
//! cargo run -p scaleway-interlink --example interlink             # against a local emulator it starts
//! cargo run -p scaleway-interlink --example interlink -- --real \
//!     --vpc <vpc-id>                                              # the real API: SCW_* variables or
//!                                                                 # ~/.config/scw/config.yaml
//! ```

use std::time::Duration;

use scaleway_interlink::wait::WaitOptions;
use scaleway_interlink::Client;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let real = args.iter().any(|a| a == "--real");
    let vpc = value("--vpc").unwrap_or_else(|| "7a1f7e4c-3b1e-4f0e-9a53-0d2b6c1e9f10".into());

    // Against the real API when asked to, else against an emulator of our own.
    let (client, _emulator) = if real {
        (Client::from_env()?, None)
    } else {
        use ovhcloud_emulator::scaleway::{ScalewayConfig, ScalewayEmulator};
        let emulator =
            ScalewayEmulator::start(ScalewayConfig::default().step(Duration::from_millis(300)))
                .await?;
        let (_, secret) = emulator.create_api_key();
        let client = Client::builder()
            .api_url(emulator.base_url())
            .secret_key(secret)
            .default_project_id(emulator.default_project_id())
            .default_region("fr-par")
            .build()?;
        (client, Some(emulator))
    };
    // The region and the project are the client's defaults (SCW_DEFAULT_REGION, …); a call
    // can set others (`.region(&Region::NlAms)`).
    let interlink = client.interlink();

    let connection = interlink
        .list_dedicated_connections()
        .status(&"active".into())
        .all()
        .await?
        .into_iter()
        .next()
        .ok_or("no active dedicated connection in this region")?;
    let bandwidth = *connection
        .available_link_bandwidths
        .first()
        .ok_or("the connection offers no bandwidth")?;
    println!(
        "dedicated connection {} ({}) in PoP {}",
        connection.name, connection.id, connection.pop_id
    );

    let policy = interlink
        .create_routing_policy("example-ipv4")
        .prefix_filter_in(&["10.0.0.0/16".to_owned()])
        .prefix_filter_out(&["172.16.0.0/24".to_owned()])
        .await?;
    println!("routing policy {}", policy.id);

    let link = interlink
        .create_link(bandwidth, "example-link", &connection.pop_id)
        .connection_id(&connection.id)
        .peer_asn(65001)
        .await?;
    println!("link {}: {}", link.id, link.status.as_str());
    let options = WaitOptions::default()
        .interval(Duration::from_millis(200), Duration::from_secs(10))
        .timeout(Duration::from_secs(900));
    let link = client.wait_for_link(None, &link.id, &options).await?;
    println!("link {}: {}", link.id, link.status.as_str());

    interlink.attach_vpc(&link.id, &vpc).await?;
    interlink
        .attach_routing_policy(&link.id, &policy.id)
        .await?;
    interlink.enable_route_propagation(&link.id).await?;
    let link = interlink.get_link(&link.id).await?;
    println!(
        "link {}: {} · VPC {} · IPv4 policy {} · propagation {} · BGP v4 {}",
        link.id,
        link.status.as_str(),
        link.vpc_id.as_deref().unwrap_or("-"),
        link.routing_policy_v4_id.as_deref().unwrap_or("-"),
        link.enable_route_propagation,
        link.bgp_v4_status.as_str(),
    );

    interlink.disable_route_propagation(&link.id).await?;
    interlink
        .detach_routing_policy(&link.id, &policy.id)
        .await?;
    interlink.detach_vpc(&link.id).await?;
    interlink.delete_link(&link.id).await?;
    client
        .wait_for_link_deleted(None, &link.id, &options)
        .await?;
    interlink.delete_routing_policy(&policy.id).await?;
    println!("torn down");
    Ok(())
}
