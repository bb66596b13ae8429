//! Combines the verdicts of every policy layer into AWS's decision.
//!
//! The order follows the documented flowchart
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html>):
//! an explicit deny anywhere wins; then every SCP level on the principal's side must allow
//! (RCPs only deny: `RCPFullAWSAccess` is attached at every level and cannot be detached);
//! then the resource policy and identity side combine by the same-account or cross-account
//! rule, with the permissions boundary and session policy capping what the identity side
//! grants.

use crate::caller::Caller;
use crate::matching::{applies, Naming};
use crate::request::{Layer, Request, SourcedPolicy};
use crate::service_rules::{self, ServiceRefusal};
use serde::Serialize;
use xacct_policy::Effect;

/// The three outcomes of an AWS authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl Decision {
    pub fn name(self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::ExplicitDeny => "ExplicitDeny",
            Self::ImplicitDeny => "ImplicitDeny",
        }
    }
}

/// Points at one statement of one policy in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementRef {
    pub layer: Layer,
    /// The organization level, for SCPs and RCPs (0 = root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    /// Index of the policy within its layer (or level).
    pub policy: usize,
    /// Index of the statement within its policy.
    pub statement: usize,
    pub effect: Effect,
    /// How a resource policy statement named the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub naming: Option<Naming>,
}

/// A requirement the request did not meet, in the order AWS checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "missing")]
pub enum Gap {
    /// An SCP level with no Allow for the request.
    ScpLevel {
        level: usize,
    },
    /// The resource policy does not allow the caller, and it must: cross-account, or for a
    /// role trust policy or KMS key policy.
    ResourcePolicy,
    /// No identity-based policy allows (and, in the same account, nor does the resource
    /// policy name the caller).
    Identity,
    PermissionBoundary,
    SessionPolicy,
}

impl Gap {
    pub fn layer(self) -> Layer {
        match self {
            Self::ScpLevel { .. } => Layer::Scp,
            Self::ResourcePolicy => Layer::ResourcePolicy,
            Self::Identity => Layer::Identity,
            Self::PermissionBoundary => Layer::PermissionBoundary,
            Self::SessionPolicy => Layer::SessionPolicy,
        }
    }
}

/// The decision and the facts it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub decision: Decision,
    pub cross_account: bool,
    /// Deny statements that matched.
    pub denies: Vec<StatementRef>,
    /// Allow statements that matched.
    pub allows: Vec<StatementRef>,
    /// For an implicit deny: what was missing, first the one that decided.
    pub gaps: Vec<Gap>,
    pub scps_apply: bool,
    pub rcps_apply: bool,
    /// The resource policy is mandatory for this request (trust policy, key policy).
    pub resource_policy_required: bool,
    /// A service rule outside policy evaluation that refuses the request whatever the
    /// policies say (writes to AWS managed policies, to IAM Identity Center roles, to
    /// `alias/aws/` aliases). The decision is then ExplicitDeny: no policy can lift it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused_by_service: Option<ServiceRefusal>,
}

/// Actions authorized against a role's trust policy: it must allow them even in the role's
/// own account.
fn is_trust_action(request: &Request) -> bool {
    request.action.service() == "sts"
        && request.resource.service() == "iam"
        && request.resource.resource().starts_with("role/")
        && {
            let name = request.action.lowercase();
            name.starts_with("sts:assumerole")
                || matches!(
                    name,
                    "sts:tagsession" | "sts:setsourceidentity" | "sts:setcontext"
                )
        }
}

/// KMS key policies are the root of authority over a key: IAM policies count only when the key
/// policy delegates to the account.
fn is_key_policy_action(request: &Request) -> bool {
    request.action.service() == "kms"
        && request.resource.service() == "kms"
        && request.resource.resource().starts_with("key/")
}

/// Whether SCPs constrain this caller: not the management account's principals, not
/// service-linked roles, not service principals nor identity providers (no IAM principal of
/// the organization).
fn scps_apply(request: &Request) -> bool {
    !request.policies.scps.is_empty()
        && !request.principal_is_management_account
        && !request.principal_is_service_linked_role
        && !request.caller.is_outside_iam()
}

/// RCPs do not restrict service-linked roles, nor services that do not support them, nor the
/// management account's own resources: "RCPs don't affect resources in the management account.
/// They only affect resources in member accounts within the organization"
/// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>).
/// A request says only whether the caller is of the management account, so its resources are
/// known to be there only when the request stays in the caller's account.
fn rcps_apply(request: &Request) -> bool {
    let resource_in_management_account =
        request.principal_is_management_account && !request.is_cross_account();
    !request.policies.rcps.is_empty()
        && !request.principal_is_service_linked_role
        && !resource_in_management_account
        && crate::coverage::rcps_cover(request.action.lowercase())
}

struct Collector<'a> {
    request: &'a Request,
    denies: Vec<StatementRef>,
    allows: Vec<StatementRef>,
}

