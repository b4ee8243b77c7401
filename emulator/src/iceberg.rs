//! Expanded v1 listings, OVH's "iceberg" mode: a collection answers with its objects instead
//! of their ids.
//!
//! A v1 collection is a `GET` whose answer is a list of scalar ids (`GET /me/bill`) when the
//! schemas also have `GET` on the collection path plus one parameter answering an object
//! (`GET /me/bill/{billId}`). Asked with `X-Pagination-Mode: CachedObjectList-Pages` (or
//! `CachedObjectList-Cursor`), the emulator builds the list of ids exactly as it answers the
//! collection (flows or examples, with the query string), then each object exactly as it
//! answers `GET P/{id}` (an id whose object cannot be read is left out), and then:
//!
//! | request header | meaning |
//! | --- | --- |
//! | `X-Pagination-Filter` | clauses joined with `&`, each `field:op=value`: `eq` (the member's text equals the value: strings as they are, other values as JSON), `in` (a comma-separated list; any of them), `like` (SQL `LIKE`, case-sensitive: `%` any run of characters, `_` one). Values (and names) are percent-decoded, each element of an `in` list on its own. `field` may be dotted (`priceWithTax.value`). |
//! | `X-Pagination-Sort`, `X-Pagination-Sort-Order` | a field, `ASC` (default) or `DESC`: missing and null values first, then numbers by value, then everything else by text; stable; `DESC` is the exact reverse |
//! | `X-Pagination-Size` | items per page, 1 to 10000; absent: every item in one page |
//! | `X-Pagination-Number` | pages mode: the page, from 1 (default 1); past the end: an empty list |
//! | `X-Pagination-Cursor` | cursor mode: where to go on from, as a previous `X-Pagination-Cursor-Next` gave it (absent: the start) |
//!
//! The answer is the JSON list of the page's objects, with `X-Pagination-Elements` (how many
//! items pass the filter), `X-Pagination-Size` (the page size used) and, in pages mode,
//! `X-Pagination-Number`; in cursor mode, `X-Pagination-Cursor-Next` while items remain.
//! Without filter nor sort, only the objects of the page asked for are read, so paging
//! through thousands of items costs each page its own size (the total then counts every id:
//! exact, since the emulator's lists and items agree; while objects are forgotten, see
//! [`crate::forgotten`], or when an object of the page cannot be read, every object is read).
//! An unknown field or operator, a malformed clause, size, number, order or cursor is a
//! `400 Client::BadRequest`. Any other mode value, a path that is not such a collection, or an
//! emulator started with [`EmulatorConfig::iceberg`](crate::EmulatorConfig::iceberg) `false`
//! ignores the header: the answer is the ids. The call is verified, rate limited (one token),
//! faulted and counted like any other.

use std::cmp::Ordering;

use ovhcloud_schema::model::TypeRef;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::flows::{base64url_decode, base64url_encode, like, ApiError};
use crate::shape::{member, Walker};

/// The largest `X-Pagination-Size` accepted.
pub const MAX_PAGE_SIZE: usize = 10_000;

