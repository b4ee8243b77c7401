//! The 23 InterLink operations: which one a request is, and what it does to the [`Store`].

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;

use super::catalog::{self, stable_id, Connection, Partner, Pop};
use super::errors::{
    invalid_argument, not_found, permissions_denied, precondition_failed, quotas_exceeded,
    transient_state, Reason, ScwError,
};
use super::request::{Body, Page, Query};
use super::state::{ApiKey, Attached, Host, Link, RoutingPolicy, Store, DEFAULT_PEER_ASN};

/// The actions `POST /links/{link_id}/<action>` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    AttachRoutingPolicy,
    DetachRoutingPolicy,
    SetRoutingPolicy,
    AttachVpc,
    DetachVpc,
    EnableRoutePropagation,
    DisableRoutePropagation,
}

impl Action {
    const ALL: [(&'static str, Action); 7] = [
        ("attach-routing-policy", Action::AttachRoutingPolicy),
        ("detach-routing-policy", Action::DetachRoutingPolicy),
        ("set-routing-policy", Action::SetRoutingPolicy),
        ("attach-vpc", Action::AttachVpc),
        ("detach-vpc", Action::DetachVpc),
        ("enable-route-propagation", Action::EnableRoutePropagation),
        ("disable-route-propagation", Action::DisableRoutePropagation),
    ];
}

/// One InterLink operation, with the id of the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    ListConnections,
    GetConnection(String),
    ListLinks,
    CreateLink,
    GetLink(String),
    UpdateLink(String),
    DeleteLink(String),
    LinkAction(String, Action),
    ListPartners,
    GetPartner(String),
    ListPops,
    GetPop(String),
    ListPolicies,
    CreatePolicy,
    GetPolicy(String),
    UpdatePolicy(String),
    DeletePolicy(String),
}

/// The path of every operation under `/interlink/v1beta1/regions/{region}`.
pub(crate) const PREFIX: &str = "/interlink/v1beta1/regions/";

impl Op {
    /// The operation of `method` on `rest` (the path after the region, without leading
    /// slash), and its key in the stats (`GET /interlink/v1beta1/regions/{region}/links`).
    pub fn parse(method: &str, rest: &str) -> Option<(Op, String)> {
        let segments: Vec<&str> = rest.split('/').collect();
        let id = |i: usize| segments[i].to_owned();
        let (op, template) = match (method, segments.as_slice()) {
            ("GET", ["dedicated-connections"]) => {
                (Op::ListConnections, "dedicated-connections".to_owned())
            }
            ("GET", ["dedicated-connections", _]) => (
                Op::GetConnection(id(1)),
                "dedicated-connections/{connection_id}".to_owned(),
            ),
            ("GET", ["links"]) => (Op::ListLinks, "links".to_owned()),
            ("POST", ["links"]) => (Op::CreateLink, "links".to_owned()),
            ("GET", ["links", _]) => (Op::GetLink(id(1)), "links/{link_id}".to_owned()),
            ("PATCH", ["links", _]) => (Op::UpdateLink(id(1)), "links/{link_id}".to_owned()),
            ("DELETE", ["links", _]) => (Op::DeleteLink(id(1)), "links/{link_id}".to_owned()),
            ("POST", ["links", _, action]) => {
                let (name, action) = Action::ALL.iter().find(|(name, _)| name == action)?;
                (
                    Op::LinkAction(id(1), *action),
                    format!("links/{{link_id}}/{name}"),
                )
            }
            ("GET", ["partners"]) => (Op::ListPartners, "partners".to_owned()),
            ("GET", ["partners", _]) => (Op::GetPartner(id(1)), "partners/{partner_id}".to_owned()),
            ("GET", ["pops"]) => (Op::ListPops, "pops".to_owned()),
            ("GET", ["pops", _]) => (Op::GetPop(id(1)), "pops/{pop_id}".to_owned()),
            ("GET", ["routing-policies"]) => (Op::ListPolicies, "routing-policies".to_owned()),
            ("POST", ["routing-policies"]) => (Op::CreatePolicy, "routing-policies".to_owned()),
            ("GET", ["routing-policies", _]) => (
                Op::GetPolicy(id(1)),
                "routing-policies/{routing_policy_id}".to_owned(),
            ),
            ("PATCH", ["routing-policies", _]) => (
                Op::UpdatePolicy(id(1)),
                "routing-policies/{routing_policy_id}".to_owned(),
            ),
            ("DELETE", ["routing-policies", _]) => (
                Op::DeletePolicy(id(1)),
                "routing-policies/{routing_policy_id}".to_owned(),
            ),
            _ => return None,
        };
        if segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        Some((op, format!("{method} {PREFIX}{{region}}/{template}")))
    }
}

