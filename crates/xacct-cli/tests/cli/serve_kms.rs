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
