//! `iam:PassRole`: a call that hands a role to a service is allowed only when the caller may
//! pass that role to that service. IAM decides it from the caller's own policies (a role has
//! no resource policy for it), with `iam:PassedToService` naming the service
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>). The
//! request is built and decided as `xacct check` decides a deployer's PassRole of a
//! compute's role (`xacct_paths::check`: `World::request` on the role's ARN with
//! `iam:PassedToService`, then `xacct_eval::authorize`), here through the engine so the
//! decision is logged.
//!
//! Served calls that pass a role: IAM's AddRoleToInstanceProfile (to EC2). A service that
//! takes a role ARN in a request (Lake Formation's RegisterResource `RoleArn`, for one) calls
//! [`authorize_pass_role`] with its own service principal.

use crate::engine::{Engine, Verdict};
use xacct_eval::ContextValue;
use xacct_world::{RequestError, Session};

/// Decides whether `caller` may pass `role_arn` to `passed_to_service` (a service principal,
/// `ec2.amazonaws.com`, `lakeformation.amazonaws.com`). A refusal's `message` is AWS's
/// sentence: `User: ARN is not authorized to perform: iam:PassRole on resource: ROLE-ARN
/// because no identity-based policy allows the iam:PassRole action`.
pub fn authorize_pass_role(
    engine: &Engine,
    caller: &Session,
    role_arn: &str,
    passed_to_service: &str,
) -> Result<Verdict, RequestError> {
    authorize_pass_role_for(engine, caller, role_arn, passed_to_service, None)
}

/// [`authorize_pass_role`] with `iam:AssociatedResourceArn`, the resource the role is passed
/// for, when the call names one.
pub fn authorize_pass_role_for(
    engine: &Engine,
    caller: &Session,
    role_arn: &str,
    passed_to_service: &str,
    associated_resource: Option<&str>,
) -> Result<Verdict, RequestError> {
    let mut context = vec![(
        "iam:PassedToService".to_owned(),
        ContextValue::Single(passed_to_service.to_owned()),
    )];
    if let Some(resource) = associated_resource {
        context.push((
            "iam:AssociatedResourceArn".to_owned(),
            ContextValue::Single(resource.to_owned()),
        ));
    }
    engine.decide(caller, "iam:PassRole", role_arn, &context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use xacct_eval::SourcedPolicy;
    use xacct_world::Principal;

    const ROLE: &str = "arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole";
    const OTHER: &str = "arn:aws:iam::111111111111:role/another-role";

    /// The EMRFS example, with `policy` as the only identity policy of a role of A.
    fn engine(policy: Option<&str>) -> Engine {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/emrfs-role-mapping");
        let Ok(loaded) = xacct_world::load(&path) else {
            panic!("the example loads");
        };
        let mut world = loaded.world;
        if let Some(role) = world.roles.get_mut(ROLE) {
            role.policies = policy
                .map(|text| {
                    let parsed =
                        xacct_policy::parse_policy(text, xacct_policy::PolicyKind::Identity);
                    SourcedPolicy::new(Arc::new(parsed.policy), "test policy")
                })
                .into_iter()
                .collect();
        }
        let Ok(engine) = Engine::new(world, None) else {
            panic!("the engine starts");
        };
        engine
    }

    /// The role's session, as EC2 names it after the instance.
    fn deployer() -> Session {
        let mut session = Session::of(Principal::Role(ROLE.to_owned()));
        session.session_name = Some("i-0abc".to_owned());
        session
    }

    fn passes(engine: &Engine, role: &str, service: &str) -> bool {
        match authorize_pass_role(engine, &deployer(), role, service) {
            Ok(verdict) => verdict.allowed,
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn pass_role_is_decided_on_the_service_it_is_passed_to() {
        let engine = engine(Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}"#,
        ));
        assert!(passes(&engine, ROLE, "ec2.amazonaws.com"));
        assert!(!passes(&engine, ROLE, "lakeformation.amazonaws.com"));
        // Another role is not covered by the statement.
        assert!(!passes(&engine, OTHER, "ec2.amazonaws.com"));
    }

    #[test]
    fn without_a_grant_pass_role_is_refused_with_aws_sentence() {
        let engine = engine(None);
        let Ok(verdict) = authorize_pass_role(&engine, &deployer(), ROLE, "ec2.amazonaws.com")
        else {
            panic!("the request is built");
        };
        assert!(!verdict.allowed);
        assert_eq!(
            verdict.message,
            format!("User: arn:aws:sts::111111111111:assumed-role/EMR_EC2_DefaultRole/i-0abc is not authorized to perform: iam:PassRole on resource: {ROLE} because no identity-based policy allows the iam:PassRole action")
        );
    }

    #[test]
    fn a_deny_on_pass_role_wins_over_a_wildcard_allow() {
        let engine = engine(Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:PassRole","Resource":"*","Condition":{"StringNotEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}"#,
        ));
        assert!(passes(&engine, ROLE, "ec2.amazonaws.com"));
        assert!(!passes(&engine, ROLE, "glue.amazonaws.com"));
    }

    #[test]
    fn the_associated_resource_is_matched_when_the_call_names_one() {
        let engine = engine(Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"ArnLike":{"iam:AssociatedResourceArn":"arn:aws:ec2:*:111111111111:instance/*"}}}]}"#,
        ));
        let pass = |associated: Option<&str>| {
            authorize_pass_role_for(&engine, &deployer(), ROLE, "ec2.amazonaws.com", associated)
                .map(|verdict| verdict.allowed)
                .unwrap_or_else(|error| panic!("{error}"))
        };
        assert!(pass(Some("arn:aws:ec2:*:111111111111:instance/*")));
        assert!(!pass(Some("arn:aws:ec2:*:222222222222:instance/*")));
        assert!(!pass(None));
    }
}