/// Who calls, where, and the settings operations depend on.
pub(crate) struct Ctx<'a> {
    pub region: &'a str,
    pub key: &'a ApiKey,
    pub now: Instant,
    pub step: Duration,
    pub link_quota: usize,
}

impl Ctx<'_> {
    /// Whether a resource of `project_id` in `region` is the caller's to see: in this region
    /// and of the key's project (others' are answered as not found).
    fn sees(&self, region: &str, project_id: &str) -> bool {
        region == self.region && project_id == self.key.project_id
    }

    /// `policy_id` attached now (its BGP session comes up a step later).
    fn attach(&self, policy_id: String) -> Attached {
        Attached {
            policy_id,
            since: self.now,
        }
    }
}

/// A successful answer: a JSON body, or `None` for `204 No Content`.
pub(crate) type Reply = Result<Option<Value>, ScwError>;

/// Carries out `op`.
pub(crate) fn apply(
    store: &mut Store,
    ctx: &Ctx<'_>,
    op: &Op,
    query: &Query,
    body: &Body<'_>,
) -> Reply {
    store.purge(ctx.now, ctx.step);
    let value = match op {
        Op::ListConnections => list_connections(ctx, query)?,
        Op::GetConnection(id) => find_connection(ctx, id)?.to_json(),
        Op::ListPartners => list_partners(ctx, query)?,
        Op::GetPartner(id) => find_partner(ctx, id)?.to_json(),
        Op::ListPops => list_pops(ctx, query)?,
        Op::GetPop(id) => find_pop(ctx, id)?.to_json(),
        Op::ListLinks => list_links(store, ctx, query)?,
        Op::CreateLink => create_link(store, ctx, body)?,
        Op::GetLink(id) => link_json(store, ctx, id)?,
        Op::UpdateLink(id) => update_link(store, ctx, id, body)?,
        Op::DeleteLink(id) => delete_link(store, ctx, id)?,
        Op::LinkAction(id, action) => link_action(store, ctx, id, *action, body)?,
        Op::ListPolicies => list_policies(store, ctx, query)?,
        Op::CreatePolicy => create_policy(store, ctx, body)?,
        Op::GetPolicy(id) => find_policy(store, ctx, id)?.to_json(),
        Op::UpdatePolicy(id) => update_policy(store, ctx, id, body)?,
        Op::DeletePolicy(id) => {
            delete_policy(store, ctx, id)?;
            return Ok(None);
        }
    };
    Ok(Some(value))
}

// ---- Reference data -------------------------------------------------------------------

fn my_connections(ctx: &Ctx<'_>) -> Vec<Connection> {
    catalog::connections(ctx.region, &ctx.key.project_id, &ctx.key.organization_id)
}

fn find_connection(ctx: &Ctx<'_>, id: &str) -> Result<Connection, ScwError> {
    my_connections(ctx)
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| not_found("dedicated_connection", id))
}

fn find_partner(ctx: &Ctx<'_>, id: &str) -> Result<Partner, ScwError> {
    catalog::partners(ctx.region)
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| not_found("partner", id))
}

fn find_pop(ctx: &Ctx<'_>, id: &str) -> Result<Pop, ScwError> {
    catalog::pops(ctx.region)
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| not_found("pop", id))
}

/// Refuses `project_id` / `organization_id` filters or members naming what the key does not
/// own.
fn check_owner(
    ctx: &Ctx<'_>,
    project: Option<&str>,
    org: Option<&str>,
    resource: &str,
    action: &str,
) -> Result<(), ScwError> {
    let foreign_project = project.is_some_and(|p| p != ctx.key.project_id);
    let foreign_org = org.is_some_and(|o| o != ctx.key.organization_id);
    if foreign_project || foreign_org {
        return Err(permissions_denied(resource, action));
    }
    Ok(())
}

fn contains_ci(haystack: &str, needle: Option<&str>) -> bool {
    needle.is_none_or(|n| haystack.to_lowercase().contains(&n.to_lowercase()))
}

