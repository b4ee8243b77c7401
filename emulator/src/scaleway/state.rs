//! What the Scaleway emulator remembers: API keys, links and routing policies. Statuses are
//! not stored: they are computed from the creation (or deletion) time and the configured step,
//! so a link moves on by itself while nobody calls, as the real one does.

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// Scaleway's own AS number, on its side of every BGP session.
pub(crate) const SCALEWAY_ASN: u32 = 12876;
/// The peer AS number a self-hosted link gets when none is given.
pub(crate) const DEFAULT_PEER_ASN: u32 = 65000;

/// Dates as Scaleway writes them: RFC 3339, UTC, microseconds.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An API key: the access key only names it; the secret key is what `X-Auth-Token` carries.
#[derive(Clone, Debug)]
pub(crate) struct ApiKey {
    pub access_key: String,
    pub secret_key: String,
    /// The one project the key may act on.
    pub project_id: String,
    pub organization_id: String,
}

/// Who carries a link: a partner (hosted) or the customer's dedicated connection.
#[derive(Clone, Debug)]
pub(crate) enum Host {
    Partner {
        partner_id: String,
        pairing_key: String,
        l3_connectivity: bool,
    },
    SelfHosted {
        connection_id: String,
    },
}

/// A routing policy slot of a link: the policy and when it was attached (its BGP session
/// comes up a step later).
#[derive(Clone, Debug)]
pub(crate) struct Attached {
    pub policy_id: String,
    pub since: Instant,
}

/// A link, as created, with what was attached to it since.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub id: String,
    pub project_id: String,
    pub organization_id: String,
    pub region: String,
    pub name: String,
    pub tags: Vec<String>,
    pub pop_id: String,
    pub bandwidth_mbps: u64,
    pub host: Host,
    pub vlan: u32,
    pub peer_asn: u32,
    pub vpc_id: Option<String>,
    pub v4: Option<Attached>,
    pub v6: Option<Attached>,
    pub enable_route_propagation: bool,
    /// Numbers the link's BGP addresses.
    pub number: u32,
    pub created: Instant,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When `DELETE` was accepted.
    pub deleting: Option<Instant>,
}

/// The statuses the emulator moves links through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum LinkStatus {
    Configuring,
    Requested,
    Provisioning,
    Active,
    Deprovisioning,
    Deleted,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Configuring => "configuring",
            LinkStatus::Requested => "requested",
            LinkStatus::Provisioning => "provisioning",
            LinkStatus::Active => "active",
            LinkStatus::Deprovisioning => "deprovisioning",
            LinkStatus::Deleted => "deleted",
        }
    }

    /// Statuses in which the link accepts no change (Scaleway answers `transient_state`).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            LinkStatus::Configuring | LinkStatus::Provisioning | LinkStatus::Deprovisioning
        )
    }
}

impl Link {
    /// Self-hosted: `configuring` for one step, then `active`. Hosted: `requested` for a step
    /// (the partner accepts), `provisioning` for a step, then `active`. After `DELETE`:
    /// `deprovisioning` for a step, then `deleted` (and gone).
    pub fn status(&self, now: Instant, step: Duration) -> LinkStatus {
        if let Some(since) = self.deleting {
            return if now.saturating_duration_since(since) < step {
                LinkStatus::Deprovisioning
            } else {
                LinkStatus::Deleted
            };
        }
        let age = now.saturating_duration_since(self.created);
        match self.host {
            Host::SelfHosted { .. } if age < step => LinkStatus::Configuring,
            Host::Partner { .. } if age < step => LinkStatus::Requested,
            Host::Partner { .. } if age < step * 2 => LinkStatus::Provisioning,
            _ => LinkStatus::Active,
        }
    }

