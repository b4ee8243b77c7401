//! Locking that carries on after a panic, for every mutex of the emulator (both providers).

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex, carrying on with the data if a holder panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
