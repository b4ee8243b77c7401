//! Compile-time benchmark: the `ovhcloud` crate next to progenitor's clients for the same APIs.
//!
//! ```text
//! cargo bench -p ovhcloud-codegen --bench compile
//! BENCH_SAMPLES=5 BENCH_TARGET_DIR=/tmp/compile-bench cargo bench -p ovhcloud-codegen --bench compile
//! BENCH_CONFIGS=ovhCloudConnect,v2_iam cargo bench -p ovhcloud-codegen --bench compile
//! ```
//!
//! Each configuration is one of our cargo features (or a set of them) and the progenitor client
//! generated from OVH's OpenAPI 3 rendition of the same API (`OVH_OPENAPI3_DIR`, default
//! `../shared/ovh-openapi3` from the workspace root, by `benches/progenitor/`, a generator crate
//! outside the workspace). For both, in debug with `CARGO_INCREMENTAL=0` and the dependencies
//! prebuilt (one untimed run first), `BENCH_SAMPLES` times (default 3) each:
//!
//! * **check** / **build**: bump the mtime of the crate's `src/lib.rs`, then `cargo check` /
//!   `cargo build --lib`. `-v` output proves that only that crate was compiled and that our
//!   build script did not re-run (it reruns only on its `rerun-if-*` inputs).
//! * **check, build.rs re-run** (ours only): `OVHCLOUD_SCHEMAS_DIR` alternates between two
//!   spellings of the same directory (`/x/schemas`, `/x/schemas/.`); the build script declares
//!   `rerun-if-env-changed` on it, so generation re-runs, then the crate is checked.
//!
//! The configurations (`BENCH_CONFIGS` picks some, comma-separated): `ovhCloudConnect`,
//! `dedicated_server`, `v2_iam` (one API each); `renditions` (every API that has a rendition:
//! ours with those features, progenitor as one crate with a module per rendition); `all` (ours
//! only: progenitor has no rendition for most APIs). The progenitor generator is built once,
//! untimed (`cargo build --release`, its dependencies from crates.io).
//!
//! It prints medians, the ratio ours / progenitor and the targets. Whatever cannot be measured
//! (no renditions, a generator that does not build offline, a rendition progenitor rejects) is
//! printed as skipped with the reason, and the benchmark still succeeds. Everything is built
//! under `BENCH_TARGET_DIR` (default `<workspace>/target/compile-bench`): never in the
//! repository, and never waiting for the lock of the `cargo bench` that launched it.

mod support;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};
use support::{median, print_table};

/// A rendition file of `OVH_OPENAPI3_DIR` and the feature of ours that covers the same API.
/// `cloud_v2` is a curated subset of v2 /publicCloud and `storagenetapp` is /storage/netapp, a
/// part of /storage: our features are a little larger there.
const RENDITIONS: &[(&str, &str)] = &[
    ("v1/baremetal.json", "dedicated_server"),
    ("v1/dedicatedceph.json", "dedicated_ceph"),
    ("v1/dedicatednasha.json", "dedicated_nasha"),
    ("v1/domain.json", "domain"),
    ("v1/emailmxplan.json", "email_mxplan"),
    ("v1/emailpro.json", "email_pro"),
    ("v1/hostingprivatedatabase.json", "hosting_privateDatabase"),
    ("v1/ip.json", "ip"),
    ("v1/iploadbalancing.json", "ipLoadbalancing"),
    ("v1/ldp.json", "dbaas_logs"),
    ("v1/me.json", "me"),
    ("v1/overthebox.json", "overTheBox"),
    ("v1/ovhcloudconnect.json", "ovhCloudConnect"),
    ("v1/packxdsl.json", "pack_xdsl"),
    ("v1/sms.json", "sms"),
    ("v1/sslgateway.json", "sslGateway"),
    ("v1/storagenetapp.json", "storage"),
    ("v1/telephony.json", "telephony"),
    ("v1/vps.json", "vps"),
    ("v1/vrack.json", "vrack"),
    ("v1/webhosting.json", "hosting_web"),
    ("v1/xdsl.json", "xdsl"),
    ("v2/cloud_v2.json", "v2_publicCloud"),
    ("v2/iam.json", "v2_iam"),
    (
        "v2/vmwareclouddirectorbackup.json",
        "v2_vmwareCloudDirector",
    ),
    (
        "v2/vmwareclouddirectororganization.json",
        "v2_vmwareCloudDirector",
    ),
    ("v2/vrackservices.json", "v2_vrackServices"),
];