    /// `disabled` without a policy, `down` until the link is active and a step has passed
    /// since the policy was attached, then `up`.
    fn bgp_status(&self, slot: &Option<Attached>, now: Instant, step: Duration) -> &'static str {
        match slot {
            None => "disabled",
            Some(a)
                if self.status(now, step) == LinkStatus::Active
                    && now.saturating_duration_since(a.since) >= step =>
            {
                "up"
            }
            Some(_) => "down",
        }
    }

    pub fn is_self_hosted(&self) -> bool {
        matches!(self.host, Host::SelfHosted { .. })
    }

    pub fn connection_id(&self) -> Option<&str> {
        match &self.host {
            Host::SelfHosted { connection_id } => Some(connection_id),
            Host::Partner { .. } => None,
        }
    }

    pub fn partner_id(&self) -> Option<&str> {
        match &self.host {
            Host::Partner { partner_id, .. } => Some(partner_id),
            Host::SelfHosted { .. } => None,
        }
    }

    pub fn pairing_key(&self) -> Option<&str> {
        match &self.host {
            Host::Partner { pairing_key, .. } => Some(pairing_key),
            Host::SelfHosted { .. } => None,
        }
    }

    /// `hosted`, `self_hosted`, and the finer `l2_hosted` / `l3_hosted` of the `kind` filter.
    pub fn has_kind(&self, kind: &str) -> bool {
        match (&self.host, kind) {
            (Host::SelfHosted { .. }, "self_hosted") => true,
            (Host::Partner { .. }, "hosted") => true,
            (
                Host::Partner {
                    l3_connectivity, ..
                },
                "l2_hosted",
            ) => !l3_connectivity,
            (
                Host::Partner {
                    l3_connectivity, ..
                },
                "l3_hosted",
            ) => *l3_connectivity,
            _ => false,
        }
    }

    /// The routing policy slot of the family: IPv6 or IPv4.
    pub fn slot(&mut self, ipv6: bool) -> &mut Option<Attached> {
        if ipv6 {
            &mut self.v6
        } else {
            &mut self.v4
        }
    }

    pub fn policy_ids(&self) -> impl Iterator<Item = &str> {
        self.v4.iter().chain(&self.v6).map(|a| a.policy_id.as_str())
    }

    pub fn to_json(&self, now: Instant, step: Duration) -> Value {
        let n = self.number;
        // A /30 per link in 172.16.0.0/16 and a /127 per link in fd00:6d6::/48.
        let base_v4 = format!("172.16.{}", (n / 64) % 256);
        let last = (n % 64) * 4;
        let (partner, self_host) = match &self.host {
            Host::Partner {
                partner_id,
                pairing_key,
                l3_connectivity,
            } => (
                json!({
                    "partner_id": partner_id,
                    "pairing_key": pairing_key,
                    "disapproved_reason": null,
                    "l3_connectivity": l3_connectivity,
                }),
                Value::Null,
            ),
            Host::SelfHosted { connection_id } => {
                (Value::Null, json!({"connection_id": connection_id}))
            }
        };
        let v4_id = self.v4.as_ref().map(|a| a.policy_id.clone());
        let v6_id = self.v6.as_ref().map(|a| a.policy_id.clone());
        json!({
            "id": self.id,
            "project_id": self.project_id,
            "organization_id": self.organization_id,
            "name": self.name,
            "tags": self.tags,
            "pop_id": self.pop_id,
            "bandwidth_mbps": self.bandwidth_mbps,
            "status": self.status(now, step).as_str(),
            "bgp_v4_status": self.bgp_status(&self.v4, now, step),
            "bgp_v6_status": self.bgp_status(&self.v6, now, step),
            "vpc_id": self.vpc_id,
            "routing_policy_id": v4_id.clone().or_else(|| v6_id.clone()),
            "enable_route_propagation": self.enable_route_propagation,
            "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.updated_at),
            "partner": partner,
            "self": self_host,
            "vlan": self.vlan,
            "scw_bgp_config": {
                "asn": SCALEWAY_ASN,
                "ipv4": format!("{base_v4}.{}/30", last + 1),
                "ipv6": format!("fd00:6d6:0:{n:x}::2/127"),
            },
            "peer_bgp_config": {
                "asn": self.peer_asn,
                "ipv4": format!("{base_v4}.{}/30", last + 2),
                "ipv6": format!("fd00:6d6:0:{n:x}::3/127"),
            },
            "routing_policy_v4_id": v4_id,
            "routing_policy_v6_id": v6_id,
            "region": self.region,
        })
    }
}

/// A routing policy: prefixes accepted from the peer and announced to it.
#[derive(Clone, Debug)]
pub(crate) struct RoutingPolicy {
    pub id: String,
    pub project_id: String,
    pub organization_id: String,
    pub region: String,
    pub name: String,
    pub tags: Vec<String>,
    pub prefix_filter_in: Vec<String>,
    pub prefix_filter_out: Vec<String>,
    pub is_ipv6: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RoutingPolicy {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "project_id": self.project_id,
            "organization_id": self.organization_id,
            "name": self.name,
            "tags": self.tags,
            "prefix_filter_in": self.prefix_filter_in,
            "prefix_filter_out": self.prefix_filter_out,
            "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.updated_at),
            "is_ipv6": self.is_ipv6,
            "region": self.region,
        })
    }
}

/// Everything stored, all regions together (each resource knows its region).
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub keys: Vec<ApiKey>,
    /// In creation order.
    pub links: Vec<Link>,
    /// In creation order.
    pub policies: Vec<RoutingPolicy>,
    /// Links ever created, for their numbers.
    pub link_counter: u32,
}

impl Store {
    /// The key whose secret is `secret`.
    pub fn key(&self, secret: &str) -> Option<&ApiKey> {
        self.keys.iter().find(|k| k.secret_key == secret)
    }

    /// Forgets links whose deprovisioning is over.
    pub fn purge(&mut self, now: Instant, step: Duration) {
        self.links
            .retain(|l| l.status(now, step) != LinkStatus::Deleted);
    }
}
