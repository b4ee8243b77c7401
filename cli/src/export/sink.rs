//! Where rows go, with the checkpoint that makes a killed run resume without fetching again what
//! is stored or writing a row twice: SQLite (a table per endpoint, typed columns, a key, upserts;
//! rows and checkpoint in one transaction), NDJSON or CSV files (the checkpoint records each
//! file's length after the rows it covers; a resumed run cuts what came after).

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use rusqlite::{params_from_iter, Connection};
use serde_json::{json, Value};

use super::columns::{Cell, Column};
use crate::error::{CliError, Result};

/// One row: a cell per column of its table, the key's first.
#[derive(Clone, Debug, PartialEq)]
pub struct Row(pub Vec<Cell>);

/// A call (by its path values) the checkpoint records: done, or skipped and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Done {
    pub key: String,
    pub skipped: Option<String>,
}

/// A table: its name, columns and key.
pub struct Table<'a> {
    pub name: &'a str,
    pub columns: &'a [Column],
    pub key: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Sqlite,
    Ndjson,
    Csv,
}

pub trait Sink {
    /// Creates the table (or file) if it is not there, adding columns the schema gained.
    fn prepare(&mut self, table: &Table<'_>) -> Result<()>;
    /// Writes rows and their calls' checkpoint entries, all or nothing.
    fn write(&mut self, table: &Table<'_>, rows: &[Row], done: &[Done]) -> Result<()>;
    /// The calls of `table` an interrupted run already did, when this run resumes it.
    fn done(&self, table: &str) -> Result<HashSet<String>>;
    /// The distinct values of `column` in `table`, for an endpoint taking them (`from`).
    fn values(&self, table: &Table<'_>, column: &str) -> Result<Vec<String>>;
    /// Marks the run finished: the next one starts over.
    fn finish(&mut self) -> Result<()>;
    /// Whether this run resumes an interrupted one.
    fn resumed(&self) -> bool;
}

/// Opens the sink at `out`: resumes the run there if it did not finish and had the same
/// configuration (`fingerprint`), unless `restart`.
pub fn open(format: Format, out: &Path, fingerprint: &str, restart: bool) -> Result<Box<dyn Sink>> {
    Ok(match format {
        Format::Sqlite => Box::new(Sqlite::open(out, fingerprint, restart)?),
        Format::Ndjson | Format::Csv => Box::new(Files::open(format, out, fingerprint, restart)?),
    })
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

// --- SQLite ---------------------------------------------------------------------------------

struct Sqlite {
    db: Connection,
    run: i64,
    resumed: bool,
}

impl Sqlite {
    fn open(path: &Path, fingerprint: &str, restart: bool) -> Result<Sqlite> {
        let fail = |e: rusqlite::Error| CliError::output(format!("{}: {e}", path.display()));
        let db = Connection::open(path).map_err(fail)?;
        db.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS _ovhcloud_export_runs (
                 run INTEGER PRIMARY KEY AUTOINCREMENT, config TEXT NOT NULL,
                 started TEXT NOT NULL, finished TEXT);
             CREATE TABLE IF NOT EXISTS _ovhcloud_export_calls (
                 run INTEGER NOT NULL, endpoint TEXT NOT NULL, key TEXT NOT NULL,
                 skipped TEXT, PRIMARY KEY (run, endpoint, key));",
        )
        .map_err(fail)?;
        let last: Option<(i64, String, Option<String>)> = db
            .query_row(
                "SELECT run, config, finished FROM _ovhcloud_export_runs ORDER BY run DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .ok();
        if let Some((run, config, None)) = last {
            if config == fingerprint && !restart {
                return Ok(Sqlite {
                    db,
                    run,
                    resumed: true,
                });
            }
        }
        db.execute(
            "INSERT INTO _ovhcloud_export_runs (config, started) VALUES (?1, datetime('now'))",
            [fingerprint],
        )
        .map_err(fail)?;
        let run = db.last_insert_rowid();
        Ok(Sqlite {
            db,
            run,
            resumed: false,
        })
    }
}

fn sql_error(e: rusqlite::Error) -> CliError {
    CliError::output(format!("SQLite: {e}"))
}

impl Sink for Sqlite {
    fn prepare(&mut self, table: &Table<'_>) -> Result<()> {
        let columns: Vec<String> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let not_null = if i < table.key { " NOT NULL" } else { "" };
                format!("{} {}{not_null}", quoted(&c.name), c.kind.sql())
            })
            .collect();
        let key: Vec<String> = table.columns[..table.key]
            .iter()
            .map(|c| quoted(&c.name))
            .collect();
        let key = if key.is_empty() {
            String::new()
        } else {
            format!(", PRIMARY KEY ({})", key.join(", "))
        };
        self.db
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {} ({}{key})",
                quoted(table.name),
                columns.join(", ")
            ))
            .map_err(sql_error)?;
        // Columns the schema gained since the table was made.
        let mut existing = HashSet::new();
        let mut statement = self
            .db
            .prepare(&format!("PRAGMA table_info({})", quoted(table.name)))
            .map_err(sql_error)?;
        let names = statement
            .query_map([], |r| r.get::<_, String>(1))
            .map_err(sql_error)?;
        for name in names {
            existing.insert(name.map_err(sql_error)?);
        }
        drop(statement);
        for c in table.columns.iter().filter(|c| !existing.contains(&c.name)) {
            self.db
                .execute_batch(&format!(
                    "ALTER TABLE {} ADD COLUMN {} {}",
                    quoted(table.name),
                    quoted(&c.name),
                    c.kind.sql()
                ))
                .map_err(sql_error)?;
        }
        Ok(())
    }

