//! Scaleway's official Python SDK runs the InterLink scenario against the emulator's Scaleway
//! mode, with its typed `InterlinkV1Beta1API` methods and waiters.
//!
//! Needs `python3` with `scaleway` installed (`pip install scaleway==2.12.0`). Without it the
//! test is skipped with a message, except in CI (`CI` set), which installs it and must run it;
//! set `OVHCLOUD_SKIP_PYTHON=1` to skip it anyway.

mod common;

use std::process::Command;
use std::time::Duration;

use common::python;
use ovhcloud_emulator::scaleway::{ScalewayConfig, ScalewayEmulator};
use serde_json::json;

const PIN: &str = "scaleway==2.12.0";

#[tokio::test(flavor = "multi_thread")]
async fn scaleway_python_sdk_runs_the_interlink_scenario() {
    let probe = "import scaleway.interlink.v1beta1, scaleway; print(scaleway.__version__)";
    if !python::ready("the Scaleway Python SDK", PIN, probe) {
        return;
    }
    let config = ScalewayConfig::default().step(Duration::from_millis(300));
    let emu = ScalewayEmulator::start(config).await.expect("starts");
    let (access_key, secret_key) = emu.create_api_key();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/scaleway_interlink.py"
    );
    let mut command = Command::new("python3");
    command
        .arg(script)
        .env("EMU_API_URL", emu.base_url())
        .env("EMU_ACCESS_KEY", &access_key)
        .env("EMU_SECRET_KEY", &secret_key)
        .env("EMU_PROJECT_ID", emu.default_project_id())
        .env("EMU_ORGANIZATION_ID", emu.default_organization_id())
        .current_dir(std::env::temp_dir());
    // A local Scaleway profile must not leak in.
    for name in [
        "SCW_ACCESS_KEY",
        "SCW_SECRET_KEY",
        "SCW_DEFAULT_PROJECT_ID",
        "SCW_DEFAULT_ORGANIZATION_ID",
        "SCW_DEFAULT_REGION",
        "SCW_API_URL",
        "SCW_PROFILE",
        "SCW_CONFIG_PATH",
    ] {
        command.env_remove(name);
    }
    let out = common::external::run(command, "the Scaleway SDK script").await;

    assert_eq!(out["connection"]["status"], "active", "{out}");
    assert!(
        out["pop"]["bandwidths"]
            .as_array()
            .unwrap()
            .contains(&json!(1000)),
        "{out}"
    );
    assert_eq!(out["pops_dedicated"], 2, "{out}");
    assert_eq!(out["partners_l3"], json!(["Ielo"]), "{out}");
    assert_eq!(
        out["policy"]["project_id"],
        emu.default_project_id(),
        "{out}"
    );
    assert_eq!(out["policy"]["region"], "fr-par", "{out}");
    assert_eq!(out["created_status"], "configuring", "{out}");
    assert_eq!(
        out["waited_status"], "active",
        "wait_for_link stops out of configuring: {out}"
    );
    let read = &out["read"];
    assert_eq!(read["status"], "active", "{out}");
    assert_eq!(read["bgp_v4_status"], "up", "{out}");
    assert_eq!(read["bgp_v6_status"], "disabled", "{out}");
    for flag in [
        "vpc_matches",
        "routing_policy_v4_id_matches",
        "enable_route_propagation",
        "connection_matches",
    ] {
        assert_eq!(read[flag], true, "{flag}: {out}");
    }
    let vlan_start = out["connection"]["vlan_start"].as_u64().unwrap();
    assert_eq!(read["vlan"], vlan_start + 1, "{out}");
    assert_eq!(
        (read["peer_asn"].clone(), read["scw_asn"].clone()),
        (json!(64512), json!(12876)),
        "{out}"
    );
    assert!(read["partner"].is_null(), "{out}");
    assert!(read["created_at_year"].as_u64().unwrap() >= 2024, "{out}");
    assert_eq!(out["listed_by_vpc"], 1, "{out}");
    assert_eq!(out["listed_all"], json!(["paris-onprem"]), "{out}");
    assert_eq!(out["renamed"], "renamed", "{out}");
    assert_eq!(out["policy_in"], json!(["10.30.0.0/16"]), "{out}");

    let error = |name: &str, status: u64, kind: &str| {
        let e = &out[name];
        assert_eq!(e["class"], "ScalewayException", "{name}: {out}");
        assert_eq!(e["status"], status, "{name}: {out}");
        assert_eq!(e["body"]["type"], kind, "{name}: {out}");
        e["body"].clone()
    };
    let unknown = error("unknown_link", 404, "not_found");
    assert_eq!(unknown["resource"], "link", "{out}");
    let bad = error("bad_bandwidth", 400, "invalid_arguments");
    assert_eq!(
        bad["details"][0]["argument_name"], "bandwidth_mbps",
        "{out}"
    );
    let in_use = error("policy_in_use", 412, "precondition_failed");
    assert_eq!(in_use["precondition"], "resource_still_in_use", "{out}");
    error("vpc_twice", 412, "precondition_failed");

    assert_eq!(
        out["after_detach"],
        json!({"vpc_id": null, "propagation": false}),
        "{out}"
    );
    assert_eq!(out["deleting_status"], "deprovisioning", "{out}");
    assert_eq!(out["gone"], 404, "{out}");
    assert!(out["delete_policy"].is_null(), "{out}");
    assert_eq!(out["policies_left"], 0, "{out}");

    let stats = emu.stats();
    assert_eq!(
        stats.applied("POST /interlink/v1beta1/regions/{region}/links"),
        2,
        "{stats:?}"
    );
    assert_eq!(stats.auth_failures, 0, "{stats:?}");
    emu.shutdown().await;
}
