//! Object Ownership, canned ACLs, and what a PutObject stores.
//!
//! Sources:
//! - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>
//! - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl>
//! - <https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html>

use crate::context::{acl_context, ContextPairs};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use xacct_policy::AccountId;

/// The bucket's Object Ownership setting.
///
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>:
/// `BucketOwnerEnforced` disables ACLs and makes the bucket owner own every object; it is the
/// default for buckets created since April 2023. `BucketOwnerPreferred` gives the bucket owner
/// the objects uploaded with the `bucket-owner-full-control` canned ACL. `ObjectWriter` (the
/// legacy default) leaves objects with the account that uploaded them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum ObjectOwnership {
    #[default]
    BucketOwnerEnforced,
    BucketOwnerPreferred,
    ObjectWriter,
}

impl ObjectOwnership {
    pub const ALL: [ObjectOwnership; 3] = [
        Self::BucketOwnerEnforced,
        Self::BucketOwnerPreferred,
        Self::ObjectWriter,
    ];

    /// The name the S3 API uses (`OwnershipControls` / `x-amz-object-ownership`).
    pub fn name(self) -> &'static str {
        match self {
            Self::BucketOwnerEnforced => "BucketOwnerEnforced",
            Self::BucketOwnerPreferred => "BucketOwnerPreferred",
            Self::ObjectWriter => "ObjectWriter",
        }
    }

    /// ACLs are evaluated only when the bucket is not `BucketOwnerEnforced`.
    pub fn acls_enabled(self) -> bool {
        self != Self::BucketOwnerEnforced
    }
}

impl fmt::Display for ObjectOwnership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value that is not an Object Ownership setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an Object Ownership setting: expected BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter")]
pub struct InvalidObjectOwnership(pub String);

impl FromStr for ObjectOwnership {
    type Err = InvalidObjectOwnership;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|ownership| ownership.name() == text.trim())
            .ok_or_else(|| InvalidObjectOwnership(text.to_owned()))
    }
}

/// A canned ACL: the values of the `x-amz-acl` header.
///
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CannedAcl {
    Private,
    PublicRead,
    PublicReadWrite,
    AuthenticatedRead,
    AwsExecRead,
    BucketOwnerRead,
    BucketOwnerFullControl,
    LogDeliveryWrite,
}

/// A canned ACL spelling that neither S3 nor the Hadoop connectors accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a canned ACL{}", suggestion.map(|s| format!(": did you mean `{s}`?")).unwrap_or_default())]
pub struct InvalidCannedAcl {
    pub text: String,
    /// The accepted spelling the text differs from only in case, if any.
    pub suggestion: Option<&'static str>,
}

impl CannedAcl {
    pub const ALL: [CannedAcl; 8] = [
        Self::Private,
        Self::PublicRead,
        Self::PublicReadWrite,
        Self::AuthenticatedRead,
        Self::AwsExecRead,
        Self::BucketOwnerRead,
        Self::BucketOwnerFullControl,
        Self::LogDeliveryWrite,
    ];

