//! Expanded v1 listings: a collection's objects, in pages, instead of its ids and one call per
//! item.
//!
//! A v1 collection (`GET /me/bill`) answers with ids; each object is one more call
//! (`GET /me/bill/{billId}`). Asked with `X-Pagination-Mode: CachedObjectList-Pages`, OVH answers
//! with the objects themselves, `X-Pagination-Size` at a time (page `X-Pagination-Number`,
//! from 1), filtered by `X-Pagination-Filter` (`field:eq=value`, `field:in=a,b`,
//! `field:like=%x%`, joined with `&`) and sorted by `X-Pagination-Sort` /
//! `X-Pagination-Sort-Order`, with the total in `X-Pagination-Elements`. Listing 1,000 bills is
//! then 10 calls instead of 1,001.
//!
//! Generated collections offer it as `.expanded()`; filter and sort fields are typed (one enum
//! per item model, in the API's `fields` module). Where an endpoint ignores the mode and answers
//! ids, the listing falls back to fetching each item, and applies filters, sort and pages itself
//! (logged at `info`), so the same code works against both.

use std::cmp::Ordering;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use futures_util::{Stream, TryStreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::call::{encode_error, Call, Request, UNRESERVED};
use crate::pipeline::Response;
use crate::{Client, ItemStream, Method, Result};

/// A field of an item model that an expanded listing filters or sorts on.
pub trait Field: Copy {
    /// The JSON member name.
    fn name(self) -> &'static str;
}

/// A condition on one field.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    op: FilterOp,
    values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum FilterOp {
    Eq,
    In,
    Like,
}

impl Filter {
    /// The field equals `value` (compared as text).
    pub fn eq(value: impl Serialize) -> Filter {
        Filter {
            op: FilterOp::Eq,
            values: vec![text(value)],
        }
    }

    /// The field equals one of `values`.
    pub fn is_in<V: Serialize>(values: impl IntoIterator<Item = V>) -> Filter {
        Filter {
            op: FilterOp::In,
            values: values.into_iter().map(text).collect(),
        }
    }

    /// The field matches an SQL `LIKE` pattern: `%` any run of characters, `_` one.
    pub fn like(pattern: impl Into<String>) -> Filter {
        Filter {
            op: FilterOp::Like,
            values: vec![pattern.into()],
        }
    }

    /// `field:op=value` as `X-Pagination-Filter` takes it, values percent-encoded.
    fn header_clause(&self, field: &str) -> String {
        let op = match self.op {
            FilterOp::Eq => "eq",
            FilterOp::In => "in",
            FilterOp::Like => "like",
        };
        let values: Vec<String> = self
            .values
            .iter()
            .map(|v| percent_encoding::utf8_percent_encode(v, UNRESERVED).to_string())
            .collect();
        format!("{field}:{op}={}", values.join(","))
    }

    /// The same test, done here (for endpoints that answer ids).
    fn matches(&self, value: Option<&Value>) -> bool {
        let Some(value) = value.map(value_text) else {
            return false;
        };
        match self.op {
            FilterOp::Eq | FilterOp::In => self.values.contains(&value),
            FilterOp::Like => like(self.values[0].as_bytes(), value.as_bytes()),
        }
    }
}

/// Text of a value as filters compare it: strings as they are, other values as JSON.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn text(value: impl Serialize) -> String {
    serde_json::to_value(value)
        .map(|v| value_text(&v))
        .unwrap_or_default()
}

/// SQL `LIKE` over bytes: `%` any run, `_` one byte.
fn like(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'%', rest)) => (0..=text.len()).any(|i| like(rest, &text[i..])),
        Some((b'_', rest)) => !text.is_empty() && like(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && like(rest, &text[1..]),
    }
}

/// Sort order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    Asc,
    Desc,
}

/// One page of an expanded listing.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// From 1.
    pub number: u64,
    /// How many items match, over every page (`X-Pagination-Elements`).
    pub total: Option<u64>,
}

