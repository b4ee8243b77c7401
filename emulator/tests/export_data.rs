//! The data an export runs over, over HTTP: thousands of bills with their details, documents
//! (listed, created, deleted), AllDom packs and their domains, consistent between lists,
//! details and expanded listings; and objects deleted meanwhile (`Emulator::forget`,
//! `DELETE /_emulator/objects`).

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{Answer, Signer};
use ovhcloud_emulator::{Emulator, EmulatorConfig, ForgottenObject};
use serde_json::{json, Value};

const PAGES: (&str, &str) = ("X-Pagination-Mode", "CachedObjectList-Pages");

/// A schema directory with the snapshot's `me`, `allDom` and `auth` APIs only (the sample
/// schemas have no `/me/document` nor `/allDom`), made once per test binary.
fn schemas() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!(
            "ovhcloud-emulator-export-data-{}",
            std::process::id()
        ));
        let v1 = dir.join("v1");
        std::fs::create_dir_all(&v1).unwrap();
        for api in ["me", "allDom", "auth"] {
            let from = common::snapshot().join(format!("v1/{api}.json"));
            std::fs::copy(&from, v1.join(format!("{api}.json"))).unwrap();
        }
        dir
    })
    .clone()
}

async fn start(config: EmulatorConfig) -> (Emulator, Signer) {
    let emu = Emulator::start(config.rate_limit_per_sec(None))
        .await
        .expect("the emulator starts");
    let (ak, secret) = emu.create_application();
    let ck = emu.create_consumer_key(
        &ak,
        &[
            ("GET", "/*"),
            ("POST", "/*"),
            ("PUT", "/*"),
            ("DELETE", "/*"),
        ],
    );
    let signer = Signer::new(&emu.base_url(), &ak, &secret, &ck);
    (emu, signer)
}

fn ok(answer: &Answer) -> Value {
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.json()
}

fn strings(value: &Value) -> Vec<String> {
    serde_json::from_value(value.clone()).expect("a list of strings")
}

/// Every object of an expanded listing of `path`, in pages of `size`, checking the headers.
async fn all_pages(s: &Signer, path: &str, size: usize) -> Vec<Value> {
    let size_text = size.to_string();
    let mut objects = Vec::new();
    for number in 1.. {
        let n = number.to_string();
        let headers = [
            PAGES,
            ("X-Pagination-Size", size_text.as_str()),
            ("X-Pagination-Number", n.as_str()),
        ];
        let page = s.call_with("GET", path, &headers).await;
        let items = ok(&page).as_array().unwrap().clone();
        assert_eq!(page.header("x-pagination-size"), Some(size_text.as_str()));
        assert_eq!(page.header("x-pagination-number"), Some(n.as_str()));
        let total: usize = page
            .header("x-pagination-elements")
            .unwrap()
            .parse()
            .unwrap();
        assert!(items.len() <= size);
        objects.extend(items);
        if objects.len() >= total {
            assert_eq!(objects.len(), total);
            break;
        }
        assert_eq!(objects.len(), number * size, "only the last page is short");
    }
    objects
}

