//! Which questions a set of changed documents can answer differently, so that only those are
//! asked again.
//!
//! - A document on a resource (bucket, key and stream policies and settings, a catalog policy,
//!   Lake Formation) changes the questions on that resource.
//! - An RCP or the account's Block Public Access changes the questions on the account's
//!   resources, and AssumeRoles into its roles (a role is a resource of its account).
//! - A principal's own documents (its trust, identity policies, boundary, tags; an SCP over its
//!   account) change only requests it makes and AssumeRoles into it. A chain through it reaches
//!   a resource only if it can reach the resource itself, so the questions that may change are
//!   those that some principal it can reach (itself, and every role it may assume, up to the
//!   depth limit, in either world) could be allowed at all, as who-can's screen decides
//!   without the engine (conditions ignored, so it never leaves out a question that changes).
//!   Table questions are not screened (a RAM share adds a resource side the screen does not
//!   see): any principal change asks them again.
//! - Anything else (the organization's structure, accounts added or removed) asks everything.

use super::changes::{Affects, Document};
use super::questions::{Question, Subject};
use crate::callers::{CallerIndex, Entry, Id};
use crate::index::TrustIndex;
use crate::who_can::{final_screen, Screen, WhoCanQuery};
use std::collections::BTreeSet;
use xacct_policy::{AccountId, Effect};
use xacct_world::model::Role;
use xacct_world::World;

/// What the changed documents touch, gathered.
#[derive(Debug, Default)]
pub struct Scope {
    everything: bool,
    principals: BTreeSet<String>,
    principal_accounts: BTreeSet<AccountId>,
    resource_accounts: BTreeSet<AccountId>,
    subjects: BTreeSet<Subject>,
    catalogs: BTreeSet<(AccountId, String)>,
    lake: bool,
}

impl Scope {
    pub fn of(documents: &[Document]) -> Self {
        let mut scope = Self::default();
        for affects in documents.iter().flat_map(|document| &document.affects) {
            match affects {
                Affects::Principal { arn } => {
                    scope.principals.insert(arn.clone());
                }
                Affects::PrincipalsOf { account } => {
                    scope.principal_accounts.insert(*account);
                }
                Affects::ResourcesOf { account } => {
                    scope.resource_accounts.insert(*account);
                }
                Affects::Resource { subject } => {
                    scope.subjects.insert(subject.clone());
                }
                Affects::Catalog { account, region } => {
                    scope.catalogs.insert((*account, region.clone()));
                }
                Affects::Lake => scope.lake = true,
                Affects::Everything => scope.everything = true,
            }
        }
        scope
    }

    /// Asks everything again.
    pub fn everything() -> Self {
        Self {
            everything: true,
            ..Self::default()
        }
    }

