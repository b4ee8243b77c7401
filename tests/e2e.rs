//! End to end: the generated, typed client against the local emulator over real HTTP, through
//! the flows users run (OVH's guides), authentication, and injected faults.
#![cfg(all(
    feature = "ovhCloudConnect",
    feature = "vrack",
    feature = "me",
    feature = "v2_iam"
))]

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use ovhcloud::models::iam::policy::Creation;
use ovhcloud::models::ovhcloudconnect::{
    datacenter_extra_config, pop_config, DatacenterConfigCreate, DatacenterExtraConfigCreate,
    PopConfigCreate, Task,
};
use ovhcloud::types::Uuid;
use ovhcloud::wait::{until, Progress, WaitOptions};
use ovhcloud::{Client, CredentialRequest, Error, RateLimiter, RetryPolicy};
use ovhcloud_emulator::{BreakMode, Emulator, EmulatorConfig, Faults};

const ALL: &[(&str, &str)] = &[
    ("GET", "/*"),
    ("POST", "/*"),
    ("PUT", "/*"),
    ("DELETE", "/*"),
];

async fn emulator() -> Emulator {
    let config = EmulatorConfig::new(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas"))
        .task_step(Duration::from_millis(40));
    Emulator::start(config).await.expect("emulator starts")
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(50))
}

fn client(emu: &Emulator, rules: &[(&str, &str)]) -> Client {
    let (key, secret) = emu.create_application();
    let consumer = emu.create_consumer_key(&key, rules);
    Client::builder()
        .endpoint(emu.endpoint())
        .application(key, secret, consumer)
        .retry(fast_retries())
        // Under the emulator's 50 requests per second for one application.
        .rate_limit(RateLimiter::new(40, 10))
        .build()
        .unwrap()
}

fn waiting() -> WaitOptions {
    WaitOptions::default()
        .interval(Duration::from_millis(15), Duration::from_millis(60))
        .timeout(Duration::from_secs(10))
}

/// Waits for an OVHcloud Connect task and returns it, done.
async fn done(client: &Client, service: Uuid, task: Task) -> Task {
    let occ = client.ovh_cloud_connect();
    until("task", &waiting(), || async {
        Ok(Progress::of_task(
            occ.get_task_by_id(service, task.id).await?,
            |t| t.status.as_str(),
        ))
    })
    .await
    .unwrap()
}

async fn link_vrack(client: &Client, service: Uuid) {
    let vrack = client
        .vrack()
        .get()
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let task = client
        .vrack()
        .post_ovh_cloud_connect(&vrack, service)
        .await
        .unwrap();
    let api = client.vrack();
    until("vRack link", &waiting(), || async {
        Ok(Progress::of_task(
            api.get_task_by_task_id(&vrack, task.id).await?,
            |t| t.status.as_str(),
        ))
    })
    .await
    .unwrap();
    let linked = client
        .ovh_cloud_connect()
        .get_by_service_name(service)
        .await
        .unwrap();
    assert_eq!(linked.vrack.as_deref(), Some(vrack.as_str()));
}

