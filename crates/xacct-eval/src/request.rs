//! One request and the policies that apply to it.

use crate::assumed::Assumption;
use crate::caller::Caller;
use crate::context::{Context, ContextValue};
use serde::Serialize;
use std::sync::Arc;
use xacct_policy::{AccountId, ActionName, Arn, Policy, SourceFile, Span};

/// Which part of AWS's evaluation a policy takes part in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub enum Layer {
    Rcp,
    Scp,
    ResourcePolicy,
    Identity,
    PermissionBoundary,
    SessionPolicy,
}

impl Layer {
    /// How the layer reads in an explanation.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Rcp => "resource control policies",
            Self::Scp => "service control policies",
            Self::ResourcePolicy => "resource-based policy",
            Self::Identity => "identity-based policies",
            Self::PermissionBoundary => "permissions boundary",
            Self::SessionPolicy => "session policy",
        }
    }
}

/// A policy together with where it came from, so that explanations can point at it.
#[derive(Debug, Clone)]
pub struct SourcedPolicy {
    /// Shared: a managed policy attached to many roles, or an SCP over many accounts, is one
    /// document in memory however many principals it applies to.
    pub policy: Arc<Policy>,
    /// Where the policy sits in the request, e.g. `identityPolicies[1]` or `scps[0][2]`.
    pub label: String,
    /// The file its spans point into.
    pub source: Option<Arc<SourceFile>>,
}

impl PolicySet {
    /// Every document of the request, in no particular order of precedence.
    pub fn every(&self) -> impl Iterator<Item = &SourcedPolicy> {
        self.identity
            .iter()
            .chain(&self.resource)
            .chain(&self.grants)
            .chain(&self.permission_boundary)
            .chain(&self.session)
            .chain(self.scps.iter().flatten())
            .chain(self.rcps.iter().flatten())
    }

    /// The resource-side documents: the resource policy, then the grants.
    pub fn resource_side(&self) -> impl Iterator<Item = &SourcedPolicy> {
        self.resource.iter().chain(&self.grants)
    }

    /// The documents of one layer (of one organization level for SCPs and RCPs), in the order
    /// the engine numbers them in a `StatementRef`.
    pub fn layer(&self, layer: Layer, level: Option<usize>) -> Vec<&SourcedPolicy> {
        match layer {
            Layer::Identity => self.identity.iter().collect(),
            Layer::ResourcePolicy => self.resource_side().collect(),
            Layer::PermissionBoundary => self.permission_boundary.iter().collect(),
            Layer::SessionPolicy => self.session.iter().collect(),
            Layer::Scp => level
                .and_then(|level| self.scps.get(level))
                .map(|list| list.iter().collect())
                .unwrap_or_default(),
            Layer::Rcp => level
                .and_then(|level| self.rcps.get(level))
                .map(|list| list.iter().collect())
                .unwrap_or_default(),
        }
    }
}

impl SourcedPolicy {
    pub fn new(policy: impl Into<Arc<Policy>>, label: impl Into<String>) -> Self {
        Self {
            policy: policy.into(),
            label: label.into(),
            source: None,
        }
    }

    #[must_use]
    pub fn with_source(mut self, source: Arc<SourceFile>) -> Self {
        self.source = Some(source);
        self
    }

    /// `file:line:column` of a span inside this policy, when the file is known.
    pub fn location(&self, span: Span) -> Option<String> {
        self.source.as_ref().map(|source| source.location(span))
    }
}

/// Every policy that can take part in deciding one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    pub identity: Vec<SourcedPolicy>,
    pub resource: Option<SourcedPolicy>,
    /// KMS grants on the key, each written as a policy whose statements name the grantee: on
    /// the resource side, they allow as the key policy does (never deny).
    pub grants: Vec<SourcedPolicy>,
    pub permission_boundary: Option<SourcedPolicy>,
    pub session: Option<SourcedPolicy>,
    /// Principal side, one list per organization level, outermost (root) first.
    pub scps: Vec<Vec<SourcedPolicy>>,
    /// Resource side, same shape.
    pub rcps: Vec<Vec<SourcedPolicy>>,
}

/// A fully described request, ready to evaluate many times.
#[derive(Debug, Clone)]
pub struct Request {
    pub caller: Caller,
    pub action: ActionName,
    pub resource: Arn,
    pub resource_account: AccountId,
    pub context: Context,
    pub policies: PolicySet,
    /// SCPs do not apply to principals of the organization's management account.
    pub principal_is_management_account: bool,
    /// SCPs and RCPs do not apply to service-linked roles.
    pub principal_is_service_linked_role: bool,
    /// What the request's context rests on that nobody stated (time, Region, ...), for the
    /// answer to say.
    pub assumptions: Vec<Assumption>,
}

/// A request that does not describe something AWS could receive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRequest {
    #[error("the resource `{resource}` carries no account: say which account owns it with `resourceAccount`")]
    UnknownResourceAccount { resource: String },
    #[error("`resourceAccount` is {given}, but the resource ARN `{resource}` belongs to {in_arn}")]
    ConflictingResourceAccount {
        resource: String,
        given: AccountId,
        in_arn: AccountId,
    },
    #[error("context key `{key}` is `{given}`, but the request implies `{derived}`")]
    ConflictingDerivedKey {
        key: &'static str,
        given: String,
        derived: String,
    },
}

