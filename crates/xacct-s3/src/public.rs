//! S3 Block Public Access and the meaning of "public".
//!
//! Source: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>
//! (sections "Block public access settings" and "The meaning of 'public'"). The list of keys
//! that keep a bucket policy non-public was read from the page's text as AWS publishes it in
//! `awsdocs/amazon-s3-userguide` (`doc_source/access-control-block-public-access.md`).

use crate::ownership::{CannedAcl, S3Error};
use serde::Serialize;
use xacct_policy::condition::{BaseOperator, SetQualifier, Value};
use xacct_policy::document::PrincipalClause;
use xacct_policy::template::Part;
use xacct_policy::{AccountId, Effect, Policy, PrincipalEntry, Statement};

/// The four Block Public Access switches at one level (account, bucket or access point).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockPublicAccess {
    /// Reject PUTs (bucket ACL, object ACL, PutObject, CreateBucket) that carry a public ACL.
    pub block_public_acls: bool,
    /// Ignore public grants in existing bucket and object ACLs.
    pub ignore_public_acls: bool,
    /// Reject PutBucketPolicy with a public policy.
    pub block_public_policy: bool,
    /// With a public policy, only AWS service principals and principals of the bucket owner's
    /// account get access through it.
    pub restrict_public_buckets: bool,
}

impl BlockPublicAccess {
    /// All four on: what the console sets for new buckets and AWS recommends for accounts.
    pub const ALL: Self = Self {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };
    pub const NONE: Self = Self {
        block_public_acls: false,
        ignore_public_acls: false,
        block_public_policy: false,
        restrict_public_buckets: false,
    };

    /// The most restrictive combination of two levels: each switch is on if either level
    /// turns it on.
    #[must_use]
    pub fn or(self, other: Self) -> Self {
        Self {
            block_public_acls: self.block_public_acls || other.block_public_acls,
            ignore_public_acls: self.ignore_public_acls || other.ignore_public_acls,
            block_public_policy: self.block_public_policy || other.block_public_policy,
            restrict_public_buckets: self.restrict_public_buckets || other.restrict_public_buckets,
        }
    }
}

/// The account-level and bucket-level settings that apply to one bucket.
///
/// "If the block public access settings for the access point, bucket, or account differ, then
/// Amazon S3 applies the most restrictive combination" — the effective setting is the OR.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BpaSettings {
    pub account: BlockPublicAccess,
    pub bucket: BlockPublicAccess,
}

impl BpaSettings {
    pub fn effective(&self) -> BlockPublicAccess {
        self.account.or(self.bucket)
    }

    /// Which level turns a switch on, for messages: "at the account level".
    fn level(&self, switch: fn(&BlockPublicAccess) -> bool) -> &'static str {
        match (switch(&self.account), switch(&self.bucket)) {
            (true, true) => "at both the account and the bucket level",
            (true, false) => "at the account level",
            (false, true) => "at the bucket level",
            (false, false) => "at no level",
        }
    }
}

/// One Allow statement that makes a policy public, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicStatement {
    /// Position of the statement in the policy, from zero.
    pub index: usize,
    pub sid: Option<String>,
    pub reasons: Vec<String>,
}

impl PublicStatement {
    /// `Sid` or `#index`.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!("`{sid}`"),
            _ => format!("#{}", self.index),
        }
    }
}

/// Whether S3 considers a bucket policy public, and which statements make it so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicVerdict {
    pub public: bool,
    pub public_statements: Vec<PublicStatement>,
    /// Facts about readings AWS does not document (\[uncertain\]).
    pub notes: Vec<String>,
}

