//! Grants: CreateGrant, ListGrants, RetireGrant and RevokeGrant. A grant CreateGrant makes goes
//! into the world as the policy `xacct check` reads a declared grant as
//! ([`xacct_world::kms_grant::grant_document`]), so the engine decides a grantee's Decrypt,
//! Encrypt or GenerateDataKey (and their encryption context constraints) by the same rule.
//! <https://docs.aws.amazon.com/kms/latest/developerguide/grants.html>

use super::{authorize_with, key_record, not_found, required, store, text, Caller, KmsReply};
use crate::store::GrantRecord;
use crate::State;
use rand::Rng as _;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use xacct_eval::{ContextValue, SourcedPolicy};
use xacct_policy::{parse_policy, Arn, PolicyKind, SourceFile};
use xacct_world::kms_grant::{grant_document, grant_operation, GrantConstraint};

fn label(id: &str, arn: &str) -> String {
    format!("KMS grant `{id}` on {arn}")
}

fn constraint(record: &GrantRecord) -> Option<GrantConstraint> {
    record.constraint.as_ref().map(|(kind, pairs)| {
        if kind == "EncryptionContextEquals" {
            GrantConstraint::Equals(pairs.clone())
        } else {
            GrantConstraint::Subset(pairs.clone())
        }
    })
}

/// The grant as the policy the engine reads.
fn policy(arn: &str, record: &GrantRecord) -> Option<SourcedPolicy> {
    let operations: Vec<&str> = record.operations.iter().map(String::as_str).collect();
    let document = grant_document(&record.grantee, &operations, constraint(record).as_ref())?;
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    let label = label(&record.id, arn);
    let source = SourceFile::new(format!("xacct serve ({label}, as policy statements)"), text);
    let parsed = parse_policy(source.text(), PolicyKind::Resource);
    Some(SourcedPolicy::new(Arc::new(parsed.policy), label).with_source(source))
}

/// Puts a grant into the world (at CreateGrant, and at start for the grants of earlier runs).
pub(super) fn add_to_world(state: &State, arn: &str, record: &GrantRecord) {
    if let Some(policy) = policy(arn, record) {
        if let Some(key) = state.engine.world_mut().keys.get_mut(arn) {
            key.grants.push(policy);
        }
    }
}

fn remove(state: &State, arn: &str, id: &str) -> Result<(), KmsReply> {
    let mut record = key_record(state, arn)?;
    let before = record.grants.len();
    record.grants.retain(|grant| grant.id != id);
    if record.grants.len() == before {
        return Err(KmsReply::bad(
            "NotFoundException",
            &format!("Grant ID {id} not found"),
        ));
    }
    store(state, arn, &record)?;
    let wanted = label(id, arn);
    if let Some(key) = state.engine.world_mut().keys.get_mut(arn) {
        key.grants.retain(|grant| grant.label != wanted);
    }
    Ok(())
}

fn validation(message: &str) -> KmsReply {
    KmsReply::bad("ValidationException", message)
}

fn principal_arn(value: &str, field: &str) -> Result<String, KmsReply> {
    let account = value.parse::<Arn>().ok().and_then(|arn| arn.account());
    if account.is_none() {
        return Err(validation(&format!(
            "{field} `{value}` is not the ARN of an AWS principal"
        )));
    }
    Ok(value.to_owned())
}

fn pairs(value: &Value) -> Result<BTreeMap<String, String>, KmsReply> {
    let object = value
        .as_object()
        .ok_or_else(|| validation("an encryption context constraint is a map of strings"))?;
    object
        .iter()
        .map(|(key, value)| {
            value
                .as_str()
                .map(|value| (key.clone(), value.to_owned()))
                .ok_or_else(|| validation("an encryption context constraint is a map of strings"))
        })
        .collect()
}

fn hex_id() -> String {
    let mut bytes = [0_u8; 32];
    rand::thread_rng().fill(&mut bytes);
    hex::encode(bytes)
}

