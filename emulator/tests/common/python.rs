//! Tests that run an official Python client against the emulator: whether `python3` has the
//! package (skip with a message when not, except in CI, which installs it and must run the
//! test; `OVHCLOUD_SKIP_PYTHON=1` skips anyway), and running the script.

use std::process::Command;

use serde_json::Value;

/// Whether the test should run: `probe` (Python code) imports the package that `what` names
/// (`python-ovh`), pinned as `pin` (`ovh==1.2.0`). Prints why when it should not; panics in CI
/// when the package is missing.
pub fn ready(what: &str, pin: &str, probe: &str) -> bool {
    if std::env::var("OVHCLOUD_SKIP_PYTHON").as_deref() == Ok("1") {
        println!("skipped: OVHCLOUD_SKIP_PYTHON=1");
        return false;
    }
    let Err(why) = available(probe) else {
        return true;
    };
    if std::env::var_os("CI").is_none() {
        println!("skipped: {what} is not installed (pip install {pin}): {why}");
        return false;
    }
    panic!(
        "{what} is needed for this test: run `pip install {pin}` \
         (or set OVHCLOUD_SKIP_PYTHON=1 to skip it). {why}"
    );
}

fn available(probe: &str) -> Result<(), String> {
    let probe = Command::new("python3")
        .args(["-c", probe])
        .output()
        .map_err(|e| format!("python3 cannot be run ({e})"))?;
    if probe.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&probe.stderr).into_owned())
    }
}

/// Runs `command` (off the async runtime), which must succeed (`script` names it in the
/// failure), and parses the JSON of its last line of output.
pub async fn run(mut command: Command, script: &str) -> Value {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed:\n{stdout}\n{stderr}"
    );
    let last = stdout.lines().last().unwrap_or("");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"))
}
