//! `--terraform` and `xacct import --terraform`: plans written to the documented JSON format
//! (tests/fixtures/terraform/generate.py) read as the worlds they describe.

use super::{xacct, AT};

/// The HCL of `xacct plan --format terraform` as plan JSON.
mod hcl;
/// Unity Catalog and LF-Tag routes written as plans.
mod routes;

const FIXTURES: &str = "crates/xacct-cli/tests/fixtures/terraform";

/// The PASS and FAIL lines of a check, without the manifest locations.
fn verdicts(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| line.starts_with("PASS  ") || line.starts_with("FAIL  "))
        .map(|line| line.split("  (").next().unwrap_or(line).to_owned())
        .collect()
}

fn check_plan(folder: &str, extra: &[&str]) -> (i32, String, String) {
    let dir = format!("{FIXTURES}/{folder}");
    let plan = format!("{dir}/plan.json");
    let mut arguments = vec![
        "check",
        dir.as_str(),
        "--terraform",
        plan.as_str(),
        "--at",
        AT,
    ];
    arguments.extend_from_slice(extra);
    xacct(&arguments)
}

#[test]
fn s3_role_chain_as_a_plan_checks_as_the_example_does() {
    let (code, stdout, stderr) = check_plan("s3-role-chain", &[]);
    let (example_code, example, _) = xacct(&["check", "examples/s3-role-chain", "--at", AT]);
    assert_eq!((code, example_code), (0, 0), "{stderr}");
    assert_eq!(verdicts(&stdout), verdicts(&example));
    assert_eq!(verdicts(&stdout).len(), 5, "{stdout}");
}

#[test]
fn a_broken_trust_in_the_plan_fails_as_the_broken_example_does() {
    let (code, stdout, stderr) = check_plan("s3-role-chain/broken/trust-names-wrong-role", &[]);
    let (example_code, example, _) = xacct(&[
        "check",
        "examples/s3-role-chain/broken/trust-names-wrong-role",
        "--at",
        AT,
    ]);
    assert_eq!((code, example_code), (1, 1));
    assert_eq!(verdicts(&stdout), verdicts(&example));
    // The finding on the trust policy names the plan and the resource's address.
    assert!(
        stderr.contains(
            "trust-names-wrong-role/plan.json (terraform: aws_iam_role.lake assume_role_policy)"
        ),
        "{stderr}"
    );
}

/// Checks the plan fixture `folder` against `examples/FOLDER`: the same exit code (0 when it
/// `passes`) and verdicts, nothing the reader left out; returns how many verdicts.
pub(super) fn checks_as_the_example_does(folder: &str, passes: bool) -> usize {
    let (code, stdout, stderr) = check_plan(folder, &[]);
    let (example_code, example, _) = xacct(&["check", &format!("examples/{folder}"), "--at", AT]);
    assert_eq!(code, i32::from(!passes), "{folder}: {stdout}\n{stderr}");
    assert_eq!(example_code, code, "{folder}");
    assert_eq!(verdicts(&stdout), verdicts(&example), "{folder}");
    assert!(!stderr.contains("terraform-not-read"), "{folder}: {stderr}");
    verdicts(&stdout).len()
}

/// The four field guides written as plans (with broken variants): the same verdicts as the
/// hand-written examples, and nothing the reader had to leave out.
#[test]
fn the_field_guides_as_plans_check_as_the_examples_do() {
    for (folder, passes) in [
        ("kinesis-role-chain", true),
        ("kinesis-role-chain/broken/assume-role-not-granted", false),
        ("emrfs-role-mapping", true),
        (
            "emrfs-role-mapping/broken/mapped-role-does-not-trust-the-ec2-role",
            false,
        ),
        ("glue-catalog-share", true),
        (
            "glue-catalog-share/broken/no-describe-on-resource-link",
            false,
        ),
    ] {
        assert!(checks_as_the_example_does(folder, passes) > 0, "{folder}");
    }
}

#[test]
fn findings_name_the_resource_address_in_json_and_sarif() {
    let broken = "s3-role-chain/broken/trust-names-wrong-role";
    let (code, json, _) = check_plan(broken, &["--format", "json"]);
    assert_eq!(code, 1);
    assert!(
        json.contains("plan.json (terraform: aws_iam_role.lake assume_role_policy)"),
        "{json}"
    );
    let (code, sarif, _) = check_plan(broken, &["--format", "sarif"]);
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    // The trust policy's finding: the plan file, and the resource as its logical location.
    let on_plan = results
        .iter()
        .flat_map(|result| result["locations"].as_array().into_iter().flatten())
        .find(|location| {
            location["logicalLocations"][0]["fullyQualifiedName"] == "aws_iam_role.lake"
        })
        .unwrap();
    assert_eq!(
        on_plan["physicalLocation"]["artifactLocation"]["uri"],
        format!("{FIXTURES}/{broken}/plan.json")
    );
    insta::assert_snapshot!("broken_trust_text", check_plan(broken, &[]).1);
    insta::assert_snapshot!("broken_trust_sarif", sarif);
}

