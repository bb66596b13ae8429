//! The reverse of [`TrustIndex`](crate::TrustIndex): for a role, the principals its trust
//! policy could let in. Built once per world with an account → principals map and a
//! (account, name) → principals map, so an account-root trust costs one lookup instead of a
//! scan of every role, which is what makes `who-can` usable on 100,000 roles.
//!
//! Principals are numbered: roles first, then users, each in ARN order (the order of the
//! world's maps), so results that follow the numbering are deterministic.

use xacct_eval::SourcedPolicy;
use xacct_policy::{AccountId, Effect, PrincipalEntry};
use xacct_world::{Principal, World};

/// A fast hasher: the index is built for every question, and at 100,000 roles hashing its
/// ARNs and names with SipHash was most of its building.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A principal's number in a [`CallerIndex`].
pub type Id = u32;

/// What the index knows of one principal.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'w> {
    pub arn: &'w str,
    pub account: AccountId,
    pub name: &'w str,
    pub is_role: bool,
    /// Its own identity-based policies (a user's groups' included), looked up once: who-can's
    /// screen reads them for every principal of every question.
    pub policies: &'w [SourcedPolicy],
}

impl Entry<'_> {
    pub fn principal(&self) -> Principal {
        if self.is_role {
            Principal::Role(self.arn.to_owned())
        } else {
            Principal::User(self.arn.to_owned())
        }
    }
}

