//! What the in-process tests of every service share: a served state of one of the examples,
//! and a credential acting as a principal of it.

use crate::engine::Engine;
use crate::identity::{Credential, Identity};
use crate::store::Store;
use crate::State;
use std::sync::Arc;
use xacct_world::{Principal, Session};

/// The served state of `examples/<scenario>` (a folder under examples/, with a broken
/// variant's path if any), its store in `dir`, with each account's administrator.
pub fn served(scenario: &str, dir: &std::path::Path) -> State {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(scenario);
    let Ok(loaded) = xacct_world::load(&path) else {
        panic!("{scenario} loads");
    };
    let Ok(store) = Store::open(dir) else {
        panic!("the store opens");
    };
    let Ok(engine) = Engine::new(loaded.world, None) else {
        panic!("the engine starts");
    };
    let state = State::new(engine, Arc::new(store), None);
    crate::iam::add_admins(&state);
    state
}

/// A credential acting as `arn` (a role session named `test`, or a user).
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
