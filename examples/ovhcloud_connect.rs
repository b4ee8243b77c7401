//! OVHcloud Connect in L3, as OVH's guide does it, with the typed client: link the service to a
//! vRack, configure the PoP (BGP ASNs and a /30), configure a datacenter (a /28), add a BGP
//! session, and print the final configuration.
//!
//! ```sh
//! cargo run --example ovhcloud_connect                      # against a local emulator it starts
//! cargo run --example ovhcloud_connect -- --endpoint ovh-eu # the real API: credentials from
//!                                                           # OVH_* variables or ovh.conf
//! cargo run --example ovhcloud_connect -- --cleanup         # delete the PoP (recursively) at the end
//! cargo run --example ovhcloud_connect -- --print-access    # then print the access rules and IAM
//!                                                           # actions it used: a least-privilege key
//! ```

use std::time::Duration;

use ovhcloud::models::ovhcloudconnect::{
    datacenter_extra_config, pop_config, DatacenterConfigCreate, DatacenterExtraConfigCreate,
    PopConfigCreate, Task,
};
use ovhcloud::types::Uuid;
use ovhcloud::wait::WaitOptions;
use ovhcloud::{AccessRecorder, Client, ClientBuilder};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name);
    let cleanup = flag("--cleanup").is_some();
    let endpoint = flag("--endpoint").and_then(|i| args.get(i + 1)).cloned();
    let recorder = AccessRecorder::new();
    let recording = |builder: ClientBuilder| match flag("--print-access") {
        Some(_) => builder.record_access(&recorder),
        None => builder,
    };

    // Against the real API when asked to, else against an emulator of our own.
    let (client, _emulator) = match endpoint {
        Some(endpoint) => (
            recording(Client::builder().endpoint(endpoint).from_env()).build()?,
            None,
        ),
        None => {
            let schemas = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas");
            let config = ovhcloud_emulator::EmulatorConfig::new(schemas)
                .task_step(Duration::from_millis(400));
            let emulator = ovhcloud_emulator::Emulator::start(config).await?;
            let (key, secret) = emulator.create_application();
            let consumer = emulator.create_consumer_key(
                &key,
                &[
                    ("GET", "/*"),
                    ("POST", "/*"),
                    ("PUT", "/*"),
                    ("DELETE", "/*"),
                ],
            );
            println!("emulator at {}", emulator.endpoint());
            let client = recording(
                Client::builder()
                    .endpoint(emulator.endpoint())
                    .application(key, secret, consumer),
            )
            .build()?;
            (client, Some(emulator))
        }
    };
    guide(&client, cleanup).await?;
    if flag("--print-access").is_some() {
        println!("access rules:");
        for rule in recorder.rules() {
            println!("  {} {}", rule.method, rule.path);
        }
        println!("IAM actions: {}", recorder.iam_actions().join(", "));
    }
    Ok(())
}

