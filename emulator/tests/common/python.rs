//! Tests that run an official Python client against the emulator: whether `python3` has the
//! package (see [`super::external`]; `OVHCLOUD_SKIP_PYTHON=1` skips), and running the script.

use super::external::{self, Client};

/// Whether the test should run: `probe` (Python code) imports the package that `what` names
/// (`python-ovh`), pinned as `pin` (`ovh==1.2.0`).
pub fn ready(what: &str, pin: &str, probe: &str) -> bool {
    let client = Client {
        name: what,
        skip_var: "OVHCLOUD_SKIP_PYTHON",
        install: &format!("pip install {pin}"),
    };
    external::ready(&client, || external::probe("python3", &["-c", probe]))
}
