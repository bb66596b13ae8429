//! Which roles could possibly trust a principal, precomputed once per world so that a search
//! evaluates only plausible AssumeRole edges instead of every role in the organization.

use std::collections::HashMap;
use xacct_policy::{AccountId, Effect, PrincipalEntry};
use xacct_world::{Principal, World};

/// Roles indexed by the principals their trust policies' Allow statements name.
#[derive(Debug, Default)]
pub struct TrustIndex {
    by_role: HashMap<(AccountId, String), Vec<String>>,
    by_user: HashMap<(AccountId, String), Vec<String>>,
    by_account: HashMap<AccountId, Vec<String>>,
    everyone: Vec<String>,
}

impl TrustIndex {
    pub fn new(world: &World) -> Self {
        let mut index = Self::default();
        for role in world.roles.values() {
            for statement in &role.trust.policy.statements {
                let Some(principal) = &statement.principal else {
                    continue;
                };
                if statement.effect != Effect::Allow || principal.negated {
                    continue;
                }
                for entry in &principal.entries {
                    let target = role.arn.clone();
                    match &entry.value {
                        PrincipalEntry::Everyone => index.everyone.push(target),
                        PrincipalEntry::Account { account } => {
                            index.by_account.entry(*account).or_default().push(target)
                        }
                        PrincipalEntry::Role { account, name, .. } => {
                            index
                                .by_role
                                .entry((*account, name.clone()))
                                .or_default()
                                .push(target);
                        }
                        PrincipalEntry::AssumedRole {
                            account, role_name, ..
                        } => {
                            index
                                .by_role
                                .entry((*account, role_name.clone()))
                                .or_default()
                                .push(target);
                        }
                        PrincipalEntry::User { account, name, .. } => {
                            index
                                .by_user
                                .entry((*account, name.clone()))
                                .or_default()
                                .push(target);
                        }
                        _ => {}
                    }
                }
            }
        }
        for list in index
            .by_role
            .values_mut()
            .chain(index.by_user.values_mut())
            .chain(index.by_account.values_mut())
            .chain(std::iter::once(&mut index.everyone))
        {
            list.sort();
            list.dedup();
        }
        index
    }

    /// Roles whose trust policy names `principal`, its account, or everyone.
    pub fn candidates<'i>(&'i self, world: &'i World, principal: &Principal) -> Vec<&'i str> {
        let Some(account) = world.principal_account(principal) else {
            return Vec::new();
        };
        let mut out = self.naming(world, principal);
        out.extend(
            self.by_account
                .get(&account)
                .into_iter()
                .flatten()
                .chain(&self.everyone)
                .map(String::as_str)
                .filter(|target| *target != principal.arn()),
        );
        // Roles the caller's own policies mean to assume, even when their trust policy does
        // not name it: the link a user intended, so a broken trust is reported there.
        out.extend(intended_targets(world, principal).filter(|target| *target != principal.arn()));
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Roles whose trust policy names `principal` itself (not its account, not everyone).
    pub(crate) fn naming<'i>(&'i self, world: &World, principal: &Principal) -> Vec<&'i str> {
        let (account, name, by_name) = match principal {
            Principal::Role(arn) => match world.roles.get(arn) {
                Some(role) => (role.account, role.name.clone(), &self.by_role),
                None => return Vec::new(),
            },
            Principal::User(arn) => match world.users.get(arn) {
                Some(user) => (user.account, user.name.clone(), &self.by_user),
                None => return Vec::new(),
            },
        };
        by_name
            .get(&(account, name))
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|target| *target != principal.arn())
            .collect()
    }

    /// Roles whose trust delegates to a whole account (`Some`) or to everyone (`None`).
    pub(crate) fn delegations(&self) -> impl Iterator<Item = (Option<AccountId>, &str)> {
        let accounts = self.by_account.iter().flat_map(|(account, roles)| {
            roles
                .iter()
                .map(move |role| (Some(*account), role.as_str()))
        });
        accounts.chain(self.everyone.iter().map(|role| (None, role.as_str())))
    }

    /// Principals a role's trust names directly or through their account: the reverse edges
    /// used by who-can.
    pub fn trusted_by(world: &World, role_arn: &str) -> Vec<Principal> {
        let Some(role) = world.roles.get(role_arn) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for statement in &role.trust.policy.statements {
            let Some(principal) = &statement.principal else {
                continue;
            };
            if statement.effect != Effect::Allow || principal.negated {
                continue;
            }
            for entry in &principal.entries {
                match &entry.value {
                    PrincipalEntry::Everyone => {
                        out.extend(world.roles.keys().map(|arn| Principal::Role(arn.clone())));
                        out.extend(world.users.keys().map(|arn| Principal::User(arn.clone())));
                    }
                    PrincipalEntry::Account { account } => {
                        out.extend(
                            world
                                .roles
                                .values()
                                .filter(|r| r.account == *account)
                                .map(|r| Principal::Role(r.arn.clone())),
                        );
                        out.extend(
                            world
                                .users
                                .values()
                                .filter(|u| u.account == *account)
                                .map(|u| Principal::User(u.arn.clone())),
                        );
                    }
                    PrincipalEntry::Role { account, name, .. }
                    | PrincipalEntry::AssumedRole {
                        account,
                        role_name: name,
                        ..
                    } => {
                        out.extend(
                            world
                                .roles
                                .values()
                                .filter(|r| r.account == *account && r.name == *name)
                                .map(|r| Principal::Role(r.arn.clone())),
                        );
                    }
                    PrincipalEntry::User { account, name, .. } => {
                        out.extend(
                            world
                                .users
                                .values()
                                .filter(|u| u.account == *account && u.name == *name)
                                .map(|u| Principal::User(u.arn.clone())),
                        );
                    }
                    _ => {}
                }
            }
        }
        out.retain(|principal| principal.arn() != role_arn);
        out.sort();
        out.dedup();
        out
    }
}

/// Role ARNs written literally in the `Resource` of the principal's Allow statements for
/// `sts:AssumeRole`, that exist in the world.
pub(crate) fn intended_targets<'w>(
    world: &'w World,
    principal: &Principal,
) -> impl Iterator<Item = &'w str> {
    let policies = match principal {
        Principal::Role(arn) => world.roles.get(arn).map(|role| role.policies.as_slice()),
        Principal::User(arn) => world.users.get(arn).map(|user| user.policies.as_slice()),
    }
    .unwrap_or_default();
    let assume: Option<xacct_policy::ActionName> = "sts:AssumeRole".parse().ok();
    let mut targets = Vec::new();
    for policy in policies {
        for statement in &policy.policy.statements {
            let grants_assume = statement.effect == Effect::Allow
                && !statement.action.negated
                && assume.as_ref().is_some_and(|action| {
                    statement
                        .action
                        .patterns
                        .iter()
                        .any(|pattern| pattern.value.matches(action))
                });
            let Some(resource) = statement
                .resource
                .as_ref()
                .filter(|resource| grants_assume && !resource.negated)
            else {
                continue;
            };
            for text in &resource.texts {
                if let Some((arn, _)) = world.roles.get_key_value(text.as_str()) {
                    targets.push(arn.as_str());
                }
            }
        }
    }
    targets.into_iter()
}
