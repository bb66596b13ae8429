//! Who can make a key-policy step. KMS authorizes `PutKeyPolicy` by the key policy itself: IAM
//! policies count only when the key policy lets them, by naming the account
//! (`arn:aws:iam::ACCOUNT:root`), so an account's administrator cannot change a key policy that
//! names only a key administrator role
//! (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html>). And
//! `PutKeyPolicy` refuses a policy under which the caller could not change it again (the
//! policy lockout safety check, unless `BypassPolicyLockoutSafetyCheck`, which a plan never
//! sets: <https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html>).
//!
//! So each key-policy step names a principal the engine proves may call `kms:PutKeyPolicy` on
//! the key both under its current policy and under the planned one, or says that nobody the
//! scenario holds can, rather than emit a step AWS refuses.

use crate::prove::{applied_world, run, Plan};
use xacct_policy::{parse_policy, AccountId, PolicyKind};
use xacct_world::model::{Origin, Role};
use xacct_world::{Expectation, World};

/// Who makes a key-policy step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPolicyWriter {
    /// The account's administrator (the `account-ID` profile): the key policy lets the
    /// account's IAM policies decide.
    Administrator,
    /// A role the key policy allows to change it, assumed from the account's administrator
    /// (whose IAM permissions the role's trust lets decide).
    Role(String),
    /// Nobody the engine can prove; why, for a manual step.
    Manual(String),
}

/// The stand-in for the account's administrator: a role with `*` on `*` and no trust. Its name
/// holds characters IAM refuses in a role name, so it cannot collide with a role of the
/// scenario.
fn administrator_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/xacct!account-administrator")
}

/// `world` with the account's administrator in it.
fn with_administrator(world: &World, account: AccountId) -> World {
    let mut world = world.clone();
    let arn = administrator_arn(&account.to_string());
    let trust = parse_policy(
        r#"{"Version": "2012-10-17", "Statement": []}"#,
        PolicyKind::Trust,
    );
    let everything = parse_policy(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
        PolicyKind::Identity,
    );
    world.roles.insert(
        arn.clone(),
        Box::new(Role {
            arn: arn.clone(),
            account,
            name: "account-administrator".to_owned(),
            path: "/".to_owned(),
            trust: xacct_eval::SourcedPolicy::new(
                trust.policy,
                "no trust (the account's administrator, as the plan's scripts use it)",
            ),
            policies: vec![xacct_eval::SourcedPolicy::new(
                everything.policy,
                "AdministratorAccess (the account's administrator, as the plan's scripts use it)",
            )],
            boundary: None,
            tags: xacct_world::Tags::new(),
            max_session_duration: 3600,
            service_linked: false,
            origin: Origin::default(),
        }),
    );
    world
}

/// Whether the account's administrator, directly or through `via`, may call
/// `kms:PutKeyPolicy` on `key` in `world`.
fn may_put(world: &World, account: AccountId, key: &str, via: Option<&str>) -> bool {
    let world = with_administrator(world, account);
    let expectation = Expectation {
        via: via.iter().map(|role| (*role).to_owned()).collect(),
        direct: via.is_none(),
        ..Expectation::new(
            format!("change the key policy of {key}"),
            administrator_arn(&account.to_string()),
            vec!["kms:PutKeyPolicy".to_owned()],
            vec![key.to_owned()],
        )
    };
    run(&world, std::slice::from_ref(&expectation))
        .iter()
        .all(|result| result.passed())
}

/// The account of a key ARN.
fn key_account(key: &str) -> Option<AccountId> {
    key.split(':').nth(4)?.parse().ok()
}

/// Who makes the step that replaces the policy of `key`, proven on `world` as it stands (the
/// call must be allowed) and as the plan leaves it (the lockout safety check).
pub fn key_policy_writer(world: &World, plan: &Plan, key: &str) -> KeyPolicyWriter {
    let Some(account) = key_account(key) else {
        return KeyPolicyWriter::Manual(format!("`{key}` is not a key ARN"));
    };
    let after = match applied_world(world, plan) {
        Ok(after) => after,
        Err(error) => return KeyPolicyWriter::Manual(error),
    };
    let both =
        |via: Option<&str>| may_put(world, account, key, via) && may_put(&after, account, key, via);
    if both(None) {
        return KeyPolicyWriter::Administrator;
    }
    let roles: Vec<&String> = world
        .roles
        .iter()
        .filter(|(_, role)| role.account == account)
        .map(|(arn, _)| arn)
        .collect();
    if let Some(role) = roles.iter().find(|role| both(Some(role.as_str()))) {
        return KeyPolicyWriter::Role((*role).clone());
    }
    let now: Vec<&String> = roles
        .iter()
        .copied()
        .filter(|role| may_put(world, account, key, Some(role.as_str())))
        .collect();
    if may_put(world, account, key, None) || !now.is_empty() {
        return KeyPolicyWriter::Manual(format!(
            "the planned key policy would leave no administrator of account {account} able to change it again, so KMS's policy lockout safety check refuses it; add a statement that keeps a key administrator before applying"
        ));
    }
    KeyPolicyWriter::Manual(format!(
        "no principal of the scenario may call kms:PutKeyPolicy on this key: its key policy does not name the account (arn:aws:iam::{account}:root), so IAM policies, the administrator's included, do not count, and no role of account {account} that the administrator can assume is allowed by it; a principal the key policy allows must make this change"
    ))
}

/// The profile of the aws CLI that assumes `role` from the account's administrator profile.
pub fn role_profile(account: &str, role: &str) -> String {
    format!(
        "account-{account}-{}",
        role.rsplit('/').next().unwrap_or(role)
    )
}

#[cfg(test)]
mod tests;
