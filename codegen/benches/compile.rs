//! Compile-time benchmark of the root `ovhcloud` crate against a schema directory.
//!
//! ```text
//! cargo bench -p ovhcloud-codegen --bench compile
//! BENCH_SAMPLES=5 OVHCLOUD_SCHEMAS_DIR=/path/to/ovh-schemas cargo bench -p ovhcloud-codegen --bench compile
//! ```
//!
//! For each configuration — `--features all` and `--no-default-features --features
//! ovhCloudConnect` — it runs `cargo check -p ovhcloud` once untimed (builds the dependencies),
//! then `BENCH_SAMPLES` times (default 3) each of:
//!
//! * **lib**: the mtime of `src/lib.rs` is bumped (its content is not touched), so only the
//!   `ovhcloud` crate is re-checked: the build script does not re-run (it only reruns on its
//!   `rerun-if-*` inputs). This is the crate's own check time, the generated code included.
//! * **build.rs + lib**: `OVHCLOUD_SCHEMAS_DIR` alternates between two spellings of the same
//!   directory (`/x/ovh-schemas` and `/x/ovh-schemas/.`); the build script declares
//!   `rerun-if-env-changed=OVHCLOUD_SCHEMAS_DIR`, so it re-runs (generation in build.rs) without
//!   being recompiled and without any file changing, and then the crate is re-checked.
//!
//! The warm-up is one full check plus one untimed re-check after bumping `src/lib.rs` (the first
//! incremental re-check is much slower than the next ones). Each timed run is verified from
//! `cargo check -v`'s output (the crate was checked; the build script ran or did not).
//! Everything happens in a dedicated target directory,
//! `<workspace>/target/compile-bench` (override: `BENCH_TARGET_DIR`), so it never waits for the
//! lock held by the `cargo bench` that launched it. `OVHCLOUD_SCHEMAS_DIR` defaults to
//! `schemas` (the snapshot) relative to the workspace root; without it the benchmark says so and
//! exits successfully.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};
use support::{median, min, print_table};

struct Config {
    name: &'static str,
    args: &'static [&'static str],
    target: Duration,
}

const CONFIGS: &[Config] = &[
    Config {
        name: "all",
        args: &["--features", "all"],
        target: Duration::from_secs(90),
    },
    Config {
        name: "ovhCloudConnect",
        args: &["--no-default-features", "--features", "ovhCloudConnect"],
        target: Duration::from_secs(1),
    },
];

