//! Registered data locations: RegisterResource, DeregisterResource, ListResources. A location
//! registered with the service-linked role makes that role exist in the world with the S3
//! permissions Lake Formation gives it on every location it holds, so the credentials vended
//! for a table are decided as that role.
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/register-data-lake.html>
//! <https://docs.aws.amazon.com/lake-formation/latest/dg/service-linked-roles.html>

use super::{authorize, invalid};
use crate::catalog_calls::{decide_iam, Caller};
use crate::glue::{ensure_catalog, required, text};
use crate::json_reply::JsonReply;
use crate::State;
use serde_json::{json, Value};
use std::sync::Arc;
use xacct_eval::SourcedPolicy;
use xacct_lake::Location;
use xacct_policy::{parse_policy, AccountId, PolicyKind, SourceFile};
use xacct_world::model::Role;

/// The service-linked role Lake Formation vends credentials of for locations registered with
/// `UseServiceLinkedRole`.
pub fn service_linked_role(account: AccountId) -> String {
    format!("arn:aws:iam::{account}:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess")
}

/// `s3://bucket/prefix` of an S3 ARN `arn:aws:s3:::bucket/prefix`.
fn path_of(arn: &str) -> Result<String, JsonReply> {
    arn.strip_prefix("arn:aws:s3:::")
        .filter(|rest| !rest.is_empty())
        .map(|rest| format!("s3://{rest}"))
        .ok_or_else(|| {
            invalid(&format!(
                "ResourceArn `{arn}` is not an S3 ARN (arn:aws:s3:::BUCKET/PREFIX)"
            ))
        })
}

/// `(bucket, prefix)` of `s3://bucket/prefix`, the prefix without a trailing `/`.
pub(crate) fn split(path: &str) -> (String, String) {
    let rest = path.trim_start_matches("s3://");
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (bucket.to_owned(), prefix.trim_end_matches('/').to_owned())
}

