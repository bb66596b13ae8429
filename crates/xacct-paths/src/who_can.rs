//! Who can do an action on a resource: every role and user of the world, and every instance
//! profile through its role, each with its shortest AssumeRole chain.
//!
//! A reverse search. First every principal's own request is decided (direct access). Then the
//! AssumeRole edges are walked backwards, breadth first, from the roles that can: the
//! candidate callers of a role are the principals its trust policy names
//! ([`CallerIndex::trusted_by`]), and each edge is decided with [`hop`](crate::search::hop)
//! (through [`assume`], which passes the `ExternalId` the trust asks for). A caller whose edge
//! passes can, one hop further than the role it assumes; breadth first, so the first chain
//! found for a principal is a shortest one.
//!
//! A screen keeps the engine for the principals that could be allowed at all: an Allow needs
//! an identity statement or a resource-policy statement naming the caller (both across
//! accounts) whose action and resource match, so a principal with neither is denied without
//! building its request. The screen ignores conditions and treats `NotResource`,
//! `NotPrincipal` and policy variables as matching, so it never skips a principal the engine
//! would allow; [`WhoCanQuery::exhaustive`] turns it off to check that.
//!
//! The answer never under-reports: principals the world does not hold but a policy lets in
//! (everyone, undeclared accounts and their roles, organization members) are decided through
//! stand-ins (`outside`), the services a role that can trusts are listed with how they get the
//! role (`services`), and a trust that names one session of a role is tried with that session
//! name (IAM Identity Center). The question itself is checked first
//! ([`xacct_world::question`]).

mod access_point;
mod federated;
pub(crate) use access_point::routes_of as access_point_routes;
pub use access_point::Route as AccessPointRoute;
pub mod incremental;
mod outside;
mod prepared;
mod services;

pub use prepared::Prepared;
use prepared::{Edge, EdgeMemo};

use crate::assume::{allowed_by, assume};
use crate::callers::{CallerIndex, Entry, Id};
use crate::search::{AssumeOptions, Query, Step};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use xacct_eval::{authorize, ContextValue, SourcedPolicy};
use xacct_policy::template::VariableValues;
use xacct_policy::{AccountId, ActionName, Arn, Effect, PrincipalEntry, Statement};
use xacct_world::{Session, World};

/// Chains longer than this are not searched unless asked.
pub const DEFAULT_DEPTH: usize = 5;

/// The question: who can do `action` on `resource`?
#[derive(Debug, Clone)]
pub struct WhoCanQuery {
    pub action: String,
    pub resource: String,
    /// Context keys for every request (the final one and each AssumeRole).
    pub context: Vec<(String, ContextValue)>,
    /// `ExternalId` callers pass, by role ARN; for other roles the values their trust policy
    /// asks for are tried.
    pub external_ids: BTreeMap<String, String>,
    /// Longest chain, in AssumeRole hops.
    pub max_depth: usize,
    /// Decide every principal with the engine instead of screening first (slower, same answer).
    pub exhaustive: bool,
}

impl WhoCanQuery {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            resource: resource.into(),
            context: Vec::new(),
            external_ids: BTreeMap::new(),
            max_depth: DEFAULT_DEPTH,
            exhaustive: false,
        }
    }
}

/// What kind of principal can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    Role,
    User,
    InstanceProfile,
    /// An AWS service a role's trust lets in (`ec2.amazonaws.com`).
    Service,
    /// Principals the scenario does not hold that a policy lets in: see `outside`.
    Outside,
    /// A compute entry of the scenario (`compute:NAME`) as a reader of table data: `diff`
    /// asks it, because whether Lake Formation vends credentials depends on the engine, not
    /// only on the role (see `diff::compute`). who-can itself never answers with one.
    Compute,
    /// An identity provider (OIDC, SAML, Cognito) a role's trust lets in, with the trust's
    /// conditions: see `federated`.
    Federated,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Role => "role",
            Self::User => "user",
            Self::InstanceProfile => "instance profile",
            Self::Service => "service",
            Self::Outside => "outside the scenario:",
            Self::Compute => "compute",
            Self::Federated => "identity provider",
        }
    }
}