/// The request of an expanded listing, read from its headers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Listing {
    filters: Vec<Filter>,
    sort: Option<(String, bool)>,
    size: Option<usize>,
    paging: Paging,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Paging {
    /// `CachedObjectList-Pages`: the page number, from 1.
    Pages(usize),
    /// `CachedObjectList-Cursor`: the offset of the first item.
    Cursor(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Eq,
    In,
    Like,
}

/// One clause of `X-Pagination-Filter`.
#[derive(Clone, Debug, PartialEq)]
struct Filter {
    field: String,
    op: Op,
    /// Decoded; several only for `in`.
    values: Vec<String>,
}

fn bad(message: String) -> ApiError {
    ApiError::bad_request(message)
}

impl Listing {
    /// Reads the pagination headers (`header` looks one up by name); `None` when
    /// `X-Pagination-Mode` is absent or names no mode the emulator knows.
    pub fn from_headers<'h>(
        header: impl Fn(&str) -> Option<&'h str>,
    ) -> Result<Option<Listing>, ApiError> {
        let mode = header("x-pagination-mode").map(str::trim);
        let cursor = mode.is_some_and(|m| m.eq_ignore_ascii_case("CachedObjectList-Cursor"));
        if !cursor && !mode.is_some_and(|m| m.eq_ignore_ascii_case("CachedObjectList-Pages")) {
            return Ok(None);
        }
        let paging = if cursor {
            Paging::Cursor(header("x-pagination-cursor").map_or(Ok(0), decode_cursor)?)
        } else {
            Paging::Pages(header("x-pagination-number").map_or(Ok(1), parse_number)?)
        };
        let sort = match header("x-pagination-sort").map(decode) {
            Some(field) => Some((field, parse_descending(header("x-pagination-sort-order"))?)),
            None => None,
        };
        Ok(Some(Listing {
            filters: header("x-pagination-filter").map_or(Ok(Vec::new()), parse_filters)?,
            sort,
            size: header("x-pagination-size").map(parse_size).transpose()?,
            paging,
        }))
    }

    /// Checks that every filter and sort field is a member of the item type.
    pub fn check_fields(&self, walker: &Walker<'_>, item: &TypeRef) -> Result<(), ApiError> {
        let fields = self.filters.iter().map(|f| &f.field);
        for field in fields.chain(self.sort.iter().map(|(f, _)| f)) {
            if walker.member_type(item, field).is_none() {
                return Err(bad(format!("Unknown field in pagination: {field}")));
            }
        }
        Ok(())
    }

    /// Filters and sorts `objects`, and cuts the page asked for: its JSON list and the
    /// response headers.
    pub fn page(&self, objects: Vec<Value>) -> (Value, Vec<(String, String)>) {
        let mut items: Vec<Value> = objects
            .into_iter()
            .filter(|o| self.filters.iter().all(|f| f.matches(o)))
            .collect();
        if let Some((field, descending)) = &self.sort {
            items.sort_by(|a, b| {
                let order = compare(member(a, field), member(b, field));
                if *descending {
                    order.reverse()
                } else {
                    order
                }
            });
        }
        let total = items.len();
        let window = self.window(total);
        let page: Vec<Value> = items
            .into_iter()
            .take(window.end)
            .skip(window.start)
            .collect();
        self.cut_page(page, total)
    }

    /// Whether the page can be cut before the objects are read: no filter, no sort, so the
    /// page's items are those of [`Listing::window`] in the list of ids.
    pub fn is_plain(&self) -> bool {
        self.filters.is_empty() && self.sort.is_none()
    }

    /// The positions of the page asked for among `total` items.
    pub fn window(&self, total: usize) -> std::ops::Range<usize> {
        let size = self.page_size(total);
        let start = match self.paging {
            Paging::Pages(number) => (number - 1).saturating_mul(size),
            Paging::Cursor(offset) => offset,
        };
        let end = start.saturating_add(size).min(total);
        start.min(end)..end
    }

    fn page_size(&self, total: usize) -> usize {
        self.size.unwrap_or(total.max(1))
    }

    /// The answer of a page already cut ([`Listing::window`] of `total` items): its JSON list
    /// and the response headers.
    pub fn cut_page(&self, page: Vec<Value>, total: usize) -> (Value, Vec<(String, String)>) {
        let size = self.page_size(total);
        let end = self.window(total).end;
        let mut headers = vec![
            ("X-Pagination-Elements".to_owned(), total.to_string()),
            ("X-Pagination-Size".to_owned(), size.to_string()),
        ];
        match self.paging {
            Paging::Pages(number) => {
                headers.push(("X-Pagination-Number".to_owned(), number.to_string()));
            }
            Paging::Cursor(_) if end < total => {
                headers.push(("X-Pagination-Cursor-Next".to_owned(), encode_cursor(end)));
            }
            Paging::Cursor(_) => {}
        }
        (Value::Array(page), headers)
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text.trim())
        .decode_utf8_lossy()
        .into_owned()
}

