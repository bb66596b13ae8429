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
use crate::callers::{CallerIndex, Id};
use crate::who_can::{final_screen, Screen, WhoCanQuery};
use std::collections::BTreeSet;
use xacct_policy::AccountId;
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

    /// The questions whose answer may differ between the worlds, in the order given.
    pub fn affected<'q>(
        &self,
        questions: &'q [Question],
        worlds: [(&World, &CallerIndex<'_>); 2],
        max_depth: usize,
    ) -> Vec<&'q Question> {
        if self.everything {
            return questions.iter().collect();
        }
        let starts: Vec<Vec<Id>> = worlds
            .iter()
            .map(|(world, callers)| self.reachable(world, callers, max_depth))
            .collect();
        let any_principal = starts.iter().any(|ids| !ids.is_empty());
        questions
            .iter()
            .filter(|question| {
                self.touches_resource(question, worlds)
                    || (any_principal
                        && (matches!(question.subject, Subject::Table { .. })
                            || worlds.iter().zip(&starts).any(|((world, callers), ids)| {
                                may_be_allowed(world, callers, ids, question)
                            })))
            })
            .collect()
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

    /// The principals whose requests changed (the changed principals, the principals of
    /// accounts whose SCPs changed, the roles of accounts whose RCPs changed), and every role
    /// they may assume within `max_depth` hops: the principals whose reach may differ.
    fn reachable(&self, world: &World, callers: &CallerIndex<'_>, max_depth: usize) -> Vec<Id> {
        let mut seen = vec![false; callers.len()];
        let mut frontier: Vec<Id> = Vec::new();
        for (id, entry) in callers.entries() {
            let changed = self.principals.contains(entry.arn)
                || self.principal_accounts.contains(&entry.account)
                || (entry.is_role && self.resource_accounts.contains(&entry.account));
            if changed {
                frontier.push(id);
            }
        }
        if frontier.is_empty() {
            return Vec::new();
        }
        for &id in &frontier {
            if let Some(slot) = seen.get_mut(id as usize) {
                *slot = true;
            }
        }
        // Forward edges: the roles whose trust may let each principal in.
        let mut assumable: Vec<Vec<Id>> = vec![Vec::new(); callers.len()];
        for role in (0..callers.len()).filter_map(|index| Id::try_from(index).ok()) {
            if role as usize >= callers.roles() {
                break;
            }
            for caller in callers.trusted_by(world, role) {
                if let Some(targets) = assumable.get_mut(caller as usize) {
                    targets.push(role);
                }
            }
        }
        let mut out = frontier.clone();
        for _ in 0..max_depth {
            let mut next = Vec::new();
            for id in frontier {
                for &role in assumable.get(id as usize).into_iter().flatten() {
                    if let Some(slot) = seen.get_mut(role as usize) {
                        if !*slot {
                            *slot = true;
                            next.push(role);
                        }
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            out.extend(&next);
            frontier = next;
        }
        out
    }
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