/// An expanded listing being built: set filters, sort and page size, then `.await` it for every
/// item, or `stream()` / `pages()` / `page(n)`.
#[must_use = "a listing does nothing until it is awaited or streamed"]
pub struct Expanded<'a, T, F> {
    client: &'a Client,
    request: Request,
    error: Option<String>,
    item_template: &'static str,
    page_size: u64,
    filters: Vec<(&'static str, Filter)>,
    sort: Option<(&'static str, Order)>,
    marker: PhantomData<fn() -> (T, F)>,
}

/// Items fetched at once where an endpoint answers ids.
const FALLBACK_CONCURRENCY: usize = 8;

/// Items per page unless [`Expanded::page_size`] says otherwise.
pub const DEFAULT_PAGE_SIZE: u64 = 100;

impl<'a, T: DeserializeOwned + Send + 'a, F: Field> Expanded<'a, T, F> {
    /// The expanded form of a collection call; `item_template` is the path of one item
    /// (`/me/bill/{billId}`), used where the endpoint answers ids.
    #[doc(hidden)]
    pub fn new<R>(call: Call<'a, R>, item_template: &'static str) -> Self {
        let (client, mut request, error) = call.into_parts();
        // Items are objects here: no list of ids to take from them.
        if let Some(ovh) = request.extensions.get_mut::<crate::OvhRequest>() {
            ovh.ids_from = None;
        }
        Expanded {
            client,
            request,
            error,
            item_template,
            page_size: DEFAULT_PAGE_SIZE,
            filters: Vec::new(),
            sort: None,
            marker: PhantomData,
        }
    }

    /// Items per page (100 by default).
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Keeps the items whose `field` passes `filter`; several filters must all pass.
    pub fn filter(mut self, field: F, filter: Filter) -> Self {
        self.filters.push((field.name(), filter));
        self
    }

    /// Sorts by `field`.
    pub fn sort(mut self, field: F, order: Order) -> Self {
        self.sort = Some((field.name(), order));
        self
    }

    /// The request of page `number`, with the pagination headers.
    fn page_request(&self, number: u64) -> Request {
        let mut request = self.request.clone();
        let headers = &mut request.headers;
        headers.push((
            "X-Pagination-Mode".into(),
            "CachedObjectList-Pages".to_owned(),
        ));
        headers.push(("X-Pagination-Size".into(), self.page_size.to_string()));
        headers.push(("X-Pagination-Number".into(), number.to_string()));
        if !self.filters.is_empty() {
            let clauses: Vec<String> = self
                .filters
                .iter()
                .map(|(field, filter)| filter.header_clause(field))
                .collect();
            headers.push(("X-Pagination-Filter".into(), clauses.join("&")));
        }
        if let Some((field, order)) = self.sort {
            headers.push(("X-Pagination-Sort".into(), field.to_owned()));
            let order = match order {
                Order::Asc => "ASC",
                Order::Desc => "DESC",
            };
            headers.push(("X-Pagination-Sort-Order".into(), order.to_owned()));
        }
        request
    }

    /// Page `number` (from 1). Where the endpoint answers ids, every item is fetched to make it.
    pub async fn page(&self, number: u64) -> Result<Page<T>> {
        if let Some(message) = &self.error {
            return Err(encode_error(&self.request, message.clone()));
        }
        let request = self.page_request(number.max(1));
        let response = self
            .client
            .send(&request, None, std::time::Instant::now())
            .await?;
        let (answer, _) = self.client.decode::<Vec<Value>>(&request, &response)?;
        if answer.iter().all(Value::is_object) {
            let total = response
                .headers
                .get("X-Pagination-Elements")
                .and_then(|v| v.to_str().ok()?.parse().ok());
            // Read again from the text: straight into `T` when it matches its schema.
            let (items, _) = self.client.decode(&request, &response)?;
            return Ok(Page {
                items,
                number,
                total,
            });
        }
        let all = self.fetch_each(answer).await?;
        self.local_page(&all, number)
    }

    /// Every item of a list of ids, one call each, filtered and sorted here.
    async fn fetch_each(&self, ids: Vec<Value>) -> Result<Vec<Value>> {
        tracing::info!(
            operation = %self.request.operation(),
            items = ids.len(),
            "the API answered ids to an expanded listing: fetching each item"
        );
        let mut items =
            crate::fanout::try_fetch_each(ids, FALLBACK_CONCURRENCY, |id| self.fetch_item(id))
                .await?;
        items.retain(|item| {
            self.filters
                .iter()
                .all(|(field, filter)| filter.matches(item.get(field)))
        });
        if let Some((field, order)) = self.sort {
            items.sort_by(|a, b| {
                let ordering = compare(a.get(field), b.get(field));
                match order {
                    Order::Asc => ordering,
                    Order::Desc => ordering.reverse(),
                }
            });
        }
        Ok(items)
    }

    async fn fetch_item(&self, id: Value) -> Result<Value> {
        let id = value_text(&id);
        let segment = percent_encoding::utf8_percent_encode(&id, UNRESERVED);
        let mut request = self.request.clone();
        request.method = Method::Get;
        request.template = self.item_template.into();
        request.path = format!("{}/{segment}", self.request.path);
        request.query.clear();
        let response = self
            .client
            .send(&request, None, std::time::Instant::now())
            .await?;
        Ok(self.client.decode::<Value>(&request, &response)?.0)
    }

    fn local_page(&self, all: &[Value], number: u64) -> Result<Page<T>> {
        let start = (number.max(1) - 1).saturating_mul(self.page_size);
        let chunk: Vec<Value> = all
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(self.page_size).unwrap_or(usize::MAX))
            .cloned()
            .collect();
        let response = Response {
            status: 200,
            headers: Default::default(),
            body: String::new(),
        };
        let (items, _) = self
            .client
            .check(&self.request, &response, Value::Array(chunk))?;
        Ok(Page {
            items,
            number,
            total: Some(all.len() as u64),
        })
    }

    /// Page after page, fetched as the stream is read.
    pub fn pages(self) -> Pin<Box<dyn Stream<Item = Result<Page<T>>> + Send + 'a>>
    where
        F: Send + 'a,
    {
        Box::pin(futures_util::stream::try_unfold(
            (self, Some(1u64)),
            |(listing, next)| async move {
                let Some(number) = next else {
                    return Ok(None);
                };
                let page = listing.page(number).await?;
                let seen = (number - 1) * listing.page_size + page.items.len() as u64;
                let more = page.items.len() as u64 == listing.page_size
                    && page.total.is_none_or(|total| seen < total);
                Ok(Some((page, (listing, more.then_some(number + 1)))))
            },
        ))
    }

    /// Every item, page after page.
    pub fn stream(self) -> ItemStream<'a, T>
    where
        F: Send + 'a,
    {
        Box::pin(
            self.pages()
                .map_ok(|page| futures_util::stream::iter(page.items.into_iter().map(Ok)))
                .try_flatten(),
        )
    }
}

