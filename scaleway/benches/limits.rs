//! What the pipeline's limits hold against a misbehaving server, measured: how long after its
//! deadline a call gives up on a stalled or trickled body, and the peak memory of a call
//! answered with 1 GiB under the default size limit. Both providers' clients (they share the
//! pipeline). `cargo bench -p scaleway-interlink --bench limits`; prints one markdown table.
//!
//! The call's deadline is 2 s and each attempt's timeout 1.5 s (so a retry starts, and the
//! deadline, not the attempt timeout, ends the call); fast retries. Each timing is the median
//! of 5 calls. Peak memory is the process's peak resident size (`VmHWM`, reset before the call
//! through `/proc/self/clear_refs`) minus its resident size before the call: the server writes
//! from one 64 KiB buffer, so the rest is the client's.

#[path = "../tests/hostile/mod.rs"]
mod hostile;

use std::time::{Duration, Instant};

use hostile::{Hostile, Script};
use ovhcloud_runtime::{Branch, Call, Method, RetryPolicy};
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(2);
const ATTEMPT: Duration = Duration::from_millis(1500);
const ROUNDS: usize = 5;

/// A line of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`), where Linux tells.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak (`VmHWM`) to the present resident size (Linux 4.0 and later).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn ovh(url: &str) -> ovhcloud_runtime::Client {
    ovhcloud_runtime::Client::builder()
        .endpoint(url)
        .application("AK", "AS", "CK")
        .server_time_offset(0)
        .rate_limit(ovhcloud_runtime::RateLimiter::unlimited())
        .retry(RetryPolicy::default().base_delay(Duration::from_millis(10)))
        .timeout(ATTEMPT)
        .deadline(DEADLINE)
        .build()
        .expect("a client")
}

fn scaleway(url: &str) -> scaleway_interlink::Client {
    scaleway_interlink::Client::builder()
        .api_url(url)
        .secret_key("11111111-aaaa-bbbb-cccc-222222222222")
        .retry(RetryPolicy::default().base_delay(Duration::from_millis(10)))
        .timeout(ATTEMPT)
        .deadline(DEADLINE)
        .build()
        .expect("a client")
}

/// One call of `provider` on `url`: how long it took, and how it ended.
async fn call(provider: &str, url: &str) -> (Duration, String) {
    let started = Instant::now();
    let ended = match provider {
        "ovhcloud" => {
            let client = ovh(url);
            let result = Call::<Value>::new(&client, Branch::V1, Method::Get, "/me/bill").await;
            result.map(|_| ()).map_err(|e| e.to_string())
        }
        _ => {
            let client = scaleway(url);
            let template = "/interlink/v1beta1/regions/fr-par/pops";
            let result =
                scaleway_interlink::Call::<Value>::new(&client, Branch::V1, Method::Get, template)
                    .await;
            result.map(|_| ()).map_err(|e| e.to_string())
        }
    };
    let elapsed = started.elapsed();
    let ended = match ended {
        Ok(()) => "answered".to_owned(),
        Err(message) => message,
    };
    (elapsed, ended)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("| provider | answer | deadline | gave up after (median of {ROUNDS}) | over the deadline | peak RSS added | ended with |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for provider in ["ovhcloud", "scaleway"] {
        for (name, script) in [
            ("stalled body", Script::StallBody),
            ("body trickled 1 byte / 100 ms", Script::Trickle),
        ] {
            let server = Hostile::start(script, None).await;
            let mut times = Vec::new();
            let mut ended = String::new();
            for _ in 0..ROUNDS {
                let (elapsed, how) = call(provider, &server.url).await;
                times.push(elapsed);
                ended = how;
            }
            let gave_up = median(times);
            println!(
                "| {provider} | {name} | {DEADLINE:?} | {:.1} ms | {:.1} ms | | {ended} |",
                gave_up.as_secs_f64() * 1e3,
                (gave_up.as_secs_f64() - DEADLINE.as_secs_f64()) * 1e3,
            );
        }
        let server = Hostile::start(Script::GigabyteChunked, None).await;
        let reset = reset_peak();
        let before = status_kib("VmRSS:");
        let (elapsed, ended) = call(provider, &server.url).await;
        let after = status_kib("VmHWM:");
        let added = match (reset, before, after) {
            (true, Some(b), Some(a)) => {
                format!("{:.1} MiB", (a.saturating_sub(b)) as f64 / 1024.0)
            }
            _ => "n/a (no /proc/self/clear_refs)".to_owned(),
        };
        println!(
            "| {provider} | 1 GiB body, default 64 MiB limit | {DEADLINE:?} | {:.1} ms | | {added} | {ended} |",
            elapsed.as_secs_f64() * 1e3
        );
    }
}
