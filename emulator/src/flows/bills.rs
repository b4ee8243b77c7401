//! `/me/bill`: ids, bills and their details, with `date.from` / `date.to` filters.
//!
//! Thirty bills of one account (or as many as configured), spread from January 2023 on, about
//! three weeks apart (fixed dates, so filters give the same answers on every run), each with one
//! to four lines. More than [`SPREAD_OUT`] bills are spread over the three years from January
//! 2023 instead (5,000 bills: about one every five hours), so that thousands stay realistic.
//! Ids, dates and lines depend only on the bill's rank: the first thirty are the same whatever
//! the count up to [`SPREAD_OUT`]. The bills never change, so they need no lock; lookups by id
//! go through an index, so that thousands of bills answer as fast as thirty.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::{json, Value};

use super::{invalid_type, object_not_found, ApiError, Flow, FlowRequest, FlowResponse};

const CATEGORIES: [&str; 5] = [
    "autorenew",
    "earlyrenewal",
    "purchase",
    "purchase-cloud",
    "purchase-web",
];
/// Up to this many bills, they come about three weeks apart; more are spread evenly from 3
/// January 2023 to the end of 2025.
pub const SPREAD_OUT: usize = 45;
/// The days more than [`SPREAD_OUT`] bills are spread over: 3 January 2023 to the end of 2025.
const SPAN_DAYS: i64 = 1_092;
/// French VAT, in percent.
const VAT_PERCENT: i64 = 20;

#[derive(Clone, Debug)]
struct Detail {
    id: String,
    description: String,
    domain: String,
    quantity: i64,
    unit_cents: i64,
    period: Option<(NaiveDate, NaiveDate)>,
}

impl Detail {
    fn total_cents(&self) -> i64 {
        self.quantity * self.unit_cents
    }
}

#[derive(Clone, Debug)]
struct Bill {
    id: String,
    date: DateTime<FixedOffset>,
    order_id: i64,
    category: &'static str,
    password: String,
    details: Vec<Detail>,
}

impl Bill {
    fn without_tax_cents(&self) -> i64 {
        self.details.iter().map(Detail::total_cents).sum()
    }

    fn tax_cents(&self) -> i64 {
        // Rounded half up, on cents.
        (self.without_tax_cents() * VAT_PERCENT + 50) / 100
    }
}

/// What can be bought, for the seeded lines: description, service, unit price, billed months.
const PRODUCTS: [(&str, &str, i64, Option<u32>); 8] = [
    (
        "VPS Comfort 4-8-160 - 1 month",
        "vps-3f2a8f4e.vps.ovh.net",
        1499,
        Some(1),
    ),
    (
        "Domain name renewal .com - 1 year",
        "example.com",
        1199,
        Some(12),
    ),
    (
        "OVHcloud Connect Direct 1G - 1 month",
        "2f6b2c5e-8d3a-4b1f-9c7e-5a4d3e2f1b0a",
        45000,
        Some(1),
    ),
    (
        "Public Cloud - instances consumption",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        2150,
        Some(1),
    ),
    (
        "Web hosting Performance 1 - 12 months",
        "example.org",
        8388,
        Some(12),
    ),
    (
        "Additional IPv4 block /29 - 1 month",
        "ip-203.0.113.8",
        1200,
        Some(1),
    ),
    (
        "Object Storage - consumption",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        318,
        None,
    ),
    (
        "Dedicated server Advance-1 - 1 month",
        "ns1234567.ip-203-0-113.eu",
        8999,
        Some(1),
    ),
];

/// Europe/Paris, roughly: summer time from April to October.
pub(crate) fn paris(date: NaiveDate) -> FixedOffset {
    let hours = if (4..=10).contains(&date.month()) {
        2
    } else {
        1
    };
    FixedOffset::east_opt(hours * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap())
}

fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(months))
        .unwrap_or(date)
}