    fn write(&mut self, table: &Table<'_>, rows: &[Row], done: &[Done]) -> Result<()> {
        let names: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
        let slots: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let updates: Vec<String> = names[table.key..]
            .iter()
            .map(|n| format!("{n} = excluded.{n}"))
            .collect();
        let upsert = match (table.key, updates.is_empty()) {
            (0, _) => String::new(),
            (_, true) => format!(
                " ON CONFLICT ({}) DO NOTHING",
                names[..table.key].join(", ")
            ),
            (_, false) => format!(
                " ON CONFLICT ({}) DO UPDATE SET {}",
                names[..table.key].join(", "),
                updates.join(", ")
            ),
        };
        let insert = format!(
            "INSERT INTO {} ({}) VALUES ({}){upsert}",
            quoted(table.name),
            names.join(", "),
            slots.join(", ")
        );
        let tx = self.db.transaction().map_err(sql_error)?;
        {
            let mut statement = tx.prepare_cached(&insert).map_err(sql_error)?;
            for row in rows {
                statement
                    .execute(params_from_iter(row.0.iter().map(sql_value)))
                    .map_err(sql_error)?;
            }
            let mut mark = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO _ovhcloud_export_calls (run, endpoint, key, skipped) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(sql_error)?;
            for d in done {
                mark.execute(rusqlite::params![self.run, table.name, d.key, d.skipped])
                    .map_err(sql_error)?;
            }
        }
        tx.commit().map_err(sql_error)
    }

    fn done(&self, table: &str) -> Result<HashSet<String>> {
        let mut statement = self
            .db
            .prepare("SELECT key FROM _ovhcloud_export_calls WHERE run = ?1 AND endpoint = ?2")
            .map_err(sql_error)?;
        let keys = statement
            .query_map(rusqlite::params![self.run, table], |r| {
                r.get::<_, String>(0)
            })
            .map_err(sql_error)?;
        keys.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }

    fn values(&self, table: &Table<'_>, column: &str) -> Result<Vec<String>> {
        let mut statement = self
            .db
            .prepare(&format!(
                "SELECT DISTINCT CAST({c} AS TEXT) FROM {t} WHERE {c} IS NOT NULL ORDER BY 1",
                c = quoted(column),
                t = quoted(table.name)
            ))
            .map_err(sql_error)?;
        let values = statement
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(sql_error)?;
        values.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }

