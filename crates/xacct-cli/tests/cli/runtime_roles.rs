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