/// The local date and time of the bill of rank `i` among `count`.
fn local_time(first: NaiveDate, i: i64, count: usize) -> NaiveDateTime {
    if count <= SPREAD_OUT {
        let day = first + Duration::days(i * 24 + (i * 7) % 5);
        return day
            .and_hms_opt(
                (9 + i % 9) as u32,
                ((i * 13) % 60) as u32,
                ((i * 29) % 60) as u32,
            )
            .unwrap_or_default();
    }
    // Evenly spread, each moved by up to half a step so that the times look drawn.
    let step = (SPAN_DAYS * 86_400 / count as i64).max(2);
    let jitter = (super::fnv1a(&i.to_string()) % (step as u64 / 2)) as i64;
    first.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::seconds(i * step + jitter)
}

fn seed(count: usize) -> Vec<Bill> {
    let first = NaiveDate::from_ymd_opt(2023, 1, 3).unwrap_or_default();
    (0..count as i64)
        .map(|i| {
            let local = local_time(first, i, count);
            let day = local.date();
            let date = paris(day)
                .from_local_datetime(&local)
                .single()
                .unwrap_or_else(|| FixedOffset::east_opt(0).unwrap().from_utc_datetime(&local));
            let category = match i {
                _ if i % 5 == 1 => "purchase-cloud",
                _ if i % 7 == 3 => "purchase-web",
                _ if i % 9 == 4 => "purchase",
                _ if i % 11 == 6 => "earlyrenewal",
                _ => "autorenew",
            };
            let id = format!("FR{}", 41_230_001 + i * 1_117);
            let count = 1 + (i * 7 % 4) as usize;
            let details = (0..count)
                .map(|n| {
                    let product = match category {
                        "purchase-cloud" => [3, 6, 5, 0][n],
                        "purchase-web" => [4, 1, 5, 0][n],
                        _ => [(i as usize + n * 3) % PRODUCTS.len(), 7, 2, 1][n],
                    };
                    let (description, domain, unit, months) = PRODUCTS[product];
                    let quantity = if product == 3 {
                        1 + i % 4
                    } else if product == 6 {
                        12 + i % 500
                    } else {
                        1
                    };
                    let start = day + Duration::days(1);
                    Detail {
                        id: format!("{id}-{}", n + 1),
                        description: description.to_owned(),
                        domain: domain.to_owned(),
                        quantity,
                        unit_cents: unit,
                        period: months.map(|m| (start, add_months(start, m) - Duration::days(1))),
                    }
                })
                .collect();
            let password: String = {
                let mut h = super::fnv1a(&id);
                (0..10)
                    .map(|_| {
                        let c = (b'a' + (h % 26) as u8) as char;
                        h /= 26;
                        c
                    })
                    .collect()
            };
            Bill {
                id,
                date,
                order_id: 180_000_007 + i * 1_013,
                category,
                password,
                details,
            }
        })
        .collect()
}

fn price(cents: i64) -> Value {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.abs();
    json!({
        "currencyCode": "EUR",
        "priceInUcents": cents * 1_000_000,
        "text": format!("{sign}{}.{:02} €", abs / 100, abs % 100),
        "value": cents as f64 / 100.0,
    })
}

fn bill_json(b: &Bill) -> Value {
    let without = b.without_tax_cents();
    let tax = b.tax_cents();
    json!({
        "billId": b.id,
        "category": b.category,
        "date": super::rfc3339(&b.date),
        "orderId": b.order_id,
        "password": b.password,
        "pdfUrl": format!("https://www.ovh.com/cgi-bin/order/facture.pdf?reference={}&passwd={}", b.id, b.password),
        "url": format!("https://www.ovh.com/cgi-bin/order/facture.cgi?reference={}&passwd={}", b.id, b.password),
        "priceWithoutTax": price(without),
        "tax": price(tax),
        "priceWithTax": price(without + tax),
    })
}

fn detail_json(d: &Detail) -> Value {
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    json!({
        "billDetailId": d.id,
        "description": d.description,
        "domain": d.domain,
        "quantity": d.quantity.to_string(),
        "unitPrice": price(d.unit_cents),
        "totalPrice": price(d.total_cents()),
        "periodStart": d.period.map(|(s, _)| day(s)),
        "periodEnd": d.period.map(|(_, e)| day(e)),
    })
}