    fn finish(&mut self) -> Result<()> {
        self.db
            .execute(
                "UPDATE _ovhcloud_export_runs SET finished = datetime('now') WHERE run = ?1",
                [self.run],
            )
            .map_err(sql_error)?;
        Ok(())
    }

    fn resumed(&self) -> bool {
        self.resumed
    }
}

fn sql_value(cell: &Cell) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match cell {
        Cell::Null => V::Null,
        Cell::Integer(i) => V::Integer(*i),
        Cell::Real(r) => V::Real(*r),
        Cell::Text(t) => V::Text(t.clone()),
    }
}

// --- NDJSON and CSV files ------------------------------------------------------------------

/// One file per table in a directory, and `.ovhcloud-export.checkpoint` (NDJSON: the run's
/// configuration, then one line per call with the length of its table's file after its rows,
/// then `{"finished": true}`).
struct Files {
    format: Format,
    dir: PathBuf,
    checkpoint: File,
    /// Calls done, by table, when resuming.
    done: Vec<(String, String)>,
    resumed: bool,
}

const CHECKPOINT: &str = ".ovhcloud-export.checkpoint";

impl Files {
    fn open(format: Format, dir: &Path, fingerprint: &str, restart: bool) -> Result<Files> {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::output(format!("{}: {e}", dir.display())))?;
        let path = dir.join(CHECKPOINT);
        let previous = read_checkpoint(&path)?;
        let resume = !restart
            && previous.first().and_then(|l| l["config"].as_str()) == Some(fingerprint)
            && !previous.iter().any(|l| l["finished"] == json!(true));
        let mut done = Vec::new();
        if resume {
            // Cut each file to its length at its last checkpointed call.
            let mut lengths: Vec<(String, u64)> = Vec::new();
            for line in &previous[1..] {
                let (Some(table), Some(key), Some(length)) = (
                    line["table"].as_str(),
                    line["key"].as_str(),
                    line["length"].as_u64(),
                ) else {
                    continue;
                };
                done.push((table.to_owned(), key.to_owned()));
                match lengths.iter_mut().find(|(t, _)| t == table) {
                    Some(entry) => entry.1 = entry.1.max(length),
                    None => lengths.push((table.to_owned(), length)),
                }
            }
            for entry in std::fs::read_dir(dir).map_err(CliError::output)? {
                let file = entry.map_err(CliError::output)?.path();
                let Some(table) = table_of(&file, format) else {
                    continue;
                };
                let keep = lengths
                    .iter()
                    .find(|(t, _)| *t == table)
                    .map_or(0, |(_, l)| *l);
                let handle = OpenOptions::new()
                    .write(true)
                    .open(&file)
                    .map_err(CliError::output)?;
                handle.set_len(keep).map_err(CliError::output)?;
            }
        } else {
            for entry in std::fs::read_dir(dir).map_err(CliError::output)? {
                let file = entry.map_err(CliError::output)?.path();
                if table_of(&file, format).is_some() {
                    std::fs::remove_file(&file).map_err(CliError::output)?;
                }
            }
        }
        let mut checkpoint = OpenOptions::new()
            .create(true)
            .append(true)
            .truncate(false)
            .open(&path)
            .map_err(CliError::output)?;
        if !resume {
            checkpoint.set_len(0).map_err(CliError::output)?;
            writeln!(checkpoint, "{}", json!({ "config": fingerprint }))
                .map_err(CliError::output)?;
        }
        Ok(Files {
            format,
            dir: dir.to_owned(),
            checkpoint,
            done,
            resumed: resume,
        })
    }

    fn file(&self, table: &str) -> PathBuf {
        let extension = match self.format {
            Format::Csv => "csv",
            _ => "ndjson",
        };
        self.dir.join(format!("{table}.{extension}"))
    }
}

fn table_of(file: &Path, format: Format) -> Option<String> {
    let extension = match format {
        Format::Csv => "csv",
        _ => "ndjson",
    };
    (file.extension()? == extension).then(|| file.file_stem()?.to_str().map(str::to_owned))?
}

