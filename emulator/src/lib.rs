//! A local emulator of the OVHcloud API: serves schemas, checks signatures as OVH does, keeps
//! state for the flows of OVH's guides, answers every other operation with a schema-valid
//! example, and injects faults on demand.

pub mod flows;