/// A bound of `date.from` / `date.to`: an instant, or a calendar day (compared with the day
/// printed on the bill, in the bill's own offset).
#[derive(Clone, Copy, Debug)]
enum Bound {
    Instant(DateTime<Utc>),
    Day(NaiveDate),
}

fn parse_bound(name: &str, raw: &str) -> Result<Bound, ApiError> {
    let attempt = |text: &str| -> Option<Bound> {
        let text = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Some(Bound::Instant(t.with_timezone(&Utc)));
        }
        for format in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S%.f",
        ] {
            if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
                return Some(Bound::Instant(Utc.from_utc_datetime(&t)));
            }
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(Bound::Day)
    };
    // A `+` of an offset sent unencoded in a query string arrives as a space.
    attempt(raw)
        .or_else(|| attempt(&raw.trim().replace(' ', "+")))
        .ok_or_else(|| invalid_type(name, &Value::String(raw.to_owned()), "datetime"))
}

fn after(bill: &Bill, bound: Bound) -> bool {
    match bound {
        Bound::Instant(t) => bill.date.with_timezone(&Utc) >= t,
        Bound::Day(d) => bill.date.date_naive() >= d,
    }
}

fn before(bill: &Bill, bound: Bound) -> bool {
    match bound {
        Bound::Instant(t) => bill.date.with_timezone(&Utc) <= t,
        Bound::Day(d) => bill.date.date_naive() <= d,
    }
}

/// The `/me/bill` flow.
pub struct Bills {
    /// Sorted by date.
    bills: Vec<Bill>,
    /// Position in `bills` by id.
    index: HashMap<String, usize>,
}

impl Bills {
    /// The thirty bills the tests know.
    pub fn new() -> Self {
        Self::with_count(30)
    }

    pub fn with_count(count: usize) -> Self {
        let mut bills = seed(count);
        bills.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
        let index = bills
            .iter()
            .enumerate()
            .map(|(n, b)| (b.id.clone(), n))
            .collect();
        Bills { bills, index }
    }

    /// How many bills there are.
    pub fn len(&self) -> usize {
        self.bills.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bills.is_empty()
    }

    fn bill(&self, request: &FlowRequest<'_>) -> Result<&Bill, ApiError> {
        let id = request.param("billId");
        self.index
            .get(id)
            .map(|&n| &self.bills[n])
            .ok_or_else(|| object_not_found("billId", id))
    }

    fn detail<'b>(
        &self,
        bill: &'b Bill,
        request: &FlowRequest<'_>,
    ) -> Result<&'b Detail, ApiError> {
        let id = request.param("billDetailId");
        bill.details
            .iter()
            .find(|d| d.id == id)
            .ok_or_else(|| object_not_found("billDetailId", id))
    }

    fn list(&self, request: &FlowRequest<'_>) -> Result<Value, ApiError> {
        let from = request
            .query_value("date.from")
            .map(|v| parse_bound("date.from", v))
            .transpose()?;
        let to = request
            .query_value("date.to")
            .map(|v| parse_bound("date.to", v))
            .transpose()?;
        let category = match request.query_value("category") {
            Some(c) if CATEGORIES.contains(&c) => Some(c),
            Some(c) => return Err(invalid_type("category", &json!(c), "billing.CategoryEnum")),
            None => None,
        };
        let order_id = match request.query_value("orderId") {
            Some(raw) => Some(
                raw.trim()
                    .parse::<i64>()
                    .map_err(|_| invalid_type("orderId", &json!(raw), "long"))?,
            ),
            None => None,
        };
        let ids: Vec<&str> = self
            .bills
            .iter()
            .filter(|b| from.into_iter().all(|f| after(b, f)))
            .filter(|b| to.into_iter().all(|t| before(b, t)))
            .filter(|b| category.into_iter().all(|c| b.category == c))
            .filter(|b| order_id.into_iter().all(|o| b.order_id == o))
            .map(|b| b.id.as_str())
            .collect();
        Ok(json!(ids))
    }
}

