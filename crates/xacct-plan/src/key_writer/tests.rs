use super::*;
use crate::prove::plan;
use std::path::Path;
use xacct_world::model::Role;

const KEY: &str = "arn:aws:kms:us-east-1:222222222222:key/7d1c2f40-5a3b-4e8f-9c21-0b6a4d2e8f13";
const KEY_ADMIN: &str = "arn:aws:iam::222222222222:role/key-admin";

/// The kinesis-role-chain intent, whose key policy names only the role `key-admin`.
fn scenario() -> World {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/kinesis-role-chain/plan");
    let loaded = xacct_world::load(&path).unwrap();
    assert!(!loaded.has_errors(), "{:?}", loaded.findings);
    loaded.world
}

fn set_key_policy(world: &mut World, text: &str) {
    let parsed = parse_policy(text, PolicyKind::Resource);
    world.keys.get_mut(KEY).unwrap().policy = Some(xacct_eval::SourcedPolicy::new(
        parsed.policy,
        "key policy (test)",
    ));
}

fn set_trust(world: &mut World, role: &str, text: &str) {
    let parsed = parse_policy(text, PolicyKind::Trust);
    let found: &mut Role = world.roles.get_mut(role).unwrap();
    found.trust = xacct_eval::SourcedPolicy::new(parsed.policy, "trust (test)");
}

fn writer(world: &World) -> KeyPolicyWriter {
    let intent = world.intents.first().unwrap();
    let plan = plan(world, intent).unwrap();
    assert!(
        plan.changes.iter().any(|change| change.document
            == crate::Document::KeyPolicy {
                key: KEY.to_owned()
            }),
        "the plan changes the key policy"
    );
    key_policy_writer(world, &plan, KEY)
}

#[test]
fn a_key_policy_naming_only_a_key_admin_role_is_changed_as_that_role() {
    assert_eq!(
        writer(&scenario()),
        KeyPolicyWriter::Role(KEY_ADMIN.to_owned())
    );
}

#[test]
fn a_key_policy_naming_the_account_lets_its_administrator_change_it() {
    let mut world = scenario();
    set_key_policy(
        &mut world,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:*", "Resource": "*"}]}"#,
    );
    assert_eq!(writer(&world), KeyPolicyWriter::Administrator);
}

#[test]
fn a_key_admin_the_administrator_cannot_assume_makes_a_manual_step() {
    let mut world = scenario();
    // key-admin trusts only another account: account B's administrator cannot become it.
    set_trust(
        &mut world,
        KEY_ADMIN,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": "sts:AssumeRole"}]}"#,
    );
    let KeyPolicyWriter::Manual(reason) = writer(&world) else {
        panic!("expected a manual step");
    };
    assert!(reason.contains("does not name the account"), "{reason}");
}

#[test]
fn a_key_admin_without_put_key_policy_makes_a_manual_step() {
    let mut world = scenario();
    // The role may describe and enable the key, not change its policy.
    set_key_policy(
        &mut world,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/key-admin"}, "Action": ["kms:Describe*", "kms:Enable*"], "Resource": "*"}]}"#,
    );
    assert!(matches!(writer(&world), KeyPolicyWriter::Manual(_)));
}

#[test]
fn a_planned_policy_that_locks_the_admin_out_is_a_manual_step() {
    let world = scenario();
    let intent = world.intents.first().unwrap();
    let mut planned = plan(&world, intent).unwrap();
    assert_eq!(
        key_policy_writer(&world, &planned, KEY),
        KeyPolicyWriter::Role(KEY_ADMIN.to_owned())
    );
    // A statement in the new policy that denies key-admin the next PutKeyPolicy: KMS's
    // lockout safety check refuses such a policy.
    planned.changes.push(crate::Change {
        account: "222222222222".parse().unwrap(),
        document: crate::Document::KeyPolicy { key: KEY.to_owned() },
        content: serde_json::json!({"Sid": "Lockout", "Effect": "Deny", "Principal": {"AWS": KEY_ADMIN}, "Action": "kms:PutKeyPolicy", "Resource": "*"}),
        why: "test".to_owned(),
    });
    let KeyPolicyWriter::Manual(reason) = key_policy_writer(&world, &planned, KEY) else {
        panic!("expected a manual step");
    };
    assert!(reason.contains("lockout safety check"), "{reason}");
}

#[test]
fn role_profiles_are_named_after_the_account_and_role() {
    assert_eq!(
        role_profile("222222222222", KEY_ADMIN),
        "account-222222222222-key-admin"
    );
}

#[test]
fn a_manual_key_policy_step_is_said_and_never_run() {
    let mut world = scenario();
    set_trust(
        &mut world,
        KEY_ADMIN,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": "sts:AssumeRole"}]}"#,
    );
    let intent = world.intents.first().unwrap();
    let plan = plan(&world, intent).unwrap();
    let script = crate::render::cli(&world, &plan);
    assert!(
        script.contains("# MANUAL STEP, not run: no principal"),
        "{script}"
    );
    assert!(!script.contains("aws kms put-key-policy"), "{script}");
    // The other steps are still there.
    assert!(script.contains("aws iam put-role-policy"), "{script}");
    let runbook = crate::render::runbook(&world, &plan);
    assert!(
        runbook.contains("**Manual step:** xacct cannot name who may make it"),
        "{runbook}"
    );
}

#[test]
fn a_role_step_checks_its_profile_before_any_change() {
    let world = scenario();
    let intent = world.intents.first().unwrap();
    let plan = plan(&world, intent).unwrap();
    let script = crate::render::cli(&world, &plan);
    let check = script
        .find("aws configure get role_arn --profile account-222222222222-key-admin")
        .unwrap();
    let first_change = script.find("aws iam").unwrap();
    assert!(check < first_change, "{script}");
    assert!(script.contains("aws kms put-key-policy --profile account-222222222222-key-admin"));
}

#[test]
fn terraform_changes_the_key_policy_through_the_role_or_not_at_all() {
    let world = scenario();
    let intent = world.intents.first().unwrap();
    let planned = plan(&world, intent).unwrap();
    let terraform = crate::render::terraform(&world, &planned);
    assert!(
        terraform.contains("role_arn = \"arn:aws:iam::222222222222:role/key-admin\""),
        "{terraform}"
    );
    assert!(
        terraform.contains("provider = aws.account_222222222222_key_admin"),
        "{terraform}"
    );
    let mut world = scenario();
    set_trust(
        &mut world,
        KEY_ADMIN,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": "sts:AssumeRole"}]}"#,
    );
    let planned = plan(&world, intent).unwrap();
    let terraform = crate::render::terraform(&world, &planned);
    let at = terraform.find("resource \"aws_kms_key_policy\"").unwrap();
    let resource = &terraform[at..];
    let end = resource.find("\n}\n").unwrap();
    assert!(
        resource[..end].contains("count    = 0") || resource[..end].contains("count = 0"),
        "{terraform}"
    );
    assert!(
        terraform.contains("# MANUAL STEP, not applied (count = 0)"),
        "{terraform}"
    );
    assert!(!terraform.contains("key_admin"), "{terraform}");
}