fn parse_number(text: &str) -> Result<usize, ApiError> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(bad(format!(
            "Invalid X-Pagination-Number {text:?}: a page number from 1"
        ))),
    }
}

fn parse_size(text: &str) -> Result<usize, ApiError> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        _ => Err(bad(format!(
            "Invalid X-Pagination-Size {text:?}: from 1 to {MAX_PAGE_SIZE}"
        ))),
    }
}

/// `X-Pagination-Sort-Order`: whether it is `DESC` (absent: `ASC`).
fn parse_descending(order: Option<&str>) -> Result<bool, ApiError> {
    match order.map(str::trim) {
        None => Ok(false),
        Some(o) if o.eq_ignore_ascii_case("ASC") => Ok(false),
        Some(o) if o.eq_ignore_ascii_case("DESC") => Ok(true),
        Some(o) => Err(bad(format!(
            "Invalid X-Pagination-Sort-Order {o:?}: ASC or DESC"
        ))),
    }
}

const CURSOR_PREFIX: &str = "offset:";

/// The opaque cursor of the item at `offset`.
fn encode_cursor(offset: usize) -> String {
    base64url_encode(format!("{CURSOR_PREFIX}{offset}").as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<usize, ApiError> {
    base64url_decode(cursor.trim())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX)?.parse().ok())
        .ok_or_else(|| bad(format!("Invalid X-Pagination-Cursor {cursor:?}")))
}

/// `field:op=value&…`; empty clauses are skipped.
fn parse_filters(text: &str) -> Result<Vec<Filter>, ApiError> {
    text.split('&')
        .filter(|c| !c.trim().is_empty())
        .map(parse_clause)
        .collect()
}

fn parse_clause(clause: &str) -> Result<Filter, ApiError> {
    let malformed = || {
        bad(format!(
            "Invalid X-Pagination-Filter clause {clause:?}: field:op=value"
        ))
    };
    let (target, raw) = clause.split_once('=').ok_or_else(malformed)?;
    let (field, op) = target.trim().rsplit_once(':').ok_or_else(malformed)?;
    let op = match op {
        "eq" => Op::Eq,
        "in" => Op::In,
        "like" => Op::Like,
        other => {
            return Err(bad(format!(
                "Unknown X-Pagination-Filter operator {other:?}: eq, in or like"
            )))
        }
    };
    let values = match op {
        Op::In => raw.split(',').map(decode).collect(),
        Op::Eq | Op::Like => vec![decode(raw)],
    };
    Ok(Filter {
        field: decode(field),
        op,
        values,
    })
}

impl Filter {
    /// Whether `object` passes; a missing member never does.
    fn matches(&self, object: &Value) -> bool {
        let Some(text) = member(object, &self.field).map(value_text) else {
            return false;
        };
        match self.op {
            Op::Eq | Op::In => self.values.contains(&text),
            Op::Like => like(&self.values[0], &text),
        }
    }
}

