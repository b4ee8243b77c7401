//! This client against the official ones, go-ovh (Go) and python-ovh (Python), side by side on
//! the same local emulator, in one run: sequential signed typed GETs, one markdown table.
//!
//! `cargo bench --features me --bench vs_peers` (peers: `apt-get install -y golang-go
//! golang-github-ovh-go-ovh-dev`, go-ovh 1.1.0 built offline in GOPATH mode from
//! /usr/share/gocode; `pip install ovh==1.2.0`; a peer that is not installed gets a row that
//! says so and the run still succeeds). `OVHCLOUD_VS_PEERS_CALLS` (default 5,000) and
//! `OVHCLOUD_VS_PEERS_ROUNDS` (default 5) change N and the rounds; `OVHCLOUD_VS_PEERS_ONLY=ours`
//! runs our client alone (for a profiler).
//!
//! One run:
//! 1. starts the emulator in a process of its own: this bench binary again, with
//!    `OVHCLOUD_VS_PEERS_EMULATOR` set, serving the repo's schemas on a 2-worker tokio runtime,
//!    rate limit off, with an application and a validated consumer key allowed everything; it
//!    prints the credentials, serves until its stdin closes, then prints its counters;
//! 2. builds `benches/go_ovh_bench.go` into a temp dir;
//! 3. runs R rounds; each round, in an order that rotates from round to round, N sequential
//!    signed `GET /me/bill/{billId}` calls decoded into a typed bill, cycling over the ids
//!    `GET /me/bill` listed, after 200 warm-up calls, by:
//!    - ovhcloud (unlimited rate limit, no retries) on a `current_thread` runtime on the main
//!      thread, so all of it (signing, reqwest/hyper and their connection tasks, decoding) runs
//!      on that thread;
//!    - ovhcloud on a 2-worker multi-thread runtime (what `#[tokio::main]` gives), the caller
//!      a spawned task, hyper's connection task wherever tokio puts it;
//!    - go-ovh: `client.Get("/me/bill/<id>", &bill)` into a Go struct of the bill's shape, in a
//!      fresh process per round;
//!    - python-ovh: `client.get('/me/bill/<id>')` (a dict), `benches/python_ovh_bench.py`, a
//!      fresh process per round;
//! 4. prints, per client, the median over the rounds of requests/s and of CPU time per
//!    request, and both as ratios to go-ovh's, then whether the goal of issue 20 (ours ≥ 1.5×
//!    go-ovh's requests/s and ≤ ⅓ of its CPU per request) is met: informative, the bench never
//!    fails on it.
//!
//! CPU per request, measured the same way for all three: the user + system CPU time of the
//! client's whole process over the timed calls, divided by the calls. Because the emulator
//! runs in a process of its own, our process holds nothing but the client, so
//! `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)` of this process counts the client's threads and
//! only them (exited ones included), like `getrusage(RUSAGE_SELF)` in the Go program (every
//! thread of the Go runtime: scheduler, network poller, garbage collector) and
//! `time.process_time()` in the Python one. The main thread's own CPU
//! (`/proc/thread-self/schedstat`, what `vs_python` counts, with the emulator in-process) is
//! shown next to it for the current_thread row. All three talk to one emulator process over
//! loopback, and share the machine's cores with it.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    bill_ids, clear_ovh_env, env_count, median, per_call, percentile, python_command, run_peer,
    start_emulator, tasks_cpu, us, CpuScope, Credentials, Measured, Peer, EMULATOR_WORKERS,
    OPERATION, WARMUP,
};
use serde_json::{json, Value};

/// Timed calls per client and round.
const CALLS: usize = 5_000;
/// Rounds; the table shows medians over them.
const ROUNDS: usize = 5;
/// Set in the emulator's process (this binary run again).
const EMULATOR_ROLE: &str = "OVHCLOUD_VS_PEERS_EMULATOR";
/// Where Debian installs Go sources (GOPATH).
const GOPATH: &str = "/usr/share/gocode";
const GO_INSTALL: &str = "apt-get install -y golang-go golang-github-ovh-go-ovh-dev";
/// The goal of issue 20: ours ≥ 1.5× go-ovh's requests/s …
const GOAL_RATE: f64 = 1.5;
/// … and ≤ ⅓ of its CPU time per request.
const GOAL_CPU: f64 = 1.0 / 3.0;
/// Worker threads of the multi-thread runtime row (`#[tokio::main]` takes one per core).
const CLIENT_WORKERS: usize = 2;

