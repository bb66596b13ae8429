//! Glue, Lake Formation and RAM answered in-process on `examples/glue-catalog-share` and its
//! broken variants, for the unit tests of the three services.

use crate::catalog_calls::Caller;
use crate::identity::Credential;
pub use crate::test_support::credential;
use crate::test_support::served;
use crate::State;
use serde_json::Value;

pub const JOB: &str = "arn:aws:iam::222222222222:role/cur-report-glue-job";
pub const DEPLOYER: &str = "arn:aws:iam::222222222222:role/glue-deployer";
pub const ADMIN_A: &str = "arn:aws:iam::111111111111:user/xacct-admin";
pub const ADMIN_B: &str = "arn:aws:iam::222222222222:user/xacct-admin";

/// The served state of `examples/glue-catalog-share/<variant>` ("" for the guide itself).
pub fn state(variant: &str, dir: &std::path::Path) -> State {
    let state = served(&format!("glue-catalog-share/{variant}"), dir);
    crate::glue::add_lake_admins(&state);
    state
}

/// What a call answered: `("ok", body)` or `(code, body)`, and the explanation header.
pub struct Answer {
    pub code: String,
    pub body: Value,
    pub explanation: Option<String>,
}

impl Answer {
    pub fn message(&self) -> String {
        self.body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }
}

fn answer_of(reply: &crate::json_reply::JsonReply) -> Answer {
    let body: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    let code = if reply.status.is_success() {
        "ok".to_owned()
    } else {
        body.get("__type")
            .and_then(Value::as_str)
            .unwrap_or("missing")
            .to_owned()
    };
    Answer {
        code,
        body,
        explanation: reply.explanation.clone(),
    }
}

fn caller(who: &Credential) -> Caller<'_> {
    Caller {
        credential: who,
        region: "us-east-1",
    }
}

pub fn glue(state: &State, who: &str, op: &str, input: &Value) -> Answer {
    let who = credential(who);
    answer_of(&crate::glue::answer(
        state,
        &caller(&who),
        &format!("AWSGlue.{op}"),
        input.to_string().as_bytes(),
    ))
}

pub fn lakeformation(state: &State, who: &str, op: &str, input: &Value) -> Answer {
    lakeformation_as(state, &credential(who), op, input)
}

/// [`lakeformation`] with a credential the test made (a session with tags, say).
pub fn lakeformation_as(state: &State, who: &Credential, op: &str, input: &Value) -> Answer {
    answer_of(&crate::lakeformation::answer(
        state,
        &caller(who),
        &format!("/{op}"),
        input.to_string().as_bytes(),
    ))
}

pub fn ram(state: &State, who: &str, op: &str, input: &Value) -> Answer {
    let who = credential(who);
    answer_of(&crate::ram::answer(
        state,
        &caller(&who),
        &format!("/{}", op.to_ascii_lowercase()),
        input.to_string().as_bytes(),
    ))
}
