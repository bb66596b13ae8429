//! Glue, Lake Formation and RAM changes kept under `--data`: the world's catalogs, grants and
//! shares have no stored form of their own, so every change a client made (a database created,
//! a grant, an invitation accepted) is journaled as the request it was, and the journal is
//! replayed at start, in order, with the same caller, through the same handlers. A restart on
//! the same folder therefore has every change again, decided against the scenario as it is now.

use crate::catalog_calls::Caller;
use crate::identity::{Credential, Identity};
use crate::json_reply::JsonReply;
use crate::State;
use serde::{Deserialize, Serialize};

/// One change, as it was asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    /// `glue`, `lakeformation` or `ram`.
    pub service: String,
    /// The Glue target (`AWSGlue.CreateDatabase`) or the request path (`/GrantPermissions`).
    pub operation: String,
    pub identity: Identity,
    pub region: String,
    pub body: String,
}

/// The operations that change the world.
const CHANGES: &[&str] = &[
    "CreateDatabase",
    "DeleteDatabase",
    "CreateTable",
    "DeleteTable",
    "PutResourcePolicy",
    "GrantPermissions",
    "RevokePermissions",
    "PutDataLakeSettings",
    "RegisterResource",
    "DeregisterResource",
    "createresourceshare",
    "associateresourceshare",
    "acceptresourceshareinvitation",
    "rejectresourceshareinvitation",
    "enablesharingwithawsorganization",
];

fn is_change(operation: &str) -> bool {
    let name = operation
        .rsplit(['.', '/'])
        .next()
        .unwrap_or_default()
        .to_owned();
    CHANGES
        .iter()
        .any(|change| change.eq_ignore_ascii_case(&name))
}

fn dispatch(
    state: &State,
    caller: &Caller<'_>,
    service: &str,
    operation: &str,
    body: &[u8],
) -> JsonReply {
    match service {
        "glue" => crate::glue::answer(state, caller, operation, body),
        "lakeformation" => crate::lakeformation::answer(state, caller, operation, body),
        _ => crate::ram::answer(state, caller, operation, body),
    }
}

/// Answers one Glue, Lake Formation or RAM request, journaling it when it changed the world.
pub fn answer(
    state: &State,
    caller: &Caller<'_>,
    service: &str,
    operation: &str,
    body: &[u8],
) -> JsonReply {
    let reply = dispatch(state, caller, service, operation, body);
    if reply.status.is_success() && is_change(operation) {
        let change = Change {
            service: service.to_owned(),
            operation: operation.to_owned(),
            identity: caller.credential.identity.clone(),
            region: caller.region.to_owned(),
            body: String::from_utf8_lossy(body).into_owned(),
        };
        if let Err(error) = state.store.append_lake_change(&change) {
            return JsonReply::error(
                hyper::StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServiceException",
                &format!("the change was made but could not be kept under --data: {error}"),
            );
        }
    }
    reply
}

/// Replays the journal; returns how many changes were made again, and the ones the world
/// refuses now (a scenario changed since), described.
pub fn replay(state: &State) -> Result<(usize, Vec<String>), String> {
    let changes: Vec<Change> = state.store.lake_changes().map_err(|e| e.to_string())?;
    let mut made = 0;
    let mut refused = Vec::new();
    for change in changes {
        let credential = Credential {
            access_key_id: String::new(),
            secret_access_key: String::new(),
            session_token: None,
            expires: None,
            identity: change.identity.clone(),
        };
        let caller = Caller {
            credential: &credential,
            region: &change.region,
        };
        let reply = dispatch(
            state,
            &caller,
            &change.service,
            &change.operation,
            change.body.as_bytes(),
        );
        if reply.status.is_success() {
            made += 1;
        } else {
            refused.push(format!(
                "{} {} by {}: {}",
                change.service,
                change.operation,
                change.identity.caller_arn(),
                reply.body
            ));
        }
    }
    Ok((made, refused))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_are_journaled() {
        assert!(is_change("AWSGlue.CreateDatabase"));
        assert!(is_change("/GrantPermissions"));
        assert!(is_change("/acceptresourceshareinvitation"));
        assert!(!is_change("AWSGlue.GetTable"));
        assert!(!is_change("/GetTemporaryGlueTableCredentials"));
        assert!(!is_change("/getresourceshareinvitations"));
    }
}
