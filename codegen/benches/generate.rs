//! Generation benchmark over a whole schema mirror: read → model → plan → emit (every API) →
//! write.
//!
//! ```text
//! cargo bench -p ovhcloud-codegen --bench generate
//! BENCH_ITERATIONS=3 OVHCLOUD_SCHEMAS_DIR=/path/to/ovh-schemas cargo bench -p ovhcloud-codegen --bench generate
//! ```
//!
//! `OVHCLOUD_SCHEMAS_DIR` (default `schemas`, the snapshot) is resolved against the workspace
//! root when relative, like `build.rs` does. Without that directory the benchmark says so and
//! exits successfully, so `cargo bench` does not fail on machines without the mirror.
//!
//! Prints the median and minimum wall time of each stage over `BENCH_ITERATIONS` runs (default
//! 7), the size of the generated code and the peak resident memory of the process (`VmHWM`),
//! next to the targets: the whole mirror in under 1 s and under 400 MB.

#[cfg(feature = "fast-alloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod support;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use support::{median, min, print_table};

use ovhcloud_codegen::{emit, model, plan, reader, write_files, Generation};

const TARGET_TOTAL: Duration = Duration::from_secs(1);
const TARGET_PEAK_MB: f64 = 400.0;

const STAGES: [&str; 5] = [
    "read (reader::load_dir)",
    "model (model::build)",
    "plan (plan::Plan::new)",
    "emit (emit::emit, all APIs)",
    "write (write_files, empty dir)",
];