#[tokio::test]
async fn ovhcloud_connect_l3_guide_start_to_finish() {
    let emu = emulator().await;
    let c = client(&emu, ALL);
    let occ = c.ovh_cloud_connect();
    let service = occ.get().await.unwrap()[0];
    link_vrack(&c, service).await;
    let interface = occ.get_interface(service).await.unwrap()[0];

    let mut pop = PopConfigCreate::new(interface, pop_config::TypeEnum::L3);
    pop.customer_bgp_area = Some(64512);
    pop.ovh_bgp_area = Some(64513);
    pop.subnet = Some("10.0.0.0/30".parse().unwrap());
    let task = occ.post_config_pop(service, &pop).await.unwrap();
    let pop_id = task.resource_id;
    let created = occ.get_config_pop_by_pop_id(service, pop_id).await.unwrap();
    assert_eq!(
        created.status,
        pop_config::StatusEnum::Init,
        "not active before its task is done"
    );
    done(&c, service, task).await;
    assert_eq!(
        occ.get_config_pop_by_pop_id(service, pop_id)
            .await
            .unwrap()
            .status,
        pop_config::StatusEnum::Active
    );

    // A datacenter needs a /28 or larger.
    let datacenter = occ.get_datacenter(service).await.unwrap()[0];
    let mut dc = DatacenterConfigCreate::new(datacenter);
    dc.ovh_bgp_area = Some(64514);
    dc.subnet = Some("10.1.0.0/29".parse().unwrap());
    let err = occ
        .post_config_pop_datacenter(service, pop_id, &dc)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    dc.subnet = Some("10.1.0.0/28".parse().unwrap());
    let task = occ
        .post_config_pop_datacenter(service, pop_id, &dc)
        .await
        .unwrap();
    let dc_id = done(&c, service, task).await.resource_id;

    // A BGP session, then a static route in the same datacenter: refused.
    let mut bgp = DatacenterExtraConfigCreate::new(datacenter_extra_config::TypeEnum::Bgp);
    bgp.bgp_neighbor_area = Some(64515);
    bgp.bgp_neighbor_ip = Some("10.1.0.10".parse().unwrap());
    let task = occ
        .post_config_pop_datacenter_extra(service, pop_id, dc_id, &bgp)
        .await
        .unwrap();
    let extra_id = done(&c, service, task).await.resource_id;
    let mut route = DatacenterExtraConfigCreate::new(datacenter_extra_config::TypeEnum::Network);
    route.next_hop = Some("10.1.0.11".parse().unwrap());
    route.subnet = Some("192.168.0.0/24".parse().unwrap());
    let err = occ
        .post_config_pop_datacenter_extra(service, pop_id, dc_id, &route)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");

    // Read back.
    let extra = occ
        .get_config_pop_datacenter_extra_by_extra_id(service, pop_id, dc_id, extra_id)
        .await
        .unwrap();
    assert_eq!(
        (extra.type_, extra.bgp_neighbor_area),
        (datacenter_extra_config::TypeEnum::Bgp, Some(64515))
    );
    assert_eq!(
        occ.get_config_pop_datacenter(service, pop_id)
            .await
            .unwrap(),
        [dc_id]
    );

    // Delete recursively from the PoP: toDelete, then gone.
    let task = occ
        .delete_config_pop_by_pop_id(service, pop_id)
        .await
        .unwrap();
    assert_eq!(
        occ.get_config_pop_by_pop_id(service, pop_id)
            .await
            .unwrap()
            .status,
        pop_config::StatusEnum::ToDelete
    );
    done(&c, service, task).await;
    let err = occ
        .get_config_pop_by_pop_id(service, pop_id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(occ.get_config_pop(service).await.unwrap().is_empty());
}

#[tokio::test]
async fn ovhcloud_connect_l2_variant() {
    let emu = emulator().await;
    let c = client(&emu, ALL);
    let occ = c.ovh_cloud_connect();
    let service = occ.get().await.unwrap()[1];
    link_vrack(&c, service).await;
    let interface = occ.get_interface(service).await.unwrap()[0];

    let mut pop = PopConfigCreate::new(interface, pop_config::TypeEnum::L2);
    pop.customer_bgp_area = Some(64512);
    let err = occ.post_config_pop(service, &pop).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "an L2 PoP takes no BGP: {err}");
    pop.customer_bgp_area = None;
    let task = occ.post_config_pop(service, &pop).await.unwrap();
    let pop_id = done(&c, service, task).await.resource_id;

    let datacenter = occ.get_datacenter(service).await.unwrap()[0];
    let task = occ
        .post_config_pop_datacenter(service, pop_id, &DatacenterConfigCreate::new(datacenter))
        .await
        .unwrap();
    done(&c, service, task).await;

    let mut l3 = PopConfigCreate::new(interface, pop_config::TypeEnum::L3);
    l3.customer_bgp_area = Some(64512);
    l3.ovh_bgp_area = Some(64513);
    l3.subnet = Some("10.0.0.0/30".parse().unwrap());
    let err = occ.post_config_pop(service, &l3).await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(409),
        "switching L2 to L3 needs a delete first: {err}"
    );
}

