//! Waiting for long operations: v1 tasks (`todo` → `doing` → `done`) and v2 resources
//! (`resourceStatus`, `currentTasks`), with a timeout and growing poll intervals.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// How long and how often to poll.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitOptions {
    /// Give up after this long (default 10 minutes).
    pub timeout: Duration,
    /// First pause between polls (default 1 s).
    pub initial_interval: Duration,
    /// Longest pause between polls (default 30 s).
    pub max_interval: Duration,
    /// Each pause is this much longer than the previous one (default 1.5).
    pub multiplier: f64,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(600),
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
            multiplier: 1.5,
        }
    }
}

impl WaitOptions {
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn interval(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_interval = initial;
        self.max_interval = max;
        self
    }
}

/// Where a polled operation stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress<T> {
    /// Still running; the state, for the timeout message.
    Pending(String),
    /// Finished well.
    Done(T),
    /// Finished badly; the state, for the error.
    Failed(String),
}

/// How a status string reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Pending,
    Done,
    Failed,
}

impl<T> Progress<T> {
    /// Classifies `value` by its status with `classify`: for statuses other than OVH's (a
    /// Scaleway link's `configuring` → `active`).
    pub fn classify(
        value: T,
        status: impl Fn(&T) -> &str,
        classify: impl Fn(&str) -> Class,
    ) -> Progress<T> {
        Self::classified(value, &status, &classify)
    }

    fn classified(
        value: T,
        status: &dyn Fn(&T) -> &str,
        classify: &dyn Fn(&str) -> Class,
    ) -> Progress<T> {
        let state = status(&value);
        match classify(state) {
            Class::Done => Progress::Done(value),
            Class::Failed => Progress::Failed(state.to_owned()),
            Class::Pending => Progress::Pending(state.to_owned()),
        }
    }

    /// Classifies a v1 task by its status. `done` is done; `error`, `cancelled`, `canceled`,
    /// `problem`, `customerError`, `ovhError` and `failed` are failures; anything else
    /// (`todo`, `doing`, `init`, `pending`, `waiting`, …) is still running.
    pub fn of_task(value: T, status: impl Fn(&T) -> &str) -> Progress<T> {
        Self::classified(value, &status, &|s| match s {
            "done" | "DONE" => Class::Done,
            "error" | "cancelled" | "canceled" | "problem" | "customerError" | "ovhError"
            | "failed" | "ERROR" => Class::Failed,
            _ => Class::Pending,
        })
    }

    /// Classifies a v2 resource by its `resourceStatus` (`common.ResourceStatusEnum`): `READY`
    /// is done, `ERROR` a failure, `CREATING`, `UPDATING`, `DELETING`, `OUT_OF_SYNC` still
    /// running. `SUSPENDED` counts as done: nothing more will happen without the caller.
    pub fn of_resource(value: T, status: impl Fn(&T) -> &str) -> Progress<T> {
        Self::classified(value, &status, &|s| match s {
            "READY" | "SUSPENDED" => Class::Done,
            "ERROR" => Class::Failed,
            _ => Class::Pending,
        })
    }

    /// Classifies a v2 task by its status (`common.TaskStatusEnum`): `DONE` is done, `ERROR` a
    /// failure, `WAITING_USER_INPUT` a failure too (it will not finish on its own), anything else
    /// (`PENDING`, `RUNNING`, `SCHEDULED`) still running.
    pub fn of_v2_task(value: T, status: impl Fn(&T) -> &str) -> Progress<T> {
        Self::classified(value, &status, &|s| match s {
            "DONE" => Class::Done,
            "ERROR" | "WAITING_USER_INPUT" => Class::Failed,
            _ => Class::Pending,
        })
    }
}

/// Polls `poll` until it reports [`Progress::Done`] (returns the value), [`Progress::Failed`]
/// ([`Error::TaskFailed`]) or the timeout passes ([`Error::WaitTimeout`]). An error from `poll`
/// ends the wait with that error: the client already retried what can be retried.
///
/// With an API of the `ovhcloud` crate (the same code runs in its tests):
///
/// ```ignore
/// # async fn demo(client: ovhcloud::Client, service: ovhcloud::types::Uuid, id: i64) -> ovhcloud::Result<()> {
/// use ovhcloud::wait::{until, Progress, WaitOptions};
/// let occ = client.ovh_cloud_connect();
/// let task = until("OVHcloud Connect task", &WaitOptions::default(), || async {
///     let task = occ.get_task_by_id(service, id).await?;
///     Ok(Progress::of_task(task, |t| t.status.as_str()))
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn until<T, F, Fut>(what: &str, options: &WaitOptions, poll: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Progress<T>>>,
{
    until_with(what, options, poll).await
}

/// Which statuses a generated waiter reads (see [`poll`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A v1 task ([`Progress::of_task`]).
    Task,
    /// A v2 task ([`Progress::of_v2_task`]).
    V2Task,
    /// A v2 resource's `resourceStatus` ([`Progress::of_resource`]).
    Resource,
}

