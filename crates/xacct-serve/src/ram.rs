//! AWS RAM on its REST-JSON protocol (`POST /<operation>`, signed for `ram`), for Glue
//! catalog shares: CreateResourceShare, AssociateResourceShare, GetResourceShares,
//! GetResourceShareInvitations, AcceptResourceShareInvitation, RejectResourceShareInvitation
//! and EnableSharingWithAwsOrganization. The world's shares (`[[share]]`) are the state: an
//! accepted invitation reaches the engine at once, so the next Glue request through the share
//! is decided on it (`Lake::share_state`). Within an organization whose management account
//! enabled sharing with it, a share needs no invitation, as in AWS.
//! <https://docs.aws.amazon.com/ram/latest/userguide/getting-started-sharing.html>
//! <https://docs.aws.amazon.com/ram/latest/userguide/working-with-shared-invitations.html>

#[cfg(test)]
mod tests;

use crate::catalog_calls::{decide_iam, Caller};
use crate::glue::{not_implemented, parse_body, required};
use crate::json_reply::JsonReply;
use crate::State;
use serde_json::{json, Value};
use sha2::Digest as _;
use xacct_lake::{Grant, GrantPrincipal, GrantResource, InvitationState, Share};
use xacct_policy::AccountId;
use xacct_world::World;

/// The operations served (by their REST path), for the refusal of any other.
pub const OPERATIONS: &[&str] = &[
    "createresourceshare",
    "associateresourceshare",
    "getresourceshares",
    "getresourceshareinvitations",
    "acceptresourceshareinvitation",
    "rejectresourceshareinvitation",
    "enablesharingwithawsorganization",
];

/// Answers one RAM call; `path` is the request path (`/acceptresourceshareinvitation`).
pub fn answer(state: &State, caller: &Caller<'_>, path: &str, body: &[u8]) -> JsonReply {
    let op = path.trim_start_matches('/').to_ascii_lowercase();
    let input = match parse_body(body) {
        Ok(input) => input,
        Err(reply) => return reply,
    };
    let result = match op.as_str() {
        "createresourceshare" => create(state, caller, &input),
        "associateresourceshare" => associate(state, caller, &input),
        "getresourceshares" => shares(state, caller, &input),
        "getresourceshareinvitations" => invitations(state, caller, &input),
        "acceptresourceshareinvitation" => respond(state, caller, &input, true),
        "rejectresourceshareinvitation" => respond(state, caller, &input, false),
        "enablesharingwithawsorganization" => enable_organization(state, caller),
        other => Err(not_implemented("RAM", other, OPERATIONS)),
    };
    match result {
        Ok(value) => JsonReply::ok(&value),
        Err(reply) => reply,
    }
}

fn authorize(state: &State, caller: &Caller<'_>, action: &str) -> Result<(), JsonReply> {
    decide_iam(state, caller, &format!("ram:{action}"), "*", &[])
}

fn bad(code: &str, message: &str) -> JsonReply {
    JsonReply::bad(code, message)
}

fn caller_account(caller: &Caller<'_>) -> Result<AccountId, JsonReply> {
    caller
        .account()
        .parse()
        .map_err(|_| bad("InvalidParameterException", "the caller has no account"))
}

/// A stable id from text (for share and invitation ARNs a scenario does not state).
fn id_of(text: &str) -> String {
    let digest = hex::encode(sha2::Sha256::digest(text.as_bytes()));
    format!(
        "{}-{}-{}-{}-{}",
        &digest[0..8],
        &digest[8..12],
        &digest[12..16],
        &digest[16..20],
        &digest[20..32]
    )
}

fn share_arn(share: &Share, region: &str) -> String {
    share.arn.clone().unwrap_or_else(|| {
        format!(
            "arn:aws:ram:{region}:{}:resource-share/{}",
            share.owner,
            id_of(&format!("{}/{}", share.owner, share.name))
        )
    })
}

fn invitation_arn(share: &Share, account: AccountId, region: &str) -> String {
    share
        .invitation_arns
        .get(&account)
        .cloned()
        .unwrap_or_else(|| {
            format!(
                "arn:aws:ram:{region}:{}:resource-share-invitation/{}",
                share.owner,
                id_of(&format!("{}/{}/{account}", share.owner, share.name))
            )
        })
}