fn main() -> ExitCode {
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
            "SKIPPED: generate benchmark NOT RUN — no schema mirror at {}",
            schemas.display()
        );
        println!(
            "(expected v1/*.json and v2/*.json there; set OVHCLOUD_SCHEMAS_DIR to point at one)"
        );
        println!("{line}");
        eprintln!(
            "warning: generate benchmark skipped: {} does not exist",
            schemas.display()
        );
        return ExitCode::SUCCESS;
    }
    let schemas = schemas.canonicalize().unwrap_or(schemas);
    let iterations: usize = match std::env::var("BENCH_ITERATIONS") {
        Ok(v) => match v.trim().parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("error: BENCH_ITERATIONS must be a positive integer, got {v:?}");
                return ExitCode::FAILURE;
            }
        },
        Err(_) => 7,
    };
    let scratch = match option_env!("CARGO_TARGET_TMPDIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir(),
    }
    .join(format!("ovhcloud-generate-bench-{}", std::process::id()));

    println!(
        "generate benchmark: {} ({iterations} iterations, output under {})",
        schemas.display(),
        scratch.display()
    );
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "allocator: {}, {threads} threads available",
        if cfg!(feature = "fast-alloc") {
            "mimalloc"
        } else {
            "system"
        }
    );

    // samples[stage][iteration]
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); STAGES.len()];
    let mut totals = Vec::new();
    let mut rewrites = Vec::new();
    let mut last: Option<Generation> = None;
    for i in 0..iterations {
        let out = scratch.join(format!("iter-{i}"));
        let _ = std::fs::remove_dir_all(&out);
        if let Err(e) = std::fs::create_dir_all(&out) {
            eprintln!("error: cannot create {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
        let start = Instant::now();
        let (loaded, read_errors) = reader::load_dir(&schemas);
        let t_read = start.elapsed();

        let t = Instant::now();
        let ir = model::build(loaded);
        let t_model = t.elapsed();

        let t = Instant::now();
        let plan = plan::Plan::new(&ir, &plan::Lock::default());
        let t_plan = t.elapsed();

        let t = Instant::now();
        let selected: Vec<usize> = (0..ir.apis.len()).collect();
        let files = match emit::emit(&ir, &plan, &selected) {
            Ok(files) => files,
            Err(e) => {
                eprintln!("error: emit failed: {e}");
                return ExitCode::FAILURE;
            }
        };
        let t_emit = t.elapsed();

        let t = Instant::now();
        if let Err(e) = write_files(&out, &files) {
            eprintln!("error: write_files failed: {e}");
            return ExitCode::FAILURE;
        }
        let t_write = t.elapsed();
        let total = start.elapsed();

        // Informative: a second write of identical files, which is what build.rs does on a rebuild.
        let t = Instant::now();
        if let Err(e) = write_files(&out, &files) {
            eprintln!("error: write_files (rewrite) failed: {e}");
            return ExitCode::FAILURE;
        }
        rewrites.push(t.elapsed());
        let _ = std::fs::remove_dir_all(&out);

        for (stage, d) in [t_read, t_model, t_plan, t_emit, t_write]
            .into_iter()
            .enumerate()
        {
            samples[stage].push(d);
        }
        totals.push(total);
        eprintln!(
            "  iteration {}/{iterations}: {:.0} ms (read {:.0}, model {:.0}, plan {:.0}, emit {:.0}, write {:.0})",
            i + 1,
            ms(total),
            ms(t_read),
            ms(t_model),
            ms(t_plan),
            ms(t_emit),
            ms(t_write)
        );
        // Keep only the last run's output alive for the summary; drop the previous one first so
        // that two generations are never resident together.
        drop(last.take());
        last = Some(Generation {
            ir,
            plan,
            selected,
            files,
            lock: None,
            read_errors,
            elapsed: total,
        });
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let generation = last.expect("at least one iteration");
    let summary = generation.summary();
    let peak_mb = peak_rss_mb();

    println!();
    let mut rows: Vec<[String; 3]> = Vec::new();
    for (name, s) in STAGES.iter().zip(&samples) {
        rows.push([name.to_string(), fmt_ms(median(s)), fmt_ms(min(s))]);
    }
    rows.push([
        "**total**".into(),
        format!("**{}**", fmt_ms(median(&totals))),
        format!("**{}**", fmt_ms(min(&totals))),
    ]);
    rows.push([
        "(rewrite unchanged files, not in total)".into(),
        fmt_ms(median(&rewrites)),
        fmt_ms(min(&rewrites)),
    ]);
    print_table(
        &["stage", &format!("median of {iterations}"), "min"],
        &[false, true, true],
        &rows,
    );

    println!();
    let mut info: Vec<[String; 2]> = vec![
        ["APIs emitted".into(), summary.apis.to_string()],
        ["operations".into(), summary.operations.to_string()],
        ["models".into(), summary.models.to_string()],
        ["conflicts merged".into(), summary.conflicts.to_string()],
        ["schema errors".into(), summary.errors.to_string()],
        ["generated files".into(), summary.files.to_string()],
        ["generated lines".into(), summary.lines.to_string()],
        [
            "generated bytes".into(),
            format!("{} ({:.1} MB)", summary.bytes, summary.bytes as f64 / 1e6),
        ],
    ];
    info.push([
        "peak memory (VmHWM)".into(),
        peak_mb.map_or("unknown (no /proc/self/status)".into(), |mb| {
            format!("{mb:.0} MB")
        }),
    ]);
    print_table(&["metric", "value"], &[false, true], &info);

    println!();
    let time_ok = median(&totals) < TARGET_TOTAL;
    let mem_ok = peak_mb.map(|mb| mb < TARGET_PEAK_MB);
    let verdict = |ok: Option<bool>| match ok {
        Some(true) => "met",
        Some(false) => "NOT MET",
        None => "unknown",
    };
    let targets = vec![
        [
            "whole mirror, total (median)".into(),
            format!("< {} ms", TARGET_TOTAL.as_millis()),
            fmt_ms(median(&totals)),
            verdict(Some(time_ok)).into(),
        ],
        [
            "peak memory".into(),
            format!("< {TARGET_PEAK_MB:.0} MB"),
            peak_mb.map_or("?".into(), |mb| format!("{mb:.0} MB")),
            verdict(mem_ok).into(),
        ],
    ];
    print_table(
        &["target", "goal", "measured", "status"],
        &[false, true, true, false],
        &targets,
    );
    if summary.errors > 0 {
        println!();
        println!(
            "note: {} schema error(s) in {}; the first ones:",
            summary.errors,
            schemas.display()
        );
        for e in generation.errors().take(5) {
            println!("  {e}");
        }
    }
    ExitCode::SUCCESS
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn fmt_ms(d: Duration) -> String {
    format!("{:.1} ms", ms(d))
}

/// Peak resident set size of this process, from `VmHWM` in `/proc/self/status` (Linux only).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
