//! The KMS calls S3 makes on the requester's behalf for SSE-KMS objects.
//!
//! S3 calls KMS with the requester's identity (a forward access session), so the requester
//! needs the KMS permission, the key policy must allow it, and the call carries
//! `aws:ViaAWSService = true`, `kms:ViaService = s3.REGION.amazonaws.com` and
//! `kms:CallerAccount = the requester's account`.
//!
//! Sources:
//! - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html>
//! - <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html>
//! - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions>
//! - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html>
//! - <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html>
//! - <https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service>
//! - <https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account>

use crate::context::{bucket_arn, object_arn, ContextPairs};
use serde::Serialize;
use std::fmt;
use xacct_eval::ContextValue;
use xacct_policy::{AccountId, Arn};

/// How an object is encrypted at rest (the bucket default or the upload's own header).
///
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html>
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum DefaultEncryption {
    /// SSE-S3 (`AES256`): no KMS call.
    SseS3,
    /// SSE-KMS with a customer managed key, optionally with an S3 Bucket Key.
    SseKms { key_arn: String, bucket_key: bool },
    /// SSE-KMS with the bucket owner's AWS managed key `aws/s3`.
    AwsManagedKms,
}

/// An object, where it lives, and how it is encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptedObject {
    pub bucket: String,
    pub key: String,
    /// The bucket's Region; SSE-KMS keys must be in it.
    pub region: String,
    pub bucket_owner: AccountId,
    pub encryption: DefaultEncryption,
}

impl EncryptedObject {
    pub fn object_arn(&self) -> String {
        object_arn(&self.bucket, &self.key)
    }
}

/// The S3 operations whose KMS needs differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "operation", content = "object")]
pub enum S3Operation {
    GetObject(EncryptedObject),
    HeadObject(EncryptedObject),
    /// A single-part PutObject.
    PutObject(EncryptedObject),
    /// CreateMultipartUpload, UploadPart and CompleteMultipartUpload: how Spark and Hadoop
    /// write large files.
    MultipartUpload(EncryptedObject),
    CopyObject {
        source: EncryptedObject,
        destination: EncryptedObject,
    },
}

/// A KMS key as S3 uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum KmsKey {
    /// A key named by the bucket configuration or the request.
    Arn { arn: String },
    /// The AWS managed key `aws/s3` of `account` in `region`.
    AwsManagedS3 { account: AccountId, region: String },
}

impl KmsKey {
    /// The account that owns the key, when known.
    pub fn account(&self) -> Option<AccountId> {
        match self {
            Self::Arn { arn } => arn.parse::<Arn>().ok().and_then(|arn| arn.account()),
            Self::AwsManagedS3 { account, .. } => Some(*account),
        }
    }

    /// The ARN to evaluate the key policy against. The id of an `aws/s3` key is not known in
    /// advance, so the caller supplies it.
    pub fn evaluation_arn(&self, aws_managed_key_id: &str) -> String {
        match self {
            Self::Arn { arn } => arn.clone(),
            Self::AwsManagedS3 { account, region } => {
                format!("arn:aws:kms:{region}:{account}:key/{aws_managed_key_id}")
            }
        }
    }
}

impl fmt::Display for KmsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Arn { arn } => f.write_str(arn),
            Self::AwsManagedS3 { account, region } => {
                write!(f, "arn:aws:kms:{region}:{account}:alias/aws/s3")
            }
        }
    }
}

/// One KMS permission an S3 operation needs from its requester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KmsNeed {
    /// `kms:Decrypt` or `kms:GenerateDataKey`.
    pub action: &'static str,
    pub key: KmsKey,
    /// The condition keys of the KMS call S3 makes on the requester's behalf.
    pub context: ContextPairs,
    pub reason: String,
    /// Problems with how the key is named.
    pub notes: Vec<String>,
}

fn single(value: impl Into<String>) -> ContextValue {
    ContextValue::Single(value.into())
}

