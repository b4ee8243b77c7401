//! Waiters, as Scaleway's SDKs have them: poll a resource until it leaves its transient
//! statuses, fail on its error statuses, within a timeout ([`WaitOptions`]). The polling loop is
//! `ovhcloud-runtime`'s.

pub use ovhcloud_runtime::wait::WaitOptions;
use ovhcloud_runtime::wait::{until_with, Class, Progress};

use crate::apis::{Operation, Pending};
use crate::interlink::{DedicatedConnection, Link};
use crate::{Client, Error, Region, Result};

/// How a link's status reads: `configuring`, `requested`, `provisioning` and `deprovisioning`
/// are on their way; `failed`, `refused`, `expired` and `locked` are failures; the others
/// (`active`, `ready`, `limited_connectivity`, `all_down`, `deleted`) are where a link stays.
pub fn link_status(status: &str) -> Class {
    match status {
        "configuring" | "requested" | "provisioning" | "deprovisioning" => Class::Pending,
        "failed" | "refused" | "expired" | "locked" => Class::Failed,
        _ => Class::Done,
    }
}

/// How a dedicated connection's status reads: `created` and `configuring` are on their way;
/// `failed` and `locked` are failures.
pub fn connection_status(status: &str) -> Class {
    match status {
        "created" | "configuring" => Class::Pending,
        "failed" | "locked" => Class::Failed,
        _ => Class::Done,
    }
}

/// Each waiter takes the region of the resource, `None` for the client's default region.
impl Client {
    /// Polls the link until it leaves its transient statuses; its final state, or
    /// [`Error::WaitFailed`] on an error status, [`Error::WaitTimeout`] when `options.timeout`
    /// passes first.
    pub async fn wait_for_link(
        &self,
        region: Option<&Region>,
        link_id: &str,
        options: &WaitOptions,
    ) -> Result<Link> {
        let what = format!("link {link_id}");
        until_with(&what, options, || async {
            let link = in_region(self.interlink().get_link(link_id), region).await?;
            Ok(Progress::classify(link, |l| l.status.as_str(), link_status))
        })
        .await
    }

    /// Polls a link being deleted until the API no longer knows it.
    pub async fn wait_for_link_deleted(
        &self,
        region: Option<&Region>,
        link_id: &str,
        options: &WaitOptions,
    ) -> Result<()> {
        let what = format!("deletion of link {link_id}");
        until_with(&what, options, || async {
            match in_region(self.interlink().get_link(link_id), region).await {
                Ok(link) => Ok(Progress::Pending(link.status.as_str().to_owned())),
                Err(e) if e.is_not_found() => Ok(Progress::Done(())),
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// Polls a dedicated connection until it leaves its transient statuses.
    pub async fn wait_for_dedicated_connection(
        &self,
        region: Option<&Region>,
        connection_id: &str,
        options: &WaitOptions,
    ) -> Result<DedicatedConnection> {
        let what = format!("dedicated connection {connection_id}");
        until_with(&what, options, || async {
            let get = self.interlink().get_dedicated_connection(connection_id);
            let connection = in_region(get, region).await?;
            Ok(Progress::classify(
                connection,
                |c| c.status.as_str(),
                connection_status,
            ))
        })
        .await
    }
}

/// `request` sent to `region`, or to the client's default one.
fn in_region<'a, O: Operation>(request: Pending<'a, O>, region: Option<&Region>) -> Pending<'a, O> {
    match region {
        Some(region) => Pending(request.0.path_named("region", region)),
        None => request,
    }
}

/// A waiter error, for errors of the shared loop.
impl Error {
    /// Whether a wait gave up on its timeout.
    pub fn is_wait_timeout(&self) -> bool {
        matches!(self, Error::WaitTimeout { .. })
    }
}
