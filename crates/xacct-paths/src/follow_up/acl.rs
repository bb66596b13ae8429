//! What S3 itself adds to a PutObject after the policies allow it: an ACL header other than
//! `bucket-owner-full-control` on a BucketOwnerEnforced bucket is refused (400
//! AccessControlListNotSupported); on a bucket with ACLs enabled, sending an ACL header needs
//! `s3:PutObjectAcl` too, checked on the same chain; a public canned ACL under BlockPublicAcls
//! is refused (403). The rules are `xacct_s3::put_object` and
//! `xacct_s3::check_block_public_acls`.

use super::{Entailed, FollowUp, Granted};

/// The ACL and Object Ownership rules of an S3 write.
pub struct ObjectAcl;

impl FollowUp for ObjectAcl {
    fn entailed(&self, granted: &Granted<'_>) -> Vec<Entailed> {
        let case = granted.case;
        if case.action != "s3:PutObject" {
            return Vec::new();
        }
        let Some((bucket, _)) = granted.bucket_and_key() else {
            return Vec::new();
        };
        let acl = match granted
            .header("s3:x-amz-acl")
            .as_deref()
            .map(xacct_s3::CannedAcl::from_header)
        {
            None => None,
            Some(Ok(acl)) => Some(acl),
            Some(Err(_)) => return Vec::new(),
        };
        let Some(writer) = granted.requester() else {
            return Vec::new();
        };
        let settings = granted.world.public_access_settings(bucket);
        let written = xacct_s3::check_block_public_acls(&settings, acl)
            .and_then(|()| xacct_s3::put_object(bucket.ownership, acl, writer, bucket.account));
        match written {
            Err(error) => vec![Entailed::Refused {
                error: format!("S3 answers {} {}: {error}", error.status(), error.code()),
                note: format!("bucket {} is {}", bucket.name, bucket.ownership.name()),
            }],
            Ok(outcome) => outcome
                .extra_actions
                .iter()
                .map(|extra| Entailed::Request {
                    action: extra.action.to_owned(),
                    resource: case.resource.clone(),
                    context: granted.context.to_vec(),
                    note: format!("for s3:PutObject on {}: {}", case.resource, extra.reason),
                })
                .collect(),
        }
    }
}
