//! Reading what a Scaleway client sends: query filters (repeated keys for lists, `True` /
//! `true` for booleans, as the Python SDK's `requests` writes them), JSON body members, and
//! the `page` / `page_size` / `order_by` of list operations. Every refusal is an
//! `invalid_arguments` naming the argument.

use std::net::IpAddr;

use serde_json::{json, Map, Value};

use super::errors::{invalid_argument, Reason, ScwError};

/// `page_size` when none is given (Scaleway's default).
pub(crate) const DEFAULT_PAGE_SIZE: usize = 50;
/// The largest `page_size` accepted.
pub(crate) const MAX_PAGE_SIZE: usize = 1000;

/// The decoded query string.
#[derive(Debug, Default)]
pub(crate) struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        Query(
            raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        )
    }

    /// The last value of `name` (an empty value counts as absent, as Scaleway's gateway does).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated key (`tags=a&tags=b`).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ScwError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
            Some(v) => Err(invalid_argument(
                name,
                Reason::Format,
                format!("{v:?} is not a boolean"),
            )),
        }
    }

    pub fn u64(&self, name: &str) -> Result<Option<u64>, ScwError> {
        self.get(name)
            .map(|v| {
                v.parse().map_err(|_| {
                    invalid_argument(name, Reason::Format, format!("{v:?} is not an integer"))
                })
            })
            .transpose()
    }

    /// A value that must be one of `allowed`.
    pub fn one_of(&self, name: &str, allowed: &[&str]) -> Result<Option<&str>, ScwError> {
        match self.get(name) {
            Some(v) if !allowed.contains(&v) => Err(invalid_argument(
                name,
                Reason::Constraint,
                format!("{v:?} is not one of {}", allowed.join(", ")),
            )),
            other => Ok(other),
        }
    }
}

/// The page asked for and its order.
#[derive(Debug)]
pub(crate) struct Page<'q> {
    pub page: usize,
    pub page_size: usize,
    pub order_by: &'q str,
}

impl<'q> Page<'q> {
    /// `page` ≥ 1 (default 1), `page_size` 1..=1000 (default 50), `order_by` one of `orders`
    /// (default the first).
    pub fn from_query(query: &'q Query, orders: &[&'q str]) -> Result<Page<'q>, ScwError> {
        let page = query.u64("page")?.unwrap_or(1);
        if page < 1 {
            return Err(invalid_argument(
                "page",
                Reason::Constraint,
                "must be at least 1",
            ));
        }
        let page_size = query.u64("page_size")?.unwrap_or(DEFAULT_PAGE_SIZE as u64);
        if !(1..=MAX_PAGE_SIZE as u64).contains(&page_size) {
            return Err(invalid_argument(
                "page_size",
                Reason::Constraint,
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        let order_by = query.one_of("order_by", orders)?.unwrap_or(orders[0]);
        Ok(Page {
            page: page as usize,
            page_size: page_size as usize,
            order_by,
        })
    }

    /// `{<key>: [the page's items], total_count: N}`.
    pub fn answer(&self, key: &str, items: Vec<Value>) -> Value {
        let total = items.len();
        let start = (self.page - 1).saturating_mul(self.page_size);
        let page: Vec<Value> = items.into_iter().skip(start).take(self.page_size).collect();
        json!({ key: page, "total_count": total })
    }

    /// Whether the order is descending (`…_desc`).
    pub fn descending(&self) -> bool {
        self.order_by.ends_with("_desc")
    }
}

/// A JSON request body (an object; an empty body is an empty object).
pub(crate) struct Body<'a>(pub &'a Map<String, Value>);