fn need(
    action: &'static str,
    object: &EncryptedObject,
    requester_account: AccountId,
    why: &str,
) -> Option<KmsNeed> {
    let (key, bucket_key) = match &object.encryption {
        DefaultEncryption::SseS3 => return None,
        DefaultEncryption::SseKms {
            key_arn,
            bucket_key,
        } => (
            KmsKey::Arn {
                arn: key_arn.clone(),
            },
            *bucket_key,
        ),
        DefaultEncryption::AwsManagedKms => (
            KmsKey::AwsManagedS3 {
                account: object.bucket_owner,
                region: object.region.clone(),
            },
            false,
        ),
    };
    // With an S3 Bucket Key, S3 asks KMS for a bucket-level key and the encryption context is
    // the bucket ARN instead of the object ARN.
    let context_arn = if bucket_key {
        bucket_arn(&object.bucket)
    } else {
        object.object_arn()
    };
    let mut notes = Vec::new();
    if let KmsKey::Arn { arn } = &key {
        match arn.parse::<Arn>() {
            Err(_) => notes.push(format!(
                "`{arn}` is not a full key ARN: an alias or bare key id resolves in the requester's account and Region, not the bucket owner's, so name the key by its ARN"
            )),
            Ok(parsed) if parsed.region() != object.region => notes.push(format!(
                "the key is in {}, but the bucket is in {}: S3 uses only keys in the bucket's Region",
                parsed.region(),
                object.region
            )),
            Ok(_) => {}
        }
    }
    let context = vec![
        ("aws:ViaAWSService".to_owned(), single("true")),
        (
            "kms:ViaService".to_owned(),
            single(format!("s3.{}.amazonaws.com", object.region)),
        ),
        (
            "kms:CallerAccount".to_owned(),
            single(requester_account.to_string()),
        ),
        (
            "kms:EncryptionContext:aws:s3:arn".to_owned(),
            single(context_arn),
        ),
        (
            "kms:EncryptionContextKeys".to_owned(),
            ContextValue::Multi(vec!["aws:s3:arn".to_owned()]),
        ),
    ];
    Some(KmsNeed {
        action,
        reason: format!("{why}: S3 calls {action} on {key} with the requester's credentials"),
        key,
        context,
        notes,
    })
}

/// The KMS permissions the requester (of `requester_account`) needs for `operation`.
///
/// - GetObject / HeadObject of an SSE-KMS object: `kms:Decrypt`.
/// - PutObject (single part): `kms:GenerateDataKey`.
/// - Multipart upload: `kms:GenerateDataKey` (CreateMultipartUpload) and `kms:Decrypt`
///   (UploadPart, UploadPartCopy), "because Amazon S3 must decrypt and read data from the
///   encrypted file parts before it completes the multipart upload"
///   (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html>,
///   Permissions; <https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions>).
/// - CopyObject: `kms:Decrypt` on the source's key and `kms:GenerateDataKey` on the
///   destination's (**\[inference\]** from the two operations it combines).
///
/// SSE-S3 needs nothing. Each need carries the context of the forward-access-session call:
/// `aws:ViaAWSService`, `kms:ViaService`, `kms:CallerAccount`,
/// `kms:EncryptionContext:aws:s3:arn` (the object ARN, or the bucket ARN with an S3 Bucket
/// Key: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html>) and
/// `kms:EncryptionContextKeys`.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html>
pub fn kms_actions_for(operation: &S3Operation, requester_account: AccountId) -> Vec<KmsNeed> {
    let needs = match operation {
        S3Operation::GetObject(object) => vec![need(
            "kms:Decrypt",
            object,
            requester_account,
            "GetObject of an SSE-KMS object",
        )],
        S3Operation::HeadObject(object) => vec![need(
            "kms:Decrypt",
            object,
            requester_account,
            "HeadObject of an SSE-KMS object",
        )],
        S3Operation::PutObject(object) => vec![need(
            "kms:GenerateDataKey",
            object,
            requester_account,
            "PutObject with SSE-KMS",
        )],
        S3Operation::MultipartUpload(object) => vec![
            need(
                "kms:GenerateDataKey",
                object,
                requester_account,
                "a multipart upload with SSE-KMS generates a data key",
            ),
            need(
                "kms:Decrypt",
                object,
                requester_account,
                "a multipart upload with SSE-KMS decrypts the data key of each part",
            ),
        ],
        S3Operation::CopyObject {
            source,
            destination,
        } => vec![
            need(
                "kms:Decrypt",
                source,
                requester_account,
                "CopyObject reads the SSE-KMS source",
            ),
            need(
                "kms:GenerateDataKey",
                destination,
                requester_account,
                "CopyObject writes the SSE-KMS destination",
            ),
        ],
    };
    needs.into_iter().flatten().collect()
}

