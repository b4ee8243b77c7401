//! OVHcloud Connect: the whole configuration guide (vRack link, PoP L2/L3, datacenters, extras).
//!
//! State: two services (fixed uuids) with their physical interfaces, a catalogue of
//! datacenters, two vRacks. Every change is a task of the service (`todo` → `doing` → `done`
//! by the [`TaskClock`]); configurations are `init` until their task is done, then `active`;
//! deleted ones are `toDelete` until the deletion task is done, then gone (404). Deleting a PoP
//! or a datacenter configuration deletes what it holds with the same task.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{json, Value};

use super::{
    body_object, format_ipv4, invalid_type, is_private_asn, missing_property, object_not_found,
    opt_long, opt_str, parse_ipv4, path_long, req_long, rfc3339, ApiError, Flow, FlowRequest,
    FlowResponse, Ipv4Cidr, TaskClock, WallClock,
};

/// The first seeded service: one enabled interface, delivered in Paris.
pub const SERVICE_A: &str = "2f6b2c5e-8d3a-4b1f-9c7e-5a4d3e2f1b0a";
/// The second seeded service: two interfaces (the second one disabled), delivered in Frankfurt.
pub const SERVICE_B: &str = "7c1e9a4b-3f2d-4e8a-b6c5-0d9e8f7a6b5c";
/// The vRack of the guide.
pub const VRACK: &str = "pn-12345";
/// Another vRack of the same account.
pub const OTHER_VRACK: &str = "pn-67890";

const POP_TYPES: [&str; 2] = ["l2", "l3"];
const EXTRA_TYPES: [&str; 2] = ["bgp", "network"];
const TASK_STATUSES: [&str; 6] = ["denied", "doing", "done", "error", "pause", "todo"];
const ASN_RANGES: &str = "64512-65534 or 4200000000-4294967294";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    L2,
    L3,
}

impl Layer {
    fn as_str(self) -> &'static str {
        match self {
            Layer::L2 => "l2",
            Layer::L3 => "l3",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Init,
    Active,
    ToDelete,
    Gone,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Init => "init",
            Status::Active => "active",
            Status::ToDelete | Status::Gone => "toDelete",
        }
    }
}

/// When a configuration was created and, if so, when its deletion was asked.
#[derive(Clone, Copy, Debug)]
struct Life {
    created: Instant,
    deleted: Option<Instant>,
}

impl Life {
    fn new(now: Instant) -> Life {
        Life {
            created: now,
            deleted: None,
        }
    }

    fn status(&self, clock: &TaskClock, now: Instant) -> Status {
        match self.deleted {
            Some(at) if clock.is_done(at, now) => Status::Gone,
            Some(_) => Status::ToDelete,
            None if clock.is_done(self.created, now) => Status::Active,
            None => Status::Init,
        }
    }

    fn delete(&mut self, now: Instant) {
        self.deleted.get_or_insert(now);
    }
}

#[derive(Clone, Debug)]
struct Interface {
    id: i64,
    enabled: bool,
    light: Option<f64>,
}

#[derive(Clone, Debug)]
struct Datacenter {
    id: i64,
    name: &'static str,
    region: &'static str,
    region_type: &'static str,
    available: bool,
}

#[derive(Clone, Debug)]
struct PopConfig {
    id: i64,
    interface_id: i64,
    layer: Layer,
    customer_bgp_area: Option<i64>,
    ovh_bgp_area: Option<i64>,
    subnet: Option<Ipv4Cidr>,
    life: Life,
    datacenters: BTreeMap<i64, DatacenterConfig>,
}

#[derive(Clone, Debug)]
struct DatacenterConfig {
    id: i64,
    datacenter_id: i64,
    ovh_bgp_area: Option<i64>,
    subnet: Option<Ipv4Cidr>,
    life: Life,
    extras: BTreeMap<i64, Extra>,
}

#[derive(Clone, Debug)]
enum ExtraKind {
    /// A static route: `subnet` via `next_hop`.
    Network { next_hop: u32, subnet: Ipv4Cidr },
    /// A BGP session with a neighbour in the datacenter.
    Bgp { area: i64, ip: u32 },
}

impl ExtraKind {
    fn type_name(&self) -> &'static str {
        match self {
            ExtraKind::Network { .. } => "network",
            ExtraKind::Bgp { .. } => "bgp",
        }
    }
}

#[derive(Clone, Debug)]
struct Extra {
    id: i64,
    kind: ExtraKind,
    life: Life,
}

#[derive(Clone, Debug)]
struct Task {
    id: i64,
    function: &'static str,
    resource_id: i64,
    created: Instant,
}

#[derive(Clone, Debug)]
struct Service {
    uuid: String,
    description: String,
    pop: String,
    interfaces: Vec<Interface>,
    vrack: Option<String>,
    pops: BTreeMap<i64, PopConfig>,
    tasks: BTreeMap<i64, Task>,
}

#[derive(Clone, Debug)]
struct VrackTask {
    id: i64,
    function: &'static str,
    target: String,
    created: Instant,
}

#[derive(Clone, Debug)]
struct Vrack {
    name: String,
    description: String,
    tasks: BTreeMap<i64, VrackTask>,
}

#[derive(Debug)]
struct State {
    services: BTreeMap<String, Service>,
    vracks: BTreeMap<String, Vrack>,
    datacenters: Vec<Datacenter>,
    next_config_id: i64,
    next_task_id: i64,
    next_vrack_task_id: i64,
}

impl State {
    fn seed() -> State {
        let service =
            |uuid: &str, description: &str, pop: &str, interfaces: Vec<Interface>| Service {
                uuid: uuid.to_owned(),
                description: description.to_owned(),
                pop: pop.to_owned(),
                interfaces,
                vrack: None,
                pops: BTreeMap::new(),
                tasks: BTreeMap::new(),
            };
        let services = [
            service(
                SERVICE_A,
                "OVHcloud Connect Direct 1G - Paris",
                "PAR-TH2",
                vec![Interface {
                    id: 1001,
                    enabled: true,
                    light: Some(-2.87),
                }],
            ),
            service(
                SERVICE_B,
                "OVHcloud Connect Direct 10G - Frankfurt",
                "FRA-IX",
                vec![
                    Interface {
                        id: 2001,
                        enabled: true,
                        light: Some(-4.1),
                    },
                    Interface {
                        id: 2002,
                        enabled: false,
                        light: None,
                    },
                ],
            ),
        ];
        let vrack = |name: &str, description: &str| Vrack {
            name: name.to_owned(),
            description: description.to_owned(),
            tasks: BTreeMap::new(),
        };
        let dc = |id, name, region, region_type, available| Datacenter {
            id,
            name,
            region,
            region_type,
            available,
        };
        State {
            services: services.into_iter().map(|s| (s.uuid.clone(), s)).collect(),
            vracks: [
                vrack(VRACK, "Production vRack"),
                vrack(OTHER_VRACK, "Staging vRack"),
            ]
            .into_iter()
            .map(|v| (v.name.clone(), v))
            .collect(),
            datacenters: vec![
                dc(1, "RBX", "eu-west-rbx", "1-AZ", true),
                dc(2, "GRA", "eu-west-gra", "1-AZ", true),
                dc(3, "SBG", "eu-west-sbg", "1-AZ", true),
                dc(4, "PAR", "eu-west-par", "3-AZ", true),
                dc(5, "BHS", "ca-east-bhs", "1-AZ", true),
                dc(6, "WAW", "eu-central-waw", "1-AZ", false),
            ],
            next_config_id: 1,
            next_task_id: 1,
            next_vrack_task_id: 1,
        }
    }

    /// Forgets configurations whose deletion task is done.
    fn purge(&mut self, clock: &TaskClock, now: Instant) {
        let alive = |life: &Life| life.status(clock, now) != Status::Gone;
        for service in self.services.values_mut() {
            service.pops.retain(|_, p| alive(&p.life));
            for pop in service.pops.values_mut() {
                pop.datacenters.retain(|_, d| alive(&d.life));
                for dc in pop.datacenters.values_mut() {
                    dc.extras.retain(|_, e| alive(&e.life));
                }
            }
        }
    }

    fn config_id(&mut self) -> i64 {
        let id = self.next_config_id;
        self.next_config_id += 1;
        id
    }

    fn task_id(&mut self) -> i64 {
        let id = self.next_task_id;
        self.next_task_id += 1;
        id
    }
}

/// The OVHcloud Connect and vRack-linking flow.
pub struct Occ {
    clock: TaskClock,
    wall: WallClock,
    state: Mutex<State>,
}

impl Occ {
    pub fn new(clock: TaskClock) -> Self {
        Occ {
            clock,
            wall: WallClock::new(),
            state: Mutex::new(State::seed()),
        }
    }
}

type Answer = Result<Value, ApiError>;

/// What a handler needs besides the state.
struct Ctx<'r, 'a> {
    clock: TaskClock,
    wall: WallClock,
    request: &'r FlowRequest<'a>,
}

impl Ctx<'_, '_> {
    fn now(&self) -> Instant {
        self.request.now
    }

    fn status(&self, life: &Life) -> Status {
        life.status(&self.clock, self.now())
    }
}

