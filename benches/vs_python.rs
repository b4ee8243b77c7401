//! This client against python-ovh (the official Python client, PyPI `ovh`), side by side on the
//! same local emulator.
//!
//! `cargo bench --bench vs_python` (python-ovh: `pip install ovh==1.2.0`; without it the Python
//! rows say so and the run still succeeds).
//!
//! One run:
//! 1. starts `ovhcloud-emulator` in-process on its own 2-worker tokio runtime (its threads, not
//!    the client's), with its per-application rate limit off, and registers an application and
//!    a validated consumer key allowed everything;
//! 2. this client (unlimited rate limit, no retries) on a `current_thread` runtime on the main
//!    thread makes N sequential signed `GET /me/bill/{billId}` calls decoded into the typed
//!    `Bill`, cycling over the ids `GET /me/bill` listed, after a warm-up; the client's CPU is
//!    the main thread's own CPU time (`/proc/thread-self/schedstat`), so the emulator's is left
//!    out;
//! 3. python-ovh does the same N calls with `client.get('/me/bill/<id>')` from
//!    `benches/python_ovh_bench.py`, which reports wall time, per-call latencies and
//!    `time.process_time()`;
//! 4. the same again with 8 concurrent callers (8 tokio tasks sharing one client; 8 Python
//!    threads with one `ovh.Client` each);
//! 5. prints one markdown table and how it was measured.
//!
//! `OVHCLOUD_VS_PYTHON_CALLS` overrides N (default 10,000; about 15 s in all, python-ovh making
//! ~2k calls/s).

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ovhcloud::{Client, RateLimiter, RetryPolicy};
use ovhcloud_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

/// Timed calls per row (sequential and concurrent alike).
const CALLS: usize = 10_000;
/// Warm-up calls of a sequential caller (the first one reads `/auth/time`).
const WARMUP: usize = 200;
/// Warm-up calls of each concurrent caller.
const WARMUP_PER_CALLER: usize = 50;
/// Callers of the concurrent rows.
const CONCURRENCY: usize = 8;
/// Worker threads of the emulator's runtime.
const EMULATOR_WORKERS: usize = 2;

const FULL_ACCESS: [(&str, &str); 4] = [
    ("GET", "/*"),
    ("POST", "/*"),
    ("PUT", "/*"),
    ("DELETE", "/*"),
];
const OPERATION: &str = "GET /me/bill/{billId}";

// ---------------------------------------------------------------------------------------------
// CPU clocks.

/// `/proc/<…>/schedstat` first field: nanoseconds this thread has run on a CPU.
fn schedstat_ns(path: &Path) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU time of the calling thread. `/proc/thread-self/schedstat` has ns resolution; the
/// kernel only brings a running thread's figure up to date at a scheduling event, so yield
/// first to make one. Falls back to `/proc/thread-self/stat` fields 14 + 15 (clock ticks).
fn thread_cpu(ticks_per_second: f64) -> Option<Duration> {
    std::thread::yield_now();
    if let Some(ns) = schedstat_ns(Path::new("/proc/thread-self/schedstat")) {
        return Some(Duration::from_nanos(ns));
    }
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Field 2 (comm) may hold spaces: count fields after its closing parenthesis (field 3 on).
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
    Some(Duration::from_secs_f64(
        (utime + stime) as f64 / ticks_per_second,
    ))
}

/// CPU time of every live thread of this process (client and emulator), summed from
/// `/proc/self/task/*/schedstat`; `None` when schedstat is not available.
fn process_cpu() -> Option<Duration> {
    std::thread::yield_now();
    let mut total = 0u64;
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        total += schedstat_ns(&entry.ok()?.path().join("schedstat"))?;
    }
    Some(Duration::from_nanos(total))
}

/// `sysconf(_SC_CLK_TCK)` without a libc dependency: ask `getconf`, else assume 100.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

// ---------------------------------------------------------------------------------------------
// Results.

