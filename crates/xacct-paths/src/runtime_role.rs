//! EMR runtime roles: what the cluster's instance profile role must be allowed on each step's
//! runtime role, checked as compute checks next to "the role trusts ec2.amazonaws.com".
//! <https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-steps-runtime-roles.html>
//!
//! - `sts:AssumeRole`, always: the role's identity policy allows it and the runtime role's trust
//!   policy names the instance profile role.
//! - `sts:SetSourceIdentity` when the security configuration propagates the source identity
//!   (`PropagateSourceIdentity`).
//! - `sts:TagSession` with `aws:RequestTag/LakeFormationAuthorizedCaller` = the configured
//!   `AuthorizedSessionTagValue` when Lake Formation is configured: the runtime role is then the
//!   principal Lake Formation decides for (its grants go to the runtime role).
//!   <https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-lf-iam-role.html>

use crate::check::ComputeCheck;
use crate::fix::{Fix, Target};
use crate::search::Step;
use serde_json::json;
use xacct_eval::{authorize, ContextValue, Gap};
use xacct_world::{Principal, Session, World};

/// One call the instance profile role makes on the runtime role, with its request context.
struct Call {
    action: &'static str,
    context: Vec<(String, ContextValue)>,
    /// The trust statement's condition, for the fix.
    condition: Option<serde_json::Value>,
}

fn calls(settings: Option<&xacct_compute::RuntimeRoleSettings>) -> Vec<Call> {
    let mut out = vec![Call {
        action: "sts:AssumeRole",
        context: Vec::new(),
        condition: None,
    }];
    let Some(settings) = settings else {
        return out;
    };
    if settings.propagate_source_identity {
        out.push(Call {
            action: "sts:SetSourceIdentity",
            context: Vec::new(),
            condition: None,
        });
    }
    if let Some(tag) = &settings.lake_formation_tag {
        let key = format!("aws:RequestTag/{}", xacct_compute::LAKE_FORMATION_TAG);
        out.push(Call {
            action: "sts:TagSession",
            context: vec![
                (key.clone(), ContextValue::Single(tag.value.clone())),
                (
                    "aws:TagKeys".to_owned(),
                    ContextValue::Multi(vec![xacct_compute::LAKE_FORMATION_TAG.to_owned()]),
                ),
            ],
            condition: Some(json!({"StringEquals": {key: tag.value}})),
        });
    }
    out
}

/// The checks of every compute whose steps run with a runtime role.
pub fn checks(world: &World) -> Vec<ComputeCheck> {
    let mut out = Vec::new();
    for compute in world.compute.values() {
        let Some(runtime) = &compute.settings.runtime_role else {
            continue;
        };
        let runtime = runtime.value.to_string();
        let profile_role = compute
            .instance_profile
            .as_ref()
            .and_then(|arn| world.instance_profiles.get(arn))
            .map(|profile| profile.role.clone());
        let settings = compute
            .settings
            .security_configuration
            .as_ref()
            .and_then(|security| security.runtime_roles.as_ref());
        for call in calls(settings) {
            let Some(role) = &profile_role else {
                out.push(ComputeCheck {
                    compute: compute.name.clone(),
                    what: format!("the instance profile role may {} {runtime}", call.action),
                    step: None,
                    error: Some("the cluster's instance profile is not in the scenario: declare it with [[instance_profile]] and name it in the compute's `instance_profile`".to_owned()),
                    fix: None,
                });
                break;
            };
            out.push(check(world, &compute.name, role, &runtime, &call));
        }
    }
    out
}

fn check(world: &World, compute: &str, role: &str, runtime: &str, call: &Call) -> ComputeCheck {
    let what = format!("{role} may {} {runtime} (runtime role)", call.action);
    let session = Session::of(Principal::Role(role.to_owned()));
    let request = match world.request(&session, call.action, runtime, &call.context) {
        Ok(request) => request,
        Err(error) => {
            return ComputeCheck {
                compute: compute.to_owned(),
                what,
                step: None,
                error: Some(error.to_string()),
                fix: None,
            }
        }
    };
    let response = authorize(&request);
    let step = Step { request, response };
    let fix = (!step.allowed() && step.response.decision != xacct_eval::Decision::ExplicitDeny)
        .then(|| fix_for(&step, role, runtime, call))
        .flatten();
    ComputeCheck {
        compute: compute.to_owned(),
        what,
        step: Some(step),
        error: None,
        fix,
    }
}