/// The S3 statements Lake Formation puts in the service-linked role's inline policy for the
/// locations registered with it.
fn role_policy(account: AccountId, paths: &[String]) -> Option<SourcedPolicy> {
    let mut statements = Vec::new();
    for path in paths {
        let (bucket, prefix) = split(path);
        let objects = if prefix.is_empty() {
            format!("arn:aws:s3:::{bucket}/*")
        } else {
            format!("arn:aws:s3:::{bucket}/{prefix}/*")
        };
        statements.push(json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": objects}));
        statements.push(json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": format!("arn:aws:s3:::{bucket}")}));
    }
    if statements.is_empty() {
        return None;
    }
    let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    let label = format!("the registered locations of Lake Formation in {account} (inline policy of its service-linked role)");
    let parsed = parse_policy(&text, PolicyKind::Identity);
    let source = SourceFile::new(label.clone(), text);
    Some(SourcedPolicy::new(Arc::new(parsed.policy), label).with_source(source))
}

/// Makes the service-linked role of `account` match its registered locations.
fn sync_service_linked_role(state: &State, account: AccountId) {
    let arn = service_linked_role(account);
    let mut world = state.engine.world_mut();
    let paths: Vec<String> = world
        .lake
        .catalogs
        .values()
        .filter(|catalog| catalog.account == account)
        .flat_map(|catalog| catalog.locations.iter())
        .filter(|location| location.role.as_deref() == Some(arn.as_str()))
        .map(|location| location.path.clone())
        .collect();
    let policies: Vec<SourcedPolicy> = role_policy(account, &paths).into_iter().collect();
    if let Some(role) = world.roles.get_mut(&arn) {
        role.policies = policies;
        return;
    }
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lakeformation.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string();
    let parsed = parse_policy(&trust, PolicyKind::Trust);
    let label = format!("trust policy of {arn}");
    let trust = SourcedPolicy::new(Arc::new(parsed.policy), label.clone())
        .with_source(SourceFile::new(label, trust));
    world.roles.insert(
        arn.clone(),
        Box::new(Role {
            arn,
            account,
            name: "AWSServiceRoleForLakeFormationDataAccess".to_owned(),
            path: "/aws-service-role/lakeformation.amazonaws.com/".to_owned(),
            trust,
            policies,
            boundary: None,
            tags: xacct_world::Tags::new(),
            max_session_duration: 3600,
            service_linked: true,
            origin: crate::iam::origin(format!(
                "the service-linked role of Lake Formation in {account}, made by RegisterResource"
            )),
        }),
    );
}

/// RegisterResource: `lakeformation:RegisterResource`; with a role of one's own (`RoleArn`),
/// `iam:PassRole` of it to `lakeformation.amazonaws.com`; with the service-linked role, the IAM
/// calls Lake Formation makes with the caller's permissions to create it (the first time) and
/// to extend its inline policy to the location: `iam:CreateServiceLinkedRole` (with
/// `iam:AWSServiceName`) and `iam:PutRolePolicy` on it, as the data lake administrator's
/// suggested policy grants them
/// (<https://docs.aws.amazon.com/lake-formation/latest/dg/registration-role.html>).
pub fn register(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "RegisterResource")?;
    let path = path_of(required(input, "ResourceArn")?)?;
    let account: AccountId = caller
        .account()
        .parse()
        .map_err(|_| invalid("the caller has no account"))?;
    let service_linked = input
        .get("UseServiceLinkedRole")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let role = match (service_linked, text(input, "RoleArn")) {
        (true, _) | (false, None) => {
            let role = service_linked_role(account);
            if !state.engine.world().roles.contains_key(&role) {
                let named = [(
                    "iam:AWSServiceName".to_owned(),
                    xacct_eval::ContextValue::Single("lakeformation.amazonaws.com".to_owned()),
                )];
                decide_iam(state, caller, "iam:CreateServiceLinkedRole", &role, &named)?;
            }
            decide_iam(state, caller, "iam:PutRolePolicy", &role, &[])?;
            role
        }
        (false, Some(role)) => {
            let session = caller.credential.identity.session();
            let verdict = crate::iam::authorize_pass_role(
                &state.engine,
                &session,
                role,
                "lakeformation.amazonaws.com",
            )
            .map_err(|error| JsonReply::bad("AccessDeniedException", &error.to_string()))?;
            if !verdict.allowed {
                let mut reply = JsonReply::bad("AccessDeniedException", &verdict.message);
                reply.explanation = Some(verdict.reason);
                return Err(reply);
            }
            role.to_owned()
        }
    };
    let hybrid = input
        .get("HybridAccessEnabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    ensure_catalog(state, account, caller.region);
    {
        let mut world = state.engine.world_mut();
        let Some(catalog) = world
            .lake
            .catalogs
            .get_mut(&(account, caller.region.to_owned()))
        else {
            return Err(invalid("the catalog does not exist"));
        };
        if catalog
            .locations
            .iter()
            .any(|location| location.path.trim_end_matches('/') == path.trim_end_matches('/'))
        {
            return Err(JsonReply::bad(
                "AlreadyExistsException",
                "Resource is already registered",
            ));
        }
        catalog.locations.push(Location {
            path,
            role: Some(role),
            hybrid,
            opted_in: Vec::new(),
        });
    }
    sync_service_linked_role(state, account);
    Ok(json!({}))
}

/// DeregisterResource.
pub fn deregister(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "DeregisterResource")?;
    let path = path_of(required(input, "ResourceArn")?)?;
    let account: AccountId = caller
        .account()
        .parse()
        .map_err(|_| invalid("the caller has no account"))?;
    let removed = {
        let mut world = state.engine.world_mut();
        world
            .lake
            .catalogs
            .get_mut(&(account, caller.region.to_owned()))
            .is_some_and(|catalog| {
                let before = catalog.locations.len();
                catalog.locations.retain(|location| {
                    location.path.trim_end_matches('/') != path.trim_end_matches('/')
                });
                catalog.locations.len() < before
            })
    };
    if !removed {
        return Err(JsonReply::bad(
            "EntityNotFoundException",
            "Resource is not registered",
        ));
    }
    sync_service_linked_role(state, account);
    Ok(json!({}))
}

/// ListResources: the caller's account's registered locations.
pub fn list(state: &State, caller: &Caller<'_>, _input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "ListResources")?;
    let account: AccountId = caller
        .account()
        .parse()
        .map_err(|_| invalid("the caller has no account"))?;
    let world = state.engine.world();
    let listed: Vec<Value> = world
        .lake
        .catalog(account, caller.region)
        .map(|catalog| {
            catalog
                .locations
                .iter()
                .map(|location| {
                    let arn = format!("arn:aws:s3:::{}", location.path.trim_start_matches("s3://"));
                    json!({"ResourceArn": arn, "RoleArn": location.role, "HybridAccessEnabled": location.hybrid})
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(json!({"ResourceInfoList": listed}))
}