/// What a configuration compiles of ours and of progenitor's.
#[derive(Clone, Copy)]
enum Subject {
    /// One API: our feature and its rendition.
    One(&'static str),
    /// The APIs that have a rendition: their features, and one progenitor crate with each
    /// distinct rendition as a module.
    Renditions,
    /// Every API: `--features all`; progenitor has renditions for only some of them.
    All,
}

#[derive(Clone, Copy)]
enum Target {
    None,
    /// Our build at most this fraction of progenitor's.
    BuildRatio(f64),
    /// Our check and build at most these.
    Absolute {
        check: Duration,
        build: Duration,
    },
}

struct Config {
    name: &'static str,
    subject: Subject,
    target: Target,
}

const CONFIGS: &[Config] = &[
    Config {
        name: "ovhCloudConnect",
        subject: Subject::One("v1/ovhcloudconnect.json"),
        target: Target::BuildRatio(0.5),
    },
    Config {
        name: "dedicated_server",
        subject: Subject::One("v1/baremetal.json"),
        target: Target::BuildRatio(0.5),
    },
    Config {
        name: "v2_iam",
        subject: Subject::One("v2/iam.json"),
        target: Target::BuildRatio(0.5),
    },
    Config {
        name: "renditions",
        subject: Subject::Renditions,
        target: Target::None,
    },
    Config {
        name: "all",
        subject: Subject::All,
        target: Target::Absolute {
            check: Duration::from_secs(40),
            build: Duration::from_secs(90),
        },
    },
];

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Check,
    Build,
}

impl Step {
    fn args(self) -> &'static [&'static str] {
        match self {
            Step::Check => &["check"],
            Step::Build => &["build", "--lib"],
        }
    }
}

/// One crate to compile, in its own cargo workspace and target directory.
struct Crate {
    dir: PathBuf,
    package: String,
    args: Vec<String>,
    lib_rs: PathBuf,
    target_dir: PathBuf,
    /// Ours: the two spellings of `OVHCLOUD_SCHEMAS_DIR`, to make the build script re-run.
    schema_spellings: Option<[PathBuf; 2]>,
}

#[derive(Default)]
struct Times {
    check: Vec<Duration>,
    build: Vec<Duration>,
    check_build_rs: Vec<Duration>,
    generated: Option<Size>,
    /// progenitor: the renditions compiled, and what was left out of them and why.
    renditions: Vec<&'static str>,
    notes: Vec<String>,
}

#[derive(Clone, Copy, Default)]
struct Size {
    files: usize,
    lines: usize,
    bytes: usize,
}

/// A measurement, or why there is none.
type Outcome = Result<Times, String>;

struct Env {
    workspace: PathBuf,
    cargo: OsString,
    samples: usize,
    target_dir: PathBuf,
    schemas: PathBuf,
    openapi: PathBuf,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: compile benchmark failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let env = Env::from_environment()?;
    let configs = selected_configs()?;
    println!(
        "compile benchmark: {} sample(s), debug, CARGO_INCREMENTAL=0, target dir {}",
        env.samples,
        env.target_dir.display()
    );
    if !env.schemas.join("v1").is_dir() {
        println!(
            "SKIPPED: compile benchmark NOT RUN — no schema mirror at {}",
            env.schemas.display()
        );
        return Ok(());
    }
    let progenitor = progenitor::prepare(&env, &configs);
    let mut results = Vec::new();
    for config in &configs {
        let theirs = match &progenitor {
            Ok(crates) => crates.measure(&env, config),
            Err(reason) => Err(reason.clone()),
        };
        // Ours compiles the APIs progenitor's side did compile, when it left some out.
        let compiled = theirs.as_ref().map(|t| &t.renditions[..]).unwrap_or(&[]);
        let ours = ours_crate(&env, config.subject, compiled);
        // A failure of ours is a bug to see, not a row to skip.
        let ours = Ok(measure(&env, &ours, config.name)?);
        results.push((ours, theirs));
    }
    report(&env, &configs, &results, progenitor.as_ref().ok());
    Ok(())
}

impl Env {
    fn from_environment() -> Result<Env, String> {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("codegen/ is inside the workspace")
            .to_owned();
        let dir = |var: &str, default: &str| match std::env::var_os(var) {
            Some(dir) => workspace.join(dir),
            None => workspace.join(default),
        };
        let samples = match std::env::var("BENCH_SAMPLES") {
            Ok(v) => v.trim().parse().ok().filter(|&n| n > 0).ok_or(format!(
                "BENCH_SAMPLES must be a positive integer, got {v:?}"
            ))?,
            Err(_) => 3,
        };
        Ok(Env {
            cargo: std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
            samples,
            target_dir: dir("BENCH_TARGET_DIR", "target/compile-bench"),
            schemas: dir("OVHCLOUD_SCHEMAS_DIR", "schemas"),
            openapi: dir("OVH_OPENAPI3_DIR", "../shared/ovh-openapi3"),
            workspace,
        })
    }

