//! `ovhcloud-emulator`: runs the emulator until Ctrl-C (or SIGTERM).
//!
//! ```text
//! ovhcloud-emulator --schemas schemas --listen 127.0.0.1:0 \
//!     --application AK:AS --consumer-key CK --oauth2-client ID:SECRET
//! ovhcloud-emulator --deviations missing,number-as-string   # every answer gets one of them
//! ovhcloud-emulator --no-iceberg                            # collections answer ids only
//! ovhcloud-emulator --bills 5000 --documents 200 --alldoms 50 --domains-per-alldom 20
//! ovhcloud-emulator --state seed.json --dump-state end.json # load state, save it on exit
//! ovhcloud-emulator --scaleway --link-step-ms 500           # Scaleway InterLink instead
//! ```
//!
//! The first line on stdout is `ovhcloud-emulator listening on http://127.0.0.1:PORT`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ovhcloud_emulator::scaleway::{ScalewayConfig, ScalewayEmulator};
use ovhcloud_emulator::{BreakMode, Deviation, Emulator, EmulatorConfig, Faults};

/// A local emulator of the OVHcloud API (v1 and v2), for offline tests of OVH automation.
///
/// Administration endpoints are under /_emulator (GET /_emulator lists them).
#[derive(Parser, Debug)]
#[command(name = "ovhcloud-emulator", version)]
struct Args {
    /// Schema directory (with v1/ and/or v2/).
    #[arg(long, default_value = "schemas")]
    schemas: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Seconds added to the local clock (what /auth/time answers).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    clock_skew: i64,
    /// Milliseconds per step of tasks (todo → doing → done).
    #[arg(long, default_value_t = 1000)]
    task_step_ms: u64,
    /// Requests per second per application; 0 = no limit.
    #[arg(long, default_value_t = 50)]
    rate_limit: u32,
    /// Allowed distance of X-Ovh-Timestamp from the emulator's clock, in seconds.
    #[arg(long, default_value_t = 180)]
    timestamp_window: i64,
    /// Fraction of calls answered 500/502/503/504/429 instead of being applied (schema
    /// listings and files included).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Comma-separated statuses for --fault-rate (default 500,502,503,504,429).
    #[arg(long, value_delimiter = ',')]
    fault_statuses: Vec<u16>,
    /// Latency added to every call (and schema document), in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fraction of calls (and schema documents) whose connection is closed without an answer.
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Fraction of successful answers broken against the schema.
    #[arg(long, default_value_t = 0.0)]
    break_schema_rate: f64,
    /// How answers are broken: mixed, unknown-enum, extra-field, null-required.
    #[arg(long, default_value = "mixed", value_parser = parse_break_mode)]
    break_mode: BreakMode,
    /// Kinds of deviation from the schema to inject into successful answers (comma-separated,
    /// or "all"): missing, null, number-as-string, reformatted, invalid, unknown-enum,
    /// objects-for-ids. One member is changed, the first (in key order) whose schema type the
    /// kind applies to; the answer names it in "X-Emulator-Deviation: <kind> <path>" (e.g.
    /// "missing .billId", "reformatted [0].date"). Answers with nothing to change are left
    /// alone, without the header.
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    deviations: Vec<String>,
    /// Fraction of successful answers given a deviation; default 1 when --deviations is
    /// given, else 0 (with no --deviations, a rate injects every kind).
    #[arg(long)]
    deviation_rate: Option<f64>,
    /// Ignore X-Pagination-Mode: v1 collections answer ids, as OVH endpoints without
    /// expanded ("iceberg") listings do. By default a collection asked with
    /// "X-Pagination-Mode: CachedObjectList-Pages" (or -Cursor) answers its objects, filtered
    /// (X-Pagination-Filter), sorted (X-Pagination-Sort, X-Pagination-Sort-Order) and paged
    /// (X-Pagination-Size, X-Pagination-Number or X-Pagination-Cursor).
    #[arg(long)]
    no_iceberg: bool,
    /// Fraction of schema listings (GET /1.0/, /v2/) and schema files (GET /1.0/{api}.json,
    /// /v2/{api}.json) served with status 200 but only the first half of their bytes, so the
    /// JSON is cut short (X-Emulator-Fault: truncate). API calls are never truncated.
    #[arg(long, default_value_t = 0.0)]
    truncate_rate: f64,
    /// Only inject faults into calls (or schema documents) whose path contains one of these
    /// (comma-separated), e.g. /vrack or /1.0/me.json.
    #[arg(long, value_delimiter = ',')]
    fault_paths: Vec<String>,
    /// Inject at most this many faults, then none.
    #[arg(long)]
    max_faults: Option<u64>,
    /// Bills of /me/bill (each with 1 to 4 details); thousands are fine (more than 45 are
    /// spread over 2023-2025).
    #[arg(long, default_value_t = 30, value_name = "N")]
    bills: usize,
    /// Documents of /me/document at start.
    #[arg(long, default_value_t = 10, value_name = "N")]
    documents: usize,
    /// AllDom packs of /allDom.
    #[arg(long, default_value_t = 3, value_name = "N")]
    alldoms: usize,
    /// Domains of each AllDom pack (/allDom/{serviceName}/domain).
    #[arg(long, default_value_t = 5, value_name = "N")]
    domains_per_alldom: usize,
    /// Load the schema-driven state from this JSON file at start (the format of
    /// GET /_emulator/state: {"collections": {"/1.0/me/sshKey": [{"id": ..., "object": {...}}]}}).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Write the schema-driven state to this JSON file on exit.
    #[arg(long, value_name = "FILE")]
    dump_state: Option<PathBuf>,
    /// Seed of the fault-injection draws.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Register an application KEY:SECRET (repeatable).
    #[arg(long, value_name = "KEY:SECRET")]
    application: Vec<String>,
    /// A validated consumer key with full access (GET/POST/PUT/DELETE /*) for the first
    /// --application (repeatable).
    #[arg(long, value_name = "CK")]
    consumer_key: Vec<String>,
    /// Register an OAuth2 client ID:SECRET (repeatable).
    #[arg(long, value_name = "ID:SECRET")]
    oauth2_client: Vec<String>,
    /// Emulate Scaleway's InterLink API (interlink/v1beta1) instead of OVHcloud's; --schemas
    /// is not read. Keys come from --scaleway-api-key or POST /_emulator/apiKeys.
    #[arg(long)]
    scaleway: bool,
    /// Scaleway mode: milliseconds a link stays in each transient status.
    #[arg(long, default_value_t = 2000)]
    link_step_ms: u64,
    /// Scaleway mode: links per project and region before quotas_exceeded.
    #[arg(long, default_value_t = 10)]
    link_quota: usize,
    /// Scaleway mode: register an API key ACCESS_KEY:SECRET_KEY (the secret a UUID) of the
    /// default project (repeatable).
    #[arg(long, value_name = "ACCESS:SECRET")]
    scaleway_api_key: Vec<String>,
}

