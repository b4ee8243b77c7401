//! `ovhcloud`: call any OVHcloud API endpoint, signed and checked against its schema, and export
//! endpoints into tables (SQLite, NDJSON, CSV).
//!
//! Exit status: 0 success; 1 the API answered an error; 2 bad usage or input (unknown path,
//! bad parameter, bad configuration file: nothing was sent); 3 configuration or credentials;
//! 4 transport (unreachable, timed out, unreadable answer); 5 the output could not be written.

// `CliError::Api` keeps the runtime's error whole (status, OVH error code, query id, body);
// errors are the cold path, so its size is accepted.
#![allow(clippy::result_large_err)]

mod call;
mod catalog;
mod complete;
mod describe;
mod error;
mod export;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::ArgValueCompleter;
use ovhcloud_runtime::{Client, CredentialRequest, RateLimiter};

use crate::catalog::Catalog;
use crate::error::{CliError, Result};

#[derive(Parser)]
#[command(
    name = "ovhcloud",
    version,
    about = "Call any OVHcloud API endpoint, and export endpoints into tables"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Connection and schemas, for every subcommand. Configuration is the library's: these flags,
/// then `OVH_*` variables, then `ovh.conf` files.
#[derive(clap::Args)]
struct Global {
    /// Endpoint name (ovh-eu, ovh-ca, ovh-us, kimsufi-eu, …) or URL.
    #[arg(long, global = true)]
    endpoint: Option<String>,
    #[arg(long, global = true)]
    application_key: Option<String>,
    #[arg(long, global = true, hide_env_values = true)]
    application_secret: Option<String>,
    #[arg(long, global = true, hide_env_values = true)]
    consumer_key: Option<String>,
    /// OAuth2 service account instead of application keys.
    #[arg(long, global = true)]
    client_id: Option<String>,
    #[arg(long, global = true, hide_env_values = true)]
    client_secret: Option<String>,
    /// The OAuth2 token URL, for an endpoint given as a URL.
    #[arg(long, global = true)]
    oauth2_token_url: Option<String>,
    /// Schema snapshot directory (v1/, v2/) to check calls against; else the endpoint's own
    /// schemas, fetched once a day into ~/.cache/ovhcloud.
    #[arg(long, global = true, env = "OVHCLOUD_SCHEMAS")]
    schemas: Option<PathBuf>,
    /// Requests per second at most (OVH allows about 20 per application).
    #[arg(long, global = true)]
    rate_limit: Option<u32>,
}

#[derive(Subcommand)]
enum Command {
    /// Call one operation: `ovhcloud call GET /me/bill -q date.from=2024-01-01`.
    Call {
        /// GET, POST, PUT, DELETE (or PATCH).
        method: String,
        /// The path with its values: /me/bill/FR123, /v2/iam/policy. A value holding `/`
        /// is written %2F.
        #[arg(add = ArgValueCompleter::new(complete::paths))]
        path: String,
        /// A query parameter, key=value; repeat a key for a list.
        #[arg(short = 'q', long = "query", value_name = "KEY=VALUE", add = ArgValueCompleter::new(complete::query_keys))]
        query: Vec<String>,
        /// The JSON body, or @file.
        #[arg(long)]
        body: Option<String>,
        /// Sends X-Schemas-Version (v2).
        #[arg(long)]
        schemas_version: Option<String>,
        /// Prints the body as received instead of pretty JSON.
        #[arg(long)]
        raw: bool,
    },
    /// The APIs of the schemas (or of the endpoint).
    ListApis,
    /// What the schema says about the operations at a path.
    Describe {
        /// /me/bill/{billId} or /me/bill/FR123.
        #[arg(add = ArgValueCompleter::new(complete::paths))]
        path: String,
    },
    /// Consumer keys.
    Auth {
        #[command(subcommand)]
        command: AuthCommand,
    },
    /// Export endpoints into tables (see `export --help`).
    Export(export::ExportArgs),
    /// Prints a static completion script (subcommands and flags). For paths and parameter
    /// names too: `source <(COMPLETE=bash ovhcloud)` (zsh, fish, elvish, powershell alike).
    Completions { shell: clap_complete::Shell },
}

#[derive(Subcommand)]
enum AuthCommand {
    /// Asks for a consumer key and prints the URL where you validate it.
    Request {
        /// METHOD:PATH the key may call (`GET:/me/*`); repeatable. Default: GET on everything.
        #[arg(long = "allow", value_name = "METHOD:PATH")]
        allow: Vec<String>,
        /// Where OVH sends you once the key is validated.
        #[arg(long)]
        redirect: Option<String>,
    },
}

