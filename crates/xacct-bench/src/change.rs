//! One-document changes to a generated organization, for the `diff` benchmark and the test
//! that the diff's scope leaves nothing out: a widened or opened trust, a removed bucket policy,
//! an added SCP.

use crate::Summary;
use xacct_eval::SourcedPolicy;
use xacct_paths::{who_can, CallerIndex, WhoCanQuery};
use xacct_policy::{parse_policy, AccountId, PolicyKind, SourceFile};
use xacct_world::World;

fn document(name: &str, text: &str, kind: PolicyKind) -> SourcedPolicy {
    let source = SourceFile::new(name.to_owned(), text.to_owned());
    let parsed = parse_policy(source.text(), kind);
    SourcedPolicy::new(parsed.policy, name.to_owned()).with_source(source)
}

/// A role that reads the probe bucket itself, from an account SCPs apply to (a member, not
/// the management account), and another member account.
pub fn probe_reader(world: &World, summary: &Summary) -> Result<(String, AccountId), String> {
    let probe = WhoCanQuery::new(summary.probe_action.clone(), summary.probe_resource.clone());
    let answer =
        who_can(world, &CallerIndex::new(world), &probe).map_err(|error| error.to_string())?;
    let management = world
        .organization
        .as_ref()
        .map(|organization| organization.management_account);
    let reader = answer
        .principals
        .iter()
        .find(|reach| {
            reach.chain.is_empty()
                && world.roles.get(&reach.principal).is_some_and(|role| {
                    world.in_organization(role.account) && Some(role.account) != management
                })
        })
        .ok_or_else(|| format!("no member account's role reads {}", summary.probe_resource))?;
    let own = world
        .roles
        .get(&reader.principal)
        .map(|role| role.account)
        .ok_or_else(|| format!("no role {}", reader.principal))?;
    let other = world
        .accounts
        .keys()
        .copied()
        .find(|account| {
            *account != own && Some(*account) != management && world.in_organization(*account)
        })
        .ok_or_else(|| "one account only".to_owned())?;
    Ok((reader.principal.clone(), other))
}

/// The probe bucket's name.
pub fn probe_bucket(summary: &Summary) -> String {
    summary
        .probe_resource
        .trim_start_matches("arn:aws:s3:::")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The world with the trust of `role` replaced by one that lets in every principal of
/// `account`.
pub fn trust_widened(world: &World, role: &str, account: AccountId) -> Result<World, String> {
    let mut after = world.clone();
    let entry = after
        .roles
        .get_mut(role)
        .ok_or_else(|| format!("no role {role}"))?;
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{account}:root"}}, "Action": "sts:AssumeRole"}}]}}"#
    );
    entry.trust = document("widened-trust.json", &text, PolicyKind::Trust);
    Ok(after)
}

/// The world with the trust of `role` opened to everyone (`"AWS": "*"`), a public role.
pub fn trust_opened(world: &World, role: &str) -> Result<World, String> {
    let mut after = world.clone();
    let entry = after
        .roles
        .get_mut(role)
        .ok_or_else(|| format!("no role {role}"))?;
    let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}"#;
    entry.trust = document("opened-trust.json", text, PolicyKind::Trust);
    Ok(after)
}

/// The world without the policy of `bucket`.
pub fn bucket_policy_removed(world: &World, bucket: &str) -> Result<World, String> {
    let mut after = world.clone();
    after
        .buckets
        .get_mut(bucket)
        .ok_or_else(|| format!("no bucket {bucket}"))?
        .policy = None;
    Ok(after)
}

/// The world with an SCP on `account` that denies reading and writing objects (next to `FullAWSAccess`).
pub fn scp_added(world: &World, account: AccountId) -> Result<World, String> {
    let mut after = world.clone();
    let entry = after
        .accounts
        .get_mut(&account)
        .ok_or_else(|| format!("no account {account}"))?;
    let full = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    let deny = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]}"#;
    entry.scps = vec![
        document("full-aws-access.json", full, PolicyKind::Scp),
        document("deny-s3-objects.json", deny, PolicyKind::Scp),
    ];
    Ok(after)
}

/// The world with the SCP `deny` (a policy's JSON) attached to `account` next to
/// `FullAWSAccess`.
pub fn scp_added_with(world: &World, account: AccountId, deny: &str) -> Result<World, String> {
    let mut after = world.clone();
    let entry = after
        .accounts
        .get_mut(&account)
        .ok_or_else(|| format!("no account {account}"))?;
    entry
        .scps
        .push(document("added-scp.json", deny, PolicyKind::Scp));
    Ok(after)
}

/// The world with the SCP `deny` attached to the organizational unit named `unit`: it applies
/// to every account under it.
pub fn unit_scp_added(world: &World, unit: &str, deny: &str) -> Result<World, String> {
    let mut after = world.clone();
    let entry = after
        .organization
        .as_mut()
        .and_then(|organization| {
            organization
                .units
                .values_mut()
                .find(|found| found.name == unit)
        })
        .ok_or_else(|| format!("no unit {unit}"))?;
    entry
        .scps
        .push(document("unit-scp.json", deny, PolicyKind::Scp));
    Ok(after)
}

/// The world with the identity policies of `role` replaced by `policy` (a policy's JSON).
pub fn identity_replaced(world: &World, role: &str, policy: &str) -> Result<World, String> {
    let mut after = world.clone();
    let entry = after
        .roles
        .get_mut(role)
        .ok_or_else(|| format!("no role {role}"))?;
    entry.policies = vec![document("replaced.json", policy, PolicyKind::Identity)];
    Ok(after)
}

/// The world with the RCP `policy` (a policy's JSON) attached to `account`: it applies to
/// requests on the account's resources, AssumeRoles into its roles included.
pub fn rcp_added_with(world: &World, account: AccountId, policy: &str) -> Result<World, String> {
    let mut after = world.clone();
    let entry = after
        .accounts
        .get_mut(&account)
        .ok_or_else(|| format!("no account {account}"))?;
    entry
        .rcps
        .push(document("added-rcp.json", policy, PolicyKind::Rcp));
    Ok(after)
}
