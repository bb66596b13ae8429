//! Every intent of a scenario in one plan: one change per statement, one role created once,
//! and one proof over all the intents together (a statement one intent adds, such as the
//! `Deny` that makes cross-account writers hand objects to the bucket owner, may break
//! another intent; only the proof of the whole shows it).

use crate::generate::Change;
use crate::prove::{applied, compute_checks, plan, run, Plan, PlanError};
use xacct_paths::check::ExpectationResult;
use xacct_world::model::Intent;
use xacct_world::World;

/// The outcome of planning several intents: the merged plan of those that could be planned
/// (none when no intent could), and the intents that could not, with why.
#[derive(Debug)]
pub struct Merged {
    pub plan: Option<Plan>,
    pub refused: Vec<(Intent, PlanError)>,
}

/// Plans each intent, then merges the plans into one and proves the merge.
pub fn plan_all(world: &World, intents: &[&Intent]) -> Merged {
    let mut plans = Vec::new();
    let mut refused = Vec::new();
    for intent in intents {
        match plan(world, intent) {
            Ok(plan) => plans.push(plan),
            Err(error) => refused.push(((*intent).clone(), error)),
        }
    }
    if plans.is_empty() {
        return Merged {
            plan: None,
            refused,
        };
    }
    match merge(world, plans) {
        Ok(plan) => Merged {
            plan: Some(plan),
            refused,
        },
        Err(error) => {
            // The merge failed as a whole: every intent in it is refused with the reason.
            let reason = error.to_string();
            let already = refused_names(&refused);
            refused.extend(
                intents
                    .iter()
                    .filter(|intent| !already.contains(&intent.name))
                    .map(|intent| {
                        (
                            (*intent).clone(),
                            PlanError::Unproven(vec![format!(
                                "together with the other intents: {reason}"
                            )]),
                        )
                    }),
            );
            Merged {
                plan: None,
                refused,
            }
        }
    }
}

fn refused_names(refused: &[(Intent, PlanError)]) -> Vec<String> {
    refused
        .iter()
        .map(|(intent, _)| intent.name.clone())
        .collect()
}

/// One plan from several: changes and created roles each once, in the order they first come,
/// the checks of every intent, and the proof of all of them on the world with every change.
pub fn merge(world: &World, plans: Vec<Plan>) -> Result<Plan, PlanError> {
    let mut merged = Plan {
        intents: Vec::new(),
        changes: Vec::new(),
        created_roles: Vec::new(),
        checks: Vec::new(),
        proof: Vec::new(),
        already_allowed: 0,
    };
    for plan in plans {
        merged.intents.extend(plan.intents);
        for change in plan.changes {
            if !merged.changes.iter().any(|kept| same_change(kept, &change)) {
                merged.changes.push(change);
            }
        }
        for role in plan.created_roles {
            if !merged.created_roles.contains(&role) {
                merged.created_roles.push(role);
            }
        }
        merged.checks.extend(plan.checks);
        merged.already_allowed += plan.already_allowed;
    }
    let world_after = applied(world, &merged.created_roles, &merged.changes)
        .map_err(|error| PlanError::Unproven(vec![error]))?;
    merged.proof = run(&world_after, &merged.checks);
    let mut reasons: Vec<String> = merged
        .proof
        .iter()
        .filter(|result| !result.passed())
        .map(|result| format!("`{}` fails", result.expectation.name))
        .collect();
    for intent in &merged.intents {
        reasons.extend(
            compute_checks(&world_after, intent)
                .into_iter()
                .filter(|check| !check.passed())
                .map(|check| format!("compute {}: {} does not hold", check.compute, check.what)),
        );
    }
    reasons.extend(crate::render::unreadable_existing(world, &merged));
    if reasons.is_empty() && merged.proof.iter().all(ExpectationResult::passed) {
        Ok(merged)
    } else {
        Err(PlanError::Unproven(reasons))
    }
}

/// The same statement (or setting, grant, link) in the same document of the same account;
/// the reason it is there does not matter.
fn same_change(left: &Change, right: &Change) -> bool {
    left.account == right.account
        && left.document == right.document
        && left.content == right.content
}
