//! What who-can finds once per world and reuses across the questions asked of it (the diff
//! asks thousands of one world). Each piece is a function of the world alone, or of the world
//! and something the question carries that is part of the key, so answers are the same with or
//! without it.

use super::outside::{self, Named, Outside};
use super::{services, Entry, Passed, Screen, WhoCanQuery};
use crate::callers::{CallerIndex, Id};
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use xacct_eval::SourcedPolicy;
use xacct_policy::{ActionName, Effect, PrincipalEntry};
use xacct_world::World;

/// What who-can finds once per world and reuses across the questions asked of it: what the
/// trust policies let in from outside the world, and the worlds with stand-ins (see
/// `outside`) built so far, by what they stand in for. Answers are the same with or without
/// it; asking many questions of one world ([`crate::diff`]) is faster with one.
pub struct Prepared {
    trusts: Named,
    /// Some role's trust lets an identity provider in (`federated`).
    federated: bool,
    outside: RefCell<HashMap<Named, Rc<Built>>>,
    edges: Edges,
    /// The ARNs of the principals that may pass a role (for the services' ways in).
    passers: OnceCell<Vec<String>>,
    /// By action: the ARNs of the principals with an identity Allow statement whose action
    /// clause may cover it, in id order.
    acting: RefCell<HashMap<String, Rc<Vec<String>>>>,
}

/// AssumeRole edges between principals of the world, decided once, by the ids of the world's
/// caller index: an edge's screen and decision do not depend on the question (only on the
/// context and `ExternalId`s, so only questions with neither use them), and the worlds with
/// stand-ins decide edges between the world's own principals as the world does (they only add
/// accounts and principals, see `outside`).
#[derive(Default)]
pub(super) struct Edges {
    decided: RefCell<HashMap<(Id, Id), Edge>>,
}

/// What became of an edge.
#[derive(Debug, Clone)]
pub(super) enum Edge {
    /// The edge screen showed the engine could not allow it.
    Screened,
    Failed,
    Passed(Passed),
}

impl Edges {
    pub(super) fn known(&self, key: (Id, Id)) -> Option<Edge> {
        self.decided.borrow().get(&key).cloned()
    }

    pub(super) fn keep(&self, key: (Id, Id), edge: Edge) {
        self.decided.borrow_mut().insert(key, edge);
    }
}

/// The edges a search may reuse, and how to number its principals as the world's caller index
/// does (`None`: the search is of the world itself; else by the searched index's ids, `None`
/// for a stand-in).
#[derive(Clone, Copy)]
pub(super) struct EdgeMemo<'a> {
    pub edges: &'a Edges,
    numbers: Option<&'a [Option<Id>]>,
}

impl EdgeMemo<'_> {
    /// The key of the edge from `caller` to `target` (ids of the searched index); `None` for an
    /// edge with a stand-in.
    pub(super) fn key(&self, caller: Id, target: Id) -> Option<(Id, Id)> {
        match self.numbers {
            None => Some((caller, target)),
            Some(numbers) => Some((
                (*numbers.get(caller as usize)?)?,
                (*numbers.get(target as usize)?)?,
            )),
        }
    }
}

/// A world with stand-ins, and its principals numbered as the world's caller index numbers
/// them (found once, when first searched).
pub(super) struct Built {
    pub outside: Outside,
    numbers: OnceCell<Vec<Option<Id>>>,
}

impl Built {
    /// By id of `index` (the caller index of this world with stand-ins): the id of the same
    /// principal in `callers` (the world's), `None` for a stand-in.
    pub(super) fn numbers(
        &self,
        base: &World,
        callers: &CallerIndex<'_>,
        index: &CallerIndex<'_>,
    ) -> &[Option<Id>] {
        self.numbers.get_or_init(|| {
            index
                .entries()
                .map(|(_, entry)| {
                    if base.accounts.contains_key(&entry.account) {
                        callers.id(entry.arn)
                    } else {
                        None
                    }
                })
                .collect()
        })
    }
}

/// Worlds with stand-ins kept by a [`Prepared`] (each is a copy of the world).
const KEPT_OUTSIDE_WORLDS: usize = 8;

impl Prepared {
    pub fn new(world: &World) -> Self {
        Self {
            trusts: outside::named_by_trusts(world),
            federated: super::federated::trusted_anywhere(world),
            outside: RefCell::new(HashMap::new()),
            edges: Edges::default(),
            passers: OnceCell::new(),
            acting: RefCell::new(HashMap::new()),
        }
    }

    /// The AssumeRole edges decided so far.
    pub(super) fn edges(&self) -> &Edges {
        &self.edges
    }

    /// What the world's trust policies let in from outside it.
    pub(super) fn trusts(&self) -> &Named {
        &self.trusts
    }

    /// Whether some role's trust lets an identity provider in.
    pub(super) fn federated(&self) -> bool {
        self.federated
    }

    /// The ARNs of the principals of the world that may pass a role, in id order.
    pub(super) fn passers(&self, world: &World, callers: &CallerIndex<'_>) -> &[String] {
        self.passers
            .get_or_init(|| services::passer_arns(world, callers))
    }