    /// The `x-amz-acl` header value, which is also the value of the `s3:x-amz-acl` key.
    pub fn header_value(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::PublicRead => "public-read",
            Self::PublicReadWrite => "public-read-write",
            Self::AuthenticatedRead => "authenticated-read",
            Self::AwsExecRead => "aws-exec-read",
            Self::BucketOwnerRead => "bucket-owner-read",
            Self::BucketOwnerFullControl => "bucket-owner-full-control",
            Self::LogDeliveryWrite => "log-delivery-write",
        }
    }

    /// The AWS SDK for Java `CannedAccessControlList` constant name, which Hadoop S3A
    /// (`fs.s3a.acl.default`) and EMRFS (`fs.s3.canned.acl`) read with `valueOf`.
    pub fn sdk_name(self) -> &'static str {
        match self {
            Self::Private => "Private",
            Self::PublicRead => "PublicRead",
            Self::PublicReadWrite => "PublicReadWrite",
            Self::AuthenticatedRead => "AuthenticatedRead",
            Self::AwsExecRead => "AwsExecRead",
            Self::BucketOwnerRead => "BucketOwnerRead",
            Self::BucketOwnerFullControl => "BucketOwnerFullControl",
            Self::LogDeliveryWrite => "LogDeliveryWrite",
        }
    }

    /// Reads an `x-amz-acl` header value. S3 documents the values in lower case only.
    pub fn from_header(text: &str) -> Result<Self, InvalidCannedAcl> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|acl| acl.header_value() == text)
            .ok_or_else(|| InvalidCannedAcl {
                text: text.to_owned(),
                suggestion: Self::ALL
                    .into_iter()
                    .find(|acl| {
                        acl.header_value().eq_ignore_ascii_case(text)
                            || acl.sdk_name().eq_ignore_ascii_case(text)
                    })
                    .map(Self::header_value),
            })
    }

    /// Reads the value of a Hadoop setting: `fs.s3a.acl.default` (S3A, also on Databricks) or
    /// `fs.s3.canned.acl` (EMRFS). Both take the SDK constant names (`BucketOwnerFullControl`),
    /// which Java's `Enum.valueOf` matches case-sensitively; the header spellings
    /// (`bucket-owner-full-control`) are accepted too, as the S3A documentation lists them.
    ///
    /// <https://hadoop.apache.org/docs/stable/hadoop-aws/tools/hadoop-aws/index.html> ·
    /// <https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-plan-credentialsprovider.html>
    pub fn from_hadoop(text: &str) -> Result<Self, InvalidCannedAcl> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|acl| acl.sdk_name() == text || acl.header_value() == text)
            .ok_or_else(|| InvalidCannedAcl {
                text: text.to_owned(),
                suggestion: Self::ALL
                    .into_iter()
                    .find(|acl| {
                        acl.sdk_name().eq_ignore_ascii_case(text)
                            || acl.header_value().eq_ignore_ascii_case(text)
                    })
                    .map(Self::sdk_name),
            })
    }

    /// Whether S3 counts the ACL as public: it grants to `AllUsers` or `AuthenticatedUsers`.
    /// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#public-acls>
    pub fn is_public(self) -> bool {
        matches!(
            self,
            Self::PublicRead | Self::PublicReadWrite | Self::AuthenticatedRead
        )
    }
}

impl fmt::Display for CannedAcl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.header_value())
    }
}

impl FromStr for CannedAcl {
    type Err = InvalidCannedAcl;

    /// The header spelling; use [`CannedAcl::from_hadoop`] for Hadoop settings.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_header(text)
    }
}

/// Who an ACL grant is for.
///
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Grantee {
    /// An AWS account (its canonical user): every principal of that account whose own
    /// policies allow the action.
    Account { account: AccountId },
    /// `http://acs.amazonaws.com/groups/global/AllUsers`: anyone, anonymous requests included.
    AllUsers,
    /// `http://acs.amazonaws.com/groups/global/AuthenticatedUsers`: any AWS account.
    AuthenticatedUsers,
    /// `http://acs.amazonaws.com/groups/s3/LogDelivery`.
    LogDelivery,
    /// Amazon EC2, granted by `aws-exec-read` to fetch AMI bundles.
    AmazonEc2,
}

impl Grantee {
    /// The two groups that make an ACL public.
    pub fn is_public(self) -> bool {
        matches!(self, Self::AllUsers | Self::AuthenticatedUsers)
    }

    pub fn describe(self) -> String {
        match self {
            Self::Account { account } => format!("account {account}"),
            Self::AllUsers => "AllUsers".to_owned(),
            Self::AuthenticatedUsers => "AuthenticatedUsers".to_owned(),
            Self::LogDelivery => "LogDelivery".to_owned(),
            Self::AmazonEc2 => "Amazon EC2".to_owned(),
        }
    }
}

/// An ACL permission.
///
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AclPermission {
    Read,
    Write,
    ReadAcp,
    WriteAcp,
    FullControl,
}