impl<'a, T: DeserializeOwned + Send + 'a, F: Field + Send + 'a> IntoFuture for Expanded<'a, T, F> {
    type Output = Result<Vec<T>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Vec<T>>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.stream().try_collect())
    }
}

/// Orders JSON values as a sort field: missing and null first, then numbers, then text.
fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    let rank = |v: Option<&Value>| match v {
        None | Some(Value::Null) => 0,
        Some(Value::Number(_)) => 1,
        Some(_) => 2,
    };
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Some(x), Some(y)) if rank(a) == 2 && rank(b) == 2 => value_text(x).cmp(&value_text(y)),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like(b"%bill%", b"my bill 1"));
        assert!(like(b"FR_", b"FR1"));
        assert!(!like(b"FR_", b"FR12"));
        assert!(like(b"%", b""));
        assert!(!like(b"a%", b"ba"));
    }

    #[test]
    fn filters_make_header_clauses_and_local_tests() {
        let f = Filter::is_in(["a b", "c"]);
        assert_eq!(f.header_clause("name"), "name:in=a%20b,c");
        assert!(f.matches(Some(&Value::from("c"))));
        assert!(!f.matches(None));
        assert!(Filter::eq(42).matches(Some(&Value::from(42))));
        assert!(Filter::like("%x").matches(Some(&Value::from("ax"))));
    }

    #[test]
    fn sort_puts_missing_first_and_numbers_in_order() {
        let (two, ten) = (Value::from(2), Value::from(10));
        assert_eq!(compare(Some(&two), Some(&ten)), Ordering::Less);
        assert_eq!(compare(None, Some(&two)), Ordering::Less);
        let (a, b) = (Value::from("a"), Value::from("b"));
        assert_eq!(compare(Some(&b), Some(&a)), Ordering::Greater);
    }
}