#[test]
fn every_mapped_type_is_read_into_one_world() {
    let (code, stdout, stderr) = check_plan("every-type", &["--account-of", "org=333333333333"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(verdicts(&stdout).len(), 4, "{stdout}");
    // What could not be read is said, with the address.
    for expected in [
        "aws_iam_role.later",
        "aws_organizations_policy_attachment.root",
        "aws_sqs_queue (aws_sqs_queue.jobs)",
        "the key id of aws_kms_key.lake is made by AWS at apply",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}

#[test]
fn a_provider_without_an_account_is_a_warning_naming_it() {
    let dir = format!("{FIXTURES}/every-type");
    let plan = format!("{dir}/plan.json");
    let (code, _, stderr) = xacct(&["import", "--terraform", &plan]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("the account of provider `aws.org` is not known")
            && stderr.contains("--account-of aws.org=ACCOUNT_ID"),
        "{stderr}"
    );
}

#[test]
fn import_writes_a_scenario_that_checks_like_the_plan() {
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("terraform-import");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let output = folder.join("xacct.toml");
    let plan = format!("{FIXTURES}/s3-role-chain/plan.json");
    let (code, _, stderr) = xacct(&[
        "import",
        "--terraform",
        &plan,
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let manifest = std::fs::read_to_string(&output).unwrap();
    assert!(
        manifest.contains(
            "# aws_iam_role.lake\n[[role]]\narn = \"arn:aws:iam::222222222222:role/MyRoleB\""
        ),
        "{manifest}"
    );
    assert!(folder
        .as_path()
        .join("terraform/databricks_cluster.etl.databricks_cluster.json")
        .is_file());
    // With the fixture's expectations added, the written folder is an ordinary scenario.
    let expectations = std::fs::read_to_string(
        super::workspace_root().join(format!("{FIXTURES}/s3-role-chain/xacct.toml")),
    )
    .unwrap();
    std::fs::write(&output, format!("{manifest}\n{expectations}")).unwrap();
    let (code, stdout, stderr) = xacct(&["check", folder.as_path().to_str().unwrap(), "--at", AT]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(verdicts(&stdout).len(), 5, "{stdout}");
}

#[test]
fn import_warnings_are_listed_by_address() {
    let plan = format!("{FIXTURES}/every-type/plan.json");
    let (code, stdout, stderr) = xacct(&[
        "import",
        "--terraform",
        &plan,
        "--account-of",
        "org=333333333333",
    ]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("import_every_type_warnings", stderr);
    insta::assert_snapshot!("import_every_type_manifest", stdout);
}

#[test]
fn what_is_not_a_plan_is_refused_with_the_fix() {
    let (code, _, stderr) = xacct(&[
        "import",
        "--terraform",
        "examples/s3-role-chain/databricks/cluster.json",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a Terraform plan"), "{stderr}");
    let (code, _, stderr) = xacct(&["import", "--terraform", "x.json", "--account-of", "lake=12"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("lake=12"), "{stderr}");
}

/// What `xacct plan --format terraform` writes, as Terraform would plan it, is read back:
/// merged over the example's plan folder (whose intents are not yet met), every intent and
/// compute check passes.
#[test]
fn what_xacct_plan_writes_is_read_back() {
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("terraform-roundtrip");
    std::fs::create_dir_all(&folder).unwrap();
    for example in ["s3-role-chain", "emrfs-role-mapping", "glue-catalog-share"] {
        let scenario = format!("examples/{example}/plan");
        let (code, before, _) = xacct(&["check", &scenario, "--at", AT]);
        assert_eq!(
            code, 1,
            "{example}: the intents are not met before: {before}"
        );
        let (code, hcl_text, stderr) = xacct(&["plan", &scenario, "--format", "terraform"]);
        assert_eq!(code, 0, "{stderr}");
        let plan = folder.join(format!("{example}.json"));
        std::fs::write(&plan, hcl::plan_json(&hcl_text).to_string()).unwrap();
        let (code, stdout, stderr) = xacct(&[
            "check",
            &scenario,
            "--terraform",
            plan.to_str().unwrap(),
            "--account-of",
            "account_111111111111=111111111111",
            "--account-of",
            "account_222222222222=222222222222",
            "--at",
            AT,
        ]);
        assert_eq!(code, 0, "{example}: {stdout}\n{stderr}");
        assert!(!verdicts(&stdout).is_empty(), "{example}");
        assert!(
            !stderr.contains("terraform-not-read"),
            "{example}: {stderr}"
        );
    }
}

/// `worlds`, for `xacct diff DIR --terraform plan.json`: the prior state and the planned
/// values, each over the scenario. The kinesis plan adds the read policy of B's role.
#[test]
fn the_worlds_before_and_after_a_plan() {
    use xacct_world::import::terraform::{worlds, Options, Overlay};
    let dir = super::workspace_root()
        .join(FIXTURES)
        .join("kinesis-role-chain");
    let overlay = Overlay {
        plan: dir.join("plan.json"),
        options: Options::default(),
    };
    let (before, after) = worlds(&dir, &xacct_world::FileAccess::anywhere(), &overlay).unwrap();
    assert!(!before.has_blocking_errors() && !after.has_blocking_errors());
    let role = "arn:aws:iam::222222222222:role/KinesisCrossAccountRole";
    let policies =
        |loaded: &xacct_world::Loaded| loaded.world.roles.get(role).unwrap().policies.len();
    assert_eq!((policies(&before), policies(&after)), (0, 1));
    let passed = |loaded: &xacct_world::Loaded| {
        let report = xacct_paths::check::check(&loaded.world);
        report
            .expectations
            .iter()
            .filter(|result| result.passed())
            .count()
    };
    // Before, the reader gets no records and the fan-out reader does not subscribe; the
    // expectation that it cannot write passes on both sides.
    assert!(passed(&before) < passed(&after), "the plan grants the read");
    let report = xacct_paths::check::check(&after.world);
    assert!(
        report.passed() && !report.is_empty(),
        "after the plan every check passes"
    );
}

/// `who-can` and `explain` answer on the world of the plan, which the folder alone lacks.
#[test]
fn who_can_and_explain_answer_on_the_plan() {
    let dir = format!("{FIXTURES}/s3-role-chain");
    let plan = format!("{dir}/plan.json");
    let question = [
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/sales/x",
        "--at",
        AT,
    ];
    let mut arguments = vec!["who-can", dir.as_str(), "--terraform", plan.as_str()];
    arguments.extend_from_slice(&question);
    let (code, stdout, stderr) = xacct(&arguments);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("4 principals can"), "{stdout}");
    assert!(
        stdout.contains("role arn:aws:iam::222222222222:role/MyRoleB"),
        "{stdout}"
    );
    let mut arguments = vec![
        "explain",
        dir.as_str(),
        "--terraform",
        plan.as_str(),
        "--from",
        "compute:etl",
    ];
    arguments.extend_from_slice(&question);
    let (code, stdout, stderr) = xacct(&arguments);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("allowed through"), "{stdout}");
    // Without the plan the folder names a compute it does not hold.
    let (code, _, _) = xacct(&[
        "explain",
        dir.as_str(),
        "--from",
        "compute:etl",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/sales/x",
    ]);
    assert_eq!(code, 2);
}

/// An access point the scenario declares and the plan defines again is the plan's, as every
/// entity a plan defines again is (docs/terraform.md, "Merged over a scenario"): no duplicate,
/// and the plan's policy (which also opens `reports/`) decides. A policy the plan attaches to
/// an access point only the scenario declares is added to it.
#[test]
fn an_access_point_the_plan_defines_again_replaces_the_scenario_s() {
    let (code, stdout, stderr) = check_plan("s3-access-point", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(!stderr.contains("duplicate-access-point"), "{stderr}");
    assert!(!stderr.contains("terraform-not-read"), "{stderr}");
    assert_eq!(
        verdicts(&stdout),
        [
            "PASS  analytics reads sales through its access point",
            "PASS  analytics reads reports through its access point (the plan's policy)",
            "PASS  analytics reads audit logs through audit-ap (the policy the plan attaches)",
        ]
    );
    // Without the plan the scenario's own access points decide: reports/ is closed, and
    // audit-ap has no policy.
    let (code, stdout, _) = xacct(&["check", &format!("{FIXTURES}/s3-access-point"), "--at", AT]);
    assert_eq!(code, 1, "{stdout}");
    let failed: Vec<String> = verdicts(&stdout)
        .into_iter()
        .filter(|line| line.starts_with("FAIL"))
        .collect();
    assert_eq!(
        failed,
        [
            "FAIL  analytics reads reports through its access point (the plan's policy)",
            "FAIL  analytics reads audit logs through audit-ap (the policy the plan attaches)",
        ],
        "{stdout}"
    );
}

/// The plan of `folder` with the `policy` of `address` known only after apply (as when it is
/// built from a value computed then): written under the test's own folder.
#[expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "test set-up")]
fn plan_with_an_undecided_policy(folder: &str, address: &str) -> (String, String) {
    let dir = format!("{FIXTURES}/{folder}");
    let root = super::workspace_root();
    let text = std::fs::read_to_string(root.join(&dir).join("plan.json")).unwrap();
    let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    for change in plan["resource_changes"].as_array_mut().unwrap() {
        if change["address"] == address {
            change["change"]["after"]
                .as_object_mut()
                .unwrap()
                .remove("policy");
            change["change"]["after_unknown"]["policy"] = serde_json::Value::Bool(true);
        }
    }
    for resource in plan["planned_values"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
    {
        if resource["address"] == address {
            resource["values"].as_object_mut().unwrap().remove("policy");
        }
    }
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("terraform-undecided")
        .join(folder);
    std::fs::create_dir_all(&out).unwrap();
    let path = out.join("plan.json");
    std::fs::write(&path, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    (
        root.join(dir).display().to_string(),
        path.display().to_string(),
    )
}

/// A document the plan knows only after apply is undecided, not absent: every answer lists it
/// and says it may change the answer, and a `--fail-on` gate does not pass a change it cannot
/// see whole.
#[test]
fn answers_on_a_plan_with_an_undecided_document_say_so() {
    let (dir, plan) = plan_with_an_undecided_policy("s3-role-chain", "aws_s3_bucket_policy.lake");
    let left_out = "left out: Terraform resource aws_s3_bucket_policy.lake";
    let note = "part(s) of the Terraform plan are undecided until apply";
    let (_, stdout, stderr) = xacct(&["check", &dir, "--terraform", &plan, "--at", AT]);
    assert!(
        stdout.contains(left_out) && stdout.contains(note),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("is known only after apply"), "{stderr}");
    // `--quiet` hides warnings, not what the answer rests on.
    let (_, stdout, _) = xacct(&["--quiet", "check", &dir, "--terraform", &plan, "--at", AT]);
    assert!(stdout.contains(note), "{stdout}");
    let (code, stdout, stderr) = xacct(&[
        "who-can",
        &dir,
        "--terraform",
        &plan,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/sales/x",
        "--at",
        AT,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let answer: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let parts = answer["leftOut"].as_array().unwrap();
    assert!(
        parts
            .iter()
            .any(|part| part["entity"] == "aws_s3_bucket_policy.lake"
                && part["undecidedUntilApply"] == true),
        "{stdout}"
    );
    let (_, stdout, _) = xacct(&[
        "explain",
        &dir,
        "--terraform",
        &plan,
        "--from",
        "compute:etl",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::lake-b/sales/x",
        "--at",
        AT,
    ]);
    assert!(
        stdout.contains(left_out) && stdout.contains(note),
        "{stdout}"
    );
    // A plan whose new read grant is undecided: no access can be seen to change, but the
    // gate cannot pass it blind.
    let (dir, plan) =
        plan_with_an_undecided_policy("kinesis-role-chain", "aws_iam_role_policy.kinesis_read");
    let (code, stdout, stderr) = xacct(&[
        "diff",
        &dir,
        "--terraform",
        &plan,
        "--fail-on",
        "any",
        "--at",
        AT,
    ]);
    assert!(
        stdout.contains("\n0 access gained (0 cross-account or public), 0 lost;"),
        "{stdout}"
    );
    assert!(
        stdout.contains("left out: Terraform resource aws_iam_role_policy.kinesis_read")
            && stdout.contains(note),
        "{stdout}"
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("--fail-on cannot pass: 1 part(s)"),
        "{stderr}"
    );
    // With the grant known, the same gate sees the access it gives.
    let original = format!("{dir}/plan.json");
    let (code, stdout, stderr) = xacct(&[
        "diff",
        &dir,
        "--terraform",
        &original,
        "--fail-on",
        "any",
        "--at",
        AT,
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        !stdout.contains(note) && !stderr.contains("cannot pass"),
        "{stdout}\n{stderr}"
    );
    let (code, _, stderr) = xacct(&[
        "diff",
        &dir,
        "--terraform",
        &original,
        "--fail-on",
        "lost-access",
        "--at",
        AT,
    ]);
    assert_eq!(code, 0, "{stderr}");
}
