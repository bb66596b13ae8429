//! Who can, asked of two worlds that differ only in some principals' requests: the answers
//! kept to the principals whose answer can differ, which is all the diff needs (the set
//! difference of the whole answers is the set difference of the kept ones).
//!
//! [`Changed`] holds the principals whose own request for the question's action may be
//! decided otherwise (the changed principals, those of accounts whose SCPs changed for the
//! action) and those whose AssumeRole edges may be (the changed principals, those of accounts
//! whose SCPs changed for `sts:AssumeRole`, the roles of accounts whose RCPs changed; see the
//! diff's scope). Every other request and edge is decided the same in both worlds: the
//! documents it reads are the same and the changed SCPs and RCPs do not apply to it. So:
//!
//! - a principal that reaches no changed principal through AssumeRole edges that pass (in
//!   either world, within the depth limit) has the same chains in both worlds, so the same
//!   answer;
//! - a principal with a chain "clear of the change" (no principal on it whose edges changed,
//!   and its last request made by one whose request did not) can in both worlds;
//! - the others (changed principals and those upstream of them, without a clear chain) are
//!   decided exactly in each world, by who-can's own search kept to them and the roles they
//!   may assume within the depth limit (a shortest chain from one of them, and every chain the
//!   search weighs against it, only goes through those roles, so the search finds the same
//!   chain as on the whole world), or by the search of the whole world when those are most
//!   of it.
//!
//! Instance profiles follow their role; a service follows the roles that trust it, and is
//! kept when one of them is decided exactly and no role it can clear of the change trusts it.
//! Principals outside the scenario (who-can's stand-ins) are left out, and so answered the
//! same on both sides: this holds only when no trust policy lets one in (a stand-in can then
//! only make the final request, decided the same in both worlds) and they bring no other
//! organization, which [`Incremental::answers`] checks before it answers; the world's own
//! principals are then decided in the world as in the world with stand-ins (which only adds
//! accounts and principals). Unchanged requests are decided once for both worlds.

use super::outside;
use super::prepared::Edge;
use super::{
    access_point, decide_edge, decide_final, edge_query, final_screen, screens_final, search,
    services, Focus, Kind, Prepared, Reach, Screen, WhoCanError, WhoCanQuery,
};
use crate::callers::{CallerIndex, Id};
use crate::search::Query;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use xacct_eval::SourcedPolicy;
use xacct_policy::ActionName;
use xacct_world::World;

/// The kept answer of one world: principal (or service, or instance profile) to how it can.
pub type Kept = BTreeMap<String, Reach>;

/// Principals a search for a chain clear of the change visits before giving up (the principal
/// is then decided exactly instead).
const CLEAR_CHAIN_BUDGET: usize = 2_000;

/// The share of a world's principals above which the search decided exactly is not kept to
/// the principals it must decide and the roles they reach, but runs on the whole world (as
/// who-can does, its final requests shared between the two worlds).
const FOCUS_SHARE: usize = 4;

/// One world as the diff asks it, and what is found of it once for every question.
struct Side<'a> {
    world: &'a World,
    callers: &'a CallerIndex<'a>,
    prepared: &'a Prepared,
    /// By id: the same principal's id in the other world.
    other: Vec<Option<Id>>,
    /// By caller id: the roles whose trust names it, in id order (who-can's candidate edges,
    /// read forwards).
    trusting: OnceCell<Vec<Vec<Id>>>,
    /// By caller id: the roles it may assume (candidate edges the screen and engine let pass).
    assumes: RefCell<HashMap<Id, Rc<[Id]>>>,
    /// The services the roles' trusts name, each with those roles, in id order.
    services: OnceCell<Vec<(String, Vec<Id>)>>,
    /// Whether the service (by its index in `services`) may assume the role.
    service_may: RefCell<HashMap<(usize, Id), bool>>,
    /// By action, by id: the principal has an identity Allow statement whose action clause may
    /// cover it (the only ones the screen lets through on their own policies).
    acting: RefCell<HashMap<String, Rc<Vec<bool>>>>,
}