    /// `cargo ARGS` in `dir`, without incremental compilation, with its own target directory.
    fn cargo(&self, dir: &Path, target_dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.cargo);
        cmd.args(args)
            .current_dir(dir)
            .env("CARGO_INCREMENTAL", "0")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env("CARGO_TARGET_DIR", target_dir)
            .stdin(Stdio::null());
        cmd
    }
}

/// `BENCH_CONFIGS=a,b` runs only those configurations (all by default).
fn selected_configs() -> Result<Vec<&'static Config>, String> {
    let Ok(names) = std::env::var("BENCH_CONFIGS") else {
        return Ok(CONFIGS.iter().collect());
    };
    names
        .split(',')
        .map(|name| {
            CONFIGS
                .iter()
                .find(|c| c.name == name.trim())
                .ok_or(format!("BENCH_CONFIGS: unknown configuration {name:?}"))
        })
        .collect()
}

/// The `ovhcloud` crate with the configuration's features; for `renditions`, those of the
/// renditions progenitor's side compiled (`compiled`), or of all of them if it measured none.
fn ours_crate(env: &Env, subject: Subject, compiled: &[&str]) -> Crate {
    let features = match subject {
        Subject::One(file) => feature_of(file).to_owned(),
        Subject::Renditions if compiled.is_empty() => {
            let all: Vec<&str> = RENDITIONS.iter().map(|(file, _)| *file).collect();
            features_of(&all).join(",")
        }
        Subject::Renditions => features_of(compiled).join(","),
        Subject::All => "all".to_owned(),
    };
    let schemas = env.schemas.canonicalize().unwrap_or(env.schemas.clone());
    Crate {
        dir: env.workspace.clone(),
        package: "ovhcloud".into(),
        args: vec![
            "--no-default-features".into(),
            "--features".into(),
            features,
        ],
        lib_rs: env.workspace.join("src/lib.rs"),
        target_dir: env.target_dir.join("ovhcloud"),
        schema_spellings: Some([schemas.clone(), schemas.join(".")]),
    }
}

/// Our features covering these renditions, once each.
fn features_of(renditions: &[&str]) -> Vec<&'static str> {
    let mut features: Vec<&str> = renditions.iter().map(|f| feature_of(f)).collect();
    features.sort_unstable();
    features.dedup();
    features
}

fn feature_of(rendition: &str) -> &'static str {
    RENDITIONS
        .iter()
        .find(|(file, _)| *file == rendition)
        .map(|(_, feature)| *feature)
        .expect("every configured rendition is in RENDITIONS")
}

/// Check and build times of one crate (and, for ours, check times with the build script).
fn measure(env: &Env, krate: &Crate, name: &str) -> Outcome {
    let mut times = Times::default();
    for step in [Step::Check, Step::Build] {
        eprintln!(
            "[{name}] {} {}: warm-up (untimed)…",
            krate.package,
            step.args()[0]
        );
        let warmup = run_cargo(env, krate, step, 0, &["--message-format=json"])?;
        times.generated = times
            .generated
            .or_else(|| out_dir(&warmup.stdout).map(|dir| size_of(&dir)));
        for sample in 1..=env.samples {
            touch(&krate.lib_rs)?;
            let elapsed = timed_sample(env, krate, step, 0, false)?;
            eprintln!(
                "[{name}] {} {} {sample}: {}",
                krate.package,
                step.args()[0],
                fmt_s(elapsed)
            );
            match step {
                Step::Check => times.check.push(elapsed),
                Step::Build => times.build.push(elapsed),
            }
        }
        if step == Step::Check && krate.schema_spellings.is_some() {
            for sample in 1..=env.samples {
                let elapsed = timed_sample(env, krate, step, sample % 2, true)?;
                eprintln!(
                    "[{name}] {} check, build.rs re-run {sample}: {}",
                    krate.package,
                    fmt_s(elapsed)
                );
                times.check_build_rs.push(elapsed);
            }
        }
    }
    Ok(times)
}