struct Measured {
    warmup: Duration,
    lib: Vec<Duration>,
    with_build: Vec<Duration>,
    lines: Option<(usize, usize, usize)>,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: compile benchmark failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen/ is inside the workspace")
        .to_owned();
    let schemas = match std::env::var_os("OVHCLOUD_SCHEMAS_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("schemas"),
    };
    if !schemas.join("v1").is_dir() && !schemas.join("v2").is_dir() {
        let line = "=".repeat(78);
        println!("{line}");
        println!(
            "SKIPPED: compile benchmark NOT RUN — no schema mirror at {}",
            schemas.display()
        );
        println!(
            "(expected v1/*.json and v2/*.json there; set OVHCLOUD_SCHEMAS_DIR to point at one)"
        );
        println!("{line}");
        eprintln!(
            "warning: compile benchmark skipped: {} does not exist",
            schemas.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let schemas = schemas
        .canonicalize()
        .map_err(|e| format!("{}: {e}", schemas.display()))?;
    let samples: usize = match std::env::var("BENCH_SAMPLES") {
        Ok(v) => v.trim().parse().ok().filter(|&n| n > 0).ok_or(format!(
            "BENCH_SAMPLES must be a positive integer, got {v:?}"
        ))?,
        Err(_) => 3,
    };
    let target_dir = match std::env::var_os("BENCH_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target/compile-bench"),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let lib_rs = workspace.join("src/lib.rs");

    println!("compile benchmark: cargo check -p ovhcloud, schemas {}, {samples} sample(s), target dir {}", schemas.display(), target_dir.display());

    // The two spellings of the schema directory; the build script re-runs when the value changes.
    let spellings = [schemas.clone(), schemas.join(".")];
    let mut results = Vec::new();
    for config in CONFIGS {
        let mut spelling = 0;
        let check = |spelling: usize, verbose: bool, json: bool| {
            let mut cmd = Command::new(&cargo);
            cmd.arg("check").arg("-p").arg("ovhcloud").args(config.args);
            if verbose {
                cmd.arg("-v");
            }
            if json {
                cmd.arg("--message-format=json");
            }
            cmd.current_dir(&workspace)
                .env_remove("CARGO_BUILD_TARGET_DIR")
                .env("CARGO_TARGET_DIR", &target_dir)
                .env("OVHCLOUD_SCHEMAS_DIR", &spellings[spelling])
                .stdin(Stdio::null());
            cmd
        };

        eprintln!(
            "[{}] warm-up (untimed; builds dependencies on the first run)…",
            config.name
        );
        let start = Instant::now();
        let output = check(spelling, false, true)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", cargo.to_string_lossy()))?;
        let warmup = start.elapsed();
        if !output.status.success() {
            print_diagnostics(&output.stdout);
            return Err(format!(
                "warm-up `cargo check -p ovhcloud {}` failed",
                config.args.join(" ")
            ));
        }
        let out_dir = find_out_dir(&output.stdout);
        // The first incremental re-check after a full check is much slower than the next ones
        // (measured 33-52 s against 15-17 s for `all`); keep it out of the samples.
        touch(&lib_rs)?;
        timed(check(spelling, false, false), config)?;

        let mut lib = Vec::new();
        let mut with_build = Vec::new();
        for sample in 1..=samples {
            // (i) only the crate: bump src/lib.rs's mtime.
            touch(&lib_rs)?;
            let (elapsed, stderr) = timed(check(spelling, true, false), config)?;
            if !checked_crate(&stderr) {
                return Err(format!(
                    "[{}] touching src/lib.rs did not re-check ovhcloud:\n{stderr}",
                    config.name
                ));
            }
            if ran_build_script(&stderr) {
                eprintln!(
                    "[{}] warning: the build script re-ran although only src/lib.rs was touched",
                    config.name
                );
            }
            lib.push(elapsed);

            // (ii) build script + crate: change the spelling of OVHCLOUD_SCHEMAS_DIR.
            spelling = 1 - spelling;
            let (elapsed_b, stderr) = timed(check(spelling, true, false), config)?;
            if !ran_build_script(&stderr) || !checked_crate(&stderr) {
                return Err(format!("[{}] changing OVHCLOUD_SCHEMAS_DIR did not re-run the build script and re-check:\n{stderr}", config.name));
            }
            with_build.push(elapsed_b);
            eprintln!(
                "[{}] sample {sample}/{samples}: lib {:.2} s, build.rs + lib {:.2} s",
                config.name,
                secs(elapsed),
                secs(elapsed_b)
            );
        }
        let lines = out_dir
            .as_deref()
            .or(newest_out_dir(&target_dir).as_deref())
            .map(|dir| {
                let mut totals = (0, 0, 0);
                count_rs(dir, &mut totals);
                totals
            });
        results.push(Measured {
            warmup,
            lib,
            with_build,
            lines,
        });
    }

    println!();
    let mut rows = Vec::new();
    for (config, m) in CONFIGS.iter().zip(&results) {
        let verdict = |d: Duration| if d < config.target { "met" } else { "NOT MET" };
        rows.push([
            format!("`{}`", config.name),
            m.lines.map_or("?".into(), |(files, lines, _)| {
                format!("{lines} ({files} files)")
            }),
            m.lines.map_or("?".into(), |(_, _, bytes)| {
                format!("{:.1} MB", bytes as f64 / 1e6)
            }),
            format!("{} (min {})", fmt_s(median(&m.lib)), fmt_s(min(&m.lib))),
            format!(
                "{} (min {})",
                fmt_s(median(&m.with_build)),
                fmt_s(min(&m.with_build))
            ),
            format!("< {}", fmt_s(config.target)),
            format!(
                "{} / {}",
                verdict(median(&m.lib)),
                verdict(median(&m.with_build))
            ),
            fmt_s(m.warmup),
        ]);
    }
    if let [all, one] = &results[..] {
        let ratio = |a: &[Duration], b: &[Duration]| {
            format!("{:.1}×", secs(median(a)) / secs(median(b)).max(1e-9))
        };
        let line_ratio = match (all.lines, one.lines) {
            (Some((_, a, _)), Some((_, b, _))) if b > 0 => format!("{:.1}×", a as f64 / b as f64),
            _ => "?".into(),
        };
        rows.push([
            format!("ratio {} / {}", CONFIGS[0].name, CONFIGS[1].name),
            line_ratio,
            String::new(),
            ratio(&all.lib, &one.lib),
            ratio(&all.with_build, &one.with_build),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    print_table(
        &[
            "configuration",
            "generated lines",
            "generated size",
            &format!("lib.rs touched: median of {samples}"),
            &format!("build.rs re-run: median of {samples}"),
            "target",
            "met (lib / build.rs)",
            "warm-up",
        ],
        &[false, true, true, true, true, true, false, true],
        &rows,
    );
    println!();
    println!("lib.rs touched  = `cargo check -p ovhcloud` after bumping src/lib.rs's mtime: the crate's own check (generated + runtime code).");
    println!("build.rs re-run = same, after changing OVHCLOUD_SCHEMAS_DIR's spelling: generation in build.rs (two passes) + the check.");
    println!("Times are wall clock of the whole cargo invocation (cargo's own overhead included), dependencies prebuilt.");
    Ok(ExitCode::SUCCESS)
}

fn timed(mut cmd: Command, config: &Config) -> Result<(Duration, String), String> {
    let start = Instant::now();
    let output = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(format!(
            "`cargo check -p ovhcloud {}` failed:\n{stderr}",
            config.args.join(" ")
        ));
    }
    Ok((elapsed, stderr))
}

/// `cargo check -v` prints `Running `rustc --crate-name ovhcloud …` when it re-checks the crate.
fn checked_crate(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.contains("Running `") && l.contains("--crate-name ovhcloud "))
}

/// … and `Running `…/build/ovhcloud-<hash>/build-script-build`` when the build script runs.
fn ran_build_script(stderr: &str) -> bool {
    stderr.lines().any(|l| {
        l.contains("Running `")
            && l.contains("build-script-build")
            && l.split(['/', '\\']).any(is_ovhcloud_unit_dir)
    })
}

/// `ovhcloud-<hash>`, not `ovhcloud-codegen-<hash>`.
fn is_ovhcloud_unit_dir(name: &str) -> bool {
    name.strip_prefix("ovhcloud-")
        .is_some_and(|hash| !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

fn touch(path: &Path) -> Result<(), String> {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.set_modified(SystemTime::now())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The `OUT_DIR` of the `ovhcloud` build script, from `--message-format=json` output.
fn find_out_dir(stdout: &[u8]) -> Option<PathBuf> {
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
            is_ovhcloud_unit_dir(unit).then_some(out_dir)
        })
}

/// Fallback: the most recently modified `debug/build/ovhcloud-*/out`.
fn newest_out_dir(target_dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(target_dir.join("debug/build"))
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(is_ovhcloud_unit_dir))
        .map(|e| e.path().join("out"))
        .filter(|p| p.is_dir())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
}

/// Adds the files, lines and bytes of the `.rs` files under `dir`.
fn count_rs(dir: &Path, totals: &mut (usize, usize, usize)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            count_rs(&path, totals);
        } else if path.extension().is_some_and(|e| e == "rs") {
            if let Ok(text) = std::fs::read_to_string(&path) {
                totals.0 += 1;
                totals.1 += text.lines().count();
                totals.2 += text.len();
            }
        }
    }
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

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn fmt_s(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{:.2} s", secs(d))
    } else {
        format!("{:.1} s", secs(d))
    }
}