impl Default for Bills {
    fn default() -> Self {
        Self::new()
    }
}

impl Flow for Bills {
    fn handle(&self, request: &FlowRequest<'_>) -> FlowResponse {
        if request.branch != "v1" || request.method != "GET" {
            return FlowResponse::NotHandled;
        }
        let answer = match request.template {
            "/me/bill" => self.list(request),
            "/me/bill/{billId}" => self.bill(request).map(bill_json),
            "/me/bill/{billId}/details" => self
                .bill(request)
                .map(|b| json!(b.details.iter().map(|d| &d.id).collect::<Vec<_>>())),
            "/me/bill/{billId}/details/{billDetailId}" => self
                .bill(request)
                .and_then(|b| self.detail(b, request))
                .map(detail_json),
            _ => return FlowResponse::NotHandled,
        };
        match answer {
            Ok(body) => FlowResponse::ok(body),
            Err(error) => FlowResponse::Error(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::testing::Req;

    fn ids(bills: &Bills, r: Req) -> Vec<String> {
        serde_json::from_value(r.ok(bills)).unwrap()
    }

    fn date_of(bills: &Bills, id: &str) -> DateTime<FixedOffset> {
        let b = Req::get("/me/bill/{billId}").param("billId", id).ok(bills);
        DateTime::parse_from_rfc3339(b["date"].as_str().unwrap()).unwrap()
    }

    #[test]
    fn thirty_bills_over_two_years_sorted_by_date() {
        let bills = Bills::new();
        let all = ids(&bills, Req::get("/me/bill"));
        assert_eq!(all.len(), 30);
        let dates: Vec<_> = all.iter().map(|id| date_of(&bills, id)).collect();
        assert!(dates.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(dates[0].date_naive().year(), 2023);
        assert_eq!(dates[29].date_naive().year(), 2024);
        assert!(all.iter().all(|id| id.starts_with("FR") && id.len() == 10));
        // Every category is used, and the sums add up.
        for id in &all {
            let b = Req::get("/me/bill/{billId}").param("billId", id).ok(&bills);
            let cents = |p: &Value| p["priceInUcents"].as_i64().unwrap() / 1_000_000;
            assert_eq!(
                cents(&b["priceWithoutTax"]) + cents(&b["tax"]),
                cents(&b["priceWithTax"])
            );
            let details = Req::get("/me/bill/{billId}/details")
                .param("billId", id)
                .ok(&bills);
            let n = details.as_array().unwrap().len();
            assert!((1..=4).contains(&n));
            let sum: i64 = details
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    let line = Req::get("/me/bill/{billId}/details/{billDetailId}")
                        .param("billId", id)
                        .param("billDetailId", d.as_str().unwrap())
                        .ok(&bills);
                    cents(&line["totalPrice"])
                })
                .sum();
            assert_eq!(sum, cents(&b["priceWithoutTax"]));
        }
        for category in CATEGORIES {
            assert!(
                !ids(&bills, Req::get("/me/bill").query("category", category)).is_empty(),
                "{category}"
            );
        }
    }

    #[test]
    fn one_bill_and_its_details() {
        let bills = Bills::new();
        let first = &ids(&bills, Req::get("/me/bill"))[0];
        let b = Req::get("/me/bill/{billId}")
            .param("billId", first)
            .ok(&bills);
        assert_eq!(b["billId"], first.as_str());
        assert_eq!(b["priceWithTax"]["currencyCode"], "EUR");
        let text = b["priceWithTax"]["text"].as_str().unwrap();
        assert!(text.ends_with(" €"), "{text}");
        let value = b["priceWithTax"]["value"].as_f64().unwrap();
        assert_eq!(format!("{value:.2} €"), text);
        assert!(b["pdfUrl"].as_str().unwrap().contains(first.as_str()));
        let details = Req::get("/me/bill/{billId}/details")
            .param("billId", first)
            .ok(&bills);
        let d = Req::get("/me/bill/{billId}/details/{billDetailId}")
            .param("billId", first)
            .param("billDetailId", details[0].as_str().unwrap())
            .ok(&bills);
        assert_eq!(d["quantity"], "1");
        assert!(d["periodStart"].as_str().unwrap() < d["periodEnd"].as_str().unwrap());

        let e = Req::get("/me/bill/{billId}")
            .param("billId", "FR0")
            .err(&bills);
        assert_eq!((e.status, e.class.as_str()), (404, "Client::NotFound"));
        assert_eq!(
            e.message,
            "The requested object (billId = FR0) does not exist"
        );
        let e = Req::get("/me/bill/{billId}/details")
            .param("billId", "FR0")
            .err(&bills);
        assert_eq!(e.status, 404);
        let e = Req::get("/me/bill/{billId}/details/{billDetailId}")
            .param("billId", first)
            .param("billDetailId", "nope")
            .err(&bills);
        assert_eq!(
            e.message,
            "The requested object (billDetailId = nope) does not exist"
        );
        // Detail ids belong to their bill.
        let second = &ids(&bills, Req::get("/me/bill"))[1];
        let e = Req::get("/me/bill/{billId}/details/{billDetailId}")
            .param("billId", second)
            .param("billDetailId", details[0].as_str().unwrap())
            .err(&bills);
        assert_eq!(e.status, 404);
    }

    #[test]
    fn date_filters_are_inclusive() {
        let bills = Bills::new();
        let all = ids(&bills, Req::get("/me/bill"));
        let (third, tenth) = (&all[2], &all[9]);
        let (from, to) = (date_of(&bills, third), date_of(&bills, tenth));
        // Exact instants, in the bills' own offsets and in UTC.
        let range = ids(
            &bills,
            Req::get("/me/bill")
                .query("date.from", from.to_rfc3339())
                .query("date.to", to.to_rfc3339()),
        );
        assert_eq!(range, all[2..=9].to_vec());
        let utc = ids(
            &bills,
            Req::get("/me/bill")
                .query("date.from", from.with_timezone(&Utc).to_rfc3339())
                .query("date.to", to.with_timezone(&Utc).to_rfc3339()),
        );
        assert_eq!(utc, range);
        // One second later / earlier excludes the ends.
        let inner = ids(
            &bills,
            Req::get("/me/bill")
                .query("date.from", (from + Duration::seconds(1)).to_rfc3339())
                .query("date.to", (to - Duration::seconds(1)).to_rfc3339()),
        );
        assert_eq!(inner, all[3..=8].to_vec());
        // Days include the whole day printed on the bill.
        let days = ids(
            &bills,
            Req::get("/me/bill")
                .query("date.from", from.date_naive().to_string())
                .query("date.to", to.date_naive().to_string()),
        );
        assert_eq!(days, range);
        // Only one bound.
        assert_eq!(
            ids(
                &bills,
                Req::get("/me/bill").query("date.from", from.to_rfc3339())
            ),
            all[2..].to_vec()
        );
        assert_eq!(
            ids(
                &bills,
                Req::get("/me/bill").query("date.to", to.to_rfc3339())
            ),
            all[..=9].to_vec()
        );
        // A `+` that became a space is still understood.
        let spaced = from.to_rfc3339().replace('+', " ");
        assert_eq!(
            ids(&bills, Req::get("/me/bill").query("date.from", spaced)),
            all[2..].to_vec()
        );
        // Empty ranges are not errors.
        assert!(ids(
            &bills,
            Req::get("/me/bill").query("date.from", "2030-01-01")
        )
        .is_empty());
        assert!(ids(
            &bills,
            Req::get("/me/bill")
                .query("date.from", "2024-06-01")
                .query("date.to", "2024-01-01")
        )
        .is_empty());
        // The README's call.
        let since_2024 = ids(
            &bills,
            Req::get("/me/bill").query("date.from", "2024-01-01T00:00:00+00:00"),
        );
        assert!(!since_2024.is_empty() && since_2024.len() < 30);
    }

    #[test]
    fn thousands_of_bills_are_quick_and_consistent() {
        let start = std::time::Instant::now();
        let bills = Bills::with_count(5_000);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(bills.len(), 5_000);
        let all = ids(&bills, Req::get("/me/bill"));
        assert_eq!(all.len(), 5_000);
        let unique: std::collections::HashSet<&String> = all.iter().collect();
        assert_eq!(unique.len(), 5_000);
        let dates: Vec<_> = bills.bills.iter().map(|b| b.date).collect();
        assert!(dates.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(dates[0].year(), 2023);
        assert_eq!(dates[4_999].year(), 2025);
        // Every bill answers by id (through the index), with 1 to 4 details.
        let start = std::time::Instant::now();
        for id in all.iter().step_by(7) {
            let b = Req::get("/me/bill/{billId}").param("billId", id).ok(&bills);
            assert_eq!(b["billId"], id.as_str());
            let details = Req::get("/me/bill/{billId}/details")
                .param("billId", id)
                .ok(&bills);
            let n = details.as_array().unwrap().len();
            assert!((1..=4).contains(&n), "{id}: {n}");
            let last = details[n - 1].as_str().unwrap();
            let d = Req::get("/me/bill/{billId}/details/{billDetailId}")
                .param("billId", id)
                .param("billDetailId", last)
                .ok(&bills);
            assert_eq!(d["billDetailId"], last);
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
        // Filters on thousands: one year is about a third.
        let y2024 = ids(
            &bills,
            Req::get("/me/bill")
                .query("date.from", "2024-01-01")
                .query("date.to", "2024-12-31"),
        );
        assert!((1_500..1_800).contains(&y2024.len()), "{}", y2024.len());
        // Up to 45 bills, the first thirty are the same whatever the count.
        let thirty = ids(&Bills::new(), Req::get("/me/bill"));
        assert_eq!(
            ids(&Bills::with_count(45), Req::get("/me/bill"))[..30],
            thirty[..]
        );
        assert!(ids(&Bills::with_count(0), Req::get("/me/bill")).is_empty());
    }

    #[test]
    fn bad_filters_are_400() {
        let bills = Bills::new();
        for (name, value, ty) in [
            ("date.from", "yesterday", "datetime"),
            ("date.to", "2024-13-01", "datetime"),
            ("date.from", "", "datetime"),
            ("category", "groceries", "billing.CategoryEnum"),
            ("orderId", "12x", "long"),
        ] {
            let e = Req::get("/me/bill").query(name, value).err(&bills);
            assert_eq!((e.status, e.class.as_str()), (400, "Client::BadRequest"));
            assert_eq!(
                e.message,
                format!("[{name}] Given data ({value}) is not valid for type {ty}")
            );
        }
    }

    #[test]
    fn category_and_order_filters() {
        let bills = Bills::new();
        let all = ids(&bills, Req::get("/me/bill"));
        let b = Req::get("/me/bill/{billId}")
            .param("billId", &all[5])
            .ok(&bills);
        let by_order = ids(&bills, Req::get("/me/bill").query("orderId", &b["orderId"]));
        assert_eq!(by_order, vec![all[5].clone()]);
        let same_category = ids(
            &bills,
            Req::get("/me/bill").query("category", b["category"].as_str().unwrap()),
        );
        assert!(same_category.contains(&all[5]));
        let both = ids(
            &bills,
            Req::get("/me/bill")
                .query("category", "earlyrenewal")
                .query("orderId", &b["orderId"]),
        );
        assert_eq!(both.is_empty(), b["category"] != "earlyrenewal");
        assert!(matches!(
            Req::post("/me/bill").send(&bills),
            FlowResponse::NotHandled
        ));
        assert!(matches!(
            Req::get("/me").send(&bills),
            FlowResponse::NotHandled
        ));
    }
}