#[tokio::test]
async fn three_thousand_bills_answer_quickly_and_consistently() {
    let (_emu, s) = start(EmulatorConfig::new(schemas()).bill_count(3_000)).await;
    let start = Instant::now();
    let ids = strings(&ok(&s.call("GET", "/1.0/me/bill", None).await));
    let list_time = start.elapsed();
    assert_eq!(ids.len(), 3_000);
    assert!(list_time < Duration::from_secs(2), "{list_time:?}");

    // Expanded, in pages of 100: the same bills, each equal to its own answer.
    let start = Instant::now();
    let objects = all_pages(&s, "/1.0/me/bill", 100).await;
    let expanded_time = start.elapsed();
    assert!(expanded_time < Duration::from_secs(30), "{expanded_time:?}");
    let listed: Vec<&str> = objects
        .iter()
        .map(|o| o["billId"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids);
    for n in [0, 1_234, 2_999] {
        let one = ok(&s
            .call("GET", &format!("/1.0/me/bill/{}", ids[n]), None)
            .await);
        assert_eq!(one, objects[n]);
        let details = strings(&ok(&s
            .call("GET", &format!("/1.0/me/bill/{}/details", ids[n]), None)
            .await));
        assert!((1..=4).contains(&details.len()));
        let sum: i64 = {
            let mut sum = 0;
            for d in &details {
                let path = format!("/1.0/me/bill/{}/details/{d}", ids[n]);
                let detail = ok(&s.call("GET", &path, None).await);
                assert_eq!(detail["billDetailId"], d.as_str());
                sum += detail["totalPrice"]["priceInUcents"].as_i64().unwrap();
            }
            sum
        };
        assert_eq!(
            sum,
            one["priceWithoutTax"]["priceInUcents"].as_i64().unwrap()
        );
        // The details of one bill, expanded.
        let expanded = all_pages(&s, &format!("/1.0/me/bill/{}/details", ids[n]), 2).await;
        assert_eq!(expanded.len(), details.len());
    }

    // Filters on thousands, plain and expanded.
    let y2024 = strings(&ok(&s
        .call(
            "GET",
            "/1.0/me/bill?date.from=2024-01-01&date.to=2024-12-31",
            None,
        )
        .await));
    assert!((900..1_100).contains(&y2024.len()), "{}", y2024.len());
    let filtered = s
        .call_with(
            "GET",
            "/1.0/me/bill?date.from=2024-01-01&date.to=2024-12-31",
            &[PAGES, ("X-Pagination-Size", "10")],
        )
        .await;
    assert_eq!(
        filtered.header("x-pagination-elements"),
        Some(y2024.len().to_string().as_str())
    );
    assert_eq!(ok(&filtered)[0]["billId"], y2024[0].as_str());
}

#[tokio::test]
async fn documents_are_listed_created_and_deleted() {
    let (emu, s) = start(EmulatorConfig::new(schemas()).documents(25)).await;
    let ids = strings(&ok(&s.call("GET", "/1.0/me/document", None).await));
    assert_eq!(ids.len(), 25);
    let objects = all_pages(&s, "/1.0/me/document", 10).await;
    assert_eq!(objects.len(), 25);
    for (id, object) in ids.iter().zip(&objects) {
        assert_eq!(object["id"], id.as_str());
    }
    let one = ok(&s
        .call("GET", &format!("/1.0/me/document/{}", ids[7]), None)
        .await);
    assert_eq!(one, objects[7]);
    for member in ["name", "size", "creationDate", "getUrl", "putUrl", "tags"] {
        assert!(!one[member].is_null(), "{member} in {one}");
    }

    let body = r#"{"name":"export.csv","tags":[{"key":"by","value":"export"}]}"#;
    let created = ok(&s.call("POST", "/1.0/me/document", Some(body)).await);
    assert_eq!(created["name"], "export.csv");
    assert_eq!(created["tags"], json!([{"key": "by", "value": "export"}]));
    let id = created["id"].as_str().unwrap().to_owned();
    let after = strings(&ok(&s.call("GET", "/1.0/me/document", None).await));
    assert_eq!(after.len(), 26);
    assert_eq!(after.last(), Some(&id));
    let path = format!("/1.0/me/document/{id}");
    assert_eq!(ok(&s.call("GET", &path, None).await), created);

    assert_eq!(ok(&s.call("DELETE", &path, None).await), Value::Null);
    let gone = s.call("GET", &path, None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["class"], "Client::NotFound");
    assert_eq!(
        gone.json()["message"],
        format!("The requested object (id = {id}) does not exist")
    );
    assert_eq!(all_pages(&s, "/1.0/me/document", 10).await.len(), 25);
    let bad = s.call("GET", "/1.0/me/document/not-a-uuid", None).await;
    assert_eq!(bad.status, 400, "{bad:?}");
    let missing = s.call("POST", "/1.0/me/document", Some("{}")).await;
    assert_eq!(missing.status, 400, "{missing:?}");
    drop(emu);
}

#[tokio::test]
async fn alldom_packs_and_their_domains() {
    let (_emu, s) = start(EmulatorConfig::new(schemas()).alldoms(40, 12)).await;
    let names = strings(&ok(&s.call("GET", "/1.0/allDom", None).await));
    assert_eq!(names.len(), 40);
    let packs = all_pages(&s, "/1.0/allDom", 15).await;
    assert_eq!(
        packs
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        names
    );
    let mut every_domain = std::collections::HashSet::new();
    for name in names.iter().take(5) {
        let pack = ok(&s.call("GET", &format!("/1.0/allDom/{name}"), None).await);
        assert_eq!(pack["name"], name.as_str());
        assert!(pack["iam"]["urn"]
            .as_str()
            .unwrap()
            .ends_with(name.as_str()));
        let domains_path = format!("/1.0/allDom/{name}/domain");
        let domains = strings(&ok(&s.call("GET", &domains_path, None).await));
        assert_eq!(domains.len(), 12);
        let expanded = all_pages(&s, &domains_path, 5).await;
        assert_eq!(
            expanded,
            domains
                .iter()
                .map(|d| json!({"domain": d}))
                .collect::<Vec<_>>()
        );
        for d in &domains {
            assert!(every_domain.insert(d.clone()), "{d} twice");
        }
        let one = ok(&s
            .call("GET", &format!("{domains_path}/{}", domains[3]), None)
            .await);
        assert_eq!(one, json!({"domain": domains[3]}));
        let infos = ok(&s
            .call("GET", &format!("/1.0/allDom/{name}/serviceInfos"), None)
            .await);
        assert_eq!(infos["domain"], name.as_str());
        assert_eq!(infos["status"], "ok");
    }
    let unknown = s.call("GET", "/1.0/allDom/nope/domain", None).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.json()["message"],
        "The requested object (serviceName = nope) does not exist"
    );
    let other = format!("/1.0/allDom/{}/domain/{}.fr", names[0], names[1]);
    assert_eq!(s.call("GET", &other, None).await.status, 404);
}

