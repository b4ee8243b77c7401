//! Calls on OVHcloud's [`Client`]: how it runs a [`Call`] (its [`Backend`]), the builder
//! methods only OVHcloud's requests have, the raw text of an answer, every page of a v2 list as
//! it arrives, and the deviations of a decoded answer. The seam itself, [`crate::call`], knows
//! no provider.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use futures_util::Stream;
use serde::de::DeserializeOwned;

use crate::call::{encode_error, ApiResponse, Backend, Call, CallFuture, CallOptions, Request};
use crate::client::{OvhRequest, PinSchemasVersion};
use crate::deviation::Deviation;
use crate::{Client, Error, Result};

/// OVHcloud's builder methods of a call (generated code calls them).
impl<R> Call<'_, R, Client> {
    /// Follows `X-Pagination-Cursor-Next` (a v2 list).
    pub fn paginated(mut self) -> Self {
        self.slot::<OvhRequest>().paginated = true;
        self
    }

    /// Records the schema version the operation comes from, sent when the client pins it.
    pub fn schemas_version(mut self, version: &'static str) -> Self {
        self.slot::<OvhRequest>().schemas_version = Some(version);
        self
    }

    /// This list of ids is answered by some backends with the objects themselves: take each
    /// object's `key` member (a deviation is reported).
    pub fn ids_from(mut self, key: &'static str) -> Self {
        self.slot::<OvhRequest>().ids_from = Some(key);
        self
    }
}

impl CallOptions {
    /// Sends `X-Schemas-Version`: the version of the schema the operation was generated from
    /// (OVHcloud's v2).
    pub fn pin_schemas_version(mut self) -> Self {
        self.extensions.insert(PinSchemasVersion);
        self
    }
}

impl<'a, R> Call<'a, R> {
    /// The call, or the first value that failed to encode while it was built.
    fn ready(self) -> Result<(&'a Client, Request)> {
        match self.error {
            Some(message) => Err(encode_error(&self.request, message)),
            None => Ok((self.client, self.request)),
        }
    }

    /// Runs the call and returns the raw response body, without decoding it.
    pub async fn text(self) -> Result<String> {
        let (client, request) = self.ready()?;
        Ok(client.send(&request, None, Instant::now()).await?.body)
    }
}

/// Pages of a v2 list, as they arrive.
pub type PageStream<'a, T> = Pin<Box<dyn Stream<Item = Result<Vec<T>>> + Send + 'a>>;
/// Items of a v2 list, page after page.
pub type ItemStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T>> + Send + 'a>>;

impl<'a, T: DeserializeOwned + Send + 'a> Call<'a, Vec<T>> {
    /// The pages of a v2 list, following `X-Pagination-Cursor-Next`; the first error ends it.
    pub fn pages(self) -> PageStream<'a, T> {
        self.pages_from(None)
    }

    /// [`pages`](Self::pages), every page within the deadline counted from `started` when
    /// given (a list read whole), else each page within its own.
    fn pages_from(self, started: Option<Instant>) -> PageStream<'a, T> {
        enum State {
            Start,
            Next(String),
            Done,
        }
        let Call {
            client,
            request,
            error,
            ..
        } = self;
        let first = match error {
            Some(message) => Err(encode_error(&request, message)),
            None => Ok(State::Start),
        };
        let request = Arc::new(request);
        Box::pin(futures_util::stream::try_unfold(first, move |state| {
            let request = request.clone();
            async move {
                let cursor = match state? {
                    State::Done => return Ok(None),
                    State::Start => None,
                    State::Next(cursor) => Some(cursor),
                };
                let started = started.unwrap_or_else(Instant::now);
                let (page, next) = client
                    .page::<T>(&request, cursor.as_deref(), started)
                    .await?;
                Ok(Some((page, Ok(next.map_or(State::Done, State::Next)))))
            }
        }))
    }

    /// Every item of every page, decoded page by page (what `.await` does on a generated
    /// paged request).
    pub fn all_pages(self) -> CallFuture<'a, Vec<T>> {
        use futures_util::TryStreamExt;
        // One deadline for the whole list.
        Box::pin(self.pages_from(Some(Instant::now())).try_concat())
    }

    /// The items of a v2 list, page after page.
    pub fn stream(self) -> ItemStream<'a, T> {
        use futures_util::{StreamExt, TryStreamExt};
        Box::pin(
            self.pages()
                .map_ok(|page| futures_util::stream::iter(page.into_iter().map(Ok)))
                .try_flatten()
                .boxed(),
        )
    }
}

impl<'a, R: DeserializeOwned + Send + 'a> Call<'a, R> {
    /// Runs the call and returns the value with every way the response differed from its
    /// schema (empty when it matched). In strict mode a deviation is an error instead.
    pub fn with_deviations(self) -> CallFuture<'a, (R, Vec<Deviation>)> {
        Box::pin(async move {
            let (client, request) = self.ready()?;
            // Only decoding depends on `R`: the exchange is compiled once for all operations.
            let response = client.fetch(&request).await?;
            client.decode(&request, &response)
        })
    }
}

impl Backend for Client {
    type Error = Error;

    fn run<'a, R: DeserializeOwned + Send + 'a>(call: Call<'a, R>) -> CallFuture<'a, R> {
        Box::pin(async move {
            let (client, request) = call.ready()?;
            let response = client.fetch(&request).await?;
            client.decode(&request, &response).map(|(value, _)| value)
        })
    }

    fn run_with_response<'a, R: DeserializeOwned + Send + 'a>(
        call: Call<'a, R>,
    ) -> CallFuture<'a, ApiResponse<R>> {
        Box::pin(async move {
            let (client, request) = call.ready()?;
            let response = client.send(&request, None, Instant::now()).await?;
            let (value, _) = client.decode(&request, &response)?;
            Ok(ApiResponse {
                value,
                status: response.status,
                headers: response.headers,
                body: response.body,
            })
        })
    }
}
