//! Every AssumeRole chain from a starting session to a request, the shortest one that works,
//! or the closest one and its first broken link.

use crate::answer::Route;
use crate::index::TrustIndex;
use std::collections::{BTreeMap, HashSet, VecDeque};
use xacct_eval::{authorize, ContextValue, Decision, Request, Response, SourcedPolicy};
use xacct_world::{Principal, Session, World};

/// The `RoleSessionName` of every AssumeRole when the caller names none.
pub const DEFAULT_SESSION_NAME: &str = "xacct-session";
/// Where a session policy was stated: a fix names the setting or key to change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "in", rename_all = "camelCase")]
pub enum SessionPolicyPlace {
    /// The `session_policy` of an expectation.
    Expectation { name: String },
    /// A compute setting (`fs.s3a.assumed.role.policy`, or its per-bucket form), as written
    /// in the named settings file.
    Setting {
        compute: String,
        /// The key as written (`spark.hadoop.fs.s3a.assumed.role.policy`).
        key: String,
        layer: xacct_compute::Layer,
    },
}

/// The session policy passed on the AssumeRole that yields the session making the requests
/// (STS `Policy`): it caps that session's permissions, whatever the role's own policies allow.
#[derive(Debug, Clone)]
pub struct SessionPolicy {
    pub policy: SourcedPolicy,
    pub place: SessionPolicyPlace,
}

/// How a caller assumes roles: the values its configuration passes to STS.
#[derive(Debug, Clone, Default)]
pub struct AssumeOptions {
    /// `ExternalId` passed when assuming each role, by role ARN.
    pub external_ids: BTreeMap<String, String>,
    pub session_name: Option<String>,
    /// `DurationSeconds` asked of every AssumeRole (STS's default is 3600).
    pub duration_seconds: Option<u32>,
    pub session_tags: BTreeMap<String, String>,
    /// `TransitiveTagKeys`: which of `session_tags` the new session passes on down a chain.
    pub transitive_tag_keys: std::collections::BTreeSet<String>,
    pub source_identity: Option<String>,
    /// The session policy of the session that makes the final request: passed on the last
    /// AssumeRole of the chain, or carried by the starting role session when the chain has
    /// none. A session EC2 obtains for an instance profile, or a user, carries none.
    pub session_policy: Option<SessionPolicy>,
}

/// One question: can `start` do `action` on `resource`, and through which chain?
#[derive(Debug, Clone)]
pub struct Query {
    pub start: Session,
    /// Roles the chain must go through, in order; empty to search every chain.
    pub via: Vec<String>,
    pub action: String,
    pub resource: String,
    pub context: Vec<(String, ContextValue)>,
    pub options: AssumeOptions,
    /// Longest chain considered (AssumeRole hops).
    pub max_depth: usize,
}

/// One engine decision inside a path.
#[derive(Debug, Clone)]
pub struct Step {
    pub request: Request,
    pub response: Response,
}

impl Step {
    pub fn allowed(&self) -> bool {
        self.response.decision == Decision::Allow
    }
}

/// One AssumeRole link: every STS action it needs, and any session-duration error.
#[derive(Debug, Clone)]
pub struct Hop {
    /// The session that assumes.
    pub from: Session,
    /// The role assumed.
    pub to: String,
    /// `sts:AssumeRole`, then `sts:TagSession` / `sts:SetSourceIdentity` when passed.
    pub steps: Vec<Step>,
    pub duration_error: Option<String>,
    /// The session the hop yields.
    pub session: Session,
}

impl Hop {
    pub fn passes(&self) -> bool {
        self.duration_error.is_none() && self.steps.iter().all(Step::allowed)
    }

    /// The first step that did not allow.
    pub fn failing_step(&self) -> Option<&Step> {
        self.steps.iter().find(|step| !step.allowed())
    }
}

/// Which link of a path failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Hop(usize),
    Final,
}

/// A chain of hops and, when every hop passed, the final request.
#[derive(Debug, Clone)]
pub struct Path {
    pub start: Session,
    pub hops: Vec<Hop>,
    pub last: Option<Step>,
    /// The final request is refused for a reason no policy decides: a question that is itself
    /// an AssumeRole asks a `DurationSeconds` STS rejects.
    pub final_refusal: Option<String>,
}

impl Path {
    /// The first link that fails, if any.
    pub fn failing_link(&self) -> Option<Link> {
        if let Some(index) = self.hops.iter().position(|hop| !hop.passes()) {
            return Some(Link::Hop(index));
        }
        match &self.last {
            Some(step) if step.allowed() && self.final_refusal.is_none() => None,
            _ => Some(Link::Final),
        }
    }