/// One principal that can, and how.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reach {
    pub principal: String,
    pub kind: Kind,
    /// For an instance profile: the role EC2 obtains for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Roles assumed, in order; the last one makes the request. Empty when the principal (or
    /// the instance profile's role) makes it directly.
    pub chain: Vec<String>,
    /// The `ExternalId` passed when assuming a role of the chain, by role ARN.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub external_ids: BTreeMap<String, String>,
    /// The statements that allow the final request.
    pub allowed_by: Vec<String>,
    /// The session name a role's session must have, by role ARN, when a trust names one
    /// session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, as for IAM Identity Center).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub session_names: BTreeMap<String, String>,
    /// For a service: how it gets the role (`instance profile ARN`, `iam:PassRole by ARN`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub through: Vec<String>,
    /// For a question on a bucket or its objects: the access point of the bucket the
    /// principal reaches the same data through, when that is its route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_point: Option<AccessPointRoute>,
}

impl Reach {
    /// Whether the principal stands for everyone: anyone at all (public), or any principal of
    /// any account whose own policies allow it.
    pub fn is_anyone(&self) -> bool {
        self.kind == Kind::Outside
            && (self.principal == outside::PUBLIC || self.principal == outside::ANYONE)
    }

    /// AssumeRole hops in the chain.
    pub fn hops(&self) -> usize {
        self.chain.len()
    }
}

/// The answer.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoCan {
    /// By hops, then kind, then ARN.
    pub principals: Vec<Reach>,
    /// Requests decided by the engine (final requests and AssumeRole edges).
    pub evaluated: usize,
    /// Requests the screen showed could not be allowed, skipped.
    pub screened: usize,
}

/// Why the question cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WhoCanError(pub String);

/// How far a principal is from the resource, and through which role.
#[derive(Debug, Clone)]
struct Found {
    /// The role it assumes next (none: it makes the request).
    next: Option<Id>,
    external_id: Option<String>,
    /// The name its own session must have for the next role's trust.
    session_name: Option<String>,
}

/// No ARN variable is resolved: a pattern with one is treated as matching by the screen.
struct NoVariables;

impl VariableValues for NoVariables {
    fn single_value(&self, _key_lowercase: &str) -> Option<&str> {
        None
    }
}

/// Whether a request for `action` on `resource` could be allowed for a principal.
pub(crate) struct Screen {
    action: ActionName,
    resource: String,
    /// The resource's account; `None` for a bucket assumed to be in the requester's own.
    account: Option<AccountId>,
    /// Allow statements of the resource policy and the KMS grants whose action and resource
    /// may match.
    resource_allows: Vec<Statement>,
}

impl Screen {
    pub(crate) fn new(
        action: ActionName,
        resource: String,
        account: Option<AccountId>,
        resource_side: &[&SourcedPolicy],
    ) -> Self {
        let mut screen = Self {
            action,
            resource,
            account,
            resource_allows: Vec::new(),
        };
        let allows: Vec<Statement> = resource_side
            .iter()
            .flat_map(|policy| &policy.policy.statements)
            .filter(|statement| {
                statement.effect == Effect::Allow && screen.action_and_resource_may_match(statement)
            })
            .cloned()
            .collect();
        screen.resource_allows = allows;
        screen
    }

    /// Whether the statement's action clause may cover `action`.
    fn action_may_match(statement: &Statement, action: &ActionName) -> bool {
        let listed = statement
            .action
            .patterns
            .iter()
            .any(|pattern| pattern.value.matches(action));
        listed != statement.action.negated
    }

    fn action_and_resource_may_match(&self, statement: &Statement) -> bool {
        if !Self::action_may_match(statement, &self.action) {
            return false;
        }
        match &statement.resource {
            None => true,
            Some(clause) if clause.negated => true,
            Some(clause) => clause.patterns.iter().any(|pattern| {
                pattern.value.has_variables() || pattern.value.matches(&self.resource, &NoVariables)
            }),
        }
    }

