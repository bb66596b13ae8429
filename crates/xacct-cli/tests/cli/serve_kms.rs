//! SSE-KMS and KMS in `xacct serve` with boto3: S3 calls GenerateDataKey and Decrypt as the
//! requester, and KMS decides on the key policy, so a reader the key policy leaves out gets
//! AccessDenied from S3 and AccessDeniedException from KMS, as in AWS.

use super::serve::{python, Server};
use serde_json::Value;
use std::path::Path;

const KEY: &str = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn run(scenario: &str, python: &Path) -> Value {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(scenario, data.path(), &[]);
    server.script(
        python,
        "kms_client.py",
        &["account-222222222222", "compute-etl", "lake-b", KEY],
    )
}

#[test]
fn serve_sse_kms_lets_the_key_user_read_the_encrypted_object() {
    let Some(python) = python() else { return };
    let out = run("examples/s3-sse-kms", &python);
    assert_eq!(out["owner_put"]["code"], "ok", "{out}");
    assert_eq!(out["owner_put"]["value"]["sse"], "aws:kms", "{out}");
    assert_eq!(out["owner_put"]["value"]["key"], KEY, "{out}");
    assert_eq!(out["reader_get"]["value"], "rows of the owner", "{out}");
    assert_eq!(out["reader_put"]["code"], "ok", "{out}");
    assert_eq!(out["reader_decrypt"]["value"], "data key", "{out}");
    assert_eq!(
        out["wrong_context"]["code"], "InvalidCiphertextException",
        "{out}"
    );
    // The key policy names DescribeKey for the role, but the role's own policy does not.
    assert_eq!(out["describe"]["code"], "AccessDeniedException", "{out}");
    assert!(
        out["describe"]["message"]
            .as_str()
            .unwrap_or_default()
            .ends_with("because no identity-based policy allows the kms:DescribeKey action"),
        "{out}"
    );
    assert_eq!(
        out["owner_policy"]["value"], "EnableIamPoliciesInB",
        "{out}"
    );
    assert_eq!(out["own_key"]["value"], true, "{out}");
    let aliases = out["aliases"]["value"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(aliases.contains(&Value::from("alias/test")), "{out}");
}

#[test]
fn serve_sse_kms_refuses_a_reader_the_key_policy_leaves_out() {
    let Some(python) = python() else { return };
    let out = run(
        "examples/s3-sse-kms/broken/key-policy-missing-the-role",
        &python,
    );
    // The owner still writes: its account is allowed by the key policy's root statement.
    assert_eq!(out["owner_put"]["code"], "ok", "{out}");
    let because = "because no resource-based policy allows the kms:";
    for (case, code, action) in [
        ("reader_get", "AccessDenied", "kms:Decrypt"),
        ("reader_put", "AccessDenied", "kms:GenerateDataKey"),
        ("reader_decrypt", "AccessDeniedException", "kms:Decrypt"),
    ] {
        assert_eq!(out[case]["code"], code, "{case}: {out}");
        let message = out[case]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("User: arn:aws:sts::111111111111:assumed-role/dbx-ip-role/")
                && message.contains(&format!(
                    "is not authorized to perform: {action} on resource: {KEY} {because}"
                )),
            "{case}: {message}"
        );
        assert!(
            !out[case]["explanation"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{case}: {out}"
        );
    }
}

fn run_mode(scenario: &str, python: &Path, args: &[&str]) -> Value {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(scenario, data.path(), &[]);
    server.script(python, "kms_client.py", args)
}

/// Grants on a key whose policy leaves the reader (a role of account A) out: CreateGrant lets
/// it in for the grant's operations and encryption context only, as `xacct check` decides a
/// declared grant; RetireGrant and RevokeGrant take it out again.
/// <https://docs.aws.amazon.com/kms/latest/developerguide/grants.html>
#[test]
fn serve_kms_grants_let_the_grantee_in_within_their_operations_and_constraints() {
    let Some(python) = python() else { return };
    let out = run_mode(
        "examples/s3-sse-kms/broken/key-policy-missing-the-role",
        &python,
        &["grants", "account-222222222222", "compute-etl", KEY],
    );
    assert_eq!(out["before"]["code"], "AccessDeniedException", "{out:#}");
    assert_eq!(out["create"]["code"], "ok", "{out:#}");
    assert_eq!(out["granted"]["value"], "data", "{out:#}");
    // EncryptionContextSubset: more pairs are fine, another value or none is not.
    assert_eq!(out["superset"]["value"], "data", "{out:#}");
    assert_eq!(
        out["other_context"]["code"], "AccessDeniedException",
        "{out:#}"
    );
    assert_eq!(
        out["no_context"]["code"], "AccessDeniedException",
        "{out:#}"
    );
    // Not a grant operation of the first grant.
    assert_eq!(
        out["gdk_before"]["code"], "AccessDeniedException",
        "{out:#}"
    );
    // EncryptionContextEquals: exactly these pairs.
    assert_eq!(out["gdk_equal"]["value"], "ok", "{out:#}");
    assert_eq!(out["gdk_more"]["code"], "AccessDeniedException", "{out:#}");
    let list = out["list"]["value"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{out:#}");
    assert_eq!(
        list[0],
        serde_json::json!({"ops": ["Decrypt", "RetireGrant"], "constraints": {"EncryptionContextSubset": {"purpose": "test"}}, "grantee": "arn:aws:iam::111111111111:role/dbx-ip-role", "name": "reader-decrypts"}),
        "{out:#}"
    );
    assert_eq!(
        list[1]["constraints"],
        serde_json::json!({"EncryptionContextEquals": {"a": "1"}}),
        "{out:#}"
    );
    // The grantee has no CreateGrant in its grant, nor may it revoke.
    assert_eq!(
        out["reader_creates"]["code"], "AccessDeniedException",
        "{out:#}"
    );
    assert_eq!(
        out["both_constraints"]["code"], "ValidationException",
        "{out:#}"
    );
    assert_eq!(
        out["reader_revokes"]["code"], "AccessDeniedException",
        "{out:#}"
    );
    assert_eq!(out["owner_revokes"]["value"], "ok", "{out:#}");
    assert_eq!(
        out["gdk_revoked"]["code"], "AccessDeniedException",
        "{out:#}"
    );
    // The grantee retires the grant that lets it (RetireGrant is one of its operations).
    assert_eq!(out["retire"]["value"], "ok", "{out:#}");
    assert_eq!(out["retired"]["code"], "AccessDeniedException", "{out:#}");
    assert_eq!(out["list_after"]["value"], 0, "{out:#}");
}

/// A disabled key refuses cryptographic operations with DisabledException, one pending
/// deletion with KMSInvalidStateException; S3 reading an object sealed under it answers with
/// the same codes under `KMS.`.
/// <https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html>
#[test]
fn serve_kms_key_states_refuse_cryptographic_operations() {
    let Some(python) = python() else { return };
    let out = run_mode(
        "examples/s3-sse-kms",
        &python,
        &[
            "states",
            "account-222222222222",
            "compute-etl",
            "lake-b",
            KEY,
        ],
    );
    let disabled = &out["disabled"];
    assert_eq!(disabled["state"], "Disabled", "{out:#}");
    assert_eq!(disabled["encrypt"]["code"], "DisabledException", "{out:#}");
    assert_eq!(disabled["decrypt"]["code"], "DisabledException", "{out:#}");
    assert_eq!(disabled["read"]["code"], "KMS.DisabledException", "{out:#}");
    let enabled = &out["enabled"];
    assert_eq!(enabled["state"], "Enabled", "{out:#}");
    assert_eq!(enabled["encrypt"]["value"], "ok", "{out:#}");
    assert_eq!(enabled["read"]["value"], "rows", "{out:#}");
    assert_eq!(out["too_soon"]["code"], "ValidationException", "{out:#}");
    let pending = &out["pending"];
    assert_eq!(pending["state"], "PendingDeletion", "{out:#}");
    assert_eq!(pending["answer"], "PendingDeletion", "{out:#}");
    assert_eq!(
        pending["encrypt"]["code"], "KMSInvalidStateException",
        "{out:#}"
    );
    assert_eq!(
        pending["read"]["code"], "KMS.KMSInvalidStateException",
        "{out:#}"
    );
    assert_eq!(
        pending["enable"]["code"], "KMSInvalidStateException",
        "{out:#}"
    );
    // CancelKeyDeletion leaves the key disabled.
    assert_eq!(out["cancelled"]["state"], "Disabled", "{out:#}");
    assert_eq!(
        out["cancelled"]["encrypt"]["code"], "DisabledException",
        "{out:#}"
    );
}

/// `aws:kms` without a key id: S3 uses the bucket account's AWS managed key `aws/s3`, made on
/// first use, whose key policy allows use through S3 by that account's principals only
/// (`kms:ViaService`, `kms:CallerAccount`): the owner reads and writes, the writer of account
/// A (let in by the bucket policy) can neither.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html>
#[test]
fn serve_sse_kms_without_a_key_uses_aws_s3_which_other_accounts_cannot_use() {
    let Some(python) = python() else { return };
    let out = run_mode(
        "examples/s3-sse-kms",
        &python,
        &["aws-s3", "account-222222222222", "compute-etl", "lake-b"],
    );
    assert_eq!(out["owner_put"]["code"], "ok", "{out:#}");
    assert_eq!(out["owner_put"]["value"]["sse"], "aws:kms", "{out:#}");
    let key = out["owner_put"]["value"]["key"].as_str().unwrap();
    assert!(
        key.starts_with("arn:aws:kms:us-east-1:222222222222:key/") && key != KEY,
        "{out:#}"
    );
    assert_eq!(out["owner_get"]["value"], "managed rows", "{out:#}");
    for case in ["reader_get", "reader_put"] {
        assert_eq!(out[case]["code"], "AccessDenied", "{case}: {out:#}");
        let message = out[case]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(key)
                && message.contains("because no resource-based policy allows the kms:"),
            "{case}: {message}"
        );
    }
    assert_eq!(out["alias"], 1, "{out:#}");
    assert_eq!(out["manager"], "AWS", "{out:#}");
    assert_eq!(
        out["owner_direct"]["code"], "AccessDeniedException",
        "{out:#}"
    );
}