    pub fn allowed(&self) -> bool {
        self.failing_link().is_none()
    }

    /// The session that makes the final request.
    pub fn final_session(&self) -> &Session {
        self.hops.last().map_or(&self.start, |hop| &hop.session)
    }

    /// `a -> b -> c` for display.
    pub fn describe(&self) -> String {
        let mut parts = vec![self.start.display()];
        parts.extend(self.hops.iter().map(|hop| hop.to.clone()));
        parts.join(" -> ")
    }

    /// How far the path got, for picking the closest broken one: fewer missing grants first,
    /// then more links passed, or, with `shortest_first` (a question about a role, such as
    /// AssumeRole on it, which the caller's own request answers best), fewer hops.
    fn closeness(&self, shortest_first: bool) -> (usize, std::cmp::Reverse<usize>) {
        let failing = match self.failing_link() {
            None => return (0, std::cmp::Reverse(usize::MAX)),
            Some(link) => link,
        };
        let (cost, passed) = match failing {
            Link::Hop(index) => {
                let hop = self.hops.get(index);
                let cost = hop.map_or(100, |hop| match (&hop.duration_error, hop.failing_step()) {
                    (Some(_), _) => 1,
                    (None, Some(step)) => step_cost(step),
                    (None, None) => 0,
                });
                (cost, index)
            }
            // A path whose final request was never made (its session cannot carry the
            // query's session policy) is the farthest of all.
            Link::Final => (
                match &self.last {
                    Some(step) if step.allowed() => 1,
                    Some(step) => step_cost(step),
                    None => usize::MAX,
                },
                self.hops.len() + 1,
            ),
        };
        if shortest_first {
            return (cost, std::cmp::Reverse(usize::MAX - self.hops.len()));
        }
        (cost, std::cmp::Reverse(passed))
    }
}

fn step_cost(step: &Step) -> usize {
    match step.response.decision {
        Decision::Allow => 0,
        Decision::ExplicitDeny => 100,
        Decision::ImplicitDeny => step.response.gaps.len().max(1),
    }
}

/// The answer to a query.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The shortest allowed path, or the closest failing one.
    pub path: Path,
    /// Paths examined.
    pub explored: usize,
    /// A problem with the question itself (unknown resource, bad action).
    pub error: Option<String>,
    /// How the question was asked: directly, by any route, or through named roles.
    pub asked: Route,
}

impl Outcome {
    /// A question that could not be asked from `start`: nothing was searched.
    pub fn unanswered(start: Session, message: String) -> Self {
        Self {
            path: Path {
                start,
                hops: Vec::new(),
                last: None,
                final_refusal: None,
            },
            explored: 0,
            error: Some(message),
            asked: Route::Direct,
        }
    }

    pub fn allowed(&self) -> bool {
        self.error.is_none() && self.path.allowed()
    }
}

/// STS limits on `DurationSeconds`.
fn duration_error(
    world: &World,
    from: &Session,
    target: &str,
    requested: Option<u32>,
) -> Option<String> {
    let requested = requested?;
    let maximum = world
        .roles
        .get(target)
        .map_or(3600, |role| role.max_session_duration);
    let chained = matches!(from.principal, Principal::Role(_));
    if requested < 900 {
        Some(format!(
            "DurationSeconds {requested} is below the minimum of 900"
        ))
    } else if chained && requested > 3600 {
        Some(format!("DurationSeconds {requested} exceeds the 1 hour limit for role chaining: `{}` uses role credentials to assume `{target}`", from.display()))
    } else if requested > maximum {
        Some(format!(
            "DurationSeconds {requested} exceeds the MaxSessionDuration ({maximum}) of `{target}`"
        ))
    } else {
        None
    }
}