    fn may_name(statement: &Statement, entry: &Entry<'_>) -> bool {
        let Some(clause) = &statement.principal else {
            return false;
        };
        if clause.negated {
            return true;
        }
        clause.entries.iter().any(|named| match &named.value {
            PrincipalEntry::Everyone => true,
            PrincipalEntry::Account { account } => *account == entry.account,
            PrincipalEntry::Role { account, name, .. }
            | PrincipalEntry::AssumedRole {
                account,
                role_name: name,
                ..
            } => entry.is_role && *account == entry.account && name == entry.name,
            PrincipalEntry::User { account, name, .. } => {
                !entry.is_role && *account == entry.account && name == entry.name
            }
            _ => false,
        })
    }

    /// False only when the engine is certain not to allow `entry`: an Allow needs a matching
    /// identity statement or a resource-policy statement naming the caller, and both when
    /// the caller is in another account.
    pub(crate) fn may_allow(&self, world: &World, entry: &Entry<'_>) -> bool {
        let identity = identity_policies(world, entry);
        let identity_may = identity.iter().any(|policy| {
            policy.policy.statements.iter().any(|statement| {
                statement.effect == Effect::Allow && self.action_and_resource_may_match(statement)
            })
        });
        let named_may = self
            .resource_allows
            .iter()
            .any(|statement| Self::may_name(statement, entry));
        if self.account.is_none_or(|account| account == entry.account) {
            identity_may || named_may
        } else {
            identity_may && named_may
        }
    }
}

/// The screen for the final request, with the resource policies the engine will see.
pub(crate) fn final_screen(
    world: &World,
    query: &WhoCanQuery,
) -> Result<(Screen, Vec<SourcedPolicy>), WhoCanError> {
    xacct_world::question::check(&query.action, &query.resource)
        .map_err(|error| WhoCanError(error.with_help()))?;
    let action: ActionName = query.action.parse().map_err(|_| {
        WhoCanError(format!(
            "`{}` is not an action: expected `service:Action`",
            query.action
        ))
    })?;
    if query.resource == "*" {
        // Made in each requester's own account, on no resource policy.
        let everything = xacct_world::session::everything_of(&action)
            .map_err(|error| WhoCanError(error.to_string()))?;
        let screen = Screen::new(action, everything.to_string(), None, &[]);
        return Ok((screen, Vec::new()));
    }
    let resource: Arn = query
        .resource
        .parse()
        .map_err(|_| WhoCanError(format!("`{}` is not an ARN", query.resource)))?;
    let (account, resource_side) = match world.resource_facts(&action, &resource) {
        Ok(facts) => (
            Some(facts.account),
            facts.policy.into_iter().chain(facts.grants).collect(),
        ),
        // Assumed to be in each requester's own account, with no policy.
        Err(xacct_world::RequestError::UnknownBucket(name))
            if world.assumed_buckets.contains_key(&name) =>
        {
            (
                world.assumed_buckets.get(&name).copied().flatten(),
                Vec::new(),
            )
        }
        Err(error) => return Err(WhoCanError(error.to_string())),
    };
    let resource_side: Vec<SourcedPolicy> = resource_side;
    let screen = Screen::new(
        action,
        query.resource.clone(),
        account,
        &resource_side.iter().collect::<Vec<_>>(),
    );
    Ok((screen, resource_side))
}

/// Answers a who-can question; `callers` must be built from the same world. Principals a
/// policy lets in that the world does not hold are answered too (see `outside`), and so are
/// the services the roles that can trust.
pub fn who_can(
    world: &World,
    callers: &CallerIndex<'_>,
    query: &WhoCanQuery,
) -> Result<WhoCan, WhoCanError> {
    who_can_prepared(world, callers, &Prepared::new(world), query)
}