/// Whether `tags` holds every tag asked for.
fn has_tags(tags: &[String], wanted: &[&str]) -> bool {
    wanted.iter().all(|w| tags.iter().any(|t| t == w))
}

/// Sorts by name or creation order (reversed for `…_desc`), the orders every list shares.
fn order<T>(
    items: &mut [T],
    page: &Page<'_>,
    name: impl Fn(&T) -> String,
    status: impl Fn(&T) -> String,
) {
    if page.order_by.starts_with("name_") {
        items.sort_by_key(|i| name(i).to_lowercase());
    } else if page.order_by.starts_with("status_") {
        items.sort_by_key(|i| status(i));
    }
    if page.descending() {
        items.reverse();
    }
}

const CREATED_ORDERS: [&str; 6] = [
    "created_at_asc",
    "created_at_desc",
    "name_asc",
    "name_desc",
    "status_asc",
    "status_desc",
];

fn list_connections(ctx: &Ctx<'_>, query: &Query) -> Result<Value, ScwError> {
    let orders = [&CREATED_ORDERS[..], &["updated_at_asc", "updated_at_desc"]].concat();
    let page = Page::from_query(query, &orders)?;
    check_owner(
        ctx,
        query.get("project_id"),
        query.get("organization_id"),
        "dedicated_connection",
        "read",
    )?;
    let status = query.one_of(
        "status",
        &[
            "unknown_status",
            "created",
            "configuring",
            "failed",
            "active",
            "disabled",
            "deleted",
            "locked",
        ],
    )?;
    let bandwidth = query.u64("bandwidth_mbps")?;
    let (name, pop_id, tags) = (query.get("name"), query.get("pop_id"), query.all("tags"));
    let mut items: Vec<Connection> = my_connections(ctx)
        .into_iter()
        .filter(|c| contains_ci(&c.name, name))
        .filter(|c| pop_id.is_none_or(|p| c.pop_id == p))
        .filter(|c| bandwidth.is_none_or(|b| c.bandwidth_mbps == b))
        .filter(|_| status.is_none_or(|s| s == "active"))
        .filter(|_| has_tags(&["emulator".to_owned()], &tags))
        .collect();
    order(
        &mut items,
        &page,
        |c| c.name.clone(),
        |_| "active".to_owned(),
    );
    Ok(page.answer(
        "connections",
        items.iter().map(Connection::to_json).collect(),
    ))
}

fn list_partners(ctx: &Ctx<'_>, query: &Query) -> Result<Value, ScwError> {
    let page = Page::from_query(query, &["name_asc", "name_desc"])?;
    let pop_ids = query.all("pop_ids");
    let l3 = query.bool("l3_connectivity")?;
    let mut items: Vec<Partner> = catalog::partners(ctx.region)
        .into_iter()
        .filter(|p| pop_ids.iter().all(|id| p.pop_ids.iter().any(|x| x == id)))
        .filter(|p| l3.is_none_or(|l| p.l3_connectivity == l))
        .collect();
    order(&mut items, &page, |p| p.name.to_owned(), |_| String::new());
    Ok(page.answer("partners", items.iter().map(Partner::to_json).collect()))
}

fn list_pops(ctx: &Ctx<'_>, query: &Query) -> Result<Value, ScwError> {
    let page = Page::from_query(query, &["name_asc", "name_desc"])?;
    let (name, provider, partner_id) = (
        query.get("name"),
        query.get("hosting_provider_name"),
        query.get("partner_id"),
    );
    let bandwidth = query.u64("link_bandwidth_mbps")?;
    let dedicated = query.bool("dedicated_available")?;
    let l3 = query.bool("l3_connectivity_partners")?;
    let partners = catalog::partners(ctx.region);
    let served_by = |pop: &Pop, only_l3: bool| {
        partners
            .iter()
            .any(|p| p.pop_ids.contains(&pop.id) && (!only_l3 || p.l3_connectivity))
    };
    let mut items: Vec<Pop> = catalog::pops(ctx.region)
        .into_iter()
        .filter(|p| contains_ci(p.name, name) || contains_ci(p.display_name, name))
        .filter(|p| contains_ci(p.hosting_provider_name, provider))
        .filter(|p| {
            partner_id.is_none_or(|id| {
                partners
                    .iter()
                    .any(|x| x.id == id && x.pop_ids.contains(&p.id))
            })
        })
        .filter(|p| bandwidth.is_none_or(|b| p.bandwidths().contains(&b)))
        .filter(|p| dedicated.is_none_or(|d| p.dedicated == d))
        .filter(|p| l3.is_none_or(|l| served_by(p, true) == l))
        .collect();
    order(&mut items, &page, |p| p.name.to_owned(), |_| String::new());
    Ok(page.answer("pops", items.iter().map(Pop::to_json).collect()))
}

