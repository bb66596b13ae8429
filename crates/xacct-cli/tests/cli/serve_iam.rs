//! IAM through `xacct serve` with boto3 (`serve/iam_client.py`) on
//! `examples/emrfs-role-mapping`: each change B's administrator makes is followed by the
//! request it should change, decided at once on the changed world.

use super::serve::{python, Server};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Runs the aws CLI of the Python environment with the server's profiles: (success, stdout
/// as JSON or null, stderr).
fn aws(server: &Server, python: &Path, arguments: &[&str]) -> (bool, Value, String) {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(python.with_file_name("aws"))
        .args(arguments)
        .args(["--output", "json"])
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", server.config())
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    (
        output.status.success(),
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn serve_iam_changes_decide_the_next_request() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/emrfs-role-mapping", data.path(), &[]);
    let out = server.script(
        &python,
        "iam_client.py",
        &["account-222222222222", "compute-writer"],
    );
    // A managed policy, attached, flips the read from denied to allowed.
    assert_eq!(out["before"]["code"], "AccessDenied", "{out:#}");
    assert_eq!(
        out["policy_arn"], "arn:aws:iam::222222222222:policy/lake/read-lake",
        "{out:#}"
    );
    assert_eq!(out["attached"]["value"], "rows", "{out:#}");
    assert_eq!(out["listed"], serde_json::json!(["read-lake"]), "{out:#}");
    // A new default version without the read flips it back; the old default restores it.
    assert_eq!(out["new_version"], "v2", "{out:#}");
    assert_eq!(out["after_new_default"]["code"], "AccessDenied", "{out:#}");
    assert_eq!(out["list_after_new_default"]["code"], "ok", "{out:#}");
    assert_eq!(out["after_set_default"]["value"], "rows", "{out:#}");
    assert_eq!(out["default"], "v1", "{out:#}");
    assert_eq!(
        out["v2_document"]["Statement"][0]["Action"], "s3:ListBucket",
        "{out:#}"
    );
    assert_eq!(
        out["scenario_trust"]["Statement"][0]["Sid"], "EmrEc2RoleFromA",
        "{out:#}"
    );
    assert_eq!(out["delete_attached"]["code"], "DeleteConflict", "{out:#}");
    assert_eq!(out["delete_attached"]["status"], 409, "{out:#}");
    // A permissions boundary limits the role; removed, the read is back.
    assert_eq!(out["bounded"]["code"], "AccessDenied", "{out:#}");
    assert!(
        out["bounded"]["message"]
            .as_str()
            .unwrap_or_default()
            .ends_with("because no permissions boundary allows the s3:GetObject action"),
        "{out:#}"
    );
    assert_eq!(
        out["bounded_boundary"], "arn:aws:iam::222222222222:policy/only-list",
        "{out:#}"
    );
    assert_eq!(out["unbounded"]["value"], "rows", "{out:#}");
    // A new user's access key acts as the user, within its policy; inactive, it is refused.
    assert_eq!(
        out["user_identity"]["value"], "arn:aws:iam::222222222222:user/loader",
        "{out:#}"
    );
    assert_eq!(out["user_read"]["value"], "rows", "{out:#}");
    assert_eq!(out["user_write"]["code"], "AccessDenied", "{out:#}");
    assert_eq!(
        out["inactive_sts"]["code"], "InvalidClientTokenId",
        "{out:#}"
    );
    assert_eq!(out["inactive_s3"]["code"], "InvalidAccessKeyId", "{out:#}");
    assert_eq!(out["keys"], serde_json::json!(["Inactive"]), "{out:#}");
    assert_eq!(
        out["delete_user_with_key"]["code"], "DeleteConflict",
        "{out:#}"
    );
    // Principals without IAM grants are refused with AWS's code and sentence.
    assert_eq!(
        out["reader_creates_policy"]["code"], "AccessDenied",
        "{out:#}"
    );
    assert_eq!(out["reader_creates_policy"]["status"], 403, "{out:#}");
    assert_eq!(
        out["reader_creates_policy"]["message"],
        "User: arn:aws:sts::222222222222:assumed-role/reader/emrfs is not authorized to perform: iam:CreatePolicy on resource: policy mine because no identity-based policy allows the iam:CreatePolicy action",
        "{out:#}"
    );
    assert_eq!(out["cluster_attaches"]["code"], "AccessDenied", "{out:#}");
    assert_eq!(
        out["malformed"]["code"], "MalformedPolicyDocument",
        "{out:#}"
    );
}

#[test]
fn serve_iam_instance_profiles_need_pass_role_with_the_aws_cli() {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start("examples/emrfs-role-mapping", data.path(), &[]);
    let admin = ["--profile", "account-111111111111", "iam"];
    let (ok, made, stderr) = aws(
        &server,
        &python,
        &[
            &admin[..],
            &["create-instance-profile", "--instance-profile-name", "etl"],
        ]
        .concat(),
    );
    assert!(ok, "{stderr}");
    assert_eq!(
        made["InstanceProfile"]["Arn"], "arn:aws:iam::111111111111:instance-profile/etl",
        "{made:#}"
    );
    // The cluster's role may not pass itself to EC2: AccessDenied, naming iam:PassRole.
    let add = [
        "add-role-to-instance-profile",
        "--instance-profile-name",
        "etl",
        "--role-name",
        "EMR_EC2_DefaultRole",
    ];
    let grant = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:AddRoleToInstanceProfile","Resource":"*"}]}"#;
    let put = [
        "put-role-policy",
        "--role-name",
        "EMR_EC2_DefaultRole",
        "--policy-name",
        "profiles",
        "--policy-document",
        grant,
    ];
    assert!(aws(&server, &python, &[&admin[..], &put].concat()).0);
    let cluster = ["--profile", "compute-writer", "iam"];
    let (ok, _, stderr) = aws(&server, &python, &[&cluster[..], &add].concat());
    assert!(!ok);
    assert!(
        stderr.contains("(AccessDenied)")
            && stderr.contains(
                "iam:PassRole on resource: arn:aws:iam::111111111111:role/EMR_EC2_DefaultRole because no identity-based policy allows the iam:PassRole action"
            ),
        "{stderr}"
    );
    // The administrator may: the profile then holds the role.
    let (ok, _, stderr) = aws(&server, &python, &[&admin[..], &add].concat());
    assert!(ok, "{stderr}");
    let (_, listed, _) = aws(
        &server,
        &python,
        &[
            &admin[..],
            &[
                "list-instance-profiles-for-role",
                "--role-name",
                "EMR_EC2_DefaultRole",
            ],
        ]
        .concat(),
    );
    let names: Vec<&str> = listed["InstanceProfiles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|profile| profile["InstanceProfileName"].as_str())
        .collect();
    assert_eq!(names, ["EMR_EC2_DefaultRole", "etl"], "{listed:#}");
    let (ok, _, stderr) = aws(
        &server,
        &python,
        &[
            &admin[..],
            &["delete-instance-profile", "--instance-profile-name", "etl"],
        ]
        .concat(),
    );
    assert!(!ok && stderr.contains("(DeleteConflict)"), "{stderr}");
}
