//! Running one endpoint: its path values (given, listed by collections, or taken from an
//! earlier table), then one call per set of values, at most `concurrency` at a time inside the
//! client's rate limit — or, where the last value is listed, the collection's expanded listing
//! (objects in pages) instead of one call per id. Rows and checkpoint go to the sink in batches.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ovhcloud_runtime::{Call, Client};
use serde_json::Value;

use super::columns::{cell, Cell};
use super::plan::{Endpoint, Shape, Source};
use super::sink::{Done, Row, Sink, Table};
use super::Progress;
use crate::error::Result;

/// The call of `template` with the first path values of `binding`.
fn call<'c, R>(
    client: &'c Client,
    endpoint: &Endpoint<'_>,
    method: ovhcloud_schema::reader::HttpMethod,
    template: &str,
    binding: &[String],
) -> Call<'c, R> {
    let mut call = Call::new(client, endpoint.branch, method, template.to_owned());
    for value in binding.iter().take(template.matches('{').count()) {
        call = call.path(value.as_str());
    }
    call
}

/// Calls recorded per transaction at most…
const BATCH: usize = 200;
/// …and the longest they wait to be: what a killed run fetches again.
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// Items per page of an expanded listing.
const PAGE_SIZE: usize = 500;

/// What an endpoint's run did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub rows: u64,
    pub calls: u64,
    /// Calls skipped because a resumed run had done them.
    pub resumed: u64,
    /// `(path values, reason)` of the calls that failed for one item (404: deleted meanwhile).
    pub skipped: Vec<(String, String)>,
}

/// The path values of one call, in path order.
type Binding = Vec<String>;

pub struct Runner<'a> {
    pub client: &'a Client,
    pub sink: &'a mut dyn Sink,
    pub concurrency: usize,
    pub progress: &'a Progress,
}

