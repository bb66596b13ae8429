//! The `xacct` binary end to end: exit codes, text and JSON output, diagnostics. Outputs are
//! snapshot-tested so that every change to an explanation is reviewed.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot run its command fails"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `xacct collect` against moto: collected folders check as the hand-written examples.
mod collect;
/// `xacct diff` on before/after pairs, checked against who-can on each side.
mod diff;
/// Every broken example fails with its link and fix, and the fix mends it.
mod examples;
/// Policy, settings and export files are read only inside their root.
mod files;
/// Every finding code has its entry in docs/findings.md.
mod findings_doc;
/// `xacct graph` in every format, with its filters.
mod graph;
/// Input nobody on the team wrote: odd files, names, flags and manifests.
mod hostile_input;
/// What plan and import write from such input: planted links, stray exports, escapes.
mod hostile_output;
/// The README, LICENSE and Cargo.toml say what the build is.
mod install;
/// Lake Formation tags and data cell filters: column reads explained (issue 14).
mod lake_tags;
/// Output plumbing: closed pipes, colour, machine formats, stdin and encodings.
mod output;
/// `xacct who-can` and `xacct graph` on the bundled scenarios.
mod paths;
/// `xacct plan` with several intents, `--output`, names AWS refuses, intents as checks.
mod plan_output;
/// Questions as users ask them, and answers that lead with the failure (issue 15).
mod questions;
/// Questions are checked before they are answered; who-can on real exports.
mod questions_checked;
/// EMR steps with runtime roles: check, explain and who-can (issue 14).
mod runtime_roles;
/// `xacct serve` with the aws CLI and boto3: role chains, isolation, SigV4, kill -9.
mod serve;
/// `xacct serve` with pyarrow's S3FileSystem and polars: parquet through the role chain.
mod serve_data_clients;
/// The EMRFS field guide through `xacct serve`: role mappings, broken variants, the runbook.
mod serve_emrfs;
/// IAM through `xacct serve`: managed policies and versions, boundaries, users and keys.
mod serve_iam;
/// Kinesis through `xacct serve`: the Databricks-to-Kinesis field guide and its broken variants.
mod serve_kinesis;
/// SSE-KMS and KMS through `xacct serve`.
mod serve_kms;
/// Glue, Lake Formation and RAM through `xacct serve`: the Glue catalog sharing field guide.
mod serve_lake;
/// S3 beyond reads and writes through `xacct serve`: conditional requests, object tags, the
/// object context of ACLs and Object Ownership.
mod serve_s3_features;
/// `xacct serve` with the AWS SDK for Rust: the role chain, refusals with AWS's codes.
mod serve_sdk;
/// Terraform plans read as worlds: `--terraform` and `import --terraform`.
mod terraform;
/// Databricks Unity Catalog credentials and locations in the user's terms.
mod unity_catalog;
/// The cache of compiled worlds gives the answers the files give.
mod world_cache;
/// The time every snapshot's requests are made at, so that `aws:CurrentTime` and the
/// `assumed:` lines stay the same from run to run.
const AT: &str = "2026-12-07T09:00:00Z";