/// [`who_can`], with what was found of the world for earlier questions (`prepared` must be
/// made from the same world).
pub fn who_can_prepared(
    world: &World,
    callers: &CallerIndex<'_>,
    prepared: &Prepared,
    query: &WhoCanQuery,
) -> Result<WhoCan, WhoCanError> {
    // An access point alias is asked as its access point.
    let resolved = world
        .resolve_alias(&query.resource)
        .map(|resource| WhoCanQuery {
            resource,
            ..query.clone()
        });
    let query = resolved.as_ref().unwrap_or(query);
    let (_, resource_side) = final_screen(world, query)?;
    let resource_side: Vec<&SourcedPolicy> = resource_side.iter().collect();
    let mut answer = direct(world, callers, prepared, query, &resource_side)?;
    access_point::add_routes(world, callers, prepared, query, &mut answer)?;
    if prepared.federated() {
        federated::add(world, &mut answer);
    }
    sort(&mut answer);
    Ok(answer)
}

/// Who can, on the resource as named (an access point's routes to a bucket's data aside).
fn direct(
    world: &World,
    callers: &CallerIndex<'_>,
    prepared: &Prepared,
    query: &WhoCanQuery,
    resource_side: &[&SourcedPolicy],
) -> Result<WhoCan, WhoCanError> {
    // A request on no resource is made in the caller's own account: principals outside the
    // scenario make theirs in accounts the question is not about.
    let outside = (query.resource != "*")
        .then(|| prepared.outside(world, resource_side))
        .flatten();
    let Some(outside) = outside else {
        let acting = prepared.acting(world, callers, &query.action);
        let mut answer = search(
            world,
            callers,
            query,
            prepared.edges_for(world, world, None, query),
            Some((&acting, world)),
            None,
        )?;
        let passers = prepared.passers(world, callers);
        services::add(world, callers, Some((passers, world)), query, &mut answer)?;
        return Ok(answer);
    };
    let built = outside;
    let outside = &built.outside;
    let index = CallerIndex::new(&outside.world);
    let numbers = built.numbers(world, callers, &index);
    let edges = prepared.edges_for(world, &outside.world, Some(numbers), query);
    let acting = prepared.acting(world, callers, &query.action);
    let mut answer = search(
        &outside.world,
        &index,
        query,
        edges,
        Some((&acting, world)),
        None,
    )?;
    for reach in &mut answer.principals {
        let meaning = outside.meaning.get(&reach.principal).or_else(|| {
            reach
                .role
                .as_ref()
                .and_then(|role| outside.meaning.get(role))
        });
        if let Some(meaning) = meaning {
            let public = meaning == outside::ANYONE
                && reach.chain.is_empty()
                && query.resource.starts_with("arn:aws:s3:::");
            reach.kind = Kind::Outside;
            reach.principal = if public {
                outside::PUBLIC.to_owned()
            } else {
                meaning.clone()
            };
            reach.role = None;
        }
    }
    let passers = prepared.passers(world, callers);
    services::add(
        &outside.world,
        &index,
        Some((passers, world)),
        query,
        &mut answer,
    )?;
    outside::add_foreign_organizations(
        &outside.world,
        &outside.foreign_organizations,
        &query.action,
        resource_side,
        &mut answer,
    );
    Ok(answer)
}

fn sort(answer: &mut WhoCan) {
    answer.principals.sort_by(|left, right| {
        (left.hops(), left.kind, &left.principal).cmp(&(right.hops(), right.kind, &right.principal))
    });
}

/// A search kept to some principals (see `incremental`): only they are decided, by `direct`
/// (which the caller may answer from what it decided before), and only the AssumeRole edges
/// between them are followed.
pub(super) struct Focus<'f> {
    /// By id of the searched index: whether the principal is searched.
    pub members: &'f [bool],
    /// By id: whether the principal's answer is wanted (the others are left out of it).
    pub keep: &'f [bool],
    /// The principal's own request, as [`decide_final`] decides it.
    pub direct: &'f mut dyn FnMut(Id) -> Result<Option<Vec<String>>, WhoCanError>,
}