fn parse_break_mode(s: &str) -> Result<BreakMode, String> {
    match s.replace(['-', '_'], "").to_ascii_lowercase().as_str() {
        "mixed" => Ok(BreakMode::Mixed),
        "unknownenum" => Ok(BreakMode::UnknownEnum),
        "extrafield" => Ok(BreakMode::ExtraField),
        "nullrequired" => Ok(BreakMode::NullRequired),
        _ => Err(format!(
            "unknown break mode {s:?}: use mixed, unknown-enum, extra-field or null-required"
        )),
    }
}

/// `--deviations`: kind names, or `all` (every kind).
fn parse_deviations(names: &[String]) -> Result<Vec<Deviation>, String> {
    if names.iter().any(|n| n.trim().eq_ignore_ascii_case("all")) {
        return Ok(Deviation::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| n.trim().parse().map_err(|e| format!("--deviations: {e}")))
        .collect()
}

fn pair(value: &str, flag: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_owned(), b.to_owned())),
        _ => Err(format!("--{flag} expects ID:SECRET, got {value:?}")),
    }
}

fn rate(value: f64, flag: &str) -> Result<f64, String> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("--{flag} must be between 0 and 1, got {value}"))
    }
}

async fn run(args: Args) -> Result<(), String> {
    let applications = args
        .application
        .iter()
        .map(|a| pair(a, "application"))
        .collect::<Result<Vec<_>, _>>()?;
    let oauth2_clients = args
        .oauth2_client
        .iter()
        .map(|a| pair(a, "oauth2-client"))
        .collect::<Result<Vec<_>, _>>()?;
    if !args.consumer_key.is_empty() && applications.is_empty() {
        return Err("--consumer-key needs an --application to belong to".to_owned());
    }
    let deviations = parse_deviations(&args.deviations)?;
    let default_rate = if deviations.is_empty() { 0.0 } else { 1.0 };
    let deviation_rate = args.deviation_rate.unwrap_or(default_rate);
    let faults = Faults {
        error_rate: rate(args.fault_rate, "fault-rate")?,
        error_statuses: args.fault_statuses.clone(),
        latency: Duration::from_millis(args.latency_ms),
        drop_rate: rate(args.drop_rate, "drop-rate")?,
        break_schema_rate: rate(args.break_schema_rate, "break-schema-rate")?,
        break_mode: args.break_mode,
        deviation_rate: rate(deviation_rate, "deviation-rate")?,
        deviations,
        truncate_rate: rate(args.truncate_rate, "truncate-rate")?,
        only_paths: (!args.fault_paths.is_empty()).then(|| args.fault_paths.clone()),
        max_faults: args.max_faults,
    };
    if args.scaleway {
        return run_scaleway(&args, faults).await;
    }
    let config = EmulatorConfig::new(args.schemas)
        .listen(args.listen)
        .clock_skew_secs(args.clock_skew)
        .task_step(Duration::from_millis(args.task_step_ms))
        .rate_limit_per_sec((args.rate_limit > 0).then_some(args.rate_limit))
        .timestamp_window_secs(args.timestamp_window)
        .faults(faults)
        .seed(args.seed)
        .iceberg(!args.no_iceberg)
        .bill_count(args.bills)
        .documents(args.documents)
        .alldoms(args.alldoms, args.domains_per_alldom);
    let emulator = Emulator::start(config).await.map_err(|e| e.to_string())?;
    if let Some(file) = &args.state {
        load_state(&emulator, file)?;
    }
    for (key, secret) in &applications {
        emulator.register_application(key, secret);
    }
    if let Some((first, _)) = applications.first() {
        let full = [
            ("GET", "/*"),
            ("POST", "/*"),
            ("PUT", "/*"),
            ("DELETE", "/*"),
        ];
        for ck in &args.consumer_key {
            emulator.register_consumer_key(first, ck, &full);
        }
    }
    for (id, secret) in &oauth2_clients {
        emulator.register_oauth2_client(id, secret);
    }
    let signals = Signals::install();
    announce(&emulator.base_url());
    signals.wait().await;
    eprintln!("ovhcloud-emulator: stopping");
    // In-flight requests may finish; idle connections do not hold the exit for long.
    let state = emulator.state();
    let _ = tokio::time::timeout(Duration::from_secs(5), emulator.shutdown()).await;
    match &args.dump_state {
        Some(file) => dump_state(&state, file),
        None => Ok(()),
    }
}

