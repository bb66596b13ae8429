//! Requests a service refuses whatever the policies say: resources AWS owns inside the
//! customer's account, and calls that some kinds of credentials can never make. No policy can
//! allow them, so the authorizer reports them as refused by the service, and every command
//! built on it (eval, who-can, check) sees them as impossible.

use crate::caller::Caller;
use crate::request::Request;
use serde::Serialize;

/// One service rule that refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceRule {
    /// AWS managed policies (`arn:aws:iam::aws:policy/...`) belong to AWS: a customer cannot
    /// change, tag or delete them.
    AwsManagedPolicy,
    /// Roles IAM Identity Center creates for permission sets
    /// (`role/aws-reserved/sso.amazonaws.com/...`) can be changed only through Identity Center.
    IdentityCenterRole,
    /// Aliases beginning with `alias/aws/` are reserved for AWS managed KMS keys.
    AwsManagedKeyAlias,
    /// The root user cannot assume a role: STS answers AccessDenied however the trust policy
    /// reads.
    RootAssumeRole,
    /// A GetFederationToken session calls no IAM API and no STS API but GetCallerIdentity.
    FederatedUserStsOrIam,
    /// A role session calls neither GetFederationToken nor GetSessionToken.
    RoleSessionTokenCall,
}

impl ServiceRule {
    /// The AWS page that states the rule.
    pub fn doc(self) -> &'static str {
        match self {
            Self::AwsManagedPolicy => {
                "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/about-managed-policy-reference.html"
            }
            Self::IdentityCenterRole => {
                "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSSSOServiceRolePolicy.html"
            }
            Self::AwsManagedKeyAlias => {
                "https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html"
            }
            Self::RootAssumeRole | Self::RoleSessionTokenCall => {
                "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"
            }
            Self::FederatedUserStsOrIam => {
                "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html"
            }
        }
    }

    /// Why the service refuses, as a sentence.
    pub fn reason(self) -> &'static str {
        match self {
            Self::AwsManagedPolicy => {
                "AWS managed policies are created and administered by AWS: \"You cannot change the permissions defined in AWS managed policies\""
            }
            Self::IdentityCenterRole => {
                "roles under `aws-reserved/sso.amazonaws.com/` are provisioned by IAM Identity Center through its service-linked role: IAM refuses to change or delete them for anyone else (UnmodifiableEntity); change the permission set instead"
            }
            Self::AwsManagedKeyAlias => {
                "\"The alias/aws/ prefix is reserved for AWS managed key\": KMS refuses to create, update or delete such an alias"
            }
            Self::RootAssumeRole => {
                "\"You cannot use AWS account root user credentials to call AssumeRole. You must use credentials for an IAM user or an IAM role\""
            }
            Self::FederatedUserStsOrIam => {
                "credentials from GetFederationToken \"cannot call any IAM operations using the AWS CLI or the AWS API\" and \"cannot call any STS operations except GetCallerIdentity\""
            }
            Self::RoleSessionTokenCall => {
                "credentials from AssumeRole can call any service \"with the following exception: You cannot call the AWS STS GetFederationToken or GetSessionToken API operations\""
            }
        }
    }
}

/// A request refused by a service rule, with the rule and its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRefusal {
    pub rule: ServiceRule,
    /// "refused by the service: ..." for explanations.
    pub explanation: String,
    pub doc: &'static str,
}

/// IAM actions that change an entity: everything but reading it and passing a role.
fn is_iam_write(action_name: &str) -> bool {
    const WRITE_VERBS: [&str; 11] = [
        "create", "delete", "put", "update", "attach", "detach", "tag", "untag", "set", "add",
        "remove",
    ];
    WRITE_VERBS.iter().any(|verb| action_name.starts_with(verb))
}

/// IAM Identity Center's own service-linked role, `AWSServiceRoleForSSO`, is the one that
/// provisions and changes its roles: its policy (AWSSSOServiceRolePolicy) allows exactly that.
fn is_identity_center_itself(request: &Request) -> bool {
    matches!(&request.caller, Caller::RoleSession { role_name, .. } if role_name == "AWSServiceRoleForSSO")
}

/// Calls the caller's kind of credentials can never make, whatever the resource. The console
/// exception for federated users (they may use IAM there) is not modelled: a request names an
/// API call.
fn credential_refusal(request: &Request, name: &str) -> Option<ServiceRule> {
    let service = request.action.service();
    match &request.caller {
        Caller::AccountRoot { .. } if service == "sts" && name == "assumerole" => {
            Some(ServiceRule::RootAssumeRole)
        }
        Caller::FederatedUser { .. }
            if service == "iam" || (service == "sts" && name != "getcalleridentity") =>
        {
            Some(ServiceRule::FederatedUserStsOrIam)
        }
        Caller::RoleSession { .. }
            if service == "sts" && matches!(name, "getfederationtoken" | "getsessiontoken") =>
        {
            Some(ServiceRule::RoleSessionTokenCall)
        }
        _ => None,
    }
}

/// The rule that refuses `request`, when one does.
pub fn refusal(request: &Request) -> Option<ServiceRefusal> {
    let resource = &request.resource;
    let action = request.action.lowercase();
    let name = action.split_once(':').map_or("", |(_, name)| name);
    let rule = credential_refusal(request, name).or_else(|| {
        match (request.action.service(), resource.service()) {
            ("iam", "iam")
                if is_iam_write(name)
                    && resource.account_text() == "aws"
                    && resource.resource().starts_with("policy/") =>
            {
                Some(ServiceRule::AwsManagedPolicy)
            }
            // Passing such a role to a service is refused too: only Identity Center uses them.
            ("iam", "iam")
                if (is_iam_write(name) || name == "passrole")
                    && !is_identity_center_itself(request)
                    && resource
                        .resource()
                        .starts_with("role/aws-reserved/sso.amazonaws.com/") =>
            {
                Some(ServiceRule::IdentityCenterRole)
            }
            ("kms", "kms")
                if matches!(name, "createalias" | "updatealias" | "deletealias")
                    && resource.resource().starts_with("alias/aws/") =>
            {
                Some(ServiceRule::AwsManagedKeyAlias)
            }
            _ => None,
        }
    })?;
    Some(ServiceRefusal {
        rule,
        explanation: format!("refused by the service: {} ({})", rule.reason(), rule.doc()),
        doc: rule.doc(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_count_as_iam_writes() {
        for write in [
            "createpolicyversion",
            "deletepolicy",
            "setdefaultpolicyversion",
            "tagpolicy",
            "untagrole",
            "attachrolepolicy",
            "updateassumerolepolicy",
            "putrolepermissionsboundary",
            "createservicelinkedrole",
        ] {
            assert!(is_iam_write(write), "{write}");
        }
        for read in [
            "getpolicy",
            "getpolicyversion",
            "listentitiesforpolicy",
            "generateservicelastaccesseddetails",
            "simulateprincipalpolicy",
            "passrole",
        ] {
            assert!(!is_iam_write(read), "{read}");
        }
    }
}
