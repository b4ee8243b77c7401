//! A blocking facade for scripts (feature `blocking`): the async client driven by a runtime of
//! its own, so every generated method can be called without writing `async`.
//!
//! ```no_run
//! # #[cfg(feature = "me")]
//! # fn demo() -> ovhcloud::Result<()> {
//! let client = ovhcloud::blocking::Client::new(ovhcloud::Client::from_env()?)?;
//! let bills = client.run(client.api().me().get_bill())?;
//! println!("{} bills", bills.len());
//! # Ok(()) }
//! ```

use std::future::IntoFuture;

use crate::{Error, Result};

/// Runs calls of the wrapped [`crate::Client`] to completion on the current thread.
#[derive(Debug)]
pub struct Client {
    client: crate::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// Wraps `client`. Must not be called from inside an async runtime.
    pub fn new(client: crate::Client) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the blocking runtime: {e}")))?;
        Ok(Client { client, runtime })
    }

    /// The async client, to build calls with.
    pub fn api(&self) -> &crate::Client {
        &self.client
    }

    /// Sends a call (or any future) and waits for its result.
    pub fn run<F: IntoFuture>(&self, call: F) -> F::Output {
        self.runtime.block_on(call.into_future())
    }
}