/// Whether a share principal reaches `account`: the account itself, its organization, or a
/// unit on its path.
fn reaches(world: &World, principal: &GrantPrincipal, account: AccountId) -> bool {
    match principal {
        GrantPrincipal::Account(id) => *id == account,
        GrantPrincipal::Organization { id, .. } => {
            world.in_organization(account)
                && world.organization.as_ref().is_some_and(|org| org.id == *id)
        }
        GrantPrincipal::Unit { id, .. } => world
            .organization_path(account)
            .is_some_and(|path| path.split('/').any(|part| part == id)),
        GrantPrincipal::Principal(arn) => arn.split(':').nth(4) == Some(&account.to_string()),
        GrantPrincipal::IamAllowedPrincipals => false,
    }
}

/// Whether a share reaches `account` with no invitation: both in the organization, with
/// sharing with it enabled.
fn automatic(world: &World, share: &Share, account: AccountId) -> bool {
    world.lake.organization_sharing
        && world.in_organization(account)
        && world.in_organization(share.owner)
}

/// The invitation state of `account` for `share`: what the scenario or a client said, or
/// pending while no answer was given and the share is not automatic.
fn state_of(world: &World, share: &Share, account: AccountId) -> Option<InvitationState> {
    match share.invitations.get(&account) {
        Some(state) => Some(*state),
        None if automatic(world, share, account) => None,
        None => Some(InvitationState::Pending),
    }
}

fn status(state: InvitationState) -> &'static str {
    match state {
        InvitationState::Pending => "PENDING",
        InvitationState::Accepted => "ACCEPTED",
        InvitationState::Rejected => "REJECTED",
        InvitationState::Expired => "EXPIRED",
    }
}

fn invitation_json(
    share: &Share,
    account: AccountId,
    state: InvitationState,
    region: &str,
) -> Value {
    json!({
        "resourceShareInvitationArn": invitation_arn(share, account, region),
        "resourceShareName": share.name,
        "resourceShareArn": share_arn(share, region),
        "senderAccountId": share.owner.to_string(),
        "receiverAccountId": account.to_string(),
        "status": status(state),
    })
}

fn share_json(share: &Share, region: &str) -> Value {
    json!({
        "resourceShareArn": share_arn(share, region),
        "name": share.name,
        "owningAccountId": share.owner.to_string(),
        "allowExternalPrincipals": share.allow_external_principals,
        "status": "ACTIVE",
    })
}

fn strings(input: &Value, field: &str) -> Vec<String> {
    input
        .get(field)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The Glue resources and principals of a create or associate request, checked.
fn members(
    world: &World,
    owner: AccountId,
    input: &Value,
    external: bool,
) -> Result<(Vec<String>, Vec<GrantPrincipal>), JsonReply> {
    let resources = strings(input, "resourceArns");
    for arn in &resources {
        let glue =
            arn.starts_with("arn:aws:glue:") && arn.split(':').nth(4) == Some(&owner.to_string());
        if !glue {
            return Err(bad(
                "InvalidParameterException",
                &format!("xacct serve shares Glue Data Catalog resources of the caller's account only: `{arn}` is not one"),
            ));
        }
    }
    let mut principals = Vec::new();
    for text in strings(input, "principals") {
        let principal = GrantPrincipal::parse(&text)
            .filter(|principal| !matches!(principal, GrantPrincipal::IamAllowedPrincipals))
            .ok_or_else(|| {
                bad(
                    "MalformedArnException",
                    &format!(
                        "`{text}` is not an account id, an organization or unit ARN, or an IAM ARN"
                    ),
                )
            })?;
        if let GrantPrincipal::Account(account) = &principal {
            let inside = world.in_organization(*account) && world.in_organization(owner);
            if !external && !inside {
                return Err(bad(
                    "OperationNotPermittedException",
                    &format!("The resource share does not allow external principals, and {account} is outside your organization."),
                ));
            }
        }
        principals.push(principal);
    }
    Ok((resources, principals))
}

/// CreateResourceShare.
fn create(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "CreateResourceShare")?;
    let owner = caller_account(caller)?;
    let name = required(input, "name")?.to_owned();
    let external = input
        .get("allowExternalPrincipals")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let mut world = state.engine.world_mut();
    let (resources, principals) = members(&world, owner, input, external)?;
    let mut share = Share {
        name,
        owner,
        arn: None,
        resources,
        principals,
        allow_external_principals: external,
        invitations: std::collections::BTreeMap::new(),
        invitation_arns: std::collections::BTreeMap::new(),
        origin: "CreateResourceShare through xacct serve".to_owned(),
    };
    share.arn = Some(share_arn(&share, caller.region));
    let value = share_json(&share, caller.region);
    world.lake.shares.push(share);
    Ok(json!({"resourceShare": value}))
}

