//! Shared by the benches that put this client next to the official ones on the same emulator
//! (`vs_python`, `vs_peers`): the emulator's setup, CPU clocks, our client's timed loop, and
//! running a peer's program (`python_ovh_bench.py`, `go_ovh_bench.go`) and reading its report.
#![allow(dead_code)] // each bench uses its part

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ovhcloud::{Client, RateLimiter, RetryPolicy};
use ovhcloud_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

/// Warm-up calls of a sequential caller (the first one reads `/auth/time`).
pub const WARMUP: usize = 200;
/// Worker threads of the emulator's runtime.
pub const EMULATOR_WORKERS: usize = 2;
/// Name of the emulator's threads (so they can be told from the client's).
pub const EMULATOR_THREADS: &str = "emulator";
/// The operation every timed call is.
pub const OPERATION: &str = "GET /me/bill/{billId}";

const FULL_ACCESS: [(&str, &str); 4] = [
    ("GET", "/*"),
    ("POST", "/*"),
    ("PUT", "/*"),
    ("DELETE", "/*"),
];

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

/// CPU time (user + system) in fields 14 + 15 of a `/proc/…/stat` file, at `ticks_per_second`
/// (usually 100: 10 ms resolution).
pub fn stat_cpu(path: &Path, ticks_per_second: f64) -> Option<Duration> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Field 2 (comm) may hold spaces: count fields after its closing parenthesis (field 3 on).
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
    Some(Duration::from_secs_f64(
        (utime + stime) as f64 / ticks_per_second,
    ))
}

/// CPU time of the calling thread. `/proc/thread-self/schedstat` has ns resolution; the
/// kernel only brings a running thread's figure up to date at a scheduling event, so yield
/// first to make one. Falls back to `/proc/thread-self/stat` (clock ticks).
pub fn thread_cpu(ticks_per_second: f64) -> Option<Duration> {
    std::thread::yield_now();
    schedstat_ns(Path::new("/proc/thread-self/schedstat"))
        .map(Duration::from_nanos)
        .or_else(|| stat_cpu(Path::new("/proc/thread-self/stat"), ticks_per_second))
}

/// CPU time of the live threads of a process (`/proc/self` or `/proc/<pid>`), summed from
/// `task/*/schedstat`, only those whose name is `named` if given; `None` when schedstat is
/// not available. Threads that have exited are not counted.
pub fn tasks_cpu(process: &Path, named: Option<&str>) -> Option<Duration> {
    std::thread::yield_now();
    let mut total = 0u64;
    for entry in std::fs::read_dir(process.join("task")).ok()? {
        let task = entry.ok()?.path();
        if let Some(name) = named {
            let comm = std::fs::read_to_string(task.join("comm")).unwrap_or_default();
            if comm.trim_end() != name {
                continue;
            }
        }
        total += schedstat_ns(&task.join("schedstat"))?;
    }
    Some(Duration::from_nanos(total))
}

/// CPU time (user + system) of this whole process, every thread, exited ones included:
/// `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`, ns resolution, what Python's
/// `time.process_time()` reads too.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
pub fn process_cpu() -> Option<Duration> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut now = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable `struct timespec` (two 64-bit fields on 64-bit Linux).
    let status = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    (status == 0).then(|| Duration::new(now.tv_sec as u64, now.tv_nsec as u32))
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
pub fn process_cpu() -> Option<Duration> {
    None
}

