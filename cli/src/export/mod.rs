//! `ovhcloud export`: endpoints into tables, typed from the schema, resumable.

pub mod columns;
pub mod config;
mod fetch;
mod plan;
mod sink;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use ovhcloud_runtime::Client;

use self::config::{EndpointSpec, Example, ParamSpec, QueryValue};
use self::sink::Format;
use crate::error::{CliError, Result};
use crate::SchemaSource;

/// `ovhcloud export`: one endpoint from flags, several from `--config`, or `--example`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// A TOML file of endpoints (see the README: `[[endpoints]]` with name, method, path,
    /// params, query, body).
    #[arg(long, short = 'c', conflicts_with_all = ["example", "path"])]
    config: Option<PathBuf>,
    /// A ready-made endpoint set.
    #[arg(long, value_enum, conflicts_with = "path")]
    example: Option<Example>,
    /// One endpoint's path (`/me/bill/{billId}`); a `{parameter}` left in it is listed by its
    /// collection.
    #[arg(long, add = clap_complete::ArgValueCompleter::new(crate::complete::paths))]
    path: Option<String>,
    #[arg(long, default_value = "GET", requires = "path")]
    method: String,
    /// The table's name (default: from the path).
    #[arg(long, requires = "path")]
    name: Option<String>,
    /// A path parameter's values: NAME=VALUE, repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE", requires = "path")]
    params: Vec<String>,
    /// A query parameter: KEY=VALUE (`date.from=2024-01-01`).
    #[arg(
        short = 'q',
        long = "query",
        value_name = "KEY=VALUE",
        requires = "path"
    )]
    query: Vec<String>,
    /// Where rows go.
    #[arg(long, value_enum, default_value = "sqlite")]
    format: Format,
    /// The SQLite file, or the directory of NDJSON/CSV files.
    #[arg(long, short = 'o', default_value = "ovhcloud-export.sqlite")]
    out: PathBuf,
    /// Calls in flight at most (always inside the rate limit).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Starts over even if the last run at --out did not finish.
    #[arg(long)]
    restart: bool,
    /// Plain progress lines even on a terminal.
    #[arg(long)]
    plain: bool,
}

impl ExportArgs {
    fn endpoints(&self) -> Result<Vec<EndpointSpec>> {
        if let Some(file) = &self.config {
            return config::read(file);
        }
        if let Some(example) = self.example {
            return Ok(example.endpoints());
        }
        let Some(path) = &self.path else {
            return Err(CliError::usage(
                "export needs --config FILE, --example NAME or --path PATH",
            ));
        };
        let pair = |text: &String, flag: &str| {
            text.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| CliError::usage(format!("{flag} {text}: expected NAME=VALUE")))
        };
        let mut params = std::collections::BTreeMap::new();
        for p in &self.params {
            let (name, value) = pair(p, "--param")?;
            params.insert(name, ParamSpec::One(value));
        }
        let mut query = std::collections::BTreeMap::new();
        for q in &self.query {
            let (name, value) = pair(q, "-q")?;
            query.insert(name, QueryValue::Text(value));
        }
        let name = self.name.clone().unwrap_or_else(|| {
            path.split('/')
                .filter(|s| !s.is_empty() && !s.starts_with('{'))
                .collect::<Vec<_>>()
                .join("_")
        });
        Ok(vec![EndpointSpec {
            name,
            method: self.method.clone(),
            path: path.clone(),
            params,
            query,
            body: None,
        }])
    }
}

pub async fn run(client: &Client, schemas: &SchemaSource, args: ExportArgs) -> Result<()> {
    let specs = args.endpoints()?;
    let paths: Vec<&str> = specs.iter().map(|s| s.path.as_str()).collect();
    let catalog = crate::load_catalog(schemas, client, &paths).await?;
    let endpoints = plan::plan(&catalog, specs.clone())?;
    // Nothing is written before every endpoint checked out.
    let fingerprint = format!("{specs:?}");
    let mut sink = sink::open(args.format, &args.out, &fingerprint, args.restart)?;
    let progress = Progress::new(!args.plain && std::io::stderr().is_terminal());
    if sink.resumed() {
        progress.line(&format!(
            "resuming the unfinished run in {}",
            args.out.display()
        ));
    }
    let start = Instant::now();
    let mut summary = Vec::new();
    for (i, endpoint) in endpoints.iter().enumerate() {
        let mut runner = fetch::Runner {
            client,
            sink: sink.as_mut(),
            concurrency: args.concurrency,
            progress: &progress,
        };
        let outcome = runner.run(endpoint, &endpoints[..i]).await?;
        summary.push((endpoint.table().to_owned(), outcome));
    }
    sink.finish()?;
    let traffic = client.traffic();
    eprintln!(
        "done in {:.1} s: {} requests ({} retried), {:.1} requests/s",
        start.elapsed().as_secs_f64(),
        traffic.sent(),
        traffic.retried(),
        fetch::rate(traffic.sent(), start)
    );
    for (table, outcome) in &summary {
        eprintln!(
            "  {table}: {} rows from {} calls{}{}",
            outcome.rows,
            outcome.calls,
            if outcome.resumed > 0 {
                format!(", {} already done", outcome.resumed)
            } else {
                String::new()
            },
            if outcome.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} skipped", outcome.skipped.len())
            }
        );
        for (key, reason) in &outcome.skipped {
            eprintln!("    skipped {key}: {reason}");
        }
    }
    Ok(())
}

/// Progress: bars on a terminal, plain lines otherwise.
pub struct Progress {
    bars: bool,
}

impl Progress {
    fn new(bars: bool) -> Progress {
        Progress { bars }
    }

    fn line(&self, text: &str) {
        eprintln!("{text}");
    }

    fn bar(&self, table: &str) -> Bar {
        let bar = self.bars.then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>16} [{bar:30}] {pos}/{len} items, {msg}, {per_sec}, eta {eta}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_prefix(table.to_owned());
            bar
        });
        Bar {
            bar,
            table: table.to_owned(),
            start: Instant::now(),
        }
    }
}

/// One endpoint's progress.
pub struct Bar {
    bar: Option<ProgressBar>,
    table: String,
    start: Instant,
}

impl Bar {
    fn start(&self, todo: u64, done: u64) {
        if let Some(bar) = &self.bar {
            bar.inc_length(todo);
        } else if todo > 0 || done > 0 {
            eprintln!("{}: {todo} calls to make, {done} already done", self.table);
        }
    }

    /// One more item; `requests`: the client's requests so far.
    fn inc(&self, requests: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!("{requests} requests"));
        }
    }

    fn finish(&self, outcome: &fetch::Outcome) {
        match &self.bar {
            Some(bar) => bar.finish(),
            None => eprintln!(
                "{}: {} rows, {} calls, {:.1} calls/s",
                self.table,
                outcome.rows,
                outcome.calls,
                fetch::rate(outcome.calls, self.start)
            ),
        }
    }
}
