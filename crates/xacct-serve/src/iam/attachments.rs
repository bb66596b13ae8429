//! Attaching and detaching a managed policy, the same for a role as for a user: the quota on
//! attached policies, `NoSuchEntity` for a policy not attached, and the change made in the
//! world at once (the next request is decided on the entity's new policies).

use super::directory::managed_document;
use super::roles::managed_text;
use super::{error, ok, Call, ATTACHED_PER_ENTITY};
use crate::sts::Reply;
use xacct_eval::SourcedPolicy;
use xacct_policy::PolicyKind;

/// The entity whose attached policies change.
pub(super) enum Holder<'a> {
    Role(&'a str),
    User(&'a str),
}

impl Holder<'_> {
    /// IAM's quota name in the `LimitExceeded` message.
    fn quota(&self) -> &'static str {
        match self {
            Holder::Role(_) => "PoliciesPerRole",
            Holder::User(_) => "PoliciesPerUser",
        }
    }

    fn with_policies(&self, call: &Call<'_>, change: impl FnOnce(&mut Vec<SourcedPolicy>)) {
        let mut world = call.state.engine.world_mut();
        let policies = match self {
            Holder::Role(arn) => world.roles.get_mut(*arn).map(|role| &mut role.policies),
            Holder::User(arn) => world.users.get_mut(*arn).map(|user| &mut user.policies),
        };
        if let Some(policies) = policies {
            change(policies);
        }
    }
}

/// `Attach*Policy` (`attaching`) or `Detach*Policy` of `policy_arn` on `holder`, whose policies
/// are `current`; the caller was authorized for `action` already.
pub(super) fn change(
    call: &Call<'_>,
    action: &str,
    attaching: bool,
    holder: &Holder<'_>,
    current: &[SourcedPolicy],
    policy_arn: &str,
) -> Result<Reply, Reply> {
    let attached = current.iter().any(|policy| policy.label == policy_arn);
    if attaching {
        let text = managed_text(call, policy_arn)?;
        let count = current
            .iter()
            .filter(|policy| policy.label.starts_with("arn:"))
            .count();
        if !attached && count >= ATTACHED_PER_ENTITY {
            return Err(error(
                "LimitExceeded",
                &format!(
                    "Cannot exceed quota for {}: {ATTACHED_PER_ENTITY}",
                    holder.quota()
                ),
            ));
        }
        if !attached {
            let document = managed_document(policy_arn, &text, PolicyKind::Identity);
            holder.with_policies(call, |policies| policies.push(document));
        }
    } else {
        if !attached {
            return Err(error(
                "NoSuchEntity",
                &format!("Policy {policy_arn} was not found."),
            ));
        }
        holder.with_policies(call, |policies| {
            policies.retain(|policy| policy.label != policy_arn);
        });
    }
    Ok(ok(action, ""))
}
