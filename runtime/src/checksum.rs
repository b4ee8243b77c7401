//! Updating a v2 resource safely: OVH's v2 `PUT`s take the `checksum` of the target
//! specification they change, and refuse a stale one (someone changed it in between).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::{Call, Error, Result};

/// How many times a write is tried again after a concurrent change.
const ATTEMPTS: u32 = 3;

/// Reads the resource (`read`), lets `change` edit its `targetSpec` (as `S`, the type the `PUT`
/// takes), and writes `{checksum, targetSpec}` back (`write`). When the API answers a conflict
/// (409 or 412: the checksum is no longer the current one), reads again and applies `change`
/// again, three times at most. What generated `…_checked` methods do.
pub async fn update<'a, S, R>(
    read: Call<'a, Value>,
    write: impl Fn(Value) -> Call<'a, R>,
    mut change: impl FnMut(&mut S),
) -> Result<R>
where
    S: Serialize + DeserializeOwned,
    R: DeserializeOwned + Send + 'a,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let current = read.clone().await?;
        let operation = read.request().operation();
        let mut spec: S = crate::codec::decode_value(current["targetSpec"].clone(), None)
            .map(|(spec, _)| spec)
            .map_err(|message| Error::Decode {
                operation: operation.clone(),
                path: ".targetSpec".into(),
                message,
                query_id: None,
                body: current.to_string(),
            })?;
        change(&mut spec);
        let body = serde_json::json!({
            "checksum": current["checksum"],
            "targetSpec": serde_json::to_value(&spec).map_err(|e| Error::Encode {
                operation: operation.clone(),
                message: e.to_string(),
            })?,
        });
        match write(body).await {
            Err(e) if matches!(e.status(), Some(409 | 412)) && attempt < ATTEMPTS => {
                tracing::info!(operation = %operation, attempt, "changed meanwhile; reading it again");
            }
            answer => return answer,
        }
    }
}