/// AssociateResourceShare: more resources or principals on one of the caller's shares.
fn associate(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "AssociateResourceShare")?;
    let owner = caller_account(caller)?;
    let arn = required(input, "resourceShareArn")?.to_owned();
    let mut world = state.engine.world_mut();
    let found = world
        .lake
        .shares
        .iter()
        .position(|share| share.owner == owner && share_arn(share, caller.region) == arn);
    let Some(index) = found else {
        return Err(bad(
            "UnknownResourceException",
            &format!("ResourceShare {arn} could not be found."),
        ));
    };
    let external = world
        .lake
        .shares
        .get(index)
        .is_some_and(|share| share.allow_external_principals);
    let (resources, principals) = members(&world, owner, input, external)?;
    let mut associations = Vec::new();
    if let Some(share) = world.lake.shares.get_mut(index) {
        for resource in resources {
            associations.push(json!({"resourceShareArn": arn, "associatedEntity": resource, "associationType": "RESOURCE", "status": "ASSOCIATED"}));
            if !share.resources.contains(&resource) {
                share.resources.push(resource);
            }
        }
        for principal in principals {
            associations.push(json!({"resourceShareArn": arn, "associatedEntity": principal.identifier(), "associationType": "PRINCIPAL", "status": "ASSOCIATED"}));
            if !share.principals.contains(&principal) {
                share.principals.push(principal);
            }
        }
    }
    Ok(json!({"resourceShareAssociations": associations}))
}

/// GetResourceShares: the caller's own (`SELF`), or those shared with its account and active
/// there (`OTHER-ACCOUNTS`).
fn shares(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "GetResourceShares")?;
    let account = caller_account(caller)?;
    let owner = required(input, "resourceOwner")?;
    let world = state.engine.world();
    let listed: Vec<Value> = world
        .lake
        .shares
        .iter()
        .filter(|share| match owner {
            "SELF" => share.owner == account,
            _ => {
                share.owner != account
                    && share.principals.iter().any(|p| reaches(&world, p, account))
                    && matches!(
                        state_of(&world, share, account),
                        None | Some(InvitationState::Accepted)
                    )
            }
        })
        .map(|share| share_json(share, caller.region))
        .collect();
    if owner != "SELF" && owner != "OTHER-ACCOUNTS" {
        return Err(bad(
            "InvalidParameterException",
            "resourceOwner must be SELF or OTHER-ACCOUNTS",
        ));
    }
    Ok(json!({"resourceShares": listed}))
}

/// Every (share index, account, state) of an invitation to the caller's account.
fn invitations_of(world: &World, account: AccountId) -> Vec<(usize, InvitationState)> {
    world
        .lake
        .shares
        .iter()
        .enumerate()
        .filter(|(_, share)| {
            share.owner != account && share.principals.iter().any(|p| reaches(world, p, account))
        })
        .filter_map(|(index, share)| Some((index, state_of(world, share, account)?)))
        .collect()
}

/// GetResourceShareInvitations: the invitations to the caller's account.
fn invitations(state: &State, caller: &Caller<'_>, input: &Value) -> Result<Value, JsonReply> {
    authorize(state, caller, "GetResourceShareInvitations")?;
    let account = caller_account(caller)?;
    let wanted = strings(input, "resourceShareInvitationArns");
    let world = state.engine.world();
    let listed: Vec<Value> = invitations_of(&world, account)
        .into_iter()
        .filter_map(|(index, invitation)| {
            let share = world.lake.shares.get(index)?;
            let arn = invitation_arn(share, account, caller.region);
            (wanted.is_empty() || wanted.contains(&arn))
                .then(|| invitation_json(share, account, invitation, caller.region))
        })
        .collect();
    Ok(json!({"resourceShareInvitations": listed}))
}

