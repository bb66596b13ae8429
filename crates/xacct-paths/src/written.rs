//! The object context of a read: who owns the object decides whether the bucket policy can
//! grant access to it at all.
//!
//! With ACLs enabled (Object Ownership `ObjectWriter`, or `BucketOwnerPreferred` without
//! `bucket-owner-full-control` on the upload), an object another account wrote belongs to that
//! account. S3 then asks the object's ACL, not the bucket policy, whether others may read it
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-auth-workflow-object-operation.html>):
//! the classic "the cluster in A wrote it, and now nobody in B can read it".

use crate::binding::binding;
use crate::check::{requester_account, Case};
use crate::fix::{Fix, Target};
use crate::start::resolve;
use xacct_policy::AccountId;
use xacct_s3::{AclPermission, CannedAcl, ObjectVerdict, Requester};
use xacct_world::{Expectation, World};

/// The account that wrote an object, and the ACL it sent, from the expectation's
/// `written_by`: a compute writes through the chain its settings name, with the ACL its
/// settings send.
fn writer(
    world: &World,
    expectation: &Expectation,
    resource: &str,
) -> Option<(AccountId, Option<CannedAcl>, String)> {
    let written = expectation.written_by.as_ref()?;
    let start = resolve(world, &written.from).ok()?;
    let mut account = world.principal_account(&start.session.principal)?;
    let mut acl = None;
    if let Some(compute) = written
        .from
        .strip_prefix("compute:")
        .and_then(|name| world.compute.get(name))
    {
        if let Some(Ok(bound)) = binding(compute, resource) {
            if let Some(role) = bound.via.last().and_then(|arn| world.roles.get(arn)) {
                account = role.account;
            }
            acl = bound
                .canned_acl
                .as_deref()
                .and_then(|header| CannedAcl::from_header(header).ok());
        }
    }
    Some((account, written.acl.or(acl), written.from.clone()))
}

/// For a read the policies allow, of an object the expectation says someone else wrote:
/// S3's object context. When the writer's account owns the object and its ACL grants the
/// reader nothing, the case is refused, with the fix that makes the bucket owner own it.
pub fn apply_object_context(world: &World, expectation: &Expectation, case: &mut Case) {
    let Some(permission) = AclPermission::for_object_action(&case.action) else {
        return;
    };
    let Some((bucket_name, _key)) = case
        .resource
        .strip_prefix("arn:aws:s3:::")
        .and_then(|path| path.split_once('/'))
    else {
        return;
    };
    let Some(bucket) = world.buckets.get(bucket_name) else {
        return;
    };
    let Some((writer_account, acl, writer_name)) = writer(world, expectation, &case.resource)
    else {
        return;
    };
    let Some(reader_account) = requester_account(world, case) else {
        return;
    };
    let sent = acl.map_or_else(
        || "no ACL header".to_owned(),
        |acl| format!("`x-amz-acl: {acl}`"),
    );
    let written = match xacct_s3::put_object(bucket.ownership, acl, writer_account, bucket.account)
    {
        Ok(written) => written,
        Err(error) => {
            case.refusal = Some(format!(
                "the object cannot have been written: {writer_name} (account {writer_account}) sends {sent}, and S3 answers {} {}: {error}",
                error.status(),
                error.code()
            ));
            return;
        }
    };
    let decision = xacct_s3::object_access(
        bucket.ownership,
        bucket.account,
        &written.stored(),
        Requester::Account {
            account: reader_account,
        },
        permission,
        world
            .public_access_settings(bucket)
            .effective()
            .ignore_public_acls,
    );
    let denied = decision.verdict == ObjectVerdict::Denied;
    // A refusal carries the reasons itself; the note then only says how the object came to be.
    let context = if denied {
        format!("object written by {writer_name} (account {writer_account}) with {sent}")
    } else {
        format!(
            "object written by {writer_name} (account {writer_account}) with {sent}: {}",
            decision.reason()
        )
    };
    case.note = Some(match case.note.take() {
        Some(note) => format!("{note}; {context}"),
        None => context.clone(),
    });
    if !denied {
        return;
    }
    case.refusal = Some(format!(
        "S3 answers 403 AccessDenied whatever the policies say: {}",
        decision.reason()
    ));
    if !expectation.allow {
        return;
    }
    let also = match acl {
        Some(acl) if acl != CannedAcl::BucketOwnerFullControl => format!(
            ", and {writer_name} must stop sending `x-amz-acl: {acl}`, which S3 then refuses (AccessControlListNotSupported)"
        ),
        _ => String::new(),
    };
    case.fixes = Some(Ok(vec![Fix {
        target: Target::ObjectOwnership {
            bucket: bucket.name.clone(),
        },
        account: bucket.account.to_string(),
        summary: format!(
            "set Object Ownership of bucket {} to BucketOwnerEnforced (`aws s3api put-bucket-ownership-controls --bucket {} --ownership-controls 'Rules=[{{ObjectOwnership=BucketOwnerEnforced}}]'`): ACLs stop applying and the bucket owner owns every object, those already written included, so the bucket policy decides{also}. Keeping ACLs instead means BucketOwnerPreferred with every writer sending `x-amz-acl: bucket-owner-full-control` (`fs.s3a.acl.default BucketOwnerFullControl`, `fs.s3.canned.acl BucketOwnerFullControl` on EMR), which helps only new objects",
            bucket.name, bucket.name
        ),
        statement: None,
    }]));
}
