//! `/me/document`: the documents of the account (`nichandle.document.Document`).
//!
//! Ten documents at start (or as many as configured), created from February 2023 on, nine days
//! apart (more than [`SPREAD_OUT`] are spread over three years), with fixed UUIDs, names, sizes
//! and tags: the same on every run. `POST /me/document {name, tags?}` adds one (size 0, created
//! now, listed last; its UUID follows from how many were created before, so a replayed run gets
//! the same ids), `PUT /me/document/{id}` changes its `expirationDate` (the only member that is
//! not read-only), `DELETE /me/document/{id}` removes it. An id that is not a UUID is a 400, an
//! unknown one a 404 as OVH words them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone};
use serde_json::{json, Map, Value};

use super::bills::paris;
use super::{
    body_object, invalid_type, missing_property, object_not_found, opt_str, stable_uuid, ApiError,
    Flow, FlowRequest, FlowResponse, WallClock,
};

/// Up to this many seeded documents come nine days apart; more are spread over three years.
pub const SPREAD_OUT: usize = 100;
const SPAN_DAYS: i64 = 3 * 365;

/// Seeded names: stem, extension, the `type` tag.
const KINDS: [(&str, &str, &str); 8] = [
    ("kbis", "pdf", "company-registration"),
    ("identity-card", "jpg", "identity"),
    ("proof-of-address", "pdf", "address"),
    ("vat-certificate", "pdf", "tax"),
    ("purchase-order", "pdf", "purchase"),
    ("signed-contract", "pdf", "contract"),
    ("bank-details", "pdf", "payment"),
    ("articles-of-association", "pdf", "company-registration"),
];

#[derive(Clone, Debug)]
struct Document {
    id: String,
    name: String,
    tags: Vec<(String, String)>,
    size: i64,
    creation: DateTime<FixedOffset>,
    expiration: Option<DateTime<FixedOffset>>,
    validation: Option<DateTime<FixedOffset>>,
}

/// The id of the `n`-th document ever created (seeded ones first, from 0).
fn document_id(n: u64) -> String {
    stable_uuid(&format!("/me/document/{n}"))
}

fn in_paris(local: chrono::NaiveDateTime) -> DateTime<FixedOffset> {
    paris(local.date())
        .from_local_datetime(&local)
        .single()
        .unwrap_or_else(|| chrono::Utc.from_utc_datetime(&local).fixed_offset())
}

fn seeded(n: usize, count: usize) -> Document {
    let i = n as i64;
    let first = NaiveDate::from_ymd_opt(2023, 2, 1)
        .unwrap_or_default()
        .and_hms_opt(10, 0, 0)
        .unwrap_or_default();
    let step = if count <= SPREAD_OUT {
        9 * 86_400
    } else {
        (SPAN_DAYS * 86_400 / count as i64).max(2)
    };
    let local = first + Duration::seconds(i * step + (i * 3_607) % (step / 2).max(1));
    let creation = in_paris(local);
    let (stem, ext, kind) = KINDS[n % KINDS.len()];
    let id = document_id(n as u64);
    let mut tags = vec![("type".to_owned(), kind.to_owned())];
    if n % 3 == 1 {
        tags.push(("year".to_owned(), local.format("%Y").to_string()));
    }
    Document {
        name: format!("{stem}-{:03}.{ext}", n + 1),
        tags,
        size: 20_000 + (super::fnv1a(&id) % 4_000_000) as i64,
        expiration: (n % 3 == 0).then(|| creation + Duration::days(365)),
        validation: (n % 2 == 0).then(|| creation + Duration::days(2) + Duration::minutes(17)),
        creation,
        id,
    }
}

/// A temporary URL of the document store, as OVH hands them out.
fn temp_url(d: &Document, method: &str) -> String {
    let expires = d.creation.timestamp() + 10 * 365 * 86_400;
    let signature = super::fnv1a(&format!("{method} {} {expires}", d.id));
    format!(
        "https://storage.gra.cloud.ovh.net/v1/AUTH_6f1a2b3c4d5e4f60a7b8c9d0e1f2a3b4/documents/{}?temp_url_sig={signature:016x}&temp_url_expires={expires}",
        d.id
    )
}

fn document_json(d: &Document) -> Value {
    json!({
        "id": d.id,
        "name": d.name,
        "size": d.size,
        "creationDate": super::rfc3339(&d.creation),
        "expirationDate": d.expiration.map(|t| super::rfc3339(&t)),
        "validationDate": d.validation.map(|t| super::rfc3339(&t)),
        "getUrl": temp_url(d, "GET"),
        "putUrl": temp_url(d, "PUT"),
        "tags": d.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
    })
}

