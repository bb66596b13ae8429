//! Who makes a request.

use serde::Serialize;
use std::fmt;
use xacct_policy::{AccountId, Arn};

/// The principal a request is made by, as AWS authenticates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Caller {
    /// The root user of an account (given as a bare id or `arn:aws:iam::ID:root`).
    AccountRoot { account: AccountId },
    /// An IAM user.
    User {
        account: AccountId,
        name: String,
        arn: String,
    },
    /// A session of a role. Given as a role ARN, the session name is unknown, so the caller
    /// matches no policy that names a particular session.
    RoleSession {
        account: AccountId,
        role_name: String,
        role_arn: String,
        session_name: Option<String>,
    },
    /// A GetFederationToken session of an IAM user.
    FederatedUser {
        account: AccountId,
        name: String,
        arn: String,
    },
    /// An AWS service principal, such as `ec2.amazonaws.com`.
    Service { name: String },
    /// A web identity or SAML provider presenting a token to AssumeRoleWithWebIdentity or
    /// AssumeRoleWithSAML: an OIDC or SAML provider ARN
    /// (`arn:aws:iam::ACCOUNT:oidc-provider/HOST`), or a public provider's name
    /// (`accounts.google.com`, `cognito-identity.amazonaws.com`). It is no IAM principal of any
    /// account, so only the role's trust policy speaks for it, in a `Federated` entry
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-federated-web-identity>).
    IdentityProvider { provider: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a principal: {reason}")]
pub struct InvalidCaller {
    pub text: String,
    pub reason: &'static str,
}

impl Caller {
    /// Reads the `principal` of a request: an account id, an IAM or STS ARN, or a service
    /// principal name.
    pub fn parse(text: &str) -> Result<Self, InvalidCaller> {
        let invalid = |reason| InvalidCaller {
            text: text.to_owned(),
            reason,
        };
        if let Ok(account) = text.parse::<AccountId>() {
            return Ok(Self::AccountRoot { account });
        }
        if !text.starts_with("arn:") {
            let looks_like_service = text.contains('.')
                && text
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-'));
            let name = text.to_ascii_lowercase();
            return if looks_like_service && is_identity_provider_name(&name) {
                Ok(Self::IdentityProvider { provider: name })
            } else if looks_like_service {
                Ok(Self::Service { name })
            } else {
                Err(invalid("expected a 12-digit account id, an IAM or STS ARN, or a service principal such as `ec2.amazonaws.com`"))
            };
        }
        let arn: Arn = text
            .parse()
            .map_err(|_| invalid("it is not a well-formed ARN"))?;
        let account = arn
            .account()
            .ok_or_else(|| invalid("the ARN has no 12-digit account"))?;
        let resource = arn.resource();
        let last = |path: &str| path.rsplit('/').next().unwrap_or_default().to_owned();
        match (arn.service(), resource.split_once('/')) {
            ("iam", None) if resource == "root" => Ok(Self::AccountRoot { account }),
            ("iam", Some(("oidc-provider" | "saml-provider", name))) if !name.is_empty() => {
                Ok(Self::IdentityProvider {
                    provider: text.to_owned(),
                })
            }
            ("iam", Some(("user", path))) if !last(path).is_empty() => Ok(Self::User {
                account,
                name: last(path),
                arn: text.to_owned(),
            }),
            ("iam", Some(("role", path))) if !last(path).is_empty() => Ok(Self::RoleSession {
                account,
                role_name: last(path),
                role_arn: text.to_owned(),
                session_name: None,
            }),
            ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
                Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                    Ok(Self::RoleSession {
                        account,
                        role_name: role.to_owned(),
                        role_arn: format!("arn:{}:iam::{account}:role/{role}", arn.partition()),
                        session_name: Some(session.to_owned()),
                    })
                }
                _ => Err(invalid("an assumed-role ARN is `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`")),
            },
            ("sts", Some(("federated-user", name))) if !name.is_empty() => {
                Ok(Self::FederatedUser {
                    account,
                    name: name.to_owned(),
                    arn: text.to_owned(),
                })
            }
            _ => Err(invalid("expected the ARN of a root user, user, role, assumed-role session, federated user, or OIDC or SAML provider")),
        }
    }

    /// A role session with its role's ARN as IAM lists it, path included
    /// (`arn:aws:iam::ACCOUNT:role/restricted/NAME`): an assumed-role ARN drops the path, and
    /// `aws:PrincipalArn` carries it. The ARN must name the session's own role.
    pub fn with_role_arn(self, role_arn: &str) -> Result<Self, InvalidCaller> {
        let invalid = |reason| InvalidCaller {
            text: role_arn.to_owned(),
            reason,
        };
        let Self::RoleSession {
            account,
            role_name,
            session_name,
            ..
        } = self
        else {
            return Err(invalid(
                "`roleArn` applies only when the principal is a role or an assumed-role session",
            ));
        };
        match Self::parse(role_arn) {
            Ok(Self::RoleSession {
                account: given_account,
                role_name: given_name,
                role_arn: given_arn,
                session_name: None,
            }) if given_account == account && given_name == role_name => Ok(Self::RoleSession {
                account,
                role_name,
                role_arn: given_arn,
                session_name,
            }),
            Ok(Self::RoleSession {
                session_name: None,
                ..
            }) => Err(invalid(
                "it names another role than the principal's: give the ARN of the session's own role",
            )),
            _ => Err(invalid(
                "expected a role ARN such as `arn:aws:iam::111111111111:role/restricted/NAME`",
            )),
        }
    }

    /// The account the caller belongs to; service principals have none.
    pub fn account(&self) -> Option<AccountId> {
        match self {
            Self::AccountRoot { account }
            | Self::User { account, .. }
            | Self::RoleSession { account, .. }
            | Self::FederatedUser { account, .. } => Some(*account),
            Self::Service { .. } | Self::IdentityProvider { .. } => None,
        }
    }

    /// The value of `aws:PrincipalArn`: for a role session, the role's ARN.
    pub fn principal_arn(&self) -> Option<String> {
        match self {
            Self::AccountRoot { account } => Some(format!("arn:aws:iam::{account}:root")),
            Self::User { arn, .. } | Self::FederatedUser { arn, .. } => Some(arn.clone()),
            Self::RoleSession { role_arn, .. } => Some(role_arn.clone()),
            Self::Service { .. } | Self::IdentityProvider { .. } => None,
        }
    }

    /// The ARN the caller is known by in responses and in `Principal` matching.
    pub fn identity_arn(&self) -> String {
        match self {
            Self::RoleSession {
                account,
                role_name,
                session_name: Some(session),
                ..
            } => format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session}"),
            Self::RoleSession { role_arn, .. } => role_arn.clone(),
            Self::Service { name } => name.clone(),
            Self::IdentityProvider { provider } => provider.clone(),
            other => other.principal_arn().unwrap_or_default(),
        }
    }

    /// Whose identity-based policies apply: a role session carries its role's policies.
    pub fn policy_owner(&self) -> String {
        match self {
            Self::RoleSession { role_arn, .. } => role_arn.clone(),
            other => other.identity_arn(),
        }
    }

    /// The value of `aws:PrincipalType`.
    pub fn principal_type(&self) -> Option<&'static str> {
        match self {
            Self::AccountRoot { .. } => Some("Account"),
            Self::User { .. } => Some("User"),
            Self::RoleSession { .. } => Some("AssumedRole"),
            Self::FederatedUser { .. } => Some("FederatedUser"),
            Self::Service { .. } | Self::IdentityProvider { .. } => None,
        }
    }

    pub fn is_service(&self) -> bool {
        matches!(self, Self::Service { .. })
    }

    /// A caller that is no IAM principal of any account (a service, an identity provider): it
    /// has no identity-based policies, no SCPs reach it, and the resource policy alone decides.
    pub fn is_outside_iam(&self) -> bool {
        matches!(self, Self::Service { .. } | Self::IdentityProvider { .. })
    }
}