impl Runner<'_> {
    pub async fn run(
        &mut self,
        endpoint: &Endpoint<'_>,
        earlier: &[Endpoint<'_>],
    ) -> Result<Outcome> {
        let table = Table {
            name: endpoint.table(),
            columns: &endpoint.columns,
            key: endpoint.key.len(),
        };
        self.sink.prepare(&table)?;
        let done = self.sink.done(table.name)?;
        let mut outcome = Outcome::default();
        let listed_last = endpoint.listed_last();
        let count = endpoint.params.len() - usize::from(listed_last.is_some());
        let bindings = self
            .bindings(endpoint, earlier, count, &mut outcome)
            .await?;
        let bar = self.progress.bar(table.name);
        match listed_last {
            Some(collection) => {
                for binding in bindings {
                    self.expanded(
                        endpoint,
                        &table,
                        collection,
                        binding,
                        &done,
                        &mut outcome,
                        &bar,
                    )
                    .await?;
                }
            }
            None => {
                self.each(endpoint, &table, bindings, &done, &mut outcome, &bar)
                    .await?
            }
        }
        bar.finish(&outcome);
        Ok(outcome)
    }

    /// The values of the first `count` path parameters, every combination.
    async fn bindings(
        &mut self,
        endpoint: &Endpoint<'_>,
        earlier: &[Endpoint<'_>],
        count: usize,
        outcome: &mut Outcome,
    ) -> Result<Vec<Binding>> {
        let mut bindings: Vec<Binding> = vec![Vec::new()];
        for (_, source) in &endpoint.params[..count] {
            let mut next = Vec::new();
            for binding in bindings {
                let values = match source {
                    Source::Values(values) => values.clone(),
                    Source::From {
                        endpoint: from,
                        column,
                    } => {
                        let parent = earlier.iter().find(|e| e.table() == from).expect("planned");
                        let table = Table {
                            name: parent.table(),
                            columns: &parent.columns,
                            key: parent.key.len(),
                        };
                        self.sink.values(&table, column)?
                    }
                    Source::Listed { collection } => {
                        match self.list(endpoint, collection, &binding).await {
                            Ok(ids) => ids,
                            Err(e) if is_gone(&e) => {
                                outcome.skipped.push((key_text(&binding), e.to_string()));
                                continue;
                            }
                            Err(e) => return Err(e.into()),
                        }
                    }
                };
                for value in values {
                    let mut longer = binding.clone();
                    longer.push(value);
                    next.push(longer);
                }
            }
            bindings = next;
        }
        Ok(bindings)
    }

    /// The ids `collection` lists for the values bound so far.
    async fn list(
        &self,
        endpoint: &Endpoint<'_>,
        collection: &str,
        binding: &[String],
    ) -> std::result::Result<Vec<String>, ovhcloud_runtime::Error> {
        let mut call = call(
            self.client,
            endpoint,
            ovhcloud_schema::reader::HttpMethod::Get,
            collection,
            binding,
        );
        for (name, value) in endpoint.listing_query.get(collection).into_iter().flatten() {
            call = call.query(name.to_string(), value);
        }
        let ids: Vec<Value> = call.await?;
        Ok(ids.iter().map(id_text).collect())
    }

    /// One call per binding, `concurrency` at a time; rows written in batches.
    #[allow(clippy::too_many_arguments)]
    async fn each(
        &mut self,
        endpoint: &Endpoint<'_>,
        table: &Table<'_>,
        bindings: Vec<Binding>,
        done: &HashSet<String>,
        outcome: &mut Outcome,
        bar: &super::Bar,
    ) -> Result<()> {
        let (todo, skip): (Vec<Binding>, Vec<Binding>) = bindings
            .into_iter()
            .partition(|b| !done.contains(&key_text(b)));
        outcome.resumed += skip.len() as u64;
        bar.start(todo.len() as u64, skip.len() as u64);
        let body = endpoint.spec.body_json().map(|b| b.to_string());
        let client = self.client;
        let mut answers = futures_util::stream::iter(todo)
            .map(|binding| {
                let mut call: Call<'_, Value> = call(
                    client,
                    endpoint,
                    endpoint.op.method,
                    &endpoint.op.path,
                    &binding,
                );
                for (name, value) in &endpoint.query {
                    call = call.query(name.to_string(), value);
                }
                if let Some(body) = &body {
                    call = call.raw_body(body.clone());
                }
                async move { (binding, call.await) }
            })
            .buffer_unordered(self.concurrency.max(1));
        let mut rows = Vec::new();
        let mut marks = Vec::new();
        let mut failure = None;
        let mut flushed = Instant::now();
        while let Some((binding, answer)) = answers.next().await {
            outcome.calls += 1;
            bar.inc(self.client.traffic().sent());
            let key = key_text(&binding);
            match answer {
                Ok(value) => {
                    rows.extend(rows_of(endpoint, &binding, &value));
                    marks.push(Done { key, skipped: None });
                }
                Err(e) if is_gone(&e) => {
                    outcome.skipped.push((key.clone(), e.to_string()));
                    marks.push(Done {
                        key,
                        skipped: Some(e.to_string()),
                    });
                }
                Err(e) => {
                    // Keep what was fetched; a new run resumes after it.
                    failure = Some(e);
                    break;
                }
            }
            if marks.len() >= BATCH || flushed.elapsed() >= FLUSH_EVERY {
                outcome.rows += rows.len() as u64;
                write(self.sink, table, &mut rows, &mut marks)?;
                flushed = Instant::now();
            }
        }
        drop(answers);
        outcome.rows += rows.len() as u64;
        write(self.sink, table, &mut rows, &mut marks)?;
        match failure {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// The items of `collection` as objects in pages (`X-Pagination-Mode`); where it answers
    /// ids instead, one call per id.
    #[allow(clippy::too_many_arguments)]
    async fn expanded(
        &mut self,
        endpoint: &Endpoint<'_>,
        table: &Table<'_>,
        collection: &str,
        binding: Binding,
        done: &HashSet<String>,
        outcome: &mut Outcome,
        bar: &super::Bar,
    ) -> Result<()> {
        let (last, _) = endpoint.params.last().expect("a listed parameter");
        for number in 1.. {
            let mut call = call(
                self.client,
                endpoint,
                ovhcloud_schema::reader::HttpMethod::Get,
                collection,
                &binding,
            )
            .header("X-Pagination-Mode", "CachedObjectList-Pages")
            .header("X-Pagination-Size", &PAGE_SIZE)
            .header("X-Pagination-Number", &number);
            for (name, value) in endpoint.listing_query.get(collection).into_iter().flatten() {
                call = call.query(name.to_string(), value);
            }
            let page: Vec<Value> = match call.await {
                Ok(page) => page,
                Err(e) if is_gone(&e) => {
                    outcome.skipped.push((key_text(&binding), e.to_string()));
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            };
            outcome.calls += 1;
            let objects = page
                .iter()
                .all(|v| v.get(last).is_some_and(|id| !id.is_null()));
            if !objects || page.is_empty() && number == 1 {
                // Ids (the endpoint has no expanded listing): one call per id.
                let bindings = page
                    .iter()
                    .map(|id| {
                        let mut b = binding.clone();
                        b.push(id_text(id));
                        b
                    })
                    .collect();
                return self
                    .each(endpoint, table, bindings, done, outcome, bar)
                    .await;
            }
            if number == 1 {
                bar.start(0, 0);
            }
            let mut rows = Vec::new();
            let mut marks = Vec::new();
            for object in &page {
                let mut full = binding.clone();
                full.push(id_text(&object[last.as_str()]));
                let key = key_text(&full);
                if done.contains(&key) {
                    outcome.resumed += 1;
                    continue;
                }
                rows.extend(rows_of(endpoint, &full, object));
                marks.push(Done { key, skipped: None });
                bar.inc(self.client.traffic().sent());
            }
            outcome.rows += rows.len() as u64;
            write(self.sink, table, &mut rows, &mut marks)?;
            if page.len() < PAGE_SIZE {
                break;
            }
        }
        Ok(())
    }
}

fn write(
    sink: &mut dyn Sink,
    table: &Table<'_>,
    rows: &mut Vec<Row>,
    marks: &mut Vec<Done>,
) -> Result<()> {
    if rows.is_empty() && marks.is_empty() {
        return Ok(());
    }
    sink.write(table, rows, marks)?;
    rows.clear();
    marks.clear();
    Ok(())
}

/// The rows one answer gives: the path values, then the answer's columns.
fn rows_of(endpoint: &Endpoint<'_>, binding: &[String], answer: &Value) -> Vec<Row> {
    let key_cells = |extra: Option<Cell>| -> Vec<Cell> {
        endpoint
            .key
            .iter()
            .zip(
                binding
                    .iter()
                    .map(|v| Some(v.as_str()))
                    .chain(std::iter::repeat(None)),
            )
            .filter_map(|(column, value)| value.map(|v| typed_key(column.kind, v)))
            .chain(extra)
            .collect()
    };
    let values = &endpoint.columns[endpoint.key.len()..];
    match (endpoint.shape, answer) {
        (Shape::List, Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let element = if item.is_object() {
                    Cell::Integer(i as i64)
                } else {
                    typed_key(
                        endpoint.key.last().expect("an element key").kind,
                        &id_text(item),
                    )
                };
                let mut cells = key_cells(Some(element));
                cells.extend(values.iter().map(|c| cell(item, c)));
                Row(cells)
            })
            .collect(),
        (_, answer) => {
            let mut cells = key_cells(None);
            cells.extend(values.iter().map(|c| cell(answer, c)));
            vec![Row(cells)]
        }
    }
}

fn typed_key(kind: super::columns::Kind, text: &str) -> Cell {
    match (kind, text.parse::<i64>()) {
        (super::columns::Kind::Integer, Ok(i)) => Cell::Integer(i),
        _ => Cell::Text(text.to_owned()),
    }
}

fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A call's path values as the checkpoint keys it.
fn key_text(binding: &[String]) -> String {
    serde_json::to_string(binding).expect("strings serialize")
}

/// The item is gone (deleted meanwhile): skip it, not the run.
fn is_gone(error: &ovhcloud_runtime::Error) -> bool {
    error.status() == Some(404)
}

/// `count` per second since `since`.
pub fn rate(count: u64, since: Instant) -> f64 {
    let seconds = since.elapsed().max(Duration::from_millis(1)).as_secs_f64();
    count as f64 / seconds
}