struct Measured {
    calls: usize,
    wall: Duration,
    /// Every call's latency, sorted.
    latencies: Vec<Duration>,
    /// The client's CPU over the timed calls (our main thread / the Python process).
    client_cpu: Option<Duration>,
    /// The emulator's CPU over the same calls (this process minus the main thread).
    emulator_cpu: Option<Duration>,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64()
    }

    fn cpu_per_call(&self) -> Option<Duration> {
        self.client_cpu.map(|c| c / self.calls as u32)
    }

    fn emulator_cpu_per_call(&self) -> Option<Duration> {
        self.emulator_cpu.map(|c| c / self.calls as u32)
    }
}

enum Python {
    Ran {
        measured: Measured,
        versions: String,
        /// Calls it sent in all, warm-up included.
        requests: usize,
    },
    /// python3 or python-ovh is missing: shown as a row, not a failure.
    Missing(String),
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

// ---------------------------------------------------------------------------------------------
// Our client.

/// `concurrency` tasks on the current (single-threaded) runtime, each making
/// `calls / concurrency` typed calls one after another, cycling over `ids`.
async fn ours_once(
    client: &Client,
    ids: &Arc<Vec<String>>,
    calls: usize,
    concurrency: usize,
) -> (Duration, Vec<Duration>) {
    let per_task = calls / concurrency;
    let start = Instant::now();
    let mut handles = Vec::with_capacity(concurrency);
    for t in 0..concurrency {
        let client = client.clone();
        let ids = ids.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for i in 0..per_task {
                let id = &ids[(t * per_task + i) % ids.len()];
                let started = Instant::now();
                let bill = client
                    .me()
                    .get_bill_by_bill_id(id)
                    .await
                    .expect("GET /me/bill/{billId}");
                latencies.push(started.elapsed());
                assert_eq!(&bill.bill_id, id);
                black_box(bill);
            }
            latencies
        }));
    }
    let mut all = Vec::with_capacity(calls);
    for h in handles {
        all.extend(h.await.expect("caller task"));
    }
    (start.elapsed(), all)
}

fn ours(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    ids: &Arc<Vec<String>>,
    calls: usize,
    concurrency: usize,
    ticks: f64,
) -> Measured {
    // Warm-up: connections opened (one per caller), code paths and allocator warm.
    let warmup = if concurrency == 1 {
        WARMUP
    } else {
        WARMUP_PER_CALLER * concurrency
    };
    runtime.block_on(ours_once(client, ids, warmup, concurrency));

    let process_before = process_cpu();
    let before = thread_cpu(ticks);
    let (wall, mut latencies) = runtime.block_on(ours_once(client, ids, calls, concurrency));
    let after = thread_cpu(ticks);
    let process_after = process_cpu();
    latencies.sort();
    let client_cpu = before.zip(after).map(|(b, a)| a.saturating_sub(b));
    let emulator_cpu = match (process_before, process_after, client_cpu) {
        (Some(b), Some(a), Some(c)) => Some(a.saturating_sub(b).saturating_sub(c)),
        _ => None,
    };
    Measured {
        calls: latencies.len(),
        wall,
        latencies,
        client_cpu,
        emulator_cpu,
    }
}

// ---------------------------------------------------------------------------------------------
// python-ovh.

struct Credentials {
    endpoint: String,
    ak: String,
    secret: String,
    ck: String,
}