fn read_checkpoint(path: &Path) -> Result<Vec<Value>> {
    let Ok(file) = File::open(path) else {
        return Ok(Vec::new());
    };
    // A line cut by the kill is left out.
    Ok(BufReader::new(file)
        .lines()
        .map_while(std::result::Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect())
}

fn csv_text(cell: &Cell) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Integer(i) => i.to_string(),
        Cell::Real(r) => r.to_string(),
        Cell::Text(t) => t.clone(),
    }
}

impl Sink for Files {
    fn prepare(&mut self, table: &Table<'_>) -> Result<()> {
        let path = self.file(table.name);
        let fresh = std::fs::metadata(&path)
            .map(|m| m.len() == 0)
            .unwrap_or(true);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(CliError::output)?;
        if fresh && self.format == Format::Csv {
            let mut writer = csv::Writer::from_writer(file);
            writer
                .write_record(table.columns.iter().map(|c| c.name.as_str()))
                .and_then(|()| writer.flush().map_err(Into::into))
                .map_err(CliError::output)?;
        }
        Ok(())
    }

    fn write(&mut self, table: &Table<'_>, rows: &[Row], done: &[Done]) -> Result<()> {
        let path = self.file(table.name);
        let mut file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(CliError::output)?;
        match self.format {
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(&mut file);
                for row in rows {
                    writer
                        .write_record(row.0.iter().map(csv_text))
                        .map_err(CliError::output)?;
                }
                writer.flush().map_err(CliError::output)?;
            }
            _ => {
                let mut text = String::new();
                for row in rows {
                    let object: serde_json::Map<String, Value> = table
                        .columns
                        .iter()
                        .zip(&row.0)
                        .map(|(c, cell)| (c.name.clone(), cell.to_json()))
                        .collect();
                    text.push_str(&Value::Object(object).to_string());
                    text.push('\n');
                }
                file.write_all(text.as_bytes()).map_err(CliError::output)?;
            }
        }
        file.sync_data().map_err(CliError::output)?;
        let length = file.metadata().map_err(CliError::output)?.len();
        let mut lines = String::new();
        for d in done {
            lines.push_str(
                &json!({"table": table.name, "key": d.key, "skipped": d.skipped, "length": length})
                    .to_string(),
            );
            lines.push('\n');
        }
        self.checkpoint
            .write_all(lines.as_bytes())
            .map_err(CliError::output)?;
        self.checkpoint.sync_data().map_err(CliError::output)
    }

    fn done(&self, table: &str) -> Result<HashSet<String>> {
        Ok(self
            .done
            .iter()
            .filter(|(t, _)| t == table)
            .map(|(_, k)| k.clone())
            .collect())
    }

    fn values(&self, table: &Table<'_>, column: &str) -> Result<Vec<String>> {
        let path = self.file(table.name);
        let mut values = Vec::new();
        match self.format {
            Format::Csv => {
                let mut reader = csv::Reader::from_path(&path).map_err(CliError::output)?;
                let headers = reader.headers().map_err(CliError::output)?.clone();
                let index = headers.iter().position(|h| h == column);
                for record in reader.records() {
                    let record = record.map_err(CliError::output)?;
                    if let Some(v) = index.and_then(|i| record.get(i)).filter(|v| !v.is_empty()) {
                        values.push(v.to_owned());
                    }
                }
            }
            _ => {
                let file = File::open(&path).map_err(CliError::output)?;
                for line in BufReader::new(file).lines() {
                    let row: Value = serde_json::from_str(&line.map_err(CliError::output)?)
                        .map_err(CliError::output)?;
                    match &row[column] {
                        Value::Null => {}
                        Value::String(s) => values.push(s.clone()),
                        other => values.push(other.to_string()),
                    }
                }
            }
        }
        values.sort();
        values.dedup();
        Ok(values)
    }

    fn finish(&mut self) -> Result<()> {
        writeln!(self.checkpoint, "{}", json!({"finished": true})).map_err(CliError::output)?;
        self.checkpoint.sync_data().map_err(CliError::output)
    }

    fn resumed(&self) -> bool {
        self.resumed
    }
}
