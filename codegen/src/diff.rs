//! `diff`: two snapshots compared as changes to the generated Rust API (being written).

use std::path::Path;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum FailOn {
    Breaking,
}

pub fn run_cli(
    _old: &Path,
    _new: &Path,
    _format: Format,
    _fail_on: Option<FailOn>,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    Err("diff is not implemented yet".into())
}
