//! AWS services that can act through a role: a role whose trust lets in a service
//! (`ec2.amazonaws.com`, `glue.amazonaws.com`) is used by that service on behalf of whoever
//! hands the role to it: EC2 through an instance profile, the others through `iam:PassRole`
//! when a job, function or cluster is created with the role. The answer names the service and
//! those ways in, so a role only a service may assume is not answered "no principal can".
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>

use super::{
    identity_policies, trusted_entries, Kind, Reach, Screen, WhoCan, WhoCanError, WhoCanQuery,
};
use crate::callers::{CallerIndex, Entry};
use xacct_eval::{authorize, ContextValue, Decision};
use xacct_policy::ActionName;
use xacct_policy::{Effect, PrincipalEntry};
use xacct_world::{Role, Session, World};

/// The services `role`'s trust policy names in its Allow statements.
pub(super) fn trusted_services(role: &Role) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in trusted_entries(role) {
        if let PrincipalEntry::Service { name } = entry {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
    }
    out
}

/// Whether the principal has an identity Allow statement whose action covers `iam:PassRole`.
fn passes(world: &World, entry: &Entry<'_>) -> bool {
    let Ok(pass_role) = "iam:PassRole".parse::<ActionName>() else {
        return false;
    };
    identity_policies(world, entry).iter().any(|policy| {
        policy.policy.statements.iter().any(|statement| {
            statement.effect == Effect::Allow && statement.action.covers(&pass_role)
        })
    })
}

/// The principals with an identity Allow statement whose action covers `iam:PassRole`, in id
/// order. `known`: those of the world the question is asked of, found before (by ARN), when
/// `world` is that world or that world with stand-ins (whose accounts it does not hold).
fn passers<'w>(
    world: &World,
    callers: &CallerIndex<'w>,
    known: Option<(&[String], &World)>,
) -> Vec<Entry<'w>> {
    let Some((arns, base)) = known else {
        return callers
            .entries()
            .filter(|(_, entry)| passes(world, entry))
            .map(|(_, entry)| *entry)
            .collect();
    };
    let mut ids: Vec<crate::callers::Id> = arns.iter().filter_map(|arn| callers.id(arn)).collect();
    ids.extend(
        callers
            .entries()
            .filter(|(_, entry)| !base.accounts.contains_key(&entry.account))
            .filter(|(_, entry)| passes(world, entry))
            .map(|(id, _)| id),
    );
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| callers.entry(id).copied())
        .collect()
}

/// The ARNs of the principals of `world` that may pass a role, in id order.
pub(super) fn passer_arns(world: &World, callers: &CallerIndex<'_>) -> Vec<String> {
    passers(world, callers, None)
        .into_iter()
        .map(|entry| entry.arn.to_owned())
        .collect()
}

/// Whether `service` may assume `role`, decided by the engine on the trust policy.
pub(super) fn service_assumes(
    world: &World,
    service: &str,
    role: &str,
) -> Result<bool, WhoCanError> {
    let request = world
        .service_request(service, "sts:AssumeRole", role)
        .map_err(|error| WhoCanError(error.to_string()))?;
    Ok(authorize(&request).decision == Decision::Allow)
}

/// The ways `service` gets `role`: the instance profiles holding it (for EC2) and the
/// principals allowed to pass it to the service.
fn ways_in(
    world: &World,
    passers: &[Entry<'_>],
    service: &str,
    role: &str,
) -> Result<Vec<String>, WhoCanError> {
    let mut out = Vec::new();
    if service == "ec2.amazonaws.com" {
        out.extend(
            world
                .instance_profiles
                .values()
                .filter(|profile| profile.role == role)
                .map(|profile| format!("instance profile {}", profile.arn)),
        );
    }
    let context = [(
        "iam:PassedToService".to_owned(),
        ContextValue::Single(service.to_owned()),
    )];
    // Only principals with an identity statement that may allow the pass are decided (the
    // screen of the final request, on `iam:PassRole` and the role).
    let Ok(pass_role) = "iam:PassRole".parse::<ActionName>() else {
        return Ok(out);
    };
    let account = world.roles.get(role).map(|found| found.account);
    let screen = Screen::new(pass_role, role.to_owned(), account, &[]);
    let principals = passers
        .iter()
        .filter(|entry| screen.may_allow(world, entry))
        .map(|entry| entry.principal());
    for principal in principals {
        let arn = principal.arn().to_owned();
        let request = world
            .request(&Session::of(principal), "iam:PassRole", role, &context)
            .map_err(|error| WhoCanError(error.to_string()))?;
        if authorize(&request).decision == Decision::Allow {
            out.push(format!("iam:PassRole by {arn}"));
        }
    }
    Ok(out)
}

/// Adds the services that can: through each role that can (its chain one role longer), and,
/// when the question is `sts:AssumeRole` on a role, the services its trust lets in directly.
pub(super) fn add(
    world: &World,
    callers: &CallerIndex<'_>,
    known: Option<(&[String], &World)>,
    query: &WhoCanQuery,
    answer: &mut WhoCan,
) -> Result<(), WhoCanError> {
    let mut added: Vec<Reach> = Vec::new();
    // Who may pass some role at all, found once, when a service can: each role then screens
    // only them.
    let mut passers: Option<Vec<Entry<'_>>> = None;
    let reached: Vec<(String, Vec<String>)> = answer
        .principals
        .iter()
        .filter(|reach| reach.kind == Kind::Role)
        .map(|reach| (reach.principal.clone(), reach.chain.clone()))
        .collect();
    let mut roles: Vec<(String, Vec<String>)> = reached
        .into_iter()
        .map(|(role, chain)| {
            let mut full = vec![role.clone()];
            full.extend(chain);
            (role, full)
        })
        .collect();
    if query.action.eq_ignore_ascii_case("sts:AssumeRole")
        && world.roles.contains_key(&query.resource)
    {
        roles.push((query.resource.clone(), Vec::new()));
    }
    for (role_arn, chain) in roles {
        let Some(role) = world.roles.get(&role_arn) else {
            continue;
        };
        for service in trusted_services(role) {
            if !service_assumes(world, &service, &role_arn)? {
                continue;
            }
            answer.evaluated += 1;
            added.push(Reach {
                principal: service.clone(),
                kind: Kind::Service,
                role: Some(role_arn.clone()),
                through: ways_in(
                    world,
                    passers.get_or_insert_with(|| self::passers(world, callers, known)),
                    &service,
                    &role_arn,
                )?,
                chain: chain.clone(),
                external_ids: Default::default(),
                allowed_by: Vec::new(),
                session_names: Default::default(),
                access_point: None,
            });
        }
    }
    answer.principals.extend(added);
    Ok(())
}
