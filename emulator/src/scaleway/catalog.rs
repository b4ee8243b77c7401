//! The reference data every region has: PoPs, partners, and the dedicated connections each
//! project owns. Ids are name-based UUIDs (v5-style, SHA-1 of a fixed namespace and a name),
//! so they are the same in every run and tests can find them by listing.

use serde_json::{json, Value};
use sha1::{Digest, Sha1};

/// Bandwidths (Mbps) every PoP offers to hosted links.
const POP_BANDWIDTHS: [u64; 8] = [50, 100, 200, 500, 1000, 2000, 5000, 10000];
/// Creation date of the reference data.
const EPOCH: &str = "2024-03-01T09:00:00Z";

/// A name-based UUID (version 5 layout) in the emulator's own namespace.
pub(crate) fn stable_id(name: &str) -> String {
    const NAMESPACE: [u8; 16] = *b"scw-emu-interlnk";
    let digest = Sha1::new()
        .chain_update(NAMESPACE)
        .chain_update(name.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A point of presence.
#[derive(Clone, Debug)]
pub(crate) struct Pop {
    pub id: String,
    pub name: &'static str,
    pub display_name: &'static str,
    pub hosting_provider_name: &'static str,
    pub address: &'static str,
    pub city: &'static str,
    pub region: String,
    /// Whether dedicated connections can be ordered there (`dedicated_available` filter).
    pub dedicated: bool,
}

impl Pop {
    pub fn bandwidths(&self) -> &'static [u64] {
        &POP_BANDWIDTHS
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "hosting_provider_name": self.hosting_provider_name,
            "address": self.address,
            "city": self.city,
            "logo_url": format!("https://interlink.scaleway.com/logos/{}.svg", self.name.to_ascii_lowercase()),
            "available_link_bandwidths_mbps": self.bandwidths(),
            "display_name": self.display_name,
            "region": self.region,
        })
    }
}

/// A partner that hosts links on its own connections, at some PoPs.
#[derive(Clone, Debug)]
pub(crate) struct Partner {
    pub id: String,
    pub name: &'static str,
    pub l3_connectivity: bool,
    pub region: String,
    /// Ids of the PoPs where it is present.
    pub pop_ids: Vec<String>,
}

impl Partner {
    pub fn to_json(&self) -> Value {
        let slug = self.name.to_ascii_lowercase().replace(' ', "-");
        json!({
            "id": self.id,
            "name": self.name,
            "contact_email": format!("interlink@{slug}.example.net"),
            "logo_url": format!("https://interlink.scaleway.com/logos/{slug}.svg"),
            "portal_url": format!("https://portal.{slug}.example.net/interlink"),
            "created_at": EPOCH,
            "updated_at": EPOCH,
            "l3_connectivity": self.l3_connectivity,
            "region": self.region,
        })
    }
}

/// A dedicated connection (a port the customer ordered at a PoP), owned by a project.
#[derive(Clone, Debug)]
pub(crate) struct Connection {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub organization_id: String,
    pub pop_id: String,
    pub bandwidth_mbps: u64,
    pub vlan_start: u32,
    pub vlan_end: u32,
    pub region: String,
}

impl Connection {
    /// The link bandwidths the port can carry.
    pub fn link_bandwidths(&self) -> Vec<u64> {
        POP_BANDWIDTHS
            .iter()
            .copied()
            .filter(|b| *b <= self.bandwidth_mbps)
            .collect()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "project_id": self.project_id,
            "organization_id": self.organization_id,
            "status": "active",
            "name": self.name,
            "tags": ["emulator"],
            "pop_id": self.pop_id,
            "bandwidth_mbps": self.bandwidth_mbps,
            "available_link_bandwidths": self.link_bandwidths(),
            "created_at": EPOCH,
            "updated_at": EPOCH,
            "demarcation_info": format!("{} cross-connect, patch panel PP-12 port 4", self.name),
            "vlan_range": {"start": self.vlan_start, "end": self.vlan_end},
            "region": self.region,
        })
    }
}

/// The PoPs of each region: (name, display name, hosting provider, address, city, dedicated).
type PopRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