impl Flow for Occ {
    fn handle(&self, request: &FlowRequest<'_>) -> FlowResponse {
        let template = request.template;
        let ours = template == "/ovhCloudConnect"
            || template.starts_with("/ovhCloudConnect/")
            || template == "/vrack"
            || template.starts_with("/vrack/");
        if request.branch != "v1" || !ours {
            return FlowResponse::NotHandled;
        }
        let ctx = Ctx {
            clock: self.clock,
            wall: self.wall,
            request,
        };
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.purge(&self.clock, request.now);
        let s = &mut *state;
        let answer = match (request.method, template) {
            ("GET", "/vrack") => Ok(json!(s.vracks.keys().collect::<Vec<_>>())),
            ("GET", "/vrack/{serviceName}") => get_vrack(s, &ctx),
            ("GET", "/vrack/{serviceName}/ovhCloudConnect") => list_vrack_occ(s, &ctx),
            ("POST", "/vrack/{serviceName}/ovhCloudConnect") => link_vrack(s, &ctx),
            ("GET", "/vrack/{serviceName}/ovhCloudConnect/{ovhCloudConnect}") => get_vrack_occ(s, &ctx),
            ("DELETE", "/vrack/{serviceName}/ovhCloudConnect/{ovhCloudConnect}") => unlink_vrack(s, &ctx),
            ("GET", "/vrack/{serviceName}/task/{taskId}") => get_vrack_task(s, &ctx),

            ("GET", "/ovhCloudConnect") => Ok(json!(s.services.keys().collect::<Vec<_>>())),
            ("GET", "/ovhCloudConnect/{serviceName}") => service(s, &ctx).map(service_json),
            ("PUT", "/ovhCloudConnect/{serviceName}") => update_service(s, &ctx),
            ("GET", "/ovhCloudConnect/{serviceName}/interface") => list_interfaces(s, &ctx),
            ("GET", "/ovhCloudConnect/{serviceName}/interface/{id}") => get_interface(s, &ctx),
            ("GET", "/ovhCloudConnect/{serviceName}/datacenter") => list_datacenters(s, &ctx),
            ("GET", "/ovhCloudConnect/{serviceName}/datacenter/{id}") => get_datacenter(s, &ctx),
            ("GET", "/ovhCloudConnect/{serviceName}/task") => list_tasks(s, &ctx),
            ("GET", "/ovhCloudConnect/{serviceName}/task/{id}") => get_task(s, &ctx),

            ("GET", "/ovhCloudConnect/{serviceName}/config/pop") => list_pops(s, &ctx),
            ("POST", "/ovhCloudConnect/{serviceName}/config/pop") => add_pop(s, &ctx),
            ("GET", "/ovhCloudConnect/{serviceName}/config/pop/{popId}") => get_pop(s, &ctx),
            ("DELETE", "/ovhCloudConnect/{serviceName}/config/pop/{popId}") => delete_pop(s, &ctx),

            ("GET", "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter") => list_dc_configs(s, &ctx),
            ("POST", "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter") => add_datacenter(s, &ctx),
            ("GET", "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}") => {
                get_dc_config(s, &ctx)
            }
            ("DELETE", "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}") => {
                delete_datacenter(s, &ctx)
            }

            ("GET", "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}/extra") => {
                list_extras(s, &ctx)
            }
            ("POST", "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}/extra") => {
                add_extra(s, &ctx)
            }
            ("GET", "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}/extra/{extraId}") => {
                get_extra(s, &ctx)
            }
            (
                "DELETE",
                "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}/extra/{extraId}",
            ) => delete_extra(s, &ctx),
            _ => return FlowResponse::NotHandled,
        };
        match answer {
            Ok(body) => FlowResponse::ok(body),
            Err(error) => FlowResponse::Error(error),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Plain reads.
// ---------------------------------------------------------------------------------------------

fn list_interfaces(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    let service = service(s, ctx)?;
    Ok(json!(service
        .interfaces
        .iter()
        .map(|i| i.id)
        .collect::<Vec<_>>()))
}

fn list_datacenters(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    service(s, ctx)?;
    Ok(json!(s
        .datacenters
        .iter()
        .map(|d| d.id)
        .collect::<Vec<_>>()))
}

fn list_pops(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    Ok(json!(service(s, ctx)?.pops.keys().collect::<Vec<_>>()))
}

fn get_pop(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    Ok(pop_json(pop(s, ctx)?, ctx))
}

fn list_dc_configs(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    Ok(json!(pop(s, ctx)?.datacenters.keys().collect::<Vec<_>>()))
}

fn get_dc_config(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    Ok(datacenter_json(datacenter_config(s, ctx)?, ctx))
}

fn list_extras(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    Ok(json!(datacenter_config(s, ctx)?
        .extras
        .keys()
        .collect::<Vec<_>>()))
}

fn get_extra(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    Ok(extra_json(extra(s, ctx)?, ctx))
}

// ---------------------------------------------------------------------------------------------
// Lookups.
// ---------------------------------------------------------------------------------------------

fn service_key(ctx: &Ctx<'_, '_>) -> String {
    ctx.request.param("serviceName").trim().to_ascii_lowercase()
}

fn service<'s>(s: &'s State, ctx: &Ctx<'_, '_>) -> Result<&'s Service, ApiError> {
    let key = service_key(ctx);
    s.services
        .get(&key)
        .ok_or_else(|| object_not_found("serviceName", ctx.request.param("serviceName")))
}

fn service_mut<'s>(s: &'s mut State, ctx: &Ctx<'_, '_>) -> Result<&'s mut Service, ApiError> {
    let key = service_key(ctx);
    s.services
        .get_mut(&key)
        .ok_or_else(|| object_not_found("serviceName", ctx.request.param("serviceName")))
}

fn pop<'s>(s: &'s State, ctx: &Ctx<'_, '_>) -> Result<&'s PopConfig, ApiError> {
    let service = service(s, ctx)?;
    let id = path_long(ctx.request, "popId")?;
    service
        .pops
        .get(&id)
        .ok_or_else(|| object_not_found("popId", id))
}

fn datacenter_config<'s>(
    s: &'s State,
    ctx: &Ctx<'_, '_>,
) -> Result<&'s DatacenterConfig, ApiError> {
    let pop = pop(s, ctx)?;
    let id = path_long(ctx.request, "datacenterId")?;
    pop.datacenters
        .get(&id)
        .ok_or_else(|| object_not_found("datacenterId", id))
}

fn extra<'s>(s: &'s State, ctx: &Ctx<'_, '_>) -> Result<&'s Extra, ApiError> {
    let dc = datacenter_config(s, ctx)?;
    let id = path_long(ctx.request, "extraId")?;
    dc.extras
        .get(&id)
        .ok_or_else(|| object_not_found("extraId", id))
}

fn vrack<'s>(s: &'s State, ctx: &Ctx<'_, '_>) -> Result<&'s Vrack, ApiError> {
    let name = ctx.request.param("serviceName");
    s.vracks
        .get(name)
        .ok_or_else(|| object_not_found("serviceName", name))
}

/// Records a task of the service and answers it.
fn new_task(
    s: &mut State,
    service: &str,
    function: &'static str,
    resource_id: i64,
    ctx: &Ctx<'_, '_>,
) -> Value {
    let id = s.task_id();
    let task = Task {
        id,
        function,
        resource_id,
        created: ctx.now(),
    };
    let body = task_json(&task, ctx);
    if let Some(sv) = s.services.get_mut(service) {
        sv.tasks.insert(id, task);
    }
    body
}

// ---------------------------------------------------------------------------------------------
// JSON renderings (field names from ovhCloudConnect.json / vrack.json).
// ---------------------------------------------------------------------------------------------

fn service_json(s: &Service) -> Value {
    json!({
        "uuid": s.uuid,
        "description": s.description,
        "pop": s.pop,
        "status": "active",
        "interfaceList": s.interfaces.iter().map(|i| i.id).collect::<Vec<_>>(),
        "vrack": s.vrack,
        "iam": {
            "id": s.uuid,
            "urn": format!("urn:v1:eu:resource:ovhCloudConnect:{}", s.uuid),
            "displayName": s.description,
            "state": "OK",
        },
    })
}

fn task_json(t: &Task, ctx: &Ctx<'_, '_>) -> Value {
    json!({
        "id": t.id,
        "function": t.function,
        "resourceId": t.resource_id,
        "status": ctx.clock.status(t.created, ctx.now()),
    })
}

fn pop_json(p: &PopConfig, ctx: &Ctx<'_, '_>) -> Value {
    json!({
        "id": p.id,
        "interfaceId": p.interface_id,
        "type": p.layer.as_str(),
        "status": ctx.status(&p.life).as_str(),
        "customerBgpArea": p.customer_bgp_area,
        "ovhBgpArea": p.ovh_bgp_area,
        "subnet": p.subnet.map(|c| c.to_string()),
    })
}

fn datacenter_json(d: &DatacenterConfig, ctx: &Ctx<'_, '_>) -> Value {
    json!({
        "id": d.id,
        "datacenterId": d.datacenter_id,
        "status": ctx.status(&d.life).as_str(),
        "ovhBgpArea": d.ovh_bgp_area,
        "subnet": d.subnet.map(|c| c.to_string()),
    })
}

fn extra_json(e: &Extra, ctx: &Ctx<'_, '_>) -> Value {
    let mut body = json!({
        "id": e.id,
        "type": e.kind.type_name(),
        "status": ctx.status(&e.life).as_str(),
        "bgpNeighborArea": null,
        "bgpNeighborIp": null,
        "nextHop": null,
        "subnet": null,
    });
    match &e.kind {
        ExtraKind::Network { next_hop, subnet } => {
            body["nextHop"] = json!(format_ipv4(*next_hop));
            body["subnet"] = json!(subnet.to_string());
        }
        ExtraKind::Bgp { area, ip } => {
            body["bgpNeighborArea"] = json!(area);
            body["bgpNeighborIp"] = json!(format_ipv4(*ip));
        }
    }
    body
}

fn vrack_task_json(vrack: &str, t: &VrackTask, ctx: &Ctx<'_, '_>) -> Value {
    // The status changed at whole steps after creation: that is the last update.
    let step = ctx.clock.step;
    let elapsed = ctx.now().saturating_duration_since(t.created);
    let steps = if step.is_zero() {
        2
    } else {
        (elapsed.as_nanos() / step.as_nanos()).min(2) as u32
    };
    let last_update = t.created + step * steps;
    json!({
        "id": t.id,
        "function": t.function,
        "status": ctx.clock.status(t.created, ctx.now()),
        "serviceName": vrack,
        "targetDomain": t.target,
        "todoDate": rfc3339(&ctx.wall.at(t.created)),
        "lastUpdate": rfc3339(&ctx.wall.at(last_update)),
    })
}

// ---------------------------------------------------------------------------------------------
// vRack side.
// ---------------------------------------------------------------------------------------------

fn get_vrack(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    let v = vrack(s, ctx)?;
    Ok(json!({
        "name": v.name,
        "serviceName": v.name,
        "description": v.description,
        "iam": {
            "id": uuid_for(&v.name),
            "urn": format!("urn:v1:eu:resource:vrack:{}", v.name),
            "displayName": v.name,
            "state": "OK",
        },
    }))
}

/// A stable uuid for a name (IAM metadata of seeded resources).
fn uuid_for(name: &str) -> String {
    let h = super::fnv1a(name);
    let l = super::fnv1a(&format!("{name}#"));
    let bytes: Vec<u8> = h.to_be_bytes().into_iter().chain(l.to_be_bytes()).collect();
    let mut b: [u8; 16] = bytes.try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).hyphenated().to_string()
}

fn list_vrack_occ(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    let v = vrack(s, ctx)?;
    let members: Vec<&String> = s
        .services
        .values()
        .filter(|sv| sv.vrack.as_deref() == Some(&v.name))
        .map(|sv| &sv.uuid)
        .collect();
    Ok(json!(members))
}

