//! An answer of a service on the AWS JSON 1.1 protocol (KMS, Kinesis): a JSON body, or the
//! error document `{"__type": CODE, "message": ...}`, with xacct's reason for a denial.

use hyper::StatusCode;
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub struct JsonReply {
    pub status: StatusCode,
    pub body: String,
    pub explanation: Option<String>,
}

impl JsonReply {
    pub(crate) fn ok(value: &Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: value.to_string(),
            explanation: None,
        }
    }

    pub fn error(status: StatusCode, code: &str, message: &str) -> Self {
        Self {
            status,
            body: json!({"__type": code, "message": message}).to_string(),
            explanation: None,
        }
    }

    pub fn bad(code: &str, message: &str) -> Self {
        Self::error(StatusCode::BAD_REQUEST, code, message)
    }
}
