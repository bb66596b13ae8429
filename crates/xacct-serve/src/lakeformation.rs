//! AWS Lake Formation on its REST-JSON protocol (`POST /<Operation>`, signed for
//! `lakeformation`): grants, the data lake settings, registered locations, and
//! GetTemporaryGlueTableCredentials, the credential vending an integrated engine asks for
//! (IAM action `lakeformation:GetDataAccess`). Every IAM action is decided by the engine on `*`
//! (Lake Formation's actions take no resource), except GetDataAccess, asked on the caller's Lake
//! Formation catalog as `xacct check` asks it.
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html>
//! <https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_Operations.html>

pub mod grants;
pub mod locations;
pub mod settings;
#[cfg(test)]
mod tests;
pub mod vend;

use crate::catalog_calls::{decide_iam, Caller};
use crate::glue::{not_implemented, parse_body};
use crate::json_reply::JsonReply;
use crate::State;

/// The operations served, for the refusal of any other.
pub const OPERATIONS: &[&str] = &[
    "GrantPermissions",
    "RevokePermissions",
    "ListPermissions",
    "GetDataLakeSettings",
    "PutDataLakeSettings",
    "RegisterResource",
    "DeregisterResource",
    "ListResources",
    "GetTemporaryGlueTableCredentials",
];

/// Answers one Lake Formation call; `path` is the request path (`/GrantPermissions`).
pub fn answer(state: &State, caller: &Caller<'_>, path: &str, body: &[u8]) -> JsonReply {
    let op = path.trim_start_matches('/');
    let input = match parse_body(body) {
        Ok(input) => input,
        Err(reply) => return reply,
    };
    let result = match op {
        "GrantPermissions" => grants::grant(state, caller, &input),
        "RevokePermissions" => grants::revoke(state, caller, &input),
        "ListPermissions" => grants::list(state, caller, &input),
        "GetDataLakeSettings" => settings::get(state, caller, &input),
        "PutDataLakeSettings" => settings::put(state, caller, &input),
        "RegisterResource" => locations::register(state, caller, &input),
        "DeregisterResource" => locations::deregister(state, caller, &input),
        "ListResources" => locations::list(state, caller, &input),
        "GetTemporaryGlueTableCredentials" => vend::table_credentials(state, caller, &input),
        other => Err(not_implemented("Lake Formation", other, OPERATIONS)),
    };
    match result {
        Ok(value) => JsonReply::ok(&value),
        Err(reply) => reply,
    }
}

/// The IAM side of a Lake Formation API call: `lakeformation:<Op>` on `*`.
pub(crate) fn authorize(state: &State, caller: &Caller<'_>, op: &str) -> Result<(), JsonReply> {
    decide_iam(state, caller, &format!("lakeformation:{op}"), "*", &[])
}

/// Lake Formation's answer to input it does not take.
pub(crate) fn invalid(message: &str) -> JsonReply {
    JsonReply::bad("InvalidInputException", message)
}