struct State {
    /// By creation rank: listing order.
    documents: BTreeMap<u64, Document>,
    /// Rank by id.
    ranks: HashMap<String, u64>,
    /// The rank of the next document created.
    next: u64,
}

impl State {
    fn insert(&mut self, rank: u64, document: Document) {
        self.ranks.insert(document.id.clone(), rank);
        self.documents.insert(rank, document);
    }

    /// The document of the `id` path parameter: 400 when it is not a UUID, 404 when unknown.
    fn rank(&self, request: &FlowRequest<'_>) -> Result<u64, ApiError> {
        let id = request.param("id");
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(invalid_type("id", &json!(id), "uuid"));
        }
        let wanted = id.to_ascii_lowercase();
        self.ranks
            .get(&wanted)
            .copied()
            .ok_or_else(|| object_not_found("id", id))
    }
}

/// The `/me/document` flow.
pub struct Documents {
    state: Mutex<State>,
    wall: WallClock,
}

impl Documents {
    /// The ten documents the tests know.
    pub fn new() -> Self {
        Self::with_count(10)
    }

    pub fn with_count(count: usize) -> Self {
        let mut state = State {
            documents: BTreeMap::new(),
            ranks: HashMap::with_capacity(count),
            next: count as u64,
        };
        for n in 0..count {
            state.insert(n as u64, seeded(n, count));
        }
        Documents {
            state: Mutex::new(state),
            wall: WallClock::new(),
        }
    }

    /// How many documents there are now.
    pub fn len(&self) -> usize {
        self.lock().documents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn create(&self, request: &FlowRequest<'_>) -> Result<Value, ApiError> {
        let body = body_object(request)?;
        let name = opt_str(&body, "name", "string")?
            .ok_or_else(|| missing_property("name"))?
            .to_owned();
        let tags = parse_tags(&body)?;
        let now = self.wall.at(request.now);
        let creation = now.with_timezone(&paris(now.date_naive()));
        let creation = chrono::Timelike::with_nanosecond(&creation, 0).unwrap_or(creation);
        let mut state = self.lock();
        let rank = state.next;
        state.next += 1;
        let document = Document {
            id: document_id(rank),
            name,
            tags,
            size: 0,
            creation,
            expiration: None,
            validation: None,
        };
        let answer = document_json(&document);
        state.insert(rank, document);
        Ok(answer)
    }

    fn update(&self, request: &FlowRequest<'_>) -> Result<Value, ApiError> {
        let body = body_object(request)?;
        let expiration = match body.get("expirationDate") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) => match DateTime::parse_from_rfc3339(s) {
                Ok(t) => Some(Some(t)),
                Err(_) => return Err(invalid_type("expirationDate", &json!(s), "datetime")),
            },
            Some(other) => return Err(invalid_type("expirationDate", other, "datetime")),
        };
        let mut state = self.lock();
        let rank = state.rank(request)?;
        if let (Some(expiration), Some(document)) = (expiration, state.documents.get_mut(&rank)) {
            document.expiration = expiration;
        }
        Ok(Value::Null)
    }
}

/// `tags`: absent, null, or a list of `{key, value}` strings.
fn parse_tags(body: &Map<String, Value>) -> Result<Vec<(String, String)>, ApiError> {
    const TYPE: &str = "complexType.SafeKeyValue<string>[]";
    match body.get("tags") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let key = item.get("key").and_then(Value::as_str);
                let value = item.get("value").and_then(Value::as_str);
                match (key, value) {
                    (Some(k), Some(v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
                    _ => Err(invalid_type(
                        "tags",
                        item,
                        "complexType.SafeKeyValue<string>",
                    )),
                }
            })
            .collect(),
        Some(other) => Err(invalid_type("tags", other, TYPE)),
    }
}

impl Default for Documents {
    fn default() -> Self {
        Self::new()
    }
}

