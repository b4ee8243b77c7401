//! `fetch`: downloads a schema snapshot (being written).

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Debug)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct FetchArgs {
    /// `ovh-eu`, `ovh-ca`, `ovh-us`, `kimsufi-eu`, … or a URL.
    #[cfg_attr(feature = "cli", arg(long))]
    pub endpoint: String,
    /// Only these APIs. Repeatable.
    #[cfg_attr(feature = "cli", arg(long = "api"))]
    pub apis: Vec<String>,
    /// The snapshot directory to (re)write.
    #[cfg_attr(feature = "cli", arg(long))]
    pub out: PathBuf,
}

pub fn run_cli(_args: &FetchArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    Err("fetch is not implemented yet".into())
}
