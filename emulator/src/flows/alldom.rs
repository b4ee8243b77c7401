//! `/allDom`: AllDom packs (`allDom.AllDomServiceWithIAM`), their domains (`allDom.Domain`)
//! and their service information (`services.Service`).
//!
//! Three packs (or as many as configured) of five domains each (or as many as configured),
//! with fixed names: pack `n` (from 0) is named `<word>-<n+1, two digits at least>`
//! (`lumiere-01`, `cascade-02`…), its offer and type rotate, and its domains are its name
//! under the extensions of its type (`.fr`, `.re`… for `french`, `.com`, `.net`… for
//! `international`, both for `french+international`), then again as `<name>-2.<ext>`, `-3`…
//! when more domains than extensions are asked for. Lists are sorted by name. The data never
//! change, so they need no lock; lookups go through indexes.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{json, Value};

use super::{object_not_found, stable_uuid, ApiError, Flow, FlowRequest, FlowResponse};

const WORDS: [&str; 8] = [
    "lumiere", "cascade", "horizon", "bocage", "mistral", "calanque", "garrigue", "bruyere",
];
const OFFERS: [&str; 3] = ["diamond", "gold", "platinum"];
const TYPES: [&str; 3] = ["french", "french+international", "international"];
const FRENCH: [&str; 6] = ["fr", "re", "pm", "yt", "tf", "wf"];
const INTERNATIONAL: [&str; 12] = [
    "com", "net", "org", "eu", "info", "de", "es", "it", "be", "ch", "nl", "co.uk",
];

#[derive(Clone, Debug)]
struct Pack {
    name: String,
    offer: &'static str,
    kind: &'static str,
    /// Sorted.
    domains: Vec<String>,
    service_id: i64,
    creation: NaiveDate,
    contact: String,
}

impl Pack {
    fn new(n: usize, domains_each: usize) -> Pack {
        let name = format!("{}-{:02}", WORDS[n % WORDS.len()], n + 1);
        let kind = TYPES[(n + n / 3) % TYPES.len()];
        let extensions: Vec<&str> = match kind {
            "french" => FRENCH.to_vec(),
            "international" => INTERNATIONAL.to_vec(),
            _ => FRENCH.iter().chain(&INTERNATIONAL).copied().collect(),
        };
        let mut domains: Vec<String> = (0..domains_each)
            .map(|j| {
                let ext = extensions[j % extensions.len()];
                match j / extensions.len() {
                    0 => format!("{name}.{ext}"),
                    round => format!("{name}-{}.{ext}", round + 1),
                }
            })
            .collect();
        domains.sort();
        let first = NaiveDate::from_ymd_opt(2019, 3, 11).unwrap_or_default();
        let contact = format!(
            "{}{}-ovh",
            ["ab", "cd", "ef", "gh"][n % 4],
            10_000 + (super::fnv1a(&name) % 90_000)
        );
        Pack {
            offer: OFFERS[n % OFFERS.len()],
            kind,
            domains,
            service_id: 71_000_000 + n as i64 * 4_129,
            creation: first + Duration::days((n as i64 * 37) % 1_400),
            contact,
            name,
        }
    }

    fn has_domain(&self, domain: &str) -> bool {
        self.domains
            .binary_search_by(|d| d.as_str().cmp(domain))
            .is_ok()
    }

    fn json(&self) -> Value {
        json!({
            "name": self.name,
            "offer": self.offer,
            "type": self.kind,
            "iam": {
                "id": stable_uuid(&format!("/allDom/{}", self.name)),
                "urn": format!("urn:v1:eu:resource:allDom:{}", self.name),
                "displayName": self.name,
                "state": "OK",
            },
        })
    }

    fn service_infos(&self) -> Value {
        // Renewed every year: the next anniversary after the start of 2026.
        let years = 2026 - self.creation.year();
        let expiration = self
            .creation
            .checked_add_months(chrono::Months::new(12 * years.max(1) as u32))
            .unwrap_or(self.creation);
        let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        json!({
            "serviceId": self.service_id,
            "domain": self.name,
            "creation": day(self.creation),
            "expiration": day(expiration),
            "engagedUpTo": null,
            "status": "ok",
            "renewalType": "automaticV2016",
            "renew": {
                "automatic": true,
                "deleteAtExpiration": false,
                "forced": false,
                "manualPayment": false,
                "period": 12,
            },
            "possibleRenewPeriod": [12],
            "canDeleteAtExpiration": true,
            "contactAdmin": self.contact,
            "contactBilling": self.contact,
            "contactTech": self.contact,
        })
    }
}

/// The `/allDom` flow.
pub struct AllDom {
    /// Sorted by name.
    packs: Vec<Pack>,
    index: HashMap<String, usize>,
}

impl AllDom {
    /// The three packs of five domains the tests know.
    pub fn new() -> Self {
        Self::with_counts(3, 5)
    }

    pub fn with_counts(packs: usize, domains_each: usize) -> Self {
        let mut packs: Vec<Pack> = (0..packs).map(|n| Pack::new(n, domains_each)).collect();
        packs.sort_by(|a, b| a.name.cmp(&b.name));
        let index = packs
            .iter()
            .enumerate()
            .map(|(n, p)| (p.name.clone(), n))
            .collect();
        AllDom { packs, index }
    }

    fn pack(&self, request: &FlowRequest<'_>) -> Result<&Pack, ApiError> {
        let name = request.param("serviceName");
        self.index
            .get(name)
            .map(|&n| &self.packs[n])
            .ok_or_else(|| object_not_found("serviceName", name))
    }