/// The final request `entry` makes itself, as who-can decides it: the statements that allow
/// it, `None` when it is denied or the screen shows it cannot be allowed.
pub(super) fn decide_final(
    world: &World,
    entry: &Entry<'_>,
    query: &WhoCanQuery,
    screen: Option<&Screen>,
    out: &mut WhoCan,
) -> Result<Option<Vec<String>>, WhoCanError> {
    if screen.is_some_and(|screen| !screen.may_allow(world, entry)) {
        out.screened += 1;
        return Ok(None);
    }
    let session = Session::of(entry.principal());
    let request = world
        .request(&session, &query.action, &query.resource, &query.context)
        .map_err(|error| WhoCanError(error.to_string()))?;
    let response = authorize(&request);
    out.evaluated += 1;
    let step = Step { request, response };
    let mut why = allowed_by(&step);
    let mut allowed = step.allowed();
    if allowed {
        // Through an access point, the bucket must allow the request too.
        match access_point::bucket_side(world, &session, query)? {
            access_point::Via::Direct => {}
            access_point::Via::Refused => allowed = false,
            access_point::Via::Bucket(side) => {
                out.evaluated += 1;
                allowed = side.allowed();
                // The identity side was the access point's, already listed.
                why.extend(
                    allowed_by(&side)
                        .into_iter()
                        .filter(|reason| !reason.contains("DecidedAtTheAccessPoint")),
                );
            }
        }
    }
    Ok(allowed.then_some(why))
}

/// Whether the final request is screened: not for a Glue catalog read across accounts,
/// whose resource side includes what an active RAM share adds for the caller's account,
/// which the screen does not see.
pub(super) fn screens_final(query: &WhoCanQuery) -> bool {
    !query.exhaustive && !query.resource.starts_with("arn:aws:glue:")
}