/// CreateGrant on `arn`: authorized as `kms:CreateGrant` with the grant's condition keys
/// (`kms:GranteePrincipal`, `kms:RetiringPrincipal`, `kms:GrantOperations`).
pub(super) fn create(
    state: &State,
    caller: &Caller<'_>,
    arn: &str,
    input: &Value,
) -> Result<Value, KmsReply> {
    let grantee = principal_arn(required(input, "GranteePrincipal")?, "GranteePrincipal")?;
    let retiring = text(input, "RetiringPrincipal")
        .map(|value| principal_arn(value, "RetiringPrincipal"))
        .transpose()?;
    let mut operations = Vec::new();
    for operation in input
        .get("Operations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = operation.as_str().unwrap_or_default();
        let known = grant_operation(name).ok_or_else(|| {
            validation(&format!(
                "1 validation error detected: Value '[{name}]' at 'operations' failed to satisfy constraint: Member must satisfy enum value set"
            ))
        })?;
        if !operations.iter().any(|seen: &String| seen == known) {
            operations.push(known.to_owned());
        }
    }
    if operations.is_empty() {
        return Err(validation(
            "Operations must name at least one grant operation",
        ));
    }
    let constraints = input.get("Constraints");
    let subset = constraints.and_then(|value| value.get("EncryptionContextSubset"));
    let equals = constraints.and_then(|value| value.get("EncryptionContextEquals"));
    let constraint = match (subset, equals) {
        (Some(_), Some(_)) => {
            return Err(validation(
                "A grant constraint has either EncryptionContextSubset or EncryptionContextEquals, not both",
            ))
        }
        (Some(value), None) => Some(("EncryptionContextSubset".to_owned(), pairs(value)?)),
        (None, Some(value)) => Some(("EncryptionContextEquals".to_owned(), pairs(value)?)),
        (None, None) => None,
    };
    let mut keys = vec![
        (
            "kms:GranteePrincipal".to_owned(),
            ContextValue::Single(grantee.clone()),
        ),
        (
            "kms:GrantOperations".to_owned(),
            ContextValue::Multi(operations.clone()),
        ),
    ];
    if let Some(retiring) = &retiring {
        keys.push((
            "kms:RetiringPrincipal".to_owned(),
            ContextValue::Single(retiring.clone()),
        ));
    }
    if let Some((kind, _)) = &constraint {
        keys.push((
            "kms:GrantConstraintType".to_owned(),
            ContextValue::Single(kind.clone()),
        ));
    }
    authorize_with(
        state,
        caller,
        "kms:CreateGrant",
        arn,
        &BTreeMap::new(),
        keys.clone(),
    )?;
    within_parent(state, caller, arn, &operations, constraint.as_ref(), keys)?;
    if super::states::key_state(state, arn) == super::states::PENDING_DELETION {
        return Err(KmsReply::bad(
            "KMSInvalidStateException",
            &format!("{arn} is pending deletion."),
        ));
    }
    let grant = GrantRecord {
        id: hex_id(),
        token: hex_id(),
        name: text(input, "Name").map(str::to_owned),
        grantee,
        retiring,
        issuer: caller.credential.identity.account(),
        operations,
        constraint,
        created: jiff::Timestamp::now().as_second(),
    };
    let mut record = key_record(state, arn)?;
    record.grants.push(grant.clone());
    store(state, arn, &record)?;
    add_to_world(state, arn, &grant);
    Ok(json!({"GrantId": grant.id, "GrantToken": grant.token}))
}

/// Whether constraint `new` is as strict as `parent` or stricter: a subset constraint may
/// only gain pairs, an equals constraint stays the same.
fn as_strict(
    new: Option<&(String, BTreeMap<String, String>)>,
    parent: Option<&(String, BTreeMap<String, String>)>,
) -> bool {
    let holds = |pairs: &BTreeMap<String, String>, within: &BTreeMap<String, String>| {
        within
            .iter()
            .all(|(key, value)| pairs.get(key) == Some(value))
    };
    match (parent, new) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some((parent_kind, parent_pairs)), Some((kind, pairs))) => {
            if parent_kind == "EncryptionContextEquals" {
                kind == parent_kind && pairs == parent_pairs
            } else {
                holds(pairs, parent_pairs)
            }
        }
    }
}

/// A principal whose `kms:CreateGrant` comes from a grant (not from the key policy or IAM)
/// may create only grants within that grant: its operations, and a constraint as strict or
/// stricter.
/// <https://docs.aws.amazon.com/kms/latest/developerguide/create-grant-overview.html>
fn within_parent(
    state: &State,
    caller: &Caller<'_>,
    arn: &str,
    operations: &[String],
    constraint: Option<&(String, BTreeMap<String, String>)>,
    keys: Vec<(String, ContextValue)>,
) -> Result<(), KmsReply> {
    let identity = &caller.credential.identity;
    let session = identity.session();
    let keys = super::condition_keys(caller, &BTreeMap::new(), keys);
    let by_policy = state
        .engine
        .allowed_without_grants(&session, "kms:CreateGrant", arn, &keys)
        .map_err(|error| validation(&error.to_string()))?;
    if by_policy {
        return Ok(());
    }
    let callers = [identity.arn.clone(), identity.caller_arn()];
    let record = key_record(state, arn)?;
    let fits = record.grants.iter().any(|parent| {
        callers.contains(&parent.grantee)
            && parent.operations.iter().any(|op| op == "CreateGrant")
            && operations.iter().all(|op| parent.operations.contains(op))
            && as_strict(constraint, parent.constraint.as_ref())
    });
    if fits {
        return Ok(());
    }
    Err(KmsReply::bad(
        "AccessDeniedException",
        &format!(
            "User: {} is not authorized to perform: kms:CreateGrant on resource: {arn} because its CreateGrant permission comes from a grant, and this grant asks for more operations or a looser encryption context constraint than that grant has",
            identity.caller_arn()
        ),
    ))
}