fn main() -> ExitCode {
    // `COMPLETE=bash ovhcloud …`: the shell asking for candidates.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let global = cli.global;
    match cli.command {
        Command::Call {
            method,
            path,
            query,
            body,
            schemas_version,
            raw,
        } => {
            let client = client(&global)?;
            let catalog = catalog_for(&global, &client, &[&path]).await?;
            let query = query
                .iter()
                .map(|q| {
                    q.split_once('=')
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .ok_or_else(|| CliError::usage(format!("-q {q}: expected KEY=VALUE")))
                })
                .collect::<Result<Vec<_>>>()?;
            let request = call::CallRequest {
                method,
                path,
                query,
                body,
                schemas_version,
            };
            let checked = call::check(&catalog, request)?;
            println!("{}", call::send(&client, &checked, raw).await?);
            Ok(())
        }
        Command::ListApis => {
            let client = client(&global)?;
            let catalog = match &global.schemas {
                Some(dir) => Catalog::load(dir)?,
                None => {
                    for api in describe::listing(client.root_url()).await? {
                        println!("{api}");
                    }
                    return Ok(());
                }
            };
            print!("{}", describe::apis(&catalog));
            Ok(())
        }
        Command::Describe { path } => {
            let client = client(&global)?;
            let catalog = catalog_for(&global, &client, &[&path]).await?;
            print!("{}", describe::operations(&catalog, &path)?);
            Ok(())
        }
        Command::Auth {
            command: AuthCommand::Request { allow, redirect },
        } => {
            let client = client(&global)?;
            let mut request = CredentialRequest::new();
            if allow.is_empty() {
                request = request.read_only();
            }
            for rule in &allow {
                let (method, path) = rule.split_once(':').ok_or_else(|| {
                    CliError::usage(format!("--allow {rule}: expected METHOD:PATH"))
                })?;
                crate::catalog::parse_method(method)?;
                request = request.allow(&method.to_ascii_uppercase(), path);
            }
            if let Some(url) = redirect {
                request = request.redirection(&url);
            }
            let answer = request.send(&client).await?;
            println!("Validate the key at: {}", answer.validation_url);
            println!(
                "then use it: export OVH_CONSUMER_KEY={}",
                answer.consumer_key.expose_secret()
            );
            Ok(())
        }
        Command::Export(args) => {
            let client = client(&global)?;
            export::run(&client, &global_schemas(&global), args).await
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "ovhcloud",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}

/// Where the schemas come from, for commands that load them per endpoint.
pub enum SchemaSource {
    Dir(PathBuf),
    /// Fetched from the endpoint into this cache.
    Fetched,
}

fn global_schemas(global: &Global) -> SchemaSource {
    match &global.schemas {
        Some(dir) => SchemaSource::Dir(dir.clone()),
        None => SchemaSource::Fetched,
    }
}

/// The schemas `paths` need: the snapshot directory, or the endpoint's, fetched.
async fn catalog_for(global: &Global, client: &Client, paths: &[&str]) -> Result<Catalog> {
    load_catalog(&global_schemas(global), client, paths).await
}

async fn load_catalog(source: &SchemaSource, client: &Client, paths: &[&str]) -> Result<Catalog> {
    match source {
        SchemaSource::Dir(dir) => Catalog::load(dir),
        SchemaSource::Fetched => {
            let root = client.root_url();
            let cache = catalog::cache_dir(root);
            let fetcher = catalog::fetcher()?;
            for path in paths {
                catalog::fetch_for(&fetcher, root, &cache, path).await?;
            }
            Catalog::load(&cache)
        }
    }
}

/// The client the flags and the environment describe; a missing key is said by the call that
/// needs it.
fn client(global: &Global) -> Result<Client> {
    let mut builder = Client::builder().from_env();
    if let Some(endpoint) = &global.endpoint {
        builder = builder.endpoint(endpoint);
    }
    match (&global.application_key, &global.application_secret, &global.consumer_key) {
        (Some(ak), Some(secret), Some(ck)) => builder = builder.application(ak, secret, ck),
        (Some(ak), Some(secret), None) => {
            builder = builder.application_without_consumer_key(ak, secret)
        }
        (None, None, None) => {}
        _ => {
            return Err(CliError::usage(
                "--application-key and --application-secret go together (with --consumer-key for signed calls)",
            ))
        }
    }
    match (&global.client_id, &global.client_secret) {
        (Some(id), Some(secret)) => {
            builder = builder.oauth2(id, secret);
            if let Some(url) = &global.oauth2_token_url {
                builder = builder.oauth2_token_url(url);
            }
        }
        (None, None) => {}
        _ => {
            return Err(CliError::usage(
                "--client-id and --client-secret go together",
            ))
        }
    }
    if let Some(per_second) = global.rate_limit {
        builder = builder.rate_limit(RateLimiter::new(per_second.max(1), 1));
    }
    Ok(builder.build()?)
}