/// The principals of `world` that can, with their chains (of those `focus` keeps to, when
/// given).
fn search(
    world: &World,
    callers: &CallerIndex<'_>,
    query: &WhoCanQuery,
    edges: Option<EdgeMemo<'_>>,
    acting: Option<(&[String], &World)>,
    mut focus: Option<Focus<'_>>,
) -> Result<WhoCan, WhoCanError> {
    let (screen, _) = final_screen(world, query)?;
    let mut out = WhoCan::default();
    let mut found: Vec<Option<Found>> = vec![None; callers.len()];
    let mut reasons: HashMap<Id, Vec<String>> = HashMap::new();

    // Direct access: every principal's own request.
    let mut frontier: Vec<Id> = Vec::new();
    let screen_final = screens_final(query);
    let candidates: Vec<Id> = match (&focus, acting.filter(|_| screen_final)) {
        (Some(focus), _) => (0..)
            .zip(focus.members)
            .filter(|(_, member)| **member)
            .map(|(id, _)| id)
            .collect(),
        (None, Some((acting, base))) => prepared::candidates(&screen, callers, acting, base),
        (None, None) => callers.entries().map(|(id, _)| id).collect(),
    };
    out.screened += callers.len() - candidates.len();
    for id in candidates {
        let Some(entry) = callers.entry(id) else {
            continue;
        };
        let decided = match &mut focus {
            Some(focus) => (focus.direct)(id)?,
            None => decide_final(
                world,
                entry,
                query,
                screen_final.then_some(&screen),
                &mut out,
            )?,
        };
        if let Some(why) = decided {
            reasons.insert(id, why);
            set(
                &mut found,
                id,
                Found {
                    next: None,
                    external_id: None,
                    session_name: None,
                },
            );
            if entry.is_role {
                frontier.push(id);
            }
        }
    }

    // Backwards along AssumeRole edges, one hop further per round.
    let edge_query = edge_query(query);
    let assume_role: ActionName = "sts:AssumeRole"
        .parse()
        .map_err(|_| WhoCanError("sts:AssumeRole does not parse".to_owned()))?;
    for _ in 0..query.max_depth {
        let mut next_frontier: Vec<Id> = Vec::new();
        for &target in &frontier {
            let Some(target_entry) = callers.entry(target) else {
                continue;
            };
            let Some(role) = world.roles.get(target_entry.arn) else {
                continue;
            };
            // Built when an edge is not known yet.
            let mut edge_screen: Option<Screen> = None;
            for caller in callers.trusted_by(world, target) {
                if found.get(caller as usize).is_some_and(Option::is_some) {
                    continue;
                }
                let outside_focus = focus.as_ref().is_some_and(|focus| {
                    !focus.members.get(caller as usize).copied().unwrap_or(false)
                });
                if outside_focus {
                    continue;
                }
                let Some(caller_entry) = callers.entry(caller) else {
                    continue;
                };
                // Edges between principals of the world are decided once; a stand-in's is
                // decided in its own world.
                let key = edges.and_then(|memo| Some((memo, memo.key(caller, target)?)));
                if let Some(known) = key.and_then(|(memo, key)| memo.edges.known(key)) {
                    match known {
                        Edge::Screened => {
                            out.screened += 1;
                            continue;
                        }
                        Edge::Failed => continue,
                        Edge::Passed(passed) => {
                            set(
                                &mut found,
                                caller,
                                Found {
                                    next: Some(target),
                                    external_id: passed.external_id,
                                    session_name: passed.session_name,
                                },
                            );
                            if caller_entry.is_role {
                                next_frontier.push(caller);
                            }
                            continue;
                        }
                    }
                }
                let screen = edge_screen.get_or_insert_with(|| {
                    Screen::new(
                        assume_role.clone(),
                        role.arn.clone(),
                        Some(role.account),
                        &[&role.trust],
                    )
                });
                if !query.exhaustive && !screen.may_allow(world, caller_entry) {
                    out.screened += 1;
                    if let Some((memo, key)) = key {
                        memo.edges.keep(key, Edge::Screened);
                    }
                    continue;
                }
                let passed =
                    decide_edge(world, &edge_query, role, caller_entry, &mut out.evaluated)?;
                if let Some((memo, key)) = key {
                    let kept = match &passed {
                        Some(passed) => Edge::Passed(passed.clone()),
                        None => Edge::Failed,
                    };
                    memo.edges.keep(key, kept);
                }
                let Some(passed) = passed else {
                    continue;
                };
                {
                    set(
                        &mut found,
                        caller,
                        Found {
                            next: Some(target),
                            external_id: passed.external_id,
                            session_name: passed.session_name,
                        },
                    );
                    if caller_entry.is_role {
                        next_frontier.push(caller);
                    }
                }
            }
        }
        if next_frontier.is_empty() {
            break;
        }
        next_frontier.sort_unstable();
        frontier = next_frontier;
    }

    // Every principal reached, then the instance profiles of the roles reached.
    let keep = focus.as_ref().map(|focus| focus.keep);
    let mut by_role: HashMap<Id, Reach> = HashMap::new();
    for (id, entry) in callers.entries() {
        if keep.is_some_and(|keep| !keep.get(id as usize).copied().unwrap_or(false)) {
            continue;
        }
        let Some(reach) = reach_of(callers, &found, &reasons, id) else {
            continue;
        };
        if entry.is_role {
            by_role.insert(id, reach.clone());
        }
        out.principals.push(reach);
    }
    for (profile, role) in callers.profiles() {
        let Some(role) = by_role.get(role) else {
            continue;
        };
        out.principals.push(Reach {
            principal: profile.arn.clone(),
            kind: Kind::InstanceProfile,
            role: Some(profile.role.clone()),
            ..role.clone()
        });
    }
    Ok(out)
}

/// The template of the AssumeRole requests who-can decides edges with: the query's context
/// and `ExternalId`s. An edge's decision does not depend on the question's action or resource,
/// only on these, so edges decided for one question hold for every question with the same
/// context (which the diff relies on to decide each edge once).
pub(crate) fn edge_query(query: &WhoCanQuery) -> Query {
    Query {
        start: Session::of(xacct_world::Principal::Role(String::new())),
        via: Vec::new(),
        action: query.action.clone(),
        resource: query.resource.clone(),
        context: query.context.clone(),
        options: AssumeOptions {
            external_ids: query.external_ids.clone(),
            ..AssumeOptions::default()
        },
        max_depth: query.max_depth,
    }
}

