//! Tests that run an official client in another language against the emulator (python-ovh,
//! go-ovh, node-ovh, Scaleway's Python SDK): whether the client is there (skip with a message
//! when not, except in CI, which installs it and must run the test; an `OVHCLOUD_SKIP_*=1`
//! variable skips anyway), running its script, and what every OVH client's script must show.

use std::process::Command;

use serde_json::Value;

/// Which client a test runs, and how to get it.
pub struct Client<'a> {
    /// `go-ovh`.
    pub name: &'a str,
    /// The variable that skips the test when `1` (`OVHCLOUD_SKIP_GO`).
    pub skip_var: &'a str,
    /// The command that installs it, shown when it is missing.
    pub install: &'a str,
}

/// Whether the test should run: `probe` says why the client is missing, if it is. Prints why
/// when it should not run; panics in CI when the client is missing.
pub fn ready(client: &Client<'_>, probe: impl FnOnce() -> Result<(), String>) -> bool {
    let Client {
        name,
        skip_var,
        install,
    } = client;
    if std::env::var(skip_var).as_deref() == Ok("1") {
        println!("skipped: {skip_var}=1");
        return false;
    }
    let Err(why) = probe() else {
        return true;
    };
    if std::env::var_os("CI").is_none() {
        println!("skipped: {name} is not installed ({install}): {why}");
        return false;
    }
    panic!(
        "{name} is needed for this test: run `{install}` (or set {skip_var}=1 to skip it). {why}"
    );
}

/// Runs `program args…`; an error with its output unless it succeeds.
pub fn probe(program: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program} cannot be run ({e})"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Runs `command` (off the async runtime), which must succeed (`script` names it in the
/// failure), and parses the JSON of its last line of output.
pub async fn run(mut command: Command, script: &str) -> Value {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{script} cannot be run: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed:\n{stdout}\n{stderr}"
    );
    let last = stdout.lines().last().unwrap_or("");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"))
}

/// Removes the `OVH_*` variables the clients read, so that the developer's own settings do
/// not leak in.
pub fn clear_ovh_env(command: &mut Command) {
    for name in [
        "OVH_ENDPOINT",
        "OVH_APPLICATION_KEY",
        "OVH_APPLICATION_SECRET",
        "OVH_CONSUMER_KEY",
        "OVH_CLIENT_ID",
        "OVH_CLIENT_SECRET",
        "OVH_ACCESS_TOKEN",
    ] {
        command.env_remove(name);
    }
}

/// What the go-ovh and node-ovh scripts report (tests/go, tests/node): the consumer-key flow,
/// then signed calls on `/domain/zone/example.com/record` of the snapshot, an error with its
/// query id and a call the schema refuses; `stats` are the emulator's afterwards.
pub fn assert_ck_flow_and_records(out: &Value, stats: &ovhcloud_emulator::Stats) {
    assert!(
        (out["time"].as_i64().unwrap() - super::now()).abs() <= 2,
        "{out}"
    );
    assert_eq!(out["credential_state"], "pendingValidation", "{out}");
    assert_eq!(out["before_validation"]["code"], 403, "{out}");
    assert_eq!(
        out["before_validation"]["message"], "This credential is not valid",
        "{out}"
    );
    assert_eq!(out["validation_status"], 200, "{out}");
    assert_eq!(out["me"], true, "{out}");
    let created = &out["created"];
    assert_eq!(
        (&created["id"], &created["target"], &created["fieldType"]),
        (
            &Value::from(1),
            &Value::from("192.0.2.1"),
            &Value::from("A")
        ),
        "{out}"
    );
    assert_eq!(out["listed"], serde_json::json!([1]), "{out}");
    assert_eq!(out["updated_target"], "192.0.2.2", "{out}");
    let gone = &out["after_delete"];
    assert_eq!(gone["code"], 404, "{out}");
    assert_eq!(
        gone["message"], "The requested object (id = 1) does not exist",
        "{out}"
    );
    assert!(
        gone["query_id"]
            .as_str()
            .is_some_and(|q| q.starts_with("EU.ext-1.") && q.ends_with(".emulator")),
        "{out}"
    );
    assert_eq!(out["invalid"]["code"], 400, "{out}");
    assert!(
        out["invalid"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("does not belong to the domain.zone.RecordTypeEnum")),
        "{out}"
    );
    assert_eq!(stats.applied("POST /auth/credential"), 1, "{stats:?}");
    let put = "PUT /domain/zone/{zoneName}/record/{id}";
    assert_eq!(stats.applied(put), 1, "{stats:?}");
}
