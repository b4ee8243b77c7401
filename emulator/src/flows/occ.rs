//! OVHcloud Connect: the whole configuration guide (vRack link, PoP L2/L3, datacenters, extras).

use super::{Flow, FlowRequest, FlowResponse, TaskClock};

pub struct Occ {
    #[allow(dead_code)]
    clock: TaskClock,
}

impl Occ {
    pub fn new(clock: TaskClock) -> Self {
        Occ { clock }
    }
}

impl Flow for Occ {
    fn handle(&self, _request: &FlowRequest<'_>) -> FlowResponse {
        FlowResponse::NotHandled
    }
}
