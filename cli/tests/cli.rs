//! The `ovhcloud` binary against the emulator over HTTP: `call`, `describe`, `list-apis`, `auth
//! request`, and `export` into each sink, with listed ids, parent tables, a resume after a kill
//! and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use ovhcloud_emulator::{Emulator, EmulatorConfig, Faults};
use serde_json::Value;

fn snapshot() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// An emulator of the real snapshot, and the environment that points the binary at it.
struct Setup {
    emu: Emulator,
    env: Vec<(String, String)>,
    home: PathBuf,
}

async fn setup(config: EmulatorConfig) -> Setup {
    let emu = Emulator::start(config).await.expect("the emulator starts");
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(
        &ak,
        &[
            ("GET", "/*"),
            ("POST", "/*"),
            ("PUT", "/*"),
            ("DELETE", "/*"),
        ],
    );
    let home = std::env::temp_dir().join(format!(
        "ovhcloud-cli-{}-{}",
        std::process::id(),
        emu.local_addr().port()
    ));
    std::fs::create_dir_all(&home).unwrap();
    let env = vec![
        ("OVH_ENDPOINT".into(), emu.endpoint()),
        ("OVH_APPLICATION_KEY".into(), ak),
        ("OVH_APPLICATION_SECRET".into(), secret),
        ("OVH_CONSUMER_KEY".into(), ck),
        ("HOME".into(), home.display().to_string()),
        (
            "XDG_CACHE_HOME".into(),
            home.join("cache").display().to_string(),
        ),
        ("OVHCLOUD_SCHEMAS".into(), snapshot().display().to_string()),
    ];
    Setup { emu, env, home }
}

fn bills(count: usize) -> EmulatorConfig {
    EmulatorConfig::new(snapshot()).bill_count(count)
}