/// Public identity providers a trust policy names by name in `Federated`
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-federated-web-identity>):
/// Amazon Cognito, Login with Amazon, Facebook and Google. Any other dotted name outside
/// `amazonaws.com` is an OIDC host, as service principals all end in `amazonaws.com`
/// (`amazonaws.com.cn` in China).
fn is_identity_provider_name(name: &str) -> bool {
    name == "cognito-identity.amazonaws.com"
        || !(name.ends_with(".amazonaws.com") || name.ends_with(".amazonaws.com.cn"))
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.identity_arn())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_principal_form() {
        assert!(matches!(
            Caller::parse("111111111111").unwrap(),
            Caller::AccountRoot { .. }
        ));
        assert!(matches!(
            Caller::parse("arn:aws:iam::111111111111:root").unwrap(),
            Caller::AccountRoot { .. }
        ));
        let session =
            Caller::parse("arn:aws:sts::111111111111:assumed-role/MyRoleA/i-0abc").unwrap();
        assert_eq!(
            session.principal_arn().unwrap(),
            "arn:aws:iam::111111111111:role/MyRoleA"
        );
        assert_eq!(
            session.identity_arn(),
            "arn:aws:sts::111111111111:assumed-role/MyRoleA/i-0abc"
        );
        let user = Caller::parse("arn:aws:iam::111111111111:user/ops/alice").unwrap();
        assert!(matches!(user, Caller::User { ref name, .. } if name == "alice"));
        assert!(Caller::parse("ec2.amazonaws.com").unwrap().is_service());
        for provider in [
            "cognito-identity.amazonaws.com",
            "accounts.google.com",
            "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
            "arn:aws:iam::111111111111:saml-provider/Okta",
        ] {
            let caller = Caller::parse(provider).unwrap();
            assert!(
                matches!(caller, Caller::IdentityProvider { .. }) && caller.is_outside_iam(),
                "{provider}"
            );
            assert!(
                !caller.is_service() && caller.account().is_none(),
                "{provider}"
            );
        }
        let with_path = session
            .clone()
            .with_role_arn("arn:aws:iam::111111111111:role/restricted/MyRoleA")
            .unwrap();
        assert_eq!(
            with_path.principal_arn().unwrap(),
            "arn:aws:iam::111111111111:role/restricted/MyRoleA"
        );
        assert_eq!(
            with_path.identity_arn(),
            "arn:aws:sts::111111111111:assumed-role/MyRoleA/i-0abc"
        );
        for other in [
            "arn:aws:iam::111111111111:role/restricted/Other",
            "arn:aws:iam::222222222222:role/restricted/MyRoleA",
            "arn:aws:sts::111111111111:assumed-role/MyRoleA/x",
        ] {
            assert!(session.clone().with_role_arn(other).is_err(), "{other}");
        }
        assert!(user
            .clone()
            .with_role_arn("arn:aws:iam::111111111111:role/r")
            .is_err());
        for bad in [
            "alice",
            "arn:aws:s3:::b",
            "arn:aws:iam::111111111111:group/g",
            "1111",
        ] {
            assert!(Caller::parse(bad).is_err(), "{bad}");
        }
    }
}