impl Collector<'_> {
    /// Checks every statement of a policy, recording those that apply. Returns whether any
    /// Allow applied.
    fn policy(
        &mut self,
        layer: Layer,
        level: Option<usize>,
        index: usize,
        policy: &SourcedPolicy,
    ) -> bool {
        let mut allowed = false;
        for statement in &policy.policy.statements {
            let Some(naming) = applies(statement, self.request) else {
                continue;
            };
            let reference = StatementRef {
                layer,
                level,
                policy: index,
                statement: statement.index,
                effect: statement.effect,
                naming,
            };
            match statement.effect {
                Effect::Deny => self.denies.push(reference),
                Effect::Allow => {
                    allowed = true;
                    self.allows.push(reference);
                }
            }
        }
        allowed
    }

    fn policies<'p>(
        &mut self,
        layer: Layer,
        policies: impl IntoIterator<Item = &'p SourcedPolicy>,
    ) -> bool {
        let mut allowed = false;
        for (index, policy) in policies.into_iter().enumerate() {
            allowed |= self.policy(layer, None, index, policy);
        }
        allowed
    }
}

/// Decides one request.
pub fn authorize(request: &Request) -> Response {
    let policies = &request.policies;
    let mut collect = Collector {
        request,
        denies: Vec::new(),
        allows: Vec::new(),
    };
    let scps_apply = scps_apply(request);
    let rcps_apply = rcps_apply(request);

    let mut gaps = Vec::new();
    if rcps_apply {
        for (level, list) in policies.rcps.iter().enumerate() {
            for (index, policy) in list.iter().enumerate() {
                collect.policy(Layer::Rcp, Some(level), index, policy);
            }
        }
    }
    if scps_apply {
        for (level, list) in policies.scps.iter().enumerate() {
            let mut level_allows = false;
            for (index, policy) in list.iter().enumerate() {
                level_allows |= collect.policy(Layer::Scp, Some(level), index, policy);
            }
            if !level_allows {
                gaps.push(Gap::ScpLevel { level });
            }
        }
    }
    let identity_allows = collect.policies(Layer::Identity, &policies.identity);
    let boundary_allows =
        collect.policies(Layer::PermissionBoundary, &policies.permission_boundary);
    let session_allows = collect.policies(Layer::SessionPolicy, &policies.session);
    collect.policies(Layer::ResourcePolicy, policies.resource_side());

    let naming = collect
        .allows
        .iter()
        .filter(|reference| reference.layer == Layer::ResourcePolicy)
        .filter_map(|reference| reference.naming)
        .max();
    let cross_account = request.is_cross_account();
    let resource_policy_required = is_trust_action(request) || is_key_policy_action(request);

    // The root user has every permission in its own account that no deny, SCP or RCP takes away.
    let is_root = matches!(request.caller, Caller::AccountRoot { .. });
    let identity_allows = identity_allows || is_root;
    let boundary_ok = policies.permission_boundary.is_none() || boundary_allows || is_root;
    // A GetFederationToken session without a session policy has no permissions of its own.
    let session_ok = match &policies.session {
        Some(_) => session_allows,
        None => !matches!(request.caller, Caller::FederatedUser { .. }),
    };
    let principal_side_limits = |gaps: &mut Vec<Gap>| {
        if !boundary_ok {
            gaps.push(Gap::PermissionBoundary);
        }
        if !session_ok {
            gaps.push(Gap::SessionPolicy);
        }
    };

    if request.caller.is_outside_iam() {
        // A service principal or an identity provider has no identity-based policies: the
        // resource policy decides.
        if naming.is_none() {
            gaps.push(Gap::ResourcePolicy);
        }
    } else if cross_account {
        if naming.is_none() {
            gaps.push(Gap::ResourcePolicy);
        }
        if !identity_allows {
            gaps.push(Gap::Identity);
        }
        principal_side_limits(&mut gaps);
    } else if naming == Some(Naming::Direct) {
        // Named exactly (user, session, `*`): the resource policy grants on its own, and
        // implicit denies in a boundary or session policy do not take it away. A role's trust
        // policy is the exception: "If a permissions boundary is set for the user, then it
        // must allow the sts:AssumeRole action"
        // (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-trust-policy.html>).
        // The page speaks of a user's boundary; a role session's boundary and a session
        // policy are held to the same rule, the reading that never allows more.
        if is_trust_action(request) {
            principal_side_limits(&mut gaps);
        }
    } else if resource_policy_required && naming.is_none() {
        gaps.push(Gap::ResourcePolicy);
    } else if naming == Some(Naming::Role) || identity_allows {
        principal_side_limits(&mut gaps);
    } else {
        gaps.push(Gap::Identity);
    }

    let refused_by_service = service_rules::refusal(request);
    let decision = if !collect.denies.is_empty() || refused_by_service.is_some() {
        Decision::ExplicitDeny
    } else if gaps.is_empty() {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    };
    if decision == Decision::ExplicitDeny {
        gaps.clear();
    }
    Response {
        decision,
        cross_account,
        denies: collect.denies,
        allows: collect.allows,
        gaps,
        scps_apply,
        rcps_apply,
        resource_policy_required,
        refused_by_service,
    }
}