/// The guide's steps with `client`; `cleanup` deletes the PoP at the end.
pub async fn guide(client: &Client, cleanup: bool) -> Result<()> {
    let occ = client.ovh_cloud_connect();
    let waiting =
        WaitOptions::default().interval(Duration::from_millis(250), Duration::from_secs(10));

    // 1. The service and its physical interface.
    let service: Uuid = *occ
        .get()
        .await?
        .first()
        .ok_or("no OVHcloud Connect service on this account")?;
    let details = occ.get_by_service_name(service).await?;
    println!(
        "service {service}: {} at PoP {} ({:?})",
        details.description, details.pop, details.status
    );
    let interface = *details
        .interface_list
        .first()
        .ok_or("the service has no interface")?;

    // 2. Link it to a vRack (once).
    let vrack = match details.vrack.clone() {
        Some(vrack) => vrack,
        None => {
            let vrack = client
                .vrack()
                .get()
                .await?
                .into_iter()
                .next()
                .ok_or("no vRack on this account")?;
            let task = client
                .vrack()
                .post_ovh_cloud_connect(&vrack, service)
                .await?;
            client
                .vrack()
                .get_task_by_task_id(&vrack, task.id)
                .wait_until_done(&waiting)
                .await?;
            vrack
        }
    };
    println!("linked to vRack {vrack}");

    // Each change is a task: the generated waiter reads it again until it is done.
    let wait_task = |task: Task, what: &'static str| {
        let waiting = waiting.clone();
        async move {
            let done = occ
                .get_task_by_id(service, task.id)
                .wait_until_done(&waiting)
                .await?;
            println!("  {what}: task {} {}", done.id, done.status);
            Ok::<_, ovhcloud::Error>(done)
        }
    };

    // 3. The PoP in L3: our ASN, OVHcloud's ASN and a /30 between them.
    let mut pop = PopConfigCreate::new(interface, pop_config::TypeEnum::L3);
    pop.customer_bgp_area = Some(64512);
    pop.ovh_bgp_area = Some(64513);
    pop.subnet = Some("10.0.0.0/30".parse()?);
    let pop_id = wait_task(
        occ.post_config_pop(service, &pop).await?,
        "PoP configuration",
    )
    .await?
    .resource_id;

    // 4. A datacenter: OVHcloud's ASN there and a /28 (or larger).
    let datacenter = *occ
        .get_datacenter(service)
        .await?
        .first()
        .ok_or("no datacenter available")?;
    let mut dc = DatacenterConfigCreate::new(datacenter);
    dc.ovh_bgp_area = Some(64514);
    dc.subnet = Some("10.1.0.0/28".parse()?);
    let dc_id = wait_task(
        occ.post_config_pop_datacenter(service, pop_id, &dc).await?,
        "datacenter configuration",
    )
    .await?
    .resource_id;

    // 5. A BGP session in that datacenter (a static route would be `TypeEnum::Network`, not both).
    let mut bgp = DatacenterExtraConfigCreate::new(datacenter_extra_config::TypeEnum::Bgp);
    bgp.bgp_neighbor_area = Some(64515);
    bgp.bgp_neighbor_ip = Some("10.1.0.10".parse()?);
    wait_task(
        occ.post_config_pop_datacenter_extra(service, pop_id, dc_id, &bgp)
            .await?,
        "BGP session",
    )
    .await?;

    // 6. Read everything back.
    let pop = occ.get_config_pop_by_pop_id(service, pop_id).await?;
    println!(
        "PoP {}: {:?} {:?}, customer ASN {:?}, OVHcloud ASN {:?}, subnet {:?}",
        pop.id,
        pop.type_,
        pop.status,
        pop.customer_bgp_area,
        pop.ovh_bgp_area,
        pop.subnet.map(|s| s.to_string())
    );
    for dc_id in occ.get_config_pop_datacenter(service, pop_id).await? {
        let dc = occ
            .get_config_pop_datacenter_by_datacenter_id(service, pop_id, dc_id)
            .await?;
        println!(
            "  datacenter {}: {:?}, ASN {:?}, subnet {:?}",
            dc.datacenter_id,
            dc.status,
            dc.ovh_bgp_area,
            dc.subnet.map(|s| s.to_string())
        );
        for extra_id in occ
            .get_config_pop_datacenter_extra(service, pop_id, dc_id)
            .await?
        {
            let extra = occ
                .get_config_pop_datacenter_extra_by_extra_id(service, pop_id, dc_id, extra_id)
                .await?;
            println!(
                "    extra {}: {:?} {:?}, neighbour {:?} AS {:?}",
                extra.id, extra.type_, extra.status, extra.bgp_neighbor_ip, extra.bgp_neighbor_area
            );
        }
    }

    if cleanup {
        wait_task(
            occ.delete_config_pop_by_pop_id(service, pop_id).await?,
            "PoP deletion (recursive)",
        )
        .await?;
    }
    Ok(())
}