    fn domains(&self, request: &FlowRequest<'_>) -> Result<Value, ApiError> {
        let pack = self.pack(request)?;
        // `domain`: "Filter the value of domain property (like)": `%` and `_` are wildcards.
        let filter = request.query_value("domain");
        let domains: Vec<&str> = pack
            .domains
            .iter()
            .map(String::as_str)
            .filter(|d| filter.is_none_or(|f| super::like(f, d)))
            .collect();
        Ok(json!(domains))
    }

    fn domain(&self, request: &FlowRequest<'_>) -> Result<Value, ApiError> {
        let pack = self.pack(request)?;
        let domain = request.param("domain");
        if pack.has_domain(domain) {
            Ok(json!({"domain": domain}))
        } else {
            Err(object_not_found("domain", domain))
        }
    }
}

impl Default for AllDom {
    fn default() -> Self {
        Self::new()
    }
}

impl Flow for AllDom {
    fn handle(&self, request: &FlowRequest<'_>) -> FlowResponse {
        if request.branch != "v1" || request.method != "GET" {
            return FlowResponse::NotHandled;
        }
        let answer = match request.template {
            "/allDom" => Ok(json!(self
                .packs
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>())),
            "/allDom/{serviceName}" => self.pack(request).map(Pack::json),
            "/allDom/{serviceName}/serviceInfos" => self.pack(request).map(Pack::service_infos),
            "/allDom/{serviceName}/domain" => self.domains(request),
            "/allDom/{serviceName}/domain/{domain}" => self.domain(request),
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

    fn strings(value: Value) -> Vec<String> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn three_packs_of_five_domains() {
        let alldom = AllDom::new();
        let names = strings(Req::get("/allDom").ok(&alldom));
        assert_eq!(names, ["cascade-02", "horizon-03", "lumiere-01"]);
        let mut seen = std::collections::HashSet::new();
        for name in &names {
            let pack = Req::get("/allDom/{serviceName}")
                .param("serviceName", name)
                .ok(&alldom);
            assert_eq!(pack["name"], name.as_str());
            assert!(OFFERS.contains(&pack["offer"].as_str().unwrap()));
            assert!(TYPES.contains(&pack["type"].as_str().unwrap()));
            let domains = strings(
                Req::get("/allDom/{serviceName}/domain")
                    .param("serviceName", name)
                    .ok(&alldom),
            );
            assert_eq!(domains.len(), 5);
            assert!(domains.windows(2).all(|w| w[0] < w[1]));
            for d in &domains {
                assert!(d.starts_with(&format!("{name}.")), "{d}");
                assert!(seen.insert(d.clone()), "{d} twice");
                let one = Req::get("/allDom/{serviceName}/domain/{domain}")
                    .param("serviceName", name)
                    .param("domain", d)
                    .ok(&alldom);
                assert_eq!(one, json!({"domain": d}));
            }
            let infos = Req::get("/allDom/{serviceName}/serviceInfos")
                .param("serviceName", name)
                .ok(&alldom);
            assert_eq!(infos["domain"], name.as_str());
            assert!(infos["expiration"].as_str().unwrap() > infos["creation"].as_str().unwrap());
        }
        let lumiere = Req::get("/allDom/{serviceName}")
            .param("serviceName", "lumiere-01")
            .ok(&alldom);
        assert_eq!(lumiere["type"], "french");
        assert_eq!(
            strings(
                Req::get("/allDom/{serviceName}/domain")
                    .param("serviceName", "lumiere-01")
                    .ok(&alldom)
            ),
            [
                "lumiere-01.fr",
                "lumiere-01.pm",
                "lumiere-01.re",
                "lumiere-01.tf",
                "lumiere-01.yt"
            ]
        );
    }

    #[test]
    fn counts_filters_and_404s() {
        let alldom = AllDom::with_counts(1_000, 40);
        let names = strings(Req::get("/allDom").ok(&alldom));
        assert_eq!(names.len(), 1_000);
        assert_eq!(
            names.iter().collect::<std::collections::HashSet<_>>().len(),
            1_000
        );
        let domains = strings(
            Req::get("/allDom/{serviceName}/domain")
                .param("serviceName", "lumiere-01")
                .ok(&alldom),
        );
        assert_eq!(domains.len(), 40);
        assert!(domains.contains(&"lumiere-01-7.fr".to_owned()));
        let filtered = strings(
            Req::get("/allDom/{serviceName}/domain")
                .param("serviceName", "lumiere-01")
                .query("domain", "lumiere-01-2.%")
                .ok(&alldom),
        );
        assert_eq!(filtered.len(), 6);
        let exact = strings(
            Req::get("/allDom/{serviceName}/domain")
                .param("serviceName", "lumiere-01")
                .query("domain", "lumiere-01.fr")
                .ok(&alldom),
        );
        assert_eq!(exact, ["lumiere-01.fr"]);

        let small = AllDom::new();
        let e = Req::get("/allDom/{serviceName}")
            .param("serviceName", "nope")
            .err(&small);
        assert_eq!((e.status, e.class.as_str()), (404, "Client::NotFound"));
        assert_eq!(
            e.message,
            "The requested object (serviceName = nope) does not exist"
        );
        let e = Req::get("/allDom/{serviceName}/domain/{domain}")
            .param("serviceName", "lumiere-01")
            .param("domain", "cascade-02.com")
            .err(&small);
        assert_eq!(
            e.message,
            "The requested object (domain = cascade-02.com) does not exist"
        );
        let e = Req::get("/allDom/{serviceName}/domain")
            .param("serviceName", "nope")
            .err(&small);
        assert_eq!(e.status, 404);
        assert!(AllDom::with_counts(0, 5).packs.is_empty());
    }
}