/// AcceptResourceShareInvitation / RejectResourceShareInvitation, by the invited account.
fn respond(
    state: &State,
    caller: &Caller<'_>,
    input: &Value,
    accept: bool,
) -> Result<Value, JsonReply> {
    let action = if accept {
        "AcceptResourceShareInvitation"
    } else {
        "RejectResourceShareInvitation"
    };
    authorize(state, caller, action)?;
    let account = caller_account(caller)?;
    let arn = required(input, "resourceShareInvitationArn")?.to_owned();
    let mut world = state.engine.world_mut();
    let found = invitations_of(&world, account)
        .into_iter()
        .find(|(index, _)| {
            world
                .lake
                .shares
                .get(*index)
                .is_some_and(|share| invitation_arn(share, account, caller.region) == arn)
        });
    let Some((index, current)) = found else {
        return Err(bad(
            "ResourceShareInvitationArnNotFoundException",
            &format!("ResourceShareInvitation {arn} could not be found."),
        ));
    };
    match current {
        InvitationState::Accepted => {
            return Err(bad(
                "ResourceShareInvitationAlreadyAcceptedException",
                &format!("ResourceShareInvitation {arn} has already been accepted."),
            ))
        }
        InvitationState::Rejected => {
            return Err(bad(
                "ResourceShareInvitationAlreadyRejectedException",
                &format!("ResourceShareInvitation {arn} has already been rejected."),
            ))
        }
        InvitationState::Expired => {
            return Err(bad(
                "ResourceShareInvitationExpiredException",
                &format!("ResourceShareInvitation {arn} has expired."),
            ))
        }
        InvitationState::Pending => {}
    }
    let answered = if accept {
        InvitationState::Accepted
    } else {
        InvitationState::Rejected
    };
    let Some(share) = world.lake.shares.get_mut(index) else {
        return Err(bad(
            "ResourceShareInvitationArnNotFoundException",
            &format!("ResourceShareInvitation {arn} could not be found."),
        ));
    };
    share.invitations.insert(account, answered);
    share.invitation_arns.insert(account, arn);
    let value = invitation_json(share, account, answered, caller.region);
    Ok(json!({"resourceShareInvitation": value}))
}

/// EnableSharingWithAwsOrganization: by the management account only.
fn enable_organization(state: &State, caller: &Caller<'_>) -> Result<Value, JsonReply> {
    authorize(state, caller, "EnableSharingWithAwsOrganization")?;
    let account = caller_account(caller)?;
    let mut world = state.engine.world_mut();
    let management = world
        .organization
        .as_ref()
        .is_some_and(|org| org.management_account == account);
    if !management {
        return Err(bad(
            "OperationNotPermittedException",
            "Only the management account of an organization can enable sharing with it.",
        ));
    }
    world.lake.organization_sharing = true;
    Ok(json!({"returnValue": true}))
}

/// The database a Lake Formation grant is on, for the share Lake Formation makes.
fn granted_database(resource: &GrantResource) -> Option<(AccountId, &str)> {
    match resource {
        GrantResource::Database { catalog, name } => Some((*catalog, name)),
        GrantResource::Table {
            catalog, database, ..
        } => Some((*catalog, database)),
        _ => None,
    }
}

/// A cross-account Lake Formation grant on a database or table of the grantor's catalog makes
/// a RAM share of it with the grantee, which needs an invitation accepted unless the
/// organization shares automatically (as Lake Formation does under cross-account version 2
/// and later).
/// <https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-notes.html>
pub fn share_for_grant(state: &State, region: &str, grant: &Grant) {
    let Some((catalog, database)) = granted_database(&grant.resource) else {
        return;
    };
    if catalog != grant.grantor {
        return;
    }
    let cross = match &grant.principal {
        GrantPrincipal::Account(account) => *account != grant.grantor,
        GrantPrincipal::Organization { .. } | GrantPrincipal::Unit { .. } => true,
        GrantPrincipal::Principal(arn) => arn.split(':').nth(4) != Some(&grant.grantor.to_string()),
        GrantPrincipal::IamAllowedPrincipals => false,
    };
    if !cross {
        return;
    }
    let resource = format!("arn:aws:glue:{region}:{catalog}:database/{database}");
    let mut world = state.engine.world_mut();
    let covered = world.lake.shares.iter().any(|share| {
        share.owner == grant.grantor
            && share.principals.contains(&grant.principal)
            && share.resources.iter().any(|held| {
                held.ends_with(":catalog")
                    || *held == resource
                    || held.contains(&format!(":table/{database}/"))
            })
    });
    if covered {
        return;
    }
    let name = format!(
        "LakeFormation-V4-{}",
        &id_of(&format!("{resource}/{}", grant.principal.identifier()))[..13]
    );
    world.lake.shares.push(Share {
        name,
        owner: grant.grantor,
        arn: None,
        resources: vec![resource],
        principals: vec![grant.principal.clone()],
        allow_external_principals: true,
        invitations: std::collections::BTreeMap::new(),
        invitation_arns: std::collections::BTreeMap::new(),
        origin: "the RAM share Lake Formation made for GrantPermissions through xacct serve"
            .to_owned(),
    });
}