/// The principals whose requests the change can decide otherwise, by ARN, from either world.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Changed {
    /// Those whose own request for the question's action may be decided otherwise (the
    /// changed principals, those of accounts whose SCPs changed for the action).
    pub requests: BTreeSet<String>,
    /// Those whose AssumeRole edges, as the caller or as the role, may be decided otherwise
    /// (the changed principals, those of accounts whose SCPs changed for `sts:AssumeRole`,
    /// the roles of accounts whose RCPs changed).
    pub edges: BTreeSet<String>,
}

/// The principals a set of changed ones can affect, found once per set.
struct Affected {
    /// By side, by id: the principal's own request may be decided otherwise.
    requests: [Vec<bool>; 2],
    /// By side, by id: the principal's AssumeRole edges may be decided otherwise.
    edges: [Vec<bool>; 2],
    /// By side, by id: the principal is changed or reaches a changed one, in either world.
    upstream: [Vec<bool>; 2],
}

/// Who can, asked again of two worlds (see the module's documentation).
pub struct Incremental<'a> {
    sides: [Side<'a>; 2],
    /// The AssumeRole requests edges are decided with (no context, as the diff asks).
    edge_query: Query,
    max_depth: usize,
    /// Principals above which the exact search runs on the whole world (`None`: a share of
    /// the world, [`FOCUS_SHARE`]).
    focus_limit: Option<usize>,
    affected: RefCell<HashMap<Changed, Rc<Affected>>>,
    /// The principals whose AssumeRole edges changed, by side and id, as the first question
    /// named them (every question of a diff names the same): an edge between two others is
    /// decided once, in the world before, for both worlds. Off when a question names others.
    unchanged_edges: RefCell<Option<ChangedEdges>>,
    edges_shared: Cell<bool>,
}

/// The principals whose edges changed, by ARN and by side and id.
type ChangedEdges = Rc<(BTreeSet<String>, [Vec<bool>; 2])>;

/// A final request's decision: the statements that allow it, `None` when denied.
type Decision = Option<Rc<[String]>>;

/// One question being answered: its final-request decisions, shared between the two worlds
/// for unchanged principals.
struct Deciding<'q> {
    query: &'q WhoCanQuery,
    /// By side: the final request's screen, and who may act on their own policies.
    screens: [Screen; 2],
    acting: [Rc<Vec<bool>>; 2],
    affected: Rc<Affected>,
    /// By id of the world before: unchanged principals' decisions.
    shared: Vec<Option<Decision>>,
    /// By side and id: changed principals' decisions.
    own: [HashMap<Id, Decision>; 2],
    /// By id of the world before: hops within which the principal has no chain clear of the
    /// change (found by an earlier search for one that ended without finding it).
    dead_ends: Vec<Option<usize>>,
}

impl<'a> Incremental<'a> {
    /// `sides`: the world before and after, each with its caller index and what was prepared
    /// of it.
    pub fn new(
        sides: [(&'a World, &'a CallerIndex<'a>, &'a Prepared); 2],
        max_depth: usize,
    ) -> Self {
        let [(_, before, _), (_, after, _)] = sides;
        let numbers = |from: &CallerIndex<'_>, to: &CallerIndex<'_>| -> Vec<Option<Id>> {
            from.entries().map(|(_, entry)| to.id(entry.arn)).collect()
        };
        let others = [numbers(before, after), numbers(after, before)];
        let mut others = others.into_iter();
        let sides = sides.map(|(world, callers, prepared)| Side {
            world,
            callers,
            prepared,
            other: others.next().unwrap_or_default(),
            trusting: OnceCell::new(),
            assumes: RefCell::new(HashMap::new()),
            services: OnceCell::new(),
            service_may: RefCell::new(HashMap::new()),
            acting: RefCell::new(HashMap::new()),
        });
        Self {
            sides,
            edge_query: edge_query(&WhoCanQuery {
                max_depth,
                ..WhoCanQuery::new("sts:AssumeRole", "*")
            }),
            max_depth,
            focus_limit: None,
            affected: RefCell::new(HashMap::new()),
            unchanged_edges: RefCell::new(None),
            edges_shared: Cell::new(true),
        }
    }

