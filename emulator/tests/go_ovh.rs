//! go-ovh, the official Go client, signs and calls the emulator (tests/go/ovh_calls.go).
//!
//! Needs `go` and go-ovh's sources as Debian ships them (`apt-get install golang-go
//! golang-github-ovh-go-ovh-dev`, go-ovh 1.1.0 under /usr/share/gocode): the program is built
//! in GOPATH mode, offline. Without them the test is skipped with a message, except in CI
//! (`CI` set), which installs them and must run it; set `OVHCLOUD_SKIP_GO=1` to skip it
//! anyway. go-ovh 1.1.0 has no OAuth2, so only the consumer-key flow is exercised.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::external::{self, Client};
use ovhcloud_emulator::{Emulator, EmulatorConfig};

/// Where Debian installs Go sources (GOPATH).
const GOPATH: &str = "/usr/share/gocode";

const GO_OVH: Client<'static> = Client {
    name: "go-ovh",
    skip_var: "OVHCLOUD_SKIP_GO",
    install: "apt-get install -y golang-go golang-github-ovh-go-ovh-dev",
};

fn go_ovh_present() -> Result<(), String> {
    external::probe("go", &["version"])?;
    let sources = Path::new(GOPATH).join("src/github.com/ovh/go-ovh/ovh");
    if sources.is_dir() {
        Ok(())
    } else {
        Err(format!("{} is missing", sources.display()))
    }
}

/// A go command in GOPATH mode against the Debian sources, with its cache in `dir`.
fn go(dir: &Path) -> Command {
    let mut command = Command::new("go");
    command
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOCACHE", dir.join("cache"))
        .env("GOFLAGS", "")
        .current_dir(dir);
    command
}

/// Builds tests/go/ovh_calls.go into `dir`.
fn build(dir: &Path) -> PathBuf {
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go/ovh_calls.go");
    let binary = dir.join("ovh_calls");
    let out = go(dir)
        .args(["build", "-o"])
        .arg(&binary)
        .arg(source)
        .output()
        .expect("go runs");
    assert!(
        out.status.success(),
        "go build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    binary
}

#[tokio::test(flavor = "multi_thread")]
async fn go_ovh_signs_and_calls_the_emulator() {
    if !external::ready(&GO_OVH, go_ovh_present) {
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-ovh");
    std::fs::create_dir_all(&dir).unwrap();
    let binary = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || build(&dir)
    })
    .await
    .unwrap();
    let emu = Emulator::start(EmulatorConfig::new(common::snapshot()))
        .await
        .expect("the emulator starts on the snapshot");
    let (ak, secret) = emu.create_application();
    let mut command = Command::new(binary);
    command
        .env("EMU_ENDPOINT", emu.endpoint())
        .env("EMU_AK", &ak)
        .env("EMU_AS", &secret)
        // go-ovh reads ~/.ovh.conf and ./ovh.conf: neither may leak in.
        .env("HOME", &dir)
        .current_dir(&dir);
    external::clear_ovh_env(&mut command);
    let out = external::run(command, "the go-ovh program").await;
    external::assert_ck_flow_and_records(&out, &emu.stats());
}