/// The workspace's root: every command runs from it, so paths in outputs are short and stable.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `xacct` from `dir`, without colour: exit code, stdout, stderr.
fn xacct_in(dir: &Path, arguments: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xacct"))
        .args(arguments)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // The cache of compiled worlds goes under the tests' own folder, never the user's.
        .env(
            "XDG_CACHE_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("xdg-cache"),
        )
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Runs `xacct` from the workspace root so that paths in the output are short and stable.
fn xacct(arguments: &[&str]) -> (i32, String, String) {
    xacct_in(&workspace_root(), arguments)
}

fn transcript(arguments: &[&str]) -> String {
    let (code, stdout, stderr) = xacct(arguments);
    format!(
        "$ xacct {}\nexit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        arguments.join(" ")
    )
}

#[test]
fn eval_cross_account_write_names_the_missing_identity_statement() {
    insta::assert_snapshot!(transcript(&[
        "eval",
        "--at",
        AT,
        "examples/eval/cross-account-put.json"
    ]));
}

#[test]
fn eval_cross_account_read_is_allowed_on_both_sides() {
    insta::assert_snapshot!(transcript(&[
        "eval",
        "--at",
        AT,
        "examples/eval/cross-account-read.json"
    ]));
}

#[test]
fn eval_scp_perimeter_deny() {
    insta::assert_snapshot!(transcript(&[
        "eval",
        "--at",
        AT,
        "examples/eval/scp-perimeter-deny.json"
    ]));
}

#[test]
fn eval_bad_input_points_at_the_file_line_and_column() {
    insta::assert_snapshot!(transcript(&["eval", "examples/eval/bad-effect.json"]));
}

#[test]
fn eval_json_output_is_the_stable_contract() {
    let (code, stdout, _) = xacct(&[
        "eval",
        "--at",
        AT,
        "examples/eval/cross-account-put.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["decision"], "ImplicitDeny");
    insta::assert_json_snapshot!(json);
}

#[test]
fn eval_json_bad_input() {
    let (code, stdout, _) = xacct(&["eval", "examples/eval/bad-effect.json", "--format", "json"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!(stdout);
}

#[test]
fn eval_missing_file_is_bad_input() {
    let (code, _, stderr) = xacct(&["eval", "examples/eval/does-not-exist.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn validate_reports_each_mistake_with_its_place() {
    insta::assert_snapshot!(transcript(&[
        "validate",
        "--kind",
        "resource",
        "examples/policies/mistakes.json"
    ]));
}

#[test]
fn validate_clean_policy_exits_zero() {
    let (code, stdout, _) = xacct(&[
        "validate",
        "--kind",
        "resource",
        "examples/policies/clean-bucket-policy.json",
    ]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn validate_json_findings() {
    let (code, stdout, _) = xacct(&[
        "validate",
        "--kind",
        "identity",
        "--format",
        "json",
        "examples/policies/mistakes.json",
    ]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn validate_unreadable_file_exits_two() {
    let (code, _, _) = xacct(&["validate", "examples/policies/nope.json"]);
    assert_eq!(code, 2);
}

#[test]
fn check_unknown_manifest_key_is_bad_input_with_its_place() {
    insta::assert_snapshot!(transcript(&[
        "check",
        "crates/xacct-cli/tests/fixtures/bad-manifest"
    ]));
}

#[test]
fn check_dangling_references_are_reported() {
    insta::assert_snapshot!(transcript(&[
        "check",
        "crates/xacct-cli/tests/fixtures/dangling"
    ]));
}

#[test]
fn check_json_of_a_broken_variant() {
    let (code, stdout, _) = xacct(&[
        "check",
        "examples/s3-role-chain/broken/external-id-missing",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["passed"], false);
    // Cases name their fixes by number; each fix is listed once, with what it mends.
    let id = json["expectations"][0]["cases"][0]["fixes"][0]
        .as_u64()
        .unwrap();
    let fix = &json["fixes"][usize::try_from(id).unwrap() - 1];
    assert_eq!(fix["id"], id);
    assert_eq!(fix["target"]["kind"], "externalId");
    assert_eq!(fix["target"]["value"], "lake-b-7f3a");
}

#[test]
fn check_sarif_points_at_the_expectation() {
    let (code, stdout, _) = xacct(&[
        "check",
        "examples/s3-role-chain/broken/passrole-missing",
        "--format",
        "sarif",
    ]);
    assert_eq!(code, 1);
    let mut json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    json["runs"][0]["tool"]["driver"]["version"] = "[version]".into();
    insta::assert_json_snapshot!(json);
}

#[test]
fn explain_names_the_failing_hop_and_its_fix() {
    insta::assert_snapshot!(transcript(&[
        "explain",
        "--at",
        AT,
        "examples/s3-role-chain/broken/trust-names-wrong-role",
        "--from",
        "compute:etl",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/sales/x.parquet",
    ]));
}

#[test]
fn import_writes_a_manifest_that_loads() {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-scenario");
    std::fs::create_dir_all(&folder).unwrap();
    let fixtures = workspace_root().join("crates/xacct-world/tests/fixtures/import/scenario");
    let manifest = folder.join("xacct.toml");
    let (code, _, stderr) = xacct(&[
        "import",
        fixtures.to_str().unwrap(),
        "--output",
        manifest.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("kind = \"authorization-details\""), "{text}");
    assert!(text.contains("kind = \"organizations\""), "{text}");
    // It loads; with no expectation, check says it verified nothing (exit 1).
    let (code, stdout, stderr) = xacct(&["check", folder.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("nothing to check"), "{stdout}");
}

/// A scenario folder is validated whole: here the settings finding for a cluster that writes
/// across accounts without `bucket-owner-full-control` on a bucket with ACLs enabled.
#[test]
fn validate_a_scenario_reports_cross_account_writes_without_bucket_owner_full_control() {
    insta::assert_snapshot!(transcript(&[
        "validate",
        "examples/s3-bucket-policy/broken/writer-without-bucket-owner-full-control"
    ]));
}

#[test]
fn validate_a_scenario_whose_cluster_hands_ownership_over_is_clean() {
    let (code, stdout, _) = xacct(&["validate", "examples/s3-bucket-policy"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("1 scenario(s) checked: no findings"),
        "{stdout}"
    );
}

/// `--read` of a DBFS mount path: the mount's own extra configs (an assumed role in B) decide
/// the credentials, and the read expands into the listing and the object reads Spark makes.
#[test]
fn explain_read_through_a_mount_in_the_users_terms() {
    insta::assert_snapshot!(transcript(&[
        "explain",
        "--at",
        AT,
        "examples/s3-role-chain",
        "--from",
        "cluster:etl",
        "--read",
        "/mnt/lake-b/sales/"
    ]));
}

/// `--write` on an SSE-KMS bucket: list, probe, put and delete, then the KMS calls S3 makes
/// for a multipart upload, each on the chain the writes take. This compute sends no canned ACL,
/// so the bucket policy's deny of writes without bucket-owner-full-control decides the put.
#[test]
fn explain_write_in_the_users_terms_adds_the_kms_requests_and_meets_the_acl_deny() {
    insta::assert_snapshot!(transcript(&[
        "explain",
        "--at",
        AT,
        "examples/s3-sse-kms",
        "--from",
        "compute:etl",
        "--write",
        "s3://lake-b/sales/2026/"
    ]));
}

/// `--read-stream` for an enhanced fan-out reader whose stream is missing from its role's
/// policy pieces: each request is listed, the failing one with its explanation and fix.
#[test]
fn explain_read_stream_names_the_missing_action() {
    insta::assert_snapshot!(transcript(&[
        "explain",
        "--at",
        AT,
        "examples/kinesis-role-chain/broken/reader-missing-list-shards",
        "--from",
        "cluster:streaming",
        "--read-stream",
        "arn:aws:kinesis:us-east-1:222222222222:stream/testStream"
    ]));
}

#[test]
fn explain_read_stream_with_enhanced_fan_out_subscribes_through_the_consumer() {
    let (code, stdout, stderr) = xacct(&[
        "explain",
        "examples/kinesis-role-chain",
        "--from",
        "compute:streaming-efo",
        "--read-stream",
        "arn:aws:kinesis:us-east-1:222222222222:stream/testStream",
        "--verbose",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for action in [
        "kinesis:DescribeStreamConsumer on arn:aws:kinesis:us-east-1:222222222222:stream/testStream/consumer/databricks-efo:1764547200",
        "kinesis:SubscribeToShard on arn:aws:kinesis:us-east-1:222222222222:stream/testStream/consumer/databricks-efo:1764547200",
        "kms:Decrypt on arn:aws:kms:us-east-1:222222222222:key/",
    ] {
        assert!(stdout.contains(action), "missing {action}:\n{stdout}");
    }
    assert!(!stdout.contains("kinesis:GetRecords"), "{stdout}");
}

#[test]
fn explain_a_path_under_no_mount_is_bad_input() {
    let (code, _, stderr) = xacct(&[
        "explain",
        "examples/s3-role-chain",
        "--from",
        "compute:etl",
        "--read",
        "/mnt/elsewhere/x",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("under none of the mounts"), "{stderr}");
}

/// `--read-table` through a resource link: the Glue calls on the link and on the shared
/// table, each through IAM and Lake Formation, then the data read from S3.
#[test]
fn explain_read_table_through_a_resource_link() {
    insta::assert_snapshot!(transcript(&[
        "explain",
        "--at",
        AT,
        "examples/glue-catalog-share/broken/no-describe-on-resource-link",
        "--from",
        "job:cur-report",
        "--read-table",
        "cur_org_linked.legacy_all"
    ]));
}

#[test]
fn explain_read_table_of_an_unknown_database_is_bad_input() {
    let (code, _, stderr) = xacct(&[
        "explain",
        "examples/glue-catalog-share",
        "--from",
        "job:cur-report",
        "--read-table",
        "nope.legacy_all",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("there is no database `nope`"), "{stderr}");
}

/// `xacct plan` for every field guide it can plan, in every format: the documents are
/// reviewed as snapshots (their proof and necessity are tested in crates/xacct-plan).
#[test]
fn plan_writes_every_format_for_every_plan_example() {
    for guide in [
        "s3-role-chain",
        "s3-bucket-policy",
        "s3-access-point",
        "kinesis-role-chain",
        "emrfs-role-mapping",
        "glue-catalog-share",
        "unity-catalog",
        "emr-runtime-role",
    ] {
        for format in ["json", "terraform", "cli", "runbook"] {
            let folder = format!("examples/{guide}/plan");
            let (code, stdout, stderr) = xacct(&["plan", &folder, "--format", format]);
            assert_eq!(code, 0, "{guide} {format}: {stderr}");
            insta::assert_snapshot!(format!("plan_{guide}_{format}"), stdout);
        }
    }
}

#[test]
fn plan_refuses_what_it_cannot_prove() {
    let (code, _, stderr) = xacct(&["plan", "examples/glue-catalog-share"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("has no [[intent]]"), "{stderr}");
}

/// `--output DIR` writes one folder per account with the documents, as the JSON lists them.
#[test]
fn plan_writes_one_folder_per_account() {
    let output = std::env::temp_dir().join(format!("xacct-plan-output-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&output);
    let (code, _, stderr) = xacct(&[
        "plan",
        "examples/s3-role-chain/plan",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let trust: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(output.join("222222222222/roles/MyRoleB/trust-policy.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::111111111111:role/MyRoleA"
    );
    assert!(output
        .join("111111111111/roles/MyRoleA/xacct-plan.json")
        .exists());
    let _ = std::fs::remove_dir_all(&output);
}

#[test]
fn plan_refuses_an_external_id_spark_cannot_send() {
    let (code, stdout, stderr) =
        xacct(&["plan", "crates/xacct-cli/tests/fixtures/plan-external-id"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("cannot pass an external id"), "{stderr}");
    // No plan, but a whole JSON document that says why.
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(document.get("accounts").is_none(), "{stdout}");
    assert!(
        document["refused"][0]["error"]
            .as_str()
            .unwrap()
            .contains("cannot pass an external id"),
        "{stdout}"
    );
}

// Documents AWS stores with oddities are decided, with a warning (eval) or a warning finding
// (validate); documents AWS refuses are bad input (eval exit 2) or an error finding (validate);
// requests a service refuses whatever the policies say are denied with the rule named.

/// `xacct eval` on a fixture of `tests/fixtures/policy-input`: exit code and all output.
fn eval_policy_input(fixture: &str, extra: &[&str]) -> (i32, String) {
    let path = format!("crates/xacct-cli/tests/fixtures/policy-input/{fixture}");
    let mut arguments = vec!["eval", path.as_str()];
    arguments.extend_from_slice(extra);
    let (code, stdout, stderr) = xacct(&arguments);
    (code, format!("{stdout}{stderr}"))
}

#[test]
fn eval_decides_what_aws_stores_and_refuses_what_it_refuses() {
    // (fixture, exit code, decision line or "" for bad input, texts the output must contain)
    let cases: [(&str, i32, &str, &[&str]); 8] = [
        (
            "action-with-comma.json",
            1,
            "ImplicitDeny",
            &["names no action", "in `Action` it matches no request"],
        ),
        (
            "notaction-oddity-deny.json",
            1,
            "ExplicitDeny",
            &["in `NotAction` it excludes nothing"],
        ),
        (
            "deny-unknown-partition.json",
            2,
            "",
            &["partition `aws-us`", "deny-unknown-partition.json:"],
        ),
        (
            "boundary-legacy-version.json",
            2,
            "",
            &["2012-10-17 or greater"],
        ),
        ("cloudfront-oai-and-role.json", 0, "Allow", &[]),
        ("ecr-repository-policy.json", 0, "Allow", &["no-resource"]),
        (
            "aws-managed-policy-write.json",
            1,
            "ExplicitDeny",
            &["refused by the service: AWS managed policies"],
        ),
        (
            "kms-aws-alias.json",
            1,
            "ExplicitDeny",
            &["refused by the service", "alias/aws/"],
        ),
    ];
    for (fixture, expected_code, decision, texts) in cases {
        let (code, output) = eval_policy_input(fixture, &[]);
        assert_eq!(code, expected_code, "{fixture}: {output}");
        if !decision.is_empty() {
            let line = format!("{decision}: ");
            assert!(output.contains(&line), "{fixture}: {output}");
        }
        for text in texts {
            assert!(output.contains(text), "{fixture} lacks `{text}`: {output}");
        }
    }
}

#[test]
fn eval_json_names_the_service_rule_that_refuses() {
    let (code, output) = eval_policy_input("kms-aws-alias.json", &["--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&output).unwrap();
    assert_eq!(json["decision"], "ExplicitDeny");
    let reasons = json["explanation"]["reasons"].to_string();
    assert!(reasons.contains("refused by the service"), "{json}");
}

#[test]
fn validate_refuses_a_managed_policy_without_version_but_not_an_inline_one() {
    let file = "crates/xacct-cli/tests/fixtures/policy-input/no-version-policy.json";
    let (code, stdout, _) = xacct(&["validate", "--kind", "identity", file]);
    assert_eq!(code, 1);
    assert!(stdout.contains("xacct::legacy-version"), "{stdout}");
    assert!(stdout.contains("1 error(s)"), "{stdout}");
    let (code, stdout, _) = xacct(&["validate", "--kind", "inline", file]);
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
        "crates/xacct-cli/tests/fixtures/policy-input/stored-oddity-policy.json",
    ]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
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

// --- keys AWS always sends, and what an answer assumed ---------------------------------------

const EVAL_CONTEXT: &str = "crates/xacct-cli/tests/fixtures/eval-context";
const ALWAYS_PRESENT: &str = "crates/xacct-cli/tests/fixtures/always-present";

fn eval_fixture(name: &str, extra: &[&str]) -> (i32, String, String) {
    let path = format!("{EVAL_CONTEXT}/{name}");
    let mut arguments = vec!["eval", path.as_str()];
    arguments.extend_from_slice(extra);
    xacct(&arguments)
}

#[test]
fn eval_deny_after_a_date_applies_at_the_time_given() {
    let (code, stdout, _) = eval_fixture("time-fence.json", &["--at", "2027-02-01T00:00:00Z"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("ExplicitDeny"), "{stdout}");
    assert!(stdout.contains("aws:CurrentTime is `2027-02-01T00:00:00Z`, which meets `DateGreaterThan` `2027-01-01T00:00:00Z`"), "{stdout}");
    assert!(
        stdout.contains("assumed: requests are made at 2027-02-01T00:00:00Z (pinned with --at)"),
        "{stdout}"
    );
    let (code, stdout, _) = eval_fixture("time-fence.json", &["--at", "2026-12-07T09:00:00+01:00"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("requests are made at 2026-12-07T08:00:00Z"),
        "{stdout}"
    );
    // Without --at the clock decides, and says so.
    let (_, stdout, _) = eval_fixture("time-fence.json", &[]);
    assert!(
        stdout.contains("(the clock when xacct ran; pin it with --at)"),
        "{stdout}"
    );
}

#[test]
fn eval_at_that_is_not_rfc3339_is_bad_input() {
    let (code, _, stderr) = eval_fixture("time-fence.json", &["--at", "tomorrow"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not an RFC 3339 time"), "{stderr}");
}

#[test]
fn eval_region_fence_denies_the_assumed_region_and_json_lists_assumptions() {
    let (code, stdout, _) = eval_fixture("region-fence.json", &["--at", AT, "--format", "json"]);
    assert_eq!(code, 1, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["decision"], "ExplicitDeny");
    let assumptions = json["explanation"]["assumptions"].as_array().unwrap();
    let kinds: Vec<&str> = assumptions
        .iter()
        .map(|assumption| assumption["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["time", "region", "secure-transport"]);
    assert!(assumptions[1]["detail"]
        .as_str()
        .unwrap()
        .starts_with("aws:RequestedRegion is us-east-1"));
    let condition = &json["explanation"]["matched"][0]["conditions"][0];
    assert_eq!(condition["key"], "aws:RequestedRegion");
    assert_eq!(condition["requestValues"], serde_json::json!(["us-east-1"]));
}

#[test]
fn eval_vpce_deny_names_the_key_and_both_values() {
    insta::assert_snapshot!(transcript(&[
        "eval",
        "--at",
        AT,
        "crates/xacct-cli/tests/fixtures/eval-context/vpce-deny.json"
    ]));
    let (_, stdout, _) = eval_fixture("vpce-deny.json", &["--at", AT, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let condition = &json["explanation"]["matched"][0]["conditions"][0];
    assert_eq!(condition["key"], "aws:SourceVpce");
    assert_eq!(condition["operator"], "StringNotEquals");
    assert_eq!(condition["policyValues"], serde_json::json!(["vpce-0b22"]));
    assert_eq!(condition["requestValues"], serde_json::json!(["vpce-0a11"]));
    assert_eq!(condition["holds"], true);
}

#[test]
fn eval_near_miss_on_an_absent_key_says_it_is_absent() {
    let (code, stdout, _) = eval_fixture("vpce-allow-absent.json", &["--at", AT]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("aws:SourceVpce is absent from the request, so `StringEquals` `vpce-0b22` does not hold"),
        "{stdout}"
    );
    let (_, stdout, _) = eval_fixture("vpce-allow-absent.json", &["--at", AT, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let condition = &json["explanation"]["nearMisses"][0]["misses"][0]["condition"];
    assert_eq!(condition["key"], "aws:SourceVpce");
    assert_eq!(condition["requestValues"], serde_json::Value::Null);
    assert_eq!(condition["policyValues"], serde_json::json!(["vpce-0b22"]));
}

#[test]
fn eval_warns_when_a_role_path_may_be_missing_and_role_arn_supplies_it() {
    let (code, stdout, stderr) = eval_fixture("role-path.json", &["--at", AT]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("role-path-unknown"), "{stderr}");
    assert!(stderr.contains("\"roleArn\""), "{stderr}");
    let (code, stdout, stderr) = eval_fixture("role-path-given.json", &["--at", AT]);
    assert_eq!(code, 0, "{stdout}");
    assert!(!stderr.contains("role-path-unknown"), "{stderr}");
    assert!(
        stdout.contains("arn:aws:iam::111111111111:role/restricted/Analyst"),
        "{stdout}"
    );
}

#[test]
fn eval_deny_skipped_for_an_absent_always_present_key_is_a_warning() {
    let (code, stdout, _) = eval_fixture("user-agent-deny.json", &["--at", AT, "--format", "json"]);
    assert_eq!(code, 0, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let warnings = json["findings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{stdout}");
    assert_eq!(warnings[0]["code"], "deny-skipped-for-absent-key");
    assert!(warnings[0]["message"]
        .as_str()
        .unwrap()
        .contains("no `aws:UserAgent`, a key AWS always sends"));
}

#[test]
fn validate_warns_on_a_plain_operator_on_a_multivalued_key() {
    let (code, stdout, _) = xacct(&[
        "validate",
        "crates/xacct-cli/tests/fixtures/eval-context/tag-keys-plain-operator.json",
    ]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("multivalued-key-without-set-operator"),
        "{stdout}"
    );
    assert!(stdout.contains("ForAnyValue:StringEquals"), "{stdout}");
}

#[test]
fn check_honours_time_region_and_role_path_fences_in_a_scenario() {
    let (code, stdout, stderr) = xacct(&["check", "--at", AT, ALWAYS_PRESENT]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("for buckets that declare none (fence-default)"),
        "{stdout}"
    );
    // After the project's end date the Deny on aws:CurrentTime applies.
    let (code, stdout, _) = xacct(&["check", "--at", "2027-02-01T00:00:00Z", ALWAYS_PRESENT]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("explicitly denied by statement `DenyAfterProjectEnd`"),
        "{stdout}"
    );
    let (_, stdout, _) = xacct(&["check", "--at", AT, "--format", "json", ALWAYS_PRESENT]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["assumptions"][0]["kind"], "time");
}

#[test]
fn who_can_and_explain_say_the_region_they_assumed() {
    let (code, stdout, _) = xacct(&[
        "who-can",
        "--at",
        AT,
        ALWAYS_PRESENT,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::fence-default/report.csv",
    ]);
    // "No principal can" is an answer: exit 0 (README, "Exit codes").
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("no principal can"), "{stdout}");
    assert!(
        stdout.contains(
            "assumed: aws:RequestedRegion is us-east-1 (bucket fence-default declares no Region"
        ),
        "{stdout}"
    );
    let (code, stdout, _) = xacct(&[
        "explain",
        "--at",
        AT,
        ALWAYS_PRESENT,
        "--from",
        "arn:aws:iam::111111111111:role/restricted/Analyst",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::fence-eu/report.csv",
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout
            .contains("assumed: aws:RequestedRegion is eu-west-1 (the Region of bucket fence-eu)"),
        "{stdout}"
    );
}
