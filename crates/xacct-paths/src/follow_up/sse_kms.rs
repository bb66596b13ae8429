//! The KMS calls S3 makes with the requester's identity for an object in an SSE-KMS bucket
//! (forward access sessions): the same session must be allowed `kms:Decrypt` to read, and
//! `kms:GenerateDataKey` and `kms:Decrypt` to write as Spark and Hadoop do (multipart).
//! The rules are `xacct_s3::kms_actions_for`.

use super::{Entailed, FollowUp, Granted};

/// The KMS requests of a read or write of an SSE-KMS object.
pub struct SseKms;

impl FollowUp for SseKms {
    fn entailed(&self, granted: &Granted<'_>) -> Vec<Entailed> {
        let case = granted.case;
        // Directly or through an access point: the object is the bucket's either way.
        let Some((bucket, Some(key))) = granted.bucket_and_key() else {
            return Vec::new();
        };
        // A write's own `x-amz-server-side-encryption` headers override the bucket default.
        let encryption = match (
            case.action.as_str(),
            granted.header("s3:x-amz-server-side-encryption").as_deref(),
        ) {
            ("s3:PutObject", Some("AES256")) => xacct_s3::DefaultEncryption::SseS3,
            ("s3:PutObject", Some("aws:kms" | "aws:kms:dsse")) => {
                match granted.header("s3:x-amz-server-side-encryption-aws-kms-key-id") {
                    Some(key_arn) => xacct_s3::DefaultEncryption::SseKms {
                        key_arn,
                        bucket_key: false,
                    },
                    // No key named: the bucket's default key if it has one, else `aws/s3`.
                    None => match &bucket.encryption {
                        xacct_s3::DefaultEncryption::SseS3 => {
                            xacct_s3::DefaultEncryption::AwsManagedKms
                        }
                        other => other.clone(),
                    },
                }
            }
            _ => bucket.encryption.clone(),
        };
        if encryption == xacct_s3::DefaultEncryption::SseS3 {
            return Vec::new();
        }
        let object = xacct_s3::EncryptedObject {
            bucket: bucket.name.clone(),
            key,
            region: bucket.region_or_default().to_owned(),
            bucket_owner: bucket.account,
            encryption,
        };
        let operation = match case.action.as_str() {
            "s3:GetObject" | "s3:GetObjectVersion" => xacct_s3::S3Operation::GetObject(object),
            "s3:PutObject" => xacct_s3::S3Operation::MultipartUpload(object),
            _ => return Vec::new(),
        };
        let Some(requester) = granted.requester() else {
            return Vec::new();
        };
        xacct_s3::kms_actions_for(&operation, requester)
            .into_iter()
            .map(|need| {
                let mut context = granted.expectation.context.clone();
                context.extend(need.context.clone());
                Entailed::Request {
                    action: need.action.to_owned(),
                    resource: need.key.evaluation_arn("aws-managed-s3"),
                    context,
                    note: format!("for {} on {}: {}", case.action, case.resource, need.reason),
                }
            })
            .collect()
    }
}
