//! `ovhcloud export` vs the python-ovh script a user writes today, side by side in one run:
//! 2,000 bills with their details into SQLite, against the emulator at OVH's 20 requests per
//! second per application. Prints requests made, wall time and rows/s for each.
//!
//! `cargo bench -p ovhcloud-cli --bench export` (BENCH_BILLS=200 for a quick run; about 8 minutes
//! with 2,000: the python side makes one request per bill and per line). The python side needs
//! `pip install ovh==1.2.0`; without it, its row says so.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use ovhcloud_emulator::{Emulator, EmulatorConfig};

const RATE: u32 = 20;

struct Row {
    tool: &'static str,
    requests: u64,
    seconds: f64,
    rows: u64,
}

fn main() {
    let bills: usize = std::env::var("BENCH_BILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let snapshot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let emu = runtime
        .block_on(Emulator::start(
            EmulatorConfig::new(&snapshot)
                .bill_count(bills)
                .rate_limit_per_sec(Some(RATE)),
        ))
        .expect("the emulator starts");
    let work = std::env::temp_dir().join(format!("ovhcloud-export-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let keys = || {
        let (ak, secret) = emu.create_application();
        let ck = emu.create_consumer_key(&ak, &[("GET", "/*")]);
        (ak, secret, ck)
    };
    let mut rows = Vec::new();

    // (a) ovhcloud export: bills from the expanded listing, each bill's lines from its own.
    let config = work.join("bench.toml");
    std::fs::write(
        &config,
        "[[endpoints]]\nname = \"bills\"\npath = \"/me/bill/{billId}\"\n\n\
         [[endpoints]]\nname = \"details\"\npath = \"/me/bill/{billId}/details/{billDetailId}\"\n\
         params = { billId = { from = \"bills\" } }\n",
    )
    .unwrap();
    let (ak, secret, ck) = keys();
    emu.reset_stats();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ovhcloud"))
        .args(["export", "--plain", "-c"])
        .arg(&config)
        .arg("-o")
        .arg(work.join("ours.sqlite"))
        .args(["--rate-limit", &RATE.to_string()])
        .env("OVH_ENDPOINT", emu.endpoint())
        .env("OVH_APPLICATION_KEY", &ak)
        .env("OVH_APPLICATION_SECRET", &secret)
        .env("OVH_CONSUMER_KEY", &ck)
        .env("OVHCLOUD_SCHEMAS", &snapshot)
        .output()
        .expect("ovhcloud runs");
    let seconds = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = rusqlite::Connection::open(work.join("ours.sqlite")).unwrap();
    let count = |t: &str| -> u64 {
        db.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as u64
    };
    rows.push(Row {
        tool: "ovhcloud export",
        requests: emu.stats().requests,
        seconds,
        rows: count("bills") + count("details"),
    });

    // (b) the python-ovh script.
    let (ak, secret, ck) = keys();
    emu.reset_stats();
    let start = Instant::now();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python_export.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(work.join("python.sqlite"))
        .env("EMU_ENDPOINT", emu.endpoint())
        .env("EMU_AK", &ak)
        .env("EMU_AS", &secret)
        .env("EMU_CK", &ck)
        .output();
    let seconds = start.elapsed().as_secs_f64();
    match out {
        Ok(out) if out.status.success() => {
            let line: serde_json::Value =
                serde_json::from_slice(out.stdout.trim_ascii()).expect("the script's summary");
            rows.push(Row {
                tool: "python-ovh script",
                requests: emu.stats().requests,
                seconds,
                rows: line["rows"].as_u64().unwrap_or_default(),
            });
        }
        Ok(out) => println!(
            "python-ovh script: skipped ({})",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("failed")
        ),
        Err(e) => println!("python-ovh script: skipped ({e})"),
    }

    println!("\n{bills} bills with their details into SQLite, emulator at {RATE} requests/s per application\n");
    println!("| tool | requests | wall time | rows | rows/s |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for r in &rows {
        println!(
            "| {} | {} | {:.1} s | {} | {:.0} |",
            r.tool,
            r.requests,
            r.seconds,
            r.rows,
            r.rows as f64 / r.seconds
        );
    }
    if let [ours, python] = rows.as_slice() {
        println!(
            "\nratio: {:.1}× fewer requests, {:.1}× faster",
            python.requests as f64 / ours.requests as f64,
            python.seconds / ours.seconds
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