impl Request {
    /// Builds a request and derives the context keys AWS adds on its own
    /// (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`,
    /// `aws:userid` where it is known, `aws:PrincipalIsAWSService`, `aws:ResourceAccount`).
    pub fn new(
        caller: Caller,
        action: ActionName,
        resource: Arn,
        resource_account: Option<AccountId>,
        mut context: Context,
        policies: PolicySet,
    ) -> Result<Self, InvalidRequest> {
        let resource_account = match (resource.account(), resource_account) {
            (Some(in_arn), Some(given)) if in_arn != given => {
                return Err(InvalidRequest::ConflictingResourceAccount {
                    resource: resource.to_string(),
                    given,
                    in_arn,
                })
            }
            (Some(account), _) | (None, Some(account)) => account,
            (None, None) => {
                return Err(InvalidRequest::UnknownResourceAccount {
                    resource: resource.to_string(),
                })
            }
        };
        derive_context(&caller, &action, resource_account, &mut context)?;
        Ok(Self {
            caller,
            action,
            resource,
            resource_account,
            context,
            policies,
            principal_is_management_account: false,
            principal_is_service_linked_role: false,
            assumptions: Vec::new(),
        })
    }

    /// True when the principal's account differs from the resource's: then both the
    /// principal's side and the resource policy must allow.
    pub fn is_cross_account(&self) -> bool {
        self.caller.account() != Some(self.resource_account)
    }
}

fn single(value: impl Into<String>) -> ContextValue {
    ContextValue::Single(value.into())
}

/// Keys a user may supply only when they agree with what the request implies.
fn check_or_derive(
    context: &mut Context,
    key: &'static str,
    derived: String,
    same: impl Fn(&str, &str) -> bool,
) -> Result<(), InvalidRequest> {
    if let Some(entry) = context.entry(&key.to_ascii_lowercase()) {
        // Every supplied value must agree: an array could otherwise smuggle in a second
        // principal, and an empty one would remove the key.
        let agrees = match &entry.value {
            ContextValue::Single(given) => same(given, &derived),
            ContextValue::Multi(given) => {
                given.len() == 1 && given.iter().all(|one| same(one, &derived))
            }
        };
        if !agrees {
            let given = match &entry.value {
                ContextValue::Single(given) => given.clone(),
                ContextValue::Multi(given) => format!("[{}]", given.join(", ")),
            };
            return Err(InvalidRequest::ConflictingDerivedKey {
                key,
                given,
                derived,
            });
        }
        return Ok(());
    }
    context.derive(key, single(derived));
    Ok(())
}

fn derive_context(
    caller: &Caller,
    action: &ActionName,
    resource_account: AccountId,
    context: &mut Context,
) -> Result<(), InvalidRequest> {
    let exact = |given: &str, derived: &str| given == derived;
    check_or_derive(
        context,
        "aws:ResourceAccount",
        resource_account.to_string(),
        exact,
    )?;
    // S3's own name for the owner of the requested resource, which the S3 condition keys page
    // lists for the object and bucket actions; VPC endpoint policies and SCPs use it as a
    // perimeter (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html>).
    if action.service() == "s3" {
        check_or_derive(
            context,
            "s3:ResourceAccount",
            resource_account.to_string(),
            exact,
        )?;
    }
    if let Some(account) = caller.account() {
        check_or_derive(context, "aws:PrincipalAccount", account.to_string(), exact)?;
        // "Because each API call can originate from only one AWS account, kms:CallerAccount is
        // a single valued condition key": the caller's account, in every request on a key. The
        // AWS managed keys' policies rest on it (`Principal: {"AWS": "*"}` narrowed to one
        // account), so leaving it out would make them allow nobody
        // (<https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account>).
        if action.service() == "kms" {
            check_or_derive(context, "kms:CallerAccount", account.to_string(), exact)?;
        }
    }
    if let Some(principal_arn) = caller.principal_arn() {
        // A session ARN carries no role path, so a supplied role ARN with a path is accepted
        // when it names the same role in the same account.
        let same_entity = |given: &str, derived: &str| {
            let name = |arn: &str| arn.rsplit('/').next().unwrap_or_default().to_owned();
            let prefix = |arn: &str| arn.split('/').next().unwrap_or_default().to_owned();
            given == derived || (prefix(given) == prefix(derived) && name(given) == name(derived))
        };
        check_or_derive(context, "aws:PrincipalArn", principal_arn, same_entity)?;
    }
    if let Some(principal_type) = caller.principal_type() {
        check_or_derive(
            context,
            "aws:PrincipalType",
            principal_type.to_owned(),
            exact,
        )?;
    }
    match caller {
        Caller::User { name, .. } => {
            check_or_derive(context, "aws:username", name.clone(), exact)?;
        }
        Caller::AccountRoot { account } => {
            check_or_derive(context, "aws:userid", account.to_string(), exact)?;
        }
        Caller::FederatedUser { account, name, .. } => {
            check_or_derive(context, "aws:userid", format!("{account}:{name}"), exact)?;
        }
        Caller::Service { name } => {
            context.derive("aws:PrincipalServiceName", single(name.clone()));
        }
        Caller::RoleSession { .. } | Caller::IdentityProvider { .. } => {}
    }
    let is_service = if caller.is_service() { "true" } else { "false" };
    check_or_derive(
        context,
        "aws:PrincipalIsAWSService",
        is_service.to_owned(),
        |given, derived| given.eq_ignore_ascii_case(derived),
    )?;
    Ok(())
}