impl AclPermission {
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "READ",
            Self::Write => "WRITE",
            Self::ReadAcp => "READ_ACP",
            Self::WriteAcp => "WRITE_ACP",
            Self::FullControl => "FULL_CONTROL",
        }
    }

    /// Whether a grant of `self` covers `wanted`: FULL_CONTROL covers everything.
    pub fn covers(self, wanted: AclPermission) -> bool {
        self == wanted || self == Self::FullControl
    }

    /// The object ACL permission an object action needs, per the mapping of ACL permissions
    /// to actions: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#acl-access-policy-permission-mapping>.
    pub fn for_object_action(action: &str) -> Option<Self> {
        match action.to_ascii_lowercase().as_str() {
            "s3:getobject" | "s3:getobjectversion" | "s3:getobjecttorrent" => Some(Self::Read),
            "s3:getobjectacl" | "s3:getobjectversionacl" => Some(Self::ReadAcp),
            "s3:putobjectacl" | "s3:putobjectversionacl" => Some(Self::WriteAcp),
            _ => None,
        }
    }
}

impl fmt::Display for AclPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One entry of an object ACL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Grant {
    pub grantee: Grantee,
    pub permission: AclPermission,
}

impl Grant {
    pub fn new(grantee: Grantee, permission: AclPermission) -> Self {
        Self {
            grantee,
            permission,
        }
    }

    pub fn account(account: AccountId, permission: AclPermission) -> Self {
        Self::new(Grantee::Account { account }, permission)
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.grantee.describe(), self.permission)
    }
}

/// The object ACL a canned ACL produces, following the canned ACL table
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl>):
/// the object owner always gets FULL_CONTROL; `bucket-owner-full-control` adds the bucket owner
/// with FULL_CONTROL and `bucket-owner-read` with READ (nothing is added when the bucket owner
/// is the object owner); `public-read` adds AllUsers READ; `public-read-write` AllUsers READ and
/// WRITE; `authenticated-read` AuthenticatedUsers READ; `aws-exec-read` Amazon EC2 READ.
///
/// `log-delivery-write` is documented for buckets only (LogDelivery WRITE and READ_ACP on the
/// bucket); on an object it is modelled with the same grants. **\[uncertain\]**
pub fn canned_grants(
    acl: CannedAcl,
    object_owner: AccountId,
    bucket_owner: AccountId,
) -> Vec<Grant> {
    use AclPermission::{FullControl, Read, ReadAcp, Write};
    let mut grants = vec![Grant::account(object_owner, FullControl)];
    let bucket_owner_gets = |permission| {
        (bucket_owner != object_owner).then(|| Grant::account(bucket_owner, permission))
    };
    match acl {
        CannedAcl::Private => {}
        CannedAcl::PublicRead => grants.push(Grant::new(Grantee::AllUsers, Read)),
        CannedAcl::PublicReadWrite => {
            grants.push(Grant::new(Grantee::AllUsers, Read));
            grants.push(Grant::new(Grantee::AllUsers, Write));
        }
        CannedAcl::AuthenticatedRead => {
            grants.push(Grant::new(Grantee::AuthenticatedUsers, Read));
        }
        CannedAcl::AwsExecRead => grants.push(Grant::new(Grantee::AmazonEc2, Read)),
        CannedAcl::BucketOwnerRead => grants.extend(bucket_owner_gets(Read)),
        CannedAcl::BucketOwnerFullControl => grants.extend(bucket_owner_gets(FullControl)),
        CannedAcl::LogDeliveryWrite => {
            grants.push(Grant::new(Grantee::LogDelivery, Write));
            grants.push(Grant::new(Grantee::LogDelivery, ReadAcp));
        }
    }
    grants
}

/// An S3 request AWS refuses before any policy says yes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code")]
pub enum S3Error {
    /// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>:
    /// a bucket with ACLs disabled accepts only PUTs without an ACL or with
    /// `bucket-owner-full-control`; any other ACL fails with HTTP 400.
    #[error("400 AccessControlListNotSupported: the bucket does not allow ACLs; `x-amz-acl: {acl}` is refused because Object Ownership is BucketOwnerEnforced, which accepts only no ACL or `bucket-owner-full-control`")]
    AccessControlListNotSupported { acl: CannedAcl },
    /// HTTP 403 for a reason other than a policy decision (Block Public Access).
    #[error("403 AccessDenied: {reason}")]
    AccessDenied { reason: String },
}

impl S3Error {
    pub fn status(&self) -> u16 {
        match self {
            Self::AccessControlListNotSupported { .. } => 400,
            Self::AccessDenied { .. } => 403,
        }
    }