/// Roles and users of a world, numbered, with the maps that answer "who does this trust
/// policy name".
#[derive(Debug)]
pub struct CallerIndex<'w> {
    entries: Vec<Entry<'w>>,
    roles: usize,
    by_arn: HashMap<&'w str, Id>,
    by_account: HashMap<AccountId, Vec<Id>>,
    roles_by_name: HashMap<(AccountId, &'w str), Vec<Id>>,
    users_by_name: HashMap<(AccountId, &'w str), Vec<Id>>,
    /// The instance profiles whose role the world holds, with the role's id, in ARN order:
    /// who-can lists them after their role for every question.
    profiles: Vec<(&'w xacct_world::model::InstanceProfile, Id)>,
}

impl<'w> CallerIndex<'w> {
    pub fn new(world: &'w World) -> Self {
        let roles = world.roles.values().map(|role| Entry {
            arn: role.arn.as_str(),
            account: role.account,
            name: role.name.as_str(),
            is_role: true,
            policies: role.policies.as_slice(),
        });
        let users = world.users.values().map(|user| Entry {
            arn: user.arn.as_str(),
            account: user.account,
            name: user.name.as_str(),
            is_role: false,
            policies: user.policies.as_slice(),
        });
        let entries: Vec<Entry<'w>> = roles.chain(users).collect();
        let mut index = Self {
            roles: world.roles.len(),
            by_arn: HashMap::with_capacity_and_hasher(entries.len(), Default::default()),
            by_account: HashMap::with_capacity_and_hasher(world.accounts.len(), Default::default()),
            roles_by_name: HashMap::with_capacity_and_hasher(world.roles.len(), Default::default()),
            users_by_name: HashMap::with_capacity_and_hasher(world.users.len(), Default::default()),
            entries: Vec::new(),
            profiles: Vec::new(),
        };
        for (id, entry) in (0..).zip(&entries) {
            index.by_arn.insert(entry.arn, id);
            index.by_account.entry(entry.account).or_default().push(id);
            let by_name = if entry.is_role {
                &mut index.roles_by_name
            } else {
                &mut index.users_by_name
            };
            by_name
                .entry((entry.account, entry.name))
                .or_default()
                .push(id);
        }
        index.entries = entries;
        index.profiles = world
            .instance_profiles
            .values()
            .filter_map(|profile| Some((profile, index.id(&profile.role)?)))
            .collect();
        index
    }

    /// The instance profiles whose role the world holds, with the role's id, in ARN order.
    pub fn profiles(&self) -> &[(&'w xacct_world::model::InstanceProfile, Id)] {
        &self.profiles
    }

    /// Roles and users together.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Ids `0..roles()` are roles; the rest are users.
    pub fn roles(&self) -> usize {
        self.roles
    }

    pub fn entry(&self, id: Id) -> Option<&Entry<'w>> {
        self.entries.get(id as usize)
    }

    pub fn entries(&self) -> impl Iterator<Item = (Id, &Entry<'w>)> {
        (0..).zip(&self.entries)
    }

    /// The roles and users of an account, in id order.
    pub fn of_account(&self, account: AccountId) -> &[Id] {
        self.by_account.get(&account).map_or(&[], Vec::as_slice)
    }

    /// The roles of an account with that name (one at most, unless paths differ).
    pub fn roles_named<'s>(&'s self, account: AccountId, name: &'s str) -> &'s [Id] {
        self.roles_by_name
            .get(&(account, name))
            .map_or(&[], Vec::as_slice)
    }

    /// The users of an account with that name.
    pub fn users_named<'s>(&'s self, account: AccountId, name: &'s str) -> &'s [Id] {
        self.users_by_name
            .get(&(account, name))
            .map_or(&[], Vec::as_slice)
    }

    /// The id of a role or user ARN.
    pub fn id(&self, arn: &str) -> Option<Id> {
        self.by_arn.get(arn).copied()
    }

    /// Principals the trust policy of `role` names (by ARN, through their account, or as
    /// everyone), in id order, without the role itself: the only principals that can assume
    /// it, since a trust policy must allow every AssumeRole. Same answer as
    /// [`TrustIndex::trusted_by`](crate::TrustIndex::trusted_by), plus everyone for an Allow
    /// with `NotPrincipal`.
    pub fn trusted_by(&self, world: &World, role: Id) -> Vec<Id> {
        let Some(entry) = self.entry(role) else {
            return Vec::new();
        };
        let Some(role_entry) = world.roles.get(entry.arn).filter(|_| entry.is_role) else {
            return Vec::new();
        };
        let mut out: Vec<Id> = Vec::new();
        let mut everyone = false;
        for statement in &role_entry.trust.policy.statements {
            let Some(principal) = &statement.principal else {
                continue;
            };
            if statement.effect != Effect::Allow {
                continue;
            }
            if principal.negated {
                everyone = true;
                continue;
            }
            for named in &principal.entries {
                let found = match &named.value {
                    PrincipalEntry::Everyone => {
                        everyone = true;
                        None
                    }
                    PrincipalEntry::Account { account } => self.by_account.get(account),
                    PrincipalEntry::Role { account, name, .. }
                    | PrincipalEntry::AssumedRole {
                        account,
                        role_name: name,
                        ..
                    } => self.roles_by_name.get(&(*account, name.as_str())),
                    PrincipalEntry::User { account, name, .. } => {
                        self.users_by_name.get(&(*account, name.as_str()))
                    }
                    _ => None,
                };
                out.extend(found.into_iter().flatten());
            }
        }
        if everyone {
            out = (0..).zip(&self.entries).map(|(id, _)| id).collect();
        } else {
            out.sort_unstable();
            out.dedup();
        }
        out.retain(|id| *id != role);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests_support::world_of;
    use crate::TrustIndex;

    #[test]
    fn trusted_by_agrees_with_the_trust_index() {
        let world = world_of(&[
            (
                "111111111111",
                "a",
                r#"{"AWS": "arn:aws:iam::222222222222:root"}"#,
            ),
            (
                "111111111111",
                "b",
                r#"{"AWS": ["arn:aws:iam::222222222222:role/c", "arn:aws:iam::111111111111:role/a"]}"#,
            ),
            ("222222222222", "c", r#"{"Service": "ec2.amazonaws.com"}"#),
            ("222222222222", "d", r#""*""#),
            (
                "333333333333",
                "e",
                r#"{"AWS": "arn:aws:iam::333333333333:root"}"#,
            ),
        ]);
        let index = CallerIndex::new(&world);
        for role in world.roles.keys() {
            let id = index.id(role).unwrap();
            let mine: Vec<Principal> = index
                .trusted_by(&world, id)
                .into_iter()
                .map(|id| index.entry(id).unwrap().principal())
                .collect();
            assert_eq!(mine, TrustIndex::trusted_by(&world, role), "{role}");
        }
    }
}