// ---- Links -----------------------------------------------------------------------------

/// The caller's link `id` in this region, not yet gone.
fn find_link<'s>(store: &'s mut Store, ctx: &Ctx<'_>, id: &str) -> Result<&'s mut Link, ScwError> {
    store
        .links
        .iter_mut()
        .find(|l| l.id == id && ctx.sees(&l.region, &l.project_id))
        .ok_or_else(|| not_found("link", id))
}

fn link_json(store: &mut Store, ctx: &Ctx<'_>, id: &str) -> Result<Value, ScwError> {
    Ok(find_link(store, ctx, id)?.to_json(ctx.now, ctx.step))
}

/// The caller's link `id`, refused while it is in a transient status.
fn settled_link<'s>(
    store: &'s mut Store,
    ctx: &Ctx<'_>,
    id: &str,
) -> Result<&'s mut Link, ScwError> {
    let link = find_link(store, ctx, id)?;
    let status = link.status(ctx.now, ctx.step);
    if status.is_transient() {
        return Err(transient_state("link", id, status.as_str()));
    }
    Ok(link)
}

fn list_links(store: &Store, ctx: &Ctx<'_>, query: &Query) -> Result<Value, ScwError> {
    let page = Page::from_query(query, &CREATED_ORDERS)?;
    check_owner(
        ctx,
        query.get("project_id"),
        query.get("organization_id"),
        "link",
        "read",
    )?;
    let statuses = [
        "unknown_link_status",
        "configuring",
        "failed",
        "requested",
        "refused",
        "expired",
        "provisioning",
        "active",
        "limited_connectivity",
        "all_down",
        "deprovisioning",
        "deleted",
        "locked",
        "ready",
    ];
    let bgp = ["unknown_bgp_status", "up", "down", "disabled"];
    let status = query.one_of("status", &statuses)?;
    let bgp_v4 = query.one_of("bgp_v4_status", &bgp)?;
    let bgp_v6 = query.one_of("bgp_v6_status", &bgp)?;
    let kind = query.one_of("kind", &["hosted", "self_hosted", "l2_hosted", "l3_hosted"])?;
    let bandwidth = query.u64("bandwidth_mbps")?;
    let tags = query.all("tags");
    let eq = |name: &str, value: Option<&str>| query.get(name).is_none_or(|q| Some(q) == value);
    let mut items: Vec<(Value, &Link)> = store
        .links
        .iter()
        .filter(|l| ctx.sees(&l.region, &l.project_id))
        .map(|l| (l.to_json(ctx.now, ctx.step), l))
        .filter(|(v, l)| {
            contains_ci(&l.name, query.get("name"))
                && has_tags(&l.tags, &tags)
                && status.is_none_or(|s| v["status"] == s)
                && bgp_v4.is_none_or(|s| v["bgp_v4_status"] == s)
                && bgp_v6.is_none_or(|s| v["bgp_v6_status"] == s)
                && kind.is_none_or(|k| l.has_kind(k))
                && bandwidth.is_none_or(|b| l.bandwidth_mbps == b)
                && eq("pop_id", Some(&l.pop_id))
                && eq("partner_id", l.partner_id())
                && eq("connection_id", l.connection_id())
                && eq("pairing_key", l.pairing_key())
                && eq("vpc_id", l.vpc_id.as_deref())
                && query
                    .get("routing_policy_id")
                    .is_none_or(|p| l.policy_ids().any(|x| x == p))
        })
        .collect();
    let status_of = |(v, _): &(Value, &Link)| v["status"].as_str().unwrap_or_default().to_owned();
    order(&mut items, &page, |(_, l)| l.name.clone(), status_of);
    Ok(page.answer("links", items.into_iter().map(|(v, _)| v).collect()))
}