    /// The error code S3 returns.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AccessControlListNotSupported { .. } => "AccessControlListNotSupported",
            Self::AccessDenied { .. } => "AccessDenied",
        }
    }
}

/// An action the writer needs besides `s3:PutObject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtraAction {
    /// Such as `s3:PutObjectAcl`; evaluated against the same object ARN.
    pub action: &'static str,
    pub reason: String,
    /// AWS does not document this case; the conservative reading was taken.
    pub uncertain: bool,
}

/// How an object came to be owned, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    pub ownership: ObjectOwnership,
    pub acl: Option<CannedAcl>,
    pub writer: AccountId,
}

impl Provenance {
    /// "written under ObjectWriter without bucket-owner-full-control".
    pub fn describe(&self) -> String {
        let acl = match self.acl {
            None => "without bucket-owner-full-control".to_owned(),
            Some(CannedAcl::BucketOwnerFullControl) => "with bucket-owner-full-control".to_owned(),
            Some(other) => format!("with `{other}`, not bucket-owner-full-control"),
        };
        format!("written by {} under {} {acl}", self.writer, self.ownership)
    }
}

/// What a successful PutObject leaves behind and requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteOutcome {
    pub provenance: Provenance,
    pub bucket_owner: AccountId,
    /// The account that owns the new object.
    pub object_owner: AccountId,
    /// The ACL stored with the object. With ACLs disabled this is the owner's FULL_CONTROL,
    /// which is what GetObjectAcl reports, and it plays no part in authorization.
    pub object_acl: Vec<Grant>,
    /// The bucket owner holds FULL_CONTROL through the object ACL (ACLs enabled only).
    pub bucket_owner_full_control_via_acl: bool,
    /// Actions the writer needs besides `s3:PutObject`.
    pub extra_actions: Vec<ExtraAction>,
    /// Condition keys the PUT carries because of its ACL (`s3:x-amz-acl`).
    pub context: ContextPairs,
    /// Why the outcome is what it is, in words.
    pub reasons: Vec<String>,
}

impl WriteOutcome {
    /// The object as [`crate::object::object_access`] reads it.
    pub fn stored(&self) -> crate::object::StoredObject {
        crate::object::StoredObject {
            owner: self.object_owner,
            acl: self.object_acl.clone(),
            provenance: Some(self.provenance),
        }
    }
}

