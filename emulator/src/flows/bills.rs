//! `/me/bill`: ids, bills and their details, with `date.from` / `date.to` filters.

use super::{Flow, FlowRequest, FlowResponse};

pub struct Bills;

impl Bills {
    pub fn new() -> Self {
        Bills
    }
}

impl Flow for Bills {
    fn handle(&self, _request: &FlowRequest<'_>) -> FlowResponse {
        FlowResponse::NotHandled
    }
}
