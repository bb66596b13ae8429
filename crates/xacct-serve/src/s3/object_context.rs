//! S3's object context in the served S3, by the very functions `xacct check` uses
//! (`xacct_s3::put_object`, `check_block_public_acls`, `object_access`): who owns an object
//! a write makes (Object Ownership and the ACL sent), whether the ACL may be sent at all
//! (`AccessControlListNotSupported` under `BucketOwnerEnforced`, `AccessDenied` for a public ACL
//! under BlockPublicAcls), and, for a read, whether the bucket policy can grant access to the
//! object at all: an object another account owns is readable only through its own ACL.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-auth-workflow-object-operation.html>

use crate::access::{access_denied, Check, NamedObjects};
use crate::State;
use s3s::{s3_error, S3Error, S3ErrorCode, S3Result};
use xacct_policy::AccountId;
use xacct_s3::{
    AclPermission, BpaSettings, CannedAcl, ObjectOwnership, ObjectVerdict, Requester, StoredObject,
};

/// What a bucket's writes and reads are decided with.
struct BucketSettings {
    owner: AccountId,
    ownership: ObjectOwnership,
    public_access: BpaSettings,
}

fn settings(state: &State, bucket: &str) -> Option<BucketSettings> {
    let world = state.engine.world();
    let record = world.buckets.get(bucket)?;
    Some(BucketSettings {
        owner: record.account,
        ownership: record.ownership,
        public_access: world.public_access_settings(record),
    })
}

/// An `x-amz-acl` value S3 takes.
pub fn canned(header: Option<&str>) -> S3Result<Option<CannedAcl>> {
    header
        .map(|text| {
            CannedAcl::from_header(text).map_err(|error| s3_error!(InvalidArgument, "{error}"))
        })
        .transpose()
}

fn refused(error: &xacct_s3::S3Error) -> S3Error {
    let mut refusal =
        S3Error::with_message(S3ErrorCode::Custom(error.code().into()), error.to_string());
    refusal.set_status_code(
        hyper::StatusCode::from_u16(error.status()).unwrap_or(hyper::StatusCode::FORBIDDEN),
    );
    refusal
}

/// The owner of an object `writer` writes into `bucket` with `acl`, or S3's refusal of the ACL.
pub fn on_write(state: &State, bucket: &str, writer: &str, acl: Option<&str>) -> S3Result<String> {
    let acl = canned(acl)?;
    let Some(settings) = settings(state, bucket) else {
        return Err(s3_error!(
            NoSuchBucket,
            "The specified bucket does not exist"
        ));
    };
    let writer: AccountId = writer
        .parse()
        .map_err(|_| s3_error!(InvalidRequest, "the writer's account is not an account id"))?;
    xacct_s3::check_block_public_acls(&settings.public_access, acl)
        .map_err(|error| refused(&error))?;
    let written = xacct_s3::put_object(settings.ownership, acl, writer, settings.owner)
        .map_err(|error| refused(&error))?;
    Ok(written.object_owner.to_string())
}

/// The object context of each check on an object that exists: an object owned by another
/// account than the bucket's is readable only through its ACL, whatever the bucket policy
/// says (the policies were decided already; this can only refuse).
pub fn on_read(
    state: &State,
    objects: &mut NamedObjects<'_>,
    checks: &[Check],
    requester: &str,
) -> S3Result<()> {
    let Ok(requester) = requester.parse::<AccountId>() else {
        return Ok(());
    };
    for check in checks {
        let Some(permission) = AclPermission::for_object_action(check.action) else {
            continue;
        };
        let Some((bucket, _)) = check
            .resource
            .strip_prefix("arn:aws:s3:::")
            .and_then(|path| path.split_once('/'))
        else {
            continue;
        };
        let Some(object) = objects.get(&check.resource)? else {
            continue;
        };
        let Some(settings) = settings(state, bucket) else {
            continue;
        };
        let Ok(owner) = object.owner.parse::<AccountId>() else {
            continue;
        };
        let acl = object
            .acl
            .as_deref()
            .and_then(|text| CannedAcl::from_header(text).ok());
        let stored = StoredObject::with_canned_acl(owner, settings.owner, acl);
        let decision = xacct_s3::object_access(
            settings.ownership,
            settings.owner,
            &stored,
            Requester::Account { account: requester },
            permission,
            settings.public_access.effective().ignore_public_acls,
        );
        if decision.verdict == ObjectVerdict::Denied {
            return Err(access_denied(
                &format!(
                    "Access Denied: {} owns {}, and its ACL grants account {requester} no {permission}",
                    owner, check.resource
                ),
                &decision.reason(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_acl_value_s3_does_not_take_is_refused() {
        assert!(canned(Some("bucket-owner-full-control")).is_ok_and(|acl| acl.is_some()));
        assert!(canned(None).is_ok_and(|acl| acl.is_none()));
        assert!(canned(Some("Public-Read")).is_err());
    }
}