/// What PutObject does with an object's ownership and ACL.
///
/// Rules (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>):
/// - `BucketOwnerEnforced`: ACLs are disabled; a PUT with any ACL other than none or
///   `bucket-owner-full-control` fails with 400 `AccessControlListNotSupported`; the bucket
///   owner owns the object.
/// - `BucketOwnerPreferred`: the bucket owner owns the object when the PUT carries
///   `bucket-owner-full-control`; otherwise the writer's account does.
/// - `ObjectWriter`: the writer's account owns the object.
///
/// A PUT that carries an ACL also needs `s3:PutObjectAcl`
/// (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html>, Permissions: "To
/// successfully change the objects ACL of your `PutObject` request, you must have the
/// `s3:PutObjectAcl`").
/// Whether S3 still checks it for `bucket-owner-full-control` on a `BucketOwnerEnforced` bucket,
/// where the header is accepted but ignored, is not documented: **\[uncertain\]**; the
/// conservative reading is taken and it is required.
///
/// Block Public Access is separate: see [`crate::public::check_block_public_acls`].
pub fn put_object(
    ownership: ObjectOwnership,
    acl: Option<CannedAcl>,
    writer_account: AccountId,
    bucket_owner: AccountId,
) -> Result<WriteOutcome, S3Error> {
    let provenance = Provenance {
        ownership,
        acl,
        writer: writer_account,
    };
    let mut reasons = Vec::new();
    let mut extra_actions = Vec::new();
    let with_bofc = acl == Some(CannedAcl::BucketOwnerFullControl);
    let object_owner = match ownership {
        ObjectOwnership::BucketOwnerEnforced => {
            if let Some(acl) = acl.filter(|_| !with_bofc) {
                return Err(S3Error::AccessControlListNotSupported { acl });
            }
            reasons.push(format!(
                "Object Ownership is BucketOwnerEnforced: ACLs are disabled and the bucket owner {bucket_owner} owns every object"
            ));
            if with_bofc {
                reasons.push(
                    "`bucket-owner-full-control` is accepted on a BucketOwnerEnforced bucket and has no effect"
                        .to_owned(),
                );
                extra_actions.push(ExtraAction {
                    action: "s3:PutObjectAcl",
                    reason: "the PUT carries an ACL header; whether S3 still checks s3:PutObjectAcl when the bucket ignores ACLs is undocumented, so it is required".to_owned(),
                    uncertain: true,
                });
            }
            bucket_owner
        }
        ObjectOwnership::BucketOwnerPreferred => {
            if with_bofc {
                reasons.push(format!(
                    "Object Ownership is BucketOwnerPreferred and the upload carries `bucket-owner-full-control`, so the bucket owner {bucket_owner} owns the object"
                ));
                bucket_owner
            } else {
                reasons.push(format!(
                    "Object Ownership is BucketOwnerPreferred but the upload does not carry `bucket-owner-full-control`, so the writer's account {writer_account} owns the object"
                ));
                writer_account
            }
        }
        ObjectOwnership::ObjectWriter => {
            reasons.push(format!(
                "Object Ownership is ObjectWriter, so the writer's account {writer_account} owns the object"
            ));
            writer_account
        }
    };
    if let Some(acl) = acl.filter(|_| ownership.acls_enabled()) {
        extra_actions.push(ExtraAction {
            action: "s3:PutObjectAcl",
            reason: format!("the PUT sets an ACL (`x-amz-acl: {acl}`), which needs s3:PutObjectAcl as well as s3:PutObject"),
            uncertain: false,
        });
    }
    let object_acl = if ownership.acls_enabled() {
        canned_grants(
            acl.unwrap_or(CannedAcl::Private),
            object_owner,
            bucket_owner,
        )
    } else {
        vec![Grant::account(object_owner, AclPermission::FullControl)]
    };
    let bucket_owner_full_control_via_acl = ownership.acls_enabled()
        && object_acl.iter().any(|grant| {
            grant.grantee
                == Grantee::Account {
                    account: bucket_owner,
                }
                && grant.permission == AclPermission::FullControl
        });
    if ownership.acls_enabled() && object_owner != bucket_owner {
        if bucket_owner_full_control_via_acl {
            reasons.push(format!(
                "the object ACL grants the bucket owner {bucket_owner} FULL_CONTROL, but the object stays owned by {object_owner}"
            ));
        } else {
            reasons.push(format!(
                "the bucket owner {bucket_owner} gets no FULL_CONTROL through the object ACL, so its bucket policy cannot grant access to the object"
            ));
        }
    }
    Ok(WriteOutcome {
        provenance,
        bucket_owner,
        object_owner,
        object_acl,
        bucket_owner_full_control_via_acl,
        extra_actions,
        context: acl_context(acl),
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use xacct_eval::ContextValue;

    fn account(text: &str) -> AccountId {
        text.parse().unwrap()
    }

    const A: &str = "111111111111";
    const B: &str = "222222222222";

    #[test]
    fn ownership_defaults_to_bucket_owner_enforced_and_parses_api_names() {
        assert_eq!(
            ObjectOwnership::default(),
            ObjectOwnership::BucketOwnerEnforced
        );
        for ownership in ObjectOwnership::ALL {
            assert_eq!(
                ownership.name().parse::<ObjectOwnership>().unwrap(),
                ownership
            );
        }
        assert!("bucketownerenforced".parse::<ObjectOwnership>().is_err());
        assert!(!ObjectOwnership::BucketOwnerEnforced.acls_enabled());
        assert!(ObjectOwnership::ObjectWriter.acls_enabled());
    }

    #[test]
    fn canned_acls_parse_from_headers() {
        for acl in CannedAcl::ALL {
            assert_eq!(CannedAcl::from_header(acl.header_value()).unwrap(), acl);
            assert_eq!(acl.to_string().parse::<CannedAcl>().unwrap(), acl);
        }
        let error = CannedAcl::from_header("BucketOwnerFullControl").unwrap_err();
        assert_eq!(error.suggestion, Some("bucket-owner-full-control"));
        assert!(error
            .to_string()
            .contains("did you mean `bucket-owner-full-control`"));
        assert!(CannedAcl::from_header("owner-full-control")
            .unwrap_err()
            .suggestion
            .is_none());
    }

    #[test]
    fn canned_acls_parse_from_hadoop_and_emrfs_settings() {
        // fs.s3a.acl.default=BucketOwnerFullControl, fs.s3.canned.acl=BucketOwnerFullControl
        assert_eq!(
            CannedAcl::from_hadoop("BucketOwnerFullControl").unwrap(),
            CannedAcl::BucketOwnerFullControl
        );
        assert_eq!(
            CannedAcl::from_hadoop("PublicRead").unwrap(),
            CannedAcl::PublicRead
        );
        assert_eq!(
            CannedAcl::from_hadoop(" Private ").unwrap(),
            CannedAcl::Private
        );
        assert_eq!(
            CannedAcl::from_hadoop("LogDeliveryWrite").unwrap(),
            CannedAcl::LogDeliveryWrite
        );
        assert_eq!(
            CannedAcl::from_hadoop("bucket-owner-full-control").unwrap(),
            CannedAcl::BucketOwnerFullControl
        );
        for acl in CannedAcl::ALL {
            assert_eq!(CannedAcl::from_hadoop(acl.sdk_name()).unwrap(), acl);
        }
        // Java's Enum.valueOf is case-sensitive.
        let error = CannedAcl::from_hadoop("bucketownerfullcontrol").unwrap_err();
        assert_eq!(error.suggestion, Some("BucketOwnerFullControl"));
    }

    #[test]
    fn canned_acl_grants_follow_the_table() {
        use AclPermission::*;
        let (a, b) = (account(A), account(B));
        assert_eq!(
            canned_grants(CannedAcl::Private, a, b),
            vec![Grant::account(a, FullControl)]
        );
        assert_eq!(
            canned_grants(CannedAcl::BucketOwnerFullControl, a, b),
            vec![
                Grant::account(a, FullControl),
                Grant::account(b, FullControl)
            ]
        );
        assert_eq!(
            canned_grants(CannedAcl::BucketOwnerRead, a, b),
            vec![Grant::account(a, FullControl), Grant::account(b, Read)]
        );
        assert_eq!(
            canned_grants(CannedAcl::PublicRead, a, b),
            vec![
                Grant::account(a, FullControl),
                Grant::new(Grantee::AllUsers, Read)
            ]
        );
        assert_eq!(
            canned_grants(CannedAcl::PublicReadWrite, a, b),
            vec![
                Grant::account(a, FullControl),
                Grant::new(Grantee::AllUsers, Read),
                Grant::new(Grantee::AllUsers, Write)
            ]
        );
        assert_eq!(
            canned_grants(CannedAcl::AuthenticatedRead, a, b),
            vec![
                Grant::account(a, FullControl),
                Grant::new(Grantee::AuthenticatedUsers, Read)
            ]
        );
        assert_eq!(
            canned_grants(CannedAcl::AwsExecRead, a, b),
            vec![
                Grant::account(a, FullControl),
                Grant::new(Grantee::AmazonEc2, Read)
            ]
        );
        // When the bucket owner owns the object, BOFC adds nothing.
        assert_eq!(
            canned_grants(CannedAcl::BucketOwnerFullControl, b, b),
            vec![Grant::account(b, FullControl)]
        );
        assert!(CannedAcl::PublicRead.is_public());
        assert!(CannedAcl::AuthenticatedRead.is_public());
        assert!(!CannedAcl::BucketOwnerFullControl.is_public());
        assert!(!CannedAcl::AwsExecRead.is_public());
    }

    #[test]
    fn bucket_owner_enforced_accepts_only_no_acl_or_bofc() {
        let (a, b) = (account(A), account(B));
        for acl in CannedAcl::ALL {
            let result = put_object(ObjectOwnership::BucketOwnerEnforced, Some(acl), a, b);
            if acl == CannedAcl::BucketOwnerFullControl {
                let outcome = result.unwrap();
                assert_eq!(outcome.object_owner, b);
            } else {
                let error = result.unwrap_err();
                assert_eq!(error.status(), 400);
                assert_eq!(error.code(), "AccessControlListNotSupported");
                assert_eq!(error, S3Error::AccessControlListNotSupported { acl });
            }
        }
        let outcome = put_object(ObjectOwnership::BucketOwnerEnforced, None, a, b).unwrap();
        assert_eq!(outcome.object_owner, b);
        assert!(outcome.extra_actions.is_empty());
        assert!(outcome.context.is_empty());
        assert!(!outcome.bucket_owner_full_control_via_acl);
        assert_eq!(
            outcome.object_acl,
            vec![Grant::account(b, AclPermission::FullControl)]
        );
    }

    #[test]
    fn ownership_of_new_objects() {
        let (a, b) = (account(A), account(B));
        let bofc = Some(CannedAcl::BucketOwnerFullControl);
        let cases = [
            (ObjectOwnership::BucketOwnerPreferred, bofc, b, true),
            (ObjectOwnership::BucketOwnerPreferred, None, a, false),
            (
                ObjectOwnership::BucketOwnerPreferred,
                Some(CannedAcl::BucketOwnerRead),
                a,
                false,
            ),
            (ObjectOwnership::ObjectWriter, None, a, false),
            (ObjectOwnership::ObjectWriter, bofc, a, true),
            (
                ObjectOwnership::ObjectWriter,
                Some(CannedAcl::PublicRead),
                a,
                false,
            ),
        ];
        for (ownership, acl, owner, full_control) in cases {
            let outcome = put_object(ownership, acl, a, b).unwrap();
            assert_eq!(outcome.object_owner, owner, "{ownership} {acl:?}");
            assert_eq!(
                outcome.bucket_owner_full_control_via_acl, full_control,
                "{ownership} {acl:?}"
            );
        }
        // The bucket owner writing to its own bucket owns the object under every setting.
        for ownership in ObjectOwnership::ALL {
            assert_eq!(put_object(ownership, None, b, b).unwrap().object_owner, b);
        }
    }

    #[test]
    fn an_acl_header_needs_put_object_acl_and_sets_the_context_key() {
        let (a, b) = (account(A), account(B));
        let outcome = put_object(
            ObjectOwnership::ObjectWriter,
            Some(CannedAcl::BucketOwnerFullControl),
            a,
            b,
        )
        .unwrap();
        assert_eq!(outcome.extra_actions.len(), 1);
        assert_eq!(outcome.extra_actions[0].action, "s3:PutObjectAcl");
        assert!(!outcome.extra_actions[0].uncertain);
        assert_eq!(
            outcome.context,
            vec![(
                "s3:x-amz-acl".to_owned(),
                ContextValue::Single("bucket-owner-full-control".to_owned())
            )]
        );
        // Under BucketOwnerEnforced the requirement is the conservative reading.
        let enforced = put_object(
            ObjectOwnership::BucketOwnerEnforced,
            Some(CannedAcl::BucketOwnerFullControl),
            a,
            b,
        )
        .unwrap();
        assert_eq!(enforced.extra_actions.len(), 1);
        assert!(enforced.extra_actions[0].uncertain);
        // No header, nothing extra.
        let plain = put_object(ObjectOwnership::ObjectWriter, None, a, b).unwrap();
        assert!(plain.extra_actions.is_empty());
        assert!(plain.context.is_empty());
        assert!(plain
            .reasons
            .iter()
            .any(|reason| reason.contains("cannot grant access")));
    }

    #[test]
    fn provenance_reads_as_a_sentence() {
        let (a, b) = (account(A), account(B));
        let outcome = put_object(ObjectOwnership::ObjectWriter, None, a, b).unwrap();
        assert_eq!(
            outcome.provenance.describe(),
            "written by 111111111111 under ObjectWriter without bucket-owner-full-control"
        );
        let read = put_object(
            ObjectOwnership::BucketOwnerPreferred,
            Some(CannedAcl::BucketOwnerRead),
            a,
            b,
        )
        .unwrap();
        assert_eq!(
            read.provenance.describe(),
            "written by 111111111111 under BucketOwnerPreferred with `bucket-owner-read`, not bucket-owner-full-control"
        );
    }
}
