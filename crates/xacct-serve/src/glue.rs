//! The AWS Glue Data Catalog on the AWS JSON 1.1 protocol (`X-Amz-Target: AWSGlue.<Op>`):
//! databases, resource links, tables, partitions and the catalog's resource policy, over the
//! world's catalogs (`[[catalog]]`) and the ones clients create. Every request is decided by
//! the IAM action on the catalog, database and table ARNs AWS authorizes it on, and by Lake
//! Formation where it governs the resource, with the calls `xacct check` decides for a table
//! read ([`crate::catalog_calls`]), a resource link resolved to its target as check resolves it.
//! <https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html>
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-glue-apis.html>

pub mod databases;
pub mod policy;
pub mod tables;
#[cfg(test)]
mod tests;

use crate::catalog_calls::Caller;
use crate::json_reply::JsonReply;
use crate::State;
use serde_json::{json, Value};
use xacct_lake::{Catalog, TableRef};
use xacct_policy::AccountId;

/// The operations served, for the refusal of any other.
pub const OPERATIONS: &[&str] = &[
    "GetDatabase",
    "GetDatabases",
    "CreateDatabase",
    "DeleteDatabase",
    "GetTable",
    "GetTables",
    "CreateTable",
    "DeleteTable",
    "GetPartitions",
    "GetResourcePolicy",
    "PutResourcePolicy",
];

/// Answers one Glue call.
pub fn answer(state: &State, caller: &Caller<'_>, target: &str, body: &[u8]) -> JsonReply {
    let Some(op) = target.strip_prefix("AWSGlue.") else {
        return JsonReply::bad(
            "UnknownOperationException",
            &format!("`{target}` is not a Glue operation (X-Amz-Target: AWSGlue.OPERATION)"),
        );
    };
    let input = match parse_body(body) {
        Ok(input) => input,
        Err(reply) => return reply,
    };
    let result = match op {
        "GetDatabase" => databases::get(state, caller, &input),
        "GetDatabases" => databases::list(state, caller, &input),
        "CreateDatabase" => databases::create(state, caller, &input),
        "DeleteDatabase" => databases::delete(state, caller, &input),
        "GetTable" => tables::get(state, caller, &input),
        "GetTables" => tables::list(state, caller, &input),
        "CreateTable" => tables::create(state, caller, &input),
        "DeleteTable" => tables::delete(state, caller, &input),
        "GetPartitions" => tables::partitions(state, caller, &input),
        "GetResourcePolicy" => policy::get(state, caller, &input),
        "PutResourcePolicy" => policy::put(state, caller, &input),
        other => Err(not_implemented("Glue", other, OPERATIONS)),
    };
    match result {
        Ok(value) => JsonReply::ok(&value),
        Err(reply) => reply,
    }
}

/// An operation xacct serve does not answer: refused, never let through unchecked.
pub fn not_implemented(service: &str, op: &str, served: &[&str]) -> JsonReply {
    JsonReply::error(
        hyper::StatusCode::NOT_IMPLEMENTED,
        "NotImplemented",
        &format!(
            "xacct serve does not serve {service} {op} yet: it serves {}",
            served.join(", ")
        ),
    )
}

/// A JSON request body (an empty body is `{}`).
pub fn parse_body(body: &[u8]) -> Result<Value, JsonReply> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|error| {
        JsonReply::bad(
            "SerializationException",
            &format!("the request body is not JSON: {error}"),
        )
    })
}

/// Sets `key` on a JSON object (a no-op on anything else).
pub(crate) fn set(value: &mut Value, key: &str, field: Value) {
    if let Some(object) = value.as_object_mut() {
        object.insert(key.to_owned(), field);
    }
}

pub(crate) fn text<'v>(input: &'v Value, field: &str) -> Option<&'v str> {
    input.get(field).and_then(Value::as_str)
}

/// Glue's answer to a missing required field.
pub(crate) fn required<'v>(input: &'v Value, field: &str) -> Result<&'v str, JsonReply> {
    text(input, field)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| {
            JsonReply::bad(
                "InvalidInputException",
                &format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"),
            )
        })
}

/// The catalog a request names (`CatalogId`), the caller's own when it names none.
pub(crate) fn catalog_id(caller: &Caller<'_>, input: &Value) -> Result<AccountId, JsonReply> {
    let id = text(input, "CatalogId")
        .map(str::to_owned)
        .unwrap_or_else(|| caller.account());
    id.parse().map_err(|_| {
        JsonReply::bad(
            "InvalidInputException",
            &format!("CatalogId `{id}` is not a 12-digit account id"),
        )
    })
}

/// A database (and optionally table) of one catalog, for its ARNs.
pub(crate) fn reference(
    caller: &Caller<'_>,
    account: AccountId,
    database: &str,
    table: &str,
) -> TableRef {
    TableRef {
        account,
        region: caller.region.to_owned(),
        database: database.to_owned(),
        table: table.to_owned(),
    }
}

/// Glue's answer for a database or table that does not exist.
pub(crate) fn not_found(message: String) -> JsonReply {
    JsonReply::bad("EntityNotFoundException", &message)
}

/// The catalog of `account` in `region`, made when a client first writes to it: a new
/// account's Data Catalog uses only IAM access control, AWS's default
/// (<https://docs.aws.amazon.com/lake-formation/latest/dg/change-settings.html>).
pub(crate) fn ensure_catalog(state: &State, account: AccountId, region: &str) {
    let mut world = state.engine.world_mut();
    world
        .lake
        .catalogs
        .entry((account, region.to_owned()))
        .or_insert_with(|| Catalog {
            account,
            region: region.to_owned(),
            admins: vec![crate::iam::admin_arn(&account.to_string())],
            iam_allowed_by_default: true,
            databases: std::collections::BTreeMap::new(),
            tables: std::collections::BTreeMap::new(),
            locations: Vec::new(),
        });
}

/// Makes each account's administrator profile of xacct serve a data lake administrator of its
/// catalogs: the account's administrator sets Lake Formation up (PutDataLakeSettings), and the
/// runbooks `xacct plan` writes grant as that profile.
pub fn add_lake_admins(state: &State) {
    let mut world = state.engine.world_mut();
    for catalog in world.lake.catalogs.values_mut() {
        let admin = crate::iam::admin_arn(&catalog.account.to_string());
        if !catalog.admins.contains(&admin) {
            catalog.admins.push(admin);
        }
    }
}

/// Whether the caller is a data lake administrator of `account`'s catalog.
pub(crate) fn lake_admin(state: &State, caller: &Caller<'_>, account: AccountId) -> bool {
    let arn = caller.credential.identity.arn.clone();
    state
        .engine
        .world()
        .lake
        .catalog(account, caller.region)
        .is_some_and(|catalog| catalog.admins.contains(&arn))
}
