//! What the OVH and the Scaleway emulators share: the running server (its address, its
//! accept loop and how it stops) and the controls of the tests (faults in force, rate limit,
//! stats), which both the public methods and the `/_emulator` administration APIs act on.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Faults;
use crate::faults::{self, Decision};
use crate::rate_limit::RateLimiter;
use crate::stats::{bump, Stats};
use crate::sync::lock;
use crate::EmulatorError;

/// Binds `listen`; the listener and the address it got (port 0 picks one).
pub(crate) async fn bind(listen: SocketAddr) -> Result<(TcpListener, SocketAddr), EmulatorError> {
    let bind_error = |source| EmulatorError::Bind {
        addr: listen,
        source,
    };
    let listener = TcpListener::bind(listen).await.map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    Ok((listener, addr))
}

/// A server running on the caller's tokio runtime; dropping it stops the server.
#[derive(Debug)]
pub(crate) struct Serving {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Serving {
    /// Serves `app` on `listener` (handlers may extract the peer's address); `name` says
    /// which server stopped when it fails.
    pub fn spawn(
        listener: TcpListener,
        addr: SocketAddr,
        app: axum::Router,
        name: &'static str,
    ) -> Serving {
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            let result = axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = result {
                tracing::error!("{name} stopped: {e}");
            }
        });
        Serving {
            addr,
            shutdown: Some(tx),
            task,
        }
    }

    /// Stops the server and waits for its accept loop to end (in-flight requests finish).
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}

/// The faults in force, the rate limit and the stats of one emulator.
pub(crate) struct Controls {
    faults: Mutex<Faults>,
    /// Faults injected since the faults in force were set (for [`Faults::max_faults`]).
    faults_injected: AtomicU64,
    rng: Mutex<fastrand::Rng>,
    /// Requests per second per caller (application or API key); 0 = no limit.
    rate_limit: AtomicU32,
    limiter: Mutex<RateLimiter>,
    stats: Mutex<Stats>,
}

impl Controls {
    /// `seed` seeds the fault-injection draws; `rate_limit` `None` (or 0) = no limit.
    pub fn new(faults: Faults, rate_limit: Option<u32>, seed: u64) -> Controls {
        Controls {
            faults: Mutex::new(faults),
            faults_injected: AtomicU64::new(0),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            rate_limit: AtomicU32::new(rate_limit.unwrap_or(0)),
            limiter: Mutex::new(RateLimiter::default()),
            stats: Mutex::new(Stats::default()),
        }
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    /// Replaces the faults in force and restarts their [`Faults::max_faults`] budget.
    pub fn set_faults(&self, faults: Faults) {
        let mut current = lock(&self.faults);
        *current = faults;
        self.faults_injected.store(0, Ordering::Relaxed);
    }

    /// Counts one injected fault; false when the budget of [`Faults::max_faults`] is spent.
    pub fn take_fault(&self, faults: &Faults) -> bool {
        faults::take_budget(&self.faults_injected, faults)
    }

    /// The random source of the fault-injection draws.
    pub fn rng(&self) -> MutexGuard<'_, fastrand::Rng> {
        lock(&self.rng)
    }

    /// One draw of `faults` for a call that they concern: waits the latency, decides, counts
    /// what was injected under `key`. `None`: the call proceeds.
    pub async fn inject(
        &self,
        faults: &Faults,
        key: &str,
        decide: fn(&Faults, &mut fastrand::Rng) -> Decision,
    ) -> Option<Decision> {
        if !faults.latency.is_zero() {
            tokio::time::sleep(faults.latency).await;
        }
        let decision = decide(faults, &mut self.rng());
        if decision == Decision::Proceed || !self.take_fault(faults) {
            return None;
        }
        let kind = decision.kind()?;
        self.count(|s| {
            bump(&mut s.faults, &kind);
            bump(&mut s.faults_by_operation, key);
        });
        Some(decision)
    }

    /// Requests per second per caller; 0 = no limit.
    pub fn rate_limit(&self) -> u32 {
        self.rate_limit.load(Ordering::Relaxed)
    }

    /// `None` (or 0) turns the limit off.
    pub fn set_rate_limit(&self, per_sec: Option<u32>) {
        self.rate_limit
            .store(per_sec.unwrap_or(0), Ordering::Relaxed);
    }

    /// Takes one request from `caller`'s bucket. When it is empty: the call is counted as
    /// rate limited, and the limit (per second) is returned.
    pub fn over_limit(&self, caller: &str) -> Option<u32> {
        let per_sec = self.rate_limit();
        if lock(&self.limiter).allow(caller, per_sec, Instant::now()) {
            return None;
        }
        self.count(|s| s.rate_limited += 1);
        Some(per_sec)
    }

    /// Updates the counters.
    pub fn count(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut lock(&self.stats));
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        *lock(&self.stats) = Stats::default();
    }

    // The answers of the administration APIs' `/faults`, `/rateLimit` and `/stats`.

    /// `GET /_emulator/faults`.
    pub fn faults_json(&self) -> Value {
        serde_json::to_value(&*lock(&self.faults)).unwrap_or_default()
    }

    /// `PUT /_emulator/faults`: sets them; the faults now in force.
    pub fn put_faults(&self, faults: Faults) -> Value {
        let value = serde_json::to_value(&faults).unwrap_or_default();
        self.set_faults(faults);
        value
    }

    /// `GET /_emulator/rateLimit`: `{"perSecond": n|null}`.
    pub fn rate_limit_json(&self) -> Value {
        let n = self.rate_limit();
        json!({"perSecond": (n > 0).then_some(n)})
    }

    /// `PUT /_emulator/rateLimit`: sets it; the limit now in force.
    pub fn put_rate_limit(&self, per_sec: Option<u32>) -> Value {
        self.set_rate_limit(per_sec);
        json!({"perSecond": per_sec.filter(|n| *n > 0)})
    }

    /// `GET /_emulator/stats`.
    pub fn stats_json(&self) -> Value {
        serde_json::to_value(&*lock(&self.stats)).unwrap_or_default()
    }
}