#[tokio::test]
async fn bills_are_listed_then_fetched_with_bounded_concurrency_within_the_rate_limit() {
    let emu = emulator().await;
    let (key, secret) = emu.create_application();
    let consumer = emu.create_consumer_key(&key, &[("GET", "/me/*")]);
    let c = Client::builder()
        .endpoint(emu.endpoint())
        .application(key, secret, consumer)
        .rate_limit(RateLimiter::new(20, 1))
        .build()
        .unwrap();
    let me = c.me();
    let everything = me.get_bill().await.unwrap();
    let ids = me
        .get_bill()
        .date_from("2024-01-01T00:00:00+00:00".parse().unwrap())
        .await
        .unwrap();
    assert!(
        !ids.is_empty() && ids.len() < everything.len(),
        "date.from filters: {} of {}",
        ids.len(),
        everything.len()
    );

    let start = Instant::now();
    let bills = ovhcloud::fanout::fetch_each(ids.clone(), 8, |id| async move {
        me.get_bill_by_bill_id(&id).await
    })
    .await;
    let elapsed = start.elapsed();
    assert_eq!(bills.len(), ids.len());
    for (id, bill) in &bills {
        let bill = bill.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(&bill.bill_id, id);
        assert!(
            bill.date
                >= "2024-01-01T00:00:00+00:00"
                    .parse::<ovhcloud::types::DateTime>()
                    .unwrap()
        );
    }
    let floor = Duration::from_millis(50 * (ids.len() as u64 - 1));
    assert!(
        elapsed >= floor,
        "20 requests per second: {} bills in {elapsed:?}",
        ids.len()
    );
    assert_eq!(
        emu.stats().too_many_requests(),
        0,
        "the client kept under the API's limit"
    );
    let details = me.get_bill_details(&ids[0]).await.unwrap();
    let line = me
        .get_bill_details_by_bill_detail_id(&ids[0], &details[0])
        .await
        .unwrap();
    assert!(!line.description.is_empty());
}

#[tokio::test]
async fn iam_policies_page_through_the_stream() {
    let emu = emulator().await;
    let c = client(&emu, ALL);
    let iam = c.v2_iam();
    let before = iam.get_policy().await.unwrap().len();
    for i in 0..55 {
        let policy = Creation::new(
            vec!["urn:v1:eu:identity:account:xx1111-ovh".into()],
            format!("policy-{i:02}"),
            serde_json::from_value(serde_json::json!({"allow": [{"action": "*"}]})).unwrap(),
            vec![serde_json::from_value(
                serde_json::json!({"urn": "urn:v1:eu:resource:vrack:pn-12345"}),
            )
            .unwrap()],
        );
        iam.post_policy(&policy).await.unwrap();
    }
    let pages: Vec<Vec<_>> = iam
        .get_policy()
        .x_pagination_size(20)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let total = before + 55;
    assert_eq!(pages.len(), total.div_ceil(20));
    assert_eq!(pages.iter().map(Vec::len).sum::<usize>(), total);
    let names: Vec<String> = iam
        .get_policy()
        .x_pagination_size(20)
        .stream()
        .map_ok(|p| p.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names.len(), total);
    assert!(names.contains(&"policy-54".to_owned()));
    assert_eq!(
        emu.stats().received("GET /v2/iam/policy"),
        1 + 2 * pages.len() as u64
    );
}

#[tokio::test]
async fn consumer_key_request_approval_and_access_rules() {
    let emu = emulator().await;
    let (key, secret) = emu.create_application();
    let anonymous = Client::builder()
        .endpoint(emu.endpoint())
        .application_without_consumer_key(&key, &secret)
        .build()
        .unwrap();
    let answer = CredentialRequest::new()
        .allow_recursive("GET", "/me")
        .send(&anonymous)
        .await
        .unwrap();
    assert_eq!(answer.state, "pendingValidation");
    let c = Client::builder()
        .endpoint(emu.endpoint())
        .application(&key, &secret, answer.consumer_key.expose_secret())
        .retry(fast_retries())
        .build()
        .unwrap();
    let err = c.me().get_bill().await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { error_code: Some(code), .. } if code == "INVALID_CREDENTIAL"),
        "not yet approved: {err}"
    );
    assert!(emu.validate_consumer_key(answer.consumer_key.expose_secret()));
    assert!(!c.me().get_bill().await.unwrap().is_empty());
    let err = c.v2_iam().get_policy().await.unwrap_err();
    assert!(err.is_not_granted(), "outside the rules: {err}");

    // The API clock jumps ten minutes: the client re-reads it and the call goes through.
    emu.set_clock_skew(600);
    assert!(!c.me().get_bill().await.unwrap().is_empty());
}

#[tokio::test]
async fn oauth2_service_account() {
    let emu = emulator().await;
    let (id, secret) = emu.create_oauth2_client();
    let c = Client::builder()
        .endpoint(emu.endpoint())
        .oauth2(id, secret)
        .oauth2_token_url(emu.oauth2_token_url())
        .build()
        .unwrap();
    assert!(!c.me().get_bill().await.unwrap().is_empty());
    assert!(!c.v2_iam().get_policy().await.unwrap().is_empty());
}

