//! One AWS call: bounded by the collection's concurrency limit, its failure classified and
//! recorded, never fatal to the rest of the collection.

use crate::capture::Capture;
use crate::{Gap, GapKind};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// The closure [`Recorder::raw_pages`] takes: `request` (an SDK fluent builder) with the
/// page token set through `setter`, sent with the call's capture.
macro_rules! page {
    ($request:expr, $setter:ident) => {
        |token, capture| {
            $request
                .$setter(token)
                .customize()
                .interceptor(capture)
                .send()
        }
    };
}

/// The closure [`Recorder::raw`] takes: `request` sent with the call's capture.
macro_rules! once {
    ($request:expr) => {
        |capture| $request.customize().interceptor(capture).send()
    };
}

/// The error codes AWS answers when the caller may not make the call.
const DENIED: [&str; 6] = [
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "Forbidden",
    "AllAccessDisabled",
];

/// What a call gave.
pub(crate) enum Outcome<T> {
    Got(T),
    /// The service says the thing asked for does not exist (no bucket policy, no resource
    /// policy): an answer, not a gap.
    Absent,
    /// Denied or failed: recorded as a [`Gap`].
    Missing,
}

impl<T> Outcome<T> {
    pub(crate) fn got(self) -> Option<T> {
        match self {
            Outcome::Got(value) => Some(value),
            Outcome::Absent | Outcome::Missing => None,
        }
    }
}

/// Where the calls of one account and Region are recorded.
#[derive(Clone)]
pub(crate) struct Recorder {
    pub(crate) account: String,
    pub(crate) region: Option<String>,
    limit: Arc<Semaphore>,
    gaps: Arc<Mutex<Vec<Gap>>>,
    calls: Arc<AtomicUsize>,
}

/// What one call is, for its gap if it fails.
pub(crate) struct Call<'a> {
    /// The IAM action that authorises the call (`kms:ListGrants`).
    pub(crate) action: &'static str,
    /// The resource it is made on.
    pub(crate) resource: &'a str,
    /// What cannot be answered without it.
    pub(crate) unanswerable: &'static str,
    /// Error codes meaning "there is none".
    pub(crate) absent: &'static [&'static str],
}

impl Recorder {
    pub(crate) fn new(account: &str, limit: Arc<Semaphore>) -> Self {
        Recorder {
            account: account.to_owned(),
            region: None,
            limit,
            gaps: Arc::default(),
            calls: Arc::default(),
        }
    }

    /// The same account's recorder for `region`: gaps and counts are shared.
    pub(crate) fn in_region(&self, region: &str) -> Self {
        Recorder {
            region: Some(region.to_owned()),
            ..self.clone()
        }
    }

    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    pub(crate) fn gaps(&self) -> Vec<Gap> {
        self.gaps
            .lock()
            .map(|gaps| gaps.clone())
            .unwrap_or_default()
    }

    pub(crate) fn gap_count(&self) -> usize {
        self.gaps.lock().map(|gaps| gaps.len()).unwrap_or_default()
    }

    /// Records a gap that is not a failed call (a response that cannot be read).
    pub(crate) fn record(&self, call: &Call<'_>, kind: GapKind, code: &str, message: String) {
        let gap = Gap {
            account: self.account.clone(),
            region: self.region.clone(),
            action: call.action.to_owned(),
            resource: call.resource.to_owned(),
            kind,
            code: code.to_owned(),
            message,
            unanswerable: call.unanswerable.to_owned(),
        };
        if let Ok(mut gaps) = self.gaps.lock() {
            gaps.push(gap);
        }
    }

