//! The Scaleway mode over real HTTP: authentication, the InterLink scenario of Scaleway's
//! docs, lists, every validation error with Scaleway's bodies, quotas, faults and rate limits.

use std::time::{Duration, Instant};

use ovhcloud_emulator::scaleway::{ScalewayConfig, ScalewayEmulator};
use ovhcloud_emulator::Faults;
use serde_json::{json, Value};

const LINKS: &str = "POST /interlink/v1beta1/regions/{region}/links";
const POLICIES: &str = "POST /interlink/v1beta1/regions/{region}/routing-policies";

/// A client of one region with one key, written from the API reference (not from the
/// emulator's code).
struct Scw {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    region: &'static str,
}

/// Status, body (`Null` when empty) and headers of an answer.
struct Answer {
    status: u16,
    body: Value,
    headers: reqwest::header::HeaderMap,
}

impl Scw {
    fn new(emu: &ScalewayEmulator, token: Option<&str>) -> Scw {
        Scw {
            http: reqwest::Client::new(),
            base: emu.base_url(),
            token: token.map(str::to_owned),
            region: "fr-par",
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let url = format!(
            "{}/interlink/v1beta1/regions/{}/{path}",
            self.base, self.region
        );
        let mut request = self
            .http
            .request(method.parse().unwrap(), url)
            .header("accept", "application/json");
        if let Some(token) = &self.token {
            request = request.header("x-auth-token", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the emulator answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        Answer {
            status,
            body,
            headers,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.call("POST", path, Some(body)).await
    }

    /// `POST links/{id}/{action}` (`attach-vpc`, `enable-route-propagation`…).
    async fn action(&self, id: &str, action: &str, body: Value) -> Answer {
        self.post(&format!("links/{id}/{action}"), body).await
    }

    /// The same, which must succeed: the link after the action.
    async fn action_ok(&self, id: &str, action: &str, body: Value) -> Value {
        self.ok("POST", &format!("links/{id}/{action}"), Some(body))
            .await
    }

    /// A successful call's body; panics with the answer otherwise.
    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let answer = self.call(method, path, body).await;
        assert_eq!(answer.status, 200, "{method} {path}: {}", answer.body);
        answer.body
    }

    /// Polls `GET links/{id}` until `done` holds (5 s at most).
    async fn wait_link(&self, id: &str, done: impl Fn(&Answer) -> bool) -> Answer {
        let start = Instant::now();
        loop {
            let answer = self.get(&format!("links/{id}")).await;
            if done(&answer) {
                return answer;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "link {id}: {}",
                answer.body
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The first dedicated connection of the key's project and its PoP.
    async fn connection(&self) -> (Value, String) {
        let list = self.ok("GET", "dedicated-connections", None).await;
        let connection = list["connections"][0].clone();
        let pop = connection["pop_id"].as_str().unwrap().to_owned();
        (connection, pop)
    }

    async fn policy(&self, name: &str, ipv6: bool) -> String {
        let prefix = if ipv6 { "fd00:10::/48" } else { "10.10.0.0/16" };
        let body = json!({"name": name, "is_ipv6": ipv6, "prefix_filter_in": [prefix], "prefix_filter_out": [prefix]});
        let policy = self.ok("POST", "routing-policies", Some(body)).await;
        policy["id"].as_str().unwrap().to_owned()
    }

    /// A self-hosted link on the first connection; `extra` members override the defaults.
    async fn create_link(&self, extra: Value) -> Answer {
        let (connection, pop) = self.connection().await;
        let mut body = json!({"name": "link", "pop_id": pop, "connection_id": connection["id"], "bandwidth_mbps": 1000});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        self.post("links", body).await
    }
}

async fn start(config: ScalewayConfig) -> (ScalewayEmulator, Scw) {
    let emu = ScalewayEmulator::start(config).await.expect("starts");
    let (_, secret) = emu.create_api_key();
    let scw = Scw::new(&emu, Some(&secret));
    (emu, scw)
}

/// The `details[0]` of an `invalid_arguments` answer, after checking its envelope.
fn invalid(answer: &Answer) -> &Value {
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.body["type"], "invalid_arguments", "{}", answer.body);
    assert_eq!(answer.body["message"], "invalid argument(s)");
    &answer.body["details"][0]
}

/// The `precondition` of a `precondition_failed` answer, after checking its envelope.
fn precondition(answer: &Answer) -> &Value {
    assert_eq!(answer.status, 412, "{}", answer.body);
    assert_eq!(
        answer.body["type"], "precondition_failed",
        "{}",
        answer.body
    );
    &answer.body["precondition"]
}

#[tokio::test]
async fn keys_are_checked_as_scaleway_does() {
    let (emu, scw) = start(ScalewayConfig::default()).await;
    let denied = |reason: &str| json!({"type":"denied_authentication","method":"api_key","reason":reason,"message":"authentication is denied"});
    let missing = Scw::new(&emu, None).get("links").await;
    assert_eq!(
        (missing.status, missing.body),
        (401, denied("invalid_argument"))
    );
    let malformed = Scw::new(&emu, Some("not-a-uuid")).get("links").await;
    assert_eq!(
        (malformed.status, malformed.body),
        (401, denied("invalid_argument"))
    );
    let unknown = Scw::new(&emu, Some(&uuid_like(7))).get("pops").await;
    assert_eq!((unknown.status, unknown.body), (401, denied("not_found")));
    assert_eq!(
        unknown.headers["content-type"], "application/json",
        "Go's SDK parses error bodies only with exactly this type"
    );
    let stats = emu.stats();
    assert_eq!(
        (stats.auth_failures, stats.total_applied()),
        (3, 0),
        "{stats:?}"
    );

    // A key of another project sees nothing of the default project and may not write there.
    let policy = scw.policy("mine", false).await;
    let (_, other_secret) = emu.create_api_key_for_project(&uuid_like(9));
    let other = Scw::new(&emu, Some(&other_secret));
    assert_eq!(
        other
            .get(&format!("routing-policies/{policy}"))
            .await
            .status,
        404
    );
    let listed = other.ok("GET", "routing-policies", None).await;
    assert_eq!(listed["total_count"], 0);
    let foreign = other
        .post(
            "routing-policies",
            json!({"name": "x", "project_id": emu.default_project_id()}),
        )
        .await;
    assert_eq!(foreign.status, 403);
    assert_eq!(
        foreign.body,
        json!({"type":"permissions_denied","message":"insufficient permissions",
            "details":[{"resource":"routing_policy","action":"write"}]})
    );
    let filter = other
        .get(&format!("links?project_id={}", emu.default_project_id()))
        .await;
    assert_eq!(filter.status, 403);
    assert_eq!(filter.body["details"][0]["action"], "read");
    // Its own dedicated connections are not the default project's.
    let mine = scw.connection().await.0;
    let theirs = other.connection().await.0;
    assert_ne!(mine["id"], theirs["id"]);
    assert_eq!(theirs["project_id"], uuid_like(9));
    emu.shutdown().await;
}

fn uuid_like(n: u8) -> String {
    format!("{n:08}-0000-4000-8000-000000000000")
}

#[tokio::test]
async fn self_hosted_link_scenario() {
    let config = ScalewayConfig::default().step(Duration::from_millis(150));
    let (emu, scw) = start(config).await;
    let (connection, pop) = scw.connection().await;
    assert_eq!(connection["status"], "active");
    assert_eq!(connection["project_id"], emu.default_project_id());
    let range = &connection["vlan_range"];
    assert!(range["start"].as_u64().unwrap() < range["end"].as_u64().unwrap());
    let pop_json = scw.ok("GET", &format!("pops/{pop}"), None).await;
    assert!(pop_json["available_link_bandwidths_mbps"]
        .as_array()
        .unwrap()
        .contains(&json!(1000)));

    // 1. An IPv4 routing policy.
    let policy = scw.policy("on-prem-v4", false).await;
    let policy_json = scw
        .ok("GET", &format!("routing-policies/{policy}"), None)
        .await;
    assert_eq!(policy_json["is_ipv6"], false);
    assert_eq!(
        policy_json["organization_id"],
        emu.default_organization_id()
    );
    assert_eq!(policy_json["region"], "fr-par");

    // 2. A self-hosted link on the dedicated connection, VLAN chosen.
    let vlan = range["start"].as_u64().unwrap() + 5;
    let created = scw
        .create_link(
            json!({"name": "paris-onprem", "vlan": vlan, "peer_asn": 64512, "tags": ["prod"]}),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let link = &created.body;
    let id = link["id"].as_str().unwrap().to_owned();
    assert_eq!(link["status"], "configuring");
    assert_eq!(
        (link["bgp_v4_status"].clone(), link["bgp_v6_status"].clone()),
        (json!("disabled"), json!("disabled"))
    );
    assert_eq!(link["self"], json!({"connection_id": connection["id"]}));
    assert!(link["partner"].is_null());
    assert_eq!(link["vlan"], vlan);
    assert_eq!(link["peer_bgp_config"]["asn"], 64512);
    assert_eq!(link["scw_bgp_config"]["asn"], 12876);
    assert!(link["scw_bgp_config"]["ipv4"]
        .as_str()
        .unwrap()
        .ends_with("/30"));
    assert_eq!(link["project_id"], emu.default_project_id());
    assert!(link["created_at"].as_str().unwrap().ends_with('Z'));

    // Changes wait for the configuration to end.
    let early = scw
        .action(&id, "attach-vpc", json!({"vpc_id": uuid_like(1)}))
        .await;
    assert_eq!(early.status, 409);
    assert_eq!(
        early.body,
        json!({"type":"transient_state","message":"resource is in a transient state",
            "resource":"link","resource_id":id,"current_state":"configuring"})
    );

    // 3. Active after one step.
    let active = scw.wait_link(&id, |a| a.body["status"] == "active").await;
    assert_eq!(active.body["bgp_v4_status"], "disabled");

    // 4. VPC, routing policy, route propagation.
    let vpc = uuid_like(2);
    let with_vpc = scw
        .action_ok(&id, "attach-vpc", json!({"vpc_id": vpc}))
        .await;
    assert_eq!(with_vpc["vpc_id"], vpc);
    let again = scw
        .action(&id, "attach-vpc", json!({"vpc_id": uuid_like(3)}))
        .await;
    assert_eq!(precondition(&again), "resource_still_in_use");
    let attached = scw
        .action_ok(
            &id,
            "attach-routing-policy",
            json!({"routing_policy_id": policy}),
        )
        .await;
    assert_eq!(attached["routing_policy_v4_id"], policy);
    assert_eq!(attached["routing_policy_id"], policy);
    assert_eq!(
        attached["bgp_v4_status"], "down",
        "the session comes up a step later"
    );
    let up = scw
        .wait_link(&id, |a| a.body["bgp_v4_status"] == "up")
        .await;
    assert_eq!(up.body["bgp_v6_status"], "disabled");
    for _ in 0..2 {
        let enabled = scw
            .action_ok(&id, "enable-route-propagation", json!({}))
            .await;
        assert_eq!(enabled["enable_route_propagation"], true);
    }

    // 5. Read back, by id and through filtered lists.
    let read = scw.ok("GET", &format!("links/{id}"), None).await;
    assert_eq!(
        (
            read["status"].clone(),
            read["vpc_id"].clone(),
            read["enable_route_propagation"].clone(),
            read["name"].clone()
        ),
        (
            json!("active"),
            json!(vpc),
            json!(true),
            json!("paris-onprem")
        )
    );
    for filter in [
        format!("vpc_id={vpc}"),
        format!("routing_policy_id={policy}"),
        "kind=self_hosted".to_owned(),
        "status=active&bgp_v4_status=up&tags=prod".to_owned(),
        format!("connection_id={}", connection["id"].as_str().unwrap()),
    ] {
        let list = scw.ok("GET", &format!("links?{filter}"), None).await;
        assert_eq!(list["total_count"], 1, "{filter}: {list}");
    }
    assert_eq!(
        scw.ok("GET", "links?kind=hosted", None).await["total_count"],
        0
    );
    let renamed = scw
        .ok(
            "PATCH",
            &format!("links/{id}"),
            Some(json!({"name": "renamed", "tags": ["a", "b"], "peer_asn": 64600})),
        )
        .await;
    assert_eq!(
        (renamed["name"].clone(), renamed["tags"].clone()),
        (json!("renamed"), json!(["a", "b"]))
    );
    assert_eq!(renamed["peer_bgp_config"]["asn"], 64600);
    let patched = scw
        .ok(
            "PATCH",
            &format!("routing-policies/{policy}"),
            Some(json!({"prefix_filter_in": ["192.168.0.0/24"]})),
        )
        .await;
    assert_eq!(patched["prefix_filter_in"], json!(["192.168.0.0/24"]));
    assert_eq!(
        patched["prefix_filter_out"],
        json!(["10.10.0.0/16"]),
        "members left out stay"
    );

    // 6. A policy in use cannot be deleted; detach, then delete everything.
    let in_use = scw
        .call("DELETE", &format!("routing-policies/{policy}"), None)
        .await;
    assert_eq!(precondition(&in_use), "resource_still_in_use");
    let detached = scw
        .action_ok(
            &id,
            "detach-routing-policy",
            json!({"routing_policy_id": policy}),
        )
        .await;
    assert!(detached["routing_policy_v4_id"].is_null());
    assert_eq!(detached["bgp_v4_status"], "disabled");
    let no_vpc = scw.action_ok(&id, "detach-vpc", json!({})).await;
    assert!(no_vpc["vpc_id"].is_null());
    assert_eq!(no_vpc["enable_route_propagation"], false);
    let deleting = scw.ok("DELETE", &format!("links/{id}"), None).await;
    assert_eq!(deleting["status"], "deprovisioning");
    let twice = scw.call("DELETE", &format!("links/{id}"), None).await;
    assert_eq!(twice.body["current_state"], "deprovisioning");
    let gone = scw.wait_link(&id, |a| a.status == 404).await;
    assert_eq!(gone.body["resource"], "link");
    let deleted = scw
        .call("DELETE", &format!("routing-policies/{policy}"), None)
        .await;
    assert_eq!((deleted.status, deleted.body), (204, Value::Null));
    assert_eq!(
        scw.get(&format!("routing-policies/{policy}")).await.status,
        404
    );
    let stats = emu.stats();
    assert_eq!(stats.applied(LINKS), 1, "{stats:?}");
    assert_eq!(stats.applied(POLICIES), 1, "{stats:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn hosted_links_go_through_partner_statuses() {
    let (emu, scw) = start(ScalewayConfig::default().step(Duration::from_millis(100))).await;
    let partners = scw.ok("GET", "partners?l3_connectivity=False", None).await;
    assert_eq!(partners["total_count"], 1, "{partners}");
    let partner = &partners["partners"][0];
    let pops = scw
        .ok(
            "GET",
            &format!(
                "pops?partner_id={}&order_by=name_desc",
                partner["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    let pop = pops["pops"][0]["id"].as_str().unwrap();
    let body = json!({"name": "hosted", "pop_id": pop, "partner_id": partner["id"], "bandwidth_mbps": 500});
    let link = scw.ok("POST", "links", Some(body)).await;
    assert_eq!(link["status"], "requested");
    assert!(link["self"].is_null());
    assert_eq!(link["partner"]["partner_id"], partner["id"]);
    assert_eq!(link["partner"]["l3_connectivity"], false);
    assert!(!link["partner"]["pairing_key"].as_str().unwrap().is_empty());
    let id = link["id"].as_str().unwrap();
    scw.wait_link(id, |a| a.body["status"] == "provisioning")
        .await;
    scw.wait_link(id, |a| a.body["status"] == "active").await;
    let list = scw.ok("GET", "links?kind=l2_hosted", None).await;
    assert_eq!(list["total_count"], 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn lists_page_filter_and_sort() {
    let (emu, scw) = start(ScalewayConfig::default().step(Duration::ZERO)).await;
    for i in 0..7 {
        let body = json!({"name": format!("policy-{i}"), "is_ipv6": i % 3 == 0, "tags": if i < 2 {vec!["blue"]} else {vec!["red"]}});
        scw.ok("POST", "routing-policies", Some(body)).await;
    }
    let mut names = Vec::new();
    for page in 1..=3 {
        let list = scw
            .ok(
                "GET",
                &format!("routing-policies?page={page}&page_size=3"),
                None,
            )
            .await;
        assert_eq!(list["total_count"], 7);
        let items = list["routing_policies"].as_array().unwrap();
        assert_eq!(items.len(), if page < 3 { 3 } else { 1 });
        names.extend(items.iter().map(|p| p["name"].as_str().unwrap().to_owned()));
    }
    assert_eq!(
        names,
        (0..7).map(|i| format!("policy-{i}")).collect::<Vec<_>>(),
        "created_at_asc by default"
    );
    let past = scw
        .ok("GET", "routing-policies?page=4&page_size=3", None)
        .await;
    assert_eq!(
        (
            past["total_count"].clone(),
            past["routing_policies"].clone()
        ),
        (json!(7), json!([]))
    );
    let desc = scw
        .ok(
            "GET",
            "routing-policies?order_by=name_desc&page_size=1",
            None,
        )
        .await;
    assert_eq!(desc["routing_policies"][0]["name"], "policy-6");
    assert_eq!(
        scw.ok("GET", "routing-policies?ipv6=true", None).await["total_count"],
        3
    );
    assert_eq!(
        scw.ok("GET", "routing-policies?tags=blue", None).await["total_count"],
        2
    );
    assert_eq!(
        scw.ok("GET", "routing-policies?name=CY-5", None).await["total_count"],
        1
    );
    let default_size = scw.ok("GET", "pops", None).await;
    assert_eq!(default_size["total_count"], 3, "fr-par has three PoPs");
    let dedicated = scw.ok("GET", "pops?dedicated_available=true", None).await;
    assert_eq!(dedicated["total_count"], 2);
    for bad in [
        "page=0",
        "page_size=0",
        "page_size=1001",
        "order_by=size_asc",
        "page=x",
    ] {
        let answer = scw.get(&format!("routing-policies?{bad}")).await;
        let detail = invalid(&answer);
        assert_eq!(
            detail["argument_name"],
            bad.split('=').next().unwrap(),
            "{bad}"
        );
    }
    assert_eq!(
        scw.ok("GET", "routing-policies?page_size=1000", None).await["total_count"],
        7
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn invalid_requests_get_scaleway_errors() {
    let (emu, scw) = start(ScalewayConfig::default().step(Duration::ZERO)).await;
    let (connection, pop) = scw.connection().await;
    let start_vlan = connection["vlan_range"]["start"].as_u64().unwrap();
    let end_vlan = connection["vlan_range"]["end"].as_u64().unwrap();
    let cases = [
        (
            json!({"bandwidth_mbps": 1234}),
            "bandwidth_mbps",
            "constraint",
        ),
        (json!({"vlan": end_vlan + 1}), "vlan", "constraint"),
        (json!({"connection_id": null}), "connection_id", "required"),
        (
            json!({"partner_id": uuid_like(4)}),
            "partner_id",
            "constraint",
        ),
        (json!({"name": ""}), "name", "constraint"),
        (json!({"name": null}), "name", "required"),
        (json!({"peer_asn": 70000}), "peer_asn", "constraint"),
        (json!({"peer_asn": 0}), "peer_asn", "constraint"),
        (json!({"pop_id": "nope"}), "pop_id", "format"),
    ];
    for (extra, argument, reason) in cases {
        let answer = scw.create_link(extra.clone()).await;
        let detail = invalid(&answer);
        assert_eq!(
            (detail["argument_name"].as_str(), detail["reason"].as_str()),
            (Some(argument), Some(reason)),
            "{extra}: {}",
            answer.body
        );
        assert!(!detail["help_message"].as_str().unwrap().is_empty());
    }
    // Both hosts at once.
    let partner = scw.ok("GET", "partners", None).await["partners"][0]["id"].clone();
    let both = scw.create_link(json!({"partner_id": partner})).await;
    assert_eq!(invalid(&both)["argument_name"], "partner_id");
    // A VLAN already taken on the connection.
    scw.create_link(json!({"vlan": start_vlan})).await;
    let taken = scw.create_link(json!({"vlan": start_vlan})).await;
    let detail = invalid(&taken);
    assert!(
        detail["help_message"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{detail}"
    );
    // An IPv4 policy where an IPv6 one is expected.
    let v4 = scw.policy("v4", false).await;
    let wrong_family = scw.create_link(json!({"routing_policy_v6_id": v4})).await;
    assert_eq!(
        invalid(&wrong_family)["argument_name"],
        "routing_policy_v6_id"
    );
    // Prefixes of the other family.
    let bad_prefix = scw
        .post(
            "routing-policies",
            json!({"name": "x", "is_ipv6": true, "prefix_filter_in": ["10.0.0.0/8"]}),
        )
        .await;
    assert_eq!(invalid(&bad_prefix)["argument_name"], "prefix_filter_in");
    // A hosted link with a bandwidth the PoP does not offer.
    let hosted = scw
        .post(
            "links",
            json!({"name": "h", "pop_id": pop, "partner_id": partner, "bandwidth_mbps": 3}),
        )
        .await;
    assert_eq!(invalid(&hosted)["argument_name"], "bandwidth_mbps");
    // Route propagation needs a VPC; detaching what is not there.
    let link = scw.create_link(json!({})).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let propagation = scw
        .action(&link, "enable-route-propagation", json!({}))
        .await;
    assert_eq!(precondition(&propagation), "attribute_must_be_set");
    let detach = scw
        .action(
            &link,
            "detach-routing-policy",
            json!({"routing_policy_id": v4}),
        )
        .await;
    assert_eq!(detach.status, 412);
    // Unknown resources, with Scaleway's not_found body.
    let missing = uuid_like(5);
    let answer = scw.get(&format!("links/{missing}")).await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.body,
        json!({"type":"not_found","message":"resource is not found","resource":"link","resource_id":missing})
    );
    let attach = scw
        .action(
            &link,
            "attach-routing-policy",
            json!({"routing_policy_id": missing}),
        )
        .await;
    assert_eq!(
        (attach.status, attach.body["resource"].clone()),
        (404, json!("routing_policy"))
    );
    // Unknown region, unknown path, bad JSON.
    let mut elsewhere = Scw::new(&emu, scw.token.as_deref());
    elsewhere.region = "us-east";
    assert_eq!(
        invalid(&elsewhere.get("links").await)["argument_name"],
        "region"
    );
    let nowhere = scw.get("links/a/b/c").await;
    assert_eq!(
        (nowhere.status, nowhere.body["type"].clone()),
        (404, json!("not_found"))
    );
    let raw = reqwest::Client::new()
        .post(format!(
            "{}/interlink/v1beta1/regions/fr-par/links",
            emu.base_url()
        ))
        .header("x-auth-token", scw.token.as_deref().unwrap())
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    // Nothing refused was stored: the two links made on purpose are all there is.
    assert_eq!(scw.ok("GET", "links", None).await["total_count"], 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn link_quota_is_enforced_per_project() {
    let (emu, scw) = start(ScalewayConfig::default().step(Duration::ZERO).link_quota(2)).await;
    for _ in 0..2 {
        assert_eq!(scw.create_link(json!({})).await.status, 200);
    }
    let over = scw.create_link(json!({})).await;
    assert_eq!(over.status, 403);
    assert_eq!(
        over.body,
        json!({"type":"quotas_exceeded","message":"quota(s) exceeded for this resource",
            "details":[{"resource":"links","quota":2,"current":2}]})
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn faults_and_rate_limits_come_before_the_operation() {
    let (emu, scw) = start(ScalewayConfig::default()).await;
    emu.set_faults(Faults {
        error_rate: 1.0,
        error_statuses: vec![503],
        max_faults: Some(1),
        ..Faults::default()
    });
    let faulted = scw.post("routing-policies", json!({"name": "p"})).await;
    assert_eq!(faulted.status, 503);
    assert_eq!(faulted.headers["x-emulator-fault"], "503");
    assert_eq!(
        scw.ok("GET", "routing-policies", None).await["total_count"],
        0,
        "not applied"
    );
    scw.ok("POST", "routing-policies", Some(json!({"name": "p"})))
        .await;
    let stats = emu.stats();
    assert_eq!(
        (stats.received(POLICIES), stats.applied(POLICIES)),
        (2, 1),
        "{stats:?}"
    );
    assert_eq!(stats.faults.get("503"), Some(&1));

    // A dropped connection, then the admin API turns faults off again.
    emu.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    });
    let url = format!("{}/interlink/v1beta1/regions/fr-par/pops", emu.base_url());
    let dropped = reqwest::Client::new()
        .get(&url)
        .header("x-auth-token", scw.token.as_deref().unwrap())
        .send()
        .await;
    let failed = match dropped {
        Err(_) => true,
        Ok(response) => response.text().await.is_err(),
    };
    assert!(failed, "the connection is dropped");
    let admin = reqwest::Client::new();
    let off = admin
        .put(format!("{}/_emulator/faults", emu.base_url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 200);

    // The rate limit, per key.
    emu.set_rate_limit(Some(2));
    let limited = futures_statuses(&scw, 4).await;
    assert!(
        limited.iter().any(|a| a.status == 429),
        "{:?}",
        limited.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    let too_many = limited.iter().find(|a| a.status == 429).unwrap();
    assert_eq!(too_many.headers["retry-after"], "1");
    assert_eq!(too_many.body["type"], "too_many_requests");
    assert_eq!(too_many.body["limit"]["quota"], 2);
    assert!(emu.stats().rate_limited >= 1);

    // Keys from the admin API work.
    emu.set_rate_limit(None);
    let key: Value = admin
        .post(format!("{}/_emulator/apiKeys", emu.base_url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(key["access_key"].as_str().unwrap().starts_with("SCW"));
    assert_eq!(key["project_id"], emu.default_project_id());
    let fresh = Scw::new(&emu, key["secret_key"].as_str());
    assert_eq!(
        fresh.ok("GET", "routing-policies", None).await["total_count"],
        1
    );
    let stats: Value = admin
        .get(format!("{}/_emulator/stats", emu.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(stats["rateLimited"].as_u64().unwrap() >= 1, "{stats}");
    emu.shutdown().await;
}

/// `n` calls in a row.
async fn futures_statuses(scw: &Scw, n: usize) -> Vec<Answer> {
    let mut answers = Vec::new();
    for _ in 0..n {
        answers.push(scw.get("pops").await);
    }
    answers
}

/// The binary's `--scaleway` mode: the same listening line, known keys, the admin API.
#[tokio::test]
async fn binary_serves_the_scaleway_mode() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let secret = "11111111-2222-4333-8444-555555555555";
    let mut child = Command::new(env!("CARGO_BIN_EXE_ovhcloud-emulator"))
        .args(["--scaleway", "--link-step-ms", "0", "--rate-limit", "0"])
        .args([
            "--scaleway-api-key",
            &format!("SCW0123456789ABCDEFGH:{secret}"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("ovhcloud-emulator listening on ")
        .unwrap_or_default()
        .to_owned();
    let http = reqwest::Client::new();
    let pops = http
        .get(format!("{url}/interlink/v1beta1/regions/pl-waw/pops"))
        .header("x-auth-token", secret)
        .send()
        .await;
    let key = http.post(format!("{url}/_emulator/apiKeys")).send().await;
    let _ = child.kill();
    let _ = child.wait();
    let pops: Value = pops.expect("answers").json().await.unwrap();
    assert_eq!(pops["total_count"], 2, "{pops}");
    assert_eq!(pops["pops"][0]["region"], "pl-waw");
    let key: Value = key.expect("answers").json().await.unwrap();
    assert!(
        uuid_like(0).len() == key["secret_key"].as_str().unwrap().len(),
        "{key}"
    );
}