#[tokio::test]
async fn a_bill_deleted_meanwhile_is_a_404_while_the_list_still_names_it() {
    let (emu, s) = start(EmulatorConfig::new(schemas())).await;
    let ids = strings(&ok(&s.call("GET", "/1.0/me/bill", None).await));
    let victim = ids[4].clone();
    let forgotten = emu.forget(&format!("/me/bill/{victim}")).unwrap();
    assert_eq!(
        forgotten,
        ForgottenObject {
            path: format!("/me/bill/{victim}"),
            listed: true
        }
    );
    // The list is as it was; the bill and what is under it are gone.
    assert_eq!(
        strings(&ok(&s.call("GET", "/1.0/me/bill", None).await)),
        ids
    );
    let gone = s.call("GET", &format!("/1.0/me/bill/{victim}"), None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.json(),
        json!({"class": "Client::NotFound", "httpCode": "404 Not Found",
               "message": format!("The requested object (billId = {victim}) does not exist")})
    );
    let details = s
        .call("GET", &format!("/1.0/me/bill/{victim}/details"), None)
        .await;
    assert_eq!(details.status, 404);
    let detail = s
        .call(
            "GET",
            &format!("/1.0/me/bill/{victim}/details/{victim}-1"),
            None,
        )
        .await;
    assert_eq!(detail.status, 404);
    // The others are untouched; an expanded listing leaves it out.
    let next = s
        .call("GET", &format!("/1.0/me/bill/{}", ids[5]), None)
        .await;
    assert_eq!(next.status, 200);
    let objects = all_pages(&s, "/1.0/me/bill", 7).await;
    assert_eq!(objects.len(), 29);
    assert!(objects.iter().all(|o| o["billId"] != victim.as_str()));

    // Removed: gone from the list too.
    emu.remove(&format!("/1.0/me/bill/{victim}")).unwrap();
    let now = strings(&ok(&s.call("GET", "/1.0/me/bill", None).await));
    assert_eq!(now.len(), 29);
    assert!(!now.contains(&victim));
    assert_eq!(emu.forgotten().len(), 1);
    assert!(emu.restore(&format!("/me/bill/{victim}")));
    assert_eq!(
        s.call("GET", &format!("/1.0/me/bill/{victim}"), None)
            .await
            .status,
        200
    );
    assert!(emu.forgotten().is_empty());
}

#[tokio::test]
async fn objects_are_forgotten_over_the_admin_api() {
    let (emu, s) = start(EmulatorConfig::new(schemas())).await;
    let http = reqwest::Client::new();
    let admin = format!("{}/_emulator/objects", emu.base_url());
    let docs = strings(&ok(&s.call("GET", "/1.0/me/document", None).await));
    let path = format!("/me/document/{}", docs[2]);
    let answer = http
        .delete(&admin)
        .query(&[("path", path.as_str()), ("listed", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body, json!({"path": path, "listed": false}));
    let listed = strings(&ok(&s.call("GET", "/1.0/me/document", None).await));
    assert_eq!(listed.len(), 9);
    assert!(!listed.contains(&docs[2]));
    assert_eq!(
        s.call("GET", &format!("/1.0{path}"), None).await.status,
        404
    );
    // A pack of AllDom: its domains are 404 too.
    let pack = strings(&ok(&s.call("GET", "/1.0/allDom", None).await))[0].clone();
    let answer = http
        .delete(&admin)
        .query(&[("path", format!("/1.0/allDom/{pack}"))])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let domains = s
        .call("GET", &format!("/1.0/allDom/{pack}/domain"), None)
        .await;
    assert_eq!(domains.status, 404);
    assert_eq!(
        strings(&ok(&s.call("GET", "/1.0/allDom", None).await)).len(),
        3,
        "listed by default"
    );
    let list: Value = http
        .get(format!("{admin}/forgotten"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list,
        json!({"forgotten": [{"path": path, "listed": false},
                             {"path": format!("/allDom/{pack}"), "listed": true}]})
    );
    let restored: Value = http
        .delete(format!("{admin}/forgotten"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(restored, json!({"restored": 2}));
    assert_eq!(
        strings(&ok(&s.call("GET", "/1.0/me/document", None).await)).len(),
        10
    );
    let missing = http.delete(&admin).send().await.unwrap();
    assert_eq!(missing.status(), 400);
    let root = http
        .delete(&admin)
        .query(&[("path", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(root.status(), 400);
}