/// The key policy AWS attaches to the AWS managed key `aws/s3` of `owner_account` in `region`.
///
/// AWS creates and manages it; it cannot be changed
/// (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying.html>: "you can
/// only change the key policy for a customer managed key"; AWS managed keys:
/// <https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key>).
/// Every principal may use the key through S3, but only when `kms:CallerAccount` is the owner
/// and `kms:ViaService` is S3 in the key's Region, so evaluated by the same engine a principal
/// of another account is refused (semantics.md §10 row 57).
pub fn aws_managed_s3_key_policy(owner_account: AccountId, region: &str) -> String {
    format!(
        r#"{{
    "Version": "2012-10-17",
    "Id": "auto-s3-2",
    "Statement": [
        {{
            "Sid": "Allow access through S3 for all principals in the account that are authorized to use S3",
            "Effect": "Allow",
            "Principal": {{"AWS": "*"}},
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey"
            ],
            "Resource": "*",
            "Condition": {{
                "StringEquals": {{
                    "kms:CallerAccount": "{owner_account}",
                    "kms:ViaService": "s3.{region}.amazonaws.com"
                }}
            }}
        }},
        {{
            "Sid": "Allow direct access to key metadata to the account",
            "Effect": "Allow",
            "Principal": {{"AWS": "arn:aws:iam::{owner_account}:root"}},
            "Action": [
                "kms:Describe*",
                "kms:Get*",
                "kms:List*"
            ],
            "Resource": "*"
        }}
    ]
}}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use xacct_policy::{parse_policy, PolicyKind};

    const A: &str = "111111111111";
    const B: &str = "222222222222";
    const KEY: &str = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn account(text: &str) -> AccountId {
        text.parse().unwrap()
    }

    fn object(encryption: DefaultEncryption) -> EncryptedObject {
        EncryptedObject {
            bucket: "lake-b".to_owned(),
            key: "sales/part-0000.parquet".to_owned(),
            region: "us-east-1".to_owned(),
            bucket_owner: account(B),
            encryption,
        }
    }

    fn kms(bucket_key: bool) -> DefaultEncryption {
        DefaultEncryption::SseKms {
            key_arn: KEY.to_owned(),
            bucket_key,
        }
    }

    fn value<'a>(need: &'a KmsNeed, key: &str) -> &'a ContextValue {
        &need.context.iter().find(|(k, _)| k == key).unwrap().1
    }

    fn actions(needs: &[KmsNeed]) -> Vec<&'static str> {
        needs.iter().map(|need| need.action).collect()
    }

    #[test]
    fn each_operation_needs_its_kms_actions() {
        let a = account(A);
        assert_eq!(
            actions(&kms_actions_for(
                &S3Operation::GetObject(object(kms(false))),
                a
            )),
            ["kms:Decrypt"]
        );
        assert_eq!(
            actions(&kms_actions_for(
                &S3Operation::HeadObject(object(kms(false))),
                a
            )),
            ["kms:Decrypt"]
        );
        assert_eq!(
            actions(&kms_actions_for(
                &S3Operation::PutObject(object(kms(false))),
                a
            )),
            ["kms:GenerateDataKey"]
        );
        assert_eq!(
            actions(&kms_actions_for(
                &S3Operation::MultipartUpload(object(kms(false))),
                a
            )),
            ["kms:GenerateDataKey", "kms:Decrypt"]
        );
        let copy = S3Operation::CopyObject {
            source: object(DefaultEncryption::AwsManagedKms),
            destination: object(kms(false)),
        };
        let needs = kms_actions_for(&copy, a);
        assert_eq!(actions(&needs), ["kms:Decrypt", "kms:GenerateDataKey"]);
        assert!(matches!(needs[0].key, KmsKey::AwsManagedS3 { .. }));
        assert_eq!(
            needs[1].key,
            KmsKey::Arn {
                arn: KEY.to_owned()
            }
        );
        // SSE-S3 needs no KMS permission, on either side of a copy.
        assert!(
            kms_actions_for(&S3Operation::GetObject(object(DefaultEncryption::SseS3)), a)
                .is_empty()
        );
        let half = S3Operation::CopyObject {
            source: object(DefaultEncryption::SseS3),
            destination: object(kms(true)),
        };
        assert_eq!(actions(&kms_actions_for(&half, a)), ["kms:GenerateDataKey"]);
    }

    #[test]
    fn the_fas_call_carries_the_service_and_caller_keys() {
        let needs = kms_actions_for(&S3Operation::GetObject(object(kms(false))), account(A));
        let need = &needs[0];
        assert_eq!(value(need, "aws:ViaAWSService"), &single("true"));
        assert_eq!(
            value(need, "kms:ViaService"),
            &single("s3.us-east-1.amazonaws.com")
        );
        assert_eq!(value(need, "kms:CallerAccount"), &single(A));
        assert_eq!(
            value(need, "kms:EncryptionContext:aws:s3:arn"),
            &single("arn:aws:s3:::lake-b/sales/part-0000.parquet")
        );
        assert!(need.notes.is_empty());
        assert_eq!(need.key.account(), Some(account(B)));
    }

    #[test]
    fn bucket_keys_put_the_bucket_arn_in_the_encryption_context() {
        let needs = kms_actions_for(&S3Operation::PutObject(object(kms(true))), account(A));
        assert_eq!(
            value(&needs[0], "kms:EncryptionContext:aws:s3:arn"),
            &single("arn:aws:s3:::lake-b")
        );
    }

    #[test]
    fn keys_named_by_alias_or_in_another_region_are_flagged() {
        let alias = DefaultEncryption::SseKms {
            key_arn: "alias/lake-b-key".to_owned(),
            bucket_key: false,
        };
        let needs = kms_actions_for(&S3Operation::PutObject(object(alias)), account(A));
        assert!(needs[0].notes[0].contains("resolves in the requester's account"));
        let elsewhere = DefaultEncryption::SseKms {
            key_arn: KEY.replace("us-east-1", "eu-west-1"),
            bucket_key: false,
        };
        let needs = kms_actions_for(&S3Operation::PutObject(object(elsewhere)), account(A));
        assert!(needs[0].notes[0].contains("bucket's Region"));
    }

    #[test]
    fn aws_managed_key_policy_is_a_valid_key_policy() {
        let text = aws_managed_s3_key_policy(account(B), "us-east-1");
        let parsed = parse_policy(&text, PolicyKind::Resource);
        assert!(!parsed.has_errors(), "{:?}", parsed.findings);
        assert_eq!(parsed.policy.statements.len(), 2);
        assert!(text.contains(r#""kms:CallerAccount": "222222222222""#));
        assert!(text.contains(r#""kms:ViaService": "s3.us-east-1.amazonaws.com""#));
        let key = KmsKey::AwsManagedS3 {
            account: account(B),
            region: "us-east-1".to_owned(),
        };
        assert_eq!(
            key.to_string(),
            "arn:aws:kms:us-east-1:222222222222:alias/aws/s3"
        );
        assert_eq!(
            key.evaluation_arn("0000"),
            "arn:aws:kms:us-east-1:222222222222:key/0000"
        );
    }
}
