//! `diff`: two schema snapshots compared as changes to the generated Rust API, not to JSON text.
//!
//! Each snapshot is read into the resolved model ([`crate::generate`] with no API selected), and
//! its **public surface** is extracted ([`Surface`]): per API (cargo feature) the operations with
//! their method name, positional arguments, setters, body, response and status; per model the
//! Rust path, struct fields, enum variants and request-body variants. Every Rust name and type
//! comes from the generator's own [`Plan`](crate::plan::Plan), printed by the emitter's
//! [`rust_type`](crate::emit::rust_type) and [`argument_type`](crate::emit::argument_type), so
//! the diff shows what a user of the crate sees.
//!
//! The two surfaces are then compared ([`compare`]) into a list of [`Change`]s, each breaking or
//! not for users of the generated crate, and rendered ([`render`]) as text, a Markdown
//! changelog entry or JSON, ending with the semver bump they imply ([`Bump`]).
//!
//! The classification assumes the generated API is semver-friendly: structs and enums are
//! `#[non_exhaustive]`, enums have an `Unknown(..)` catch-all, required parameters are positional
//! arguments and optional ones builder setters, request bodies are built with `new(required
//! fields)` and public optional fields. Under those rules adding is safe and removing, retyping or
//! making something required is not.

mod compare;
mod render;
mod surface;

use std::collections::BTreeSet;
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::{Generation, Selection};

pub use compare::{compare, Bump, Change, Kind, Report, Section, SHARED};
pub use render::render;
pub use surface::{
    AliasSurface, ApiSurface, Argument, EnumSurface, FieldSurface, ModelShape, ModelSurface,
    OperationSurface, Position, Setter, StatusSurface, StructSurface, Surface,
};

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

/// `ovhcloud-codegen diff OLD NEW`: prints the report on stdout and the schema problems of either
/// snapshot on stderr (they do not stop the diff). Exit status 1 with `--fail-on breaking` when
/// something breaks, 0 otherwise; an unusable directory is an error.
pub fn run_cli(
    old: &Path,
    new: &Path,
    format: Format,
    fail_on: Option<FailOn>,
) -> Result<ExitCode, Box<dyn Error>> {
    let new = Snapshot::load_after(new, old)?;
    let old = Snapshot::load(old)?;
    for (side, snapshot) in [("old", &old), ("new", &new)] {
        for warning in &snapshot.warnings {
            eprintln!(
                "warning: {side} snapshot {}: {warning}",
                snapshot.dir.display()
            );
        }
    }
    let report = compare(&old, &new);
    let output = render(&report, format);
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // `| head` closing the pipe is not an error of the diff.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(match fail_on {
        Some(FailOn::Breaking) if report.breaking() > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// The model of a schema directory, without emitting any API. Only a directory that is not a
/// schema directory at all is an error; bad files become warnings.
fn read(dir: &Path) -> Result<Generation, Box<dyn Error>> {
    if !dir.is_dir() {
        return Err(format!("{}: is not a directory", dir.display()).into());
    }
    if !dir.join("v1").is_dir() && !dir.join("v2").is_dir() {
        return Err(format!("{}: has neither v1/ nor v2/ schemas", dir.display()).into());
    }
    Ok(crate::generate(dir, &Selection::Only(Vec::new()))?)
}

/// One schema directory, read and reduced to its public surface.
#[derive(Debug)]
pub struct Snapshot {
    pub dir: PathBuf,
    /// What changelogs call it: the day of its newest fetch (from the lock), else the
    /// directory's name.
    pub label: String,
    pub surface: Surface,
    /// Every schema problem found (`file: at /pointer: message`); the valid part is still
    /// compared.
    pub warnings: Vec<String>,
    /// Schema files (`v1/me.json`) that could not be read at all.
    pub unreadable: BTreeSet<String>,
}

impl Snapshot {
    /// Reads `dir` like `generate` does, without emitting any API. Only a directory that is not
    /// a schema directory at all is an error; bad files become warnings.
    pub fn load(dir: &Path) -> Result<Snapshot, Box<dyn Error>> {
        Ok(Snapshot::from_generation(dir, &read(dir)?))
    }

    /// Reads `dir` as the successor of `previous`: when `dir` has no lock of its own (a fresh
    /// fetch), it keeps the method and type names of `previous`'s lock, as regenerating from it
    /// would; otherwise a name collision would show as a rename that never happens.
    pub fn load_after(dir: &Path, previous: &Path) -> Result<Snapshot, Box<dyn Error>> {
        let mut generation = read(dir)?;
        if generation.lock.is_none() {
            if let Ok(Some(lock)) = crate::manifest::load(previous) {
                generation.plan = crate::Plan::new(&generation.ir, &lock.names());
            }
        }
        Ok(Snapshot::from_generation(dir, &generation))
    }

    /// The surface of an already generated model (`generation.lock` gives the label).
    pub fn from_generation(dir: &Path, generation: &Generation) -> Snapshot {
        let label = generation
            .lock
            .as_ref()
            .and_then(|lock| lock.snapshot_date())
            .map(str::to_owned)
            .unwrap_or_else(|| dir_label(dir));
        let read: BTreeSet<&Path> = generation
            .ir
            .apis
            .iter()
            .map(|a| a.file.as_path())
            .collect();
        let unreadable = generation
            .read_errors
            .iter()
            .filter(|e| !read.contains(e.file.as_path()))
            .filter_map(|e| schema_file_name(&e.file))
            .collect();
        Snapshot {
            dir: dir.to_owned(),
            label,
            surface: Surface::of(&generation.ir, &generation.plan),
            warnings: generation
                .errors()
                .chain(generation.warnings())
                .map(|e| e.to_string())
                .collect(),
            unreadable,
        }
    }
}

fn dir_label(dir: &Path) -> String {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    name(dir)
        .or_else(|| dir.canonicalize().ok().as_deref().and_then(name))
        .unwrap_or_else(|| dir.display().to_string())
}

/// `v1/me.json` for `…/v1/me.json`, the way the lock names files.
fn schema_file_name(file: &Path) -> Option<String> {
    let branch = file.parent()?.file_name()?.to_str()?;
    let name = file.file_name()?.to_str()?;
    (matches!(branch, "v1" | "v2") && name.ends_with(".json")).then(|| format!("{branch}/{name}"))
}