/// The policy `id` of the caller in this region, of the family `ipv6` when given.
fn policy_for_slot(
    store: &Store,
    ctx: &Ctx<'_>,
    argument: &str,
    id: &str,
    ipv6: Option<bool>,
) -> Result<bool, ScwError> {
    let policy = find_policy(store, ctx, id)?;
    if let Some(want) = ipv6 {
        if policy.is_ipv6 != want {
            let (is, want) = if want {
                ("IPv4", "IPv6")
            } else {
                ("IPv6", "IPv4")
            };
            return Err(invalid_argument(
                argument,
                Reason::Constraint,
                format!("routing policy {id} is an {is} policy, an {want} one is expected"),
            ));
        }
    }
    Ok(policy.is_ipv6)
}

/// What `POST /links` checked, before it is stored.
struct NewLinkHost {
    host: Host,
    vlan: u32,
    peer_asn: u32,
}

fn create_link(store: &mut Store, ctx: &Ctx<'_>, body: &Body<'_>) -> Result<Value, ScwError> {
    let name = body.name(true)?.unwrap_or_default();
    let project_id = body
        .uuid("project_id")?
        .unwrap_or_else(|| ctx.key.project_id.clone());
    check_owner(ctx, Some(&project_id), None, "link", "write")?;
    let pop_id = body.required_uuid("pop_id")?;
    let pop = find_pop(ctx, &pop_id).map_err(|_| {
        invalid_argument(
            "pop_id",
            Reason::Constraint,
            format!("no PoP {pop_id} in {}", ctx.region),
        )
    })?;
    let bandwidth = body
        .u64("bandwidth_mbps")?
        .ok_or_else(|| invalid_argument("bandwidth_mbps", Reason::Required, "is required"))?;
    let tags = body.strings("tags")?.unwrap_or_default();
    let host = match (body.uuid("connection_id")?, body.uuid("partner_id")?) {
        (Some(_), Some(_)) => {
            return Err(invalid_argument(
                "partner_id",
                Reason::Constraint,
                "connection_id and partner_id cannot both be set",
            ))
        }
        (None, None) => {
            return Err(invalid_argument(
                "connection_id",
                Reason::Required,
                "one of connection_id (self-hosted link) or partner_id (hosted link) is required",
            ))
        }
        (Some(connection_id), None) => {
            self_host(store, ctx, body, &pop, &connection_id, bandwidth)?
        }
        (None, Some(partner_id)) => partner_host(store, ctx, body, &pop, &partner_id, bandwidth)?,
    };
    let v4 = body.uuid("routing_policy_v4_id")?;
    let v6 = body.uuid("routing_policy_v6_id")?;
    if let Some(id) = &v4 {
        policy_for_slot(store, ctx, "routing_policy_v4_id", id, Some(false))?;
    }
    if let Some(id) = &v6 {
        policy_for_slot(store, ctx, "routing_policy_v6_id", id, Some(true))?;
    }
    let current = store
        .links
        .iter()
        .filter(|l| l.project_id == project_id && l.region == ctx.region)
        .count();
    if current >= ctx.link_quota {
        return Err(quotas_exceeded("links", ctx.link_quota, current));
    }
    store.link_counter += 1;
    let now = Utc::now();
    let link = Link {
        id: uuid::Uuid::new_v4().to_string(),
        project_id,
        organization_id: ctx.key.organization_id.clone(),
        region: ctx.region.to_owned(),
        name,
        tags,
        pop_id,
        bandwidth_mbps: bandwidth,
        host: host.host,
        vlan: host.vlan,
        peer_asn: host.peer_asn,
        vpc_id: None,
        v4: v4.map(|id| ctx.attach(id)),
        v6: v6.map(|id| ctx.attach(id)),
        enable_route_propagation: false,
        number: store.link_counter,
        created: ctx.now,
        created_at: now,
        updated_at: now,
        deleting: None,
    };
    let value = link.to_json(ctx.now, ctx.step);
    store.links.push(link);
    Ok(value)
}