fn python(creds: &Credentials, ids: &[String], calls: usize, threads: usize) -> Python {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python_ovh_bench.py");
    let warmup = if threads == 1 {
        WARMUP
    } else {
        WARMUP_PER_CALLER
    };
    let mut command = Command::new("python3");
    command
        .arg(script)
        .args(["--threads", &threads.to_string()])
        .args(["--warmup", &warmup.to_string()])
        .args([&creds.endpoint, &creds.ak, &creds.secret, &creds.ck])
        .arg(calls.to_string())
        .args(ids)
        // Local ovh.conf files and OVH_* variables must not leak in.
        .env_remove("OVH_ENDPOINT")
        .env_remove("OVH_APPLICATION_KEY")
        .env_remove("OVH_APPLICATION_SECRET")
        .env_remove("OVH_CONSUMER_KEY")
        .env_remove("OVH_CLIENT_ID")
        .env_remove("OVH_CLIENT_SECRET")
        .current_dir(std::env::temp_dir());

    // The Python process runs while the main thread waits: this process's CPU over that time
    // is the emulator's.
    let process_before = process_cpu();
    let output = match command.output() {
        Ok(output) => output,
        Err(e) => return Python::Missing(format!("python3 cannot be run ({e})")),
    };
    let process_after = process_cpu();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "benches/python_ovh_bench.py failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let last = stdout.lines().last().unwrap_or("");
    let out: Value = serde_json::from_str(last).unwrap_or_else(|e| {
        panic!("python_ovh_bench.py printed no JSON ({e}):\n{stdout}\n{stderr}")
    });
    if out["ok"] != Value::Bool(true) {
        return Python::Missing(format!(
            "{} ({})",
            out["error"].as_str().unwrap_or("python-ovh unusable"),
            out["detail"].as_str().unwrap_or("")
        ));
    }
    let mut latencies: Vec<Duration> = out["latencies_us"]
        .as_array()
        .expect("latencies_us")
        .iter()
        .map(|v| Duration::from_secs_f64(v.as_f64().expect("a latency") / 1e6))
        .collect();
    latencies.sort();
    let measured = Measured {
        calls: out["calls"].as_u64().expect("calls") as usize,
        wall: Duration::from_secs_f64(out["wall_s"].as_f64().expect("wall_s")),
        latencies,
        client_cpu: Some(Duration::from_secs_f64(
            out["cpu_s"].as_f64().expect("cpu_s"),
        )),
        emulator_cpu: process_before
            .zip(process_after)
            .map(|(b, a)| a.saturating_sub(b)),
    };
    assert_eq!(measured.calls, measured.latencies.len());
    let versions = format!(
        "python-ovh {} on CPython {}",
        out["ovh"].as_str().unwrap_or("?"),
        out["python"].as_str().unwrap_or("?")
    );
    let requests = measured.calls + out["warmup_calls"].as_u64().expect("warmup_calls") as usize;
    Python::Ran {
        measured,
        versions,
        requests,
    }
}

// ---------------------------------------------------------------------------------------------

fn fmt_cpu(m: &Measured) -> String {
    m.cpu_per_call()
        .map_or("n/a".to_owned(), |c| format!("{:.1}", us(c)))
}

fn row(label: &str, callers: usize, m: &Measured, relative: &str) {
    println!(
        "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {} | {} |",
        label,
        callers,
        m.calls,
        m.rate(),
        us(percentile(&m.latencies, 0.5)),
        us(percentile(&m.latencies, 0.99)),
        fmt_cpu(m),
        relative
    );
}

fn relative(ours: &Measured, python: &Measured) -> String {
    let throughput = ours.rate() / python.rate();
    match (ours.cpu_per_call(), python.cpu_per_call()) {
        (Some(o), Some(p)) if !o.is_zero() => format!(
            "**×{:.1}** req/s, **×{:.1}** less CPU",
            throughput,
            p.as_secs_f64() / o.as_secs_f64()
        ),
        _ => format!("**×{throughput:.1}** req/s"),
    }
}