/// ListGrants on `arn`: the grants CreateGrant made.
pub(super) fn list(state: &State, caller: &Caller<'_>, arn: &str) -> Result<Value, KmsReply> {
    authorize_with(
        state,
        caller,
        "kms:ListGrants",
        arn,
        &BTreeMap::new(),
        Vec::new(),
    )?;
    let record = key_record(state, arn)?;
    let grants: Vec<Value> = record
        .grants
        .iter()
        .map(|grant| {
            let mut entry = json!({
                "KeyId": arn,
                "GrantId": grant.id,
                "CreationDate": grant.created,
                "GranteePrincipal": grant.grantee,
                "IssuingAccount": format!("arn:aws:iam::{}:root", grant.issuer),
                "Operations": grant.operations,
            });
            if let Some(object) = entry.as_object_mut() {
                if let Some(name) = &grant.name {
                    object.insert("Name".to_owned(), json!(name));
                }
                if let Some(retiring) = &grant.retiring {
                    object.insert("RetiringPrincipal".to_owned(), json!(retiring));
                }
                if let Some((kind, pairs)) = &grant.constraint {
                    object.insert("Constraints".to_owned(), json!({ kind: pairs }));
                }
            }
            entry
        })
        .collect();
    Ok(json!({"Grants": grants, "Truncated": false}))
}

/// RetireGrant: by its token, or by key and grant id. "Permission to retire a grant is
/// determined primarily by the grant": its retiring principal, its grantee when the grant
/// allows RetireGrant, or the account the grant was created in (a principal of it the engine
/// allows `kms:RetireGrant` on the key).
/// <https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html>
pub(super) fn retire(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
    account: &str,
    region: &str,
) -> Result<Value, KmsReply> {
    let (arn, grant) = match text(input, "GrantToken") {
        Some(token) => {
            let found = state
                .store
                .kms_keys()
                .map_err(|error| {
                    KmsReply::error(
                        hyper::StatusCode::INTERNAL_SERVER_ERROR,
                        "KMSInternalException",
                        &error.to_string(),
                    )
                })?
                .into_iter()
                .find_map(|(arn, record)| {
                    let grant = record
                        .grants
                        .into_iter()
                        .find(|grant| grant.token == token)?;
                    Some((arn, grant))
                });
            found
                .ok_or_else(|| KmsReply::bad("InvalidGrantTokenException", "Invalid grant token"))?
        }
        None => {
            let named = required(input, "KeyId")?;
            let arn =
                super::resolve(state, named, account, region).ok_or_else(|| not_found(named))?;
            let id = required(input, "GrantId")?;
            let record = key_record(state, &arn)?;
            let grant = record
                .grants
                .into_iter()
                .find(|grant| grant.id == id)
                .ok_or_else(|| {
                    KmsReply::bad("NotFoundException", &format!("Grant ID {id} not found"))
                })?;
            (arn, grant)
        }
    };
    let identity = &caller.credential.identity;
    let callers = [identity.arn.clone(), identity.caller_arn()];
    let is = |principal: &str| callers.iter().any(|arn| arn == principal);
    let by_grant = grant.retiring.as_deref().is_some_and(is)
        || (is(&grant.grantee) && grant.operations.iter().any(|op| op == "RetireGrant"));
    if !by_grant {
        let key_account = arn.split(':').nth(4).unwrap_or_default();
        if identity.account() != key_account {
            return Err(KmsReply::bad(
                "AccessDeniedException",
                &format!(
                    "User: {} is not authorized to perform: kms:RetireGrant on resource: {arn} because the grant names it neither as its retiring principal nor as a grantee that may retire it",
                    identity.caller_arn()
                ),
            ));
        }
        authorize_with(
            state,
            caller,
            "kms:RetireGrant",
            &arn,
            &BTreeMap::new(),
            Vec::new(),
        )?;
    }
    remove(state, &arn, &grant.id)?;
    Ok(json!({}))
}

/// RevokeGrant: decided on the key policy and IAM as `kms:RevokeGrant`.
pub(super) fn revoke(
    state: &State,
    caller: &Caller<'_>,
    arn: &str,
    input: &Value,
) -> Result<Value, KmsReply> {
    let id = required(input, "GrantId")?;
    authorize_with(
        state,
        caller,
        "kms:RevokeGrant",
        arn,
        &BTreeMap::new(),
        Vec::new(),
    )?;
    remove(state, arn, id)?;
    Ok(json!({}))
}
