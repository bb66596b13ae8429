//! Glue, Lake Formation and RAM answered in-process on `examples/glue-catalog-share` and its
//! broken variants, for the unit tests of the three services.

use crate::catalog_calls::Caller;
use crate::engine::Engine;
use crate::identity::{Credential, Identity};
use crate::store::Store;
use crate::State;
use serde_json::Value;
use std::sync::Arc;
use xacct_world::{Principal, Session};

pub const JOB: &str = "arn:aws:iam::222222222222:role/cur-report-glue-job";
pub const DEPLOYER: &str = "arn:aws:iam::222222222222:role/glue-deployer";
pub const ADMIN_A: &str = "arn:aws:iam::111111111111:user/xacct-admin";
pub const ADMIN_B: &str = "arn:aws:iam::222222222222:user/xacct-admin";

/// The served state of `examples/glue-catalog-share/<variant>` ("" for the guide itself).
pub fn state(variant: &str, dir: &std::path::Path) -> State {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/glue-catalog-share")
        .join(variant);
    let Ok(loaded) = xacct_world::load(&path) else {
        panic!("{variant} loads");
    };
    let Ok(store) = Store::open(dir) else {
        panic!("the store opens");
    };
    let store = Arc::new(store);
    let Ok(engine) = Engine::new(loaded.world, None) else {
        panic!("the engine starts");
    };
    let state = State::new(engine, store, None);
    crate::iam::add_admins(&state);
    crate::glue::add_lake_admins(&state);
    state
}

/// A credential acting as `arn` (a role session, or a user).
pub fn credential(arn: &str) -> Credential {
    let principal = if arn.contains(":user/") {
        Principal::User(arn.to_owned())
    } else {
        Principal::Role(arn.to_owned())
    };
    let mut session = Session::of(principal);
    session.session_name = Some("test".to_owned());
    Credential {
        access_key_id: "AKIATEST".to_owned(),
        secret_access_key: "secret".to_owned(),
        session_token: None,
        expires: None,
        identity: Identity::of(&session, None),
    }
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
    let who = credential(who);
    answer_of(&crate::lakeformation::answer(
        state,
        &caller(&who),
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