// ---------------------------------------------------------------------------------------------
// The emulator's process.

/// The emulator's side: serve until stdin closes, then print the counters.
fn serve_emulator() {
    let (runtime, emulator, creds) = start_emulator();
    let mut stdout = std::io::stdout();
    let hello = json!({
        "endpoint": creds.endpoint,
        "ak": creds.ak,
        "secret": creds.secret,
        "ck": creds.ck,
    });
    writeln!(stdout, "{hello}")
        .and_then(|()| stdout.flush())
        .expect("stdout");
    // Whatever ends stdin (the bench done, or killed) ends the emulator.
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
    let stats = emulator.stats();
    let counters = json!({
        "served": stats.applied(OPERATION),
        "authFailures": stats.auth_failures,
        "rateLimited": stats.rate_limited,
    });
    writeln!(stdout, "{counters}")
        .and_then(|()| stdout.flush())
        .expect("stdout");
    drop(emulator);
    drop(runtime);
}

struct EmulatorProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    proc_dir: PathBuf,
}

impl EmulatorProcess {
    fn start() -> (EmulatorProcess, Credentials) {
        let exe = std::env::current_exe().expect("this bench's path");
        let mut child = Command::new(exe)
            .env(EMULATOR_ROLE, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the emulator's process starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let proc_dir = PathBuf::from(format!("/proc/{}", child.id()));
        let mut process = EmulatorProcess {
            child,
            stdin,
            stdout,
            proc_dir,
        };
        let hello = process.line();
        let field = |name: &str| hello[name].as_str().expect(name).to_owned();
        let creds = Credentials {
            endpoint: field("endpoint"),
            ak: field("ak"),
            secret: field("secret"),
            ck: field("ck"),
        };
        (process, creds)
    }

    fn line(&mut self) -> Value {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("the emulator's stdout");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the emulator printed {line:?}, not JSON: {e}"))
    }

    /// CPU time of the emulator's live threads.
    fn cpu(&self) -> Option<Duration> {
        tasks_cpu(&self.proc_dir, None)
    }

    /// Stops it and returns its counters.
    fn finish(mut self) -> Value {
        drop(self.stdin.take());
        let counters = self.line();
        self.child.wait().expect("the emulator's process ends");
        counters
    }
}

// ---------------------------------------------------------------------------------------------
// go-ovh.

enum GoOvh {
    Built { binary: PathBuf, dir: PathBuf },
    Missing(String),
}

/// Builds benches/go_ovh_bench.go in GOPATH mode, offline, against Debian's go-ovh sources.
fn build_go() -> GoOvh {
    if Command::new("go").arg("version").output().is_err() {
        return GoOvh::Missing(format!("not installed (no `go`): {GO_INSTALL}"));
    }
    let sources = Path::new(GOPATH).join("src/github.com/ovh/go-ovh/ovh");
    if !sources.is_dir() {
        return GoOvh::Missing(format!(
            "not installed ({} is missing): {GO_INSTALL}",
            sources.display()
        ));
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vs_peers-go-ovh");
    std::fs::create_dir_all(&dir).expect("a temp dir for go-ovh");
    let binary = dir.join("go_ovh_bench");
    let out = Command::new("go")
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOCACHE", dir.join("cache"))
        .env("GOFLAGS", "")
        .current_dir(&dir)
        .args(["build", "-o"])
        .arg(&binary)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/benches/go_ovh_bench.go"
        ))
        .output()
        .expect("go runs");
    assert!(
        out.status.success(),
        "go build benches/go_ovh_bench.go failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    GoOvh::Built { binary, dir }
}

/// go-ovh's version as Debian packages it.
fn go_ovh_version() -> Option<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "golang-github-ovh-go-ovh-dev"])
        .output()
        .ok()?;
    let version = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !version.is_empty()).then_some(version)
}