/// Evaluates `from` assuming `target` with the caller's options.
pub fn hop(world: &World, query: &Query, from: &Session, target: &str) -> Result<Hop, String> {
    let options = &query.options;
    let mut context = query.context.clone();
    if let Some(external_id) = options.external_ids.get(target) {
        context.push((
            "sts:ExternalId".to_owned(),
            ContextValue::Single(external_id.clone()),
        ));
    }
    let session_name = options
        .session_name
        .clone()
        .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_owned());
    context.push((
        "sts:RoleSessionName".to_owned(),
        ContextValue::Single(session_name.clone()),
    ));
    // A role session passes on its transitive tags: the new session inherits them, still
    // transitive, and a tag passed now may not have an inherited tag's key (keys are
    // compared without case, as STS compares them).
    let inherited: BTreeMap<String, String> = match from.principal {
        Principal::Role(_) => from
            .tags
            .iter()
            .filter(|(key, _)| from.transitive_tag_keys.contains(*key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
        Principal::User(_) => BTreeMap::new(),
    };
    if let Some(key) = options.session_tags.keys().find(|key| {
        inherited
            .keys()
            .any(|inherited| inherited.eq_ignore_ascii_case(key))
    }) {
        return Err(format!(
            "the session tag `{key}` has the key of a transitive tag the calling session inherited; STS refuses to override it"
        ));
    }
    let mut actions = vec!["sts:AssumeRole"];
    if !options.transitive_tag_keys.is_empty() {
        context.push((
            "sts:TransitiveTagKeys".to_owned(),
            ContextValue::Multi(options.transitive_tag_keys.iter().cloned().collect()),
        ));
    }
    if !options.session_tags.is_empty() {
        actions.push("sts:TagSession");
        for (key, value) in &options.session_tags {
            context.push((
                format!("aws:RequestTag/{key}"),
                ContextValue::Single(value.clone()),
            ));
        }
        context.push((
            "aws:TagKeys".to_owned(),
            ContextValue::Multi(options.session_tags.keys().cloned().collect()),
        ));
    }
    if let Some(source_identity) = &options.source_identity {
        actions.push("sts:SetSourceIdentity");
        context.push((
            "sts:SourceIdentity".to_owned(),
            ContextValue::Single(source_identity.clone()),
        ));
    }
    let mut steps = Vec::new();
    for action in actions {
        let request = world
            .request(from, action, target, &context)
            .map_err(|error| error.to_string())?;
        let response = authorize(&request);
        steps.push(Step { request, response });
    }
    let mut session = Session::of(Principal::Role(target.to_owned()));
    session.session_name = Some(session_name);
    session.tags = inherited.clone();
    session.tags.extend(options.session_tags.clone());
    session.transitive_tag_keys = inherited.into_keys().collect();
    session
        .transitive_tag_keys
        .extend(options.transitive_tag_keys.iter().cloned());
    session.source_identity = options
        .source_identity
        .clone()
        .or_else(|| from.source_identity.clone());
    session.chained = matches!(from.principal, Principal::Role(_));
    Ok(Hop {
        from: from.clone(),
        to: target.to_owned(),
        steps,
        duration_error: duration_error(world, from, target, options.duration_seconds),
        session,
    })
}

/// A question that is itself `sts:AssumeRole` on a role: its request carries the caller's
/// external id for that role and its session parameters, as every hop of a chain does. AWS
/// reads them from the one AssumeRole call (`ExternalId`, `RoleSessionName`, `Tags`,
/// `SourceIdentity`, `DurationSeconds`:
/// <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>), and passing
/// tags needs `sts:TagSession` as well
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>, "Permissions
/// required to add session tags").
fn assumes_a_role(world: &World, query: &Query) -> bool {
    query.action.eq_ignore_ascii_case("sts:AssumeRole")
        && (world.roles.contains_key(&query.resource) || query.resource.contains(":role/"))
}

/// A question about a role (AssumeRole on it, PassRole of it): the caller's own request
/// answers it best, so it is reported when no chain gets closer.
fn about_a_role(query: &Query) -> bool {
    query.resource.starts_with("arn:aws:iam::") && query.resource.contains(":role/")
}

/// The final request of `path`, made by its last session with the query's session policy, and
/// the reason STS refuses it whatever the policies say, if any; `None` when that session cannot
/// carry the session policy (see [`AssumeOptions::session_policy`]).
fn final_step(
    world: &World,
    query: &Query,
    path: &Path,
) -> Result<Option<(Step, Option<String>)>, String> {
    let mut session = path.final_session().clone();
    if let Some(stated) = &query.options.session_policy {
        if !carries_session_policy(path) {
            return Ok(None);
        }
        session.session_policy = Some(stated.policy.clone());
    }
    if assumes_a_role(world, query) {
        // Evaluated as a hop: `sts:AssumeRole` with the external id and session parameters,
        // then `sts:TagSession` / `sts:SetSourceIdentity` when they are passed. The question
        // is answered by the first of them that does not allow, else by AssumeRole itself.
        let asked = hop(world, query, &session, &query.resource)?;
        let refusal = asked.duration_error.clone();
        let mut steps = asked.steps.into_iter();
        let first = steps
            .next()
            .ok_or_else(|| "an AssumeRole without a request".to_owned())?;
        let step = if first.allowed() {
            steps.find(|step| !step.allowed()).unwrap_or(first)
        } else {
            first
        };
        return Ok(Some((step, refusal)));
    }
    let request = world
        .request(&session, &query.action, &query.resource, &query.context)
        .map_err(|error| error.to_string())?;
    let response = authorize(&request);
    Ok(Some((Step { request, response }, None)))
}

/// Makes the final request of `path` and records it with STS's refusal, if any.
fn finish(world: &World, query: &Query, path: &mut Path) -> Result<(), String> {
    let (step, refusal) = final_step(world, query, path)?.unzip();
    path.last = step;
    path.final_refusal = refusal.flatten();
    Ok(())
}

/// Whether the session that makes a path's final request can hold a session policy: one an
/// AssumeRole of the path yields, or a starting role session not obtained by EC2.
fn carries_session_policy(path: &Path) -> bool {
    !path.hops.is_empty()
        || (matches!(path.start.principal, Principal::Role(_)) && !path.start.from_instance_profile)
}

/// Why a query with a session policy has no answer from `start` when no chain assumes a role.
fn uncarried_session_policy(start: &Session) -> String {
    format!(
        "the session policy is passed on an AssumeRole, but `{}` makes the requests without one (an instance profile's session or a user carries no session policy): name the role assumed with `via`",
        start.display()
    )
}

/// Answers a query: the shortest allowed chain (breadth first, up to `max_depth` hops), or
/// the closest failing one.
pub fn find(world: &World, index: &TrustIndex, query: &Query) -> Outcome {
    let mut outcome = match search(world, index, query) {
        Ok(outcome) => outcome,
        Err(error) => Outcome::unanswered(query.start.clone(), error),
    };
    outcome.asked = Route::of(query);
    outcome
}

fn search(world: &World, index: &TrustIndex, query: &Query) -> Result<Outcome, String> {
    if !query.via.is_empty() {
        return pinned(world, query);
    }
    let mut best: Option<Path> = None;
    let mut explored = 0;
    let mut queue: VecDeque<Path> = VecDeque::new();
    let mut visited: HashSet<String> = HashSet::new();
    visited.insert(query.start.principal.arn().to_owned());
    // The caller's own request is the first candidate.
    queue.push_back(Path {
        start: query.start.clone(),
        hops: Vec::new(),
        last: None,
        final_refusal: None,
    });
    let shortest_first = about_a_role(query);
    let consider = |best: &mut Option<Path>, candidate: Path| {
        let better = best.as_ref().is_none_or(|current| {
            candidate.closeness(shortest_first) < current.closeness(shortest_first)
        });
        if better {
            *best = Some(candidate);
        }
    };
    while let Some(mut path) = queue.pop_front() {
        explored += 1;
        let session = path.final_session().clone();
        finish(world, query, &mut path)?;
        if path.allowed() {
            // Breadth first: the first allowed path is a shortest one.
            return Ok(Outcome {
                path,
                explored,
                error: None,
                asked: Route::of(query),
            });
        }
        let depth = path.hops.len();
        let prefix = Path {
            last: None,
            final_refusal: None,
            ..path.clone()
        };
        consider(&mut best, path);
        if depth >= query.max_depth {
            continue;
        }
        for target in index.candidates(world, &session.principal) {
            if visited.contains(target) {
                continue;
            }
            let next = hop(world, query, &session, target)?;
            let mut extended = prefix.clone();
            let passes = next.passes();
            extended.hops.push(next);
            if passes {
                visited.insert(target.to_owned());
                queue.push_back(extended);
            } else {
                explored += 1;
                consider(&mut best, extended);
            }
        }
    }
    let path = best.unwrap_or(Path {
        start: query.start.clone(),
        hops: Vec::new(),
        last: None,
        final_refusal: None,
    });
    let error = (path.last.is_none() && path.failing_link() == Some(Link::Final))
        .then(|| uncarried_session_policy(&query.start));
    Ok(Outcome {
        path,
        explored,
        error,
        asked: Route::of(query),
    })
}

/// The one chain the query names with `via`.
fn pinned(world: &World, query: &Query) -> Result<Outcome, String> {
    let mut path = Path {
        start: query.start.clone(),
        hops: Vec::new(),
        last: None,
        final_refusal: None,
    };
    for target in &query.via {
        let session = path.final_session().clone();
        let next = hop(world, query, &session, target)?;
        let passes = next.passes();
        path.hops.push(next);
        if !passes {
            return Ok(Outcome {
                path,
                explored: 1,
                error: None,
                asked: Route::of(query),
            });
        }
    }
    finish(world, query, &mut path)?;
    let error = path
        .last
        .is_none()
        .then(|| uncarried_session_policy(&query.start));
    Ok(Outcome {
        path,
        explored: 1,
        error,
        asked: Route::of(query),
    })
}
