//! Which questions a set of changed documents can answer differently, so that only those are
//! asked again.
//!
//! - A document on a resource (bucket, key and stream policies and settings, a catalog policy,
//!   Lake Formation) changes the questions on that resource.
//! - An RCP or the account's Block Public Access changes the questions on the account's
//!   resources, and AssumeRoles into its roles (a role is a resource of its account).
//! - A principal's own documents (its trust, identity policies, boundary, tags; an SCP over its
//!   account) change only requests it makes and AssumeRoles into it. An answer that differs
//!   has, in the world where the principal can, a chain through a changed principal (a chain
//!   of unchanged principals, edges and final request is in both worlds), and the request at
//!   its end is made by the changed principal or a role it assumes from there. So the
//!   questions that may change are those that some principal the changed ones reach (in
//!   either world, through the AssumeRole edges who-can's engine lets pass, up to the depth
//!   limit) could be allowed at all, as who-can's screen decides without the engine
//!   (conditions ignored, so it never leaves out a question that changes). Table questions are
//!   not screened (a RAM share adds a resource side the screen does not see): any principal
//!   change asks them again.
//! - Anything else (the organization's structure, accounts added or removed) asks everything.

use super::changes::{Affects, Document};
use super::questions::{Question, Subject};
use crate::callers::{CallerIndex, Entry, Id};
use crate::index::TrustIndex;
use crate::who_can::incremental::Changed;
use crate::who_can::{decide_edge, edge_query, final_screen, Screen, WhoCanError, WhoCanQuery};
use std::collections::{BTreeSet, HashMap};
use xacct_eval::SourcedPolicy;
use xacct_policy::{AccountId, ActionName, Effect, Statement};
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
                // Only the compute questions, which are asked whenever anything changed.
                Affects::Compute { .. } => {}
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

    /// Which questions to ask again (in `questions`' order).
    pub fn plan<'q>(
        &self,
        questions: &'q [Question],
        worlds: [(&World, &CallerIndex<'_>); 2],
        max_depth: usize,
    ) -> Result<Vec<&'q Question>, WhoCanError> {
        if self.everything {
            return Ok(questions.iter().collect());
        }
        let [(before, _), (after, _)] = worlds;
        // Principals outside the scenario that stand for other accounts of the organization
        // sit under its root: a change of the root's SCPs changes what they may do, which the
        // scenario's principals do not show. Asked everything.
        if !self.principal_accounts.is_empty() {
            let (was, is) = (root_scps(before), root_scps(after));
            // A statement without source text is never taken as unchanged.
            if was != is || was.iter().chain(&is).any(Option::is_none) {
                return Ok(questions.iter().collect());
            }
        }
        // The accounts whose SCPs changed for AssumeRole: their principals' edges may differ.
        let edge_accounts = self.scp_changed_for(before, after, "sts:AssumeRole");
        // What the changed principals reach, by the accounts whose SCPs changed for the
        // question's action (few distinct sets: one per action at most).
        let mut reach_by_accounts: HashMap<BTreeSet<AccountId>, Vec<Vec<Id>>> = HashMap::new();
        let mut accounts_by_action: HashMap<&str, BTreeSet<AccountId>> = HashMap::new();
        let mut out = Vec::new();
        for question in questions {
            if self.touches_resource(question, worlds) {
                out.push(question);
                continue;
            }
            let accounts = accounts_by_action
                .entry(question.action.as_str())
                .or_insert_with(|| {
                    let mut accounts = edge_accounts.clone();
                    accounts.extend(self.scp_changed_for(before, after, &question.action));
                    accounts
                })
                .clone();
            let reach = match reach_by_accounts.get(&accounts) {
                Some(reach) => reach,
                None => {
                    let mut reach = Vec::new();
                    for (world, callers) in worlds {
                        let changed = self.changed(callers, &accounts);
                        reach.push(forward(world, callers, &changed, max_depth)?);
                    }
                    reach_by_accounts.entry(accounts).or_insert(reach)
                }
            };
            if reach.iter().all(Vec::is_empty) {
                continue;
            }
            let asked = matches!(question.subject, Subject::Table { .. })
                || worlds
                    .iter()
                    .zip(reach)
                    .any(|((world, callers), ids)| may_be_allowed(world, callers, ids, question));
            if asked {
                out.push(question);
            }
        }
        Ok(out)
    }

    /// Whether the questions asked again for changed principals alone may be answered by the
    /// incremental who-can ([`crate::who_can::incremental`]): not when everything is asked,
    /// nor when the SCPs of the organization's root changed (who-can's stand-in for the
    /// organization's other accounts sits under it, and is not among the changed principals).
    pub fn incremental(&self, before: &World, after: &World) -> bool {
        if self.everything {
            return false;
        }
        if self.principal_accounts.is_empty() {
            return true;
        }
        let (was, is) = (root_scps(before), root_scps(after));
        was == is && !was.iter().chain(&is).any(Option::is_none)
    }

    /// Whether the question's resource side changed (a document on the resource, its
    /// account's RCPs or Block Public Access), or it is on a table (not screened): then every
    /// principal's answer may change.
    pub fn resource_side_changed(
        &self,
        question: &Question,
        worlds: [(&World, &CallerIndex<'_>); 2],
    ) -> bool {
        question.subject.table().is_some() || self.touches_resource(question, worlds)
    }

    /// The principals whose requests for `action`, or whose AssumeRole edges, the changed
    /// documents decide otherwise, by ARN, from both worlds: the changed principals (both);
    /// those of the accounts whose SCPs changed for `action` (their requests) or for
    /// `sts:AssumeRole` (their edges, as the caller); the roles of the accounts whose RCPs or
    /// Block Public Access changed (their edges, as the role).
    pub fn changed_principals(
        &self,
        worlds: [(&World, &CallerIndex<'_>); 2],
        action: &str,
    ) -> Changed {
        let [(before, _), (after, _)] = worlds;
        let edge_accounts = self.scp_changed_for(before, after, "sts:AssumeRole");
        let request_accounts = self.scp_changed_for(before, after, action);
        let mut out = Changed::default();
        for (_, callers) in worlds {
            for (_, entry) in callers.entries() {
                let own = self.principals.contains(entry.arn);
                if own || request_accounts.contains(&entry.account) {
                    out.requests.insert(entry.arn.to_owned());
                }
                if own
                    || edge_accounts.contains(&entry.account)
                    || (entry.is_role && self.resource_accounts.contains(&entry.account))
                {
                    out.edges.insert(entry.arn.to_owned());
                }
            }
        }
        out
    }

    /// The accounts among those whose SCPs changed where they changed for `action`: some level
    /// of the account's SCPs holds, in one world and not the other, a statement whose action
    /// may cover it. A request for another action meets the same statements in both worlds,
    /// so the same SCP decision.
    fn scp_changed_for(&self, before: &World, after: &World, action: &str) -> BTreeSet<AccountId> {
        let Ok(action) = action.parse::<ActionName>() else {
            return self.principal_accounts.clone();
        };
        self.principal_accounts
            .iter()
            .copied()
            .filter(|account| {
                let was = scp_statements(before, *account, &action);
                let is = scp_statements(after, *account, &action);
                was != is || was.iter().chain(&is).flatten().any(Option::is_none)
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

    /// The principals whose requests changed: the changed principals, the principals of
    /// `scp_accounts` (accounts whose SCPs changed, for the action asked), the roles of
    /// accounts whose RCPs changed.
    fn changed(&self, callers: &CallerIndex<'_>, scp_accounts: &BTreeSet<AccountId>) -> Vec<Id> {
        callers
            .entries()
            .filter(|(_, entry)| {
                self.principals.contains(entry.arn)
                    || scp_accounts.contains(&entry.account)
                    || (entry.is_role && self.resource_accounts.contains(&entry.account))
            })
            .map(|(id, _)| id)
            .collect()
    }
}

/// The statements of each SCP level over `account` (root first) whose action clause may cover
/// `action`, each as its JSON text read without `Sid` and sorted (a statement without source
/// text is `None`, never taken as unchanged).
fn scp_statements(
    world: &World,
    account: AccountId,
    action: &ActionName,
) -> Vec<Vec<Option<serde_json::Value>>> {
    world
        .scp_levels(account)
        .iter()
        .map(|level| {
            let mut statements: Vec<Option<serde_json::Value>> = level
                .iter()
                .flat_map(|policy| {
                    policy
                        .policy
                        .statements
                        .iter()
                        .filter(|statement| may_cover(statement, action))
                        .map(move |statement| statement_json(policy, statement))
                })
                .collect();
            statements.sort_by_key(|value| value.as_ref().map(ToString::to_string));
            statements
        })
        .collect()
}

/// The statements of the SCPs of the organization's root units (as [`scp_statements`] reads
/// them, every action).
fn root_scps(world: &World) -> Vec<Option<serde_json::Value>> {
    let Some(organization) = &world.organization else {
        return Vec::new();
    };
    let mut out: Vec<Option<serde_json::Value>> = organization
        .units
        .values()
        .filter(|unit| unit.parent.is_none())
        .flat_map(|unit| &unit.scps)
        .flat_map(|policy| {
            policy
                .policy
                .statements
                .iter()
                .map(move |statement| statement_json(policy, statement))
        })
        .collect();
    out.sort_by_key(|value| value.as_ref().map(ToString::to_string));
    out
}

/// Whether a statement's action clause may cover `action`.
fn may_cover(statement: &Statement, action: &ActionName) -> bool {
    let listed = statement
        .action
        .patterns
        .iter()
        .any(|pattern| pattern.value.matches(action));
    listed != statement.action.negated
}

/// What a statement decides, comparable across worlds: without conditions or principal, its
/// effect, actions (lowercase: action names are not case sensitive) and resources as written;
/// otherwise its JSON text without its `Sid` (which takes no part in a decision), so a
/// statement moved or reformatted is the same statement. `None` when neither can be read (a
/// generated document with conditions): never taken as unchanged.
fn statement_json(policy: &SourcedPolicy, statement: &Statement) -> Option<serde_json::Value> {
    if statement.conditions.is_empty() && statement.principal.is_none() {
        let mut actions: Vec<String> = statement
            .action
            .patterns
            .iter()
            .map(|pattern| pattern.value.as_str().to_ascii_lowercase())
            .collect();
        actions.sort();
        actions.dedup();
        let resources = statement.resource.as_ref().map(|clause| {
            let mut texts = clause.texts.clone();
            texts.sort();
            texts.dedup();
            serde_json::json!({"negated": clause.negated, "patterns": texts})
        });
        return Some(serde_json::json!({"plain": {
            "allow": statement.effect == Effect::Allow,
            "notAction": statement.action.negated,
            "actions": actions,
            "resources": resources,
        }}));
    }
    let source = policy.source.as_ref()?;
    let text = source
        .text()
        .get(statement.span.start..statement.span.end)?;
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.as_object_mut()?.remove("Sid");
    Some(serde_json::json!({ "text": value }))
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

/// `starts` and every role they may assume within `max_depth` hops: the edges who-can would
/// try (the caller is among those the role's trust names, [`CallerIndex::trusted_by`]) that
/// its edge screen lets through and the engine lets pass.
fn forward(
    world: &World,
    callers: &CallerIndex<'_>,
    starts: &[Id],
    max_depth: usize,
) -> Result<Vec<Id>, WhoCanError> {
    if starts.is_empty() {
        return Ok(Vec::new());
    }
    let index = TrustIndex::new(world);
    let open = open_trusts(world);
    // The edge requests carry no context: as in each question the diff asks.
    let edge_query = edge_query(&WhoCanQuery {
        max_depth,
        ..WhoCanQuery::new("sts:AssumeRole", "*")
    });
    let mut trusted: HashMap<Id, Vec<Id>> = HashMap::new();
    let mut failure = None;
    let found = breadth_first(callers, starts, max_depth, |id, seen| {
        let Some(entry) = callers.entry(id) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let targets = index.candidates(world, &entry.principal());
        for target in targets.into_iter().chain(open.iter().copied()) {
            let Some((role_id, role)) = callers.id(target).zip(world.roles.get(target)) else {
                continue;
            };
            if !unseen(seen, role_id) || out.contains(&role_id) || failure.is_some() {
                continue;
            }
            let named = trusted
                .entry(role_id)
                .or_insert_with(|| callers.trusted_by(world, role_id));
            if named.binary_search(&id).is_err() || !may_assume(world, entry, role) {
                continue;
            }
            match decide_edge(world, &edge_query, role, entry, &mut 0) {
                Ok(Some(_)) => out.push(role_id),
                Ok(None) => {}
                Err(error) => failure = Some(error),
            }
        }
        out
    });
    match failure {
        Some(error) => Err(error),
        None => Ok(found),
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
    // A bucket's data is also reached through its access points, which who-can asks too.
    let routes = crate::who_can::access_point_routes(world, &question.action, &question.resource);
    std::iter::once(question.resource.clone())
        .chain(routes.into_iter().map(|(_, resource)| resource))
        .any(|resource| {
            let query = WhoCanQuery::new(question.action.clone(), resource);
            let Ok((screen, _)) = final_screen(world, &query) else {
                // Not screened: asked again.
                return true;
            };
            let screen: Screen = screen;
            ids.iter()
                .filter_map(|id| callers.entry(*id))
                .any(|entry| screen.may_allow(world, entry))
        })
}
