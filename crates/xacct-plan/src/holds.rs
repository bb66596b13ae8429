//! The `[[intent]]`s of a scenario as checks, for `xacct check`: an intent holds when the
//! scenario as it stands already gives that access. The checks are the ones [`crate::plan`]
//! proves its documents with ([`crate::intent_checks`]), so "apply the plan, then `xacct
//! check`" asks exactly what the plan promised.

use crate::prove::{intent_checks, PlanError};
use xacct_paths::check::ExpectationResult;
use xacct_paths::TrustIndex;
use xacct_world::model::Intent;
use xacct_world::World;

/// The results of every intent's checks on `world`, named after their intent; a check that
/// fails says the intent is not yet met and that `xacct plan` writes what it needs. Intents
/// whose checks cannot be made (their compute or data is not in the scenario) come back
/// apart, with why.
pub fn intent_results(world: &World) -> (Vec<ExpectationResult>, Vec<(Intent, PlanError)>) {
    let index = TrustIndex::new(world);
    let mut results = Vec::new();
    let mut unchecked = Vec::new();
    for intent in &world.intents {
        match intent_checks(world, intent) {
            Ok(checks) => {
                for check in checks {
                    let mut result = xacct_paths::check::run_expectation(world, &index, &check);
                    let status = if result.passed() {
                        "met"
                    } else {
                        "not yet met: `xacct plan` writes what it needs"
                    };
                    result.expectation.name =
                        format!("intent {} ({status})", result.expectation.name);
                    results.push(result);
                }
            }
            Err(error) => unchecked.push((intent.clone(), error)),
        }
    }
    (results, unchecked)
}
