//! `ovhcloud-codegen`: generate typed Rust modules from OVHcloud API schemas.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[cfg(feature = "fast-alloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use ovhcloud_codegen::manifest::Manifest;
use ovhcloud_codegen::{generate, write_files, Selection};

#[derive(Parser)]
#[command(
    version,
    about = "Generate a typed Rust client from OVHcloud API schemas"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write formatted Rust modules for the schemas (all APIs unless --api is given).
    Generate {
        /// Directory holding v1/*.json and v2/*.json.
        #[arg(long, default_value = "schemas")]
        schemas: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "target/generated")]
        out: PathBuf,
        /// Only these APIs: a cargo feature name (`ovhCloudConnect`, `v2_iam`) or a path
        /// (`/dedicated/server`, `v2:/iam`). Repeatable.
        #[arg(long = "api")]
        apis: Vec<String>,
        /// Read this OpenAPI 3 document (JSON or YAML) instead of --schemas: every API it
        /// describes, with Scaleway's SDK conventions (methods named after operationIds; region,
        /// zone and project filled in by the client) as `scaleway-interlink` is built from
        /// `scaleway/schemas/interlink.v1beta1.json`.
        #[arg(long, conflicts_with_all = ["schemas", "apis"])]
        openapi: Option<PathBuf>,
        /// Exit with status 1 when anything had to be degraded (warnings), not only on errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// List the APIs in a schema directory with their counts, and what had to be degraded.
    List {
        #[arg(long, default_value = "schemas")]
        schemas: PathBuf,
        /// Exit with status 1 when anything had to be degraded (warnings), not only on errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Print the lock (files, hashes, sizes, sources, method names) of a schema directory as
    /// JSON; sources and method names already in its lock are kept.
    Manifest {
        #[arg(long, default_value = "schemas")]
        schemas: PathBuf,
        /// Print the `[features]` entries for Cargo.toml instead.
        #[arg(long)]
        cargo_features: bool,
        /// Write the lock to `SCHEMAS/manifest.json` instead of printing it.
        #[arg(long)]
        write: bool,
    },
    /// Download a snapshot: the `/1.0/` and `/v2/` listings and every schema they list, into
    /// DIR with its lock, replacing DIR only once everything was read and checked.
    Fetch(ovhcloud_codegen::fetch::FetchArgs),
    /// Compare two snapshots as changes to the generated Rust API, each classified breaking
    /// or not, and the semver bump they imply.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: ovhcloud_codegen::diff::Format,
        /// `breaking`: exit with status 1 when any change is breaking.
        #[arg(long, value_enum)]
        fail_on: Option<ovhcloud_codegen::diff::FailOn>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match cli.command {
        Command::Generate {
            schemas,
            out,
            apis,
            openapi,
            deny_warnings,
        } => {
            let selection = if apis.is_empty() {
                Selection::All
            } else {
                Selection::Only(apis)
            };
            let generation = match openapi {
                Some(document) => ovhcloud_codegen::generate_openapi(
                    &document,
                    &ovhcloud_codegen::plan::PlanOptions::scaleway(),
                )?,
                None => generate(&schemas, &selection)?,
            };
            write_files(&out, &generation.files)?;
            for conflict in &generation.ir.conflicts {
                let files: Vec<_> = conflict
                    .files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect();
                eprintln!(
                    "merged {} ({}): {}",
                    conflict.key,
                    files.join(", "),
                    conflict.details.join("; ")
                );
            }
            let status = report_problems(&generation, deny_warnings);
            println!("{} → {}", generation.summary(), out.display());
            Ok(status)
        }
        Command::List {
            schemas,
            deny_warnings,
        } => {
            let generation = generate(&schemas, &Selection::All)?;
            println!(
                "{:<8} {:<34} {:<34} {:>6} {:>7}",
                "branch", "api", "feature", "ops", "models"
            );
            for api in &generation.ir.apis {
                println!(
                    "{:<8} {:<34} {:<34} {:>6} {:>7}",
                    api.branch.dir_name(),
                    api.name,
                    api.feature(),
                    api.operations.len(),
                    api.models.len()
                );
            }
            Ok(report_problems(&generation, deny_warnings))
        }
        Command::Manifest {
            schemas,
            cargo_features,
            write,
        } => {
            let generation = generate(&schemas, &Selection::Only(vec![]))?;
            // Files that do not match the previous lock are what a refresh is for; a file that
            // cannot be read is left out of the new lock, and said.
            for error in generation.errors() {
                eprintln!("note: {error}");
            }
            let manifest = Manifest::from_plan(
                &generation.ir,
                &generation.plan,
                &Default::default(),
                generation.lock.as_ref(),
            );
            if cargo_features {
                print!("{}", manifest.cargo_features());
            } else if write {
                let path = schemas.join(ovhcloud_codegen::manifest::FILE_NAME);
                std::fs::write(&path, manifest.to_json())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                eprintln!("wrote {}", path.display());
            } else {
                print!("{}", manifest.to_json());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Fetch(args) => ovhcloud_codegen::fetch::run_cli(&args),
        Command::Diff {
            old,
            new,
            format,
            fail_on,
        } => ovhcloud_codegen::diff::run_cli(&old, &new, format, fail_on),
    }
}

/// Prints warnings, then errors, on stderr; the exit status: failure on any error, or on any
/// warning with `--deny-warnings`.
fn report_problems(generation: &ovhcloud_codegen::Generation, deny_warnings: bool) -> ExitCode {
    for warning in generation.warnings() {
        eprintln!("warning: {warning}");
    }
    for error in generation.errors() {
        eprintln!("error: {error}");
    }
    let failed = generation.errors().next().is_some()
        || (deny_warnings && generation.warnings().next().is_some());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
