//! The condition keys an S3 request carries, derived from what the client sends.
//!
//! Sources:
//! - <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-policy-keys>
//! - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-condition-keys.html>
//! - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-securetransport>

use crate::ownership::CannedAcl;
use serde::Serialize;
use std::fmt;
use xacct_eval::context::InvalidContextValue;
use xacct_eval::{Context, ContextValue};

/// Condition keys with their values, in the order they were derived.
pub type ContextPairs = Vec<(String, ContextValue)>;

fn pair(key: &str, value: impl Into<String>) -> (String, ContextValue) {
    (key.to_owned(), ContextValue::Single(value.into()))
}

/// Builds an [`xacct_eval::Context`] from derived pairs, checking typed values as
/// [`Context::insert`] does.
pub fn context_of(pairs: &[(String, ContextValue)]) -> Result<Context, InvalidContextValue> {
    let mut context = Context::new();
    for (key, value) in pairs {
        context.insert(key, value.clone())?;
    }
    Ok(context)
}

/// `s3:x-amz-acl`, present only when the request sends the `x-amz-acl` header. A request
/// without the header lacks the key, so a Deny on `StringNotEquals s3:x-amz-acl` matches it.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-condition-keys.html>
pub fn acl_context(acl: Option<CannedAcl>) -> ContextPairs {
    acl.map(|acl| pair("s3:x-amz-acl", acl.header_value()))
        .into_iter()
        .collect()
}

/// The `x-amz-server-side-encryption` headers of a PutObject, CopyObject or
/// CreateMultipartUpload request.
///
/// <https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html>
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "algorithm")]
pub enum SseHeader {
    /// `AES256` (SSE-S3).
    Aes256,
    /// `aws:kms`, with `x-amz-server-side-encryption-aws-kms-key-id` when the client names a
    /// key; without it S3 uses the bucket default key or `aws/s3`.
    Kms { key_id: Option<String> },
    /// `aws:kms:dsse` (dual-layer SSE-KMS).
    DsseKms { key_id: Option<String> },
}

impl SseHeader {
    /// The header value, which is the value of `s3:x-amz-server-side-encryption`.
    pub fn algorithm(&self) -> &'static str {
        match self {
            Self::Aes256 => "AES256",
            Self::Kms { .. } => "aws:kms",
            Self::DsseKms { .. } => "aws:kms:dsse",
        }
    }

    pub fn key_id(&self) -> Option<&str> {
        match self {
            Self::Aes256 => None,
            Self::Kms { key_id } | Self::DsseKms { key_id } => key_id.as_deref(),
        }
    }
}

/// `s3:x-amz-server-side-encryption` and `s3:x-amz-server-side-encryption-aws-kms-key-id`.
///
/// Both keys reflect the request headers only: an upload that relies on the bucket's default
/// encryption sends neither header, so its request lacks both keys (a Deny written with
/// `StringNotEquals` on them then matches it).
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html> ·
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html>
pub fn sse_context(header: Option<&SseHeader>) -> ContextPairs {
    let Some(header) = header else {
        return Vec::new();
    };
    let mut pairs = vec![pair("s3:x-amz-server-side-encryption", header.algorithm())];
    if let Some(key_id) = header.key_id() {
        pairs.push(pair(
            "s3:x-amz-server-side-encryption-aws-kms-key-id",
            key_id,
        ));
    }
    pairs
}

/// `aws:SecureTransport`: `true` for HTTPS, `false` for plain HTTP.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-securetransport>
pub fn secure_transport_context(https: bool) -> ContextPairs {
    vec![pair(
        "aws:SecureTransport",
        if https { "true" } else { "false" },
    )]
}

/// Every key a PutObject carries because of its headers: the ACL, the encryption headers and
/// the transport.
pub fn put_object_context(
    acl: Option<CannedAcl>,
    sse: Option<&SseHeader>,
    https: bool,
) -> ContextPairs {
    let mut pairs = acl_context(acl);
    pairs.extend(sse_context(sse));
    pairs.extend(secure_transport_context(https));
    pairs
}

/// An `s3://bucket/key` location, as Spark, Hadoop (`s3a://`, `s3n://`) and the CLI write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct S3Path {
    pub bucket: String,
    /// Everything after the bucket and its slash, possibly empty.
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidS3Path {
    #[error("`{0}` is not an S3 path: expected `s3://bucket/key` (or `s3a://`, `s3n://`)")]
    Scheme(String),
    #[error("`{0}` names no bucket")]
    NoBucket(String),
}