impl Flow for Documents {
    fn handle(&self, request: &FlowRequest<'_>) -> FlowResponse {
        if request.branch != "v1" {
            return FlowResponse::NotHandled;
        }
        let answer = match (request.method, request.template) {
            ("GET", "/me/document") => {
                let state = self.lock();
                Ok(json!(state
                    .documents
                    .values()
                    .map(|d| d.id.as_str())
                    .collect::<Vec<_>>()))
            }
            ("POST", "/me/document") => self.create(request),
            ("GET", "/me/document/{id}") => {
                let state = self.lock();
                state
                    .rank(request)
                    .map(|rank| document_json(&state.documents[&rank]))
            }
            ("PUT", "/me/document/{id}") => self.update(request),
            ("DELETE", "/me/document/{id}") => {
                let mut state = self.lock();
                state.rank(request).map(|rank| {
                    if let Some(d) = state.documents.remove(&rank) {
                        state.ranks.remove(&d.id);
                    }
                    Value::Null
                })
            }
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

    fn ids(docs: &Documents) -> Vec<String> {
        serde_json::from_value(Req::get("/me/document").ok(docs)).unwrap()
    }

    fn get(docs: &Documents, id: &str) -> Value {
        Req::get("/me/document/{id}").param("id", id).ok(docs)
    }

    #[test]
    fn ten_fixed_documents_consistent_between_list_and_detail() {
        let docs = Documents::new();
        let all = ids(&docs);
        assert_eq!(all.len(), 10);
        assert_eq!(all, ids(&Documents::new()), "the same on every run");
        let mut dates = Vec::new();
        for id in &all {
            let d = get(&docs, id);
            assert_eq!(d["id"], id.as_str());
            assert!(d["name"].as_str().unwrap().contains('.'));
            assert!(d["size"].as_i64().unwrap() >= 20_000);
            assert!(d["getUrl"].as_str().unwrap().contains(id.as_str()));
            assert_eq!(d["tags"][0]["key"], "type");
            dates.push(DateTime::parse_from_rfc3339(d["creationDate"].as_str().unwrap()).unwrap());
        }
        assert!(dates.windows(2).all(|w| w[0] < w[1]));
        assert!(get(&docs, &all[0])["validationDate"].is_string());
        assert!(get(&docs, &all[1])["validationDate"].is_null());
        // Thousands: unique ids, still ordered.
        let many = Documents::with_count(3_000);
        let listed = ids(&many);
        assert_eq!(listed.len(), 3_000);
        assert_eq!(
            listed[..10],
            all[..],
            "the first ids do not depend on the count"
        );
        let unique: std::collections::HashSet<_> = listed.iter().collect();
        assert_eq!(unique.len(), 3_000);
        let last = get(&many, &listed[2_999]);
        assert!(last["creationDate"].as_str().unwrap() < "2026-03");
    }

    #[test]
    fn post_put_and_delete() {
        let docs = Documents::new();
        let created = Req::post("/me/document")
            .body(json!({"name": "invoice.pdf", "tags": [{"key": "project", "value": "export"}]}))
            .ok(&docs);
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["name"], "invoice.pdf");
        assert_eq!(created["size"], 0);
        assert_eq!(
            created["tags"],
            json!([{"key": "project", "value": "export"}])
        );
        assert_eq!(get(&docs, &id), created);
        let all = ids(&docs);
        assert_eq!(all.len(), 11);
        assert_eq!(all.last(), Some(&id));
        // The same calls give the same ids.
        let again = Req::post("/me/document")
            .body(json!({"name": "x"}))
            .ok(&Documents::new());
        assert_eq!(again["id"], id.as_str());

        Req::put("/me/document/{id}")
            .param("id", &id)
            .body(json!({"expirationDate": "2030-01-01T00:00:00+01:00"}))
            .ok(&docs);
        assert_eq!(
            get(&docs, &id)["expirationDate"],
            "2030-01-01T00:00:00+01:00"
        );

        assert_eq!(
            Req::delete("/me/document/{id}").param("id", &id).ok(&docs),
            Value::Null
        );
        assert_eq!(ids(&docs).len(), 10);
        let e = Req::get("/me/document/{id}").param("id", &id).err(&docs);
        assert_eq!((e.status, e.class.as_str()), (404, "Client::NotFound"));
        assert_eq!(
            e.message,
            format!("The requested object (id = {id}) does not exist")
        );
        let e = Req::delete("/me/document/{id}").param("id", &id).err(&docs);
        assert_eq!(e.status, 404);
    }

    #[test]
    fn bad_requests() {
        let docs = Documents::new();
        let e = Req::post("/me/document").body(json!({})).err(&docs);
        assert_eq!(e.message, "[name] Property is mandatory");
        let e = Req::post("/me/document")
            .body(json!({"name": 3}))
            .err(&docs);
        assert_eq!(e.status, 400);
        let e = Req::post("/me/document")
            .body(json!({"name": "a", "tags": [{"key": "k"}]}))
            .err(&docs);
        assert_eq!(e.status, 400);
        let e = Req::get("/me/document/{id}").param("id", "nope").err(&docs);
        assert_eq!(
            e.message,
            "[id] Given data (nope) is not valid for type uuid"
        );
        assert_eq!(ids(&docs).len(), 10);
        assert!(matches!(
            Req::post("/me/document/cors").send(&docs),
            FlowResponse::NotHandled
        ));
    }
}