/// One timed `cargo check|build -v`, verified: only the crate was compiled, and the build
/// script ran exactly when `build_script` says it should.
fn timed_sample(
    env: &Env,
    krate: &Crate,
    step: Step,
    spelling: usize,
    build_script: bool,
) -> Result<Duration, String> {
    let start = Instant::now();
    let output = run_cargo(env, krate, step, spelling, &["-v"])?;
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let compiled = compiled_crates(&stderr);
    if compiled != [krate.package.replace('-', "_")] {
        return Err(format!(
            "{}: expected only {} to be compiled, got {compiled:?}:\n{stderr}",
            krate.package, krate.package
        ));
    }
    if ran_build_script(&stderr, &krate.package) != build_script {
        return Err(format!(
            "{}: the build script {} run:\n{stderr}",
            krate.package,
            if build_script { "did not" } else { "did" }
        ));
    }
    Ok(elapsed)
}

fn run_cargo(
    env: &Env,
    krate: &Crate,
    step: Step,
    spelling: usize,
    extra: &[&str],
) -> Result<std::process::Output, String> {
    let mut args: Vec<&str> = step.args().to_vec();
    args.extend(["-p", &krate.package]);
    args.extend(krate.args.iter().map(String::as_str));
    args.extend(extra);
    let mut cmd = env.cargo(&krate.dir, &krate.target_dir, &args);
    if let Some(spellings) = &krate.schema_spellings {
        cmd.env("OVHCLOUD_SCHEMAS_DIR", &spellings[spelling]);
    }
    let output = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        print_diagnostics(&output.stdout);
        return Err(format!(
            "`cargo {}` in {} failed: {}",
            args.join(" "),
            krate.dir.display(),
            last_lines(&String::from_utf8_lossy(&output.stderr), 12)
        ));
    }
    Ok(output)
}

/// The crates `cargo -v` ran rustc on: `Running `… rustc --crate-name NAME …``.
fn compiled_crates(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("Running `"))
        .filter_map(|l| l.split("--crate-name ").nth(1)?.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// … and `Running `…/build/PACKAGE-<hash>/build-script-build`` when it runs a build script.
fn ran_build_script(stderr: &str, package: &str) -> bool {
    stderr.lines().any(|l| {
        l.contains("Running `")
            && l.contains("build-script-build")
            && l.split(['/', '\\']).any(|dir| is_unit_dir(dir, package))
    })
}

/// `ovhcloud-<hash>`, not `ovhcloud-codegen-<hash>`.
fn is_unit_dir(name: &str, package: &str) -> bool {
    name.strip_prefix(package)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hash| !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The `OUT_DIR` of the `ovhcloud` build script, from `--message-format=json` output.
fn out_dir(stdout: &[u8]) -> Option<PathBuf> {
    String::from_utf8_lossy(stdout)
        .lines()
        .rev()
        .find_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            if value.get("reason")?.as_str()? != "build-script-executed" {
                return None;
            }
            let out_dir = PathBuf::from(value.get("out_dir")?.as_str()?);
            let unit = out_dir.parent()?.file_name()?.to_str()?;
            is_unit_dir(unit, "ovhcloud").then_some(out_dir)
        })
}

/// The end of a long error output, on one line: what a note can show of it.
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join(" / ")
}

fn touch(path: &Path) -> Result<(), String> {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.set_modified(SystemTime::now())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The files, lines and bytes of the `.rs` files under `dir`.
fn size_of(dir: &Path) -> Size {
    let mut size = Size::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return size;
    };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            let inner = size_of(&path);
            size.files += inner.files;
            size.lines += inner.lines;
            size.bytes += inner.bytes;
        } else if path.extension().is_some_and(|e| e == "rs") {
            if let Ok(text) = std::fs::read_to_string(&path) {
                size.files += 1;
                size.lines += text.lines().count();
                size.bytes += text.len();
            }
        }
    }
    size
}

fn print_diagnostics(stdout: &[u8]) {
    for line in String::from_utf8_lossy(stdout).lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if let Some(rendered) = value.pointer("/message/rendered").and_then(|r| r.as_str()) {
            eprint!("{rendered}");
        }
    }
}

/// progenitor's side: the generator, the generated crates, their measurement.
mod progenitor {
    use super::*;

    /// The generated crates, by configuration name, or why a configuration has none.
    pub struct Crates {
        crates: BTreeMap<&'static str, Result<Laid, String>>,
        /// `PATCH` lines of the generator: (rendition, what).
        pub patches: Vec<(String, String)>,
        /// Renditions generated for no crate, and why.
        pub left_out: Vec<String>,
    }