/// `--state FILE`: the state the emulator starts with.
fn load_state(emulator: &Emulator, file: &std::path::Path) -> Result<(), String> {
    let shown = file.display();
    let text = std::fs::read(file).map_err(|e| format!("--state {shown}: {e}"))?;
    let doc = serde_json::from_slice(&text).map_err(|e| format!("--state {shown}: {e}"))?;
    let loaded = emulator
        .load_state(&doc)
        .map_err(|e| format!("--state {shown}: {e}"))?;
    eprintln!("ovhcloud-emulator: {loaded} item(s) loaded from {shown}");
    Ok(())
}

/// `--dump-state FILE`: the state at exit, pretty-printed.
fn dump_state(state: &serde_json::Value, file: &std::path::Path) -> Result<(), String> {
    let mut text = serde_json::to_vec_pretty(state).unwrap_or_default();
    text.push(b'\n');
    std::fs::write(file, text).map_err(|e| format!("--dump-state {}: {e}", file.display()))
}

/// `--scaleway`: the InterLink emulator with the same listening, rate-limit and fault flags.
async fn run_scaleway(args: &Args, faults: Faults) -> Result<(), String> {
    let keys = args
        .scaleway_api_key
        .iter()
        .map(|k| pair(k, "scaleway-api-key"))
        .collect::<Result<Vec<_>, _>>()?;
    if keys
        .iter()
        .any(|(_, secret)| uuid::Uuid::parse_str(secret).is_err())
    {
        return Err("--scaleway-api-key: the secret key must be a UUID".to_owned());
    }
    let config = ScalewayConfig::default()
        .listen(args.listen)
        .step(Duration::from_millis(args.link_step_ms))
        .rate_limit_per_sec((args.rate_limit > 0).then_some(args.rate_limit))
        .link_quota(args.link_quota)
        .faults(faults)
        .seed(args.seed);
    let emulator = ScalewayEmulator::start(config)
        .await
        .map_err(|e| e.to_string())?;
    for (access_key, secret_key) in &keys {
        emulator.register_api_key(access_key, secret_key);
    }
    let signals = Signals::install();
    announce(&emulator.base_url());
    // Ids only: secret keys are never printed.
    eprintln!(
        "ovhcloud-emulator: Scaleway InterLink mode, default project {}, organization {}",
        emulator.default_project_id(),
        emulator.default_organization_id()
    );
    signals.wait().await;
    eprintln!("ovhcloud-emulator: stopping");
    let _ = tokio::time::timeout(Duration::from_secs(5), emulator.shutdown()).await;
    Ok(())
}

/// The first line on stdout, which scripts wait for.
fn announce(base_url: &str) {
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "ovhcloud-emulator listening on {base_url}");
    let _ = stdout.flush();
}

/// Ctrl-C (SIGINT) or SIGTERM, listened for from the moment it is made: a signal sent right
/// after the listening line is not missed.
struct Signals {
    #[cfg(unix)]
    handlers: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let handlers = signal(SignalKind::interrupt())
                .and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
                .ok();
            Signals { handlers }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = self.handlers {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ovhcloud-emulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ovhcloud-emulator: {message}");
            ExitCode::FAILURE
        }
    }
}