#[tokio::test]
async fn with_thirty_percent_faults_idempotent_calls_succeed_and_no_post_is_applied_twice() {
    let emu = emulator().await;
    let patient = RetryPolicy::default()
        .max_attempts(10)
        .base_delay(Duration::from_millis(2))
        .max_delay(Duration::from_millis(20));
    let (key, secret) = emu.create_application();
    let consumer = emu.create_consumer_key(&key, ALL);
    let c = Client::builder()
        .endpoint(emu.endpoint())
        .application(key, secret, consumer)
        .retry(patient)
        .rate_limit(RateLimiter::new(40, 10))
        .build()
        .unwrap();
    c.me().get_bill().await.unwrap(); // learn the clock before the faults start
                                      // The failures worth retrying (a 500 is an answer, not a hiccup: it is not retried).
    emu.set_faults(Faults {
        error_rate: 0.3,
        error_statuses: vec![429, 502, 503, 504],
        ..Faults::default()
    });

    for _ in 0..40 {
        c.me()
            .get_bill()
            .await
            .expect("GET succeeds within its retry budget");
    }
    let ids = c.ovh_cloud_connect().get().await.unwrap();
    c.ovh_cloud_connect()
        .get_by_service_name(ids[0])
        .await
        .unwrap();

    let mut created = 0;
    for i in 0..30 {
        let policy = Creation::new(
            vec!["urn:v1:eu:identity:account:xx1111-ovh".into()],
            format!("faulty-{i:02}"),
            serde_json::from_value(serde_json::json!({"allow": [{"action": "*"}]})).unwrap(),
            vec![],
        );
        if c.v2_iam().post_policy(&policy).await.is_ok() {
            created += 1;
        }
    }
    let stats = emu.stats();
    assert!(
        stats.injected_faults() > 10,
        "faults were injected: {stats:?}"
    );
    assert_eq!(
        stats.received("POST /v2/iam/policy"),
        30,
        "a failed POST is not sent again"
    );
    assert_eq!(
        stats.applied("POST /v2/iam/policy"),
        created,
        "every POST applied once, and only those that succeeded"
    );
    assert!(created < 30);
    emu.set_faults(Faults::default());
    let names: Vec<String> = c
        .v2_iam()
        .get_policy()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.starts_with("faulty-")).count() as u64,
        created
    );
}

#[tokio::test]
async fn a_response_that_breaks_the_schema_is_corrected_or_refused_when_strict() {
    let emu = emulator().await;
    let c = client(&emu, ALL);
    let id = c.me().get_bill().await.unwrap().remove(0);
    emu.set_faults(Faults {
        break_schema_rate: 1.0,
        break_mode: BreakMode::NullRequired,
        ..Faults::default()
    });
    c.me().get_bill_by_bill_id(&id).await.unwrap();
    assert_eq!(c.deviations().total(), 1, "one member was nulled");
    let err = c
        .me()
        .get_bill_by_bill_id(&id)
        .into_call()
        .strict()
        .await
        .unwrap_err();
    let Error::Deviations {
        operation,
        deviations,
        query_id,
        body,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(operation, "GET /me/bill/{billId}");
    let path = &deviations[0].path;
    assert!(
        path.starts_with('.') && path.len() > 1,
        "a JSON path: {path}"
    );
    assert!(query_id.is_some() && body.contains(&id));
    assert!(err.to_string().contains(path.as_str()), "{err}");
}

/// The generated waiter of a task: it reads the task again until it is done, and gives up at
/// its deadline.
#[tokio::test]
async fn generated_waiters_poll_tasks_to_the_end() {
    let emu = emulator().await;
    let c = client(&emu, ALL);
    let occ = c.ovh_cloud_connect();
    let service = occ.get().await.unwrap()[0];
    link_vrack(&c, service).await;
    let interface = occ.get_interface(service).await.unwrap()[0];
    let pop = PopConfigCreate::new(interface, pop_config::TypeEnum::L2);
    let task = occ.post_config_pop(service, &pop).await.unwrap();
    assert_ne!(task.status.as_str(), "done");
    let short = WaitOptions::default()
        .interval(Duration::from_millis(1), Duration::from_millis(1))
        .timeout(Duration::from_millis(5));
    let err = occ
        .get_task_by_id(service, task.id)
        .wait_until_done(&short)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WaitTimeout { .. }), "{err}");
    assert!(err.to_string().contains("/ovhCloudConnect/"), "{err}");
    let done = occ
        .get_task_by_id(service, task.id)
        .wait_until_done(&waiting())
        .await
        .unwrap();
    assert_eq!(done.status.as_str(), "done");
    assert_eq!(done.id, task.id);
}
