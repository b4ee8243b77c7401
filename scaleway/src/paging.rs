//! Scaleway's numbered pages: a list answers `{"<items>": [...], "total_count": N}` for one
//! `page` (from 1) of `page_size` items. Generated list requests have `stream()` and `all()`,
//! which ask page after page until `total_count` items were read.

use futures_util::TryStreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use ovhcloud_runtime::Request;

use crate::client::ready;
use crate::{Call, CallFuture, Client, Error, ItemStream, Result};

/// The items of every page of `call`'s list, held in its `items` member, as they arrive; the
/// first error ends the stream. Starts at the call's `page` when it set one.
pub fn items<'a, R: Send + 'a, T: DeserializeOwned + Send + 'a>(
    call: Call<'a, R>,
    items: &'static str,
) -> ItemStream<'a, T> {
    struct State {
        client_request: Option<(Client, Request)>,
        page: u64,
        read: u64,
    }
    let start = ready(call).map(|(client, request)| {
        let page = page_of(&request).unwrap_or(1);
        State {
            client_request: Some((client.clone(), request)),
            page,
            read: 0,
        }
    });
    let pages = futures_util::stream::try_unfold(start, move |state| async move {
        let mut state = state?;
        let Some((client, mut request)) = state.client_request.take() else {
            return Ok::<_, Error>(None);
        };
        request.query.retain(|(name, _)| name != "page");
        request.query.push(("page".into(), state.page.to_string()));
        let body = client.answer(&request).await?.body;
        let (page, total) = split_page::<T>(&client, &request, &body, items)?;
        state.read += page.len() as u64;
        let more = !page.is_empty() && total.is_some_and(|total| state.read < total);
        if more {
            state.page += 1;
            state.client_request = Some((client, request));
        }
        Ok(Some((page, Ok(state))))
    });
    Box::pin(
        pages
            .map_ok(|page| futures_util::stream::iter(page.into_iter().map(Ok)))
            .try_flatten(),
    )
}

/// Every item of every page of `call`'s list, collected.
pub fn all<'a, R: Send + 'a, T: DeserializeOwned + Send + 'a>(
    call: Call<'a, R>,
    key: &'static str,
) -> CallFuture<'a, Vec<T>> {
    Box::pin(items(call, key).try_collect())
}

fn page_of(request: &Request) -> Option<u64> {
    request
        .query
        .iter()
        .find(|(name, _)| name == "page")
        .and_then(|(_, value)| value.parse().ok())
}

/// A page's items, decoded as `T`, and its `total_count`.
fn split_page<T: DeserializeOwned>(
    client: &Client,
    request: &Request,
    body: &str,
    items: &str,
) -> Result<(Vec<T>, Option<u64>)> {
    let decode_error = |message: String| Error::Decode {
        operation: request.operation(),
        message,
        body: body.to_owned(),
    };
    let mut page: Value = serde_json::from_str(body).map_err(|e| decode_error(e.to_string()))?;
    let total = page.get("total_count").and_then(Value::as_u64);
    let list = match page.get_mut(items).map(Value::take) {
        Some(list @ Value::Array(_)) => list,
        _ => return Err(decode_error(format!("no `{items}` list in the page"))),
    };
    let list = client.decode_value(request, body, list)?;
    Ok((list, total))
}