impl Setup {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ovhcloud"));
        command
            .args(args)
            .env_clear()
            .envs(self.env.iter().cloned());
        command.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        command
    }

    async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || command.output().expect("the binary runs"))
            .await
            .unwrap()
    }

    fn without(&mut self, name: &str) {
        self.env.retain(|(n, _)| n != name);
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sqlite(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

fn count(db: &rusqlite::Connection, table: &str) -> i64 {
    db.query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |r| {
        r.get(0)
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn call_sends_checked_signed_requests() {
    let s = setup(bills(30)).await;
    let out = s
        .run(&["call", "GET", "/me/bill", "-q", "date.from=2024-01-01"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ids: Vec<String> = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(!ids.is_empty() && ids.len() < 30, "{ids:?}");
    let out = s
        .run(&["call", "GET", &format!("/me/bill/{}", ids[0])])
        .await;
    let bill: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(bill["billId"], ids[0].as_str());
    let raw = s.run(&["call", "GET", "/me/bill", "--raw"]).await;
    assert!(!stdout(&raw).contains('\n') || stdout(&raw).trim_end().lines().count() == 1);

    // Refused before anything is sent: exit status 2, and the emulator saw nothing.
    s.emu.reset_stats();
    for (args, message) in [
        (
            vec!["call", "GET", "/me/bil"],
            "unknown path /me/bil; did you mean /me/bill",
        ),
        (
            vec!["call", "GET", "/me/bill", "-q", "date.from=soon"],
            "`soon` is not a valid datetime",
        ),
        (
            vec!["call", "GET", "/me/bill", "-q", "colour=red"],
            "unknown query parameter `colour`",
        ),
        (
            vec!["call", "POST", "/me/document", "--body", "{}"],
            "the body field `name` is required",
        ),
        (vec!["call", "DELETE", "/me/bill/FR1"], "takes GET"),
    ] {
        let out = s.run(&args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(s.emu.stats().requests, 0, "nothing was sent");

    // An API error: exit status 1, with OVH's message and the query id.
    let out = s.run(&["call", "GET", "/me/bill/NOPE"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("HTTP 404") && stderr(&out).contains("query id"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn schemas_come_from_the_endpoint_when_no_snapshot_is_given() {
    let mut s = setup(bills(5)).await;
    s.without("OVHCLOUD_SCHEMAS");
    let out = s.run(&["call", "GET", "/me/bill"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let cached = s.home.join("cache/ovhcloud/schemas");
    let files: Vec<_> = walk(&cached);
    assert!(files.iter().any(|f| f.ends_with("v1/me.json")), "{files:?}");
    let out = s.run(&["describe", "/me/bill/{billId}"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("GET /me/bill/{billId}"), "{text}");
    assert!(
        text.contains("priceWithTax.value") && text.contains("real"),
        "{text}"
    );
    let out = s.run(&["list-apis"]).await;
    assert!(stdout(&out).contains("/me"), "{}", stderr(&out));
    // An API whose path has a slash is kept where a snapshot keeps it, so it is read back.
    let out = s
        .run(&["describe", "/dedicated/server/{serviceName}"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("GET /dedicated/server/{serviceName}"),
        "{}",
        stdout(&out)
    );
    let files: Vec<_> = walk(&cached);
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("v1/dedicated_server.json")),
        "{files:?}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk(&p)
            } else {
                vec![p]
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_request_prints_the_validation_url() {
    let mut s = setup(bills(1)).await;
    s.without("OVH_CONSUMER_KEY");
    let out = s.run(&["auth", "request", "--allow", "GET:/me/*"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Validate the key at: http"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("OVH_CONSUMER_KEY="),
        "{}",
        stdout(&out)
    );
    let out = s.run(&["auth", "request", "--allow", "GET"]).await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn export_bills_into_sqlite_and_again() {
    let s = setup(bills(40)).await;
    let db_path = s.home.join("bills.sqlite");
    let db = db_path.display().to_string();
    let out = s.run(&["export", "--example", "bills", "-o", &db]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let conn = sqlite(&db_path);
    assert_eq!(count(&conn, "bills"), 40);
    let types: Vec<(String, String, i64)> = conn
        .prepare("SELECT name, type, pk FROM pragma_table_info('bills')")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let of = |name: &str| types.iter().find(|t| t.0 == name).cloned();
    assert_eq!(of("billId"), Some(("billId".into(), "TEXT".into(), 1)));
    assert_eq!(of("date").map(|t| t.1), Some("TIMESTAMP".into()));
    assert_eq!(of("priceWithTax.value").map(|t| t.1), Some("REAL".into()));
    let total: f64 = conn
        .query_row("SELECT SUM(\"priceWithTax.value\") FROM bills", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(total > 0.0);
    // The emulator answers the expanded listing: pages of objects, not one call per bill.
    assert!(
        s.emu.stats().received("GET /me/bill/{billId}") == 0,
        "{:?}",
        s.emu.stats()
    );
    // Again: rows updated, not duplicated.
    let out = s.run(&["export", "--example", "bills", "-o", &db]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count(&conn, "bills"), 40);
    let runs: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM _ovhcloud_export_runs WHERE finished IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(runs, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn bill_details_fan_out_and_parent_tables() {
    let s = setup(bills(12)).await;
    s.emu.set_iceberg(false);
    let db_path = s.home.join("details.sqlite");
    let db = db_path.display().to_string();
    let out = s
        .run(&["export", "--example", "bill-details", "-o", &db])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let conn = sqlite(&db_path);
    let ids = count(&conn, "bill_detail_ids");
    assert!(ids >= 12, "every bill has a line");
    assert_eq!(
        count(&conn, "bill_details"),
        ids,
        "one row per listed detail"
    );
    let orphans: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM bill_details d LEFT JOIN bill_detail_ids i \
             ON i.billId = d.billId AND i.billDetailId = d.billDetailId WHERE i.billId IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);

    // From a file: the details of the bills of a parent table.
    let config = s.home.join("export.toml");
    std::fs::write(
        &config,
        r#"
[[endpoints]]
name = "bills"
path = "/me/bill/{billId}"
query = { "date.from" = "2023-06-01" }

[[endpoints]]
name = "lines"
path = "/me/bill/{billId}/details"
params = { billId = { from = "bills" } }
"#,
    )
    .unwrap();
    let out_dir = s.home.join("ndjson");
    let out = s
        .run(&[
            "export",
            "-c",
            &config.display().to_string(),
            "--format",
            "ndjson",
            "-o",
            &out_dir.display().to_string(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bills: Vec<Value> = lines(&out_dir.join("bills.ndjson"));
    let details: Vec<Value> = lines(&out_dir.join("lines.ndjson"));
    assert!(
        !bills.is_empty() && bills.len() < 12,
        "date.from went to /me/bill: {}",
        bills.len()
    );
    for d in &details {
        assert!(bills.iter().any(|b| b["billId"] == d["billId"]), "{d}");
    }
    assert!(
        details.iter().all(|d| d["billDetailId"].is_string()),
        "{details:?}"
    );
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_has_a_header_and_a_row_per_item() {
    let s = setup(bills(7)).await;
    let dir = s.home.join("csv");
    let out = s
        .run(&[
            "export",
            "--path",
            "/me/bill/{billId}",
            "--format",
            "csv",
            "-o",
            &dir.display().to_string(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.join("me_bill.csv")).unwrap();
    let mut rows = text.lines();
    assert!(rows.next().unwrap().starts_with("billId,"));
    assert_eq!(rows.count(), 7);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_export_resumes_without_fetching_or_writing_twice() {
    let s = setup(bills(120)).await;
    s.emu.set_iceberg(false);
    s.emu.set_faults(Faults {
        latency: Duration::from_millis(30),
        ..Faults::default()
    });
    let db_path = s.home.join("resume.sqlite");
    let db = db_path.display().to_string();
    let args = [
        "export",
        "--example",
        "bills",
        "-o",
        &db,
        "--concurrency",
        "2",
    ];
    let mut child = s
        .command(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some rows are stored.
    let stored = |path: &Path| -> i64 {
        rusqlite::Connection::open(path)
            .ok()
            .and_then(|c| {
                c.query_row("SELECT COUNT(*) FROM bills", [], |r| r.get(0))
                    .ok()
            })
            .unwrap_or(0)
    };
    let mut before = 0;
    for _ in 0..1000 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        before = stored(&db_path);
        if before >= 10 {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = stored(&db_path).max(before);
    assert!((10..120).contains(&before), "killed half way: {before}");
    let fetched_before = s.emu.stats().received("GET /me/bill/{billId}");
    let out = s.run(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));
    let conn = sqlite(&db_path);
    assert_eq!(count(&conn, "bills"), 120);
    let fetched = s.emu.stats().received("GET /me/bill/{billId}");
    // Each bill once, but those in flight when it was killed.
    assert!(fetched <= 120 + 2, "{fetched_before} then {fetched}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_export_input_is_refused_and_nothing_written() {
    let s = setup(bills(3)).await;
    let config = s.home.join("bad.toml");
    let db_path = s.home.join("bad.sqlite");
    let db = db_path.display().to_string();
    for (text, message) in [
        ("[[endpoints]]\nname = \"x\"\npath = \"/me/bil/{billId}\"\n", "unknown path /me/bil/{billId}"),
        ("[[endpoints]]\nname = \"x\"\npath = \"/me/bill/{billId}\"\nquery = { colour = \"red\" }\n", "unknown query parameter `colour`"),
        ("[[endpoints]]\nname = \"x\"\npath = \"/me/bill/{billId}\"\nparams = { nope = \"1\" }\n", "has no path parameter `nope`"),
        ("[[endpoints]]\nname = \"x\"\npath = \"/me/bill/{billId}/details\"\nparams = { billId = { from = \"y\" } }\n", "not an endpoint before it"),
        ("[[endpoints]\nname = 1", "bad.toml"),
    ] {
        std::fs::write(&config, text).unwrap();
        let out = s.run(&["export", "-c", &config.display().to_string(), "-o", &db]).await;
        assert_eq!(out.status.code(), Some(2), "{text}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{text}: {}", stderr(&out));
        assert!(!db_path.exists(), "nothing written for {text}");
    }
    assert_eq!(s.emu.stats().requests, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_item_deleted_meanwhile_is_skipped_not_fatal() {
    let s = setup(bills(20)).await;
    s.emu.set_iceberg(false);
    let ids: Vec<String> = {
        let out = s.run(&["call", "GET", "/me/bill"]).await;
        serde_json::from_str(&stdout(&out)).unwrap()
    };
    // Still listed, but its own answer is now a 404.
    s.emu
        .forget(&format!("/me/bill/{}", ids[3]))
        .expect("a bill");
    let db_path = s.home.join("gone.sqlite");
    let out = s
        .run(&[
            "export",
            "--example",
            "bills",
            "-o",
            &db_path.display().to_string(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 skipped"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("skipped [\"{}\"]", ids[3])),
        "{}",
        stderr(&out)
    );
    let conn = sqlite(&db_path);
    assert_eq!(count(&conn, "bills"), 19);
    let reason: String = conn
        .query_row(
            "SELECT skipped FROM _ovhcloud_export_calls WHERE skipped IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(reason.contains("404"), "{reason}");
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_and_alldom_examples() {
    let s = setup(EmulatorConfig::new(snapshot()).documents(4).alldoms(3, 5)).await;
    let db_path = s.home.join("examples.sqlite");
    let db = db_path.display().to_string();
    let out = s.run(&["export", "--example", "alldom", "-o", &db]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let conn = sqlite(&db_path);
    assert_eq!(
        count(&conn, "alldom_domains"),
        15,
        "three packs of five domains"
    );
    let keys: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('alldom_domains') WHERE pk > 0 ORDER BY pk")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(keys, ["serviceName", "domain"]);
    let out = s
        .run(&["export", "--example", "documents", "-o", &db])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let name: String = conn
        .query_row("SELECT name FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "export.txt");
    // The document was created: the API lists it.
    let out = s.run(&["call", "GET", "/me/document"]).await;
    let ids: Vec<String> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(ids.len(), 5);
}

/// The shell asks the binary (`source <(COMPLETE=bash ovhcloud)`): paths, then the query
/// parameters of the path typed.
#[tokio::test(flavor = "multi_thread")]
async fn paths_and_parameters_complete_from_the_schemas() {
    let s = setup(bills(1)).await;
    let complete = |index: &str, words: &[&str]| {
        let mut command = s.command(&["--"]);
        command
            .args(words)
            .env("COMPLETE", "bash")
            .env("_CLAP_COMPLETE_INDEX", index)
            .env("_CLAP_COMPLETE_COMP_TYPE", "9")
            .env("_CLAP_COMPLETE_SPACE", "true");
        stdout(&command.output().unwrap())
    };
    let paths = complete("3", &["ovhcloud", "call", "GET", "/me/bil"]);
    assert!(paths.lines().any(|l| l == "/me/bill/{billId}"), "{paths}");
    assert!(paths.lines().all(|l| l.starts_with("/me/bil")), "{paths}");
    let keys = complete("5", &["ovhcloud", "call", "GET", "/me/bill", "-q", "date"]);
    assert_eq!(keys.lines().collect::<Vec<_>>(), ["date.from=", "date.to="]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_account_calls_with_oauth2() {
    let mut s = setup(bills(3)).await;
    for name in [
        "OVH_APPLICATION_KEY",
        "OVH_APPLICATION_SECRET",
        "OVH_CONSUMER_KEY",
    ] {
        s.without(name);
    }
    let (id, secret) = s.emu.create_oauth2_client();
    let token_url = s.emu.oauth2_token_url();
    let out = s
        .run(&[
            "call",
            "GET",
            "/me/bill",
            "--client-id",
            &id,
            "--client-secret",
            &secret,
            "--oauth2-token-url",
            &token_url,
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ids: Vec<String> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(ids.len(), 3);
    let out = s
        .run(&[
            "call",
            "GET",
            "/me/bill",
            "--client-id",
            &id,
            "--client-secret",
            "wrong",
            "--oauth2-token-url",
            &token_url,
        ])
        .await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("wrong"),
        "no secret in errors: {}",
        stderr(&out)
    );
}
