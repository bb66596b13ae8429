//! EMR steps with a runtime role: the compute checks of what the instance profile role may do
//! on the runtime role, explanations of the step's requests, and who-can through the chain.

use super::{transcript, xacct, AT};

#[test]
fn a_trust_without_tag_session_fails_its_compute_check_with_the_fix() {
    insta::assert_snapshot!(transcript(&[
        "check",
        "--at",
        AT,
        "examples/emr-runtime-role/broken/trust-without-tag-session",
    ]));
}

#[test]
fn the_step_writes_through_the_runtime_role_on_its_settings_chain() {
    insta::assert_snapshot!(transcript(&[
        "explain",
        "--at",
        AT,
        "--verbose",
        "examples/emr-runtime-role",
        "--from",
        "compute:etl",
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::sales-curated-a/output/part-00000.parquet",
    ]));
}

#[test]
fn the_instance_profile_s_own_access_is_not_the_step_s() {
    let (code, stdout, stderr) = xacct(&[
        "explain",
        "--at",
        AT,
        "examples/emr-runtime-role",
        "--from",
        "compute:etl",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::finance-a/ledger/2026.csv",
    ]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("arn:aws:iam::111111111111:role/etl-step"),
        "{stdout}"
    );
}

#[test]
fn who_can_write_the_output_lists_the_host_through_the_runtime_role() {
    let (code, stdout, stderr) = xacct(&[
        "who-can",
        "--at",
        AT,
        "examples/emr-runtime-role",
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::sales-curated-a/output/x",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("role arn:aws:iam::111111111111:role/EMR_EC2_RuntimeRoleHost\n    -> arn:aws:iam::111111111111:role/etl-step"),
        "{stdout}"
    );
}

/// The cluster described from its exports (describe-cluster, describe-security-configuration,
/// describe-step): each of the two steps' runtime roles is a compute with its own checks, and
/// the question of `compute:etl` is asked of both.
#[test]
fn the_cluster_from_its_exports_checks_every_step_role() {
    let (code, stdout, stderr) = xacct(&[
        "check",
        "--at",
        AT,
        "examples/emr-runtime-role/from-exports",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for role in ["etl-step", "report-step"] {
        assert!(
            stdout.contains(&format!(
                "PASS  no step reaches the finance bucket the instance profile can (as etl/{role})"
            )),
            "{stdout}"
        );
        for action in ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"] {
            assert!(
                stdout.contains(&format!("PASS  compute etl/{role}: arn:aws:iam::111111111111:role/EMR_EC2_RuntimeRoleHost may {action} arn:aws:iam::111111111111:role/{role} (runtime role)")),
                "{stdout}"
            );
        }
    }
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn only_the_step_whose_role_does_not_trust_the_host_fails() {
    let (code, stdout, _) = xacct(&[
        "check",
        "--at",
        AT,
        "examples/emr-runtime-role/broken/second-step-role-trusts-another-host",
    ]);
    assert_eq!(code, 1, "{stdout}");
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("FAIL  compute"))
        .collect();
    assert_eq!(failed.len(), 3, "{stdout}");
    assert!(
        failed
            .iter()
            .all(|line| line.starts_with("FAIL  compute etl/report-step:")),
        "{failed:#?}"
    );
}

/// A scenario folder of its own, with the runtime-roles security configuration.
fn scenario(name: &str, steps: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("runtime-roles")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        super::workspace_root().join("examples/emr-runtime-role/emr/security-configuration.json"),
        dir.join("security-configuration.json"),
    )
    .unwrap();
    std::fs::write(dir.join("steps.json"), steps).unwrap();
    std::fs::write(
        dir.join("xacct.toml"),
        r#"[[role]]
arn = "arn:aws:iam::111111111111:role/host"
trust = { inline = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}' }

[[instance_profile]]
arn = "arn:aws:iam::111111111111:instance-profile/host"
role = "host"

[[compute]]
name = "etl"
instance_profile = "arn:aws:iam::111111111111:instance-profile/host"
security_configuration = "security-configuration.json"
emr_steps = "steps.json"
"#,
    )
    .unwrap();
    dir
}

/// `list-steps` cannot say a step's role: on a cluster with runtime roles that is an error at
/// the step, with its line and column, and a misspelt key warns.
#[test]
fn a_listed_step_without_its_role_is_an_error_at_the_step() {
    let dir = scenario(
        "listed",
        "{\n    \"Steps\": [\n        {\"Id\": \"s-1\", \"Name\": \"load\", \"Stauts\": {\"State\": \"PENDING\"}}\n    ]\n}\n",
    );
    let (code, stdout, stderr) = xacct(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(stderr.contains("xacct::step-role-not-listed"), "{stderr}");
    assert!(stderr.contains("steps.json:3:9"), "{stderr}");
    assert!(stderr.contains("xacct::unknown-key"), "{stderr}");
    assert!(
        stderr.contains("`Stauts` is not a key of a step"),
        "{stderr}"
    );
    assert!(
        stderr.contains("expected one of: Id, Name, Config"),
        "{stderr}"
    );
    assert!(stderr.contains("aws emr describe-step"), "{stderr}");
}

#[test]
fn a_described_step_without_a_role_is_refused_and_bad_json_is_located() {
    let dir = scenario(
        "described",
        "[\n  {\"Step\": {\"Id\": \"s-2\", \"Name\": \"legacy\"}}\n]\n",
    );
    let (code, _, stderr) = xacct(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("xacct::runtime-role-required"), "{stderr}");
    assert!(
        stderr.contains("step s-2 (legacy) has no ExecutionRoleArn"),
        "{stderr}"
    );
    assert!(stderr.contains("steps.json:2:12"), "{stderr}");
    let dir = scenario("broken-json", "{\"Step\": {\"Id\": \"s-3\",}}\n");
    let (code, _, stderr) = xacct(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("xacct::invalid-json"), "{stderr}");
    assert!(stderr.contains("steps.json:1:"), "{stderr}");
}

/// EMR is an engine outside AWS's analytics services to Lake Formation: without the
/// application integration settings, the step's table read fails at the data step, and the fix
/// is the settings change in the table owner's terms.
#[test]
fn lake_formation_vends_to_emr_only_where_the_settings_let_it() {
    insta::assert_snapshot!(transcript(&[
        "check",
        "--at",
        AT,
        "examples/emr-runtime-role/broken/lake-settings-leave-out-emr",
    ]));
}
