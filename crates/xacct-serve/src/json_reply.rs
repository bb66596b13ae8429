//! An answer of a service on the AWS JSON 1.1 protocol (KMS, Kinesis): a JSON body, or the
//! error document `{"__type": CODE, "message": ...}`, with xacct's reason for a denial.

use hyper::StatusCode;
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub struct JsonReply {
    pub status: StatusCode,
    pub body: String,
    pub explanation: Option<String>,
    /// An event stream answer (Kinesis SubscribeToShard): sent as the body instead of `body`.
    pub event_stream: Option<Vec<u8>>,
}

impl JsonReply {
    pub(crate) fn ok(value: &Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: value.to_string(),
            explanation: None,
            event_stream: None,
        }
    }

    pub fn error(status: StatusCode, code: &str, message: &str) -> Self {
        Self {
            status,
            body: json!({"__type": code, "message": message}).to_string(),
            explanation: None,
            event_stream: None,
        }
    }

    pub(crate) fn event_stream(events: Vec<u8>) -> Self {
        Self {
            status: StatusCode::OK,
            body: String::new(),
            explanation: None,
            event_stream: Some(events),
        }
    }

    pub fn bad(code: &str, message: &str) -> Self {
        Self::error(StatusCode::BAD_REQUEST, code, message)
    }
}
