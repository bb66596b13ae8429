//! The raw body of a response, kept as the service sent it.
//!
//! Most services xacct reads speak JSON (Organizations, KMS, Kinesis, Glue, Lake Formation,
//! RAM): their response bodies are already the objects the AWS CLI prints, with every member
//! the service sent, including members this SDK version does not know. Keeping the body
//! instead of re-serialising the SDK's typed output is what makes the collected files "the
//! raw responses". Each call gets its own [`Capture`] (an operation-level interceptor), so
//! concurrent calls never mix bodies; with retries the last attempt's body is kept.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// The body of the last response of one call.
#[derive(Debug, Clone, Default)]
pub(crate) struct Capture {
    body: Arc<Mutex<Option<Vec<u8>>>>,
}

impl Capture {
    /// The body parsed as JSON; an empty body (some services answer so when there is nothing)
    /// is an empty object.
    pub(crate) fn json(&self) -> Result<Value, String> {
        let body = self
            .body
            .lock()
            .map_err(|_| "a capture was poisoned".to_owned())?
            .clone()
            .unwrap_or_default();
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(serde_json::Map::new()));
        }
        serde_json::from_slice(&body)
            .map_err(|error| format!("the response body is not JSON: {error}"))
    }
}

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "xacct-collect raw body capture"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The orchestrator has read a non-streaming body into memory by now.
        let bytes = context.response().body().bytes().map(<[u8]>::to_vec);
        if let Ok(mut slot) = self.body.lock() {
            *slot = bytes;
        }
        Ok(())
    }
}