/// `sysconf(_SC_CLK_TCK)` without a libc dependency: ask `getconf`, else assume 100.
pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// How the main thread's CPU is read, said in a bench's notes.
pub fn thread_cpu_source(ticks: f64) -> String {
    if Path::new("/proc/thread-self/schedstat").exists() {
        "`/proc/thread-self/schedstat` (ns on CPU) of the main thread, read before and after the \
         timed calls"
            .to_owned()
    } else {
        format!(
            "`/proc/thread-self/stat` fields 14 + 15 of the main thread at {ticks} ticks/s \
             (schedstat unavailable: coarse)"
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Results.

pub struct Measured {
    pub calls: usize,
    pub wall: Duration,
    /// Every call's latency, sorted.
    pub latencies: Vec<Duration>,
    /// The client's CPU over the timed calls, as the bench counts it (see [`CpuScope`]).
    pub client_cpu: Option<Duration>,
    /// Our calling thread's CPU (ours only).
    pub thread_cpu: Option<Duration>,
    /// The client's whole process's CPU.
    pub process_cpu: Option<Duration>,
    /// The emulator's CPU over the same calls.
    pub emulator_cpu: Option<Duration>,
}

impl Measured {
    pub fn rate(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64()
    }

    pub fn cpu_per_call(&self) -> Option<Duration> {
        per_call(self.client_cpu, self.calls)
    }

    pub fn emulator_cpu_per_call(&self) -> Option<Duration> {
        per_call(self.emulator_cpu, self.calls)
    }
}

pub fn per_call(cpu: Option<Duration>, calls: usize) -> Option<Duration> {
    cpu.map(|c| c / calls as u32)
}

pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Median of some figures (the mean of the middle two for an even count); `None` if empty.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// `N` from an environment variable, if it parses and is at least `min`.
pub fn env_count(var: &str, default: usize, min: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|n| *n >= min)
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// The emulator and our client.

pub struct Credentials {
    pub endpoint: String,
    pub ak: String,
    pub secret: String,
    pub ck: String,
}

/// The emulator on a runtime of its own ([`EMULATOR_WORKERS`] threads named
/// [`EMULATOR_THREADS`]) serving the repo's schemas, rate limit off, with one application and
/// one validated consumer key allowed everything.
pub fn start_emulator() -> (tokio::runtime::Runtime, Emulator, Credentials) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(EMULATOR_WORKERS)
        .thread_name(EMULATOR_THREADS)
        .enable_all()
        .build()
        .expect("emulator runtime");
    let schemas = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas");
    let emulator = runtime
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
    (runtime, emulator, creds)
}

/// Our client as benchmarked: unlimited rate limit, no retries.
pub fn client(creds: &Credentials) -> Client {
    Client::builder()
        .endpoint(creds.endpoint.clone())
        .application(&creds.ak, &creds.secret, &creds.ck)
        .rate_limit(RateLimiter::unlimited())
        .retry(RetryPolicy::none())
        .build()
        .expect("client")
}

/// The bill ids `GET /me/bill` lists, which the timed calls cycle over.
pub fn bill_ids(runtime: &tokio::runtime::Runtime, client: &Client) -> Arc<Vec<String>> {
    let ids: Vec<String> = runtime
        .block_on(async { client.me().get_bill().await })
        .expect("GET /me/bill");
    assert!(!ids.is_empty(), "the emulator lists bills");
    Arc::new(ids)
}

/// `concurrency` tasks on `runtime`, each making `calls / concurrency` typed calls one after
/// another, cycling over `ids`.
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

/// Which CPU clock is our client's in [`Measured::client_cpu`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CpuScope {
    /// The calling thread's, the emulator running in this process.
    Thread,
    /// This whole process's, the emulator running in another.
    Process,
}

/// Our client's timed calls: `warmup` calls (connections opened, code paths and allocator
/// warm), then `calls` split over `concurrency` tasks, with the calling thread's and this
/// process's CPU and the emulator's (`emulator_cpu`, read before and after).
#[allow(clippy::too_many_arguments)]
pub fn ours(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    ids: &Arc<Vec<String>>,
    calls: usize,
    concurrency: usize,
    warmup: usize,
    scope: CpuScope,
    emulator_cpu: &dyn Fn() -> Option<Duration>,
) -> Measured {
    let ticks = clock_ticks();
    runtime.block_on(ours_once(client, ids, warmup, concurrency));

    let emulator_before = emulator_cpu();
    let process_before = process_cpu();
    let thread_before = thread_cpu(ticks);
    let (wall, mut latencies) = runtime.block_on(ours_once(client, ids, calls, concurrency));
    let thread_after = thread_cpu(ticks);
    let process_after = process_cpu();
    let emulator_after = emulator_cpu();
    latencies.sort();
    let spent = |b: Option<Duration>, a: Option<Duration>| b.zip(a).map(|(b, a)| a - b.min(a));
    let thread = spent(thread_before, thread_after);
    let process = spent(process_before, process_after);
    Measured {
        calls: latencies.len(),
        wall,
        latencies,
        client_cpu: match scope {
            CpuScope::Thread => thread,
            CpuScope::Process => process,
        },
        thread_cpu: thread,
        process_cpu: process,
        emulator_cpu: spent(emulator_before, emulator_after),
    }
}

// ---------------------------------------------------------------------------------------------
// Peers: another client's program, run once per timed row.

pub enum Peer {
    Ran {
        measured: Measured,
        /// Client and language versions, as the program reports them.
        versions: String,
        /// Calls it sent in all, warm-up included.
        requests: usize,
    },
    /// The peer is not installed: shown as a row, not a failure.
    Missing(String),
}

impl Peer {
    /// Calls it sent in all (0 if it did not run).
    pub fn requests(&self) -> usize {
        match self {
            Peer::Ran { requests, .. } => *requests,
            Peer::Missing(_) => 0,
        }
    }
}

/// Removes what would point a peer at other credentials than the ones given on its command line.
pub fn clear_ovh_env(command: &mut Command) -> &mut Command {
    for var in [
        "OVH_ENDPOINT",
        "OVH_APPLICATION_KEY",
        "OVH_APPLICATION_SECRET",
        "OVH_CONSUMER_KEY",
        "OVH_CLIENT_ID",
        "OVH_CLIENT_SECRET",
    ] {
        command.env_remove(var);
    }
    command
}

/// Runs a peer's program, which prints one JSON object on its last stdout line: `ok`, and if
/// true `client` (versions), `calls`, `warmup_calls`, `wall_s`, `cpu_s` (its process's CPU over
/// the timed calls) and `latencies_us`; if false `error` and `detail`. `emulator_cpu` is read
/// before and after.
pub fn run_peer(
    name: &str,
    mut command: Command,
    emulator_cpu: &dyn Fn() -> Option<Duration>,
) -> Peer {
    let emulator_before = emulator_cpu();
    let output = match command.output() {
        Ok(output) => output,
        Err(e) => return Peer::Missing(format!("not installed ({name} cannot be run: {e})")),
    };
    let emulator_after = emulator_cpu();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{name} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let last = stdout.lines().last().unwrap_or("");
    let out: Value = serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("{name} printed no JSON ({e}):\n{stdout}\n{stderr}"));
    if out["ok"] != Value::Bool(true) {
        return Peer::Missing(format!(
            "{} ({})",
            out["error"].as_str().unwrap_or("unusable"),
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
    let cpu = Some(Duration::from_secs_f64(
        out["cpu_s"].as_f64().expect("cpu_s"),
    ));
    let measured = Measured {
        calls: out["calls"].as_u64().expect("calls") as usize,
        wall: Duration::from_secs_f64(out["wall_s"].as_f64().expect("wall_s")),
        latencies,
        client_cpu: cpu,
        thread_cpu: None,
        process_cpu: cpu,
        emulator_cpu: emulator_before
            .zip(emulator_after)
            .map(|(b, a)| a - b.min(a)),
    };
    assert_eq!(measured.calls, measured.latencies.len());
    let requests = measured.calls + out["warmup_calls"].as_u64().expect("warmup_calls") as usize;
    Peer::Ran {
        measured,
        versions: out["client"].as_str().unwrap_or("?").to_owned(),
        requests,
    }
}

/// `benches/python_ovh_bench.py` making `calls` calls over `threads` threads after `warmup`
/// calls per thread.
pub fn python_command(
    creds: &Credentials,
    ids: &[String],
    calls: usize,
    threads: usize,
    warmup: usize,
) -> Command {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python_ovh_bench.py");
    let mut command = Command::new("python3");
    command
        .arg(script)
        .args(["--threads", &threads.to_string()])
        .args(["--warmup", &warmup.to_string()])
        .args([&creds.endpoint, &creds.ak, &creds.secret, &creds.ck])
        .arg(calls.to_string())
        .args(ids)
        .current_dir(std::env::temp_dir());
    // Local ovh.conf files and OVH_* variables must not leak in.
    clear_ovh_env(&mut command);
    command
}