impl S3Path {
    pub fn parse(text: &str) -> Result<Self, InvalidS3Path> {
        let text = text.trim();
        let rest = ["s3://", "s3a://", "s3n://"]
            .iter()
            .find_map(|scheme| {
                text.get(..scheme.len())
                    .filter(|head| head.eq_ignore_ascii_case(scheme))
                    .and_then(|_| text.get(scheme.len()..))
            })
            .ok_or_else(|| InvalidS3Path::Scheme(text.to_owned()))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(InvalidS3Path::NoBucket(text.to_owned()));
        }
        Ok(Self {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }

    /// `arn:aws:s3:::bucket`, the resource of ListBucket.
    pub fn bucket_arn(&self) -> String {
        bucket_arn(&self.bucket)
    }

    /// `arn:aws:s3:::bucket/key`, the resource of object operations.
    pub fn object_arn(&self) -> String {
        object_arn(&self.bucket, &self.key)
    }
}

impl fmt::Display for S3Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// `arn:aws:s3:::bucket`.
pub fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

/// `arn:aws:s3:::bucket/key`.
pub fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

/// `s3:prefix` (and `s3:delimiter` when given) for a ListBucket (ListObjects, ListObjectsV2)
/// of `path`, whose key is the prefix exactly as written: pass `s3://b/dir/` for a listing of a
/// directory, as Hadoop's S3A sends it with delimiter `/`.
///
/// Listing the bucket root sends an empty prefix, which is the value AWS's examples match with
/// `"s3:prefix": [""]` (semantics.md row 84), so `s3:prefix` is then present and empty.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-condition-keys.html>
pub fn list_bucket_context(path: &S3Path, delimiter: Option<&str>) -> ContextPairs {
    let mut pairs = vec![pair("s3:prefix", path.key.as_str())];
    if let Some(delimiter) = delimiter {
        pairs.push(pair("s3:delimiter", delimiter));
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use xacct_policy::{ConditionContext, RequestValues};

    fn single(pairs: &ContextPairs, key: &str) -> Option<String> {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| match value {
                ContextValue::Single(one) => one.clone(),
                ContextValue::Multi(_) => panic!("multivalued"),
            })
    }

    #[test]
    fn acl_key_only_with_a_header() {
        assert!(acl_context(None).is_empty());
        let pairs = acl_context(Some(CannedAcl::BucketOwnerFullControl));
        assert_eq!(
            single(&pairs, "s3:x-amz-acl").unwrap(),
            "bucket-owner-full-control"
        );
    }

    #[test]
    fn encryption_keys_follow_the_headers() {
        assert!(sse_context(None).is_empty());
        let s3 = sse_context(Some(&SseHeader::Aes256));
        assert_eq!(s3.len(), 1);
        assert_eq!(
            single(&s3, "s3:x-amz-server-side-encryption").unwrap(),
            "AES256"
        );
        let key = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let kms = sse_context(Some(&SseHeader::Kms {
            key_id: Some(key.to_owned()),
        }));
        assert_eq!(
            single(&kms, "s3:x-amz-server-side-encryption").unwrap(),
            "aws:kms"
        );
        assert_eq!(
            single(&kms, "s3:x-amz-server-side-encryption-aws-kms-key-id").unwrap(),
            key
        );
        let default_key = sse_context(Some(&SseHeader::Kms { key_id: None }));
        assert_eq!(default_key.len(), 1);
        let dsse = sse_context(Some(&SseHeader::DsseKms { key_id: None }));
        assert_eq!(
            single(&dsse, "s3:x-amz-server-side-encryption").unwrap(),
            "aws:kms:dsse"
        );
    }

    #[test]
    fn s3_paths_and_list_keys() {
        let path = S3Path::parse("s3://lake-b/sales/2024/").unwrap();
        assert_eq!(path.bucket, "lake-b");
        assert_eq!(path.key, "sales/2024/");
        assert_eq!(path.bucket_arn(), "arn:aws:s3:::lake-b");
        assert_eq!(path.object_arn(), "arn:aws:s3:::lake-b/sales/2024/");
        let pairs = list_bucket_context(&path, Some("/"));
        assert_eq!(single(&pairs, "s3:prefix").unwrap(), "sales/2024/");
        assert_eq!(single(&pairs, "s3:delimiter").unwrap(), "/");
        let root = S3Path::parse("s3a://lake-b").unwrap();
        assert_eq!(root.key, "");
        let pairs = list_bucket_context(&root, None);
        assert_eq!(single(&pairs, "s3:prefix").unwrap(), "");
        assert!(single(&pairs, "s3:delimiter").is_none());
        assert_eq!(S3Path::parse("S3N://b/k").unwrap().bucket, "b");
        assert!(matches!(
            S3Path::parse("https://b/k"),
            Err(InvalidS3Path::Scheme(_))
        ));
        assert!(matches!(
            S3Path::parse("s3:///k"),
            Err(InvalidS3Path::NoBucket(_))
        ));
        assert_eq!(path.to_string(), "s3://lake-b/sales/2024/");
    }

    #[test]
    fn pairs_become_an_engine_context() {
        let pairs = put_object_context(
            Some(CannedAcl::BucketOwnerFullControl),
            Some(&SseHeader::Kms { key_id: None }),
            true,
        );
        let context = context_of(&pairs).unwrap();
        assert!(matches!(
            context.lookup("aws:securetransport"),
            RequestValues::Single("true")
        ));
        assert!(matches!(
            context.lookup("s3:x-amz-acl"),
            RequestValues::Single("bucket-owner-full-control")
        ));
        assert_eq!(
            single(&secure_transport_context(false), "aws:SecureTransport").unwrap(),
            "false"
        );
    }
}