    /// The same, with the exact search kept to the principals it must decide and what they
    /// reach up to `limit` principals (0: always the whole world), whatever the share of the
    /// world: the tests check both searches give the same answers.
    #[cfg(test)]
    pub(crate) fn with_focus_limit(self, limit: usize) -> Self {
        Self {
            focus_limit: Some(limit),
            ..self
        }
    }

    /// Who can do `query` in each world, kept to the principals whose answer may differ (by
    /// ARN for roles, users and instance profiles, by name for services, as `who_can` names
    /// them): every other principal's answer is the same in both. `changed`: the principals
    /// whose requests, or AssumeRoles into them, the change decides otherwise, by ARN, from
    /// either world. `None` when it cannot be answered so (the question's resource is reached
    /// through an access point or an alias, a trust policy lets in principals outside the
    /// scenario, a policy brings another organization, the question carries context, a
    /// request fails): ask the whole worlds.
    pub fn answers(&self, changed: &Changed, query: &WhoCanQuery) -> Option<[Kept; 2]> {
        // A failure is reported by the whole worlds' who-can, asked instead.
        self.try_answers(changed, query).ok().flatten()
    }

    fn try_answers(
        &self,
        changed: &Changed,
        query: &WhoCanQuery,
    ) -> Result<Option<[Kept; 2]>, WhoCanError> {
        if query.max_depth != self.max_depth
            || query.exhaustive
            || !query.context.is_empty()
            || !query.external_ids.is_empty()
            || query.resource == "*"
            || !screens_final(query)
        {
            return Ok(None);
        }
        let mut screens = Vec::new();
        let mut named = Vec::new();
        for side in &self.sides {
            let world = side.world;
            if world.resolve_alias(&query.resource).is_some()
                || !access_point::routes_of(world, &query.action, &query.resource).is_empty()
                || !side.prepared.trusts().is_empty()
                // The identity providers' ways in follow the roles' whole answers.
                || side.prepared.federated()
            {
                return Ok(None);
            }
            let (screen, resource_side) = final_screen(world, query)?;
            let resource_side: Vec<&SourcedPolicy> = resource_side.iter().collect();
            let outside = outside::named(world, side.prepared.trusts(), &resource_side);
            if outside
                .as_ref()
                .is_some_and(|named| !named.keeps_organization(world))
            {
                return Ok(None);
            }
            screens.push(screen);
            named.push(outside);
        }
        // The same stand-ins on both sides, so the same answers for them.
        if named.first() != named.get(1) {
            return Ok(None);
        }
        let Ok(screens) = <[Screen; 2]>::try_from(screens) else {
            return Ok(None);
        };
        let affected = self.affected(changed)?;
        let [before, after] = &self.sides;
        let mut deciding = Deciding {
            query,
            screens,
            acting: [before.acting(&query.action), after.acting(&query.action)],
            affected: Rc::clone(&affected),
            shared: vec![None; before.callers.len()],
            own: [HashMap::new(), HashMap::new()],
            dead_ends: vec![None; before.callers.len()],
        };

        // Unchanged principals with a chain clear of the change can on both sides; the others
        // upstream are decided exactly.
        let mut settled = vec![false; before.callers.len()];
        let mut exact: [Vec<bool>; 2] = [
            vec![false; before.callers.len()],
            vec![false; after.callers.len()],
        ];
        for (id, _) in before.callers.entries() {
            if !is(&affected.upstream[0], id) {
                continue;
            }
            let clear = self.clear_chain(&mut deciding, &[id])? == Some(true);
            let slot = if clear { &mut settled } else { &mut exact[0] };
            mark(slot, id);
        }
        for (id, _) in after.callers.entries() {
            let exactly = match after.other.get(id as usize).copied().flatten() {
                Some(before_id) => is(&exact[0], before_id),
                None => is(&affected.upstream[1], id),
            };
            if exactly {
                mark(&mut exact[1], id);
            }
        }

        // The others, decided on each side by the search kept to them and what they reach
        // (or, when that is most of the world, by the search of the whole world).
        let mut kept: [Kept; 2] = [Kept::new(), Kept::new()];
        let mut reached: [HashMap<Id, Reach>; 2] = [HashMap::new(), HashMap::new()];
        for (index, (side, keep)) in self.sides.iter().zip(&exact).enumerate() {
            let starts: Vec<Id> = (0..)
                .zip(keep.iter())
                .filter(|(_, flag)| **flag)
                .map(|(id, _)| id)
                .collect();
            let limit = self.focus_limit.unwrap_or(side.callers.len() / FOCUS_SHARE);
            let members = match self.ball(index, &starts, limit)? {
                Some(members) => members,
                None => vec![true; side.callers.len()],
            };
            let mut decide = |id: Id| {
                let found = self.direct(&mut deciding, index, id)?;
                Ok(found.map(|why| why.to_vec()))
            };
            let focus = Focus {
                members: &members,
                keep,
                direct: &mut decide,
            };
            let edges = side.prepared.edges_for(side.world, side.world, None, query);
            let found = search(side.world, side.callers, query, edges, None, Some(focus))?;
            for reach in found.principals {
                if reach.kind == Kind::Role {
                    if let (Some(id), Some(slot)) =
                        (side.callers.id(&reach.principal), reached.get_mut(index))
                    {
                        slot.insert(id, reach.clone());
                    }
                }
                if let Some(slot) = kept.get_mut(index) {
                    slot.insert(reach.principal.clone(), reach);
                }
            }
        }
        let complete = self.add_services(&mut deciding, &settled, &exact, &reached, &mut kept)?;
        Ok(complete.then_some(kept))
    }