fn main() {
    let wall = Instant::now();
    let ticks = clock_ticks();
    let calls = std::env::var("OVHCLOUD_VS_PYTHON_CALLS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|n| *n >= CONCURRENCY)
        .unwrap_or(CALLS);

    // 1. The emulator, on threads of its own.
    let emulator_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(EMULATOR_WORKERS)
        .thread_name("emulator")
        .enable_all()
        .build()
        .expect("emulator runtime");
    let schemas = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas");
    let emulator = emulator_runtime
        .block_on(Emulator::start(
            EmulatorConfig::new(schemas).rate_limit_per_sec(None),
        ))
        .unwrap_or_else(|e| panic!("the emulator starts: {e}"));
    emulator.set_rate_limit(None);
    let (ak, secret) = emulator.create_application();
    let ck = emulator.create_consumer_key(&ak, &FULL_ACCESS);
    let creds = Credentials {
        endpoint: emulator.endpoint(),
        ak,
        secret,
        ck,
    };

    // 2. Our client, on the main thread.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let client = Client::builder()
        .endpoint(creds.endpoint.clone())
        .application(&creds.ak, &creds.secret, &creds.ck)
        .rate_limit(RateLimiter::unlimited())
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    let ids: Vec<String> = runtime
        .block_on(async { client.me().get_bill().await })
        .expect("GET /me/bill");
    assert!(!ids.is_empty(), "the emulator lists bills");
    let ids = Arc::new(ids);

    let stats_before = emulator.stats();
    let ours_seq = ours(&runtime, &client, &ids, calls, 1, ticks);
    let py_seq = python(&creds, &ids, calls, 1);
    let ours_conc = ours(&runtime, &client, &ids, calls, CONCURRENCY, ticks);
    let py_conc = match &py_seq {
        Python::Ran { .. } => python(&creds, &ids, calls, CONCURRENCY),
        Python::Missing(why) => Python::Missing(why.clone()),
    };
    let stats = emulator.stats();

    // Every call was served and answered by the /me/bill flow: nothing refused or faulted.
    let served = stats.applied(OPERATION) - stats_before.applied(OPERATION);
    let python_calls: usize = [&py_seq, &py_conc]
        .iter()
        .map(|p| match p {
            Python::Ran { requests, .. } => *requests,
            Python::Missing(_) => 0,
        })
        .sum();
    let ours_calls = WARMUP + ours_seq.calls + WARMUP_PER_CALLER * CONCURRENCY + ours_conc.calls;
    assert_eq!(
        served as usize,
        ours_calls + python_calls,
        "every call reached the emulator's /me/bill flow: {stats:?}"
    );
    assert_eq!(stats.auth_failures, stats_before.auth_failures, "{stats:?}");
    assert_eq!(stats.rate_limited, 0, "{stats:?}");

    println!("## ovhcloud vs python-ovh on the same emulator (`GET /1.0/me/bill/{{billId}}`)\n");
    println!(
        "| client | callers | calls | requests/s | median latency µs | p99 µs | client CPU µs/request | relative |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    let mut versions = None;
    for (callers, ours_m, py) in [(1, &ours_seq, &py_seq), (CONCURRENCY, &ours_conc, &py_conc)] {
        let ours_label = if callers == 1 {
            "ovhcloud (Rust), typed `Bill`".to_owned()
        } else {
            format!("ovhcloud (Rust), {callers} tasks, one client")
        };
        match py {
            Python::Ran {
                measured,
                versions: v,
                ..
            } => {
                versions = Some(v.clone());
                row(&ours_label, callers, ours_m, &relative(ours_m, measured));
                let py_label = if callers == 1 {
                    "python-ovh, `client.get` → dict".to_owned()
                } else {
                    format!("python-ovh, {callers} threads, one `ovh.Client` each")
                };
                row(&py_label, callers, measured, "1 (baseline)");
            }
            Python::Missing(why) => {
                row(&ours_label, callers, ours_m, "—");
                println!("| python-ovh | {callers} | — | — | — | — | — | {why} |");
            }
        }
    }
    println!();

    // The emulator's share, to show what the shared cores were doing.
    println!("Emulator CPU during each row (this process's threads minus the client's):\n");
    println!("| row | wall s | client CPU ms (total) | emulator CPU µs/request |");
    println!("|---|---:|---:|---:|");
    let detail = |label: &str, m: &Measured| {
        println!(
            "| {} | {:.2} | {} | {} |",
            label,
            m.wall.as_secs_f64(),
            m.client_cpu.map_or("n/a".to_owned(), |c| format!(
                "{:.0}",
                c.as_secs_f64() * 1e3
            )),
            m.emulator_cpu_per_call()
                .map_or("n/a".to_owned(), |c| format!("{:.1}", us(c)))
        )
    };
    detail("ovhcloud, sequential", &ours_seq);
    if let Python::Ran { measured, .. } = &py_seq {
        detail("python-ovh, sequential", measured);
    }
    detail(&format!("ovhcloud, {CONCURRENCY} tasks"), &ours_conc);
    if let Python::Ran { measured, .. } = &py_conc {
        detail(&format!("python-ovh, {CONCURRENCY} threads"), measured);
    }
    println!();

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu_source = if Path::new("/proc/thread-self/schedstat").exists() {
        "`/proc/thread-self/schedstat` (ns on CPU) of the main thread, read before and after \
         the timed calls"
            .to_owned()
    } else {
        format!(
            "`/proc/thread-self/stat` fields 14 + 15 of the main thread at {ticks} ticks/s \
             (schedstat unavailable: coarse)"
        )
    };
    println!("## How measured\n");
    println!(
        "- Same emulator, same machine ({cores} CPU(s)), one run: `ovhcloud-emulator` serves \
         `/1.0` from the project's schemas in this process on its own {EMULATOR_WORKERS}-worker \
         tokio runtime, per-application rate limit off, one application and one validated \
         consumer key with `GET/POST/PUT/DELETE /*`. Client and emulator share the machine's \
         cores, so the client's CPU also slows the emulator down (and the reverse)."
    );
    println!(
        "- Both clients sign every call with the `$1$` SHA-1 scheme (`X-Ovh-Application`, \
         `-Consumer`, `-Timestamp`, `-Signature`), read `/auth/time` once during warm-up, keep \
         HTTP/1.1 connections alive, and fetch `GET /1.0/me/bill/{{billId}}` cycling over the \
         {} ids `GET /me/bill` listed; the emulator checks every signature and answers each call \
         from its bill flow (checked afterwards: {} calls served, no auth failure, no 429). \
         python-ovh decodes to dicts (`requests` → `json`); ovhcloud decodes into the typed \
         `billing::Bill` (chrono dates, prices) and both check the returned `billId`.",
        ids.len(),
        served
    );
    println!(
        "- {calls} timed calls per row after a warm-up ({WARMUP} calls sequential, \
         {WARMUP_PER_CALLER} per caller concurrent). requests/s = calls ÷ wall time of the timed \
         loop; latencies are per call (request start → decoded answer), median and p99 over the \
         row. Sequential = one caller, each call awaited before the next."
    );
    println!(
        "- ovhcloud: `RateLimiter::unlimited()`, `RetryPolicy::none()`, on a `current_thread` \
         tokio runtime on the main thread, so the whole client (signing, reqwest/hyper and their \
         connection tasks, decoding) runs there; client CPU = {cpu_source}, divided by the calls. \
         The emulator's threads are not counted. {CONCURRENCY} concurrent callers = \
         {CONCURRENCY} tokio tasks sharing one `Client` on that same thread."
    );
    println!(
        "- python-ovh: `benches/python_ovh_bench.py` in a separate `python3` process, the \
         emulator registered as `ovh.client.ENDPOINTS['emulator']`; client CPU = \
         `time.process_time()` (user + system of the whole Python process) over the timed loop, \
         divided by the calls; interpreter start and imports are not timed. {CONCURRENCY} \
         concurrent callers = {CONCURRENCY} `threading` threads with one `ovh.Client` (so one \
         `requests.Session`) each, since sharing a `Session` across threads is not documented \
         as safe; the GIL lets only one of them run Python code at a time. {}.",
        versions.as_deref().unwrap_or("python-ovh did not run")
    );
    println!(
        "- relative: ours ÷ python-ovh for requests/s, python-ovh ÷ ours for CPU per request. \
         Emulator CPU = all threads of this process minus the main thread (during Python rows \
         the main thread only waits), from `/proc/self/task/*/schedstat`."
    );
    println!(
        "- Noise: one timed run per row. A sequential row is a ping-pong between the client \
         thread and an emulator worker, so it is sensitive to where the scheduler puts them \
         (same core or not, an idle core to wake up) and to other load on the machine: ovhcloud's \
         sequential figures can move by about 2× from one run to the next; rerun to see the \
         spread. python-ovh's {CONCURRENCY}-thread latencies include waiting for the GIL behind \
         the other threads."
    );
    println!("- Total run time: {:.1} s.", wall.elapsed().as_secs_f64());

    drop(emulator);
    drop(emulator_runtime);
}