fn go_command(
    binary: &Path,
    dir: &Path,
    creds: &Credentials,
    ids: &[String],
    calls: usize,
) -> Command {
    let mut command = Command::new(binary);
    command
        .args(["-warmup", &WARMUP.to_string()])
        .args([&creds.endpoint, &creds.ak, &creds.secret, &creds.ck])
        .arg(calls.to_string())
        .args(ids)
        // go-ovh reads ~/.ovh.conf and ./ovh.conf: neither may leak in.
        .env("HOME", dir)
        .current_dir(dir);
    clear_ovh_env(&mut command);
    command
}

// ---------------------------------------------------------------------------------------------
// Rows.

struct Row {
    label: String,
    rounds: Vec<Measured>,
    missing: Option<String>,
    versions: Option<String>,
    /// Calls sent in all, warm-ups included.
    requests: usize,
}

impl Row {
    fn new(label: &str) -> Row {
        Row {
            label: label.to_owned(),
            rounds: Vec::new(),
            missing: None,
            versions: None,
            requests: 0,
        }
    }

    fn ran(&self) -> bool {
        self.missing.is_none() && !self.rounds.is_empty()
    }

    fn add_peer(&mut self, peer: Peer) {
        self.requests += peer.requests();
        match peer {
            Peer::Ran {
                measured, versions, ..
            } => {
                self.versions = Some(versions);
                self.rounds.push(measured);
            }
            Peer::Missing(why) => self.missing = Some(why),
        }
    }

    /// Median requests/s over the rounds.
    fn rate(&self) -> Option<f64> {
        median(self.rounds.iter().map(Measured::rate).collect())
    }

    /// Median of a per-request CPU figure over the rounds, in µs.
    fn cpu_us(&self, cpu: impl Fn(&Measured) -> Option<Duration>) -> Option<f64> {
        median(
            self.rounds
                .iter()
                .filter_map(|m| per_call(cpu(m), m.calls).map(us))
                .collect(),
        )
    }

    fn client_cpu(&self) -> Option<f64> {
        self.cpu_us(|m| m.client_cpu)
    }

    /// Latencies of every round together, sorted.
    fn latencies(&self) -> Vec<Duration> {
        let mut all: Vec<Duration> = self
            .rounds
            .iter()
            .flat_map(|m| m.latencies.iter().copied())
            .collect();
        all.sort();
        all
    }
}

fn figure(value: Option<f64>, decimals: usize) -> String {
    value.map_or("—".to_owned(), |v| format!("{v:.decimals$}"))
}

/// `a ÷ b` as `×r`.
fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn print_table(rows: &[&Row], go: &Row) {
    println!(
        "| client | requests/s, median (min–max) | CPU µs/request, median | median latency µs | p99 µs | req/s ÷ go-ovh | CPU/request ÷ go-ovh |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        if let Some(why) = &row.missing {
            println!("| {} | {why} | | | | | |", row.label);
            continue;
        }
        let rates: Vec<f64> = row.rounds.iter().map(Measured::rate).collect();
        let (min, max) = rates
            .iter()
            .fold((f64::MAX, 0f64), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
        let latencies = row.latencies();
        let versus = |mine: Option<f64>, theirs: Option<f64>| {
            if !go.ran() {
                "—".to_owned()
            } else {
                ratio(mine, theirs).map_or("—".to_owned(), |r| format!("{r:.2}"))
            }
        };
        println!(
            "| {} | {} ({:.0}–{:.0}) | {} | {:.0} | {:.0} | {} | {} |",
            row.label,
            figure(row.rate(), 0),
            min,
            max,
            figure(row.client_cpu(), 1),
            us(percentile(&latencies, 0.5)),
            us(percentile(&latencies, 0.99)),
            versus(row.rate(), go.rate()),
            versus(row.client_cpu(), go.client_cpu()),
        );
    }
}

fn goal(row: &Row, go: &Row) -> String {
    if !go.ran() {
        return format!("{}: cannot be judged, go-ovh did not run", row.label);
    }
    match (
        ratio(row.rate(), go.rate()),
        ratio(row.client_cpu(), go.client_cpu()),
    ) {
        (Some(rate), Some(cpu)) => {
            let verdict = match (rate >= GOAL_RATE, cpu <= GOAL_CPU) {
                (true, true) => "**met**",
                (true, false) => "**not met** (CPU per request)",
                (false, true) => "**not met** (requests/s)",
                (false, false) => "**not met** (requests/s and CPU per request)",
            };
            format!(
                "{}: {verdict}: ×{rate:.2} go-ovh's requests/s (goal ≥ ×{GOAL_RATE}), {cpu:.2} of its \
                 CPU per request (goal ≤ {GOAL_CPU:.2})",
                row.label
            )
        }
        _ => format!("{}: cannot be judged (no CPU figure)", row.label),
    }
}