impl PublicVerdict {
    /// One sentence: "statement `PublicRead` grants to `*` with no condition ...".
    pub fn reason(&self) -> String {
        if !self.public {
            return "every Allow statement is limited to fixed principals or to fixed values of the keys AWS lists".to_owned();
        }
        self.public_statements
            .iter()
            .map(|statement| {
                format!(
                    "statement {} {}",
                    statement.label(),
                    statement.reasons.join(", and ")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// How a documented key's values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Text,
    Arn,
    Ip,
    UserId,
    AccessPointArn,
}

/// The keys whose fixed values keep a statement non-public, as the page lists them:
/// `aws:SourceIp` (not overly broad), `aws:SourceArn`, `aws:SourceVpc`, `aws:SourceVpce`,
/// `aws:SourceOwner`, `aws:SourceAccount`, `s3:x-amz-server-side-encryption-aws-kms-key-id`,
/// `aws:userid` outside `AROLEID:*`, `s3:DataAccessPointArn`, `s3:DataAccessPointAccount`, and,
/// given as the example of "an AWS principal, user, role, or service principal",
/// `aws:PrincipalOrgID`.
const FIXED_KEYS: [(&str, &str, KeyKind); 11] = [
    ("aws:sourceip", "aws:SourceIp", KeyKind::Ip),
    ("aws:sourcearn", "aws:SourceArn", KeyKind::Arn),
    ("aws:sourcevpc", "aws:SourceVpc", KeyKind::Text),
    ("aws:sourcevpce", "aws:SourceVpce", KeyKind::Text),
    ("aws:sourceowner", "aws:SourceOwner", KeyKind::Text),
    ("aws:sourceaccount", "aws:SourceAccount", KeyKind::Text),
    (
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        KeyKind::Arn,
    ),
    ("aws:userid", "aws:userid", KeyKind::UserId),
    (
        "s3:dataaccesspointarn",
        "s3:DataAccessPointArn",
        KeyKind::AccessPointArn,
    ),
    (
        "s3:dataaccesspointaccount",
        "s3:DataAccessPointAccount",
        KeyKind::Text,
    ),
    ("aws:principalorgid", "aws:PrincipalOrgID", KeyKind::Text),
];

/// Principal keys that plausibly pin a statement but that the page does not name.
const UNLISTED_PRINCIPAL_KEYS: [&str; 4] = [
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgpaths",
    "aws:sourceorgid",
];

fn has_wildcard(parts: &[Part]) -> bool {
    parts
        .iter()
        .any(|part| matches!(part, Part::Text(text) if text.contains(['*', '?'])))
}

/// `s3:DataAccessPointArn` may hold a wildcard in the access point name as long as everything
/// up to `accesspoint/`, the account above all, is fixed.
fn is_fixed_access_point_pattern(text: &str) -> bool {
    let mut parts = text.splitn(6, ':');
    let head: Vec<&str> = parts.by_ref().take(5).collect();
    let resource = parts.next().unwrap_or_default();
    head.len() == 5
        && head.iter().all(|part| !part.contains(['*', '?']))
        && head
            .get(4)
            .is_some_and(|account| account.parse::<AccountId>().is_ok())
        && resource
            .strip_prefix("accesspoint/")
            .is_some_and(|name| !name.is_empty())
}

/// Why one policy value is not a fixed value for the key, if it is not.
fn value_not_fixed(
    kind: KeyKind,
    key: &str,
    operator: BaseOperator,
    value: &Value,
    text: &str,
) -> Option<String> {
    let like = matches!(
        operator,
        BaseOperator::StringLike | BaseOperator::ArnLike | BaseOperator::ArnEquals
    );
    let (variables, wildcard) = match value {
        Value::Text(template) => (
            template.has_variables(),
            like && has_wildcard(template.parts()),
        ),
        Value::Arn(pattern) => (
            pattern.has_variables(),
            has_wildcard(pattern.template().parts()),
        ),
        Value::Ip(network) => {
            let prefix = network.prefix_len();
            let (limit, family) = if network.addr().is_ipv4() {
                (8, "IPv4")
            } else {
                (32, "IPv6")
            };
            return (prefix < limit).then(|| {
                format!("`{key}` allows `{text}`, a range broader than /{limit} for {family}, which S3 counts as public")
            });
        }
        _ => (false, false),
    };
    if variables {
        return Some(format!(
            "`{key}` is compared with `{text}`, which holds a policy variable, not a fixed value"
        ));
    }
    if !wildcard {
        return None;
    }
    match kind {
        KeyKind::AccessPointArn if is_fixed_access_point_pattern(text) => None,
        KeyKind::AccessPointArn => Some(format!(
            "`{key}` is `{text}`: a wildcard is allowed only in the access point name, with the account fixed"
        )),
        KeyKind::UserId if text.ends_with(":*") => Some(format!(
            "`{key}` is `{text}`, the pattern `AROLEID:*` (every session of a role), which the page excludes from fixed values"
        )),
        _ => Some(format!("`{key}` is `{text}`, which contains a wildcard")),
    }
}

/// Whether the operator can pin a key of this kind to its values: a positive comparison,
/// without `IfExists` (true when the key is absent) or `ForAllValues` (true for an empty set).
fn operator_pins(kind: KeyKind, condition: &xacct_policy::Condition) -> Result<(), String> {
    let operator = condition.operator;
    let name = operator.name();
    if operator.if_exists {
        return Err(format!(
            "`{name}` on `{}` holds when the key is absent",
            condition.key
        ));
    }
    if operator.set == Some(SetQualifier::ForAllValues) {
        return Err(format!(
            "`{name}` on `{}` holds when the key is absent",
            condition.key
        ));
    }
    let string = matches!(
        operator.base,
        BaseOperator::StringEquals
            | BaseOperator::StringEqualsIgnoreCase
            | BaseOperator::StringLike
    );
    let arn = matches!(
        operator.base,
        BaseOperator::ArnEquals | BaseOperator::ArnLike
    );
    let accepted = match kind {
        KeyKind::Ip => operator.base == BaseOperator::IpAddress,
        KeyKind::Text | KeyKind::UserId => string,
        KeyKind::Arn | KeyKind::AccessPointArn => string || arn,
    };
    if accepted {
        Ok(())
    } else if operator.base.is_negated() {
        Err(format!(
            "`{name}` on `{}` allows every value but those listed",
            condition.key
        ))
    } else {
        Err(format!(
            "`{name}` does not limit `{}` to fixed values",
            condition.key
        ))
    }
}

/// Whether one condition pins the statement; `Err` says why a condition on a listed key does
/// not, `Ok(false)` marks a condition on another key.
fn condition_pins(condition: &xacct_policy::Condition) -> Result<bool, String> {
    let Some((_, _, kind)) = FIXED_KEYS
        .iter()
        .find(|(key, _, _)| *key == condition.key_lowercase)
    else {
        return Ok(false);
    };
    operator_pins(*kind, condition)?;
    if condition.values.is_empty() {
        return Err(format!("`{}` lists no values", condition.key));
    }
    for value in &condition.values {
        if let Some(reason) = value_not_fixed(
            *kind,
            &condition.key,
            condition.operator.base,
            &value.value,
            &value.text,
        ) {
            return Err(reason);
        }
    }
    Ok(true)
}

/// Why a statement's principal is not a fixed set of principals, if it is not.
fn principal_not_fixed(clause: Option<&PrincipalClause>) -> Option<String> {
    let Some(clause) = clause else {
        return Some("names no Principal".to_owned());
    };
    if clause.negated {
        return Some("uses NotPrincipal, which grants everyone not listed".to_owned());
    }
    for entry in &clause.entries {
        match &entry.value {
            PrincipalEntry::Everyone => return Some("grants to Principal `*`".to_owned()),
            PrincipalEntry::Federated { provider } => {
                return Some(format!(
                    "grants to the federated identity provider `{provider}`, whose users are not fixed principals"
                ))
            }
            _ => {}
        }
    }
    None
}

/// Why an Allow statement is public, if it is.
fn statement_public(statement: &Statement, notes: &mut Vec<String>) -> Option<Vec<String>> {
    let principal = principal_not_fixed(statement.principal.as_ref())?;
    let mut reasons = vec![principal];
    let mut listed_keys = false;
    for condition in &statement.conditions {
        match condition_pins(condition) {
            Ok(true) => return None,
            Ok(false) => {
                if UNLISTED_PRINCIPAL_KEYS.contains(&condition.key_lowercase.as_str()) {
                    notes.push(format!(
                        "statement {}: `{}` is not among the keys the Block Public Access page lists, so it is not counted as fixed; S3 may treat it as fixed [uncertain]",
                        statement.label(),
                        condition.key
                    ));
                }
            }
            Err(reason) => {
                listed_keys = true;
                reasons.push(reason);
            }
        }
    }
    if !listed_keys {
        reasons.push(if statement.conditions.is_empty() {
            "has no condition".to_owned()
        } else {
            "no condition limits it to fixed values of aws:SourceIp, aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount, s3:x-amz-server-side-encryption-aws-kms-key-id, aws:userid, s3:DataAccessPointArn, s3:DataAccessPointAccount or aws:PrincipalOrgID".to_owned()
        });
    }
    Some(reasons)
}

/// Whether S3 considers a bucket policy public.
///
/// Following "The meaning of 'public'"
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status>):
/// S3 assumes a policy is public and then checks whether every grant is limited to fixed values
/// (no wildcard, no policy variable) of "an AWS principal, user, role, or service principal
/// (e.g. `aws:PrincipalOrgID`)", `aws:SourceIp` (IPv4 ranges broader than /8 and IPv6 broader
/// than /32 count as public), `aws:SourceArn`, `aws:SourceVpc`, `aws:SourceVpce`,
/// `aws:SourceOwner`, `aws:SourceAccount`, `s3:x-amz-server-side-encryption-aws-kms-key-id`,
/// `aws:userid` outside the pattern `AROLEID:*`, `s3:DataAccessPointArn` (a wildcard in the
/// access point name is allowed when the account is fixed) and `s3:DataAccessPointAccount`.
///
/// Deny statements never make a policy public. A condition pins a statement only when its
/// operator is positive and holds for nothing but the listed values: `IfExists`,
/// `ForAllValues` and negated operators hold when the key is absent or different. `*` in a
/// `StringEquals` value is a literal character, not a wildcard. A `Federated` principal counts
/// as public, as the page's `graph.facebook.com` example shows.
pub fn is_public_policy(policy: &Policy) -> PublicVerdict {
    let mut notes = Vec::new();
    let public_statements: Vec<PublicStatement> = policy
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Allow)
        .filter_map(|statement| {
            statement_public(statement, &mut notes).map(|reasons| PublicStatement {
                index: statement.index,
                sid: statement.sid.as_ref().map(|sid| sid.value.clone()),
                reasons,
            })
        })
        .collect();
    PublicVerdict {
        public: !public_statements.is_empty(),
        public_statements,
        notes,
    }
}

/// Whether RestrictPublicBuckets stops `requester_account` from using the bucket policy.
///
/// "Setting this option to TRUE restricts access to an access point or bucket with a public
/// policy to only AWS service principals and authorized users within the bucket owner's
/// account ... Amazon S3 blocks public and cross-account access derived from any public access
/// point or bucket policy, including non-public delegation to specific accounts."
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>,
/// semantics.md §10 row 45). `requester_account` is `None` for anonymous requests. Returns the
/// reason when the grants of the policy do not reach the requester.
pub fn restrict_public_buckets_blocks(
    settings: &BpaSettings,
    policy: &Policy,
    requester_account: Option<AccountId>,
    bucket_owner: AccountId,
    requester_is_service: bool,
) -> Option<String> {
    if !settings.effective().restrict_public_buckets || requester_is_service {
        return None;
    }
    if requester_account == Some(bucket_owner) {
        return None;
    }
    let verdict = is_public_policy(policy);
    if !verdict.public {
        return None;
    }
    let who = match requester_account {
        Some(account) => format!(
            "the requester's account {account} is not the bucket owner's, so the policy's grants do not reach it, even those that name it specifically"
        ),
        None => "an anonymous requester gets nothing from it".to_owned(),
    };
    Some(format!(
        "RestrictPublicBuckets is on {} and the bucket policy is public ({}), so only AWS service principals and principals of the bucket owner's account {bucket_owner} get access through it; {who}",
        settings.level(|bpa| bpa.restrict_public_buckets),
        verdict.reason()
    ))
}

/// Whether PutBucketPolicy succeeds under BlockPublicPolicy: S3 rejects a public policy with
/// 403 AccessDenied (semantics.md §10 row 46).
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>
pub fn put_bucket_policy_allowed(settings: &BpaSettings, policy: &Policy) -> Result<(), S3Error> {
    if !settings.effective().block_public_policy {
        return Ok(());
    }
    let verdict = is_public_policy(policy);
    if !verdict.public {
        return Ok(());
    }
    Err(S3Error::AccessDenied {
        reason: format!(
            "BlockPublicPolicy is on {}, and the policy is public: {}",
            settings.level(|bpa| bpa.block_public_policy),
            verdict.reason()
        ),
    })
}

/// Whether a PUT carrying `acl` survives BlockPublicAcls: "PUT Object calls fail if the request
/// includes a public ACL" (AllUsers or AuthenticatedUsers grants).
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>
pub fn check_block_public_acls(
    settings: &BpaSettings,
    acl: Option<CannedAcl>,
) -> Result<(), S3Error> {
    match acl {
        Some(acl) if acl.is_public() && settings.effective().block_public_acls => {
            Err(S3Error::AccessDenied {
                reason: format!(
                    "BlockPublicAcls is on {}, and `x-amz-acl: {acl}` is a public ACL",
                    settings.level(|bpa| bpa.block_public_acls)
                ),
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xacct_policy::{parse_policy, PolicyKind};

    fn bucket_policy(statements: &str) -> Policy {
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        let parsed = parse_policy(&text, PolicyKind::Resource);
        assert!(!parsed.has_errors(), "{:?}", parsed.findings);
        parsed.policy
    }

    fn allow_star(condition: &str) -> String {
        format!(
            r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*","Condition":{condition}}}"#
        )
    }

    fn public(statements: &str) -> bool {
        is_public_policy(&bucket_policy(statements)).public
    }

    #[test]
    fn the_pages_examples() {
        // Public examples.
        assert!(public(
            r#"{"Principal":{"Federated":"graph.facebook.com"},"Resource":"*","Action":"s3:PutObject","Effect":"Allow"}"#
        ));
        assert!(public(
            r#"{"Principal":"*","Resource":"*","Action":"s3:PutObject","Effect":"Allow"}"#
        ));
        assert!(public(
            r#"{"Principal":"*","Resource":"*","Action":"s3:PutObject","Effect":"Allow","Condition":{"StringLike":{"aws:SourceVpc":"vpc-*"}}}"#
        ));
        // ... made non-public with a fixed value.
        assert!(!public(
            r#"{"Principal":"*","Resource":"*","Action":"s3:PutObject","Effect":"Allow","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}}"#
        ));
        // A fixed principal.
        assert!(!public(
            r#"{"Principal":{"AWS":"arn:aws:iam::111122223333:role/JohnDoe"},"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}"#
        ));
    }

    #[test]
    fn fixed_principals_of_every_kind() {
        for principal in [
            r#"{"AWS":"111111111111"}"#,
            r#"{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::111111111111:role/r"]}"#,
            r#"{"Service":"cloudtrail.amazonaws.com"}"#,
            r#"{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}"#,
        ] {
            let statement = format!(
                r#"{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}}"#
            );
            assert!(!public(&statement), "{principal}");
        }
        // `*` among specific principals is still `*`.
        assert!(public(
            r#"{"Effect":"Allow","Principal":{"AWS":["111111111111","*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}"#
        ));
        // NotPrincipal with Allow would grant everyone else, but AWS refuses to store it.
        let parsed = parse_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}]}"#,
            PolicyKind::Resource,
        );
        assert!(parsed.has_errors());
    }

    #[test]
    fn deny_statements_never_make_a_policy_public() {
        assert!(!public(
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::lake-b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#
        ));
    }

    #[test]
    fn every_listed_key_pins_with_a_fixed_value() {
        for condition in [
            r#"{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}"#,
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111111111111:trail/t"}}"#,
            r#"{"StringEquals":{"aws:SourceOwner":"111111111111"}}"#,
            r#"{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#,
            r#"{"StringEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}"#,
            r#"{"StringEquals":{"aws:userid":"AROAEXAMPLEROLEID:alice"}}"#,
            r#"{"StringEquals":{"s3:DataAccessPointAccount":"222222222222"}}"#,
            r#"{"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}"#,
            r#"{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#,
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#,
            r#"{"ForAnyValue:StringEquals":{"aws:SourceVpc":"vpc-91237329"}}"#,
            r#"{"StringEqualsIgnoreCase":{"aws:SourceVpc":"VPC-91237329"}}"#,
            // `*` is a literal character for StringEquals.
            r#"{"StringEquals":{"aws:SourceVpc":"vpc-*"}}"#,
            // One pinning condition is enough, whatever else the statement holds.
            r#"{"StringEquals":{"aws:SourceVpc":"vpc-1"},"Bool":{"aws:SecureTransport":"true"}}"#,
        ] {
            assert!(!public(&allow_star(condition)), "{condition}");
        }
    }

    #[test]
    fn wildcards_variables_and_loose_operators_stay_public() {
        for (condition, why) in [
            (
                r#"{"StringLike":{"aws:SourceAccount":"1111*"}}"#,
                "wildcard",
            ),
            (
                r#"{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111111111111:trail/*"}}"#,
                "wildcard",
            ),
            (
                r#"{"StringEquals":{"aws:SourceVpc":"${aws:username}"}}"#,
                "policy variable",
            ),
            (
                r#"{"StringLike":{"aws:userid":"AROAEXAMPLEROLEID:*"}}"#,
                "AROLEID:*",
            ),
            (
                r#"{"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:*:accesspoint/*"}}"#,
                "access point name",
            ),
            (
                r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}"#,
                "broader than /8",
            ),
            (
                r#"{"IpAddress":{"aws:SourceIp":"2000::/16"}}"#,
                "broader than /32",
            ),
            (
                r#"{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}"#,
                "absent",
            ),
            (
                r#"{"ForAllValues:StringEquals":{"aws:SourceVpc":"vpc-1"}}"#,
                "absent",
            ),
            (
                r#"{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}"#,
                "every value but",
            ),
            (
                r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
                "every value but",
            ),
            (
                r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
                "no condition limits it",
            ),
        ] {
            let policy = bucket_policy(&allow_star(condition));
            let verdict = is_public_policy(&policy);
            assert!(verdict.public, "{condition}");
            assert!(
                verdict.reason().contains(why),
                "{condition}: {}",
                verdict.reason()
            );
        }
    }

    #[test]
    fn unlisted_principal_keys_are_public_with_a_note() {
        let policy = bucket_policy(&allow_star(
            r#"{"StringEquals":{"aws:PrincipalAccount":"111111111111"}}"#,
        ));
        let verdict = is_public_policy(&policy);
        assert!(verdict.public);
        assert_eq!(verdict.notes.len(), 1);
        assert!(verdict.notes[0].contains("[uncertain]"));
    }

    #[test]
    fn verdict_names_the_public_statements() {
        let policy = bucket_policy(
            r#"{"Sid":"Named","Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"},
               {"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}"#,
        );
        let verdict = is_public_policy(&policy);
        assert!(verdict.public);
        assert_eq!(verdict.public_statements.len(), 1);
        assert_eq!(verdict.public_statements[0].index, 1);
        assert_eq!(
            verdict.reason(),
            "statement `Everyone` grants to Principal `*`, and has no condition"
        );
    }

    #[test]
    fn the_effective_setting_is_the_or_of_both_levels() {
        let settings = BpaSettings {
            account: BlockPublicAccess {
                restrict_public_buckets: true,
                ..BlockPublicAccess::NONE
            },
            bucket: BlockPublicAccess {
                block_public_policy: true,
                ..BlockPublicAccess::NONE
            },
        };
        let effective = settings.effective();
        assert!(effective.restrict_public_buckets && effective.block_public_policy);
        assert!(!effective.block_public_acls && !effective.ignore_public_acls);
        assert_eq!(
            BlockPublicAccess::NONE.or(BlockPublicAccess::ALL),
            BlockPublicAccess::ALL
        );
        assert_eq!(
            settings.level(|bpa| bpa.restrict_public_buckets),
            "at the account level"
        );
        assert_eq!(
            settings.level(|bpa| bpa.block_public_policy),
            "at the bucket level"
        );
    }

    #[test]
    fn restrict_public_buckets_spares_the_owner_account_and_services() {
        let settings = BpaSettings {
            account: BlockPublicAccess::NONE,
            bucket: BlockPublicAccess {
                restrict_public_buckets: true,
                ..BlockPublicAccess::NONE
            },
        };
        let a: AccountId = "111111111111".parse().unwrap();
        let b: AccountId = "222222222222".parse().unwrap();
        let public = bucket_policy(
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}"#,
        );
        assert!(restrict_public_buckets_blocks(&settings, &public, Some(b), b, false).is_none());
        assert!(restrict_public_buckets_blocks(&settings, &public, None, b, true).is_none());
        let reason = restrict_public_buckets_blocks(&settings, &public, Some(a), b, false).unwrap();
        assert!(reason.contains("at the bucket level"), "{reason}");
        assert!(
            restrict_public_buckets_blocks(&settings, &public, None, b, false)
                .unwrap()
                .contains("anonymous")
        );
        // A non-public policy keeps its cross-account grants.
        let private = bucket_policy(
            r#"{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-b/*"}"#,
        );
        assert!(restrict_public_buckets_blocks(&settings, &private, Some(a), b, false).is_none());
        // Switched off, nothing is restricted.
        assert!(restrict_public_buckets_blocks(
            &BpaSettings::default(),
            &public,
            Some(a),
            b,
            false
        )
        .is_none());
    }

    #[test]
    fn block_public_acls_rejects_public_canned_acls_only() {
        let on = BpaSettings {
            account: BlockPublicAccess::ALL,
            bucket: BlockPublicAccess::NONE,
        };
        for acl in CannedAcl::ALL {
            let result = check_block_public_acls(&on, Some(acl));
            assert_eq!(result.is_err(), acl.is_public(), "{acl}");
            if let Err(error) = result {
                assert_eq!(error.status(), 403);
                assert_eq!(error.code(), "AccessDenied");
            }
        }
        assert!(check_block_public_acls(&on, None).is_ok());
        assert!(
            check_block_public_acls(&BpaSettings::default(), Some(CannedAcl::PublicRead)).is_ok()
        );
    }
}