/// The statement that closes the first gap: the runtime role's trust, or the instance profile
/// role's identity policy.
fn fix_for(step: &Step, role: &str, runtime: &str, call: &Call) -> Option<Fix> {
    let account = |arn: &str| arn.split(':').nth(4).unwrap_or_default().to_owned();
    let sid = crate::fix::sid(&["Emr", "Runtime", call.action.trim_start_matches("sts:")]);
    match step.response.gaps.first()? {
        Gap::ResourcePolicy => {
            let mut statement = json!({
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"AWS": role},
                "Action": call.action,
            });
            if let (Some(condition), Some(object)) = (&call.condition, statement.as_object_mut()) {
                object.insert("Condition".to_owned(), condition.clone());
            }
            Some(Fix {
                target: Target::TrustPolicy {
                    role: runtime.to_owned(),
                },
                account: account(runtime),
                summary: format!("add to the trust policy of {runtime}"),
                statement: Some(statement),
            })
        }
        Gap::Identity => Some(Fix {
            target: Target::IdentityPolicy {
                principal: role.to_owned(),
            },
            account: account(role),
            summary: format!("add to an identity policy of {role}"),
            statement: Some(json!({
                "Sid": sid,
                "Effect": "Allow",
                "Action": call.action,
                "Resource": runtime,
            })),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::checks;
    use crate::check::{apply_fixes, check};
    use crate::fix::Target;
    use std::path::PathBuf;
    use xacct_world::World;

    const HOST: &str = "arn:aws:iam::111111111111:role/EMR_EC2_RuntimeRoleHost";
    const STEP: &str = "arn:aws:iam::111111111111:role/etl-step";

    fn example(variant: &str) -> World {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/emr-runtime-role")
            .join(variant);
        let loaded = xacct_world::load(&path).unwrap();
        assert!(!loaded.has_errors());
        loaded.world
    }

    #[test]
    fn the_host_role_may_assume_tag_and_set_the_source_identity_of_the_step_role() {
        let found = checks(&example(""));
        let actions: Vec<&str> = found
            .iter()
            .map(|check| check.what.split(' ').nth(2).unwrap_or_default())
            .collect();
        assert_eq!(
            actions,
            ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
        );
        assert!(found.iter().all(|check| check.passed()), "{found:#?}");
    }

    #[test]
    fn a_trust_without_tag_session_is_mended_with_the_lake_formation_condition() {
        let mut world = example("broken/trust-without-tag-session");
        let found = checks(&world);
        let failing: Vec<_> = found.iter().filter(|check| !check.passed()).collect();
        assert_eq!(failing.len(), 1);
        let fix = failing[0].fix.as_ref().unwrap();
        assert_eq!(
            fix.target,
            Target::TrustPolicy {
                role: STEP.to_owned()
            }
        );
        let statement = fix.statement.as_ref().unwrap();
        assert_eq!(statement["Principal"]["AWS"], HOST);
        assert_eq!(
            statement["Condition"]["StringEquals"]["aws:RequestTag/LakeFormationAuthorizedCaller"],
            "Amazon EMR"
        );
        let report = check(&world);
        assert!(apply_fixes(&mut world, &report).unwrap() > 0);
        assert!(checks(&world).iter().all(|check| check.passed()));
    }

    #[test]
    fn a_trust_of_the_account_needs_the_host_roles_own_permission() {
        let world = example("broken/instance-profile-cannot-assume");
        let found = checks(&world);
        assert!(found.iter().all(|check| !check.passed()));
        for check in &found {
            let fix = check.fix.as_ref().unwrap();
            assert_eq!(
                fix.target,
                Target::IdentityPolicy {
                    principal: HOST.to_owned()
                }
            );
            assert_eq!(fix.statement.as_ref().unwrap()["Resource"], STEP);
        }
    }

    #[test]
    fn every_request_of_the_step_is_made_as_the_runtime_role() {
        let world = example("");
        let compute = world.compute.get("etl").unwrap();
        for resource in [
            "arn:aws:s3:::finance-a/ledger/2026.csv",
            "arn:aws:dynamodb:us-east-1:111111111111:table/orders",
        ] {
            let bound = crate::binding::binding(compute, resource).unwrap().unwrap();
            assert_eq!(bound.via, [STEP], "{resource}");
        }
    }

    #[test]
    fn lake_formation_decides_for_the_runtime_role_not_the_host_role() {
        let world = example("broken/lake-grant-to-the-instance-profile-role");
        let report = check(&world);
        let read = report
            .expectations
            .iter()
            .find(|result| !result.expectation.read_tables.is_empty())
            .unwrap();
        assert!(!read.passed());
        let refusal = read
            .cases
            .iter()
            .find_map(|case| case.refusal.clone())
            .unwrap();
        assert!(refusal.contains(STEP), "{refusal}");
    }
}
