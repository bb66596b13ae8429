//! GetTemporaryGlueTableCredentials: Lake Formation's credential vending for a table whose
//! data sits in a registered location. Decided as `xacct check` decides the data step of a
//! table read: `lakeformation:GetDataAccess` on the caller's Lake Formation catalog (IAM),
//! SELECT on the table the name resolves to, through a resource link (Lake Formation); the
//! table must be governed by Lake Formation and its location registered
//! (`xacct_paths::table::vended_location`). The credentials act as the location's role (the
//! service-linked role, or the role registered with it) with a session policy that lets them
//! read only objects under the table's location, as Lake Formation's scope-down policy does.
//! Whoever calls this API is an engine outside AWS's analytics services, so the application
//! integration settings decide too (`xacct_lake::external`): a `LakeFormationAuthorizedCaller`
//! session tag they authorize, or full table access where they allow it.
//! <https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_GetTemporaryGlueTableCredentials.html>
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/access-control-underlying-data.html>

use super::invalid;
use super::locations::split;
use crate::catalog_calls::{decide_iam, first_refusal, Caller};
use crate::glue::required;
use crate::identity::Identity;
use crate::json_reply::JsonReply;
use crate::State;
use hyper::StatusCode;
use serde_json::{json, Value};
use xacct_lake::{CatalogObject, Requester};
use xacct_paths::table::{calls_for, data_access_arn, lake_verdicts, vended_location};
use xacct_policy::AccountId;
use xacct_world::{Principal, Session};

/// `(region, account, database, table)` of `arn:aws:glue:REGION:ACCOUNT:table/DB/NAME`.
fn table_arn(arn: &str) -> Option<(String, AccountId, String, String)> {
    let rest = arn.strip_prefix("arn:aws:glue:")?;
    let mut fields = rest.splitn(3, ':');
    let region = fields.next()?.to_owned();
    let account = fields.next()?.parse().ok()?;
    let (database, table) = fields.next()?.strip_prefix("table/")?.split_once('/')?;
    (!database.is_empty() && !table.is_empty())
        .then(|| (region, account, database.to_owned(), table.to_owned()))
}

/// The session policy that keeps vended credentials to the table's location: its objects, and
/// listing under its prefix.
pub fn scope_policy(location: &str) -> String {
    let (bucket, prefix) = split(location);
    let (objects, prefixes) = if prefix.is_empty() {
        (format!("arn:aws:s3:::{bucket}/*"), json!(["*"]))
    } else {
        (
            format!("arn:aws:s3:::{bucket}/{prefix}/*"),
            json!([prefix.clone(), format!("{prefix}/"), format!("{prefix}/*")]),
        )
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": objects},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": format!("arn:aws:s3:::{bucket}"),
             "Condition": {"StringLike": {"s3:prefix": prefixes}}},
        ],
    })
    .to_string()
}

/// The SELECT decision of check's read (the Lake Formation need of its last call, the
/// partitions of the target).
fn select_refusal(
    state: &State,
    requester: &Requester,
    object: &CatalogObject,
) -> Option<JsonReply> {
    let calls = calls_for(object, &[]);
    let need = calls.last().and_then(|call| call.lake.clone())?;
    let verdicts = lake_verdicts(&state.engine.world(), requester, &need);
    first_refusal(&verdicts)
}

