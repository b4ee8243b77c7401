//! Listing N bills with their details: fan-out (the ids, then one call per bill) against an
//! expanded listing (`X-Pagination-Mode: CachedObjectList-Pages`, 100 per page), both against
//! the emulator over loopback, with the client's default limit of 20 requests per second (OVH's).
//!
//! `cargo bench --features me --bench listings` (`BENCH_RUNS=N`, `BENCH_SIZES=100,500`)
//!
//! Plain `main` (harness = false): each row is run `BENCH_RUNS` times (3 by default) and the
//! median wall time is printed, with the requests the emulator applied.

use std::time::{Duration, Instant};

use ovhcloud::models::billing::Bill;
use ovhcloud::Client;
use ovhcloud_emulator::{Emulator, EmulatorConfig};

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn fan_out(client: &Client) -> Vec<Bill> {
    let me = client.me();
    let ids = me.get_bill().await.expect("ids");
    ovhcloud::fanout::try_fetch_each(
        ids,
        8,
        |id| async move { me.get_bill_by_bill_id(&id).await },
    )
    .await
    .expect("bills")
}

async fn expanded(client: &Client) -> Vec<Bill> {
    client
        .me()
        .get_bill()
        .expanded()
        .page_size(100)
        .await
        .expect("bills")
}

/// Runs `list` `runs` times on a fresh client each time: (bills, requests per run, median).
async fn measure<F, Fut>(emu: &Emulator, runs: usize, list: F) -> (usize, u64, Duration)
where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = Vec<Bill>>,
{
    let mut times = Vec::new();
    let (mut bills, mut requests) = (0, 0);
    for _ in 0..runs {
        let (key, secret) = emu.create_application();
        let consumer = emu.create_consumer_key(&key, &[("GET", "/*")]);
        let client = Client::builder()
            .endpoint(emu.endpoint())
            .application(key, secret, consumer)
            .build()
            .expect("client");
        // The clock read (`/auth/time`) is not part of the listing.
        client.me().get_bill().await.expect("warm up");
        let before = emu.stats().total_applied();
        let start = Instant::now();
        bills = list(client).await.len();
        times.push(start.elapsed());
        requests = emu.stats().total_applied() - before;
    }
    (bills, requests, median(times))
}

#[tokio::main]
async fn main() {
    let runs = env_list("BENCH_RUNS", &[3])[0].max(1);
    let sizes = env_list("BENCH_SIZES", &[100, 500]);
    println!("Listing N bills with details, client limit 20 req/s, median of {runs} run(s)");
    println!(
        "{:>6}  {:<34} {:>9} {:>11} {:>8}",
        "N", "method", "requests", "wall time", "ratio"
    );
    for n in sizes {
        let config = EmulatorConfig::new(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas"))
            .bill_count(n)
            .rate_limit_per_sec(None);
        let emu = Emulator::start(config).await.expect("emulator starts");
        let (fan_bills, fan_requests, fan_time) =
            measure(&emu, runs, |c| async move { fan_out(&c).await }).await;
        let (ice_bills, ice_requests, ice_time) =
            measure(&emu, runs, |c| async move { expanded(&c).await }).await;
        assert_eq!(fan_bills, n);
        assert_eq!(ice_bills, n);
        let rows = [
            ("fan-out (1 + N calls, 8 at once)", fan_requests, fan_time),
            ("expanded (pages of 100)", ice_requests, ice_time),
        ];
        for (method, requests, time) in rows {
            println!(
                "{n:>6}  {method:<34} {requests:>9} {:>9.2} s {:>7.1}x",
                time.as_secs_f64(),
                fan_time.as_secs_f64() / time.as_secs_f64()
            );
        }
    }
}