/// How an AssumeRole edge that passes is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Passed {
    pub external_id: Option<String>,
    /// The name the caller's session must have.
    pub session_name: Option<String>,
}

/// Whether `caller` may assume `role`, as who-can decides an edge its screen let through:
/// with the `ExternalId` the trust asks for, and with each session name the trust names for
/// the caller's role.
pub(crate) fn decide_edge(
    world: &World,
    edge_query: &Query,
    role: &xacct_world::Role,
    caller: &Entry<'_>,
    evaluated: &mut usize,
) -> Result<Option<Passed>, WhoCanError> {
    let mut from = Session::of(caller.principal());
    let mut attempt = assume(world, edge_query, &from, &role.arn).map_err(WhoCanError)?;
    *evaluated += 1;
    // A trust that names one session of the caller's role lets in that session.
    for name in named_sessions(role, caller) {
        if attempt.passes() {
            break;
        }
        from.session_name = Some(name);
        attempt = assume(world, edge_query, &from, &role.arn).map_err(WhoCanError)?;
        *evaluated += 1;
    }
    Ok(attempt.passes().then_some(Passed {
        external_id: attempt.external_id,
        session_name: from.session_name,
    }))
}

/// The principals the Allow statements of `role`'s trust policy name (a `NotPrincipal` names
/// none).
fn trusted_entries(role: &xacct_world::Role) -> impl Iterator<Item = &PrincipalEntry> {
    role.trust
        .policy
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Allow)
        .filter_map(|statement| statement.principal.as_ref())
        .filter(|principal| !principal.negated)
        .flat_map(|principal| principal.entries.iter().map(|entry| &entry.value))
}

/// The session names `role`'s trust names for sessions of the caller's role
/// (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`).
fn named_sessions(role: &xacct_world::Role, caller: &Entry<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in trusted_entries(role).filter(|_| caller.is_role) {
        if let PrincipalEntry::AssumedRole {
            account,
            role_name,
            session_name,
            ..
        } = entry
        {
            if *account == caller.account && role_name == caller.name && !out.contains(session_name)
            {
                out.push(session_name.clone());
            }
        }
    }
    out
}

fn set(found: &mut [Option<Found>], id: Id, value: Found) {
    if let Some(slot) = found.get_mut(id as usize) {
        *slot = Some(value);
    }
}

/// Follows the `next` links from `id` to the principal that makes the request.
fn reach_of(
    callers: &CallerIndex<'_>,
    found: &[Option<Found>],
    reasons: &HashMap<Id, Vec<String>>,
    id: Id,
) -> Option<Reach> {
    let entry = callers.entry(id)?;
    let mut current = found.get(id as usize)?.as_ref()?;
    let mut chain = Vec::new();
    let mut external_ids = BTreeMap::new();
    let mut session_names = BTreeMap::new();
    let mut last = id;
    // Each link is one hop shorter than the one before, so the walk ends.
    while let Some(next) = current.next {
        if let Some(name) = &current.session_name {
            let assumer = callers.entry(last)?.arn.to_owned();
            session_names.insert(assumer, name.clone());
        }
        let role = callers.entry(next)?.arn.to_owned();
        if let Some(value) = &current.external_id {
            external_ids.insert(role.clone(), value.clone());
        }
        chain.push(role);
        last = next;
        current = found.get(next as usize)?.as_ref()?;
        if chain.len() > found.len() {
            return None;
        }
    }
    Some(Reach {
        principal: entry.arn.to_owned(),
        kind: if entry.is_role {
            Kind::Role
        } else {
            Kind::User
        },
        role: None,
        chain,
        external_ids,
        allowed_by: reasons.get(&last).cloned().unwrap_or_default(),
        session_names,
        through: Vec::new(),
        access_point: None,
    })
}

/// The identity-based policies of a caller (a role's or a user's own).
fn identity_policies<'w>(_world: &World, entry: &Entry<'w>) -> &'w [SourcedPolicy] {
    entry.policies
}

#[cfg(test)]
mod tests;