/// A self-hosted link on the caller's connection: the connection must be at the PoP, offer
/// the bandwidth and have it left, and the VLAN (given or the first free one) must be in its
/// range and free.
fn self_host(
    store: &Store,
    ctx: &Ctx<'_>,
    body: &Body<'_>,
    pop: &Pop,
    connection_id: &str,
    bandwidth: u64,
) -> Result<NewLinkHost, ScwError> {
    let connection = find_connection(ctx, connection_id).map_err(|_| {
        invalid_argument(
            "connection_id",
            Reason::Constraint,
            format!("no dedicated connection {connection_id} in this project and region"),
        )
    })?;
    if connection.pop_id != pop.id {
        return Err(invalid_argument(
            "pop_id",
            Reason::Constraint,
            format!("connection {connection_id} is not at PoP {}", pop.id),
        ));
    }
    let offered = connection.link_bandwidths();
    if !offered.contains(&bandwidth) {
        return Err(invalid_argument(
            "bandwidth_mbps",
            Reason::Constraint,
            format!("{bandwidth} Mbps is not offered by this connection; available: {offered:?}"),
        ));
    }
    let on_connection: Vec<&Link> = store
        .links
        .iter()
        .filter(|l| l.connection_id() == Some(connection_id))
        .collect();
    let used: u64 = on_connection.iter().map(|l| l.bandwidth_mbps).sum();
    if used + bandwidth > connection.bandwidth_mbps {
        return Err(invalid_argument(
            "bandwidth_mbps",
            Reason::Constraint,
            format!(
                "only {} Mbps left on this connection",
                connection.bandwidth_mbps - used
            ),
        ));
    }
    let taken = |vlan: u32| on_connection.iter().any(|l| l.vlan == vlan);
    let range = connection.vlan_start..=connection.vlan_end;
    let vlan = match body.u64("vlan")? {
        Some(v) if !range.contains(&(v as u32)) || v > u64::from(u32::MAX) => {
            return Err(invalid_argument(
                "vlan",
                Reason::Constraint,
                format!(
                    "VLAN {v} is outside the connection's range {}-{}",
                    range.start(),
                    range.end()
                ),
            ))
        }
        Some(v) if taken(v as u32) => {
            return Err(invalid_argument(
                "vlan",
                Reason::Constraint,
                format!("VLAN {v} is already used on this connection"),
            ))
        }
        Some(v) => v as u32,
        None => range.clone().find(|v| !taken(*v)).ok_or_else(|| {
            invalid_argument(
                "vlan",
                Reason::Constraint,
                "no VLAN left on this connection",
            )
        })?,
    };
    let peer_asn = peer_asn(body)?.unwrap_or(DEFAULT_PEER_ASN);
    Ok(NewLinkHost {
        host: Host::SelfHosted {
            connection_id: connection_id.to_owned(),
        },
        vlan,
        peer_asn,
    })
}

/// A hosted link: the partner must be present at the PoP, which must offer the bandwidth;
/// the VLAN is the partner's business.
fn partner_host(
    store: &Store,
    ctx: &Ctx<'_>,
    body: &Body<'_>,
    pop: &Pop,
    partner_id: &str,
    bandwidth: u64,
) -> Result<NewLinkHost, ScwError> {
    let partner = find_partner(ctx, partner_id).map_err(|_| {
        invalid_argument(
            "partner_id",
            Reason::Constraint,
            format!("no partner {partner_id} in {}", ctx.region),
        )
    })?;
    if !partner.pop_ids.contains(&pop.id) {
        return Err(invalid_argument(
            "pop_id",
            Reason::Constraint,
            format!(
                "partner {} is not present at PoP {}",
                partner.name, pop.name
            ),
        ));
    }
    if !pop.bandwidths().contains(&bandwidth) {
        return Err(invalid_argument(
            "bandwidth_mbps",
            Reason::Constraint,
            format!(
                "{bandwidth} Mbps is not offered at this PoP; available: {:?}",
                pop.bandwidths()
            ),
        ));
    }
    if body.has("vlan") || body.has("peer_asn") {
        let argument = if body.has("vlan") { "vlan" } else { "peer_asn" };
        return Err(invalid_argument(
            argument,
            Reason::Constraint,
            "only self-hosted links take a VLAN or a peer ASN",
        ));
    }
    let number = store.link_counter + 1;
    let pairing = stable_id(&format!(
        "pairing/{partner_id}/{number}/{}",
        uuid::Uuid::new_v4()
    ));
    Ok(NewLinkHost {
        host: Host::Partner {
            partner_id: partner_id.to_owned(),
            pairing_key: pairing[..23].to_ascii_uppercase(),
            l3_connectivity: partner.l3_connectivity,
        },
        vlan: 2000 + number % 2000,
        peer_asn: DEFAULT_PEER_ASN,
    })
}

