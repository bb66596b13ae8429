//! One AssumeRole edge as `who-can` and `graph` see it: a caller that knows the `ExternalId` a
//! trust policy asks for passes it (the value is shared configuration, not a credential), and
//! a failing edge gets a one-line reason.

use crate::search::{hop, Hop, Query, Step};
use xacct_eval::matching::{check, StatementMatch};
use xacct_eval::{Decision, Gap, Layer, Request, StatementRef};
use xacct_policy::condition::BaseOperator;
use xacct_policy::{Effect, Statement};
use xacct_world::{Session, World};

/// At most this many `ExternalId` values of one trust policy are tried.
const MAX_EXTERNAL_IDS: usize = 4;

/// An evaluated edge and the `ExternalId` the caller passed, if any.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub hop: Hop,
    pub external_id: Option<String>,
}

impl Attempt {
    pub fn passes(&self) -> bool {
        self.hop.passes()
    }
}

/// The literal `ExternalId` values the Allow statements of a role's trust policy ask for with
/// `StringEquals`/`StringLike`.
pub fn wanted_external_ids(world: &World, role: &str) -> Vec<String> {
    let Some(role) = world.roles.get(role) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for statement in role
        .trust
        .policy
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Allow)
    {
        for condition in &statement.conditions {
            let plain = matches!(
                condition.operator.base,
                BaseOperator::StringEquals
                    | BaseOperator::StringLike
                    | BaseOperator::StringEqualsIgnoreCase
            );
            if condition.key_lowercase != "sts:externalid" || !plain {
                continue;
            }
            for value in &condition.values {
                if !out.contains(&value.text) && out.len() < MAX_EXTERNAL_IDS {
                    out.push(value.text.clone());
                }
            }
        }
    }
    out
}

/// Evaluates `from` assuming `target`. The `ExternalId` the query's options give for `target`
/// is used as is; otherwise the edge is tried without one and, when that fails, with each value
/// the trust policy asks for: the first that passes wins, else the first tried with a value
/// (which got furthest) is returned.
pub fn assume(
    world: &World,
    query: &Query,
    from: &Session,
    target: &str,
) -> Result<Attempt, String> {
    if let Some(pinned) = query.options.external_ids.get(target) {
        let hop = hop(world, query, from, target)?;
        return Ok(Attempt {
            hop,
            external_id: Some(pinned.clone()),
        });
    }
    let plain = hop(world, query, from, target)?;
    if plain.passes() {
        return Ok(Attempt {
            hop: plain,
            external_id: None,
        });
    }
    let mut first: Option<Attempt> = None;
    for value in wanted_external_ids(world, target) {
        let mut with_id = query.clone();
        with_id
            .options
            .external_ids
            .insert(target.to_owned(), value.clone());
        let attempt = Attempt {
            hop: hop(world, &with_id, from, target)?,
            external_id: Some(value),
        };
        if attempt.passes() {
            return Ok(attempt);
        }
        first.get_or_insert(attempt);
    }
    Ok(first.unwrap_or(Attempt {
        hop: plain,
        external_id: None,
    }))
}

/// The last segment of an ARN: `MyRoleA` for `arn:aws:iam::111111111111:role/MyRoleA`.
pub fn short_name(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// "statement `Sid` of LABEL" (or "statement #N of LABEL") for a statement the engine matched.
pub fn statement_label(request: &Request, reference: &StatementRef) -> Option<String> {
    let policy = *request
        .policies
        .layer(reference.layer, reference.level)
        .get(reference.policy)?;
    let statement: &Statement = policy
        .policy
        .statements
        .iter()
        .find(|statement| statement.index == reference.statement)?;
    Some(
        match statement.sid.as_ref().filter(|sid| !sid.value.is_empty()) {
            Some(sid) => format!("statement `{}` of {}", sid.value, policy.label),
            None => format!("statement #{} of {}", statement.index, policy.label),
        },
    )
}

/// The Allow statements of identity and resource policies an allowed step rests on.
pub fn allowed_by(step: &Step) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for reference in &step.response.allows {
        if !matches!(reference.layer, Layer::Identity | Layer::ResourcePolicy) {
            continue;
        }
        // In its own account, a statement that names the account only delegates to the
        // account's policies: it is not what allows.
        let delegates = reference.layer == Layer::ResourcePolicy
            && reference.naming == Some(xacct_eval::matching::Naming::Account)
            && !step.request.is_cross_account();
        if delegates {
            continue;
        }
        if let Some(label) = statement_label(&step.request, reference) {
            if !out.contains(&label) {
                out.push(label);
            }
        }
    }
    out
}

fn level_name(level: usize) -> String {
    if level == 0 {
        "the root".to_owned()
    } else {
        format!("organization level {level}")
    }
}

/// Why a step did not allow, in one line: the first gap, or the explicit deny.
pub fn step_reason(step: &Step) -> String {
    let request = &step.request;
    let action = request.action.as_str();
    let caller = request
        .caller
        .principal_arn()
        .unwrap_or_else(|| request.caller.identity_arn());
    let caller = short_name(&caller).to_owned();
    let is_trust = request.resource.service() == "iam" && action.starts_with("sts:");
    let resource_policy = if is_trust {
        "trust policy"
    } else {
        "resource policy"
    };
    match step.response.decision {
        Decision::Allow => "allowed".to_owned(),
        Decision::ExplicitDeny => match step.response.denies.first() {
            Some(reference) => match statement_label(request, reference) {
                Some(label) => format!("explicitly denied by {label}"),
                None => format!("explicitly denied by the {}", reference.layer.describe()),
            },
            None => "explicitly denied".to_owned(),
        },
        Decision::ImplicitDeny => match step.response.gaps.first() {
            Some(Gap::ResourcePolicy) => match failing_condition(request) {
                Some(key) => {
                    format!("{resource_policy} condition on {key} does not hold for {caller}")
                }
                None if request.policies.resource.is_none() => {
                    format!("no {resource_policy} allows {caller}")
                }
                None => format!("{resource_policy} does not name {caller}"),
            },
            Some(Gap::Identity) => format!("no identity policy of {caller} allows {action}"),
            Some(Gap::ScpLevel { level }) => {
                format!("no SCP at {} allows {action}", level_name(*level))
            }
            Some(Gap::PermissionBoundary) => {
                format!("permissions boundary of {caller} does not allow {action}")
            }
            Some(Gap::SessionPolicy) => format!("session policy does not allow {action}"),
            None => "denied".to_owned(),
        },
    }
}

/// The condition key of the first resource-policy Allow statement that names the caller and
/// applies but for its conditions.
fn failing_condition(request: &Request) -> Option<String> {
    let policy = request.policies.resource.as_ref()?;
    policy
        .policy
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Allow)
        .find_map(|statement| match check(statement, request) {
            StatementMatch::Misses(misses)
                if misses == [xacct_eval::matching::Element::Condition] =>
            {
                statement
                    .conditions
                    .iter()
                    .find(|condition| !condition.holds(&request.context, statement.effect))
                    .map(|condition| condition.key.clone())
            }
            _ => None,
        })
}

/// Why an edge fails, in one line, e.g. "trust policy does not name MyRoleA".
pub fn hop_reason(hop: &Hop) -> String {
    if let Some(error) = &hop.duration_error {
        return error.clone();
    }
    hop.failing_step()
        .map_or_else(|| "passes".to_owned(), step_reason)
}
