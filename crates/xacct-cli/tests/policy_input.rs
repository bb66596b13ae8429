//! `xacct eval` and `xacct validate` on documents AWS stores with oddities (decided, with a
//! warning) and on documents AWS refuses (exit 2 for eval, an error finding for validate), and
//! requests a service refuses whatever the policies say.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot run its command fails"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policy-input")
}

/// Runs `xacct` with the fixture folder as working directory, so paths in output are short.
fn xacct(arguments: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xacct"))
        .args(arguments)
        .current_dir(fixtures())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn eval_decides_an_action_string_that_names_no_action_and_says_how() {
    let (code, stdout, stderr) = xacct(&["eval", "action-with-comma.json"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.starts_with("ImplicitDeny"), "{stdout}");
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("names no action"), "{all}");
    assert!(all.contains("in `Action` it matches no request"), "{all}");
}

#[test]
fn eval_notaction_oddity_covers_every_action() {
    let (code, stdout, stderr) = xacct(&["eval", "notaction-oddity-deny.json"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.starts_with("ExplicitDeny"), "{stdout}");
}

#[test]
fn eval_refuses_a_deny_on_an_arn_aws_refuses() {
    let (code, stdout, stderr) = xacct(&["eval", "deny-unknown-partition.json"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("partition `aws-us`"), "{all}");
    assert!(all.contains("deny-unknown-partition.json:"), "{all}");
}

#[test]
fn eval_refuses_a_boundary_with_a_legacy_version() {
    let (code, stdout, stderr) = xacct(&["eval", "boundary-legacy-version.json"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains("2012-10-17 or greater"),
        "{stdout}{stderr}"
    );
}

#[test]
fn eval_reads_a_cloudfront_origin_access_identity() {
    let (code, stdout, stderr) = xacct(&["eval", "cloudfront-oai-and-role.json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn eval_applies_an_ecr_repository_policy_without_resource() {
    let (code, stdout, stderr) = xacct(&["eval", "ecr-repository-policy.json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("no-resource") || stdout.contains("no-resource"));
}

#[test]
fn eval_names_the_service_rule_that_refuses() {
    let (code, stdout, stderr) = xacct(&["eval", "aws-managed-policy-write.json"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("refused by the service: AWS managed policies"),
        "{stdout}"
    );
    let (code, stdout, _) = xacct(&["eval", "kms-aws-alias.json", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["decision"], "ExplicitDeny");
    let reasons = json["explanation"]["reasons"].to_string();
    assert!(reasons.contains("refused by the service"), "{json}");
}

#[test]
fn validate_refuses_a_managed_policy_without_version_but_not_an_inline_one() {
    let (code, stdout, _) = xacct(&["validate", "--kind", "identity", "no-version-policy.json"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("xacct::legacy-version"), "{stdout}");
    assert!(stdout.contains("1 error(s)"), "{stdout}");
    let (code, stdout, _) = xacct(&["validate", "--kind", "inline", "no-version-policy.json"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("0 error(s)"), "{stdout}");
    assert!(stdout.contains("xacct::missing-version"), "{stdout}");
}

#[test]
fn validate_warns_on_a_stored_oddity() {
    let (code, stdout, _) = xacct(&[
        "validate",
        "--kind",
        "identity",
        "--format",
        "json",
        "stored-oddity-policy.json",
    ]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let findings = json.as_array().unwrap();
    assert!(
        findings
            .iter()
            .all(|finding| finding["severity"] == "warning"),
        "{json}"
    );
    assert!(
        findings
            .iter()
            .any(|finding| finding["code"] == "action-matches-nothing"),
        "{json}"
    );
}
