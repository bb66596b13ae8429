//! The EMRFS field guide ("How do I set up cross-account access for EMRFS?") end to end in
//! `xacct serve`, with boto3 doing what EMRFS does (`serve/emrfs_client.py`): for an S3 URI,
//! the role its security configuration maps the prefix to, assumed with the cluster's
//! instance-profile session, or that session itself when no mapping names the URI; then list,
//! write, read and delete under the prefix.
#![expect(
    clippy::indexing_slicing,
    reason = "a test reads the JSON its client printed, and fails when a field is missing"
)]

use super::serve::{failing_link, python, Server};
use super::{workspace_root, xacct};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const EXAMPLE: &str = "examples/emrfs-role-mapping";
const URI: &str = "s3://doc-example-bucket/output/part-00000";
const MAPPED: &str = "arn:aws:iam::222222222222:role/role_in_destination_account";

/// The role mappings of a security configuration file (`describe-security-configuration`'s
/// output, whose `SecurityConfiguration` is JSON in a string).
fn role_mappings(file: &Path) -> Value {
    let text = std::fs::read_to_string(workspace_root().join(file)).unwrap();
    let described: Value = serde_json::from_str(&text).unwrap();
    let inner: Value =
        serde_json::from_str(described["SecurityConfiguration"].as_str().unwrap()).unwrap();
    inner["AuthorizationConfiguration"]["EmrFsConfiguration"]["RoleMappings"].clone()
}

/// The cluster's job on `server`, as EMRFS runs it with `mappings`.
fn job(server: &Server, python: &Path, mappings: &Value) -> Value {
    server.script(
        python,
        "emrfs_client.py",
        &["compute-writer", &mappings.to_string(), URI],
    )
}

/// The IAM action each step is authorized as.
fn action_of(op: &str) -> &'static str {
    match op {
        "AssumeRole" => "sts:AssumeRole",
        "ListObjectsV2" => "s3:ListBucket",
        "PutObject" => "s3:PutObject",
        "GetObject" => "s3:GetObject",
        "DeleteObject" => "s3:DeleteObject",
        _ => "unknown",
    }
}

fn codes(out: &Value) -> Vec<String> {
    out["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn serve_emrfs_role_mapping_writes_as_the_mapped_role_and_each_broken_variant_fails_where_check_says(
) {
    let Some(python) = python() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(EXAMPLE, data.path(), &[]);
    let mappings = role_mappings(
        Path::new(EXAMPLE)
            .join("emr/security-configuration.json")
            .as_path(),
    );
    let out = job(&server, &python, &mappings);
    assert_eq!(out["role"], MAPPED, "{out:#}");
    assert_eq!(codes(&out), ["ok", "ok", "ok", "ok", "ok"], "{out:#}");
    // A URI no mapping names is reached with the instance profile's role, which B does not let
    // in: the bucket has no policy for it.
    let other = server.script(&python, "emrfs_client.py", &["compute-writer", "[]", URI]);
    assert_eq!(other["role"], Value::Null, "{other:#}");
    assert_eq!(codes(&other), ["AccessDenied"], "{other:#}");
    drop(server);

    for (variant, configuration) in [
        (
            "mapped-role-cannot-write",
            "emr/security-configuration.json",
        ),
        (
            "mapped-role-does-not-trust-the-ec2-role",
            "emr/security-configuration.json",
        ),
        (
            "prefix-does-not-match",
            "broken/prefix-does-not-match/emr/security-configuration.json",
        ),
    ] {
        let scenario = format!("{EXAMPLE}/broken/{variant}");
        let link = failing_link(&scenario).unwrap();
        let data = tempfile::tempdir().unwrap();
        let server = Server::start(&scenario, data.path(), &[]);
        let mappings = role_mappings(&Path::new(EXAMPLE).join(configuration));
        let out = job(&server, &python, &mappings);
        let failed = out["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|step| step["code"] != "ok")
            .unwrap_or_else(|| panic!("{variant}: every step passed: {out:#}"));
        assert_eq!(failed["code"], "AccessDenied", "{variant}: {out:#}");
        let op = failed["op"].as_str().unwrap();
        assert_eq!(
            action_of(op),
            link,
            "{variant}: served {op}, check names {link}: {out:#}"
        );
        assert!(
            failed["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&link),
            "{variant}: AWS's sentence names the action: {out:#}"
        );
    }
}

/// Runs a runbook with the aws CLI of the Python environment and the server's profiles.
fn run_runbook(server: &Server, python: &Path, script: &Path) {
    let home = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        python.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .arg(script)
        .env("PATH", path)
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", server.config())
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the runbook failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The role mapping `xacct plan --format cli` tells the operator to set, from its comment:
/// `# writer: set in its emrfs_role_mapping:` then the mapping as JSON.
fn planned_mapping(runbook: &str) -> Value {
    let mut lines = runbook.lines();
    let sets = lines
        .by_ref()
        .any(|line| line.contains("emrfs_role_mapping"));
    assert!(sets, "the runbook sets no EMRFS role mapping:\n{runbook}");
    let json = lines.next().unwrap().trim_start_matches('#').trim();
    serde_json::json!([serde_json::from_str::<Value>(json).unwrap()])
}

#[test]
fn serve_emrfs_applies_the_plan_runbook_then_runs_the_job() {
    let Some(python) = python() else { return };
    let scenario = format!("{EXAMPLE}/plan");
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&scenario, data.path(), &[]);
    let (code, runbook, stderr) = xacct(&["plan", &scenario, "--format", "cli"]);
    assert_eq!(code, 0, "{stderr}");
    let mappings = planned_mapping(&runbook);
    // Before the runbook, the mapped role does not exist: AWS refuses AssumeRole.
    let before = job(&server, &python, &mappings);
    assert_eq!(before["role"], MAPPED, "{before:#}");
    assert_eq!(codes(&before), ["AccessDenied"], "{before:#}");

    let script = data.path().join("runbook.sh");
    std::fs::write(&script, &runbook).unwrap();
    run_runbook(&server, &python, &script);
    let after = job(&server, &python, &mappings);
    assert_eq!(codes(&after), ["ok", "ok", "ok", "ok", "ok"], "{after:#}");
    // Running it again is harmless (the runbook says so): the role exists and is updated.
    run_runbook(&server, &python, &script);
    assert_eq!(
        codes(&job(&server, &python, &mappings)),
        ["ok", "ok", "ok", "ok", "ok"]
    );
}