impl Body<'_> {
    fn present(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.present(name).is_some()
    }

    pub fn string(&self, name: &str) -> Result<Option<String>, ScwError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid_argument(name, Reason::Format, "must be a string")),
        }
    }

    pub fn required_string(&self, name: &str) -> Result<String, ScwError> {
        self.string(name)?
            .ok_or_else(|| invalid_argument(name, Reason::Required, "is required"))
    }

    /// A resource name: 1 to 255 characters.
    pub fn name(&self, required: bool) -> Result<Option<String>, ScwError> {
        let name = if required {
            Some(self.required_string("name")?)
        } else {
            self.string("name")?
        };
        match name {
            Some(n) if n.trim().is_empty() || n.chars().count() > 255 => Err(invalid_argument(
                "name",
                Reason::Constraint,
                "must be between 1 and 255 characters long",
            )),
            other => Ok(other),
        }
    }

    /// A UUID (`connection_id`, `vpc_id`…).
    pub fn uuid(&self, name: &str) -> Result<Option<String>, ScwError> {
        let value = self.string(name)?;
        if let Some(v) = &value {
            if uuid::Uuid::parse_str(v).is_err() {
                return Err(invalid_argument(name, Reason::Format, "must be a UUID"));
            }
        }
        Ok(value)
    }

    pub fn required_uuid(&self, name: &str) -> Result<String, ScwError> {
        self.uuid(name)?
            .ok_or_else(|| invalid_argument(name, Reason::Required, "is required"))
    }

    pub fn u64(&self, name: &str) -> Result<Option<u64>, ScwError> {
        match self.present(name) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                invalid_argument(name, Reason::Format, "must be a non-negative integer")
            }),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ScwError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid_argument(name, Reason::Format, "must be a boolean")),
        }
    }

    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>, ScwError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        invalid_argument(name, Reason::Format, "must be a list of strings")
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(invalid_argument(
                name,
                Reason::Format,
                "must be a list of strings",
            )),
        }
    }

    /// A list of prefixes of one IP family (`10.0.0.0/8`, `fd00::/8`).
    pub fn prefixes(&self, name: &str, ipv6: bool) -> Result<Option<Vec<String>>, ScwError> {
        let Some(list) = self.strings(name)? else {
            return Ok(None);
        };
        for prefix in &list {
            match parse_prefix(prefix) {
                None => {
                    return Err(invalid_argument(
                        name,
                        Reason::Format,
                        format!("{prefix:?} is not an IP prefix (address/length)"),
                    ))
                }
                Some(is_v6) if is_v6 != ipv6 => {
                    let family = if ipv6 { "IPv6" } else { "IPv4" };
                    return Err(invalid_argument(
                        name,
                        Reason::Constraint,
                        format!("{prefix:?} is not an {family} prefix, as the routing policy is"),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(Some(list))
    }
}

/// `Some(is_ipv6)` for a valid prefix `address/length`.
fn parse_prefix(text: &str) -> Option<bool> {
    let (address, length) = text.split_once('/')?;
    let address: IpAddr = address.parse().ok()?;
    let length: u8 = length.parse().ok()?;
    let max = if address.is_ipv6() { 128 } else { 32 };
    (length <= max).then_some(address.is_ipv6())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_checked_by_family() {
        assert_eq!(parse_prefix("10.0.0.0/8"), Some(false));
        assert_eq!(parse_prefix("fd00::/8"), Some(true));
        assert_eq!(parse_prefix("10.0.0.0/33"), None);
        assert_eq!(parse_prefix("10.0.0.0"), None);
    }

    #[test]
    fn pages_and_defaults() {
        let q = Query::parse(Some("page=2&page_size=2&tags=a&tags=b&x=True"));
        let page = Page::from_query(&q, &["created_at_asc", "name_asc"]).unwrap();
        assert_eq!(
            (page.page, page.page_size, page.order_by),
            (2, 2, "created_at_asc")
        );
        assert_eq!(q.all("tags"), ["a", "b"]);
        assert_eq!(q.bool("x").unwrap(), Some(true));
        let answer = page.answer("links", (0..5).map(Value::from).collect());
        assert_eq!(answer, json!({"links": [2, 3], "total_count": 5}));
        let q = Query::parse(Some("page_size=1001"));
        assert!(Page::from_query(&q, &["a"]).is_err());
    }
}
