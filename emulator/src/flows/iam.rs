//! `/v2/iam/policy`: create, list in pages (cursor), get, update, delete.

use super::{Flow, FlowRequest, FlowResponse};

pub struct Iam;

impl Iam {
    pub fn new() -> Self {
        Iam
    }
}

impl Flow for Iam {
    fn handle(&self, _request: &FlowRequest<'_>) -> FlowResponse {
        FlowResponse::NotHandled
    }
}