    /// The ARNs of the principals of the world with an identity Allow statement whose action
    /// clause may cover `action`, in id order: the only ones the screen can let through on
    /// their own policies.
    pub(super) fn acting(
        &self,
        world: &World,
        callers: &CallerIndex<'_>,
        action: &str,
    ) -> Rc<Vec<String>> {
        if let Some(found) = self.acting.borrow().get(action) {
            return Rc::clone(found);
        }
        let found: Vec<String> = match action.parse::<ActionName>() {
            Ok(parsed) => callers
                .entries()
                .filter(|(_, entry)| acts(entry, &parsed))
                .map(|(_, entry)| entry.arn.to_owned())
                .collect(),
            // Not an action: every principal (the question fails before the screen anyway).
            Err(_) => callers
                .entries()
                .map(|(_, entry)| entry.arn.to_owned())
                .collect(),
        };
        let found = Rc::new(found);
        self.acting
            .borrow_mut()
            .insert(action.to_owned(), Rc::clone(&found));
        let _ = world;
        found
    }

    /// The edge decisions `search` may reuse in `searched` (the world itself or one with
    /// stand-ins): none when the query carries context or `ExternalId`s (edges then depend on
    /// it), or when the stand-ins brought an organization the world lacks (requests of the
    /// world's own principals may then be decided otherwise).
    pub(super) fn edges_for<'p>(
        &'p self,
        world: &World,
        searched: &World,
        numbers: Option<&'p [Option<Id>]>,
        query: &WhoCanQuery,
    ) -> Option<EdgeMemo<'p>> {
        let plain = query.context.is_empty() && query.external_ids.is_empty() && !query.exhaustive;
        let same_organization = searched.organization.as_ref().map(|found| &found.id)
            == world.organization.as_ref().map(|found| &found.id);
        (plain && same_organization).then_some(EdgeMemo {
            edges: &self.edges,
            numbers,
        })
    }

    /// The world with stand-ins for what `resource_side` and the trusts let in; `None` when
    /// they let in nobody outside the world.
    pub(super) fn outside(
        &self,
        world: &World,
        resource_side: &[&SourcedPolicy],
    ) -> Option<Rc<Built>> {
        let named = outside::named(world, &self.trusts, resource_side)?;
        if let Some(built) = self.outside.borrow().get(&named) {
            return Some(Rc::clone(built));
        }
        let built = Rc::new(Built {
            outside: outside::build(world, &named),
            numbers: OnceCell::new(),
        });
        let mut kept = self.outside.borrow_mut();
        if kept.len() < KEPT_OUTSIDE_WORLDS {
            kept.insert(named, Rc::clone(&built));
        }
        Some(built)
    }
}

/// Whether the principal has an identity Allow statement whose action clause may cover `action`.
fn acts(entry: &Entry<'_>, action: &ActionName) -> bool {
    entry.policies.iter().any(|policy| {
        policy.policy.statements.iter().any(|statement| {
            statement.effect == Effect::Allow && Screen::action_may_match(statement, action)
        })
    })
}

/// The principals of `callers` the screen may let through, and maybe others, in id order: a
/// superset of those [`Screen::may_allow`] keeps, found without asking it of every principal.
/// An Allow needs an identity statement (its principal is then among `acting`, the principals
/// of `base` whose identity statements may cover the action, or a stand-in `base` does not
/// hold) or, in the resource's account, a resource-policy statement naming it.
pub(super) fn candidates(
    screen: &Screen,
    callers: &CallerIndex<'_>,
    acting: &[String],
    base: &World,
) -> Vec<Id> {
    let mut ids: Vec<Id> = acting.iter().filter_map(|arn| callers.id(arn)).collect();
    let mut everyone = false;
    for statement in &screen.resource_allows {
        let Some(clause) = &statement.principal else {
            continue;
        };
        if clause.negated {
            everyone = true;
            continue;
        }
        for named in &clause.entries {
            let found: &[Id] = match &named.value {
                PrincipalEntry::Everyone => {
                    everyone = true;
                    &[]
                }
                PrincipalEntry::Account { account } => callers.of_account(*account),
                PrincipalEntry::Role { account, name, .. }
                | PrincipalEntry::AssumedRole {
                    account,
                    role_name: name,
                    ..
                } => callers.roles_named(*account, name),
                PrincipalEntry::User { account, name, .. } => callers.users_named(*account, name),
                _ => &[],
            };
            ids.extend(found);
        }
    }
    if everyone {
        match screen.account {
            // Named principals of other accounts need an identity statement too (then they
            // are among `acting`).
            Some(account) => ids.extend(callers.of_account(account)),
            None => return callers.entries().map(|(id, _)| id).collect(),
        }
    }
    // Stand-ins: principals of accounts the world does not hold, allowed everything.
    ids.extend(
        callers
            .entries()
            .filter(|(_, entry)| !base.accounts.contains_key(&entry.account))
            .map(|(id, _)| id),
    );
    ids.sort_unstable();
    ids.dedup();
    ids
}