/// GetTemporaryGlueTableCredentials (read permissions only).
pub fn table_credentials(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
) -> Result<Value, JsonReply> {
    let arn = required(input, "TableArn")?;
    let (region, account, database, table) = table_arn(arn).ok_or_else(|| {
        invalid(&format!(
            "TableArn `{arn}` is not a table ARN (arn:aws:glue:REGION:ACCOUNT:table/DATABASE/TABLE)"
        ))
    })?;
    let asked: Vec<&str> = input
        .get("Permissions")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(other) = asked.iter().find(|p| !matches!(**p, "SELECT" | "DESCRIBE")) {
        return Err(invalid(&format!(
            "xacct serve vends read credentials only (SELECT): `{other}` is not served"
        )));
    }
    let duration = input
        .get("DurationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(3600);
    if !(900..=43_200).contains(&duration) {
        return Err(invalid(&format!(
            "DurationSeconds {duration} is not between 900 and 43200"
        )));
    }
    let requester = caller.requester(state)?;
    let resolved = state
        .engine
        .world()
        .lake
        .resolve(account, &region, &database, &table);
    let object =
        resolved.map_err(|error| JsonReply::bad("EntityNotFoundException", &error.to_string()))?;
    // Check asks for credentials only where Lake Formation vends them (a governed table in a
    // registered location), then `lakeformation:GetDataAccess`, with SELECT on the table.
    let (location, role, known, registered) = {
        let world = state.engine.world();
        let Some(registered) = vended_location(&world, &requester, &object.target) else {
            return Err(invalid(&format!(
                "Lake Formation vends no credentials for {}: its location is not registered with Lake Formation, or IAMAllowedPrincipals leaves the table to IAM (read it with your own S3 access)",
                object.target
            )));
        };
        let location = world
            .lake
            .table(&object.target)
            .and_then(|found| found.location.clone())
            .unwrap_or_else(|| registered.path.clone());
        let role = registered
            .role
            .clone()
            .unwrap_or_else(|| super::locations::service_linked_role(object.target.account));
        let known = world.roles.contains_key(&role);
        (location, role, known, registered.path.clone())
    };
    decide_iam(
        state,
        caller,
        "lakeformation:GetDataAccess",
        &data_access_arn(&requester, &region),
        &[],
    )?;
    if let Some(refusal) = select_refusal(state, &requester, &object) {
        return Err(refusal);
    }
    // Whoever calls the API is an engine outside AWS's analytics services (those are not
    // rehearsed here): the data lake settings must let it in.
    let tag = caller
        .credential
        .identity
        .tags
        .get(xacct_lake::AUTHORIZED_CALLER_TAG)
        .cloned();
    let admitted =
        state
            .engine
            .world()
            .lake
            .admit_external_engine(&requester, tag.as_deref(), &object.target);
    if let Err(refusal) = admitted {
        let mut reply = JsonReply::bad("AccessDeniedException", &refusal.reason);
        let commands: Vec<String> = refusal
            .remedies
            .iter()
            .map(xacct_lake::Remedy::cli)
            .collect();
        if !commands.is_empty() {
            reply.explanation = Some(format!("to let it in: {}", commands.join(" ; ")));
        }
        return Err(reply);
    }
    if !known {
        return Err(JsonReply::bad(
            "AccessDeniedException",
            &format!("Lake Formation cannot assume {role}, the role registered for {registered}: it is not a role of the served world"),
        ));
    }
    // Lake Formation assumes the location's role: its trust policy must let it.
    // <https://docs.aws.amazon.com/lake-formation/latest/dg/registration-role.html>
    let trusted = state
        .engine
        .decide_service("lakeformation.amazonaws.com", "sts:AssumeRole", &role)
        .map_err(|error| JsonReply::bad("AccessDeniedException", &error.to_string()))?;
    if !trusted.allowed {
        let mut reply = JsonReply::bad(
            "AccessDeniedException",
            &format!("Lake Formation cannot assume {role}, the role registered for {registered}: its trust policy does not let lakeformation.amazonaws.com assume it"),
        );
        reply.explanation = Some(trusted.reason);
        return Err(reply);
    }
    let policy = scope_policy(&location);
    let mut session = Session::of(Principal::Role(role));
    session.session_name = Some(format!("AWSLF-00-GL-{}", requester.account));
    let identity = Identity::of(&session, Some(policy));
    let credential = state
        .keys
        .issue(identity, true, Some(state.expiry(duration)))
        .map_err(|error| {
            JsonReply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServiceException",
                &error.to_string(),
            )
        })?;
    Ok(json!({
        "AccessKeyId": credential.access_key_id,
        "SecretAccessKey": credential.secret_access_key,
        "SessionToken": credential.session_token,
        "Expiration": credential.expires,
        "VendedS3Path": [location],
    }))
}