    /// A generated crate and the renditions in it.
    struct Laid {
        krate: Crate,
        files: Vec<&'static str>,
    }

    impl Crates {
        pub fn measure(&self, env: &Env, config: &Config) -> Outcome {
            match self.crates.get(config.name) {
                Some(Ok(laid)) => {
                    let (files, notes) = keep_compiling_modules(env, laid)?;
                    let mut times = measure(env, &laid.krate, config.name)?;
                    times.generated = Some(size_of(&src_dir(&laid.krate)));
                    times.renditions = files;
                    times.notes = notes;
                    Ok(times)
                }
                Some(Err(reason)) => Err(reason.clone()),
                None => Err(
                    "n/a: progenitor has renditions for some APIs only (see `renditions`)".into(),
                ),
            }
        }
    }

    /// Builds the generator, generates every rendition and lays out one crate per
    /// configuration under `<target>/progenitor`; `Err` says why nothing can be compared.
    pub fn prepare(env: &Env, configs: &[&Config]) -> Result<Crates, String> {
        if !env.openapi.join("v1").is_dir() {
            return Err(format!(
                "skipped: no OpenAPI 3 renditions at {}",
                env.openapi.display()
            ));
        }
        let root = env.target_dir.join("progenitor");
        let generated = root.join("generated");
        std::fs::create_dir_all(&generated).map_err(|e| format!("{}: {e}", generated.display()))?;
        let generator = build_generator(env)?;
        let (distinct, duplicates) = distinct_renditions(&env.openapi);
        let outcome = run_generator(&generator, &generated, &env.openapi, &distinct)?;
        let mut crates = BTreeMap::new();
        let mut members = Vec::new();
        for config in configs {
            let files: Vec<&str> = match config.subject {
                Subject::One(file) => vec![file],
                Subject::Renditions => distinct.clone(),
                Subject::All => continue,
            };
            let laid = lay_out_crate(&root, config.name, &files, &generated, &outcome.failed);
            if laid.is_ok() {
                members.push(crate_name(config.name));
            }
            crates.insert(config.name, laid);
        }
        write(&root.join("Cargo.toml"), &workspace_manifest(&members))?;
        Ok(Crates {
            crates,
            patches: outcome.patches,
            left_out: duplicates
                .into_iter()
                .chain(outcome.failed.iter().map(|(f, why)| format!("{f}: {why}")))
                .collect(),
        })
    }