/// `peer_asn`: 1..=65534 (the range of Scaleway's validation rules).
fn peer_asn(body: &Body<'_>) -> Result<Option<u32>, ScwError> {
    match body.u64("peer_asn")? {
        Some(asn) if !(1..=65534).contains(&asn) => Err(invalid_argument(
            "peer_asn",
            Reason::Constraint,
            "must be between 1 and 65534",
        )),
        other => Ok(other.map(|a| a as u32)),
    }
}

fn update_link(
    store: &mut Store,
    ctx: &Ctx<'_>,
    id: &str,
    body: &Body<'_>,
) -> Result<Value, ScwError> {
    let name = body.name(false)?;
    let tags = body.strings("tags")?;
    let asn = peer_asn(body)?;
    let link = settled_link(store, ctx, id)?;
    if asn.is_some() && !link.is_self_hosted() {
        return Err(invalid_argument(
            "peer_asn",
            Reason::Constraint,
            "only self-hosted links take a peer ASN",
        ));
    }
    if let Some(name) = name {
        link.name = name;
    }
    if let Some(tags) = tags {
        link.tags = tags;
    }
    if let Some(asn) = asn {
        link.peer_asn = asn;
    }
    link.updated_at = Utc::now();
    Ok(link.to_json(ctx.now, ctx.step))
}

fn delete_link(store: &mut Store, ctx: &Ctx<'_>, id: &str) -> Result<Value, ScwError> {
    let link = settled_link(store, ctx, id)?;
    link.deleting = Some(ctx.now);
    link.updated_at = Utc::now();
    Ok(link.to_json(ctx.now, ctx.step))
}

fn link_action(
    store: &mut Store,
    ctx: &Ctx<'_>,
    id: &str,
    action: Action,
    body: &Body<'_>,
) -> Result<Value, ScwError> {
    // Policies are looked up before the link is borrowed for the change.
    let policy = match action {
        Action::AttachRoutingPolicy | Action::SetRoutingPolicy | Action::DetachRoutingPolicy => {
            let policy_id = body.required_uuid("routing_policy_id")?;
            let ipv6 = policy_for_slot(store, ctx, "routing_policy_id", &policy_id, None)?;
            Some((policy_id, ipv6))
        }
        _ => None,
    };
    let vpc_id = match action {
        Action::AttachVpc => Some(body.required_uuid("vpc_id")?),
        _ => None,
    };
    let link = settled_link(store, ctx, id)?;
    match (action, policy, vpc_id) {
        (Action::AttachRoutingPolicy, Some((policy_id, ipv6)), _) => {
            let slot = link.slot(ipv6);
            if let Some(current) = slot {
                let family = if ipv6 { "IPv6" } else { "IPv4" };
                return Err(precondition_failed("resource_still_in_use", format!("the link already has the {family} routing policy {}; detach it or use set-routing-policy", current.policy_id)));
            }
            *slot = Some(ctx.attach(policy_id));
        }
        (Action::SetRoutingPolicy, Some((policy_id, ipv6)), _) => {
            let slot = link.slot(ipv6);
            if slot.as_ref().is_none_or(|a| a.policy_id != policy_id) {
                *slot = Some(ctx.attach(policy_id));
            }
        }
        (Action::DetachRoutingPolicy, Some((policy_id, ipv6)), _) => {
            let slot = link.slot(ipv6);
            if slot.as_ref().is_none_or(|a| a.policy_id != policy_id) {
                return Err(precondition_failed(
                    "attribute_must_be_set",
                    format!("routing policy {policy_id} is not attached to this link"),
                ));
            }
            *slot = None;
        }
        (Action::AttachVpc, _, Some(vpc_id)) => {
            if let Some(current) = &link.vpc_id {
                return Err(precondition_failed(
                    "resource_still_in_use",
                    format!("VPC {current} is already attached to this link; detach it first"),
                ));
            }
            link.vpc_id = Some(vpc_id);
        }
        (Action::DetachVpc, _, _) => {
            if link.vpc_id.take().is_none() {
                return Err(precondition_failed(
                    "attribute_must_be_set",
                    "no VPC is attached to this link",
                ));
            }
            // Without a VPC there is nothing to propagate routes to.
            link.enable_route_propagation = false;
        }
        (Action::EnableRoutePropagation, _, _) => {
            if link.vpc_id.is_none() {
                return Err(precondition_failed(
                    "attribute_must_be_set",
                    "attach a VPC to the link before enabling route propagation",
                ));
            }
            link.enable_route_propagation = true;
        }
        (Action::DisableRoutePropagation, _, _) => link.enable_route_propagation = false,
        _ => {}
    }
    link.updated_at = Utc::now();
    Ok(link.to_json(ctx.now, ctx.step))
}