    /// Which questions to ask again, and how: in the whole worlds, or in the worlds cut down
    /// to the principals whose answers may differ.
    pub fn plan<'q>(
        &self,
        questions: &'q [Question],
        worlds: [(&World, &CallerIndex<'_>); 2],
        max_depth: usize,
    ) -> Plan<'q> {
        if self.everything {
            return Plan {
                whole: questions.iter().collect(),
                cut: Vec::new(),
                worlds: None,
            };
        }
        let changed: Vec<Vec<Id>> = worlds
            .iter()
            .map(|(world, callers)| self.changed(world, callers))
            .collect();
        let reach: Vec<Vec<Id>> = worlds
            .iter()
            .zip(&changed)
            .map(|((world, callers), ids)| forward(world, callers, ids, max_depth))
            .collect();
        let any_principal = changed.iter().any(|ids| !ids.is_empty());
        let mut plan = Plan {
            whole: Vec::new(),
            cut: Vec::new(),
            worlds: None,
        };
        for question in questions {
            if self.touches_resource(question, worlds) {
                plan.whole.push(question);
            } else if any_principal
                && (matches!(question.subject, Subject::Table { .. })
                    || worlds.iter().zip(&reach).any(|((world, callers), ids)| {
                        may_be_allowed(world, callers, ids, question)
                    }))
            {
                plan.cut.push(question);
            }
        }
        if !plan.cut.is_empty() {
            plan.worlds = Some(cut_worlds(worlds, &changed, max_depth));
        }
        plan
    }
    fn touches_resource(
        &self,
        question: &Question,
        worlds: [(&World, &CallerIndex<'_>); 2],
    ) -> bool {
        if self.subjects.contains(&question.subject) {
            return true;
        }
        let in_accounts = worlds.iter().any(|(world, _)| {
            question
                .subject
                .account_in(world)
                .is_some_and(|account| self.resource_accounts.contains(&account))
        });
        if in_accounts {
            return true;
        }
        match question.subject.table() {
            Some(table) => {
                self.lake
                    || self
                        .catalogs
                        .contains(&(table.account, table.region.clone()))
            }
            None => false,
        }
    }

    /// The principals whose requests changed: the changed principals, the principals of
    /// accounts whose SCPs changed, the roles of accounts whose RCPs changed.
    fn changed(&self, _world: &World, callers: &CallerIndex<'_>) -> Vec<Id> {
        callers
            .entries()
            .filter(|(_, entry)| {
                self.principals.contains(entry.arn)
                    || self.principal_accounts.contains(&entry.account)
                    || (entry.is_role && self.resource_accounts.contains(&entry.account))
            })
            .map(|(id, _)| id)
            .collect()
    }
}

/// The questions to ask again: `whole` in the whole worlds; `cut` in `worlds`, the two
/// worlds cut down to the principals whose answers may differ and every role they may reach
/// (see [`cut_worlds`]).
pub struct Plan<'q> {
    pub whole: Vec<&'q Question>,
    pub cut: Vec<&'q Question>,
    pub worlds: Option<[World; 2]>,
}

/// Whether who-can would try `caller` assuming `role` (its edge screen: an identity statement
/// or a trust statement may allow it; both across accounts).
fn may_assume(world: &World, caller: &Entry<'_>, role: &Role) -> bool {
    let Ok(assume_role) = "sts:AssumeRole".parse() else {
        return true;
    };
    let screen = Screen::new(
        assume_role,
        role.arn.clone(),
        Some(role.account),
        &[&role.trust],
    );
    screen.may_allow(world, caller)
}

/// Roles whose trust has an Allow with `NotPrincipal`: it may let anyone in.
fn open_trusts(world: &World) -> Vec<&str> {
    world
        .roles
        .values()
        .filter(|role| {
            role.trust.policy.statements.iter().any(|statement| {
                statement.effect == Effect::Allow
                    && statement
                        .principal
                        .as_ref()
                        .is_some_and(|principal| principal.negated)
            })
        })
        .map(|role| role.arn.as_str())
        .collect()
}

/// `starts` and every principal found from them breadth first within `max_depth` steps;
/// `next` gives the principals one step from a principal, leaving out those already `seen`.
fn breadth_first(
    callers: &CallerIndex<'_>,
    starts: &[Id],
    max_depth: usize,
    mut next: impl FnMut(Id, &[bool]) -> Vec<Id>,
) -> Vec<Id> {
    let mut seen = vec![false; callers.len()];
    let mut out = Vec::new();
    let mut frontier = Vec::new();
    let mark = |seen: &mut [bool], id: Id| {
        seen.get_mut(id as usize)
            .is_some_and(|slot| !std::mem::replace(slot, true))
    };
    for &id in starts {
        if mark(&mut seen, id) {
            out.push(id);
            frontier.push(id);
        }
    }
    for _ in 0..max_depth {
        let mut found = Vec::new();
        for id in frontier {
            for neighbour in next(id, &seen) {
                if mark(&mut seen, neighbour) {
                    found.push(neighbour);
                }
            }
        }
        if found.is_empty() {
            break;
        }
        out.extend(&found);
        frontier = found;
    }
    out
}

fn unseen(seen: &[bool], id: Id) -> bool {
    seen.get(id as usize).is_some_and(|slot| !slot)
}

/// `starts` and every role they may assume within `max_depth` hops, following the trusts that
/// name them (as who-can's caller index reads them) through who-can's edge screen.
fn forward(world: &World, callers: &CallerIndex<'_>, starts: &[Id], max_depth: usize) -> Vec<Id> {
    if starts.is_empty() {
        return Vec::new();
    }
    let index = TrustIndex::new(world);
    let open = open_trusts(world);
    breadth_first(callers, starts, max_depth, |id, seen| {
        let Some(entry) = callers.entry(id) else {
            return Vec::new();
        };
        let targets = index.candidates(world, &entry.principal());
        targets
            .into_iter()
            .chain(open.iter().copied())
            .filter_map(|target| Some((callers.id(target)?, world.roles.get(target)?)))
            .filter(|(role_id, role)| unseen(seen, *role_id) && may_assume(world, entry, role))
            .map(|(role_id, _)| role_id)
            .collect()
    })
}

/// `starts` and every principal that may assume one of them, directly or through a chain,
/// within `max_depth` hops: who-can's reverse edges, through its edge screen.
fn upstream(world: &World, callers: &CallerIndex<'_>, starts: &[Id], max_depth: usize) -> Vec<Id> {
    breadth_first(callers, starts, max_depth, |role_id, seen| {
        let Some(role) = callers
            .entry(role_id)
            .filter(|entry| entry.is_role)
            .and_then(|entry| world.roles.get(entry.arn))
        else {
            return Vec::new();
        };
        callers
            .trusted_by(world, role_id)
            .into_iter()
            .filter(|caller| {
                unseen(seen, *caller)
                    && callers
                        .entry(*caller)
                        .is_some_and(|entry| may_assume(world, entry, role))
            })
            .collect()
    })
}

/// The two worlds cut down to the principals whose answers may differ, and what they reach.
///
/// A principal that can reach no changed principal, in either world, has the same chains and
/// the same decisions on them in both, so its answer is the same: only the principals
/// upstream of a changed one (in either world; the changed ones included) may differ. Each is
/// kept with every role it may reach, so all its chains are in the cut world and who-can
/// there decides it exactly as in the whole world. Principals outside the scenario and
/// services are decided again in the whole worlds when the cut ones disagree on them (they may
/// reach the data through roles the cut left out).
fn cut_worlds(
    worlds: [(&World, &CallerIndex<'_>); 2],
    changed: &[Vec<Id>],
    max_depth: usize,
) -> [World; 2] {
    let mut upstream_arns: BTreeSet<String> = BTreeSet::new();
    for ((world, callers), ids) in worlds.iter().zip(changed) {
        for id in upstream(world, callers, ids, max_depth) {
            if let Some(entry) = callers.entry(id) {
                upstream_arns.insert(entry.arn.to_owned());
            }
        }
    }
    worlds.map(|(world, callers)| {
        let starts: Vec<Id> = upstream_arns
            .iter()
            .filter_map(|arn| callers.id(arn))
            .collect();
        let keep: BTreeSet<&str> = forward(world, callers, &starts, max_depth)
            .into_iter()
            .filter_map(|id| callers.entry(id).map(|entry| entry.arn))
            .collect();
        let mut cut = world.clone();
        cut.roles.retain(|arn, _| keep.contains(arn.as_str()));
        cut.users.retain(|arn, _| keep.contains(arn.as_str()));
        cut
    })
}

/// Whether who-can's screen lets any of `ids` through for `question` in `world` (false when
/// the world lacks the resource: the question has no answer there).
fn may_be_allowed(
    world: &World,
    callers: &CallerIndex<'_>,
    ids: &[Id],
    question: &Question,
) -> bool {
    if ids.is_empty() || !question.subject.exists_in(world) {
        return false;
    }
    let query = WhoCanQuery::new(question.action.clone(), question.resource.clone());
    let Ok((screen, _)) = final_screen(world, &query) else {
        // Not screened: asked again.
        return true;
    };
    let screen: Screen = screen;
    ids.iter()
        .filter_map(|id| callers.entry(*id))
        .any(|entry| screen.may_allow(world, entry))
}
