"""Drives the emulator's Scaleway mode with Scaleway's official Python SDK (PyPI `scaleway`).

Reads the emulator's URL and key from the environment (set by scaleway_python.rs), runs the
InterLink scenario with the SDK's typed InterlinkV1Beta1API methods, and prints one JSON object
with what happened on the last line of stdout.
"""

import json
import os
import uuid

import scaleway
from scaleway import Client, ScalewayException, WaitForOptions
from scaleway.interlink.v1beta1 import BgpStatus, InterlinkV1Beta1API, LinkStatus

client = Client(
    access_key=os.environ["EMU_ACCESS_KEY"],
    secret_key=os.environ["EMU_SECRET_KEY"],
    default_project_id=os.environ["EMU_PROJECT_ID"],
    default_organization_id=os.environ["EMU_ORGANIZATION_ID"],
    default_region="fr-par",
    api_url=os.environ["EMU_API_URL"],
)
api = InterlinkV1Beta1API(client)
out = {"sdk_version": scaleway.__version__}
# The SDK's waiters back off from 1 s; the emulator's steps are shorter.
wait = WaitForOptions(timeout=30)


def error_of(call):
    """The SDK exception of a failing call: its class, HTTP status and Scaleway error body."""
    try:
        call()
        return None
    except ScalewayException as e:
        return {"class": type(e).__name__, "status": e.status_code, "body": e.response.json()}


# Reference data.
connection = api.list_dedicated_connections().connections[0]
out["connection"] = {"status": str(connection.status), "vlan_start": connection.vlan_range.start}
pop = api.get_pop(pop_id=connection.pop_id)
out["pop"] = {"name": pop.name, "bandwidths": pop.available_link_bandwidths_mbps}
out["pops_dedicated"] = api.list_pops(dedicated_available=True).total_count
out["partners_l3"] = [p.name for p in api.list_partners_all(l3_connectivity=True)]

# The scenario.
policy = api.create_routing_policy(
    name="on-prem-v4",
    is_ipv6=False,
    prefix_filter_in=["10.20.0.0/16"],
    prefix_filter_out=["172.16.0.0/12"],
    tags=["sdk"],
)
out["policy"] = {"is_ipv6": policy.is_ipv6, "project_id": policy.project_id, "region": str(policy.region)}
link = api.create_link(
    name="paris-onprem",
    pop_id=pop.id,
    bandwidth_mbps=1000,
    connection_id=connection.id,
    peer_asn=64512,
    vlan=connection.vlan_range.start + 1,
    tags=["sdk"],
)
out["created_status"] = str(link.status)
link = api.wait_for_link(link_id=link.id, options=wait)
out["waited_status"] = str(link.status)

vpc_id = str(uuid.uuid4())
api.attach_vpc(link_id=link.id, vpc_id=vpc_id)
api.attach_routing_policy(link_id=link.id, routing_policy_id=policy.id)
link = api.wait_for_link(
    link_id=link.id,
    options=WaitForOptions(timeout=30, stop=lambda l: l.bgp_v4_status == BgpStatus.UP),
)
api.enable_route_propagation(link_id=link.id)
link = api.enable_route_propagation(link_id=link.id)
read = api.get_link(link_id=link.id)
out["read"] = {
    "status": str(read.status),
    "bgp_v4_status": str(read.bgp_v4_status),
    "bgp_v6_status": str(read.bgp_v6_status),
    "vpc_matches": read.vpc_id == vpc_id,
    "routing_policy_v4_id_matches": read.routing_policy_v4_id == policy.id,
    "enable_route_propagation": read.enable_route_propagation,
    "vlan": read.vlan,
    "peer_asn": read.peer_bgp_config.asn,
    "scw_asn": read.scw_bgp_config.asn,
    "connection_matches": read.self_ is not None and read.self_.connection_id == connection.id,
    "partner": read.partner,
    "created_at_year": read.created_at.year,
}
out["listed_by_vpc"] = api.list_links(vpc_id=vpc_id).total_count
out["listed_all"] = [l.name for l in api.list_links_all(status=LinkStatus.ACTIVE)]
out["renamed"] = api.update_link(link_id=link.id, name="renamed", tags=["sdk", "renamed"]).name
out["policy_in"] = api.update_routing_policy(
    routing_policy_id=policy.id, prefix_filter_in=["10.30.0.0/16"]
).prefix_filter_in

# Errors as the SDK raises them.
out["unknown_link"] = error_of(lambda: api.get_link(link_id=str(uuid.uuid4())))
out["bad_bandwidth"] = error_of(
    lambda: api.create_link(
        name="x", pop_id=pop.id, bandwidth_mbps=3, connection_id=connection.id
    )
)
out["policy_in_use"] = error_of(lambda: api.delete_routing_policy(routing_policy_id=policy.id))
out["vpc_twice"] = error_of(lambda: api.attach_vpc(link_id=link.id, vpc_id=str(uuid.uuid4())))

# Tear down.
api.detach_routing_policy(link_id=link.id, routing_policy_id=policy.id)
detached = api.detach_vpc(link_id=link.id)
out["after_detach"] = {"vpc_id": detached.vpc_id, "propagation": detached.enable_route_propagation}
out["deleting_status"] = str(api.delete_link(link_id=link.id).status)
try:
    api.wait_for_link(link_id=link.id, options=WaitForOptions(timeout=30, stop=lambda l: False))
    out["gone"] = None
except ScalewayException as e:
    out["gone"] = e.status_code
out["delete_policy"] = api.delete_routing_policy(routing_policy_id=policy.id)
out["policies_left"] = api.list_routing_policies().total_count
print(json.dumps(out))