// ---- Routing policies --------------------------------------------------------------------

fn find_policy<'s>(
    store: &'s Store,
    ctx: &Ctx<'_>,
    id: &str,
) -> Result<&'s RoutingPolicy, ScwError> {
    store
        .policies
        .iter()
        .find(|p| p.id == id && ctx.sees(&p.region, &p.project_id))
        .ok_or_else(|| not_found("routing_policy", id))
}

fn list_policies(store: &Store, ctx: &Ctx<'_>, query: &Query) -> Result<Value, ScwError> {
    let page = Page::from_query(query, &CREATED_ORDERS[..4])?;
    check_owner(
        ctx,
        query.get("project_id"),
        query.get("organization_id"),
        "routing_policy",
        "read",
    )?;
    let ipv6 = query.bool("ipv6")?;
    let tags = query.all("tags");
    let mut items: Vec<&RoutingPolicy> = store
        .policies
        .iter()
        .filter(|p| ctx.sees(&p.region, &p.project_id))
        .filter(|p| contains_ci(&p.name, query.get("name")) && has_tags(&p.tags, &tags))
        .filter(|p| ipv6.is_none_or(|v| p.is_ipv6 == v))
        .collect();
    order(&mut items, &page, |p| p.name.clone(), |_| String::new());
    Ok(page.answer(
        "routing_policies",
        items.into_iter().map(RoutingPolicy::to_json).collect(),
    ))
}

fn create_policy(store: &mut Store, ctx: &Ctx<'_>, body: &Body<'_>) -> Result<Value, ScwError> {
    let name = body.name(true)?.unwrap_or_default();
    let project_id = body
        .uuid("project_id")?
        .unwrap_or_else(|| ctx.key.project_id.clone());
    check_owner(ctx, Some(&project_id), None, "routing_policy", "write")?;
    let is_ipv6 = body.bool("is_ipv6")?.unwrap_or(false);
    let now = Utc::now();
    let policy = RoutingPolicy {
        id: uuid::Uuid::new_v4().to_string(),
        project_id,
        organization_id: ctx.key.organization_id.clone(),
        region: ctx.region.to_owned(),
        name,
        tags: body.strings("tags")?.unwrap_or_default(),
        prefix_filter_in: body
            .prefixes("prefix_filter_in", is_ipv6)?
            .unwrap_or_default(),
        prefix_filter_out: body
            .prefixes("prefix_filter_out", is_ipv6)?
            .unwrap_or_default(),
        is_ipv6,
        created_at: now,
        updated_at: now,
    };
    let value = policy.to_json();
    store.policies.push(policy);
    Ok(value)
}

fn update_policy(
    store: &mut Store,
    ctx: &Ctx<'_>,
    id: &str,
    body: &Body<'_>,
) -> Result<Value, ScwError> {
    let is_ipv6 = find_policy(store, ctx, id)?.is_ipv6;
    let name = body.name(false)?;
    let tags = body.strings("tags")?;
    let filter_in = body.prefixes("prefix_filter_in", is_ipv6)?;
    let filter_out = body.prefixes("prefix_filter_out", is_ipv6)?;
    let policy = store
        .policies
        .iter_mut()
        .find(|p| p.id == id)
        .ok_or_else(|| not_found("routing_policy", id))?;
    if let Some(name) = name {
        policy.name = name;
    }
    if let Some(tags) = tags {
        policy.tags = tags;
    }
    if let Some(prefixes) = filter_in {
        policy.prefix_filter_in = prefixes;
    }
    if let Some(prefixes) = filter_out {
        policy.prefix_filter_out = prefixes;
    }
    policy.updated_at = Utc::now();
    Ok(policy.to_json())
}

fn delete_policy(store: &mut Store, ctx: &Ctx<'_>, id: &str) -> Result<(), ScwError> {
    find_policy(store, ctx, id)?;
    if let Some(link) = store.links.iter().find(|l| l.policy_ids().any(|p| p == id)) {
        return Err(precondition_failed(
            "resource_still_in_use",
            format!(
                "routing policy {id} is attached to link {}; detach it first",
                link.id
            ),
        ));
    }
    store.policies.retain(|p| p.id != id);
    Ok(())
}
