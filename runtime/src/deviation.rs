//! Responses that differ from their schema, and what the client does about it.
//!
//! OVH's schemas and its backends drift: a field appears in the schema before every backend sends
//! it, an old one stops being sent, a number comes as text, an address carries a prefix length.
//! The untyped official clients return such bodies; so does this one, by default, and it says
//! what it corrected. Per kind of difference:
//!
//! | the body has | the field gets | kind |
//! | --- | --- | --- |
//! | no member, or `null`, for a field the schema says is never null | the type's neutral value: empty list, map or string, `0`, `false`, `Unknown("")`, an object of neutral fields, the zero address, nil UUID or the Unix epoch | [`Missing`](DeviationKind::Missing), [`Null`](DeviationKind::Null) |
//! | a scalar of another JSON type (`"42"` for a number, `42` for a string, `"true"`) | the value converted | [`Retyped`](DeviationKind::Retyped) |
//! | a value in another form OVH uses (`2024-01-05 10:00:00`, a date for a date-time or the reverse, `1.2.3.4/32` for an address) | the value converted | [`Reformatted`](DeviationKind::Reformatted) |
//! | a value that does not convert at all | the neutral value; the value received is kept in the deviation | [`Invalid`](DeviationKind::Invalid) |
//! | an enum value the schema does not list | `Unknown(value)` | [`UnknownEnumValue`](DeviationKind::UnknownEnumValue) |
//!
//! Nothing is corrected silently: every deviation is a `tracing` event (target
//! `ovhcloud::deviation`, with operation, path and kind; never the value), is counted by
//! [`Client::deviations`](crate::Client::deviations), and is returned to a caller who asks with
//! [`Call::with_deviations`](crate::Call::with_deviations). In strict mode
//! ([`ClientBuilder::strict_responses`](crate::ClientBuilder::strict_responses), or
//! [`Call::strict`](crate::Call::strict) for one call) any deviation fails the call with
//! [`Error::Deviations`](crate::Error::Deviations), listing every one with the raw body.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::Value;

/// How a response differed from its schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DeviationKind {
    /// A field the schema declares non-null was not in the body.
    Missing,
    /// A field the schema declares non-null was `null`.
    Null,
    /// A scalar came as another JSON type and was converted (`"42"` for `42`).
    Retyped,
    /// A value came in another textual form and was converted (a date-time without offset, an
    /// address with a prefix length).
    Reformatted,
    /// A value could not be read as its type; the field holds the neutral value and the
    /// deviation keeps the value received.
    Invalid,
    /// An enum value the schema does not list (decoded to `Unknown(..)`).
    UnknownEnumValue,
    /// A list of ids was answered with the objects themselves; the ids were taken from them.
    ObjectsForIds,
}

impl DeviationKind {
    pub const ALL: [DeviationKind; 7] = [
        DeviationKind::Missing,
        DeviationKind::Null,
        DeviationKind::Retyped,
        DeviationKind::Reformatted,
        DeviationKind::Invalid,
        DeviationKind::UnknownEnumValue,
        DeviationKind::ObjectsForIds,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviationKind::Missing => "missing",
            DeviationKind::Null => "null",
            DeviationKind::Retyped => "retyped",
            DeviationKind::Reformatted => "reformatted",
            DeviationKind::Invalid => "invalid",
            DeviationKind::UnknownEnumValue => "unknown enum value",
            DeviationKind::ObjectsForIds => "objects for ids",
        }
    }
}

impl std::fmt::Display for DeviationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One place where a response differed from its schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Deviation {
    /// JSON path from the root of the body, like `.datacenters[2].ovhBgpArea`.
    pub path: String,
    pub kind: DeviationKind,
    /// The Rust type the schema asked for, like `i64` or `Bill`.
    pub expected: String,
    /// The value received, when it was a scalar that was not used as is.
    pub received: Option<Value>,
}

impl std::fmt::Display for Deviation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        };
        write!(f, "{path}: {} (expected {})", self.kind, self.expected)
    }
}

/// Whether a response that differs from its schema is accepted (and reported) or refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResponseMode {
    /// Correct what the real API is known to send, report it, return the value.
    #[default]
    Tolerant,
    /// Fail the call on any deviation, listing them all.
    Strict,
}

/// How many deviations a client has seen, by kind; shared by every clone of the client.
#[derive(Clone, Debug, Default)]
pub struct DeviationCounter {
    counts: Arc<[AtomicU64; DeviationKind::ALL.len()]>,
}

impl DeviationCounter {
    pub(crate) fn record(&self, kind: DeviationKind) {
        self.counts[Self::index(kind)].fetch_add(1, Ordering::Relaxed);
    }

    fn index(kind: DeviationKind) -> usize {
        DeviationKind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(0)
    }

    /// Deviations of this kind seen so far.
    pub fn count(&self, kind: DeviationKind) -> u64 {
        self.counts[Self::index(kind)].load(Ordering::Relaxed)
    }

    /// Deviations of every kind seen so far.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }
}