fn main() {
    if std::env::var_os(EMULATOR_ROLE).is_some() {
        return serve_emulator();
    }
    let started = Instant::now();
    let calls = env_count("OVHCLOUD_VS_PEERS_CALLS", CALLS, 1);
    let rounds = env_count("OVHCLOUD_VS_PEERS_ROUNDS", ROUNDS, 1);
    let ours_only = std::env::var("OVHCLOUD_VS_PEERS_ONLY").as_deref() == Ok("ours");

    // 1. The emulator, in a process of its own.
    let (emulator, creds) = EmulatorProcess::start();
    let emulator_cpu = || emulator.cpu();

    // Our client twice: on this thread, and on a multi-thread runtime (each runtime its own
    // client, since a client's pooled connections belong to the runtime that opened them).
    let current_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let multi_thread = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(CLIENT_WORKERS)
        .enable_all()
        .build()
        .expect("client runtime");
    let ct_client = common::client(&creds);
    let mt_client = common::client(&creds);
    let ids = bill_ids(&current_thread, &ct_client);

    // 2. go-ovh.
    let go_ovh = if ours_only {
        GoOvh::Missing("not run (OVHCLOUD_VS_PEERS_ONLY=ours)".to_owned())
    } else {
        build_go()
    };

    let mut ours_ct = Row::new("ovhcloud (Rust), typed `Bill`, current_thread runtime");
    let mut ours_mt = Row::new(&format!(
        "ovhcloud (Rust), typed `Bill`, multi-thread runtime ({CLIENT_WORKERS} workers)"
    ));
    let mut go = Row::new("go-ovh, `client.Get` → Go struct");
    let mut python = Row::new("python-ovh, `client.get` → dict");
    if let GoOvh::Missing(why) = &go_ovh {
        go.missing = Some(why.clone());
    }
    if ours_only {
        python.missing = Some("not run (OVHCLOUD_VS_PEERS_ONLY=ours)".to_owned());
    }

    // 3. The rounds, each client in turn, the order rotating.
    for round in 0..rounds {
        for turn in 0..4 {
            match (round + turn) % 4 {
                0 => ours_ct.rounds.push(common::ours(
                    &current_thread,
                    &ct_client,
                    &ids,
                    calls,
                    1,
                    WARMUP,
                    CpuScope::Process,
                    &emulator_cpu,
                )),
                1 => {
                    let mut measured = common::ours(
                        &multi_thread,
                        &mt_client,
                        &ids,
                        calls,
                        1,
                        WARMUP,
                        CpuScope::Process,
                        &emulator_cpu,
                    );
                    // The calls run on the workers; the main thread only waits.
                    measured.thread_cpu = None;
                    ours_mt.rounds.push(measured);
                }
                2 => {
                    if let (GoOvh::Built { binary, dir }, None) = (&go_ovh, &go.missing) {
                        let command = go_command(binary, dir, &creds, &ids, calls);
                        go.add_peer(run_peer("go_ovh_bench", command, &emulator_cpu));
                    }
                }
                _ => {
                    if python.missing.is_none() {
                        let command = python_command(&creds, &ids, calls, 1, WARMUP);
                        python.add_peer(run_peer(
                            "python3 benches/python_ovh_bench.py",
                            command,
                            &emulator_cpu,
                        ));
                    }
                }
            }
        }
    }
    ours_ct.requests = (WARMUP + calls) * rounds;
    ours_mt.requests = (WARMUP + calls) * rounds;
    if let (Some(go_version), Some(versions)) = (go_ovh_version(), go.versions.as_mut()) {
        *versions = versions.replacen("go-ovh", &format!("go-ovh {go_version}"), 1);
    }

    // Every call was served and answered by the /me/bill flow: nothing refused or faulted.
    let counters = emulator.finish();
    let sent: usize = [&ours_ct, &ours_mt, &go, &python]
        .iter()
        .map(|r| r.requests)
        .sum();
    assert_eq!(
        counters["served"].as_u64(),
        Some(sent as u64),
        "every call reached the emulator's /me/bill flow: {counters}"
    );
    assert_eq!(counters["authFailures"].as_u64(), Some(0), "{counters}");
    assert_eq!(counters["rateLimited"].as_u64(), Some(0), "{counters}");

    // 4. The table.
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "## ovhcloud vs go-ovh vs python-ovh, sequential `GET /1.0/me/bill/{{billId}}` on one \
         emulator\n"
    );
    println!(
        "{rounds} rounds of {calls} calls per client, {cores} CPU(s); medians over the rounds; \
         CPU = the client process's user + system time.\n"
    );
    print_table(&[&ours_ct, &ours_mt, &go, &python], &go);
    println!();
    println!("Goal of issue 20 (informative):\n");
    for row in [&ours_ct, &ours_mt] {
        println!("- {}", goal(row, &go));
    }
    println!();

    println!("CPU µs per request, medians over the rounds:\n");
    println!("| client | client process | client's calling thread | emulator process |");
    println!("|---|---:|---:|---:|");
    for row in [&ours_ct, &ours_mt, &go, &python] {
        if row.ran() {
            println!(
                "| {} | {} | {} | {} |",
                row.label,
                figure(row.cpu_us(|m| m.process_cpu), 1),
                figure(row.cpu_us(|m| m.thread_cpu), 1),
                figure(row.cpu_us(|m| m.emulator_cpu), 1),
            );
        }
    }
    println!();

    println!("## How measured\n");
    println!(
        "- One emulator process (this bench binary run again with `{EMULATOR_ROLE}` set) serves \
         `/1.0` from the repo's schemas on a {EMULATOR_WORKERS}-worker tokio runtime, rate limit \
         off, one application and one validated consumer key; every client signs every call \
         (`$1$` SHA-1), reads `/auth/time` once during warm-up, keeps its HTTP/1.1 connection \
         alive, and fetches `GET /1.0/me/bill/{{billId}}` over the {} listed ids. Checked \
         afterwards: {sent} calls served by the bill flow, no auth failure, no 429.",
        ids.len()
    );
    println!(
        "- Each round, in an order rotating from round to round: {calls} sequential calls per \
         client after {WARMUP} warm-up calls (go-ovh and python-ovh: one fresh process per \
         round, its start not timed). requests/s = calls ÷ wall time of the timed loop; \
         latency = request start → decoded answer."
    );
    println!(
        "- CPU per request = the client process's user + system CPU over the timed loop ÷ calls, \
         every thread counted: ovhcloud `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)` of this \
         process (which holds only the client, the emulator being in another), go-ovh \
         `getrusage(RUSAGE_SELF)` (Go is multi-threaded: scheduler, network poller and garbage \
         collector included), python-ovh `time.process_time()`. The calling-thread column is \
         `/proc/thread-self/schedstat` of the main thread (what `vs_python` counts). Emulator = \
         `/proc/<pid>/task/*/schedstat` of its process."
    );
    println!(
        "- ovhcloud: `RateLimiter::unlimited()`, `RetryPolicy::none()`, typed `billing::Bill` \
         (chrono dates, prices); current_thread = everything on the main thread; multi-thread \
         = the caller a task on a {CLIENT_WORKERS}-worker runtime, as under `#[tokio::main]`. \
         go-ovh decodes into a Go struct of the bill's shape (`time.Time` date), python-ovh \
         into a dict; all check the returned `billId`."
    );
    for row in [&go, &python] {
        if let Some(versions) = &row.versions {
            println!("- {versions}.");
        }
    }
    println!(
        "- Noise: sequential calls are a ping-pong between the client and an emulator thread on \
         {cores} shared cores, sensitive to scheduling and to other load: compare within a run."
    );
    println!(
        "- Rerun: `cargo bench --features me --bench vs_peers` \
         (`OVHCLOUD_VS_PEERS_CALLS`, `OVHCLOUD_VS_PEERS_ROUNDS`). Total run time: {:.1} s.",
        started.elapsed().as_secs_f64()
    );
}
