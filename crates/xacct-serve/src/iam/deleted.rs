//! What deleting a role or user does beyond the entity. IAM saves a role or user principal in
//! a trust or resource policy as the entity's unique id: once the entity is deleted, the policy
//! shows that id, and a new role of the same name is not the principal it names
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles>).
//! So every policy of the world that names the deleted entity is rewritten to name its unique
//! id (which nothing matches), and the credentials of the entity (its sessions, its keys) stop
//! signing: a session of a deleted role must not act as a role made later with its name.

use super::unique_id;
use crate::State;
use std::sync::Arc;
use xacct_eval::SourcedPolicy;
use xacct_policy::{AccountId, PrincipalEntry};
use xacct_world::World;

/// The deleted entity.
pub(super) struct Deleted<'a> {
    pub account: AccountId,
    pub name: &'a str,
    pub arn: &'a str,
    pub is_role: bool,
}

impl Deleted<'_> {
    fn named_by(&self, entry: &PrincipalEntry) -> bool {
        match entry {
            PrincipalEntry::Role { account, name, .. } if self.is_role => {
                *account == self.account && name.eq_ignore_ascii_case(self.name)
            }
            PrincipalEntry::User { account, name, .. } if !self.is_role => {
                *account == self.account && name.eq_ignore_ascii_case(self.name)
            }
            _ => false,
        }
    }

    /// `policy` with each principal naming the entity replaced by its unique id, when it names it.
    fn forgotten_in(&self, policy: &SourcedPolicy) -> Option<SourcedPolicy> {
        let names = policy.policy.statements.iter().any(|statement| {
            statement.principal.as_ref().is_some_and(|clause| {
                clause
                    .entries
                    .iter()
                    .any(|entry| self.named_by(&entry.value))
            })
        });
        if !names {
            return None;
        }
        let id = unique_id(if self.is_role { "AROA" } else { "AIDA" }, self.arn);
        let mut document = (*policy.policy).clone();
        for statement in &mut document.statements {
            if let Some(clause) = &mut statement.principal {
                for entry in &mut clause.entries {
                    if self.named_by(&entry.value) {
                        entry.value = PrincipalEntry::UniqueId { id: id.clone() };
                    }
                }
            }
        }
        let mut rewritten = policy.clone();
        rewritten.policy = Arc::new(document);
        Some(rewritten)
    }

    /// Rewrites every trust and resource policy of the world that names the entity.
    pub fn forget_in(&self, world: &mut World) {
        let forget = |policy: &mut SourcedPolicy| {
            if let Some(rewritten) = self.forgotten_in(policy) {
                *policy = rewritten;
            }
        };
        for role in world.roles.values_mut() {
            forget(&mut role.trust);
        }
        for bucket in world.buckets.values_mut() {
            bucket.policy.iter_mut().for_each(forget);
        }
        for key in world.keys.values_mut() {
            key.policy.iter_mut().for_each(forget);
            key.grants.iter_mut().for_each(forget);
        }
        for stream in world.streams.values_mut() {
            stream.policy.iter_mut().for_each(forget);
            for consumer in stream.consumers.values_mut() {
                consumer.iter_mut().for_each(forget);
            }
        }
        for access_point in world.access_points.values_mut() {
            access_point.policy.iter_mut().for_each(forget);
        }
        world.catalog_policies.values_mut().for_each(forget);
    }
}

/// Forgets the deleted entity everywhere: the world's policies and its credentials.
pub(super) fn forget(state: &State, deleted: &Deleted<'_>) {
    deleted.forget_in(&mut state.engine.world_mut());
    state.keys.retire(deleted.arn);
}