/// Sends `call` again and again, growing the interval, until the task or resource it reads is
/// finished: what generated `wait_until_done` and `wait_until_ready` do.
pub async fn poll<'a, R>(
    call: crate::Call<'a, R>,
    options: &WaitOptions,
    kind: Kind,
    status: impl Fn(&R) -> &str,
) -> Result<R>
where
    R: serde::de::DeserializeOwned + Send + 'a,
{
    let what = format!("{} {}", call.request().operation(), call.request().path);
    until(&what, options, || {
        let call = call.clone();
        let status = &status;
        async move {
            let value = call.await?;
            Ok(match kind {
                Kind::Task => Progress::of_task(value, status),
                Kind::V2Task => Progress::of_v2_task(value, status),
                Kind::Resource => Progress::of_resource(value, status),
            })
        }
    })
    .await
}

/// How a wait ended badly, for a provider's error type to take in (`From<WaitError>`).
#[derive(Clone, Debug, PartialEq)]
pub enum WaitError {
    /// The task or resource reached a failure state.
    Failed { what: String, state: String },
    /// It did not finish in time.
    Timeout {
        what: String,
        waited: Duration,
        state: String,
    },
}

impl From<WaitError> for Error {
    fn from(e: WaitError) -> Self {
        match e {
            WaitError::Failed { what, state } => Error::TaskFailed { what, state },
            WaitError::Timeout {
                what,
                waited,
                state,
            } => Error::WaitTimeout {
                what,
                waited,
                state,
            },
        }
    }
}

/// [`until`] for any error type: the waiters of another provider's client (Scaleway's
/// `wait_for_link`) poll with their own errors.
pub async fn until_with<T, E, F, Fut>(
    what: &str,
    options: &WaitOptions,
    mut poll: F,
) -> std::result::Result<T, E>
where
    E: From<WaitError>,
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<Progress<T>, E>>,
{
    let start = Instant::now();
    let mut interval = options.initial_interval;
    loop {
        let state = match poll().await? {
            Progress::Done(value) => return Ok(value),
            Progress::Failed(state) => {
                return Err(WaitError::Failed {
                    what: what.to_owned(),
                    state,
                }
                .into())
            }
            Progress::Pending(state) => state,
        };
        let waited = start.elapsed();
        if waited + interval > options.timeout {
            return Err(WaitError::Timeout {
                what: what.to_owned(),
                waited,
                state,
            }
            .into());
        }
        tokio::time::sleep(interval).await;
        interval = interval
            .mul_f64(options.multiplier)
            .min(options.max_interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn fast() -> WaitOptions {
        WaitOptions::default()
            .interval(Duration::from_millis(5), Duration::from_millis(20))
            .timeout(Duration::from_secs(2))
    }

    #[tokio::test]
    async fn returns_the_final_value() {
        let polls = AtomicUsize::new(0);
        let states = ["todo", "doing", "doing", "done"];
        let value = until("task", &fast(), || async {
            let n = polls.fetch_add(1, Ordering::SeqCst);
            Ok(Progress::of_task(n, |n| states[*n]))
        })
        .await
        .unwrap();
        assert_eq!(value, 3);
    }

    #[tokio::test]
    async fn failure_and_timeout_are_errors() {
        let err = until("task 7", &fast(), || async {
            Ok(Progress::of_task((), |_| "error"))
        })
        .await
        .unwrap_err();
        assert_eq!(err.to_string(), "task 7 failed: error");
        let options = fast().timeout(Duration::from_millis(60));
        let err = until("resource", &options, || async {
            Ok(Progress::of_resource((), |_| "UPDATING"))
        })
        .await
        .unwrap_err();
        let Error::WaitTimeout { state, waited, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(state, "UPDATING");
        assert!(*waited < Duration::from_millis(60));
    }

    #[test]
    fn v2_statuses() {
        assert_eq!(
            Progress::of_v2_task((), |_| "RUNNING"),
            Progress::Pending("RUNNING".into())
        );
        assert_eq!(
            Progress::of_v2_task((), |_| "WAITING_USER_INPUT"),
            Progress::Failed("WAITING_USER_INPUT".into())
        );
        assert_eq!(Progress::of_resource(1, |_| "READY"), Progress::Done(1));
    }
}
