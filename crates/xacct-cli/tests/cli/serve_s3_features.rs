//! S3's conditional requests and object tags in `xacct serve`, with boto3
//! (`serve/s3_features.py`): writes only if absent or unchanged, reads that answer 304
//! or 412, conditional copies and deletes, a bucket policy that enforces conditional creates;
//! tags written, read and decided on by a bucket policy. The owner of the role-chain example's
//! bucket (`lake-b`, account B) makes the requests, and its reader `MyRoleB` reads.

use super::serve::{python, Server};
use serde_json::json;

#[test]
fn serve_s3_conditional_requests_answer_as_s3_and_a_policy_can_enforce_them() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    let out = server.script(
        &python,
        "s3_features.py",
        &["conditions", "account-222222222222", "lake-b"],
    );
    assert_eq!(
        out,
        json!({
            "create": "ok",
            "create_again": "PreconditionFailed",
            "replace_unchanged": "ok",
            "replace_stale": "PreconditionFailed",
            "replace_missing": "NoSuchKey",
            "body": "v2",
            "get_unchanged": "NotModified",
            "get_stale": "PreconditionFailed",
            "head_current": "ok",
            "copy_stale_source": "PreconditionFailed",
            "copy_current_source": "ok",
            "copy_if_none_match": "NotImplemented",
            "delete_stale": "PreconditionFailed",
            "still_there": "ok",
            "delete_current": "ok",
            "gone": "404",
            "complete_new": "ok",
            "enforced_plain": "AccessDenied",
            "enforced_conditional": "ok",
            "enforced_parts_started": "ok",
            "enforced_complete_plain": "AccessDenied",
            "enforced_complete_conditional": "ok",
        })
    );
}

#[test]
fn serve_s3_object_tags_are_kept_and_policies_decide_on_them() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    let out = server.script(
        &python,
        "s3_features.py",
        &[
            "tags",
            "account-222222222222",
            "compute-etl-as-MyRoleB",
            "lake-b",
        ],
    );
    assert_eq!(
        out,
        json!({
            "put_tagged": "ok",
            "tags": [{"Key": "class", "Value": "pii"}],
            "count": 1,
            "too_many": "InvalidTag",
            "reader_pii": "AccessDenied",
            "reader_untagged": "ok",
            "reader_copies_pii": "AccessDenied",
            "reader_copies_untagged": "ok",
            "retag_public": "ok",
            "reader_public": "ok",
            "retag_secret": "AccessDenied",
            "put_secret": "AccessDenied",
            "untag": "ok",
            "tags_after": [],
            "a_version": "NotImplemented",
        })
    );
}

/// S3's object context: what account A writes into B's bucket belongs to A unless Object
/// Ownership or `bucket-owner-full-control` gives it to B, and then B's reader cannot read it
/// however the bucket policy allows (the "cluster wrote it, nobody can read it" of the field
/// guides); ACLs refused under `BucketOwnerEnforced` and public ones under BlockPublicAcls.
#[test]
fn serve_s3_object_ownership_decides_who_can_read_what_another_account_wrote() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/s3-role-chain", data.path(), &[]);
    let out = server.script(
        &python,
        "s3_features.py",
        &[
            "ownership",
            "account-222222222222",
            "account-111111111111",
            "compute-etl-as-MyRoleB",
            "lake-b",
        ],
    );
    assert_eq!(
        out,
        json!({
            "write_plain": "ok",
            "write_full_control": "ok",
            "write_owner_read": "ok",
            "read_plain": "AccessDenied",
            "head_plain": "403",
            "read_full_control": "ok",
            "read_owner_read": "ok",
            "write_public_blocked": "AccessDenied",
            "read_plain_enforced": "ok",
            "write_acl_enforced": "AccessControlListNotSupported",
            "write_full_control_enforced": "ok",
            "write_explicit_grant": "NotImplemented",
        })
    );
}