/// The text a filter compares: strings as they are, other values as JSON.
pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Sort order: missing and null first, then numbers by value, then the rest by text. Kept apart
/// from the client's own fallback sort (`src/expanded.rs`) on purpose: the emulator is the
/// reference the client is tested against, so it shares none of the client's code.
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
    use serde_json::json;

    fn listing(headers: &[(&str, &str)]) -> Result<Option<Listing>, ApiError> {
        Listing::from_headers(|name| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        })
    }

    fn pages(extra: &[(&str, &str)]) -> Listing {
        let mut headers = vec![("X-Pagination-Mode", "CachedObjectList-Pages")];
        headers.extend_from_slice(extra);
        listing(&headers).unwrap().unwrap()
    }

    fn items() -> Vec<Value> {
        vec![
            json!({"id": "b", "n": 10, "s": "x y"}),
            json!({"id": "a", "n": 2, "s": null}),
            json!({"id": "c", "n": 2.5}),
            json!({"id": "d", "n": 10, "s": "x,z"}),
        ]
    }

    fn ids(page: &Value) -> Vec<&str> {
        page.as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn without_a_known_mode_nothing_changes() {
        assert_eq!(listing(&[]).unwrap(), None);
        assert_eq!(listing(&[("X-Pagination-Mode", "Other")]).unwrap(), None);
    }

    #[test]
    fn filters_sort_and_pages() {
        let l = pages(&[
            ("X-Pagination-Filter", "n:in=10,2&s:like=x%25"),
            ("X-Pagination-Sort", "id"),
            ("X-Pagination-Sort-Order", "DESC"),
        ]);
        let (page, headers) = l.page(items());
        assert_eq!(ids(&page), ["d", "b"]);
        assert!(headers.contains(&("X-Pagination-Elements".into(), "2".into())));
        assert!(headers.contains(&("X-Pagination-Size".into(), "2".into())));
        let l = pages(&[("X-Pagination-Filter", "s:eq=x%2Cz")]);
        assert_eq!(ids(&l.page(items()).0), ["d"]);
        let l = pages(&[("X-Pagination-Sort", "s")]);
        assert_eq!(ids(&l.page(items()).0), ["a", "c", "b", "d"]);
        let l = pages(&[("X-Pagination-Sort", "n")]);
        assert_eq!(ids(&l.page(items()).0), ["a", "c", "b", "d"]);
        let l = pages(&[("X-Pagination-Size", "3"), ("X-Pagination-Number", "2")]);
        let (page, headers) = l.page(items());
        assert_eq!(ids(&page), ["d"]);
        assert!(headers.contains(&("X-Pagination-Number".into(), "2".into())));
        let l = pages(&[("X-Pagination-Size", "3"), ("X-Pagination-Number", "3")]);
        assert_eq!(l.page(items()).0, json!([]));
    }

    #[test]
    fn cursors_go_on_where_the_page_ended() {
        let first = listing(&[
            ("X-Pagination-Mode", "CachedObjectList-Cursor"),
            ("X-Pagination-Size", "3"),
        ])
        .unwrap()
        .unwrap();
        let (page, headers) = first.page(items());
        assert_eq!(ids(&page), ["b", "a", "c"]);
        let (_, next) = headers
            .iter()
            .find(|(n, _)| n == "X-Pagination-Cursor-Next")
            .unwrap();
        let second = listing(&[
            ("X-Pagination-Mode", "CachedObjectList-Cursor"),
            ("X-Pagination-Size", "3"),
            ("X-Pagination-Cursor", next),
        ])
        .unwrap()
        .unwrap();
        let (page, headers) = second.page(items());
        assert_eq!(ids(&page), ["d"]);
        assert!(!headers.iter().any(|(n, _)| n == "X-Pagination-Cursor-Next"));
    }

    #[test]
    fn malformed_headers_are_bad_requests() {
        for bad in [
            ("X-Pagination-Filter", "n:gt=1"),
            ("X-Pagination-Filter", "n=1"),
            ("X-Pagination-Filter", "n:eq"),
            ("X-Pagination-Size", "0"),
            ("X-Pagination-Size", "10001"),
            ("X-Pagination-Number", "0"),
            ("X-Pagination-Sort-Order", "UP"),
        ] {
            let mut headers = vec![("X-Pagination-Mode", "CachedObjectList-Pages"), bad];
            headers.push(("X-Pagination-Sort", "n"));
            let error = listing(&headers).unwrap_err();
            assert_eq!(error.status, 400, "{bad:?}");
        }
        let cursor = [
            ("X-Pagination-Mode", "CachedObjectList-Cursor"),
            ("X-Pagination-Cursor", "nope"),
        ];
        assert_eq!(listing(&cursor).unwrap_err().status, 400);
    }
}
