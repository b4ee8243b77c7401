//! Fetching many items with bounded concurrency: v1 collections return ids, and the item behind
//! each id is another call ("list bills, then fetch each bill").

use std::future::Future;

use futures_util::StreamExt;

use crate::Result;

/// Runs `fetch` for every key, at most `concurrency` at a time, and returns each key with its
/// result, in the keys' order. One failure does not stop the others: an export keeps every item
/// it could get. Every call still goes through the client's rate limit and retries.
///
/// With an API of the `ovhcloud` crate (the same code runs in its tests):
///
/// ```ignore
/// # async fn demo(client: ovhcloud::Client) -> ovhcloud::Result<()> {
/// let me = client.me();
/// let ids = me.get_bill().await?;
/// let bills = ovhcloud::fanout::fetch_each(ids, 8, |id| async move { me.get_bill_by_bill_id(&id).await }).await;
/// for (id, bill) in bills {
///     match bill {
///         Ok(bill) => println!("{id}: {}", bill.price_with_tax.text),
///         Err(e) => eprintln!("{id}: {e}"),
///     }
/// }
/// # Ok(()) }
/// ```
pub async fn fetch_each<K, T, F, Fut>(
    keys: impl IntoIterator<Item = K>,
    concurrency: usize,
    fetch: F,
) -> Vec<(K, Result<T>)>
where
    K: Clone,
    F: Fn(K) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    futures_util::stream::iter(keys)
        .map(|key| {
            let future = fetch(key.clone());
            async move { (key, future.await) }
        })
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// Like [`fetch_each`], but stops at the first error.
pub async fn try_fetch_each<K, T, F, Fut>(
    keys: impl IntoIterator<Item = K>,
    concurrency: usize,
    fetch: F,
) -> Result<Vec<T>>
where
    F: Fn(K) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    use futures_util::TryStreamExt;
    futures_util::stream::iter(keys)
        .map(fetch)
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn keeps_order_bounds_concurrency_and_keeps_failures() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let results = fetch_each(0..20u32, 3, |n| {
            let (running, peak) = (&running, &peak);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5 + u64::from(n % 4))).await;
                running.fetch_sub(1, Ordering::SeqCst);
                if n == 7 {
                    Err(crate::Error::Config("seven".into()))
                } else {
                    Ok(n * 10)
                }
            }
        })
        .await;
        assert_eq!(results.len(), 20);
        assert!(results.iter().enumerate().all(|(i, (k, _))| *k == i as u32));
        assert!(results[7].1.is_err() && results[8].1.as_ref().is_ok_and(|v| *v == 80));
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}
