//! The `ovhcloud-emulator` binary: flags, the listening line on stdout, known credentials.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{get, Signer};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ovhcloud-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("ovhcloud-emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (Running(child), url)
}

#[tokio::test]
async fn binary_serves_with_known_credentials() {
    let schemas = common::schemas();
    let (_child, url) = spawn(&[
        "--schemas",
        schemas.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--application",
        "AK-bin:AS-bin",
        "--consumer-key",
        "CK-bin",
        "--oauth2-client",
        "cid:csecret",
        "--clock-skew",
        "-30",
        "--rate-limit",
        "0",
        "--task-step-ms",
        "20",
    ]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let time = get(&format!("{url}/1.0/auth/time"))
        .await
        .json()
        .as_i64()
        .unwrap();
    assert!((time - (common::now() - 30)).abs() <= 2);
    let s = Signer::new(&url, "AK-bin", "AS-bin", "CK-bin");
    let me = s.call_at("GET", "/1.0/me", None, time).await;
    assert_eq!(me.status, 200, "{}", me.text);
    let post = s
        .call_at(
            "POST",
            "/1.0/ip/1.2.3.0%2F24/reverse",
            Some(r#"{"ipReverse":"1.2.3.4","reverse":"x."}"#),
            time,
        )
        .await;
    assert_eq!(post.status, 200, "{}", post.text);
    let token = reqwest::Client::new()
        .post(format!("{url}/auth/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "cid"),
            ("client_secret", "csecret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    let stats = get(&format!("{url}/_emulator/stats")).await.json();
    assert_eq!(stats["applied"]["GET /me"], 1);
}

#[tokio::test]
async fn binary_fault_flags() {
    let schemas = common::schemas();
    let (_child, url) = spawn(&[
        "--schemas",
        schemas.to_str().unwrap(),
        "--application",
        "AK:AS",
        "--consumer-key",
        "CK",
        "--fault-rate",
        "1",
        "--fault-statuses",
        "503",
        "--fault-paths",
        "/vrack",
    ]);
    let s = Signer::new(&url, "AK", "AS", "CK");
    assert_eq!(s.call("GET", "/1.0/me", None).await.status, 200);
    let faulted = s.call("GET", "/1.0/vrack", None).await;
    assert_eq!(faulted.status, 503);
    assert_eq!(faulted.header("x-emulator-fault"), Some("503"));
    let faults = get(&format!("{url}/_emulator/faults")).await.json();
    assert_eq!(faults["errorStatuses"], serde_json::json!([503]));
}

#[tokio::test]
async fn binary_deviation_and_iceberg_flags() {
    let schemas = common::schemas();
    let (_child, url) = spawn(&[
        "--schemas",
        schemas.to_str().unwrap(),
        "--application",
        "AK:AS",
        "--consumer-key",
        "CK",
        "--deviations",
        "unknown-enum",
        "--no-iceberg",
    ]);
    let s = Signer::new(&url, "AK", "AS", "CK");
    let bill = s.call("GET", "/1.0/me/bill/FR41230001", None).await;
    assert_eq!(
        bill.header("x-emulator-deviation"),
        Some("unknown-enum .category")
    );
    assert_eq!(bill.json()["category"], "value-from-the-future");
    let faults = get(&format!("{url}/_emulator/faults")).await.json();
    assert_eq!(
        faults["deviationRate"], 1.0,
        "--deviations alone means every answer"
    );
    assert_eq!(faults["deviations"], serde_json::json!(["unknown-enum"]));
    let pages = [("X-Pagination-Mode", "CachedObjectList-Pages")];
    let listing = s.call_with("GET", "/1.0/me/bill", &pages).await;
    assert!(listing.json()[0].is_string(), "--no-iceberg: ids");
    let iceberg = get(&format!("{url}/_emulator/iceberg")).await.json();
    assert_eq!(iceberg, serde_json::json!({"enabled": false}));
}

#[tokio::test]
async fn binary_size_flags() {
    let schemas = common::schemas();
    let (_child, url) = spawn(&[
        "--schemas",
        schemas.to_str().unwrap(),
        "--application",
        "AK:AS",
        "--consumer-key",
        "CK",
        "--rate-limit",
        "0",
        "--bills",
        "1200",
        "--documents",
        "3",
        "--alldoms",
        "2",
        "--domains-per-alldom",
        "4",
    ]);
    let s = Signer::new(&url, "AK", "AS", "CK");
    let bills = s.call("GET", "/1.0/me/bill", None).await;
    assert_eq!(bills.status, 200, "{}", bills.text);
    assert_eq!(bills.json().as_array().unwrap().len(), 1200);
}

#[test]
fn help_documents_deviations_and_iceberg() {
    let out = Command::new(env!("CARGO_BIN_EXE_ovhcloud-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--deviations",
        "--deviation-rate",
        "objects-for-ids",
        "X-Emulator-Deviation",
        "--no-iceberg",
        "X-Pagination-Mode",
        "--bills",
        "--documents",
        "--alldoms",
        "--domains-per-alldom",
    ] {
        assert!(help.contains(needle), "{needle} in {help}");
    }
}

#[test]
fn binary_refuses_bad_input() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ovhcloud-emulator"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["--schemas", "/nonexistent", "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid schemas"),
        "{out:?}"
    );
    let schemas = common::schemas();
    let out = run(&[
        "--schemas",
        schemas.to_str().unwrap(),
        "--consumer-key",
        "CK",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--application"),
        "{out:?}"
    );
    let out = run(&["--schemas", schemas.to_str().unwrap(), "--drop-rate", "2"]);
    assert!(!out.status.success());
    let out = run(&["--application", "nocolon"]);
    assert!(!out.status.success());
    let out = run(&[
        "--schemas",
        schemas.to_str().unwrap(),
        "--deviations",
        "sideways",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("number-as-string"),
        "the error lists the kinds: {out:?}"
    );
}

/// Sends Ctrl-C (SIGINT) to the binary and waits for it to exit successfully.
#[cfg(unix)]
fn interrupt(child: &mut Running) {
    let pid = child.0.id().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(sent.success());
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "still running"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_binary() {
    let schemas = common::schemas();
    let (mut child, _url) = spawn(&["--schemas", schemas.to_str().unwrap()]);
    interrupt(&mut child);
}

#[cfg(unix)]
#[tokio::test]
async fn binary_loads_state_at_start_and_dumps_it_on_exit() {
    let dir = std::env::temp_dir().join(format!("emulator-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (seed, dump) = (dir.join("seed.json"), dir.join("dump.json"));
    let reverse = "/1.0/ip/192.0.2.0%2F24/reverse";
    let item = serde_json::json!({"id": "192.0.2.9", "object": {"reverse": "a.example."}});
    let state = serde_json::json!({"collections": {reverse: [item]}});
    std::fs::write(&seed, state.to_string()).unwrap();
    let schemas = common::schemas();
    let (mut child, url) = spawn(&[
        "--schemas",
        schemas.to_str().unwrap(),
        "--state",
        seed.to_str().unwrap(),
        "--dump-state",
        dump.to_str().unwrap(),
    ]);
    let served = get(&format!("{url}/_emulator/state")).await.json();
    let object = &served["collections"][reverse][0]["object"];
    assert_eq!(object["ipReverse"], "192.0.2.9", "{served}");
    assert_eq!(object["reverse"], "a.example.", "{served}");
    interrupt(&mut child);
    let dumped: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&dump).expect("the state is dumped")).unwrap();
    assert_eq!(dumped, served);
    std::fs::remove_dir_all(&dir).unwrap();

    // A state file that does not fit the schemas stops the start.
    let out = Command::new(env!("CARGO_BIN_EXE_ovhcloud-emulator"))
        .args([
            "--schemas",
            schemas.to_str().unwrap(),
            "--state",
            "/nonexistent.json",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--state /nonexistent.json"));
}