    /// Makes a call with a permit of the concurrency limit; the SDK retries throttling and
    /// transient errors itself (standard retry mode) before the error reaches here.
    pub(crate) async fn send<T, E, F>(&self, call: &Call<'_>, future: F) -> Outcome<T>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let permit = self.limit.acquire().await;
        self.calls.fetch_add(1, Ordering::Relaxed);
        let result = future.await;
        drop(permit);
        match result {
            Ok(output) => Outcome::Got(output),
            Err(error) => {
                let code = error.code().unwrap_or_default().to_owned();
                if call.absent.contains(&code.as_str()) {
                    return Outcome::Absent;
                }
                let message = match (error.message(), error.raw_response()) {
                    (Some(message), _) => message.to_owned(),
                    // An answer without an AWS error (an HTML page): say what came back.
                    (None, Some(response)) if code.is_empty() => {
                        let status = response.status().as_u16();
                        match status {
                            404 | 501 => {
                                format!("HTTP {status}: the endpoint does not implement this call")
                            }
                            _ => format!("HTTP {status} without an AWS error"),
                        }
                    }
                    (None, Some(_)) => String::new(),
                    (None, None) => DisplayErrorContext(&error).to_string(),
                };
                let kind = if DENIED.contains(&code.as_str()) {
                    GapKind::Denied
                } else {
                    GapKind::Failed
                };
                self.record(call, kind, &code, message);
                Outcome::Missing
            }
        }
    }

    /// A call whose body is kept raw (see `capture`): the parsed body.
    pub(crate) async fn raw<T, E, F>(
        &self,
        call: &Call<'_>,
        make: impl FnOnce(Capture) -> F,
    ) -> Outcome<Value>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let capture = Capture::default();
        match self.send(call, make(capture.clone())).await {
            Outcome::Got(_) => match capture.json() {
                Ok(value) => Outcome::Got(value),
                Err(message) => {
                    self.record(call, GapKind::Failed, "UnreadableResponse", message);
                    Outcome::Missing
                }
            },
            Outcome::Absent => Outcome::Absent,
            Outcome::Missing => Outcome::Missing,
        }
    }

    /// Every page of a raw call: `list` arrays are concatenated into the first page, and the
    /// token member (`token`, sent back as the next request's token) is dropped. A page that
    /// fails keeps the pages before it, with a `NextToken`-style member left set so the
    /// importer warns that the export is cut short.
    pub(crate) async fn raw_pages<T, E, F>(
        &self,
        call: &Call<'_>,
        lists: &[&str],
        token: &str,
        mut make: impl FnMut(Option<String>, Capture) -> F,
    ) -> Outcome<Value>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let mut merged: Option<Map<String, Value>> = None;
        let mut next: Option<String> = None;
        // A bound on pages, so a service that repeats a token cannot loop for ever.
        for _ in 0..10_000 {
            let sent = next.clone();
            let page = match self.raw(call, |capture| make(sent.clone(), capture)).await {
                Outcome::Got(Value::Object(page)) => page,
                Outcome::Got(_) => {
                    self.record(
                        call,
                        GapKind::Failed,
                        "UnreadableResponse",
                        "the response is not a JSON object".to_owned(),
                    );
                    return merged
                        .map_or(Outcome::Missing, |page| Outcome::Got(Value::Object(page)));
                }
                Outcome::Absent => {
                    return merged.map_or(Outcome::Absent, |page| Outcome::Got(Value::Object(page)))
                }
                Outcome::Missing => {
                    return merged
                        .map_or(Outcome::Missing, |page| Outcome::Got(Value::Object(page)))
                }
            };
            next = page
                .get(token)
                .and_then(Value::as_str)
                .filter(|token| !token.is_empty())
                .map(str::to_owned);
            match &mut merged {
                None => merged = Some(page),
                Some(first) => {
                    for list in lists {
                        if let Some(Value::Array(items)) = page.get(*list) {
                            if let Some(Value::Array(all)) = first.get_mut(*list) {
                                all.extend(items.iter().cloned());
                            } else {
                                first.insert((*list).to_owned(), Value::Array(items.clone()));
                            }
                        }
                    }
                }
            }
            if next.is_none() || next == sent {
                break;
            }
        }
        let mut page = merged.unwrap_or_default();
        page.remove(token);
        Outcome::Got(Value::Object(page))
    }
}