fn pop_rows(region: &str) -> &'static [PopRow] {
    match region {
        "fr-par" => &[
            (
                "TH2",
                "Telehouse 2 Paris",
                "Telehouse",
                "137 boulevard Voltaire, 75011 Paris",
                "Paris",
                true,
            ),
            (
                "DC3",
                "Scaleway DC3",
                "Scaleway",
                "61 rue Julian Grimau, 94400 Vitry-sur-Seine",
                "Vitry-sur-Seine",
                true,
            ),
            (
                "PA2",
                "Equinix PA2",
                "Equinix",
                "114 rue Ambroise Croizat, 93200 Saint-Denis",
                "Saint-Denis",
                false,
            ),
        ],
        "nl-ams" => &[
            (
                "AM5",
                "Equinix AM5",
                "Equinix",
                "Schepenbergweg 42, 1105 AT Amsterdam",
                "Amsterdam",
                true,
            ),
            (
                "NIKHEF",
                "Nikhef Amsterdam",
                "Nikhef",
                "Science Park 105, 1098 XG Amsterdam",
                "Amsterdam",
                false,
            ),
        ],
        "pl-waw" => &[
            (
                "WAW1",
                "Atman WAW1",
                "Atman",
                "Konstruktorska 5, 02-673 Warszawa",
                "Warsaw",
                true,
            ),
            (
                "WA1",
                "Equinix WA1",
                "Equinix",
                "Poleczki 23, 02-822 Warszawa",
                "Warsaw",
                false,
            ),
        ],
        "it-mil" => &[
            (
                "MIL1",
                "Data4 Milan",
                "Data4",
                "Via Monzoro 101, 20007 Cornaredo",
                "Milan",
                true,
            ),
            (
                "MIX",
                "MIX Milan",
                "MIX",
                "Via Caldera 21, 20153 Milano",
                "Milan",
                false,
            ),
        ],
        _ => &[],
    }
}

/// The PoPs of `region`, in a fixed order.
pub(crate) fn pops(region: &str) -> Vec<Pop> {
    pop_rows(region)
        .iter()
        .map(
            |&(name, display_name, hosting_provider_name, address, city, dedicated)| Pop {
                id: stable_id(&format!("pop/{region}/{name}")),
                name,
                display_name,
                hosting_provider_name,
                address,
                city,
                region: region.to_owned(),
                dedicated,
            },
        )
        .collect()
}

/// The partners of `region`: one layer-2 partner at every PoP, one layer-3 partner at the
/// first PoP only, so filters by PoP and by `l3_connectivity` have something to tell apart.
pub(crate) fn partners(region: &str) -> Vec<Partner> {
    let pops = pops(region);
    let all: Vec<String> = pops.iter().map(|p| p.id.clone()).collect();
    let first: Vec<String> = all.iter().take(1).cloned().collect();
    [("Free Pro", false, all), ("Ielo", true, first)]
        .into_iter()
        .map(|(name, l3_connectivity, pop_ids)| Partner {
            id: stable_id(&format!("partner/{region}/{name}")),
            name,
            l3_connectivity,
            region: region.to_owned(),
            pop_ids,
        })
        .collect()
}

/// The dedicated connections `project_id` owns in `region`: a 10 Gbps port at the first PoP
/// (VLANs 100–199) and a 1 Gbps port at the second one (VLANs 200–299).
pub(crate) fn connections(
    region: &str,
    project_id: &str,
    organization_id: &str,
) -> Vec<Connection> {
    let pops = pops(region);
    let ports = [(0usize, 10_000u64, 100u32, 199u32), (1, 1000, 200, 299)];
    ports
        .iter()
        .filter_map(|&(index, bandwidth_mbps, vlan_start, vlan_end)| {
            let pop = pops.get(index)?;
            Some(Connection {
                id: stable_id(&format!("connection/{region}/{project_id}/{}", pop.name)),
                name: format!(
                    "{}-{}G",
                    pop.name.to_ascii_lowercase(),
                    bandwidth_mbps / 1000
                ),
                project_id: project_id.to_owned(),
                organization_id: organization_id.to_owned(),
                pop_id: pop.id.clone(),
                bandwidth_mbps,
                vlan_start,
                vlan_end,
                region: region.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_uuids() {
        let a = stable_id("pop/fr-par/TH2");
        assert_eq!(a, stable_id("pop/fr-par/TH2"));
        assert_ne!(a, stable_id("pop/nl-ams/TH2"));
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 5);
    }

    #[test]
    fn every_region_has_pops_partners_and_connections() {
        for region in ["fr-par", "nl-ams", "pl-waw", "it-mil"] {
            assert!(pops(region).len() >= 2, "{region}");
            assert_eq!(partners(region).len(), 2, "{region}");
            assert_eq!(connections(region, "p", "o").len(), 2, "{region}");
        }
    }
}