    /// Adds the services a role decided exactly brings: a service can when a role that trusts
    /// it can. Left out when a role clear of the change trusts it and can (it can on both
    /// sides), or when no role decided exactly brings it on either side (its answer is then
    /// that of unchanged roles, the same on both). False when that cannot be told within the
    /// budget of the search for a clear chain.
    fn add_services(
        &self,
        deciding: &mut Deciding<'_>,
        settled: &[bool],
        exact: &[Vec<bool>; 2],
        reached: &[HashMap<Id, Reach>; 2],
        kept: &mut [Kept; 2],
    ) -> Result<bool, WhoCanError> {
        let affected = Rc::clone(&deciding.affected);
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for (side, exact) in self.sides.iter().zip(exact) {
            for (service, roles) in side.services() {
                if roles.iter().any(|id| is(exact, *id)) {
                    names.insert(service);
                }
            }
        }
        for service in names {
            let mut entries: [Option<Reach>; 2] = [None, None];
            for (index, (side, slot)) in self.sides.iter().zip(entries.iter_mut()).enumerate() {
                let Some((number, roles)) = side.service(service) else {
                    continue;
                };
                for &id in roles {
                    let Some(reach) = reached.get(index).and_then(|found| found.get(&id)) else {
                        continue;
                    };
                    if !side.service_may(number, service, id)? {
                        continue;
                    }
                    let mut chain = vec![reach.principal.clone()];
                    chain.extend(reach.chain.iter().cloned());
                    let candidate = Reach {
                        principal: service.to_owned(),
                        kind: Kind::Service,
                        role: Some(reach.principal.clone()),
                        chain,
                        external_ids: BTreeMap::new(),
                        allowed_by: Vec::new(),
                        session_names: BTreeMap::new(),
                        through: Vec::new(),
                        access_point: None,
                    };
                    // who-can lists one entry per role, sorted by hops (stably, roles in id
                    // order); the diff keeps the last.
                    if slot
                        .as_ref()
                        .is_none_or(|best| candidate.hops() >= best.hops())
                    {
                        *slot = Some(candidate);
                    }
                }
            }
            if entries.iter().all(Option::is_none) {
                continue;
            }
            // The roles not decided exactly that trust it: unchanged, so the same on both
            // sides; one that can clear of the change (a settled one does) makes it can on both.
            let before = &self.sides[0];
            let mut others = Vec::new();
            let mut clear = false;
            if let Some((number, roles)) = before.service(service) {
                for &id in roles {
                    if is(&exact[0], id) || !before.service_may(number, service, id)? {
                        continue;
                    }
                    if is(settled, id) {
                        clear = true;
                        break;
                    }
                    if !is(&affected.upstream[0], id) {
                        others.push(id);
                    }
                }
            }
            if !clear {
                match self.clear_chain(deciding, &others)? {
                    Some(found) => clear = found,
                    None => return Ok(false),
                }
            }
            if clear {
                continue;
            }
            for (slot, entry) in kept.iter_mut().zip(entries) {
                if let Some(entry) = entry {
                    slot.insert(entry.principal.clone(), entry);
                }
            }
        }
        Ok(true)
    }