fn occ_param(ctx: &Ctx<'_, '_>) -> String {
    ctx.request
        .param("ovhCloudConnect")
        .trim()
        .to_ascii_lowercase()
}

fn get_vrack_occ(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    let v = vrack(s, ctx)?;
    let uuid = occ_param(ctx);
    match s.services.get(&uuid) {
        Some(sv) if sv.vrack.as_deref() == Some(&v.name) => {
            Ok(json!({"ovhCloudConnect": sv.uuid, "vrack": v.name}))
        }
        _ => Err(object_not_found(
            "ovhCloudConnect",
            ctx.request.param("ovhCloudConnect"),
        )),
    }
}

fn vrack_task(
    s: &mut State,
    vrack: &str,
    function: &'static str,
    target: &str,
    ctx: &Ctx<'_, '_>,
) -> (i64, Value) {
    let id = s.next_vrack_task_id;
    s.next_vrack_task_id += 1;
    let task = VrackTask {
        id,
        function,
        target: target.to_owned(),
        created: ctx.now(),
    };
    let body = vrack_task_json(vrack, &task, ctx);
    if let Some(v) = s.vracks.get_mut(vrack) {
        v.tasks.insert(id, task);
    }
    (id, body)
}

fn link_vrack(s: &mut State, ctx: &Ctx<'_, '_>) -> Answer {
    let name = vrack(s, ctx)?.name.clone();
    let body = body_object(ctx.request)?;
    let raw = opt_str(&body, "ovhCloudConnect", "uuid")?
        .ok_or_else(|| missing_property("ovhCloudConnect"))?;
    let uuid = uuid::Uuid::parse_str(raw.trim())
        .map_err(|_| invalid_type("ovhCloudConnect", &json!(raw), "uuid"))?
        .hyphenated()
        .to_string();
    let service = s
        .services
        .get_mut(&uuid)
        .ok_or_else(|| object_not_found("ovhCloudConnect", raw))?;
    match &service.vrack {
        Some(current) if *current == name => {
            return Err(ApiError::conflict(format!(
                "OVHcloud Connect {uuid} is already in vRack {name}"
            )))
        }
        Some(other) => {
            return Err(ApiError::conflict(format!(
            "OVHcloud Connect {uuid} is already in vRack {other}: remove it from that vRack first"
        )))
        }
        None => service.vrack = Some(name.clone()),
    }
    let (task_id, task) = vrack_task(s, &name, "addOvhCloudConnectToVrack", &uuid, ctx);
    new_task(s, &uuid, "addVrack", task_id, ctx);
    Ok(task)
}

fn unlink_vrack(s: &mut State, ctx: &Ctx<'_, '_>) -> Answer {
    let name = vrack(s, ctx)?.name.clone();
    let uuid = occ_param(ctx);
    let not_found = || object_not_found("ovhCloudConnect", ctx.request.param("ovhCloudConnect"));
    let service = s.services.get_mut(&uuid).ok_or_else(not_found)?;
    if service.vrack.as_deref() != Some(&name) {
        return Err(not_found());
    }
    if let Some(pop) = service.pops.values().next() {
        return Err(ApiError::conflict(format!(
            "OVHcloud Connect {uuid} still has PoP configurations (PoP configuration {}): \
             delete them before removing the service from vRack {name}",
            pop.id
        )));
    }
    service.vrack = None;
    let (task_id, task) = vrack_task(s, &name, "removeOvhCloudConnectFromVrack", &uuid, ctx);
    new_task(s, &uuid, "removeVrack", task_id, ctx);
    Ok(task)
}

fn get_vrack_task(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    let v = vrack(s, ctx)?;
    let id = path_long(ctx.request, "taskId")?;
    let task = v
        .tasks
        .get(&id)
        .ok_or_else(|| object_not_found("taskId", id))?;
    Ok(vrack_task_json(&v.name, task, ctx))
}

// ---------------------------------------------------------------------------------------------
// Service, interfaces, datacenters, tasks.
// ---------------------------------------------------------------------------------------------

fn update_service(s: &mut State, ctx: &Ctx<'_, '_>) -> Answer {
    let body = body_object(ctx.request)?;
    let description = opt_str(&body, "description", "string")?.map(str::to_owned);
    let service = service_mut(s, ctx)?;
    if let Some(description) = description {
        service.description = description;
    }
    Ok(Value::Null)
}

fn get_interface(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    let service = service(s, ctx)?;
    let id = path_long(ctx.request, "id")?;
    let interface = service
        .interfaces
        .iter()
        .find(|i| i.id == id)
        .ok_or_else(|| object_not_found("id", id))?;
    Ok(json!({
        "id": interface.id,
        "status": if interface.enabled { "enabled" } else { "disabled" },
        "incomingLightValue": interface.light,
    }))
}

fn get_datacenter(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    service(s, ctx)?;
    let id = path_long(ctx.request, "id")?;
    let dc = s
        .datacenters
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| object_not_found("id", id))?;
    Ok(json!({
        "id": dc.id,
        "name": dc.name,
        "region": dc.region,
        "regionType": dc.region_type,
        "available": dc.available,
    }))
}

fn list_tasks(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    let service = service(s, ctx)?;
    let wanted = ctx.request.query_value("status");
    if let Some(w) = wanted {
        if !TASK_STATUSES.contains(&w) {
            return Err(invalid_type(
                "status",
                &json!(w),
                "ovhcloudconnect.task.StatusEnum",
            ));
        }
    }
    let ids: Vec<i64> = service
        .tasks
        .values()
        .filter(|t| {
            wanted
                .into_iter()
                .all(|w| ctx.clock.status(t.created, ctx.now()) == w)
        })
        .map(|t| t.id)
        .collect();
    Ok(json!(ids))
}

fn get_task(s: &State, ctx: &Ctx<'_, '_>) -> Answer {
    let service = service(s, ctx)?;
    let id = path_long(ctx.request, "id")?;
    let task = service
        .tasks
        .get(&id)
        .ok_or_else(|| object_not_found("id", id))?;
    Ok(task_json(task, ctx))
}

// ---------------------------------------------------------------------------------------------
// Validation helpers.
// ---------------------------------------------------------------------------------------------

fn opt_cidr(
    body: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<Ipv4Cidr>, ApiError> {
    match opt_str(body, key, "ipv4Block")? {
        None => Ok(None),
        Some(text) => Ipv4Cidr::parse(text)
            .map(Some)
            .ok_or_else(|| invalid_type(key, &json!(text), "ipv4Block")),
    }
}

fn opt_ipv4(body: &serde_json::Map<String, Value>, key: &str) -> Result<Option<u32>, ApiError> {
    match opt_str(body, key, "ipv4")? {
        None => Ok(None),
        Some(text) => parse_ipv4(text)
            .map(Some)
            .ok_or_else(|| invalid_type(key, &json!(text), "ipv4")),
    }
}

fn enum_member<'b>(
    body: &'b serde_json::Map<String, Value>,
    key: &str,
    ty: &str,
    values: &[&str],
) -> Result<&'b str, ApiError> {
    let value = opt_str(body, key, ty)?.ok_or_else(|| missing_property(key))?;
    if values.contains(&value) {
        Ok(value)
    } else {
        Err(invalid_type(key, &json!(value), ty))
    }
}

fn private_asn(key: &str, value: i64) -> Result<i64, ApiError> {
    if is_private_asn(value) {
        Ok(value)
    } else {
        Err(ApiError::bad_request(format!(
            "{key} {value} is not a private AS number ({ASN_RANGES})"
        )))
    }
}

fn network_address(key: &str, cidr: Ipv4Cidr) -> Result<Ipv4Cidr, ApiError> {
    if cidr.is_network_address() {
        Ok(cidr)
    } else {
        Err(ApiError::bad_request(format!(
            "{key} {cidr} is not a network address: did you mean {}?",
            cidr.normalized()
        )))
    }
}

/// The members present (not null) among `keys`.
fn present<'k>(body: &serde_json::Map<String, Value>, keys: &[&'k str]) -> Vec<&'k str> {
    keys.iter()
        .copied()
        .filter(|k| body.get(*k).is_some_and(|v| !v.is_null()))
        .collect()
}

fn not_active(what: &str, id: i64, status: Status) -> ApiError {
    match status {
        Status::Init => ApiError::conflict(format!(
            "{what} {id} is not active yet (status init): wait until its task is done"
        )),
        _ => ApiError::conflict(format!("{what} {id} is being deleted (status toDelete)")),
    }
}

/// A subnet already used in the service that `subnet` overlaps, if any.
fn overlap(service: &Service, subnet: &Ipv4Cidr) -> Option<String> {
    for pop in service.pops.values() {
        if let Some(s) = pop.subnet.filter(|s| s.overlaps(subnet)) {
            return Some(format!("{s} of PoP configuration {}", pop.id));
        }
        for dc in pop.datacenters.values() {
            if let Some(s) = dc.subnet.filter(|s| s.overlaps(subnet)) {
                return Some(format!("{s} of datacenter configuration {}", dc.id));
            }
        }
    }
    None
}

fn check_overlap(service: &Service, key: &str, subnet: &Ipv4Cidr) -> Result<(), ApiError> {
    match overlap(service, subnet) {
        Some(other) => Err(ApiError::conflict(format!(
            "{key} {subnet} overlaps {other}"
        ))),
        None => Ok(()),
    }
}

