//! node-ovh, the official Node.js client, signs and calls the emulator
//! (tests/node/ovh_calls.js).
//!
//! Needs `node` and npm's `ovh` 2.0.3 installed beside the script (`npm install --no-save
//! --prefix emulator/tests/node ovh@2.0.3`, as `.ci/run` does). Without them the test is
//! skipped with a message, except in CI (`CI` set), which installs them and must run it; set
//! `OVHCLOUD_SKIP_NODE=1` to skip it anyway. node-ovh 2 has no OAuth2, so only the
//! consumer-key flow is exercised.

mod common;

use std::path::Path;
use std::process::Command;

use common::external::{self, Client};
use ovhcloud_emulator::{Emulator, EmulatorConfig};

/// The version the script is written for (npm's last `ovh`; `@ovhcloud/node-ovh` follows).
const PIN: &str = "2.0.3";

const NODE_OVH: Client<'static> = Client {
    name: "node-ovh",
    skip_var: "OVHCLOUD_SKIP_NODE",
    install: "npm install --no-save --prefix emulator/tests/node ovh@2.0.3",
};

fn scripts() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node"))
}

/// `node` runs and the pinned `ovh` is installed beside the script.
fn node_ovh_present() -> Result<(), String> {
    external::probe("node", &["--version"])?;
    let manifest = scripts().join("node_modules/ovh/package.json");
    let text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["version"].as_str().map(str::to_owned));
    match version {
        Some(v) if v == PIN => Ok(()),
        other => Err(format!("ovh {other:?} is installed, {PIN} is expected")),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn node_ovh_signs_and_calls_the_emulator() {
    if !external::ready(&NODE_OVH, node_ovh_present) {
        return;
    }
    let emu = Emulator::start(EmulatorConfig::new(common::snapshot()))
        .await
        .expect("the emulator starts on the snapshot");
    let (ak, secret) = emu.create_application();
    let mut command = Command::new("node");
    command
        .arg(scripts().join("ovh_calls.js"))
        .env("EMU_PORT", emu.local_addr().port().to_string())
        .env("EMU_AK", &ak)
        .env("EMU_AS", &secret)
        .current_dir(scripts());
    external::clear_ovh_env(&mut command);
    let out = external::run(command, "the node-ovh script").await;
    external::assert_ck_flow_and_records(&out, &emu.stats());
}
