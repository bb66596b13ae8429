//! Amazon S3's data-plane rules beyond the bucket policy, as pure functions that explain
//! themselves.
//!
//! `xacct_eval::authorize` decides whether the policies allow a request. S3 adds rules of its
//! own around that decision, and this crate models them:
//!
//! - [`ownership`]: Object Ownership, canned ACLs (header and Hadoop spellings), and what a
//!   PutObject stores and additionally requires ([`put_object`]).
//! - [`object`]: the object context — when another account owns an object, the bucket policy
//!   cannot grant access to it; only the object ACL can ([`object_access`]).
//! - [`public`]: Block Public Access and the meaning of "public" ([`is_public_policy`],
//!   [`restrict_public_buckets_blocks`], [`put_bucket_policy_allowed`],
//!   [`check_block_public_acls`]).
//! - [`context`]: the condition keys S3 requests carry (`s3:x-amz-acl`,
//!   `s3:x-amz-server-side-encryption*`, `s3:prefix`, `s3:delimiter`, `aws:SecureTransport`).
//! - [`kms`]: the KMS calls SSE-KMS makes on the requester's behalf ([`kms_actions_for`]) and
//!   the key policy of `aws/s3` ([`aws_managed_s3_key_policy`]).
//!
//! The rules follow docs/semantics.md §4 and §5 and the AWS pages each item cites. No I/O, no
//! printing.

pub mod context;
pub mod kms;
pub mod object;
pub mod ownership;
pub mod public;

pub use context::{
    acl_context, bucket_arn, context_of, list_bucket_context, object_arn, put_object_context,
    secure_transport_context, sse_context, ContextPairs, S3Path, SseHeader,
};
pub use kms::{
    aws_managed_s3_key_policy, kms_actions_for, DefaultEncryption, EncryptedObject, KmsKey,
    KmsNeed, S3Operation,
};
pub use object::{object_access, ObjectDecision, ObjectVerdict, Requester, StoredObject};
pub use ownership::{
    canned_grants, put_object, AclPermission, CannedAcl, ExtraAction, Grant, Grantee,
    ObjectOwnership, Provenance, S3Error, WriteOutcome,
};
pub use public::{
    check_block_public_acls, is_public_policy, put_bucket_policy_allowed,
    restrict_public_buckets_blocks, BlockPublicAccess, BpaSettings, PublicStatement, PublicVerdict,
};

#[cfg(test)]
mod rows;