fn no_bgp_on_l2(body: &serde_json::Map<String, Value>, keys: &[&str]) -> Result<(), ApiError> {
    let given = present(body, keys);
    if given.is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "BGP configuration is not allowed for an L2 PoP (remove {})",
            given.join(", ")
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// PoP configurations.
// ---------------------------------------------------------------------------------------------

fn add_pop(s: &mut State, ctx: &Ctx<'_, '_>) -> Answer {
    let body = body_object(ctx.request)?;
    let interface_id = req_long(&body, "interfaceId")?;
    let layer = match enum_member(
        &body,
        "type",
        "ovhcloudconnect.popConfig.TypeEnum",
        &POP_TYPES,
    )? {
        "l2" => Layer::L2,
        _ => Layer::L3,
    };
    let customer_bgp_area = opt_long(&body, "customerBgpArea")?;
    let ovh_bgp_area = opt_long(&body, "ovhBgpArea")?;
    let subnet = opt_cidr(&body, "subnet")?;

    let service = service(s, ctx)?;
    if service.vrack.is_none() {
        return Err(ApiError::bad_request(format!(
            "OVHcloud Connect {} is not linked to a vRack: add it to a vRack first \
             (POST /vrack/{{serviceName}}/ovhCloudConnect)",
            service.uuid
        )));
    }
    let interface = service
        .interfaces
        .iter()
        .find(|i| i.id == interface_id)
        .ok_or_else(|| object_not_found("interfaceId", interface_id))?;
    if !interface.enabled {
        return Err(ApiError::bad_request(format!(
            "Interface {interface_id} is disabled"
        )));
    }
    if let Some(existing) = service
        .pops
        .values()
        .find(|p| p.interface_id == interface_id)
    {
        let status = ctx.status(&existing.life);
        return Err(ApiError::conflict(if status == Status::ToDelete {
            format!(
                "Interface {interface_id} still has PoP configuration {} being deleted: wait until its deletion task is done",
                existing.id
            )
        } else if existing.layer != layer {
            format!(
                "Interface {interface_id} already has an {} PoP configuration ({}): switching between L2 and L3 \
                 requires deleting the whole configuration first",
                existing.layer.as_str(),
                existing.id
            )
        } else {
            format!(
                "Interface {interface_id} already has a PoP configuration ({}): only one PoP configuration per interface",
                existing.id
            )
        }));
    }
    let (customer_bgp_area, ovh_bgp_area, subnet) = match layer {
        Layer::L2 => {
            no_bgp_on_l2(&body, &["customerBgpArea", "ovhBgpArea", "subnet"])?;
            (None, None, None)
        }
        Layer::L3 => {
            let customer = customer_bgp_area.ok_or_else(|| {
                ApiError::bad_request("customerBgpArea is mandatory for an L3 PoP")
            })?;
            let ovh = ovh_bgp_area
                .ok_or_else(|| ApiError::bad_request("ovhBgpArea is mandatory for an L3 PoP"))?;
            let subnet = subnet.ok_or_else(|| {
                ApiError::bad_request("subnet is mandatory for an L3 PoP (a /30)")
            })?;
            private_asn("customerBgpArea", customer)?;
            private_asn("ovhBgpArea", ovh)?;
            if customer == ovh {
                return Err(ApiError::bad_request(format!(
                    "customerBgpArea and ovhBgpArea must be different (both are {customer})"
                )));
            }
            if subnet.prefix != 30 {
                return Err(ApiError::bad_request(format!(
                    "subnet must be a /30 for an L3 PoP (got /{})",
                    subnet.prefix
                )));
            }
            let subnet = network_address("subnet", subnet)?;
            check_overlap(service, "subnet", &subnet)?;
            (Some(customer), Some(ovh), Some(subnet))
        }
    };
    let uuid = service.uuid.clone();
    let id = s.config_id();
    let pop = PopConfig {
        id,
        interface_id,
        layer,
        customer_bgp_area,
        ovh_bgp_area,
        subnet,
        life: Life::new(ctx.now()),
        datacenters: BTreeMap::new(),
    };
    service_mut(s, ctx)?.pops.insert(id, pop);
    Ok(new_task(s, &uuid, "addPopConfiguration", id, ctx))
}

fn delete_pop(s: &mut State, ctx: &Ctx<'_, '_>) -> Answer {
    let id = path_long(ctx.request, "popId")?;
    let now = ctx.now();
    let service = service_mut(s, ctx)?;
    let uuid = service.uuid.clone();
    let pop = service
        .pops
        .get_mut(&id)
        .ok_or_else(|| object_not_found("popId", id))?;
    if ctx.status(&pop.life) == Status::ToDelete {
        return Err(ApiError::conflict(format!(
            "PoP configuration {id} is already being deleted"
        )));
    }
    pop.life.delete(now);
    for dc in pop.datacenters.values_mut() {
        dc.life.delete(now);
        for extra in dc.extras.values_mut() {
            extra.life.delete(now);
        }
    }
    Ok(new_task(s, &uuid, "delPopConfiguration", id, ctx))
}

// ---------------------------------------------------------------------------------------------
// Datacenter configurations.
// ---------------------------------------------------------------------------------------------

fn add_datacenter(s: &mut State, ctx: &Ctx<'_, '_>) -> Answer {
    let body = body_object(ctx.request)?;
    let datacenter_id = req_long(&body, "datacenterId")?;
    let ovh_bgp_area = opt_long(&body, "ovhBgpArea")?;
    let subnet = opt_cidr(&body, "subnet")?;

    let service = service(s, ctx)?;
    let pop = pop(s, ctx)?;
    let status = ctx.status(&pop.life);
    if status != Status::Active {
        return Err(not_active("PoP configuration", pop.id, status));
    }
    let datacenter = s
        .datacenters
        .iter()
        .find(|d| d.id == datacenter_id)
        .ok_or_else(|| object_not_found("datacenterId", datacenter_id))?;
    if !datacenter.available {
        return Err(ApiError::bad_request(format!(
            "Datacenter {} ({datacenter_id}) is not available for new configurations",
            datacenter.name
        )));
    }
    if let Some(existing) = pop
        .datacenters
        .values()
        .find(|d| d.datacenter_id == datacenter_id)
    {
        return Err(ApiError::conflict(format!(
            "Datacenter {} ({datacenter_id}) is already configured on PoP configuration {} (datacenter configuration {})",
            datacenter.name, pop.id, existing.id
        )));
    }
    let (ovh_bgp_area, subnet) = match pop.layer {
        Layer::L2 => {
            no_bgp_on_l2(&body, &["ovhBgpArea", "subnet"])?;
            (None, None)
        }
        Layer::L3 => {
            let ovh = ovh_bgp_area.ok_or_else(|| {
                ApiError::bad_request(
                    "ovhBgpArea is mandatory for a datacenter configuration of an L3 PoP",
                )
            })?;
            let subnet = subnet.ok_or_else(|| {
                ApiError::bad_request("subnet is mandatory for a datacenter configuration of an L3 PoP (a /28 or larger)")
            })?;
            private_asn("ovhBgpArea", ovh)?;
            if Some(ovh) == pop.customer_bgp_area {
                return Err(ApiError::bad_request(format!(
                    "ovhBgpArea must differ from the customerBgpArea of the PoP configuration ({ovh})"
                )));
            }
            if subnet.prefix > 28 {
                return Err(ApiError::bad_request(format!(
                    "subnet must be a /28 or larger for a datacenter configuration (got /{})",
                    subnet.prefix
                )));
            }
            let subnet = network_address("subnet", subnet)?;
            check_overlap(service, "subnet", &subnet)?;
            (Some(ovh), Some(subnet))
        }
    };
    let uuid = service.uuid.clone();
    let pop_id = pop.id;
    let id = s.config_id();
    let config = DatacenterConfig {
        id,
        datacenter_id,
        ovh_bgp_area,
        subnet,
        life: Life::new(ctx.now()),
        extras: BTreeMap::new(),
    };
    if let Some(pop) = service_mut(s, ctx)?.pops.get_mut(&pop_id) {
        pop.datacenters.insert(id, config);
    }
    Ok(new_task(s, &uuid, "addDatacenterConfiguration", id, ctx))
}

fn delete_datacenter(s: &mut State, ctx: &Ctx<'_, '_>) -> Answer {
    let pop_id = path_long(ctx.request, "popId")?;
    let id = path_long(ctx.request, "datacenterId")?;
    let now = ctx.now();
    let service = service_mut(s, ctx)?;
    let uuid = service.uuid.clone();
    let pop = service
        .pops
        .get_mut(&pop_id)
        .ok_or_else(|| object_not_found("popId", pop_id))?;
    let dc = pop
        .datacenters
        .get_mut(&id)
        .ok_or_else(|| object_not_found("datacenterId", id))?;
    if ctx.status(&dc.life) == Status::ToDelete {
        return Err(ApiError::conflict(format!(
            "Datacenter configuration {id} is already being deleted"
        )));
    }
    dc.life.delete(now);
    for extra in dc.extras.values_mut() {
        extra.life.delete(now);
    }
    // The schema's task functions have no delDatacenterConfiguration: OVH's sample lists only
    // delPopConfiguration for deletions.
    Ok(new_task(s, &uuid, "delPopConfiguration", id, ctx))
}

// ---------------------------------------------------------------------------------------------
// Extra configurations.
// ---------------------------------------------------------------------------------------------

/// Checks that `addr` is a host of the datacenter subnet that OVHcloud does not use itself.
fn host_of(key: &str, addr: u32, subnet: &Ipv4Cidr) -> Result<(), ApiError> {
    let shown = format_ipv4(addr);
    if !subnet.contains(addr) {
        return Err(ApiError::bad_request(format!(
            "{key} {shown} must be an address of the datacenter configuration subnet {subnet}"
        )));
    }
    let offset = addr - subnet.network();
    if offset <= 3 || addr == subnet.broadcast() {
        return Err(ApiError::bad_request(format!(
            "{key} {shown} is reserved in {subnet} (network address, OVHcloud virtual router .1, \
             OVHcloud routers .2 and .3, broadcast address)"
        )));
    }
    Ok(())
}

fn add_extra(s: &mut State, ctx: &Ctx<'_, '_>) -> Answer {
    let body = body_object(ctx.request)?;
    let kind_name = enum_member(
        &body,
        "type",
        "ovhcloudconnect.datacenterExtraConfig.TypeEnum",
        &EXTRA_TYPES,
    )?;
    let bgp_neighbor_area = opt_long(&body, "bgpNeighborArea")?;
    let bgp_neighbor_ip = opt_ipv4(&body, "bgpNeighborIp")?;
    let next_hop = opt_ipv4(&body, "nextHop")?;
    let route = opt_cidr(&body, "subnet")?;

    let service = service(s, ctx)?;
    let pop = pop(s, ctx)?;
    let dc = datacenter_config(s, ctx)?;
    if pop.layer == Layer::L2 {
        return Err(ApiError::bad_request(format!(
            "Extra configurations are only available on an L3 PoP (PoP configuration {} is l2)",
            pop.id
        )));
    }
    let status = ctx.status(&pop.life);
    if status != Status::Active {
        return Err(not_active("PoP configuration", pop.id, status));
    }
    let status = ctx.status(&dc.life);
    if status != Status::Active {
        return Err(not_active("Datacenter configuration", dc.id, status));
    }
    if let Some(other) = dc.extras.values().find(|e| e.kind.type_name() != kind_name) {
        return Err(ApiError::bad_request(format!(
            "Datacenter configuration {} already has {} extra configurations (extra configuration {}): \
             a datacenter configuration holds extras of one type only, delete them before adding a {kind_name} one",
            dc.id,
            other.kind.type_name(),
            other.id
        )));
    }
    let dc_subnet = dc
        .subnet
        .ok_or_else(|| ApiError::bad_request("The datacenter configuration has no subnet"))?;
    let kind = if kind_name == "network" {
        let wrong = present(&body, &["bgpNeighborArea", "bgpNeighborIp"]);
        if !wrong.is_empty() {
            return Err(ApiError::bad_request(format!(
                "{} not allowed for a network extra configuration (a static route takes nextHop and subnet)",
                wrong.join(" and ") + if wrong.len() > 1 { " are" } else { " is" }
            )));
        }
        let next_hop = next_hop.ok_or_else(|| {
            ApiError::bad_request("nextHop is mandatory for a network extra configuration")
        })?;
        let route = route.ok_or_else(|| {
            ApiError::bad_request("subnet is mandatory for a network extra configuration")
        })?;
        let route = network_address("subnet", route)?;
        host_of("nextHop", next_hop, &dc_subnet)?;
        if route.overlaps(&dc_subnet) {
            return Err(ApiError::bad_request(format!(
                "subnet {route} overlaps the datacenter configuration subnet {dc_subnet}"
            )));
        }
        if let Some(same) = dc
            .extras
            .values()
            .find(|e| matches!(e.kind, ExtraKind::Network { subnet, .. } if subnet == route))
        {
            return Err(ApiError::conflict(format!(
                "A static route to {route} already exists (extra configuration {})",
                same.id
            )));
        }
        ExtraKind::Network {
            next_hop,
            subnet: route,
        }
    } else {
        let wrong = present(&body, &["nextHop", "subnet"]);
        if !wrong.is_empty() {
            return Err(ApiError::bad_request(format!(
                "{} not allowed for a bgp extra configuration (a BGP session takes bgpNeighborArea and bgpNeighborIp)",
                wrong.join(" and ") + if wrong.len() > 1 { " are" } else { " is" }
            )));
        }
        let area = bgp_neighbor_area.ok_or_else(|| {
            ApiError::bad_request("bgpNeighborArea is mandatory for a bgp extra configuration")
        })?;
        let ip = bgp_neighbor_ip.ok_or_else(|| {
            ApiError::bad_request("bgpNeighborIp is mandatory for a bgp extra configuration")
        })?;
        if !(1..=4_294_967_294).contains(&area) {
            return Err(ApiError::bad_request(format!(
                "bgpNeighborArea {area} is not a valid AS number"
            )));
        }
        if Some(area) == dc.ovh_bgp_area {
            return Err(ApiError::bad_request(format!(
                "bgpNeighborArea must differ from the ovhBgpArea of the datacenter configuration ({area})"
            )));
        }
        host_of("bgpNeighborIp", ip, &dc_subnet)?;
        if let Some(same) = dc
            .extras
            .values()
            .find(|e| matches!(e.kind, ExtraKind::Bgp { ip: other, .. } if other == ip))
        {
            return Err(ApiError::conflict(format!(
                "A BGP session with {} already exists (extra configuration {})",
                format_ipv4(ip),
                same.id
            )));
        }
        ExtraKind::Bgp { area, ip }
    };
    let uuid = service.uuid.clone();
    let (pop_id, dc_id) = (pop.id, dc.id);
    let id = s.config_id();
    let extra = Extra {
        id,
        kind,
        life: Life::new(ctx.now()),
    };
    if let Some(dc) = service_mut(s, ctx)?
        .pops
        .get_mut(&pop_id)
        .and_then(|p| p.datacenters.get_mut(&dc_id))
    {
        dc.extras.insert(id, extra);
    }
    Ok(new_task(
        s,
        &uuid,
        "addDatacenterExtraConfiguration",
        id,
        ctx,
    ))
}

fn delete_extra(s: &mut State, ctx: &Ctx<'_, '_>) -> Answer {
    let pop_id = path_long(ctx.request, "popId")?;
    let dc_id = path_long(ctx.request, "datacenterId")?;
    let id = path_long(ctx.request, "extraId")?;
    let now = ctx.now();
    let service = service_mut(s, ctx)?;
    let uuid = service.uuid.clone();
    let pop = service
        .pops
        .get_mut(&pop_id)
        .ok_or_else(|| object_not_found("popId", pop_id))?;
    let dc = pop
        .datacenters
        .get_mut(&dc_id)
        .ok_or_else(|| object_not_found("datacenterId", dc_id))?;
    let extra = dc
        .extras
        .get_mut(&id)
        .ok_or_else(|| object_not_found("extraId", id))?;
    if ctx.status(&extra.life) == Status::ToDelete {
        return Err(ApiError::conflict(format!(
            "Extra configuration {id} is already being deleted"
        )));
    }
    extra.life.delete(now);
    Ok(new_task(s, &uuid, "delPopConfiguration", id, ctx))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::flows::testing::Req;

    const STEP: Duration = Duration::from_secs(10);
    const POP: &str = "/ovhCloudConnect/{serviceName}/config/pop";
    const POP_ONE: &str = "/ovhCloudConnect/{serviceName}/config/pop/{popId}";
    const DC: &str = "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter";
    const DC_ONE: &str =
        "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}";
    const EXTRA: &str =
        "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}/extra";
    const EXTRA_ONE: &str =
        "/ovhCloudConnect/{serviceName}/config/pop/{popId}/datacenter/{datacenterId}/extra/{extraId}";
    const TASK_ONE: &str = "/ovhCloudConnect/{serviceName}/task/{id}";

    /// A flow and a moving clock.
    struct World {
        occ: Occ,
        t0: Instant,
        now: Instant,
    }

    impl World {
        fn new() -> World {
            let t0 = Instant::now();
            World {
                occ: Occ::new(TaskClock { step: STEP }),
                t0,
                now: t0,
            }
        }

        /// Lets `n` task steps pass.
        fn wait(&mut self, n: u32) {
            self.now += STEP * n;
        }

        fn req(&self, r: Req) -> Req {
            r.at(self.now).param("serviceName", SERVICE_A)
        }

        fn ok(&self, r: Req) -> Value {
            self.req(r).ok(&self.occ)
        }

        fn err(&self, r: Req) -> ApiError {
            self.req(r).err(&self.occ)
        }

        fn task_status(&self, id: &Value) -> String {
            self.ok(Req::get(TASK_ONE).param("id", id))
                .get("status")
                .and_then(Value::as_str)
                .unwrap()
                .to_owned()
        }

        fn l3_pop(&self) -> Value {
            self.ok(Req::post(POP).body(json!({
                "interfaceId": 1001, "type": "l3", "customerBgpArea": 65001, "ovhBgpArea": 65002,
                "subnet": "10.0.0.0/30"
            })))
        }
    }

    // World::req sets serviceName last, so vRack calls must use their own request builder.
    fn vrack_req(w: &World, r: Req) -> Req {
        r.at(w.now)
    }

    fn link(w: &World) -> Value {
        vrack_req(
            w,
            Req::post("/vrack/{serviceName}/ovhCloudConnect")
                .param("serviceName", VRACK)
                .body(json!({"ovhCloudConnect": SERVICE_A})),
        )
        .ok(&w.occ)
    }

    #[test]
    fn services_interfaces_and_datacenters_are_seeded() {
        let w = World::new();
        let ids = Req::get("/ovhCloudConnect").ok(&w.occ);
        assert_eq!(ids, json!([SERVICE_A, SERVICE_B]));
        let service = w.ok(Req::get("/ovhCloudConnect/{serviceName}"));
        assert_eq!(service["uuid"], SERVICE_A);
        assert_eq!(service["vrack"], Value::Null);
        assert_eq!(service["interfaceList"], json!([1001]));
        let b = Req::get("/ovhCloudConnect/{serviceName}")
            .param("serviceName", SERVICE_B)
            .ok(&w.occ);
        assert_eq!(b["interfaceList"], json!([2001, 2002]));
        let e = Req::get("/ovhCloudConnect/{serviceName}")
            .param("serviceName", "00000000-0000-4000-8000-000000000000")
            .err(&w.occ);
        assert_eq!((e.status, e.message.as_str()), (404, "The requested object (serviceName = 00000000-0000-4000-8000-000000000000) does not exist"));

        assert_eq!(
            w.ok(Req::get("/ovhCloudConnect/{serviceName}/interface")),
            json!([1001])
        );
        let i = w.ok(Req::get("/ovhCloudConnect/{serviceName}/interface/{id}").param("id", 1001));
        assert_eq!(i["status"], "enabled");
        assert_eq!(
            w.err(Req::get("/ovhCloudConnect/{serviceName}/interface/{id}").param("id", 7))
                .status,
            404
        );
        assert_eq!(
            w.err(Req::get("/ovhCloudConnect/{serviceName}/interface/{id}").param("id", "x"))
                .status,
            400
        );
        let dcs = w.ok(Req::get("/ovhCloudConnect/{serviceName}/datacenter"));
        assert_eq!(dcs.as_array().unwrap().len(), 6);
        let rbx = w.ok(Req::get("/ovhCloudConnect/{serviceName}/datacenter/{id}").param("id", 1));
        assert_eq!(
            (rbx["name"].as_str(), rbx["available"].as_bool()),
            (Some("RBX"), Some(true))
        );

        w.ok(Req::put("/ovhCloudConnect/{serviceName}").body(json!({"description": "renamed"})));
        assert_eq!(
            w.ok(Req::get("/ovhCloudConnect/{serviceName}"))["description"],
            "renamed"
        );
        assert!(matches!(
            w.req(Req::get("/ovhCloudConnect/{serviceName}/incident"))
                .send(&w.occ),
            FlowResponse::NotHandled
        ));
        assert!(matches!(
            Req::get("/me").send(&w.occ),
            FlowResponse::NotHandled
        ));
    }

    #[test]
    fn vrack_link_and_unlink() {
        let mut w = World::new();
        assert_eq!(Req::get("/vrack").ok(&w.occ), json!([VRACK, OTHER_VRACK]));
        let v = Req::get("/vrack/{serviceName}")
            .param("serviceName", VRACK)
            .ok(&w.occ);
        assert_eq!(v["name"], VRACK);
        let list = || {
            vrack_req(
                &w,
                Req::get("/vrack/{serviceName}/ovhCloudConnect").param("serviceName", VRACK),
            )
        };
        assert_eq!(list().ok(&w.occ), json!([]));

        // The pop needs the vRack first, as the guide says.
        let e = w.err(Req::post(POP).body(json!({"interfaceId": 1001, "type": "l2"})));
        assert_eq!(e.status, 400);
        assert!(e.message.contains("not linked to a vRack"), "{}", e.message);

        let task = link(&w);
        assert_eq!(task["function"], "addOvhCloudConnectToVrack");
        assert_eq!(task["targetDomain"], SERVICE_A);
        let task_id = task["id"].as_i64().unwrap();
        assert_eq!(list().ok(&w.occ), json!([SERVICE_A]));
        assert_eq!(
            w.ok(Req::get("/ovhCloudConnect/{serviceName}"))["vrack"],
            VRACK
        );
        let member = vrack_req(
            &w,
            Req::get("/vrack/{serviceName}/ovhCloudConnect/{ovhCloudConnect}")
                .param("serviceName", VRACK)
                .param("ovhCloudConnect", SERVICE_A),
        )
        .ok(&w.occ);
        assert_eq!(
            member,
            json!({"ovhCloudConnect": SERVICE_A, "vrack": VRACK})
        );
        let vrack_task = |w: &World| {
            vrack_req(
                w,
                Req::get("/vrack/{serviceName}/task/{taskId}")
                    .param("serviceName", VRACK)
                    .param("taskId", task_id),
            )
            .ok(&w.occ)["status"]
                .clone()
        };
        assert_eq!(vrack_task(&w), "todo");
        w.wait(1);
        assert_eq!(vrack_task(&w), "doing");
        w.wait(1);
        assert_eq!(vrack_task(&w), "done");
        // The OCC side recorded it too.
        let occ_tasks = w.ok(Req::get("/ovhCloudConnect/{serviceName}/task"));
        let first = w.ok(Req::get(TASK_ONE).param("id", &occ_tasks[0]));
        assert_eq!(
            (first["function"].as_str(), first["resourceId"].as_i64()),
            (Some("addVrack"), Some(task_id))
        );
    }

    #[test]
    fn vrack_errors() {
        let w = World::new();
        link(&w);
        let again = vrack_req(
            &w,
            Req::post("/vrack/{serviceName}/ovhCloudConnect")
                .param("serviceName", VRACK)
                .body(json!({"ovhCloudConnect": SERVICE_A})),
        )
        .err(&w.occ);
        assert_eq!(again.status, 409);
        let other = vrack_req(
            &w,
            Req::post("/vrack/{serviceName}/ovhCloudConnect")
                .param("serviceName", OTHER_VRACK)
                .body(json!({"ovhCloudConnect": SERVICE_A})),
        )
        .err(&w.occ);
        assert_eq!(other.status, 409);
        assert!(
            other.message.contains("already in vRack pn-12345"),
            "{}",
            other.message
        );
        let post = |body: Value| {
            vrack_req(
                &w,
                Req::post("/vrack/{serviceName}/ovhCloudConnect")
                    .param("serviceName", VRACK)
                    .body(body),
            )
            .err(&w.occ)
        };
        assert_eq!(
            post(json!({})).message,
            "[ovhCloudConnect] Property is mandatory"
        );
        assert_eq!(
            post(json!({"ovhCloudConnect": "nope"})).message,
            "[ovhCloudConnect] Given data (nope) is not valid for type uuid"
        );
        assert_eq!(post(json!({"ovhCloudConnect": 12})).status, 400);
        assert_eq!(
            post(json!({"ovhCloudConnect": "00000000-0000-4000-8000-000000000000"})).status,
            404
        );
        let unknown = vrack_req(
            &w,
            Req::post("/vrack/{serviceName}/ovhCloudConnect")
                .param("serviceName", "pn-404")
                .body(json!({"ovhCloudConnect": SERVICE_B})),
        )
        .err(&w.occ);
        assert_eq!(
            (unknown.status, unknown.message.as_str()),
            (
                404,
                "The requested object (serviceName = pn-404) does not exist"
            )
        );
        let task = vrack_req(
            &w,
            Req::get("/vrack/{serviceName}/task/{taskId}")
                .param("serviceName", VRACK)
                .param("taskId", 999),
        )
        .err(&w.occ);
        assert_eq!(task.status, 404);
        // Unlinking a service that is not in the vRack.
        let e = vrack_req(
            &w,
            Req::delete("/vrack/{serviceName}/ovhCloudConnect/{ovhCloudConnect}")
                .param("serviceName", VRACK)
                .param("ovhCloudConnect", SERVICE_B),
        )
        .err(&w.occ);
        assert_eq!(e.status, 404);
    }

    #[test]
    fn unlink_needs_the_configuration_gone() {
        let mut w = World::new();
        link(&w);
        let pop = w.l3_pop();
        let unlink = |w: &World| {
            vrack_req(
                w,
                Req::delete("/vrack/{serviceName}/ovhCloudConnect/{ovhCloudConnect}")
                    .param("serviceName", VRACK)
                    .param("ovhCloudConnect", SERVICE_A),
            )
            .send(&w.occ)
        };
        match unlink(&w) {
            FlowResponse::Error(e) => assert_eq!(e.status, 409),
            other => panic!("{other:?}"),
        }
        w.wait(2);
        w.ok(Req::delete(POP_ONE).param("popId", &pop["resourceId"]));
        w.wait(2);
        let FlowResponse::Json(task, _) = unlink(&w) else {
            panic!("unlink refused")
        };
        assert_eq!(task["function"], "removeOvhCloudConnectFromVrack");
        assert_eq!(
            w.ok(Req::get("/ovhCloudConnect/{serviceName}"))["vrack"],
            Value::Null
        );
        let tasks = w.ok(Req::get("/ovhCloudConnect/{serviceName}/task"));
        let last = w.ok(Req::get(TASK_ONE).param("id", tasks.as_array().unwrap().last().unwrap()));
        assert_eq!(last["function"], "removeVrack");
    }

    /// The whole L3 guide, with statuses and tasks checked at each step.
    #[test]
    fn l3_guide_end_to_end() {
        let mut w = World::new();
        link(&w);
        w.wait(2);

        // Step 2: the PoP.
        let task = w.l3_pop();
        assert_eq!(
            (task["function"].as_str(), task["status"].as_str()),
            (Some("addPopConfiguration"), Some("todo"))
        );
        let pop_id = task["resourceId"].as_i64().unwrap();
        let pop = |w: &World| w.ok(Req::get(POP_ONE).param("popId", pop_id));
        let p = pop(&w);
        assert_eq!(p["status"], "init");
        assert_eq!(
            (
                p["type"].as_str(),
                p["customerBgpArea"].as_i64(),
                p["subnet"].as_str()
            ),
            (Some("l3"), Some(65001), Some("10.0.0.0/30"))
        );
        assert_eq!(w.ok(Req::get(POP)), json!([pop_id]));

        // Not active yet: no datacenter.
        let dc_body = json!({"datacenterId": 1, "ovhBgpArea": 65003, "subnet": "10.1.0.0/28"});
        let early = w.err(Req::post(DC).param("popId", pop_id).body(dc_body.clone()));
        assert_eq!(early.status, 409);
        assert!(
            early.message.contains("not active yet"),
            "{}",
            early.message
        );

        w.wait(1);
        assert_eq!(w.task_status(&task["id"]), "doing");
        assert_eq!(pop(&w)["status"], "init");
        w.wait(1);
        assert_eq!(w.task_status(&task["id"]), "done");
        assert_eq!(pop(&w)["status"], "active");

        // Step 3: the datacenter.
        let task = w.ok(Req::post(DC).param("popId", pop_id).body(dc_body));
        assert_eq!(task["function"], "addDatacenterConfiguration");
        let dc_id = task["resourceId"].as_i64().unwrap();
        let dc = |w: &World| {
            w.ok(Req::get(DC_ONE)
                .param("popId", pop_id)
                .param("datacenterId", dc_id))
        };
        assert_eq!(dc(&w)["status"], "init");
        assert_eq!(
            (dc(&w)["datacenterId"].as_i64(), dc(&w)["subnet"].as_str()),
            (Some(1), Some("10.1.0.0/28"))
        );
        assert_eq!(w.ok(Req::get(DC).param("popId", pop_id)), json!([dc_id]));
        w.wait(2);
        assert_eq!(dc(&w)["status"], "active");

        // Step 4: a BGP session; then a static route is refused.
        let bgp = json!({"type": "bgp", "bgpNeighborArea": 65010, "bgpNeighborIp": "10.1.0.4"});
        let task = w.ok(Req::post(EXTRA)
            .param("popId", pop_id)
            .param("datacenterId", dc_id)
            .body(bgp));
        assert_eq!(task["function"], "addDatacenterExtraConfiguration");
        let extra_id = task["resourceId"].as_i64().unwrap();
        let extra = |w: &World| {
            w.ok(Req::get(EXTRA_ONE)
                .param("popId", pop_id)
                .param("datacenterId", dc_id)
                .param("extraId", extra_id))
        };
        let e = extra(&w);
        assert_eq!(
            (
                e["type"].as_str(),
                e["status"].as_str(),
                e["bgpNeighborIp"].as_str()
            ),
            (Some("bgp"), Some("init"), Some("10.1.0.4"))
        );
        let network =
            json!({"type": "network", "nextHop": "10.1.0.5", "subnet": "192.168.10.0/24"});
        let refused = w.err(
            Req::post(EXTRA)
                .param("popId", pop_id)
                .param("datacenterId", dc_id)
                .body(network),
        );
        assert_eq!(refused.status, 400);
        assert!(
            refused.message.contains("extras of one type only"),
            "{}",
            refused.message
        );
        w.wait(2);
        assert_eq!(extra(&w)["status"], "active");
        assert_eq!(
            w.ok(Req::get(EXTRA)
                .param("popId", pop_id)
                .param("datacenterId", dc_id)),
            json!([extra_id])
        );

        // Delete recursively from the PoP: one task, everything toDelete, then gone.
        let task = w.ok(Req::delete(POP_ONE).param("popId", pop_id));
        assert_eq!(
            (task["function"].as_str(), task["resourceId"].as_i64()),
            (Some("delPopConfiguration"), Some(pop_id))
        );
        let p = w.ok(Req::get(POP_ONE).param("popId", pop_id));
        assert_eq!(p["status"], "toDelete");
        assert_eq!(dc(&w)["status"], "toDelete");
        assert_eq!(extra(&w)["status"], "toDelete");
        assert_eq!(
            w.err(Req::delete(POP_ONE).param("popId", pop_id)).status,
            409
        );
        w.wait(1);
        assert_eq!(w.task_status(&task["id"]), "doing");
        assert_eq!(extra(&w)["status"], "toDelete");
        w.wait(1);
        assert_eq!(w.task_status(&task["id"]), "done");
        let gone = w.err(Req::get(POP_ONE).param("popId", pop_id));
        assert_eq!(
            (gone.status, gone.message),
            (
                404,
                format!("The requested object (popId = {pop_id}) does not exist")
            )
        );
        assert_eq!(w.ok(Req::get(POP)), json!([]));
        assert_eq!(
            w.err(
                Req::get(DC_ONE)
                    .param("popId", pop_id)
                    .param("datacenterId", dc_id)
            )
            .status,
            404
        );

        // Every change left a task, all done by now; the status filter works.
        let all = w.ok(Req::get("/ovhCloudConnect/{serviceName}/task"));
        assert_eq!(all.as_array().unwrap().len(), 5);
        let done = w.ok(Req::get("/ovhCloudConnect/{serviceName}/task").query("status", "done"));
        assert_eq!(done, all);
        assert_eq!(
            w.ok(Req::get("/ovhCloudConnect/{serviceName}/task").query("status", "todo")),
            json!([])
        );
        assert_eq!(
            w.err(Req::get("/ovhCloudConnect/{serviceName}/task").query("status", "finished"))
                .status,
            400
        );
        assert_eq!(w.err(Req::get(TASK_ONE).param("id", 999)).status, 404);
        let _ = w.t0;
    }

    #[test]
    fn network_extra_then_bgp_is_refused_and_deletes_one_by_one() {
        let mut w = World::new();
        link(&w);
        let pop_id = w.l3_pop()["resourceId"].clone();
        w.wait(2);
        let dc_id = w.ok(Req::post(DC).param("popId", &pop_id).body(json!({
            "datacenterId": 2, "ovhBgpArea": 65003, "subnet": "10.2.0.0/27"
        })))["resourceId"]
            .clone();
        w.wait(2);
        let extra = |body: Value| {
            Req::post(EXTRA)
                .param("popId", &pop_id)
                .param("datacenterId", &dc_id)
                .body(body)
        };
        let route = w.ok(extra(
            json!({"type": "network", "nextHop": "10.2.0.10", "subnet": "192.168.0.0/24"}),
        ));
        let e = w.err(extra(
            json!({"type": "network", "nextHop": "10.2.0.11", "subnet": "192.168.0.0/24"}),
        ));
        assert_eq!(e.status, 409);
        w.ok(extra(
            json!({"type": "network", "nextHop": "10.2.0.11", "subnet": "192.168.1.0/24"}),
        ));
        let e = w.err(extra(
            json!({"type": "bgp", "bgpNeighborArea": 65010, "bgpNeighborIp": "10.2.0.4"}),
        ));
        assert_eq!(e.status, 400);
        assert!(
            e.message.starts_with(&format!(
                "Datacenter configuration {dc_id} already has network extra configurations"
            )),
            "{}",
            e.message
        );
        // Bad static routes.
        let cases = [
            (json!({"type": "network", "nextHop": "10.9.0.10", "subnet": "192.168.2.0/24"}), "must be an address of the datacenter configuration subnet"),
            (json!({"type": "network", "nextHop": "10.2.0.2", "subnet": "192.168.2.0/24"}), "is reserved"),
            (json!({"type": "network", "nextHop": "10.2.0.31", "subnet": "192.168.2.0/24"}), "is reserved"),
            (json!({"type": "network", "nextHop": "10.2.0.10"}), "subnet is mandatory"),
            (json!({"type": "network", "subnet": "192.168.2.0/24"}), "nextHop is mandatory"),
            (json!({"type": "network", "nextHop": "10.2.0.10", "subnet": "192.168.2.1/24"}), "is not a network address: did you mean 192.168.2.0/24?"),
            (json!({"type": "network", "nextHop": "10.2.0.10", "subnet": "10.2.0.16/28"}), "overlaps the datacenter configuration subnet"),
            (json!({"type": "network", "nextHop": "10.2.0.10", "subnet": "192.168.2.0/24", "bgpNeighborArea": 65010}), "bgpNeighborArea is not allowed"),
            (json!({"type": "network", "nextHop": "ten", "subnet": "192.168.2.0/24"}), "[nextHop] Given data (ten) is not valid for type ipv4"),
            (json!({"type": "static"}), "[type] Given data (static) is not valid for type ovhcloudconnect.datacenterExtraConfig.TypeEnum"),
            (json!({}), "[type] Property is mandatory"),
        ];
        for (body, message) in cases {
            let e = w.err(extra(body.clone()));
            assert_eq!(e.status, 400, "{body}");
            assert!(e.message.contains(message), "{body}: {}", e.message);
        }
        // Delete one route: toDelete, then gone; the other stays.
        let route_id = route["resourceId"].clone();
        let one = || {
            Req::get(EXTRA_ONE)
                .param("popId", &pop_id)
                .param("datacenterId", &dc_id)
                .param("extraId", &route_id)
        };
        let task = w.ok(Req::delete(EXTRA_ONE)
            .param("popId", &pop_id)
            .param("datacenterId", &dc_id)
            .param("extraId", &route_id));
        assert_eq!(task["function"], "delPopConfiguration");
        assert_eq!(w.ok(one())["status"], "toDelete");
        w.wait(2);
        assert_eq!(w.err(one()).status, 404);
        assert_eq!(
            w.ok(Req::get(EXTRA)
                .param("popId", &pop_id)
                .param("datacenterId", &dc_id))
                .as_array()
                .unwrap()
                .len(),
            1
        );
        // Delete the datacenter: its extras go with it.
        let task = w.ok(Req::delete(DC_ONE)
            .param("popId", &pop_id)
            .param("datacenterId", &dc_id));
        assert_eq!(task["resourceId"], dc_id);
        let remaining = w.ok(Req::get(EXTRA)
            .param("popId", &pop_id)
            .param("datacenterId", &dc_id));
        let remaining_id = &remaining[0];
        let e = w.ok(Req::get(EXTRA_ONE)
            .param("popId", &pop_id)
            .param("datacenterId", &dc_id)
            .param("extraId", remaining_id));
        assert_eq!(e["status"], "toDelete");
        w.wait(2);
        assert_eq!(w.ok(Req::get(DC).param("popId", &pop_id)), json!([]));
        assert_eq!(
            w.ok(Req::get(POP_ONE).param("popId", &pop_id))["status"],
            "active"
        );
    }

    #[test]
    fn bgp_extra_validation() {
        let mut w = World::new();
        link(&w);
        let pop_id = w.l3_pop()["resourceId"].clone();
        w.wait(2);
        let dc_id = w.ok(Req::post(DC).param("popId", &pop_id).body(json!({
            "datacenterId": 3, "ovhBgpArea": 65003, "subnet": "10.3.0.0/28"
        })))["resourceId"]
            .clone();
        let extra = |body: Value| {
            Req::post(EXTRA)
                .param("popId", &pop_id)
                .param("datacenterId", &dc_id)
                .body(body)
        };
        let early = w.err(extra(
            json!({"type": "bgp", "bgpNeighborArea": 65010, "bgpNeighborIp": "10.3.0.4"}),
        ));
        assert_eq!(early.status, 409);
        w.wait(2);
        let cases = [
            (
                json!({"type": "bgp", "bgpNeighborIp": "10.3.0.4"}),
                "bgpNeighborArea is mandatory",
            ),
            (
                json!({"type": "bgp", "bgpNeighborArea": 65010}),
                "bgpNeighborIp is mandatory",
            ),
            (
                json!({"type": "bgp", "bgpNeighborArea": 0, "bgpNeighborIp": "10.3.0.4"}),
                "is not a valid AS number",
            ),
            (
                json!({"type": "bgp", "bgpNeighborArea": 65003, "bgpNeighborIp": "10.3.0.4"}),
                "must differ from the ovhBgpArea",
            ),
            (
                json!({"type": "bgp", "bgpNeighborArea": 65010, "bgpNeighborIp": "10.3.0.1"}),
                "is reserved",
            ),
            (
                json!({"type": "bgp", "bgpNeighborArea": 65010, "bgpNeighborIp": "10.4.0.4"}),
                "must be an address of the datacenter configuration subnet",
            ),
            (
                json!({"type": "bgp", "bgpNeighborArea": 65010, "bgpNeighborIp": "10.3.0.4", "nextHop": "10.3.0.5"}),
                "nextHop is not allowed",
            ),
            (
                json!({"type": "bgp", "bgpNeighborArea": "65010", "bgpNeighborIp": "10.3.0.4"}),
                "[bgpNeighborArea] Given data (65010) is not valid for type long",
            ),
        ];
        for (body, message) in cases {
            let e = w.err(extra(body.clone()));
            assert_eq!(e.status, 400, "{body}");
            assert!(e.message.contains(message), "{body}: {}", e.message);
        }
        w.ok(extra(
            json!({"type": "bgp", "bgpNeighborArea": 65010, "bgpNeighborIp": "10.3.0.4"}),
        ));
        assert_eq!(
            w.err(extra(
                json!({"type": "bgp", "bgpNeighborArea": 65011, "bgpNeighborIp": "10.3.0.4"})
            ))
            .status,
            409
        );
        w.ok(extra(
            json!({"type": "bgp", "bgpNeighborArea": 65011, "bgpNeighborIp": "10.3.0.5"}),
        ));
        let missing = w.err(
            Req::post(EXTRA)
                .param("popId", &pop_id)
                .param("datacenterId", 999)
                .body(json!({"type": "bgp"})),
        );
        assert_eq!(
            (missing.status, missing.message.as_str()),
            (
                404,
                "The requested object (datacenterId = 999) does not exist"
            )
        );
    }

    #[test]
    fn l2_guide() {
        let mut w = World::new();
        link(&w);
        let refused = w.err(Req::post(POP).body(json!({
            "interfaceId": 1001, "type": "l2", "customerBgpArea": 65001, "subnet": "10.0.0.0/30"
        })));
        assert_eq!(refused.status, 400);
        assert_eq!(
            refused.message,
            "BGP configuration is not allowed for an L2 PoP (remove customerBgpArea, subnet)"
        );
        let task =
            w.ok(
                Req::post(POP).body(json!({"interfaceId": 1001, "type": "l2", "ovhBgpArea": null}))
            );
        let pop_id = task["resourceId"].clone();
        let p = w.ok(Req::get(POP_ONE).param("popId", &pop_id));
        assert_eq!(
            (
                p["type"].as_str(),
                p["subnet"].clone(),
                p["status"].as_str()
            ),
            (Some("l2"), Value::Null, Some("init"))
        );
        w.wait(2);
        let refused = w.err(
            Req::post(DC)
                .param("popId", &pop_id)
                .body(json!({"datacenterId": 1, "ovhBgpArea": 65003})),
        );
        assert_eq!(
            refused.message,
            "BGP configuration is not allowed for an L2 PoP (remove ovhBgpArea)"
        );
        let dc = w.ok(Req::post(DC)
            .param("popId", &pop_id)
            .body(json!({"datacenterId": 1})));
        let dc_id = dc["resourceId"].clone();
        let config = w.ok(Req::get(DC_ONE)
            .param("popId", &pop_id)
            .param("datacenterId", &dc_id));
        assert_eq!(
            (config["ovhBgpArea"].clone(), config["subnet"].clone()),
            (Value::Null, Value::Null)
        );
        // Same datacenter twice, unknown or unavailable datacenters.
        assert_eq!(
            w.err(
                Req::post(DC)
                    .param("popId", &pop_id)
                    .body(json!({"datacenterId": 1}))
            )
            .status,
            409
        );
        let unknown = w.err(
            Req::post(DC)
                .param("popId", &pop_id)
                .body(json!({"datacenterId": 99})),
        );
        assert_eq!(
            (unknown.status, unknown.message.as_str()),
            (
                404,
                "The requested object (datacenterId = 99) does not exist"
            )
        );
        assert_eq!(
            w.err(
                Req::post(DC)
                    .param("popId", &pop_id)
                    .body(json!({"datacenterId": 6}))
            )
            .status,
            400
        );
        assert_eq!(
            w.err(Req::post(DC).param("popId", &pop_id).body(json!({})))
                .message,
            "[datacenterId] Property is mandatory"
        );
        // Two datacenters on an L2 PoP are fine.
        w.ok(Req::post(DC)
            .param("popId", &pop_id)
            .body(json!({"datacenterId": 4})));
        w.wait(2);
        // No extras on L2.
        let e = w.err(
            Req::post(EXTRA)
                .param("popId", &pop_id)
                .param("datacenterId", &dc_id)
                .body(json!({
                    "type": "network", "nextHop": "10.0.0.5", "subnet": "192.168.0.0/24"
                })),
        );
        assert_eq!(e.status, 400);
        assert!(
            e.message
                .starts_with("Extra configurations are only available on an L3 PoP"),
            "{}",
            e.message
        );
        assert_eq!(
            w.ok(Req::get(DC).param("popId", &pop_id))
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn switching_layers_needs_a_delete_first() {
        let mut w = World::new();
        link(&w);
        let l2 = w.ok(Req::post(POP).body(json!({"interfaceId": 1001, "type": "l2"})));
        w.wait(2);
        let e = w.err(Req::post(POP).body(json!({
            "interfaceId": 1001, "type": "l3", "customerBgpArea": 65001, "ovhBgpArea": 65002, "subnet": "10.0.0.0/30"
        })));
        assert_eq!(e.status, 409);
        assert!(
            e.message.contains(
                "switching between L2 and L3 requires deleting the whole configuration first"
            ),
            "{}",
            e.message
        );
        let e = w.err(Req::post(POP).body(json!({"interfaceId": 1001, "type": "l2"})));
        assert_eq!(e.status, 409);
        assert!(
            e.message
                .contains("only one PoP configuration per interface"),
            "{}",
            e.message
        );
        w.ok(Req::delete(POP_ONE).param("popId", &l2["resourceId"]));
        // Still being deleted.
        let e = w.err(w.l3_req());
        assert_eq!(e.status, 409);
        assert!(e.message.contains("being deleted"), "{}", e.message);
        w.wait(2);
        let task = w.ok(w.l3_req());
        assert_eq!(task["function"], "addPopConfiguration");
    }

    impl World {
        fn l3_req(&self) -> Req {
            Req::post(POP).body(json!({
                "interfaceId": 1001, "type": "l3", "customerBgpArea": 65001, "ovhBgpArea": 65002, "subnet": "10.0.0.0/30"
            }))
        }
    }

    #[test]
    fn pop_validation() {
        let w = World::new();
        link(&w);
        let l3 = |extra: Value| {
            let mut body = json!({
                "interfaceId": 1001, "type": "l3", "customerBgpArea": 65001, "ovhBgpArea": 65002, "subnet": "10.0.0.0/30"
            });
            for (k, v) in extra.as_object().unwrap() {
                if v.is_null() {
                    body.as_object_mut().unwrap().remove(k);
                } else {
                    body[k] = v.clone();
                }
            }
            Req::post(POP).body(body)
        };
        let cases = [
            (json!({"subnet": "10.0.0.0/29"}), "subnet must be a /30 for an L3 PoP (got /29)"),
            (json!({"subnet": "10.0.0.0/31"}), "subnet must be a /30 for an L3 PoP (got /31)"),
            (json!({"subnet": "10.0.0.1/30"}), "subnet 10.0.0.1/30 is not a network address: did you mean 10.0.0.0/30?"),
            (json!({"subnet": "10.0.0.0/40"}), "[subnet] Given data (10.0.0.0/40) is not valid for type ipv4Block"),
            (json!({"subnet": "2001:db8::/126"}), "[subnet] Given data (2001:db8::/126) is not valid for type ipv4Block"),
            (json!({"subnet": 10}), "[subnet] Given data (10) is not valid for type ipv4Block"),
            (json!({"subnet": null}), "subnet is mandatory for an L3 PoP (a /30)"),
            (json!({"customerBgpArea": null}), "customerBgpArea is mandatory for an L3 PoP"),
            (json!({"ovhBgpArea": null}), "ovhBgpArea is mandatory for an L3 PoP"),
            (json!({"customerBgpArea": 16276}), "customerBgpArea 16276 is not a private AS number (64512-65534 or 4200000000-4294967294)"),
            (json!({"ovhBgpArea": 65535}), "ovhBgpArea 65535 is not a private AS number (64512-65534 or 4200000000-4294967294)"),
            (json!({"ovhBgpArea": 65001}), "customerBgpArea and ovhBgpArea must be different (both are 65001)"),
            (json!({"interfaceId": "1001"}), "[interfaceId] Given data (1001) is not valid for type long"),
            (json!({"interfaceId": 1.5}), "[interfaceId] Given data (1.5) is not valid for type long"),
            (json!({"interfaceId": null}), "[interfaceId] Property is mandatory"),
            (json!({"type": "L3"}), "[type] Given data (L3) is not valid for type ovhcloudconnect.popConfig.TypeEnum"),
            (json!({"type": null}), "[type] Property is mandatory"),
        ];
        for (change, message) in cases {
            let e = w.err(l3(change.clone()));
            assert_eq!(
                (e.status, e.class.as_str()),
                (400, "Client::BadRequest"),
                "{change}"
            );
            assert_eq!(e.message, message, "{change}");
        }
        assert_eq!(w.err(Req::post(POP).body(json!([1]))).status, 400);
        assert_eq!(w.err(l3(json!({"interfaceId": 1002}))).status, 404);
        assert!(w
            .ok(l3(json!({"customerBgpArea": 4_200_000_000i64})))
            .is_object());
        // Service B: interface 2002 is disabled, and not in a vRack anyway.
        vrack_req(
            &w,
            Req::post("/vrack/{serviceName}/ovhCloudConnect")
                .param("serviceName", VRACK)
                .body(json!({"ovhCloudConnect": SERVICE_B})),
        )
        .ok(&w.occ);
        let disabled = Req::post(POP)
            .param("serviceName", SERVICE_B)
            .body(json!({"interfaceId": 2002, "type": "l2"}))
            .err(&w.occ);
        assert_eq!(disabled.message, "Interface 2002 is disabled");
        // A DC subnet overlapping the PoP subnet of the same service is a conflict.
        let pop_b = Req::post(POP)
            .param("serviceName", SERVICE_B)
            .body(json!({"interfaceId": 2001, "type": "l3", "customerBgpArea": 65001, "ovhBgpArea": 65002, "subnet": "10.0.0.0/30"}))
            .at(w.now)
            .ok(&w.occ);
        let later = w.now + STEP * 2;
        let overlap = Req::post(DC)
            .param("serviceName", SERVICE_B)
            .param("popId", &pop_b["resourceId"])
            .body(json!({"datacenterId": 1, "ovhBgpArea": 65003, "subnet": "10.0.0.0/28"}))
            .at(later)
            .err(&w.occ);
        assert_eq!(overlap.status, 409);
        assert!(
            overlap
                .message
                .contains("overlaps 10.0.0.0/30 of PoP configuration"),
            "{}",
            overlap.message
        );
    }

    #[test]
    fn datacenter_subnet_sizes() {
        let mut w = World::new();
        link(&w);
        let pop_id = w.l3_pop()["resourceId"].clone();
        w.wait(2);
        let dc = |subnet: &str| {
            Req::post(DC)
                .param("popId", &pop_id)
                .body(json!({"datacenterId": 1, "ovhBgpArea": 65003, "subnet": subnet}))
        };
        for (subnet, message) in [
            (
                "10.1.0.0/29",
                "subnet must be a /28 or larger for a datacenter configuration (got /29)",
            ),
            (
                "10.1.0.0/32",
                "subnet must be a /28 or larger for a datacenter configuration (got /32)",
            ),
            (
                "10.1.0.8/28",
                "subnet 10.1.0.8/28 is not a network address: did you mean 10.1.0.0/28?",
            ),
            (
                "banana",
                "[subnet] Given data (banana) is not valid for type ipv4Block",
            ),
        ] {
            let e = w.err(dc(subnet));
            assert_eq!((e.status, e.message.as_str()), (400, message));
        }
        let no_asn = w.err(
            Req::post(DC)
                .param("popId", &pop_id)
                .body(json!({"datacenterId": 1, "subnet": "10.1.0.0/28"})),
        );
        assert_eq!(
            no_asn.message,
            "ovhBgpArea is mandatory for a datacenter configuration of an L3 PoP"
        );
        let same_as_customer = w.err(
            Req::post(DC)
                .param("popId", &pop_id)
                .body(json!({"datacenterId": 1, "ovhBgpArea": 65001, "subnet": "10.1.0.0/28"})),
        );
        assert_eq!(same_as_customer.status, 400);
        let task = w.ok(dc("10.1.0.0/24"));
        assert_eq!(task["status"], "todo");
        let e = w.err(
            Req::post(DC)
                .param("popId", &pop_id)
                .body(json!({"datacenterId": 2, "ovhBgpArea": 65003, "subnet": "10.1.0.16/28"})),
        );
        assert_eq!(e.status, 409);
        let missing = w.err(
            Req::post(DC)
                .param("popId", 4242)
                .body(json!({"datacenterId": 1})),
        );
        assert_eq!(
            (missing.status, missing.message.as_str()),
            (404, "The requested object (popId = 4242) does not exist")
        );
        assert_eq!(
            w.err(Req::get(POP_ONE).param("popId", "abc")).message,
            "[popId] Given data (abc) is not valid for type long"
        );
    }
}
