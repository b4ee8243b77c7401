//! This client against python-ovh (the official Python client, PyPI `ovh`), side by side on the
//! same local emulator.
//!
//! `cargo bench --features me --bench vs_python` (python-ovh: `pip install ovh==1.2.0`; without
//! it the Python rows say so and the run still succeeds). `vs_peers` adds go-ovh, with the
//! emulator in a process of its own.
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

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{
    bill_ids, env_count, percentile, python_command, run_peer, start_emulator, tasks_cpu,
    thread_cpu_source, us, CpuScope, Credentials, Measured, Peer, EMULATOR_THREADS,
    EMULATOR_WORKERS, OPERATION, WARMUP,
};
use ovhcloud::Client;

/// Timed calls per row (sequential and concurrent alike).
const CALLS: usize = 10_000;
/// Warm-up calls of each concurrent caller.
const WARMUP_PER_CALLER: usize = 50;
/// Callers of the concurrent rows.
const CONCURRENCY: usize = 8;

/// The emulator's threads in this process.
fn emulator_cpu() -> Option<Duration> {
    tasks_cpu(Path::new("/proc/self"), Some(EMULATOR_THREADS))
}

fn ours(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    ids: &std::sync::Arc<Vec<String>>,
    calls: usize,
    concurrency: usize,
) -> Measured {
    let warmup = if concurrency == 1 {
        WARMUP
    } else {
        WARMUP_PER_CALLER * concurrency
    };
    common::ours(
        runtime,
        client,
        ids,
        calls,
        concurrency,
        warmup,
        CpuScope::Thread,
        &emulator_cpu,
    )
}

fn python(creds: &Credentials, ids: &[String], calls: usize, threads: usize) -> Peer {
    let warmup = if threads == 1 {
        WARMUP
    } else {
        WARMUP_PER_CALLER
    };
    run_peer(
        "python3 benches/python_ovh_bench.py",
        python_command(creds, ids, calls, threads, warmup),
        &emulator_cpu,
    )
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
    let ticks = common::clock_ticks();
    let calls = env_count("OVHCLOUD_VS_PYTHON_CALLS", CALLS, CONCURRENCY);

    // 1. The emulator, on threads of its own.
    let (emulator_runtime, emulator, creds) = start_emulator();

    // 2. Our client, on the main thread.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let client = common::client(&creds);
    let ids = bill_ids(&runtime, &client);

    let stats_before = emulator.stats();
    let ours_seq = ours(&runtime, &client, &ids, calls, 1);
    let py_seq = python(&creds, &ids, calls, 1);
    let ours_conc = ours(&runtime, &client, &ids, calls, CONCURRENCY);
    let py_conc = match &py_seq {
        Peer::Ran { .. } => python(&creds, &ids, calls, CONCURRENCY),
        Peer::Missing(why) => Peer::Missing(why.clone()),
    };
    let stats = emulator.stats();

    // Every call was served and answered by the /me/bill flow: nothing refused or faulted.
    let served = stats.applied(OPERATION) - stats_before.applied(OPERATION);
    let python_calls = py_seq.requests() + py_conc.requests();
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
            Peer::Ran {
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
            Peer::Missing(why) => {
                row(&ours_label, callers, ours_m, "—");
                println!("| python-ovh | {callers} | — | — | — | — | — | {why} |");
            }
        }
    }
    println!();

    // The emulator's share, to show what the shared cores were doing.
    println!("Emulator CPU during each row (this process's emulator threads):\n");
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
    if let Peer::Ran { measured, .. } = &py_seq {
        detail("python-ovh, sequential", measured);
    }
    detail(&format!("ovhcloud, {CONCURRENCY} tasks"), &ours_conc);
    if let Peer::Ran { measured, .. } = &py_conc {
        detail(&format!("python-ovh, {CONCURRENCY} threads"), measured);
    }
    println!();

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu_source = thread_cpu_source(ticks);
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
         Emulator CPU = this process's threads named `{EMULATOR_THREADS}` (its runtime's), \
         from `/proc/self/task/*/schedstat`."
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
