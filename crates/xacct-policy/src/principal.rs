//! Values of the `Principal` and `NotPrincipal` elements.

use crate::account::AccountId;
use crate::arn::{is_known_partition, Arn};
use serde::Serialize;

/// One principal named in a resource-based or trust policy.
///
/// Roles and users are identified by account and name, not by the full ARN text: IAM stores
/// the principal as the entity's unique id when the policy is saved, so the path written in
/// the ARN plays no part in matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: every caller, anonymous ones included.
    Everyone,
    /// A bare account id or `arn:aws:iam::ACCOUNT:root`: delegation to the whole account.
    Account { account: AccountId },
    /// `arn:aws:iam::ACCOUNT:role/[path/]NAME`: every session of the role.
    Role {
        account: AccountId,
        name: String,
        arn: String,
    },
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`: exactly that session.
    AssumedRole {
        account: AccountId,
        role_name: String,
        session_name: String,
        arn: String,
    },
    /// `arn:aws:iam::ACCOUNT:user/[path/]NAME`.
    User {
        account: AccountId,
        name: String,
        arn: String,
    },
    /// `arn:aws:sts::ACCOUNT:federated-user/NAME`.
    FederatedUser {
        account: AccountId,
        name: String,
        arn: String,
    },
    /// `arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID`: a CloudFront origin
    /// access identity, which S3 bucket policies name to let a distribution read objects.
    /// <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html>
    CloudFrontOriginAccessIdentity { id: String, arn: String },
    /// A unique id (`AROA...`, `AIDA...`) that IAM shows when the entity a policy named was
    /// deleted: it can never match a newly created entity of the same name.
    UniqueId { id: String },
    /// `{"Service": "ec2.amazonaws.com"}`.
    Service { name: String },
    /// `{"Federated": "..."}`: an identity provider (SAML, OIDC, Cognito).
    Federated { provider: String },
    /// `{"CanonicalUser": "..."}`: an S3 canonical user id.
    CanonicalUser { id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPrincipal {
    #[error("`{0}` uses a wildcard inside a principal: only `*` alone is allowed")]
    PartialWildcard(String),
    #[error("`{0}` is not a principal: expected an account id, `*`, or an IAM/STS ARN of a root, role, user, assumed-role or federated-user")]
    Unrecognised(String),
}

impl PrincipalEntry {
    /// Reads one value of the `AWS` key.
    pub fn parse_aws(text: &str) -> Result<Self, InvalidPrincipal> {
        if text == "*" {
            return Ok(Self::Everyone);
        }
        if text.contains(['*', '?']) {
            return Err(InvalidPrincipal::PartialWildcard(text.to_owned()));
        }
        if let Ok(account) = text.parse::<AccountId>() {
            return Ok(Self::Account { account });
        }
        if is_unique_id(text) {
            return Ok(Self::UniqueId {
                id: text.to_owned(),
            });
        }
        let unrecognised = || InvalidPrincipal::Unrecognised(text.to_owned());
        if let Some(id) = cloudfront_identity(text) {
            return Ok(Self::CloudFrontOriginAccessIdentity {
                id: id.to_owned(),
                arn: text.to_owned(),
            });
        }
        let arn: Arn = text.parse().map_err(|_| unrecognised())?;
        if !is_known_partition(arn.partition()) {
            return Err(unrecognised());
        }
        let account = arn.account().ok_or_else(unrecognised)?;
        let resource = arn.resource();
        let last = |path: &str| path.rsplit('/').next().unwrap_or_default().to_owned();
        match (arn.service(), resource.split_once('/')) {
            ("iam", None) if resource == "root" => Ok(Self::Account { account }),
            ("iam", Some(("role", path))) if !path.is_empty() => Ok(Self::Role {
                account,
                name: last(path),
                arn: text.to_owned(),
            }),
            ("iam", Some(("user", path))) if !path.is_empty() => Ok(Self::User {
                account,
                name: last(path),
                arn: text.to_owned(),
            }),
            ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
                Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                    Ok(Self::AssumedRole {
                        account,
                        role_name: role.to_owned(),
                        session_name: session.to_owned(),
                        arn: text.to_owned(),
                    })
                }
                _ => Err(unrecognised()),
            },
            ("sts", Some(("federated-user", name))) if !name.is_empty() => {
                Ok(Self::FederatedUser {
                    account,
                    name: name.to_owned(),
                    arn: text.to_owned(),
                })
            }
            _ => Err(unrecognised()),
        }
    }

    /// The account this entry belongs to, if it names one.
    pub fn account(&self) -> Option<AccountId> {
        match self {
            Self::Account { account }
            | Self::Role { account, .. }
            | Self::AssumedRole { account, .. }
            | Self::User { account, .. }
            | Self::FederatedUser { account, .. } => Some(*account),
            _ => None,
        }
    }

    /// How the entry reads in an explanation.
    pub fn describe(&self) -> String {
        match self {
            Self::Everyone => "*".to_owned(),
            Self::Account { account } => format!("account {account}"),
            Self::Role { arn, .. }
            | Self::AssumedRole { arn, .. }
            | Self::User { arn, .. }
            | Self::FederatedUser { arn, .. } => arn.clone(),
            Self::CloudFrontOriginAccessIdentity { id, .. } => {
                format!("CloudFront origin access identity {id}")
            }
            Self::UniqueId { id } => format!("unique id {id}"),
            Self::Service { name } => format!("service {name}"),
            Self::Federated { provider } => format!("federated {provider}"),
            Self::CanonicalUser { id } => format!("canonical user {id}"),
        }
    }
}

/// The id of a CloudFront origin access identity named by its documented ARN, in any partition.
fn cloudfront_identity(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let id = rest.strip_prefix("iam::cloudfront:user/CloudFront Origin Access Identity ")?;
    (is_known_partition(partition)
        && !id.is_empty()
        && id.bytes().all(|byte| byte.is_ascii_alphanumeric()))
    .then_some(id)
}

/// IAM unique ids: four upper-case letters of type (AROA, AIDA, ...) and 16 or more characters.
fn is_unique_id(text: &str) -> bool {
    const PREFIXES: [&str; 6] = ["AROA", "AIDA", "AGPA", "ANPA", "ANVA", "ASIA"];
    text.len() >= 16
        && PREFIXES.iter().any(|prefix| text.starts_with(prefix))
        && text
            .bytes()
            .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_aws_principal_shape() {
        let account: AccountId = "111111111111".parse().unwrap();
        assert_eq!(
            PrincipalEntry::parse_aws("*").unwrap(),
            PrincipalEntry::Everyone
        );
        assert_eq!(
            PrincipalEntry::parse_aws("111111111111").unwrap(),
            PrincipalEntry::Account { account }
        );
        assert_eq!(
            PrincipalEntry::parse_aws("arn:aws:iam::111111111111:root").unwrap(),
            PrincipalEntry::Account { account }
        );
        assert!(matches!(
            PrincipalEntry::parse_aws("arn:aws:iam::111111111111:role/path/R").unwrap(),
            PrincipalEntry::Role { ref name, .. } if name == "R"
        ));
        assert!(matches!(
            PrincipalEntry::parse_aws("arn:aws:sts::111111111111:assumed-role/R/s1").unwrap(),
            PrincipalEntry::AssumedRole { ref session_name, .. } if session_name == "s1"
        ));
        assert!(matches!(
            PrincipalEntry::parse_aws("AROAEXAMPLEID1234567").unwrap(),
            PrincipalEntry::UniqueId { .. }
        ));
    }

    #[test]
    fn rejects_partial_wildcards_and_junk() {
        assert!(matches!(
            PrincipalEntry::parse_aws("arn:aws:iam::111111111111:role/dbx-*"),
            Err(InvalidPrincipal::PartialWildcard(_))
        ));
        assert!(matches!(
            PrincipalEntry::parse_aws(
                "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"
            )
            .unwrap(),
            PrincipalEntry::CloudFrontOriginAccessIdentity { ref id, .. } if id == "E2QWRUHAPOMQZL"
        ));
        for partition in ["aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-eusc"] {
            let role = format!("arn:{partition}:iam::111111111111:role/R");
            assert!(PrincipalEntry::parse_aws(&role).is_ok(), "{role}");
        }
        for bad in [
            "arn:aws-us:iam::111111111111:role/R",
            "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ",
            "alice",
            "arn:aws:s3:::b",
            "arn:aws:iam::111111111111:group/g",
        ] {
            assert!(PrincipalEntry::parse_aws(bad).is_err(), "{bad}");
        }
    }
}