    /// The changed principals on each side, and the principals upstream of them.
    fn affected(&self, changed: &Changed) -> Result<Rc<Affected>, WhoCanError> {
        if let Some(found) = self.affected.borrow().get(changed) {
            return Ok(Rc::clone(found));
        }
        let flags = |side: &Side<'_>, arns: &BTreeSet<String>| {
            let mut out = vec![false; side.callers.len()];
            for id in arns.iter().filter_map(|arn| side.callers.id(arn)) {
                mark(&mut out, id);
            }
            out
        };
        let [before, after] = &self.sides;
        let edges = [flags(before, &changed.edges), flags(after, &changed.edges)];
        let known = self.unchanged_edges.borrow().clone();
        match known {
            None => {
                *self.unchanged_edges.borrow_mut() =
                    Some(Rc::new((changed.edges.clone(), edges.clone())));
            }
            Some(known) if known.0 != changed.edges => self.edges_shared.set(false),
            Some(_) => {}
        }
        let mut upstream: BTreeSet<String> = changed.requests.clone();
        upstream.extend(changed.edges.iter().cloned());
        for (index, side) in self.sides.iter().enumerate() {
            let starts: Vec<Id> = changed
                .requests
                .iter()
                .chain(&changed.edges)
                .filter_map(|arn| side.callers.id(arn))
                .collect();
            for id in self.upstream(index, &starts)? {
                if let Some(entry) = side.callers.entry(id) {
                    upstream.insert(entry.arn.to_owned());
                }
            }
        }
        let found = Rc::new(Affected {
            requests: [
                flags(before, &changed.requests),
                flags(after, &changed.requests),
            ],
            edges,
            upstream: [flags(before, &upstream), flags(after, &upstream)],
        });
        self.affected
            .borrow_mut()
            .insert(changed.clone(), Rc::clone(&found));
        Ok(found)
    }

    /// The principals that reach one of `starts` within the depth limit through edges that
    /// pass (`starts` included).
    fn upstream(&self, index: usize, starts: &[Id]) -> Result<Vec<Id>, WhoCanError> {
        let Some(side) = self.sides.get(index) else {
            return Ok(Vec::new());
        };
        let mut marked = vec![false; side.callers.len()];
        let mut out = Vec::new();
        let mut frontier = Vec::new();
        for &id in starts {
            if mark(&mut marked, id) {
                out.push(id);
                frontier.push(id);
            }
        }
        for _ in 0..self.max_depth {
            let mut next = Vec::new();
            for target in frontier {
                if !side
                    .callers
                    .entry(target)
                    .is_some_and(|entry| entry.is_role)
                {
                    continue;
                }
                for caller in side.callers.trusted_by(side.world, target) {
                    if is(&marked, caller) || !self.edge(index, caller, target)? {
                        continue;
                    }
                    mark(&mut marked, caller);
                    out.push(caller);
                    next.push(caller);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        Ok(out)
    }

    /// By id: `starts` and the roles they may assume within the depth limit; `None` when they
    /// are more than `limit`.
    fn ball(
        &self,
        index: usize,
        starts: &[Id],
        limit: usize,
    ) -> Result<Option<Vec<bool>>, WhoCanError> {
        let Some(side) = self.sides.get(index) else {
            return Ok(None);
        };
        let mut marked = vec![false; side.callers.len()];
        let mut count = 0;
        let mut frontier = Vec::new();
        for &id in starts {
            if mark(&mut marked, id) {
                count += 1;
                frontier.push(id);
            }
        }
        for _ in 0..self.max_depth {
            let mut next = Vec::new();
            for caller in frontier {
                for &target in self.assumes(index, caller)?.iter() {
                    if mark(&mut marked, target) {
                        count += 1;
                        next.push(target);
                    }
                }
                if count > limit {
                    return Ok(None);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        Ok((count <= limit).then_some(marked))
    }

    /// Whether one of `starts` (principals of the world before) can through a chain clear of
    /// the change: no principal on it whose AssumeRole edges changed, made by one whose request
    /// did not, so it can in both worlds. `None` when the search gave up (see
    /// [`CLEAR_CHAIN_BUDGET`]).
    fn clear_chain(
        &self,
        deciding: &mut Deciding<'_>,
        starts: &[Id],
    ) -> Result<Option<bool>, WhoCanError> {
        let affected = Rc::clone(&deciding.affected);
        let [requests, edges] = [&affected.requests[0], &affected.edges[0]];
        let mut marked: BTreeSet<Id> = BTreeSet::new();
        // Each principal visited, with the hops left from it.
        let mut visited: Vec<(Id, usize)> = Vec::new();
        let mut frontier: Vec<Id> = starts
            .iter()
            .copied()
            .filter(|id| !is(edges, *id) && marked.insert(*id))
            .collect();
        for depth in 0..=self.max_depth {
            let left = self.max_depth - depth;
            // Principals known to have no clear chain within the hops left are not searched.
            frontier.retain(|id| {
                deciding
                    .dead_ends
                    .get(*id as usize)
                    .copied()
                    .flatten()
                    .is_none_or(|dead| dead < left)
            });
            for &id in &frontier {
                visited.push((id, left));
                if !is(requests, id) && self.direct(deciding, 0, id)?.is_some() {
                    return Ok(Some(true));
                }
            }
            if depth == self.max_depth {
                break;
            }
            let mut next = Vec::new();
            for caller in frontier {
                for &target in self.assumes(0, caller)?.iter() {
                    if !is(edges, target) && marked.insert(target) {
                        next.push(target);
                    }
                }
                if marked.len() > CLEAR_CHAIN_BUDGET {
                    return Ok(None);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        // Every principal within reach was searched: none has a clear chain within the hops
        // it had left.
        for (id, left) in visited {
            if let Some(slot) = deciding.dead_ends.get_mut(id as usize) {
                *slot = Some(slot.map_or(left, |dead| dead.max(left)));
            }
        }
        Ok(Some(false))
    }

    /// The final request of principal `id` of side `side`, decided once per question (once
    /// for both sides when the principal is unchanged).
    fn direct(
        &self,
        deciding: &mut Deciding<'_>,
        side: usize,
        id: Id,
    ) -> Result<Decision, WhoCanError> {
        let Some(found) = self.sides.get(side) else {
            return Ok(None);
        };
        let Some(entry) = found.callers.entry(id) else {
            return Ok(None);
        };
        let changed = deciding
            .affected
            .requests
            .get(side)
            .is_some_and(|flags| is(flags, id));
        let shared = if changed {
            None
        } else if side == 0 {
            Some(id)
        } else {
            found.other.get(id as usize).copied().flatten()
        };
        let known = match shared {
            Some(key) => deciding.shared.get(key as usize).cloned().flatten(),
            None => deciding.own.get(side).and_then(|own| own.get(&id)).cloned(),
        };
        if let Some(known) = known {
            return Ok(known);
        }
        let (Some(screen), Some(acting)) = (deciding.screens.get(side), deciding.acting.get(side))
        else {
            return Ok(None);
        };
        // The screen, without its identity half when the principal has no identity statement
        // that may cover the action (as who-can's candidates): then only a resource-policy
        // statement naming it, in the resource's account, may allow it.
        let named = || {
            screen
                .resource_allows
                .iter()
                .any(|statement| Screen::may_name(statement, entry))
        };
        // A principal in another account than the resource's needs both halves.
        let same_account = screen
            .account
            .is_none_or(|account| account == entry.account);
        let decision: Decision = if is(acting, id) || (same_account && named()) {
            let mut counts = super::WhoCan::default();
            decide_final(
                found.world,
                entry,
                deciding.query,
                Some(screen),
                &mut counts,
            )?
            .map(Rc::from)
        } else {
            None
        };
        match shared {
            Some(key) => {
                if let Some(slot) = deciding.shared.get_mut(key as usize) {
                    *slot = Some(decision.clone());
                }
            }
            None => {
                if let Some(own) = deciding.own.get_mut(side) {
                    own.insert(id, decision.clone());
                }
            }
        }
        Ok(decision)
    }

    /// The roles `caller` may assume: the edges who-can would try whose screen and engine
    /// let them pass, decided once per world (and kept with who-can's own).
    fn assumes(&self, index: usize, caller: Id) -> Result<Rc<[Id]>, WhoCanError> {
        let Some(side) = self.sides.get(index) else {
            return Ok(Rc::from(Vec::new()));
        };
        if let Some(found) = side.assumes.borrow().get(&caller) {
            return Ok(Rc::clone(found));
        }
        let candidates = side
            .trusting()
            .get(caller as usize)
            .cloned()
            .unwrap_or_default();
        let mut out = Vec::new();
        for target in candidates {
            if self.edge(index, caller, target)? {
                out.push(target);
            }
        }
        let out: Rc<[Id]> = out.into();
        side.assumes.borrow_mut().insert(caller, Rc::clone(&out));
        Ok(out)
    }

    /// Whether the AssumeRole edge passes, as who-can's search decides it (its screen, then
    /// the engine), remembered with the edges who-can's own questions decide.
    fn edge(&self, index: usize, caller: Id, target: Id) -> Result<bool, WhoCanError> {
        let Some(side) = self.sides.get(index) else {
            return Ok(false);
        };
        let edges = side.prepared.edges();
        if let Some(known) = edges.known((caller, target)) {
            return Ok(matches!(known, Edge::Passed(_)));
        }
        // Between two principals whose edges did not change, as in the world before.
        if let Some(before) = self.before_edge(index, caller, target)? {
            edges.keep((caller, target), before.clone());
            return Ok(matches!(before, Edge::Passed(_)));
        }
        let (Some(caller_entry), Some(target_entry)) =
            (side.callers.entry(caller), side.callers.entry(target))
        else {
            return Ok(false);
        };
        let Some(role) = side
            .world
            .roles
            .get(target_entry.arn)
            .filter(|_| target_entry.is_role)
        else {
            return Ok(false);
        };
        let assume_role: ActionName = "sts:AssumeRole"
            .parse()
            .map_err(|_| WhoCanError("sts:AssumeRole does not parse".to_owned()))?;
        let screen = Screen::new(
            assume_role,
            role.arn.clone(),
            Some(role.account),
            &[&role.trust],
        );
        if !screen.may_allow(side.world, caller_entry) {
            edges.keep((caller, target), Edge::Screened);
            return Ok(false);
        }
        let passed = decide_edge(side.world, &self.edge_query, role, caller_entry, &mut 0)?;
        let passes = passed.is_some();
        let kept = match passed {
            Some(passed) => Edge::Passed(passed),
            None => Edge::Failed,
        };
        edges.keep((caller, target), kept);
        Ok(passes)
    }
}

impl Incremental<'_> {
    /// The edge of the world after between two principals whose edges did not change, as the
    /// world before decides it (the same documents decide it); `None` for any other edge.
    fn before_edge(
        &self,
        index: usize,
        caller: Id,
        target: Id,
    ) -> Result<Option<Edge>, WhoCanError> {
        if index != 1 || !self.edges_shared.get() {
            return Ok(None);
        }
        let Some(known) = self.unchanged_edges.borrow().clone() else {
            return Ok(None);
        };
        let after = &self.sides[1];
        if is(&known.1[1], caller) || is(&known.1[1], target) {
            return Ok(None);
        }
        let number = |id: Id| after.other.get(id as usize).copied().flatten();
        let (Some(caller), Some(target)) = (number(caller), number(target)) else {
            return Ok(None);
        };
        self.edge(0, caller, target)?;
        Ok(self.sides[0].prepared.edges().known((caller, target)))
    }
}

impl Side<'_> {
    fn trusting(&self) -> &[Vec<Id>] {
        self.trusting.get_or_init(|| {
            let mut out: Vec<Vec<Id>> = vec![Vec::new(); self.callers.len()];
            for role in (0..).take(self.callers.roles()) {
                for caller in self.callers.trusted_by(self.world, role) {
                    if let Some(slot) = out.get_mut(caller as usize) {
                        slot.push(role);
                    }
                }
            }
            out
        })
    }

    fn services(&self) -> &[(String, Vec<Id>)] {
        self.services.get_or_init(|| {
            let mut out: BTreeMap<String, Vec<Id>> = BTreeMap::new();
            for (id, entry) in self.callers.entries() {
                let Some(role) = self.world.roles.get(entry.arn).filter(|_| entry.is_role) else {
                    continue;
                };
                for service in services::trusted_services(role) {
                    out.entry(service).or_default().push(id);
                }
            }
            out.into_iter().collect()
        })
    }

    /// The service's number and the roles whose trust names it.
    fn service(&self, service: &str) -> Option<(usize, &[Id])> {
        let found = self.services();
        let number = found
            .binary_search_by(|(name, _)| name.as_str().cmp(service))
            .ok()?;
        found
            .get(number)
            .map(|(_, roles)| (number, roles.as_slice()))
    }

    /// Whether `service` (number `number`) may assume role `id` (its trust, decided by the
    /// engine).
    fn service_may(&self, number: usize, service: &str, id: Id) -> Result<bool, WhoCanError> {
        if let Some(known) = self.service_may.borrow().get(&(number, id)) {
            return Ok(*known);
        }
        let Some(entry) = self.callers.entry(id) else {
            return Ok(false);
        };
        let may = services::service_assumes(self.world, service, entry.arn)?;
        self.service_may.borrow_mut().insert((number, id), may);
        Ok(may)
    }

    /// By id: whether the principal has an identity Allow statement whose action clause may
    /// cover `action`.
    fn acting(&self, action: &str) -> Rc<Vec<bool>> {
        if let Some(found) = self.acting.borrow().get(action) {
            return Rc::clone(found);
        }
        let arns = self.prepared.acting(self.world, self.callers, action);
        let mut flags = vec![false; self.callers.len()];
        for id in arns.iter().filter_map(|arn| self.callers.id(arn)) {
            mark(&mut flags, id);
        }
        let flags = Rc::new(flags);
        self.acting
            .borrow_mut()
            .insert(action.to_owned(), Rc::clone(&flags));
        flags
    }
}

fn is(flags: &[bool], id: Id) -> bool {
    flags.get(id as usize).copied().unwrap_or(false)
}

/// Marks `id`; whether it was not marked before.
fn mark(flags: &mut [bool], id: Id) -> bool {
    flags
        .get_mut(id as usize)
        .is_some_and(|flag| !std::mem::replace(flag, true))
}