    /// `cargo build --release` of `benches/progenitor` (its dependencies come from crates.io).
    fn build_generator(env: &Env) -> Result<PathBuf, String> {
        let manifest = env.workspace.join("codegen/benches/progenitor/Cargo.toml");
        let target_dir = env.target_dir.join("progenitor-gen");
        eprintln!("[progenitor] building the generator (untimed)…");
        let output = env
            .cargo(
                &env.workspace,
                &target_dir,
                &["build", "--release", "--manifest-path"],
            )
            .arg(&manifest)
            .output()
            .map_err(|e| format!("skipped: cannot run cargo: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "skipped: the progenitor generator did not build (offline?): {}",
                last_lines(&String::from_utf8_lossy(&output.stderr), 3)
            ));
        }
        Ok(target_dir.join("release/progenitor-bench-gen"))
    }

    /// The renditions present, without byte-for-byte copies of an earlier one (which would
    /// count one API twice); and a note for each left out.
    fn distinct_renditions(openapi: &Path) -> (Vec<&'static str>, Vec<String>) {
        let mut distinct: Vec<(&str, Vec<u8>)> = Vec::new();
        let mut left_out = Vec::new();
        for (file, _) in RENDITIONS {
            let Ok(bytes) = std::fs::read(openapi.join(file)) else {
                left_out.push(format!("{file}: missing"));
                continue;
            };
            match distinct.iter().find(|(_, b)| *b == bytes) {
                Some((same, _)) => left_out.push(format!("{file}: a byte-for-byte copy of {same}")),
                None => distinct.push((file, bytes)),
            }
        }
        (distinct.into_iter().map(|(f, _)| f).collect(), left_out)
    }

    struct Generated {
        patches: Vec<(String, String)>,
        failed: BTreeMap<String, String>,
    }

    /// Runs the generator on every rendition: `generated/<module>.rs` for each.
    fn run_generator(
        generator: &Path,
        out: &Path,
        openapi: &Path,
        files: &[&str],
    ) -> Result<Generated, String> {
        eprintln!("[progenitor] generating {} clients…", files.len());
        let output = Command::new(generator)
            .arg(out)
            .args(files.iter().map(|f| {
                let mut arg = OsString::from(format!("{}=", module_name(f)));
                arg.push(openapi.join(f));
                arg
            }))
            .output()
            .map_err(|e| format!("skipped: cannot run the generator: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "skipped: the generator failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let file_of = |module: &str| {
            files
                .iter()
                .find(|f| module_name(f) == module)
                .map_or(module.to_owned(), |f| f.to_string())
        };
        let mut generated = Generated {
            patches: Vec::new(),
            failed: BTreeMap::new(),
        };
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            match line.splitn(3, '\t').collect::<Vec<_>>()[..] {
                ["PATCH", module, what] => generated.patches.push((file_of(module), what.into())),
                ["FAIL", module, why] => {
                    generated.failed.insert(file_of(module), why.into());
                }
                _ => {}
            }
        }
        Ok(generated)
    }

    /// `v1/baremetal.json` → `baremetal`.
    pub fn module_name(file: &str) -> String {
        let stem = Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(file);
        stem.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect()
    }

    fn crate_name(config: &str) -> String {
        format!("progenitor-{}", config.to_lowercase().replace('_', "-"))
    }

    /// `crates/<name>/`: one rendition is `src/lib.rs` itself; several are modules of it.
    fn lay_out_crate(
        root: &Path,
        config: &str,
        files: &[&'static str],
        generated: &Path,
        failed: &BTreeMap<String, String>,
    ) -> Result<Laid, String> {
        let usable: Vec<&str> = files
            .iter()
            .copied()
            .filter(|f| !failed.contains_key(*f))
            .collect();
        if usable.is_empty() {
            let why = files
                .iter()
                .filter_map(|f| failed.get(*f))
                .cloned()
                .collect::<Vec<_>>();
            return Err(format!("skipped: progenitor failed: {}", why.join("; ")));
        }
        let package = crate_name(config);
        let dir = root.join("crates").join(&package);
        let krate = Crate {
            dir: root.to_owned(),
            args: Vec::new(),
            lib_rs: dir.join("src/lib.rs"),
            target_dir: root.join("target"),
            schema_spellings: None,
            package,
        };
        let src = src_dir(&krate);
        std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
        write(&dir.join("Cargo.toml"), &crate_manifest(&krate.package))?;
        let code = |file: &str| {
            let path = generated.join(format!("{}.rs", module_name(file)));
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
        };
        if let [file] = usable[..] {
            write(&krate.lib_rs, &code(file)?)?;
        } else {
            for file in &usable {
                write(&src.join(format!("{}.rs", module_name(file))), &code(file)?)?;
            }
            write_lib_of_modules(&krate, &usable)?;
        }
        Ok(Laid {
            krate,
            files: usable,
        })
    }

    fn src_dir(krate: &Crate) -> PathBuf {
        krate.lib_rs.parent().expect("src/lib.rs").to_owned()
    }

    fn write_lib_of_modules(krate: &Crate, files: &[&str]) -> Result<(), String> {
        let lib: String = files
            .iter()
            .map(|f| format!("pub mod {};\n", module_name(f)))
            .collect();
        write(&krate.lib_rs, &lib)
    }

    /// Checks the crate once, untimed (which builds the dependencies too). progenitor's code
    /// for some renditions does not compile: such a module is left out of a crate of several
    /// and the check is run again; a crate of one is skipped. Returns the renditions kept and a
    /// note for each left out.
    fn keep_compiling_modules(
        env: &Env,
        laid: &Laid,
    ) -> Result<(Vec<&'static str>, Vec<String>), String> {
        let krate = &laid.krate;
        let mut files = laid.files.clone();
        let mut notes = Vec::new();
        loop {
            eprintln!("[progenitor] does {} compile? (untimed)", krate.package);
            let args = ["check", "-p", &krate.package, "--message-format=json"];
            let output = env
                .cargo(&krate.dir, &krate.target_dir, &args)
                .output()
                .map_err(|e| format!("cannot run cargo: {e}"))?;
            if output.status.success() {
                return Ok((files, notes));
            }
            let errors = first_error_by_file(&output.stdout);
            let error_in = |file: &&str| errors.get(&format!("{}.rs", module_name(file)));
            let failing: Vec<&str> = files
                .iter()
                .copied()
                .filter(|f| error_in(f).is_some())
                .collect();
            if failing.is_empty() || failing.len() == files.len() {
                let first = errors.values().next().map_or("?", String::as_str);
                return Err(format!(
                    "skipped: progenitor's code does not compile ({} file(s) with errors; first: {first})",
                    errors.len()
                ));
            }
            for file in &failing {
                let error = error_in(file).expect("failing files have an error");
                notes.push(format!(
                    "{file} left out: progenitor's code for it does not compile ({error})"
                ));
                let _ =
                    std::fs::remove_file(src_dir(krate).join(format!("{}.rs", module_name(file))));
            }
            files.retain(|f| !failing.contains(f));
            write_lib_of_modules(krate, &files)?;
        }
    }

    /// The first error of each source file (by file name), from `--message-format=json`.
    fn first_error_by_file(stdout: &[u8]) -> BTreeMap<String, String> {
        let mut errors = BTreeMap::new();
        for line in String::from_utf8_lossy(stdout).lines() {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let Some(message) = value.get("message") else {
                continue;
            };
            if message["level"] != "error" {
                continue;
            }
            let primary = message["spans"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|span| span["is_primary"] == true);
            let Some(file) = primary.and_then(|span| span["file_name"].as_str()) else {
                continue;
            };
            let name = Path::new(file)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(file);
            errors
                .entry(name.to_owned())
                .or_insert_with(|| message["message"].as_str().unwrap_or("?").to_owned());
        }
        errors
    }

    fn workspace_manifest(members: &[String]) -> String {
        let members: Vec<String> = members.iter().map(|m| format!("\"crates/{m}\"")).collect();
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        )
    }

    /// The dependencies `cargo progenitor` writes for a generated crate (all of them, whatever
    /// the document uses, so that every crate shares one prebuilt set).
    fn crate_manifest(package: &str) -> String {
        format!(
            r#"[package]
name = "{package}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
bytes = "1.9"
chrono = {{ version = "0.4", default-features = false, features = ["serde"] }}
futures-core = "0.3"
progenitor-client = "0.15.1"
regress = "0.10"
reqwest = {{ version = "0.13", default-features = false, features = ["json", "query", "stream"] }}
serde = {{ version = "1.0", features = ["derive"] }}
serde_json = "1.0"
serde_urlencoded = "0.7"
uuid = {{ version = "1.0", features = ["serde", "v4"] }}
"#
        )
    }

    fn write(path: &Path, text: &str) -> Result<(), String> {
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn report(
    env: &Env,
    configs: &[&Config],
    results: &[(Outcome, Outcome)],
    progenitor: Option<&progenitor::Crates>,
) {
    let mut rows = Vec::new();
    for (config, (ours, theirs)) in configs.iter().zip(results) {
        for step in ["check", "check, build.rs re-run", "build"] {
            rows.push(time_row(config, step, ours, theirs));
        }
    }
    println!();
    print_table(
        &[
            "configuration",
            "step",
            &format!("ours (median of {})", env.samples),
            &format!("progenitor (median of {})", env.samples),
            "ours / progenitor",
            "target",
            "met",
        ],
        &[false, false, true, true, true, false, false],
        &rows,
    );
    println!();
    let sizes: Vec<[String; 3]> = configs
        .iter()
        .zip(results)
        .map(|(config, (ours, theirs))| {
            [
                config.name.to_owned(),
                fmt_size(ours.as_ref().ok().and_then(|t| t.generated)),
                fmt_size(theirs.as_ref().ok().and_then(|t| t.generated)),
            ]
        })
        .collect();
    print_table(
        &["configuration", "ours: generated", "progenitor: generated"],
        &[false, true, true],
        &sizes,
    );
    print_notes(configs, results, progenitor);
}

/// One line of the main table: a step of a configuration, both sides, and its target.
fn time_row(config: &Config, step: &str, ours: &Outcome, theirs: &Outcome) -> [String; 7] {
    let pick = |outcome: &Outcome| -> Result<Option<Duration>, String> {
        let times = outcome.as_ref().map_err(|why| why.clone())?;
        let samples = match step {
            "check" => &times.check,
            "build" => &times.build,
            _ => &times.check_build_rs,
        };
        Ok((!samples.is_empty()).then(|| median(samples)))
    };
    let (ours, theirs) = (pick(ours), pick(theirs));
    let cell = |t: &Result<Option<Duration>, String>| match t {
        Ok(Some(d)) => fmt_s(*d),
        Ok(None) => "—".into(),
        Err(why) => short_reason(why),
    };
    let ratio = match (&ours, &theirs) {
        (Ok(Some(a)), Ok(Some(b))) => Some(a.as_secs_f64() / b.as_secs_f64().max(1e-9)),
        _ => None,
    };
    let (target, met) = verdict(
        config.target,
        step,
        ours.as_ref().ok().copied().flatten(),
        ratio,
    );
    [
        config.name.to_owned(),
        step.to_owned(),
        cell(&ours),
        cell(&theirs),
        ratio.map_or("—".into(), |r| format!("{r:.2}×")),
        target,
        met,
    ]
}

/// The target of a step, and whether it is met (`?` when what it needs was not measured).
fn verdict(
    target: Target,
    step: &str,
    ours: Option<Duration>,
    ratio: Option<f64>,
) -> (String, String) {
    let met = |ok: Option<bool>| match ok {
        Some(true) => "met".to_owned(),
        Some(false) => "NOT MET".to_owned(),
        None => "?".to_owned(),
    };
    match (target, step) {
        (Target::BuildRatio(max), "build") => {
            (format!("≤ {max}× progenitor"), met(ratio.map(|r| r <= max)))
        }
        (Target::Absolute { check, .. }, "check") => {
            (format!("≤ {}", fmt_s(check)), met(ours.map(|d| d <= check)))
        }
        (Target::Absolute { build, .. }, "build") => {
            (format!("≤ {}", fmt_s(build)), met(ours.map(|d| d <= build)))
        }
        _ => (String::new(), String::new()),
    }
}

/// The first words of a reason for the table; the notes below it give the whole of it.
fn short_reason(why: &str) -> String {
    if why.starts_with("n/a") {
        "n/a".into()
    } else {
        "skipped".into()
    }
}

fn print_notes(
    configs: &[&Config],
    results: &[(Outcome, Outcome)],
    progenitor: Option<&progenitor::Crates>,
) {
    println!();
    println!("check = `cargo check -p <crate>` after bumping its src/lib.rs's mtime; build = `cargo build -p <crate> --lib`, the same way.");
    println!("check, build.rs re-run = ours only: the same check after changing OVHCLOUD_SCHEMAS_DIR's spelling, so build.rs generates again.");
    println!("Each timed run compiled that crate alone (checked in `cargo -v` output); wall clock of the whole cargo invocation.");
    println!("ours = `ovhcloud --no-default-features --features <configuration>`; progenitor = its client generated from OVH's OpenAPI 3 rendition.");
    for (config, (_, theirs)) in configs.iter().zip(results) {
        if let (Subject::Renditions, Ok(times)) = (config.subject, theirs) {
            let modules: Vec<String> = times
                .renditions
                .iter()
                .map(|f| progenitor::module_name(f))
                .collect();
            println!(
                "renditions = the {} APIs with an OpenAPI 3 rendition that progenitor compiles: ours with --features {}; progenitor as one crate with a module each: {}.",
                times.renditions.len(),
                features_of(&times.renditions).join(","),
                modules.join(", ")
            );
        }
        for note in theirs.iter().flat_map(|t| &t.notes) {
            println!("  {}: {note}", config.name);
        }
    }
    if let Some(crates) = progenitor {
        for note in &crates.left_out {
            println!("  left out: {note}");
        }
        println!("all = ours with all 84 APIs; progenitor n/a (it has renditions for some APIs only: compare the `renditions` row).");
        print_patches(&crates.patches);
    }
    for (config, (ours, theirs)) in configs.iter().zip(results) {
        for (side, outcome) in [("ours", ours), ("progenitor", theirs)] {
            if let Err(why) = outcome {
                if !why.starts_with("n/a") || side == "ours" {
                    println!("{} / {side}: {why}", config.name);
                }
            }
        }
    }
}

/// The patches progenitor needed; the operationIds, added to every document, in one line.
fn print_patches(patches: &[(String, String)]) {
    println!("Patches progenitor needed (made in a copy of each document):");
    let (ids, others): (Vec<_>, Vec<_>) = patches
        .iter()
        .partition(|(_, what)| what.starts_with("added operationId"));
    let operations: usize = ids
        .iter()
        .filter_map(|(_, what)| what.split_whitespace().rev().nth(1)?.parse::<usize>().ok())
        .sum();
    if !ids.is_empty() {
        println!(
            "  {} documents: added operationId {{method}}_{{path}} (snake case, unique) to {operations} operations that had none",
            ids.len()
        );
    }
    for (file, what) in others {
        println!("  {file}: {what}");
    }
}

fn fmt_size(size: Option<Size>) -> String {
    size.map_or("?".into(), |s| {
        format!(
            "{} lines, {:.1} MB ({} files)",
            s.lines,
            s.bytes as f64 / 1e6,
            s.files
        )
    })
}

fn fmt_s(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}
